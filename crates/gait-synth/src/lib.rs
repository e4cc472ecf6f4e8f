//! Synthetic walkers: normal and pathological gaits as MediaPipe-33 landmark sequences, with the
//! true gait events known, so that every example, test and bench runs with no private data.
//!
//! [`walk`] moves a stick figure scaled from height by joint-angle curves over the gait cycle
//! (hip −10..+30°, knee 0..60° with the loading-response bump, ankle −20..+10°, arms opposite to
//! the legs, pelvic rotation, obliquity and bob, trunk lean); a [`Pathology`] changes them.
//! [`render`] adds what pose estimation does to it (jitter, skipped frames, left/right swaps) and
//! optionally projects it through a side-view pinhole camera into image-normalised coordinates.
//! [`cohort`] plans subject-disjoint Training/Testing recordings; [`write_dataset`] writes them in
//! the old pipeline's tree, and [`normal_range`] is the normal cohort's range for reports.
//! Everything is deterministic for a seed.
//!
//! ```
//! use gait_synth::{Pathology, Realism, Subject, render, walk};
//! use rand::SeedableRng;
//!
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
//! let subject = Subject::random(&mut rng, Some((Pathology::Parkinsonian, 0.8)));
//! let clip = walk(&subject, 90, 30.0, &mut rng);
//! let (landmarks, strikes) = render(&clip, &Realism::default(), None, &mut rng);
//! assert_eq!(landmarks.positions().shape()[1..], [33, 3]);
//! assert!(!strikes[0].is_empty());
//! ```

mod dataset;
mod pathology;
mod walker;

use gait_io::{Class, Landmarks, Layout, Split};
use ndarray::Array3;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

pub use dataset::{normal_range, write_dataset, write_recordings};
pub use pathology::Pathology;
pub use walker::{Subject, Walk, walk};

/// What pose estimation does to a walk.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Realism {
    /// Standard deviation of the per-landmark noise, as a share of height.
    pub jitter: f64,
    /// Share of frames where no pose was found (skipped, as the old pipeline skips them).
    pub drop_rate: f64,
    /// Share of frames with left and right landmarks swapped.
    pub swap_rate: f64,
}

impl Default for Realism {
    fn default() -> Self {
        Realism {
            jitter: 0.003,
            drop_rate: 0.02,
            swap_rate: 0.005,
        }
    }
}

/// A pinhole camera on the subject's right, looking across the walkway.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Camera {
    /// Distance from the walking line, metres.
    pub distance: f64,
    /// Height of the camera, metres.
    pub height: f64,
    /// Focal length in image widths.
    pub focal: f64,
    /// Image width over height.
    pub aspect: f64,
    /// Turn with the walker, keeping the pelvis in the middle of the frame (a camera a clinician
    /// pans, or one on a rail), instead of standing still at the middle of the walk. A still
    /// camera sees a long walk from ever more obliquely, and then out of frame.
    #[serde(default)]
    pub pan: bool,
}

impl Default for Camera {
    fn default() -> Self {
        Camera {
            distance: 4.0,
            height: 1.0,
            focal: 0.9,
            aspect: 16.0 / 9.0,
            pan: false,
        }
    }
}

