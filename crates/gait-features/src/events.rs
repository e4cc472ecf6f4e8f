//! Gait events and what follows from them: heel strikes and toe offs by Zeni's coordinate method,
//! step and stride splitting, and spatio-temporal gait parameters.
//!
//! Zeni et al. (2008): a heel strike is a maximum of the heel's position ahead of the pelvis along
//! the walking direction, a toe off a maximum of the pelvis's position ahead of the toe. Left and
//! right events must alternate; where two of one foot follow each other, the weaker is dropped.
//! Layouts without heel (toe) points use the ankle.

use std::ops::Range;

use gait_io::Landmarks;
use serde::{Deserialize, Serialize};

use crate::axes::{BodyAxes, leg_length};
use crate::error::{Error, Result};
use crate::geometry::{V3, dot, mid, norm, reject, scale, sub};
use crate::skeleton::{Joint, Limb, Points, Side};

/// Options of event detection.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EventOptions {
    /// Frames per second of the landmarks (the old pipeline stored none; 30 is usual).
    pub fps: f64,
    /// The shortest stride to accept, in seconds: peaks of one foot closer than this are merged.
    pub min_stride_seconds: f64,
}

impl Default for EventOptions {
    fn default() -> Self {
        EventOptions {
            fps: 30.0,
            min_stride_seconds: 0.5,
        }
    }
}

/// Heel strikes and toe offs, as frame indices in increasing order, per side (`[left, right]`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GaitEvents {
    /// Heel strikes of the left and right foot.
    pub heel_strikes: [Vec<usize>; 2],
    /// Toe offs of the left and right foot.
    pub toe_offs: [Vec<usize>; 2],
}

impl GaitEvents {
    /// Heel strikes of both feet in time order, with their side.
    pub fn contacts(&self) -> Vec<(usize, Side)> {
        merged(&self.heel_strikes)
    }
}

fn merged(per_side: &[Vec<usize>; 2]) -> Vec<(usize, Side)> {
    let mut all: Vec<(usize, Side)> = Side::BOTH
        .iter()
        .zip(per_side)
        .flat_map(|(&side, frames)| frames.iter().map(move |&f| (f, side)))
        .collect();
    all.sort_by_key(|&(f, _)| f);
    all
}

/// The cadence from how often the ankles pass each other: the period of the distance between
/// them along the walking direction (its size, whichever foot leads, so that a pose estimator
/// that names the legs by which is in front still counts every step), found by
/// autocorrelation to a fraction of a frame. Of the periods the autocorrelation peaks at
/// (a step, and a stride where the two steps differ), the one nearest the cadence `counted`
/// from the heel strikes; without it, the shortest that is nearly the strongest. Where no
/// period shows (under two steps, or no rhythm), `counted`.
fn steps_per_minute(points: &Points<'_>, axes: &BodyAxes, fps: f64, counted: f64) -> f64 {
    let gap: Vec<f64> = (0..points.frames())
        .map(|f| {
            dot(
                sub(points.get(f, Joint::LeftAnkle), points.get(f, Joint::RightAnkle)),
                axes.forward,
            )
            .abs()
        })
        .collect();
    let finite: Vec<f64> = gap.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.len() < 8 {
        return counted;
    }
    let mean = finite.iter().sum::<f64>() / finite.len() as f64;
    let centred: Vec<f64> = gap.iter().map(|v| v - mean).collect();
    // Steps of 0.24 to 1.5 seconds (250 to 40 steps a minute), at least two of them seen.
    let shortest = ((0.24 * fps).floor() as usize).max(2);
    let longest = ((1.5 * fps).ceil() as usize).min(centred.len() / 2);
    if shortest + 2 > longest {
        return counted;
    }
    let correlation = |lag: usize| -> f64 {
        let (mut sum, mut aa, mut bb) = (0.0, 0.0, 0.0);
        for (a, b) in centred.iter().zip(&centred[lag..]) {
            if a.is_finite() && b.is_finite() {
                (sum, aa, bb) = (sum + a * b, aa + a * a, bb + b * b);
            }
        }
        if aa > 0.0 && bb > 0.0 {
            sum / (aa * bb).sqrt()
        } else {
            f64::NAN
        }
    };
    let r: Vec<f64> = (0..=longest + 1).map(correlation).collect();
    let peaks: Vec<usize> = (shortest..=longest)
        .filter(|&k| r[k] > 0.3 && r[k] >= r[k - 1] && r[k] > r[k + 1])
        .collect();
    let strongest = peaks.iter().map(|&k| r[k]).fold(f64::NEG_INFINITY, f64::max);
    // To a fraction of a frame: the vertex of the parabola through the peak and its neighbours.
    let period = |k: usize| {
        let (a, b, c) = (r[k - 1], r[k], r[k + 1]);
        let bend = a - 2.0 * b + c;
        k as f64 + if bend < 0.0 { 0.5 * (a - c) / bend } else { 0.0 }
    };
    let mut cadences = peaks.iter().map(|&k| (k, 60.0 * fps / period(k)));
    let chosen = if counted.is_finite() {
        cadences.min_by(|a, b| (a.1 - counted).abs().total_cmp(&(b.1 - counted).abs()))
    } else {
        cadences.find(|&(k, _)| r[k] >= 0.8 * strongest)
    };
    let Some((step, _)) = chosen else {
        return counted;
    };
    // The peaks at two, three, ... steps too, where they show: the step as the slope of their
    // lags against their order (least squares through zero), each later peak a finer measure.
    let first = period(step);
    let (mut lag_sum, mut order_sum) = (0.0, 0.0);
    for m in 1..=8 {
        let near = peaks
            .iter()
            .copied()
            .filter(|&k| (period(k) - m as f64 * first).abs() < 0.25 * first)
            .max_by(|&a, &b| r[a].total_cmp(&r[b]));
        match near {
            Some(k) => (lag_sum, order_sum) = (lag_sum + m as f64 * period(k), order_sum + (m * m) as f64),
            None => break,
        }
    }
    60.0 * fps * order_sum / lag_sum
}

