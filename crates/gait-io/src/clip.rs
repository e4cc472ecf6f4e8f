//! [`ClipFile`]: the files a clip `N` has beside it in a recording folder, and their names.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// One of the files of a clip `N`: `N_landmarks.npy`, `N_angles.npy`, and the three that pose
/// extraction writes beside them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClipFile {
    /// `N_landmarks.npy`: float64 `(frames, joints, 3)`.
    Landmarks,
    /// `N_angles.npy`: the pickled per-frame feature dicts.
    Angles,
    /// `N_frames.npy`: float64 `(frames, 2)`, each kept frame's index in the video and its time in
    /// seconds (frames with no person are left out of the landmarks).
    Frames,
    /// `N_visibility.npy`: float32 `(frames, 33)`, each landmark's visibility score.
    Visibility,
    /// `N_video.json`: the frame's size, rotation and rate ([`VideoInfo`](crate::VideoInfo)).
    Video,
}

impl ClipFile {
    /// All of them, samples' files first.
    pub const ALL: [ClipFile; 5] = [
        ClipFile::Landmarks,
        ClipFile::Angles,
        ClipFile::Frames,
        ClipFile::Visibility,
        ClipFile::Video,
    ];

    /// What follows the clip's name: `_landmarks.npy`, ...
    pub fn suffix(self) -> &'static str {
        match self {
            ClipFile::Landmarks => "_landmarks.npy",
            ClipFile::Angles => "_angles.npy",
            ClipFile::Frames => "_frames.npy",
            ClipFile::Visibility => "_visibility.npy",
            ClipFile::Video => "_video.json",
        }
    }

    /// The file of clip `clip` in folder `dir`.
    pub fn path(self, dir: &Path, clip: &str) -> PathBuf {
        dir.join(format!("{clip}{}", self.suffix()))
    }

    /// The clip's name and the kind of a file name (`"3_angles.npy"` -> `("3", Angles)`), or `None`
    /// for any other name.
    pub fn parse(name: &str) -> Option<(&str, ClipFile)> {
        ClipFile::ALL
            .into_iter()
            .find_map(|kind| name.strip_suffix(kind.suffix()).map(|stem| (stem, kind)))
    }

    /// The files of this kind that `input` names: the file itself, or every such clip file under a
    /// folder (a recording, a split, a whole tree), links followed, in folder order with clip
    /// numbers numerically. A folder with none is an error.
    pub fn find(self, input: &Path) -> Result<Vec<PathBuf>> {
        if input.is_file() {
            return Ok(vec![input.to_path_buf()]);
        }
        let mut clips: Vec<(PathBuf, u64, PathBuf)> = Vec::new();
        for entry in walkdir::WalkDir::new(input).follow_links(true) {
            let entry = entry.map_err(|source| Error::Walk {
                root: input.to_path_buf(),
                source,
            })?;
            let path = entry.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if let Some(n) = name.strip_suffix(self.suffix()).and_then(ClipFile::number) {
                let dir = path.parent().unwrap_or(input).to_path_buf();
                clips.push((dir, n, path.to_path_buf()));
            }
        }
        if clips.is_empty() {
            return Err(Error::NoClips {
                root: input.to_path_buf(),
                split: None,
                file: self,
            });
        }
        clips.sort();
        Ok(clips.into_iter().map(|(_, _, p)| p).collect())
    }

    /// The number a clip's name stands for: digits only (`01` is 1; `+2`, `-1` and `` are not
    /// clip numbers).
    pub fn number(clip: &str) -> Option<u64> {
        Some(clip)
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))?
            .parse()
            .ok()
    }

    /// Whether the file only accompanies a sample (frames, visibility, video) rather than being
    /// one of its two files.
    pub fn is_companion(self) -> bool {
        matches!(self, ClipFile::Frames | ClipFile::Visibility | ClipFile::Video)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in ClipFile::ALL {
            let path = kind.path(Path::new("r"), "12");
            let name = path.file_name().unwrap().to_str().unwrap();
            assert_eq!(ClipFile::parse(name), Some(("12", kind)));
        }
        assert_eq!(ClipFile::parse("12.npy"), None);
        assert_eq!(
            ClipFile::parse("walk_angles.npy"),
            Some(("walk", ClipFile::Angles))
        );
    }
}
