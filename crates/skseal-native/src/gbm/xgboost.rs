//! XGBoost's scikit-learn models (`XGBClassifier`, `XGBRegressor`,
//! `XGBRanker`, `XGBRFClassifier`, `XGBRFRegressor`) and a bare
//! `xgboost.Booster` (from `xgboost.train`); gbtree, dart and gblinear;
//! computed from the serialized booster (the `handle` of a `Booster`'s
//! pickled state) `skseal_core::boosters::xgboost` parsed and checked.
//!
//! As XGBoost 3.2's CPU predictor computes (`predict_fn.h`,
//! `cpu_predictor.cc`, `math.h`):
//! - each input value becomes a float32 (`static_cast<float>`); NaN is
//!   missing and takes the node's default child;
//! - a split goes left when `value < split_condition` (float32);
//! - a categorical split (`split_type` 1) as `common::Decision`: left
//!   unless the value is in `[0, 2^24)` and its integer part is in the
//!   split's category set; a DataFrame's category columns re-coded by value
//!   into the model's category encoder (`gbm/mod.rs` `codes`);
//! - each output group starts at the base score through the objective's
//!   link (`Logit` after clamping to [1e-6, 1 - 1e-6] for logistic
//!   objectives, `log` for poisson / gamma / tweedie), and adds the leaf of
//!   every tree of the group in tree order in float32 (dart, as its
//!   in-place predict: `((base + leaf) - base) * weight_drop`; a bare
//!   Booster's DMatrix predict: `leaf * weight_drop`);
//! - the objective's transform: `Sigmoid(float)` (`1 / (expf(min(-x,
//!   88.7)) + 1 + 1e-16)`), softmax (`fmaxf` maximum, `expf`, the sum in
//!   double, divided as float), `expf`;
//! - gblinear (`GBLinear::Pred`): per output group `psum = bias[gid] +
//!   base_score(0)` (the first base score, for every group), then `psum +=
//!   fvalue * weight[feature][gid]` over the row's present entries in
//!   column order (a DMatrix drops NaN), float32 multiplies and adds, no
//!   fused multiply-add; then the objective's transform;
//! - the scikit-learn wrapper uses `best_iteration + 1` rounds when early
//!   stopping set it, stacks `[1 - p, p]` for binary probabilities
//!   (float32), predicts `p > 0.5` for binary and the first arg-max for
//!   multiclass, as int64 class indices;
//! - a bare `Booster`'s `predict` is `Booster.predict(DMatrix(X))`: every
//!   round (`best_iteration` is not used), the transformed outputs
//!   (multi:softmax: the first largest margin's index as float32,
//!   `common::FindMaxIndex`); trained with feature names, it takes tables
//!   with those columns and refuses a matrix without names, as XGBoost
//!   refuses a DMatrix without them.

use skseal_core::boosters::xgboost::{parse, Booster, Categories, XgbModel, XgbTree};
use skseal_core::ir::Node;

use crate::access::{Ctx, Obj};
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{input as bad_input, malformed, NativeError, Result};
use crate::estimator::{boxed, Estimator, Info};

use super::Unseen;

