//! [`Metrics`]: how well predicted probabilities match labels.

use gait_io::Label;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The probability of Abnormal at and above which a walk is called Abnormal.
pub const DECISION_THRESHOLD: f32 = 0.5;

/// The label a probability of Abnormal gives (see [`DECISION_THRESHOLD`]).
pub fn label_of(p_abnormal: f32) -> Label {
    if p_abnormal >= DECISION_THRESHOLD {
        Label::Abnormal
    } else {
        Label::Normal
    }
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
            match (y == 1, label_of(p) == Label::Abnormal) {
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
