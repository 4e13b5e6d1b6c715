//! numpy's float64 `np.exp` and `np.log`, bit for bit.
//!
//! # Why
//!
//! scikit-learn computes `softmax` with `np.exp` and `predict_log_proba` with
//! `np.log`. On Linux x86-64, numpy does not call the C library for float64
//! `exp`/`log` when the CPU has AVX-512 (numpy's `X86_V4` target: AVX512F,
//! CD, VL, BW, DQ): it calls Intel SVML's `__svml_exp8_ha` and
//! `__svml_log8_ha`, which numpy vendors as assembly. Those round differently
//! from glibc on about 4.6% (exp) and 0.05% (log) of random inputs, so a Rust
//! engine that wants scikit-learn's results to the last bit has to compute
//! what SVML computes. This module is a scalar, lane-by-lane port of those
//! two routines: no `unsafe`, no intrinsics, the same constants and tables
//! (copied as bit patterns), the same operation order, `f64::mul_add` where
//! the assembly uses an FMA (both are one correctly rounded operation) and
//! plain `*`/`+`/`-` where it uses separate instructions.
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
//!
//! Without `X86_V4` (for example an AVX2-only CPU), numpy 2.4.6 falls back to
//! `npy_exp`/`npy_log`, i.e. the C library's `exp`/`log`; [`np_exp`] and
//! [`np_log`] then use `f64::exp`/`f64::ln`, which call the same functions on
//! Linux.
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
//! per function, no mismatch. Deliberately broken variants of the port (FMA
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
//! overlaps the input (not exactly in place) or a stride exceeds 2^27
//! elements; [`np_exp`] and [`np_log`] model the normal case (contiguous,
//! strided or exactly in place, which all give the same bits, as do numpy
//! scalars).