mod complete;
use complete::{complete, Complete};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Link {
    Identity,
    Logistic,
    Log,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Transform {
    Identity,
    Sigmoid,
    Softmax,
    Exp,
    /// `multi:softmax`: the index of the first largest margin, as float32
    /// (`common::FindMaxIndex`); a bare `Booster`'s predict only
    ArgMax,
}

fn objective(name: &str, path: &str) -> Result<(Link, Transform)> {
    Ok(match name {
        "binary:logistic" | "reg:logistic" => (Link::Logistic, Transform::Sigmoid),
        "binary:logitraw" => (Link::Identity, Transform::Identity),
        "reg:squarederror"
        | "reg:squaredlogerror"
        | "reg:absoluteerror"
        | "reg:pseudohubererror"
        | "reg:quantileerror"
        | "rank:pairwise"
        | "rank:ndcg"
        | "rank:map" => (Link::Identity, Transform::Identity),
        "count:poisson" | "reg:gamma" | "reg:tweedie" => (Link::Log, Transform::Exp),
        "multi:softprob" => (Link::Identity, Transform::Softmax),
        "multi:softmax" => (Link::Identity, Transform::ArgMax),
        other => {
            return Err(NativeError::Unsupported {
                what: format!("the XGBoost objective {other:?}"),
                path: path.into(),
                hint: "load this model with skseal.load to use XGBoost".into(),
            })
        }
    })
}

fn sigmoid(x: f32) -> f32 {
    let x = if -x < 88.7f32 || (-x).is_nan() {
        -x
    } else {
        88.7f32
    };
    let denom = x.exp() + 1.0f32 + 1e-16f32;
    1.0f32 / denom
}

/// A node of the flattened trees (16 bytes): a split, or a leaf whose
/// children are itself (so a walk of a fixed number of steps stays there).
#[derive(Debug, Clone, Copy)]
struct XNode {
    /// split threshold, or the leaf value; for a categorical split, the
    /// bits of the index of its category bitset in [`Flat::words`]
    value: f32,
    /// split feature, with [`DEFAULT_LEFT`] set when a missing value goes
    /// left and [`CATEGORICAL`] for a categorical split
    feature: u32,
    /// `[left, right]` within the tree (a leaf: itself twice)
    children: [u32; 2],
}

const DEFAULT_LEFT: u32 = 1 << 31;
const CATEGORICAL: u32 = 1 << 30;
const FEATURE: u32 = !(DEFAULT_LEFT | CATEGORICAL);

/// The trees as one array of nodes, each tree a range of it, with the
/// depth that takes every row of a tree to its leaf.
struct Flat {
    nodes: Vec<XNode>,
    /// per tree: (first node, node count, depth)
    trees: Vec<(usize, usize, usize)>,
    /// the categorical splits' bitsets, each its word count then its words
    /// (bit `c % 32` of word `c / 32` set for a category `c` of the split)
    words: Vec<u32>,
}

/// The bitset of the categories of a categorical node, appended to `words`
/// (its length first, as XGBoost sizes it: the largest category + 1 bits);
/// returns where it starts.
fn push_bitset(cats: &[i32], words: &mut Vec<u32>) -> usize {
    let start = words.len();
    let n = cats
        .iter()
        .map(|&c| c.max(0) as usize / 32 + 1)
        .max()
        .unwrap_or(0);
    words.push(n as u32);
    words.extend(std::iter::repeat_n(0, n));
    for &c in cats {
        let c = c.max(0) as usize;
        if let Some(w) = words.get_mut(start + 1 + c / 32) {
            *w |= 1 << (c % 32);
        }
    }
    start
}

/// Flatten `trees`, checking what the walk relies on: children in range
/// (the parser already checked a proper tree from node 0, each node reached
/// once, categorical segments within `categories`) and split features below
/// `width`.
fn flatten(trees: &[XgbTree], width: usize, path: &str) -> Result<Flat> {
    let mut nodes = Vec::new();
    let mut words = Vec::new();
    let mut out = Vec::with_capacity(trees.len());
    for (ti, t) in trees.iter().enumerate() {
        let n = t.left_children.len();
        let start = nodes.len();
        let bad = |what: String| malformed(path, format!("tree {ti}: {what}"));
        for i in 0..n {
            let left = t.left_children[i];
            let value = t.split_conditions.get(i).copied().unwrap_or(0.0);
            if left < 0 {
                nodes.push(XNode {
                    value,
                    feature: 0,
                    children: [i as u32, i as u32],
                });
                continue;
            }
            let right = t.right_children.get(i).copied().unwrap_or(-1);
            let f = t.split_indices.get(i).copied().unwrap_or(u32::MAX);
            if left as usize >= n || right < 0 || right as usize >= n {
                return Err(bad(format!("node {i} has children out of range")));
            }
            if f as usize >= width || f > FEATURE {
                return Err(bad(format!("node {i} splits on feature {f} of {width}")));
            }
            let dl = if t.default_left.get(i).copied().unwrap_or(false) {
                DEFAULT_LEFT
            } else {
                0
            };
            let (value, cat) = if t.split_type.get(i).copied().unwrap_or(0) == 1 {
                let j = t
                    .categories_nodes
                    .binary_search(&(i as i32))
                    .map_err(|_| bad(format!("categorical node {i} has no categories")))?;
                let seg = t.categories_segments.get(j).copied().unwrap_or(-1);
                let size = t.categories_sizes.get(j).copied().unwrap_or(-1);
                let cats = usize::try_from(seg)
                    .ok()
                    .zip(usize::try_from(size).ok())
                    .and_then(|(s, k)| t.categories.get(s..s.checked_add(k)?))
                    .ok_or_else(|| bad(format!("node {i}'s categories are out of range")))?;
                let at = push_bitset(cats, &mut words);
                let at = u32::try_from(at)
                    .map_err(|_| bad("too many categorical splits".to_string()))?;
                (f32::from_bits(at), CATEGORICAL)
            } else {
                (value, 0)
            };
            nodes.push(XNode {
                value,
                feature: f | dl | cat,
                children: [left as u32, right as u32],
            });
        }
        let tree = nodes.get(start..).unwrap_or(&[]);
        out.push((
            start,
            n,
            depth_of(|i| t.left_children.get(i).copied(), tree),
        ));
    }
    Ok(Flat {
        nodes,
        trees: out,
        words,
    })
}

/// The longest path from the root of a tree of `nodes` (children in range),
/// whose node `i` is a split when `left(i)` is `Some(c)` with `c >= 0`:
/// a walk of that many steps ends at a leaf. Iterative, and bounded by the
/// node count even if a node were reachable twice.
fn depth_of(left: impl Fn(usize) -> Option<i32>, nodes: &[XNode]) -> usize {
    let mut max_depth = 0;
    let mut stack = vec![(0usize, 0usize)];
    let mut visits = 0;
    while let Some((i, d)) = stack.pop() {
        visits += 1;
        if visits > nodes.len() {
            break;
        }
        max_depth = max_depth.max(d);
        if left(i).is_some_and(|c| c >= 0) {
            if let Some(n) = nodes.get(i) {
                stack.extend(n.children.map(|c| (c as usize, d + 1)));
            }
        }
    }
    max_depth
}

/// Whether a categorical split sends `v` (not NaN) left, as XGBoost's
/// `common::Decision`: left unless `v` is a valid category (`0 <= v <
/// 2^24`), truncated to an integer, whose bit is set in the split's bitset
/// `words[at]` (its length, then its words).
#[inline(never)]
fn category_left(v: f32, at: u32, words: &[u32]) -> bool {
    if !(0.0..16_777_216.0f32).contains(&v) {
        return true;
    }
    let c = v as u32;
    let at = at as usize;
    let n = words.get(at).copied().unwrap_or(0) as usize;
    if c as usize / 32 >= n {
        return true;
    }
    let w = words.get(at + 1 + c as usize / 32).copied().unwrap_or(0);
    w >> (c % 32) & 1 == 0
}

/// One step down: the child `v` takes at `node` (NaN is missing and takes
/// the default child; else `v < threshold` goes left, or a categorical
/// split's rule), without branches for numerical splits.
#[inline(always)]
fn step(node: &XNode, x: &[f32], words: &[u32]) -> u32 {
    let f = (node.feature & FEATURE) as usize;
    let v = x.get(f).copied().unwrap_or(f32::NAN);
    let default_left = node.feature & DEFAULT_LEFT != 0;
    let test = if node.feature & CATEGORICAL != 0 && !v.is_nan() {
        category_left(v, node.value.to_bits(), words)
    } else {
        // `v < threshold` is false for NaN
        v < node.value
    };
    let left = test | (v.is_nan() & default_left);
    node.children[usize::from(!left)]
}

/// Rows walked through one tree together (their rows' floats stay in cache
/// across the trees of a block).
const BLOCK: usize = 64;

/// The leaf value of each row of `xs` (rows of `cols` floats) in the tree
/// `nodes` of depth `depth`: every row steps `depth` times (leaves are fixed
/// points), [`ROWS`] rows in lockstep, without data-dependent branches, so
/// the processor overlaps their walks.
fn leaves(nodes: &[XNode], words: &[u32], depth: usize, xs: &[f32], cols: usize, out: &mut [f32]) {
    let row = |r: usize| xs.get(r * cols..(r + 1) * cols).unwrap_or(&[]);
    for (c, chunk) in out.chunks_mut(ROWS).enumerate() {
        let rows: [&[f32]; ROWS] = std::array::from_fn(|l| row(c * ROWS + l));
        let mut idx = [0u32; ROWS];
        for _ in 0..depth {
            for (i, x) in idx.iter_mut().zip(rows) {
                if let Some(node) = nodes.get(*i as usize) {
                    *i = step(node, x, words);
                }
            }
        }
        for (o, &i) in chunk.iter_mut().zip(&idx) {
            *o = nodes.get(i as usize).map_or(0.0, |n| n.value);
        }
    }
}

/// Rows of a block walked through a tree in lockstep.
const ROWS: usize = 16;

/// Trees walked in lockstep for one row (one row alone has no other walks
/// to overlap).
const LANES: usize = 4;

/// Which prediction path of XGBoost's Python package is reproduced.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Via {
    /// The scikit-learn wrappers: `inplace_predict` (gblinear: a DMatrix)
    /// over `best_iteration + 1` rounds when the model records one.
    Wrapper,
    /// `Booster.predict(DMatrix(X))`: every round; dart adds `leaf *
    /// weight` (`Dart::PredictBatchImpl`).
    Booster,
}

