//! The LSTM layer as one Candle op, forward and backward through time, on the CPU.
//!
//! Inputs: `x` (`B x T x I`), the weights side by side `W = [W_ih | W_hh]` (`4H x (I + H)`) and
//! the summed biases `b` (`4H`). Output: the hidden state of every step (`B x T x H`). Per step
//! `z = x_t W_ih^T + h_{t-1} W_hh^T + b`, `i, f, o = sigmoid(z_i, z_f, z_o)`, `g = tanh(z_g)`,
//! `c = f c + i g`, `h = o tanh(c)`, from zero states.
//!
//! Rows of the batch are independent, so the batch is cut into one block of rows per thread (on
//! Candle's own thread pool) and each block runs all its steps alone: no synchronisation per
//! step, and every value computed in the same order however the batch is cut (bit-for-bit
//! deterministic, tested).
//!
//! Three paths, with the same results to rounding:
//! - with AVX-512 and `H` a multiple of 16 ([`crate::kernel_avx512`]): both products and the
//!   gates of a step in one pass over tiles of rows, the pre-activations never leaving registers,
//!   and the backward's products on the same register tiles;
//! - with AVX2 and FMA and `H` a multiple of 8 ([`crate::kernel_avx2`]): the same forward tile in
//!   8 lanes;
//! - elsewhere, and for the backward's products without AVX-512: the input products of all steps
//!   as one product, then per step the recurrent product and the gates in vectorised blocks
//!   ([`crate::activation`]); products row by row in a fixed order ([`matmul_rows`]).
//!
//! For training, the forward pass keeps each step's cell state and gate activations (`5H` per row
//! and step) inside the op, in buffers reused from step to step ([`crate::scratch`]). The backward
//! pass reads them: `dz` per step from the gates, `dh_{t-1} = dz W_hh` as a product per step, then
//! `dW`, `dx` (skipped for data) and `db` as whole-batch products.

use std::sync::{Mutex, OnceLock};

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp3, Layout, Shape, Storage, Tensor};
use gait_io::buffer::filled;

use crate::activation::{sigmoid, tanh};
use crate::scratch;

/// `fn $name(args)` that runs `$portable` (an `#[inline(always)]` function) compiled for AVX2
/// where the CPU has it, else as it is: the same operations in the same order, wider.
macro_rules! avx2_where_available {
    ($(#[$attr:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) => $portable:ident) => {
        $(#[$attr])*
        fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            if gait_io::Isa::get() >= gait_io::Isa::Avx2 {
                #[target_feature(enable = "avx2")]
                fn wide($($arg: $ty),*) {
                    $portable($($arg),*)
                }
                // SAFETY: `Isa::get` chooses AVX2 only where the CPU has it.
                #[allow(unsafe_code)]
                unsafe {
                    return wide($($arg),*);
                }
            }
            $portable($($arg),*)
        }
    };
}

/// Fewer rows than this per thread do not pay for the thread.
const MIN_ROWS_PER_THREAD: usize = 8;

/// The op. Built for inference ([`LstmKernel::inference`]) it keeps nothing and has no backward;
/// built for training ([`LstmKernel::training`]) it keeps what its backward pass needs.
pub(crate) struct LstmKernel {
    /// Cell state then the activated gates i, f, g, o (`B x T x 5H`), set by the forward pass.
    saved: Option<OnceLock<Vec<f32>>>,
}

impl Drop for LstmKernel {
    /// The kept states go back to the scratch store when the graph that holds the op goes.
    fn drop(&mut self) {
        if let Some(state) = self.saved.as_mut().and_then(OnceLock::take) {
            scratch::recycle(state);
        }
    }
}

impl LstmKernel {
    /// An op whose result cannot be differentiated; nothing is kept.
    pub(crate) fn inference() -> Self {
        LstmKernel { saved: None }
    }

    /// An op that keeps its states for the backward pass.
    pub(crate) fn training() -> Self {
        LstmKernel {
            saved: Some(OnceLock::new()),
        }
    }
}

/// Sizes of one run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dims {
    pub(crate) batch: usize,
    pub(crate) steps: usize,
    pub(crate) input: usize,
    pub(crate) hidden: usize,
}

