//! Pose speed against MediaPipe Python on the same frames (`python examples/benches/python/pose_mediapipe.py`;
//! run with `cargo bench --features pose --bench pose`):
//! `pose/video_full` and `pose/video_lite`, frames per second from decoded 640 x 960 frames to
//! landmarks in video mode (detector on the first frame, then tracking), the whole pipeline.
#![allow(missing_docs)] // criterion_group! makes an undocumented public function

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gait::pose::{Frame, FrameSource, Model, PoseEstimator, PoseOptions, default_model_dir};

fn frames() -> Vec<(Frame, f64)> {
    let video = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/gait-pose/tests/fixtures/walker.mp4");
    FrameSource::open(&video, 30.0)
        .and_then(|source| source.collect::<Result<Vec<_>, _>>())
        .expect("the bench decodes crates/gait-pose/tests/fixtures/walker.mp4 with ffmpeg")
}

fn pose(c: &mut Criterion) {
    let frames = frames();
    let mut group = c.benchmark_group("pose");
    group.sample_size(10);
    group.throughput(Throughput::Elements(frames.len() as u64));
    for (name, model) in [("video_full", Model::Full), ("video_lite", Model::Lite)] {
        let mut options = PoseOptions::default();
        options.model = model;
        let mut estimator = PoseEstimator::open(&default_model_dir(), options).expect("models");
        group.bench_function(name, |b| {
            b.iter(|| {
                estimator.reset();
                frames
                    .iter()
                    .filter(|(frame, time)| estimator.estimate(frame, *time).is_some())
                    .count()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, pose);
criterion_main!(benches);
