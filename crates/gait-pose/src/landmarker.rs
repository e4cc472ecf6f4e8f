//! The landmark model: MediaPipe's `pose_landmark_{lite,full,heavy}.tflite` on a region of the
//! frame, its outputs decoded, refined on the heatmap and projected back onto the frame, as
//! `pose_landmark_by_roi_cpu.pbtxt` does; and the regions themselves
//! (`pose_detection_to_roi.pbtxt`, `pose_landmarks_to_roi.pbtxt`).

use std::f32::consts::PI;
use std::path::Path;

use crate::detector::Detection;
use crate::error::{Error, Result};
use crate::frame::{Border, Frame, Roi};
use crate::network::Network;

/// Input size of the landmark model.
const SIZE: usize = 256;
/// Landmarks the model gives: MediaPipe's 33 and six auxiliary points.
const ALL: usize = 39;
/// Values per landmark: x, y, z, visibility, presence.
const VALUES: usize = 5;
/// Side of the heatmap's refinement window. The graph source says 7, but the graph compiled into
/// MediaPipe 0.10.14 leaves the calculator's default, 9: only 9 reproduces its landmarks
/// (0.03 px median against 0.5 px with 7, on `tests/fixtures/walker.mp4`).
const KERNEL: usize = 9;

/// One landmark in normalised image coordinates: `x` and `y` as fractions of the frame's width and
/// height, `z` (depth, relative to the hips, on the scale of `x`), and two scores in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Landmark {
    /// Horizontal position, 0 at the left edge, 1 at the right.
    pub x: f32,
    /// Vertical position, 0 at the top edge, 1 at the bottom.
    pub y: f32,
    /// Depth, smaller is nearer the camera, in about the unit of `x`.
    pub z: f32,
    /// How likely the landmark is visible (not occluded).
    pub visibility: f32,
    /// How likely the landmark is in the frame.
    pub presence: f32,
}

/// What the landmark model found in a region: the 33 landmarks and the two auxiliary points that
/// place the next region (hip centre, and a point on the circle around the body).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Found {
    pub(crate) landmarks: [Landmark; 33],
    pub(crate) auxiliary: [Landmark; 2],
}

/// The landmark model.
#[derive(Debug)]
pub(crate) struct Landmarker {
    network: Network,
}

fn sigmoid(v: f32) -> f32 {
    1.0 / (1.0 + (-v).exp())
}

/// An angle brought into [-pi, pi).
fn normalize_radians(angle: f32) -> f32 {
    angle - 2.0 * PI * ((angle + PI) / (2.0 * PI)).floor()
}

/// The region around a person given two points: a centre and a point on the circle around the
/// body, rotated so that the line between them points up, widened by a quarter and made square
/// in pixels (MediaPipe's `AlignmentPointsRectsCalculator` then `RectTransformationCalculator`).
pub(crate) fn region(centre: [f32; 2], scale: [f32; 2], frame: &Frame) -> Roi {
    let (w, h) = (frame.width() as f32, frame.height() as f32);
    let (x0, y0, x1, y1) = (centre[0] * w, centre[1] * h, scale[0] * w, scale[1] * h);
    let size = ((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)).sqrt() * 2.0;
    let rotation = normalize_radians(PI / 2.0 - (-(y1 - y0)).atan2(x1 - x0));
    // Square already: widen by a quarter.
    Roi {
        x_center: x0 / w,
        y_center: y0 / h,
        width: size / w * 1.25,
        height: size / h * 1.25,
        rotation,
    }
}

impl Detection {
    /// The region the landmark model looks at for this person.
    pub(crate) fn region(&self, frame: &Frame) -> Roi {
        region(self.keypoints[0], self.keypoints[1], frame)
    }
}

impl Found {
    /// The region the landmark model looks at in the next frame.
    pub(crate) fn region(&self, frame: &Frame) -> Roi {
        let [c, s] = self.auxiliary;
        region([c.x, c.y], [s.x, s.y], frame)
    }
}

/// Moves landmarks towards the centre of mass of their heatmap around them, where the heatmap is
/// confident (MediaPipe's `RefineLandmarksFromHeatmapCalculator`, confidence 0.5).
fn refine(points: &mut [Landmark], heatmap: &[f32], [rows, cols, channels]: [usize; 3]) {
    for (k, p) in points.iter_mut().enumerate().take(channels) {
        // Truncated towards zero, as MediaPipe does: a point just left of the edge still counts.
        let (col, row) = ((p.x * cols as f32) as i64, (p.y * rows as f32) as i64);
        if col < 0 || row < 0 || col >= cols as i64 || row >= rows as i64 {
            continue;
        }
        let half = (KERNEL as i64 - 1) / 2;
        let (mut sum, mut wc, mut wr, mut best) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        for r in (row - half).max(0)..(row + half + 1).min(rows as i64) {
            for c in (col - half).max(0)..(col + half + 1).min(cols as i64) {
                let confidence = sigmoid(heatmap[(r as usize * cols + c as usize) * channels + k]);
                sum += confidence;
                best = best.max(confidence);
                wc += c as f32 * confidence;
                wr += r as f32 * confidence;
            }
        }
        if best >= 0.5 && sum > 0.0 {
            p.x = wc / cols as f32 / sum;
            p.y = wr / rows as f32 / sum;
        }
    }
}

