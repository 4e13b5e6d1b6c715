//! Ensembles over other native estimators: BaggingClassifier /
//! BaggingRegressor, StackingClassifier / StackingRegressor and
//! AdaBoostClassifier (below).
//!
//! Bagging (sklearn/ensemble/_bagging.py) splits `estimators_` into
//! `_partition_estimators(n_estimators, n_jobs)` jobs (the fitted `n_jobs`;
//! a negative one depends on the predicting machine's cores and is
//! refused); each job adds its estimators' `predict_proba(X[:, features])`
//! (or one vote per predicted label when the estimator has no
//! predict_proba) to zeros, or `sum()`s decision_function / predict; the
//! jobs' results are `sum()`med and divided by `n_estimators`.
//! predict_log_proba uses `np.logaddexp` of the estimators' log-probabilities
//! when they have predict_log_proba (numpy's `npy_logaddexp`: the C
//! library's exp and log1p), then `- np.log(n_estimators)`; otherwise
//! `np.log(predict_proba)`. `X[:, features]` is a Fortran-ordered copy in
//! numpy, so a matrix product after it claims the bound.

use crate::access::{Ctx, Obj};
use crate::blas::Exactness;
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{input, malformed, Result};
use crate::estimator::{after_fortran, boxed, check_width, unsupported, Builders, Estimator, Info};
use crate::kernels::argmax_labels;
use crate::npmath::np_log;

fn matrix(o: Output, who: &str) -> Result<Mat> {
    match o {
        Output::Matrix(m) => Ok(m),
        _ => Err(input(format!("{who} did not return a matrix"))),
    }
}

fn vector(o: Output, who: &str) -> Result<Vec<f64>> {
    match o {
        Output::Vector(v) => Ok(v),
        Output::Matrix(m) if m.cols == 1 => Ok(m.data),
        _ => Err(input(format!("{who} did not return one number per row"))),
    }
}

/// numpy's `npy_logaddexp`.
fn logaddexp(x: f64, y: f64) -> f64 {
    const LOGE2: f64 = std::f64::consts::LN_2;
    if x == y {
        x + LOGE2
    } else {
        let tmp = x - y;
        if tmp > 0.0 {
            x + (-tmp).exp().ln_1p()
        } else if tmp <= 0.0 {
            y + tmp.exp().ln_1p()
        } else {
            tmp
        }
    }
}

/// The encoded class indices of a base estimator (`classes_` 0..k-1 or a subset).
fn encoded(e: &dyn Estimator, n_classes: usize, path: &str) -> Result<Vec<usize>> {
    match e.classes() {
        Some(Labels::Int(v)) => v
            .iter()
            .map(|&c| usize::try_from(c).ok().filter(|&c| c < n_classes))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| malformed(path, "classes_ outside 0..n_classes_")),
        _ => Err(malformed(
            path,
            "expected a classifier fitted on the encoded labels 0..n_classes-1",
        )),
    }
}

pub struct Bagging {
    info: Info,
    estimators: Vec<Box<dyn Estimator>>,
    features: Vec<Vec<usize>>,
    /// each base estimator's encoded classes (classifiers)
    enc: Vec<Vec<usize>>,
    classes: Option<Labels>,
    starts: Vec<usize>,
}

