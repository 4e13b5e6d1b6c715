//! Typed, checked reads of fitted state from the object graph.
//!
//! Every read names the attribute path it came from, so a malformed file gets
//! an error that says where (`estimators_[3].tree_.nodes: ...`).

use std::borrow::Cow;

use skseal_core::ir::{ArraySpec, Dtype, GlobalName, Graph, Node, NodeId, Order};

use crate::blas::Blas;
use crate::csr::{Csr, StoredCsr};
use crate::data::{Labels, Mat};
use crate::error::{malformed, Result};

mod pandas;
pub use pandas::{PdFrame, PdSeries, PdValues};

/// Bytes of array `i` of the graph's array table (C- or F-ordered as its spec says).
pub type ArrayBytes<'a> = dyn Fn(u32) -> Option<&'a [u8]> + Sync + 'a;

/// The graph plus access to its array bytes.
pub struct Ctx<'a> {
    pub g: &'a Graph,
    pub bytes: &'a ArrayBytes<'a>,
    /// numpy's OpenBLAS on this machine (models with matrix products keep a copy).
    pub blas: Blas,
    /// Where trees' arrays come from when the model is read from a file
    /// array by array ([`crate::load::load_path`]); `None`: from `bytes`.
    pub trees: Option<&'a dyn TreeSource>,
}

impl<'a> Ctx<'a> {
    /// A context whose arrays all come from `bytes`.
    pub fn new(g: &'a Graph, bytes: &'a ArrayBytes<'a>, blas: Blas) -> Ctx<'a> {
        Ctx {
            g,
            bytes,
            blas,
            trees: None,
        }
    }
}

/// Hands a fitted `Tree`'s arrays to its reader one tree at a time: the
/// streaming file loader reads the tree's node and value arrays, checks
/// their digests and the tree (`skseal_core::validate::validate_tree`, the
/// check loading makes), calls `read` with a context that sees them, then
/// frees them. A forest is thus never held twice in memory.
pub trait TreeSource: Sync {
    fn with_tree(
        &self,
        ctx: &Ctx<'_>,
        tree: NodeId,
        read: &mut dyn FnMut(&Ctx<'_>) -> Result<()>,
    ) -> Result<()>;

    /// The stored native layout of Tree node `tree` and its `values`, read
    /// and digest-checked, when the file has one (docs/FORMAT.md §5.6);
    /// `None` otherwise. scikit-learn's node records are then never read.
    fn stored(&self, tree: NodeId, path: &str) -> Option<Result<StoredTree>>;
}

/// A tree as its stored native layout gives it: nodes still to be checked
/// (`Tree::validated`), and `values` as read (node count x n_outputs x
/// max_n_classes, C order).
pub struct StoredTree {
    pub nodes: crate::slab::Slab<skseal_core::layout::TreeNode16>,
    pub values: crate::slab::Slab<f64>,
    pub shape: [usize; 3],
}

/// An n-dimensional array read into logical C order.
#[derive(Debug, Clone, PartialEq)]
pub struct Arr<T> {
    pub shape: Vec<usize>,
    pub data: Vec<T>,
}

/// An estimator object: its class and its state dict.
#[derive(Clone, Copy)]
pub struct Obj<'c, 'a> {
    pub ctx: &'c Ctx<'a>,
    pub class: &'a GlobalName,
    pub state: Option<NodeId>,
    pub id: NodeId,
}

impl<'a> Ctx<'a> {
    pub fn node(&self, id: NodeId, path: &str) -> Result<&'a Node> {
        self.g
            .node(id)
            .ok_or_else(|| malformed(path, format!("node {id} does not exist")))
    }

    /// The object at `id` (an `Object` or `Call` node).
    pub fn obj<'c>(&'c self, id: NodeId, path: &str) -> Result<Obj<'c, 'a>> {
        match self.node(id, path)? {
            Node::Object { class, state, .. } => Ok(Obj {
                ctx: self,
                class,
                state: *state,
                id,
            }),
            Node::Call { func, state, .. } => Ok(Obj {
                ctx: self,
                class: func,
                state: *state,
                id,
            }),
            n => Err(malformed(
                path,
                format!("expected an estimator object, found {}", n.kind_name()),
            )),
        }
    }

