//! Feature selectors: the columns `_get_support_mask` keeps, computed at
//! load as scikit-learn 1.9.1 computes them at transform time.
//!
//! - VarianceThreshold: `variances_ > threshold` (NaN accepted in X).
//! - SelectKBest: the last `k` of a stable (mergesort) argsort of `scores_`
//!   with NaN replaced by the lowest float64 (`_clean_nans`), so ties keep
//!   the later features; `k="all"` keeps every feature.
//! - SelectPercentile: `scores > np.percentile(scores, 100 - percentile)`
//!   (numpy's "linear" method: `(n - 1) * q`, `_lerp`), ties at the
//!   threshold kept in order up to `int(n * percentile / 100)` features
//!   (a negative count slices from the end, as Python does).
//! - SelectFpr / SelectFwe / SelectFdr (Benjamini-Hochberg on the sorted
//!   p-values) and GenericUnivariateSelect (its `mode` and `param`).
//! - RFE / RFECV used as a transformer: `support_`.
//!
//! - SelectFromModel: the mask scikit-learn computes from the fitted
//!   estimator's `coef_` or importances at transform time
//!   (`from_model.rs`).

use crate::access::{vec_f64, Obj};
use crate::csr::Csr;
use crate::data::{Data, Method, Output};
use crate::error::{malformed, Result};
use crate::estimator::{
    csr_in, data_output, dense_in, transformer_estimator, unsupported, Estimator, Info, Transformer,
};

pub(super) struct Select {
    info: Info,
    keep: Vec<usize>,
    allow_nan: bool,
    /// After a text vectorizer: X and the result are CSR (`X[:, mask]`
    /// keeps each row's stored entries of the kept columns, in order).
    sparse: bool,
}

/// numpy's `np.percentile(sorted, pct)` with the default "linear" method.
fn percentile_linear(sorted: &[f64], pct: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let q = pct / 100.0;
    let v = (n as f64 - 1.0) * q;
    let (lo, hi, g) = if v >= (n - 1) as f64 {
        (n - 1, n - 1, 0.0)
    } else if v < 0.0 {
        (0, 0, 0.0)
    } else {
        let p = v.floor();
        (p as usize, p as usize + 1, v - p)
    };
    let (a, b) = (sorted[lo], sorted[hi]);
    let d = b - a;
    if g >= 0.5 {
        b - d * (1.0 - g)
    } else {
        a + d * g
    }
}

/// `_clean_nans`: NaN becomes the lowest float64.
fn clean(scores: Vec<f64>) -> Vec<f64> {
    scores
        .into_iter()
        .map(|s| if s.is_nan() { f64::MIN } else { s })
        .collect()
}

fn k_best(scores: &[f64], k: usize) -> Vec<bool> {
    let s = clean(scores.to_vec());
    let mut order: Vec<usize> = (0..s.len()).collect();
    // stable, like mergesort (no NaN is left; -0.0 and 0.0 are equal)
    order.sort_by(|&a, &b| s[a].partial_cmp(&s[b]).unwrap_or(std::cmp::Ordering::Equal));
    let mut mask = vec![false; s.len()];
    for &i in order.iter().rev().take(k) {
        mask[i] = true;
    }
    mask
}

fn percentile_mask(scores: &[f64], percentile: f64) -> Vec<bool> {
    let n = scores.len();
    if percentile == 100.0 {
        return vec![true; n];
    }
    if percentile == 0.0 {
        return vec![false; n];
    }
    let s = clean(scores.to_vec());
    let mut sorted = s.clone();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let thr = percentile_linear(&sorted, 100.0 - percentile);
    let mut mask: Vec<bool> = s.iter().map(|&v| v > thr).collect();
    let ties: Vec<usize> = (0..n).filter(|&i| s[i] == thr).collect();
    if !ties.is_empty() {
        let max_feats = (n as f64 * percentile / 100.0) as i64;
        let stop = max_feats - mask.iter().filter(|&&m| m).count() as i64;
        let len = ties.len() as i64;
        let take = if stop >= 0 {
            stop.min(len)
        } else {
            (len + stop).max(0)
        };
        for &i in ties.iter().take(take as usize) {
            mask[i] = true;
        }
    }
    mask
}

fn fdr_mask(p: &[f64], alpha: f64) -> Vec<bool> {
    let n = p.len();
    let mut sv = p.to_vec();
    sv.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let step = alpha / n as f64;
    let sel = sv
        .iter()
        .enumerate()
        .filter(|&(i, &v)| v <= step * (i + 1) as f64)
        .map(|(_, &v)| v)
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
    match sel {
        None => vec![false; n],
        Some(mx) => p.iter().map(|&v| v <= mx).collect(),
    }
}

