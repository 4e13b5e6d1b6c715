//! category_encoders' encoders (`trusted=["category_encoders"]`), as their
//! `transform` in category_encoders 2.11 computes on a DataFrame. Their
//! fitted mappings are pandas values, read through
//! [`crate::access::Ctx::pd_series`] / [`crate::access::Ctx::pd_frame`].
//!
//! Every encoder (`BaseEncoder.transform`): a matrix is named by
//! `feature_names_in_` (`_transform_input_columns`); a table keeps its
//! columns and their order (`_check_transform_inputs`: the `cols` must be
//! there, no fewer columns than fitted; `handle_missing="error"` refuses a
//! missing value in `cols`); the encoded columns replace their inputs in
//! place; `drop_invariant` drops `invariant_cols` at the end.
//!
//! - OrdinalEncoder (`ordinal_encoding` with its `mapping`, a list of
//!   `{"col", "mapping": Series category -> code}`): per column, NaN and None
//!   looked up as the Series' NaN label, a string as itself;
//!   `_apply_unknown_policy`: a value the index does not hold becomes -1
//!   (`"value"`), NaN (`"return_nan"`), the given number, or an error
//!   (`"error"`); `_apply_missing_policy`: the code -2 becomes NaN
//!   (`"return_nan"`) or the given number.
//! - TargetEncoder: the inner `ordinal_encoder` (always
//!   `handle_unknown="value"`, `handle_missing="value"`), `handle_unknown=
//!   "error"` refuses a -1 code, then `X[col].map(mapping[col])`: the
//!   smoothed value stored at fit for that code (-1 and -2 hold the unknown
//!   and missing values), NaN for a code the Series does not hold.
//! - BinaryEncoder, BaseNEncoder (`basen_encode`): the inner
//!   `ordinal_encoder`, `handle_unknown="error"` refuses a -1 code, then per
//!   `mapping` entry the row of its DataFrame (index: code, columns: digit
//!   names) for the code (`reindex`: NaN where the index lacks it), the digit
//!   columns put where `col` was.
//!
//! Categories must be strings (a column of numbers encoded by category is
//! refused at load); encoders fitted on a matrix (integer column names),
//! with `min_group_size` lumping or `composite_cols` are refused at load.

use std::collections::HashMap;

use skseal_core::ir::{Node, NodeId};

use crate::access::{Ctx, Obj, PdValues};
use crate::data::{Column, Data, Method, Output, Table};
use crate::error::{input, malformed, Result};
use crate::estimator::{
    data_output, transformer_estimator, unsupported, Estimator, Info, Transformer,
};

use super::{col, dict, has_missing, per_string, strings};

/// `util.UNKNOWN_SENTINEL`, `util.MISSING_SENTINEL`.
const UNKNOWN: f64 = -1.0;
const MISSING: f64 = -2.0;

/// A `handle_unknown` / `handle_missing` setting.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Handle {
    Value,
    ReturnNan,
    Error,
    Indicator,
    Number(f64),
}

impl Handle {
    fn read(est: &Obj<'_, '_>, key: &str, path: &str) -> Result<Handle> {
        let p = format!("{path}.{key}");
        let v = est.req(key, path)?;
        match est.ctx.node(v, &p)? {
            Node::Str(s) => match s.as_str() {
                "value" => Ok(Handle::Value),
                "return_nan" => Ok(Handle::ReturnNan),
                "error" => Ok(Handle::Error),
                "indicator" => Ok(Handle::Indicator),
                other => Err(malformed(&p, format!("unknown setting {other:?}"))),
            },
            Node::Int(_) | Node::Float(_) | Node::Scalar { .. } => {
                Ok(Handle::Number(est.ctx.f64(v, &p)?))
            }
            n => Err(unsupported(
                format!("{key} of type {}", n.kind_name()),
                path,
                "only the string settings and numbers are read natively",
            )),
        }
    }
}

/// One column's fitted category -> code lookup (an OrdinalEncoder mapping).
struct Codes {
    col: String,
    by_str: HashMap<String, f64>,
    /// The code of the Series' NaN label, when it has one.
    missing: Option<f64>,
}

