//! The `seed` feature set: the old pipeline's 11 features, reproduced exactly, quirks included.
//!
//! Formulas (all in the raw landmark space, `angle(u, v)` the unsigned angle in degrees,
//! missing when either vector has zero length):
//!
//! | column | formula | quirk |
//! | --- | --- | --- |
//! | `side_elbow` | angle(elbow − shoulder, wrist − elbow) | 0 when the arm is straight |
//! | `side_knee_flexion` | angle(knee − hip, ankle − knee) | 0 when the leg is straight |
//! | `side_hip` | angle(knee − hip, hip − shoulder) | unsigned: flexion and extension look alike |
//! | `side_ankle_dorsiflexion` | angle(ankle − knee, ankle − knee) | the same vector twice: about 0 always; the feet are never used |
//! | `trunk_inclination` | angle(left hip − left shoulder, right hip − right shoulder) | the two sides of the trunk, not a tilt from vertical |
//! | `stride_length` | \|right ankle − left ankle\| | in the same frame, in image units |
//! | `stride_width` | \|right hip − left hip\| | pelvis width, about constant |
//!
//! Values are computed in `f64` from the landmarks as stored (float64 files stay `f64`) with the
//! same operations in the same order as NumPy's float64 path, so they equal the old pipeline's to
//! rounding (checked against NumPy fixtures, float32 and float64).

use gait_io::{Coordinates, FeatureSequence, Landmarks};
use ndarray::{Array2, ShapeBuilder};

use crate::geometry::{V3, angle, dot};
use crate::skeleton::Joint;

/// The seed columns, in the old pipeline's (and the trained Keras model's) order.
pub const SEED_COLUMNS: [&str; 11] = [
    "right_elbow",
    "right_knee_flexion",
    "right_hip",
    "right_ankle_dorsiflexion",
    "left_elbow",
    "left_knee_flexion",
    "left_hip",
    "left_ankle_dorsiflexion",
    "trunk_inclination",
    "stride_length",
    "stride_width",
];

/// Frames computed together: their joints are gathered column-wise so that each formula runs as
/// one vectorised loop.
const BLOCK: usize = 32;

/// Frames ahead of the one gathered whose cache lines are prefetched.
#[cfg(target_arch = "x86_64")]
const PREFETCH_FRAMES: usize = 16;

/// Gathered joint coordinates of a block: `[joint][axis][frame]`, in the order of [`SEED_JOINTS`].
type Block = [[[f64; BLOCK]; 3]; 12];

/// The joints the formulas use: right then left shoulder, elbow, wrist, hip, knee, ankle.
const SEED_JOINTS: [Joint; 12] = {
    use Joint::*;
    [
        RightShoulder,
        RightElbow,
        RightWrist,
        RightHip,
        RightKnee,
        RightAnkle,
        LeftShoulder,
        LeftElbow,
        LeftWrist,
        LeftHip,
        LeftKnee,
        LeftAnkle,
    ]
};
const SHOULDER: usize = 0;
const ELBOW: usize = 1;
const WRIST: usize = 2;
const HIP: usize = 3;
const KNEE: usize = 4;
const ANKLE: usize = 5;
const LEFT: usize = 6;

/// Computes the seed features of every frame: `frames x 11`, columns [`SEED_COLUMNS`].
///
/// All three layouts have the joints these formulas use.
pub fn seed_features(landmarks: &Landmarks) -> FeatureSequence {
    let layout = landmarks.layout();
    let joints = SEED_JOINTS.map(|joint| joint.index(layout).expect("every layout has the seed joints"));
    let stride = layout.joints() * 3;
    let (frames, width) = (landmarks.frames(), SEED_COLUMNS.len());
    // Column-major, so that each block's result column is one contiguous copy.
    let mut values = gait_cpu::buffer::filled(frames * width, 0.0);
    let standard = "standard layout";
    match landmarks.coordinates() {
        Coordinates::F32(p) => {
            let p = p.as_standard_layout();
            all_blocks_f32(p.as_slice().expect(standard), stride, &joints, &mut values);
        }
        Coordinates::F64(p) => {
            let p = p.as_standard_layout();
            all_blocks_f64(p.as_slice().expect(standard), stride, &joints, &mut values);
        }
    }
    let values = Array2::from_shape_vec((frames, width).f(), values).expect("11 per frame");
    FeatureSequence::new(SEED_COLUMNS.iter().map(|c| c.to_string()).collect(), values)
        .expect("distinct names")
}

