//! `CONV_2D`: a convolution as one matrix product (1x1 convolutions of stride 1 directly on the
//! input, others on the window's patches gathered first), by a kernel of our own. The filter is
//! packed once, when the model is read, into panels of 16 output channels; each tile of six
//! output pixels is summed in registers over the inputs, and the bias and activation are added
//! as it is written (`tile`). The `gemm` crate, which this replaced for all but one-row products,
//! packed both operands on every call and split each product over the threads, for products of
//! tens to hundreds of channels; the sums are done in its order, so the landmarks are the same
//! bits.

use crate::geometry::{Activation, Grid, Padding, out_size};
use crate::shape::Shape;
use crate::tflite::schema::conv2d as slot;

use super::tile::{PANEL, TILE, Tile};
use super::{Hwc, Io, Operator, Parse, Result, Shapes, for_rows, four, nhwc};

/// The most inputs summed before a sum is added to the output: longer products are cut into runs
/// of at most this many, each summed from zero and added in turn, as the `gemm` crate that this
/// kernel replaced cut them (so that landmarks stay the same bits).
const DEPTH: usize = 512;

/// How a convolution runs over its input: its stride, its padding, and the activation after it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Conv {
    pub(crate) stride: usize,
    pub(crate) padding: Padding,
    pub(crate) activation: Activation,
}

impl Conv {
    /// The options of a convolution whose table has these slots (a plain and a depthwise
    /// convolution keep them in different places).
    pub(crate) fn parse(
        p: &Parse,
        [padding, stride_w, stride_h, activation, dilation_w, dilation_h]: [usize; 6],
    ) -> Result<Conv> {
        let (sw, sh) = (p.i32(stride_w, 1)?, p.i32(stride_h, 1)?);
        if p.i32(dilation_w, 1)? != 1 || p.i32(dilation_h, 1)? != 1 {
            return Err("dilated convolutions are not supported".into());
        }
        if sw != sh || sw < 1 {
            return Err(format!("strides {sw}x{sh} are not supported"));
        }
        Ok(Conv {
            stride: sw as usize,
            padding: Padding::from_code(p.u8(padding, 0)?)?,
            activation: Activation::from_code(p.u8(activation, 0)?)?,
        })
    }

    /// These options with `amounts` of zeros around the input, when the window has no padding
    /// of its own (`VALID`).
    pub(crate) fn padded(self, amounts: [[usize; 2]; 2]) -> Option<Conv> {
        (self.padding == Padding::Valid).then_some(Conv {
            padding: Padding::Explicit(amounts),
            ..self
        })
    }
}

/// `CONV_2D`. Inputs: activation, filter `[out, kh, kw, in]`, bias `[out]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Conv2d(pub(crate) Conv);

impl Conv2d {
    pub(crate) fn parse(p: &Parse) -> Result<Self> {
        Ok(Conv2d(Conv::parse(p, slot::CONV)?))
    }
}

impl Operator for Conv2d {
    fn arity(&self, _listed: usize) -> usize {
        3
    }

    fn check(&self, s: &Shapes) -> Result<()> {
        let Conv { stride, padding, .. } = self.0;
        let [_, h, w, c] = nhwc(s.input(0))?;
        let [fo, kh, kw, fi] = four(s.input(1))?;
        if fi != c {
            return Err(format!("filter [{fo}, {kh}, {kw}, {fi}] for {c} channels"));
        }
        s.constant(1, fo * kh * kw * fi)?;
        s.constant(2, fo)?;
        let [oh, ow] = out_size([h, w], [kh, kw], stride, padding)?;
        // The patches gathered for the product are bounded as tensors are.
        Shape::new(vec![oh, ow, kh, kw, c]).map_err(|e| format!("its patches: {e}"))?;
        s.expect([1, oh, ow, fo])
    }

    /// The filter packed for [`product`].
    fn prepare(&self, s: &Shapes) -> Option<Vec<f32>> {
        let w = s.graph.tensors[s.inputs[1]].constant.as_deref()?;
        let [_, oh, ow, n] = nhwc(s.output()).ok()?;
        Some(pack(w, n, oh * ow))
    }

    fn run(&self, io: &mut Io, out: &mut [f32]) {
        let f = io.shape(1);
        let window = [f[1], f[2]];
        let (x, hwc, bias) = (io.data(0), io.hwc(0), io.data(2));
        let filter = io.prepared.unwrap_or_default();
        conv2d((x, hwc, filter, bias), (window, self.0), out, io.scratch);
    }

