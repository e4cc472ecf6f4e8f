//! Only the real length: a batch of a masked model runs its recurrence to its longest sequence,
//! not over the padding to `max_len`; what it gives equals the padded computation.

use candle_core::{Device, Tensor};
use gait_features::FeatureSet;
use gait_lstm::{ModelConfig, Network};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `batch` sequences of `max_len` steps of 3 random features, read at steps `last`.
fn batch(last: &[u32], max_len: usize, rng: &mut ChaCha8Rng) -> (Tensor, Tensor) {
    let values: Vec<f32> = (0..last.len() * max_len * 3)
        .map(|_| rng.random::<f32>() * 2.0 - 1.0)
        .collect();
    let x = Tensor::from_vec(values, (last.len(), max_len, 3), &Device::Cpu).unwrap();
    (x, Tensor::from_slice(last, last.len(), &Device::Cpu).unwrap())
}

fn network() -> Network {
    let columns = ["a", "b", "c"].map(String::from).to_vec();
    Network::init(&ModelConfig::new(FeatureSet::Default, columns, 110), 3).unwrap()
}

/// Each parameter's gradient of the sum of the squared logits of the batch's first `rows`.
fn gradients(network: &Network, x: &Tensor, last: &Tensor, rows: usize) -> Vec<(String, Vec<f32>)> {
    let logits = network.forward_t(x, last, true).unwrap();
    let loss = logits
        .narrow(0, 0, rows)
        .unwrap()
        .sqr()
        .unwrap()
        .sum_all()
        .unwrap();
    let grads = loss.backward().unwrap();
    network
        .named()
        .into_iter()
        .map(|(name, var)| {
            let g = grads.get(var).unwrap().flatten_all().unwrap();
            (name, g.to_vec1::<f32>().unwrap())
        })
        .collect()
}

#[test]
fn short_clips_run_only_their_length_and_give_what_the_padded_run_gives() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let network = network();
    // Five clips of 20 to 40 frames padded to 110, then the same five beside one of 110 frames,
    // which makes the batch run every step.
    let short = [39u32, 19, 30, 25, 34];
    let (x, last) = batch(&short, 110, &mut rng);
    let (long_x, _) = batch(&[109], 110, &mut rng);
    let padded_x = Tensor::cat(&[&x, &long_x], 0).unwrap();
    let padded_last = Tensor::cat(&[&last, &Tensor::new(&[109u32], &Device::Cpu).unwrap()], 0).unwrap();
    for train in [false, true] {
        let alone = network.forward_t(&x, &last, train).unwrap();
        let padded = network
            .forward_t(&padded_x, &padded_last, train)
            .unwrap()
            .narrow(0, 0, short.len())
            .unwrap();
        let (alone, padded) = (alone.to_vec2::<f32>().unwrap(), padded.to_vec2::<f32>().unwrap());
        for (a, p) in alone.iter().flatten().zip(padded.iter().flatten()) {
            assert!(
                (a - p).abs() <= 1e-6 * p.abs().max(1.0),
                "{alone:?} against {padded:?}"
            );
        }
        if train {
            // And the gradients of a loss on the short clips: the padding's steps add nothing.
            let (alone, padded) = (
                gradients(&network, &x, &last, short.len()),
                gradients(&network, &padded_x, &padded_last, short.len()),
            );
            for ((name, a), (_, p)) in alone.into_iter().zip(padded) {
                for (a, p) in a.iter().zip(&p) {
                    assert!(
                        (a - p).abs() <= 1e-5 * p.abs().max(1e-3),
                        "{name}: {a} against {p}"
                    );
                }
            }
        }
    }
}

#[test]
fn steps_after_the_batchs_longest_are_never_computed() {
    // What lies beyond every clip's last step is not read: were it run, a value there that is
    // not a number would reach the weights' gradients through the backward pass.
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let network = network();
    let (x, last) = batch(&[29, 39, 9], 110, &mut rng);
    let mut values = x.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    for row in values.chunks_mut(110 * 3) {
        row[40 * 3..].fill(f32::NAN);
    }
    let x = Tensor::from_vec(values, (3, 110, 3), &Device::Cpu).unwrap();
    for (name, g) in gradients(&network, &x, &last, 3) {
        assert!(g.iter().all(|v| v.is_finite()), "{name}");
    }
}
