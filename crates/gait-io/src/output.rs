//! Output folders that never reach into an input.
//!
//! Every program that writes a tree made from other files checks its output here: the output is
//! resolved through links and `..` before anything is created, refused inside any input, and each
//! folder written into is resolved and checked again once it exists (a link inside the output
//! may lead back into an input). Files are then written by [`crate::write_atomically`], which
//! replaces a target's directory entry instead of writing through it, so a hard link shared with
//! an input is never emptied.

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, FileError, Result};

/// A folder to write into, checked against the inputs it is made from.
#[derive(Debug, Clone)]
pub struct OutputDir {
    root: PathBuf,
    inputs: Vec<PathBuf>,
}

impl OutputDir {
    /// Prepares the folder `out` for what is made from `inputs` (files or folders, which must
    /// exist): refuses it when it resolves inside an input, or when it holds anything and `force`
    /// is false; then creates it. Nothing is created when it is refused.
    pub fn prepare(out: &Path, inputs: &[&Path], force: bool) -> Result<Self> {
        let inputs = inputs
            .iter()
            .map(|input| input.canonicalize().map_err(|e| FileError::new(*input, e).into()))
            .collect::<Result<Vec<_>>>()?;
        let planned = OutputDir {
            root: resolve(out)?,
            inputs,
        };
        planned.check_outside_inputs(&planned.root)?;
        if !force && std::fs::read_dir(&planned.root).is_ok_and(|mut entries| entries.next().is_some()) {
            return Err(Error::OutputExists {
                path: out.to_path_buf(),
            });
        }
        std::fs::create_dir_all(&planned.root).map_err(|e| Error::io(out, e))?;
        // Resolved again once it exists: a link created meanwhile may lead into an input.
        let root = planned.root.canonicalize().map_err(|e| Error::io(out, e))?;
        planned.check_outside_inputs(&root)?;
        Ok(OutputDir { root, ..planned })
    }

    /// The resolved output folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder `relative` below the output (`""` for the output itself), created, resolved
    /// through links and checked: it must lie inside the output and outside every input.
    pub fn dir(&self, relative: &Path) -> Result<PathBuf> {
        let wanted = self.root.join(relative);
        if relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(Error::OutputOutsideFolder {
                path: wanted,
                out: self.root.clone(),
            });
        }
        std::fs::create_dir_all(&wanted).map_err(|e| Error::io(&wanted, e))?;
        let resolved = wanted.canonicalize().map_err(|e| Error::io(&wanted, e))?;
        self.check_outside_inputs(&resolved)?;
        if !resolved.starts_with(&self.root) {
            return Err(Error::OutputOutsideFolder {
                path: wanted,
                out: self.root.clone(),
            });
        }
        Ok(resolved)
    }

    fn check_outside_inputs(&self, path: &Path) -> Result<()> {
        match self.inputs.iter().find(|input| path.starts_with(input)) {
            Some(input) => Err(Error::OutputInsideInput {
                out: path.to_path_buf(),
                input: input.clone(),
            }),
            None => Ok(()),
        }
    }
}

/// `path` made absolute and resolved as the system will resolve it once its missing folders are
/// created: links followed where it exists, and `..` after a folder still to be created taken
/// back out, as it will be once that folder exists. Nothing is created.
pub fn resolve(path: &Path) -> Result<PathBuf> {
    let absolute = std::path::absolute(path).map_err(|e| Error::io(path, e))?;
    let mut resolved = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                resolved.pop();
            }
            Component::CurDir => {}
            other => {
                resolved.push(other);
                if let Ok(real) = resolved.canonicalize() {
                    resolved = real;
                }
            }
        }
    }
    Ok(resolved)
}
