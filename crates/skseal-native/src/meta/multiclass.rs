//! OneVsRestClassifier and OneVsOneClassifier over binary estimators.

use super::{fold_exact, fortran_row_sums, info_with, matrix, stacked, vector};
use crate::access::{Ctx, Obj};
use crate::blas::Exactness;
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{input, malformed, Result};
use crate::estimator::{unsupported, Builders, Estimator, Info};
use crate::kernels::ovr_decision_row;
use crate::npsum;

// ---------------------------------------------------------------- OneVsRestClassifier

pub(super) struct OneVsRest {
    info: Info,
    estimators: Vec<Box<dyn Estimator>>,
    classes: Labels,
}

impl OneVsRest {
    pub(super) fn read(
        ctx: &Ctx<'_>,
        est: &Obj<'_, '_>,
        path: &str,
        b: Builders,
    ) -> Result<OneVsRest> {
        let lb = est.obj("label_binarizer_", path)?;
        let lbp = format!("{path}.label_binarizer_");
        let y_type = lb.str("y_type_", &lbp)?;
        if !matches!(y_type, "multiclass" | "binary") {
            return Err(unsupported(
                format!("a OneVsRestClassifier on a {y_type} target"),
                path,
                "Only multiclass and binary targets are implemented (a multilabel prediction is a sparse indicator matrix).",
            ));
        }
        let estimators = b.built_list(ctx, est, "estimators_", path)?;
        let classes = est.labels("classes_", path)?;
        let want = if y_type == "binary" { 1 } else { classes.len() };
        if estimators.len() != want {
            return Err(malformed(
                path,
                format!(
                    "{} estimators for {} classes",
                    estimators.len(),
                    classes.len()
                ),
            ));
        }
        for (k, e) in estimators.iter().enumerate() {
            let p = format!("{path}.estimators_[{k}]");
            if let Some(c) = e.classes() {
                if c.len() != 2 {
                    return Err(malformed(&p, "expected a binary classifier"));
                }
                if !e.supports(Method::DecisionFunction) && !e.supports(Method::PredictProba) {
                    return Err(unsupported(
                        format!(
                            "{} in a OneVsRestClassifier (no decision_function or predict_proba)",
                            e.info().class
                        ),
                        &p,
                        "",
                    ));
                }
            }
        }
        let first = estimators[0].info().clone();
        Ok(OneVsRest {
            info: info_with(est, path, &first)?,
            estimators,
            classes,
        })
    }

    /// `_predict_binary`: the score of one class.
    fn score(e: &dyn Estimator, x: &Data) -> Result<Vec<f64>> {
        let who = &e.info().class;
        if e.classes().is_none() {
            return vector(e.run(Method::Predict, x.clone())?, who);
        }
        if e.supports(Method::DecisionFunction) {
            return vector(e.run(Method::DecisionFunction, x.clone())?, who);
        }
        Self::positive_proba(e, x)
    }

    fn positive_proba(e: &dyn Estimator, x: &Data) -> Result<Vec<f64>> {
        let p = matrix(e.run(Method::PredictProba, x.clone())?, &e.info().class)?;
        if p.cols != 2 {
            return Err(input(
                "a binary estimator returned other than two probabilities",
            ));
        }
        Ok((0..p.rows).map(|i| p.get(i, 1)).collect())
    }

    fn all(&self, m: Method) -> bool {
        self.estimators.iter().all(|e| e.supports(m))
    }
}

