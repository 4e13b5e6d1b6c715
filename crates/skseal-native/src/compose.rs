//! Compositions: Pipeline, ColumnTransformer, FeatureUnion.
//!
//! - Pipeline: the steps before the last transform (`None` and
//!   "passthrough" steps are skipped); the last step decides the methods.
//!   imbalanced-learn's Pipeline is the same with its samplers skipped
//!   (`_iter(filter_resample=True)`: they act at fit time only).
//! - ColumnTransformer: every fitted entry of `transformers_` in order, its
//!   input columns from `_transformer_to_input_indices` (so columns given by
//!   name, index, boolean mask, slice or callable all work), selected by name
//!   when the input is a table and the transformer was fitted on one;
//!   "drop" entries and empty selections are skipped, `transformer_weights`
//!   multiply, the results are stacked side by side. A scalar column spec
//!   (which gives the transformer 1-D data) is refused. The result is dense
//!   also when scikit-learn would return a sparse matrix (same values).
//! - FeatureUnion: every transformer of `transformer_list` on the same
//!   input ("drop" skipped, "passthrough" the identity), weighted, stacked.
//!
//! Strings flow through as table columns (e.g. a "passthrough" of a string
//! column into a OneHotEncoder of an outer step).

use skseal_core::ir::{Node, NodeId};

use crate::access::{Ctx, Obj};
use crate::blas::Exactness;
use crate::data::{Column, Data, Labels, Mat, Method, Output, Table};
use crate::error::{input, malformed, Result};
use crate::estimator::{
    after_fortran, boxed, check_width, data_output, unsupported, Builders, Estimator, Info,
    Transformer, SPARSE_STEPS,
};

/// The identity, for "passthrough".
struct Passthrough {
    info: Info,
}

impl Estimator for Passthrough {
    fn info(&self) -> &Info {
        &self.info
    }
    fn supports(&self, m: Method) -> bool {
        m == Method::Transform
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if m != Method::Transform {
            return Err(self.no_method(m));
        }
        data_output(x, "passthrough")
    }
}

impl Transformer for Passthrough {
    fn transform_data(&self, x: Data) -> Result<Data> {
        Ok(x)
    }
}

fn passthrough() -> Box<dyn Transformer> {
    Box::new(Passthrough {
        info: Info {
            class: "passthrough".into(),
            ..Info::default()
        },
    })
}

