//! LightGBM's scikit-learn models (`LGBMClassifier`, `LGBMRegressor`,
//! `LGBMRanker`), computed from the model text that
//! `skseal_core::boosters::lightgbm` parsed and checked (the one reading of
//! it; the validators used the same parse).
//!
//! As LightGBM 4.x predicts (`GBDT::Predict`, `Tree::Predict`, the dense row
//! reader of its C API):
//! - each input value is a double; values with `|v| <= 1e-35f` (and not NaN)
//!   become exactly 0.0, as LightGBM drops them from a row before predicting;
//! - numerical splits: NaN becomes 0.0 unless the split's missing type is
//!   NaN; a missing value (zero for missing type Zero, NaN for NaN) goes to
//!   the default side; else `v <= threshold` goes left;
//! - categorical splits: NaN and negative values go right; else the value
//!   truncated to an int is looked up in the split's bitset;
//! - linear trees: `leaf_const + sum(coeff * x)` unless a leaf feature is
//!   NaN, then the leaf value;
//! - the raw score of output k sums tree `i * K + k` over iterations in
//!   order, in double; `average_output` divides by the iterations used; the
//!   objective converts it with the C library's `exp` (sigmoid, softmax,
//!   exp for poisson/gamma/tweedie, `log1p(exp)` for cross-entropy lambda);
//! - the scikit-learn wrapper uses `best_iteration` when it is set, stacks
//!   `[1 - p, p]` for binary probabilities and predicts the first arg-max.

use skseal_core::boosters::lightgbm::{parse, LgbModel, LgbTree};
use skseal_core::ir::Node;

use crate::access::{Ctx, Obj};

use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{malformed, NativeError, Result};

use super::Unseen;
use crate::estimator::{boxed, Estimator, Info};
use crate::kernels::argmax_labels;

mod row;
use row::RowWalk;

const K_ZERO: f64 = 1e-35f32 as f64;

/// How the raw scores become outputs.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Transform {
    Identity,
    /// `sign(x) * x * x` (regression with `sqrt`).
    Square,
    Sigmoid(f64),
    Softmax,
    /// one sigmoid per class (multiclassova)
    SigmoidEach(f64),
    Exp,
    /// cross_entropy_lambda: `log1p(exp(x))`
    Log1pExp,
}

fn transform_of(objective: &str, path: &str) -> Result<Transform> {
    let mut words = objective.split_whitespace();
    let name = words.next().unwrap_or("");
    let param = |key: &str| -> Option<f64> {
        objective
            .split_whitespace()
            .find_map(|w| w.strip_prefix(key)?.strip_prefix(':')?.parse().ok())
    };
    let flag = |key: &str| objective.split_whitespace().any(|w| w == key);
    Ok(match name {
        "binary" => Transform::Sigmoid(param("sigmoid").unwrap_or(1.0)),
        "multiclass" => Transform::Softmax,
        "multiclassova" => Transform::SigmoidEach(param("sigmoid").unwrap_or(1.0)),
        "cross_entropy" => Transform::Sigmoid(1.0),
        "cross_entropy_lambda" => Transform::Log1pExp,
        "poisson" | "gamma" | "tweedie" => Transform::Exp,
        // the L2 objective's ConvertOutput, which these inherit
        "regression" | "regression_l1" | "huber" | "fair" | "quantile" | "mape" if flag("sqrt") => {
            Transform::Square
        }
        "regression" | "regression_l1" | "huber" | "fair" | "quantile" | "mape" | "lambdarank"
        | "rank_xendcg" => Transform::Identity,
        other => {
            return Err(NativeError::Unsupported {
                what: format!("the LightGBM objective {other:?}"),
                path: path.into(),
                hint: "load this model with skseal.load to use LightGBM".into(),
            })
        }
    })
}