impl Bagging {
    fn read(ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str, b: Builders) -> Result<Bagging> {
        let info = Info::read(est, path)?;
        let estimators = b.built_list(ctx, est, "estimators_", path)?;
        let n = estimators.len();
        let fp = format!("{path}.estimators_features_");
        let fids = ctx.seq(est.req("estimators_features_", path)?, &fp)?;
        if fids.len() != n {
            return Err(malformed(
                &fp,
                format!("{} entries for {n} estimators", fids.len()),
            ));
        }
        let width = info.n_features;
        let mut features = Vec::with_capacity(n);
        for (k, &id) in fids.iter().enumerate() {
            let a = ctx.arr_i64(id, &format!("{fp}[{k}]"))?;
            let f = a
                .data
                .iter()
                .map(|&v| {
                    usize::try_from(v)
                        .ok()
                        .filter(|&v| width.is_none_or(|w| v < w))
                })
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| malformed(&format!("{fp}[{k}]"), "feature index out of range"))?;
            features.push(f);
        }
        let jobs = match est.opt("n_jobs") {
            Some(id) if !ctx.is_none(id) => {
                let j = ctx.i64(id, &format!("{path}.n_jobs"))?;
                if j < 1 {
                    return Err(unsupported(
                        format!("{}(n_jobs={j})", est.name()),
                        path,
                        "A negative n_jobs partitions the estimators by the predicting machine's core count, which changes scikit-learn's summation order; refit with n_jobs=None or a positive number.",
                    ));
                }
                usize::try_from(j).unwrap_or(1)
            }
            _ => 1,
        };
        let jobs = jobs.min(n).max(1);
        let mut starts = vec![0];
        for j in 0..jobs {
            let c = n / jobs + usize::from(j < n % jobs);
            starts.push(starts[j] + c);
        }
        let (classes, enc) = if est.name() == "BaggingClassifier" {
            let c = est.labels("classes_", path)?;
            let enc = estimators
                .iter()
                .enumerate()
                .map(|(k, e)| {
                    let p = format!("{path}.estimators_[{k}]");
                    if !e.supports(Method::PredictProba) && !e.supports(Method::Predict) {
                        return Err(unsupported(format!("a bagged {}", e.info().class), &p, ""));
                    }
                    encoded(e.as_ref(), c.len(), &p)
                })
                .collect::<Result<Vec<_>>>()?;
            (Some(c), enc)
        } else {
            (None, Vec::new())
        };
        Ok(Bagging {
            info,
            estimators,
            features,
            enc,
            classes,
            starts,
        })
    }

    fn sub(x: &Mat, f: &[usize]) -> Mat {
        let mut out = Mat::zeros(x.rows, f.len());
        for i in 0..x.rows {
            let r = x.row(i);
            for (o, &j) in out.row_mut(i).iter_mut().zip(f) {
                *o = r[j];
            }
        }
        out
    }

    fn n_classes(&self) -> usize {
        self.classes.as_ref().map_or(0, Labels::len)
    }

    fn proba(&self, x: &Mat) -> Result<Mat> {
        let k = self.n_classes();
        let mut total: Option<Mat> = None;
        for w in self.starts.windows(2) {
            let mut p = Mat::zeros(x.rows, k);
            for e in w[0]..w[1] {
                let est = &self.estimators[e];
                let xs = Data::Dense(Self::sub(x, &self.features[e]));
                let enc = &self.enc[e];
                if est.supports(Method::PredictProba) {
                    let pe = matrix(est.run(Method::PredictProba, xs)?, &est.info().class)?;
                    if pe.cols != enc.len() || pe.rows != x.rows {
                        return Err(input("a bagged estimator returned the wrong shape"));
                    }
                    for i in 0..x.rows {
                        for (c, &v) in enc.iter().zip(pe.row(i)) {
                            p.data[i * k + c] += v;
                        }
                    }
                } else {
                    let Output::Labels(Labels::Int(l)) = est.run(Method::Predict, xs)? else {
                        return Err(input("a bagged estimator did not predict encoded labels"));
                    };
                    for (i, &c) in l.iter().enumerate() {
                        let c = usize::try_from(c).ok().filter(|&c| c < k).ok_or_else(|| {
                            input("a bagged estimator predicted an unknown label")
                        })?;
                        p.data[i * k + c] += 1.0;
                    }
                }
            }
            total = Some(match total {
                None => p,
                Some(mut t) => {
                    for (a, b) in t.data.iter_mut().zip(&p.data) {
                        *a += b;
                    }
                    t
                }
            });
        }
        let mut t = total.ok_or_else(|| input("no estimators"))?;
        let n = self.estimators.len() as f64;
        for v in &mut t.data {
            *v /= n;
        }
        Ok(t)
    }

    fn log_proba(&self, x: &Mat) -> Result<Mat> {
        let k = self.n_classes();
        let mut total: Option<Mat> = None;
        for w in self.starts.windows(2) {
            let mut lp = Mat {
                rows: x.rows,
                cols: k,
                data: vec![f64::NEG_INFINITY; x.rows * k],
            };
            for e in w[0]..w[1] {
                let est = &self.estimators[e];
                let xs = Data::Dense(Self::sub(x, &self.features[e]));
                let enc = &self.enc[e];
                let pe = matrix(est.run(Method::PredictLogProba, xs)?, &est.info().class)?;
                if pe.cols != enc.len() || pe.rows != x.rows {
                    return Err(input("a bagged estimator returned the wrong shape"));
                }
                for i in 0..x.rows {
                    let row = &mut lp.data[i * k..(i + 1) * k];
                    for (c, &v) in enc.iter().zip(pe.row(i)) {
                        row[*c] = logaddexp(row[*c], v);
                    }
                    if enc.len() != k {
                        for (c, r) in row.iter_mut().enumerate() {
                            if !enc.contains(&c) {
                                *r = logaddexp(*r, f64::NEG_INFINITY);
                            }
                        }
                    }
                }
            }
            total = Some(match total {
                None => lp,
                Some(mut t) => {
                    for (a, b) in t.data.iter_mut().zip(&lp.data) {
                        *a = logaddexp(*a, *b);
                    }
                    t
                }
            });
        }
        let mut t = total.ok_or_else(|| input("no estimators"))?;
        let l = np_log(self.estimators.len() as f64);
        for v in &mut t.data {
            *v -= l;
        }
        Ok(t)
    }

    /// `sum(sum(f(e) for e in job) for job) / n_estimators` of a 1-D or 2-D output.
    fn summed(&self, x: &Mat, m: Method) -> Result<Output> {
        let mut total: Option<Output> = None;
        for w in self.starts.windows(2) {
            let mut job: Option<Output> = None;
            for e in w[0]..w[1] {
                let est = &self.estimators[e];
                let o = est.run(m, Data::Dense(Self::sub(x, &self.features[e])))?;
                job = Some(add(job, o, &est.info().class)?);
            }
            if let Some(j) = job {
                total = Some(add(total, j, &self.info.class)?);
            }
        }
        let n = self.estimators.len() as f64;
        Ok(match total.ok_or_else(|| input("no estimators"))? {
            Output::Matrix(mut mm) => {
                mm.data.iter_mut().for_each(|v| *v /= n);
                Output::Matrix(mm)
            }
            o => Output::Vector(vector(o, &self.info.class)?.iter().map(|v| v / n).collect()),
        })
    }
}

