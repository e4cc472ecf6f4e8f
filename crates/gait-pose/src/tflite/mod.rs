//! The part of the TFLite model format that MediaPipe's pose models use, read into a [`Graph`].
//!
//! Weights stored as float16 (`DEQUANTIZE`) and as sparse tensors (`DENSIFY`) are expanded to
//! dense `f32` constants when the file is read ([`constant`]), so that what runs per frame is
//! only the operations of [`crate::ops`]. Every operation's options are read and its shapes
//! checked here, once, through its [`Operator`]: a model that reads must also run. The schema's
//! field numbers are named in [`schema`].

pub(crate) mod constant;
pub(crate) mod schema;

use crate::flatbuffer::Table;
pub(crate) use crate::graph::{Graph, Op, Result, Tensor};
use crate::ops::conv::Conv2d;
use crate::ops::depthwise::DepthwiseConv2d;
use crate::ops::elementwise::{Add, Logistic};
use crate::ops::layout::{Concatenation, DepthToSpace, Pad, Reshape};
use crate::ops::pool::{MaxPool, ResizeBilinear};
use crate::ops::{Operator, Parse, Shapes};
use crate::shape::Shape;
use constant::{Stored, Value, decode};
use schema::builtin;

/// Reads the options of the operation with builtin code `code` (not those folded into constants,
/// which the reader handles itself).
fn operator(code: i32, p: &Parse) -> Result<Box<dyn Operator>> {
    Ok(match code {
        builtin::CONV_2D => Box::new(Conv2d::parse(p)?),
        builtin::DEPTHWISE_CONV_2D => Box::new(DepthwiseConv2d::parse(p)?),
        builtin::ADD => Box::new(Add::parse(p)?),
        builtin::PAD => Box::new(Pad::parse(p)?),
        builtin::MAX_POOL_2D => Box::new(MaxPool::parse(p)?),
        builtin::RESIZE_BILINEAR => Box::new(ResizeBilinear::parse(p)?),
        builtin::DEPTH_TO_SPACE => Box::new(DepthToSpace::parse(p)?),
        builtin::CONCATENATION => Box::new(Concatenation::parse(p)?),
        builtin::RESHAPE => Box::new(Reshape),
        builtin::LOGISTIC => Box::new(Logistic),
        other => return Err(format!("builtin operator {other} is not supported")),
    })
}

