//! A file's failure reaches the facade one way, `Error::Io`, naming the file and saying what the
//! operating system said, whichever crate met it.

use std::path::Path;

use gait::prelude::*;

fn io_about(result: Result<impl std::fmt::Debug, impl Into<gait::Error>>, file: &Path) -> gait::Error {
    let error: gait::Error = result.map(drop).map_err(Into::into).unwrap_err();
    assert!(matches!(error, gait::Error::Io(_)), "{error:?}");
    assert_eq!(error.path(), Some(file), "{error}");
    error
}

#[test]
fn a_missing_file_is_io_with_its_path_from_every_crate() {
    let dir = tempfile::tempdir().unwrap();
    let landmarks = dir.path().join("1_landmarks.npy");
    // gait-features, reading landmarks to compute features: the operating system's refusal.
    let missing = io_about(
        gait::features_of_file(&landmarks, FeatureSet::Default),
        &landmarks,
    );
    assert_eq!(missing.io_kind(), Some(std::io::ErrorKind::NotFound), "{missing}");
    // gait-lstm through gait-features and gait-io: the tree a split is loaded from, which is no
    // dataset (not a refusal of the operating system).
    let none = io_about(
        gait::load_examples(&dir.path().join("none"), Split::Training, FeatureSet::Default),
        &dir.path().join("none"),
    );
    assert_eq!(none.io_kind(), None, "{none}");
}
