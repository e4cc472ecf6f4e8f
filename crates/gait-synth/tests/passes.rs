//! A walk that goes out, turns and comes back is cut into its two passes, each measured alone as
//! well as a walk without a turn; nothing is refused because of the turn.

use gait_features::{FeatureSet, Profile, passes};
use gait_synth::{Realism, Subject, render, walk};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const FPS: f64 = 30.0;

/// Steps per minute between the first and last of `strikes` (both feet).
fn cadence(strikes: &[Vec<usize>; 2]) -> f64 {
    let mut all: Vec<usize> = strikes.iter().flatten().copied().collect();
    all.sort_unstable();
    (all.len() - 1) as f64 / ((all[all.len() - 1] - all[0]) as f64 / FPS) * 60.0
}

/// A healthy walker of 1.7 m at `cadence` steps a minute.
fn subject(cadence: f64) -> Subject {
    Subject {
        height: 1.7,
        cadence,
        stride_ratio: 0.8,
        amplitude: 1.0,
        pathology: None,
    }
}

/// Asserts that each of `profile`'s passes measured the cadence of its walk (`walks` in order,
/// within 3%).
fn each_pass_has_its_cadence(profile: &Profile, walks: [&gait_synth::Walk; 2]) {
    assert_eq!(profile.passes.len(), 2);
    for (pass, walk) in profile.passes.iter().zip(walks) {
        let (measured, truth) = (pass.profile.parameter_values()[0], cadence(&walk.heel_strikes));
        assert!(
            (measured - truth).abs() <= 0.03 * truth,
            "frames {:?}: {measured:.1} steps/min, true {truth:.1}",
            pass.frames
        );
    }
}

#[test]
fn out_and_back_is_two_passes_each_with_its_own_cadence() {
    let subject = subject(105.0);
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let out = walk(&subject, 300, FPS, &mut rng);
    let back = walk(&subject, 300, FPS, &mut rng);
    let both = out.then(&back, true);
    let clean = Realism {
        drop_rate: 0.0,
        ..Realism::default()
    };
    // In metres, as a motion-capture system gives them (a camera panning with the walker would
    // hide how far each stride goes).
    let (landmarks, _) = render(&both, &clean, None, &mut rng);
    let straight = Profile::of(&render(&out, &clean, None, &mut rng).0, FPS).parameter_values()[1];

    // Two passes, split at the turn (frame 300), the half second either side of it left out.
    let cut = passes(&landmarks, FPS);
    assert_eq!(cut, [0..285, 315..600]);
    let profile = Profile::of(&landmarks, FPS);
    each_pass_has_its_cadence(&profile, [&out, &back]);
    for pass in &profile.passes {
        // Stride length in leg lengths, as the walk without a turn measures it.
        let stride = pass.profile.parameter_values()[1];
        assert!(
            (stride - straight).abs() <= 0.05 * straight,
            "{stride} against {straight}"
        );
    }
    assert!(profile.notes[0].starts_with("the walk turns: 2 passes (frames 0-284, 315-599)"));
    assert!(profile.curves.iter().flatten().all(Option::is_some));
    // The summary's cadence lies between the passes'.
    let [a, b] = [0, 1].map(|k| profile.passes[k].profile.parameter_values()[0]);
    let summary = profile.parameter_values()[0];
    assert!(a.min(b) <= summary && summary <= a.max(b));

    // The default features of the whole: every pass's frames measured, the turn's missing.
    let features = FeatureSet::Default.compute(&landmarks, None).unwrap();
    let knee = features.column("left_knee_flexion").unwrap();
    assert!(
        knee.iter()
            .take(285)
            .chain(knee.iter().skip(315))
            .all(|v| v.is_finite())
    );
    assert!(knee.iter().skip(285).take(30).all(|v| v.is_nan()));
    // One pass alone is one pass, every frame of it.
    let first = landmarks.frames_in(0..280).unwrap();
    assert_eq!(passes(&first, FPS), std::iter::once(0..280).collect::<Vec<_>>());
}

#[test]
fn a_walker_who_leaves_the_view_and_comes_back_is_two_passes_never_joined_across_the_gap() {
    let subject = subject(110.0);
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let clip = walk(&subject, 600, FPS, &mut rng);
    let clean = Realism {
        drop_rate: 0.0,
        ..Realism::default()
    };
    let (landmarks, _) = render(&clip, &clean, None, &mut rng);
    // Missing from frame 250 to 329 (gone for 2.7 s, as read_landmarks puts back the frames
    // pose found nobody in), and for 5 frames (a sixth of a second) at 100.
    let mut values = landmarks.positions_f64().into_owned();
    for f in (250..330).chain(100..105) {
        values.index_axis_mut(ndarray::Axis(0), f).fill(f64::NAN);
    }
    let gone = gait_io::Landmarks::from_f64(landmarks.layout(), values).unwrap();
    assert_eq!(passes(&gone, FPS), [0..250, 330..600]);
    each_pass_has_its_cadence(&Profile::of(&gone, FPS), [&clip, &clip]);
}

#[test]
fn a_walker_who_stops_and_walks_on_is_two_passes_without_the_standing() {
    let subject = subject(100.0);
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let first = walk(&subject, 300, FPS, &mut rng);
    let second = walk(&subject, 300, FPS, &mut rng);
    // Three seconds standing where the first walk ends, still as the last frame.
    let last = first.positions.index_axis(ndarray::Axis(0), 299).to_owned();
    let views: Vec<_> = (0..90).map(|_| last.view()).collect();
    let standing = gait_synth::Walk {
        positions: ndarray::stack(ndarray::Axis(0), &views).unwrap(),
        heel_strikes: [Vec::new(), Vec::new()],
        height: first.height,
    };
    let whole = first.then(&standing, false).then(&second, false);
    let clean = Realism {
        drop_rate: 0.0,
        ..Realism::default()
    };
    let (landmarks, _) = render(&whole, &clean, None, &mut rng);
    let cut = passes(&landmarks, FPS);
    // Two passes, split in the standing (frames 300 to 389); neither holds more of it than the
    // half second the test looks either side.
    assert_eq!(cut.len(), 2, "{cut:?}");
    assert!(cut[0].end <= 300 + 15 && cut[1].start >= 390 - 15, "{cut:?}");
    assert!(cut[0].start == 0 && cut[1].end == 690, "{cut:?}");
    each_pass_has_its_cadence(&Profile::of(&landmarks, FPS), [&first, &second]);
}
