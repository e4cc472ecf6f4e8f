//! Write then read gives back what was written: numeric arrays, angle files, landmarks; and the
//! angles writer's bytes stay those that NumPy 1.x and 2.x were checked to load
//! (`fixtures/make_fixtures.py` checks `fixtures/written/angles.npy`).

use std::path::Path;

use gait_io::{
    Coordinates, FeatureSequence, Landmarks, Layout, NpyArray, read_angles, read_landmarks, read_npy,
    write_angles, write_landmarks, write_npy,
};
use ndarray::{Array2, Array3, ArrayD, IxDyn};
use proptest::prelude::*;

fn shape_and_values<T: std::fmt::Debug>(
    element: impl Strategy<Value = T> + Clone,
) -> impl Strategy<Value = ArrayD<T>> {
    prop::collection::vec(0usize..5, 0..4).prop_flat_map(move |shape| {
        let len = shape.iter().product::<usize>();
        prop::collection::vec(element.clone(), len)
            .prop_map(move |values| ArrayD::from_shape_vec(IxDyn(&shape), values).unwrap())
    })
}

fn any_f64() -> impl Strategy<Value = f64> + Clone {
    prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(-0.0),
        Just(f64::INFINITY),
        -1e3..1e3f64
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn f64_arrays_round_trip_bit_for_bit(array in shape_and_values(any_f64())) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.npy");
        write_npy(&path, &array).unwrap();
        let NpyArray::F64(back) = read_npy(&path).unwrap() else { panic!("dtype changed") };
        prop_assert_eq!(back.shape(), array.shape());
        prop_assert!(back.iter().zip(&array).all(|(a, b)| a.to_bits() == b.to_bits()));
    }

    #[test]
    fn f32_arrays_round_trip_bit_for_bit(array in shape_and_values(any::<f32>())) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.npy");
        write_npy(&path, &array).unwrap();
        let NpyArray::F32(back) = read_npy(&path).unwrap() else { panic!("dtype changed") };
        prop_assert_eq!(back.shape(), array.shape());
        prop_assert!(back.iter().zip(&array).all(|(a, b)| a.to_bits() == b.to_bits()));
    }

    #[test]
    fn angle_files_round_trip(
        columns in prop::collection::hash_set("[a-zA-Z_é]{1,12}", 1..14),
        frames in 1usize..300,
        seed in any::<u64>(),
    ) {
        let columns: Vec<String> = columns.into_iter().collect();
        // A cheap deterministic spread of values, a fifth of them missing.
        let values = Array2::from_shape_fn((frames, columns.len()), |(f, c)| {
            let h = (seed ^ (f as u64 * 0x9e37_79b9) ^ (c as u64 * 0x85eb_ca6b)).wrapping_mul(0xff51_afd7_ed55_8ccd);
            if h.is_multiple_of(5) { f64::NAN } else { f64::from_bits(h >> 2) }
        });
        let sequence = FeatureSequence::new(columns, values).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("1_angles.npy");
        write_angles(&path, &sequence).unwrap();
        let back = read_angles(&path).unwrap();
        prop_assert_eq!(back.columns(), sequence.columns());
        prop_assert!(back.values().iter().zip(sequence.values()).all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())));
    }
}

#[test]
fn landmarks_round_trip_through_the_old_pipelines_float64() {
    let positions = Array3::from_shape_fn((7, 33, 3), |(f, j, a)| (f * 100 + j * 3 + a) as f32 * 0.01);
    let landmarks = Landmarks::new(Layout::MediaPipe33, positions).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep/er/3_landmarks.npy");
    write_landmarks(&path, &landmarks).unwrap();
    assert_eq!(read_npy(&path).unwrap().dtype(), gait_io::DType::F64);
    let back = read_landmarks(&path).unwrap();
    assert_eq!(back.positions(), landmarks.positions());
    // float64 is kept in f64, so writing again changes no bit.
    write_landmarks(&path, &back).unwrap();
    assert_eq!(read_landmarks(&path).unwrap(), back);
    let exact = Array3::from_shape_fn((3, 25, 3), |(f, j, a)| 0.1 + (f * 75 + j * 3 + a) as f64 * 1e-9);
    let kinect = Landmarks::from_f64(Layout::KinectV2, exact).unwrap();
    write_landmarks(&path, &kinect).unwrap();
    assert_eq!(read_landmarks(&path).unwrap(), kinect);
    assert!(Landmarks::new(Layout::KinectV2, Array3::zeros((2, 33, 3))).is_err());
}

