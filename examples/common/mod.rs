//! What the examples share: how they fail, and the checks on an output folder.
// Each example uses the part it needs.
#![allow(dead_code)]

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

/// Refuses to write into `out` when it holds anything, unless `force`.
pub fn refuse_non_empty(out: &Path, force: bool) -> Result<(), Failure> {
    if !force && std::fs::read_dir(out).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(format!(
            "{} is not empty: choose an empty folder, or --force to write into it",
            out.display()
        )
        .into());
    }
    Ok(())
}

/// Registers a system sans-serif font for the plots' text (plotters draws text with ab_glyph).
pub fn register_font() -> Result<(), Failure> {
    const CANDIDATES: [&str; 3] = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/Library/Fonts/Arial Unicode.ttf",
    ];
    let bytes = CANDIDATES
        .iter()
        .find_map(|p| std::fs::read(p).ok())
        .ok_or("no DejaVu Sans font found (install fonts-dejavu-core)")?;
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
        .map_err(|_| "unreadable font".into())
}
