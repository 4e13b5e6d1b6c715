//! GaussianNB.
//!
//! `_joint_log_likelihood` as scikit-learn 1.9 writes it, per class i:
//! `log(class_prior_[i]) + (-0.5 * sum(log(2.0 * pi * var_[i])) - 0.5 *
//! sum((X - theta_[i]) ** 2 / var_[i], axis=1))`, numpy's `log` (SVML
//! where numpy uses it) and numpy's pairwise sums. predict is the first
//! arg-max. predict_log_proba subtracts `sklearn.utils._array_api._logsumexp`
//! (max, the maxima set to -inf and counted, `exp(a - max)` summed, divided
//! by the count, `log1p(s) + log(m) + max`); predict_proba is `np.exp` of it.
//!
//! numpy computes `np.log1p` with Intel SVML on AVX-512 machines, which is
//! not ported (kernels.rs): there predict_proba / predict_log_proba use the
//! C library's log1p and claim a bound (docs/NATIVE.md "Documented bounds");
//! elsewhere they are bitwise.

use crate::access::{mat_f64, vec_f64, Ctx, Obj};
use crate::blas::Exactness;
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{malformed, Result};
use crate::estimator::{dense_in, Estimator, Info};
use crate::kernels::argmax_labels;
use crate::npmath::{np_exp, np_log, numpy_svml_in_effect};
use crate::npsum;

/// A fitted GaussianNB.
pub struct GaussianNb {
    info: Info,
    classes: Labels,
    /// k x d
    theta: Mat,
    var: Mat,
    /// per class: `log(class_prior_[i])` and `-0.5 * sum(log(2 pi var_[i]))`
    jointi: Vec<f64>,
    nij: Vec<f64>,
}

impl GaussianNb {
    fn read(est: &Obj<'_, '_>, path: &str) -> Result<GaussianNb> {
        let mut info = Info::read(est, path)?;
        let classes = est.labels("classes_", path)?;
        let k = classes.len();
        let theta = mat_f64(est, "theta_", path)?;
        let var = mat_f64(est, "var_", path)?;
        let prior = vec_f64(est, "class_prior_", path, Some(k))?;
        if theta.rows != k || var.rows != k || var.cols != theta.cols || k == 0 {
            return Err(malformed(
                path,
                format!("{k} classes do not match theta_ and var_"),
            ));
        }
        if let Some(n) = info.n_features {
            if n != theta.cols {
                return Err(malformed(
                    &format!("{path}.theta_"),
                    format!("{} features, n_features_in_ is {n}", theta.cols),
                ));
            }
        }
        info.n_features = Some(theta.cols);
        let two_pi = 2.0 * std::f64::consts::PI;
        let jointi = prior.iter().map(|&p| np_log(p)).collect();
        let nij = (0..k)
            .map(|i| {
                let l: Vec<f64> = var.row(i).iter().map(|v| np_log(two_pi * v)).collect();
                -0.5 * npsum::sum(&l)
            })
            .collect();
        Ok(GaussianNb {
            info,
            classes,
            theta,
            var,
            jointi,
            nij,
        })
    }

    fn jll(&self, x: &Mat) -> Mat {
        let k = self.classes.len();
        let mut out = Mat::zeros(x.rows, k);
        let mut buf = vec![0.0; x.cols];
        for r in 0..x.rows {
            let xr = x.row(r);
            for i in 0..k {
                for ((b, (a, t)), v) in buf
                    .iter_mut()
                    .zip(xr.iter().zip(self.theta.row(i)))
                    .zip(self.var.row(i))
                {
                    let d = a - t;
                    *b = (d * d) / v;
                }
                let n = self.nij[i] - 0.5 * npsum::sum(&buf);
                out.data[r * k + i] = self.jointi[i] + n;
            }
        }
        out
    }

    fn log_proba(&self, x: &Mat) -> Mat {
        let mut j = self.jll(x);
        let mut tmp = vec![0.0; j.cols];
        for r in 0..j.rows {
            let row = j.row_mut(r);
            let amax = npsum::max(row);
            let mut m = 0.0;
            for (t, &v) in tmp.iter_mut().zip(row.iter()) {
                if v == amax {
                    *t = f64::NEG_INFINITY;
                    m += 1.0;
                } else {
                    *t = v;
                }
            }
            let shift = if amax.is_finite() { amax } else { 0.0 };
            for t in tmp.iter_mut() {
                *t = np_exp(*t - shift);
            }
            let mut s = npsum::sum(&tmp);
            if s != 0.0 {
                s /= m;
            }
            let lse = s.ln_1p() + np_log(m) + amax;
            for v in row.iter_mut() {
                *v -= lse;
            }
        }
        j
    }
}

impl Estimator for GaussianNb {
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        Some(&self.classes)
    }
    fn exactness(&self, m: Method) -> Exactness {
        if m != Method::Predict && numpy_svml_in_effect() {
            Exactness::Bounded(
                "numpy computes np.log1p in _logsumexp with Intel SVML on this machine (not ported; the C library's log1p is used, a few ulp apart)".into(),
            )
        } else {
            Exactness::Bitwise
        }
    }
    fn supports(&self, m: Method) -> bool {
        matches!(
            m,
            Method::Predict | Method::PredictProba | Method::PredictLogProba
        )
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        let x = dense_in(&self.info, x, false)?;
        Ok(match m {
            Method::Predict => Output::Labels(argmax_labels(&self.jll(&x), &self.classes)),
            Method::PredictLogProba => Output::Matrix(self.log_proba(&x)),
            _ => {
                let mut p = self.log_proba(&x);
                for v in &mut p.data {
                    *v = np_exp(*v);
                }
                Output::Matrix(p)
            }
        })
    }
}

/// The implementation of `est` when this module has it.
pub fn build(_ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str) -> Option<Result<Box<dyn Estimator>>> {
    if !est.class.module.starts_with("sklearn.") {
        return None;
    }
    match est.name() {
        "GaussianNB" => {
            Some(GaussianNb::read(est, path).map(|s| Box::new(s) as Box<dyn Estimator>))
        }
        _ => None,
    }
}
