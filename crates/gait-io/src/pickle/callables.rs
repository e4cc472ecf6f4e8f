//! The callables a pickle may name, interpreted as data: NumPy's array, dtype and scalar
//! constructors and `_codecs.encode` make values here, and BUILD sets their state. Nothing is
//! called.

use std::borrow::Cow;

use super::machine::Machine;
use super::{ArrayObj, Callable, Id, Obj, PickleError, fail};
use crate::dtype::{ByteOrder, DType};
use gait_cpu::f16_to_f32;

impl<'a> Machine<'a> {
    /// Applies an allowed callable to its arguments, as data.
    pub(super) fn reduce(&self, at: usize, callable: Id, args: Id) -> Result<Obj<'a>, PickleError> {
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
    pub(super) fn build(&mut self, at: usize, target: Id, state: Id) -> Result<(), PickleError> {
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
}

/// Decodes NumPy scalar bytes (`numpy.core.multiarray.scalar(dtype, bytes)`) to a number.
#[inline(always)]
pub(super) fn decode_scalar(dtype: DType, order: ByteOrder, raw: &[u8]) -> Option<Obj<'static>> {
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
        DType::I8 => Obj::Int(i128::from(bytes[0] as i8)),
        DType::I16 => Obj::Int(i128::from(i16::from_le_bytes([bytes[0], bytes[1]]))),
        DType::I32 => Obj::Int(i128::from(i32::from_le_bytes([
            bytes[0], bytes[1], bytes[2], bytes[3],
        ]))),
        DType::I64 => Obj::Int(i128::from(i64::from_le_bytes(bytes))),
        DType::U8 | DType::U16 | DType::U32 | DType::U64 => {
            Obj::Int(i128::from(u64::from_le_bytes(le(raw.len()))))
        }
        DType::F16 => Obj::Float(f64::from(f16_to_f32(u16::from_le_bytes([bytes[0], bytes[1]])))),
        DType::F32 => Obj::Float(f64::from(f32::from_le_bytes([
            bytes[0], bytes[1], bytes[2], bytes[3],
        ]))),
        DType::F64 => Obj::Float(f64::from_le_bytes(bytes)),
        DType::Object => return None,
    })
}
