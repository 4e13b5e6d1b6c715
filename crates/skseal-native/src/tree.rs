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

use crate::access::{field_kind, field_words, Ctx, Obj};
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{input, malformed, NativeError, Result};
use crate::estimator::{check_width, Estimator, Info};
use crate::kernels::{argmax_labels, expit, log_mat, logit, softmax_rows};
use crate::npmath;
use crate::npsum;

/// A split node in 16 bytes. The f64 threshold is stored as the largest f32
/// not above it: for an f32 feature value `v` (not NaN),
/// `(v as f64) <= threshold` holds exactly when `v <= floor_f32(threshold)`,
/// so comparing in f32 gives scikit-learn's answer bit for bit.
#[derive(Debug, Clone, Copy)]
struct TNode {
    left: u32,
    right: u32,
    /// feature index; the top bit is `missing_go_to_left`
    feature: u32,
    threshold: f32,
}

const MISSING_LEFT: u32 = 1 << 31;

/// The largest f32 that is `<= t` (NaN stays NaN: every comparison is false).
fn floor_f32(t: f64) -> f32 {
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

/// Walks done together: independent (tree, row) walks overlap their memory
/// latencies, and branch-free steps leave nothing to mispredict.
const LANES: usize = 8;

/// Leaves of up to [`LANES`] (tree, row) pairs: every walk takes the depth
/// of its deepest tree in steps (leaves step to themselves).
#[inline]
fn walk(lanes: &[(&Tree, &[f32])], out: &mut [u32; LANES]) {
    let n = lanes.len().min(LANES);
    let depth = lanes.iter().map(|(t, _)| t.depth).max().unwrap_or(0);
    let mut cur = [0u32; LANES];
    let mut done = 0;
    while done < depth {
        // a few branch-free steps, then stop early once every walk is at a leaf
        for _ in 0..4 {
            for (c, (t, x)) in cur.iter_mut().zip(lanes) {
                if let Some(node) = t.nodes.get(*c as usize) {
                    *c = Tree::step(node, x);
                }
            }
        }
        done += 4;
        let all_leaves = cur.iter().zip(lanes).all(|(c, (t, _))| {
            t.nodes
                .get(*c as usize)
                .is_none_or(|nd| nd.left == nd.right)
        });
        if all_leaves {
            break;
        }
    }
    out[..n].copy_from_slice(&cur[..n]);
}

/// Leaves of one row in every tree (the one-row path): [`LANES`] walks at
/// once, and a lane that reaches a leaf takes the next tree at once, so no
/// step is spent waiting for the deepest walk of a group.
fn walk_all(trees: &[Tree], x: &[f32], leaves: &mut [u32]) {
    let mut lane_tree = [usize::MAX; LANES];
    let mut cur = [0u32; LANES];
    let mut next = 0usize;
    for slot in lane_tree.iter_mut() {
        if next < trees.len() {
            *slot = next;
            next += 1;
        }
    }
    let mut active = trees.len().min(LANES);
    while active > 0 {
        for (c, ti) in cur.iter_mut().zip(lane_tree.iter_mut()) {
            let Some(t) = trees.get(*ti) else { continue };
            let Some(node) = t.nodes.get(*c as usize) else {
                *ti = usize::MAX;
                active -= 1;
                continue;
            };
            if node.left == node.right {
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
                *c = Tree::step(node, x);
            }
        }
    }
}

/// One fitted `sklearn.tree._tree.Tree`.
#[derive(Debug, Clone)]
pub struct Tree {
    nodes: Vec<TNode>,
    /// `value` flattened: node_count x n_outputs x max_n_classes.
    values: Vec<f64>,
    /// Values per node (n_outputs x max_n_classes).
    stride: usize,
    /// Steps from the root to the deepest leaf.
    depth: u32,
    max_n_classes: usize,
}

impl Tree {
    /// scikit-learn < 1.4 stored weighted class counts in a classifier's
    /// `tree_.value` and divided at predict time (`proba /= proba.sum(axis=1)`,
    /// a zero sum read as 1.0); dividing each node's values once here gives
    /// the same bits (the division is per element; the sum is numpy's).
    fn normalize_counts(&mut self) {
        let k = self.max_n_classes;
        for node in self.values.chunks_mut(self.stride) {
            let row = &mut node[..k];
            let s = npsum::sum(row);
            let s = if s == 0.0 { 1.0 } else { s };
            for v in row.iter_mut() {
                *v /= s;
            }
        }
    }

    /// Read the `tree_` attribute of a fitted tree estimator.
    pub fn read(ctx: &Ctx<'_>, est: &Obj<'_, '_>, n_features: usize, path: &str) -> Result<Tree> {
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
        let left = field_words(&dtype, &recs, count, "left_child", &np)?;
        let right = field_words(&dtype, &recs, count, "right_child", &np)?;
        let feature = field_words(&dtype, &recs, count, "feature", &np)?;
        let threshold = field_words(&dtype, &recs, count, "threshold", &np)?;
        let missing = match dtype.field("missing_go_to_left") {
            Some(_) => field_words(&dtype, &recs, count, "missing_go_to_left", &np)?,
            None => vec![0; count],
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
        let mut nodes = Vec::with_capacity(count);
        if n_features >= MISSING_LEFT as usize {
            return Err(malformed(&np, "too many features"));
        }
        for i in 0..count {
            let (l, r) = (left[i] as i64, right[i] as i64);
            let node = if l == -1 && r == -1 {
                // A leaf points at itself: walks may take extra steps safely.
                TNode {
                    left: i as u32,
                    right: i as u32,
                    feature: 0,
                    threshold: 0.0,
                }
            } else {
                // Children come after their parent: traversal always ends.
                let ok = |c: i64| c > i as i64 && (c as usize) < count;
                let f = feature[i] as i64;
                if !ok(l) || !ok(r) || f < 0 || f as usize >= n_features {
                    return Err(malformed(
                        &np,
                        format!("node {i}: children ({l}, {r}) or feature {f} out of range"),
                    ));
                }
                TNode {
                    left: l as u32,
                    right: r as u32,
                    feature: f as u32 | if missing[i] != 0 { MISSING_LEFT } else { 0 },
                    threshold: floor_f32(f64::from_bits(threshold[i])),
                }
            };
            nodes.push(node);
        }
        // Depth of the deepest leaf (children come after parents).
        let mut d = vec![0u32; count];
        let mut depth = 0u32;
        for i in 0..count {
            let n = nodes[i];
            if n.left != n.right {
                d[n.left as usize] = d[i] + 1;
                d[n.right as usize] = d[i] + 1;
            } else {
                depth = depth.max(d[i]);
            }
        }
        Ok(Tree {
            depth,
            nodes,
            values: vals.data,
            stride,
            max_n_classes: vals.shape[2],
        })
    }

    /// One step from node `n` for the f32 row `x`, without a branch on the
    /// outcome (a leaf steps to itself). NaN follows `missing_go_to_left`.
    #[inline(always)]
    fn step(n: &TNode, x: &[f32]) -> u32 {
        let v = x
            .get((n.feature & !MISSING_LEFT) as usize)
            .copied()
            .unwrap_or(f32::NAN);
        let go_left = (v <= n.threshold) | (v.is_nan() & (n.feature & MISSING_LEFT != 0));
        if go_left {
            n.left
        } else {
            n.right
        }
    }

    /// Leaf reached by one f32 row.
    #[inline]
    fn leaf(&self, x: &[f32]) -> usize {
        let mut i = 0usize;
        loop {
            let n = &self.nodes[i];
            if n.left == n.right {
                return i;
            }
            i = Self::step(n, x) as usize;
        }
    }

    /// Leaf as gradient boosting's `predict_stages` finds it (no NaN branch:
    /// NaN <= t is false, so NaN goes right).
    #[inline]
    fn leaf_gb(&self, x: &[f32]) -> usize {
        let mut i = 0usize;
        loop {
            let n = &self.nodes[i];
            if n.left == n.right {
                return i;
            }
            let v = x[(n.feature & !MISSING_LEFT) as usize];
            i = if v <= n.threshold { n.left } else { n.right } as usize;
        }
    }

    #[inline]
    fn value(&self, leaf: usize) -> &[f64] {
        &self.values[leaf * self.stride..leaf * self.stride + self.max_n_classes]
    }
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

fn n_outputs_one(est: &Obj<'_, '_>, path: &str) -> Result<()> {
    if let Some(v) = est.opt("n_outputs_") {
        let n = est.ctx.usize(v, &format!("{path}.n_outputs_"))?;
        if n != 1 {
            return Err(NativeError::Unsupported {
                what: format!("{} with {n} outputs", est.class),
                path: path.into(),
                hint: "Only single-output models are implemented.".into(),
            });
        }
    }
    Ok(())
}

/// DecisionTree*/ExtraTree*, RandomForest*/ExtraTrees*: one or more trees
/// averaged.
pub struct Forest {
    info: Info,
    trees: Vec<Tree>,
    /// `classes_` for classifiers.
    classes: Option<Labels>,
    /// True for a single tree estimator (no averaging).
    single: bool,
    allow_nan: bool,
}

impl Forest {
    pub fn read(est: &Obj<'_, '_>, path: &str) -> Result<Forest> {
        let ctx = est.ctx;
        let info = Info::read(est, path)?;
        n_outputs_one(est, path)?;
        let nf = info
            .n_features
            .ok_or_else(|| malformed(path, "n_features_in_ missing"))?;
        let name = est.name();
        let is_clf = name.ends_with("Classifier");
        let single = name.starts_with("DecisionTree")
            || name.starts_with("ExtraTree") && !name.starts_with("ExtraTrees");
        let (mut trees, first) = if single {
            (vec![Tree::read(ctx, est, nf, path)?], *est)
        } else {
            let list = ctx.seq(
                est.req("estimators_", path)?,
                &format!("{path}.estimators_"),
            )?;
            if list.is_empty() {
                return Err(malformed(path, "estimators_ is empty"));
            }
            let mut trees = Vec::with_capacity(list.len());
            for (k, &t) in list.iter().enumerate() {
                let p = format!("{path}.estimators_[{k}]");
                let o = ctx.obj(t, &p)?;
                trees.push(Tree::read(ctx, &o, nf, &p)?);
            }
            (trees, ctx.obj(list[0], &format!("{path}.estimators_[0]"))?)
        };
        if is_clf && stores_counts(est, path)? {
            for t in &mut trees {
                t.normalize_counts();
            }
        }
        let classes = if is_clf {
            let c = est.labels("classes_", path)?;
            for t in &trees {
                if t.max_n_classes < c.len() {
                    return Err(malformed(
                        path,
                        "trees hold fewer class values than classes_",
                    ));
                }
            }
            Some(c)
        } else {
            for t in &trees {
                if t.max_n_classes != 1 {
                    return Err(malformed(
                        path,
                        "a regression tree must hold one value per node",
                    ));
                }
            }
            None
        };
        // DecisionTree*: NaN allowed; ExtraTree*: only with splitter="random".
        let fname = first.name();
        let allow_nan = if fname.starts_with("ExtraTree") {
            first.opt_str("splitter", path)? == Some("random")
        } else {
            true
        };
        Ok(Forest {
            info,
            trees,
            classes,
            single,
            allow_nan,
        })
    }

    fn proba(&self, x: &Mat) -> Result<Mat> {
        let k = self.classes.as_ref().map_or(1, Labels::len);
        let mut out = Mat::zeros(x.rows, k);
        let cols = x.cols;
        with_f32(x, |xf| {
            if self.single {
                let t = &self.trees[0];
                for i in 0..x.rows {
                    let leaf = t.leaf(&xf[i * cols..(i + 1) * cols]);
                    out.row_mut(i).copy_from_slice(&t.value(leaf)[..k]);
                }
                return;
            }
            // Tree by tree (one tree stays in cache), each row's sum in tree
            // order: scikit-learn's additions. One row: several trees walked
            // at once; many rows: several rows through one tree at once.
            let mut leaves = [0u32; LANES];
            if x.rows == 1 {
                const STACK: usize = 1024;
                let mut on_stack = [0u32; STACK];
                let mut on_heap = Vec::new();
                let all: &mut [u32] = if self.trees.len() <= STACK {
                    &mut on_stack[..self.trees.len()]
                } else {
                    on_heap.resize(self.trees.len(), 0);
                    &mut on_heap
                };
                walk_all(&self.trees, xf, all);
                let o = out.row_mut(0);
                for (t, &leaf) in self.trees.iter().zip(all.iter()) {
                    for (a, b) in o.iter_mut().zip(t.value(leaf as usize)) {
                        *a += *b;
                    }
                }
            } else {
                for t in &self.trees {
                    let mut i = 0;
                    while i < x.rows {
                        let n = LANES.min(x.rows - i);
                        let mut buf: [(&Tree, &[f32]); LANES] = [(t, xf); LANES];
                        for (k, b) in buf.iter_mut().enumerate().take(n) {
                            *b = (t, &xf[(i + k) * cols..(i + k + 1) * cols]);
                        }
                        walk(&buf[..n], &mut leaves);
                        for (r, &leaf) in leaves[..n].iter().enumerate() {
                            let v = t.value(leaf as usize);
                            for (a, b) in out.row_mut(i + r).iter_mut().zip(v) {
                                *a += *b;
                            }
                        }
                        i += n;
                    }
                }
            }
            let n = self.trees.len() as f64;
            for a in out.data.iter_mut() {
                *a /= n;
            }
        });
        Ok(out)
    }
}

impl Estimator for Forest {
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        self.classes.as_ref()
    }
    fn supports(&self, m: Method) -> bool {
        match m {
            Method::Predict => true,
            Method::PredictProba | Method::PredictLogProba => self.classes.is_some(),
            _ => false,
        }
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        let x = x.into_dense(&self.info.class)?;
        check_width(&self.info, &x)?;
        check_f32(&x, self.allow_nan, &self.info.class)?;
        let p = self.proba(&x)?;
        match (m, &self.classes) {
            (Method::PredictProba, Some(_)) => Ok(Output::Matrix(p)),
            (Method::PredictLogProba, Some(_)) => Ok(Output::Matrix(log_mat(p))),
            (Method::Predict, Some(c)) => Ok(Output::Labels(argmax_labels(&p, c))),
            (Method::Predict, None) => Ok(Output::Vector(p.data)),
            _ => Err(self.no_method(m)),
        }
    }
}

/// The link of a gradient-boosting loss, by the loss class name.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Link {
    Identity,
    Log,
    /// binary log-loss: expit
    Logit,
    /// exponential loss: expit(2 x)
    HalfLogit,
    /// multinomial: softmax
    Multinomial,
}

fn link_of(loss: &Obj<'_, '_>, path: &str) -> Result<Link> {
    Ok(match loss.name() {
        "HalfSquaredError" | "AbsoluteError" | "PinballLoss" | "HuberLoss" => Link::Identity,
        // sklearn.ensemble._gb_losses (GradientBoostingRegressor saved by 1.0
        // to 1.3): identity link, same sums and init; checked against the
        // outputs 1.1.3 and 1.3.2 recorded (tests/test_legacy_native.py). The
        // other _gb_losses classes are not mapped: not checked.
        "LeastSquaresError" => Link::Identity,
        "HalfPoissonLoss" | "HalfGammaLoss" | "HalfTweedieLoss" | "HalfTweedieLossIdentity" => {
            if loss.name() == "HalfTweedieLossIdentity" {
                Link::Identity
            } else {
                Link::Log
            }
        }
        "HalfBinomialLoss" => Link::Logit,
        "ExponentialLoss" => Link::HalfLogit,
        "HalfMultinomialLoss" => Link::Multinomial,
        other => return Err(NativeError::Unsupported {
            what: format!("the loss {other}"),
            path: format!("{path}._loss"),
            hint:
                "Supported: squared/absolute/huber/quantile, poisson, gamma, log-loss, exponential."
                    .into(),
        }),
    })
}

/// Class probabilities from raw predictions (n x K), as the loss computes them.
fn proba_from_raw(raw: &Mat, link: Link) -> Mat {
    match link {
        Link::Multinomial => {
            let mut p = raw.clone();
            softmax_rows(&mut p);
            p
        }
        _ => {
            let mut p = Mat::zeros(raw.rows, 2);
            for i in 0..raw.rows {
                let r = raw.data[i];
                let p1 = match link {
                    Link::HalfLogit => expit(2.0 * r),
                    _ => expit(r),
                };
                p.data[2 * i + 1] = p1;
                p.data[2 * i] = 1.0 - p1;
            }
            p
        }
    }
}

/// GradientBoostingClassifier / GradientBoostingRegressor.
pub struct GradientBoosting {
    info: Info,
    /// stages x K trees
    stages: Vec<Vec<Tree>>,
    k: usize,
    learning_rate: f64,
    init: Vec<f64>,
    link: Link,
    classes: Option<Labels>,
}

impl GradientBoosting {
    pub fn read(est: &Obj<'_, '_>, path: &str) -> Result<GradientBoosting> {
        let ctx = est.ctx;
        let info = Info::read(est, path)?;
        let nf = info
            .n_features
            .ok_or_else(|| malformed(path, "n_features_in_ missing"))?;
        let is_clf = est.name() == "GradientBoostingClassifier";
        let loss = est.obj("_loss", path)?;
        let link = link_of(&loss, path)?;
        let learning_rate = est.f64("learning_rate", path)?;
        let est_id = est.req("estimators_", path)?;
        let ep = format!("{path}.estimators_");
        let (shape, items) = match ctx.node(est_id, &ep)? {
            skseal_core::ir::Node::ObjectArray { shape, items, .. } => (shape.clone(), items),
            n => {
                return Err(malformed(
                    &ep,
                    format!("expected an object array, found {}", n.kind_name()),
                ))
            }
        };
        if shape.len() != 2 || shape[0] as usize * shape[1] as usize != items.len() {
            return Err(malformed(&ep, "expected a 2-D array of trees"));
        }
        let (n_stages, k) = (shape[0] as usize, shape[1] as usize);
        // n_estimators_ stages were fitted (early stopping may leave fewer).
        let used = match est.opt("n_estimators_") {
            Some(v) => ctx
                .usize(v, &format!("{path}.n_estimators_"))?
                .min(n_stages),
            None => n_stages,
        };
        let mut stages = Vec::with_capacity(used);
        for s in 0..used {
            let mut row = Vec::with_capacity(k);
            for j in 0..k {
                let p = format!("{ep}[{s}, {j}]");
                let o = ctx.obj(items[s * k + j], &p)?;
                let t = Tree::read(ctx, &o, nf, &p)?;
                if t.stride != 1 {
                    return Err(malformed(
                        &p,
                        "a boosting stage must be a single-value regression tree",
                    ));
                }
                row.push(t);
            }
            stages.push(row);
        }
        let init = init_raw(est, link, k, is_clf, path)?;
        // raw() starts every row from init and adds stage j into column j:
        // init's width must be the number of trees per stage.
        if init.len() != k {
            return Err(malformed(
                &format!("{path}.init_"),
                format!(
                    "the initial prediction has {} value(s) per row but estimators_ has {k} tree(s) per stage",
                    init.len()
                ),
            ));
        }
        let classes = if is_clf {
            Some(est.labels("classes_", path)?)
        } else {
            None
        };
        if let Some(c) = &classes {
            let want = if c.len() == 2 { 1 } else { c.len() };
            if want != k {
                return Err(malformed(
                    path,
                    format!("{} classes but {k} trees per stage", c.len()),
                ));
            }
        }
        Ok(GradientBoosting {
            info,
            stages,
            k,
            learning_rate,
            init,
            link,
            classes,
        })
    }

    fn raw(&self, x: &Mat) -> Mat {
        let mut out = Mat::zeros(x.rows, self.k);
        for i in 0..x.rows {
            out.row_mut(i).copy_from_slice(&self.init);
        }
        // Stage by stage over all rows; each row still adds stages in order.
        let cols = x.cols;
        with_f32(x, |xf| {
            for stage in &self.stages {
                for (j, t) in stage.iter().enumerate() {
                    for i in 0..x.rows {
                        let v = t.values[t.leaf_gb(&xf[i * cols..(i + 1) * cols])];
                        out.data[i * self.k + j] += self.learning_rate * v;
                    }
                }
            }
        });
        out
    }
}

/// The initial raw prediction (`_raw_predict_init`): constant per row for
/// the default `init` (a prior DummyClassifier or a DummyRegressor) or zero.
fn init_raw(est: &Obj<'_, '_>, link: Link, k: usize, is_clf: bool, path: &str) -> Result<Vec<f64>> {
    let ctx = est.ctx;
    let init_id = est.req("init_", path)?;
    if let Ok(s) = ctx.str(init_id, path) {
        if s == "zero" {
            return Ok(vec![0.0; k]);
        }
    }
    let ip = format!("{path}.init_");
    let init = ctx.obj(init_id, &ip)?;
    let unsupported = |why: &str| {
        NativeError::Unsupported {
        what: format!("init={} ({why})", init.class),
        path: ip.clone(),
        hint: "Only the default init (a DummyClassifier with strategy=\"prior\" or a DummyRegressor) and \"zero\" are implemented.".into(),
    }
    };
    if is_clf {
        if !init.is("sklearn.dummy", "DummyClassifier") {
            return Err(unsupported("not a DummyClassifier"));
        }
        let strategy = init
            .str("_strategy", &ip)
            .or_else(|_| init.str("strategy", &ip))?;
        if strategy != "prior" {
            return Err(unsupported(strategy));
        }
        let prior = init.arr_f64("class_prior_", &ip)?.data;
        let eps = f64::EPSILON;
        let clip = |p: f64| p.max(eps).min(1.0 - eps);
        match link {
            Link::Logit | Link::HalfLogit => {
                let p = clip(
                    *prior
                        .get(1)
                        .ok_or_else(|| malformed(&ip, "class_prior_ needs 2 classes"))?,
                );
                let l = logit(p);
                Ok(vec![if link == Link::HalfLogit { 0.5 * l } else { l }])
            }
            Link::Multinomial => {
                if prior.len() != k {
                    return Err(malformed(&ip, "class_prior_ does not match the classes"));
                }
                let p: Vec<f64> = prior.into_iter().map(clip).collect();
                // MultinomialLogit.link: log(p / gmean(p)), gmean = exp(mean(log p))
                let logs: Vec<f64> = p.iter().map(|&v| npmath::np_log(v)).collect();
                let gm = npmath::np_exp(npsum::sum(&logs) / k as f64);
                Ok(p.iter().map(|&v| npmath::np_log(v / gm)).collect())
            }
            _ => Err(unsupported("link")),
        }
    } else {
        if !init.is("sklearn.dummy", "DummyRegressor") {
            return Err(unsupported("not a DummyRegressor"));
        }
        let c = init.arr_f64("constant_", &ip)?.data;
        let v = *c
            .first()
            .ok_or_else(|| malformed(&ip, "constant_ is empty"))?;
        Ok(vec![match link {
            Link::Identity => v,
            Link::Log => npmath::np_log(v),
            _ => return Err(unsupported("link")),
        }])
    }
}

impl Estimator for GradientBoosting {
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        self.classes.as_ref()
    }
    fn supports(&self, m: Method) -> bool {
        boosted_supports(self.classes.is_some(), m)
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        let x = x.into_dense(&self.info.class)?;
        check_width(&self.info, &x)?;
        // GradientBoosting* validates X with ensure_all_finite=True: no NaN.
        check_f32(&x, false, &self.info.class)?;
        let raw = self.raw(&x);
        if let (Method::Predict, Some(c)) = (m, &self.classes) {
            // GradientBoostingClassifier.predict decides on the raw score:
            // `raw >= 0` for two classes, argmax of the raw scores otherwise.
            let idx: Vec<usize> = (0..raw.rows)
                .map(|i| {
                    if raw.cols == 1 {
                        usize::from(raw.data[i] >= 0.0)
                    } else {
                        npsum::argmax(raw.row(i))
                    }
                })
                .collect();
            return Ok(Output::Labels(c.take(&idx)));
        }
        boosted_output(self, m, raw, self.link, self.classes.as_ref())
    }
}

