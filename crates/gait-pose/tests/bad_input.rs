//! Bad input gives one clear error naming the file: not a video, an empty or cut-short file, a
//! video with no frames, ffmpeg missing, damaged or wrong model files.

use std::path::{Path, PathBuf};
use std::process::Command;

use gait_pose::{Error, FrameSource, Network, PoseEstimator, PoseOptions, Video, default_model_dir};

fn walker() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/walker.mp4")
}

/// Reads every frame of `path`, returning the error if any.
fn decode(path: &Path) -> Result<usize, Error> {
    FrameSource::open(path, 30.0)?.try_fold(0, |n, frame| frame.map(|_| n + 1))
}

fn message(path: &Path) -> String {
    let err = decode(path).expect_err("should fail");
    let text = err.to_string();
    assert!(
        text.contains(&*path.to_string_lossy()),
        "the error names the file: {text}"
    );
    assert!(!text.contains('\n'), "one line: {text}");
    text
}

#[test]
fn broken_videos_are_refused_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let not_video = dir.path().join("notes.mp4");
    std::fs::write(&not_video, "these are notes, not a video").unwrap();
    assert!(message(&not_video).contains("could not decode"));

    let empty = dir.path().join("empty.mp4");
    std::fs::write(&empty, "").unwrap();
    assert!(message(&empty).contains("could not decode"));

    // The first half of a video whose index sits at its end.
    let bytes = std::fs::read(walker()).unwrap();
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    message(&cut);

    let zero = dir.path().join("zero.mp4");
    let made = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=c=gray:s=64x96:d=1",
            "-frames:v",
            "0",
        ])
        .arg(&zero)
        .status()
        .unwrap();
    assert!(made.success());
    assert!(message(&zero).contains("no frames"));

    assert!(matches!(
        decode(&dir.path().join("missing.mp4")),
        Err(Error::Io(_))
    ));
}

#[test]
fn a_video_cut_short_says_how_many_frames_it_lacks() {
    let dir = tempfile::tempdir().unwrap();
    // The walker with its index at the front (as phones and web videos keep it), cut after
    // about half its frames: it decodes, and ends early.
    let front = dir.path().join("front.mp4");
    let made = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(walker())
        .args(["-c", "copy", "-movflags", "+faststart"])
        .arg(&front)
        .status()
        .unwrap();
    assert!(made.success());
    let bytes = std::fs::read(&front).unwrap();
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() * 6 / 10]).unwrap();
    let mut source = FrameSource::open(&cut, 30.0).unwrap();
    let decoded = source.by_ref().map_while(Result::ok).count();
    assert!((1..20).contains(&decoded), "{decoded} frames");
    let damage = source.damage().expect("a cut video is not whole");
    assert!(
        damage.starts_with(&format!("{decoded} of the 20 frames")),
        "{damage}"
    );
    // The whole video: nothing to say.
    let mut whole = FrameSource::open(&front, 30.0).unwrap();
    assert_eq!(whole.by_ref().map_while(Result::ok).count(), 20);
    assert_eq!(whole.damage(), None);
}

#[test]
fn a_still_picture_stored_before_the_film_is_passed_over() {
    let dir = tempfile::tempdir().unwrap();
    // A Matroska file whose first video stream is one PNG picture, the walker second.
    let still = dir.path().join("still.png");
    let picture = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=c=red:s=64x48",
            "-frames:v",
            "1",
        ])
        .arg(&still)
        .status()
        .unwrap();
    assert!(picture.success());
    let both = dir.path().join("both.mkv");
    let made = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(&still)
        .arg("-i")
        .arg(walker())
        .args(["-map", "0:v", "-map", "1:v", "-c:v:0", "png", "-c:v:1", "copy"])
        .arg(&both)
        .status()
        .unwrap();
    assert!(made.success());
    let mut source = FrameSource::open(&both, 30.0).unwrap();
    let frames: Vec<_> = source.by_ref().map_while(Result::ok).collect();
    assert_eq!(frames.len(), 20, "the walker's frames, not the picture");
    assert_eq!((frames[0].0.width(), frames[0].0.height()), (640, 960));
    assert_eq!(source.damage(), None);
}

