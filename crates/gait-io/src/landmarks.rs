//! [`Landmarks`]: per-frame 3D joint positions in a known skeleton [`Layout`], and their files.

use std::path::Path;

use ndarray::{Array3, ArrayView3, Ix3};

use crate::error::{Error, Result};
use crate::npy::{NpyArray, read_npy, write_npy};

/// A skeleton layout: which joint each index of a landmark array is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// MediaPipe Pose, 33 landmarks (the old pipeline's layout).
    MediaPipe33,
    /// Microsoft Kinect v2, 25 joints.
    KinectV2,
    /// COCO keypoints, 17 joints (OpenPose, RTMPose, YOLO-pose).
    Coco17,
}

const MEDIAPIPE_33: [&str; 33] = [
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
];

const KINECT_V2: [&str; 25] = [
    "spine_base",
    "spine_mid",
    "neck",
    "head",
    "shoulder_left",
    "elbow_left",
    "wrist_left",
    "hand_left",
    "shoulder_right",
    "elbow_right",
    "wrist_right",
    "hand_right",
    "hip_left",
    "knee_left",
    "ankle_left",
    "foot_left",
    "hip_right",
    "knee_right",
    "ankle_right",
    "foot_right",
    "spine_shoulder",
    "hand_tip_left",
    "thumb_left",
    "hand_tip_right",
    "thumb_right",
];

const COCO_17: [&str; 17] = [
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
];

impl Layout {
    /// The joint names, in index order.
    pub fn joint_names(self) -> &'static [&'static str] {
        match self {
            Layout::MediaPipe33 => &MEDIAPIPE_33,
            Layout::KinectV2 => &KINECT_V2,
            Layout::Coco17 => &COCO_17,
        }
    }

    /// Number of joints.
    pub fn joints(self) -> usize {
        self.joint_names().len()
    }

    /// The layout with `joints` joints, if one has that many.
    pub fn from_joint_count(joints: usize) -> Option<Layout> {
        [Layout::MediaPipe33, Layout::KinectV2, Layout::Coco17]
            .into_iter()
            .find(|l| l.joints() == joints)
    }
}

/// Joint positions over frames: a `frames x joints x 3` array in a [`Layout`]; `NaN` = missing.
#[derive(Debug, Clone, PartialEq)]
pub struct Landmarks {
    layout: Layout,
    positions: Array3<f32>,
}

impl Landmarks {
    /// Wraps `frames x joints x 3` positions; fails when the shape does not fit the layout.
    pub fn new(layout: Layout, positions: Array3<f32>) -> Result<Self> {
        let shape = positions.shape();
        if shape[1] != layout.joints() || shape[2] != 3 {
            return Err(Error::Mismatch(format!(
                "landmarks of shape {shape:?} for {layout:?}, which needs (frames, {}, 3)",
                layout.joints()
            )));
        }
        Ok(Landmarks { layout, positions })
    }

    /// The skeleton layout.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Number of frames.
    pub fn frames(&self) -> usize {
        self.positions.shape()[0]
    }

    /// The positions, `frames x joints x 3`.
    pub fn positions(&self) -> ArrayView3<'_, f32> {
        self.positions.view()
    }

    /// The position of `joint` at `frame`, if both are in range.
    pub fn joint(&self, frame: usize, joint: usize) -> Option<[f32; 3]> {
        Some([
            *self.positions.get((frame, joint, 0))?,
            *self.positions.get((frame, joint, 1))?,
            *self.positions.get((frame, joint, 2))?,
        ])
    }
}

/// Reads a landmarks file: a float array of shape `(frames, joints, 3)`, its layout told by the
/// joint count (33 MediaPipe, 25 Kinect v2, 17 COCO); shape `(0,)` (no pose found) reads as zero
/// MediaPipe frames. float64 values are rounded to `f32`.
pub fn read_landmarks(path: &Path) -> Result<Landmarks> {
    let array = read_npy(path)?;
    let shape = array.shape().to_vec();
    if shape.iter().product::<usize>() == 0 && shape.len() == 1 {
        return Ok(Landmarks {
            layout: Layout::MediaPipe33,
            positions: Array3::zeros((0, 33, 3)),
        });
    }
    let layout = match shape.as_slice() {
        [_, joints, 3] => Layout::from_joint_count(*joints),
        _ => None,
    }
    .ok_or_else(|| {
        Error::content(
            path,
            format!("shape {shape:?} is not (frames, 33|25|17, 3) landmarks"),
        )
    })?;
    #[allow(clippy::cast_possible_truncation)]
    let positions = match array {
        NpyArray::F64(a) => a.mapv(|v| v as f32),
        NpyArray::F32(a) | NpyArray::F16(a) => a,
        other => {
            return Err(Error::content(
                path,
                format!("landmarks of {:?}; floats were expected", other.dtype()),
            ));
        }
    };
    let positions = positions
        .into_dimensionality::<Ix3>()
        .expect("three axes checked above");
    Ok(Landmarks { layout, positions })
}

/// Writes landmarks as the old pipeline does: float64, `(frames, joints, 3)`, atomically.
pub fn write_landmarks(path: &Path, landmarks: &Landmarks) -> Result<()> {
    write_npy(path, &landmarks.positions.mapv(f64::from))
}
