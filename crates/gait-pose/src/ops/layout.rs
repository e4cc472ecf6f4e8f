//! `PAD`, `RESHAPE`, `CONCATENATION` and `DEPTH_TO_SPACE`: values moved, none computed.

use crate::tflite::schema::{concatenation, depth_to_space as d2s};

use super::{Hwc, Io, Operator, Parse, Result, Shapes, four, nhwc};

/// Requires input and output to hold as many values (a reshape, an element-wise function).
pub(crate) fn same_count(s: &Shapes) -> Result<()> {
    let count = |t: usize| s.graph.tensors[t].shape.elements();
    if count(s.inputs[0]) != count(s.output) {
        return Err(format!("{:?} into {:?}", s.input(0), s.output()));
    }
    Ok(())
}

/// `PAD` with zeros; the amounts `[[before, after]; 4]` come from a constant input.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pad {
    pub(crate) amounts: [[usize; 2]; 4],
}

impl Pad {
    pub(crate) fn parse(p: &Parse) -> Result<Self> {
        let Some(values) = p.int32_input(1).filter(|v| v.len() == 8) else {
            return Err("paddings are not a constant 4x2 int32 tensor".into());
        };
        let mut amounts = [[0; 2]; 4];
        for (k, v) in values.iter().enumerate() {
            amounts[k / 2][k % 2] = usize::try_from(*v).map_err(|_| "negative padding".to_string())?;
        }
        Ok(Pad { amounts })
    }
}

impl Operator for Pad {
    fn check(&self, s: &Shapes) -> Result<()> {
        let d = four(s.input(0))?;
        let want: [usize; 4] = std::array::from_fn(|k| d[k] + self.amounts[k][0] + self.amounts[k][1]);
        if want[0] != 1 {
            return Err("batch padding".into());
        }
        s.expect(want)
    }

    fn run(&self, io: &mut Io, out: &mut [f32]) {
        pad(io.data(0), io.hwc(0), &self.amounts, out);
    }

    fn spatial_padding(&self) -> Option<[[usize; 2]; 2]> {
        let [batch, height, width, channels] = self.amounts;
        (batch == [0, 0] && channels == [0, 0]).then_some([height, width])
    }
}

/// `RESHAPE`: the same values under another shape.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reshape;

impl Operator for Reshape {
    fn check(&self, s: &Shapes) -> Result<()> {
        same_count(s)
    }

    fn run(&self, io: &mut Io, out: &mut [f32]) {
        out.copy_from_slice(io.data(0));
    }
}

/// `CONCATENATION` along one axis, no activation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Concatenation {
    pub(crate) axis: usize,
}

impl Concatenation {
    pub(crate) fn parse(p: &Parse) -> Result<Self> {
        let rank = p.output_rank as i32;
        let axis = p.i32(concatenation::AXIS, 0)?;
        let axis = if axis < 0 { axis + rank } else { axis };
        if !(0..rank).contains(&axis) || p.u8(concatenation::ACTIVATION, 0)? != 0 {
            return Err("this concatenation is not supported".into());
        }
        Ok(Concatenation { axis: axis as usize })
    }
}

impl Operator for Concatenation {
    /// Every input it lists, at least one (a concatenation of nothing names none to read).
    fn arity(&self, listed: usize) -> usize {
        listed.max(1)
    }

    fn check(&self, s: &Shapes) -> Result<()> {
        let (out, axis) = (s.output(), self.axis);
        let mut along = 0;
        for k in 0..s.inputs.len() {
            let shape = s.input(k);
            let same = shape.len() == out.len()
                && shape
                    .iter()
                    .zip(out)
                    .enumerate()
                    .all(|(d, (a, b))| d == axis || a == b);
            if !same {
                return Err(format!("concatenates {shape:?} into {out:?} along axis {axis}"));
            }
            along += shape[axis];
        }
        if along != out[axis] {
            return Err(format!(
                "inputs sum to {along} along axis {axis}, output has {}",
                out[axis]
            ));
        }
        Ok(())
    }