/// One tree, as LightGBM walks it.
fn leaf_of(t: &LgbTree, x: &[f64]) -> usize {
    let mut node: i32 = 0;
    // the parser checked that this is a proper tree from node 0 whose
    // indices are all in range; `get` keeps a broken invariant a wrong leaf,
    // never a panic
    while node >= 0 {
        let n = node as usize;
        let f = t.split_feature.get(n).copied().unwrap_or(0) as usize;
        let v = x.get(f).copied().unwrap_or(0.0);
        let dt = t.decision_type.get(n).copied().unwrap_or(0);
        let left = t.left_child.get(n).copied().unwrap_or(-1);
        let right = t.right_child.get(n).copied().unwrap_or(-1);
        node = if dt & 1 == 1 {
            // categorical
            if v.is_nan() || (v as i32) < 0 {
                right
            } else {
                let iv = v as i32;
                let cat = t.threshold.get(n).copied().unwrap_or(0.0) as i32 as usize;
                let lo = t.cat_boundaries.get(cat).copied().unwrap_or(0) as usize;
                let hi = t.cat_boundaries.get(cat + 1).copied().unwrap_or(0) as usize;
                let word = (iv / 32) as usize;
                let hit = word < hi.saturating_sub(lo)
                    && t.cat_threshold
                        .get(lo + word)
                        .is_some_and(|w| (w >> (iv % 32)) & 1 == 1);
                if hit {
                    left
                } else {
                    right
                }
            }
        } else {
            let missing = (dt >> 2) & 3;
            let mut fv = v;
            if fv.is_nan() && missing != 2 {
                fv = 0.0;
            }
            let is_zero = (-K_ZERO..=K_ZERO).contains(&fv);
            if (missing == 1 && is_zero) || (missing == 2 && fv.is_nan()) {
                if dt & 2 == 2 {
                    left
                } else {
                    right
                }
            } else if fv <= t.threshold.get(n).copied().unwrap_or(0.0) {
                left
            } else {
                right
            }
        };
    }
    (!node) as usize
}

fn tree_predict(t: &LgbTree, x: &[f64]) -> f64 {
    let leaf = if t.num_leaves > 1 { leaf_of(t, x) } else { 0 };
    let value = t.leaf_value.get(leaf).copied().unwrap_or(0.0);
    if !t.is_linear {
        return value;
    }
    let mut out = t.leaf_const.get(leaf).copied().unwrap_or(0.0);
    let feats = t.leaf_features.get(leaf).map(Vec::as_slice).unwrap_or(&[]);
    let coeffs = t.leaf_coeff.get(leaf).map(Vec::as_slice).unwrap_or(&[]);
    for (&f, &c) in feats.iter().zip(coeffs) {
        let v = x.get(f as usize).copied().unwrap_or(0.0);
        if v.is_nan() {
            return value;
        }
        out += c * v;
    }
    out
}

/// A node of the flattened numerical trees (24 bytes): a split, or a leaf
/// whose children are itself (a walk of a fixed number of steps stays
/// there) and whose `value` is the leaf value.
#[derive(Debug, Clone, Copy)]
struct LNode {
    /// threshold, or the leaf value
    value: f64,
    feature: u32,
    /// missing type (0 none, 1 zero, 2 NaN) | 4 when missing goes left
    missing: u32,
    /// `[left, right]` within the tree: splits first, then the leaves
    children: [u32; 2],
}

const DEFAULT_LEFT: u32 = 4;

/// How a tree is walked.
#[derive(Debug, Clone, Copy)]
enum Walk {
    /// numerical splits only, not linear: `Flat::nodes[first..first + len]`,
    /// of which the first `splits` are splits and the rest leaves
    Flat {
        first: usize,
        len: usize,
        splits: usize,
    },
    /// categorical splits or a linear tree: [`tree_predict`]
    Tree,
}

/// The numerical trees as one array of nodes.
struct Flat {
    nodes: Vec<LNode>,
    walks: Vec<Walk>,
}

/// Flatten the trees that have numerical splits only and no linear leaves;
/// the others keep [`tree_predict`]. A node index out of range (the parser
/// checked they are not) keeps the tree on [`tree_predict`] too.
fn flatten(trees: &[LgbTree], width: usize) -> Flat {
    let mut nodes = Vec::new();
    let mut walks = Vec::with_capacity(trees.len());
    for t in trees {
        let start = nodes.len();
        match flat_tree(t, width, &mut nodes) {
            Some((len, splits)) => walks.push(Walk::Flat {
                first: start,
                len,
                splits,
            }),
            None => {
                nodes.truncate(start);
                walks.push(Walk::Tree);
            }
        }
    }
    Flat { nodes, walks }
}

