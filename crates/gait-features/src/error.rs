//! The error type of `gait-features`.

/// What can go wrong computing features.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error(transparent)]
    Io(#[from] gait_io::Error),
    /// The body axes (up, forward, left) could not be estimated from the landmarks.
    #[error("cannot estimate the body axes: {0}; give them explicitly with BodyAxes::new")]
    Axes(String),
    /// An option is out of its range.
    #[error("invalid option: {0}")]
    Option(String),
}

/// `Result` with [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