/// The composition `est` is, by module and class: scikit-learn's Pipeline,
/// ColumnTransformer, FeatureUnion, or imbalanced-learn's Pipeline (a
/// scikit-learn Pipeline whose samplers are skipped at predict time).
fn composition(est: &Obj<'_, '_>) -> Option<Kind> {
    match (est.class.module.as_str(), est.name()) {
        ("imblearn.pipeline", "Pipeline") => Some(Kind::Pipeline { resamples: true }),
        (m, n) if m.starts_with("sklearn.") => match n {
            "Pipeline" => Some(Kind::Pipeline { resamples: false }),
            "ColumnTransformer" => Some(Kind::ColumnTransformer),
            "FeatureUnion" => Some(Kind::FeatureUnion),
            _ => None,
        },
        _ => None,
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Pipeline { resamples: bool },
    ColumnTransformer,
    FeatureUnion,
}

/// Whether imbalanced-learn's Pipeline skips the step at `id` at predict
/// and transform time: `_iter(filter_resample=True)` drops every step with
/// a `fit_resample` method, i.e. imbalanced-learn's samplers (the
/// over_sampling, under_sampling and combine modules, FunctionSampler; it
/// refuses a Pipeline as an intermediate step).
fn resampler(ctx: &Ctx<'_>, id: NodeId, path: &str) -> Result<bool> {
    if step_word(ctx, id).is_some() {
        return Ok(false);
    }
    let o = ctx.obj(id, path)?;
    let m = o.class.module.as_str();
    Ok(m.starts_with("imblearn.over_sampling.")
        || m.starts_with("imblearn.under_sampling.")
        || m.starts_with("imblearn.combine.")
        || (m == "imblearn.base" && o.name() == "FunctionSampler"))
}

/// A step that must transform.
fn any_transformer(
    ctx: &Ctx<'_>,
    id: NodeId,
    path: &str,
    b: Builders,
) -> Result<Box<dyn Transformer>> {
    let est = ctx.obj(id, path)?;
    if let Some(r) = (b.transformer)(&est, path) {
        return r;
    }
    match composition(&est) {
        Some(Kind::Pipeline { resamples }) => {
            let p = Pipeline::read(ctx, &est, path, b, resamples)?;
            if matches!(p.last, Last::E(_)) {
                return Err(unsupported(
                    "a Pipeline whose last step has no transform, used as a transformer",
                    path,
                    "",
                ));
            }
            return Ok(Box::new(p));
        }
        Some(Kind::ColumnTransformer) => {
            return Ok(Box::new(ColumnTransformer::read(ctx, &est, path, b)?))
        }
        Some(Kind::FeatureUnion) => return Ok(Box::new(FeatureUnion::read(ctx, &est, path, b)?)),
        None => {}
    }
    // a model native inference knows but that does not transform, or an error
    let e = (b.estimator)(ctx, id, path)?;
    Err(unsupported(
        format!("{} as a transforming step", e.info().class),
        path,
        "Native inference implements transform for the preprocessing steps and compositions only.",
    ))
}

/// A part of a ColumnTransformer / FeatureUnion whose output is a CSR
/// matrix (a text vectorizer): the stacked sparse result is not modelled.
fn no_sparse_part(tr: &dyn Transformer, path: &str) -> Result<()> {
    if tr.sparse_out() {
        return Err(unsupported(
            format!(
                "{} inside a ColumnTransformer or FeatureUnion",
                tr.info().class
            ),
            path,
            "Native inference implements text vectorizers as the first steps of a Pipeline.",
        ));
    }
    Ok(())
}

/// The step after a CSR-producing step (a text vectorizer) must compute
/// on CSR input as scikit-learn does.
fn take_sparse(next: &mut dyn Estimator, prev: &dyn Transformer, path: &str) -> Result<()> {
    if next.take_sparse() {
        return Ok(());
    }
    Err(unsupported(
        format!(
            "{} after {} (whose output is a scipy sparse matrix)",
            next.info().class,
            prev.info().class
        ),
        path,
        &format!(
            "After a step whose output is a scipy sparse matrix (a text vectorizer, \
             SplineTransformer(sparse_output=True)) native inference implements {SPARSE_STEPS}."
        ),
    ))
}

/// "passthrough", "drop" or None as a step.
fn step_word(ctx: &Ctx<'_>, id: NodeId) -> Option<String> {
    match ctx.g.node(id)? {
        Node::None => Some("passthrough".into()),
        Node::Str(s) => Some(s.clone()),
        _ => None,
    }
}

/// `(name, x, ...)` tuple items.
fn tuple<'a>(ctx: &Ctx<'a>, id: NodeId, min: usize, path: &str) -> Result<&'a [NodeId]> {
    let t = ctx.seq(id, path)?;
    if t.len() < min {
        return Err(malformed(path, format!("expected a tuple of {min} items")));
    }
    Ok(t)
}

fn weights(est: &Obj<'_, '_>, path: &str) -> Result<Vec<(String, f64)>> {
    let Some(id) = est.opt("transformer_weights") else {
        return Ok(Vec::new());
    };
    let p = format!("{path}.transformer_weights");
    match est.ctx.node(id, &p)? {
        Node::Dict(kv) => kv
            .iter()
            .map(|&(k, v)| Ok((est.ctx.str(k, &p)?.to_string(), est.ctx.f64(v, &p)?)))
            .collect(),
        n => Err(malformed(
            &p,
            format!("expected a dict, found {}", n.kind_name()),
        )),
    }
}

fn weighted(d: Data, w: Option<f64>, who: &str) -> Result<Data> {
    match w {
        None => Ok(d),
        Some(w) => {
            let mut m = d.into_dense(who)?;
            for v in &mut m.data {
                *v *= w;
            }
            Ok(Data::Dense(m))
        }
    }
}

