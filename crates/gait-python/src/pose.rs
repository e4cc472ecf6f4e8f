//! Pose from Python: landmarks of one video (or of frames in memory), and whole trees of videos
//! written as the `pose` example writes them, with the per-video steps a cluster engine needs
//! (`video_jobs`, then `extract_video` for each).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use gait::io::OutputDir;
use gait::pose::{
    Frame, FrameSource, Mode, Model, Person, PoseEstimator, PoseOptions, Track, VideoJob, default_model_dir,
    on_this_thread, track_people, video_jobs as jobs_of,
};
use numpy::{IntoPyArray, PyReadonlyArray4, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rayon::prelude::*;

use crate::errors::{bad, message, to_py};

/// Estimators of earlier calls, with the models folder and options each was opened with: opening
/// the models takes about 60 ms, a fifth of a second of video's landmarks. At most
/// [`KEPT_ESTIMATORS`] are kept.
static OPENED: Mutex<Vec<(PathBuf, PoseOptions, PoseEstimator)>> = Mutex::new(Vec::new());

/// Estimators kept for later calls, at most: enough for a thread per core on most machines.
const KEPT_ESTIMATORS: usize = 16;

/// What a pose call runs: models, their options, whom to keep, the rate of frames without
/// their own times.
struct Setup {
    models: PathBuf,
    options: PoseOptions,
    person: Person,
    fps: f64,
}

impl Setup {
    /// The keyword options of `pose`, `extract_video` and `extract_videos`, checked.
    fn new(model: &str, person: &str, fps: f64, still: bool, models: Option<PathBuf>) -> PyResult<Setup> {
        let mut options = PoseOptions::default();
        options.model = match model {
            "lite" => Model::Lite,
            "full" => Model::Full,
            "heavy" => Model::Heavy,
            other => return Err(bad(format!("model {other:?}: use lite, full or heavy"))),
        };
        options.mode = if still { Mode::Static } else { Mode::Video };
        let person: Person = person.parse().map_err(bad)?;
        if !(fps.is_finite() && fps > 0.0) {
            return Err(bad(format!("fps must be a positive number, not {fps}")));
        }
        let models = models
            .or_else(|| std::env::var_os("GAIT_POSE_MODELS").map(PathBuf::from))
            .unwrap_or_else(default_model_dir);
        Ok(Setup {
            models,
            options,
            person,
            fps,
        })
    }

    /// The person kept of `source`'s frames, by an estimator of an earlier call when one is free
    /// (tracking starts afresh either way: [`track_people`] resets it).
    fn track(&self, source: FrameSource) -> gait::Result<Track> {
        let path = source.path().to_path_buf();
        let kept = {
            let mut opened = OPENED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let free = opened
                .iter()
                .position(|(models, options, _)| *models == self.models && *options == self.options);
            free.map(|k| opened.swap_remove(k).2)
        };
        let mut estimator = match kept {
            Some(estimator) => estimator,
            None => PoseEstimator::open(&self.models, self.options)?,
        };
        let people = track_people(&mut estimator, source, |_, _, _| {});
        let mut opened = OPENED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if opened.len() < KEPT_ESTIMATORS {
            opened.push((self.models.clone(), self.options, estimator));
        }
        drop(opened);
        Ok(people?.choose(self.person, &path)?)
    }

    /// [`track`](Self::track) of job's frames, written as the `pose` example writes them.
    fn extract(&self, job: &VideoJob) -> gait::Result<Track> {
        let source = FrameSource::open(&job.input, self.fps)?;
        let track = self.track(source)?;
        gait::write_track(&track, &job.input, &job.dir, &job.clip)?;
        Ok(track)
    }
}

/// The landmarks of the person kept (`person`: `walker`, `largest` or a number from 1) in
/// `video`, a video file, a folder of pictures, or frames in memory (`(frames, height, width, 3)`
/// RGB `uint8`, shown at `fps`). A video in which nobody is found gives no rows.
#[pyfunction]
#[pyo3(signature = (video, model = "full", person = "walker", fps = 30.0, r#static = false, models = None))]
pub(crate) fn pose<'py>(
    py: Python<'py>,
    video: &Bound<'py, PyAny>,
    model: &str,
    person: &str,
    fps: f64,
    r#static: bool,
    models: Option<PathBuf>,
) -> PyResult<Bound<'py, PyDict>> {
    let setup = Setup::new(model, person, fps, r#static, models)?;
    let track = if let Ok(path) = video.extract::<PathBuf>() {
        py.detach(|| {
            FrameSource::open(&path, fps)
                .map_err(gait::Error::from)
                .and_then(|s| setup.track(s))
        })
    } else {
        let frames: PyReadonlyArray4<'_, u8> = video.extract().map_err(|_| {
            bad("video must be a path, or frames as a (frames, height, width, 3) uint8 array")
        })?;
        let [_, height, width, channels] = frames.shape() else {
            unreachable!("a 4-dimensional array has four sizes")
        };
        let (height, width) = (*height, *width);
        if *channels != 3 {
            return Err(bad(format!(
                "frames with {channels} channels: give RGB, (frames, height, width, 3)"
            )));
        }
        let view = frames.as_array();
        py.detach(|| {
            // Frames laid out as the estimator reads them are borrowed; others (views with
            // strides, Fortran order) are copied.
            let frames = view
                .outer_iter()
                .enumerate()
                .map(|(k, frame)| match frame.to_slice() {
                    Some(bytes) => Frame::borrowed(width, height, bytes, k),
                    None => Frame::new(width, height, frame.iter().copied().collect(), k),
                })
                .collect::<gait::pose::Result<Vec<Frame>>>()?;
            setup.track(FrameSource::frames(frames, fps)?)
        })
    }
    .map_err(to_py)?;
    track_dict(py, &track)
}

