//! The LSTM recurrence as one Candle op, forward and backward through time, on the CPU.
//!
//! Input: the pre-activations from the input `p` (`B x T x 4H`, the input products and both
//! biases, computed beforehand as one matrix product) and the recurrent weights `W` (`4H x H`).
//! Output: the hidden state of every step (`B x T x H`). Per step `z = p_t + h_{t-1} W^T`,
//! `i, f, o = sigmoid(z_i, z_f, z_o)`, `g = tanh(z_g)`, `c = f c + i g`, `h = o tanh(c)`, from
//! zero states.
//!
//! Rows of the batch are independent, so the batch is cut into one block of rows per thread and
//! each block runs all its steps alone: no synchronisation per step, and the same arithmetic in
//! the same order whatever the thread count (bit-for-bit deterministic). Per step and block, the
//! recurrent product is one small GEMM (the `gemm` crate, single-threaded) and the gates one
//! vectorised pass (`activation`).
//!
//! For training, the forward pass keeps each step's cell state and gate activations (`5H` per row
//! and step) inside the op, and the backward pass reads them: `dz` per step from the gates,
//! `dh_{t-1} = dz W` as a GEMM per step, and `dW = sum_t dz_t^T h_{t-1}` as one GEMM at the end.

use std::sync::OnceLock;

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp2, Layout, Shape, Storage, Tensor};
use rayon::prelude::*;

use crate::activation::{sigmoid, tanh};

/// Fewer rows than this per thread do not pay for the thread.
const MIN_ROWS_PER_THREAD: usize = 8;

/// The op. Built for inference ([`Recurrence::inference`]) it keeps nothing and has no backward;
/// built for training ([`Recurrence::training`]) it keeps what its backward pass needs.
pub(crate) struct Recurrence {
    /// Cell state then the activated gates i, f, g, o (`B x T x 5H`), set by the forward pass.
    saved: Option<OnceLock<Vec<f32>>>,
}

impl Recurrence {
    /// An op whose result cannot be differentiated; nothing is kept.
    pub(crate) fn inference() -> Self {
        Recurrence { saved: None }
    }

    /// An op that keeps its states for the backward pass.
    pub(crate) fn training() -> Self {
        Recurrence {
            saved: Some(OnceLock::new()),
        }
    }
}

/// Sizes of one run.
#[derive(Debug, Clone, Copy)]
struct Dims {
    batch: usize,
    steps: usize,
    hidden: usize,
}

impl Dims {
    fn of(p: &Layout, w: &Layout) -> candle_core::Result<Self> {
        let (batch, steps, gates) = p.shape().dims3()?;
        let (w_rows, hidden) = w.shape().dims2()?;
        if gates != 4 * hidden || w_rows != gates {
            return Err(candle_core::Error::Msg(format!(
                "LSTM recurrence: pre-activations {:?} and recurrent weights {:?} do not fit (want B x T x 4H and 4H x H)",
                p.dims(),
                w.dims()
            )));
        }
        Ok(Dims { batch, steps, hidden })
    }

    /// Rows of the batch per thread.
    fn rows_per_block(&self) -> usize {
        let threads = rayon::current_num_threads().max(1);
        self.batch
            .div_ceil(threads)
            .max(MIN_ROWS_PER_THREAD)
            .min(self.batch.max(1))
    }
}

/// The `f32` data of a contiguous storage.
fn contiguous_f32<'a>(storage: &'a CpuStorage, layout: &Layout) -> candle_core::Result<&'a [f32]> {
    let CpuStorage::F32(data) = storage else {
        return Err(candle_core::Error::Msg(format!(
            "the fused LSTM runs in f32, not {:?}",
            storage.dtype()
        )));
    };
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => Err(candle_core::Error::Msg(
            "the fused LSTM needs contiguous tensors".into(),
        )),
    }
}

/// Runs `f` on the `f32` data of a contiguous CPU tensor.
fn with_data<R>(t: &Tensor, f: impl FnOnce(&[f32]) -> candle_core::Result<R>) -> candle_core::Result<R> {
    let (storage, layout) = t.storage_and_layout();
    match &*storage {
        Storage::Cpu(cpu) => f(contiguous_f32(cpu, layout)?),
        _ => Err(candle_core::Error::Msg(
            "the fused LSTM runs on the CPU only".into(),
        )),
    }
}

