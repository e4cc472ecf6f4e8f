//! Trains the gait classifier on a dataset tree and evaluates it once on the Testing split.
//!
//! ```text
//! cargo run --release --example train -- --data DIR --out MODEL_DIR [--epochs N] [--batch-size N]
//!                                        [--seed N] [--features seed|default] [--force]
//! ```
//! With no arguments it writes the synthetic dataset to `data/synthetic` (if absent), trains on it
//! and saves into `model/`. The model folder gets `model.safetensors`, `config.json`,
//! `metrics.json`, and the plots `training.png` (loss and accuracy per epoch, of the first network)
//! and `confusion.png`.
#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use gait::features::FeatureSet;
use gait::io::OutputDir;
use gait::io::Split;
use gait::lstm::{Augmentation, Classifier, EpochReport, Evaluation, TrainOptions};
use gait::synth::CohortOptions;
use gait_examples::Failure;
use indicatif::{ProgressBar, ProgressStyle};
use plotters::prelude::*;

/// Train the gait classifier.
#[derive(Parser)]
struct Args {
    /// Dataset tree (Training/ and Testing/); the synthetic dataset is written here if it is absent
    /// and this is the default.
    #[arg(long, default_value = "data/synthetic")]
    data: PathBuf,
    /// Folder to save the model, metrics and plots into.
    #[arg(long, default_value = "model")]
    out: PathBuf,
    /// Most epochs (training stops early when validation loss stops improving).
    #[arg(long, default_value_t = TrainOptions::default().epochs)]
    epochs: usize,
    /// Sequences per optimiser step.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Seed of initialisation, validation split and shuffling.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Train on sequences warped in time and noised anew each epoch.
    #[arg(long)]
    augment: bool,
    /// Networks to train and average (each with its own seed and validation part).
    #[arg(long, default_value_t = TrainOptions::default().ensemble)]
    ensemble: usize,
    /// Feature set: `default` (biomechanical, from landmarks) or `seed` (the old pipeline's).
    #[arg(long, default_value = "default")]
    features: FeatureSet,
    /// Save into --out even if it is not empty (a model there is replaced).
    #[arg(long)]
    force: bool,
}

fn run(args: &Args) -> Result<(), Failure> {
    if !args.data.exists() && args.data == Path::new("data/synthetic") {
        eprintln!("writing the synthetic dataset to {} ...", args.data.display());
        let clips = gait::write_synthetic_dataset(&args.data, &CohortOptions::default(), 0)?;
        eprintln!("{clips} clips written");
    }
    // The output is checked before any work: a refusal after training helps no one.
    let out = OutputDir::prepare(&args.out, &[&args.data], args.force)?;
    let out = out.root();
    let features = gait::feature_set_for(&args.data, args.features)?;
    if features != args.features {
        eprintln!(
            "{} has angles files only: training on the seed features they hold",
            args.data.display()
        );
    }
    let train = gait::load_examples(&args.data, Split::Training, features)?;
    let test = gait::load_examples(&args.data, Split::Testing, features)?;
    for s in &train.skipped {
        eprintln!("skipped {s}");
    }
    eprintln!(
        "{} training clips, {} test clips, {features} features",
        train.examples.len(),
        test.examples.len()
    );
    for note in gait::lstm::check_classes(&train.examples, &test.examples)? {
        eprintln!("note: {note}");
    }

    let mut options = TrainOptions::default();
    options.epochs = args.epochs;
    options.batch_size = args.batch_size;
    options.seed = args.seed;
    options.augmentation = args.augment.then(Augmentation::default);
    options.ensemble = args.ensemble;
    // One bar per network of the ensemble; a network that stops early leaves the rest of its bar.
    let bar = ProgressBar::new(options.epochs as u64).with_style(
        ProgressStyle::with_template("{prefix} epoch {pos:>3}/{len} {bar:30} {elapsed_precise} {msg}")
            .expect("valid template"),
    );
    let mut member = usize::MAX;
    let (model, histories) = Classifier::fit_with_progress(&train.examples, &options, |r: &EpochReport| {
        if r.member != member {
            member = r.member;
            bar.reset();
            bar.set_prefix(format!("network {}/{}", member + 1, options.ensemble));
        }
        bar.set_message(format!(
            "loss {:.3} acc {:.3} | val loss {:.3} acc {:.3}",
            r.train_loss, r.train_accuracy, r.val_loss, r.val_accuracy
        ));
        bar.set_position(r.epoch as u64);
    })?;
    bar.finish();
    let best: Vec<String> = histories.iter().map(|h| h.best_epoch.to_string()).collect();
    eprintln!(
        "kept the weights of epoch {} (per network, the lowest validation loss)",
        best.join(", ")
    );

    let metrics = model.evaluate(&test.examples)?;
    model.save(out)?;
    // The metrics cover the test clips that could be used; those that could not are counted and
    // named beside them, never dropped silently.
    let mut json = serde_json::to_value(&metrics)?;
    json["test_clips_left_out"] = test.skipped.len().into();
    json["left_out"] = test.skipped.iter().map(ToString::to_string).collect();
    let json = serde_json::to_string_pretty(&json)?;
    gait::io::write_atomically(&out.join("metrics.json"), json.as_bytes())?;
    gait_examples::draw_whole(&out.join("training.png"), |p| {
        plot_training(p, &histories[0].epochs)
    })?;
    gait_examples::draw_whole(&out.join("confusion.png"), |p| plot_confusion(p, &metrics))?;
    match &metrics {
        Evaluation::Binary(m) => {
            let c = m.confusion;
            gait_examples::say!(
                "test: accuracy {:.3}, balanced accuracy {:.3}, AUC {:.3} (tn {}, fp {}, fn {}, tp {}; {} clips)",
                m.accuracy,
                m.balanced_accuracy,
                m.auc,
                c.tn,
                c.fp,
                c.fn_,
                c.tp,
                m.n_test
            )?;
        }
        Evaluation::Classes(m) => {
            let auc = m
                .normal_vs_rest_auc
                .map_or(String::new(), |auc| format!(", Normal-vs-rest AUC {auc:.3}"));
            gait_examples::say!(
                "test: accuracy {:.3}, balanced accuracy {:.3}, macro F1 {:.3}{auc} ({} clips, {} classes)",
                m.accuracy,
                m.balanced_accuracy,
                m.macro_f1,
                m.n_test,
                m.classes.len()
            )?;
            for (class, score) in &m.per_class {
                gait_examples::say!(
                    "  {class:<16} precision {:.3}  recall {:.3}",
                    score.precision,
                    score.recall
                )?;
            }
        }
    }
    if !test.skipped.is_empty() {
        gait_examples::say!(
            "{} test clips left out of these metrics (listed in metrics.json):",
            test.skipped.len()
        )?;
        for s in &test.skipped {
            gait_examples::say!("  {s}")?;
        }
    }
    gait_examples::say!("model saved in {}", args.out.display())?;
    Ok(())
}

