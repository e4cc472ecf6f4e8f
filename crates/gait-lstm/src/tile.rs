//! What the register-tile forward passes ([`crate::kernel_avx512`], [`crate::kernel_avx2`])
//! share: a layer's weights packed for a tile of `lanes` hidden units, and the pointers of one
//! call.

use crate::kernel::Dims;

/// Runs every step of `rows` rows of a [`Call`]; an ISA's tile loop.
type Run = unsafe fn(&Call<'_>, usize);

/// The weights and biases of one layer, packed for a register tile, with the tile loop to run.
pub(crate) struct Packed {
    /// `[block][k][gate][lanes]`, `k` over the `I + H` inputs of `[x_t | h_{t-1}]`.
    pub(crate) weights: Vec<f32>,
    /// `[block][gate][lanes]`.
    pub(crate) bias: Vec<f32>,
    run: Run,
}

impl Packed {
    /// Packs `[W_ih | W_hh]` and `b` for tiles of `lanes` hidden units (`H` a multiple of
    /// `lanes`), to be run by `run`.
    ///
    /// # Safety
    ///
    /// This CPU must have the target features `run` is compiled for.
    #[allow(unsafe_code)]
    pub(crate) unsafe fn new(d: Dims, w: &[f32], b: &[f32], lanes: usize, run: Run) -> Packed {
        let (h, width) = (d.hidden, d.input + d.hidden);
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
        Packed { weights, bias, run }
    }

    /// `x` (`rows x T x I`) in, `out` (`rows x T x H`) out; with `state` (`rows x T x 5H`), each
    /// step's cell state and activated gates (c, i, f, g, o) kept there.
    pub(crate) fn forward_rows(&self, d: Dims, x: &[f32], out: &mut [f32], state: Option<&mut [f32]>) {
        let (steps, h) = (d.steps, d.hidden);
        let rows = out.len() / (steps * h);
        assert_eq!(out.len(), rows * steps * h);
        assert_eq!(x.len(), rows * steps * d.input);
        assert_eq!(self.weights.len(), 4 * h * (d.input + h));
        let state = state.map(|s| {
            assert_eq!(s.len(), rows * steps * 5 * h);
            s.as_mut_ptr()
        });
        let mut c = vec![0.0f32; rows * h];
        let call = Call {
            d,
            packed: self,
            x: x.as_ptr(),
            out: out.as_mut_ptr(),
            c: c.as_mut_ptr(),
            state,
        };
        // SAFETY: `new`'s caller vouched for the CPU; the asserts above give every slice the size
        // a tile loop addresses, and `out`, `c` and `state` are borrowed mutably for the call.
        #[allow(unsafe_code)]
        unsafe {
            (self.run)(&call, rows)
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
