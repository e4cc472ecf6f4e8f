//! Prints the old pipeline's `.npy` files (landmarks, angles, any numeric array) as CSV.
//!
//! ```text
//! cargo run --release --example export -- FILE... [--out DIR [--force]]
//! ```
//! Without `--out`, every file goes to standard output in turn; with it, one CSV per input in DIR,
//! mirroring the inputs' folders below their deepest common one (`N_angles.npy` becomes
//! `N_angles.csv`). On any bad file: one line on standard error naming the file and the cause, and a
//! non-zero exit.
#![allow(clippy::print_stderr)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use gait::io::OutputDir;
use gait_examples::Failure;

/// Export .npy landmark and angle files as CSV.
#[derive(Parser)]
struct Args {
    /// Files to export.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Write one CSV per input into this folder instead of standard output (`N_angles.npy` as
    /// `N_angles.csv`, in the inputs' folders below their deepest common one).
    #[arg(long)]
    out: Option<PathBuf>,
    /// With --out, replace CSV files that exist already.
    #[arg(long, requires = "out")]
    force: bool,
}

/// Where each input's CSV goes in `out`: its path below the inputs' deepest common folder (the
/// inputs resolved through links and `..`, so that nothing lands outside `out`), with `.npy`
/// replaced by `.csv`, so that every recording's `1_landmarks.npy` gets its own file and
/// `walk.a_landmarks.npy` keeps its whole name. Existing files are refused unless `force`.
fn targets(files: &[PathBuf], out: &OutputDir, force: bool) -> Result<Vec<PathBuf>, Failure> {
    let absolute = files
        .iter()
        .map(|f| f.canonicalize().map_err(gait_examples::at(f)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut common: Vec<_> = absolute[0]
        .parent()
        .map(|p| p.components().collect())
        .unwrap_or_default();
    for file in &absolute[1..] {
        let parent: Vec<_> = file
            .parent()
            .map(|p| p.components().collect())
            .unwrap_or_default();
        let shared = common.iter().zip(&parent).take_while(|(a, b)| a == b).count();
        common.truncate(shared);
    }
    let common: PathBuf = common.iter().collect();
    let mut targets: Vec<PathBuf> = Vec::with_capacity(files.len());
    for (file, path) in files.iter().zip(&absolute) {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let csv = format!("{}.csv", name.strip_suffix(".npy").unwrap_or(&name));
        let relative = path
            .parent()
            .and_then(|p| p.strip_prefix(&common).ok())
            .unwrap_or(Path::new(""));
        let target = out.dir(relative)?.join(csv);
        if let Some(k) = targets.iter().position(|t| *t == target) {
            return Err(format!(
                "{} and {} would both be written to {}",
                files[k].display(),
                file.display(),
                target.display()
            )
            .into());
        }
        targets.push(target);
    }
    if let Some(existing) = targets.iter().find(|t| !force && t.exists()) {
        return Err(gait::io::Error::OutputExists {
            path: existing.clone(),
        }
        .into());
    }
    Ok(targets)
}

fn run(args: &Args) -> Result<(), Failure> {
    let targets = match &args.out {
        Some(dir) => {
            let inputs: Vec<&Path> = args.files.iter().map(PathBuf::as_path).collect();
            targets(&args.files, &OutputDir::prepare(dir, &inputs, true)?, args.force)?
        }
        None => Vec::new(),
    };
    for (k, file) in args.files.iter().enumerate() {
        match targets.get(k) {
            Some(target) => {
                let mut csv = Vec::new();
                gait::io::write_csv(file, &mut csv)?;
                gait::io::write_atomically(target, &csv)?;
            }
            None => {
                let mut stdout = std::io::stdout().lock();
                gait::io::write_csv(file, &mut stdout)?;
                stdout
                    .flush()
                    .map_err(gait_examples::at(Path::new("standard output")))?;
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    gait_examples::finish("export", run(&Args::parse()))
}
