//! Gradient boosting (`GradientBoostingClassifier` / `Regressor`): loss
//! links, the initial raw prediction, the stages; the methods both boosting
//! families share.

use super::*;
use crate::access::Obj;
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{malformed, NativeError, Result};
use crate::estimator::{check_width, Estimator, Info};
use crate::kernels::{argmax_labels, expit, log_mat, logit, softmax_rows};
use crate::npmath;
use crate::npsum;

/// The link of a gradient-boosting loss, by the loss class name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Link {
    Identity,
    Log,
    /// binary log-loss: expit
    Logit,
    /// exponential loss: expit(2 x)
    HalfLogit,
    /// multinomial: softmax
    Multinomial,
}

pub(super) fn link_of(loss: &Obj<'_, '_>, path: &str) -> Result<Link> {
    Ok(match loss.name() {
        "HalfSquaredError" | "AbsoluteError" | "PinballLoss" | "HuberLoss" => Link::Identity,
        // sklearn.ensemble._gb_losses (GradientBoostingRegressor saved by 1.0
        // to 1.3): identity link, same sums and init; checked against the
        // outputs 1.1.3 and 1.3.2 recorded (tests/test_legacy_native.py). The
        // other _gb_losses classes are not mapped: not checked.
        "LeastSquaresError" => Link::Identity,
        "HalfPoissonLoss" | "HalfGammaLoss" | "HalfTweedieLoss" | "HalfTweedieLossIdentity" => {
            if loss.name() == "HalfTweedieLossIdentity" {
                Link::Identity
            } else {
                Link::Log
            }
        }
        "HalfBinomialLoss" => Link::Logit,
        "ExponentialLoss" => Link::HalfLogit,
        "HalfMultinomialLoss" => Link::Multinomial,
        other => return Err(NativeError::Unsupported {
            what: format!("the loss {other}"),
            path: format!("{path}._loss"),
            hint:
                "Supported: squared/absolute/huber/quantile, poisson, gamma, log-loss, exponential."
                    .into(),
        }),
    })
}

/// Class probabilities from raw predictions (n x K), as the loss computes them.
pub(super) fn proba_from_raw(raw: &Mat, link: Link) -> Mat {
    match link {
        Link::Multinomial => {
            let mut p = raw.clone();
            softmax_rows(&mut p);
            p
        }
        _ => {
            let mut p = Mat::zeros(raw.rows, 2);
            for i in 0..raw.rows {
                let r = raw.data[i];
                let p1 = match link {
                    Link::HalfLogit => expit(2.0 * r),
                    _ => expit(r),
                };
                p.data[2 * i + 1] = p1;
                p.data[2 * i] = 1.0 - p1;
            }
            p
        }
    }
}

/// GradientBoostingClassifier / GradientBoostingRegressor.
pub struct GradientBoosting {
    info: Info,
    /// stages x K trees
    stages: Vec<Vec<Tree>>,
    k: usize,
    learning_rate: f64,
    init: Vec<f64>,
    link: Link,
    classes: Option<Labels>,
}

