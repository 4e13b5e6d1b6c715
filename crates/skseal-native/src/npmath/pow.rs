//! `__svml_pow8_ha` (numpy's float64 `np.power` on AVX-512), one lane, and
//! its scalar rare path.

use super::exp::{EXP_R_MASK, EXP_SHIFTER, EXP_TH, EXP_TLR};
use super::*;

/// `__svml_dpow_ha_data_internal_avx512` +0: `-log2(rcp)` for `rcp = 1 + f/32`
/// (plus 1 from `f = 16` on), high part, indexed by `f`.
const POW_LOG_TH: [u64; 32] = [
    0x0000_0000_0000_0000,
    0xbfa6_bad3_758e_0000,
    0xbfb6_63f6_fac9_0000,
    0xbfc0_8c58_8cda_8000,
    0xbfc5_c01a_39fc_0000,
    0xbfca_cf5e_2db5_0000,
    0xbfcf_bc16_b902_8000,
    0xbfd2_4407_ab0e_0000,
    0xbfd4_9a78_4bcd_0000,
    0xbfd6_e221_cd9d_0000,
    0xbfd9_1bba_891f_0000,
    0xbfdb_47eb_f738_8000,
    0xbfdd_6753_e033_0000,
    0xbfdf_7a85_68cb_0000,
    0xbfe0_c105_00d6_4000,
    0xbfe1_bf31_1e95_e000,
    0x3fda_8ff9_7181_0000,
    0x3fd8_a898_0abf_c000,
    0x3fd6_cb0f_6865_c000,
    0x3fd4_f6fb_b2ce_c000,
    0x3fd3_2bfe_e371_0000,
    0x3fd1_69c0_5364_0000,
    0x3fcf_5fd8_a906_0000,
    0x3fcb_fc67_a800_0000,
    0x3fc8_a898_0abf_8000,
    0x3fc5_63dc_29ff_8000,
    0x3fc2_2dad_c2ab_0000,
    0x3fbe_0b1a_e8f3_0000,
    0x3fb7_d604_96d0_0000,
    0x3fb1_bb32_a600_0000,
    0x3fa7_7394_c9da_0000,
    0x3f97_43ee_8620_0000,
];
/// `__svml_dpow_ha_data_internal_avx512` +256: the same, low part.
const POW_LOG_TL: [u64; 32] = [
    0x0000_0000_0000_0000,
    0xbd5f_b0e6_26c0_de13,
    0xbd33_167c_cc53_8261,
    0x3d28_71a7_610e_40bd,
    0x3d54_bc30_2ffa_76fb,
    0x3d43_6c10_1ee1_3440,
    0x3d47_f5dc_5726_6758,
    0xbd3c_e609_16e5_2e91,
    0xbd5b_8afe_492b_f6ff,
    0xbd49_bcaf_1aa4_168a,
    0xbd57_08b4_b2b5_056c,
    0xbd25_0520_a377_c7ec,
    0x3d55_f101_c141_e670,
    0xbd3b_3b38_64c6_0011,
    0x3d45_669d_f6a2_b592,
    0x3d5f_e438_95d8_ac46,
    0x3d44_bc30_2ffa_76fb,
    0xbd26_6ccc_ab24_0e90,
    0x3d41_d406_db50_2403,
    0x3d36_61e3_93a1_6b95,
    0xbd51_979a_5db6_8722,
    0xbd4d_4f1b_95e0_ff45,
    0x3d5f_1a48_47f7_b278,
    0xbd36_67f2_1fa8_423f,
    0x3d5e_9933_354d_bf17,
    0x3d56_5906_4390_6f2a,
    0x3d5a_4b69_691d_7994,
    0xbd05_4cda_62d3_926e,
    0xbd51_2ce6_312e_bb82,
    0x3d55_2743_318a_8a57,
    0xbd54_e554_4347_8fe0,
    0xbd49_5539_356f_93dc,
];
/// +768, +832, +896: 0.5, 1.5 and 1.0.
const POW_HALF: u64 = 0x3fe0_0000_0000_0000;
const POW_THREE_HALVES: u64 = 0x3ff8_0000_0000_0000;
const POW_ONE: u64 = 0x3ff0_0000_0000_0000;
/// +960: `2/ln(2)` (`R` is half the reduced argument).
const POW_C1H: u64 = 0x4007_1547_652b_82fe;
/// +1024..+1600: log2 polynomial coefficients (named by byte offset).
const POW_L1024: u64 = 0xc062_7a39_4386_376f;
const POW_L1088: u64 = 0x4054_873c_f871_41d1;
const POW_L1152: u64 = 0xc047_1547_3528_efc1;
const POW_L1216: u64 = 0x403a_6176_07e5_5815;
const POW_L1280: u64 = 0xc02e_c709_dc3b_71a1;
const POW_L1344: u64 = 0x4022_776c_50ef_fbde;
const POW_L1408: u64 = 0xc017_1547_652b_82fc;
const POW_L1472: u64 = 0x400e_c709_dc3a_03fd;
const POW_L1536: u64 = 0xbc87_78d9_c719_0437;
const POW_L1600: u64 = 0x3c87_77df_70b7_5d10;
/// +1792..+2112: exp2 polynomial coefficients. (+1664, the shifter, is
/// [`EXP_SHIFTER`]; +1728, the `|r| < 2` mask, is [`EXP_R_MASK`]; +512 and +640,
/// the `2^(j/16)` tables, are [`EXP_TH`] and [`EXP_TLR`].)
const POW_E1792: u64 = 0x3f24_a1d7_f58c_2d59;
const POW_E1856: u64 = 0x3f55_d747_2783_d279;
const POW_E1920: u64 = 0x3f83_b2ad_1b14_ebaa;
const POW_E1984: u64 = 0x3fac_6b08_d4ad_8eb9;
const POW_E2048: u64 = 0x3fce_bfbd_ff84_554d;
const POW_E2112: u64 = 0x3fe6_2e42_fefa_398b;
/// +2432: `|y*log2(x)|` above this (or NaN) goes to the rare path.
const POW_THRESHOLD: u64 = 0x408f_ec00_0000_0000;
/// +2496: exponent-field mask for the final scale.
const POW_EXP_FIELD: u64 = 0x7ff0_0000_0000_0000;

/// `vrcp14pd(m)` for `m` in `[0.5, 1)`, rounded by `vrndscalepd $88` to a
/// multiple of `1/32`, is `(64 - s)/32` where `s` counts the entries below
/// that are `<=` the top 16 bits of `m`'s mantissa.
pub const POW_RCP_STEPS: [u32; 32] = [
    518, 1575, 2666, 3792, 4957, 6159, 7410, 8701, 10038, 11423, 12864, 14354, 15909, 17518, 19198,
    20946, 22767, 24663, 26647, 28717, 30885, 33154, 35533, 38026, 40651, 43407, 46313, 49376,
    52616, 56038, 59669, 63523,
];

