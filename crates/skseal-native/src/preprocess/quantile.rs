//! QuantileTransformer (output_distribution="uniform") and PowerTransformer.
//!
//! QuantileTransformer's `_transform_col`, per column: `0.5 *
//! (np.interp(x, q, r) - np.interp(-x, -q[::-1], -r[::-1]))` on the non-NaN
//! values, then `x == q[-1]` set to 1 and `x == q[0]` to 0 (the masks from
//! the original values; lower last). [`interp`] is numpy's `arr_interp`
//! (compiled_base.c): the index is the last `j` with `xp[j] <= x` (what
//! `binary_search_with_guess` returns on a sorted `xp`, which fitting
//! guarantees and reading checks), `fp[0]` / `fp[-1]` outside, `fp[j]` at
//! the last point or where `xp[j] == x`, else `slope * (x - xp[j]) + fp[j]`
//! with `slope = (fp[j+1] - fp[j]) / (xp[j+1] - xp[j])` (no FMA: the file is
//! built for numpy's baseline), retried from `j+1` when NaN. "normal"
//! output needs scipy's `ndtri`, not ported: refused.
//!
//! PowerTransformer: box-cox is `scipy.special.boxcox` (xsf: `log(x)` when
//! `|lmbda| < 1e-19`, else `expm1(lmbda * log(x)) / lmbda`, the C
//! library's); yeo-johnson is `scipy.stats._yeojohnson_transform` with
//! numpy's `log1p` / `expm1` ([`crate::npmath::np_log1p`] /
//! [`crate::npmath::np_expm1`]: SVML ports on AVX-512 machines, the C library
//! elsewhere). Then `_scaler`
//! (`X -= mean_; X /= scale_`) when `standardize`.

use crate::access::{mat_f64, vec_f64, Obj};
use crate::data::{Data, Method, Output};
use crate::error::{malformed, Result};
use crate::estimator::{
    data_output, dense_in, transformer_estimator, unsupported, Estimator, Info, Transformer,
};
use crate::npmath::{np_expm1, np_log1p};

/// `np.interp(x, xp, fp)` for float64, `xp` sorted, `xp.len() == fp.len() >= 1`.
pub(super) fn interp(x: f64, xp: &[f64], fp: &[f64]) -> f64 {
    let n = xp.len().min(fp.len());
    if n == 0 {
        return f64::NAN;
    }
    let (lval, rval) = (fp[0], fp[n - 1]);
    if n == 1 {
        return if x < xp[0] {
            lval
        } else if x > xp[0] {
            rval
        } else {
            fp[0]
        };
    }
    if x.is_nan() {
        return x;
    }
    if x > xp[n - 1] {
        return rval;
    }
    if x < xp[0] {
        return lval;
    }
    // last j with xp[j] <= x
    let j = xp[..n].partition_point(|&v| v <= x) - 1;
    if j == n - 1 || xp[j] == x {
        return fp[j];
    }
    let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    let mut r = slope * (x - xp[j]) + fp[j];
    if r.is_nan() {
        r = slope * (x - xp[j + 1]) + fp[j + 1];
        if r.is_nan() && fp[j] == fp[j + 1] {
            r = fp[j];
        }
    }
    r
}

/// A fitted QuantileTransformer with uniform output.
pub(super) struct Quantile {
    info: Info,
    /// per feature: quantiles, and the negated reversed quantiles
    q: Vec<Vec<f64>>,
    nq: Vec<Vec<f64>>,
    r: Vec<f64>,
    nr: Vec<f64>,
}

impl Quantile {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<Quantile> {
        let mut info = Info::read(est, path)?;
        let od = est.str("output_distribution", path)?;
        if od != "uniform" {
            return Err(unsupported(
                format!("QuantileTransformer(output_distribution={od:?})"),
                path,
                "The normal output needs scipy's ndtri, which native inference does not reproduce; \
                 output_distribution=\"uniform\" is implemented.",
            ));
        }
        let qm = mat_f64(est, "quantiles_", path)?;
        let r = vec_f64(est, "references_", path, Some(qm.rows))?;
        if qm.rows == 0 || info.n_features.is_some_and(|n| n != qm.cols) {
            return Err(malformed(
                &format!("{path}.quantiles_"),
                "shape does not match",
            ));
        }
        let sorted =
            |v: &[f64]| v.iter().all(|a| !a.is_nan()) && v.windows(2).all(|w| w[0] <= w[1]);
        if !sorted(&r) {
            return Err(malformed(&format!("{path}.references_"), "not sorted"));
        }
        let mut q = Vec::with_capacity(qm.cols);
        for c in 0..qm.cols {
            let col: Vec<f64> = (0..qm.rows).map(|i| qm.data[i * qm.cols + c]).collect();
            if !sorted(&col) {
                return Err(malformed(
                    &format!("{path}.quantiles_"),
                    format!("column {c} not sorted"),
                ));
            }
            q.push(col);
        }
        let nq = q
            .iter()
            .map(|c| c.iter().rev().map(|v| -v).collect())
            .collect();
        let nr = r.iter().rev().map(|v| -v).collect();
        info.n_features = Some(qm.cols);
        Ok(Quantile { info, q, nq, r, nr })
    }
}

