//! [`BodyAxes`]: which way is up, forward and left in a recording's coordinates.
//!
//! Nothing about the coordinates is assumed (MediaPipe image data has y down, Kinect y up, a camera
//! may look from any side): the axes are estimated from the walk itself. Left is the mean direction
//! from the right hip to the left hip; forward is the pelvis's mean velocity (or, when the pelvis
//! hardly moves, as on a treadmill, the mean heel-to-toe direction) made perpendicular to left; up
//! is perpendicular to both, pointing from the ankles to the shoulders. Walking on level ground,
//! the hip line and the walking direction are horizontal on average, so this up is the true
//! vertical whatever the posture of the trunk.

use gait_io::Landmarks;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::geometry::{V3, add, cross, dot, mid, norm, reject, scale, sub, unit};
use crate::skeleton::{Joint, Points, Side};

/// Orthonormal body axes in the coordinates of the landmarks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BodyAxes {
    /// Against gravity.
    pub up: V3,
    /// The walking direction.
    pub forward: V3,
    /// The subject's left.
    pub left: V3,
}

impl BodyAxes {
    /// Axes from an explicit `up` and `forward` (made orthonormal; `left = up x forward`).
    pub fn new(up: V3, forward: V3) -> Result<Self> {
        let up = unit(up).ok_or_else(|| Error::Axes("the up vector has no length".into()))?;
        let forward = unit(reject(forward, up))
            .ok_or_else(|| Error::Axes("the forward vector is parallel to up".into()))?;
        Ok(BodyAxes {
            up,
            forward,
            left: cross(up, forward),
        })
    }

    /// Estimates the axes from a walk (see the module documentation).
    pub fn estimate(landmarks: &Landmarks) -> Result<Self> {
        let points = Points::new(landmarks);
        let frames = points.frames();
        let pelvis = |f: usize| mid(points.get(f, Joint::LeftHip), points.get(f, Joint::RightHip));
        let valid = |v: &V3| v.iter().all(|c| c.is_finite());

        let left =
            mean((0..frames).map(|f| sub(points.get(f, Joint::LeftHip), points.get(f, Joint::RightHip))))
                .and_then(unit)
                .ok_or_else(|| Error::Axes("no frame shows both hips".into()))?;
        // Pelvis velocity by a least-squares line through its positions over time.
        let track: Vec<(f64, V3)> = (0..frames)
            .map(|f| (f as f64, pelvis(f)))
            .filter(|(_, p)| valid(p))
            .collect();
        let mut velocity = [0.0; 3];
        let mut travel = 0.0;
        if track.len() >= 2 {
            let t_mean = track.iter().map(|(t, _)| t).sum::<f64>() / track.len() as f64;
            let p_mean = mean(track.iter().map(|(_, p)| *p)).expect("non-empty track");
            let var: f64 = track.iter().map(|(t, _)| (t - t_mean).powi(2)).sum();
            for (t, p) in &track {
                velocity = add(velocity, scale(sub(*p, p_mean), (t - t_mean) / var));
            }
            travel = norm(reject(velocity, left)) * (track[track.len() - 1].0 - track[0].0);
        }
        let leg = leg_length(&points).unwrap_or(f64::NAN);
        let forward = if travel > 0.25 * leg {
            reject(velocity, left)
        } else {
            let feet = Side::BOTH.iter().flat_map(|side| {
                let limb = side.limb();
                let points = &points;
                (0..frames).map(move |f| sub(points.get(f, limb.toe), points.get(f, limb.heel)))
            });
            reject(
                mean(feet)
                    .ok_or_else(|| Error::Axes("the pelvis hardly moves and no feet are seen".into()))?,
                left,
            )
        };
        let forward =
            unit(forward).ok_or_else(|| Error::Axes("the walking direction is along the hip line".into()))?;
        let mut up = cross(forward, left);
        let height = mean((0..frames).map(|f| {
            let shoulders = mid(
                points.get(f, Joint::LeftShoulder),
                points.get(f, Joint::RightShoulder),
            );
            sub(
                shoulders,
                mid(points.get(f, Joint::LeftAnkle), points.get(f, Joint::RightAnkle)),
            )
        }))
        .ok_or_else(|| Error::Axes("no frame shows both shoulders and both ankles".into()))?;
        if dot(height, up) < 0.0 {
            up = scale(up, -1.0);
        }
        Ok(BodyAxes { up, forward, left })
    }
}

/// The mean of the finite vectors, `None` if there are none.
pub(crate) fn mean(vectors: impl Iterator<Item = V3>) -> Option<V3> {
    let (sum, n) = vectors
        .filter(|v| v.iter().all(|c| c.is_finite()))
        .fold(([0.0; 3], 0usize), |(s, n), v| (add(s, v), n + 1));
    (n > 0).then(|| scale(sum, 1.0 / n as f64))
}

/// Leg length (hip to knee plus knee to ankle), the median over frames and both sides, in the
/// landmarks' units; `None` when no leg is fully seen.
pub(crate) fn leg_length(points: &Points<'_>) -> Option<f64> {
    let mut lengths: Vec<f64> = Side::BOTH
        .iter()
        .flat_map(|side| {
            let limb = side.limb();
            (0..points.frames()).map(move |f| {
                let (hip, knee, ankle) = (
                    points.get(f, limb.hip),
                    points.get(f, limb.knee),
                    points.get(f, limb.ankle),
                );
                norm(sub(knee, hip)) + norm(sub(ankle, knee))
            })
        })
        .filter(|l| l.is_finite() && *l > 0.0)
        .collect();
    if lengths.is_empty() {
        return None;
    }
    let middle = lengths.len() / 2;
    Some(*lengths.select_nth_unstable_by(middle, f64::total_cmp).1)
}
