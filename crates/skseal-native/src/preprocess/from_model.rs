//! SelectFromModel's mask, computed at load as scikit-learn 1.9.1's
//! `_get_support_mask` computes it at transform time, from the fitted
//! estimator (`estimator_`, else `estimator` when prefit):
//!
//! - scores: `coef_` when stored (1-D: `np.abs`; 2-D: `np.linalg.norm(coef_,
//!   axis=0, ord=norm_order)` for 1, 2, inf, -inf: `add.reduce` down the rows, row after row for
//!   a C-ordered array, numpy's pairwise sum down each column of a
//!   Fortran-ordered one or of a single column); else `feature_importances_` of a decision
//!   tree (`Tree.compute_feature_importances`: per split node
//!   `w * impurity - w_left * impurity_left - w_right * impurity_right`
//!   added to its feature in node order, `/= w_root`, then over `np.sum`
//!   when positive) or of a random forest / extra-trees (the trees' with
//!   more than one node, `np.mean(axis=0)`: added tree after tree, divided
//!   by their count, then over `np.sum`);
//! - the threshold: a number; `"mean"` or `"median"` of the scores,
//!   optionally scaled (`"1.25*mean"`); or, when None, `1e-5` for an
//!   l1-penalised estimator (as `_calculate_threshold` decides) and
//!   `"mean"` otherwise;
//! - `max_features`: the first `max_features_` of a stable sort of
//!   `-scores`, then `scores < threshold` dropped.
//!
//! Other importance getters (an attribute path, a callable), a `coef_`
//! computed by a property (a kernel SVM's), other estimators'
//! importances (gradient boosting's) and other norm orders are refused
//! naming the attribute.

use skseal_core::ir::{Node, NodeId};

use crate::access::{field_at, field_kind, fortran_ordered, Ctx, Obj};
use crate::error::{malformed, Result};
use crate::estimator::unsupported;
use crate::npsum;

const TREE_LEAF: i64 = -1;

/// The features SelectFromModel `est` keeps, `n` of them in all when known.
pub(super) fn support_mask(est: &Obj<'_, '_>, path: &str, n: Option<usize>) -> Result<Vec<bool>> {
    let (key, e) = match est.opt("estimator_") {
        Some(_) => ("estimator_", est.obj("estimator_", path)?),
        None => ("estimator", est.obj("estimator", path)?),
    };
    let epath = format!("{path}.{key}");
    let scores = scores(est, &e, &epath, n)?;
    let threshold = threshold(est, &e, &scores, path)?;
    let max_id = est.req("max_features", path)?;
    let mut mask = if est.ctx.is_none(max_id) {
        vec![true; scores.len()]
    } else {
        let k = match est.opt("max_features_") {
            Some(_) => est.usize("max_features_", path)?,
            None => est.ctx.usize(max_id, &format!("{path}.max_features"))?,
        };
        // np.argsort(-scores, kind="mergesort")[:k]: stable, NaN last
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (-scores[a], -scores[b]);
            match (x.is_nan(), y.is_nan()) {
                (false, false) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
                (a_nan, b_nan) => a_nan.cmp(&b_nan),
            }
        });
        let mut m = vec![false; scores.len()];
        for &i in order.iter().take(k) {
            m[i] = true;
        }
        m
    };
    for (m, &s) in mask.iter_mut().zip(&scores) {
        if s < threshold {
            *m = false;
        }
    }
    Ok(mask)
}

