//! The hardware-FMA copies of the kernels ([`crate::fma`]) against the
//! portable ones, bit for bit.

use super::ddot::{ddot_haswell, ddot_haswell_any, ddot_skylakex, ddot_skylakex_any};
use super::{
    blocked, blocked_any, fma_dot, fma_dot_any, gemv_t, gemv_t_any, k_blocks, lanes8, lanes8_any,
};

/// Values over many binades, both signs (a fixed LCG, no dependency).
pub(super) fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let u = (s >> 11) as f64 / (1u64 << 53) as f64;
            let e = ((s >> 3) % 40) as i32 - 20;
            (u - 0.5) * 2f64.powi(e)
        })
        .collect()
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn dispatched_copy_fuses() {
    // (1 + 2^-30)(1 - 2^-30) - 1 = -2^-60 exactly when fused, 0 if not.
    let e = 2f64.powi(-30);
    let (a, b) = ([1.0, 1.0 + e], [-1.0, 1.0 - e]);
    assert_eq!(fma_dot(&a, &b), -(2f64.powi(-60)));
    assert_eq!(fma_dot_any(&a, &b), -(2f64.powi(-60)));
}

#[test]
fn dispatched_kernels_match_the_portable_ones_bitwise() {
    for (i, &m) in [
        1usize, 2, 3, 5, 8, 15, 16, 17, 31, 33, 64, 100, 385, 2049, 4103,
    ]
    .iter()
    .enumerate()
    {
        let seed = i as u64 + 1;
        let x = values(m, seed);
        let c = values(m, seed + 100);
        for ncol in 1..=9 {
            let a = values(m * ncol, seed + 200);
            let (mut y1, mut y2) = (vec![0.0; ncol], vec![0.0; ncol]);
            gemv_t(&a, &x, &mut y1, 0, ncol);
            gemv_t_any(&a, &x, &mut y2, 0, ncol);
            assert_eq!(bits(&y1), bits(&y2), "gemv_t m={m} ncol={ncol}");
        }
        let d = |f: f64, g: f64| assert_eq!(f.to_bits(), g.to_bits(), "m={m}");
        d(ddot_haswell(&x, &c), ddot_haswell_any(&x, &c));
        d(ddot_skylakex(&x, &c), ddot_skylakex_any(&x, &c));
        d(fma_dot(&x, &c), fma_dot_any(&x, &c));
        for four in [false, true] {
            let blocks = k_blocks(m, 256, Some(4));
            d(
                blocked(&x, &c, &blocks, four),
                blocked_any(&x, &c, &blocks, four),
            );
        }
        assert_eq!(bits(&lanes8(&x, &c)), bits(&lanes8_any(&x, &c)));
    }
}
