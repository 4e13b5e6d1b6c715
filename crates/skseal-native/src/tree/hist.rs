//! Histogram gradient boosting: `TreePredictor` nodes, categorical
//! bitsets, branch-free walks.

use super::boosting::{boosted_output, boosted_supports, link_of, Link};
use super::*;
use crate::access::{field_kind, field_words, Ctx, Obj};
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{malformed, Result};
use crate::estimator::{check_width, Estimator, Info};

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

/// HistGradientBoostingClassifier / HistGradientBoostingRegressor, on X as
/// its predictors see it: after `_preprocessor` (categorical features since
/// scikit-learn 1.4), which the dispatcher puts in front
/// (`compose::preprocessed`).
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
