//! A Candle LSTM that classifies walks as Normal or Abnormal from gait feature sequences.
//!
//! - [`Classifier::fit`] trains on [`Example`]s (validation split by recording, class-weighted
//!   loss, Adam, early stopping); the feature set is the one the examples' columns name.
//! - [`TrainOptions`] say how; [`TrainOptions::check`] refuses what cannot be trained.
//! - Prediction says what it returns: [`Classifier::predict_probabilities`] (each class's),
//!   [`Classifier::predict_abnormal`] (P(not Normal)), [`Classifier::predict`] (the class),
//!   [`Classifier::classify`] (all three, as [`Prediction`]s); [`Classifier::evaluate`] scores
//!   ([`Metrics`]).
//! - [`Classifier::save`] keeps it in a folder (`model.safetensors` + `config.json`);
//!   [`Classifier::open`] reads such a folder or the old pipeline's Keras `gait_model.h5`.
//! - [`CrossValidation::run`] scores a recipe on subjects it never saw: folds by group, out-of-fold
//!   predictions pooled, per seed.
//! - [`Network`] and [`Lstm`] are the layers, in PyTorch's layout, on Candle tensors
//!   (re-exported as [`candle`]).
//!
//! Speed: a training step allocates and frees megabytes (Candle's gradients). With glibc's
//! allocator they go back to the system and are faulted in again at the next step, a fifth of
//! the step; a program that trains does well to choose an allocator that keeps them, as the
//! workspace's programs and Python package do (`#[global_allocator]` with the `mimalloc` crate).

mod classifier;
mod config;
mod crossval;
mod error;
mod example;
mod keras;
mod kernel;
mod lstm;
mod metrics;
mod network;
mod options;
mod train;
mod walk;

pub use candle_core as candle;
pub use classifier::{Classifier, Prediction};
pub use config::{FORMAT_VERSION, ModelConfig, TrainingClips};
pub use crossval::{CrossValidation, Folds, SeedResult};
pub use error::{Error, Result};
pub use example::{Example, LoadedSplit, check_classes, load_examples, subjects};
pub use lstm::Lstm;
pub use metrics::{ClassMetrics, ClassScore, Confusion, DECISION_THRESHOLD, Evaluation, Metrics};
pub use network::{Dense, Network};
pub use options::{Augmentation, ClassWeights, TrainOptions};
pub use train::{EpochReport, History};
pub use walk::{Cut, Segment, Verdict, WalkOptions, predict_walk};
