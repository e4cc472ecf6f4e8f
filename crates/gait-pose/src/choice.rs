//! [`Person`]: which of the people in a video to keep, chosen after seeing the whole clip. By
//! default the one who walks: who travels furthest along the ground, measured in their own body
//! heights, with the ankles passing each other as in steps.

use std::path::Path;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::estimator::{Pose, PoseEstimator};
use crate::frame::Frame;
use crate::source::FrameSource;
use crate::track::{People, Track, track_people};

/// Whom to keep of the people a video shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Person {
    /// The one who walks (the default); when nobody does, the one seen largest and longest.
    #[default]
    Walker,
    /// The one seen largest and longest.
    Largest,
    /// Person `k`, numbered from 1 in the order first seen.
    Number(usize),
}

impl FromStr for Person {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "walker" => Ok(Person::Walker),
            "largest" => Ok(Person::Largest),
            k => match k.parse::<usize>() {
                Ok(k) if k >= 1 => Ok(Person::Number(k)),
                _ => Err(format!("person {s:?}: give walker, largest or a number from 1")),
            },
        }
    }
}

/// A person needs this many frames to be considered at all.
const MIN_FRAMES: usize = 10;
/// Travel (body heights) with this many ankle crossings counts as walking.
const MIN_TRAVEL: f64 = 0.5;
const MIN_CROSSINGS: usize = 2;
/// Two people whose median heights in the picture differ by at most this fraction are of a size.
const SAME_SIZE: f64 = 0.25;

/// What a track shows of its person, in pixels of a frame `[width, height]`.
#[derive(Debug, Clone, Copy)]
struct Seen {
    frames: usize,
    /// Median height of the body in the frame, pixels.
    height: f64,
    /// Travel of the hips from the start to the end, in body heights.
    travel: f64,
    /// Times the ankles passed each other along the direction of travel.
    crossings: usize,
}