/// Append the nodes of `t` to `nodes`: (node count, split count), or `None`
/// when `t` must keep [`tree_predict`] (also when a node is reachable twice:
/// every walk must end at a leaf).
fn flat_tree(t: &LgbTree, width: usize, nodes: &mut Vec<LNode>) -> Option<(usize, usize)> {
    if t.is_linear || t.leaf_value.len() < t.num_leaves.max(1) {
        return None;
    }
    let splits = t.num_leaves.saturating_sub(1);
    let n = splits + t.num_leaves.max(1);
    // child code -> index: a node `c >= 0` is `c`, a leaf `!c` is `splits + !c`
    let child = |c: i32| -> Option<u32> {
        let i = if c >= 0 {
            c as usize
        } else {
            splits + (!c) as usize
        };
        (i < n && (c >= 0) == (i < splits)).then_some(i as u32)
    };
    for i in 0..splits {
        let dt = *t.decision_type.get(i)?;
        let f = usize::try_from(*t.split_feature.get(i)?).ok()?;
        if dt & 1 == 1 || f >= width {
            return None;
        }
        nodes.push(LNode {
            value: *t.threshold.get(i)?,
            feature: f as u32,
            missing: u32::from((dt >> 2) & 3) | u32::from(dt & 2) << 1,
            children: [
                child(*t.left_child.get(i)?)?,
                child(*t.right_child.get(i)?)?,
            ],
        });
    }
    for l in 0..t.num_leaves.max(1) {
        let me = (splits + l) as u32;
        nodes.push(LNode {
            value: *t.leaf_value.get(l)?,
            feature: 0,
            missing: 0,
            children: [me, me],
        });
    }
    // every node reachable once from the root (so every walk ends at a leaf)
    let tree = nodes.get(nodes.len() - n..)?;
    let mut seen = vec![false; n];
    let mut stack = vec![0usize];
    while let Some(i) = stack.pop() {
        if std::mem::replace(seen.get_mut(i)?, true) {
            return None;
        }
        if i < splits {
            stack.extend(tree.get(i)?.children.map(|c| c as usize));
        }
    }
    Some((n, splits))
}

/// One step down from `node` for the row `x` (values already zeroed when
/// `|v| <= 1e-35`), LightGBM's `NumericalDecision` without branches.
#[inline(always)]
fn step(node: &LNode, x: &[f64]) -> u32 {
    let v = x.get(node.feature as usize).copied().unwrap_or(0.0);
    let missing = node.missing & 3;
    let nan = v.is_nan();
    // NaN becomes 0.0 unless the missing type is NaN
    let fv = if nan & (missing != 2) { 0.0 } else { v };
    let is_zero = (-K_ZERO..=K_ZERO).contains(&fv);
    let is_missing = ((missing == 1) & is_zero) | ((missing == 2) & nan);
    let default_left = node.missing & DEFAULT_LEFT != 0;
    let left = (is_missing & default_left) | (!is_missing & (fv <= node.value));
    node.children[usize::from(!left)]
}

/// The leaf value of `x` in a flattened tree whose first `splits` nodes
/// are splits.
#[inline]
fn flat_predict(nodes: &[LNode], splits: usize, x: &[f64]) -> f64 {
    let mut i = 0usize;
    while i < splits {
        match nodes.get(i) {
            Some(node) => i = step(node, x) as usize,
            None => break,
        }
    }
    nodes.get(i).map_or(0.0, |n| n.value)
}

/// Rows walked through a tree in lockstep: their walks are independent, so
/// the processor overlaps them.
const LANES: usize = 4;

/// The leaf values of `LANES` rows in a flattened tree: each row steps
/// until all have reached their leaves (a leaf steps to itself).
#[inline]
fn flat_predict_lanes(nodes: &[LNode], splits: usize, xs: [&[f64]; LANES]) -> [f64; LANES] {
    let mut idx = [0usize; LANES];
    while idx.iter().any(|&i| i < splits) {
        for (i, x) in idx.iter_mut().zip(xs) {
            if let Some(node) = nodes.get(*i) {
                *i = step(node, x) as usize;
            }
        }
    }
    idx.map(|i| nodes.get(i).map_or(0.0, |n| n.value))
}

/// Rows that go through each tree together (a block's rows and the tree's
/// nodes stay in cache).
const BLOCK: usize = 64;

fn unsupported_categories(path: &str, why: &str) -> NativeError {
    NativeError::Unsupported {
        what: format!("a LightGBM model fitted on pandas category columns ({why})"),
        path: path.into(),
        hint: "load it with skseal.load, or fit it on integer codes".into(),
    }
}

