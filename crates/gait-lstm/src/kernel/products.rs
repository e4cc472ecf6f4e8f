//! Matrix products on strided operands: register tiles where the CPU has AVX-512 or AVX2
//! ([`super::x86`]), else a portable tile the compiler keeps in vector registers (SSE2, NEON).

/// A matrix read from a slice with a row stride and a column stride.
#[derive(Clone, Copy)]
pub(crate) struct Strided<'a> {
    pub(crate) data: &'a [f32],
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) row_stride: usize,
    pub(crate) col_stride: usize,
}

impl<'a> Strided<'a> {
    /// `rows x cols` stored row after row in `data`.
    pub(crate) fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Strided {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// Whether every element's index lies inside `data`.
    pub(crate) fn fits(&self) -> bool {
        self.rows == 0
            || self.cols == 0
            || (self.rows - 1)
                .checked_mul(self.row_stride)
                .zip((self.cols - 1).checked_mul(self.col_stride))
                .and_then(|(r, c)| r.checked_add(c))
                .is_some_and(|last| last < self.data.len())
    }

    /// The elements, row after row.
    pub(super) fn copied(self) -> Vec<f32> {
        (0..self.rows)
            .flat_map(|i| (0..self.cols).map(move |j| self.data[i * self.row_stride + j * self.col_stride]))
            .collect()
    }

    /// The same elements read as the transpose.
    pub(super) fn transposed(self) -> Self {
        Strided {
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            ..self
        }
    }
}

/// `dst = [dst +] lhs * rhs`, `dst` row-major with row stride `dst_stride`, `rhs` with contiguous
/// rows; one thread.
pub(super) fn matmul(dst: &mut [f32], dst_stride: usize, accumulate: bool, lhs: Strided, rhs: Strided) {
    let (m, n, k) = (lhs.rows, rhs.cols, lhs.cols);
    assert_eq!(k, rhs.rows, "inner dimensions of a product");
    assert_eq!(rhs.col_stride, 1, "the right factor's rows are contiguous");
    if m == 0 || n == 0 {
        return;
    }
    assert!(dst.len() >= (m - 1) * dst_stride + n && lhs.fits() && rhs.fits());
    #[cfg(target_arch = "x86_64")]
    if let Some(tiles) = super::x86::tiles(gait_cpu::Isa::get()) {
        // SAFETY: `tiles` returns only a product this CPU runs; the sizes were checked above.
        #[allow(unsafe_code)]
        unsafe {
            tiles(dst.as_mut_ptr(), dst_stride, accumulate, lhs, rhs)
        };
        return;
    }
    matmul_portable(dst, dst_stride, accumulate, lhs, rhs)
}

/// Rows and columns of [`matmul_portable`]'s register tile: eight accumulators of four lanes (SSE2,
/// NEON) of sixteen registers, beside the right factor's four vectors and a broadcast.
const TILE_ROWS: usize = 2;
const TILE_COLS: usize = 16;

gait_cpu::multiversion! {
    /// [`matmul`] below AVX2, once [`matmul`] has checked the sizes: tiles of [`TILE_ROWS`] by
    /// [`TILE_COLS`] accumulators the compiler keeps in vector registers, then the edges. Every
    /// element is its sum over `k` in order, then added to `dst` when accumulating, whichever
    /// rows share its tile, so the results do not depend on how the batch is cut among threads.
    fn matmul_portable(
        dst: &mut [f32],
        dst_stride: usize,
        accumulate: bool,
        lhs: Strided,
        rhs: Strided,
    ) {
        let (m, n) = (lhs.rows, rhs.cols);
        let mut product = Product { dst, dst_stride, accumulate, lhs, rhs };
        let whole_rows = m - m % TILE_ROWS;
        let whole_cols = n - n % TILE_COLS;
        for j in (0..whole_cols).step_by(TILE_COLS) {
            for i in (0..whole_rows).step_by(TILE_ROWS) {
                product.tile::<TILE_ROWS, TILE_COLS>(i, j);
            }
            for i in whole_rows..m {
                product.tile::<1, TILE_COLS>(i, j);
            }
        }
        for j in whole_cols..n {
            for i in 0..m {
                product.tile::<1, 1>(i, j);
            }
        }
    }
}

/// The operands of [`matmul_portable`].
struct Product<'a, 'b> {
    dst: &'a mut [f32],
    dst_stride: usize,
    accumulate: bool,
    lhs: Strided<'b>,
    rhs: Strided<'b>,
}

impl Product<'_, '_> {
    /// `dst[i..i + R, j..j + C]`, its sums kept in a fixed-size array through the loop over `k`.
    #[inline(always)]
    fn tile<const R: usize, const C: usize>(&mut self, i: usize, j: usize) {
        let (lhs, rhs) = (self.lhs, self.rhs);
        let mut sums = [[0.0f32; C]; R];
        for k in 0..lhs.cols {
            let at = k * rhs.row_stride + j;
            let b: [f32; C] = rhs.data[at..at + C].try_into().expect("C values");
            for (r, sums) in sums.iter_mut().enumerate() {
                let a = lhs.data[(i + r) * lhs.row_stride + k * lhs.col_stride];
                sums.iter_mut().zip(&b).for_each(|(s, b)| *s += a * b);
            }
        }
        for (r, sums) in sums.iter().enumerate() {
            let at = (i + r) * self.dst_stride + j;
            let row = &mut self.dst[at..at + C];
            if self.accumulate {
                row.iter_mut().zip(sums).for_each(|(d, s)| *d += s);
            } else {
                row.copy_from_slice(sums);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::kernel::tests::random;

    /// Every product path against a plain triple loop in f64, on shapes that leave partial
    /// tiles and masked columns, with strided and transposed operands.
    #[test]
    fn products_match_a_triple_loop() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for (m, n, k) in [(1, 1, 1), (7, 17, 5), (13, 70, 33), (6, 64, 0), (20, 3, 9)] {
            let a = random(m * k + 3, &mut rng);
            let b = random(k * n * 2 + 5, &mut rng);
            let lhs = Strided::row_major(&a, m, k);
            // b read as k x n with row stride 2n (every other row of a wider matrix).
            let rhs = Strided {
                data: &b,
                rows: k,
                cols: n,
                row_stride: 2 * n,
                col_stride: 1,
            };
            let start = random(m * (n + 1), &mut rng);
            let want = |accumulate: bool| -> Vec<f64> {
                let mut c = vec![0.0; m * (n + 1)];
                for i in 0..m {
                    for j in 0..n + 1 {
                        let base = if accumulate || j == n {
                            f64::from(start[i * (n + 1) + j])
                        } else {
                            0.0
                        };
                        c[i * (n + 1) + j] = base
                            + if j < n {
                                (0..k)
                                    .map(|l| f64::from(a[i * k + l]) * f64::from(b[l * 2 * n + j]))
                                    .sum::<f64>()
                            } else {
                                0.0
                            };
                    }
                }
                c
            };
            for accumulate in [false, true] {
                let mut paths: Vec<Vec<f32>> = Vec::new();
                let mut c = start.clone();
                matmul_portable(&mut c, n + 1, accumulate, lhs, rhs);
                paths.push(c);
                #[cfg(target_arch = "x86_64")]
                for isa in [gait_cpu::Isa::Avx512, gait_cpu::Isa::Avx2] {
                    if let Some(tiles) = crate::kernel::x86::tiles(isa) {
                        let mut c = start.clone();
                        // SAFETY: the CPU runs `tiles`; c holds m rows of stride n + 1.
                        #[allow(unsafe_code)]
                        unsafe {
                            tiles(c.as_mut_ptr(), n + 1, accumulate, lhs, rhs)
                        };
                        paths.push(c);
                    }
                }
                // The transposed-lhs form the weight gradients use.
                let at: Vec<f32> = (0..k * m).map(|i| a[(i % m) * k + i / m]).collect();
                let lhs_t = Strided {
                    data: &at,
                    rows: m,
                    cols: k,
                    row_stride: 1,
                    col_stride: m,
                };
                let mut c = start.clone();
                matmul(&mut c, n + 1, accumulate, lhs_t, rhs);
                paths.push(c);
                for c in paths {
                    for (got, want) in c.iter().zip(want(accumulate)) {
                        assert!(
                            (f64::from(*got) - want).abs() < 1e-5,
                            "{m}x{n}x{k}: {got} against {want}"
                        );
                    }
                }
            }
        }
    }
}
