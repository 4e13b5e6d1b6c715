//! Decision trees and the ensembles built from them, bit-exact with
//! scikit-learn's Cython code:
//!
//! - features are cast to float32 (`check_array(X, dtype=np.float32)`), then
//!   compared as `(x as f64) <= threshold` with the f64 threshold;
//! - NaN follows `missing_go_to_left` (`Tree._apply_dense`), except in
//!   gradient boosting, whose `predict_stages` has no NaN branch (NaN <= t is
//!   false: right);
//! - forest probabilities are summed in tree order starting from 0.0 and
//!   divided once by the number of trees;
//! - gradient boosting adds `learning_rate * value` per stage to the initial
//!   raw prediction; histogram gradient boosting adds leaf values in f64
//!   (no float32 cast) to the baseline.

use crate::access::{field_at, field_kind, Ctx, Obj};
use crate::data::Mat;
use crate::error::{input, malformed, Result};
use crate::npsum;
use crate::slab::Slab;

mod boosting;
mod forest;
mod hist;
mod isolation;
mod walk;

use walk::{any_mapped, walk_all, LANES};

pub use boosting::GradientBoosting;
pub use forest::Forest;
pub use hist::HistGradientBoosting;
pub use isolation::IsolationForest;

/// A split node in 16 bytes: skseal-core's one encoding, which files store
/// as their native layout (`skseal_core::layout`). The f64 threshold is held
/// as the largest f32 not above it, so comparing in f32 gives
/// scikit-learn's answer bit for bit.
type TNode = skseal_core::layout::TreeNode16;

use skseal_core::layout::MISSING_LEFT;

/// Rows cast to f32 as scikit-learn's `check_array(X, dtype=np.float32)`
/// does; small inputs use a stack buffer (the one-row path allocates nothing).
fn with_f32<R>(x: &Mat, f: impl FnOnce(&[f32]) -> R) -> R {
    const STACK: usize = 512;
    let n = x.data.len();
    if n <= STACK {
        let mut buf = [0f32; STACK];
        for (d, s) in buf.iter_mut().zip(&x.data) {
            *d = *s as f32;
        }
        f(&buf[..n])
    } else {
        let v: Vec<f32> = x.data.iter().map(|&s| s as f32).collect();
        f(&v)
    }
}

/// A buffer of `n` leaf indices: on the stack for few rows (the one-row
/// paths allocate nothing).
fn with_leaves<R>(n: usize, f: impl FnOnce(&mut [u32]) -> R) -> R {
    const STACK: usize = 64;
    if n <= STACK {
        let mut buf = [0u32; STACK];
        f(&mut buf[..n])
    } else {
        f(&mut vec![0u32; n])
    }
}

/// Node `i` of `count` from its record's words (left, right, feature,
/// threshold bits); the ranges are checked again by [`Tree::validated`].
#[inline(always)]
fn tnode(i: usize, words: [u64; 4], missing_left: bool, count: usize, path: &str) -> Result<TNode> {
    skseal_core::layout::encode_node(i, words, missing_left, count)
        .map_err(|why| malformed(path, why))
}

/// One fitted `sklearn.tree._tree.Tree`.
#[derive(Debug, Clone)]
pub struct Tree {
    /// The nodes as skseal-core encodes them: a split's `feature` carries
    /// [`MISSING_LEFT`] when NaN goes left. Possibly a view of a mapped file
    /// (whose bytes may change after the checks: walks bound every index by
    /// `last` and `feature_cap`, fixed here, so they stay in bounds whatever
    /// the bytes hold).
    nodes: Slab<TNode>,
    /// Owned nodes only (empty for mapped ones): per node, NaN goes left;
    /// owned nodes have that bit moved out of `feature`, and leaves' feature
    /// set to 0, at load (`from_checked`), for the unchecked walks.
    missing: Vec<bool>,
    /// `value` flattened: node_count x n_outputs x max_n_classes.
    values: Slab<f64>,
    /// Index of the last node (`nodes.len() - 1`).
    last: u32,
    /// The largest feature index a walk may read: `max(n_features, 1) - 1`.
    feature_cap: u32,
    /// Values per node (n_outputs x max_n_classes).
    stride: usize,
    max_n_classes: usize,
    /// Every split names a feature below this.
    n_features: usize,
    /// Some split sends NaN left.
    missing_left: bool,
    /// Every walk is at its leaf after this many steps: the depth of a small
    /// tree, the node count of a larger one ([`check_nodes`]).
    steps: u32,
}

