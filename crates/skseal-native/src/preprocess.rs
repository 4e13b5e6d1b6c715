//! Preprocessing transformers, bit-exact with scikit-learn 1.9.1 / numpy 2.4
//! unless noted:
//!
//! - StandardScaler (`X -= mean_; X /= scale_`), MinMaxScaler (`X *= scale_;
//!   X += min_`, clip), MaxAbsScaler (`X /= scale_`, clip), RobustScaler
//!   (`X -= center_; X /= scale_`), Normalizer (l1: numpy's pairwise sum of
//!   `|x|`; l2: `np.einsum("ij,ij->i")`, which numpy computes with two SSE2
//!   lanes, a four-fold unrolled multiply-then-add chain and `lane0 + lane1`;
//!   max), FunctionTransformer with `func=None` (what ColumnTransformer and
//!   FeatureUnion put for "passthrough");
//! - SimpleImputer (every strategy, numeric and string columns, NaN / None /
//!   number / string `missing_values`, all-missing columns dropped unless
//!   `keep_empty_features`); `add_indicator=True` is refused. For string
//!   columns a missing value is `None` or NaN whichever `missing_values` is.
//! - OneHotEncoder (numeric or string `categories_`, handle_unknown
//!   error/ignore/infrequent_if_exist/warn, every `drop`, infrequent
//!   categories from min_frequency/max_categories). The output is always a
//!   dense float64 matrix, also when scikit-learn would return a sparse one
//!   (same values).
//! - OrdinalEncoder (use_encoded_value, encoded_missing_value, infrequent);
//!   the result is float64 whatever `dtype` (the codes are small integers).
//! - PolynomialFeatures (degree or (min, max), interaction_only,
//!   include_bias): the same products in the same order as its dense path.
//! - PCA.transform and KMeans.transform use `X @ components_.T` /
//!   `X @ cluster_centers_.T`, which numpy hands to OpenBLAS; `Blas::matmul_t`
//!   reproduces the bundled OpenBLAS's kernels for a C-ordered X (bitwise on
//!   the reference machine, see `linear.rs` for what is not modelled and the
//!   bound). KMeans.predict runs scikit-learn's Cython loop with scipy's
//!   BLAS, computed here as `fma_dot`s: labels differ only for points
//!   equidistant to two centers within that bound.

use std::borrow::Cow;
use std::collections::HashMap;

use skseal_core::ir::{Node, NodeId};

use crate::access::{fortran_ordered, mat_f64, vec_f64};
use crate::access::{Ctx, Obj};
use crate::blas::{Blas, Exactness};
use crate::data::{Column, Data, Labels, Mat, Method, Output, Table};
use crate::error::{input, malformed, Result};
use crate::estimator::{
    check_cols, check_finite, data_output, dense_in, transformer_estimator, unsupported, Estimator,
    Info, Transformer,
};
use crate::kernels::{einsum_sq, row_sum};
use crate::npsum;

// ---------------------------------------------------------------- helpers

// ---------------------------------------------------------------- scalers

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Sub,
    Div,
    Mul,
    Add,
}

/// Elementwise per-column operations applied in order, then an optional clip.
struct Scaler {
    info: Info,
    ops: Vec<(Op, Vec<f64>)>,
    clip: Option<(f64, f64)>,
    allow_nan: bool,
}

impl Scaler {
    fn read(est: &Obj<'_, '_>, path: &str) -> Result<Scaler> {
        let info = Info::read(est, path)?;
        let n = info.n_features;
        let flag = |k: &str, default: bool| -> Result<bool> {
            match est.opt(k) {
                Some(v) => est.ctx.bool(v, &format!("{path}.{k}")),
                None => Ok(default),
            }
        };
        let mut ops = Vec::new();
        let mut clip = None;
        match est.name() {
            "StandardScaler" => {
                if flag("with_mean", true)? {
                    ops.push((Op::Sub, vec_f64(est, "mean_", path, n)?));
                }
                if flag("with_std", true)? {
                    ops.push((Op::Div, vec_f64(est, "scale_", path, n)?));
                }
            }
            "MinMaxScaler" => {
                ops.push((Op::Mul, vec_f64(est, "scale_", path, n)?));
                ops.push((Op::Add, vec_f64(est, "min_", path, n)?));
                if flag("clip", false)? {
                    let fr = est.ctx.arr_f64(
                        est.req("feature_range", path)?,
                        &format!("{path}.feature_range"),
                    )?;
                    match fr.data.as_slice() {
                        [lo, hi] => clip = Some((*lo, *hi)),
                        _ => return Err(malformed(path, "feature_range must hold two numbers")),
                    }
                }
            }
            "MaxAbsScaler" => {
                ops.push((Op::Div, vec_f64(est, "scale_", path, n)?));
                if flag("clip", false)? {
                    clip = Some((-1.0, 1.0));
                }
            }
            _ => {
                // RobustScaler
                if flag("with_centering", true)? {
                    ops.push((Op::Sub, vec_f64(est, "center_", path, n)?));
                }
                if flag("with_scaling", true)? {
                    ops.push((Op::Div, vec_f64(est, "scale_", path, n)?));
                }
            }
        }
        let w = ops.first().map(|o| o.1.len());
        if ops.iter().any(|o| Some(o.1.len()) != w) {
            return Err(malformed(path, "the fitted vectors have different lengths"));
        }
        let mut info = info;
        if info.n_features.is_none() {
            info.n_features = w;
        }
        Ok(Scaler {
            info,
            ops,
            clip,
            allow_nan: true,
        })
    }
}

