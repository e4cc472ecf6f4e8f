//! A normal range from a tree's normal walks: measured on whole recordings, refused on clips too
//! short to measure anything (it would pass every walk).

use gait_features::{NormalRange, PARAMETERS};
use gait_synth::{CohortOptions, write_dataset, write_recordings};

fn cohort() -> CohortOptions {
    let mut cohort = CohortOptions::default();
    cohort.normal_subjects = 3;
    cohort.abnormal_subjects = 1;
    cohort.recordings_per_subject = 1;
    cohort.seconds = 8.0;
    cohort.test_fraction = 0.0;
    cohort
}

#[test]
fn whole_normal_walks_give_a_range_and_two_stride_clips_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    write_recordings(&whole, &cohort(), 3).unwrap();
    let range = NormalRange::from_tree(&whole, 30.0).unwrap();
    assert_eq!(range.walks, 3);
    let cadence = range.parameters[0];
    assert_eq!(PARAMETERS[0].0, "cadence");
    assert!(
        cadence[0] < cadence[1] && cadence[0] > 60.0 && cadence[1] < 160.0,
        "{cadence:?}"
    );

    let clips = dir.path().join("clips");
    write_dataset(&clips, &cohort(), 3).unwrap();
    let err = NormalRange::from_tree(&clips, 30.0).unwrap_err().to_string();
    assert!(err.contains("long enough to measure"), "{err}");
}
