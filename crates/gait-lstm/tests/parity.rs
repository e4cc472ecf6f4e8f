//! Our layer against PyTorch's `nn.LSTM` (outputs and every gradient), and the old Keras
//! `gait_model.h5` against TensorFlow/Keras's own predictions (`fixtures/make_*_fixture.py`).

use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor, Var};
use gait_io::{FeatureSequence, read_npy};
use gait_lstm::{Classifier, Lstm};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A fixture array as an f32 tensor of its shape.
fn tensor(name: &str) -> Tensor {
    let array = read_npy(&fixture(name)).unwrap().to_f64();
    let values: Vec<f32> = array.iter().map(|&v| v as f32).collect();
    Tensor::from_vec(values, array.shape(), &Device::Cpu).unwrap()
}

fn max_difference(a: &Tensor, b: &Tensor) -> f32 {
    assert_eq!(a.dims(), b.dims());
    (a - b)
        .unwrap()
        .abs()
        .unwrap()
        .flatten_all()
        .unwrap()
        .max(0)
        .unwrap()
        .to_scalar::<f32>()
        .unwrap()
}

#[test]
fn lstm_layer_matches_pytorch_outputs_and_gradients() {
    let var = |name: &str| Var::from_tensor(&tensor(&format!("torch_lstm/{name}.npy"))).unwrap();
    let lstm = Lstm {
        weight_ih: var("weight_ih"),
        weight_hh: var("weight_hh"),
        bias_ih: var("bias_ih"),
        bias_hh: var("bias_hh"),
    };
    let x = var("x");
    let out = lstm.forward_t(x.as_tensor(), true).unwrap();
    assert!(max_difference(&out, &tensor("torch_lstm/out.npy")) < 1e-5);
    let loss = (out * tensor("torch_lstm/r.npy")).unwrap().sum_all().unwrap();
    let grads = loss.backward().unwrap();
    for (name, v) in [
        ("x", &x),
        ("weight_ih", &lstm.weight_ih),
        ("weight_hh", &lstm.weight_hh),
        ("bias_ih", &lstm.bias_ih),
        ("bias_hh", &lstm.bias_hh),
    ] {
        let ours = grads.get(v).unwrap_or_else(|| panic!("no gradient for {name}"));
        let d = max_difference(ours, &tensor(&format!("torch_lstm/grad_{name}.npy")));
        assert!(d < 1e-5, "gradient of {name}: differs by {d}");
    }
}

fn keras_model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seed/gait_model.h5")
}

#[test]
fn old_keras_model_predicts_what_keras_predicts() {
    let model = Classifier::from_keras_h5(&keras_model()).unwrap();
    assert!(!model.config().masked && model.config().normalizer.is_none());
    let x = read_npy(&fixture("keras/x.npy")).unwrap().to_f64();
    let expected = read_npy(&fixture("keras/probabilities.npy")).unwrap().to_f64();
    let sequences: Vec<FeatureSequence> = x
        .outer_iter()
        .map(|clip| {
            let values = clip.into_dimensionality::<ndarray::Ix2>().unwrap().to_owned();
            FeatureSequence::new(model.config().columns.clone(), values).unwrap()
        })
        .collect();
    let refs: Vec<&FeatureSequence> = sequences.iter().collect();
    let p = model.predict_proba(&refs).unwrap();
    for (i, (&ours, keras)) in p.iter().zip(expected.outer_iter()).enumerate() {
        assert!(
            (f64::from(ours) - keras[1]).abs() < 1e-5,
            "clip {i}: ours {ours}, Keras {}",
            keras[1]
        );
    }
}
