//! `N_video.json`: written and read back, found beside the landmarks, refused when it cannot
//! describe a frame.

use gait_io::{
    ClipFile, Landmarks, Layout, VideoInfo, read_landmarks, read_video_info, write_landmarks,
    write_video_info,
};
use ndarray::Array3;

#[test]
fn the_frame_beside_the_landmarks_gives_them_its_aspect() {
    let dir = tempfile::tempdir().unwrap();
    let landmarks = Landmarks::new(Layout::MediaPipe33, Array3::from_elem((4, 33, 3), 0.25)).unwrap();
    let path = ClipFile::Landmarks.path(dir.path(), "1");
    write_landmarks(&path, &landmarks).unwrap();
    // Without it: no aspect, coordinates as stored.
    let read = read_landmarks(&path).unwrap();
    assert_eq!((read.aspect(), read.scale()), (None, [1.0; 3]));
    let mut info = VideoInfo::new(1080, 1920);
    (info.rotation, info.fps) = (90, Some(29.97));
    let json = ClipFile::Video.path(dir.path(), "1");
    assert_eq!(json.file_name().unwrap(), "1_video.json");
    write_video_info(&json, &info).unwrap();
    assert_eq!(read_video_info(&json).unwrap(), info);
    let read = read_landmarks(&path).unwrap();
    assert_eq!(read.aspect(), Some(0.5625));
    assert_eq!(read.scale(), [0.5625, 1.0, 0.5625]);
    // The stored coordinates are unchanged, and written back unchanged.
    assert_eq!(read.positions_f64(), landmarks.positions_f64());
    assert_eq!(ClipFile::parse("1_video.json"), Some(("1", ClipFile::Video)));
    assert!(ClipFile::Video.is_companion());
}

#[test]
fn a_video_description_that_cannot_be_a_frame_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let landmarks = Landmarks::new(Layout::MediaPipe33, Array3::zeros((2, 33, 3))).unwrap();
    let path = ClipFile::Landmarks.path(dir.path(), "3");
    write_landmarks(&path, &landmarks).unwrap();
    let json = ClipFile::Video.path(dir.path(), "3");
    for (text, says) in [
        ("{\"width\": 0, \"height\": 1080}", "both sides must be positive"),
        ("{\"width\": 100000, \"height\": 10}", "neither over 20 times"),
        (
            "{\"width\": 1920, \"height\": 1080, \"fps\": -1}",
            "positive rate",
        ),
        ("{\"width\": 1920}", "not a video description"),
        ("not json", "not a video description"),
    ] {
        std::fs::write(&json, text).unwrap();
        let err = read_landmarks(&path).unwrap_err().to_string();
        assert!(
            err.contains("3_video.json") && err.contains(says),
            "{text}: {err}"
        );
    }
    assert!(write_video_info(&json, &VideoInfo::new(0, 5)).is_err());
    assert!(landmarks.with_aspect(Some(f64::NAN)).is_err());
}

#[test]
fn frames_where_nobody_was_found_are_put_back_as_missing() {
    let dir = tempfile::tempdir().unwrap();
    // Found in video frames 10, 11, 14 and 15: two frames without anybody between.
    let landmarks = Landmarks::from_f64(
        Layout::MediaPipe33,
        Array3::from_shape_fn((4, 33, 3), |(f, j, a)| (f * 100 + j * 3 + a) as f64),
    )
    .unwrap();
    let path = ClipFile::Landmarks.path(dir.path(), "1");
    write_landmarks(&path, &landmarks).unwrap();
    let frames = ClipFile::Frames.path(dir.path(), "1");
    let write_frames = |indices: &[f64]| {
        let rows = ndarray::Array2::from_shape_fn((indices.len(), 2), |(k, c)| {
            if c == 0 { indices[k] } else { indices[k] / 30.0 }
        });
        gait_io::write_npy(&frames, &rows).unwrap();
    };
    write_frames(&[10.0, 11.0, 14.0, 15.0]);
    let read = read_landmarks(&path).unwrap();
    assert_eq!(read.frames(), 6);
    for (row, kept) in [
        (0, Some(0)),
        (1, Some(1)),
        (2, None),
        (3, None),
        (4, Some(2)),
        (5, Some(3)),
    ] {
        let joint = read.joint(row, 5).unwrap();
        match kept {
            Some(f) => assert_eq!(joint, landmarks.joint(f, 5).unwrap(), "row {row}"),
            None => assert!(joint.iter().all(|v| v.is_nan()), "row {row}"),
        }
    }
    // Frames kept one after the other: read as they are.
    write_frames(&[3.0, 4.0, 5.0, 6.0]);
    assert_eq!(
        read_landmarks(&path).unwrap().positions_f64(),
        landmarks.positions_f64()
    );
    // A frames file that cannot be this clip's is refused by name, with what is wrong.
    for (indices, says) in [
        (vec![1.0, 2.0, 3.0], "(4, 2) frame indices"),
        (vec![1.0, 3.0, 2.0, 4.0], "increasing"),
        (vec![1.0, 2.5, 3.0, 4.0], "whole numbers"),
        (vec![0.0, 1.0, 2.0, 1e12], "a gap that long is no walk"),
    ] {
        write_frames(&indices);
        let err = read_landmarks(&path).unwrap_err().to_string();
        assert!(
            err.contains("1_frames.npy") && err.contains(says),
            "{indices:?}: {err}"
        );
    }
}