impl Codes {
    fn read(ctx: &Ctx<'_>, id: NodeId, path: &str) -> Result<Codes> {
        let item = dict(ctx, id, path)?;
        let get = |k: &str| {
            item.iter()
                .find(|(key, _)| matches!(ctx.g.node(*key), Some(Node::Str(s)) if s == k))
                .map(|&(_, v)| v)
                .ok_or_else(|| malformed(path, format!("no {k:?} entry")))
        };
        let col = ctx.str(get("col")?, &format!("{path}['col']"))?.to_string();
        let mp = format!("{path}['mapping']");
        let s = ctx.pd_series(get("mapping")?, &mp)?;
        let codes = s.values.numbers(&format!("{mp}.values"))?;
        let PdValues::Objects(labels) = &s.index else {
            return Err(unsupported(
                format!("category_encoders mapping of column {col:?} with non-string categories"),
                &mp,
                "categories that are numbers are not encoded natively (their lookup follows \
                 pandas' numeric index rules)",
            ));
        };
        let mut by_str = HashMap::with_capacity(labels.len());
        let mut missing = None;
        for (&l, &c) in labels.iter().zip(&codes) {
            match ctx.node(l, &format!("{mp}.index"))? {
                Node::Str(s) => {
                    // Series.map takes the first of repeated labels
                    by_str.entry(s.clone()).or_insert(c);
                }
                Node::None => {
                    missing.get_or_insert(c);
                }
                Node::Float(f) if f.is_nan() => {
                    missing.get_or_insert(c);
                }
                n => {
                    return Err(unsupported(
                        format!(
                            "category_encoders mapping of column {col:?} with a {} category",
                            n.kind_name()
                        ),
                        &mp,
                        "only string categories (and NaN) are encoded natively",
                    ))
                }
            }
        }
        Ok(Codes {
            col,
            by_str,
            missing,
        })
    }
}

/// The inner or standalone OrdinalEncoder.
struct Ordinal {
    cols: Vec<Codes>,
    unknown: Handle,
    missing: Handle,
}

impl Ordinal {
    fn read(est: &Obj<'_, '_>, path: &str) -> Result<Ordinal> {
        let mp = format!("{path}.mapping");
        let cols = est
            .ctx
            .seq(est.req("mapping", path)?, &mp)?
            .iter()
            .enumerate()
            .map(|(k, &m)| Codes::read(est.ctx, m, &format!("{mp}[{k}]")))
            .collect::<Result<_>>()?;
        let unknown = Handle::read(est, "handle_unknown", path)?;
        let missing = Handle::read(est, "handle_missing", path)?;
        if unknown == Handle::Indicator || missing == Handle::Indicator {
            return Err(malformed(
                path,
                "OrdinalEncoder has no \"indicator\" setting",
            ));
        }
        Ok(Ordinal {
            cols,
            unknown,
            missing,
        })
    }

    /// `ordinal_encoding` of `t`'s columns, in place.
    fn encode(&self, t: &mut Table, who: &str) -> Result<()> {
        for c in &self.cols {
            let j = col(t, &c.col, who)?;
            let mut unseen = false;
            let codes = per_string(t, j, who, |s| {
                let found = match s {
                    Some(s) => c.by_str.get(s).copied(),
                    None => c.missing,
                };
                Ok(match found {
                    Some(code) => code,
                    None => {
                        unseen = true;
                        match self.unknown {
                            Handle::Value => UNKNOWN,
                            Handle::Number(x) => x,
                            _ => f64::NAN,
                        }
                    }
                })
            })?;
            if unseen && self.unknown == Handle::Error {
                return Err(input(format!(
                    "Unexpected categories found in column {}",
                    c.col
                )));
            }
            let codes = match self.missing {
                Handle::ReturnNan => codes
                    .into_iter()
                    .map(|x| if x == MISSING { f64::NAN } else { x })
                    .collect(),
                Handle::Number(v) => codes
                    .into_iter()
                    .map(|x| if x == MISSING { v } else { x })
                    .collect(),
                _ => codes,
            };
            t.columns[j] = Column::F64(codes);
        }
        Ok(())
    }
}

/// One column's digit names and code -> digits (a BaseNEncoder mapping).
type DigitMap = (String, Vec<String>, HashMap<i64, Vec<f64>>);