impl CustomOp2 for Recurrence {
    fn name(&self) -> &'static str {
        "lstm-recurrence"
    }

    fn cpu_fwd(
        &self,
        p_storage: &CpuStorage,
        p_layout: &Layout,
        w_storage: &CpuStorage,
        w_layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let d = Dims::of(p_layout, w_layout)?;
        let (p, w) = (
            contiguous_f32(p_storage, p_layout)?,
            contiguous_f32(w_storage, w_layout)?,
        );
        let (t, h) = (d.steps, d.hidden);
        let rows = d.rows_per_block();
        let mut out = vec![0.0f32; d.batch * t * h];
        if d.batch * t * h > 0 {
            match &self.saved {
                Some(saved) => {
                    let mut state = vec![0.0f32; d.batch * t * 5 * h];
                    p.par_chunks(rows * t * 4 * h)
                        .zip(out.par_chunks_mut(rows * t * h))
                        .zip(state.par_chunks_mut(rows * t * 5 * h))
                        .for_each(|((p, out), state)| forward_rows(d, w, p, out, state, true));
                    saved
                        .set(state)
                        .map_err(|_| candle_core::Error::Msg("LSTM recurrence run twice".into()))?;
                }
                None => p
                    .par_chunks(rows * t * 4 * h)
                    .zip(out.par_chunks_mut(rows * t * h))
                    .for_each(|(p, out)| {
                        let mut scratch = vec![0.0f32; out.len() / (t * h) * 5 * h];
                        forward_rows(d, w, p, out, &mut scratch, false)
                    }),
            }
        }
        Ok((CpuStorage::F32(out), Shape::from((d.batch, t, h))))
    }

    fn bwd(
        &self,
        p: &Tensor,
        w: &Tensor,
        out: &Tensor,
        grad_out: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let state = self.saved.as_ref().and_then(OnceLock::get).ok_or_else(|| {
            candle_core::Error::Msg(
                "this LSTM ran for inference; run it with train = true to differentiate".into(),
            )
        })?;
        let d = Dims::of(p.layout(), w.layout())?;
        let (t, h) = (d.steps, d.hidden);
        let grad_out = grad_out.contiguous()?;
        let mut dp = vec![0.0f32; d.batch * t * 4 * h];
        let mut dw = vec![0.0f32; 4 * h * h];
        if dp.is_empty() {
            return Ok((Some(p.zeros_like()?), Some(w.zeros_like()?)));
        }
        with_data(w, |w| {
            with_data(&grad_out, |grad_out| {
                let rows = d.rows_per_block();
                dp.par_chunks_mut(rows * t * 4 * h)
                    .zip(grad_out.par_chunks(rows * t * h))
                    .zip(state.par_chunks(rows * t * 5 * h))
                    .for_each(|((dp, grad_out), state)| backward_rows(d, w, state, grad_out, dp));
                Ok(())
            })
        })?;
        with_data(out, |out| {
            weight_gradient(d, &dp, out, &mut dw);
            Ok(())
        })?;
        Ok((
            Some(Tensor::from_vec(dp, p.shape(), p.device())?),
            Some(Tensor::from_vec(dw, w.shape(), w.device())?),
        ))
    }
}

/// A matrix read from a slice with a row stride and a column stride.
#[derive(Clone, Copy)]
struct Strided<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

/// `dst = [dst +] lhs * rhs`, `dst` row-major with row stride `dst_stride`; one thread.
fn matmul(dst: &mut [f32], dst_stride: usize, accumulate: bool, lhs: Strided, rhs: Strided) {
    let (m, n, k) = (lhs.rows, rhs.cols, lhs.cols);
    assert_eq!(k, rhs.rows, "inner dimensions of a product");
    if m == 0 || n == 0 {
        return;
    }
    let reaches = |s: Strided| {
        s.rows == 0 || s.cols == 0 || (s.rows - 1) * s.row_stride + (s.cols - 1) * s.col_stride < s.data.len()
    };
    assert!(dst.len() >= (m - 1) * dst_stride + n && reaches(lhs) && reaches(rhs));
    // SAFETY: the asserts above keep every element the strides reach inside the three slices;
    // `dst` is borrowed mutably, so it aliases neither input.
    #[allow(unsafe_code)]
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            dst_stride as isize,
            accumulate,
            lhs.data.as_ptr(),
            lhs.col_stride as isize,
            lhs.row_stride as isize,
            rhs.data.as_ptr(),
            rhs.col_stride as isize,
            rhs.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        )
    }
}

