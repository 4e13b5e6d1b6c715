//! One row through all of a LightGBM model's trees at once (AVX2).
//!
//! A row alone gives a tree walk nothing to overlap; walking 32 trees
//! together does. Each register holds four trees (64-bit lanes, since
//! LightGBM compares in double).
//!
//! `NumericalDecision` is made once per feature, not per node: NaN becomes
//! 0.0 unless the missing type is NaN, a missing value (zero for type Zero,
//! NaN for type NaN) goes to the default child, else `value <= threshold`
//! goes left. So the row is first written in five versions, one per
//! (missing type, default direction): its value with NaN made 0.0 (type
//! None), and for the other four the value with a missing one replaced by
//! -infinity (default left: `-inf <= threshold` for any threshold) or NaN
//! (default right: `NaN <= threshold` is false). Each split reads the
//! version of its type, so a step is three gathers (node, threshold,
//! value) and one `<=`. The trees are grouped by depth; a group steps as
//! many times as its deepest tree, and a leaf steps to itself. The same
//! decisions as the scalar walk, so the same leaves.

use super::{Flat, LNode, Walk, DEFAULT_LEFT};

/// Trees walked together: eight registers of four.
const TREES: usize = 32;

/// The row's versions, one per (missing type, default direction).
const VERSIONS: usize = 5;

/// The five versions of the row `x` (its first `width` values), each
/// `width` long, into `out`.
fn versions(x: &[f64], width: usize, out: &mut Vec<f64>) {
    use super::K_ZERO;
    out.clear();
    out.resize(VERSIONS * width, 0.0);
    for (f, &v) in x.iter().take(width).enumerate() {
        let nan = v.is_nan();
        let x0 = if nan { 0.0 } else { v };
        let zero = (-K_ZERO..=K_ZERO).contains(&x0);
        let pick = |missing: bool, dl: bool, v: f64| match (missing, dl) {
            (true, true) => f64::NEG_INFINITY,
            (true, false) => f64::NAN,
            _ => v,
        };
        out[f] = x0;
        out[width + f] = pick(zero, true, x0);
        out[2 * width + f] = pick(zero, false, x0);
        out[3 * width + f] = pick(nan, true, v);
        out[4 * width + f] = pick(nan, false, v);
    }
}

/// The flattened trees' nodes as the gathers read them, when every tree is
/// flattened (numerical splits, no linear leaves).
pub(super) struct RowWalk {
    /// per node, each tree's nodes in breadth-first order so that a split's
    /// children are adjacent: where its value is in the row's versions
    /// (version * width + feature), and the left child's index << 32 (the
    /// right child is the next node). A leaf is its own left child, with a
    /// threshold of infinity, which every version-0 value goes left of.
    node: Vec<u64>,
    /// per node: threshold (infinity for a leaf)
    threshold: Vec<f64>,
    /// per node: a leaf's value
    value: Vec<f64>,
    /// the trees from shallowest to deepest (so a group's trees take about
    /// as many steps each), padded to a multiple of [`TREES`] with a leaf:
    /// their roots, and which tree each is
    root: Vec<i64>,
    tree: Vec<usize>,
    /// per group of [`TREES`] trees: the steps that take each to its leaf
    steps: Vec<usize>,
    /// every split's feature is below it
    width: usize,
}

impl RowWalk {
    /// The walk of `flat`'s trees, or None when one is not flattened or
    /// the arrays would not fit the gathers' indices.
    pub(super) fn new(flat: &Flat, width: usize) -> Option<RowWalk> {
        let n = flat.nodes.len();
        if n.checked_add(1)? >= i32::MAX as usize || width.checked_mul(VERSIONS)? >= 1 << 31 {
            return None;
        }
        let mut w = RowWalk {
            node: Vec::with_capacity(n + 1),
            threshold: Vec::with_capacity(n + 1),
            value: Vec::with_capacity(n + 1),
            root: Vec::new(),
            tree: Vec::new(),
            steps: Vec::new(),
            width,
        };
        let mut depths = Vec::with_capacity(flat.walks.len());
        for walk in &flat.walks {
            let Walk::Flat { first, len, splits } = *walk else {
                return None;
            };
            let nodes = flat.nodes.get(first..first + len)?;
            depths.push(depth(nodes, splits)?);
            // breadth first: (node of the tree, its place)
            let start = w.node.len();
            w.root.push(start as i64);
            let mut queue = std::collections::VecDeque::from([0usize]);
            let mut placed = 1;
            let mut seen = 0;
            while let Some(i) = queue.pop_front() {
                seen += 1;
                if seen > len {
                    return None;
                }
                let nd = nodes.get(i)?;
                let here = w.node.len() as u64;
                if i < splits {
                    let version = match (nd.missing & 3, nd.missing & DEFAULT_LEFT != 0) {
                        (1, true) => 1,
                        (1, false) => 2,
                        (2, true) => 3,
                        (2, false) => 4,
                        _ => 0,
                    };
                    let left = (start + placed) as u64;
                    placed += 2;
                    w.node
                        .push((version * width + nd.feature as usize) as u64 | left << 32);
                    w.threshold.push(nd.value);
                    w.value.push(0.0);
                    queue.extend(nd.children.map(|c| c as usize));
                } else {
                    w.node.push(here << 32);
                    w.threshold.push(f64::INFINITY);
                    w.value.push(nd.value);
                }
            }
            if placed != w.node.len() - start {
                return None;
            }
        }
        // the padding leaf
        let pad = w.node.len() as u64;
        w.node.push(pad << 32);
        w.threshold.push(f64::INFINITY);
        w.value.push(0.0);
        let trees = w.root.len();
        let mut order: Vec<usize> = (0..trees).collect();
        order.sort_by_key(|&t| depths[t]);
        let roots: Vec<i64> = order.iter().map(|&t| w.root[t]).collect();
        w.root = roots;
        w.root.resize(trees.div_ceil(TREES) * TREES, pad as i64);
        let sorted: Vec<usize> = order.iter().map(|&t| depths[t]).collect();
        w.steps = sorted
            .chunks(TREES)
            .map(|c| c.iter().copied().max().unwrap_or(0))
            .collect();
        w.tree = order;
        Some(w)
    }