impl Dims {
    fn of(x: &Layout, w: &Layout, b: &Layout) -> candle_core::Result<Self> {
        let (batch, steps, input) = x.shape().dims3()?;
        let (gates, width) = w.shape().dims2()?;
        let hidden = gates / 4;
        if input == 0 || !gates.is_multiple_of(4) || width != input + hidden || b.shape().dims1()? != gates {
            return Err(candle_core::Error::Msg(format!(
                "LSTM: input {:?}, weights {:?} and bias {:?} do not fit (want B x T x I with I > 0, 4H x (I + H) and 4H)",
                x.dims(),
                w.dims(),
                b.dims()
            )));
        }
        Ok(Dims {
            batch,
            steps,
            input,
            hidden,
        })
    }

    /// Rows of the batch per thread.
    fn rows_per_block(&self) -> usize {
        let threads = threads();
        self.batch
            .div_ceil(threads)
            .max(MIN_ROWS_PER_THREAD)
            .min(self.batch.max(1))
    }

    /// `W_hh` inside `[W_ih | W_hh]`: `4H x H`.
    fn w_hh<'a>(&self, w: &'a [f32]) -> Strided<'a> {
        Strided {
            data: &w[self.input..],
            rows: 4 * self.hidden,
            cols: self.hidden,
            row_stride: self.input + self.hidden,
            col_stride: 1,
        }
    }

    /// `W_ih` inside `[W_ih | W_hh]`: `4H x I`.
    fn w_ih<'a>(&self, w: &'a [f32]) -> Strided<'a> {
        Strided {
            data: w,
            rows: 4 * self.hidden,
            cols: self.input,
            row_stride: self.input + self.hidden,
            col_stride: 1,
        }
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

