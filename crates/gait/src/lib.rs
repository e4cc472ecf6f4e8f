//! `gait`: one crate to depend on for gait analysis from body-pose landmarks.
//!
//! It re-exports the workspace's crates under short names and gathers the everyday types in a
//! [`prelude`]:
//! - [`io`] (`gait-io`): the old pipeline's `.npy` landmark and angle files and dataset trees.
//! - [`features`] (`gait-features`): joint angles and gait parameters from landmarks, the old
//!   pipeline's `seed` set, gait events, cleaning, fixed-length sequences.
//!
//! ```
//! use gait::prelude::*;
//!
//! let dir = std::env::temp_dir().join(format!("gait-doc-{}", std::process::id()));
//! let columns = vec!["right_knee_flexion".to_string(), "stride_length".to_string()];
//! let values = gait::ndarray::array![[12.5, 0.31], [f64::NAN, 0.29]];
//! let sequence = FeatureSequence::new(columns, values)?;
//! let path = dir.join("Training/Normal/walk01/1_angles.npy");
//! gait::io::write_angles(&path, &sequence)?;
//! let back = gait::io::read_angles(&path)?;
//! assert_eq!(back.get(0, 0), Some(12.5));
//! assert!(back.is_missing(1, 0));
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), gait::io::Error>(())
//! ```

pub use gait_features as features;
pub use gait_io as io;
pub use ndarray;

/// The types most programs need, in one import.
pub mod prelude {
    pub use gait_features::{BodyAxes, FeatureSet, Normalizer};
    pub use gait_io::{Dataset, FeatureSequence, Label, Landmarks, Layout, Require, Sample, Split};
}
