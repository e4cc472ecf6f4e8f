//! [`passes`]: a recording cut into passes, stretches of walking in one direction, without the
//! turns between them (a 10-metre walk test goes out and back).
//!
//! The feet tell which way the body goes: from heel (or ankle) to toe they point ahead, and turn
//! half round at a turn, whatever the view (a hip line seen obliquely through a still camera
//! seems to swing as the walker passes the camera). For landmarks of a video they are taken in
//! the picture (the depth a pose estimator guesses from one image made the feet of rendered
//! walkers seem to point back), where a walk towards or away from the camera shows them end
//! on: the line from the right hip to the left, then seen much longer, tells instead, as it does
//! for layouts without feet (COCO). Each frame's direction is compared with the recording's
//! first; the sign, smoothed by a majority over half a second either side (a pose estimator that
//! mixes up the sides for a few frames is no turn), splits the frames into runs. Half a second
//! at each end of a run, where the body is still turning, is left out, and so are runs too short
//! to hold a stride. A walker standing (the ankles' distance apart, which opens and closes at
//! every step, still for a second), or missing for half a second or more (out of the frame, or
//! hidden: frames of `NaN`, as [`read_landmarks`](gait_io::read_landmarks) puts back the frames
//! `pose` found nobody in) ends a pass too. A recording without a turn or a gap is one pass,
//! every frame of it.

use std::ops::Range;

use gait_io::Landmarks;

use crate::axes::{leg_length, median};
use crate::geometry::{V3, add, dot, norm, sub, unit};
use crate::skeleton::{Joint, Points};

/// Half the window of the majority, and what is left out at each side of a turn, in seconds.
const TURNING_SECONDS: f64 = 0.5;

/// Ankles whose distance apart varies by less than this many leg lengths within a second stand
/// (walking, it opens and closes by a step, half a leg and more, even on a frame squeezed 16:9).
const STANDING_RANGE: f64 = 0.05;

/// The hip line tells the way the body faces instead of the feet where it is seen this many times
/// as long as the two feet (heel to toe) together.
const HIPS_OVER_FEET: f64 = 1.5;

/// A pass shorter than this many seconds holds no stride worth measuring, and is dropped.
const SHORTEST_PASS_SECONDS: f64 = 1.5;

/// The passes of `landmarks` recorded at `fps`, in order: ranges of frames. One pass, the whole
/// recording, when it has no turn or gap (or too few frames showing both hips to tell).
pub fn passes(landmarks: &Landmarks, fps: f64) -> Vec<Range<usize>> {
    let points = Points::new(landmarks);
    let frames = points.frames();
    let whole = std::iter::once(0..frames).collect();
    let feet = |f: usize| {
        let foot = |toe: Joint, heel: Joint, ankle: Joint| {
            points.seen(sub(points.get(f, toe), points.get_or(f, heel, ankle)))
        };
        add(
            foot(Joint::LeftToe, Joint::LeftHeel, Joint::LeftAnkle),
            foot(Joint::RightToe, Joint::RightHeel, Joint::RightAnkle),
        )
    };
    let hip_line = |f: usize| points.seen(sub(points.get(f, Joint::LeftHip), points.get(f, Joint::RightHip)));
    // The feet, unless the hip line is seen clearly longer (a video from the front or the back,
    // whose feet point along the line of sight) or there are none.
    let typical = |line: &dyn Fn(usize) -> V3| {
        median((0..frames).map(|f| norm(line(f))), f64::NEG_INFINITY).unwrap_or(0.0)
    };
    let by_feet = typical(&feet) > 0.0 && typical(&hip_line) <= HIPS_OVER_FEET * typical(&feet);
    let direction = |f: usize| unit(if by_feet { feet(f) } else { hip_line(f) });
    let Some(reference) = (0..frames).find_map(direction) else {
        return whole;
    };
    // +1 going as at the start, -1 the other way, 0 unknown.
    let facing: Vec<i32> = (0..frames)
        .map(|f| direction(f).map_or(0, |h| if dot(h, reference) >= 0.0 { 1 } else { -1 }))
        .collect();
    let half = ((TURNING_SECONDS * fps).round() as usize).max(1);
    let mut smoothed: Vec<i32> = (0..frames)
        .map(|f| {
            let window = &facing[f.saturating_sub(half)..(f + half + 1).min(frames)];
            window.iter().sum::<i32>().signum()
        })
        .collect();
    // A tie takes the side of the frame before it.
    for f in 1..frames {
        if smoothed[f] == 0 {
            smoothed[f] = smoothed[f - 1];
        }
    }
    // Standing: the distance between the ankles, which opens and closes at every step of a
    // walk (whatever the camera does), stays within a twentieth of the leg over half a second
    // either side.
    let leg = leg_length(&points).unwrap_or(f64::NAN);
    let apart: Vec<f64> = (0..frames)
        .map(|f| {
            norm(sub(
                points.get(f, Joint::LeftAnkle),
                points.get(f, Joint::RightAnkle),
            ))
        })
        .collect();
    let stands = |f: usize| {
        let window = apart[f.saturating_sub(half)..(f + half + 1).min(frames)]
            .iter()
            .copied()
            .filter(|d| d.is_finite());
        let (low, high) = window.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), d| {
            (l.min(d), h.max(d))
        });
        high - low < STANDING_RANGE * leg
    };
    // Stretches of walking in view: a walker missing for half a second or more (out of the
    // frame, hidden) or standing ends one; a shorter gap or stop is bridged.
    let seen: Vec<usize> = (0..frames)
        .filter(|&f| {
            [Joint::LeftHip, Joint::RightHip]
                .iter()
                .all(|&j| points.get(f, j).iter().all(|c| c.is_finite()))
        })
        .filter(|&f| !stands(f))
        .collect();
    if seen.is_empty() {
        return whole;
    }
    let mut stretches: Vec<Range<usize>> = Vec::new();
    for (k, &f) in seen.iter().enumerate() {
        match stretches.last_mut() {
            Some(stretch) if f - seen[k - 1] <= half => stretch.end = f + 1,
            _ => stretches.push(f..f + 1),
        }
    }
    let shortest = (SHORTEST_PASS_SECONDS * fps).round() as usize;
    let mut cut: Vec<Range<usize>> = Vec::new();
    for stretch in stretches {
        // Runs of one direction; half a second at each side of a turn left out.
        let mut runs: Vec<Range<usize>> = Vec::new();
        let mut start = stretch.start;
        for f in stretch.start + 1..=stretch.end {
            if f == stretch.end || smoothed[f] != smoothed[start] {
                runs.push(start..f);
                start = f;
            }
        }
        let last = runs.len() - 1;
        cut.extend(runs.iter().enumerate().map(|(k, run)| {
            let from = if k == 0 { run.start } else { run.start + half };
            let to = if k == last {
                run.end
            } else {
                run.end.saturating_sub(half)
            };
            from..to.max(from)
        }));
    }
    if let [only] = cut.as_slice()
        && only.len() == frames
    {
        return whole;
    }
    cut.retain(|pass| pass.len() >= shortest);
    cut
}
