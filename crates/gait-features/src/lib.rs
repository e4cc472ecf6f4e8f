//! Gait features from body-pose landmarks.
//!
//! - [`FeatureSet::Seed`]: the old pipeline's 11 features, reproduced exactly ([`seed`]).
//! - [`FeatureSet::Default`]: joint angles, trunk and pelvis angles and scaled inter-ankle
//!   distances that measure what their names say ([`default_set`]), in [`BodyAxes`] estimated from
//!   the walk.
//! - [`events`]: heel strikes and toe offs (Zeni's coordinate method), step splitting and the
//!   spatio-temporal gait parameters.
//! - [`cleaning`]: gap filling and a zero-lag Butterworth low-pass filter.
//! - [`fixed_length`]: padding or cutting to a fixed number of frames with a mask, and
//!   normalisation statistics.
//! - [`profile`]: a walk's gait profile for a report, and the normal range it is read against.
//! - [`passes`](mod@passes): a recording cut into passes, without the turns between them.
//! - [`view`]: where the camera stood, and what that view cannot measure.
//! - [`features_of_file`], [`extract_tree`]: the features of files and of whole trees.

pub mod axes;
pub mod cleaning;
pub mod default_set;
mod error;
pub mod events;
pub mod feature_set;
mod files;
pub mod fixed_length;
pub mod geometry;
pub mod passes;
pub mod profile;
pub mod seed;
pub mod skeleton;
pub mod view;

pub use axes::BodyAxes;
pub use cleaning::{Butterworth, CleaningOptions, CleaningReport, clean, fill_gaps};
pub use default_set::{DEFAULT_COLUMNS, default_features};
pub use error::{Error, Result};
pub use events::{
    EventOptions, GaitEvents, GaitParameters, detect_events, gait_parameters, split_steps, split_strides,
};
pub use feature_set::FeatureSet;
pub use files::{
    ExtractOptions, Extracted, extract_tree, feature_set_for, features_of_file, features_of_landmarks,
};
pub use fixed_length::{DEFAULT_MAX_LEN, FixedLength, Normalizer, pad_or_cut};
pub use passes::passes;
pub use profile::{CYCLE_POINTS, Curve, JOINTS, NormalRange, PARAMETERS, Pass, Profile};
pub use seed::{SEED_COLUMNS, seed_features};
pub use skeleton::{Joint, Limb, Side};
pub use view::{Hidden, View};