/// `__dpow_ha_CoutTab`, the rare path's data, as 860 little-endian doubles
/// (the code below indexes it by byte offset / 8): three reciprocal tables
/// with their `log2` pairs (+0, +264, +792, +1056, +1584, +2616), `2^(j/128)`
/// pairs (+4680), polynomials and constants (+6728..+6872).
#[rustfmt::skip]
const POW_RARE_TAB: [u64; 860] = [
    0x3ff0_0000_0000_0000, 0x3fef_07c0_0000_0000, 0x3fee_1e00_0000_0000, 0x3fed_41c0_0000_0000,
    0x3fec_71c0_0000_0000, 0x3feb_ad00_0000_0000, 0x3fea_f280_0000_0000, 0x3fea_41c0_0000_0000,
    0x3fe9_9980_0000_0000, 0x3fe8_f9c0_0000_0000, 0x3fe8_6180_0000_0000, 0x3fe7_d040_0000_0000,
    0x3fe7_45c0_0000_0000, 0x3fe6_c180_0000_0000, 0x3fe6_42c0_0000_0000, 0x3fe5_c980_0000_0000,
    0x3fe5_5540_0000_0000, 0x3fe4_e600_0000_0000, 0x3fe4_7b00_0000_0000, 0x3fe4_1400_0000_0000,
    0x3fe3_b140_0000_0000, 0x3fe3_5200_0000_0000, 0x3fe2_f680_0000_0000, 0x3fe2_9e40_0000_0000,
    0x3fe2_4940_0000_0000, 0x3fe1_f700_0000_0000, 0x3fe1_a7c0_0000_0000, 0x3fe1_5b00_0000_0000,
    0x3fe1_1100_0000_0000, 0x3fe0_c980_0000_0000, 0x3fe0_8440_0000_0000, 0x3fe0_4100_0000_0000,
    0x3fe0_0000_0000_0000, 0x0000_0000_0000_0000, 0x0000_0000_0000_0000, 0x3fa6_bb01_a01f_0000,
    0x3d3c_995e_7439_db71, 0x3fb6_6568_4ff8_0000, 0x3d30_84f2_8da9_3fb0, 0x3fc0_8cd7_820e_c000,
    0x3d35_43c5_11b4_0207, 0x3fc5_c048_6490_6000, 0x3d28_c5d4_7e5f_3668, 0x3fca_cf30_032b_e000,
    0x3d2e_3733_debf_9166, 0x3fcf_bc44_e396_e000, 0x3d47_b3f9_2866_5438, 0x3fd2_43a5_90d2_b000,
    0x3d3c_9b75_e8e9_d45d, 0x3fd4_9ad4_a118_d000, 0x3d45_cd37_7302_cca6, 0x3fd6_e227_92ef_1000,
    0x3d31_4f24_0e7e_9039, 0x3fd9_1bd1_9e69_5000, 0x3d4d_bb3e_e4f6_c667, 0x3fdb_4865_273e_d000,
    0x3d4a_b54a_099e_1f61, 0x3fdd_6799_2023_1000, 0x3d18_ed50_96e8_7504, 0x3fdf_7a34_9e74_7000,
    0x3d4a_6e70_81d9_9120, 0x3fe0_c116_50cf_0000, 0x3d46_1752_eb11_52a5, 0x3fe1_bf42_6e8e_9800,
    0x3d37_6aff_6c05_5f56, 0xbfda_8f9d_1c35_4000, 0xbd46_04f5_4f4f_9854, 0xbfd8_a922_8a04_3000,
    0xbd49_bc20_cf8d_d884, 0xbfd6_cb99_e7aa_4000, 0xbd41_2b5a_d5a7_002b, 0xbfd4_f69f_5d83_0000,
    0xbd38_f36d_d24b_ae46, 0xbfd3_2c15_f8b5_7000, 0xbd0d_6ee2_e01d_9232, 0xbfd1_6935_d34f_b000,
    0xbd21_51c6_348d_84a5, 0xbfcf_5faa_7e71_a000, 0xbd3d_1576_20c5_52c2, 0xbfcb_fc5c_1d5b_e000,
    0xbd27_8490_0e42_b538, 0xbfc8_a9ad_0948_a000, 0xbd4c_89ba_64f2_5a56, 0xbfc5_63ad_ff6b_0000,
    0xbd4d_0837_0794_22c3, 0xbfc2_2df3_0274_6000, 0xbd30_48e3_c250_5d3d, 0xbfbe_0894_92ee_4000,
    0xbd40_5589_fcd5_7f87, 0xbfb7_d493_41a0_8000, 0xbd4e_eef8_bcf7_aa55, 0xbfb1_bc75_cf5a_4000,
    0xbd4d_7db2_139e_8397, 0xbfa7_78fd_c182_8000, 0xbd34_378a_f2af_5333, 0xbf97_427d_317a_0000,
    0xbd47_00f1_4b03_b094, 0x0000_0000_0000_0000, 0x0000_0000_0000_0000, 0x3ff0_0000_0000_0000,
    0x3fef_f000_0000_0000, 0x3fef_e000_0000_0000, 0x3fef_d040_0000_0000, 0x3fef_c080_0000_0000,
    0x3fef_b0c0_0000_0000, 0x3fef_a100_0000_0000, 0x3fef_9180_0000_0000, 0x3fef_8200_0000_0000,
    0x3fef_7280_0000_0000, 0x3fef_6300_0000_0000, 0x3fef_53c0_0000_0000, 0x3fef_4480_0000_0000,
    0x3fef_3540_0000_0000, 0x3fef_2600_0000_0000, 0x3ff0_4540_0000_0000, 0x3ff0_4100_0000_0000,
    0x3ff0_3d00_0000_0000, 0x3ff0_38c0_0000_0000, 0x3ff0_34c0_0000_0000, 0x3ff0_3080_0000_0000,
    0x3ff0_2c80_0000_0000, 0x3ff0_2880_0000_0000, 0x3ff0_2440_0000_0000, 0x3ff0_2040_0000_0000,
    0x3ff0_1c40_0000_0000, 0x3ff0_1840_0000_0000, 0x3ff0_1400_0000_0000, 0x3ff0_1000_0000_0000,
    0x3ff0_0c00_0000_0000, 0x3ff0_0800_0000_0000, 0x3ff0_0400_0000_0000, 0x3ff0_0000_0000_0000,
    0x0000_0000_0000_0000, 0x0000_0000_0000_0000, 0x3f67_1b0e_a428_0000, 0x3d49_7f68_9876_ef47,
    0x3f77_20d9_c068_0000, 0x3d44_1af5_3778_c7cc, 0x3f81_45c6_8a7a_0000, 0x3d44_bdd1_9ac0_6488,
    0x3f86_fdf4_61d2_0000, 0x3d3c_9efc_46d9_f6f7, 0x3f8c_b8f9_355c_0000, 0x3d32_75c9_adfb_b459,
    0x3f91_3b6b_ec35_0000, 0x3d0f_25b4_4fc3_2adb, 0x3f94_1016_7b76_0000, 0x3d3f_880c_a8ed_5317,
    0x3f96_e625_317a_0000, 0x3d45_3f0e_6456_14db, 0x3f99_bd99_6d01_0000, 0x3d2c_d686_341a_2dab,
    0x3f9c_9674_8ed0_0000, 0x3d4e_f88d_66d1_0b04, 0x3f9f_64ed_d420_0000, 0x3d45_11c3_8288_28da,
    0x3fa1_1a62_9792_0000, 0x3d4d_925c_d7d4_36d6, 0x3fa2_82fd_fad7_0000, 0x3d49_eee0_a58b_8d6e,
    0x3fa3_ec49_bfc2_0000, 0x3d4d_eac3_2e0e_0086, 0xbf98_c493_3123_0000, 0xbd49_ad07_5efc_abfa,
    0xbf97_427d_317a_0000, 0xbd47_00f1_4b03_b094, 0xbf95_d6c0_ee91_0000, 0xbd4a_5115_5352_02a3,
    0xbf94_53e6_adb6_0000, 0xbd41_5a44_e102_f731, 0xbf92_e771_5708_0000, 0xbd4c_7ed8_5ee9_ad86,
    0xbf91_63d2_0d10_0000, 0xbd46_e8b9_664f_e33f, 0xbf8f_ed45_cbcc_0000, 0xbd37_f339_4346_4056,
    0xbf8d_1232_c5ea_0000, 0xbd17_cf34_b0bd_c8df, 0xbf8a_08a8_2868_0000, 0xbd35_a529_f02b_9ccf,
    0xbf87_2c1f_4cf0_0000, 0xbd2b_4934_580f_e573, 0xbf84_4ee0_a6f2_0000, 0xbd24_c8cb_ff31_4317,
    0xbf81_70eb_dc1c_0000, 0xbd44_7db0_2cc5_232f, 0xbf7c_c89f_97d4_0000, 0xbd43_ac9c_9033_0e7b,
    0xbf77_09c4_6d78_0000, 0xbd45_63ba_56cd_e925, 0xbf71_497a_ccf4_0000, 0xbd4f_08e7_ddd3_e770,
    0xbf67_0f83_ff08_0000, 0xbd33_ab26_31d4_676d, 0xbf57_1265_3740_0000, 0xbd2f_a2a0_fd4f_ca1d,
    0x0000_0000_0000_0000, 0x0000_0000_0000_0000, 0x3ff7_1547_4000_0000, 0x3ff7_1519_0000_0000,
    0x3ff7_14eb_0000_0000, 0x3ff7_14bc_c000_0000, 0x3ff7_148e_8000_0000, 0x3ff7_1460_8000_0000,
    0x3ff7_1432_4000_0000, 0x3ff7_1404_4000_0000, 0x3ff7_13d6_0000_0000, 0x3ff7_13a7_c000_0000,
    0x3ff7_1379_c000_0000, 0x3ff7_134b_8000_0000, 0x3ff7_131d_8000_0000, 0x3ff7_12ef_4000_0000,
    0x3ff7_12c1_4000_0000, 0x3ff7_1293_0000_0000, 0x3ff7_1265_0000_0000, 0x3ff7_1236_c000_0000,
    0x3ff7_1208_c000_0000, 0x3ff7_11da_8000_0000, 0x3ff7_11ac_8000_0000, 0x3ff7_117e_8000_0000,
    0x3ff7_1150_4000_0000, 0x3ff7_1122_4000_0000, 0x3ff7_10f4_0000_0000, 0x3ff7_10c6_0000_0000,
    0x3ff7_1098_0000_0000, 0x3ff7_1069_c000_0000, 0x3ff7_103b_c000_0000, 0x3ff7_100d_8000_0000,
    0x3ff7_0fdf_8000_0000, 0x3ff7_0fb1_8000_0000, 0x3ff7_0f83_4000_0000, 0x3ff7_0f55_4000_0000,
    0x3ff7_0f27_4000_0000, 0x3ff7_0ef9_4000_0000, 0x3ff7_0ecb_0000_0000, 0x3ff7_0e9d_0000_0000,
    0x3ff7_0e6f_0000_0000, 0x3ff7_0e41_0000_0000, 0x3ff7_0e12_c000_0000, 0x3ff7_0de4_c000_0000,
    0x3ff7_0db6_c000_0000, 0x3ff7_0d88_c000_0000, 0x3ff7_0d5a_c000_0000, 0x3ff7_0d2c_8000_0000,
    0x3ff7_0cfe_8000_0000, 0x3ff7_0cd0_8000_0000, 0x3ff7_0ca2_8000_0000, 0x3ff7_0c74_8000_0000,
    0x3ff7_0c46_8000_0000, 0x3ff7_0c18_8000_0000, 0x3ff7_0bea_8000_0000, 0x3ff7_0bbc_8000_0000,
    0x3ff7_0b8e_4000_0000, 0x3ff7_0b60_4000_0000, 0x3ff7_0b32_4000_0000, 0x3ff7_0b04_4000_0000,
    0x3ff7_0ad6_4000_0000, 0x3ff7_0aa8_4000_0000, 0x3ff7_0a7a_4000_0000, 0x3ff7_1b53_8000_0000,
    0x3ff7_1b3c_4000_0000, 0x3ff7_1b25_4000_0000, 0x3ff7_1b0e_0000_0000, 0x3ff7_1af7_0000_0000,
    0x3ff7_1adf_c000_0000, 0x3ff7_1ac8_c000_0000, 0x3ff7_1ab1_8000_0000, 0x3ff7_1a9a_8000_0000,
    0x3ff7_1a83_4000_0000, 0x3ff7_1a6c_4000_0000, 0x3ff7_1a55_0000_0000, 0x3ff7_1a3e_0000_0000,
    0x3ff7_1a26_c000_0000, 0x3ff7_1a0f_c000_0000, 0x3ff7_19f8_8000_0000, 0x3ff7_19e1_8000_0000,
    0x3ff7_19ca_4000_0000, 0x3ff7_19b3_4000_0000, 0x3ff7_199c_0000_0000, 0x3ff7_1985_0000_0000,
    0x3ff7_196d_c000_0000, 0x3ff7_1956_c000_0000, 0x3ff7_193f_8000_0000, 0x3ff7_1928_8000_0000,
    0x3ff7_1911_4000_0000, 0x3ff7_18fa_4000_0000, 0x3ff7_18e3_4000_0000, 0x3ff7_18cc_0000_0000,
    0x3ff7_18b5_0000_0000, 0x3ff7_189d_c000_0000, 0x3ff7_1886_c000_0000, 0x3ff7_186f_8000_0000,
    0x3ff7_1858_8000_0000, 0x3ff7_1841_8000_0000, 0x3ff7_182a_4000_0000, 0x3ff7_1813_4000_0000,
    0x3ff7_17fc_0000_0000, 0x3ff7_17e5_0000_0000, 0x3ff7_17cd_c000_0000, 0x3ff7_17b6_c000_0000,
    0x3ff7_179f_c000_0000, 0x3ff7_1788_8000_0000, 0x3ff7_1771_8000_0000, 0x3ff7_175a_4000_0000,
    0x3ff7_1743_4000_0000, 0x3ff7_172c_4000_0000, 0x3ff7_1715_0000_0000, 0x3ff7_16fe_0000_0000,
    0x3ff7_16e6_c000_0000, 0x3ff7_16cf_c000_0000, 0x3ff7_16b8_c000_0000, 0x3ff7_16a1_8000_0000,
    0x3ff7_168a_8000_0000, 0x3ff7_1673_8000_0000, 0x3ff7_165c_4000_0000, 0x3ff7_1645_4000_0000,
    0x3ff7_162e_0000_0000, 0x3ff7_1617_0000_0000, 0x3ff7_1600_0000_0000, 0x3ff7_15e8_c000_0000,
    0x3ff7_15d1_c000_0000, 0x3ff7_15ba_c000_0000, 0x3ff7_15a3_8000_0000, 0x3ff7_158c_8000_0000,
    0x3ff7_1575_8000_0000, 0x3ff7_155e_4000_0000, 0x3ff7_1547_4000_0000, 0x0000_0000_0000_0000,
    0x0000_0000_0000_0000, 0x3f07_2017_5000_0000, 0x3d09_9925_641f_4f36, 0x3f17_102e_3b00_0000,
    0x3d12_0082_c162_d124, 0x3f21_5034_0c80_0000, 0x3d44_1ee7_0912_5ff4, 0x3f27_185c_9200_0000,
    0x3cee_cd1c_8bab_f46f, 0x3f2c_d890_5d00_0000, 0x3d3b_ee60_f0bb_f0cf, 0x3f31_5067_ff40_0000,
    0x3d3f_dbdf_8a96_48dd, 0x3f34_308d_6340_0000, 0x3d36_81cb_aee1_b670, 0x3f37_14b8_c280_0000,
    0x3d41_02e6_bf3d_153e, 0x3f39_f8e9_ed40_0000, 0x3d36_5ef2_3379_4abc, 0x3f3c_d920_9340_0000,
    0x3d4f_df0b_3d38_4508, 0x3f3f_bd5d_4d40_0000, 0x3d19_a166_782c_348a, 0x3f41_4ecf_b940_0000,
    0x3d48_aba0_39dd_e07f, 0x3f42_c0f3_dde0_0000, 0x3d43_5f8a_9d5f_d823, 0x3f44_311a_b060_0000,
    0x3d47_963a_1245_8bec, 0x3f45_a344_9ce0_0000, 0x3d47_e151_2c8c_13fd, 0x3f47_1371_2f60_0000,
    0x3d48_d0be_cb0b_d4fa, 0x3f48_85a0_e400_0000, 0x3d39_db21_dce1_a474, 0x3f49_f5d3_36a0_0000,
    0x3d48_9166_5566_0916, 0x3f4b_6808_b380_0000, 0x3d3d_7958_c862_a7d0, 0x3f4c_d840_c680_0000,
    0x3d43_12ba_d43b_70f4, 0x3f4e_487b_b7c0_0000, 0x3d46_363f_975e_2c41, 0x3f4f_bab9_df60_0000,
    0x3d22_4e63_850f_c6c3, 0x3f50_957d_48a0_0000, 0x3d25_6896_17a2_1aa6, 0x3f51_4e9f_40c0_0000,
    0x3d32_ae5f_a458_2824, 0x3f52_06c2_7a10_0000, 0x3d45_c3f8_84b0_fd57, 0x3f52_bee7_22a0_0000,
    0x3d4a_525c_4aad_1649, 0x3f53_780d_7080_0000, 0x3d1d_eb18_2750_71de, 0x3f54_3034_f990_0000,
    0x3d48_eae4_d5d7_5fb6, 0x3f54_e95e_2c00_0000, 0x3d37_28c5_c129_1b85, 0x3f55_a188_95b0_0000,
    0x3d4f_699a_abec_f0d7, 0x3f56_59b4_6ed0_0000, 0x3d22_ed25_8f2d_1fa9, 0x3f57_12e1_f740_0000,
    0x3d34_45ef_8b30_e580, 0x3f57_cb10_b110_0000, 0x3d43_1d52_dc75_fac6, 0x3f58_8340_da50_0000,
    0x3d3f_fbcb_a135_bd69, 0x3f59_3b72_7300_0000, 0x3d38_7100_2d63_e5db, 0x3f59_f4a5_c320_0000,
    0x3d45_afdd_1c0b_b062, 0x3f5a_acda_3cc0_0000, 0x3d41_914f_dcd0_40ae, 0x3f5b_6510_25e0_0000,
    0x3d3e_7387_db24_5b1f, 0x3f5c_1d47_7e80_0000, 0x3d4a_1e1b_593d_6b3f, 0x3f5c_d680_96c0_0000,
    0x3cea_7d5c_cc31_fc26, 0x3f5d_8eba_d080_0000, 0x3d2b_efbc_762a_3069, 0x3f5e_46f6_79d0_0000,
    0x3d4d_39ff_952b_e02c, 0x3f5e_ff33_92d0_0000, 0x3d3d_3437_3b1a_1cb4, 0x3f5f_b772_1b70_0000,
    0x3d2a_49f2_5721_8470, 0x3f60_3859_36d8_0000, 0x3d43_adb6_602b_a3b5, 0x3f60_9479_ebd0_0000,
    0x3d4a_6056_0591_ee13, 0x3f60_f09b_58a8_0000, 0x3d34_3eec_4faf_f44b, 0x3f61_4cbd_7d58_0000,
    0x3d3c_c4c6_130d_f139, 0x3f61_a8e0_59e8_0000, 0x3d42_a0ad_9380_107f, 0x3f62_0503_ee60_0000,
    0x3d12_915a_b903_5a2a, 0x3f62_6128_3ab8_0000, 0x3d31_dded_20ca_aca3, 0x3f62_bd4d_3ef8_0000,
    0x3d41_ef6e_2810_79c7, 0x3f63_1972_fb28_0000, 0x3d31_986b_6b98_497f, 0x3f63_7619_a540_0000,
    0x3d4c_3697_91f2_b430, 0x3f63_d240_d250_0000, 0x3d40_eca7_ce1c_0762, 0x3f64_2e68_b750_0000,
    0x3d45_fa86_073b_1e2e, 0x3f64_8a91_5448_0000, 0x3d46_d9e9_05a6_22fd, 0x3f64_e6ba_a938_0000,
    0x3d4f_04cc_4b55_a072, 0x3f65_42e4_b628_0000, 0x3d49_f570_1609_4e0e, 0x3f65_9f0f_7b18_0000,
    0x3d43_2659_616c_f239, 0xbf58_2dd5_6980_0000, 0xbd3a_b541_3ed7_08f7, 0xbf57_d0ed_9190_0000,
    0xbd41_35c6_7b35_8e46, 0xbf57_7505_1b30_0000, 0xbcfe_f3c0_f6ed_6fde, 0xbf57_181c_8940_0000,
    0xbd46_a455_5af7_807f, 0xbf56_bc33_5ae0_0000, 0xbd45_2637_919c_892d, 0xbf56_5f4a_0f00_0000,
    0xbd46_d380_806e_8ed0, 0xbf56_0360_28a0_0000, 0xbd4e_545e_fedc_7d6b, 0xbf55_a676_22d0_0000,
    0xbd28_c45a_fdab_27bc, 0xbf55_4a8b_8470_0000, 0xbd40_efc0_94f1_d540, 0xbf54_eda0_c490_0000,
    0xbd49_2aa1_6e5d_7e55, 0xbf54_91b5_6e40_0000, 0xbd06_5c31_ae3a_4995, 0xbf54_34c9_f460_0000,
    0xbd20_b591_90b3_0c51, 0xbf53_d8dd_e600_0000, 0xbd20_8e1f_5c64_292c, 0xbf53_7bf1_b210_0000,
    0xbd4b_a65d_f606_f2e6, 0xbf53_2004_ebb0_0000, 0xbd3b_2bd5_1a59_3ca0, 0xbf52_c317_fdc0_0000,
    0xbd44_0246_f536_0f7d, 0xbf52_672a_7f50_0000, 0xbd42_2981_7bbf_ca47, 0xbf52_0a3c_d760_0000,
    0xbd0a_d92a_cf30_f123, 0xbf51_ae4e_a0e0_0000, 0xbd29_2a75_6938_30ad, 0xbf51_5160_3ed0_0000,
    0xbd49_146e_e039_1426, 0xbf50_f571_5040_0000, 0xbd4e_6549_5700_2344, 0xbf50_9882_3430_0000,
    0xbd3d_4587_8f31_1f09, 0xbf50_3c92_8d90_0000, 0xbd3d_ca96_28fe_4ea6, 0xbf4f_bf45_6ec0_0000,
    0xbd46_c434_0f0a_4c7f, 0xbf4f_0764_b160_0000, 0xbd38_6c45_4f8f_13f5, 0xbf4e_4d83_90e0_0000,
    0xbd27_9073_4f09_9d6a, 0xbf4d_95a1_6340_0000, 0xbd35_8615_2bf8_04ac, 0xbf4c_ddbe_7e80_0000,
    0xbd43_f2dc_eda7_5e42, 0xbf4c_23db_30a0_0000, 0xbd4e_f6f7_d238_62d0, 0xbf4b_6bf6_dbc0_0000,
    0xbd3d_e7d1_2300_f78c, 0xbf4a_b212_19a0_0000, 0xbd4d_3c99_bb64_5928, 0xbf49_fa2c_5480_0000,
    0xbd3c_87d4_adf1_8185, 0xbf49_4046_1e20_0000, 0xbd49_fe5a_1a06_18b0, 0xbf48_885e_e8c0_0000,
    0xbd29_34a5_aaee_f6a6, 0xbf47_d076_fc20_0000, 0xbd39_cfc0_ecbb_5462, 0xbf47_168e_9860_0000,
    0xbd36_f34e_bfa1_c16b, 0xbf46_5ea5_3b80_0000, 0xbd22_ed1c_9088_ca01, 0xbf45_a4bb_6360_0000,
    0xbd42_3320_2d6d_e9b5, 0xbf44_ecd0_9620_0000, 0xbd48_5871_10d8_4808, 0xbf44_32e5_49c0_0000,
    0xbd3d_c614_5992_900a, 0xbf43_7af9_0c20_0000, 0xbd4c_28b1_f611_f4f2, 0xbf42_c30c_1760_0000,
    0xbd49_b472_1249_6da4, 0xbf42_091e_9d80_0000, 0xbd22_545f_b07b_63e5, 0xbf41_5130_3860_0000,
    0xbcf3_fc74_6b4d_aa19, 0xbf40_9741_4a00_0000, 0xbd28_19ad_9f79_43ac, 0xbf3f_bea2_e8c0_0000,
    0xbd4a_cc92_0501_8f01, 0xbf3e_4ec1_cf40_0000, 0xbd48_b028_5dec_ad9c, 0xbf3c_dadf_9740_0000,
    0xbd4c_a2dd_6311_5207, 0xbf3b_6afb_9d00_0000, 0xbd35_4003_a7fc_9363, 0xbf39_f716_7c00_0000,
    0xbd4a_8ae0_407a_7831, 0xbf38_872f_a0c0_0000, 0xbd42_dd8b_91a8_939d, 0xbf37_1747_5700_0000,
    0xbd3a_4925_2f24_3d55, 0xbf35_a35d_dac0_0000, 0xbd27_41df_22a2_581b, 0xbf34_3372_b000_0000,
    0xbd0c_ab75_3c22_e0d2, 0xbf32_c386_1680_0000, 0xbd4b_6e11_5fc1_d4dd, 0xbf31_4f98_3ec0_0000,
    0xbd3f_929a_9712_1e28, 0xbf2f_bf51_8900_0000, 0xbd13_ea1e_806f_dbda, 0xbf2c_d770_0700_0000,
    0xbd37_0eb1_51e9_5ecb, 0xbf29_f78b_5000_0000, 0xbd41_8759_ff24_7507, 0xbf27_17a3_bc00_0000,
    0xbd3c_0d6b_c6c6_f140, 0xbf24_2fb9_8280_0000, 0xbd4c_f2ef_b8d3_c162, 0xbf21_4fcc_2c80_0000,
    0xbd20_6ce3_12cf_e97e, 0xbf1c_dfb7_f100_0000, 0xbd4d_7734_1056_af68, 0xbf17_0fd2_1000_0000,
    0xbd24_caa4_2932_9aef, 0xbf11_4fe6_2400_0000, 0xbcf2_84c3_06b7_1311, 0xbf07_1fe8_fa00_0000,
    0xbd33_bb0c_dd98_569a, 0xbef6_fff4_ac00_0000, 0xbd4d_54d7_0b74_07c7, 0x0000_0000_0000_0000,
    0x0000_0000_0000_0000, 0x3ff0_0000_0000_0000, 0x0000_0000_0000_0000, 0x3ff0_163d_a9fb_3335,
    0x3c9b_6129_9ab8_cdb7, 0x3ff0_2c9a_3e77_8061, 0xbc71_9083_535b_085d, 0x3ff0_4315_e86e_7f85,
    0xbc90_a31c_1977_c96e, 0x3ff0_59b0_d315_8574, 0x3c8d_73e2_a475_b465, 0x3ff0_706b_29dd_f6de,
    0xbc8c_91df_e2b1_3c26, 0x3ff0_8745_1875_9bc8, 0x3c61_86be_4bb2_84ff, 0x3ff0_9e3e_cac6_f383,
    0x3c91_4878_1831_6135, 0x3ff0_b558_6cf9_890f, 0x3c98_a62e_4adc_610a, 0x3ff0_cc92_2b72_47f7,
    0x3c90_1edc_16e2_4f71, 0x3ff0_e3ec_32d3_d1a2, 0x3c40_3a17_27c5_7b52, 0x3ff0_fb66_affe_d31b,
    0xbc6b_9bed_c44e_bd7b, 0x3ff1_1301_d012_5b51, 0xbc96_c510_3944_9b39, 0x3ff1_2abd_c06c_31cc,
    0xbc51_b514_b36c_a5c7, 0x3ff1_429a_aea9_2de0, 0xbc93_2fbf_9af1_369e, 0x3ff1_5a98_c8a5_8e51,
    0x3c82_406a_b9ee_ab09, 0x3ff1_72b8_3c7d_517b, 0xbc81_9041_b9d7_8a75, 0x3ff1_8af9_388c_8dea,
    0xbc91_1023_d197_0f6b, 0x3ff1_a35b_eb6f_cb75, 0x3c8e_5b4c_7b49_68e4, 0x3ff1_bbe0_8404_5cd4,
    0xbc99_5386_352e_f607, 0x3ff1_d487_3168_b9aa, 0x3c9e_016e_00a2_643c, 0x3ff1_ed50_22fc_d91d,
    0xbc91_df98_027b_b78b, 0x3ff2_063b_8862_8cd6, 0x3c8d_c775_814a_8494, 0x3ff2_1f49_917d_dc96,
    0x3c82_a97e_9494_a5ed, 0x3ff2_387a_6e75_6238, 0x3c99_b07e_b6c7_0572, 0x3ff2_51ce_4fb2_a63f,
    0x3c8a_c155_bef4_f4a4, 0x3ff2_6b45_65e2_7cdd, 0x3c82_bd33_9940_e9d9, 0x3ff2_84df_e1f5_6381,
    0xbc9a_4c3a_8c3f_0d7d, 0x3ff2_9e9d_f51f_dee1, 0x3c86_12e8_afad_1255, 0x3ff2_b87f_d0da_d990,
    0xbc41_0adc_d638_1aa3, 0x3ff2_d285_a6e4_030b, 0x3c90_0247_54db_41d4, 0x3ff2_ecaf_a93e_2f56,
    0x3c71_ca0f_45d5_2383, 0x3ff3_06fe_0a31_b715, 0x3c86_f46a_d231_82e4, 0x3ff3_2170_fc4c_d831,
    0x3c8a_9ce7_8e18_047c, 0x3ff3_3c08_b264_16ff, 0x3c93_2721_8436_59a5, 0x3ff3_56c5_5f92_9ff1,
    0xbc8b_5cee_5c4e_4628, 0x3ff3_71a7_373a_a9cb, 0xbc96_3aea_bf42_eae1, 0x3ff3_8cae_6d05_d866,
    0xbc9e_958d_3c99_04bc, 0x3ff3_a7db_34e5_9ff7, 0xbc75_e436_d661_f5e2, 0x3ff3_c32d_c313_a8e5,
    0xbc9e_fff8_375d_29c3, 0x3ff3_dea6_4c12_3422, 0x3c8a_da09_11f0_9ebb, 0x3ff3_fa45_04ac_801c,
    0xbc97_d023_f956_f9f3, 0x3ff4_160a_21f7_2e2a, 0xbc5e_f369_1c30_9278, 0x3ff4_31f5_d950_a897,
    0xbc81_c7dd_e35f_7998, 0x3ff4_4e08_6061_892d, 0x3c48_9b7a_04ef_80cf, 0x3ff4_6a41_ed1d_0057,
    0x3c9c_944b_d164_8a76, 0x3ff4_86a2_b5c1_3cd0, 0x3c73_c1a3_b690_62f0, 0x3ff4_a32a_f0d7_d3de,
    0x3c99_cb62_f3d1_be56, 0x3ff4_bfda_d536_2a27, 0x3c7d_4397_afec_42e2, 0x3ff4_dcb2_99fd_dd0d,
    0x3c98_ecdb_bc6a_7833, 0x3ff4_f9b2_769d_2ca7, 0xbc94_b309_d259_57e3, 0x3ff5_16da_a2cf_6642,
    0xbc8f_7685_69bd_93ee, 0x3ff5_342b_569d_4f82, 0xbc80_7abe_1db1_3cac, 0x3ff5_51a4_ca5d_920f,
    0xbc8d_689c_efed_e59a, 0x3ff5_6f47_36b5_27da, 0x3c99_bb2c_011d_93ac, 0x3ff5_8d12_d497_c7fd,
    0x3c82_95e1_5b9a_1de7, 0x3ff5_ab07_dd48_5429, 0x3c96_324c_0546_47ac, 0x3ff5_c926_8a59_46b7,
    0x3c3c_4b1b_8169_86a2, 0x3ff5_e76f_15ad_2148, 0x3c9b_a6f9_3080_e65d, 0x3ff6_05e1_b976_dc09,
    0xbc93_e242_9b56_de47, 0x3ff6_247e_b03a_5585, 0xbc93_83c1_7e40_b496, 0x3ff6_4346_34cc_c320,
    0xbc8c_483c_759d_8932, 0x3ff6_6238_8255_2225, 0xbc9b_b609_8759_1c33, 0x3ff6_8155_d44c_a973,
    0x3c60_38ae_44f7_3e64, 0x3ff6_a09e_667f_3bcd, 0xbc9b_dd34_13b2_6455, 0x3ff6_c012_750b_dabf,
    0xbc72_8956_67ff_0b0c, 0x3ff6_dfb2_3c65_1a2f, 0xbc6b_be3a_683c_88aa, 0x3ff6_ff7d_f951_9484,
    0xbc88_3c0f_2586_0ef6, 0x3ff7_1f75_e8ec_5f74, 0xbc81_6e47_8688_7a99, 0x3ff7_3f9a_48a5_8174,
    0xbc90_a8d9_6c65_d53b, 0x3ff7_5feb_5642_67c9, 0xbc90_2459_5731_6dd3, 0x3ff7_8069_4fde_5d3f,
    0x3c98_66b8_0a02_162c, 0x3ff7_a114_73eb_0187, 0xbc84_1577_ee04_992f, 0x3ff7_c1ed_0130_c132,
    0x3c9f_124c_d116_4dd5, 0x3ff7_e2f3_36cf_4e62, 0x3c70_5d02_ba15_797e, 0x3ff8_0427_543e_1a12,
    0xbc92_7c86_626d_972a, 0x3ff8_2589_994c_ce13, 0xbc9d_4c1d_d415_32d7, 0x3ff8_471a_4623_c7ad,
    0xbc88_d684_a341_cdfb, 0x3ff8_68d9_9b44_92ed, 0xbc9f_c6f8_9bd4_f6ba, 0x3ff8_8ac7_d98a_6699,
    0x3c99_94c2_f37c_b53a, 0x3ff8_ace5_422a_a0db, 0x3c96_e9f1_5686_4b26, 0x3ff8_cf32_16b5_448c,
    0xbc70_d55e_32e9_e3aa, 0x3ff8_f1ae_9915_7736, 0x3c85_cc13_a2e3_976c, 0x3ff9_145b_0b91_ffc6,
    0xbc9d_d679_2e58_2523, 0x3ff9_3737_b0cd_c5e5, 0xbc67_5fc7_81b5_7ebb, 0x3ff9_5a44_cbc8_520f,
    0xbc76_4b7c_96a5_f039, 0x3ff9_7d82_9fde_4e50, 0xbc9d_185b_7c1b_85d0, 0x3ff9_a0f1_70ca_07ba,
    0xbc91_73bd_91ce_e632, 0x3ff9_c491_82a3_f090, 0x3c7c_7c46_b071_f2be, 0x3ff9_e863_19e3_2323,
    0x3c78_24ca_78e6_4c6e, 0x3ffa_0c66_7b5d_e565, 0xbc93_5949_5d1c_d532, 0x3ffa_309b_ec4a_2d33,
    0x3c96_305c_7ddc_36ab, 0x3ffa_5503_b23e_255d, 0xbc9d_2f6e_db8d_41e1, 0x3ffa_799e_1330_b358,
    0x3c9b_cb7e_cac5_63c6, 0x3ffa_9e6b_5579_fdbf, 0x3c90_fac9_0ef7_fd31, 0x3ffa_c36b_bfd3_f37a,
    0xbc8f_9234_cae7_6cd0, 0x3ffa_e89f_995a_d3ad, 0x3c97_a1cd_345d_cc81, 0x3ffb_0e07_298d_b666,
    0xbc9b_def5_4c80_e424, 0x3ffb_33a2_b84f_15fb, 0xbc62_805e_3084_d707, 0x3ffb_5972_8de5_593a,
    0xbc9c_71df_bbba_6de3, 0x3ffb_7f76_f2fb_5e47, 0xbc75_584f_7e54_ac3a, 0x3ffb_a5b0_30a1_064a,
    0xbc9e_fcd3_0e54_292e, 0x3ffb_cc1e_904b_c1d2, 0x3c82_3dd0_7a2d_9e84, 0x3ffb_f2c2_5bd7_1e09,
    0xbc9e_fdca_3f6b_9c72, 0x3ffc_199b_dd85_529c, 0x3c81_1065_8950_48dd, 0x3ffc_40ab_5fff_d07a,
    0x3c9b_4537_e083_c60a, 0x3ffc_67f1_2e57_d14b, 0x3c92_884d_ff48_3cac, 0x3ffc_8f6d_9406_e7b5,
    0x3c71_acbc_4880_5c44, 0x3ffc_b720_dcef_9069, 0x3c75_03cb_d1e9_49db, 0x3ffc_df0b_555d_c3fa,
    0xbc8d_d83b_5382_9d72, 0x3ffd_072d_4a07_897c, 0xbc9c_bc37_4379_7a9c, 0x3ffd_2f87_080d_89f2,
    0xbc9d_487b_719d_8577, 0x3ffd_5818_dcfb_a487, 0x3c82_ed02_d75b_3706, 0x3ffd_80e3_16c9_8398,
    0xbc91_1ec1_8bed_dfe8, 0x3ffd_a9e6_03db_3285, 0x3c9c_2300_696d_b532, 0x3ffd_d321_f301_b460,
    0x3c92_da57_78f0_18c2, 0x3ffd_fc97_337b_9b5f, 0xbc91_a5cd_4f18_4b5b, 0x3ffe_2646_14f5_a129,
    0xbc97_b627_817a_1496, 0x3ffe_502e_e78b_3ff6, 0x3c83_9e89_80a9_cc8f, 0x3ffe_7a51_fbc7_4c83,
    0x3c92_d522_ca0c_8de1, 0x3ffe_a4af_a2a4_90da, 0xbc9e_9c23_179c_2893, 0x3ffe_cf48_2d8e_67f1,
    0xbc9c_93f3_b411_ad8c, 0x3ffe_fa1b_ee61_5a27, 0x3c9d_c7f4_86a4_b6b0, 0x3fff_252b_376b_ba97,
    0x3c93_a1a5_bf0d_8e43, 0x3fff_5076_5b6e_4540, 0x3c99_d3e1_2dd8_a18a, 0x3fff_7bfd_ad9c_be14,
    0xbc9d_bb12_d006_3509, 0x3fff_a7c1_819e_90d8, 0x3c87_4853_f3a5_931e, 0x3fff_d3c2_2b8f_71f1,
    0x3c62_eb74_9665_79e7, 0x3e79_c3a6_9664_57e8, 0xbfd6_2e43_4669_4107, 0x3fc4_7fd4_62b6_dee1,
    0xbfb5_5047_2a90_12d8, 0x3fe6_2e42_fefa_39ef, 0x3fce_bfbd_ff82_c58f, 0x3fac_6b08_d704_a0c0,
    0x3f83_b2ab_6fba_4e77, 0x3f55_d87f_e78a_6731, 0x7fe0_0000_0000_0000, 0x0010_0000_0000_0000,
    0x0000_0000_0000_0000, 0x3ff0_0000_0000_0000, 0xbff0_0000_0000_0000, 0x42c8_0000_0000_0000,
    0x3ff7_1547_4000_0000, 0x41a0_0000_0200_0000, 0x4c70_0000_0000_0000, 0x3370_0000_0000_0000,
];

