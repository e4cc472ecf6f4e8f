//! Computes gait features for every landmarks file of a dataset tree, writing the tree again.
//!
//! ```text
//! cargo run --release --example extract -- --input DIR --out OUT [--features seed|default]
//! ```
//! For every `N_landmarks.npy` under DIR, OUT gets the same path with the landmarks file copied
//! and `N_angles.npy` holding the features. The input is never written to; files that cannot be
//! used are listed with the reason.
#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use gait::features::{CleaningOptions, FeatureSet, clean};
use gait::io::{Dataset, Require, read_landmarks, write_angles};
use indicatif::{ProgressBar, ProgressStyle};

/// Compute gait features from landmark files, mirroring the dataset tree.
#[derive(Parser)]
struct Args {
    /// Dataset tree to read: DIR/{Training,Testing}/{Normal,Abnormal}/<recording>/N_landmarks.npy.
    #[arg(long)]
    input: PathBuf,
    /// Folder to write the mirrored tree into (must not be inside the input).
    #[arg(long)]
    out: PathBuf,
    /// Feature set: `seed` (the old pipeline's, exactly) or `default` (biomechanically correct).
    #[arg(long, default_value = "default")]
    features: FeatureSet,
    /// Fill short gaps and low-pass filter the landmarks before computing features.
    #[arg(long)]
    clean: bool,
    /// Frames per second, for `--clean`.
    #[arg(long, default_value_t = 30.0)]
    fps: f64,
    /// Write into --out even if it is not empty (files of the same names are replaced).
    #[arg(long)]
    force: bool,
}

fn run(args: &Args) -> Result<(), String> {
    if !(args.fps.is_finite() && args.fps > 0.0) {
        return Err(format!(
            "--fps must be a positive number of frames per second, not {}",
            args.fps
        ));
    }
    let input = args
        .input
        .canonicalize()
        .map_err(|e| format!("{}: {e}", args.input.display()))?;
    let out = std::path::absolute(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    if out.starts_with(&input) || out.starts_with(&args.input) {
        return Err(format!(
            "--out {} is inside --input {}: choose a folder outside it",
            out.display(),
            input.display()
        ));
    }
    if !args.force && std::fs::read_dir(&out).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(format!(
            "{} is not empty: choose an empty folder, or --force to write into it",
            out.display()
        ));
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let out = out
        .canonicalize()
        .map_err(|e| format!("{}: {e}", out.display()))?;
    if out.starts_with(&input) {
        return Err(format!(
            "--out {} is inside --input {}: choose a folder outside it",
            out.display(),
            input.display()
        ));
    }
    let dataset = Dataset::scan(&input, Require::Landmarks).map_err(|e| e.to_string())?;
    let cleaning = CleaningOptions {
        fps: args.fps,
        ..CleaningOptions::default()
    };
    let bar = ProgressBar::new(dataset.samples.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} clips {elapsed_precise} {msg}")
            .expect("valid template"),
    );
    let mut skipped: Vec<String> = dataset.skipped.iter().map(ToString::to_string).collect();
    let mut written = 0;
    for sample in &dataset.samples {
        bar.inc(1);
        let source = sample.landmarks.as_deref().expect("scanned for landmarks");
        match extract(source, &input, &out, args, &cleaning) {
            Ok(()) => written += 1,
            Err(reason) => skipped.push(reason),
        }
    }
    bar.finish_and_clear();
    eprintln!(
        "{written} clips written to {} with the {} features",
        out.display(),
        args.features
    );
    if !skipped.is_empty() {
        eprintln!("{} skipped:", skipped.len());
        for reason in &skipped {
            eprintln!("  {reason}");
        }
    }
    if written == 0 {
        return Err(format!("no clip could be extracted from {}", input.display()));
    }
    Ok(())
}

fn extract(
    source: &Path,
    input: &Path,
    out: &Path,
    args: &Args,
    cleaning: &CleaningOptions,
) -> Result<(), String> {
    let mut landmarks = read_landmarks(source).map_err(|e| e.to_string())?;
    if args.clean {
        landmarks = clean(&landmarks, cleaning)
            .map_err(|e| format!("{}: {e}", source.display()))?
            .0;
    }
    let features = args
        .features
        .compute(&landmarks, None)
        .map_err(|e| format!("{}: {e}", source.display()))?;
    let target = out.join(source.strip_prefix(input).expect("found under the input"));
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .expect("N_landmarks.npy");
    let angles = target.with_file_name(name.replace("_landmarks.npy", "_angles.npy"));
    write_angles(&angles, &features).map_err(|e| e.to_string())?;
    std::fs::copy(source, &target).map_err(|e| format!("{}: {e}", target.display()))?;
    Ok(())
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("extract: {message}");
            ExitCode::FAILURE
        }
    }
}
