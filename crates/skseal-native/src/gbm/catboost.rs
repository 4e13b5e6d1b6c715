//! CatBoost's scikit-learn models (`CatBoostClassifier`,
//! `CatBoostRegressor`, `CatBoostRanker`) and its base class `CatBoost`
//! (from `catboost.train`; raw values), computed from the model core that
//! `skseal_core::boosters::catboost` parsed and checked (the one reading of
//! the CBM blob; the validator used the same parse).
//!
//! As catboost 1.2.10 predicts (`model/cpu/quantization.h`,
//! `evaluator_impl.cpp`, `scale_and_bias.cpp`, `eval_processing.h`,
//! `eval_helpers.cpp`):
//! - each input value becomes a float32; a NaN of a float feature that had
//!   NaNs in training becomes minus infinity (`nan_mode=Min`) or plus
//!   infinity (`Max`), else stays NaN;
//! - each float feature is quantized per bucket of 254 borders: the count
//!   of the bucket's borders the value is greater than (`v > border`); a
//!   split on border `k` holds when bucket `k / 254`'s count is at least
//!   `k % 254 + 1`;
//! - an oblivious tree's leaf index has bit `d` set when its split at
//!   depth `d` holds; a non-symmetric tree steps from its first node by the
//!   node's right (split holds) or left difference until a difference is 0;
//! - each output dimension sums the trees' leaf values in tree order in
//!   double from 0, then scale and bias (`x * scale`, `x + bias` or
//!   `scale * x + bias`, as `ApplyScaleAndBias` picks);
//! - binary classes: `raw > 0`, probability `1 / (1 + exp(-raw))` with the
//!   C library's exp, stacked `[1 - p, p]`; multiclass probabilities are a
//!   softmax whose exp is fmath's `expd_v` (`FastExpWithInfInplace`), whose
//!   vector and scalar paths this module reproduces; Poisson and Tweedie
//!   regressors predict the same fast exp of the raw value;
//!   `predict_log_proba` is `-log(1 + exp(-x))` (binary: of `-raw` and
//!   `raw`; one-vs-all: per class) or `(x - max) - log(sum)` over the fast
//!   exp's sum (softmax);
//! - one-hot categorical features: the category string's CityHash64, low
//!   32 bits (`cityhash.rs`), compared with the feature's values, per
//!   bucket of 254 values (the bucket holds the matching value's position
//!   plus one); the split on value `k` holds when it equals `k % 254 + 1`;
//! - CTR features (`static_ctr_provider.cpp`, `ctr_provider.h`), after the
//!   float and one-hot bins: the combination's hash starts at 0 and takes,
//!   with `CalcHash(a, b) = M * (a + M * b)` (wrapping u64,
//!   `M = 0x4906ba494954cb65`), each categorical hash (a signed 32-bit value
//!   widened to 64 bits), then each float split (`bin >= k % 254 + 1`) and
//!   each one-hot split (`bin == k % 254 + 1`) as 0 or 1; the model's table
//!   of the CTR's base is probed linearly from `hash & (buckets - 1)`; the
//!   row's statistics give `(num + prior_num) / (den + prior_denom)`, plus
//!   shift, times scale, in float32 (`TModelCtr::Calc`): Borders with two
//!   classes `(pos, neg + pos)`, with more `(classes above TargetBorderIdx,
//!   all)`; Buckets `(class TargetBorderIdx, all)`; Counter and FeatureFreq
//!   `(count, CounterDenominator)`; the mean-value types `(sum, count)`; an
//!   unseen combination `(0, 0)` (Counter: `(0, CounterDenominator)`), the
//!   integer sums wrapping as int32 before the conversion to float; the
//!   value is quantized by its borders as a float feature is (`v > border`
//!   per bucket of 254);
//! - categorical columns hold strings, or integers sent as numbers (hashed
//!   as their decimal strings, as CatBoost converts them); NaN, fractional
//!   numbers, integers beyond 2^53 and missing values are refused.
//!
//! Refused, by name: text and embedding features, `RMSEWithUncertainty`,
//! multiclass `predict` (CatBoost returns an `(n, 1)` column there).

use skseal_core::boosters::catboost::{
    parse, BinFeature, CbModel, CtrFeature, CtrTable, CtrType, NanTreatment, MAX_VALUES_PER_BIN,
};
use skseal_core::ir::Node;

