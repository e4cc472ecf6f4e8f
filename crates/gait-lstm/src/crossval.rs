//! Cross-validation by group (subject): every example is predicted once, by a model trained
//! without its group, and the out-of-fold predictions are scored together.

use std::collections::BTreeMap;

use gait_io::Class;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::classifier::Classifier;
use crate::error::{Error, Result};
use crate::example::Example;
use crate::metrics::{ClassMetrics, Evaluation, Metrics};
use crate::options::TrainOptions;

/// How the groups are dealt into folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Folds {
    /// `k` folds of whole groups, each class's groups spread over them (shuffled by the seed).
    K(usize),
    /// One fold per group.
    LeaveOneGroupOut,
}

/// One seed's cross-validation: which fold each example was in, what the model that never saw
/// its group said of it, and the score of all of them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedResult {
    /// The training seed (also the seed of the folds' deal).
    pub seed: u64,
    /// The fold of each example.
    pub fold: Vec<usize>,
    /// Each example's class probabilities (in the order of [`CrossValidation::classes`]), from
    /// the model of its fold.
    pub probabilities: Vec<Vec<f32>>,
    /// The pooled out-of-fold metrics.
    pub evaluation: Evaluation,
}

/// A cross-validation over seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossValidation {
    /// The classes of all the examples, in class order.
    pub classes: Vec<String>,
    /// The groups, in order; `group[i]` of the examples indexes it.
    pub groups: Vec<String>,
    /// Decisions taken about the data (a class found in one group only, say), for the report.
    pub notes: Vec<String>,
    /// One result per seed.
    pub seeds: Vec<SeedResult>,
}

impl CrossValidation {
    /// Cross-validates training with `options` on `examples`, grouped by `groups` (one name per
    /// example: the subject), dealt into `folds`, once per seed of `seeds`. `on_fold(seed, fold,
    /// folds)` is called as each fold's model is done.
    pub fn run(
        examples: &[Example],
        groups: &[String],
        folds: Folds,
        options: &TrainOptions,
        seeds: &[u64],
        mut on_fold: impl FnMut(u64, usize, usize),
    ) -> Result<CrossValidation> {
        if examples.len() != groups.len() {
            return Err(Error::Input(format!(
                "{} examples but {} group names: give one per example",
                examples.len(),
                groups.len()
            )));
        }
        if seeds.is_empty() {
            return Err(Error::Input("no seeds: give at least one".into()));
        }
        let mut classes: Vec<Class> = examples.iter().map(|e| e.class.clone()).collect();
        classes.sort();
        classes.dedup();
        if classes.len() < 2 {
            return Err(Error::Input(format!(
                "the examples are all of one class ({}): nothing to tell apart",
                classes.first().map_or("none".into(), ToString::to_string)
            )));
        }
        let mut names: Vec<String> = groups.to_vec();
        names.sort();
        names.dedup();
        let group: Vec<usize> = groups
            .iter()
            .map(|g| names.binary_search(g).expect("a group of the list"))
            .collect();
        let k = match folds {
            Folds::K(k) if k < 2 || k > names.len() => {
                return Err(Error::Input(format!(
                    "{k} folds of {} groups: give 2 to {} folds, or leave one group out",
                    names.len(),
                    names.len()
                )));
            }
            Folds::K(k) => k,
            Folds::LeaveOneGroupOut if names.len() < 2 => {
                return Err(Error::Input("one group: nothing to leave out".into()));
            }
            Folds::LeaveOneGroupOut => names.len(),
        };
        // A class all of whose examples are in one group cannot be learnt when that group is
        // left out: said, and kept (its walks are then called something else, and count so).
        let mut groups_of: BTreeMap<&Class, Vec<usize>> = BTreeMap::new();
        for (e, &g) in examples.iter().zip(&group) {
            groups_of.entry(&e.class).or_default().push(g);
        }
        let notes: Vec<String> = groups_of
            .iter()
            .filter_map(|(class, gs)| {
                let mut gs = gs.clone();
                gs.sort();
                gs.dedup();
                (gs.len() == 1).then(|| {
                    format!(
                        "class {class} is found in one group only ({}): the model of its fold never sees the class, so its walks count as misclassified there",
                        names[gs[0]]
                    )
                })
            })
            .collect();
        let class_names: Vec<String> = classes.iter().map(|c| c.name().to_string()).collect();
        let truth: Vec<usize> = examples
            .iter()
            .map(|e| classes.binary_search(&e.class).expect("a class of the list"))
            .collect();
        let mut results = Vec::with_capacity(seeds.len());
        for &seed in seeds {
            let fold_of_group = deal(&group, &truth, names.len(), k, folds, seed);
            let fold: Vec<usize> = group.iter().map(|&g| fold_of_group[g]).collect();
            let mut probabilities = vec![Vec::new(); examples.len()];
            for f in 0..k {
                let (train, held): (Vec<usize>, Vec<usize>) =
                    (0..examples.len()).partition(|&i| fold[i] != f);
                if held.is_empty() {
                    continue;
                }
                let training: Vec<Example> = train.iter().map(|&i| examples[i].clone()).collect();
                let options = TrainOptions {
                    seed,
                    ..options.clone()
                };
                let (model, _) = Classifier::fit(&training, &options)?;
                // The fold's model may lack a class: its outputs go to the places of its own.
                let places: Vec<usize> = model
                    .classes()
                    .iter()
                    .map(|c| classes.binary_search(c).expect("a class of the examples"))
                    .collect();
                let held_out: Vec<&Example> = held.iter().map(|&i| &examples[i]).collect();
                let predicted = model.predict_probabilities(held_out.iter().map(|e| &e.sequence))?;
                for (&i, p) in held.iter().zip(predicted) {
                    let mut full = vec![0.0; classes.len()];
                    for (&place, v) in places.iter().zip(p) {
                        full[place] = v;
                    }
                    probabilities[i] = full;
                }
                on_fold(seed, f, k);
            }
            let evaluation = pooled(&probabilities, &truth, &class_names)?;
            results.push(SeedResult {
                seed,
                fold,
                probabilities,
                evaluation,
            });
        }
        Ok(CrossValidation {
            classes: class_names,
            groups: names,
            notes,
            seeds: results,
        })
    }
}

