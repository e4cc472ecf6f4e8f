//! The fast path: the opcodes NumPy writes for every scalar, read in one step.

use super::callables::decode_scalar;
use super::machine::Machine;
use super::opcodes::*;
use super::{Callable, Id, LAZY, Obj};

/// Reads the memo store at `rest[*at..]`, if there is one, moving `*at` past it: the key it
/// stores under. MEMOIZE takes `*next`, the memo's length, which follows the stores as the memo
/// would grow. `None` if truncated.
#[inline(always)]
fn memo_store_at(rest: &[u8], at: &mut usize, next: &mut usize) -> Option<Option<usize>> {
    let key = match *rest.get(*at)? {
        MEMOIZE => {
            *at += 1;
            *next
        }
        BINPUT => {
            *at += 2;
            usize::from(*rest.get(*at - 1)?)
        }
        LONG_BINPUT => {
            *at += 5;
            u32::from_le_bytes(rest.get(*at - 4..*at)?.try_into().ok()?) as usize
        }
        _ => return Some(None),
    };
    *next = (*next).max(key + 1);
    Some(Some(key))
}

impl<'a> Machine<'a> {
    /// NumPy writes every scalar as the same opcodes: `scalar` (just pushed from the memo), the
    /// dtype from the memo, SHORT_BINBYTES of the value, TUPLE2 and REDUCE, each result
    /// memoised. When the input holds exactly that, this runs it in one go, with the same
    /// effect on the stack, the memo and the arena as running the opcodes one by one; anything
    /// else is left to the general loop. Angle files are made of little else, so this is most of
    /// their reading time.
    pub(super) fn numpy_scalar(&mut self) {
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
            BINGET => (u32::from(*rest.get(1)?), 2),
            LONG_BINGET => (u32::from_le_bytes(rest.get(1..5)?.try_into().ok()?), 5),
            _ => return None,
        };
        let dtype_id = *self.memo.get(dtype_key as usize).filter(|&&id| id < LAZY)?;
        if *rest.get(at)? != SHORT_BINBYTES {
            return None;
        }
        let n = usize::from(*rest.get(at + 1)?);
        let raw = rest.get(at + 2..at + 2 + n)?;
        at += 2 + n;
        let mut next = self.memo.len();
        let bytes = memo_store_at(rest, &mut at, &mut next)?;
        (*rest.get(at)? == TUPLE2).then_some(())?;
        at += 1;
        let args = memo_store_at(rest, &mut at, &mut next)?;
        (*rest.get(at)? == REDUCE).then_some(())?;
        at += 1;
        let result = memo_store_at(rest, &mut at, &mut next)?;
        Some((dtype_id, raw, [bytes, args, result], at))
    }
}