use crate::access::{Ctx, Obj};
use crate::data::{Column, Data, Labels, Mat, Method, Output};
use crate::error::{input, malformed, NativeError, Result};
use crate::estimator::{boxed, Estimator, Info};

mod bins;
mod cityhash;
mod ctr;
mod fastexp;
mod walk;

use bins::Groups;
use ctr::{ctr_of, Ctr};

fn unsupported(what: impl Into<String>, path: &str) -> NativeError {
    NativeError::Unsupported {
        what: what.into(),
        path: path.into(),
        hint: "load it with native=False (skseal.load), which lets CatBoost compute it".into(),
    }
}

/// An integer category sent as a number: its value when it is an integer
/// a float64 holds exactly (|x| < 2^53), else None.
fn integer_category(x: f64) -> Option<i64> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    (x.is_finite() && x.fract() == 0.0 && x.abs() < EXACT).then_some(x as i64)
}

/// One split, as the evaluator tests it.
#[derive(Debug, Clone, Copy)]
struct Split {
    /// quantized bucket
    bucket: usize,
    /// count the bucket must reach (a float border), or the value it must
    /// equal (a one-hot category: CatBoost tests `(bin ^ !at) >= 0xff`)
    at: u8,
    one_hot: bool,
}

/// A one-hot feature's quantization: the bucket values of its categories.
#[derive(Debug, Clone)]
struct OneHot {
    /// position among the categorical features (its hashes' slot)
    cat: usize,
    values: Vec<i32>,
    bucket: usize,
}

/// A float feature's quantization.
#[derive(Debug, Clone)]
struct Quant {
    column: usize,
    borders: Vec<f32>,
    /// what a NaN becomes (None: stays NaN)
    nan_as: Option<f32>,
    /// first bucket
    bucket: usize,
    /// borders strictly ascending (as CatBoost writes them): a value's
    /// count of borders below it is a binary search, not a scan
    sorted: bool,
    /// sorted and at most 255 borders: the borders in groups of 16, padded
    /// with +inf (which no value exceeds), and each group's last border
    /// (16 of them, padded too), for a count of the borders below a value
    /// in two vectorised steps
    groups: Option<Groups>,
}

/// How the raw values become `predict`'s output.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// binary classifier (Logloss, CrossEntropy)
    Binary,
    /// softmax classifier (MultiClass)
    Softmax,
    /// one sigmoid per class (MultiClassOneVsAll)
    OneVsAll,
    /// raw values (RMSE and the like; MultiRMSE when dimension > 1)
    Raw,
    /// fast exp of the raw value (Poisson, Tweedie)
    Exponent,
}

/// A CatBoost model ready to predict.
struct Booster {
    model: CbModel,
    quants: Vec<Quant>,
    one_hots: Vec<OneHot>,
    ctrs: Vec<Ctr>,
    buckets: usize,
    /// the split at every position `i` of the model's `tree_splits` (the
    /// binary feature `tree_splits[i]` names; None for an index `parse`
    /// would have refused), so a tree's walk reads one array
    flat: Vec<Option<Split>>,
}

