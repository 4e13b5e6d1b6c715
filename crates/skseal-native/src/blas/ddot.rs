//! OpenBLAS's ddot micro-kernels (one thread), written once over a lane
//! type: `f64` computes one dot; [`L8`] computes eight independent dots at
//! once, lane u running exactly the scalar sequence of operations on its own
//! pair (the kernels' order does not depend on the data), so each lane's
//! result is the scalar kernel's bit for bit.

use crate::fma::{fma_dispatch, wide_dispatch};

/// The arithmetic the kernels use, on one value or on eight lanes.
pub(crate) trait Lane: Copy {
    const ZERO: Self;
    /// `a * b + c`, fused (rounded once).
    fn fma(a: Self, b: Self, c: Self) -> Self;
    fn add(a: Self, b: Self) -> Self;
    fn mul(a: Self, b: Self) -> Self;
}

impl Lane for f64 {
    const ZERO: f64 = 0.0;
    #[inline(always)]
    fn fma(a: f64, b: f64, c: f64) -> f64 {
        a.mul_add(b, c)
    }
    #[inline(always)]
    fn add(a: f64, b: f64) -> f64 {
        a + b
    }
    #[inline(always)]
    fn mul(a: f64, b: f64) -> f64 {
        a * b
    }
}

/// Eight independent values, operated on lane by lane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct L8(pub [f64; 8]);

impl Lane for L8 {
    const ZERO: L8 = L8([0.0; 8]);
    #[inline(always)]
    fn fma(a: L8, b: L8, c: L8) -> L8 {
        L8(std::array::from_fn(|u| a.0[u].mul_add(b.0[u], c.0[u])))
    }
    #[inline(always)]
    fn add(a: L8, b: L8) -> L8 {
        L8(std::array::from_fn(|u| a.0[u] + b.0[u]))
    }
    #[inline(always)]
    fn mul(a: L8, b: L8) -> L8 {
        L8(std::array::from_fn(|u| a.0[u] * b.0[u]))
    }
}

/// Both ddot micro-kernels' main loop: elements `from..to` (a multiple of
/// 16 apart) in steps of 16, element `16s + 4r + l` fused into `acc[r][l]`.
/// `ld(i)` gives the pair of element i.
#[inline(always)]
fn fma16<T: Lane>(ld: &impl Fn(usize) -> (T, T), from: usize, to: usize, acc: &mut [[T; 4]; 4]) {
    let mut i = from;
    while i < to {
        for (r, ar) in acc.iter_mut().enumerate() {
            let o = i + 4 * r;
            for (l, al) in ar.iter_mut().enumerate() {
                let (a, b) = ld(o + l);
                *al = T::fma(a, b, *al);
            }
        }
        i += 16;
    }
}

/// `ddot_k_SKYLAKEX` single-threaded (ddot_microk_skylakex-2.c): the first
/// `n & !15` elements go to four 4-lane FMA accumulators (16 per step;
/// before that, while 32 remain, four 8-lane accumulators, each folded to 4
/// lanes as `lo + hi`), reduced as `((a0 + a1) + a2) + a3` per lane, then
/// `(l0 + l2) + (l1 + l3)`; the rest is added with one FMA each in order.
#[inline(always)]
pub(crate) fn ddot_skylakex_any<T: Lane>(a: &[T], b: &[T]) -> T {
    ddot_skylakex_by(a.len().min(b.len()), |i| (a[i], b[i]))
}

/// [`ddot_skylakex_any`] of `n` pairs, element i's pair given by `ld(i)`.
#[inline(always)]
fn ddot_skylakex_by<T: Lane>(n: usize, ld: impl Fn(usize) -> (T, T)) -> T {
    let n16 = n & !15;
    let mut dot = T::ZERO;
    if n16 > 0 {
        let mut acc = [[T::ZERO; 4]; 4];
        let mut i = 0;
        if n16 >= 32 {
            let n32 = n & !31;
            let mut z = [[T::ZERO; 8]; 4];
            while i < n32 {
                for (r, zr) in z.iter_mut().enumerate() {
                    let o = i + 8 * r;
                    for (l, zl) in zr.iter_mut().enumerate() {
                        let (a, b) = ld(o + l);
                        *zl = T::fma(a, b, *zl);
                    }
                }
                i += 32;
            }
            for (ar, zr) in acc.iter_mut().zip(&z) {
                for (l, al) in ar.iter_mut().enumerate() {
                    *al = T::add(zr[l], zr[l + 4]);
                }
            }
        }
        fma16(&ld, i, n16, &mut acc);
        let mut v = [T::ZERO; 4];
        for (l, vl) in v.iter_mut().enumerate() {
            *vl = T::add(T::add(T::add(acc[1][l], acc[0][l]), acc[2][l]), acc[3][l]);
        }
        dot = T::add(T::add(v[0], v[2]), T::add(v[1], v[3]));
    }
    for i in n16..n {
        let (a, b) = ld(i);
        dot = T::fma(a, b, dot);
    }
    dot
}

/// `ddot_k_HASWELL` single-threaded (ddot_microk_haswell-2.c): the first
/// `n & !15` elements go to four 4-lane FMA accumulators (elements `16s +
/// 4r + l` to accumulator r, lane l); each is folded `lo + hi` to two
/// lanes, then `(r0 + r1) + (r2 + r3)`, then `lane0 + lane1`; the rest is
/// added in order, each product rounded before the addition.
#[inline(always)]
pub(crate) fn ddot_haswell_any<T: Lane>(a: &[T], b: &[T]) -> T {
    ddot_haswell_by(a.len().min(b.len()), |i| (a[i], b[i]))
}