/// [`POW_RARE_TAB`] entries by byte offset.
const R_2_M1022: usize = 6808 / 8;
const R_2_P1023: usize = 6800 / 8;
const R_ONE: usize = 6824 / 8;
const R_SHIFTER: usize = 6840 / 8;
const R_LOG2E_HI: usize = 6848 / 8;
const R_SPLITTER: usize = 6856 / 8;
const R_2_P200: usize = 6864 / 8;
const R_2_M200: usize = 6872 / 8;

/// Exact product: `a*b == hi + lo` when the product does not underflow.
#[inline(always)]
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

/// Exact sum (Knuth): `a + b == s + e`.
#[inline(always)]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// Round-to-nearest result `v` of an operation whose exact value is `v + err`,
/// re-rounded toward zero.
#[inline(always)]
fn rz_fix(v: f64, err: f64) -> f64 {
    if err != 0.0 && (err < 0.0) != (v < 0.0) {
        f64::from_bits(v.to_bits() - 1)
    } else {
        v
    }
}

/// Round-to-nearest result `v >= 0` of an operation whose exact value is
/// `v + err`, re-rounded downward (an exact zero is `-0`, as in RD mode).
#[inline(always)]
fn rd_fix_nonneg(v: f64, err: f64) -> f64 {
    if v == 0.0 {
        -0.0
    } else if err < 0.0 {
        f64::from_bits(v.to_bits() - 1)
    } else {
        v
    }
}

