//! Classifier speed against the anchors of `python ../shared/anchors/lstm_anchors.py torch 2`:
//! `lstm/inference_b256` (forward and softmax on 256 x 110 x 11) and `lstm/train_step_b32`
//! (one step of `fit` on 32 x 110 x 11: forward, weighted loss, backward, Adam).
#![allow(missing_docs)] // criterion_group! makes an undocumented public function

use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use gait::features::SEED_COLUMNS;
use gait::io::{Class, FeatureSequence};
use gait::lstm::{Classifier, Example, TrainOptions};
use gait::ndarray::Array2;
// Linked for its allocator (mimalloc): the bench runs as the programs run.
use gait_examples as _;

fn sequences(n: usize) -> Vec<Example> {
    (0..n)
        .map(|i| {
            let values =
                Array2::from_shape_fn((110, 11), |(f, c)| ((f * 7 + c * 13 + i * 3) % 29) as f64 - 14.0);
            let columns = SEED_COLUMNS.iter().map(|c| c.to_string()).collect();
            Example {
                sequence: FeatureSequence::new(columns, values).expect("11 columns"),
                class: if i % 2 == 0 {
                    Class::normal()
                } else {
                    Class::abnormal()
                },
                recording: format!("r{i}"),
            }
        })
        .collect()
}

fn model(c: &mut Criterion) {
    let batch256 = sequences(256);
    let mut group = c.benchmark_group("lstm");
    group.sample_size(10);
    // One network (the default ensemble runs three, each costing this), one training epoch old
    // (its weights do not change the cost).
    let fit = |examples: &[Example], epochs: usize| {
        let mut options = TrainOptions::default();
        options.epochs = epochs;
        options.patience = epochs;
        options.validation_fraction = 0.0;
        options.ensemble = 1;
        Classifier::fit(examples, &options).expect("training").0
    };
    let classifier = fit(&batch256[..32], 1);
    group.bench_function("inference_b256", |b| {
        b.iter(|| classifier.predict_abnormal(&batch256).expect("prediction"))
    });
    // One step as `fit` takes it (the batch gathered from the prepared set, the class-weighted
    // loss, backward, Adam, the epoch's bookkeeping): fitting two epochs of ten batches of 32,
    // less fitting one, per step; the setup both share cancels.
    let batch320 = sequences(320);
    group.bench_function("train_step_b32", |b| {
        b.iter_custom(|iterations| {
            (0..iterations)
                .map(|_| {
                    let start = Instant::now();
                    fit(&batch320, 2);
                    let two = start.elapsed();
                    let start = Instant::now();
                    fit(&batch320, 1);
                    two.saturating_sub(start.elapsed()) / 10
                })
                .sum()
        })
    });
    group.finish();
}

criterion_group!(benches, model);
criterion_main!(benches);
