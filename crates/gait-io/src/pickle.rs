//! The pickled payload of NumPy object arrays of dicts (the angle files), read without running
//! anything, and written the way NumPy 1.x writes it.
//!
//! The reader is a pickle machine that knows only the opcodes NumPy uses for protocols 2 to 5 and
//! only five callables, which it interprets as data instead of calling: NumPy's `_reconstruct`
//! (`numpy.core` and `numpy._core`), `ndarray`, `dtype`, `scalar`, and `_codecs.encode` (protocol 2's
//! spelling of bytes). Any other global is refused by name. Objects live in a flat arena and refer
//! to each other by index, so deep nesting costs no recursion and memoised objects are shared, not
//! copied; every allocation is bounded by the bytes of the input.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::npy::{ByteOrder, DType, f16_to_f32};

/// What went wrong in a pickled payload.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
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
/// appearance, the values row-major with `NaN` where a frame's value is `None` or its key absent.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DictRows {
    pub columns: Vec<String>,
    pub rows: usize,
    pub values: Vec<f64>,
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
    Int(i64),
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
/// [`Machine::numpy_scalar`].
const LAZY: Id = Id::MAX / 2;

/// Reads the memo store at `rest[*at..]`, if there is one, moving `*at` past it: the key it
/// stores under. MEMOIZE takes `*next`, the memo's length, which follows the stores as the memo
/// would grow. `None` if truncated.
#[inline(always)]
fn memo_store_at(rest: &[u8], at: &mut usize, next: &mut usize) -> Option<Option<usize>> {
    let key = match *rest.get(*at)? {
        0x94 => {
            *at += 1;
            *next
        }
        b'q' => {
            *at += 2;
            usize::from(*rest.get(*at - 1)?)
        }
        b'r' => {
            *at += 5;
            u32::from_le_bytes(rest.get(*at - 4..*at)?.try_into().ok()?) as usize
        }
        _ => return Some(None),
    };
    *next = (*next).max(key + 1);
    Some(Some(key))
}

struct Machine<'a> {
    input: &'a [u8],
    pos: usize,
    arena: Vec<Obj<'a>>,
    stack: Vec<Id>,
    marks: Vec<usize>,
    /// Memo keys index this directly: picklers number them from 0, so a key beyond the input's
    /// length is refused and the table stays within the input's size.
    memo: Vec<Id>,
    /// The items of all tuples, back to back (one allocation instead of one per tuple).
    tuples: Vec<Id>,
    /// The key-value pairs of all dicts, likewise.
    entries: Vec<(Id, Id)>,
    /// The dtype and bytes of each scalar read by [`Machine::numpy_scalar`], for its lazy memo
    /// entries.
    lazy: Vec<(Id, &'a [u8])>,
}

impl<'a> Machine<'a> {
    fn new(input: &'a [u8]) -> Self {
        // NumPy's scalars take about 21 bytes each and make one object and three memo entries:
        // reserving for that up front saves the copies of growing (sized by the input, so
        // bounded by it).
        let scalars = input.len() / 18;
        Machine {
            input,
            pos: 0,
            arena: Vec::with_capacity(scalars),
            stack: Vec::new(),
            marks: Vec::new(),
            memo: Vec::with_capacity(3 * scalars),
            tuples: Vec::new(),
            entries: Vec::with_capacity(scalars),
            lazy: Vec::with_capacity(scalars),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], PickleError> {
        if self.input.len() - self.pos < n {
            return fail(
                self.pos,
                format!(
                    "truncated: {n} more bytes needed, {} left",
                    self.input.len() - self.pos
                ),
            );
        }
        let slice = &self.input[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    fn take_array<const N: usize>(&mut self) -> Result<[u8; N], PickleError> {
        Ok(self.take(N)?.try_into().expect("slice of length N"))
    }

    /// A length prefix, checked against the bytes that are left before anything is allocated.
    fn take_len(&mut self, prefix: usize) -> Result<usize, PickleError> {
        let raw = self.take(prefix)?;
        let len = raw.iter().rev().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        match usize::try_from(len) {
            Ok(len) if len <= self.input.len() - self.pos => Ok(len),
            _ => fail(
                self.pos,
                format!(
                    "a length of {len} bytes, but only {} are left",
                    self.input.len() - self.pos
                ),
            ),
        }
    }

    fn line(&mut self) -> Result<String, PickleError> {
        let rest = &self.input[self.pos..];
        let Some(end) = rest.iter().position(|&b| b == b'\n') else {
            return fail(self.pos, "truncated: unterminated text line");
        };
        let text =
            String::from_utf8(rest[..end].to_vec()).or_else(|_| fail(self.pos, "text line is not UTF-8"))?;
        self.pos += end + 1;
        Ok(text)
    }

    #[inline(always)]
    fn alloc(&mut self, obj: Obj<'a>) -> Id {
        self.arena.push(obj);
        self.arena.len() - 1
    }

    fn push(&mut self, obj: Obj<'a>) {
        let id = self.alloc(obj);
        self.stack.push(id);
    }

    fn pop(&mut self, at: usize) -> Result<Id, PickleError> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return fail(at, "stack underflow");
        }
        Ok(self.stack.pop().expect("checked non-empty"))
    }

    fn top(&self, at: usize) -> Result<Id, PickleError> {
        match self.stack.last() {
            Some(&id) if self.stack.len() > self.marks.last().copied().unwrap_or(0) => Ok(id),
            _ => fail(at, "stack underflow"),
        }
    }

    /// The stack item just below position `from`, which must lie above the current mark.
    fn top_below(&self, at: usize, from: usize) -> Result<Id, PickleError> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if from == 0 || from - 1 < floor {
            return fail(at, "stack underflow");
        }
        Ok(self.stack[from - 1])
    }