/// np.hstack of the parts: dense when every part is numbers, else a table.
fn hstack(parts: Vec<Data>, rows: usize) -> Result<Data> {
    for p in &parts {
        if p.rows() != rows {
            return Err(input(format!(
                "a transformer returned {} rows for {rows} input rows",
                p.rows()
            )));
        }
    }
    // a part's CSR (refused at load, as scikit-learn's sparse stacking is
    // not modelled) would be its dense matrix
    let parts: Vec<Data> = parts
        .into_iter()
        .map(|p| match p {
            Data::Csr(c) => Data::Dense(c.to_dense()),
            p => p,
        })
        .collect();
    if parts.iter().all(|p| matches!(p, Data::Dense(_))) {
        let mats: Vec<Mat> = parts
            .into_iter()
            .filter_map(|p| match p {
                Data::Dense(m) => Some(m),
                _ => None,
            })
            .collect();
        return Ok(Data::Dense(Mat::hstack(&mats, rows)));
    }
    let mut names = Vec::new();
    let mut cols = Vec::new();
    for p in parts {
        match p {
            Data::Dense(m) => {
                for j in 0..m.cols {
                    names.push(format!("x{}", names.len()));
                    cols.push(Column::F64(
                        (0..m.rows).map(|i| m.data[i * m.cols + j]).collect(),
                    ));
                }
            }
            Data::Csr(_) => {}
            Data::Table(t) => {
                for c in t.columns {
                    names.push(format!("x{}", names.len()));
                    cols.push(c);
                }
            }
        }
    }
    Ok(Data::Table(Table::new(names, cols)?))
}

// ---------------------------------------------------------------- Pipeline

/// Each CSR-producing step tells the next one (refused when it cannot), in
/// order, so a step switched to CSR passes it on: at build (after a text
/// vectorizer) and when the pipeline itself is given CSR ([`Estimator::take_sparse`]).
fn chain_sparse(steps: &mut [Box<dyn Transformer>], last: &mut Last, path: &str) -> Result<()> {
    for k in 0..steps.len() {
        if steps[k].sparse_out() {
            let (done, rest) = steps.split_at_mut(k + 1);
            let prev = done[k].as_ref();
            match rest.first_mut() {
                Some(next) => take_sparse(next.as_mut(), prev, path)?,
                None => match last {
                    Last::Passthrough => {}
                    Last::T(t) => take_sparse(t.as_mut(), prev, path)?,
                    Last::E(e) => take_sparse(e.as_mut(), prev, path)?,
                },
            }
        }
    }
    Ok(())
}

enum Last {
    Passthrough,
    T(Box<dyn Transformer>),
    E(Box<dyn Estimator>),
}

struct Pipeline {
    info: Info,
    steps: Vec<Box<dyn Transformer>>,
    last: Last,
}