/// An XGBoost gbtree / dart / gblinear booster ready to predict.
struct Model {
    via: Via,
    m: XgbModel,
    flat: Flat,
    /// the trees that qualify, stored complete for the batch walk
    complete: Complete,
    groups: usize,
    trees_used: usize,
    base: Vec<f32>,
    transform: Transform,
    /// gblinear's weights: `(num_feature + 1) x groups`, feature major, the
    /// biases last (no trees then)
    linear: Option<Vec<f32>>,
}

impl Model {
    /// The booster serialized in `buf`, predicting as `via`.
    fn read(buf: &[u8], path: &str, via: Via) -> Result<Model> {
        let m = parse(buf).map_err(|e| malformed(path, e.to_string()))?;
        let (link, transform) = objective(&m.objective, path)?;
        let groups = (m.num_output_group as usize).max(1);
        let mut base = m.base_score.clone();
        if base.len() == 1 && groups > 1 {
            base = vec![base[0]; groups];
        }
        if base.len() != groups {
            return Err(malformed(
                path,
                format!("{} base scores for {groups} outputs", base.len()),
            ));
        }
        for b in base.iter_mut() {
            *b = match link {
                Link::Identity => *b,
                Link::Log => b.ln(),
                Link::Logistic => {
                    let p = b.clamp(1e-6f32, 1.0 - 1e-6f32);
                    -(1.0f32 / p - 1.0f32).ln()
                }
            };
        }
        let trees_used = match m.best_iteration.filter(|_| via == Via::Wrapper) {
            Some(b) if b >= 0 => m
                .iteration_indptr
                .get(b as usize + 1)
                .map(|&e| e.max(0) as usize)
                .unwrap_or(m.trees.len()),
            _ => m.trees.len(),
        }
        .min(m.trees.len());
        let flat = flatten(&m.trees, m.num_feature as usize, path)?;
        let complete = complete(&flat, m.num_feature as usize);
        let linear = match &m.booster {
            Booster::GbLinear { weights, .. } => {
                let want = (m.num_feature as usize + 1) * groups;
                if weights.len() != want {
                    return Err(malformed(
                        path,
                        format!(
                            "{} gblinear weights for {} features and {groups} outputs",
                            weights.len(),
                            m.num_feature
                        ),
                    ));
                }
                Some(weights.clone())
            }
            _ => None,
        };
        Ok(Model {
            via,
            m,
            flat,
            complete,
            groups,
            trees_used,
            base,
            transform,
            linear,
        })
    }

