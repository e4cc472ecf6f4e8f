//! The kernels of the eleven operations the pose models run, on `f32` tensors in NHWC order with
//! a batch of one.
//!
//! Each kernel takes slices whose lengths the caller has checked against the shapes
//! ([`crate::tflite::Graph`] checks every operation's shapes when the model is read); the
//! products go to the `gemm` crate, the rest are plain loops over channels that the compiler
//! vectorises.

use rayon::prelude::*;

use crate::tflite::{Activation, Conv, Padding, out_size, pad_before};

/// Height, width and channels of an activation tensor.
pub(crate) type Hwc = [usize; 3];

/// Multiply-adds below which an operation runs on one thread: handing out smaller work costs
/// more than it saves (measured on the pose models).
const PARALLEL_WORK: usize = 1 << 16;

/// Calls `f(row index, row)` for each `len`-long row of `out`, on all threads when `work`
/// (multiply-adds, roughly) is large enough to pay for it.
fn for_rows(out: &mut [f32], len: usize, work: usize, f: impl Fn(usize, &mut [f32]) + Sync + Send) {
    if work >= PARALLEL_WORK {
        out.par_chunks_mut(len).enumerate().for_each(|(i, row)| f(i, row));
    } else {
        out.chunks_mut(len).enumerate().for_each(|(i, row)| f(i, row));
    }
}

/// Applies a fused activation in place.
pub(crate) fn activate(values: &mut [f32], activation: Activation) {
    match activation {
        Activation::None => {}
        Activation::Relu => values.iter_mut().for_each(|v| *v = v.max(0.0)),
        Activation::Relu6 => values.iter_mut().for_each(|v| *v = v.clamp(0.0, 6.0)),
    }
}

/// `c += a * b` for row-major `a` (`m x k`), `b` (`k x n`) and `c` (`m x n`).
pub(crate) fn matmul_add(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize) {
    assert!(
        a.len() == m * k && b.len() == k * n && c.len() == m * n,
        "matmul_add: shapes do not fit"
    );
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    let parallelism = if m * n * k >= 1 << 18 {
        gemm::Parallelism::Rayon(0)
    } else {
        gemm::Parallelism::None
    };
    #[allow(unsafe_code)]
    // SAFETY: the assert above makes every row and column stride below stay inside `a`, `b` and
    // `c`, which are live, distinct slices (`c` borrowed mutably, so it overlaps neither).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            true,
            a.as_ptr(),
            1,
            k as isize,
            b.as_ptr(),
            1,
            n as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// A convolution's operands: the input, its shape, the filter and the bias.
pub(crate) type Operands<'a> = (&'a [f32], Hwc, &'a [f32], &'a [f32]);

/// A convolution with `filter` given as `[kh * kw * c_in, c_out]` (the model's filter transposed).
pub(crate) fn conv2d(
    (input, [h, w, c], filter, bias): Operands,
    ([kh, kw], conv): ([usize; 2], Conv),
    out: &mut [f32],
    scratch: &mut Vec<f32>,
) {
    let (stride, padding, activation) = (conv.stride, conv.padding, conv.activation);
    let n = bias.len();
    let (oh, ow) = (
        out_size(h, kh, stride, padding).unwrap_or(0),
        out_size(w, kw, stride, padding).unwrap_or(0),
    );
    for row in out.chunks_exact_mut(n) {
        row.copy_from_slice(bias);
    }
    if kh == 1 && kw == 1 && stride == 1 {
        matmul_add(input, filter, out, h * w, c, n);
    } else {
        let grid = Grid::new([kh, kw], stride, padding, [h, w]);
        let k = kh * kw * c;
        scratch.clear();
        scratch.resize(oh * ow * k, 0.0);
        for_rows(scratch, ow * k, oh * ow * k * n, |oy, rows| {
            for (ox, patch) in rows.chunks_exact_mut(k).enumerate() {
                grid.for_each_tap([oy, ox], |tap, pixel| {
                    patch[tap * c..(tap + 1) * c].copy_from_slice(&input[pixel * c..][..c]);
                });
            }
        });
        matmul_add(scratch, filter, out, oh * ow, k, n);
    }
    activate(out, activation);
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
    activate(row, op.activation);
}
}

