//! video → landmarks → features → a prediction with a saved model, the files read back as the
//! old pipeline's.

use std::path::Path;

use gait::features::FeatureSet;
use gait::io::{read_landmarks, read_npy};
use gait::lstm::{Classifier, TrainOptions};
use gait::pose::{FrameSource, PoseEstimator, PoseOptions, default_model_dir};
use gait::prelude::Split;
use gait::synth::CohortOptions;

#[test]
fn a_video_becomes_landmarks_angles_and_a_prediction() {
    let dir = tempfile::tempdir().unwrap();
    let video = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/gait-pose/tests/fixtures/walker.mp4");
    let mut estimator = PoseEstimator::open(&default_model_dir(), PoseOptions::default()).unwrap();
    let mut seen = 0;
    let source = FrameSource::open(&video, 30.0).unwrap();
    let track = gait::extract_video(&mut estimator, source, dir.path(), "1", |_, _, _| seen += 1).unwrap();
    assert_eq!((seen, track.frames_read, track.poses.len()), (20, 20, 20));

    let [landmarks, angles, frames, visibility, video_json] = gait::video_outputs(dir.path(), "1");
    let read = read_npy(&landmarks).unwrap();
    assert_eq!(read.shape(), [20, 33, 3]);
    assert_eq!(
        read.dtype(),
        gait::io::DType::F64,
        "float64, as the old pipeline wrote"
    );
    let lm = read_landmarks(&landmarks).unwrap();
    // Normalised image coordinates: the walker stands in the middle of the frame.
    let hip = lm.joint(0, 23).unwrap();
    assert!(
        (0.3..0.7).contains(&hip[0]) && (0.3..0.7).contains(&hip[1]),
        "{hip:?}"
    );
    let frames = read_npy(&frames).unwrap().to_f64();
    assert_eq!(frames.shape(), [20, 2]);
    for k in 0..20 {
        assert_eq!(frames[[k, 0]], k as f64);
        assert!((frames[[k, 1]] - k as f64 / 30.0).abs() < 1e-4);
    }
    let vis = read_npy(&visibility).unwrap().to_f64();
    assert!(vis.iter().all(|v| (0.0..=1.0).contains(v)));
    let seed = gait::features_of_file(&angles, FeatureSet::Seed).unwrap();
    assert_eq!(seed.frames(), 20);
    // The frame's size and rate beside them, and the landmarks read back with its aspect; the
    // seed angles stay the old formulas on the stored coordinates.
    let info = gait::io::read_video_info(&video_json).unwrap();
    assert_eq!((info.width, info.height, info.rotation), (640, 960, 0));
    assert!((info.fps.unwrap() - 30.0).abs() < 1e-3, "{info:?}");
    assert_eq!(lm.aspect(), Some(640.0 / 960.0));
    assert_eq!(seed, gait::features::seed_features(&lm));

    // A small model on the synthetic cohort's seed features, saved and loaded, predicts the walk.
    let data = dir.path().join("data");
    let mut cohort = CohortOptions::default();
    cohort.normal_subjects = 3;
    cohort.abnormal_subjects = 3;
    cohort.seconds = 5.0;
    gait::write_synthetic_dataset(&data, &cohort, 1).unwrap();
    let train = gait::load_examples(&data, Split::Training, FeatureSet::Seed)
        .unwrap()
        .examples;
    let mut options = TrainOptions::default();
    options.epochs = 2;
    let (model, _) = Classifier::fit(&train, &options).unwrap();
    model.save(&dir.path().join("model")).unwrap();
    let loaded = Classifier::load(&dir.path().join("model")).unwrap();
    let p = loaded.predict_abnormal([&seed]).unwrap();
    assert!((0.0..=1.0).contains(&p[0]), "{p:?}");
    assert_eq!(p, model.predict_abnormal([&seed]).unwrap());
}

#[test]
fn a_video_with_no_person_writes_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let empty_room = dir.path().join("room.mp4");
    let made = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=c=gray:s=320x480:d=0.5",
            "-r",
            "10",
            "-pix_fmt",
            "yuv420p",
        ])
        .arg(&empty_room)
        .status()
        .unwrap();
    assert!(made.success());
    let out = dir.path().join("out");
    let mut estimator = PoseEstimator::open(&default_model_dir(), PoseOptions::default()).unwrap();
    let source = FrameSource::open(&empty_room, 30.0).unwrap();
    let err = gait::extract_video(&mut estimator, source, &out, "room", |_, _, _| {}).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("room.mp4") && text.contains("no person"), "{text}");
    assert!(!out.exists(), "nothing written");
}
