//! The `seed` set equals the old pipeline's NumPy float64 values (`fixtures/make_seed_fixtures.py`).

use std::path::Path;

use gait_features::{SEED_COLUMNS, seed_features};
use gait_io::{NpyArray, read_landmarks, read_npy};

/// Our seed features of `landmarks` against NumPy's `expected`, both fixtures.
fn check(landmarks: &str, expected: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let landmarks = read_landmarks(&dir.join(landmarks)).unwrap();
    let NpyArray::F64(expected) = read_npy(&dir.join(expected)).unwrap() else {
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

#[test]
fn seed_features_equal_the_old_pipelines_numpy_values() {
    check("seed_landmarks.npy", "seed_expected.npy");
}

/// float64 landmarks that float32 cannot hold (metres, nearly straight limbs) are kept in f64:
/// narrowed to f32 they differed from NumPy by up to 1.2e-5 degrees.
#[test]
fn seed_features_of_float64_landmarks_equal_numpys_float64_values() {
    check("seed_landmarks_f64.npy", "seed_expected_f64.npy");
}
