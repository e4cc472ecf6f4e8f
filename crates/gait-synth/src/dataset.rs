//! The synthetic cohort written in the old pipeline's layout, and the normal range it gives.

use std::path::Path;

use gait_features::{NormalRange, seed_features};
use gait_io::{ClipFile, Landmarks, Result, VideoInfo, write_angles, write_landmarks, write_video_info};

use crate::{Camera, CohortOptions, Recording, cohort};

/// Strides per clip: clips run from a left heel strike to the one two strides later.
const STRIDES_PER_CLIP: usize = 2;

/// Writes a synthetic cohort under `root` in the same tree as [`write_dataset`], but
/// each recording whole, as its clip `1`, seen by a camera that pans with the walker (as a
/// clinician films a long walk; a still camera would lose them): for trying whole-recording
/// verdicts and reports. Returns the number of recordings written.
pub fn write_recordings(root: &Path, options: &CohortOptions, seed: u64) -> Result<usize> {
    let options = panning(options);
    let mut written = 0;
    for recording in cohort(&options, seed)? {
        let dir = recording_dir(root, &recording);
        write_clip(&dir, "1", &recording.landmarks, options.fps)?;
        written += 1;
    }
    Ok(written)
}

/// Writes a synthetic cohort under `root` as `{Training,Testing}/{Normal,Abnormal}/<recording>/`
/// `N_landmarks.npy` and `N_angles.npy` (the `seed` features, as the old pipeline wrote them),
/// with `N_video.json` where a camera saw them, clips cut at the walker's true heel strikes. Returns the number of clips written.
pub fn write_dataset(root: &Path, options: &CohortOptions, seed: u64) -> Result<usize> {
    let mut clips = 0;
    for recording in cohort(options, seed)? {
        let dir = recording_dir(root, &recording);
        let strikes = &recording.heel_strikes[0];
        for (n, window) in strikes
            .windows(STRIDES_PER_CLIP + 1)
            .step_by(STRIDES_PER_CLIP)
            .enumerate()
        {
            let clip = recording
                .landmarks
                .frames_in(window[0]..window[STRIDES_PER_CLIP])?;
            write_clip(&dir, &(n + 1).to_string(), &clip, options.fps)?;
            clips += 1;
        }
    }
    Ok(clips)
}

/// Writes clip `name` of `landmarks` into `dir` as pose extraction would: `N_landmarks.npy`,
/// `N_angles.npy` (the `seed` features) and, for landmarks a camera saw, `N_video.json` (a frame
/// 1080 pixels high of the camera's aspect, at `fps`).
fn write_clip(dir: &Path, name: &str, landmarks: &Landmarks, fps: f64) -> Result<()> {
    write_landmarks(&ClipFile::Landmarks.path(dir, name), landmarks)?;
    write_angles(&ClipFile::Angles.path(dir, name), &seed_features(landmarks))?;
    if let Some(aspect) = landmarks.aspect() {
        const HEIGHT: u32 = 1080;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let width = (f64::from(HEIGHT) * aspect).round() as u32;
        let mut video = VideoInfo::new(width, HEIGHT);
        video.fps = Some(fps);
        write_video_info(&ClipFile::Video.path(dir, name), &video)?;
    }
    Ok(())
}

/// `options` with their camera, if any, panning with the walker.
fn panning(options: &CohortOptions) -> CohortOptions {
    CohortOptions {
        camera: options.camera.map(|c| Camera { pan: true, ..c }),
        ..options.clone()
    }
}

/// The folder of `recording` in the tree under `root`.
fn recording_dir(root: &Path, recording: &Recording) -> std::path::PathBuf {
    root.join(recording.split.dir_name())
        .join(recording.class.name())
        .join(&recording.name)
}

/// The normal range of the synthetic normal cohort (16 subjects, 10 s each, seen by its
/// side-view camera panning with them, as MediaPipe would see them), at `fps` (in
/// [`CohortOptions::FPS`]).
pub fn normal_range(fps: f64) -> Result<NormalRange> {
    let options = CohortOptions {
        normal_subjects: 16,
        abnormal_subjects: 0,
        recordings_per_subject: 1,
        seconds: 10.0,
        fps,
        test_fraction: 0.0,
        ..panning(&CohortOptions::default())
    };
    let walks: Vec<Landmarks> = cohort(&options, 0)?.into_iter().map(|r| r.landmarks).collect();
    let mut range = NormalRange::from_walks(
        &walks,
        fps,
        "the synthetic normal cohort (16 walkers, gait-synth)",
    );
    // A camera panning with the walker shows no ground covered: the lengths of the same walks in
    // three dimensions (in leg lengths, as a still camera from the side measures them).
    let lengths = cohort(
        &CohortOptions {
            camera: None,
            ..options
        },
        0,
    )?;
    let walked: Vec<Landmarks> = lengths.into_iter().map(|r| r.landmarks).collect();
    let metric = NormalRange::from_walks(&walked, fps, "");
    for k in LENGTHS {
        range.parameters[k] = metric.parameters[k];
    }
    Ok(range)
}

/// The parameters of [`gait_features::PARAMETERS`] that are lengths along the walk (stride and
/// step lengths and the symmetry of steps).
const LENGTHS: [usize; 5] = [1, 2, 3, 4, 9];
