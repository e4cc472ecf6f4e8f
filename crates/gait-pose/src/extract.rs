//! From a video to the old pipeline's files: pose landmarks, the `seed` angles, and which frames
//! of the video they come from.

use std::path::{Path, PathBuf};

use gait_features::seed_features;
use gait_io::{ClipFile, write_angles, write_landmarks, write_npy, write_video_info};

use crate::error::{Error, Result};
use crate::{Frame, FrameSource, Pose, PoseEstimator, Track, track};

/// The files [`extract_video`] writes for clip `clip` in folder `dir`, in the order it writes them.
pub fn video_outputs(dir: &Path, clip: &str) -> [PathBuf; 5] {
    ClipFile::ALL.map(|kind| kind.path(dir, clip))
}

/// Runs `estimator` over every frame of `source` (a video, or a folder of pictures: see
/// [`FrameSource::open`]), follows the walker among the people it shows ([`track`]) and writes
/// clip `clip` into folder `dir` with [`write_track`]. `on_frame` sees every frame, with the
/// people in it, as it is processed.
pub fn extract_video<'a>(
    estimator: &mut PoseEstimator,
    source: FrameSource<'a>,
    dir: &Path,
    clip: &str,
    on_frame: impl FnMut(usize, &Frame<'a>, &[(usize, Pose)]),
) -> Result<Track> {
    let input = source.path().to_path_buf();
    let found = track(estimator, source, on_frame)?;
    write_track(&found, &input, dir, clip)?;
    Ok(found)
}

/// Writes what `found` holds of the video `input` as clip `clip` in folder `dir`, as the old
/// pipeline did: `clip_landmarks.npy` (float64 `(frames, 33, 3)`, frames with no person left
/// out) and `clip_angles.npy` (the `seed` features), and beside them `clip_frames.npy` (each kept
/// frame's index and time), `clip_visibility.npy` and `clip_video.json` (the frame's size,
/// rotation and rate: [`Track::video_info`]). The `seed` angles are the old formulas on the old
/// coordinates; the default features read the landmarks in true proportions.
///
/// Nothing is written when no frame shows a person; each file is written whole or not at all.
pub fn write_track(found: &Track, input: &Path, dir: &Path, clip: &str) -> Result<()> {
    if found.poses.is_empty() {
        return Err(Error::NoPerson {
            path: input.to_path_buf(),
            frames: found.frames_read,
        });
    }
    let landmarks = found.landmarks();
    let [
        landmarks_path,
        angles_path,
        frames_path,
        visibility_path,
        video_path,
    ] = video_outputs(dir, clip);
    write_landmarks(&landmarks_path, &landmarks)?;
    write_angles(&angles_path, &seed_features(&landmarks))?;
    write_npy(&frames_path, &found.frames())?;
    write_npy(&visibility_path, &found.visibility())?;
    write_video_info(&video_path, &found.video_info())?;
    Ok(())
}
