//! A one-page gait report of a recording: its gait parameters beside a normal range, its hip,
//! knee and ankle angles over the gait cycle per side over a normal band, the model's verdict
//! with the probability of each part along the walk, and what could not be measured and why. A
//! walk that turns is cut into passes, each measured alone: the page shows their summary, the
//! printout every pass as well.
//!
//! ```text
//! cargo run --release --example report -- --model MODEL --input RECORDING [--out report.png]
//!     [--normal TREE] [--fps FPS] [--force]
//! ```
//! RECORDING is an `N_landmarks.npy` or, built with `--features pose`, a video: pose runs on it
//! and keeps the person who walks, and the page says whom it followed and why, in how many frames
//! nobody was found and how many people were not followed, with a small picture of the person
//! where they were seen largest. The normal
//! range comes from the `Normal` class of the training tree TREE, or by default from the
//! synthetic normal cohort; the page says which. The numbers are printed too.
#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use gait::io::{Landmarks, read_landmarks};
use gait::lstm::Classifier;
use gait::{CYCLE_POINTS, JOINTS, NormalRange, PARAMETERS, Profile, Verdict, WalkOptions};
use gait_examples::Failure;
use plotters::prelude::*;

/// Draw a one-page gait report.
#[derive(Parser)]
struct Args {
    /// A model folder written by `train` (or the old Keras `.h5`).
    #[arg(long)]
    model: PathBuf,
    /// The recording: an `N_landmarks.npy` (or a video, with the `pose` feature).
    #[arg(long)]
    input: PathBuf,
    /// The page to write.
    #[arg(long, default_value = "report.png")]
    out: PathBuf,
    /// A dataset tree whose Training/Normal walks give the normal range (default: the synthetic
    /// normal cohort).
    #[arg(long)]
    normal: Option<PathBuf>,
    /// Frames per second of the recording (default: the rate its `N_video.json` or its video
    /// records, else 30).
    #[arg(long)]
    fps: Option<f64>,
    /// Replace the page if it exists.
    #[arg(long)]
    force: bool,
}

fn run(args: &Args) -> Result<(), Failure> {
    if let Some(fps) = args.fps {
        gait_examples::check_fps(fps)?;
    }
    let page = gait::io::resolve(&args.out)?;
    if args.input.canonicalize().is_ok_and(|input| input == page) {
        return Err(format!("--out {} is the input: choose another page", args.out.display()).into());
    }
    if !args.force && page.exists() {
        return Err(gait::io::Error::OutputExists {
            path: args.out.clone(),
        }
        .into());
    }
    let model = Classifier::open(&args.model)?;
    let (landmarks, file, seen, _scratch) = landmarks_of(&args.input, args.fps.unwrap_or(30.0))?;
    let fps = gait_examples::recording_fps(args.fps, &file);
    let profile = Profile::of(&landmarks, fps);
    let mut options = WalkOptions::default();
    (options.always, options.fps) = (true, fps);
    let verdict = gait::predict_walk(&model, &file, &options);
    let normal = match &args.normal {
        Some(tree) => NormalRange::from_tree(tree, fps)?,
        None => gait::synth::normal_range(fps)?,
    };
    // The page first: a closed standard output does not cost it.
    gait_examples::draw_whole(&args.out, |p| {
        draw(
            p,
            &args.input,
            &profile,
            &normal,
            verdict.as_ref().ok(),
            seen.as_ref(),
        )
    })?;
    if let Some(seen) = &seen {
        gait_examples::say!("{}", seen.line)?;
    }
    print_numbers(&args.input, &profile, &normal, verdict.as_ref().ok())?;
    gait_examples::say!("report written to {}", args.out.display())?;
    // A page without a verdict is still written, but the run did not do its job.
    verdict.map(drop).map_err(|e| format!("no verdict: {e}").into())
}

