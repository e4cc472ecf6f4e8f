//! The synthetic walkers of the feature tests, for closed-form truths: a stick figure built from
//! joint angles ([`walk`], [`landmarks`]) and one built from heel and toe paths whose contacts
//! are known ([`event_walker`]). World axes x forward, y left, z up, metres.
#![allow(dead_code)]

use gait_io::{Landmarks, Layout};
use ndarray::Array3;

/// The pose of one frame, angles in degrees (sagittal plane, as the default features define them).
#[derive(Clone, Copy, Debug)]
pub struct Pose {
    pub pelvis_x: f64,
    pub trunk: f64,
    pub obliquity: f64,
    /// `[left, right]`
    pub hip: [f64; 2],
    pub knee: [f64; 2],
    pub ankle: [f64; 2],
    pub elbow: [f64; 2],
}

impl Default for Pose {
    fn default() -> Self {
        Pose {
            pelvis_x: 0.0,
            trunk: 0.0,
            obliquity: 0.0,
            hip: [0.0; 2],
            knee: [0.0; 2],
            ankle: [0.0; 2],
            elbow: [0.0; 2],
        }
    }
}

fn down_at(deg: f64) -> [f64; 3] {
    let a = deg.to_radians();
    [a.sin(), 0.0, -a.cos()]
}

fn add(a: [f64; 3], b: [f64; 3], s: f64) -> [f64; 3] {
    [a[0] + s * b[0], a[1] + s * b[1], a[2] + s * b[2]]
}

/// Joint positions (MediaPipe 33) of a pose; unused landmarks sit at the head.
pub fn joints(p: &Pose) -> [[f64; 3]; 33] {
    let pelvis = [p.pelvis_x, 0.0, 1.0];
    let o = p.obliquity.to_radians();
    let hip_offset = [0.0, 0.1 * o.cos(), 0.1 * o.sin()];
    let t = p.trunk.to_radians();
    let shoulders = add(pelvis, [t.sin(), 0.0, t.cos()], 0.5);
    let head = add(shoulders, [t.sin(), 0.0, t.cos()], 0.25);
    let mut out = [head; 33];
    for (i, sign) in [(0usize, 1.0), (1, -1.0)] {
        let (shoulder_i, elbow_i, wrist_i, hip_i, knee_i, ankle_i, heel_i, toe_i) = if i == 0 {
            (11, 13, 15, 23, 25, 27, 29, 31)
        } else {
            (12, 14, 16, 24, 26, 28, 30, 32)
        };
        let hip = add(pelvis, hip_offset, sign);
        let shoulder = add(shoulders, [0.0, 0.18, 0.0], sign);
        // The thigh's angle from straight down is hip flexion plus the trunk line's angle (-trunk).
        let thigh = p.hip[i] - p.trunk;
        let knee = add(hip, down_at(thigh), 0.45);
        let shank = thigh - p.knee[i];
        let ankle = add(knee, down_at(shank), 0.43);
        let foot = down_at(shank + 90.0 + p.ankle[i]);
        let heel = add(add(ankle, foot, -0.05), down_at(shank), 0.04);
        let toe = add(heel, foot, 0.22);
        let elbow = add(shoulder, [0.0, 0.0, -1.0], 0.3);
        let wrist = add(elbow, down_at(p.elbow[i]), 0.27);
        for (index, point) in [
            (shoulder_i, shoulder),
            (elbow_i, elbow),
            (wrist_i, wrist),
            (hip_i, hip),
            (knee_i, knee),
            (ankle_i, ankle),
            (heel_i, heel),
            (toe_i, toe),
        ] {
            out[index] = point;
        }
    }
    out
}

/// Landmarks of a sequence of poses, each point mapped through `transform`.
pub fn landmarks(poses: &[Pose], transform: impl Fn([f64; 3]) -> [f64; 3]) -> Landmarks<'static> {
    let mut positions = Array3::zeros((poses.len(), 33, 3));
    for (f, pose) in poses.iter().enumerate() {
        for (j, point) in joints(pose).into_iter().enumerate() {
            let p = transform(point);
            for a in 0..3 {
                positions[[f, j, a]] = p[a] as f32;
            }
        }
    }
    Landmarks::new(Layout::MediaPipe33, positions).unwrap()
}

