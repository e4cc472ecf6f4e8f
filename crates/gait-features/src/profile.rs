//! A walk's gait profile, the numbers of a one-page report: spatio-temporal parameters, the
//! sagittal joint angles over the gait cycle per side, what could not be measured and why; and
//! the normal range they are read against.

use std::ops::Range;
use std::path::Path;

use gait_io::{Dataset, FeatureSequence, Landmarks, Require, Split, read_landmarks};

use crate::passes::passes;
use crate::{
    BodyAxes, Error, EventOptions, GaitParameters, Hidden, Result, Side, View, default_features,
    detect_events, gait_parameters, split_strides,
};

/// Points of a gait cycle a curve is sampled at: 0%, 1%, ..., 100%.
pub const CYCLE_POINTS: usize = 101;

/// The joints whose sagittal angles a profile follows over the cycle.
pub const JOINTS: [&str; 3] = ["hip_flexion", "knee_flexion", "ankle_dorsiflexion"];

/// The parameters a profile reports, by name and unit; lengths in leg lengths, so that walks
/// measured in metres and in image units compare.
pub const PARAMETERS: [(&str, &str); 11] = [
    ("cadence", "steps/min"),
    ("stride length, left", "leg lengths"),
    ("stride length, right", "leg lengths"),
    ("step length, left", "leg lengths"),
    ("step length, right", "leg lengths"),
    ("step width", "leg lengths"),
    ("stance, left", "% of stride"),
    ("stance, right", "% of stride"),
    ("swing, left", "% of stride"),
    ("step length symmetry", "left / right"),
    ("stance symmetry", "left / right"),
];

/// A stride shorter than this many leg lengths is no stride seen on the ground.
const STILL_GROUND: f64 = 0.1;

/// A joint angle over the gait cycle: the mean and standard deviation over strides at each of
/// [`CYCLE_POINTS`] points, degrees.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// Mean at each point of the cycle.
    pub mean: Vec<f64>,
    /// Standard deviation at each point (0 with one stride).
    pub sd: Vec<f64>,
    /// Strides averaged.
    pub strides: usize,
}

/// What a walk shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// The spatio-temporal parameters, when the walk shows at least two strides of a foot.
    pub parameters: Option<GaitParameters>,
    /// `curves[side][joint]` for [`Side::BOTH`] and [`JOINTS`], where the side shows a whole
    /// stride with the joint seen throughout.
    pub curves: [[Option<Curve>; 3]; 2],
    /// How the camera saw the walk, for landmarks of a video frame (those with an
    /// [`aspect`](gait_io::Landmarks::aspect)); what that view cannot measure is left out.
    pub view: Option<View>,
    /// What could not be measured, and why.
    pub notes: Vec<String>,
    /// A walk that turns: each pass ([`passes`]) profiled alone, in order; this profile is then
    /// their summary (curves pooled over every stride, parameters averaged over the passes by
    /// their length). Empty for a walk without a turn.
    pub passes: Vec<Pass>,
}

/// One pass of a walk that turns, and its profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Pass {
    /// Its frames in the recording.
    pub frames: Range<usize>,
    /// What it shows.
    pub profile: Profile,
}

impl Profile {
    /// The profile of `landmarks` recorded at `fps`, each pass of a walk that turns alone and
    /// then summed up. Never fails: what cannot be measured is left out and said in
    /// [`Profile::notes`].
    pub fn of(landmarks: &Landmarks, fps: f64) -> Profile {
        let cut = passes(landmarks, fps);
        if let [only] = cut.as_slice()
            && only.len() == landmarks.frames()
        {
            return Profile::of_pass(landmarks, fps);
        }
        let passes: Vec<Pass> = cut
            .into_iter()
            .map(|frames| Pass {
                profile: match landmarks.frames_in(frames.clone()) {
                    Ok(part) => Profile::of_pass(&part, fps),
                    Err(e) => Profile::nothing(vec![format!("nothing measured: {e}")]),
                },
                frames,
            })
            .collect();
        Profile::summary(passes)
    }

    /// A profile with nothing measured yet, and `notes`.
    fn nothing(notes: Vec<String>) -> Profile {
        Profile {
            parameters: None,
            curves: Default::default(),
            view: None,
            notes,
            passes: Vec::new(),
        }
    }

