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
    #[allow(clippy::cast_possible_truncation)]
    let values = Array2::from_shape_fn((max_len, width), |(f, c)| {
        if f < kept {
            sequence.get(f, c).map_or(fill, |v| v as f32)
        } else {
            fill
        }
    });
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
        let first = sequences
            .first()
            .ok_or_else(|| Error::Option("no sequences to fit a normaliser on".into()))?;
        let columns = first.columns().to_vec();
        let mut sum = vec![0.0; columns.len()];
        let mut sum_sq = vec![0.0; columns.len()];
        let mut count = vec![0usize; columns.len()];
        for (i, seq) in sequences.iter().enumerate() {
            if seq.columns() != columns.as_slice() {
                return Err(Error::Option(format!(
                    "sequence {i} has columns {:?}, not {columns:?}",
                    seq.columns()
                )));
            }
            for row in seq.values().rows().into_iter().take(max_len) {
                for (c, &v) in row.iter().enumerate().filter(|(_, v)| !v.is_nan()) {
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

    /// Standardises `sequence` (missing values stay missing); fails when its columns differ.
    pub fn apply(&self, sequence: &FeatureSequence) -> Result<FeatureSequence> {
        if sequence.columns() != self.columns.as_slice() {
            return Err(Error::Option(format!(
                "the sequence has columns {:?}; the normaliser was fitted on {:?}",
                sequence.columns(),
                self.columns
            )));
        }
        let mut values = sequence.values().to_owned();
        for (c, mut column) in values.columns_mut().into_iter().enumerate() {
            column.mapv_inplace(|v| (v - self.mean[c]) / self.std[c]);
        }
        Ok(FeatureSequence::new(self.columns.clone(), values)?)
    }
}