impl CustomOp3 for LstmKernel {
    fn name(&self) -> &'static str {
        "lstm"
    }

    fn cpu_fwd(
        &self,
        x_storage: &CpuStorage,
        x_layout: &Layout,
        w_storage: &CpuStorage,
        w_layout: &Layout,
        b_storage: &CpuStorage,
        b_layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let d = Dims::of(x_layout, w_layout, b_layout)?;
        let x = contiguous_f32(x_storage, x_layout)?;
        let w = contiguous_f32(w_storage, w_layout)?;
        let b = contiguous_f32(b_storage, b_layout)?;
        let (t, h) = (d.steps, d.hidden);
        let mut out = filled(d.batch * t * h, 0.0f32);
        let mut state = match self.saved {
            Some(_) => scratch::zeros(d.batch * t * 5 * h),
            None => Vec::new(),
        };
        if d.batch * t * h > 0 {
            let rows = d.rows_per_block();
            let forward = Forward::new(d, w, b);
            let blocks = x.chunks(rows * t * d.input).zip(out.chunks_mut(rows * t * h));
            if self.saved.is_some() {
                let blocks = blocks.zip(state.chunks_mut(rows * t * 5 * h));
                in_parallel(blocks, |((x, out), state)| forward.rows(x, out, Some(state)));
            } else {
                in_parallel(blocks, |(x, out)| forward.rows(x, out, None));
            }
        }
        if let Some(saved) = &self.saved {
            saved
                .set(state)
                .map_err(|_| candle_core::Error::Msg("an LSTM op ran twice".into()))?;
        }
        Ok((CpuStorage::F32(out), Shape::from((d.batch, t, h))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        out: &Tensor,
        grad_out: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let state = self.saved.as_ref().and_then(OnceLock::get).ok_or_else(|| {
            candle_core::Error::Msg(
                "this LSTM ran for inference; run it with train = true to differentiate".into(),
            )
        })?;
        let d = Dims::of(x.layout(), w.layout(), b.layout())?;
        let (t, h) = (d.steps, d.hidden);
        if d.batch * t * h == 0 {
            return Ok((
                Some(x.zeros_like()?),
                Some(w.zeros_like()?),
                Some(b.zeros_like()?),
            ));
        }
        let grad_out = grad_out.contiguous()?;
        let mut dz = scratch::zeros(d.batch * t * 4 * h);
        let mut dx = filled(if x.track_op() { d.batch * t * d.input } else { 0 }, 0.0f32);
        let mut dw = vec![0.0f32; 4 * h * (d.input + h)];
        with_data(w, |w| {
            with_data(&grad_out, |grad_out| {
                let rows = d.rows_per_block();
                let blocks = dz
                    .chunks_mut(rows * t * 4 * h)
                    .zip(grad_out.chunks(rows * t * h))
                    .zip(state.chunks(rows * t * 5 * h));
                in_parallel(blocks, |((dz, grad_out), state)| {
                    backward_rows(d, d.w_hh(w), state, grad_out, dz)
                });
                Ok(())
            })?;
            // The first layer's input is data: no gradient is wanted there.
            if x.track_op() {
                input_gradient(d, &dz, d.w_ih(w), &mut dx);
            }
            Ok(())
        })?;
        with_data(x, |x| {
            with_data(out, |out| {
                weight_gradient(d, &dz, x, out, &mut dw);
                Ok(())
            })
        })?;
        let mut db = vec![0.0f32; 4 * h];
        for row in dz.chunks_exact(4 * h) {
            db.iter_mut().zip(row).for_each(|(s, v)| *s += v);
        }
        scratch::recycle(dz);
        Ok((
            if x.track_op() {
                Some(Tensor::from_vec(dx, x.shape(), x.device())?)
            } else {
                None
            },
            Some(Tensor::from_vec(dw, w.shape(), w.device())?),
            Some(Tensor::from_vec(db, b.shape(), b.device())?),
        ))
    }
}

/// Threads to split work over: Candle's CPU threads.
fn threads() -> usize {
    candle_core::utils::get_num_threads().max(1)
}

/// Runs `work` on every item, in parallel on Candle's own CPU thread pool: a second pool
/// (rayon's) competed with it, since Candle's workers spin for a while after each of its parallel
/// ops, and on two cores that took one from this kernel. Each item is run once, by whichever
/// thread takes it; items are independent, so the results do not depend on which.
fn in_parallel<T: Send>(items: impl Iterator<Item = T>, work: impl Fn(T) + Sync) {
    let slots: Vec<Mutex<Option<T>>> = items.map(|item| Mutex::new(Some(item))).collect();
    candle_core::utils::barrier_pool().execute_chunked(slots.len(), |range| {
        for slot in &slots[range] {
            if let Some(item) = slot.lock().ok().and_then(|mut item| item.take()) {
                work(item);
            }
        }
    });
}

/// How a forward pass runs.
enum Path {
    /// On a register tile ([`crate::kernel_avx512`], [`crate::kernel_avx2`]).
    #[cfg(target_arch = "x86_64")]
    Tiles(crate::tile::Packed),
    /// Products, then gates ([`forward_rows`]), with `W_ih^T` and `W_hh^T` copied row-major so
    /// that every product reads rows of contiguous weights.
    Portable { w_ih_t: Vec<f32>, w_hh_t: Vec<f32> },
}

/// The forward pass of blocks of rows, by the widest path this CPU and these sizes allow.
struct Forward<'a> {
    d: Dims,
    b: &'a [f32],
    path: Path,
}

impl<'a> Forward<'a> {
    fn new(d: Dims, w: &[f32], b: &'a [f32]) -> Self {
        #[cfg(target_arch = "x86_64")]
        if let Some(packed) =
            crate::kernel_avx512::packed(d, w, b).or_else(|| crate::kernel_avx2::packed(d, w, b))
        {
            return Forward {
                d,
                b,
                path: Path::Tiles(packed),
            };
        }
        Forward::portable(d, w, b)
    }

    /// The portable path, whatever the CPU.
    fn portable(d: Dims, w: &[f32], b: &'a [f32]) -> Self {
        let path = Path::Portable {
            w_ih_t: d.w_ih(w).transposed().copied(),
            w_hh_t: d.w_hh(w).transposed().copied(),
        };
        Forward { d, b, path }
    }