/// The category lists of a model fitted on a DataFrame with category
/// columns, by feature position: `pandas_categorical` holds one list per
/// category column in column order, `[categorical_feature: i,j]` their
/// positions. Each list all strings or all numbers.
fn pandas_categories(model: &LgbModel, path: &str) -> Result<Vec<Option<super::Cats>>> {
    let width = model.header.max_feature_idx + 1;
    let mut out = vec![None; width];
    let Some(text) = model.pandas_categorical.as_deref().map(str::trim) else {
        return Ok(out);
    };
    if text == "null" {
        return Ok(out);
    }
    let lists: Vec<Vec<serde_json::Value>> = serde_json::from_str(text)
        .map_err(|e| malformed(path, format!("pandas_categorical: {e}")))?;
    let positions: Vec<usize> = model
        .parameters
        .as_deref()
        .unwrap_or("")
        .lines()
        .find_map(|l| l.trim().strip_prefix("[categorical_feature: "))
        .and_then(|v| v.strip_suffix(']'))
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_default();
    if positions.len() != lists.len() {
        return Err(unsupported_categories(
            path,
            "its categorical features do not match its category lists",
        ));
    }
    for (pos, list) in positions.into_iter().zip(lists) {
        let names: Option<Vec<String>> = list
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect();
        let numbers: Option<Vec<f64>> = list.iter().map(serde_json::Value::as_f64).collect();
        let names = match (names, numbers) {
            (Some(n), _) => super::Cats::Names(n),
            (None, Some(n)) if !list.is_empty() => super::Cats::Numbers(n),
            _ => {
                return Err(unsupported_categories(
                    path,
                    "categories that are neither all strings nor all numbers",
                ))
            }
        };
        match out.get_mut(pos) {
            Some(slot) => *slot = Some(names),
            None => {
                return Err(malformed(
                    path,
                    format!("categorical feature {pos} out of range"),
                ))
            }
        }
    }
    Ok(out)
}

/// A LightGBM booster ready to predict.
struct Booster {
    model: LgbModel,
    flat: Flat,
    /// one row through all trees at once, when every tree is flattened
    row: Option<RowWalk>,
    /// For a model fitted on pandas category columns: per feature, the
    /// categories whose positions are the codes LightGBM's Python package
    /// gives the values (`pandas_categorical`, `[categorical_feature: ...]`).
    categories: Vec<Option<super::Cats>>,
    /// trees per iteration (outputs)
    k: usize,
    iterations: usize,
    transform: Transform,
}

impl Booster {
    fn read(text: &str, best_iteration: i64, path: &str) -> Result<Booster> {
        let model = parse(text.as_bytes()).map_err(|e| malformed(path, e.to_string()))?;
        let categories = pandas_categories(&model, path)?;
        let k = model.header.num_tree_per_iteration.max(1);
        let total = model.trees.len() / k;
        let iterations = if best_iteration > 0 {
            (best_iteration as usize).min(total)
        } else {
            total
        };
        let objective = model.header.objective.clone().unwrap_or_default();
        let transform = transform_of(&objective, path)?;
        let flat = flatten(&model.trees, model.header.max_feature_idx + 1);
        let row = RowWalk::new(&flat, model.header.max_feature_idx + 1);
        Ok(Booster {
            model,
            flat,
            row,
            categories,
            k,
            iterations,
            transform,
        })
    }
    fn width(&self) -> usize {
        self.model.header.max_feature_idx + 1
    }
    /// Add the trees `..used` to the outputs `o` of one row, their leaves
    /// added in tree order: all trees at once ([`RowWalk`]) when they are
    /// all flattened and the CPU has AVX2, else `LANES` trees walked in
    /// lockstep (one row alone has no other walks to overlap).
    fn row_scores(&self, x: &[f64], o: &mut [f64], used: usize) {
        let k = self.k;
        if let Some(rw) = &self.row {
            let mut leaves = vec![0.0; self.flat.walks.len()];
            if rw.leaves(x, &mut leaves) {
                for (t, v) in leaves.into_iter().enumerate().take(used) {
                    if let Some(slot) = o.get_mut(t % k) {
                        *slot += v;
                    }
                }
                return;
            }
        }
        let mut t = 0;
        while t < used {
            let n = LANES.min(used - t);
            let mut vals = [0.0; LANES];
            let mut trees: [(&[LNode], usize); LANES] = [(&[], 0); LANES];
            let mut flat = [false; LANES];
            for l in 0..n {
                match self.flat.walks.get(t + l) {
                    Some(&Walk::Flat { first, len, splits }) => {
                        trees[l] = (
                            self.flat.nodes.get(first..first + len).unwrap_or(&[]),
                            splits,
                        );
                        flat[l] = true;
                    }
                    Some(Walk::Tree) => {
                        if let Some(tree) = self.model.trees.get(t + l) {
                            vals[l] = tree_predict(tree, x);
                        }
                    }
                    None => {}
                }
            }
            let mut idx = [0usize; LANES];
            while idx.iter().zip(&trees).any(|(&i, &(_, s))| i < s) {
                for (i, &(nodes, _)) in idx.iter_mut().zip(&trees) {
                    if let Some(node) = nodes.get(*i) {
                        *i = step(node, x) as usize;
                    }
                }
            }
            for l in 0..n {
                if flat[l] {
                    vals[l] = trees[l].0.get(idx[l]).map_or(0.0, |n| n.value);
                }
                if let Some(slot) = o.get_mut((t + l) % k) {
                    *slot += vals[l];
                }
            }
            t += n;
        }
    }

