//! The one error type of `gait-io`: every variant names the file it is about.

use std::path::{Path, PathBuf};

/// Everything that can go wrong reading or writing the pipeline's files.
///
/// Each variant carries the path of the file concerned; its message says what was wrong and, where
/// there is something to do about it, what.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The operating system refused to read or write the file.
    #[error(transparent)]
    Io(#[from] FileError),
    /// The file is not a `.npy` file we can read: bad magic, header or size.
    #[error("{}: not a readable .npy file: {reason}", path.display())]
    Npy {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The pickled payload of an object array could not be read, or asked for something we refuse
    /// to run.
    #[error("{}: pickled payload: {source}", path.display())]
    Pickle {
        /// The file concerned.
        path: PathBuf,
        /// Where in the pickle, and what went wrong.
        source: crate::pickle::PickleError,
    },
    /// Values built in memory do not fit together (no file is involved).
    #[error("{0}")]
    Mismatch(String),
    /// A folder could not be walked (unreadable, a link loop).
    #[error("{}: {source}", root.display())]
    Walk {
        /// The folder walked.
        root: PathBuf,
        /// What went wrong, and where.
        source: walkdir::Error,
    },
    /// No usable clip was found where some were expected.
    #[error("{}: no usable N{} clips{}", root.display(), file.suffix(), split.map(|s| format!(" in {}", s.dir_name())).unwrap_or_default())]
    NoClips {
        /// The tree or folder searched.
        root: PathBuf,
        /// The split searched, if one.
        split: Option<crate::Split>,
        /// The clip file looked for.
        file: crate::ClipFile,
    },
    /// A tree has landmarks files, but none can be used.
    #[error("{}: none of its {count} landmarks files can be used (first: {first})", root.display())]
    NoUsableLandmarks {
        /// The tree.
        root: PathBuf,
        /// How many landmarks files it has.
        count: usize,
        /// The first one, with the reason.
        first: String,
    },
    /// An output would land inside an input it is made from.
    #[error("the output {} is inside the input {}: choose a folder outside it", out.display(), input.display())]
    OutputInsideInput {
        /// The output folder, resolved.
        out: PathBuf,
        /// The input, resolved.
        input: PathBuf,
    },
    /// An output would land outside the folder it was asked to go into.
    #[error("{} would be written outside the output folder {}: refused", path.display(), out.display())]
    OutputOutsideFolder {
        /// Where it would be written.
        path: PathBuf,
        /// The output folder.
        out: PathBuf,
    },
    /// An output already exists and may not be replaced.
    #[error("{} exists and is not empty: choose another output, or --force to write over it", path.display())]
    OutputExists {
        /// The existing file or folder.
        path: PathBuf,
    },
    /// The file was read, but its content is not what the call expects (wrong dtype, shape,
    /// value type for a key of an angles file...).
    #[error("{}: {reason}", path.display())]
    Content {
        /// The file concerned.
        path: PathBuf,
        /// What was found and what was expected.
        reason: String,
    },
}

/// The operating system refused to read, write or create a file or folder: the one type every
/// crate of the workspace reports that with.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct FileError {
    /// The file or folder concerned.
    pub path: PathBuf,
    /// What the operating system said.
    pub source: std::io::Error,
}

impl FileError {
    /// `source` about `path`.
    pub fn new(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        FileError {
            path: path.into(),
            source,
        }
    }
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io(FileError::new(path, source))
    }

    pub(crate) fn npy(path: &Path, reason: impl Into<String>) -> Self {
        Error::Npy {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }

    pub(crate) fn content(path: &Path, reason: impl Into<String>) -> Self {
        Error::Content {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }

    /// The file this error is about, if it is about a file.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Error::Io(FileError { path, .. })
            | Error::Npy { path, .. }
            | Error::Pickle { path, .. }
            | Error::Content { path, .. }
            | Error::OutputInsideInput { out: path, .. }
            | Error::OutputOutsideFolder { path, .. }
            | Error::OutputExists { path }
            | Error::Walk { root: path, .. }
            | Error::NoClips { root: path, .. }
            | Error::NoUsableLandmarks { root: path, .. } => Some(path),
            Error::Mismatch(_) => None,
        }
    }

    /// What the operating system said, for a failure of the file system (not found, permission
    /// denied, no space left, ...): a program can act on it without reading the message.
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match self {
            Error::Io(FileError { source, .. }) => Some(source.kind()),
            Error::Walk { source, .. } => source.io_error().map(std::io::Error::kind),
            _ => None,
        }
    }
}

/// `Result` with [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