/// The methods of both gradient-boosting families.
fn boosted_supports(classifier: bool, m: Method) -> bool {
    match m {
        Method::Predict => true,
        Method::PredictProba | Method::PredictLogProba | Method::DecisionFunction => classifier,
        _ => false,
    }
}

/// predict / predict_proba / decision_function from raw predictions, shared by
/// both gradient-boosting families.
fn boosted_output(
    e: &dyn Estimator,
    m: Method,
    raw: Mat,
    link: Link,
    classes: Option<&Labels>,
) -> Result<Output> {
    match (m, classes) {
        (Method::DecisionFunction, Some(_)) => Ok(if raw.cols == 1 {
            Output::Vector(raw.data)
        } else {
            Output::Matrix(raw)
        }),
        (Method::PredictProba, Some(_)) => Ok(Output::Matrix(proba_from_raw(&raw, link))),
        (Method::PredictLogProba, Some(_)) => {
            Ok(Output::Matrix(log_mat(proba_from_raw(&raw, link))))
        }
        (Method::Predict, Some(c)) => Ok(Output::Labels(argmax_labels(
            &proba_from_raw(&raw, link),
            c,
        ))),
        (Method::Predict, None) => {
            let mut v = raw.data;
            if link == Link::Log {
                for a in &mut v {
                    *a = npmath::np_exp(*a);
                }
            }
            Ok(Output::Vector(v))
        }
        _ => Err(e.no_method(m)),
    }
}

