//! [`Classifier`]: a trained network with its configuration — predict, evaluate, save, load.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor, Var};
use gait_io::{Class, FeatureSequence};
use serde::{Serialize, Serializer};

use gait_features::FeatureSet;

use crate::config::{FORMAT_VERSION, ModelConfig, weights_checksum};
use crate::error::{Error, Result};
use crate::example::Example;
use crate::metrics::{ClassMetrics, DECISION_THRESHOLD, Evaluation, Metrics};
use crate::network::Network;

/// Sequences at most this many per forward pass when predicting.
const PREDICT_BATCH: usize = 256;

/// What a [`Classifier`] says of one walk.
///
/// As JSON: `{"label": class, "probability": p, "probabilities": {class: p, ...}}`, with
/// `"p_abnormal"` where the model has a Normal class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// The predicted class.
    #[serde(rename = "label", serialize_with = "class_name")]
    pub class: Class,
    /// Its place among the model's classes (and in `probabilities`).
    #[serde(skip)]
    pub index: usize,
    /// Its probability.
    pub probability: f32,
    /// Each class with its probability, in the order of [`Classifier::classes`].
    #[serde(serialize_with = "by_class")]
    pub probabilities: Vec<(Class, f32)>,
    /// The probability that the walk is not Normal (the sum over the other classes); `None` for a
    /// model without a `Normal` class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_abnormal: Option<f32>,
}

fn class_name<S: Serializer>(class: &Class, serializer: S) -> std::result::Result<S::Ok, S::Error> {
    serializer.serialize_str(class.name())
}

fn by_class<S: Serializer>(
    probabilities: &[(Class, f32)],
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serializer.collect_map(probabilities.iter().map(|(c, p)| (c.name(), p)))
}

/// A walk classifier: the network and what it needs to turn feature sequences into its input.
///
/// Made by [`Classifier::fit`], [`Classifier::open`] (a saved folder or the old Keras file);
/// predicts with [`Classifier::predict_probabilities`], [`Classifier::predict_abnormal`],
/// [`Classifier::predict`] and [`Classifier::classify`].
#[derive(Debug, Clone)]
pub struct Classifier {
    config: ModelConfig,
    /// One network, or the members of an ensemble (their probabilities averaged).
    members: Vec<Network>,
}

impl Classifier {
    /// A classifier of `network` and `config`.
    pub(crate) fn new(config: ModelConfig, members: Vec<Network>) -> Self {
        Classifier { config, members }
    }

    /// Architecture, feature columns and preprocessing.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// The feature set the model takes (its columns are [`ModelConfig::columns`]).
    pub fn feature_set(&self) -> FeatureSet {
        self.config.feature_set
    }

    /// The layers (of the first network of an ensemble).
    pub fn network(&self) -> &Network {
        &self.members[0]
    }

    /// Every network: one, or the members of an ensemble.
    pub fn members(&self) -> &[Network] {
        &self.members
    }

    /// Every parameter with its name in `model.safetensors`: the first network's as PyTorch
    /// names them, member `m` of an ensemble's under `member{m}.`.
    pub fn named(&self) -> Vec<(String, &Var)> {
        self.members
            .iter()
            .enumerate()
            .flat_map(|(m, network)| {
                network
                    .named()
                    .into_iter()
                    .map(move |(name, var)| (if m == 0 { name } else { format!("member{m}.{name}") }, var))
            })
            .collect()
    }

    /// The classes, in the order of the network's outputs (`Normal` first).
    pub fn classes(&self) -> Vec<Class> {
        self.config.classes.iter().map(Class::new).collect()
    }

    /// Whether the model tells `Normal` from `Abnormal` only, as the old pipeline's does.
    pub fn is_binary(&self) -> bool {
        Class::is_binary(&self.config.classes)
    }

