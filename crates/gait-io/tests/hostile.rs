//! Hostile and broken files are refused with an error naming the file: never a panic, and never
//! more memory than a small multiple of the input. A counting allocator measures the peak.
#![allow(unsafe_code)] // the counting global allocator

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use gait_io::pickle::PickleError;
use gait_io::{Error, read_angles, read_npy};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts sizes.
unsafe impl GlobalAlloc for Counting {
    /// Counts, then allocates with the system allocator.
    ///
    /// # Safety
    ///
    /// As [`GlobalAlloc::alloc`]: `layout` has a non-zero size.
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
        PEAK.fetch_max(now, Ordering::SeqCst);
        // SAFETY: same layout, passed through.
        unsafe { System.alloc(layout) }
    }
    /// Counts, then frees with the system allocator.
    ///
    /// # Safety
    ///
    /// As [`GlobalAlloc::dealloc`]: `ptr` came from [`alloc`](Self::alloc) with `layout`.
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::SeqCst);
        // SAFETY: allocated above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A `.npy` version 1.0 file with the given header dict and payload.
fn npy(dict: &str, payload: &[u8]) -> Vec<u8> {
    let mut header = dict.to_string();
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&u16::try_from(header.len()).unwrap().to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(payload);
    out
}

fn object_npy(pickle: &[u8]) -> Vec<u8> {
    npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", pickle)
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/numpy1")
            .join(name),
    )
    .unwrap()
}

struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    /// Read as an angles file (else as a numeric array).
    angles: bool,
    /// A word the error message must hold.
    says: &'static str,
}

fn cases() -> Vec<Case> {
    let landmarks = fixture("landmarks_f64.npy");
    let angles = fixture("angles_numpy_float64.npy");
    let deep_lists = [b"\x80\x04".as_slice(), &[b']'; 200_000], &[b'a'; 199_999], b"."].concat();
    let deep_marks = [b"\x80\x04".as_slice(), &[b'('; 200_000], b"."].concat();
    // One dict of 1,000 keys, shared 100,000 times through the memo: a 200 kB pickle describing
    // a 10^8-cell table.
    let mut shared = b"\x80\x03cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85C\x01b\x87R(K\x01J\xa0\x86\x01\x00\x85cnumpy\ndtype\nX\x02\x00\x00\x00O8\x89\x88\x87R(K\x03X\x01\x00\x00\x00|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?tb\x89](}q\x00(".to_vec();
    for k in 0..1000 {
        let key = format!("k{k}");
        shared.push(b'X');
        shared.extend_from_slice(&u32::try_from(key.len()).unwrap().to_le_bytes());
        shared.extend_from_slice(key.as_bytes());
        shared.push(b'N');
    }
    shared.push(b'u');
    for _ in 1..100_000 {
        shared.extend_from_slice(b"h\x00");
    }
    shared.extend_from_slice(b"etb.");
    vec![
        Case {
            name: "empty file",
            bytes: Vec::new(),
            angles: false,
            says: "empty",
        },
        Case {
            name: "wrong magic",
            bytes: b"PK\x03\x04 not numpy at all".to_vec(),
            angles: false,
            says: "magic",
        },
        Case {
            name: "truncated header",
            bytes: landmarks[..40].to_vec(),
            angles: false,
            says: "truncated header",
        },
        Case {
            name: "truncated data",
            bytes: landmarks[..landmarks.len() - 8].to_vec(),
            angles: false,
            says: "truncated data",
        },
        Case {
            name: "10^12 elements claimed",
            bytes: npy(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }",
                &[0; 64],
            ),
            angles: false,
            says: "1000000000000 elements",
        },
        Case {
            name: "shape overflowing usize",
            bytes: npy(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }",
                &[],
            ),
            angles: false,
            says: "more elements than can exist",
        },
        Case {
            // 2**32 * 2**32 * 3 wraps to 0 in 64 bits: it used to read as an empty array.
            name: "shape wrapping to zero elements",
            bytes: npy(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 3), }",
                &[],
            ),
            angles: false,
            says: "more elements than can exist",
        },
        Case {
            name: "malformed header dict",
            bytes: npy(
                "{'descr': '<f8', 'fortran_order': Fals, 'shape': (3,), }",
                &[0; 24],
            ),
            angles: false,
            says: "malformed header",
        },
        Case {
            name: "header that is not a dict",
            bytes: npy("[1, 2, 3]", &[]),
            angles: false,
            says: "not a dict",
        },
        Case {
            name: "truncated pickle",
            bytes: angles[..angles.len() / 2].to_vec(),
            angles: true,
            says: "truncated",
        },
        Case {
            name: "os.system global",
            bytes: object_npy(b"\x80\x03cos\nsystem\nX\x02\x00\x00\x00lsR."),
            angles: true,
            says: "refused global os.system",
        },
        Case {
            name: "builtins.eval by STACK_GLOBAL",
            bytes: object_npy(b"\x80\x04\x8c\x08builtins\x8c\x04eval\x93\x8c\x011\x85R."),
            angles: true,
            says: "refused global builtins.eval",
        },
        Case {
            name: "200,000 nested lists",
            bytes: object_npy(&deep_lists),
            angles: true,
            says: "not a NumPy object array",
        },
        Case {
            name: "200,000 nested marks",
            bytes: object_npy(&deep_marks),
            angles: true,
            says: "stack underflow",
        },
        Case {
            name: "huge string length",
            bytes: object_npy(b"\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\x7f"),
            angles: true,
            says: "only 0 are left",
        },
        Case {
            name: "shared dict bomb",
            bytes: object_npy(&shared),
            angles: true,
            says: "out of proportion",
        },
    ]
}

#[test]
fn hostile_files_are_refused_cleanly_within_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    for case in cases() {
        let path = dir.path().join("hostile.npy");
        std::fs::write(&path, &case.bytes).unwrap();
        let input = case.bytes.len();
        drop(case.bytes);
        let base = CURRENT.load(Ordering::SeqCst);
        PEAK.store(base, Ordering::SeqCst);
        let err: Error = if case.angles {
            read_angles(&path).unwrap_err()
        } else {
            read_npy(&path).unwrap_err()
        };
        let used = PEAK.load(Ordering::SeqCst) - base;
        let message = err.to_string();
        assert!(
            message.contains("hostile.npy"),
            "{}: the error does not name the file: {message}",
            case.name
        );
        assert!(message.contains(case.says), "{}: {message}", case.name);
        assert!(used < 100_000_000, "{}: {used} bytes at peak", case.name);
        assert!(
            used < 64 * input + 1_000_000,
            "{}: {used} bytes at peak for {input} bytes of input",
            case.name
        );
    }
}

#[test]
fn refused_globals_are_named_in_the_error_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evil.npy");
    std::fs::write(
        &path,
        object_npy(b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00lsR."),
    )
    .unwrap();
    match read_angles(&path) {
        Err(Error::Pickle {
            source: PickleError::ForbiddenGlobal { module, name, .. },
            ..
        }) => {
            assert_eq!((module.as_str(), name.as_str()), ("posix", "system"));
        }
        other => panic!("expected a refused global, got {other:?}"),
    }
}
