//! [`PoseEstimator`]: MediaPipe Pose's graph (`pose_landmark_cpu.pbtxt`) for one person: detect,
//! find landmarks in the region, smooth, and in video mode track the region from frame to frame,
//! running the detector again only when the person is lost; and the same for everyone in the
//! frame ([`PoseEstimator::estimate_people`], the people followed kept in `following.rs`).

use std::path::{Path, PathBuf};

use crate::detector::Detector;
use crate::error::Result;
use crate::following::Following;
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
    /// In video mode, how often (seconds of video) the detector looks for people not yet
    /// followed by [`PoseEstimator::estimate_people`]; it also looks whenever someone followed
    /// is lost. Someone who comes into view is found within this time. Each look costs about two
    /// frames' landmarks (measured on AVX2): once a second adds about 6% at 30 frames per second.
    pub look_for_others: f64,
}

impl Default for PoseOptions {
    fn default() -> Self {
        PoseOptions {
            model: Model::Full,
            mode: Mode::Video,
            min_detection_confidence: 0.5,
            min_tracking_confidence: 0.5,
            smooth: true,
            look_for_others: 1.0,
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
    /// In video mode, every person followed by [`estimate_people`](Self::estimate_people).
    pub(crate) following: Following,
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
            following: Following::default(),
        })
    }

    /// Forgets the person tracked so far: the next frame starts a new video.
    pub fn reset(&mut self) {
        self.next = None;
        self.smoother.reset();
        self.following = Following::default();
    }

    /// The pose in `frame`, shown at `time` seconds, or `None` when no person is found.
    pub fn estimate(&mut self, frame: &Frame, time: f64) -> Option<Pose> {
        let video = self.options.mode == Mode::Video;
        let roi = match self.next.take() {
            Some(roi) if video => Some(roi),
            _ => self
                .detector
                .detect(frame, self.options.min_detection_confidence)
                .map(|d| d.region(frame)),
        };
        let found = roi.and_then(|roi| self.landmarks_in(frame, &roi, Smoothing::Single, time));
        match found {
            Some((pose, next)) => {
                self.next = next;
                Some(pose)
            }
            None => {
                self.next = None;
                self.smoother.reset();
                None
            }
        }
    }

    /// Every person in `frame`, shown at `time` seconds, as `(person, pose)` in the order of
    /// their numbers. In video mode each is followed from frame to frame with their own region
    /// and smoothing, exactly as [`estimate`](Self::estimate) follows one (a video with one
    /// person gives its poses bit for bit), and numbered from 1 in the order first seen; someone
    /// lost for a few frames and found again near where they were keeps their number. In static
    /// mode, the one pose `estimate` gives, as person 1.
    pub fn estimate_people(&mut self, frame: &Frame, time: f64) -> Vec<(usize, Pose)> {
        if self.options.mode == Mode::Static {
            return self
                .estimate(frame, time)
                .map(|pose| (1, pose))
                .into_iter()
                .collect();
        }
        let aspect = frame.width() as f32 / frame.height() as f32;
        let (followed, look) = self
            .following
            .begin_frame(time, self.options.look_for_others, aspect);
        let mut taken: Vec<Roi> = followed.iter().map(|&(_, roi)| roi).collect();
        let mut found: Vec<(usize, Pose)> = Vec::new();
        for (slot, roi) in followed {
            found.extend(self.follow(frame, slot, &roi, time));
        }
        if look {
            for roi in self.detect_all(frame) {
                let Some(slot) = self.following.place(&roi, &taken) else {
                    continue;
                };
                taken.push(roi);
                found.extend(self.follow(frame, slot, &roi, time));
            }
        }
        let kept = self
            .following
            .end_frame(&found.iter().map(|(slot, pose)| (*slot, pose)).collect::<Vec<_>>());
        let mut people: Vec<(usize, Pose)> = found
            .into_iter()
            .filter(|(slot, _)| kept.contains(slot))
            .map(|(slot, pose)| (self.following.number(slot), pose))
            .collect();
        people.sort_by_key(|&(number, _)| number);
        people
    }

    /// The person in `slot` looked for in region `roi` of `frame`: their pose, if found, and
    /// where to look next (or that they are lost) recorded.
    fn follow(&mut self, frame: &Frame, slot: usize, roi: &Roi, time: f64) -> Option<(usize, Pose)> {
        let result = self.landmarks_in(frame, roi, Smoothing::Person(slot), time);
        self.following.update(slot, result.and_then(|(_, next)| next));
        result.map(|(pose, _)| (slot, pose))
    }

    /// The poses of the person `pose` shows, in the frames just before it: `earlier` (oldest
    /// first) followed backwards from the region around `pose`, each region placed by the pose
    /// found in the frame after it, as video mode places them forwards, until the person is not
    /// found. Oldest first, for the last frames of `earlier`; unsmoothed. For someone the
    /// detector found only when it looked, the frames since they came into view.
    pub fn trace_back(&mut self, pose: &Pose, earlier: &[&Frame]) -> Vec<Pose> {
        let Some(last) = earlier.last() else {
            return Vec::new();
        };
        let (w, h) = (last.width() as f32, last.height() as f32);
        // The region around the pose: centred on the hips, as wide as the body's reach from
        // them, turned along the line from the hips to the shoulders (as MediaPipe's is to the
        // point above the head).
        let hips = [(pose[23].x + pose[24].x) / 2.0, (pose[23].y + pose[24].y) / 2.0];
        let shoulders = [(pose[11].x + pose[12].x) / 2.0, (pose[11].y + pose[12].y) / 2.0];
        let reach = pose
            .iter()
            .map(|l| ((l.x - hips[0]) * w).hypot((l.y - hips[1]) * h))
            .fold(0.0f32, f32::max);
        let (dx, dy) = ((shoulders[0] - hips[0]) * w, (shoulders[1] - hips[1]) * h);
        let along = dx.hypot(dy);
        if !(reach > 0.0 && along > 0.0) {
            return Vec::new();
        }
        let toward = [hips[0] + dx / along * reach / w, hips[1] + dy / along * reach / h];
        let mut roi = region(hips, toward, last);
        let mut poses = Vec::new();
        for frame in earlier.iter().rev() {
            let Some(found) = self
                .landmarker
                .find(frame, &roi, self.options.min_tracking_confidence)
            else {
                break;
            };
            roi = found.region(frame);
            poses.push(found.landmarks);
        }
        poses.reverse();
        poses
    }

    /// How many seconds back a person found by the detector may have been in view unfound: the
    /// time between its looks for others, in video mode.
    pub(crate) fn look_back(&self) -> f64 {
        match self.options.mode {
            Mode::Video => self.options.look_for_others,
            Mode::Static => 0.0,
        }
    }

    /// The landmarks of the person in region `roi` of `frame`, if the landmark model finds one;
    /// in video mode smoothed by `smoothing`'s smoother, with the region to look at next.
    pub(crate) fn landmarks_in(
        &mut self,
        frame: &Frame,
        roi: &Roi,
        smoothing: Smoothing,
        time: f64,
    ) -> Option<(Pose, Option<Roi>)> {
        let mut found = self
            .landmarker
            .find(frame, roi, self.options.min_tracking_confidence)?;
        if self.options.mode == Mode::Static {
            return Some((found.landmarks, None));
        }
        if let Smoothing::Person(slot) = smoothing {
            // Someone near another person: only a pose where their motion predicts is theirs.
            if !self.following.accepts(slot, &found.region(frame)) {
                return None;
            }
        }
        let [c, s] = found.auxiliary;
        let (w, h) = (frame.width() as f32, frame.height() as f32);
        // The person's size: the side of the region before it is widened.
        let scale = region([c.x, c.y], [s.x, s.y], frame).width * w / 1.25;
        let landmarks = if self.options.smooth {
            Some(&mut found.landmarks[..])
        } else {
            None
        };
        let smoother = match smoothing {
            Smoothing::Single => &mut self.smoother,
            Smoothing::Person(slot) => self.following.smoother(slot),
        };
        smoother.apply(landmarks, &mut found.auxiliary, time, [w, h], scale);
        let next = found.region(frame);
        Some((found.landmarks, Some(next)))
    }

    /// Runs the detector on `frame`: every person it finds, most confident first, as the region
    /// the landmark model would look at.
    pub(crate) fn detect_all(&mut self, frame: &Frame) -> Vec<Roi> {
        self.detector
            .detect_all(frame, self.options.min_detection_confidence)
            .iter()
            .map(|d| d.region(frame))
            .collect()
    }
}

/// Whose smoother a pose is smoothed with.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Smoothing {
    /// The one person of [`PoseEstimator::estimate`].
    Single,
    /// Person `k` of [`PoseEstimator::estimate_people`].
    Person(usize),
}