    pub fn f64(&self, id: NodeId, path: &str) -> Result<f64> {
        match self.node(id, path)? {
            Node::Float(f) => Ok(*f),
            Node::Int(i) => Ok(*i as f64),
            Node::Bool(b) => Ok(f64::from(u8::from(*b))),
            Node::Scalar { .. } | Node::Array(_) => {
                let a = self.arr_f64(id, path)?;
                match a.data.as_slice() {
                    [x] => Ok(*x),
                    _ => Err(malformed(path, "expected one number")),
                }
            }
            n => Err(malformed(
                path,
                format!("expected a number, found {}", n.kind_name()),
            )),
        }
    }

    pub fn i64(&self, id: NodeId, path: &str) -> Result<i64> {
        match self.node(id, path)? {
            Node::Int(i) => Ok(*i),
            Node::Bool(b) => Ok(i64::from(*b)),
            Node::Scalar { .. } | Node::Array(_) => {
                let a = self.arr_i64(id, path)?;
                match a.data.as_slice() {
                    [x] => Ok(*x),
                    _ => Err(malformed(path, "expected one integer")),
                }
            }
            n => Err(malformed(
                path,
                format!("expected an integer, found {}", n.kind_name()),
            )),
        }
    }

    pub fn usize(&self, id: NodeId, path: &str) -> Result<usize> {
        let v = self.i64(id, path)?;
        usize::try_from(v).map_err(|_| malformed(path, format!("expected a count, found {v}")))
    }

    pub fn bool(&self, id: NodeId, path: &str) -> Result<bool> {
        match self.node(id, path)? {
            Node::Bool(b) => Ok(*b),
            Node::Int(i) => Ok(*i != 0),
            Node::Scalar { .. } => Ok(self.i64(id, path)? != 0),
            n => Err(malformed(
                path,
                format!("expected a bool, found {}", n.kind_name()),
            )),
        }
    }

