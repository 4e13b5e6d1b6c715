//! Scalers (Standard, MinMax, MaxAbs, Robust), Normalizer and the
//! identity FunctionTransformer.

use crate::access::{vec_f64, Obj};
use crate::data::{Data, Method, Output};
use crate::error::{input, malformed, Result};
use crate::estimator::{
    csr_in, data_output, dense_in, transformer_estimator, unsupported, Estimator, Info, Transformer,
};
use crate::fma::wide_dispatch;
use crate::kernels::{einsum_sq, row_sum};
use crate::npsum;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Sub,
    Div,
    Mul,
    Add,
}

/// Elementwise per-column operations applied in order, then an optional clip.
pub(super) struct Scaler {
    info: Info,
    /// the fitted vectors' length (the columns)
    width: usize,
    /// each operation with its vector repeated over whole rows, `tile`
    /// values long, so that narrow rows are processed many at a time
    ops: Vec<(Op, Vec<f64>)>,
    tile: usize,
    clip: Option<(f64, f64)>,
    allow_nan: bool,
    /// On CSR input (after a text vectorizer), where scikit-learn accepts
    /// it: `inplace_column_scale(X, 1 / scale_)`, each stored value times
    /// its column's reciprocal (`None`: no scaling); `None` outside: the
    /// scaler refuses CSR as scikit-learn does (it centers, or MinMaxScaler).
    csr_scale: Option<Option<Vec<f64>>>,
    /// The input is CSR (set by `take_sparse`).
    sparse: bool,
}

