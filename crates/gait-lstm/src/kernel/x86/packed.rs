//! A layer's weights packed for a register tile of `lanes` hidden units, and the pointers of one
//! call of the tile loop.

use std::mem::MaybeUninit;

use super::Simd;
use crate::kernel::Dims;

/// Runs every step of `rows` rows of a [`Call`], storing every value of its `out`: an
/// instruction set's tile loop.
///
/// # Safety
///
/// Callable only on a CPU with the loop's target features, with a [`Call`] whose slices
/// [`Packed::forward_rows`] checked for that many rows.
pub(crate) type Run = unsafe fn(&Call<'_>, usize);

/// The weights and biases of one layer, packed for a register tile, with the sizes they were
/// packed for and the tile loop to run.
pub(crate) struct Packed {
    /// `[block][k][gate][lanes]`, `k` over the `I + H` inputs of `[x_t | h_{t-1}]`.
    pub(crate) weights: Vec<f32>,
    /// `[block][gate][lanes]`.
    pub(crate) bias: Vec<f32>,
    /// `I`, the inputs per step.
    input: usize,
    /// `H`, the hidden units.
    hidden: usize,
    run: Run,
}

impl Packed {
    /// Packs `[W_ih | W_hh]` and `b` for the tile of `S`, whose token (`_`) shows that this
    /// CPU runs it. Weights of the wrong size, or `H` not a multiple of the tile's lanes, are a
    /// bug, and panic.
    pub(super) fn new<S: Simd>(_: S, d: Dims, w: &[f32], b: &[f32]) -> Packed {
        Packed::with_loop(d, w, b, S::LANES, S::RUN)
    }

    /// [`new`](Self::new) for any tile loop `run` that addresses the weights in blocks of
    /// `lanes` hidden units.
    fn with_loop(d: Dims, w: &[f32], b: &[f32], lanes: usize, run: Run) -> Packed {
        let (h, width) = (d.hidden, d.input + d.hidden);
        assert!(
            lanes > 0 && h.is_multiple_of(lanes) && w.len() == 4 * h * width && b.len() == 4 * h,
            "Packed::new: weights {} and bias {} for input {} and hidden {h} in blocks of {lanes}",
            w.len(),
            b.len(),
            d.input
        );
        let unit = |block: usize, gate: usize, lane: usize| gate * h + block * lanes + lane;
        let mut weights = Vec::with_capacity(4 * h * width);
        let mut bias = Vec::with_capacity(4 * h);
        for block in 0..h / lanes {
            for k in 0..width {
                for gate in 0..4 {
                    weights.extend((0..lanes).map(|lane| w[unit(block, gate, lane) * width + k]));
                }
            }
            for gate in 0..4 {
                bias.extend((0..lanes).map(|lane| b[unit(block, gate, lane)]));
            }
        }
        Packed {
            weights,
            bias,
            input: d.input,
            hidden: h,
            run,
        }
    }

    /// `x` (`rows x steps x I`) in, `out` (`rows x steps x H`) out, every value written and
    /// returned initialised, for the `I` and `H` the weights were packed for; with `state`
    /// (`steps x rows x 5H`), each step's cell state and activated gates (c, i, f, g, o) kept
    /// there. Sizes that do not fit are a bug, and panic.
    pub(crate) fn forward_rows<'o>(
        &self,
        steps: usize,
        x: &[f32],
        out: &'o mut [MaybeUninit<f32>],
        state: Option<&mut [f32]>,
    ) -> &'o mut [f32] {
        let (input, h) = (self.input, self.hidden);
        // Everything the tile loop addresses, checked here: its weights and biases, and each slice.
        assert!(
            self.weights.len() == 4 * h * (input + h) && self.bias.len() == 4 * h,
            "packed sizes"
        );
        let rows = out.len().checked_div(steps * h).unwrap_or(0);
        assert_eq!(
            out.len(),
            rows * steps * h,
            "output of {rows} rows x {steps} steps x {h}"
        );
        assert_eq!(
            x.len(),
            rows * steps * input,
            "input of {rows} rows x {steps} steps x {input}"
        );
        if rows == 0 {
            return &mut [];
        }
        let state = state.map(|s| {
            assert_eq!(
                s.len(),
                rows * steps * 5 * h,
                "state of {rows} rows x {steps} steps x 5 x {h}"
            );
            s.as_mut_ptr()
        });
        let d = Dims {
            batch: rows,
            steps,
            input,
            hidden: h,
        };
        let mut c = vec![0.0f32; rows * h];
        let call = Call {
            d,
            packed: self,
            x: x.as_ptr(),
            out: out.as_mut_ptr().cast(),
            c: c.as_mut_ptr(),
            state,
        };
        // SAFETY: `new`'s token vouched for the CPU and the tile loop; the asserts above give
        // the weights, the biases and every slice the sizes the loop addresses for these dims,
        // and `out`, `c` and `state` are borrowed mutably for the call.
        #[allow(unsafe_code)]
        unsafe {
            (self.run)(&call, rows);
            // SAFETY: the tile loop stores every unit of every row and step of `out` (each step,
            // each block of units, each tile of rows), reading `h` of a step only after storing
            // it; `MaybeUninit<f32>` has the layout of `f32`.
            std::slice::from_raw_parts_mut(out.as_mut_ptr().cast::<f32>(), out.len())
        }
    }
}

/// One call's pointers: `x`, `out`, `state` as in [`Packed::forward_rows`], `c` the running cell
/// state (`rows x H`).
pub(crate) struct Call<'a> {
    pub(crate) d: Dims,
    pub(crate) packed: &'a Packed,
    pub(crate) x: *const f32,
    pub(crate) out: *mut f32,
    pub(crate) c: *mut f32,
    pub(crate) state: Option<*mut f32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tile loop that touches nothing: the checks are what is tested (given an `out` already
    /// written, since it writes none).
    ///
    /// # Safety
    ///
    /// None needed: it does nothing.
    #[allow(unsafe_code)]
    unsafe fn idle(_: &Call<'_>, _: usize) {}

    fn packed(input: usize, hidden: usize) -> Packed {
        let d = Dims {
            batch: 1,
            steps: 1,
            input,
            hidden,
        };
        let (w, b) = (vec![0.0; 4 * hidden * (input + hidden)], vec![0.0; 4 * hidden]);
        Packed::with_loop(d, &w, &b, 8, idle)
    }

    #[test]
    fn the_sizes_the_weights_were_packed_for_are_the_ones_used() {
        // Input 40 / hidden 8 and input 8 / hidden 16 both pack 1,536 weights; running the first
        // with the second's slices must not reach the loop.
        let p = packed(40, 8);
        assert_eq!(p.weights.len(), packed(8, 16).weights.len());
        let (x, mut out) = (vec![0.0; 3 * 8], vec![MaybeUninit::uninit(); 3 * 16]);
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            p.forward_rows(3, &x, &mut out, None);
        }));
        assert!(
            run.is_err(),
            "slices for input 8 / hidden 16 were accepted by weights for 40 / 8"
        );
        // The right sizes run.
        let (x, mut out) = (vec![0.0; 2 * 3 * 40], vec![MaybeUninit::new(0.0); 2 * 3 * 8]);
        p.forward_rows(3, &x, &mut out, None);
    }

    #[test]
    #[should_panic(expected = "Packed::new")]
    fn weights_of_the_wrong_size_are_refused_when_packed() {
        let d = Dims {
            batch: 1,
            steps: 1,
            input: 40,
            hidden: 8,
        };
        let _ = Packed::with_loop(d, &[0.0; 100], &[0.0; 32], 8, idle);
    }
}
