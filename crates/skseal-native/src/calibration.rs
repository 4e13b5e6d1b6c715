//! CalibratedClassifierCV with method="sigmoid" or "isotonic", and
//! IsotonicRegression.
//!
//! predict_proba (sklearn/calibration.py, 1.9): `zeros += proba` for each
//! of `calibrated_classifiers_` in order, then `/= len`. Each
//! `_CalibratedClassifier` takes its estimator's decision_function (else
//! predict_proba; for two classes the column of `classes_[-1]`), and per
//! class `expit(-(a_ * t + b_))` into the column of that class
//! (`LabelEncoder().fit(classes).transform(estimator.classes_)`); two
//! classes: column 1, then `1.0 - p1` into column 0; more: divided by
//! `np.sum(proba, axis=1)` (numpy's pairwise sum), `1 / n_classes` where
//! that sum is 0. Then values in `(1, 1 + 1e-5]` become 1.0. predict is
//! the first arg-max. A `FrozenEstimator` (the old `cv="prefit"`) is
//! unwrapped. Isotonic calibrators predict as [`Isotonic`] does;
//! method="temperature" is refused.

use crate::access::{vec_f64, Ctx, Obj};
use crate::blas::Exactness;
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{input, malformed, Result};
use crate::estimator::{boxed, dense_in, unsupported, Builders, Estimator, Info};
use crate::kernels::{argmax_labels, expit};
use crate::npsum;

struct Calibrated {
    estimator: Box<dyn Estimator>,
    /// decision_function, else predict_proba
    method: Method,
    /// (column in classes_, calibrator) per calibrator
    calibrators: Vec<(usize, Calibrator)>,
}

enum Calibrator {
    /// `_SigmoidCalibration`: a_, b_
    Sigmoid(f64, f64),
    Isotonic(Isotonic),
}

impl Calibrator {
    fn predict(&self, t: f64) -> f64 {
        match self {
            Calibrator::Sigmoid(a, b) => expit(-(a * t + b)),
            Calibrator::Isotonic(i) => i.predict(t),
        }
    }
}

/// A fitted IsotonicRegression's prediction: `np.clip` to
/// `[X_min_, X_max_]` when out_of_bounds="clip", then scipy's `interp1d`
/// (linear, which delegates to `np.interp` for float64 data; NaN outside
/// the thresholds when not clipped), or the single `y_thresholds_` value
/// repeated when there is one threshold.
struct Isotonic {
    x: Vec<f64>,
    y: Vec<f64>,
    clip: Option<(f64, f64)>,
}

impl Isotonic {
    fn read(est: &Obj<'_, '_>, path: &str) -> Result<Isotonic> {
        let x = vec_f64(est, "X_thresholds_", path, None)?;
        let y = vec_f64(est, "y_thresholds_", path, Some(x.len()))?;
        if x.is_empty() || x.windows(2).any(|w| w[0] >= w[1] || w[0].is_nan()) {
            return Err(malformed(
                &format!("{path}.X_thresholds_"),
                "expected strictly increasing thresholds",
            ));
        }
        let clip = match est.str("out_of_bounds", path)? {
            "clip" => Some((est.f64("X_min_", path)?, est.f64("X_max_", path)?)),
            "nan" => None,
            o => {
                return Err(unsupported(
                    format!("IsotonicRegression(out_of_bounds={o:?})"),
                    path,
                    "out_of_bounds='raise' is not implemented.",
                ))
            }
        };
        Ok(Isotonic { x, y, clip })
    }

    fn predict(&self, t: f64) -> f64 {
        let t = match self.clip {
            // np.clip: minimum(maximum(t, lo), hi), NaN kept
            Some((lo, hi)) if !t.is_nan() => {
                let t = if t < lo { lo } else { t };
                if t > hi {
                    hi
                } else {
                    t
                }
            }
            _ => t,
        };
        let (x, y) = (&self.x, &self.y);
        let n = x.len();
        if n == 1 {
            return y[0];
        }
        let v = np_interp(t, x, y);
        if t < x[0] || t > x[n - 1] {
            f64::NAN
        } else {
            v
        }
    }
}

