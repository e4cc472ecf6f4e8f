//! Body-pose landmarks from walking videos, written as the old pipeline wrote them.
//!
//! ```text
//! cargo run --release --features pose --example pose -- --input PATH --out OUT [--model lite|full|heavy]
//!     [--static] [--fps 30] [--force] [--overlay] [--strict] [--person walker|largest|K]
//! ```
//! PATH is a video, a folder of pictures (PNG, JPEG: one clip), or a tree of videos such as
//! `Training/Normal/<recording>/N.mp4`. OUT mirrors it: for every video `N.mp4`,
//! `N_landmarks.npy` (float64 (frames, 33, 3)), `N_angles.npy` (the `seed` features),
//! `N_frames.npy` (each kept frame's index and time: frames with no person are left out),
//! `N_visibility.npy` and `N_video.json` (the frame's size, rotation and rate, and which person
//! was followed and why); a single `walk.mp4` gives `OUT/walk_landmarks.npy` and the rest. Every
//! person the detector finds is followed; after the whole clip, the one who walks is kept
//! (`--person` chooses otherwise). The input is never written to, and existing output is not
//! overwritten without `--force`. `--overlay` also writes `N_overlay.png`, a frame from the
//! middle of the video with the person followed drawn in colour and the others in grey. Videos
//! are decoded by the `ffmpeg` program.
#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use clap::{Parser, ValueEnum};
use gait::io::OutputDir;
use gait::pose::{
    Frame, FrameSource, Mode, Model, Person, Pose, PoseEstimator, PoseOptions, VideoJob, VideoJobs,
    default_model_dir, track_people, video_jobs,
};
use gait_examples::Failure;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use rayon::prelude::*;

#[derive(Clone, Copy, ValueEnum)]
enum Size {
    Lite,
    Full,
    Heavy,
}

/// Turn walking videos into MediaPipe Pose landmarks and the old pipeline's angle files.
#[derive(Parser)]
struct Args {
    /// A video, a folder of pictures, or a folder tree of videos.
    #[arg(long)]
    input: PathBuf,
    /// Folder to write into, mirroring the input's tree (not inside a folder given as input).
    #[arg(long)]
    out: PathBuf,
    /// Landmark model: lite (fastest), full (MediaPipe's default) or heavy.
    #[arg(long, value_enum, default_value = "full")]
    model: Size,
    /// Folder holding the `.tflite` models (default: the workspace's models/mediapipe).
    #[arg(long)]
    models: Option<PathBuf>,
    /// Treat frames as unrelated pictures: detect every frame, no tracking or smoothing.
    #[arg(long = "static")]
    still: bool,
    /// Frames per second of a folder of pictures (videos carry their own times).
    #[arg(long, default_value_t = 30.0)]
    fps: f64,
    /// Overwrite existing output files.
    #[arg(long)]
    force: bool,
    /// Also write `N_overlay.png`: a frame with the skeleton drawn.
    #[arg(long)]
    overlay: bool,
    /// Whom to follow when several people are seen: walker (the one who walks), largest, or a
    /// person's number (from 1, in the order first seen).
    #[arg(long, default_value = "walker", value_parser = parse_person)]
    person: Person,
    /// A video cut short or damaged is an error, and nothing of it is written (without it, a
    /// warning with the frames that could be decoded).
    #[arg(long)]
    strict: bool,
}

