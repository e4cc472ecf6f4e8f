//! The backward pass through time: the gradients of the pre-activations per step from the
//! states the forward pass kept, then the weights' and the input's gradients as whole-batch
//! products.

use super::activation::tanh;
use super::forward::{LANES, lanes, parts};
use super::products::{Strided, matmul};
use super::{Dims, in_parallel, threads};

gait_cpu::multiversion! {
    /// The backward pass of one block of rows: from the kept `state` (`T x rows x 5H`) and the
    /// gradient of the outputs (`rows x T x H`), the gradient of the pre-activations `dp`
    /// (`rows x T x 4H`).
    pub(super) fn backward_rows(
        d: Dims,
        w_hh: Strided,
        state: &[f32],
        grad_out: &[f32],
        dp: &mut [f32],
    ) {
        let (steps, h) = (d.steps, d.hidden);
        let rows = grad_out.len() / (steps * h);
        // Per row: the gradient reaching h_t through the recurrence, and the one reaching c_t.
        let mut dh = vec![0.0f32; rows * h];
        let mut dc = vec![0.0f32; rows * h];
        let zeros = vec![0.0f32; h];
        for t in (0..steps).rev() {
            for b in 0..rows {
                // Kept step after step, the rows of a step side by side.
                let at = (t * rows + b) * 5 * h;
                let c_prev = if t > 0 {
                    &state[at - rows * 5 * h..at - rows * 5 * h + h]
                } else {
                    &zeros
                };
                let o = (b * steps + t) * h;
                CellBackward {
                    state: &state[at..at + 5 * h],
                    c_prev,
                    grad_out: &grad_out[o..o + h],
                    dh: &dh[b * h..(b + 1) * h],
                    dc: &mut dc[b * h..(b + 1) * h],
                    dz: &mut dp[(b * steps + t) * 4 * h..(b * steps + t + 1) * 4 * h],
                }
                .run();
            }
            if t > 0 {
                let dz = Strided {
                    data: &dp[t * 4 * h..],
                    rows,
                    cols: 4 * h,
                    row_stride: steps * 4 * h,
                    col_stride: 1,
                };
                matmul(&mut dh, h, false, dz, w_hh);
            }
        }
    }
}

/// One row and step backward: `state` is the cell state and activated gates of the step, `dh`
/// the gradient reaching `h` from later steps; `dc` holds the gradient reaching `c` from later
/// steps and is left with the one reaching the previous cell state; `dz` receives the gradient
/// of the pre-activations.
struct CellBackward<'a> {
    state: &'a [f32],
    c_prev: &'a [f32],
    grad_out: &'a [f32],
    dh: &'a [f32],
    dc: &'a mut [f32],
    dz: &'a mut [f32],
}

impl CellBackward<'_> {
    /// Every unit, in blocks of [`LANES`] the compiler turns into vector code.
    #[inline(always)]
    fn run(mut self) {
        let n = self.dh.len();
        let mut j = 0;
        while j + LANES <= n {
            self.lanes::<LANES>(j);
            j += LANES;
        }
        for j in j..n {
            self.lanes::<1>(j);
        }
    }

    /// Units `j..j + N`.
    #[inline(always)]
    fn lanes<const N: usize>(&mut self, j: usize) {
        let n = self.dh.len();
        let [c, i, f, g, o] = parts::<N>(self.state, n, j);
        let (c_prev, grad_out, dh) = (
            lanes::<N>(self.c_prev, j),
            lanes::<N>(self.grad_out, j),
            lanes::<N>(self.dh, j),
        );
        let mut dc_next = lanes::<N>(self.dc, j);
        let mut d = [[0.0f32; N]; 4];
        for l in 0..N {
            let dh_l = grad_out[l] + dh[l];
            let tanh_c = tanh(c[l]);
            let dc_l = dc_next[l] + dh_l * o[l] * (1.0 - tanh_c * tanh_c);
            d[0][l] = dc_l * g[l] * i[l] * (1.0 - i[l]);
            d[1][l] = dc_l * c_prev[l] * f[l] * (1.0 - f[l]);
            d[2][l] = dc_l * i[l] * (1.0 - g[l] * g[l]);
            d[3][l] = dh_l * tanh_c * o[l] * (1.0 - o[l]);
            dc_next[l] = dc_l * f[l];
        }
        self.dc[j..j + N].copy_from_slice(&dc_next);
        for (k, values) in d.iter().enumerate() {
            self.dz[k * n + j..k * n + j + N].copy_from_slice(values);
        }
    }
}

