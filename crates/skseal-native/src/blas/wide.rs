//! SkylakeX's dgemm kernel (kernel/x86_64/dgemm_kernel_16x2_skylakex.c) on
//! calls wider than the driver's first column chunks.
//!
//! The kernel takes rows of A (the M dimension: columns of `X @ C.T`) 16,
//! 8, 4, 2 and 1 at a time, and columns of B (samples) 12, 10, 8, 6, 4, 2
//! and 1 at a time. Every element is one chain of fused multiply-adds in K
//! order (what [`super::blocked`] computes), except in a 12-column group:
//! there the four-row tail (`KERNEL_k1m4n12`) runs two chains, even and odd
//! K steps, adds them (`even + odd`) and chains the last odd step on; the
//! two-row and one-row tails (`KERNEL_k1m2n12`, `KERNEL_k1m1n12`) run four
//! chains by K mod 4, add them as `(p0 + p1) + (p2 + p3)` and chain the
//! last K mod 4 steps on; each only when the call's K block has at least 2
//! (4) steps.
//!
//! Where it packs B, the driver (the generic level3.c / level3_thread.c of
//! a DYNAMIC_ARCH build) hands the kernel at most 6 columns at a time
//! (`min_jj`), so 12-column groups occur only in calls on B packed before:
//! each M block after a thread's first (`min_i` of the rows left: `GEMM_P`
//! from twice that, else half of them rounded up to 16; the threaded
//! driver's later blocks halve `rest + 1`), over all the columns of the
//! step (serial) or over each region of B in the thread's group, `div_n`
//! (half the region, rounded up) columns per call; and in a threaded
//! product the first M block over the regions other threads packed.
//! Measured on numpy 2.4.6's OpenBLAS 0.3.31: `X @ C.T` of 104 x 6 rows by
//! 300 x 6 differed from this module's model before it in the 4 last
//! columns (the second M block's 4-row tail), every row of a 12-column
//! group.

use super::fma_dot_any;

/// SkylakeX's DGEMM_DEFAULT_UNROLL_M: the kernel's row groups.
const U: usize = 16;

/// How a tail row's chains run in a 12-column group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Split {
    /// even and odd K steps (four-row tail)
    Two,
    /// K mod 4 (two-row and one-row tails)
    Four,
}

/// Output cells a kernel call computes with split chains: M rows
/// `rows.0..rows.1` (columns of the product) for samples `cols.0..cols.1`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Cells {
    pub rows: (usize, usize),
    pub cols: (usize, usize),
    pub split: Split,
}

/// How the driver splits one product (the plan's decisions).
pub(super) struct Layout {
    /// M (rows of A)
    pub m: usize,
    /// N (columns of B: samples)
    pub n: usize,
    /// threads over M, and over M and N together (1 and 1 when serial)
    pub ntm: usize,
    pub threads: usize,
    /// SWITCH_RATIO and GEMM_R
    pub switch_ratio: usize,
    pub r: usize,
    /// GEMM_P, GEMM_UNROLL_M and GEMM_UNROLL_N of the core
    pub p: usize,
    pub unroll_m: usize,
    pub unroll_n: usize,
    /// the rounding of partitions when M is split over threads
    pub preferred: usize,
}

/// One kernel call: M rows `m.0..m.0 + m.1` by columns `n.0..n.0 + n.1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Call {
    pub m: (usize, usize),
    pub n: (usize, usize),
}

/// The cells of a product that SkylakeX's kernel computes with split
/// chains (module docs).
pub(super) fn split_cells(l: &Layout) -> Vec<Cells> {
    let mut out = Vec::new();
    for c in calls(l) {
        add_call(&mut out, c.m, c.n);
    }
    out
}

/// Haswell's single-column cells (KERNEL4x1, four accumulators) when the
/// threaded driver splits M: the last column of each odd-width call, for
/// the call's rows in groups of four; (rows, column).
pub(super) fn single_cells(l: &Layout) -> Vec<((usize, usize), usize)> {
    calls(l)
        .into_iter()
        .filter(|c| c.n.1 % 2 == 1 && c.m.1 >= 4)
        .map(|c| ((c.m.0, c.m.0 + (c.m.1 & !3)), c.n.0 + c.n.1 - 1))
        .collect()
}

