//! [`ModelConfig`]: everything besides the weights that a saved model needs to predict.

use gait_features::{FeatureSet, Normalizer};
use serde::{Deserialize, Serialize};

/// The version of the model directory format this crate writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Architecture, inputs and preprocessing of a classifier; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// [`FORMAT_VERSION`] when written.
    pub format_version: u32,
    /// Feature set the model was trained on.
    pub feature_set: FeatureSet,
    /// Feature columns, in the model's input order.
    pub columns: Vec<String>,
    /// Hidden sizes of the two LSTM layers (64 and 32).
    pub lstm_sizes: [usize; 2],
    /// Size of the hidden dense layer (16).
    pub dense_size: usize,
    /// Sequences are cut or zero-padded to this many frames (110).
    pub max_len: usize,
    /// `true`: the second LSTM's state is taken at each sequence's last real frame. `false` (the
    /// old Keras model): at the last padded step, padding included.
    pub masked: bool,
    /// Standardisation statistics fitted on the training split; `None` feeds raw values (the old
    /// Keras model).
    pub normalizer: Option<Normalizer>,
}

impl ModelConfig {
    /// The configuration of our default model for `columns` of `feature_set`.
    pub fn new(feature_set: FeatureSet, columns: Vec<String>, max_len: usize) -> Self {
        ModelConfig {
            format_version: FORMAT_VERSION,
            feature_set,
            columns,
            lstm_sizes: [64, 32],
            dense_size: 16,
            max_len,
            masked: true,
            normalizer: None,
        }
    }
}
