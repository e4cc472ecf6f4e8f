//! The LSTM forward pass with AVX-512, for hidden sizes that are a multiple of 16.
//!
//! The weights are packed once per call ([`crate::tile::Packed`]) so that, for a block of 16
//! hidden units, the four gates' weights of one input (`k`) lie side by side:
//! `[block][k][gate][16]`. A tile of up to [`TILE`] rows then keeps its 4 x [`TILE`] gate
//! accumulators in registers through both products (`x_t W_ih^T` and `h_{t-1} W_hh^T`, one
//! broadcast and four FMAs per row and input), and applies the gates, the cell update and `h`
//! before anything is stored. The pre-activations never reach memory.
//!
//! [`matmul`] runs the same tile ([`tile_products`]) for the backward pass's products: 6 rows by
//! 64 columns of accumulators, columns masked at the edge.
//!
//! `exp` is the same reduction and degree-6 Taylor polynomial as [`crate::activation`], with FMA
//! and `scalef`; reciprocals are `rcp14` and one Newton step (relative error about 2^-28).

use std::arch::x86_64::{
    __m512, __mmask16, _mm512_add_ps, _mm512_fmadd_ps, _mm512_fnmadd_ps, _mm512_loadu_ps,
    _mm512_mask_storeu_ps, _mm512_maskz_loadu_ps, _mm512_max_ps, _mm512_min_ps, _mm512_mul_ps,
    _mm512_rcp14_ps, _mm512_roundscale_ps, _mm512_scalef_ps, _mm512_set1_ps, _mm512_setzero_ps,
    _mm512_storeu_ps,
};

use crate::kernel::{Dims, Strided};
use crate::tile::{Call, Packed};

/// Lanes of a register: hidden units per block.
const LANES: usize = 16;
/// Rows per tile: 6 x 4 accumulators, 4 weight registers and a broadcast fit the 32 registers.
const TILE: usize = 6;

/// The packed weights of a layer for this tile; `None` where it does not apply (no AVX-512F, or
/// `H` not a multiple of 16).
pub(crate) fn packed(d: Dims, w: &[f32], b: &[f32]) -> Option<Packed> {
    if d.hidden == 0 || !d.hidden.is_multiple_of(LANES) || !available() {
        return None;
    }
    // SAFETY: `run` needs avx512f, which this CPU has (checked just above).
    #[allow(unsafe_code)]
    Some(unsafe { Packed::new(d, w, b, LANES, run) })
}

/// Accumulators of a tile: four 16-lane vectors per row.
type Sums = [[__m512; 4]; TILE];

/// `acc[r][b] += sum over k in ks of value(r, k) * weights(k)[b]`: the products of a tile of six
/// rows with four vectors of weights per `k`. The 24 sums live in named variables through the
/// loop: an array of them, indexed in loops, is kept in memory by the compiler, and every FMA
/// then also stores.
#[target_feature(enable = "avx512f")]
#[inline]
fn tile_products(
    acc: Sums,
    ks: std::ops::Range<usize>,
    weights: impl Fn(usize) -> [__m512; 4],
    value: impl Fn(usize, usize) -> f32,
) -> Sums {
    let [
        [mut a00, mut a01, mut a02, mut a03],
        [mut a10, mut a11, mut a12, mut a13],
        [mut a20, mut a21, mut a22, mut a23],
        [mut a30, mut a31, mut a32, mut a33],
        [mut a40, mut a41, mut a42, mut a43],
        [mut a50, mut a51, mut a52, mut a53],
    ] = acc;
    for k in ks {
        let w = weights(k);
        macro_rules! row {
            ($r:literal, $a0:ident, $a1:ident, $a2:ident, $a3:ident) => {
                let v = _mm512_set1_ps(value($r, k));
                $a0 = _mm512_fmadd_ps(v, w[0], $a0);
                $a1 = _mm512_fmadd_ps(v, w[1], $a1);
                $a2 = _mm512_fmadd_ps(v, w[2], $a2);
                $a3 = _mm512_fmadd_ps(v, w[3], $a3);
            };
        }
        row!(0, a00, a01, a02, a03);
        row!(1, a10, a11, a12, a13);
        row!(2, a20, a21, a22, a23);
        row!(3, a30, a31, a32, a33);
        row!(4, a40, a41, a42, a43);
        row!(5, a50, a51, a52, a53);
    }
    [
        [a00, a01, a02, a03],
        [a10, a11, a12, a13],
        [a20, a21, a22, a23],
        [a30, a31, a32, a33],
        [a40, a41, a42, a43],
        [a50, a51, a52, a53],
    ]
}

