//! The few calls most programs need: features of a file, examples of a dataset tree, and the
//! inputs a prediction command is given.

use std::path::{Path, PathBuf};

use gait_features::FeatureSet;
use gait_io::{
    ClipFile, Dataset, FeatureSequence, Require, Sample, Skipped, Split, read_angles, read_landmarks,
};
use gait_lstm::Example;
use rayon::prelude::*;

use crate::error::{Error, Result};

/// Examples with the samples (files, split, recording) they come from.
pub type SampleExamples = Vec<(Sample, Example)>;

/// The features of one file for `feature_set`: an angles file is read as it is (it holds the
/// `seed` features); a landmarks file is turned into features.
pub fn features_of_file(path: &Path, feature_set: FeatureSet) -> Result<FeatureSequence> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if name.ends_with("_angles.npy") {
        Ok(read_angles(path)?)
    } else {
        feature_set
            .compute(&read_landmarks(path)?, None)
            .map_err(|source| Error::FeaturesOf {
                path: path.to_path_buf(),
                source,
            })
    }
}

/// The feature set a tree supports: `wanted`, unless the tree has angles files only, which hold
/// the `seed` features. A tree whose landmarks files are there but none usable is an error that
/// says why, not a quiet switch to `seed`.
pub fn feature_set_for(root: &Path, wanted: FeatureSet) -> Result<FeatureSet> {
    let with_landmarks = Dataset::scan(root, Require::Landmarks)?;
    if !with_landmarks.samples.is_empty() {
        return Ok(wanted);
    }
    let unusable: Vec<String> = with_landmarks
        .skipped
        .iter()
        .filter(|s| s.path.to_string_lossy().ends_with(ClipFile::Landmarks.suffix()))
        .map(ToString::to_string)
        .collect();
    match unusable.first() {
        None => Ok(FeatureSet::Seed),
        Some(first) => Err(Error::Empty(format!(
            "{}: none of its {} landmarks files can be used (first: {first})",
            root.display(),
            unusable.len()
        ))),
    }
}

/// The labelled examples of one split of a dataset tree, features computed in parallel, with the
/// samples they come from; and everything skipped, with reasons.
///
/// `seed` features come from the angles files (as the old pipeline trained); other sets from the
/// landmarks files.
pub fn load_examples(
    root: &Path,
    split: Split,
    feature_set: FeatureSet,
) -> Result<(SampleExamples, Vec<Skipped>)> {
    let require = if feature_set == FeatureSet::Seed {
        Require::Angles
    } else {
        Require::Landmarks
    };
    let dataset = Dataset::scan(root, require)?;
    let mut skipped = dataset.skipped.clone();
    let samples: Vec<Sample> = dataset.split(split).cloned().collect();
    let results: Vec<Result<Example>> = samples
        .par_iter()
        .map(|s| {
            let file = if feature_set == FeatureSet::Seed {
                &s.angles
            } else {
                &s.landmarks
            };
            let path = file.as_deref().expect("scan requires this file");
            let sequence = features_of_file(path, feature_set)?;
            Ok(Example {
                sequence,
                label: s.label,
                recording: format!("{}/{}", s.label.dir_name(), s.recording),
            })
        })
        .collect();
    let mut examples = Vec::with_capacity(samples.len());
    for (sample, result) in samples.into_iter().zip(results) {
        match result {
            Ok(example) => examples.push((sample, example)),
            Err(e) => skipped.push(Skipped {
                path: sample.angles.or(sample.landmarks).unwrap_or_default(),
                reason: e.to_string(),
            }),
        }
    }
    if examples.is_empty() {
        return Err(Error::Empty(format!(
            "{}: no usable {} clips in {}",
            root.display(),
            if require == Require::Angles {
                "N_angles.npy"
            } else {
                "N_landmarks.npy"
            },
            split.dir_name()
        )));
    }
    Ok((examples, skipped))
}

/// The files a prediction input names: the file itself, or every clip file under a folder (a
/// recording, a split, a whole tree): `N_landmarks.npy` for feature sets computed from landmarks,
/// `N_angles.npy` for `seed`; in folder order, clip numbers numerically.
pub fn prediction_inputs(input: &Path, feature_set: FeatureSet) -> Result<Vec<PathBuf>> {
    if input.is_file() {
        return Ok(vec![input.to_path_buf()]);
    }
    let kind = if feature_set == FeatureSet::Seed {
        ClipFile::Angles
    } else {
        ClipFile::Landmarks
    };
    let suffix = kind.suffix();
    let mut clips: Vec<(PathBuf, u64, PathBuf)> = Vec::new();
    // Links followed, clip numbers read, as the dataset scan does.
    for entry in walkdir::WalkDir::new(input).follow_links(true) {
        let entry = entry.map_err(|e| Error::Empty(format!("{}: {e}", input.display())))?;
        let path = entry.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if let Some(n) = name.strip_suffix(suffix).and_then(ClipFile::number) {
            clips.push((
                path.parent().unwrap_or(input).to_path_buf(),
                n,
                path.to_path_buf(),
            ));
        }
    }
    if clips.is_empty() {
        return Err(Error::Empty(format!(
            "{}: no N{suffix} files under it",
            input.display()
        )));
    }
    clips.sort();
    Ok(clips.into_iter().map(|(_, _, p)| p).collect())
}
