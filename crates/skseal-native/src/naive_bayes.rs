//! GaussianNB, MultinomialNB / ComplementNB / BernoulliNB ([`DiscreteNb`])
//! and CategoricalNB ([`CategoricalNb`]).
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
use crate::blas::{Blas, Exactness};
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{input, malformed, Result};
use crate::estimator::{boxed, csr_in, dense_in, Estimator, Info};
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

    fn jll_in(&self, x: Data) -> Result<Mat> {
        self.jll(dense_in(&self.info, x, false)?)
    }

    fn jll(&self, x: Mat) -> Result<Mat> {
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
        Ok(out)
    }
}

/// `jll - _logsumexp(jll, axis=1)` as scikit-learn's `_BaseNB`.
fn log_proba_of(mut j: Mat) -> Mat {
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

/// The bound `_logsumexp`'s log1p puts on predict_proba / predict_log_proba.
fn svml_bound(m: Method) -> Option<Exactness> {
    (m != Method::Predict && numpy_svml_in_effect()).then(|| {
        Exactness::Bounded(
            "numpy computes np.log1p in _logsumexp with Intel SVML on this machine (not ported; the C library's log1p is used, a few ulp apart)".into(),
        )
    })
}

/// The methods every naive Bayes shares: its info and classes, and
/// predict / predict_proba / predict_log_proba from its `jll` on the dense
/// input (`nb_output`).
macro_rules! nb_methods {
    () => {
        fn info(&self) -> &Info {
            &self.info
        }
        fn classes(&self) -> Option<&Labels> {
            Some(&self.classes)
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
            Ok(nb_output(m, self.jll_in(x)?, &self.classes))
        }
    };
}

/// The three methods of a naive Bayes model from its joint log likelihood.
fn nb_output(m: Method, jll: Mat, classes: &Labels) -> Output {
    match m {
        Method::Predict => Output::Labels(argmax_labels(&jll, classes)),
        Method::PredictLogProba => Output::Matrix(log_proba_of(jll)),
        _ => {
            let mut p = log_proba_of(jll);
            for v in &mut p.data {
                *v = np_exp(*v);
            }
            Output::Matrix(p)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Discrete {
    Multinomial,
    Complement,
    Bernoulli,
}

/// A fitted MultinomialNB, ComplementNB or BernoulliNB:
/// `safe_sparse_dot(X, W.T) + bias` with W = `feature_log_prob_` (for
/// BernoulliNB `feature_log_prob_ - neg_prob`, `neg_prob = np.log(1 -
/// np.exp(feature_log_prob_))`, bias `class_log_prior_ +
/// neg_prob.sum(axis=1)` after binarizing X at `binarize`); the bias is
/// `class_log_prior_` for MultinomialNB, and for ComplementNB only with a
/// single class. On a text vectorizer's CSR output the product is scipy's
/// (bitwise, [`crate::csr::Csr::matmul_t`]); on dense X numpy's BLAS (as the
/// linear models: `Blas::matmul_t` and its claim).
pub struct DiscreteNb {
    info: Info,
    classes: Labels,
    /// k x d
    w: Mat,
    bias: Option<Vec<f64>>,
    binarize: Option<f64>,
    blas: Blas,
    sparse: bool,
}

impl DiscreteNb {
    fn read(est: &Obj<'_, '_>, path: &str, kind: Discrete) -> Result<DiscreteNb> {
        let mut info = Info::read(est, path)?;
        let classes = est.labels("classes_", path)?;
        let k = classes.len();
        let flp = mat_f64(est, "feature_log_prob_", path)?;
        let clp = vec_f64(est, "class_log_prior_", path, Some(k))?;
        if flp.rows != k || k == 0 {
            return Err(malformed(
                path,
                format!("{k} classes do not match feature_log_prob_"),
            ));
        }
        if let Some(n) = info.n_features {
            if n != flp.cols {
                return Err(malformed(
                    &format!("{path}.feature_log_prob_"),
                    format!("{} features, n_features_in_ is {n}", flp.cols),
                ));
            }
        }
        info.n_features = Some(flp.cols);
        let (w, bias, binarize) = match kind {
            Discrete::Multinomial => (flp, Some(clp), None),
            Discrete::Complement => (flp, (k == 1).then_some(clp), None),
            Discrete::Bernoulli => {
                let neg: Vec<f64> = flp.data.iter().map(|&v| np_log(1.0 - np_exp(v))).collect();
                let w: Vec<f64> = flp.data.iter().zip(&neg).map(|(a, b)| a - b).collect();
                let bias = (0..k)
                    .map(|i| clp[i] + npsum::sum(&neg[i * flp.cols..(i + 1) * flp.cols]))
                    .collect();
                let binarize = match est.opt("binarize") {
                    Some(id) => Some(est.ctx.f64(id, &format!("{path}.binarize"))?),
                    None => None,
                };
                (Mat::new(k, flp.cols, w)?, Some(bias), binarize)
            }
        };
        Ok(DiscreteNb {
            info,
            classes,
            w,
            bias,
            binarize,
            blas: est.ctx.blas.clone(),
            sparse: false,
        })
    }

    fn jll_in(&self, x: Data) -> Result<Mat> {
        let mut j = if self.sparse {
            let mut c = csr_in(&self.info, x)?;
            if let Some(t) = self.binarize {
                // sklearn.preprocessing.binarize on CSR: stored values only
                if t < 0.0 {
                    return Err(input(format!(
                        "Cannot binarize a sparse matrix with threshold < 0 ({} binarize={t})",
                        self.info.class
                    )));
                }
                for v in c.values_mut() {
                    *v = if *v > t { 1.0 } else { 0.0 };
                }
            }
            c.matmul_t(&self.w)
        } else {
            let mut x = dense_in(&self.info, x, false)?;
            if let Some(t) = self.binarize {
                for v in &mut x.data {
                    *v = if *v > t { 1.0 } else { 0.0 };
                }
            }
            self.blas.matmul_t(&x, &self.w, false)
        };
        if let Some(b) = &self.bias {
            for r in 0..j.rows {
                for (o, c) in j.row_mut(r).iter_mut().zip(b) {
                    *o += c;
                }
            }
        }
        Ok(j)
    }
}

impl Estimator for DiscreteNb {
    fn exactness(&self, m: Method) -> Exactness {
        let base = if self.sparse {
            Exactness::Bitwise
        } else {
            self.blas.exactness(false)
        };
        match svml_bound(m) {
            Some(b) => base.and(b),
            None => base,
        }
    }
    fn batchable(&self) -> bool {
        self.sparse
    }
    fn take_sparse(&mut self) -> bool {
        self.sparse = true;
        true
    }
    nb_methods!();
}

impl Estimator for GaussianNb {
    fn exactness(&self, m: Method) -> Exactness {
        svml_bound(m).unwrap_or(Exactness::Bitwise)
    }
    nb_methods!();
}

/// A fitted CategoricalNB: X cast to int as numpy does (truncation toward
/// zero; NaN, infinity and negative codes refused as `_check_X` does, codes
/// past a feature's categories refused where numpy raises IndexError), then
/// per row `jll = 0; jll += feature_log_prob_[i][:, x_i]` for i in feature
/// order, `+ class_log_prior_`; probabilities as the other naive Bayes.
pub struct CategoricalNb {
    info: Info,
    classes: Labels,
    /// per feature: k x n_categories
    flp: Vec<Mat>,
    clp: Vec<f64>,
}

impl CategoricalNb {
    fn read(est: &Obj<'_, '_>, path: &str) -> Result<CategoricalNb> {
        let mut info = Info::read(est, path)?;
        let classes = est.labels("classes_", path)?;
        let k = classes.len();
        let clp = vec_f64(est, "class_log_prior_", path, Some(k))?;
        let fp = format!("{path}.feature_log_prob_");
        let items = est.ctx.seq(est.req("feature_log_prob_", path)?, &fp)?;
        let mut flp = Vec::with_capacity(items.len());
        for (i, &id) in items.iter().enumerate() {
            let ip = format!("{fp}[{i}]");
            let a = est.ctx.arr_f64(id, &ip)?;
            let [r, c] = a.shape[..] else {
                return Err(malformed(&ip, "expected a 2-D array"));
            };
            if r != k {
                return Err(malformed(&ip, format!("{r} rows for {k} classes")));
            }
            flp.push(Mat::new(r, c, a.data)?);
        }
        if k == 0 || info.n_features.is_some_and(|n| n != flp.len()) {
            return Err(malformed(&fp, "does not match n_features_in_ and classes_"));
        }
        info.n_features = Some(flp.len());
        Ok(CategoricalNb {
            info,
            classes,
            flp,
            clp,
        })
    }

    fn jll_in(&self, x: Data) -> Result<Mat> {
        self.jll(dense_in(&self.info, x, false)?)
    }

    fn jll(&self, x: Mat) -> Result<Mat> {
        let k = self.classes.len();
        let mut out = Mat::zeros(x.rows, k);
        for r in 0..x.rows {
            let o = out.row_mut(r);
            for (i, (&v, f)) in x.row(r).iter().zip(&self.flp).enumerate() {
                let code = v.trunc();
                if code < 0.0 {
                    return Err(crate::error::input(
                        "Negative values in data passed to CategoricalNB (input X)".to_string(),
                    ));
                }
                let c = code as usize;
                if code >= f.cols as f64 {
                    return Err(crate::error::input(format!(
                        "row {r}, column {i}: category {c} is past the {} categories CategoricalNB was fitted with (scikit-learn raises IndexError)",
                        f.cols
                    )));
                }
                for (j, y) in o.iter_mut().enumerate() {
                    *y += f.data[j * f.cols + c];
                }
            }
            for (y, b) in o.iter_mut().zip(&self.clp) {
                *y += b;
            }
        }
        Ok(out)
    }
}

impl Estimator for CategoricalNb {
    fn exactness(&self, m: Method) -> Exactness {
        svml_bound(m).unwrap_or(Exactness::Bitwise)
    }
    nb_methods!();
}

/// The implementation of `est` when this module has it.
pub fn build(_ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str) -> Option<Result<Box<dyn Estimator>>> {
    if !est.class.module.starts_with("sklearn.") {
        return None;
    }
    match est.name() {
        "GaussianNB" => Some(boxed(GaussianNb::read(est, path))),
        "CategoricalNB" => Some(boxed(CategoricalNb::read(est, path))),
        "MultinomialNB" | "ComplementNB" | "BernoulliNB" => {
            let kind = match est.name() {
                "MultinomialNB" => Discrete::Multinomial,
                "ComplementNB" => Discrete::Complement,
                _ => Discrete::Bernoulli,
            };
            Some(boxed(DiscreteNb::read(est, path, kind)))
        }
        _ => None,
    }
}
