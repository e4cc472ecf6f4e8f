//! `gait`: one crate to depend on for gait analysis from body-pose landmarks.
//!
//! - [`io`] (`gait-io`): the old pipeline's `.npy` landmark and angle files and dataset trees.
//! - [`features`] (`gait-features`): joint angles and gait parameters from landmarks, the old
//!   pipeline's `seed` set, gait events, cleaning, fixed-length sequences.
//! - [`lstm`] (`gait-lstm`): the LSTM classifier — train, evaluate, save, load, predict, and the
//!   old Keras `gait_model.h5`.
//! - [`synth`] (`gait-synth`): synthetic walkers, normal and pathological.
//! - `pose` (`gait-pose`, with the cargo feature `pose`): body-pose landmarks from videos and
//!   pictures with MediaPipe's models, and `extract_video`.
//!
//! and the calls most programs need, from those crates: [`load_examples`], [`features_of_file`],
//! [`extract_tree`], [`predict_walk`] (a verdict on a whole recording, part by part),
//! [`write_synthetic_dataset`]. Every error converts into [`Error`].
//!
//! ```
//! use gait::prelude::*;
//!
//! // A small synthetic dataset in the old pipeline's layout...
//! let dir = std::env::temp_dir().join(format!("gait-doc-{}", std::process::id()));
//! let mut cohort = CohortOptions::default();
//! (cohort.normal_subjects, cohort.abnormal_subjects, cohort.seconds) = (3, 3, 5.0);
//! gait::write_synthetic_dataset(&dir, &cohort, 1)?;
//! // ...its training clips as features, a model trained for two epochs...
//! let train = gait::load_examples(&dir, Split::Training, FeatureSet::Default)?;
//! let mut options = TrainOptions::default();
//! options.epochs = 2;
//! let (model, _history) = Classifier::fit(&train.examples, &options)?;
//! // ...and a prediction for each test clip.
//! let test = gait::load_examples(&dir, Split::Testing, FeatureSet::Default)?;
//! let p = model.predict_abnormal(&test.examples)?;
//! assert!(p.len() == test.examples.len() && p.iter().all(|p| (0.0..=1.0).contains(p)));
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), gait::Error>(())
//! ```

/// The README's code, compiled with the doctests so that it cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

mod error;

pub use error::{Error, Result};
pub use gait_features as features;
pub use gait_features::{
    CYCLE_POINTS, Curve, ExtractOptions, Extracted, JOINTS, NormalRange, PARAMETERS, Profile, extract_tree,
    feature_set_for, features_of_file,
};
pub use gait_io as io;
pub use gait_lstm as lstm;
pub use gait_lstm::{Cut, LoadedSplit, Segment, Verdict, WalkOptions, load_examples, predict_walk};
#[cfg(feature = "pose")]
pub use gait_pose as pose;
#[cfg(feature = "pose")]
pub use gait_pose::{extract_video, video_outputs, write_track};
pub use gait_synth as synth;
pub use gait_synth::{
    write_dataset as write_synthetic_dataset, write_recordings as write_synthetic_recordings,
};
pub use ndarray;

/// The types most programs need, in one import.
pub mod prelude {
    pub use gait_features::{BodyAxes, FeatureSet, Normalizer};
    pub use gait_io::{
        Class, Dataset, FeatureSequence, Landmarks, Layout, OutputDir, Require, Sample, Split,
    };
    pub use gait_lstm::{Classifier, Example, Metrics, TrainOptions};

    pub use gait_features::ExtractOptions;
    pub use gait_lstm::LoadedSplit;
    pub use gait_synth::CohortOptions;
}
