//! [`Following`]: everyone the detector finds in a video, each followed from frame to frame with
//! their own region and smoothing, as MediaPipe follows its one person.

use crate::frame::Roi;
use crate::smoothing::Smoother;

/// A person lost for at most this many frames and found again near where they were keeps their
/// number.
const KEEP_LOST: usize = 30;

/// Regions overlapping more than this (intersection over union) hold the same person.
const SAME_PERSON: f32 = 0.3;

/// One person followed.
#[derive(Debug)]
struct Followed {
    /// Numbered from 1, in the order first seen.
    number: usize,
    smoother: Smoother,
    /// Where to look in the next frame; `None` while lost.
    next: Option<Roi>,
    /// Where they were last seen, and in which frame.
    last: Roi,
    seen: usize,
    /// Stopped for good: found where someone followed longer was.
    retired: bool,
}

/// Everyone followed in a video.
#[derive(Debug, Default)]
pub(crate) struct Following {
    followed: Vec<Followed>,
    /// Frames begun.
    frame: usize,
    /// When the detector last looked for everyone, seconds.
    looked: Option<f64>,
}

impl Following {
    /// Starts the frame shown at `time`: the people to look for where they were, as
    /// `(slot, region)`, and whether the detector should look for others too (when someone
    /// followed is lost, and `every` seconds).
    pub(crate) fn begin_frame(&mut self, time: f64, every: f64) -> (Vec<(usize, Roi)>, bool) {
        self.frame += 1;
        let followed: Vec<(usize, Roi)> = self
            .followed
            .iter()
            .enumerate()
            .filter_map(|(slot, p)| p.next.map(|roi| (slot, roi)))
            .collect();
        let frame = self.frame;
        let lost_lately = self
            .followed
            .iter()
            .any(|p| p.next.is_none() && !p.retired && frame - p.seen <= KEEP_LOST);
        // A time that is not a number (a broken clock) looks every frame.
        let due = self
            .looked
            .is_none_or(|t| (time - t >= every) || (time - t).is_nan());
        let look = followed.is_empty() || lost_lately || due;
        if look {
            self.looked = Some(time);
        }
        (followed, look)
    }

    /// The smoother of the person in `slot`.
    pub(crate) fn smoother(&mut self, slot: usize) -> &mut Smoother {
        &mut self.followed[slot].smoother
    }

    /// The person in `slot` was found, and is to be looked for at `next`; or lost (`None`).
    pub(crate) fn update(&mut self, slot: usize, next: Option<Roi>) {
        let person = &mut self.followed[slot];
        person.next = next;
        match next {
            Some(roi) => {
                person.last = roi;
                person.seen = self.frame;
            }
            None => person.smoother.reset(),
        }
    }

    /// The slot of the person the detector found at `roi` in a frame `aspect` times as wide as
    /// high: someone lost lately who was last seen near there, or someone new. `None` when one
    /// of the regions `taken` this frame (someone followed, or lost in this very frame) holds them.
    pub(crate) fn place(&mut self, roi: &Roi, taken: &[Roi], aspect: f32) -> Option<usize> {
        if taken.iter().any(|t| overlap(t, roi) > SAME_PERSON) {
            return None;
        }
        let near = |p: &Followed| {
            let (dx, dy) = (
                (p.last.x_center - roi.x_center) * aspect,
                p.last.y_center - roi.y_center,
            );
            dx.hypot(dy) < p.last.height.max(roi.height)
        };
        let frame = self.frame;
        let lost = self
            .followed
            .iter()
            .enumerate()
            .filter(|(_, p)| p.next.is_none() && !p.retired && frame - p.seen <= KEEP_LOST && near(p))
            .min_by_key(|(_, p)| frame - p.seen)
            .map(|(slot, _)| slot);
        Some(lost.unwrap_or_else(|| {
            self.followed.push(Followed {
                number: self.followed.len() + 1,
                smoother: Smoother::new(),
                next: None,
                last: *roi,
                seen: frame,
                retired: false,
            });
            self.followed.len() - 1
        }))
    }

    /// The number of the person in `slot`.
    pub(crate) fn number(&self, slot: usize) -> usize {
        self.followed[slot].number
    }

    /// Ends a frame in which the people in `found` slots were found: where two of them are now
    /// followed in one place (one region slid onto the other's person), the one seen later
    /// stops, so that no number passes from one person to another. Returns the slots kept.
    pub(crate) fn end_frame(&mut self, found: &[usize]) -> Vec<usize> {
        let mut kept: Vec<usize> = Vec::with_capacity(found.len());
        let mut sorted = found.to_vec();
        sorted.sort_by_key(|&slot| self.followed[slot].number);
        for slot in sorted {
            let here = self.followed[slot].last;
            if kept
                .iter()
                .any(|&k| overlap(&self.followed[k].last, &here) > SAME_PERSON)
            {
                self.update(slot, None);
                self.followed[slot].retired = true;
            } else {
                kept.push(slot);
            }
        }
        kept
    }
}

/// Intersection over union of two regions, their rotation ignored.
fn overlap(a: &Roi, b: &Roi) -> f32 {
    let edges = |r: &Roi| {
        [
            r.x_center - r.width / 2.0,
            r.y_center - r.height / 2.0,
            r.x_center + r.width / 2.0,
            r.y_center + r.height / 2.0,
        ]
    };
    let (a, b) = (edges(a), edges(b));
    let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = w * h;
    let union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
    if union > 0.0 { inter / union } else { 0.0 }
}
