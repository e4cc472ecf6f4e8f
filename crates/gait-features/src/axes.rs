//! [`BodyAxes`]: which way is up, forward and left in a recording's coordinates.
//!
//! Nothing about the coordinates is assumed (MediaPipe image data has y down, Kinect y up, a camera
//! may look from any side, a coordinate system may be mirrored): the axes are estimated from the
//! walk itself. Left is the mean direction from the right hip to the left hip, with the sides of
//! the frames where the pose estimator swapped them read the right way round. Forward is made
//! perpendicular to left:
//! - when the pelvis travels (at least a quarter of a leg length over the clip), its mean velocity;
//! - otherwise (a treadmill, a walk that turns back, a short clip of a slow gait) the line along
//!   which the ankles move relative to the pelvis (their strides), in whichever sense the body
//!   says is ahead: the feet point forward where they are seen (heel to toe, ankle to foot), the
//!   knees flex forward (a flexed knee lies ahead of its hip-ankle line), and the foot swings
//!   forward faster and for less of the cycle than it is carried back in stance. These hold in
//!   every layout (Kinect v2 and COCO-17 have no heels; COCO has no feet).
//!
//! Up is perpendicular to both, pointing from the ankles to the shoulders. Walking on level
//! ground, the hip line and the walking direction are horizontal on average, so this up is the
//! true vertical whatever the posture of the trunk.
//!
//! A video's walk along the camera's line of sight is told by perspective instead: the walker
//! grows in the picture (coming towards the camera) or shrinks (going away) while hardly
//! crossing it. Its pose estimator's depths are guesses from one image (on rendered walkers
//! coming towards the camera, MediaPipe's turned the hip line 45 degrees out of the picture), so
//! such a walk's axes are the picture's: up is the picture's up, forward the line of sight.

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

        let hip_line = |f: usize| sub(points.get(f, Joint::LeftHip), points.get(f, Joint::RightHip));
        let labelled = mean((0..frames).map(hip_line))
            .and_then(unit)
            .ok_or_else(|| Error::Axes("no frame shows both hips".into()))?;
        // Again, with the frames whose sides the pose estimator swapped read the right way round.
        let left = mean((0..frames).map(|f| {
            let [l, r] = points.sides(f, labelled).map(Side::limb);
            sub(points.get(f, l.hip), points.get(f, r.hip))
        }))
        .and_then(unit)
        .ok_or_else(|| Error::Axes("no frame shows both hips".into()))?;
        // One set of axes describes a walk in one direction: a walk that turns back within the
        // clip has its hip line reversed for a good part of it.
        let (reversed, seen) = (0..frames)
            .map(|f| dot(hip_line(f), left))
            .filter(|d| d.is_finite())
            .fold((0usize, 0usize), |(r, n), d| (r + usize::from(d < 0.0), n + 1));
        if reversed * 4 > seen {
            return Err(Error::Axes(format!(
                "the walker turns around within the clip (the hips face the other way in {reversed} of {seen} frames): cut the recording at the turns and take each pass alone"
            )));
        }
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
        // Up along `up`'s line, from the ankles to the shoulders.
        let upwards = |up: V3| {
            if dot(height, up) < 0.0 {
                scale(up, -1.0)
            } else {
                up
            }
        };
        if let Some(aspect) = landmarks.aspect()
            && let Some(towards) = along_line_of_sight(&points, aspect)
        {
            let forward = [0.0, 0.0, if towards { -1.0 } else { 1.0 }];
            return BodyAxes::new(upwards([0.0, 1.0, 0.0]), forward);
        }
        // Pelvis velocity by a least-squares line through its positions over time.
        let track: Vec<(f64, V3)> = (0..frames)
            .map(|f| (f as f64, pelvis(f)))
            .filter(|(_, p)| valid(p))
            .collect();
        let velocity = [0, 1, 2].map(|axis| {
            let along: Vec<(f64, f64)> = track.iter().map(|&(t, p)| (t, p[axis])).collect();
            slope(&along).unwrap_or(0.0)
        });
        let travel = match (track.first(), track.last()) {
            (Some(first), Some(last)) => norm(reject(velocity, left)) * (last.0 - first.0),
            _ => 0.0,
        };
        let leg = leg_length(&points).unwrap_or(f64::NAN);
        let forward = if travel > 0.25 * leg {
            reject(velocity, left)
        } else {
            stride_direction(&points, left, leg)?
        };
        let forward =
            unit(forward).ok_or_else(|| Error::Axes("the walking direction is along the hip line".into()))?;
        let up = upwards(cross(forward, left));
        Ok(BodyAxes { up, forward, left })
    }
}

