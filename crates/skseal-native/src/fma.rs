//! Hardware fused multiply-adds for the kernels (blas.rs, npmath), chosen once at run time.
//!
//! The crate is compiled for baseline x86-64, where `f64::mul_add` is a
//! call to the C library's `fma` (software). A fused multiply-add is
//! exactly rounded by definition, so the CPU's `vfmadd` gives the same bits:
//! [`fma_dispatch!`] compiles a kernel body a second time with the `fma`
//! target feature and runs that copy when [`available`] says the CPU has
//! the instruction. Other CPUs and targets run the portable body. Rust never
//! contracts `a * b + c` on its own, so the separate multiply-then-add
//! steps of the kernels stay separate in both copies.

/// Whether this CPU has FMA (detected once, then cached by std).
#[inline]
pub(crate) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The environment variable that keeps [`wide_dispatch!`] off AVX-512 (read
/// once): the tests' AVX2 replay sets it, so that an AVX-512 machine runs
/// the copies an AVX2-only machine runs.
pub const NO_AVX512_ENV: &str = "SKSEAL_NATIVE_NO_AVX512";

/// Whether [`wide_dispatch!`] runs its AVX-512 copy on this CPU.
#[inline]
pub(crate) fn wide_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        static WIDE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *WIDE.get_or_init(|| {
            std::env::var_os(NO_AVX512_ENV).is_none_or(|v| v.is_empty() || v == "0")
                && std::is_x86_feature_detected!("avx512f")
                && available()
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The instruction paths this process's kernels take: hardware FMA, the
/// AVX-512 copies of [`wide_dispatch!`], and the eight-lane C-library exp
/// ([`crate::libm_exp`], after its check against `f64::exp`).
pub fn cpu_paths() -> [(&'static str, bool); 3] {
    [
        ("fma", available()),
        ("avx512", wide_available()),
        ("libm_exp8", crate::libm_exp::fast_path_ok()),
    ]
}

/// `fn name(args) -> ret` running `body(args)` (an `#[inline(always)]`
/// function, so it is compiled into each copy) with hardware FMA when
/// [`available`], else portably.
macro_rules! fma_dispatch {
    ($(#[$m:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)? = $body:ident;) => {
        $(#[$m])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "fma")]
                fn with_fma($($arg: $ty),*) $(-> $ret)? {
                    $body($($arg),*)
                }
                if $crate::fma::available() {
                    // SAFETY: `with_fma` needs only the `fma` target feature,
                    // which `available()` has just detected on this CPU.
                    return unsafe { with_fma($($arg),*) };
                }
            }
            $body($($arg),*)
        }
    };
}
pub(crate) use fma_dispatch;

/// [`fma_dispatch!`] with a third copy compiled for AVX-512 (whose 32
/// vector registers hold the ddot kernels' sixteen eight-lane accumulators),
/// run when the CPU has it: the same operations, so the same bits, on every
/// path.
macro_rules! wide_dispatch {
    ($(#[$m:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)? = $body:ident;) => {
        $(#[$m])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,fma")]
                fn with_avx512($($arg: $ty),*) $(-> $ret)? {
                    $body($($arg),*)
                }
                if $crate::fma::wide_available() {
                    // SAFETY: `with_avx512` needs the avx512f and fma target
                    // features, both just detected on this CPU.
                    return unsafe { with_avx512($($arg),*) };
                }
            }
            $crate::fma::fma_dispatch! {
                fn portable($($arg: $ty),*) $(-> $ret)? = $body;
            }
            portable($($arg),*)
        }
    };
}
pub(crate) use wide_dispatch;

#[cfg(test)]
mod tests {
    #[test]
    fn detection_matches_std() {
        #[cfg(target_arch = "x86_64")]
        assert_eq!(super::available(), std::is_x86_feature_detected!("fma"));
        #[cfg(not(target_arch = "x86_64"))]
        assert!(!super::available());
    }
}
