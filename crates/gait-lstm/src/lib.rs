//! A Candle LSTM that classifies walks as Normal or Abnormal from gait feature sequences.
//!
//! - [`Classifier::fit`] trains (validation split by recording, class-weighted loss, Adam, early
//!   stopping), [`Classifier::predict_proba`] predicts, [`Classifier::evaluate`] scores
//!   ([`Metrics`]), [`Classifier::save`] / [`Classifier::load`] keep it in a folder
//!   (`model.safetensors` + `config.json`).
//! - [`Classifier::from_keras_h5`] runs the old pipeline's trained `gait_model.h5`.
//! - [`Lstm`] is the layer, in PyTorch's layout.

mod classifier;
mod config;
mod error;
mod keras;
mod kernel;
mod lstm;
mod metrics;
mod network;
mod train;

pub use classifier::Classifier;
pub use config::{FORMAT_VERSION, ModelConfig};
pub use error::{Error, Result};
pub use lstm::Lstm;
pub use metrics::{Confusion, Metrics};
pub use network::{Dense, Network};
pub use train::{ClassWeights, EpochReport, Example, History, TrainOptions};