/// A phone's main camera (26 mm equivalent) has a focal length of about this many times the
/// picture's long side.
const FOCAL_LONG_SIDES: f64 = 0.8;

/// A walker whose distance from the camera changes by less than this fraction of itself (in
/// natural log) within a clip is not taken to come towards the camera or go away from it.
const SEEN_GROWING: f64 = 0.2;

/// The slope of the least-squares line through `(t, y)` points, `None` under two distinct `t`.
fn slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    let (t_mean, y_mean) = points
        .iter()
        .fold((0.0, 0.0), |(t, y), p| (t + p.0 / n, y + p.1 / n));
    let (cov, var) = points.iter().fold((0.0, 0.0), |(c, v), p| {
        (c + (p.0 - t_mean) * (p.1 - y_mean), v + (p.0 - t_mean).powi(2))
    });
    (var > 0.0).then(|| cov / var)
}

/// For landmarks of a video (in frame heights, the frames `aspect` wide): whether the walk goes
/// along the camera's line of sight, towards it (`Some(true)`) or away (`Some(false)`), by
/// perspective. A body of size `s` in the picture at distance `d` is `s = f S / d` (`f` the focal
/// length), so its distance changes at `d'/d = -s'/s` and, in its own size, as fast as `-f s' / s`
/// against its speed across the picture `x' / s`: the walking direction lies
/// `atan(f |s'/s| / |x'|)` out of the picture's plane. Within
/// [`CLEAR_VIEW_DEGREES`](crate::view::CLEAR_VIEW_DEGREES) of the line of sight is along it.
fn along_line_of_sight(points: &Points<'_>, aspect: f64) -> Option<bool> {
    let mut sizes = Vec::new();
    let mut across = Vec::new();
    for f in 0..points.frames() {
        let shoulders = mid(
            points.get(f, Joint::LeftShoulder),
            points.get(f, Joint::RightShoulder),
        );
        let ankles = mid(points.get(f, Joint::LeftAnkle), points.get(f, Joint::RightAnkle));
        let size = norm(points.seen(sub(shoulders, ankles)));
        let pelvis = mid(points.get(f, Joint::LeftHip), points.get(f, Joint::RightHip));
        if size.is_finite() && size > 0.0 && pelvis[0].is_finite() {
            sizes.push((f as f64, size.ln()));
            across.push((f as f64, pelvis[0]));
        }
    }
    let (growth, speed) = (slope(&sizes)?, slope(&across)?);
    let frames = sizes[sizes.len() - 1].0 - sizes[0].0;
    if (growth * frames).abs() < SEEN_GROWING {
        return None;
    }
    let focal = FOCAL_LONG_SIDES * aspect.max(1.0);
    let degrees = (focal * growth.abs()).atan2(speed.abs()).to_degrees();
    (degrees >= 90.0 - crate::view::CLEAR_VIEW_DEGREES).then_some(growth > 0.0)
}

