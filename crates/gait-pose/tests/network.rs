//! The interpreter against TFLite's own (tflite-runtime 2.14, `fixtures/make_fixtures.py`): the
//! same input pattern through MediaPipe's detector and landmark models gives the same outputs.

use std::path::{Path, PathBuf};

use gait_pose::Network;

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/mediapipe")
}

/// The input pattern of `make_fixtures.py`.
fn pattern(size: usize, lo: f32, hi: f32) -> Vec<f32> {
    let mut v = Vec::with_capacity(size * size * 3);
    for y in 0..size {
        for x in 0..size {
            for c in 0..3 {
                let s = 0.5 + 0.5 * (0.031 * (y * (c + 1)) as f64 + 0.047 * x as f64 + 1.3 * c as f64).sin();
                v.push((lo as f64 + (hi - lo) as f64 * s) as f32);
            }
        }
    }
    v
}

fn reference(name: &str) -> Vec<f32> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/network_{name}.npy"));
    let array = gait_io::read_npy(&path).unwrap().to_f64();
    array.iter().map(|&v| v as f32).collect()
}

/// Runs `model` on the pattern and returns its outputs as `make_fixtures.py` stores them.
fn run(model: &str, outputs: &[&str], size: usize, lo: f32, hi: f32) -> Vec<f32> {
    let mut net = Network::open(&models().join(model), outputs).unwrap();
    assert_eq!(net.input_shape(), [1, size, size, 3]);
    net.input_mut().copy_from_slice(&pattern(size, lo, hi));
    net.run();
    let mut all = Vec::new();
    for (k, name) in outputs.iter().enumerate() {
        let out = net.output(k);
        if *name == "Identity_3" {
            // the heatmap, every fourth row and column
            for y in (0..64).step_by(4) {
                for x in (0..64).step_by(4) {
                    all.extend_from_slice(&out[(y * 64 + x) * 39..][..39]);
                }
            }
        } else {
            all.extend_from_slice(out);
        }
    }
    all
}

fn assert_close(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let scale = want.iter().fold(0f32, |m, v| m.max(v.abs()));
    let worst = got
        .iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(
        worst <= 1e-4 * scale.max(1.0),
        "{what}: worst difference {worst} (largest value {scale})"
    );
}

#[test]
fn detector_matches_tflite() {
    let got = run(
        "pose_detection.tflite",
        &["Identity", "Identity_1"],
        224,
        -1.0,
        1.0,
    );
    assert_close(&got, &reference("detector"), "detector");
}

#[test]
fn full_landmark_model_matches_tflite() {
    let got = run(
        "pose_landmark_full.tflite",
        &["Identity", "Identity_1", "Identity_3"],
        256,
        0.0,
        1.0,
    );
    assert_close(&got, &reference("full"), "full");
}

#[test]
fn lite_landmark_model_matches_tflite() {
    let got = run(
        "pose_landmark_lite.tflite",
        &["Identity", "Identity_1", "Identity_3"],
        256,
        0.0,
        1.0,
    );
    assert_close(&got, &reference("lite"), "lite");
}
