//! XGBoost's scikit-learn models (`XGBClassifier`, `XGBRegressor`,
//! `XGBRanker`, `XGBRFClassifier`, `XGBRFRegressor`; gbtree and dart),
//! computed from the serialized booster `skseal_core::boosters::xgboost`
//! parsed and checked.
//!
//! As XGBoost 3.2's CPU predictor computes (`predict_fn.h`,
//! `cpu_predictor.cc`, `math.h`):
//! - each input value becomes a float32 (`static_cast<float>`); NaN is
//!   missing and takes the node's default child;
//! - a split goes left when `value < split_condition` (float32);
//! - each output group starts at the base score through the objective's
//!   link (`Logit` after clamping to [1e-6, 1 - 1e-6] for logistic
//!   objectives, `log` for poisson / gamma / tweedie), and adds the leaf of
//!   every tree of the group in tree order in float32 (dart, as its
//!   in-place predict: `((base + leaf) - base) * weight_drop`);
//! - the objective's transform: `Sigmoid(float)` (`1 / (expf(min(-x,
//!   88.7)) + 1 + 1e-16)`), softmax (`fmaxf` maximum, `expf`, the sum in
//!   double, divided as float), `expf`;
//! - the scikit-learn wrapper uses `best_iteration + 1` rounds when early
//!   stopping set it, stacks `[1 - p, p]` for binary probabilities
//!   (float32), predicts `p > 0.5` for binary and the first arg-max for
//!   multiclass, as int64 class indices.

use skseal_core::boosters::xgboost::{parse, Booster, XgbModel, XgbTree};
use skseal_core::ir::Node;

