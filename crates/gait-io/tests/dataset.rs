//! Dataset trees: samples paired and ordered as the old pipeline meant, everything else reported.

use std::path::Path;

use gait_io::{
    Class, ClipFile, Dataset, FeatureSequence, Landmarks, Layout, Require, Split, write_angles,
    write_landmarks,
};
use ndarray::{Array2, Array3};

fn clip(dir: &Path, n: u32, frames: usize, angles: bool, landmarks: bool) {
    if angles {
        let seq =
            FeatureSequence::new(vec!["a".into()], Array2::from_elem((frames, 1), f64::from(n))).unwrap();
        write_angles(&ClipFile::Angles.path(dir, &n.to_string()), &seq).unwrap();
    }
    if landmarks {
        let lm = Landmarks::new(Layout::MediaPipe33, Array3::zeros((frames, 33, 3))).unwrap();
        write_landmarks(&ClipFile::Landmarks.path(dir, &n.to_string()), &lm).unwrap();
    }
}

#[test]
fn tree_pairs_clips_in_numeric_order_and_reports_every_skip() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let walk = root.join("Training/Normal/walk_a");
    for n in [10, 2, 1] {
        clip(&walk, n, 5, true, true);
    }
    clip(&walk, 3, 5, true, false); // no partner
    clip(&walk, 4, 0, true, true); // empty
    std::fs::write(walk.join("5_angles.npy"), b"garbage").unwrap(); // unreadable
    clip(&walk, 5, 5, false, true);
    std::fs::write(walk.join("notes_angles.npy"), b"").unwrap(); // not numbered
    clip(&root.join("Testing/Abnormal/walk_b"), 7, 3, true, true);
    clip(&root.join("Testing/Steppage/walk_c"), 1, 3, true, true); // any folder is a class
    clip(&root.join("Testing/.cache/walk_d"), 1, 3, true, true); // hidden: not a class
    clip(&root.join("Training"), 1, 3, true, false); // misplaced
    // What pose extraction writes beside a clip accompanies it: neither a sample nor a skip.
    let frames = Array2::from_shape_fn((5, 2), |(f, c)| if c == 0 { f as f64 } else { f as f64 / 30.0 });
    gait_io::write_npy(&walk.join("1_frames.npy"), &frames).unwrap();
    gait_io::write_npy(&walk.join("1_visibility.npy"), &Array2::<f32>::zeros((5, 33))).unwrap();

    let mut dataset = Dataset::scan(root, Require::Both).unwrap();
    let found: Vec<(Split, &str, &str, u64)> = dataset
        .samples
        .iter()
        .map(|s| (s.split, s.class.name(), s.recording.as_str(), s.clip))
        .collect();
    assert_eq!(
        found,
        vec![
            (Split::Training, "Normal", "walk_a", 1),
            (Split::Training, "Normal", "walk_a", 2),
            (Split::Training, "Normal", "walk_a", 10),
            (Split::Testing, "Abnormal", "walk_b", 7),
            (Split::Testing, "Steppage", "walk_c", 1),
        ]
    );
    assert_eq!(
        dataset.classes(Split::Testing),
        [Class::abnormal(), Class::new("Steppage")]
    );
    let reasons: Vec<String> = dataset.skipped.iter().map(ToString::to_string).collect();
    let has = |file: &str, why: &str| reasons.iter().any(|r| r.contains(file) && r.contains(why));
    assert!(has("3_angles.npy", "no partner 3_landmarks.npy"), "{reasons:#?}");
    assert!(has("4_angles.npy", "empty"), "{reasons:#?}");
    assert!(has("5_angles.npy", "not a readable .npy"), "{reasons:#?}");
    assert!(has("notes_angles.npy", "not a whole number"), "{reasons:#?}");
    assert!(has(".cache", "hidden folder"), "{reasons:#?}");
    assert!(has("Training/1_angles.npy", "depth"), "{reasons:#?}");
    assert_eq!(reasons.len(), 7, "{reasons:#?}"); // .cache has two files

    let angles = dataset.load_angles();
    assert_eq!(
        angles.iter().map(|a| a.get(0, 0).unwrap()).collect::<Vec<_>>(),
        vec![1.0, 2.0, 10.0, 7.0, 1.0]
    );
    assert_eq!(
        dataset
            .load_landmarks()
            .iter()
            .map(Landmarks::frames)
            .collect::<Vec<_>>(),
        vec![5, 5, 5, 3, 3]
    );

    let angles_only = Dataset::scan(root, Require::Angles).unwrap();
    assert!(
        angles_only
            .samples
            .iter()
            .any(|s| s.clip == 3 && s.landmarks.is_none())
    );
}

