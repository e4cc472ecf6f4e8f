//! Drawing a pose on its frame, for eyes to check, and saving the picture.

use std::path::Path;

use crate::error::{Error, Result};
use crate::estimator::Pose;
use crate::frame::Frame;

/// MediaPipe's pose connections: the skeleton's bones between landmark indices.
#[rustfmt::skip]
pub const CONNECTIONS: [(usize, usize); 35] = [
    (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10),
    (11, 12), (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19),
    (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20),
    (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28),
    (27, 29), (28, 30), (29, 31), (30, 32), (27, 31), (28, 32),
];

/// Landmarks at most this visible are drawn faint.
const VISIBLE: f32 = 0.5;

/// The digits 0 to 9 on a grid 3 wide and 5 high, row by row from the top, the first cell in
/// the highest bit of 15.
#[rustfmt::skip]
const DIGITS: [u16; 10] = [
    0b111_101_101_101_111, 0b010_110_010_010_111, 0b111_001_111_100_111, 0b111_001_111_001_111,
    0b101_101_111_001_001, 0b111_100_111_001_111, 0b111_100_111_101_111, 0b111_001_001_001_001,
    0b111_101_111_101_111, 0b111_101_111_001_111,
];

/// The widest a frame is drawn on a contact sheet, pixels.
const TILE_WIDTH: usize = 640;

/// A contact sheet of `shots` (frames, each with everyone in it, numbered), three a row, each at
/// most 640 pixels wide: everyone's skeleton with their number over the head, the person
/// `chosen` in colour with a yellow number, the others in grey (everyone in colour when `chosen`
/// is `None`: every person kept). One picture that shows at a glance whom a video's track
/// followed.
pub fn contact_sheet(shots: &[(Frame, Vec<(usize, Pose)>)], chosen: Option<usize>) -> Result<Frame<'static>> {
    let Some((first, _)) = shots.first() else {
        return Err(Error::Frame {
            frame: 0,
            reason: "a contact sheet of no frames".into(),
        });
    };
    let tile_w = first.width().min(TILE_WIDTH);
    let tile_h = (first.height() * tile_w / first.width()).max(1);
    let (gap, columns) = (4, shots.len().min(3));
    let rows = shots.len().div_ceil(columns);
    let (sheet_w, sheet_h) = (columns * (tile_w + gap) + gap, rows * (tile_h + gap) + gap);
    let mut sheet = vec![24u8; sheet_w * sheet_h * 3];
    for (k, (frame, people)) in shots.iter().enumerate() {
        let mut drawn = frame.clone();
        let (w, h) = (drawn.width() as f32, drawn.height() as f32);
        // Numbers legible once the frame is shrunk to its tile.
        let cell = (w / tile_w as f32 * 3.0).max(1.0);
        let kept = |n: usize| chosen.is_none_or(|c| c == n);
        for (_, pose) in people.iter().filter(|(n, _)| !kept(*n)) {
            drawn.draw_other_pose(pose);
        }
        for (_, pose) in people.iter().filter(|(n, _)| kept(*n)) {
            drawn.draw_pose(pose);
        }
        for (number, pose) in people {
            let top = pose.iter().map(|l| l.y).fold(f32::INFINITY, f32::min) * h;
            let rgb = if kept(*number) {
                [255, 220, 0]
            } else {
                [200, 200, 200]
            };
            drawn.draw_number(*number, pose[0].x * w, (top - cell).max(8.0 * cell), cell, rgb);
        }
        let tile = image::imageops::resize(
            &picture(&drawn)?,
            tile_w as u32,
            tile_h as u32,
            image::imageops::FilterType::Triangle,
        );
        let (x0, y0) = (
            gap + (k % columns) * (tile_w + gap),
            gap + (k / columns) * (tile_h + gap),
        );
        for (row, line) in tile.as_raw().chunks_exact(tile_w * 3).enumerate() {
            let at = ((y0 + row) * sheet_w + x0) * 3;
            sheet[at..at + tile_w * 3].copy_from_slice(line);
        }
    }
    Frame::new(sheet_w, sheet_h, sheet, 0)
}

