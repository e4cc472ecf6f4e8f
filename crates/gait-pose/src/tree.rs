//! The clips of an input (a video, a folder of pictures, or a tree of videos) and where each one's
//! files go in an output tree that mirrors it.

use std::path::{Path, PathBuf};

use gait_io::OutputDir;

use crate::error::{Error, Result};
use crate::extract::video_outputs;
use crate::source::image_files;

/// File name endings taken as videos when walking a tree.
pub const VIDEO_EXTENSIONS: [&str; 7] = ["mp4", "mov", "avi", "mkv", "webm", "m4v", "mpg"];

/// One clip to extract: where its frames come from, and the folder and name of its outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoJob {
    /// A video, or a folder of pictures.
    pub input: PathBuf,
    /// The folder its files are written into.
    pub dir: PathBuf,
    /// The clip's name: `N` for `N.mp4`, whose files are `N_landmarks.npy` and the rest.
    pub clip: String,
}

impl VideoJob {
    /// The files [`extract_video`](crate::extract_video) writes for this clip.
    pub fn outputs(&self) -> [PathBuf; 5] {
        video_outputs(&self.dir, &self.clip)
    }

    /// Where a picture of the clip with its skeleton drawn goes: `N_overlay.png`.
    pub fn overlay(&self) -> PathBuf {
        self.dir.join(format!("{}_overlay.png", self.clip))
    }

    /// Where person `number` of this clip goes when every person is written, each as a
    /// recording of their own: in a folder below the output's root, the folder beside it named
    /// with `_person` and the number (`Normal/rec/3.mp4` gives `Normal/rec_person2/3_landmarks.npy`,
    /// so a dataset tree stays one); at the root, the clip named so (`walk.mp4` gives
    /// `walk_person2_landmarks.npy`). The folder is made in `out`.
    pub fn person(&self, number: usize, out: &OutputDir) -> Result<VideoJob> {
        let relative = self.dir.strip_prefix(out.root()).unwrap_or(Path::new(""));
        let mut job = self.clone();
        match relative.file_name() {
            Some(name) => {
                let mut name = name.to_os_string();
                name.push(format!("_person{number}"));
                job.dir = out.dir(&relative.with_file_name(name))?;
            }
            None => job.clip = format!("{}_person{number}", self.clip),
        }
        Ok(job)
    }

    /// The first of this clip's files (the overlay included) that already exists.
    pub fn existing_output(&self) -> Option<PathBuf> {
        self.outputs()
            .into_iter()
            .chain([self.overlay()])
            .find(|f| f.exists())
    }
}

/// The clips of an input, and what in it was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoJobs {
    /// One job per clip, in file-name order.
    pub jobs: Vec<VideoJob>,
    /// Folders that hold pictures beside videos, with how many: a folder of pictures is a clip
    /// only when it holds no video.
    pub unread_pictures: Vec<(PathBuf, usize)>,
}

/// The clips of `input` (one video, one folder of pictures, or every video of a tree), each with
/// its folder in `out`, which mirrors `input`'s tree. Two videos that would write the same files
/// (`1.mp4` and `1.mkv` of one folder) are refused before any work.
pub fn video_jobs(input: &Path, out: &OutputDir) -> Result<VideoJobs> {
    let single = |input: &Path| VideoJob {
        input: input.to_path_buf(),
        dir: out.root().to_path_buf(),
        clip: stem(input),
    };
    if input.is_file() {
        return Ok(VideoJobs {
            jobs: vec![single(input)],
            unread_pictures: Vec::new(),
        });
    }
    if !input.is_dir() {
        return Err(Error::NoVideos {
            path: input.to_path_buf(),
            reason: "no such file or folder".into(),
        });
    }
    let mut jobs: Vec<VideoJob> = Vec::new();
    for entry in walkdir::WalkDir::new(input)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|source| gait_io::Error::Walk {
            root: input.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        if !(entry.file_type().is_file() && is_video(path)) {
            continue;
        }
        let relative = path
            .parent()
            .and_then(|p| p.strip_prefix(input).ok())
            .unwrap_or(Path::new(""));
        let job = VideoJob {
            input: path.to_path_buf(),
            dir: out.dir(relative)?,
            clip: stem(path),
        };
        if let Some(other) = jobs.iter().find(|j| j.dir == job.dir && j.clip == job.clip) {
            return Err(Error::SameOutput {
                first: other.input.clone(),
                second: job.input,
                output: other.outputs()[0].clone(),
            });
        }
        jobs.push(job);
    }
    let mut folders: Vec<&Path> = jobs.iter().filter_map(|j| j.input.parent()).collect();
    folders.dedup();
    let mut unread_pictures = Vec::new();
    for folder in folders {
        let pictures = image_files(folder)?.len();
        if pictures > 0 {
            unread_pictures.push((folder.to_path_buf(), pictures));
        }
    }
    if jobs.is_empty() {
        if image_files(input)?.is_empty() {
            return Err(Error::NoVideos {
                path: input.to_path_buf(),
                reason: format!(
                    "no videos ({}) and no pictures found",
                    VIDEO_EXTENSIONS.join(", ")
                ),
            });
        }
        jobs.push(single(input));
    }
    Ok(VideoJobs {
        jobs,
        unread_pictures,
    })
}

/// Whether `path` names a video: its extension is one of [`VIDEO_EXTENSIONS`], in any case.
pub fn is_video(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}
