//! The operations the pose models run, one module per family: each reads its options from the
//! model, checks the shapes its kernel relies on once when the model is read, and runs, behind
//! [`Operator`]. Tensors are `f32` in NHWC order with a batch of one.
//!
//! - `CONV_2D` in [`conv`] (products through the `gemm` crate);
//! - `DEPTHWISE_CONV_2D` in [`depthwise`];
//! - `MAX_POOL_2D` and `RESIZE_BILINEAR` in [`pool`];
//! - `ADD` and `LOGISTIC` in [`elementwise`];
//! - `PAD`, `RESHAPE`, `CONCATENATION` and `DEPTH_TO_SPACE` in [`layout`].
//!
//! (`DEQUANTIZE` and `DENSIFY` run once, when the model is read: [`crate::tflite`].)

pub(crate) mod conv;
pub(crate) mod depthwise;
pub(crate) mod elementwise;
pub(crate) mod layout;
pub(crate) mod pool;

use std::fmt;

use rayon::prelude::*;

use crate::flatbuffer::Table;
use crate::tflite::{Graph, Value};

/// What went wrong: a description (the reader adds the operator and the file).
pub(crate) type Result<T> = std::result::Result<T, String>;

/// Height, width and channels of an activation tensor.
pub(crate) type Hwc = [usize; 3];

/// One operation of a graph, its options read.
pub(crate) trait Operator: fmt::Debug + Send + Sync {
    /// How many inputs it reads, of the `listed` the model gives it.
    fn arity(&self, listed: usize) -> usize {
        let _ = listed;
        1
    }

    /// Checks that its tensors have the shapes (and its constants the sizes) its kernel relies
    /// on: once, when the model is read, so that a model that reads also runs.
    fn check(&self, s: &Shapes) -> Result<()>;

    /// Constant operands laid out once for the kernel (a convolution's filter, transposed).
    fn prepare(&self, s: &Shapes) -> Option<Vec<f32>> {
        let _ = s;
        None
    }

    /// Computes `out` from the inputs.
    fn run(&self, io: &mut Io, out: &mut [f32]);
}

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

/// The shapes around one operation of a read graph.
pub(crate) struct Shapes<'a> {
    pub(crate) graph: &'a Graph,
    pub(crate) inputs: &'a [usize],
    pub(crate) output: usize,
}

impl Shapes<'_> {
    /// The shape of input `k`.
    pub(crate) fn input(&self, k: usize) -> &[usize] {
        &self.graph.tensors[self.inputs[k]].shape
    }

    /// The shape of the output.
    pub(crate) fn output(&self) -> &[usize] {
        &self.graph.tensors[self.output].shape
    }

    /// The float constant of input `k`, required to hold `len` values.
    pub(crate) fn constant(&self, k: usize, len: usize) -> Result<&[f32]> {
        let tensor = &self.graph.tensors[self.inputs[k]];
        match &tensor.constant {
            Some(v) if v.len() == len => Ok(v),
            _ => Err(format!(
                "tensor {} is not a constant of {len} values",
                tensor.name
            )),
        }
    }

    /// Requires the output's shape to be `want`.
    pub(crate) fn expect(&self, want: [usize; 4]) -> Result<()> {
        let out = self.output();
        if out == want {
            Ok(())
        } else {
            Err(format!("output {out:?}, expected {want:?}"))
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

/// What an operation reads and writes with, as the graph runs.
pub(crate) struct Io<'a> {
    pub(crate) graph: &'a Graph,
    pub(crate) buffers: &'a [Vec<f32>],
    pub(crate) inputs: &'a [usize],
    pub(crate) output: usize,
    /// What [`Operator::prepare`] laid out.
    pub(crate) prepared: Option<&'a [f32]>,
    /// Working memory kept from frame to frame.
    pub(crate) scratch: &'a mut Vec<f32>,
}

impl<'a> Io<'a> {
    /// The values of input `k`: its constant, or what an earlier operation computed.
    pub(crate) fn data(&self, k: usize) -> &'a [f32] {
        let t = self.inputs[k];
        self.graph.tensors[t]
            .constant
            .as_deref()
            .unwrap_or(&self.buffers[t])
    }

    /// The shape of input `k`.
    pub(crate) fn shape(&self, k: usize) -> &'a [usize] {
        &self.graph.tensors[self.inputs[k]].shape
    }

    /// Height, width and channels of input `k`.
    pub(crate) fn hwc(&self, k: usize) -> Hwc {
        let s = self.shape(k);
        [s[1], s[2], s[3]]
    }

    /// Height, width and channels of the output.
    pub(crate) fn out_hwc(&self) -> Hwc {
        let s = &self.graph.tensors[self.output].shape;
        [s[1], s[2], s[3]]
    }
}

/// Multiply-adds below which an operation runs on one thread: handing out smaller work costs
/// more than it saves (measured on the pose models).
const PARALLEL_WORK: usize = 1 << 16;

/// Calls `f(row index, row)` for each `len`-long row of `out`, on all threads when `work`
/// (multiply-adds, roughly) is large enough to pay for it.
pub(crate) fn for_rows(
    out: &mut [f32],
    len: usize,
    work: usize,
    f: impl Fn(usize, &mut [f32]) + Sync + Send,
) {
    if work >= PARALLEL_WORK {
        out.par_chunks_mut(len).enumerate().for_each(|(i, row)| f(i, row));
    } else {
        out.chunks_mut(len).enumerate().for_each(|(i, row)| f(i, row));
    }
}