/// Every kernel call of the product, in the drivers' order (module docs).
/// The rounding of the threaded partitions ([`Layout::preferred`]) was
/// measured on numpy's OpenBLAS 0.3.31 with two threads splitting M: 104,
/// 90, 140 or 200 columns put the second region at 64, 48, 80 or 112 on
/// SkylakeX (half, rounded up to 16), 85, 77 and 101 columns at 48, 40 and
/// 56 on Haswell (to 8); when only N is split, at half exactly (150 of
/// 300, 135 of 270, 167 of 333).
pub(super) fn calls(l: &Layout) -> Vec<Call> {
    let mut out = Vec::new();
    let narrow = |js: usize, je: usize, out: &mut Vec<Call>, m: (usize, usize)| {
        for n in narrow_chunks(js, je, l.unroll_n) {
            out.push(Call { m, n });
        }
    };
    if l.threads <= 1 {
        let mut js = 0;
        while js < l.n {
            let w = (l.n - js).min(l.r);
            for (b, &mb) in m_blocks(l, 0, l.m, false).iter().enumerate() {
                if b == 0 {
                    narrow(js, js + w, &mut out, mb);
                } else {
                    out.push(Call { m: mb, n: (js, w) });
                }
            }
            js += w;
        }
        return out;
    }
    let ntm = l.ntm.max(1);
    let ntn = (l.threads / ntm).max(1);
    let m_ranges = partition(l.m, ntm, 0, l.preferred);
    let round_n = if ntm > 1 { l.preferred } else { 1 };
    let mut js = 0;
    while js < l.n {
        let step = (l.n - js).min(l.r * l.threads);
        let regions: Vec<(usize, usize)> = partition(step, l.threads, l.switch_ratio, round_n)
            .into_iter()
            .map(|(a, b)| (js + a, js + b))
            .collect();
        for t_n in 0..ntn {
            for (t_m, &(m_from, m_to)) in m_ranges.iter().enumerate() {
                let mypos = t_n * ntm + t_m;
                for (b, &mb) in m_blocks(l, m_from, m_to, true).iter().enumerate() {
                    for q in t_n * ntm..(t_n + 1) * ntm {
                        let Some(&(a, e)) = regions.get(q) else {
                            continue;
                        };
                        let div_n = (e - a).div_ceil(2).max(1);
                        let mut c = a;
                        while c < e {
                            let w = div_n.min(e - c);
                            // the first block over the thread's own region
                            // packs B: narrow calls
                            if b == 0 && q == mypos {
                                narrow(c, c + w, &mut out, mb);
                            } else {
                                out.push(Call { m: mb, n: (c, w) });
                            }
                            c += w;
                        }
                    }
                }
            }
        }
        js += step;
    }
    out
}

/// The column chunks (start, width) the driver hands the kernel where it
/// packs B, over columns `from..to`: `min_jj` of the generic driver,
/// 3 x GEMM_UNROLL_N while that many remain, else GEMM_UNROLL_N, else the
/// rest.
pub(super) fn narrow_chunks(from: usize, to: usize, unroll_n: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut j = from;
    while j < to {
        let rest = to - j;
        let w = if rest >= 3 * unroll_n {
            3 * unroll_n
        } else if rest > unroll_n {
            unroll_n
        } else {
            rest
        };
        out.push((j, w));
        j += w;
    }
    out
}

/// `len` split into `parts` ranges as the threaded driver partitions M and
/// (a step of) N: each the rest over the parts left, at least `min` when
/// above 1 (N's switch ratio), rounded up to a multiple of `round` as
/// `round_up` does (not when `round` exceeds the rest or the width).
fn partition(len: usize, parts: usize, min: usize, round: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut from, mut left) = (0usize, len);
    let mut part = 0usize;
    while left > 0 && part < parts {
        let mut w = left.div_ceil(parts - part);
        if w < min && w > 1 {
            w = min;
        }
        if !(round > left || w <= round) {
            w = w.div_ceil(round) * round;
        }
        let w = w.min(left);
        out.push((from, from + w));
        from += w;
        left -= w;
        part += 1;
    }
    out
}

/// The M blocks (start, rows) of one thread's rows `from..to`: GEMM_P
/// from twice that, else half (the threaded driver's later blocks: half of
/// one more) rounded up to GEMM_UNROLL_M, else the rest.
fn m_blocks(l: &Layout, from: usize, to: usize, threaded: bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut is = from;
    while is < to {
        let rest = to - is;
        let mi = if rest >= 2 * l.p {
            l.p
        } else if rest > l.p {
            let half = if threaded && !out.is_empty() {
                rest.div_ceil(2)
            } else {
                rest / 2
            };
            half.div_ceil(l.unroll_m) * l.unroll_m
        } else {
            rest
        };
        out.push((is, mi));
        is += mi;
    }
    out
}

