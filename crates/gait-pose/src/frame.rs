//! [`Frame`]: one RGB picture, and [`Roi`]: a rotated rectangle of it cut out and resized into a
//! model's input the way MediaPipe's `ImageToTensorCalculator` does on the CPU.

use std::borrow::Cow;

use rayon::prelude::*;

use crate::error::{Error, Result};

/// An 8-bit RGB picture, rows top to bottom, pixels left to right: its own pixels, or pixels
/// borrowed for `'a` (frames a caller already holds, such as a NumPy array's, are not copied).
#[derive(Debug, Clone, PartialEq)]
pub struct Frame<'a> {
    width: usize,
    height: usize,
    rgb: Cow<'a, [u8]>,
}

impl Frame<'static> {
    /// A frame of `width x height` pixels from `rgb` (three bytes a pixel); `index` only names the
    /// frame in the error when the sizes do not fit.
    pub fn new(width: usize, height: usize, rgb: Vec<u8>, index: usize) -> Result<Frame<'static>> {
        Frame::of(width, height, Cow::Owned(rgb), index)
    }
}

impl<'a> Frame<'a> {
    /// As [`Frame::new`], with the pixels borrowed rather than owned.
    pub fn borrowed(width: usize, height: usize, rgb: &'a [u8], index: usize) -> Result<Frame<'a>> {
        Frame::of(width, height, Cow::Borrowed(rgb), index)
    }

    fn of(width: usize, height: usize, rgb: Cow<'a, [u8]>, index: usize) -> Result<Frame<'a>> {
        if width == 0
            || height == 0
            || width.checked_mul(height).and_then(|n| n.checked_mul(3)) != Some(rgb.len())
        {
            return Err(Error::Frame {
                frame: index,
                reason: format!("{} bytes for a {width}x{height} RGB picture", rgb.len()),
            });
        }
        Ok(Frame { width, height, rgb })
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The pixels, three bytes each.
    pub fn rgb(&self) -> &[u8] {
        &self.rgb
    }

    /// The pixels, to draw on (copied first when they are borrowed).
    pub fn rgb_mut(&mut self) -> &mut [u8] {
        self.rgb.to_mut()
    }
}

/// A rotated rectangle in normalised image coordinates (MediaPipe's `NormalizedRect`): centre,
/// size as fractions of the image's width and height, and rotation in radians, clockwise on the
/// screen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Roi {
    /// Centre, as a fraction of the image width.
    pub x_center: f32,
    /// Centre, as a fraction of the image height.
    pub y_center: f32,
    /// Width, as a fraction of the image width.
    pub width: f32,
    /// Height, as a fraction of the image height.
    pub height: f32,
    /// Rotation in radians.
    pub rotation: f32,
}

/// What a crop shows where the rectangle leaves the image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Border {
    /// Black.
    Zero,
    /// The nearest edge pixel.
    Replicate,
}

/// Sub-pixel positions per pixel, and the fixed-point scale of the weights, as OpenCV's bilinear
/// warps use them for 8-bit images.
const TAB: i64 = 32;
const COEF_SCALE: i32 = 1 << 15;

/// OpenCV's bilinear weights for each of the 32 x 32 sub-pixel positions, in fixed point, summing
/// to exactly 2^15.
fn weight_table() -> &'static [[i32; 4]; 1024] {
    static TABLE: std::sync::OnceLock<[[i32; 4]; 1024]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        std::array::from_fn(|k| {
            let (fy, fx) = ((k / 32) as f32 / TAB as f32, (k % 32) as f32 / TAB as f32);
            let real = [(1.0 - fy) * (1.0 - fx), (1.0 - fy) * fx, fy * (1.0 - fx), fy * fx];
            let mut w = real.map(|v| (v * COEF_SCALE as f32).round() as i32);
            let diff = w.iter().sum::<i32>() - COEF_SCALE;
            if diff != 0 {
                let pick = if diff < 0 {
                    w.iter().enumerate().max_by_key(|e| e.1)
                } else {
                    w.iter().enumerate().min_by_key(|e| e.1)
                };
                let at = pick.map_or(0, |(i, _)| i);
                w[at] -= diff;
            }
            w
        })
    })
}

impl Roi {
    /// The whole frame, unrotated.
    pub const WHOLE: Roi = Roi {
        x_center: 0.5,
        y_center: 0.5,
        width: 1.0,
        height: 1.0,
        rotation: 0.0,
    };