    /// Pops the last mark; the items above it are `self.stack[mark..]`, for the caller to take
    /// and truncate.
    fn pop_mark(&mut self, at: usize) -> Result<usize, PickleError> {
        match self.marks.pop() {
            Some(mark) => Ok(mark),
            None => fail(at, "no mark to pop to"),
        }
    }

    /// Makes a tuple of the stack items from `from` on, replacing them.
    fn tuple_from_stack(&mut self, from: usize) {
        let start = self.tuples.len();
        self.tuples.extend_from_slice(&self.stack[from..]);
        let len = self.stack.len() - from;
        self.stack.truncate(from);
        self.push(Obj::Tuple { start, len });
    }

    fn memo_get(&mut self, at: usize, key: u32) -> Result<(), PickleError> {
        let id = match self.memo.get(key as usize) {
            Some(&id) if id == EMPTY => return fail(at, format!("memo key {key} was never stored")),
            Some(&id) if id >= LAZY => self.materialise(key as usize, id - LAZY),
            Some(&id) => id,
            None => return fail(at, format!("memo key {key} was never stored")),
        };
        self.stack.push(id);
        Ok(())
    }

    /// Makes the object a lazy memo entry stands for (`lazy`: its scalar's index times two, plus
    /// one for the argument tuple, zero for the bytes), and puts it in the memo instead.
    fn materialise(&mut self, key: usize, lazy: usize) -> Id {
        let (dtype, raw) = self.lazy[lazy / 2];
        let bytes = self.alloc(Obj::Bytes(Cow::Borrowed(raw)));
        let id = if lazy.is_multiple_of(2) {
            bytes
        } else {
            let start = self.tuples.len();
            self.tuples.extend_from_slice(&[dtype, bytes]);
            self.alloc(Obj::Tuple { start, len: 2 })
        };
        self.memo[key] = id;
        id
    }

    fn memo_put(&mut self, at: usize, key: u32) -> Result<(), PickleError> {
        let id = self.top(at)?;
        let key = key as usize;
        if key > self.input.len() {
            return fail(
                at,
                format!("memo key {key} is beyond anything a pickle of this size numbers"),
            );
        }
        self.memo_store(key, id);
        Ok(())
    }

    /// Stores `id` under `key`, which the caller has checked against the input's length.
    #[inline(always)]
    fn memo_store(&mut self, key: usize, id: Id) {
        if key == self.memo.len() {
            self.memo.push(id); // the usual case: keys in order
        } else {
            if key > self.memo.len() {
                self.memo.resize(key + 1, EMPTY);
            }
            self.memo[key] = id;
        }
    }

    /// NumPy writes every scalar as the same opcodes: `scalar` (just pushed from the memo), the
    /// dtype from the memo, SHORT_BINBYTES of the value, TUPLE2 and REDUCE, each result
    /// memoised. When the input holds exactly that, this runs it in one go, with the same
    /// effect on the stack, the memo and the arena as running the opcodes one by one; anything
    /// else is left to the general loop. Angle files are made of little else, so this is most of
    /// their reading time.
    fn numpy_scalar(&mut self) {
        let rest = &self.input[self.pos..];
        let Some((dtype_id, raw, keys, len)) = self.match_scalar(rest) else {
            return;
        };
        let Obj::Dtype(dtype, order) = self.arena[dtype_id] else {
            return;
        };
        let Some(value) = decode_scalar(dtype, order, raw) else {
            return;
        };
        if keys.iter().flatten().any(|&key| key > self.input.len()) {
            return; // the general loop reports it
        }
        let callable = self.stack.pop().expect("the scalar callable was just pushed");
        debug_assert!(matches!(self.arena[callable], Obj::Global(Callable::Scalar)));
        // The bytes and the argument tuple are memoised as lazy entries: made only if the pickle
        // ever fetches them (NumPy's never does).
        let scalar = self.lazy.len();
        self.lazy.push((dtype_id, raw));
        let result = self.alloc(value);
        self.stack.push(result);
        for (key, id) in keys
            .into_iter()
            .zip([LAZY + 2 * scalar, LAZY + 2 * scalar + 1, result])
        {
            if let Some(key) = key {
                self.memo_store(key, id);
            }
        }
        self.pos += len;
    }

