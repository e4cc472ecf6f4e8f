//! The person detector: MediaPipe's `pose_detection.tflite` with its SSD anchors, box decoding
//! and weighted non-maximum suppression, as `pose_detection_cpu.pbtxt` configures them.

use std::path::Path;

use crate::error::Result;
use crate::frame::{Border, Frame, Roi};
use crate::network::Network;

/// Input size of the detector.
const SIZE: usize = 224;
/// Values per anchor: box (4) and four keypoints (8).
const COORDS: usize = 12;
/// Boxes overlapping the best one by more than this (intersection over union) are merged into it.
const MIN_SUPPRESSION: f32 = 0.3;

/// A person found by the detector, in normalised image coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Detection {
    pub(crate) score: f32,
    /// `[xmin, ymin, xmax, ymax]`.
    pub(crate) bbox: [f32; 4],
    /// Hip centre, a point on the circle around the body, shoulder centre, a point on the circle
    /// around the upper body.
    pub(crate) keypoints: [[f32; 2]; 4],
}

/// The detector model and its anchors.
#[derive(Debug)]
pub(crate) struct Detector {
    network: Network,
    /// Anchor centres, normalised to the input.
    anchors: Vec<[f32; 2]>,
}

/// MediaPipe's SSD anchors for the pose detector: five layers with strides 8, 16, 32, 32, 32, two
/// anchors per layer and cell (the ratio-1 anchor and the interpolated one), fixed size. Layers of
/// equal stride share their cells.
fn anchors() -> Vec<[f32; 2]> {
    let strides = [8, 16, 32, 32, 32];
    let mut anchors = Vec::new();
    let mut layer = 0;
    while layer < strides.len() {
        let same = strides[layer..]
            .iter()
            .take_while(|&&s| s == strides[layer])
            .count();
        let per_cell = 2 * same;
        let cells = SIZE.div_ceil(strides[layer]);
        for y in 0..cells {
            for x in 0..cells {
                let centre = [(x as f32 + 0.5) / cells as f32, (y as f32 + 0.5) / cells as f32];
                anchors.extend(std::iter::repeat_n(centre, per_cell));
            }
        }
        layer += same;
    }
    anchors
}

fn area([x0, y0, x1, y1]: [f32; 4]) -> f32 {
    (x1 - x0) * (y1 - y0)
}

fn iou(a: [f32; 4], b: [f32; 4]) -> f32 {
    let overlaps = a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
    if !overlaps {
        return 0.0;
    }
    let inter = area([a[0].max(b[0]), a[1].max(b[1]), a[2].min(b[2]), a[3].min(b[3])]);
    let union = area(a) + area(b) - inter;
    if union > 0.0 { inter / union } else { 0.0 }
}

impl Detector {
    pub(crate) fn open(path: &Path) -> Result<Detector> {
        let network = Network::open(path, &["Identity", "Identity_1"])?;
        let anchors = anchors();
        let fits = network.input_shape() == [1, SIZE, SIZE, 3]
            && network.output_shape(0) == [1, anchors.len(), COORDS]
            && network.output_shape(1) == [1, anchors.len(), 1];
        if !fits {
            return Err(crate::Error::Model {
                path: path.to_path_buf(),
                reason: format!(
                    "the detector's input or outputs are not MediaPipe's (input {:?})",
                    network.input_shape()
                ),
            });
        }
        Ok(Detector { network, anchors })
    }

    /// The most confident person in `frame` scoring at least `min_score`, merged with the boxes
    /// that overlap it, as MediaPipe's weighted non-maximum suppression does.
    pub(crate) fn detect(&mut self, frame: &Frame, min_score: f32) -> Option<Detection> {
        self.detect_all(frame, min_score).into_iter().next()
    }

    /// Every person in `frame` scoring at least `min_score`, most confident first: MediaPipe's
    /// weighted non-maximum suppression, repeated on the boxes that no earlier person took.
    pub(crate) fn detect_all(&mut self, frame: &Frame, min_score: f32) -> Vec<Detection> {
        let [left, top, right, bottom] =
            Roi::WHOLE.crop(frame, SIZE, [-1.0, 1.0], Border::Zero, self.network.input_mut());
        self.network.run();
        let (raw, scores) = (self.network.output(0), self.network.output(1));
        let decode = |i: usize| -> Detection {
            let r = &raw[i * COORDS..][..COORDS];
            let [ax, ay] = self.anchors[i];
            let s = SIZE as f32;
            let (cx, cy, w, h) = (r[0] / s + ax, r[1] / s + ay, r[2] / s, r[3] / s);
            let keypoints = std::array::from_fn(|k| [r[4 + 2 * k] / s + ax, r[5 + 2 * k] / s + ay]);
            let score = 1.0 / (1.0 + (-scores[i].clamp(-100.0, 100.0)).exp());
            Detection {
                score,
                bbox: [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0],
                keypoints,
            }
        };
        let mut found: Vec<Detection> = (0..self.anchors.len())
            .map(decode)
            .filter(|d| d.score >= min_score)
            .collect();
        found.sort_by(|a, b| b.score.total_cmp(&a.score));
        // Undo the letterbox: back to fractions of the frame.
        let (sx, sy) = (1.0 - left - right, 1.0 - top - bottom);
        let mut people = Vec::new();
        while !found.is_empty() {
            // The best box and those that overlap it, in score order; the rest wait their turn.
            let best = found.remove(0);
            let (group, rest): (Vec<Detection>, Vec<Detection>) = found
                .into_iter()
                .partition(|d| iou(d.bbox, best.bbox) > MIN_SUPPRESSION);
            found = rest;
            let (mut total, mut bbox, mut keypoints) = (0.0, [0.0; 4], [[0.0; 2]; 4]);
            for d in std::iter::once(&best).chain(&group) {
                total += d.score;
                for k in 0..4 {
                    bbox[k] += d.bbox[k] * d.score;
                    keypoints[k][0] += d.keypoints[k][0] * d.score;
                    keypoints[k][1] += d.keypoints[k][1] * d.score;
                }
            }
            let x = |v: f32| (v / total - left) / sx;
            let y = |v: f32| (v / total - top) / sy;
            people.push(Detection {
                score: best.score,
                bbox: [x(bbox[0]), y(bbox[1]), x(bbox[2]), y(bbox[3])],
                keypoints: keypoints.map(|[kx, ky]| [x(kx), y(ky)]),
            });
        }
        people
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_mediapipes_2254() {
        let a = anchors();
        assert_eq!(a.len(), 2254);
        // 28 x 28 cells of two, then 14 x 14 of two, then 7 x 7 of six.
        assert_eq!(a[0], [0.5 / 28.0, 0.5 / 28.0]);
        assert_eq!(a[1], a[0]);
        assert_eq!(a[2], [1.5 / 28.0, 0.5 / 28.0]);
        assert_eq!(a[1568], [0.5 / 14.0, 0.5 / 14.0]);
        assert_eq!(a[1960..1966], [[0.5 / 7.0, 0.5 / 7.0]; 6]);
        assert_eq!(a[2253], [6.5 / 7.0, 6.5 / 7.0]);
    }

    #[test]
    fn iou_of_known_boxes() {
        assert_eq!(iou([0.0, 0.0, 2.0, 2.0], [1.0, 1.0, 3.0, 3.0]), 1.0 / 7.0);
        assert_eq!(iou([0.0, 0.0, 1.0, 1.0], [1.0, 0.0, 2.0, 1.0]), 0.0);
        assert_eq!(iou([0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0]), 1.0);
    }
}