/// The vector from joint `b` to joint `a` of frame `i`.
#[inline(always)]
fn between(block: &Block, a: usize, b: usize, i: usize) -> V3 {
    [
        block[a][0][i] - block[b][0][i],
        block[a][1][i] - block[b][1][i],
        block[a][2][i] - block[b][2][i],
    ]
}

gait_cpu::multiversion! {
    /// Every frame of `flat` (frames of `stride` floats) through [`compute_block`], results into
    /// the column-major `values`; compiled for the widest vectors [`gait_cpu::Isa::get`] allows
    /// (the same operations in the same order, so the same values): eight f64 lanes with
    /// AVX-512, four with AVX2.
    fn all_blocks_f32(flat: &[f32], stride: usize, joints: &[usize; 12], values: &mut [f64]) {
        all_blocks(flat, stride, joints, values)
    }
}

gait_cpu::multiversion! {
    /// [`all_blocks_f32`] for `f64` landmarks.
    fn all_blocks_f64(flat: &[f64], stride: usize, joints: &[usize; 12], values: &mut [f64]) {
        all_blocks(flat, stride, joints, values)
    }
}

#[inline(always)]
fn all_blocks<T: Copy + Into<f64>>(flat: &[T], stride: usize, joints: &[usize; 12], values: &mut [f64]) {
    let frames = flat.len() / stride;
    let mut block: Block = [[[0.0; BLOCK]; 3]; 12];
    let mut features = [[0.0; BLOCK]; 11];
    // Values of `T` to a cache line, and the span of each frame the joints are read from, in
    // values: what is prefetched below.
    #[cfg(target_arch = "x86_64")]
    let (per_line, first, last) = (
        64 / std::mem::size_of::<T>(),
        3 * joints.iter().min().copied().unwrap_or(0),
        3 * joints.iter().max().copied().unwrap_or(0) + 3,
    );
    for (b, chunk) in flat.chunks(BLOCK * stride).enumerate() {
        let n = chunk.len() / stride;
        for (i, frame) in chunk.chunks_exact(stride).enumerate() {
            // The input streams from memory; the prefetcher misses the gaps between the joints
            // read, so ask for the lines a few frames ahead (measured: 20.7 -> 22.4 M frames/s).
            #[cfg(target_arch = "x86_64")]
            if let Some(ahead) = flat
                .get((b * BLOCK + i + PREFETCH_FRAMES) * stride..)
                .filter(|a| a.len() >= stride)
            {
                for offset in (first..last).step_by(per_line) {
                    // SAFETY: a prefetch only hints the cache; the address is inside `flat`.
                    #[allow(unsafe_code)]
                    unsafe {
                        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
                        _mm_prefetch::<_MM_HINT_T0>(ahead[offset..].as_ptr().cast());
                    }
                }
            }
            for (j, &index) in joints.iter().enumerate() {
                let point = &frame[3 * index..3 * index + 3];
                for axis in 0..3 {
                    block[j][axis][i] = point[axis].into();
                }
            }
        }
        compute_block(&block, &mut features);
        for (k, feature) in features.iter().enumerate() {
            let start = k * frames + b * BLOCK;
            values[start..start + n].copy_from_slice(&feature[..n]);
        }
    }
}

/// The 11 features of a block of frames, one loop per formula.
#[inline(always)]
fn compute_block(block: &Block, features: &mut [[f64; BLOCK]; 11]) {
    for (side, base) in [(0, 0), (1, LEFT)] {
        let [elbow, knee, hip, ankle] = &mut features[4 * side..4 * side + 4] else {
            unreachable!()
        };
        for i in 0..BLOCK {
            let thigh = between(block, base + KNEE, base + HIP, i);
            let shin = between(block, base + ANKLE, base + KNEE, i);
            let upper = between(block, base + ELBOW, base + SHOULDER, i);
            let fore = between(block, base + WRIST, base + ELBOW, i);
            elbow[i] = angle(upper, fore);
            knee[i] = angle(thigh, shin);
            hip[i] = angle(thigh, between(block, base + HIP, base + SHOULDER, i));
            ankle[i] = angle(shin, shin);
        }
    }
    let [trunk, stride_length, stride_width] = &mut features[8..11] else {
        unreachable!()
    };
    for i in 0..BLOCK {
        trunk[i] = angle(
            between(block, LEFT + HIP, LEFT + SHOULDER, i),
            between(block, HIP, SHOULDER, i),
        );
        let ankles = between(block, ANKLE, LEFT + ANKLE, i);
        stride_length[i] = dot(ankles, ankles).sqrt();
        let hips = between(block, HIP, LEFT + HIP, i);
        stride_width[i] = dot(hips, hips).sqrt();
    }
}
