//! The operations the pose models run, one module per family: each reads its options from the
//! model, checks the shapes its kernel relies on once when the model is read, and runs, behind
//! [`Operator`]. Tensors are `f32` in NHWC order with a batch of one.
//!
//! - `CONV_2D` in [`conv`] (matrix products by a kernel of its own, the filter packed once, each
//!   register tile in `tile`);
//! - `DEPTHWISE_CONV_2D` in [`depthwise`];
//! - `MAX_POOL_2D` and `RESIZE_BILINEAR` in [`pool`];
//! - `ADD` and `LOGISTIC` in [`elementwise`];
//! - `PAD`, `RESHAPE`, `CONCATENATION` and `DEPTH_TO_SPACE` in [`layout`].
//!
//! (`DEQUANTIZE` and `DENSIFY` run once, when the model is read, by the reader `tflite`.)

pub(crate) mod conv;
pub(crate) mod depthwise;
pub(crate) mod elementwise;
pub(crate) mod layout;
pub(crate) mod pool;
mod tile;

use rayon::prelude::*;

use crate::flatbuffer::Table;
pub(crate) use crate::graph::{Hwc, Io, Operator, Result, Shapes};
use crate::tflite::constant::Value;

/// An operation's options and what surrounds it, as the model is read.
pub(crate) struct Parse<'a> {
    /// The operation's builtin options table, if it has one.
    pub(crate) options: Option<Table<'a>>,
    /// The tensors it lists as inputs (`usize::MAX` for an omitted one).
    pub(crate) inputs: &'a [usize],
    /// Every tensor's stored constant, if it has one.
    pub(crate) constants: &'a [Option<Value>],
    /// The rank of its output tensor.
    pub(crate) output_rank: usize,
}

impl Parse<'_> {
    /// Option `slot` as a byte (enums, booleans), or `default` when absent.
    pub(crate) fn u8(&self, slot: usize, default: u8) -> Result<u8> {
        self.options.as_ref().map_or(Ok(default), |t| t.u8(slot, default))
    }

    /// Option `slot` as an `i32`, or `default` when absent.
    pub(crate) fn i32(&self, slot: usize, default: i32) -> Result<i32> {
        self.options
            .as_ref()
            .map_or(Ok(default), |t| t.i32(slot, default))
    }

    /// Option `slot` as a boolean, `false` when absent.
    pub(crate) fn bool(&self, slot: usize) -> Result<bool> {
        self.options.as_ref().map_or(Ok(false), |t| t.bool(slot))
    }

    /// The int32 constant given as input `k`, if it is one.
    pub(crate) fn int32_input(&self, k: usize) -> Option<&[i32]> {
        match self.constants.get(*self.inputs.get(k)?)? {
            Some(Value::I32(values)) => Some(values),
            _ => None,
        }
    }
}

/// `s` as `[1, height, width, channels]`.
pub(crate) fn nhwc(s: &[usize]) -> Result<[usize; 4]> {
    match *s {
        [1, h, w, c] => Ok([1, h, w, c]),
        _ => Err(format!("shape {s:?} is not [1, height, width, channels]")),
    }
}

/// `s` as any four dimensions.
pub(crate) fn four(s: &[usize]) -> Result<[usize; 4]> {
    s.try_into()
        .map_err(|_| format!("shape {s:?} does not have four dimensions"))
}

/// Multiply-adds below which an operation runs on one thread: handing out smaller work costs
/// more than it saves (measured on the pose models).
const PARALLEL_WORK: usize = 1 << 16;

/// Calls `f(row index, row)` for each `len`-long row of `out`, on all threads when `work`
/// (multiply-adds, roughly) is large enough to pay for it and the caller shares them
/// ([`crate::threads`]).
pub(crate) fn for_rows(
    out: &mut [f32],
    len: usize,
    work: usize,
    f: impl Fn(usize, &mut [f32]) + Sync + Send,
) {
    if work >= PARALLEL_WORK && crate::threads::shared() {
        out.par_chunks_mut(len).enumerate().for_each(|(i, row)| f(i, row));
    } else {
        out.chunks_mut(len).enumerate().for_each(|(i, row)| f(i, row));
    }
}
