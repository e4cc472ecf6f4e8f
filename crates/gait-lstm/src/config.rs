//! [`ModelConfig`]: everything besides the weights that a saved model needs to predict.

use candle_core::{Device, Tensor};
use gait_features::{FeatureSet, Normalizer};
use gait_io::{Class, FeatureSequence};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::kernel::{in_parallel, threads};

/// The version of the model directory format this crate writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Architecture, inputs and preprocessing of a classifier; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// [`FORMAT_VERSION`] when written.
    pub format_version: u32,
    /// Feature set the model was trained on.
    pub feature_set: FeatureSet,
    /// Feature columns, in the model's input order.
    pub columns: Vec<String>,
    /// The classes, in the order of the network's outputs (`Normal` first). Absent in models
    /// saved before classes were recorded: those are `Normal`, `Abnormal`.
    #[serde(default = "binary_classes")]
    pub classes: Vec<String>,
    /// Networks whose class probabilities are averaged (1: one network). Absent in models saved
    /// before ensembles: one.
    #[serde(default = "one")]
    pub ensemble: usize,
    /// Hidden sizes of the two LSTM layers (64 and 32).
    pub lstm_sizes: [usize; 2],
    /// Size of the hidden dense layer (16).
    pub dense_size: usize,
    /// Sequences are cut or zero-padded to this many frames (110).
    pub max_len: usize,
    /// `true`: the second LSTM's state is taken at each sequence's last real frame. `false` (the
    /// old Keras model): at the last padded step, padding included.
    pub masked: bool,
    /// Standardisation statistics fitted on the training split; `None` feeds raw values (the old
    /// Keras model).
    pub normalizer: Option<Normalizer>,
    /// `fnv1a64:<hex>` of the `model.safetensors` saved with this configuration, checked when
    /// the model is loaded: a save interrupted between its two files is caught. Absent in
    /// models saved before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights_checksum: Option<String>,
    /// How the training clips were cut, so that a whole recording is cut the same way
    /// ([`Classifier::verdict`](crate::Classifier::verdict)). Absent in models saved before it
    /// was recorded, and in the old Keras model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clips: Option<TrainingClips>,
}

/// How the clips a model was trained on were cut, as their lengths show: windows of one length,
/// or parts whose lengths vary as clips cut at heel strikes do with each walker's pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingClips {
    /// The shortest clip, frames.
    pub shortest: usize,
    /// The median clip, frames.
    pub median: usize,
    /// The longest clip, frames.
    pub longest: usize,
    /// All within 5% of the median: windows of one length. `false`: cut at heel strikes.
    pub windows: bool,
}

impl TrainingClips {
    /// What the clips of these `lengths` (frames) show; `None` for no clips.
    pub fn of(lengths: impl IntoIterator<Item = usize>) -> Option<TrainingClips> {
        let mut lengths: Vec<usize> = lengths.into_iter().collect();
        lengths.sort_unstable();
        let (&shortest, &longest) = (lengths.first()?, lengths.last()?);
        let median = lengths[lengths.len() / 2];
        Some(TrainingClips {
            shortest,
            median,
            longest,
            windows: (longest - shortest) * 20 <= median,
        })
    }
}

fn one() -> usize {
    1
}

/// The old pipeline's two classes, in output order.
fn binary_classes() -> Vec<String> {
    vec![Class::NORMAL.to_string(), Class::ABNORMAL.to_string()]
}

/// The checksum [`ModelConfig::weights_checksum`] records: 64-bit FNV-1a, in hex (it detects a
/// mismatched or damaged file; it is no defence against a forger).
pub(crate) fn weights_checksum(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("fnv1a64:{hash:016x}")
}

/// The most networks an ensemble may have (training refuses more, and so does a loaded config).
pub(crate) const MAX_MEMBERS: usize = 64;

/// The largest sizes a configuration may ask for: far above any gait model's, low enough that a
/// damaged or hand-edited `config.json` cannot make loading allocate without bound.
const MAX_WIDTH: usize = 4096;
const MAX_LEN: usize = 1_000_000;

