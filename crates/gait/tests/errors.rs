//! A file's failure reaches the facade one way, `Error::Io`, naming the file, whichever crate
//! met it.

use std::path::Path;

use gait::prelude::*;

fn io_about(result: Result<impl std::fmt::Debug, impl Into<gait::Error>>, file: &Path) {
    let error: gait::Error = result.map(drop).map_err(Into::into).unwrap_err();
    assert!(matches!(error, gait::Error::Io(_)), "{error:?}");
    assert_eq!(error.path(), Some(file), "{error}");
}

#[test]
fn a_missing_file_is_io_with_its_path_from_every_crate() {
    let dir = tempfile::tempdir().unwrap();
    let landmarks = dir.path().join("1_landmarks.npy");
    // gait-features, reading landmarks to compute features.
    io_about(
        gait::features_of_file(&landmarks, FeatureSet::Default),
        &landmarks,
    );
    // gait-lstm through gait-features and gait-io: the tree a split is loaded from.
    io_about(
        gait::load_examples(&dir.path().join("none"), Split::Training, FeatureSet::Default),
        &dir.path().join("none"),
    );
}