use crate::access::{Ctx, Obj};
use crate::blas::Exactness;
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{malformed, NativeError, Result};
use crate::estimator::{Estimator, Info};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Link {
    Identity,
    Logistic,
    Log,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Transform {
    Identity,
    Sigmoid,
    Softmax,
    Exp,
}

fn objective(name: &str, path: &str) -> Result<(Link, Transform)> {
    Ok(match name {
        "binary:logistic" | "reg:logistic" => (Link::Logistic, Transform::Sigmoid),
        "binary:logitraw" => (Link::Identity, Transform::Identity),
        "reg:squarederror"
        | "reg:squaredlogerror"
        | "reg:absoluteerror"
        | "reg:pseudohubererror"
        | "reg:quantileerror"
        | "rank:pairwise"
        | "rank:ndcg"
        | "rank:map" => (Link::Identity, Transform::Identity),
        "count:poisson" | "reg:gamma" | "reg:tweedie" => (Link::Log, Transform::Exp),
        "multi:softprob" => (Link::Identity, Transform::Softmax),
        other => {
            return Err(NativeError::Unsupported {
                what: format!("the XGBoost objective {other:?}"),
                path: path.into(),
                hint: "load this model with skseal.load to use XGBoost".into(),
            })
        }
    })
}

fn sigmoid(x: f32) -> f32 {
    let x = if -x < 88.7f32 || (-x).is_nan() {
        -x
    } else {
        88.7f32
    };
    let denom = x.exp() + 1.0f32 + 1e-16f32;
    1.0f32 / denom
}

fn leaf(t: &XgbTree, x: &[f32]) -> f32 {
    let mut n = 0usize;
    // the parser checked a proper tree from node 0 with right = left + 1;
    // `get` keeps a broken invariant a wrong leaf, never a panic
    loop {
        let left = t.left_children.get(n).copied().unwrap_or(-1);
        if left < 0 {
            return t.split_conditions.get(n).copied().unwrap_or(0.0);
        }
        let f = t.split_indices.get(n).copied().unwrap_or(0) as usize;
        let v = x.get(f).copied().unwrap_or(f32::NAN);
        let go_left = if v.is_nan() {
            t.default_left.get(n).copied().unwrap_or(false)
        } else {
            v < t.split_conditions.get(n).copied().unwrap_or(0.0)
        };
        n = if go_left {
            left as usize
        } else {
            t.right_children.get(n).copied().unwrap_or(-1).max(0) as usize
        };
    }
}

/// An XGBoost gbtree / dart booster ready to predict.
struct Model {
    m: XgbModel,
    groups: usize,
    trees_used: usize,
    base: Vec<f32>,
    transform: Transform,
}

impl Model {
    fn read(buf: &[u8], path: &str) -> Result<Model> {
        let m = parse(buf).map_err(|e| malformed(path, e.to_string()))?;
        if let Booster::GbLinear { .. } = m.booster {
            return Err(NativeError::Unsupported {
                what: "an XGBoost gblinear booster".into(),
                path: path.into(),
                hint: "load it with skseal.load".into(),
            });
        }
        if m.trees.iter().any(|t| t.split_type.iter().any(|&s| s != 0)) {
            return Err(NativeError::Unsupported {
                what: "an XGBoost model with categorical splits".into(),
                path: path.into(),
                hint: "XGBoost's Python package maps categories to codes; load it with \
                       skseal.load"
                    .into(),
            });
        }
        let (link, transform) = objective(&m.objective, path)?;
        let groups = (m.num_output_group as usize).max(1);
        let mut base = m.base_score.clone();
        if base.len() == 1 && groups > 1 {
            base = vec![base[0]; groups];
        }
        if base.len() != groups {
            return Err(malformed(
                path,
                format!("{} base scores for {groups} outputs", base.len()),
            ));
        }
        for b in base.iter_mut() {
            *b = match link {
                Link::Identity => *b,
                Link::Log => b.ln(),
                Link::Logistic => {
                    let p = b.clamp(1e-6f32, 1.0 - 1e-6f32);
                    -(1.0f32 / p - 1.0f32).ln()
                }
            };
        }
        let trees_used = match m.best_iteration {
            Some(b) if b >= 0 => m
                .iteration_indptr
                .get(b as usize + 1)
                .map(|&e| e.max(0) as usize)
                .unwrap_or(m.trees.len()),
            _ => m.trees.len(),
        }
        .min(m.trees.len());
        Ok(Model {
            m,
            groups,
            trees_used,
            base,
            transform,
        })
    }

    fn scores(&self, x: &Mat, convert: bool) -> Vec<f32> {
        let g = self.groups;
        let mut out = vec![0f32; x.rows * g];
        let mut row = vec![0f32; x.cols];
        let weights = match &self.m.booster {
            Booster::Dart { weight_drop } => Some(weight_drop),
            _ => None,
        };
        for r in 0..x.rows {
            for (d, &v) in row.iter_mut().zip(x.row(r)) {
                *d = v as f32;
            }
            let o = &mut out[r * g..(r + 1) * g];
            o.copy_from_slice(&self.base);
            for (t, tree) in self.m.trees.iter().enumerate().take(self.trees_used) {
                let gid = self.m.tree_info.get(t).copied().unwrap_or(0).max(0) as usize;
                let base = self.base.get(gid).copied().unwrap_or(0.0);
                if let Some(slot) = o.get_mut(gid) {
                    let v = leaf(tree, &row);
                    match weights {
                        // dart's in-place predict: each tree predicted alone from the
                        // base score, the base taken off, times its weight
                        Some(w) => *slot += ((base + v) - base) * w.get(t).copied().unwrap_or(1.0),
                        None => *slot += v,
                    }
                }
            }
            if convert {
                match self.transform {
                    Transform::Identity => {}
                    Transform::Sigmoid => o.iter_mut().for_each(|v| *v = sigmoid(*v)),
                    Transform::Exp => o.iter_mut().for_each(|v| *v = v.exp()),
                    Transform::Softmax => {
                        let mut wmax = o.first().copied().unwrap_or(0.0);
                        for &v in o.iter().skip(1) {
                            wmax = v.max(wmax);
                        }
                        let mut wsum = 0f64;
                        for v in o.iter_mut() {
                            *v = (*v - wmax).exp();
                            wsum += *v as f64;
                        }
                        for v in o.iter_mut() {
                            *v /= wsum as f32;
                        }
                    }
                }
            }
        }
        out
    }
}

/// The XGBoost scikit-learn estimators.
pub struct Xgb {
    info: Info,
    model: Model,
    /// number of classes of a classifier
    n_classes: Option<usize>,
    classes: Option<Labels>,
}

impl Xgb {
    fn read(ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str) -> Result<Xgb> {
        if let Some(m) = est.opt("missing") {
            let nan = matches!(ctx.g.node(m), Some(Node::Float(f)) if f.is_nan());
            if !nan {
                return Err(NativeError::Unsupported {
                    what: "an XGBoost model with a missing value other than NaN".into(),
                    path: path.into(),
                    hint: "load it with skseal.load".into(),
                });
            }
        }
        let bpath = format!("{path}._Booster");
        let b = est.obj("_Booster", path)?;
        let handle = b.req("handle", &bpath)?;
        let Some(Node::ByteArray(buf)) = ctx.g.node(handle) else {
            return Err(malformed(
                &bpath,
                "handle is not XGBoost's serialized booster",
            ));
        };
        let model = Model::read(buf, &format!("{bpath}.handle"))?;
        let width = model.m.num_feature as usize;
        let names = (!model.m.feature_names.is_empty()).then(|| model.m.feature_names.clone());
        let info = Info {
            class: est.class.name.clone(),
            n_features: Some(width),
            feature_names: names,
        };
        let (n_classes, classes) = if matches!(est.name(), "XGBClassifier" | "XGBRFClassifier") {
            let n = est.usize("n_classes_", path)?;
            let ok = match model.transform {
                Transform::Sigmoid => n == 2 && model.groups == 1,
                Transform::Softmax => n == model.groups && n > 2,
                _ => false,
            };
            if !ok {
                return Err(NativeError::Unsupported {
                    what: format!(
                        "an XGBoost classifier with objective {:?} and {n} classes",
                        model.m.objective
                    ),
                    path: path.into(),
                    hint: "load it with skseal.load".into(),
                });
            }
            (Some(n), Some(Labels::Int((0..n as i64).collect())))
        } else {
            (None, None)
        };
        Ok(Xgb {
            info,
            model,
            n_classes,
            classes,
        })
    }

    fn proba(&self, x: &Mat) -> Mat {
        let s = self.model.scores(x, true);
        let rows = x.rows;
        if self.model.groups > 1 {
            return Mat {
                rows,
                cols: self.model.groups,
                data: s.iter().map(|&v| v as f64).collect(),
            };
        }
        let mut p = Mat::zeros(rows, 2);
        for (r, &v) in s.iter().enumerate() {
            p.data[2 * r] = (1.0f32 - v) as f64;
            p.data[2 * r + 1] = v as f64;
        }
        p
    }
}

impl Estimator for Xgb {
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        self.classes.as_ref()
    }
    fn exactness(&self, _m: Method) -> Exactness {
        Exactness::Bitwise
    }
    fn supports(&self, m: Method) -> bool {
        super::supports(self.n_classes.is_some(), m)
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        let x = super::input(&self.info, x, false)?;
        Ok(match (self.n_classes, m) {
            (Some(_), Method::PredictProba) => Output::Matrix(self.proba(&x)),
            (Some(_), _) => {
                let p = self.proba(&x);
                let idx: Vec<i64> = (0..p.rows)
                    .map(|r| {
                        let row = p.row(r);
                        if self.model.groups == 1 {
                            i64::from(row[1] > 0.5)
                        } else {
                            let mut best = 0;
                            for (k, &v) in row.iter().enumerate() {
                                if v > row[best] {
                                    best = k;
                                }
                            }
                            best as i64
                        }
                    })
                    .collect();
                Output::Labels(Labels::Int(idx))
            }
            (None, _) => {
                let s = self.model.scores(&x, true);
                if self.model.groups == 1 {
                    Output::Vector(s.iter().map(|&v| v as f64).collect())
                } else {
                    Output::Matrix(Mat {
                        rows: x.rows,
                        cols: self.model.groups,
                        data: s.iter().map(|&v| v as f64).collect(),
                    })
                }
            }
        })
    }
}

/// The implementation of `est` when this module has it.
pub(super) fn build(
    ctx: &Ctx<'_>,
    est: &Obj<'_, '_>,
    path: &str,
) -> Option<Result<Box<dyn Estimator>>> {
    match (est.class.module.as_str(), est.name()) {
        (
            "xgboost.sklearn",
            "XGBClassifier" | "XGBRegressor" | "XGBRanker" | "XGBRFClassifier" | "XGBRFRegressor",
        ) => Some(Xgb::read(ctx, est, path).map(|s| Box::new(s) as Box<dyn Estimator>)),
        _ => None,
    }
}
