//! What the gait workspace's programs (the examples of this package) share: how they end, and the
//! checks they make of their arguments. The rules themselves live in the library crates.
#![allow(clippy::print_stderr)] // the programs own the terminal

use std::path::Path;

use plotters::style::FontStyle;
use std::process::ExitCode;

/// Anything an example stops on: the workspace's errors, and messages (`"...".into()`).
pub type Failure = Box<dyn std::error::Error>;

/// Ends example `name` with `result`: success, or one line `name: <error>` on standard error and
/// a failing exit code.
pub fn finish<T>(name: &str, result: Result<T, Failure>) -> ExitCode {
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{name}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// A system error as a failure that names `path`.
pub fn at(path: &Path) -> impl FnOnce(std::io::Error) -> Failure + '_ {
    move |error| format!("{}: {error}", path.display()).into()
}

/// Refuses a frame rate that is not a positive number.
pub fn check_fps(fps: f64) -> Result<(), Failure> {
    if fps.is_finite() && fps > 0.0 {
        Ok(())
    } else {
        Err(format!("--fps must be a positive number of frames per second, not {fps}").into())
    }
}

/// Registers DejaVu Sans (shipped in the `dejavu` crate, so that a machine without fonts draws
/// the same pictures) as the plots' sans-serif font.
pub fn register_font() -> Result<(), Failure> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| "the shipped DejaVu Sans font is unreadable".into())
}
