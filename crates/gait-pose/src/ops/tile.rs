//! The register tile of `CONV_2D`'s products ([`super::conv::product`]): up to [`TILE`] output
//! pixels, summed over the inputs panel by panel of [`PANEL`] output channels in registers, and
//! written to the output with the bias and the activation, the sums never stored on their own.
//!
//! One body per instruction set: AVX-512 (a register of sums per pixel) and AVX2 with FMA (two),
//! written with intrinsics; and a portable one, multiplies and adds unfused, that the compiler
//! vectorises. The operands are checked once per tile, not per panel. One generic body compiled
//! for each instruction set, as before, kept its AVX-512 sums on the stack between the sum and the
//! write: on a Zen 4 core, 1x1 products of 16 to 27 inputs ran at 35 to 40% of the FMA peak (now
//! 55 to 85%), and the full landmark model took 13.4 to 16.9 ms a run on one thread (now 11.5 to
//! 12.0). On AVX2 the two measured the same there.

use std::ops::Range;

use crate::geometry::Activation;

/// Output channels in a panel of the packed filter: the kernel's vector width (two AVX2
/// registers, one AVX-512 register, four SSE2 registers).
pub(super) const PANEL: usize = 16;

/// Output pixels summed together: a panel's weights are loaded once for all of them, and their
/// sums (6 x 16 floats) take twelve of AVX2's sixteen vector registers.
pub(super) const TILE: usize = 6;

/// A tile of a product: up to [`TILE`] output pixels, every output channel, summed panel by
/// panel in runs of inputs.
pub(super) struct Tile<'a> {
    /// The tile's input rows, each at least `k` long. A tile of fewer pixels repeats its last
    /// row; the sums of the repeats are not written.
    pub(super) rows: [&'a [f32]; TILE],
    /// The inputs a pixel sums.
    pub(super) k: usize,
    /// The most inputs summed from zero before they are added to the output.
    pub(super) depth: usize,
    /// The filter packed in panels, `[outputs / PANEL][k][PANEL]`.
    pub(super) filter: &'a [f32],
    /// A bias per output channel.
    pub(super) bias: &'a [f32],
    /// Applied to the output once every run is added.
    pub(super) activation: Activation,
}

/// One run of inputs against one panel: what it sums and how its sums are written.
struct Run<'a> {
    /// The first input of the run.
    first: usize,
    /// The panel's weights for the run's inputs, `[depth, PANEL]`.
    weights: &'a [f32],
    /// The output channels the panel covers, at most [`PANEL`] of them.
    columns: Range<usize>,
    /// The first run's bias for `columns`: the output is then the sums plus the bias; on later
    /// runs (`None`) the sums are added to the output.
    bias: Option<&'a [f32]>,
    /// Applied to the output as it is written: the activation on the last run, else `None`.
    activation: Activation,
}