impl Pipeline {
    /// `resamples`: imbalanced-learn's Pipeline, whose samplers are skipped.
    fn read(
        ctx: &Ctx<'_>,
        est: &Obj<'_, '_>,
        path: &str,
        b: Builders,
        resamples: bool,
    ) -> Result<Pipeline> {
        let sp = format!("{path}.steps");
        let items = ctx.seq(est.req("steps", path)?, &sp)?;
        let Some((last_id, first)) = items.split_last() else {
            return Err(malformed(&sp, "no steps"));
        };
        let mut steps = Vec::new();
        let mut first_info: Option<Info> = None;
        for (k, &s) in first.iter().enumerate() {
            let p = format!("{sp}[{k}]");
            let t = tuple(ctx, s, 2, &p)?;
            let name = ctx.str(t[0], &p)?;
            let p = format!("{path}[{name:?}]");
            if let Some(w) = step_word(ctx, t[1]) {
                if w != "passthrough" {
                    return Err(malformed(&p, format!("step {w:?}")));
                }
                continue;
            }
            if resamples && resampler(ctx, t[1], &p)? {
                continue;
            }
            let tr = any_transformer(ctx, t[1], &p, b)?;
            if first_info.is_none() {
                first_info = Some(tr.info().clone());
            }
            steps.push(tr);
        }
        let lp = format!("{sp}[{}]", first.len());
        let t = tuple(ctx, *last_id, 2, &lp)?;
        let name = ctx.str(t[0], &lp)?;
        let p = format!("{path}[{name:?}]");
        let mut last = match step_word(ctx, t[1]) {
            Some(w) if w == "passthrough" => Last::Passthrough,
            Some(w) => return Err(malformed(&p, format!("step {w:?}"))),
            None if resamples && resampler(ctx, t[1], &p)? => {
                return Err(unsupported(
                    "an imbalanced-learn Pipeline ending in a sampler",
                    &p,
                    "Such a pipeline has neither predict nor transform.",
                ));
            }
            None => {
                let o = ctx.obj(t[1], &p)?;
                // RFE transforms and predicts: as the last step it predicts
                let rfe =
                    o.class.module.starts_with("sklearn.") && matches!(o.name(), "RFE" | "RFECV");
                let is_tr = !rfe
                    && ((b.transformer)(&o, &p).is_some()
                        || matches!(
                            composition(&o),
                            Some(Kind::ColumnTransformer | Kind::FeatureUnion)
                        ));
                if is_tr {
                    Last::T(any_transformer(ctx, t[1], &p, b)?)
                } else {
                    Last::E((b.estimator)(ctx, t[1], &p)?)
                }
            }
        };
        if first_info.is_none() {
            first_info = match &last {
                Last::Passthrough => None,
                Last::T(t) => Some(t.info().clone()),
                Last::E(e) => Some(e.info().clone()),
            };
        }
        chain_sparse(&mut steps, &mut last, path)?;
        let fi = first_info.unwrap_or_default();
        let own = Info::read(est, path)?;
        let info = Info {
            class: own.class,
            n_features: own.n_features.or(fi.n_features),
            feature_names: own.feature_names.or(fi.feature_names),
        };
        Ok(Pipeline { info, steps, last })
    }

    fn front(&self, mut x: Data) -> Result<Data> {
        for s in &self.steps {
            x = s.transform_data(x)?;
        }
        Ok(x)
    }
}

impl Estimator for Pipeline {
    fn info(&self) -> &Info {
        &self.info
    }
    fn classes(&self) -> Option<&Labels> {
        match &self.last {
            Last::Passthrough => None,
            Last::T(t) => t.classes(),
            Last::E(e) => e.classes(),
        }
    }
    fn output_classes(&self) -> Vec<&Labels> {
        match &self.last {
            Last::Passthrough => Vec::new(),
            Last::T(t) => t.output_classes(),
            Last::E(e) => e.output_classes(),
        }
    }
    fn exactness(&self, m: Method) -> Exactness {
        // once a step leaves X Fortran-ordered, later products are bounded
        let mut fortran = false;
        let mut front = Exactness::Bitwise;
        for s in &self.steps {
            let e = s.exactness(Method::Transform);
            front = front.and(if fortran { after_fortran(e) } else { e });
            fortran |= s.fortran_out();
        }
        let last = match &self.last {
            Last::Passthrough => Exactness::Bitwise,
            Last::T(t) => t.exactness(m),
            Last::E(e) => e.exactness(m),
        };
        front.and(if fortran { after_fortran(last) } else { last })
    }
    fn batchable(&self) -> bool {
        self.steps.iter().all(|s| s.batchable())
            && match &self.last {
                Last::Passthrough => true,
                Last::T(t) => t.batchable(),
                Last::E(e) => e.batchable(),
            }
    }
    fn supports(&self, m: Method) -> bool {
        match &self.last {
            Last::Passthrough => m == Method::Transform,
            Last::T(t) => t.supports(m),
            Last::E(e) => e.supports(m),
        }
    }
    fn text_inputs(&self) -> Option<Vec<bool>> {
        match (self.steps.first(), &self.last) {
            (Some(s), _) => s.text_inputs(),
            (None, Last::T(t)) => t.text_inputs(),
            (None, Last::E(e)) => e.text_inputs(),
            (None, Last::Passthrough) => None,
        }
    }
    fn take_sparse(&mut self) -> bool {
        let first = match self.steps.first_mut() {
            Some(s) => s.take_sparse(),
            None => match &mut self.last {
                Last::Passthrough => false,
                Last::T(t) => t.take_sparse(),
                Last::E(e) => e.take_sparse(),
            },
        };
        // the first step's output may now be CSR: tell the steps after it
        first && chain_sparse(&mut self.steps, &mut self.last, &self.info.class).is_ok()
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if !self.supports(m) {
            return Err(self.no_method(m));
        }
        let xt = self.front(x)?;
        match &self.last {
            Last::Passthrough => data_output(xt, &self.info.class),
            Last::T(t) => t.run(m, xt),
            Last::E(e) => e.run(m, xt),
        }
    }
}

