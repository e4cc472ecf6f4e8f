//! A verdict on a whole recording: cut as the model was trained, every part classified, one
//! verdict by a stated rule, nothing truncated.

use std::path::Path;

use gait_features::{BodyAxes, EventOptions, detect_events, features_of_file, features_of_landmarks, passes};
use gait_io::{ClipFile, FeatureSequence, Landmarks, read_landmarks};
use serde::Serialize;

use crate::classifier::{Classifier, Prediction};
use crate::config::TrainingClips;
use crate::error::{Error, Result};

/// Segments classified per call to the model: bounds the memory of a long recording.
const BATCH: usize = 256;

/// Probabilities are floored here before their logarithm, so that one certain segment does not
/// silence the rest.
const FLOOR: f32 = 1e-6;

/// How a recording is cut.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct WalkOptions {
    /// Cut even a recording the model takes whole (no longer than its length).
    pub always: bool,
    /// Frames per second, for finding heel strikes.
    pub fps: f64,
    /// Strides per segment when cutting at heel strikes (the synthetic training clips have two),
    /// for a model that does not record its training clips; one that does
    /// ([`ModelConfig::clips`](crate::ModelConfig::clips)) is given the strides nearest their
    /// median length.
    pub strides: usize,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            always: false,
            fps: 30.0,
            strides: 2,
        }
    }
}

/// How a recording was cut; as JSON, `{"by": "whole"}`, `{"by": "strides", "strides": 2}` or
/// `{"by": "windows", "length": 110, "hop": 55}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "by")]
#[non_exhaustive]
pub enum Cut {
    /// Not cut: no longer than the model's length.
    Whole,
    /// At the heel strikes of one foot, `strides` strides a segment, one starting at each
    /// strike (so segments overlap by all but a stride); before the first strike and after the
    /// last, a segment of the most whole strides from the start (and to the end) that the model
    /// takes.
    Strides {
        /// Strides per segment.
        strides: usize,
    },
    /// Windows of the model's length, `hop` frames apart, the last one ending at the last frame.
    Windows {
        /// Frames per window.
        length: usize,
        /// Frames from one window's start to the next.
        hop: usize,
    },
}

/// One part of a recording and what the model says of it; as JSON, `start` and `end` beside the
/// [`Prediction`]'s fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    /// First frame.
    pub start: usize,
    /// One past the last frame.
    pub end: usize,
    /// The model's decision on this part alone.
    #[serde(flatten)]
    pub prediction: Prediction,
}

/// The verdict on a whole recording; as JSON, the [`Prediction`]'s fields beside `frames`, `cut`
/// and `segments`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Frames in the recording.
    pub frames: usize,
    /// How it was cut.
    pub cut: Cut,
    /// The parts, in order; together they cover every frame of every pass (the turns of a walk
    /// that turns are left out: [`passes`](gait_features::passes())).
    pub segments: Vec<Segment>,
    /// The decision on the whole: from each class's probability, the geometric mean over the
    /// segments, renormalised (for Normal and Abnormal: the mean log-odds). Decided by the
    /// model's own rule ([`Classifier::decide`]).
    #[serde(flatten)]
    pub prediction: Prediction,
}

/// Classifies the whole recording `file` (an `N_landmarks.npy` or `N_angles.npy`) with `model`,
/// as [`Classifier::verdict`] does; a landmarks file is read once, for the features and the heel
/// strikes, and an angles file is cut at the strides of the landmarks beside it when it must be
/// cut and they are there.
pub fn predict_walk(model: &Classifier, file: &Path, options: &WalkOptions) -> Result<Verdict> {
    let feature_set = model.feature_set();
    let clip = file
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(ClipFile::parse);
    if let Some((_, ClipFile::Landmarks)) = clip {
        let landmarks = read_landmarks(file)?;
        let features = features_of_landmarks(file, &landmarks, feature_set)?;
        return model.verdict(&features, Some(&landmarks), options);
    }
    let features = features_of_file(file, feature_set)?;
    let landmarks = match (clip, file.parent()) {
        (Some((name, _)), Some(dir)) if options.always || features.frames() > model.config().max_len => {
            read_landmarks(&ClipFile::Landmarks.path(dir, name)).ok()
        }
        _ => None,
    };
    model.verdict(&features, landmarks.as_ref(), options)
}

