//! The part of the TFLite model format that MediaPipe's pose models use, read into a [`Graph`].
//!
//! Weights stored as float16 (`DEQUANTIZE`) and as sparse tensors (`DENSIFY`) are expanded to
//! dense `f32` constants when the file is read, so that what runs per frame is only the eleven
//! operations of [`OpKind`]. Every shape an operation relies on is checked here, once: a model
//! that reads must also run.

use crate::flatbuffer::Table;
use crate::shape::Shape;

/// What went wrong reading a model: a description (the caller adds the file's name).
pub(crate) type Result<T> = std::result::Result<T, String>;

/// A fused activation applied to an operation's output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Activation {
    None,
    Relu,
    Relu6,
}

/// How a convolution or pool pads its input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Padding {
    Same,
    Valid,
}

/// How a convolution runs over its input: its stride, its padding, and the activation after it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Conv {
    pub(crate) stride: usize,
    pub(crate) padding: Padding,
    pub(crate) activation: Activation,
}

/// One operation of the graph, with what it needs beyond its input and output tensors.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum OpKind {
    /// Inputs: activation, filter `[out, kh, kw, in]`, bias `[out]`.
    Conv2d(Conv),
    /// Inputs: activation, filter `[1, kh, kw, channels]`, bias `[channels]`.
    DepthwiseConv2d(Conv),
    Add {
        activation: Activation,
    },
    /// Zero padding; the amounts `[[before, after]; 4]` come from a constant input.
    Pad {
        amounts: [[usize; 2]; 4],
    },
    MaxPool {
        size: usize,
        stride: usize,
        padding: Padding,
    },
    ResizeBilinear {
        align_corners: bool,
        half_pixel_centers: bool,
    },
    DepthToSpace {
        block: usize,
    },
    Concatenation {
        axis: usize,
    },
    Reshape,
    Logistic,
}

/// An operation and the tensors it reads and writes.
#[derive(Debug, Clone)]
pub(crate) struct Op {
    pub(crate) kind: OpKind,
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
#[derive(Debug, Clone)]
pub(crate) struct Graph {
    pub(crate) tensors: Vec<Tensor>,
    pub(crate) ops: Vec<Op>,
    pub(crate) inputs: Vec<usize>,
    pub(crate) outputs: Vec<usize>,
}

const ADD: i32 = 0;
const CONCATENATION: i32 = 2;
const CONV_2D: i32 = 3;
const DEPTHWISE_CONV_2D: i32 = 4;
const DEPTH_TO_SPACE: i32 = 5;
const DEQUANTIZE: i32 = 6;
const LOGISTIC: i32 = 14;
const MAX_POOL_2D: i32 = 17;
const RESHAPE: i32 = 22;
const RESIZE_BILINEAR: i32 = 23;
const PAD: i32 = 34;
const DENSIFY: i32 = 124;

const FLOAT32: u8 = 0;
const FLOAT16: u8 = 1;
const INT32: u8 = 2;

/// A tensor as stored: type, raw bytes, and sparsity if any.
struct Stored<'a> {
    kind: u8,
    data: &'a [u8],
    sparsity: Option<Table<'a>>,
}

/// Constants by their stored type, before they become `f32`.
enum Value {
    F32(Vec<f32>),
    F16(Vec<u16>),
    I32(Vec<i32>),
}

