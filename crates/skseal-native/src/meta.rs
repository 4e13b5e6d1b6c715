//! Meta-estimators that combine fitted estimators, in scikit-learn 1.9.1's
//! order of operations:
//!
//! - GridSearchCV / RandomizedSearchCV (and the halving searches): every
//!   method is `best_estimator_`'s; refused without one (`refit=False`).
//! - TransformedTargetRegressor: `regressor_.predict`, 1-D predictions
//!   reshaped to one column, `transformer_.inverse_transform` (a
//!   FunctionTransformer whose `inverse_func` is None or a numpy function
//!   `kernels::numpy_unary` computes, or a StandardScaler: `X *= scale_;
//!   X += mean_`), squeezed back when `y` was 1-D.
//! - VotingClassifier (soft: `np.average(probas, axis=0, weights)`, i.e. the
//!   estimators' probabilities added in estimator order, each times its
//!   weight, then divided by the count or by numpy's pairwise sum of the
//!   weights; hard: `np.bincount` of the labels with the weights, first
//!   maximum) and VotingRegressor (`np.average(axis=1)` of the transposed
//!   predictions: added in estimator order, except for one row, where numpy
//!   reduces the contiguous row pairwise).
//! - MultiOutputRegressor: the estimators' predictions side by side.
//! - OneVsRestClassifier over binary estimators (multiclass and binary
//!   targets): `decision_function`, else `predict_proba[:, 1]`, else (a
//!   regressor) `predict` per class; predict takes the maximum scanning the
//!   classes in reverse (`np.maximum`, so NaN wins) as scikit-learn does;
//!   predict_proba normalises by the row sum (added in class order, pairwise
//!   for one row) where it is not zero.
//! - RFE / RFECV: `support_` selects the columns, then `estimator_`.
//!
//! The steps are built through [`Builders`], so this module imports no family.

use skseal_core::ir::Node;

use crate::access::{Ctx, Obj};
use crate::blas::Exactness;
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{input, malformed, Result};
use crate::estimator::{boxed, check_finite, union_text, unsupported, Builders, Estimator, Info};
use crate::npsum;

mod multiclass;

fn fold_exact(parts: &[Box<dyn Estimator>], m: Method) -> Exactness {
    parts
        .iter()
        .fold(Exactness::Bitwise, |e, p| e.and(p.exactness(m)))
}

/// Info of the meta-estimator: its own class, its own `n_features_in_` /
/// `feature_names_in_` when stored, else those of `inner`.
fn info_with(est: &Obj<'_, '_>, path: &str, inner: &Info) -> Result<Info> {
    let own = Info::read(est, path)?;
    Ok(Info {
        class: own.class,
        n_features: own.n_features.or(inner.n_features),
        feature_names: own.feature_names.or_else(|| inner.feature_names.clone()),
    })
}

/// A 1-D output (a vector, or a one-column matrix that numpy would ravel).
fn vector(o: Output, who: &str) -> Result<Vec<f64>> {
    match o {
        Output::Vector(v) => Ok(v),
        Output::Matrix(m) if m.cols == 1 => Ok(m.data),
        _ => Err(input(format!("{who} did not return one number per row"))),
    }
}

