//! Training: a validation part split off by recording, Adam on class-weighted cross-entropy in
//! shuffled batches, early stopping on validation loss with the best weights restored.

use std::collections::BTreeMap;

use candle_core::{D, Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use gait_features::{FeatureSet, Normalizer};
use gait_io::{Class, FeatureSequence};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::classifier::Classifier;
use crate::config::{ModelConfig, TrainingClips};
use crate::error::{Error, Result};
use crate::example::Example;
use crate::network::Network;
use crate::options::{Augmentation, ClassWeights, TrainOptions};

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
    /// Each sequence's steps up to the one it is read at.
    steps: Vec<u32>,
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
        options.check()?;
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
        let mut config = ModelConfig::new(feature_set, columns.to_vec(), options.max_len);
        config.classes = classes.iter().map(|c| c.name().to_string()).collect();
        config.ensemble = options.ensemble;
        config.clips = TrainingClips::of(examples.iter().map(|e| e.sequence.frames()));
        let mut members = Vec::with_capacity(options.ensemble);
        let mut histories = Vec::with_capacity(options.ensemble);
        for member in 0..options.ensemble {
            let seed = options.member_seed(member);
            let (train, val) = split_by_recording(examples, &classes, options.validation_fraction, seed);
            // The first member's training part fits the normaliser all members share.
            if config.normalizer.is_none() {
                let sequences: Vec<FeatureSequence> = train.iter().map(|e| e.sequence.clone()).collect();
                config.normalizer = Some(Normalizer::fit(&sequences, options.max_len)?);
            }
            let trainer = Trainer {
                network: Network::init(&config, seed)?,
                class_weight: class_weights(&train, &classes, options.class_weights),
                config: &config,
                classes: &classes,
            };
            let history = trainer.run(&train, &val, options, seed, member, &mut on_epoch)?;
            members.push(trainer.network);
            histories.push(history);
        }
        Ok((Classifier::new(config, members), histories))
    }
}

/// Per-class loss weights. Balanced: each class weighs alike, n / (k n_c); a class with no
/// training example (all its recordings held out) weighs nothing.
fn class_weights(train: &[&Example], classes: &[Class], weights: ClassWeights) -> Vec<f32> {
    let k = classes.len();
    classes
        .iter()
        .map(|class| match weights {
            ClassWeights::Uniform => 1.0,
            ClassWeights::Balanced => {
                let n = train.iter().filter(|e| e.class == *class).count();
                if n == 0 {
                    0.0
                } else {
                    train.len() as f32 / (k as f32 * n as f32)
                }
            }
        })
        .collect()
}

/// One network in training, with what turns examples into its input and loss.
struct Trainer<'a> {
    network: Network,
    config: &'a ModelConfig,
    /// The model's classes, sorted: a label is its place here.
    classes: &'a [Class],
    /// Loss weight of each class.
    class_weight: Vec<f32>,
}

