//! CSV export stays in proportion to the file, and keeps the row count of arrays with no columns.

use gait_io::write_csv;

/// A `.npy` version 1.0 file of float64 with the given shape and no data.
fn empty_npy(shape: &str) -> Vec<u8> {
    let mut header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}");
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&u16::try_from(header.len()).unwrap().to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out
}

#[test]
fn an_empty_array_claiming_huge_sizes_is_refused_not_allocated() {
    let dir = tempfile::tempdir().unwrap();
    for shape in ["(0, 1000000000000)", "(0, 50000000)", "(1000000000000, 0)"] {
        let path = dir.path().join("claims.npy");
        std::fs::write(&path, empty_npy(shape)).unwrap();
        let mut out = Vec::new();
        let err = write_csv(&path, &mut out).unwrap_err().to_string();
        assert!(
            err.contains("claims.npy") && err.contains("not exported"),
            "{shape}: {err}"
        );
        assert!(out.is_empty(), "{shape}: wrote {} bytes", out.len());
    }
}

#[test]
fn rows_without_columns_keep_their_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("five.npy");
    std::fs::write(&path, empty_npy("(5, 0)")).unwrap();
    let mut out = Vec::new();
    write_csv(&path, &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "\n\n\n\n\n\n",
        "a header line and five empty rows"
    );
}

#[test]
fn frames_of_empty_dicts_keep_their_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("1_angles.npy");
    let empty = gait_io::FeatureSequence::new(Vec::new(), ndarray::Array2::zeros((3, 0))).unwrap();
    gait_io::write_angles(&path, &empty).unwrap();
    let mut out = Vec::new();
    gait_io::write_csv(&path, &mut out).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "\n\n\n\n");
}