impl Transformer for Pipeline {
    fn transform_data(&self, x: Data) -> Result<Data> {
        let xt = self.front(x)?;
        match &self.last {
            Last::Passthrough => Ok(xt),
            Last::T(t) => t.transform_data(xt),
            Last::E(e) => Err(e.no_method(Method::Transform)),
        }
    }
    fn fortran_out(&self) -> bool {
        self.steps.iter().any(|s| s.fortran_out())
            || matches!(&self.last, Last::T(t) if t.fortran_out())
    }
    fn c_ordered_out(&self) -> bool {
        match &self.last {
            Last::T(t) => t.c_ordered_out(),
            Last::Passthrough => self.steps.last().is_some_and(|s| s.c_ordered_out()),
            Last::E(_) => false,
        }
    }
    fn sparse_out(&self) -> bool {
        match &self.last {
            Last::T(t) => t.sparse_out(),
            Last::Passthrough => self.steps.last().is_some_and(|s| s.sparse_out()),
            Last::E(_) => false,
        }
    }
}

// ---------------------------------------------------------------- ColumnTransformer

struct Part {
    name: String,
    tr: Box<dyn Transformer>,
    idx: Vec<usize>,
    /// feature_names_in_[idx] when fitted on a table
    names: Option<Vec<String>>,
    weight: Option<f64>,
}

struct ColumnTransformer {
    info: Info,
    parts: Vec<Part>,
}

impl ColumnTransformer {
    fn read(
        ctx: &Ctx<'_>,
        est: &Obj<'_, '_>,
        path: &str,
        b: Builders,
    ) -> Result<ColumnTransformer> {
        let info = Info::read(est, path)?;
        let nf = info
            .n_features
            .ok_or_else(|| malformed(path, "n_features_in_ missing"))?;
        if let Some(names) = &info.feature_names {
            if names.len() != nf {
                return Err(malformed(
                    path,
                    "feature_names_in_ does not match n_features_in_",
                ));
            }
        }
        let w = weights(est, path)?;
        let ip = format!("{path}._transformer_to_input_indices");
        let indices_id = est.req("_transformer_to_input_indices", path)?;
        let tp = format!("{path}.transformers_");
        let items = ctx.seq(est.req("transformers_", path)?, &tp)?;
        let mut parts = Vec::new();
        for (k, &it) in items.iter().enumerate() {
            let p = format!("{tp}[{k}]");
            let t = tuple(ctx, it, 3, &p)?;
            let name = ctx.str(t[0], &p)?.to_string();
            let p = format!("{path}[{name:?}]");
            let word = step_word(ctx, t[1]);
            if word.as_deref() == Some("drop") {
                continue;
            }
            if matches!(
                ctx.node(t[2], &p)?,
                Node::Str(_) | Node::Int(_) | Node::Scalar { .. }
            ) {
                return Err(unsupported(
                    "a ColumnTransformer column given as a scalar (the transformer gets 1-D data)",
                    &p,
                    "Give the columns as a list (e.g. [\"text\"]) to use native inference.",
                ));
            }
            let idx_id = ctx.g.dict_get(indices_id, &name).ok_or_else(|| {
                malformed(&ip, format!("no input indices for transformer {name:?}"))
            })?;
            let idx: Vec<usize> = ctx
                .arr_i64(idx_id, &format!("{ip}[{name:?}]"))?
                .data
                .into_iter()
                .map(|v| {
                    usize::try_from(v)
                        .ok()
                        .filter(|&u| u < nf)
                        .ok_or_else(|| malformed(&ip, format!("column index {v} out of range")))
                })
                .collect::<Result<_>>()?;
            if idx.is_empty() {
                continue;
            }
            let tr = match word.as_deref() {
                Some("passthrough") => passthrough(),
                Some(other) => return Err(malformed(&p, format!("transformer {other:?}"))),
                None => any_transformer(ctx, t[1], &p, b)?,
            };
            no_sparse_part(tr.as_ref(), &p)?;
            let names = info
                .feature_names
                .as_ref()
                .map(|f| idx.iter().map(|&i| f[i].clone()).collect());
            let weight = w.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
            parts.push(Part {
                name,
                tr,
                idx,
                names,
                weight,
            });
        }
        Ok(ColumnTransformer { info, parts })
    }
}