    pub fn str(&self, id: NodeId, path: &str) -> Result<&'a str> {
        match self.node(id, path)? {
            Node::Str(s) => Ok(s),
            n => Err(malformed(
                path,
                format!("expected a string, found {}", n.kind_name()),
            )),
        }
    }

    pub fn is_none(&self, id: NodeId) -> bool {
        matches!(self.g.node(id), Some(Node::None))
    }

    /// Items of a list or tuple.
    pub fn seq(&self, id: NodeId, path: &str) -> Result<&'a [NodeId]> {
        match self.node(id, path)? {
            Node::List(v) | Node::Tuple(v) => Ok(v),
            n => Err(malformed(
                path,
                format!("expected a list, found {}", n.kind_name()),
            )),
        }
    }

    /// Raw spec and C-ordered bytes of a numeric array or numpy scalar.
    fn raw(&self, id: NodeId, path: &str) -> Result<(Dtype, Vec<usize>, Cow<'a, [u8]>)> {
        match self.node(id, path)? {
            Node::Array(i) => {
                let spec = self
                    .g
                    .arrays
                    .get(*i as usize)
                    .ok_or_else(|| malformed(path, format!("array {i} does not exist")))?;
                let bytes = (self.bytes)(*i)
                    .ok_or_else(|| malformed(path, format!("array {i} has no data")))?;
                let item = spec
                    .dtype
                    .itemsize()
                    .ok_or_else(|| malformed(path, "unknown dtype"))?
                    as usize;
                let (shape, data) = c_order(spec, item, bytes, path)?;
                Ok((spec.dtype.clone(), shape, data))
            }
            Node::Scalar { dtype, data } => Ok((dtype.clone(), vec![], Cow::Borrowed(data))),
            Node::Object { class, .. } | Node::Call { func: class, .. } if sparse_class(class) => {
                Err(crate::estimator::unsupported(
                    format!("a fitted scipy sparse matrix ({})", class.name),
                    path,
                    "The model was fitted on sparse input and keeps it (training rows or \
                     support vectors); native inference reads dense fitted arrays only. \
                     Load it with skseal.load, or fit it on X.toarray().",
                ))
            }
            n => Err(malformed(
                path,
                format!("expected an array, found {}", n.kind_name()),
            )),
        }
    }

    /// A numeric (or bool) array as f64, in logical C order.
    pub fn arr_f64(&self, id: NodeId, path: &str) -> Result<Arr<f64>> {
        if let Some(Node::List(items) | Node::Tuple(items)) = self.g.node(id) {
            let data = items
                .iter()
                .enumerate()
                .map(|(k, &it)| self.f64(it, &format!("{path}[{k}]")))
                .collect::<Result<Vec<_>>>()?;
            return Ok(Arr {
                shape: vec![data.len()],
                data,
            });
        }
        let (dtype, shape, b) = self.raw(id, path)?;
        let data = numeric(&dtype, &b, path)?;
        Ok(Arr { shape, data })
    }

    /// An integer (or bool) array as i64.
    pub fn arr_i64(&self, id: NodeId, path: &str) -> Result<Arr<i64>> {
        if let Some(Node::List(items) | Node::Tuple(items)) = self.g.node(id) {
            let data = items
                .iter()
                .enumerate()
                .map(|(k, &it)| self.i64(it, &format!("{path}[{k}]")))
                .collect::<Result<Vec<_>>>()?;
            return Ok(Arr {
                shape: vec![data.len()],
                data,
            });
        }
        let (dtype, shape, b) = self.raw(id, path)?;
        let kind = dtype.kind();
        if !matches!(kind, 'i' | 'u' | 'b') {
            return Err(malformed(
                path,
                format!("expected integers, found dtype kind {kind:?}"),
            ));
        }
        let f = numeric_i64(&dtype, &b, path)?;
        Ok(Arr { shape, data: f })
    }

    /// A 1-D array of labels (numbers, bools or strings), as `classes_` holds them.
    pub fn labels(&self, id: NodeId, path: &str) -> Result<Labels> {
        match self.node(id, path)? {
            Node::ObjectArray { items, .. } | Node::List(items) | Node::Tuple(items) => {
                if items
                    .iter()
                    .all(|&i| matches!(self.g.node(i), Some(Node::Str(_))))
                {
                    Ok(Labels::Str(
                        items
                            .iter()
                            .map(|&i| self.str(i, path).map(str::to_string))
                            .collect::<Result<_>>()?,
                    ))
                } else if items
                    .iter()
                    .all(|&i| matches!(self.g.node(i), Some(Node::Int(_))))
                {
                    Ok(Labels::Int(
                        items
                            .iter()
                            .map(|&i| self.i64(i, path))
                            .collect::<Result<_>>()?,
                    ))
                } else {
                    Err(malformed(
                        path,
                        "labels of mixed or unsupported types (only all-string or all-int object arrays)",
                    ))
                }
            }
            Node::Array(_) => {
                let (dtype, shape, b) = self.raw(id, path)?;
                if shape.len() != 1 {
                    return Err(malformed(path, "expected a 1-D array of labels"));
                }
                match dtype.kind() {
                    'i' | 'u' => Ok(Labels::Int(numeric_i64(&dtype, &b, path)?)),
                    'b' => Ok(Labels::Bool(b.iter().map(|&x| x != 0).collect())),
                    'f' => Ok(Labels::Float(numeric(&dtype, &b, path)?)),
                    'U' => Ok(Labels::Str(unicode(&dtype, &b, path)?)),
                    k => Err(malformed(
                        path,
                        format!("labels of dtype kind {k:?} are not supported"),
                    )),
                }
            }
            n => Err(malformed(
                path,
                format!("expected an array of labels, found {}", n.kind_name()),
            )),
        }
    }

    /// Raw records of a structured array: (record bytes, itemsize, count, dtype).
    pub fn records(&self, id: NodeId, path: &str) -> Result<(Dtype, usize, Cow<'a, [u8]>)> {
        let (dtype, shape, b) = self.raw(id, path)?;
        if !matches!(dtype, Dtype::Struct { .. }) || shape.len() != 1 {
            return Err(malformed(path, "expected a 1-D structured array"));
        }
        Ok((dtype, shape[0], b))
    }

    /// Whether the node is a scipy sparse matrix (of a model fitted on
    /// sparse X).
    pub fn is_sparse(&self, id: NodeId) -> bool {
        matches!(self.g.node(id),
            Some(Node::Object { class, .. } | Node::Call { func: class, .. }) if sparse_class(class))
    }

    /// The numpy dtype string (`"<f8"`, `"<i4"`, ...) of an array node, or
    /// None for anything else (a structured dtype, a scalar, an object).
    pub fn dtype_str(&self, id: NodeId) -> Option<&'a str> {
        match self.g.node(id)? {
            Node::Array(i) => match &self.g.arrays.get(*i as usize)?.dtype {
                Dtype::Simple(s) => Some(s.as_str()),
                _ => None,
            },
            _ => None,
        }
    }

    /// A scipy CSR matrix (or array) of float64, integer or bool values:
    /// its `indptr`, `indices`, `data` and `_shape`, checked as Python's
    /// sparse input is ([`Csr::from_parts`]: row pointers, column range,
    /// strictly ascending columns per row). Other formats and float32
    /// values (which scikit-learn may keep in float32) are refused.
    pub fn csr(&self, id: NodeId, path: &str) -> Result<Csr> {
        let (shape, indptr, indices, data) = self.csr_parts(id, path)?;
        Csr::from_parts(shape, indptr, indices, data).map_err(|e| malformed(path, e))
    }

    /// [`Ctx::csr`] read as it is stored: a row's columns may be unsorted or
    /// repeated (for readers that follow scipy's stored order).
    pub fn csr_stored(&self, id: NodeId, path: &str) -> Result<StoredCsr> {
        let (shape, indptr, indices, data) = self.csr_parts(id, path)?;
        StoredCsr::from_parts(shape, indptr, indices, data).map_err(|e| malformed(path, e))
    }

    /// A CSR matrix's shape, `indptr`, `indices` and `data`, unchecked.
    #[allow(clippy::type_complexity)]
    fn csr_parts(
        &self,
        id: NodeId,
        path: &str,
    ) -> Result<((usize, usize), Vec<usize>, Vec<usize>, Vec<f64>)> {
        let o = self.obj(id, path)?;
        if !(sparse_class(o.class) && matches!(o.class.name.as_str(), "csr_matrix" | "csr_array")) {
            return Err(malformed(
                path,
                format!(
                    "a sparse matrix of class {} (only CSR is read natively)",
                    o.class.name
                ),
            ));
        }
        let data = o.req("data", path)?;
        let ok_dtype = match self.g.node(data) {
            Some(Node::Array(i)) => self.g.arrays.get(*i as usize).is_some_and(|a| {
                matches!(&a.dtype, Dtype::Simple(s)
                    if s == "<f8" || s.starts_with("<i") || s.starts_with("<u") || s == "|b1")
            }),
            _ => false,
        };
        if !ok_dtype {
            return Err(malformed(
                &format!("{path}.data"),
                "a sparse matrix whose values are not float64 or integers",
            ));
        }
        let ints = |key: &str| -> Result<Vec<usize>> {
            let p = format!("{path}.{key}");
            let a = o.arr_i64(key, path)?;
            a.data
                .iter()
                .map(|&v| usize::try_from(v).map_err(|_| malformed(&p, "a negative entry")))
                .collect()
        };
        let dims = self.seq(o.req("_shape", path)?, &format!("{path}._shape"))?;
        let [r, c] = dims else {
            return Err(malformed(
                &format!("{path}._shape"),
                "a sparse matrix that is not 2-D",
            ));
        };
        let rows = self.usize(*r, &format!("{path}._shape"))?;
        let cols = self.usize(*c, &format!("{path}._shape"))?;
        let values = self.arr_f64(data, &format!("{path}.data"))?.data;
        Ok(((rows, cols), ints("indptr")?, ints("indices")?, values))
    }
}