impl Landmarker {
    pub(crate) fn open(path: &Path) -> Result<Landmarker> {
        let network = Network::open(path, &["Identity", "Identity_1", "Identity_3"])?;
        let fits = network.input_shape() == [1, SIZE, SIZE, 3]
            && network.output_shape(0) == [1, ALL * VALUES]
            && network.output_shape(1) == [1, 1]
            && network.output_shape(2).len() == 4
            && network.output_shape(2)[3] == ALL;
        if !fits {
            return Err(Error::Model {
                path: path.to_path_buf(),
                reason: "the landmark model's input or outputs are not MediaPipe's pose landmark model's"
                    .into(),
            });
        }
        Ok(Landmarker { network })
    }

    /// The landmarks in `roi`, or `None` when the model's pose score is not above `min_score`.
    pub(crate) fn find(&mut self, frame: &Frame, roi: &Roi, min_score: f32) -> Option<Found> {
        let [left, top, right, bottom] = roi.crop(
            frame,
            SIZE,
            [0.0, 1.0],
            Border::Replicate,
            self.network.input_mut(),
        );
        self.network.run();
        if self.network.output(1)[0] <= min_score {
            return None;
        }
        let raw = self.network.output(0);
        let mut points: [Landmark; ALL] = std::array::from_fn(|k| {
            let r = &raw[k * VALUES..][..VALUES];
            let s = SIZE as f32;
            Landmark {
                x: r[0] / s,
                y: r[1] / s,
                z: r[2] / s,
                visibility: sigmoid(r[3]),
                presence: sigmoid(r[4]),
            }
        });
        let shape = self.network.output_shape(2);
        refine(
            &mut points,
            self.network.output(2),
            [shape[1], shape[2], shape[3]],
        );
        let (sin, cos) = roi.rotation.sin_cos();
        let project = |p: &Landmark| {
            let x = (p.x - left) / (1.0 - left - right) - 0.5;
            let y = (p.y - top) / (1.0 - top - bottom) - 0.5;
            Landmark {
                x: (cos * x - sin * y) * roi.width + roi.x_center,
                y: (sin * x + cos * y) * roi.height + roi.y_center,
                z: p.z / (1.0 - left - right) * roi.width,
                ..*p
            }
        };
        Some(Found {
            landmarks: std::array::from_fn(|k| project(&points[k])),
            auxiliary: [project(&points[33]), project(&points[34])],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radians_are_brought_into_one_turn() {
        assert!((normalize_radians(3.0 * PI / 2.0) + PI / 2.0).abs() < 1e-6);
        assert!((normalize_radians(-PI / 4.0) + PI / 4.0).abs() < 1e-6);
        assert!((normalize_radians(PI) + PI).abs() < 1e-6);
    }

    #[test]
    fn an_upright_person_gets_an_unrotated_square_region() {
        let frame = Frame::new(640, 960, vec![0; 640 * 960 * 3], 0).unwrap();
        // Hips at the centre, the circle's point 200 px straight above.
        let roi = region([0.5, 0.5], [0.5, 0.5 - 200.0 / 960.0], &frame);
        assert!(roi.rotation.abs() < 1e-6);
        assert!((roi.width * 640.0 - 500.0).abs() < 1e-3 && (roi.height * 960.0 - 500.0).abs() < 1e-3);
        // Lying down, head to the right: the region turns a quarter clockwise on the screen (y
        // points down), so that the head is up in the crop.
        let roi = region([0.5, 0.5], [0.5 + 200.0 / 640.0, 0.5], &frame);
        assert!((roi.rotation - PI / 2.0).abs() < 1e-6, "{}", roi.rotation);
    }

    #[test]
    fn refinement_moves_to_the_confident_centre() {
        // A 16 x 16 one-channel heatmap, confident at (row 5, col 9) only.
        let mut heat = vec![-20.0; 16 * 16];
        heat[5 * 16 + 9] = 20.0;
        let mut p = [Landmark {
            x: 8.2 / 16.0,
            y: 6.7 / 16.0,
            ..Default::default()
        }];
        refine(&mut p, &heat, [16, 16, 1]);
        assert!(
            (p[0].x - 9.0 / 16.0).abs() < 1e-3 && (p[0].y - 5.0 / 16.0).abs() < 1e-3,
            "{:?}",
            p[0]
        );
        // Nothing confident: unchanged.
        let mut q = [Landmark {
            x: 0.3,
            y: 0.3,
            ..Default::default()
        }];
        refine(&mut q, &[-20.0; 256], [16, 16, 1]);
        assert_eq!((q[0].x, q[0].y), (0.3, 0.3));
    }
}