/// [`ddot_haswell_any`] of `n` pairs, element i's pair given by `ld(i)`.
#[inline(always)]
fn ddot_haswell_by<T: Lane>(n: usize, ld: impl Fn(usize) -> (T, T)) -> T {
    let n16 = n & !15;
    let mut dot = T::ZERO;
    if n16 > 0 {
        let mut acc = [[T::ZERO; 4]; 4];
        fma16(&ld, 0, n16, &mut acc);
        let f = acc.map(|r| [T::add(r[0], r[2]), T::add(r[1], r[3])]);
        let s01 = [T::add(f[0][0], f[1][0]), T::add(f[0][1], f[1][1])];
        let s23 = [T::add(f[2][0], f[3][0]), T::add(f[2][1], f[3][1])];
        let s = [T::add(s01[0], s23[0]), T::add(s01[1], s23[1])];
        dot = T::add(s[0], s[1]);
    }
    // measured: the C tail is not contracted to FMA in the Haswell build
    for i in n16..n {
        let (a, b) = ld(i);
        dot = T::add(dot, T::mul(a, b));
    }
    dot
}

fma_dispatch! {
    pub(crate) fn ddot_skylakex(a: &[f64], b: &[f64]) -> f64 = ddot_skylakex_any;
}

fma_dispatch! {
    pub(crate) fn ddot_haswell(a: &[f64], b: &[f64]) -> f64 = ddot_haswell_any;
}

#[cfg(test)]
fma_dispatch! {
    /// Eight SkylakeX dots at once (lane u: `ddot_skylakex(a_u, b_u)`).
    pub(crate) fn ddot8_skylakex(a: &[L8], b: &[L8]) -> L8 = ddot_skylakex_any;
}

#[cfg(test)]
fma_dispatch! {
    /// Eight Haswell dots at once (lane u: `ddot_haswell(a_u, b_u)`).
    pub(crate) fn ddot8_haswell(a: &[L8], b: &[L8]) -> L8 = ddot_haswell_any;
}

/// The eight pairs of element i for one row `x` against eight rows `rows`:
/// `(x_i, row_i)` lane by lane, or with `diff` the difference `x_i - row_i`
/// twice (libsvm's rbf: the dot of `x - sv` with itself), each difference
/// computed as the materialized vector would hold it.
#[inline(always)]
fn row_pairs<'a>(x: &'a [f64], rows: &'a [L8], diff: bool) -> impl Fn(usize) -> (L8, L8) + 'a {
    move |i| {
        let (xv, r) = (x[i], rows[i]);
        if diff {
            let d = L8(r.0.map(|v| xv - v));
            (d, d)
        } else {
            (L8([xv; 8]), r)
        }
    }
}

#[inline(always)]
fn rows8_sx(x: &[f64], rows: &[L8], diff: bool) -> L8 {
    ddot_skylakex_by(x.len().min(rows.len()), row_pairs(x, rows, diff))
}

#[inline(always)]
fn rows8_hw(x: &[f64], rows: &[L8], diff: bool) -> L8 {
    ddot_haswell_by(x.len().min(rows.len()), row_pairs(x, rows, diff))
}

wide_dispatch! {
    /// Eight SkylakeX dots of `x` with eight rows (see [`row_pairs`]).
    pub(crate) fn rows8_skylakex(x: &[f64], rows: &[L8], diff: bool) -> L8 = rows8_sx;
}

wide_dispatch! {
    /// Eight Haswell dots of `x` with eight rows (see [`row_pairs`]).
    pub(crate) fn rows8_haswell(x: &[f64], rows: &[L8], diff: bool) -> L8 = rows8_hw;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_lanes_are_eight_scalar_dots() {
        let mut s = 7u64;
        let mut next = || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 2f64.powi(((s >> 3) % 30) as i32 - 15)
        };
        for n in [0usize, 1, 5, 15, 16, 17, 31, 32, 33, 47, 64, 100, 257] {
            let a: Vec<[f64; 8]> = (0..n).map(|_| std::array::from_fn(|_| next())).collect();
            let b: Vec<[f64; 8]> = (0..n).map(|_| std::array::from_fn(|_| next())).collect();
            let (la, lb): (Vec<L8>, Vec<L8>) = (
                a.iter().map(|v| L8(*v)).collect(),
                b.iter().map(|v| L8(*v)).collect(),
            );
            let (sx, hw) = (ddot8_skylakex(&la, &lb), ddot8_haswell(&la, &lb));
            for u in 0..8 {
                let au: Vec<f64> = a.iter().map(|v| v[u]).collect();
                let bu: Vec<f64> = b.iter().map(|v| v[u]).collect();
                assert_eq!(
                    sx.0[u].to_bits(),
                    ddot_skylakex(&au, &bu).to_bits(),
                    "n {n}"
                );
                assert_eq!(hw.0[u].to_bits(), ddot_haswell(&au, &bu).to_bits(), "n {n}");
                // one row against eight: broadcast and difference forms
                let x = &au;
                let bcast: Vec<L8> = x.iter().map(|&v| L8([v; 8])).collect();
                let diff: Vec<L8> = lb
                    .iter()
                    .zip(x)
                    .map(|(r, &v)| L8(r.0.map(|w| v - w)))
                    .collect();
                assert_eq!(rows8_skylakex(x, &lb, false), ddot8_skylakex(&bcast, &lb));
                assert_eq!(rows8_haswell(x, &lb, false), ddot8_haswell(&bcast, &lb));
                assert_eq!(rows8_skylakex(x, &lb, true), ddot8_skylakex(&diff, &diff));
                assert_eq!(rows8_haswell(x, &lb, true), ddot8_haswell(&diff, &diff));
                assert_eq!(
                    ddot_skylakex(&au, &bu).to_bits(),
                    ddot_skylakex_any(&au, &bu).to_bits()
                );
            }
        }
    }
}
