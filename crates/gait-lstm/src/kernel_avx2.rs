//! The LSTM forward pass with AVX2 and FMA, for hidden sizes that are a multiple of 8: the
//! register tile of [`crate::kernel_avx512`] in 8 lanes and 16 registers. A tile is 3 rows by the
//! 4 gates of a block of 8 hidden units: 12 accumulators, one weight vector and 3 broadcasts at a
//! time. The pre-activations never reach memory.
//!
//! `exp` is the reduction and degree-6 Taylor polynomial of [`crate::activation`] with FMA, `2^n`
//! put into the exponent bits; reciprocals are `rcp` and one Newton step.

use std::arch::x86_64::{
    __m256, _mm256_add_epi32, _mm256_add_ps, _mm256_castps_si256, _mm256_castsi256_ps, _mm256_cvtps_epi32,
    _mm256_fmadd_ps, _mm256_fnmadd_ps, _mm256_loadu_ps, _mm256_max_ps, _mm256_min_ps, _mm256_mul_ps,
    _mm256_rcp_ps, _mm256_round_ps, _mm256_set1_ps, _mm256_slli_epi32, _mm256_storeu_ps,
};

use crate::kernel::Dims;
use crate::tile::{Call, Packed};

/// Lanes of a register: hidden units per block.
const LANES: usize = 8;
/// Rows per tile: 3 x 4 accumulators, a weight vector and 3 broadcasts fit the 16 registers.
const TILE: usize = 3;

/// Whether the kernel of this module runs: this CPU has AVX2 and FMA, and `GAIT_ISA` allows them
/// ([`gait_io::Isa`]).
pub(crate) fn available() -> bool {
    gait_io::Isa::get() >= gait_io::Isa::Avx2
}

/// The packed weights of a layer for this tile; `None` where it does not apply (no AVX2 and FMA, or
/// `H` not a multiple of 8).
pub(crate) fn packed(d: Dims, w: &[f32], b: &[f32]) -> Option<Packed> {
    if d.hidden == 0 || !d.hidden.is_multiple_of(LANES) || !available() {
        return None;
    }
    // SAFETY: `run` needs avx2,fma, which this CPU has (checked just above).
    #[allow(unsafe_code)]
    Some(unsafe { Packed::new(d, w, b, LANES, run) })
}

/// Accumulators of a tile: four 8-lane vectors per row.
type Sums = [[__m256; 4]; TILE];

/// `acc[r][g] += sum over k in ks of value(r, k) * weights(k)[g]` on 12 named accumulators (an
/// array indexed in loops would be kept in memory).
#[target_feature(enable = "avx2,fma")]
#[inline]
fn tile_products(
    acc: Sums,
    ks: std::ops::Range<usize>,
    weight: impl Fn(usize, usize) -> __m256,
    value: impl Fn(usize, usize) -> f32,
) -> Sums {
    let [
        [mut a00, mut a01, mut a02, mut a03],
        [mut a10, mut a11, mut a12, mut a13],
        [mut a20, mut a21, mut a22, mut a23],
    ] = acc;
    for k in ks {
        let (v0, v1, v2) = (
            _mm256_set1_ps(value(0, k)),
            _mm256_set1_ps(value(1, k)),
            _mm256_set1_ps(value(2, k)),
        );
        macro_rules! gate {
            ($g:literal, $a0:ident, $a1:ident, $a2:ident) => {
                let w = weight(k, $g);
                $a0 = _mm256_fmadd_ps(v0, w, $a0);
                $a1 = _mm256_fmadd_ps(v1, w, $a1);
                $a2 = _mm256_fmadd_ps(v2, w, $a2);
            };
        }
        gate!(0, a00, a10, a20);
        gate!(1, a01, a11, a21);
        gate!(2, a02, a12, a22);
        gate!(3, a03, a13, a23);
    }
    [[a00, a01, a02, a03], [a10, a11, a12, a13], [a20, a21, a22, a23]]
}

/// Every step of rows `0..rows` of `call`.
///
/// # Safety
///
/// The CPU has AVX2 and FMA; `call` holds the pointers of a [`Packed::forward_rows`] call for `rows`
/// rows, which checked their slices' sizes against its dims.
#[target_feature(enable = "avx2,fma")]
#[allow(unsafe_code)]
unsafe fn run(call: &Call<'_>, rows: usize) {
    for t in 0..call.d.steps {
        for first in (0..rows).step_by(TILE) {
            // SAFETY: rows first..first + valid exist; see `forward_rows`.
            unsafe { step(call, t, first, (rows - first).min(TILE)) }
        }
    }
}