/// What a video showed besides the walk: who was followed and why, the others, the empty frames,
/// and a picture of the person (RGB, width and height).
struct Seen {
    line: String,
    picture: Option<(Vec<u8>, u32, u32)>,
}

/// The recording's landmarks, the file the model reads, and for a video what it showed (a video
/// is turned into landmarks in a scratch folder first, kept alive by the returned guard).
type Recording = (
    Landmarks<'static>,
    PathBuf,
    Option<Seen>,
    Option<tempfile::TempDir>,
);

fn landmarks_of(input: &Path, fps: f64) -> Result<Recording, Failure> {
    let is_npy = input.extension().is_some_and(|e| e == "npy");
    if is_npy {
        return Ok((read_landmarks(input)?, input.to_path_buf(), None, None));
    }
    #[cfg(feature = "pose")]
    {
        let scratch = tempfile::tempdir().map_err(gait_examples::at(input))?;
        let walk = gait_examples::walk_from_video(input, fps, scratch.path())?;
        let track = &walk.track;
        let line = format!(
            "From the video: {}; nobody in {} of {} frames; {} other people not followed",
            track.chosen.as_deref().unwrap_or("one person"),
            walk.empty,
            track.frames_read,
            walk.others
        );
        let picture = &walk.picture;
        let seen = Seen {
            line,
            picture: Some((
                picture.rgb().to_vec(),
                picture.width() as u32,
                picture.height() as u32,
            )),
        };
        let file = gait::io::ClipFile::Landmarks.path(scratch.path(), "1");
        Ok((read_landmarks(&file)?, file, Some(seen), Some(scratch)))
    }
    #[cfg(not(feature = "pose"))]
    {
        let _ = fps;
        Err(format!(
            "{}: not a landmarks file; for a video, build with --features pose",
            input.display()
        )
        .into())
    }
}

/// `value` against `[low, high]`: what the page and the printout say of it.
fn mark(value: f64, [low, high]: [f64; 2]) -> &'static str {
    if !value.is_finite() || !low.is_finite() {
        ""
    } else if value < low {
        "  below the normal range"
    } else if value > high {
        "  above the normal range"
    } else {
        ""
    }
}

fn print_numbers(
    input: &Path,
    profile: &Profile,
    normal: &NormalRange,
    verdict: Option<&Verdict>,
) -> Result<(), Failure> {
    gait_examples::say!("{}", input.display())?;
    if let Some(v) = verdict {
        gait_examples::say!(
            "verdict: {} ({:.3}) from {} parts",
            v.prediction.class,
            v.prediction.probability,
            v.segments.len()
        )?;
    }
    for ((name, unit), (value, range)) in PARAMETERS
        .iter()
        .zip(profile.parameter_values().into_iter().zip(normal.parameters))
    {
        if value.is_finite() {
            gait_examples::say!(
                "{name}: {value:.4} {unit} (normal {:.4} - {:.4}){}",
                range[0],
                range[1],
                mark(value, range)
            )?;
        } else {
            gait_examples::say!("{name}: not measured")?;
        }
    }
    // A walk that turns: the lines above are the summary; each pass alone here.
    for (k, pass) in profile.passes.iter().enumerate() {
        let values: Vec<String> = PARAMETERS
            .iter()
            .zip(pass.profile.parameter_values())
            .map(|((name, _), value)| {
                if value.is_finite() {
                    format!("{name} {value:.4}")
                } else {
                    format!("{name} not measured")
                }
            })
            .collect();
        gait_examples::say!(
            "pass {} (frames {}-{}): {}",
            k + 1,
            pass.frames.start,
            pass.frames.end - 1,
            values.join(", ")
        )?;
    }
    for note in &profile.notes {
        gait_examples::say!("not measured: {note}")?;
    }
    gait_examples::say!("normal range: {}", normal.source)
}