    /// `x` (`rows x T x I`) in, `out` (`rows x T x H`) out; with `state` (`rows x T x 5H`), every
    /// step's cell state and gates kept there.
    fn rows(&self, x: &[f32], out: &mut [f32], state: Option<&mut [f32]>) {
        let (w_ih_t, w_hh_t) = match &self.path {
            #[cfg(target_arch = "x86_64")]
            Path::Tiles(packed) => return packed.forward_rows(self.d.steps, x, out, state),
            Path::Portable { w_ih_t, w_hh_t } => (w_ih_t, w_hh_t),
        };
        let d = self.d;
        let (steps, h) = (d.steps, d.hidden);
        let rows = out.len() / (steps * h);
        // The input products of all steps of these rows as one product, then the biases.
        let mut p = scratch::zeros(rows * steps * 4 * h);
        let x = Strided::row_major(x, rows * steps, d.input);
        matmul(
            &mut p,
            4 * h,
            false,
            x,
            Strided::row_major(w_ih_t, d.input, 4 * h),
        );
        for row in p.chunks_exact_mut(4 * h) {
            row.iter_mut().zip(self.b).for_each(|(v, b)| *v += b);
        }
        let w_hh_t = Strided::row_major(w_hh_t, h, 4 * h);
        match state {
            Some(state) => forward_rows(d, w_hh_t, &p, out, state, true),
            None => forward_rows(d, w_hh_t, &p, out, &mut vec![0.0f32; rows * 5 * h], false),
        }
        scratch::recycle(p);
    }
}

/// A matrix read from a slice with a row stride and a column stride.
#[derive(Clone, Copy)]
pub(crate) struct Strided<'a> {
    pub(crate) data: &'a [f32],
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) row_stride: usize,
    pub(crate) col_stride: usize,
}