    /// gblinear's margins of the rows of `x` into `out` (rows x groups), as
    /// `GBLinear::Pred` computes them in float32: per output group, the
    /// bias plus the first base score (`base_score(0)`, whatever the
    /// group), then `psum += fvalue * weight` over the row's present
    /// entries in column order (a DMatrix drops NaN; zeros stay). Plain
    /// multiplies and adds, no fused multiply-add (measured: XGBoost's
    /// results are these).
    fn linear_scores(&self, w: &[f32], x: &Mat, out: &mut [f32]) {
        let g = self.groups;
        let nf = self.m.num_feature as usize;
        let base = self.base.first().copied().unwrap_or(0.0);
        let bias = w.get(nf * g..).unwrap_or(&[]);
        for (row, o) in x.data.chunks_exact(x.cols).zip(out.chunks_exact_mut(g)) {
            for (gid, slot) in o.iter_mut().enumerate() {
                let mut psum = bias.get(gid).copied().unwrap_or(0.0) + base;
                for (j, &v) in row.iter().enumerate().take(nf) {
                    let v = v as f32;
                    if v.is_nan() {
                        continue;
                    }
                    psum += v * w.get(j * g + gid).copied().unwrap_or(0.0);
                }
                *slot = psum;
            }
        }
    }

    /// What dart adds for a leaf `v` of weight `w` in a group of base score
    /// `base`: in-place predict predicts each tree alone from the base
    /// score, takes the base off and weighs the difference; a DMatrix's
    /// predict weighs the leaf.
    #[inline]
    fn dart(&self, base: f32, v: f32, w: f32) -> f32 {
        match self.via {
            Via::Wrapper => ((base + v) - base) * w,
            Via::Booster => v * w,
        }
    }