    fn padded(&self, amounts: [[usize; 2]; 2]) -> Option<Box<dyn Operator>> {
        Some(Box::new(Conv2d(self.0.padded(amounts)?)))
    }
}

/// A convolution's operands: the input, its shape, the filter and the bias.
pub(crate) type Operands<'a> = (&'a [f32], Hwc, &'a [f32], &'a [f32]);

/// A convolution with `filter` packed by [`pack`].
pub(crate) fn conv2d(
    (input, [h, w, c], filter, bias): Operands,
    ([kh, kw], conv): ([usize; 2], Conv),
    out: &mut [f32],
    scratch: &mut Vec<f32>,
) {
    let (stride, padding, activation) = (conv.stride, conv.padding, conv.activation);
    let [oh, ow] = out_size([h, w], [kh, kw], stride, padding).unwrap_or_default();
    // A 1x1 window, moved pixel by pixel with no padding, reads the input as it is.
    if [kh, kw, stride] == [1, 1, 1] && [oh, ow] == [h, w] {
        product(input, c, filter, bias, activation, out);
    } else {
        let grid = Grid::new([kh, kw], stride, padding, [h, w]);
        let k = kh * kw * c;
        // Every patch is written whole below, so what the scratch held before is never read.
        if scratch.len() < oh * ow * k {
            scratch.resize(oh * ow * k, 0.0);
        }
        let patches = &mut scratch[..oh * ow * k];
        for_rows(patches, ow * k, oh * ow * k * bias.len(), |oy, rows| {
            for (ox, patch) in rows.chunks_exact_mut(k).enumerate() {
                match grid.inside([oy, ox]) {
                    // A window's row of taps is a run of neighbouring pixels: one copy each.
                    Some([iy, ix]) => {
                        for (ky, taps) in patch.chunks_exact_mut(kw * c).enumerate() {
                            taps.copy_from_slice(&input[((iy + ky) * w + ix) * c..][..kw * c]);
                        }
                    }
                    // At the edges, taps in the padding are zeros.
                    None => {
                        patch.fill(0.0);
                        grid.for_each_tap([oy, ox], |tap, pixel| {
                            patch[tap * c..(tap + 1) * c].copy_from_slice(&input[pixel * c..][..c]);
                        });
                    }
                }
            }
        });
        product(patches, k, filter, bias, activation, out);
    }
}

/// A filter `[out, kh, kw, in]` packed for [`product`] with `rows` output pixels: for one row,
/// transposed, `[kh * kw * in, out]`; otherwise panels of [`PANEL`] output channels, each
/// `[kh * kw * in, PANEL]`, the last one's missing channels zeros.
pub(crate) fn pack(filter: &[f32], out: usize, rows: usize) -> Vec<f32> {
    let k = filter.len() / out.max(1);
    let mut packed = vec![0.0; packed_len(k, out, rows)];
    for (o, weights) in filter.chunks_exact(k.max(1)).take(out).enumerate() {
        for (r, &v) in weights.iter().enumerate() {
            let at = if rows == 1 {
                r * out + o
            } else {
                (o / PANEL * k + r) * PANEL + o % PANEL
            };
            packed[at] = v;
        }
    }
    packed
}

/// How many values [`pack`] lays out for `k` inputs, `n` outputs and `rows` output pixels.
fn packed_len(k: usize, n: usize, rows: usize) -> usize {
    if rows == 1 {
        k * n
    } else {
        n.div_ceil(PANEL) * k * PANEL
    }
}

