//! The probe stored with a `.skseal` file (input rows and the outputs the
//! model gave at save time, `python/skseal/_meta.py::make_probe`), read from
//! the checked graph and re-run natively: a server or a script can prove a
//! model still predicts what it predicted when saved, without Python.
//!
//! Inputs understood: a 2-D numeric array (`kind: "array"`), a homogeneous
//! numeric DataFrame (`"frame2d"`) and a DataFrame stored column by column
//! (`"dataframe"`: numbers, strings, missing values). Outputs: numeric arrays,
//! label arrays, and DataFrame outputs (`{"kind": "frame", "values": ...}`).
//! Anything else is reported as not checked, with the reason.

use skseal_core::ir::{Node, NodeId};

use crate::access::Ctx;
use crate::blas::Exactness;
use crate::data::{Column, Data, Labels, Mat, Method, Output, Table};
use crate::error::{malformed, Result};

/// A probe read from a file: its rows and the recorded outputs.
#[derive(Debug, Clone)]
pub struct Probe {
    pub input: Data,
    pub outputs: Vec<(Method, Output)>,
}

/// What re-running one recorded method gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Bit-identical to the recorded output.
    Equal,
    /// Not bit-identical, but within 1e-9 relative (1e-12 absolute near
    /// zero), where the model claims only a bound for this method (e.g. a
    /// Fortran-ordered product): the documented bound is ~1e-15 relative to
    /// the products' magnitudes, which the probe does not record.
    WithinBound,
    /// Different: how many rows.
    Differs { rows: usize, of: usize },
    /// The method failed natively.
    Failed(String),
}

/// The result of [`crate::Model::check_probe`].
#[derive(Debug, Clone, PartialEq)]
pub enum ProbeReport {
    /// The file has no probe.
    Absent,
    /// The probe could not be read natively (an input kind native inference
    /// does not take); nothing was checked.
    NotChecked(String),
    /// One verdict per recorded method native inference has.
    Checked(Vec<(Method, Verdict)>),
}

impl ProbeReport {
    /// True unless a recorded output was not reproduced.
    pub fn passed(&self) -> bool {
        match self {
            ProbeReport::Checked(v) => v
                .iter()
                .all(|(_, x)| matches!(x, Verdict::Equal | Verdict::WithinBound)),
            _ => true,
        }
    }

