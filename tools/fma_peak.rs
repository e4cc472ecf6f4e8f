//! This machine's f32 FMA peak: 12 independent FMA chains per thread, on one thread and on two,
//! in GFLOP/s (best of five runs), with AVX-512 (16 lanes) where the CPU has it and with AVX2 (8
//! lanes). The figures BENCHMARKS.md quotes the LSTM's GFLOP/s against. And the peak of the
//! portable path's instructions (`GAIT_ISA=portable`, SSE2 on x86_64: 4 lanes and no FMA), seven
//! multiply chains beside seven add chains: the most its multiply-adds can run at.
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

/// Seven multiplies of registers 0 to 6 by register 14 beside seven adds of register 15 to
/// registers 7 to 13 (SSE2, 4 lanes), each register its own chain.
macro_rules! seven_multiplies_beside_seven_adds {
    () => {
        concat!(
            "mulps xmm0, xmm14\n",
            "addps xmm7, xmm15\n",
            "mulps xmm1, xmm14\n",
            "addps xmm8, xmm15\n",
            "mulps xmm2, xmm14\n",
            "addps xmm9, xmm15\n",
            "mulps xmm3, xmm14\n",
            "addps xmm10, xmm15\n",
            "mulps xmm4, xmm14\n",
            "addps xmm11, xmm15\n",
            "mulps xmm5, xmm14\n",
            "addps xmm12, xmm15\n",
            "mulps xmm6, xmm14\n",
            "addps xmm13, xmm15\n",
        )
    };
}

/// ROUNDS x (14 multiplies and 14 adds) of 4 lanes, in 14 chains (registers only; by one and
/// zero, so that no value becomes subnormal). SSE2 is part of x86_64.
fn sse2() {
    use std::arch::x86_64::{_mm_set1_ps, _mm_setzero_ps};
    // SAFETY: SSE, which these need, is part of x86_64.
    let (one, zero) = unsafe { (_mm_set1_ps(1.0), _mm_setzero_ps()) };
    for _ in 0..ROUNDS {
        // SAFETY: register-only arithmetic on SSE2, which every x86_64 CPU has; every vector
        // register but the two inputs is declared clobbered (`clobber_abi`).
        unsafe {
            asm!(
                seven_multiplies_beside_seven_adds!(),
                seven_multiplies_beside_seven_adds!(),
                in("xmm14") one,
                in("xmm15") zero,
                clobber_abi("C"),
            )
        }
    }
}

/// Runs `run` on `threads` threads at once, five times: the best rate, in GFLOP/s, for `flop`
/// operations a thread.
///
/// # Safety
///
/// The CPU has the instructions `run` needs.
unsafe fn best_of_five(run: unsafe fn(), threads: u64, flop: f64) -> f64 {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            // SAFETY: this function's contract.
            let handles: Vec<_> = (0..threads)
                .map(|_| std::thread::spawn(move || unsafe { run() }))
                .collect();
            handles.into_iter().for_each(|h| h.join().expect("thread"));
            threads as f64 * flop / start.elapsed().as_secs_f64() / 1e9
        })
        .fold(0.0, f64::max)
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
    let mut fma_two_threads = 0.0;
    for (name, run, lanes) in sets {
        let flop = (ROUNDS * 12 * lanes * 2) as f64;
        for threads in [1, 2] {
            // SAFETY: each set is listed only where the CPU has its instructions.
            let best = unsafe { best_of_five(run, threads, flop) };
            println!("{name}, {threads} thread(s): {best:.0} GFLOP/s");
            if name == "AVX2" && threads == 2 {
                fma_two_threads = best;
            }
        }
    }
    let flop = (ROUNDS * 28 * 4) as f64;
    for threads in [1, 2] {
        // SAFETY: SSE2 is part of x86_64.
        let best = unsafe { best_of_five(sse2, threads, flop) };
        println!("portable (SSE2 multiplies and adds), {threads} thread(s): {best:.0} GFLOP/s");
        if threads == 2 {
            println!("AVX2 FMA peak / portable peak: {:.2}", fma_two_threads / best);
        }
    }
}