/// `vfmadd {rz-sae}`: `a*b + c` rounded toward zero, for inputs where `a*b`
/// does not underflow. The sign of the rounding error comes from Boldo and
/// Muller's exact `ErrFma`.
#[inline(always)]
fn fma_rz(a: f64, b: f64, c: f64) -> f64 {
    let r1 = a.mul_add(b, c);
    let (u1, u2) = two_prod(a, b);
    let (a1, a2) = two_sum(c, u2);
    let (b1, b2) = two_sum(u1, a1);
    let gamma = (b1 - r1) + b2;
    rz_fix(r1, gamma + a2)
}

/// Mantissa field and unbiased exponent of a positive finite nonzero double,
/// subnormals normalised (`vgetmantpd`/`vgetexppd`).
#[inline(always)]
fn mant_exp(bits: u64) -> (u64, i32) {
    let biased = (bits >> 52) & 0x7ff;
    if biased == 0 {
        let frac = bits & MANT_MASK;
        let top = 63 - frac.leading_zeros() as i32;
        ((frac << (52 - top)) & MANT_MASK, top - 1074)
    } else {
        (bits & MANT_MASK, biased as i32 - 1023)
    }
}

crate::fma::fma_dispatch! {
    /// `np.power`'s SVML port (hardware FMA when the CPU has it).
    pub fn pow(x: f64, y: f64) -> f64 = pow_any;
}

