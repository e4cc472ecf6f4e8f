//! How well predictions match the truth: [`Metrics`] for Normal against Abnormal,
//! [`ClassMetrics`] for gait patterns, [`Evaluation`] either.

use std::collections::BTreeMap;

use gait_io::Class;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The probability of Abnormal at and above which a walk is called Abnormal (by
/// [`Classifier::decide`](crate::Classifier::decide) and [`Metrics`]).
pub const DECISION_THRESHOLD: f32 = 0.5;

/// The index of the largest probability (the first of equal ones).
pub(crate) fn most_probable(p: &[f32]) -> usize {
    p.iter()
        .enumerate()
        .fold(
            (0, f32::NEG_INFINITY),
            |best, (c, &v)| if v > best.1 { (c, v) } else { best },
        )
        .0
}

/// Counts of a binary confusion matrix (positive = Abnormal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Confusion {
    /// Normal predicted Normal.
    pub tn: usize,
    /// Normal predicted Abnormal.
    pub fp: usize,
    /// Abnormal predicted Normal.
    #[serde(rename = "fn")]
    pub fn_: usize,
    /// Abnormal predicted Abnormal.
    pub tp: usize,
}

/// Classification quality on a labelled set, at [`DECISION_THRESHOLD`] (AUC over all thresholds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Share of samples classified right.
    pub accuracy: f64,
    /// Mean of the recalls of the two classes.
    pub balanced_accuracy: f64,
    /// Area under the ROC curve (ties count half); `NaN` with a single class.
    pub auc: f64,
    /// The confusion matrix.
    pub confusion: Confusion,
    /// Precision of Normal and Abnormal predictions.
    pub precision: [f64; 2],
    /// Recall of Normal and Abnormal samples.
    pub recall: [f64; 2],
    /// Number of samples.
    pub n_test: usize,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { f64::NAN } else { a as f64 / b as f64 }
}

impl Metrics {
    /// Metrics of `p_abnormal` against `labels` (0 Normal, 1 Abnormal), one label per score.
    pub fn compute(p_abnormal: &[f32], labels: &[usize]) -> Result<Metrics> {
        if p_abnormal.len() != labels.len() {
            return Err(Error::Input(format!(
                "metrics of {} scores against {} labels: give one label per score",
                p_abnormal.len(),
                labels.len()
            )));
        }
        if let Some(bad) = labels.iter().find(|&&y| y > 1) {
            return Err(Error::Input(format!(
                "label {bad}: labels are 0 (Normal) or 1 (Abnormal)"
            )));
        }
        let mut c = Confusion::default();
        for (&p, &y) in p_abnormal.iter().zip(labels) {
            match (y == 1, p >= DECISION_THRESHOLD) {
                (false, false) => c.tn += 1,
                (false, true) => c.fp += 1,
                (true, false) => c.fn_ += 1,
                (true, true) => c.tp += 1,
            }
        }
        let recall = [ratio(c.tn, c.tn + c.fp), ratio(c.tp, c.tp + c.fn_)];
        Ok(Metrics {
            accuracy: ratio(c.tn + c.tp, labels.len()),
            balanced_accuracy: (recall[0] + recall[1]) / 2.0,
            auc: auc(p_abnormal, labels),
            confusion: c,
            precision: [ratio(c.tn, c.tn + c.fn_), ratio(c.tp, c.tp + c.fp)],
            recall,
            n_test: labels.len(),
        })
    }
}

/// What [`Classifier::evaluate`](crate::Classifier::evaluate) measures: [`Metrics`] for the
/// classes `Normal` and `Abnormal` (the keys of the old `metrics.json`), [`ClassMetrics`] for
/// gait patterns. Serialised as the one inside.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Evaluation {
    /// Normal against Abnormal.
    Binary(Metrics),
    /// One class per gait pattern.
    Classes(ClassMetrics),
}

impl Evaluation {
    /// Share of walks classified right.
    pub fn accuracy(&self) -> f64 {
        match self {
            Evaluation::Binary(m) => m.accuracy,
            Evaluation::Classes(m) => m.accuracy,
        }
    }

    /// Mean recall over the classes.
    pub fn balanced_accuracy(&self) -> f64 {
        match self {
            Evaluation::Binary(m) => m.balanced_accuracy,
            Evaluation::Classes(m) => m.balanced_accuracy,
        }
    }

    /// Walks measured.
    pub fn n_test(&self) -> usize {
        match self {
            Evaluation::Binary(m) => m.n_test,
            Evaluation::Classes(m) => m.n_test,
        }
    }