impl Graph {
    /// Reads a `.tflite` file's bytes.
    pub(crate) fn parse(buf: &[u8]) -> Result<Graph> {
        if buf.len() < 8 || &buf[4..8] != b"TFL3" {
            return Err("not a TFLite model (no TFL3 identifier)".into());
        }
        let model = Table::root(buf)?;
        let codes = model
            .tables(1)?
            .iter()
            .map(|c| Ok((c.u8(0, 0)? as i8 as i32).max(c.i32(3, 0)?)))
            .collect::<Result<Vec<i32>>>()?;
        let buffers = model.tables(4)?;
        let subgraphs = model.tables(2)?;
        let [subgraph] = subgraphs.as_slice() else {
            return Err(format!("{} subgraphs, expected one", subgraphs.len()));
        };

        let mut tensors = Vec::new();
        let mut values = Vec::new();
        for t in subgraph.tables(0)? {
            let shape = t
                .i32s(0)?
                .into_iter()
                .map(|d| usize::try_from(d).map_err(|_| format!("negative dimension {d}")))
                .collect::<Result<Vec<usize>>>()?;
            let name = t.str(3)?.to_string();
            let shape = Shape::new(shape).map_err(|e| format!("tensor {name}: {e}"))?;
            let buffer = t.u32(2, 0)? as usize;
            let data = match buffers.get(buffer) {
                None => return Err(format!("tensor {name} names buffer {buffer}, which is not there")),
                Some(b) => match b.u64(1)? {
                    0 => b.bytes(0)?,
                    offset => {
                        let size = b.u64(2)? as usize;
                        usize::try_from(offset)
                            .ok()
                            .and_then(|o| buf.get(o..o.checked_add(size)?))
                            .ok_or_else(|| format!("tensor {name}'s data lies past the file's end"))?
                    }
                },
            };
            let stored = Stored {
                kind: t.u8(1, 0)?,
                data,
                sparsity: t.table(6)?,
            };
            values.push(if data.is_empty() {
                None
            } else {
                Some(decode(&stored, &shape, &name)?)
            });
            tensors.push(Tensor {
                name,
                shape,
                constant: None,
            });
        }
        let index = |i: i32, what: &str| -> Result<usize> {
            usize::try_from(i)
                .ok()
                .filter(|&i| i < tensors.len())
                .ok_or_else(|| format!("{what} names tensor {i}, which is not there"))
        };
        let inputs = subgraph
            .i32s(1)?
            .into_iter()
            .map(|i| index(i, "the graph's input"))
            .collect::<Result<_>>()?;
        let outputs = subgraph
            .i32s(2)?
            .into_iter()
            .map(|i| index(i, "the graph's output"))
            .collect::<Result<_>>()?;

        let mut ops = Vec::new();
        for (n, op) in subgraph.tables(3)?.iter().enumerate() {
            let code = *codes
                .get(op.u32(0, 0)? as usize)
                .ok_or_else(|| format!("operator {n} names an operator code that is not there"))?;
            let ins = op
                .i32s(1)?
                .into_iter()
                .map(|i| {
                    if i < 0 {
                        Ok(usize::MAX)
                    } else {
                        index(i, "an operator")
                    }
                })
                .collect::<Result<Vec<usize>>>()?;
            let outs = op.i32s(2)?;
            let [out] = outs.as_slice() else {
                return Err(format!("operator {n} has {} outputs, expected one", outs.len()));
            };
            let output = index(*out, "an operator")?;
            let options = op.table(4)?;
            let input = |k: usize| -> Result<usize> {
                ins.get(k)
                    .copied()
                    .filter(|&i| i != usize::MAX)
                    .ok_or_else(|| format!("operator {n} lacks input {k}"))
            };
            let opt = |f: &dyn Fn(&Table) -> Result<i32>, default: i32| -> Result<i32> {
                options.as_ref().map_or(Ok(default), f)
            };
            let kind = match code {
                DEQUANTIZE | DENSIFY => {
                    // Folded now: the input is a constant, and so is the output.
                    let value = values[input(0)?]
                        .take()
                        .ok_or_else(|| format!("operator {n} folds a tensor that is not a constant"))?;
                    let value = match (code, value) {
                        (DEQUANTIZE, Value::F16(h)) => {
                            Value::F32(h.into_iter().map(gait_cpu::f16_to_f32).collect())
                        }
                        (DENSIFY, v) => v,
                        _ => return Err(format!("operator {n} dequantizes something other than float16")),
                    };
                    values[output] = Some(value);
                    continue;
                }
                CONV_2D | DEPTHWISE_CONV_2D => {
                    let padding = padding(opt(&|t| Ok(t.u8(0, 0)? as i32), 0)?)?;
                    let (sw, sh) = (opt(&|t| t.i32(1, 1), 1)?, opt(&|t| t.i32(2, 1), 1)?);
                    let (act_slot, dil_w, dil_h) = if code == CONV_2D { (3, 4, 5) } else { (4, 5, 6) };
                    let activation = activation(opt(&|t| Ok(t.u8(act_slot, 0)? as i32), 0)?)?;
                    if opt(&|t| t.i32(dil_w, 1), 1)? != 1 || opt(&|t| t.i32(dil_h, 1), 1)? != 1 {
                        return Err(format!("operator {n}: dilated convolutions are not supported"));
                    }
                    if sw != sh || sw < 1 {
                        return Err(format!("operator {n}: strides {sw}x{sh} are not supported"));
                    }
                    let stride = sw as usize;
                    let conv = Conv {
                        stride,
                        padding,
                        activation,
                    };
                    if code == CONV_2D {
                        OpKind::Conv2d(conv)
                    } else {
                        OpKind::DepthwiseConv2d(conv)
                    }
                }
                ADD => OpKind::Add {
                    activation: activation(opt(&|t| Ok(t.u8(0, 0)? as i32), 0)?)?,
                },
                PAD => {
                    let amounts = match values.get(input(1)?) {
                        Some(Some(Value::I32(p))) if p.len() == 8 => {
                            let mut a = [[0; 2]; 4];
                            for (k, v) in p.iter().enumerate() {
                                a[k / 2][k % 2] = usize::try_from(*v)
                                    .map_err(|_| format!("operator {n}: negative padding"))?;
                            }
                            a
                        }
                        _ => {
                            return Err(format!(
                                "operator {n}: paddings are not a constant 4x2 int32 tensor"
                            ));
                        }
                    };
                    OpKind::Pad { amounts }
                }
                MAX_POOL_2D => {
                    let padding = padding(opt(&|t| Ok(t.u8(0, 0)? as i32), 0)?)?;
                    let (sw, sh) = (opt(&|t| t.i32(1, 1), 1)?, opt(&|t| t.i32(2, 1), 1)?);
                    let (fw, fh) = (opt(&|t| t.i32(3, 1), 1)?, opt(&|t| t.i32(4, 1), 1)?);
                    if sw != sh || fw != fh || sw < 1 || fw < 1 || opt(&|t| Ok(t.u8(5, 0)? as i32), 0)? != 0 {
                        return Err(format!("operator {n}: this max pool is not supported"));
                    }
                    OpKind::MaxPool {
                        size: fw as usize,
                        stride: sw as usize,
                        padding,
                    }
                }
                RESIZE_BILINEAR => OpKind::ResizeBilinear {
                    align_corners: options.as_ref().map_or(Ok(false), |t| t.bool(2))?,
                    half_pixel_centers: options.as_ref().map_or(Ok(false), |t| t.bool(3))?,
                },
                DEPTH_TO_SPACE => {
                    let block = opt(&|t| t.i32(0, 0), 0)?;
                    if block < 1 {
                        return Err(format!("operator {n}: block size {block}"));
                    }
                    OpKind::DepthToSpace {
                        block: block as usize,
                    }
                }
                CONCATENATION => {
                    let rank = tensors[output].shape.len() as i32;
                    let axis = opt(&|t| t.i32(0, 0), 0)?;
                    let axis = if axis < 0 { axis + rank } else { axis };
                    if !(0..rank).contains(&axis) || opt(&|t| Ok(t.u8(1, 0)? as i32), 0)? != 0 {
                        return Err(format!("operator {n}: this concatenation is not supported"));
                    }
                    OpKind::Concatenation { axis: axis as usize }
                }
                RESHAPE => OpKind::Reshape,
                LOGISTIC => OpKind::Logistic,
                other => return Err(format!("operator {n}: builtin operator {other} is not supported")),
            };
            let arity = match kind {
                OpKind::Conv2d(_) | OpKind::DepthwiseConv2d(_) => 3,
                OpKind::Add { .. } => 2,
                // At least one input (a concatenation of nothing names none to read).
                OpKind::Concatenation { .. } => ins.len().max(1),
                _ => 1,
            };
            let inputs = (0..arity).map(input).collect::<Result<Vec<_>>>()?;
            ops.push(Op { kind, inputs, output });
        }

        for (tensor, value) in tensors.iter_mut().zip(values) {
            if let Some(Value::F32(v)) = value {
                if v.len() != tensor.shape.elements() {
                    return Err(format!(
                        "tensor {} holds {} values for shape {:?}",
                        tensor.name,
                        v.len(),
                        tensor.shape
                    ));
                }
                tensor.constant = Some(v);
            }
        }
        let graph = Graph {
            tensors,
            ops,
            inputs,
            outputs,
        };
        // Each tensor is computed once, before it is read: the graph's inputs and the float
        // constants are there from the start, and an operation writes a tensor nothing else has.
        let mut computed: Vec<bool> = graph.tensors.iter().map(|t| t.constant.is_some()).collect();
        for &input in &graph.inputs {
            computed[input] = true;
        }
        for (n, op) in graph.ops.iter().enumerate() {
            if let Some(&t) = op.inputs.iter().find(|&&t| !computed[t]) {
                return Err(format!(
                    "operator {n} reads tensor {} before anything computes it",
                    graph.tensors[t].name
                ));
            }
            if std::mem::replace(&mut computed[op.output], true) {
                return Err(format!(
                    "operator {n} writes tensor {}, which is an input, a constant or already computed",
                    graph.tensors[op.output].name
                ));
            }
            graph
                .check(op)
                .map_err(|e| format!("operator {n} ({:?}): {e}", op.kind))?;
        }
        if let Some(&t) = graph.outputs.iter().find(|&&t| !computed[t]) {
            return Err(format!("the output {} is never computed", graph.tensors[t].name));
        }
        Ok(graph)
    }

