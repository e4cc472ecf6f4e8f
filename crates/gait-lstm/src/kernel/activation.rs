//! Branch-free `exp`, `sigmoid` and `tanh` on `f32` that the compiler vectorises when they are
//! inlined into a loop: the fused LSTM's gates spend most of their time here, and libm's scalar
//! `tanhf` would be half of the whole inference.
//!
//! `exp` reduces `x = n ln2 + r` with `|r| <= ln2 / 2` (ln2 split in two so `n ln2` is exact),
//! takes `e^r` from its Taylor polynomial to degree 6 (truncation below 1.2e-7 relative) and puts
//! `n` into the exponent bits. Inputs are clamped to `[-86, 88]`, where the result stays a
//! normal float. Measured against f64 libm (tests below): `sigmoid` and `tanh` are within 2.5e-7
//! absolute over [-30, 30].

/// `ln 2` in two parts: the high part has few mantissa bits, so `n * LN2_HI` is exact for the
/// `n` that occur.
const LN2_HI: f32 = 355.0 / 512.0;
const LN2_LO: f32 = -2.121_944_4e-4;
/// Adding this rounds an `f32` of magnitude below 2^22 to an integer and leaves that integer in
/// the low mantissa bits.
const ROUNDER: f32 = 12_582_912.0; // 1.5 * 2^23

/// `e^x`, relative error below 2.5e-7 (two f32 epsilons) for `x` in [-86, 88]; clamped outside.
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    let x = x.clamp(-86.0, 88.0);
    let shifted = x * std::f32::consts::LOG2_E + ROUNDER;
    let n = shifted - ROUNDER;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (1.0 / 2.0 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    // The low bits of `shifted` hold n (two's complement); moved up to the exponent field and
    // added, they multiply p by 2^n.
    f32::from_bits(p.to_bits().wrapping_add(shifted.to_bits() << 23))
}

/// The logistic function `1 / (1 + e^-x)`.
#[inline(always)]
pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// The hyperbolic tangent, as `1 - 2 / (1 + e^2x)`.
#[inline(always)]
pub(crate) fn tanh(x: f32) -> f32 {
    1.0 - 2.0 / (1.0 + exp(2.0 * x))
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
    fn exp_is_within_2_5e_7_relative_of_libm_over_its_range() {
        let mut worst = 0.0f64;
        for i in -86 * 1024..=88 * 1024 {
            let x = i as f32 / 1024.0;
            let exact = f64::from(x).exp();
            worst = worst.max((f64::from(exp(x)) - exact).abs() / exact);
        }
        assert!(worst < 2.5e-7, "relative error {worst:e}");
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
        assert!(exp(f32::NAN).is_nan() && sigmoid(f32::NAN).is_nan());
    }
}