impl Booster {
    fn read(blob: &[u8], class: &str, path: &str) -> Result<Booster> {
        let model = parse(blob).map_err(|e| malformed(path, e.to_string()))?;
        if !model.estimated_borders.is_empty()
            || model.text_features.iter().any(|f| f.used_in_model)
            || model.embedding_features.iter().any(|f| f.used_in_model)
        {
            return Err(unsupported(
                format!("a {class} with text or embedding features"),
                path,
            ));
        }
        let mut quants = Vec::new();
        let mut bucket = 0usize;
        let mut first_bucket = Vec::new();
        for f in &model.float_features {
            first_bucket.push(bucket);
            if f.borders.is_empty() {
                continue;
            }
            let nan_as = match (f.has_nans, f.nan_treatment) {
                (false, _) | (_, NanTreatment::AsIs) => None,
                (true, NanTreatment::AsFalse) => Some(f32::NEG_INFINITY),
                (true, NanTreatment::AsTrue) => Some(f32::INFINITY),
            };
            quants.push(Quant {
                column: f.flat_index,
                borders: f.borders.clone(),
                nan_as,
                bucket,
                sorted: f.borders.windows(2).all(|w| w[0] < w[1]),
                groups: Groups::of(&f.borders),
            });
            bucket += f.borders.len().div_ceil(MAX_VALUES_PER_BIN);
        }
        let mut first_one_hot = Vec::new();
        let mut one_hots = Vec::new();
        for f in &model.one_hot_features {
            first_one_hot.push(bucket);
            // the hashes are kept by position in the categorical features
            let cat = model
                .cat_features
                .iter()
                .position(|c| c.index == f.cat_index)
                .ok_or_else(|| malformed(path, "a one-hot feature without its column"))?;
            one_hots.push(OneHot {
                cat,
                values: f.values.clone(),
                bucket,
            });
            bucket += f.values.len().div_ceil(MAX_VALUES_PER_BIN);
        }
        let mut first_ctr = Vec::new();
        let mut ctrs = Vec::new();
        for f in &model.ctr_features {
            first_ctr.push(bucket);
            ctrs.push(ctr_of(
                &model,
                f,
                &first_bucket,
                &first_one_hot,
                bucket,
                path,
            )?);
            bucket += f.borders.len().div_ceil(MAX_VALUES_PER_BIN);
        }
        let bins = model.bin_features();
        let mut splits = Vec::with_capacity(bins.len());
        for b in bins {
            let (first, k, one_hot) = match b {
                BinFeature::Float { feature, border } => (
                    first_bucket.get(feature).copied().unwrap_or(0),
                    border,
                    false,
                ),
                BinFeature::OneHot { feature, value } => (
                    first_one_hot.get(feature).copied().unwrap_or(0),
                    value,
                    true,
                ),
                BinFeature::Ctr { feature, border } => {
                    (first_ctr.get(feature).copied().unwrap_or(0), border, false)
                }
                _ => {
                    return Err(malformed(
                        path,
                        "a split on a feature the model does not list",
                    ))
                }
            };
            splits.push(Split {
                bucket: first + k / MAX_VALUES_PER_BIN,
                at: (k % MAX_VALUES_PER_BIN + 1) as u8,
                one_hot,
            });
        }
        let flat = model
            .tree_splits
            .iter()
            .map(|&i| splits.get(i).copied())
            .collect();
        Ok(Booster {
            model,
            quants,
            one_hots,
            ctrs,
            buckets: bucket,
            flat,
        })
    }

    /// Input columns the model reads.
    fn width(&self) -> usize {
        let m = &self.model;
        m.float_features
            .iter()
            .map(|f| f.flat_index + 1)
            .chain(m.cat_features.iter().map(|f| f.flat_index + 1))
            .chain(m.text_features.iter().map(|f| f.flat_index + 1))
            .chain(m.embedding_features.iter().map(|f| f.flat_index + 1))
            .max()
            .unwrap_or(0)
    }

