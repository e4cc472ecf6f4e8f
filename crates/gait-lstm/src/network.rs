//! The network: LSTM(F→64, all steps) → LSTM(64→32, state at the last valid step) →
//! Dense(16, ReLU) → Dense(one per class) logits.

use candle_core::{DType, Device, Tensor, Var};

use crate::config::ModelConfig;
use crate::error::Result;
use crate::kernel::DenseKernel;
use crate::lstm::Lstm;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A dense layer `y = x W^T + b`, PyTorch layout (`weight` is out x in).
#[derive(Debug, Clone)]
pub struct Dense {
    /// `out x in`.
    pub weight: Var,
    /// `out`.
    pub bias: Var,
}

impl Dense {
    fn init(input: usize, output: usize, rng: &mut ChaCha8Rng) -> Result<Self> {
        let limit = (6.0 / (input + output) as f64).sqrt();
        let w: Vec<f32> = (0..input * output)
            .map(|_| ((2.0 * rng.random::<f64>() - 1.0) * limit) as f32)
            .collect();
        Ok(Dense {
            weight: Var::from_tensor(&Tensor::from_vec(w, (output, input), &Device::Cpu)?)?,
            bias: Var::zeros(output, DType::F32, &Device::Cpu)?,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.contiguous()?
            .apply_op3(self.weight.as_tensor(), self.bias.as_tensor(), DenseKernel)?)
    }
}

/// The classifier's layers.
#[derive(Debug, Clone)]
pub struct Network {
    /// First LSTM, all steps out.
    pub lstm1: Lstm,
    /// Second LSTM, read at the last valid step.
    pub lstm2: Lstm,
    /// Hidden dense layer (ReLU).
    pub dense1: Dense,
    /// Output layer: one logit per class.
    pub dense2: Dense,
}

impl Network {
    /// A freshly initialised network for `config` (Keras's initialisers), from `seed`.
    pub fn init(config: &ModelConfig, seed: u64) -> Result<Self> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let [h1, h2] = config.lstm_sizes;
        Ok(Network {
            lstm1: Lstm::init(config.columns.len(), h1, &mut rng)?,
            lstm2: Lstm::init(h1, h2, &mut rng)?,
            dense1: Dense::init(h2, config.dense_size, &mut rng)?,
            dense2: Dense::init(config.dense_size, config.classes.len(), &mut rng)?,
        })
    }

    /// Logits (`B x classes`) of a batch `x` (`B x T x F`), each sequence read at step `last[b]`
    /// (`u32`, `B`). With `train`, the logits can be differentiated (see [`Lstm::forward_t`]).
    ///
    /// The recurrence runs forward from the first step, so a sequence's state at `last` does not
    /// depend on the steps after it: the layers run only to the batch's latest `last`, not over
    /// the padding beyond it (a masked model's clips of 40 frames padded to 110 cost 40 steps).
    pub fn forward_t(&self, x: &Tensor, last: &Tensor, train: bool) -> Result<Tensor> {
        let (batch, padded, _) = x.dims3()?;
        let steps = match batch {
            0 => padded,
            _ => (last.max(0)?.to_scalar::<u32>()? as usize + 1).min(padded),
        };
        let x = x.narrow(1, 0, steps)?;
        let h1 = self.lstm1.forward_t(&x, train)?;
        let h2 = self.lstm2.forward_t(&h1, train)?;
        let offsets = Tensor::arange(0u32, batch as u32, x.device())?.affine(steps as f64, 0.0)?;
        let rows = (offsets + last)?;
        let final_state = h2
            .reshape((batch * steps, self.lstm2.hidden()))?
            .index_select(&rows, 0)?;
        let hidden = self.dense1.forward(&final_state)?.relu()?;
        self.dense2.forward(&hidden)
    }

    /// All parameters with their PyTorch-style names (the names in `model.safetensors`).
    pub fn named(&self) -> Vec<(String, &Var)> {
        let mut all = self.lstm1.named("lstm1");
        all.extend(self.lstm2.named("lstm2"));
        for (name, dense) in [("dense1", &self.dense1), ("dense2", &self.dense2)] {
            all.push((format!("{name}.weight"), &dense.weight));
            all.push((format!("{name}.bias"), &dense.bias));
        }
        all
    }

    /// A copy of every parameter, to put back with [`restore`](Self::restore).
    pub(crate) fn snapshot(&self) -> Result<Vec<Tensor>> {
        Ok(self
            .named()
            .into_iter()
            .map(|(_, v)| v.as_tensor().copy())
            .collect::<Result<_, _>>()?)
    }

    /// Sets every parameter to its value in `snapshot`.
    pub(crate) fn restore(&self, snapshot: &[Tensor]) -> Result<()> {
        for ((_, var), tensor) in self.named().into_iter().zip(snapshot) {
            var.set(tensor)?;
        }
        Ok(())
    }

    /// Every parameter, for an optimiser.
    pub(crate) fn vars(&self) -> Vec<Var> {
        self.named().into_iter().map(|(_, v)| v.clone()).collect()
    }
}