fn select(x: &Data, idx: &[usize], names: Option<&[String]>) -> Result<Data> {
    match x {
        Data::Dense(m) => Ok(Data::Dense(m.select(idx))),
        Data::Csr(c) => Ok(Data::Dense(c.to_dense().select(idx))),
        Data::Table(t) => {
            let pos: Vec<usize> = match names {
                Some(ns) => ns
                    .iter()
                    .map(|n| {
                        t.position(n)
                            .ok_or_else(|| input(format!("columns are missing: {n:?}")))
                    })
                    .collect::<Result<_>>()?,
                None => idx.to_vec(),
            };
            let mut cols = Vec::with_capacity(pos.len());
            let mut nm = Vec::with_capacity(pos.len());
            for p in pos {
                let c = t
                    .columns
                    .get(p)
                    .ok_or_else(|| input(format!("the input has no column {p}")))?;
                cols.push(c.clone());
                nm.push(t.names[p].clone());
            }
            Ok(Data::Table(Table::new(nm, cols)?))
        }
    }
}

impl Transformer for ColumnTransformer {
    fn transform_data(&self, x: Data) -> Result<Data> {
        let rows = x.rows();
        let by_name = matches!(x, Data::Table(_)) && self.info.feature_names.is_some();
        if !by_name {
            if let Some(n) = self.info.n_features {
                if x.cols() != n {
                    return Err(input(format!(
                        "X has {} features, but ColumnTransformer is expecting {n} features as input",
                        x.cols()
                    )));
                }
            }
        }
        let mut out = Vec::with_capacity(self.parts.len());
        for p in &self.parts {
            let names = if by_name { p.names.as_deref() } else { None };
            let sub = select(&x, &p.idx, names)?;
            let r = p.tr.transform_data(sub)?;
            out.push(weighted(r, p.weight, &p.name)?);
        }
        hstack(out, rows)
    }
    fn fortran_out(&self) -> bool {
        // `np.hstack` of the parts' results: C-ordered when one part's is
        // (numpy's layout vote, C wins), else Fortran-ordered when the
        // numeric parts are (a DataFrame's columns, `X[:, columns]`); what
        // cannot be told is taken as Fortran-ordered, so a later product
        // claims its bound, never a wrong bitwise
        !self.parts.iter().any(|p| p.tr.c_ordered_out())
    }
    fn c_ordered_out(&self) -> bool {
        !self.fortran_out()
    }
    fn input_text(&self) -> Option<Vec<bool>> {
        let mut out = vec![false; self.info.n_features?];
        for p in &self.parts {
            let Some(text) = p.tr.text_inputs() else {
                continue;
            };
            for (&col, &t) in p.idx.iter().zip(&text) {
                if let Some(o) = out.get_mut(col) {
                    *o |= t;
                }
            }
        }
        out.contains(&true).then_some(out)
    }
}

crate::estimator::transformer_estimator!(
    ColumnTransformer,
    |s: &ColumnTransformer| s.parts.iter().fold(Exactness::Bitwise, |e, p| e
        .and(p.tr.exactness(Method::Transform))),
    |s: &ColumnTransformer| s.parts.iter().all(|p| p.tr.batchable())
);

// ---------------------------------------------------------------- FeatureUnion

struct FeatureUnion {
    info: Info,
    parts: Vec<(String, Box<dyn Transformer>, Option<f64>)>,
}