impl ModelConfig {
    /// Checks what a loaded configuration asks for before anything is allocated for it: sizes
    /// within bounds, and normalisation statistics, one finite pair per column.
    pub fn validate(&self) -> Result<(), String> {
        let width = self.columns.len();
        if width == 0 || width > MAX_WIDTH {
            return Err(format!("{width} feature columns; a model takes 1 to {MAX_WIDTH}"));
        }
        for (what, size) in [
            ("lstm_sizes[0]", self.lstm_sizes[0]),
            ("lstm_sizes[1]", self.lstm_sizes[1]),
            ("dense_size", self.dense_size),
        ] {
            if size == 0 || size > MAX_WIDTH {
                return Err(format!("{what} is {size}; it must be 1 to {MAX_WIDTH}"));
            }
        }
        let mut classes = self.classes.clone();
        classes.sort();
        classes.dedup();
        if classes.len() != self.classes.len() || !(2..=MAX_WIDTH).contains(&classes.len()) {
            return Err(format!(
                "classes {:?}: a model tells apart 2 to {MAX_WIDTH} distinct classes",
                self.classes
            ));
        }
        if !(1..=MAX_MEMBERS).contains(&self.ensemble) {
            return Err(format!(
                "ensemble is {}; it must be 1 to {MAX_MEMBERS}",
                self.ensemble
            ));
        }
        if self.max_len == 0 || self.max_len > MAX_LEN {
            return Err(format!("max_len is {}; it must be 1 to {MAX_LEN}", self.max_len));
        }
        self.normalizer_fits()?;
        if let Some(n) = &self.normalizer
            && let Some(c) =
                (0..width).find(|&c| !(n.mean[c].is_finite() && n.std[c].is_finite() && n.std[c] > 0.0))
        {
            return Err(format!(
                "the normalisation of column {} is not usable (mean {}, std {})",
                n.columns[c], n.mean[c], n.std[c]
            ));
        }
        Ok(())
    }

    /// Checks that the normaliser, if any, has the model's columns and one mean and deviation
    /// for each.
    fn normalizer_fits(&self) -> Result<(), String> {
        let width = self.columns.len();
        match &self.normalizer {
            Some(n) if n.columns != self.columns || n.mean.len() != width || n.std.len() != width => {
                Err(format!(
                    "the normaliser has {} columns, {} means and {} deviations for the model's {width} columns",
                    n.columns.len(),
                    n.mean.len(),
                    n.std.len()
                ))
            }
            _ => Ok(()),
        }
    }

    /// Checks that `sequence`, the `index`th given, can be the network's input: the model's
    /// columns, and some values.
    pub(crate) fn check_input(&self, index: usize, sequence: &FeatureSequence) -> Result<()> {
        if sequence.columns() != self.columns.as_slice() {
            return Err(Error::ColumnMismatch {
                index,
                expected: self.columns.clone(),
                found: sequence.columns().to_vec(),
            });
        }
        if !sequence.values().iter().any(|&v| FeatureSequence::present(v)) {
            return Err(Error::Input(format!(
                "sequence {index} has no values: it is empty or all missing"
            )));
        }
        Ok(())
    }

    /// The network's input for `sequences`: standardised (if the model was trained so), missing
    /// values 0, cut or zero-padded to `max_len` (`B x max_len x columns`); and the step to read
    /// each one at (`u32`, `B`), as [`Network::forward_t`](crate::Network::forward_t) takes them.
    pub fn input(&self, sequences: &[&FeatureSequence]) -> Result<(Tensor, Tensor)> {
        let (width, max_len) = (self.columns.len(), self.max_len);
        self.normalizer_fits()
            .map_err(|e| Error::Input(format!("the model's configuration: {e}; train it again")))?;
        for (i, seq) in sequences.iter().enumerate() {
            self.check_input(i, seq)?;
        }
        // Written in place, one value at a time: each sequence standardised, then cut or padded,
        // with no copy of it in between; blocks of sequences on the kernel's threads.
        let size = max_len * width;
        let mut data = vec![0.0f32; sequences.len() * size];
        if size > 0 {
            let per_block = sequences.len().div_ceil(threads()).max(1);
            let blocks = sequences.chunks(per_block).zip(data.chunks_mut(per_block * size));
            in_parallel(blocks, |(sequences, data)| {
                for (seq, rows) in sequences.iter().zip(data.chunks_exact_mut(size)) {
                    self.write_input(seq, rows);
                }
            });
        }
        let last = sequences
            .iter()
            .map(|seq| {
                let kept = seq.frames().min(max_len);
                (if self.masked { kept - 1 } else { max_len - 1 }) as u32
            })
            .collect::<Vec<_>>();
        let x = Tensor::from_vec(data, (sequences.len(), max_len, width), &Device::Cpu)?;
        let last = Tensor::from_vec(last, sequences.len(), &Device::Cpu)?;
        Ok((x, last))
    }

