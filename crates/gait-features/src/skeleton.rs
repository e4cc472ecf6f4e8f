//! The joints the features need, and where each [`Layout`] keeps them.
//!
//! A joint a layout does not have is `None`: features that need it come out missing, never
//! invented from other joints.

use gait_io::{Coordinates, Layout};

/// A body point used by the features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Joint {
    /// Left shoulder.
    LeftShoulder,
    /// Right shoulder.
    RightShoulder,
    /// Left elbow.
    LeftElbow,
    /// Right elbow.
    RightElbow,
    /// Left wrist.
    LeftWrist,
    /// Right wrist.
    RightWrist,
    /// Left hip.
    LeftHip,
    /// Right hip.
    RightHip,
    /// Left knee.
    LeftKnee,
    /// Right knee.
    RightKnee,
    /// Left ankle.
    LeftAnkle,
    /// Right ankle.
    RightAnkle,
    /// Left heel.
    LeftHeel,
    /// Right heel.
    RightHeel,
    /// Left toe (MediaPipe foot index, Kinect foot).
    LeftToe,
    /// Right toe.
    RightToe,
}

/// Body side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// Left.
    Left,
    /// Right.
    Right,
}

impl Side {
    /// Both sides, left first.
    pub const BOTH: [Side; 2] = [Side::Left, Side::Right];

    /// `"left"` or `"right"`.
    pub fn name(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
        }
    }
}

/// The joints of one side of the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limb {
    /// Shoulder.
    pub shoulder: Joint,
    /// Elbow.
    pub elbow: Joint,
    /// Wrist.
    pub wrist: Joint,
    /// Hip.
    pub hip: Joint,
    /// Knee.
    pub knee: Joint,
    /// Ankle.
    pub ankle: Joint,
    /// Heel.
    pub heel: Joint,
    /// Toe.
    pub toe: Joint,
}

impl Side {
    /// The joints of this side.
    pub fn limb(self) -> Limb {
        use Joint::*;
        match self {
            Side::Left => Limb {
                shoulder: LeftShoulder,
                elbow: LeftElbow,
                wrist: LeftWrist,
                hip: LeftHip,
                knee: LeftKnee,
                ankle: LeftAnkle,
                heel: LeftHeel,
                toe: LeftToe,
            },
            Side::Right => Limb {
                shoulder: RightShoulder,
                elbow: RightElbow,
                wrist: RightWrist,
                hip: RightHip,
                knee: RightKnee,
                ankle: RightAnkle,
                heel: RightHeel,
                toe: RightToe,
            },
        }
    }
}

impl Joint {
    /// The index of this joint in `layout`, or `None` where the layout lacks it.
    pub fn index(self, layout: Layout) -> Option<usize> {
        use Joint::*;
        let (mediapipe, kinect, coco) = match self {
            LeftShoulder => (11, Some(4), Some(5)),
            RightShoulder => (12, Some(8), Some(6)),
            LeftElbow => (13, Some(5), Some(7)),
            RightElbow => (14, Some(9), Some(8)),
            LeftWrist => (15, Some(6), Some(9)),
            RightWrist => (16, Some(10), Some(10)),
            LeftHip => (23, Some(12), Some(11)),
            RightHip => (24, Some(16), Some(12)),
            LeftKnee => (25, Some(13), Some(13)),
            RightKnee => (26, Some(17), Some(14)),
            LeftAnkle => (27, Some(14), Some(15)),
            RightAnkle => (28, Some(18), Some(16)),
            LeftHeel => (29, None, None),
            RightHeel => (30, None, None),
            LeftToe => (31, Some(15), None),
            RightToe => (32, Some(19), None),
        };
        match layout {
            Layout::MediaPipe33 => Some(mediapipe),
            Layout::KinectV2 => kinect,
            Layout::Coco17 => coco,
        }
    }
}

/// Joint positions of a [`Landmarks`](gait_io::Landmarks) by [`Joint`], in `f64` and in true
/// proportions ([`Landmarks::scale`](gait_io::Landmarks::scale)); a joint the layout lacks reads
/// as `NaN`, so whatever uses it comes out missing.
pub(crate) struct Points<'a> {
    positions: Coordinates<'a>,
    scale: [f64; 3],
    /// Landmarks of one camera's video (their aspect known), whose depth is a guess.
    from_video: bool,
    layout: Layout,
    frames: usize,
}

impl<'a> Points<'a> {
    pub(crate) fn new(landmarks: &'a gait_io::Landmarks) -> Self {
        Points {
            positions: landmarks.coordinates(),
            scale: landmarks.scale(),
            from_video: landmarks.aspect().is_some(),
            layout: landmarks.layout(),
            frames: landmarks.frames(),
        }
    }

    pub(crate) fn frames(&self) -> usize {
        self.frames
    }

    /// The vector `v` as the picture shows it: without its depth for landmarks of a video, whose
    /// pose estimator guessed the depth from one image (on rendered walkers, MediaPipe's made a
    /// straight knee read 30 degrees flexed and a foot seem to point back); unchanged for
    /// landmarks in space (Kinect, world coordinates).
    pub(crate) fn seen(&self, v: crate::geometry::V3) -> crate::geometry::V3 {
        if self.from_video { [v[0], v[1], 0.0] } else { v }
    }

