//! Operations kept on the calling thread ([`gait_pose::on_this_thread`], as `pose` runs a tree of
//! videos, a video to a core) give the landmarks that operations split over all threads give, bit
//! for bit.

use std::path::Path;

use gait_pose::{FrameSource, PoseEstimator, PoseOptions, default_model_dir, on_this_thread};

/// Every landmark field of the first frames of `walker.mp4`, in video mode (the full model).
fn landmarks() -> Vec<[f32; 5]> {
    let video = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/walker.mp4");
    let mut estimator = PoseEstimator::open(&default_model_dir(), PoseOptions::default()).unwrap();
    let mut all = Vec::new();
    for frame in FrameSource::open(&video, 30.0).unwrap().take(12) {
        let (frame, time) = frame.unwrap();
        let pose = estimator.estimate(&frame, time).expect("the walker is found");
        all.extend(pose.iter().map(|l| [l.x, l.y, l.z, l.visibility, l.presence]));
    }
    all
}

#[test]
fn one_thread_gives_the_landmarks_of_all_threads() {
    let shared = landmarks();
    let alone = on_this_thread(landmarks);
    assert_eq!(shared.len(), 12 * 33);
    assert!(shared == alone, "the landmarks differ on one thread");
}
