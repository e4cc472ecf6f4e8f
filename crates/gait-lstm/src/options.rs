//! [`TrainOptions`]: how a classifier is trained, checked in one place before training starts.

use gait_features::DEFAULT_MAX_LEN;
use gait_io::FeatureSequence;
use serde::{Deserialize, Serialize};

use crate::config::MAX_MEMBERS;
use crate::error::{Error, Result};

/// How to weigh the two classes in the loss.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ClassWeights {
    /// Inverse class frequency in the training part, so each class counts alike.
    Balanced,
    /// Every sample counts alike.
    Uniform,
}

/// Training options; the defaults suit small, imbalanced data sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TrainOptions {
    /// Most passes over the training part.
    pub epochs: usize,
    /// Sequences per optimiser step.
    pub batch_size: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// Seed of initialisation, split and shuffling: same seed and data, same weights.
    pub seed: u64,
    /// Share of the training recordings (per class) held out for validation.
    pub validation_fraction: f64,
    /// Epochs without a better validation loss before stopping.
    pub patience: usize,
    /// Frames per sequence (cut or padded; the old pipeline's 110).
    pub max_len: usize,
    /// Class weighting of the loss.
    pub class_weights: ClassWeights,
    /// Label-keeping changes to the training sequences, drawn anew each epoch; `None` trains on
    /// them as they are.
    #[serde(default)]
    pub augmentation: Option<Augmentation>,
    /// Networks trained (each with its own seed and validation part) whose class probabilities
    /// are averaged. Three by default: measured by cross-validation over subjects on synthetic
    /// cohorts, three seeds each, they lift the Normal-vs-rest AUC and the worst seed's balanced
    /// accuracy (BENCHMARKS.md, "Quality").
    #[serde(default = "one")]
    pub ensemble: usize,
}

fn one() -> usize {
    1
}

/// Seeds of an ensemble's members are this far apart: member `m` trains with `seed + m` times it.
const MEMBER_SEED_STRIDE: u64 = 1_000_003;

impl TrainOptions {
    /// Checks every option, before any work; each refusal names the option and what it may be.
    /// [`Classifier::fit`](crate::Classifier::fit) calls it first.
    pub fn check(&self) -> Result<()> {
        let refuse = |reason: String| Err(Error::Input(reason));
        if self.batch_size == 0 || self.max_len == 0 {
            return refuse("batch size and max_len must be positive".into());
        }
        if self.epochs == 0 {
            return refuse("epochs must be at least 1: a model trained for none predicts nothing".into());
        }
        if !(1..=MAX_MEMBERS).contains(&self.ensemble) {
            return refuse(format!(
                "an ensemble of {} networks: give 1 to {MAX_MEMBERS}",
                self.ensemble
            ));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return refuse(format!(
                "a learning rate of {}: give a positive number (1e-3 by default)",
                self.learning_rate
            ));
        }
        if !(0.0..1.0).contains(&self.validation_fraction) {
            return refuse(format!(
                "a validation fraction of {}: give 0 (no validation part) up to, not including, 1",
                self.validation_fraction
            ));
        }
        if let Some(a) = self.augmentation
            && !(a.noise.is_finite() && a.noise >= 0.0 && (0.0..1.0).contains(&a.time_warp))
        {
            return refuse(format!(
                "augmentation noise {} and time warp {}: the noise is 0 or more, the warp 0 up to, not including, 1",
                a.noise, a.time_warp
            ));
        }
        Ok(())
    }

    /// The seed member `member` of an ensemble trains with.
    pub(crate) fn member_seed(&self, member: usize) -> u64 {
        self.seed.wrapping_add(member as u64 * MEMBER_SEED_STRIDE)
    }
}

/// Label-keeping changes to training sequences: a walk slightly faster or slower, measured with
/// a little more noise, is the same walk.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Augmentation {
    /// Standard deviation of Gaussian noise added to each standardised value.
    pub noise: f64,
    /// Each sequence is resampled in time by a factor drawn uniformly from `1 ± time_warp`.
    pub time_warp: f64,
}

impl Default for Augmentation {
    fn default() -> Self {
        Augmentation {
            noise: 0.05,
            time_warp: 0.1,
        }
    }
}

impl Augmentation {
    /// `sequence` resampled in time by `factor` (linear interpolation between frames; missing
    /// where either neighbour is).
    pub(crate) fn warp(sequence: &FeatureSequence, factor: f64) -> FeatureSequence {
        let frames = sequence.frames();
        let length = ((frames as f64 / factor).round() as usize).max(1);
        let values = sequence.values();
        let warped = ndarray::Array2::from_shape_fn((length, values.ncols()), |(i, c)| {
            let t = if length > 1 {
                i as f64 * (frames - 1) as f64 / (length - 1) as f64
            } else {
                0.0
            };
            let (lo, hi) = (t.floor() as usize, (t.ceil() as usize).min(frames - 1));
            let w = t - lo as f64;
            values[[lo, c]] * (1.0 - w) + values[[hi, c]] * w
        });
        FeatureSequence::new(sequence.columns().to_vec(), warped).expect("the same columns")
    }
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            epochs: 60,
            batch_size: 32,
            learning_rate: 1e-3,
            seed: 0,
            validation_fraction: 0.2,
            patience: 10,
            max_len: DEFAULT_MAX_LEN,
            class_weights: ClassWeights::Balanced,
            augmentation: None,
            ensemble: 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::*;

    #[test]
    fn a_warp_resamples_linearly_and_keeps_missing_values_missing() {
        // A ramp 0, 1, ..., 20 in one column; a gap in the other.
        let values = Array2::from_shape_fn(
            (21, 2),
            |(f, c)| {
                if c == 1 && f == 10 { f64::NAN } else { f as f64 }
            },
        );
        let ramp = FeatureSequence::new(vec!["a".into(), "b".into()], values).unwrap();
        let slower = Augmentation::warp(&ramp, 0.5);
        assert_eq!(slower.frames(), 42);
        // Frame i of 42 lies at 20 i / 41 of the ramp.
        for i in 0..42 {
            let want = 20.0 * i as f64 / 41.0;
            assert!((slower.get(i, 0).unwrap() - want).abs() < 1e-12, "{i}");
        }
        // Frames next to the gap are missing, others not.
        assert!(slower.is_missing(20, 1) && slower.is_missing(21, 1));
        assert!(!slower.is_missing(18, 1) && !slower.is_missing(23, 1));
        let faster = Augmentation::warp(&ramp, 2.0);
        assert_eq!(faster.frames(), 11);
        assert_eq!(faster.get(10, 0), Some(20.0));
    }
}
