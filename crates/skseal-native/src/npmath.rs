//! numpy's float64 `np.exp`, `np.log`, `np.power`, `np.log1p` and
//! `np.expm1`, bit for bit (log1p: [`log1p`] module notes; expm1: [`expm1`]).
//!
//! # Why
//!
//! scikit-learn computes `softmax` with `np.exp`, `predict_log_proba` with
//! `np.log` and IsolationForest's scores as `2 ** (-depth / c)` (`np.power`).
//! On Linux x86-64, numpy does not call the C library for these float64
//! functions when the CPU has AVX-512 (numpy's `X86_V4` target: AVX512F,
//! CD, VL, BW, DQ): it calls Intel SVML's `__svml_exp8_ha`, `__svml_log8_ha`
//! and `__svml_pow8_ha`, which numpy vendors as assembly. Those round
//! differently from glibc on about 4.6% (exp), 0.05% (log) and 5% (`2 ** y`)
//! of random inputs, so a Rust engine that wants scikit-learn's results to
//! the last bit has to compute what SVML computes. This module is a scalar,
//! lane-by-lane port of those three routines: no `unsafe`, no intrinsics, the
//! same constants and tables (copied as bit patterns), the same operation
//! order, `f64::mul_add` where the assembly uses an FMA (both are one
//! correctly rounded operation) and plain `*`/`+`/`-` where it uses separate
//! instructions.
//!
//! # Where it comes from (numpy 2.4.6)
//!
//! * `numpy/_core/src/umath/loops_exponent_log.dispatch.c.src`,
//!   `DOUBLE_exp`/`DOUBLE_log`: when `NPY_HAVE_AVX512_SKX` and
//!   `NPY_CAN_LINK_SVML` (set by `numpy/_core/meson.build` for Linux x86-64
//!   builds with the `X86_V4` dispatch target, which the PyPI wheels are),
//!   contiguous or evenly strided, non-overlapping loops go to
//!   `simd_exp_f64`/`simd_log_f64`, i.e. `__svml_exp8_ha`/`__svml_log8_ha`.
//!   The `AVX512F_exp_DOUBLE`/`AVX512F_log_DOUBLE` code in the same file is
//!   compiled out in that configuration (it is what macOS or `-Ddisable-svml`
//!   builds would run, and is *not* ported here).
//! * `numpy/_core/src/umath/svml/linux/avx512/svml_z0_exp_d_ha.s`:
//!   `__svml_exp8_ha`, data `__svml_dexp_ha_data_internal_avx512`, and the
//!   scalar fallback `__svml_dexp_ha_cout_rare_internal` with `_imldExpHATab`.
//! * `numpy/_core/src/umath/svml/linux/avx512/svml_z0_log_d_ha.s`:
//!   `__svml_log8_ha`, data `__svml_dlog_ha_data_internal_avx512`, and
//!   `__svml_dlog_ha_cout_rare_internal` with `__dlog_ha_CoutTab`.
//! * `numpy/_core/src/umath/loops_umath_fp.dispatch.c.src`, `DOUBLE_power`
//!   (registered for float64 `power` by `generate_umath.py`): under the same
//!   two conditions, non-overlapping loops go to `simd_pow_f64`, i.e.
//!   `__svml_pow8_ha` from `svml_z0_pow_d_ha.s` (data
//!   `__svml_dpow_ha_data_internal_avx512`), whose scalar fallback is
//!   `__svml_dpow_ha_cout_rare_internal` with `__dpow_ha_CoutTab`. Before
//!   that, when the exponent is a broadcast scalar (stride 0) equal to -1, 0,
//!   0.5, 1 or 2, the loop computes `1/x`, `1`, `sqrt(x)`, `x`, `x*x` instead
//!   (as `ndarray.__pow__` does for `** -1`, `** 2`, `** 0.5`); those differ
//!   from SVML on about 5% of inputs: [`np_pow_scalar_exponent`] models that
//!   case, [`np_pow`] the general one (array exponents, `2 ** array`,
//!   `np.power` on two numpy scalars). `np.float64 ** np.float64` is numpy's
//!   scalar math, which calls the C library's `pow` (`f64::powf`).
//!
//! Without `X86_V4` (for example an AVX2-only CPU), numpy 2.4.6 falls back to
//! `npy_exp`/`npy_log`/`npy_pow`, i.e. the C library's `exp`/`log`/`pow`;
//! [`np_exp`], [`np_log`] and [`np_pow`] then use `f64::exp`/`f64::ln`/
//! `f64::powf`, which call the same functions on Linux.
//!
//! # Emulated instructions
//!
//! * `vfmadd213pd {rz-sae}` (exp: `x*log2(e) + 1.5*2^48` rounded toward
//!   zero): the exact product is split with an FMA, so the truncation to the
//!   `2^-4` grid is exact.
//! * `vscalefpd`: `v * 2^floor(n)`; in the lanes that keep the vector result
//!   `floor(n)` is within the normal exponent range, so it is one exact
//!   multiplication by a power of two.
//! * `vgetmantpd`/`vgetexppd` (log): mantissa in `[1, 2)` and unbiased
//!   exponent, subnormals normalised (no DAZ).
//! * `vrcp14pd` followed by `vrndscalepd $88` (log): only the reciprocal
//!   rounded to a multiple of `1/32` is used. VRCP14PD's result depends only on
//!   the top 16 bits of the mantissa, and the rounded value steps down at the
//!   16 prefixes in [`LOG_RCP_STEPS`]; this was checked on an AVX-512 CPU
//!   (AMD EPYC) for all 65 536 prefixes with 128 mantissa tails each
//!   (8 388 608 inputs), consistent with a table indexed by 16 mantissa bits
//!   (how the Bochs emulator models VRCP14); the final logs also proved
//!   insensitive to these steps (see below).
//! * The masks: exp sends `|x| >= 707.70...` (not NaN) to the scalar rare
//!   path; log sends NaN, zeros, infinities and negative numbers (including
//!   negative subnormals) to its rare path. NaN results carry the input's
//!   payload and sign with the quiet bit set, as the hardware does; invalid
//!   logs return x86's default NaN (`0xfff8000000000000`).
//! * pow: `vgetmantpd $10` (mantissa in `[0.5, 1)`), and `vrcp14pd` +
//!   `vrndscalepd $88` on it, a multiple of `1/32` in `[1, 2]` that steps at
//!   the 32 prefixes in [`POW_RCP_STEPS`] (measured on the same CPU like the
//!   log steps: 65 536 prefixes x 128 tails, no dependence on the tail).
//! * pow's `y*log2(x)` is formed with `{rz-sae}` (round toward zero)
//!   `vmulpd`/`vfmsub`/`vfmadd`/`vaddpd`, then `vaddpd {rd-sae}` with the
//!   shifter and `vreducepd $65` (whose subtraction is also rounded down, so
//!   an exact zero is `-0`). Each is computed round-to-nearest and moved one
//!   ulp when the exact error (`two_prod`, `two_sum`, Boldo and Muller's
//!   `ErrFma`) says so; these helpers were checked against the instructions
//!   themselves on 8 million random operands each. When `|y*log2(x)| <
//!   2^-600`, where those error terms could underflow, the result is exactly
//!   1.0 whatever the roundings, so none is emulated there.
//! * pow's masks: the rare path gets NaN, zero, infinite or negative `x`
//!   (not positive subnormals), NaN or infinite `y`, and lanes with
//!   `|y*log2(x)| > 1021.5` (the vector path's result is always a normal
//!   number). The rare path is SSE2 scalar code: a triple-table `log2` in
//!   double-double arithmetic, a 128-entry `exp2`, an explicit subnormal
//!   scaling, and the C99 special cases; it starts with `x*1.0`, `y*1.0`
//!   (which quiets signalling NaNs), returns `x + y` for a NaN operand
//!   (`x`'s NaN if both are), `1.0` for `pow(1, y)` and `pow(x, +-0)`, and
//!   `0.0/0.0` (the default NaN) for a negative base with a non-integer
//!   exponent.
//!
//! # Verification
//!
//! `scripts/gen_npmath_vectors.py` writes inputs and numpy 2.4.6's outputs
//! (normal(0, 5), uniform over the exp range, log-uniform magnitudes down to
//! subnormals, thresholds, integers, signed zeros, infinities, NaNs with
//! payloads, negative inputs, random bit patterns, the rounding boundaries of
//! both range reductions and of the reciprocal steps). On an AVX-512 machine
//! (numpy 2.4.6, Python 3.11, x86-64 Linux) the port matched numpy bit for
//! bit, NaN sign and payload included, on the default seed's 10 117 633 exp
//! and 10 242 130 log inputs and on three more seeds: about 40 million inputs
//! per function, no mismatch. For power the script writes 12 835 364 pairs
//! per seed: `2 ** y` for y uniform in [-60, 10] and `2 ** -d` for d in
//! [0, 50], positive bases of every magnitude (subnormals included) with
//! exponents spreading `y*log2(x)` over [-1100, 1100], bases near 1 with huge
//! exponents, products near the 1021.5 / overflow / subnormal / underflow
//! thresholds, the reciprocal steps, negative bases with odd, even, huge and
//! non-integer exponents, integer grids, tiny exponents (products down to
//! below `2^-1074`), specials against specials and ordinary values, and
//! random bit patterns. [`pow`] matched numpy bit for bit (NaN payloads
//! included) on four seeds (51 341 456 pairs, numpy != glibc on about 422 000
//! of each seed's) and on 20 000 001 more `2 ** -d` with d in [0, 50] (numpy
//! != glibc on 1 060 284). Broken variants (the shifter addition or the
//! argument reduction rounded to nearest, `z` rounded to nearest, naive
//! reciprocal rounding) failed on millions, hundreds, tens or one of them;
//! rounding `y*log2(x)`'s first product and `ErrFma` step to nearest, or
//! simplifying the rare path's subnormal scaling, changed no result in 20 to
//! 110 million targeted random inputs each, so for those the
//! instruction-level checks above are the evidence. Deliberately broken variants of the exp and log
//! ports (FMA
//! rounded to nearest instead of toward zero, a separate multiply and
//! subtract in the reduction, a simplified subnormal branch, a default NaN)
//! each failed on thousands or hundreds of those inputs. One choice the
//! comparison with numpy cannot tell apart: rounding `1/m` naively instead
//! of using the VRCP14PD steps changes the reciprocal for 266 391 of the log
//! inputs but none of the results, so the steps were checked against the
//! instruction itself (above). The tests below keep a few hundred of the
//! pairs, chosen where numpy and glibc disagree, plus the special values.
//!
//! numpy's loop still falls back to the C library when the output partially
//! overlaps an input (not exactly in place) or a stride exceeds 2^27
//! elements; [`np_exp`], [`np_log`] and [`np_pow`] model the normal case
//! (contiguous, strided or exactly in place, which all give the same bits, as
//! do numpy scalars passed to the ufunc).

