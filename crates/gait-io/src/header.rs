//! The header of a `.npy` file: magic, version, and the Python dict literal that names the
//! element type, order and shape, parsed by a small literal parser that runs nothing.

use crate::dtype::{ByteOrder, DType};

const MAGIC: &[u8] = b"\x93NUMPY";

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
