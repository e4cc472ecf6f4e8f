//! The LSTM forward pass on a register tile, for x86_64 with AVX-512 ([`avx512`]) or AVX2 and
//! FMA ([`avx2`]).
//!
//! The weights are packed once per call ([`Packed`]) so that, for a block of `LANES` hidden
//! units, the four gates' weights of one input `k` lie side by side: `[block][k][gate][LANES]`.
//! A tile of rows then keeps its four gate accumulators per row in registers through both
//! products (`x_t W_ih^T` and `h_{t-1} W_hh^T`, one broadcast and four FMAs per row and input),
//! and applies the gates, the cell update and `h` before anything is stored: the
//! pre-activations never reach memory.
//!
//! What is written once here, generic over the instruction set ([`Simd`]): the step loop
//! ([`run`], [`step`]), the gates ([`gates`]) and the activations ([`exp_of`], [`sigmoid`],
//! [`tanh`]). What each instruction set writes itself: its vector operations and its register
//! tile of products, whose register allocation is the point (3 rows in AVX2's 16 registers, 6 in
//! AVX-512's 32).
//!
//! The exponentials are those of [`super::activation`] (the same constants, [`ExpOf`]), with FMA;
//! the divisions are the instruction set's own, which run beside the FMAs on their own unit
//! (an estimate and a Newton step took three operations of the FMAs' ports).

/// The methods of [`Simd`] that are one intrinsic each, from the instruction set's vector type
/// and intrinsics: `splat`, `load`, `store`, `add`, `mul`, `div`, `mul_add`, `neg_mul_add`,
/// `clamp`.
/// Used inside an `impl Simd` whose token shows the CPU runs them.
macro_rules! vector_ops {
    ($v:ty, $set1:ident, $load:ident, $store:ident, $add:ident, $mul:ident, $div:ident,
     $fmadd:ident, $fnmadd:ident, $min:ident, $max:ident) => {
        #[inline(always)]
        fn splat(self, x: f32) -> $v {
            // SAFETY: the token shows the instruction set (every method below likewise).
            unsafe { $set1(x) }
        }
        /// See [`Simd::load`].
        ///
        /// # Safety
        ///
        /// `at..at + LANES` is readable.
        #[inline(always)]
        unsafe fn load(self, at: *const f32) -> $v {
            // SAFETY: the caller gives LANES readable floats.
            unsafe { $load(at) }
        }
        /// See [`Simd::store`].
        ///
        /// # Safety
        ///
        /// `at..at + LANES` is writable.
        #[inline(always)]
        unsafe fn store(self, at: *mut f32, v: $v) {
            // SAFETY: the caller gives LANES writable floats.
            unsafe { $store(at, v) }
        }
        #[inline(always)]
        fn add(self, a: $v, b: $v) -> $v {
            // SAFETY: see `splat`.
            unsafe { $add(a, b) }
        }
        #[inline(always)]
        fn mul(self, a: $v, b: $v) -> $v {
            // SAFETY: see `splat`.
            unsafe { $mul(a, b) }
        }
        #[inline(always)]
        fn div(self, a: $v, b: $v) -> $v {
            // SAFETY: see `splat`.
            unsafe { $div(a, b) }
        }
        #[inline(always)]
        fn mul_add(self, a: $v, b: $v, c: $v) -> $v {
            // SAFETY: see `splat`.
            unsafe { $fmadd(a, b, c) }
        }
        #[inline(always)]
        fn neg_mul_add(self, a: $v, b: $v, c: $v) -> $v {
            // SAFETY: see `splat`.
            unsafe { $fnmadd(a, b, c) }
        }
        #[inline(always)]
        fn clamp(self, x: $v, lo: f32, hi: f32) -> $v {
            // max/min return their second operand when either is NaN, so NaN passes through.
            // SAFETY: see `splat`.
            unsafe { $min($set1(hi), $max($set1(lo), x)) }
        }
    };
}

