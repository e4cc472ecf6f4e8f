//! `DEPTHWISE_CONV_2D` with a depth multiplier of one: each channel convolved alone, pixels in
//! blocks of channels whose sums stay in registers over the window.

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
        if kh * kw > MAX_TAPS {
            return Err(format!(
                "a {kh}x{kw} depthwise window is larger than supported (7x7)"
            ));
        }
        if fo != 1 || fi != c {
            return Err(format!(
                "depthwise filter [{fo}, {kh}, {kw}, {fi}] for {c} channels"
            ));
        }
        s.constant(1, kh * kw * c)?;
        s.constant(2, c)?;
        s.expect([
            1,
            out_size(h, kh, stride, padding)?,
            out_size(w, kw, stride, padding)?,
            c,
        ])
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
}

/// A depthwise convolution (multiplier 1) with `filter` as `[kh, kw, c]`.
pub(crate) fn depthwise_conv2d(
    (input, [h, w, c], filter, bias): Operands,
    ([kh, kw], conv): ([usize; 2], Conv),
    out: &mut [f32],
) {
    let (stride, padding) = (conv.stride, conv.padding);
    let oh = out_size(h, kh, stride, padding).unwrap_or(0);
    let ow = out_size(w, kw, stride, padding).unwrap_or(0);
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

/// The most taps a depthwise window may have (7 x 7; the models use 3 x 3 and 5 x 5).
pub(crate) const MAX_TAPS: usize = 49;

impl Depthwise<'_> {
    /// Channels `first..first + L` of one output pixel, summed in registers over its window's
    /// `taps` (offsets of the pixel's input and of the filter).
    #[inline(always)]
    fn block<const L: usize>(&self, taps: &[(usize, usize)], first: usize, acc: &mut [f32]) {
        let mut sum: [f32; L] = self.bias[first..first + L].try_into().expect("L channels");
        for &(x, f) in taps {
            let x: &[f32; L] = self.input[x + first..][..L].try_into().expect("L channels");
            let f: &[f32; L] = self.filter[f + first..][..L].try_into().expect("L channels");
            for l in 0..L {
                sum[l] += x[l] * f[l];
            }
        }
        acc[..L].copy_from_slice(&sum);
    }

    /// The window of output pixel `(oy, ox)` inside the input: offsets of each tap's input pixel
    /// and filter weights, into `taps`; returns how many.
    #[inline(always)]
    fn window(&self, oy: usize, ox: usize, taps: &mut [(usize, usize); MAX_TAPS]) -> usize {
        let c = self.channels;
        let mut n = 0;
        self.grid.for_each_tap([oy, ox], |tap, pixel| {
            taps[n] = (pixel * c, tap * c);
            n += 1;
        });
        n
    }
}

gait_cpu::multiversion! {
/// Output row `oy` of a depthwise convolution: each pixel's channels in blocks of 16, then 8,
/// then one by one, each block's sum kept in registers over the window.
fn depthwise_row(op: &Depthwise, oy: usize, row: &mut [f32]) {
    let c = op.channels;
    let mut window = [(0, 0); MAX_TAPS];
    for (ox, pixel) in row.chunks_exact_mut(c).enumerate() {
        let n = op.window(oy, ox, &mut window);
        let taps = &window[..n];
        let mut first = 0;
        while first + 16 <= c {
            op.block::<16>(taps, first, &mut pixel[first..]);
            first += 16;
        }
        while first + 8 <= c {
            op.block::<8>(taps, first, &mut pixel[first..]);
            first += 8;
        }
        while first < c {
            op.block::<1>(taps, first, &mut pixel[first..]);
            first += 1;
        }
    }
    op.activation.apply(row);
}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Padding;
    use crate::ops::conv::tests::{naive_conv, values};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        #[test]
        fn each_channel_alone_is_a_one_channel_convolution(h in 1usize..9, w in 1usize..9, c in 1usize..40, k in 1usize..4, stride in 1usize..3, same in any::<bool>()) {
            let padding = if same { Padding::Same } else { Padding::Valid };
            prop_assume!(padding == Padding::Same || (h >= k && w >= k));
            let (input, dw) = (values(h * w * c, 1), values(k * k * c, 3));
            let conv = Conv { stride, padding, activation: Activation::Relu6 };
            let pixels = out_size(h, k, stride, padding).unwrap() * out_size(w, k, stride, padding).unwrap();
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
