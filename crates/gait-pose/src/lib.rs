//! `gait-pose`: body-pose landmarks from walking videos, with MediaPipe's BlazePose models run in
//! pure Rust.
//!
//! [`PoseEstimator`] is MediaPipe Pose's graph for one person (`mediapipe.solutions.pose` in
//! Python): the person detector, the landmark model on the region around the person, MediaPipe's
//! smoothing, and in video mode the region tracked from frame to frame. [`FrameSource`] gives the
//! frames of a video (through the `ffmpeg` program) or of a folder of pictures, and [`track`] runs
//! the estimator over them into [`gait_io::Landmarks`].
//!
//! The models are MediaPipe's own `.tflite` files, read and run by this crate's interpreter
//! ([`Network`]); the detector and the lite and full landmark models come with the workspace
//! (`models/mediapipe`, Apache-2.0).

mod choice;
mod detector;
mod error;
mod estimator;
mod extract;
mod flatbuffer;
mod following;
mod frame;
mod geometry;
mod graph;
mod landmarker;
mod network;
mod ops;
mod overlay;
mod shape;
mod smoothing;
mod source;
mod tflite;
mod threads;
mod track;
mod tree;

#[cfg(feature = "fuzzing")]
pub mod fuzzing {
    //! Entry point for `cargo fuzz` (feature `fuzzing`): the model reader on bytes in memory.

    /// Reads a `.tflite` file's bytes and checks its graph; a model that reads is then run once,
    /// on zeros, to every output it has.
    pub fn model(bytes: &[u8]) {
        let Ok(graph) = crate::tflite::read(bytes) else {
            return;
        };
        let names: Vec<String> = graph
            .outputs
            .iter()
            .map(|&t| graph.tensors[t].name.clone())
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        if let Ok(mut network) = crate::network::Network::from_bytes(bytes, &names) {
            network.run();
        }
    }
}

pub use choice::{Person, track};
pub use error::{Error, Result};
pub use estimator::{DETECTOR_FILE, Mode, Model, Pose, PoseEstimator, PoseOptions, default_model_dir};
pub use extract::{extract_video, video_outputs, write_track};
pub use frame::{Frame, Roi};
pub use landmarker::Landmark;
pub use network::Network;
pub use overlay::{CONNECTIONS, contact_sheet, person_picture};
pub use source::{FrameSource, Video, image_files, read_image};
pub use threads::on_this_thread;
pub use track::{People, Track, track_people};
pub use tree::{VIDEO_EXTENSIONS, VideoJob, VideoJobs, is_video, video_jobs};