gait_cpu::multiversion! {
/// Element-wise sum of two tensors of the same shape.
pub(crate) fn add(a: &[f32], b: &[f32], activation: Activation, out: &mut [f32]) {
    for ((o, &a), &b) in out.iter_mut().zip(a).zip(b) {
        *o = a + b;
    }
    activate(out, activation);
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

/// How a window of `size` slides over an input of `input` pixels (`[height, width]` each).
struct Grid {
    size: [usize; 2],
    stride: usize,
    /// Padding before the input, `[top, left]`.
    pad: [usize; 2],
    input: [usize; 2],
}

impl Grid {
    fn new(size: [usize; 2], stride: usize, padding: Padding, input: [usize; 2]) -> Self {
        let pad = [0, 1].map(|axis| pad_before(input[axis], size[axis], stride, padding));
        Grid {
            size,
            stride,
            pad,
            input,
        }
    }

    /// Calls `f(tap, pixel)` for each tap of output pixel `[oy, ox]`'s window that falls inside
    /// the input: `tap` its index in the window, `pixel` the input pixel's (both row-major).
    #[inline(always)]
    fn for_each_tap(&self, [oy, ox]: [usize; 2], mut f: impl FnMut(usize, usize)) {
        let ([kh, kw], [py, px], [h, w]) = (self.size, self.pad, self.input);
        for ky in 0..kh {
            let Some(iy) = (oy * self.stride + ky).checked_sub(py).filter(|&y| y < h) else {
                continue;
            };
            for kx in 0..kw {
                if let Some(ix) = (ox * self.stride + kx).checked_sub(px).filter(|&x| x < w) {
                    f(ky * kw + kx, iy * w + ix);
                }
            }
        }
    }
}

/// Max pooling over square windows; padded positions are ignored.
pub(crate) fn max_pool(
    input: &[f32],
    [h, w, c]: Hwc,
    size: usize,
    stride: usize,
    padding: Padding,
    out: &mut [f32],
) {
    let ow = out_size(w, size, stride, padding).unwrap_or(0);
    let grid = Grid::new([size, size], stride, padding, [h, w]);
    for (oy, row) in out.chunks_exact_mut(ow * c).enumerate() {
        for (ox, acc) in row.chunks_exact_mut(c).enumerate() {
            acc.fill(f32::NEG_INFINITY);
            grid.for_each_tap([oy, ox], |_, pixel| {
                for (a, &x) in acc.iter_mut().zip(&input[pixel * c..][..c]) {
                    *a = a.max(x);
                }
            });
        }
    }
}

/// Where output index `i` samples the input, as TFLite's reference kernel computes it: the
/// position, and the two neighbouring indices, clamped to the input.
fn source(i: usize, scale: f32, half_pixel_centers: bool, n: usize) -> (f32, usize, usize) {
    let at = if half_pixel_centers {
        (i as f32 + 0.5) * scale - 0.5
    } else {
        i as f32 * scale
    };
    let lower = at.floor().max(0.0) as usize;
    let upper = (at.ceil() as usize).min(n - 1);
    (at, lower.min(n - 1), upper)
}

/// Bilinear resizing with TFLite's `align_corners` and `half_pixel_centers` conventions.
pub(crate) fn resize_bilinear(
    input: &[f32],
    hwc: Hwc,
    size: [usize; 2],
    align_corners: bool,
    half_pixel_centers: bool,
    out: &mut [f32],
) {
    let ([h, w, c], [oh, ow]) = (hwc, size);
    let scale = |n: usize, o: usize| {
        if align_corners && o > 1 {
            (n - 1) as f32 / (o - 1) as f32
        } else {
            n as f32 / o as f32
        }
    };
    let (sy, sx) = (scale(h, oh), scale(w, ow));
    for_rows(out, ow * c, oh * ow * c * 4, |y, row| {
        let (fy, y0, y1) = source(y, sy, half_pixel_centers, h);
        let dy = fy - y0 as f32;
        for (x, px) in row.chunks_exact_mut(c).enumerate() {
            let (fx, x0, x1) = source(x, sx, half_pixel_centers, w);
            let dx = fx - x0 as f32;
            let at = |yy: usize, xx: usize| &input[(yy * w + xx) * c..][..c];
            let (a, b, p, q) = (at(y0, x0), at(y1, x0), at(y0, x1), at(y1, x1));
            for k in 0..c {
                px[k] = a[k] * (1.0 - dy) * (1.0 - dx)
                    + b[k] * dy * (1.0 - dx)
                    + p[k] * (1.0 - dy) * dx
                    + q[k] * dy * dx;
            }
        }
    });
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

/// Concatenation along `axis` of tensors with shapes `shapes`.
pub(crate) fn concatenate(inputs: &[&[f32]], shapes: &[&[usize]], axis: usize, out: &mut [f32]) {
    let outer: usize = shapes[0][..axis].iter().product();
    let mut at = 0;
    for o in 0..outer {
        for (input, shape) in inputs.iter().zip(shapes) {
            let inner: usize = shape[axis..].iter().product();
            out[at..at + inner].copy_from_slice(&input[o * inner..][..inner]);
            at += inner;
        }
    }
}

/// The logistic function, element-wise.
pub(crate) fn logistic(input: &[f32], out: &mut [f32]) {
    for (o, &x) in out.iter_mut().zip(input) {
        *o = 1.0 / (1.0 + (-x).exp());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The convolution written as its definition: a sum over the window, padding as zeros.
    #[allow(clippy::too_many_arguments)]
    fn naive_conv(
        input: &[f32],
        [h, w, c]: Hwc,
        filter_ohwi: &[f32],
        n: usize,
        k: usize,
        stride: usize,
        padding: Padding,
    ) -> Vec<f32> {
        let (oh, ow) = (
            out_size(h, k, stride, padding).unwrap(),
            out_size(w, k, stride, padding).unwrap(),
        );
        let (py, px) = (
            pad_before(h, k, stride, padding) as isize,
            pad_before(w, k, stride, padding) as isize,
        );
        let mut out = vec![0.0; oh * ow * n];
        for oy in 0..oh {
            for ox in 0..ow {
                for o in 0..n {
                    let mut s = 0.0;
                    for ky in 0..k {
                        for kx in 0..k {
                            let (iy, ix) =
                                ((oy * stride + ky) as isize - py, (ox * stride + kx) as isize - px);
                            if iy < 0 || ix < 0 || iy >= h as isize || ix >= w as isize {
                                continue;
                            }
                            for i in 0..c {
                                s += input[((iy as usize) * w + ix as usize) * c + i]
                                    * filter_ohwi[((o * k + ky) * k + kx) * c + i];
                            }
                        }
                    }
                    out[(oy * ow + ox) * n + o] = s;
                }
            }
        }
        out
    }

    fn values(len: usize, seed: u32) -> Vec<f32> {
        (0..len)
            .map(|i| ((i as u32).wrapping_mul(2654435761).wrapping_add(seed) % 1000) as f32 / 500.0 - 1.0)
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        #[test]
        fn conv2d_is_the_windowed_sum(h in 1usize..9, w in 1usize..9, c in 1usize..40, n in 1usize..6, k in 1usize..4, stride in 1usize..3, same in any::<bool>()) {
            let padding = if same { Padding::Same } else { Padding::Valid };
            prop_assume!(padding == Padding::Same || (h >= k && w >= k));
            let input = values(h * w * c, 1);
            let filter = values(n * k * k * c, 2);
            let want = naive_conv(&input, [h, w, c], &filter, n, k, stride, padding);
            // [o, kh, kw, i] -> [kh * kw * i, o]
            let mut t = vec![0.0; filter.len()];
            for o in 0..n { for r in 0..k * k * c { t[r * n + o] = filter[o * k * k * c + r]; } }
            let mut out = vec![0.0; want.len()];
            let conv = |activation| Conv { stride, padding, activation };
            conv2d((&input, [h, w, c], &t, &vec![0.0; n]), ([k, k], conv(Activation::None)), &mut out, &mut Vec::new());
            for (a, b) in out.iter().zip(&want) { prop_assert!((a - b).abs() < 1e-4, "{a} vs {b}"); }
            // Depthwise: each channel alone is a one-channel convolution.
            let dw = values(k * k * c, 3);
            let mut got = vec![0.0; want.len() / n * c];
            depthwise_conv2d((&input, [h, w, c], &dw, &vec![0.5; c]), ([k, k], conv(Activation::Relu6)), &mut got);
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

    #[test]
    fn resize_doubles_with_half_pixel_centers() {
        // One row [0, 1] doubled: samples at -0.25, 0.25, 0.75, 1.25 of the input, clamped.
        let mut out = vec![0.0; 4];
        resize_bilinear(&[0.0, 1.0], [1, 2, 1], [1, 4], false, true, &mut out);
        assert_eq!(out, [0.0, 0.25, 0.75, 1.0]);
        resize_bilinear(&[0.0, 1.0], [1, 2, 1], [1, 4], true, false, &mut out);
        assert_eq!(out, [0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0]);
    }

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
    fn pad_and_pool() {
        let mut out = vec![9.0; 2 * 3];
        pad(
            &[1.0, 2.0],
            [1, 2, 1],
            &[[0, 0], [1, 0], [0, 1], [0, 0]],
            &mut out,
        );
        assert_eq!(out, [0.0, 0.0, 0.0, 1.0, 2.0, 0.0]);
        let mut pooled = vec![0.0; 1];
        max_pool(
            &[1.0, -2.0, 3.0, 0.5],
            [2, 2, 1],
            2,
            2,
            Padding::Valid,
            &mut pooled,
        );
        assert_eq!(pooled, [3.0]);
    }
}
