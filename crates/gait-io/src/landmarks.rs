//! [`Landmarks`]: per-frame 3D joint positions in a known skeleton [`Layout`], and their files.

use std::path::Path;

use ndarray::{Array3, ArrayView3, CowArray, Ix3};

use crate::clip::ClipFile;
use crate::error::{Error, Result};
use crate::npy::{NpyArray, write_npy};
use crate::video::video_info_beside;

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
///
/// The coordinates are kept as they came: `f32` (pose estimation, float32 files) or `f64`
/// (float64 files, kept exactly, so that features computed in `f64` match NumPy's).
///
/// Landmarks from a video of known frame size also know its [`aspect`](Self::aspect): their `x`
/// and `z` are fractions of the frame's width, `y` of its height, and [`scale`](Self::scale) puts
/// them in true proportions.
///
/// They own their positions (`Landmarks<'static>`, what readers and estimators give) or borrow
/// another program's array ([`borrowed`](Self::borrowed)), so that features of an array another
/// language holds need no copy of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Landmarks<'a> {
    layout: Layout,
    positions: Positions<'a>,
    aspect: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
enum Positions<'a> {
    F32(CowArray<'a, f32, Ix3>),
    F64(CowArray<'a, f64, Ix3>),
}

/// The coordinates of [`Landmarks`] as stored, `frames x joints x 3`.
#[derive(Debug, Clone)]
pub enum Coordinates<'a> {
    /// Single precision.
    F32(ArrayView3<'a, f32>),
    /// Double precision.
    F64(ArrayView3<'a, f64>),
}

impl Landmarks<'static> {
    /// Wraps `frames x joints x 3` positions; fails when the shape does not fit the layout.
    pub fn new(layout: Layout, positions: Array3<f32>) -> Result<Self> {
        check_shape(layout, positions.shape())?;
        Ok(Landmarks {
            layout,
            positions: Positions::F32(positions.into()),
            aspect: None,
        })
    }

    /// [`new`](Self::new) for `f64` positions, kept in `f64`.
    pub fn from_f64(layout: Layout, positions: Array3<f64>) -> Result<Self> {
        check_shape(layout, positions.shape())?;
        Ok(Landmarks {
            layout,
            positions: Positions::F64(positions.into()),
            aspect: None,
        })
    }
}

impl<'a> Landmarks<'a> {
    /// Landmarks that borrow `frames x joints x 3` positions (of either precision, in any memory
    /// order) instead of owning them; fails when the shape does not fit the layout.
    pub fn borrowed(layout: Layout, positions: Coordinates<'a>) -> Result<Self> {
        let shape = match &positions {
            Coordinates::F32(p) => p.shape().to_vec(),
            Coordinates::F64(p) => p.shape().to_vec(),
        };
        check_shape(layout, &shape)?;
        Ok(Landmarks {
            layout,
            positions: match positions {
                Coordinates::F32(p) => Positions::F32(p.into()),
                Coordinates::F64(p) => Positions::F64(p.into()),
            },
            aspect: None,
        })
    }

    /// These landmarks owning their positions (a copy of borrowed ones).
    pub fn into_owned(self) -> Landmarks<'static> {
        Landmarks {
            layout: self.layout,
            positions: match self.positions {
                Positions::F32(p) => Positions::F32(p.into_owned().into()),
                Positions::F64(p) => Positions::F64(p.into_owned().into()),
            },
            aspect: self.aspect,
        }
    }

    /// These landmarks, found in frames `aspect` times as wide as they are high (`None`: not
    /// known, or coordinates already in true proportions, as Kinect's are).
    pub fn with_aspect(mut self, aspect: Option<f64>) -> Result<Self> {
        if let Some(a) = aspect.filter(|a| !(a.is_finite() && *a > 0.0)) {
            return Err(Error::Mismatch(format!(
                "a frame aspect of {a}: width over height must be a positive number"
            )));
        }
        self.aspect = aspect;
        Ok(self)
    }

    /// These landmarks, their frame `k` found in video frame `indices[k]`, with the frames
    /// between them where nobody was found put back as missing (`NaN`): frames
    /// `indices[0] ..= indices[last]`. The indices must be whole numbers, increasing, and span at
    /// most a hundred times the frames kept (a longer gap is no walk, and a damaged `file`, which
    /// the error names, must not claim memory).
    pub fn in_video_frames(self, file: &Path, indices: &[f64]) -> Result<Self> {
        let bad = |reason: String| Err(Error::content(file, reason));
        if indices.len() != self.frames() {
            return bad(format!(
                "{} frame indices for {} frames",
                indices.len(),
                self.frames()
            ));
        }
        let Some((&first, &last)) = indices.first().zip(indices.last()) else {
            return Ok(self);
        };
        if let Some(k) = (0..indices.len()).find(|&k| {
            let i = indices[k];
            !(i.is_finite() && i >= 0.0 && i.fract() == 0.0) || (k > 0 && i <= indices[k - 1])
        }) {
            return bad(format!(
                "frame index {} at row {k}: whole numbers, increasing, were expected",
                indices[k]
            ));
        }
        let span = last - first + 1.0;
        if span > 100.0 * indices.len() as f64 + 1000.0 {
            return bad(format!(
                "{} frames kept over a span of {span} video frames: a gap that long is no walk",
                indices.len()
            ));
        }
        let span = span as usize;
        if span == indices.len() {
            return Ok(self);
        }
        let rows: Vec<usize> = indices.iter().map(|&i| (i - first) as usize).collect();
        fn spread<T: Copy>(kept: ArrayView3<'_, T>, rows: &[usize], span: usize, missing: T) -> Array3<T> {
            let (_, joints, axes) = kept.dim();
            let mut all = Array3::from_elem((span, joints, axes), missing);
            for (k, &row) in rows.iter().enumerate() {
                all.index_axis_mut(ndarray::Axis(0), row)
                    .assign(&kept.index_axis(ndarray::Axis(0), k));
            }
            all
        }
        let positions = match &self.positions {
            Positions::F64(p) => Positions::F64(spread(p.view(), &rows, span, f64::NAN).into()),
            Positions::F32(p) => Positions::F32(spread(p.view(), &rows, span, f32::NAN).into()),
        };
        Ok(Landmarks { positions, ..self })
    }

    /// The width over the height of the frames these landmarks were found in, if known.
    pub fn aspect(&self) -> Option<f64> {
        self.aspect
    }

    /// What each stored axis is multiplied by to put the landmarks in true proportions, in units
    /// of the frame's height: `[aspect, 1, aspect]` (MediaPipe's `z` is on `x`'s scale), or
    /// `[1, 1, 1]` when the aspect is not known. Geometry (the default features, gait events and
    /// parameters) uses scaled coordinates; the `seed` features, as the old pipeline did, the
    /// stored ones.
    pub fn scale(&self) -> [f64; 3] {
        match self.aspect {
            Some(a) => [a, 1.0, a],
            None => [1.0; 3],
        }
    }

    /// The skeleton layout.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Number of frames.
    pub fn frames(&self) -> usize {
        match &self.positions {
            Positions::F32(a) => a.shape()[0],
            Positions::F64(a) => a.shape()[0],
        }
    }

    /// The coordinates as stored.
    pub fn coordinates(&self) -> Coordinates<'_> {
        match &self.positions {
            Positions::F32(a) => Coordinates::F32(a.view()),
            Positions::F64(a) => Coordinates::F64(a.view()),
        }
    }

    /// The positions in `f32`, `frames x joints x 3`: a view, or a rounded copy of `f64` ones.
    pub fn positions(&self) -> CowArray<'_, f32, Ix3> {
        match &self.positions {
            Positions::F32(a) => a.view().into(),
            #[allow(clippy::cast_possible_truncation)]
            Positions::F64(a) => a.mapv(|v| v as f32).into(),
        }
    }

    /// The positions in `f64`, `frames x joints x 3`: a view, or an exact copy of `f32` ones.
    pub fn positions_f64(&self) -> CowArray<'_, f64, Ix3> {
        match &self.positions {
            Positions::F32(a) => a.mapv(f64::from).into(),
            Positions::F64(a) => a.view().into(),
        }
    }

    /// The position of `joint` at `frame`, if both are in range.
    pub fn joint(&self, frame: usize, joint: usize) -> Option<[f64; 3]> {
        let at = |axis: usize| match &self.positions {
            Positions::F32(a) => a.get((frame, joint, axis)).map(|&v| f64::from(v)),
            Positions::F64(a) => a.get((frame, joint, axis)).copied(),
        };
        Some([at(0)?, at(1)?, at(2)?])
    }

    /// Frames `range` of these landmarks.
    pub fn frames_in(&self, range: std::ops::Range<usize>) -> Result<Landmarks<'static>> {
        if range.start > range.end || range.end > self.frames() {
            return Err(Error::Mismatch(format!(
                "frames {range:?} of landmarks with {} frames",
                self.frames()
            )));
        }
        let frames = ndarray::s![range, .., ..];
        Ok(Landmarks {
            layout: self.layout,
            positions: match &self.positions {
                Positions::F32(a) => Positions::F32(a.slice(frames).to_owned().into()),
                Positions::F64(a) => Positions::F64(a.slice(frames).to_owned().into()),
            },
            aspect: self.aspect,
        })
    }
}

