//! The walker: joint-angle curves over the gait cycle drive a stick figure scaled from height,
//! in metres (x forward, y left, z up), with the true gait events known.

use ndarray::{Array3, Axis};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use crate::pathology::Pathology;

/// Who walks and how: anthropometry, pace and an optional disorder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    /// Standing height in metres; segment lengths scale with it.
    pub height: f64,
    /// Steps per minute.
    pub cadence: f64,
    /// Stride length as a share of height (about 0.8 in adults).
    pub stride_ratio: f64,
    /// Scale of this subject's joint excursions (1 = typical).
    pub amplitude: f64,
    /// Disorder and severity in 0..1.
    pub pathology: Option<(Pathology, f64)>,
}

impl Subject {
    /// A random adult: height 1.50–1.95 m, cadence 100–120, normal variation in stride and
    /// excursions.
    pub fn random(rng: &mut ChaCha8Rng, pathology: Option<(Pathology, f64)>) -> Self {
        Subject {
            height: 1.5 + 0.45 * rng.random::<f64>(),
            cadence: 100.0 + 20.0 * rng.random::<f64>(),
            stride_ratio: 0.74 + 0.12 * rng.random::<f64>(),
            amplitude: 0.9 + 0.2 * rng.random::<f64>(),
            pathology,
        }
    }
}

/// A generated walk: landmarks and the frames of its true heel strikes.
#[derive(Debug, Clone, PartialEq)]
pub struct Walk {
    /// `frames x 33 x 3` MediaPipe landmarks in metres (x forward, y left, z up).
    pub positions: Array3<f64>,
    /// Frames of heel strikes, `[left, right]`.
    pub heel_strikes: [Vec<usize>; 2],
    /// The subject's height, metres.
    pub height: f64,
}

impl Walk {
    /// This walk, then `next` from a step beyond where this one ends (the pelvis 2 cm on): straight
    /// on, or, with `turn`, turned half round (x and y change sign) to come back. The heel strikes
    /// of both, in the frames of the whole.
    pub fn then(&self, next: &Walk, turn: bool) -> Walk {
        let frames = self.positions.shape()[0];
        let end = self.positions[[frames - 1, 23, 0]] + 0.02;
        let start = next.positions[[0, 23, 0]];
        let mut after = next.positions.clone();
        if turn {
            after
                .index_axis_mut(Axis(2), 0)
                .mapv_inplace(|x| end - (x - start));
            after.index_axis_mut(Axis(2), 1).mapv_inplace(|y| -y);
        } else {
            after.index_axis_mut(Axis(2), 0).mapv_inplace(|x| x - start + end);
        }
        let positions = ndarray::concatenate(Axis(0), &[self.positions.view(), after.view()])
            .expect("33 landmarks of 3 axes each");
        let heel_strikes = std::array::from_fn(|side| {
            let later = next.heel_strikes[side].iter().map(|f| f + frames);
            self.heel_strikes[side].iter().copied().chain(later).collect()
        });
        Walk {
            positions,
            heel_strikes,
            height: self.height,
        }
    }
}

/// A smooth periodic bump centred at `centre` (cycle fraction) of width `width`.
fn bump(phase: f64, centre: f64, width: f64) -> f64 {
    let d = (phase - centre + 0.5).rem_euclid(1.0) - 0.5;
    (-0.5 * (d / width).powi(2)).exp()
}

/// Sagittal joint angles (degrees) of one leg at cycle `phase` (0 = heel strike), and the
/// abduction of the hip.
struct Leg {
    hip: f64,
    knee: f64,
    ankle: f64,
    abduction: f64,
}

/// Per-side modifiers a pathology sets.
#[derive(Clone, Copy)]
struct Modifiers {
    hip_amplitude: f64,
    hip_offset: f64,
    knee_swing: f64,
    knee_offset: f64,
    ankle_offset: f64,
    ankle_swing: f64,
    circumduction: f64,
    stance: f64,
    arm_swing: f64,
}

impl Default for Modifiers {
    fn default() -> Self {
        Modifiers {
            hip_amplitude: 1.0,
            hip_offset: 0.0,
            knee_swing: 1.0,
            knee_offset: 0.0,
            ankle_offset: 0.0,
            ankle_swing: 0.0,
            circumduction: 0.0,
            stance: 0.6,
            arm_swing: 1.0,
        }
    }
}