    /// A model folder saved by [`save`](Self::save), or the old pipeline's Keras `.h5` file
    /// ([`from_keras_h5`](Self::from_keras_h5)).
    pub fn open(path: &Path) -> Result<Self> {
        if path.is_dir() {
            Classifier::load(path)
        } else if path.is_file() {
            Classifier::from_keras_h5(path)
        } else {
            Err(Error::model(
                path,
                "no such model: give a folder saved by training (config.json, model.safetensors) or a Keras .h5 file",
            ))
        }
    }

    /// The probability of each class (in the order of [`classes`](Self::classes)) for each walk.
    /// Takes any sequences: `&[&sequence]`, a `Vec<FeatureSequence>`, `&[Example]`, an iterator
    /// of them.
    pub fn predict_probabilities<S: AsRef<FeatureSequence>>(
        &self,
        sequences: impl IntoIterator<Item = S>,
    ) -> Result<Vec<Vec<f32>>> {
        let items: Vec<S> = sequences.into_iter().collect();
        let sequences: Vec<&FeatureSequence> = items.iter().map(AsRef::as_ref).collect();
        for (i, sequence) in sequences.iter().enumerate() {
            self.config.check_input(i, sequence)?;
        }
        // Walks of like length batched together: a batch runs only to its longest
        // (Network::forward_t). The probabilities go back in the order given.
        let mut order: Vec<usize> = (0..sequences.len()).collect();
        order.sort_by_key(|&i| sequences[i].frames());
        let mut out = vec![Vec::new(); sequences.len()];
        for chunk in order.chunks(PREDICT_BATCH) {
            let batch: Vec<&FeatureSequence> = chunk.iter().map(|&i| sequences[i]).collect();
            let (x, last) = self.config.input(&batch)?;
            let mut sum: Option<Tensor> = None;
            for network in &self.members {
                let p = candle_nn::ops::softmax(&network.forward_t(&x, &last, false)?, 1)?;
                sum = Some(match sum {
                    Some(s) => (s + p)?,
                    None => p,
                });
            }
            let sum = sum.expect("one network at least");
            let mean = if self.members.len() == 1 {
                sum
            } else {
                (sum / self.members.len() as f64)?
            };
            for (&i, p) in chunk.iter().zip(mean.to_vec2::<f32>()?) {
                out[i] = p;
            }
        }
        Ok(out)
    }

    /// The probability that each walk is not Normal: with `Normal` and `Abnormal`, P(Abnormal);
    /// with gait patterns, the sum of theirs. A model without a `Normal` class has no such
    /// probability, and is an error.
    pub fn predict_abnormal<S: AsRef<FeatureSequence>>(
        &self,
        sequences: impl IntoIterator<Item = S>,
    ) -> Result<Vec<f32>> {
        self.normal_index()?;
        Ok(self
            .classify(sequences)?
            .into_iter()
            .map(|p| p.p_abnormal.expect("a Normal class"))
            .collect())
    }

    /// The output of the `Normal` class.
    fn normal_index(&self) -> Result<usize> {
        self.normal_position().ok_or_else(|| {
            Error::Input(format!(
                "the model's classes {:?} have no Normal: it gives no probability of an abnormal walk, only of each class",
                self.config.classes
            ))
        })
    }

    /// The output of the `Normal` class, if the model has one.
    fn normal_position(&self) -> Option<usize> {
        self.config.classes.iter().position(|c| c == Class::NORMAL)
    }

    /// The predicted class of each walk: with `Normal` and `Abnormal`, Abnormal when its
    /// probability is at least [`DECISION_THRESHOLD`](crate::DECISION_THRESHOLD); with gait
    /// patterns, the most probable class.
    pub fn predict<S: AsRef<FeatureSequence>>(
        &self,
        sequences: impl IntoIterator<Item = S>,
    ) -> Result<Vec<Class>> {
        Ok(self.classify(sequences)?.into_iter().map(|p| p.class).collect())
    }

    /// Everything the model says of each walk: its class (as [`predict`](Self::predict)), each
    /// class's probability, and the probability it is not Normal.
    pub fn classify<S: AsRef<FeatureSequence>>(
        &self,
        sequences: impl IntoIterator<Item = S>,
    ) -> Result<Vec<Prediction>> {
        Ok(self
            .predict_probabilities(sequences)?
            .into_iter()
            .map(|p| self.decide(p))
            .collect())
    }

