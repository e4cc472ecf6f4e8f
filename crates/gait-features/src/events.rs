//! Gait events and what follows from them: heel strikes and toe offs by Zeni's coordinate method,
//! step and stride splitting, and spatio-temporal gait parameters.
//!
//! Zeni et al. (2008): a heel strike is a maximum of the heel's position ahead of the pelvis along
//! the walking direction, a toe off a maximum of the pelvis's position ahead of the toe. Each
//! foot is read by its name, left and right alternating; or, where a pose estimator names the
//! legs by which one is in front, whichever foot leads (trails), the feet striking in turn
//! ([`detect_events`]). Layouts without heel (toe) points use the ankle.

use std::ops::Range;

use gait_io::Landmarks;
use serde::{Deserialize, Serialize};

use crate::axes::{BodyAxes, body_size, leg_length};
use crate::error::{Error, Result};
use crate::geometry::{V3, dot, mid, norm, reject, scale, sub};
use crate::skeleton::{Joint, Limb, Points, Side};
use crate::view::View;

/// Options of event detection.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EventOptions {
    /// Frames per second of the landmarks (the old pipeline stored none; 30 is usual).
    pub fps: f64,
    /// The shortest stride to accept, in seconds: peaks of one foot closer than this are merged
    /// (of the two feet read in turn, closer than half of it).
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
    /// The feet were read in turn, not by the names the pose estimator gave the legs
    /// ([`detect_events`]): the foot striking is the one in front, whatever it is called.
    #[serde(default)]
    pub feet_in_turn: bool,
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
fn steps_per_minute(points: &Points<'_>, ahead: V3, fps: f64, counted: f64) -> f64 {
    let size = body_size(points);
    let gap: Vec<f64> = (0..points.frames())
        .map(|f| {
            let gap = sub(points.get(f, Joint::LeftAnkle), points.get(f, Joint::RightAnkle));
            (dot(gap, ahead) * size[f]).abs()
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

/// The direction in which a step forward carries a foot, as `landmarks` show it: the walking
/// direction of `axes`, except in a video seen from the front or the back, whose depths the pose
/// estimator guessed from one image: there the picture's down for a walk towards the camera (the
/// foot ahead is the nearer, and the camera above the feet sees it lower) and its up for one away.
fn stepping(landmarks: &Landmarks, axes: &BodyAxes) -> V3 {
    match (landmarks.aspect(), View::of(axes)) {
        (Some(_), View::Front) => scale(axes.up, -1.0),
        (Some(_), View::Back) => axes.up,
        _ => axes.forward,
    }
}

/// Detects heel strikes and toe offs.
///
/// The feet are read two ways, and the one whose steps are regular kept (by name, unless in turn
/// is clearly more regular):
/// - by name: each foot's own peaks, left and right alternating (of two successive events of one
///   foot, the weaker dropped). Right wherever the legs are named right, even for a foot that
///   hardly gets ahead of the pelvis;
/// - in turn ([`GaitEvents::feet_in_turn`]): the peaks of whichever foot leads (trails), the
///   strikes given to the feet in turn, the left's being those whose leading legs are mostly
///   called left. Right where a single camera's pose estimator calls the leg in front the left
///   one, as it often does; the feet still strike in turn.
///
/// A toe off read in turn is of the foot opposite to the strike nearest it (the trailing foot
/// leaves the ground just after the other lands).
pub fn detect_events(landmarks: &Landmarks, axes: &BodyAxes, options: &EventOptions) -> Result<GaitEvents> {
    if !(options.fps > 0.0 && options.min_stride_seconds >= 0.0) {
        return Err(Error::InvalidOption(format!(
            "fps {} and min_stride_seconds {}",
            options.fps, options.min_stride_seconds
        )));
    }
    let points = Points::new(landmarks);
    let frames = points.frames();
    let stride = (options.min_stride_seconds * options.fps).round() as usize;
    // Each side's limb in every frame, read the right way round where the pose estimator
    // swapped the sides or the legs.
    let limbs: Vec<[Limb; 2]> = points.limbs(axes.left);
    let pelvis = |f: usize| mid(points.get(f, Joint::LeftHip), points.get(f, Joint::RightHip));
    // Along the step, in the body's size of each frame (a walker coming towards the camera or
    // going away steps as far in each).
    let (ahead, size) = (stepping(landmarks, axes), body_size(&points));
    let along = |end: fn(Limb) -> Joint, sign: f64| -> [Vec<f64>; 2] {
        [0, 1].map(|i| {
            (0..frames)
                .map(|f| {
                    let limb = limbs[f][i];
                    sign * dot(sub(points.get_or(f, end(limb), limb.ankle), pelvis(f)), ahead) * size[f]
                })
                .collect()
        })
    };
    let heel_ahead = along(|limb| limb.heel, 1.0);
    let toe_behind = along(|limb| limb.toe, -1.0);
    let named = GaitEvents {
        heel_strikes: alternate(heel_ahead.each_ref().map(|s| peaks(s, stride)), &heel_ahead),
        toe_offs: alternate(toe_behind.each_ref().map(|s| peaks(s, stride)), &toe_behind),
        feet_in_turn: false,
    };
    let in_turn = in_turn(&heel_ahead, &toe_behind, stride / 2);
    let fastest = (FASTEST_STEP * options.fps).round() as usize;
    Ok(
        if regularity(&in_turn, fastest) > regularity(&named, fastest) + 0.1 {
            in_turn
        } else {
            named
        },
    )
}

/// No one walks faster than a step in this many seconds (200 steps a minute).
const FASTEST_STEP: f64 = 0.3;

/// The share of the steps between `events`' heel strikes that last within a quarter of their
/// median; none when that median is under `fastest` frames (a reading at half steps).
fn regularity(events: &GaitEvents, fastest: usize) -> f64 {
    let mut steps: Vec<usize> = events.contacts().windows(2).map(|w| w[1].0 - w[0].0).collect();
    if steps.is_empty() {
        return 0.0;
    }
    steps.sort_unstable();
    let median = steps[steps.len() / 2] as f64;
    if median < fastest as f64 {
        return 0.0;
    }
    let regular = steps
        .iter()
        .filter(|&&s| (s as f64 - median).abs() <= 0.25 * median)
        .count();
    regular as f64 / steps.len() as f64
}

/// The events of feet read in turn (see [`detect_events`]) from each named foot's heel ahead
/// of the pelvis and the pelvis ahead of its toe; events of the two feet closer than
/// `min_distance` frames are one.
fn in_turn(heel_ahead: &[Vec<f64>; 2], toe_behind: &[Vec<f64>; 2], min_distance: usize) -> GaitEvents {
    // Per frame, the larger of the two feet's values, and which foot it is.
    let foremost = |[a, b]: &[Vec<f64>; 2]| -> (Vec<f64>, Vec<usize>) {
        a.iter()
            .zip(b)
            .map(|(&a, &b)| if b > a || a.is_nan() { (b, 1) } else { (a, 0) })
            .unzip()
    };
    let (heel, leading) = foremost(heel_ahead);
    let (toe, _) = foremost(toe_behind);
    let strikes = peaks(&heel, min_distance);
    let even_left = strikes
        .iter()
        .enumerate()
        .filter(|&(k, &f)| (leading[f] == 0) == k.is_multiple_of(2))
        .count()
        * 2
        >= strikes.len();
    let side_of = |k: usize| usize::from(k.is_multiple_of(2) != even_left);
    let mut events = GaitEvents {
        feet_in_turn: true,
        ..GaitEvents::default()
    };
    for (k, &f) in strikes.iter().enumerate() {
        events.heel_strikes[side_of(k)].push(f);
    }
    for off in peaks(&toe, min_distance) {
        if let Some(k) = (0..strikes.len()).min_by_key(|&k| strikes[k].abs_diff(off)) {
            events.toe_offs[1 - side_of(k)].push(off);
        }
    }
    events
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
    // Where a foot lands: the heel of the foot named, or of the foot in front for feet read in
    // turn.
    let ahead = stepping(landmarks, axes);
    let contact = |frame: usize, side: Side| -> V3 {
        let [a, b] = limbs[frame].map(|limb| points.get_or(frame, limb.heel, limb.ankle));
        let second = if events.feet_in_turn {
            dot(b, ahead) > dot(a, ahead) || a.iter().any(|v| v.is_nan())
        } else {
            side == Side::Right
        };
        reject(if second { b } else { a }, axes.up)
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
    let cadence = steps_per_minute(&points, ahead, fps, counted);
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
