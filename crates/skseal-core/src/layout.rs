//! The native layout of fitted trees (docs/FORMAT.md §5.6): per
//! `sklearn.tree._tree.Tree`, its nodes as native inference walks them, 16
//! bytes a node, stored beside scikit-learn's 64-byte records when a file is
//! written with `native_layout`. `skseal.native.load` of a file that has it
//! reads these and the tree's `values`, and never scikit-learn's node
//! records (2.5x fewer bytes to read and hash for a classifier forest, and
//! no conversion).
//!
//! The one encoding of a node: the writer stores it, and native inference
//! uses it for trees it converts itself.

use bytemuck::{Pod, Zeroable};

use crate::ir::{ArraySource, ArraySpec, Dtype, Graph, Node, NodeId, Order};

/// A tree node as native inference walks it, and as the layout stores it:
/// four little-endian `u32`, an array of dtype `<u4` and shape `(n, 4)`.
///
/// - a leaf points at itself (`left == right == its index`), feature 0,
///   threshold 0.0;
/// - a split's `feature` carries [`MISSING_LEFT`] when NaN goes left, and
///   its threshold is [`floor_f32`] of scikit-learn's f64 threshold.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct TreeNode16 {
    pub left: u32,
    pub right: u32,
    pub feature: u32,
    pub threshold: f32,
}

/// Bit of [`TreeNode16::feature`]: NaN goes to the left child
/// (`missing_go_to_left`).
pub const MISSING_LEFT: u32 = 1 << 31;

/// The largest f32 that is `<= t` (NaN stays NaN: every comparison is
/// false). For an f32 feature value `v` (not NaN), `(v as f64) <= t` holds
/// exactly when `v <= floor_f32(t)`, so comparing in f32 gives scikit-learn's
/// answer bit for bit.
pub fn floor_f32(t: f64) -> f32 {
    let f = t as f32;
    if f64::from(f) > t {
        // one f32 step down
        if f == 0.0 {
            -f32::from_bits(1)
        } else if f > 0.0 {
            f32::from_bits(f.to_bits() - 1)
        } else {
            f32::from_bits(f.to_bits() + 1)
        }
    } else {
        f
    }
}

/// Node `i` of `count` from its record's words (left child, right child,
/// feature, threshold bits), or why it cannot be one: a split's children
/// come after it (so every walk ends) and within the tree; its feature is
/// an index below 2^31. Features are checked against the model's width by
/// the reader.
#[inline(always)]
pub fn encode_node(
    i: usize,
    [l, r, f, thr]: [u64; 4],
    missing_left: bool,
    count: usize,
) -> Result<TreeNode16, String> {
    let (l, r, f) = (l as i64, r as i64, f as i64);
    if l == -1 && r == -1 {
        return Ok(TreeNode16 {
            left: i as u32,
            right: i as u32,
            feature: 0,
            threshold: 0.0,
        });
    }
    let ok = |c: i64| c > i as i64 && (c as usize) < count && c < i64::from(u32::MAX);
    if !ok(l) || !ok(r) || f < 0 || f >= i64::from(MISSING_LEFT) {
        return Err(format!(
            "node {i}: children ({l}, {r}) or feature {f} out of range"
        ));
    }
    Ok(TreeNode16 {
        left: l as u32,
        right: r as u32,
        feature: f as u32 | if missing_left { MISSING_LEFT } else { 0 },
        threshold: floor_f32(f64::from_bits(thr)),
    })
}

/// Bytes per record of scikit-learn's `NODE_DTYPE` with
/// `missing_go_to_left` (1.3 and later) and without it (before 1.3).
pub const NODE_RECORD: usize = 64;
pub const NODE_RECORD_OLD: usize = 56;

/// Encode the records of scikit-learn's standard node dtype (left child,
/// right child, feature, threshold at bytes 0, 8, 16, 24, little-endian;
/// `missing_go_to_left` at byte 56 when `has_missing`).
pub fn encode_standard(
    recs: &[u8],
    item: usize,
    has_missing: bool,
) -> Result<Vec<TreeNode16>, String> {
    if item < if has_missing { NODE_RECORD } else { 32 } || !recs.len().is_multiple_of(item) {
        return Err("inconsistent record layout".into());
    }
    let count = recs.len() / item;
    if count == 0 || count >= u32::MAX as usize {
        return Err(format!("{count} nodes"));
    }
    let word = |r: &[u8], o: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&r[o..o + 8]);
        u64::from_le_bytes(w)
    };
    recs.chunks_exact(item)
        .enumerate()
        .map(|(i, r)| {
            let words = [word(r, 0), word(r, 8), word(r, 16), word(r, 24)];
            encode_node(i, words, has_missing && r[56] != 0, count)
        })
        .collect()
}

