//! NumPy `.npy` files: the header, numeric arrays, and atomic writing.
//!
//! Reading is our own: the whole file is read once (so memory is bounded by the file size), the
//! header dict is parsed by a small literal parser, and the element count the header claims is
//! checked against the bytes that follow before anything is allocated for it. Writing goes through
//! `ndarray-npy` into a temporary file that is renamed over the target.

use std::path::Path;

use ndarray::{ArrayBase, ArrayD, Data, Dimension, IxDyn, ShapeBuilder};
use ndarray_npy::{WritableElement, WriteNpyExt};

use crate::error::{Error, Result};

const MAGIC: &[u8] = b"\x93NUMPY";

/// Byte order of a multi-byte element, as in the `descr` of a `.npy` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    /// `<`, or `|` and `=` (which NumPy writes only where order does not matter, or for native).
    Little,
    /// `>`.
    Big,
}

/// Element type of a `.npy` array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    /// `b1`
    Bool,
    /// `i1`
    I8,
    /// `i2`
    I16,
    /// `i4`
    I32,
    /// `i8`
    I64,
    /// `u1`
    U8,
    /// `u2`
    U16,
    /// `u4`
    U32,
    /// `u8`
    U64,
    /// `f2`
    F16,
    /// `f4`
    F32,
    /// `f8`
    F64,
    /// `O`: Python objects, stored as a pickle (the angle files).
    Object,
}

impl DType {
    /// Parses a type code without byte order, such as `f8`, `i2` or `O8`.
    pub(crate) fn from_code(code: &str) -> Option<DType> {
        // NumPy's type codes, its one-letter characters and its names all name the same types
        // (`l` and `L` as on the 64-bit platforms NumPy writes from).
        Some(match code {
            "b1" | "?" | "bool" => DType::Bool,
            "i1" | "b" | "int8" => DType::I8,
            "i2" | "h" | "int16" => DType::I16,
            "i4" | "i" | "int32" => DType::I32,
            "i8" | "q" | "l" | "int64" => DType::I64,
            "u1" | "B" | "uint8" => DType::U8,
            "u2" | "H" | "uint16" => DType::U16,
            "u4" | "I" | "uint32" => DType::U32,
            "u8" | "Q" | "L" | "uint64" => DType::U64,
            "f2" | "e" | "float16" => DType::F16,
            "f4" | "f" | "float32" => DType::F32,
            "f8" | "d" | "float64" => DType::F64,
            "O" | "O8" | "O4" | "object" => DType::Object,
            _ => return None,
        })
    }

    /// Size of one element in bytes (object arrays have no fixed size; 0).
    pub fn size(self) -> usize {
        match self {
            DType::Bool | DType::I8 | DType::U8 => 1,
            DType::I16 | DType::U16 | DType::F16 => 2,
            DType::I32 | DType::U32 | DType::F32 => 4,
            DType::I64 | DType::U64 | DType::F64 => 8,
            DType::Object => 0,
        }
    }
}

/// The parsed header of a `.npy` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpyHeader {
    /// Element type.
    pub dtype: DType,
    /// Byte order of the elements.
    pub order: ByteOrder,
    /// `True` when the data is stored in column-major (Fortran) order.
    pub fortran_order: bool,
    /// Array shape; `[]` for a scalar.
    pub shape: Vec<usize>,
    /// Format version `(major, minor)`: 1.0, 2.0 or 3.0.
    pub version: (u8, u8),
}

