//! Pose over rendered videos of one walker filmed as users film (`fixtures/render_views.py`:
//! known cadence, stride, knee angles and turn), measured through to the gait profile: frames of
//! three shapes, a walk out and back, walks towards and away from the camera.

use std::path::{Path, PathBuf};

use gait_features::{BodyAxes, Profile, View, default_features};
use gait_io::Landmarks;

/// The renders' frame rate.
const FPS: f64 = 12.0;
/// The mannequin's stride (0.83 m) in its leg lengths (0.89 m from hip to ankle).
const STRIDE: f64 = 0.83 / 0.89;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Each frame's line of `NAME_truth.txt`: pelvis x and y in pixels, left and right knee flexion
/// in degrees, and the pass (0 out, 1 turning, 2 back).
fn truth(clip: &str) -> Vec<[f64; 5]> {
    std::fs::read_to_string(fixture(&format!("{clip}_truth.txt")))
        .unwrap()
        .lines()
        .map(|l| {
            let v: Vec<f64> = l.split(' ').map(|v| v.parse().unwrap()).collect();
            [v[0], v[1], v[2], v[3], v[4]]
        })
        .collect()
}

/// Pose's landmarks of the walker of `NAME.mp4`, followed in every frame.
fn landmarks(clip: &str) -> Landmarks<'static> {
    let mut estimator =
        gait_pose::PoseEstimator::open(&gait_pose::default_model_dir(), gait_pose::PoseOptions::default())
            .unwrap();
    let path = fixture(&format!("{clip}.mp4"));
    let source = gait_pose::FrameSource::open(&path, FPS).unwrap();
    let people = gait_pose::track_people(&mut estimator, source, |_, _, _| {}).unwrap();
    let track = people.choose(gait_pose::Person::Walker, &path).unwrap();
    assert_eq!(
        track.frame_indices,
        (0..truth(clip).len()).collect::<Vec<_>>(),
        "{clip}"
    );
    track.landmarks()
}

/// The mean knee flexion over both knees and every frame, in degrees.
fn mean_knee(landmarks: &Landmarks) -> f64 {
    let features = default_features(landmarks, &BodyAxes::estimate(landmarks).unwrap());
    let knees: Vec<f64> = ["left_knee_flexion", "right_knee_flexion"]
        .iter()
        .flat_map(|c| features.column(c).unwrap().to_vec())
        .collect();
    assert!(knees.iter().all(|k| k.is_finite()));
    knees.iter().sum::<f64>() / knees.len() as f64
}

/// Cadence, and the stride length in leg lengths (the mean of the two feet's), of `profile`.
/// Each foot's alone is a mean over two or three strides whose ends are whole frames (a twelfth
/// of a second) on a mannequin whose feet slide on the ground: within 7% of the truth.
fn cadence_and_stride(profile: &Profile) -> [f64; 2] {
    let values = profile.parameter_values();
    [values[0], (values[1] + values[2]) / 2.0]
}

#[test]
fn square_wide_and_tall_frames_give_the_walks_own_knee_angles_cadence_and_strides() {
    // One walker, the same size in the picture, in 720x720, 960x540 and 540x960 frames, at 126,
    // 108 and 90 steps a minute. Stored as fractions of the frame's width and height and taken as
    // they are, a 16:9 frame's vertical lengths would be stretched against its horizontal ones
    // before any angle is taken.
    for (clip, steps) in [("side_1x1", 126.0), ("side_16x9", 108.0), ("side_9x16", 90.0)] {
        let truth = truth(clip);
        let known = truth.iter().map(|t| t[2] + t[3]).sum::<f64>() / (2 * truth.len()) as f64;
        let landmarks = landmarks(clip);
        let knee = mean_knee(&landmarks);
        // Frame by frame, pose on the mannequin is ten degrees out either way (it names the legs
        // by which leads as often as not); over the clip, within a degree.
        assert!(
            (knee - known).abs() < 1.0,
            "{clip}: knees {knee:.2}, truly {known:.2}"
        );
        let profile = Profile::of(&landmarks, FPS);
        assert_eq!(profile.view, Some(View::Side), "{clip}");
        let [cadence, stride] = cadence_and_stride(&profile);
        assert!(
            (cadence - steps).abs() < 0.03 * steps,
            "{clip}: {cadence} steps/min, truly {steps}"
        );
        assert!(
            (stride / STRIDE - 1.0).abs() < 0.05,
            "{clip}: stride {stride}, truly {STRIDE}"
        );
        if clip != "side_1x1" {
            let stretched = mean_knee(&landmarks.clone().with_aspect(Some(1.0)).unwrap());
            // Taken as square: 8.3 degrees for 16:9 where 13.5 is true, 22.2 for 9:16 where 13.3 is.
            assert!(
                (stretched - known).abs() > 4.0,
                "{clip} taken as square: {stretched:.2}"
            );
        }
    }
}

#[test]
fn a_walk_out_and_back_is_two_passes_each_measured_alone() {
    // Out to the right for 4 s, a half turn in 1.5 s, back to the left for 4 s.
    let truth = truth("out_and_back");
    let profile = Profile::of(&landmarks("out_and_back"), FPS);
    assert_eq!(profile.passes.len(), 2, "{:?}", profile.notes);
    for (pass, straight) in profile.passes.iter().zip([0.0, 2.0]) {
        // Each pass lies in its own straight walk but for half a second of the turn at most.
        let turning = pass.frames.clone().filter(|&f| truth[f][4] != straight).count();
        assert!(
            turning <= 6,
            "{:?} holds {turning} frames of the turn",
            pass.frames
        );
        assert!(pass.frames.len() >= 36, "{:?}", pass.frames);
        assert_eq!(pass.profile.view, Some(View::Side));
        let [cadence, stride] = cadence_and_stride(&pass.profile);
        assert!(
            (cadence - 108.0).abs() < 0.03 * 108.0,
            "{:?}: {cadence}",
            pass.frames
        );
        assert!(
            (stride / STRIDE - 1.0).abs() < 0.05,
            "{:?}: stride {stride}",
            pass.frames
        );
    }
}

#[test]
fn towards_and_away_from_the_camera_the_cadence_is_right_and_what_the_view_hides_is_said() {
    // From 8 m to 3.5 m from the camera at 96 steps a minute, and back out at 120.
    for (clip, view, steps) in [("front", View::Front, 96.0), ("back", View::Back, 120.0)] {
        let profile = Profile::of(&landmarks(clip), FPS);
        assert_eq!(profile.view, Some(view), "{clip}");
        let [cadence, stride] = cadence_and_stride(&profile);
        assert!(
            (cadence - steps).abs() < 0.03 * steps,
            "{clip}: {cadence}, truly {steps}"
        );
        assert!(stride.is_nan());
        assert!(profile.curves.iter().flatten().all(Option::is_none));
        let said = format!("not measurable from a {view} view");
        assert_eq!(
            profile.notes.iter().filter(|n| n.ends_with(&said)).count(),
            2,
            "{:?}",
            profile.notes
        );
    }
}