#[test]
fn a_folder_without_splits_is_an_error_that_says_what_is_expected() {
    let root = tempfile::tempdir().unwrap();
    let err = Dataset::scan(root.path(), Require::Both).unwrap_err().to_string();
    assert!(err.contains("Training") && err.contains("N_angles.npy"), "{err}");
}

#[test]
fn unreadable_payloads_found_at_load_move_to_skipped() {
    let root = tempfile::tempdir().unwrap();
    let walk = root.path().join("Training/Abnormal/w");
    clip(&walk, 1, 4, true, true);
    clip(&walk, 2, 4, true, true);
    // A valid header on a cut pickle: passes the scan, fails the load.
    let good = std::fs::read(walk.join("2_angles.npy")).unwrap();
    std::fs::write(walk.join("2_angles.npy"), &good[..good.len() - 10]).unwrap();
    let mut dataset = Dataset::scan(root.path(), Require::Both).unwrap();
    assert_eq!(dataset.samples.len(), 2);
    let angles = dataset.load_angles();
    assert_eq!((angles.len(), dataset.samples.len()), (1, 1));
    assert!(
        dataset.skipped[0].to_string().contains("2_angles.npy"),
        "{}",
        dataset.skipped[0]
    );
}

#[test]
fn clip_names_recording_names_and_links_are_treated_one_way() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let walk = root.join("Training/Normal/walk");
    // 01 and 1 would both be clip 1: both refused; +2 is not a clip number.
    clip(&walk, 1, 3, true, true);
    for kind in ["angles", "landmarks"] {
        std::fs::copy(
            walk.join(format!("1_{kind}.npy")),
            walk.join(format!("01_{kind}.npy")),
        )
        .unwrap();
        std::fs::copy(
            walk.join(format!("1_{kind}.npy")),
            walk.join(format!("+2_{kind}.npy")),
        )
        .unwrap();
    }
    // Two recordings whose names are not UTF-8 stay two recordings.
    #[cfg(unix)]
    for byte in [0xff_u8, 0xfe] {
        use std::os::unix::ffi::OsStrExt;
        let bytes = [b'r', byte];
        clip(
            &root
                .join("Training/Abnormal")
                .join(std::ffi::OsStr::from_bytes(&bytes)),
            1,
            3,
            true,
            true,
        );
    }
    // A linked recording is read like any other; a link back up is reported, not fatal.
    #[cfg(unix)]
    {
        let elsewhere = root.join("elsewhere");
        clip(&elsewhere, 4, 3, true, true);
        std::fs::create_dir_all(root.join("Testing/Normal")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, root.join("Testing/Normal/linked")).unwrap();
        std::os::unix::fs::symlink(root.join("Training"), walk.join("loop")).unwrap();
    }

    let dataset = Dataset::scan(root, Require::Both).unwrap();
    let names: Vec<(String, String)> = dataset
        .samples
        .iter()
        .map(|s| (s.recording.clone(), s.name.clone()))
        .collect();
    assert!(!names.iter().any(|(r, _)| r == "walk"), "{names:?}");
    let reasons: Vec<String> = dataset.skipped.iter().map(ToString::to_string).collect();
    for clip in [
        "1_angles.npy",
        "01_angles.npy",
        "1_landmarks.npy",
        "01_landmarks.npy",
    ] {
        assert!(
            reasons.iter().any(|r| r.contains(&format!("walk/{clip}"))
                && r.contains("01, 1 in one recording are all clip 1")),
            "{clip}: {reasons:#?}"
        );
    }
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("+2_angles.npy") && r.contains("not a whole number")),
        "{reasons:#?}"
    );
    #[cfg(unix)]
    {
        let abnormal = dataset
            .samples
            .iter()
            .filter(|s| s.class == Class::abnormal())
            .count();
        assert_eq!(abnormal, 2, "{names:?}");
        assert!(names.contains(&("linked".into(), "4".into())), "{names:?}");
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("loop") && r.contains("link back")),
            "{reasons:#?}"
        );
    }
}
