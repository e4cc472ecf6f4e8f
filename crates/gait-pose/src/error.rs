//! The one error type of `gait-pose`: every variant says which file or program it is about.

use std::path::{Path, PathBuf};

/// Everything that can go wrong turning videos and images into landmarks.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written (the operating system's refusal, or `gait-io`'s
    /// writers).
    #[error(transparent)]
    Io(#[from] gait_io::Error),
    /// A model file is not one of the pose models this crate runs, or is damaged.
    #[error("{}: not a usable pose model: {reason}", path.display())]
    Model {
        /// The model file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A video could not be decoded.
    #[error("{}: {reason}", path.display())]
    Video {
        /// The video file.
        path: PathBuf,
        /// What went wrong, with what ffmpeg said.
        reason: String,
    },
    /// The `ffmpeg` or `ffprobe` program could not be started.
    #[error(
        "cannot run `{program}` ({source}); install FFmpeg (for example `apt-get install ffmpeg`) or put it on PATH"
    )]
    FfmpegMissing {
        /// The program that was looked for.
        program: &'static str,
        /// Why it could not be started.
        source: std::io::Error,
    },
    /// An image file could not be decoded.
    #[error("{}: not a readable image: {reason}", path.display())]
    Image {
        /// The image file.
        path: PathBuf,
        /// What the decoder said.
        reason: String,
    },
    /// A frame handed to the estimator does not fit its description.
    #[error("frame {frame}: {reason}")]
    Frame {
        /// The frame's index.
        frame: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// No frame of a video shows a person: nothing was written.
    #[error("{}: no person found in any of its {frames} frames; nothing written", path.display())]
    NoPerson {
        /// The video or picture folder.
        path: PathBuf,
        /// Frames read.
        frames: usize,
    },
    /// An input holds no clip to extract.
    #[error("{}: {reason}", path.display())]
    NoVideos {
        /// The input.
        path: PathBuf,
        /// What was looked for.
        reason: String,
    },
    /// A person asked for by number is not in the video.
    #[error("{}: no person {number}: the video shows {people}; give a number from 1 to {people}, or walker", path.display())]
    NoSuchPerson {
        /// The video.
        path: PathBuf,
        /// The number asked for.
        number: usize,
        /// How many people it shows.
        people: usize,
    },
    /// Two inputs would write the same files.
    #[error("{} and {} would both be written as {}: rename one", first.display(), second.display(), output.display())]
    SameOutput {
        /// The first input.
        first: PathBuf,
        /// The second.
        second: PathBuf,
        /// The file both would write.
        output: PathBuf,
    },
}

impl Error {
    /// The file or folder the error is about, where it is about one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Error::Io(e) => e.path(),
            Error::Model { path, .. }
            | Error::Video { path, .. }
            | Error::Image { path, .. }
            | Error::NoPerson { path, .. }
            | Error::NoVideos { path, .. }
            | Error::NoSuchPerson { path, .. }
            | Error::SameOutput { second: path, .. } => Some(path),
            Error::FfmpegMissing { .. } | Error::Frame { .. } => None,
        }
    }

    /// What the operating system said, for a failure of the file system (or of starting
    /// `ffmpeg`).
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match self {
            Error::Io(e) => e.io_kind(),
            Error::FfmpegMissing { source, .. } => Some(source.kind()),
            _ => None,
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