/// The frame as an image of the `image` crate.
fn picture(frame: &Frame) -> Result<image::RgbImage> {
    let (width, height) = (frame.width() as u32, frame.height() as u32);
    image::RgbImage::from_raw(width, height, frame.rgb().to_vec()).ok_or_else(|| Error::Frame {
        frame: 0,
        reason: format!("a {width}x{height} frame too large to draw"),
    })
}

/// An image of the `image` crate as a frame.
fn from_picture(picture: image::RgbImage) -> Result<Frame<'static>> {
    let (width, height) = (picture.width() as usize, picture.height() as usize);
    Frame::new(width, height, picture.into_raw(), 0)
}

/// A picture of the person `pose` shows in `frame`, `height` pixels high: the box around their
/// landmarks, widened by a tenth of their height on every side, with their skeleton drawn.
pub fn person_picture(frame: &Frame, pose: &Pose, height: usize) -> Result<Frame<'static>> {
    let mut drawn = frame.clone();
    drawn.draw_pose(pose);
    let (w, h) = (frame.width() as f32, frame.height() as f32);
    let (xs, ys) = (pose.iter().map(|l| l.x * w), pose.iter().map(|l| l.y * h));
    let [x0, x1] = [
        xs.clone().fold(f32::INFINITY, f32::min),
        xs.fold(f32::NEG_INFINITY, f32::max),
    ];
    let [y0, y1] = [
        ys.clone().fold(f32::INFINITY, f32::min),
        ys.fold(f32::NEG_INFINITY, f32::max),
    ];
    let margin = (y1 - y0).max(x1 - x0) * 0.1;
    let left = (x0 - margin).clamp(0.0, w - 1.0) as u32;
    let top = (y0 - margin).clamp(0.0, h - 1.0) as u32;
    let right = ((x1 + margin).clamp(0.0, w) as u32).max(left + 1);
    let bottom = ((y1 + margin).clamp(0.0, h) as u32).max(top + 1);
    let crop = image::imageops::crop_imm(&picture(&drawn)?, left, top, right - left, bottom - top).to_image();
    let height = height.max(1) as u32;
    let width = (u64::from(crop.width()) * u64::from(height) / u64::from(crop.height())).max(1) as u32;
    from_picture(image::imageops::resize(
        &crop,
        width,
        height,
        image::imageops::FilterType::Triangle,
    ))
}