/// numpy's `np.interp` for one value (compiled_base.c `arr_interp`, left
/// and right the end values; `xp` strictly increasing).
fn np_interp(t: f64, x: &[f64], y: &[f64]) -> f64 {
    let n = x.len();
    if t.is_nan() {
        return t;
    }
    // binary_search_with_guess: the last j with x[j] <= t; -1 below, n above
    let cnt = x.partition_point(|&v| v <= t);
    if cnt == 0 {
        return y[0];
    }
    let j = cnt - 1;
    if j == n - 1 {
        return if t > x[n - 1] { y[n - 1] } else { y[j] };
    }
    if x[j] == t {
        return y[j];
    }
    let slope = (y[j + 1] - y[j]) / (x[j + 1] - x[j]);
    let mut r = slope * (t - x[j]) + y[j];
    if r.is_nan() {
        r = slope * (t - x[j + 1]) + y[j + 1];
        if r.is_nan() && y[j] == y[j + 1] {
            r = y[j];
        }
    }
    r
}

/// IsotonicRegression as a model: predict / transform of its one feature.
pub struct IsotonicModel {
    info: Info,
    iso: Isotonic,
}

impl Estimator for IsotonicModel {
    fn info(&self) -> &Info {
        &self.info
    }
    fn supports(&self, m: Method) -> bool {
        matches!(m, Method::Predict | Method::Transform)
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        let x = dense_in(&self.info, x, false)?;
        if x.cols != 1 {
            return Err(input(format!(
                "Isotonic regression input X should be a 1d array or 2d array with 1 feature; X has {} features",
                x.cols
            )));
        }
        Ok(Output::Vector(
            x.data.iter().map(|&t| self.iso.predict(t)).collect(),
        ))
    }
}

pub struct CalibratedCv {
    info: Info,
    classes: Labels,
    parts: Vec<Calibrated>,
}

fn label_pos(classes: &Labels, of: &Labels, path: &str) -> Result<Vec<usize>> {
    (0..of.len())
        .map(|i| {
            let t = of.text(i);
            (0..classes.len())
                .find(|&j| classes.text(j) == t)
                .ok_or_else(|| malformed(path, format!("class {t} is not in classes_")))
        })
        .collect()
}

impl CalibratedCv {
    fn read(ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str, b: Builders) -> Result<CalibratedCv> {
        let mut info = Info::read(est, path)?;
        let classes = est.labels("classes_", path)?;
        let k = classes.len();
        if k < 2 {
            return Err(malformed(path, "fewer than two classes"));
        }
        let lp = format!("{path}.calibrated_classifiers_");
        let items = ctx.seq(est.req("calibrated_classifiers_", path)?, &lp)?;
        if items.is_empty() {
            return Err(malformed(&lp, "no calibrated classifiers"));
        }
        let mut parts = Vec::new();
        for (n, &id) in items.iter().enumerate() {
            let p = format!("{lp}[{n}]");
            let cc = ctx.obj(id, &p)?;
            let method = cc.str("method", &p)?;
            if method != "sigmoid" && method != "isotonic" {
                return Err(unsupported(
                    format!("CalibratedClassifierCV(method={method:?})"),
                    &p,
                    "Only method='sigmoid' and 'isotonic' are implemented (temperature scaling is not).",
                ));
            }
            let mut eo = cc.obj("estimator", &p)?;
            let mut ep = format!("{p}.estimator");
            if eo.name() == "FrozenEstimator" {
                eo = eo.obj("estimator", &ep)?;
                ep = format!("{ep}.estimator");
            }
            let estimator = (b.estimator)(ctx, eo.id, &ep)?;
            let m = if estimator.supports(Method::DecisionFunction) {
                Method::DecisionFunction
            } else if estimator.supports(Method::PredictProba) {
                Method::PredictProba
            } else {
                return Err(unsupported(
                    format!(
                        "a calibrated {} (no decision_function or predict_proba)",
                        estimator.info().class
                    ),
                    &ep,
                    "",
                ));
            };
            let ec = estimator
                .classes()
                .ok_or_else(|| malformed(&ep, "not a classifier"))?;
            let pos = label_pos(&classes, ec, &ep)?;
            let cp = format!("{p}.calibrators");
            let cal = ctx.seq(cc.req("calibrators", &p)?, &cp)?;
            let want = if ec.len() == 2 { 1 } else { ec.len() };
            if cal.len() != want {
                return Err(malformed(
                    &cp,
                    format!("{} calibrators for {} classes", cal.len(), ec.len()),
                ));
            }
            let mut calibrators = Vec::new();
            for (c, (&cid, &col)) in cal.iter().zip(&pos).enumerate() {
                let q = format!("{cp}[{c}]");
                let co = ctx.obj(cid, &q)?;
                let model = match co.name() {
                    "_SigmoidCalibration" => {
                        Calibrator::Sigmoid(co.f64("a_", &q)?, co.f64("b_", &q)?)
                    }
                    "IsotonicRegression" => Calibrator::Isotonic(Isotonic::read(&co, &q)?),
                    _ => {
                        return Err(unsupported(
                            co.class.to_string(),
                            &q,
                            "Only sigmoid and isotonic calibrators are implemented.",
                        ))
                    }
                };
                let col = if k == 2 { col + 1 } else { col };
                if col >= k {
                    return Err(malformed(&q, "calibrated class out of range"));
                }
                calibrators.push((col, model));
            }
            if info.n_features.is_none() {
                info.n_features = estimator.info().n_features;
            }
            parts.push(Calibrated {
                estimator,
                method: m,
                calibrators,
            });
        }
        Ok(CalibratedCv {
            info,
            classes,
            parts,
        })
    }

