//! Any bytes given to the angles reader's pickle machine give a table or an error, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = gait_io::fuzzing::pickle(data);
});
