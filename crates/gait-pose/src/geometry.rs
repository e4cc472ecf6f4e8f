//! How windows move over images, as TFLite computes it: padding, output sizes, fused
//! activations. A leaf that the model reader and the kernels share.

use std::ops::Range;

/// A fused activation applied to an operation's output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Activation {
    None,
    Relu,
    Relu6,
}

impl Activation {
    /// The schema's `ActivationFunctionType` code.
    pub(crate) fn from_code(code: u8) -> Result<Activation, String> {
        match code {
            0 => Ok(Activation::None),
            1 => Ok(Activation::Relu),
            3 => Ok(Activation::Relu6),
            other => Err(format!("fused activation {other} is not supported")),
        }
    }

    /// Applies the activation in place.
    pub(crate) fn apply(self, values: &mut [f32]) {
        match self {
            Activation::None => {}
            Activation::Relu => values.iter_mut().for_each(|v| *v = v.max(0.0)),
            Activation::Relu6 => values.iter_mut().for_each(|v| *v = v.clamp(0.0, 6.0)),
        }
    }
}

/// How a convolution or pool pads its input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Padding {
    Same,
    Valid,
    /// Zeros around the input, `[[top, bottom], [left, right]]`: a `PAD` folded into the
    /// convolution after it.
    Explicit([[usize; 2]; 2]),
}

impl Padding {
    /// The schema's `Padding` code.
    pub(crate) fn from_code(code: u8) -> Result<Padding, String> {
        match code {
            0 => Ok(Padding::Same),
            1 => Ok(Padding::Valid),
            other => Err(format!("padding {other} is not supported")),
        }
    }
}

/// The output `[height, width]` of a window of `size` moved by `stride` over `input`, as TFLite
/// computes it.
pub(crate) fn out_size(
    input: [usize; 2],
    size: [usize; 2],
    stride: usize,
    padding: Padding,
) -> Result<[usize; 2], String> {
    let fit = |n: usize, k: usize| match n.checked_sub(k) {
        Some(room) => Ok(room / stride + 1),
        None => Err(format!("a window of {k} does not fit in {n}")),
    };
    match padding {
        Padding::Same => Ok(input.map(|n| n.div_ceil(stride))),
        Padding::Valid => Ok([fit(input[0], size[0])?, fit(input[1], size[1])?]),
        Padding::Explicit([[t, b], [l, r]]) => {
            Ok([fit(input[0] + t + b, size[0])?, fit(input[1] + l + r, size[1])?])
        }
    }
}

/// The padding before the input, `[top, left]`; for `SAME`, half the total, rounded down, as
/// TFLite does.
pub(crate) fn pad_before(input: [usize; 2], size: [usize; 2], stride: usize, padding: Padding) -> [usize; 2] {
    match padding {
        Padding::Valid => [0, 0],
        Padding::Same => {
            [0, 1].map(|a| ((input[a].div_ceil(stride) - 1) * stride + size[a]).saturating_sub(input[a]) / 2)
        }
        Padding::Explicit([[top, _], [left, _]]) => [top, left],
    }
}

/// How a window of `size` slides over an input of `input` pixels (`[height, width]` each).
pub(crate) struct Grid {
    size: [usize; 2],
    stride: usize,
    /// Padding before the input, `[top, left]`.
    pad: [usize; 2],
    input: [usize; 2],
}

impl Grid {
    pub(crate) fn new(size: [usize; 2], stride: usize, padding: Padding, input: [usize; 2]) -> Self {
        let pad = pad_before(input, size, stride, padding);
        Grid {
            size,
            stride,
            pad,
            input,
        }
    }

    /// The top-left input pixel `[iy, ix]` of output pixel `[oy, ox]`'s window when the whole
    /// window lies inside the input (no tap falls in the padding).
    #[inline(always)]
    pub(crate) fn inside(&self, [oy, ox]: [usize; 2]) -> Option<[usize; 2]> {
        let ([kh, kw], [py, px], [h, w]) = (self.size, self.pad, self.input);
        let iy = (oy * self.stride).checked_sub(py).filter(|&y| y + kh <= h)?;
        let ix = (ox * self.stride).checked_sub(px).filter(|&x| x + kw <= w)?;
        Some([iy, ix])
    }

    /// The window's `[height, width]`.
    pub(crate) fn size(&self) -> [usize; 2] {
        self.size
    }

    /// How far the window moves between output pixels.
    pub(crate) fn stride(&self) -> usize {
        self.stride
    }

    /// The input's `[height, width]`.
    pub(crate) fn input(&self) -> [usize; 2] {
        self.input
    }