    /// Matches `BINGET dtype, SHORT_BINBYTES raw, memo?, TUPLE2, memo?, REDUCE, memo?` at the
    /// start of `rest`: the dtype's object, the raw bytes, the keys of the three memo stores
    /// (in the memo as it would grow) and the length.
    #[allow(clippy::type_complexity)]
    fn match_scalar(&self, rest: &'a [u8]) -> Option<(Id, &'a [u8], [Option<usize>; 3], usize)> {
        let (dtype_key, mut at) = match *rest.first()? {
            b'h' => (u32::from(*rest.get(1)?), 2),
            b'j' => (u32::from_le_bytes(rest.get(1..5)?.try_into().ok()?), 5),
            _ => return None,
        };
        let dtype_id = *self.memo.get(dtype_key as usize).filter(|&&id| id < LAZY)?;
        if *rest.get(at)? != b'C' {
            return None;
        }
        let n = usize::from(*rest.get(at + 1)?);
        let raw = rest.get(at + 2..at + 2 + n)?;
        at += 2 + n;
        let mut next = self.memo.len();
        let bytes = memo_store_at(rest, &mut at, &mut next)?;
        (*rest.get(at)? == 0x86).then_some(())?;
        at += 1;
        let args = memo_store_at(rest, &mut at, &mut next)?;
        (*rest.get(at)? == b'R').then_some(())?;
        at += 1;
        let result = memo_store_at(rest, &mut at, &mut next)?;
        Some((dtype_id, raw, [bytes, args, result], at))
    }

    fn global(&mut self, at: usize, module: &str, name: &str) -> Result<(), PickleError> {
        let callable = match (module, name) {
            ("numpy.core.multiarray" | "numpy._core.multiarray", "_reconstruct") => Callable::Reconstruct,
            ("numpy.core.multiarray" | "numpy._core.multiarray", "scalar") => Callable::Scalar,
            ("numpy", "ndarray") => Callable::NdArray,
            ("numpy", "dtype") => Callable::Dtype,
            ("_codecs", "encode") => Callable::CodecsEncode,
            _ => {
                return Err(PickleError::ForbiddenGlobal {
                    offset: at,
                    module: module.into(),
                    name: name.into(),
                });
            }
        };
        self.push(Obj::Global(callable));
        Ok(())
    }

    fn str_of(&self, id: Id) -> Option<&str> {
        match &self.arena[id] {
            Obj::Str(s) => Some(s),
            _ => None,
        }
    }