    /// Raw scores (rows x k) or converted outputs. Rows go in blocks of
    /// [`BLOCK`], each block through the trees in order, so every output
    /// adds its trees in LightGBM's order.
    fn scores(&self, x: &Mat, convert: bool) -> Mat {
        let k = self.k;
        let cols = x.cols;
        let mut out = Mat::zeros(x.rows, k);
        let mut rows = vec![0.0; BLOCK.min(x.rows) * cols];
        let used = self.iterations * k;
        for start in (0..x.rows).step_by(BLOCK) {
            let nb = BLOCK.min(x.rows - start);
            let src = &x.data[start * cols..(start + nb) * cols];
            for (d, &v) in rows.iter_mut().zip(src) {
                *d = if !v.is_nan() && v.abs() <= K_ZERO {
                    0.0
                } else {
                    v
                };
            }
            let o = &mut out.data[start * k..(start + nb) * k];
            let row = |r: usize| rows.get(r * cols..(r + 1) * cols).unwrap_or(&[]);
            if nb < LANES {
                for (r, o) in o.chunks_exact_mut(k).enumerate() {
                    self.row_scores(row(r), o, used);
                }
            }
            for (t, walk) in
                self.flat
                    .walks
                    .iter()
                    .enumerate()
                    .take(if nb < LANES { 0 } else { used })
            {
                let j = t % k;
                match *walk {
                    Walk::Flat { first, len, splits } => {
                        let nodes = self.flat.nodes.get(first..first + len).unwrap_or(&[]);
                        let mut r = 0;
                        while r + LANES <= nb {
                            let xs = std::array::from_fn(|l| row(r + l));
                            for (l, v) in flat_predict_lanes(nodes, splits, xs)
                                .into_iter()
                                .enumerate()
                            {
                                if let Some(slot) = o.get_mut((r + l) * k + j) {
                                    *slot += v;
                                }
                            }
                            r += LANES;
                        }
                        for r in r..nb {
                            if let Some(slot) = o.get_mut(r * k + j) {
                                *slot += flat_predict(nodes, splits, row(r));
                            }
                        }
                    }
                    Walk::Tree => {
                        if let Some(tree) = self.model.trees.get(t) {
                            for r in 0..nb {
                                if let Some(slot) = o.get_mut(r * k + j) {
                                    *slot += tree_predict(tree, row(r));
                                }
                            }
                        }
                    }
                }
            }
            for o in o.chunks_exact_mut(k) {
                // `predict(raw_score=True)` gives the sum: LightGBM averages
                // random-forest outputs only on the converted path
                if convert && self.model.header.average_output && self.iterations > 0 {
                    for v in o.iter_mut() {
                        *v /= self.iterations as f64;
                    }
                }
                if convert {
                    convert_row(self.transform, o);
                }
            }
        }
        out
    }
}