    /// The taps along `axis` (0 across rows, 1 across columns) of the windows at output index
    /// `o` on that axis that fall inside the input, and the input index of the first of them.
    #[inline(always)]
    pub(crate) fn taps_inside(&self, axis: usize, o: usize) -> (Range<usize>, usize) {
        let (k, pad, n) = (self.size[axis], self.pad[axis], self.input[axis]);
        let start = o * self.stride;
        let first = pad.saturating_sub(start).min(k);
        let end = (n + pad).saturating_sub(start).clamp(first, k);
        // (When the whole window is padding, the range is empty and the index unused.)
        (first..end, (start + first).saturating_sub(pad))
    }

    /// The output columns `ox`, of `width`, whose windows lie inside the input across.
    pub(crate) fn columns_inside(&self, width: usize) -> Range<usize> {
        let (kw, px, w) = (self.size[1], self.pad[1], self.input[1]);
        let first = px.div_ceil(self.stride).min(width);
        let end = match (w + px).checked_sub(kw) {
            Some(last) => (last / self.stride + 1).min(width),
            None => 0,
        };
        first..end.max(first)
    }

    /// Calls `f(tap, pixel)` for each tap of output pixel `[oy, ox]`'s window that falls inside
    /// the input: `tap` its index in the window, `pixel` the input pixel's (both row-major).
    #[inline(always)]
    pub(crate) fn for_each_tap(&self, [oy, ox]: [usize; 2], mut f: impl FnMut(usize, usize)) {
        let ([kh, kw], [py, px], [h, w]) = (self.size, self.pad, self.input);
        for ky in 0..kh {
            let Some(iy) = (oy * self.stride + ky).checked_sub(py).filter(|&y| y < h) else {
                continue;
            };
            for kx in 0..kw {
                if let Some(ix) = (ox * self.stride + kx).checked_sub(px).filter(|&x| x < w) {
                    f(ky * kw + kx, iy * w + ix);
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Any of the three paddings, explicit amounts up to 2 on each side.
    pub(crate) fn any_padding() -> impl Strategy<Value = Padding> {
        prop_oneof![
            Just(Padding::Same),
            Just(Padding::Valid),
            [[0usize..3, 0..3], [0..3, 0..3]].prop_map(Padding::Explicit),
        ]
    }

    #[test]
    fn same_padding_matches_tflite() {
        // 256 -> 128 with a 3x3 window and stride 2: total padding 1, none before.
        assert_eq!(
            out_size([256, 256], [3, 3], 2, Padding::Same).unwrap(),
            [128, 128]
        );
        assert_eq!(pad_before([256, 256], [3, 3], 2, Padding::Same), [0, 0]);
        // stride 1, 5x5: 2 before.
        assert_eq!(pad_before([64, 64], [5, 5], 1, Padding::Same), [2, 2]);
        assert_eq!(out_size([10, 10], [2, 2], 1, Padding::Valid).unwrap(), [9, 9]);
        assert!(out_size([1, 1], [2, 2], 1, Padding::Valid).is_err());
        // A PAD of 1 all round folded into a 3x3 window with stride 2: 128 -> 130 -> 64.
        let folded = Padding::Explicit([[1, 1], [2, 0]]);
        assert_eq!(out_size([128, 128], [3, 3], 2, folded).unwrap(), [64, 64]);
        assert_eq!(pad_before([128, 128], [3, 3], 2, folded), [1, 2]);
    }

    proptest! {
        /// Every output pixel's taps, as `for_each_tap` gives them, are the rows and columns
        /// `taps_inside` gives, in order; the window is whole across exactly in `columns_inside`.
        #[test]
        fn taps_inside_agree_with_each_tap(h in 1usize..12, w in 1usize..12, k in 1usize..6, stride in 1usize..4, padding in any_padding()) {
            let out = out_size([h, w], [k, k], stride, padding);
            prop_assume!(out.is_ok());
            let [oh, ow] = out.unwrap();
            let grid = Grid::new([k, k], stride, padding, [h, w]);
            let inside = grid.columns_inside(ow);
            for oy in 0..oh {
                let (rows, iy) = grid.taps_inside(0, oy);
                for ox in 0..ow {
                    let (columns, ix) = grid.taps_inside(1, ox);
                    let mut taps = Vec::new();
                    grid.for_each_tap([oy, ox], |tap, pixel| taps.push((tap, pixel)));
                    let mut want = Vec::new();
                    for (y, ky) in rows.clone().enumerate() {
                        for (x, kx) in columns.clone().enumerate() {
                            want.push((ky * k + kx, (iy + y) * w + ix + x));
                        }
                    }
                    prop_assert_eq!(&taps, &want, "oy {} ox {}", oy, ox);
                    prop_assert_eq!(columns.len() == k, inside.contains(&ox), "ox {}", ox);
                }
            }
        }
    }
}