    /// Add tree `t`'s leaf value `v` to the outputs `o` of a row.
    #[inline]
    fn add(&self, t: usize, v: f32, o: &mut [f32], weights: Option<&Vec<f32>>) {
        let gid = self.m.tree_info.get(t).copied().unwrap_or(0).max(0) as usize;
        let base = self.base.get(gid).copied().unwrap_or(0.0);
        if let Some(slot) = o.get_mut(gid) {
            match weights {
                Some(w) => *slot += self.dart(base, v, w.get(t).copied().unwrap_or(1.0)),
                None => *slot += v,
            }
        }
    }

    /// Add the used trees to the outputs `o` of one row, their leaves added
    /// in tree order: all trees at once when they are stored complete
    /// ([`Complete::row_leaves`]), else `LANES` trees walked in lockstep.
    fn row_scores(&self, x: &[f32], o: &mut [f32], weights: Option<&Vec<f32>>) {
        let mut leaves = vec![0f32; self.trees_used];
        if self.complete.row_leaves(x, &mut leaves) {
            for (t, &v) in leaves.iter().enumerate() {
                self.add(t, v, o, weights);
            }
            return;
        }
        let used = self.flat.trees.get(..self.trees_used).unwrap_or(&[]);
        for (g, group) in used.chunks(LANES).enumerate() {
            let mut trees: [&[XNode]; LANES] = [&[]; LANES];
            let mut depth = 0;
            for (slot, &(first, len, d)) in trees.iter_mut().zip(group) {
                *slot = self.flat.nodes.get(first..first + len).unwrap_or(&[]);
                depth = depth.max(d);
            }
            let mut idx = [0u32; LANES];
            let words = &self.flat.words;
            for _ in 0..depth {
                for (i, nodes) in idx.iter_mut().zip(trees) {
                    if let Some(node) = nodes.get(*i as usize) {
                        *i = step(node, x, words);
                    }
                }
            }
            for (l, (&i, nodes)) in idx.iter().zip(trees).enumerate().take(group.len()) {
                let v = nodes.get(i as usize).map_or(0.0, |n| n.value);
                self.add(g * LANES + l, v, o, weights);
            }
        }
    }

    /// Outputs (rows x groups), raw or converted. Rows go in blocks of
    /// [`BLOCK`], each block through the trees in order, so every output
    /// adds its trees' leaves in tree order, as XGBoost does.
    fn scores(&self, x: &Mat, convert: bool) -> Vec<f32> {
        let g = self.groups;
        let cols = x.cols;
        let mut out = vec![0f32; x.rows * g];
        if let Some(w) = &self.linear {
            if cols > 0 {
                self.linear_scores(w, x, &mut out);
            }
            if convert {
                for row in out.chunks_exact_mut(g) {
                    self.convert(row);
                }
            }
            return out;
        }
        let weights = match &self.m.booster {
            Booster::Dart { weight_drop } => Some(weight_drop),
            _ => None,
        };
        let mut xs = vec![0f32; BLOCK.min(x.rows) * cols];
        let mut vals = [0f32; BLOCK];
        for start in (0..x.rows).step_by(BLOCK) {
            let nb = BLOCK.min(x.rows - start);
            let src = &x.data[start * cols..(start + nb) * cols];
            for (d, &v) in xs.iter_mut().zip(src) {
                *d = v as f32;
            }
            let o = &mut out[start * g..(start + nb) * g];
            for row in o.chunks_exact_mut(g) {
                row.copy_from_slice(&self.base);
            }
            let few = nb < LANES;
            if few {
                for (r, o) in o.chunks_exact_mut(g).enumerate() {
                    let row = xs.get(r * cols..(r + 1) * cols).unwrap_or(&[]);
                    self.row_scores(row, o, weights);
                }
            }
            for (t, &(first, len, depth)) in
                self.flat
                    .trees
                    .iter()
                    .enumerate()
                    .take(if few { 0 } else { self.trees_used })
            {
                let gid = self.m.tree_info.get(t).copied().unwrap_or(0).max(0) as usize;
                if gid >= g {
                    continue;
                }
                if !self.complete.leaves(t, &xs, cols, &mut vals[..nb]) {
                    let nodes = self.flat.nodes.get(first..first + len).unwrap_or(&[]);
                    leaves(nodes, &self.flat.words, depth, &xs, cols, &mut vals[..nb]);
                }
                let base = self.base.get(gid).copied().unwrap_or(0.0);
                let slots = o.iter_mut().skip(gid).step_by(g);
                match weights {
                    Some(w) => {
                        let w = w.get(t).copied().unwrap_or(1.0);
                        for (slot, &v) in slots.zip(&vals[..nb]) {
                            *slot += self.dart(base, v, w);
                        }
                    }
                    None => {
                        for (slot, &v) in slots.zip(&vals[..nb]) {
                            *slot += v;
                        }
                    }
                }
            }
            if convert {
                for row in o.chunks_exact_mut(g) {
                    self.convert(row);
                }
            }
        }
        out
    }