impl Select {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<Select> {
        let info = Info::read(est, path)?;
        let n = info.n_features;
        let name = est.name();
        let mut allow_nan = false;
        let mask: Vec<bool> = match name {
            "VarianceThreshold" => {
                allow_nan = true;
                let t = est.f64("threshold", path)?;
                vec_f64(est, "variances_", path, n)?
                    .iter()
                    .map(|&v| v > t)
                    .collect()
            }
            "RFE" | "RFECV" => est
                .arr_i64("support_", path)?
                .data
                .iter()
                .map(|&v| v != 0)
                .collect(),
            "SelectKBest"
            | "SelectPercentile"
            | "SelectFpr"
            | "SelectFwe"
            | "SelectFdr"
            | "GenericUnivariateSelect" => {
                let (mode, pkey) = match name {
                    "SelectKBest" => ("k_best", "k"),
                    "SelectPercentile" => ("percentile", "percentile"),
                    "SelectFpr" => ("fpr", "alpha"),
                    "SelectFwe" => ("fwe", "alpha"),
                    "SelectFdr" => ("fdr", "alpha"),
                    _ => (est.str("mode", path)?, "param"),
                };
                let pid = est.req(pkey, path)?;
                let pp = format!("{path}.{pkey}");
                match mode {
                    "k_best" => {
                        let scores = vec_f64(est, "scores_", path, n)?;
                        let k = match est.ctx.g.node(pid) {
                            Some(skseal_core::ir::Node::Str(s)) if s == "all" => scores.len(),
                            _ => est.ctx.usize(pid, &pp)?,
                        };
                        k_best(&scores, k)
                    }
                    "percentile" => {
                        let scores = vec_f64(est, "scores_", path, n)?;
                        percentile_mask(&scores, est.ctx.f64(pid, &pp)?)
                    }
                    "fpr" | "fwe" | "fdr" => {
                        let p = vec_f64(est, "pvalues_", path, n)?;
                        let alpha = est.ctx.f64(pid, &pp)?;
                        match mode {
                            "fpr" => p.iter().map(|&v| v < alpha).collect(),
                            "fwe" => {
                                let t = alpha / p.len() as f64;
                                p.iter().map(|&v| v < t).collect()
                            }
                            _ => fdr_mask(&p, alpha),
                        }
                    }
                    other => {
                        return Err(malformed(
                            &format!("{path}.mode"),
                            format!("unknown mode {other:?}"),
                        ))
                    }
                }
            }
            "SelectFromModel" => super::from_model::support_mask(est, path, n)?,
            _ => {
                return Err(unsupported(
                    format!("{}", est.class),
                    path,
                    "Not a feature selector native inference knows.",
                ))
            }
        };
        if let Some(n) = n {
            if mask.len() != n {
                return Err(malformed(
                    path,
                    format!("a mask of {} features, n_features_in_ is {n}", mask.len()),
                ));
            }
        }
        let mut info = info;
        info.n_features = Some(mask.len());
        let keep = (0..mask.len()).filter(|&i| mask[i]).collect();
        Ok(Select {
            info,
            keep,
            allow_nan,
            sparse: false,
        })
    }
}

impl Transformer for Select {
    fn transform_data(&self, x: Data) -> Result<Data> {
        if self.sparse {
            let c = csr_in(&self.info, x)?;
            // old column -> new column of the kept ones (in order)
            let mut to = vec![usize::MAX; c.cols];
            for (new, &old) in self.keep.iter().enumerate() {
                if let Some(t) = to.get_mut(old) {
                    *t = new;
                }
            }
            let mut out = Csr::new(self.keep.len());
            let mut row = Vec::new();
            for i in 0..c.rows {
                let (idx, val) = c.row(i);
                row.clear();
                row.extend(idx.iter().zip(val).filter_map(|(&j, &v)| {
                    to.get(j).filter(|&&t| t != usize::MAX).map(|&t| (t, v))
                }));
                out.push_row(&row);
            }
            return Ok(Data::Csr(out));
        }
        let m = dense_in(&self.info, x, self.allow_nan)?;
        Ok(Data::Dense(m.select(&self.keep)))
    }
    fn fortran_out(&self) -> bool {
        // numpy's `X[:, mask]` of a C-ordered X; a CSR result has no order
        !self.sparse
    }
    fn sparse_out(&self) -> bool {
        self.sparse
    }
}

transformer_estimator!(Select, sparse |s: &mut Select| {
    s.sparse = true;
    true
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(
            k_best(&[1.0, 3.0, 3.0, f64::NAN], 1),
            [false, false, true, false]
        );
        assert_eq!(k_best(&[1.0, 2.0], 5), [true, true]);
        assert_eq!(percentile_linear(&[1.0, 2.0, 3.0, 4.0], 50.0), 2.5);
        assert_eq!(
            percentile_mask(&[1.0, 1.0, 1.0, 1.0], 50.0),
            [true, true, false, false]
        );
        assert_eq!(fdr_mask(&[0.5, 0.001], 0.05), [false, true]);
    }
}