#[derive(Debug, Clone, Copy)]
struct HNode {
    value: f64,
    threshold: f64,
    feature: u32,
    left: u32,
    right: u32,
    leaf: bool,
    missing_left: bool,
    categorical: bool,
    bitset: u32,
}

/// A numeric split of a histogram-boosting predictor, for branch-free walks
/// (a leaf points at itself).
#[derive(Debug, Clone, Copy)]
struct FNode {
    threshold: f64,
    /// feature index; the top bit is `missing_go_to_left`
    feature: u32,
    left: u32,
    right: u32,
}

/// Leaves of up to [`LANES`] (predictor, row) pairs without categorical
/// splits: X stays float64 (no cast), NaN follows `missing_go_to_left`.
#[inline]
fn walk_hist(lanes: &[(&[FNode], &[f64])], depth: u32, out: &mut [u32; LANES]) {
    let n = lanes.len().min(LANES);
    let mut cur = [0u32; LANES];
    let mut done = 0;
    while done < depth {
        for _ in 0..4 {
            for (c, (nodes, x)) in cur.iter_mut().zip(lanes) {
                if let Some(nd) = nodes.get(*c as usize) {
                    let v = x
                        .get((nd.feature & !MISSING_LEFT) as usize)
                        .copied()
                        .unwrap_or(f64::NAN);
                    let go_left =
                        (v <= nd.threshold) | (v.is_nan() & (nd.feature & MISSING_LEFT != 0));
                    *c = if go_left { nd.left } else { nd.right };
                }
            }
        }
        done += 4;
        let all_leaves = cur[..n]
            .iter()
            .zip(lanes)
            .all(|(&c, (nodes, _))| nodes.get(c as usize).is_none_or(|nd| nd.left == nd.right));
        if all_leaves {
            break;
        }
    }
    out[..n].copy_from_slice(&cur[..n]);
}

