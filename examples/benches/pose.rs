//! Pose speed against MediaPipe Python on the same frames (`python examples/benches/python/pose_mediapipe.py`;
//! run with `cargo bench --features pose --bench pose`):
//! `pose/video_full` and `pose/video_lite`, frames per second from decoded 640 x 960 frames to
//! landmarks in video mode (detector on the first frame, then tracking), the whole pipeline, as
//! MediaPipe follows one person. `pose/everyone_full`: the same frames with everyone followed (as
//! `pose` runs), the price of looking for others. `pose/two_people_full`: everyone followed in
//! `people.mp4` (960 x 540, two people in most frames), against `pose/everyone_full` per frame.
//! `pose/tree_full`: a tree of videos, twice as many as cores, run side by side, a video to a core
//! with its operations kept on that core ([`gait::pose::on_this_thread`]), each with a fresh
//! estimator, as `pose` runs a tree; `pose/tree_shared_full` the same with each operation split
//! over all cores. A video is the walker's 20 frames forward, back, forward (120 frames, 4 s):
//! start-up is then a small part of each video, as in the minutes of a lab's recordings. Their
//! anchor: `pose_mediapipe.py --tree`, MediaPipe with one process per core on the same videos.
#![allow(missing_docs)] // criterion_group! makes an undocumented public function

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gait::pose::{Frame, FrameSource, Model, PoseEstimator, PoseOptions, default_model_dir, on_this_thread};
// Linked for its allocator (mimalloc): the bench runs as the programs run.
use gait_examples as _;

fn decoded(name: &str) -> Vec<(Frame<'static>, f64)> {
    let video = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/gait-pose/tests/fixtures")
        .join(name);
    FrameSource::open(&video, 30.0)
        .and_then(|source| source.collect::<Result<Vec<_>, _>>())
        .expect("the bench decodes the fixture videos of crates/gait-pose/tests/fixtures with ffmpeg")
}

fn pose(c: &mut Criterion) {
    let (frames, people) = (decoded("walker.mp4"), decoded("people.mp4"));
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
    for (name, video) in [("everyone_full", &frames), ("two_people_full", &people)] {
        let mut estimator =
            PoseEstimator::open(&default_model_dir(), PoseOptions::default()).expect("models");
        group.throughput(Throughput::Elements(video.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                estimator.reset();
                video
                    .iter()
                    .map(|(frame, time)| estimator.estimate_people(frame, *time).len())
                    .sum::<usize>()
            })
        });
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let videos = 2 * cores;
    let video = there_and_back(&frames, TREE_PASSES);
    group.throughput(Throughput::Elements((videos * video.len()) as u64));
    for (name, alone) in [("tree_full", true), ("tree_shared_full", false)] {
        group.bench_function(name, |b| b.iter(|| tree(&video, videos, cores, alone)));
    }
    group.finish();
}

/// Passes over the walker's clip in a video of `pose/tree_full`.
const TREE_PASSES: usize = 6;

/// `frames` played forward, back, forward..., `passes` times, at 30 frames a second.
fn there_and_back<'a>(frames: &'a [(Frame<'static>, f64)], passes: usize) -> Vec<(&'a Frame<'static>, f64)> {
    (0..passes)
        .flat_map(|pass| {
            let forward = frames.iter();
            let order: Box<dyn Iterator<Item = _>> = if pass % 2 == 0 {
                Box::new(forward)
            } else {
                Box::new(forward.rev())
            };
            order.map(|(frame, _)| frame)
        })
        .enumerate()
        .map(|(i, frame)| (frame, i as f64 / 30.0))
        .collect()
}

/// Poses found in `videos` copies of `frames`, the videos taken in turn by `cores` threads, each
/// with its estimator; with `alone`, each thread's operations kept on it.
fn tree(frames: &[(&Frame, f64)], videos: usize, cores: usize, alone: bool) -> usize {
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..cores)
            .map(|_| {
                scope.spawn(|| {
                    let run = || {
                        let mut estimator = PoseEstimator::open(&default_model_dir(), PoseOptions::default())
                            .expect("models");
                        let mut found = 0;
                        while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < videos {
                            estimator.reset();
                            found += frames
                                .iter()
                                .filter(|(frame, time)| estimator.estimate(frame, *time).is_some())
                                .count();
                        }
                        found
                    };
                    if alone { on_this_thread(run) } else { run() }
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("a worker")).sum()
    })
}

criterion_group!(benches, pose);
criterion_main!(benches);
