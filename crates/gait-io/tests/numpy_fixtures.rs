//! Files written by NumPy 1.x and 2.x (`fixtures/make_fixtures.py`) export to exactly the values
//! NumPy holds, and read into the typed structures with the right shapes and missing values.

use std::path::{Path, PathBuf};

use gait_io::{Coordinates, DType, Layout, read_angles, read_landmarks, read_npy, write_csv};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn fixture_names(major: &str) -> Vec<PathBuf> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(fixtures().join(major))
        .expect("fixture folder")
        .map(|e| e.expect("fixture entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "npy"))
        .collect();
    names.sort();
    names
}

/// Splits CSV text into rows of cells (the fixtures hold no quoted cells).
fn rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// Two cells hold the same value: both empty, the same word, or numbers with equal bits.
fn same_value(ours: &str, numpy: &str) -> bool {
    match (ours.parse::<f64>(), numpy.parse::<f64>()) {
        (Ok(a), Ok(b)) => a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
        _ => ours == numpy,
    }
}

fn check_exports(major: &str) {
    let names = fixture_names(major);
    assert!(names.len() >= 17, "{major}: only {} fixtures", names.len());
    for npy in names {
        let mut ours = Vec::new();
        write_csv(&npy, &mut ours).unwrap_or_else(|e| panic!("{e}"));
        let ours = rows(std::str::from_utf8(&ours).expect("CSV is UTF-8"));
        let expected = std::fs::read_to_string(npy.with_extension("expected.csv")).expect("expected CSV");
        let expected = rows(&expected);
        assert_eq!(ours.len(), expected.len(), "{}: row count", npy.display());
        assert_eq!(ours[0], expected[0], "{}: header", npy.display());
        for (r, (a, b)) in ours.iter().zip(&expected).enumerate().skip(1) {
            assert_eq!(a.len(), b.len(), "{}: width of row {r}", npy.display());
            for (c, (x, y)) in a.iter().zip(b).enumerate() {
                assert!(
                    same_value(x, y),
                    "{} row {r} col {c}: ours {x:?}, NumPy {y:?}",
                    npy.display()
                );
            }
        }
    }
}

#[test]
fn numpy1_files_export_to_numpy_values() {
    check_exports("numpy1");
}

#[test]
fn numpy2_files_export_to_numpy_values() {
    check_exports("numpy2");
}

#[test]
fn old_pipeline_angles_read_with_keys_in_file_order_and_none_missing() {
    for major in ["numpy1", "numpy2"] {
        let seq = read_angles(&fixtures().join(major).join("angles_numpy_float64.npy")).unwrap();
        assert_eq!(seq.frames(), 5);
        assert_eq!(seq.columns()[0], "right_elbow");
        assert_eq!(seq.columns()[10], "stride_width");
        let ankle = seq
            .columns()
            .iter()
            .position(|c| c == "right_ankle_dorsiflexion")
            .unwrap();
        let missing: Vec<usize> = (0..5).filter(|&f| seq.is_missing(f, ankle)).collect();
        assert_eq!(missing, vec![1, 3]);
        assert_eq!(seq.missing_count(), 2);
        let one = read_angles(&fixtures().join(major).join("angles_one_frame.npy")).unwrap();
        assert_eq!((one.frames(), one.columns().len()), (1, 11));
        assert_eq!(one.get(0, 3), Some(4.5));
    }
}

#[test]
fn landmark_files_read_in_every_storage_order_alike() {
    let dir = fixtures().join("numpy2");
    let reference = read_landmarks(&dir.join("landmarks_f64.npy")).unwrap();
    assert_eq!(reference.layout(), Layout::MediaPipe33);
    assert_eq!(reference.frames(), 4);
    for name in ["landmarks_big_endian.npy", "landmarks_fortran.npy"] {
        assert_eq!(read_landmarks(&dir.join(name)).unwrap(), reference, "{name}");
    }
    // float64 files are kept in f64; the float32 file of the same values is those rounded.
    let single = read_landmarks(&dir.join("landmarks_f32.npy")).unwrap();
    assert!(matches!(reference.coordinates(), Coordinates::F64(_)));
    assert!(matches!(single.coordinates(), Coordinates::F32(_)));
    assert_eq!(single.positions(), reference.positions());
    assert_ne!(single.positions_f64(), reference.positions_f64());
    assert_eq!(read_landmarks(&dir.join("empty.npy")).unwrap().frames(), 0);
    let cube = read_npy(&dir.join("fortran_int32_cube.npy")).unwrap();
    assert_eq!(cube.dtype(), DType::I32);
    let cube = cube.to_f64();
    assert_eq!(cube[[1, 2, 3]], 23.0);
    assert_eq!(cube[[0, 1, 0]], 4.0);
}

#[test]
fn numeric_and_angle_files_are_refused_by_the_other_reader() {
    let dir = fixtures().join("numpy1");
    let err = read_npy(&dir.join("angles_one_frame.npy"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("angles_one_frame.npy") && err.contains("object"),
        "{err}"
    );
    let err = read_angles(&dir.join("int16_matrix.npy"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("int16_matrix.npy") && err.contains("not an angles file"),
        "{err}"
    );
    let err = read_landmarks(&dir.join("int16_matrix.npy"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("not (frames, 33|25|17, 3)"), "{err}");
}

/// Integers beyond 2^53 in an angles file (NumPy int64 and uint64 scalars, Python ints) are
/// refused with the reason, never rounded to a neighbouring float64.
#[test]
fn integers_a_float64_cannot_hold_are_refused_not_rounded() {
    for major in ["numpy1", "numpy2"] {
        let refused = fixtures().join(major).join("refused");
        let files: Vec<PathBuf> = std::fs::read_dir(&refused)
            .expect("refused fixtures")
            .map(|e| e.expect("entry").path())
            .collect();
        assert_eq!(files.len(), 3, "{}", refused.display());
        for file in files {
            let err = read_angles(&file).unwrap_err().to_string();
            assert!(
                err.contains("2^53") && err.contains("refused rather than rounded"),
                "{err}"
            );
            assert!(write_csv(&file, &mut Vec::new()).is_err());
        }
    }
}