/// Every step of rows `0..rows` of `call`.
///
/// # Safety
///
/// The CPU has AVX-512F; `call` holds the pointers of a [`Packed::forward_rows`] call for `rows`
/// rows, which checked their slices' sizes against its dims.
#[target_feature(enable = "avx512f")]
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
#[target_feature(enable = "avx512f")]
#[allow(unsafe_code)]
unsafe fn step(call: &Call<'_>, t: usize, first: usize, valid: usize) {
    let Dims {
        steps, input, hidden, ..
    } = call.d;
    let width = input + hidden;
    let row: [usize; TILE] = std::array::from_fn(|r| first + r.min(valid - 1));
    // SAFETY (all pointer arithmetic below): row < rows, t < steps, k < input or hidden,
    // block * 16 + 16 <= hidden, so every offset is inside the slice its pointer came from.
    unsafe {
        let x = |r: usize, k: usize| *call.x.add((row[r] * steps + t) * input + k);
        let h = |r: usize, k: usize| *call.out.add((row[r] * steps + t - 1) * hidden + k);
        for block in 0..hidden / LANES {
            let weights = call.packed.weights.as_ptr().add(block * width * 4 * LANES);
            let load4 = |at: *const f32| -> [__m512; 4] {
                std::array::from_fn(|g| _mm512_loadu_ps(at.add(g * LANES)))
            };
            let bias = load4(call.packed.bias.as_ptr().add(block * 4 * LANES));
            let mut tile = tile_products([bias; TILE], 0..input, |k| load4(weights.add(k * 4 * LANES)), x);
            if t > 0 {
                let recurrent = weights.add(input * 4 * LANES);
                tile = tile_products(tile, 0..hidden, |k| load4(recurrent.add(k * 4 * LANES)), h);
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
#[target_feature(enable = "avx512f")]
#[allow(unsafe_code)]
unsafe fn gates(call: &Call<'_>, row: usize, t: usize, block: usize, z: [__m512; 4]) {
    let Dims { steps, hidden, .. } = call.d;
    let i = sigmoid(z[0]);
    let f = sigmoid(z[1]);
    let g = tanh(z[2]);
    let o = sigmoid(z[3]);
    // SAFETY: as in `step`.
    unsafe {
        let c_at = call.c.add(row * hidden + block * LANES);
        let c = _mm512_fmadd_ps(f, _mm512_loadu_ps(c_at), _mm512_mul_ps(i, g));
        _mm512_storeu_ps(c_at, c);
        let at = (row * steps + t) * hidden + block * LANES;
        _mm512_storeu_ps(call.out.add(at), _mm512_mul_ps(o, tanh(c)));
        if let Some(state) = call.state {
            let kept = state.add((row * steps + t) * 5 * hidden + block * LANES);
            for (part, v) in [c, i, f, g, o].into_iter().enumerate() {
                _mm512_storeu_ps(kept.add(part * hidden), v);
            }
        }
    }
}

/// Whether the kernels of this module run: this CPU has AVX-512F, and `GAIT_ISA` allows it
/// ([`gait_io::Isa`]).
pub(crate) fn available() -> bool {
    gait_io::Isa::get() >= gait_io::Isa::Avx512
}

/// `dst = [dst +] lhs * rhs` (`dst` row-major with row stride `dst_stride`), for `rhs` with
/// contiguous rows (`col_stride` 1), on a CPU where [`available`]. Sizes that do not fit panic.
pub(crate) fn matmul(dst: &mut [f32], dst_stride: usize, accumulate: bool, lhs: Strided, rhs: Strided) {
    let (m, n) = (lhs.rows, rhs.cols);
    assert!(available() && rhs.col_stride == 1 && lhs.cols == rhs.rows && lhs.fits() && rhs.fits());
    if m == 0 || n == 0 {
        return;
    }
    assert!(
        dst_stride >= n && dst.len() >= (m - 1) * dst_stride + n,
        "matmul: destination too short"
    );
    // SAFETY: AVX-512F is there, and every index of `lhs`, `rhs` and `dst` the tiles address is
    // inside its slice (both asserted above).
    #[allow(unsafe_code)]
    unsafe {
        matmul_tiles(dst.as_mut_ptr(), dst_stride, accumulate, lhs, rhs)
    }
}

/// [`matmul`]'s products, six rows by 64 columns at a time.
///
/// # Safety
///
/// The CPU has AVX-512F, and every index of `a`, `b` and of `dst` (row-major, `a.rows` rows of
/// stride `dst_stride` holding `b.cols` values) lies inside its slice, as [`matmul`] checks.
#[target_feature(enable = "avx512f")]
#[allow(unsafe_code)]
unsafe fn matmul_tiles(dst: *mut f32, dst_stride: usize, accumulate: bool, a: Strided, b: Strided) {
    let (m, n, k) = (a.rows, b.cols, a.cols);
    for col in (0..n).step_by(4 * LANES) {
        let masks: [__mmask16; 4] = std::array::from_fn(|block| {
            let start = col + block * LANES;
            match n.saturating_sub(start) {
                0 => 0,
                left if left >= LANES => 0xffff,
                left => (1 << left) - 1,
            }
        });
        for first in (0..m).step_by(TILE) {
            let valid = (m - first).min(TILE);
            let row: [usize; TILE] = std::array::from_fn(|r| first + r.min(valid - 1));
            // SAFETY (pointer arithmetic): row < m, kk < k, and masked lanes are not accessed,
            // so every access is one the caller checked. The addresses of blocks past the last
            // column may lie past the slices, so they are formed with `wrapping_add` and only
            // used under an empty mask.
            unsafe {
                let value =
                    |r: usize, kk: usize| *a.data.as_ptr().add(row[r] * a.row_stride + kk * a.col_stride);
                let weights = |kk: usize| -> [__m512; 4] {
                    let at = b.data.as_ptr().add(kk * b.row_stride + col);
                    std::array::from_fn(|block| {
                        _mm512_maskz_loadu_ps(masks[block], at.wrapping_add(block * LANES))
                    })
                };
                let tile = tile_products([[_mm512_setzero_ps(); 4]; TILE], 0..k, weights, value);
                for (r, sums) in tile.into_iter().enumerate().take(valid) {
                    for (block, sum) in sums.into_iter().enumerate() {
                        let at = dst.wrapping_add(row[r] * dst_stride + col + block * LANES);
                        let sum = if accumulate {
                            _mm512_add_ps(_mm512_maskz_loadu_ps(masks[block], at), sum)
                        } else {
                            sum
                        };
                        _mm512_mask_storeu_ps(at, masks[block], sum);
                    }
                }
            }
        }
    }
}

/// `e^x` for 16 lanes; see the module docs.
#[target_feature(enable = "avx512f")]
#[inline]
fn exp(x: __m512) -> __m512 {
    // max/min return their second operand when either is NaN, so NaN passes through.
    let x = _mm512_min_ps(_mm512_set1_ps(88.0), _mm512_max_ps(_mm512_set1_ps(-86.0), x));
    // Round to nearest, exceptions suppressed.
    let n = _mm512_roundscale_ps::<0x08>(_mm512_mul_ps(x, _mm512_set1_ps(std::f32::consts::LOG2_E)));
    let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(355.0 / 512.0), x);
    let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.121_944_4e-4), r);
    let mut p = _mm512_set1_ps(1.0 / 720.0);
    for c in [1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0] {
        p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(c));
    }
    _mm512_scalef_ps(p, n)
}

