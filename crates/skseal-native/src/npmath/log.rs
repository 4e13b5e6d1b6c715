//! `__svml_log8_ha` (numpy's float64 `np.log` on AVX-512), one lane, and its
//! scalar rare path.

use super::*;

/// `__svml_dlog_ha_data_internal_avx512` +0: `-log(rcp)`, high part.
pub(super) const LOG_TH: [u64; 16] = [
    0x0000_0000_0000_0000,
    0xbfaf_0a30_c012_0000,
    0xbfbe_2707_6e2b_0000,
    0xbfc5_ff30_70a7_8000,
    0xbfcc_8ff7_c79a_8000,
    0xbfd1_675c_abab_c000,
    0xbfd4_618b_c21c_4000,
    0xbfd7_39d7_f6bb_c000,
    0x3fd2_6962_1134_c000,
    0x3fcf_991c_6cb3_8000,
    0x3fca_93ed_3c8b_0000,
    0x3fc5_bf40_6b54_0000,
    0x3fc1_178e_8228_0000,
    0x3fb9_335e_5d59_0000,
    0x3fb0_8598_b59e_0000,
    0x3fa0_415d_89e8_0000,
];
/// +128: `-log(rcp)`, low part.
pub(super) const LOG_TL: [u64; 16] = [
    0x0000_0000_0000_0000,
    0x3d53_ab33_d066_d1d2,
    0x3d2a_342c_2af0_003c,
    0xbd43_d3c8_73e2_0a07,
    0xbd4a_21ac_25d8_1ef3,
    0x3d59_f1fc_6338_2a8f,
    0xbd5e_c27d_0b7b_37b3,
    0xbd50_069c_e24c_53fb,
    0x3d5b_9278_3beb_7677,
    0x3d59_bcbe_cca0_cdf3,
    0xbd53_0e48_6a0a_c42d,
    0x3d5e_d8fd_c149_767e,
    0xbd4b_8421_cc74_be04,
    0x3d52_622b_8757_a8fb,
    0x3d4d_0344_51fe_cdfb,
    0xbd57_7771_fd18_7145,
];
/// +256: 1.0.
pub(super) const LOG_ONE: u64 = 0x3ff0_0000_0000_0000;
/// +320: 0.75 (below it the exponent is bumped by one).
pub(super) const LOG_THREE_QUARTERS: u64 = 0x3fe8_0000_0000_0000;
/// +384..+832: polynomial coefficients (named by byte offset).
pub(super) const LOG_P384: u64 = 0x3fbc_81cd_309d_7c70;
pub(super) const LOG_P448: u64 = 0xbfc0_0735_7e93_af62;
pub(super) const LOG_P512: u64 = 0x3fc2_4922_9cee_81ef;
pub(super) const LOG_P576: u64 = 0xbfc5_5553_fb28_db06;
pub(super) const LOG_P640: u64 = 0x3fc9_9999_99cc_9f5c;
pub(super) const LOG_P704: u64 = 0xbfd0_0000_000c_05bd;
pub(super) const LOG_P768: u64 = 0x3fd5_5555_5555_5466;
pub(super) const LOG_P832: u64 = 0xbfdf_ffff_ffff_ffc6;
/// +896: `ln(2)`, high part.
pub(super) const LOG_LN2_HI: u64 = 0x3fe6_2e42_fefa_0000;
/// +960: `ln(2)`, low part.
pub(super) const LOG_LN2_LO: u64 = 0x3d7c_f79a_bc9e_0000;
/// `__dlog_ha_CoutTab` +1616: 1.0 (negated, divided by +0.0 for `log(+-0)`).
pub(super) const LOG_RARE_ONE: u64 = 0x3ff0_0000_0000_0000;

/// `vrcp14pd(m)` for `m` in `[1, 2)`, rounded by `vrndscalepd $88` to a
/// multiple of `1/32`, is `(32 - s)/32` where `s` counts the entries below
/// that are `<=` the top 16 bits of `m`'s mantissa.
pub const LOG_RCP_STEPS: [u32; 16] = [
    1039, 3223, 5556, 8048, 10726, 13603, 16707, 20063, 23705, 27669, 32007, 36764, 42010, 47824,
    54300, 61568,
];

crate::fma::fma_dispatch! {
    /// `__svml_log8_ha`, one lane (hardware FMA when the CPU has it).
    pub fn log(x: f64) -> f64 = log_any;
}

/// `__svml_log8_ha`, one lane.
#[inline(always)]
pub(super) fn log_any(x: f64) -> f64 {
    let bits = x.to_bits();
    // vfpclasspd $0xdf: QNaN, +0, -0, +inf, -inf, negative finite, SNaN.
    if x.is_nan() || x == 0.0 || x.is_infinite() || bits >> 63 == 1 {
        return log_rare(x);
    }
    // vgetmantpd $8 (interval [1, 2)) and vgetexppd, subnormals normalised.
    let biased = (bits >> 52) & 0x7ff;
    let (mant, exponent) = if biased == 0 {
        let frac = bits & MANT_MASK;
        let top = 63 - frac.leading_zeros() as i32;
        ((frac << (52 - top)) & MANT_MASK, top - 1074)
    } else {
        (bits & MANT_MASK, biased as i32 - 1023)
    };
    let m = f64::from_bits(LOG_ONE | mant);
    let mut k = f64::from(exponent);
    // vrcp14pd + vrndscalepd $88.
    let prefix = (mant >> 36) as u32;
    let steps = LOG_RCP_STEPS.iter().filter(|&&s| s <= prefix).count() as u32;
    let rcp = f64::from(32 - steps) / 32.0;
    let one = c(LOG_ONE);
    let r = rcp.mul_add(m, -one);
    let p7 = c(LOG_P512).mul_add(r, c(LOG_P576));
    let p1 = c(LOG_P384).mul_add(r, c(LOG_P448));
    let r2 = r * r;
    let p9 = c(LOG_P640).mul_add(r, c(LOG_P704));
    let idx = ((rcp.to_bits() >> 48) & 15) as usize;
    let p1 = r2.mul_add(p1, p7);
    let r4 = r2 * r2;
    let p8 = c(LOG_P768).mul_add(r, c(LOG_P832));
    if rcp < c(LOG_THREE_QUARTERS) {
        k += one;
    }
    let th = c(LOG_TH[idx]);
    let tl = c(LOG_TL[idx]);
    let p9 = r2.mul_add(p9, p8);
    let hi = c(LOG_LN2_HI).mul_add(k, th);
    let poly = r4.mul_add(p1, p9);
    let s = hi + r;
    let rh = s - hi;
    let rl = r - rh;
    let poly = r2.mul_add(poly, rl);
    let lo = c(LOG_LN2_LO).mul_add(k, tl);
    let t = poly + lo;
    s + t
}

/// `__svml_dlog_ha_cout_rare_internal` for the lanes `log` sends there
/// (its positive-finite branch is never reached from `__svml_log8_ha`).
fn log_rare(x: f64) -> f64 {
    if x.is_nan() {
        return quiet(x);
    }
    if x == 0.0 {
        return -c(LOG_RARE_ONE) / 0.0;
    }
    if x == f64::INFINITY {
        return x;
    }
    // Negative (finite or -inf): 0.0 / 0.0 in divsd.
    c(X86_DEFAULT_NAN)
}
