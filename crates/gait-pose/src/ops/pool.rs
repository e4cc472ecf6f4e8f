//! `MAX_POOL_2D` and `RESIZE_BILINEAR`: windows and samples over the image.

use crate::geometry::{Grid, Padding, out_size};
use crate::tflite::schema::{pool2d, resize_bilinear as resize};

use super::{Hwc, Io, Operator, Parse, Result, Shapes, for_rows, nhwc};

/// `MAX_POOL_2D` over square windows, no activation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MaxPool {
    pub(crate) size: usize,
    pub(crate) stride: usize,
    pub(crate) padding: Padding,
}

impl MaxPool {
    pub(crate) fn parse(p: &Parse) -> Result<Self> {
        let (sw, sh) = (p.i32(pool2d::STRIDE_W, 1)?, p.i32(pool2d::STRIDE_H, 1)?);
        let (fw, fh) = (p.i32(pool2d::FILTER_W, 1)?, p.i32(pool2d::FILTER_H, 1)?);
        if sw != sh || fw != fh || sw < 1 || fw < 1 || p.u8(pool2d::ACTIVATION, 0)? != 0 {
            return Err("this max pool is not supported".into());
        }
        Ok(MaxPool {
            size: fw as usize,
            stride: sw as usize,
            padding: Padding::from_code(p.u8(pool2d::PADDING, 0)?)?,
        })
    }
}

impl Operator for MaxPool {
    fn check(&self, s: &Shapes) -> Result<()> {
        let [_, h, w, c] = nhwc(s.input(0))?;
        let (size, stride, padding) = (self.size, self.stride, self.padding);
        let [oh, ow] = out_size([h, w], [size, size], stride, padding)?;
        s.expect([1, oh, ow, c])
    }

    fn run(&self, io: &mut Io, out: &mut [f32]) {
        max_pool(io.data(0), io.hwc(0), self.size, self.stride, self.padding, out);
    }
}

/// `RESIZE_BILINEAR` to the output's size.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ResizeBilinear {
    pub(crate) align_corners: bool,
    pub(crate) half_pixel_centers: bool,
}

impl ResizeBilinear {
    pub(crate) fn parse(p: &Parse) -> Result<Self> {
        Ok(ResizeBilinear {
            align_corners: p.bool(resize::ALIGN_CORNERS)?,
            half_pixel_centers: p.bool(resize::HALF_PIXEL_CENTERS)?,
        })
    }
}

impl Operator for ResizeBilinear {
    fn check(&self, s: &Shapes) -> Result<()> {
        let [_, _, _, c] = nhwc(s.input(0))?;
        let [_, oh, ow, oc] = nhwc(s.output())?;
        if oc != c || oh == 0 || ow == 0 {
            return Err(format!("resizes {:?} to {:?}", s.input(0), s.output()));
        }
        Ok(())
    }

    fn run(&self, io: &mut Io, out: &mut [f32]) {
        let [oh, ow, _] = io.out_hwc();
        resize_bilinear(
            io.data(0),
            io.hwc(0),
            [oh, ow],
            self.align_corners,
            self.half_pixel_centers,
            out,
        );
    }
}

/// Max pooling over square windows; padded positions are ignored.
pub(crate) fn max_pool(
    input: &[f32],
    [h, w, c]: Hwc,
    size: usize,
    stride: usize,
    padding: Padding,
    out: &mut [f32],
) {
    let [_, ow] = out_size([h, w], [size, size], stride, padding).unwrap_or_default();
    let grid = Grid::new([size, size], stride, padding, [h, w]);
    for (oy, row) in out.chunks_exact_mut(ow * c).enumerate() {
        for (ox, acc) in row.chunks_exact_mut(c).enumerate() {
            acc.fill(f32::NEG_INFINITY);
            grid.for_each_tap([oy, ox], |_, pixel| {
                for (a, &x) in acc.iter_mut().zip(&input[pixel * c..][..c]) {
                    *a = a.max(x);
                }
            });
        }
    }
}

/// Where output index `i` samples the input, as TFLite's reference kernel computes it: the
/// position, and the two neighbouring indices, clamped to the input.
fn source(i: usize, scale: f32, half_pixel_centers: bool, n: usize) -> (f32, usize, usize) {
    let at = if half_pixel_centers {
        (i as f32 + 0.5) * scale - 0.5
    } else {
        i as f32 * scale
    };
    let lower = at.floor().max(0.0) as usize;
    let upper = (at.ceil() as usize).min(n - 1);
    (at, lower.min(n - 1), upper)
}

/// Bilinear resizing with TFLite's `align_corners` and `half_pixel_centers` conventions.
pub(crate) fn resize_bilinear(
    input: &[f32],
    hwc: Hwc,
    size: [usize; 2],
    align_corners: bool,
    half_pixel_centers: bool,
    out: &mut [f32],
) {
    let ([h, w, c], [oh, ow]) = (hwc, size);
    let scale = |n: usize, o: usize| {
        if align_corners && o > 1 {
            (n - 1) as f32 / (o - 1) as f32
        } else {
            n as f32 / o as f32
        }
    };
    let (sy, sx) = (scale(h, oh), scale(w, ow));
    for_rows(out, ow * c, oh * ow * c * 4, |y, row| {
        let (fy, y0, y1) = source(y, sy, half_pixel_centers, h);
        let dy = fy - y0 as f32;
        for (x, px) in row.chunks_exact_mut(c).enumerate() {
            let (fx, x0, x1) = source(x, sx, half_pixel_centers, w);
            let dx = fx - x0 as f32;
            let at = |yy: usize, xx: usize| &input[(yy * w + xx) * c..][..c];
            let (a, b, p, q) = (at(y0, x0), at(y1, x0), at(y0, x1), at(y1, x1));
            for k in 0..c {
                px[k] = a[k] * (1.0 - dy) * (1.0 - dx)
                    + b[k] * dy * (1.0 - dx)
                    + p[k] * (1.0 - dy) * dx
                    + q[k] * dy * dx;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resize_doubles_with_half_pixel_centers() {
        // One row [0, 1] doubled: samples at -0.25, 0.25, 0.75, 1.25 of the input, clamped.
        let mut out = vec![0.0; 4];
        resize_bilinear(&[0.0, 1.0], [1, 2, 1], [1, 4], false, true, &mut out);
        assert_eq!(out, [0.0, 0.25, 0.75, 1.0]);
        resize_bilinear(&[0.0, 1.0], [1, 2, 1], [1, 4], true, false, &mut out);
        assert_eq!(out, [0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0]);
    }

    #[test]
    fn max_pool_takes_the_largest() {
        let mut pooled = vec![0.0; 1];
        max_pool(
            &[1.0, -2.0, 3.0, 0.5],
            [2, 2, 1],
            2,
            2,
            Padding::Valid,
            &mut pooled,
        );
        assert_eq!(pooled, [3.0]);
    }
}