/// numpy's clip: `min(max(x, lo), hi)` with NaN propagating.
fn np_clip(x: f64, lo: f64, hi: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let y = if x < lo { lo } else { x };
    if y > hi {
        hi
    } else {
        y
    }
}

impl Transformer for Scaler {
    fn transform_data(&self, x: Data) -> Result<Data> {
        let mut x = dense_in(&self.info, x, self.allow_nan)?;
        let w = x.cols;
        for (op, v) in &self.ops {
            if v.len() != w {
                return Err(input(format!(
                    "X has {w} features, but {} is expecting {}",
                    self.info.class,
                    v.len()
                )));
            }
            for row in x.data.chunks_exact_mut(w.max(1)) {
                for (a, b) in row.iter_mut().zip(v) {
                    *a = match op {
                        Op::Sub => *a - b,
                        Op::Div => *a / b,
                        Op::Mul => *a * b,
                        Op::Add => *a + b,
                    };
                }
            }
        }
        if let Some((lo, hi)) = self.clip {
            for a in &mut x.data {
                *a = np_clip(*a, lo, hi);
            }
        }
        Ok(Data::Dense(x))
    }
}
transformer_estimator!(Scaler);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Norm {
    L1,
    L2,
    Max,
}

struct Normalizer {
    info: Info,
    norm: Norm,
}

impl Transformer for Normalizer {
    fn transform_data(&self, x: Data) -> Result<Data> {
        let mut x = dense_in(&self.info, x, false)?;
        let w = x.cols;
        if w == 0 {
            return Ok(Data::Dense(x));
        }
        let eps10 = 10.0 * f64::EPSILON;
        let mut abs = vec![0.0; w];
        for row in x.data.chunks_exact_mut(w) {
            let n = match self.norm {
                Norm::L1 => {
                    for (d, s) in abs.iter_mut().zip(row.iter()) {
                        *d = s.abs();
                    }
                    row_sum(&abs)
                }
                Norm::L2 => einsum_sq(row).sqrt(),
                Norm::Max => {
                    for (d, s) in abs.iter_mut().zip(row.iter()) {
                        *d = s.abs();
                    }
                    npsum::max(&abs)
                }
            };
            let n = if n < eps10 { 1.0 } else { n };
            for a in row.iter_mut() {
                *a /= n;
            }
        }
        Ok(Data::Dense(x))
    }
}
transformer_estimator!(Normalizer);

/// FunctionTransformer(func=None): the identity.
struct Identity {
    info: Info,
    validate: bool,
}

impl Transformer for Identity {
    fn transform_data(&self, x: Data) -> Result<Data> {
        if self.validate {
            let m = dense_in(&self.info, x, false)?;
            return Ok(Data::Dense(m));
        }
        Ok(x)
    }
}
transformer_estimator!(Identity);

// ---------------------------------------------------------------- categories

/// One column of input, numbers or strings.
enum ColView<'a> {
    F(Cow<'a, [f64]>),
    S(&'a [Option<String>]),
}

fn column_views(x: &Data) -> Vec<(String, ColView<'_>)> {
    match x {
        Data::Dense(m) => (0..m.cols)
            .map(|j| {
                let v: Vec<f64> = (0..m.rows).map(|i| m.data[i * m.cols + j]).collect();
                (j.to_string(), ColView::F(Cow::Owned(v)))
            })
            .collect(),
        Data::Table(t) => t
            .names
            .iter()
            .zip(&t.columns)
            .map(|(n, c)| {
                let v = match c {
                    Column::F64(v) => ColView::F(Cow::Borrowed(v.as_slice())),
                    Column::Str(v) => ColView::S(v.as_slice()),
                };
                (n.clone(), v)
            })
            .collect(),
    }
}

/// A value of an object array: a number, a string or missing (None/NaN).
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Num(f64),
    Str(String),
    Missing,
}

