//! Cross-validates the training recipe by subject: every clip is predicted once by a model that
//! never saw its subject; the pooled out-of-fold metrics per seed, their median and spread.
//!
//! ```text
//! cargo run --release --example crossval -- --data DIR [--folds K | --leave-one-group-out]
//!     [--group REGEX] [--seeds N] [--epochs N] [--features seed|default] [--out crossval]
//! ```
//! Both splits of DIR are pooled. Groups are subjects: the recording folder, or the part of its
//! name the first capture group of REGEX takes (`--group '^(s\d+)_'` puts `s03_walk2` and
//! `s03_walk5` together). Writes `crossval.json` (every seed's metrics and out-of-fold
//! predictions) and `crossval.png` into `--out`.
#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use gait::features::FeatureSet;
use gait::io::OutputDir;
use gait::io::Split;
use gait::lstm::{Augmentation, CrossValidation, Evaluation, Folds, TrainOptions};
use gait_examples::Failure;
use indicatif::{ProgressBar, ProgressStyle};
use plotters::prelude::*;

/// Cross-validate the gait classifier by subject.
#[derive(Parser)]
struct Args {
    /// Dataset tree (Training/ and Testing/ are pooled).
    #[arg(long)]
    data: PathBuf,
    /// Folds of whole subjects.
    #[arg(long, default_value_t = 5, conflicts_with = "leave_one_group_out")]
    folds: usize,
    /// One fold per subject.
    #[arg(long)]
    leave_one_group_out: bool,
    /// A regular expression whose first capture group, in a recording folder's name, names its
    /// subject (default: the whole name).
    #[arg(long)]
    group: Option<String>,
    /// Training seeds 0, 1, ..., N-1.
    #[arg(long, default_value_t = 3)]
    seeds: u64,
    /// Most epochs per model.
    #[arg(long, default_value_t = TrainOptions::default().epochs)]
    epochs: usize,
    /// Feature set: `default` (from landmarks) or `seed` (the old pipeline's).
    #[arg(long, default_value = "default")]
    features: FeatureSet,
    /// Train on sequences warped in time and noised anew each epoch.
    #[arg(long)]
    augment: bool,
    /// Networks to train and average (each with its own seed and validation part).
    #[arg(long, default_value_t = TrainOptions::default().ensemble)]
    ensemble: usize,
    /// Folder for crossval.json and crossval.png.
    #[arg(long, default_value = "crossval")]
    out: PathBuf,
    /// Write into --out even if it is not empty (an earlier crossval.json is replaced).
    #[arg(long)]
    force: bool,
}