mod exp;
mod expm1;
mod log;
mod log1p;
mod pow;

pub use exp::exp;
pub use expm1::expm1;
pub use log::{log, LOG_RCP_STEPS};
pub use log1p::log1p;
pub use pow::{pow, POW_RCP_STEPS};

/// x86's default NaN, what `0.0 / 0.0` (`divsd`) gives in the rare path.
const X86_DEFAULT_NAN: u64 = 0xfff8_0000_0000_0000;

/// The sign bit of an IEEE double (expm1 and log1p copy the input's sign).
const SIGN_BIT: u64 = 0x8000_0000_0000_0000;
const QUIET_BIT: u64 = 0x0008_0000_0000_0000;
const MANT_MASK: u64 = 0x000f_ffff_ffff_ffff;

#[inline(always)]
fn c(bits: u64) -> f64 {
    f64::from_bits(bits)
}

/// A NaN operand as x86 passes it through: same sign and payload, quiet bit set.
#[inline]
fn quiet(x: f64) -> f64 {
    f64::from_bits(x.to_bits() | QUIET_BIT)
}

/// Does numpy 2.4.6 on this machine compute float64 exp/log/power with SVML
/// (the code ported here)? True on Linux x86-64 CPUs with numpy's `X86_V4` feature
/// group, which is what selects the SVML loop: `X86_V3` (AVX, AVX2, F16C,
/// FMA3, BMI1, BMI2, LZCNT, MOVBE) plus AVX512F, AVX512CD, AVX512BW,
/// AVX512DQ and AVX512VL. False elsewhere, and when `NPY_DISABLE_CPU_FEATURES`
/// names that group or the `X86_V3` group below it (numpy reads the variable
/// once, at import, and ignores single feature names such as `AVX512F`). From Python, numpy's own answer is
/// passed instead ([`set_numpy_svml`]).
pub fn numpy_uses_avx512f() -> bool {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    {
        let disabled = std::env::var("NPY_DISABLE_CPU_FEATURES").unwrap_or_default();
        let off = disabled
            .split(|c: char| c == ',' || c.is_whitespace())
            .any(|t| {
                let t = t.trim().to_ascii_uppercase();
                // numpy 2.4 honours dispatch-target names only (X86_V3,
                // X86_V4, AVX512_ICL, AVX512_SPR) and ignores others such as
                // AVX512F with a warning; SVML goes with X86_V4, and
                // disabling X86_V3 turns it off too (measured)
                t == "X86_V4" || t == "X86_V3"
            });
        !off && std::is_x86_feature_detected!("avx")
            && std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("f16c")
            && std::is_x86_feature_detected!("fma")
            && std::is_x86_feature_detected!("bmi1")
            && std::is_x86_feature_detected!("bmi2")
            && std::is_x86_feature_detected!("lzcnt")
            && std::is_x86_feature_detected!("movbe")
            && std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512cd")
            && std::is_x86_feature_detected!("avx512bw")
            && std::is_x86_feature_detected!("avx512dq")
            && std::is_x86_feature_detected!("avx512vl")
    }
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
    {
        false
    }
}

