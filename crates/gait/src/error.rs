//! The facade's error: any of the workspace crates' errors, and what the facade's own calls find.

use std::path::PathBuf;

use gait_io::{ClipFile, Split};

/// An error from reading files, computing features, the classifier, or the facade's calls.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing files.
    #[error(transparent)]
    Io(#[from] gait_io::Error),
    /// Computing features.
    #[error(transparent)]
    Features(#[from] gait_features::Error),
    /// Computing the features of a file.
    #[error("{}: {source}", path.display())]
    FeaturesOf {
        /// The landmarks file.
        path: PathBuf,
        /// What went wrong.
        source: gait_features::Error,
    },
    /// Training, loading or running the classifier.
    #[error(transparent)]
    Model(#[from] gait_lstm::Error),
    /// Decoding videos or running the pose models.
    #[cfg(feature = "pose")]
    #[error(transparent)]
    Pose(#[from] gait_pose::Error),
    /// A file or folder could not be read, created or copied.
    #[error(transparent)]
    File(#[from] gait_io::FileError),
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
        split: Option<Split>,
        /// The clip file looked for.
        file: ClipFile,
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
    /// No frame of a video shows a person: nothing was written.
    #[cfg(feature = "pose")]
    #[error("{}: no person found in any of its {frames} frames; nothing written", path.display())]
    NoPerson {
        /// The video or picture folder.
        path: PathBuf,
        /// Frames read.
        frames: usize,
    },
}

impl Error {
    pub(crate) fn file(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::File(gait_io::FileError::new(path, source))
    }
}

/// `Result` with [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