fn plot_training(path: &Path, epochs: &[EpochReport]) -> Result<(), Failure> {
    gait_examples::register_font()?;
    let e = |err: DrawingAreaErrorKind<_>| err.to_string();
    let root = BitMapBackend::new(path, (1100, 450)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let halves = root.split_evenly((1, 2));
    let last = epochs.len().max(2) as f64;
    type Curve = Vec<(f64, f64)>;
    let series: [(&str, Curve, Curve); 2] = [
        (
            "loss",
            epochs.iter().map(|r| (r.epoch as f64, r.train_loss)).collect(),
            epochs.iter().map(|r| (r.epoch as f64, r.val_loss)).collect(),
        ),
        (
            "accuracy",
            epochs
                .iter()
                .map(|r| (r.epoch as f64, r.train_accuracy))
                .collect(),
            epochs.iter().map(|r| (r.epoch as f64, r.val_accuracy)).collect(),
        ),
    ];
    for (area, (name, train, val)) in halves.iter().zip(series) {
        let top = train
            .iter()
            .chain(&val)
            .map(|p| p.1)
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max);
        let top = if name == "accuracy" {
            1.0
        } else {
            top * 1.05 + 1e-9
        };
        let mut chart = ChartBuilder::on(area)
            .caption(format!("{name} per epoch"), ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(35)
            .y_label_area_size(50)
            .build_cartesian_2d(1.0..last, 0.0..top)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc(name)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .draw()
            .map_err(e)?;
        for (points, label, color) in [(train, "training", BLUE), (val, "validation", RED)] {
            chart
                .draw_series(LineSeries::new(
                    points.into_iter().filter(|p| p.1.is_finite()),
                    color.stroke_width(2),
                ))
                .map_err(e)?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(e)?;
    }
    root.present().map_err(e)?;
    Ok(())
}

/// The confusion matrix as a labelled heat map: true classes down, predicted across, each cell
/// shaded by the share of its row.
fn plot_confusion(path: &Path, metrics: &Evaluation) -> Result<(), Failure> {
    gait_examples::register_font()?;
    let e = |err: DrawingAreaErrorKind<_>| err.to_string();
    let (classes, cells) = metrics.confusion();
    let k = classes.len();
    let side = 140 + 90 * k as u32;
    let root = BitMapBackend::new(path, (side + 60, side)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let caption = match metrics.normal_vs_rest_auc() {
        Some(auc) if k == 2 => format!("test confusion (AUC {auc:.3})"),
        Some(auc) => format!("test confusion (Normal vs rest AUC {auc:.3})"),
        None => "test confusion".to_string(),
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(60)
        .y_label_area_size(110)
        .build_cartesian_2d(0.0..k as f64, 0.0..k as f64)
        .map_err(e)?;
    let name = |v: &f64| -> String {
        let i = v.floor() as usize;
        if (v - v.floor() - 0.5).abs() < 1e-9 && i < k {
            classes[i].clone()
        } else {
            String::new()
        }
    };
    let name_down = |v: &f64| name(&(k as f64 - v));
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(2 * k + 1)
        .y_labels(2 * k + 1)
        .x_label_formatter(&name)
        .y_label_formatter(&name_down)
        .x_desc("predicted")
        .y_desc("true")
        .draw()
        .map_err(e)?;
    for (row, values) in cells.iter().enumerate() {
        let total = values.iter().sum::<usize>().max(1) as f64;
        for (col, &count) in values.iter().enumerate() {
            let (x, y) = (col as f64, (k - 1 - row) as f64);
            let shade = 1.0 - 0.8 * count as f64 / total;
            let color = RGBColor((255.0 * shade) as u8, (255.0 * shade) as u8, 255);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x, y), (x + 1.0, y + 1.0)],
                    color.filled(),
                )))
                .map_err(e)?;
            let text_color = if shade < 0.5 { WHITE } else { BLACK };
            chart
                .draw_series(std::iter::once(Text::new(
                    count.to_string(),
                    (x + 0.4, y + 0.6),
                    ("sans-serif", 28).into_font().color(&text_color),
                )))
                .map_err(e)?;
        }
    }
    root.present().map_err(e)?;
    Ok(())
}

fn main() -> ExitCode {
    gait_examples::finish("train", run(&Args::parse()))
}