    /// The input as CatBoost takes it: numbers in the float features'
    /// columns; for a model with categorical features, a table whose
    /// categorical columns hold strings, hashed as CatBoost hashes them.
    fn prepare(&self, info: &Info, x: Data) -> Result<(Mat, Vec<Vec<i32>>)> {
        let cats = &self.model.cat_features;
        if cats.is_empty() {
            // CatBoost takes NaN (its nan_mode) and infinities
            return Ok((super::input(info, x, true)?, Vec::new()));
        }
        let Data::Table(t) = x else {
            return Err(input(format!(
                "{} has categorical features: give a table (DataFrame) whose categorical \
                 columns hold strings",
                info.class
            )));
        };
        let width = self.width();
        if t.columns.len() != width {
            return Err(input(format!(
                "X has {} columns, but {} takes {width}",
                t.columns.len(),
                info.class
            )));
        }
        let mut m = Mat::zeros(t.rows, width);
        let mut hashes = vec![vec![0i32; cats.len()]; t.rows];
        let cat_at: Vec<Option<usize>> = (0..width)
            .map(|j| cats.iter().position(|c| c.flat_index == j))
            .collect();
        for (j, col) in t.columns.iter().enumerate() {
            let name = t.names.get(j).map(String::as_str).unwrap_or("");
            match (col, cat_at.get(j).copied().flatten()) {
                (Column::F64(v), None) => {
                    for (i, &x) in v.iter().enumerate() {
                        m.data[i * width + j] = x;
                    }
                }
                (Column::Str(v), Some(c)) => {
                    for (i, s) in v.iter().enumerate() {
                        let Some(s) = s else {
                            return Err(input(format!(
                                "column {name:?} has a missing category; CatBoost takes \
                                 categories as strings"
                            )));
                        };
                        if let Some(slot) = hashes.get_mut(i).and_then(|h| h.get_mut(c)) {
                            *slot = cityhash::cat_hash(s);
                        }
                    }
                }
                (Column::Codes(v), Some(c)) => {
                    // each distinct value hashed once
                    let lut: Vec<i32> = v.values().iter().map(|s| cityhash::cat_hash(s)).collect();
                    for (i, &k) in v.codes().iter().enumerate() {
                        let Some(&h) = lut.get(k as usize) else {
                            return Err(input(format!(
                                "column {name:?} has a missing category; CatBoost takes \
                                 categories as strings"
                            )));
                        };
                        if let Some(slot) = hashes.get_mut(i).and_then(|h| h.get_mut(c)) {
                            *slot = h;
                        }
                    }
                }
                (Column::F64(v), Some(c)) => {
                    // integers, which CatBoost takes as their decimal strings
                    for (i, &x) in v.iter().enumerate() {
                        let Some(k) = integer_category(x) else {
                            return Err(input(format!(
                                "column {name:?} is a categorical feature of {} and holds \
                                 {x}; CatBoost takes categories as strings or integers \
                                 (NaN and other numbers are refused; integers beyond 2^53 \
                                 cannot be told apart once sent as numbers: give them as \
                                 strings)",
                                info.class
                            )));
                        };
                        if let Some(slot) = hashes.get_mut(i).and_then(|h| h.get_mut(c)) {
                            *slot = cityhash::cat_hash(&k.to_string());
                        }
                    }
                }
                (Column::Str(_) | Column::Codes(_), None) => {
                    return Err(input(format!(
                        "column {name:?} holds strings, but {} takes numbers there",
                        info.class
                    )))
                }
            }
        }
        Ok((m, hashes))
    }

    /// Whether the split at position `i` of `tree_splits` holds for a row's
    /// bins. `parse` checked split indices against the binary features,
    /// whose splits `read` built; `get` keeps a broken invariant a wrong
    /// answer, never a panic.
    fn holds(&self, bins: &[u8], i: usize) -> bool {
        self.flat.get(i).copied().flatten().is_some_and(|s| {
            bins.get(s.bucket)
                .is_some_and(|&b| if s.one_hot { b == s.at } else { b >= s.at })
        })
    }
}

/// `CatBoostClassifier`, `CatBoostRegressor`, `CatBoostRanker`, `CatBoost`.
pub struct CatBoost {
    info: Info,
    booster: Booster,
    kind: Kind,
    classes: Option<Labels>,
}

/// The loss function's name in the model's `params` (`loss_function.type`).
fn loss_of(model: &CbModel, path: &str) -> Result<String> {
    let params = model.info("params").unwrap_or("{}");
    let v: serde_json::Value = serde_json::from_str(params)
        .map_err(|e| malformed(path, format!("the model's params: {e}")))?;
    Ok(v.get("loss_function")
        .and_then(|l| l.get("type"))
        .and_then(|t| t.as_str())
        .unwrap_or("")
        .to_string())
}

