//! Dataset loading speed: `io/load_tree` scans and reads a tree of 1,000 angle files of 110
//! frames (11 features), written at bench time, in files per second.
//!
//! `GAIT_IO_BENCH_TREE=DIR` measures an existing tree instead, such as the one
//! `examples/benches/python/load_tree.py DIR` writes with NumPy and times in Python.

#![allow(missing_docs)] // criterion_group! makes an undocumented public function

use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gait::features::SEED_COLUMNS;
use gait::io::{ClipFile, Dataset, FeatureSequence, Require, write_angles};
use gait::ndarray::Array2;
// Linked for its allocator (mimalloc): the bench runs as the programs run.
use gait_examples as _;

const FILES: usize = 1000;
const FRAMES: usize = 110;

/// 1,000 clips: 50 recordings of 20 clips, split over the tree's four folders.
fn write_tree(root: &Path) {
    let columns: Vec<String> = SEED_COLUMNS.iter().map(|k| k.to_string()).collect();
    for file in 0..FILES {
        let recording = file / 20;
        let folder = [
            "Training/Normal",
            "Training/Abnormal",
            "Testing/Normal",
            "Testing/Abnormal",
        ][recording % 4];
        let values = Array2::from_shape_fn((FRAMES, SEED_COLUMNS.len()), |(f, k)| {
            if (f + k + file) % 97 == 0 {
                f64::NAN
            } else {
                (f * 31 + k * 7 + file) as f64 * 0.173
            }
        });
        let sequence = FeatureSequence::new(columns.clone(), values).expect("11 named columns");
        let dir = root.join(folder).join(format!("rec{recording:03}"));
        let path = ClipFile::Angles.path(&dir, &(file % 20).to_string());
        write_angles(&path, &sequence).expect("bench tree is writable");
    }
}

fn load_tree(c: &mut Criterion) {
    let (_temp, root): (Option<tempfile::TempDir>, PathBuf) = match std::env::var_os("GAIT_IO_BENCH_TREE") {
        Some(dir) => (None, PathBuf::from(dir)),
        None => {
            let temp = tempfile::tempdir().expect("temporary folder");
            write_tree(temp.path());
            let root = temp.path().to_path_buf();
            (Some(temp), root)
        }
    };
    let files = Dataset::scan(&root, Require::Angles)
        .expect("bench tree")
        .samples
        .len();
    let mut group = c.benchmark_group("io");
    group.throughput(Throughput::Elements(files as u64));
    group.sample_size(20);
    group.bench_function("load_tree", |b| {
        b.iter(|| {
            let mut dataset = Dataset::scan(&root, Require::Angles).expect("bench tree");
            let loaded = dataset.load_angles();
            assert_eq!(loaded.len(), files);
            loaded
        });
    });
    group.finish();
}

criterion_group!(benches, load_tree);
criterion_main!(benches);
