//! [`Following`]: everyone the detector finds in a video, each followed from frame to frame with
//! their own region and smoothing, as MediaPipe follows its one person; and, where two people
//! come close (one passing in front of the other), each looked for where their own motion takes
//! them, so that no track passes from one person to the other.

use crate::estimator::Pose;
use crate::frame::Roi;
use crate::smoothing::Smoother;

/// A person lost for at most this many frames and found again near where their motion took them
/// keeps their number.
const KEEP_LOST: usize = 30;

/// A region the detector finds overlapping a region looked at this frame more than this
/// (intersection over union) holds a person already looked for.
const SAME_PERSON: f32 = 0.3;

/// Two people whose centres are nearer than this, in sides of the larger region (about 1.25 body
/// heights), are crowded: each is looked for where their own motion predicts, and a pose is
/// theirs only when it is there.
const CROWDED: f32 = 0.6;

/// A crowded person's pose is theirs when its centre is within this many sides of their region
/// from where their motion predicts (an eighth of a body height).
const ON_COURSE: f32 = 0.1;

/// Two poses whose landmarks are this close on average, in sides of the region, show one person.
const SAME_POSE: f32 = 0.05;

/// Two people whose velocities differ by less than this, in sides of the region per second, move
/// together: when their poses are one, one person is followed twice.
const SAME_MOTION: f32 = 0.3;

/// The weight of each new measurement of a person's velocity.
const VELOCITY_WEIGHT: f32 = 0.3;

/// One person followed.
#[derive(Debug)]
struct Followed {
    /// Numbered from 1, in the order first found (0 until then).
    number: usize,
    smoother: Smoother,
    /// Where to look in the next frame; `None` while lost.
    next: Option<Roi>,
    /// Where they were last seen, and in which frame.
    last: Roi,
    seen: usize,
    /// Stopped for good: found where someone followed longer was.
    retired: bool,
    /// Where their motion is predicted from (the centre, in frame heights, x scaled by the
    /// aspect), and its time: where they were last seen uncrowded.
    anchor: [f32; 2],
    at: f64,
    /// How fast the centre moves, frame heights per second; `None` until seen twice.
    velocity: Option<[f32; 2]>,
    /// Near someone else in this frame.
    crowded: bool,
    /// Lost while crowded: looked for where their motion takes them until found or given up.
    coasting: bool,
}

impl Followed {
    /// Where their motion takes them at `time`.
    fn predicted(&self, time: f64) -> [f32; 2] {
        let [vx, vy] = self.velocity.unwrap_or([0.0; 2]);
        let dt = (time - self.at) as f32;
        let dt = if dt.is_finite() { dt } else { 0.0 };
        [self.anchor[0] + vx * dt, self.anchor[1] + vy * dt]
    }

    /// Lost at most [`KEEP_LOST`] frames before `frame` and not retired.
    fn lost_lately(&self, frame: usize) -> bool {
        self.next.is_none() && !self.retired && frame - self.seen <= KEEP_LOST
    }
}

/// Everyone followed in a video.
#[derive(Debug, Default)]
pub(crate) struct Following {
    followed: Vec<Followed>,
    /// Frames begun.
    frame: usize,
    /// The time of the frame begun, seconds, and its width over its height.
    time: f64,
    aspect: f32,
    /// When the detector last looked for everyone, seconds.
    looked: Option<f64>,
    /// People found so far.
    numbered: usize,
}

fn distance(a: [f32; 2], b: [f32; 2]) -> f32 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

impl Following {
    /// A region's centre in frame heights (x scaled by the aspect).
    fn centre(&self, roi: &Roi) -> [f32; 2] {
        [roi.x_center * self.aspect, roi.y_center]
    }