/// `__svml_pow8_ha`, one lane.
#[inline(always)]
pub(super) fn pow_any(x: f64, y: f64) -> f64 {
    let xb = x.to_bits();
    // vfpclasspd $0xdf on x (NaN, zeros, infinities, negative) and $0x99 on y
    // (NaN, infinities): those lanes are recomputed by the rare path.
    if x.is_nan() || x == 0.0 || x.is_infinite() || xb >> 63 == 1 || !y.is_finite() {
        return pow_rare(x, y);
    }
    // log2(x): vgetmantpd $10 (interval [0.5, 1)), vgetexppd, vrcp14pd and
    // vrndscalepd $88 (rcp a multiple of 1/32 in [1, 2]).
    let (mant, exponent) = mant_exp(xb);
    let m = f64::from_bits(POW_HALF | mant);
    let prefix = (mant >> 36) as u32;
    let steps = POW_RCP_STEPS.iter().filter(|&&s| s <= prefix).count() as u32;
    let rcp = f64::from(64 - steps) / 32.0;
    let f = ((rcp.to_bits() >> 47) & 31) as usize;
    let th = c(POW_LOG_TH[f]);
    let tl = c(POW_LOG_TL[f]);
    let mut expon = f64::from(exponent);
    if rcp < c(POW_THREE_HALVES) {
        expon += c(POW_ONE);
    }
    let half = c(POW_HALF);
    let mh = half * m;
    let r = rcp.mul_add(mh, -half);
    let r2 = r * r;
    let p9 = c(POW_L1024).mul_add(r, c(POW_L1088));
    let p7 = c(POW_L1152).mul_add(r, c(POW_L1216));
    let eth = expon + th;
    let p7 = r2.mul_add(p9, p7);
    let p1 = c(POW_L1536).mul_add(r, c(POW_L1600));
    let p5 = c(POW_L1280).mul_add(r, c(POW_L1344));
    let p3 = c(POW_L1408).mul_add(r, c(POW_L1472));
    let r4 = r2 * r2;
    let p3 = r2.mul_add(p5, p3);
    let p3 = r4.mul_add(p7, p3);
    let p1 = r2.mul_add(p3, p1);
    let p = r.mul_add(p1, tl);
    let c1h = c(POW_C1H);
    let s = c1h.mul_add(r, eth);
    let rh = s - eth;
    let a = (-r).mul_add(rh, s);
    let rl = r.mul_add(c1h, -rh);
    let rrh = s - a;
    let rl = (-r).mul_add(rl, rl);
    let rrl = rh.mul_add(r, -rrh);
    let lo = p + (rl - rrl);
    let hlog = a + lo;
    let tll = lo - (hlog - a);
    // z = y*log2(x): vmulpd {rz-sae}, then two vfmadd/vfmsub and a vaddpd,
    // all rounded toward zero.
    let prod = y * hlog;
    if prod.abs() > 2048.0 {
        // |z| > 1021.5 whatever the rounding (finite operands: no NaN here).
        return pow_rare(x, y);
    }
    let (zh, w) = if prod.abs() >= c(0x1a70_0000_0000_0000) {
        // |y*log2(x)| >= 2^-600: no underflow in the error terms.
        let (ph, pe) = two_prod(y, hlog);
        let zh = rz_fix(ph, pe);
        let zl = y.mul_add(hlog, -zh);
        (zh, fma_rz(y, tll, zl))
    } else {
        // Any |z| this small gives exactly 1.0 (for z > 0, 1 + z*ln2 rounds
        // to 1; for z < 0 the reduced argument is the double below 1/16
        // whatever z is, and that also gives 1.0), so the directed roundings,
        // whose error terms could underflow here, need no emulation.
        (prod, 0.0)
    };
    let (zs, ze) = two_sum(zh, w);
    let z = rz_fix(zs, ze);
    // vcmppd $22 (NLE_UQ) against 1021.5; z cannot be NaN here.
    if z.abs() > c(POW_THRESHOLD) {
        return pow_rare(x, y);
    }
    let zd = z - zh;
    // vaddpd {rd-sae} with the shifter: N = floor(16 z)/16 in the low bits.
    let shifter = c(EXP_SHIFTER);
    let (bs, be) = two_sum(z, shifter);
    let big = rd_fix_nonneg(bs, be);
    // vreducepd $65: z - floor(16 z)/16, the subtraction rounded down.
    let floor16 = (16.0 * z).floor() / 16.0;
    let (ds, de) = two_sum(z, -floor16);
    let reduced = rd_fix_nonneg(ds, de);
    let corr = w - zd;
    let r = c((reduced + corr).to_bits() & EXP_R_MASK);
    let j = (big.to_bits() & 15) as usize;
    let tle = c(EXP_TLR[j]);
    let the = c(EXP_TH[j]);
    let r2 = r * r;
    let q1 = c(POW_E1792).mul_add(r, c(POW_E1856));
    let q2 = c(POW_E1920).mul_add(r, c(POW_E1984));
    let q3 = c(POW_E2048).mul_add(r, c(POW_E2112));
    let q = r2.mul_add(q1, q2);
    let q = r2.mul_add(q, q3);
    let q = r.mul_add(q, tle);
    let v = the.mul_add(q, the);
    // vpsllq $48 + vandpd: 2^floor(z), a normal number since |z| <= 1021.5.
    v * f64::from_bits((big.to_bits() << 48) & POW_EXP_FIELD)
}