/// The classes of a classifier (`class_params`), as `classes_` gives them.
fn classes_of(model: &CbModel, path: &str) -> Result<Labels> {
    let text = model
        .info("class_params")
        .ok_or_else(|| unsupported("a CatBoost classifier without class_params", path))?;
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| malformed(path, format!("the model's class_params: {e}")))?;
    let to_label = v.get("class_to_label").and_then(|n| n.as_array());
    // without class names (CrossEntropy targets), the labels are the
    // classes' indices, which `class_to_label` lists
    let names = v
        .get("class_names")
        .and_then(|n| n.as_array())
        .filter(|n| !n.is_empty())
        .or(to_label)
        .ok_or_else(|| malformed(path, "class_params has no class_names"))?;
    if let Some(tl) = to_label {
        let identity = tl.len() == names.len()
            && tl
                .iter()
                .enumerate()
                .all(|(i, l)| l.as_f64() == Some(i as f64));
        if !identity {
            return Err(unsupported(
                "a CatBoost classifier whose classes are not its outputs in order",
                path,
            ));
        }
    }
    let bad = || malformed(path, "class_names do not match class_label_type");
    let kind = v
        .get("class_label_type")
        .and_then(|t| t.as_str())
        .unwrap_or("");
    Ok(match kind {
        "Integer" => Labels::Int(
            names
                .iter()
                .map(|n| n.as_i64().ok_or_else(bad))
                .collect::<Result<_>>()?,
        ),
        "Float" => Labels::Float(
            names
                .iter()
                .map(|n| n.as_f64().ok_or_else(bad))
                .collect::<Result<_>>()?,
        ),
        "String" => Labels::Str(
            names
                .iter()
                .map(|n| n.as_str().map(str::to_string).ok_or_else(bad))
                .collect::<Result<_>>()?,
        ),
        other => {
            return Err(unsupported(
                format!("CatBoost class labels of type {other:?}"),
                path,
            ))
        }
    })
}

impl CatBoost {
    fn read(ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str) -> Result<CatBoost> {
        let mpath = format!("{path}.__model");
        let blob = match ctx.g.node(est.req("__model", path)?) {
            Some(Node::Bytes(b)) => b.as_slice(),
            _ => return Err(malformed(&mpath, "CatBoost's model blob must be bytes")),
        };
        let booster = Booster::read(blob, est.name(), &mpath)?;
        let m = &booster.model;
        let dim = m.approx_dimension;
        let loss = loss_of(m, &mpath)?;
        let classifier = est.name() == "CatBoostClassifier";
        let kind = if classifier {
            match (loss.as_str(), dim) {
                ("Logloss" | "CrossEntropy", 1) => Kind::Binary,
                ("MultiClass", d) if d > 1 => Kind::Softmax,
                ("MultiClassOneVsAll", d) if d > 1 => Kind::OneVsAll,
                _ => {
                    return Err(unsupported(
                        format!("a CatBoost classifier with loss {loss:?} and {dim} outputs"),
                        path,
                    ))
                }
            }
        } else if est.name() == "CatBoost" {
            // the base class (`catboost.train`): predict is the raw value,
            // one column per output
            Kind::Raw
        } else if est.name() == "CatBoostRanker" {
            // its predict is the raw value whatever the loss
            if dim != 1 {
                return Err(unsupported(
                    format!("a CatBoostRanker with {dim} outputs"),
                    path,
                ));
            }
            Kind::Raw
        } else {
            // the Python package predicts 'Exponent' for these (from its own
            // loss_function parameter, which the model's params record)
            let exp = loss.starts_with("Poisson") || loss.starts_with("Tweedie");
            match (exp, loss.as_str(), dim) {
                (_, "RMSEWithUncertainty", _) => {
                    return Err(unsupported(
                        "a CatBoostRegressor with loss RMSEWithUncertainty",
                        path,
                    ))
                }
                (true, _, 1) => Kind::Exponent,
                (false, _, 1) | (false, "MultiRMSE", _) => Kind::Raw,
                _ => {
                    return Err(unsupported(
                        format!("a CatBoostRegressor with loss {loss:?} and {dim} outputs"),
                        path,
                    ))
                }
            }
        };
        if m.info("binclass_probability_threshold").is_some() {
            return Err(unsupported(
                "a CatBoost classifier with a probability threshold \
                 (set_probability_threshold)",
                path,
            ));
        }
        if let Some(lf) = est.opt("loss_function") {
            if !matches!(ctx.g.node(lf), Some(Node::Str(_))) {
                return Err(unsupported(
                    "a CatBoost model with a custom (Python) loss function",
                    path,
                ));
            }
        }
        let classes = if classifier {
            let c = classes_of(m, &mpath)?;
            let want = if dim == 1 { 2 } else { dim };
            if c.len() != want {
                return Err(malformed(
                    path,
                    format!("{} classes for a model with {dim} outputs", c.len()),
                ));
            }
            Some(c)
        } else {
            None
        };
        let info = Info {
            class: est.class.name.clone(),
            n_features: Some(booster.width()),
            feature_names: None,
        };
        Ok(CatBoost {
            info,
            booster,
            kind,
            classes,
        })
    }

