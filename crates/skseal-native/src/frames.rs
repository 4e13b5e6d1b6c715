//! pandas DataFrame transformers of third-party libraries, loaded with
//! their profiles: `feature_engine.rs` (feature_engine) and
//! `category_encoders.rs` (category_encoders, whose fitted mappings are
//! pandas Series and DataFrames read through `access.rs`), by module and
//! class name. They take and give tables: columns by name, in the order the
//! library's `transform` leaves them, which is what the next step sees.
//! Their output reaches a later scikit-learn step as a DataFrame, which
//! scikit-learn turns into a Fortran-ordered array
//! ([`crate::estimator::Transformer::fortran_out`]).

mod category_encoders;
mod feature_engine;

use std::collections::HashMap;

use skseal_core::ir::{Node, NodeId};

use crate::access::{Ctx, Obj};
use crate::data::{Column, Data, Table};
use crate::error::{input, malformed, Result};
use crate::estimator::{Estimator, Info, Transformer};

/// The transformer at `est` when this module has it.
pub fn transformer(est: &Obj<'_, '_>, path: &str) -> Option<Result<Box<dyn Transformer>>> {
    if let Some(t) = category_encoders::transformer(est, path) {
        return Some(t);
    }
    feature_engine::transformer(est, path)
}

/// The implementation of `est` alone (transform), when this module has it.
pub fn build(est: &Obj<'_, '_>, path: &str) -> Option<Result<Box<dyn Estimator>>> {
    transformer(est, path).map(|r| r.map(|t| t as Box<dyn Estimator>))
}

/// The input as the library's `check_X` and `X[self.feature_names_in_]`
/// make it: a matrix becomes a table named `x0, x1, ...`; the width must be
/// `n_features_in_`, and the columns are put in the fitted order by name.
fn frame_in(info: &Info, x: Data) -> Result<Table> {
    let t = match x {
        Data::Table(t) => t,
        // these steps do not take CSR (no `take_sparse`): a Pipeline refuses
        // them after a vectorizer, and a model is not loaded for it
        Data::Csr(_) => return Err(input("a sparse matrix where a table was expected")),
        Data::Dense(m) => {
            let names = (0..m.cols).map(|j| format!("x{j}")).collect();
            let cols = (0..m.cols)
                .map(|j| Column::F64((0..m.rows).map(|i| m.get(i, j)).collect()))
                .collect();
            Table::new(names, cols)?
        }
    };
    if let Some(n) = info.n_features {
        if t.columns.len() != n {
            return Err(input(format!(
                "The number of columns in this dataset ({}) is different from the one used to \
                 fit {} ({n})",
                t.columns.len(),
                info.class
            )));
        }
    }
    let Some(want) = &info.feature_names else {
        return Ok(t);
    };
    if t.names == *want {
        return Ok(t);
    }
    let mut cols = Vec::with_capacity(want.len());
    for n in want {
        let p = t
            .position(n)
            .ok_or_else(|| input(format!("{}: columns are missing: {n:?}", info.class)))?;
        cols.push(t.columns[p].clone());
    }
    Table::new(want.clone(), cols)
}

/// The column `name` of `t` (its position).
fn col(t: &Table, name: &str, who: &str) -> Result<usize> {
    t.position(name)
        .ok_or_else(|| input(format!("{who}: the input has no column {name:?}")))
}

/// The numbers of column `j`.
fn numbers<'t>(t: &'t Table, j: usize, who: &str) -> Result<&'t [f64]> {
    match &t.columns[j] {
        Column::F64(v) => Ok(v),
        _ => Err(input(format!(
            "column {:?} holds strings, but {who} takes numbers there",
            t.names[j]
        ))),
    }
}

/// `f` of each row's string of column `j` (None when missing), computed
/// once per distinct string for a coded column.
fn per_string(
    t: &Table,
    j: usize,
    who: &str,
    mut f: impl FnMut(Option<&str>) -> Result<f64>,
) -> Result<Vec<f64>> {
    match &t.columns[j] {
        Column::Str(v) => v.iter().map(|s| f(s.as_deref())).collect(),
        Column::Codes(c) => {
            let each: Vec<f64> = c
                .values()
                .iter()
                .map(|s| f(Some(s)))
                .collect::<Result<_>>()?;
            let missing = if c.codes().contains(&crate::data::MISSING_CODE) {
                f(None)?
            } else {
                f64::NAN
            };
            Ok(c.codes()
                .iter()
                .map(|&k| each.get(k as usize).copied().unwrap_or(missing))
                .collect())
        }
        Column::F64(v) if v.iter().all(|x| x.is_nan()) => v.iter().map(|_| f(None)).collect(),
        Column::F64(_) => Err(input(format!(
            "column {:?} holds numbers, but {who} encodes strings there",
            t.names[j]
        ))),
    }
}

/// Whether column `j` has a missing value (NaN or None).
fn has_missing(t: &Table, j: usize) -> bool {
    match &t.columns[j] {
        Column::F64(v) => v.iter().any(|x| x.is_nan()),
        Column::Str(v) => v.iter().any(Option::is_none),
        Column::Codes(c) => c.codes().contains(&crate::data::MISSING_CODE),
    }
}

/// The items of the dict at `id`.
fn dict<'a>(ctx: &Ctx<'a>, id: NodeId, path: &str) -> Result<&'a [(NodeId, NodeId)]> {
    match ctx.node(id, path)? {
        Node::Dict(kv) => Ok(kv),
        n => Err(malformed(
            path,
            format!("expected a dict, found {}", n.kind_name()),
        )),
    }
}

/// A list of strings (column names).
fn strings(ctx: &Ctx<'_>, id: NodeId, path: &str) -> Result<Vec<String>> {
    ctx.seq(id, path)?
        .iter()
        .map(|&i| ctx.str(i, path).map(str::to_string))
        .collect()
}

/// A dict of column name to number.
fn numbers_by_name(ctx: &Ctx<'_>, id: NodeId, path: &str) -> Result<Vec<(String, f64)>> {
    dict(ctx, id, path)?
        .iter()
        .map(|&(k, v)| Ok((ctx.str(k, path)?.to_string(), ctx.f64(v, path)?)))
        .collect()
}

/// A dict of string category to number, for lookups.
fn string_map(
    ctx: &Ctx<'_>,
    id: NodeId,
    path: &str,
    refuse: impl Fn(&str) -> crate::error::NativeError,
) -> Result<HashMap<String, f64>> {
    dict(ctx, id, path)?
        .iter()
        .map(|&(k, v)| match ctx.node(k, path)? {
            Node::Str(s) => Ok((s.clone(), ctx.f64(v, path)?)),
            n => Err(refuse(n.kind_name())),
        })
        .collect()
}
