//! Training: a validation part split off by recording, Adam on class-weighted cross-entropy in
//! shuffled batches, early stopping on validation loss with the best weights restored.

use std::collections::BTreeMap;

use candle_core::{D, Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use gait_features::{DEFAULT_MAX_LEN, FeatureSet, Normalizer};
use gait_io::{Class, FeatureSequence};
use serde::{Deserialize, Serialize};

use crate::classifier::Classifier;
use crate::config::{MAX_MEMBERS, ModelConfig};
use crate::error::{Error, Result};
use crate::example::Example;
use crate::network::Network;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

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

/// Label-keeping changes to training sequences: a walk slightly faster or slower, measured with
/// a little more noise, is the same walk.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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
    fn warp(sequence: &FeatureSequence, factor: f64) -> FeatureSequence {
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

/// Loss and accuracy after one epoch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochReport {
    /// The ensemble member trained (0 for the first or only one).
    #[serde(default)]
    pub member: usize,
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean weighted loss over the epoch's batches.
    pub train_loss: f64,
    /// Accuracy over the epoch's batches.
    pub train_accuracy: f64,
    /// Weighted loss on the validation part (`NaN` without one).
    pub val_loss: f64,
    /// Accuracy on the validation part.
    pub val_accuracy: f64,
}

/// What training did to one network (of an ensemble: one each, in member order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// One report per epoch run.
    pub epochs: Vec<EpochReport>,
    /// The epoch whose weights were kept.
    pub best_epoch: usize,
    /// Recordings used for training and for validation.
    pub recordings: [usize; 2],
}

/// Tensors of a prepared set: inputs, read steps, labels and per-sample loss weights.
struct Prepared {
    x: Tensor,
    last: Tensor,
    labels: Tensor,
    weights: Tensor,
    len: usize,
}

impl Classifier {
    /// Trains a new classifier on `examples`, which all have the columns of one feature set:
    /// the model takes that set.
    /// Returns the model and what training did, one [`History`] per network of the ensemble.
    pub fn fit(examples: &[Example], options: &TrainOptions) -> Result<(Classifier, Vec<History>)> {
        Classifier::fit_with_progress(examples, options, |_| {})
    }

    /// [`fit`](Self::fit), calling `on_epoch` after every epoch (for a progress display).
    pub fn fit_with_progress(
        examples: &[Example],
        options: &TrainOptions,
        mut on_epoch: impl FnMut(&EpochReport),
    ) -> Result<(Classifier, Vec<History>)> {
        let first = examples
            .first()
            .ok_or_else(|| Error::Input("no training examples".into()))?;
        let columns = first.sequence.columns();
        let feature_set = FeatureSet::of_columns(columns).ok_or_else(|| Error::UnknownColumns {
            found: columns.to_vec(),
            seed: FeatureSet::Seed
                .columns()
                .iter()
                .map(ToString::to_string)
                .collect(),
            default: FeatureSet::Default
                .columns()
                .iter()
                .map(ToString::to_string)
                .collect(),
        })?;
        if let Some((index, other)) = examples
            .iter()
            .enumerate()
            .find(|(_, e)| e.sequence.columns() != columns)
        {
            return Err(Error::ColumnMismatch {
                index,
                expected: columns.to_vec(),
                found: other.sequence.columns().to_vec(),
            });
        }
        if options.batch_size == 0 || options.max_len == 0 {
            return Err(Error::Input("batch size and max_len must be positive".into()));
        }
        if options.epochs == 0 {
            return Err(Error::Input(
                "epochs must be at least 1: a model trained for none predicts nothing".into(),
            ));
        }
        if !(1..=MAX_MEMBERS).contains(&options.ensemble) {
            return Err(Error::Input(format!(
                "an ensemble of {} networks: give 1 to {MAX_MEMBERS}",
                options.ensemble
            )));
        }
        // The classes, in class order (Normal first): the network's outputs.
        let mut classes: Vec<Class> = examples.iter().map(|e| e.class.clone()).collect();
        classes.sort();
        classes.dedup();
        if let [only] = classes.as_slice() {
            return Err(Error::Input(format!(
                "all {} training examples are {only}: a classifier needs examples of at least two classes",
                examples.len()
            )));
        }
        let mut config = ModelConfig::new(feature_set, first.sequence.columns().to_vec(), options.max_len);
        config.classes = classes.iter().map(|c| c.name().to_string()).collect();
        config.ensemble = options.ensemble;
        let mut members = Vec::with_capacity(options.ensemble);
        let mut histories = Vec::with_capacity(options.ensemble);
        for member in 0..options.ensemble {
            let options = TrainOptions {
                seed: options.seed.wrapping_add(member as u64 * MEMBER_SEED_STRIDE),
                ..options.clone()
            };
            let (network, history) =
                train_member(examples, &classes, &mut config, &options, member, &mut on_epoch)?;
            members.push(network);
            histories.push(history);
        }
        Ok((Classifier::new(config, members), histories))
    }