/// A track as Python values.
fn track_dict<'py>(py: Python<'py>, track: &Track) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item(
        "landmarks",
        track.landmarks().positions_f64().into_owned().into_pyarray(py),
    )?;
    let frames: Vec<i64> = track.frame_indices.iter().map(|&i| i as i64).collect();
    out.set_item("frames", frames.into_pyarray(py))?;
    out.set_item("times", track.times.clone().into_pyarray(py))?;
    out.set_item("visibility", track.visibility().into_pyarray(py))?;
    out.set_item("frame_size", (track.frame_size[0], track.frame_size[1]))?;
    out.set_item("frames_read", track.frames_read)?;
    out.set_item("person", track.person)?;
    out.set_item("chosen", track.chosen.clone())?;
    out.set_item("damage", track.damage.clone())?;
    Ok(out)
}

/// A job as Python values.
fn job_dict<'py>(py: Python<'py>, job: &VideoJob) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("input", &job.input)?;
    out.set_item("dir", &job.dir)?;
    out.set_item("clip", &job.clip)?;
    out.set_item("outputs", job.outputs().to_vec())?;
    Ok(out)
}

/// Whether every file of `job` is there: it was extracted whole (each file is written whole or
/// not at all, the last one last).
fn done(job: &VideoJob) -> bool {
    job.outputs().iter().all(|f| f.is_file())
}

/// The clips of `input` (a video, a folder of pictures, or a tree of videos) with where each
/// goes in `out`, which mirrors `input`'s tree (made here, and refused inside `input`): a list
/// of dicts with `input`, `dir`, `clip`, `outputs` and `done` (every output file is there).
#[pyfunction]
pub(crate) fn video_jobs<'py>(
    py: Python<'py>,
    input: PathBuf,
    out: PathBuf,
) -> PyResult<Vec<Bound<'py, PyDict>>> {
    let jobs = py.detach(|| prepared_jobs(&input, &out)).map_err(to_py)?;
    jobs.iter()
        .map(|job| {
            let d = job_dict(py, job)?;
            d.set_item("done", done(job))?;
            Ok(d)
        })
        .collect()
}

/// The jobs of `input` into `out`.
fn prepared_jobs(input: &Path, out: &Path) -> gait::Result<Vec<VideoJob>> {
    let input = input
        .canonicalize()
        .map_err(|e| gait::io::FileError::new(input, e))?;
    let out = OutputDir::prepare(out, &[&input], true)?;
    Ok(jobs_of(&input, &out)?.jobs)
}

