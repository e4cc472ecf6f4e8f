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

/// Dot product, summed left to right as NumPy sums three products.
#[inline(always)]
pub fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
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
#[inline(always)]
pub fn angle(u: V3, v: V3) -> f64 {
    let (nu, nv) = (norm(u), norm(v));
    if nu == 0.0 || nv == 0.0 {
        return f64::NAN;
    }
    (dot(u, v) / (nu * nv)).clamp(-1.0, 1.0).acos().to_degrees()
}