fn run(args: &Args) -> Result<usize, Failure> {
    gait_examples::check_fps(args.fps)?;
    let input = args
        .input
        .canonicalize()
        .map_err(gait_examples::at(&args.input))?;
    // Existing files are checked one by one below, so the folder itself may hold others.
    let out = OutputDir::prepare(&args.out, &[&input], true)?;
    let VideoJobs {
        jobs,
        unread_pictures,
    } = video_jobs(&input, &out)?;
    // Pictures beside videos are not a clip of their own: said, not skipped silently.
    for (folder, pictures) in unread_pictures {
        eprintln!(
            "note: the {pictures} pictures in {} are not read: a folder of pictures is a clip only when it holds no video",
            folder.display()
        );
    }
    if !args.force
        && let Some(existing) = jobs.iter().find_map(VideoJob::existing_output)
    {
        return Err(format!(
            "{} exists: use --force to overwrite, or another --out",
            existing.display()
        )
        .into());
    }
    let model = match args.model {
        Size::Lite => Model::Lite,
        Size::Full => Model::Full,
        Size::Heavy => Model::Heavy,
    };
    let mut options = PoseOptions::default();
    options.model = model;
    options.mode = if args.still { Mode::Static } else { Mode::Video };
    let models = args.models.clone().unwrap_or_else(default_model_dir);
    // Open the models once up front so that a missing or damaged model is one clear error.
    PoseEstimator::open(&models, options).map_err(|e| -> Failure {
        if model == Model::Heavy && !models.join(model.file_name()).exists() {
            format!("{e} (fetch it with tools/fetch-pose-models.sh)").into()
        } else {
            e.into()
        }
    })?;

    let bars = MultiProgress::new();
    let style = ProgressStyle::with_template("{prefix:30!} [{bar:30}] {pos}/{len} frames, {per_sec} {msg}")
        .expect("template")
        .progress_chars("=> ");
    let overall = bars.add(ProgressBar::new(if jobs.len() > 1 {
        jobs.len() as u64
    } else {
        0
    }));
    overall
        .set_style(ProgressStyle::with_template("{pos}/{len} videos [{elapsed}] {msg}").expect("template"));
    if let [job] = jobs.as_slice() {
        // One clip: its error is the program's one line.
        let bar = video_bar(bars.add(ProgressBar::new(0)), &style, job);
        let summary = extract(job, &models, options, args, &bar);
        bar.finish_and_clear();
        overall.finish_and_clear();
        eprintln!("{}", summary?);
        return Ok(1);
    }
    let failures = Mutex::new(Vec::new());
    // Videos run side by side, each with its own estimator (tracking is sequential within one).
    jobs.par_iter().for_each(|job| {
        let bar = video_bar(bars.insert_before(&overall, ProgressBar::new(0)), &style, job);
        let result = extract(job, &models, options, args, &bar);
        bar.finish_and_clear();
        match result {
            Ok(summary) => bars.suspend(|| eprintln!("{summary}")),
            Err(message) => {
                bars.suspend(|| eprintln!("pose: {message}"));
                failures.lock().expect("no panics").push(message);
            }
        }
        overall.inc(1);
    });
    overall.finish_and_clear();
    let failed = failures.into_inner().expect("no panics").len();
    if failed > 0 {
        return Err(format!("{failed} of {} videos failed (see above)", jobs.len()).into());
    }
    Ok(jobs.len())
}

fn parse_person(s: &str) -> Result<Person, String> {
    s.parse()
}

/// A video's progress bar, named after its file.
fn video_bar(bar: ProgressBar, style: &ProgressStyle, job: &VideoJob) -> ProgressBar {
    bar.set_style(style.clone());
    bar.set_prefix(
        job.input
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned(),
    );
    bar
}

/// Extracts one clip; returns a line saying what was written.
fn extract(
    job: &VideoJob,
    models: &Path,
    options: PoseOptions,
    args: &Args,
    bar: &ProgressBar,
) -> Result<String, gait::Error> {
    let mut estimator = PoseEstimator::open(models, options)?;
    let source = FrameSource::open(&job.input, args.fps)?;
    let frames = source.len_hint().unwrap_or(0);
    bar.set_length(frames as u64);
    // The overlay: the frame nearest the middle with somebody in it, with everyone's pose.
    let mut overlay: Option<(Frame, Vec<(usize, Pose)>)> = None;
    let middle = frames / 2;
    let people = track_people(&mut estimator, source, |index, frame, people| {
        bar.set_position(index as u64 + 1);
        if args.overlay && !people.is_empty() && (overlay.is_none() || index <= middle) {
            overlay = Some((frame.clone(), people.to_vec()));
        }
    })?;
    let others = people.tracks.len() - 1;
    let found = people.choose(args.person, &job.input)?;
    if let Some(damage) = found.damage.as_ref().filter(|_| args.strict) {
        return Err(gait::Error::from(gait::pose::Error::Video {
            path: job.input.clone(),
            reason: format!("cut short or damaged, and --strict: nothing written ({damage})"),
        }));
    }
    gait::write_track(&found, &job.input, &job.dir, &job.clip)?;
    if let Some((mut frame, people)) = overlay {
        // The others in grey first, then the person followed in colour on top.
        for (_, pose) in people.iter().filter(|(number, _)| *number != found.person) {
            frame.draw_other_pose(pose);
        }
        for (_, pose) in people.iter().filter(|(number, _)| *number == found.person) {
            frame.draw_pose(pose);
        }
        frame.write_png(&job.overlay())?;
    }
    let damage = found
        .damage
        .map(|d| format!(" (warning: the video is cut or damaged: {d})"))
        .unwrap_or_default();
    let chosen = found
        .chosen
        .as_ref()
        .map(|c| format!("; {others} other people not followed; {c}"))
        .unwrap_or_default();
    Ok(format!(
        "{}: a person in {} of {} frames -> {}{chosen}{damage}",
        job.input.display(),
        found.poses.len(),
        found.frames_read,
        job.outputs()[0].display()
    ))
}

fn main() -> ExitCode {
    gait_examples::finish("pose", run(&Args::parse()))
}
