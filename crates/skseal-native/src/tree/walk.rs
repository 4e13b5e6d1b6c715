//! Walks of scikit-learn trees from the root to a leaf.
//!
//! Many rows: [`Tree::leaves`] takes [`ROWS`] rows through one tree at once,
//! one level per step for every row, without a branch on the outcome (a leaf
//! steps to itself), so the independent walks overlap their memory latencies
//! and nothing is mispredicted. The nodes and the rows are read without
//! bounds checks: [`Tree::validated`] established that every index a walk
//! can follow lies in bounds, and [`Tree::leaves`] checks the rows' width
//! once per call.
//!
//! One row: [`walk_all`] walks [`LANES`] trees at once.

use super::{TNode, Tree, MISSING_LEFT};

/// Walks done together on the one-row path (trees) and by histogram
/// gradient boosting.
pub(super) const LANES: usize = 8;

/// Rows walked together through one tree (measured: 16 beats 8, 12, 20, 24
/// and 32 on a 100-tree forest; more walks overlap more latency, but the
/// group waits for its deepest walk).
const ROWS: usize = 16;

/// Steps between two checks whether every walk of a group is at a leaf.
const STEPS: usize = 3;

/// Trees this deep or shallower (gradient boosting's) are walked in exactly
/// `steps` steps (their depth), without checks.
pub(super) const SHALLOW: u32 = 2 * STEPS as u32;

impl Tree {
    /// One step from node `n` for the f32 row `x`, without a branch on the
    /// outcome (a leaf steps to itself). NaN follows `missing_go_to_left`.
    /// The child is bounded by the last node (see [`Tree::step_at`]).
    #[inline(always)]
    fn step(&self, i: usize, n: &TNode, x: &[f32]) -> u32 {
        let v = x
            .get((n.feature & !MISSING_LEFT) as usize)
            .copied()
            .unwrap_or(f32::NAN);
        // the NaN bit: in the feature (mapped nodes) or in `missing` (owned)
        let miss = (n.feature & MISSING_LEFT != 0) | self.missing.get(i).copied().unwrap_or(false);
        let go_left = (v <= n.threshold) | (v.is_nan() & miss);
        if go_left { n.left } else { n.right }.min(self.last)
    }

    /// Leaf reached by one f32 row (NaN follows `missing_go_to_left`); a
    /// node index whatever the nodes hold, after at most `steps + 1` steps.
    #[inline]
    pub(super) fn leaf(&self, x: &[f32]) -> usize {
        let mut i = 0usize;
        for _ in 0..=self.steps {
            let Some(n) = self.nodes.get(i) else { break };
            if n.left == n.right {
                break;
            }
            i = self.step(i, n, x) as usize;
        }
        i.min(self.last as usize)
    }

    /// Leaf of one row as gradient boosting's `predict_stages` finds it (no
    /// NaN branch: NaN <= t is false, so NaN goes right); the one-row path,
    /// where a call per tree costs more than the unchecked walk saves.
    #[inline]
    pub(super) fn leaf_gb(&self, x: &[f32]) -> usize {
        if self.nodes.is_mapped() {
            self.leaf_gb_in::<true>(x)
        } else {
            self.leaf_gb_in::<false>(x)
        }
    }

    /// [`Tree::leaf_gb`]; `M`: the nodes are mapped (features carry the NaN
    /// bit; owned nodes had it moved out at load).
    #[inline(always)]
    fn leaf_gb_in<const M: bool>(&self, x: &[f32]) -> usize {
        let mut i = 0usize;
        for _ in 0..=self.steps {
            let Some(n) = self.nodes.get(i) else { break };
            if n.left == n.right {
                break;
            }
            let f = if M {
                n.feature & !MISSING_LEFT
            } else {
                n.feature
            };
            let v = x.get(f as usize).copied().unwrap_or(f32::NAN);
            i = if v <= n.threshold { n.left } else { n.right } as usize;
        }
        i.min(self.last as usize)
    }