/// `_get_feature_importances(estimator, getter, "norm", norm_order)`.
fn scores(sel: &Obj<'_, '_>, e: &Obj<'_, '_>, epath: &str, n: Option<usize>) -> Result<Vec<f64>> {
    let getter_id = sel.req("importance_getter", epath)?;
    let getter = match sel.ctx.g.node(getter_id) {
        Some(Node::Str(s)) => s.as_str(),
        _ => return Err(unsupported(
            "SelectFromModel with a callable importance_getter",
            epath,
            "Only importance_getter=\"auto\", \"coef_\" or \"feature_importances_\" is reproduced.",
        )),
    };
    let use_coef = match getter {
        "auto" => e.opt("coef_").is_some(),
        "coef_" => true,
        "feature_importances_" => false,
        other => return Err(unsupported(
            format!("SelectFromModel with importance_getter={other:?}"),
            epath,
            "Only importance_getter=\"auto\", \"coef_\" or \"feature_importances_\" is reproduced.",
        )),
    };
    if use_coef {
        if e.opt("coef_").is_none() {
            return Err(unsupported(
                format!("SelectFromModel over {} (coef_ computed at run time)", e.class),
                epath,
                "Its coef_ is not stored in the file (a property of the estimator), so the mask cannot be computed without scikit-learn.",
            ));
        }
        let order = norm_order(sel, epath)?;
        return coef_scores(e, epath, order);
    }
    let fpath = format!("{epath}.feature_importances_");
    let is_tree = [
        "DecisionTreeClassifier",
        "DecisionTreeRegressor",
        "ExtraTreeClassifier",
        "ExtraTreeRegressor",
    ]
    .iter()
    .any(|c| e.is("sklearn.tree", c));
    let is_forest = [
        "RandomForestClassifier",
        "RandomForestRegressor",
        "ExtraTreesClassifier",
        "ExtraTreesRegressor",
    ]
    .iter()
    .any(|c| e.is("sklearn.ensemble", c));
    let nf = match e.n_features(epath)? {
        Some(k) => k,
        None => n.ok_or_else(|| malformed(epath, "n_features_in_ is missing"))?,
    };
    if is_tree {
        return Ok(tree_importances(e, nf, epath)?.1);
    }
    if is_forest {
        let ids = e.ctx.seq(
            e.req("estimators_", epath)?,
            &format!("{epath}.estimators_"),
        )?;
        let mut rows: Vec<f64> = Vec::new();
        let mut used = 0usize;
        for (t, &id) in ids.iter().enumerate() {
            let tpath = format!("{epath}.estimators_[{t}]");
            let tree = e.ctx.obj(id, &tpath)?;
            // trees of one node are left out of the mean
            let (count, imp) = tree_importances(&tree, nf, &tpath)?;
            if count <= 1 {
                continue;
            }
            used += 1;
            rows.extend_from_slice(&imp);
        }
        if used == 0 {
            return Ok(vec![0.0; nf]);
        }
        // np.mean(all_importances, axis=0): a C-ordered (trees x features) array
        let mut mean = add_reduce_rows(&rows, used, nf, false);
        let count = used as f64;
        mean.iter_mut().for_each(|v| *v /= count);
        let total = npsum::sum(&mean);
        mean.iter_mut().for_each(|v| *v /= total);
        return Ok(mean);
    }
    Err(unsupported(
        format!("SelectFromModel over {}", e.class),
        &fpath,
        "Its coef_ or feature_importances_ is computed at run time: importances are \
         reproduced for decision trees, random forests and extra-trees, and coef_ when the \
         file stores it.",
    ))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum NormOrd {
    One,
    Two,
    Inf,
    NegInf,
}

fn norm_order(sel: &Obj<'_, '_>, path: &str) -> Result<NormOrd> {
    let id = sel.req("norm_order", path)?;
    let p = sel.ctx.f64(id, &format!("{path}.norm_order"))?;
    Ok(match p {
        1.0 => NormOrd::One,
        2.0 => NormOrd::Two,
        f64::INFINITY => NormOrd::Inf,
        f64::NEG_INFINITY => NormOrd::NegInf,
        _ => {
            return Err(unsupported(
                format!("SelectFromModel with norm_order={p}"),
                path,
                "norm_order 1, 2, inf and -inf are reproduced.",
            ))
        }
    })
}

/// `np.abs(coef_)` or `np.linalg.norm(coef_, axis=0, ord)`.
fn coef_scores(e: &Obj<'_, '_>, epath: &str, ord: NormOrd) -> Result<Vec<f64>> {
    let a = e.arr_f64("coef_", epath)?;
    let (rows, cols) = match a.shape.as_slice() {
        [_] => return Ok(a.data.iter().map(|v| v.abs()).collect()),
        [r, c] => (*r, *c),
        s => {
            return Err(malformed(
                &format!("{epath}.coef_"),
                format!("expected a 1-D or 2-D array, found shape {s:?}"),
            ))
        }
    };
    if rows == 0 {
        return Err(malformed(&format!("{epath}.coef_"), "no rows"));
    }
    let f = |v: f64| match ord {
        NormOrd::One | NormOrd::Inf | NormOrd::NegInf => v.abs(),
        NormOrd::Two => v * v,
    };
    let fortran = fortran_ordered(e, "coef_");
    let vals: Vec<f64> = a.data.iter().map(|&v| f(v)).collect();
    let out = match ord {
        // np.maximum / np.minimum reduce: NaN propagates
        NormOrd::Inf | NormOrd::NegInf => (0..cols)
            .map(|j| {
                (1..rows).fold(vals[j], |m, i| {
                    let v = vals[i * cols + j];
                    if m.is_nan() || v.is_nan() {
                        f64::NAN
                    } else if ord == NormOrd::Inf {
                        m.max(v)
                    } else {
                        m.min(v)
                    }
                })
            })
            .collect(),
        NormOrd::Two => add_reduce_rows(&vals, rows, cols, fortran)
            .into_iter()
            .map(f64::sqrt)
            .collect(),
        _ => add_reduce_rows(&vals, rows, cols, fortran),
    };
    Ok(out)
}

/// `np.add.reduce(a, axis=0)` of a `rows x cols` array given in C order:
/// down the rows one after the other when the array is C-ordered with more
/// than one column (numpy adds whole rows); along a contiguous column (a
/// Fortran-ordered array, or a single column) numpy's pairwise sum of the
/// column (measured: numpy 2.4, 11 to 300 rows).
fn add_reduce_rows(a: &[f64], rows: usize, cols: usize, fortran: bool) -> Vec<f64> {
    (0..cols)
        .map(|j| {
            let col = (0..rows).map(|i| a[i * cols + j]);
            if fortran || cols == 1 {
                npsum::sum(&col.collect::<Vec<f64>>())
            } else {
                let mut it = col;
                let first = it.next().unwrap_or(0.0);
                it.fold(first, |s, v| s + v)
            }
        })
        .collect()
}

/// A tree estimator's `feature_importances_` and its node count.
fn tree_importances(t: &Obj<'_, '_>, nf: usize, path: &str) -> Result<(usize, Vec<f64>)> {
    let mut out = None;
    with_tree_ctx(t, path, &mut |ctx, tree_id| {
        out = Some(node_importances(ctx, tree_id, nf, path)?);
        Ok(())
    })?;
    out.ok_or_else(|| malformed(path, "the tree was not read"))
}

/// Runs `read` with a context that sees the `tree_` of estimator `t` (the
/// streaming file loader hands trees' arrays over one tree at a time).
fn with_tree_ctx(
    t: &Obj<'_, '_>,
    path: &str,
    read: &mut dyn FnMut(&Ctx<'_>, NodeId) -> Result<()>,
) -> Result<()> {
    let tree = t.obj("tree_", &format!("{path}.tree_"))?;
    match t.ctx.trees {
        Some(src) if tree.is("sklearn.tree._tree", "Tree") => {
            let id = tree.id;
            src.with_tree(t.ctx, id, &mut |c| read(c, id))
        }
        _ => read(t.ctx, tree.id),
    }
}

/// `Tree.compute_feature_importances(normalize=True)` and the node count.
fn node_importances(
    ctx: &Ctx<'_>,
    tree_id: NodeId,
    nf: usize,
    path: &str,
) -> Result<(usize, Vec<f64>)> {
    let tpath = format!("{path}.tree_");
    let tree = ctx.obj(tree_id, &tpath)?;
    if !tree.is("sklearn.tree._tree", "Tree") {
        return Err(malformed(
            &tpath,
            format!("expected a Tree, found {}", tree.class),
        ));
    }
    let np = format!("{tpath}.nodes");
    let (dtype, count, recs) = ctx.records(tree.req("nodes", &tpath)?, &np)?;
    for (f, kind) in [
        ("left_child", 'i'),
        ("right_child", 'i'),
        ("feature", 'i'),
        ("impurity", 'f'),
        ("weighted_n_node_samples", 'f'),
    ] {
        if field_kind(&dtype, f, &np)? != (kind, 8) {
            return Err(malformed(&np, format!("field {f} has an unexpected type")));
        }
    }
    let item = dtype.itemsize().unwrap_or(0) as usize;
    if item == 0 || count == 0 || recs.len() != item * count {
        return Err(malformed(&np, "inconsistent record layout"));
    }
    let at = |f: &str| field_at(&dtype, f, item, &np);
    let (left, right, feature, imp, w) = (
        at("left_child")?,
        at("right_child")?,
        at("feature")?,
        at("impurity")?,
        at("weighted_n_node_samples")?,
    );
    let rec = |i: usize| &recs[i * item..(i + 1) * item];
    let node = |i: usize| {
        let r = rec(i);
        (f64::from_bits(w.get(r)), f64::from_bits(imp.get(r)))
    };
    let mut out = vec![0.0f64; nf];
    for i in 0..count {
        let r = rec(i);
        let l = left.get(r) as i64;
        if l == TREE_LEAF {
            continue;
        }
        let rr = right.get(r) as i64;
        let ft = feature.get(r) as i64;
        let (Ok(l), Ok(rr), Ok(ft)) =
            (usize::try_from(l), usize::try_from(rr), usize::try_from(ft))
        else {
            return Err(malformed(
                &np,
                format!("node {i} has a negative child or feature"),
            ));
        };
        if l >= count || rr >= count || ft >= nf {
            return Err(malformed(
                &np,
                format!("node {i}: a child or the feature is out of range"),
            ));
        }
        let (wn, en) = node(i);
        let (wl, el) = node(l);
        let (wr, er) = node(rr);
        out[ft] += wn * en - wl * el - wr * er;
    }
    let w0 = node(0).0;
    out.iter_mut().for_each(|v| *v /= w0);
    let normalizer = npsum::sum(&out);
    if normalizer > 0.0 {
        out.iter_mut().for_each(|v| *v /= normalizer);
    }
    Ok((count, out))
}

/// `_calculate_threshold(estimator, scores, self.threshold)`.
fn threshold(sel: &Obj<'_, '_>, e: &Obj<'_, '_>, scores: &[f64], path: &str) -> Result<f64> {
    let tpath = format!("{path}.threshold");
    let id = sel.req("threshold", path)?;
    let text = match sel.ctx.g.node(id) {
        Some(Node::None) => {
            if l1_penalized(e, path)? {
                return Ok(1e-5);
            }
            "mean"
        }
        Some(Node::Str(s)) => s.as_str(),
        _ => return sel.ctx.f64(id, &tpath),
    };
    let bad = |why: String| malformed(&tpath, why);
    let (scale, reference) = match text.split_once('*') {
        None => (1.0, text),
        Some((s, r)) => {
            if r.contains('*') {
                return Err(bad(format!("{text:?} has more than one '*'")));
            }
            let s = s.trim();
            let v: f64 = s
                .parse()
                .map_err(|_| bad(format!("the scale {s:?} of {text:?} is not a number")))?;
            (v, r.trim())
        }
    };
    let v = match reference {
        "mean" => mean(scores),
        "median" => median(scores),
        other if text.contains('*') => return Err(bad(format!("unknown reference {other:?}"))),
        other => {
            return Err(bad(format!(
                "expected threshold='mean' or threshold='median', got {other:?}"
            )))
        }
    };
    Ok(if text.contains('*') { scale * v } else { v })
}

/// `np.mean` of a 1-D float64 array.
fn mean(a: &[f64]) -> f64 {
    npsum::sum(a) / a.len() as f64
}

/// `np.median` of a 1-D float64 array: NaN if any value is NaN; else the
/// middle value, or the mean of the two middle values.
fn median(a: &[f64]) -> f64 {
    if a.is_empty() || a.iter().any(|v| v.is_nan()) {
        return f64::NAN;
    }
    let mut s = a.to_vec();
    s.sort_by(|x, y| x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal));
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        npsum::sum(&s[n / 2 - 1..n / 2 + 1]) / 2.0
    }
}