impl Tree {
    /// scikit-learn < 1.4 stored weighted class counts in a classifier's
    /// `tree_.value` and divided at predict time (`proba /= proba.sum(axis=1)`,
    /// a zero sum read as 1.0); dividing each node's values once here gives
    /// the same bits (the division is per element; the sum is numpy's).
    fn normalize_counts(&mut self) {
        let k = self.max_n_classes;
        let stride = self.stride;
        for node in self.values.to_mut().chunks_mut(stride) {
            let row = &mut node[..k];
            let s = npsum::sum(row);
            let s = if s == 0.0 { 1.0 } else { s };
            for v in row.iter_mut() {
                *v /= s;
            }
        }
    }

    /// Read the `tree_` attribute of a fitted tree estimator (through
    /// `ctx.trees` when the model is read from a file array by array).
    pub fn read(ctx: &Ctx<'_>, est: &Obj<'_, '_>, n_features: usize, path: &str) -> Result<Tree> {
        let Some(src) = ctx.trees else {
            return Tree::read_here(ctx, est, n_features, path);
        };
        let t = est.obj("tree_", &format!("{path}.tree_"))?;
        if !t.is("sklearn.tree._tree", "Tree") {
            return Tree::read_here(ctx, est, n_features, path);
        }
        if let Some(stored) = src.stored(t.id, &format!("{path}.tree_")) {
            let s = stored?;
            return Tree::validated(
                s.nodes,
                s.values,
                s.shape[1] * s.shape[2],
                s.shape[2],
                n_features,
                &format!("{path}.tree_ (native layout)"),
            );
        }
        let est_id = est.id;
        let mut out = None;
        src.with_tree(ctx, t.id, &mut |c| {
            let e = c.obj(est_id, path)?;
            out = Some(Tree::read_here(c, &e, n_features, path)?);
            Ok(())
        })?;
        out.ok_or_else(|| malformed(path, "the tree was not read"))
    }

    fn read_here(ctx: &Ctx<'_>, est: &Obj<'_, '_>, n_features: usize, path: &str) -> Result<Tree> {
        let path = format!("{path}.tree_");
        let t = est.obj("tree_", &path)?;
        if !t.is("sklearn.tree._tree", "Tree") {
            return Err(malformed(
                &path,
                format!("expected a Tree, found {}", t.class),
            ));
        }
        let nodes_id = t.req("nodes", &path)?;
        let (dtype, count, recs) = ctx.records(nodes_id, &format!("{path}.nodes"))?;
        let np = format!("{path}.nodes");
        for (f, kinds) in [
            ("left_child", "i"),
            ("right_child", "i"),
            ("feature", "i"),
            ("threshold", "f"),
        ] {
            let (k, size) = field_kind(&dtype, f, &np)?;
            if !kinds.contains(k) || size != 8 {
                return Err(malformed(&np, format!("field {f} has an unexpected type")));
            }
        }
        let item = dtype.itemsize().unwrap_or(0) as usize;
        if item == 0 || recs.len() != item * count {
            return Err(malformed(&np, "inconsistent record layout"));
        }
        let at = |f: &str| field_at(&dtype, f, item, &np);
        let (left, right, feature, threshold) = (
            at("left_child")?,
            at("right_child")?,
            at("feature")?,
            at("threshold")?,
        );
        let missing = match dtype.field("missing_go_to_left") {
            Some(_) => Some(at("missing_go_to_left")?),
            None => None,
        };
        let vals = ctx.arr_f64(t.req("values", &path)?, &format!("{path}.values"))?;
        if vals.shape.len() != 3 || vals.shape[0] != count {
            return Err(malformed(
                &format!("{path}.values"),
                format!("shape {:?} does not match {count} nodes", vals.shape),
            ));
        }
        let stride = vals.shape[1] * vals.shape[2];
        if count == 0 || count > u32::MAX as usize - 1 {
            return Err(malformed(&np, format!("{count} nodes")));
        }
        if n_features >= MISSING_LEFT as usize {
            return Err(malformed(&np, "too many features"));
        }
        // scikit-learn's NODE_DTYPE: skseal-core's one encoding of its
        // records (fixed offsets, no per-field dispatch); any other record
        // layout field by field
        let nodes = if let Some(has_missing) = skseal_core::layout::standard_node_dtype(&dtype) {
            skseal_core::layout::encode_standard(&recs, item, has_missing)
                .map_err(|why| malformed(&np, why))?
        } else {
            let mut nodes = Vec::with_capacity(count);
            for (i, r) in recs.chunks_exact(item).enumerate() {
                let words = [left.get(r), right.get(r), feature.get(r), threshold.get(r)];
                let miss = missing.as_ref().is_some_and(|m| m.get(r) != 0);
                nodes.push(tnode(i, words, miss, count, &np)?);
            }
            nodes
        };
        Tree::validated(nodes, vals.data, stride, vals.shape[2], n_features, &np)
    }

