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
    for cadence in [85.0, 100.0, 115.0, 130.0] {
        for aspect in [1.0, 16.0 / 9.0, 9.0 / 16.0] {
            let (landmarks, strikes) = side_view(cadence, aspect, 450);
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

/// The leg joints (knee, ankle, heel, toe) of MediaPipe's layout, left and right.
const LEGS: [(usize, usize); 4] = [(25, 26), (27, 28), (29, 30), (31, 32)];

/// A walker of 1.7 m at `cadence`, strides in proportion.
fn walker(cadence: f64) -> gait_synth::Subject {
    gait_synth::Subject {
        height: 1.7,
        cadence,
        stride_ratio: 0.8 * cadence / 110.0,
        amplitude: 1.0,
        pathology: None,
    }
}

/// `frames` of a walker at `cadence` seen from the side by a camera panning with them, in frames
/// `aspect` wide, with their true heel strikes.
fn side_view(cadence: f64, aspect: f64, frames: usize) -> (gait_io::Landmarks<'static>, [Vec<usize>; 2]) {
    use gait_synth::{Camera, Realism, render, walk};
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(cadence as u64);
    let clip = walk(&walker(cadence), frames, 30.0, &mut rng);
    let camera = Camera {
        aspect,
        pan: true,
        ..Camera::default()
    };
    render(&clip, &Realism::default(), Some(&camera), &mut rng)
}

/// How far joint `j` is along the walking direction in frame `f`, in true proportions.
fn along(landmarks: &gait_io::Landmarks, axes: &BodyAxes, f: usize, j: usize) -> f64 {
    let (p, scale) = (landmarks.joint(f, j).unwrap(), landmarks.scale());
    (0..3).map(|k| p[k] * scale[k] * axes.forward[k]).sum()
}

/// `landmarks` with the legs' names exchanged in the frames `swapped` says.
fn legs_renamed(
    landmarks: &gait_io::Landmarks<'static>,
    swapped: impl Fn(usize) -> bool,
) -> gait_io::Landmarks<'static> {
    let mut values = landmarks.positions_f64().into_owned();
    for f in (0..landmarks.frames()).filter(|&f| swapped(f)) {
        for (l, r) in LEGS {
            for axis in 0..3 {
                values.swap([f, l, axis], [f, r, axis]);
            }
        }
    }
    gait_io::Landmarks::from_f64(landmarks.layout(), values)
        .unwrap()
        .with_aspect(landmarks.aspect())
        .unwrap()
}

#[test]
fn legs_the_pose_estimator_names_by_which_is_in_front_still_count_every_step() {
    // In a side view a pose estimator may call the leading foot left, whichever it is: the legs
    // change names each time they pass. Counting heel strikes then finds a foot striking every
    // step; how often the ankles pass each other does not depend on their names.
    for cadence in [90.0, 110.0, 130.0] {
        let (landmarks, strikes) = side_view(cadence, 16.0 / 9.0, 300);
        let axes = BodyAxes::estimate(&landmarks).unwrap();
        let ahead = |f: usize| along(&landmarks, &axes, f, 27) < along(&landmarks, &axes, f, 28);
        let renamed = legs_renamed(&landmarks, ahead);
        let events = detect_events(&renamed, &axes, &EventOptions::default()).unwrap();
        let measured = gait_parameters(&renamed, &axes, &events, 30.0).cadence;
        let truth = true_cadence(&strikes, 30.0);
        assert!(
            (measured - truth).abs() <= 0.03 * truth,
            "{cadence} steps/min, legs named by which leads: measured {measured:.1}, true {truth:.1}"
        );
    }
}

#[test]
fn legs_named_the_wrong_way_round_for_a_few_frames_are_read_the_right_way() {
    // A pose estimator giving each leg the other's name for a few frames, away from where they
    // pass each other: the legs jump onto each other's place and back, and are read unswapped.
    let (landmarks, _) = side_view(105.0, 16.0 / 9.0, 300);
    let axes = BodyAxes::estimate(&landmarks).unwrap();
    let gap = |f: usize| (along(&landmarks, &axes, f, 27) - along(&landmarks, &axes, f, 28)).abs();
    let widest = (0..landmarks.frames()).map(gap).fold(0.0, f64::max);
    // Runs of three frames where the feet are well apart.
    let swapped = |f: usize| (f / 3) % 7 == 3 && (f - f % 3..f - f % 3 + 3).all(|g| gap(g) > 0.5 * widest);
    assert!((0..landmarks.frames()).filter(|&f| swapped(f)).count() >= 9);
    let renamed = legs_renamed(&landmarks, swapped);
    let options = EventOptions::default();
    let events = detect_events(&landmarks, &axes, &options).unwrap();
    assert_eq!(detect_events(&renamed, &axes, &options).unwrap(), events);
    let (mut read, truth) = (
        gait_parameters(&renamed, &axes, &events, 30.0),
        gait_parameters(&landmarks, &axes, &events, 30.0),
    );
    // The leg's length is a median over frames of hip to knee to ankle, named as given: the
    // swapped frames move it a little.
    assert!((read.leg_length / truth.leg_length - 1.0).abs() < 0.02);
    read.leg_length = truth.leg_length;
    assert_eq!(read, truth);
}

#[test]
fn seen_from_the_front_or_the_back_the_cadence_is_right_and_what_the_view_hides_is_said() {
    use gait_features::{Profile, View};
    use gait_synth::{Camera, Realism, render, walk};
    use rand::SeedableRng;

    for cadence in [90.0, 110.0, 130.0] {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(cadence as u64);
        let clip = walk(&walker(cadence), 150, 30.0, &mut rng);
        let frames = clip.positions.shape()[0];
        let (start, end) = (clip.positions[[0, 23, 0]], clip.positions[[frames - 1, 23, 0]]);
        for towards in [true, false] {
            // Turned so that the walk goes along the camera's line of sight: towards it, ending
            // 4 m away, or away from it, starting there.
            let mut turned = clip.clone();
            for f in 0..frames {
                for j in 0..33 {
                    let [x, y] = [clip.positions[[f, j, 0]], clip.positions[[f, j, 1]]];
                    turned.positions[[f, j, 0]] = y;
                    turned.positions[[f, j, 1]] = if towards { end - x } else { x - start };
                }
            }
            let camera = Camera {
                aspect: 9.0 / 16.0,
                ..Camera::default()
            };
            let (landmarks, strikes) = render(&turned, &Realism::default(), Some(&camera), &mut rng);
            let profile = Profile::of(&landmarks, 30.0);
            let view = if towards { View::Front } else { View::Back };
            assert_eq!(profile.view, Some(view), "{cadence} steps/min");
            let measured = profile.parameter_values()[0];
            let truth = true_cadence(&strikes, 30.0);
            assert!(
                (measured - truth).abs() <= 0.03 * truth,
                "{cadence} steps/min from the {view}: measured {measured:.1}, true {truth:.1}"
            );
            // Lengths along the walk and the sagittal angles are not measured, and that is said.
            assert!(profile.parameter_values()[1].is_nan());
            assert!(profile.curves.iter().flatten().all(Option::is_none));
            let said = format!("not measurable from a {view} view");
            assert!(
                profile
                    .notes
                    .iter()
                    .any(|n| n.starts_with("stride and step lengths") && n.ends_with(&said)),
                "{:?}",
                profile.notes
            );
        }
    }
}