/// Python's `acc + o` (`0 + o` first, which is `o` for floats).
fn add(acc: Option<Output>, o: Output, who: &str) -> Result<Output> {
    match (acc, o) {
        (None, o) => Ok(match o {
            Output::Matrix(m) => Output::Matrix(m),
            o => Output::Vector(vector(o, who)?.iter().map(|v| 0.0 + v).collect()),
        }),
        (Some(Output::Matrix(mut a)), Output::Matrix(b))
            if a.cols == b.cols && a.rows == b.rows =>
        {
            for (x, y) in a.data.iter_mut().zip(&b.data) {
                *x += y;
            }
            Ok(Output::Matrix(a))
        }
        (Some(a), b) => {
            let mut a = vector(a, who)?;
            let b = vector(b, who)?;
            if a.len() != b.len() {
                return Err(input(format!("{who}: results of different lengths")));
            }
            for (x, y) in a.iter_mut().zip(&b) {
                *x += y;
            }
            Ok(Output::Vector(a))
        }
    }
}

impl Estimator for Bagging {
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        self.classes.as_ref()
    }
    fn batchable(&self) -> bool {
        self.estimators.iter().all(|e| e.batchable())
    }
    fn exactness(&self, m: Method) -> Exactness {
        let inner = match m {
            Method::Predict if self.classes.is_some() => Method::PredictProba,
            Method::PredictLogProba if !self.all(Method::PredictLogProba) => Method::PredictProba,
            m => m,
        };
        self.estimators.iter().fold(Exactness::Bitwise, |e, p| {
            let pm = if p.supports(inner) {
                inner
            } else {
                Method::Predict
            };
            e.and(after_fortran(p.exactness(pm)))
        })
    }
    fn supports(&self, m: Method) -> bool {
        if self.classes.is_some() {
            match m {
                Method::Predict | Method::PredictProba | Method::PredictLogProba => true,
                Method::DecisionFunction => self.all(m),
                _ => false,
            }
        } else {
            m == Method::Predict
        }
    }
    fn take_sparse(&mut self) -> bool {
        // `X[:, features]` of a CSR matrix is CSR with each row's entries in
        // the original column order, not the features' order: trees read the
        // same numbers, but a product would add them in another order (not
        // modelled), so only bagged trees take it
        let tree = |e: &dyn Estimator| {
            matches!(
                e.info().class.rsplit('.').next(),
                Some(
                    "DecisionTreeClassifier"
                        | "DecisionTreeRegressor"
                        | "ExtraTreeClassifier"
                        | "ExtraTreeRegressor"
                )
            )
        };
        self.estimators
            .iter_mut()
            .all(|e| tree(e.as_ref()) && e.take_sparse())
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        match x {
            // every estimator that takes CSR refuses NaN and infinity in it
            // (trees route NaN in dense input only); rows made dense a few
            // at a time: the same numbers for each estimator's columns
            Data::Csr(c) => {
                let c = crate::estimator::csr_in(&self.info, Data::Csr(c))?;
                c.dense_chunks(|d| self.run_dense(m, d))
            }
            x => self.run_dense(m, x.into_dense(&self.info.class)?),
        }
    }
}

