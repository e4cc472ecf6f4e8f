//! Classifier speed against the anchors of `python ../shared/anchors/lstm_anchors.py torch 2`:
//! `lstm/inference_b256` (forward and softmax on 256 x 110 x 11) and `lstm/train_step_b32`
//! (forward, backward and an Adam step on 32 x 110 x 11).
#![allow(missing_docs)] // criterion_group! makes an undocumented public function

use candle_core::{Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use criterion::{Criterion, criterion_group, criterion_main};
use gait::features::{FeatureSet, SEED_COLUMNS};
use gait::io::{FeatureSequence, Label};
use gait::lstm::{Classifier, Example, TrainOptions};
use gait::ndarray::Array2;

fn sequences(n: usize) -> Vec<Example> {
    (0..n)
        .map(|i| {
            let values =
                Array2::from_shape_fn((110, 11), |(f, c)| ((f * 7 + c * 13 + i * 3) % 29) as f64 - 14.0);
            let columns = SEED_COLUMNS.iter().map(|c| c.to_string()).collect();
            Example {
                sequence: FeatureSequence::new(columns, values).expect("11 columns"),
                label: if i % 2 == 0 {
                    Label::Normal
                } else {
                    Label::Abnormal
                },
                recording: format!("r{i}"),
            }
        })
        .collect()
}

fn model(c: &mut Criterion) {
    let batch256 = sequences(256);
    let batch32 = sequences(32);
    let mut group = c.benchmark_group("lstm");
    group.sample_size(10);
    // A model one training step old (its weights do not change the cost).
    let options = TrainOptions {
        epochs: 1,
        validation_fraction: 0.0,
        ..TrainOptions::default()
    };
    let (classifier, _) = Classifier::fit(&batch32, FeatureSet::Seed, &options, |_| {}).expect("training");
    let refs: Vec<&FeatureSequence> = batch256.iter().map(|e| &e.sequence).collect();
    group.bench_function("inference_b256", |b| {
        b.iter(|| classifier.predict_proba(&refs).expect("prediction"))
    });
    let refs32: Vec<&FeatureSequence> = batch32.iter().map(|e| &e.sequence).collect();
    let (x, last) = classifier.prepare(&refs32).expect("inputs");
    let labels = Tensor::from_vec((0..32u32).map(|i| i % 2).collect(), 32, &Device::Cpu).expect("labels");
    let vars = classifier
        .network
        .named()
        .into_iter()
        .map(|(_, v)| v.clone())
        .collect();
    let params = ParamsAdamW {
        lr: 1e-3,
        eps: 1e-7,
        weight_decay: 0.0,
        ..ParamsAdamW::default()
    };
    let mut adam = AdamW::new(vars, params).expect("optimiser");
    group.bench_function("train_step_b32", |b| {
        b.iter(|| {
            let logits = classifier.network.forward_t(&x, &last, true).expect("forward");
            let loss = candle_nn::loss::cross_entropy(&logits, &labels).expect("loss");
            adam.backward_step(&loss).expect("step");
        })
    });
    group.finish();
}

criterion_group!(benches, model);
criterion_main!(benches);