fn leg(phase: f64, m: &Modifiers, amplitude: f64) -> Leg {
    // Warp time so that stance lasts `m.stance` of the cycle while the curves assume 0.6.
    let phase = if phase < m.stance {
        phase * 0.6 / m.stance
    } else {
        0.6 + (phase - m.stance) * 0.4 / (1.0 - m.stance)
    };
    let swing = bump(phase, 0.8, 0.1);
    Leg {
        hip: m.hip_offset
            + amplitude
                * m.hip_amplitude
                * (10.0 + 20.0 * (2.0 * std::f64::consts::PI * (phase - 0.02)).cos()),
        knee: m.knee_offset
            + amplitude
                * (4.0 + 14.0 * bump(phase, 0.14, 0.06) + 56.0 * m.knee_swing * bump(phase, 0.73, 0.09)),
        ankle: m.ankle_offset
            + amplitude * (9.0 * bump(phase, 0.45, 0.1) - 20.0 * bump(phase, 0.64, 0.05))
            + m.ankle_swing * swing,
        abduction: m.circumduction * swing,
    }
}

/// Generates `frames` frames at `fps` of `subject` walking, starting at a random phase.
pub fn walk(subject: &Subject, frames: usize, fps: f64, rng: &mut ChaCha8Rng) -> Walk {
    let h = subject.height;
    let (thigh, shank, foot, heel_back) = (0.245 * h, 0.246 * h, 0.152 * h, 0.04 * h);
    let (pelvis_half, shoulder_half, trunk, upper_arm, forearm) =
        (0.095 * h, 0.13 * h, 0.29 * h, 0.186 * h, 0.146 * h);
    let hip_height = 0.53 * h;
    let mut cadence = subject.cadence;
    let mut stride = subject.stride_ratio * h;
    let mut sides = [Modifiers::default(); 2];
    let (mut trunk_lean, mut lateral_lean, mut obliquity, mut base_width, mut variability) =
        (3.0, 0.0, 4.0, 0.0, 0.0);
    if let Some((pathology, s)) = subject.pathology {
        match pathology {
            Pathology::Hemiplegic => {
                sides[1].knee_swing = 1.0 - 0.7 * s;
                sides[1].circumduction = 14.0 * s;
                sides[1].ankle_swing = -12.0 * s;
                sides[1].arm_swing = 1.0 - 0.85 * s;
                stride *= 1.0 - 0.3 * s;
                cadence *= 1.0 - 0.15 * s;
            }
            Pathology::Parkinsonian => {
                for side in &mut sides {
                    side.hip_amplitude = 1.0 - 0.55 * s;
                    side.knee_offset = 10.0 * s;
                    side.knee_swing = 1.0 - 0.4 * s;
                    side.arm_swing = 1.0 - 0.85 * s;
                }
                trunk_lean += 22.0 * s;
                stride *= 1.0 - 0.5 * s;
                cadence *= 1.0 + 0.2 * s;
            }
            Pathology::Antalgic => {
                sides[1].stance = 0.6 - 0.18 * s;
                sides[0].stance = 0.6 + 0.1 * s;
                stride *= 1.0 - 0.2 * s;
            }
            Pathology::Trendelenburg => {
                obliquity += 9.0 * s;
                lateral_lean = 8.0 * s;
            }
            Pathology::Steppage => {
                for side in &mut sides {
                    side.ankle_swing = -28.0 * s;
                    side.knee_swing = 1.0 + 0.35 * s;
                }
                sides[1].hip_offset = 6.0 * s;
            }
            Pathology::Ataxic => {
                base_width = 0.1 * s * h;
                variability = 0.25 * s;
                cadence *= 1.0 - 0.1 * s;
            }
            Pathology::Crouch => {
                for side in &mut sides {
                    side.knee_offset = 30.0 * s;
                    side.hip_offset = 15.0 * s;
                    side.ankle_offset = 14.0 * s;
                }
                stride *= 1.0 - 0.25 * s;
            }
        }
    }
    let stride_time = 120.0 / cadence; // seconds per stride
    let speed = stride / stride_time;
    let start = rng.random::<f64>();
    // Ataxic variability: each stride gets its own amplitude and pace.
    let strides = (frames as f64 / fps / stride_time).ceil() as usize + 2;
    let wobble: Vec<(f64, f64)> = (0..strides)
        .map(|_| {
            let a: f64 = rng.sample(StandardNormal);
            let b: f64 = rng.sample(StandardNormal);
            (
                1.0 + variability * a.clamp(-2.0, 2.0),
                variability * 0.05 * h * b.clamp(-2.0, 2.0),
            )
        })
        .collect();
    let mut positions = Array3::zeros((frames, 33, 3));
    let mut heel_strikes = [Vec::new(), Vec::new()];
    let mut previous_phase = [f64::NAN; 2];
    for f in 0..frames {
        let t = f as f64 / fps;
        let cycle = start + t / stride_time;
        let (amp, sway) = wobble[cycle as usize % strides];
        let pelvis_phase = cycle.rem_euclid(1.0);
        let two_pi = 2.0 * std::f64::consts::PI;
        let pelvis = [
            speed * t,
            0.02 * h * (two_pi * cycle).sin() + sway,
            hip_height - 0.012 * h * (2.0 * two_pi * cycle).cos(),
        ];
        // Pelvic obliquity: the swing side drops, twice per stride.
        let tilt = (obliquity * (two_pi * pelvis_phase).sin()).to_radians();
        let lean = (trunk_lean).to_radians();
        let lateral = (lateral_lean * (two_pi * pelvis_phase).sin()).to_radians();
        let shoulders = [
            pelvis[0] + trunk * lean.sin(),
            pelvis[1] + trunk * lateral.sin(),
            pelvis[2] + trunk * lean.cos() * lateral.cos(),
        ];
        let head = [
            shoulders[0] + 0.12 * h * lean.sin(),
            shoulders[1],
            shoulders[2] + 0.12 * h * lean.cos(),
        ];
        let mut joints = [head; 33];
        for (i, sign) in [(0usize, 1.0), (1, -1.0)] {
            let phase = (cycle + 0.5 * i as f64).rem_euclid(1.0);
            if previous_phase[i] > 0.5 && phase < 0.5 {
                heel_strikes[i].push(f);
            }
            previous_phase[i] = phase;
            let m = &sides[i];
            let l = leg(phase, m, subject.amplitude * amp);
            let hip = [
                pelvis[0],
                pelvis[1] + sign * pelvis_half * tilt.cos(),
                pelvis[2] + sign * pelvis_half * tilt.sin(),
            ];
            let abduction = l.abduction.to_radians();
            let down = |deg: f64| {
                let a = deg.to_radians();
                [
                    a.sin() * abduction.cos(),
                    sign * abduction.sin() + sign * base_width / (thigh + shank),
                    -a.cos() * abduction.cos(),
                ]
            };
            let add = |p: [f64; 3], d: [f64; 3], s: f64| [p[0] + s * d[0], p[1] + s * d[1], p[2] + s * d[2]];
            let thigh_angle = l.hip;
            let knee = add(hip, down(thigh_angle), thigh);
            let shank_angle = thigh_angle - l.knee;
            let ankle = add(knee, down(shank_angle), shank);
            let foot_dir = down(shank_angle + 90.0 + l.ankle);
            let heel = add(add(ankle, foot_dir, -heel_back), down(shank_angle), 0.03 * h);
            let toe = add(heel, foot_dir, foot);
            let shoulder = [shoulders[0], shoulders[1] + sign * shoulder_half, shoulders[2]];
            // Arms swing opposite to the leg of their side.
            let arm = -m.arm_swing * subject.amplitude * 18.0 * (two_pi * (phase - 0.02)).cos();
            let elbow = add(shoulder, down(arm), upper_arm);
            let wrist = add(
                elbow,
                down(arm + 20.0 + 8.0 * m.arm_swing * (two_pi * phase).cos().abs()),
                forearm,
            );
            let base = if i == 0 {
                [11, 13, 15, 23, 25, 27, 29, 31]
            } else {
                [12, 14, 16, 24, 26, 28, 30, 32]
            };
            for (index, point) in base
                .into_iter()
                .zip([shoulder, elbow, wrist, hip, knee, ankle, heel, toe])
            {
                joints[index] = point;
            }
            // Hand points next to the wrist.
            for (k, index) in [17, 19, 21].into_iter().enumerate() {
                joints[index + i] = add(wrist, down(arm + 20.0), 0.02 * h * (k + 1) as f64);
            }
        }
        // Face points around the head.
        for (k, index) in (0..11).enumerate() {
            let side = if [1, 2, 3, 7, 9].contains(&index) {
                1.0
            } else if index == 0 {
                0.0
            } else {
                -1.0
            };
            joints[index] = [
                head[0] + 0.05 * h,
                head[1] + side * 0.02 * h * (1.0 + (k % 3) as f64),
                head[2] + 0.01 * h * (k % 2) as f64,
            ];
        }
        for (j, p) in joints.iter().enumerate() {
            for a in 0..3 {
                positions[[f, j, a]] = p[a];
            }
        }
    }
    Walk {
        positions,
        heel_strikes,
        height: h,
    }
}
