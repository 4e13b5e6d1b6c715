//! `__svml_exp8_ha` (numpy's float64 `np.exp` on AVX-512), one lane, and its
//! scalar rare path.

use super::*;

/// `__svml_dexp_ha_data_internal_avx512` +0: `2^(j/16)`, high part.
pub(super) const EXP_TH: [u64; 16] = [
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
/// `__svml_dexp_ha_data_internal_avx512` +128: `2^(j/16)`, relative low part.
pub(super) const EXP_TLR: [u64; 16] = [
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
/// +256: `log2(e)`.
pub(super) const EXP_LOG2E: u64 = 0x3ff7_1547_652b_82fe;
/// +320: `1.5*2^48` with `1023 << 4` in its low bits (N with 4 fraction bits).
pub(super) const EXP_SHIFTER: u64 = 0x42f8_0000_0000_3ff0;
/// +384: `ln(2)`, high part.
pub(super) const EXP_LN2_HI: u64 = 0x3fe6_2e42_fefa_39ef;
/// +448: `ln(2)`, low part.
pub(super) const EXP_LN2_LO: u64 = 0x3c7a_bc9e_3b39_803f;
/// +512: AND-mask that clears exponent bit 62 ("ensure |R| < 2").
pub(super) const EXP_R_MASK: u64 = 0xbfff_ffff_ffff_ffff;
/// +576..+896: polynomial coefficients c6, c5, c4, c3, c2, c1.
const EXP_C6: u64 = 0x3f57_4118_3694_0c04;
const EXP_C5: u64 = 0x3f81_101c_bbc2_65c0;
const EXP_C4: u64 = 0x3fa5_5557_242d_68fe;
const EXP_C3: u64 = 0x3fc5_5555_5393_9732;
const EXP_C2: u64 = 0x3fe0_0000_0000_d008;
const EXP_C1: u64 = 0x3fef_ffff_ffff_ff70;
/// +960: absolute-value mask.
const EXP_ABS_MASK: u64 = 0x7fff_ffff_ffff_ffff;
/// +1024: `|x|` at or above this goes to the rare path (707.703...).
const EXP_THRESHOLD: u64 = 0x4086_1da0_4cba_fe44;

/// `_imldExpHATab` +0: 64 pairs `(2^(j/64) high, low)`.
const EXP_RARE_TAB: [u64; 128] = [
    0x3ff0_0000_0000_0000,
    0x0000_0000_0000_0000,
    0x3ff0_2c9a_3e77_8061,
    0xbc71_6013_9cd8_dc5d,
    0x3ff0_59b0_d315_8574,
    0x3c8c_d252_3567_f613,
    0x3ff0_8745_1875_9bc8,
    0x3c60_f74e_61e6_c861,
    0x3ff0_b558_6cf9_890f,
    0x3c97_9aa6_5d83_7b6d,
    0x3ff0_e3ec_32d3_d1a2,
    0x3c3e_be3d_702f_9cd1,
    0x3ff1_1301_d012_5b51,
    0xbc95_5652_2a2f_bd0e,
    0x3ff1_429a_aea9_2de0,
    0xbc91_c923_b9d5_f416,
    0x3ff1_72b8_3c7d_517b,
    0xbc80_1b15_eaa5_9348,
    0x3ff1_a35b_eb6f_cb75,
    0x3c8b_898c_3f13_53bf,
    0x3ff1_d487_3168_b9aa,
    0x3c9a_ecf7_3e3a_2f60,
    0x3ff2_063b_8862_8cd6,
    0x3c8a_6f41_44a6_c38d,
    0x3ff2_387a_6e75_6238,
    0x3c96_8efd_e3a8_a894,
    0x3ff2_6b45_65e2_7cdd,
    0x3c80_472b_981f_e7f2,
    0x3ff2_9e9d_f51f_dee1,
    0x3c82_f7e1_6d09_ab31,
    0x3ff2_d285_a6e4_030b,
    0x3c8b_3782_720c_0ab4,
    0x3ff3_06fe_0a31_b715,
    0x3c83_4d75_4db0_abb6,
    0x3ff3_3c08_b264_16ff,
    0x3c8f_dd39_5dd3_f84a,
    0x3ff3_71a7_373a_a9cb,
    0xbc92_4aed_cc4b_5068,
    0x3ff3_a7db_34e5_9ff7,
    0xbc71_d1e8_3e94_36d2,
    0x3ff3_dea6_4c12_3422,
    0x3c85_9f48_a72a_4c6d,
    0x3ff4_160a_21f7_2e2a,
    0xbc58_a78f_4817_895b,
    0x3ff4_4e08_6061_892d,
    0x3c43_63ed_60c2_ac11,
    0x3ff4_86a2_b5c1_3cd0,
    0x3c6e_cce1_daa1_0379,
    0x3ff4_bfda_d536_2a27,
    0x3c76_90ce_bb7a_afb0,
    0x3ff4_f9b2_769d_2ca7,
    0xbc8f_9434_0071_a38e,
    0x3ff5_342b_569d_4f82,
    0xbc78_dec6_bd0f_385f,
    0x3ff5_6f47_36b5_27da,
    0x3c93_3505_18fd_d78e,
    0x3ff5_ab07_dd48_5429,
    0x3c90_63e1_e21c_5409,
    0x3ff5_e76f_15ad_2148,
    0x3c94_32e6_2b64_c035,
    0x3ff6_247e_b03a_5585,
    0xbc8c_33c5_3bef_4da8,
    0x3ff6_6238_8255_2225,
    0xbc93_cedd_7856_5858,
    0x3ff6_a09e_667f_3bcd,
    0xbc93_b3ef_bf5e_2228,
    0x3ff6_dfb2_3c65_1a2f,
    0xbc63_67ef_b86d_a9ee,
    0x3ff7_1f75_e8ec_5f74,
    0xbc78_1f64_7e5a_3ecf,
    0x3ff7_5feb_5642_67c9,
    0xbc86_1932_1e55_e68a,
    0x3ff7_a114_73eb_0187,
    0xbc7b_32dc_b94d_a51d,
    0x3ff7_e2f3_36cf_4e62,
    0x3c65_ebe1_abd6_6c55,
    0x3ff8_2589_994c_ce13,
    0xbc93_69b6_f13b_3734,
    0x3ff8_68d9_9b44_92ed,
    0xbc94_d450_d872_576e,
    0x3ff8_ace5_422a_a0db,
    0x3c8d_b72f_c1f0_eab4,
    0x3ff8_f1ae_9915_7736,
    0x3c7b_f683_59f3_5f44,
    0x3ff9_3737_b0cd_c5e5,
    0xbc5d_a9b8_8b6c_1e29,
    0x3ff9_7d82_9fde_4e50,
    0xbc92_4343_22f4_f9aa,
    0x3ff9_c491_82a3_f090,
    0x3c71_affc_2b91_ce27,
    0x3ffa_0c66_7b5d_e565,
    0xbc87_c504_2262_2263,
    0x3ffa_5503_b23e_255d,
    0xbc91_bbd1_d3bc_bb15,
    0x3ffa_9e6b_5579_fdbf,
    0x3c84_6984_6e73_5ab3,
    0x3ffa_e89f_995a_d3ad,
    0x3c8c_1a77_92cb_3387,
    0x3ffb_33a2_b84f_15fb,
    0xbc55_c3d9_56dc_aeba,
    0x3ffb_7f76_f2fb_5e47,
    0xbc68_d6f4_38ad_9334,
    0x3ffb_cc1e_904b_c1d2,
    0x3c74_ffd7_0a5f_ddcd,
    0x3ffc_199b_dd85_529c,
    0x3c73_6eae_30af_0cb3,
    0x3ffc_67f1_2e57_d14b,
    0x3c84_e08f_d109_59ac,
    0x3ffc_b720_dcef_9069,
    0x3c67_6b2c_6c92_1968,
    0x3ffd_072d_4a07_897c,
    0xbc8f_ad5d_3fff_fa6f,
    0x3ffd_5818_dcfb_a487,
    0x3c74_a385_a63d_07a7,
    0x3ffd_a9e6_03db_3285,
    0x3c8e_5a50_d5c1_92ac,
    0x3ffd_fc97_337b_9b5f,
    0xbc82_d521_07b4_3e1f,
    0x3ffe_502e_e78b_3ff6,
    0x3c74_b604_603a_88d3,
    0x3ffe_a4af_a2a4_90da,
    0xbc8f_f712_8fd3_91f0,
    0x3ffe_fa1b_ee61_5a27,
    0x3c8e_c3bc_41aa_2008,
    0x3fff_5076_5b6e_4540,
    0x3c8a_64a9_31d1_85ee,
    0x3fff_a7c1_819e_90d8,
    0x3c77_893b_4d91_cd9d,
];
/// `_imldExpHATab` +1024..+1168.
const EXP_RARE_64_LOG2E: u64 = 0x4057_1547_652b_82fe;
const EXP_RARE_SHIFTER: u64 = 0x4338_0000_0000_0000;
const EXP_RARE_C2: u64 = 0x3fe0_0000_0000_0000;
const EXP_RARE_C3: u64 = 0x3fc5_5555_5555_48f8;
const EXP_RARE_C4: u64 = 0x3fa5_5555_5555_8fcc;
const EXP_RARE_C5: u64 = 0x3f81_1112_3aaf_20d3;
const EXP_RARE_C6: u64 = 0x3f56_c16a_1c2a_3ffd;
const EXP_RARE_OVERFLOW: u64 = 0x4086_2e42_fefa_39ef;
const EXP_RARE_SUBNORMAL: u64 = 0xc086_232b_dd7a_bcd2;
const EXP_RARE_UNDERFLOW: u64 = 0xc087_4910_d52d_3051;
const EXP_RARE_LN2_64_HI: u64 = 0x3f86_2e42_fefa_0000;
const EXP_RARE_LN2_64_LO: u64 = 0x3d1c_f79a_bc9e_3b3a;
const EXP_RARE_TINY: u64 = 0x0010_0000_0000_0001;
const EXP_RARE_HUGE: u64 = 0x7fef_ffff_ffff_ffff;
const EXP_RARE_ZERO: u64 = 0x0000_0000_0000_0000;
const EXP_RARE_ONE: u64 = 0x3ff0_0000_0000_0000;
const EXP_RARE_TWO: u64 = 0x4000_0000_0000_0000;
const EXP_RARE_2_M60: u64 = 0x3c30_0000_0000_0000;
const EXP_RARE_SPLITTER: u64 = 0x41f8_0000_0000_0000;

crate::fma::fma_dispatch! {
    /// `__svml_exp8_ha`, one lane (hardware FMA when the CPU has it).
    pub fn exp(x: f64) -> f64 = exp_any;
}

/// `__svml_exp8_ha`, one lane.
#[inline(always)]
pub(super) fn exp_any(x: f64) -> f64 {
    let abs = c(x.to_bits() & EXP_ABS_MASK);
    // vcmppd $29 (GE_OQ): false for NaN.
    if abs >= c(EXP_THRESHOLD) {
        return exp_rare(x);
    }
    if x.is_nan() {
        // Every step propagates the NaN operand; vscalefpd returns QNaN(src2).
        return quiet(x);
    }
    let shifter = c(EXP_SHIFTER);
    let big = fma_rz_shift(x, c(EXP_LOG2E), shifter);
    let n = big - shifter;
    let j = (big.to_bits() & 15) as usize;
    let tlr = c(EXP_TLR[j]);
    let th = c(EXP_TH[j]);
    let r = (-n).mul_add(c(EXP_LN2_HI), x);
    let r = (-c(EXP_LN2_LO)).mul_add(n, r);
    let r = c(r.to_bits() & EXP_R_MASK);
    let r2 = r * r;
    let p56 = c(EXP_C6).mul_add(r, c(EXP_C5));
    let p34 = c(EXP_C4).mul_add(r, c(EXP_C3));
    let p12 = c(EXP_C2).mul_add(r, c(EXP_C1));
    let p36 = r2.mul_add(p56, p34);
    let p16 = r2.mul_add(p36, p12);
    let p = p16.mul_add(r, tlr);
    let v = th.mul_add(p, th);
    scalef(v, n)
}

/// `__svml_dexp_ha_cout_rare_internal` (SSE2 scalar code, no FMA).
pub(super) fn exp_rare(x: f64) -> f64 {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as u32;
    if biased == 0x7ff {
        if bits >> 63 == 1 && bits & MANT_MASK == 0 {
            return c(EXP_RARE_ZERO);
        }
        if x.is_nan() {
            return quiet(x);
        }
        return x * x;
    }
    if biased <= 970 {
        // Not reached from `exp` (the vector mask needs |x| >= 707.7).
        return c(EXP_RARE_ONE) + x;
    }
    if c(EXP_RARE_OVERFLOW) < x {
        let h = c(EXP_RARE_HUGE);
        return h * h;
    }
    if x < c(EXP_RARE_UNDERFLOW) {
        let t = c(EXP_RARE_TINY);
        return t * t;
    }
    let shifter = c(EXP_RARE_SHIFTER);
    let scaled = c(EXP_RARE_64_LOG2E) * x;
    let sum = scaled + shifter;
    let low = sum.to_bits() as u32;
    let j = (low & 63) as usize;
    let n = sum - shifter;
    let r = x - n * c(EXP_RARE_LN2_64_HI);
    let r = r - n * c(EXP_RARE_LN2_64_LO);
    let mut q = c(EXP_RARE_C6) * r;
    q += c(EXP_RARE_C5);
    q *= r;
    q += c(EXP_RARE_C4);
    q *= r;
    q += c(EXP_RARE_C3);
    q *= r;
    q += c(EXP_RARE_C2);
    q *= r;
    q *= r;
    q += r;
    q += c(EXP_RARE_TAB[2 * j + 1]);
    let th = c(EXP_RARE_TAB[2 * j]);
    q *= th;
    // `shrl $6` on the low 32 bits of the shifted sum: floor(n / 64) modulo 2^26.
    let m = low >> 6;
    if x < c(EXP_RARE_SUBNORMAL) {
        let e = m.wrapping_add(1083) & 2047;
        let scale = f64::from_bits(u64::from(e) << 52);
        let lo_part = q * scale;
        let hi_part = scale * th;
        let y = hi_part + lo_part;
        if e <= 50 {
            return y * c(EXP_RARE_2_M60);
        }
        let lo = (hi_part - y) + lo_part;
        let split = y * c(EXP_RARE_SPLITTER);
        let hi = (y + split) - split;
        let lo = lo + (y - hi);
        let hi = hi * c(EXP_RARE_2_M60);
        let lo = lo * c(EXP_RARE_2_M60);
        return hi + lo;
    }
    let e = m.wrapping_add(1023) & 2047;
    let v = q + th;
    if e > 2046 {
        let e = (e - 1) & 2047;
        let scale = f64::from_bits(u64::from(e) << 52);
        return v * scale * c(EXP_RARE_TWO);
    }
    v * f64::from_bits(u64::from(e) << 52)
}
