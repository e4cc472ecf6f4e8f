//! Prints the old pipeline's `.npy` files (landmarks, angles, any numeric array) as CSV.
//!
//! ```text
//! cargo run --release --example export -- FILE... [--out DIR]
//! ```
//! Without `--out`, every file goes to standard output in turn; with it, `DIR/<file stem>.csv`
//! per input. On any bad file: one line on standard error naming the file and the cause, and a
//! non-zero exit.
#![allow(clippy::print_stderr)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Export .npy landmark and angle files as CSV.
#[derive(Parser)]
struct Args {
    /// Files to export.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Write one `<stem>.csv` per input into this folder instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

fn run(args: &Args) -> Result<(), String> {
    for file in &args.files {
        match &args.out {
            Some(dir) => {
                let stem = file.file_stem().unwrap_or(file.as_os_str());
                let target = dir.join(stem).with_extension("csv");
                let mut csv = Vec::new();
                gait::io::write_csv(file, &mut csv).map_err(|e| e.to_string())?;
                std::fs::create_dir_all(dir)
                    .and_then(|()| std::fs::write(&target, csv))
                    .map_err(|e| format!("{}: {e}", target.display()))?;
            }
            None => {
                let mut stdout = std::io::stdout().lock();
                gait::io::write_csv(file, &mut stdout).map_err(|e| e.to_string())?;
                stdout.flush().map_err(|e| format!("standard output: {e}"))?;
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("export: {message}");
            ExitCode::FAILURE
        }
    }
}
