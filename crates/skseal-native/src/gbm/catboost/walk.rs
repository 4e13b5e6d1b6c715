//! The walks of a CatBoost model: rows to bins (float borders, one-hot
//! values, CTR values), bins to leaves (oblivious trees in blocks of rows,
//! or one row at a time; non-symmetric trees node by node), leaves to raw
//! values with scale and bias.

use super::bins::{add_leaves, float_bins, one_hot_bins, Lane};
use super::Booster;
use crate::data::Mat;
use skseal_core::boosters::catboost::MAX_VALUES_PER_BIN;

/// Rows whose oblivious-tree leaves are found together.
const BLOCK: usize = 64;

/// Oblivious trees whose leaves a row adds in one pass (one output
/// dimension, trees of up to 8 levels).
const GROUP: usize = 4;

/// Fewer rows than this are computed row by row (the block path's set-up
/// per tree costs more than a row's splits).
const ROW_BY_ROW: usize = 4;

impl Booster {
    /// Raw values (rows x dimension) after scale and bias; `hashes` holds
    /// each row's categorical hashes (one per categorical feature).
    /// [`Booster::raw_body`] compiled a second time with AVX2 and POPCNT
    /// (the border counts' compares and sums, the leaf-index lanes) runs
    /// when the CPU has them. Only integer steps, and the same float
    /// additions in the same order, differ in the two copies (Rust neither
    /// reassociates nor contracts float arithmetic), so both give the same
    /// bits (`both_copies_give_the_same_bits`).
    pub(super) fn raw(&self, x: &Mat, hashes: &[Vec<i32>]) -> Mat {
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx2,popcnt")]
            fn with_avx2(b: &Booster, x: &Mat, hashes: &[Vec<i32>]) -> Mat {
                b.raw_body(x, hashes)
            }
            if avx2_available() {
                // SAFETY: `with_avx2` needs only the avx2 and popcnt target
                // features, which `avx2_available()` has just detected.
                return unsafe { with_avx2(self, x, hashes) };
            }
        }
        self.raw_body(x, hashes)
    }

    #[inline(always)]
    pub(super) fn raw_body(&self, x: &Mat, hashes: &[Vec<i32>]) -> Mat {
        let m = &self.model;
        let dim = m.approx_dimension;
        let mut out = Mat::zeros(x.rows, dim);
        let mut bins = vec![0u8; self.buckets];
        if !m.oblivious() {
            for r in 0..x.rows {
                self.bins_of(x.row(r), hashes.get(r).map(Vec::as_slice), &mut bins);
                let o = &mut out.data[r * dim..(r + 1) * dim];
                for t in 0..m.tree_sizes.len() {
                    let leaf = self.non_symmetric_leaf(&bins, t);
                    for (k, slot) in o.iter_mut().enumerate() {
                        *slot += m.leaf_values.get(leaf + k).copied().unwrap_or(0.0);
                    }
                }
                scale_and_bias(m.scale, &m.bias, o);
            }
            return out;
        }
        if x.rows < ROW_BY_ROW {
            // a few rows: each row's bins, then each tree's leaf index from
            // its splits, the leaves added in tree order from 0 (the sums
            // the block path makes)
            for r in 0..x.rows {
                self.bins_of(x.row(r), hashes.get(r).map(Vec::as_slice), &mut bins);
                let o = &mut out.data[r * dim..(r + 1) * dim];
                for t in 0..m.tree_sizes.len() {
                    let leaf = self.oblivious_leaf(&bins, t);
                    let first = m.first_leaf.get(t).copied().unwrap_or(0);
                    let lv = m.leaf_values.get(first + leaf * dim..).unwrap_or(&[]);
                    for (slot, v) in o.iter_mut().zip(lv) {
                        *slot += v;
                    }
                }
                scale_and_bias(m.scale, &m.bias, o);
            }
            return out;
        }
        // oblivious trees: rows in blocks, each block's bins by bucket, and
        // every tree's leaf index found for the whole block without
        // branches (as CatBoost's evaluator does), in byte lanes for trees
        // of up to 8 levels; each row's sums start at 0 and add the leaves
        // in tree order, in a block-sized buffer
        let mut block = vec![0u8; self.buckets * BLOCK];
        let mut small = [0u8; BLOCK];
        let mut wide = [0u32; BLOCK];
        let mut group = [[0u8; BLOCK]; GROUP];
        let mut acc = vec![0f64; BLOCK * dim];
        let mut r0 = 0;
        while r0 < x.rows {
            let n = BLOCK.min(x.rows - r0);
            self.block_bins(x, hashes, r0, n, &mut bins, &mut block);
            let acc = &mut acc[..n * dim];
            acc.iter_mut().for_each(|v| *v = 0.0);
            let trees = m.tree_sizes.len();
            let leaves_of = |t: usize| {
                let first = m.first_leaf.get(t).copied().unwrap_or(0);
                m.leaf_values.get(first..).unwrap_or(&[])
            };
            let shallow = |t: usize| m.tree_sizes.get(t).is_some_and(|&s| s <= 8);
            let mut t = 0;
            while t < trees {
                if dim == 1 && t + GROUP <= trees && (t..t + GROUP).all(shallow) {
                    // GROUP trees' indices, then each row adds their leaves
                    // in tree order (one pass over the sums, not GROUP)
                    let mut leaves: [&[f64]; GROUP] = [&[]; GROUP];
                    for (g, (idx, lv)) in group.iter_mut().zip(&mut leaves).enumerate() {
                        self.oblivious_index(&block, t + g, &mut idx[..n]);
                        *lv = leaves_of(t + g);
                    }
                    for (i, a) in acc.iter_mut().enumerate() {
                        let mut sum = *a;
                        for (idx, lv) in group.iter().zip(leaves) {
                            let v = idx.get(i).copied().unwrap_or(0);
                            sum += lv.get(usize::from(v)).copied().unwrap_or(0.0);
                        }
                        *a = sum;
                    }
                    t += GROUP;
                    continue;
                }
                if shallow(t) {
                    self.oblivious_index(&block, t, &mut small[..n]);
                    add_leaves(leaves_of(t), dim, &small[..n], acc);
                } else {
                    self.oblivious_index(&block, t, &mut wide[..n]);
                    add_leaves(leaves_of(t), dim, &wide[..n], acc);
                }
                t += 1;
            }
            let o = &mut out.data[r0 * dim..(r0 + n) * dim];
            o.copy_from_slice(acc);
            for row in o.chunks_exact_mut(dim.max(1)) {
                scale_and_bias(m.scale, &m.bias, row);
            }
            r0 += n;
        }
        out
    }

    /// The bins of rows `r0..r0 + n` laid out by bucket
    /// (`block[bucket * BLOCK + i]`): column by column when the model has
    /// no CTR features, else row by row (a CTR value reads its row's bins).
    #[inline(always)]
    fn block_bins(
        &self,
        x: &Mat,
        hashes: &[Vec<i32>],
        r0: usize,
        n: usize,
        bins: &mut [u8],
        block: &mut [u8],
    ) {
        if self.ctrs.is_empty() {
            block.iter_mut().for_each(|b| *b = 0);
            for q in &self.quants {
                for i in 0..n {
                    let v = x.row(r0 + i).get(q.column).copied().unwrap_or(f64::NAN);
                    float_bins(q, v, block, BLOCK, i);
                }
            }
            for oh in &self.one_hots {
                for i in 0..n {
                    let row_hashes = hashes.get(r0 + i).map_or(&[][..], Vec::as_slice);
                    if let Some(&h) = row_hashes.get(oh.cat) {
                        one_hot_bins(oh, h, block, BLOCK, i);
                    }
                }
            }
            return;
        }
        for i in 0..n {
            let r = r0 + i;
            self.bins_of(x.row(r), hashes.get(r).map(Vec::as_slice), bins);
            for (b, &v) in bins.iter().enumerate() {
                if let Some(slot) = block.get_mut(b * BLOCK + i) {
                    *slot = v;
                }
            }
        }
    }

    /// One row's quantized bins: per float feature the count of its borders
    /// below the value (per bucket of up to MAX_VALUES_PER_BIN borders), per
    /// one-hot feature the position of the category's value.
    #[inline(always)]
    fn bins_of(&self, row: &[f64], row_hashes: Option<&[i32]>, bins: &mut [u8]) {
        bins.iter_mut().for_each(|b| *b = 0);
        for q in &self.quants {
            let v = row.get(q.column).copied().unwrap_or(f64::NAN);
            float_bins(q, v, bins, 1, 0);
        }
        let row_hashes = row_hashes.unwrap_or(&[]);
        for oh in &self.one_hots {
            let Some(&h) = row_hashes.get(oh.cat) else {
                continue;
            };
            one_hot_bins(oh, h, bins, 1, 0);
        }
        // CTR values from the float and one-hot bins above, quantized as
        // float features are (no NaN substitution)
        for c in &self.ctrs {
            let v = c.value(&self.model.ctr_tables, bins, row_hashes);
            for (k, &b) in c.borders.iter().enumerate() {
                if let Some(slot) = bins.get_mut(c.bucket + k / MAX_VALUES_PER_BIN) {
                    *slot += u8::from(v > b);
                }
            }
        }
    }

    /// The leaf index of oblivious tree `t` for each row of a block whose
    /// bins are laid out by bucket (`block[bucket * BLOCK + i]`), built
    /// without branches in lanes of `L` (bytes for trees of up to 8 levels,
    /// which the compiler vectorises sixteen to a register; u32 for deeper
    /// trees, of at most 16 levels).
    #[inline(always)]
    fn oblivious_index<L: Lane>(&self, block: &[u8], t: usize, index: &mut [L]) {
        let m = &self.model;
        let start = m.tree_start_offsets.get(t).copied().unwrap_or(0);
        let size = m.tree_sizes.get(t).copied().unwrap_or(0);
        index.iter_mut().for_each(|v| *v = L::default());
        for d in 0..size {
            // a split `parse` would have refused holds for no row
            let Some(s) = self.flat.get(start + d).copied().flatten() else {
                continue;
            };
            let Some(col) = block.get(s.bucket * BLOCK..s.bucket * BLOCK + index.len()) else {
                continue;
            };
            let bit = L::bit(d as u32);
            let at = s.at;
            if s.one_hot {
                for (v, &b) in index.iter_mut().zip(col) {
                    *v |= if b == at { bit } else { L::default() };
                }
            } else {
                for (v, &b) in index.iter_mut().zip(col) {
                    *v |= if b >= at { bit } else { L::default() };
                }
            }
        }
    }

    /// The leaf index of oblivious tree `t` for one row's bins: bit `d`
    /// set when its split `d` holds.
    #[inline(always)]
    fn oblivious_leaf(&self, bins: &[u8], t: usize) -> usize {
        let m = &self.model;
        let start = m.tree_start_offsets.get(t).copied().unwrap_or(0);
        let size = m.tree_sizes.get(t).copied().unwrap_or(0);
        let mut leaf = 0usize;
        for d in 0..size {
            let Some(s) = self.flat.get(start + d).copied().flatten() else {
                continue;
            };
            let b = bins.get(s.bucket).copied().unwrap_or(0);
            let holds = if s.one_hot { b == s.at } else { b >= s.at };
            leaf |= usize::from(holds) << d;
        }
        leaf
    }

    #[inline(always)]
    fn non_symmetric_leaf(&self, bins: &[u8], t: usize) -> usize {
        let m = &self.model;
        let mut node = m.tree_start_offsets.get(t).copied().unwrap_or(0);
        // `parse` checked that every step stays inside the tree, so this
        // ends within the tree's size; the bound keeps it finite regardless
        for _ in 0..=m.step_nodes.len() {
            let Some(step) = m.step_nodes.get(node) else {
                break;
            };
            let diff = if self.holds(bins, node) {
                step.right
            } else {
                step.left
            };
            if diff == 0 {
                break;
            }
            node += diff as usize;
        }
        m.node_to_leaf.get(node).copied().unwrap_or(0) as usize
    }
}

/// Whether this CPU has AVX2 and POPCNT (detected once, then cached by std).
#[cfg(target_arch = "x86_64")]
fn avx2_available() -> bool {
    std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("popcnt")
}

/// `ApplyScaleAndBias` on one document's values.
fn scale_and_bias(scale: f64, bias: &[f64], o: &mut [f64]) {
    let zero_bias = bias.iter().all(|&b| b == 0.0);
    if scale == 1.0 && zero_bias {
        return;
    }
    if bias.len() == 1 || zero_bias {
        let b = if zero_bias { 0.0 } else { bias[0] };
        if scale != 1.0 || zero_bias {
            if zero_bias {
                o.iter_mut().for_each(|v| *v *= scale);
            } else {
                o.iter_mut().for_each(|v| *v = scale * *v + b);
            }
        } else {
            o.iter_mut().for_each(|v| *v += b);
        }
    } else if scale != 1.0 {
        for (v, &b) in o.iter_mut().zip(bias) {
            *v = scale * *v + b;
        }
    } else {
        for (v, &b) in o.iter_mut().zip(bias) {
            *v += b;
        }
    }
}