    #[inline]
    pub(crate) fn get(&self, frame: usize, joint: Joint) -> crate::geometry::V3 {
        let Some(j) = joint.index(self.layout) else {
            return [f64::NAN; 3];
        };
        // Spelled out: an array `map` here was left uninlined, the most of the default features'
        // time.
        let [x, y, z] = self.scale;
        match &self.positions {
            Coordinates::F32(p) => [
                f64::from(p[[frame, j, 0]]) * x,
                f64::from(p[[frame, j, 1]]) * y,
                f64::from(p[[frame, j, 2]]) * z,
            ],
            Coordinates::F64(p) => [p[[frame, j, 0]] * x, p[[frame, j, 1]] * y, p[[frame, j, 2]] * z],
        }
    }

    /// The sides as the pose estimator labelled them in `frame`, `[left, right]`, or swapped where
    /// it mixed them up: where the hip and shoulder lines point against the body's `left` (a
    /// line between two hips cannot turn by more than a right angle from its mean direction
    /// within a walk in one direction).
    pub(crate) fn sides(&self, frame: usize, left: crate::geometry::V3) -> [Side; 2] {
        use crate::geometry::{dot, sub};
        let across = |l: Joint, r: Joint| {
            let d = dot(sub(self.get(frame, l), self.get(frame, r)), left);
            if d.is_finite() { d } else { 0.0 }
        };
        if across(Joint::LeftHip, Joint::RightHip) + across(Joint::LeftShoulder, Joint::RightShoulder) < 0.0 {
            [Side::Right, Side::Left]
        } else {
            Side::BOTH
        }
    }

    /// Each frame's limbs, `[left, right]`, read the right way round: the sides swapped where the
    /// whole body was ([`sides`](Self::sides)), and the legs (knee, ankle, heel and toe) swapped
    /// where only they were. In a side view the far leg hides behind the near one and a pose
    /// estimator often gives each leg the other's name for a few frames: each leg then jumps onto
    /// the other's place. Its joints taken the other way round lying less than half as far from
    /// where the legs were in the frame before, the frame's legs are swapped. Legs passing each
    /// other cost the same either way round and are left as they are.
    pub(crate) fn limbs(&self, left: crate::geometry::V3) -> Vec<[Limb; 2]> {
        use crate::geometry::{V3, norm, sub};
        let legs = |frame: usize, limb: Limb| -> Option<[V3; 4]> {
            let joints = [
                self.get(frame, limb.knee),
                self.get(frame, limb.ankle),
                self.get_or(frame, limb.heel, limb.ankle),
                self.get_or(frame, limb.toe, limb.ankle),
            ];
            joints.iter().flatten().all(|c| c.is_finite()).then_some(joints)
        };
        let apart =
            |a: &[V3; 4], b: &[V3; 4]| -> f64 { a.iter().zip(b).map(|(p, q)| norm(sub(*p, *q))).sum() };
        let mut before: Option<[[V3; 4]; 2]> = None;
        (0..self.frames)
            .map(|frame| {
                let mut limbs = self.sides(frame, left).map(Side::limb);
                let (Some(a), Some(b)) = (legs(frame, limbs[0]), legs(frame, limbs[1])) else {
                    return limbs;
                };
                let mut now = [a, b];
                if let Some([pa, pb]) = before
                    && apart(&a, &pb) + apart(&b, &pa) < 0.5 * (apart(&a, &pa) + apart(&b, &pb))
                {
                    let [l, r] = limbs;
                    limbs = [
                        Limb {
                            knee: r.knee,
                            ankle: r.ankle,
                            heel: r.heel,
                            toe: r.toe,
                            ..l
                        },
                        Limb {
                            knee: l.knee,
                            ankle: l.ankle,
                            heel: l.heel,
                            toe: l.toe,
                            ..r
                        },
                    ];
                    now = [b, a];
                }
                before = Some(now);
                limbs
            })
            .collect()
    }

    /// The position of `joint`, or of `fallback` where `joint` is missing (a heel in a layout
    /// without heels, say).
    pub(crate) fn get_or(&self, frame: usize, joint: Joint, fallback: Joint) -> crate::geometry::V3 {
        let p = self.get(frame, joint);
        if p.iter().all(|c| c.is_finite()) {
            p
        } else {
            self.get(frame, fallback)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joint_indices_name_the_same_body_point_in_every_layout() {
        let all = [
            Joint::LeftShoulder,
            Joint::RightElbow,
            Joint::LeftWrist,
            Joint::RightHip,
            Joint::LeftKnee,
            Joint::RightAnkle,
        ];
        for layout in [Layout::MediaPipe33, Layout::KinectV2, Layout::Coco17] {
            for joint in all {
                let name = layout.joint_names()[joint.index(layout).unwrap()];
                let (side, part) = match format!("{joint:?}") {
                    j if j.starts_with("Left") => ("left", j[4..].to_lowercase()),
                    j => ("right", j[5..].to_lowercase()),
                };
                assert!(
                    name.contains(side) && name.contains(&part),
                    "{layout:?} {joint:?} -> {name}"
                );
            }
        }
        assert_eq!(Joint::LeftHeel.index(Layout::KinectV2), None);
        assert_eq!(Joint::RightToe.index(Layout::Coco17), None);
        assert_eq!(
            Layout::KinectV2.joint_names()[Joint::RightToe.index(Layout::KinectV2).unwrap()],
            "foot_right"
        );
    }
}