    /// `sequence` standardised (if the model was trained so), cut to `rows`' `max_len` frames
    /// of the model's columns, missing values left as they are in `rows` (zero).
    fn write_input(&self, sequence: &FeatureSequence, rows: &mut [f32]) {
        for (to, from) in rows
            .chunks_exact_mut(self.columns.len())
            .zip(sequence.values().rows())
        {
            for (c, (to, &v)) in to.iter_mut().zip(&from).enumerate() {
                let v = match &self.normalizer {
                    Some(n) => n.standardise(c, v),
                    None => v,
                };
                if FeatureSequence::present(v) {
                    #[allow(clippy::cast_possible_truncation)]
                    {
                        *to = v as f32;
                    }
                }
            }
        }
    }

    /// The configuration of our default model for `columns` of `feature_set`, for the classes
    /// `Normal` and `Abnormal`.
    pub fn new(feature_set: FeatureSet, columns: Vec<String>, max_len: usize) -> Self {
        ModelConfig {
            format_version: FORMAT_VERSION,
            feature_set,
            columns,
            classes: binary_classes(),
            ensemble: 1,
            lstm_sizes: [64, 32],
            dense_size: 16,
            max_len,
            masked: true,
            normalizer: None,
            weights_checksum: None,
            clips: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use gait_features::{FeatureSet, Normalizer, pad_or_cut};
    use gait_io::FeatureSequence;
    use ndarray::Array2;

    use super::{ModelConfig, TrainingClips};

    /// The input written in place equals each sequence standardised by the normaliser, then cut
    /// or padded by `pad_or_cut`: missing values (NaN, infinite, beyond f32) and padding 0, the
    /// step read the last real one (masked) or the last padded one.
    #[test]
    fn the_input_is_the_standardised_sequence_cut_or_padded() {
        let columns = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let sequence = |frames: usize, shift: f64| {
            let values = Array2::from_shape_fn((frames, 3), |(f, c)| match (f + c) % 7 {
                0 => f64::NAN,
                5 if c == 1 => f64::INFINITY,
                6 if c == 2 => 1e300,
                k => k as f64 * (c as f64 + 0.5) - shift,
            });
            FeatureSequence::new(columns.clone(), values).unwrap()
        };
        let sequences = [sequence(4, 0.0), sequence(9, 2.5), sequence(6, -1.0)];
        let mut config = ModelConfig::new(FeatureSet::Seed, columns.clone(), 6);
        for (normalise, masked) in [(false, true), (true, true), (true, false)] {
            config.normalizer = normalise.then(|| Normalizer::fit(&sequences, 6).unwrap());
            config.masked = masked;
            let refs: Vec<&FeatureSequence> = sequences.iter().collect();
            let (x, last) = config.input(&refs).unwrap();
            let (x, last) = (x.to_vec3::<f32>().unwrap(), last.to_vec1::<u32>().unwrap());
            for (i, seq) in sequences.iter().enumerate() {
                let fixed = match &config.normalizer {
                    Some(n) => pad_or_cut(&n.apply(seq).unwrap(), 6, 0.0),
                    None => pad_or_cut(seq, 6, 0.0),
                };
                let want: Vec<Vec<f32>> = fixed.values.rows().into_iter().map(|r| r.to_vec()).collect();
                assert_eq!(x[i], want, "sequence {i}, normalised {normalise}");
                let step = if masked { fixed.valid_frames() - 1 } else { 5 };
                assert_eq!(last[i] as usize, step);
            }
        }
    }

    /// A configuration built by hand whose normaliser lacks a column is an error, not a panic.
    #[test]
    fn an_input_with_a_normaliser_that_does_not_fit_is_refused() {
        let columns = vec!["a".to_string(), "b".to_string()];
        let sequence = FeatureSequence::new(columns.clone(), Array2::from_elem((3, 2), 1.0)).unwrap();
        let mut config = ModelConfig::new(FeatureSet::Seed, columns, 4);
        let mut normaliser = Normalizer::fit(std::slice::from_ref(&sequence), 4).unwrap();
        normaliser.std.pop();
        config.normalizer = Some(normaliser);
        let err = config.input(&[&sequence]).unwrap_err();
        assert!(err.to_string().contains("2 means and 1 deviations"), "{err}");
    }

    #[test]
    fn clips_of_one_length_are_windows_and_clips_that_vary_are_strides() {
        assert_eq!(TrainingClips::of([]), None);
        let windows = TrainingClips::of([40, 41, 40, 40]).unwrap();
        assert_eq!(
            (windows.shortest, windows.median, windows.longest, windows.windows),
            (40, 40, 41, true)
        );
        let strides = TrainingClips::of([66, 58, 74, 70, 62]).unwrap();
        assert_eq!(
            (strides.shortest, strides.median, strides.longest, strides.windows),
            (58, 66, 74, false)
        );
    }
}