    /// Leaves of the rows of `xf` (row-major, `cols` values per row), one
    /// per element of `leaves`. `nan`: some value of `xf` may be NaN (NaN
    /// then follows `missing_go_to_left`; without it, `v <= threshold` alone
    /// decides, which sends NaN right as gradient boosting's `predict_stages`
    /// does).
    pub(super) fn leaves(&self, xf: &[f32], cols: usize, nan: bool, leaves: &mut [u32]) {
        let rows = leaves.len();
        // The one check the unchecked walks rely on: every row holds every
        // feature a node can name (`feature < n_features <= cols`; a leaf
        // names feature 0, so cols >= 1), and every row lies inside `xf`.
        let fits =
            cols >= self.n_features.max(1) && rows.checked_mul(cols).is_some_and(|n| n <= xf.len());
        if !fits {
            for (i, l) in leaves.iter_mut().enumerate() {
                let row = xf.get(i * cols..(i + 1) * cols).unwrap_or(&[]);
                *l = self.leaf(row) as u32;
            }
            return;
        }
        let nan = nan && self.missing_left;
        let full = rows - rows % ROWS;
        for (g, out) in leaves[..full].chunks_exact_mut(ROWS).enumerate() {
            let mut base = [0usize; ROWS];
            for (l, b) in base.iter_mut().enumerate() {
                *b = (g * ROWS + l) * cols;
            }
            let got = match (nan, self.nodes.is_mapped()) {
                (true, true) => self.lanes::<true, true>(xf, &base),
                (true, false) => self.lanes::<true, false>(xf, &base),
                (false, true) => self.lanes::<false, true>(xf, &base),
                (false, false) => self.lanes::<false, false>(xf, &base),
            };
            out.copy_from_slice(&got);
        }
        for (i, l) in leaves.iter_mut().enumerate().skip(full) {
            *l = match (nan, self.nodes.is_mapped()) {
                (true, true) => self.leaf_at::<true, true>(xf, i * cols),
                (true, false) => self.leaf_at::<true, false>(xf, i * cols),
                (false, true) => self.leaf_at::<false, true>(xf, i * cols),
                (false, false) => self.leaf_at::<false, false>(xf, i * cols),
            };
        }
    }

    /// The node a step from node `i` leads to for the row at `base` in `xf`.
    ///
    /// Precondition (checked by [`Tree::leaves`] before any call):
    /// `base + cols <= xf.len()` with `cols >= max(n_features, 1)`, and `i`
    /// is 0 or a node index returned by an earlier step.
    ///
    /// `M` false: the nodes are the tree's own memory, checked at load and
    /// immutable since (`Tree::from_checked` moved the NaN bit into
    /// `missing` and set leaves' features to 0): read without bounds, as
    /// fast as the walk can go.
    ///
    /// `M` true: the nodes lie in a mapped file, whose bytes may change
    /// after the checks. The indices read are bounded by `last` and
    /// `feature_cap`, fixed when the tree was made, not by the nodes'
    /// contents: a file rewritten under a running model gives wrong leaves,
    /// never a read out of bounds. For the checked nodes of an unchanged
    /// file both bounds change nothing (children are node indices, split
    /// features below `n_features`).
    #[inline(always)]
    fn step_at<const NAN: bool, const M: bool>(&self, xf: &[f32], base: usize, i: u32) -> u32 {
        if !M {
            // SAFETY: owned nodes (`M` false: `is_mapped()` is false, so
            // `nodes` is a Vec only this tree holds, never written after
            // `from_checked`): `check_nodes` found every child an index into
            // `nodes`, so the root 0 and every index a step returns are in
            // bounds.
            let n = unsafe { self.nodes.get_unchecked(i as usize) };
            let f = n.feature as usize;
            // SAFETY: split features are below `n_features` (`from_checked`)
            // and leaves' were set to 0, so with the caller's precondition
            // `base + f < base + max(n_features, 1) <= base + cols <= xf.len()`.
            let v = unsafe { *xf.get_unchecked(base + f) };
            let go_left = if NAN {
                // SAFETY: `missing` is as long as owned `nodes`
                // (`from_checked`), and `i` indexes `nodes` (above).
                let miss = unsafe { *self.missing.get_unchecked(i as usize) };
                (v <= n.threshold) | (v.is_nan() & miss)
            } else {
                v <= n.threshold
            };
            return if go_left { n.left } else { n.right };
        }
        // SAFETY: `nodes` is not empty and `last = nodes.len() - 1`
        // (`Tree::from_checked`, the only way a Tree is made; a Slab's
        // length never changes); the root 0 and every index a step returns
        // (bounded by `last` below) are in bounds.
        let n = unsafe { self.nodes.get_unchecked(i as usize) };
        let f = (n.feature & !MISSING_LEFT).min(self.feature_cap) as usize;
        // SAFETY: `f <= feature_cap = max(n_features, 1) - 1`, and the
        // caller's precondition gives
        // `base + f < base + max(n_features, 1) <= base + cols <= xf.len()`.
        let v = unsafe { *xf.get_unchecked(base + f) };
        let go_left = if NAN {
            (v <= n.threshold) | (v.is_nan() & (n.feature & MISSING_LEFT != 0))
        } else {
            v <= n.threshold
        };
        if go_left { n.left } else { n.right }.min(self.last)
    }