impl GradientBoosting {
    pub fn read(est: &Obj<'_, '_>, path: &str) -> Result<GradientBoosting> {
        let ctx = est.ctx;
        let info = Info::read(est, path)?;
        let nf = info
            .n_features
            .ok_or_else(|| malformed(path, "n_features_in_ missing"))?;
        let is_clf = est.name() == "GradientBoostingClassifier";
        let loss = est.obj("_loss", path)?;
        let link = link_of(&loss, path)?;
        let learning_rate = est.f64("learning_rate", path)?;
        let est_id = est.req("estimators_", path)?;
        let ep = format!("{path}.estimators_");
        let (shape, items) = match ctx.node(est_id, &ep)? {
            skseal_core::ir::Node::ObjectArray { shape, items, .. } => (shape.clone(), items),
            n => {
                return Err(malformed(
                    &ep,
                    format!("expected an object array, found {}", n.kind_name()),
                ))
            }
        };
        if shape.len() != 2 || shape[0] as usize * shape[1] as usize != items.len() {
            return Err(malformed(&ep, "expected a 2-D array of trees"));
        }
        let (n_stages, k) = (shape[0] as usize, shape[1] as usize);
        // n_estimators_ stages were fitted (early stopping may leave fewer).
        let used = match est.opt("n_estimators_") {
            Some(v) => ctx
                .usize(v, &format!("{path}.n_estimators_"))?
                .min(n_stages),
            None => n_stages,
        };
        let mut stages = Vec::with_capacity(used);
        for s in 0..used {
            let mut row = Vec::with_capacity(k);
            for j in 0..k {
                let p = format!("{ep}[{s}, {j}]");
                let o = ctx.obj(items[s * k + j], &p)?;
                let t = Tree::read(ctx, &o, nf, &p)?;
                if t.stride != 1 {
                    return Err(malformed(
                        &p,
                        "a boosting stage must be a single-value regression tree",
                    ));
                }
                row.push(t);
            }
            stages.push(row);
        }
        let init = init_raw(est, link, k, is_clf, path)?;
        // raw() starts every row from init and adds stage j into column j:
        // init's width must be the number of trees per stage.
        if init.len() != k {
            return Err(malformed(
                &format!("{path}.init_"),
                format!(
                    "the initial prediction has {} value(s) per row but estimators_ has {k} tree(s) per stage",
                    init.len()
                ),
            ));
        }
        let classes = if is_clf {
            Some(est.labels("classes_", path)?)
        } else {
            None
        };
        if let Some(c) = &classes {
            let want = if c.len() == 2 { 1 } else { c.len() };
            if want != k {
                return Err(malformed(
                    path,
                    format!("{} classes but {k} trees per stage", c.len()),
                ));
            }
        }
        Ok(GradientBoosting {
            info,
            stages,
            k,
            learning_rate,
            init,
            link,
            classes,
        })
    }

    fn raw(&self, x: &Mat) -> Mat {
        let mut out = Mat::zeros(x.rows, self.k);
        for i in 0..x.rows {
            out.row_mut(i).copy_from_slice(&self.init);
        }
        // Stage by stage over all rows; each row still adds stages in order.
        let cols = x.cols;
        with_f32(x, |xf| {
            // predict_stages has no NaN branch (NaN <= t is false: right);
            // run() refused NaN anyway.
            if x.rows == 1 {
                for stage in &self.stages {
                    for (j, t) in stage.iter().enumerate() {
                        if let (Some(a), Some(v)) =
                            (out.data.get_mut(j), t.values.get(t.leaf_gb(xf)))
                        {
                            *a += self.learning_rate * v;
                        }
                    }
                }
                return;
            }
            with_leaves(x.rows, |leaves| {
                for stage in &self.stages {
                    for (j, t) in stage.iter().enumerate() {
                        t.leaves(xf, cols, false, leaves);
                        for (o, &leaf) in out.data.chunks_exact_mut(self.k).zip(leaves.iter()) {
                            if let (Some(a), Some(v)) = (o.get_mut(j), t.values.get(leaf as usize))
                            {
                                *a += self.learning_rate * v;
                            }
                        }
                    }
                }
            });
        });
        out
    }
}

/// The initial raw prediction (`_raw_predict_init`): constant per row for
/// the default `init` (a prior DummyClassifier or a DummyRegressor) or zero.
fn init_raw(est: &Obj<'_, '_>, link: Link, k: usize, is_clf: bool, path: &str) -> Result<Vec<f64>> {
    let ctx = est.ctx;
    let init_id = est.req("init_", path)?;
    if let Ok(s) = ctx.str(init_id, path) {
        if s == "zero" {
            return Ok(vec![0.0; k]);
        }
    }
    let ip = format!("{path}.init_");
    let init = ctx.obj(init_id, &ip)?;
    let unsupported = |why: &str| {
        NativeError::Unsupported {
        what: format!("init={} ({why})", init.class),
        path: ip.clone(),
        hint: "Only the default init (a DummyClassifier with strategy=\"prior\" or a DummyRegressor) and \"zero\" are implemented.".into(),
    }
    };
    if is_clf {
        if !init.is("sklearn.dummy", "DummyClassifier") {
            return Err(unsupported("not a DummyClassifier"));
        }
        let strategy = init
            .str("_strategy", &ip)
            .or_else(|_| init.str("strategy", &ip))?;
        if strategy != "prior" {
            return Err(unsupported(strategy));
        }
        let prior = init.arr_f64("class_prior_", &ip)?.data;
        let eps = f64::EPSILON;
        let clip = |p: f64| p.max(eps).min(1.0 - eps);
        match link {
            Link::Logit | Link::HalfLogit => {
                let p = clip(
                    *prior
                        .get(1)
                        .ok_or_else(|| malformed(&ip, "class_prior_ needs 2 classes"))?,
                );
                let l = logit(p);
                Ok(vec![if link == Link::HalfLogit { 0.5 * l } else { l }])
            }
            Link::Multinomial => {
                if prior.len() != k {
                    return Err(malformed(&ip, "class_prior_ does not match the classes"));
                }
                let p: Vec<f64> = prior.into_iter().map(clip).collect();
                // MultinomialLogit.link: log(p / gmean(p)), gmean = exp(mean(log p))
                let logs: Vec<f64> = p.iter().map(|&v| npmath::np_log(v)).collect();
                let gm = npmath::np_exp(npsum::sum(&logs) / k as f64);
                Ok(p.iter().map(|&v| npmath::np_log(v / gm)).collect())
            }
            _ => Err(unsupported("link")),
        }
    } else {
        if !init.is("sklearn.dummy", "DummyRegressor") {
            return Err(unsupported("not a DummyRegressor"));
        }
        let c = init.arr_f64("constant_", &ip)?.data;
        let v = *c
            .first()
            .ok_or_else(|| malformed(&ip, "constant_ is empty"))?;
        Ok(vec![match link {
            Link::Identity => v,
            Link::Log => npmath::np_log(v),
            _ => return Err(unsupported("link")),
        }])
    }
}