    fn convert(&self, o: &mut [f32]) {
        match self.transform {
            // the indices replace the rows in `Xgb::values`
            Transform::Identity | Transform::ArgMax => {}
            Transform::Sigmoid => o.iter_mut().for_each(|v| *v = sigmoid(*v)),
            Transform::Exp => o.iter_mut().for_each(|v| *v = v.exp()),
            Transform::Softmax => {
                let mut wmax = o.first().copied().unwrap_or(0.0);
                for &v in o.iter().skip(1) {
                    wmax = v.max(wmax);
                }
                let mut wsum = 0f64;
                for v in o.iter_mut() {
                    *v = (*v - wmax).exp();
                    wsum += *v as f64;
                }
                for v in o.iter_mut() {
                    *v /= wsum as f32;
                }
            }
        }
    }
}

/// The categories of the model's category encoder, per feature (empty
/// without one): strings, or integers up to 2^53 in magnitude (compared as
/// the float64 values a DataFrame column gives); others are refused.
fn categories(m: &XgbModel, path: &str) -> Result<Vec<Option<super::Cats>>> {
    const EXACT: i64 = 1 << 53;
    let refuse = || NativeError::Unsupported {
        what: "an XGBoost model fitted on pandas category columns whose categories are \
               neither strings nor integers below 2^53"
            .into(),
        path: path.into(),
        hint: "load it with skseal.load".into(),
    };
    m.categories
        .iter()
        .map(|c| match c {
            None => Ok(None),
            Some(Categories::Strings(s)) => Ok(Some(super::Cats::Names(s.clone()))),
            Some(Categories::Integers(v)) if v.iter().all(|n| n.abs() <= EXACT) => Ok(Some(
                super::Cats::Numbers(v.iter().map(|&n| n as f64).collect()),
            )),
            Some(Categories::Integers(_) | Categories::Other(_)) => Err(refuse()),
        })
        .collect()
}

/// The booster serialized in `b.handle` (a `Booster`'s pickled state, a
/// bytearray), read as [`Model::read`] with `via`.
fn handle(ctx: &Ctx<'_>, b: &Obj<'_, '_>, path: &str, via: Via) -> Result<Model> {
    let handle = b.req("handle", path)?;
    let Some(Node::ByteArray(buf)) = ctx.g.node(handle) else {
        return Err(malformed(
            path,
            "handle is not XGBoost's serialized booster",
        ));
    };
    Model::read(buf, &format!("{path}.handle"), via)
}

/// The XGBoost scikit-learn estimators, and a bare `xgboost.Booster`.
pub struct Xgb {
    info: Info,
    model: Model,
    /// per feature, the categories of a DataFrame's category column in
    /// training (their positions are the codes the splits hold)
    categories: Vec<Option<super::Cats>>,
    /// number of classes of a classifier
    n_classes: Option<usize>,
    classes: Option<Labels>,
    /// a bare `Booster`: with feature names, input without column names is
    /// refused, as `Booster.predict` refuses a DMatrix without them
    bare: bool,
}

impl Xgb {
    /// What the scikit-learn wrappers and a bare booster share: the info
    /// (the booster's feature names, if any) and the category encoder.
    fn of_model(class: &str, model: Model, path: &str, bare: bool) -> Result<Xgb> {
        let categories = categories(&model.m, &format!("{path}.handle"))?;
        let width = model.m.num_feature as usize;
        let names = (!model.m.feature_names.is_empty()).then(|| model.m.feature_names.clone());
        let info = Info {
            class: class.to_string(),
            n_features: Some(width),
            feature_names: names,
        };
        Ok(Xgb {
            info,
            model,
            categories,
            n_classes: None,
            classes: None,
            bare,
        })
    }

