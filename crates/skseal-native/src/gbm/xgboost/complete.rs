//! XGBoost trees stored as complete binary trees, for the batch walk.
//!
//! A tree without categorical splits whose depth is at most
//! [`COMPLETE_DEPTH`] is stored as XGBoost's own `ArrayTreeLayout` stores
//! its top levels: split `k`'s children are `2k + 1` (left) and `2k + 2`,
//! so a step loads no child index. A leaf above the last level becomes
//! splits that send every value right (threshold NaN: `v < NaN` is false,
//! and no default-left) down to copies of its value, so every row takes
//! exactly `depth` steps to the leaf value the linked walk reaches.
//!
//! With AVX2 a block's rows step eight to a register: the split's
//! threshold and feature, then the row's value, are gathered, and the
//! float32 compare is the scalar one (`v < t`, NaN to the default child),
//! so the leaves are the same.

use super::{Flat, CATEGORICAL, DEFAULT_LEFT, FEATURE, ROWS};

/// A split of a tree stored complete (8 bytes): threshold and feature
/// (with [`DEFAULT_LEFT`]) as in the linked nodes, its children implied by
/// its place.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub(super) struct CNode {
    value: f32,
    feature: u32,
}

/// A split that sends every value right.
const PASS: CNode = CNode {
    value: f32::NAN,
    feature: 0,
};

/// The deepest tree stored complete: 2^8 - 1 splits and 2^8 leaves (3 KiB).
const COMPLETE_DEPTH: usize = 8;

/// The trees that qualify, stored complete.
pub(super) struct Complete {
    splits: Vec<CNode>,
    leaves: Vec<f32>,
    /// per tree: (first split, first leaf, depth), or None for a tree
    /// walked linked
    trees: Vec<Option<(usize, usize, usize)>>,
    /// the model's feature count: every split's feature is below it
    width: usize,
    /// for one row's walk through all trees at once, when every tree is
    /// stored complete
    row: Option<RowMeta>,
}

/// Per tree, padded with leaf-only trees to a multiple of [`TREES`]: where
/// its splits start (in i32 units of `splits`: twice the split index), its
/// depth, and its first leaf minus its split count (a walk that ends at
/// place k reads leaf `leaf + k`).
struct RowMeta {
    sbase: Vec<i32>,
    depth: Vec<i32>,
    leaf: Vec<i32>,
}

/// Trees walked together for one row: four registers of eight.
const TREES: usize = 32;

/// Store the trees of `flat` (split features below `width`, checked when
/// it was flattened) complete where they qualify.
pub(super) fn complete(flat: &Flat, width: usize) -> Complete {
    let mut c = Complete {
        splits: Vec::new(),
        leaves: Vec::new(),
        trees: Vec::with_capacity(flat.trees.len()),
        width,
        row: None,
    };
    for &(first, len, depth) in &flat.trees {
        let nodes = flat.nodes.get(first..first + len).unwrap_or(&[]);
        let linked = depth > COMPLETE_DEPTH
            || nodes.is_empty()
            || nodes.iter().any(|n| n.feature & CATEGORICAL != 0);
        if linked {
            c.trees.push(None);
            continue;
        }
        let (s0, l0) = (c.splits.len(), c.leaves.len());
        let inner = (1usize << depth) - 1;
        c.splits.resize(s0 + inner, PASS);
        c.leaves.resize(l0 + inner + 1, 0.0);
        // (node of the linked tree, place in the complete one); a leaf's
        // children are itself, so it fills the subtree below its place
        let mut stack = vec![(0usize, 0usize)];
        while let Some((i, k)) = stack.pop() {
            let Some(n) = nodes.get(i) else { continue };
            if k >= inner {
                if let Some(l) = c.leaves.get_mut(l0 + k - inner) {
                    *l = n.value;
                }
                continue;
            }
            if n.children != [i as u32, i as u32] {
                if let Some(sl) = c.splits.get_mut(s0 + k) {
                    *sl = CNode {
                        value: n.value,
                        feature: n.feature,
                    };
                }
            }
            stack.push((n.children[0] as usize, 2 * k + 1));
            stack.push((n.children[1] as usize, 2 * k + 2));
        }
        c.trees.push(Some((s0, l0, depth)));
    }
    c.row = row_meta(&c);
    c
}

