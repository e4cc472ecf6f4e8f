//! The fused LSTM against an oracle: the same layer written step by step with Candle's own ops
//! (and so differentiated by Candle's autograd), outputs and every gradient, on random shapes;
//! against central finite differences of that oracle in f64; and for determinism.

use candle_core::{D, DType, Device, Tensor, Var};
use gait_lstm::Lstm;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The layer step by step with Candle ops, in the dtype of `x`.
fn oracle(w: &[Tensor; 4], x: &Tensor) -> Tensor {
    let [w_ih, w_hh, b_ih, b_hh] = w;
    let (batch, steps, input) = x.dims3().unwrap();
    let hidden = w_hh.dims()[1];
    let projected = x
        .reshape((batch * steps, input))
        .unwrap()
        .matmul(&w_ih.t().unwrap())
        .unwrap()
        .broadcast_add(&(b_ih + b_hh).unwrap())
        .unwrap()
        .reshape((batch, steps, 4 * hidden))
        .unwrap();
    let mut h = Tensor::zeros((batch, hidden), x.dtype(), x.device()).unwrap();
    let mut c = h.clone();
    let mut outputs = Vec::new();
    for step in 0..steps {
        let z = (projected.narrow(1, step, 1).unwrap().squeeze(1).unwrap()
            + h.matmul(&w_hh.t().unwrap()).unwrap())
        .unwrap();
        let gates = z.chunk(4, D::Minus1).unwrap();
        let i = candle_nn::ops::sigmoid(&gates[0]).unwrap();
        let f = candle_nn::ops::sigmoid(&gates[1]).unwrap();
        let g = gates[2].tanh().unwrap();
        let o = candle_nn::ops::sigmoid(&gates[3]).unwrap();
        c = ((f * &c).unwrap() + (i * g).unwrap()).unwrap();
        h = (o * c.tanh().unwrap()).unwrap();
        outputs.push(h.clone());
    }
    Tensor::stack(&outputs, 1).unwrap()
}

fn random(shape: &[usize], scale: f64, rng: &mut ChaCha8Rng) -> Tensor {
    let n = shape.iter().product();
    let values: Vec<f32> = (0..n)
        .map(|_| ((2.0 * rng.random::<f64>() - 1.0) * scale) as f32)
        .collect();
    Tensor::from_vec(values, shape, &Device::Cpu).unwrap()
}

/// A random layer, input, and output weighting `r` that is zero after a random last step per
/// sequence (as when the network reads each sequence at its last valid step).
struct Case {
    lstm: Lstm,
    x: Var,
    r: Tensor,
}

fn case(batch: usize, steps: usize, input: usize, hidden: usize, seed: u64) -> Case {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let var = |t: Tensor| Var::from_tensor(&t).unwrap();
    let lstm = Lstm {
        weight_ih: var(random(&[4 * hidden, input], 0.6, &mut rng)),
        weight_hh: var(random(&[4 * hidden, hidden], 0.6, &mut rng)),
        bias_ih: var(random(&[4 * hidden], 0.5, &mut rng)),
        bias_hh: var(random(&[4 * hidden], 0.5, &mut rng)),
    };
    let x = var(random(&[batch, steps, input], 2.0, &mut rng));
    let mut r: Vec<f32> = Vec::with_capacity(batch * steps * hidden);
    for _ in 0..batch {
        let last = rng.random_range(0..steps);
        for t in 0..steps {
            for _ in 0..hidden {
                r.push(if t <= last {
                    rng.random::<f32>() * 2.0 - 1.0
                } else {
                    0.0
                });
            }
        }
    }
    let r = Tensor::from_vec(r, (batch, steps, hidden), &Device::Cpu).unwrap();
    Case { lstm, x, r }
}

impl Case {
    fn vars(&self) -> [&Var; 5] {
        let l = &self.lstm;
        [&self.x, &l.weight_ih, &l.weight_hh, &l.bias_ih, &l.bias_hh]
    }

    fn weights(&self) -> [Tensor; 4] {
        let l = &self.lstm;
        [&l.weight_ih, &l.weight_hh, &l.bias_ih, &l.bias_hh].map(|v| v.as_tensor().clone())
    }

    /// Output and the gradients of `sum(out * r)` for x and the four weights, fused or oracle.
    fn run(&self, fused: bool) -> (Vec<f32>, Vec<Vec<f32>>) {
        let out = if fused {
            self.lstm.forward_t(self.x.as_tensor(), true).unwrap()
        } else {
            oracle(&self.weights(), self.x.as_tensor())
        };
        let grads = (&out * &self.r).unwrap().sum_all().unwrap().backward().unwrap();
        let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let g = self
            .vars()
            .map(|v| flat(grads.get(v).expect("a gradient for every input")));
        (flat(&out), g.to_vec())
    }
}

fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max)
}

const NAMES: [&str; 5] = ["x", "weight_ih", "weight_hh", "bias_ih", "bias_hh"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]
    #[test]
    fn fused_layer_matches_the_step_by_step_oracle(
        batch in 1usize..40, steps in 1usize..24, input in 1usize..9,
        hidden in prop_oneof![1usize..21, Just(8), Just(16), Just(32)], seed in 0u64..1000,
    ) {
        let c = case(batch, steps, input, hidden, seed);
        let (out, grads) = c.run(true);
        let (want_out, want_grads) = c.run(false);
        prop_assert!(max_difference(&out, &want_out) < 1e-5, "outputs differ by {}", max_difference(&out, &want_out));
        for ((name, g), want) in NAMES.iter().zip(&grads).zip(&want_grads) {
            let scale = want.iter().fold(1.0f32, |m, v| m.max(v.abs()));
            let d = max_difference(g, want);
            prop_assert!(d < 1e-5 * scale, "gradient of {} differs by {} (largest {})", name, d, scale);
        }
    }
}

#[test]
fn gradients_match_finite_differences_of_the_oracle_in_f64() {
    let c = case(3, 7, 2, 3, 11);
    let (_, grads) = c.run(true);
    let as_f64 = |t: &Tensor| t.to_dtype(DType::F64).unwrap();
    let r = as_f64(&c.r);
    let mut inputs: Vec<Tensor> = c.vars().iter().map(|v| as_f64(v.as_tensor())).collect();
    let loss = |inputs: &[Tensor]| -> f64 {
        let w = [0, 1, 2, 3].map(|i| inputs[i + 1].clone());
        (oracle(&w, &inputs[0]) * &r)
            .unwrap()
            .sum_all()
            .unwrap()
            .to_scalar::<f64>()
            .unwrap()
    };
    let eps = 1e-6;
    for (k, name) in NAMES.iter().enumerate() {
        let shape = inputs[k].shape().clone();
        let values = inputs[k].flatten_all().unwrap().to_vec1::<f64>().unwrap();
        for j in 0..values.len() {
            let mut nudged = |delta: f64| {
                let mut v = values.clone();
                v[j] += delta;
                inputs[k] = Tensor::from_vec(v, &shape, &Device::Cpu).unwrap();
                loss(&inputs)
            };
            let numeric = (nudged(eps) - nudged(-eps)) / (2.0 * eps);
            let ours = f64::from(grads[k][j]);
            assert!(
                (ours - numeric).abs() < 2e-5 * numeric.abs().max(1.0),
                "d loss / d {name}[{j}]: fused {ours}, finite difference {numeric}"
            );
        }
        inputs[k] = Tensor::from_vec(values, &shape, &Device::Cpu).unwrap();
    }
}

#[test]
fn same_bits_every_run_and_in_inference() {
    let c = case(37, 19, 5, 16, 3);
    let first = c.run(true);
    assert_eq!(first, c.run(true));
    let inference = c.lstm.forward_t(c.x.as_tensor(), false).unwrap();
    assert_eq!(
        inference.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
        first.0
    );
}

#[test]
fn inference_output_carries_no_gradient() {
    let c = case(2, 5, 3, 4, 5);
    let out = c.lstm.forward_t(c.x.as_tensor(), false).unwrap();
    let grads = (&out * &c.r).unwrap().sum_all().unwrap().backward().unwrap();
    assert!(grads.get(&c.lstm.weight_hh).is_none() && grads.get(&c.lstm.weight_ih).is_none());
}

#[test]
fn refuses_f64_with_a_clear_error() {
    let c = case(2, 3, 2, 2, 1);
    let x = c.x.as_tensor().to_dtype(DType::F64).unwrap();
    let l = &c.lstm;
    let w = [&l.weight_ih, &l.weight_hh, &l.bias_ih, &l.bias_hh]
        .map(|v| Var::from_tensor(&v.as_tensor().to_dtype(DType::F64).unwrap()).unwrap());
    let [weight_ih, weight_hh, bias_ih, bias_hh] = w;
    let lstm64 = Lstm {
        weight_ih,
        weight_hh,
        bias_ih,
        bias_hh,
    };
    let err = lstm64.forward_t(&x, false).unwrap_err().to_string();
    assert!(err.contains("f32"), "{err}");
}
