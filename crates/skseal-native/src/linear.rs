//! Linear models: LogisticRegression, LinearRegression, Ridge,
//! RidgeClassifier, Lasso, ElasticNet, SGDClassifier, SGDRegressor,
//! LinearSVC, LinearSVR, Perceptron.
//!
//! scikit-learn computes `X @ coef_.T + intercept_` through numpy's matmul,
//! i.e. OpenBLAS, whose accumulation order depends on the shapes, the CPU
//! kernel and the memory layout of X. `blas::Blas::matmul_t` reproduces
//! what numpy 2.4.6 with its bundled OpenBLAS 0.3.31 (SkylakeX kernels, 2
//! threads: the reference machine) does for a C-ordered X, then
//! `+ intercept` is added as numpy does:
//! ddot for one row and one output, dgemv_t for one output (binary
//! classifiers, single-target regressors) or one row, the small-matrix TN
//! kernel or the blocked dgemm kernel otherwise. Measured over random data
//! (1..300 features, 1..500 rows, 1, 2, 3, 5 and 10 outputs, C-ordered X
//! and C-ordered coef_): 100% of the scores bit-identical (before: 16% for
//! one output, 22-84% for several). tests/test_native_linear.py checks
//! that bitwise.
//!
//! Not modelled, within the bound below:
//! - a Fortran-ordered X (what `np.asarray(DataFrame)` and scikit-learn's
//!   scalers / ColumnTransformer return for a DataFrame): numpy then uses
//!   dgemv_n or the TT dgemm kernel; measured 22% identical for one output,
//!   23-84% for several (100% for a single row, which is C- and
//!   F-contiguous at once);
//! - a Fortran-ordered coef_ with several rows (multinomial
//!   LogisticRegression, RidgeClassifier, LinearSVC, Ridge / Lasso with
//!   several targets, PCA's components_): dgemm NN / dgemv_n; measured with
//!   a C-ordered X: 95% identical for 2-3 outputs, 84-99.8% for 5-10;
//! - another CPU kernel or thread count; ddot over 10000 features.
//!
//! Bound: |native - sklearn| <= 5.2e-16 x (sum_j |x_j * coef_j| +
//! |intercept|) measured; tests check 4e-15 x that sum element-wise.
//! Everything after the scores (expit, softmax, OvR normalisation,
//! clipping, argmax, `> 0`) follows numpy's order exactly,
//! so predicted labels can differ only for rows whose score is within
//! that bound of a decision threshold (0 or a tie between classes).
//!
//! After a text vectorizer X is a scipy CSR matrix and scikit-learn's
//! `X @ coef_.T` is scipy's `csr_matvec(s)`: a sequential sum over the
//! row's stored entries in column order ([`crate::csr::Csr::matmul_t`]),
//! bitwise.
//!
//! predict_proba: LogisticRegression uses expit + `[1 - p, p]` for two
//! classes and softmax otherwise (scikit-learn 1.9.1 has no OvR mode);
//! SGDClassifier with log_loss uses `_predict_proba_lr` (expit, OvR
//! normalisation), with modified_huber `(clip(d, -1, 1) + 1) / 2`.

use crate::access::{fortran_ordered, mat_f64, vec_f64, Ctx, Obj};
use crate::blas::{Blas, Exactness};
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{malformed, Result};
use crate::estimator::{
    boxed, csr_in, data_output, dense_in, transformer_estimator, unsupported, Estimator, Info,
    Transformer,
};
use crate::kernels::{expit, log_mat, row_sum, softmax_rows};
use crate::npsum;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Proba {
    None,
    /// expit; binary `[1-p, p]`, multiclass OvR-normalised
    Lr,
    Softmax,
    ModifiedHuber,
}