    /// The training set of one epoch: every sequence warped in time, then standardised, noised.
    fn augmented(
        &self,
        examples: &[&Example],
        classes: &[Class],
        class_weight: &[f32],
        a: Augmentation,
        rng: &mut ChaCha8Rng,
    ) -> Result<Prepared> {
        let warped: Vec<Example> = examples
            .iter()
            .map(|e| Example {
                sequence: Augmentation::warp(
                    &e.sequence,
                    1.0 + a.time_warp * (2.0 * rng.random::<f64>() - 1.0),
                ),
                class: e.class.clone(),
                recording: e.recording.clone(),
            })
            .collect();
        let refs: Vec<&Example> = warped.iter().collect();
        let mut set = self.prepared(&refs, classes, class_weight)?;
        let noise: Vec<f32> = (0..set.x.elem_count())
            .map(|_| (a.noise * rng.sample::<f64, _>(rand_distr::StandardNormal)) as f32)
            .collect();
        set.x = (&set.x + Tensor::from_vec(noise, set.x.shape(), &Device::Cpu)?)?;
        Ok(set)
    }

    fn prepared(&self, examples: &[&Example], classes: &[Class], class_weight: &[f32]) -> Result<Prepared> {
        let sequences: Vec<&FeatureSequence> = examples.iter().map(|e| &e.sequence).collect();
        let (x, last) = self.prepare(&sequences)?;
        let index = |e: &Example| classes.binary_search(&e.class).expect("a class of the examples");
        let labels: Vec<u32> = examples.iter().map(|e| index(e) as u32).collect();
        let weights: Vec<f32> = examples.iter().map(|e| class_weight[index(e)]).collect();
        Ok(Prepared {
            x,
            last,
            labels: Tensor::from_vec(labels, examples.len(), &Device::Cpu)?,
            weights: Tensor::from_vec(weights, examples.len(), &Device::Cpu)?,
            len: examples.len(),
        })
    }

    /// Weighted mean cross-entropy of the rows `index` of `set` (all rows if `None`); with the
    /// total weight and the number of right predictions. With `train`, the loss can be
    /// differentiated.
    fn loss(&self, set: &Prepared, index: Option<&Tensor>, train: bool) -> Result<(Tensor, f64, f64)> {
        let pick = |t: &Tensor| -> Result<Tensor> {
            Ok(match index {
                Some(i) => t.index_select(i, 0)?,
                None => t.clone(),
            })
        };
        let (x, last, labels, weights) = (
            pick(&set.x)?,
            pick(&set.last)?,
            pick(&set.labels)?,
            pick(&set.weights)?,
        );
        let logits = self.network().forward_t(&x, &last, train)?;
        let log_p = candle_nn::ops::log_softmax(&logits, D::Minus1)?;
        let nll = log_p.gather(&labels.unsqueeze(1)?, 1)?.squeeze(1)?.neg()?;
        let total = f64::from(weights.sum_all()?.to_scalar::<f32>()?);
        let loss = ((nll * &weights)?.sum_all()? / total.max(1e-12))?;
        let predicted = logits.argmax(D::Minus1)?;
        let hits = f64::from(
            predicted
                .eq(&labels)?
                .to_dtype(candle_core::DType::F32)?
                .sum_all()?
                .to_scalar::<f32>()?,
        );
        Ok((loss, total, hits))
    }
}