/// The metrics of pooled probabilities, as [`Classifier::evaluate`] scores a test split.
fn pooled(probabilities: &[Vec<f32>], truth: &[usize], classes: &[String]) -> Result<Evaluation> {
    if Class::is_binary(classes) {
        let p_abnormal: Vec<f32> = probabilities.iter().map(|p| p[1]).collect();
        Ok(Evaluation::Binary(Metrics::compute(&p_abnormal, truth)?))
    } else {
        Ok(Evaluation::Classes(ClassMetrics::compute(
            probabilities,
            truth,
            classes,
        )?))
    }
}

/// The fold of each of `groups` groups: one each for leave-one-group-out; otherwise the groups
/// of each class (by the class most of their examples have), shuffled by `seed`, dealt in turn
/// so that every fold gets some of each class.
fn deal(group: &[usize], truth: &[usize], groups: usize, k: usize, folds: Folds, seed: u64) -> Vec<usize> {
    if folds == Folds::LeaveOneGroupOut {
        return (0..groups).collect();
    }
    let mut counts: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for (&g, &c) in group.iter().zip(truth) {
        *counts.entry((g, c)).or_default() += 1;
    }
    let mut class_of = vec![0usize; groups];
    let mut most = vec![0usize; groups];
    for (&(g, c), &n) in &counts {
        if n > most[g] {
            (most[g], class_of[g]) = (n, c);
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(3));
    let mut order: Vec<usize> = (0..groups).collect();
    order.shuffle(&mut rng);
    order.sort_by_key(|&g| class_of[g]);
    let mut fold = vec![0usize; groups];
    for (i, &g) in order.iter().enumerate() {
        fold[g] = i % k;
    }
    fold
}