/// A fitted linear model.
pub struct Linear {
    info: Info,
    /// k x d, row-major
    coef: Mat,
    intercept: Vec<f64>,
    /// coef_ was 1-D (regressors): 1-D output
    flat: bool,
    /// coef_ stored Fortran-ordered (changes numpy's BLAS call)
    coef_f: bool,
    classes: Option<Labels>,
    proba: Proba,
    /// LinearDiscriminantAnalysis: predict_log_proba adds the smallest
    /// normal float to zero probabilities before `np.log`
    log_floor: bool,
    blas: Blas,
    /// X is the CSR matrix of a text vectorizer: scipy's `csr_matvec(s)`
    sparse: bool,
}

impl Linear {
    fn read(est: &Obj<'_, '_>, path: &str) -> Result<Linear> {
        let info = Info::read(est, path)?;
        let name = est.name();
        let ca = est.arr_f64("coef_", path)?;
        let (coef, flat) = match ca.shape.as_slice() {
            [d] => (
                Mat {
                    rows: 1,
                    cols: *d,
                    data: ca.data,
                },
                true,
            ),
            [k, d] => (
                Mat {
                    rows: *k,
                    cols: *d,
                    data: ca.data,
                },
                false,
            ),
            s => {
                return Err(malformed(
                    &format!("{path}.coef_"),
                    format!("expected a 1-D or 2-D array, found shape {s:?}"),
                ))
            }
        };
        if coef.rows == 0 {
            return Err(malformed(&format!("{path}.coef_"), "no coefficients"));
        }
        if let Some(n) = info.n_features {
            if n != coef.cols {
                return Err(malformed(
                    &format!("{path}.coef_"),
                    format!("{} features, n_features_in_ is {n}", coef.cols),
                ));
            }
        }
        let ip = format!("{path}.intercept_");
        let iid = est.req("intercept_", path)?;
        let ia = match est.ctx.node(iid, &ip)? {
            skseal_core::ir::Node::Float(_) | skseal_core::ir::Node::Int(_) => crate::access::Arr {
                shape: vec![],
                data: vec![est.ctx.f64(iid, &ip)?],
            },
            _ => est.ctx.arr_f64(iid, &ip)?,
        };
        let intercept = match ia.data.as_slice() {
            [b] => vec![*b; coef.rows],
            v if v.len() == coef.rows && ia.shape.len() <= 1 => v.to_vec(),
            _ => {
                return Err(malformed(
                    &ip,
                    format!("{} values for {} outputs", ia.data.len(), coef.rows),
                ))
            }
        };
        let is_clf = matches!(
            name,
            "LogisticRegression"
                | "LogisticRegressionCV"
                | "RidgeClassifier"
                | "RidgeClassifierCV"
                | "SGDClassifier"
                | "LinearSVC"
                | "Perceptron"
                | "LinearDiscriminantAnalysis"
        );
        let (classes, proba) = if is_clf {
            let c = est.labels("classes_", path)?;
            let want = if c.len() == 2 { 1 } else { c.len() };
            if c.len() < 2 || (flat && c.len() != 2) || coef.rows != want {
                return Err(malformed(
                    path,
                    format!("{} classes but coef_ has {} rows", c.len(), coef.rows),
                ));
            }
            if matches!(name, "RidgeClassifier" | "RidgeClassifierCV") {
                if let Some(lb) = est.opt("_label_binarizer") {
                    let lbp = format!("{path}._label_binarizer");
                    let lb = est.ctx.obj(lb, &lbp)?;
                    if lb.str("y_type_", &lbp)?.starts_with("multilabel") {
                        return Err(unsupported(
                            "a multilabel RidgeClassifier",
                            path,
                            "Only single-label classification is implemented.",
                        ));
                    }
                }
            }
            let proba = match name {
                // LinearDiscriminantAnalysis: `[1 - expit(d), expit(d)]`
                // for two classes, `softmax` otherwise, as LogisticRegression
                "LogisticRegression" | "LogisticRegressionCV" | "LinearDiscriminantAnalysis" => {
                    if c.len() <= 2 {
                        Proba::Lr
                    } else {
                        Proba::Softmax
                    }
                }
                "SGDClassifier" => match est.str("loss", path)? {
                    "log_loss" => Proba::Lr,
                    "modified_huber" => Proba::ModifiedHuber,
                    _ => Proba::None,
                },
                _ => Proba::None,
            };
            (Some(c), proba)
        } else {
            (None, Proba::None)
        };
        let mut info = info;
        info.n_features = Some(coef.cols);
        let coef_f = fortran_ordered(est, "coef_");
        Ok(Linear {
            info,
            coef,
            intercept,
            flat,
            coef_f,
            classes,
            proba,
            log_floor: name == "LinearDiscriminantAnalysis",
            blas: est.ctx.blas.clone(),
            sparse: false,
        })
    }