    /// Leaves of [`ROWS`] rows (at offsets `base` of `xf`); same
    /// precondition as [`Tree::step_at`] for every offset.
    #[inline(always)]
    fn lanes<const NAN: bool, const M: bool>(
        &self,
        xf: &[f32],
        base: &[usize; ROWS],
    ) -> [u32; ROWS] {
        let mut cur = [0u32; ROWS];
        if self.steps <= SHALLOW {
            // every walk is at its leaf after `steps` steps
            for _ in 0..self.steps {
                for (c, &b) in cur.iter_mut().zip(base) {
                    *c = self.step_at::<NAN, M>(xf, b, *c);
                }
            }
            return cur;
        }
        let mut taken = 0usize;
        loop {
            for _ in 0..STEPS - 1 {
                for (c, &b) in cur.iter_mut().zip(base) {
                    *c = self.step_at::<NAN, M>(xf, b, *c);
                }
            }
            let before = cur;
            for (c, &b) in cur.iter_mut().zip(base) {
                *c = self.step_at::<NAN, M>(xf, b, *c);
            }
            taken += STEPS;
            // A split always moves to a child, so no walk moved: all are at
            // leaves (and children come after parents: this ends). After
            // `steps` steps every walk of checked nodes is at its leaf; the
            // bound ends the walk whatever a mapped file now holds.
            if before == cur || taken > self.steps as usize {
                return cur;
            }
        }
    }

    /// Leaf of one row (at offset `base` of `xf`); same precondition as
    /// [`Tree::step_at`].
    #[inline]
    fn leaf_at<const NAN: bool, const M: bool>(&self, xf: &[f32], base: usize) -> u32 {
        let mut i = 0u32;
        if self.steps <= SHALLOW {
            // at the leaf after `steps` steps: no test per step
            for _ in 0..self.steps {
                i = self.step_at::<NAN, M>(xf, base, i);
            }
            return i;
        }
        for _ in 0..=self.steps {
            let next = self.step_at::<NAN, M>(xf, base, i);
            if next == i {
                break;
            }
            i = next;
        }
        i
    }
}

/// Leaves of one row in every tree (the one-row path): [`LANES`] walks at
/// once, and a lane that reaches a leaf takes the next tree at once, so no
/// step is spent waiting for the deepest walk of a group. `nan`: `x` may
/// hold NaN.
/// `mapped`: some tree's nodes are mapped ([`any_mapped`], asked once at
/// load, not per row).
pub(super) fn walk_all(trees: &[Tree], x: &[f32], nan: bool, mapped: bool, leaves: &mut [u32]) {
    // The unchecked steps' precondition, once: the row holds every feature
    // of every tree (`Tree::step_at` with base 0 and cols = x.len()).
    if leaves.len() < trees.len() || trees.iter().any(|t| x.len() < t.n_features.max(1)) {
        for (t, l) in trees.iter().zip(leaves.iter_mut()) {
            *l = t.leaf(x) as u32;
        }
        return;
    }
    match (nan, mapped) {
        (true, true) => walk_all_in::<true, true>(trees, x, leaves),
        (true, false) => walk_all_in::<true, false>(trees, x, leaves),
        (false, true) => walk_all_in::<false, true>(trees, x, leaves),
        (false, false) => walk_all_in::<false, false>(trees, x, leaves),
    }
}

/// Does any of these trees walk mapped nodes?
pub(super) fn any_mapped(trees: &[Tree]) -> bool {
    trees.iter().any(|t| t.nodes.is_mapped())
}

