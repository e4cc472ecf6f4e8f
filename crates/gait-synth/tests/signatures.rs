//! Each pathology shows its clinical signature in what the feature crate measures of the walk,
//! against the same subject walking normally; and a cohort is the same for the same seed.

use gait_features::{BodyAxes, EventOptions, FeatureSet, GaitParameters, detect_events, gait_parameters};
use gait_io::{FeatureSequence, Landmarks};
use gait_synth::{CohortOptions, Pathology, Realism, Subject, cohort, render, walk};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const FPS: f64 = 30.0;

/// What is measured of one walk.
struct Measured {
    landmarks: Landmarks<'static>,
    parameters: GaitParameters,
    features: FeatureSequence,
}

/// Ten seconds of a 1.75 m subject, with `pathology` at full severity or none, rendered without
/// noise; the same random start either way.
fn measure(pathology: Option<Pathology>) -> Measured {
    let subject = Subject {
        height: 1.75,
        cadence: 110.0,
        stride_ratio: 0.8,
        amplitude: 1.0,
        pathology: pathology.map(|p| (p, 1.0)),
    };
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let clip = walk(&subject, 300, FPS, &mut rng);
    let clean = Realism {
        jitter: 0.0,
        drop_rate: 0.0,
        swap_rate: 0.0,
    };
    let (landmarks, _) = render(&clip, &clean, None, &mut rng);
    let axes = BodyAxes::estimate(&landmarks).unwrap();
    let events = detect_events(&landmarks, &axes, &EventOptions::default()).unwrap();
    Measured {
        parameters: gait_parameters(&landmarks, &axes, &events, FPS),
        features: FeatureSet::Default.compute(&landmarks, Some(&axes)).unwrap(),
        landmarks,
    }
}

/// The least or the greatest value of a feature column over the walk.
fn extreme(m: &Measured, column: &str, greatest: bool) -> f64 {
    let values = m.features.column(column).unwrap();
    let finite = values.iter().copied().filter(|v| v.is_finite());
    if greatest {
        finite.fold(f64::NEG_INFINITY, f64::max)
    } else {
        finite.fold(f64::INFINITY, f64::min)
    }
}

/// The range (greatest - least) of a feature column over the walk.
fn range(m: &Measured, column: &str) -> f64 {
    extreme(m, column, true) - extreme(m, column, false)
}

/// How high toe `side` (0 left, 1 right) rises above its lowest, metres: toe clearance in swing.
fn toe_rise(m: &Measured, side: usize) -> f64 {
    let positions = m.landmarks.positions();
    let heights: Vec<f64> = (0..positions.shape()[0])
        .map(|f| f64::from(positions[[f, 31 + side, 2]]))
        .collect();
    let lowest = heights.iter().copied().fold(f64::INFINITY, f64::min);
    heights.iter().copied().fold(f64::NEG_INFINITY, f64::max) - lowest
}

#[test]
fn each_pathology_shows_its_signature() {
    let normal = measure(None);
    let n = &normal.parameters;
    // The normal walk is symmetric.
    assert!((n.stance_percent[0] - n.stance_percent[1]).abs() < 3.0, "{n:?}");

    // Antalgic: the painful (right) leg's stance is cut short, the sound leg's lengthened.
    let a = measure(Some(Pathology::Antalgic)).parameters;
    assert!(a.stance_percent[0] > a.stance_percent[1] + 15.0, "{a:?}");

    // Trendelenburg: the pelvis drops on the swing side far more than in normal walking.
    let t = measure(Some(Pathology::Trendelenburg));
    let (drop, normal_drop) = (range(&t, "pelvic_obliquity"), range(&normal, "pelvic_obliquity"));
    assert!(drop > normal_drop + 10.0, "{drop} against {normal_drop}");

    // Steppage: the foot is lifted high in swing to clear a dropped foot.
    let s = measure(Some(Pathology::Steppage));
    for side in 0..2 {
        let (rise, normal_rise) = (toe_rise(&s, side), toe_rise(&normal, side));
        assert!(
            rise > normal_rise + 0.03,
            "side {side}: {rise} against {normal_rise}"
        );
    }

    // Parkinsonian: short, quick steps.
    let p = measure(Some(Pathology::Parkinsonian)).parameters;
    assert!(p.stride_length[0] < 0.7 * n.stride_length[0], "{p:?}");
    assert!(p.cadence > 1.1 * n.cadence, "{p:?}");

    // Ataxic: a wide base.
    let x = measure(Some(Pathology::Ataxic)).parameters;
    assert!(
        x.step_width > n.step_width + 0.05,
        "{} against {}",
        x.step_width,
        n.step_width
    );

    // Crouch: the knees never straighten.
    let c = measure(Some(Pathology::Crouch));
    for column in ["left_knee_flexion", "right_knee_flexion"] {
        let (least, normal_least) = (extreme(&c, column, false), extreme(&normal, column, false));
        assert!(
            least > normal_least + 20.0,
            "{column}: {least} against {normal_least}"
        );
    }

    // Hemiplegic: the affected (right) knee hardly flexes in swing.
    let h = measure(Some(Pathology::Hemiplegic));
    let (left, right) = (
        extreme(&h, "left_knee_flexion", true),
        extreme(&h, "right_knee_flexion", true),
    );
    assert!(right < left - 20.0, "right {right}, left {left}");
}

#[test]
fn a_cohort_is_the_same_for_the_same_seed_and_differs_for_another() {
    let mut options = CohortOptions::default();
    options.normal_subjects = 2;
    options.abnormal_subjects = 2;
    options.seconds = 4.0;
    let (a, b, c) = (
        cohort(&options, 5).unwrap(),
        cohort(&options, 5).unwrap(),
        cohort(&options, 6).unwrap(),
    );
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            (&x.name, x.split, &x.class, x.pathology),
            (&y.name, y.split, &y.class, y.pathology)
        );
        assert_eq!(x.landmarks, y.landmarks);
        assert_eq!(x.heel_strikes, y.heel_strikes);
    }
    assert!(a.iter().zip(&c).any(|(x, y)| x.landmarks != y.landmarks));
}