impl Tile<'_> {
    /// Sums the tile and writes its pixels into `out`, which holds them row-major with a channel
    /// per bias (as many pixels as `out` holds rows, one to [`TILE`]).
    pub(super) fn write(&self, out: &mut [f32]) {
        let n = self.bias.len();
        let pixels = out.len().checked_div(n).unwrap_or(0);
        assert!(
            self.k > 0
                && self.depth > 0
                && self.filter.len() == n.div_ceil(PANEL) * self.k * PANEL
                && self.rows.iter().all(|row| row.len() >= self.k)
                && (1..=TILE).contains(&pixels)
                && out.len() == pixels * n,
            "tile: operands that do not fit"
        );
        match gait_cpu::Isa::get() {
            #[cfg(target_arch = "x86_64")]
            #[allow(unsafe_code)]
            // SAFETY: `Isa::get` never chooses an instruction set this CPU lacks, and the assert
            // above checks what the body's loads and stores rely on.
            gait_cpu::Isa::Avx512 => unsafe { x86::avx512(self, out) },
            #[cfg(target_arch = "x86_64")]
            #[allow(unsafe_code)]
            // SAFETY: as above.
            gait_cpu::Isa::Avx2 => unsafe { x86::avx2(self, out) },
            _ => self.runs().for_each(|run| self.portable(&run, out)),
        }
    }

    /// The runs in turn, panel by panel: each run at most `depth` inputs (weights within the
    /// panel's, inputs within `k`), its columns within the bias's.
    fn runs(&self) -> impl Iterator<Item = Run<'_>> {
        let runs = self.k.div_ceil(self.depth);
        let panels = self
            .filter
            .chunks_exact(self.k * PANEL)
            .zip(self.bias.chunks(PANEL));
        panels.enumerate().flat_map(move |(p, (weights, bias))| {
            weights
                .chunks(self.depth * PANEL)
                .enumerate()
                .map(move |(d, weights)| Run {
                    first: d * self.depth,
                    weights,
                    columns: p * PANEL..p * PANEL + bias.len(),
                    bias: (d == 0).then_some(bias),
                    activation: if d + 1 == runs {
                        self.activation
                    } else {
                        Activation::None
                    },
                })
        })
    }

    /// A run with multiplies and adds unfused, in any instruction set.
    fn portable(&self, run: &Run, out: &mut [f32]) {
        let weights = run.weights.as_chunks::<PANEL>().0;
        let mut sums = [[0.0f32; PANEL]; TILE];
        for (i, w) in weights.iter().enumerate() {
            for (row, sums) in self.rows.iter().zip(&mut sums) {
                #[allow(unsafe_code)]
                // SAFETY: `first + i` is below `first` plus the run's depth, within `k`, which
                // no row is shorter than (checked by `write`). A checked index here kept the sums
                // in memory rather than in registers.
                let x = unsafe { *row.get_unchecked(run.first + i) };
                for (s, w) in sums.iter_mut().zip(w) {
                    *s += x * w;
                }
            }
        }
        for (row, sums) in out.chunks_exact_mut(self.bias.len()).zip(&sums) {
            let row = &mut row[run.columns.clone()];
            match run.bias {
                Some(bias) => row
                    .iter_mut()
                    .zip(sums)
                    .zip(bias)
                    .for_each(|((o, s), b)| *o = s + b),
                None => row.iter_mut().zip(sums).for_each(|(o, s)| *o += s),
            }
            run.activation.apply(row);
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod x86 {
    //! The tile's bodies for AVX-512 and for AVX2 with FMA. The activations take their operands
    //! in the order that gives what [`Activation::apply`] gives: `max(v, 0)` is 0 for NaN (as
    //! `f32::max`) and for -0, and `min(6, max(0, v))` keeps NaN and -0 (as `f32::clamp`).

    use std::arch::x86_64::*;

    use super::{Activation, PANEL, Run, TILE, Tile};

    /// [`Tile::write`] with AVX-512: a register of sums per pixel, the panel's columns masked.
    ///
    /// # Safety
    ///
    /// The CPU has AVX-512F, and `Tile::write`'s checks hold.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn avx512(tile: &Tile, out: &mut [f32]) {
        for run in tile.runs() {
            // SAFETY: the CPU has AVX-512F; `Tile::runs` keeps each run within the rows, the
            // filter and the bias, and `Tile::write` checked `out`.
            unsafe { run_avx512(tile, &run, out) }
        }
    }

    /// One run of [`avx512`].
    ///
    /// # Safety
    ///
    /// The CPU has AVX-512F; every row is readable from `first` for the run's depth; `out` holds
    /// one to [`TILE`] pixels of a channel per bias; `columns` are one to [`PANEL`] of those
    /// channels, and the run's bias, if any, is as long.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn run_avx512(tile: &Tile, t: &Run, out: &mut [f32]) {
        let n = tile.bias.len();
        let depth = t.weights.len() / PANEL;
        let rows = tile.rows.map(|row| row[t.first..].as_ptr());
        let mut sums = [_mm512_setzero_ps(); TILE];
        for i in 0..depth {
            // SAFETY: the weights hold `depth` panels of PANEL floats and every row at least
            // `depth` floats from `first` (the caller's contract).
            let w = unsafe { _mm512_loadu_ps(t.weights.as_ptr().add(i * PANEL)) };
            for (sum, row) in sums.iter_mut().zip(rows) {
                // SAFETY: as above.
                let x = unsafe { _mm512_set1_ps(*row.add(i)) };
                *sum = _mm512_fmadd_ps(x, w, *sum);
            }
        }
        let mask = ((1u32 << t.columns.len()) - 1) as __mmask16;
        // SAFETY: the mask reads the bias's `columns.len()` floats only.
        let bias = t.bias.map(|b| unsafe { _mm512_maskz_loadu_ps(mask, b.as_ptr()) });
        let (zero, six) = (_mm512_setzero_ps(), _mm512_set1_ps(6.0));
        let pixels = out.len() / n;
        let put = |r: usize, sum: __m512| {
            // SAFETY: pixel `r` is within `out` (the caller's test), and the mask touches
            // `columns` only, which lie within its `n` channels.
            unsafe {
                let at = out.as_mut_ptr().add(r * n + t.columns.start);
                let v = match bias {
                    Some(b) => _mm512_add_ps(sum, b),
                    None => _mm512_add_ps(_mm512_maskz_loadu_ps(mask, at), sum),
                };
                let v = match t.activation {
                    Activation::None => v,
                    Activation::Relu => _mm512_max_ps(v, zero),
                    Activation::Relu6 => _mm512_min_ps(six, _mm512_max_ps(zero, v)),
                };
                _mm512_mask_storeu_ps(at, mask, v);
            }
        };
        each_pixel(sums, pixels, put);
    }

    /// [`Tile::write`] with AVX2 and FMA: two registers of sums per pixel (twelve in all), a
    /// half-filled register of the panel's columns written through a mask.
    ///
    /// # Safety
    ///
    /// The CPU has AVX2 and FMA, and `Tile::write`'s checks hold.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn avx2(tile: &Tile, out: &mut [f32]) {
        for run in tile.runs() {
            // SAFETY: as in `avx512`, with AVX2 and FMA.
            unsafe { run_avx2(tile, &run, out) }
        }
    }

    /// One run of [`avx2`].
    ///
    /// # Safety
    ///
    /// The CPU has AVX2 and FMA, and the run is as [`run_avx512`] requires.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn run_avx2(tile: &Tile, t: &Run, out: &mut [f32]) {
        let n = tile.bias.len();
        let depth = t.weights.len() / PANEL;
        let rows = tile.rows.map(|row| row[t.first..].as_ptr());
        let mut sums = [[_mm256_setzero_ps(); 2]; TILE];
        for i in 0..depth {
            // SAFETY: as in `avx512`.
            let (w0, w1) = unsafe {
                let w = t.weights.as_ptr().add(i * PANEL);
                (_mm256_loadu_ps(w), _mm256_loadu_ps(w.add(8)))
            };
            for (sum, row) in sums.iter_mut().zip(rows) {
                // SAFETY: as in `avx512`.
                let x = unsafe { _mm256_set1_ps(*row.add(i)) };
                sum[0] = _mm256_fmadd_ps(x, w0, sum[0]);
                sum[1] = _mm256_fmadd_ps(x, w1, sum[1]);
            }
        }
        let (zero, six) = (_mm256_setzero_ps(), _mm256_set1_ps(6.0));
        let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        let halves: [(usize, __m256i, Option<__m256>); 2] = std::array::from_fn(|half| {
            let width = t.columns.len().saturating_sub(8 * half).min(8);
            // Lanes below `width`: all ones.
            let mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(width as i32), lanes);
            // SAFETY: the mask reads the bias's floats from `8 * half` to `columns.len()` only
            // (none when `width` is 0).
            let bias = t
                .bias
                .map(|b| unsafe { _mm256_maskload_ps(b.as_ptr().wrapping_add(8 * half), mask) });
            (width, mask, bias)
        });
        let pixels = out.len() / n;
        let put = |r: usize, sum: [__m256; 2]| {
            for (half, &(width, mask, bias)) in halves.iter().enumerate() {
                if width == 0 {
                    continue;
                }
                // SAFETY: pixel `r` is within `out` (the caller's test), and `width` lanes from
                // `8 * half` lie within `columns`, within its `n` channels; a full register is
                // read and written unmasked.
                unsafe {
                    let at = out.as_mut_ptr().add(r * n + t.columns.start + 8 * half);
                    let v = match bias {
                        Some(b) => _mm256_add_ps(sum[half], b),
                        None if width == 8 => _mm256_add_ps(_mm256_loadu_ps(at), sum[half]),
                        None => _mm256_add_ps(_mm256_maskload_ps(at, mask), sum[half]),
                    };
                    let v = match t.activation {
                        Activation::None => v,
                        Activation::Relu => _mm256_max_ps(v, zero),
                        Activation::Relu6 => _mm256_min_ps(six, _mm256_max_ps(zero, v)),
                    };
                    if width == 8 {
                        _mm256_storeu_ps(at, v);
                    } else {
                        _mm256_maskstore_ps(at, mask, v);
                    }
                }
            }
        };
        each_pixel(sums, pixels, put);
    }

    /// Calls `put` with each of the first `pixels` sums and its index, pixel by pixel with each
    /// sum named: written as a loop, the compiler kept the sums on the stack.
    #[inline(always)]
    fn each_pixel<S>(sums: [S; TILE], pixels: usize, mut put: impl FnMut(usize, S)) {
        let [s0, s1, s2, s3, s4, s5] = sums;
        put(0, s0);
        if pixels > 1 {
            put(1, s1);
        }
        if pixels > 2 {
            put(2, s2);
        }
        if pixels > 3 {
            put(3, s3);
        }
        if pixels > 4 {
            put(4, s4);
        }
        if pixels > 5 {
            put(5, s5);
        }
    }
}
