//! Atomic file writes: a temporary file in the target's folder, renamed over the target only once
//! it is complete, so that a crash never leaves a half-written file. Files end with the mode any
//! new file gets (0666 less the umask), not the temporary file's private 0600.

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// Writes the file at `path` through `fill`, atomically; creates missing parent folders.
pub(crate) fn write(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<&std::fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".gait-").suffix(".tmp");
    // Temporary files are private (0600) by default; the file this one becomes gets the usual
    // mode, 0666 less the umask, like any file a program creates.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let temp = builder.tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
    let mut writer = BufWriter::new(temp.as_file());
    fill(&mut writer)
        .and_then(|()| writer.flush())
        .map_err(|e| Error::io(path, e))?;
    drop(writer);
    temp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    temp.persist(path).map_err(|e| Error::io(path, e.error))?;
    // The rename itself is durable once the folder is synced.
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))?;
    Ok(())
}

/// Writes `bytes` to the file at `path` atomically and durably: a temporary file in the same
/// folder, synced, renamed over `path`, and the folder synced; missing parent folders are
/// created. A crash leaves the old file or the new one, never a mix. The file gets the usual mode
/// (0666 less the umask).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write(path, |out| out.write_all(bytes))
}
