//! The pickle machine: a stack, marks and a memo over a flat arena of objects; each opcode of
//! [`super::opcodes`] run as Python would, callables interpreted as data.

use std::borrow::Cow;

use super::opcodes::*;
use super::{Callable, EMPTY, Id, LAZY, Obj, PickleError, fail};

pub(super) struct Machine<'a> {
    pub(super) input: &'a [u8],
    pub(super) pos: usize,
    pub(super) arena: Vec<Obj<'a>>,
    pub(super) stack: Vec<Id>,
    marks: Vec<usize>,
    /// Memo keys index this directly: picklers number them from 0, so a key beyond the input's
    /// length is refused and the table stays within the input's size.
    pub(super) memo: Vec<Id>,
    /// The items of all tuples, back to back (one allocation instead of one per tuple).
    pub(super) tuples: Vec<Id>,
    /// The key-value pairs of all dicts, likewise.
    pub(super) entries: Vec<(Id, Id)>,
    /// The dtype and bytes of each scalar read by [`Machine::numpy_scalar`], for its lazy memo
    /// entries.
    pub(super) lazy: Vec<(Id, &'a [u8])>,
}

impl<'a> Machine<'a> {
    pub(super) fn new(input: &'a [u8]) -> Self {
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
    pub(super) fn alloc(&mut self, obj: Obj<'a>) -> Id {
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
    pub(super) fn memo_store(&mut self, key: usize, id: Id) {
        if key == self.memo.len() {
            self.memo.push(id); // the usual case: keys in order
        } else {
            if key > self.memo.len() {
                self.memo.resize(key + 1, EMPTY);
            }
            self.memo[key] = id;
        }
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

    pub(super) fn str_of(&self, id: Id) -> Option<&str> {
        match &self.arena[id] {
            Obj::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(super) fn run(&mut self) -> Result<Id, PickleError> {
        loop {
            let at = self.pos;
            let [op] = self.take_array::<1>()?;
            match op {
                PROTO => {
                    let [proto] = self.take_array::<1>()?;
                    if !(2..=5).contains(&proto) {
                        return fail(at, format!("pickle protocol {proto}; protocols 2 to 5 are read"));
                    }
                }
                FRAME => {
                    self.take(8)?; // a length hint only
                }
                STOP => {
                    let root = self.pop(at)?;
                    return Ok(root);
                }
                MARK => self.marks.push(self.stack.len()),
                POP => {
                    self.pop(at)?;
                }
                POP_MARK => {
                    let mark = self.pop_mark(at)?;
                    self.stack.truncate(mark);
                }
                DUP => {
                    let id = self.top(at)?;
                    self.stack.push(id);
                }
                NONE => self.push(Obj::None),
                NEWTRUE => self.push(Obj::Bool(true)),
                NEWFALSE => self.push(Obj::Bool(false)),
                BININT => {
                    let v = i32::from_le_bytes(self.take_array()?);
                    self.push(Obj::Int(v.into()));
                }
                BININT1 => {
                    let [v] = self.take_array::<1>()?;
                    self.push(Obj::Int(v.into()));
                }
                BININT2 => {
                    let v = u16::from_le_bytes(self.take_array()?);
                    self.push(Obj::Int(v.into()));
                }
                LONG1 | LONG4 => {
                    let n = self.take_len(if op == LONG1 { 1 } else { 4 })?;
                    let raw = self.take(n)?;
                    if n > 8 {
                        return fail(at, format!("an integer of {n} bytes; at most 8 are read"));
                    }
                    let negative = raw.last().is_some_and(|&b| b & 0x80 != 0);
                    let mut full = [if negative { 0xff } else { 0 }; 8];
                    full[..n].copy_from_slice(raw);
                    self.push(Obj::Int(i64::from_le_bytes(full).into()));
                }
                BINFLOAT => {
                    let v = f64::from_be_bytes(self.take_array()?);
                    self.push(Obj::Float(v));
                }
                SHORT_BINUNICODE | BINUNICODE | BINUNICODE8 | SHORT_BINSTRING | BINSTRING => {
                    let n = self.take_len(match op {
                        SHORT_BINUNICODE | SHORT_BINSTRING => 1,
                        BINUNICODE | BINSTRING => 4,
                        _ => 8,
                    })?;
                    let raw = self.take(n)?;
                    let text = if matches!(op, SHORT_BINSTRING | BINSTRING) {
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
                SHORT_BINBYTES | BINBYTES | BINBYTES8 | BYTEARRAY8 => {
                    let n = self.take_len(match op {
                        SHORT_BINBYTES => 1,
                        BINBYTES => 4,
                        _ => 8,
                    })?;
                    let raw = self.take(n)?;
                    self.push(Obj::Bytes(Cow::Borrowed(raw)));
                }
                EMPTY_LIST => self.push(Obj::List(Vec::new())),
                EMPTY_DICT => self.push(Obj::Dict {
                    start: self.entries.len(),
                    len: 0,
                    room: 0,
                }),
                EMPTY_TUPLE => self.push(Obj::Tuple { start: 0, len: 0 }),
                LIST => {
                    let mark = self.pop_mark(at)?;
                    let items = self.stack.split_off(mark);
                    self.push(Obj::List(items));
                }
                TUPLE => {
                    let mark = self.pop_mark(at)?;
                    self.tuple_from_stack(mark);
                }
                DICT => {
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
                TUPLE1..=TUPLE3 => {
                    let n = usize::from(op - TUPLE1) + 1;
                    let floor = self.marks.last().copied().unwrap_or(0);
                    if self.stack.len() < floor + n {
                        return fail(at, "stack underflow");
                    }
                    self.tuple_from_stack(self.stack.len() - n);
                }
                APPEND => {
                    let item = self.pop(at)?;
                    let list = self.top(at)?;
                    match &mut self.arena[list] {
                        Obj::List(items) => items.push(item),
                        other => return fail(at, format!("APPEND to {}", other.kind())),
                    }
                }
                APPENDS => {
                    let mark = self.pop_mark(at)?;
                    let list = self.top_below(at, mark)?;
                    match &mut self.arena[list] {
                        Obj::List(existing) => existing.extend_from_slice(&self.stack[mark..]),
                        other => return fail(at, format!("APPENDS to {}", other.kind())),
                    }
                    self.stack.truncate(mark);
                }
                SETITEM | SETITEMS => {
                    let from = if op == SETITEM {
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
                GLOBAL => {
                    let module = self.line()?;
                    let name = self.line()?;
                    self.global(at, &module, &name)?;
                }
                STACK_GLOBAL => {
                    let name = self.pop(at)?;
                    let module = self.pop(at)?;
                    let (Some(module), Some(name)) = (self.str_of(module), self.str_of(name)) else {
                        return fail(at, "STACK_GLOBAL needs two strings");
                    };
                    let (module, name) = (module.to_string(), name.to_string());
                    self.global(at, &module, &name)?;
                }
                REDUCE => {
                    let args = self.pop(at)?;
                    let callable = self.pop(at)?;
                    let obj = self.reduce(at, callable, args)?;
                    self.push(obj);
                }
                BUILD => {
                    let state = self.pop(at)?;
                    let target = self.top(at)?;
                    self.build(at, target, state)?;
                }
                BINPUT => {
                    let [key] = self.take_array::<1>()?;
                    self.memo_put(at, key.into())?;
                }
                LONG_BINPUT => {
                    let key = u32::from_le_bytes(self.take_array()?);
                    self.memo_put(at, key)?;
                }
                MEMOIZE => {
                    let key = u32::try_from(self.memo.len()).or_else(|_| fail(at, "memo is full"))?;
                    self.memo_put(at, key)?;
                }
                BINGET | LONG_BINGET => {
                    let key = if op == BINGET {
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

    pub(super) fn tuple(&self, at: usize, id: Id, what: &str) -> Result<&[Id], PickleError> {
        match self.arena[id] {
            Obj::Tuple { start, len } => Ok(&self.tuples[start..start + len]),
            ref other => fail(at, format!("{what} must be a tuple, found {}", other.kind())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::{ByteOrder, DType};

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
        let ints = |dict: Id| -> Vec<(i128, i128)> {
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
        let err = super::super::read_dict_rows(&input).unwrap_err().to_string();
        assert!(err.contains("scalar() needs a dtype and bytes"), "{err}");
    }
}
