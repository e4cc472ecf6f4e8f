//! Gait events on a synthetic walker whose contacts are known, and the parameters that follow.

use approx::assert_abs_diff_eq;
use gait_features::{
    BodyAxes, EventOptions, Side, detect_events, gait_parameters, split_steps, split_strides,
};
use gait_io::{Landmarks, Layout};
use ndarray::Array3;

const PERIOD: f64 = 33.7; // frames per stride
const STANCE: f64 = 0.62; // fraction of the stride from heel strike to toe off

/// A walker whose heel (toe) is furthest ahead of (behind) the pelvis at known times: left heel
/// strikes at `t0 + k PERIOD`, right half a stride later; toe offs `STANCE` strides after.
fn walker(frames: usize, t0: f64, jitter: f64) -> Landmarks {
    let mut positions = Array3::<f32>::zeros((frames, 33, 3));
    let two_pi = 2.0 * std::f64::consts::PI;
    for f in 0..frames {
        let t = f as f64;
        let pelvis = 0.9 * t / PERIOD * 1.3; // about 1.2 m per stride
        let noise = |k: usize| jitter * ((f * 31 + k * 17) as f64).sin();
        let mut set = |j: usize, p: [f64; 3]| {
            for a in 0..3 {
                positions[[f, j, a]] = p[a] as f32;
            }
        };
        for (side, y, shift) in [(0usize, 0.1, 0.0), (1, -0.1, 0.5)] {
            let strike = t0 + shift * PERIOD;
            let heel_ahead = 0.35 * (two_pi * (t - strike) / PERIOD).cos();
            let toe_behind = 0.30 * (two_pi * (t - strike - STANCE * PERIOD) / PERIOD).cos();
            let heel = [pelvis + heel_ahead + noise(side), y, 0.05];
            let toe = [pelvis - toe_behind + noise(side + 2), y, 0.03];
            let ankle = [heel[0] + 0.04, y, 0.09];
            let (hip_j, knee_j, ankle_j, heel_j, toe_j, shoulder_j) = if side == 0 {
                (23, 25, 27, 29, 31, 11)
            } else {
                (24, 26, 28, 30, 32, 12)
            };
            set(hip_j, [pelvis, y, 0.95]);
            set(knee_j, [(pelvis + ankle[0]) / 2.0 + 0.05, y, 0.5]);
            set(ankle_j, ankle);
            set(heel_j, heel);
            set(toe_j, toe);
            set(shoulder_j, [pelvis, y * 1.8, 1.45]);
        }
    }
    Landmarks::new(Layout::MediaPipe33, positions).unwrap()
}

fn expected(t0: f64, frames: usize) -> Vec<f64> {
    let first = t0.rem_euclid(PERIOD);
    (0..)
        .map(|k| first + k as f64 * PERIOD)
        .take_while(|&t| t < frames as f64)
        .collect()
}

fn assert_within_one_frame(found: &[usize], truth: &[f64], what: &str) {
    // Events at the very ends cannot be confirmed as maxima; all interior ones must be found.
    let interior: Vec<f64> = truth.iter().copied().filter(|&t| t > 1.5 && t < 148.5).collect();
    assert_eq!(
        found.len(),
        interior.len(),
        "{what}: found {found:?}, truth {truth:?}"
    );
    for (f, t) in found.iter().zip(&interior) {
        assert!((*f as f64 - t).abs() <= 1.0, "{what}: found {f}, truth {t:.2}");
    }
}

#[test]
fn heel_strikes_and_toe_offs_are_found_within_one_frame() {
    for (t0, jitter) in [(5.3, 0.0), (12.8, 0.002), (20.1, 0.004)] {
        let lm = walker(150, t0, jitter);
        let axes = BodyAxes::estimate(&lm).unwrap();
        let events = detect_events(&lm, &axes, &EventOptions::default()).unwrap();
        assert_within_one_frame(&events.heel_strikes[0], &expected(t0, 150), "left heel strikes");
        assert_within_one_frame(
            &events.heel_strikes[1],
            &expected(t0 + PERIOD / 2.0, 150),
            "right heel strikes",
        );
        assert_within_one_frame(
            &events.toe_offs[0],
            &expected(t0 + STANCE * PERIOD, 150),
            "left toe offs",
        );
        assert_within_one_frame(
            &events.toe_offs[1],
            &expected(t0 + (0.5 + STANCE) * PERIOD, 150),
            "right toe offs",
        );
    }
}

#[test]
fn steps_strides_and_parameters_follow_from_the_events() {
    let lm = walker(150, 5.3, 0.0);
    let axes = BodyAxes::estimate(&lm).unwrap();
    let events = detect_events(&lm, &axes, &EventOptions::default()).unwrap();
    let steps = split_steps(&events);
    assert_eq!(steps.len(), events.contacts().len() - 1);
    assert!(
        steps.iter().all(|s| (s.len() as f64 - PERIOD / 2.0).abs() <= 1.0),
        "{steps:?}"
    );
    assert!(
        split_strides(&events, Side::Left)
            .iter()
            .all(|s| (s.len() as f64 - PERIOD).abs() <= 1.0)
    );

    let p = gait_parameters(&lm, &axes, &events, 30.0);
    // Two steps per stride of PERIOD frames at 30 fps.
    assert_abs_diff_eq!(p.cadence, 120.0 * 30.0 / PERIOD, epsilon = 3.0);
    assert_abs_diff_eq!(p.stride_time[0], PERIOD / 30.0, epsilon = 0.05);
    assert_abs_diff_eq!(
        p.stance_percent[0],
        100.0 * STANCE,
        epsilon = 100.0 / PERIOD * 1.5
    );
    assert_abs_diff_eq!(
        p.swing_percent[1],
        100.0 * (1.0 - STANCE),
        epsilon = 100.0 / PERIOD * 1.5
    );
    // At each heel strike the heel is 0.35 ahead of the pelvis, which advances 1.17 per stride.
    let stride = 0.9 * 1.3;
    assert_abs_diff_eq!(p.stride_length[0], stride, epsilon = 0.06);
    assert_abs_diff_eq!(p.step_length[1], stride / 2.0, epsilon = 0.06);
    assert_abs_diff_eq!(p.step_width, 0.2, epsilon = 0.01);
    assert_abs_diff_eq!(p.step_length_symmetry, 1.0, epsilon = 0.1);
}