impl Estimator for GradientBoosting {
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        self.classes.as_ref()
    }
    fn supports(&self, m: Method) -> bool {
        boosted_supports(self.classes.is_some(), m)
    }
    fn take_sparse(&mut self) -> bool {
        // `predict_stages` on CSR reads a row's stored values and 0 elsewhere
        true
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        match x {
            // a wide sparse matrix is made dense a few rows at a time
            Data::Csr(c) => {
                crate::estimator::check_cols(&self.info, c.cols)?;
                c.dense_chunks(|d| self.run_dense(m, d))
            }
            x => self.run_dense(m, x.into_dense(&self.info.class)?),
        }
    }
}

impl GradientBoosting {
    fn run_dense(&self, m: Method, x: Mat) -> Result<Output> {
        check_width(&self.info, &x)?;
        // GradientBoosting* validates X with ensure_all_finite=True: no NaN.
        check_f32(&x, false, &self.info.class)?;
        let raw = self.raw(&x);
        if let (Method::Predict, Some(c)) = (m, &self.classes) {
            // GradientBoostingClassifier.predict decides on the raw score:
            // `raw >= 0` for two classes, argmax of the raw scores otherwise.
            let idx: Vec<usize> = (0..raw.rows)
                .map(|i| {
                    if raw.cols == 1 {
                        usize::from(raw.data[i] >= 0.0)
                    } else {
                        npsum::argmax(raw.row(i))
                    }
                })
                .collect();
            return Ok(Output::Labels(c.take(&idx)));
        }
        boosted_output(self, m, raw, self.link, self.classes.as_ref())
    }
}

/// The methods of both gradient-boosting families.
pub(super) fn boosted_supports(classifier: bool, m: Method) -> bool {
    match m {
        Method::Predict => true,
        Method::PredictProba | Method::PredictLogProba | Method::DecisionFunction => classifier,
        _ => false,
    }
}

/// predict / predict_proba / decision_function from raw predictions, shared by
/// both gradient-boosting families.
pub(super) fn boosted_output(
    e: &dyn Estimator,
    m: Method,
    raw: Mat,
    link: Link,
    classes: Option<&Labels>,
) -> Result<Output> {
    match (m, classes) {
        (Method::DecisionFunction, Some(_)) => Ok(if raw.cols == 1 {
            Output::Vector(raw.data)
        } else {
            Output::Matrix(raw)
        }),
        (Method::PredictProba, Some(_)) => Ok(Output::Matrix(proba_from_raw(&raw, link))),
        (Method::PredictLogProba, Some(_)) => {
            Ok(Output::Matrix(log_mat(proba_from_raw(&raw, link))))
        }
        (Method::Predict, Some(c)) => Ok(Output::Labels(argmax_labels(
            &proba_from_raw(&raw, link),
            c,
        ))),
        (Method::Predict, None) => {
            let mut v = raw.data;
            if link == Link::Log {
                for a in &mut v {
                    *a = npmath::np_exp(*a);
                }
            }
            Ok(Output::Vector(v))
        }
        _ => Err(e.no_method(m)),
    }
}