/// `__svml_dpow_ha_cout_rare_internal` (SSE2 scalar code, no FMA): special
/// values, negative bases, and results near or beyond the overflow and
/// underflow thresholds.
fn pow_rare(x: f64, y: f64) -> f64 {
    let tab = |offset: usize| c(POW_RARE_TAB[offset]);
    // The routine starts with x*1.0 and y*1.0, which quiets signalling NaNs.
    let x = if x.is_nan() { quiet(x) } else { x };
    let y = if y.is_nan() { quiet(y) } else { y };
    let xb = x.to_bits();
    let yb = y.to_bits();
    let x_exp = ((xb >> 52) & 0x7ff) as i32;
    let y_exp = ((yb >> 52) & 0x7ff) as i32;
    let x_neg = xb >> 63 == 1;
    let y_neg = yb >> 63 == 1;
    let x_mant_zero = xb & MANT_MASK == 0;
    let y_mant_zero = yb & MANT_MASK == 0;
    let y_finite = y_exp != 2047;
    // 0: y not an integer (or not finite), 1: odd integer, 2: even integer.
    let parity: u32;
    let x_finite: bool;
    if yb << 1 == 0 || y_exp < 1023 || !y_finite {
        parity = if yb << 1 == 0 { 2 } else { 0 };
        if !x_neg && x_exp == 1023 {
            if x_mant_zero || (y_exp == 0 && y_mant_zero) {
                return tab(R_ONE);
            }
            x_finite = true;
        } else {
            if y_exp == 0 && y_mant_zero {
                return tab(R_ONE);
            }
            x_finite = x_exp != 2047;
        }
    } else {
        parity = integer_class(yb);
        if !x_neg && x_exp == 1023 {
            if x_mant_zero {
                return tab(R_ONE);
            }
            x_finite = true;
        } else {
            x_finite = x_exp != 2047;
        }
    }
    if !(x_mant_zero || x_finite) {
        // x is NaN: addsd returns it (already quiet).
        return x;
    }
    if !(y_mant_zero || y_finite) {
        return y;
    }
    // -1.0 when x < 0 and y is an odd integer, else 1.0.
    let sign_index = R_ONE + (parity & u32::from(x_neg)) as usize;
    if x == 0.0 {
        let xx = x * x;
        return if y_neg {
            tab(sign_index) / xx
        } else {
            tab(sign_index) * xx
        };
    }
    if x == -1.0 {
        if parity != 0 {
            return tab(R_ONE + (parity & 1) as usize);
        }
        if !y_finite {
            return tab(R_ONE);
        }
    }
    if !x_finite || !y_finite {
        if x_exp < 1023 {
            return if y_neg { y * y } else { 0.0 };
        }
        return if y_neg {
            0.0 * tab(sign_index)
        } else {
            x * x * y * tab(sign_index)
        };
    }
    // (comisd: x is finite, nonzero and not NaN here.)
    if x < 0.0 && parity == 0 {
        // Negative base, non-integer exponent: 0.0 / 0.0 in divsd.
        return c(X86_DEFAULT_NAN);
    }
    pow_rare_finite(x.abs(), x_exp == 0, y, y_exp, tab(sign_index))
}