/// `__svml_dexp_ha_data_internal_avx512` +0: `2^(j/16)`, high part.
const EXP_TH: [u64; 16] = [
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
const EXP_TLR: [u64; 16] = [
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
const EXP_LOG2E: u64 = 0x3ff7_1547_652b_82fe;
/// +320: `1.5*2^48` with `1023 << 4` in its low bits (N with 4 fraction bits).
const EXP_SHIFTER: u64 = 0x42f8_0000_0000_3ff0;
/// +384: `ln(2)`, high part.
const EXP_LN2_HI: u64 = 0x3fe6_2e42_fefa_39ef;
/// +448: `ln(2)`, low part.
const EXP_LN2_LO: u64 = 0x3c7a_bc9e_3b39_803f;
/// +512: AND-mask that clears exponent bit 62 ("ensure |R| < 2").
const EXP_R_MASK: u64 = 0xbfff_ffff_ffff_ffff;
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

/// `__svml_dlog_ha_data_internal_avx512` +0: `-log(rcp)`, high part.
const LOG_TH: [u64; 16] = [
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
const LOG_TL: [u64; 16] = [
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
const LOG_ONE: u64 = 0x3ff0_0000_0000_0000;
/// +320: 0.75 (below it the exponent is bumped by one).
const LOG_THREE_QUARTERS: u64 = 0x3fe8_0000_0000_0000;
/// +384..+832: polynomial coefficients (named by byte offset).
const LOG_P384: u64 = 0x3fbc_81cd_309d_7c70;
const LOG_P448: u64 = 0xbfc0_0735_7e93_af62;
const LOG_P512: u64 = 0x3fc2_4922_9cee_81ef;
const LOG_P576: u64 = 0xbfc5_5553_fb28_db06;
const LOG_P640: u64 = 0x3fc9_9999_99cc_9f5c;
const LOG_P704: u64 = 0xbfd0_0000_000c_05bd;
const LOG_P768: u64 = 0x3fd5_5555_5555_5466;
const LOG_P832: u64 = 0xbfdf_ffff_ffff_ffc6;
/// +896: `ln(2)`, high part.
const LOG_LN2_HI: u64 = 0x3fe6_2e42_fefa_0000;
/// +960: `ln(2)`, low part.
const LOG_LN2_LO: u64 = 0x3d7c_f79a_bc9e_0000;
/// `__dlog_ha_CoutTab` +1616: 1.0 (negated, divided by +0.0 for `log(+-0)`).
const LOG_RARE_ONE: u64 = 0x3ff0_0000_0000_0000;
/// x86's default NaN, what `0.0 / 0.0` (`divsd`) gives in the rare path.
const X86_DEFAULT_NAN: u64 = 0xfff8_0000_0000_0000;

/// `vrcp14pd(m)` for `m` in `[1, 2)`, rounded by `vrndscalepd $88` to a
/// multiple of `1/32`, is `(32 - s)/32` where `s` counts the entries below
/// that are `<=` the top 16 bits of `m`'s mantissa.
pub const LOG_RCP_STEPS: [u32; 16] = [
    1039, 3223, 5556, 8048, 10726, 13603, 16707, 20063, 23705, 27669, 32007, 36764, 42010, 47824,
    54300, 61568,
];

const QUIET_BIT: u64 = 0x0008_0000_0000_0000;
const MANT_MASK: u64 = 0x000f_ffff_ffff_ffff;

#[inline]
fn c(bits: u64) -> f64 {
    f64::from_bits(bits)
}

/// A NaN operand as x86 passes it through: same sign and payload, quiet bit set.
#[inline]
fn quiet(x: f64) -> f64 {
    f64::from_bits(x.to_bits() | QUIET_BIT)
}

/// Does numpy 2.4.6 on this machine compute float64 exp/log with SVML (the
/// code ported here)? True on Linux x86-64 CPUs with numpy's `X86_V4` feature
/// group, which is what selects the SVML loop: `X86_V3` (AVX, AVX2, F16C,
/// FMA3, BMI1, BMI2, LZCNT, MOVBE) plus AVX512F, AVX512CD, AVX512BW,
/// AVX512DQ and AVX512VL. False elsewhere. (numpy can also be told to ignore
/// features with `NPY_DISABLE_CPU_FEATURES`; that is not looked at here.)
pub fn numpy_uses_avx512f() -> bool {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    {
        std::is_x86_feature_detected!("avx")
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

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn uses_svml_cached() -> bool {
    use std::sync::OnceLock;
    static USES: OnceLock<bool> = OnceLock::new();
    *USES.get_or_init(numpy_uses_avx512f)
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn uses_svml_cached() -> bool {
    false
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

/// `vfmadd213pd {rz-sae}`: `x * log2e + shifter` rounded toward zero, for
/// `|x| < 707.71` where the sum lies in `[2^48, 2^49)` (grid `2^-4`). Returns
/// `shifter + floor(16 * x * log2e) / 16` computed from the exact product.
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
fn pow2(m: i32) -> f64 {
    if m >= -1022 {
        f64::from_bits(((m + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (m + 1074))
    }
}

/// `__svml_exp8_ha`, one lane.
pub fn exp(x: f64) -> f64 {
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
fn exp_rare(x: f64) -> f64 {
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

/// `__svml_log8_ha`, one lane.
pub fn log(x: f64) -> f64 {
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

#[cfg(test)]
mod tests {
    use super::*;

    // (input bits, numpy 2.4.6 output bits) on an AVX-512 Linux machine,
    // from scripts/gen_npmath_vectors.py --rust-cases 300: inputs where numpy
    // and glibc disagree (a quarter of them from the rarely hit branches),
    // then special values (zeros, infinities, NaN payloads, subnormals,
    // extremes).
    const EXP_CASES: [(u64, u64); 326] = [
        (0x3fdec215aa7c3488, 0x3ff9df6313c5900f),
        (0xc018e5bfabae1504, 0x3f60399575d3ccc4),
        (0xc02291f3ba5c6869, 0x3f1853b5ed4e3f49),
        (0x40112bc6038ae73a, 0x40524ab3c8fba52e),
        (0x401244c43b10796f, 0x40581144a1905284),
        (0xc02c7fb2e46fb4c7, 0x3ea5be12f3f7b247),
        (0x3ffc71f472f6c14e, 0x4017aaf4c9ee7836),
        (0xbfed9b0e3d51a8b1, 0x3fd95f9dd11cc257),
        (0x3fd5300714bbbcca, 0x3ff6476d5f488c4a),
        (0xc0070141ee96b04d, 0x3facde097ec89350),
        (0xbfefe2f6c23c9193, 0x3fd7a0bcfd2107e4),
        (0xbff3924d59aac4aa, 0x3fd2d5824e2756f8),
        (0xc0033df3f64b39d0, 0x3fb71a2870ff3afb),
        (0x3ff0f7bd61aca82a, 0x40071a25499a78f7),
        (0x400ba8714d2aafc4, 0x403fbac19166a283),
        (0xc014c6d9f310db76, 0x3f76ba3d0bc2ac2a),
        (0xbfe91c11765ba091, 0x3fdd337c1214f01f),
        (0xc0239a22e95f3996, 0x3f0d0acb7d8beefe),
        (0x3fe72de6603599dd, 0x400081d5989f6f98),
        (0xbffc2e7ae742a2a5, 0x3fc5fdf93d1465a2),
        (0x402232fd2dfca2cc, 0x40c17bcd222f3909),
        (0x401934ad270581a0, 0x40810adc6b0f1dda),
        (0xc0204f6a62094466, 0x3f32d37df802f2dd),
        (0xc00c4730c5a7a06a, 0x3f9ddd9ecd6cae4a),
        (0xbffdd3eb43ca3d26, 0x3fc3d782074e50d9),
        (0x4001f40cfb35cd7c, 0x4022dd75d8f24b63),
        (0xc00663b6b263f254, 0x3faf2cf54d01204b),
        (0x400333ac1c4a0a84, 0x40260d2b0477262b),
        (0x4002818a3211fa72, 0x402436e7fd179238),
        (0xc01a1c0b7559f8e1, 0x3f57f785bf18616e),
        (0xc0161d9c9c34f73f, 0x3f704324e86e80ab),
        (0xc019b1b2806bc09e, 0x3f5a96fdbf06c92b),
        (0xc01764ec4c5319a7, 0x3f67a04dc1003241),
        (0x3ffdb31264f10da5, 0x401999149a07f5d9),
        (0xc000b364ea52a398, 0x3fbfbd7ad7c36df8),
        (0x4016d4457daf3f12, 0x4072d0e56dd4a2ea),
        (0x40091b604e1446dc, 0x403710f0e0e18de7),
        (0x3ff451441e70c63d, 0x400c7b763f27a59a),
        (0x4010266bae726099, 0x404c57c19f9cd9c7),
        (0x40144985b748fbdf, 0x4063eec036374f11),
        (0x4013d49fde36d392, 0x4061c8401f88e6f5),
        (0xc00aeb60e713ac86, 0x3fa1b26cef1e0088),
        (0xc01d34ff6dd3c1b2, 0x3f4618e3cb4a29b5),
        (0xc001671302eeb5b6, 0x3fbd12f91d557baf),
        (0xbfe9bb793fd1e0c8, 0x3fdca36d83b6ea2e),
        (0xc01d59d6a3fd4621, 0x3f4550fcf97f817f),
        (0xc022e96a632d04e1, 0x3f1481c190030159),
        (0xbff40548e88edc41, 0x3fd2500ac19ac4ff),
        (0xc010c0265c8e0160, 0x3f8f17ba56ae3985),
        (0x400bd13c96e33a26, 0x40402f16738fab85),
        (0xc018fa08caad414a, 0x3f5fd0387094708f),
        (0x3ff60e4b6c551eff, 0x400fc0508e91071d),
        (0x401306fef0866ae5, 0x405d181afe0ffd51),
        (0xc016582a5fc61cdf, 0x3f6eb789324bb838),
        (0xbff91175dd02b88f, 0x3fcab7543d00819f),
        (0x401653d8845c6fa6, 0x407099211600564a),
        (0xc00c0e2498618b53, 0x3f9eb595bf4b9152),
        (0x4013b88db4b26989, 0x40614d2787b3a9cc),
        (0x4021c0d23c15cc86, 0x40bbfa6cef6cc530),
        (0xc00b3bf7ac920fea, 0x3fa1039d6a87da98),
        (0xc01babb40c6091a2, 0x3f5038e2fce4b930),
        (0x3fd6454c2a8bd54e, 0x3ff6a8c4d4d08344),
        (0x401851c9b1473d4b, 0x407b4f909a43a174),
        (0xbfe72a2bee637c50, 0x3fdf07ec85009ae4),
        (0x4013074343b7b604, 0x405d1a0c058a5728),
        (0x400d59c4acb23356, 0x40439a613e0f284e),
        (0x3ff6dce068784e02, 0x4010b263ebd302b4),
        (0x3fe6aa777663341e, 0x40003e935df7bbbc),
        (0xc017c733ed542fb0, 0x3f6576cbd04861de),
        (0xc031112190470f6c, 0x3e64c996e0cf0269),
        (0x401184278aa1cd62, 0x4053f0d187cac4af),
        (0xc013f6b2f00d893e, 0x3f7bd9b73a114e34),
        (0x4001583c0874a82e, 0x40217ba78de30432),
        (0xc016cba62f3a168e, 0x3f6b70e3868038ed),
        (0xbff77ff57a31567b, 0x3fcd77b2985afa43),
        (0x4018ae20c2bd57ca, 0x407de3560cc5c0d9),
        (0x3fe3f4d7764917d6, 0x3ffdd9eb54f0230a),
        (0xbff16e52930bd4d6, 0x3fd587b045dc35c6),
        (0x400c646060c51fad, 0x404163b4370f2185),
        (0x400223b746ea3895, 0x40234f2df8acc6f1),
        (0x4019b5dae652eb1c, 0x408355768f6c2932),
        (0x4025bc819a4cc77f, 0x40e99fed4dac16f8),
        (0x4010305030815de8, 0x404c9e312c6ab20b),
        (0x4003da51d62f538d, 0x4027ebb9e1139b84),
        (0xc003d4313e7bfbdf, 0x3fb577d5181825ce),
        (0xc018f5f16d6c4413, 0x3f5ff0d325b34c1f),
        (0x4012f5d74daa5d78, 0x405c9c5e5361d73e),
        (0xc06093dfa0f243f4, 0x33f96d3ad0845407),
        (0x4065d2a68f8792d4, 0x4fad3cff59ebab7d),
        (0x4084a1af63eefe14, 0x7b765b3d103bf669),
        (0xc06d5ce8e3dcbfb0, 0x2ac1383e225153e7),
        (0x4080d6ad0be80696, 0x7084bba363050aa6),
        (0x40659ae1656dbdbc, 0x4f84784a9b4a09db),
        (0x402624514acd1540, 0x40ef626dbc49b0a6),
        (0x405a81b8ffc13788, 0x497f38eafbfee267),
        (0x4071f6e0e8d79f50, 0x59d985cb1b798857),
        (0xc0861e1d8329303b, 0x001e1a2727be817b),
        (0x40390751e618f540, 0x42314050d6e69bcc),
        (0x40521fca15875d98, 0x4678183d1ef2ddd5),
        (0xc06c4dbce16437e4, 0x2b84224e035570d7),
        (0xc07b23c3c856d057, 0x18c71dfa09ba6868),
        (0xc08414b664c7fee8, 0x05feb205dc8c2651),
        (0xc0736dcd1e384339, 0x23e6f1e42607a33c),
        (0x407b259180ddd4a4, 0x6718ca78f4d78918),
        (0xc080b98d66112bcd, 0x0fad68d3781fe417),
        (0x406d810c6f29195c, 0x5536fef228f0c5e5),
        (0xc0787443569be5ad, 0x1ca6f9019c658bc6),
        (0xc080ecd90ce152fb, 0x0f18b8e33a47b44e),
        (0x407836ac4e331060, 0x62de5f4a8669b90a),
        (0x4071272159bf0d0e, 0x58aeb9bdcb6b66af),
        (0x4086204c2bf135a8, 0x7fc657cb2aa034ca),
        (0x4073b2ae4e523860, 0x5c59d312dd7a4917),
        (0x406e8d16a21ad798, 0x55f86179075b8696),
        (0x408445df5b88d9c4, 0x7a6e633ce40cf60e),
        (0x40810e30c9c7fe38, 0x7124e57eb4e8b1bb),
        (0x405918510d4deb70, 0x48fc3357b9ab5c13),
        (0xc05269eabdcdc310, 0x394ab14b10f8ff58),
        (0x40855a4197619f4c, 0x7d8b3d22d212fb3f),
        (0xc06bc9c8a64605ac, 0x2be36f6ef8e86711),
        (0xc07b054ea9df76b3, 0x18f363ad0afc1915),
        (0xc0606541653274c4, 0x341b48d78bd03a11),
        (0x407b05777a09db38, 0x66eaabb0d7954fc7),
        (0x4084d16393fdad84, 0x7c00f9b9778b1835),
        (0x40749d3a307e6abc, 0x5daca0c2eb5aa6c2),
        (0xc07941ccb7630026, 0x1b7fc1617ae7debd),
        (0x407295146c0ebfb0, 0x5abea9ebc8de5bc8),
        (0xc083a2b180e742a4, 0x0746a7d988b55a0a),
        (0xc06511fdfafcd148, 0x30bc2b7227eb1517),
        (0xc08606061932cf68, 0x00631c8f76f21b83),
        (0xc077682eee973bc7, 0x1e29e32b023aea21),
        (0x40825d4756d6aa5a, 0x74ec20bb2524b57d),
        (0x4076a6828c290cb4, 0x609cb141635c6e5e),
        (0x40589b86791fd4c0, 0x48d00d0ee1c90f4c),
        (0x4058e77a0328b928, 0x48ea4b6b820479a1),
        (0xc076ef5c8cd606b0, 0x1ed80f0ae4910f81),
        (0xc05300c5d3cf0490, 0x3914387c40ae223f),
        (0x406c465c8f478f4c, 0x545431c5ef089638),
        (0xc07ee447c8e5df66, 0x135e54943687ada8),
        (0xc07c68eec6193911, 0x16f28516e441fae8),
        (0xc075f45b8be62034, 0x2042a6762c627276),
        (0xc08662ad7f795130, 0x0000017625667ef6),
        (0x406a7068d1d3d7ac, 0x5301bbf36a039f4c),
        (0x40833a4f265e3d08, 0x776986963ee649e5),
        (0x4083122e68359098, 0x76f5aa6a215aa828),
        (0xc072aa308fe0ae6f, 0x2501da598d173faa),
        (0xc07ec07c765bbc3a, 0x1391c16e97837b42),
        (0x4065a6801a0fdbe0, 0x4f8d6e8f345cd920),
        (0xc07e9753365999ea, 0x13cd12d62b607903),
        (0x40852661900138dc, 0x7cf54c1941c8c65d),
        (0x4080f675a38d0804, 0x70e137111fc8160c),
        (0x40809059ad37633e, 0x6fb9d7154403f712),
        (0xc0840775b3221c35, 0x06241c61948b097c),
        (0x4080d0d1c34c4742, 0x7073f10218b03a07),
        (0xc079c87be1aa755c, 0x1abcbbc6ea6ba42b),
        (0xc0639d06b3e91164, 0x31c8c70155d8208a),
        (0x408627f82eb5f3fa, 0x7fdd25a3c85ad3bd),
        (0x407a477acbd2f960, 0x65d85bc03b9f6404),
        (0xc03aa6ec85a7fa80, 0x3d8769ac404a9bf7),
        (0x408037305255e1be, 0x6eb87617a49bde3a),
        (0x40842f29f8138b16, 0x7a2c7287f8be7bb1),
        (0xc07d9f3c79a54e05, 0x1532c8a85316aba4),
        (0xc06da489b38fdf26, 0x2a8d60e400039072),
        (0xc07dffc8562746a9, 0x14a709e6f69f2b55),
        (0xc0322d0cb42a2320, 0x3e4b6dbaf4c0d583),
        (0xc07c430fcb78d0ca, 0x1728b047e2b6cee5),
        (0x4076582023f5680c, 0x602b600d2a6e52f9),
        (0xc0759d99cc58e58d, 0x20c07e6875485794),
        (0xc023ba95389d5d80, 0x3f0b424144bebb93),
        (0x407455dde651e160, 0x5d452f0c2b4a7f3d),
        (0xc076a2e548f4f279, 0x1f465df34beb8285),
        (0xc0783524cefa8c73, 0x1d028c5b0865150c),
        (0x407fbb9e24a25050, 0x6db688565855cf2d),
        (0xc086294547b8ca37, 0x000776f38cb1a921),
        (0xc077d3f89071c208, 0x1d8f74049e5c35d6),
        (0x408392c6360ebd96, 0x7868b766c48556af),
        (0xc08527be8f50dda6, 0x02e4462249d1a0f7),
        (0xc071079710453ada, 0x275de8fe11cc5096),
        (0xc0835526ffd18446, 0x082665ed1ea95174),
        (0x40824438e402a0c6, 0x74a3a27639bae741),
        (0x406af7c67f2cc7d0, 0x53630b7a8cf1f6d6),
        (0xc0752786b496b1f3, 0x2169d21364edf940),
        (0xc06ffaed14982548, 0x28ddd52bb4ac5c51),
        (0xc020aff484f0b400, 0x3f2f2e94cdb779a6),
        (0xc07b2d8cbc5ec41e, 0x18b9150ba30385ff),
        (0x4065c9c1b033043c, 0x4fa624b6990210fb),
        (0xc05532068665a1d0, 0x3849bd6c618bcfd1),
        (0xc08438474c88dc07, 0x05970a4be8bbf59a),
        (0x407d6c54bd7e4b30, 0x6a621b976f02c1d8),
        (0xc0786296c4488ece, 0x1cc15562951e1c12),
        (0xc086205fbb69e444, 0x0016b29baf9e776f),
        (0xc085e76fec5f3281, 0x00bb53c878b760e0),
        (0xc085e3962b7b528b, 0x00c61c58ff3229c6),
        (0xc08607e674202a9b, 0x005e3b534958e122),
        (0xc0861fdafb2d887d, 0x001837b9bd28a516),
        (0xc08623082a064603, 0x0010480728ea51ee),
        (0xc085ec453a1a3da5, 0x00addeeac3f96005),
        (0xc085e6bf3bf90361, 0x00bdca233abe7a47),
        (0xc0861e4942f24bc2, 0x001d7747de6e296a),
        (0xc0865d862c09de91, 0x000002c88c80de48),
        (0xc086281303d6b934, 0x0008ab320df89770),
        (0xc08631f2095b0adb, 0x000286219f5687ee),
        (0xc0862722088580c0, 0x0009c04e0ed54779),
        (0xc08624dcf2bed84b, 0x000cf349c49656a8),
        (0x40861f1554577fc9, 0x7fc3325313a4058a),
        (0x4086253344eb6f53, 0x7fd49e6aa1b054a4),
        (0x40862d1aed5fe4d4, 0x7febb158d90f0b1a),
        (0x408620737f5bb380, 0x7fc6c6afd183b228),
        (0x4086271f4f9ee073, 0x7fda37e474855559),
        (0x408628ff6dd1b954, 0x7fe0928ed031ad0e),
        (0x40862d4a3306b714, 0x7fec56e31322305c),
        (0x408627cd0bc6b455, 0x7fdc8a1ef1be1f06),
        (0x4085e26090fde1f9, 0x7f13e846a6478dca),
        (0x40861e414158d892, 0x7fc14ee618ed52de),
        (0x408620cf070504a3, 0x7fc7d12f49ebb3f8),
        (0x40862aedfba4051c, 0x7fe519580b81cb0e),
        (0x40862e1b00114d7b, 0x7fef6191af4a8648),
        (0x408629ded0a51780, 0x7fe27b7f251425b8),
        (0x408623c21ca0a1b7, 0x7fd137ca57931292),
        (0x4086214a9ebf51a5, 0x7fc94c7788d2ac0e),
        (0x408621b76fbb5dbd, 0x7fcaade30ceaab24),
        (0x4086227f5c6c3f2e, 0x7fcd6a3ea45c5236),
        (0x408627846ed8665a, 0x7fdb8b9ddc18cfa6),
        (0x40862d87d54a35d3, 0x7fed3489f0dbf1b6),
        (0x4085f8e508c6fb7a, 0x7f54c35f29226c70),
        (0x40862034fb990d20, 0x7fc617653fb8bb78),
        (0x408627df0f4aeb7e, 0x7fdccaaad31cebce),
        (0x40862a671546e4af, 0x7fe3c106dddc35a8),
        (0x40861f1dadb65b17, 0x7fc346665220484e),
        (0x40861be7e3189d6c, 0x7fb9cee37d66cd49),
        (0x408626439ce03081, 0x7fd78d26fb5d6fe2),
        (0x4086239fa6dff4a0, 0x7fd0ee3ea4d69652),
        (0x408625748f5a7eee, 0x7fd54967a5ed4af8),
        (0x40861f4f972afab7, 0x7fc3c02234f7fe44),
        (0x40862bb158560031, 0x7fe735f65dabc830),
        (0x40862b9dd1c1dfcf, 0x7fe6fd94a92a3f1a),
        (0x40862e073c5f3cfd, 0x7fef1469c6e3179c),
        (0x4086285ff45a43ec, 0x7fdea976906e72a4),
        (0x40861f38059cdeef, 0x7fc38647db622478),
        (0x40861d9cf20a3c89, 0x7fbff2980ca5cf8a),
        (0x40861d9b45e6489d, 0x7fbfebeafcf657c6),
        (0x40862abc7fbe2a54, 0x7fe4986671dcfc24),
        (0x408621ce4f8c69dd, 0x7fcafa991cb4ac09),
        (0x40861e9a548d24b8, 0x7fc213de01d9ab72),
        (0x408620b3736f6af1, 0x7fc77fa2c73d2eca),
        (0x40862866dbad413e, 0x7fdec3f7b2a7d516),
        (0x40861d9fe48d1ec8, 0x7fbffe5f531b3669),
        (0x408616d2ddb8f052, 0x7fab58999a7cc298),
        (0x408627ba697c40a5, 0x7fdc47f264d1d8f4),
        (0x40862ca21c6fddac, 0x7fea1b3a26446a5a),
        (0x40862b33d0bb089a, 0x7fe5d4b1ae7d5508),
        (0x408600a46b15e13f, 0x7f6b57f6c2fba781),
        (0x4086240e2d371ce5, 0x7fd1de940fddd156),
        (0x4086262ae83f3a0c, 0x7fd744db9f4781ae),
        (0x40862ac124de25b4, 0x7fe4a45f38156704),
        (0x40862613081e57fc, 0x7fd6ffd0f9e2ab9e),
        (0x40862403757cc6b8, 0x7fd1c6b37539858f),
        (0x40862894d4fdd5c3, 0x7fdf76c4a3c36d50),
        (0x40862823f8e0be57, 0x7fddc6e6711aeb8b),
        (0x408621c756ed06ee, 0x7fcae320f30e81ce),
        (0x408621e4a03ed48a, 0x7fcb4643bc9b338e),
        (0x4086282a6364d71b, 0x7fddded1ab34900e),
        (0x40862d45362fadba, 0x7fec453d77be367c),
        (0xc054000000000000, 0x38b7fd974d372e44),
        (0xc080480000000000, 0x10f479ef4fbcca23),
        (0xc06ce00000000000, 0x2b1aacf02b65943e),
        (0xc082f80000000000, 0x09337b8803654d1a),
        (0xc084b00000000000, 0x043e9be5ed8b2663),
        (0x3f716484fd4b9ea0, 0x3ff0116dfc742d11),
        (0x4081965667247005, 0x72aea4afa2a48633),
        (0x4065bf5bafff56cd, 0x4f9fffffffffff76),
        (0xc080df000560e3c2, 0x0f4172b83c7d4f1d),
        (0xc084d24d43fa4485, 0x03dae89f995acace),
        (0xc080754b8e19c348, 0x1072387a6e755afb),
        (0xc0861f24764f6c5c, 0x001a799e1330bc58),
        (0xc0748baffcb085e1, 0x224ac36bbfd3f85d),
        (0x4064e107fc7796aa, 0x4eff7bfdad9cbb4a),
        (0x406fa8cbf43c5c4a, 0x56c516daa2cf642f),
        (0x40862ac0ad60e356, 0x7fe4a32af0d7cc04),
        (0x40862ca8a722ccd7, 0x7fea309bec4a234e),
        (0xc0861ee1eb866f6e, 0x001b59728de56032),
        (0xc077c9bb2fce41d3, 0x1d9dd321f301b61f),
        (0xc043d287cf6e0f15, 0x3c5bf2c25bd71e51),
        (0x4075be0efa126623, 0x5f4d80e316c9817c),
        (0xc07bc8d101ff1784, 0x17d9145b0b920006),
        (0xc085e60b5fd90e3c, 0x00c04315e86e7eab),
        (0xc074ed6bd3e40474, 0x21be7a51fbc74afb),
        (0xc050c4505cc61eb4, 0x39e2ecafa93e2f1a),
        (0x407bb3d946aa0efa, 0x67e605e1b976dcdd),
        (0x40844b44a11cfe29, 0x7a7dd321f301b5a0),
        (0x408625e68eb91c9d, 0x7fd68155d44cab38),
        (0xc06c81a07635926b, 0x2b5fd3c22b8f6fd3),
        (0x40754f54079d80f9, 0x5eadd321f301b83f),
        (0x40848c402963ff40, 0x7b388ac7d98a6b86),
        (0xc085a2cf24c427bf, 0x0181bbe08404561b),
        (0xc0820f2967165e17, 0x0bd356c55f929991),
        (0xc07c44e3c8c15f3b, 0x172605e1b976d839),
        (0x40768315e92f50de, 0x6069145b0b9204d8),
        (0x4080886666ce61cf, 0x6fa32170fc4ce007),
        (0x408629051024f7cf, 0x7fe09e3ecac6f8ac),
        (0x40862cbed565cbd7, 0x7fea799e1330bc74),
        (0x0000000000000000, 0x3ff0000000000000),
        (0x8000000000000000, 0x3ff0000000000000),
        (0x7ff0000000000000, 0x7ff0000000000000),
        (0xfff0000000000000, 0x0000000000000000),
        (0x7ff8000000000000, 0x7ff8000000000000),
        (0xfff8000000000000, 0xfff8000000000000),
        (0x7ff8000000000001, 0x7ff8000000000001),
        (0xfff80000deadbeef, 0xfff80000deadbeef),
        (0x7ff0000000000001, 0x7ff8000000000001),
        (0xfff0000000000001, 0xfff8000000000001),
        (0x7ff4000000000000, 0x7ffc000000000000),
        (0x7fffffffffffffff, 0x7fffffffffffffff),
        (0x0000000000000001, 0x3ff0000000000000),
        (0x8000000000000001, 0x3ff0000000000000),
        (0x000fffffffffffff, 0x3ff0000000000000),
        (0x800fffffffffffff, 0x3ff0000000000000),
        (0x0010000000000000, 0x3ff0000000000000),
        (0x8010000000000000, 0x3ff0000000000000),
        (0x7fefffffffffffff, 0x7ff0000000000000),
        (0xffefffffffffffff, 0x0000000000000000),
        (0x3ff0000000000000, 0x4005bf0a8b145769),
        (0xbff0000000000000, 0x3fd78b56362cef38),
        (0x3fefffffffffffff, 0x4005bf0a8b145769),
        (0x3ff0000000000001, 0x4005bf0a8b14576b),
        (0x4000000000000000, 0x401d8e64b8d4ddae),
        (0x3fe0000000000000, 0x3ffa61298e1e069c),
    ];
    const LOG_CASES: [(u64, u64); 326] = [
        (0x3fec46f686385ff0, 0xbfbfa97fdb4bb78a),
        (0x3dc2b36960b54f8f, 0xc0381aab095d4503),
        (0x3ff1973d6419f459, 0x3fb843e8ad3a5871),
        (0x4d0bb6596ab5615e, 0x40622d5875f8e368),
        (0x40079cee4efc84ec, 0x3ff15154e2f0d8fc),
        (0x3fef4e9a375102ea, 0xbf966b16f3f9db14),
        (0x401d824e661e0740, 0x3ffff97393845c08),
        (0x3fee7f7a24b7c7e4, 0xbfa89d7130d1712c),
        (0x3fef6c0e142c6354, 0xbf92a982e9cb0bd4),
        (0x3ff03164f8c77d12, 0x3f888caae9107a8a),
        (0x3fde5de56dcdb97c, 0xbfe7db69a1df8871),
        (0x3ff402f955674f20, 0x3fcca2fee675757f),
        (0x3fef8bbadba35a7a, 0xbf8d46991db65755),
        (0x3ff0375f037d2ccf, 0x3f8b80074e0e70ad),
        (0x3fef30b8dc37fafc, 0xbf9a3e3feb6219f2),
        (0x4013b911af43a072, 0x3ff9871dc0ced5d4),
        (0x4003095b2ac301f3, 0x3febbdcd325f7a51),
        (0x401191654211900f, 0x3ff7ad2fd21f03c1),
        (0x3fee3d887614ece0, 0xbfacf536b1193718),
        (0x4020bbe194e42535, 0x4000fe8bcacd3d5d),
        (0x4013e29d6cc76f63, 0x3ff9a8ae928940a4),
        (0x3ffec990b77994a3, 0x3fe4f1cac7c0cfb7),
        (0x40028c6a86973140, 0x3feae90a88d30ede),
        (0x3ff40fbb17ccc7e3, 0x3fccf47da9836be7),
        (0x3ff1a310731cc306, 0x3fb8efc3f62bdc31),
        (0x40152e1b47c6e74c, 0x3ffaab14cb72b516),
        (0x401a3f875988d4c0, 0x3ffe19cf982635a5),
        (0x4022bf3a3cb281b4, 0x4001e730934fd60b),
        (0x3fe2453be2ed6c12, 0xbfe1ef374c9898de),
        (0x3fef8b4bf589be8a, 0xbf8d62b905458b86),
        (0x3fea070633683b0c, 0xbfca715d39386419),
        (0x3ff6e424dbafb8a6, 0x3fd6ec25b2f501c0),
        (0x3fed27a9f51bcf9a, 0xbfb7d62a065bec37),
        (0x3fedaf3a4484dfd2, 0xbfb33a81220dceb0),
        (0x4010fd4a13b59ea0, 0x3ff7240736435902),
        (0x402064353c7f72f8, 0x4000d4327a4475c5),
        (0x3ff043065471905f, 0x3f909edd4f0f3818),
        (0x3feecc85530ec46e, 0xbfa3965f45ccbc43),
        (0x3ff46aafa8e58531, 0x3fcf33be3368bbdd),
        (0x3ff13b7c02e1d28f, 0x3fb2fecb441fe73b),
        (0x4010f368098e3efa, 0x3ff71ab5cd891a50),
        (0x4002233b52abd8ac, 0x3fea31894a31f227),
        (0x3ff1e4c74d3dcb1e, 0x3fbca2bb270fc253),
        (0x3ff06aa711239b4a, 0x3f9a526a1440dd38),
        (0x3fea522dfd2379e4, 0xbfc901d3c4c6365e),
        (0x4022214e80ba5aff, 0x4001a2aa67fc16cd),
        (0x4005a52c2ec3ef34, 0x3fefd9d85e067803),
        (0x401aa5afd50dab7e, 0x3ffe579d4e34f09d),
        (0x3fef0b74c63b78be, 0xbf9f0894c6573014),
        (0x3fe2a38d1b50cb26, 0xbfe14baa974419d6),
        (0x401522ca6389278c, 0x3ffaa2861ef22785),
        (0x3ff033bed9165360, 0x3f89b5ef83ba1f17),
        (0x40216f98112a1aed, 0x400152b5553ee814),
        (0x40217b748f513b54, 0x40015824b2b9aec7),
        (0x401cb24807818c40, 0x3fff8713a5c8ab05),
        (0x400015f0e51ee688, 0x3fe65a06ce193846),
        (0x40192a427add5b0a, 0x3ffd6d36024a49fe),
        (0x402282d76fe50d7d, 0x4001cd41e7d80e06),
        (0x3fea28973da00e6c, 0xbfc9ccb3b6f6f510),
        (0x3feea389d50555ca, 0xbfa6417054baca25),
        (0x3ff09814610081e2, 0x3fa2aa60eb1ed6fa),
        (0x3fef84e1a8a37c3e, 0xbf8f03659e801e3e),
        (0x40003da786c7ba28, 0x3fe6a8a6d3d02a68),
        (0x3fe687b29fe879a8, 0xbfd674e6a78a513d),
        (0x3ff8cb8edee4c3dd, 0x3fdc0929dde6ab5f),
        (0x3fe14fae31e5cc08, 0xbfe3a8fe9d68e142),
        (0x401ce8ed2dbf7efa, 0x3fffa56e95e26712),
        (0x3fe9588e40d4087e, 0xbfcdd6d06da6995b),
        (0x400320bef56bb65f, 0x3febe50675bc72dd),
        (0x401d78c69c6ac154, 0x3ffff447dec9f87d),
        (0x3feef21983069278, 0xbfa12725853acb61),
        (0x3feef7b425eb4a8e, 0xbfa0ca75b2c5249d),
        (0x3fed02d1b694843a, 0xbfb91a7c96a6534e),
        (0x401a138c2ce0b0aa, 0x3ffdfee9d19cbc92),
        (0x3ff0dbe523b7f413, 0x3faac642661334ff),
        (0x3feb4baac4914e68, 0xbfc45a7ba49b069b),
        (0x402043e6cda91c88, 0x4000c45e64e32164),
        (0x400f032e60cf2cc1, 0x3ff5addc501b08d0),
        (0x3fef8ae492606fe6, 0xbf8d7cf19a99260b),
        (0x3ff03bbd00262ae2, 0x3f8da746b77483ea),
        (0x40228212aac1e1fa, 0x4001ccecdc2961ac),
        (0x4021a596e6336949, 0x40016b55837c33c6),
        (0x3fea3afeb18ffdea, 0xbfc972c515c82f81),
        (0x40105cc2d93d7c52, 0x3ff689fcf127c667),
        (0x3ff20c83df39f84c, 0x3fbed8c7d7f1c968),
        (0x4022848a95244db1, 0x4001cdfdee1beb15),
        (0x3fef349cf0c178bc, 0xbf99be89e02ff7f6),
        (0x3fed4871880f1b0c, 0xbfb6b6f7ae77fb78),
        (0x3fecc5ddc39af582, 0xbfbb3691a6660836),
        (0x3fe9eea6cc2958f0, 0xbfcae97229640a76),
        (0x40138ad535889993, 0x3ff9616f4f98fdda),
        (0x3fef3a7955244834, 0xbf98fe48ffb2b4de),
        (0x3fef7698ff4a160a, 0xbf91522ab10067dc),
        (0x3ffd3318de939cc3, 0x3fe34007d13ea9dc),
        (0x3ff038cd7e53d5b8, 0x3f8c34cb10ecd154),
        (0x3ff0290cdcdcf80e, 0x3f846c46a4108ed0),
        (0x3ff013fee532d738, 0x3f73f270f386a993),
        (0x3fe145244dbdac17, 0xbfe3bc7fa1268ee7),
        (0x3fe5a1cc5fd3c3ef, 0xbfd90f561d40379c),
        (0x3fef3f947e2dc69f, 0xbf9856e80b7e006d),
        (0x3ff80ebde67f7cc8, 0x3fda1a679ae56292),
        (0x3fee906d04180587, 0xbfa781371b053588),
        (0x3ff3e507ba7c2ddb, 0x3fcbe2e7a6f73078),
        (0x4017aa8929e1c70a, 0x3ffc71abb0785463),
        (0x3fef425ee45e1d4d, 0xbf97fb79775a173e),
        (0x4005292bdf8220a9, 0x3fef2070e723802d),
        (0x3fefd9aabbbf037f, 0xbf7336262d116844),
        (0x3ff08e4d34e21c37, 0x3fa17c55fbcdb4ba),
        (0x3ff3405e2d528b69, 0x3fc7adfb336bd6c5),
        (0x400f7b281a997519, 0x3ff5eb4bab4d78e2),
        (0x3fe8f3b8d8a18526, 0xbfcfd808d40f2ad4),
        (0x3ff6adcccf9cb4e9, 0x3fd653806d8368a4),
        (0x3fed71b4051a42a5, 0xbfb54f40a6049a14),
        (0x3ff1f0c408492a30, 0x3fbd4e0155a655fb),
        (0x3ff4f63953d3817e, 0x3fd1498a88e46114),
        (0x401044acb8cb3a15, 0x3ff6725df68db04b),
        (0x4001ea5a6d81b0f1, 0x3fe9cc910739189a),
        (0x3fef329542e67ec1, 0xbf9a01292941d44f),
        (0x3ff331ad72bc852c, 0x3fc74c29526df4f3),
        (0x4006e6246089f556, 0x3ff0d390647f854f),
        (0x3ff0ce9cfa9b0c60, 0x3fa93245ab8dda2c),
        (0x3feeb86ca10aa8cb, 0xbfa4e4e1b0e7ea3e),
        (0x3fef8685bf541de9, 0xbf8e98c87d0fb1f2),
        (0x3fef3bd10364457b, 0xbf98d2446eb6f88c),
        (0x3feceb6f33ef8cda, 0xbfb9e92a4e6a62e3),
        (0x3fef8d68cf1916ca, 0xbf8cd992fadd3058),
        (0x40092fcab7caa1f2, 0x3ff259989236671e),
        (0x3fef3d2bb8adb50a, 0xbf98a5de84a14666),
        (0x3fef89de07d2afcc, 0xbf8dbf8901dc0baf),
        (0x3feede5024300cf8, 0xbfa26eed75cfe27b),
        (0x400f3d6ec08e729c, 0x3ff5cbcdd9ba1899),
        (0x3fef6cc607875644, 0xbf9292187fdd2158),
        (0x3fecb75b21cd2dc6, 0xbfbbb7cc47858f64),
        (0x3fefc2a045ceccd0, 0xbf7ecd7074a4c382),
        (0x4001ff2154d38fde, 0x3fe9f1980835289a),
        (0x3ff081411005d735, 0x3f9fd06d701d5fc4),
        (0x3feea0c4e699f0ed, 0xbfa66fb940167d5a),
        (0x4018042e40feb7eb, 0x3ffcadd53cb636ef),
        (0x3fef5dc69ef17e0a, 0xbf947b42cd9c353c),
        (0x3ff7abf65e9c6d7f, 0x3fd9117e4713f50f),
        (0x3ff9e2528ad16750, 0x3fdec9581f4dde35),
        (0x3feef9cd24143076, 0xbfa0a7c88c793d73),
        (0x3fef13e1760d35ac, 0xbf9df2d8e8c5510a),
        (0x4020a3caea8c1d22, 0x4000f2ff5e132776),
        (0x3ff0766b3576bee5, 0x3f9d2f5072d38051),
        (0x400ba61fe165de4c, 0x3ff3d7a290c89921),
        (0x3fef4e8d0025dcc7, 0xbf966cc736041145),
        (0x3ff8c77158b8e39e, 0x3fdbfe89ae5c0295),
        (0x3fed68c6c08dd02a, 0xbfb59ce9838cd0f6),
        (0x3ff3217d78112a50, 0x3fc6e0089d34c93e),
        (0x4012adafc00f4ebc, 0x3ff8a840220de4f8),
        (0x3ff153f43d8e9be4, 0x3fb4694e133611db),
        (0x40166bfc9cb851ae, 0x3ffb9470ca728a1f),
        (0x3fee43a82763e471, 0xbfac8d928f452198),
        (0x3fd3047e71ae1a7e, 0xbff36a9497e03415),
        (0x3ff06779a132f20e, 0x3f998c240d96a966),
        (0x3feea74b7e97063b, 0xbfa602ae0186ffd4),
        (0x4012c614ca9dd2a1, 0x3ff8bd180b9d13be),
        (0x3feee04b1ec4ed1d, 0xbfa24e157db3c371),
        (0x4010ce0e63f6be3a, 0x3ff6f74d6c5193f8),
        (0x3fee5fcdf132eeb1, 0xbfaab23e998faa41),
        (0x3fd02d13c000ac25, 0xbff6016e48480fc6),
        (0x401927455ee5a326, 0x3ffd6b4f703280af),
        (0x3fef7d027cbe0a62, 0xbf908190333e0e64),
        (0x3ffe18812be0d0c5, 0x3fe437a8a340b9c1),
        (0x3fea3972354a1587, 0xbfc97a54167b0642),
        (0x3fee0352de2a59e6, 0xbfb0693d8a90e27f),
        (0x400e56d84bdb3c3e, 0x3ff553f8231dbe6a),
        (0x3fee899cfe8d31ee, 0xbfa7f3630fe9b2db),
        (0x401ff9d1bca96d1e, 0x4000a126882d966e),
        (0x40109b21aace75f9, 0x3ff6c687129d93d6),
        (0x3fef1700ccb3b298, 0xbf9d8bfc19f8855d),
        (0x3feac139b81f4f26, 0xbfc6ea358494f6eb),
        (0x3fef87310468e86c, 0xbf8e6d52b0b4a69f),
        (0x3fd932549caf2d68, 0xbfedd45e4f45ee7c),
        (0x400f6a233c1fa5d2, 0x3ff5e2a2fc264dfe),
        (0x3fe9090be0038c0e, 0xbfcf6ad3843e125d),
        (0x4015b4e9d57c6b74, 0x3ffb0fac26da178a),
        (0x40138ad5f9f69873, 0x3ff9616ff06bf0cf),
        (0x3feef8c96b2739c0, 0xbfa0b88dc8dd92bd),
        (0x3ff1e528054aeec9, 0x3fbca822d40808fd),
        (0x3ff12a9b594a97e0, 0x3fb2039565f9b2f7),
        (0x3ff119c4a8747e32, 0x3fb107fd599e7c0b),
        (0x400f16b7955726d6, 0x3ff5b7ed605d769d),
        (0x3fef11ba6c93f54e, 0xbf9e39c7e0c72863),
        (0x3fef38086c5265b6, 0xbf994e5750b20d16),
        (0x3fef899d283dece4, 0xbf8dcffdb791048b),
        (0x3fecc80fc9a3053a, 0xbfbb2309ed68ede8),
        (0x3ff100545e3831ce, 0x3faf141d9efde757),
        (0x402019afb6f62b8e, 0x4000af7fd688c536),
        (0x3ffefc7b629e6198, 0x3fe5268b46e00c8e),
        (0x3fefd9e64a90c55d, 0xbf73183b0914d596),
        (0x3fea24ec8eeca188, 0xbfc9dea62adcd7c9),
        (0x3ffbed4b76900383, 0x3fe1d2f79a355a02),
        (0x3ff1f7306af87567, 0x3fbda99954db8f06),
        (0x3fef4dbd9d7f2296, 0xbf968746d1c95e38),
        (0x400cece377d935af, 0x3ff4907e4a37ecd4),
        (0x401c1b8439637bf3, 0x3fff32243eba2cf1),
        (0x3ff8078d3eea0a7e, 0x3fda074414c62da9),
        (0x400877630f5d2f1b, 0x3ff1e2be6b210210),
        (0x401690fa13345622, 0x3ffbaec06df6774c),
        (0x3feef52f46393fad, 0xbfa0f41d5b9199c5),
        (0x400293e08157737f, 0x3feaf5e70ee5ef42),
        (0x3feff90b19a97368, 0xbf4bd6a01bbca51a),
        (0x3feff36032c4b18a, 0xbf594496be43fbdc),
        (0x3ff00936f1a6f69c, 0x3f626896ca1df365),
        (0x3ff001fc86c9a362, 0x3f3fc673b0647e1d),
        (0x3feff54f14853b87, 0xbf55656a26b7e32a),
        (0x3feff7c0c8a62648, 0xbf50808f29d019f1),
        (0x3ff004b2363ef752, 0x3f52c617cda7939f),
        (0x3ff0035d793f8d94, 0x3f4ae8f5a3c75534),
        (0x3ff006232b8c4871, 0x3f5887fa0916248a),
        (0x3feffe9801745267, 0xbf2680674d89125f),
        (0x3feff90f5cfbc6db, 0xbf4bc58f1dc5d5a6),
        (0x3feff24468fa922e, 0xbf5b7d14716f4f8d),
        (0x3ff0029bb0342383, 0x3f44dbce747be899),
        (0x3ff00681435b322e, 0x3f59ffc4cdb20072),
        (0x3ff00c94c320af2d, 0x3f691fa6e214ddfd),
        (0x3feff5d4ec9c16ff, 0xbf5459629d4f4e90),
        (0x3ff006277d44f8b8, 0x3f58993a4b7ebdae),
        (0x3feff0302fab9f27, 0xbf5fa773557502c7),
        (0x3feff996fc11ffd5, 0xbf49a6a18410deae),
        (0x3ff007d24e75d5c9, 0x3f5f4196b281619c),
        (0x3feffb9d39e1a163, 0xbf418c4c5a701ffd),
        (0x3ff007653d887c53, 0x3f5d8e220fa2ce42),
        (0x3ff0059b2be48302, 0x3f5668c2c417e0bc),
        (0x3fefee17c238c11f, 0xbf61ed42521f7e4b),
        (0x3feffea344ca1456, 0xbf25cc2a257a7361),
        (0x3fefef0926489b37, 0xbf60fb5a73d61937),
        (0x3ff003c3de422312, 0x3f4e1b675adac0e4),
        (0x3feffcebc9e21772, 0xbf38a2e05e61c03a),
        (0x3feffb8a0d2bed16, 0xbf41d909ccccc734),
        (0x3ff0025f7ca748f6, 0x3f42fa7cf9ce6d79),
        (0x3ff0017caeaeed6e, 0x3f37c9cff4d7fd95),
        (0x3feffd42e60c3336, 0xbf35e9bfaefd5739),
        (0x3ff00104824cbec8, 0x3f3047a04513e1f1),
        (0x3ff004e7129d3741, 0x3f539949ece6c262),
        (0x3feffbdde260aad5, 0xbf408987ec6e4d10),
        (0x3ff003eef4979530, 0x3f4f73c72d046acf),
        (0x3feff59d6447cd97, 0xbf54c896fc6f9a37),
        (0x3ff00d250b0d86c8, 0x3f6a3f4f79d1063b),
        (0x3ff006f15ae89923, 0x3f5bbf66e623ae55),
        (0x3ff00d0324424768, 0x3f69fbb92259192c),
        (0x3fefef03d1ea27eb, 0xbf6100b1a787cbcb),
        (0x3feffa578802c47a, 0xbf46a3e06a30b293),
        (0x3feffc51a0d4f428, 0xbf3d74ab19b36547),
        (0x3feffcdd1b3189fb, 0xbf3918614c0ffd3b),
        (0x3feff18889c12911, 0xbf5cf578bc64816e),
        (0x3fefe974396e4722, 0xbf6693bb98892ee1),
        (0x3ff002c30efb3744, 0x3f46168fdaf1ebbf),
        (0x3ff002e1aa45bb09, 0x3f470b3f082700fb),
        (0x3feffe18bf62bdc0, 0xbf2e74f1b70f9a61),
        (0x3fefe99107139069, 0xbf6676d9a6c0a85c),
        (0x3ff0053cbd597b4f, 0x3f54ef886b6e1393),
        (0x3ff0067a669df326, 0x3f59e45cf72e5dc1),
        (0x3feffd4e57ba868b, 0xbf358e2a763bd74b),
        (0x3feff927a85ef6b3, 0xbf4b644c9e17cbb8),
        (0x3ff0067488a2c96e, 0x3f59ccee82e7c91e),
        (0x3feff700236a0f84, 0xbf52024191898177),
        (0x3feff29e92c874f1, 0xbf5ac8745036c8de),
        (0x3feff4ac7538d547, 0xbf56ab18ca440cf4),
        (0x3ff00788dbf6e3e2, 0x3f5e1c596eda7701),
        (0x3feff3e336f6d48b, 0xbf583e28eb82bcf9),
        (0x3feff39483ecf475, 0xbf58dbcb6bd6e17d),
        (0x3feff4385ad1ab8e, 0xbf5793a18c86408e),
        (0x3ff007148dc093f3, 0x3f5c4bf4ae139bba),
        (0x3feffc693099133c, 0xbf3cb8178cbf05e7),
        (0x3ff008347900e143, 0x3f6064be4c5d887e),
        (0x3feff0fc45bac88b, 0xbf5e0e823e698b65),
        (0x3ff000b955f813ec, 0x3f272a38d92c1a5b),
        (0x3feffbd5f2c63903, 0xbf40a94a7452d691),
        (0x3ff007480f151deb, 0x3f5d199db314190e),
        (0x3feff5477d81bfb9, 0xbf55749d437ee9f2),
        (0x3feffac3526a08f8, 0xbf44f46d5a5da5ea),
        (0x4005bf0a8b142b52, 0x3fefffffffffbf1e),
        (0x4005bf0a8b142dca, 0x3fefffffffffc2c0),
        (0x4005bf0a8b14693e, 0x3ff0000000000d1e),
        (0x4005bf0a8b14a19c, 0x3ff0000000003698),
        (0x4116c09000000000, 0x4029a84e4870d693),
        (0x41196c7800000000, 0x4029e125f05bcaf9),
        (0x411e466c00000000, 0x402a3a90c12b5e1e),
        (0x41202e6800000000, 0x402a5cb4355fe65f),
        (0x412807e800000000, 0x402b27313d17c838),
        (0x412971aa00000000, 0x402b4472b60f9001),
        (0x3ff05405f1ae4fdd, 0x3f94cb12cace1194),
        (0x40138482485e8666, 0x3ff95c40ffb96a0d),
        (0x4002dba6320bf081, 0x3feb709b5036dc99),
        (0x4019a65ee7014f0d, 0x3ffdbb5ed8e53518),
        (0x3fef186d47143d7a, 0xbf9d5d18706f1e8f),
        (0x3fec7cf35cf28244, 0xbfbdc28ce434470f),
        (0x400484c2b10a7b46, 0x3fee23f6969c56e1),
        (0x3fef3e191aa5691b, 0xbf988779a954cdb1),
        (0x40177f453c32d832, 0x3ffc5450b5f9f374),
        (0x4011c77ab4bebb97, 0x3ff7de265608d4c1),
        (0x4002cf68c95dfab7, 0x3feb5bcf812e8f91),
        (0x3fe7ee2065b9647f, 0xbfd2991d74df59d6),
        (0x3ff80014f8b7752a, 0x3fd9f35bd93b0c70),
        (0x3ff1fcb2c751eb56, 0x3fbdf80e31f23bba),
        (0x3ff90bdfdcfc8fde, 0x3fdcae569e7faa52),
        (0x3feeca1eb69e9893, 0xbfa3be4a1a16950b),
        (0x0000000000000000, 0xfff0000000000000),
        (0x8000000000000000, 0xfff0000000000000),
        (0x7ff0000000000000, 0x7ff0000000000000),
        (0xfff0000000000000, 0xfff8000000000000),
        (0x7ff8000000000000, 0x7ff8000000000000),
        (0xfff8000000000000, 0xfff8000000000000),
        (0x7ff8000000000001, 0x7ff8000000000001),
        (0xfff80000deadbeef, 0xfff80000deadbeef),
        (0x7ff0000000000001, 0x7ff8000000000001),
        (0xfff0000000000001, 0xfff8000000000001),
        (0x7ff4000000000000, 0x7ffc000000000000),
        (0x7fffffffffffffff, 0x7fffffffffffffff),
        (0x0000000000000001, 0xc0874385446d71c3),
        (0x8000000000000001, 0xfff8000000000000),
        (0x000fffffffffffff, 0xc086232bdd7abcd2),
        (0x800fffffffffffff, 0xfff8000000000000),
        (0x0010000000000000, 0xc086232bdd7abcd2),
        (0x8010000000000000, 0xfff8000000000000),
        (0x7fefffffffffffff, 0x40862e42fefa39ef),
        (0xffefffffffffffff, 0xfff8000000000000),
        (0x3ff0000000000000, 0x0000000000000000),
        (0xbff0000000000000, 0xfff8000000000000),
        (0x3fefffffffffffff, 0xbca0000000000000),
        (0x3ff0000000000001, 0x3cafffffffffffff),
        (0x4000000000000000, 0x3fe62e42fefa39ef),
        (0x3fe0000000000000, 0xbfe62e42fefa39ef),
    ];

    fn check(name: &str, f: fn(f64) -> f64, cases: &[(u64, u64)]) {
        for &(x, want) in cases {
            let got = f(f64::from_bits(x)).to_bits();
            assert_eq!(
                got, want,
                "{name}({x:#018x}) = {got:#018x}, numpy gives {want:#018x}"
            );
        }
    }

    #[test]
    fn exp_port_matches_numpy() {
        check("exp", exp, &EXP_CASES);
    }

    #[test]
    fn log_port_matches_numpy() {
        check("log", log, &LOG_CASES);
    }

    #[test]
    fn dispatch_matches_numpy_on_avx512() {
        if numpy_uses_avx512f() {
            check("np_exp", np_exp, &EXP_CASES);
            check("np_log", np_log, &LOG_CASES);
        } else {
            for x in [0.5f64, 1.0, 2.5, 700.0, -3.0] {
                assert_eq!(np_exp(x).to_bits(), x.exp().to_bits());
                assert_eq!(np_log(x.abs()).to_bits(), x.abs().ln().to_bits());
            }
        }
    }

    #[test]
    fn cases_include_libm_disagreements() {
        // Guards against a table that only holds easy cases.
        let exp_diff = EXP_CASES
            .iter()
            .filter(|&&(x, y)| f64::from_bits(x).exp().to_bits() != y)
            .count();
        let log_diff = LOG_CASES
            .iter()
            .filter(|&&(x, y)| f64::from_bits(x).ln().to_bits() != y)
            .count();
        assert!(exp_diff >= 250 && log_diff >= 250, "{exp_diff} {log_diff}");
    }

    #[test]
    fn special_values() {
        assert_eq!(exp(0.0).to_bits(), 1.0f64.to_bits());
        assert_eq!(exp(-0.0).to_bits(), 1.0f64.to_bits());
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(f64::NEG_INFINITY).to_bits(), 0);
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(-746.0).to_bits(), 0);
        assert_eq!(log(1.0).to_bits(), 0);
        assert_eq!(log(0.0), f64::NEG_INFINITY);
        assert_eq!(log(-0.0), f64::NEG_INFINITY);
        assert_eq!(log(f64::INFINITY), f64::INFINITY);
        assert_eq!(log(-1.0).to_bits(), X86_DEFAULT_NAN);
        assert_eq!(log(f64::NEG_INFINITY).to_bits(), X86_DEFAULT_NAN);
        // NaNs keep sign and payload and come out quiet.
        for nan in [
            0x7ff0_0000_0000_0001u64,
            0xfff8_0000_dead_beef,
            0x7ff8_0000_0000_0000,
        ] {
            let want = nan | QUIET_BIT;
            assert_eq!(exp(f64::from_bits(nan)).to_bits(), want);
            assert_eq!(log(f64::from_bits(nan)).to_bits(), want);
        }
    }

    #[test]
    fn rcp_steps_are_increasing_and_near_the_midpoints() {
        for (i, w) in LOG_RCP_STEPS.windows(2).enumerate() {
            assert!(w[0] < w[1], "step {i}");
        }
        // Step s is where 1/m crosses (63 - 2s)/64, give or take 2^-14.
        for (s, &p) in (0u32..).zip(LOG_RCP_STEPS.iter()) {
            let m = 1.0 + f64::from(p) / 65536.0;
            let mid = 64.0 / f64::from(63 - 2 * s);
            assert!((m - mid).abs() < 4.0 / 65536.0, "step {s}: {m} vs {mid}");
        }
    }
}
