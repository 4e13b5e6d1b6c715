//! Products through packed panels: C's rows eight at a time ([`pack8`]),
//! X's rows four or eight at a time, read where they are, each lane its own chain
//! of fused multiply-adds in `blocked`'s order, so every element is the
//! one-element kernel's bit for bit; rows split over the cores for large
//! products ([`par_rows`]).

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
        crate::par::for_chunks_mut(out, chunk, || (), |_, i, rows| f(i, rows));
    }
}

/// What [`blocked_rows`] does to each value as it stores it: `+= bias[j]`
/// for column j, then relu (`np.maximum(v, 0)`: NaN stays, -0.0 stays), or
/// nothing. The same operations as a pass over the stored product
/// afterwards (scikit-learn's `activation += intercepts_[i]` and its
/// activation), done while the values are still in registers.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Post<'a> {
    /// one value per column of the product, or none
    pub bias: Option<&'a [f64]>,
    pub relu: bool,
}

impl Post<'_> {
    #[inline(always)]
    pub(super) fn one(&self, j: usize, v: f64) -> f64 {
        let v = match self.bias {
            Some(b) => v + b[j],
            None => v,
        };
        relu_if(self.relu, v)
    }

    /// The eight columns `8g..8g + 8` for the kernels.
    #[inline(always)]
    fn eight(&self, g: usize) -> Post8 {
        let mut bias = [0.0; 8];
        if let Some(b) = self.bias {
            bias.copy_from_slice(&b[8 * g..8 * g + 8]);
        }
        Post8 {
            bias,
            add: self.bias.is_some(),
            relu: self.relu,
        }
    }
}

/// [`Post`] for eight columns, by value for the kernels.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Post8 {
    bias: [f64; 8],
    add: bool,
    relu: bool,
}

impl Post8 {
    #[inline(always)]
    fn apply(&self, v: &[f64; 8], out: &mut [f64]) {
        for u in 0..8 {
            let w = if self.add { v[u] + self.bias[u] } else { v[u] };
            out[u] = relu_if(self.relu, w);
        }
    }
}