impl Estimator for OneVsRest {
    fn take_sparse(&mut self) -> bool {
        // each binary estimator is given X as it comes
        self.estimators.iter_mut().all(|e| e.take_sparse())
    }
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        Some(&self.classes)
    }
    fn supports(&self, m: Method) -> bool {
        match m {
            Method::Predict => true,
            Method::PredictProba | Method::DecisionFunction => self.all(m),
            _ => false,
        }
    }
    fn exactness(&self, m: Method) -> Exactness {
        let e0 = &self.estimators[0];
        let inner = match m {
            Method::Predict if e0.classes().is_none() => Method::Predict,
            Method::Predict if e0.supports(Method::DecisionFunction) => Method::DecisionFunction,
            Method::Predict => Method::PredictProba,
            other => other,
        };
        fold_exact(&self.estimators, inner)
    }
    fn batchable(&self) -> bool {
        // predict_proba's row sums reduce one row differently from several
        false
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        let rows = x.rows();
        let n = self.estimators.len();
        match m {
            Method::Predict if n == 1 => {
                let e = &self.estimators[0];
                let thresh = if e.classes().is_some() && e.supports(Method::DecisionFunction) {
                    0.0
                } else {
                    0.5
                };
                let s = Self::score(e.as_ref(), &x)?;
                let idx: Vec<usize> = s.iter().map(|&v| usize::from(v > thresh)).collect();
                Ok(Output::Labels(self.classes.take(&idx)))
            }
            Method::Predict => {
                let mut maxima = vec![f64::NEG_INFINITY; rows];
                let mut arg = vec![0usize; rows];
                for (i, e) in self.estimators.iter().rev().enumerate() {
                    let pred = Self::score(e.as_ref(), &x)?;
                    if pred.len() != rows {
                        return Err(input("an estimator returned another number of rows"));
                    }
                    for r in 0..rows {
                        let (a, p) = (maxima[r], pred[r]);
                        // np.maximum: NaN propagates
                        maxima[r] = if a.is_nan() || p.is_nan() {
                            f64::NAN
                        } else if p > a {
                            p
                        } else {
                            a
                        };
                        if maxima[r] == p {
                            arg[r] = n - i - 1;
                        }
                    }
                }
                Ok(Output::Labels(self.classes.take(&arg)))
            }
            Method::DecisionFunction if n == 1 => {
                self.estimators[0].run(Method::DecisionFunction, x)
            }
            Method::DecisionFunction => {
                let m = stacked(&self.estimators, Method::DecisionFunction, &x)?;
                Ok(Output::Matrix(m))
            }
            Method::PredictProba => {
                let mut cols: Vec<Vec<f64>> = self
                    .estimators
                    .iter()
                    .map(|e| Self::positive_proba(e.as_ref(), &x))
                    .collect::<Result<_>>()?;
                let sums = if n == 1 {
                    let y = cols.remove(0);
                    let neg: Vec<f64> = y.iter().map(|v| 1.0 - v).collect();
                    let s = neg
                        .iter()
                        .zip(&y)
                        .map(|(a, b)| npsum::sum(&[*a, *b]))
                        .collect();
                    cols = vec![neg, y];
                    s
                } else {
                    fortran_row_sums(&cols, rows)
                };
                let k = cols.len();
                let mut out = Mat::zeros(rows, k);
                for (j, c) in cols.iter().enumerate() {
                    for (i, &v) in c.iter().enumerate() {
                        let s = sums[i];
                        out.data[i * k + j] = if s != 0.0 { v / s } else { v };
                    }
                }
                Ok(Output::Matrix(out))
            }
            _ => Err(self.no_method(m)),
        }
    }
}

// ---------------------------------------------------------------- OneVsOneClassifier

/// OneVsOneClassifier: one binary classifier per pair of classes (i, j),
/// fitted on labels 0 (class i) and 1 (class j). decision_function is
/// `_ovr_decision_function` of every estimator's predict and its
/// `_predict_binary` confidence (decision_function, else predict_proba's
/// second column), `[:, 1]` for two classes; predict the first arg-max, or
/// for two classes `Y > 0` (0.5 when the estimator has no
/// decision_function), as scikit-learn 1.9 writes them.
pub(super) struct OneVsOne {
    info: Info,
    estimators: Vec<Box<dyn Estimator>>,
    classes: Labels,
}