    /// The tree, once its nodes are checked to hold what the unchecked walks
    /// of `walk.rs` rely on ([`check_nodes`]), a split's feature is below
    /// `n_features` and `values` covers every node.
    fn validated(
        nodes: impl Into<Slab<TNode>>,
        values: impl Into<Slab<f64>>,
        stride: usize,
        max_n_classes: usize,
        n_features: usize,
        path: &str,
    ) -> Result<Tree> {
        let (nodes, values) = (nodes.into(), values.into());
        let checked = check_nodes(&nodes).map_err(|why| malformed(path, why))?;
        Tree::from_checked(
            nodes,
            values,
            checked,
            stride,
            max_n_classes,
            n_features,
            path,
        )
    }

    /// The tree from nodes that passed [`check_nodes`].
    fn from_checked(
        nodes: Slab<TNode>,
        values: Slab<f64>,
        checked: CheckedNodes,
        stride: usize,
        max_n_classes: usize,
        n_features: usize,
        path: &str,
    ) -> Result<Tree> {
        let count = nodes.len();
        if count == 0 || count > u32::MAX as usize - 1 || n_features >= MISSING_LEFT as usize {
            return Err(malformed(
                path,
                format!("{count} nodes, {n_features} features"),
            ));
        }
        if checked.features > n_features {
            return Err(malformed(
                path,
                format!(
                    "a split uses feature {}, but the model has {n_features} features",
                    checked.features - 1
                ),
            ));
        }
        if max_n_classes > stride || count.checked_mul(stride) != Some(values.len()) {
            return Err(malformed(path, "the values do not match the nodes"));
        }
        let mut nodes = nodes;
        let missing = if nodes.is_mapped() {
            Vec::new()
        } else {
            strip_missing(nodes.to_mut())
        };
        Ok(Tree {
            missing,
            last: (count - 1) as u32,
            feature_cap: (n_features.max(1) - 1) as u32,
            nodes,
            missing_left: checked.missing_left,
            values,
            stride,
            max_n_classes,
            n_features,
            steps: checked.steps,
        })
    }

    /// Every value of node `leaf`: n_outputs x max_n_classes (a regressor's
    /// outputs).
    #[inline]
    fn node_values(&self, leaf: usize) -> &[f64] {
        &self.values[leaf * self.stride..(leaf + 1) * self.stride]
    }

    #[inline]
    fn value(&self, leaf: usize) -> &[f64] {
        &self.values[leaf * self.stride..leaf * self.stride + self.max_n_classes]
    }
}

/// What [`check_nodes`] found: some split sends NaN left; a number of
/// steps after which every walk is at its leaf; one more than the largest
/// feature a split uses (0 without splits).
#[derive(Debug, Clone)]
pub(crate) struct CheckedNodes {
    pub missing_left: bool,
    pub steps: u32,
    pub features: usize,
}

/// Trees of at most this many nodes get their exact depth measured (a tree
/// of depth <= `walk::SHALLOW` has at most this many nodes, and is walked
/// in exactly that many steps); a larger tree's walks are bounded by its node
/// count (indices only grow along a walk), which costs no pass over a
/// per-node depth array at load.
const EXACT_DEPTH_NODES: usize = (1 << (walk::SHALLOW + 1)) - 1;

/// 1 when node `i` of `n` is as [`check_nodes`] requires: a leaf points at
/// itself; a split's children are after it and in range. In u32 lanes, so
/// the scan over all nodes vectorizes.
#[inline(always)]
fn node_ok(i: u32, n: u32, nd: &TNode) -> u32 {
    let (l, r) = (nd.left, nd.right);
    let split = u32::from(l != r);
    let split_ok = u32::from(l > i) & u32::from(r > i) & u32::from(l < n) & u32::from(r < n);
    (split & split_ok) | ((split ^ 1) & u32::from(l == i))
}

/// What one pass over a tree's nodes found (see [`check_nodes`]).
struct Scan {
    all_ok: bool,
    missing_left: bool,
    features: usize,
}

/// The one pass of [`check_nodes`]: every node checked, the NaN bits and
/// the largest feature gathered, in u32 lanes without a branch. Compiled a
/// second time with AVX2, chosen at run time; integers only, so both
/// copies give the same answer (`scan_copies_agree`).
fn scan_nodes(nodes: &[TNode]) -> Scan {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2")]
        fn with_avx2(nodes: &[TNode]) -> Scan {
            scan_body(nodes)
        }
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: `with_avx2` needs only the avx2 target feature, which
            // has just been detected.
            return unsafe { with_avx2(nodes) };
        }
    }
    scan_body(nodes)
}

#[inline(always)]
fn scan_body(nodes: &[TNode]) -> Scan {
    // callers hold at most u32::MAX - 1 nodes
    let n = nodes.len() as u32;
    let (mut ok, mut miss, mut feat) = (1u32, 0u32, 0u32);
    for (i, nd) in nodes.iter().enumerate() {
        let split = u32::from(nd.left != nd.right);
        ok &= node_ok(i as u32, n, nd);
        miss |= split & (nd.feature >> 31);
        feat = feat.max(split * ((nd.feature & !MISSING_LEFT) + 1));
    }
    Scan {
        all_ok: ok == 1,
        missing_left: miss == 1,
        features: feat as usize,
    }
}

