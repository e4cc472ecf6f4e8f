//! Cleaning: the low-pass filter's response at known frequencies, and gap filling.

use gait_features::{Butterworth, CleaningOptions, clean, fill_gaps};
use gait_io::{Landmarks, Layout};
use ndarray::Array3;

/// Root-mean-square of the middle half of a filtered tone, relative to the unfiltered tone (dB).
fn gain_db(filter: &Butterworth, hz: f64, fps: f64) -> f64 {
    let n = 600;
    let tone: Vec<f64> = (0..n)
        .map(|i| (2.0 * std::f64::consts::PI * hz * i as f64 / fps).sin())
        .collect();
    let mut filtered = tone.clone();
    filter.filtfilt(&mut filtered);
    let rms = |x: &[f64]| (x[n / 4..3 * n / 4].iter().map(|v| v * v).sum::<f64>() / (n / 2) as f64).sqrt();
    20.0 * (rms(&filtered) / rms(&tone)).log10()
}

#[test]
fn butterworth_stops_twice_the_cutoff_and_passes_a_third_of_it() {
    for (order, cutoff, fps) in [(4, 6.0, 30.0), (4, 6.0, 60.0), (2, 3.0, 30.0), (3, 5.0, 50.0)] {
        let filter = Butterworth::low_pass(order, cutoff, fps).unwrap();
        let stop = gain_db(&filter, 2.0 * cutoff, fps);
        let pass = gain_db(&filter, cutoff / 3.0, fps);
        assert!(
            stop <= -20.0,
            "order {order}, {cutoff} Hz at {fps} fps: {stop:.1} dB at twice the cutoff"
        );
        assert!(
            pass.abs() <= 1.0,
            "order {order}: {pass:.2} dB at a third of the cutoff"
        );
        // Applied twice, the -3 dB point of one pass is -6 dB.
        let at_cutoff = gain_db(&filter, cutoff, fps);
        assert!(
            (at_cutoff + 6.02).abs() < 0.5,
            "order {order}: {at_cutoff:.2} dB at the cutoff"
        );
    }
}

#[test]
fn filter_keeps_constants_and_missing_values_in_place() {
    let filter = Butterworth::low_pass(4, 6.0, 30.0).unwrap();
    let mut x = vec![2.5; 40];
    x[20] = f64::NAN;
    filter.filtfilt(&mut x);
    assert!(x[20].is_nan());
    assert!(
        x.iter().filter(|v| !v.is_nan()).all(|v| (v - 2.5).abs() < 1e-12),
        "{x:?}"
    );
    assert!(Butterworth::low_pass(4, 20.0, 30.0).is_err());
}

#[test]
fn gaps_up_to_the_limit_are_interpolated_longer_ones_left() {
    let nan = f64::NAN;
    let mut x = vec![nan, 0.0, nan, nan, 3.0, nan, nan, nan, nan, 8.0, nan];
    assert_eq!(fill_gaps(&mut x, 3), 2);
    assert_eq!(&x[1..5], &[0.0, 1.0, 2.0, 3.0]);
    assert!(x[0].is_nan() && x[5..9].iter().all(|v| v.is_nan()) && x[10].is_nan());
}

#[test]
fn cleaning_landmarks_reports_filled_and_missing_values() {
    let mut positions = Array3::from_shape_fn((30, 33, 3), |(f, j, a)| (f + j + a) as f32 * 0.01);
    positions[[10, 5, 0]] = f32::NAN; // a short gap: filled
    for f in 0..20 {
        positions[[f + 5, 7, 1]] = f32::NAN; // a long gap: left
    }
    let lm = Landmarks::new(Layout::MediaPipe33, positions).unwrap();
    let mut options = CleaningOptions::default();
    options.max_gap = 5;
    let (cleaned, report) = clean(&lm, &options).unwrap();
    assert_eq!((report.filled, report.missing), (1, 20));
    // A straight line through time passes the low-pass filter unchanged.
    assert!((cleaned.positions()[[10, 5, 0]] - 0.15).abs() < 1e-5);
    assert!(cleaned.positions()[[12, 7, 1]].is_nan());
}