/// [`RowMeta`] when every tree is complete and the offsets fit an i32.
fn row_meta(c: &Complete) -> Option<RowMeta> {
    if c.trees.is_empty() || c.splits.len().checked_mul(2)? >= i32::MAX as usize {
        return None;
    }
    let n = c.trees.len().div_ceil(TREES) * TREES;
    let mut m = RowMeta {
        sbase: vec![0; n],
        depth: vec![0; n],
        leaf: vec![0; n],
    };
    for (t, tree) in c.trees.iter().enumerate() {
        let (s0, l0, d) = (*tree)?;
        m.sbase[t] = i32::try_from(2 * s0).ok()?;
        m.depth[t] = d as i32;
        m.leaf[t] = i32::try_from(l0).ok()? - ((1i32 << d) - 1);
    }
    Some(m)
}

impl Complete {
    /// The leaf values of tree `t` for the rows of `xs` (rows of `cols`
    /// floats, as many as `out`), or false when the tree is walked linked.
    pub(super) fn leaves(&self, t: usize, xs: &[f32], cols: usize, out: &mut [f32]) -> bool {
        let Some(Some((s0, l0, depth))) = self.trees.get(t).copied() else {
            return false;
        };
        let inner = (1usize << depth) - 1;
        let (Some(splits), Some(leafv)) = (
            self.splits.get(s0..s0 + inner),
            self.leaves.get(l0..l0 + inner + 1),
        ) else {
            return false;
        };
        #[cfg(target_arch = "x86_64")]
        if gather::usable(self.width, xs, cols, out.len()) {
            // SAFETY: `usable` has checked the CPU has AVX2 and the sizes
            // `walk` relies on: `splits` has 2^depth - 1 entries (sliced
            // above) whose features are below `self.width <= cols`, `leafv`
            // 2^depth, `xs` at least `out.len()` rows of `cols` floats.
            unsafe { gather::walk(splits, leafv, depth, xs, cols, out) };
            return true;
        }
        scalar(splits, leafv, depth, xs, cols, out);
        true
    }
}

impl Complete {
    /// The leaf value of each of the first `out.len()` trees for one row
    /// `x` (of `cols` floats), or false when some tree is walked linked
    /// or the CPU has no AVX2.
    pub(super) fn row_leaves(&self, x: &[f32], out: &mut [f32]) -> bool {
        #[cfg(target_arch = "x86_64")]
        if let Some(m) = &self.row {
            if std::is_x86_feature_detected!("avx2")
                && !x.is_empty()
                && self.width <= x.len()
                && out.len() <= self.trees.len()
            {
                // SAFETY: AVX2 is present; `m` was built from this model's
                // trees (every one complete: its splits at `sbase / 2`, 2^depth
                // - 1 of them, features below `self.width <= x.len()`, its
                // leaves at `leaf + k` for the places k a walk of `depth`
                // steps ends at), padded with leaf-only trees to a multiple
                // of 32; `out` covers no more than the model's trees.
                unsafe { gather_row::row(&self.splits, &self.leaves, m, x, out) };
                return true;
            }
        }
        let _ = (x, out);
        false
    }
}