/// Step `t` of rows `first..first + valid` (`valid <= TILE`), every block of hidden units. A
/// short tile repeats its last row and stores only the valid ones.
///
/// # Safety
///
/// As [`run`], with `first + valid` at most its `rows`, `1 <= valid <= TILE` and `t` below the
/// step count; steps before `t` of these rows already computed.
#[target_feature(enable = "avx2,fma")]
#[allow(unsafe_code)]
unsafe fn step(call: &Call<'_>, t: usize, first: usize, valid: usize) {
    let Dims {
        steps, input, hidden, ..
    } = call.d;
    let width = input + hidden;
    let row: [usize; TILE] = std::array::from_fn(|r| first + r.min(valid - 1));
    // SAFETY (all pointer arithmetic below): row < rows, t < steps, k < input or hidden,
    // block * 8 + 8 <= hidden, so every offset is inside the slice its pointer came from.
    unsafe {
        let x = |r: usize, k: usize| *call.x.add((row[r] * steps + t) * input + k);
        let h = |r: usize, k: usize| *call.out.add((row[r] * steps + t - 1) * hidden + k);
        for block in 0..hidden / LANES {
            let weights = call.packed.weights.as_ptr().add(block * width * 4 * LANES);
            let bias = call.packed.bias.as_ptr().add(block * 4 * LANES);
            let bias: [__m256; 4] = std::array::from_fn(|g| _mm256_loadu_ps(bias.add(g * LANES)));
            let input_weight = |k: usize, g: usize| _mm256_loadu_ps(weights.add((k * 4 + g) * LANES));
            let mut tile = tile_products([bias; TILE], 0..input, input_weight, x);
            if t > 0 {
                let recurrent = weights.add(input * 4 * LANES);
                let weight = |k: usize, g: usize| _mm256_loadu_ps(recurrent.add((k * 4 + g) * LANES));
                tile = tile_products(tile, 0..hidden, weight, h);
            }
            for (r, z) in tile.into_iter().enumerate().take(valid) {
                gates(call, row[r], t, block, z);
            }
        }
    }
}

/// The gates, cell state and output of one row, step and block from its pre-activations.
///
/// # Safety
///
/// As [`run`], with `row` below its `rows`, `t` below the step count and `block` below
/// `H / LANES`.
#[target_feature(enable = "avx2,fma")]
#[allow(unsafe_code)]
unsafe fn gates(call: &Call<'_>, row: usize, t: usize, block: usize, z: [__m256; 4]) {
    let Dims { steps, hidden, .. } = call.d;
    let i = sigmoid(z[0]);
    let f = sigmoid(z[1]);
    let g = tanh(z[2]);
    let o = sigmoid(z[3]);
    // SAFETY: as in `step`.
    unsafe {
        let c_at = call.c.add(row * hidden + block * LANES);
        let c = _mm256_fmadd_ps(f, _mm256_loadu_ps(c_at), _mm256_mul_ps(i, g));
        _mm256_storeu_ps(c_at, c);
        let at = (row * steps + t) * hidden + block * LANES;
        _mm256_storeu_ps(call.out.add(at), _mm256_mul_ps(o, tanh(c)));
        if let Some(state) = call.state {
            let kept = state.add((row * steps + t) * 5 * hidden + block * LANES);
            for (part, v) in [c, i, f, g, o].into_iter().enumerate() {
                _mm256_storeu_ps(kept.add(part * hidden), v);
            }
        }
    }
}

/// `e^x` for 8 lanes; see the module docs.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn exp(x: __m256) -> __m256 {
    // max/min return their second operand when either is NaN, so NaN passes through.
    let x = _mm256_min_ps(_mm256_set1_ps(88.0), _mm256_max_ps(_mm256_set1_ps(-86.0), x));
    // Round to nearest, exceptions suppressed.
    let n = _mm256_round_ps::<0x08>(_mm256_mul_ps(x, _mm256_set1_ps(std::f32::consts::LOG2_E)));
    let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(355.0 / 512.0), x);
    let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.121_944_4e-4), r);
    let mut p = _mm256_set1_ps(1.0 / 720.0);
    for c in [1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0] {
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(c));
    }
    // 2^n into the exponent bits: n lies in [-124, 127] after the clamp, p in [0.7, 1.5].
    let scale = _mm256_slli_epi32::<23>(_mm256_cvtps_epi32(n));
    _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(p), scale))
}

/// `1 / d`: `rcp` and one Newton step.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn reciprocal(d: __m256) -> __m256 {
    let r = _mm256_rcp_ps(d);
    _mm256_mul_ps(r, _mm256_fnmadd_ps(d, r, _mm256_set1_ps(2.0)))
}

#[target_feature(enable = "avx2,fma")]
#[inline]
fn sigmoid(x: __m256) -> __m256 {
    let one = _mm256_set1_ps(1.0);
    reciprocal(_mm256_add_ps(one, exp(_mm256_mul_ps(x, _mm256_set1_ps(-1.0)))))
}

#[target_feature(enable = "avx2,fma")]
#[inline]
fn tanh(x: __m256) -> __m256 {
    let one = _mm256_set1_ps(1.0);
    let e = exp(_mm256_mul_ps(x, _mm256_set1_ps(2.0)));
    _mm256_fnmadd_ps(_mm256_set1_ps(2.0), reciprocal(_mm256_add_ps(one, e)), one)
}

/// `sigmoid` and `tanh` of every value of `xs` by this module's vector code; `None` where the CPU
/// lacks it. For the accuracy test in [`crate::kernel`].
#[cfg(test)]
pub(crate) fn activations(xs: &[f32]) -> Option<(Vec<f32>, Vec<f32>)> {
    #[target_feature(enable = "avx2,fma")]
    fn both(x: &[f32; LANES]) -> ([f32; LANES], [f32; LANES]) {
        let (mut s, mut t) = ([0.0; LANES], [0.0; LANES]);
        // SAFETY: LANES values in each array.
        #[allow(unsafe_code)]
        unsafe {
            let v = _mm256_loadu_ps(x.as_ptr());
            _mm256_storeu_ps(s.as_mut_ptr(), sigmoid(v));
            _mm256_storeu_ps(t.as_mut_ptr(), tanh(v));
        }
        (s, t)
    }
    // SAFETY: `both` runs only where the CPU has its features.
    #[allow(unsafe_code)]
    available().then(|| crate::kernel::tests::by_lanes(xs, |x| unsafe { both(x) }))
}
