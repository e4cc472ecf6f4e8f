//! Choosing whom to keep among the people of a video, after seeing it whole: the one who walks,
//! the largest, or a number; with the reason.

use std::path::Path;

use gait_pose::{Error, Landmark, People, Person, Pose, Track};

/// A stick figure in a 1920 x 1080 frame: feet at `feet` (fraction of the height), `height`
/// (fraction of the frame's height) tall, hips at `x`, ankles `stride` apart along x (left
/// minus right).
fn figure(x: f32, feet: f32, height: f32, stride: f32) -> Pose {
    let mut pose = [Landmark {
        visibility: 1.0,
        presence: 1.0,
        ..Landmark::default()
    }; 33];
    let aspect = 1920.0 / 1080.0;
    for (k, l) in pose.iter_mut().enumerate() {
        l.x = x;
        l.y = feet - height * 0.5;
        if k == 0 {
            l.y = feet - height;
        }
    }
    pose[27].x = x + stride / 2.0 / aspect;
    pose[28].x = x - stride / 2.0 / aspect;
    for k in [27, 28] {
        pose[k].y = feet;
    }
    pose
}

fn track(person: usize, poses: Vec<Pose>) -> Track {
    Track {
        frames_read: 60,
        frame_size: [1920, 1080],
        frame_indices: (0..poses.len()).collect(),
        times: (0..poses.len()).map(|f| f as f64 / 30.0).collect(),
        poses,
        person,
        ..Track::default()
    }
}

/// Three people: a small walker crossing the frame, a large person jumping in place, and one
/// seen for five frames.
fn scene() -> People {
    let walker = (0..60)
        .map(|f| {
            let t = f as f32 / 30.0;
            figure(
                0.1 + 0.25 * t,
                0.8,
                0.35,
                0.12 * (2.0 * std::f32::consts::PI * t).sin(),
            )
        })
        .collect();
    let jumper = (0..60)
        .map(|f| figure(0.8, 0.95 - 0.02 * (f % 10) as f32, 0.7, 0.05))
        .collect();
    let passing = (0..5)
        .map(|f| figure(0.5 + 0.05 * f as f32, 0.8, 0.3, 0.1))
        .collect();
    People {
        tracks: vec![track(1, jumper), track(2, walker), track(3, passing)],
        frames_read: 60,
    }
}

