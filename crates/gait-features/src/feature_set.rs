//! [`FeatureSet`]: which features to compute from landmarks.

use std::fmt;
use std::str::FromStr;

use gait_io::{ClipFile, FeatureSequence, Landmarks};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::axes::BodyAxes;
use crate::default_set::{DEFAULT_COLUMNS, default_features};
use crate::error::{Error, Result};
use crate::passes::passes;
use crate::seed::{SEED_COLUMNS, seed_features};

/// A named set of per-frame features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum FeatureSet {
    /// The old pipeline's 11 features, exactly (see [`crate::seed`]).
    Seed,
    /// Biomechanically correct angles and scaled distances (see [`crate::default_set`]).
    #[default]
    Default,
}

impl FeatureSet {
    /// The column names, in order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            FeatureSet::Seed => &SEED_COLUMNS,
            FeatureSet::Default => &DEFAULT_COLUMNS,
        }
    }

    /// Every feature set.
    pub const ALL: [FeatureSet; 2] = [FeatureSet::Seed, FeatureSet::Default];

    /// The feature set whose columns are `columns`, in this order; `None` when they are none's.
    pub fn of_columns<S: AsRef<str>>(columns: &[S]) -> Option<FeatureSet> {
        FeatureSet::ALL.into_iter().find(|set| {
            let own = set.columns();
            own.len() == columns.len() && own.iter().zip(columns).all(|(a, b)| *a == b.as_ref())
        })
    }

    /// The clip file a dataset holds these features in: `N_angles.npy` for `seed` (the old
    /// pipeline's), `N_landmarks.npy` (computed from) for the others.
    pub fn clip_file(self) -> ClipFile {
        match self {
            FeatureSet::Seed => ClipFile::Angles,
            FeatureSet::Default => ClipFile::Landmarks,
        }
    }

    /// Computes the features of every frame. The default set estimates the body axes from the
    /// walk unless `axes` are given, each pass of a walk that turns with its own (the turns'
    /// frames missing).
    pub fn compute(self, landmarks: &Landmarks, axes: Option<&BodyAxes>) -> Result<FeatureSequence> {
        Ok(match self {
            FeatureSet::Seed => seed_features(landmarks),
            FeatureSet::Default => match axes {
                Some(axes) => default_features(landmarks, axes),
                None => default_features_by_pass(landmarks)?,
            },
        })
    }
}

/// The frame rate passes are found at when features are computed without one (the old
/// pipeline's videos' rate): it only sets how long a turn is taken to last.
const PASS_FPS: f64 = 30.0;

/// The default features of `landmarks`, each pass ([`passes`]) with its own body axes; the frames
/// of the turns between passes are missing. A recording without a turn is one pass.
fn default_features_by_pass(landmarks: &Landmarks) -> Result<FeatureSequence> {
    let cut = passes(landmarks, PASS_FPS);
    if let [only] = cut.as_slice()
        && only.len() == landmarks.frames()
    {
        return Ok(default_features(landmarks, &BodyAxes::estimate(landmarks)?));
    }
    let mut values = Array2::from_elem((landmarks.frames(), DEFAULT_COLUMNS.len()), f64::NAN);
    let mut first_error = None;
    for pass in cut {
        let part = landmarks.frames_in(pass.clone())?;
        match BodyAxes::estimate(&part) {
            Ok(axes) => values
                .slice_mut(ndarray::s![pass, ..])
                .assign(&default_features(&part, &axes).values()),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if values.iter().all(|v| v.is_nan())
        && let Some(e) = first_error
    {
        return Err(e);
    }
    let columns = DEFAULT_COLUMNS.iter().map(ToString::to_string).collect();
    Ok(FeatureSequence::new(columns, values)?)
}

impl fmt::Display for FeatureSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FeatureSet::Seed => "seed",
            FeatureSet::Default => "default",
        })
    }
}

impl FromStr for FeatureSet {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "seed" => Ok(FeatureSet::Seed),
            "default" => Ok(FeatureSet::Default),
            other => Err(Error::InvalidOption(format!(
                "feature set {other:?}: use seed or default"
            ))),
        }
    }
}
