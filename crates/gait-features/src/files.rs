//! The features of files and of whole trees: a landmarks or angles file, the feature set a tree
//! supports, and a tree of landmarks written again as a tree of features.

use std::path::Path;

use gait_io::{
    ClipFile, Dataset, FeatureSequence, Landmarks, OutputDir, Require, Sample, Skipped, VideoInfo,
    landmarks_from_bytes, read_angles, read_landmarks, video_info_beside, write_angles, write_atomically,
    write_video_info,
};
use rayon::prelude::*;

use crate::{CleaningOptions, Error, FeatureSet, Result, clean};

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
pub fn features_of_landmarks(
    path: &Path,
    landmarks: &Landmarks,
    feature_set: FeatureSet,
) -> Result<FeatureSequence> {
    feature_set
        .compute(landmarks, None)
        .map_err(|source| Error::InFile {
            path: path.to_path_buf(),
            source: Box::new(source),
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
        Some(first) => Err(gait_io::Error::NoUsableLandmarks {
            root: root.to_path_buf(),
            count: unusable.len(),
            first: first.clone(),
        }
        .into()),
    }
}

/// How [`extract_tree`] computes features.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
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
/// paths, each landmarks file copied (with its `N_video.json`, if any) and `N_angles.npy` beside
/// it holding the features. Nothing
/// under `input` is ever written to, whatever links or hard links the output holds. Clips that
/// cannot be used are skipped with the reason; `on_clip` is called once per clip as it is done
/// (from several threads).
pub fn extract_tree(
    input: &Path,
    out: &OutputDir,
    options: &ExtractOptions,
    on_clip: impl Fn(&Sample) + Sync,
) -> Result<Extracted> {
    let input = input
        .canonicalize()
        .map_err(|e| gait_io::Error::Io(gait_io::FileError::new(input, e)))?;
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
    let bytes = std::fs::read(source).map_err(|e| gait_io::Error::Io(gait_io::FileError::new(source, e)))?;
    let video = video_info_beside(source)?;
    let mut landmarks =
        landmarks_from_bytes(source, &bytes)?.with_aspect(video.as_ref().map(VideoInfo::aspect))?;
    if let Some(cleaning) = &options.cleaning {
        landmarks = clean(&landmarks, cleaning)
            .map_err(|e| Error::InFile {
                path: source.to_path_buf(),
                source: Box::new(e),
            })?
            .0;
    }
    let features = features_of_landmarks(source, &landmarks, options.feature_set)?;
    let relative = source.parent().and_then(|dir| dir.strip_prefix(input).ok());
    let dir = out.dir(relative.expect("the scan finds files under its root"))?;
    write_angles(&ClipFile::Angles.path(&dir, &sample.name), &features)?;
    // The bytes read, written anew: never a copy through a link into the input.
    write_atomically(&ClipFile::Landmarks.path(&dir, &sample.name), &bytes)?;
    if let Some(video) = &video {
        write_video_info(&ClipFile::Video.path(&dir, &sample.name), video)?;
    }
    Ok(())
}