    fn run(&mut self) -> Result<Id, PickleError> {
        loop {
            let at = self.pos;
            let [op] = self.take_array::<1>()?;
            match op {
                0x80 => {
                    let [proto] = self.take_array::<1>()?;
                    if !(2..=5).contains(&proto) {
                        return fail(at, format!("pickle protocol {proto}; protocols 2 to 5 are read"));
                    }
                }
                0x95 => {
                    self.take(8)?; // FRAME: a length hint only
                }
                b'.' => {
                    let root = self.pop(at)?;
                    return Ok(root);
                }
                b'(' => self.marks.push(self.stack.len()),
                b'0' => {
                    self.pop(at)?;
                }
                b'1' => {
                    let mark = self.pop_mark(at)?;
                    self.stack.truncate(mark);
                }
                b'2' => {
                    let id = self.top(at)?;
                    self.stack.push(id);
                }
                b'N' => self.push(Obj::None),
                0x88 => self.push(Obj::Bool(true)),
                0x89 => self.push(Obj::Bool(false)),
                b'J' => {
                    let v = i32::from_le_bytes(self.take_array()?);
                    self.push(Obj::Int(v.into()));
                }
                b'K' => {
                    let [v] = self.take_array::<1>()?;
                    self.push(Obj::Int(v.into()));
                }
                b'M' => {
                    let v = u16::from_le_bytes(self.take_array()?);
                    self.push(Obj::Int(v.into()));
                }
                0x8a | 0x8b => {
                    let n = self.take_len(if op == 0x8a { 1 } else { 4 })?;
                    let raw = self.take(n)?;
                    if n > 8 {
                        return fail(at, format!("an integer of {n} bytes; at most 8 are read"));
                    }
                    let negative = raw.last().is_some_and(|&b| b & 0x80 != 0);
                    let mut full = [if negative { 0xff } else { 0 }; 8];
                    full[..n].copy_from_slice(raw);
                    self.push(Obj::Int(i64::from_le_bytes(full)));
                }
                b'G' => {
                    let v = f64::from_be_bytes(self.take_array()?);
                    self.push(Obj::Float(v));
                }
                0x8c | b'X' | 0x8d | b'U' | b'T' => {
                    let n = self.take_len(match op {
                        0x8c | b'U' => 1,
                        b'X' | b'T' => 4,
                        _ => 8,
                    })?;
                    let raw = self.take(n)?;
                    let text = if matches!(op, b'U' | b'T') {
                        // Python 2 byte strings, read as Latin-1 like NumPy's own loader does.
                        Cow::Owned(raw.iter().map(|&b| char::from(b)).collect())
                    } else {
                        match std::str::from_utf8(raw) {
                            Ok(s) => Cow::Borrowed(s),
                            Err(_) => return fail(at, "string is not valid UTF-8"),
                        }
                    };
                    self.push(Obj::Str(text));
                }
                b'C' | b'B' | 0x8e | 0x96 => {
                    let n = self.take_len(match op {
                        b'C' => 1,
                        b'B' => 4,
                        _ => 8,
                    })?;
                    let raw = self.take(n)?;
                    self.push(Obj::Bytes(Cow::Borrowed(raw)));
                }
                b']' => self.push(Obj::List(Vec::new())),
                b'}' => self.push(Obj::Dict {
                    start: self.entries.len(),
                    len: 0,
                    room: 0,
                }),
                b')' => self.push(Obj::Tuple { start: 0, len: 0 }),
                b'l' => {
                    let mark = self.pop_mark(at)?;
                    let items = self.stack.split_off(mark);
                    self.push(Obj::List(items));
                }
                b't' => {
                    let mark = self.pop_mark(at)?;
                    self.tuple_from_stack(mark);
                }
                b'd' => {
                    let mark = self.pop_mark(at)?;
                    if !(self.stack.len() - mark).is_multiple_of(2) {
                        return fail(at, "DICT with an odd number of items");
                    }
                    let start = self.entries.len();
                    self.entries
                        .extend(self.stack[mark..].chunks(2).map(|kv| (kv[0], kv[1])));
                    let len = self.entries.len() - start;
                    self.stack.truncate(mark);
                    self.push(Obj::Dict {
                        start,
                        len,
                        room: len,
                    });
                }
                0x85..=0x87 => {
                    let n = usize::from(op - 0x84);
                    let floor = self.marks.last().copied().unwrap_or(0);
                    if self.stack.len() < floor + n {
                        return fail(at, "stack underflow");
                    }
                    self.tuple_from_stack(self.stack.len() - n);
                }
                b'a' => {
                    let item = self.pop(at)?;
                    let list = self.top(at)?;
                    match &mut self.arena[list] {
                        Obj::List(items) => items.push(item),
                        other => return fail(at, format!("APPEND to {}", other.kind())),
                    }
                }
                b'e' => {
                    let mark = self.pop_mark(at)?;
                    let list = self.top_below(at, mark)?;
                    match &mut self.arena[list] {
                        Obj::List(existing) => existing.extend_from_slice(&self.stack[mark..]),
                        other => return fail(at, format!("APPENDS to {}", other.kind())),
                    }
                    self.stack.truncate(mark);
                }
                b's' | b'u' => {
                    let from = if op == b's' {
                        let floor = self.marks.last().copied().unwrap_or(0);
                        if self.stack.len() < floor + 2 {
                            return fail(at, "stack underflow");
                        }
                        self.stack.len() - 2
                    } else {
                        self.pop_mark(at)?
                    };
                    if !(self.stack.len() - from).is_multiple_of(2) {
                        return fail(at, "SETITEMS with an odd number of items");
                    }
                    let dict = self.top_below(at, from)?;
                    self.set_items(at, dict, from)?;
                    self.stack.truncate(from);
                }
                b'c' => {
                    let module = self.line()?;
                    let name = self.line()?;
                    self.global(at, &module, &name)?;
                }
                0x93 => {
                    let name = self.pop(at)?;
                    let module = self.pop(at)?;
                    let (Some(module), Some(name)) = (self.str_of(module), self.str_of(name)) else {
                        return fail(at, "STACK_GLOBAL needs two strings");
                    };
                    let (module, name) = (module.to_string(), name.to_string());
                    self.global(at, &module, &name)?;
                }
                b'R' => {
                    let args = self.pop(at)?;
                    let callable = self.pop(at)?;
                    let obj = self.reduce(at, callable, args)?;
                    self.push(obj);
                }
                b'b' => {
                    let state = self.pop(at)?;
                    let target = self.top(at)?;
                    self.build(at, target, state)?;
                }
                b'q' => {
                    let [key] = self.take_array::<1>()?;
                    self.memo_put(at, key.into())?;
                }
                b'r' => {
                    let key = u32::from_le_bytes(self.take_array()?);
                    self.memo_put(at, key)?;
                }
                0x94 => {
                    let key = u32::try_from(self.memo.len()).or_else(|_| fail(at, "memo is full"))?;
                    self.memo_put(at, key)?;
                }
                b'h' | b'j' => {
                    let key = if op == b'h' {
                        u32::from(self.take_array::<1>()?[0])
                    } else {
                        u32::from_le_bytes(self.take_array()?)
                    };
                    self.memo_get(at, key)?;
                    if matches!(
                        self.arena[*self.stack.last().expect("just pushed")],
                        Obj::Global(Callable::Scalar)
                    ) {
                        self.numpy_scalar();
                    }
                }
                other => {
                    return fail(
                        at,
                        format!("opcode 0x{other:02x} is not used by NumPy object arrays and is not read"),
                    );
                }
            }
        }
    }

    /// Adds the stack items from `from` on, as key-value pairs, to the dict `dict`. A dict's
    /// entries sit in `room` slots of the pool from `start`: they grow in place at the pool's end,
    /// else move to the end with twice the room (so adding stays amortised constant time).
    fn set_items(&mut self, at: usize, dict: Id, from: usize) -> Result<(), PickleError> {
        let Obj::Dict { start, len, room } = self.arena[dict] else {
            return fail(at, format!("SETITEM on {}", self.arena[dict].kind()));
        };
        let need = len + (self.stack.len() - from) / 2;
        let (start, room) = if need <= room {
            (start, room)
        } else if start + room == self.entries.len() {
            self.entries.resize(start + need, (EMPTY, EMPTY));
            (start, need)
        } else {
            let moved = self.entries.len();
            let room = need.max(2 * len);
            self.entries.extend_from_within(start..start + len);
            self.entries.resize(moved + room, (EMPTY, EMPTY));
            (moved, room)
        };
        for (slot, kv) in self.entries[start + len..start + need]
            .iter_mut()
            .zip(self.stack[from..].chunks(2))
        {
            *slot = (kv[0], kv[1]);
        }
        self.arena[dict] = Obj::Dict {
            start,
            len: need,
            room,
        };
        Ok(())
    }