/// `dx = dz W_ih` (`BT x I`), blocks of rows in parallel.
pub(super) fn input_gradient(d: Dims, dz: &[f32], w_ih: Strided, dx: &mut [f32]) {
    let rows = (d.batch * d.steps).div_ceil(threads()).max(1);
    let blocks = dx.chunks_mut(rows * d.input).zip(dz.chunks(rows * 4 * d.hidden));
    in_parallel(blocks, |(dx, dz)| {
        let dz = Strided::row_major(dz, dz.len() / (4 * d.hidden), 4 * d.hidden);
        matmul(dx, d.input, false, dz, w_ih);
    });
}

/// Steps of the batch the weight gradient takes in one product: `[x_t | h_{t-1}]` of these steps
/// is copied into a panel that stays in cache through the product.
const PANEL_STEPS: usize = 128;

/// `dW = [dW_ih | dW_hh] = sum over rows and steps of dz_t^T [x_t | h_{t-1}]` (`4H x (I + H)`,
/// `h_{-1} = 0`) and `db = sum of dz_t` (`4H`), [`PANEL_STEPS`] steps at a time; blocks of rows of
/// `dW` and `db` in parallel. Each block is summed as its transpose, `panel^T dz`, whose columns
/// are a block of `4H` (a multiple of every tile's width) where `I + H` (75 for the default
/// model) would leave most of a last tile of columns empty; the same products are summed in the
/// same order, so the bits are those of `dz^T panel`.
pub(super) fn weight_gradient(d: Dims, dz: &[f32], x: &[f32], out: &[f32], dw: &mut [f32], db: &mut [f32]) {
    let (steps, h, width) = (d.steps, d.hidden, d.input + d.hidden);
    let total = d.batch * steps;
    let block = (4 * h).div_ceil(threads()).next_multiple_of(8);
    let blocks = dw.chunks_mut(block * width).zip(db.chunks_mut(block)).enumerate();
    in_parallel(blocks, |(n, (dw, db))| {
        let rows = db.len();
        let mut panel = Vec::with_capacity(PANEL_STEPS.min(total) * width);
        // This block of dW, transposed: width x rows.
        let mut dw_t = vec![0.0f32; width * rows];
        for (chunk, first) in (0..total).step_by(PANEL_STEPS).enumerate() {
            let count = PANEL_STEPS.min(total - first);
            panel.clear();
            for k in first..first + count {
                panel.extend_from_slice(&x[k * d.input..(k + 1) * d.input]);
                if k % steps == 0 {
                    panel.resize(panel.len() + h, 0.0);
                } else {
                    panel.extend_from_slice(&out[(k - 1) * h..k * h]);
                }
            }
            let panel_t = Strided::row_major(&panel, count, width).transposed();
            // Columns n * block.. of dz (B T x 4H, row-major) for these steps.
            let dz = Strided {
                data: &dz[first * 4 * h + n * block..],
                rows: count,
                cols: rows,
                row_stride: 4 * h,
                col_stride: 1,
            };
            matmul(&mut dw_t, rows, chunk > 0, panel_t, dz);
        }
        for (i, row) in dw.chunks_exact_mut(width).enumerate() {
            row.iter_mut()
                .zip(dw_t.iter().skip(i).step_by(rows))
                .for_each(|(to, &v)| *to = v);
        }
        db.fill(0.0);
        for row in dz.chunks_exact(4 * h) {
            let row = &row[n * block..n * block + rows];
            db.iter_mut().zip(row).for_each(|(s, v)| *s += v);
        }
    });
}
