//! QuadraticDiscriminantAnalysis, as scikit-learn 1.9's `_decision_function`
//! writes it: per class i, `X2 = np.dot(X - means_[i], rotations_[i] *
//! scalings_[i] ** -0.5)`, `norm2 = np.sum(X2 ** 2, axis=1)`; then
//! `-0.5 * (norm2 + u) + np.log(priors_)` with `u[i] = np.sum(np.log(
//! scalings_[i]))`. decision_function is that (column 1 minus column 0 for
//! two classes), predict its first arg-max, predict_log_proba `ll -
//! np.log(np.exp(ll).sum(axis=1))` with `ll` the scores minus the row's
//! maximum, predict_proba `np.exp` of it.
//!
//! `np.dot` with a matrix is a dgemm that `blas.rs` models for numpy's
//! matmul only, so the claim is the linear family's bound.

use crate::access::{Ctx, Obj};
use crate::blas::{Blas, Exactness};
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{malformed, Result};
use crate::estimator::{boxed, dense_in, Estimator, Info};
use crate::kernels::discriminant_log_proba;
use crate::npmath::{np_exp, np_log, np_pow_scalar_exponent};
use crate::npsum;

struct Class {
    mean: Vec<f64>,
    /// `(rotations_[i] * scalings_[i] ** -0.5).T`: r x d
    w: Mat,
    /// `np.sum(np.log(scalings_[i]))`
    u: f64,
    /// `np.log(priors_[i])`
    log_prior: f64,
}

pub struct Qda {
    info: Info,
    classes: Labels,
    per_class: Vec<Class>,
    blas: Blas,
}

impl Qda {
    fn read(est: &Obj<'_, '_>, path: &str) -> Result<Qda> {
        let info = Info::read(est, path)?;
        let classes = est.labels("classes_", path)?;
        let k = classes.len();
        let means = crate::access::mat_f64(est, "means_", path)?;
        let d = means.cols;
        if means.rows != k || k < 2 {
            return Err(malformed(path, "means_ does not match classes_"));
        }
        if info.n_features.is_some_and(|n| n != d) {
            return Err(malformed(path, "means_ does not match n_features_in_"));
        }
        let priors = crate::access::vec_f64(est, "priors_", path, Some(k))?;
        let rp = format!("{path}.rotations_");
        let sp = format!("{path}.scalings_");
        let rot = est.ctx.seq(est.req("rotations_", path)?, &rp)?;
        let sca = est.ctx.seq(est.req("scalings_", path)?, &sp)?;
        if rot.len() != k || sca.len() != k {
            return Err(malformed(
                path,
                "rotations_ / scalings_ do not match classes_",
            ));
        }
        let mut per_class = Vec::with_capacity(k);
        for i in 0..k {
            let r = est.ctx.arr_f64(rot[i], &format!("{rp}[{i}]"))?;
            let s = est.ctx.arr_f64(sca[i], &format!("{sp}[{i}]"))?;
            let (rows, cols) = match r.shape.as_slice() {
                [a, b] => (*a, *b),
                _ => return Err(malformed(&format!("{rp}[{i}]"), "expected a 2-D array")),
            };
            if rows != d || s.shape.len() != 1 || s.data.len() != cols {
                return Err(malformed(&format!("{rp}[{i}]"), "shape does not match"));
            }
            let scale: Vec<f64> = s
                .data
                .iter()
                .map(|&v| np_pow_scalar_exponent(v, -0.5))
                .collect();
            let mut w = Mat::zeros(cols, d);
            for a in 0..d {
                for (c, sc) in scale.iter().enumerate() {
                    w.data[c * d + a] = r.data[a * cols + c] * sc;
                }
            }
            let logs: Vec<f64> = s.data.iter().map(|&v| np_log(v)).collect();
            per_class.push(Class {
                mean: means.row(i).to_vec(),
                w,
                u: npsum::sum(&logs),
                log_prior: np_log(priors[i]),
            });
        }
        let mut info = info;
        info.n_features = Some(d);
        Ok(Qda {
            info,
            classes,
            per_class,
            blas: est.ctx.blas.clone(),
        })
    }

    /// `_decision_function`: n x k.
    fn scores(&self, x: &Mat) -> Mat {
        let k = self.per_class.len();
        let mut out = Mat::zeros(x.rows, k);
        let mut xm = Mat::zeros(x.rows, x.cols);
        for (c, cl) in self.per_class.iter().enumerate() {
            for i in 0..x.rows {
                for ((o, v), m) in xm.row_mut(i).iter_mut().zip(x.row(i)).zip(&cl.mean) {
                    *o = v - m;
                }
            }
            let x2 = self.blas.matmul_t(&xm, &cl.w, true);
            let mut sq = vec![0.0; x2.cols];
            for i in 0..x.rows {
                for (s, v) in sq.iter_mut().zip(x2.row(i)) {
                    *s = v * v;
                }
                let norm2 = npsum::sum(&sq);
                out.data[i * k + c] = -0.5 * (norm2 + cl.u) + cl.log_prior;
            }
        }
        out
    }
}

impl Estimator for Qda {
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        Some(&self.classes)
    }
    fn supports(&self, m: Method) -> bool {
        matches!(
            m,
            Method::Predict
                | Method::DecisionFunction
                | Method::PredictProba
                | Method::PredictLogProba
        )
    }
    fn exactness(&self, _m: Method) -> Exactness {
        Exactness::Bounded(
            "np.dot(X - means_[i], rotations_[i] * scalings_[i] ** -0.5) is a dgemm not modelled"
                .into(),
        )
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        let x = dense_in(&self.info, x, false)?;
        let s = self.scores(&x);
        match m {
            Method::DecisionFunction if s.cols == 2 => Ok(Output::Vector(
                (0..s.rows).map(|i| s.get(i, 1) - s.get(i, 0)).collect(),
            )),
            Method::DecisionFunction => Ok(Output::Matrix(s)),
            Method::Predict => {
                let idx: Vec<usize> = (0..s.rows).map(|i| npsum::argmax(s.row(i))).collect();
                Ok(Output::Labels(self.classes.take(&idx)))
            }
            Method::PredictLogProba => Ok(Output::Matrix(discriminant_log_proba(&s, false))),
            _ => {
                let mut p = discriminant_log_proba(&s, false);
                for v in &mut p.data {
                    *v = np_exp(*v);
                }
                Ok(Output::Matrix(p))
            }
        }
    }
}

/// The implementation of `est` when this module has it.
pub fn build(_ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str) -> Option<Result<Box<dyn Estimator>>> {
    if !est.class.module.starts_with("sklearn.") {
        return None;
    }
    match est.name() {
        "QuadraticDiscriminantAnalysis" => Some(boxed(Qda::read(est, path))),
        _ => None,
    }
}