    /// Starts the frame shown at `time`, `aspect` times as wide as high: the people to look for,
    /// as `(slot, region)`, and whether the detector should look for others too (when someone
    /// followed is lost, and `every` seconds). People near someone else are looked for where
    /// their own motion predicts, those lost there too.
    pub(crate) fn begin_frame(&mut self, time: f64, every: f64, aspect: f32) -> (Vec<(usize, Roi)>, bool) {
        self.frame += 1;
        (self.time, self.aspect) = (time, aspect);
        let frame = self.frame;
        let active = |p: &Followed| p.next.is_some() || p.lost_lately(frame);
        let places: Vec<Option<([f32; 2], f32)>> = self
            .followed
            .iter()
            .map(|p| active(p).then(|| (p.predicted(time), p.last.height)))
            .collect();
        for (slot, p) in self.followed.iter_mut().enumerate() {
            p.crowded = places[slot].is_some_and(|(here, side)| {
                places.iter().enumerate().any(|(other, place)| {
                    place.is_some_and(|(there, s)| {
                        other != slot && distance(here, there) < CROWDED * side.max(s)
                    })
                })
            });
        }
        let followed: Vec<(usize, Roi)> = self
            .followed
            .iter()
            .enumerate()
            .filter_map(|(slot, p)| {
                let roi = match p.next {
                    Some(roi) => roi,
                    None if p.coasting && p.lost_lately(frame) => p.last,
                    None => return None,
                };
                if !p.crowded && p.next.is_some() {
                    return Some((slot, roi));
                }
                let [x, y] = p.predicted(time);
                Some((
                    slot,
                    Roi {
                        x_center: x / aspect,
                        y_center: y,
                        ..roi
                    },
                ))
            })
            .collect();
        let lost_lately = self.followed.iter().any(|p| p.lost_lately(frame));
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

    /// Whether a pose found at region `found` can be the person in `slot`: always, unless they
    /// are crowded, when it must be where their motion predicts, and nearer there than where
    /// anyone else's motion takes them.
    pub(crate) fn accepts(&self, slot: usize, found: &Roi) -> bool {
        let p = &self.followed[slot];
        if !p.crowded {
            return true;
        }
        let (here, frame) = (self.centre(found), self.frame);
        let miss = distance(here, p.predicted(self.time));
        miss < ON_COURSE * p.last.height
            && self.followed.iter().enumerate().all(|(other, q)| {
                other == slot
                    || !(q.next.is_some() || q.lost_lately(frame))
                    || distance(here, q.predicted(self.time)) > miss
            })
    }

    /// The smoother of the person in `slot`.
    pub(crate) fn smoother(&mut self, slot: usize) -> &mut Smoother {
        &mut self.followed[slot].smoother
    }

    /// The person in `slot` was found, and is to be looked for at `next`; or lost (`None`).
    pub(crate) fn update(&mut self, slot: usize, next: Option<Roi>) {
        let (frame, time) = (self.frame, self.time);
        let here = next.map(|roi| self.centre(&roi));
        let person = &mut self.followed[slot];
        person.next = next;
        match (next, here) {
            (Some(roi), Some(here)) => {
                if person.number == 0 {
                    self.numbered += 1;
                    person.number = self.numbered;
                }
                person.last = roi;
                person.seen = frame;
                person.coasting = false;
                if !person.crowded {
                    let dt = (time - person.at) as f32;
                    if dt > 0.0 && dt.is_finite() {
                        let measured = [0, 1].map(|k| (here[k] - person.anchor[k]) / dt);
                        person.velocity = Some(match person.velocity {
                            Some(v) => [0, 1].map(|k| v[k] + VELOCITY_WEIGHT * (measured[k] - v[k])),
                            None => measured,
                        });
                    }
                    (person.anchor, person.at) = (here, time);
                }
            }
            _ => {
                person.smoother.reset();
                person.coasting = person.crowded;
            }
        }
    }

    /// The slot of the person the detector found at `roi`: someone lost lately whose motion
    /// took them near there, or someone new. `None` when one of the regions `taken` this frame
    /// (someone followed, or lost in this very frame) holds them.
    pub(crate) fn place(&mut self, roi: &Roi, taken: &[Roi]) -> Option<usize> {
        if taken.iter().any(|t| overlap(t, roi) > SAME_PERSON) {
            return None;
        }
        let (frame, time, here) = (self.frame, self.time, self.centre(roi));
        let lost = self
            .followed
            .iter()
            .enumerate()
            .filter(|(_, p)| p.lost_lately(frame))
            .map(|(slot, p)| {
                (
                    slot,
                    distance(p.predicted(time), here) / p.last.height.max(roi.height),
                )
            })
            .filter(|&(_, d)| d < 1.0)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(slot, _)| slot);
        Some(lost.unwrap_or_else(|| {
            self.followed.push(Followed {
                number: 0,
                smoother: Smoother::new(),
                next: None,
                last: *roi,
                seen: frame,
                retired: false,
                anchor: here,
                at: time,
                velocity: None,
                crowded: false,
                coasting: false,
            });
            self.followed.len() - 1
        }))
    }