/// The cells of one wide call: the block's tail rows by the call's
/// 12-column groups.
fn add_call(out: &mut Vec<Cells>, (is, mi): (usize, usize), (js, w): (usize, usize)) {
    let groups = w / 12;
    if groups == 0 {
        return;
    }
    let rem = mi % U;
    let mut pos = is + mi - rem;
    if rem & 8 != 0 {
        pos += 8;
    }
    let cols = (js, js + 12 * groups);
    for (bit, split) in [(4, Split::Two), (2, Split::Four), (1, Split::Four)] {
        if rem & bit != 0 {
            out.push(Cells {
                rows: (pos, pos + bit),
                cols,
                split,
            });
            pos += bit;
        }
    }
}

/// One element as a split kernel computes it: per K block (`blocks`) the
/// split chains from 0, added, the remaining steps chained on, then added
/// to the element (zeroed first).
pub(super) fn element(a: &[f64], b: &[f64], blocks: &[(usize, usize)], split: Split) -> f64 {
    let mut c = 0.0f64;
    for &(s, l) in blocks {
        let (a, b) = (&a[s..s + l], &b[s..s + l]);
        let lanes = match split {
            Split::Two => 2,
            Split::Four => 4,
        };
        if l < lanes {
            c += fma_dot_any(a, b);
            continue;
        }
        let main = l - l % lanes;
        let mut p = [0.0f64; 4];
        for t in 0..main {
            p[t % lanes] = a[t].mul_add(b[t], p[t % lanes]);
        }
        let mut acc = match split {
            Split::Two => p[0] + p[1],
            Split::Four => (p[0] + p[1]) + (p[2] + p[3]),
        };
        for t in main..l {
            acc = a[t].mul_add(b[t], acc);
        }
        c += acc;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_measured_product_has_its_four_row_tail_split() {
        // 300 rows of A: blocks 160 and 140 (8 x 16 + 8 + 4): rows 296..300
        // over the 8 twelve-column groups of 104 samples
        let serial = |m: usize| Layout {
            m,
            n: 104,
            ntm: 1,
            threads: 1,
            switch_ratio: 8,
            r: 13_824,
            p: 192,
            unroll_m: 16,
            unroll_n: 2,
            preferred: 16,
        };
        let cells = split_cells(&serial(300));
        assert_eq!(
            cells,
            vec![Cells {
                rows: (296, 300),
                cols: (0, 96),
                split: Split::Two
            }]
        );
        // 192 rows: one block, narrow calls only
        assert!(split_cells(&serial(192)).is_empty());
        // 305: the second block's tail is one row
        let c = split_cells(&serial(305));
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].rows, c[0].split), ((304, 305), Split::Four));
        // two threads over M (104 samples, measured): M 0..160 and 160..300,
        // columns 0..64 and 64..104; the second thread's tail over the first
        // thread's region, 32 columns a call
        let c = split_cells(&Layout {
            threads: 2,
            ntm: 2,
            ..serial(300)
        });
        let four: Vec<(usize, usize)> = c
            .iter()
            .filter(|x| x.rows == (296, 300))
            .map(|x| x.cols)
            .collect();
        assert_eq!(four, vec![(0, 24), (32, 56)]);
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn split_chains() {
        let a = [1.0, 1e16, -1e16, 3.0, 0.5, 7.0];
        let b = [1.0, 2.0, 1.0, 0.25, 1.0, -1.0];
        let f = |x: f64, y: f64, acc: f64| x.mul_add(y, acc);
        // two chains over the first 4 steps, the fifth chained on
        let (e, o) = (
            f(a[2], b[2], f(a[0], b[0], 0.0)),
            f(a[3], b[3], f(a[1], b[1], 0.0)),
        );
        assert_eq!(
            element(&a[..5], &b[..5], &[(0, 5)], Split::Two),
            f(a[4], b[4], e + o)
        );
        // four chains, then steps 4 and 5 chained on
        let p: Vec<f64> = (0..4).map(|t| f(a[t], b[t], 0.0)).collect();
        let four = f(a[5], b[5], f(a[4], b[4], (p[0] + p[1]) + (p[2] + p[3])));
        assert_eq!(element(&a, &b, &[(0, 6)], Split::Four), four);
        // fewer steps than chains: one chain; K blocks added
        assert_eq!(
            element(&a[..3], &b[..3], &[(0, 3)], Split::Four),
            fma_dot_any(&a[..3], &b[..3])
        );
        let blocks = [(0, 2), (2, 4)];
        let two = element(&a, &b, &blocks, Split::Two);
        let first = a[0].mul_add(b[0], 0.0) + a[1].mul_add(b[1], 0.0);
        let (e, o) = (
            f(a[4], b[4], f(a[2], b[2], 0.0)),
            f(a[5], b[5], f(a[3], b[3], 0.0)),
        );
        assert_eq!(two, (0.0 + first) + (e + o));
    }
}
