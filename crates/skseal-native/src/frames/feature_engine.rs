//! feature_engine's transformers (`trusted=["feature_engine"]`), as their
//! `transform` in feature_engine 1.9 computes on a DataFrame:
//!
//! - MeanMedianImputer, ArbitraryNumberImputer, EndTailImputer
//!   (`BaseImputer.transform`): `X.fillna(value=imputer_dict_)`, NaN of
//!   each listed column replaced by its number, every column kept in place.
//! - DropConstantFeatures, DropDuplicateFeatures, DropCorrelatedFeatures
//!   (`BaseSelector.transform`): `X.drop(columns=features_to_drop_)`.
//! - Winsorizer: `missing_values="raise"` refuses NaN and infinities in
//!   `variables_`; `clip(upper=right_tail_caps_[v])` then
//!   `clip(lower=left_tail_caps_[v])` (pandas: `x <= upper` kept, else the
//!   cap; NaN kept); `add_indicators`: `capped > x` (`_left`) and
//!   `capped < x` (`_right`) as 0.0 / 1.0, appended (per variable left then
//!   right for `tail="both"`).
//! - OneHotEncoder: NaN in `variables_` refused; per variable and category
//!   of `encoder_dict_` a column `f"{v}_{c}"` of `X[v] == c` as 0 / 1,
//!   appended; then the variables dropped (unseen categories: all zeros).
//! - OrdinalEncoder, CountFrequencyEncoder, MeanEncoder
//!   (`CategoricalMethodsMixin.transform`): `missing_values="raise"`
//!   refuses NaN in `variables_`; `X[v].map(encoder_dict_[v])`, NaN for a
//!   missing or unseen category, then `unseen="encode"` fills every NaN of
//!   the variables with `_unseen`, `"raise"` refuses them.
//!
//! Categories must be strings (numeric variables encoded with
//! `ignore_format=True` are refused).

use crate::access::Obj;
use crate::data::{Column, Data, Method, Output, Table};
use crate::error::{input, malformed, Result};
use crate::estimator::{
    data_output, transformer_estimator, unsupported, Estimator, Info, Transformer,
};

use super::{
    col, dict, frame_in, has_missing, numbers, numbers_by_name, per_string, string_map, strings,
};

#[derive(Clone, Copy, PartialEq)]
enum Unseen {
    Ignore,
    Raise,
    Encode(f64),
}

enum Step {
    Fill(Vec<(String, f64)>),
    Drop(Vec<String>),
    Cap {
        variables: Vec<String>,
        right: Vec<(String, f64)>,
        left: Vec<(String, f64)>,
        raise: bool,
        /// add_indicators: (left, right)
        indicators: Option<(bool, bool)>,
    },
    OneHot(Vec<(String, Vec<String>)>),
    Map {
        variables: Vec<String>,
        maps: Vec<(String, std::collections::HashMap<String, f64>)>,
        raise_missing: bool,
        unseen: Unseen,
    },
}

struct Fe {
    info: Info,
    step: Step,
}

pub(super) fn transformer(est: &Obj<'_, '_>, path: &str) -> Option<Result<Box<dyn Transformer>>> {
    let m = est.class.module.as_str();
    if !m.starts_with("feature_engine.") {
        return None;
    }
    let step = match (m, est.name()) {
        ("feature_engine.imputation.mean_median", "MeanMedianImputer")
        | ("feature_engine.imputation.arbitrary_number", "ArbitraryNumberImputer")
        | ("feature_engine.imputation.end_tail", "EndTailImputer") => fill(est, path),
        ("feature_engine.selection.drop_constant_features", "DropConstantFeatures")
        | ("feature_engine.selection.drop_duplicate_features", "DropDuplicateFeatures")
        | ("feature_engine.selection.drop_correlated_features", "DropCorrelatedFeatures") => {
            drop(est, path)
        }
        ("feature_engine.outliers.winsorizer", "Winsorizer") => cap(est, path),
        ("feature_engine.encoding.one_hot", "OneHotEncoder") => one_hot(est, path),
        ("feature_engine.encoding.ordinal", "OrdinalEncoder")
        | ("feature_engine.encoding.count_frequency", "CountFrequencyEncoder")
        | ("feature_engine.encoding.mean_encoding", "MeanEncoder") => map(est, path),
        _ => return None,
    };
    Some(step.and_then(|step| {
        Ok(Box::new(Fe {
            info: Info::read(est, path)?,
            step,
        }) as Box<dyn Transformer>)
    }))
}

fn drop(est: &Obj<'_, '_>, path: &str) -> Result<Step> {
    let p = format!("{path}.features_to_drop_");
    strings(est.ctx, est.req("features_to_drop_", path)?, &p).map(Step::Drop)
}

fn fill(est: &Obj<'_, '_>, path: &str) -> Result<Step> {
    let p = format!("{path}.imputer_dict_");
    numbers_by_name(est.ctx, est.req("imputer_dict_", path)?, &p).map(Step::Fill)
}