    /// Scores: n x k.
    fn scores(&self, x: Data) -> Result<Mat> {
        let mut out = if self.sparse {
            csr_in(&self.info, x)?.matmul_t(&self.coef)
        } else {
            let x = dense_in(&self.info, x, false)?;
            self.blas.matmul_t(&x, &self.coef, self.coef_f)
        };
        for i in 0..out.rows {
            for (o, b) in out.row_mut(i).iter_mut().zip(&self.intercept) {
                *o += b;
            }
        }
        Ok(out)
    }

    fn proba(&self, s: Mat) -> Mat {
        let k = s.cols;
        match self.proba {
            Proba::Softmax => {
                let mut p = s;
                softmax_rows(&mut p);
                p
            }
            Proba::Lr | Proba::ModifiedHuber if k == 1 => {
                let mut p = Mat::zeros(s.rows, 2);
                for (i, &d) in s.data.iter().enumerate() {
                    let p1 = if self.proba == Proba::Lr {
                        expit(d)
                    } else {
                        (clip1(d) + 1.0) / 2.0
                    };
                    p.data[2 * i] = 1.0 - p1;
                    p.data[2 * i + 1] = p1;
                }
                p
            }
            _ => {
                let mut p = s;
                for v in &mut p.data {
                    *v = if self.proba == Proba::Lr {
                        expit(*v)
                    } else {
                        (clip1(*v) + 1.0) / 2.0
                    };
                }
                for i in 0..p.rows {
                    let r = p.row_mut(i);
                    let mut sum = row_sum(r);
                    if sum == 0.0 {
                        r.fill(1.0);
                        sum = k as f64;
                    }
                    for v in r.iter_mut() {
                        *v /= sum;
                    }
                }
                p
            }
        }
    }
}

fn clip1(x: f64) -> f64 {
    if x.is_nan() {
        x
    } else {
        x.clamp(-1.0, 1.0)
    }
}

impl Estimator for Linear {
    fn info(&self) -> &Info {
        &self.info
    }
    fn exactness(&self, _m: Method) -> Exactness {
        if self.sparse {
            return Exactness::Bitwise;
        }
        self.blas.exactness(self.coef_f)
    }
    fn take_sparse(&mut self) -> bool {
        self.sparse = true;
        true
    }
    fn batchable(&self) -> bool {
        // scipy's CSR product is per row; numpy's BLAS is not
        self.sparse
    }
    fn classes(&self) -> Option<&Labels> {
        self.classes.as_ref()
    }
    fn supports(&self, m: Method) -> bool {
        match m {
            Method::Predict => true,
            Method::DecisionFunction => self.classes.is_some(),
            Method::PredictProba | Method::PredictLogProba => self.proba != Proba::None,
            _ => false,
        }
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        let s = self.scores(x)?;
        match (m, &self.classes) {
            (Method::Predict, None) => Ok(if self.flat {
                Output::Vector(s.data)
            } else {
                Output::Matrix(s)
            }),
            (Method::Predict, Some(c)) => {
                let idx: Vec<usize> = (0..s.rows)
                    .map(|i| {
                        if s.cols == 1 {
                            usize::from(s.data[i] > 0.0)
                        } else {
                            npsum::argmax(s.row(i))
                        }
                    })
                    .collect();
                Ok(Output::Labels(c.take(&idx)))
            }
            (Method::DecisionFunction, _) => Ok(if s.cols == 1 {
                Output::Vector(s.data)
            } else {
                Output::Matrix(s)
            }),
            (Method::PredictProba, _) => Ok(Output::Matrix(self.proba(s))),
            (Method::PredictLogProba, _) => {
                let mut p = self.proba(s);
                if self.log_floor {
                    // `prediction[prediction == 0.0] += smallest_normal`
                    for v in p.data.iter_mut().filter(|v| **v == 0.0) {
                        *v += f64::MIN_POSITIVE;
                    }
                }
                // np.log of exact zeros (modified_huber) gives -inf, as in numpy
                p = log_mat(p);
                Ok(Output::Matrix(p))
            }
            _ => Err(self.no_method(m)),
        }
    }
}