impl<'c, 'a> Obj<'c, 'a> {
    pub fn is(&self, module_prefix: &str, name: &str) -> bool {
        self.class.module.starts_with(module_prefix) && self.class.name == name
    }
    pub fn name(&self) -> &'a str {
        &self.class.name
    }
    /// An attribute of the state dict, if present.
    pub fn get(&self, key: &str) -> Option<NodeId> {
        self.state.and_then(|s| self.ctx.g.dict_get(s, key))
    }
    /// A required attribute.
    pub fn req(&self, key: &str, path: &str) -> Result<NodeId> {
        self.get(key).ok_or_else(|| {
            malformed(
                path,
                format!("{} has no attribute {key:?} (is it fitted?)", self.class),
            )
        })
    }
    /// An attribute that is present and not None.
    pub fn opt(&self, key: &str) -> Option<NodeId> {
        self.get(key).filter(|&v| !self.ctx.is_none(v))
    }
    pub fn f64(&self, key: &str, path: &str) -> Result<f64> {
        self.ctx.f64(self.req(key, path)?, &format!("{path}.{key}"))
    }
    pub fn usize(&self, key: &str, path: &str) -> Result<usize> {
        self.ctx
            .usize(self.req(key, path)?, &format!("{path}.{key}"))
    }
    pub fn bool(&self, key: &str, path: &str) -> Result<bool> {
        self.ctx
            .bool(self.req(key, path)?, &format!("{path}.{key}"))
    }
    pub fn str(&self, key: &str, path: &str) -> Result<&'a str> {
        self.ctx.str(self.req(key, path)?, &format!("{path}.{key}"))
    }
    /// A string attribute, None when absent or None.
    pub fn opt_str(&self, key: &str, path: &str) -> Result<Option<&'a str>> {
        self.opt(key)
            .map(|v| self.ctx.str(v, &format!("{path}.{key}")))
            .transpose()
    }
    pub fn arr_f64(&self, key: &str, path: &str) -> Result<Arr<f64>> {
        self.ctx
            .arr_f64(self.req(key, path)?, &format!("{path}.{key}"))
    }
    pub fn arr_i64(&self, key: &str, path: &str) -> Result<Arr<i64>> {
        self.ctx
            .arr_i64(self.req(key, path)?, &format!("{path}.{key}"))
    }
    pub fn labels(&self, key: &str, path: &str) -> Result<Labels> {
        self.ctx
            .labels(self.req(key, path)?, &format!("{path}.{key}"))
    }
    pub fn obj(&self, key: &str, path: &str) -> Result<Obj<'c, 'a>> {
        self.ctx.obj(self.req(key, path)?, &format!("{path}.{key}"))
    }
    /// `feature_names_in_`, when the model was fitted on a DataFrame.
    pub fn feature_names(&self, path: &str) -> Result<Option<Vec<String>>> {
        match self.opt("feature_names_in_") {
            None => Ok(None),
            Some(v) => match self.ctx.labels(v, &format!("{path}.feature_names_in_"))? {
                Labels::Str(s) => Ok(Some(s)),
                _ => Err(malformed(
                    &format!("{path}.feature_names_in_"),
                    "feature names must be strings",
                )),
            },
        }
    }
    /// `n_features_in_`, when present.
    pub fn n_features(&self, path: &str) -> Result<Option<usize>> {
        self.opt("n_features_in_")
            .map(|v| self.ctx.usize(v, &format!("{path}.n_features_in_")))
            .transpose()
    }
}

