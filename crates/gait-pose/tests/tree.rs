//! An input tree of videos becomes one job per clip, each in the output folder that mirrors its
//! own; clips that would share files are refused, pictures beside videos are reported.

use std::path::Path;

use gait_io::OutputDir;
use gait_pose::{Error, video_jobs};

fn touch(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, b"").unwrap();
}

#[test]
fn a_tree_of_videos_is_mirrored_clip_by_clip() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("videos")).unwrap();
    let input = dir.path().join("videos").canonicalize().unwrap();
    touch(&input.join("Training/Normal/r1/1.mp4"));
    touch(&input.join("Training/Normal/r1/2.MOV"));
    touch(&input.join("Training/Normal/r1/notes.txt"));
    touch(&input.join("Testing/Abnormal/r9/1.mkv"));
    touch(&input.join("Testing/Abnormal/r9/still.png"));
    let out = OutputDir::prepare(&dir.path().join("out"), &[&input], false).unwrap();
    let found = video_jobs(&input, &out).unwrap();
    let jobs: Vec<(String, String)> = found
        .jobs
        .iter()
        .map(|j| {
            let relative = j.dir.strip_prefix(out.root()).unwrap();
            (relative.display().to_string(), j.clip.clone())
        })
        .collect();
    assert_eq!(
        jobs,
        [
            ("Testing/Abnormal/r9".to_string(), "1".to_string()),
            ("Training/Normal/r1".to_string(), "1".to_string()),
            ("Training/Normal/r1".to_string(), "2".to_string()),
        ]
    );
    assert!(found.jobs.iter().all(|j| j.dir.is_dir()));
    assert_eq!(
        found.unread_pictures,
        [(input.join("Testing/Abnormal/r9"), 1)],
        "the picture beside a video is reported"
    );
    let first = &found.jobs[1];
    assert_eq!(first.outputs()[0], first.dir.join("1_landmarks.npy"));
    assert_eq!(first.existing_output(), None);
    touch(&first.overlay());
    assert_eq!(first.existing_output(), Some(first.dir.join("1_overlay.png")));
    // Every person written: person 2 is a recording of their own beside this one, same clip.
    let second = first.person(2, &out).unwrap();
    assert_eq!(
        (second.dir.clone(), second.clip.as_str()),
        (out.root().join("Training/Normal/r1_person2"), "1")
    );
    assert!(second.dir.is_dir());
}

#[test]
fn two_videos_of_one_name_a_missing_input_and_an_empty_one_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("videos");
    touch(&input.join("a/1.mp4"));
    touch(&input.join("a/1.mkv"));
    let out = OutputDir::prepare(&dir.path().join("out"), &[&input], false).unwrap();
    let err = video_jobs(&input, &out).unwrap_err();
    assert!(matches!(err, Error::SameOutput { .. }), "{err}");
    assert!(err.to_string().contains("1_landmarks.npy"), "{err}");

    let err = video_jobs(&dir.path().join("nothing"), &out).unwrap_err();
    assert!(err.to_string().contains("no such file or folder"), "{err}");
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let err = video_jobs(&dir.path().join("empty"), &out).unwrap_err();
    assert!(err.to_string().contains("no videos"), "{err}");

    // A folder of pictures alone is one clip, named after the folder, written at the root.
    touch(&dir.path().join("frames/0001.png"));
    let found = video_jobs(&dir.path().join("frames"), &out).unwrap();
    assert_eq!(found.jobs.len(), 1);
    assert_eq!(
        (found.jobs[0].dir.as_path(), found.jobs[0].clip.as_str()),
        (out.root(), "frames")
    );
    // At the root, person 2 is a clip of their own.
    let second = found.jobs[0].person(2, &out).unwrap();
    assert_eq!(
        (second.dir.as_path(), second.clip.as_str()),
        (out.root(), "frames_person2")
    );
}