    /// The summary of the `passes` of a walk that turns.
    fn summary(passes: Vec<Pass>) -> Profile {
        let listed: Vec<String> = passes
            .iter()
            .map(|p| format!("{}-{}", p.frames.start, p.frames.end - 1))
            .collect();
        let mut notes = vec![format!(
            "the walk turns: {} passes (frames {}), each measured alone; the turns between them are left out",
            passes.len(),
            listed.join(", ")
        )];
        if passes.is_empty() {
            notes.push("no pass is long enough to measure".into());
        }
        for (k, pass) in passes.iter().enumerate() {
            notes.extend(pass.profile.notes.iter().map(|n| format!("pass {}: {n}", k + 1)));
        }
        let curves = std::array::from_fn(|s| {
            std::array::from_fn(|j| pooled(passes.iter().filter_map(|p| p.profile.curves[s][j].as_ref())))
        });
        let views: Vec<Option<View>> = passes.iter().map(|p| p.profile.view).collect();
        Profile {
            parameters: None,
            curves,
            view: views
                .first()
                .copied()
                .flatten()
                .filter(|v| views.iter().all(|w| *w == Some(*v))),
            notes,
            passes,
        }
    }

    /// The profile of one pass.
    fn of_pass(landmarks: &Landmarks, fps: f64) -> Profile {
        let mut profile = Profile::nothing(Vec::new());
        let axes = match BodyAxes::estimate(landmarks) {
            Ok(axes) => axes,
            Err(e) => {
                profile.notes.push(format!("nothing measured: {e}"));
                return profile;
            }
        };
        let events = match detect_events(
            landmarks,
            &axes,
            &EventOptions {
                fps,
                ..EventOptions::default()
            },
        ) {
            Ok(events) => events,
            Err(e) => {
                profile.notes.push(format!("no gait events: {e}"));
                return profile;
            }
        };
        let strides = Side::BOTH.map(|side| split_strides(&events, side));
        if strides.iter().all(|s| s.len() < 2) {
            profile.notes.push(format!(
                "fewer than two strides of either foot ({} left, {} right): no spatio-temporal parameters",
                strides[0].len(),
                strides[1].len()
            ));
        } else {
            profile.parameters = Some(gait_parameters(landmarks, &axes, &events, fps));
        }
        let features = default_features(landmarks, &axes);
        for (s, side) in Side::BOTH.into_iter().enumerate() {
            let side = side.name();
            if strides[s].is_empty() {
                profile.notes.push(format!(
                    "no whole stride of the {side} foot: no {side} angle curves"
                ));
                continue;
            }
            for (j, joint) in JOINTS.into_iter().enumerate() {
                let column = format!("{side}_{joint}");
                let cycles: Vec<Vec<f64>> = strides[s]
                    .iter()
                    .filter_map(|stride| resample(&features, &column, stride.clone()))
                    .collect();
                match curve(&cycles) {
                    Some(c) => profile.curves[s][j] = Some(c),
                    None => profile.notes.push(format!(
                        "{column}: not seen through any stride (a joint missing in this layout, or hidden)"
                    )),
                }
            }
        }
        profile.leave_out_lengths_the_ground_does_not_show();
        if landmarks.aspect().is_some() {
            profile.leave_out_what_the_view_hides(View::of(&axes));
        }
        profile
    }

    /// Leaves out stride and step lengths when the feet do not move on over the ground from one
    /// contact to the next (strides under a tenth of the leg's length, where walking takes one
    /// to two leg lengths a stride): a camera that pans with the walker, or a treadmill.
    fn leave_out_lengths_the_ground_does_not_show(&mut self) {
        let Some(p) = &mut self.parameters else {
            return;
        };
        let stride = (p.stride_length[0] + p.stride_length[1]) / 2.0 / p.leg_length;
        if stride < STILL_GROUND {
            p.stride_length = [f64::NAN; 2];
            p.step_length = [f64::NAN; 2];
            p.step_length_symmetry = f64::NAN;
            self.notes.push(format!(
                "stride and step lengths: the feet move on {stride:.2} leg lengths a stride over the ground \
                 the picture shows; the camera follows the walker (or a treadmill carries them back)"
            ));
        }
    }

