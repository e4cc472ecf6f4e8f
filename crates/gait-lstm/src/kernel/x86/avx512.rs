//! The tile in AVX-512F: 16 lanes, 32 registers. A tile is 6 rows by 4 vectors: 24
//! accumulators, 4 weight vectors and a broadcast (for the backward pass's products, 6 rows by
//! 64 columns). `2^n` is applied by `scalef`.

use std::arch::x86_64::{
    __m512, __mmask16, _mm512_add_ps, _mm512_div_ps, _mm512_fmadd_ps, _mm512_fnmadd_ps, _mm512_loadu_ps,
    _mm512_mask_storeu_ps, _mm512_maskz_loadu_ps, _mm512_max_ps, _mm512_min_ps, _mm512_mul_ps,
    _mm512_roundscale_ps, _mm512_scalef_ps, _mm512_set1_ps, _mm512_storeu_ps,
};
use std::ops::Range;

use super::packed::{Call, Run};
use super::{Products, Simd};
use gait_cpu::Isa;

/// Lanes of a register.
const LANES: usize = 16;
/// Rows per tile.
const TILE: usize = 6;

/// The token of AVX-512F: see [`Simd`].
#[derive(Clone, Copy)]
pub(crate) struct Avx512(());

impl Avx512 {
    /// The token, where this CPU has AVX-512F (with AVX2 and FMA) and `GAIT_ISA` allows it.
    pub(crate) fn new() -> Option<Self> {
        (Isa::get() >= Isa::Avx512).then_some(Avx512(()))
    }
}

tile_loops!(Avx512, "avx512f", "AVX-512F");

/// Every method executes AVX-512F instructions, which the token's existence guarantees.
#[allow(unsafe_code)]
impl Simd for Avx512 {
    type V = __m512;
    type Mask = __mmask16;
    type Sums = [[__m512; 4]; TILE];
    const LANES: usize = LANES;
    const TILE: usize = TILE;
    const RUN: Run = run;
    const PRODUCTS: Products = products;

    vector_ops!(
        __m512,
        _mm512_set1_ps,
        _mm512_loadu_ps,
        _mm512_storeu_ps,
        _mm512_add_ps,
        _mm512_mul_ps,
        _mm512_div_ps,
        _mm512_fmadd_ps,
        _mm512_fnmadd_ps,
        _mm512_min_ps,
        _mm512_max_ps
    );

    #[inline(always)]
    fn mask(self, count: usize) -> __mmask16 {
        if count >= LANES { 0xffff } else { (1 << count) - 1 }
    }
    #[inline(always)]
    unsafe fn load_masked(self, mask: __mmask16, at: *const f32) -> __m512 {
        // SAFETY: the caller gives the masked lanes readable; the others are not touched.
        unsafe { _mm512_maskz_loadu_ps(mask, at) }
    }
    #[inline(always)]
    unsafe fn store_masked(self, at: *mut f32, mask: __mmask16, v: __m512) {
        // SAFETY: the caller gives the masked lanes writable; the others are not touched.
        unsafe { _mm512_mask_storeu_ps(at, mask, v) }
    }
    #[inline(always)]
    fn round(self, x: __m512) -> __m512 {
        // Round to nearest, exceptions suppressed. SAFETY: see `splat`.
        unsafe { _mm512_roundscale_ps::<0x08>(x) }
    }
    #[inline(always)]
    fn scale(self, p: __m512, n: __m512) -> __m512 {
        // SAFETY: see `splat`.
        unsafe { _mm512_scalef_ps(p, n) }
    }
    #[inline(always)]
    fn sums(self, first: [__m512; 4]) -> Self::Sums {
        [first; TILE]
    }

    /// The 24 sums live in named variables through the loop: an array of them, indexed in
    /// loops, is kept in memory by the compiler, and every FMA then also stores.
    #[inline(always)]
    fn tile_products(
        self,
        acc: Self::Sums,
        ks: Range<usize>,
        weight: impl Fn(usize, usize) -> __m512,
        value: impl Fn(usize, usize) -> f32,
    ) -> Self::Sums {
        let [
            [mut a00, mut a01, mut a02, mut a03],
            [mut a10, mut a11, mut a12, mut a13],
            [mut a20, mut a21, mut a22, mut a23],
            [mut a30, mut a31, mut a32, mut a33],
            [mut a40, mut a41, mut a42, mut a43],
            [mut a50, mut a51, mut a52, mut a53],
        ] = acc;
        for k in ks {
            let w: [__m512; 4] = std::array::from_fn(|g| weight(k, g));
            macro_rules! row {
                ($r:literal, $a0:ident, $a1:ident, $a2:ident, $a3:ident) => {
                    let v = self.splat(value($r, k));
                    $a0 = self.mul_add(v, w[0], $a0);
                    $a1 = self.mul_add(v, w[1], $a1);
                    $a2 = self.mul_add(v, w[2], $a2);
                    $a3 = self.mul_add(v, w[3], $a3);
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
}
