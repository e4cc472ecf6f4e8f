//! The pickled payload of NumPy object arrays of dicts (the angle files), read without running
//! anything, and written the way NumPy 1.x writes it.
//!
//! The reader is a pickle machine that knows only the opcodes NumPy uses for protocols 2 to 5 and
//! only five callables, which it interprets as data instead of calling: NumPy's `_reconstruct`
//! (`numpy.core` and `numpy._core`), `ndarray`, `dtype`, `scalar`, and `_codecs.encode` (protocol 2's
//! spelling of bytes). Any other global is refused by name. Objects live in a flat arena and refer
//! to each other by index, so deep nesting costs no recursion and memoised objects are shared, not
//! copied; every allocation is bounded by the bytes of the input.

//!
//! The files: `opcodes` names the opcodes; `machine` runs them; `fast_path` reads the opcodes
//! NumPy writes for each scalar in one step; `table` turns the array of dicts into a table;
//! `writer` writes one.

mod callables;
mod fast_path;
mod machine;
mod opcodes;
mod table;
mod writer;

use std::borrow::Cow;

use crate::dtype::{ByteOrder, DType};
use machine::Machine;
pub(crate) use writer::write_dict_rows;

/// What went wrong in a pickled payload.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PickleError {
    /// The pickle names a callable we do not allow; nothing was run.
    #[error(
        "byte {offset}: refused global {module}.{name}: only NumPy's ndarray, dtype and scalar \
         constructors are read, and nothing in the file is ever run"
    )]
    ForbiddenGlobal {
        /// Offset of the opcode in the pickle.
        offset: usize,
        /// Module of the global.
        module: String,
        /// Name of the global.
        name: String,
    },
    /// The pickle is truncated, malformed, or uses something an angles file never holds.
    #[error("byte {offset}: {reason}")]
    Malformed {
        /// Offset of the opcode in the pickle.
        offset: usize,
        /// What is wrong.
        reason: String,
    },
    /// The pickle is sound but one frame is not a dict of numbers and `None`s.
    #[error("frame {frame}: {reason}")]
    Frame {
        /// Index of the frame (the element of the object array).
        frame: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The pickle is sound but its top object is not a one-dimensional object array of dicts.
    #[error("{0}")]
    NotAnArrayOfDicts(String),
}

/// Rows of dicts read from an object array: the columns are the dict keys in order of first
/// appearance, the values row-major with `NaN` where a frame's value is `None` or its key absent,
/// and `absent` marking those cells (a `NaN` the file holds as a number is not absent).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DictRows {
    pub columns: Vec<String>,
    pub rows: usize,
    pub values: Vec<f64>,
    pub absent: Vec<bool>,
}

type Id = usize;

fn fail<T>(offset: usize, reason: impl Into<String>) -> Result<T, PickleError> {
    Err(PickleError::Malformed {
        offset,
        reason: reason.into(),
    })
}

/// The few callables a NumPy object-array pickle names.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Callable {
    Reconstruct,
    NdArray,
    Dtype,
    Scalar,
    CodecsEncode,
}

/// A Python object of the pickle; strings and bytes borrow from the input where they can.
#[derive(Debug, Clone, PartialEq)]
enum Obj<'a> {
    None,
    Bool(bool),
    /// Wide enough for NumPy's uint64 as well as int64.
    Int(i128),
    Float(f64),
    Str(Cow<'a, str>),
    Bytes(Cow<'a, [u8]>),
    List(Vec<Id>),
    /// Items `start..start + len` of the machine's tuple pool (tuples never change).
    Tuple {
        start: usize,
        len: usize,
    },
    /// Entries `start..start + len` of the machine's entry pool, with `room` slots reserved
    /// there (see [`Machine::set_items`]).
    Dict {
        start: usize,
        len: usize,
        room: usize,
    },
    Global(Callable),
    Dtype(DType, ByteOrder),
    /// Boxed, so that the common objects stay small.
    Array(Box<ArrayObj>),
}

/// An ndarray of the pickle: its shape and, once built, its objects.
#[derive(Debug, Clone, PartialEq)]
struct ArrayObj {
    shape: Vec<usize>,
    items: Vec<Id>,
}

impl Obj<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Obj::None => "None",
            Obj::Bool(_) => "a bool",
            Obj::Int(_) => "an int",
            Obj::Float(_) => "a float",
            Obj::Str(_) => "a str",
            Obj::Bytes(_) => "bytes",
            Obj::List(_) => "a list",
            Obj::Tuple { .. } => "a tuple",
            Obj::Dict { .. } => "a dict",
            Obj::Global(_) => "a callable",
            Obj::Dtype(..) => "a dtype",
            Obj::Array(_) => "an ndarray",
        }
    }
}

/// Reads the pickle of a one-dimensional NumPy object array of dicts.
pub(crate) fn read_dict_rows(bytes: &[u8]) -> Result<DictRows, PickleError> {
    let mut machine = Machine::new(bytes);
    let root = machine.run()?;
    machine.dict_rows(root, bytes.len())
}

/// Memo slots not stored to.
const EMPTY: Id = Id::MAX;
/// Memo entries from `LAZY` up (but [`EMPTY`]) stand for objects not made yet; see
/// `Machine::numpy_scalar` (in `fast_path`).
const LAZY: Id = Id::MAX / 2;
