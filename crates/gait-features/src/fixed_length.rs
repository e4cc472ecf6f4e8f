//! Fixed-length sequences for the classifier: pad or cut to `max_len` frames with a mask, and
//! per-feature normalisation statistics.

use gait_io::FeatureSequence;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The old pipeline's sequence length.
pub const DEFAULT_MAX_LEN: usize = 110;

/// A sequence padded or cut to a fixed number of frames.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedLength {
    /// `max_len x features`; padding rows and missing values hold the fill value.
    pub values: Array2<f32>,
    /// `true` for frames that come from the sequence, `false` for padding.
    pub mask: Array1<bool>,
}

impl FixedLength {
    /// Number of real (unpadded) frames.
    pub fn valid_frames(&self) -> usize {
        self.mask.iter().filter(|&&m| m).count()
    }
}

/// Keeps the first `max_len` frames of `sequence` and pads the rest with `fill` (the old pipeline
/// pads with 0 at the end); missing values are written as `fill` too.
pub fn pad_or_cut(sequence: &FeatureSequence, max_len: usize, fill: f32) -> FixedLength {
    let kept = sequence.frames().min(max_len);
    let width = sequence.columns().len();
    let mut values = Array2::from_elem((max_len, width), fill);
    for (mut to, from) in values.rows_mut().into_iter().zip(sequence.values().rows()) {
        #[allow(clippy::cast_possible_truncation)]
        to.zip_mut_with(&from, |to, &v| {
            if FeatureSequence::present(v) {
                *to = v as f32;
            }
        });
    }
    FixedLength {
        values,
        mask: Array1::from_shape_fn(max_len, |f| f < kept),
    }
}

/// Per-feature mean and standard deviation over the frames a model sees, for standardising.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Normalizer {
    /// Feature columns, in order.
    pub columns: Vec<String>,
    /// Mean of each column over valid frames.
    pub mean: Vec<f64>,
    /// Standard deviation of each column over valid frames (1 where it is 0 or undefined).
    pub std: Vec<f64>,
}

impl Normalizer {
    /// Fits the statistics over the first `max_len` frames of each sequence, skipping missing
    /// values. All sequences must have the same columns.
    pub fn fit(sequences: &[FeatureSequence], max_len: usize) -> Result<Self> {
        let first = sequences.first().ok_or(Error::NoSequences)?;
        let columns = first.columns().to_vec();
        let mut sum = vec![0.0; columns.len()];
        let mut sum_sq = vec![0.0; columns.len()];
        let mut count = vec![0usize; columns.len()];
        for seq in sequences {
            if seq.columns() != columns.as_slice() {
                return Err(Error::ColumnMismatch {
                    expected: columns,
                    found: seq.columns().to_vec(),
                });
            }
            for row in seq.values().rows().into_iter().take(max_len) {
                for (c, &v) in row
                    .iter()
                    .enumerate()
                    .filter(|&(_, &v)| FeatureSequence::present(v))
                {
                    sum[c] += v;
                    sum_sq[c] += v * v;
                    count[c] += 1;
                }
            }
        }
        let mean: Vec<f64> = sum
            .iter()
            .zip(&count)
            .map(|(s, &n)| if n > 0 { s / n as f64 } else { 0.0 })
            .collect();
        let std = (0..columns.len())
            .map(|c| {
                let n = count[c] as f64;
                let var = if count[c] > 1 {
                    (sum_sq[c] - n * mean[c] * mean[c]) / (n - 1.0)
                } else {
                    0.0
                };
                let sd = var.max(0.0).sqrt();
                if sd > 1e-12 { sd } else { 1.0 }
            })
            .collect();
        Ok(Normalizer { columns, mean, std })
    }

    /// `(value - mean) / std` of column `column`; a missing value (see
    /// [`FeatureSequence::present`]) gives NaN.
    pub fn standardise(&self, column: usize, value: f64) -> f64 {
        if FeatureSequence::present(value) {
            (value - self.mean[column]) / self.std[column]
        } else {
            f64::NAN
        }
    }

    /// Standardises `sequence` (missing values stay missing); fails when its columns differ.
    pub fn apply(&self, sequence: &FeatureSequence) -> Result<FeatureSequence> {
        if sequence.columns() != self.columns.as_slice() {
            return Err(Error::ColumnMismatch {
                expected: self.columns.clone(),
                found: sequence.columns().to_vec(),
            });
        }
        let mut standardised = sequence.clone();
        for mut row in standardised.values_mut().rows_mut() {
            for (c, v) in row.iter_mut().enumerate() {
                *v = self.standardise(c, *v);
            }
        }
        Ok(standardised)
    }
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    fn seq(values: Array2<f64>) -> FeatureSequence {
        FeatureSequence::new(vec!["a".into(), "b".into()], values).unwrap()
    }

    #[test]
    fn short_sequences_are_padded_long_ones_cut_and_the_mask_says_which() {
        let s = seq(array![[1.0, f64::NAN], [3.0, 4.0], [5.0, 6.0]]);
        let padded = pad_or_cut(&s, 5, 0.0);
        assert_eq!(
            padded.values,
            array![[1.0f32, 0.0], [3.0, 4.0], [5.0, 6.0], [0.0, 0.0], [0.0, 0.0]]
        );
        assert_eq!(padded.mask.to_vec(), vec![true, true, true, false, false]);
        let cut = pad_or_cut(&s, 2, -1.0);
        assert_eq!(cut.values, array![[1.0f32, -1.0], [3.0, 4.0]]);
        assert_eq!(cut.valid_frames(), 2);
    }

    #[test]
    fn normaliser_uses_valid_frames_within_max_len_and_round_trips_through_json() {
        let a = seq(array![[1.0, 10.0], [3.0, f64::NAN], [100.0, 100.0]]);
        let b = seq(array![[5.0, 10.0]]);
        let n = Normalizer::fit(&[a.clone(), b], 2).unwrap();
        // Column a: 1, 3, 5 -> mean 3, sample std 2. Column b: 10, 10 -> std 0 -> 1.
        assert_eq!(n.mean, vec![3.0, 10.0]);
        assert_eq!(n.std, vec![2.0, 1.0]);
        let applied = n.apply(&a).unwrap();
        assert_eq!(applied.get(0, 0), Some(-1.0));
        assert!(applied.is_missing(1, 1));
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(serde_json::from_str::<Normalizer>(&json).unwrap(), n);
        let other = FeatureSequence::new(vec!["x".into(), "b".into()], array![[0.0, 0.0]]).unwrap();
        let err = n.apply(&other).unwrap_err();
        assert!(
            matches!(&err, Error::ColumnMismatch { expected, found } if expected[0] == "a" && found[0] == "x"),
            "{err}"
        );
    }
}
