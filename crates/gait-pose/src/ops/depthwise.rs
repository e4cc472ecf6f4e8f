//! `DEPTHWISE_CONV_2D` with a depth multiplier of one: each channel convolved alone, pixels in
//! blocks of channels whose sums stay in registers over the window.

use std::ops::Range;

use crate::geometry::{Activation, Grid, out_size};
use crate::tflite::schema::depthwise_conv2d as slot;

use super::conv::{Conv, Operands};
use super::{Io, Operator, Parse, Result, Shapes, for_rows, four, nhwc};

/// `DEPTHWISE_CONV_2D`. Inputs: activation, filter `[1, kh, kw, channels]`, bias `[channels]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DepthwiseConv2d(pub(crate) Conv);

impl DepthwiseConv2d {
    pub(crate) fn parse(p: &Parse) -> Result<Self> {
        Ok(DepthwiseConv2d(Conv::parse(p, slot::CONV)?))
    }
}

impl Operator for DepthwiseConv2d {
    fn arity(&self, _listed: usize) -> usize {
        3
    }

    fn check(&self, s: &Shapes) -> Result<()> {
        let Conv { stride, padding, .. } = self.0;
        let [_, h, w, c] = nhwc(s.input(0))?;
        let [fo, kh, kw, fi] = four(s.input(1))?;
        if fo != 1 || fi != c {
            return Err(format!(
                "depthwise filter [{fo}, {kh}, {kw}, {fi}] for {c} channels"
            ));
        }
        s.constant(1, kh * kw * c)?;
        s.constant(2, c)?;
        let [oh, ow] = out_size([h, w], [kh, kw], stride, padding)?;
        s.expect([1, oh, ow, c])
    }

    fn run(&self, io: &mut Io, out: &mut [f32]) {
        let f = io.shape(1);
        let window = [f[1], f[2]];
        depthwise_conv2d(
            (io.data(0), io.hwc(0), io.data(1), io.data(2)),
            (window, self.0),
            out,
        );
    }

    fn padded(&self, amounts: [[usize; 2]; 2]) -> Option<Box<dyn Operator>> {
        Some(Box::new(DepthwiseConv2d(self.0.padded(amounts)?)))
    }
}

/// A depthwise convolution (multiplier 1) with `filter` as `[kh, kw, c]`.
pub(crate) fn depthwise_conv2d(
    (input, [h, w, c], filter, bias): Operands,
    ([kh, kw], conv): ([usize; 2], Conv),
    out: &mut [f32],
) {
    let (stride, padding) = (conv.stride, conv.padding);
    let [oh, ow] = out_size([h, w], [kh, kw], stride, padding).unwrap_or_default();
    let op = Depthwise {
        input,
        channels: c,
        filter,
        bias,
        grid: Grid::new([kh, kw], stride, padding, [h, w]),
        activation: conv.activation,
    };
    for_rows(out, ow * c, oh * ow * c * kh * kw, |oy, row| {
        depthwise_row(&op, oy, row)
    });
}

/// A depthwise convolution's operands, for one output row at a time.
struct Depthwise<'a> {
    input: &'a [f32],
    channels: usize,
    filter: &'a [f32],
    bias: &'a [f32],
    grid: Grid,
    activation: Activation,
}

/// Neighbouring output pixels summed together, each filter weight loaded once for all of them.
const PIXELS: usize = 4;

