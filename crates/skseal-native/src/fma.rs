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

/// Whether [`wide_dispatch!`] runs its AVX-512 copy on this CPU.
#[inline]
pub(crate) fn wide_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx512f") && available()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
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