impl Bagging {
    fn run_dense(&self, m: Method, x: Mat) -> Result<Output> {
        check_width(&self.info, &x)?;
        match (m, &self.classes) {
            (Method::Predict, None) => self.summed(&x, m),
            (Method::Predict, Some(c)) => Ok(Output::Labels(argmax_labels(&self.proba(&x)?, c))),
            (Method::PredictProba, _) => Ok(Output::Matrix(self.proba(&x)?)),
            (Method::PredictLogProba, _) => {
                if self.all(Method::PredictLogProba) {
                    Ok(Output::Matrix(self.log_proba(&x)?))
                } else {
                    let mut p = self.proba(&x)?;
                    p.data.iter_mut().for_each(|v| *v = np_log(*v));
                    Ok(Output::Matrix(p))
                }
            }
            (Method::DecisionFunction, _) => self.summed(&x, m),
            _ => Err(self.no_method(m)),
        }
    }
}

impl Bagging {
    fn all(&self, m: Method) -> bool {
        self.estimators.iter().all(|e| e.supports(m))
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
        "BaggingClassifier" | "BaggingRegressor" => boxed(Bagging::read(ctx, est, path, b)),
        "StackingClassifier" | "StackingRegressor" => boxed(Stacking::read(ctx, est, path, b)),
        "AdaBoostClassifier" => boxed(AdaBoost::read(ctx, est, path, b)),
        _ => return None,
    })
}

// ---------------------------------------------------------------- stacking

/// StackingClassifier / StackingRegressor (sklearn/ensemble/_stacking.py):
/// each kept estimator's `stack_method_` output, 1-D ones as a column, the
/// first column of binary predict_proba dropped, `X` appended when
/// `passthrough`, `np.hstack`ed (C-ordered) into `final_estimator_`; a
/// classifier's predict maps the final estimator's encoded labels back
/// through `_label_encoder`. Multilabel stacking is refused.
pub struct Stacking {
    info: Info,
    /// (estimator, its stack method)
    estimators: Vec<(Box<dyn Estimator>, Method)>,
    final_est: Box<dyn Estimator>,
    passthrough: bool,
    classes: Option<Labels>,
}