    fn shape(&self, tensor: usize) -> &[usize] {
        &self.tensors[tensor].shape
    }

    /// Checks that an operation's tensors have the shapes its kernel relies on.
    fn check(&self, op: &Op) -> Result<()> {
        let out = self.shape(op.output);
        let input = self.shape(op.inputs[0]);
        let nhwc = |s: &[usize]| -> Result<[usize; 4]> {
            match *s {
                [1, h, w, c] => Ok([1, h, w, c]),
                _ => Err(format!("shape {s:?} is not [1, height, width, channels]")),
            }
        };
        let constant = |t: usize, len: usize| -> Result<()> {
            match &self.tensors[t].constant {
                Some(v) if v.len() == len => Ok(()),
                _ => Err(format!(
                    "tensor {} is not a constant of {len} values",
                    self.tensors[t].name
                )),
            }
        };
        let expect = |want: [usize; 4]| -> Result<()> {
            if out == want {
                Ok(())
            } else {
                Err(format!("output {out:?}, expected {want:?}"))
            }
        };
        match op.kind {
            OpKind::Conv2d(Conv { stride, padding, .. })
            | OpKind::DepthwiseConv2d(Conv { stride, padding, .. }) => {
                let [_, h, w, c] = nhwc(input)?;
                let [fo, kh, kw, fi] = nhwc_any(self.shape(op.inputs[1]))?;
                let depthwise = matches!(op.kind, OpKind::DepthwiseConv2d(_));
                let channels = if depthwise {
                    if kh * kw > crate::ops::MAX_TAPS {
                        return Err(format!(
                            "a {kh}x{kw} depthwise window is larger than supported (7x7)"
                        ));
                    }
                    if fo != 1 || fi != c {
                        return Err(format!(
                            "depthwise filter [{fo}, {kh}, {kw}, {fi}] for {c} channels"
                        ));
                    }
                    c
                } else {
                    if fi != c {
                        return Err(format!("filter [{fo}, {kh}, {kw}, {fi}] for {c} channels"));
                    }
                    fo
                };
                constant(op.inputs[1], fo * kh * kw * fi)?;
                constant(op.inputs[2], channels)?;
                let oh = out_size(h, kh, stride, padding)?;
                let ow = out_size(w, kw, stride, padding)?;
                if !depthwise {
                    // The patches a convolution gathers for its product are bounded as tensors are.
                    Shape::new(vec![oh, ow, kh, kw, c]).map_err(|e| format!("its patches: {e}"))?;
                }
                expect([1, oh, ow, channels])
            }
            OpKind::Add { .. } => {
                if input != self.shape(op.inputs[1]) || input != out {
                    return Err(format!(
                        "adds {input:?} and {:?} into {out:?}",
                        self.shape(op.inputs[1])
                    ));
                }
                Ok(())
            }
            OpKind::Pad { amounts } => {
                let s = nhwc_any(input)?;
                let want = std::array::from_fn(|k| s[k] + amounts[k][0] + amounts[k][1]);
                if want[0] != 1 {
                    return Err("batch padding".into());
                }
                expect(want)
            }
            OpKind::MaxPool {
                size,
                stride,
                padding,
            } => {
                let [_, h, w, c] = nhwc(input)?;
                expect([
                    1,
                    out_size(h, size, stride, padding)?,
                    out_size(w, size, stride, padding)?,
                    c,
                ])
            }
            OpKind::ResizeBilinear { .. } => {
                let [_, _, _, c] = nhwc(input)?;
                let [_, oh, ow, oc] = nhwc(out)?;
                if oc != c || oh == 0 || ow == 0 {
                    return Err(format!("resizes {input:?} to {out:?}"));
                }
                Ok(())
            }
            OpKind::DepthToSpace { block } => {
                let [_, h, w, c] = nhwc(input)?;
                if !c.is_multiple_of(block * block) {
                    return Err(format!("{c} channels for block {block}"));
                }
                expect([1, h * block, w * block, c / (block * block)])
            }
            OpKind::Concatenation { axis } => {
                let mut along = 0;
                for &t in &op.inputs {
                    let s = self.shape(t);
                    let same = s.len() == out.len()
                        && s.iter()
                            .zip(out)
                            .enumerate()
                            .all(|(k, (a, b))| k == axis || a == b);
                    if !same {
                        return Err(format!("concatenates {s:?} into {out:?} along axis {axis}"));
                    }
                    along += s[axis];
                }
                if along != out[axis] {
                    return Err(format!(
                        "inputs sum to {along} along axis {axis}, output has {}",
                        out[axis]
                    ));
                }
                Ok(())
            }
            OpKind::Reshape | OpKind::Logistic => {
                if self.tensors[op.inputs[0]].shape.elements() != self.tensors[op.output].shape.elements() {
                    return Err(format!("{input:?} into {out:?}"));
                }
                Ok(())
            }
        }
    }
}

