//! The default feature set: what the old names promise, measured right.
//!
//! | column | unit | definition |
//! | --- | --- | --- |
//! | `left_knee_flexion`, `right_knee_flexion` | deg | 180 − the angle at the knee between hip and ankle: 0 straight, positive flexed |
//! | `left_hip_flexion`, `right_hip_flexion` | deg | signed angle of the thigh (hip → knee) against the trunk line (mid-shoulder → mid-hip) in the sagittal plane, positive with the knee forward |
//! | `left_ankle_dorsiflexion`, `right_ankle_dorsiflexion` | deg | angle between the shank (knee → ankle) and the foot (heel → toe) − 90: positive toes up; missing where the layout has no heel and toe |
//! | `left_elbow_flexion`, `right_elbow_flexion` | deg | 180 − the angle at the elbow: 0 straight |
//! | `trunk_inclination` | deg | angle of mid-hip → mid-shoulder from the vertical in the sagittal plane, positive leaning forward |
//! | `pelvic_obliquity` | deg | angle of the hip line (right → left hip) from the horizontal in the frontal plane, positive with the left hip higher |
//! | `ankle_gap_forward` | leg lengths | (left ankle − right ankle) along the walking direction: positive with the left foot ahead |
//! | `ankle_gap_lateral` | leg lengths | (left ankle − right ankle) along the subject's left |
//!
//! The knee, ankle and elbow angles of landmarks from one camera's video (those with an
//! [`aspect`](gait_io::Landmarks::aspect)) are taken in the picture, as Sports2D takes them: the
//! depth such a pose estimator gives is a guess from one image (on rendered walkers seen from
//! the side, MediaPipe's added 20 degrees to the knees' flexion over a walk), and a sagittal
//! angle is only seen whole from the side anyway ([`View`](crate::View)). Landmarks in space
//! (Kinect, world coordinates) keep the angle in space.
//!
//! Angles are independent of position, orientation and scale of the skeleton; distances are
//! divided by the leg length (hip–knee plus knee–ankle, median over the clip), so image-normalised
//! and metric inputs give the same values. The vertical and the walking direction come from
//! [`BodyAxes`], estimated from the walk or given.
//!
//! A frame whose sides the pose estimator swapped (its hip and shoulder lines pointing against
//! the body's left, as when it takes the walker for facing the other way) is read the right way
//! round: its left knee is the knee on the body's left.

use gait_io::{FeatureSequence, Landmarks};
use ndarray::Array2;

use crate::axes::{BodyAxes, leg_length};
use crate::geometry::{V3, angle, dot, mid, sub};
use crate::skeleton::{Joint, Points};

/// The default columns, in order.
pub const DEFAULT_COLUMNS: [&str; 12] = [
    "left_knee_flexion",
    "right_knee_flexion",
    "left_hip_flexion",
    "right_hip_flexion",
    "left_ankle_dorsiflexion",
    "right_ankle_dorsiflexion",
    "left_elbow_flexion",
    "right_elbow_flexion",
    "trunk_inclination",
    "pelvic_obliquity",
    "ankle_gap_forward",
    "ankle_gap_lateral",
];

/// Angle in degrees of `v` in the plane spanned by `x` and `y` (unit, orthogonal), from `x` towards
/// `y`; `NaN` when `v` has no component in the plane.
fn planar_angle(v: V3, x: V3, y: V3) -> f64 {
    let (vx, vy) = (dot(v, x), dot(v, y));
    if vx == 0.0 && vy == 0.0 {
        f64::NAN
    } else {
        vy.atan2(vx).to_degrees()
    }
}

/// Wraps an angle in degrees to (−180, 180].
fn wrap(deg: f64) -> f64 {
    let w = deg.rem_euclid(360.0);
    if w > 180.0 { w - 360.0 } else { w }
}

/// Computes the default features of every frame: `frames x 12`, columns [`DEFAULT_COLUMNS`].
pub fn default_features(landmarks: &Landmarks, axes: &BodyAxes) -> FeatureSequence {
    let points = Points::new(landmarks);
    let leg = leg_length(&points).unwrap_or(f64::NAN);
    let down = [-axes.up[0], -axes.up[1], -axes.up[2]];
    let shape = (points.frames(), DEFAULT_COLUMNS.len());
    let mut values = Array2::from_shape_vec(shape, gait_cpu::buffer::filled(shape.0 * shape.1, f64::NAN))
        .expect("frames x columns values");
    let limbs = points.limbs(axes.left);
    for (frame, mut row) in values.rows_mut().into_iter().enumerate() {
        let at = |joint| points.get(frame, joint);
        let shoulders = mid(at(Joint::LeftShoulder), at(Joint::RightShoulder));
        let hips = mid(at(Joint::LeftHip), at(Joint::RightHip));
        // The trunk line's angle from straight down, positive forward, in the sagittal plane.
        let trunk_down = planar_angle(sub(hips, shoulders), down, axes.forward);
        for (i, limb) in limbs[frame].into_iter().enumerate() {
            let (hip, knee, ankle) = (at(limb.hip), at(limb.knee), at(limb.ankle));
            let (thigh, shank) = (sub(knee, hip), sub(ankle, knee));
            row[i] = angle(points.seen(thigh), points.seen(shank));
            row[2 + i] = wrap(planar_angle(thigh, down, axes.forward) - trunk_down);
            row[4 + i] = angle(points.seen(shank), points.seen(sub(at(limb.toe), at(limb.heel)))) - 90.0;
            let (shoulder, elbow, wrist) = (at(limb.shoulder), at(limb.elbow), at(limb.wrist));
            row[6 + i] = angle(points.seen(sub(elbow, shoulder)), points.seen(sub(wrist, elbow)));
        }
        row[8] = planar_angle(sub(shoulders, hips), axes.up, axes.forward);
        let [left, right] = limbs[frame];
        row[9] = planar_angle(sub(at(left.hip), at(right.hip)), axes.left, axes.up);
        let gap = sub(at(left.ankle), at(right.ankle));
        row[10] = dot(gap, axes.forward) / leg;
        row[11] = dot(gap, axes.left) / leg;
    }
    FeatureSequence::new(DEFAULT_COLUMNS.iter().map(|c| c.to_string()).collect(), values)
        .expect("distinct names")
}
