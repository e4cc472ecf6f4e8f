//! [`Lstm`]: one LSTM layer with PyTorch's weight layout and names, on Candle tensors.
//!
//! Weights: `weight_ih` (4H x I), `weight_hh` (4H x H), `bias_ih` and `bias_hh` (4H), gate blocks in
//! the order input, forget, cell, output (PyTorch's and Keras's order). Per step:
//! `z = x W_ih^T + b_ih + h W_hh^T + b_hh`, `c = sigmoid(z_f) c + sigmoid(z_i) tanh(z_g)`,
//! `h = sigmoid(z_o) tanh(c)`, from zero states. The whole layer, forward and backward through
//! time, is one fused op ([`crate::kernel`]).

use candle_core::{Tensor, Var};

use crate::error::Result;
use crate::kernel::LstmKernel;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// One LSTM layer's parameters.
#[derive(Debug, Clone)]
pub struct Lstm {
    /// Input weights, `4H x I`.
    pub weight_ih: Var,
    /// Recurrent weights, `4H x H`.
    pub weight_hh: Var,
    /// Input bias, `4H`.
    pub bias_ih: Var,
    /// Recurrent bias, `4H`.
    pub bias_hh: Var,
}

impl Lstm {
    /// A layer initialised as Keras does: Glorot-uniform input weights, orthogonal recurrent
    /// weights, zero biases but 1 for the forget gate.
    pub(crate) fn init(input: usize, hidden: usize, rng: &mut ChaCha8Rng) -> Result<Self> {
        let device = candle_core::Device::Cpu;
        let limit = (6.0 / (input + 4 * hidden) as f64).sqrt();
        let w_ih: Vec<f32> = (0..4 * hidden * input)
            .map(|_| ((2.0 * rng.random::<f64>() - 1.0) * limit) as f32)
            .collect();
        let w_hh = orthonormal_columns(4 * hidden, hidden, rng);
        let mut b_ih = vec![0.0f32; 4 * hidden];
        b_ih[hidden..2 * hidden].fill(1.0);
        Ok(Lstm {
            weight_ih: Var::from_tensor(&Tensor::from_vec(w_ih, (4 * hidden, input), &device)?)?,
            weight_hh: Var::from_tensor(&Tensor::from_vec(w_hh, (4 * hidden, hidden), &device)?)?,
            bias_ih: Var::from_tensor(&Tensor::from_vec(b_ih, 4 * hidden, &device)?)?,
            bias_hh: Var::zeros(4 * hidden, candle_core::DType::F32, &device)?,
        })
    }

    /// Hidden size H.
    pub fn hidden(&self) -> usize {
        self.weight_hh.dims()[1]
    }

    /// Runs the layer over `x` (`B x T x I`, f32); returns the hidden state of every step
    /// (`B x T x H`). With `train`, the result can be differentiated (the recurrence keeps its
    /// states for the backward pass); without, nothing is kept and no gradient flows back.
    pub fn forward_t(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        let weights = [&self.weight_ih, &self.weight_hh, &self.bias_ih, &self.bias_hh].map(|v| {
            if train {
                v.as_tensor().clone()
            } else {
                v.as_tensor().detach()
            }
        });
        let [w_ih, w_hh, b_ih, b_hh] = weights;
        let w = Tensor::cat(&[&w_ih, &w_hh], 1)?;
        let b = (b_ih + b_hh)?;
        let x = x.contiguous()?;
        Ok(if train {
            x.apply_op3(&w, &b, LstmKernel::training())?
        } else {
            x.apply_op3_no_bwd(&w, &b, &LstmKernel::inference())?
        })
    }

    /// The parameters with their PyTorch names under `prefix`.
    pub fn named(&self, prefix: &str) -> Vec<(String, &Var)> {
        vec![
            (format!("{prefix}.weight_ih"), &self.weight_ih),
            (format!("{prefix}.weight_hh"), &self.weight_hh),
            (format!("{prefix}.bias_ih"), &self.bias_ih),
            (format!("{prefix}.bias_hh"), &self.bias_hh),
        ]
    }
}

/// A `rows x cols` matrix (`rows >= cols`) with orthonormal columns: Gram–Schmidt on a normal
/// random matrix, row-major.
fn orthonormal_columns(rows: usize, cols: usize, rng: &mut ChaCha8Rng) -> Vec<f32> {
    let mut columns: Vec<Vec<f64>> = Vec::with_capacity(cols);
    while columns.len() < cols {
        let mut v: Vec<f64> = (0..rows).map(|_| rng.sample::<f64, _>(StandardNormal)).collect();
        for _ in 0..2 {
            for q in &columns {
                let d: f64 = v.iter().zip(q).map(|(a, b)| a * b).sum();
                v.iter_mut().zip(q).for_each(|(a, b)| *a -= d * b);
            }
        }
        let n = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        if n > 1e-6 {
            columns.push(v.into_iter().map(|a| a / n).collect());
        }
    }
    (0..rows)
        .flat_map(|r| columns.iter().map(move |c| c[r] as f32))
        .collect()
}