/// The forward pass of one block of rows: `p` (`rows x T x 4H`) in, `out` (`rows x T x H`) out.
/// `state` is `rows x T x 5H` when `keep` (every step's state stays there), else `rows x 5H`
/// reused by every step.
fn forward_rows(d: Dims, w: &[f32], p: &[f32], out: &mut [f32], state: &mut [f32], keep: bool) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        #[allow(unsafe_code)]
        unsafe {
            return forward_rows_avx2(d, w, p, out, state, keep);
        }
    }
    forward_rows_portable(d, w, p, out, state, keep)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn forward_rows_avx2(d: Dims, w: &[f32], p: &[f32], out: &mut [f32], state: &mut [f32], keep: bool) {
    forward_rows_portable(d, w, p, out, state, keep)
}

#[inline(always)]
fn forward_rows_portable(d: Dims, w: &[f32], p: &[f32], out: &mut [f32], state: &mut [f32], keep: bool) {
    let (steps, h) = (d.steps, d.hidden);
    let rows = out.len() / (steps * h);
    // Where row b's state of step t starts: its own slot when kept, else one slot per row.
    let (row_stride, step_stride) = if keep { (steps * 5 * h, 5 * h) } else { (5 * h, 0) };
    let w_transposed = Strided {
        data: w,
        rows: h,
        cols: 4 * h,
        row_stride: 1,
        col_stride: h,
    };
    for t in 0..steps {
        for b in 0..rows {
            let at = b * row_stride + t * step_stride;
            if keep && t > 0 {
                state.copy_within(at - step_stride..at - step_stride + h, at);
            } else if t == 0 {
                state[at..at + h].fill(0.0);
            }
            let from = (b * steps + t) * 4 * h;
            state[at + h..at + 5 * h].copy_from_slice(&p[from..from + 4 * h]);
        }
        if t > 0 {
            let first = t * step_stride + h;
            let h_prev = Strided {
                data: &out[(t - 1) * h..],
                rows,
                cols: h,
                row_stride: steps * h,
                col_stride: 1,
            };
            matmul(&mut state[first..], row_stride, true, h_prev, w_transposed);
        }
        for b in 0..rows {
            let at = b * row_stride + t * step_stride;
            let o = (b * steps + t) * h;
            cell_forward(&mut state[at..at + 5 * h], &mut out[o..o + h]);
        }
    }
}

/// Lanes the gate loops work in: fixed-size blocks that the compiler turns into vector code.
const LANES: usize = 16;

/// One row's gates: `state` holds the previous cell state then the pre-activations z_i, z_f,
/// z_g, z_o; leaves the new cell state and the activated gates there, and writes `h`.
#[inline(always)]
fn cell_forward(state: &mut [f32], h: &mut [f32]) {
    let n = h.len();
    let mut j = 0;
    while j + LANES <= n {
        cell_forward_lanes::<LANES>(state, h, j);
        j += LANES;
    }
    for j in j..n {
        cell_forward_lanes::<1>(state, h, j);
    }
}

/// [`cell_forward`] for units `j..j + N`.
#[inline(always)]
fn cell_forward_lanes<const N: usize>(state: &mut [f32], h: &mut [f32], j: usize) {
    let n = h.len();
    let [mut c, mut i, mut f, mut g, mut o] = [0, 1, 2, 3, 4].map(|k| lanes::<N>(state, k * n + j));
    let mut out = [0.0f32; N];
    for l in 0..N {
        i[l] = sigmoid(i[l]);
        f[l] = sigmoid(f[l]);
        g[l] = tanh(g[l]);
        o[l] = sigmoid(o[l]);
        c[l] = f[l] * c[l] + i[l] * g[l];
        out[l] = o[l] * tanh(c[l]);
    }
    for (k, values) in [c, i, f, g, o].iter().enumerate() {
        state[k * n + j..k * n + j + N].copy_from_slice(values);
    }
    h[j..j + N].copy_from_slice(&out);
}

/// `N` values from `at`.
#[inline(always)]
fn lanes<const N: usize>(s: &[f32], at: usize) -> [f32; N] {
    s[at..at + N].try_into().expect("N values")
}

/// The backward pass of one block of rows: from the kept `state` (`rows x T x 5H`) and the
/// gradient of the outputs (`rows x T x H`), the gradient of the pre-activations `dp`
/// (`rows x T x 4H`).
fn backward_rows(d: Dims, w: &[f32], state: &[f32], grad_out: &[f32], dp: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        #[allow(unsafe_code)]
        unsafe {
            return backward_rows_avx2(d, w, state, grad_out, dp);
        }
    }
    backward_rows_portable(d, w, state, grad_out, dp)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn backward_rows_avx2(d: Dims, w: &[f32], state: &[f32], grad_out: &[f32], dp: &mut [f32]) {
    backward_rows_portable(d, w, state, grad_out, dp)
}