/// One `TreePredictor` of histogram gradient boosting.
struct HTree {
    /// the same nodes for branch-free walks, when no split is categorical
    fast: Option<(Vec<FNode>, u32)>,
    nodes: Vec<HNode>,
    /// raw_left_cat_bitsets: rows of 8 u32
    left_cat: Vec<[u32; 8]>,
}

impl HTree {
    #[inline]
    fn predict(&self, x: &[f64], known: &[[u32; 8]], fmap: &[usize]) -> f64 {
        let mut i = 0usize;
        loop {
            let n = &self.nodes[i];
            if n.leaf {
                return n.value;
            }
            let v = x[n.feature as usize];
            let go_left = if v.is_nan() {
                n.missing_left
            } else if n.categorical {
                if v < 0.0 {
                    n.missing_left
                } else {
                    // numpy casts to uint8 (X_BINNED_DTYPE): values >= 256 wrap
                    let c = (v as i64 as u8) as usize;
                    if in_bitset(&self.left_cat[n.bitset as usize], c) {
                        true
                    } else if in_bitset(&known[fmap[n.feature as usize]], c) {
                        false
                    } else {
                        n.missing_left
                    }
                }
            } else {
                v <= n.threshold
            };
            i = if go_left { n.left } else { n.right } as usize;
        }
    }
}