/// What each frame's lengths are multiplied by to put them in the body's size of the recording:
/// the median trunk (mid-shoulders to mid-hips, in the picture for a video) over the frame's
/// trunk, or 1 where the trunk is not seen. Seen from the front or the back, a walker grows or
/// shrinks in the picture, and their steps with them.
pub(crate) fn body_size(points: &Points<'_>) -> Vec<f64> {
    let trunk: Vec<f64> = (0..points.frames())
        .map(|f| {
            let shoulders = mid(
                points.get(f, Joint::LeftShoulder),
                points.get(f, Joint::RightShoulder),
            );
            let hips = mid(points.get(f, Joint::LeftHip), points.get(f, Joint::RightHip));
            norm(points.seen(sub(shoulders, hips)))
        })
        .collect();
    let Some(typical) = median(trunk.iter().copied(), 0.0) else {
        return vec![1.0; trunk.len()];
    };
    trunk
        .iter()
        .map(|&t| {
            if t.is_finite() && t > 0.0 {
                typical / t
            } else {
                1.0
            }
        })
        .collect()
}

/// The walking direction from the body alone (see the module documentation), perpendicular to
/// `left`, for a walk whose pelvis hardly travels; `leg` is the leg length.
fn stride_direction(points: &Points<'_>, left: V3, leg: f64) -> Result<V3> {
    let frames = points.frames();
    let pelvis = |f: usize| mid(points.get(f, Joint::LeftHip), points.get(f, Joint::RightHip));
    // The ankles relative to the pelvis, in the plane perpendicular to left (basis a, b).
    let a = unit(reject(
        if left[0].abs() < 0.9 {
            [1.0, 0.0, 0.0]
        } else {
            [0.0, 1.0, 0.0]
        },
        left,
    ))
    .expect("a unit vector not along left");
    let b = cross(left, a);
    let size = body_size(points);
    let relative: Vec<Vec<[f64; 2]>> = Side::BOTH
        .iter()
        .map(|side| {
            (0..frames)
                .map(|f| {
                    let r = scale(sub(points.get(f, side.limb().ankle), pelvis(f)), size[f]);
                    [dot(r, a), dot(r, b)]
                })
                .collect()
        })
        .collect();
    // The principal axis of the ankles' positions: their strides span it.
    let seen: Vec<[f64; 2]> = relative
        .iter()
        .flatten()
        .copied()
        .filter(|p| p.iter().all(|c| c.is_finite()))
        .collect();
    if seen.len() < 3 {
        return Err(Error::Axes(
            "the pelvis hardly moves and the ankles are not seen: give the axes with BodyAxes::new".into(),
        ));
    }
    let mut theta = major_axis(&seen);
    // Where the foot's rise in swing is large beside the stride (short, slow steps), that axis
    // tilts: refit it on the stance foot alone (the lower ankle of each frame), which is carried
    // back along the ground.
    let shoulders = mean((0..frames).map(|f| {
        let top = mid(
            points.get(f, Joint::LeftShoulder),
            points.get(f, Joint::RightShoulder),
        );
        sub(top, pelvis(f))
    }));
    if let Some(shoulders) = shoulders {
        let (sa, sb) = (dot(shoulders, a), dot(shoulders, b));
        for _ in 0..3 {
            // Up in the plane: perpendicular to the line, towards the shoulders.
            let mut up = [-theta.sin(), theta.cos()];
            if up[0] * sa + up[1] * sb < 0.0 {
                up = [-up[0], -up[1]];
            }
            let height = |p: &[f64; 2]| p[0] * up[0] + p[1] * up[1];
            let stance: Vec<[f64; 2]> = (0..frames)
                .filter_map(|f| {
                    let (l, r) = (relative[0][f], relative[1][f]);
                    match (height(&l).is_finite(), height(&r).is_finite()) {
                        (true, true) => Some(if height(&l) < height(&r) { l } else { r }),
                        _ => None,
                    }
                })
                .collect();
            if stance.len() < 3 {
                break;
            }
            theta = major_axis(&stance);
        }
    }
    let line = add(scale(a, theta.cos()), scale(b, theta.sin()));
    let along = |p: &[f64; 2]| p[0] * theta.cos() + p[1] * theta.sin();

    // Which way along the line is ahead: each cue votes with a weight in -1..1.
    let mut votes = 0.0;
    // Feet point forward where they are seen.
    let feet = Side::BOTH.iter().flat_map(|side| {
        let limb = side.limb();
        (0..frames).map(move |f| sub(points.get(f, limb.toe), points.get(f, limb.heel)))
    });
    let feet = mean(feet).or_else(|| {
        mean(Side::BOTH.iter().flat_map(|side| {
            let limb = side.limb();
            (0..frames).map(move |f| sub(points.get(f, limb.toe), points.get(f, limb.ankle)))
        }))
    });
    if let Some(feet) = feet.and_then(unit) {
        votes += dot(feet, line);
    }
    // A flexed knee lies ahead of the line from its hip to its ankle.
    let knees = mean(Side::BOTH.iter().flat_map(|side| {
        let limb = side.limb();
        (0..frames).map(move |f| {
            let (hip, knee, ankle) = (
                points.get(f, limb.hip),
                points.get(f, limb.knee),
                points.get(f, limb.ankle),
            );
            sub(knee, mid(hip, ankle))
        })
    }));
    if let Some(knees) = knees {
        votes += (dot(knees, line) / (0.05 * leg)).clamp(-1.0, 1.0);
    }
    // The foot is carried back in stance for more of the cycle than it swings forward.
    let (mut back, mut moves) = (0usize, 0usize);
    for track in &relative {
        for pair in track.windows(2) {
            let step = along(&pair[1]) - along(&pair[0]);
            if step.is_finite() && step != 0.0 {
                moves += 1;
                back += usize::from(step < 0.0);
            }
        }
    }
    if moves > 0 {
        votes += (4.0 * (back as f64 / moves as f64 - 0.5)).clamp(-1.0, 1.0);
    }
    if votes == 0.0 {
        return Err(Error::Axes(
            "the pelvis hardly moves and nothing shows which way the body faces: give the axes with BodyAxes::new"
                .into(),
        ));
    }
    Ok(scale(line, votes.signum()))
}