    fn tuple(&self, at: usize, id: Id, what: &str) -> Result<&[Id], PickleError> {
        match self.arena[id] {
            Obj::Tuple { start, len } => Ok(&self.tuples[start..start + len]),
            ref other => fail(at, format!("{what} must be a tuple, found {}", other.kind())),
        }
    }

    /// Applies an allowed callable to its arguments, as data.
    fn reduce(&self, at: usize, callable: Id, args: Id) -> Result<Obj<'a>, PickleError> {
        let Obj::Global(callable) = self.arena[callable] else {
            return fail(
                at,
                format!("REDUCE on {}, not a callable", self.arena[callable].kind()),
            );
        };
        let args = self.tuple(at, args, "the arguments of a call")?;
        let arg = |i: usize| args.get(i).map(|&id| &self.arena[id]);
        match callable {
            Callable::Reconstruct => match arg(0) {
                Some(Obj::Global(Callable::NdArray)) => Ok(Obj::Array(Box::new(ArrayObj {
                    shape: vec![0],
                    items: Vec::new(),
                }))),
                _ => fail(at, "_reconstruct of something other than numpy.ndarray"),
            },
            Callable::Dtype => match arg(0) {
                Some(Obj::Str(code)) => match DType::from_code(code) {
                    Some(dtype) => Ok(Obj::Dtype(dtype, ByteOrder::Little)),
                    None => fail(at, format!("dtype {code:?} is not read")),
                },
                _ => fail(at, "dtype() without a type code"),
            },
            Callable::Scalar => match (arg(0), arg(1)) {
                (Some(&Obj::Dtype(dtype, order)), Some(Obj::Bytes(raw))) => decode_scalar(dtype, order, raw)
                    .ok_or_else(|| PickleError::Malformed {
                        offset: at,
                        reason: format!("a {dtype:?} scalar cannot be made of {} bytes", raw.len()),
                    }),
                _ => fail(at, "scalar() needs a dtype and bytes"),
            },
            Callable::CodecsEncode => match (arg(0), arg(1)) {
                (Some(Obj::Str(text)), Some(Obj::Str(codec))) if codec == "latin1" || codec == "latin-1" => {
                    text.chars()
                        .map(|c| u8::try_from(u32::from(c)).ok())
                        .collect::<Option<Vec<u8>>>()
                        .map(|b| Obj::Bytes(Cow::Owned(b)))
                        .ok_or_else(|| PickleError::Malformed {
                            offset: at,
                            reason: "a character beyond Latin-1".into(),
                        })
                }
                _ => fail(at, "_codecs.encode is read only for (str, 'latin1')"),
            },
            Callable::NdArray => fail(at, "numpy.ndarray called directly"),
        }
    }

    /// Sets the state of a dtype (its byte order) or an array (shape, dtype, items).
    fn build(&mut self, at: usize, target: Id, state: Id) -> Result<(), PickleError> {
        let state = self.tuple(at, state, "the state of an object")?.to_vec();
        let field = |i: usize| state.get(i).map(|&id| &self.arena[id]);
        match &self.arena[target] {
            Obj::Dtype(dtype, _) => {
                let order = match field(1) {
                    Some(Obj::Str(s)) if s == ">" => ByteOrder::Big,
                    Some(Obj::Str(s)) if ["<", "|", "="].contains(&s.as_ref()) => ByteOrder::Little,
                    _ => return fail(at, "dtype state without a byte order"),
                };
                self.arena[target] = Obj::Dtype(*dtype, order);
                Ok(())
            }
            Obj::Array(_) => {
                let shape = match field(1) {
                    Some(&Obj::Tuple { start, len }) => self.tuples[start..start + len]
                        .iter()
                        .map(|&d| match self.arena[d] {
                            Obj::Int(n) => usize::try_from(n).ok(),
                            _ => None,
                        })
                        .collect::<Option<Vec<usize>>>(),
                    _ => None,
                };
                let Some(shape) = shape else {
                    return fail(at, "array state without a shape of whole numbers");
                };
                match (field(2), field(4)) {
                    (Some(Obj::Dtype(DType::Object, _)), Some(Obj::List(items))) => {
                        let items = items.clone();
                        if shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)) != Some(items.len()) {
                            return fail(
                                at,
                                format!("array of shape {shape:?} holds {} objects", items.len()),
                            );
                        }
                        self.arena[target] = Obj::Array(Box::new(ArrayObj { shape, items }));
                        Ok(())
                    }
                    (Some(Obj::Dtype(dtype, _)), _) => fail(
                        at,
                        format!(
                            "a pickled array of {dtype:?}: only object arrays (of dicts) are read from pickles"
                        ),
                    ),
                    _ => fail(at, "array state without a dtype and its items"),
                }
            }
            other => fail(at, format!("BUILD on {}", other.kind())),
        }
    }

    fn dict_entries(&self, frame: usize, item: Id) -> Result<&[(Id, Id)], PickleError> {
        match &self.arena[item] {
            &Obj::Dict { start, len, .. } => Ok(&self.entries[start..start + len]),
            other => Err(PickleError::Frame {
                frame,
                reason: format!("{}, not a dict", other.kind()),
            }),
        }
    }

    fn key(&self, frame: usize, key: Id) -> Result<&str, PickleError> {
        self.str_of(key).ok_or_else(|| PickleError::Frame {
            frame,
            reason: format!("a key is {}, not a str", self.arena[key].kind()),
        })
    }

    /// Interprets the root object as a one-dimensional object array of dicts of numbers.
    fn dict_rows(&self, root: Id, input_len: usize) -> Result<DictRows, PickleError> {
        let Obj::Array(array) = &self.arena[root] else {
            return Err(PickleError::NotAnArrayOfDicts(format!(
                "the pickle holds {}, not a NumPy object array",
                self.arena[root].kind()
            )));
        };
        let (shape, items) = (&array.shape, &array.items);
        if shape.len() != 1 {
            return Err(PickleError::NotAnArrayOfDicts(format!(
                "the object array has shape {shape:?}; a list of frames is one-dimensional"
            )));
        }
        // Shared (memoised) dicts can make a small pickle describe a huge table: refuse tables out
        // of proportion to the input before building them. A real angles file spends at least
        // three bytes on each cell.
        let budget = 4 * input_len + 65_536;
        let refuse = |columns: usize| {
            PickleError::NotAnArrayOfDicts(format!(
                "{} frames of {columns} keys from a {input_len}-byte pickle: refused as out of proportion",
                items.len()
            ))
        };
        // First pass: every frame is a dict with str keys; the columns in order of appearance.
        let mut keys = KeyColumns::default();
        let mut seen = 0usize;
        for (frame, &item) in items.iter().enumerate() {
            let entries = self.dict_entries(frame, item)?;
            seen += entries.len();
            if seen > budget {
                return Err(refuse(keys.columns.len().max(entries.len())));
            }
            for (position, &(key, _)) in entries.iter().enumerate() {
                keys.column(self, frame, position, key)?;
            }
        }
        let columns = keys.columns.len();
        let total = items.len().saturating_mul(columns);
        if total > budget {
            return Err(refuse(columns));
        }
        // Second pass: the values, NaN where a frame has None or lacks the key.
        let mut values = vec![f64::NAN; total];
        for (frame, &item) in items.iter().enumerate() {
            for (position, &(key_id, value)) in self.dict_entries(frame, item)?.iter().enumerate() {
                let column = keys.column(self, frame, position, key_id)?;
                let value = match self.arena[value] {
                    Obj::None => f64::NAN,
                    Obj::Float(v) => v,
                    #[allow(clippy::cast_precision_loss)]
                    Obj::Int(v) => v as f64,
                    Obj::Bool(v) => f64::from(u8::from(v)),
                    ref other => {
                        return Err(PickleError::Frame {
                            frame,
                            reason: format!(
                                "key {:?} holds {}, not a number or None",
                                self.key(frame, key_id)?,
                                other.kind()
                            ),
                        });
                    }
                };
                values[frame * columns + column] = value;
            }
        }
        Ok(DictRows {
            columns: keys.columns,
            rows: items.len(),
            values,
        })
    }
}