#[test]
fn a_missing_ffmpeg_is_named_with_what_to_do() {
    let err = Video::open_with(&walker(), "/nonexistent/ffmpeg".as_ref())
        .err()
        .expect("no such program");
    assert!(matches!(err, Error::FfmpegMissing { .. }));
    assert!(err.to_string().contains("install FFmpeg"), "{err}");
}

#[test]
fn a_whole_video_decodes_with_its_times() {
    let frames: Vec<_> = FrameSource::open(&walker(), 30.0)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(frames.len(), 20);
    for (k, (frame, time)) in frames.iter().enumerate() {
        assert_eq!((frame.width(), frame.height()), (640, 960));
        assert!((time - k as f64 / 30.0).abs() < 1e-4, "frame {k} at {time}");
    }
}

/// The detector with its input tensor's shape, stored as the vector `[4, 1, 224, 224, 3]` of
/// little-endian `i32`, replaced by `dims`.
fn detector_with_input_shape(dims: [i32; 4]) -> Vec<u8> {
    let mut bytes = std::fs::read(default_model_dir().join("pose_detection.tflite")).unwrap();
    let stored: Vec<u8> = [4, 1, 224, 224, 3]
        .iter()
        .flat_map(|d: &i32| d.to_le_bytes())
        .collect();
    let at = bytes
        .windows(stored.len())
        .position(|w| w == stored.as_slice())
        .expect("the detector's input shape");
    let crafted: Vec<u8> = dims.iter().flat_map(|d| d.to_le_bytes()).collect();
    bytes[at + 4..at + 20].copy_from_slice(&crafted);
    bytes
}

#[test]
fn shapes_whose_element_counts_wrap_or_are_enormous_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // 2^30 * 2^30 * 16 = 2^64 elements, zero once wrapped; then 3 * 2^60, which would be allocated.
    for dims in [[1, 1 << 30, 1 << 30, 16], [1, 1 << 30, 1 << 30, 3]] {
        let path = dir.path().join("crafted.tflite");
        std::fs::write(&path, detector_with_input_shape(dims)).unwrap();
        match Network::open(&path, &["Identity"]) {
            Err(Error::Model { path: p, reason }) => {
                assert_eq!(p, path);
                assert!(reason.contains("elements"), "{dims:?}: {reason}");
            }
            other => panic!("{dims:?}: {other:?}"),
        }
    }
}

#[test]
fn models_the_fuzzer_made_are_refused_with_the_reason() {
    // Found by `cargo fuzz run tflite` from the seed model of fuzz/make_tflite_seeds.py: a 1x1
    // convolution rewired to read the tensor it writes (it ran on an empty buffer), and a
    // concatenation of no inputs (its shape check indexed the first).
    let crafted = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/crafted");
    for (file, says) in [
        ("reads_its_own_output.tflite", "before anything computes it"),
        ("concatenates_nothing.tflite", "lacks input 0"),
    ] {
        let path = crafted.join(file);
        match Network::open(&path, &["StatefulPartitionedCall_1:0"]) {
            Err(Error::Model { path: p, reason }) => {
                assert_eq!(p, path);
                assert!(reason.contains(says), "{file}: {reason}");
            }
            other => panic!("{file}: {other:?}"),
        }
    }
}

