//! The forward pass of blocks of rows: on a register tile where the CPU and `H` allow one
//! ([`super::x86`]), else by the portable path.

use std::mem::MaybeUninit;

use super::activation::{sigmoid, tanh};
use super::products::{Strided, matmul};
use super::{Dims, scratch};

/// How a forward pass runs.
pub(super) enum Path {
    /// On a register tile ([`super::x86`]).
    #[cfg(target_arch = "x86_64")]
    Tiles(super::x86::Packed),
    /// Products, then gates ([`forward_rows`]), with `W_ih^T` and `W_hh^T` copied row-major so
    /// that every product reads rows of contiguous weights.
    Portable { w_ih_t: Vec<f32>, w_hh_t: Vec<f32> },
}

/// The forward pass of blocks of rows, by the widest path this CPU and these sizes allow.
pub(super) struct Forward<'a> {
    d: Dims,
    b: &'a [f32],
    path: Path,
}

impl<'a> Forward<'a> {
    pub(super) fn new(d: Dims, w: &[f32], b: &'a [f32]) -> Self {
        #[cfg(target_arch = "x86_64")]
        if let Some(packed) = super::x86::packed(gait_cpu::Isa::get(), d, w, b) {
            return Forward {
                d,
                b,
                path: Path::Tiles(packed),
            };
        }
        Forward::portable(d, w, b)
    }

    /// The portable path, whatever the CPU.
    pub(super) fn portable(d: Dims, w: &[f32], b: &'a [f32]) -> Self {
        let path = Path::Portable {
            w_ih_t: d.w_ih(w).transposed().copied(),
            w_hh_t: d.w_hh(w).transposed().copied(),
        };
        Forward { d, b, path }
    }

    /// `x` (`rows x T x I`) in, `out` (`rows x T x H`) out, every value written and returned
    /// initialised; with `state` (`T x rows x 5H`), every step's cell state and gates kept there.
    pub(super) fn rows<'o>(
        &self,
        x: &[f32],
        out: &'o mut [MaybeUninit<f32>],
        state: Option<&mut [f32]>,
    ) -> &'o mut [f32] {
        let (w_ih_t, w_hh_t) = match &self.path {
            #[cfg(target_arch = "x86_64")]
            Path::Tiles(packed) => return packed.forward_rows(self.d.steps, x, out, state),
            Path::Portable { w_ih_t, w_hh_t } => (w_ih_t, w_hh_t),
        };
        let out = zeroed(out);
        let d = self.d;
        let (steps, h) = (d.steps, d.hidden);
        let rows = out.len() / (steps * h);
        // The input products of all steps of these rows as one product, then the biases.
        let mut p = scratch::take(rows * steps * 4 * h);
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
        out
    }
}

/// `values` set to zero, and so initialised.
fn zeroed(values: &mut [MaybeUninit<f32>]) -> &mut [f32] {
    values.iter_mut().for_each(|v| {
        v.write(0.0);
    });
    // SAFETY: every element was just written; `MaybeUninit<f32>` has the layout of `f32`.
    #[allow(unsafe_code)]
    unsafe {
        std::slice::from_raw_parts_mut(values.as_mut_ptr().cast::<f32>(), values.len())
    }
}

gait_cpu::multiversion! {
    /// The forward pass of one block of rows: `p` (`rows x T x 4H`) in, `out` (`rows x T x H`)
    /// out, with `w_hh_t` = `W_hh^T` (`H x 4H`). `state` is `T x rows x 5H` when `keep` (every
    /// step's state stays there), else `rows x 5H` reused by every step.
    fn forward_rows(
        d: Dims,
        w_hh_t: Strided,
        p: &[f32],
        out: &mut [f32],
        state: &mut [f32],
        keep: bool,
    ) {
        let (steps, h) = (d.steps, d.hidden);
        let rows = out.len() / (steps * h);
        // Where row b's state of step t starts: step after step, the rows of a step side by
        // side, when kept; else one slot per row.
        let (row_stride, step_stride) = (5 * h, if keep { rows * 5 * h } else { 0 });
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
}

/// Lanes the gate loops work in: fixed-size blocks that the compiler turns into vector code.
pub(super) const LANES: usize = 16;

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
    let [mut c, mut i, mut f, mut g, mut o] = parts::<N>(state, n, j);
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

/// Units `j..j + N` of each of the five parts (c, i, f, g, o) of a row's state of `n` units.
/// Spelled out: an array `map` here is left uninlined in the AVX-512 build, a twentieth of a
/// training step.
#[inline(always)]
pub(super) fn parts<const N: usize>(state: &[f32], n: usize, j: usize) -> [[f32; N]; 5] {
    [
        lanes(state, j),
        lanes(state, n + j),
        lanes(state, 2 * n + j),
        lanes(state, 3 * n + j),
        lanes(state, 4 * n + j),
    ]
}

/// `N` values from `at`.
#[inline(always)]
pub(super) fn lanes<const N: usize>(s: &[f32], at: usize) -> [f32; N] {
    s[at..at + N].try_into().expect("N values")
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::kernel::tests::random;

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
                let mut out = vec![MaybeUninit::uninit(); batch * steps * hidden];
                let mut state = vec![0.0; batch * steps * 5 * hidden];
                let out = forward.rows(&x, &mut out, Some(&mut state)).to_vec();
                (out, state)
            };
            let portable = run(&Forward::portable(d, &w, &b));
            // Elsewhere only the portable path exists: it runs, with nothing to compare it to.
            #[cfg(not(target_arch = "x86_64"))]
            let _ = portable;
            #[cfg(target_arch = "x86_64")]
            {
                let tiles = [
                    super::super::x86::packed(gait_cpu::Isa::Avx512, d, &w, &b),
                    super::super::x86::packed(gait_cpu::Isa::Avx2, d, &w, &b),
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