impl Scaler {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<Scaler> {
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
        let mut centers = false;
        match est.name() {
            "StandardScaler" => {
                if flag("with_mean", true)? {
                    ops.push((Op::Sub, vec_f64(est, "mean_", path, n)?));
                    centers = true;
                }
                if flag("with_std", true)? {
                    ops.push((Op::Div, vec_f64(est, "scale_", path, n)?));
                }
            }
            "MinMaxScaler" => {
                centers = true;
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
                    centers = true;
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
        let width = w.unwrap_or(0);
        // `1 / scale_` (numpy's elementwise division), for CSR input
        let csr_scale = (!centers).then(|| {
            ops.iter()
                .find(|(op, _)| *op == Op::Div)
                .map(|(_, v)| v.iter().map(|s| 1.0 / s).collect::<Vec<f64>>())
        });
        let tile = width.max(1) * (256 / width.max(1)).max(1);
        let ops = ops
            .into_iter()
            .map(|(op, v)| (op, v.iter().copied().cycle().take(tile).collect()))
            .collect();
        Ok(Scaler {
            info,
            width,
            ops,
            tile,
            clip,
            allow_nan: true,
            csr_scale,
            sparse: false,
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
        if let (true, Some(scale)) = (self.sparse, &self.csr_scale) {
            let mut c = csr_in(&self.info, x)?;
            if let Some(r) = scale {
                for i in 0..c.rows {
                    let (idx, val) = c.row_values_mut(i);
                    for (v, &j) in val.iter_mut().zip(idx) {
                        *v *= r.get(j).copied().unwrap_or(1.0);
                    }
                }
            }
            if let Some((lo, hi)) = self.clip {
                for v in c.values_mut() {
                    *v = np_clip(*v, lo, hi);
                }
            }
            return Ok(Data::Csr(c));
        }
        let mut x = dense_in(&self.info, x, self.allow_nan)?;
        let w = x.cols;
        if !self.ops.is_empty() && self.width != w {
            return Err(input(format!(
                "X has {w} features, but {} is expecting {}",
                self.info.class, self.width
            )));
        }
        // numpy's passes one after the other, row by row (each operation
        // still rounded on its own; a part shorter than a tile uses its
        // start), rows split over the cores for large inputs (elementwise:
        // the split changes nothing; cheap per value, so only when large)
        let apply = |rows: &mut [f64]| scale_rows(rows, self.tile, &self.ops);
        let chunk = self.tile * 512;
        if x.data.len() >= 2 * chunk {
            crate::par::for_chunks_mut(&mut x.data, chunk, || (), |_, _, rows| apply(rows));
        } else {
            apply(&mut x.data);
        }
        if let Some((lo, hi)) = self.clip {
            for a in &mut x.data {
                *a = np_clip(*a, lo, hi);
            }
        }
        Ok(Data::Dense(x))
    }
    fn sparse_out(&self) -> bool {
        self.sparse
    }
}

transformer_estimator!(Scaler, sparse |s: &mut Scaler| {
    s.sparse = s.csr_scale.is_some();
    s.sparse
});

/// The scaler's operations on whole rows, in order: `tiles` holds each
/// operation's vector repeated over `tile` values (a whole number of rows).
#[inline(always)]
fn scale_rows_any(rows: &mut [f64], tile: usize, tiles: &[(Op, Vec<f64>)]) {
    for part in rows.chunks_mut(tile.max(1)) {
        for (op, v) in tiles {
            let pairs = part.iter_mut().zip(v);
            match op {
                Op::Sub => pairs.for_each(|(a, b)| *a -= b),
                Op::Div => pairs.for_each(|(a, b)| *a /= b),
                Op::Mul => pairs.for_each(|(a, b)| *a *= b),
                Op::Add => pairs.for_each(|(a, b)| *a += b),
            }
        }
    }
}

wide_dispatch! {
    fn scale_rows(rows: &mut [f64], tile: usize, tiles: &[(Op, Vec<f64>)]) = scale_rows_any;
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Norm {
    L1,
    L2,
    Max,
}

pub(super) struct Normalizer {
    info: Info,
    norm: Norm,
    /// The input is CSR (after a text vectorizer; l1 and l2 only):
    /// `inplace_csr_row_normalize_l1/_l2`, not the dense path's row norms.
    sparse: bool,
}

impl Transformer for Normalizer {
    fn transform_data(&self, x: Data) -> Result<Data> {
        if self.sparse {
            let mut c = csr_in(&self.info, x)?;
            for i in 0..c.rows {
                let (_, val) = c.row_values_mut(i);
                if let Some(s) = crate::csr::row_norm(val.iter().copied(), self.norm == Norm::L2) {
                    for v in val.iter_mut() {
                        *v /= s;
                    }
                }
            }
            return Ok(Data::Csr(c));
        }
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
    fn sparse_out(&self) -> bool {
        self.sparse
    }
}

// "max" on CSR (`min_max_axis` with the implicit zeros) is not modelled
transformer_estimator!(Normalizer, sparse |s: &mut Normalizer| {
    s.sparse = s.norm != Norm::Max;
    s.sparse
});

/// FunctionTransformer: the identity (`func=None`), the float64 cast
/// `functools.partial(check_array, dtype=[np.float64], ensure_all_finite=False)`
/// that HistGradientBoosting's `_preprocessor` puts on its numerical
/// columns, or a numpy elementwise function `kernels::numpy_unary`
/// reproduces (`np.log1p`, `np.exp`, ...).
pub(super) struct Identity {
    info: Info,
    validate: bool,
    /// `check_array(X, dtype=[np.float64], ensure_all_finite=False)`: numbers
    /// as float64, NaN and infinities kept
    as_f64: bool,
    func: Option<fn(f64) -> f64>,
}

impl Transformer for Identity {
    fn transform_data(&self, x: Data) -> Result<Data> {
        let x = if self.validate {
            Data::Dense(dense_in(&self.info, x, false)?)
        } else if self.as_f64 {
            Data::Dense(x.into_dense(&self.info.class)?)
        } else {
            x
        };
        let Some(f) = self.func else { return Ok(x) };
        let mut m = x.into_dense(&self.info.class)?;
        for v in &mut m.data {
            *v = f(*v);
        }
        Ok(Data::Dense(m))
    }
}
transformer_estimator!(Identity);

impl Normalizer {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<Normalizer> {
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
        Ok(Normalizer {
            info,
            norm,
            sparse: false,
        })
    }
}

impl Identity {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<Identity> {
        let (func, as_f64) = match est.opt("func") {
            None => (None, false),
            Some(id) if is_check_array_f64(est.ctx.g, id) => (None, true),
            Some(id) => (
                Some(numpy_function(est, id, &format!("{path}.func"))?),
                false,
            ),
        };
        if (func.is_some() || as_f64) && !empty_kwargs(est, "kw_args") {
            return Err(unsupported(
                "FunctionTransformer with kw_args",
                &format!("{path}.kw_args"),
                "Only a numpy function called on X alone is implemented.",
            ));
        }
        let validate = match est.opt("validate") {
            Some(v) => est.ctx.bool(v, &format!("{path}.validate"))?,
            None => false,
        };
        Ok(Identity {
            info: Info::read(est, path)?,
            validate,
            as_f64,
            func,
        })
    }
}

/// The numpy function a FunctionTransformer refers to, when native
/// inference computes it bit for bit (`kernels::numpy_unary`).
fn numpy_function(
    est: &Obj<'_, '_>,
    id: skseal_core::ir::NodeId,
    p: &str,
) -> Result<fn(f64) -> f64> {
    let hint = "Native inference runs no Python functions; FunctionTransformer is implemented for func=None and np.exp, np.log, np.log1p, np.expm1, np.sqrt.";
    match est.ctx.node(id, p)? {
        skseal_core::ir::Node::Global(g) if g.module == "numpy" => {
            crate::kernels::numpy_unary(&g.name).map_err(|why| {
                unsupported(
                    format!("FunctionTransformer(func=numpy.{})", g.name),
                    p,
                    &format!("{why}. {hint}"),
                )
            })
        }
        skseal_core::ir::Node::Global(g) => Err(unsupported(
            format!("FunctionTransformer with the function {g}"),
            p,
            hint,
        )),
        _ => Err(unsupported("FunctionTransformer with a function", p, hint)),
    }
}

/// Whether `id` is `functools.partial(check_array, dtype=[np.float64],
/// ensure_all_finite=False)` exactly (keywords in any order; `dtype` also as
/// `np.float64` alone), the numerical step of HistGradientBoosting's
/// `_preprocessor`. Any other partial is a function native inference does
/// not run.
fn is_check_array_f64(g: &skseal_core::ir::Graph, id: skseal_core::ir::NodeId) -> bool {
    use skseal_core::ir::Node;
    let global = |id: skseal_core::ir::NodeId, m: &str, n: &str| matches!(g.node(id), Some(Node::Global(c)) if c.is(m, n));
    let Some(Node::Call {
        func,
        args,
        state: Some(st),
    }) = g.node(id)
    else {
        return false;
    };
    if !func.is("functools", "partial") {
        return false;
    }
    let check_array = |id| global(id, "sklearn.utils.validation", "check_array");
    if !matches!(args.as_slice(), [f] if check_array(*f)) {
        return false;
    }
    let Some(Node::Tuple(parts)) = g.node(*st) else {
        return false;
    };
    let [sf, sargs, skw, sns] = parts[..] else {
        return false;
    };
    let empty = |id| match g.node(id) {
        Some(Node::None) => true,
        Some(Node::Tuple(v)) => v.is_empty(),
        Some(Node::Dict(kv)) => kv.is_empty(),
        _ => false,
    };
    if !check_array(sf) || !empty(sargs) || !empty(sns) {
        return false;
    }
    let Some(Node::Dict(kv)) = g.node(skw) else {
        return false;
    };
    let f64_type = |id| global(id, "numpy", "float64");
    let (mut dtype, mut finite) = (false, false);
    for &(k, v) in kv {
        match (g.node(k), g.node(v)) {
            (Some(Node::Str(k)), Some(Node::List(l) | Node::Tuple(l)))
                if k == "dtype" && !dtype && matches!(l.as_slice(), [t] if f64_type(*t)) =>
            {
                dtype = true
            }
            (Some(Node::Str(k)), _) if k == "dtype" && !dtype && f64_type(v) => dtype = true,
            (Some(Node::Str(k)), Some(Node::Bool(false)))
                if k == "ensure_all_finite" && !finite =>
            {
                finite = true
            }
            _ => return false,
        }
    }
    dtype && finite
}

/// Whether `key` is absent, None or an empty dict.
fn empty_kwargs(est: &Obj<'_, '_>, key: &str) -> bool {
    match est.opt(key) {
        None => true,
        Some(id) => {
            matches!(est.ctx.g.node(id), Some(skseal_core::ir::Node::Dict(kv)) if kv.is_empty())
        }
    }
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
