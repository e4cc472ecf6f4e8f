//! The LSTM classifier from Python: `Classifier.open` (a model folder or the old Keras `.h5`),
//! its predictions, and `train`.

use std::path::PathBuf;

use gait::io::Class;
use gait::lstm::{Example, History, TrainOptions, WalkOptions};
use numpy::{IntoPyArray, PyArray2};
use pyo3::prelude::*;

use crate::arrays;
use crate::errors::{bad, to_py};
use crate::features::{feature_set, to_python};

/// A trained classifier: Normal or Abnormal, or one class per folder of its training tree.
#[pyclass(frozen, module = "gait")]
pub(crate) struct Classifier {
    model: gait::lstm::Classifier,
    history: Vec<History>,
}

impl Classifier {
    /// The model's feature columns.
    fn column_names(&self) -> Vec<String> {
        self.model.config().columns.clone()
    }

    /// What the model says of each clip of `clips`.
    fn predictions(&self, py: Python<'_>, clips: &Bound<'_, PyAny>) -> PyResult<Vec<gait::lstm::Prediction>> {
        let sequences = arrays::sequences(clips, &self.column_names())?;
        py.detach(|| self.model.classify(&sequences)).map_err(to_py)
    }
}

#[pymethods]
impl Classifier {
    /// A model folder saved by training (`config.json`, `model.safetensors`) or the old
    /// pipeline's Keras `gait_model.h5`.
    #[staticmethod]
    fn open(py: Python<'_>, path: PathBuf) -> PyResult<Classifier> {
        let model = py.detach(|| gait::lstm::Classifier::open(&path)).map_err(to_py)?;
        Ok(Classifier {
            model,
            history: Vec::new(),
        })
    }

    /// The classes, in the order of `predict_proba`'s columns.
    #[getter]
    fn classes(&self) -> Vec<String> {
        self.model.classes().iter().map(|c| c.name().to_owned()).collect()
    }

    /// The feature columns the model reads, in order.
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.column_names()
    }

    /// The feature set the model reads: `seed` or `default`.
    #[getter]
    fn feature_set(&self) -> String {
        self.model.feature_set().to_string()
    }

    /// What training did, one dict per network of the ensemble (empty for a model opened).
    #[getter]
    fn history<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.history)
    }

    /// `(clips, classes)` probabilities, float32, of `clips`: a `(clips, frames, columns)` array
    /// or a list of `(frames, columns)` arrays, columns as `columns`, `NaN` where missing.
    fn predict_proba<'py>(
        &self,
        py: Python<'py>,
        clips: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let sequences = arrays::sequences(clips, &self.column_names())?;
        let rows = py
            .detach(|| self.model.predict_probabilities(&sequences))
            .map_err(to_py)?;
        let classes = self.model.classes().len();
        let flat: Vec<f32> = rows.into_iter().flatten().collect();
        let array = ndarray::Array2::from_shape_vec((flat.len() / classes.max(1), classes), flat)
            .map_err(|e| bad(e.to_string()))?;
        Ok(array.into_pyarray(py))
    }

    /// The class of each clip: Abnormal from the decision threshold up for a Normal/Abnormal
    /// model, else the most probable class.
    fn classify(&self, py: Python<'_>, clips: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
        Ok(self
            .predictions(py, clips)?
            .into_iter()
            .map(|p| p.class.name().to_owned())
            .collect())
    }

    /// One verdict on a whole recording (a `N_landmarks.npy` or `N_angles.npy` file), cut into
    /// parts as the model's training clips were: `label`, `probability`, `probabilities`,
    /// `p_abnormal`, `frames`, `cut` and every part in `segments`.
    #[pyo3(signature = (path, fps = 30.0, strides = 2, always = false))]
    fn predict_walk<'py>(
        &self,
        py: Python<'py>,
        path: PathBuf,
        fps: f64,
        strides: usize,
        always: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut options = WalkOptions::default();
        (options.fps, options.strides, options.always) = (fps, strides, always);
        let verdict = py
            .detach(|| gait::predict_walk(&self.model, &path, &options))
            .map_err(to_py)?;
        to_python(py, &verdict)
    }

    /// Writes the model into folder `path` (`config.json`, `model.safetensors`).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| self.model.save(&path)).map_err(to_py)
    }

    fn __repr__(&self) -> String {
        format!(
            "Classifier(classes={:?}, feature_set={:?}, networks={})",
            self.classes(),
            self.feature_set(),
            self.model.members().len()
        )
    }
}

/// Trains a classifier on a dataset tree's `Training` split (`data` a folder), or on clips
/// (`data` a `(clips, frames, columns)` array or a list of `(frames, columns)` arrays of the
/// feature set `set`) with their `labels` (class names) and, optionally, their `recordings`
/// (clips of one recording are kept together when validation is split off). Options left as
/// `None` take the library's defaults.
#[pyfunction]
#[pyo3(signature = (
    data, labels = None, *, recordings = None, set = "default", epochs = None, batch_size = None,
    learning_rate = None, seed = None, validation_fraction = None, patience = None, max_len = None,
    ensemble = None
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn train(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    labels: Option<Vec<String>>,
    recordings: Option<Vec<String>>,
    set: &str,
    epochs: Option<usize>,
    batch_size: Option<usize>,
    learning_rate: Option<f64>,
    seed: Option<u64>,
    validation_fraction: Option<f64>,
    patience: Option<usize>,
    max_len: Option<usize>,
    ensemble: Option<usize>,
) -> PyResult<Classifier> {
    let wanted = feature_set(set)?;
    let mut options = TrainOptions::default();
    options.epochs = epochs.unwrap_or(options.epochs);
    options.batch_size = batch_size.unwrap_or(options.batch_size);
    options.learning_rate = learning_rate.unwrap_or(options.learning_rate);
    options.seed = seed.unwrap_or(options.seed);
    options.validation_fraction = validation_fraction.unwrap_or(options.validation_fraction);
    options.patience = patience.unwrap_or(options.patience);
    options.max_len = max_len.unwrap_or(options.max_len);
    options.ensemble = ensemble.unwrap_or(options.ensemble);
    let examples = if let Ok(root) = data.extract::<PathBuf>() {
        if labels.is_some() || recordings.is_some() {
            return Err(bad(
                "a dataset tree names its own classes and recordings: give no labels",
            ));
        }
        py.detach(|| {
            let set = gait::feature_set_for(&root, wanted)?;
            gait::load_examples(&root, gait::io::Split::Training, set).map_err(gait::Error::from)
        })
        .map_err(to_py)?
        .examples
    } else {
        let columns: Vec<String> = wanted.columns().iter().map(|c| c.to_string()).collect();
        let sequences = arrays::sequences(data, &columns)?;
        let labels = labels.ok_or_else(|| bad("clips need their labels: one class name per clip"))?;
        let recordings =
            recordings.unwrap_or_else(|| (0..sequences.len()).map(|k| format!("clip{k}")).collect());
        if labels.len() != sequences.len() || recordings.len() != sequences.len() {
            return Err(bad(format!(
                "{} clips, {} labels and {} recordings: give one of each per clip",
                sequences.len(),
                labels.len(),
                recordings.len()
            )));
        }
        sequences
            .into_iter()
            .zip(labels)
            .zip(recordings)
            .map(|((sequence, label), recording)| Example {
                sequence,
                class: Class::new(label),
                recording,
            })
            .collect()
    };
    let (model, history) = py
        .detach(|| gait::lstm::Classifier::fit(&examples, &options))
        .map_err(to_py)?;
    Ok(Classifier { model, history })
}