fn in_bitset(b: &[u32; 8], c: usize) -> bool {
    (b[c / 32] >> (c % 32)) & 1 == 1
}

fn bitsets(ctx: &Ctx<'_>, id: skseal_core::ir::NodeId, path: &str) -> Result<Vec<[u32; 8]>> {
    let a = ctx.arr_i64(id, path)?;
    if a.data.is_empty() {
        return Ok(Vec::new());
    }
    if a.shape.len() != 2 || a.shape[1] != 8 {
        return Err(malformed(
            path,
            format!("expected n x 8 bitsets, found {:?}", a.shape),
        ));
    }
    Ok(a.data
        .chunks_exact(8)
        .map(|c| {
            let mut r = [0u32; 8];
            for (d, s) in r.iter_mut().zip(c) {
                *d = *s as u32;
            }
            r
        })
        .collect())
}

/// HistGradientBoostingClassifier / HistGradientBoostingRegressor.
pub struct HistGradientBoosting {
    info: Info,
    /// iterations x K predictors
    predictors: Vec<Vec<HTree>>,
    baseline: Vec<f64>,
    link: Link,
    classes: Option<Labels>,
    known: Vec<[u32; 8]>,
    fmap: Vec<usize>,
    /// no predictor has a categorical split
    all_fast: bool,
}