/// The columns of a table of dicts and the map from key objects to them. Picklers memoise
/// repeated keys, so a frame's keys are mostly the same objects as the last frame's, in the same
/// order: a key is looked up by its position in the last frame first, then by name.
#[derive(Default)]
struct KeyColumns<'m> {
    /// Column names in order of appearance.
    columns: Vec<String>,
    by_name: HashMap<&'m str, usize>,
    /// The key object and column at each position of the last frame that had one there.
    by_position: Vec<(Id, usize)>,
}

impl<'m> KeyColumns<'m> {
    /// The column of key object `key` at `position` in `frame`'s dict; a new name is a new column.
    #[inline(always)]
    fn column(
        &mut self,
        machine: &'m Machine<'_>,
        frame: usize,
        position: usize,
        key: Id,
    ) -> Result<usize, PickleError> {
        if let Some(&(id, column)) = self.by_position.get(position)
            && id == key
        {
            return Ok(column);
        }
        let name = machine.key(frame, key)?;
        let column = match self.by_name.get(name) {
            Some(&column) => column,
            None => {
                self.columns.push(name.to_string());
                self.by_name.insert(name, self.columns.len() - 1);
                self.columns.len() - 1
            }
        };
        if position < self.by_position.len() {
            self.by_position[position] = (key, column);
        } else if position == self.by_position.len() {
            self.by_position.push((key, column));
        }
        Ok(column)
    }
}

