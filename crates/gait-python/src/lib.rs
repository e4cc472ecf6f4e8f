//! The Python package `gait`, over the Rust crates: what the old pipeline's scripts did, in
//! Python idiom, with NumPy arrays in and out.
//!
//! - `pose.rs`: landmarks of a video or of frames in memory, and whole trees of videos written
//!   as the `pose` example writes them;
//! - `features.rs`: feature sets, gait events and parameters, dataset trees;
//! - `classifier.rs`: the LSTM classifier (`Classifier`, `train`);
//! - `arrays.rs`: NumPy arrays in, checked; `errors.rs`: our errors as Python exceptions.
//!
//! Every heavy call lets go of the GIL, so Python threads run side by side. The signatures and
//! their documentation for Python are in `gait.pyi`.

mod arrays;
mod classifier;
mod errors;
mod features;
mod pose;

use pyo3::prelude::*;

/// The allocator of the module's Rust code (Python's own memory is untouched): glibc's gives the
/// megabytes a training step frees back to the system and faults them in again at the next step,
/// a fifth of the step; mimalloc keeps them for reuse.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The module `gait`.
#[pymodule]
#[pyo3(name = "gait")]
fn gait_python(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("GaitError", m.py().get_type::<errors::GaitError>())?;
    m.add_function(wrap_pyfunction!(pose::pose, m)?)?;
    m.add_function(wrap_pyfunction!(pose::video_jobs, m)?)?;
    m.add_function(wrap_pyfunction!(pose::extract_video, m)?)?;
    m.add_function(wrap_pyfunction!(pose::extract_videos, m)?)?;
    m.add_function(wrap_pyfunction!(features::features, m)?)?;
    m.add_function(wrap_pyfunction!(features::events, m)?)?;
    m.add_function(wrap_pyfunction!(features::load_tree, m)?)?;
    m.add_function(wrap_pyfunction!(classifier::train, m)?)?;
    m.add_class::<classifier::Classifier>()?;
    Ok(())
}
