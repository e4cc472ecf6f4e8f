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