#[inline(always)]
fn backward_rows_portable(d: Dims, w: &[f32], state: &[f32], grad_out: &[f32], dp: &mut [f32]) {
    let (steps, h) = (d.steps, d.hidden);
    let rows = grad_out.len() / (steps * h);
    // Per row: the gradient reaching h_t through the recurrence, and the one reaching c_t.
    let mut dh = vec![0.0f32; rows * h];
    let mut dc = vec![0.0f32; rows * h];
    let zeros = vec![0.0f32; h];
    let w = Strided {
        data: w,
        rows: 4 * h,
        cols: h,
        row_stride: h,
        col_stride: 1,
    };
    for t in (0..steps).rev() {
        for b in 0..rows {
            let at = (b * steps + t) * 5 * h;
            let c_prev = if t > 0 {
                &state[at - 5 * h..at - 4 * h]
            } else {
                &zeros
            };
            let o = (b * steps + t) * h;
            cell_backward(
                &state[at..at + 5 * h],
                c_prev,
                &grad_out[o..o + h],
                &dh[b * h..(b + 1) * h],
                &mut dc[b * h..(b + 1) * h],
                &mut dp[(b * steps + t) * 4 * h..(b * steps + t + 1) * 4 * h],
            );
        }
        if t > 0 {
            let dz = Strided {
                data: &dp[t * 4 * h..],
                rows,
                cols: 4 * h,
                row_stride: steps * 4 * h,
                col_stride: 1,
            };
            matmul(&mut dh, h, false, dz, w);
        }
    }
}

/// One row and step backward: `state` is the cell state and activated gates of the step, `dh`
/// the gradient reaching `h` from later steps; `dc` holds the gradient reaching `c` from later
/// steps and is left with the one reaching the previous cell state; `dz` receives the gradient
/// of the pre-activations.
#[inline(always)]
fn cell_backward(
    state: &[f32],
    c_prev: &[f32],
    grad_out: &[f32],
    dh: &[f32],
    dc: &mut [f32],
    dz: &mut [f32],
) {
    let n = dh.len();
    let mut j = 0;
    while j + LANES <= n {
        cell_backward_lanes::<LANES>(state, c_prev, grad_out, dh, dc, dz, j);
        j += LANES;
    }
    for j in j..n {
        cell_backward_lanes::<1>(state, c_prev, grad_out, dh, dc, dz, j);
    }
}

/// [`cell_backward`] for units `j..j + N`.
#[inline(always)]
fn cell_backward_lanes<const N: usize>(
    state: &[f32],
    c_prev: &[f32],
    grad_out: &[f32],
    dh: &[f32],
    dc: &mut [f32],
    dz: &mut [f32],
    j: usize,
) {
    let n = dh.len();
    let [c, i, f, g, o] = [0, 1, 2, 3, 4].map(|k| lanes::<N>(state, k * n + j));
    let (c_prev, grad_out, dh) = (lanes::<N>(c_prev, j), lanes::<N>(grad_out, j), lanes::<N>(dh, j));
    let mut dc_next = lanes::<N>(dc, j);
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
    dc[j..j + N].copy_from_slice(&dc_next);
    for (k, values) in d.iter().enumerate() {
        dz[k * n + j..k * n + j + N].copy_from_slice(values);
    }
}

/// `dW = sum over rows and steps of dz_t^T h_{t-1}` (`4H x H`), as one product of `dz` with the
/// outputs shifted by a step; blocks of rows of `dW` in parallel.
fn weight_gradient(d: Dims, dp: &[f32], out: &[f32], dw: &mut [f32]) {
    let (steps, h) = (d.steps, d.hidden);
    let mut shifted = vec![0.0f32; out.len()];
    for (to, from) in shifted.chunks_mut(steps * h).zip(out.chunks(steps * h)) {
        to[h..].copy_from_slice(&from[..from.len() - h]);
    }
    let k = d.batch * steps;
    let threads = rayon::current_num_threads().max(1);
    let block = (4 * h).div_ceil(threads).next_multiple_of(8);
    let shifted = Strided {
        data: &shifted,
        rows: k,
        cols: h,
        row_stride: h,
        col_stride: 1,
    };
    dw.par_chunks_mut(block * h).enumerate().for_each(|(n, dw)| {
        // Rows first.. of dW = columns first.. of dz, transposed: dz is k x 4H, row-major.
        let dz_transposed = Strided {
            data: &dp[n * block..],
            rows: dw.len() / h,
            cols: k,
            row_stride: 1,
            col_stride: 4 * h,
        };
        matmul(dw, h, false, dz_transposed, shifted);
    });
}