/// Each estimator's method `m` on `x` (one number per row), side by side as
/// the columns of a matrix.
fn stacked(estimators: &[Box<dyn Estimator>], m: Method, x: &Data) -> Result<Mat> {
    let rows = x.rows();
    let cols: Vec<Mat> = estimators
        .iter()
        .map(|e| {
            let v = vector(e.run(m, x.clone())?, &e.info().class)?;
            Ok(Mat {
                rows,
                cols: 1,
                data: v,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Mat::hstack(&cols, rows))
}

fn matrix(o: Output, who: &str) -> Result<Mat> {
    match o {
        Output::Matrix(m) => Ok(m),
        _ => Err(input(format!("{who} did not return a matrix"))),
    }
}

// ---------------------------------------------------------------- delegation

/// A search object: everything is `best_estimator_`'s.
struct Delegate {
    info: Info,
    inner: Box<dyn Estimator>,
}

impl Delegate {
    fn read(ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str, b: Builders) -> Result<Delegate> {
        let Some(id) = est.opt("best_estimator_") else {
            return Err(unsupported(
                format!("{} without best_estimator_ (refit=False)", est.class),
                path,
                "A search fitted with refit=False cannot predict; refit it or save best_estimator_.",
            ));
        };
        let inner = (b.estimator)(ctx, id, &format!("{path}.best_estimator_"))?;
        Ok(Delegate {
            info: info_with(est, path, inner.info())?,
            inner,
        })
    }
}

impl Estimator for Delegate {
    fn text_inputs(&self) -> Option<Vec<bool>> {
        self.inner.text_inputs()
    }
    fn take_sparse(&mut self) -> bool {
        // `best_estimator_.predict(X)`: X as it comes
        self.inner.take_sparse()
    }
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        self.inner.classes()
    }
    fn supports(&self, m: Method) -> bool {
        self.inner.supports(m)
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        self.inner.run(m, x)
    }
    fn exactness(&self, m: Method) -> Exactness {
        self.inner.exactness(m)
    }
    fn batchable(&self) -> bool {
        self.inner.batchable()
    }
}

// ---------------------------------------------------------------- TransformedTargetRegressor

enum Inverse {
    Func(Option<fn(f64) -> f64>, bool),
    /// StandardScaler: `X *= scale_` (with_std), `X += mean_` (with_mean)
    Scale(Option<f64>, Option<f64>),
}

struct TargetRegressor {
    info: Info,
    inner: Box<dyn Estimator>,
    inverse: Inverse,
    training_dim: usize,
}

fn one_value(est: &Obj<'_, '_>, key: &str, path: &str) -> Result<Option<f64>> {
    let Some(id) = est.opt(key) else {
        return Ok(None);
    };
    let p = format!("{path}.{key}");
    let a = est.ctx.arr_f64(id, &p)?;
    match a.data.as_slice() {
        [v] => Ok(Some(*v)),
        _ => Err(unsupported(
            format!("a {} with {} targets", est.class, a.data.len()),
            &p,
            "Only a single-target StandardScaler is implemented as the target transformer.",
        )),
    }
}

impl TargetRegressor {
    fn read(ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str, b: Builders) -> Result<TargetRegressor> {
        let inner = (b.estimator)(
            ctx,
            est.req("regressor_", path)?,
            &format!("{path}.regressor_"),
        )?;
        let tp = format!("{path}.transformer_");
        let t = est.obj("transformer_", path)?;
        let hint = "Native inference implements the target transformers FunctionTransformer \
                    (inverse_func None or np.exp, np.log, np.log1p, np.expm1, np.sqrt) and StandardScaler.";
        let inverse = match (t.class.module.starts_with("sklearn."), t.name()) {
            (true, "FunctionTransformer") => {
                let ip = format!("{tp}.inverse_func");
                let f = match t.opt("inverse_func") {
                    None => None,
                    Some(id) => match ctx.node(id, &ip)? {
                        Node::Global(g) if g.module == "numpy" => {
                            Some(crate::kernels::numpy_unary(&g.name).map_err(|why| {
                                unsupported(
                                    format!("inverse_func=numpy.{}", g.name),
                                    &ip,
                                    &format!("{why}. {hint}"),
                                )
                            })?)
                        }
                        _ => return Err(unsupported("an inverse_func", &ip, hint)),
                    },
                };
                if let Some(kw) = t.opt("inv_kw_args") {
                    if !matches!(ctx.node(kw, &tp)?, Node::Dict(kv) if kv.is_empty()) {
                        return Err(unsupported(
                            "inv_kw_args",
                            &format!("{tp}.inv_kw_args"),
                            hint,
                        ));
                    }
                }
                let validate = match t.opt("validate") {
                    Some(v) => ctx.bool(v, &format!("{tp}.validate"))?,
                    None => false,
                };
                Inverse::Func(f, validate)
            }
            (true, "StandardScaler") => {
                Inverse::Scale(one_value(&t, "scale_", &tp)?, one_value(&t, "mean_", &tp)?)
            }
            _ => {
                return Err(unsupported(
                    format!("{} as transformer_", t.class),
                    &tp,
                    hint,
                ))
            }
        };
        let training_dim = est.usize("_training_dim", path)?;
        Ok(TargetRegressor {
            info: info_with(est, path, inner.info())?,
            inner,
            inverse,
            training_dim,
        })
    }
}

impl Estimator for TargetRegressor {
    fn text_inputs(&self) -> Option<Vec<bool>> {
        self.inner.text_inputs()
    }
    fn info(&self) -> &Info {
        &self.info
    }
    fn supports(&self, m: Method) -> bool {
        m == Method::Predict
    }
    fn exactness(&self, m: Method) -> Exactness {
        self.inner.exactness(m)
    }
    fn batchable(&self) -> bool {
        self.inner.batchable()
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if m != Method::Predict {
            return Err(self.no_method(m));
        }
        let mut p = match self.inner.run(Method::Predict, x)? {
            Output::Vector(v) => Mat {
                rows: v.len(),
                cols: 1,
                data: v,
            },
            Output::Matrix(m) => m,
            Output::Labels(_) | Output::LabelColumns(_) | Output::Matrices(_) => {
                return Err(input("the regressor returned labels"))
            }
        };
        match &self.inverse {
            Inverse::Func(f, validate) => {
                if *validate {
                    check_finite(&p, false, "FunctionTransformer.inverse_transform")?;
                }
                if let Some(f) = f {
                    for v in &mut p.data {
                        *v = f(*v);
                    }
                }
            }
            Inverse::Scale(scale, mean) => {
                check_finite(&p, true, "StandardScaler.inverse_transform")?;
                if p.cols != 1 {
                    return Err(input("the regressor returned several targets"));
                }
                for v in &mut p.data {
                    if let Some(s) = scale {
                        *v *= s;
                    }
                    if let Some(mu) = mean {
                        *v += mu;
                    }
                }
            }
        }
        Ok(if self.training_dim == 1 && p.cols == 1 {
            Output::Vector(p.data)
        } else {
            Output::Matrix(p)
        })
    }
}

// ---------------------------------------------------------------- Voting

/// `weights` of the estimators that were not "drop" (`_weights_not_none`).
fn voting_weights(est: &Obj<'_, '_>, path: &str, n: usize) -> Result<Option<Vec<f64>>> {
    let Some(wid) = est.opt("weights") else {
        return Ok(None);
    };
    let wp = format!("{path}.weights");
    let w = est.ctx.arr_f64(wid, &wp)?.data;
    let ep = format!("{path}.estimators");
    let named = est.ctx.seq(est.req("estimators", path)?, &ep)?;
    if named.len() != w.len() {
        return Err(malformed(
            &wp,
            format!("{} weights for {} estimators", w.len(), named.len()),
        ));
    }
    let mut kept = Vec::new();
    for (k, (&it, &wv)) in named.iter().zip(&w).enumerate() {
        let t = est.ctx.seq(it, &format!("{ep}[{k}]"))?;
        let dropped = t
            .get(1)
            .is_some_and(|&s| matches!(est.ctx.g.node(s), Some(Node::Str(s)) if s == "drop"));
        if !dropped {
            kept.push(wv);
        }
    }
    if kept.len() != n {
        return Err(malformed(
            &wp,
            format!("{} weights for {n} fitted estimators", kept.len()),
        ));
    }
    Ok(Some(kept))
}

/// `np.average(a, axis=0, weights=w)` of equally shaped matrices (a 3-D
/// C-ordered array reduced over its first axis: in estimator order).
fn average_mats(parts: Vec<Mat>, w: Option<&[f64]>) -> Result<Mat> {
    let n = parts.len();
    let mut it = parts.into_iter().enumerate();
    let Some((_, mut acc)) = it.next() else {
        return Err(input("no estimators"));
    };
    if let Some(w) = w {
        for v in &mut acc.data {
            *v *= w[0];
        }
    }
    for (k, p) in it {
        if p.rows != acc.rows || p.cols != acc.cols {
            return Err(input("the estimators returned results of different shapes"));
        }
        for (a, v) in acc.data.iter_mut().zip(&p.data) {
            *a += match w {
                Some(w) => v * w[k],
                None => *v,
            };
        }
    }
    let den = match w {
        Some(w) => npsum::sum(w),
        None => n as f64,
    };
    for v in &mut acc.data {
        *v /= den;
    }
    Ok(acc)
}

/// `np.sum(Y, axis=1)` (or np.average's sum) of an F-ordered n x k matrix
/// given as its columns: numpy adds column by column for several rows and
/// reduces the one row pairwise.
fn fortran_row_sums(cols: &[Vec<f64>], rows: usize) -> Vec<f64> {
    if rows == 1 {
        let r: Vec<f64> = cols.iter().map(|c| c[0]).collect();
        return vec![npsum::sum(&r)];
    }
    let mut acc = cols.first().cloned().unwrap_or_else(|| vec![0.0; rows]);
    for c in cols.iter().skip(1) {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    acc
}

struct Voting {
    info: Info,
    estimators: Vec<Box<dyn Estimator>>,
    weights: Option<Vec<f64>>,
    /// None: VotingRegressor
    classes: Option<Labels>,
    soft: bool,
    flatten: bool,
}

impl Voting {
    fn read(ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str, b: Builders) -> Result<Voting> {
        let estimators = b.built_list(ctx, est, "estimators_", path)?;
        let weights = voting_weights(est, path, estimators.len())?;
        let is_clf = est.name() == "VotingClassifier";
        let (classes, soft, flatten) = if is_clf {
            let c = est.labels("classes_", path)?;
            let soft = match est.str("voting", path)? {
                "soft" => true,
                "hard" => false,
                v => return Err(malformed(&format!("{path}.voting"), format!("{v:?}"))),
            };
            let flatten = match est.opt("flatten_transform") {
                Some(v) => ctx.bool(v, &format!("{path}.flatten_transform"))?,
                None => true,
            };
            for (k, e) in estimators.iter().enumerate() {
                let ok = match e.classes() {
                    Some(Labels::Int(v)) => {
                        v.len() == c.len() && v.iter().enumerate().all(|(i, &x)| x == i as i64)
                    }
                    _ => false,
                };
                if !ok {
                    return Err(malformed(
                        &format!("{path}.estimators_[{k}]"),
                        "expected a classifier fitted on the encoded labels 0..n_classes-1",
                    ));
                }
                let need = if soft {
                    Method::PredictProba
                } else {
                    Method::Predict
                };
                if !e.supports(need) {
                    return Err(unsupported(
                        format!(
                            "a VotingClassifier over {} (no {})",
                            e.info().class,
                            need.name()
                        ),
                        &format!("{path}.estimators_[{k}]"),
                        "",
                    ));
                }
            }
            (Some(c), soft, flatten)
        } else {
            (None, false, false)
        };
        let first = estimators[0].info().clone();
        Ok(Voting {
            info: info_with(est, path, &first)?,
            estimators,
            weights,
            classes,
            soft,
            flatten,
        })
    }

    fn probas(&self, x: &Data) -> Result<Vec<Mat>> {
        self.estimators
            .iter()
            .map(|e| matrix(e.run(Method::PredictProba, x.clone())?, &e.info().class))
            .collect()
    }

    fn proba(&self, x: &Data) -> Result<Mat> {
        average_mats(self.probas(x)?, self.weights.as_deref())
    }
}

impl Estimator for Voting {
    fn text_inputs(&self) -> Option<Vec<bool>> {
        // every estimator takes the same X: a column any of them takes as
        // strings is strings
        union_text(self.estimators.iter().map(|e| e.text_inputs()))
    }
    fn take_sparse(&mut self) -> bool {
        // each estimator is given X as it comes (no validation of its own)
        self.estimators.iter_mut().all(|e| e.take_sparse())
    }
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        self.classes.as_ref()
    }
    fn supports(&self, m: Method) -> bool {
        match m {
            Method::Predict => true,
            Method::PredictProba => self.soft,
            // VotingRegressor: the predictions side by side; hard voting's
            // transform (integer labels) is not implemented
            Method::Transform => self.classes.is_none() || (self.soft && self.flatten),
            _ => false,
        }
    }
    fn exactness(&self, m: Method) -> Exactness {
        let inner = if self.soft { Method::PredictProba } else { m };
        fold_exact(&self.estimators, inner)
    }
    fn batchable(&self) -> bool {
        // VotingRegressor reduces one row differently from several
        self.classes.is_some() && self.estimators.iter().all(|e| e.batchable())
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        let rows = x.rows();
        let Some(classes) = &self.classes else {
            let cols: Vec<Vec<f64>> = self
                .estimators
                .iter()
                .map(|e| vector(e.run(Method::Predict, x.clone())?, &e.info().class))
                .collect::<Result<_>>()?;
            if m == Method::Transform {
                let mut out = Mat::zeros(rows, cols.len());
                for (j, c) in cols.iter().enumerate() {
                    for (i, &v) in c.iter().enumerate() {
                        out.data[i * cols.len() + j] = v;
                    }
                }
                return Ok(Output::Matrix(out));
            }
            let (cols, den) = match &self.weights {
                None => (cols, self.estimators.len() as f64),
                Some(w) => (
                    cols.into_iter()
                        .zip(w)
                        .map(|(c, wv)| c.into_iter().map(|v| v * wv).collect())
                        .collect(),
                    npsum::sum(w),
                ),
            };
            let mut s = fortran_row_sums(&cols, rows);
            for v in &mut s {
                *v /= den;
            }
            return Ok(Output::Vector(s));
        };
        match m {
            Method::PredictProba => Ok(Output::Matrix(self.proba(&x)?)),
            Method::Transform => {
                let ps = self.probas(&x)?;
                Ok(Output::Matrix(Mat::hstack(&ps, rows)))
            }
            Method::Predict if self.soft => {
                let p = self.proba(&x)?;
                Ok(Output::Labels(crate::kernels::argmax_labels(&p, classes)))
            }
            Method::Predict => {
                let k = classes.len();
                let mut counts = vec![0.0f64; rows * k];
                for (j, e) in self.estimators.iter().enumerate() {
                    let Output::Labels(Labels::Int(l)) = e.run(Method::Predict, x.clone())? else {
                        return Err(input("an estimator did not return integer labels"));
                    };
                    let w = self.weights.as_ref().map_or(1.0, |w| w[j]);
                    for (i, &c) in l.iter().enumerate() {
                        let c = usize::try_from(c)
                            .ok()
                            .filter(|&c| c < k)
                            .ok_or_else(|| input(format!("label {c} out of range")))?;
                        counts[i * k + c] += w;
                    }
                }
                let idx: Vec<usize> = counts.chunks(k).map(npsum::argmax).collect();
                Ok(Output::Labels(classes.take(&idx)))
            }
            _ => Err(self.no_method(m)),
        }
    }
}

// ---------------------------------------------------------------- MultiOutputRegressor

struct MultiOutput {
    info: Info,
    estimators: Vec<Box<dyn Estimator>>,
}

impl Estimator for MultiOutput {
    fn info(&self) -> &Info {
        &self.info
    }
    fn supports(&self, m: Method) -> bool {
        m == Method::Predict
    }
    fn exactness(&self, m: Method) -> Exactness {
        fold_exact(&self.estimators, m)
    }
    fn batchable(&self) -> bool {
        self.estimators.iter().all(|e| e.batchable())
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if m != Method::Predict {
            return Err(self.no_method(m));
        }
        Ok(Output::Matrix(stacked(
            &self.estimators,
            Method::Predict,
            &x,
        )?))
    }
}

// ---------------------------------------------------------------- MultiOutputClassifier

/// `MultiOutputClassifier`: `np.asarray([e.predict(X) for e in estimators_]).T`
/// (a label column per output, of one kind) and the list of their
/// `predict_proba`.
struct MultiOutputClf {
    info: Info,
    estimators: Vec<Box<dyn Estimator>>,
}

impl MultiOutputClf {
    fn new(info: Info, estimators: Vec<Box<dyn Estimator>>, path: &str) -> Result<Self> {
        let kinds: Vec<&Labels> = estimators.iter().filter_map(|e| e.classes()).collect();
        if kinds.len() != estimators.len() {
            return Err(malformed(path, "every estimator must be a classifier"));
        }
        crate::estimator::one_label_type(kinds.into_iter(), path)?;
        Ok(MultiOutputClf { info, estimators })
    }
}

impl Estimator for MultiOutputClf {
    fn info(&self) -> &Info {
        &self.info
    }
    fn output_classes(&self) -> Vec<&Labels> {
        self.estimators.iter().filter_map(|e| e.classes()).collect()
    }
    fn supports(&self, m: Method) -> bool {
        match m {
            Method::Predict => true,
            Method::PredictProba => self.estimators.iter().all(|e| e.supports(m)),
            _ => false,
        }
    }
    fn exactness(&self, m: Method) -> Exactness {
        fold_exact(&self.estimators, m)
    }
    fn batchable(&self) -> bool {
        self.estimators.iter().all(|e| e.batchable())
    }
    fn take_sparse(&mut self) -> bool {
        // each estimator is given X as it comes
        self.estimators.iter_mut().all(|e| e.take_sparse())
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        let n = x.rows();
        let mut labels = Vec::new();
        let mut probas = Vec::new();
        // one result per row from every output: the writers index them by row
        for e in &self.estimators {
            match (m, e.run(m, x.clone())?) {
                (Method::Predict, Output::Labels(l)) if l.len() == n => labels.push(l),
                (Method::PredictProba, Output::Matrix(p)) if p.rows == n => probas.push(p),
                _ => {
                    return Err(input(
                        "an output's estimator returned another kind of result",
                    ))
                }
            }
        }
        Ok(if m == Method::Predict {
            Output::LabelColumns(labels)
        } else {
            Output::Matrices(probas)
        })
    }
}

// ---------------------------------------------------------------- RFE

/// RFE / RFECV used as an estimator: `support_` selects columns, then `estimator_`.
struct Rfe {
    info: Info,
    support: Vec<usize>,
    inner: Box<dyn Estimator>,
}

/// The selected column indices of a boolean `support_` of `n` features.
pub(crate) fn support_indices(est: &Obj<'_, '_>, key: &str, path: &str) -> Result<Vec<usize>> {
    let a = est.arr_i64(key, path)?;
    if a.shape.len() != 1 {
        return Err(malformed(&format!("{path}.{key}"), "expected a 1-D mask"));
    }
    Ok(a.data
        .iter()
        .enumerate()
        .filter(|(_, &v)| v != 0)
        .map(|(i, _)| i)
        .collect())
}

impl Rfe {
    fn read(ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str, b: Builders) -> Result<Rfe> {
        let support = support_indices(est, "support_", path)?;
        let inner = (b.estimator)(
            ctx,
            est.req("estimator_", path)?,
            &format!("{path}.estimator_"),
        )?;
        let info = Info::read(est, path)?;
        Ok(Rfe {
            info,
            support,
            inner,
        })
    }

    fn select(&self, x: Data) -> Result<Data> {
        let m = x.into_dense(&self.info.class)?;
        crate::estimator::check_width(&self.info, &m)?;
        check_finite(&m, false, &self.info.class)?;
        Ok(Data::Dense(m.select(&self.support)))
    }
}

impl Estimator for Rfe {
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        self.inner.classes()
    }
    fn supports(&self, m: Method) -> bool {
        m == Method::Transform || (m != Method::ScoreSamples && self.inner.supports(m))
    }
    fn exactness(&self, m: Method) -> Exactness {
        if m == Method::Transform {
            Exactness::Bitwise
        } else {
            // estimator_ sees X[:, support_], Fortran-ordered
            crate::estimator::after_fortran(self.inner.exactness(m))
        }
    }
    fn batchable(&self) -> bool {
        self.inner.batchable()
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        let xs = self.select(x)?;
        if m == Method::Transform {
            return crate::estimator::data_output(xs, &self.info.class);
        }
        self.inner.run(m, xs)
    }
}

/// The implementation of `est` when this module has it.
pub fn build(
    ctx: &Ctx<'_>,
    est: &Obj<'_, '_>,
    path: &str,
    b: Builders,
) -> Option<Result<Box<dyn Estimator>>> {
    if !est.class.module.starts_with("sklearn.") {
        return None;
    }
    Some(match est.name() {
        "GridSearchCV" | "RandomizedSearchCV" | "HalvingGridSearchCV" | "HalvingRandomSearchCV" => {
            boxed(Delegate::read(ctx, est, path, b))
        }
        "TransformedTargetRegressor" => boxed(TargetRegressor::read(ctx, est, path, b)),
        "VotingClassifier" | "VotingRegressor" => boxed(Voting::read(ctx, est, path, b)),
        "MultiOutputClassifier" => (|| {
            let estimators = b.built_list(ctx, est, "estimators_", path)?;
            let first = estimators[0].info().clone();
            Ok(Box::new(MultiOutputClf::new(
                info_with(est, path, &first)?,
                estimators,
                path,
            )?) as Box<dyn Estimator>)
        })(),
        "MultiOutputRegressor" => (|| {
            let estimators = b.built_list(ctx, est, "estimators_", path)?;
            let first = estimators[0].info().clone();
            Ok(Box::new(MultiOutput {
                info: info_with(est, path, &first)?,
                estimators,
            }) as Box<dyn Estimator>)
        })(),
        "OneVsRestClassifier" => boxed(multiclass::OneVsRest::read(ctx, est, path, b)),
        "OneVsOneClassifier" => boxed(multiclass::OneVsOne::read(ctx, est, path, b)),
        "RFE" | "RFECV" => boxed(Rfe::read(ctx, est, path, b)),
        _ => return None,
    })
}
