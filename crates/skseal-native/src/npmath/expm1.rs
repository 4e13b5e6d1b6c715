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

use super::exp::exp_rare;
use super::*;

/// `__svml_dexpm1_ha_data_internal_avx512` +0: `2^(j/16)`, high part.
const TH: [u64; 16] = [
    0x3ff0_0000_0000_0000,
    0x3ff0_b558_6cf9_890f,
    0x3ff1_72b8_3c7d_517b,
    0x3ff2_387a_6e75_6238,
    0x3ff3_06fe_0a31_b715,
    0x3ff3_dea6_4c12_3422,
    0x3ff4_bfda_d536_2a27,
    0x3ff5_ab07_dd48_5429,
    0x3ff6_a09e_667f_3bcd,
    0x3ff7_a114_73eb_0187,
    0x3ff8_ace5_422a_a0db,
    0x3ff9_c491_82a3_f090,
    0x3ffa_e89f_995a_d3ad,
    0x3ffc_199b_dd85_529c,
    0x3ffd_5818_dcfb_a487,
    0x3ffe_a4af_a2a4_90da,
];
/// +128: `2^(j/16)`, low part relative to the high part.
const TLR: [u64; 16] = [
    0x0000_0000_0000_0000,
    0x3c97_9aa6_5d83_7b6d,
    0xbc80_1b15_eaa5_9348,
    0x3c96_8efd_e3a8_a894,
    0x3c83_4d75_4db0_abb6,
    0x3c85_9f48_a72a_4c6d,
    0x3c76_90ce_bb7a_afb0,
    0x3c90_63e1_e21c_5409,
    0xbc93_b3ef_bf5e_2228,
    0xbc7b_32dc_b94d_a51d,
    0x3c8d_b72f_c1f0_eab4,
    0x3c71_affc_2b91_ce27,
    0x3c8c_1a77_92cb_3387,
    0x3c73_6eae_30af_0cb3,
    0x3c74_a385_a63d_07a7,
    0xbc8f_f712_8fd3_91f0,
];
const L2E: u64 = 0x3ff7_1547_652b_82fe; // +256
const SHIFTER: u64 = 0x42f8_0000_0000_3ff0; // +320
const THRESHOLD: u64 = 0x4086_1da0_4cba_fe44; // +384
const SIGN_BIT: u64 = 0x8000_0000_0000_0000; // +448
const L2H: u64 = 0x3fe6_2e42_fefa_39ef; // +512
const L2L: u64 = 0x3c7a_bc9e_3b39_803f; // +576
const MIN_SCALE: u64 = 0xc060_0000_0000_0000; // +640: -128
const R_MASK: u64 = 0xbfff_ffff_ffff_ffff; // +704: keeps |R| < 2
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