    /// The rectangle in pixels: centre, width, height.
    fn pixels(&self, frame: &Frame) -> [f32; 4] {
        let (w, h) = (frame.width as f32, frame.height as f32);
        [
            self.x_center * w,
            self.y_center * h,
            self.width * w,
            self.height * h,
        ]
    }

    /// Cuts the rectangle out of `frame` into `out` (`size x size x 3`, values mapped from
    /// [0, 255] to [`lo`, `hi`]), keeping the aspect ratio by widening the rectangle to a square
    /// first. Returns the padding added on each side as fractions of the square
    /// (`[left, top, right, bottom]`), to be removed from what is found in it.
    pub(crate) fn crop(
        &self,
        frame: &Frame,
        size: usize,
        [lo, hi]: [f32; 2],
        border: Border,
        out: &mut [f32],
    ) -> [f32; 4] {
        let [cx, cy, mut w, mut h] = self.pixels(frame);
        // MediaPipe's PadRoi for a square output.
        let aspect = h / w;
        let (mut pad_x, mut pad_y) = (0.0, 0.0);
        if 1.0 > aspect {
            pad_y = (1.0 - aspect) / 2.0;
            h = w;
        } else {
            pad_x = (1.0 - 1.0 / aspect) / 2.0;
            w = h;
        }
        // Output pixel (u, v) samples the frame at corner + u * ex + v * ey.
        let (sin, cos) = (self.rotation.sin() as f64, self.rotation.cos() as f64);
        let (w, h, n) = (w as f64, h as f64, size as f64);
        let ex = [cos * w / n, sin * w / n];
        let ey = [-sin * h / n, cos * h / n];
        let corner = [
            cx as f64 - ex[0] * n / 2.0 - ey[0] * n / 2.0,
            cy as f64 - ex[1] * n / 2.0 - ey[1] * n / 2.0,
        ];
        let scale = (hi - lo) / 255.0;
        let at = Sampling { corner, ex, ey };
        // Rows in parallel where the threads are shared: a crop is 2 to 5% of a frame's work.
        let crop_row = |(v, row): (usize, &mut [f32])| sample_row(frame, at, v, row, border, lo, scale);
        if crate::threads::shared() {
            out.par_chunks_exact_mut(size * 3).enumerate().for_each(crop_row);
        } else {
            out.chunks_exact_mut(size * 3).enumerate().for_each(crop_row);
        }
        [pad_x, pad_y, pad_x, pad_y]
    }
}

/// Where a crop's output pixel `(u, v)` samples the frame: at `corner + u * ex + v * ey`, in
/// pixels.
#[derive(Clone, Copy)]
struct Sampling {
    corner: [f64; 2],
    ex: [f64; 2],
    ey: [f64; 2],
}

