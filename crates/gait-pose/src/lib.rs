//! `gait-pose`: body-pose landmarks from walking videos, with MediaPipe's BlazePose models run in
//! pure Rust.

mod error;
mod flatbuffer;
mod network;
mod ops;
mod tflite;

pub use error::{Error, Result};
pub use network::Network;
