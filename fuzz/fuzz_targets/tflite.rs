//! Any bytes given to the `.tflite` reader give a model that runs or an error, never a panic, an
//! abort or a bad memory access: its shapes, operator wiring and sparse tensors are all checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    gait_pose::fuzzing::model(data);
});
