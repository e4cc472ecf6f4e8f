//! What the gait workspace's programs (the examples of this package) share: how they end, and the
//! checks they make of their arguments. The rules themselves live in the library crates.
#![allow(clippy::print_stderr)] // the programs own the terminal

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use plotters::style::FontStyle;

/// The allocator of every program linked with this library: glibc's gives the megabytes a
/// training step frees back to the system and faults them in again at the next step, a fifth of
/// the step; mimalloc keeps them for reuse. A program of your own that trains models does well
/// to choose it too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Anything an example stops on: the workspace's errors, and messages (`"...".into()`).
pub type Failure = Box<dyn std::error::Error>;

/// Ends example `name` with `result`: success, or one line `name: <error>` on standard error and
/// a failing exit code. Standard output closed by its reader (`| head`) ends the program quietly
/// with 141, the code a program killed by SIGPIPE has, as the shell's convention expects.
pub fn finish<T>(name: &str, result: Result<T, Failure>) -> ExitCode {
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(error)
            if error
                .downcast_ref::<Stdout>()
                .is_some_and(|e| e.0.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::from(141)
        }
        Err(error) => {
            eprintln!("{name}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Standard output could not be written (a full disk, a closed pipe).
#[derive(Debug)]
pub struct Stdout(pub std::io::Error);

impl std::fmt::Display for Stdout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "standard output: {}", self.0)
    }
}

impl std::error::Error for Stdout {}

/// Writes a line to standard output, flushed; a failure is an error ([`Stdout`]), not a panic as
/// with `println!`.
pub fn say(line: std::fmt::Arguments) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(line)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(|e| Box::new(Stdout(e)) as Failure)
}

/// `println!` through [`say()`]: `say!("{x}")?`.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::say(format_args!($($arg)*))
    };
}

/// A system error as a failure that names `path`.
pub fn at(path: &Path) -> impl FnOnce(std::io::Error) -> Failure + '_ {
    move |error| format!("{}: {error}", path.display()).into()
}

/// Refuses a frame rate outside 1 to 1000 frames per second (what cameras record, from
/// time-lapse to high-speed; the synthetic cohort's range).
pub fn check_fps(fps: f64) -> Result<(), Failure> {
    let range = gait::synth::CohortOptions::FPS;
    if range.contains(&fps) {
        Ok(())
    } else {
        Err(format!(
            "--fps must be {} to {} frames per second, not {fps}",
            range.start(),
            range.end()
        )
        .into())
    }
}

/// The frame rate of the recording whose clip file is `file`: `given` (`--fps`), else the rate
/// its `N_video.json` records (a video's own), else 30 frames per second (the old pipeline's
/// usual rate, which it stored nowhere).
pub fn recording_fps(given: Option<f64>, file: &Path) -> f64 {
    given
        .or_else(|| {
            gait::io::video_info_beside(file)
                .ok()
                .flatten()
                .and_then(|v| v.fps)
        })
        .filter(|fps| gait::synth::CohortOptions::FPS.contains(fps))
        .unwrap_or(30.0)
}

/// Registers DejaVu Sans (shipped in the `dejavu` crate, so that a machine without fonts draws
/// the same pictures) as the plots' sans-serif font.
pub fn register_font() -> Result<(), Failure> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| "the shipped DejaVu Sans font is unreadable".into())
}

/// Draws the picture at `path` through `draw`, which is given a temporary path beside it; the
/// picture is renamed over `path` only once it is whole, and the temporary file is removed if
/// drawing fails (a full disk, a file-size limit): never a picture cut short under its name.
pub fn draw_whole(path: &Path, draw: impl FnOnce(&Path) -> Result<(), Failure>) -> Result<(), Failure> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = path.with_file_name(format!(".{name}.tmp.png"));
    match draw(&temp) {
        Ok(()) => std::fs::rename(&temp, path).map_err(at(path)),
        Err(e) => {
            std::fs::remove_file(&temp).ok();
            Err(e)
        }
    }
}

/// What a video gives `report` and `predict`: the walker's landmarks, written into a scratch
/// folder as `pose` writes them, and what else the video showed.
#[cfg(feature = "pose")]
#[derive(Debug)]
pub struct VideoWalk {
    /// The person chosen (the one who walks), with why.
    pub track: gait::pose::Track,
    /// How many people were seen but not chosen.
    pub others: usize,
    /// How many frames showed nobody.
    pub empty: usize,
    /// The chosen person in the frame where they were seen largest, their skeleton drawn, 110
    /// pixels high.
    pub picture: gait::pose::Frame<'static>,
}

/// Runs pose on video `input` (the full model, the walker chosen) and writes its files into
/// folder `scratch` as clip `1`.
#[cfg(feature = "pose")]
pub fn walk_from_video(input: &Path, fps: f64, scratch: &Path) -> Result<VideoWalk, Failure> {
    use gait::pose::{Frame, FrameSource, Pose, PoseEstimator, PoseOptions, default_model_dir};
    let mut estimator = PoseEstimator::open(&default_model_dir(), PoseOptions::default())?;
    let source = FrameSource::open(input, fps)?;
    // Each person where seen largest (their height in the frame): the frame and their pose.
    let mut largest: Vec<(f32, Frame, Pose)> = Vec::new();
    let mut empty = 0;
    let people = gait::pose::track_people(&mut estimator, source, |_, frame, people| {
        empty += usize::from(people.is_empty());
        for (number, pose) in people {
            let ys = pose.iter().map(|l| l.y);
            let height = ys.clone().fold(f32::NEG_INFINITY, f32::max) - ys.fold(f32::INFINITY, f32::min);
            if largest.len() == number - 1 {
                largest.push((height, frame.clone(), *pose));
            } else if let Some(seen) = largest.get_mut(number - 1).filter(|seen| seen.0 < height) {
                *seen = (height, frame.clone(), *pose);
            }
        }
    })?;
    let others = people.tracks.len() - 1;
    let track = people.choose(gait::pose::Person::Walker, input)?;
    gait::write_track(&track, input, scratch, "1")?;
    let (_, frame, pose) = largest
        .get(track.person - 1)
        .ok_or_else(|| format!("{}: no frame shows the person chosen", input.display()))?;
    Ok(VideoWalk {
        picture: gait::pose::person_picture(frame, pose, 110)?,
        track,
        others,
        empty,
    })
}