fn convert_row(t: Transform, o: &mut [f64]) {
    match t {
        Transform::Identity => {}
        Transform::Square => {
            for v in o.iter_mut() {
                let s = if *v > 0.0 {
                    1.0
                } else if *v < 0.0 {
                    -1.0
                } else {
                    0.0
                };
                *v = s * *v * *v;
            }
        }
        Transform::Sigmoid(s) | Transform::SigmoidEach(s) => {
            for v in o.iter_mut() {
                *v = 1.0 / (1.0 + (-s * *v).exp());
            }
        }
        Transform::Softmax => {
            let mut wmax = o.first().copied().unwrap_or(0.0);
            for &v in o.iter().skip(1) {
                // std::max(rec[i], wmax): the second when they compare equal or unordered
                wmax = if wmax < v { v } else { wmax };
            }
            let mut wsum = 0.0;
            for v in o.iter_mut() {
                *v = (*v - wmax).exp();
                wsum += *v;
            }
            for v in o.iter_mut() {
                *v /= wsum;
            }
        }
        Transform::Exp => {
            for v in o.iter_mut() {
                *v = v.exp();
            }
        }
        Transform::Log1pExp => {
            for v in o.iter_mut() {
                *v = v.exp().ln_1p();
            }
        }
    }
}

/// `LGBMClassifier`, `LGBMRegressor`, `LGBMRanker`.
pub struct Lgbm {
    info: Info,
    booster: Booster,
    /// classes of a classifier
    classes: Option<Labels>,
}

impl Lgbm {
    fn read(ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str) -> Result<Lgbm> {
        if est
            .opt("_objective")
            .is_some_and(|o| !matches!(ctx.g.node(o), Some(Node::Str(_))))
        {
            return Err(NativeError::Unsupported {
                what: "a LightGBM model with a custom objective function".into(),
                path: path.into(),
                hint: "its outputs are raw scores that the function defines; load it with \
                       skseal.load"
                    .into(),
            });
        }
        let bpath = format!("{path}._Booster");
        let b = est.obj("_Booster", path)?;
        let text = b.str("_handle", &bpath)?;
        let best = b
            .opt("best_iteration")
            .and_then(|id| ctx.g.as_int(id))
            .unwrap_or(0);
        let booster = Booster::read(text, best, &format!("{bpath}._handle"))?;
        let width = booster.width();
        let n = est.usize("_n_features", path)?;
        if n != width {
            return Err(malformed(
                path,
                format!("_n_features is {n} but the booster reads {width} features"),
            ));
        }
        let named = est
            .opt("_fitted_with_feature_names")
            .and_then(|id| match ctx.g.node(id) {
                Some(Node::Bool(b)) => Some(*b),
                _ => None,
            })
            .unwrap_or(false);
        let info = Info {
            class: est.class.name.clone(),
            n_features: Some(width),
            feature_names: named.then(|| booster.model.header.feature_names.clone()),
        };
        let classes = if est.name() == "LGBMClassifier" {
            let le = est.obj("_le", path)?;
            let c = le.labels("classes_", &format!("{path}._le"))?;
            let want = if booster.k == 1 { 2 } else { booster.k };
            if c.len() != want {
                return Err(malformed(
                    path,
                    format!(
                        "{} classes for a booster with {} outputs",
                        c.len(),
                        booster.k
                    ),
                ));
            }
            if booster.k == 1 && !matches!(booster.transform, Transform::Sigmoid(_)) {
                return Err(NativeError::Unsupported {
                    what: "a binary LightGBM classifier without a sigmoid objective".into(),
                    path: path.into(),
                    hint: "load it with skseal.load".into(),
                });
            }
            Some(c)
        } else {
            None
        };
        Ok(Lgbm {
            info,
            booster,
            classes,
        })
    }

    fn proba(&self, x: &Mat) -> Mat {
        let s = self.booster.scores(x, true);
        if self.booster.k > 1 {
            return s;
        }
        let mut p = Mat::zeros(s.rows, 2);
        for r in 0..s.rows {
            let v = s.data[r];
            p.data[2 * r] = 1.0 - v;
            p.data[2 * r + 1] = v;
        }
        p
    }
}

impl Estimator for Lgbm {
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        self.classes.as_ref()
    }
    fn supports(&self, m: Method) -> bool {
        super::supports(self.classes.is_some(), m)
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        // LightGBM takes NaN and infinities; category columns as its Python
        // package codes them
        let x = super::codes(
            &self.info,
            x,
            &self.booster.categories,
            true,
            Unseen::Missing,
        )?;
        Ok(match (&self.classes, m) {
            // `predict(raw_score=True)`: the summed raw scores (not averaged
            // in random-forest mode), one column per class
            (_, Method::PredictRaw) => {
                let s = self.booster.scores(&x, false);
                if self.booster.k == 1 {
                    Output::Vector(s.data)
                } else {
                    Output::Matrix(s)
                }
            }
            (Some(c), Method::Predict) => Output::Labels(argmax_labels(&self.proba(&x), c)),
            (Some(_), _) => Output::Matrix(self.proba(&x)),
            (None, _) => {
                let s = self.booster.scores(&x, true);
                if self.booster.k == 1 {
                    Output::Vector(s.data)
                } else {
                    Output::Matrix(s)
                }
            }
        })
    }
}

