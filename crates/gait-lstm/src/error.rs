//! The error type of `gait-lstm`.

use std::path::{Path, PathBuf};

/// What can go wrong building, training, saving, loading or running the classifier.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A tensor operation failed (a bug or an exhausted machine, not bad input).
    #[error("tensor computation failed: {0}")]
    Candle(#[from] candle_core::Error),
    /// A file or folder could not be read, written or created, or a data file is not readable.
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
    /// A sequence's columns are not the model's (or the training set's first sequence's).
    #[error("sequence {index} has the {} columns {found:?}; this model takes the {} columns {expected:?}", found.len(), expected.len())]
    ColumnMismatch {
        /// Which sequence, in the order given.
        index: usize,
        /// The columns the model takes.
        expected: Vec<String>,
        /// The sequence's columns.
        found: Vec<String>,
    },
    /// The training examples' columns are those of no feature set.
    #[error("the examples' {} columns {found:?} are those of no feature set (seed: {seed:?}; default: {default:?})", found.len())]
    UnknownColumns {
        /// The examples' columns.
        found: Vec<String>,
        /// The `seed` set's columns.
        seed: Vec<String>,
        /// The default set's columns.
        default: Vec<String>,
    },
    /// The input does not fit the model (lengths, empty sequences, labels, options).
    #[error("{0}")]
    Input(String),
}

impl Error {
    /// The file or folder the error is about, where it is about one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Error::Io(e) => e.path(),
            Error::Features(e) => e.path(),
            Error::Model { path, .. } => Some(path),
            _ => None,
        }
    }

    /// What the operating system said, for a failure of the file system.
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match self {
            Error::Io(e) => e.io_kind(),
            Error::Features(e) => e.io_kind(),
            _ => None,
        }
    }

    pub(crate) fn file(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io(gait_io::FileError::new(path, source).into())
    }

    pub(crate) fn model(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::Model {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

impl From<gait_io::FileError> for Error {
    fn from(error: gait_io::FileError) -> Self {
        Error::Io(error.into())
    }
}

/// `Result` with [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