static USES_SVML: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

fn uses_svml_cached() -> bool {
    *USES_SVML.get_or_init(numpy_uses_avx512f)
}

/// Tell native inference what the numpy of this process does (Python:
/// `numpy._core._multiarray_umath.__cpu_features__["X86_V4"]` on Linux
/// x86-64). numpy decides once, at import, so this is process-wide; the
/// first answer stays. Returns the value in effect.
pub fn set_numpy_svml(uses: bool) -> bool {
    let uses = uses && cfg!(all(target_arch = "x86_64", target_os = "linux"));
    *USES_SVML.get_or_init(|| uses)
}

/// Whether np.exp / np.log / np.power are computed with the SVML port in this process.
pub fn numpy_svml_in_effect() -> bool {
    uses_svml_cached()
}

/// `np.exp` for one float64, as numpy 2.4.6 computes it on this machine: the
/// SVML port when numpy would use it, the C library's `exp` otherwise.
pub fn np_exp(x: f64) -> f64 {
    if uses_svml_cached() {
        exp(x)
    } else {
        x.exp()
    }
}

/// `np.log` for one float64, as numpy 2.4.6 computes it on this machine: the
/// SVML port when numpy would use it, the C library's `log` otherwise.
pub fn np_log(x: f64) -> f64 {
    if uses_svml_cached() {
        log(x)
    } else {
        x.ln()
    }
}