/// Bytes of an array rearranged into logical C order (after F order and `axes`).
fn c_order<'a>(
    spec: &ArraySpec,
    item: usize,
    bytes: &'a [u8],
    path: &str,
) -> Result<(Vec<usize>, Cow<'a, [u8]>)> {
    let shape: Vec<usize> = spec
        .shape
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| malformed(path, "dimension too large")))
        .collect::<Result<_>>()?;
    let count = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| malformed(path, "array size overflows"))?;
    if count.checked_mul(item) != Some(bytes.len()) {
        return Err(malformed(path, "array bytes do not match its shape"));
    }
    let nd = shape.len();
    // element strides of the stored layout
    let mut strides = vec![0usize; nd];
    let mut acc = 1usize;
    match spec.order {
        Order::C => {
            for k in (0..nd).rev() {
                strides[k] = acc;
                acc *= shape[k];
            }
        }
        Order::F => {
            for k in 0..nd {
                strides[k] = acc;
                acc *= shape[k];
            }
        }
    }
    let (lshape, lstrides) = match &spec.axes {
        None => (shape.clone(), strides),
        Some(ax) => {
            let ax: Vec<usize> = ax
                .iter()
                .map(|&a| usize::try_from(a).unwrap_or(usize::MAX))
                .collect();
            if ax.len() != nd || ax.iter().any(|&a| a >= nd) {
                return Err(malformed(path, "bad axes permutation"));
            }
            (
                ax.iter().map(|&a| shape[a]).collect(),
                ax.iter().map(|&a| strides[a]).collect(),
            )
        }
    };
    let is_c = {
        let mut acc = 1usize;
        let mut ok = true;
        for k in (0..nd).rev() {
            if lshape[k] > 1 && lstrides[k] != acc {
                ok = false;
            }
            acc *= lshape[k];
        }
        ok
    };
    if is_c {
        return Ok((lshape, Cow::Borrowed(bytes)));
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut idx = vec![0usize; nd];
    for _ in 0..count {
        let off: usize = idx.iter().zip(&lstrides).map(|(i, s)| i * s).sum();
        out.extend_from_slice(&bytes[off * item..(off + 1) * item]);
        for k in (0..nd).rev() {
            idx[k] += 1;
            if idx[k] < lshape[k] {
                break;
            }
            idx[k] = 0;
        }
    }
    Ok((lshape, Cow::Owned(out)))
}