/// Checks that `shape` is `(frames, joints of layout, 3)`.
fn check_shape(layout: Layout, shape: &[usize]) -> Result<()> {
    if shape[1] != layout.joints() || shape[2] != 3 {
        return Err(Error::Mismatch(format!(
            "landmarks of shape {shape:?} for {layout:?}, which needs (frames, {}, 3)",
            layout.joints()
        )));
    }
    Ok(())
}

/// Reads a landmarks file: a float array of shape `(frames, joints, 3)`, its layout told by the
/// joint count (33 MediaPipe, 25 Kinect v2, 17 COCO); shape `(0,)` (no pose found) reads as zero
/// MediaPipe frames. float64 values are kept in `f64`, float32 and float16 ones in `f32`. An
/// `N_video.json` beside an `N_landmarks.npy` gives the landmarks their frame's aspect, and an
/// `N_frames.npy` (the video frame each row was found in, as `pose` writes it) puts back the
/// frames in which nobody was found between the first and the last kept, as missing (`NaN`)
/// frames: time runs as in the video, and a walker lost for a while is not joined up across
/// the gap.
pub fn read_landmarks(path: &Path) -> Result<Landmarks<'static>> {
    let aspect = video_info_beside(path)?.map(|v| v.aspect());
    let landmarks = landmarks_from_bytes(path, &crate::npy::read_file(path)?)?.with_aspect(aspect)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let beside = match (ClipFile::parse(name), path.parent()) {
        (Some((clip, ClipFile::Landmarks)), Some(dir)) => ClipFile::Frames.path(dir, clip),
        _ => return Ok(landmarks),
    };
    if !beside.is_file() {
        return Ok(landmarks);
    }
    let frames = crate::npy::read_npy(&beside)?.to_f64();
    let kept = landmarks.frames();
    let indices: Vec<f64> = match frames.shape() {
        [n, 2] if *n == kept => (0..kept).map(|f| frames[[f, 0]]).collect(),
        shape => {
            return Err(Error::content(
                &beside,
                format!(
                    "shape {shape:?}: ({kept}, 2) frame indices and times were expected, one row per frame of {}",
                    path.display()
                ),
            ));
        }
    };
    landmarks.in_video_frames(&beside, &indices)
}