impl HistGradientBoosting {
    pub fn read(est: &Obj<'_, '_>, path: &str) -> Result<HistGradientBoosting> {
        let ctx = est.ctx;
        let info = Info::read(est, path)?;
        let nf = info
            .n_features
            .ok_or_else(|| malformed(path, "n_features_in_ missing"))?;
        if est.opt("_preprocessor").is_some() {
            return Err(NativeError::Unsupported {
                what: "categorical features (the ColumnTransformer with an OrdinalEncoder that \
                       HistGradientBoosting keeps in _preprocessor since scikit-learn 1.4) are \
                       not computed natively yet"
                    .into(),
                path: format!("{path}._preprocessor"),
                hint:
                    "Load it with skseal.load (it loads with default trust) and predict in Python."
                        .into(),
            });
        }
        let is_clf = est.name() == "HistGradientBoostingClassifier";
        let link = link_of(&est.obj("_loss", path)?, path)?;
        let base = est.arr_f64("_baseline_prediction", path)?;
        let k = *base.shape.last().unwrap_or(&1);
        let baseline = base.data;
        if baseline.len() != k || k == 0 {
            return Err(malformed(path, "_baseline_prediction must be 1 x K"));
        }
        let pl = ctx.seq(
            est.req("_predictors", path)?,
            &format!("{path}._predictors"),
        )?;
        let mut predictors = Vec::with_capacity(pl.len());
        let mut n_cat_splits_max = 0usize;
        for (it, &iter_id) in pl.iter().enumerate() {
            let ip = format!("{path}._predictors[{it}]");
            let row = ctx.seq(iter_id, &ip)?;
            if row.len() != k {
                return Err(malformed(
                    &ip,
                    format!("{} predictors, {k} expected", row.len()),
                ));
            }
            let mut trees = Vec::with_capacity(k);
            for (j, &pid) in row.iter().enumerate() {
                let pp = format!("{ip}[{j}]");
                let p = ctx.obj(pid, &pp)?;
                let (dtype, count, recs) =
                    ctx.records(p.req("nodes", &pp)?, &format!("{pp}.nodes"))?;
                let np = format!("{pp}.nodes");
                let w = |f: &str| field_words(&dtype, &recs, count, f, &np);
                let (value, feat, thr, miss, left, right, leaf, cat, bidx) = (
                    w("value")?,
                    w("feature_idx")?,
                    w("num_threshold")?,
                    w("missing_go_to_left")?,
                    w("left")?,
                    w("right")?,
                    w("is_leaf")?,
                    w("is_categorical")?,
                    w("bitset_idx")?,
                );
                for f in ["value", "num_threshold"] {
                    if field_kind(&dtype, f, &np)? != ('f', 8) {
                        return Err(malformed(&np, format!("field {f} must be float64")));
                    }
                }
                let fk = field_kind(&dtype, "feature_idx", &np)?;
                let sign_ext = |v: u64| -> i64 {
                    match fk.1 {
                        4 => v as u32 as i32 as i64,
                        _ => v as i64,
                    }
                };
                let left_cat = bitsets(
                    ctx,
                    p.req("raw_left_cat_bitsets", &pp)?,
                    &format!("{pp}.raw_left_cat_bitsets"),
                )?;
                let mut nodes = Vec::with_capacity(count);
                for i in 0..count {
                    let is_leaf = leaf[i] != 0;
                    let f = sign_ext(feat[i]);
                    let (l, r) = (left[i] as usize, right[i] as usize);
                    if !is_leaf
                        && (l <= i
                            || r <= i
                            || l >= count
                            || r >= count
                            || f < 0
                            || f as usize >= nf
                            || (cat[i] != 0 && bidx[i] as usize >= left_cat.len()))
                    {
                        return Err(malformed(
                            &np,
                            format!("node {i}: children, feature or bitset out of range"),
                        ));
                    }
                    if cat[i] != 0 {
                        n_cat_splits_max = n_cat_splits_max.max(1);
                    }
                    nodes.push(HNode {
                        value: f64::from_bits(value[i]),
                        threshold: f64::from_bits(thr[i]),
                        feature: f.max(0) as u32,
                        left: l as u32,
                        right: r as u32,
                        leaf: is_leaf,
                        missing_left: miss[i] != 0,
                        categorical: cat[i] != 0,
                        bitset: bidx[i] as u32,
                    });
                }
                if count == 0 {
                    return Err(malformed(&np, "no nodes"));
                }
                let fast = if nodes.iter().any(|n| n.categorical) || nf >= MISSING_LEFT as usize {
                    None
                } else {
                    let f: Vec<FNode> = nodes
                        .iter()
                        .enumerate()
                        .map(|(i, n)| {
                            if n.leaf {
                                FNode {
                                    threshold: 0.0,
                                    feature: 0,
                                    left: i as u32,
                                    right: i as u32,
                                }
                            } else {
                                FNode {
                                    threshold: n.threshold,
                                    feature: n.feature
                                        | if n.missing_left { MISSING_LEFT } else { 0 },
                                    left: n.left,
                                    right: n.right,
                                }
                            }
                        })
                        .collect();
                    let mut d = vec![0u32; f.len()];
                    let mut depth = 0u32;
                    for (i, n) in f.iter().enumerate() {
                        if n.left != n.right {
                            d[n.left as usize] = d[i] + 1;
                            d[n.right as usize] = d[i] + 1;
                        } else {
                            depth = depth.max(d[i]);
                        }
                    }
                    Some((f, depth))
                };
                trees.push(HTree {
                    fast,
                    nodes,
                    left_cat,
                });
            }
            predictors.push(trees);
        }
        // known categories per categorical feature (BinMapper.make_known_categories_bitsets)
        let mut known = Vec::new();
        let mut fmap = vec![0usize; nf];
        if let Some(bm_id) = est.opt("_bin_mapper") {
            let bp = format!("{path}._bin_mapper");
            let bm = ctx.obj(bm_id, &bp)?;
            if let Some(ic) = bm.opt("is_categorical_") {
                let is_cat = ctx.arr_i64(ic, &format!("{bp}.is_categorical_"))?.data;
                if is_cat.len() != nf {
                    return Err(malformed(
                        &bp,
                        "is_categorical_ does not match n_features_in_",
                    ));
                }
                let th = ctx.seq(
                    bm.req("bin_thresholds_", &bp)?,
                    &format!("{bp}.bin_thresholds_"),
                )?;
                for (f, &c) in is_cat.iter().enumerate() {
                    if c != 0 {
                        fmap[f] = known.len();
                        let cats = ctx.arr_f64(
                            *th.get(f)
                                .ok_or_else(|| malformed(&bp, "bin_thresholds_ too short"))?,
                            &format!("{bp}.bin_thresholds_[{f}]"),
                        )?;
                        let mut b = [0u32; 8];
                        for v in cats.data {
                            let c = (v as i64 as u8) as usize;
                            b[c / 32] |= 1 << (c % 32);
                        }
                        known.push(b);
                    }
                }
            }
        }
        if n_cat_splits_max > 0 && known.is_empty() {
            return Err(malformed(
                path,
                "categorical splits without known categories",
            ));
        }
        let classes = if is_clf {
            Some(est.labels("classes_", path)?)
        } else {
            None
        };
        let all_fast = predictors.iter().flatten().all(|t| t.fast.is_some());
        Ok(HistGradientBoosting {
            all_fast,
            info,
            predictors,
            baseline,
            link,
            classes,
            known,
            fmap,
        })
    }

