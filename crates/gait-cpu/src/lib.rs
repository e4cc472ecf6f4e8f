//! What the gait workspace's vectorised kernels share, apart from the file formats of `gait-io`:
//!
//! - [`Isa`]: the instruction set chosen once per process (the widest the CPU has, or a narrower
//!   one forced with `GAIT_ISA=portable|avx2|avx512`), and [`multiversion!`] to compile a body
//!   for each;
//! - [`buffer::filled`], [`buffer::with_capacity`]: large buffers backed by huge pages where the
//!   system gives them;
//! - [`f16_to_f32`]: half precision widened exactly (NumPy's `f2`, TFLite's float16 weights).
//!
//! A crate of its own so that the kernels' crates do not depend on a file reader to get them.

pub mod buffer;
mod f16;
mod isa;

pub use f16::f16_to_f32;
pub use isa::Isa;
