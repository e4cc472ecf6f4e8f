//! Branch-free `sigmoid` and `tanh` on `f32` that the compiler vectorises when they are inlined
//! into a loop: the fused LSTM's gates spend most of their time here, and libm's scalar `tanhf`
//! would be half of the whole inference. The constants of their exponentials ([`ExpOf`]) serve
//! the x86 tiles too.
//!
//! `sigmoid(x) = 1 / (1 + e^-x)` and `tanh(x) = 1 - 2 / (1 + e^2x)`. Each exponential `e^(k x)`
//! reduces `k x = n ln2 + k q` with `|k q| <= ln2 / 2` (ln2 split in two so that `n ln2 / k` is
//! exact), takes `e^(k q)` from a degree-5 polynomial in `q` (minimax for `e^r` on
//! `|r| <= ln2 / 2`, relative error 9.2e-8; its coefficients times powers of `k`, exactly, since
//! `k` is -1 or 2) and puts `n` into the exponent bits. Folding `k` in spares the multiply by
//! `k`; degree 5 spares a step of the Taylor polynomial of degree 6 this replaced, at the same
//! accuracy. Arguments are clamped so that `k x` lies in `[-86, 88]`, where the result stays a
//! normal float. Measured against f64 libm (tests below): `sigmoid` and `tanh` are within 2.5e-7
//! absolute over [-30, 30].

/// `ln 2` in two parts: the high part has few mantissa bits, so `n * LN2_HI` (and the same over
/// 2) is exact for the `n` that occur.
const LN2_HI: f32 = 355.0 / 512.0;
const LN2_LO: f32 = -2.121_944_4e-4;
/// Adding this rounds an `f32` of magnitude below 2^22 to an integer and leaves that integer in
/// the low mantissa bits.
const ROUNDER: f32 = 12_582_912.0; // 1.5 * 2^23
/// `e^r ~ 1 + r (c1 + r (c2 + ...))` on `|r| <= ln2 / 2`: minimax for the relative error (Lawson's
/// iteration on 20,001 Chebyshev points, in f64, then rounded to f32).
const EXP_POLY: [f32; 6] = [
    1.0,
    9.999_997e-1,
    4.999_915e-1,
    1.666_763_6e-1,
    4.189_793_4e-2,
    8.290_314e-3,
];

/// The constants of `e^(k x)` for one `k`: the clamp of `x`, `k log2 e`, `ln2 / k` in two parts
/// and the polynomial's coefficients times powers of `k`.
pub(super) struct ExpOf {
    pub(super) lo: f32,
    pub(super) hi: f32,
    pub(super) log2e: f32,
    pub(super) ln2_hi: f32,
    pub(super) ln2_lo: f32,
    pub(super) poly: [f32; 6],
}

impl ExpOf {
    /// For `k` a power of two or its negative, so that every constant is exact (bar `log2e`,
    /// rounded once).
    const fn times(k: f32) -> Self {
        let mut poly = EXP_POLY;
        let mut power = 1.0;
        let mut i = 0;
        while i < poly.len() {
            poly[i] *= power;
            power *= k;
            i += 1;
        }
        let (lo, hi) = if k > 0.0 {
            (-86.0 / k, 88.0 / k)
        } else {
            (88.0 / k, -86.0 / k)
        };
        ExpOf {
            lo,
            hi,
            log2e: k * std::f32::consts::LOG2_E,
            ln2_hi: LN2_HI / k,
            ln2_lo: LN2_LO / k,
            poly,
        }
    }
}

/// `e^-x`, the sigmoid's.
pub(super) const EXP_NEG: ExpOf = ExpOf::times(-1.0);
/// `e^2x`, the tanh's.
pub(super) const EXP_TWICE: ExpOf = ExpOf::times(2.0);

/// `e^(k x)` by the constants `e` of `k`; relative error below 2.5e-7 (two f32 epsilons).
#[inline(always)]
fn exp_of(x: f32, e: &ExpOf) -> f32 {
    let x = x.clamp(e.lo, e.hi);
    let shifted = x * e.log2e + ROUNDER;
    let n = shifted - ROUNDER;
    let q = (x - n * e.ln2_hi) - n * e.ln2_lo;
    let p = e.poly[0] + q * (e.poly[1] + q * (e.poly[2] + q * (e.poly[3] + q * (e.poly[4] + q * e.poly[5]))));
    // The low bits of `shifted` hold n (two's complement); moved up to the exponent field and
    // added, they multiply p by 2^n.
    f32::from_bits(p.to_bits().wrapping_add(shifted.to_bits() << 23))
}

/// The logistic function `1 / (1 + e^-x)`.
#[inline(always)]
pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp_of(x, &EXP_NEG))
}

/// The hyperbolic tangent, as `1 - 2 / (1 + e^2x)`.
#[inline(always)]
pub(crate) fn tanh(x: f32) -> f32 {
    1.0 - 2.0 / (1.0 + exp_of(x, &EXP_TWICE))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every 1/4096 over [-30, 30], plus the ends of the clamp.
    fn grid() -> impl Iterator<Item = f32> {
        (-30 * 4096..=30 * 4096)
            .map(|i| i as f32 / 4096.0)
            .chain([-200.0, -87.0, -86.0, 88.0, 89.0, 200.0, 1e-30, -1e-30])
    }

    #[test]
    fn each_exponential_is_within_2_5e_7_relative_of_libm_over_its_range() {
        for (k, e) in [(-1.0, &EXP_NEG), (2.0, &EXP_TWICE)] {
            let mut worst = 0.0f64;
            for i in -86 * 1024..=88 * 1024 {
                let x = i as f32 / 1024.0 / k;
                let exact = (f64::from(k) * f64::from(x)).exp();
                worst = worst.max((f64::from(exp_of(x, e)) - exact).abs() / exact);
            }
            assert!(worst < 2.5e-7, "e^({k} x): relative error {worst:e}");
        }
    }

    #[test]
    fn sigmoid_and_tanh_are_within_2_5e_7_of_libm() {
        let (mut worst_sigmoid, mut worst_tanh) = (0.0f64, 0.0f64);
        for x in grid() {
            let exact_sigmoid = 1.0 / (1.0 + (-f64::from(x)).exp());
            worst_sigmoid = worst_sigmoid.max((f64::from(sigmoid(x)) - exact_sigmoid).abs());
            worst_tanh = worst_tanh.max((f64::from(tanh(x)) - f64::from(x).tanh()).abs());
        }
        assert!(worst_sigmoid < 2.5e-7, "sigmoid off by {worst_sigmoid:e}");
        assert!(worst_tanh < 2.5e-7, "tanh off by {worst_tanh:e}");
    }

    #[test]
    fn saturates_to_the_limits_and_keeps_symmetry() {
        assert_eq!((sigmoid(-200.0) * 1e30).round(), 0.0);
        assert_eq!(sigmoid(200.0), 1.0);
        assert_eq!(tanh(200.0), 1.0);
        assert_eq!(tanh(-200.0), -1.0);
        for x in [0.1f32, 0.7, 2.0, 5.0] {
            assert!((tanh(x) + tanh(-x)).abs() < 2e-7);
            assert!((sigmoid(x) + sigmoid(-x) - 1.0).abs() < 2e-7);
        }
        assert!(sigmoid(f32::NAN).is_nan() && tanh(f32::NAN).is_nan());
    }
}