/// The angle from the first axis of the major axis of 2D points (of their covariance).
fn major_axis(points: &[[f64; 2]]) -> f64 {
    let n = points.len() as f64;
    let centre = [0, 1].map(|k| points.iter().map(|p| p[k]).sum::<f64>() / n);
    let [mut saa, mut sab, mut sbb] = [0.0; 3];
    for p in points {
        let (u, v) = (p[0] - centre[0], p[1] - centre[1]);
        saa += u * u;
        sab += u * v;
        sbb += v * v;
    }
    // tan 2θ = 2 sab / (saa - sbb)
    0.5 * (2.0 * sab).atan2(saa - sbb)
}

/// The mean of the finite vectors, `None` if there are none.
pub(crate) fn mean(vectors: impl Iterator<Item = V3>) -> Option<V3> {
    let (sum, n) = vectors
        .filter(|v| v.iter().all(|c| c.is_finite()))
        .fold(([0.0; 3], 0usize), |(s, n), v| (add(s, v), n + 1));
    (n > 0).then(|| scale(sum, 1.0 / n as f64))
}

/// The median (the upper of the middle two) of the finite `values` over `floor`, `None` if
/// there are none.
pub(crate) fn median(values: impl Iterator<Item = f64>, floor: f64) -> Option<f64> {
    let mut kept: Vec<f64> = values.filter(|v| v.is_finite() && *v > floor).collect();
    let middle = kept.len() / 2;
    (!kept.is_empty()).then(|| *kept.select_nth_unstable_by(middle, f64::total_cmp).1)
}

/// Leg length (hip to knee plus knee to ankle), the median over frames and both sides, in the
/// landmarks' units; `None` when no leg is fully seen.
pub(crate) fn leg_length(points: &Points<'_>) -> Option<f64> {
    let lengths = Side::BOTH.iter().flat_map(|side| {
        let limb = side.limb();
        (0..points.frames()).map(move |f| {
            let (hip, knee, ankle) = (
                points.get(f, limb.hip),
                points.get(f, limb.knee),
                points.get(f, limb.ankle),
            );
            norm(sub(knee, hip)) + norm(sub(ankle, knee))
        })
    });
    median(lengths, 0.0)
}
