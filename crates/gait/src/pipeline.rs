//! The few calls most programs need: features of a file, examples of a dataset tree, a tree of
//! landmarks turned into a tree of features, and the inputs a prediction command is given.

use std::path::{Path, PathBuf};

use gait_features::{CleaningOptions, FeatureSet, clean};
use gait_io::{
    ClipFile, Dataset, FeatureSequence, Landmarks, OutputDir, Require, Sample, Skipped, Split,
    landmarks_from_bytes, read_angles, read_landmarks, write_angles, write_atomically,
};
use gait_lstm::Example;
use rayon::prelude::*;

use crate::error::{Error, Result};

/// The labelled examples of one split of a tree ([`load_examples`]), the samples they come from,
/// and what was left out.
#[derive(Debug, Clone)]
pub struct LoadedSplit {
    /// One example per usable clip.
    pub examples: Vec<Example>,
    /// The clip each example comes from: `samples[i]` for `examples[i]`.
    pub samples: Vec<Sample>,
    /// Files and clips left out, with the reason: unusable files found by the scan, and clips
    /// whose features could not be computed.
    pub skipped: Vec<Skipped>,
}

/// The features of one file for `feature_set`: an angles file is read as it is (it holds the
/// `seed` features); a landmarks file is turned into features.
pub fn features_of_file(path: &Path, feature_set: FeatureSet) -> Result<FeatureSequence> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if ClipFile::parse(name).is_some_and(|(_, kind)| kind == ClipFile::Angles) {
        Ok(read_angles(path)?)
    } else {
        features_of_landmarks(path, &read_landmarks(path)?, feature_set)
    }
}

/// The features of `landmarks`, read from `path` (which errors name).
pub(crate) fn features_of_landmarks(
    path: &Path,
    landmarks: &Landmarks,
    feature_set: FeatureSet,
) -> Result<FeatureSequence> {
    feature_set
        .compute(landmarks, None)
        .map_err(|source| Error::FeaturesOf {
            path: path.to_path_buf(),
            source,
        })
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
        Some(first) => Err(Error::NoUsableLandmarks {
            root: root.to_path_buf(),
            count: unusable.len(),
            first: first.clone(),
        }),
    }
}

/// The labelled examples of one split of a dataset tree, features computed in parallel, with the
/// samples they come from and everything skipped, with reasons.
///
/// `seed` features come from the angles files (as the old pipeline trained); other sets from the
/// landmarks files. A split with no usable clip is an error.
pub fn load_examples(root: &Path, split: Split, feature_set: FeatureSet) -> Result<LoadedSplit> {
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
                class: s.class.clone(),
                recording: format!("{}/{}", s.class, s.recording),
            })
        })
        .collect();
    let mut loaded = LoadedSplit {
        examples: Vec::with_capacity(samples.len()),
        samples: Vec::with_capacity(samples.len()),
        skipped: Vec::new(),
    };
    for (sample, result) in samples.into_iter().zip(results) {
        match result {
            Ok(example) => {
                loaded.examples.push(example);
                loaded.samples.push(sample);
            }
            Err(e) => skipped.push(Skipped {
                path: sample.angles.or(sample.landmarks).unwrap_or_default(),
                reason: e.to_string(),
            }),
        }
    }
    loaded.skipped = skipped;
    if loaded.examples.is_empty() {
        return Err(Error::NoClips {
            root: root.to_path_buf(),
            split: Some(split),
            file: if require == Require::Angles {
                ClipFile::Angles
            } else {
                ClipFile::Landmarks
            },
        });
    }
    Ok(loaded)
}

/// How [`extract_tree`] computes features.
#[derive(Debug, Clone, Default)]
pub struct ExtractOptions {
    /// The features written into each `N_angles.npy`.
    pub feature_set: FeatureSet,
    /// Fill short gaps and low-pass filter the landmarks first, with these options; `None` takes
    /// them as they are.
    pub cleaning: Option<CleaningOptions>,
}

/// What [`extract_tree`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// Clips written.
    pub written: usize,
    /// Files and clips left out, with the reason.
    pub skipped: Vec<Skipped>,
}

/// Computes the features of every `N_landmarks.npy` of the tree `input` and writes the tree again
/// into `out` (prepared with `input` among its inputs: [`OutputDir::prepare`]): the same relative
/// paths, each landmarks file copied and `N_angles.npy` beside it holding the features. Nothing
/// under `input` is ever written to, whatever links or hard links the output holds. Clips that
/// cannot be used are skipped with the reason; `on_clip` is called once per clip as it is done
/// (from several threads).
pub fn extract_tree(
    input: &Path,
    out: &OutputDir,
    options: &ExtractOptions,
    on_clip: impl Fn(&Sample) + Sync,
) -> Result<Extracted> {
    let input = input.canonicalize().map_err(|e| Error::file(input, e))?;
    let dataset = Dataset::scan(&input, Require::Landmarks)?;
    let results: Vec<Result<()>> = dataset
        .samples
        .par_iter()
        .map(|sample| {
            let done = extract_clip(sample, &input, out, options);
            on_clip(sample);
            done
        })
        .collect();
    let mut extracted = Extracted {
        written: 0,
        skipped: dataset.skipped,
    };
    for (sample, result) in dataset.samples.iter().zip(results) {
        match result {
            Ok(()) => extracted.written += 1,
            Err(e) => extracted.skipped.push(Skipped {
                path: sample.landmarks.clone().unwrap_or_default(),
                reason: e.to_string(),
            }),
        }
    }
    Ok(extracted)
}

/// One clip of [`extract_tree`].
fn extract_clip(sample: &Sample, input: &Path, out: &OutputDir, options: &ExtractOptions) -> Result<()> {
    let source = sample.landmarks.as_deref().expect("scanned for landmarks");
    let bytes = std::fs::read(source).map_err(|e| Error::file(source, e))?;
    let mut landmarks = landmarks_from_bytes(source, &bytes)?;
    if let Some(cleaning) = &options.cleaning {
        landmarks = clean(&landmarks, cleaning)
            .map_err(|e| Error::FeaturesOf {
                path: source.to_path_buf(),
                source: e,
            })?
            .0;
    }
    let features = features_of_landmarks(source, &landmarks, options.feature_set)?;
    let relative = source.parent().and_then(|dir| dir.strip_prefix(input).ok());
    let dir = out.dir(relative.expect("the scan finds files under its root"))?;
    write_angles(&ClipFile::Angles.path(&dir, &sample.name), &features)?;
    // The bytes read, written anew: never a copy through a link into the input.
    write_atomically(&ClipFile::Landmarks.path(&dir, &sample.name), &bytes)?;
    Ok(())
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
        let entry = entry.map_err(|source| Error::Walk {
            root: input.to_path_buf(),
            source,
        })?;
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
        return Err(Error::NoClips {
            root: input.to_path_buf(),
            split: None,
            file: kind,
        });
    }
    clips.sort();
    Ok(clips.into_iter().map(|(_, _, p)| p).collect())
}
