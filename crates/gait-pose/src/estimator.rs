//! [`PoseEstimator`]: MediaPipe Pose's graph (`pose_landmark_cpu.pbtxt`) for one person: detect,
//! find landmarks in the region, smooth, and in video mode track the region from frame to frame,
//! running the detector again only when the person is lost.

use std::path::{Path, PathBuf};

use crate::detector::Detector;
use crate::error::Result;
use crate::frame::{Frame, Roi};
use crate::landmarker::{Landmark, Landmarker, region};
use crate::smoothing::Smoother;

/// Which landmark model runs: MediaPipe's three sizes of BlazePose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Model {
    /// `pose_landmark_lite.tflite`: fastest.
    Lite,
    /// `pose_landmark_full.tflite`: MediaPipe's default (`model_complexity=1`).
    #[default]
    Full,
    /// `pose_landmark_heavy.tflite`: most accurate; not committed, see `tools/fetch-pose-models.sh`.
    Heavy,
}

impl Model {
    /// The model's file name.
    pub fn file_name(self) -> &'static str {
        match self {
            Model::Lite => "pose_landmark_lite.tflite",
            Model::Full => "pose_landmark_full.tflite",
            Model::Heavy => "pose_landmark_heavy.tflite",
        }
    }
}

/// The detector's file name.
pub const DETECTOR_FILE: &str = "pose_detection.tflite";

/// Whether frames are a video (tracked and smoothed) or unrelated pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Frames of one video, in order: the person is tracked and the landmarks smoothed
    /// (MediaPipe's `static_image_mode=False`).
    #[default]
    Video,
    /// Each frame on its own: the detector runs every time, nothing is smoothed.
    Static,
}

/// How the estimator runs; the defaults are MediaPipe Python's.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct PoseOptions {
    /// Which landmark model.
    pub model: Model,
    /// Video or still pictures.
    pub mode: Mode,
    /// The detector's score a person needs to be found.
    pub min_detection_confidence: f32,
    /// The landmark model's pose score above which the person counts as found (and, in video
    /// mode, tracked into the next frame).
    pub min_tracking_confidence: f32,
    /// In video mode, whether landmarks are smoothed over time (MediaPipe's `smooth_landmarks`;
    /// the two points that place the next region are smoothed either way, as in MediaPipe).
    pub smooth: bool,
}

impl Default for PoseOptions {
    fn default() -> Self {
        PoseOptions {
            model: Model::Full,
            mode: Mode::Video,
            min_detection_confidence: 0.5,
            min_tracking_confidence: 0.5,
            smooth: true,
        }
    }
}

/// The pose of one person in one frame: MediaPipe's 33 landmarks in its order.
pub type Pose = [Landmark; 33];

/// MediaPipe Pose for one person, frame after frame.
#[derive(Debug)]
pub struct PoseEstimator {
    detector: Detector,
    landmarker: Landmarker,
    options: PoseOptions,
    smoother: Smoother,
    /// In video mode, where to look in the next frame.
    next: Option<Roi>,
}

/// The folder of the committed models: `models/mediapipe` of this workspace.
pub fn default_model_dir() -> PathBuf {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."));
    crates.parent().unwrap_or(crates).join("models/mediapipe")
}

impl PoseEstimator {
    /// An estimator with the models of folder `dir` (the detector and the landmark model that
    /// `options.model` names, under their MediaPipe file names).
    pub fn open(dir: &Path, options: PoseOptions) -> Result<PoseEstimator> {
        PoseEstimator::open_files(
            &dir.join(DETECTOR_FILE),
            &dir.join(options.model.file_name()),
            options,
        )
    }

    /// An estimator with the given detector and landmark model files.
    pub fn open_files(detector: &Path, landmarker: &Path, options: PoseOptions) -> Result<PoseEstimator> {
        Ok(PoseEstimator {
            detector: Detector::open(detector)?,
            landmarker: Landmarker::open(landmarker)?,
            options,
            smoother: Smoother::new(),
            next: None,
        })
    }

    /// Forgets the person tracked so far: the next frame starts a new video.
    pub fn reset(&mut self) {
        self.next = None;
        self.smoother.reset();
    }

    /// The pose in `frame`, shown at `time` seconds, or `None` when no person is found.
    pub fn estimate(&mut self, frame: &Frame, time: f64) -> Option<Pose> {
        let video = self.options.mode == Mode::Video;
        let found = self.find(frame, video);
        let Some(mut found) = found else {
            self.reset();
            return None;
        };
        if video {
            let [c, s] = found.auxiliary;
            let (w, h) = (frame.width() as f32, frame.height() as f32);
            // The person's size: the side of the region before it is widened.
            let scale = region([c.x, c.y], [s.x, s.y], frame).width * w / 1.25;
            let landmarks = if self.options.smooth {
                Some(&mut found.landmarks[..])
            } else {
                None
            };
            self.smoother
                .apply(landmarks, &mut found.auxiliary, time, [w, h], scale);
            self.next = Some(found.region(frame));
        }
        Some(found.landmarks)
    }

    fn find(&mut self, frame: &Frame, video: bool) -> Option<crate::landmarker::Found> {
        let roi = match self.next.take() {
            Some(roi) if video => roi,
            _ => self
                .detector
                .detect(frame, self.options.min_detection_confidence)?
                .region(frame),
        };
        self.landmarker
            .find(frame, &roi, self.options.min_tracking_confidence)
    }
}