    /// Records `view` and leaves out what it cannot measure, saying why.
    fn leave_out_what_the_view_hides(&mut self, view: View) {
        self.view = Some(view);
        for &hidden in view.cannot_measure() {
            match (hidden, &mut self.parameters) {
                (Hidden::JointAngles, _) => self.curves = Default::default(),
                (Hidden::StepWidth, Some(p)) => p.step_width = f64::NAN,
                (Hidden::StrideAndStepLengths, Some(p)) => {
                    p.stride_length = [f64::NAN; 2];
                    p.step_length = [f64::NAN; 2];
                    p.step_length_symmetry = f64::NAN;
                }
                _ => {}
            }
            self.notes
                .push(format!("{}, not measurable from a {view} view", hidden.reason()));
        }
    }

    /// The parameter values in the order of [`PARAMETERS`], lengths divided by the leg length;
    /// `NaN` where not measured. For a walk that turns, each the mean over the passes that
    /// measured it, weighted by their frames.
    pub fn parameter_values(&self) -> [f64; 11] {
        if !self.passes.is_empty() {
            let each: Vec<([f64; 11], f64)> = self
                .passes
                .iter()
                .map(|p| (p.profile.parameter_values(), p.frames.len() as f64))
                .collect();
            return std::array::from_fn(|k| {
                let (sum, weight) = each
                    .iter()
                    .filter(|(v, _)| v[k].is_finite())
                    .fold((0.0, 0.0), |(s, w), (v, n)| (s + v[k] * n, w + n));
                if weight > 0.0 { sum / weight } else { f64::NAN }
            });
        }
        let Some(p) = &self.parameters else {
            return [f64::NAN; 11];
        };
        let leg = p.leg_length;
        [
            p.cadence,
            p.stride_length[0] / leg,
            p.stride_length[1] / leg,
            p.step_length[0] / leg,
            p.step_length[1] / leg,
            p.step_width / leg,
            p.stance_percent[0],
            p.stance_percent[1],
            p.swing_percent[0],
            p.step_length_symmetry,
            p.stance_symmetry,
        ]
    }
}

/// Column `column` of `features` over frames `stride`, resampled to [`CYCLE_POINTS`]; `None`
/// when a value is missing.
fn resample(features: &FeatureSequence, column: &str, stride: std::ops::Range<usize>) -> Option<Vec<f64>> {
    let values = features.column(column)?;
    let span = stride.end.checked_sub(stride.start).filter(|&n| n > 0)?;
    (0..CYCLE_POINTS)
        .map(|i| {
            let t = stride.start as f64 + span as f64 * i as f64 / (CYCLE_POINTS - 1) as f64;
            let (lo, hi) = (t.floor() as usize, (t.ceil() as usize).min(values.len() - 1));
            let w = t - t.floor();
            let v = values[lo] * (1.0 - w) + values[hi] * w;
            v.is_finite().then_some(v)
        })
        .collect()
}