impl Frame<'_> {
    /// Paints a filled disc of `radius` pixels at `(x, y)`.
    fn disc(&mut self, x: f32, y: f32, radius: f32, rgb: [u8; 3]) {
        let (w, h) = (self.width() as i64, self.height() as i64);
        let r = radius.ceil() as i64;
        let (cx, cy) = (x.round() as i64, y.round() as i64);
        for py in (cy - r).max(0)..(cy + r + 1).min(h) {
            for px in (cx - r).max(0)..(cx + r + 1).min(w) {
                let (dx, dy) = ((px - cx) as f32, (py - cy) as f32);
                if dx * dx + dy * dy <= radius * radius {
                    let at = ((py * w + px) * 3) as usize;
                    self.rgb_mut()[at..at + 3].copy_from_slice(&rgb);
                }
            }
        }
    }

    /// Paints a line `width` pixels thick from `a` to `b`.
    fn line(&mut self, a: [f32; 2], b: [f32; 2], width: f32, rgb: [u8; 3]) {
        let steps = ((b[0] - a[0]).abs().max((b[1] - a[1]).abs()).ceil() as usize).clamp(1, 10_000);
        for k in 0..=steps {
            let t = k as f32 / steps as f32;
            self.disc(
                a[0] + (b[0] - a[0]) * t,
                a[1] + (b[1] - a[1]) * t,
                width / 2.0,
                rgb,
            );
        }
    }

    /// Draws the pose of someone not followed: bones and landmarks in dark grey.
    pub fn draw_other_pose(&mut self, pose: &Pose) {
        let (w, h) = (self.width() as f32, self.height() as f32);
        let scale = (w.max(h) / 400.0).max(1.0);
        let at = |k: usize| [pose[k].x * w, pose[k].y * h];
        for (a, b) in CONNECTIONS {
            self.line(at(a), at(b), 2.0 * scale, [90, 90, 90]);
        }
    }

    /// Draws `pose` on the frame: bones in white, left landmarks orange, right ones blue,
    /// landmarks that are hardly visible in grey.
    pub fn draw_pose(&mut self, pose: &Pose) {
        let (w, h) = (self.width() as f32, self.height() as f32);
        let scale = (w.max(h) / 400.0).max(1.0);
        let at = |k: usize| [pose[k].x * w, pose[k].y * h];
        for (a, b) in CONNECTIONS {
            let seen = pose[a].visibility > VISIBLE && pose[b].visibility > VISIBLE;
            self.line(
                at(a),
                at(b),
                2.0 * scale,
                if seen { [255, 255, 255] } else { [140, 140, 140] },
            );
        }
        for (k, l) in pose.iter().enumerate() {
            let colour = match k {
                _ if l.visibility <= VISIBLE => [140, 140, 140],
                0 => [255, 255, 255],
                k if k % 2 == 1 => [255, 140, 0],
                _ => [0, 150, 255],
            };
            self.disc(l.x * w, l.y * h, 3.0 * scale, colour);
        }
    }

    /// Writes `number` in digits `cell` pixels a stroke, centred on `x` with its foot at `y`,
    /// in `rgb` on a black box.
    fn draw_number(&mut self, number: usize, x: f32, y: f32, cell: f32, rgb: [u8; 3]) {
        let digits: Vec<usize> = number
            .to_string()
            .bytes()
            .map(|d| usize::from(d - b'0'))
            .collect();
        let width = (digits.len() * 4 + 1) as f32 * cell;
        let (left, top) = (x - width / 2.0, y - 7.0 * cell);
        let square = |frame: &mut Frame, x0: f32, y0: f32, w: f32, h: f32, rgb: [u8; 3]| {
            let (fw, fh) = (frame.width() as f32, frame.height() as f32);
            let (x0, x1) = (x0.clamp(0.0, fw) as usize, (x0 + w).clamp(0.0, fw) as usize);
            let (y0, y1) = (y0.clamp(0.0, fh) as usize, (y0 + h).clamp(0.0, fh) as usize);
            let stride = frame.width() * 3;
            for row in y0..y1 {
                for px in
                    &mut frame.rgb_mut()[row * stride + x0 * 3..row * stride + x1 * 3].chunks_exact_mut(3)
                {
                    px.copy_from_slice(&rgb);
                }
            }
        };
        square(self, left, top, width, 7.0 * cell, [0, 0, 0]);
        for (k, &d) in digits.iter().enumerate() {
            for (bit, row, col) in (0..15).map(|b| (b, b / 3, b % 3)) {
                if DIGITS[d] >> (14 - bit) & 1 == 1 {
                    let (cx, cy) = (
                        left + (1 + 4 * k + col) as f32 * cell,
                        top + (1 + row) as f32 * cell,
                    );
                    square(self, cx, cy, cell, cell, rgb);
                }
            }
        }
    }

    /// Saves the frame as a PNG file.
    pub fn write_png(&self, path: &Path) -> Result<()> {
        // Encoded in memory, then written whole by the one atomic writer: never a picture cut
        // short under its name.
        let mut png = Vec::new();
        image::write_buffer_with_format(
            &mut std::io::Cursor::new(&mut png),
            self.rgb(),
            self.width() as u32,
            self.height() as u32,
            image::ColorType::Rgb8,
            image::ImageFormat::Png,
        )
        .map_err(|e| Error::Image {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Ok(gait_io::write_atomically(path, &png)?)
    }
}
