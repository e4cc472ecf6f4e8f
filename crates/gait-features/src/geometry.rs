//! Small 3D vector helpers shared by the feature sets, events and axes.

/// A 3D vector in `f64`.
pub type V3 = [f64; 3];

/// `a - b`.
#[inline(always)]
pub fn sub(a: V3, b: V3) -> V3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// `a + b`.
#[inline(always)]
pub fn add(a: V3, b: V3) -> V3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// `a * s`.
#[inline(always)]
pub fn scale(a: V3, s: f64) -> V3 {
    [a[0] * s, a[1] * s, a[2] * s]
}

/// The midpoint of `a` and `b`.
#[inline(always)]
pub fn mid(a: V3, b: V3) -> V3 {
    scale(add(a, b), 0.5)
}

/// Dot product as NumPy's `dot` computes three products with OpenBLAS on CPUs with fused
/// multiply-add (every x86 since 2013, every ARM64): `fma(a2, b2, fma(a1, b1, a0 b0))`, each
/// step rounded once (checked bit for bit against NumPy on random float64 vectors by
/// `tests/fixtures/make_seed_fixtures.py`). Where the instruction set lacks FMA, `mul_add` is
/// computed exactly in software: slower, the same values.
#[inline(always)]
pub fn dot(a: V3, b: V3) -> f64 {
    a[2].mul_add(b[2], a[1].mul_add(b[1], a[0] * b[0]))
}

/// Cross product.
#[inline(always)]
pub fn cross(a: V3, b: V3) -> V3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Euclidean length.
#[inline(always)]
pub fn norm(a: V3) -> f64 {
    dot(a, a).sqrt()
}

/// `a` scaled to unit length, or `None` for a zero or non-finite vector.
pub fn unit(a: V3) -> Option<V3> {
    let n = norm(a);
    (n > 0.0 && n.is_finite()).then(|| scale(a, 1.0 / n))
}

/// `a` with its component along the unit vector `axis` removed.
pub fn reject(a: V3, axis: V3) -> V3 {
    sub(a, scale(axis, dot(a, axis)))
}

/// The unsigned angle between `u` and `v` in degrees: `degrees(arccos(clip(u.v / (|u| |v|), -1, 1)))`,
/// `NaN` when either has zero length (the old pipeline's `None`).
///
/// Branch-free, so that loops of it vectorise.
#[inline(always)]
pub fn angle(u: V3, v: V3) -> f64 {
    let (nu, nv) = (norm(u), norm(v));
    let degrees = acos((dot(u, v) / (nu * nv)).clamp(-1.0, 1.0)).to_degrees();
    if nu == 0.0 || nv == 0.0 { f64::NAN } else { degrees }
}

/// `asin(sqrt(z)) / sqrt(z)` on `0 <= z <= 1/4` as a polynomial in `z` of degree 12, within
/// 3e-17 relative (Chebyshev interpolation in 50-digit arithmetic: `tools/asin_polynomial.py`).
const ASIN_POLYNOMIAL: [f64; 13] = [
    1.0,
    0.16666666666664942,
    0.07500000000385201,
    0.044642856805998936,
    0.03038195969768514,
    0.022371749733164054,
    0.01735977964134998,
    0.01388484282640208,
    0.012170138592391726,
    0.0065293020047365695,
    0.019513468251252167,
    -0.016187392271599134,
    0.03187962140081284,
];

/// `asin(t)` for `0 <= t <= 0.5`.
#[inline(always)]
fn asin_small(t: f64) -> f64 {
    let z = t * t;
    let mut p = ASIN_POLYNOMIAL[12];
    for &c in ASIN_POLYNOMIAL[..12].iter().rev() {
        p = p * z + c;
    }
    t * p
}

/// Arc cosine in radians, within a few units in the last place of the correctly rounded value,
/// written without branches so that loops over many values vectorise (the system `acos` does not).
/// `NaN` in, `NaN` out; arguments must lie in `[-1, 1]`.
#[inline(always)]
pub fn acos(x: f64) -> f64 {
    use std::f64::consts::{FRAC_PI_2, PI};
    let a = x.abs();
    let small = a <= 0.5;
    // acos(a) = pi/2 - asin(a) near 0, and 2 asin(sqrt((1 - a) / 2)) near 1 (1 - a is exact there).
    let t = if small { a } else { ((1.0 - a) * 0.5).sqrt() };
    let s = asin_small(t);
    let r = if small { FRAC_PI_2 - s } else { 2.0 * s };
    if x < 0.0 { PI - r } else { r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acos_is_within_a_few_ulp_of_the_system_acos_over_the_whole_range() {
        let mut worst_ulp = 0.0f64;
        for i in 0..=2_000_000 {
            let x = -1.0 + 2.0 * f64::from(i) / 2_000_000.0;
            let (ours, libm) = (acos(x), x.acos());
            let ulp = (libm.abs() * f64::EPSILON).max(f64::MIN_POSITIVE);
            worst_ulp = worst_ulp.max((ours - libm).abs() / ulp);
        }
        for x in [
            1.0,
            -1.0,
            0.5,
            -0.5,
            0.0,
            1.0 - f64::EPSILON,
            -1.0 + f64::EPSILON,
            1e-300,
        ] {
            let ulp = (x.acos() * f64::EPSILON).max(f64::MIN_POSITIVE);
            worst_ulp = worst_ulp.max((acos(x) - x.acos()).abs() / ulp);
        }
        assert!(worst_ulp <= 4.0, "{worst_ulp} ulp");
        assert!(acos(f64::NAN).is_nan());
        assert_eq!(acos(1.0), 0.0);
    }
}