    /// One line for logs and errors.
    pub fn describe(&self) -> String {
        match self {
            ProbeReport::Absent => "no probe".into(),
            ProbeReport::NotChecked(why) => format!("probe not checked natively: {why}"),
            ProbeReport::Checked(v) => v
                .iter()
                .map(|(m, x)| {
                    let what = match x {
                        Verdict::Equal => "bitwise equal".to_string(),
                        Verdict::WithinBound => "within tolerance (bounded method)".to_string(),
                        Verdict::Differs { rows, of } => format!("{rows} of {of} rows differ"),
                        Verdict::Failed(e) => format!("failed: {e}"),
                    };
                    format!("{}(): {what}", m.name())
                })
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

/// A 1-D list or array of strings (documents for a text vectorizer), as
/// the one-column table `skseal.native` makes of it.
fn text_input(ctx: &Ctx<'_>, data: NodeId) -> Option<Data> {
    let one_d = match ctx.g.node(data)? {
        Node::List(_) => true,
        Node::ObjectArray { shape, .. } => shape.len() == 1,
        Node::Array(_) => true,
        _ => false,
    };
    if !one_d {
        return None;
    }
    let Ok(Labels::Str(v)) = ctx.labels(data, "probe.input") else {
        return None;
    };
    let col = Column::Str(v.into_iter().map(Some).collect());
    Table::new(vec![crate::data::TEXT_INPUT.to_string()], vec![col])
        .ok()
        .map(Data::Table)
}

/// Read the probe at `id`; `Ok(None)` with a reason when its form is not one
/// native inference takes.
pub(crate) fn read(ctx: &Ctx<'_>, id: NodeId) -> std::result::Result<Probe, String> {
    let path = "probe";
    let input = item(ctx, id, "input").ok_or("no input")?;
    let kind = item(ctx, input, "kind")
        .and_then(|k| ctx.str(k, path).ok())
        .ok_or("input without a kind")?;
    let data = item(ctx, input, "data").ok_or("input without data")?;
    let text = if kind == "array" {
        text_input(ctx, data)
    } else {
        None
    };
    let input = match kind {
        _ if text.is_some() => text.ok_or("text input")?,
        "array" => match ctx.g.node(data) {
            Some(Node::ObjectArray { shape, items, .. }) => object_table(ctx, shape, items)?,
            _ => Data::Dense(matrix(ctx, data).map_err(|e| e.to_string())?),
        },
        "frame2d" => {
            let m = matrix(ctx, data).map_err(|e| e.to_string())?;
            let names = names(ctx, input)?;
            if names.len() != m.cols {
                return Err("frame2d: column names do not match the data".into());
            }
            let cols = (0..m.cols)
                .map(|j| Column::F64((0..m.rows).map(|i| m.get(i, j)).collect()))
                .collect();
            Data::Table(Table::new(names, cols).map_err(|e| e.to_string())?)
        }
        "dataframe" => {
            let names = names(ctx, input)?;
            let items = ctx.seq(data, path).map_err(|e| e.to_string())?;
            let cols = items
                .iter()
                .map(|&c| column(ctx, c))
                .collect::<std::result::Result<Vec<_>, String>>()?;
            Data::Table(Table::new(names, cols).map_err(|e| e.to_string())?)
        }
        "sparse" => sparse_input(ctx, data)?,
        k => return Err(format!("input kind {k:?} is not read natively")),
    };
    let outs = item(ctx, id, "outputs").ok_or("no outputs")?;
    let Some(Node::Dict(pairs)) = ctx.g.node(outs) else {
        return Err("outputs is not a dict".into());
    };
    let mut outputs = Vec::new();
    for (k, v) in pairs {
        let Ok(name) = ctx.str(*k, path) else {
            continue;
        };
        let Some(m) = Method::parse(name) else {
            continue;
        };
        let v = item(ctx, *v, "values").unwrap_or(*v);
        if let Ok(o) = output(ctx, v) {
            outputs.push((m, o));
        }
    }
    Ok(Probe { input, outputs })
}

fn item(ctx: &Ctx<'_>, dict: NodeId, key: &str) -> Option<NodeId> {
    match ctx.g.node(dict)? {
        Node::Dict(pairs) => pairs
            .iter()
            .find(|(k, _)| matches!(ctx.g.node(*k), Some(Node::Str(s)) if s == key))
            .map(|(_, v)| *v),
        _ => None,
    }
}

fn names(ctx: &Ctx<'_>, input: NodeId) -> std::result::Result<Vec<String>, String> {
    let cols = item(ctx, input, "columns").ok_or("no column names")?;
    ctx.seq(cols, "probe.columns")
        .map_err(|e| e.to_string())?
        .iter()
        .map(|&c| {
            ctx.str(c, "probe.columns")
                .map(str::to_string)
                .map_err(|e| e.to_string())
        })
        .collect()
}

fn matrix(ctx: &Ctx<'_>, id: NodeId) -> Result<Mat> {
    let a = ctx.arr_f64(id, "probe.input")?;
    match a.shape.as_slice() {
        [n, d] => Mat::new(*n, *d, a.data),
        s => Err(malformed(
            "probe.input",
            format!("expected a 2-D array, found shape {s:?}"),
        )),
    }
}

/// A 2-D object array (strings, numbers, missing values) as a table with
/// columns named by position, as `skseal.native` reads such an array.
fn object_table(
    ctx: &Ctx<'_>,
    shape: &[u64],
    items: &[NodeId],
) -> std::result::Result<Data, String> {
    let [n, d] = shape else {
        return Err(format!("an object array of shape {shape:?} (expected 2-D)"));
    };
    let (n, d) = (*n as usize, *d as usize);
    if n.checked_mul(d) != Some(items.len()) {
        return Err("an object array whose items do not match its shape".into());
    }
    // items in logical (C) order whatever the memory order: numpy pickles
    // an object array so (`_getlist_pkl`), and the IR keeps them so
    let at = |i: usize, j: usize| items[i * d + j];
    let mut names = Vec::with_capacity(d);
    let mut cols = Vec::with_capacity(d);
    for j in 0..d {
        let vals: Vec<&Node> = (0..n)
            .map(|i| ctx.g.node(at(i, j)).ok_or("a missing item"))
            .collect::<std::result::Result<_, _>>()?;
        let strings = vals.iter().any(|v| matches!(v, Node::Str(_)));
        let col = if strings {
            Column::Str(
                vals.iter()
                    .map(|v| match v {
                        Node::Str(s) => Ok(Some(s.clone())),
                        Node::None => Ok(None),
                        Node::Float(f) if f.is_nan() => Ok(None),
                        _ => Err("a column mixes strings with other values".to_string()),
                    })
                    .collect::<std::result::Result<_, _>>()?,
            )
        } else {
            Column::F64(
                vals.iter()
                    .map(|v| match v {
                        Node::Float(f) => Ok(*f),
                        Node::Int(i) => Ok(*i as f64),
                        Node::None => Ok(f64::NAN),
                        _ => Err("an object column with values that are not numbers".to_string()),
                    })
                    .collect::<std::result::Result<_, _>>()?,
            )
        };
        names.push(j.to_string());
        cols.push(col);
    }
    Table::new(names, cols)
        .map(Data::Table)
        .map_err(|e| e.to_string())
}

fn column(ctx: &Ctx<'_>, id: NodeId) -> std::result::Result<Column, String> {
    if let Some(Node::ObjectArray { items, .. }) = ctx.g.node(id) {
        let mut v = Vec::with_capacity(items.len());
        for &i in items {
            match ctx.g.node(i) {
                Some(Node::Str(s)) => v.push(Some(s.clone())),
                Some(Node::None) => v.push(None),
                Some(Node::Float(f)) if f.is_nan() => v.push(None),
                _ => return Err("a column mixes strings with other values".into()),
            }
        }
        return Ok(Column::Str(v));
    }
    let a = ctx.arr_f64(id, "probe.column").map_err(|e| e.to_string())?;
    if a.shape.len() != 1 {
        return Err("a column is not 1-D".into());
    }
    Ok(Column::F64(a.data))
}

/// A 2-D object array of labels (a classifier with several outputs, string
/// classes): one column of labels per output, read in the array's order.
fn label_columns(ctx: &Ctx<'_>, id: NodeId) -> Option<Vec<Labels>> {
    let Some(Node::ObjectArray { shape, items, .. }) = ctx.g.node(id) else {
        return None;
    };
    let [n, k] = shape.as_slice() else {
        return None;
    };
    let (n, k) = (usize::try_from(*n).ok()?, usize::try_from(*k).ok()?);
    if n.checked_mul(k)? != items.len() {
        return None;
    }
    // items in logical (C) order, as in `object_table`
    let at = |i: usize, j: usize| items[i * k + j];
    (0..k)
        .map(|j| {
            let col: Vec<&Node> = (0..n)
                .map(|i| ctx.g.node(at(i, j)))
                .collect::<Option<_>>()?;
            if let Some(v) = col
                .iter()
                .map(|x| match x {
                    Node::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .collect::<Option<Vec<String>>>()
            {
                return Some(Labels::Str(v));
            }
            col.iter()
                .map(|x| match x {
                    Node::Int(v) => Some(*v),
                    _ => None,
                })
                .collect::<Option<Vec<i64>>>()
                .map(Labels::Int)
        })
        .collect()
}

fn output(ctx: &Ctx<'_>, id: NodeId) -> Result<Output> {
    if let Some(c) = label_columns(ctx, id) {
        return Ok(Output::LabelColumns(c));
    }
    if let Ok(l) = ctx.labels(id, "probe.outputs") {
        return Ok(match l {
            Labels::Float(v) => Output::Vector(v),
            l => Output::Labels(l),
        });
    }
    let a = ctx.arr_f64(id, "probe.outputs")?;
    match a.shape.as_slice() {
        [n, d] => Ok(Output::Matrix(Mat::new(*n, *d, a.data)?)),
        s => Err(malformed(
            "probe.outputs",
            format!("unexpected shape {s:?}"),
        )),
    }
}

/// Compare a native output with the recorded one.
pub(crate) fn verdict(got: &Output, want: &Output, exact: &Exactness) -> Verdict {
    let rows = want.rows();
    let floats = |o: &Output| -> Option<(Vec<f64>, usize)> {
        match o {
            Output::Matrix(m) => Some((m.data.clone(), m.cols.max(1))),
            Output::Vector(v) => Some((v.clone(), 1)),
            Output::Labels(Labels::Float(v)) => Some((v.clone(), 1)),
            // numeric labels of several outputs, as the 2-D array numpy
            // records (read as numbers)
            Output::LabelColumns(c) => {
                let cols: Vec<Vec<f64>> = c.iter().map(numeric_labels).collect::<Option<_>>()?;
                let n = cols.first().map_or(0, Vec::len);
                let flat = (0..n).flat_map(|i| cols.iter().map(move |col| col[i]));
                Some((flat.collect(), cols.len().max(1)))
            }
            Output::Labels(_) | Output::Matrices(_) => None,
        }
    };
    match (floats(got), floats(want)) {
        (Some((a, ca)), Some((b, cb))) => {
            if a.len() != b.len() || ca != cb {
                return Verdict::Differs { rows, of: rows };
            }
            let same = |x: &f64, y: &f64| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan());
            let differ = a
                .chunks(ca)
                .zip(b.chunks(cb))
                .filter(|(r, s)| !r.iter().zip(s.iter()).all(|(x, y)| same(x, y)))
                .count();
            if differ == 0 {
                return Verdict::Equal;
            }
            let close = a
                .iter()
                .zip(&b)
                .all(|(x, y)| same(x, y) || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1e-3));
            if matches!(exact, Exactness::Bounded(_) | Exactness::BitwiseCOrdered) && close {
                Verdict::WithinBound
            } else {
                Verdict::Differs {
                    rows: differ,
                    of: rows,
                }
            }
        }
        _ => {
            if got == want {
                Verdict::Equal
            } else {
                let differ = match (got, want) {
                    (Output::Labels(a), Output::Labels(b)) if a.len() == b.len() => {
                        (0..a.len()).filter(|&i| a.text(i) != b.text(i)).count()
                    }
                    (Output::LabelColumns(a), Output::LabelColumns(b))
                        if a.len() == b.len()
                            && a.iter().zip(b).all(|(x, y)| x.len() == y.len()) =>
                    {
                        (0..rows)
                            .filter(|&i| a.iter().zip(b).any(|(x, y)| x.text(i) != y.text(i)))
                            .count()
                    }
                    _ => rows,
                };
                if differ == 0 {
                    // same values, another integer width (e.g. int32 vs int64)
                    Verdict::Equal
                } else {
                    Verdict::Differs {
                        rows: differ,
                        of: rows,
                    }
                }
            }
        }
    }
}

/// Numeric labels as numbers (None for strings).
fn numeric_labels(l: &Labels) -> Option<Vec<f64>> {
    match l {
        Labels::Int(v) => Some(v.iter().map(|&x| x as f64).collect()),
        Labels::Int32(v) => Some(v.iter().map(|&x| f64::from(x)).collect()),
        Labels::Float(v) => Some(v.clone()),
        Labels::Bool(v) => Some(v.iter().map(|&x| f64::from(u8::from(x))).collect()),
        Labels::Str(_) => None,
    }
}

/// A scipy CSR matrix (or array) stored as the probe's rows
/// ([`Ctx::csr`]: checked as Python's sparse input is).
fn sparse_input(ctx: &Ctx<'_>, id: NodeId) -> std::result::Result<Data, String> {
    ctx.csr(id, "probe.input")
        .map(Data::Csr)
        .map_err(|e| e.to_string())
}
