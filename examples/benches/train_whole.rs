//! Whole training at the shape of the real Kinect set of issue 20: 5,428 clips of 40 frames and
//! 12 features, 10 epochs of the default recipe (three networks, a validation part by recording;
//! patience 10, so that every epoch runs), timed once, and again with one network. Its anchor,
//! in the same sitting: `python examples/benches/python/keras_recipe.py --shape 5428 40 12`, the
//! Keras recipe's `fit` on arrays of that shape (padded to 110 frames, as the recipe pads).
//!
//!     cargo bench -p gait-examples --bench train_whole
//!     GAIT_ISA=avx2 cargo bench -p gait-examples --bench train_whole
#![allow(missing_docs)] // a bench's main needs no documentation beyond this
#![allow(clippy::print_stdout)] // a bench owns its terminal; its figures go to standard output

use std::time::Instant;

use gait::features::DEFAULT_COLUMNS;
use gait::io::{Class, FeatureSequence};
use gait::lstm::{Classifier, Example, TrainOptions};
use gait::ndarray::Array2;
use rand::{Rng, SeedableRng};
// Linked for its allocator (mimalloc): the bench runs as the programs run.
use gait_examples as _;

/// Clips, frames a clip, clips a recording: the real set's shape.
const CLIPS: usize = 5428;
const FRAMES: usize = 40;
const CLIPS_PER_RECORDING: usize = 20;

fn clips() -> Vec<Example> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let columns: Vec<String> = DEFAULT_COLUMNS.iter().map(|c| c.to_string()).collect();
    (0..CLIPS)
        .map(|i| {
            let abnormal = i % 2 == 1;
            let (phase, amplitude) = (rng.random::<f64>() * 6.3, if abnormal { 0.7 } else { 1.0 });
            let values = Array2::from_shape_fn((FRAMES, columns.len()), |(f, c)| {
                amplitude * (phase + f as f64 * 0.2 + c as f64).sin() + 0.1 * rng.random::<f64>()
            });
            Example {
                sequence: FeatureSequence::new(columns.clone(), values).expect("12 columns"),
                class: if abnormal {
                    Class::abnormal()
                } else {
                    Class::normal()
                },
                recording: format!("r{}", i / CLIPS_PER_RECORDING),
            }
        })
        .collect()
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing: run only when benched.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let examples = clips();
    for ensemble in [3, 1] {
        let mut options = TrainOptions::default();
        options.epochs = 10;
        options.patience = 10;
        options.ensemble = ensemble;
        let start = Instant::now();
        Classifier::fit(&examples, &options).expect("training");
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "train_whole: {CLIPS} clips of {FRAMES} frames, 12 features, 10 epochs, {ensemble} network(s): {seconds:.1} s"
        );
    }
}