fn cap(est: &Obj<'_, '_>, path: &str) -> Result<Step> {
    let ctx = est.ctx;
    let caps = |k: &str| numbers_by_name(ctx, est.req(k, path)?, &format!("{path}.{k}"));
    let variables = strings(
        ctx,
        est.req("variables_", path)?,
        &format!("{path}.variables_"),
    )?;
    let raise = match est.opt_str("missing_values", path)? {
        Some("raise") => true,
        Some("ignore") => false,
        other => return Err(malformed(path, format!("missing_values {other:?}"))),
    };
    let indicators = if est.opt("add_indicators").is_some() && est.bool("add_indicators", path)? {
        Some(match est.str("tail", path)? {
            "left" => (true, false),
            "right" => (false, true),
            "both" => (true, true),
            t => return Err(malformed(path, format!("tail {t:?}"))),
        })
    } else {
        None
    };
    Ok(Step::Cap {
        variables,
        right: caps("right_tail_caps_")?,
        left: caps("left_tail_caps_")?,
        raise,
        indicators,
    })
}

fn not_strings(path: &str) -> impl Fn(&str) -> crate::error::NativeError + '_ {
    move |kind: &str| {
        unsupported(
            format!("feature_engine encoder categories that are not strings (a {kind})"),
            path,
            "Native inference encodes string columns; numeric variables encoded with \
             ignore_format=True are not implemented.",
        )
    }
}

fn one_hot(est: &Obj<'_, '_>, path: &str) -> Result<Step> {
    let ctx = est.ctx;
    let p = format!("{path}.encoder_dict_");
    let refuse = not_strings(path);
    let mut out = Vec::new();
    for &(k, v) in dict(ctx, est.req("encoder_dict_", path)?, &p)? {
        let var = ctx.str(k, &p)?.to_string();
        let cats = ctx
            .seq(v, &p)?
            .iter()
            .map(|&c| match ctx.node(c, &p)? {
                skseal_core::ir::Node::Str(s) => Ok(s.clone()),
                n => Err(refuse(n.kind_name())),
            })
            .collect::<Result<Vec<_>>>()?;
        out.push((var, cats));
    }
    let variables = strings(
        ctx,
        est.req("variables_", path)?,
        &format!("{path}.variables_"),
    )?;
    if variables.len() != out.len() || variables.iter().zip(&out).any(|(a, (b, _))| a != b) {
        return Err(malformed(&p, "encoder_dict_ does not follow variables_"));
    }
    Ok(Step::OneHot(out))
}

fn map(est: &Obj<'_, '_>, path: &str) -> Result<Step> {
    let ctx = est.ctx;
    let p = format!("{path}.encoder_dict_");
    let refuse = not_strings(path);
    let mut maps = Vec::new();
    for &(k, v) in dict(ctx, est.req("encoder_dict_", path)?, &p)? {
        let var = ctx.str(k, &p)?.to_string();
        maps.push((var, string_map(ctx, v, &p, &refuse)?));
    }
    let variables = strings(
        ctx,
        est.req("variables_", path)?,
        &format!("{path}.variables_"),
    )?;
    let raise_missing = match est.opt_str("missing_values", path)? {
        Some("raise") => true,
        Some("ignore") => false,
        other => return Err(malformed(path, format!("missing_values {other:?}"))),
    };
    let unseen = match est.str("unseen", path)? {
        "ignore" => Unseen::Ignore,
        "raise" => Unseen::Raise,
        "encode" => Unseen::Encode(est.f64("_unseen", path)?),
        u => return Err(malformed(path, format!("unseen {u:?}"))),
    };
    Ok(Step::Map {
        variables,
        maps,
        raise_missing,
        unseen,
    })
}

/// Refuse NaN (and infinities) in `variables`, as feature_engine's checks.
fn no_missing(t: &Table, variables: &[String], inf: bool, who: &str) -> Result<()> {
    for v in variables {
        let j = col(t, v, who)?;
        if has_missing(t, j) {
            return Err(input(format!(
                "{who}: some of the variables in the dataset contain NaN ({v:?}); check and \
                 remove those before using this transformer"
            )));
        }
        if inf {
            if let Column::F64(x) = &t.columns[j] {
                if x.iter().any(|x| x.is_infinite()) {
                    return Err(input(format!(
                        "{who}: some of the variables to transform contain inf values ({v:?})"
                    )));
                }
            }
        }
    }
    Ok(())
}