impl Stacking {
    fn read(ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str, b: Builders) -> Result<Stacking> {
        let info = Info::read(est, path)?;
        if est.name() == "StackingClassifier" {
            let enc = est.req("_label_encoder", path)?;
            if matches!(
                ctx.node(enc, path)?,
                skseal_core::ir::Node::List(_) | skseal_core::ir::Node::Tuple(_)
            ) {
                return Err(unsupported(
                    "a multilabel StackingClassifier",
                    path,
                    "Only single-label stacking is implemented.",
                ));
            }
        }
        let lp = format!("{path}.estimators_");
        let items = ctx.seq(est.req("estimators_", path)?, &lp)?;
        let mp = format!("{path}.stack_method_");
        let methods = ctx.seq(est.req("stack_method_", path)?, &mp)?;
        if methods.len() != items.len() {
            return Err(malformed(&mp, "one method per estimator expected"));
        }
        let mut estimators = Vec::new();
        for (k, (&id, &mid)) in items.iter().zip(methods).enumerate() {
            if matches!(ctx.node(id, &lp)?, skseal_core::ir::Node::Str(s) if s == "drop") {
                continue;
            }
            let p = format!("{lp}[{k}]");
            let e = (b.estimator)(ctx, id, &p)?;
            let name = ctx.str(mid, &format!("{mp}[{k}]"))?;
            let m = Method::parse(name)
                .filter(|m| {
                    matches!(
                        m,
                        Method::Predict | Method::PredictProba | Method::DecisionFunction
                    )
                })
                .ok_or_else(|| malformed(&format!("{mp}[{k}]"), format!("{name:?}")))?;
            if !e.supports(m) {
                return Err(unsupported(
                    format!("a stacked {} (no {})", e.info().class, m.name()),
                    &p,
                    "",
                ));
            }
            estimators.push((e, m));
        }
        let final_est = (b.estimator)(
            ctx,
            est.req("final_estimator_", path)?,
            &format!("{path}.final_estimator_"),
        )?;
        let passthrough = est.bool("passthrough", path)?;
        let classes = if est.name() == "StackingClassifier" {
            let c = est.labels("classes_", path)?;
            match final_est.classes() {
                Some(Labels::Int(v))
                    if v.len() == c.len() && v.iter().enumerate().all(|(i, &x)| x == i as i64) => {}
                _ => {
                    return Err(malformed(
                        &format!("{path}.final_estimator_"),
                        "expected a classifier fitted on the encoded labels 0..n_classes-1",
                    ))
                }
            }
            Some(c)
        } else {
            None
        };
        Ok(Stacking {
            info,
            estimators,
            final_est,
            passthrough,
            classes,
        })
    }

    fn meta(&self, x: Data) -> Result<Mat> {
        let n = x.rows();
        let mut parts = Vec::new();
        for (e, m) in &self.estimators {
            let who = &e.info().class;
            let part = match e.run(*m, x.clone())? {
                Output::Matrix(p) => {
                    if *m == Method::PredictProba
                        && self.classes.as_ref().is_some_and(|c| c.len() == 2)
                    {
                        let idx: Vec<usize> = (1..p.cols).collect();
                        cols(&p, &idx)
                    } else {
                        p
                    }
                }
                Output::Vector(v) => Mat {
                    rows: v.len(),
                    cols: 1,
                    data: v,
                },
                Output::Labels(Labels::Int(v)) => Mat {
                    rows: v.len(),
                    cols: 1,
                    data: v.iter().map(|&c| c as f64).collect(),
                },
                Output::Labels(Labels::Float(v)) => Mat {
                    rows: v.len(),
                    cols: 1,
                    data: v,
                },
                Output::Labels(_) | Output::LabelColumns(_) | Output::Matrices(_) => {
                    return Err(input(format!(
                        "{who} predicted labels that are not numbers"
                    )))
                }
            };
            if part.rows != n {
                return Err(input(format!("{who} returned {} rows for {n}", part.rows)));
            }
            parts.push(part);
        }
        if self.passthrough {
            let xd = x.into_dense(&self.info.class)?;
            check_width(&self.info, &xd)?;
            parts.push(xd);
        }
        Ok(Mat::hstack(&parts, n))
    }
}