/// Extracts one clip, as `extract_videos` does each: `N_landmarks.npy`, `N_angles.npy`,
/// `N_frames.npy`, `N_visibility.npy` and `N_video.json` of `clip` written into `dir`. Returns
/// what was found: `input`, `outputs`, `frames_read`, `frames` (with the person), `person`,
/// `chosen` and `damage`. Runs on the calling thread alone: call it from as many processes or
/// threads as there are cores.
#[pyfunction]
#[pyo3(signature = (input, dir, clip, model = "full", person = "walker", fps = 30.0, r#static = false, models = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn extract_video<'py>(
    py: Python<'py>,
    input: PathBuf,
    dir: PathBuf,
    clip: String,
    model: &str,
    person: &str,
    fps: f64,
    r#static: bool,
    models: Option<PathBuf>,
) -> PyResult<Bound<'py, PyDict>> {
    let setup = Setup::new(model, person, fps, r#static, models)?;
    let job = VideoJob { input, dir, clip };
    let track = py
        .detach(|| on_this_thread(|| setup.extract(&job)))
        .map_err(to_py)?;
    summary(py, &job, &track)
}

/// What extracting `job` found.
fn summary<'py>(py: Python<'py>, job: &VideoJob, track: &Track) -> PyResult<Bound<'py, PyDict>> {
    let out = job_dict(py, job)?;
    out.set_item("frames_read", track.frames_read)?;
    out.set_item("frames", track.poses.len())?;
    out.set_item("person", track.person)?;
    out.set_item("chosen", track.chosen.clone())?;
    out.set_item("damage", track.damage.clone())?;
    Ok(out)
}

/// Extracts every clip of `input` (a video, a folder of pictures, or a tree of videos) into
/// `out` as the `pose` example does, videos side by side on all cores. Existing output is an
/// error unless `force` (overwrite) or `resume` (clips whose files are all there are skipped, and
/// clips with some of them only extracted again).
/// Returns one dict per clip: `extract_video`'s, or `input` and `error` for a clip that failed
/// (the others go on), or `input` and `skipped` for one already done.
#[pyfunction]
#[pyo3(signature = (input, out, model = "full", person = "walker", fps = 30.0, r#static = false, models = None, force = false, resume = false))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn extract_videos<'py>(
    py: Python<'py>,
    input: PathBuf,
    out: PathBuf,
    model: &str,
    person: &str,
    fps: f64,
    r#static: bool,
    models: Option<PathBuf>,
    force: bool,
    resume: bool,
) -> PyResult<Vec<Bound<'py, PyDict>>> {
    let setup = Setup::new(model, person, fps, r#static, models)?;
    // The models once up front: a missing or damaged one is one error, not one per video.
    py.detach(|| PoseEstimator::open(&setup.models, setup.options))
        .map_err(to_py)?;
    let jobs = py.detach(|| prepared_jobs(&input, &out)).map_err(to_py)?;
    let (todo, skipped): (Vec<VideoJob>, Vec<VideoJob>) =
        jobs.into_iter().partition(|job| force || !(resume && done(job)));
    // Resuming, a clip with some of its files only was cut short: it is extracted again.
    if !force
        && !resume
        && let Some(existing) = todo.iter().find_map(VideoJob::existing_output)
    {
        return Err(to_py(gait::io::Error::OutputExists { path: existing }));
    }
    let alone = todo.len() >= rayon::current_num_threads();
    let results: Vec<gait::Result<Track>> = py.detach(|| {
        todo.par_iter()
            .map(|job| {
                let run = || setup.extract(job);
                if alone { on_this_thread(run) } else { run() }
            })
            .collect()
    });
    let mut reports = Vec::new();
    for (job, result) in todo.iter().zip(results) {
        reports.push(match result {
            Ok(track) => summary(py, job, &track)?,
            Err(e) => {
                let d = job_dict(py, job)?;
                d.set_item("error", message(&e))?;
                d
            }
        });
    }
    for job in &skipped {
        let d = job_dict(py, job)?;
        d.set_item("skipped", "every output file exists")?;
        reports.push(d);
    }
    Ok(reports)
}