    /// A bare `xgboost.Booster` (from `xgboost.train`): `predict` is
    /// `Booster.predict(DMatrix(X))` (every round, whatever
    /// `best_iteration`; class indices as float32 for multi:softmax),
    /// `predict_raw` its `output_margin=True`.
    fn read_booster(ctx: &Ctx<'_>, b: &Obj<'_, '_>, path: &str) -> Result<Xgb> {
        let model = handle(ctx, b, path, Via::Booster)?;
        Xgb::of_model(&b.class.name, model, path, true)
    }

    fn read(ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str) -> Result<Xgb> {
        if let Some(m) = est.opt("missing") {
            let nan = matches!(ctx.g.node(m), Some(Node::Float(f)) if f.is_nan());
            if !nan {
                return Err(NativeError::Unsupported {
                    what: "an XGBoost model with a missing value other than NaN".into(),
                    path: path.into(),
                    hint: "load it with skseal.load".into(),
                });
            }
        }
        let bpath = format!("{path}._Booster");
        let b = est.obj("_Booster", path)?;
        let model = handle(ctx, &b, &bpath, Via::Wrapper)?;
        if model.transform == Transform::ArgMax {
            return Err(NativeError::Unsupported {
                what: "an XGBoost scikit-learn model with objective \"multi:softmax\"".into(),
                path: path.into(),
                hint: "load it with skseal.load (a bare Booster with it is native)".into(),
            });
        }
        let mut xgb = Xgb::of_model(&est.class.name, model, &bpath, false)?;
        if matches!(est.name(), "XGBClassifier" | "XGBRFClassifier") {
            let model = &xgb.model;
            let n = est.usize("n_classes_", path)?;
            let ok = match model.transform {
                Transform::Sigmoid => n == 2 && model.groups == 1,
                Transform::Softmax => n == model.groups && n > 2,
                _ => false,
            };
            if !ok {
                return Err(NativeError::Unsupported {
                    what: format!(
                        "an XGBoost classifier with objective {:?} and {n} classes",
                        model.m.objective
                    ),
                    path: path.into(),
                    hint: "load it with skseal.load".into(),
                });
            }
            xgb.n_classes = Some(n);
            xgb.classes = Some(Labels::Int((0..n as i64).collect()));
        }
        Ok(xgb)
    }

    /// `predict` of a regressor, ranker or bare booster: the transformed
    /// outputs, or for multi:softmax each row's first largest margin's
    /// index as float32.
    fn values(&self, x: &Mat) -> Output {
        let s = self.model.scores(x, true);
        if self.model.transform != Transform::ArgMax {
            return self.outputs(x.rows, s);
        }
        let g = self.model.groups;
        let idx = s
            .chunks_exact(g)
            .map(|row| {
                let mut best = 0;
                for (k, &v) in row.iter().enumerate() {
                    if row.get(best).is_some_and(|&b| v > b) {
                        best = k;
                    }
                }
                best as f32 as f64
            })
            .collect();
        Output::Vector(idx)
    }

    /// Float32 scores of `rows` rows as float64: a vector for one output
    /// group, else a matrix.
    fn outputs(&self, rows: usize, s: Vec<f32>) -> Output {
        let data = s.iter().map(|&v| v as f64).collect();
        if self.model.groups == 1 {
            Output::Vector(data)
        } else {
            Output::Matrix(Mat {
                rows,
                cols: self.model.groups,
                data,
            })
        }
    }

    fn proba(&self, x: &Mat) -> Mat {
        let s = self.model.scores(x, true);
        let rows = x.rows;
        if self.model.groups > 1 {
            return Mat {
                rows,
                cols: self.model.groups,
                data: s.iter().map(|&v| v as f64).collect(),
            };
        }
        let mut p = Mat::zeros(rows, 2);
        for (r, &v) in s.iter().enumerate() {
            p.data[2 * r] = (1.0f32 - v) as f64;
            p.data[2 * r + 1] = v as f64;
        }
        p
    }
}

