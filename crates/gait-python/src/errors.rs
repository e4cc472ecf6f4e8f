//! Our errors as Python exceptions: a file the system cannot find is `FileNotFoundError`, a
//! permission refused `PermissionError`, anything else `gait.GaitError`; each carries our whole
//! message, and `path`, the file or folder concerned (a `pathlib.Path`), where there is one.

use std::error::Error as _;

use pyo3::exceptions::{PyException, PyFileNotFoundError, PyPermissionError, PyValueError};
use pyo3::prelude::*;

pyo3::create_exception!(
    gait,
    GaitError,
    PyException,
    "An error of the gait library: a file that cannot be read or written, a model that does not fit its input, a video that cannot be decoded. `path` is the file or folder concerned, or None."
);

/// The Python exception for `error`.
pub(crate) fn to_py(error: impl Into<gait::Error>) -> PyErr {
    let error: gait::Error = error.into();
    let message = message(&error);
    let path = error.path().map(std::path::Path::to_path_buf);
    let err = match error.io_kind() {
        Some(std::io::ErrorKind::NotFound) => PyFileNotFoundError::new_err(message),
        Some(std::io::ErrorKind::PermissionDenied) => PyPermissionError::new_err(message),
        _ => GaitError::new_err(message),
    };
    Python::attach(|py| {
        // Only a failure to set an attribute on a fresh exception could fail here: the error
        // itself is what matters, so it goes out without the attribute then.
        let _ = err.value(py).setattr("path", path);
    });
    err
}

/// The error's message, with the messages of its causes that it does not already include.
pub(crate) fn message(error: &gait::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message = format!("{message}: {text}");
        }
        source = cause.source();
    }
    message
}

/// A `ValueError` for an argument the caller gave wrongly.
pub(crate) fn bad(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}