/// A walk of `frames` frames: the pelvis advancing 0.04 per frame, joint angles swinging with
/// period `period` frames, left and right half a period apart, obliquity averaging to zero.
pub fn walk(frames: usize, period: f64, phase: f64) -> Vec<Pose> {
    (0..frames)
        .map(|f| {
            let w = |shift: f64| (2.0 * std::f64::consts::PI * (f as f64 / period + phase + shift)).sin();
            Pose {
                pelvis_x: 0.04 * f as f64,
                trunk: 4.0 + 2.0 * w(0.1),
                obliquity: 5.0 * w(0.25),
                hip: [10.0 + 20.0 * w(0.0), 10.0 + 20.0 * w(0.5)],
                knee: [30.0 + 25.0 * w(0.3), 30.0 + 25.0 * w(0.8)],
                ankle: [-5.0 + 10.0 * w(0.6), -5.0 + 10.0 * w(0.1)],
                elbow: [25.0 + 10.0 * w(0.5), 25.0 + 10.0 * w(0.0)],
            }
        })
        .collect()
}

pub const PERIOD: f64 = 33.7; // frames per stride
pub const STANCE: f64 = 0.62; // fraction of the stride from heel strike to toe off

/// A walker for the gait events, built from the heel and toe paths rather than joint angles: its
/// heel (toe) is furthest ahead of (behind) the pelvis at known times: left heel
/// strikes at `t0 + k PERIOD`, right half a stride later; toe offs `STANCE` strides after.
pub fn event_walker(frames: usize, t0: f64, jitter: f64) -> Landmarks<'static> {
    let mut positions = Array3::<f32>::zeros((frames, 33, 3));
    let two_pi = 2.0 * std::f64::consts::PI;
    for f in 0..frames {
        let t = f as f64;
        let pelvis = 0.9 * t / PERIOD * 1.3; // about 1.2 m per stride
        let noise = |k: usize| jitter * ((f * 31 + k * 17) as f64).sin();
        let mut set = |j: usize, p: [f64; 3]| {
            for a in 0..3 {
                positions[[f, j, a]] = p[a] as f32;
            }
        };
        for (side, y, shift) in [(0usize, 0.1, 0.0), (1, -0.1, 0.5)] {
            let strike = t0 + shift * PERIOD;
            let heel_ahead = 0.35 * (two_pi * (t - strike) / PERIOD).cos();
            let toe_behind = 0.30 * (two_pi * (t - strike - STANCE * PERIOD) / PERIOD).cos();
            let heel = [pelvis + heel_ahead + noise(side), y, 0.05];
            let toe = [pelvis - toe_behind + noise(side + 2), y, 0.03];
            let ankle = [heel[0] + 0.04, y, 0.09];
            let (hip_j, knee_j, ankle_j, heel_j, toe_j, shoulder_j) = if side == 0 {
                (23, 25, 27, 29, 31, 11)
            } else {
                (24, 26, 28, 30, 32, 12)
            };
            set(hip_j, [pelvis, y, 0.95]);
            set(knee_j, [(pelvis + ankle[0]) / 2.0 + 0.05, y, 0.5]);
            set(ankle_j, ankle);
            set(heel_j, heel);
            set(toe_j, toe);
            set(shoulder_j, [pelvis, y * 1.8, 1.45]);
        }
    }
    Landmarks::new(Layout::MediaPipe33, positions).unwrap()
}

/// `landmarks` with MediaPipe's left and right points exchanged in `frames`, as pose estimators do
/// when they take the walker for facing the other way.
pub fn with_sides_swapped(landmarks: &Landmarks, frames: &[usize]) -> Landmarks<'static> {
    let mut positions = landmarks.positions().into_owned();
    let other_side = |j: usize| match j {
        0 => 0,
        1..=3 => j + 3,
        4..=6 => j - 3,
        _ if j % 2 == 1 => j + 1,
        _ => j - 1,
    };
    for &f in frames {
        let frame = positions.index_axis(ndarray::Axis(0), f).to_owned();
        for j in 0..33 {
            positions
                .slice_mut(ndarray::s![f, j, ..])
                .assign(&frame.row(other_side(j)));
        }
    }
    Landmarks::new(Layout::MediaPipe33, positions).unwrap()
}
