//! The whole pipeline against MediaPipe Pose 0.10.14 (Python, full model) on the same frames:
//! `fixtures/walker.mp4`, a rendered mannequin walking while the camera pans and zooms, decoded
//! by ffmpeg; the reference landmarks come from `fixtures/make_fixtures.py`.

use std::path::{Path, PathBuf};

use gait_pose::{FrameSource, Mode, Model, PoseEstimator, PoseOptions, default_model_dir, track};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Median and 95th percentile of the landmark distances in pixels, largest visibility
/// difference, and frames where only one side found a person.
fn compare(mode: Mode) -> (f32, f32, f32, usize) {
    let reference = gait_io::read_npy(&fixture(&format!(
        "mediapipe_{}.npy",
        if mode == Mode::Video { "video" } else { "static" }
    )))
    .unwrap()
    .to_f64();
    let mut options = PoseOptions::default();
    options.model = Model::Full;
    options.mode = mode;
    let mut estimator = PoseEstimator::open(&default_model_dir(), options).unwrap();
    let source = FrameSource::open(&fixture("walker.mp4"), 30.0).unwrap();
    let found = track(&mut estimator, source, |_, _, _| {}).unwrap();
    let [w, h] = found.frame_size.map(|v| v as f32);
    assert_eq!(found.frames_read, reference.shape()[0]);
    let mut distances = Vec::new();
    let mut visibility = 0f32;
    let mut disagree = 0;
    for f in 0..found.frames_read {
        let ours = found
            .frame_indices
            .iter()
            .position(|&i| i == f)
            .map(|k| &found.poses[k]);
        let theirs_found = !reference[[f, 0, 0]].is_nan();
        match ours {
            Some(pose) if theirs_found => {
                for (j, l) in pose.iter().enumerate() {
                    let (dx, dy) = (
                        l.x * w - reference[[f, j, 0]] as f32,
                        l.y * h - reference[[f, j, 1]] as f32,
                    );
                    distances.push((dx * dx + dy * dy).sqrt());
                    visibility = visibility.max((l.visibility - reference[[f, j, 3]] as f32).abs());
                }
            }
            None if !theirs_found => {}
            _ => disagree += 1,
        }
    }
    distances.sort_by(f32::total_cmp);
    let at = |q: f64| distances[((distances.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.95), visibility, disagree)
}

#[test]
fn video_mode_matches_mediapipe() {
    let (median, p95, visibility, disagree) = compare(Mode::Video);
    assert!(
        median <= 1.5 && p95 <= 5.0 && visibility <= 0.05 && disagree == 0,
        "median {median} px, 95th percentile {p95} px, visibility {visibility}, {disagree} frames disagree"
    );
}

#[test]
fn static_mode_matches_mediapipe() {
    let (median, p95, visibility, disagree) = compare(Mode::Static);
    assert!(
        median <= 1.5 && p95 <= 5.0 && visibility <= 0.05 && disagree == 0,
        "median {median} px, 95th percentile {p95} px, visibility {visibility}, {disagree} frames disagree"
    );
}