/// Applies `realism` to a walk and, with a camera, projects it to MediaPipe's image coordinates
/// (x, y in image widths and heights, y down; z depth relative to the hips on x's scale), the
/// landmarks knowing the frame's aspect as a video's do.
/// Returns the landmarks and the heel strikes as indices of the frames kept.
pub fn render(
    walk: &Walk,
    realism: &Realism,
    camera: Option<&Camera>,
    rng: &mut ChaCha8Rng,
) -> (Landmarks<'static>, [Vec<usize>; 2]) {
    let frames = walk.positions.shape()[0];
    let height = walk.height;
    let kept: Vec<usize> = (0..frames)
        .filter(|_| rng.random::<f64>() >= realism.drop_rate)
        .collect();
    let centre = walk.positions[[frames / 2, 23, 0]];
    let mut out = Array3::<f32>::zeros((kept.len(), 33, 3));
    for (row, &f) in kept.iter().enumerate() {
        let swap = rng.random::<f64>() < realism.swap_rate;
        for j in 0..33 {
            let source = if swap { mirrored(j) } else { j };
            let mut p = [0.0; 3];
            for (a, value) in p.iter_mut().enumerate() {
                let noise: f64 = rng.sample(StandardNormal);
                *value = walk.positions[[f, source, a]] + realism.jitter * height * noise;
            }
            if let Some(c) = camera {
                let centre = if c.pan {
                    0.5 * (walk.positions[[f, 23, 0]] + walk.positions[[f, 24, 0]])
                } else {
                    centre
                };
                let hips_depth = c.distance + 0.5 * (walk.positions[[f, 23, 1]] + walk.positions[[f, 24, 1]]);
                let depth = c.distance + p[1];
                p = [
                    0.5 + c.focal * (p[0] - centre) / depth,
                    0.5 - c.focal * c.aspect * (p[2] - c.height) / depth,
                    c.focal * (depth - hips_depth) / depth,
                ];
            }
            for a in 0..3 {
                out[[row, j, a]] = p[a] as f32;
            }
        }
    }
    let remap = |strikes: &Vec<usize>| {
        strikes
            .iter()
            .filter_map(|s| kept.iter().position(|k| k >= s))
            .collect()
    };
    let strikes = [remap(&walk.heel_strikes[0]), remap(&walk.heel_strikes[1])];
    let landmarks = Landmarks::new(Layout::MediaPipe33, out)
        .and_then(|l| l.with_aspect(camera.map(|c| c.aspect)))
        .expect("(frames, 33, 3), a positive aspect");
    (landmarks, strikes)
}

/// The MediaPipe landmark of the other side (the nose stays).
fn mirrored(j: usize) -> usize {
    match j {
        0 => 0,
        1..=3 => j + 3,
        4..=6 => j - 3,
        _ if j % 2 == 1 => j + 1,
        _ => j - 1,
    }
}

/// How many subjects and recordings a synthetic cohort has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CohortOptions {
    /// Subjects walking normally.
    pub normal_subjects: usize,
    /// Subjects with a pathology (spread evenly over [`Pathology::ALL`]).
    pub abnormal_subjects: usize,
    /// Recordings (walks) per subject.
    pub recordings_per_subject: usize,
    /// Seconds per recording.
    pub seconds: f64,
    /// Frames per second.
    pub fps: f64,
    /// Share of subjects (per class) in Testing.
    pub test_fraction: f64,
    /// Lowest pathology severity (severities are drawn from it to 1).
    pub min_severity: f64,
    /// Pose-estimation realism.
    pub realism: Realism,
    /// Project into image coordinates through this camera (as MediaPipe's output), or keep metres.
    pub camera: Option<Camera>,
    /// `false`: the classes `Normal` and `Abnormal`. `true`: `Normal` and one class per
    /// pathology, its abnormal subjects spread evenly over them and each class split apart.
    #[serde(default)]
    pub classes: bool,
}

impl Default for CohortOptions {
    fn default() -> Self {
        CohortOptions {
            normal_subjects: 16,
            abnormal_subjects: 28,
            recordings_per_subject: 2,
            seconds: 8.0,
            fps: 30.0,
            test_fraction: 0.3,
            min_severity: 0.4,
            realism: Realism::default(),
            camera: Some(Camera::default()),
            classes: false,
        }
    }
}

impl CohortOptions {
    /// Seconds a recording may last: enough for the two strides a clip needs, and a bound on
    /// memory (an hour at 1000 frames a second is 3.6 million frames a walk).
    pub const SECONDS: std::ops::RangeInclusive<f64> = 4.0..=3600.0;
    /// Frames per second a recording may have.
    pub const FPS: std::ops::RangeInclusive<f64> = 1.0..=1000.0;

