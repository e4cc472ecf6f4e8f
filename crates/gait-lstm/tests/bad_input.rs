//! Bad input gives a clear error, never a panic: broken model folders, a `.h5` of another
//! architecture, sequences of the wrong width, empty or all-missing sequences.

use std::path::Path;

use gait_io::{Class, FeatureSequence};
use gait_lstm::{Classifier, Example, TrainOptions};
use ndarray::Array2;

/// The `seed` set's columns: training infers the feature set from them.
const COLUMNS: [&str; 11] = gait_features::SEED_COLUMNS;

fn sequence(columns: &[&str], frames: usize, value: f64) -> FeatureSequence {
    let values = Array2::from_shape_fn((frames, columns.len()), |(f, c)| value + (f * 3 + c) as f64 * 0.1);
    FeatureSequence::new(columns.iter().map(|c| c.to_string()).collect(), values).unwrap()
}

/// Eight examples of the `seed` columns, Normal and Abnormal in turn, clip `i` of `5 + i`
/// frames starting at `start(i)`.
fn alternating(start: impl Fn(usize) -> f64) -> Vec<Example> {
    (0..8)
        .map(|i| Example {
            sequence: sequence(&COLUMNS, 5 + i, start(i)),
            class: if i % 2 == 0 {
                Class::normal()
            } else {
                Class::abnormal()
            },
            recording: format!("r{i}"),
        })
        .collect()
}

fn tiny_model() -> Classifier {
    let mut options = TrainOptions::default();
    options.epochs = 1;
    options.max_len = 12;
    Classifier::fit(&alternating(|i| i as f64), &options).unwrap().0
}

fn error_of<T: std::fmt::Debug>(result: gait_lstm::Result<T>) -> String {
    result.unwrap_err().to_string()
}

#[test]
fn broken_model_folders_are_refused_naming_the_file() {
    let model = tiny_model();
    let dir = tempfile::tempdir().unwrap();
    let err = error_of(Classifier::load(dir.path()));
    assert!(
        err.contains("config.json") && err.contains("model.safetensors"),
        "{err}"
    );

    model.save(dir.path()).unwrap();
    let config = dir.path().join("config.json");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("\"format_version\": 1", "\"format_version\": 9"),
    )
    .unwrap();
    assert!(error_of(Classifier::load(dir.path())).contains("format version 9"));
    std::fs::write(&config, "{ not json").unwrap();
    assert!(error_of(Classifier::load(dir.path())).contains("not a gait model configuration"));

    model.save(dir.path()).unwrap();
    // A configuration consistent in itself (one more column, with its statistics) that the
    // weights do not fit.
    let mut wider: serde_json::Value = serde_json::from_str(&text).unwrap();
    wider["columns"].as_array_mut().unwrap().push("extra".into());
    wider["normalizer"]["columns"]
        .as_array_mut()
        .unwrap()
        .push("extra".into());
    wider["normalizer"]["mean"]
        .as_array_mut()
        .unwrap()
        .push(0.0.into());
    wider["normalizer"]["std"]
        .as_array_mut()
        .unwrap()
        .push(1.0.into());
    std::fs::write(&config, serde_json::to_string(&wider).unwrap()).unwrap();
    let err = error_of(Classifier::load(dir.path()));
    assert!(
        err.contains("lstm1.weight_ih") && err.contains("12 features"),
        "{err}"
    );

    model.save(dir.path()).unwrap();
    std::fs::write(
        dir.path().join("model.safetensors"),
        b"\x08\x00\x00\x00\x00\x00\x00\x00garbage",
    )
    .unwrap();
    assert!(error_of(Classifier::load(dir.path())).contains("not the ones config.json was saved with"));
    std::fs::remove_file(dir.path().join("model.safetensors")).unwrap();
    assert!(error_of(Classifier::load(dir.path())).contains("model.safetensors"));
}

#[test]
fn weights_and_config_from_different_saves_are_refused() {
    // What a crash between the two files of a save leaves: the new weights beside the old
    // configuration (here, another model's weights).
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    tiny_model().save(a.path()).unwrap();
    let mut trained = TrainOptions::default();
    trained.epochs = 2;
    trained.max_len = 12;
    trained.seed = 9;
    let examples = alternating(|i| -(i as f64));
    let other = Classifier::fit(&examples, &trained).unwrap().0;
    other.save(b.path()).unwrap();
    std::fs::copy(
        b.path().join("model.safetensors"),
        a.path().join("model.safetensors"),
    )
    .unwrap();
    let err = error_of(Classifier::load(a.path()));
    assert!(
        err.contains("model.safetensors") && err.contains("not the ones config.json was saved with"),
        "{err}"
    );
    // Each folder on its own loads.
    Classifier::load(b.path()).unwrap();
}

#[test]
fn a_keras_file_of_another_architecture_or_no_hdf5_is_refused() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let err = error_of(Classifier::from_keras_h5(
        &fixtures.join("keras/other_architecture.h5"),
    ));
    assert!(
        err.contains("other_architecture.h5") && err.contains("kernel [7, 192]"),
        "{err}"
    );
    let err = error_of(Classifier::from_keras_h5(&fixtures.join("make_other_h5.py")));
    assert!(err.contains("not a readable HDF5 file"), "{err}");
}