/// `np.maximum(v, 0)` where `on` (a select, not a branch: signs are random).
#[inline(always)]
fn relu_if(on: bool, v: f64) -> f64 {
    if on && v < 0.0 {
        0.0
    } else {
        v
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

/// Rows of the output per task of [`blocked_rows`]: 16 groups of eight or
/// four.
const GROUPS_PER_TASK: usize = 16;

/// Every element `post(blocked(x_i, c_j, blocks, single(i) && j < four))`
/// of the n x k output, eight of a row at a time through `panel` (from
/// [`pack8`], or empty) where `single(i)` is false: each lane keeps its own
/// chain in `blocked`'s order, so the values are the same. Every element of
/// `out` is written.
pub(super) fn blocked_rows(
    (x, c, panel): (&[f64], &[f64], &[f64]),
    (n, k, d): (usize, usize, usize),
    blocks: &[(usize, usize)],
    (single, four): (impl Fn(usize) -> bool + Sync, usize),
    post: Post<'_>,
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
                post.eight(g)
                    .apply(&blocked8(xr, p, blocks), &mut row[8 * g..8 * g + 8]);
            }
            from = 8 * groups;
        }
        for (j, o) in row.iter_mut().enumerate().skip(from) {
            *o = post.one(
                j,
                blocked(xr, &c[j * d..(j + 1) * d], blocks, single && j < four),
            );
        }
    };
    // R rows at a time where none takes the single-column kernel: R
    // independent chains per panel step keep the FMA units busy (eight with
    // AVX-512's 32 registers, four otherwise)
    let r_rows = |r_n: usize, rows: &mut [f64], i0: usize| {
        let xr = (&x[i0 * d..(i0 + r_n) * d], d);
        for (g, p) in panel.chunks(8 * d).enumerate().take(groups) {
            let dst = (&mut rows[8 * g..], k);
            if r_n == 8 {
                blocked8x8(xr, p, blocks, dst, post.eight(g));
            } else {
                blocked8x4(xr, p, blocks, dst, post.eight(g));
            }
        }
        for r in 0..r_n {
            let xr = xrow(i0 + r);
            for j in 8 * groups..k {
                rows[r * k + j] = post.one(j, blocked(xr, &c[j * d..(j + 1) * d], blocks, false));
            }
        }
    };
    let rr = if crate::fma::wide_available() { 8 } else { 4 };
    let task = rr * GROUPS_PER_TASK;
    par_rows(out, task * k, d, |t, rows| {
        for (q, quad) in rows.chunks_mut(rr * k.max(1)).enumerate() {
            let i0 = t * task + q * rr;
            let r_n = quad.len() / k.max(1);
            if r_n == rr && groups > 0 && !(0..rr).any(|r| single(i0 + r)) {
                r_rows(rr, quad, i0);
            } else {
                for (r, row) in quad.chunks_mut(k.max(1)).enumerate() {
                    one_row(i0 + r, row);
                }
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

/// [`blocked8_any`] for R rows of X at once (the same panel), the rows
/// read where they are (`x`: R rows of length `d`, row-major): 8R
/// independent chains, each `blocked`'s bit for bit, stored through `post`
/// at `out[r * stride..r * stride + 8]`.
#[inline(always)]
fn blocked8xr_any<const R: usize>(
    (x, d): (&[f64], usize),
    panel: &[f64],
    blocks: &[(usize, usize)],
    (out, stride): (&mut [f64], usize),
    post: Post8,
) {
    let mut c = [[0.0f64; 8]; R];
    for &(s, l) in blocks {
        let mut acc = [[0.0f64; 8]; R];
        let xs: [&[f64]; R] = std::array::from_fn(|r| &x[r * d + s..r * d + s + l]);
        let ps = &panel[s * 8..(s + l) * 8];
        for t in 0..l {
            let p = &ps[t * 8..t * 8 + 8];
            for (ar, xr) in acc.iter_mut().zip(&xs) {
                let av = xr[t];
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
    for (r, cr) in c.iter().enumerate() {
        post.apply(cr, &mut out[r * stride..r * stride + 8]);
    }
}

#[inline(always)]
pub(super) fn blocked8x4_any(
    x: (&[f64], usize),
    panel: &[f64],
    blocks: &[(usize, usize)],
    out: (&mut [f64], usize),
    post: Post8,
) {
    blocked8xr_any::<4>(x, panel, blocks, out, post)
}

#[inline(always)]
fn blocked8x8_any(
    x: (&[f64], usize),
    panel: &[f64],
    blocks: &[(usize, usize)],
    out: (&mut [f64], usize),
    post: Post8,
) {
    blocked8xr_any::<8>(x, panel, blocks, out, post)
}

wide_dispatch! {
    fn blocked8x4_wide(x: (&[f64], usize), panel: &[f64], blocks: &[(usize, usize)], out: (&mut [f64], usize), post: Post8) = blocked8x4_any;
}

/// [`blocked8x4_any`]: the AVX-512 copy where the CPU has it, else
/// [`blocked8x4_avx`] where it has AVX and FMA (compiled from the portable
/// code, the FMA copy spilled its 32 lanes to the stack: 40% of an MLP
/// batch's samples on an AVX2 machine), else the portable code.
pub(super) fn blocked8x4(
    x: (&[f64], usize),
    panel: &[f64],
    blocks: &[(usize, usize)],
    out: (&mut [f64], usize),
    post: Post8,
) {
    #[cfg(target_arch = "x86_64")]
    if !crate::fma::wide_available() && avx_fma() {
        // SAFETY: `blocked8x4_avx` needs the avx and fma target features,
        // both detected on this CPU by `avx_fma`.
        unsafe { blocked8x4_avx(x, panel, blocks, out, post) };
        return;
    }
    blocked8x4_wide(x, panel, blocks, out, post)
}

/// The CPU has AVX and FMA (checked once).
#[cfg(target_arch = "x86_64")]
pub(super) fn avx_fma() -> bool {
    static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *HAS.get_or_init(|| std::is_x86_feature_detected!("avx") && crate::fma::available())
}

/// [`blocked8x4_any`] written with AVX intrinsics: per step t, the panel's
/// eight values in two registers and each row's `x[t]` broadcast, so each
/// lane is the same chain of fused multiply-adds (`fma(x, p, acc)`), then
/// the same `c += acc` per K block: the same bits. Sixteen registers hold
/// the eight accumulators, the panel and the broadcast without a spill.
/// Panics where [`blocked8x4_any`] would (a row or the panel too short).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx,fma")]
pub(super) fn blocked8x4_avx(
    (x, d): (&[f64], usize),
    panel: &[f64],
    blocks: &[(usize, usize)],
    (out, stride): (&mut [f64], usize),
    post: Post8,
) {
    use std::arch::x86_64::{
        __m256d, _mm256_add_pd, _mm256_fmadd_pd, _mm256_loadu_pd, _mm256_set1_pd,
        _mm256_setzero_pd, _mm256_storeu_pd,
    };
    let zero = _mm256_setzero_pd();
    let mut c: [[__m256d; 2]; 4] = [[zero; 2]; 4];
    for &(s, l) in blocks {
        let row = |r: usize| &x[r * d + s..r * d + s + l];
        let (x0, x1, x2, x3) = (row(0), row(1), row(2), row(3));
        let ps = &panel[s * 8..(s + l) * 8];
        let mut acc: [[__m256d; 2]; 4] = [[zero; 2]; 4];
        let steps = ps.chunks_exact(8).zip(x0).zip(x1).zip(x2).zip(x3);
        for ((((p, &a0), &a1), &a2), &a3) in steps {
            let (lo, hi) = p.split_at(4);
            // SAFETY: `lo` and `hi` each hold four f64 (a chunk of exactly
            // eight, split at 4); unaligned loads.
            let (p0, p1) = unsafe { (_mm256_loadu_pd(lo.as_ptr()), _mm256_loadu_pd(hi.as_ptr())) };
            for (ar, a) in acc.iter_mut().zip([a0, a1, a2, a3]) {
                let a = _mm256_set1_pd(a);
                ar[0] = _mm256_fmadd_pd(a, p0, ar[0]);
                ar[1] = _mm256_fmadd_pd(a, p1, ar[1]);
            }
        }
        for (cr, ar) in c.iter_mut().zip(&acc) {
            cr[0] = _mm256_add_pd(cr[0], ar[0]);
            cr[1] = _mm256_add_pd(cr[1], ar[1]);
        }
    }
    for (r, cr) in c.iter().enumerate() {
        let mut v = [0.0f64; 8];
        let (lo, hi) = v.split_at_mut(4);
        // SAFETY: `lo` and `hi` each hold four f64; unaligned stores.
        unsafe {
            _mm256_storeu_pd(lo.as_mut_ptr(), cr[0]);
            _mm256_storeu_pd(hi.as_mut_ptr(), cr[1]);
        }
        post.apply(&v, &mut out[r * stride..r * stride + 8]);
    }
}

wide_dispatch! {
    pub(super) fn blocked8x8(x: (&[f64], usize), panel: &[f64], blocks: &[(usize, usize)], out: (&mut [f64], usize), post: Post8) = blocked8x8_any;
}