/// What follows the ordinal codes.
enum Then {
    /// The standalone OrdinalEncoder: the codes are the output.
    Codes,
    /// TargetEncoder: per column, code -> value.
    Values(Vec<(String, HashMap<i64, f64>)>),
    /// BaseNEncoder / BinaryEncoder: per column, the digit names and code ->
    /// digits.
    Digits(Vec<DigitMap>),
}

struct Ce {
    info: Info,
    /// `cols`: the encoded columns.
    cols: Vec<String>,
    ordinal: Ordinal,
    then: Then,
    unknown: Handle,
    missing: Handle,
    /// `invariant_cols` when `drop_invariant`.
    drop: Vec<String>,
}

pub(super) fn transformer(est: &Obj<'_, '_>, path: &str) -> Option<Result<Box<dyn Transformer>>> {
    let m = est.class.module.as_str();
    if !m.starts_with("category_encoders.") {
        return None;
    }
    let kind = match (m, est.name()) {
        ("category_encoders.ordinal", "OrdinalEncoder") => 0,
        ("category_encoders.target_encoder", "TargetEncoder") => 1,
        ("category_encoders.binary", "BinaryEncoder")
        | ("category_encoders.basen", "BaseNEncoder") => 2,
        (_, name) => {
            return Some(Err(unsupported(
                format!("category_encoders' {name}"),
                path,
                "native inference implements category_encoders' OrdinalEncoder, \
                 TargetEncoder, BinaryEncoder and BaseNEncoder; load this model with \
                 skseal.load (native=False) to use the others.",
            )))
        }
    };
    Some(read(est, path, kind).map(|c| Box::new(c) as Box<dyn Transformer>))
}

fn is_empty_dict(ctx: &Ctx<'_>, id: Option<NodeId>, path: &str) -> Result<bool> {
    match id {
        None => Ok(true),
        Some(v) if ctx.is_none(v) => Ok(true),
        Some(v) => Ok(dict(ctx, v, path)?.is_empty()),
    }
}

fn read(est: &Obj<'_, '_>, path: &str, kind: u8) -> Result<Ce> {
    let ctx = est.ctx;
    let name = est.name();
    let info = Info::read(est, path).map_err(|_| {
        unsupported(
            format!("category_encoders' {name} fitted on a matrix"),
            path,
            "its feature_names_in_ are integers (columns named by position); native \
             inference reads encoders fitted on a DataFrame with string column names",
        )
    })?;
    if info.feature_names.is_none() {
        return Err(malformed(
            path,
            format!("{name} has no feature_names_in_ (is it fitted?)"),
        ));
    }
    if !is_empty_dict(
        ctx,
        est.get("min_group_lumping_"),
        &format!("{path}.min_group_lumping_"),
    )? {
        return Err(unsupported(
            format!("category_encoders' {name} with min_group_size"),
            path,
            "the lumping of small groups is not implemented natively",
        ));
    }
    if !is_empty_dict(
        ctx,
        est.get("composite_members_"),
        &format!("{path}.composite_members_"),
    )? {
        return Err(unsupported(
            format!("category_encoders' {name} with composite_cols"),
            path,
            "composite columns are not implemented natively",
        ));
    }
    let cols = strings(ctx, est.req("cols", path)?, &format!("{path}.cols"))?;
    let drop = if est.opt("drop_invariant").is_some() && est.bool("drop_invariant", path)? {
        strings(
            ctx,
            est.req("invariant_cols", path)?,
            &format!("{path}.invariant_cols"),
        )?
    } else {
        Vec::new()
    };
    let unknown = Handle::read(est, "handle_unknown", path)?;
    let missing = Handle::read(est, "handle_missing", path)?;
    let (ordinal, then) = match kind {
        0 => (Ordinal::read(est, path)?, Then::Codes),
        _ => {
            let inner_path = format!("{path}.ordinal_encoder");
            let inner = est.obj("ordinal_encoder", path)?;
            if !inner.is("category_encoders.ordinal", "OrdinalEncoder") {
                return Err(malformed(
                    &inner_path,
                    format!("expected an OrdinalEncoder, found {}", inner.class),
                ));
            }
            let ordinal = Ordinal::read(&inner, &inner_path)?;
            let then = if kind == 1 {
                Then::Values(target_mapping(est, path)?)
            } else {
                Then::Digits(digit_mapping(est, path)?)
            };
            (ordinal, then)
        }
    };
    Ok(Ce {
        info,
        cols,
        ordinal,
        then,
        unknown,
        missing,
        drop,
    })
}