impl Transformer for Quantile {
    fn transform_data(&self, x: Data) -> Result<Data> {
        let mut x = dense_in(&self.info, x, true)?;
        let w = x.cols;
        for row in x.data.chunks_exact_mut(w.max(1)) {
            for (c, v) in row.iter_mut().enumerate() {
                let (q, nq) = (&self.q[c], &self.nq[c]);
                let a = *v;
                if a.is_nan() {
                    continue;
                }
                let mut y = 0.5 * (interp(a, q, &self.r) - interp(-a, nq, &self.nr));
                if a == q[q.len() - 1] {
                    y = 1.0;
                }
                if a == q[0] {
                    y = 0.0;
                }
                *v = y;
            }
        }
        Ok(Data::Dense(x))
    }
}
transformer_estimator!(Quantile);

/// A fitted PowerTransformer.
pub(super) struct Power {
    info: Info,
    boxcox: bool,
    lambdas: Vec<f64>,
    /// `_scaler`'s mean_ and scale_ when standardize
    scale: Option<(Vec<f64>, Vec<f64>)>,
}

impl Power {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<Power> {
        let mut info = Info::read(est, path)?;
        let boxcox = match est.str("method", path)? {
            "box-cox" => true,
            "yeo-johnson" => false,
            m => return Err(malformed(path, format!("method {m:?}"))),
        };
        let lambdas = vec_f64(est, "lambdas_", path, info.n_features)?;
        let scale = if est.bool("standardize", path)? {
            let sp = format!("{path}._scaler");
            let s = est.obj("_scaler", path)?;
            let n = Some(lambdas.len());
            let mean = vec_f64(&s, "mean_", &sp, n)?;
            let sc = vec_f64(&s, "scale_", &sp, n)?;
            if !s.bool("with_mean", &sp)? || !s.bool("with_std", &sp)? {
                return Err(malformed(
                    &sp,
                    "PowerTransformer's scaler centres and scales",
                ));
            }
            Some((mean, sc))
        } else {
            None
        };
        info.n_features = Some(lambdas.len());
        Ok(Power {
            info,
            boxcox,
            lambdas,
            scale,
        })
    }
}

/// `scipy.special.boxcox(x, lmbda)` (xsf).
fn boxcox(x: f64, l: f64) -> f64 {
    if l.abs() < 1e-19 {
        x.ln()
    } else {
        (l * x.ln()).exp_m1() / l
    }
}

/// `scipy.stats._yeojohnson_transform` for one value: `np.log1p` /
/// `np.expm1` as numpy computes them here (SVML on AVX-512, the C library
/// otherwise).
fn yeojohnson(x: f64, l: f64) -> f64 {
    let eps = f64::EPSILON;
    if x >= 0.0 {
        if l.abs() < eps {
            np_log1p(x)
        } else {
            np_expm1(l * np_log1p(x)) / l
        }
    } else if (l - 2.0).abs() > eps {
        -np_expm1((2.0 - l) * np_log1p(-x)) / (2.0 - l)
    } else {
        -np_log1p(-x)
    }
}

impl Transformer for Power {
    fn transform_data(&self, x: Data) -> Result<Data> {
        let mut x = dense_in(&self.info, x, true)?;
        let w = x.cols;
        if self.boxcox && x.data.iter().any(|&v| v <= 0.0) {
            return Err(crate::error::input(
                "The Box-Cox transformation can only be applied to strictly positive data",
            ));
        }
        for row in x.data.chunks_exact_mut(w.max(1)) {
            for (v, &l) in row.iter_mut().zip(&self.lambdas) {
                *v = if self.boxcox {
                    boxcox(*v, l)
                } else {
                    yeojohnson(*v, l)
                };
            }
            if let Some((m, s)) = &self.scale {
                for ((v, m), s) in row.iter_mut().zip(m).zip(s) {
                    *v -= m;
                    *v /= s;
                }
            }
        }
        Ok(Data::Dense(x))
    }
}
transformer_estimator!(Power);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interp_edges() {
        let xp = [0.0, 1.0, 1.0, 2.0];
        let fp = [0.0, 0.25, 0.5, 1.0];
        assert_eq!(interp(-1.0, &xp, &fp), 0.0);
        assert_eq!(interp(3.0, &xp, &fp), 1.0);
        assert_eq!(interp(1.0, &xp, &fp), 0.5);
        assert_eq!(interp(2.0, &xp, &fp), 1.0);
        assert_eq!(interp(0.5, &xp, &fp), 0.125);
        assert!(interp(f64::NAN, &xp, &fp).is_nan());
    }
}