/// Decodes NumPy scalar bytes (`numpy.core.multiarray.scalar(dtype, bytes)`) to a number.
#[inline(always)]
fn decode_scalar(dtype: DType, order: ByteOrder, raw: &[u8]) -> Option<Obj<'static>> {
    if raw.len() != dtype.size() {
        return None;
    }
    let mut bytes = [0u8; 8];
    bytes[..raw.len()].copy_from_slice(raw);
    if order == ByteOrder::Big {
        bytes[..raw.len()].reverse();
    }
    let le = |n: usize| {
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&bytes[..n]);
        b
    };
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    Some(match dtype {
        DType::Bool => Obj::Bool(bytes[0] != 0),
        DType::I8 => Obj::Int(i64::from(bytes[0] as i8)),
        DType::I16 => Obj::Int(i64::from(i16::from_le_bytes([bytes[0], bytes[1]]))),
        DType::I32 => Obj::Int(i64::from(i32::from_le_bytes([
            bytes[0], bytes[1], bytes[2], bytes[3],
        ]))),
        DType::I64 => Obj::Int(i64::from_le_bytes(bytes)),
        DType::U8 | DType::U16 | DType::U32 => Obj::Int(u64::from_le_bytes(le(raw.len())) as i64),
        DType::U64 => Obj::Float(u64::from_le_bytes(bytes) as f64),
        DType::F16 => Obj::Float(f64::from(f16_to_f32(u16::from_le_bytes([bytes[0], bytes[1]])))),
        DType::F32 => Obj::Float(f64::from(f32::from_le_bytes([
            bytes[0], bytes[1], bytes[2], bytes[3],
        ]))),
        DType::F64 => Obj::Float(f64::from_le_bytes(bytes)),
        DType::Object => return None,
    })
}

/// Writes the pickle NumPy 1.x writes for `np.save` of a list of dicts of `numpy.float64` values
/// and `None`s (protocol 3, `numpy.core` names, which NumPy 2.x also loads): `rows` dicts with the
/// keys `columns` in order, a `NaN` value written as `None`.
pub(crate) fn write_dict_rows(columns: &[String], rows: usize, values: &[f64]) -> Vec<u8> {
    let mut w = Writer {
        out: Vec::with_capacity(64 + values.len() * 20),
        next_memo: 0,
    };
    w.out.extend_from_slice(&[0x80, 3]);
    w.out.extend_from_slice(b"cnumpy.core.multiarray\n_reconstruct\n");
    w.out.extend_from_slice(b"cnumpy\nndarray\n");
    w.int(0);
    w.out.push(0x85); // TUPLE1
    w.out.extend_from_slice(b"C\x01b");
    w.out.extend_from_slice(&[0x87, b'R']); // TUPLE3, REDUCE
    w.out.push(b'(');
    w.int(1);
    w.int(i64::try_from(rows).expect("row count fits in i64"));
    w.out.push(0x85);
    w.out.extend_from_slice(b"cnumpy\ndtype\n");
    let dtype_global = w.put();
    w.dtype("O8", "|", 63);
    w.out.extend_from_slice(&[0x89, b']', b'(']); // fortran False, list, mark
    let mut key_memo: Vec<Option<u32>> = vec![None; columns.len()];
    let mut scalar_memo = None;
    let mut f8_memo = None;
    for row in 0..rows {
        w.out.extend_from_slice(b"}(");
        for (column, key) in columns.iter().enumerate() {
            match key_memo[column] {
                Some(id) => w.get(id),
                None => {
                    w.str(key);
                    key_memo[column] = Some(w.put());
                }
            }
            let value = values[row * columns.len() + column];
            if value.is_nan() {
                w.out.push(b'N');
                continue;
            }
            match scalar_memo {
                Some(id) => w.get(id),
                None => {
                    w.out.extend_from_slice(b"cnumpy.core.multiarray\nscalar\n");
                    scalar_memo = Some(w.put());
                }
            }
            match f8_memo {
                Some(id) => w.get(id),
                None => {
                    w.get(dtype_global);
                    f8_memo = Some(w.dtype("f8", "<", 0));
                }
            }
            w.out.extend_from_slice(b"C\x08");
            w.out.extend_from_slice(&value.to_le_bytes());
            w.out.extend_from_slice(&[0x86, b'R']); // TUPLE2, REDUCE
        }
        w.out.push(b'u'); // SETITEMS
    }
    w.out.extend_from_slice(b"etb."); // APPENDS, TUPLE (the array state), BUILD, STOP
    w.out
}

struct Writer {
    out: Vec<u8>,
    next_memo: u32,
}

impl Writer {
    fn int(&mut self, v: i64) {
        match (u8::try_from(v), i32::try_from(v)) {
            (Ok(b), _) => self.out.extend_from_slice(&[b'K', b]),
            (_, Ok(i)) => {
                self.out.push(b'J');
                self.out.extend_from_slice(&i.to_le_bytes());
            }
            _ => {
                self.out.extend_from_slice(&[0x8a, 8]);
                self.out.extend_from_slice(&v.to_le_bytes());
            }
        }
    }

    fn str(&mut self, s: &str) {
        self.out.push(b'X');
        self.out.extend_from_slice(
            &u32::try_from(s.len())
                .expect("key shorter than 4 GiB")
                .to_le_bytes(),
        );
        self.out.extend_from_slice(s.as_bytes());
    }