/// `np.log1p` for one float64, as numpy 2.4.6 computes it on this machine:
/// the SVML port (`__svml_log1p8_ha`) when numpy would use it, the C
/// library's `log1p` otherwise.
pub fn np_log1p(x: f64) -> f64 {
    if uses_svml_cached() {
        log1p(x)
    } else {
        x.ln_1p()
    }
}

/// `np.expm1` for one float64, as numpy 2.4.6 computes it on this machine:
/// the SVML port (`__svml_expm18_ha`) when numpy would use it, the C
/// library's `expm1` otherwise.
pub fn np_expm1(x: f64) -> f64 {
    if uses_svml_cached() {
        expm1(x)
    } else {
        x.exp_m1()
    }
}

/// `vfmadd213pd {rz-sae}`: `x * log2e + shifter` rounded toward zero, for
/// `|x| < 707.71` where the sum lies in `[2^48, 2^49)` (grid `2^-4`). Returns
/// `shifter + floor(16 * x * log2e) / 16` computed from the exact product.
#[inline(always)]
fn fma_rz_shift(x: f64, log2e: f64, shifter: f64) -> f64 {
    let p = x * log2e;
    // Exact rounding error of the product (x*log2e == p + e exactly).
    let e = x.mul_add(log2e, -p);
    let q = 16.0 * p;
    let mut k = q.floor();
    // If q is not an integer, |16 e| <= ulp(q)/2 cannot cross an integer.
    if k == q && e < 0.0 {
        k -= 1.0;
    }
    shifter + k / 16.0
}

