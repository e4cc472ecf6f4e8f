//! NumPy arrays in: any real dtype, C or Fortran order, views, or nested lists, each checked
//! before use. Landmarks of float32 or float64 are borrowed as they are; clips of features are
//! copied once into the library's sequences.

use gait::io::{Coordinates, FeatureSequence, Landmarks, Layout};
use numpy::{AllowTypeChange, PyArrayLike2, PyArrayLike3, PyReadonlyArray3};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::errors::{bad, to_py};

/// Runs `work` on landmarks from `(frames, joints, 3)` positions (33 joints: MediaPipe; 25:
/// Kinect v2; 17: COCO), `NaN` where a joint is missing, found in frames of `frame_size`
/// (`(width, height)` pixels) when given. float32 and float64 arrays are borrowed as they are,
/// in any memory order (float32 stays float32, as the Rust readers keep it); anything else is
/// read as float64. `work` runs without the GIL.
pub(crate) fn with_landmarks<R: Send>(
    py: Python<'_>,
    array: &Bound<'_, PyAny>,
    frame_size: Option<(f64, f64)>,
    work: impl FnOnce(&Landmarks<'_>) -> gait::Result<R> + Send,
) -> PyResult<R> {
    let aspect = match frame_size {
        None => None,
        Some((width, height)) if width.is_finite() && height.is_finite() && width > 0.0 && height > 0.0 => {
            Some(width / height)
        }
        Some(size) => {
            return Err(bad(format!(
                "a frame size of {size:?}: give (width, height) in pixels, both positive"
            )));
        }
    };
    let run = |positions: Coordinates<'_>| -> PyResult<R> {
        let shape = match &positions {
            Coordinates::F32(p) => p.shape().to_vec(),
            Coordinates::F64(p) => p.shape().to_vec(),
        };
        let layout = match shape.as_slice() {
            [_, joints, 3] => Layout::from_joint_count(*joints),
            _ => None,
        }
        .ok_or_else(|| {
            bad(format!(
                "landmarks of shape {shape:?}: want (frames, joints, 3) with 33 joints (MediaPipe), 25 (Kinect v2) or 17 (COCO)"
            ))
        })?;
        py.detach(|| {
            let landmarks = Landmarks::borrowed(layout, positions)?.with_aspect(aspect)?;
            work(&landmarks)
        })
        .map_err(to_py)
    };
    if let Ok(array) = array.extract::<PyReadonlyArray3<'_, f32>>() {
        run(Coordinates::F32(array.as_array()))
    } else if let Ok(array) = array.extract::<PyReadonlyArray3<'_, f64>>() {
        run(Coordinates::F64(array.as_array()))
    } else {
        let array: PyArrayLike3<'_, f64, AllowTypeChange> = array
            .extract()
            .map_err(|_| bad("landmarks must be a 3-dimensional array of numbers, (frames, joints, 3)"))?;
        run(Coordinates::F64(array.as_array()))
    }
}

/// Feature sequences with `columns` from a `(clips, frames, columns)` array or a list of
/// `(frames, columns)` arrays (clips of their own lengths); `NaN` is a missing value.
pub(crate) fn sequences(clips: &Bound<'_, PyAny>, columns: &[String]) -> PyResult<Vec<FeatureSequence>> {
    let one = |k: usize, values: ndarray::ArrayView2<'_, f64>| -> PyResult<FeatureSequence> {
        if values.ncols() != columns.len() {
            return Err(bad(format!(
                "clip {k} has {} columns; the model reads {}: {}",
                values.ncols(),
                columns.len(),
                columns.join(", ")
            )));
        }
        if let Some(((frame, column), v)) = values.indexed_iter().find(|(_, v)| v.is_infinite()) {
            return Err(bad(format!(
                "clip {k}, frame {frame}, column {}: {v}; give a finite number, or NaN where it is missing",
                columns[column]
            )));
        }
        FeatureSequence::new(columns.to_vec(), values.to_owned()).map_err(to_py)
    };
    if clips.is_instance_of::<PyList>() || clips.is_instance_of::<PyTuple>() {
        return clips
            .try_iter()?
            .enumerate()
            .map(|(k, clip)| {
                let clip: PyArrayLike2<'_, f64, AllowTypeChange> = clip?.extract().map_err(|_| {
                    bad(format!(
                        "clip {k} must be a 2-dimensional array of numbers, (frames, columns)"
                    ))
                })?;
                one(k, clip.as_array())
            })
            .collect();
    }
    let clips: PyArrayLike3<'_, f64, AllowTypeChange> = clips.extract().map_err(|_| {
        bad("clips must be a (clips, frames, columns) array of numbers or a list of (frames, columns) arrays")
    })?;
    clips
        .as_array()
        .outer_iter()
        .enumerate()
        .map(|(k, clip)| one(k, clip))
        .collect()
}