/// Reads a `.tflite` file's bytes.
pub(crate) fn read(buf: &[u8]) -> Result<Graph> {
    use schema::{buffer, model, operator as op_slot, operator_code, subgraph, tensor};
    if buf.len() < 8 || &buf[4..8] != b"TFL3" {
        return Err("not a TFLite model (no TFL3 identifier)".into());
    }
    let model = Table::root(buf)?;
    let codes = model
        .tables(model::OPERATOR_CODES)?
        .iter()
        .map(|c| {
            let deprecated = c.u8(operator_code::DEPRECATED_BUILTIN_CODE, 0)? as i8 as i32;
            Ok(deprecated.max(c.i32(operator_code::BUILTIN_CODE, 0)?))
        })
        .collect::<Result<Vec<i32>>>()?;
    let buffers = model.tables(model::BUFFERS)?;
    let subgraphs = model.tables(model::SUBGRAPHS)?;
    let [subgraph] = subgraphs.as_slice() else {
        return Err(format!("{} subgraphs, expected one", subgraphs.len()));
    };

    let mut tensors = Vec::new();
    let mut values = Vec::new();
    for t in subgraph.tables(subgraph::TENSORS)? {
        let shape = t
            .i32s(tensor::SHAPE)?
            .into_iter()
            .map(|d| usize::try_from(d).map_err(|_| format!("negative dimension {d}")))
            .collect::<Result<Vec<usize>>>()?;
        let name = t.str(tensor::NAME)?.to_string();
        let shape = Shape::new(shape).map_err(|e| format!("tensor {name}: {e}"))?;
        let buffer = t.u32(tensor::BUFFER, 0)? as usize;
        let data = match buffers.get(buffer) {
            None => return Err(format!("tensor {name} names buffer {buffer}, which is not there")),
            Some(b) => match b.u64(buffer::OFFSET)? {
                0 => b.bytes(buffer::DATA)?,
                offset => {
                    let size = b.u64(buffer::SIZE)? as usize;
                    usize::try_from(offset)
                        .ok()
                        .and_then(|o| buf.get(o..o.checked_add(size)?))
                        .ok_or_else(|| format!("tensor {name}'s data lies past the file's end"))?
                }
            },
        };
        let stored = Stored {
            kind: t.u8(tensor::TYPE, 0)?,
            data,
            sparsity: t.table(tensor::SPARSITY)?,
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
        .i32s(subgraph::INPUTS)?
        .into_iter()
        .map(|i| index(i, "the graph's input"))
        .collect::<Result<_>>()?;
    let outputs = subgraph
        .i32s(subgraph::OUTPUTS)?
        .into_iter()
        .map(|i| index(i, "the graph's output"))
        .collect::<Result<_>>()?;

    let mut ops = Vec::new();
    for (n, op) in subgraph.tables(subgraph::OPERATORS)?.iter().enumerate() {
        let code = *codes
            .get(op.u32(op_slot::OPCODE_INDEX, 0)? as usize)
            .ok_or_else(|| format!("operator {n} names an operator code that is not there"))?;
        let ins = op
            .i32s(op_slot::INPUTS)?
            .into_iter()
            .map(|i| {
                if i < 0 {
                    Ok(usize::MAX)
                } else {
                    index(i, "an operator")
                }
            })
            .collect::<Result<Vec<usize>>>()?;
        let outs = op.i32s(op_slot::OUTPUTS)?;
        let [out] = outs.as_slice() else {
            return Err(format!("operator {n} has {} outputs, expected one", outs.len()));
        };
        let output = index(*out, "an operator")?;
        let input = |k: usize| -> Result<usize> {
            ins.get(k)
                .copied()
                .filter(|&i| i != usize::MAX)
                .ok_or_else(|| format!("operator {n} lacks input {k}"))
        };
        if code == builtin::DEQUANTIZE || code == builtin::DENSIFY {
            // Folded now: the input is a constant, and so is the output.
            let value = values[input(0)?]
                .take()
                .ok_or_else(|| format!("operator {n} folds a tensor that is not a constant"))?;
            values[output] = Some(match (code, value) {
                (builtin::DEQUANTIZE, Value::F16(h)) => {
                    Value::F32(h.into_iter().map(gait_cpu::f16_to_f32).collect())
                }
                (builtin::DENSIFY, v) => v,
                _ => return Err(format!("operator {n} dequantizes something other than float16")),
            });
            continue;
        }
        let parse = Parse {
            options: op.table(op_slot::BUILTIN_OPTIONS)?,
            inputs: &ins,
            constants: &values,
            output_rank: tensors[output].shape.len(),
        };
        let operator = operator(code, &parse).map_err(|e| format!("operator {n}: {e}"))?;
        let inputs = (0..operator.arity(ins.len()))
            .map(input)
            .collect::<Result<Vec<_>>>()?;
        ops.push(Op {
            operator,
            inputs,
            output,
        });
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
            // A weight that is not a number makes every landmark NaN: refused here, by name.
            if v.iter().any(|x| !x.is_finite()) {
                return Err(format!(
                    "tensor {} holds a value that is not a finite number: the model is damaged",
                    tensor.name
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
        let shapes = Shapes {
            graph: &graph,
            inputs: &op.inputs,
            output: op.output,
        };
        op.operator
            .check(&shapes)
            .map_err(|e| format!("operator {n} ({:?}): {e}", op.operator))?;
    }
    if let Some(&t) = graph.outputs.iter().find(|&&t| !computed[t]) {
        return Err(format!("the output {} is never computed", graph.tensors[t].name));
    }
    Ok(graph)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_weight_that_is_not_a_number_is_refused() {
        let mut bytes = std::fs::read(crate::default_model_dir().join("pose_detection.tflite")).unwrap();
        // The first weight of the detector's first float tensor with stored values, made NaN.
        let (at, kind) = {
            use schema::{buffer, model, subgraph, tensor};
            let root = Table::root(&bytes).unwrap();
            let buffers = root.tables(model::BUFFERS).unwrap();
            let graph = &root.tables(model::SUBGRAPHS).unwrap()[0];
            graph
                .tables(subgraph::TENSORS)
                .unwrap()
                .iter()
                .find_map(|t| {
                    let kind = t.u8(tensor::TYPE, 0).ok()?;
                    let data = buffers
                        .get(t.u32(tensor::BUFFER, 0).ok()? as usize)?
                        .bytes(buffer::DATA)
                        .ok()?;
                    let float = kind == tensor::FLOAT32 || kind == tensor::FLOAT16;
                    (float && !data.is_empty())
                        .then(|| (data.as_ptr() as usize - bytes.as_ptr() as usize, kind))
                })
                .unwrap()
        };
        if kind == schema::tensor::FLOAT16 {
            bytes[at..at + 2].copy_from_slice(&0x7e00u16.to_le_bytes());
        } else {
            bytes[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        }
        let err = read(&bytes).unwrap_err();
        assert!(err.contains("not a finite number"), "{err}");
    }
}
