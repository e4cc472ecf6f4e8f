//! Predicts the class of new walks (Normal or Abnormal, or which gait pattern) with a saved model
//! or the old Keras `gait_model.h5`, without retraining.
//!
//! ```text
//! cargo run --release --example predict -- --model PATH [--json] INPUT...
//! ```
//! PATH is a model folder (from `train`) or a Keras `.h5`. INPUT is an `N_angles.npy`, an
//! `N_landmarks.npy`, a recording folder or a whole tree. One line per clip:
//! `path<TAB>Normal|Abnormal<TAB>p_abnormal` for a model of the two classes, else
//! `path<TAB>class<TAB>its probability`; with `--json`, one JSON object per line with the
//! probability of every class and, where there is a Normal class, `p_abnormal`.
#![allow(clippy::print_stderr)]

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use common::Failure;
use gait::lstm::Classifier;

/// Predict the class of gait clips.
#[derive(Parser)]
struct Args {
    /// A model folder written by `train`, or the old pipeline's Keras `.h5`.
    #[arg(long)]
    model: PathBuf,
    /// One JSON object per line: {"path", "label", "probabilities", "p_abnormal"}.
    #[arg(long)]
    json: bool,
    /// Angles or landmarks files, recording folders, or dataset trees.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
}

fn run(args: &Args) -> Result<(), Failure> {
    let model = Classifier::open(&args.model)?;
    let features = model.feature_set();
    if args.model.is_file() {
        eprintln!(
            "note: the old Keras model was trained on image-normalised MediaPipe data; \
             inputs in other units (metres, pixels) shift its 0.5 threshold"
        );
    }
    let (classes, binary) = (model.classes(), model.is_binary());
    let mut out = std::io::stdout().lock();
    let (mut failed, mut total) = (0, 0);
    for input in &args.inputs {
        let files = gait::prediction_inputs(input, features)?;
        for file in files {
            total += 1;
            // A clip that cannot be predicted is reported, and the others still are.
            let prediction = match gait::features_of_file(&file, features)
                .map_err(Failure::from)
                .and_then(|sequence| {
                    model
                        .classify([&sequence])
                        .map_err(|e| format!("{}: {e}", file.display()).into())
                }) {
                Ok(mut p) => p.remove(0),
                Err(message) => {
                    eprintln!("predict: {message}");
                    failed += 1;
                    continue;
                }
            };
            let class = prediction.class.name();
            let written = if args.json {
                let probabilities: serde_json::Map<String, serde_json::Value> = classes
                    .iter()
                    .zip(&prediction.probabilities)
                    .map(|(c, &p)| (c.name().to_string(), p.into()))
                    .collect();
                let mut line = serde_json::json!({
                    "path": file.display().to_string(),
                    "label": class,
                    "probabilities": probabilities,
                });
                if let Some(p) = prediction.p_abnormal {
                    line["p_abnormal"] = p.into();
                }
                writeln!(out, "{line}")
            } else if binary {
                // The old pipeline's two classes: the probability of Abnormal, as always.
                let p = prediction.p_abnormal.expect("Normal and Abnormal");
                writeln!(out, "{}\t{class}\t{p:.4}", file.display())
            } else {
                writeln!(out, "{}\t{class}\t{:.4}", file.display(), prediction.probability)
            };
            if written.is_err() {
                return Ok(()); // the reader went away (a closed pipe): nothing more to say
            }
        }
    }
    if failed > 0 {
        return Err(format!("{failed} of {total} clips could not be predicted (see above)").into());
    }
    Ok(())
}

fn main() -> ExitCode {
    common::finish("predict", run(&Args::parse()))
}