/// `vscalefpd {rn-sae}`: `v * 2^floor(n)` for finite `v`, `n`, correctly rounded.
#[inline(always)]
fn scalef(v: f64, n: f64) -> f64 {
    let m = n.floor().clamp(-2200.0, 2200.0) as i32;
    if m > 1023 {
        // First step exact (or already infinite), then one rounding.
        let v1 = v * pow2(1023);
        v1 * pow2((m - 1023).min(1023))
    } else if m < -1022 {
        // 2^m is still a representable subnormal down to -1074; below that the
        // SVML lanes that keep this result never go (|x| < 707.71).
        v * pow2(m.max(-1074))
    } else {
        v * pow2(m)
    }
}

/// `2^m` for `m` in `[-1074, 1023]`, exactly.
#[inline(always)]
fn pow2(m: i32) -> f64 {
    if m >= -1022 {
        f64::from_bits(((m + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (m + 1074))
    }
}

/// `np.power` for two float64s, as numpy 2.4.6 computes it on this machine
/// (element by element, see the module notes on scalar exponents): the SVML
/// port when numpy would use it, the C library's `pow` otherwise.
pub fn np_pow(x: f64, y: f64) -> f64 {
    if uses_svml_cached() {
        pow(x, y)
    } else {
        // numpy calls the C library's `pow`; with a constant base of 2.0 the
        // compiler would turn `powf` into `exp2`, which differs in the last
        // bit for some exponents (IsolationForest's `2 ** -x`)
        std::hint::black_box(x).powf(y)
    }
}

/// `np.power(x, y)` when `y` is a scalar broadcast over an array of bases
/// (`np.power(a, 2.0)`, `a ** 0.5`, `a ** -1`): numpy's loop special-cases
/// exponents -1, 0, 0.5, 1 and 2 before calling SVML, and `ndarray.__pow__`
/// does the same for `** -1`, `** 2` and `** 0.5`. Other exponents give
/// [`np_pow`].
pub fn np_pow_scalar_exponent(x: f64, y: f64) -> f64 {
    if y == -1.0 {
        1.0 / x
    } else if y == 0.0 {
        1.0
    } else if y == 0.5 {
        x.sqrt()
    } else if y == 1.0 {
        x
    } else if y == 2.0 {
        x * x
    } else {
        np_pow(x, y)
    }
}

#[cfg(test)]
mod tests;
