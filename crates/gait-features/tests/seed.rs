//! The `seed` set equals the old pipeline's NumPy float64 values (`fixtures/make_seed_fixtures.py`).

use std::path::Path;

use gait_features::{SEED_COLUMNS, seed_features};
use gait_io::{NpyArray, read_landmarks, read_npy};

#[test]
fn seed_features_equal_the_old_pipelines_numpy_values() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let landmarks = read_landmarks(&dir.join("seed_landmarks.npy")).unwrap();
    let NpyArray::F64(expected) = read_npy(&dir.join("seed_expected.npy")).unwrap() else {
        panic!("f64")
    };
    let ours = seed_features(&landmarks);
    assert_eq!(ours.columns(), SEED_COLUMNS);
    assert_eq!(ours.values().shape(), expected.shape());
    let mut worst = 0.0f64;
    for ((frame, column), &want) in expected.indexed_iter().map(|(i, v)| ((i[0], i[1]), v)) {
        let got = ours.values()[[frame, column]];
        if want.is_nan() {
            assert!(
                got.is_nan(),
                "frame {frame} {}: NumPy None, ours {got}",
                SEED_COLUMNS[column]
            );
        } else {
            worst = worst.max((got - want).abs());
            assert!(
                (got - want).abs() <= 1e-9,
                "frame {frame} {}: NumPy {want}, ours {got}",
                SEED_COLUMNS[column]
            );
        }
    }
    assert!(
        ours.missing_count() >= 8,
        "the fixture's zero-length vectors give None"
    );
    // The same operations in the same order; only the arc cosine is our own (within a few ulp).
    assert!(worst <= 1e-12, "largest difference {worst:e}");
}
