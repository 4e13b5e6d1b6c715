//! The structural checks of a parsed model core: one-hot features'
//! categorical features, the quantized bucket limit, tree sizes and offsets, splits, leaf values and
//! non-symmetric step nodes.

use super::fb::err;
use super::{usize_of, CbModel, StepNode, MAX_DEPTH, MAX_VALUES_PER_BIN};
use crate::boosters::BoosterError;

/// One-hot features' categorical features and CatBoost's bucket limit.
pub(super) fn check_features(m: &CbModel) -> Result<(), BoosterError> {
    let mut buckets = 0usize;
    // feature `Index` values are positions among the features of their
    // kind, not in these lists (a model whose unused features were dropped
    // keeps the others' indices)
    for f in &m.float_features {
        buckets += f.borders.len().div_ceil(MAX_VALUES_PER_BIN);
    }
    for (k, f) in m.one_hot_features.iter().enumerate() {
        if !m.cat_features.iter().any(|c| c.index == f.cat_index) {
            return Err(err(
                format!("OneHotFeatures[{k}]"),
                format!(
                    "categorical feature {} is not among the model's {}",
                    f.cat_index,
                    m.cat_features.len()
                ),
            ));
        }
        if !f.string_values.is_empty() && f.string_values.len() != f.values.len() {
            return Err(err(
                format!("OneHotFeatures[{k}]"),
                format!(
                    "{} string values for {} values",
                    f.string_values.len(),
                    f.values.len()
                ),
            ));
        }
        buckets += f.values.len().div_ceil(MAX_VALUES_PER_BIN);
    }
    for &n in m.estimated_borders.iter().chain(&m.ctr_borders) {
        buckets += n.div_ceil(MAX_VALUES_PER_BIN);
    }
    if buckets > 0xffff + 1 {
        return Err(err(
            "ModelTrees",
            format!("{buckets} quantized buckets, over CatBoost's 65536"),
        ));
    }
    Ok(())
}

/// Tree sizes, offsets, splits and leaves.
pub(super) fn check_trees(
    m: &mut CbModel,
    splits: &[i32],
    sizes: &[i32],
    starts: &[i32],
) -> Result<(), BoosterError> {
    let n_bin = m.bin_features().len();
    let dim = m.approx_dimension;
    if sizes.len() != starts.len() {
        return Err(err(
            "ModelTrees.TreeStartOffsets",
            format!("{} offsets for {} trees", starts.len(), sizes.len()),
        ));
    }
    let mut tree_splits = Vec::with_capacity(splits.len());
    for (i, &s) in splits.iter().enumerate() {
        // a non-symmetric tree's leaf nodes hold split 0 even with no splits
        let max = if m.oblivious() { n_bin } else { n_bin.max(1) };
        tree_splits.push(usize_of(
            s,
            &format!("ModelTrees.TreeSplits[{i}]"),
            "binary feature",
            max,
        )?);
    }
    let mut tree_sizes = Vec::with_capacity(sizes.len());
    let mut first_leaf = Vec::with_capacity(sizes.len());
    let mut next = 0usize;
    let mut leaves = 0usize;
    for (i, (&size, &start)) in sizes.iter().zip(starts).enumerate() {
        let at = format!("ModelTrees.TreeSizes[{i}]");
        let max_size = if m.oblivious() {
            MAX_DEPTH + 1
        } else {
            splits.len() + 1
        };
        let size = usize_of(size, &at, "tree size", max_size)?;
        if start < 0 || start as usize != next {
            return Err(err(
                format!("ModelTrees.TreeStartOffsets[{i}]"),
                format!("{start}, where the trees before it end at {next}"),
            ));
        }
        if m.oblivious() {
            first_leaf.push(leaves);
            leaves += (1usize << size) * dim;
        } else if size == 0 {
            return Err(err(at, "a non-symmetric tree without nodes"));
        }
        next += size;
        tree_sizes.push(size);
    }
    if next != splits.len() {
        return Err(err(
            "ModelTrees.TreeSplits",
            format!(
                "{} splits, where the tree sizes add up to {next}",
                splits.len()
            ),
        ));
    }
    if m.oblivious() {
        if m.leaf_values.len() != leaves {
            return Err(err(
                "ModelTrees.LeafValues",
                format!(
                    "{} values, where the trees have {leaves}",
                    m.leaf_values.len()
                ),
            ));
        }
    } else {
        first_leaf = check_non_symmetric(m, &tree_sizes)?;
    }
    if !m.leaf_weights.is_empty() && m.leaf_weights.len() * dim != m.leaf_values.len() {
        return Err(err(
            "ModelTrees.LeafWeights",
            format!(
                "{} weights for {} leaf values of dimension {dim}",
                m.leaf_weights.len(),
                m.leaf_values.len()
            ),
        ));
    }
    m.tree_splits = tree_splits;
    m.tree_sizes = tree_sizes;
    m.tree_start_offsets = starts.iter().map(|&s| s as usize).collect();
    m.first_leaf = first_leaf;
    Ok(())
}

/// Non-symmetric trees: every step stays inside its tree, every node that
/// ends a path names `dim` leaf values. Returns each tree's first leaf.
fn check_non_symmetric(m: &CbModel, sizes: &[usize]) -> Result<Vec<usize>, BoosterError> {
    let n = m.step_nodes.len();
    let dim = m.approx_dimension;
    if m.node_to_leaf.len() != n {
        return Err(err(
            "ModelTrees.NonSymmetricNodeIdToLeafId",
            format!("{} entries for {n} nodes", m.node_to_leaf.len()),
        ));
    }
    let mut first = Vec::with_capacity(sizes.len());
    let mut start = 0usize;
    for (t, &size) in sizes.iter().enumerate() {
        let end = start + size;
        let mut min_leaf = usize::MAX;
        for node in start..end {
            let s = m
                .step_nodes
                .get(node)
                .copied()
                .unwrap_or(StepNode { left: 0, right: 0 });
            let at = format!("ModelTrees.NonSymmetricStepNodes[{node}] (tree {t})");
            for d in [s.left, s.right] {
                if node + d as usize >= end {
                    return Err(err(&at, format!("a step of {d} leaves the tree")));
                }
            }
            if s.left == 0 || s.right == 0 {
                let leaf = m.node_to_leaf.get(node).copied().unwrap_or(u32::MAX) as usize;
                if !leaf.is_multiple_of(dim)
                    || leaf
                        .checked_add(dim)
                        .is_none_or(|e| e > m.leaf_values.len())
                {
                    return Err(err(
                        at,
                        format!(
                            "leaf value {leaf} (dimension {dim}) outside the {} leaf values",
                            m.leaf_values.len()
                        ),
                    ));
                }
                min_leaf = min_leaf.min(leaf);
            }
        }
        if min_leaf == usize::MAX {
            return Err(err(
                format!("ModelTrees tree {t}"),
                "a non-symmetric tree without a leaf",
            ));
        }
        first.push(min_leaf);
        start = end;
    }
    Ok(first)
}
