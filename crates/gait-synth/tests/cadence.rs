//! Gait events on whole recordings of any length: the cadence of a walker measured from 4 s to
//! 120 s of walking agrees with its true heel strikes (within 3%), seen by a camera that pans
//! with the walker as `write_recordings` renders them. (A still camera sees a long walk ever more
//! obliquely and then out of frame: the cadence measured on such image coordinates fell from 117
//! to 46 steps/min at 40 s.)

use gait_features::{BodyAxes, EventOptions, detect_events, gait_parameters};
use gait_synth::{CohortOptions, cohort};

/// Steps per minute between the first and last of the true heel strikes of both feet.
fn true_cadence(strikes: &[Vec<usize>; 2], fps: f64) -> f64 {
    let mut all: Vec<usize> = strikes.iter().flatten().copied().collect();
    all.sort_unstable();
    let (first, last) = (all[0], all[all.len() - 1]);
    (all.len() - 1) as f64 / ((last - first) as f64 / fps) * 60.0
}

#[test]
fn cadence_does_not_depend_on_the_recordings_length() {
    for seconds in [4.0, 10.0, 20.0, 40.0, 80.0, 120.0] {
        let mut options = CohortOptions::default();
        options.normal_subjects = 2;
        options.abnormal_subjects = 2;
        options.recordings_per_subject = 1;
        options.seconds = seconds;
        options.test_fraction = 0.0;
        options.camera = Some(gait_synth::Camera {
            pan: true,
            ..Default::default()
        });
        for recording in cohort(&options, 5).unwrap() {
            let landmarks = &recording.landmarks;
            let axes = BodyAxes::estimate(landmarks).unwrap();
            let events = detect_events(landmarks, &axes, &EventOptions::default()).unwrap();
            let measured = gait_parameters(landmarks, &axes, &events, 30.0).cadence;
            let truth = true_cadence(&recording.heel_strikes, 30.0);
            assert!(
                (measured - truth).abs() <= 0.03 * truth,
                "{seconds} s, {}: measured {measured:.1} steps/min, true {truth:.1}",
                recording.name
            );
        }
    }
}

#[test]
fn cadence_is_right_at_every_speed_in_frames_of_every_shape() {
    use gait_synth::{Camera, Realism, Subject, render, walk};
    use rand::SeedableRng;

    for cadence in [85.0, 100.0, 115.0, 130.0] {
        for aspect in [1.0, 16.0 / 9.0, 9.0 / 16.0] {
            let subject = Subject {
                height: 1.7,
                cadence,
                stride_ratio: 0.8 * cadence / 110.0,
                amplitude: 1.0,
                pathology: None,
            };
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(cadence as u64);
            let clip = walk(&subject, 450, 30.0, &mut rng);
            let camera = Camera {
                aspect,
                pan: true,
                ..Camera::default()
            };
            let (landmarks, strikes) = render(&clip, &Realism::default(), Some(&camera), &mut rng);
            let axes = BodyAxes::estimate(&landmarks).unwrap();
            let events = detect_events(&landmarks, &axes, &EventOptions::default()).unwrap();
            let measured = gait_parameters(&landmarks, &axes, &events, 30.0).cadence;
            let truth = true_cadence(&strikes, 30.0);
            assert!(
                (measured - truth).abs() <= 0.03 * truth,
                "{cadence} steps/min in frames {aspect:.2} wide: measured {measured:.1}, true {truth:.1}"
            );
        }
    }
}
