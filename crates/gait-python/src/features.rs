//! Features of landmarks, gait events and parameters, and the clips of a dataset tree.

use std::path::PathBuf;

use gait::features::{BodyAxes, EventOptions, FeatureSet, detect_events, gait_parameters};
use gait::io::Split;
use numpy::{IntoPyArray, PyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde::Serialize;

use crate::arrays;
use crate::errors::{bad, to_py};

/// A feature set named `seed` or `default`.
pub(crate) fn feature_set(name: &str) -> PyResult<FeatureSet> {
    name.parse()
        .map_err(|e: gait::features::Error| bad(e.to_string()))
}

/// `value` as Python objects, through JSON (`NaN` becomes `None`).
pub(crate) fn to_python<'py>(py: Python<'py>, value: &impl Serialize) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(value).map_err(|e| bad(e.to_string()))?;
    py.import("json")?.call_method1("loads", (text,))
}

/// `(values, columns)`: the features of every frame of `landmarks`, `NaN` where missing.
#[pyfunction]
#[pyo3(signature = (landmarks, set = "default", frame_size = None))]
pub(crate) fn features<'py>(
    py: Python<'py>,
    landmarks: &Bound<'py, PyAny>,
    set: &str,
    frame_size: Option<(f64, f64)>,
) -> PyResult<(Bound<'py, PyArray2<f64>>, Vec<String>)> {
    let set = feature_set(set)?;
    let sequence = arrays::with_landmarks(py, landmarks, frame_size, |landmarks| {
        Ok(set.compute(landmarks, None)?)
    })?;
    let (columns, values) = sequence.into_parts();
    Ok((values.into_pyarray(py), columns))
}

/// Gait events (heel strikes and toe offs per side, frame indices) and the gait parameters they
/// give, of a walk's landmarks filmed at `fps`.
#[pyfunction]
#[pyo3(signature = (landmarks, fps = 30.0, frame_size = None, min_stride_seconds = 0.5))]
pub(crate) fn events<'py>(
    py: Python<'py>,
    landmarks: &Bound<'py, PyAny>,
    fps: f64,
    frame_size: Option<(f64, f64)>,
    min_stride_seconds: f64,
) -> PyResult<Bound<'py, PyDict>> {
    if !(fps.is_finite() && fps > 0.0) {
        return Err(bad(format!("fps must be a positive number, not {fps}")));
    }
    let mut options = EventOptions::default();
    options.fps = fps;
    options.min_stride_seconds = min_stride_seconds;
    let (events, parameters) = arrays::with_landmarks(py, landmarks, frame_size, |landmarks| {
        let axes = BodyAxes::estimate(landmarks)?;
        let events = detect_events(landmarks, &axes, &options)?;
        let parameters = gait_parameters(landmarks, &axes, &events, fps);
        Ok((events, parameters))
    })?;
    let out = PyDict::new(py);
    let sides = |pair: &[Vec<usize>; 2]| -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("left", pair[0].clone())?;
        d.set_item("right", pair[1].clone())?;
        Ok(d)
    };
    out.set_item("heel_strikes", sides(&events.heel_strikes)?)?;
    out.set_item("toe_offs", sides(&events.toe_offs)?)?;
    out.set_item("feet_in_turn", events.feet_in_turn)?;
    out.set_item("parameters", to_python(py, &parameters)?)?;
    Ok(out)
}

/// The clips of one split of a dataset tree (`Training|Testing/<class>/<recording>/N_*.npy`) as
/// features: `features` (one array per clip), `columns`, `classes`, `recordings`, `paths` (each
/// clip's file) and `skipped` (`(path, reason)` of every file left out). A tree with angles files only gives the
/// `seed` features, as the old pipeline trained on.
#[pyfunction]
#[pyo3(signature = (root, split = "training", set = "default"))]
pub(crate) fn load_tree<'py>(
    py: Python<'py>,
    root: PathBuf,
    split: &str,
    set: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let split = match split.to_ascii_lowercase().as_str() {
        "training" => Split::Training,
        "testing" => Split::Testing,
        other => return Err(bad(format!("split {other:?}: use training or testing"))),
    };
    let wanted = feature_set(set)?;
    let (set, loaded) = py
        .detach(|| {
            let set = gait::feature_set_for(&root, wanted)?;
            Ok::<_, gait::Error>((set, gait::load_examples(&root, split, set)?))
        })
        .map_err(to_py)?;
    let out = PyDict::new(py);
    let columns = loaded
        .examples
        .first()
        .map(|e| e.sequence.columns().to_vec())
        .unwrap_or_default();
    out.set_item("columns", columns)?;
    out.set_item("set", set.to_string())?;
    let classes: Vec<&str> = loaded.examples.iter().map(|e| e.class.name()).collect();
    out.set_item("classes", classes)?;
    let recordings: Vec<&str> = loaded.examples.iter().map(|e| e.recording.as_str()).collect();
    out.set_item("recordings", recordings)?;
    let paths: Vec<PathBuf> = loaded
        .samples
        .iter()
        .map(|s| {
            match set {
                FeatureSet::Seed => s.angles.clone(),
                _ => s.landmarks.clone(),
            }
            .unwrap_or_default()
        })
        .collect();
    out.set_item("paths", paths)?;
    let skipped: Vec<(PathBuf, String)> = loaded
        .skipped
        .iter()
        .map(|s| (s.path.clone(), s.reason.clone()))
        .collect();
    out.set_item("skipped", skipped)?;
    let features = PyList::empty(py);
    for example in loaded.examples {
        features.append(example.sequence.into_parts().1.into_pyarray(py))?;
    }
    out.set_item("features", features)?;
    Ok(out)
}
