//! Products through packed panels: C's rows eight at a time ([`pack8`]),
//! X's rows four or eight at a time ([`pack_rows`]), each lane its own chain
//! of fused multiply-adds in `blocked`'s order, so every element is the
//! one-element kernel's bit for bit; rows split over the cores for large
//! products ([`par_rows`]).

use rayon::prelude::*;

use super::blocked;
use crate::fma::wide_dispatch;

/// Rows of the output computed in parallel for large products; each element
/// depends only on its row and column, so the split does not change results.
/// `depth`: multiply-adds per element (the inner dimension); below about a
/// million in all, one thread is faster than splitting.
pub(super) fn par_rows(
    out: &mut [f64],
    chunk: usize,
    depth: usize,
    f: impl Fn(usize, &mut [f64]) + Sync,
) {
    let chunk = chunk.max(1);
    if out.len().saturating_mul(depth.max(1)) < 1 << 20 {
        for (i, rows) in out.chunks_mut(chunk).enumerate() {
            f(i, rows);
        }
    } else {
        out.par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(i, rows)| f(i, rows));
    }
}

/// C's rows packed eight at a time for [`blocked8`]: group g holds rows
/// `8g..8g + 8`, lane u of step t being row `8g + u`'s element t (the
/// last rows, fewer than eight, are left out).
pub(crate) fn pack8(c: &[f64], k: usize, d: usize) -> Vec<f64> {
    let groups = k / 8;
    let mut panel = vec![0.0; groups * 8 * d];
    for (g, p) in panel.chunks_mut(8 * d.max(1)).enumerate() {
        for u in 0..8 {
            let row = &c[(8 * g + u) * d..(8 * g + u + 1) * d];
            for (t, v) in row.iter().enumerate() {
                p[t * 8 + u] = *v;
            }
        }
    }
    panel
}

/// Every element `blocked(x_i, c_j, blocks, single(i) && j < four)` of the
/// n x k output, eight of a row at a time through `panel` (from [`pack8`],
/// or empty) where `single(i)` is false: each lane keeps its own chain in
/// `blocked`'s order, so the values are the same.
pub(super) fn blocked_rows(
    (x, c, panel): (&[f64], &[f64], &[f64]),
    (n, k, d): (usize, usize, usize),
    blocks: &[(usize, usize)],
    single: impl Fn(usize) -> bool + Sync,
    four: usize,
    out: &mut [f64],
) {
    let groups = if d > 0 && panel.len() == (k / 8) * 8 * d {
        k / 8
    } else {
        0
    };
    let xrow = |i: usize| &x[i * d..(i + 1) * d];
    let one_row = |i: usize, row: &mut [f64]| {
        let single = single(i);
        let xr = xrow(i);
        let mut from = 0;
        if !single {
            for (g, p) in panel.chunks(8 * d.max(1)).enumerate().take(groups) {
                row[8 * g..8 * g + 8].copy_from_slice(&blocked8(xr, p, blocks));
            }
            from = 8 * groups;
        }
        for (j, o) in row.iter_mut().enumerate().skip(from) {
            *o = blocked(xr, &c[j * d..(j + 1) * d], blocks, single && j < four);
        }
    };
    // R rows at a time where none takes the single-column kernel: R
    // independent chains per panel step keep the FMA units busy (eight with
    // AVX-512's 32 registers, four otherwise)
    fn rows_r<const R: usize>(
        quad: &mut [f64],
        i0: usize,
        (k, d, groups): (usize, usize, usize),
        (x, c, panel): (&[f64], &[f64], &[f64]),
        blocks: &[(usize, usize)],
    ) {
        let xs: [&[f64]; R] = std::array::from_fn(|r| &x[(i0 + r) * d..(i0 + r + 1) * d]);
        let xp = pack_rows(&xs, d);
        for (g, p) in panel.chunks(8 * d).enumerate().take(groups) {
            let mut store = |v: &[[f64; 8]]| {
                for (r, vr) in v.iter().enumerate() {
                    quad[r * k + 8 * g..r * k + 8 * g + 8].copy_from_slice(vr);
                }
            };
            if R == 8 {
                store(&blocked8x8(&xp, p, blocks));
            } else {
                store(&blocked8x4(&xp, p, blocks));
            }
        }
        for (r, xr) in xs.iter().enumerate() {
            for j in 8 * groups..k {
                quad[r * k + j] = blocked(xr, &c[j * d..(j + 1) * d], blocks, false);
            }
        }
    }
    let wide = crate::fma::wide_available();
    let rr = if wide { 8 } else { 4 };
    par_rows(out, rr * k, d, |q, quad| {
        let i0 = rr * q;
        let rows = quad.len() / k.max(1);
        if rows == rr && groups > 0 && !(0..rr).any(|r| single(i0 + r)) {
            let dims = (k, d, groups);
            if wide {
                rows_r::<8>(quad, i0, dims, (x, c, panel), blocks);
            } else {
                rows_r::<4>(quad, i0, dims, (x, c, panel), blocks);
            }
        } else {
            for (r, row) in quad.chunks_mut(k.max(1)).enumerate() {
                one_row(i0 + r, row);
            }
        }
    });
    debug_assert!(n == 0 || out.len() == n * k);
}

