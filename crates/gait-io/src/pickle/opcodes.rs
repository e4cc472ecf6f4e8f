//! The pickle opcodes NumPy's object arrays use (protocols 2 to 5), by the names Python's
//! `pickletools` gives them. Any other opcode is refused.

/// Protocol version follows (1 byte).
pub(super) const PROTO: u8 = 0x80;
/// Length of the next frame follows (8 bytes); a hint only.
pub(super) const FRAME: u8 = 0x95;
/// End of the pickle: the top of the stack is the result.
pub(super) const STOP: u8 = b'.';
/// Pushes a mark.
pub(super) const MARK: u8 = b'(';
/// Drops the top of the stack.
pub(super) const POP: u8 = b'0';
/// Drops everything down to the last mark, and the mark.
pub(super) const POP_MARK: u8 = b'1';
/// Pushes the top of the stack again.
pub(super) const DUP: u8 = b'2';
/// Pushes `None`.
pub(super) const NONE: u8 = b'N';
/// Pushes `True`.
pub(super) const NEWTRUE: u8 = 0x88;
/// Pushes `False`.
pub(super) const NEWFALSE: u8 = 0x89;
/// A signed 4-byte integer follows.
pub(super) const BININT: u8 = b'J';
/// An unsigned 1-byte integer follows.
pub(super) const BININT1: u8 = b'K';
/// An unsigned 2-byte integer follows.
pub(super) const BININT2: u8 = b'M';
/// An integer of a 1-byte length of little-endian two's-complement bytes follows.
pub(super) const LONG1: u8 = 0x8a;
/// As [`LONG1`], with a 4-byte length.
pub(super) const LONG4: u8 = 0x8b;
/// A big-endian float64 follows.
pub(super) const BINFLOAT: u8 = b'G';
/// A UTF-8 string of a 1-byte length follows.
pub(super) const SHORT_BINUNICODE: u8 = 0x8c;
/// As [`SHORT_BINUNICODE`], with a 4-byte length.
pub(super) const BINUNICODE: u8 = b'X';
/// As [`SHORT_BINUNICODE`], with an 8-byte length.
pub(super) const BINUNICODE8: u8 = 0x8d;
/// A Python 2 byte string of a 1-byte length follows (read as Latin-1).
pub(super) const SHORT_BINSTRING: u8 = b'U';
/// As [`SHORT_BINSTRING`], with a 4-byte length.
pub(super) const BINSTRING: u8 = b'T';
/// Bytes of a 1-byte length follow.
pub(super) const SHORT_BINBYTES: u8 = b'C';
/// As [`SHORT_BINBYTES`], with a 4-byte length.
pub(super) const BINBYTES: u8 = b'B';
/// As [`SHORT_BINBYTES`], with an 8-byte length.
pub(super) const BINBYTES8: u8 = 0x8e;
/// A bytearray of an 8-byte length follows (read as bytes).
pub(super) const BYTEARRAY8: u8 = 0x96;
/// Pushes an empty list.
pub(super) const EMPTY_LIST: u8 = b']';
/// Pushes an empty dict.
pub(super) const EMPTY_DICT: u8 = b'}';
/// Pushes an empty tuple.
pub(super) const EMPTY_TUPLE: u8 = b')';
/// A list of the items above the last mark.
pub(super) const LIST: u8 = b'l';
/// A tuple of the items above the last mark.
pub(super) const TUPLE: u8 = b't';
/// A dict of the key-value pairs above the last mark.
pub(super) const DICT: u8 = b'd';
/// A tuple of the top item.
pub(super) const TUPLE1: u8 = 0x85;
/// A tuple of the top two items.
pub(super) const TUPLE2: u8 = 0x86;
/// A tuple of the top three items.
pub(super) const TUPLE3: u8 = 0x87;
/// Appends the top item to the list below it.
pub(super) const APPEND: u8 = b'a';
/// Appends the items above the last mark to the list below it.
pub(super) const APPENDS: u8 = b'e';
/// Sets a key and value (the top two items) in the dict below them.
pub(super) const SETITEM: u8 = b's';
/// Sets the key-value pairs above the last mark in the dict below it.
pub(super) const SETITEMS: u8 = b'u';
/// A global: its module and name follow, each ending in a newline.
pub(super) const GLOBAL: u8 = b'c';
/// A global whose module and name are the top two strings.
pub(super) const STACK_GLOBAL: u8 = 0x93;
/// Calls the callable below the top with the top (a tuple) as arguments; here, interpreted.
pub(super) const REDUCE: u8 = b'R';
/// Sets the state (the top) of the object below it.
pub(super) const BUILD: u8 = b'b';
/// Stores the top in the memo under a 1-byte key.
pub(super) const BINPUT: u8 = b'q';
/// Stores the top in the memo under a 4-byte key.
pub(super) const LONG_BINPUT: u8 = b'r';
/// Stores the top in the memo under the memo's length.
pub(super) const MEMOIZE: u8 = 0x94;
/// Pushes the memo entry of a 1-byte key.
pub(super) const BINGET: u8 = b'h';
/// Pushes the memo entry of a 4-byte key.
pub(super) const LONG_BINGET: u8 = b'j';