fn simple(dtype: &Dtype, path: &str) -> Result<(bool, char, usize)> {
    let Dtype::Simple(s) = dtype else {
        return Err(malformed(path, "expected a plain numeric dtype"));
    };
    let big = s.starts_with('>');
    let body = s.trim_start_matches(['<', '>', '|', '=']);
    let kind = body.chars().next().unwrap_or('?');
    let size = dtype
        .itemsize()
        .ok_or_else(|| malformed(path, format!("unknown dtype {s:?}")))? as usize;
    Ok((big, kind, size))
}

fn word(b: &[u8], big: bool) -> u64 {
    let mut v = 0u64;
    if big {
        for &x in b {
            v = (v << 8) | u64::from(x);
        }
    } else {
        for &x in b.iter().rev() {
            v = (v << 8) | u64::from(x);
        }
    }
    v
}

fn f16_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = (h >> 10) & 0x1f;
    let frac = f64::from(h & 0x3ff);
    match exp {
        0 => sign * frac * 2f64.powi(-24),
        31 if frac == 0.0 => sign * f64::INFINITY,
        31 => f64::NAN,
        e => sign * (1.0 + frac / 1024.0) * 2f64.powi(i32::from(e) - 15),
    }
}

fn numeric(dtype: &Dtype, b: &[u8], path: &str) -> Result<Vec<f64>> {
    let (big, kind, size) = simple(dtype, path)?;
    if (kind, size, big) == ('f', 8, false) {
        // the common case, without a call per value (tree values, coefficients)
        return Ok(b
            .chunks_exact(8)
            .map(|c| {
                let mut w = [0u8; 8];
                w.copy_from_slice(c);
                f64::from_le_bytes(w)
            })
            .collect());
    }
    let conv: fn(u64) -> f64 = match (kind, size) {
        ('f', 8) => |w| f64::from_bits(w),
        ('f', 4) => |w| f64::from(f32::from_bits(w as u32)),
        ('f', 2) => |w| f16_to_f64(w as u16),
        ('i', 1) => |w| f64::from(w as u8 as i8),
        ('i', 2) => |w| f64::from(w as u16 as i16),
        ('i', 4) => |w| f64::from(w as u32 as i32),
        ('i', 8) => |w| w as i64 as f64,
        ('u', 1) | ('u', 2) | ('u', 4) | ('u', 8) => |w| w as f64,
        ('b', 1) | ('?', 1) => |w| if w != 0 { 1.0 } else { 0.0 },
        _ => {
            return Err(malformed(
                path,
                format!("dtype {dtype} is not a real number type"),
            ))
        }
    };
    Ok(b.chunks_exact(size).map(|c| conv(word(c, big))).collect())
}

fn numeric_i64(dtype: &Dtype, b: &[u8], path: &str) -> Result<Vec<i64>> {
    let (big, kind, size) = simple(dtype, path)?;
    let signed = kind == 'i';
    b.chunks_exact(size)
        .map(|c| {
            let w = word(c, big);
            Ok(match (signed, size) {
                (true, 1) => i64::from(w as u8 as i8),
                (true, 2) => i64::from(w as u16 as i16),
                (true, 4) => i64::from(w as u32 as i32),
                (true, _) => w as i64,
                (false, _) => {
                    i64::try_from(w).map_err(|_| malformed(path, "unsigned value beyond i64"))?
                }
            })
        })
        .collect()
}

fn unicode(dtype: &Dtype, b: &[u8], path: &str) -> Result<Vec<String>> {
    let (big, _, size) = simple(dtype, path)?;
    if size == 0 {
        return Err(malformed(path, "zero-width string dtype"));
    }
    b.chunks_exact(size)
        .map(|c| {
            let mut s = String::new();
            for ch in c.chunks_exact(4) {
                let u = word(ch, big) as u32;
                if u == 0 {
                    break;
                }
                s.push(char::from_u32(u).ok_or_else(|| malformed(path, "invalid code point"))?);
            }
            Ok(s)
        })
        .collect()
}