#[test]
fn inputs_that_do_not_fit_are_refused() {
    let model = tiny_model();
    let wrong = sequence(&["a", "b", "c"], 6, 0.0);
    let err = error_of(model.predict_abnormal([&wrong]));
    assert!(
        err.contains("3 columns") && err.contains("takes the 11 columns"),
        "{err}"
    );
    let empty = sequence(&COLUMNS, 0, 0.0);
    assert!(error_of(model.predict_abnormal([&empty])).contains("empty or all missing"));
    let missing = sequence(&COLUMNS, 4, f64::NAN);
    assert!(error_of(model.predict_abnormal([&missing])).contains("empty or all missing"));
    assert!(error_of(Classifier::fit(&[], &TrainOptions::default())).contains("no training examples"));
}

#[test]
fn examples_whose_columns_name_no_feature_set_are_refused() {
    // A saved configuration names the model's feature set: it must come from the columns.
    let examples: Vec<Example> = alternating(|i| i as f64)
        .into_iter()
        .map(|mut e| {
            let (_, values) = e.sequence.into_parts();
            let columns = (0..values.ncols()).map(|c| format!("c{c}")).collect();
            e.sequence = FeatureSequence::new(columns, values).unwrap();
            e
        })
        .collect();
    let err = error_of(Classifier::fit(&examples, &TrainOptions::default()));
    assert!(err.contains("\"c0\"") && err.contains("no feature set"), "{err}");
    // Examples of one set but some with other columns.
    let mut mixed = alternating(|i| i as f64);
    mixed[3] = examples[3].clone();
    let err = error_of(Classifier::fit(&mixed, &TrainOptions::default()));
    assert!(err.contains("sequence 3") && err.contains("c0"), "{err}");
}

#[test]
fn one_class_or_no_epochs_is_refused_not_trained() {
    let examples = |label: fn(usize) -> Class| -> Vec<Example> {
        (0..6)
            .map(|i| Example {
                sequence: sequence(&COLUMNS, 6, i as f64),
                class: label(i),
                recording: format!("r{i}"),
            })
            .collect()
    };
    let mut options = TrainOptions::default();
    options.epochs = 1;
    options.max_len = 8;
    // Every example Normal: a model that can only say Normal is refused.
    let err = error_of(Classifier::fit(&examples(|_| Class::normal()), &options));
    assert!(
        err.contains("all 6 training examples are Normal") && err.contains("two classes"),
        "{err}"
    );
    let err = error_of(Classifier::fit(&examples(|_| Class::abnormal()), &options));
    assert!(err.contains("all 6 training examples are Abnormal"), "{err}");
    // No epochs: nothing would be learnt.
    let both = examples(|i| {
        if i % 2 == 0 {
            Class::normal()
        } else {
            Class::abnormal()
        }
    });
    let mut none = options.clone();
    none.epochs = 0;
    assert!(error_of(Classifier::fit(&both, &none)).contains("epochs must be at least 1"));
}

#[test]
fn infinite_and_huge_values_count_as_missing_and_never_reach_a_saved_model() {
    // One clip with an infinity, one with 1e300 (infinite once in f32): they used to give the
    // normaliser null statistics and a model that called everything Abnormal.
    let mut examples: Vec<Example> = (0..8)
        .map(|i| Example {
            sequence: sequence(&COLUMNS, 6, if i % 2 == 0 { 0.0 } else { 5.0 }),
            class: if i % 2 == 0 {
                Class::normal()
            } else {
                Class::abnormal()
            },
            recording: format!("r{i}"),
        })
        .collect();
    let poison = |value: f64| {
        let mut values = sequence(&COLUMNS, 6, 5.0).into_parts().1;
        values[[2, 0]] = value;
        FeatureSequence::new(COLUMNS.map(String::from).to_vec(), values).unwrap()
    };
    examples[1].sequence = poison(f64::INFINITY);
    examples[3].sequence = poison(1e300);
    let mut options = TrainOptions::default();
    options.epochs = 3;
    options.max_len = 8;
    options.validation_fraction = 0.0;
    let (model, _) = Classifier::fit(&examples, &options).unwrap();
    let n = model.config().normalizer.as_ref().unwrap();
    assert!(n.mean.iter().chain(&n.std).all(|v| v.is_finite()), "{n:?}");
    let dir = tempfile::tempdir().unwrap();
    model.save(dir.path()).unwrap();
    let config = std::fs::read_to_string(dir.path().join("config.json")).unwrap();
    assert!(!config.contains("null"), "{config}");
    let loaded = Classifier::load(dir.path()).unwrap();
    let p = loaded.predict_abnormal([&poison(f64::NEG_INFINITY)]).unwrap();
    assert!(p[0].is_finite());
}

