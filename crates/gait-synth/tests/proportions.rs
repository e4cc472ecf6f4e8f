//! Landmarks seen in frames of any shape give the same default features once their frame's aspect
//! is known, and those of the walk itself; without it, a wide frame bends every angle.

use gait_features::FeatureSet;
use gait_io::Landmarks;
use gait_synth::{Camera, Realism, Subject, render, walk};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The subject of these tests.
fn subject() -> Subject {
    Subject {
        height: 1.75,
        cadence: 110.0,
        stride_ratio: 0.8,
        amplitude: 1.0,
        pathology: None,
    }
}

/// No noise, no frame dropped, no sides swapped.
fn clean() -> Realism {
    Realism {
        jitter: 0.0,
        drop_rate: 0.0,
        swap_rate: 0.0,
    }
}

/// Ten seconds of one subject seen by a side camera panning with them in frames `aspect` wide
/// (`None`: the walk itself, in metres), without noise.
fn seen(aspect: Option<f64>) -> Landmarks<'static> {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let clip = walk(&subject(), 300, 30.0, &mut rng);
    let clean = clean();
    let camera = aspect.map(|aspect| Camera {
        aspect,
        pan: true,
        ..Camera::default()
    });
    render(&clip, &clean, camera.as_ref(), &mut rng).0
}

/// Each frame's knee flexion (left, then right) in degrees.
fn knees(landmarks: &Landmarks) -> Vec<f64> {
    let features = FeatureSet::Default.compute(landmarks, None).unwrap();
    ["left_knee_flexion", "right_knee_flexion"]
        .iter()
        .flat_map(|c| features.column(c).unwrap().to_vec())
        .collect()
}

fn largest_difference(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

#[test]
fn square_wide_and_tall_frames_give_the_walks_own_knee_angles() {
    let truth = knees(&seen(None));
    let peak = truth.iter().copied().fold(0.0, f64::max);
    assert!(peak > 50.0, "the walker flexes the knee in swing: {peak}");
    for aspect in [1.0, 16.0 / 9.0, 9.0 / 16.0] {
        let landmarks = seen(Some(aspect));
        assert_eq!(landmarks.aspect(), Some(aspect));
        let knees = knees(&landmarks);
        let off = largest_difference(&knees, &truth);
        assert!(
            off < 1.0,
            "aspect {aspect}: {off} degrees from the walk's own angles"
        );
        // The same landmarks without their frame's aspect: stretched, and the angles wrong.
        if aspect != 1.0 {
            let stretched = knees_without_aspect(landmarks);
            let off = largest_difference(&stretched, &truth);
            assert!(
                off > 5.0,
                "aspect {aspect}: only {off} degrees off when stretched"
            );
        }
    }
}

fn knees_without_aspect(landmarks: Landmarks) -> Vec<f64> {
    knees(&landmarks.with_aspect(None).unwrap())
}

#[test]
fn a_side_view_measures_no_step_width_and_says_why() {
    use gait_features::{Profile, View};

    let landmarks = seen(Some(16.0 / 9.0));
    let profile = Profile::of(&landmarks, 30.0);
    assert_eq!(profile.view, Some(View::Side));
    let parameters = profile.parameters.as_ref().unwrap();
    assert!(parameters.step_width.is_nan());
    // The camera pans with the walker: the ground covered does not show, and that is said.
    assert!(parameters.stride_length.iter().all(|l| l.is_nan()));
    assert!(
        profile
            .notes
            .iter()
            .any(|n| n.contains("the camera follows the walker")),
        "{:?}",
        profile.notes
    );
    assert!(profile.curves.iter().flatten().all(Option::is_some));
    assert!(
        profile
            .notes
            .iter()
            .any(|n| n.starts_with("step width: ") && n.ends_with("not measurable from a side view")),
        "{:?}",
        profile.notes
    );
    // Landmarks not known to come from a video frame (an old tree): measured as before.
    let old = Profile::of(&landmarks.with_aspect(None).unwrap(), 30.0);
    assert_eq!(old.view, None);
    assert!(old.parameters.unwrap().step_width.is_finite());
}

#[test]
fn a_still_camera_from_the_side_measures_the_strides_of_the_walk_itself() {
    use gait_features::Profile;

    let mut rng = ChaCha8Rng::seed_from_u64(11);
    // Four seconds across a camera 6 m away: seen from the side all along.
    let clip = walk(&subject(), 120, 30.0, &mut rng);
    let clean = clean();
    let still = Camera {
        distance: 6.0,
        ..Camera::default()
    };
    let stride = |landmarks: &Landmarks| Profile::of(landmarks, 30.0).parameter_values()[1];
    let truth = stride(&render(&clip, &clean, None, &mut rng).0);
    let seen = stride(&render(&clip, &clean, Some(&still), &mut rng).0);
    assert!(truth > 1.0, "{truth} leg lengths a stride");
    assert!((seen - truth).abs() < 0.1 * truth, "{seen} seen, {truth} walked");
    // The normal range gives lengths of the walks themselves, where its panning camera shows none.
    let normal = gait_synth::normal_range(30.0).unwrap();
    let [low, high] = normal.parameters[1];
    assert!(low < truth && truth < high, "{truth} outside {low} - {high}");
}