fn read_val(ctx: &Ctx<'_>, id: NodeId, path: &str) -> Result<Val> {
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
fn read_vals(ctx: &Ctx<'_>, id: NodeId, path: &str) -> Result<Vec<Val>> {
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

/// The fitted categories of one feature, with lookups.
struct Cats {
    n: usize,
    num: HashMap<u64, usize>,
    strs: HashMap<String, usize>,
    missing: Option<usize>,
}

fn num_key(v: f64) -> u64 {
    if v == 0.0 {
        0
    } else {
        v.to_bits()
    }
}

impl Cats {
    fn new(vals: &[Val]) -> Cats {
        let mut c = Cats {
            n: vals.len(),
            num: HashMap::new(),
            strs: HashMap::new(),
            missing: None,
        };
        for (k, v) in vals.iter().enumerate() {
            match v {
                Val::Num(x) => {
                    c.num.entry(num_key(*x)).or_insert(k);
                }
                Val::Str(s) => {
                    c.strs.entry(s.clone()).or_insert(k);
                }
                Val::Missing => {
                    c.missing.get_or_insert(k);
                }
            }
        }
        c
    }
    fn find_num(&self, v: f64) -> Option<usize> {
        if v.is_nan() {
            self.missing
        } else {
            self.num.get(&num_key(v)).copied()
        }
    }
    fn find_str(&self, v: &Option<String>) -> Option<usize> {
        match v {
            None => self.missing,
            Some(s) => self.strs.get(s).copied(),
        }
    }
}

fn read_cat_list(est: &Obj<'_, '_>, path: &str) -> Result<Vec<Cats>> {
    let cp = format!("{path}.categories_");
    let list = est.ctx.seq(est.req("categories_", path)?, &cp)?;
    list.iter()
        .enumerate()
        .map(|(k, &id)| Ok(Cats::new(&read_vals(est.ctx, id, &format!("{cp}[{k}]"))?)))
        .collect()
}

/// Optional int array per feature (`_infrequent_indices`, mappings).
fn opt_int_list(
    est: &Obj<'_, '_>,
    key: &str,
    n: usize,
    path: &str,
) -> Result<Vec<Option<Vec<i64>>>> {
    let p = format!("{path}.{key}");
    let Some(id) = est.opt(key) else {
        return Ok(vec![None; n]);
    };
    let list = est.ctx.seq(id, &p)?;
    if list.len() != n {
        return Err(malformed(
            &p,
            format!("{} entries for {n} features", list.len()),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(k, &i)| {
            if est.ctx.is_none(i) {
                Ok(None)
            } else {
                Ok(Some(est.ctx.arr_i64(i, &format!("{p}[{k}]"))?.data))
            }
        })
        .collect()
}

fn idx_ok(v: i64, n: usize) -> Option<usize> {
    usize::try_from(v).ok().filter(|&u| u < n)
}

/// Shared state of OneHotEncoder and OrdinalEncoder.
struct Encoder {
    info: Info,
    cats: Vec<Cats>,
    unknown: Unknown,
    /// first infrequent index per feature (when infrequent categories exist)
    infrequent: Vec<Option<usize>>,
    /// `_default_to_infrequent_mappings`
    mapping: Vec<Option<Vec<usize>>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Unknown {
    Error,
    Ignore,
    /// infrequent_if_exist or warn
    Infrequent,
    /// OrdinalEncoder's use_encoded_value
    Encoded,
}

impl Encoder {
    fn read(est: &Obj<'_, '_>, path: &str) -> Result<Encoder> {
        let info = Info::read(est, path)?;
        let cats = read_cat_list(est, path)?;
        if let Some(n) = info.n_features {
            if n != cats.len() {
                return Err(malformed(path, "categories_ does not match n_features_in_"));
            }
        }
        let hu = est.str("handle_unknown", path)?;
        let unknown = match hu {
            "error" => Unknown::Error,
            "ignore" => Unknown::Ignore,
            "infrequent_if_exist" | "warn" => Unknown::Infrequent,
            "use_encoded_value" => Unknown::Encoded,
            other => {
                return Err(unsupported(
                    format!("handle_unknown={other:?}"),
                    &format!("{path}.handle_unknown"),
                    "",
                ))
            }
        };
        let n = cats.len();
        let enabled = match est.opt("_infrequent_enabled") {
            Some(v) => est.ctx.bool(v, &format!("{path}._infrequent_enabled"))?,
            None => false,
        };
        let (mut infrequent, mut mapping) = (vec![None; n], vec![None; n]);
        if enabled {
            let inf = opt_int_list(est, "_infrequent_indices", n, path)?;
            let maps = opt_int_list(est, "_default_to_infrequent_mappings", n, path)?;
            for i in 0..n {
                let nc = cats[i].n;
                if let Some(a) = &inf[i] {
                    let first = a.first().and_then(|&v| idx_ok(v, nc)).ok_or_else(|| {
                        malformed(path, format!("_infrequent_indices[{i}] out of range"))
                    })?;
                    infrequent[i] = Some(first);
                }
                if let Some(m) = &maps[i] {
                    // OrdinalEncoder leaves its missing-value category out
                    if m.len() != nc && m.len() + 1 != nc {
                        return Err(malformed(
                            path,
                            format!("_default_to_infrequent_mappings[{i}] has the wrong length"),
                        ));
                    }
                    let m: Option<Vec<usize>> = m.iter().map(|&v| idx_ok(v, nc)).collect();
                    mapping[i] = Some(m.ok_or_else(|| {
                        malformed(
                            path,
                            format!("_default_to_infrequent_mappings[{i}] out of range"),
                        )
                    })?);
                }
            }
        }
        Ok(Encoder {
            info,
            cats,
            unknown,
            infrequent,
            mapping,
        })
    }

    /// `_transform`: codes and known-mask per cell (n x features, row-major).
    /// `ignore` maps feature -> code not remapped (OrdinalEncoder's missing).
    fn codes(&self, x: &Data, ignore: &HashMap<usize, usize>) -> Result<(Vec<usize>, Vec<bool>)> {
        let cols = column_views(x);
        check_cols(&self.info, cols.len())?;
        let nf = cols.len();
        let rows = x.rows();
        let mut code = vec![0usize; rows * nf];
        let mut known = vec![true; rows * nf];
        for (j, ((name, col), cats)) in cols.iter().zip(&self.cats).enumerate() {
            for i in 0..rows {
                let found = match col {
                    ColView::F(v) => {
                        let val = v[i];
                        if val.is_infinite() {
                            return Err(input(format!(
                                "Input X contains infinity (column {name:?}); {} does not accept it",
                                self.info.class
                            )));
                        }
                        cats.find_num(val)
                    }
                    ColView::S(v) => cats.find_str(&v[i]),
                };
                let k = i * nf + j;
                match found {
                    Some(c) => code[k] = c,
                    None => {
                        if self.unknown == Unknown::Error {
                            let shown = match col {
                                ColView::F(v) => format!("{}", v[i]),
                                ColView::S(v) => format!("{:?}", v[i].as_deref().unwrap_or("None")),
                            };
                            return Err(input(format!(
                                "Found unknown categories [{shown}] in column {j} ({name:?}) during transform of {}",
                                self.info.class
                            )));
                        }
                        known[k] = false;
                        code[k] = 0;
                    }
                }
                if let Some(f) = self.infrequent[j] {
                    if !known[k] {
                        code[k] = f;
                        if self.unknown == Unknown::Infrequent {
                            known[k] = true;
                        }
                    }
                }
                if let Some(m) = &self.mapping[j] {
                    if ignore.get(&j) != Some(&code[k]) {
                        code[k] = *m.get(code[k]).ok_or_else(|| {
                            malformed(
                                &self.info.class,
                                format!(
                                    "feature {j}: category {} has no infrequent mapping",
                                    code[k]
                                ),
                            )
                        })?;
                    }
                }
            }
        }
        Ok((code, known))
    }
}

struct OneHot {
    enc: Encoder,
    /// `_drop_idx_after_grouping`
    drop: Vec<Option<usize>>,
    offsets: Vec<usize>,
    width: usize,
}

fn read_opt_idx_array(
    ctx: &Ctx<'_>,
    id: NodeId,
    n: usize,
    path: &str,
) -> Result<Vec<Option<usize>>> {
    let vals: Vec<Option<i64>> = match ctx.node(id, path)? {
        Node::ObjectArray { items, .. } | Node::List(items) => items
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                if ctx.is_none(i) {
                    Ok(None)
                } else {
                    ctx.i64(i, &format!("{path}[{k}]")).map(Some)
                }
            })
            .collect::<Result<_>>()?,
        _ => ctx.arr_i64(id, path)?.data.into_iter().map(Some).collect(),
    };
    if vals.len() != n {
        return Err(malformed(
            path,
            format!("{} entries for {n} features", vals.len()),
        ));
    }
    vals.into_iter()
        .map(|v| match v {
            None => Ok(None),
            Some(v) => usize::try_from(v)
                .map(Some)
                .map_err(|_| malformed(path, format!("negative index {v}"))),
        })
        .collect()
}

impl OneHot {
    fn read(est: &Obj<'_, '_>, path: &str) -> Result<OneHot> {
        let enc = Encoder::read(est, path)?;
        if enc.unknown == Unknown::Encoded {
            return Err(malformed(
                path,
                "OneHotEncoder with handle_unknown=use_encoded_value",
            ));
        }
        let n = enc.cats.len();
        let drop = match est.opt("_drop_idx_after_grouping") {
            None => vec![None; n],
            Some(id) => {
                read_opt_idx_array(est.ctx, id, n, &format!("{path}._drop_idx_after_grouping"))?
            }
        };
        let outs_p = format!("{path}._n_features_outs");
        let outs: Vec<usize> = est
            .ctx
            .arr_i64(est.req("_n_features_outs", path)?, &outs_p)?
            .data
            .into_iter()
            .map(|v| usize::try_from(v).map_err(|_| malformed(&outs_p, "negative width")))
            .collect::<Result<_>>()?;
        if outs.len() != n {
            return Err(malformed(&outs_p, "one width per feature expected"));
        }
        // every reachable code must land inside its block
        for i in 0..n {
            let nc = enc.cats[i].n;
            for c in 0..nc {
                let mut k = c;
                if let Some(m) = &enc.mapping[i] {
                    k = m[c];
                }
                if let Some(d) = drop[i] {
                    if k == d {
                        continue;
                    }
                    if k > d {
                        k -= 1;
                    }
                }
                if k >= outs[i] {
                    return Err(malformed(
                        path,
                        format!(
                            "feature {i}: category {c} encodes outside its {} columns",
                            outs[i]
                        ),
                    ));
                }
            }
        }
        let mut offsets = Vec::with_capacity(n);
        let mut width = 0usize;
        for w in &outs {
            offsets.push(width);
            width += w;
        }
        Ok(OneHot {
            enc,
            drop,
            offsets,
            width,
        })
    }
}

impl Transformer for OneHot {
    fn transform_data(&self, x: Data) -> Result<Data> {
        let rows = x.rows();
        let (code, known) = self.enc.codes(&x, &HashMap::new())?;
        let nf = self.offsets.len();
        let mut out = Mat::zeros(rows, self.width);
        for i in 0..rows {
            for j in 0..nf {
                let k = i * nf + j;
                let mut c = code[k];
                if !known[k] {
                    continue;
                }
                if let Some(d) = self.drop[j] {
                    if c == d {
                        continue;
                    }
                    if c > d {
                        c -= 1;
                    }
                }
                let col = self.offsets[j] + c;
                if col < self.width {
                    out.data[i * self.width + col] = 1.0;
                }
            }
        }
        Ok(Data::Dense(out))
    }
}

impl Estimator for OneHot {
    fn info(&self) -> &Info {
        &self.enc.info
    }
    fn supports(&self, m: Method) -> bool {
        m == Method::Transform
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if m != Method::Transform {
            return Err(self.no_method(m));
        }
        data_output(self.transform_data(x)?, &self.enc.info.class)
    }
}

struct Ordinal {
    enc: Encoder,
    missing: HashMap<usize, usize>,
    encoded_missing: f64,
    unknown_value: f64,
}

impl Ordinal {
    fn read(est: &Obj<'_, '_>, path: &str) -> Result<Ordinal> {
        let enc = Encoder::read(est, path)?;
        if enc.unknown == Unknown::Ignore || enc.unknown == Unknown::Infrequent {
            return Err(malformed(
                path,
                "OrdinalEncoder with a OneHotEncoder handle_unknown",
            ));
        }
        let mut missing = HashMap::new();
        if let Some(id) = est.opt("_missing_indices") {
            let p = format!("{path}._missing_indices");
            match est.ctx.node(id, &p)? {
                Node::Dict(kv) => {
                    for &(k, v) in kv {
                        let f = est.ctx.usize(k, &p)?;
                        let c = est.ctx.usize(v, &p)?;
                        if f >= enc.cats.len() || c >= enc.cats[f].n {
                            return Err(malformed(&p, "index out of range"));
                        }
                        missing.insert(f, c);
                    }
                }
                n => {
                    return Err(malformed(
                        &p,
                        format!("expected a dict, found {}", n.kind_name()),
                    ))
                }
            }
        }
        let num = |k: &str| -> Result<f64> {
            match est.opt(k) {
                None => Ok(f64::NAN),
                Some(v) => est.ctx.f64(v, &format!("{path}.{k}")),
            }
        };
        let encoded_missing = num("encoded_missing_value")?;
        let unknown_value = if enc.unknown == Unknown::Encoded {
            num("unknown_value")?
        } else {
            f64::NAN
        };
        Ok(Ordinal {
            enc,
            missing,
            encoded_missing,
            unknown_value,
        })
    }
}

impl Transformer for Ordinal {
    fn transform_data(&self, x: Data) -> Result<Data> {
        let rows = x.rows();
        let (code, known) = self.enc.codes(&x, &self.missing)?;
        let nf = self.enc.cats.len();
        let mut out = Mat::zeros(rows, nf);
        for i in 0..rows {
            for j in 0..nf {
                let k = i * nf + j;
                let mut v = code[k] as f64;
                if self.missing.get(&j) == Some(&code[k]) {
                    v = self.encoded_missing;
                }
                if self.enc.unknown == Unknown::Encoded && !known[k] {
                    v = self.unknown_value;
                }
                out.data[k] = v;
            }
        }
        Ok(Data::Dense(out))
    }
}

impl Estimator for Ordinal {
    fn info(&self) -> &Info {
        &self.enc.info
    }
    fn supports(&self, m: Method) -> bool {
        m == Method::Transform
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if m != Method::Transform {
            return Err(self.no_method(m));
        }
        data_output(self.transform_data(x)?, &self.enc.info.class)
    }
}

// ---------------------------------------------------------------- imputer

#[derive(Debug, Clone, PartialEq)]
enum MissingSpec {
    /// NaN or None: NaN in numbers, None in strings
    Nan,
    Num(f64),
    Str(String),
}

struct Imputer {
    info: Info,
    missing: MissingSpec,
    /// fill per input column; `None` drops the column
    fill: Vec<Option<Val>>,
    object: bool,
}

impl Imputer {
    fn read(est: &Obj<'_, '_>, path: &str) -> Result<Imputer> {
        let ctx = est.ctx;
        let info = Info::read(est, path)?;
        if est.opt("indicator_").is_some()
            || matches!(
                est.opt("add_indicator").map(|v| ctx.bool(v, path)),
                Some(Ok(true))
            )
        {
            return Err(unsupported(
                "SimpleImputer(add_indicator=True)",
                &format!("{path}.add_indicator"),
                "Add a MissingIndicator is not implemented natively; impute without the indicator.",
            ));
        }
        let mv = est.req("missing_values", path)?;
        let missing = match read_val(ctx, mv, &format!("{path}.missing_values"))? {
            Val::Missing => MissingSpec::Nan,
            Val::Num(v) => MissingSpec::Num(v),
            Val::Str(s) => MissingSpec::Str(s),
        };
        let keep = match est.opt("keep_empty_features") {
            Some(v) => ctx.bool(v, &format!("{path}.keep_empty_features"))?,
            None => false,
        };
        let sp = format!("{path}.statistics_");
        let stats = read_vals(ctx, est.req("statistics_", path)?, &sp)?;
        if let Some(n) = info.n_features {
            if n != stats.len() {
                return Err(malformed(&sp, "statistics_ does not match n_features_in_"));
            }
        }
        let object = match est.opt("_fit_dtype") {
            Some(id) => match ctx.node(id, &format!("{path}._fit_dtype"))? {
                Node::Dtype(d) => d.kind() == 'O',
                _ => matches!(
                    ctx.node(est.req("statistics_", path)?, &sp)?,
                    Node::ObjectArray { .. }
                ),
            },
            None => false,
        };
        let fill = stats
            .into_iter()
            .map(|v| match v {
                Val::Missing if !keep => None,
                // keep_empty_features: NaN statistics become 0 (numbers) as sklearn's fit stores
                Val::Missing => Some(Val::Num(f64::NAN)),
                other => Some(other),
            })
            .collect();
        Ok(Imputer {
            info,
            missing,
            fill,
            object,
        })
    }

    fn is_missing_num(&self, v: f64) -> bool {
        match &self.missing {
            MissingSpec::Nan => v.is_nan(),
            MissingSpec::Num(m) => v == *m,
            MissingSpec::Str(_) => false,
        }
    }
    fn is_missing_str(&self, v: &Option<String>) -> bool {
        match (&self.missing, v) {
            (MissingSpec::Nan, None) => true,
            (MissingSpec::Str(m), Some(s)) => s == m,
            _ => false,
        }
    }
}

impl Transformer for Imputer {
    fn transform_data(&self, x: Data) -> Result<Data> {
        if !self.object {
            let x = x.into_dense(&self.info.class)?;
            let allow_nan = self.missing == MissingSpec::Nan;
            check_cols(&self.info, x.cols)?;
            if x.cols != self.fill.len() {
                return Err(input(format!(
                    "X has {} features per sample, expected {}",
                    x.cols,
                    self.fill.len()
                )));
            }
            check_finite(&x, allow_nan, &self.info.class)?;
            let keep: Vec<usize> = (0..x.cols).filter(|&j| self.fill[j].is_some()).collect();
            let fills: Vec<f64> = keep
                .iter()
                .map(|&j| match &self.fill[j] {
                    Some(Val::Num(v)) => Ok(*v),
                    _ => Err(malformed(
                        &self.info.class,
                        "a non-numeric statistic for numeric data",
                    )),
                })
                .collect::<Result<_>>()?;
            let mut out = x.select(&keep);
            let w = out.cols;
            if w > 0 {
                for row in out.data.chunks_exact_mut(w) {
                    for (a, f) in row.iter_mut().zip(&fills) {
                        if self.is_missing_num(*a) {
                            *a = *f;
                        }
                    }
                }
            }
            return Ok(Data::Dense(out));
        }
        // object data: column by column, keeping strings as strings
        let rows = x.rows();
        let cols = column_views(&x);
        check_cols(&self.info, cols.len())?;
        if cols.len() != self.fill.len() {
            return Err(input(format!(
                "X has {} features per sample, expected {}",
                cols.len(),
                self.fill.len()
            )));
        }
        let mut names = Vec::new();
        let mut out = Vec::new();
        for ((name, col), fill) in cols.into_iter().zip(&self.fill) {
            let Some(fill) = fill else { continue };
            let c = match col {
                ColView::F(v) => {
                    let mut v = v.into_owned();
                    for a in &mut v {
                        if self.is_missing_num(*a) {
                            *a = match fill {
                                Val::Num(f) => *f,
                                _ => {
                                    return Err(input(format!(
                                        "column {name:?} holds numbers, but {} would fill it with {fill:?}; \
                                         native inference keeps a column to one type",
                                        self.info.class
                                    )))
                                }
                            };
                        }
                    }
                    Column::F64(v)
                }
                ColView::S(v) => {
                    let mut v = v.to_vec();
                    for a in &mut v {
                        if self.is_missing_str(a) {
                            *a = match fill {
                                Val::Str(s) => Some(s.clone()),
                                _ => {
                                    return Err(input(format!(
                                        "column {name:?} holds strings, but {} would fill it with {fill:?}; \
                                         native inference keeps a column to one type",
                                        self.info.class
                                    )))
                                }
                            };
                        }
                    }
                    Column::Str(v)
                }
            };
            names.push(name);
            out.push(c);
        }
        if out.is_empty() {
            return Ok(Data::Dense(Mat::zeros(rows, 0)));
        }
        Ok(Data::Table(Table::new(names, out)?))
    }
}
transformer_estimator!(Imputer);

// ---------------------------------------------------------------- polynomial

struct Poly {
    info: Info,
    /// XP's columns in the order the dense path fills them
    full: Vec<Term>,
    /// min_degree > 1: (bias column first, first kept column of XP)
    pick: Option<(bool, usize)>,
}

#[derive(Debug, Clone, Copy)]
enum Term {
    One,
    X(usize),
    /// XP[:, src] * X[:, feature]
    Prod(usize, usize),
}

impl Poly {
    fn read(est: &Obj<'_, '_>, path: &str) -> Result<Poly> {
        let mut info = Info::read(est, path)?;
        let nf = info
            .n_features
            .ok_or_else(|| malformed(path, "n_features_in_ missing"))?;
        let min_d = est.usize("_min_degree", path)?;
        let max_d = est.usize("_max_degree", path)?;
        let inter = est.bool("interaction_only", path)?;
        let bias = est.bool("include_bias", path)?;
        let n_out = est.usize("n_output_features_", path)?;
        if max_d > 64 || nf > 100_000 {
            return Err(malformed(path, "degree or width out of range"));
        }
        // the dense path of PolynomialFeatures.transform, column by column
        let mut xp: Vec<Term> = Vec::new();
        if bias {
            xp.push(Term::One);
        }
        if max_d > 0 {
            let mut index: Vec<usize> = (xp.len()..xp.len() + nf).collect();
            for f in 0..nf {
                xp.push(Term::X(f));
            }
            index.push(xp.len());
            for _ in 2..=max_d {
                let mut new_index = Vec::new();
                let end = index.last().copied().unwrap_or(0);
                for f in 0..nf {
                    let mut start = index[f];
                    new_index.push(xp.len());
                    if inter {
                        start += index[f + 1] - index[f];
                    }
                    if end <= start {
                        break;
                    }
                    for s in start..end {
                        xp.push(Term::Prod(s, f));
                    }
                    if xp.len() > 10_000_000 {
                        return Err(malformed(path, "too many output features"));
                    }
                }
                new_index.push(xp.len());
                index = new_index;
            }
        }
        let n_full = xp.len();
        let pick = if min_d > 1 {
            let skip = if bias { 1 } else { 0 };
            if n_out > n_full || n_out < skip {
                return Err(malformed(path, "n_output_features_ out of range"));
            }
            Some((bias, n_full - n_out + skip))
        } else {
            if n_out != n_full {
                return Err(malformed(
                    path,
                    format!("n_output_features_ is {n_out}, the powers give {n_full}"),
                ));
            }
            None
        };
        info.n_features = Some(nf);
        Ok(Poly {
            info,
            full: xp,
            pick,
        })
    }
}

impl Transformer for Poly {
    fn transform_data(&self, x: Data) -> Result<Data> {
        let x = dense_in(&self.info, x, false)?;
        let n_full = self.full.len();
        let width = match self.pick {
            None => n_full,
            Some((b, start)) => usize::from(b) + (n_full - start),
        };
        let mut out = Mat::zeros(x.rows, width);
        let mut row_full = vec![0.0; n_full];
        for i in 0..x.rows {
            let xr = x.row(i);
            for c in 0..n_full {
                row_full[c] = match self.full[c] {
                    Term::One => 1.0,
                    Term::X(f) => xr[f],
                    // src < c and f < n_features (built that way)
                    Term::Prod(s, f) => row_full[s] * xr[f],
                };
            }
            let o = out.row_mut(i);
            match self.pick {
                None => o.copy_from_slice(&row_full),
                Some((b, start)) => {
                    let k = usize::from(b);
                    if b {
                        o[0] = 1.0;
                    }
                    o[k..].copy_from_slice(&row_full[start..]);
                }
            }
        }
        Ok(Data::Dense(out))
    }
}
transformer_estimator!(Poly);

// ---------------------------------------------------------------- PCA, KMeans

struct Pca {
    info: Info,
    components: Mat,
    /// components_ stored Fortran-ordered
    comp_f: bool,
    /// mean_ @ components_.T
    mean_proj: Vec<f64>,
    scale: Option<Vec<f64>>,
    blas: Blas,
}

impl Pca {
    fn read(est: &Obj<'_, '_>, path: &str) -> Result<Pca> {
        let info = Info::read(est, path)?;
        let components = mat_f64(est, "components_", path)?;
        let d = components.cols;
        if info.n_features.is_some_and(|n| n != d) {
            return Err(malformed(path, "components_ does not match n_features_in_"));
        }
        let mean = vec_f64(est, "mean_", path, Some(d))?;
        // `reshape(mean_, (1, -1)) @ components_.T`
        let comp_f = fortran_ordered(est, "components_");
        let blas = est.ctx.blas.clone();
        let mean_proj = blas
            .matmul_t(
                &Mat {
                    rows: 1,
                    cols: d,
                    data: mean,
                },
                &components,
                comp_f,
            )
            .data;
        let whiten = match est.opt("whiten") {
            Some(v) => est.ctx.bool(v, &format!("{path}.whiten"))?,
            None => false,
        };
        let scale = if whiten {
            let ev = vec_f64(est, "explained_variance_", path, Some(components.rows))?;
            Some(
                ev.into_iter()
                    .map(|v| {
                        let s = v.sqrt();
                        if s < f64::EPSILON {
                            f64::EPSILON
                        } else {
                            s
                        }
                    })
                    .collect(),
            )
        } else {
            None
        };
        let mut info = info;
        info.n_features = Some(d);
        Ok(Pca {
            info,
            components,
            comp_f,
            mean_proj,
            scale,
            blas,
        })
    }
}

impl Transformer for Pca {
    fn transform_data(&self, x: Data) -> Result<Data> {
        let x = dense_in(&self.info, x, false)?;
        let mut out = self.blas.matmul_t(&x, &self.components, self.comp_f);
        for i in 0..out.rows {
            for (c, v) in out.row_mut(i).iter_mut().enumerate() {
                let mut t = *v - self.mean_proj[c];
                if let Some(s) = &self.scale {
                    t /= s[c];
                }
                *v = t;
            }
        }
        Ok(Data::Dense(out))
    }
}
transformer_estimator!(Pca, |s: &Pca| s.blas.exactness(s.comp_f), |_: &Pca| false);

struct KMeans {
    info: Info,
    centers: Mat,
    /// cluster_centers_ stored Fortran-ordered
    centers_f: bool,
    sq_norms: Vec<f64>,
    blas: Blas,
}

impl KMeans {
    fn read(est: &Obj<'_, '_>, path: &str) -> Result<KMeans> {
        let info = Info::read(est, path)?;
        let centers = mat_f64(est, "cluster_centers_", path)?;
        if centers.rows == 0 {
            return Err(malformed(path, "no cluster centers"));
        }
        if info.n_features.is_some_and(|n| n != centers.cols) {
            return Err(malformed(
                path,
                "cluster_centers_ does not match n_features_in_",
            ));
        }
        let sq_norms = (0..centers.rows)
            .map(|k| einsum_sq(centers.row(k)))
            .collect();
        let mut info = info;
        info.n_features = Some(centers.cols);
        Ok(KMeans {
            info,
            centers_f: fortran_ordered(est, "cluster_centers_"),
            centers,
            sq_norms,
            blas: est.ctx.blas.clone(),
        })
    }
}

impl Transformer for KMeans {
    fn transform_data(&self, x: Data) -> Result<Data> {
        // euclidean_distances: -2 X.C^T, += ||x||^2, += ||c||^2, max(0), sqrt
        let x = dense_in(&self.info, x, false)?;
        let mut out = self.blas.matmul_t(&x, &self.centers, self.centers_f);
        for i in 0..x.rows {
            let xx = einsum_sq(x.row(i));
            for (c, v) in out.row_mut(i).iter_mut().enumerate() {
                let mut d = -2.0 * *v;
                d += xx;
                d += self.sq_norms[c];
                *v = if d > 0.0 { d.sqrt() } else { 0.0 };
            }
        }
        Ok(Data::Dense(out))
    }
}

impl Estimator for KMeans {
    fn info(&self) -> &Info {
        &self.info
    }
    fn exactness(&self, m: Method) -> Exactness {
        match m {
            Method::Predict => Exactness::Bounded(
                "KMeans.predict runs scikit-learn's chunked Cython loop with scipy's BLAS; \
                 labels differ only for points equidistant to two centers within the bound"
                    .into(),
            ),
            _ => self.blas.exactness(self.centers_f),
        }
    }
    fn batchable(&self) -> bool {
        false
    }
    fn supports(&self, m: Method) -> bool {
        matches!(m, Method::Transform | Method::Predict)
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        match m {
            Method::Transform => data_output(self.transform_data(x)?, &self.info.class),
            Method::Predict => {
                let x = dense_in(&self.info, x, false)?;
                let labels = (0..x.rows)
                    .map(|i| {
                        let xr = x.row(i);
                        let mut best = 0usize;
                        let mut min = f64::INFINITY;
                        for c in 0..self.centers.rows {
                            let d = self.sq_norms[c]
                                + -2.0 * crate::blas::fma_dot(xr, self.centers.row(c));
                            if c == 0 || d < min {
                                min = d;
                                best = c;
                            }
                        }
                        best as i32
                    })
                    .collect();
                Ok(Output::Labels(Labels::Int32(labels)))
            }
            _ => Err(self.no_method(m)),
        }
    }
}

// ---------------------------------------------------------------- dispatch

/// The transformer at `est`, when this module has it.
pub fn transformer(est: &Obj<'_, '_>, path: &str) -> Option<Result<Box<dyn Transformer>>> {
    if !est.class.module.starts_with("sklearn.") {
        return None;
    }
    fn boxed<T: Transformer + 'static>(r: Result<T>) -> Result<Box<dyn Transformer>> {
        r.map(|t| Box::new(t) as Box<dyn Transformer>)
    }
    Some(match est.name() {
        "StandardScaler" | "MinMaxScaler" | "MaxAbsScaler" | "RobustScaler" => {
            boxed(Scaler::read(est, path))
        }
        "Normalizer" => boxed((|| {
            let info = Info::read(est, path)?;
            let norm = match est.str("norm", path)? {
                "l1" => Norm::L1,
                "l2" => Norm::L2,
                "max" => Norm::Max,
                other => {
                    return Err(unsupported(
                        format!("Normalizer(norm={other:?})"),
                        &format!("{path}.norm"),
                        "",
                    ))
                }
            };
            Ok(Normalizer { info, norm })
        })()),
        "FunctionTransformer" => boxed((|| {
            if est.opt("func").is_some() {
                return Err(unsupported(
                    "FunctionTransformer with a function",
                    &format!("{path}.func"),
                    "Native inference runs no Python functions; only FunctionTransformer(func=None) (the identity) is implemented.",
                ));
            }
            let validate = match est.opt("validate") {
                Some(v) => est.ctx.bool(v, &format!("{path}.validate"))?,
                None => false,
            };
            Ok(Identity {
                info: Info::read(est, path)?,
                validate,
            })
        })()),
        "SimpleImputer" => boxed(Imputer::read(est, path)),
        "OneHotEncoder" => boxed(OneHot::read(est, path)),
        "OrdinalEncoder" => boxed(Ordinal::read(est, path)),
        "PolynomialFeatures" => boxed(Poly::read(est, path)),
        "PCA" => boxed(Pca::read(est, path)),
        "KMeans" | "MiniBatchKMeans" => boxed(KMeans::read(est, path)),
        _ => return None,
    })
}

/// The implementation of `est` when this module has it.
pub fn build(_ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str) -> Option<Result<Box<dyn Estimator>>> {
    transformer(est, path).map(|r| r.map(|t| t as Box<dyn Estimator>))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_propagates_nan() {
        assert!(np_clip(f64::NAN, 0.0, 1.0).is_nan());
        assert_eq!(np_clip(2.0, 0.0, 1.0), 1.0);
        assert_eq!(np_clip(-2.0, 0.0, 1.0), 0.0);
    }
}