/// `Some(has_missing)` when `dtype` is scikit-learn's node dtype laid out
/// as [`encode_standard`] reads it.
pub fn standard_node_dtype(dtype: &Dtype) -> Option<bool> {
    let Dtype::Struct {
        names,
        formats,
        offsets,
        itemsize,
    } = dtype
    else {
        return None;
    };
    let at = |name: &str, kinds: &[&str]| {
        let k = names.iter().position(|n| n == name)?;
        match formats.get(k)? {
            Dtype::Simple(s) if kinds.contains(&s.as_str()) => offsets.get(k).copied(),
            _ => None,
        }
    };
    let ints = ["<i8", "<u8"];
    let std = at("left_child", &ints) == Some(0)
        && at("right_child", &ints) == Some(8)
        && at("feature", &ints) == Some(16)
        && at("threshold", &["<f8"]) == Some(24);
    if !std {
        return None;
    }
    match at("missing_go_to_left", &["|u1", "|b1", "|i1"]) {
        Some(56) if *itemsize as usize >= NODE_RECORD => Some(true),
        Some(_) => None,
        None if names.iter().any(|n| n == "missing_go_to_left") => None,
        None => Some(false),
    }
}

/// The `nodes` and `values` array indices of a `Tree` node (scikit-learn's
/// `__reduce__`: a call with a state dict holding both).
pub fn tree_arrays(g: &Graph, tree: NodeId) -> Option<(u32, u32)> {
    let Some(Node::Call {
        func,
        state: Some(st),
        ..
    }) = g.node(tree)
    else {
        return None;
    };
    if !func.is("sklearn.tree._tree", "Tree") {
        return None;
    }
    let arr = |k: &str| match g.dict_get(*st, k).and_then(|n| g.node(n)) {
        Some(Node::Array(i)) => Some(*i),
        _ => None,
    };
    Some((arr("nodes")?, arr("values")?)).filter(|(n, v)| n != v)
}

/// The dtype and shape a layout array must have for a tree of `count`
/// nodes.
pub fn layout_spec(count: usize) -> (Dtype, Vec<u64>) {
    (Dtype::Simple("<u4".into()), vec![count as u64, 4])
}

/// The native layout of every reachable `Tree` whose node records are in
/// scikit-learn's standard dtype and C order, by its `nodes` array. A tree
/// whose records cannot be encoded (it would fail validation anyway) gets
/// none, and readers convert it as before.
pub fn tree_layouts<'a>(
    g: &Graph,
    bytes: &(dyn Fn(u32) -> Option<&'a [u8]> + Sync),
) -> Vec<(u32, Vec<TreeNode16>)> {
    use rayon::prelude::*;
    let live = g.reachable();
    let mut seen = std::collections::HashSet::new();
    let mut todo = Vec::new();
    for (id, _) in live.iter().enumerate().filter(|(_, l)| **l) {
        let Some((ni, _)) = tree_arrays(g, id as NodeId) else {
            continue;
        };
        if !seen.insert(ni) || g.native.iter().any(|t| t.nodes == ni) {
            continue;
        }
        let Some(spec) = g.arrays.get(ni as usize) else {
            continue;
        };
        let plain = spec.order == Order::C && spec.axes.is_none() && spec.shape.len() == 1;
        if let (Some(has_missing), true) = (standard_node_dtype(&spec.dtype), plain) {
            let item = spec.dtype.itemsize().unwrap_or(0) as usize;
            todo.push((ni, item, has_missing));
        }
    }
    todo.into_par_iter()
        .filter_map(|(ni, item, has_missing)| {
            let nodes = encode_standard(bytes(ni)?, item, has_missing).ok()?;
            Some((ni, nodes))
        })
        .collect()
}