    /// The classes in order, the true class by row and the predicted one by column.
    pub fn confusion(&self) -> (Vec<String>, Vec<Vec<usize>>) {
        match self {
            Evaluation::Binary(m) => (
                vec![Class::NORMAL.into(), Class::ABNORMAL.into()],
                vec![
                    vec![m.confusion.tn, m.confusion.fp],
                    vec![m.confusion.fn_, m.confusion.tp],
                ],
            ),
            Evaluation::Classes(m) => (m.classes.clone(), m.confusion.clone()),
        }
    }

    /// The area under the ROC curve of Normal against the rest, where there is a Normal class.
    pub fn normal_vs_rest_auc(&self) -> Option<f64> {
        match self {
            Evaluation::Binary(m) => Some(m.auc),
            Evaluation::Classes(m) => m.normal_vs_rest_auc,
        }
    }
}

/// Precision and recall of one class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassScore {
    /// Of the walks predicted to be this class, the share that are.
    pub precision: f64,
    /// Of the walks of this class, the share predicted so.
    pub recall: f64,
}

/// Classification quality for gait patterns (`k` classes), the predicted class the most probable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// The classes, in the model's order.
    pub classes: Vec<String>,
    /// Share of walks classified right.
    pub accuracy: f64,
    /// Mean recall over the classes that have walks.
    pub balanced_accuracy: f64,
    /// Mean F1 over the classes that have walks.
    pub macro_f1: f64,
    /// Precision and recall by class name.
    pub per_class: BTreeMap<String, ClassScore>,
    /// `k x k` counts: rows the true class, columns the predicted one, in the order of `classes`.
    pub confusion: Vec<Vec<usize>>,
    /// Area under the ROC curve of Normal against all the other classes (the screening
    /// question), scored by the probability of not being Normal; absent without a Normal class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normal_vs_rest_auc: Option<f64>,
    /// Number of walks.
    pub n_test: usize,
}

impl ClassMetrics {
    /// Metrics of `probabilities` (one row per walk, one column per class of `classes`) against
    /// the true class indices `truth`.
    pub fn compute(probabilities: &[Vec<f32>], truth: &[usize], classes: &[String]) -> Result<ClassMetrics> {
        let k = classes.len();
        if probabilities.len() != truth.len() {
            return Err(Error::Input(format!(
                "metrics of {} predictions against {} true classes: give one class per prediction",
                probabilities.len(),
                truth.len()
            )));
        }
        if let Some(bad) = probabilities.iter().find(|p| p.len() != k) {
            return Err(Error::Input(format!(
                "a prediction of {} probabilities for {k} classes",
                bad.len()
            )));
        }
        if let Some(bad) = truth.iter().find(|&&y| y >= k) {
            return Err(Error::Input(format!("class index {bad} of {k} classes")));
        }
        let mut confusion = vec![vec![0usize; k]; k];
        for (p, &y) in probabilities.iter().zip(truth) {
            confusion[y][most_probable(p)] += 1;
        }
        let mut per_class = BTreeMap::new();
        let (mut recalls, mut f1s) = (Vec::new(), Vec::new());
        for (c, name) in classes.iter().enumerate() {
            let hits = confusion[c][c];
            let actual: usize = confusion[c].iter().sum();
            let called: usize = confusion.iter().map(|row| row[c]).sum();
            let score = ClassScore {
                precision: ratio(hits, called),
                recall: ratio(hits, actual),
            };
            if actual > 0 {
                recalls.push(score.recall);
                let f1 = if hits == 0 {
                    0.0
                } else {
                    2.0 * score.precision * score.recall / (score.precision + score.recall)
                };
                f1s.push(f1);
            }
            per_class.insert(name.clone(), score);
        }
        let mean = |v: &[f64]| {
            if v.is_empty() {
                f64::NAN
            } else {
                v.iter().sum::<f64>() / v.len() as f64
            }
        };
        let normal_vs_rest_auc = classes.iter().position(|c| c == Class::NORMAL).map(|normal| {
            let scores: Vec<f32> = probabilities
                .iter()
                .map(|p| {
                    p.iter()
                        .enumerate()
                        .filter(|&(c, _)| c != normal)
                        .map(|(_, p)| p)
                        .sum()
                })
                .collect();
            let abnormal: Vec<usize> = truth.iter().map(|&y| usize::from(y != normal)).collect();
            auc(&scores, &abnormal)
        });
        Ok(ClassMetrics {
            classes: classes.to_vec(),
            accuracy: ratio((0..k).map(|c| confusion[c][c]).sum(), truth.len()),
            balanced_accuracy: mean(&recalls),
            macro_f1: mean(&f1s),
            per_class,
            confusion,
            normal_vs_rest_auc,
            n_test: truth.len(),
        })
    }
}