/// LinearDiscriminantAnalysis.transform: `(X - xbar_) @ scalings_` (solver
/// "svd") or `X @ scalings_` ("eigen"), then the first `_max_components`
/// columns; the product is computed whole, as numpy does, and sliced after.
/// "lsqr" has no transform (scikit-learn raises): refused as a Pipeline's
/// transforming step, not offered by the model.
pub struct LdaProjection {
    info: Info,
    /// `scalings_.T`: r x d
    comps: Mat,
    /// numpy's C for `X @ scalings_` is Fortran-ordered (scalings_ C-ordered)
    comps_f: bool,
    xbar: Option<Vec<f64>>,
    keep: usize,
    blas: Blas,
}

impl LdaProjection {
    pub fn read(est: &Obj<'_, '_>, path: &str) -> Result<LdaProjection> {
        let info = Info::read(est, path)?;
        let solver = est.str("solver", path)?;
        if !matches!(solver, "svd" | "eigen") {
            return Err(unsupported(
                format!("LinearDiscriminantAnalysis.transform with solver {solver:?}"),
                &format!("{path}.solver"),
                "scikit-learn implements transform for the \"svd\" and \"eigen\" solvers only.",
            ));
        }
        let sc = mat_f64(est, "scalings_", path)?;
        let (d, r) = (sc.rows, sc.cols);
        if info.n_features.is_some_and(|n| n != d) {
            return Err(malformed(path, "scalings_ does not match n_features_in_"));
        }
        let keep = est.usize("_max_components", path)?.min(r);
        let mut comps = Mat::zeros(r, d);
        for j in 0..d {
            for c in 0..r {
                comps.data[c * d + j] = sc.data[j * r + c];
            }
        }
        let xbar = if solver == "svd" {
            Some(vec_f64(est, "xbar_", path, Some(d))?)
        } else {
            None
        };
        let mut info = info;
        info.n_features = Some(d);
        Ok(LdaProjection {
            info,
            comps,
            comps_f: r > 1 && !fortran_ordered(est, "scalings_"),
            xbar,
            keep,
            blas: est.ctx.blas.clone(),
        })
    }
}

impl Transformer for LdaProjection {
    fn transform_data(&self, x: Data) -> Result<Data> {
        let mut x = dense_in(&self.info, x, false)?;
        if let Some(xbar) = &self.xbar {
            for i in 0..x.rows {
                for (v, m) in x.row_mut(i).iter_mut().zip(xbar) {
                    *v -= m;
                }
            }
        }
        let full = self.blas.matmul_t(&x, &self.comps, self.comps_f);
        let r = full.cols;
        let mut out = Mat::zeros(full.rows, self.keep);
        for i in 0..full.rows {
            out.row_mut(i)
                .copy_from_slice(&full.data[i * r..i * r + self.keep]);
        }
        Ok(Data::Dense(out))
    }
}
transformer_estimator!(
    LdaProjection,
    |s: &LdaProjection| s.blas.exactness(s.comps_f),
    |_: &LdaProjection| false
);

