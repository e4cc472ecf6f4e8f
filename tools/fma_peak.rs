//! This machine's f32 FMA peak: 12 independent AVX-512 FMA chains per thread, on one thread and
//! on two, in GFLOP/s (best of five runs). The figure BENCHMARKS.md quotes the LSTM's GFLOP/s
//! against.
//!
//!     rustc -O -C target-feature=+avx512f tools/fma_peak.rs -o /tmp/fma_peak && /tmp/fma_peak
use std::arch::asm;
use std::time::Instant;

const ROUNDS: u64 = 50_000_000;

/// ROUNDS x 12 FMAs of 16 lanes (registers only; the values do not matter).
fn run() {
    for _ in 0..ROUNDS {
        // SAFETY: register-only arithmetic on zmm0-11, 30, 31, all declared clobbered.
        unsafe {
            asm!(
                "vfmadd231ps zmm0, zmm30, zmm31", "vfmadd231ps zmm1, zmm30, zmm31",
                "vfmadd231ps zmm2, zmm30, zmm31", "vfmadd231ps zmm3, zmm30, zmm31",
                "vfmadd231ps zmm4, zmm30, zmm31", "vfmadd231ps zmm5, zmm30, zmm31",
                "vfmadd231ps zmm6, zmm30, zmm31", "vfmadd231ps zmm7, zmm30, zmm31",
                "vfmadd231ps zmm8, zmm30, zmm31", "vfmadd231ps zmm9, zmm30, zmm31",
                "vfmadd231ps zmm10, zmm30, zmm31", "vfmadd231ps zmm11, zmm30, zmm31",
                out("zmm0") _, out("zmm1") _, out("zmm2") _, out("zmm3") _, out("zmm4") _,
                out("zmm5") _, out("zmm6") _, out("zmm7") _, out("zmm8") _, out("zmm9") _,
                out("zmm10") _, out("zmm11") _, out("zmm30") _, out("zmm31") _,
            );
        }
    }
}

fn main() {
    assert!(std::is_x86_feature_detected!("avx512f"), "this measures AVX-512 FMAs");
    let flop = (ROUNDS * 12 * 16 * 2) as f64;
    for threads in [1, 2] {
        let best = (0..5)
            .map(|_| {
                let start = Instant::now();
                let handles: Vec<_> = (0..threads).map(|_| std::thread::spawn(run)).collect();
                handles.into_iter().for_each(|h| h.join().expect("thread"));
                threads as f64 * flop / start.elapsed().as_secs_f64() / 1e9
            })
            .fold(0.0, f64::max);
        println!("{threads} thread(s): {best:.0} GFLOP/s");
    }
}