#[test]
fn damaged_and_wrong_models_are_refused() {
    let models = default_model_dir();
    let bytes = std::fs::read(models.join("pose_detection.tflite")).unwrap();
    // Cut anywhere (a sample of 64 places, the start more densely), the file is refused.
    let cuts = (0..32)
        .map(|k| k * 37)
        .chain((1..33).map(|k| bytes.len() * k / 33));
    for cut in cuts {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.tflite");
        std::fs::write(&path, &bytes[..cut]).unwrap();
        match Network::open(&path, &["Identity"]) {
            Err(Error::Model { path: p, .. }) => assert_eq!(p, path),
            other => panic!("a model cut at {cut} bytes: {other:?}"),
        }
    }
    // The detector where the landmark model belongs.
    let detector = models.join("pose_detection.tflite");
    let err = PoseEstimator::open_files(&detector, &detector, PoseOptions::default()).unwrap_err();
    assert!(err.to_string().contains("pose_detection.tflite"), "{err}");
    // A missing model.
    let err = PoseEstimator::open_files(
        &detector,
        Path::new("/nonexistent/model.tflite"),
        PoseOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Io(_)), "{err}");
}

#[test]
fn a_picture_folder_is_a_clip_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    let frames: Vec<_> = FrameSource::open(&walker(), 30.0)
        .unwrap()
        .take(3)
        .collect::<Result<_, _>>()
        .unwrap();
    for (k, (frame, _)) in frames.iter().enumerate() {
        // frame_10.png sorts after frame_2.png
        frame
            .write_png(&dir.path().join(format!("frame_{}.png", [10, 2, 1][k])))
            .unwrap();
    }
    std::fs::write(dir.path().join("notes.txt"), "not a picture").unwrap();
    let read: Vec<_> = FrameSource::open(dir.path(), 10.0)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(read.len(), 3);
    assert_eq!(read[0].0, frames[2].0, "frame_1 first");
    assert_eq!(read[2].0, frames[0].0, "frame_10 last");
    assert_eq!(read.iter().map(|(_, t)| *t).collect::<Vec<_>>(), [0.0, 0.1, 0.2]);
    // A damaged picture is named.
    std::fs::write(dir.path().join("frame_3.png"), "not a png").unwrap();
    let err = FrameSource::open(dir.path(), 10.0)
        .unwrap()
        .find_map(Result::err)
        .unwrap();
    assert!(err.to_string().contains("frame_3.png"), "{err}");
    // A picture of another size (another camera's) among them is refused, named.
    std::fs::remove_file(dir.path().join("frame_3.png")).unwrap();
    let small = gait_pose::Frame::new(8, 6, vec![0; 8 * 6 * 3], 0).unwrap();
    small.write_png(&dir.path().join("frame_4.png")).unwrap();
    let err = FrameSource::open(dir.path(), 10.0)
        .unwrap()
        .find_map(Result::err)
        .unwrap()
        .to_string();
    assert!(err.contains("frame_4.png") && err.contains("8x6 pixels"), "{err}");
}

#[test]
fn the_rotation_phones_record_is_applied() {
    // The walker with a display rotation of 90 degrees in its metadata (as a phone held sideways
    // records): frames come out turned, 960 wide and 640 high.
    let dir = tempfile::tempdir().unwrap();
    let rotated = dir.path().join("rotated.mp4");
    let made = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(walker())
        .args(["-c", "copy", "-metadata:s:v:0", "rotate=90"])
        .arg(&rotated)
        .status()
        .unwrap();
    assert!(made.success());
    let (upright, _) = FrameSource::open(&walker(), 30.0)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let (turned, _) = FrameSource::open(&rotated, 30.0)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!((turned.width(), turned.height()), (960, 640));
    // A quarter turn counter-clockwise: the turned frame's pixel (x, y) is the upright one's
    // (639 - y, x) ... up to the colour conversion's rounding.
    let mut diff = 0u64;
    for y in 0..640 {
        for x in 0..960 {
            let a = &turned.rgb()[(y * 960 + x) * 3..][..3];
            let b = &upright.rgb()[(x * 640 + (639 - y)) * 3..][..3];
            diff += a.iter().zip(b).map(|(p, q)| p.abs_diff(*q) as u64).sum::<u64>();
        }
    }
    let mean = diff as f64 / (960.0 * 640.0 * 3.0);
    assert!(mean < 2.0, "mean difference {mean} per channel");
}
