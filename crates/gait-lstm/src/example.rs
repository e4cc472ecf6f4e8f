//! Labelled examples: a clip's features with its class and recording, and the examples of one
//! split of a dataset tree.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use gait_features::{FeatureSet, features_of_file};
use gait_io::{Class, ClipFile, Dataset, FeatureSequence, Require, Sample, Skipped, Split};
use rayon::prelude::*;

use crate::error::{Error, Result};

/// One training example: a clip's features, its label, and the recording it comes from (clips of
/// one recording never straddle the training/validation split).
#[derive(Debug, Clone)]
pub struct Example {
    /// Per-frame features.
    pub sequence: FeatureSequence,
    /// The class: `Normal`, `Abnormal`, or a gait pattern.
    pub class: Class,
    /// The recording (walk, subject) the clip was cut from.
    pub recording: String,
}

impl AsRef<FeatureSequence> for Example {
    fn as_ref(&self) -> &FeatureSequence {
        &self.sequence
    }
}

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
        return Err(gait_io::Error::NoClips {
            root: root.to_path_buf(),
            split: Some(split),
            file: if require == Require::Angles {
                ClipFile::Angles
            } else {
                ClipFile::Landmarks
            },
        }
        .into());
    }
    Ok(loaded)
}

/// Checks that a model trained on `train` can be tested on `test`: a class that only the test
/// has is an error (no model can learn it). Returns notes on what the metrics and early stopping
/// will not see: a class the test lacks, a class of one training recording (none of it is held
/// out for validation).
pub fn check_classes(train: &[Example], test: &[Example]) -> Result<Vec<String>> {
    fn classes(examples: &[Example]) -> BTreeMap<&Class, BTreeSet<&str>> {
        let mut by_class: BTreeMap<&Class, BTreeSet<&str>> = BTreeMap::new();
        for e in examples {
            by_class.entry(&e.class).or_default().insert(&e.recording);
        }
        by_class
    }
    let (trained, tested) = (classes(train), classes(test));
    if let Some(missing) = tested.keys().find(|c| !trained.contains_key(*c)) {
        return Err(Error::Input(format!(
            "Testing has the class {missing}, which Training lacks: no model can learn it; add {missing} recordings to Training or take the class out of Testing"
        )));
    }
    let mut notes = Vec::new();
    for (class, recordings) in &trained {
        if !tested.contains_key(class) {
            notes.push(format!(
                "Testing has no {class} clips: the model learns the class, the test metrics cannot measure it"
            ));
        }
        if recordings.len() == 1 {
            notes.push(format!(
                "{class} has one training recording: none of it is held out for validation, so early stopping does not watch it"
            ));
        }
    }
    Ok(notes)
}

/// The subject of each example, for cross-validation by subject: its recording folder's name
/// (the last part of [`Example::recording`]), or what the first capture group of the regular
/// expression `pattern` takes of that name (`^(s\d+)_` groups `s03_walk1` with `s03_walk5`).
/// A pattern without a group, or that matches nothing in a recording's name, is an error.
pub fn subjects(examples: &[Example], pattern: Option<&str>) -> Result<Vec<String>> {
    let recording = |e: &Example| e.recording.rsplit('/').next().unwrap_or_default().to_string();
    let Some(pattern) = pattern else {
        return Ok(examples.iter().map(recording).collect());
    };
    let regex = regex::Regex::new(pattern)
        .map_err(|e| Error::Input(format!("the subject pattern {pattern:?}: {e}")))?;
    if regex.captures_len() < 2 {
        return Err(Error::Input(format!(
            "the subject pattern {pattern:?} has no capture group: put the subject's part in (...)"
        )));
    }
    examples
        .iter()
        .map(|e| {
            let name = recording(e);
            regex
                .captures(&name)
                .and_then(|c| c.get(1))
                .map(|m| m.as_str().to_string())
                .ok_or_else(|| {
                    Error::Input(format!(
                        "the subject pattern {pattern:?} matches nothing in the recording {name:?}: every recording needs a subject"
                    ))
                })
        })
        .collect()
}
