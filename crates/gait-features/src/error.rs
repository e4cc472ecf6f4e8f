//! The error type of `gait-features`.

/// What can go wrong computing features.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written, or a landmark or feature table could not be built
    /// (`gait-io`'s checks of its shape).
    #[error(transparent)]
    Io(#[from] gait_io::Error),
    /// The features of a file could not be computed.
    #[error("{}: {source}", path.display())]
    InFile {
        /// The landmarks file.
        path: std::path::PathBuf,
        /// What went wrong.
        source: Box<Error>,
    },
    /// The body axes (up, forward, left) could not be estimated from the landmarks.
    #[error("cannot estimate the body axes: {0}; give them explicitly with BodyAxes::new")]
    Axes(String),
    /// An option is out of its range, or names nothing known.
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// Sequences that must share their columns do not.
    #[error("a sequence has the columns {found:?}, not the {expected:?} of the others")]
    ColumnMismatch {
        /// The columns wanted.
        expected: Vec<String>,
        /// The sequence's columns.
        found: Vec<String>,
    },
    /// Statistics were asked of no sequences at all.
    #[error("no sequences to fit a normaliser on")]
    NoSequences,
}

impl Error {
    /// The file or folder the error is about, where it is about one.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Error::Io(e) => e.path(),
            Error::InFile { path, .. } => Some(path),
            _ => None,
        }
    }

    /// What the operating system said, for a failure of the file system.
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match self {
            Error::Io(e) => e.io_kind(),
            Error::InFile { source, .. } => source.io_kind(),
            _ => None,
        }
    }
}

/// `Result` with [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