/// `1 / d`: `rcp14` and one Newton step.
#[target_feature(enable = "avx512f")]
#[inline]
fn reciprocal(d: __m512) -> __m512 {
    let r = _mm512_rcp14_ps(d);
    _mm512_mul_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(2.0)))
}

#[target_feature(enable = "avx512f")]
#[inline]
fn sigmoid(x: __m512) -> __m512 {
    let one = _mm512_set1_ps(1.0);
    reciprocal(_mm512_add_ps(one, exp(_mm512_mul_ps(x, _mm512_set1_ps(-1.0)))))
}

#[target_feature(enable = "avx512f")]
#[inline]
fn tanh(x: __m512) -> __m512 {
    let one = _mm512_set1_ps(1.0);
    let e = exp(_mm512_mul_ps(x, _mm512_set1_ps(2.0)));
    _mm512_fnmadd_ps(_mm512_set1_ps(2.0), reciprocal(_mm512_add_ps(one, e)), one)
}

/// `sigmoid` and `tanh` of every value of `xs` by this module's vector code; `None` where the CPU
/// lacks it. For the accuracy test in [`crate::kernel`].
#[cfg(test)]
pub(crate) fn activations(xs: &[f32]) -> Option<(Vec<f32>, Vec<f32>)> {
    #[target_feature(enable = "avx512f")]
    fn both(x: &[f32; LANES]) -> ([f32; LANES], [f32; LANES]) {
        let (mut s, mut t) = ([0.0; LANES], [0.0; LANES]);
        // SAFETY: LANES values in each array.
        #[allow(unsafe_code)]
        unsafe {
            let v = _mm512_loadu_ps(x.as_ptr());
            _mm512_storeu_ps(s.as_mut_ptr(), sigmoid(v));
            _mm512_storeu_ps(t.as_mut_ptr(), tanh(v));
        }
        (s, t)
    }
    // SAFETY: `both` runs only where the CPU has its features.
    #[allow(unsafe_code)]
    available().then(|| crate::kernel::tests::by_lanes(xs, |x| unsafe { both(x) }))
}
