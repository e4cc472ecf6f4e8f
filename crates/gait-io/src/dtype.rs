//! The element types and byte orders of `.npy` arrays: a leaf that the readers of numeric arrays
//! and of pickled object arrays share.

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