/// Trains one network on `examples` (its validation part split off by `options.seed`); the
/// first member also fits `config`'s normaliser on its training part.
fn train_member(
    examples: &[Example],
    classes: &[Class],
    config: &mut ModelConfig,
    options: &TrainOptions,
    member: usize,
    on_epoch: &mut impl FnMut(&EpochReport),
) -> Result<(Network, History)> {
    let index = |class: &Class| classes.binary_search(class).expect("a class of the examples");
    let (train, val) = split_by_recording(examples, classes, options.validation_fraction, options.seed);
    let train_sequences: Vec<FeatureSequence> = train.iter().map(|e| e.sequence.clone()).collect();
    if config.normalizer.is_none() {
        config.normalizer = Some(Normalizer::fit(&train_sequences, options.max_len)?);
    }
    let classifier = Classifier::new(config.clone(), vec![Network::init(config, options.seed)?]);

    // Balanced: each class weighs alike, n / (k n_c); a class with no training example (all
    // its recordings held out) weighs nothing.
    let k = classes.len();
    let class_weight: Vec<f32> = (0..k)
        .map(|c| match options.class_weights {
            ClassWeights::Uniform => 1.0,
            ClassWeights::Balanced => {
                let n = train.iter().filter(|e| index(&e.class) == c).count();
                if n == 0 {
                    0.0
                } else {
                    train.len() as f32 / (k as f32 * n as f32)
                }
            }
        })
        .collect();
    let train_set = classifier.prepared(&train, classes, &class_weight)?;
    let val_set = if val.is_empty() {
        None
    } else {
        Some(classifier.prepared(&val, classes, &class_weight)?)
    };

    let params = ParamsAdamW {
        lr: options.learning_rate,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-7,
        weight_decay: 0.0,
    };
    let mut optimizer = AdamW::new(classifier.vars(), params)?;
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed.wrapping_add(1));
    let mut history = History {
        epochs: Vec::new(),
        best_epoch: 0,
        recordings: [recordings(&train), recordings(&val)],
    };
    let mut best = (f64::INFINITY, classifier.snapshot()?);
    // Its own generator, so that training without augmentation draws what it always drew.
    let mut augment_rng = ChaCha8Rng::seed_from_u64(options.seed.wrapping_add(4));
    for epoch in 1..=options.epochs {
        let augmented = match options.augmentation {
            Some(a) => Some(classifier.augmented(&train, classes, &class_weight, a, &mut augment_rng)?),
            None => None,
        };
        let epoch_set = augmented.as_ref().unwrap_or(&train_set);
        let mut order: Vec<u32> = (0..train_set.len as u32).collect();
        order.shuffle(&mut rng);
        let (mut loss_sum, mut weight_sum, mut correct) = (0.0, 0.0, 0.0);
        for batch in order.chunks(options.batch_size) {
            let index = Tensor::from_slice(batch, batch.len(), &Device::Cpu)?;
            let (loss, weight, hits) = classifier.loss(epoch_set, Some(&index), true)?;
            optimizer.backward_step(&loss)?;
            loss_sum += f64::from(loss.to_scalar::<f32>()?) * weight;
            weight_sum += weight;
            correct += hits;
        }
        let (val_loss, val_accuracy) = match &val_set {
            Some(v) => {
                let (loss, _, hits) = classifier.loss(v, None, false)?;
                (f64::from(loss.to_scalar::<f32>()?), hits / v.len as f64)
            }
            None => (f64::NAN, f64::NAN),
        };
        let report = EpochReport {
            member,
            epoch,
            train_loss: loss_sum / weight_sum,
            train_accuracy: correct / train_set.len as f64,
            val_loss,
            val_accuracy,
        };
        on_epoch(&report);
        history.epochs.push(report);
        // Without a validation part, the training loss decides.
        let watched = if val_set.is_some() {
            val_loss
        } else {
            report.train_loss
        };
        if watched < best.0 {
            best = (watched, classifier.snapshot()?);
            history.best_epoch = epoch;
        } else if epoch - history.best_epoch >= options.patience {
            break;
        }
    }
    classifier.restore(&best.1)?;
    Ok((classifier.into_first(), history))
}

fn recordings(examples: &[&Example]) -> usize {
    let mut names: Vec<(&str, &Class)> = examples
        .iter()
        .map(|e| (e.recording.as_str(), &e.class))
        .collect();
    names.sort();
    names.dedup();
    names.len()
}

/// Splits off `fraction` of the recordings of each class (at least one when the class has two or
/// more) for validation.
fn split_by_recording<'a>(
    examples: &'a [Example],
    classes: &[Class],
    fraction: f64,
    seed: u64,
) -> (Vec<&'a Example>, Vec<&'a Example>) {
    let mut by_recording: BTreeMap<(&Class, &str), Vec<&Example>> = BTreeMap::new();
    for e in examples {
        by_recording
            .entry((&e.class, e.recording.as_str()))
            .or_default()
            .push(e);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(2));
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for class in classes {
        let mut keys: Vec<(&Class, &str)> = by_recording.keys().copied().filter(|k| k.0 == class).collect();
        keys.shuffle(&mut rng);
        let mut held = (keys.len() as f64 * fraction).round() as usize;
        if fraction > 0.0 && keys.len() >= 2 {
            held = held.clamp(1, keys.len() - 1);
        }
        for (i, key) in keys.iter().enumerate() {
            let target = if i < held { &mut val } else { &mut train };
            target.extend(by_recording[key].iter().copied());
        }
    }
    (train, val)
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