fn nhwc_any(s: &[usize]) -> Result<[usize; 4]> {
    s.try_into()
        .map_err(|_| format!("shape {s:?} does not have four dimensions"))
}

/// The output size of a window of `k` moved by `stride` over `n`, as TFLite computes it.
pub(crate) fn out_size(n: usize, k: usize, stride: usize, padding: Padding) -> Result<usize> {
    match padding {
        Padding::Same => Ok(n.div_ceil(stride)),
        Padding::Valid if n >= k => Ok((n - k) / stride + 1),
        Padding::Valid => Err(format!("a window of {k} does not fit in {n}")),
    }
}

/// How much `SAME` padding goes before the input: half the total, rounded down, as TFLite does.
pub(crate) fn pad_before(n: usize, k: usize, stride: usize, padding: Padding) -> usize {
    match padding {
        Padding::Valid => 0,
        Padding::Same => ((n.div_ceil(stride) - 1) * stride + k).saturating_sub(n) / 2,
    }
}

fn padding(code: i32) -> Result<Padding> {
    match code {
        0 => Ok(Padding::Same),
        1 => Ok(Padding::Valid),
        other => Err(format!("padding {other} is not supported")),
    }
}

fn activation(code: i32) -> Result<Activation> {
    match code {
        0 => Ok(Activation::None),
        1 => Ok(Activation::Relu),
        3 => Ok(Activation::Relu6),
        other => Err(format!("fused activation {other} is not supported")),
    }
}

