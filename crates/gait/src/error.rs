//! The facade's error: any of the workspace crates' errors, each failure reaching it one way (a
//! file's failure is always [`Error::Io`], whichever crate met it).

use std::path::Path;

/// An error from reading or writing files, computing features, the classifier, or pose.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing files, or walking a tree.
    #[error(transparent)]
    Io(gait_io::Error),
    /// Computing features.
    #[error(transparent)]
    Features(gait_features::Error),
    /// Training, loading or running the classifier.
    #[error(transparent)]
    Model(gait_lstm::Error),
    /// Decoding videos or running the pose models.
    #[cfg(feature = "pose")]
    #[error(transparent)]
    Pose(gait_pose::Error),
}

impl Error {
    /// The file or folder the error is about, where it is about one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Error::Io(e) => e.path(),
            Error::Features(e) => e.path(),
            Error::Model(e) => e.path(),
            #[cfg(feature = "pose")]
            Error::Pose(e) => e.path(),
        }
    }

    /// What the operating system said, for a failure of the file system (not found, permission
    /// denied, no space left, ...), whichever crate met it.
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match self {
            Error::Io(e) => e.io_kind(),
            Error::Features(e) => e.io_kind(),
            Error::Model(e) => e.io_kind(),
            #[cfg(feature = "pose")]
            Error::Pose(e) => e.io_kind(),
        }
    }
}

impl From<gait_io::Error> for Error {
    fn from(error: gait_io::Error) -> Self {
        Error::Io(error)
    }
}

impl From<gait_io::FileError> for Error {
    fn from(error: gait_io::FileError) -> Self {
        Error::Io(error.into())
    }
}

impl From<gait_features::Error> for Error {
    fn from(error: gait_features::Error) -> Self {
        match error {
            gait_features::Error::Io(e) => Error::Io(e),
            other => Error::Features(other),
        }
    }
}

impl From<gait_lstm::Error> for Error {
    fn from(error: gait_lstm::Error) -> Self {
        match error {
            gait_lstm::Error::Io(e) => Error::Io(e),
            gait_lstm::Error::Features(e) => e.into(),
            other => Error::Model(other),
        }
    }
}

#[cfg(feature = "pose")]
impl From<gait_pose::Error> for Error {
    fn from(error: gait_pose::Error) -> Self {
        match error {
            gait_pose::Error::Io(e) => Error::Io(e),
            other => Error::Pose(other),
        }
    }
}

/// `Result` with [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