#[test]
fn a_damaged_config_is_refused_before_anything_is_allocated() {
    let model = tiny_model();
    let dir = tempfile::tempdir().unwrap();
    model.save(dir.path()).unwrap();
    let config = dir.path().join("config.json");
    let good: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    let damaged = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut value = good.clone();
        edit(&mut value);
        std::fs::write(&config, serde_json::to_string(&value).unwrap()).unwrap();
        error_of(Classifier::load(dir.path()))
    };
    // Statistics shorter than the columns used to panic; huge sizes to abort on allocation.
    let err = damaged(&|v| v["normalizer"]["mean"] = serde_json::json!([0.0]));
    assert!(err.contains("config.json") && err.contains("1 means"), "{err}");
    let err = damaged(&|v| v["max_len"] = serde_json::json!(1u64 << 60));
    assert!(err.contains("max_len"), "{err}");
    let err = damaged(&|v| v["lstm_sizes"] = serde_json::json!([1u64 << 40, 32]));
    assert!(err.contains("lstm_sizes[0]"), "{err}");
    let err = damaged(&|v| v["dense_size"] = serde_json::json!(0));
    assert!(err.contains("dense_size"), "{err}");
}

#[test]
fn an_ensemble_keeps_its_first_member_as_a_single_network_and_round_trips() {
    let examples = alternating(|i| i as f64);
    let mut single = TrainOptions::default();
    single.epochs = 2;
    single.max_len = 12;
    single.ensemble = 1;
    let mut ensemble = single.clone();
    ensemble.ensemble = 3;
    let (one, _) = Classifier::fit(&examples, &single).unwrap();
    let (three, _) = Classifier::fit(&examples, &ensemble).unwrap();
    assert_eq!(three.members().len(), 3);
    // The first member is the network a single training gives, bit for bit.
    for ((name, a), (_, b)) in one.named().into_iter().zip(three.named()) {
        let (a, b) = (
            a.as_tensor().flatten_all().unwrap().to_vec1::<f32>().unwrap(),
            b.as_tensor().flatten_all().unwrap().to_vec1::<f32>().unwrap(),
        );
        assert_eq!(a, b, "{name}");
    }
    assert!(three.named().iter().any(|(name, _)| name.starts_with("member2.")));
    // Saved and loaded, it predicts the same; its probabilities are a distribution.
    let dir = tempfile::tempdir().unwrap();
    three.save(dir.path()).unwrap();
    let loaded = Classifier::load(dir.path()).unwrap();
    let p = three.predict_probabilities(&examples).unwrap();
    assert_eq!(p, loaded.predict_probabilities(&examples).unwrap());
    assert!(p.iter().all(|p| (p.iter().sum::<f32>() - 1.0).abs() < 1e-5));
    assert_ne!(p, one.predict_probabilities(&examples).unwrap());
    let mut bad = single;
    bad.ensemble = 0;
    assert!(error_of(Classifier::fit(&examples, &bad)).contains("an ensemble of 0 networks"));
}

#[test]
fn a_weight_that_is_not_a_number_is_refused_even_without_a_checksum() {
    let dir = tempfile::tempdir().unwrap();
    tiny_model().save(dir.path()).unwrap();
    // The first weight made NaN, and the checksum that would catch it taken out by hand.
    let weights = dir.path().join("model.safetensors");
    let mut bytes = std::fs::read(&weights).unwrap();
    let header = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    bytes[8 + header..12 + header].copy_from_slice(&f32::NAN.to_le_bytes());
    std::fs::write(&weights, bytes).unwrap();
    let config = dir.path().join("config.json");
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    value.as_object_mut().unwrap().remove("weights_checksum");
    std::fs::write(&config, serde_json::to_string(&value).unwrap()).unwrap();
    let err = error_of(Classifier::load(dir.path()));
    assert!(
        err.contains("model.safetensors") && err.contains("not a finite number"),
        "{err}"
    );
}

#[test]
fn options_out_of_range_are_refused_before_training_naming_the_option() {
    let examples = alternating(|i| i as f64);
    let refusal = |change: fn(&mut TrainOptions)| {
        let mut options = TrainOptions::default();
        options.max_len = 12;
        change(&mut options);
        error_of(Classifier::fit(&examples, &options))
    };
    assert!(refusal(|o| o.learning_rate = 0.0).contains("learning rate of 0"));
    assert!(refusal(|o| o.learning_rate = f64::NAN).contains("learning rate of NaN"));
    assert!(refusal(|o| o.validation_fraction = 1.0).contains("validation fraction of 1"));
    assert!(refusal(|o| o.validation_fraction = -0.1).contains("validation fraction of -0.1"));
    let err = refusal(|o| {
        o.augmentation = Some(gait_lstm::Augmentation::default());
        o.augmentation.as_mut().unwrap().time_warp = 1.5;
    });
    assert!(err.contains("time warp 1.5"), "{err}");
    assert!(refusal(|o| o.batch_size = 0).contains("batch size"));
    // What is in range trains.
    let mut options = TrainOptions::default();
    (options.max_len, options.epochs, options.validation_fraction) = (12, 1, 0.0);
    assert!(TrainOptions::check(&options).is_ok());
    assert!(Classifier::fit(&examples, &options).is_ok());
}
