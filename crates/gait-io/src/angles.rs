//! Angle files (`N_angles.npy`): a pickled NumPy object array of one dict per frame.

use std::path::Path;

use ndarray::Array2;

use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::feature_sequence::FeatureSequence;
use crate::header::parse_header;
use crate::npy::read_file;
use crate::pickle::{DictRows, read_dict_rows, write_dict_rows};

/// Reads an angles file: one row per frame, one column per dict key (in order of first
/// appearance), missing where the value is `None` or the frame lacks the key.
///
/// Nothing in the file is executed: see the [`pickle`](crate::pickle) reader for what is allowed.
pub fn read_angles(path: &Path) -> Result<FeatureSequence> {
    angles_from_bytes(path, &read_file(path)?)
}

/// [`read_angles`] on the bytes of a file already read; `path` names it in errors.
pub(crate) fn angles_from_bytes(path: &Path, bytes: &[u8]) -> Result<FeatureSequence> {
    let table = table_from_bytes(path, bytes)?;
    let values = Array2::from_shape_vec((table.rows, table.columns.len()), table.values)
        .expect("rows x columns values from the pickle reader");
    FeatureSequence::new(table.columns, values).map_err(|e| Error::content(path, e.to_string()))
}

/// The table of an angles file's bytes, with which cells are `None` or absent (rather than a
/// number, `NaN` included); `path` names it in errors.
pub(crate) fn table_from_bytes(path: &Path, bytes: &[u8]) -> Result<DictRows> {
    let (header, offset) = parse_header(bytes).map_err(|r| Error::npy(path, r))?;
    if header.dtype != DType::Object {
        return Err(Error::content(
            path,
            format!(
                "a numeric {:?} array of shape {:?}, not an angles file (an object array of dicts)",
                header.dtype, header.shape
            ),
        ));
    }
    let table = read_dict_rows(&bytes[offset..]).map_err(|source| Error::Pickle {
        path: path.into(),
        source,
    })?;
    if header.shape != [table.rows] {
        return Err(Error::content(
            path,
            format!(
                "the header says shape {:?}, the pickle holds {} frames",
                header.shape, table.rows
            ),
        ));
    }
    Ok(table)
}

/// Writes an angles file as the old pipeline does (`np.save` of a list of dicts of
/// `numpy.float64`, `None` for missing), atomically. NumPy 1.x and 2.x load it with
/// `allow_pickle=True`.
pub fn write_angles(path: &Path, sequence: &FeatureSequence) -> Result<()> {
    let values = sequence.values();
    let values: Vec<f64> = values.iter().copied().collect();
    let pickle = write_dict_rows(sequence.columns(), sequence.frames(), &values);
    let header = npy_header("|O", &[sequence.frames()]);
    crate::atomic::write(path, |w| {
        use std::io::Write;
        w.write_all(&header)?;
        w.write_all(&pickle)
    })
}

/// A version 1.0 `.npy` header, padded with spaces so the data starts at a multiple of 64 bytes.
fn npy_header(descr: &str, shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let shape = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    let unpadded = 10 + dict.len() + 1;
    dict.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&u16::try_from(dict.len()).expect("short header").to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}