    fn raw(&self, x: &Mat) -> Mat {
        let k = self.baseline.len();
        let mut out = Mat::zeros(x.rows, k);
        for i in 0..x.rows {
            out.row_mut(i).copy_from_slice(&self.baseline);
        }
        // Iteration by iteration over all rows; each row adds them in order.
        let mut leaves = [0u32; LANES];
        if x.rows == 1 && self.all_fast {
            // one row: several predictors walked at once, added in order
            let row = x.row(0);
            let flat: Vec<(usize, &HTree, &[FNode], u32)> = self
                .predictors
                .iter()
                .flat_map(|it| it.iter().enumerate())
                .filter_map(|(j, t)| t.fast.as_ref().map(|(f, d)| (j, t, f.as_slice(), *d)))
                .collect();
            for chunk in flat.chunks(LANES) {
                let empty: &[FNode] = &[];
                let mut lanes: [(&[FNode], &[f64]); LANES] = [(empty, row); LANES];
                for (l, (_, _, nodes, _)) in lanes.iter_mut().zip(chunk) {
                    *l = (nodes, row);
                }
                let depth = chunk.iter().map(|c| c.3).max().unwrap_or(0);
                walk_hist(&lanes[..chunk.len()], depth, &mut leaves);
                for ((j, t, _, _), &leaf) in chunk.iter().zip(&leaves) {
                    out.data[*j] += t.nodes[leaf as usize].value;
                }
            }
            return out;
        }
        for it in &self.predictors {
            for (j, t) in it.iter().enumerate() {
                match &t.fast {
                    Some((nodes, depth)) => {
                        let mut i = 0;
                        while i < x.rows {
                            let n = LANES.min(x.rows - i);
                            let mut lanes: [(&[FNode], &[f64]); LANES] = [(nodes, &[]); LANES];
                            for (r, slot) in lanes.iter_mut().enumerate().take(n) {
                                *slot = (nodes, x.row(i + r));
                            }
                            walk_hist(&lanes[..n], *depth, &mut leaves);
                            for (r, &leaf) in leaves[..n].iter().enumerate() {
                                out.data[(i + r) * k + j] += t.nodes[leaf as usize].value;
                            }
                            i += n;
                        }
                    }
                    None => {
                        for i in 0..x.rows {
                            out.data[i * k + j] += t.predict(x.row(i), &self.known, &self.fmap);
                        }
                    }
                }
            }
        }
        out
    }
}

impl Estimator for HistGradientBoosting {
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        self.classes.as_ref()
    }
    fn supports(&self, m: Method) -> bool {
        // scikit-learn's HistGradientBoostingClassifier has no predict_log_proba
        m != Method::PredictLogProba && boosted_supports(self.classes.is_some(), m)
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        let x = x.into_dense(&self.info.class)?;
        check_width(&self.info, &x)?;
        let raw = self.raw(&x);
        boosted_output(self, m, raw, self.link, self.classes.as_ref())
    }
}

