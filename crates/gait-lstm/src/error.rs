//! The error type of `gait-lstm`.

use std::path::PathBuf;

/// What can go wrong building, training, saving, loading or running the classifier.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A tensor operation failed (a bug or an exhausted machine, not bad input).
    #[error("tensor computation failed: {0}")]
    Candle(#[from] candle_core::Error),
    /// Reading feature files failed.
    #[error(transparent)]
    Io(#[from] gait_io::Error),
    /// Computing features failed.
    #[error(transparent)]
    Features(#[from] gait_features::Error),
    /// A model file is missing, unreadable, or does not match its configuration.
    #[error("{}: {reason}", path.display())]
    Model {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The input does not fit the model (feature columns, lengths, empty sequences, labels).
    #[error("{0}")]
    Input(String),
}

impl Error {
    pub(crate) fn model(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::Model {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

/// `Result` with [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