/// `unsafe fn run` and `unsafe fn products`: [`run`] and [`products::matmul`] compiled for the
/// target features `$features` (named `$name` in the docs) with the token `$token`, for
/// [`Simd::RUN`] and [`Simd::PRODUCTS`].
macro_rules! tile_loops {
    ($token:ident, $features:literal, $name:literal) => {
        #[doc = concat!("[`super::run`] compiled for ", $name, ".")]
        ///
        /// # Safety
        ///
        #[doc = concat!("As [`super::run`], on a CPU with ", $name, ".")]
        #[target_feature(enable = $features)]
        #[allow(unsafe_code)]
        unsafe fn run(call: &Call<'_>, rows: usize) {
            // SAFETY: the CPU has the features (this function's contract), so the token is
            // sound; the rest is this function's contract.
            unsafe { super::run($token(()), call, rows) }
        }

        #[doc = concat!("[`super::products::matmul`] compiled for ", $name, ".")]
        ///
        /// # Safety
        ///
        #[doc = concat!("As [`super::products::Products`], on a CPU with ", $name, ".")]
        #[target_feature(enable = $features)]
        #[allow(unsafe_code)]
        unsafe fn products(
            dst: *mut f32,
            dst_stride: usize,
            accumulate: bool,
            a: crate::kernel::products::Strided<'_>,
            b: crate::kernel::products::Strided<'_>,
        ) {
            // SAFETY: as in `run`.
            unsafe { super::products::matmul($token(()), dst, dst_stride, accumulate, a, b) }
        }
    };
}

mod avx2;
mod avx512;
mod packed;
mod products;

use std::ops::Range;

pub(crate) use packed::Packed;
use packed::{Call, Run};
pub(crate) use products::{Products, tiles};

use super::Dims;
use super::activation::{EXP_NEG, EXP_TWICE, ExpOf};
use gait_cpu::Isa;

/// An x86 instruction set the tile runs in: its vector of `f32`, the operations the gates need,
/// and its register tile of products. A value of an implementing type is a token: it exists only
/// where the CPU has the instructions (its constructor checks [`Isa::get`]), so its safe methods
/// may execute them.
#[allow(unsafe_code)]
pub(super) trait Simd: Copy {
    /// A vector of [`Self::LANES`] floats.
    type V: Copy;
    /// Which lanes of a vector a masked load or store touches.
    type Mask: Copy;
    /// The accumulators of a tile: four vectors (one per gate, or per block of columns) for each
    /// of [`Self::TILE`] rows.
    type Sums: Copy + AsRef<[[Self::V; 4]]> + AsMut<[[Self::V; 4]]>;
    /// Floats per vector: hidden units per block.
    const LANES: usize;
    /// Rows per tile.
    const TILE: usize;
    /// The tile loop compiled for this instruction set: [`run`] in a `#[target_feature]`
    /// wrapper.
    const RUN: Run;
    /// The tile product compiled for this instruction set: [`products::matmul`] in a
    /// `#[target_feature]` wrapper.
    const PRODUCTS: Products;