#[test]
fn the_one_who_walks_is_chosen_over_one_larger_who_stays() {
    let path = Path::new("corridor.mp4");
    let chosen = scene().choose(Person::Walker, path).unwrap();
    assert_eq!(chosen.person, 2);
    let why = chosen.chosen.unwrap();
    assert!(why.starts_with("person 2 of 3: walked "), "{why}");
    assert!(why.contains("in 60 frames, feet passing"), "{why}");
    // From the median hips of the first five frames to those of the last five, (57 - 2) / 30 s
    // at 0.25 of the width a second, in a body 0.35 of the height: 1920 x 0.458 / 378 = 2.33.
    let travel: f64 = why["person 2 of 3: walked ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(travel, 2.3, "{why}");

    let largest = scene().choose(Person::Largest, path).unwrap();
    assert_eq!(largest.person, 1);
    assert_eq!(scene().choose(Person::Number(3), path).unwrap().poses.len(), 5);
    let err = scene().choose(Person::Number(4), path).unwrap_err();
    assert!(
        matches!(
            err,
            Error::NoSuchPerson {
                number: 4,
                people: 3,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("corridor.mp4: no person 4: the video shows 3")
    );
}

#[test]
fn when_nobody_walks_the_largest_is_kept_and_that_is_said() {
    let mut people = scene();
    people.tracks.remove(1);
    let chosen = people.choose(Person::Walker, Path::new("v.mp4")).unwrap();
    assert_eq!(chosen.person, 1);
    assert!(chosen.chosen.unwrap().contains("nobody walks"));
    // One person: kept as is, nothing to say.
    let one = People {
        tracks: vec![track(1, vec![figure(0.5, 0.9, 0.5, 0.0); 20])],
        frames_read: 20,
    };
    let kept = one.choose(Person::Walker, Path::new("v.mp4")).unwrap();
    assert_eq!((kept.person, kept.chosen), (1, None));
    assert_eq!("walker".parse::<Person>(), Ok(Person::Walker));
    assert_eq!("2".parse::<Person>(), Ok(Person::Number(2)));
    assert!("0".parse::<Person>().is_err());
}

#[test]
fn two_walking_side_by_side_one_is_chosen_and_the_other_named_with_how_to_follow_them() {
    // Two walkers at one pace, one a little further (further from the camera, smaller): the one
    // who walks most is chosen, and the other is said to walk too, with the option to take them.
    let walker = |x0: f32, height: f32| -> Vec<Pose> {
        (0..60)
            .map(|f| {
                let t = f as f32 / 30.0;
                figure(
                    x0 + 0.25 * t,
                    0.8,
                    height,
                    0.12 * (2.0 * std::f32::consts::PI * t).sin(),
                )
            })
            .collect()
    };
    let people = || People {
        tracks: vec![track(1, walker(0.1, 0.35)), track(2, walker(0.12, 0.32))],
        frames_read: 60,
    };
    let chosen = people().choose(Person::Walker, Path::new("v.mp4")).unwrap();
    assert_eq!(chosen.person, 2, "smaller, so further in body heights");
    let why = chosen.chosen.unwrap();
    assert!(
        why.contains("; person 1 walks too (2.3 body heights in 60 frames): --person 1 follows them"),
        "{why}"
    );
    assert_eq!(
        people()
            .choose(Person::Number(1), Path::new("v.mp4"))
            .unwrap()
            .person,
        1
    );
    // Alone, nothing more is said.
    let mut one = people();
    one.tracks.truncate(1);
    assert_eq!(
        one.choose(Person::Walker, Path::new("v.mp4")).unwrap().chosen,
        None
    );
}

#[test]
fn a_walker_out_of_view_and_back_is_said_to_be_perhaps_the_same_never_joined() {
    // She walks across (frames 0-59), is gone, and walks back (frames 100-149): followed anew,
    // she is a person of her own. Others in view at the same time are not she.
    let walk = |x0: f32, way: f32, frames: std::ops::Range<usize>| -> Track {
        let poses: Vec<Pose> = frames
            .clone()
            .map(|f| {
                let t = (f - frames.start) as f32 / 30.0;
                figure(
                    x0 + way * 0.25 * t,
                    0.8,
                    0.35,
                    0.12 * (2.0 * std::f32::consts::PI * t).sin(),
                )
            })
            .collect();
        Track {
            frame_indices: frames.collect(),
            frames_read: 160,
            ..track(0, poses)
        }
    };
    let people = || People {
        tracks: vec![
            Track {
                person: 1,
                ..walk(0.1, 1.0, 0..60)
            },
            Track {
                person: 2,
                ..walk(0.5, 1.0, 30..50)
            },
            Track {
                person: 3,
                ..walk(0.9, -1.0, 100..150)
            },
        ],
        frames_read: 160,
    };
    let chosen = people().choose(Person::Walker, Path::new("v.mp4")).unwrap();
    assert_eq!(chosen.person, 1);
    assert_eq!(
        chosen.frame_indices,
        (0..60).collect::<Vec<_>>(),
        "nothing of anyone else"
    );
    let why = chosen.chosen.unwrap();
    assert!(
        why.contains(
            "; person 3, of their size, walks after them (from frame 100): the same walker out of \
             view and back? --person 3 follows them"
        ),
        "{why}"
    );
    assert!(!why.contains("person 2"), "{why}");
    assert_eq!(
        people()
            .choose(Person::Number(3), Path::new("v.mp4"))
            .unwrap()
            .frame_indices[0],
        100
    );
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn estimator() -> gait_pose::PoseEstimator {
    gait_pose::PoseEstimator::open(&gait_pose::default_model_dir(), gait_pose::PoseOptions::default())
        .unwrap()
}

/// The hips' centre of `pose` in pixels of a 960-wide frame.
fn hips_x(pose: &Pose) -> f32 {
    (pose[23].x + pose[24].x) / 2.0 * 960.0
}

#[test]
fn the_walker_is_followed_not_the_one_exercising_who_was_found_first() {
    // people.mp4 (render_people.py): someone does jumping jacks at the right from the start; the
    // walker enters at the left and crosses. MediaPipe stays on the first all clip long.
    let truth: Vec<f32> = std::fs::read_to_string(fixture("people_truth.txt"))
        .unwrap()
        .lines()
        .map(|l| l.split(' ').next().unwrap().parse().unwrap())
        .collect();
    // Every frame that shows her whole (from frame 14).
    let whole: Vec<usize> = (0..truth.len()).filter(|&f| truth[f] > 60.0).collect();
    for look in [None, Some(0.25)] {
        let mut options = gait_pose::PoseOptions::default();
        if let Some(every) = look {
            options.look_for_others = every;
        }
        let mut estimator = gait_pose::PoseEstimator::open(&gait_pose::default_model_dir(), options).unwrap();
        let source = gait_pose::FrameSource::open(&fixture("people.mp4"), 12.0).unwrap();
        let people = gait_pose::track_people(&mut estimator, source, |_, _, _| {}).unwrap();
        assert_eq!(people.tracks.len(), 2, "two people");
        // The one exercising stays where they are: their track never jumps to the walker.
        assert!(
            people.tracks[0]
                .poses
                .iter()
                .all(|p| (hips_x(p) - 828.0).abs() < 40.0)
        );
        let walker = people.choose(Person::Walker, &fixture("people.mp4")).unwrap();
        assert_eq!(walker.person, 2);
        assert!(
            walker
                .chosen
                .as_ref()
                .unwrap()
                .starts_with("person 2 of 2: walked ")
        );
        // Every pose of the chosen track is hers (within 40 px of her true hips), in every frame
        // that shows her whole. The detector finds her at its first look after she is in view
        // (frame 24 looking once a second, the default at 12 frames per second; 15 looking every
        // quarter second), and she is followed back from there to where she came into view.
        for (pose, &frame) in walker.poses.iter().zip(&walker.frame_indices) {
            assert!((hips_x(pose) - truth[frame]).abs() < 40.0, "frame {frame}");
        }
        let missed: Vec<usize> = whole
            .iter()
            .copied()
            .filter(|f| !walker.frame_indices.contains(f))
            .collect();
        assert!(
            missed.is_empty(),
            "looking every {look:?} s: not followed in frames {missed:?}"
        );
        assert!(walker.frame_indices[0] <= whole[0], "looking every {look:?} s");
        let followed: Vec<usize> = (walker.frame_indices[0]..60).collect();
        assert_eq!(walker.frame_indices, followed, "no frame missed from her first");
    }
}

#[test]
fn one_person_is_followed_bit_for_bit_as_mediapipe_follows_one() {
    let frames: Vec<_> = gait_pose::FrameSource::open(&fixture("walker.mp4"), 30.0)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let (mut one, mut everyone) = (estimator(), estimator());
    for (frame, time) in &frames {
        let single = one.estimate(frame, *time);
        let all = everyone.estimate_people(frame, *time);
        assert_eq!(all, single.map(|pose| (1, pose)).into_iter().collect::<Vec<_>>());
    }
}

#[test]
fn two_walkers_crossing_each_keep_their_own_track() {
    // crossing.mp4 (render_people.py --crossing): two walkers dressed alike, one near the camera
    // going right, one further back going left, pass each other around frame 37 of 60. Before
    // each was looked for where their own motion takes them, the near one's track passed to the
    // other at frame 40.
    let truth: Vec<[f32; 2]> = std::fs::read_to_string(fixture("crossing_truth.txt"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: Vec<f32> = l.split(' ').map(|v| v.parse().unwrap()).collect();
            [v[0], v[2]]
        })
        .collect();
    let mut estimator = estimator();
    let source = gait_pose::FrameSource::open(&fixture("crossing.mp4"), 12.0).unwrap();
    let people = gait_pose::track_people(&mut estimator, source, |_, _, _| {}).unwrap();
    assert_eq!(people.tracks.len(), 2, "two people, each one track");
    let mut whom = Vec::new();
    for track in &people.tracks {
        let first = hips_x(&track.poses[0]);
        let own = usize::from((first - truth[track.frame_indices[0]][1]).abs() < 40.0);
        whom.push(own);
        for (pose, &frame) in track.poses.iter().zip(&track.frame_indices) {
            let [mine, theirs] = [truth[frame][own], truth[frame][1 - own]];
            // Where the two are a fifth of a body height apart or more, the pose is nearer its
            // own person than the other.
            if (mine - theirs).abs() >= 50.0 {
                let x = hips_x(pose);
                assert!(
                    (x - mine).abs() < (x - theirs).abs(),
                    "person {} in frame {frame}: hips at {x}, theirs at {mine}, the other's at {theirs}",
                    track.person
                );
            }
        }
        // Followed to the end, on their own person.
        assert_eq!(track.frame_indices.last(), Some(&59), "person {}", track.person);
        assert!((hips_x(track.poses.last().unwrap()) - truth[59][own]).abs() < 20.0);
    }
    assert_eq!(whom, [0, 1], "the near walker first seen first");
}

#[test]
fn cadence_from_pose_on_rendered_walkers_is_their_own() {
    // The mannequins of render_people.py step at a known rate: 0.9 gait cycles a second (108
    // steps a minute) for the walker of people.mp4 and the near walker of crossing.mp4, 0.85 (102)
    // for the far one. The pose estimator names their legs by which leads about as often as by
    // which is which: heel strikes counted per foot gave 160 steps a minute on people.mp4. The far
    // walker is not found in the frames where the near one hides her: read back from the files
    // (N_frames.npy), those frames are missing, not closed up (which read 108).
    let dir = tempfile::tempdir().unwrap();
    for (clip, person, truth) in [
        ("people.mp4", 2, 108.0),
        ("crossing.mp4", 1, 108.0),
        ("crossing.mp4", 2, 102.0),
    ] {
        let source = gait_pose::FrameSource::open(&fixture(clip), 12.0).unwrap();
        let people = gait_pose::track_people(&mut estimator(), source, |_, _, _| {}).unwrap();
        let track = people.choose(Person::Number(person), Path::new(clip)).unwrap();
        let name = format!("{}", person);
        gait_pose::write_track(&track, &fixture(clip), dir.path(), &name).unwrap();
        let landmarks =
            gait_io::read_landmarks(&gait_io::ClipFile::Landmarks.path(dir.path(), &name)).unwrap();
        let span = track.frame_indices.last().unwrap() - track.frame_indices[0] + 1;
        assert_eq!(landmarks.frames(), span);
        let profile = gait_features::Profile::of(&landmarks, 12.0);
        let cadence = profile.parameter_values()[0];
        assert!(
            (cadence - truth).abs() <= 0.03 * truth,
            "{clip}, person {person}: {cadence:.1} steps/min, truly {truth}"
        );
    }
}
