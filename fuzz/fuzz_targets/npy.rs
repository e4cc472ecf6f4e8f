//! Any bytes given to the numeric `.npy` reader give a value or an error, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = gait_io::fuzzing::npy(data);
});
