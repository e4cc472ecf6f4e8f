//! The facade's error: any of the workspace crates' errors.

/// An error from reading files, computing features, or the classifier.
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
        path: std::path::PathBuf,
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
    /// Nothing usable was found where something was expected.
    #[error("{0}")]
    Empty(String),
}

/// `Result` with [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
