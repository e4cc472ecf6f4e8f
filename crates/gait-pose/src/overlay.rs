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

impl Frame {
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
