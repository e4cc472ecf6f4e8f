//! A model's graph as read: tensors, operations in order, inputs and outputs; and what an
//! operation sees of it, when its shapes are checked ([`Shapes`]) and when it runs ([`Io`]),
//! behind the one trait every operation implements ([`Operator`]).

use std::fmt;

use crate::shape::Shape;

/// What went wrong reading a model: a description (the caller adds the file's name).
pub(crate) type Result<T> = std::result::Result<T, String>;

/// Height, width and channels of an activation tensor.
pub(crate) type Hwc = [usize; 3];

/// An operation and the tensors it reads and writes.
#[derive(Debug)]
pub(crate) struct Op {
    pub(crate) operator: Box<dyn Operator>,
    pub(crate) inputs: Vec<usize>,
    pub(crate) output: usize,
}

/// A tensor's name, shape and, for weights, its values.
#[derive(Debug, Clone)]
pub(crate) struct Tensor {
    pub(crate) name: String,
    pub(crate) shape: Shape,
    pub(crate) constant: Option<Vec<f32>>,
}

/// A model's single subgraph: tensors, operations in execution order, inputs and outputs.
#[derive(Debug)]
pub(crate) struct Graph {
    pub(crate) tensors: Vec<Tensor>,
    pub(crate) ops: Vec<Op>,
    pub(crate) inputs: Vec<usize>,
    pub(crate) outputs: Vec<usize>,
}

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

    /// Its amounts `[[top, bottom], [left, right]]` when it is a `PAD` of height and width only.
    fn spatial_padding(&self) -> Option<[[usize; 2]; 2]> {
        None
    }

    /// The same operation on its input with `amounts` of zeros around it (a `PAD` before it
    /// folded in), when it can take them.
    fn padded(&self, amounts: [[usize; 2]; 2]) -> Option<Box<dyn Operator>> {
        let _ = amounts;
        None
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

/// What an operation reads and writes with, as the graph runs.
pub(crate) struct Io<'a> {
    pub(crate) graph: &'a Graph,
    /// The buffers, and which of them holds each computed tensor (its first values).
    pub(crate) buffers: &'a [Vec<f32>],
    pub(crate) buffer_of: &'a [usize],
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
        let tensor = &self.graph.tensors[t];
        match &tensor.constant {
            Some(values) => values,
            None => &self.buffers[self.buffer_of[t]][..tensor.shape.elements()],
        }
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