/// Check a tree's nodes for what the walks of `walk.rs` rely on to give
/// scikit-learn's leaf: at least one node; a split's children and a leaf's
/// self-links are node indices, a split's children after it (so every walk
/// ends at a leaf), a leaf points at itself and nothing else has equal
/// children. Measures the steps a walk takes at most, the features the
/// splits use and whether any split sends NaN left. One branch-free pass
/// (leaves and splits alternate unpredictably); a second finds the node to
/// name when the first fails.
pub(crate) fn check_nodes(nodes: &[TNode]) -> std::result::Result<CheckedNodes, String> {
    let count = nodes.len();
    if count == 0 || count > u32::MAX as usize - 1 {
        return Err(format!("{count} nodes"));
    }
    let scan = scan_nodes(nodes);
    if !scan.all_ok {
        let n = count as u32;
        let bad = nodes
            .iter()
            .enumerate()
            .find(|&(i, nd)| node_ok(i as u32, n, nd) == 0);
        return Err(bad.map_or_else(
            || "a node's children are out of range".to_string(),
            |(i, n)| format!("node {i}: children ({}, {}) out of range", n.left, n.right),
        ));
    }
    let (missing_left, features) = (scan.missing_left, scan.features);
    let steps = if count <= EXACT_DEPTH_NODES {
        // depth of every node (children come after parents); a leaf's
        // children are itself, so its update changes nothing
        let mut d = [0u32; EXACT_DEPTH_NODES];
        for (i, n) in nodes.iter().enumerate() {
            let (l, r) = (n.left as usize, n.right as usize);
            let below = d[i] + u32::from(l != r);
            d[l] = d[l].max(below);
            d[r] = d[r].max(below);
        }
        // every split has a deeper child, so the deepest node is a leaf
        d.iter().copied().max().unwrap_or(0)
    } else {
        (count - 1) as u32
    };
    Ok(CheckedNodes {
        missing_left,
        steps,
        features,
    })
}

/// For owned, checked nodes: move each split's NaN bit out of its feature
/// into the returned vector, and set leaves' features to 0 (a leaf steps to
/// itself whatever it names; 0 is in bounds for the unchecked walks).
fn strip_missing(nodes: &mut [TNode]) -> Vec<bool> {
    nodes
        .iter_mut()
        .map(|n| {
            let split = n.left != n.right;
            let miss = split & (n.feature & MISSING_LEFT != 0);
            n.feature = if split { n.feature & !MISSING_LEFT } else { 0 };
            miss
        })
        .collect()
}

/// sklearn's input check for trees: finite after the float32 cast, NaN only
/// where the model handles missing values.
fn check_f32(x: &Mat, allow_nan: bool, model: &str) -> Result<()> {
    for (k, &v) in x.data.iter().enumerate() {
        let f = v as f32;
        if f.is_infinite() {
            return Err(input(format!(
                "row {}, column {}: {v} is infinite or too large for float32, which {model} computes in",
                k / x.cols.max(1),
                k % x.cols.max(1)
            )));
        }
        if f.is_nan() && !allow_nan {
            return Err(input(format!(
                "row {}, column {}: NaN, and {model} does not accept missing values",
                k / x.cols.max(1),
                k % x.cols.max(1)
            )));
        }
    }
    Ok(())
}

/// Does this classifier's `tree_.value` hold weighted counts (saved by
/// scikit-learn < 1.4, or by a release too old to record its version)
/// rather than the class fractions 1.4 and later store?
fn stores_counts(est: &Obj<'_, '_>, path: &str) -> Result<bool> {
    let Some(v) = est.opt_str("_sklearn_version", path)? else {
        return Ok(true);
    };
    let mut parts = v.split('.').map(|p| {
        p.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse::<u32>()
            .ok()
    });
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(major), Some(minor)) => Ok((major, minor) < (1, 4)),
        _ => Err(malformed(
            &format!("{path}._sklearn_version"),
            format!("{v:?} is not a version"),
        )),
    }
}

/// `n_outputs_` (1 when absent): each node holds values for every output.
fn n_outputs(est: &Obj<'_, '_>, path: &str) -> Result<usize> {
    let Some(v) = est.opt("n_outputs_") else {
        return Ok(1);
    };
    let n = est.ctx.usize(v, &format!("{path}.n_outputs_"))?;
    if n == 0 {
        return Err(malformed(&format!("{path}.n_outputs_"), "0 outputs"));
    }
    Ok(n)
}

#[cfg(test)]
mod check_tests;