/// code -> number lookups keyed by whole-number codes.
fn code_keys(index: &PdValues, path: &str) -> Result<Vec<Option<i64>>> {
    match index {
        PdValues::Ints(v) => Ok(v.iter().map(|&x| Some(x)).collect()),
        PdValues::Floats(v) => Ok(v
            .iter()
            .map(|&x| (x.fract() == 0.0 && x.abs() < 9.0e15).then_some(x as i64))
            .collect()),
        PdValues::Objects(_) => Err(malformed(path, "expected ordinal codes, found objects")),
    }
}

/// TargetEncoder's `mapping`: a dict col -> Series code -> value.
fn target_mapping(est: &Obj<'_, '_>, path: &str) -> Result<Vec<(String, HashMap<i64, f64>)>> {
    let ctx = est.ctx;
    let mp = format!("{path}.mapping");
    dict(ctx, est.req("mapping", path)?, &mp)?
        .iter()
        .map(|&(k, v)| {
            let col = ctx.str(k, &mp)?.to_string();
            let sp = format!("{mp}[{col:?}]");
            let s = ctx.pd_series(v, &sp)?;
            let values = s.values.numbers(&format!("{sp}.values"))?;
            let mut m = HashMap::with_capacity(values.len());
            for (key, x) in code_keys(&s.index, &format!("{sp}.index"))?
                .into_iter()
                .zip(values)
            {
                if let Some(key) = key {
                    m.entry(key).or_insert(x);
                }
            }
            Ok((col, m))
        })
        .collect()
}

/// BaseNEncoder's `mapping`: a list of `{"col", "mapping": DataFrame}`.
fn digit_mapping(est: &Obj<'_, '_>, path: &str) -> Result<Vec<DigitMap>> {
    let ctx = est.ctx;
    let mp = format!("{path}.mapping");
    ctx.seq(est.req("mapping", path)?, &mp)?
        .iter()
        .enumerate()
        .map(|(k, &item)| {
            let ip = format!("{mp}[{k}]");
            let kv = dict(ctx, item, &ip)?;
            let get = |key: &str| {
                kv.iter()
                    .find(|(n, _)| matches!(ctx.g.node(*n), Some(Node::Str(s)) if s == key))
                    .map(|&(_, v)| v)
                    .ok_or_else(|| malformed(&ip, format!("no {key:?} entry")))
            };
            let col = ctx.str(get("col")?, &format!("{ip}['col']"))?.to_string();
            let fp = format!("{ip}['mapping']");
            let f = ctx.pd_frame(get("mapping")?, &fp)?;
            let PdValues::Objects(names) = &f.columns else {
                return Err(malformed(&format!("{fp}.columns"), "expected column names"));
            };
            let names = names
                .iter()
                .map(|&n| ctx.str(n, &format!("{fp}.columns")).map(str::to_string))
                .collect::<Result<Vec<_>>>()?;
            let cols = f
                .data
                .iter()
                .enumerate()
                .map(|(j, c)| c.numbers(&format!("{fp}[{j}]")))
                .collect::<Result<Vec<_>>>()?;
            let mut m = HashMap::new();
            for (i, key) in code_keys(&f.index, &format!("{fp}.index"))?
                .into_iter()
                .enumerate()
            {
                if let Some(key) = key {
                    let row = cols.iter().map(|c| c.get(i).copied().unwrap_or(f64::NAN));
                    m.entry(key).or_insert_with(|| row.collect());
                }
            }
            Ok((col, names, m))
        })
        .collect()
}

/// The code `x` as a lookup key (NaN and fractions find nothing).
fn key(x: f64) -> Option<i64> {
    (x.fract() == 0.0 && x.abs() < 9.0e15).then_some(x as i64)
}

