//! [`track_people`]: the estimator run over every frame of a source, following everyone, and
//! what it found: a [`Track`] per person, as arrays.

use std::collections::VecDeque;

use ndarray::{Array2, Array3};

use crate::error::Result;
use crate::estimator::{Pose, PoseEstimator};
use crate::frame::Frame;
use crate::source::FrameSource;

/// The poses found in a video: only frames with a person are kept, each with its index and time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Track {
    /// How many frames were read.
    pub frames_read: usize,
    /// The frame size, `[width, height]` in pixels (of the last frame read).
    pub frame_size: [usize; 2],
    /// Degrees the frames were turned upright by ([`FrameSource::rotation`]).
    pub rotation: i32,
    /// Indices of the frames with a person, increasing.
    pub frame_indices: Vec<usize>,
    /// Their times in seconds.
    pub times: Vec<f64>,
    /// Their poses.
    pub poses: Vec<Pose>,
    /// What could not be decoded, if anything ([`FrameSource::damage`]): the poses come from the
    /// frames that could.
    pub damage: Option<String>,
    /// The person's number in the video (from 1, in the order first seen).
    pub person: usize,
    /// Why this person was chosen among the others, when there were others, or how.
    pub chosen: Option<String>,
}

impl Track {
    /// The landmarks as the old pipeline saved them: `(kept frames, 33, 3)` of `x` and `y` as
    /// fractions of the frame's width and height and MediaPipe's `z`; with the frame's aspect,
    /// so that geometry sees them in true proportions.
    pub fn landmarks(&self) -> gait_io::Landmarks<'static> {
        let mut a = Array3::zeros((self.poses.len(), 33, 3));
        for (f, pose) in self.poses.iter().enumerate() {
            for (j, l) in pose.iter().enumerate() {
                a[[f, j, 0]] = l.x;
                a[[f, j, 1]] = l.y;
                a[[f, j, 2]] = l.z;
            }
        }
        let [width, height] = self.frame_size;
        let aspect = (width > 0 && height > 0).then(|| width as f64 / height as f64);
        gait_io::Landmarks::new(gait_io::Layout::MediaPipe33, a)
            .and_then(|l| l.with_aspect(aspect))
            .expect("33 joints of 3 values, a positive aspect")
    }

    /// The frame the poses were found in, for `N_video.json`: its size, rotation, and rate (from
    /// the median time between frames read one after the other).
    pub fn video_info(&self) -> gait_io::VideoInfo {
        let [width, height] = self.frame_size.map(|s| u32::try_from(s).unwrap_or(u32::MAX));
        let mut info = gait_io::VideoInfo::new(width, height);
        info.rotation = self.rotation;
        info.person.clone_from(&self.chosen);
        let mut steps: Vec<f64> = self
            .frame_indices
            .windows(2)
            .zip(self.times.windows(2))
            .filter(|(i, _)| i[1] == i[0] + 1)
            .map(|(_, t)| t[1] - t[0])
            .filter(|d| *d > 0.0)
            .collect();
        steps.sort_by(f64::total_cmp);
        info.fps = steps.get(steps.len() / 2).map(|d| 1.0 / d);
        info
    }

    /// Each kept frame's landmark visibilities, `(kept frames, 33)`.
    pub fn visibility(&self) -> Array2<f32> {
        Array2::from_shape_fn((self.poses.len(), 33), |(f, j)| self.poses[f][j].visibility)
    }

    /// Each kept frame's index and time in seconds, `(kept frames, 2)`.
    pub fn frames(&self) -> Array2<f64> {
        Array2::from_shape_fn((self.poses.len(), 2), |(f, c)| {
            if c == 0 {
                self.frame_indices[f] as f64
            } else {
                self.times[f]
            }
        })
    }
}

/// Everyone found in a video, each person's own [`Track`], before one is chosen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct People {
    /// One track per person, in the order of their numbers (person `k` at `k - 1`); each has
    /// the video's frame count, size, rotation and damage.
    pub tracks: Vec<Track>,
    /// How many frames were read.
    pub frames_read: usize,
}

/// Runs `estimator` over every frame of `source` from a fresh start, following every person
/// ([`PoseEstimator::estimate_people`]), and calling `on_frame` with each frame's index, the
/// frame and the people in it (numbered) as it goes.
pub fn track_people<'a>(
    estimator: &mut PoseEstimator,
    mut source: FrameSource<'a>,
    mut on_frame: impl FnMut(usize, &Frame<'a>, &[(usize, Pose)]),
) -> Result<People> {
    estimator.reset();
    let mut people = People::default();
    let (mut frame_size, rotation) = ([0, 0], source.rotation());
    // The frames of the last look_back seconds: someone the detector finds only when it looks
    // is followed back through them, to when they came into view.
    let mut recent: VecDeque<(Frame, f64)> = VecDeque::new();
    let look_back = estimator.look_back();
    for item in source.by_ref() {
        let (frame, time) = item?;
        let index = people.frames_read;
        people.frames_read += 1;
        frame_size = [frame.width(), frame.height()];
        let found = estimator.estimate_people(&frame, time);
        on_frame(index, &frame, &found);
        for (number, pose) in found {
            while people.tracks.len() < number {
                people.tracks.push(Track {
                    person: people.tracks.len() + 1,
                    ..Track::default()
                });
            }
            let track = &mut people.tracks[number - 1];
            if track.poses.is_empty() && !recent.is_empty() {
                let earlier: Vec<&Frame> = recent.iter().map(|(f, _)| f).collect();
                let before = estimator.trace_back(&pose, &earlier);
                let first = recent.len() - before.len();
                for (k, traced) in before.into_iter().enumerate() {
                    track.frame_indices.push(index - recent.len() + first + k);
                    track.times.push(recent[first + k].1);
                    track.poses.push(traced);
                }
            }
            track.frame_indices.push(index);
            track.times.push(time);
            track.poses.push(pose);
        }
        if look_back > 0.0 {
            recent.push_back((frame, time));
            // A clock that is not a number keeps no frames.
            while recent
                .front()
                .is_some_and(|(_, t)| time - t > look_back || (time - t).is_nan())
            {
                recent.pop_front();
            }
        }
    }
    let damage = source.damage();
    for track in &mut people.tracks {
        track.frames_read = people.frames_read;
        track.frame_size = frame_size;
        track.rotation = rotation;
        track.damage.clone_from(&damage);
    }
    if people.tracks.is_empty() {
        people.tracks.push(Track {
            frames_read: people.frames_read,
            frame_size,
            rotation,
            damage,
            person: 1,
            ..Track::default()
        });
    }
    Ok(people)
}