    /// The decision for one walk from its class `probabilities` (in the order of
    /// [`classes`](Self::classes)): with `Normal` and `Abnormal`, Abnormal from
    /// [`DECISION_THRESHOLD`](crate::DECISION_THRESHOLD) up; with gait patterns, the most probable.
    pub fn decide(&self, probabilities: Vec<f32>) -> Prediction {
        let chosen = if self.is_binary() {
            usize::from(probabilities[1] >= DECISION_THRESHOLD)
        } else {
            crate::metrics::most_probable(&probabilities)
        };
        let p_abnormal = self.normal_position().map(|normal| {
            probabilities
                .iter()
                .enumerate()
                .filter(|&(c, _)| c != normal)
                .map(|(_, p)| p)
                .sum()
        });
        Prediction {
            class: Class::new(self.config.classes[chosen].as_str()),
            index: chosen,
            probability: probabilities[chosen],
            probabilities: self.classes().into_iter().zip(probabilities).collect(),
            p_abnormal,
        }
    }

    /// Metrics of the predictions for `examples` against their classes: [`Metrics`] for
    /// `Normal` and `Abnormal`, [`ClassMetrics`] for gait patterns.
    pub fn evaluate(&self, examples: &[Example]) -> Result<Evaluation> {
        let classes = self.classes();
        let truth = examples
            .iter()
            .map(|e| {
                classes.iter().position(|c| *c == e.class).ok_or_else(|| {
                    Error::Input(format!(
                        "a {} walk ({}): not one of the model's classes {:?}",
                        e.class, e.recording, self.config.classes
                    ))
                })
            })
            .collect::<Result<Vec<usize>>>()?;
        let p = self.predict_probabilities(examples)?;
        if Class::is_binary(&classes) {
            let p_abnormal: Vec<f32> = p.iter().map(|p| p[1]).collect();
            Ok(Evaluation::Binary(Metrics::compute(&p_abnormal, &truth)?))
        } else {
            Ok(Evaluation::Classes(ClassMetrics::compute(
                &p,
                &truth,
                &self.config.classes,
            )?))
        }
    }

