//! Body-pose landmarks from walking videos, written as the old pipeline wrote them.
//!
//! ```text
//! cargo run --release --features pose --example pose -- --input PATH --out OUT [--model lite|full|heavy]
//!     [--static] [--fps 30] [--force] [--overlay] [--strict] [--person walker|largest|all|K]
//! ```
//! PATH is a video, a folder of pictures (PNG, JPEG: one clip), or a tree of videos such as
//! `Training/Normal/<recording>/N.mp4`. OUT mirrors it: for every video `N.mp4`,
//! `N_landmarks.npy` (float64 (frames, 33, 3)), `N_angles.npy` (the `seed` features),
//! `N_frames.npy` (each kept frame's index and time: frames with no person are left out),
//! `N_visibility.npy` and `N_video.json` (the frame's size, rotation and rate, and which person
//! was followed and why); a single `walk.mp4` gives `OUT/walk_landmarks.npy` and the rest. Every
//! person the detector finds is followed; after the whole clip, the one who walks is kept
//! (`--person` chooses otherwise). `--person all` writes every person of a video that shows
//! several as a recording of their own ([`VideoJob::person`]: `rec/N.mp4` gives
//! `rec_person2/N_landmarks.npy`, a single `walk.mp4` gives `walk_person2_landmarks.npy`); a
//! video of one person is written as always. The input is never written to, and existing output
//! is not overwritten without `--force`. `--overlay` also writes `N_overlay.png`, a contact sheet
//! of six frames spread over the video with everyone's skeleton and number, the person kept in
//! colour and the others in grey. Videos are decoded by the `ffmpeg` program.
#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use clap::{Parser, ValueEnum};
use gait::io::OutputDir;
use gait::pose::{
    Frame, FrameSource, Mode, Model, Person, Pose, PoseEstimator, PoseOptions, Track, VideoJob, VideoJobs,
    contact_sheet, default_model_dir, on_this_thread, track_people, video_jobs,
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
    /// Also write `N_overlay.png`: six frames with everyone's skeleton and number drawn.
    #[arg(long)]
    overlay: bool,
    /// Whom to keep when several people are seen: walker (the one who walks), largest, all (each
    /// as a recording of their own), or a person's number (from 1, in the order first seen).
    #[arg(long, default_value = "walker", value_parser = parse_whom)]
    person: Whom,
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
        let summary = extract(job, &out, &models, options, args, &bar);
        bar.finish_and_clear();
        overall.finish_and_clear();
        eprintln!("{}", summary?);
        return Ok(1);
    }
    let failures = Mutex::new(Vec::new());
    // Videos run side by side, each with its own estimator (tracking is sequential within one).
    // With a video for every core, each keeps its operations on its own core: handing every
    // small operation's rows to cores busy with other videos cost a fifth of the throughput
    // (`pose/tree_full` against `pose/tree_shared_full`).
    let alone = jobs.len() >= rayon::current_num_threads();
    jobs.par_iter().for_each(|job| {
        let bar = video_bar(bars.insert_before(&overall, ProgressBar::new(0)), &style, job);
        let run = || extract(job, &out, &models, options, args, &bar);
        let result = if alone { on_this_thread(run) } else { run() };
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

/// Whom `--person` keeps.
#[derive(Clone, Copy)]
enum Whom {
    One(Person),
    All,
}

fn parse_whom(s: &str) -> Result<Whom, String> {
    match s {
        "all" => Ok(Whom::All),
        _ => s
            .parse()
            .map(Whom::One)
            .map_err(|_| format!("person {s:?}: give walker, largest, all or a number from 1")),
    }
}

/// How many frames the overlay's contact sheet shows.
const SHOTS: usize = 6;

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

/// Extracts one clip; returns a line per recording written, saying what it holds.
fn extract(
    job: &VideoJob,
    out: &OutputDir,
    models: &Path,
    options: PoseOptions,
    args: &Args,
    bar: &ProgressBar,
) -> Result<String, gait::Error> {
    let mut estimator = PoseEstimator::open(models, options)?;
    let source = FrameSource::open(&job.input, args.fps)?;
    let frames = source.len_hint().unwrap_or(0);
    bar.set_length(frames as u64);
    // The contact sheet: the first frame with somebody in it from each sixth of the video.
    let mut shots: Vec<(Frame, Vec<(usize, Pose)>)> = Vec::new();
    let people = track_people(&mut estimator, source, |index, frame, people| {
        bar.set_position(index as u64 + 1);
        let due = shots.len() < SHOTS && index * SHOTS >= shots.len() * frames;
        if args.overlay && due && !people.is_empty() {
            shots.push((frame.clone(), people.to_vec()));
        }
    })?;
    let count = people.tracks.len();
    if let Some(damage) = people.tracks[0].damage.as_ref().filter(|_| args.strict) {
        return Err(gait::Error::from(gait::pose::Error::Video {
            path: job.input.clone(),
            reason: format!("cut short or damaged, and --strict: nothing written ({damage})"),
        }));
    }
    let written: Vec<(VideoJob, Track)> = match args.person {
        Whom::All if count > 1 => {
            let mut written = Vec::new();
            for mut track in people.tracks {
                let person = job.person(track.person, out)?;
                if let Some(existing) = person.existing_output().filter(|_| !args.force) {
                    return Err(gait::io::Error::OutputExists { path: existing }.into());
                }
                track.chosen = Some(format!(
                    "person {} of {count}: every person written",
                    track.person
                ));
                written.push((person, track));
            }
            written
        }
        Whom::All => vec![(job.clone(), people.choose(Person::Walker, &job.input)?)],
        Whom::One(person) => vec![(job.clone(), people.choose(person, &job.input)?)],
    };
    for (job, track) in &written {
        gait::write_track(track, &job.input, &job.dir, &job.clip)?;
    }
    if !shots.is_empty() {
        // One track kept: that person in colour; every person written: all alike.
        let chosen = match written.as_slice() {
            [(_, track)] => Some(track.person),
            _ => None,
        };
        contact_sheet(&shots, chosen)?.write_png(&job.overlay())?;
    }
    let lines: Vec<String> = written
        .iter()
        .map(|(job, found)| {
            let damage = found
                .damage
                .as_ref()
                .map(|d| format!(" (warning: the video is cut or damaged: {d})"))
                .unwrap_or_default();
            let chosen = match (&found.chosen, written.len()) {
                (Some(c), 1) => format!("; {} other people not followed; {c}", count - 1),
                (Some(c), _) => format!("; {c}"),
                (None, _) => String::new(),
            };
            format!(
                "{}: a person in {} of {} frames -> {}{chosen}{damage}",
                job.input.display(),
                found.poses.len(),
                found.frames_read,
                job.outputs()[0].display()
            )
        })
        .collect();
    Ok(lines.join("\n"))
}

fn main() -> ExitCode {
    gait_examples::finish("pose", run(&Args::parse()))
}