/// ROC AUC by the rank-sum: the probability that an Abnormal sample scores above a Normal one,
/// ties counted half.
fn auc(scores: &[f32], labels: &[usize]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (mut rank_sum, mut positives) = (0.0, 0usize);
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let mean_rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            if labels[k] == 1 {
                rank_sum += mean_rank;
                positives += 1;
            }
        }
        i = j + 1;
    }
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return f64::NAN;
    }
    (rank_sum - (positives * (positives + 1)) as f64 / 2.0) / (positives * negatives) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_match_hand_counts() {
        let p = [0.1, 0.6, 0.4, 0.9, 0.8, 0.2];
        let y = [0, 0, 1, 1, 1, 0];
        let m = Metrics::compute(&p, &y).unwrap();
        assert_eq!(
            m.confusion,
            Confusion {
                tn: 2,
                fp: 1,
                fn_: 1,
                tp: 2
            }
        );
        assert!((m.accuracy - 4.0 / 6.0).abs() < 1e-12);
        assert!((m.recall[1] - 2.0 / 3.0).abs() < 1e-12);
        // Pairs (abnormal, normal) ranked right: 0.4>0.1,0.2; 0.9>all; 0.8>all -> 8 of 9.
        assert!((m.auc - 8.0 / 9.0).abs() < 1e-12);
        let json = serde_json::to_string(&m).unwrap();
        assert!(json.contains("\"fn\":1"), "{json}");
    }

    #[test]
    fn class_metrics_match_hand_counts() {
        let classes: Vec<String> = ["Normal", "Antalgic", "Steppage"].map(String::from).to_vec();
        // Rows: predictions (the most probable class), truth.
        let p = [
            vec![0.7, 0.2, 0.1], // Normal -> Normal
            vec![0.6, 0.3, 0.1], // Antalgic -> Normal
            vec![0.1, 0.8, 0.1], // Antalgic -> Antalgic
            vec![0.1, 0.1, 0.8], // Steppage -> Steppage
            vec![0.2, 0.5, 0.3], // Steppage -> Antalgic
        ];
        let truth = [0, 1, 1, 2, 2];
        let m = ClassMetrics::compute(&p, &truth, &classes).unwrap();
        assert_eq!(m.confusion, vec![vec![1, 0, 0], vec![1, 1, 0], vec![0, 1, 1]]);
        assert!((m.accuracy - 3.0 / 5.0).abs() < 1e-12);
        // Recalls 1, 1/2, 1/2; precisions 1/2, 1/2, 1.
        assert!((m.balanced_accuracy - 2.0 / 3.0).abs() < 1e-12);
        let f1 = [2.0 / 3.0, 0.5, 2.0 / 3.0];
        assert!((m.macro_f1 - f1.iter().sum::<f64>() / 3.0).abs() < 1e-12);
        assert_eq!(m.per_class["Antalgic"].precision, 0.5);
        // Not-Normal scores 0.3, 0.4, 0.9, 0.9, 0.8 against truth N, A, A, A, A: the Normal walk
        // scores lowest, so every pair is ranked right.
        assert_eq!(m.normal_vs_rest_auc, Some(1.0));
        let json = serde_json::to_value(Evaluation::Classes(m)).unwrap();
        assert_eq!(json["confusion"][2][1], 1);
        assert!(json.get("normal_vs_rest_auc").is_some() && json.get("macro_f1").is_some());
    }

    #[test]
    fn scores_and_labels_that_do_not_pair_up_are_an_error() {
        // Fewer labels than scores used to panic inside the AUC.
        let err = Metrics::compute(&[0.1, 0.9, 0.5], &[0, 1]).unwrap_err();
        assert!(err.to_string().contains("3 scores against 2 labels"), "{err}");
        assert!(Metrics::compute(&[0.1], &[0, 1]).is_err());
        assert!(Metrics::compute(&[0.1], &[2]).is_err());
    }

    #[test]
    fn ties_count_half_and_one_class_has_no_auc() {
        assert!((auc(&[0.5, 0.5], &[0, 1]) - 0.5).abs() < 1e-12);
        assert!((auc(&[0.3, 0.5, 0.5], &[0, 0, 1]) - 0.75).abs() < 1e-12);
        assert!(auc(&[0.3, 0.5], &[1, 1]).is_nan());
    }
}
