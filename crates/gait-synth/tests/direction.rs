//! The walking direction is found on a treadmill (the pelvis held in place) in every layout,
//! however the coordinates are turned or mirrored, on whole walks and on short clips of slow
//! pathological gaits.

use gait_features::{BodyAxes, Joint, Side};
use gait_io::{Landmarks, Layout};
use gait_synth::{Pathology, Subject, walk};
use ndarray::Array3;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const FPS: f64 = 30.0;

/// `frames` of `subject` walking, the forward travel of the pelvis taken away (a treadmill), in
/// metres with x forward, y left, z up.
fn treadmill(subject: &Subject, frames: usize, seed: u64) -> Array3<f64> {
    let mut positions = walk(subject, frames, FPS, &mut ChaCha8Rng::seed_from_u64(seed)).positions;
    for f in 0..frames {
        let pelvis_x = (positions[[f, 23, 0]] + positions[[f, 24, 0]]) / 2.0;
        for j in 0..33 {
            positions[[f, j, 0]] -= pelvis_x;
        }
    }
    positions
}

/// Every joint gait-features knows, for copying MediaPipe positions into another layout.
fn joints() -> Vec<Joint> {
    Side::BOTH
        .iter()
        .flat_map(|side| {
            let l = side.limb();
            [
                l.shoulder, l.elbow, l.wrist, l.hip, l.knee, l.ankle, l.heel, l.toe,
            ]
        })
        .collect()
}

/// `positions` (MediaPipe 33) in `layout`, each point mapped by `to`; joints the layout has but
/// the copy does not fill are missing.
fn in_layout(
    positions: &Array3<f64>,
    layout: Layout,
    to: impl Fn([f64; 3]) -> [f64; 3],
) -> Landmarks<'static> {
    let frames = positions.shape()[0];
    let mut out = Array3::from_elem((frames, layout.joints(), 3), f64::NAN);
    for joint in joints() {
        let (Some(from), Some(into)) = (joint.index(Layout::MediaPipe33), joint.index(layout)) else {
            continue;
        };
        for f in 0..frames {
            let p = to([0, 1, 2].map(|a| positions[[f, from, a]]));
            for a in 0..3 {
                out[[f, into, a]] = p[a];
            }
        }
    }
    Landmarks::from_f64(layout, out).unwrap()
}

/// A change of coordinates.
type View = fn([f64; 3]) -> [f64; 3];

/// Coordinate systems to see the walk in: as made; image-like (y down, z away) and turned about
/// the vertical; and mirrored (a left-handed system).
fn views() -> Vec<(&'static str, View)> {
    vec![
        ("as made", |p| p),
        ("image-like, walking towards -x", |[x, y, z]| [-x, -z, -y]),
        ("turned 120 degrees", |[x, y, z]| {
            let (c, s) = (120f64.to_radians().cos(), 120f64.to_radians().sin());
            [c * x - s * y, s * x + c * y, z]
        }),
        ("mirrored", |[x, y, z]| [x, -y, z]),
    ]
}

/// The estimated forward axis is within `degrees` of the true one, in every layout and view.
fn assert_forward(positions: &Array3<f64>, degrees: f64, what: &str) {
    for layout in [Layout::MediaPipe33, Layout::KinectV2, Layout::Coco17] {
        for (view, to) in views() {
            let landmarks = in_layout(positions, layout, to);
            let axes =
                BodyAxes::estimate(&landmarks).unwrap_or_else(|e| panic!("{what}, {layout:?}, {view}: {e}"));
            let truth = to([1.0, 0.0, 0.0]);
            let cosine: f64 = axes.forward.iter().zip(truth).map(|(a, b)| a * b).sum();
            let off = cosine.clamp(-1.0, 1.0).acos().to_degrees();
            assert!(
                off <= degrees,
                "{what}, {layout:?}, {view}: forward {:?} is {off:.1} degrees from {truth:?}",
                axes.forward
            );
        }
    }
}

fn subject(pathology: Option<Pathology>) -> Subject {
    Subject {
        height: 1.7,
        cadence: 105.0,
        stride_ratio: 0.78,
        amplitude: 1.0,
        pathology: pathology.map(|p| (p, 0.9)),
    }
}

#[test]
fn on_a_treadmill_the_body_shows_the_walking_direction_in_every_layout() {
    for (seed, pathology) in [None, Some(Pathology::Hemiplegic), Some(Pathology::Ataxic)]
        .into_iter()
        .enumerate()
    {
        let positions = treadmill(&subject(pathology), 300, seed as u64);
        // Measured: at most 2.3 degrees off.
        assert_forward(&positions, 3.0, &format!("{pathology:?}, 10 s"));
    }
}

#[test]
fn short_clips_of_slow_pathological_gaits_show_it_too() {
    // Two seconds: about one stride of a slow, short-stepping gait, whose pelvis travels little.
    for (seed, pathology) in [
        Pathology::Parkinsonian,
        Pathology::Crouch,
        Pathology::Antalgic,
        Pathology::Steppage,
        Pathology::Trendelenburg,
    ]
    .into_iter()
    .enumerate()
    {
        let slow = Subject {
            cadence: 80.0,
            ..subject(Some(pathology))
        };
        for start in [0, 7, 19] {
            let positions = treadmill(&slow, 60, 10 * seed as u64 + start);
            // Measured: at most 8.3 degrees off (the foot's rise is large beside short steps).
            assert_forward(&positions, 10.0, &format!("{pathology:?}, 2 s from seed {start}"));
        }
    }
}

#[test]
fn a_walk_that_turns_back_is_refused_and_each_pass_alone_is_found() {
    // Overground: three seconds one way, then the same walk turned about the vertical through
    // the start, coming back.
    let there = walk(&subject(None), 90, FPS, &mut ChaCha8Rng::seed_from_u64(4)).positions;
    let end = (there[[89, 23, 0]] + there[[89, 24, 0]]) / 2.0;
    let mut back = there.clone();
    for f in 0..90 {
        for j in 0..33 {
            back[[f, j, 0]] = 2.0 * end - there[[f, j, 0]];
            back[[f, j, 1]] = -there[[f, j, 1]];
        }
    }
    let both = ndarray::concatenate(ndarray::Axis(0), &[there.view(), back.view()]).unwrap();
    let err = BodyAxes::estimate(&in_layout(&both, Layout::KinectV2, |p| p))
        .unwrap_err()
        .to_string();
    assert!(err.contains("turns around") && err.contains("each pass"), "{err}");
    for (pass, truth) in [(&there, 1.0), (&back, -1.0)] {
        for layout in [Layout::MediaPipe33, Layout::KinectV2, Layout::Coco17] {
            let axes = BodyAxes::estimate(&in_layout(pass, layout, |p| p)).unwrap();
            assert!(axes.forward[0] * truth > 0.99, "{layout:?}: {:?}", axes.forward);
        }
    }
}