impl Ce {
    fn frame(&self, x: Data) -> Result<Table> {
        let who = self.info.class.as_str();
        let t = match x {
            Data::Table(t) => t,
            // not a CSR-taking step (see `frames::frame_in`)
            Data::Csr(_) => return Err(input("a sparse matrix where a table was expected")),
            Data::Dense(m) => {
                let names = self.info.feature_names.clone().unwrap_or_default();
                if m.cols != names.len() {
                    return Err(input(format!(
                        "Unexpected input dimension {}, expected {}",
                        m.cols,
                        names.len()
                    )));
                }
                let cols = (0..m.cols)
                    .map(|j| Column::F64((0..m.rows).map(|i| m.get(i, j)).collect()))
                    .collect();
                Table::new(names, cols)?
            }
        };
        let missing: Vec<&String> = self
            .cols
            .iter()
            .filter(|c| t.position(c).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(input(format!(
                "{who}: X does not contain the columns listed in cols: {missing:?}"
            )));
        }
        if self.missing == Handle::Error {
            for c in &self.cols {
                if has_missing(&t, col(&t, c, who)?) {
                    return Err(input(format!(
                        "{who}: Columns to be encoded cannot contain null"
                    )));
                }
            }
        }
        if let Some(n) = self.info.n_features {
            if t.columns.len() < n {
                return Err(input(format!(
                    "{who}: Unexpected input dimension {}, expected {n}",
                    t.columns.len()
                )));
            }
        }
        Ok(t)
    }

    fn encode(&self, x: Data) -> Result<Table> {
        let who = self.info.class.as_str();
        let mut t = self.frame(x)?;
        self.ordinal.encode(&mut t, who)?;
        if !matches!(self.then, Then::Codes) && self.unknown == Handle::Error {
            for c in &self.cols {
                let j = col(&t, c, who)?;
                if let Column::F64(v) = &t.columns[j] {
                    if v.contains(&UNKNOWN) {
                        return Err(input(format!(
                            "{who}: Unexpected categories found in dataframe"
                        )));
                    }
                }
            }
        }
        match &self.then {
            Then::Codes => {}
            Then::Values(maps) => {
                for c in &self.cols {
                    let j = col(&t, c, who)?;
                    let m = maps
                        .iter()
                        .find(|(n, _)| n == c)
                        .map(|(_, m)| m)
                        .ok_or_else(|| malformed(who, format!("no mapping for column {c:?}")))?;
                    let codes = super::numbers(&t, j, who)?;
                    let v = codes
                        .iter()
                        .map(|&x| key(x).and_then(|k| m.get(&k)).copied().unwrap_or(f64::NAN))
                        .collect();
                    t.columns[j] = Column::F64(v);
                }
            }
            Then::Digits(maps) => {
                for (c, names, m) in maps {
                    let j = col(&t, c, who)?;
                    let codes = super::numbers(&t, j, who)?;
                    let mut digits = vec![Vec::with_capacity(codes.len()); names.len()];
                    for &x in codes {
                        let row = key(x).and_then(|k| m.get(&k));
                        for (d, out) in digits.iter_mut().enumerate() {
                            out.push(row.and_then(|r| r.get(d)).copied().unwrap_or(f64::NAN));
                        }
                    }
                    let mut new_names = t.names[..j].to_vec();
                    new_names.extend(names.iter().cloned());
                    new_names.extend(t.names[j + 1..].iter().cloned());
                    let mut new_cols = t.columns[..j].to_vec();
                    new_cols.extend(digits.into_iter().map(Column::F64));
                    new_cols.extend(t.columns[j + 1..].iter().cloned());
                    t = Table::new(new_names, new_cols)?;
                }
            }
        }
        if !self.drop.is_empty() {
            let (names, cols) = t
                .names
                .into_iter()
                .zip(t.columns)
                .filter(|(n, _)| !self.drop.contains(n))
                .unzip();
            t = Table::new(names, cols)?;
        }
        Ok(t)
    }
}

transformer_estimator!(Ce);

impl Transformer for Ce {
    fn transform_data(&self, x: Data) -> Result<Data> {
        self.encode(x).map(Data::Table)
    }
    fn fortran_out(&self) -> bool {
        true
    }
}