fn run(args: &Args) -> Result<(), Failure> {
    // The output is checked before any work: a refusal after an hour of training helps no one.
    let out = OutputDir::prepare(&args.out, &[&args.data], args.force)?;
    let features = gait::feature_set_for(&args.data, args.features)?;
    let mut examples = Vec::new();
    for split in Split::ALL {
        match gait::load_examples(&args.data, split, features) {
            Ok(loaded) => {
                for s in &loaded.skipped {
                    eprintln!("skipped {s}");
                }
                examples.extend(loaded.examples);
            }
            Err(gait::lstm::Error::Io(gait::io::Error::NoClips { .. })) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let groups = gait::lstm::subjects(&examples, args.group.as_deref())?;
    let folds = if args.leave_one_group_out {
        Folds::LeaveOneGroupOut
    } else {
        Folds::K(args.folds)
    };
    let seeds: Vec<u64> = (0..args.seeds).collect();
    let mut options = TrainOptions::default();
    options.epochs = args.epochs;
    options.augmentation = args.augment.then(Augmentation::default);
    options.ensemble = args.ensemble;
    let subjects = {
        let mut g = groups.clone();
        g.sort();
        g.dedup();
        g.len()
    };
    let per_seed = match folds {
        Folds::K(k) => k,
        Folds::LeaveOneGroupOut => subjects,
    };
    eprintln!(
        "{} clips of {subjects} subjects, {features} features, {per_seed} folds x {} seeds",
        examples.len(),
        seeds.len()
    );
    let bar = ProgressBar::new((per_seed * seeds.len()) as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} models {elapsed_precise} {msg}")
            .expect("valid template"),
    );
    let cv = CrossValidation::run(&examples, &groups, folds, &options, &seeds, |seed, fold, _| {
        bar.set_message(format!("seed {seed}, fold {}", fold + 1));
        bar.inc(1);
    })?;
    bar.finish_and_clear();
    for note in &cv.notes {
        eprintln!("note: {note}");
    }
    let summary = summary(&cv);
    let json = serde_json::json!({ "summary": summary, "crossval": cv });
    gait::io::write_atomically(
        &out.root().join("crossval.json"),
        serde_json::to_string_pretty(&json)?.as_bytes(),
    )?;
    gait_examples::draw_whole(&out.root().join("crossval.png"), |p| plot(p, &cv))?;
    for result in &cv.seeds {
        gait_examples::say!("seed {}: {}", result.seed, line(&result.evaluation))?;
    }
    for (name, values) in metrics(&cv) {
        let [lo, median, hi] = spread(&values);
        gait_examples::say!(
            "{name}: median {median:.3} (min {lo:.3}, max {hi:.3}) over {} seeds",
            values.len()
        )?;
    }
    gait_examples::say!("written to {}", args.out.display())?;
    Ok(())
}

/// One seed's metrics in a line.
fn line(e: &Evaluation) -> String {
    let auc = e
        .normal_vs_rest_auc()
        .map_or(String::new(), |a| format!(", Normal-vs-rest AUC {a:.3}"));
    format!(
        "accuracy {:.3}, balanced accuracy {:.3}{auc} ({} clips)",
        e.accuracy(),
        e.balanced_accuracy(),
        e.n_test()
    )
}

/// The metrics compared over seeds, by name, one value per seed.
fn metrics(cv: &CrossValidation) -> Vec<(&'static str, Vec<f64>)> {
    let of = |f: fn(&Evaluation) -> f64| cv.seeds.iter().map(|s| f(&s.evaluation)).collect();
    let mut out = vec![
        ("balanced accuracy", of(Evaluation::balanced_accuracy)),
        ("accuracy", of(Evaluation::accuracy)),
    ];
    if cv
        .seeds
        .iter()
        .all(|s| s.evaluation.normal_vs_rest_auc().is_some())
    {
        out.push((
            "Normal-vs-rest AUC",
            of(|e| e.normal_vs_rest_auc().unwrap_or(f64::NAN)),
        ));
    }
    out
}

/// Least, median and greatest.
fn spread(values: &[f64]) -> [f64; 3] {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    [sorted[0], median, sorted[n - 1]]
}

/// The median and spread of each metric, for crossval.json.
fn summary(cv: &CrossValidation) -> serde_json::Value {
    metrics(cv)
        .into_iter()
        .map(|(name, values)| {
            let [min, median, max] = spread(&values);
            (
                name.replace([' ', '-'], "_").to_lowercase(),
                serde_json::json!({ "median": median, "min": min, "max": max, "per_seed": values }),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// Each metric per seed as a dot, the median as a bar.
fn plot(path: &Path, cv: &CrossValidation) -> Result<(), Failure> {
    gait_examples::register_font()?;
    let e = |err: DrawingAreaErrorKind<_>| err.to_string();
    let metrics = metrics(cv);
    let root = BitMapBackend::new(path, (240 * metrics.len() as u32 + 120, 460)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let low = metrics
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .filter(|v| v.is_finite())
        .fold(1.0f64, f64::min);
    let bottom = (low - 0.05).clamp(0.0, 0.9);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("cross-validation by subject, {} seeds", cv.seeds.len()),
            ("sans-serif", 22),
        )
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..metrics.len() as f64, bottom..1.0)
        .map_err(e)?;
    let names: Vec<&str> = metrics.iter().map(|(n, _)| *n).collect();
    let name = |x: &f64| {
        let i = x.floor() as usize;
        if (x - x.floor() - 0.5).abs() < 1e-9 && i < names.len() {
            names[i].to_string()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .x_labels(2 * names.len() + 1)
        .x_label_formatter(&name)
        .disable_x_mesh()
        .draw()
        .map_err(e)?;
    for (i, (_, values)) in metrics.iter().enumerate() {
        let [_, median, _] = spread(values);
        let x = i as f64;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x + 0.25, bottom), (x + 0.75, median)],
                BLUE.mix(0.25).filled(),
            )))
            .map_err(e)?;
        chart
            .draw_series(values.iter().enumerate().map(|(s, &v)| {
                let offset = (s as f64 + 0.5) / values.len() as f64 * 0.4 + 0.3;
                Circle::new((x + offset, v), 5, BLUE.filled())
            }))
            .map_err(e)?;
    }
    root.present().map_err(e)?;
    Ok(())
}

fn main() -> ExitCode {
    gait_examples::finish("crossval", run(&Args::parse()))
}