impl NpyHeader {
    /// Number of elements the shape describes.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// `true` when the array has no elements (a video with no detected pose gives shape `(0,)`).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

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

/// Parses the magic, version and header dict; returns the header and the offset of the data.
pub(crate) fn parse_header(bytes: &[u8]) -> Result<(NpyHeader, usize), String> {
    if bytes.is_empty() {
        return Err("the file is empty".into());
    }
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err("wrong magic: a .npy file starts with \\x93NUMPY".into());
    }
    let (major, minor) = match bytes.get(6..8) {
        Some(&[major, minor]) => (major, minor),
        _ => return Err("truncated before the version bytes".into()),
    };
    let (len_size, utf8) = match major {
        1 => (2, false),
        2 => (4, false),
        3 => (4, true),
        _ => {
            return Err(format!(
                "unsupported format version {major}.{minor} (1.0, 2.0 and 3.0 are read)"
            ));
        }
    };
    let len_bytes = bytes
        .get(8..8 + len_size)
        .ok_or_else(|| "truncated in the header length".to_string())?;
    let header_len = len_bytes
        .iter()
        .rev()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    let start = 8 + len_size;
    let text = bytes.get(start..start + header_len).ok_or_else(|| {
        format!(
            "truncated header: it claims {header_len} bytes, the file has {}",
            bytes.len() - start
        )
    })?;
    let text = if utf8 {
        std::str::from_utf8(text)
            .map_err(|_| "header is not valid UTF-8".to_string())?
            .to_string()
    } else {
        text.iter().map(|&b| char::from(b)).collect()
    };
    let header = header_from_literal(&text, (major, minor))?;
    Ok((header, start + header_len))
}