    /// `x` in every lane.
    fn splat(self, x: f32) -> Self::V;
    /// [`Self::LANES`] floats from `at`.
    ///
    /// # Safety
    ///
    /// `at..at + LANES` is readable.
    unsafe fn load(self, at: *const f32) -> Self::V;
    /// `v` to `at..at + LANES`.
    ///
    /// # Safety
    ///
    /// `at..at + LANES` is writable.
    unsafe fn store(self, at: *mut f32, v: Self::V);
    /// The first `min(count, LANES)` lanes.
    fn mask(self, count: usize) -> Self::Mask;
    /// The lanes of `mask` from `at`, zero elsewhere; memory outside the mask is not touched.
    ///
    /// # Safety
    ///
    /// The lanes of `mask` from `at` are readable.
    unsafe fn load_masked(self, mask: Self::Mask, at: *const f32) -> Self::V;
    /// The lanes of `mask` of `v` to `at`; memory outside the mask is not touched.
    ///
    /// # Safety
    ///
    /// The lanes of `mask` from `at` are writable.
    unsafe fn store_masked(self, at: *mut f32, mask: Self::Mask, v: Self::V);
    /// `a + b`.
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a * b`.
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a / b`, correctly rounded.
    fn div(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a * b + c`, rounded once.
    fn mul_add(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// `c - a * b`, rounded once.
    fn neg_mul_add(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// `x` clamped to `[lo, hi]`; NaN stays NaN.
    fn clamp(self, x: Self::V, lo: f32, hi: f32) -> Self::V;
    /// `x` rounded to the nearest integer.
    fn round(self, x: Self::V) -> Self::V;
    /// `p * 2^n` for integral `n` in `[-124, 127]` and `p` in `[0.5, 2]`.
    fn scale(self, p: Self::V, n: Self::V) -> Self::V;
    /// Accumulators that all start at `first`.
    fn sums(self, first: [Self::V; 4]) -> Self::Sums;
    /// `acc[r][g] += sum over k in ks of value(r, k) * weight(k, g)`, the accumulators kept in
    /// registers through the loop.
    fn tile_products(
        self,
        acc: Self::Sums,
        ks: Range<usize>,
        weight: impl Fn(usize, usize) -> Self::V,
        value: impl Fn(usize, usize) -> f32,
    ) -> Self::Sums;
}

/// The packed weights of a layer for the widest tile that `isa` (at most [`Isa::get`]) and `H`
/// allow: AVX-512 for `H` a multiple of 16, AVX2 for a multiple of 8; `None` otherwise.
pub(crate) fn packed(isa: Isa, d: Dims, w: &[f32], b: &[f32]) -> Option<Packed> {
    let fits = |lanes: usize| d.hidden > 0 && d.hidden.is_multiple_of(lanes);
    if isa >= Isa::Avx512
        && let Some(s) = avx512::Avx512::new()
        && fits(avx512::Avx512::LANES)
    {
        return Some(Packed::new(s, d, w, b));
    }
    if isa >= Isa::Avx2
        && let Some(s) = avx2::Avx2::new()
        && fits(avx2::Avx2::LANES)
    {
        return Some(Packed::new(s, d, w, b));
    }
    None
}

/// `e^(k x)` by the constants `e` of `k` ([`ExpOf`]); `x` clamped so that `k x` lies in
/// `[-86, 88]`, NaN passed through.
#[inline(always)]
fn exp_of<S: Simd>(s: S, x: S::V, e: &ExpOf) -> S::V {
    let x = s.clamp(x, e.lo, e.hi);
    let n = s.round(s.mul(x, s.splat(e.log2e)));
    // q = x - n ln2 / k, so that k x = n ln2 + k q; the polynomial in q gives e^(k q).
    let q = s.neg_mul_add(n, s.splat(e.ln2_hi), x);
    let q = s.neg_mul_add(n, s.splat(e.ln2_lo), q);
    let mut p = s.splat(e.poly[5]);
    for &c in e.poly[..5].iter().rev() {
        p = s.mul_add(p, q, s.splat(c));
    }
    s.scale(p, n)
}

/// `1 / (1 + e^-x)`.
#[inline(always)]
fn sigmoid<S: Simd>(s: S, x: S::V) -> S::V {
    let one = s.splat(1.0);
    s.div(one, s.add(one, exp_of(s, x, &EXP_NEG)))
}

/// `1 - 2 / (1 + e^2x)`.
#[inline(always)]
fn tanh<S: Simd>(s: S, x: S::V) -> S::V {
    let one = s.splat(1.0);
    let e = exp_of(s, x, &EXP_TWICE);
    s.neg_mul_add(s.splat(2.0), s.div(one, s.add(one, e)), one)
}

/// Every step of rows `0..rows` of `call`. Within a step, one block of hidden units at a time
/// for every tile of rows, so that the block's weights stay in the nearest cache while the
/// tiles go by.
///
/// # Safety
///
/// `call` holds the pointers of a [`Packed::forward_rows`] call for `rows` rows, which checked
/// their slices' sizes against its dims, for weights packed in blocks of `S::LANES`.
#[inline(always)]
#[allow(unsafe_code)]
unsafe fn run<S: Simd>(s: S, call: &Call<'_>, rows: usize) {
    for t in 0..call.d.steps {
        for block in 0..call.d.hidden / S::LANES {
            for first in (0..rows).step_by(S::TILE) {
                // SAFETY: rows first..first + valid exist; see `forward_rows`.
                unsafe { step(s, call, t, block, first, (rows - first).min(S::TILE)) }
            }
        }
    }
}

/// Step `t` of rows `first..first + valid` (`valid <= TILE`), one block of hidden units. A short
/// tile repeats its last row and stores only the valid ones.
///
/// # Safety
///
/// As [`run`], with `first + valid` at most its `rows`, `1 <= valid <= TILE`, `t` below the
/// step count and `block` below `H / LANES`; steps before `t` of these rows already computed.
#[inline(always)]
#[allow(unsafe_code)]
unsafe fn step<S: Simd>(s: S, call: &Call<'_>, t: usize, block: usize, first: usize, valid: usize) {
    let Dims {
        steps, input, hidden, ..
    } = call.d;
    let lanes = S::LANES;
    let width = input + hidden;
    let row = |r: usize| first + r.min(valid - 1);
    // SAFETY (all pointer arithmetic below): row < rows, t < steps, k < input or hidden,
    // block * LANES + LANES <= hidden, so every offset is inside the slice its pointer came from.
    unsafe {
        let x = |r: usize, k: usize| *call.x.add((row(r) * steps + t) * input + k);
        let h = |r: usize, k: usize| *call.out.add((row(r) * steps + t - 1) * hidden + k);
        let weights = call.packed.weights.as_ptr().add(block * width * 4 * lanes);
        let bias = call.packed.bias.as_ptr().add(block * 4 * lanes);
        let bias: [S::V; 4] = std::array::from_fn(|g| s.load(bias.add(g * lanes)));
        let input_weight = |k: usize, g: usize| s.load(weights.add((k * 4 + g) * lanes));
        let mut tile = s.tile_products(s.sums(bias), 0..input, input_weight, x);
        if t > 0 {
            let recurrent = weights.add(input * 4 * lanes);
            let weight = |k: usize, g: usize| s.load(recurrent.add((k * 4 + g) * lanes));
            tile = s.tile_products(tile, 0..hidden, weight, h);
        }
        // Every row's gates first, in place of its sums, then the cells: the rows' activations
        // are independent chains of dependent instructions, which the CPU overlaps when they
        // come together. (A separate array of gates, zeroed first, cost a `memset` a tile.)
        for z in tile.as_mut().iter_mut().take(valid) {
            *z = gates(s, *z);
        }
        for (r, gate) in tile.as_ref().iter().enumerate().take(valid) {
            cell(s, call, row(r), t, block, *gate);
        }
    }
}

/// The gates i, f, g, o from their pre-activations.
#[inline(always)]
fn gates<S: Simd>(s: S, z: [S::V; 4]) -> [S::V; 4] {
    [
        sigmoid(s, z[0]),
        sigmoid(s, z[1]),
        tanh(s, z[2]),
        sigmoid(s, z[3]),
    ]
}

/// The cell state and output of one row, step and block from its gates i, f, g, o.
///
/// # Safety
///
/// As [`run`], with `row` below its `rows`, `t` below the step count and `block` below
/// `H / LANES`.
#[inline(always)]
#[allow(unsafe_code)]
unsafe fn cell<S: Simd>(s: S, call: &Call<'_>, row: usize, t: usize, block: usize, gates: [S::V; 4]) {
    let Dims { steps, hidden, .. } = call.d;
    let [i, f, g, o] = gates;
    // SAFETY: as in `step`.
    unsafe {
        let c_at = call.c.add(row * hidden + block * S::LANES);
        let c = s.mul_add(f, s.load(c_at), s.mul(i, g));
        s.store(c_at, c);
        let at = (row * steps + t) * hidden + block * S::LANES;
        s.store(call.out.add(at), s.mul(o, tanh(s, c)));
        if let Some(state) = call.state {
            let kept = state.add((t * call.d.batch + row) * 5 * hidden + block * S::LANES);
            for (part, v) in [c, i, f, g, o].into_iter().enumerate() {
                s.store(kept.add(part * hidden), v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `sigmoid` and `tanh` of every value of `xs` by `s`'s vector code.
    fn activations<S: Simd>(s: S, xs: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let (mut sigmoids, mut tanhs) = (Vec::new(), Vec::new());
        for chunk in xs.chunks(S::LANES) {
            let mut lanes = vec![0.0f32; S::LANES];
            lanes[..chunk.len()].copy_from_slice(chunk);
            let (mut a, mut b) = (vec![0.0f32; S::LANES], vec![0.0f32; S::LANES]);
            // SAFETY: each vector holds LANES floats.
            #[allow(unsafe_code)]
            unsafe {
                let v = s.load(lanes.as_ptr());
                s.store(a.as_mut_ptr(), sigmoid(s, v));
                s.store(b.as_mut_ptr(), tanh(s, v));
            }
            sigmoids.extend_from_slice(&a[..chunk.len()]);
            tanhs.extend_from_slice(&b[..chunk.len()]);
        }
        (sigmoids, tanhs)
    }

    /// The vector sigmoid and tanh of each instruction set against f64 libm over [-30, 30] and
    /// the clamp's edges, where the CPU has it.
    #[test]
    fn vector_sigmoid_and_tanh_are_within_3e_7_of_libm() {
        let xs: Vec<f32> = (-30 * 1024..=30 * 1024)
            .map(|i| i as f32 / 1024.0)
            .chain([-200.0, -87.0, -86.0, 88.0, 89.0, 200.0, 1e-30, -1e-30])
            .collect();
        let found = [
            ("AVX-512", avx512::Avx512::new().map(|s| activations(s, &xs))),
            ("AVX2", avx2::Avx2::new().map(|s| activations(s, &xs))),
        ];
        for (name, found) in found {
            let Some((sigmoids, tanhs)) = found else {
                continue; // not on this CPU, or not allowed by GAIT_ISA
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
}
