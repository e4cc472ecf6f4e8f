//! Read and write the files of the old Python gait pipeline, safely and exactly.
//!
//! - [`read_npy`] / [`write_npy`]: numeric `.npy` files (every integer and float dtype, either byte
//!   order, C or Fortran order, format versions 1 to 3).
//! - [`read_angles`] / [`write_angles`]: `N_angles.npy`, a pickled object array of one dict per
//!   frame, read by a pickle machine that runs nothing (see [`pickle`]).
//! - [`read_landmarks`] / [`write_landmarks`]: `N_landmarks.npy` as [`Landmarks`] in a [`Layout`].
//! - [`Dataset::scan`]: the tree `ROOT/{Training,Testing}/<class>/<recording>/` (classes
//!   `Normal` and `Abnormal`, or one folder per gait pattern: [`Class`]), with every file left out
//!   reported with its reason.
//! - [`write_csv`]: any of these files as CSV.
//!
//! Every failure is an [`Error`] naming the file and the cause; nothing here panics on bad input
//! or prints.
//!
//! ```no_run
//! use std::path::Path;
//! use gait_io::{Dataset, Require};
//!
//! let mut dataset = Dataset::scan(Path::new("data"), Require::Both)?;
//! let angles = dataset.load_angles();
//! for skipped in &dataset.skipped {
//!     eprintln!("skipped {skipped}");
//! }
//! println!("{} samples, first has {} frames", angles.len(), angles[0].frames());
//! # Ok::<(), gait_io::Error>(())
//! ```

mod angles;
mod atomic;
mod class;
mod clip;
mod csv;
mod dataset;
mod dtype;
mod error;
mod feature_sequence;
mod header;
mod landmarks;
mod npy;
mod output;
pub mod pickle;
mod video;

#[cfg(feature = "fuzzing")]
pub mod fuzzing {
    //! Entry points for `cargo fuzz` (feature `fuzzing`): the readers on bytes in memory.
    use std::path::Path;

    /// The numeric `.npy` reader on a whole file's bytes.
    pub fn npy(bytes: &[u8]) -> crate::Result<crate::NpyArray> {
        crate::npy::numeric_from_bytes(Path::new("<fuzz input>"), bytes)
    }

    /// The angles reader on a whole file's bytes.
    pub fn angles(bytes: &[u8]) -> crate::Result<crate::FeatureSequence> {
        crate::angles::angles_from_bytes(Path::new("<fuzz input>"), bytes)
    }

    /// The pickle machine alone, on a pickle's bytes.
    pub fn pickle(bytes: &[u8]) -> Result<(), crate::pickle::PickleError> {
        crate::pickle::read_dict_rows(bytes).map(drop)
    }
}

pub use angles::{read_angles, write_angles};
pub use atomic::write_atomically;
pub use class::Class;
pub use clip::ClipFile;
pub use csv::write_csv;
pub use dataset::{Dataset, Require, Sample, Skipped, Split};
pub use dtype::{ByteOrder, DType};
pub use error::{Error, FileError, Result};
pub use feature_sequence::FeatureSequence;
pub use header::NpyHeader;
pub use landmarks::{Coordinates, Landmarks, Layout, landmarks_from_bytes, read_landmarks, write_landmarks};
pub use npy::{NpyArray, read_npy, read_npy_header, write_npy};
pub use output::{OutputDir, resolve};
pub use video::{VideoInfo, read_video_info, video_info_beside, write_video_info};