/// Odd/even/non-integer test of the rare path for finite `|y| >= 1`.
fn integer_class(yb: u64) -> u32 {
    let hi = ((yb >> 32) as u32) & 0x7fff_ffff;
    let lo = yb as u32;
    let e = ((yb >> 52) & 0x7ff) as u32 - 1023;
    let units = if e <= 20 {
        if ((hi << e) << 12) | lo != 0 {
            return 0;
        }
        hi << (e + 11)
    } else if e >= 53 {
        return 2;
    } else {
        let s = lo << (e - 21);
        if s & 0x7fff_ffff != 0 {
            return 0;
        }
        s
    };
    if units >> 31 == 1 {
        1
    } else {
        2
    }
}

/// The rare path's general case: `sign * ax^y` for finite `ax > 0`, finite `y`,
/// with a triple-table `log2` in double-double arithmetic and a 128-entry
/// `exp2`.
fn pow_rare_finite(ax: f64, subnormal: bool, y: f64, y_exp: i32, sign: f64) -> f64 {
    let tab = |offset: usize| c(POW_RARE_TAB[offset]);
    let (ax, k_adjust) = if subnormal {
        (ax * tab(R_2_P200), -200)
    } else {
        (ax, 0)
    };
    let bits = ax.to_bits();
    let hi = (bits >> 32) as i32;
    let k = (hi.wrapping_add(-1_072_152_576) >> 20) + k_adjust;
    let mbits = (bits & MANT_MASK) | 0x3ff0_0000_0000_0000;
    let mm = f64::from_bits(mbits);
    let i1 = (((mbits >> 32) as usize & 0xf_c000) + 0x4000) >> 15;
    let r1 = tab(i1);
    let splitter = tab(R_SPLITTER);
    let t1 = r1 * mm;
    let sm = mm * splitter;
    let mut big_t = f64::from(k) + tab(33 + 2 * i1);
    let i2 = (((t1.to_bits() >> 32) as usize & 0xfc00) + 0x400) >> 11;
    let dm = sm - mm;
    let r2 = tab(99 + i2);
    let t2 = t1 * r2;
    big_t += tab(132 + 2 * i2);
    let r12 = r1 * r2;
    let m_hi = sm - dm;
    let i3 = (((t2.to_bits() >> 32) as usize & 0xff0) + 16) >> 5;
    let r3 = tab(198 + i3);
    let rcp = r12 * r3;
    let m_lo = mm - m_hi;
    big_t += tab(327 + 2 * i3);
    let t3 = t2 * r3;
    let v = t3 - tab(R_LOG2E_HI);
    let sr = splitter * rcp;
    let dr = sr - rcp;
    let rcp_hi = sr - dr;
    let rcp_lo = rcp - rcp_hi;
    let mut d = m_hi * rcp_hi;
    d -= t3;
    d += rcp_hi * m_lo;
    let s = big_t + v;
    d += m_hi * rcp_lo;
    d += m_lo * rcp_lo;
    let s_lo = (big_t - s) + v;
    let exp_sum = ((s.to_bits() >> 52) & 0x7ff) as i32 + y_exp;
    if exp_sum >= 2057 {
        let idx = R_2_P1023 + usize::from((s.to_bits() >> 63 == 1) != (y.to_bits() >> 63 == 1));
        let t = tab(idx);
        return t * t * sign;
    }
    if exp_sum <= 1984 {
        return (tab(R_ONE) + tab(R_2_M1022)) * sign;
    }
    let u = v + d;
    let tl23 = tab(133 + 2 * i2) + tab(328 + 2 * i3);
    let d2 = d + s_lo;
    let mut p = tab(6752 / 8) * u;
    let tlo = tab(34 + 2 * i1) + tl23;
    p += tab(6744 / 8);
    let tlo = tlo + d2;
    p *= u;
    p += tab(6736 / 8);
    p *= u;
    p += tab(6728 / 8);
    p *= u;
    let s2 = s + p;
    let lo2 = (s - s2) + p;
    let s3 = tlo + s2;
    let lo3 = (s2 - s3) + tlo;
    let ss3 = splitter * s3;
    let lo = lo3 + lo2;
    let ds3 = ss3 - s3;
    let lo_y = lo * y;
    let sy = y * splitter;
    let s3_hi = ss3 - ds3;
    let shifter = tab(R_SHIFTER);
    let s3_lo = s3 - s3_hi;
    let dy = sy - y;
    let y_hi = sy - dy;
    let y_lo = y - y_hi;
    let hh = y_hi * s3_hi;
    let mut rest = y_hi * s3_lo;
    let sh = shifter + hh;
    rest += s3_lo * y_lo;
    rest += s3_hi * y_lo;
    rest += lo_y;
    let n_grid = sh - shifter;
    let w = (hh - n_grid) + rest;
    let low = sh.to_bits() as u32 as i32;
    let j = (low & 127) as usize;
    let n = low >> 7;
    let t_hi = tab(585 + 2 * j);
    let mut q = tab(6792 / 8) * w;
    q += tab(6784 / 8);
    q *= w;
    q += tab(6776 / 8);
    q *= w;
    q += tab(6768 / 8);
    q *= w;
    q += tab(6760 / 8);
    q *= w;
    q *= t_hi;
    q += tab(586 + 2 * j);
    let res = q + t_hi;
    let res_bits = res.to_bits();
    let e = n + ((res_bits >> 52) & 0x7ff) as i32 - 1023;
    if e >= 1024 {
        let t = tab(R_2_P1023);
        return t * t * sign;
    }
    if e >= -1022 {
        let field = ((e + 1023) & 2047) as u64;
        return f64::from_bits((res_bits & !POW_EXP_FIELD) | field << 52) * sign;
    }
    let tiny = tab(R_2_M1022);
    // 2^(n + 200), then 2^-200: one rounding into the subnormal range.
    let scale = f64::from_bits((((n + 1223) & 2047) as u64) << 52);
    if e >= -1032 {
        let res_lo = q + (t_hi - res);
        let sres = splitter * res;
        let dres = sres - res;
        let res_hi = sres - dres;
        let lo = (res - res_hi) + res_lo;
        let sum = lo * scale + res_hi * scale;
        return sign * tab(R_2_M200) * sum + tiny * tiny;
    }
    if e >= -1084 {
        return sign * tab(R_2_M200) * (res * scale) - tiny * tiny;
    }
    sign * (tiny * tiny)
}
