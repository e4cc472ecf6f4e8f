//! Constants as stored in a model: float32, float16 or int32 words, dense or sparse (TFLite's
//! compressed formats), read into values; float16 and sparse weights become dense `f32` once,
//! when the model is read (what `DEQUANTIZE` and `DENSIFY` would do per run).

use crate::flatbuffer::Table;
use crate::shape::Shape;

use super::schema::{sparsity, tensor};
use crate::graph::Result;

/// A tensor as stored: type, raw bytes, and sparsity if any.
pub(crate) struct Stored<'a> {
    pub(crate) kind: u8,
    pub(crate) data: &'a [u8],
    pub(crate) sparsity: Option<Table<'a>>,
}

/// Constants by their stored type, before they become `f32`.
pub(crate) enum Value {
    F32(Vec<f32>),
    F16(Vec<u16>),
    I32(Vec<i32>),
}

/// Reads a stored constant, expanding a sparse one to its dense shape.
pub(crate) fn decode(stored: &Stored, shape: &Shape, name: &str) -> Result<Value> {
    let size = match stored.kind {
        tensor::FLOAT32 | tensor::INT32 => 4,
        tensor::FLOAT16 => 2,
        other => return Err(format!("tensor {name} has type {other}, which is not supported")),
    };
    if !stored.data.len().is_multiple_of(size) {
        return Err(format!("tensor {name}'s data is not a whole number of values"));
    }
    let words = stored.data.chunks_exact(size);
    let value = match stored.kind {
        tensor::FLOAT32 => Value::F32(
            words
                .map(|w| f32::from_le_bytes(w.try_into().expect("4")))
                .collect(),
        ),
        tensor::INT32 => Value::I32(
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
        Some(params) => densify(value, shape, &params).map_err(|e| format!("sparse tensor {name}: {e}")),
    }
}

/// Expands a sparse tensor stored with TFLite's compressed formats (no block maps) to a dense one.
///
/// Each dimension, in traversal order, is dense (every index present) or compressed (CSR: the
/// segments of the parent's position give the range of stored indices).
fn densify(value: Value, shape: &Shape, params: &Table) -> Result<Value> {
    let order = params.i32s(sparsity::TRAVERSAL_ORDER)?;
    if !params.i32s(sparsity::BLOCK_MAP)?.is_empty()
        || order.iter().enumerate().any(|(k, &d)| d != k as i32)
        || order.len() != shape.len()
    {
        return Err("only identity traversal orders without blocks are supported".into());
    }
    let levels = params
        .tables(sparsity::DIM_METADATA)?
        .iter()
        .map(|dim| -> Result<Level> {
            if dim.u8(sparsity::FORMAT, 0)? == 0 {
                return Ok(Level::Dense(dim.i32(sparsity::DENSE_SIZE, 0)?.max(0) as usize));
            }
            let vector = |type_slot: usize, value_slot: usize| -> Result<Vec<usize>> {
                let t = dim
                    .table(value_slot)?
                    .ok_or("a compressed dimension lacks its arrays")?;
                Ok(match dim.u8(type_slot, 0)? {
                    1 => t
                        .i32s(sparsity::VALUES)?
                        .into_iter()
                        .map(|v| v.max(0) as usize)
                        .collect(),
                    2 => t.u16s(sparsity::VALUES)?.into_iter().map(usize::from).collect(),
                    3 => t.bytes(sparsity::VALUES)?.iter().map(|&v| v as usize).collect(),
                    other => return Err(format!("index vector type {other}")),
                })
            };
            Ok(Level::Compressed {
                segments: vector(sparsity::SEGMENTS_TYPE, sparsity::SEGMENTS)?,
                indices: vector(sparsity::INDICES_TYPE, sparsity::INDICES)?,
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