    /// The number of the person in `slot`.
    pub(crate) fn number(&self, slot: usize) -> usize {
        self.followed[slot].number
    }

    /// Ends a frame in which the people in `found` slots were found with these poses, and
    /// returns the slots whose poses are kept. Where two found show one person: if the two moved
    /// together, one person is followed twice, and the one numbered later stops for good; if not
    /// (two people crossing), the pose belongs to the one whose motion predicts it best, and the
    /// other is looked for where their motion takes them.
    pub(crate) fn end_frame(&mut self, found: &[(usize, &Pose)]) -> Vec<usize> {
        let mut found = found.to_vec();
        found.sort_by_key(|&(slot, _)| self.followed[slot].number);
        let mut kept: Vec<(usize, &Pose)> = Vec::with_capacity(found.len());
        for (slot, pose) in found {
            let side = self.followed[slot].last.height;
            let twin = kept
                .iter()
                .position(|&(k, other)| self.same_pose(pose, other, side.max(self.followed[k].last.height)));
            let Some(at) = twin else {
                kept.push((slot, pose));
                continue;
            };
            let other = kept[at].0;
            let (a, b) = (&self.followed[other], &self.followed[slot]);
            let together = match (a.velocity, b.velocity) {
                (Some(va), Some(vb)) => distance(va, vb) < SAME_MOTION * side,
                _ => true,
            };
            if together {
                self.update(slot, None);
                self.followed[slot].retired = true;
                continue;
            }
            let centre = self.hips(pose);
            let miss = |p: &Followed| distance(p.predicted(self.time), centre);
            if miss(b) < miss(a) {
                kept[at] = (slot, pose);
                self.drop_pose(other);
            } else {
                self.drop_pose(slot);
            }
        }
        kept.into_iter().map(|(slot, _)| slot).collect()
    }

    /// The person in `slot` is not kept this frame: looked for where their motion takes them.
    fn drop_pose(&mut self, slot: usize) {
        self.followed[slot].crowded = true;
        self.update(slot, None);
    }

    /// The centre of the hips of `pose`, in frame heights.
    fn hips(&self, pose: &Pose) -> [f32; 2] {
        let (l, r) = (&pose[23], &pose[24]);
        [(l.x + r.x) / 2.0 * self.aspect, (l.y + r.y) / 2.0]
    }

    /// Whether poses `a` and `b` show one person: their landmarks on average within
    /// [`SAME_POSE`] of `side`.
    fn same_pose(&self, a: &Pose, b: &Pose, side: f32) -> bool {
        let mean = a
            .iter()
            .zip(b)
            .map(|(p, q)| distance([p.x * self.aspect, p.y], [q.x * self.aspect, q.y]))
            .sum::<f32>()
            / a.len() as f32;
        mean < SAME_POSE * side
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
