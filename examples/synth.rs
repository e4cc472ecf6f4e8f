//! Writes the synthetic dataset: subject-disjoint Training/Testing trees of normal and
//! pathological walkers, in the old pipeline's layout (both files per clip).
//!
//! ```text
//! cargo run --release --example synth -- --out DIR [--seed N] [--classes] [--whole] [--seconds S] [--force]
//! ```
#![allow(clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use gait::synth::CohortOptions;
use gait_examples::Failure;

/// Write a synthetic gait dataset.
#[derive(Parser)]
struct Args {
    /// Folder to write Training/ and Testing/ into.
    #[arg(long)]
    out: PathBuf,
    /// Seed: the same seed writes the same dataset.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Subjects walking normally.
    #[arg(long, default_value_t = CohortOptions::default().normal_subjects)]
    normal: usize,
    /// Subjects with a pathology.
    #[arg(long, default_value_t = CohortOptions::default().abnormal_subjects)]
    abnormal: usize,
    /// Write into --out even if it is not empty (files of the same names are replaced).
    #[arg(long)]
    force: bool,
    /// One class per pathology (Hemiplegic, Parkinsonian, ...) beside Normal, instead of
    /// Normal and Abnormal.
    #[arg(long)]
    classes: bool,
    /// Each recording whole, as its clip 1, instead of cut into two-stride clips.
    #[arg(long)]
    whole: bool,
    /// Seconds per recording.
    #[arg(long, default_value_t = CohortOptions::default().seconds)]
    seconds: f64,
}

fn run(args: &Args) -> Result<(), Failure> {
    let mut options = CohortOptions::default();
    options.normal_subjects = args.normal;
    options.abnormal_subjects = args.abnormal;
    options.classes = args.classes;
    options.seconds = args.seconds;
    options.check()?;
    gait::io::OutputDir::prepare(&args.out, &[], args.force)?;
    let clips = if args.whole {
        gait::write_synthetic_recordings(&args.out, &options, args.seed)?
    } else {
        gait::write_synthetic_dataset(&args.out, &options, args.seed)?
    };
    if clips == 0 {
        return Err(format!("no clip was written: {} subjects", args.normal + args.abnormal).into());
    }
    eprintln!("{clips} clips written to {}", args.out.display());
    Ok(())
}

fn main() -> ExitCode {
    gait_examples::finish("synth", run(&Args::parse()))
}
