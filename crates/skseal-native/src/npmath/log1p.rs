//! `__svml_log1p8_ha` (numpy's float64 `np.log1p` on AVX-512), one lane,
//! and its scalar rare path `__svml_dlog1p_ha_cout_rare_internal`.
//!
//! The data block `__svml_dlog1p_ha_data_internal_avx512` holds the same
//! `-log(rcp)` tables, polynomial and `ln(2)` split as `log`'s (checked bit
//! for bit; only the byte offsets move by 64 for the extra sign mask), so
//! the constants are shared with [`super::log`]. What differs is the first
//! step: `1 + x` is formed as a high part `v` and a low part
//! `xl = min(1, x) - (v - max(1, x))`, and `xl`, scaled like the mantissa
//! (`vscalefpd` by `-getexp(v)`) and multiplied by the reciprocal, is added
//! to the reduced argument.

use super::log::{
    LOG_LN2_HI, LOG_LN2_LO, LOG_ONE, LOG_P384, LOG_P448, LOG_P512, LOG_P576, LOG_P640, LOG_P704,
    LOG_P768, LOG_P832, LOG_RCP_STEPS, LOG_TH, LOG_THREE_QUARTERS, LOG_TL,
};
use super::*;

/// `__svml_log1p8_ha`, one lane.
pub fn log1p(x: f64) -> f64 {
    let one = c(LOG_ONE);
    // vaddpd {rn-sae}: the high part of 1 + x.
    let v = one + x;
    // The lanes whose `Rl` comes out NaN (vcmppd $4 on itself) are those
    // where 1 + x is NaN, zero, negative or infinite: getmantpd $8 gives NaN
    // for negative inputs, getexppd gives -inf / +inf for 0 / inf.
    if !(v > 0.0 && v.is_finite()) {
        return log1p_rare(x);
    }
    let hi = if x > one { x } else { one };
    let lo = if x < one { x } else { one };
    let xl = lo - (v - hi);
    // vgetmantpd $8 / vgetexppd on v (a positive normal: v >= 2^-53).
    let bits = v.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32 - 1023;
    let mant = bits & MANT_MASK;
    let m = f64::from_bits(LOG_ONE | mant);
    let mut k = f64::from(exponent);
    // vscalefpd {rn-sae} by -exponent (in [-1023, 53]): one rounding.
    let xls = xl * pow2(-exponent);
    // vrcp14pd + vrndscalepd $88.
    let prefix = (mant >> 36) as u32;
    let steps = LOG_RCP_STEPS.iter().filter(|&&s| s <= prefix).count() as u32;
    let rcp = f64::from(32 - steps) / 32.0;
    let r0 = rcp.mul_add(m, -one);
    let t = rcp * xls;
    if rcp < c(LOG_THREE_QUARTERS) {
        k += one;
    }
    let r = r0 + t;
    let r2 = r * r;
    let pa = r.mul_add(c(LOG_P384), c(LOG_P448));
    let rr = r - r0;
    let rl0 = t - rr;
    let idx = ((rcp.to_bits() >> 48) & 15) as usize;
    let th = k.mul_add(c(LOG_LN2_HI), c(LOG_TH[idx]));
    let rl_tl = rl0 + c(LOG_TL[idx]);
    let pb = r.mul_add(c(LOG_P512), c(LOG_P576));
    let pd = r.mul_add(c(LOG_P768), c(LOG_P832));
    let s = r + th;
    let pa = r2.mul_add(pa, pb);
    let pc = r.mul_add(c(LOG_P640), c(LOG_P704));
    let r4 = r2 * r2;
    let pc = r2.mul_add(pc, pd);
    let rh = s - th;
    let poly = r4.mul_add(pa, pc);
    let rl = r - rh;
    let poly = r2.mul_add(poly, rl);
    let low = c(LOG_LN2_LO).mul_add(k, rl_tl);
    let low = low + poly;
    let res = low + s;
    // vorpd with x's sign: log1p(-0) = -0.
    f64::from_bits(res.to_bits() | (x.to_bits() & SIGN_BIT))
}

/// `__svml_dlog1p_ha_cout_rare_internal` for the lanes `log1p` sends there
/// (its finite positive `1 + x` branches are never reached from the vector
/// code).
fn log1p_rare(x: f64) -> f64 {
    // addsd 1.0, then: inf/NaN -> v * v (quiet NaN, payload and sign kept;
    // +inf stays), -inf -> 0/0; zero -> -1/0; negative -> 0/0.
    let v = 1.0 + x;
    if x.is_nan() {
        return quiet(x);
    }
    if v == f64::INFINITY {
        return v;
    }
    if v == 0.0 {
        return f64::NEG_INFINITY;
    }
    c(X86_DEFAULT_NAN)
}