/// [`walk_all`] once its precondition holds.
fn walk_all_in<const NAN: bool, const M: bool>(trees: &[Tree], x: &[f32], leaves: &mut [u32]) {
    let mut lane_tree = [usize::MAX; LANES];
    let mut cur = [0u32; LANES];
    // steps each lane took in its tree: checked nodes reach their leaf in at
    // most `steps`; the bound ends a walk whatever a mapped file now holds
    let mut taken = [0u32; LANES];
    let mut next = 0usize;
    for slot in lane_tree.iter_mut() {
        if next < trees.len() {
            *slot = next;
            next += 1;
        }
    }
    let mut active = trees.len().min(LANES);
    while active > 0 {
        for ((c, ti), n) in cur.iter_mut().zip(lane_tree.iter_mut()).zip(&mut taken) {
            let Some(t) = trees.get(*ti) else { continue };
            // a leaf steps to itself, a split to a child after it
            // `M`: some tree is mapped; a forest may mix mapped trees with
            // owned ones (a layout stored compressed), each walked its way
            let to = if M && t.nodes.is_mapped() {
                t.step_at::<NAN, true>(x, 0, *c)
            } else {
                t.step_at::<NAN, false>(x, 0, *c)
            };
            if M {
                *n += 1;
            }
            if to == *c || (M && *n > t.steps) {
                *n = 0;
                if let Some(l) = leaves.get_mut(*ti) {
                    *l = *c;
                }
                *c = 0;
                if next < trees.len() {
                    *ti = next;
                    next += 1;
                } else {
                    *ti = usize::MAX;
                    active -= 1;
                }
            } else {
                *c = to;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::MISSING_LEFT;
    use super::super::*;
    use super::{walk_all, ROWS};

    /// A tree of `depth` levels over `nf` features from a seed: complete,
    /// children stored after parents, some splits sending NaN left.
    fn tree(depth: u32, nf: usize, seed: u64) -> Tree {
        let mut s = seed;
        let mut rnd = move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            s >> 33
        };
        let count = (1usize << (depth + 1)) - 1;
        let mut nodes = Vec::new();
        for i in 0..count {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            // breadth-first numbering: children after parents; some early leaves
            let leaf = l >= count || rnd().is_multiple_of(7);
            nodes.push(if leaf {
                TNode {
                    left: i as u32,
                    right: i as u32,
                    feature: 0,
                    threshold: 0.0,
                }
            } else {
                let f = (rnd() % nf as u64) as u32;
                let miss = if rnd().is_multiple_of(2) {
                    MISSING_LEFT
                } else {
                    0
                };
                TNode {
                    left: l as u32,
                    right: r as u32,
                    feature: f | miss,
                    threshold: (rnd() % 200) as f32 / 100.0 - 1.0,
                }
            });
        }
        Tree::validated(nodes, vec![0.0; count], 1, 1, nf, "t").unwrap_or_else(|e| panic!("{e}"))
    }

    fn rows(n: usize, nf: usize, nan: bool, seed: u64) -> Vec<f32> {
        let mut s = seed;
        (0..n * nf)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let v = (s >> 33) % 220;
                if nan && v.is_multiple_of(11) {
                    f32::NAN
                } else {
                    v as f32 / 100.0 - 1.1
                }
            })
            .collect()
    }

    #[test]
    fn unchecked_walks_match_the_checked_walk() {
        // deep trees (checks whether all walks ended) and shallow ones
        // (exactly `depth` steps)
        for (seed, nan, depth) in [
            (1u64, false, 9),
            (2, true, 9),
            (3, true, 11),
            (4, false, 3),
            (5, true, 2),
            (6, false, 0),
        ] {
            let nf = 5;
            let t = tree(depth, nf, seed);
            // 8 full groups and a tail of 5, wider rows than the tree needs
            for cols in [nf, nf + 3] {
                let n = 8 * ROWS + 5;
                let x = rows(n, cols, nan, seed);
                let mut got = vec![0u32; n];
                t.leaves(&x, cols, nan, &mut got);
                for (i, &g) in got.iter().enumerate() {
                    let want = t.leaf(&x[i * cols..(i + 1) * cols]) as u32;
                    assert_eq!(g, want, "row {i}, cols {cols}, nan {nan}, depth {depth}");
                }
                if !nan {
                    continue;
                }
                // without NaN handling, NaN goes right (gradient boosting)
                t.leaves(&x, cols, false, &mut got);
                for (i, &g) in got.iter().enumerate() {
                    let mut k = 0usize;
                    while t.nodes[k].left != t.nodes[k].right {
                        let nd = t.nodes[k];
                        let v = x[i * cols + (nd.feature & !MISSING_LEFT) as usize];
                        k = if v <= nd.threshold { nd.left } else { nd.right } as usize;
                    }
                    assert_eq!(g as usize, k, "row {i}");
                }
            }
        }
    }

    #[test]
    fn one_row_through_every_tree_matches_the_checked_walk() {
        let trees: Vec<Tree> = (0..21).map(|s| tree(1 + s as u32 % 9, 5, s)).collect();
        for (seed, nan) in [(7u64, false), (8, true)] {
            for cols in [5, 7, 3] {
                let x = rows(1, cols, nan, seed);
                let mut got = vec![u32::MAX; trees.len()];
                walk_all(&trees, &x, nan, false, &mut got);
                for (t, &g) in trees.iter().zip(&got) {
                    assert_eq!(g as usize, t.leaf(&x), "cols {cols}, nan {nan}");
                }
            }
        }
    }

    #[test]
    fn rows_narrower_than_the_tree_take_the_checked_walk() {
        let t = tree(6, 4, 9);
        let x = rows(ROWS * 2, 2, false, 4);
        let mut got = vec![0u32; ROWS * 2];
        t.leaves(&x, 2, false, &mut got);
        for (i, &g) in got.iter().enumerate() {
            assert_eq!(g as usize, t.leaf(&x[i * 2..i * 2 + 2]));
        }
        // a buffer shorter than rows x cols
        let mut more = vec![0u32; ROWS * 3];
        t.leaves(&rows(ROWS * 2, 4, false, 4), 4, false, &mut more);
    }

    #[test]
    fn validation_refuses_what_the_unchecked_walk_cannot_follow() {
        let leaf = |i: u32| TNode {
            left: i,
            right: i,
            feature: 0,
            threshold: 0.0,
        };
        let split = |l: u32, r: u32, f: u32| TNode {
            left: l,
            right: r,
            feature: f,
            threshold: 0.5,
        };
        let ok = vec![split(1, 2, 1), leaf(1), leaf(2)];
        assert!(Tree::validated(ok, vec![0.0; 3], 1, 1, 2, "t").is_ok());
        for bad in [
            vec![split(1, 3, 1), leaf(1), leaf(2)], // child out of range
            vec![split(1, 2, 2), leaf(1), leaf(2)], // feature out of range
            vec![split(0, 2, 1), leaf(1), leaf(2)], // child before its parent
            vec![split(1, 2, 1), leaf(2), leaf(2)], // a leaf pointing elsewhere
            vec![split(1, 2, 1 | MISSING_LEFT), leaf(1), leaf(7)], // leaf out of range
        ] {
            assert!(Tree::validated(bad, vec![0.0; 3], 1, 1, 2, "t").is_err());
        }
        assert!(Tree::validated(vec![], vec![], 1, 1, 2, "t").is_err());
        // NaN follows missing_go_to_left, on every path
        for (flag, want) in [(MISSING_LEFT, 1u32), (0, 2)] {
            let nodes = vec![split(1, 2, 1 | flag), leaf(1), leaf(2)];
            let t = Tree::validated(nodes, vec![0.0; 3], 1, 1, 2, "t")
                .unwrap_or_else(|e| panic!("{e}"));
            let x = [0.0, f32::NAN].repeat(ROWS + 1);
            let mut got = vec![0u32; ROWS + 1];
            t.leaves(&x, 2, true, &mut got);
            assert!(got.iter().all(|&g| g == want), "{got:?}");
            assert_eq!(t.leaf(&x[..2]), want as usize);
            let mut one = [0u32];
            walk_all(std::slice::from_ref(&t), &x[..2], true, false, &mut one);
            assert_eq!(one[0], want);
        }
        // values must cover every node
        assert!(Tree::validated(vec![leaf(0)], vec![], 1, 1, 2, "t").is_err());
    }
}