/// `np.isclose(v, 1.0)`.
fn isclose_one(v: f64) -> bool {
    (v - 1.0).abs() <= 1e-8 + 1e-5 * 1.0
}

/// `_calculate_threshold`'s test for an l1-penalised estimator.
fn l1_penalized(e: &Obj<'_, '_>, path: &str) -> Result<bool> {
    let name = e.name();
    let str_is = |key: &str, want: &str| {
        e.opt(key)
            .is_some_and(|id| matches!(e.ctx.g.node(id), Some(Node::Str(s)) if s == want))
    };
    // `hasattr(estimator, key)`: present, None included
    let ratio = |key: &str| -> Result<Option<Vec<f64>>> {
        match e.get(key) {
            None => Ok(None),
            Some(id) if e.ctx.is_none(id) => Err(unsupported(
                format!("SelectFromModel's default threshold over {name} with {key}=None"),
                path,
                "scikit-learn's np.isclose(None, 1.0) raises here; give the threshold.",
            )),
            Some(id) => match e.ctx.g.node(id) {
                Some(Node::Array(_)) => Ok(Some(e.ctx.arr_f64(id, &format!("{path}.{key}"))?.data)),
                _ => Ok(Some(vec![e.ctx.f64(id, &format!("{path}.{key}"))?])),
            },
        }
    };
    let all_close = |v: Option<Vec<f64>>| v.is_some_and(|v| v.iter().all(|&x| isclose_one(x)));
    Ok(str_is("penalty", "l1")
        || name.contains("Lasso")
        || (name == "ElasticNet" && all_close(ratio("l1_ratio")?))
        || (name == "ElasticNetCV" && all_close(ratio("l1_ratio_")?))
        || (name == "LogisticRegression" && all_close(ratio("l1_ratio")?))
        || (name == "LogisticRegressionCV" && all_close(ratio("l1_ratio_")?)))
}
