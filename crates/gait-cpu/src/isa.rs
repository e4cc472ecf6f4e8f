//! [`Isa`]: the instruction set the workspace's vectorised kernels run with, chosen once per
//! process: the widest this CPU has, or a narrower one named by the `GAIT_ISA` variable
//! (`portable`, `avx2`, `avx512`), so that tests and benches can run every path a machine has.

use std::sync::OnceLock;

/// An instruction set a kernel is compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Isa {
    /// Whatever the target's baseline is (SSE2 on x86_64).
    Portable,
    /// x86_64 with AVX2 and FMA.
    Avx2,
    /// x86_64 with AVX-512F (and AVX2 and FMA).
    Avx512,
}

impl Isa {
    /// The widest instruction set this CPU runs.
    pub fn detected() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            let avx2 = std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
            if avx2 && std::is_x86_feature_detected!("avx512f") {
                return Isa::Avx512;
            }
            if avx2 {
                return Isa::Avx2;
            }
        }
        Isa::Portable
    }

    /// The instruction set to run: [`Isa::detected`], or the narrower one `GAIT_ISA` names (a
    /// wider one than the CPU has, or an unknown name, is ignored). Read once per process.
    pub fn get() -> Isa {
        static CHOSEN: OnceLock<Isa> = OnceLock::new();
        *CHOSEN.get_or_init(|| {
            let wanted = std::env::var("GAIT_ISA").ok().and_then(|name| Isa::parse(&name));
            Isa::detected().min(wanted.unwrap_or(Isa::Avx512))
        })
    }

    /// The instruction set a `GAIT_ISA` value names.
    pub fn parse(name: &str) -> Option<Isa> {
        match name.trim().to_ascii_lowercase().as_str() {
            "portable" => Some(Isa::Portable),
            "avx2" => Some(Isa::Avx2),
            "avx512" => Some(Isa::Avx512),
            _ => None,
        }
    }
}

/// Defines a function whose body is compiled three times, for [`Isa::Portable`], [`Isa::Avx2`]
/// and [`Isa::Avx512`], and runs the one [`Isa::get`] chooses. The arithmetic is the same in all
/// three (no fused multiply-adds are introduced), so they give the same bits; only the vector
/// width differs.
#[macro_export]
macro_rules! multiversion {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) {
            #[inline(always)]
            #[allow(clippy::too_many_arguments)]
            fn body($($arg: $ty),*) $body
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f,avx2,fma")]
            #[allow(clippy::too_many_arguments)]
            fn avx512($($arg: $ty),*) { body($($arg),*) }
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            #[allow(clippy::too_many_arguments)]
            fn avx2($($arg: $ty),*) { body($($arg),*) }
            match $crate::Isa::get() {
                #[cfg(target_arch = "x86_64")]
                #[allow(unsafe_code)]
                // SAFETY: `Isa::get` never chooses an instruction set this CPU lacks.
                $crate::Isa::Avx512 => unsafe { avx512($($arg),*) },
                #[cfg(target_arch = "x86_64")]
                #[allow(unsafe_code)]
                // SAFETY: as above.
                $crate::Isa::Avx2 => unsafe { avx2($($arg),*) },
                _ => body($($arg),*),
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_order() {
        assert_eq!(Isa::parse(" AVX2 "), Some(Isa::Avx2));
        assert_eq!(Isa::parse("sse9"), None);
        assert!(Isa::Portable < Isa::Avx2 && Isa::Avx2 < Isa::Avx512);
        assert!(Isa::get() <= Isa::detected());
    }

    multiversion! {
        fn double_all(values: &mut [f32]) {
            values.iter_mut().for_each(|v| *v *= 2.0);
        }
    }

    #[test]
    fn a_multiversioned_function_runs() {
        let mut v = vec![1.5f32; 37];
        double_all(&mut v);
        assert!(v.iter().all(|&x| x == 3.0));
    }
}
