//! NumPy `.npy` files: the header, numeric arrays, and atomic writing.
//!
//! Reading is our own: the whole file is read once (so memory is bounded by the file size), the
//! header dict is parsed by a small literal parser, and the element count the header claims is
//! checked against the bytes that follow before anything is allocated for it. Writing goes through
//! `ndarray-npy` into a temporary file that is renamed over the target.

use std::path::Path;

use ndarray::{ArrayBase, ArrayD, Data, Dimension, IxDyn, ShapeBuilder};
use ndarray_npy::{WritableElement, WriteNpyExt};

use crate::dtype::{ByteOrder, DType};
use crate::error::{Error, Result};
use crate::header::{NpyHeader, parse_header};

/// A numeric array read from a `.npy` file, in the element type it was stored with.
///
/// float16 arrays are widened to `f32` (exactly: every half value is an `f32` value).
#[derive(Debug, Clone, PartialEq)]
pub enum NpyArray {
    /// `bool`
    Bool(ArrayD<bool>),
    /// `int8`
    I8(ArrayD<i8>),
    /// `int16`
    I16(ArrayD<i16>),
    /// `int32`
    I32(ArrayD<i32>),
    /// `int64`
    I64(ArrayD<i64>),
    /// `uint8`
    U8(ArrayD<u8>),
    /// `uint16`
    U16(ArrayD<u16>),
    /// `uint32`
    U32(ArrayD<u32>),
    /// `uint64`
    U64(ArrayD<u64>),
    /// `float16`, widened exactly to `f32`.
    F16(ArrayD<f32>),
    /// `float32`
    F32(ArrayD<f32>),
    /// `float64`
    F64(ArrayD<f64>),
}

/// Applies the same expression to the array inside any variant of [`NpyArray`].
macro_rules! each_variant {
    ($value:expr, $a:ident => $body:expr) => {
        match $value {
            NpyArray::Bool($a) => $body,
            NpyArray::I8($a) => $body,
            NpyArray::I16($a) => $body,
            NpyArray::I32($a) => $body,
            NpyArray::I64($a) => $body,
            NpyArray::U8($a) => $body,
            NpyArray::U16($a) => $body,
            NpyArray::U32($a) => $body,
            NpyArray::U64($a) => $body,
            NpyArray::F16($a) => $body,
            NpyArray::F32($a) => $body,
            NpyArray::F64($a) => $body,
        }
    };
}

impl NpyArray {
    /// The shape of the array.
    pub fn shape(&self) -> &[usize] {
        each_variant!(self, a => a.shape())
    }

    /// The element type the file stored.
    pub fn dtype(&self) -> DType {
        match self {
            NpyArray::Bool(_) => DType::Bool,
            NpyArray::I8(_) => DType::I8,
            NpyArray::I16(_) => DType::I16,
            NpyArray::I32(_) => DType::I32,
            NpyArray::I64(_) => DType::I64,
            NpyArray::U8(_) => DType::U8,
            NpyArray::U16(_) => DType::U16,
            NpyArray::U32(_) => DType::U32,
            NpyArray::U64(_) => DType::U64,
            NpyArray::F16(_) => DType::F16,
            NpyArray::F32(_) => DType::F32,
            NpyArray::F64(_) => DType::F64,
        }
    }

    /// The elements in logical C order, each formatted so that it parses back to the same value
    /// (shortest round-trip form for floats, `True`/`False` for booleans as NumPy prints them).
    pub fn to_strings(&self) -> Vec<String> {
        fn fmt<T: std::fmt::Debug>(a: &ArrayD<T>) -> Vec<String> {
            a.iter().map(|v| format!("{v:?}")).collect()
        }
        match self {
            NpyArray::Bool(a) => a
                .iter()
                .map(|&v| if v { "True" } else { "False" }.to_string())
                .collect(),
            other => each_variant!(other, a => fmt(a)),
        }
    }

    /// The values converted to `f64` (booleans as 0 and 1; 64-bit integers beyond 2^53 round).
    pub fn to_f64(&self) -> ArrayD<f64> {
        match self {
            NpyArray::Bool(a) => a.mapv(|v| f64::from(u8::from(v))),
            NpyArray::I8(a) => a.mapv(f64::from),
            NpyArray::I16(a) => a.mapv(f64::from),
            NpyArray::I32(a) => a.mapv(f64::from),
            #[allow(clippy::cast_precision_loss)]
            NpyArray::I64(a) => a.mapv(|v| v as f64),
            NpyArray::U8(a) => a.mapv(f64::from),
            NpyArray::U16(a) => a.mapv(f64::from),
            NpyArray::U32(a) => a.mapv(f64::from),
            #[allow(clippy::cast_precision_loss)]
            NpyArray::U64(a) => a.mapv(|v| v as f64),
            NpyArray::F16(a) | NpyArray::F32(a) => a.mapv(f64::from),
            NpyArray::F64(a) => a.clone(),
        }
    }
}

