//! Gait events on a synthetic walker whose contacts are known, and the parameters that follow.

mod common;

use approx::assert_abs_diff_eq;
use gait_features::{
    BodyAxes, EventOptions, Side, detect_events, gait_parameters, split_steps, split_strides,
};

use common::{PERIOD, STANCE, event_walker as walker, with_sides_swapped};

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
fn frames_whose_sides_the_pose_estimator_swapped_change_no_event() {
    let lm = walker(150, 5.3, 0.0);
    let axes = BodyAxes::estimate(&lm).unwrap();
    let expected = detect_events(&lm, &axes, &EventOptions::default()).unwrap();
    // Frames at and beside the left heel strikes and toe offs among them.
    let swapped = with_sides_swapped(&lm, &[5, 39, 40, 60, 61, 100, 128]);
    let found = detect_events(&swapped, &axes, &EventOptions::default()).unwrap();
    assert_eq!(found.heel_strikes, expected.heel_strikes);
    assert_eq!(found.toe_offs, expected.toe_offs);
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