    /// Memoises the top of the stack; returns its memo key.
    fn put(&mut self) -> u32 {
        let id = self.next_memo;
        self.next_memo += 1;
        match u8::try_from(id) {
            Ok(b) => self.out.extend_from_slice(&[b'q', b]),
            Err(_) => {
                self.out.push(b'r');
                self.out.extend_from_slice(&id.to_le_bytes());
            }
        }
        id
    }

    fn get(&mut self, id: u32) {
        match u8::try_from(id) {
            Ok(b) => self.out.extend_from_slice(&[b'h', b]),
            Err(_) => {
                self.out.push(b'j');
                self.out.extend_from_slice(&id.to_le_bytes());
            }
        }
    }

    /// Calls the `numpy.dtype` on top of the stack as `dtype(code, False, True)` and sets its state;
    /// returns the memo key of the dtype.
    fn dtype(&mut self, code: &str, order: &str, flags: i64) -> u32 {
        self.str(code);
        self.out.extend_from_slice(&[0x89, 0x88, 0x87, b'R']); // False, True, TUPLE3, REDUCE
        let id = self.put();
        self.out.push(b'(');
        self.int(3);
        self.str(order);
        self.out.extend_from_slice(b"NNN");
        self.int(-1);
        self.int(-1);
        self.int(flags);
        self.out.extend_from_slice(b"tb"); // TUPLE, BUILD
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A protocol-2 pickle of `[scalar(f8, 1.5), bytes, args, bytes]` where the last three are
    /// fetched from the memo keys NumPy gives a scalar's bytes and argument tuple: objects the
    /// fast path leaves lazy.
    fn pickle_fetching_lazy_entries() -> Vec<u8> {
        let mut p = vec![0x80, 2];
        p.extend(b"cnumpy.core.multiarray\nscalar\nq\x00");
        p.extend(b"cnumpy\ndtype\nX\x02\x00\x00\x00f8\x89\x88\x87Rq\x01");
        p.extend(b"K\x03X\x01\x00\x00\x00<\x86b0(");
        p.extend(b"h\x00h\x01C\x08");
        p.extend(1.5f64.to_le_bytes());
        p.extend(b"q\x02\x86q\x03Rq\x04h\x02h\x03h\x02l.");
        p
    }

    #[test]
    fn lazy_memo_entries_are_the_objects_the_opcodes_make() {
        let input = pickle_fetching_lazy_entries();
        let mut machine = Machine::new(&input[..]);
        let root = machine.run().expect("a valid pickle");
        let Obj::List(items) = &machine.arena[root] else {
            panic!("root is {:?}", machine.arena[root]);
        };
        let raw = 1.5f64.to_le_bytes();
        assert_eq!(machine.arena[items[0]], Obj::Float(1.5));
        assert_eq!(machine.arena[items[1]], Obj::Bytes(Cow::Borrowed(&raw[..])));
        assert_eq!(items[1], items[3], "one memo key, one object");
        let args = machine.tuple(0, items[2], "args").expect("a tuple");
        assert_eq!(machine.arena[args[0]], Obj::Dtype(DType::F64, ByteOrder::Little));
        assert_eq!(machine.arena[args[1]], Obj::Bytes(Cow::Borrowed(&raw[..])));
        assert_eq!(machine.lazy.len(), 1, "the scalar took the fast path");
    }

    #[test]
    fn dicts_filled_in_turns_keep_their_own_entries() {
        // Two dicts, items added to each in turn (so each must move to grow), then [d0, d1].
        let input = b"\x80\x02}q\x00}q\x0100h\x00K\x01K\x02s0h\x01K\x03K\x04s0h\x00K\x05K\x06s0h\x01(K\x07K\x08K\x09K\x0au0(h\x00h\x01l.";
        let mut machine = Machine::new(&input[..]);
        let root = machine.run().expect("a valid pickle");
        let Obj::List(dicts) = machine.arena[root].clone() else {
            panic!("root is {:?}", machine.arena[root]);
        };
        let ints = |dict: Id| -> Vec<(i64, i64)> {
            let entries = machine.dict_entries(0, dict).expect("a dict");
            let int = |id: Id| match machine.arena[id] {
                Obj::Int(v) => v,
                ref other => panic!("{other:?}"),
            };
            entries.iter().map(|&(k, v)| (int(k), int(v))).collect()
        };
        assert_eq!(ints(dicts[0]), [(1, 2), (5, 6)]);
        assert_eq!(ints(dicts[1]), [(3, 4), (7, 8), (9, 10)]);
    }

    #[test]
    fn a_lazy_entry_is_never_taken_for_a_dtype() {
        // As above, then a second scalar whose "dtype" is the first one's lazy bytes entry: the
        // general path must refuse it, not index the arena with a lazy id.
        let mut input = pickle_fetching_lazy_entries();
        input.truncate(input.len() - 8); // drop the fetches, LIST and STOP
        input.extend(b"h\x00h\x02C\x08");
        input.extend(2.5f64.to_le_bytes());
        input.extend(b"\x86R.");
        let err = read_dict_rows(&input).unwrap_err().to_string();
        assert!(err.contains("scalar() needs a dtype and bytes"), "{err}");
    }
}