fn draw(
    path: &Path,
    input: &Path,
    profile: &Profile,
    normal: &NormalRange,
    verdict: Option<&Verdict>,
    seen: Option<&Seen>,
) -> Result<(), Failure> {
    gait_examples::register_font()?;
    let e = |err: DrawingAreaErrorKind<_>| err.to_string();
    let root = BitMapBackend::new(path, (1500, 1100)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let (top, rest) = root.split_vertically(120);
    let (middle, bottom) = rest.split_vertically(700);
    let (left, right) = middle.split_horizontally(560);

    // Title and verdict.
    let name = input.file_name().unwrap_or_default().to_string_lossy();
    top.draw(&Text::new(
        format!("Gait report: {name}"),
        (20, 12),
        ("sans-serif", 30),
    ))
    .map_err(e)?;
    let said = match verdict {
        Some(v) => {
            let p_abnormal = v
                .prediction
                .p_abnormal
                .map_or(String::new(), |p| format!(", P(not Normal) {p:.3}"));
            format!(
                "Verdict: {} (probability {:.3}{p_abnormal}), from {} parts of {} frames",
                v.prediction.class,
                v.prediction.probability,
                v.segments.len(),
                v.frames
            )
        }
        None => "Verdict: none (the model could not read this recording)".to_string(),
    };
    top.draw(&Text::new(said, (20, 55), ("sans-serif", 20)))
        .map_err(e)?;
    if let Some(seen) = seen {
        top.draw(&Text::new(seen.line.as_str(), (20, 88), ("sans-serif", 17)))
            .map_err(e)?;
        // The person followed, small, at the top right, over the page's corner.
        if let Some((rgb, w, h)) = &seen.picture {
            let at = (1500 - (*w).min(400) as i32 - 10, 5);
            if let Some(picture) = BitMapElement::with_owned_buffer(at, (*w, *h), rgb.clone()) {
                root.draw(&picture).map_err(e)?;
            }
        }
    }

    // Parameters beside the normal range.
    let style = ("sans-serif", 17).into_font();
    left.draw(&Text::new(
        "Parameters (normal: mean +- 2 SD)",
        (20, 10),
        ("sans-serif", 21),
    ))
    .map_err(e)?;
    for (row, ((name, unit), (value, range))) in PARAMETERS
        .iter()
        .zip(profile.parameter_values().into_iter().zip(normal.parameters))
        .enumerate()
    {
        let y = 50 + row as i32 * 52;
        let outside = !mark(value, range).is_empty();
        let color = if outside { RED } else { BLACK };
        left.draw(&Text::new(format!("{name} ({unit})"), (20, y), style.clone()))
            .map_err(e)?;
        let shown = if value.is_finite() {
            format!("{value:.3}   normal {:.3} - {:.3}", range[0], range[1])
        } else {
            "not measured".to_string()
        };
        left.draw(&Text::new(shown, (40, y + 22), style.clone().color(&color)))
            .map_err(e)?;
    }

    // Angles over the cycle.
    let charts = right.split_evenly((3, 1));
    for (j, area) in charts.iter().enumerate() {
        let band = &normal.curves[j];
        let mut values: Vec<f64> = band.iter().flat_map(|b| b.iter().copied()).collect();
        for side in &profile.curves {
            if let Some(c) = &side[j] {
                values.extend(c.mean.iter().zip(&c.sd).flat_map(|(m, s)| [m - s, m + s]));
            }
        }
        let finite = values.iter().copied().filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        let (lo, hi) = if lo.is_finite() {
            (lo - 5.0, hi + 5.0)
        } else {
            (-10.0, 10.0)
        };
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!("{} (degrees)", JOINTS[j].replace('_', " ")),
                ("sans-serif", 18),
            )
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(45)
            .build_cartesian_2d(0.0..100.0, lo..hi)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc("% of the gait cycle")
            .light_line_style(WHITE)
            .draw()
            .map_err(e)?;
        let x = |i: usize| i as f64 * 100.0 / (CYCLE_POINTS - 1) as f64;
        if band.iter().all(|b| b[0].is_finite()) {
            let outline: Vec<(f64, f64)> = (0..CYCLE_POINTS)
                .map(|i| (x(i), band[i][1]))
                .chain((0..CYCLE_POINTS).rev().map(|i| (x(i), band[i][0])))
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(outline, BLACK.mix(0.12).filled())))
                .map_err(e)?
                .label("normal")
                .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], BLACK.mix(0.12).filled()));
        }
        for (side, color) in [(0, BLUE), (1, RED)] {
            let Some(c) = &profile.curves[side][j] else {
                continue;
            };
            let spread: Vec<(f64, f64)> = (0..CYCLE_POINTS)
                .map(|i| (x(i), c.mean[i] + c.sd[i]))
                .chain((0..CYCLE_POINTS).rev().map(|i| (x(i), c.mean[i] - c.sd[i])))
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(spread, color.mix(0.15).filled())))
                .map_err(e)?;
            chart
                .draw_series(LineSeries::new(
                    (0..CYCLE_POINTS).map(|i| (x(i), c.mean[i])),
                    color.stroke_width(2),
                ))
                .map_err(e)?
                .label(format!(
                    "{} ({} strides)",
                    if side == 0 { "left" } else { "right" },
                    c.strides
                ))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(e)?;
    }

    // The verdict along the walk, and what was not measured.
    let (along, notes) = bottom.split_horizontally(900);
    if let Some(v) = verdict {
        let binary = v.prediction.p_abnormal.is_some();
        let mut chart = ChartBuilder::on(&along)
            .caption(
                if binary {
                    "P(not Normal) of each part along the walk"
                } else {
                    "probability of the verdict's class in each part"
                },
                ("sans-serif", 18),
            )
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(45)
            .build_cartesian_2d(0.0..v.frames as f64, 0.0..1.0)
            .map_err(e)?;
        chart.configure_mesh().x_desc("frame").draw().map_err(e)?;
        let chosen = v.prediction.index;
        // Each part: its frames and its probability.
        let parts: Vec<(f64, f64, f64)> = v
            .segments
            .iter()
            .map(|s| {
                let p = match s.prediction.p_abnormal {
                    Some(p) if binary => p,
                    _ => s.prediction.probabilities[chosen].1,
                };
                (s.start as f64, s.end as f64, f64::from(p))
            })
            .collect();
        chart
            .draw_series(
                parts
                    .iter()
                    .map(|&(start, end, p)| Circle::new(((start + end) / 2.0, p), 4, BLUE.filled())),
            )
            .map_err(e)?;
        chart
            .draw_series(
                parts
                    .iter()
                    .map(|&(start, end, p)| PathElement::new(vec![(start, p), (end, p)], BLUE.mix(0.4))),
            )
            .map_err(e)?;
        chart
            .draw_series(LineSeries::new(
                [(0.0, 0.5), (v.frames as f64, 0.5)],
                BLACK.mix(0.4),
            ))
            .map_err(e)?;
    }
    notes
        .draw(&Text::new("Not measured", (10, 12), ("sans-serif", 18)))
        .map_err(e)?;
    let mut lines: Vec<String> = profile.notes.clone();
    if lines.is_empty() {
        lines.push("everything was measured".into());
    }
    lines.push(format!("normal range: {}", normal.source));
    let mut y = 42;
    for line in &lines {
        for chunk in wrap(line, 60) {
            notes
                .draw(&Text::new(chunk, (10, y), ("sans-serif", 14)))
                .map_err(e)?;
            y += 19;
        }
    }
    root.present().map_err(e)?;
    Ok(())
}

/// `text` cut into lines of at most `width` characters, at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let line = lines.last_mut().expect("one line");
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

fn main() -> ExitCode {
    gait_examples::finish("report", run(&Args::parse()))
}