fn centre(pose: &Pose, a: usize, b: usize, [w, h]: [f64; 2]) -> [f64; 2] {
    let (pa, pb) = (&pose[a], &pose[b]);
    [f64::from(pa.x + pb.x) / 2.0 * w, f64::from(pa.y + pb.y) / 2.0 * h]
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

impl Seen {
    fn of(track: &Track) -> Seen {
        let size = track.frame_size.map(|s| s as f64);
        let poses = &track.poses;
        let height = median(
            poses
                .iter()
                .map(|p| {
                    let ys = p.iter().map(|l| f64::from(l.y) * size[1]);
                    ys.clone().fold(f64::NEG_INFINITY, f64::max) - ys.fold(f64::INFINITY, f64::min)
                })
                .collect(),
        );
        let hips: Vec<[f64; 2]> = poses.iter().map(|p| centre(p, 23, 24, size)).collect();
        let ends = |range: &[[f64; 2]]| [0, 1].map(|axis| median(range.iter().map(|c| c[axis]).collect()));
        let k = hips.len().min(5);
        let (first, last) = (ends(&hips[..k]), ends(&hips[hips.len() - k..]));
        let way = [last[0] - first[0], last[1] - first[1]];
        let distance = way[0].hypot(way[1]);
        // Ankle to ankle along the way travelled: its sign flips at each step.
        let mut crossings = 0;
        let mut sign = 0.0f64;
        if distance > 0.0 {
            for p in poses {
                let (l, r) = (&p[27], &p[28]);
                let d = (f64::from(l.x - r.x) * size[0] * way[0] + f64::from(l.y - r.y) * size[1] * way[1])
                    / distance;
                if d.abs() > 0.05 * height {
                    if sign != 0.0 && d.signum() != sign {
                        crossings += 1;
                    }
                    sign = d.signum();
                }
            }
        }
        Seen {
            frames: poses.len(),
            height,
            travel: if height > 0.0 { distance / height } else { 0.0 },
            crossings,
        }
    }

    fn walks(&self) -> bool {
        self.frames >= MIN_FRAMES && self.travel >= MIN_TRAVEL && self.crossings >= MIN_CROSSINGS
    }

    /// How much the person walks: travel, by steps (up to eight).
    fn score(&self) -> f64 {
        self.travel * self.crossings.min(8) as f64
    }
}

/// What to say of the others who walk beside the walker `chosen` (of `tracks`, seen as `seen`),
/// each with the `--person` that follows them instead: those who walk nearly as much (two side
/// by side), and those of the walker's size seen only before or after them (the walker gone
/// from view and back, numbered anew: tracks are never joined on a guess).
fn others_walking(tracks: &[Track], seen: &[Seen], chosen: usize) -> String {
    let span = |t: &Track| (t.frame_indices.first().copied(), t.frame_indices.last().copied());
    let (start, end) = span(&tracks[chosen]);
    let mut said = String::new();
    for (k, track) in tracks.iter().enumerate() {
        if k == chosen || !seen[k].walks() {
            continue;
        }
        let (number, (from, to)) = (track.person, span(track));
        let alike = (seen[k].height / seen[chosen].height - 1.0).abs() <= SAME_SIZE;
        if alike && (to < start || from > end) {
            said += &format!(
                "; person {number}, of their size, walks {} them (from frame {}): the same walker out of \
                 view and back? --person {number} follows them",
                if to < start { "before" } else { "after" },
                from.unwrap_or_default()
            );
        } else if seen[k].score() >= 0.7 * seen[chosen].score() {
            said += &format!(
                "; person {number} walks too ({:.1} body heights in {} frames): --person {number} follows them",
                seen[k].travel, seen[k].frames
            );
        }
    }
    said
}

impl People {
    /// The track of the person `person` names, with why it was chosen (in [`Track::chosen`]);
    /// the one track, unchanged but for its number, when the video shows one person. A number
    /// that names nobody is an error naming `path`.
    pub fn choose(mut self, person: Person, path: &Path) -> Result<Track> {
        let n = self.tracks.len();
        let seen: Vec<Seen> = self.tracks.iter().map(Seen::of).collect();
        let largest = || {
            (0..n)
                .max_by(|&a, &b| {
                    let size = |i: usize| seen[i].height * seen[i].frames as f64;
                    size(a).total_cmp(&size(b))
                })
                .unwrap_or(0)
        };
        let (index, reason) = match person {
            Person::Number(k) if k > n => {
                return Err(Error::NoSuchPerson {
                    path: path.to_path_buf(),
                    number: k,
                    people: n,
                });
            }
            Person::Number(k) => (k - 1, "as asked".to_string()),
            Person::Largest => (largest(), "seen largest and longest".to_string()),
            Person::Walker => {
                let walker = (0..n)
                    .filter(|&i| seen[i].walks())
                    .max_by(|&a, &b| seen[a].score().total_cmp(&seen[b].score()));
                match walker {
                    Some(i) => (
                        i,
                        format!(
                            "walked {:.1} body heights in {} frames, feet passing {} times{}",
                            seen[i].travel,
                            seen[i].frames,
                            seen[i].crossings,
                            others_walking(&self.tracks, &seen, i)
                        ),
                    ),
                    None => (
                        largest(),
                        "nobody walks (no one travels half a body height with steps): the one seen largest and longest"
                            .to_string(),
                    ),
                }
            }
        };
        let mut track = self.tracks.swap_remove(index);
        if n > 1 {
            track.chosen = Some(format!("person {} of {n}: {reason}", track.person));
        }
        Ok(track)
    }
}

/// [`track_people`], then the walker chosen ([`People::choose`] with [`Person::Walker`]).
pub fn track<'a>(
    estimator: &mut PoseEstimator,
    source: FrameSource<'a>,
    on_frame: impl FnMut(usize, &Frame<'a>, &[(usize, Pose)]),
) -> Result<Track> {
    let path = source.path().to_path_buf();
    track_people(estimator, source, on_frame)?.choose(Person::Walker, &path)
}