    fn run(&self, io: &mut Io, out: &mut [f32]) {
        let outer: usize = io.shape(0)[..self.axis].iter().product();
        let mut at = 0;
        for o in 0..outer {
            for k in 0..io.inputs.len() {
                let inner: usize = io.shape(k)[self.axis..].iter().product();
                out[at..at + inner].copy_from_slice(&io.data(k)[o * inner..][..inner]);
                at += inner;
            }
        }
    }
}

/// `DEPTH_TO_SPACE`: blocks of channels moved into `block x block` tiles.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DepthToSpace {
    pub(crate) block: usize,
}

impl DepthToSpace {
    pub(crate) fn parse(p: &Parse) -> Result<Self> {
        let block = p.i32(d2s::BLOCK_SIZE, 0)?;
        if block < 1 {
            return Err(format!("block size {block}"));
        }
        Ok(DepthToSpace {
            block: block as usize,
        })
    }
}

impl Operator for DepthToSpace {
    fn check(&self, s: &Shapes) -> Result<()> {
        let block = self.block;
        let [_, h, w, c] = nhwc(s.input(0))?;
        if !c.is_multiple_of(block * block) {
            return Err(format!("{c} channels for block {block}"));
        }
        s.expect([1, h * block, w * block, c / (block * block)])
    }

    fn run(&self, io: &mut Io, out: &mut [f32]) {
        depth_to_space(io.data(0), io.hwc(0), self.block, out);
    }
}

/// Zero padding of an NHWC tensor (batch one; the batch amounts are zero).
pub(crate) fn pad(input: &[f32], [h, w, c]: Hwc, amounts: &[[usize; 2]; 4], out: &mut [f32]) {
    let (ow, oc) = (
        w + amounts[2][0] + amounts[2][1],
        c + amounts[3][0] + amounts[3][1],
    );
    out.fill(0.0);
    for y in 0..h {
        for x in 0..w {
            let at = ((y + amounts[1][0]) * ow + x + amounts[2][0]) * oc + amounts[3][0];
            out[at..at + c].copy_from_slice(&input[(y * w + x) * c..][..c]);
        }
    }
}

/// Moves blocks of channels into `block x block` spatial tiles (TFLite's `DEPTH_TO_SPACE`).
pub(crate) fn depth_to_space(input: &[f32], [h, w, c]: Hwc, block: usize, out: &mut [f32]) {
    let oc = c / (block * block);
    let ow = w * block;
    for y in 0..h {
        for x in 0..w {
            let pixel = &input[(y * w + x) * c..][..c];
            for i in 0..block {
                for j in 0..block {
                    let at = ((y * block + i) * ow + x * block + j) * oc;
                    out[at..at + oc].copy_from_slice(&pixel[(i * block + j) * oc..][..oc]);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_to_space_moves_channels_into_tiles() {
        // One pixel with channels 0..4 becomes a 2x2 tile of one channel.
        let mut out = vec![0.0; 4];
        depth_to_space(&[0.0, 1.0, 2.0, 3.0], [1, 1, 4], 2, &mut out);
        assert_eq!(out, [0.0, 1.0, 2.0, 3.0]);
        // Two channels per output pixel.
        let input: Vec<f32> = (0..8).map(|v| v as f32).collect();
        let mut out = vec![0.0; 8];
        depth_to_space(&input, [1, 1, 8], 2, &mut out);
        assert_eq!(out, input);
    }

    #[test]
    fn pad_surrounds_with_zeros() {
        let mut out = vec![9.0; 2 * 3];
        pad(
            &[1.0, 2.0],
            [1, 2, 1],
            &[[0, 0], [1, 0], [0, 1], [0, 0]],
            &mut out,
        );
        assert_eq!(out, [0.0, 0.0, 0.0, 1.0, 2.0, 0.0]);
    }
}