impl Classifier {
    /// The verdict on a whole recording's `features`: a recording longer than the model's length
    /// (or any, with `options.always`) is cut as the model's training clips were
    /// ([`ModelConfig::clips`](crate::ModelConfig::clips)): at heel strikes when its `landmarks`
    /// (frame for frame the features') show them, as many strides a part as best matches the
    /// training clips' median length, otherwise into windows overlapping by half, of the
    /// training windows' length (or the model's); each part is classified, in batches, and the
    /// parts give one verdict. [`Verdict::cut`] says which.
    pub fn verdict(
        &self,
        features: &FeatureSequence,
        landmarks: Option<&Landmarks>,
        options: &WalkOptions,
    ) -> Result<Verdict> {
        let frames = features.frames();
        let clips = self.config().clips;
        // Windows as long as the training windows were; parts at most the model's length.
        let length = self.config().max_len;
        let window = clips
            .filter(|c| c.windows)
            .map_or(length, |c| c.median.clamp(1, length));
        // A walk that turns: each pass cut alone, the turns between them left out.
        let landmarks = landmarks.filter(|l| l.frames() == frames);
        let spans = match landmarks {
            Some(l) => passes(l, options.fps),
            None => std::iter::once(0..frames).collect(),
        };
        let one_pass = matches!(spans.as_slice(), [only] if *only == (0..frames));
        let (cut, parts) = if one_pass && frames <= window && !options.always {
            (Cut::Whole, vec![(0, frames)])
        } else {
            let mut cuts = Vec::new();
            let mut parts = Vec::new();
            for span in spans {
                // Strides longer than the model's length would be cut short: windows then.
                let strides = landmarks
                    .filter(|_| !clips.is_some_and(|c| c.windows))
                    .and_then(|l| l.frames_in(span.clone()).ok())
                    .and_then(|l| stride_parts(&l, span.len(), length, clips, options))
                    .filter(|(_, p)| p.iter().all(|(s, e)| e - s <= length));
                let (cut, within) = match strides {
                    Some((strides, within)) => (Cut::Strides { strides }, within),
                    None => {
                        let hop = (window / 2).max(1);
                        (
                            Cut::Windows { length: window, hop },
                            window_parts(span.len(), window, hop),
                        )
                    }
                };
                cuts.push(cut);
                parts.extend(within.into_iter().map(|(s, e)| (span.start + s, span.start + e)));
            }
            // One rule for the whole: strides only when every pass could be cut at them.
            let cut = cuts
                .iter()
                .copied()
                .find(|c| matches!(c, Cut::Windows { .. }))
                .or(cuts.first().copied())
                .unwrap_or(Cut::Whole);
            (cut, parts)
        };
        if parts.is_empty() {
            return Err(Error::Input(format!(
                "no pass of the walk's {frames} frames is long enough to classify"
            )));
        }
        let mut segments = Vec::with_capacity(parts.len());
        for batch in parts.chunks(BATCH) {
            let sequences: Vec<FeatureSequence> =
                batch.iter().map(|&(s, e)| features.frames_in(s..e)).collect();
            for (&(start, end), prediction) in batch.iter().zip(self.classify(&sequences)?) {
                segments.push(Segment {
                    start,
                    end,
                    prediction,
                });
            }
        }
        if let [only] = segments.as_slice() {
            return Ok(Verdict {
                frames,
                cut,
                prediction: only.prediction.clone(),
                segments,
            });
        }
        let classes = self.classes().len();
        let mut log_mean = vec![0.0f64; classes];
        for segment in &segments {
            for (sum, &(_, p)) in log_mean.iter_mut().zip(&segment.prediction.probabilities) {
                *sum += f64::from(p.max(FLOOR)).ln() / segments.len() as f64;
            }
        }
        let top = log_mean.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = log_mean.iter().map(|l| (l - top).exp()).sum();
        let probabilities: Vec<f32> = log_mean
            .iter()
            .map(|l| ((l - top).exp() / total) as f32)
            .collect();
        Ok(Verdict {
            frames,
            cut,
            segments,
            prediction: self.decide(probabilities),
        })
    }
}

/// Windows of `length` frames `hop` apart over `frames`, the last ending at the last frame.
fn window_parts(frames: usize, length: usize, hop: usize) -> Vec<(usize, usize)> {
    if frames <= length {
        return vec![(0, frames)];
    }
    let mut parts: Vec<(usize, usize)> = (0..)
        .map(|i| i * hop)
        .take_while(|&start| start + length < frames)
        .map(|start| (start, start + length))
        .collect();
    parts.push((frames - length, frames));
    parts
}

/// Segments of whole strides between the heel strikes of the foot with more of them, when the
/// events of `landmarks` can be found and show enough strides, and the landmarks have the
/// features' `frames` (the parts index both): as many strides a segment as the training `clips`
/// were long at their median (by this walk's median stride), or `options.strides` without them.
/// The strides a segment, and the segments; `None` otherwise.
fn stride_parts(
    landmarks: &Landmarks,
    frames: usize,
    length: usize,
    clips: Option<TrainingClips>,
    options: &WalkOptions,
) -> Option<(usize, Vec<(usize, usize)>)> {
    if landmarks.frames() != frames {
        return None;
    }
    let axes = BodyAxes::estimate(landmarks).ok()?;
    let mut event_options = EventOptions::default();
    event_options.fps = options.fps;
    let events = detect_events(landmarks, &axes, &event_options).ok()?;
    let strikes = events.heel_strikes.iter().max_by_key(|s| s.len())?;
    let mut strides: Vec<usize> = strikes.windows(2).map(|w| w[1] - w[0]).collect();
    strides.sort_unstable();
    let k = match (clips, strides.get(strides.len() / 2)) {
        (Some(c), Some(&stride)) if stride > 0 => ((c.median as f64 / stride as f64).round() as usize).max(1),
        _ => options.strides.max(1),
    };
    if strikes.len() < k + 1 {
        return None;
    }
    let mut parts: Vec<(usize, usize)> = strikes.windows(k + 1).map(|w| (w[0], w[k])).collect();
    // The frames before the first strike and after the last: the most whole strides from the
    // start, and to the end, that the model takes (at least one).
    let (first, last) = (strikes[0], strikes[strikes.len() - 1]);
    if first > 0 {
        let to = strikes
            .iter()
            .copied()
            .filter(|&s| s <= length)
            .max()
            .unwrap_or(strikes[1]);
        parts.insert(0, (0, to.max(strikes[1])));
    }
    if last < frames {
        let from = strikes
            .iter()
            .copied()
            .filter(|&s| s + length >= frames)
            .min()
            .unwrap_or(last);
        parts.push((from.min(strikes[strikes.len() - 2]), frames));
    }
    Some((k, parts))
}