/// The walk one row at a time, [`ROWS`] rows in lockstep, branch-free: each
/// step goes to `2k + 1` (left) or `2k + 2`.
fn scalar(splits: &[CNode], leafv: &[f32], depth: usize, xs: &[f32], cols: usize, out: &mut [f32]) {
    let row = |r: usize| xs.get(r * cols..(r + 1) * cols).unwrap_or(&[]);
    for (c, chunk) in out.chunks_mut(ROWS).enumerate() {
        let rows: [&[f32]; ROWS] = std::array::from_fn(|l| row(c * ROWS + l));
        let mut idx = [0usize; ROWS];
        for _ in 0..depth {
            for (k, x) in idx.iter_mut().zip(rows) {
                let n = splits.get(*k).copied().unwrap_or(PASS);
                let v = x
                    .get((n.feature & FEATURE) as usize)
                    .copied()
                    .unwrap_or(f32::NAN);
                let left = (v < n.value) | (v.is_nan() & (n.feature & DEFAULT_LEFT != 0));
                *k = 2 * *k + 2 - usize::from(left);
            }
        }
        let first = (1usize << depth) - 1;
        for (o, &k) in chunk.iter_mut().zip(&idx) {
            *o = leafv.get(k.wrapping_sub(first)).copied().unwrap_or(0.0);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod gather {
    use std::arch::x86_64::*;

    use super::{CNode, COMPLETE_DEPTH, FEATURE};

    /// Rows in lockstep: eight registers of eight (a block of the batch).
    const GROUPS: usize = 8;

    /// Whether [`walk`] may run: AVX2, at least one column and every split
    /// feature within a row (`width <= cols`), row offsets that fit the
    /// gathers' 32-bit indices, and `xs` holding the rows.
    pub(super) fn usable(width: usize, xs: &[f32], cols: usize, rows: usize) -> bool {
        std::is_x86_feature_detected!("avx2")
            && cols >= 1
            && width <= cols
            && rows <= 8 * GROUPS
            && (8 * GROUPS)
                .checked_mul(cols)
                .is_some_and(|n| n < i32::MAX as usize)
            && rows.checked_mul(cols).is_some_and(|n| n <= xs.len())
    }

    /// The leaf values of the rows of `xs` (`out.len()` rows of `cols`
    /// floats) in a tree stored complete, eight rows to a register.
    ///
    /// # Safety
    /// The CPU has AVX2; `1 <= depth <= COMPLETE_DEPTH` or `depth == 0`;
    /// `splits` has `2^depth - 1` entries, each feature (`& FEATURE`)
    /// below `cols`; `leafv` has `2^depth` entries; `xs` holds at least
    /// `out.len() <= 64` rows of `cols` floats and `64 * cols < 2^31`
    /// ([`usable`] checks all but the tree's own sizes, which
    /// `Complete::leaves` slices).
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn walk(
        splits: &[CNode],
        leafv: &[f32],
        depth: usize,
        xs: &[f32],
        cols: usize,
        out: &mut [f32],
    ) {
        let rows = out.len();
        if rows == 0 || depth > COMPLETE_DEPTH {
            return;
        }
        let groups = rows.div_ceil(8);
        // the first element of each row; lanes past the last row repeat it
        let mut base = [_mm256_setzero_si256(); GROUPS];
        for (g, b) in base.iter_mut().enumerate().take(groups) {
            let r: [i32; 8] = std::array::from_fn(|l| ((8 * g + l).min(rows - 1) * cols) as i32);
            *b = _mm256_loadu_si256(r.as_ptr().cast());
        }
        let sp = splits.as_ptr().cast::<i32>();
        let xp = xs.as_ptr();
        let mask = _mm256_set1_epi32(FEATURE as i32);
        let two = _mm256_set1_epi32(2);
        let mut k = [_mm256_setzero_si256(); GROUPS];
        for _ in 0..depth {
            for (kg, bg) in k.iter_mut().zip(&base).take(groups) {
                // split k's threshold is i32 2k of `splits`, its feature 2k + 1
                let k2 = _mm256_add_epi32(*kg, *kg);
                let t = _mm256_castsi256_ps(_mm256_i32gather_epi32::<4>(sp, k2));
                let f = _mm256_i32gather_epi32::<4>(sp.add(1), k2);
                let at = _mm256_add_epi32(*bg, _mm256_and_si256(f, mask));
                let v = _mm256_i32gather_ps::<4>(xp, at);
                // left: v < t (false for NaN), or NaN with the default-left bit
                let lt = _mm256_cmp_ps::<_CMP_LT_OQ>(v, t);
                let nan = _mm256_cmp_ps::<_CMP_UNORD_Q>(v, v);
                let dl = _mm256_castsi256_ps(_mm256_srai_epi32::<31>(f));
                let left = _mm256_castps_si256(_mm256_or_ps(lt, _mm256_and_ps(nan, dl)));
                // 2k + 2, minus one (left is all ones) to go left
                *kg = _mm256_add_epi32(_mm256_add_epi32(k2, two), left);
            }
        }
        let first = (1i32 << depth) - 1;
        for (g, kg) in k.iter().enumerate().take(groups) {
            let mut idx = [0i32; 8];
            _mm256_storeu_si256(idx.as_mut_ptr().cast(), *kg);
            for (l, &i) in idx.iter().enumerate() {
                if let Some(o) = out.get_mut(8 * g + l) {
                    *o = leafv.get((i - first) as usize).copied().unwrap_or(0.0);
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod gather_row {
    use std::arch::x86_64::*;

    use super::{CNode, RowMeta, FEATURE, TREES};

    /// One row through every tree, [`TREES`] trees at a time, eight to a
    /// register: a lane whose tree has reached its depth stops stepping
    /// (its gathers masked off).
    ///
    /// # Safety
    /// See `Complete::row_leaves`, which checks what this relies on.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn row(
        splits: &[CNode],
        leaves: &[f32],
        m: &RowMeta,
        x: &[f32],
        out: &mut [f32],
    ) {
        let sp = splits.as_ptr().cast::<i32>();
        let xp = x.as_ptr();
        let mask = _mm256_set1_epi32(FEATURE as i32);
        let two = _mm256_set1_epi32(2);
        let zero = _mm256_setzero_si256();
        for (c, chunk) in out.chunks_mut(TREES).enumerate() {
            let t0 = c * TREES;
            let (Some(sb), Some(dp), Some(lf)) = (
                m.sbase.get(t0..t0 + TREES),
                m.depth.get(t0..t0 + TREES),
                m.leaf.get(t0..t0 + TREES),
            ) else {
                return;
            };
            let load = |v: &[i32], j: usize| _mm256_loadu_si256(v[8 * j..].as_ptr().cast());
            let base: [__m256i; 4] = std::array::from_fn(|j| load(sb, j));
            let depth: [__m256i; 4] = std::array::from_fn(|j| load(dp, j));
            let steps = dp.iter().copied().max().unwrap_or(0);
            let mut k = [zero; 4];
            for s in 0..steps {
                let sv = _mm256_set1_epi32(s);
                for ((kj, bj), dj) in k.iter_mut().zip(&base).zip(&depth) {
                    let active = _mm256_cmpgt_epi32(*dj, sv);
                    let k2 = _mm256_add_epi32(*kj, *kj);
                    let at = _mm256_add_epi32(*bj, k2);
                    let t =
                        _mm256_castsi256_ps(_mm256_mask_i32gather_epi32::<4>(zero, sp, at, active));
                    let f = _mm256_mask_i32gather_epi32::<4>(zero, sp.add(1), at, active);
                    // an inactive lane's feature is 0: x[0] exists
                    let v = _mm256_i32gather_ps::<4>(xp, _mm256_and_si256(f, mask));
                    let lt = _mm256_cmp_ps::<_CMP_LT_OQ>(v, t);
                    let nan = _mm256_cmp_ps::<_CMP_UNORD_Q>(v, v);
                    let dl = _mm256_castsi256_ps(_mm256_srai_epi32::<31>(f));
                    let left = _mm256_castps_si256(_mm256_or_ps(lt, _mm256_and_ps(nan, dl)));
                    let next = _mm256_add_epi32(_mm256_add_epi32(k2, two), left);
                    *kj = _mm256_blendv_epi8(*kj, next, active);
                }
            }
            let mut places = [0i32; TREES];
            for (j, kj) in k.iter().enumerate() {
                _mm256_storeu_si256(places[8 * j..].as_mut_ptr().cast(), *kj);
            }
            for ((o, &p), &l) in chunk.iter_mut().zip(&places).zip(lf) {
                *o = leaves.get((l + p) as usize).copied().unwrap_or(0.0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::XNode;
    use super::*;

    /// A random linked tree of `depth` with leaves at every level, its
    /// features below `width`, a fifth of them default-left.
    fn tree(seed: &mut u64, depth: usize, width: usize) -> Vec<XNode> {
        let mut next = || {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            *seed
        };
        let mut nodes = vec![XNode {
            value: 0.0,
            feature: 0,
            children: [0, 0],
        }];
        let mut todo = vec![(0usize, 0usize)];
        while let Some((i, d)) = todo.pop() {
            let r = next();
            if d == depth || (d > 0 && r.is_multiple_of(5)) {
                nodes[i] = XNode {
                    value: (r % 1000) as f32 / 7.0,
                    feature: 0,
                    children: [i as u32, i as u32],
                };
                continue;
            }
            let (l, rt) = (nodes.len(), nodes.len() + 1);
            nodes.push(nodes[i]);
            nodes.push(nodes[i]);
            let dl = if r % 5 == 1 { DEFAULT_LEFT } else { 0 };
            nodes[i] = XNode {
                value: ((r >> 8) % 64) as f32 / 8.0 - 4.0,
                feature: ((r >> 20) as usize % width) as u32 | dl,
                children: [l as u32, rt as u32],
            };
            todo.push((l, d + 1));
            todo.push((rt, d + 1));
        }
        nodes
    }

    /// One tree as the flattened model holds it, with its depth.
    fn flat_of(nodes: &[XNode]) -> Flat {
        let d = super::super::depth_of(
            |i| {
                nodes
                    .get(i)
                    .map(|n| if n.children[0] as usize == i { -1 } else { 1 })
            },
            nodes,
        );
        Flat {
            nodes: nodes.to_vec(),
            trees: vec![(0, nodes.len(), d)],
            words: vec![],
        }
    }

    /// The linked walk of one row, branch by branch.
    fn linked(nodes: &[XNode], x: &[f32]) -> f32 {
        let mut i = 0;
        loop {
            let n = nodes[i];
            if n.children == [i as u32, i as u32] {
                return n.value;
            }
            let v = x[(n.feature & FEATURE) as usize];
            let left = if v.is_nan() {
                n.feature & DEFAULT_LEFT != 0
            } else {
                v < n.value
            };
            i = n.children[usize::from(!left)] as usize;
        }
    }

    #[test]
    fn complete_walks_equal_the_linked_walk() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let width = 5;
        for depth in 0..=COMPLETE_DEPTH {
            let nodes = tree(&mut seed, depth, width);
            let flat = flat_of(&nodes);
            let d = flat.trees[0].2;
            let c = complete(&flat, width);
            // values on the thresholds, either side, NaN, infinities, -0
            let pick = [
                -4.0f32,
                -0.0,
                0.0,
                0.125,
                1.0,
                3.875,
                f32::NAN,
                f32::INFINITY,
                -1e30,
            ];
            for rows in [1usize, 7, 8, 9, 31, 64] {
                let xs: Vec<f32> = (0..rows * width)
                    .map(|i| {
                        let r = (i as u64).wrapping_mul(2_654_435_761) ^ seed;
                        let p = pick[(r % pick.len() as u64) as usize];
                        if r.is_multiple_of(3) {
                            ((r >> 9) % 64) as f32 / 8.0 - 4.0
                        } else {
                            p
                        }
                    })
                    .collect();
                let want: Vec<f32> = (0..rows)
                    .map(|r| linked(&nodes, &xs[r * width..(r + 1) * width]))
                    .collect();
                let mut got = vec![f32::NAN; rows];
                assert!(c.leaves(0, &xs, width, &mut got));
                assert_eq!(want, got, "depth {depth}, {rows} rows");
                let (splits, leafv) = (&c.splits[..], &c.leaves[..]);
                let mut sc = vec![f32::NAN; rows];
                scalar(splits, leafv, d, &xs, width, &mut sc);
                assert_eq!(want, sc, "scalar, depth {depth}, {rows} rows");
            }
        }
    }

    #[test]
    fn one_row_through_all_trees_equals_the_linked_walks() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let width = 4;
        // 70 trees of depths 0-8 (not a multiple of 32: padding)
        let trees: Vec<Vec<XNode>> = (0..70).map(|t| tree(&mut seed, t % 9, width)).collect();
        // children are numbered within each tree, as `flatten` stores them
        let mut spans = Vec::new();
        let mut start = 0;
        for t in &trees {
            spans.push((start, t.len(), flat_of(t).trees[0].2));
            start += t.len();
        }
        let flat = Flat {
            nodes: trees.iter().flatten().copied().collect(),
            trees: spans,
            words: vec![],
        };
        let c = complete(&flat, width);
        let pick = [
            -4.0f32,
            -0.0,
            0.5,
            1.0,
            3.875,
            f32::NAN,
            f32::INFINITY,
            -1e30,
            2.25,
        ];
        for r in 0..40usize {
            let x: Vec<f32> = (0..width)
                .map(|j| pick[(r * 7 + j * 3 + r / 9) % pick.len()])
                .collect();
            let want: Vec<f32> = trees.iter().map(|t| linked(t, &x)).collect();
            for used in [70, 33, 32, 1] {
                let mut got = vec![f32::NAN; used];
                if c.row_leaves(&x, &mut got) {
                    assert_eq!(want[..used], got[..], "row {r}, {used} trees");
                } else {
                    assert!(!std::is_x86_feature_detected!("avx2"));
                }
            }
        }
    }

    #[test]
    fn deep_or_categorical_trees_stay_linked() {
        let mut seed = 7u64;
        let deep = tree(&mut seed, COMPLETE_DEPTH + 2, 3);
        let mut cat = tree(&mut seed, 3, 3);
        cat[0].feature |= CATEGORICAL;
        for nodes in [deep, cat] {
            let c = complete(&flat_of(&nodes), 3);
            assert!(!c.leaves(0, &[0.0; 3], 3, &mut [0.0]));
            assert!(!c.row_leaves(&[0.0; 3], &mut [0.0]));
        }
    }
}
