//! The tile in AVX2 and FMA: 8 lanes, 16 registers. A tile is 3 rows by the 4 gates of a block
//! of 8 hidden units (for the backward pass's products, 3 rows by 32 columns): 12 accumulators,
//! one weight vector and 3 broadcasts at a time. `2^n` is put into the exponent bits.

use std::arch::x86_64::{
    __m256, __m256i, _mm256_add_epi32, _mm256_add_ps, _mm256_castps_si256, _mm256_castsi256_ps,
    _mm256_cmpgt_epi32, _mm256_cvtps_epi32, _mm256_div_ps, _mm256_fmadd_ps, _mm256_fnmadd_ps,
    _mm256_loadu_ps, _mm256_maskload_ps, _mm256_maskstore_ps, _mm256_max_ps, _mm256_min_ps, _mm256_mul_ps,
    _mm256_round_ps, _mm256_set1_epi32, _mm256_set1_ps, _mm256_setr_epi32, _mm256_slli_epi32,
    _mm256_storeu_ps,
};
use std::ops::Range;

use super::packed::{Call, Run};
use super::{Products, Simd};
use gait_cpu::Isa;

/// The token of AVX2 and FMA: see [`Simd`].
#[derive(Clone, Copy)]
pub(super) struct Avx2(());

impl Avx2 {
    /// The token, where this CPU has AVX2 and FMA and `GAIT_ISA` allows them.
    pub(super) fn new() -> Option<Self> {
        (Isa::get() >= Isa::Avx2).then_some(Avx2(()))
    }
}

tile_loops!(Avx2, "avx2,fma", "AVX2 and FMA");

/// Every method executes AVX2 and FMA instructions, which the token's existence guarantees.
#[allow(unsafe_code)]
impl Simd for Avx2 {
    type V = __m256;
    /// A lane is in the mask when its sign bit is set.
    type Mask = __m256i;
    type Sums = [[__m256; 4]; 3];
    const LANES: usize = 8;
    const TILE: usize = 3;
    const RUN: Run = run;
    const PRODUCTS: Products = products;

    vector_ops!(
        __m256,
        _mm256_set1_ps,
        _mm256_loadu_ps,
        _mm256_storeu_ps,
        _mm256_add_ps,
        _mm256_mul_ps,
        _mm256_div_ps,
        _mm256_fmadd_ps,
        _mm256_fnmadd_ps,
        _mm256_min_ps,
        _mm256_max_ps
    );

    #[inline(always)]
    fn mask(self, count: usize) -> __m256i {
        let count = count.min(8) as i32;
        // SAFETY: see `splat`.
        unsafe {
            _mm256_cmpgt_epi32(
                _mm256_set1_epi32(count),
                _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
            )
        }
    }
    #[inline(always)]
    unsafe fn load_masked(self, mask: __m256i, at: *const f32) -> __m256 {
        // SAFETY: the caller gives the masked lanes readable; the others are not touched.
        unsafe { _mm256_maskload_ps(at, mask) }
    }
    #[inline(always)]
    unsafe fn store_masked(self, at: *mut f32, mask: __m256i, v: __m256) {
        // SAFETY: the caller gives the masked lanes writable; the others are not touched.
        unsafe { _mm256_maskstore_ps(at, mask, v) }
    }
    #[inline(always)]
    fn round(self, x: __m256) -> __m256 {
        // Round to nearest, exceptions suppressed. SAFETY: see `splat`.
        unsafe { _mm256_round_ps::<0x08>(x) }
    }
    #[inline(always)]
    fn scale(self, p: __m256, n: __m256) -> __m256 {
        // n moved into the exponent bits and added: p's exponent stays normal for the n and p
        // allowed. SAFETY: see `splat`.
        unsafe {
            let scale = _mm256_slli_epi32::<23>(_mm256_cvtps_epi32(n));
            _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(p), scale))
        }
    }
    #[inline(always)]
    fn sums(self, first: [__m256; 4]) -> Self::Sums {
        [first; 3]
    }

    /// The 12 sums live in named variables through the loop: an array of them, indexed in
    /// loops, is kept in memory by the compiler, and every FMA then also stores.
    #[inline(always)]
    fn tile_products(
        self,
        acc: Self::Sums,
        ks: Range<usize>,
        weight: impl Fn(usize, usize) -> __m256,
        value: impl Fn(usize, usize) -> f32,
    ) -> Self::Sums {
        let [
            [mut a00, mut a01, mut a02, mut a03],
            [mut a10, mut a11, mut a12, mut a13],
            [mut a20, mut a21, mut a22, mut a23],
        ] = acc;
        for k in ks {
            let (v0, v1, v2) = (
                self.splat(value(0, k)),
                self.splat(value(1, k)),
                self.splat(value(2, k)),
            );
            macro_rules! gate {
                ($g:literal, $a0:ident, $a1:ident, $a2:ident) => {
                    let w = weight(k, $g);
                    $a0 = self.mul_add(v0, w, $a0);
                    $a1 = self.mul_add(v1, w, $a1);
                    $a2 = self.mul_add(v2, w, $a2);
                };
            }
            gate!(0, a00, a10, a20);
            gate!(1, a01, a11, a21);
            gate!(2, a02, a12, a22);
            gate!(3, a03, a13, a23);
        }
        [[a00, a01, a02, a03], [a10, a11, a12, a13], [a20, a21, a22, a23]]
    }
}