/// [`blocked_any`] (without `four`) for eight rows of C at once, packed as
/// `panel[t * 8 + u]` = row u's element t: lane u is row u's own chain of
/// fused multiply-adds, so each result is `blocked`'s bit for bit.
#[inline(always)]
fn blocked8_any(a: &[f64], panel: &[f64], blocks: &[(usize, usize)]) -> [f64; 8] {
    let mut c = [0.0f64; 8];
    for &(s, l) in blocks {
        let mut acc = [0.0f64; 8];
        for (t, &av) in a.iter().enumerate().skip(s).take(l) {
            let p = &panel[t * 8..t * 8 + 8];
            for u in 0..8 {
                acc[u] = av.mul_add(p[u], acc[u]);
            }
        }
        for u in 0..8 {
            c[u] += acc[u];
        }
    }
    c
}

wide_dispatch! {
    pub(super) fn blocked8(a: &[f64], panel: &[f64], blocks: &[(usize, usize)]) -> [f64; 8] = blocked8_any;
}

/// R rows of X packed for [`blocked8xr_any`]: `xp[t * R + r]` = row r's
/// element t, so that a step reads its R values from one place.
pub(crate) fn pack_rows(rows: &[&[f64]], d: usize) -> Vec<f64> {
    let r_n = rows.len();
    let mut xp = vec![0.0; r_n * d];
    for (r, row) in rows.iter().enumerate() {
        for (t, v) in row.iter().take(d).enumerate() {
            xp[t * r_n + r] = *v;
        }
    }
    xp
}

/// [`blocked8_any`] for R rows of X at once (the same panel), the rows
/// packed by [`pack_rows`]: 8R independent chains, each `blocked`'s bit for
/// bit.
#[inline(always)]
fn blocked8xr_any<const R: usize>(
    xp: &[f64],
    panel: &[f64],
    blocks: &[(usize, usize)],
) -> [[f64; 8]; R] {
    let mut c = [[0.0f64; 8]; R];
    for &(s, l) in blocks {
        let mut acc = [[0.0f64; 8]; R];
        let (xs, ps) = (&xp[s * R..(s + l) * R], &panel[s * 8..(s + l) * 8]);
        for (xa, p) in xs.chunks_exact(R).zip(ps.chunks_exact(8)) {
            for (ar, &av) in acc.iter_mut().zip(xa) {
                for u in 0..8 {
                    ar[u] = av.mul_add(p[u], ar[u]);
                }
            }
        }
        for (cr, ar) in c.iter_mut().zip(&acc) {
            for u in 0..8 {
                cr[u] += ar[u];
            }
        }
    }
    c
}

#[inline(always)]
fn blocked8x4_any(xp: &[f64], panel: &[f64], blocks: &[(usize, usize)]) -> [[f64; 8]; 4] {
    blocked8xr_any::<4>(xp, panel, blocks)
}

#[inline(always)]
fn blocked8x8_any(xp: &[f64], panel: &[f64], blocks: &[(usize, usize)]) -> [[f64; 8]; 8] {
    blocked8xr_any::<8>(xp, panel, blocks)
}

wide_dispatch! {
    pub(super) fn blocked8x4(xp: &[f64], panel: &[f64], blocks: &[(usize, usize)]) -> [[f64; 8]; 4] = blocked8x4_any;
}

wide_dispatch! {
    pub(super) fn blocked8x8(xp: &[f64], panel: &[f64], blocks: &[(usize, usize)]) -> [[f64; 8]; 8] = blocked8x8_any;
}