/// IsolationForest: `score_samples`, `decision_function`, `predict`.
///
/// Depths are summed in tree order as scikit-learn does
/// (`depths += path_length[leaf] + avg_path_length[leaf] - 1.0`), then the
/// score is `-(2 ** -(depths / denominator))` with numpy's own `power`
/// ([`npmath::np_pow`]): bitwise equal.
pub struct IsolationForest {
    info: Info,
    trees: Vec<Tree>,
    /// per tree: the feature columns it was fitted on (None: all)
    features: Vec<Option<Vec<usize>>>,
    /// per tree and node: decision path length + average path length - 1.0
    node_depth: Vec<Vec<f64>>,
    denominator: f64,
    offset: f64,
}

/// scikit-learn's `_average_path_length` for one leaf size.
fn average_path_length(n: f64) -> f64 {
    if n <= 1.0 {
        0.0
    } else if n == 2.0 {
        1.0
    } else {
        2.0 * (npmath::np_log(n - 1.0) + 0.577_215_664_901_532_9) - 2.0 * (n - 1.0) / n
    }
}

impl IsolationForest {
    pub fn read(est: &Obj<'_, '_>, path: &str) -> Result<IsolationForest> {
        let ctx = est.ctx;
        let info = Info::read(est, path)?;
        let nf = info
            .n_features
            .ok_or_else(|| malformed(path, "n_features_in_ missing"))?;
        let max_features = est.usize("_max_features", path)?;
        let max_samples = est.f64("_max_samples", path)?;
        let offset = est.f64("offset_", path)?;
        let list = ctx.seq(
            est.req("estimators_", path)?,
            &format!("{path}.estimators_"),
        )?;
        let feats = ctx.seq(
            est.req("estimators_features_", path)?,
            &format!("{path}.estimators_features_"),
        )?;
        let dpl = ctx.seq(
            est.req("_decision_path_lengths", path)?,
            &format!("{path}._decision_path_lengths"),
        )?;
        let apl = ctx.seq(
            est.req("_average_path_length_per_tree", path)?,
            &format!("{path}._average_path_length_per_tree"),
        )?;
        if list.is_empty()
            || feats.len() != list.len()
            || dpl.len() != list.len()
            || apl.len() != list.len()
        {
            return Err(malformed(path, "per-tree lists of different lengths"));
        }
        let subsample = max_features != nf;
        let mut trees = Vec::with_capacity(list.len());
        let mut features = Vec::with_capacity(list.len());
        let mut node_depth = Vec::with_capacity(list.len());
        for k in 0..list.len() {
            let p = format!("{path}.estimators_[{k}]");
            let f = ctx
                .arr_i64(feats[k], &format!("{path}.estimators_features_[{k}]"))?
                .data;
            if f.iter().any(|&j| j < 0 || j as usize >= nf) {
                return Err(malformed(&p, "feature index out of range"));
            }
            let width = if subsample { f.len() } else { nf };
            let t = Tree::read(ctx, &ctx.obj(list[k], &p)?, width, &p)?;
            let d = ctx
                .arr_f64(dpl[k], &format!("{path}._decision_path_lengths[{k}]"))?
                .data;
            let a = ctx
                .arr_f64(
                    apl[k],
                    &format!("{path}._average_path_length_per_tree[{k}]"),
                )?
                .data;
            if d.len() != t.nodes.len() || a.len() != t.nodes.len() {
                return Err(malformed(&p, "path lengths do not match the nodes"));
            }
            node_depth.push(d.iter().zip(&a).map(|(x, y)| x + y - 1.0).collect());
            features.push(subsample.then(|| f.iter().map(|&j| j as usize).collect()));
            trees.push(t);
        }
        let denominator = list.len() as f64 * average_path_length(max_samples);
        Ok(IsolationForest {
            info,
            trees,
            features,
            node_depth,
            denominator,
            offset,
        })
    }

    fn scores(&self, x: &Mat) -> Vec<f64> {
        let mut depths = vec![0.0f64; x.rows];
        let cols = x.cols;
        with_f32(x, |xf| {
            let mut sub = Vec::new();
            for ((t, f), nd) in self.trees.iter().zip(&self.features).zip(&self.node_depth) {
                for (i, d) in depths.iter_mut().enumerate() {
                    let row = &xf[i * cols..(i + 1) * cols];
                    let leaf = match f {
                        None => t.leaf(row),
                        Some(idx) => {
                            sub.clear();
                            sub.extend(idx.iter().map(|&j| row[j]));
                            t.leaf(&sub)
                        }
                    };
                    *d += nd[leaf];
                }
            }
        });
        depths
            .into_iter()
            .map(|d| {
                let r = if self.denominator != 0.0 {
                    d / self.denominator
                } else {
                    1.0
                };
                -npmath::np_pow(2.0, -r)
            })
            .collect()
    }
}

impl Estimator for IsolationForest {
    fn info(&self) -> &Info {
        &self.info
    }
    fn supports(&self, m: Method) -> bool {
        matches!(
            m,
            Method::Predict | Method::ScoreSamples | Method::DecisionFunction
        )
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        let x = x.into_dense(&self.info.class)?;
        check_width(&self.info, &x)?;
        let s = self.scores(&x);
        Ok(match m {
            Method::ScoreSamples => Output::Vector(s),
            Method::DecisionFunction => {
                Output::Vector(s.into_iter().map(|v| v - self.offset).collect())
            }
            Method::Predict => Output::Labels(Labels::Int(
                s.into_iter()
                    .map(|v| if v - self.offset < 0.0 { -1 } else { 1 })
                    .collect(),
            )),
            _ => return Err(self.no_method(m)),
        })
    }
}