    /// Saves `model.safetensors` and then `config.json` into `dir` (created if missing), each
    /// written whole and synced before it replaces the old one; `config.json` records the
    /// weights' checksum, so that [`load`](Self::load) refuses weights and a configuration from
    /// different saves (a crash between the two files).
    pub fn save(&self, dir: &Path) -> Result<()> {
        // A model with a non-finite statistic or weight predicts nonsense: never save one.
        self.config
            .validate()
            .map_err(|reason| Error::Input(format!("not saved: {reason}")))?;
        for (name, var) in self.named() {
            let values = var.as_tensor().flatten_all()?.to_vec1::<f32>()?;
            if values.iter().any(|v| !v.is_finite()) {
                return Err(Error::Input(format!(
                    "not saved: weights {name} are not all finite (training diverged)"
                )));
            }
        }
        std::fs::create_dir_all(dir).map_err(|source| Error::file(dir, source))?;
        let tensors: HashMap<String, Tensor> = self
            .named()
            .into_iter()
            .map(|(name, var)| (name, var.as_tensor().clone()))
            .collect();
        // Candle writes safetensors to a path only: to a scratch file, then read back as bytes.
        let scratch = tempfile::Builder::new()
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|source| Error::file(dir, source))?;
        candle_core::safetensors::save(&tensors, scratch.path())?;
        let weights = std::fs::read(scratch.path()).map_err(|source| Error::file(scratch.path(), source))?;
        drop(scratch);
        let mut config = self.config.clone();
        config.weights_checksum = Some(weights_checksum(&weights));
        let json = serde_json::to_string_pretty(&config).expect("config serialises");
        gait_io::write_atomically(&dir.join("model.safetensors"), &weights)?;
        gait_io::write_atomically(&dir.join("config.json"), json.as_bytes())?;
        Ok(())
    }

    /// Loads a model saved by [`save`](Self::save), refusing a configuration of another format
    /// version or weights that do not fit it.
    pub fn load(dir: &Path) -> Result<Self> {
        let config_path = dir.join("config.json");
        let text = std::fs::read_to_string(&config_path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                Error::model(
                    &config_path,
                    "not found: a model folder holds config.json and model.safetensors, as training saves them",
                )
            } else {
                Error::file(&config_path, source)
            }
        })?;
        let config: ModelConfig = serde_json::from_str(&text)
            .map_err(|e| Error::model(&config_path, format!("not a gait model configuration: {e}")))?;
        if config.format_version != FORMAT_VERSION {
            return Err(Error::model(
                &config_path,
                format!(
                    "format version {}; this gait reads version {FORMAT_VERSION}",
                    config.format_version
                ),
            ));
        }
        config
            .validate()
            .map_err(|reason| Error::model(&config_path, reason))?;
        let weights = dir.join("model.safetensors");
        let bytes = std::fs::read(&weights).map_err(|source| Error::file(&weights, source))?;
        if let Some(recorded) = &config.weights_checksum
            && *recorded != weights_checksum(&bytes)
        {
            return Err(Error::model(
                &weights,
                "these weights are not the ones config.json was saved with (a save was interrupted, or the files come from different models): save the model again",
            ));
        }
        let tensors = candle_core::safetensors::load_buffer(&bytes, &Device::Cpu)
            .map_err(|e| Error::model(&weights, format!("cannot read the weights: {e}")))?;
        let members = (0..config.ensemble)
            .map(|_| Network::init(&config, 0))
            .collect::<Result<Vec<_>>>()?;
        let classifier = Classifier { config, members };
        for (name, var) in classifier.named() {
            let tensor = tensors
                .get(&name)
                .ok_or_else(|| Error::model(&weights, format!("no tensor {name:?}")))?;
            if tensor.dims() != var.dims() || tensor.dtype() != DType::F32 {
                return Err(Error::model(
                    &weights,
                    format!(
                        "{name} is {:?} {:?}; config.json ({} features, LSTM {:?}) needs F32 {:?}",
                        tensor.dtype(),
                        tensor.dims(),
                        classifier.config.columns.len(),
                        classifier.config.lstm_sizes,
                        var.dims()
                    ),
                ));
            }
            // A non-finite weight predicts nonsense ("Normal NaN"): refused, whatever the
            // checksum says (a hand-edited config.json may have none).
            if tensor
                .flatten_all()?
                .to_vec1::<f32>()?
                .iter()
                .any(|v| !v.is_finite())
            {
                return Err(Error::model(
                    &weights,
                    format!("{name} holds a value that is not a finite number: the weights are damaged"),
                ));
            }
            var.set(tensor)?;
        }
        Ok(classifier)
    }
}

#[cfg(test)]
mod tests {
    use gait_features::{FeatureSet, Normalizer};
    use ndarray::Array2;

    use super::*;

    #[test]
    fn a_model_whose_statistics_are_not_finite_is_not_saved() {
        let columns: Vec<String> = FeatureSet::Seed
            .columns()
            .iter()
            .map(ToString::to_string)
            .collect();
        let mut config = ModelConfig::new(FeatureSet::Seed, columns.clone(), 8);
        let values = Array2::from_shape_fn((4, columns.len()), |(f, c)| (f + c) as f64);
        let mut normalizer = Normalizer::fit(&[FeatureSequence::new(columns, values).unwrap()], 8).unwrap();
        normalizer.std[0] = f64::INFINITY;
        config.normalizer = Some(normalizer);
        let model = Classifier::new(config.clone(), vec![Network::init(&config, 0).unwrap()]);
        let dir = tempfile::tempdir().unwrap();
        let err = model.save(&dir.path().join("broken")).unwrap_err().to_string();
        assert!(err.contains("not saved") && err.contains("right_elbow"), "{err}");
        assert!(!dir.path().join("broken").exists());
    }
}