impl Estimator for Xgb {
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        self.classes.as_ref()
    }
    fn supports(&self, m: Method) -> bool {
        super::supports(self.n_classes.is_some(), m)
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        if let (true, Some(names), Data::Dense(_)) = (self.bare, &self.info.feature_names, &x) {
            // XGBoost's words: a DMatrix of a numpy array has no names
            return Err(bad_input(format!(
                "data did not contain feature names, but the following fields are expected: \
                 {} (this Booster was trained with feature names: give a table with them)",
                names.join(", ")
            )));
        }
        // category columns re-coded by value as XGBoost does; an unseen
        // category is XGBoost's error too
        let x = super::codes(&self.info, x, &self.categories, false, Unseen::Refused)?;
        Ok(match (self.n_classes, m) {
            // `predict(output_margin=True)`: base margin plus leaves, in float32
            (_, Method::PredictRaw) => self.outputs(x.rows, self.model.scores(&x, false)),
            (Some(_), Method::PredictProba) => Output::Matrix(self.proba(&x)),
            (Some(_), _) => {
                let p = self.proba(&x);
                let idx: Vec<i64> = (0..p.rows)
                    .map(|r| {
                        let row = p.row(r);
                        if self.model.groups == 1 {
                            i64::from(row[1] > 0.5)
                        } else {
                            let mut best = 0;
                            for (k, &v) in row.iter().enumerate() {
                                if v > row[best] {
                                    best = k;
                                }
                            }
                            best as i64
                        }
                    })
                    .collect();
                Output::Labels(Labels::Int(idx))
            }
            (None, _) => self.values(&x),
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
        (
            "xgboost.sklearn",
            "XGBClassifier" | "XGBRegressor" | "XGBRanker" | "XGBRFClassifier" | "XGBRFRegressor",
        ) => Some(boxed(Xgb::read(ctx, est, path))),
        ("xgboost.core", "Booster") => Some(boxed(Xgb::read_booster(ctx, est, path))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{category_left, push_bitset};

    #[test]
    fn categorical_decisions_follow_xgboost() {
        let mut words = vec![7, 7];
        let at = push_bitset(&[1, 3, 40], &mut words) as u32;
        assert_eq!(words.get(at as usize), Some(&2));
        let right = |v: f32| !category_left(v, at, &words);
        for v in [1.0, 1.5, 3.0, 3.99, 40.0, 40.5] {
            assert!(right(v), "{v}");
        }
        for v in [
            0.0,
            -0.0,
            2.0,
            39.0,
            41.0,
            63.0,
            64.0,
            1e7,
            -0.5,
            -1.0,
            16_777_216.0,
        ] {
            assert!(!right(v), "{v}");
        }
        // a bitset past the end of `words` (never built) sends everything left
        assert!(category_left(1.0, 1000, &words));
    }
}

#[cfg(test)]
mod row_tests {
    use super::{Model, Via};
    use crate::gbm::row_independence::check;

    /// A 3-class XGBClassifier on iris with NaNs (8 rounds, depth 3).
    const MODEL: &[u8] = include_bytes!("testdata/xgb_iris.ubj");

    #[test]
    fn rows_computed_together_equal_rows_alone() {
        let m = Model::read(MODEL, "xgb_iris", Via::Wrapper).expect("fixture parses");
        assert_eq!(m.groups, 3);
        let cols = m.m.num_feature as usize;
        let f64s = |v: Vec<f32>| v.into_iter().map(f64::from).collect();
        check("xgboost margin", cols, |x| f64s(m.scores(x, false)));
        check("xgboost proba", cols, |x| f64s(m.scores(x, true)));
    }

    /// The same XGBClassifier with gblinear (8 rounds).
    const LINEAR: &[u8] = include_bytes!("testdata/xgb_linear_iris.ubj");

    #[test]
    fn gblinear_rows_are_independent_and_skip_missing_entries() {
        let m = Model::read(LINEAR, "xgb_linear_iris", Via::Wrapper).expect("fixture parses");
        assert_eq!((m.groups, m.m.num_feature), (3, 4));
        let w = m.linear.clone().expect("a gblinear booster");
        assert_eq!(w.len(), 5 * 3);
        let cols = m.m.num_feature as usize;
        let f64s = |v: Vec<f32>| v.into_iter().map(f64::from).collect();
        check("gblinear margin", cols, |x| f64s(m.scores(x, false)));
        check("gblinear proba", cols, |x| f64s(m.scores(x, true)));
        // one row by hand: bias + base_score(0), then the present entries
        // in column order (the NaN skipped), in float32
        let row = [5.1, f64::NAN, -1.5, 0.0];
        let x = crate::data::Mat::new(1, 4, row.to_vec()).expect("a 1 x 4 matrix");
        let got = m.scores(&x, false);
        for (g, &v) in got.iter().enumerate() {
            let mut want = w[4 * 3 + g] + m.base[0];
            for j in [0, 2, 3] {
                want += row[j] as f32 * w[j * 3 + g];
            }
            assert_eq!(v.to_bits(), want.to_bits(), "group {g}");
        }
    }
}
