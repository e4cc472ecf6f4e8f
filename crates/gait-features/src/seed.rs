//! The `seed` feature set: the old pipeline's 11 features, reproduced exactly, quirks included.
//!
//! Formulas (all in the raw landmark space, `angle(u, v)` the unsigned angle in degrees,
//! missing when either vector has zero length):
//!
//! | column | formula | quirk |
//! | --- | --- | --- |
//! | `side_elbow` | angle(elbow − shoulder, wrist − elbow) | 0 when the arm is straight |
//! | `side_knee_flexion` | angle(knee − hip, ankle − knee) | 0 when the leg is straight |
//! | `side_hip` | angle(knee − hip, hip − shoulder) | unsigned: flexion and extension look alike |
//! | `side_ankle_dorsiflexion` | angle(ankle − knee, ankle − knee) | the same vector twice: about 0 always; the feet are never used |
//! | `trunk_inclination` | angle(left hip − left shoulder, right hip − right shoulder) | the two sides of the trunk, not a tilt from vertical |
//! | `stride_length` | \|right ankle − left ankle\| | in the same frame, in image units |
//! | `stride_width` | \|right hip − left hip\| | pelvis width, about constant |
//!
//! Values are computed in `f64` with the same operations in the same order as NumPy's float64
//! path, so they equal the old pipeline's to rounding (checked against NumPy fixtures).

use gait_io::{FeatureSequence, Landmarks};
use ndarray::Array2;

use crate::geometry::{angle as seed_angle, dot, sub};
use crate::skeleton::{Joint, Side};

/// The seed columns, in the old pipeline's (and the trained Keras model's) order.
pub const SEED_COLUMNS: [&str; 11] = [
    "right_elbow",
    "right_knee_flexion",
    "right_hip",
    "right_ankle_dorsiflexion",
    "left_elbow",
    "left_knee_flexion",
    "left_hip",
    "left_ankle_dorsiflexion",
    "trunk_inclination",
    "stride_length",
    "stride_width",
];

/// Computes the seed features of every frame: `frames x 11`, columns [`SEED_COLUMNS`].
///
/// All three layouts have the joints these formulas use.
pub fn seed_features(landmarks: &Landmarks) -> FeatureSequence {
    let layout = landmarks.layout();
    let index = |joint: Joint| joint.index(layout).expect("every layout has the seed joints");
    let sides = [Side::Right, Side::Left].map(|side| {
        let limb = side.limb();
        [
            limb.shoulder,
            limb.elbow,
            limb.wrist,
            limb.hip,
            limb.knee,
            limb.ankle,
        ]
        .map(index)
    });
    let positions = landmarks.positions();
    let positions = positions.as_standard_layout();
    let flat = positions.as_slice().expect("standard layout");
    let stride = layout.joints() * 3;
    let mut values = Vec::with_capacity(landmarks.frames() * SEED_COLUMNS.len());
    for frame in flat.chunks_exact(stride) {
        let at = |j: usize| {
            [
                f64::from(frame[3 * j]),
                f64::from(frame[3 * j + 1]),
                f64::from(frame[3 * j + 2]),
            ]
        };
        for [shoulder, elbow, wrist, hip, knee, ankle] in sides {
            let (shoulder, elbow, wrist) = (at(shoulder), at(elbow), at(wrist));
            let (hip, knee, ankle) = (at(hip), at(knee), at(ankle));
            let (thigh, shin) = (sub(knee, hip), sub(ankle, knee));
            values.push(seed_angle(sub(elbow, shoulder), sub(wrist, elbow)));
            values.push(seed_angle(thigh, shin));
            values.push(seed_angle(thigh, sub(hip, shoulder)));
            values.push(seed_angle(shin, shin));
        }
        let [r, l] = sides;
        let (rs, ls, rh, lh, ra, la) = (at(r[0]), at(l[0]), at(r[3]), at(l[3]), at(r[5]), at(l[5]));
        values.push(seed_angle(sub(lh, ls), sub(rh, rs)));
        values.push(dot(sub(ra, la), sub(ra, la)).sqrt());
        values.push(dot(sub(rh, lh), sub(rh, lh)).sqrt());
    }
    let values =
        Array2::from_shape_vec((landmarks.frames(), SEED_COLUMNS.len()), values).expect("11 per frame");
    FeatureSequence::new(SEED_COLUMNS.iter().map(|c| c.to_string()).collect(), values)
        .expect("distinct names")
}
