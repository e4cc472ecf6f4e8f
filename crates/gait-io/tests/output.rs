//! Output folders never reach into an input: through `..`, links, or links inside the output.

use std::path::Path;

use gait_io::{Error, OutputDir, resolve};

fn tree() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    std::fs::create_dir_all(input.join("Training/Normal/walk")).unwrap();
    std::fs::write(input.join("Training/Normal/walk/1_landmarks.npy"), "data").unwrap();
    (dir, input)
}

fn inside_input(result: gait_io::Result<impl std::fmt::Debug>) {
    match result {
        Err(Error::OutputInsideInput { .. }) => {}
        other => panic!("expected a refusal inside the input, got {other:?}"),
    }
}

#[test]
fn dot_dot_after_a_missing_folder_is_resolved_before_anything_is_created() {
    let (dir, input) = tree();
    let sneaky = dir.path().join("missing/../input/y");
    assert_eq!(resolve(&sneaky).unwrap(), input.canonicalize().unwrap().join("y"));
    inside_input(OutputDir::prepare(&sneaky, &[&input], true));
    assert!(!dir.path().join("missing").exists(), "a refusal creates nothing");
    assert!(!input.join("y").exists());
}

#[test]
fn a_link_to_the_input_is_refused() {
    let (dir, input) = tree();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&input, &link).unwrap();
    inside_input(OutputDir::prepare(&link.join("out"), &[&input], true));
    inside_input(OutputDir::prepare(&link, &[&input], true));
    assert!(!input.join("out").exists());
}

#[test]
fn a_link_inside_the_output_that_leads_into_the_input_is_refused_folder_by_folder() {
    let (dir, input) = tree();
    let out = OutputDir::prepare(&dir.path().join("out"), &[&input], false).unwrap();
    std::os::unix::fs::symlink(input.join("Training"), out.root().join("Training")).unwrap();
    inside_input(out.dir(Path::new("Training/Normal/walk")));
    assert!(out.dir(Path::new("Testing/Normal/walk")).is_ok());
}

#[test]
fn a_relative_folder_may_not_climb_out_of_the_output() {
    let (dir, input) = tree();
    let out = OutputDir::prepare(&dir.path().join("out"), &[&input], false).unwrap();
    for climbing in ["..", "a/../../b", "/etc"] {
        match out.dir(Path::new(climbing)) {
            Err(Error::OutputOutsideFolder { .. }) => {}
            other => panic!("{climbing}: expected a refusal, got {other:?}"),
        }
    }
    assert!(!dir.path().join("b").exists());
}

#[test]
fn a_folder_that_holds_anything_is_refused_without_force() {
    let (dir, input) = tree();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("model.safetensors"), "mine").unwrap();
    match OutputDir::prepare(&out, &[&input], false) {
        Err(Error::OutputExists { path }) => assert_eq!(path, out),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(OutputDir::prepare(&out, &[&input], true).is_ok());
    assert_eq!(std::fs::read(out.join("model.safetensors")).unwrap(), b"mine");
}
