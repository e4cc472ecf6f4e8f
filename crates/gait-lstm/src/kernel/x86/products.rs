//! The backward pass's matrix products on an instruction set's register tile
//! ([`Simd::tile_products`]): `TILE` rows by four vectors of columns at a time; a last, partial
//! tile of columns read from a zero-padded copy and stored under a mask.

use super::Simd;
use super::avx2::Avx2;
use super::avx512::Avx512;
use crate::kernel::products::Strided;
use gait_cpu::Isa;

/// `dst = [dst +] lhs * rhs` on one instruction set's tile: `dst` row-major with row stride
/// `dst_stride`, `rhs` with contiguous rows.
///
/// # Safety
///
/// Callable only on a CPU with the tile's target features, with `lhs.cols == rhs.rows`,
/// `rhs.col_stride == 1`, both operands [`Strided::fits`], and `dst` valid for writes (and, when
/// accumulating, reads) at every `i * dst_stride + j`, `i < lhs.rows`, `j < rhs.cols`.
pub(crate) type Products = unsafe fn(*mut f32, usize, bool, Strided<'_>, Strided<'_>);

/// The product on the widest tile that `isa` (at most [`Isa::get`]) allows: AVX-512 or AVX2;
/// `None` below AVX2.
pub(crate) fn tiles(isa: Isa) -> Option<Products> {
    if isa >= Isa::Avx512 && Avx512::new().is_some() {
        return Some(Avx512::PRODUCTS);
    }
    if isa >= Isa::Avx2 && Avx2::new().is_some() {
        return Some(Avx2::PRODUCTS);
    }
    None
}

/// The product of [`Products`] for `S`. Each element of `dst` is its sum over `k` in order,
/// whichever rows share its tile, so results do not depend on how rows are cut among threads.
///
/// # Safety
///
/// As [`Products`], with the token `s` for the instruction set.
#[inline(always)]
#[allow(unsafe_code)]
pub(super) unsafe fn matmul<S: Simd>(
    s: S,
    dst: *mut f32,
    dst_stride: usize,
    accumulate: bool,
    a: Strided,
    b: Strided,
) {
    let (m, n, k) = (a.rows, b.cols, a.cols);
    if m == 0 {
        return;
    }
    let lanes = S::LANES;
    let width = 4 * lanes;
    // The columns of a last, partial tile, copied with zeros up to the tile's width: masked
    // loads in the innermost loop cost more, and their masks took registers the sums need.
    let mut edge = Vec::new();
    for col in (0..n).step_by(width) {
        let masks: [S::Mask; 4] = std::array::from_fn(|block| s.mask(n.saturating_sub(col + block * lanes)));
        let (panel, panel_stride) = if col + width <= n {
            // (Empty when k is 0: nothing is then read.)
            (&b.data[col.min(b.data.len())..], b.row_stride)
        } else {
            edge.clear();
            for kk in 0..k {
                let at = kk * b.row_stride + col;
                edge.extend_from_slice(&b.data[at..at + n - col]);
                edge.resize((kk + 1) * width, 0.0);
            }
            (&edge[..], width)
        };
        for first in (0..m).step_by(S::TILE) {
            let valid = (m - first).min(S::TILE);
            let row = |r: usize| first + r.min(valid - 1);
            // SAFETY (pointer arithmetic): row(r) < m, kk < k, every block of the panel lies
            // inside it (whole tiles: col + width <= n; the edge: `width` floats a row), and
            // lanes at or past column n of `dst` are masked off, so every access is one the
            // caller vouched for or inside `edge`. The addresses of `dst` blocks past the last
            // column may lie past it: they are formed with `wrapping_add` and used only under
            // an empty mask.
            unsafe {
                let value =
                    |r: usize, kk: usize| *a.data.as_ptr().add(row(r) * a.row_stride + kk * a.col_stride);
                let weight =
                    |kk: usize, block: usize| s.load(panel.as_ptr().add(kk * panel_stride + block * lanes));
                let tile = s.tile_products(s.sums([s.splat(0.0); 4]), 0..k, weight, value);
                for (r, sums) in tile.as_ref().iter().enumerate().take(valid) {
                    for (block, &sum) in sums.iter().enumerate() {
                        let to = dst.wrapping_add(row(r) * dst_stride + col + block * lanes);
                        let sum = if accumulate {
                            s.add(s.load_masked(masks[block], to), sum)
                        } else {
                            sum
                        };
                        s.store_masked(to, masks[block], sum);
                    }
                }
            }
        }
    }
}
