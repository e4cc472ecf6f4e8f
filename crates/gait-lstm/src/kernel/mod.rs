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
//! The files:
//! - this one: the Candle op ([`LstmKernel`]), the sizes of a run ([`Dims`]) and the threads;
//! - [`forward`]: the forward pass, on a register tile ([`x86`]: AVX-512 for `H` a multiple of
//!   16, AVX2 and FMA for a multiple of 8) or by the portable path (the input products of all
//!   steps as one product, then per step the recurrent product and the gates in vectorised
//!   blocks, [`activation`]);
//! - [`backward`]: the backward pass, from the states the forward pass kept;
//! - [`dense`]: the dense layers as one op each ([`DenseKernel`]), on the same products;
//! - [`products`]: the matrix products, on AVX-512 or AVX2 tiles or a portable one;
//! - [`scratch`]: buffers reused from step to step.
//!
//! Every path gives the same results to rounding; `GAIT_ISA` ([`gait_cpu::Isa`]) forces a
//! narrower one, so that tests and benches reach each path a machine has.
//!
//! For training, the forward pass keeps each step's cell state and gate activations (`5H` per row
//! and step) inside the op. The backward pass reads them: `dz` per step from the gates,
//! `dh_{t-1} = dz W_hh` as a product per step, then `dW`, `dx` (skipped for data) and `db` as
//! products over the whole batch.

mod activation;
mod backward;
mod dense;
mod forward;
mod products;
mod scratch;
#[cfg(target_arch = "x86_64")]
mod x86;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp3, Layout, Shape, Storage, Tensor};
use gait_cpu::buffer::{filled, with_capacity};

use backward::{backward_rows, input_gradient, weight_gradient};
pub(crate) use dense::DenseKernel;
use forward::Forward;
use products::Strided;

/// Fewer rows than this per thread do not pay for the thread.
const MIN_ROWS_PER_THREAD: usize = 8;

/// The op. Built for inference ([`LstmKernel::inference`]) it keeps nothing and has no backward;
/// built for training ([`LstmKernel::training`]) it keeps what its backward pass needs.
pub(crate) struct LstmKernel {
    /// Cell state then the activated gates i, f, g, o, set by the forward pass: per block of rows
    /// (the threads' unit), `T x rows x 5H`, so that the backward pass, going back step by step,
    /// reads each step's states from one stretch of memory.
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
        let len = d.batch * t * h;
        // Written once, by the forward pass: zeroing megabytes first, on one thread, was a
        // seventh of an inference.
        let mut out: Vec<f32> = with_capacity(len);
        let mut state = match self.saved {
            Some(_) => scratch::take(d.batch * t * 5 * h),
            None => Vec::new(),
        };
        if len > 0 {
            let rows = d.rows_per_block();
            let forward = Forward::new(d, w, b);
            let written = AtomicUsize::new(0);
            let count = |done: &mut [f32]| written.fetch_add(done.len(), Ordering::Relaxed);
            let blocks = x
                .chunks(rows * t * d.input)
                .zip(out.spare_capacity_mut()[..len].chunks_mut(rows * t * h));
            if self.saved.is_some() {
                let blocks = blocks.zip(state.chunks_mut(rows * t * 5 * h));
                in_parallel(blocks, |((x, out), state)| {
                    count(forward.rows(x, out, Some(state)));
                });
            } else {
                in_parallel(blocks, |(x, out)| {
                    count(forward.rows(x, out, None));
                });
            }
            if written.into_inner() != len {
                return Err(candle_core::Error::Msg(
                    "the LSTM's forward pass left blocks of rows unrun".into(),
                ));
            }
            // SAFETY: each block's `rows` returned its whole chunk initialised, and the chunks,
            // whose lengths were just counted, tile the first `len` values.
            #[allow(unsafe_code)]
            unsafe {
                out.set_len(len)
            };
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
        let mut dz = scratch::take(d.batch * t * 4 * h);
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
        let mut db = vec![0.0f32; 4 * h];
        with_data(x, |x| {
            with_data(out, |out| {
                weight_gradient(d, &dz, x, out, &mut dw, &mut db);
                Ok(())
            })
        })?;
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

/// Threads to split work over: those of Candle's pool ([`in_parallel`]) and the caller. Asked of
/// the pool, not of `get_num_threads`, which reads `/proc/cpuinfo` at every call.
pub(crate) fn threads() -> usize {
    candle_core::utils::barrier_pool().n_workers() + 1
}

/// Runs `work` on every item, in parallel on Candle's own CPU thread pool: a second pool
/// (rayon's) competed with it, since Candle's workers spin for a while after each of its parallel
/// ops, and on two cores that took one from this kernel. Each item is run once, by whichever
/// thread takes it; items are independent, so the results do not depend on which.
pub(crate) fn in_parallel<T: Send>(items: impl Iterator<Item = T>, work: impl Fn(T) + Sync) {
    let slots: Vec<Mutex<Option<T>>> = items.map(|item| Mutex::new(Some(item))).collect();
    candle_core::utils::barrier_pool().execute_chunked(slots.len(), |range| {
        for slot in &slots[range] {
            if let Some(item) = slot.lock().ok().and_then(|mut item| item.take()) {
                work(item);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    /// `n` values uniform in [-1, 1).
    pub(crate) fn random(n: usize, rng: &mut ChaCha8Rng) -> Vec<f32> {
        use rand::Rng;
        (0..n).map(|_| rng.random::<f32>() * 2.0 - 1.0).collect()
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
                let mut out = Vec::new();
                let mut state = vec![0.0; d.batch * t * 5 * h];
                let mut dz = vec![0.0; d.batch * t * 4 * h];
                let mut unset = vec![std::mem::MaybeUninit::uninit(); rows * t * h];
                for (x, state) in x
                    .chunks(rows * t * d.input)
                    .zip(state.chunks_mut(rows * t * 5 * h))
                {
                    let rows_here = x.len() / (t * d.input);
                    out.extend_from_slice(forward.rows(x, &mut unset[..rows_here * t * h], Some(state)));
                }
                let blocks = dz.chunks_mut(rows * t * 4 * h).zip(grad_out.chunks(rows * t * h));
                for ((dz, grad_out), state) in blocks.zip(state.chunks(rows * t * 5 * h)) {
                    backward_rows(d, d.w_hh(&w), state, grad_out, dz);
                }
                // A block keeps its states step after step: put back row after row to compare.
                let mut by_row = Vec::new();
                for block in state.chunks(rows * t * 5 * h) {
                    let rows_here = block.len() / (t * 5 * h);
                    for b in 0..rows_here {
                        for step in 0..t {
                            let at = (step * rows_here + b) * 5 * h;
                            by_row.extend_from_slice(&block[at..at + 5 * h]);
                        }
                    }
                }
                (out, by_row, dz)
            };
            let whole = run(d.batch);
            assert!(whole == run(5) && whole == run(1), "H = {hidden}");
        }
    }
}