/// [`read_landmarks`] on the bytes of a file already read, without looking beside it for the
/// frame's aspect; `path` names it in errors.
pub fn landmarks_from_bytes(path: &Path, bytes: &[u8]) -> Result<Landmarks<'static>> {
    let array = crate::npy::numeric_from_bytes(path, bytes)?;
    let shape = array.shape().to_vec();
    if shape.iter().product::<usize>() == 0 && shape.len() == 1 {
        return Landmarks::new(Layout::MediaPipe33, Array3::zeros((0, 33, 3)));
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
    let three = "three axes checked above";
    let positions = match array {
        NpyArray::F64(a) => Positions::F64(a.into_dimensionality::<Ix3>().expect(three).into()),
        NpyArray::F32(a) | NpyArray::F16(a) => {
            Positions::F32(a.into_dimensionality::<Ix3>().expect(three).into())
        }
        other => {
            return Err(Error::content(
                path,
                format!("landmarks of {:?}; floats were expected", other.dtype()),
            ));
        }
    };
    Ok(Landmarks {
        layout,
        positions,
        aspect: None,
    })
}

/// Writes landmarks as the old pipeline does: float64, `(frames, joints, 3)`, atomically, as
/// stored (their aspect goes in `N_video.json`, [`write_video_info`](crate::write_video_info)).
pub fn write_landmarks(path: &Path, landmarks: &Landmarks) -> Result<()> {
    write_npy(path, &landmarks.positions_f64())
}