/// Landmarks that borrow an array, in either memory order, hold what owned ones hold, and read
/// back the same once written; a shape that does not fit the layout is refused as by `new`.
#[test]
fn borrowed_landmarks_are_the_owned_ones() {
    let positions = Array3::from_shape_fn((5, 33, 3), |(f, j, a)| (f * 100 + j * 3 + a) as f64 * 0.01);
    let owned = Landmarks::from_f64(Layout::MediaPipe33, positions.clone()).unwrap();
    let transposed = positions.t().as_standard_layout().into_owned();
    let fortran = transposed.t();
    for view in [positions.view(), fortran] {
        let borrowed = Landmarks::borrowed(Layout::MediaPipe33, Coordinates::F64(view)).unwrap();
        assert_eq!(borrowed.positions_f64(), owned.positions_f64());
        assert_eq!(borrowed.clone().into_owned(), owned);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("1_landmarks.npy");
        write_landmarks(&path, &borrowed).unwrap();
        assert_eq!(read_landmarks(&path).unwrap(), owned);
    }
    let f32s = positions.mapv(|v| v as f32);
    assert!(Landmarks::borrowed(Layout::KinectV2, Coordinates::F32(f32s.view())).is_err());
}

#[test]
fn writes_leave_no_temporary_files_behind() {
    let dir = tempfile::tempdir().unwrap();
    let seq = FeatureSequence::new(vec!["a".into()], Array2::zeros((3, 1))).unwrap();
    write_angles(&dir.path().join("1_angles.npy"), &seq).unwrap();
    write_angles(&dir.path().join("1_angles.npy"), &seq).unwrap();
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("1_angles.npy")]);
}

/// The table `make_fixtures.py` expects in `written/angles.npy`.
fn written_table() -> FeatureSequence {
    const KEYS: [&str; 11] = [
        "right_elbow",
        "right_knee_flexion",
        "right_hip",
        "right_ankle_dorsiflexion",
        "left_elbow",
        "left_knee_flexion",
        "left_hip",
        "left_ankle_dorsiflexion",
        "trunk_inclination",
        "stride_length",
        "stride_width",
    ];
    let values = Array2::from_shape_fn((3, 11), |(i, j)| {
        if (i + j) % 4 == 0 {
            f64::NAN
        } else {
            (i * 100 + j) as f64 + 0.25
        }
    });
    FeatureSequence::new(KEYS.iter().map(|k| k.to_string()).collect(), values).unwrap()
}

#[test]
fn angles_writer_output_is_the_one_numpy_was_checked_to_load() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/written/angles.npy");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("angles.npy");
    write_angles(&path, &written_table()).unwrap();
    let ours = std::fs::read(&path).unwrap();
    if std::env::var_os("GAIT_BLESS").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &ours).unwrap();
    }
    assert_eq!(
        ours,
        std::fs::read(&golden).unwrap(),
        "writer output changed: re-run make_fixtures.py checks"
    );
    let back = read_angles(&golden).unwrap();
    assert_eq!(back.columns(), written_table().columns());
    assert_eq!(back.missing_count(), 8);
    assert_eq!(back.get(2, 9), Some(209.25));
    assert!(back.is_missing(2, 10));
}

/// Written files get the mode any new file gets here (0666 less the umask), so that another user
/// of a shared machine can read them; a temporary file's private 0600 used to stay.
#[cfg(unix)]
#[test]
fn written_files_get_the_usual_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain");
    std::fs::File::create(&plain).unwrap();
    let usual = std::fs::metadata(&plain).unwrap().permissions().mode() & 0o777;
    let written = dir.path().join("1_landmarks.npy");
    write_npy(&written, &Array2::<f64>::zeros((2, 3))).unwrap();
    // With the usual umask 022 that is 0644 against the old 0600; under umask 077 both are 0600.
    assert_eq!(
        std::fs::metadata(&written).unwrap().permissions().mode() & 0o777,
        usual
    );
}