/// Detects heel strikes and toe offs.
pub fn detect_events(landmarks: &Landmarks, axes: &BodyAxes, options: &EventOptions) -> Result<GaitEvents> {
    if !(options.fps > 0.0 && options.min_stride_seconds >= 0.0) {
        return Err(Error::InvalidOption(format!(
            "fps {} and min_stride_seconds {}",
            options.fps, options.min_stride_seconds
        )));
    }
    let points = Points::new(landmarks);
    let min_distance = (options.min_stride_seconds * options.fps).round() as usize;
    let pelvis = |f: usize| mid(points.get(f, Joint::LeftHip), points.get(f, Joint::RightHip));
    let mut strike_signals = [Vec::new(), Vec::new()];
    let mut off_signals = [Vec::new(), Vec::new()];
    // Each side's limb in every frame, read the right way round where the pose estimator
    // swapped the sides or the legs.
    let limbs: Vec<[Limb; 2]> = points.limbs(axes.left);
    for i in 0..2 {
        strike_signals[i] = (0..points.frames())
            .map(|f| {
                let limb = limbs[f][i];
                dot(
                    sub(points.get_or(f, limb.heel, limb.ankle), pelvis(f)),
                    axes.forward,
                )
            })
            .collect::<Vec<f64>>();
        off_signals[i] = (0..points.frames())
            .map(|f| {
                let limb = limbs[f][i];
                dot(
                    sub(pelvis(f), points.get_or(f, limb.toe, limb.ankle)),
                    axes.forward,
                )
            })
            .collect::<Vec<f64>>();
    }
    let heel_strikes = alternate(
        strike_signals.each_ref().map(|s| peaks(s, min_distance)),
        &strike_signals,
    );
    let toe_offs = alternate(
        off_signals.each_ref().map(|s| peaks(s, min_distance)),
        &off_signals,
    );
    Ok(GaitEvents {
        heel_strikes,
        toe_offs,
    })
}

/// Local maxima above the signal's mean, at least `min_distance` frames apart (the higher kept).
fn peaks(signal: &[f64], min_distance: usize) -> Vec<usize> {
    let finite: Vec<f64> = signal.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return Vec::new();
    }
    let mean = finite.iter().sum::<f64>() / finite.len() as f64;
    let mut candidates: Vec<usize> = (1..signal.len().saturating_sub(1))
        .filter(|&i| {
            let (prev, here, next) = (signal[i - 1], signal[i], signal[i + 1]);
            here > mean && here >= prev && here > next
        })
        .collect();
    candidates.sort_by(|&a, &b| signal[b].total_cmp(&signal[a]));
    let mut kept: Vec<usize> = Vec::new();
    for c in candidates {
        if kept.iter().all(|&k| k.abs_diff(c) >= min_distance.max(1)) {
            kept.push(c);
        }
    }
    kept.sort_unstable();
    kept
}

/// Enforces left/right alternation: of two successive events of one foot, the weaker goes.
fn alternate(per_side: [Vec<usize>; 2], signals: &[Vec<f64>; 2]) -> [Vec<usize>; 2] {
    let mut all = merged(&per_side);
    let index = |side: Side| if side == Side::Left { 0 } else { 1 };
    let mut i = 1;
    while i < all.len() {
        let ((a, side_a), (b, side_b)) = (all[i - 1], all[i]);
        if side_a == side_b {
            let weaker = if signals[index(side_a)][a] < signals[index(side_b)][b] {
                i - 1
            } else {
                i
            };
            all.remove(weaker);
            i = i.max(2) - 1;
        } else {
            i += 1;
        }
    }
    let mut out = [Vec::new(), Vec::new()];
    for (frame, side) in all {
        out[index(side)].push(frame);
    }
    out
}

/// Cuts a walk into steps: from each heel strike to the next heel strike of either foot.
pub fn split_steps(events: &GaitEvents) -> Vec<Range<usize>> {
    events.contacts().windows(2).map(|w| w[0].0..w[1].0).collect()
}

