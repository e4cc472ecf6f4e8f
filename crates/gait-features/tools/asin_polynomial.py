"""Computes the polynomial behind gait_features::geometry::acos.

g(z) = asin(sqrt(z)) / sqrt(z) on z in [0, 1/4], interpolated at 13 Chebyshev nodes in 50-digit
arithmetic (mpmath) and written in monomials of z; rounded to float64 the coefficients stay within
3e-17 relative of g, so asin(t) = t g(t^2) for t <= 1/2 is within a fraction of an ulp.

    pip install mpmath && python asin_polynomial.py
"""
import mpmath as mp

mp.mp.dps = 50


def g(z):
    if z == 0:
        return mp.mpf(1)
    s = mp.sqrt(z)
    return mp.asin(s) / s


def main(degree=12):
    a, b, n = mp.mpf(0), mp.mpf("0.25"), degree + 1
    nodes = [(a + b) / 2 + (b - a) / 2 * mp.cos(mp.pi * (k + 0.5) / n) for k in range(n)]
    coefficients = mp.lu_solve(mp.matrix([[x**j for j in range(n)] for x in nodes]),
                               mp.matrix([g(x) for x in nodes]))
    rounded = [float(c) for c in coefficients]
    grid = [b * k / 4000 for k in range(4001)]
    error = max(abs(sum(mp.mpf(rounded[j]) * x**j for j in range(n)) - g(x)) / g(x) for x in grid)
    print(f"degree {degree}: max relative error {mp.nstr(error, 3)}")
    print("[" + ", ".join(repr(c) for c in rounded) + "]")


if __name__ == "__main__":
    main()