impl Transformer for Fe {
    fn transform_data(&self, x: Data) -> Result<Data> {
        let who = self.info.class.as_str();
        let mut t = frame_in(&self.info, x)?;
        match &self.step {
            Step::Fill(fill) => {
                for (v, f) in fill {
                    let j = col(&t, v, who)?;
                    let filled: Vec<f64> = numbers(&t, j, who)?
                        .iter()
                        .map(|&x| if x.is_nan() { *f } else { x })
                        .collect();
                    t.columns[j] = Column::F64(filled);
                }
                Ok(Data::Table(t))
            }
            Step::Drop(drop) => {
                for v in drop {
                    col(&t, v, who)?;
                }
                keep(t, |n| !drop.contains(n))
            }
            Step::Cap {
                variables,
                right,
                left,
                raise,
                indicators,
            } => {
                if *raise {
                    no_missing(&t, variables, true, who)?;
                }
                let orig: Vec<Vec<f64>> = match indicators {
                    Some(_) => variables
                        .iter()
                        .map(|v| Ok(numbers(&t, col(&t, v, who)?, who)?.to_vec()))
                        .collect::<Result<_>>()?,
                    None => Vec::new(),
                };
                for (v, u) in right {
                    let j = col(&t, v, who)?;
                    let c: Vec<f64> = numbers(&t, j, who)?
                        .iter()
                        .map(|&x| if x > *u { *u } else { x })
                        .collect();
                    t.columns[j] = Column::F64(c);
                }
                for (v, l) in left {
                    let j = col(&t, v, who)?;
                    let c: Vec<f64> = numbers(&t, j, who)?
                        .iter()
                        .map(|&x| if x < *l { *l } else { x })
                        .collect();
                    t.columns[j] = Column::F64(c);
                }
                if let Some((lt, rt)) = indicators {
                    let mut names = t.names.clone();
                    let mut cols = t.columns.clone();
                    for (v, o) in variables.iter().zip(&orig) {
                        let capped = numbers(&t, col(&t, v, who)?, who)?;
                        let flag = |f: fn(f64, f64) -> bool| {
                            Column::F64(
                                capped
                                    .iter()
                                    .zip(o)
                                    .map(|(&c, &x)| if f(c, x) { 1.0 } else { 0.0 })
                                    .collect(),
                            )
                        };
                        if *lt {
                            names.push(format!("{v}_left"));
                            cols.push(flag(|c, x| c > x));
                        }
                        if *rt {
                            names.push(format!("{v}_right"));
                            cols.push(flag(|c, x| c < x));
                        }
                    }
                    t = Table::new(names, cols)?;
                }
                Ok(Data::Table(t))
            }
            Step::OneHot(vars) => {
                let names: Vec<String> = vars.iter().map(|(v, _)| v.clone()).collect();
                no_missing(&t, &names, false, who)?;
                let mut dummies = Vec::new();
                for (v, cats) in vars {
                    let j = col(&t, v, who)?;
                    for c in cats {
                        let d = per_string(&t, j, who, |s| {
                            Ok(if s == Some(c.as_str()) { 1.0 } else { 0.0 })
                        })?;
                        dummies.push((format!("{v}_{c}"), Column::F64(d)));
                    }
                }
                let Data::Table(mut kept) = keep(t, |n| !names.contains(n))? else {
                    return Err(malformed(who, "not a table"));
                };
                for (n, c) in dummies {
                    kept.names.push(n);
                    kept.columns.push(c);
                }
                Ok(Data::Table(Table::new(kept.names, kept.columns)?))
            }
            Step::Map {
                variables,
                maps,
                raise_missing,
                unseen,
            } => {
                if *raise_missing {
                    no_missing(&t, variables, false, who)?;
                }
                for (v, m) in maps {
                    let j = col(&t, v, who)?;
                    let c = per_string(&t, j, who, |s| {
                        Ok(s.and_then(|s| m.get(s)).copied().unwrap_or(f64::NAN))
                    })?;
                    t.columns[j] = Column::F64(c);
                }
                for v in variables {
                    let j = col(&t, v, who)?;
                    let Column::F64(c) = &mut t.columns[j] else {
                        return Err(malformed(
                            who,
                            format!("variable {v:?} is not in encoder_dict_"),
                        ));
                    };
                    match unseen {
                        Unseen::Encode(u) => c.iter_mut().filter(|x| x.is_nan()).for_each(|x| *x = *u),
                        Unseen::Raise if c.iter().any(|x| x.is_nan()) => {
                            return Err(input(format!(
                                "During the encoding, NaN values were introduced in the feature(s) {v}."
                            )))
                        }
                        _ => {}
                    }
                }
                Ok(Data::Table(t))
            }
        }
    }
    fn fortran_out(&self) -> bool {
        true
    }
}

/// The columns whose names `f` keeps, in order.
fn keep(t: Table, f: impl Fn(&String) -> bool) -> Result<Data> {
    let (names, cols): (Vec<String>, Vec<Column>) = t
        .names
        .into_iter()
        .zip(t.columns)
        .filter(|(n, _)| f(n))
        .unzip();
    Ok(Data::Table(Table::new(names, cols)?))
}

transformer_estimator!(Fe);
