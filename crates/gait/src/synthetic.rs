//! The built-in synthetic dataset, written in the old pipeline's layout.

use std::path::Path;

use gait_features::seed_features;
use gait_io::{ClipFile, write_angles, write_landmarks};
use gait_synth::{CohortOptions, Recording, cohort};

use crate::error::Result;

/// Strides per clip: clips run from a left heel strike to the one two strides later.
const STRIDES_PER_CLIP: usize = 2;

/// Writes a synthetic cohort under `root` in the same tree as [`write_synthetic_dataset`], but
/// each recording whole, as its clip `1`: for trying whole-recording verdicts and reports.
/// Returns the number of recordings written.
pub fn write_synthetic_recordings(root: &Path, options: &CohortOptions, seed: u64) -> Result<usize> {
    let mut written = 0;
    for recording in cohort(options, seed) {
        let dir = recording_dir(root, &recording);
        write_landmarks(&ClipFile::Landmarks.path(&dir, "1"), &recording.landmarks)?;
        write_angles(
            &ClipFile::Angles.path(&dir, "1"),
            &seed_features(&recording.landmarks),
        )?;
        written += 1;
    }
    Ok(written)
}

/// Writes a synthetic cohort under `root` as `{Training,Testing}/{Normal,Abnormal}/<recording>/`
/// `N_landmarks.npy` and `N_angles.npy` (the `seed` features, as the old pipeline wrote them),
/// clips cut at the walker's true heel strikes. Returns the number of clips written.
pub fn write_synthetic_dataset(root: &Path, options: &CohortOptions, seed: u64) -> Result<usize> {
    let mut clips = 0;
    for recording in cohort(options, seed) {
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
            let name = (n + 1).to_string();
            write_landmarks(&ClipFile::Landmarks.path(&dir, &name), &clip)?;
            write_angles(&ClipFile::Angles.path(&dir, &name), &seed_features(&clip))?;
            clips += 1;
        }
    }
    Ok(clips)
}

/// The folder of `recording` in the tree under `root`.
fn recording_dir(root: &Path, recording: &Recording) -> std::path::PathBuf {
    root.join(recording.split.dir_name())
        .join(recording.class.name())
        .join(&recording.name)
}
