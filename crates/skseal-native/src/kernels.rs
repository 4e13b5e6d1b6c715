//! Numeric kernels shared by the model families, each in the order numpy,
//! scipy or scikit-learn computes it: links (expit, logit, softmax), `log`
//! of probabilities, arg-max labels, row sums and `einsum` squares. Matrix
//! products are in [`crate::blas`]. Families import this module, never each
//! other.

use crate::data::{Labels, Mat};
use crate::{npmath, npsum};

/// `classes_.take(np.argmax(p, axis=1))`.
pub fn argmax_labels(p: &Mat, classes: &Labels) -> Labels {
    let idx: Vec<usize> = (0..p.rows).map(|i| npsum::argmax(p.row(i))).collect();
    classes.take(&idx)
}

/// `np.log(p)` elementwise, as numpy computes it on this machine.
pub fn log_mat(mut p: Mat) -> Mat {
    for v in &mut p.data {
        *v = npmath::np_log(*v);
    }
    p
}

/// `DiscriminantAnalysisPredictionMixin.predict_log_proba` from the scores
/// `s` (QuadraticDiscriminantAnalysis, NearestCentroid): `ll = s -
/// s.max(axis=1)`, then `ll - np.log(np.exp(ll).sum(axis=1))`. `pairwise`:
/// the scores are C-ordered, so each row's sum is numpy's pairwise sum of a
/// contiguous row; otherwise the sum runs along a Fortran-ordered axis,
/// element after element.
pub fn discriminant_log_proba(s: &Mat, pairwise: bool) -> Mat {
    let mut out = Mat::zeros(s.rows, s.cols);
    let mut e = vec![0.0; s.cols];
    for i in 0..s.rows {
        let row = s.row(i);
        let max = npsum::max(row);
        let o = out.row_mut(i);
        for (v, r) in o.iter_mut().zip(row) {
            *v = r - max;
        }
        for (x, v) in e.iter_mut().zip(o.iter()) {
            *x = npmath::np_exp(*v);
        }
        let sum = if pairwise {
            npsum::sum(&e)
        } else {
            e.iter().fold(0.0, |a, &x| a + x)
        };
        let l = npmath::np_log(sum);
        for v in o.iter_mut() {
            *v -= l;
        }
    }
    out
}

/// scipy.special.expit: `1 / (1 + exp(-x))` with the C library's exp.
pub fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// scipy.special.logit (xsf `log_exp.h`).
pub fn logit(x: f64) -> f64 {
    if !(0.3..=0.65).contains(&x) {
        (x / (1.0 - x)).ln()
    } else {
        let s = 2.0 * (x - 0.5);
        s.ln_1p() - (-s).ln_1p()
    }
}

/// sklearn.utils.extmath.softmax on each row, in place.
pub fn softmax_rows(p: &mut Mat) {
    for i in 0..p.rows {
        softmax_row(p.row_mut(i));
    }
}

/// [`softmax_rows`] for one row.
pub fn softmax_row(r: &mut [f64]) {
    let m = npsum::max(r);
    for v in r.iter_mut() {
        *v = npmath::np_exp(*v - m);
    }
    let s = npsum::sum(r);
    for v in r.iter_mut() {
        *v /= s;
    }
}

/// `np.einsum("ij,ij->i", X, X)` for one contiguous row (numpy 2.4's
/// `sum_of_products_contig_contig_outstride0_two` with 128-bit vectors:
/// two lanes, four vectors per step chained last to first, multiply then
/// add, then `lane0 + lane1`, then added to the zeroed output).
pub(crate) fn einsum_sq(a: &[f64]) -> f64 {
    let mut acc = [0.0f64; 2];
    let mut chunks = a.chunks_exact(8);
    for c in &mut chunks {
        for l in 0..2 {
            let ab3 = c[6 + l] * c[6 + l] + acc[l];
            let ab2 = c[4 + l] * c[4 + l] + ab3;
            let ab1 = c[2 + l] * c[2 + l] + ab2;
            acc[l] = c[l] * c[l] + ab1;
        }
    }
    for c in chunks.remainder().chunks(2) {
        for (l, v) in c.iter().enumerate() {
            acc[l] += v * v;
        }
        if c.len() == 1 {
            acc[1] += 0.0;
        }
    }
    0.0 + (acc[0] + acc[1])
}

/// `np.sum(X, axis=1)` for one row of a C-contiguous float64 matrix (and
/// `np.sum` of a 1-D array): one pairwise sum over the whole row, added to
/// the identity. Measured against numpy 2.4: this, not
/// `row[0] + pairwise(row[1..])`, is numpy's order (they differ from 3
/// elements on).
pub(crate) fn row_sum(a: &[f64]) -> f64 {
    crate::npsum::sum(a)
}

/// A numpy elementwise function on float64 that native inference
/// reproduces bit for bit on this machine, by its name in the `numpy`
/// module (what a pickled `np.log1p` refers to); `Err` says why not.
/// `exp`/`log`/`log1p`/`expm1` follow numpy's SVML use ([`npmath::np_exp`],
/// [`npmath::np_log1p`]); `sqrt` is correctly rounded everywhere.
pub fn numpy_unary(name: &str) -> std::result::Result<fn(f64) -> f64, String> {
    match name {
        "exp" => Ok(npmath::np_exp),
        "log" => Ok(npmath::np_log),
        "sqrt" => Ok(f64::sqrt),
        "log1p" => Ok(npmath::np_log1p),
        "expm1" => Ok(npmath::np_expm1),
        _ => Err(format!(
            "np.{name} is not one of the numpy functions native inference computes (exp, log, log1p, expm1, sqrt)"
        )),
    }
}

/// scikit-learn's `_ovr_decision_function(predictions, confidences,
/// n_classes)` for one row: the pairs (i, j), i < j, in order; pair p votes
/// for j where `second(p)` (its prediction is 1) and for i otherwise, and
/// its confidence is subtracted from i's sum and added to j's, in pair
/// order; the result is `votes + soc / (3 * (|soc| + 1))`.
pub(crate) fn ovr_decision_row(
    second: impl Fn(usize) -> bool,
    confidence: impl Fn(usize) -> f64,
    out: &mut [f64],
) {
    let k = out.len();
    let mut votes = vec![0.0f64; k];
    let mut soc = vec![0.0f64; k];
    let mut p = 0;
    for i in 0..k {
        for j in i + 1..k {
            let conf = confidence(p);
            soc[i] -= conf;
            soc[j] += conf;
            if second(p) {
                votes[j] += 1.0;
            } else {
                votes[i] += 1.0;
            }
            p += 1;
        }
    }
    for (o, (v, s)) in out.iter_mut().zip(votes.iter().zip(&soc)) {
        *o = v + s / (3.0 * (s.abs() + 1.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn einsum_order_small() {
        assert_eq!(einsum_sq(&[3.0]), 9.0);
        assert_eq!(einsum_sq(&[1.0, 2.0, 2.0]), 9.0);
        assert_eq!(einsum_sq(&[]), 0.0);
        let v: Vec<f64> = (0..19).map(|k| k as f64 * 0.1).collect();
        let plain: f64 = v.iter().map(|x| x * x).sum();
        assert!((einsum_sq(&v) - plain).abs() < 1e-12);
    }
}
