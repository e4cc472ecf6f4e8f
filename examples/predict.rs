//! Predicts Normal or Abnormal for new walks with a saved model or the old Keras `gait_model.h5`,
//! without retraining.
//!
//! ```text
//! cargo run --release --example predict -- --model PATH [--json] INPUT...
//! ```
//! PATH is a model folder (from `train`) or a Keras `.h5`. INPUT is an `N_angles.npy`, an
//! `N_landmarks.npy`, a recording folder or a whole tree. One line per clip:
//! `path<TAB>Normal|Abnormal<TAB>p_abnormal`, or with `--json` one JSON object per line.
#![allow(clippy::print_stderr)]

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use common::Failure;
use gait::lstm::{Classifier, label_of};

/// Predict Normal or Abnormal for gait clips.
#[derive(Parser)]
struct Args {
    /// A model folder written by `train`, or the old pipeline's Keras `.h5`.
    #[arg(long)]
    model: PathBuf,
    /// One JSON object per line: {"path", "label", "p_abnormal"}.
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
    let mut out = std::io::stdout().lock();
    let (mut failed, mut total) = (0, 0);
    for input in &args.inputs {
        let files = gait::prediction_inputs(input, features)?;
        for file in files {
            total += 1;
            // A clip that cannot be predicted is reported, and the others still are.
            let p = match gait::features_of_file(&file, features)
                .map_err(Failure::from)
                .and_then(|sequence| {
                    model
                        .predict_proba([&sequence])
                        .map_err(|e| format!("{}: {e}", file.display()).into())
                }) {
                Ok(p) => p[0],
                Err(message) => {
                    eprintln!("predict: {message}");
                    failed += 1;
                    continue;
                }
            };
            let label = label_of(p).dir_name();
            let written = if args.json {
                let line = serde_json::json!({ "path": file.display().to_string(), "label": label, "p_abnormal": p });
                writeln!(out, "{line}")
            } else {
                writeln!(out, "{}\t{label}\t{p:.4}", file.display())
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