    /// Refuses options no cohort can be made of: seconds or frames per second out of their
    /// ranges ([`CohortOptions::SECONDS`], [`CohortOptions::FPS`]), a test share outside 0..1.
    pub fn check(&self) -> gait_io::Result<()> {
        let refuse = |what: String| Err(gait_io::Error::Mismatch(format!("synthetic cohort: {what}")));
        if !Self::SECONDS.contains(&self.seconds) {
            return refuse(format!(
                "{} seconds a recording; choose {} to {} (a clip needs two strides)",
                self.seconds,
                Self::SECONDS.start(),
                Self::SECONDS.end()
            ));
        }
        if !Self::FPS.contains(&self.fps) {
            return refuse(format!(
                "{} frames per second; choose {} to {}",
                self.fps,
                Self::FPS.start(),
                Self::FPS.end()
            ));
        }
        if !(0.0..=1.0).contains(&self.test_fraction) {
            return refuse(format!("a test share of {}; choose 0 to 1", self.test_fraction));
        }
        Ok(())
    }
}

/// One synthetic recording and where it belongs.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// Folder name, unique per subject and walk.
    pub name: String,
    /// Training or Testing (all walks of a subject go to one split).
    pub split: Split,
    /// `Normal`, `Abnormal`, or the pathology's class (see [`CohortOptions::classes`]).
    pub class: Class,
    /// The disorder and its severity, if any.
    pub pathology: Option<(Pathology, f64)>,
    /// The landmarks.
    pub landmarks: Landmarks<'static>,
    /// True heel strikes (frame indices), `[left, right]`.
    pub heel_strikes: [Vec<usize>; 2],
}

/// Generates a subject-disjoint cohort of recordings, deterministically for `seed`; options out
/// of range are refused ([`CohortOptions::check`]).
pub fn cohort(options: &CohortOptions, seed: u64) -> gait_io::Result<Vec<Recording>> {
    options.check()?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let frames = (options.seconds * options.fps).round() as usize;
    let mut out = Vec::new();
    // Each class with the disorder of each of its subjects.
    let spread = |s: usize| Pathology::ALL[s % Pathology::ALL.len()];
    let groups: Vec<(Class, Vec<Option<Pathology>>)> = if options.classes {
        std::iter::once((Class::normal(), vec![None; options.normal_subjects]))
            .chain(Pathology::ALL.into_iter().map(|p| {
                let subjects = (0..options.abnormal_subjects).filter(|&s| spread(s) == p).count();
                (Class::new(p.class_name()), vec![Some(p); subjects])
            }))
            .collect()
    } else {
        vec![
            (Class::normal(), vec![None; options.normal_subjects]),
            (
                Class::abnormal(),
                (0..options.abnormal_subjects).map(|s| Some(spread(s))).collect(),
            ),
        ]
    };
    for (class, disorders) in groups {
        let count = disorders.len();
        let testing = ((count as f64) * options.test_fraction).round() as usize;
        for (s, disorder) in disorders.into_iter().enumerate() {
            let pathology = disorder.map(|p| {
                let severity = options.min_severity + (1.0 - options.min_severity) * rng.random::<f64>();
                (p, severity)
            });
            let subject = Subject::random(&mut rng, pathology);
            let split = if s < testing {
                Split::Testing
            } else {
                Split::Training
            };
            for r in 0..options.recordings_per_subject {
                let walk = walk(&subject, frames, options.fps, &mut rng);
                let (landmarks, heel_strikes) =
                    render(&walk, &options.realism, options.camera.as_ref(), &mut rng);
                let kind = pathology.map_or("normal", |(p, _)| p.name());
                out.push(Recording {
                    name: format!("{kind}_s{s:02}_w{r}"),
                    split,
                    class: class.clone(),
                    pathology,
                    landmarks,
                    heel_strikes,
                });
            }
        }
    }
    Ok(out)
}