impl<'a> Strided<'a> {
    /// `rows x cols` stored row after row in `data`.
    pub(crate) fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Strided {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// Whether every element's index lies inside `data`.
    pub(crate) fn fits(&self) -> bool {
        self.rows == 0
            || self.cols == 0
            || (self.rows - 1)
                .checked_mul(self.row_stride)
                .zip((self.cols - 1).checked_mul(self.col_stride))
                .and_then(|(r, c)| r.checked_add(c))
                .is_some_and(|last| last < self.data.len())
    }

    /// The elements, row after row.
    fn copied(self) -> Vec<f32> {
        (0..self.rows)
            .flat_map(|i| (0..self.cols).map(move |j| self.data[i * self.row_stride + j * self.col_stride]))
            .collect()
    }

    /// The same elements read as the transpose.
    fn transposed(self) -> Self {
        Strided {
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            ..self
        }
    }
}

/// `dst = [dst +] lhs * rhs`, `dst` row-major with row stride `dst_stride`, `rhs` with contiguous
/// rows; one thread.
fn matmul(dst: &mut [f32], dst_stride: usize, accumulate: bool, lhs: Strided, rhs: Strided) {
    let (m, n, k) = (lhs.rows, rhs.cols, lhs.cols);
    assert_eq!(k, rhs.rows, "inner dimensions of a product");
    assert_eq!(rhs.col_stride, 1, "the right factor's rows are contiguous");
    if m == 0 || n == 0 {
        return;
    }
    assert!(dst.len() >= (m - 1) * dst_stride + n && lhs.fits() && rhs.fits());
    #[cfg(target_arch = "x86_64")]
    if crate::kernel_avx512::available() {
        return crate::kernel_avx512::matmul(dst, dst_stride, accumulate, lhs, rhs);
    }
    matmul_rows(dst, dst_stride, accumulate, lhs, rhs)
}

avx2_where_available! {
    /// [`matmul`] without AVX-512, once [`matmul`] has checked the sizes: row by row, each row
    /// of `dst` the sum over `k`, in order, of `lhs[i, k]` times row `k` of `rhs`. Every element
    /// is summed in the same order whatever rows are computed together, so the results do not
    /// depend on how the batch is cut among threads.
    fn matmul_rows(
        dst: &mut [f32],
        dst_stride: usize,
        accumulate: bool,
        lhs: Strided,
        rhs: Strided,
    ) => matmul_rows_portable
}

#[inline(always)]
fn matmul_rows_portable(dst: &mut [f32], dst_stride: usize, accumulate: bool, lhs: Strided, rhs: Strided) {
    let n = rhs.cols;
    for i in 0..lhs.rows {
        let row = &mut dst[i * dst_stride..i * dst_stride + n];
        if !accumulate {
            row.fill(0.0);
        }
        for k in 0..lhs.cols {
            let a = lhs.data[i * lhs.row_stride + k * lhs.col_stride];
            let b = &rhs.data[k * rhs.row_stride..k * rhs.row_stride + n];
            row.iter_mut().zip(b).for_each(|(c, b)| *c += a * b);
        }
    }
}

avx2_where_available! {
    /// The forward pass of one block of rows: `p` (`rows x T x 4H`) in, `out` (`rows x T x H`)
    /// out, with `w_hh_t` = `W_hh^T` (`H x 4H`). `state` is `rows x T x 5H` when `keep` (every
    /// step's state stays there), else `rows x 5H` reused by every step.
    fn forward_rows(
        d: Dims,
        w_hh_t: Strided,
        p: &[f32],
        out: &mut [f32],
        state: &mut [f32],
        keep: bool,
    ) => forward_rows_portable
}

#[inline(always)]
fn forward_rows_portable(
    d: Dims,
    w_hh_t: Strided,
    p: &[f32],
    out: &mut [f32],
    state: &mut [f32],
    keep: bool,
) {
    let (steps, h) = (d.steps, d.hidden);
    let rows = out.len() / (steps * h);
    // Where row b's state of step t starts: its own slot when kept, else one slot per row.
    let (row_stride, step_stride) = if keep { (steps * 5 * h, 5 * h) } else { (5 * h, 0) };
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
            matmul(&mut state[first..], row_stride, true, h_prev, w_hh_t);
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

avx2_where_available! {
    /// The backward pass of one block of rows: from the kept `state` (`rows x T x 5H`) and the
    /// gradient of the outputs (`rows x T x H`), the gradient of the pre-activations `dp`
    /// (`rows x T x 4H`).
    fn backward_rows(
        d: Dims,
        w_hh: Strided,
        state: &[f32],
        grad_out: &[f32],
        dp: &mut [f32],
    ) => backward_rows_portable
}

#[inline(always)]
fn backward_rows_portable(d: Dims, w_hh: Strided, state: &[f32], grad_out: &[f32], dp: &mut [f32]) {
    let (steps, h) = (d.steps, d.hidden);
    let rows = grad_out.len() / (steps * h);
    // Per row: the gradient reaching h_t through the recurrence, and the one reaching c_t.
    let mut dh = vec![0.0f32; rows * h];
    let mut dc = vec![0.0f32; rows * h];
    let zeros = vec![0.0f32; h];
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
            matmul(&mut dh, h, false, dz, w_hh);
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

/// `dx = dz W_ih` (`BT x I`), blocks of rows in parallel.
fn input_gradient(d: Dims, dz: &[f32], w_ih: Strided, dx: &mut [f32]) {
    let rows = (d.batch * d.steps).div_ceil(threads()).max(1);
    let blocks = dx.chunks_mut(rows * d.input).zip(dz.chunks(rows * 4 * d.hidden));
    in_parallel(blocks, |(dx, dz)| {
        let dz = Strided::row_major(dz, dz.len() / (4 * d.hidden), 4 * d.hidden);
        matmul(dx, d.input, false, dz, w_ih);
    });
}

/// `dW = [dW_ih | dW_hh] = sum over rows and steps of dz_t^T [x_t | h_{t-1}]`
/// (`4H x (I + H)`), as two products over the whole batch; blocks of rows of `dW` in parallel.
fn weight_gradient(d: Dims, dz: &[f32], x: &[f32], out: &[f32], dw: &mut [f32]) {
    let (steps, h, width) = (d.steps, d.hidden, d.input + d.hidden);
    // h_{t-1} of every row and step: the outputs moved one step later, zero first.
    let mut shifted = scratch::zeros(out.len());
    for (to, from) in shifted.chunks_mut(steps * h).zip(out.chunks(steps * h)) {
        to[h..].copy_from_slice(&from[..from.len() - h]);
    }
    let k = d.batch * steps;
    let x = Strided::row_major(x, k, d.input);
    let shifted_rows = Strided::row_major(&shifted, k, h);
    let block = (4 * h).div_ceil(threads()).next_multiple_of(8);
    in_parallel(dw.chunks_mut(block * width).enumerate(), |(n, dw)| {
        // Rows first.. of dW = columns first.. of dz, transposed: dz is k x 4H, row-major.
        let dz_transposed = Strided {
            data: &dz[n * block..],
            rows: dw.len() / width,
            cols: k,
            row_stride: 1,
            col_stride: 4 * h,
        };
        matmul(dw, width, false, dz_transposed, x);
        matmul(&mut dw[d.input..], width, false, dz_transposed, shifted_rows);
    });
    scratch::recycle(shifted);
}

#[cfg(test)]
pub(crate) mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    /// `f` over `xs` in arrays of `N` (the last one padded with zeros), its two results cut back
    /// to `xs`'s length.
    #[cfg(target_arch = "x86_64")]
    pub(crate) fn by_lanes<const N: usize>(
        xs: &[f32],
        f: impl Fn(&[f32; N]) -> ([f32; N], [f32; N]),
    ) -> (Vec<f32>, Vec<f32>) {
        let (mut first, mut second) = (Vec::new(), Vec::new());
        for chunk in xs.chunks(N) {
            let mut lanes = [0.0f32; N];
            lanes[..chunk.len()].copy_from_slice(chunk);
            let (a, b) = f(&lanes);
            first.extend_from_slice(&a[..chunk.len()]);
            second.extend_from_slice(&b[..chunk.len()]);
        }
        (first, second)
    }

    fn random(n: usize, rng: &mut ChaCha8Rng) -> Vec<f32> {
        (0..n).map(|_| rng.random::<f32>() * 2.0 - 1.0).collect()
    }

    /// Every product path against a plain triple loop in f64, on shapes that leave partial
    /// tiles and masked columns, with strided and transposed operands.
    #[test]
    fn products_match_a_triple_loop() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for (m, n, k) in [(1, 1, 1), (7, 17, 5), (13, 70, 33), (6, 64, 0), (20, 3, 9)] {
            let a = random(m * k + 3, &mut rng);
            let b = random(k * n * 2 + 5, &mut rng);
            let lhs = Strided::row_major(&a, m, k);
            // b read as k x n with row stride 2n (every other row of a wider matrix).
            let rhs = Strided {
                data: &b,
                rows: k,
                cols: n,
                row_stride: 2 * n,
                col_stride: 1,
            };
            let start = random(m * (n + 1), &mut rng);
            let want = |accumulate: bool| -> Vec<f64> {
                let mut c = vec![0.0; m * (n + 1)];
                for i in 0..m {
                    for j in 0..n + 1 {
                        let base = if accumulate || j == n {
                            f64::from(start[i * (n + 1) + j])
                        } else {
                            0.0
                        };
                        c[i * (n + 1) + j] = base
                            + if j < n {
                                (0..k)
                                    .map(|l| f64::from(a[i * k + l]) * f64::from(b[l * 2 * n + j]))
                                    .sum::<f64>()
                            } else {
                                0.0
                            };
                    }
                }
                c
            };
            for accumulate in [false, true] {
                let mut paths: Vec<Vec<f32>> = Vec::new();
                let mut c = start.clone();
                matmul_rows(&mut c, n + 1, accumulate, lhs, rhs);
                paths.push(c);
                #[cfg(target_arch = "x86_64")]
                if crate::kernel_avx512::available() {
                    let mut c = start.clone();
                    crate::kernel_avx512::matmul(&mut c, n + 1, accumulate, lhs, rhs);
                    paths.push(c);
                }
                // The transposed-lhs form the weight gradients use.
                let at: Vec<f32> = (0..k * m).map(|i| a[(i % m) * k + i / m]).collect();
                let lhs_t = Strided {
                    data: &at,
                    rows: m,
                    cols: k,
                    row_stride: 1,
                    col_stride: m,
                };
                let mut c = start.clone();
                matmul(&mut c, n + 1, accumulate, lhs_t, rhs);
                paths.push(c);
                for c in paths {
                    for (got, want) in c.iter().zip(want(accumulate)) {
                        assert!(
                            (f64::from(*got) - want).abs() < 1e-5,
                            "{m}x{n}x{k}: {got} against {want}"
                        );
                    }
                }
            }
        }
    }

    /// The vector sigmoid and tanh of each register tile against f64 libm over [-30, 30] and the
    /// clamp's edges, where the CPU has them.
    #[test]
    fn vector_sigmoid_and_tanh_are_within_3e_7_of_libm() {
        let xs: Vec<f32> = (-30 * 1024..=30 * 1024)
            .map(|i| i as f32 / 1024.0)
            .chain([-200.0, -87.0, -86.0, 88.0, 89.0, 200.0, 1e-30, -1e-30])
            .collect();
        #[cfg(target_arch = "x86_64")]
        for (name, found) in [
            ("AVX-512", crate::kernel_avx512::activations(&xs)),
            ("AVX2", crate::kernel_avx2::activations(&xs)),
        ] {
            let Some((sigmoids, tanhs)) = found else {
                continue; // not on this CPU
            };
            for ((&x, &s), &t) in xs.iter().zip(&sigmoids).zip(&tanhs) {
                let x = f64::from(x);
                let (ds, dt) = (
                    (f64::from(s) - 1.0 / (1.0 + (-x).exp())).abs(),
                    (f64::from(t) - x.tanh()).abs(),
                );
                assert!(
                    ds < 3e-7 && dt < 3e-7,
                    "{name} at {x}: sigmoid off by {ds:e}, tanh by {dt:e}"
                );
            }
        }
    }

    /// Threads take blocks of rows: how the batch is cut into blocks must not change a bit of
    /// the outputs, kept states or gate gradients (H = 16, 8 and 7 take the AVX-512, AVX2 and
    /// portable paths where the CPU has them).
    #[test]
    fn cutting_the_batch_into_blocks_changes_no_bit() {
        for hidden in [16, 8, 7] {
            let mut rng = ChaCha8Rng::seed_from_u64(5);
            let d = Dims {
                batch: 13,
                steps: 6,
                input: 5,
                hidden,
            };
            let (t, h) = (d.steps, d.hidden);
            let x = random(d.batch * t * d.input, &mut rng);
            let w = random(4 * h * (d.input + h), &mut rng);
            let b = random(4 * h, &mut rng);
            let grad_out = random(d.batch * t * h, &mut rng);
            let forward = Forward::new(d, &w, &b);
            let run = |rows: usize| {
                let mut out = vec![0.0; d.batch * t * h];
                let mut state = vec![0.0; d.batch * t * 5 * h];
                let mut dz = vec![0.0; d.batch * t * 4 * h];
                let blocks = x.chunks(rows * t * d.input).zip(out.chunks_mut(rows * t * h));
                for ((x, out), state) in blocks.zip(state.chunks_mut(rows * t * 5 * h)) {
                    forward.rows(x, out, Some(state));
                }
                let blocks = dz.chunks_mut(rows * t * 4 * h).zip(grad_out.chunks(rows * t * h));
                for ((dz, grad_out), state) in blocks.zip(state.chunks(rows * t * 5 * h)) {
                    backward_rows(d, d.w_hh(&w), state, grad_out, dz);
                }
                (out, state, dz)
            };
            let whole = run(d.batch);
            assert!(whole == run(5) && whole == run(1), "H = {hidden}");
        }
    }

    /// Each register-tile forward pass (AVX-512, AVX2) against the portable one, outputs and kept
    /// states, where the CPU has it.
    #[test]
    fn every_forward_path_agrees_with_the_portable_one() {
        for (batch, steps, input, hidden) in [(7, 9, 11, 16), (13, 5, 3, 32), (4, 6, 2, 8)] {
            let mut rng = ChaCha8Rng::seed_from_u64(11);
            let d = Dims {
                batch,
                steps,
                input,
                hidden,
            };
            let (x, w, b) = (
                random(batch * steps * input, &mut rng),
                random(4 * hidden * (input + hidden), &mut rng),
                random(4 * hidden, &mut rng),
            );
            let run = |forward: &Forward| {
                let mut out = vec![0.0; batch * steps * hidden];
                let mut state = vec![0.0; batch * steps * 5 * hidden];
                forward.rows(&x, &mut out, Some(&mut state));
                (out, state)
            };
            let portable = run(&Forward::portable(d, &w, &b));
            #[cfg(target_arch = "x86_64")]
            {
                let tiles = [
                    crate::kernel_avx512::packed(d, &w, &b),
                    crate::kernel_avx2::packed(d, &w, &b),
                ];
                let tiled = tiles.into_iter().flatten().map(|packed| {
                    run(&Forward {
                        d,
                        b: &b,
                        path: Path::Tiles(packed),
                    })
                });
                for (out, state) in tiled {
                    for (a, b) in out.iter().chain(&state).zip(portable.0.iter().chain(&portable.1)) {
                        assert!((a - b).abs() < 1e-5, "{a} against {b}");
                    }
                }
            }
        }
    }
}