    /// `predict_log_proba` (`LogProbability`): binary `-log(1 + exp(x))`
    /// and `-log(1 + exp(-x))` with the C library's functions, one-vs-all
    /// the latter per class, softmax `(x - max) - log(sum)` with the fast
    /// exp's sum.
    fn log_proba(&self, raw: Mat) -> Mat {
        match self.kind {
            Kind::Binary => {
                let mut p = Mat::zeros(raw.rows, 2);
                for (r, &v) in raw.data.iter().enumerate() {
                    p.data[2 * r] = -(1.0 + v.exp()).ln();
                    p.data[2 * r + 1] = -(1.0 + (-v).exp()).ln();
                }
                p
            }
            Kind::OneVsAll => {
                let mut p = raw;
                p.data
                    .iter_mut()
                    .for_each(|v| *v = -(1.0 + (-*v).exp()).ln());
                p
            }
            _ => {
                let mut p = raw;
                let k = p.cols;
                for r in 0..p.rows {
                    fastexp::log_softmax(&mut p.data[r * k..(r + 1) * k]);
                }
                p
            }
        }
    }

    fn proba(&self, raw: Mat) -> Mat {
        match self.kind {
            Kind::Binary => {
                let mut p = Mat::zeros(raw.rows, 2);
                for (r, &v) in raw.data.iter().enumerate() {
                    let s = 1.0 / (1.0 + (-v).exp());
                    p.data[2 * r] = 1.0 - s;
                    p.data[2 * r + 1] = s;
                }
                p
            }
            Kind::OneVsAll => {
                let mut p = raw;
                p.data
                    .iter_mut()
                    .for_each(|v| *v = 1.0 / (1.0 + (-*v).exp()));
                p
            }
            _ => {
                let mut p = raw;
                let k = p.cols;
                for r in 0..p.rows {
                    fastexp::softmax(&mut p.data[r * k..(r + 1) * k]);
                }
                p
            }
        }
    }
}

impl Estimator for CatBoost {
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        self.classes.as_ref()
    }
    fn supports(&self, m: Method) -> bool {
        if m == Method::PredictRaw {
            return true;
        }
        match self.kind {
            Kind::Binary => matches!(
                m,
                Method::Predict | Method::PredictProba | Method::PredictLogProba
            ),
            Kind::Softmax | Kind::OneVsAll => {
                matches!(m, Method::PredictProba | Method::PredictLogProba)
            }
            Kind::Raw | Kind::Exponent => m == Method::Predict,
        }
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        let (x, hashes) = self.booster.prepare(&self.info, x)?;
        let raw = self.booster.raw(&x, &hashes);
        Ok(match (self.kind, m, &self.classes) {
            // `predict(prediction_type="RawFormulaVal")`: the sums after
            // scale and bias, one column per output dimension
            (_, Method::PredictRaw, _) if raw.cols == 1 => Output::Vector(raw.data),
            (_, Method::PredictRaw, _) => Output::Matrix(raw),
            (Kind::Binary, Method::Predict, Some(c)) => {
                let idx: Vec<usize> = raw.data.iter().map(|&v| usize::from(v > 0.0)).collect();
                Output::Labels(c.take(&idx))
            }
            (Kind::Binary | Kind::Softmax | Kind::OneVsAll, Method::PredictLogProba, _) => {
                Output::Matrix(self.log_proba(raw))
            }
            (Kind::Binary | Kind::Softmax | Kind::OneVsAll, _, _) => {
                Output::Matrix(self.proba(raw))
            }
            (Kind::Exponent, _, _) => {
                let mut v = raw.data;
                fastexp::exp_inplace(&mut v);
                Output::Vector(v)
            }
            (Kind::Raw, _, _) if raw.cols == 1 => Output::Vector(raw.data),
            (Kind::Raw, _, _) => Output::Matrix(raw),
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
            "catboost.core",
            "CatBoostClassifier" | "CatBoostRegressor" | "CatBoostRanker" | "CatBoost",
        ) => Some(boxed(CatBoost::read(ctx, est, path))),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