/// Reads a whole file into memory, naming the file on failure.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// Reads only the header of a `.npy` file (a few hundred bytes), for cheap checks of dtype and
/// shape.
pub fn read_npy_header(path: &Path) -> Result<NpyHeader> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    const PREFIX: u64 = 1024;
    let mut head = Vec::with_capacity(PREFIX as usize);
    // A header may be up to 4 GiB by the format; real ones are under 1 KiB. Read a short prefix and
    // fall back to the whole file only for the rare long header.
    file.take(PREFIX)
        .read_to_end(&mut head)
        .map_err(|e| Error::io(path, e))?;
    match parse_header(&head) {
        Ok((header, _)) => Ok(header),
        Err(_) if head.len() as u64 == PREFIX => Ok(parse_header(&read_file(path)?)
            .map_err(|r| Error::npy(path, r))?
            .0),
        Err(reason) => Err(Error::npy(path, reason)),
    }
}

/// Reads a numeric `.npy` file (any of the dtypes of [`DType`] but `Object`, either byte order,
/// C or Fortran order, format versions 1 to 3).
///
/// An object array (an angles file) is refused with a pointer to
/// [`read_angles`](crate::read_angles).
pub fn read_npy(path: &Path) -> Result<NpyArray> {
    numeric_from_bytes(path, &read_file(path)?)
}

/// [`read_npy`] on the bytes of a file already read; `path` names it in errors.
pub(crate) fn numeric_from_bytes(path: &Path, bytes: &[u8]) -> Result<NpyArray> {
    let (header, offset) = parse_header(bytes).map_err(|r| Error::npy(path, r))?;
    if header.dtype == DType::Object {
        return Err(Error::content(
            path,
            "this is an object (pickled) array, not a numeric one; read it as an angles file",
        ));
    }
    decode(&header, &bytes[offset..]).map_err(|r| Error::npy(path, r))
}

/// Decodes the data section of a numeric array, after checking its size against the header.
fn decode(header: &NpyHeader, data: &[u8]) -> Result<NpyArray, String> {
    let count = header
        .shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| format!("shape {:?} overflows", header.shape))?;
    let needed = count
        .checked_mul(header.dtype.size())
        .ok_or_else(|| format!("shape {:?} overflows", header.shape))?;
    if data.len() < needed {
        return Err(format!(
            "truncated data: the header claims {count} elements ({needed} bytes), only {} bytes follow",
            data.len()
        ));
    }
    let data = &data[..needed];
    let shape = IxDyn(&header.shape);
    let shape = if header.fortran_order {
        shape.f()
    } else {
        shape.into_shape_with_order()
    };
    let big = header.order == ByteOrder::Big;
    macro_rules! numbers {
        ($t:ty, $variant:ident) => {{
            let values: Vec<$t> = data
                .chunks_exact(std::mem::size_of::<$t>())
                .map(|c| {
                    let raw = c.try_into().expect("chunk of element size");
                    if big {
                        <$t>::from_be_bytes(raw)
                    } else {
                        <$t>::from_le_bytes(raw)
                    }
                })
                .collect();
            NpyArray::$variant(ArrayD::from_shape_vec(shape, values).map_err(|e| e.to_string())?)
        }};
    }
    Ok(match header.dtype {
        DType::Bool => {
            let values = data
                .iter()
                .map(|&b| match b {
                    0 => Ok(false),
                    1 => Ok(true),
                    other => Err(format!("boolean element holds byte {other}, not 0 or 1")),
                })
                .collect::<Result<Vec<_>, _>>()?;
            NpyArray::Bool(ArrayD::from_shape_vec(shape, values).map_err(|e| e.to_string())?)
        }
        DType::I8 => numbers!(i8, I8),
        DType::I16 => numbers!(i16, I16),
        DType::I32 => numbers!(i32, I32),
        DType::I64 => numbers!(i64, I64),
        DType::U8 => numbers!(u8, U8),
        DType::U16 => numbers!(u16, U16),
        DType::U32 => numbers!(u32, U32),
        DType::U64 => numbers!(u64, U64),
        DType::F16 => {
            let values: Vec<f32> = data
                .chunks_exact(2)
                .map(|c| {
                    let raw = [c[0], c[1]];
                    gait_cpu::f16_to_f32(if big {
                        u16::from_be_bytes(raw)
                    } else {
                        u16::from_le_bytes(raw)
                    })
                })
                .collect();
            NpyArray::F16(ArrayD::from_shape_vec(shape, values).map_err(|e| e.to_string())?)
        }
        DType::F32 => numbers!(f32, F32),
        DType::F64 => numbers!(f64, F64),
        DType::Object => return Err("object arrays hold a pickle, not numbers".into()),
    })
}

/// Writes `array` as a `.npy` file (version 1.0, little endian, C order), atomically.
///
/// `f32` and `f64` are what the pipeline writes; any element type `ndarray-npy` can write works.
pub fn write_npy<A, S, D>(path: &Path, array: &ArrayBase<S, D>) -> Result<()>
where
    A: WritableElement,
    S: Data<Elem = A>,
    D: Dimension,
{
    crate::atomic::write(path, |file| {
        array
            .write_npy(file)
            .map_err(|e| std::io::Error::other(e.to_string()))
    })
}