/// Append `layouts` (from [`tree_layouts`]) to the array table as inline
/// `<u4` arrays and list them in `g.native`. Returns how many were added.
pub fn attach(g: &mut Graph, layouts: Vec<(u32, Vec<TreeNode16>)>) -> usize {
    let n = layouts.len();
    for (ni, nodes) in layouts {
        let (dtype, shape) = layout_spec(nodes.len());
        let at = g.arrays.len() as u32;
        g.arrays.push(ArraySpec {
            dtype,
            shape,
            order: Order::C,
            axes: None,
            source: ArraySource::Inline(bytemuck::cast_slice(&nodes).to_vec()),
        });
        g.native.push(NativeTree {
            nodes: ni,
            layout: at,
        });
    }
    n
}

/// One tree's stored layout: array `layout` holds the [`TreeNode16`]s of
/// the Tree whose `nodes` array is `nodes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NativeTree {
    pub nodes: u32,
    pub layout: u32,
}

/// The header-level checks of a graph's `native` member against the array
/// table (docs/FORMAT.md §9 step 15): indices in range, each array named
/// once, a layout array `<u4` of shape `(n, 4)` in C order, `n` the record
/// count of the `nodes` array, and no layout array referenced by the graph.
pub fn check_table(g: &Graph) -> Result<(), String> {
    let mut used = std::collections::HashSet::new();
    for (k, t) in g.native.iter().enumerate() {
        let bad = |why: &str| Err(format!("native layout entry {k}: {why}"));
        let (Some(ns), Some(ls)) = (
            g.arrays.get(t.nodes as usize),
            g.arrays.get(t.layout as usize),
        ) else {
            return bad("array index out of range");
        };
        if !used.insert(t.nodes) || !used.insert(t.layout) {
            return bad("an array is named twice");
        }
        let (dtype, _) = layout_spec(0);
        if ls.dtype != dtype || ls.order != Order::C || ls.axes.is_some() {
            return bad("the layout array is not <u4 in C order");
        }
        if ns.shape.len() != 1 || ls.shape != [ns.shape[0], 4] {
            return bad("the layout's shape does not match the tree's node count");
        }
    }
    if !g.native.is_empty() {
        let layouts: std::collections::HashSet<u32> = g.native.iter().map(|t| t.layout).collect();
        let live = g.reachable();
        for (node, _) in g.nodes.iter().zip(&live).filter(|(_, l)| **l) {
            if let Node::Array(i) = node {
                if layouts.contains(i) {
                    return Err(format!(
                        "array {i} is a native layout and also a value of the graph"
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_is_the_largest_f32_not_above() {
        for t in [0.5, 1e-46, -1e-46, 0.1, -0.1, 3.4e38, 1e300, -1e300] {
            let f = floor_f32(t);
            assert!(f64::from(f) <= t, "{t}");
            let up = if f >= 0.0 {
                f32::from_bits(f.to_bits() + 1)
            } else if f == -f32::from_bits(1) {
                0.0
            } else {
                f32::from_bits(f.to_bits() - 1)
            };
            assert!(f64::from(up) > t || f == f32::MAX, "{t}: {f} {up}");
        }
        assert!(floor_f32(f64::NAN).is_nan());
    }

    #[test]
    fn records_encode_and_bad_children_are_refused() {
        let mut recs = vec![0u8; 3 * 64];
        let put = |r: &mut [u8], o: usize, v: u64| r[o..o + 8].copy_from_slice(&v.to_le_bytes());
        put(&mut recs[0..64], 0, 1);
        put(&mut recs[0..64], 8, 2);
        put(&mut recs[0..64], 16, 3);
        put(&mut recs[0..64], 24, 0.5f64.to_bits());
        recs[56] = 1;
        for r in [64, 128] {
            put(&mut recs[r..r + 64], 0, u64::MAX);
            put(&mut recs[r..r + 64], 8, u64::MAX);
            put(&mut recs[r..r + 64], 16, (-2i64) as u64);
        }
        let nodes = encode_standard(&recs, 64, true).unwrap();
        assert_eq!(
            nodes[0],
            TreeNode16 {
                left: 1,
                right: 2,
                feature: 3 | MISSING_LEFT,
                threshold: 0.5
            }
        );
        assert_eq!((nodes[2].left, nodes[2].right), (2, 2));
        // a child before its parent would let a walk loop
        put(&mut recs[0..64], 8, 0);
        assert!(encode_standard(&recs, 64, true)
            .unwrap_err()
            .contains("node 0"));
    }
}