/// `out = activation(bias + a * filter)`, for `a` row-major with `k` columns, the filter packed
/// by [`pack`] and `out` row-major with a column per bias. Each sum runs over the inputs in order,
/// with fused multiply-adds where the CPU has them, in runs each summed from zero and added to the
/// output in turn (the first to the bias): the order of the `gemm` crate that this replaced.
pub(crate) fn product(
    a: &[f32],
    k: usize,
    filter: &[f32],
    bias: &[f32],
    activation: Activation,
    out: &mut [f32],
) {
    let n = bias.len();
    let m = out.len().checked_div(n).unwrap_or(0);
    assert!(
        a.len() == m * k && out.len() == m * n && filter.len() == packed_len(k, n, m),
        "product: shapes do not fit"
    );
    if m == 0 {
        return;
    }
    if m == 1 && k > 0 {
        // One row (the landmark model's last layers, on a 1 x 1 image): the `gemm` crate's
        // matrix-vector product, whose order of sums (from the bias on) the landmarks were
        // measured with; it costs a few microseconds a frame.
        out.copy_from_slice(bias);
        gemm_add(a, filter, out, k);
        activation.apply(out);
        return;
    }
    if k == 0 {
        for row in out.chunks_exact_mut(n) {
            row.copy_from_slice(bias);
        }
        activation.apply(out);
        return;
    }
    // Runs of the inputs summed from zero before they are added to the output, as the `gemm`
    // crate this replaced cut them: at most DEPTH long, and equal, except in products of at most
    // 64 by 64 outputs, which it cut DEPTH at a time.
    let depth = if m <= 64 && n <= 64 {
        DEPTH
    } else {
        k.div_ceil(k.div_ceil(DEPTH))
    };
    for_rows(out, TILE * n, m * n * k, |t, out| {
        // A tile of fewer pixels repeats its last row (its sums are not written): a row summed
        // alone keeps two chains of dependent multiply-adds going where a tile keeps twelve.
        let a = &a[t * TILE * k..][..out.len() / n * k];
        let last = a.len() / k - 1;
        let rows = std::array::from_fn(|r| &a[r.min(last) * k..][..k]);
        Tile {
            rows,
            k,
            depth,
            filter,
            bias,
            activation,
        }
        .write(out);
    });
}