fn header_from_literal(text: &str, version: (u8, u8)) -> Result<NpyHeader, String> {
    let dict = match literal::parse(text)? {
        literal::Lit::Dict(entries) => entries,
        _ => return Err(format!("header is not a dict: {:?}", text.trim())),
    };
    // NumPy keeps the last of repeated keys; rather than read it otherwise, refuse.
    for (i, (key, _)) in dict.iter().enumerate() {
        if dict[..i].iter().any(|(k, _)| k == key) {
            return Err(format!("header repeats the key {key:?}"));
        }
    }
    let get = |key: &str| {
        dict.iter()
            .find(|(k, _)| matches!(k, literal::Lit::Str(s) if s == key))
            .map(|(_, v)| v)
            .ok_or_else(|| format!("header has no {key:?} key"))
    };
    let descr = match get("descr")? {
        literal::Lit::Str(s) => s.clone(),
        literal::Lit::List(_) => return Err("a structured dtype (a list of fields) is not read".into()),
        _ => return Err("the descr is not a dtype string".into()),
    };
    let (order, code) = match descr.as_bytes().first() {
        Some(b'<' | b'|' | b'=') => (ByteOrder::Little, &descr[1..]),
        Some(b'>') => (ByteOrder::Big, &descr[1..]),
        _ => (ByteOrder::Little, descr.as_str()),
    };
    let dtype = DType::from_code(code).ok_or_else(|| format!("unsupported dtype {descr:?}"))?;
    let fortran_order = match get("fortran_order")? {
        literal::Lit::Bool(b) => *b,
        other => return Err(format!("fortran_order must be True or False, found {other:?}")),
    };
    let shape = match get("shape")? {
        literal::Lit::Tuple(items) => items
            .iter()
            .map(|item| match item {
                literal::Lit::Int(n) => {
                    usize::try_from(*n).map_err(|_| format!("dimension {n} is too large"))
                }
                other => Err(format!("shape holds {other:?}, not a whole number")),
            })
            .collect::<Result<Vec<_>, _>>()?,
        other => return Err(format!("shape must be a tuple, found {other:?}")),
    };
    // The element count and byte size must not wrap: (2**32, 2**32, 3) is not empty.
    shape
        .iter()
        .try_fold(dtype.size().max(1), |acc: usize, &d| acc.checked_mul(d))
        .filter(|&bytes| bytes <= isize::MAX as usize)
        .ok_or_else(|| format!("shape {shape:?} describes more elements than can exist"))?;
    Ok(NpyHeader {
        dtype,
        order,
        fortran_order,
        shape,
        version,
    })
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
                    f16_to_f32(if big {
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

/// Widens an IEEE 754 binary16 value to `f32`, exactly (NumPy's `f2`, TFLite's float16 weights).
pub fn f16_to_f32(bits: u16) -> f32 {
    let sign = u32::from(bits >> 15) << 31;
    let exponent = u32::from((bits >> 10) & 0x1f);
    let mantissa = u32::from(bits & 0x3ff);
    let magnitude = match (exponent, mantissa) {
        (0, 0) => 0,
        // Subnormal: mantissa * 2^-24, exact in f32.
        (0, m) => {
            let value = m as f32 * 2f32.powi(-24);
            return if sign == 0 { value } else { -value };
        }
        (0x1f, m) => 0x7f80_0000 | (m << 13),
        (e, m) => ((e + 127 - 15) << 23) | (m << 13),
    };
    f32::from_bits(sign | magnitude)
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

/// A parser for the Python literals of a `.npy` header dict.
mod literal {
    /// A Python literal: what a `.npy` header dict may hold.
    #[derive(Debug, Clone, PartialEq)]
    pub enum Lit {
        Str(String),
        Bool(bool),
        None,
        Int(u64),
        Tuple(Vec<Lit>),
        List(Vec<Lit>),
        Dict(Vec<(Lit, Lit)>),
    }

    /// Nesting deeper than this is refused: a header is a flat dict with one tuple in it.
    const MAX_DEPTH: usize = 16;

    pub fn parse(text: &str) -> Result<Lit, String> {
        let mut parser = Parser {
            s: text.as_bytes(),
            pos: 0,
        };
        let value = parser.value(0)?;
        parser.skip_ws();
        if parser.pos != parser.s.len() {
            return Err(format!(
                "unexpected text after the header dict at byte {}",
                parser.pos
            ));
        }
        Ok(value)
    }

    struct Parser<'a> {
        s: &'a [u8],
        pos: usize,
    }

    impl Parser<'_> {
        fn skip_ws(&mut self) {
            while self.s.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
                self.pos += 1;
            }
        }

        fn peek(&mut self) -> Option<u8> {
            self.skip_ws();
            self.s.get(self.pos).copied()
        }

        fn err(&self, what: &str) -> String {
            format!("malformed header dict at byte {}: {what}", self.pos)
        }

        fn value(&mut self, depth: usize) -> Result<Lit, String> {
            if depth > MAX_DEPTH {
                return Err(self.err("nested too deeply"));
            }
            match self.peek() {
                Some(b'{') => {
                    let items = self.sequence(b'}', depth, true)?;
                    Ok(Lit::Dict(
                        items.chunks(2).map(|kv| (kv[0].clone(), kv[1].clone())).collect(),
                    ))
                }
                Some(b'(') => Ok(Lit::Tuple(self.sequence(b')', depth, false)?)),
                Some(b'[') => Ok(Lit::List(self.sequence(b']', depth, false)?)),
                Some(q @ (b'\'' | b'"')) => {
                    let start = self.pos + 1;
                    let len = self.s[start..]
                        .iter()
                        .position(|&c| c == q)
                        .ok_or_else(|| self.err("unterminated string"))?;
                    self.pos = start + len + 1;
                    Ok(Lit::Str(
                        self.s[start..start + len]
                            .iter()
                            .map(|&b| char::from(b))
                            .collect(),
                    ))
                }
                Some(c) if c.is_ascii_digit() => {
                    let start = self.pos;
                    while self.s.get(self.pos).is_some_and(u8::is_ascii_digit) {
                        self.pos += 1;
                    }
                    let digits = std::str::from_utf8(&self.s[start..self.pos]).expect("ASCII digits");
                    let n = digits.parse().map_err(|_| self.err("number too large"))?;
                    // Python 2 wrote long integers with a trailing L.
                    if self.s.get(self.pos) == Some(&b'L') {
                        self.pos += 1;
                    }
                    Ok(Lit::Int(n))
                }
                Some(_) => {
                    for (word, lit) in [
                        ("True", Lit::Bool(true)),
                        ("False", Lit::Bool(false)),
                        ("None", Lit::None),
                    ] {
                        if self.s[self.pos..].starts_with(word.as_bytes()) {
                            self.pos += word.len();
                            return Ok(lit);
                        }
                    }
                    Err(self.err("expected a Python literal"))
                }
                None => Err(self.err("unexpected end")),
            }
        }

        /// Items up to `close`, separated by commas (a trailing comma allowed); for a dict, keys
        /// and values alternate in the result.
        fn sequence(&mut self, close: u8, depth: usize, dict: bool) -> Result<Vec<Lit>, String> {
            self.pos += 1;
            let mut items = Vec::new();
            loop {
                if self.peek() == Some(close) {
                    self.pos += 1;
                    return Ok(items);
                }
                items.push(self.value(depth + 1)?);
                if dict {
                    if self.peek() != Some(b':') {
                        return Err(self.err("expected ':' after a key"));
                    }
                    self.pos += 1;
                    items.push(self.value(depth + 1)?);
                }
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(c) if c == close => {}
                    _ => return Err(self.err("expected ',' or a closing bracket")),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_precision_widens_exactly() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x8001), -(2f32.powi(-24)));
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert!(f16_to_f32(0x7c00).is_infinite());
        assert!(f16_to_f32(0x7e00).is_nan());
        assert!(f16_to_f32(0x8000).is_sign_negative());
    }

    #[test]
    fn header_literal_accepts_numpy_forms() {
        let text = "{'descr': '<f8', 'fortran_order': False, 'shape': (3L, 4), }   \n";
        let header = header_from_literal(text, (1, 0)).unwrap();
        assert_eq!(header.shape, vec![3, 4]);
        assert_eq!(header.dtype, DType::F64);
        let scalar =
            header_from_literal("{'descr': '>i2', 'fortran_order': True, 'shape': ()}", (1, 0)).unwrap();
        assert!(scalar.shape.is_empty());
        assert_eq!(scalar.order, ByteOrder::Big);
    }

    #[test]
    fn header_literal_refuses_deep_nesting_and_garbage() {
        let deep = format!("{{'shape': {}}}", "(".repeat(10_000));
        assert!(
            header_from_literal(&deep, (1, 0))
                .unwrap_err()
                .contains("nested too deeply")
        );
        assert!(header_from_literal("{'descr': '<f8' 'x'}", (1, 0)).is_err());
        assert!(
            header_from_literal("{'descr': '<c16', 'fortran_order': False, 'shape': (1,)}", (1, 0))
                .unwrap_err()
                .contains("unsupported dtype")
        );
    }

    #[test]
    fn repeated_keys_are_refused_not_read_otherwise_than_numpy() {
        let text = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'shape': (4,)}";
        assert!(
            header_from_literal(text, (1, 0))
                .unwrap_err()
                .contains("repeats the key")
        );
    }

    #[test]
    fn a_structured_dtype_is_named_briefly() {
        let fields = (0..2000)
            .map(|i| format!("('f{i}', '<f8')"))
            .collect::<Vec<_>>()
            .join(", ");
        let text = format!("{{'descr': [{fields}], 'fortran_order': False, 'shape': (1,)}}");
        let err = header_from_literal(&text, (1, 0)).unwrap_err();
        assert!(err.len() < 100 && err.contains("structured"), "{err}");
    }

    #[test]
    fn numpys_other_spellings_of_plain_dtypes_are_read() {
        for (descr, dtype) in [
            ("<d", DType::F64),
            ("f", DType::F32),
            ("e", DType::F16),
            ("float64", DType::F64),
            ("int32", DType::I32),
            ("bool", DType::Bool),
            ("<i8", DType::I64),
        ] {
            let text = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (2,)}}");
            assert_eq!(
                header_from_literal(&text, (1, 0)).unwrap().dtype,
                dtype,
                "{descr}"
            );
        }
    }

    #[test]
    fn a_shape_too_large_to_exist_is_refused_not_wrapped() {
        // 2**32 * 2**32 * 3 wraps to 0 in 64 bits: it used to read as an empty array.
        let text = "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 3)}";
        assert!(
            header_from_literal(text, (1, 0))
                .unwrap_err()
                .contains("more elements than can exist")
        );
        let text = "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 1000000000000)}";
        assert_eq!(header_from_literal(text, (1, 0)).unwrap().len(), 0);
    }
}
