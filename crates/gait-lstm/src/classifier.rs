//! [`Classifier`]: a trained network with its configuration — predict, evaluate, save, load.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor, Var};
use gait_io::{FeatureSequence, Label};

use crate::config::{FORMAT_VERSION, ModelConfig, weights_checksum};
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::network::Network;

/// Sequences at most this many per forward pass when predicting.
const PREDICT_BATCH: usize = 256;

/// A walk classifier: the network and what it needs to turn feature sequences into its input.
#[derive(Debug, Clone)]
pub struct Classifier {
    /// Architecture, feature columns and preprocessing.
    pub config: ModelConfig,
    /// The layers.
    pub network: Network,
}

impl Classifier {
    /// Turns sequences into the network's input: standardised (if the model was trained so),
    /// missing values 0, cut or zero-padded to `max_len`; and the step to read each one at.
    pub fn prepare(&self, sequences: &[&FeatureSequence]) -> Result<(Tensor, Tensor)> {
        let c = &self.config;
        let width = c.columns.len();
        if let Some(n) = &c.normalizer
            && n.columns != c.columns
        {
            return Err(Error::Input(format!(
                "the model's normaliser was fitted on the columns {:?}, not its own {:?}",
                n.columns, c.columns
            )));
        }
        let mut data: Vec<f32> = Vec::with_capacity(sequences.len() * c.max_len * width);
        let mut last = Vec::with_capacity(sequences.len());
        for (i, seq) in sequences.iter().enumerate() {
            if seq.columns() != c.columns.as_slice() {
                return Err(Error::Input(format!(
                    "sequence {i} has the {} columns {:?}; this model takes the {} columns {:?} ({} features)",
                    seq.columns().len(),
                    seq.columns(),
                    width,
                    c.columns,
                    c.feature_set
                )));
            }
            if seq.frames() == 0 || seq.missing_count() == seq.frames() * width {
                return Err(Error::Input(format!(
                    "sequence {i} has no values: it is empty or all missing"
                )));
            }
            // Standardised (if the model was trained so), cut or padded to max_len, missing as 0:
            // what `Normalizer::apply` then `pad_or_cut` give, without their intermediate tables.
            let kept = seq.frames().min(c.max_len);
            let values = seq.values();
            let values = values.as_standard_layout();
            let values = values.as_slice().expect("standard layout");
            for row in values.chunks_exact(width).take(kept) {
                data.extend(row.iter().enumerate().map(|(column, &v)| {
                    if !FeatureSequence::present(v) {
                        return 0.0;
                    }
                    c.normalizer.as_ref().map_or(v, |n| n.standardise(column, v)) as f32
                }));
            }
            data.resize(data.len() + (c.max_len - kept) * width, 0.0);
            let valid = kept.max(1);
            last.push(if c.masked { valid - 1 } else { c.max_len - 1 } as u32);
        }
        let x = Tensor::from_vec(data, (sequences.len(), c.max_len, width), &Device::Cpu)?;
        let last = Tensor::from_vec(last, sequences.len(), &Device::Cpu)?;
        Ok((x, last))
    }

    /// The probability that each walk is Abnormal.
    pub fn predict_proba(&self, sequences: &[&FeatureSequence]) -> Result<Vec<f32>> {
        let mut out = Vec::with_capacity(sequences.len());
        for chunk in sequences.chunks(PREDICT_BATCH) {
            let (x, last) = self.prepare(chunk)?;
            let probabilities = candle_nn::ops::softmax(&self.network.forward_t(&x, &last, false)?, 1)?;
            out.extend(probabilities.narrow(1, 1, 1)?.squeeze(1)?.to_vec1::<f32>()?);
        }
        Ok(out)
    }

    /// The predicted label of each walk (Abnormal when its probability is at least 0.5).
    pub fn predict(&self, sequences: &[&FeatureSequence]) -> Result<Vec<Label>> {
        Ok(self
            .predict_proba(sequences)?
            .into_iter()
            .map(|p| if p >= 0.5 { Label::Abnormal } else { Label::Normal })
            .collect())
    }

    /// Metrics of the predictions for `sequences` against `labels`.
    pub fn evaluate(&self, sequences: &[&FeatureSequence], labels: &[Label]) -> Result<Metrics> {
        if sequences.len() != labels.len() {
            return Err(Error::Input(format!(
                "{} sequences but {} labels",
                sequences.len(),
                labels.len()
            )));
        }
        let p = self.predict_proba(sequences)?;
        Metrics::compute(&p, &labels.iter().map(|l| l.index()).collect::<Vec<_>>())
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
        for (name, var) in self.network.named() {
            let values = var.as_tensor().flatten_all()?.to_vec1::<f32>()?;
            if values.iter().any(|v| !v.is_finite()) {
                return Err(Error::Input(format!(
                    "not saved: weights {name} are not all finite (training diverged)"
                )));
            }
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::model(dir, e.to_string()))?;
        let tensors: HashMap<String, Tensor> = self
            .network
            .named()
            .into_iter()
            .map(|(name, var)| (name, var.as_tensor().clone()))
            .collect();
        // Candle writes safetensors to a path only: to a scratch file, then read back as bytes.
        let scratch = tempfile::Builder::new()
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| Error::model(dir, e.to_string()))?;
        candle_core::safetensors::save(&tensors, scratch.path())?;
        let weights =
            std::fs::read(scratch.path()).map_err(|e| Error::model(scratch.path(), e.to_string()))?;
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
        let text = std::fs::read_to_string(&config_path).map_err(|e| {
            Error::model(
                &config_path,
                format!("{e}; a model folder holds config.json and model.safetensors"),
            )
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
        let bytes = std::fs::read(&weights)
            .map_err(|e| Error::model(&weights, format!("cannot read the weights: {e}")))?;
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
        let network = Network::init(&config, 0)?;
        for (name, var) in network.named() {
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
                        config.columns.len(),
                        config.lstm_sizes,
                        var.dims()
                    ),
                ));
            }
            var.set(tensor)?;
        }
        Ok(Classifier { config, network })
    }

    /// A copy of every parameter, to restore with [`restore`](Self::restore).
    pub(crate) fn snapshot(&self) -> Result<Vec<Tensor>> {
        Ok(self
            .network
            .named()
            .into_iter()
            .map(|(_, v)| v.as_tensor().copy())
            .collect::<Result<_, _>>()?)
    }

    pub(crate) fn restore(&self, snapshot: &[Tensor]) -> Result<()> {
        for ((_, var), tensor) in self.network.named().into_iter().zip(snapshot) {
            var.set(tensor)?;
        }
        Ok(())
    }

    pub(crate) fn vars(&self) -> Vec<Var> {
        self.network.named().into_iter().map(|(_, v)| v.clone()).collect()
    }
}