fn cols(p: &Mat, idx: &[usize]) -> Mat {
    let mut out = Mat::zeros(p.rows, idx.len());
    for i in 0..p.rows {
        let r = p.row(i);
        for (o, &j) in out.row_mut(i).iter_mut().zip(idx) {
            *o = r[j];
        }
    }
    out
}

impl Estimator for Stacking {
    fn text_inputs(&self) -> Option<Vec<bool>> {
        crate::estimator::union_text(self.estimators.iter().map(|(e, _)| e.text_inputs()))
    }
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        self.classes.as_ref()
    }
    fn batchable(&self) -> bool {
        self.final_est.batchable() && self.estimators.iter().all(|(e, _)| e.batchable())
    }
    fn exactness(&self, m: Method) -> Exactness {
        let first = self
            .estimators
            .iter()
            .fold(Exactness::Bitwise, |acc, (e, sm)| acc.and(e.exactness(*sm)));
        if m == Method::Transform {
            first
        } else {
            first.and(self.final_est.exactness(m))
        }
    }
    fn supports(&self, m: Method) -> bool {
        match m {
            // every column an encoded label: numpy's hstack is int64,
            // which a native output (float64) cannot be
            Method::Transform => {
                self.passthrough
                    || self.classes.is_none()
                    || self.estimators.iter().any(|(_, sm)| *sm != Method::Predict)
            }
            Method::Predict => self.final_est.supports(m),
            Method::PredictProba | Method::DecisionFunction => {
                self.classes.is_some() && self.final_est.supports(m)
            }
            _ => false,
        }
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        let meta = self.meta(x)?;
        if m == Method::Transform {
            return Ok(Output::Matrix(meta));
        }
        let out = self.final_est.run(m, Data::Dense(meta))?;
        match (m, &self.classes, out) {
            (Method::Predict, Some(c), Output::Labels(Labels::Int(v))) => {
                let idx = v
                    .iter()
                    .map(|&i| usize::try_from(i).ok().filter(|&i| i < c.len()))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| input("the final estimator predicted an unknown label"))?;
                Ok(Output::Labels(c.take(&idx)))
            }
            (Method::Predict, Some(_), _) => {
                Err(input("the final estimator did not predict encoded labels"))
            }
            (_, _, o) => Ok(o),
        }
    }
}

// ---------------------------------------------------------------- AdaBoost

/// AdaBoostClassifier (SAMME, the only algorithm in scikit-learn 1.9):
/// `sum(np.where(predict == classes, w, -1 / (k - 1) * w))` over
/// `zip(estimators_, estimator_weights_)` (Python's `sum`, from 0), divided
/// by numpy's pairwise sum of all of `estimator_weights_`; two classes:
/// column 0 negated and the row summed. predict_proba is sklearn's softmax
/// of `vstack([-d, d]).T / 2` (two classes) or `d / (k - 1)`;
/// predict_log_proba is `np.log` of it.
pub struct AdaBoost {
    info: Info,
    estimators: Vec<Box<dyn Estimator>>,
    weights: Vec<f64>,
    weight_sum: f64,
    classes: Labels,
}

impl AdaBoost {
    fn read(ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str, b: Builders) -> Result<AdaBoost> {
        let info = Info::read(est, path)?;
        let estimators = b.built_list(ctx, est, "estimators_", path)?;
        let weights = crate::access::vec_f64(est, "estimator_weights_", path, None)?;
        if weights.len() < estimators.len() {
            return Err(malformed(
                &format!("{path}.estimator_weights_"),
                "fewer weights than estimators",
            ));
        }
        let classes = est.labels("classes_", path)?;
        if classes.len() < 2 {
            return Err(unsupported(
                "an AdaBoostClassifier fitted on one class",
                path,
                "",
            ));
        }
        for (k, e) in estimators.iter().enumerate() {
            if !e.supports(Method::Predict) || e.classes().is_none() {
                return Err(unsupported(
                    format!("an AdaBoostClassifier over {}", e.info().class),
                    &format!("{path}.estimators_[{k}]"),
                    "",
                ));
            }
        }
        let weight_sum = crate::npsum::sum(&weights);
        Ok(AdaBoost {
            info,
            estimators,
            weights,
            weight_sum,
            classes,
        })
    }