    /// The leaf value of every tree for the row `x` (values with `|v| <=
    /// 1e-35` already zeroed) into `out` (one per tree), or false when the
    /// CPU has no AVX2 or the row is narrower than the model.
    pub(super) fn leaves(&self, x: &[f64], out: &mut [f64]) -> bool {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2")
            && self.width <= x.len()
            && self.width >= 1
            && out.len() == self.tree.len()
        {
            // SAFETY: AVX2 is present; every index the walk gathers at is a
            // node of these arrays (roots and children placed in `new`, the
            // padding leaf included), every value index below `5 *
            // self.width = xv.len()` (features below `self.width`, checked
            // when the trees were flattened).
            let mut xv = Vec::new();
            versions(x, self.width, &mut xv);
            unsafe { gather::leaves(self, &xv, out) };
            return true;
        }
        let _ = (x, out);
        false
    }
}

/// Steps that take every row of a flattened tree (its first `splits` nodes
/// splits) to its leaf; None when a walk would not end (the flattening
/// checked each node is reached once, so it does).
fn depth(nodes: &[LNode], splits: usize) -> Option<usize> {
    let mut max = 0;
    let mut stack = vec![(0usize, 0usize)];
    let mut visits = 0;
    while let Some((i, d)) = stack.pop() {
        visits += 1;
        if visits > nodes.len() {
            return None;
        }
        if i < splits {
            stack.extend(nodes.get(i)?.children.map(|c| (c as usize, d + 1)));
        } else {
            max = max.max(d);
        }
    }
    Some(max)
}

#[cfg(target_arch = "x86_64")]
mod gather {
    use std::arch::x86_64::*;

    use super::{RowWalk, TREES};

    /// See [`RowWalk::leaves`].
    ///
    /// # Safety
    /// AVX2 is present and `RowWalk::leaves`' checks hold.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn leaves(w: &RowWalk, xv: &[f64], out: &mut [f64]) {
        const REGS: usize = TREES / 4;
        let np = w.node.as_ptr().cast::<i64>();
        let tp = w.threshold.as_ptr();
        let xp = xv.as_ptr();
        let low = _mm256_set1_epi64x(u32::MAX as i64);
        let one = _mm256_set1_epi64x(1);
        for c in 0..w.root.len() / TREES {
            let Some(roots) = w.root.get(c * TREES..(c + 1) * TREES) else {
                return;
            };
            let steps = w.steps.get(c).copied().unwrap_or(0);
            let mut idx: [__m256i; REGS] =
                std::array::from_fn(|j| _mm256_loadu_si256(roots[4 * j..].as_ptr().cast()));
            for _ in 0..steps {
                for i in idx.iter_mut() {
                    let word = _mm256_i64gather_epi64::<8>(np, *i);
                    let t = _mm256_i64gather_pd::<8>(tp, *i);
                    let v = _mm256_i64gather_pd::<8>(xp, _mm256_and_si256(word, low));
                    let left = _mm256_castpd_si256(_mm256_cmp_pd::<_CMP_LE_OQ>(v, t));
                    // the left child + 1, minus one (left is all ones) to go left
                    *i = _mm256_add_epi64(
                        _mm256_add_epi64(_mm256_srli_epi64::<32>(word), one),
                        left,
                    );
                }
            }
            let mut at = [0i64; TREES];
            for (j, i) in idx.iter().enumerate() {
                _mm256_storeu_si256(at[4 * j..].as_mut_ptr().cast(), *i);
            }
            let trees = w.tree.get(c * TREES..).unwrap_or(&[]);
            for (&t, &i) in trees.iter().zip(&at) {
                if let Some(o) = out.get_mut(t) {
                    *o = w.value.get(i as usize).copied().unwrap_or(0.0);
                }
            }
        }
    }
}