/// Reads a stored constant, expanding a sparse one to its dense shape.
fn decode(stored: &Stored, shape: &Shape, name: &str) -> Result<Value> {
    let size = match stored.kind {
        FLOAT32 | INT32 => 4,
        FLOAT16 => 2,
        other => return Err(format!("tensor {name} has type {other}, which is not supported")),
    };
    if !stored.data.len().is_multiple_of(size) {
        return Err(format!("tensor {name}'s data is not a whole number of values"));
    }
    let words = stored.data.chunks_exact(size);
    let value = match stored.kind {
        FLOAT32 => Value::F32(
            words
                .map(|w| f32::from_le_bytes(w.try_into().expect("4")))
                .collect(),
        ),
        INT32 => Value::I32(
            words
                .map(|w| i32::from_le_bytes(w.try_into().expect("4")))
                .collect(),
        ),
        _ => Value::F16(
            words
                .map(|w| u16::from_le_bytes(w.try_into().expect("2")))
                .collect(),
        ),
    };
    match stored.sparsity {
        None => Ok(value),
        Some(sparsity) => densify(value, shape, &sparsity).map_err(|e| format!("sparse tensor {name}: {e}")),
    }
}

/// Expands a sparse tensor stored with TFLite's compressed formats (no block maps) to a dense one.
///
/// Each dimension, in traversal order, is dense (every index present) or compressed (CSR: the
/// segments of the parent's position give the range of stored indices).
fn densify(value: Value, shape: &Shape, sparsity: &Table) -> Result<Value> {
    let order = sparsity.i32s(0)?;
    if !sparsity.i32s(1)?.is_empty()
        || order.iter().enumerate().any(|(k, &d)| d != k as i32)
        || order.len() != shape.len()
    {
        return Err("only identity traversal orders without blocks are supported".into());
    }
    let levels = sparsity
        .tables(2)?
        .iter()
        .map(|dim| -> Result<Level> {
            if dim.u8(0, 0)? == 0 {
                return Ok(Level::Dense(dim.i32(1, 0)?.max(0) as usize));
            }
            let vector = |type_slot: usize, value_slot: usize| -> Result<Vec<usize>> {
                let t = dim
                    .table(value_slot)?
                    .ok_or("a compressed dimension lacks its arrays")?;
                Ok(match dim.u8(type_slot, 0)? {
                    1 => t.i32s(0)?.into_iter().map(|v| v.max(0) as usize).collect(),
                    2 => t.u16s(0)?.into_iter().map(usize::from).collect(),
                    3 => t.bytes(0)?.iter().map(|&v| v as usize).collect(),
                    other => return Err(format!("index vector type {other}")),
                })
            };
            Ok(Level::Compressed {
                segments: vector(2, 3)?,
                indices: vector(4, 5)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if levels.len() != shape.len() {
        return Err("dimension metadata does not match the shape".into());
    }
    // Bounded by the checked shape: nothing larger is ever allocated.
    let dense_len = shape.elements();
    fn expand<T: Copy + Default>(
        stored: &[T],
        shape: &[usize],
        levels: &[Level],
        dense_len: usize,
    ) -> Result<Vec<T>> {
        let mut out = vec![T::default(); dense_len];
        // (level, position in that level's storage, dense offset so far)
        let mut stack = vec![(0usize, 0usize, 0usize)];
        while let Some((level, pos, offset)) = stack.pop() {
            if level == levels.len() {
                *out.get_mut(offset).ok_or("an index is out of range")? =
                    *stored.get(pos).ok_or("too few stored values")?;
                continue;
            }
            let dim = shape[level];
            match &levels[level] {
                Level::Dense(size) => {
                    if *size != dim {
                        return Err("a dense dimension's size differs from the shape".into());
                    }
                    for i in 0..dim {
                        stack.push((level + 1, pos * dim + i, offset * dim + i));
                    }
                }
                Level::Compressed { segments, indices } => {
                    let (&start, &end) = (
                        segments.get(pos).ok_or("segments too short")?,
                        segments.get(pos + 1).ok_or("segments too short")?,
                    );
                    for j in start..end {
                        let i = *indices.get(j).ok_or("indices too short")?;
                        if i >= dim {
                            return Err("an index is out of range".into());
                        }
                        stack.push((level + 1, j, offset * dim + i));
                    }
                }
            }
        }
        Ok(out)
    }
    Ok(match value {
        Value::F32(v) => Value::F32(expand(&v, shape, &levels, dense_len)?),
        Value::F16(v) => Value::F16(expand(&v, shape, &levels, dense_len)?),
        Value::I32(v) => Value::I32(expand(&v, shape, &levels, dense_len)?),
    })
}

enum Level {
    Dense(usize),
    Compressed {
        segments: Vec<usize>,
        indices: Vec<usize>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_padding_matches_tflite() {
        // 256 -> 128 with a 3x3 window and stride 2: total padding 1, none before.
        assert_eq!(out_size(256, 3, 2, Padding::Same).unwrap(), 128);
        assert_eq!(pad_before(256, 3, 2, Padding::Same), 0);
        // stride 1, 5x5: 2 before.
        assert_eq!(pad_before(64, 5, 1, Padding::Same), 2);
        assert_eq!(out_size(10, 2, 1, Padding::Valid).unwrap(), 9);
        assert!(out_size(1, 2, 1, Padding::Valid).is_err());
    }
}