    /// The 2-column (binary) or k-column `pred` before the binary row sum.
    fn decision(&self, x: &Data) -> Result<Output> {
        let k = self.classes.len();
        let names: Vec<String> = (0..k).map(|c| self.classes.text(c)).collect();
        let n = x.rows();
        let mut pred: Option<Vec<f64>> = None;
        for (e, &w) in self.estimators.iter().zip(&self.weights) {
            let Output::Labels(l) = e.run(Method::Predict, x.clone())? else {
                return Err(input("a boosted estimator did not predict labels"));
            };
            if l.len() != n {
                return Err(input(
                    "a boosted estimator returned the wrong number of rows",
                ));
            }
            let neg = -1.0 / (k as f64 - 1.0) * w;
            let mut term = vec![0.0; n * k];
            for i in 0..n {
                let t = l.text(i);
                for (c, name) in names.iter().enumerate() {
                    term[i * k + c] = if *name == t { w } else { neg };
                }
            }
            pred = Some(match pred {
                None => term.iter().map(|v| 0.0 + v).collect(),
                Some(mut p) => {
                    p.iter_mut().zip(&term).for_each(|(a, b)| *a += b);
                    p
                }
            });
        }
        let mut p = pred.ok_or_else(|| input("no estimators"))?;
        p.iter_mut().for_each(|v| *v /= self.weight_sum);
        if k == 2 {
            Ok(Output::Vector(
                (0..n)
                    .map(|i| crate::npsum::sum(&[-p[2 * i], p[2 * i + 1]]))
                    .collect(),
            ))
        } else {
            Ok(Output::Matrix(Mat {
                rows: n,
                cols: k,
                data: p,
            }))
        }
    }

    fn proba(&self, x: &Data) -> Result<Mat> {
        let mut m = match self.decision(x)? {
            Output::Vector(d) => {
                let mut m = Mat::zeros(d.len(), 2);
                for (i, v) in d.iter().enumerate() {
                    m.data[2 * i] = -v / 2.0;
                    m.data[2 * i + 1] = v / 2.0;
                }
                m
            }
            Output::Matrix(mut m) => {
                let km1 = (m.cols - 1) as f64;
                m.data.iter_mut().for_each(|v| *v /= km1);
                m
            }
            Output::Labels(_) | Output::LabelColumns(_) | Output::Matrices(_) => {
                return Err(input("unexpected labels"))
            }
        };
        crate::kernels::softmax_rows(&mut m);
        Ok(m)
    }
}

impl Estimator for AdaBoost {
    fn info(&self) -> &Info {
        &self.info
    }
    fn take_sparse(&mut self) -> bool {
        // `_check_X` keeps CSR, and each estimator predicts on X as it comes
        self.estimators.iter_mut().all(|e| e.take_sparse())
    }
    fn classes(&self) -> Option<&Labels> {
        Some(&self.classes)
    }
    fn batchable(&self) -> bool {
        self.estimators.iter().all(|e| e.batchable())
    }
    fn exactness(&self, _m: Method) -> Exactness {
        self.estimators.iter().fold(Exactness::Bitwise, |a, e| {
            a.and(e.exactness(Method::Predict))
        })
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
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        match m {
            Method::DecisionFunction => self.decision(&x),
            Method::Predict => Ok(Output::Labels(match self.decision(&x)? {
                Output::Vector(d) => {
                    let idx: Vec<usize> = d.iter().map(|&v| usize::from(v > 0.0)).collect();
                    self.classes.take(&idx)
                }
                Output::Matrix(d) => argmax_labels(&d, &self.classes),
                Output::Labels(_) | Output::LabelColumns(_) | Output::Matrices(_) => {
                    return Err(input("unexpected labels"))
                }
            })),
            Method::PredictProba => Ok(Output::Matrix(self.proba(&x)?)),
            _ => {
                let mut p = self.proba(&x)?;
                p.data.iter_mut().for_each(|v| *v = np_log(*v));
                Ok(Output::Matrix(p))
            }
        }
    }
}
