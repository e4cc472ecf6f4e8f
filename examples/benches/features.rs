//! Feature pipeline speed: `features/seed` and `features/default` over 1,000,000 frames of
//! MediaPipe (33, 3) f32 landmarks, one thread, in frames per second.
//!
//! Compare with `python ../shared/anchors/features_numpy.py` run in the same sitting.
//! `features/read_input` only sums the input once: the memory-bandwidth floor under any pass over
//! these 396 MB of landmarks.
#![allow(missing_docs)] // criterion_group! makes an undocumented public function

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gait::features::FeatureSet;
use gait::io::{Landmarks, Layout};
use gait::ndarray::Array3;
// Linked for its allocator (mimalloc): the bench runs as the programs run.
use gait_examples as _;

const FRAMES: usize = 1_000_000;

/// Landmarks of a figure that walks, with pseudo-random jitter so no two frames are alike.
fn landmarks() -> Landmarks<'static> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut jitter = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let positions = Array3::from_shape_fn((FRAMES, 33, 3), |(f, j, a)| {
        let walk = if a == 0 { f as f32 * 1e-4 } else { 0.0 };
        walk + (j as f32 * 0.37 + a as f32 * 1.3).sin() * 0.4 + 0.05 * jitter()
    });
    Landmarks::new(Layout::MediaPipe33, positions).expect("(frames, 33, 3)")
}

fn features(c: &mut Criterion) {
    let landmarks = landmarks();
    let mut group = c.benchmark_group("features");
    group.throughput(Throughput::Elements(FRAMES as u64));
    group.sample_size(10);
    let positions = landmarks.positions();
    let flat = positions.as_slice().expect("standard layout");
    group.bench_function("read_input", |b| {
        b.iter(|| {
            // Eight independent sums so that the loop vectorises and only memory bounds it.
            let mut lanes = [0.0f32; 8];
            for chunk in flat.chunks_exact(8) {
                for (lane, v) in lanes.iter_mut().zip(chunk) {
                    *lane += v;
                }
            }
            lanes
        })
    });
    for set in [FeatureSet::Seed, FeatureSet::Default] {
        group.bench_function(set.to_string(), |b| {
            b.iter(|| set.compute(&landmarks, None).expect("features"))
        });
    }
    group.finish();
}

criterion_group!(benches, features);
criterion_main!(benches);
