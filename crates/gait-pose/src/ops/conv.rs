//! `CONV_2D`: a convolution as one matrix product, through the `gemm` crate: 1x1 convolutions of
//! stride 1 directly on the input, others on the window's patches gathered first.

use crate::geometry::{Activation, Grid, Padding, out_size};
use crate::shape::Shape;
use crate::tflite::schema::conv2d as slot;

use super::{Hwc, Io, Operator, Parse, Result, Shapes, for_rows, four, nhwc};

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
        let oh = out_size(h, kh, stride, padding)?;
        let ow = out_size(w, kw, stride, padding)?;
        // The patches gathered for the product are bounded as tensors are.
        Shape::new(vec![oh, ow, kh, kw, c]).map_err(|e| format!("its patches: {e}"))?;
        s.expect([1, oh, ow, fo])
    }

    /// The filter as `[kh * kw * c_in, c_out]`, the product's right-hand side.
    fn prepare(&self, s: &Shapes) -> Option<Vec<f32>> {
        let w = s.graph.tensors[s.inputs[1]].constant.as_deref()?;
        let out = s.input(1)[0];
        let k = w.len() / out.max(1);
        let mut t = vec![0.0; w.len()];
        for o in 0..out {
            for r in 0..k {
                t[r * out + o] = w[o * k + r];
            }
        }
        Some(t)
    }

    fn run(&self, io: &mut Io, out: &mut [f32]) {
        let f = io.shape(1);
        let window = [f[1], f[2]];
        let (x, hwc, bias) = (io.data(0), io.hwc(0), io.data(2));
        let filter = io.prepared.unwrap_or_default();
        conv2d((x, hwc, filter, bias), (window, self.0), out, io.scratch);
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
        // Every patch is written whole below, so what the scratch held before is never read.
        if scratch.len() < oh * ow * k {
            scratch.resize(oh * ow * k, 0.0);
        }
        let patches = &mut scratch[..oh * ow * k];
        for_rows(patches, ow * k, oh * ow * k * n, |oy, rows| {
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
        matmul_add(patches, filter, out, oh * ow, k, n);
    }
    activation.apply(out);
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
    let parallelism = if m * n * k >= 1 << 18 && crate::threads::shared() {
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::geometry::pad_before;
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

    pub(in crate::ops) fn values(len: usize, seed: u32) -> Vec<f32> {
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
            let conv = Conv { stride, padding, activation: Activation::None };
            conv2d((&input, [h, w, c], &t, &vec![0.0; n]), ([k, k], conv), &mut out, &mut Vec::new());
            for (a, b) in out.iter().zip(&want) { prop_assert!((a - b).abs() < 1e-4, "{a} vs {b}"); }
        }
    }
}