impl Depthwise<'_> {
    /// Channels `first..first + L` of the `P` output pixels from column `ox` of one output row,
    /// summed in registers from the bias over the taps of their windows that fall inside the
    /// input, in the window's order: window rows `rows` (the first at input row `iy`) by window
    /// columns `columns` (the first at input column `ix` for pixel `ox`).
    #[inline(always)]
    fn pixels<const P: usize, const L: usize>(
        &self,
        [(rows, iy), (columns, ix)]: [(Range<usize>, usize); 2],
        first: usize,
        out: &mut [f32],
    ) {
        let (c, s, kw, w) = (
            self.channels,
            self.grid.stride(),
            self.grid.size()[1],
            self.grid.input()[1],
        );
        assert!(
            first + L <= c && columns.end <= kw,
            "depthwise: channels {first}..{} of {c}, window columns {columns:?} of {kw}",
            first + L
        );
        // The P windows' taps in one input row, and one window row's weights from `columns.start`.
        let (span, taps) = (((P - 1) * s + columns.len()) * c, columns.len() * c);
        let bias: &[f32; L] = self.bias[first..first + L].try_into().expect("L channels");
        let mut sum = [*bias; P];
        // A window wholly in the padding across has no taps.
        let rows = if columns.is_empty() { 0..0 } else { rows };
        for (y, ky) in rows.enumerate() {
            let line = &self.input[((iy + y) * w + ix) * c..][..span];
            let weights = &self.filter[(ky * kw + columns.start) * c..][..taps];
            for x in 0..columns.len() {
                #[allow(unsafe_code)]
                // SAFETY: `x * c + first + l` is below `columns.len() * c`, the length of
                // `weights`, as `first + L <= c` (checked above).
                let f: [f32; L] =
                    std::array::from_fn(|l| unsafe { *weights.get_unchecked(x * c + first + l) });
                for (p, sum) in sum.iter_mut().enumerate() {
                    let at = (p * s + x) * c + first;
                    for l in 0..L {
                        #[allow(unsafe_code)]
                        // SAFETY: `at + l` is below `((P - 1) * s + columns.len()) * c`, the
                        // length of `line`, as `first + L <= c`. Checked indices here left the
                        // sums in registers but added a dozen compares a tap, and ran no faster
                        // than one pixel at a time (`perf`).
                        let x = unsafe { *line.get_unchecked(at + l) };
                        sum[l] += x * f[l];
                    }
                }
            }
        }
        for (p, sum) in sum.iter().enumerate() {
            out[p * c + first..][..L].copy_from_slice(sum);
        }
    }

    /// The `P` output pixels from column `ox` of output row `oy`, into `out` from that pixel on:
    /// their channels in blocks of 16, then 8, then one by one (see [`Self::pixels`]).
    #[inline(always)]
    fn run<const P: usize>(&self, oy: usize, ox: usize, out: &mut [f32]) {
        let window = [self.grid.taps_inside(0, oy), self.grid.taps_inside(1, ox)];
        let c = self.channels;
        let mut first = 0;
        while first + 16 <= c {
            self.pixels::<P, 16>(window.clone(), first, out);
            first += 16;
        }
        while first + 8 <= c {
            self.pixels::<P, 8>(window.clone(), first, out);
            first += 8;
        }
        while first < c {
            self.pixels::<P, 1>(window.clone(), first, out);
            first += 1;
        }
    }
}

gait_cpu::multiversion! {
/// Output row `oy` of a depthwise convolution: where neighbouring windows lie inside the input
/// across, [`PIXELS`] pixels at a time; at the edges and in the last few, one by one.
fn depthwise_row(op: &Depthwise, oy: usize, row: &mut [f32]) {
    let c = op.channels;
    let width = row.len() / c;
    let inside = op.grid.columns_inside(width);
    let blocked = inside.start..inside.start + inside.len() / PIXELS * PIXELS;
    for ox in blocked.clone().step_by(PIXELS) {
        op.run::<PIXELS>(oy, ox, &mut row[ox * c..]);
    }
    for ox in (0..blocked.start).chain(blocked.end..width) {
        op.run::<1>(oy, ox, &mut row[ox * c..]);
    }
    op.activation.apply(row);
}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::tests::any_padding;
    use crate::ops::conv::tests::{naive_conv, values};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        #[test]
        fn each_channel_alone_is_a_one_channel_convolution(h in 1usize..9, w in 1usize..16, c in 1usize..40, k in 1usize..6, stride in 1usize..3, padding in any_padding()) {
            prop_assume!(out_size([h, w], [k, k], stride, padding).is_ok());
            let (input, dw) = (values(h * w * c, 1), values(k * k * c, 3));
            let conv = Conv { stride, padding, activation: Activation::Relu6 };
            let pixels: usize = out_size([h, w], [k, k], stride, padding).unwrap().iter().product();
            let mut got = vec![0.0; pixels * c];
            depthwise_conv2d((&input, [h, w, c], &dw, &vec![0.5; c]), ([k, k], conv), &mut got);
            for ch in 0..c {
                let single: Vec<f32> = (0..h * w).map(|p| input[p * c + ch]).collect();
                let f: Vec<f32> = (0..k * k).map(|p| dw[p * c + ch]).collect();
                let one = naive_conv(&single, [h, w, 1], &f, 1, k, stride, padding);
                for (p, v) in one.iter().enumerate() {
                    prop_assert!((got[p * c + ch] - (v + 0.5).clamp(0.0, 6.0)).abs() < 1e-4);
                }
            }
        }
    }
}
