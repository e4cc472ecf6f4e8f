//! [`VideoInfo`]: what `N_video.json` records of the video a clip's landmarks come from, so that
//! coordinates kept as fractions of the frame's width and height can be put back in true
//! proportions.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::atomic::write_atomically;
use crate::clip::ClipFile;
use crate::error::{Error, FileError, Result};

/// The frame a clip's landmarks were found in, as pose extraction records it in `N_video.json`.
///
/// MediaPipe gives `x` as a fraction of the frame's width and `y` of its height, so on a 16:9
/// frame a vertical length reads 16/9 too long against a horizontal one. With the frame's size
/// known, [`Landmarks::with_aspect`](crate::Landmarks::with_aspect) puts them back in true
/// proportions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VideoInfo {
    /// Frame width in pixels, as the landmarks saw it (after any rotation).
    pub width: u32,
    /// Frame height in pixels, likewise.
    pub height: u32,
    /// Degrees the frames were turned by, from the video's rotation metadata (0: none).
    #[serde(default)]
    pub rotation: i32,
    /// Frames per second, where known.
    #[serde(default)]
    pub fps: Option<f64>,
    /// Which person of the video the landmarks follow and why, where there were several (or
    /// how one was chosen): "person 2 of 3: walked 4.1 body heights in 148 frames".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
}

/// Frames narrower or wider than this many times their height are refused as implausible.
const MAX_ASPECT: f64 = 20.0;

impl VideoInfo {
    /// A frame of `width` x `height` pixels, not rotated, of unknown rate.
    pub fn new(width: u32, height: u32) -> Self {
        VideoInfo {
            width,
            height,
            rotation: 0,
            fps: None,
            person: None,
        }
    }

    /// Width over height.
    pub fn aspect(&self) -> f64 {
        f64::from(self.width) / f64::from(self.height)
    }

    /// Why these values cannot describe a frame, if they cannot.
    fn check(&self) -> Option<String> {
        let aspect = self.aspect();
        if self.width == 0 || self.height == 0 || !(1.0 / MAX_ASPECT..=MAX_ASPECT).contains(&aspect) {
            return Some(format!(
                "a frame of {} x {} pixels: both sides must be positive, neither over {MAX_ASPECT} times the other",
                self.width, self.height
            ));
        }
        if let Some(fps) = self.fps.filter(|f| !(f.is_finite() && *f > 0.0)) {
            return Some(format!("{fps} frames per second: give a positive rate or none"));
        }
        None
    }
}

/// Reads an `N_video.json`.
pub fn read_video_info(path: &Path) -> Result<VideoInfo> {
    let text = std::fs::read_to_string(path).map_err(|source| FileError::new(path, source))?;
    let info: VideoInfo = serde_json::from_str(&text)
        .map_err(|e| Error::content(path, format!("not a video description: {e}")))?;
    match info.check() {
        Some(reason) => Err(Error::content(path, reason)),
        None => Ok(info),
    }
}

/// Writes an `N_video.json`, atomically.
pub fn write_video_info(path: &Path, info: &VideoInfo) -> Result<()> {
    if let Some(reason) = info.check() {
        return Err(Error::content(path, reason));
    }
    let json = serde_json::to_string_pretty(info).expect("a video description serialises");
    write_atomically(path, json.as_bytes())
}

/// The `N_video.json` beside the clip file `path` (`N_landmarks.npy`, `N_angles.npy`, ...), read,
/// or `None` when there is none (landmarks from before it was written, Kinect, synthetic ones).
pub fn video_info_beside(path: &Path) -> Result<Option<VideoInfo>> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let (Some((clip, _)), Some(dir)) = (ClipFile::parse(name), path.parent()) else {
        return Ok(None);
    };
    let beside = ClipFile::Video.path(dir, clip);
    if beside.is_file() {
        read_video_info(&beside).map(Some)
    } else {
        Ok(None)
    }
}