/// `out += a * transposed` by the `gemm` crate, for `a` row-major with `k` columns, `transposed`
/// `[k, n]` and `out` row-major with `n` columns.
fn gemm_add(a: &[f32], transposed: &[f32], out: &mut [f32], k: usize) {
    let n = transposed.len().checked_div(k).unwrap_or(0);
    let m = out.len().checked_div(n).unwrap_or(0);
    assert!(
        k > 0 && a.len() == m * k && out.len() == m * n,
        "gemm_add: shapes do not fit"
    );
    #[allow(unsafe_code)]
    // SAFETY: the assert above makes `a` `m x k`, `transposed` `k x n` and `out` `m x n`; the
    // three are live, distinct slices (`out` borrowed mutably, so it overlaps neither), and every
    // stride below stays inside them.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            1,
            n as isize,
            true,
            a.as_ptr(),
            1,
            k as isize,
            transposed.as_ptr(),
            1,
            n as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::geometry::pad_before;
    use crate::geometry::tests::any_padding;
    use proptest::prelude::*;

    /// The convolution written as its definition: a sum over the window, padding as zeros.
    #[allow(clippy::too_many_arguments)]
    pub(in crate::ops) fn naive_conv(
        input: &[f32],
        [h, w, c]: Hwc,
        filter_ohwi: &[f32],
        n: usize,
        k: usize,
        stride: usize,
        padding: Padding,
    ) -> Vec<f32> {
        let [oh, ow] = out_size([h, w], [k, k], stride, padding).unwrap();
        let [py, px] = pad_before([h, w], [k, k], stride, padding).map(|p| p as isize);
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

    pub(in crate::ops) fn values(len: usize, seed: u32) -> Vec<f32> {
        (0..len)
            .map(|i| ((i as u32).wrapping_mul(2654435761).wrapping_add(seed) % 1000) as f32 / 500.0 - 1.0)
            .collect()
    }

    /// Every product shape of the pose models (detector, full and lite landmark models: rows,
    /// inputs, outputs).
    #[rustfmt::skip]
    const MODEL_PRODUCTS: [[usize; 3]; 57] = [
        [4, 288, 288], [16, 288, 288], [64, 144, 864], [256, 64, 384], [256, 88, 528],
        [64, 864, 144], [1024, 32, 192], [256, 384, 64], [256, 528, 88], [4096, 24, 144],
        [1, 1152, 1], [1, 1152, 195], [1024, 144, 32], [1024, 192, 32], [1024, 32, 48],
        [16384, 16, 64], [16384, 24, 16], [16384, 27, 24], [256, 192, 64], [256, 384, 88],
        [256, 88, 48], [4096, 144, 24], [4096, 24, 48], [4096, 48, 39], [4096, 64, 24],
        [64, 528, 144], [64, 864, 288], [64, 864, 48], [49, 192, 1152], [196, 112, 672],
        [196, 80, 480], [49, 1152, 192], [196, 192, 192], [196, 480, 80], [196, 672, 112],
        [3136, 24, 144], [784, 40, 240], [784, 96, 96], [12544, 16, 64], [12544, 24, 16],
        [12544, 27, 24], [196, 112, 192], [196, 1152, 192], [196, 240, 80], [196, 48, 2],
        [196, 48, 24], [196, 480, 112], [3136, 144, 24], [3136, 64, 24], [49, 288, 6],
        [49, 288, 72], [49, 672, 192], [784, 144, 40], [784, 192, 96], [784, 24, 2], [784, 24, 24],
        [784, 240, 40],
    ];

    #[test]
    fn products_are_the_gemm_crates_to_the_bit_on_the_models_shapes() {
        // The portable path does not fuse its multiply-adds, where `gemm` does wherever the CPU
        // has FMA (GAIT_ISA does not reach it): there the two differ in the last bits.
        if gait_cpu::Isa::get() == gait_cpu::Isa::Portable {
            return;
        }
        for [m, k, n] in MODEL_PRODUCTS {
            let (a, filter, bias) = (values(m * k, 1), values(n * k, 2), values(n, 3));
            let mut transposed = vec![0.0; n * k];
            for (o, weights) in filter.chunks_exact(k).enumerate() {
                for (r, &v) in weights.iter().enumerate() {
                    transposed[r * n + o] = v;
                }
            }
            let mut sums = bias.repeat(m);
            gemm_add(&a, &transposed, &mut sums, k);
            // The activation, on the sum of every run (a product of more than DEPTH inputs is
            // summed in runs).
            for activation in [Activation::None, Activation::Relu6] {
                let mut want = sums.clone();
                activation.apply(&mut want);
                let mut got = vec![0.0; m * n];
                product(&a, k, &pack(&filter, n, m), &bias, activation, &mut got);
                let differ = want
                    .iter()
                    .zip(&got)
                    .filter(|(w, g)| w.to_bits() != g.to_bits())
                    .count();
                assert_eq!(
                    differ,
                    0,
                    "{m} x {k} x {n}, {activation:?}: {differ} of {} differ",
                    m * n
                );
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20))]
        /// Products longer than DEPTH are summed in runs, each added to the output; with a
        /// partial last panel, that output is read and written through masks.
        #[test]
        fn long_products_with_partial_panels_are_the_sum(m in 1usize..14, k in 513usize..1100, n in 1usize..40) {
            let (a, filter, bias) = (values(m * k, 1), values(n * k, 2), values(n, 3));
            let mut got = vec![0.0; m * n];
            product(&a, k, &pack(&filter, n, m), &bias, Activation::None, &mut got);
            for (i, got) in got.iter().enumerate() {
                let (r, o) = (i / n, i % n);
                let sum: f64 = (0..k).map(|j| a[r * k + j] as f64 * filter[o * k + j] as f64).sum();
                let want = bias[o] as f64 + sum;
                prop_assert!((*got as f64 - want).abs() < 1e-3, "pixel {r}, channel {o}: {got} vs {want}");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        #[test]
        fn conv2d_is_the_windowed_sum(h in 1usize..9, w in 1usize..9, c in 1usize..40, n in 1usize..40, k in 1usize..4, stride in 1usize..3, padding in any_padding()) {
            prop_assume!(out_size([h, w], [k, k], stride, padding).is_ok());
            let input = values(h * w * c, 1);
            let filter = values(n * k * k * c, 2);
            let want = naive_conv(&input, [h, w, c], &filter, n, k, stride, padding);
            let bias = values(n, 3);
            let mut out = vec![0.0; want.len()];
            let conv = Conv { stride, padding, activation: Activation::Relu6 };
            conv2d((&input, [h, w, c], &pack(&filter, n, want.len() / n), &bias), ([k, k], conv), &mut out, &mut Vec::new());
            for (i, (a, b)) in out.iter().zip(&want).enumerate() {
                let b = (b + bias[i % n]).clamp(0.0, 6.0);
                prop_assert!((a - b).abs() < 1e-4, "{a} vs {b}");
            }
        }
    }
}
