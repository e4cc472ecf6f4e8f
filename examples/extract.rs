//! Computes gait features for every landmarks file of a dataset tree, writing the tree again.
//!
//! ```text
//! cargo run --release --example extract -- --input DIR --out OUT [--features seed|default]
//! ```
//! For every `N_landmarks.npy` under DIR, OUT gets the same path with the landmarks file copied
//! and `N_angles.npy` holding the features. The input is never written to; files that cannot be
//! used are listed with the reason.
#![allow(clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use gait::ExtractOptions;
use gait::features::{CleaningOptions, FeatureSet};
use gait::io::OutputDir;
use gait_examples::Failure;
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

fn run(args: &Args) -> Result<(), Failure> {
    gait_examples::check_fps(args.fps)?;
    let out = OutputDir::prepare(&args.out, &[&args.input], args.force)?;
    let mut options = ExtractOptions::default();
    options.feature_set = args.features;
    if args.clean {
        let mut cleaning = CleaningOptions::default();
        cleaning.fps = args.fps;
        options.cleaning = Some(cleaning);
    }
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} clips {elapsed_precise}").expect("valid template"),
    );
    let extracted = gait::extract_tree(&args.input, &out, &options, |_| bar.inc(1))?;
    bar.finish_and_clear();
    eprintln!(
        "{} clips written to {} with the {} features",
        extracted.written,
        args.out.display(),
        args.features
    );
    if !extracted.skipped.is_empty() {
        eprintln!("{} skipped:", extracted.skipped.len());
        for skipped in &extracted.skipped {
            eprintln!("  {skipped}");
        }
    }
    if extracted.written == 0 {
        return Err(format!("no clip could be extracted from {}", args.input.display()).into());
    }
    Ok(())
}

fn main() -> ExitCode {
    gait_examples::finish("extract", run(&Args::parse()))
}