    fn proba(&self, x: &Data) -> Result<Mat> {
        let k = self.classes.len();
        let n = x.rows();
        let mut mean = Mat::zeros(n, k);
        for part in &self.parts {
            let e = &part.estimator;
            let out = e.run(part.method, x.clone())?;
            // predictions as columns, one per calibrator
            let preds: Mat = match out {
                Output::Vector(v) => Mat {
                    rows: v.len(),
                    cols: 1,
                    data: v,
                },
                Output::Matrix(m) if part.method == Method::PredictProba && m.cols == 2 => {
                    // _process_predict_proba: the column of classes_[-1]
                    let data = (0..m.rows).map(|i| m.data[i * 2 + 1]).collect();
                    Mat {
                        rows: m.rows,
                        cols: 1,
                        data,
                    }
                }
                Output::Matrix(m) => m,
                Output::Labels(_) | Output::LabelColumns(_) | Output::Matrices(_) => {
                    return Err(input("the calibrated estimator returned labels"))
                }
            };
            if preds.rows != n || preds.cols < part.calibrators.len() {
                return Err(input("the calibrated estimator returned the wrong shape"));
            }
            let mut proba = Mat::zeros(n, k);
            for (c, (col, cal)) in part.calibrators.iter().enumerate() {
                for i in 0..n {
                    let t = preds.data[i * preds.cols + c];
                    proba.data[i * k + col] = cal.predict(t);
                }
            }
            for i in 0..n {
                let r = proba.row_mut(i);
                if k == 2 {
                    r[0] = 1.0 - r[1];
                } else {
                    let d = npsum::sum(r);
                    if d != 0.0 {
                        r.iter_mut().for_each(|v| *v /= d);
                    } else {
                        r.fill(1.0 / k as f64);
                    }
                }
                for v in r.iter_mut() {
                    if 1.0 < *v && *v <= 1.0 + 1e-5 {
                        *v = 1.0;
                    }
                }
            }
            for (a, v) in mean.data.iter_mut().zip(&proba.data) {
                *a += v;
            }
        }
        let len = self.parts.len() as f64;
        mean.data.iter_mut().for_each(|v| *v /= len);
        Ok(mean)
    }
}

impl Estimator for CalibratedCv {
    fn text_inputs(&self) -> Option<Vec<bool>> {
        crate::estimator::union_text(self.parts.iter().map(|p| p.estimator.text_inputs()))
    }
    fn take_sparse(&mut self) -> bool {
        // each calibrated classifier's estimator is given X as it comes
        self.parts.iter_mut().all(|p| p.estimator.take_sparse())
    }
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        Some(&self.classes)
    }
    fn batchable(&self) -> bool {
        self.parts.iter().all(|p| p.estimator.batchable())
    }
    fn exactness(&self, _m: Method) -> Exactness {
        self.parts.iter().fold(Exactness::Bitwise, |e, p| {
            e.and(p.estimator.exactness(p.method))
        })
    }
    fn supports(&self, m: Method) -> bool {
        matches!(m, Method::Predict | Method::PredictProba)
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        let p = self.proba(&x)?;
        Ok(match m {
            Method::Predict => Output::Labels(argmax_labels(&p, &self.classes)),
            _ => Output::Matrix(p),
        })
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
    match est.name() {
        "CalibratedClassifierCV" => Some(boxed(CalibratedCv::read(ctx, est, path, b))),
        "IsotonicRegression" => Some((|| {
            let mut info = Info::read(est, path)?;
            info.n_features = Some(1);
            Ok(Box::new(IsotonicModel {
                info,
                iso: Isotonic::read(est, path)?,
            }) as Box<dyn Estimator>)
        })()),
        _ => None,
    }
}
