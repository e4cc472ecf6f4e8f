//! This machine's f32 FMA peak: 12 independent FMA chains per thread, on one thread and on two,
//! in GFLOP/s (best of five runs), with AVX-512 (16 lanes) where the CPU has it and with AVX2 (8
//! lanes). The figures BENCHMARKS.md quotes the LSTM's GFLOP/s against.
//!
//!     rustc -O tools/fma_peak.rs -o /tmp/fma_peak && /tmp/fma_peak
use std::arch::asm;
use std::time::Instant;

const ROUNDS: u64 = 50_000_000;

/// ROUNDS x 12 FMAs of 16 lanes (registers only; the values do not matter).
///
/// # Safety
///
/// The CPU has AVX-512F.
#[target_feature(enable = "avx512f")]
unsafe fn avx512() {
    for _ in 0..ROUNDS {
        // SAFETY: register-only arithmetic on zmm0-11, 30, 31, all declared clobbered, on a CPU
        // with AVX-512F (this function's contract).
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

/// ROUNDS x 12 FMAs of 8 lanes (registers only).
///
/// # Safety
///
/// The CPU has AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
unsafe fn avx2() {
    for _ in 0..ROUNDS {
        // SAFETY: register-only arithmetic on ymm0-11, 14, 15, all declared clobbered, on a CPU
        // with AVX2 and FMA (this function's contract).
        unsafe {
            asm!(
                "vfmadd231ps ymm0, ymm14, ymm15", "vfmadd231ps ymm1, ymm14, ymm15",
                "vfmadd231ps ymm2, ymm14, ymm15", "vfmadd231ps ymm3, ymm14, ymm15",
                "vfmadd231ps ymm4, ymm14, ymm15", "vfmadd231ps ymm5, ymm14, ymm15",
                "vfmadd231ps ymm6, ymm14, ymm15", "vfmadd231ps ymm7, ymm14, ymm15",
                "vfmadd231ps ymm8, ymm14, ymm15", "vfmadd231ps ymm9, ymm14, ymm15",
                "vfmadd231ps ymm10, ymm14, ymm15", "vfmadd231ps ymm11, ymm14, ymm15",
                out("ymm0") _, out("ymm1") _, out("ymm2") _, out("ymm3") _, out("ymm4") _,
                out("ymm5") _, out("ymm6") _, out("ymm7") _, out("ymm8") _, out("ymm9") _,
                out("ymm10") _, out("ymm11") _, out("ymm14") _, out("ymm15") _,
            );
        }
    }
}

fn main() {
    assert!(
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma"),
        "this measures AVX2 and AVX-512 FMAs"
    );
    let mut sets: Vec<(&str, unsafe fn(), u64)> = vec![("AVX2", avx2, 8)];
    if std::is_x86_feature_detected!("avx512f") {
        sets.push(("AVX-512", avx512, 16));
    }
    for (name, run, lanes) in sets {
        let flop = (ROUNDS * 12 * lanes * 2) as f64;
        for threads in [1, 2] {
            let best = (0..5)
                .map(|_| {
                    let start = Instant::now();
                    // SAFETY: each set is listed only where the CPU has its instructions.
                    let handles: Vec<_> = (0..threads)
                        .map(|_| std::thread::spawn(move || unsafe { run() }))
                        .collect();
                    handles.into_iter().for_each(|h| h.join().expect("thread"));
                    threads as f64 * flop / start.elapsed().as_secs_f64() / 1e9
                })
                .fold(0.0, f64::max);
            println!("{name}, {threads} thread(s): {best:.0} GFLOP/s");
        }
    }
}
