//! This machine's f32 FMA peak: 12 independent FMA chains per thread, on one thread and on two,
//! in GFLOP/s (best of five runs), with AVX-512 (16 lanes) where the CPU has it and with AVX2 (8
//! lanes). The figures BENCHMARKS.md quotes the LSTM's GFLOP/s against.
//!
//!     rustc -O tools/fma_peak.rs -o /tmp/fma_peak && /tmp/fma_peak
use std::arch::asm;
use std::time::Instant;

const ROUNDS: u64 = 50_000_000;

/// Twelve FMAs on registers `$r`0 to `$r`11, each its own chain, from `$r`14 and `$r`15 (a
/// prefix: `ymm` or `zmm`). Every vector register is declared clobbered (`clobber_abi`).
macro_rules! twelve_fma_chains {
    ($r:literal) => {
        asm!(
            concat!("vfmadd231ps ", $r, "0, ", $r, "14, ", $r, "15"),
            concat!("vfmadd231ps ", $r, "1, ", $r, "14, ", $r, "15"),
            concat!("vfmadd231ps ", $r, "2, ", $r, "14, ", $r, "15"),
            concat!("vfmadd231ps ", $r, "3, ", $r, "14, ", $r, "15"),
            concat!("vfmadd231ps ", $r, "4, ", $r, "14, ", $r, "15"),
            concat!("vfmadd231ps ", $r, "5, ", $r, "14, ", $r, "15"),
            concat!("vfmadd231ps ", $r, "6, ", $r, "14, ", $r, "15"),
            concat!("vfmadd231ps ", $r, "7, ", $r, "14, ", $r, "15"),
            concat!("vfmadd231ps ", $r, "8, ", $r, "14, ", $r, "15"),
            concat!("vfmadd231ps ", $r, "9, ", $r, "14, ", $r, "15"),
            concat!("vfmadd231ps ", $r, "10, ", $r, "14, ", $r, "15"),
            concat!("vfmadd231ps ", $r, "11, ", $r, "14, ", $r, "15"),
            clobber_abi("C"),
        )
    };
}

/// ROUNDS x 12 FMAs of 16 lanes (registers only; the values do not matter).
///
/// # Safety
///
/// The CPU has AVX-512F.
#[target_feature(enable = "avx512f")]
unsafe fn avx512() {
    for _ in 0..ROUNDS {
        // SAFETY: register-only arithmetic, every vector register declared clobbered, on a CPU
        // with AVX-512F (this function's contract).
        unsafe { twelve_fma_chains!("zmm") }
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
        // SAFETY: register-only arithmetic, every vector register declared clobbered, on a CPU
        // with AVX2 and FMA (this function's contract).
        unsafe { twelve_fma_chains!("ymm") }
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
