//! `__svml_expm18_ha` (numpy's float64 `np.expm1` on AVX-512), one lane.
//!
//! `x*log2(e)` is rounded to a multiple of `1/16` with the `1.5*2^48`
//! shifter (round to nearest here, unlike exp's `{rz-sae}`), `2^(j/16)` comes
//! from a 16-entry table (high part `Th`, scaled by `vscalefpd`, and a
//! relative low part `Tlr`), `R = x - z*ln2` in two FMA steps, and
//! `Th - 1 + Th*R + Th*poly(R)` is summed with the larger of `Th` and `-1`
//! first. Lanes with `x >= 707.70...` or NaN go to
//! `__svml_dexpm1_ha_cout_rare_internal`, which for those inputs is exp's
//! rare path instruction for instruction (it only adds `-1.0` for negative
//! inputs, which never reach it), so [`super::exp::exp_rare`] is reused.

use super::exp::{
    exp_rare, EXP_LN2_HI as L2H, EXP_LN2_LO as L2L, EXP_LOG2E as L2E, EXP_R_MASK as R_MASK,
    EXP_SHIFTER as SHIFTER, EXP_TH as TH, EXP_TLR as TLR,
};
use super::*;

// `__svml_dexpm1_ha_data_internal_avx512` +0..+320 and +512..+704 hold the
// same values as exp's table (`2^(j/16)` high and relative low parts,
// `log2(e)`, the shifter, `ln(2)` high and low, the |R| < 2 mask): those are
// exp's constants, used here by name.
const THRESHOLD: u64 = 0x4086_1da0_4cba_fe44; // +384
const MIN_SCALE: u64 = 0xc060_0000_0000_0000; // +640: -128
const P768: u64 = 0x3efa_01f8_f4be_0bb2;
const P832: u64 = 0x3f2a_01f8_f4b1_29c3;
const P896: u64 = 0x3f56_c16c_1630_4601;
const P960: u64 = 0x3f81_1111_10a6_5711;
const P1024: u64 = 0x3fa5_5555_5555_560a;
const P1088: u64 = 0x3fc5_5555_5555_55f9;
const P1152: u64 = 0x3fe0_0000_0000_0000;
const ONE: u64 = 0x3ff0_0000_0000_0000; // +1216
const MINUS_ONE: u64 = 0xbff0_0000_0000_0000; // +1280

#[inline]
fn and(v: f64, mask: u64) -> f64 {
    f64::from_bits(v.to_bits() & mask)
}

/// `__svml_expm18_ha`, one lane.
pub fn expm1(x: f64) -> f64 {
    // NaNs come back from numpy unchanged, signalling ones included
    // (measured: numpy 2.4.6 on AVX-512 does not quiet them for expm1).
    if x.is_nan() {
        return x;
    }
    // vcmppd $21 (not less than, unordered true): x >= 707.70... (or NaN).
    if x >= c(THRESHOLD) {
        return exp_rare(x);
    }
    let sh = x.mul_add(c(L2E), c(SHIFTER));
    let z = sh - c(SHIFTER);
    // vpermt2pd: the low 4 bits of the shifted value.
    let idx = (sh.to_bits() & 15) as usize;
    let th0 = c(TH[idx]);
    let tlr = c(TLR[idx]);
    let r_hi = (-z).mul_add(c(L2H), x);
    // vmaxpd {sae}: z, or -128 if z is NaN or below.
    let zc = if z > c(MIN_SCALE) { z } else { c(MIN_SCALE) };
    let th = scalef(th0, zc);
    let r = (-z).mul_add(c(L2L), r_hi);
    let small = th < c(ONE);
    let d = r_hi - r;
    let r = and(r, R_MASK);
    let rl = (-z).mul_add(c(L2L), d);
    let p10 = r.mul_add(c(P896), c(P960));
    let p11 = r.mul_add(c(P1024), c(P1088));
    let rl = and(rl, R_MASK);
    let r2 = r * r;
    let rl_tlr = rl + tlr;
    let p1 = r.mul_add(c(P768), c(P832));
    let tlr1 = r.mul_add(tlr, rl_tlr);
    let p1 = r2.mul_add(p1, p10);
    let (big, sm) = if small {
        (c(MINUS_ONE), th)
    } else {
        (th, c(MINUS_ONE))
    };
    let p1 = r2.mul_add(p1, p11);
    let thm1 = th + c(MINUS_ONE);
    let p1 = r.mul_add(p1, c(P1152));
    let t = big - thm1;
    let poly = r2.mul_add(p1, tlr1);
    let tl1 = t + sm;
    let hi = r.mul_add(th, thm1);
    let lo = hi - thm1;
    let lo = r.mul_add(th, -lo);
    let s = poly.mul_add(th, tl1);
    let s = s + lo;
    let res = hi + s;
    f64::from_bits(res.to_bits() | (x.to_bits() & SIGN_BIT))
}
