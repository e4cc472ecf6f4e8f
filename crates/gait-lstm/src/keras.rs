//! The old pipeline's trained Keras model (`gait_model.h5`, Keras 2.13) as a [`Classifier`].
//!
//! Read with `hdf5-reader`, a pure-Rust HDF5 decoder: no C library to install or build, and it is
//! hardened against malformed files. Keras keeps kernels as `in x out` (`y = x K + b`) with one
//! LSTM bias; we transpose into PyTorch's layout and put the bias in `bias_ih`.

use std::path::Path;

use candle_core::{Device, Tensor, Var};
use gait_features::{DEFAULT_MAX_LEN, FeatureSet, SEED_COLUMNS};

use crate::classifier::Classifier;
use crate::config::ModelConfig;
use crate::error::{Error, Result};
use crate::lstm::Lstm;
use crate::network::{Dense, Network};

impl Classifier {
    /// Loads the old pipeline's Keras model: LSTM → LSTM → Dense(ReLU) → Dense(2, softmax) on the
    /// 11 `seed` features, zero-padded to 110 frames, unmasked and unscaled, as it was trained.
    pub fn from_keras_h5(path: &Path) -> Result<Self> {
        let file = hdf5_reader::Hdf5File::open(path)
            .map_err(|e| Error::model(path, format!("not a readable HDF5 file: {e}")))?;
        let read = |name: &str| -> Result<(Vec<usize>, Vec<f32>)> {
            let full = format!("model_weights/{name}");
            let dataset = file.dataset(&full).map_err(|e| {
                Error::model(
                    path,
                    format!("no dataset {full} ({e}): not the old gait model's architecture"),
                )
            })?;
            let array = dataset
                .read_array::<f32>()
                .map_err(|e| Error::model(path, format!("{full}: cannot read as float32: {e}")))?;
            Ok((array.shape().to_vec(), array.iter().copied().collect()))
        };
        let lstm = |layer: &str, input: Option<usize>| -> Result<Lstm> {
            let cell = format!("{layer}/{layer}/lstm_cell");
            let (k_shape, kernel) = read(&format!("{cell}/kernel:0"))?;
            let (r_shape, recurrent) = read(&format!("{cell}/recurrent_kernel:0"))?;
            let (b_shape, bias) = read(&format!("{cell}/bias:0"))?;
            let hidden = r_shape.first().copied().unwrap_or(0);
            let fits = k_shape.len() == 2
                && input.is_none_or(|i| k_shape[0] == i)
                && k_shape[1] == 4 * hidden
                && r_shape == [hidden, 4 * hidden]
                && b_shape == [4 * hidden];
            if !fits || hidden == 0 {
                return Err(Error::model(
                    path,
                    format!(
                        "{layer}: kernel {k_shape:?}, recurrent {r_shape:?}, bias {b_shape:?} do not make an LSTM layer here"
                    ),
                ));
            }
            Ok(Lstm {
                weight_ih: transposed(&kernel, k_shape[0], k_shape[1])?,
                weight_hh: transposed(&recurrent, hidden, 4 * hidden)?,
                bias_ih: Var::from_tensor(&Tensor::from_vec(bias, 4 * hidden, &Device::Cpu)?)?,
                bias_hh: Var::zeros(4 * hidden, candle_core::DType::F32, &Device::Cpu)?,
            })
        };
        let dense = |layer: &str, input: usize| -> Result<Dense> {
            let (k_shape, kernel) = read(&format!("{layer}/{layer}/kernel:0"))?;
            let (b_shape, bias) = read(&format!("{layer}/{layer}/bias:0"))?;
            if k_shape.len() != 2 || k_shape[0] != input || b_shape != [k_shape[1]] {
                return Err(Error::model(
                    path,
                    format!("{layer}: kernel {k_shape:?}, bias {b_shape:?} after {input} units"),
                ));
            }
            Ok(Dense {
                weight: transposed(&kernel, k_shape[0], k_shape[1])?,
                bias: Var::from_tensor(&Tensor::from_vec(bias, k_shape[1], &Device::Cpu)?)?,
            })
        };
        let lstm1 = lstm("lstm", Some(SEED_COLUMNS.len()))?;
        let lstm2 = lstm("lstm_1", Some(lstm1.hidden()))?;
        let dense1 = dense("dense", lstm2.hidden())?;
        let dense2 = dense("dense_1", dense1.weight.dims()[0])?;
        if dense2.weight.dims()[0] != 2 {
            return Err(Error::model(
                path,
                format!("the output layer has {} units, not 2", dense2.weight.dims()[0]),
            ));
        }
        let mut config = ModelConfig::new(
            FeatureSet::Seed,
            SEED_COLUMNS.iter().map(|c| c.to_string()).collect(),
            DEFAULT_MAX_LEN,
        );
        config.lstm_sizes = [lstm1.hidden(), lstm2.hidden()];
        config.dense_size = dense1.weight.dims()[0];
        config.masked = false;
        Ok(Classifier::new(
            config,
            vec![Network {
                lstm1,
                lstm2,
                dense1,
                dense2,
            }],
        ))
    }
}

/// A Keras `rows x cols` kernel as a PyTorch `cols x rows` weight.
fn transposed(values: &[f32], rows: usize, cols: usize) -> Result<Var> {
    let t = Tensor::from_slice(values, (rows, cols), &Device::Cpu)?
        .t()?
        .contiguous()?;
    Ok(Var::from_tensor(&t)?)
}