impl Trainer<'_> {
    /// Trains the network on `train`, watching `val` (the training loss without one), and
    /// leaves it with the weights of its best epoch.
    fn run(
        &self,
        train: &[&Example],
        val: &[&Example],
        options: &TrainOptions,
        seed: u64,
        member: usize,
        on_epoch: &mut impl FnMut(&EpochReport),
    ) -> Result<History> {
        let train_set = self.prepared(train)?;
        let val_set = if val.is_empty() {
            None
        } else {
            Some(self.prepared(val)?)
        };
        let params = ParamsAdamW {
            lr: options.learning_rate,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-7,
            weight_decay: 0.0,
        };
        let mut optimizer = AdamW::new(self.network.vars(), params)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(1));
        let mut history = History {
            epochs: Vec::new(),
            best_epoch: 0,
            recordings: [recordings(train), recordings(val)],
        };
        let mut best = (f64::INFINITY, self.network.snapshot()?);
        // Its own generator, so that training without augmentation draws what it always drew.
        let mut augment_rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(4));
        for epoch in 1..=options.epochs {
            let augmented = match options.augmentation {
                Some(a) => Some(self.augmented(train, a, &mut augment_rng)?),
                None => None,
            };
            let epoch_set = augmented.as_ref().unwrap_or(&train_set);
            let mut order: Vec<u32> = (0..train_set.len as u32).collect();
            order.shuffle(&mut rng);
            let (mut loss_sum, mut weight_sum, mut correct) = (0.0, 0.0, 0.0);
            for batch in bucketed(order, &epoch_set.steps, options.batch_size, &mut rng) {
                let batch = batch.as_slice();
                let index = Tensor::from_slice(batch, batch.len(), &Device::Cpu)?;
                let (loss, weight, hits) = self.loss(epoch_set, Some(&index), true)?;
                optimizer.backward_step(&loss)?;
                loss_sum += f64::from(loss.to_scalar::<f32>()?) * weight;
                weight_sum += weight;
                correct += hits;
            }
            let (val_loss, val_accuracy) = match &val_set {
                Some(v) => {
                    let (loss, _, hits) = self.loss(v, None, false)?;
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
                best = (watched, self.network.snapshot()?);
                history.best_epoch = epoch;
            } else if epoch - history.best_epoch >= options.patience {
                break;
            }
        }
        self.network.restore(&best.1)?;
        Ok(history)
    }

    /// The training set of one epoch: every sequence warped in time, then standardised, noised.
    fn augmented(&self, examples: &[&Example], a: Augmentation, rng: &mut ChaCha8Rng) -> Result<Prepared> {
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
        let mut set = self.prepared(&refs)?;
        let noise: Vec<f32> = (0..set.x.elem_count())
            .map(|_| (a.noise * rng.sample::<f64, _>(rand_distr::StandardNormal)) as f32)
            .collect();
        set.x = (&set.x + Tensor::from_vec(noise, set.x.shape(), &Device::Cpu)?)?;
        Ok(set)
    }

    fn prepared(&self, examples: &[&Example]) -> Result<Prepared> {
        let sequences: Vec<&FeatureSequence> = examples.iter().map(|e| &e.sequence).collect();
        let (x, last) = self.config.input(&sequences)?;
        let steps = last.to_vec1::<u32>()?.into_iter().map(|l| l + 1).collect();
        let index = |e: &Example| {
            self.classes
                .binary_search(&e.class)
                .expect("a class of the examples")
        };
        let labels: Vec<u32> = examples.iter().map(|e| index(e) as u32).collect();
        let weights: Vec<f32> = examples.iter().map(|e| self.class_weight[index(e)]).collect();
        Ok(Prepared {
            x,
            last,
            steps,
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
        let logits = self.network.forward_t(&x, &last, train)?;
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

/// Batches in a group of this many are made of sequences of like length.
const BUCKET_BATCHES: usize = 20;

/// The shuffled `order` cut into batches of `size` sequences of like length, in a random order:
/// each run of [`BUCKET_BATCHES`] batches' worth sorted by `steps` (stably) and cut, then all the
/// batches shuffled. A batch runs only to its longest sequence
/// ([`Network::forward_t`](crate::Network::forward_t)); clips of one length keep their shuffle.
fn bucketed(order: Vec<u32>, steps: &[u32], size: usize, rng: &mut ChaCha8Rng) -> Vec<Vec<u32>> {
    let size = size.max(1);
    let mut batches: Vec<Vec<u32>> = Vec::with_capacity(order.len().div_ceil(size));
    for group in order.chunks(size * BUCKET_BATCHES) {
        let mut group = group.to_vec();
        group.sort_by_key(|&i| steps[i as usize]);
        batches.extend(group.chunks(size).map(<[u32]>::to_vec));
    }
    batches.shuffle(rng);
    batches
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
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::bucketed;

    #[test]
    fn batches_hold_every_sequence_once_grouped_by_length() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let steps: Vec<u32> = (0..1000).map(|_| rng.random_range(20..=110)).collect();
        let mut order: Vec<u32> = (0..1000).collect();
        order.shuffle(&mut rng);
        let batches = bucketed(order.clone(), &steps, 32, &mut rng);
        let mut seen: Vec<u32> = batches.iter().flatten().copied().collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..1000).collect::<Vec<_>>());
        // Groups of 20 batches' worth (640): one short batch, at the end of the second.
        assert_eq!(batches.iter().filter(|b| b.len() < 32).count(), 1);
        // Sorted within each group of 20 batches: a batch spans about a twentieth of the lengths
        // (20 to 110 here), where shuffled batches span nearly all.
        let spread = |b: &Vec<u32>| {
            let lengths = b.iter().map(|&i| steps[i as usize]);
            lengths.clone().max().unwrap() - lengths.min().unwrap()
        };
        let mean = batches.iter().map(spread).sum::<u32>() as f64 / batches.len() as f64;
        assert!(mean < 15.0, "{mean}");
        let shuffled: Vec<Vec<u32>> = order.chunks(32).map(<[u32]>::to_vec).collect();
        assert!(shuffled.iter().map(spread).sum::<u32>() as f64 / shuffled.len() as f64 > 70.0);
        // Clips of one length: the batches are the shuffle's, in another order.
        let same = vec![40u32; 1000];
        let mut batches = bucketed(order.clone(), &same, 32, &mut rng);
        batches.sort();
        let mut expected = shuffled;
        expected.sort();
        assert_eq!(batches, expected);
    }
}