/// Cuts a walk into the strides of one foot: from each of its heel strikes to its next.
pub fn split_strides(events: &GaitEvents, side: Side) -> Vec<Range<usize>> {
    let strikes = &events.heel_strikes[if side == Side::Left { 0 } else { 1 }];
    strikes.windows(2).map(|w| w[0]..w[1]).collect()
}

/// Spatio-temporal parameters of a walk. Lengths are in the landmarks' units (divide by
/// `leg_length` to compare subjects); per-side values are `[left, right]`, `NaN` where the walk
/// has too few events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GaitParameters {
    /// Steps per minute: from how often the ankles pass each other, whichever foot the pose
    /// estimator calls left (see the heel strikes for which of a step and a stride).
    pub cadence: f64,
    /// Mean stride time per side, seconds.
    pub stride_time: [f64; 2],
    /// Mean stride length per side: distance between successive contacts of one foot.
    pub stride_length: [f64; 2],
    /// Mean step length per side (the step that ends with that foot's contact), by the
    /// three-contact definition: |A_f − proj(B)| on the line A_i A_f.
    pub step_length: [f64; 2],
    /// Mean step width: |B − proj(B)|.
    pub step_width: f64,
    /// Stance as a percentage of the stride, per side.
    pub stance_percent: [f64; 2],
    /// Swing as a percentage of the stride, per side.
    pub swing_percent: [f64; 2],
    /// Left/right ratio of step length (1 = symmetric).
    pub step_length_symmetry: f64,
    /// Left/right ratio of stance percentage.
    pub stance_symmetry: f64,
    /// Leg length (hip–knee plus knee–ankle, median), the landmarks' units.
    pub leg_length: f64,
}

fn mean_of(values: &[f64]) -> f64 {
    if values.is_empty() {
        f64::NAN
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

/// Computes the gait parameters from events (positions of the heels at contact, projected on the
/// ground plane of `axes`).
pub fn gait_parameters(
    landmarks: &Landmarks,
    axes: &BodyAxes,
    events: &GaitEvents,
    fps: f64,
) -> GaitParameters {
    let points = Points::new(landmarks);
    let limbs = points.limbs(axes.left);
    let side_index = |side: Side| if side == Side::Left { 0 } else { 1 };
    let contact = |frame: usize, side: Side| -> V3 {
        let limb = limbs[frame][side_index(side)];
        reject(points.get_or(frame, limb.heel, limb.ankle), axes.up)
    };
    let contacts = events.contacts();
    let mut stride_lengths = [Vec::new(), Vec::new()];
    let mut step_lengths = [Vec::new(), Vec::new()];
    let mut widths = Vec::new();
    for w in contacts.windows(3) {
        let ((fi, a), (fb, b), (ff, a2)) = (w[0], w[1], w[2]);
        if a != a2 || a == b {
            continue;
        }
        let (ai, pb, af) = (contact(fi, a), contact(fb, b), contact(ff, a));
        let line = sub(af, ai);
        let stride = norm(line);
        if stride.is_nan() || stride == 0.0 {
            continue;
        }
        let direction = scale(line, 1.0 / stride);
        let projection = crate::geometry::add(ai, scale(direction, dot(sub(pb, ai), direction)));
        stride_lengths[side_index(a)].push(stride);
        step_lengths[side_index(a)].push(norm(sub(af, projection)));
        widths.push(norm(sub(pb, projection)));
    }
    let mut stride_times = [Vec::new(), Vec::new()];
    let mut stances = [Vec::new(), Vec::new()];
    for side in Side::BOTH {
        let i = side_index(side);
        for stride in split_strides(events, side) {
            stride_times[i].push(stride.len() as f64 / fps);
            if let Some(&off) = events.toe_offs[i].iter().find(|&&t| stride.contains(&t)) {
                stances[i].push(100.0 * (off - stride.start) as f64 / stride.len() as f64);
            }
        }
    }
    let counted = match (contacts.first(), contacts.last()) {
        (Some(&(first, _)), Some(&(last, _))) if last > first => {
            60.0 * (contacts.len() - 1) as f64 / ((last - first) as f64 / fps)
        }
        _ => f64::NAN,
    };
    let cadence = steps_per_minute(&points, axes, fps, counted);
    let stance_percent = stances.each_ref().map(|s| mean_of(s));
    let step_length = step_lengths.each_ref().map(|s| mean_of(s));
    GaitParameters {
        cadence,
        stride_time: stride_times.each_ref().map(|s| mean_of(s)),
        stride_length: stride_lengths.each_ref().map(|s| mean_of(s)),
        step_length,
        step_width: mean_of(&widths),
        stance_percent,
        swing_percent: stance_percent.map(|s| 100.0 - s),
        step_length_symmetry: step_length[0] / step_length[1],
        stance_symmetry: stance_percent[0] / stance_percent[1],
        leg_length: leg_length(&points).unwrap_or(f64::NAN),
    }
}