/// LinearDiscriminantAnalysis as a model or a Pipeline's last step: the
/// classifier's methods ([`Linear`]) and, for "svd" and "eigen", transform.
pub struct Lda {
    clf: Linear,
    proj: Option<LdaProjection>,
}

impl Lda {
    fn read(est: &Obj<'_, '_>, path: &str) -> Result<Lda> {
        let clf = Linear::read(est, path)?;
        let proj = match est.str("solver", path)? {
            "svd" | "eigen" => Some(LdaProjection::read(est, path)?),
            _ => None,
        };
        Ok(Lda { clf, proj })
    }
}

impl Estimator for Lda {
    fn info(&self) -> &Info {
        self.clf.info()
    }
    fn classes(&self) -> Option<&Labels> {
        self.clf.classes()
    }
    fn exactness(&self, m: Method) -> Exactness {
        match (m, &self.proj) {
            (Method::Transform, Some(p)) => p.exactness(m),
            _ => self.clf.exactness(m),
        }
    }
    fn batchable(&self) -> bool {
        false
    }
    fn supports(&self, m: Method) -> bool {
        if m == Method::Transform {
            return self.proj.is_some();
        }
        self.clf.supports(m)
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        match (m, &self.proj) {
            (Method::Transform, Some(p)) => p.run(m, x),
            _ => self.clf.run(m, x),
        }
    }
}

/// The transformer at `est` when this module has one (LDA's projection, as a
/// Pipeline's step).
pub fn transformer(est: &Obj<'_, '_>, path: &str) -> Option<Result<Box<dyn Transformer>>> {
    if !est.class.module.starts_with("sklearn.") || est.name() != "LinearDiscriminantAnalysis" {
        return None;
    }
    Some(LdaProjection::read(est, path).map(|t| Box::new(t) as Box<dyn Transformer>))
}

/// The implementation of `est` when this module has it.
pub fn build(_ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str) -> Option<Result<Box<dyn Estimator>>> {
    if !est.class.module.starts_with("sklearn.") {
        return None;
    }
    match est.name() {
        "LogisticRegression" | "LinearRegression" | "Ridge" | "RidgeClassifier" | "Lasso"
        | "ElasticNet" | "SGDClassifier" | "SGDRegressor" | "LinearSVC" | "LinearSVR"
        | "Perceptron" => Some(boxed(Linear::read(est, path))),
        "LinearDiscriminantAnalysis" => Some(boxed(Lda::read(est, path))),
        // the same `X @ coef_.T + intercept_` (LinearModel._decision_function
        // or LinearClassifierMixin), whatever the fitting procedure was
        "LogisticRegressionCV"
        | "RidgeCV"
        | "RidgeClassifierCV"
        | "LassoCV"
        | "ElasticNetCV"
        | "MultiTaskLasso"
        | "MultiTaskElasticNet"
        | "MultiTaskLassoCV"
        | "MultiTaskElasticNetCV"
        | "Lars"
        | "LassoLars"
        | "LarsCV"
        | "LassoLarsCV"
        | "LassoLarsIC"
        | "OrthogonalMatchingPursuit"
        | "OrthogonalMatchingPursuitCV"
        | "BayesianRidge"
        | "ARDRegression"
        | "HuberRegressor"
        | "QuantileRegressor"
        | "TheilSenRegressor" => Some(boxed(Linear::read(est, path))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_and_dot() {
        assert_eq!(clip1(3.0), 1.0);
        assert_eq!(clip1(-3.0), -1.0);
        let x = Mat::new(1, 2, vec![1.0, 2.0]).unwrap_or_else(|_| Mat::zeros(1, 2));
        let c = Mat::new(1, 2, vec![3.0, 4.0]).unwrap_or_else(|_| Mat::zeros(1, 2));
        let b = Blas::new(crate::blas::Core::Haswell, 1);
        assert_eq!(b.matmul_t(&x, &c, false).data, vec![11.0]);
    }
}