impl OneVsOne {
    pub(super) fn read(
        ctx: &Ctx<'_>,
        est: &Obj<'_, '_>,
        path: &str,
        b: Builders,
    ) -> Result<OneVsOne> {
        if let Some(id) = est.opt("pairwise_indices_") {
            if !ctx.is_none(id) {
                return Err(unsupported(
                    "a OneVsOneClassifier over a precomputed kernel",
                    &format!("{path}.pairwise_indices_"),
                    "",
                ));
            }
        }
        let estimators = b.built_list(ctx, est, "estimators_", path)?;
        let classes = est.labels("classes_", path)?;
        let k = classes.len();
        if k < 2 || estimators.len() != k * (k - 1) / 2 {
            return Err(malformed(
                path,
                format!("{} estimators for {k} classes", estimators.len()),
            ));
        }
        for (p, e) in estimators.iter().enumerate() {
            let ep = format!("{path}.estimators_[{p}]");
            match e.classes() {
                Some(c) if c.len() == 2 => {}
                Some(_) => return Err(malformed(&ep, "expected a binary classifier")),
                None => {
                    return Err(unsupported(
                        format!("{} (a regressor) in a OneVsOneClassifier", e.info().class),
                        &ep,
                        "",
                    ))
                }
            }
            if !e.supports(Method::DecisionFunction) && !e.supports(Method::PredictProba) {
                return Err(unsupported(
                    format!(
                        "{} in a OneVsOneClassifier (no decision_function or predict_proba)",
                        e.info().class
                    ),
                    &ep,
                    "",
                ));
            }
        }
        let first = estimators[0].info().clone();
        Ok(OneVsOne {
            info: info_with(est, path, &first)?,
            estimators,
            classes,
        })
    }

    /// `_ovr_decision_function(predictions, confidences, n_classes)`: n x k.
    fn scores(&self, x: &Data) -> Result<Mat> {
        let rows = x.rows();
        let mut second = Vec::with_capacity(self.estimators.len());
        let mut conf = Vec::with_capacity(self.estimators.len());
        for e in &self.estimators {
            let who = &e.info().class;
            let Output::Labels(pred) = e.run(Method::Predict, x.clone())? else {
                return Err(input(format!("{who}.predict returned no labels")));
            };
            let c = e
                .classes()
                .ok_or_else(|| input("a binary classifier without classes"))?;
            let s = is_second(&pred, c);
            let v = OneVsRest::score(e.as_ref(), x)?;
            if s.len() != rows || v.len() != rows {
                return Err(input("an estimator returned another number of rows"));
            }
            second.push(s);
            conf.push(v);
        }
        let mut out = Mat::zeros(rows, self.classes.len());
        for r in 0..rows {
            ovr_decision_row(|p| second[p][r], |p| conf[p][r], out.row_mut(r));
        }
        Ok(out)
    }
}

/// Which predictions are the binary estimator's second class (label 1).
fn is_second(pred: &Labels, classes: &Labels) -> Vec<bool> {
    match (pred, classes) {
        (Labels::Int(p), Labels::Int(c)) => p.iter().map(|v| *v == c[1]).collect(),
        _ => {
            let want = classes.text(1);
            (0..pred.len()).map(|i| pred.text(i) == want).collect()
        }
    }
}

impl Estimator for OneVsOne {
    fn take_sparse(&mut self) -> bool {
        // `validate_data(accept_sparse=True)` keeps the CSR matrix for each
        // pair's estimator
        self.estimators.iter_mut().all(|e| e.take_sparse())
    }
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        Some(&self.classes)
    }
    fn supports(&self, m: Method) -> bool {
        matches!(m, Method::Predict | Method::DecisionFunction)
    }
    fn exactness(&self, _m: Method) -> Exactness {
        let e0 = &self.estimators[0];
        let conf = if e0.supports(Method::DecisionFunction) {
            Method::DecisionFunction
        } else {
            Method::PredictProba
        };
        fold_exact(&self.estimators, conf).and(fold_exact(&self.estimators, Method::Predict))
    }
    fn batchable(&self) -> bool {
        self.estimators.iter().all(|e| e.batchable())
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        let y = self.scores(&x)?;
        let two = self.classes.len() == 2;
        match m {
            Method::DecisionFunction if two => {
                Ok(Output::Vector((0..y.rows).map(|r| y.get(r, 1)).collect()))
            }
            Method::DecisionFunction => Ok(Output::Matrix(y)),
            _ if two => {
                let e0 = &self.estimators[0];
                let thresh = if e0.supports(Method::DecisionFunction) {
                    0.0
                } else {
                    0.5
                };
                let idx: Vec<usize> = (0..y.rows)
                    .map(|r| usize::from(y.get(r, 1) > thresh))
                    .collect();
                Ok(Output::Labels(self.classes.take(&idx)))
            }
            _ => {
                let idx: Vec<usize> = (0..y.rows).map(|r| npsum::argmax(y.row(r))).collect();
                Ok(Output::Labels(self.classes.take(&idx)))
            }
        }
    }
}