gait_cpu::multiversion! {
    /// Row `v` of a crop ([`Roi::crop`]) into `row`: each pixel bilinear from its four neighbours
    /// (fixed-point weights, MediaPipe's), byte values mapped by `* scale + lo`. A function of its
    /// own so that on AVX2 its `f64::round` is a few instructions, not a call into libm (7% of a
    /// frame's work on a tree of videos).
    fn sample_row(
        frame: &Frame,
        at: Sampling,
        v: usize,
        row: &mut [f32],
        border: Border,
        lo: f32,
        scale: f32,
    ) {
        let Sampling { corner, ex, ey } = at;
        let (fw, fh) = (frame.width as i64, frame.height as i64);
        let table = weight_table();
        for (u, px) in row.chunks_exact_mut(3).enumerate() {
            let (u, v) = (u as f64, v as f64);
            let sx = ((corner[0] + u * ex[0] + v * ey[0]) * TAB as f64).round() as i64;
            let sy = ((corner[1] + u * ex[1] + v * ey[1]) * TAB as f64).round() as i64;
            let (x0, y0) = (sx.div_euclid(TAB), sy.div_euclid(TAB));
            let weights = &table[(sy.rem_euclid(TAB) * TAB + sx.rem_euclid(TAB)) as usize];
            let mut acc = [0i32; 3];
            if x0 >= 0 && y0 >= 0 && x0 + 1 < fw && y0 + 1 < fh {
                // All four neighbours inside: no border rule (most pixels).
                let top = ((y0 * fw + x0) * 3) as usize;
                let (a, b) = (&frame.rgb[top..][..6], &frame.rgb[top + fw as usize * 3..][..6]);
                for c in 0..3 {
                    acc[c] = a[c] as i32 * weights[0]
                        + a[c + 3] as i32 * weights[1]
                        + b[c] as i32 * weights[2]
                        + b[c + 3] as i32 * weights[3];
                }
            } else {
                for (k, (dy, dx)) in [(0, 0), (0, 1), (1, 0), (1, 1)].into_iter().enumerate() {
                    let (x, y) = (x0 + dx, y0 + dy);
                    let inside = (0..fw).contains(&x) && (0..fh).contains(&y);
                    let (x, y) = match (inside, border) {
                        (true, _) => (x, y),
                        (false, Border::Zero) => continue,
                        (false, Border::Replicate) => (x.clamp(0, fw - 1), y.clamp(0, fh - 1)),
                    };
                    let p = &frame.rgb[((y * fw + x) * 3) as usize..][..3];
                    for c in 0..3 {
                        acc[c] += p[c] as i32 * weights[k];
                    }
                }
            }
            for c in 0..3 {
                let byte = ((acc[c] + (1 << 14)) >> 15).clamp(0, 255);
                px[c] = byte as f32 * scale + lo;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_borrowed_frame_is_checked_as_an_owned_one_and_copied_only_to_draw() {
        let bytes = vec![9u8; 4 * 2 * 3];
        assert!(Frame::borrowed(4, 3, &bytes, 7).is_err());
        let mut frame = Frame::borrowed(4, 2, &bytes, 0).unwrap();
        assert_eq!(frame, Frame::new(4, 2, bytes.clone(), 0).unwrap());
        assert!(std::ptr::eq(frame.rgb(), bytes.as_slice()));
        frame.rgb_mut()[0] = 1;
        assert_eq!((frame.rgb()[0], bytes[0]), (1, 9));
    }

    fn gradient(w: usize, h: usize) -> Frame<'static> {
        let rgb = (0..h)
            .flat_map(|y| (0..w).flat_map(move |x| [(x * 4) as u8, (y * 4) as u8, 7]))
            .collect();
        Frame::new(w, h, rgb, 0).unwrap()
    }

    #[test]
    fn an_unrotated_crop_of_the_whole_frame_is_the_frame() {
        let f = gradient(8, 8);
        let roi = Roi::WHOLE;
        let mut out = vec![0.0; 8 * 8 * 3];
        assert_eq!(roi.crop(&f, 8, [0.0, 255.0], Border::Zero, &mut out), [0.0; 4]);
        let want: Vec<f32> = f.rgb().iter().map(|&b| b as f32).collect();
        assert_eq!(out, want);
    }

    #[test]
    fn a_half_turn_reverses_the_pixels() {
        let f = gradient(6, 6);
        let roi = Roi {
            rotation: std::f32::consts::PI,
            ..Roi::WHOLE
        };
        let mut out = vec![0.0; 6 * 6 * 3];
        roi.crop(&f, 6, [0.0, 255.0], Border::Replicate, &mut out);
        // Output pixel (u, v) samples (6 - u, 6 - v): pixel 0 lands past the edge and is replicated.
        for v in 0..6 {
            for u in 0..6 {
                let (x, y) = ((6 - u).min(5), (6 - v).min(5));
                assert_eq!(out[(v * 6 + u) * 3], (x * 4) as f32, "u {u} v {v}");
                assert_eq!(out[(v * 6 + u) * 3 + 1], (y * 4) as f32, "u {u} v {v}");
            }
        }
    }

    #[test]
    fn a_tall_frame_is_letterboxed_with_black_sides() {
        let f = Frame::new(2, 4, vec![255; 2 * 4 * 3], 0).unwrap();
        let roi = Roi::WHOLE;
        let mut out = vec![0.0; 4 * 4 * 3];
        let pad = roi.crop(&f, 4, [-1.0, 1.0], Border::Zero, &mut out);
        assert_eq!(pad, [0.25, 0.0, 0.25, 0.0]);
        let row: Vec<f32> = out[..12].iter().step_by(3).copied().collect();
        assert_eq!(row, [-1.0, 1.0, 1.0, -1.0]);
    }

    #[test]
    fn weights_sum_to_one_in_fixed_point() {
        assert!(weight_table().iter().all(|w| w.iter().sum::<i32>() == COEF_SCALE));
        assert_eq!(weight_table()[0], [COEF_SCALE, 0, 0, 0]);
    }

    #[test]
    fn a_short_buffer_is_refused() {
        assert!(
            Frame::new(2, 2, vec![0; 11], 3)
                .unwrap_err()
                .to_string()
                .contains("frame 3")
        );
    }
}
