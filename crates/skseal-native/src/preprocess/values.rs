//! Input columns and fitted values as the encoders and the imputer see
//! them: numbers, strings or missing (None/NaN).

use std::borrow::Cow;

use skseal_core::ir::{Node, NodeId};

use crate::access::Ctx;
use crate::data::{Codes, Column, Data, Labels, Mat};
use crate::error::{malformed, Result};

/// One column of input, numbers or strings.
pub(super) enum ColView<'a> {
    F(Cow<'a, [f64]>),
    S(&'a [Option<String>]),
    /// Strings as distinct values and a code per row.
    C(&'a Codes),
}

pub(super) fn column_views(x: &Data) -> Vec<(String, ColView<'_>)> {
    let dense = |m: &Mat| -> Vec<(String, ColView<'static>)> {
        (0..m.cols)
            .map(|j| {
                let v: Vec<f64> = (0..m.rows).map(|i| m.data[i * m.cols + j]).collect();
                (j.to_string(), ColView::F(Cow::Owned(v)))
            })
            .collect()
    };
    match x {
        Data::Dense(m) => dense(m),
        Data::Csr(c) => dense(&c.to_dense()),
        Data::Table(t) => t
            .names
            .iter()
            .zip(&t.columns)
            .map(|(n, c)| {
                let v = match c {
                    Column::F64(v) => ColView::F(Cow::Borrowed(v.as_slice())),
                    Column::Str(v) => ColView::S(v.as_slice()),
                    Column::Codes(c) => ColView::C(c),
                };
                (n.clone(), v)
            })
            .collect(),
    }
}

/// A value of an object array: a number, a string or missing (None/NaN).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Val {
    Num(f64),
    Str(String),
    Missing,
}

pub(super) fn read_val(ctx: &Ctx<'_>, id: NodeId, path: &str) -> Result<Val> {
    Ok(match ctx.node(id, path)? {
        Node::None => Val::Missing,
        Node::Str(s) => Val::Str(s.clone()),
        _ => {
            let v = ctx.f64(id, path)?;
            if v.is_nan() {
                Val::Missing
            } else {
                Val::Num(v)
            }
        }
    })
}

/// Values of a 1-D array (numeric, unicode or object).
pub(super) fn read_vals(ctx: &Ctx<'_>, id: NodeId, path: &str) -> Result<Vec<Val>> {
    match ctx.node(id, path)? {
        Node::ObjectArray { items, .. } | Node::List(items) | Node::Tuple(items) => items
            .iter()
            .enumerate()
            .map(|(k, &i)| read_val(ctx, i, &format!("{path}[{k}]")))
            .collect(),
        _ => {
            if let Ok(Labels::Str(s)) = ctx.labels(id, path) {
                return Ok(s.into_iter().map(Val::Str).collect());
            }
            let a = ctx.arr_f64(id, path)?;
            if a.shape.len() > 1 {
                return Err(malformed(path, "expected a 1-D array"));
            }
            Ok(a.data
                .into_iter()
                .map(|v| {
                    if v.is_nan() {
                        Val::Missing
                    } else {
                        Val::Num(v)
                    }
                })
                .collect())
        }
    }
}