/// Curves of several passes as one: at each point the mean over all their strides, and the
/// standard deviation of all of them together; `None` without any.
fn pooled<'a>(curves: impl Iterator<Item = &'a Curve>) -> Option<Curve> {
    let curves: Vec<&Curve> = curves.collect();
    let n: usize = curves.iter().map(|c| c.strides).sum();
    if n == 0 {
        return None;
    }
    let at = |i: usize| {
        let mean = curves.iter().map(|c| c.mean[i] * c.strides as f64).sum::<f64>() / n as f64;
        // Sum of squares about the pooled mean: each curve's own spread and its mean's offset.
        let squares: f64 = curves
            .iter()
            .map(|c| {
                let k = c.strides as f64;
                (k - 1.0).max(0.0) * c.sd[i].powi(2) + k * (c.mean[i] - mean).powi(2)
            })
            .sum();
        let sd = if n > 1 {
            (squares / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        (mean, sd)
    };
    let (mean, sd) = (0..CYCLE_POINTS).map(at).unzip();
    Some(Curve { mean, sd, strides: n })
}

/// Mean and standard deviation at each point over `cycles`; `None` without any.
fn curve(cycles: &[Vec<f64>]) -> Option<Curve> {
    if cycles.is_empty() {
        return None;
    }
    let n = cycles.len() as f64;
    let mean: Vec<f64> = (0..CYCLE_POINTS)
        .map(|i| cycles.iter().map(|c| c[i]).sum::<f64>() / n)
        .collect();
    let sd = (0..CYCLE_POINTS)
        .map(|i| {
            if cycles.len() < 2 {
                0.0
            } else {
                (cycles.iter().map(|c| (c[i] - mean[i]).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
            }
        })
        .collect();
    Some(Curve {
        mean,
        sd,
        strides: cycles.len(),
    })
}

/// The normal range a profile is read against: per parameter and per point of each curve, the
/// mean ± 2 standard deviations over normal walks.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalRange {
    /// Where the normal walks came from, for the page.
    pub source: String,
    /// `[low, high]` per parameter of [`PARAMETERS`] (`NaN` where no normal walk measured it).
    pub parameters: [[f64; 2]; 11],
    /// `[low, high]` at each cycle point per joint of [`JOINTS`], both sides pooled.
    pub curves: [Vec<[f64; 2]>; 3],
    /// Normal walks measured.
    pub walks: usize,
}

impl NormalRange {
    /// The range over `walks` (landmarks at `fps`), described as `source`.
    pub fn from_walks<'a, 'b: 'a>(
        walks: impl IntoIterator<Item = &'a Landmarks<'b>>,
        fps: f64,
        source: &str,
    ) -> NormalRange {
        let profiles: Vec<Profile> = walks.into_iter().map(|w| Profile::of(w, fps)).collect();
        let band = |values: &[f64]| -> [f64; 2] {
            let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
            if finite.len() < 2 {
                return [f64::NAN; 2];
            }
            let n = finite.len() as f64;
            let mean = finite.iter().sum::<f64>() / n;
            let sd = (finite.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            [mean - 2.0 * sd, mean + 2.0 * sd]
        };
        let values: Vec<[f64; 11]> = profiles.iter().map(Profile::parameter_values).collect();
        let parameters = std::array::from_fn(|k| band(&values.iter().map(|v| v[k]).collect::<Vec<_>>()));
        let curves = std::array::from_fn(|j| {
            (0..CYCLE_POINTS)
                .map(|i| {
                    let at: Vec<f64> = profiles
                        .iter()
                        .flat_map(|p| p.curves.iter().filter_map(move |side| side[j].as_ref()))
                        .map(|c| c.mean[i])
                        .collect();
                    band(&at)
                })
                .collect()
        });
        NormalRange {
            source: source.to_string(),
            parameters,
            curves,
            walks: profiles.len(),
        }
    }

    /// The range of the `Training/Normal` walks (landmarks files) of the dataset tree `tree`, at
    /// `fps`. Refused when fewer than two can be read, or when no parameter can be measured on
    /// them (clips of two strides each, say): a range of nothing would pass every walk.
    pub fn from_tree(tree: &Path, fps: f64) -> Result<NormalRange> {
        let dataset = Dataset::scan(tree, Require::Landmarks)?;
        let walks: Vec<Landmarks> = dataset
            .split(Split::Training)
            .filter(|s| s.class.is_normal())
            .filter_map(|s| read_landmarks(s.landmarks.as_deref()?).ok())
            .collect();
        let refuse = |reason: String| -> Error {
            gait_io::Error::Content {
                path: tree.to_path_buf(),
                reason,
            }
            .into()
        };
        if walks.len() < 2 {
            return Err(refuse(format!(
                "{} readable Training/Normal landmarks files; a normal range needs two at least",
                walks.len()
            )));
        }
        let range = NormalRange::from_walks(
            &walks,
            fps,
            &format!("{} normal walks of {}", walks.len(), tree.display()),
        );
        if range.parameters.iter().all(|[low, _]| low.is_nan()) {
            return Err(refuse(format!(
                "none of its {} Training/Normal walks is long enough to measure a gait parameter (two strides of a foot at least, in two walks); give whole recordings",
                walks.len()
            )));
        }
        Ok(range)
    }
}
