//! CatBoost's fast exp (`NCB::FastExpWithInfInplace`): herumi's fmath
//! `expd_v` over an array, written here from its description: a 2048-entry
//! table of `2^(i/2048)` mantissas and a cubic correction. On x86-64 with
//! AVX2, elements `0..n & !3` take the vector path and the rest the scalar
//! `expd`; without AVX2 (SSE2) the vector path takes `0..n & !1`. The two
//! paths compute alike except at the ends: the vector path clamps its
//! argument to [-708.396..., 709.7827...], the scalar one returns 0 and
//! infinity there. Off x86, CatBoost uses the C library's exp.

use std::sync::OnceLock;

const SBIT: u32 = 11;
const S: usize = 1 << SBIT;
const ADJ: u64 = (1 << (SBIT + 10)) - (1 << SBIT);
const C1: f64 = 1.0;
const C2: f64 = 0.166_666_666_852_278_35;
const C3: f64 = 3.000_000_002_795_539_4;
/// `3 << 51`: adding it rounds to an integer in the low mantissa bits
const B: f64 = 6_755_399_441_055_744.0;
// the bounds as fmath spells them
#[allow(clippy::excessive_precision)]
const VEC_MAX: f64 = 709.782_725_693_383_97;
#[allow(clippy::excessive_precision)]
const VEC_MIN: f64 = -708.396_418_532_264_08;
#[allow(clippy::excessive_precision)]
const SCALAR_MAX: f64 = 709.782_712_893_383_97;

struct Consts {
    a: f64,
    ra: f64,
    tbl: Vec<u64>,
}

fn consts() -> &'static Consts {
    static C: OnceLock<Consts> = OnceLock::new();
    C.get_or_init(|| {
        let a = S as f64 / 2f64.ln();
        let tbl = (0..S)
            .map(|i| 2f64.powf(i as f64 * (1.0 / S as f64)).to_bits() & ((1u64 << 52) - 1))
            .collect();
        Consts {
            a,
            ra: 1.0 / a,
            tbl,
        }
    })
}

/// The shared body: `x` already in range.
#[inline]
fn body(x: f64, fused: bool) -> f64 {
    let c = consts();
    let d = x * c.a + B;
    let di = d.to_bits();
    let iax = c
        .tbl
        .get((di & (S as u64 - 1)) as usize)
        .copied()
        .unwrap_or(0);
    let t = (d - B) * c.ra - x;
    let u = ((di.wrapping_add(ADJ) >> SBIT) << 52) | iax;
    let p = (C3 - t) * (t * t);
    let y = if fused { p.mul_add(C2, -t) } else { p * C2 - t } + C1;
    y * f64::from_bits(u)
}

/// The vector path's element.
fn vector(x: f64) -> f64 {
    // _mm_min_pd(x, max) then _mm_max_pd(x, min): NaN takes the bound
    let x = if x < VEC_MAX { x } else { VEC_MAX };
    let x = if x > VEC_MIN { x } else { VEC_MIN };
    body(x, false)
}

/// The scalar `expd` (`fused`: as the AVX2 unit compiles it, its
/// `y * C2 - t` contracted to one fused multiply-subtract; `f64::mul_add`
/// is the exact fused operation with or without the instruction).
fn scalar(x: f64, fused: bool) -> f64 {
    if x <= VEC_MIN {
        return 0.0;
    }
    if x >= SCALAR_MAX {
        return f64::INFINITY;
    }
    body(x, fused)
}

/// (elements on the vector path, scalar tail fused?) for `n` elements on
/// this machine.
fn split(n: usize) -> (usize, bool) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("avx")
        {
            // fast_exp_avx2.cpp is built with -mavx2 -mfma: clang contracts
            // the scalar `y * C2 - t` (the vector intrinsics stay apart)
            return (n & !3, true);
        }
        (n & !1, false)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        (n & !1, false)
    }
}

/// `FastExpWithInfInplace` on `v`.
pub(super) fn exp_inplace(v: &mut [f64]) {
    if !cfg!(target_arch = "x86_64") {
        // off x86, CatBoost takes the C library's exp
        v.iter_mut().for_each(|x| *x = x.exp());
        return;
    }
    let (nv, fused) = split(v.len());
    for (i, x) in v.iter_mut().enumerate() {
        *x = if i < nv {
            vector(*x)
        } else {
            scalar(*x, fused)
        };
    }
}

/// `CalcSoftmax` on one document's values.
pub(super) fn softmax(o: &mut [f64]) {
    let Some(&first) = o.first() else { return };
    // MaxElement: the first of the largest
    let max = o
        .iter()
        .skip(1)
        .fold(first, |m, &v| if m < v { v } else { m });
    o.iter_mut().for_each(|v| *v -= max);
    exp_inplace(o);
    let mut sum = 0.0;
    for &v in o.iter() {
        sum += v;
    }
    o.iter_mut().for_each(|v| *v /= sum);
}

/// `CalcLogSoftmax` on one document's values.
pub(super) fn log_softmax(o: &mut [f64]) {
    let Some(&first) = o.first() else { return };
    let max = o
        .iter()
        .skip(1)
        .fold(first, |m, &v| if m < v { v } else { m });
    let mut e: Vec<f64> = o.iter().map(|&v| v - max).collect();
    exp_inplace(&mut e);
    let mut sum = 0.0;
    for &v in &e {
        sum += v;
    }
    let log_sum = sum.ln();
    o.iter_mut().for_each(|v| *v = (*v - max) - log_sum);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn matches_catboost_exponent_predictions() {
        // (raw value, catboost 1.2.10's Exponent prediction) of seven
        // documents of a Poisson model, as bits: on AVX2 the first four take
        // the vector path and the last three the scalar one
        let pairs: [(u64, u64); 7] = [
            (0x3ff3a868de8309fd, 0x400b54fc29878ca9),
            (0x3fd0ccc42d152e8f, 0x3ff4cd8309822da9),
            (0x3ff39346326b3f4c, 0x400b30f93232a5a0),
            (0x3ff65958ffcc8564, 0x40102b5038398c83),
            (0xbfa57783e0ace41f, 0x3feeafa191404a7a),
            (0x3fb4baf7e0af2c6e, 0x3ff1597c2df5dd54),
            (0x3fe4638072bfc790, 0x3ffe41d95d7197db),
        ];
        let mut v: Vec<f64> = pairs.iter().map(|p| f64::from_bits(p.0)).collect();
        exp_inplace(&mut v);
        for (got, p) in v.iter().zip(&pairs) {
            assert_eq!(got.to_bits(), p.1, "exp({})", f64::from_bits(p.0));
        }
        // both paths, and the bounds
        for x in [-1.0, 0.0, 1e-300, 0.5, 3.0, -700.0] {
            let (a, b) = (vector(x), scalar(x, false));
            assert!((a - x.exp()).abs() <= 1e-12 * x.exp(), "{x}");
            assert_eq!(a.to_bits(), b.to_bits(), "{x}");
        }
        assert_eq!(scalar(-800.0, true), 0.0);
        assert_eq!(scalar(800.0, true), f64::INFINITY);
        assert!(!vector(-800.0).is_nan() && !vector(800.0).is_nan() && !vector(f64::NAN).is_nan());
    }
}