/// Read field `name` of every record of a structured array as u64 bits
/// (little-endian fields of 1, 4 or 8 bytes).
pub fn field_words(
    dtype: &Dtype,
    records: &[u8],
    count: usize,
    name: &str,
    path: &str,
) -> Result<Vec<u64>> {
    let item = dtype.itemsize().unwrap_or(0) as usize;
    let (fd, off) = dtype
        .field(name)
        .ok_or_else(|| malformed(path, format!("the records have no field {name:?}")))?;
    let (big, _, size) = simple(fd, path)?;
    let off = off as usize;
    if item == 0 || off + size > item || records.len() != item * count {
        return Err(malformed(path, "inconsistent record layout"));
    }
    Ok(records
        .chunks_exact(item)
        .map(|r| word(&r[off..off + size], big))
        .collect())
}

/// Where an integer or float field lies in each record of a structured
/// array: read with [`Field::get`] straight from the record bytes (no
/// per-field copy of the whole array).
#[derive(Debug, Clone, Copy)]
pub struct Field {
    off: usize,
    size: usize,
    big: bool,
}

impl Field {
    /// The field's bits as a sign-less word (the caller casts: `as i64`,
    /// `f64::from_bits`). `rec` is one record of the layout checked by
    /// [`field_at`], so the range is inside it.
    #[inline(always)]
    pub fn get(&self, rec: &[u8]) -> u64 {
        match (self.size, rec.get(self.off..self.off + self.size)) {
            (8, Some(b)) => {
                let mut w = [0u8; 8];
                w.copy_from_slice(b);
                if self.big {
                    u64::from_be_bytes(w)
                } else {
                    u64::from_le_bytes(w)
                }
            }
            (_, Some(b)) => word(b, self.big),
            (_, None) => 0,
        }
    }
}

/// The place of field `name` in records of `item` bytes.
pub fn field_at(dtype: &Dtype, name: &str, item: usize, path: &str) -> Result<Field> {
    let (fd, off) = dtype
        .field(name)
        .ok_or_else(|| malformed(path, format!("the records have no field {name:?}")))?;
    let (big, _, size) = simple(fd, path)?;
    let off = off as usize;
    if size == 0 || size > 8 || off + size > item {
        return Err(malformed(path, "inconsistent record layout"));
    }
    Ok(Field { off, size, big })
}

/// The kind and size of field `name` of a structured dtype.
pub fn field_kind(dtype: &Dtype, name: &str, path: &str) -> Result<(char, usize)> {
    let (fd, _) = dtype
        .field(name)
        .ok_or_else(|| malformed(path, format!("the records have no field {name:?}")))?;
    let (_, kind, size) = simple(fd, path)?;
    Ok((kind, size))
}

/// A 1-D float attribute of length `n` (when given).
pub(crate) fn vec_f64(
    est: &Obj<'_, '_>,
    key: &str,
    path: &str,
    n: Option<usize>,
) -> Result<Vec<f64>> {
    let a = est.arr_f64(key, path)?;
    if a.shape.len() > 1 {
        return Err(malformed(
            &format!("{path}.{key}"),
            format!("expected a 1-D array, found shape {:?}", a.shape),
        ));
    }
    if let Some(n) = n {
        if a.data.len() != n {
            return Err(malformed(
                &format!("{path}.{key}"),
                format!("{} values, {n} expected", a.data.len()),
            ));
        }
    }
    Ok(a.data)
}

/// A class of scipy's sparse matrices and arrays.
fn sparse_class(class: &GlobalName) -> bool {
    class.module.starts_with("scipy.sparse")
}

/// A 2-D float attribute: (rows, cols, data).
pub(crate) fn mat_f64(est: &Obj<'_, '_>, key: &str, path: &str) -> Result<Mat> {
    let a = est.arr_f64(key, path)?;
    match a.shape.as_slice() {
        [r, c] => Ok(Mat {
            rows: *r,
            cols: *c,
            data: a.data,
        }),
        s => Err(malformed(
            &format!("{path}.{key}"),
            format!("expected a 2-D array, found shape {s:?}"),
        )),
    }
}

/// Whether the fitted array at `key` is stored Fortran-ordered (numpy
/// then sees `key.T` as C-contiguous, which changes the BLAS call).
pub(crate) fn fortran_ordered(est: &Obj<'_, '_>, key: &str) -> bool {
    let Some(id) = est.opt(key) else {
        return false;
    };
    match est.ctx.g.node(id) {
        Some(Node::Array(i)) => est.ctx.g.arrays.get(*i as usize).is_some_and(|s| {
            s.shape.len() == 2
                && (s.order == skseal_core::ir::Order::F
                    || s.axes.as_deref() == Some(&[1u64, 0][..]))
        }),
        _ => false,
    }
}
