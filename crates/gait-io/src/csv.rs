//! CSV export of any file `gait-io` reads: a header line, then one row per frame.

use std::io::Write;
use std::path::Path;

use crate::angles::table_from_bytes;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::landmarks::Layout;
use crate::npy::{read_file, read_npy, read_npy_header};

/// Writes `path` (an angles file or a numeric `.npy`) as CSV to `out`.
///
/// - Angles files: one column per dict key in file order, an empty cell for `None` (or a key the
///   frame lacks), `nan` for a NaN value. Integers are written exactly.
/// - Numeric arrays: the first axis is the row, the other axes are flattened in C order; columns
///   are `<landmark>_x`, `_y`, `_z` with MediaPipe names for `(frames, 33, 3)` arrays and
///   `c0, c1, ...` otherwise. A 0-d array is one row.
///
/// Numbers are written in shortest round-trip form: each parses back to exactly the stored value.
pub fn write_csv(path: &Path, out: &mut impl Write) -> Result<()> {
    let header = read_npy_header(path)?;
    let io = |e| Error::io(path, e);
    if header.dtype == DType::Object {
        let table = table_from_bytes(path, &read_file(path)?)?;
        write_row(out, table.columns.iter().map(String::as_str)).map_err(io)?;
        let width = table.columns.len();
        if width == 0 {
            // Frames of empty dicts: one empty line each.
            for _ in 0..table.rows {
                out.write_all(b"\n").map_err(io)?;
            }
            return Ok(());
        }
        for (values, absent) in table.values.chunks(width).zip(table.absent.chunks(width)) {
            let cells = values
                .iter()
                .zip(absent)
                .map(|(v, &absent)| match (absent, v.is_nan()) {
                    (true, _) => String::new(),
                    (false, true) => "nan".to_string(),
                    (false, false) => format!("{v:?}"),
                });
            write_row(out, cells).map_err(io)?;
        }
        return Ok(());
    }
    let array = read_npy(path)?;
    let shape = array.shape();
    let width: usize = shape.iter().skip(1).product();
    let rows = shape.first().copied().unwrap_or(1); // a 0-d array is one row
    // An empty array's shape costs nothing to claim: (0, 10**12) in 128 bytes. Its CSV would be
    // a header of 10**12 names, or 10**12 empty lines for (10**12, 0); what is written stays in
    // proportion to the file instead.
    let bound = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len()
        .max(4096);
    if width as u64 > bound || (width == 0 && rows as u64 > bound) {
        return Err(Error::content(
            path,
            format!(
                "shape {shape:?}: an empty array with more columns or rows than the file has bytes is not exported"
            ),
        ));
    }
    let names: Vec<String> = if shape.len() == 3 && shape[1] == 33 && shape[2] == 3 {
        Layout::MediaPipe33
            .joint_names()
            .iter()
            .flat_map(|joint| ["x", "y", "z"].map(|axis| format!("{joint}_{axis}")))
            .collect()
    } else {
        (0..width).map(|i| format!("c{i}")).collect()
    };
    write_row(out, names.iter().map(String::as_str)).map_err(io)?;
    if width == 0 {
        // (5, 0): five rows of no cells, not none.
        for _ in 0..rows {
            out.write_all(b"\n").map_err(io)?;
        }
        return Ok(());
    }
    let cells = array.to_strings();
    for row in cells.chunks(width) {
        write_row(out, row.iter().map(String::as_str)).map_err(io)?;
    }
    Ok(())
}

/// Writes one CSV line, quoting fields that need it (RFC 4180).
fn write_row<S: AsRef<str>>(out: &mut impl Write, cells: impl Iterator<Item = S>) -> std::io::Result<()> {
    let mut line = String::new();
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            line.push(',');
        }
        let cell = cell.as_ref();
        if cell.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&cell.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(cell);
        }
    }
    line.push('\n');
    out.write_all(line.as_bytes())
}
