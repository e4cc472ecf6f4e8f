//! Predicts the class of new walks (Normal or Abnormal, or which gait pattern) with a saved model
//! or the old Keras `gait_model.h5`, without retraining.
//!
//! ```text
//! cargo run --release --example predict -- --model PATH [--json] INPUT...
//! ```
//! PATH is a model folder (from `train`) or a Keras `.h5`. INPUT is an `N_angles.npy`, an
//! `N_landmarks.npy`, a recording folder or a whole tree, or (built with `--features pose`) a
//! video: pose runs on it, the person who walks is chosen (said on standard error), and their
//! walk is predicted. One line per clip:
//! `path<TAB>Normal|Abnormal<TAB>p_abnormal` for a model of the two classes, else
//! `path<TAB>class<TAB>its probability`; with `--json`, one JSON object per line: the path and
//! the [`Verdict`](gait::Verdict), with the probability of every class and, where there is a
//! Normal class, `p_abnormal`.
//!
//! A recording longer than the model's length (or any, with `--segments`) is cut as the model
//! was trained (its `config.json` records its training clips): into windows of the training
//! windows' length, or at heel strikes into as many strides a part as the training clips held
//! when its landmarks show them, otherwise into windows of the model's length overlapping by
//! half; `--json` says which as `cut`. Every part is classified;
//! the recording's verdict takes, for each class, the geometric mean of its probability over the
//! parts (for Normal and Abnormal: the mean log-odds). `--json` lists the parts as `segments`.
//! Nothing is cut short unsaid.
#![allow(clippy::print_stderr)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use gait::features::FeatureSet;
use gait::lstm::Classifier;
use gait::{Verdict, WalkOptions};
use gait_examples::Failure;
use serde::Serialize;

/// Predict the class of gait clips.
#[derive(Parser)]
struct Args {
    /// A model folder written by `train`, or the old pipeline's Keras `.h5`.
    #[arg(long)]
    model: PathBuf,
    /// One JSON object per line: {"path", "label", "probability", "probabilities", "p_abnormal",
    /// "frames", "cut", "segments"}.
    #[arg(long)]
    json: bool,
    /// Cut every recording into parts and list them, even one the model takes whole.
    #[arg(long)]
    segments: bool,
    /// Frames per second of the recordings, for finding heel strikes (default: the rate each
    /// one's `N_video.json` or video records, else 30).
    #[arg(long)]
    fps: Option<f64>,
    /// Angles or landmarks files, recording folders, dataset trees, or videos (with the `pose`
    /// feature).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
}

/// A `--json` line: the clip's path beside its [`Verdict`].
#[derive(Serialize)]
struct Line<'a> {
    path: String,
    #[serde(flatten)]
    verdict: &'a Verdict,
}

fn run(args: &Args) -> Result<(), Failure> {
    if let Some(fps) = args.fps {
        gait_examples::check_fps(fps)?;
    }
    let model = Classifier::open(&args.model)?;
    let features = model.feature_set();
    if args.model.is_file() {
        eprintln!(
            "note: the old Keras model was trained on image-normalised MediaPipe data; \
             inputs in other units (metres, pixels) shift its 0.5 threshold"
        );
    }
    let binary = model.is_binary();
    let mut out = std::io::stdout().lock();
    let (mut failed, mut total) = (0, 0);
    for input in &args.inputs {
        let (files, _scratch) = clips_of(input, features, args.fps.unwrap_or(30.0))?;
        for (shown, file) in files {
            total += 1;
            // A clip that cannot be predicted is reported, and the others still are.
            let mut options = WalkOptions::default();
            options.always = args.segments;
            options.fps = gait_examples::recording_fps(args.fps, &file);
            let verdict = match gait::predict_walk(&model, &file, &options) {
                Ok(verdict) => verdict,
                Err(e) => {
                    eprintln!("predict: {}: {e}", shown.display());
                    failed += 1;
                    continue;
                }
            };
            let prediction = &verdict.prediction;
            let class = prediction.class.name();
            let written = if args.json {
                let line = Line {
                    path: shown.display().to_string(),
                    verdict: &verdict,
                };
                let json = serde_json::to_string(&line).expect("a verdict serialises");
                writeln!(out, "{json}")
            } else if binary {
                // The old pipeline's two classes: the probability of Abnormal, as always.
                let p = prediction.p_abnormal.expect("Normal and Abnormal");
                writeln!(out, "{}\t{class}\t{p:.4}", shown.display())
            } else {
                writeln!(out, "{}\t{class}\t{:.4}", shown.display(), prediction.probability)
            };
            written.map_err(|e| Box::new(gait_examples::Stdout(e)) as Failure)?;
        }
    }
    if failed > 0 {
        return Err(format!("{failed} of {total} clips could not be predicted (see above)").into());
    }
    Ok(())
}

/// The clips of an input the model reads, each as `(path shown, file read)`, and the scratch
/// folder a video's landmarks were written into, if any (removed when dropped).
type Clips = (Vec<(PathBuf, PathBuf)>, Option<tempfile::TempDir>);

/// The clips of `input`: a video is first turned into landmarks in a scratch folder.
fn clips_of(input: &Path, features: FeatureSet, fps: f64) -> Result<Clips, Failure> {
    #[cfg(feature = "pose")]
    if input.is_file() && gait::pose::is_video(input) {
        let scratch = tempfile::tempdir().map_err(gait_examples::at(input))?;
        let walk = gait_examples::walk_from_video(input, fps, scratch.path())?;
        if let Some(chosen) = &walk.track.chosen {
            eprintln!("note: {}: {chosen}", input.display());
        }
        let file = features.clip_file().path(scratch.path(), "1");
        return Ok((vec![(input.to_path_buf(), file)], Some(scratch)));
    }
    let _ = fps;
    let files = features.clip_file().find(input)?;
    Ok((files.into_iter().map(|f| (f.clone(), f)).collect(), None))
}

fn main() -> ExitCode {
    gait_examples::finish("predict", run(&Args::parse()))
}