impl FeatureUnion {
    fn read(ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str, b: Builders) -> Result<FeatureUnion> {
        let w = weights(est, path)?;
        let lp = format!("{path}.transformer_list");
        let items = ctx.seq(est.req("transformer_list", path)?, &lp)?;
        let mut parts = Vec::new();
        let mut first: Option<Info> = None;
        for (k, &it) in items.iter().enumerate() {
            let p = format!("{lp}[{k}]");
            let t = tuple(ctx, it, 2, &p)?;
            let name = ctx.str(t[0], &p)?.to_string();
            let p = format!("{path}[{name:?}]");
            let tr = match step_word(ctx, t[1]).as_deref() {
                Some("drop") => continue,
                Some("passthrough") => passthrough(),
                Some(other) => return Err(malformed(&p, format!("transformer {other:?}"))),
                None => any_transformer(ctx, t[1], &p, b)?,
            };
            no_sparse_part(tr.as_ref(), &p)?;
            if first.is_none() {
                first = Some(tr.info().clone());
            }
            let weight = w.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
            parts.push((name, tr, weight));
        }
        let own = Info::read(est, path)?;
        let fi = first.unwrap_or_default();
        Ok(FeatureUnion {
            info: Info {
                class: own.class,
                n_features: own.n_features.or(fi.n_features),
                feature_names: own.feature_names.or(fi.feature_names),
            },
            parts,
        })
    }
}

impl Transformer for FeatureUnion {
    fn transform_data(&self, x: Data) -> Result<Data> {
        let rows = x.rows();
        if let (Some(n), Data::Dense(m)) = (self.info.n_features, &x) {
            if m.cols != n {
                check_width(&self.info, m)?;
            }
        }
        let mut out = Vec::with_capacity(self.parts.len());
        for (name, tr, w) in &self.parts {
            let r = tr.transform_data(x.clone())?;
            out.push(weighted(r, *w, name)?);
        }
        hstack(out, rows)
    }
}

crate::estimator::transformer_estimator!(
    FeatureUnion,
    |s: &FeatureUnion| s.parts.iter().fold(Exactness::Bitwise, |e, p| e
        .and(p.1.exactness(Method::Transform))),
    |s: &FeatureUnion| s.parts.iter().all(|p| p.1.batchable())
);

/// An estimator that transforms its own input first: HistGradientBoosting's
/// `_preprocessor` (scikit-learn 1.4 and later, with categorical features)
/// is a fitted ColumnTransformer whose output `predict` walks the trees on.
struct Preprocessed {
    pre: Box<dyn Transformer>,
    est: Box<dyn Estimator>,
}

impl Estimator for Preprocessed {
    fn info(&self) -> &Info {
        self.est.info()
    }
    fn classes(&self) -> Option<&Labels> {
        self.est.classes()
    }
    fn supports(&self, m: Method) -> bool {
        self.est.supports(m)
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        self.est.run(m, self.pre.transform_data(x)?)
    }
    fn exactness(&self, m: Method) -> Exactness {
        self.pre
            .exactness(Method::Transform)
            .and(self.est.exactness(m))
    }
    fn batchable(&self) -> bool {
        self.pre.batchable() && self.est.batchable()
    }
}

/// `est` with the fitted transformer at `pre` (the attribute
/// `_preprocessor` of the estimator at `path`) in front.
pub fn preprocessed(
    ctx: &Ctx<'_>,
    pre: NodeId,
    path: &str,
    b: Builders,
    est: Box<dyn Estimator>,
) -> Result<Box<dyn Estimator>> {
    let pre = any_transformer(ctx, pre, &format!("{path}._preprocessor"), b)?;
    no_sparse_part(pre.as_ref(), path)?;
    Ok(Box::new(Preprocessed { pre, est }))
}

/// The implementation of `est` when this module has it.
/// `b` builds the steps (see [`Builders`]).
pub fn build(
    ctx: &Ctx<'_>,
    est: &Obj<'_, '_>,
    path: &str,
    b: Builders,
) -> Option<Result<Box<dyn Estimator>>> {
    Some(match composition(est)? {
        Kind::Pipeline { resamples } => boxed(Pipeline::read(ctx, est, path, b, resamples)),
        Kind::ColumnTransformer => boxed(ColumnTransformer::read(ctx, est, path, b)),
        Kind::FeatureUnion => boxed(FeatureUnion::read(ctx, est, path, b)),
    })
}