impl Lgbm {
    /// A bare `lightgbm.Booster` (from `lightgbm.train`): `predict` gives
    /// the converted outputs, as `Booster.predict` does.
    fn read_booster(ctx: &Ctx<'_>, b: &Obj<'_, '_>, path: &str) -> Result<Lgbm> {
        let text = b.str("_handle", path)?;
        let best = b
            .opt("best_iteration")
            .and_then(|id| ctx.g.as_int(id))
            .unwrap_or(0);
        let booster = Booster::read(text, best, &format!("{path}._handle"))?;
        let info = Info {
            class: b.class.name.clone(),
            n_features: Some(booster.width()),
            feature_names: None,
        };
        Ok(Lgbm {
            info,
            booster,
            classes: None,
        })
    }
}

/// The implementation of `est` when this module has it.
pub(super) fn build(
    ctx: &Ctx<'_>,
    est: &Obj<'_, '_>,
    path: &str,
) -> Option<Result<Box<dyn Estimator>>> {
    match (est.class.module.as_str(), est.name()) {
        ("lightgbm.sklearn", "LGBMClassifier" | "LGBMRegressor" | "LGBMRanker") => {
            Some(boxed(Lgbm::read(ctx, est, path)))
        }
        ("lightgbm.basic", "Booster") => Some(boxed(Lgbm::read_booster(ctx, est, path))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{flat_predict, Booster, RowWalk, Walk, DEFAULT_LEFT, K_ZERO};
    use crate::gbm::row_independence::check;

    /// A 3-class LGBMClassifier on iris with NaNs (8 iterations, 7 leaves).
    const MODEL: &str = include_str!("testdata/lgbm_iris.txt");

    #[test]
    fn rows_computed_together_equal_rows_alone() {
        let b = Booster::read(MODEL, -1, "lgbm_iris").expect("fixture parses");
        assert_eq!(b.k, 3);
        check("lightgbm raw", b.width(), |x| b.scores(x, false).data);
        check("lightgbm proba", b.width(), |x| b.scores(x, true).data);
    }

    /// The one-row walk through all trees at once gives each tree's leaf
    /// as the tree's own walk does, for every missing type and direction
    /// (the fixture's splits re-typed), on zeros, tiny values, NaN and
    /// infinities.
    #[test]
    fn one_row_walk_equals_each_trees_walk() {
        let mut b = Booster::read(MODEL, -1, "lgbm_iris").expect("fixture parses");
        let values = [
            0.0,
            -0.0,
            1e-36,
            -1e-36,
            1e-34,
            f64::NAN,
            f64::INFINITY,
            -1.5,
            0.2,
            3.0,
        ];
        for missing in [0u32, 1, 2, 1 | DEFAULT_LEFT, 2 | DEFAULT_LEFT, 3] {
            for n in b.flat.nodes.iter_mut() {
                if n.children[0] != n.children[1] {
                    n.missing = missing;
                }
            }
            let Some(rw) = RowWalk::new(&b.flat, b.width()) else {
                panic!("every fixture tree is flattened");
            };
            for r in 0..200usize {
                let x: Vec<f64> = (0..b.width())
                    .map(|f| {
                        let v = values[(r * 7 + f * 3 + r / 10) % values.len()];
                        if (-K_ZERO..=K_ZERO).contains(&v) {
                            0.0
                        } else {
                            v
                        }
                    })
                    .collect();
                let mut got = vec![f64::NAN; b.flat.walks.len()];
                if !rw.leaves(&x, &mut got) {
                    assert!(!std::is_x86_feature_detected!("avx2"));
                    return;
                }
                for (t, walk) in b.flat.walks.iter().enumerate() {
                    let Walk::Flat { first, len, splits } = *walk else {
                        unreachable!()
                    };
                    let want = flat_predict(&b.flat.nodes[first..first + len], splits, &x);
                    assert_eq!(
                        want.to_bits(),
                        got[t].to_bits(),
                        "missing {missing}, row {r}, tree {t}"
                    );
                }
            }
        }
    }
}
