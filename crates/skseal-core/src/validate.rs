//! Structural validation of trusted types whose array values index other
//! arrays. scikit-learn's compiled code trusts these indices; a crafted file
//! with an out-of-range child or feature would read out of bounds at predict
//! time. Every check here runs before any Python object is built.

use crate::error::ValidationError;
use crate::ir::{Dtype, GlobalName, Graph, Node, NodeId};

/// Gives the decoded bytes of array `i` of the graph's array table.
pub type ArrayBytes<'a> = dyn Fn(u32) -> Option<&'a [u8]> + 'a;

struct V<'a, 'g> {
    g: &'g Graph,
    /// Every array's bytes, looked up once (shared by the parallel tree checks).
    bytes: &'g (dyn Fn(u32) -> Option<&'a [u8]> + Sync + 'g),
}

/// A typed view of a 1-D or N-D numeric array.
struct ArrView<'a> {
    data: &'a [u8],
    dtype: &'a Dtype,
    shape: &'a [u64],
}

fn read_int(b: &[u8], ty: &str) -> Option<i64> {
    let little = !ty.starts_with('>');
    let body = ty.trim_start_matches(['<', '>', '|', '=']);
    let v = |n: usize| -> Option<[u8; 8]> {
        let src = b.get(..n)?;
        let mut a = [0u8; 8];
        if little {
            a[..n].copy_from_slice(src);
        } else {
            for (k, x) in src.iter().rev().enumerate() {
                a[k] = *x;
            }
        }
        Some(a)
    };
    Some(match body {
        "i1" => b.first().map(|&x| x as i8 as i64)?,
        "u1" | "b1" => b.first().map(|&x| x as i64)?,
        "i2" => i16::from_le_bytes(v(2)?[..2].try_into().ok()?) as i64,
        "u2" => u16::from_le_bytes(v(2)?[..2].try_into().ok()?) as i64,
        "i4" => i32::from_le_bytes(v(4)?[..4].try_into().ok()?) as i64,
        "u4" => u32::from_le_bytes(v(4)?[..4].try_into().ok()?) as i64,
        "i8" => i64::from_le_bytes(v(8)?),
        "u8" => i64::try_from(u64::from_le_bytes(v(8)?)).unwrap_or(i64::MAX),
        _ => return None,
    })
}

/// A precomputed reader of one integer field (or of the items of an integer array).
struct Reader<'a> {
    data: &'a [u8],
    stride: usize,
    off: usize,
    size: usize,
    signed: bool,
    little: bool,
}

impl Reader<'_> {
    #[inline]
    fn at(&self, i: u64) -> Option<i64> {
        let start = (i as usize)
            .checked_mul(self.stride)?
            .checked_add(self.off)?;
        if self.size == 8 && self.little {
            // the common case (tree node fields are <i8): one load
            let b: [u8; 8] = self
                .data
                .get(start..start.checked_add(8)?)?
                .try_into()
                .ok()?;
            return Some(if self.signed {
                i64::from_le_bytes(b)
            } else {
                i64::try_from(u64::from_le_bytes(b)).unwrap_or(i64::MAX)
            });
        }
        let b = self.data.get(start..start.checked_add(self.size)?)?;
        let mut a = [0u8; 8];
        if self.little {
            a[..self.size].copy_from_slice(b);
        } else {
            for (k, x) in b.iter().rev().enumerate() {
                a[k] = *x;
            }
        }
        let u = u64::from_le_bytes(a);
        Some(if self.signed {
            let shift = 64 - 8 * self.size as u32;
            ((u << shift) as i64) >> shift
        } else {
            i64::try_from(u).unwrap_or(i64::MAX)
        })
    }
}

fn int_type(ty: &str) -> Option<(usize, bool, bool)> {
    let little = !ty.starts_with('>');
    let body = ty.trim_start_matches(['<', '>', '|', '=']);
    let (size, signed) = match body {
        "i1" => (1, true),
        "u1" | "b1" => (1, false),
        "i2" => (2, true),
        "u2" => (2, false),
        "i4" => (4, true),
        "u4" => (4, false),
        "i8" => (8, true),
        "u8" => (8, false),
        _ => return None,
    };
    Some((size, signed, little))
}

impl<'a> ArrView<'a> {
    /// Reader of integer field `name` of a structured array, or of the items
    /// of a plain integer array when `name` is None.
    fn reader(&self, name: Option<&str>) -> Option<Reader<'a>> {
        let stride = self.dtype.itemsize()? as usize;
        let (ty, off) = match name {
            Some(n) => {
                let (fd, off) = self.dtype.field(n)?;
                match fd {
                    Dtype::Simple(s) => (s.as_str(), off as usize),
                    Dtype::Struct { .. } => return None,
                }
            }
            None => match self.dtype {
                Dtype::Simple(s) => (s.as_str(), 0),
                Dtype::Struct { .. } => return None,
            },
        };
        let (size, signed, little) = int_type(ty)?;
        Some(Reader {
            data: self.data,
            stride,
            off,
            size,
            signed,
            little,
        })
    }

    fn len0(&self) -> u64 {
        self.shape.first().copied().unwrap_or(1)
    }
    fn count(&self) -> u64 {
        self.shape.iter().product()
    }
    /// Integer element `i` of a plain integer array.
    fn int_at(&self, i: u64) -> Option<i64> {
        let Dtype::Simple(s) = self.dtype else {
            return None;
        };
        let k = self.dtype.itemsize()? as usize;
        read_int(self.data.get(i as usize * k..)?, s)
    }
    /// Integer field `name` of record `i` of a structured array.
    fn field_int(&self, i: u64, name: &str) -> Option<i64> {
        let (fd, off) = self.dtype.field(name)?;
        let Dtype::Simple(s) = fd else { return None };
        let k = self.dtype.itemsize()? as usize;
        read_int(self.data.get(i as usize * k + off as usize..)?, s)
    }
    fn has_field(&self, name: &str) -> bool {
        self.dtype.field(name).is_some()
    }
}

impl<'a, 'g> V<'a, 'g> {
    fn err(&self, ctx: &str, why: impl Into<String>) -> ValidationError {
        ValidationError::new(ctx, why)
    }
    fn array(&self, id: NodeId, ctx: &str, what: &str) -> Result<ArrView<'g>, ValidationError> {
        match self.g.node(id) {
            Some(Node::Array(i)) => {
                let spec =
                    self.g.arrays.get(*i as usize).ok_or_else(|| {
                        self.err(ctx, format!("{what}: array index out of range"))
                    })?;
                let data = (self.bytes)(*i)
                    .ok_or_else(|| self.err(ctx, format!("{what}: array data missing")))?;
                if Some(data.len() as u64) != spec.nbytes() {
                    return Err(self.err(
                        ctx,
                        format!(
                            "{what}: declared shape {:?} does not match {} bytes present",
                            spec.shape,
                            data.len()
                        ),
                    ));
                }
                Ok(ArrView {
                    data,
                    dtype: &spec.dtype,
                    shape: &spec.shape,
                })
            }
            Some(n) => Err(self.err(
                ctx,
                format!("{what} must be an array, found {}", n.kind_name()),
            )),
            None => Err(self.err(ctx, format!("{what} is missing"))),
        }
    }
    fn int(&self, id: Option<NodeId>, ctx: &str, what: &str) -> Result<i64, ValidationError> {
        id.and_then(|i| self.g.as_int(i))
            .ok_or_else(|| self.err(ctx, format!("{what} must be an integer")))
    }
    fn get(&self, state: NodeId, key: &str, ctx: &str) -> Result<NodeId, ValidationError> {
        self.g
            .dict_get(state, key)
            .ok_or_else(|| self.err(ctx, format!("state has no {key:?}")))
    }

    fn tree(
        &self,
        id: NodeId,
        args: &[NodeId],
        state: Option<NodeId>,
    ) -> Result<(), ValidationError> {
        let ctx = format!("sklearn.tree._tree.Tree (node {id})");
        let ctx = ctx.as_str();
        let [nf, nc, no] = args else {
            return Err(self.err(ctx, "expected 3 constructor arguments"));
        };
        let n_features = self.int(Some(*nf), ctx, "n_features")?;
        let n_outputs = self.int(Some(*no), ctx, "n_outputs")?;
        let n_classes = self.array(*nc, ctx, "n_classes")?;
        let mut max_classes = 0i64;
        for k in 0..n_classes.count() {
            let c = n_classes
                .int_at(k)
                .ok_or_else(|| self.err(ctx, "n_classes must be integers"))?;
            if c < 1 {
                return Err(self.err(ctx, format!("n_classes[{k}] = {c} must be at least 1")));
            }
            max_classes = max_classes.max(c);
        }
        let Some(state) = state else {
            return Err(self.err(ctx, "Tree without state"));
        };
        let node_count = self.int(self.g.dict_get(state, "node_count"), ctx, "node_count")?;
        let nodes = self.array(self.get(state, "nodes", ctx)?, ctx, "nodes")?;
        let values = self.array(self.get(state, "values", ctx)?, ctx, "values")?;
        for f in ["left_child", "right_child", "feature"] {
            if !nodes.has_field(f) {
                return Err(self.err(ctx, format!("node records lack the field {f:?}")));
            }
        }
        if nodes.shape.len() != 1 || nodes.len0() as i64 != node_count || node_count < 0 {
            return Err(self.err(
                ctx,
                format!(
                    "node_count is {node_count} but nodes has shape {:?}",
                    nodes.shape
                ),
            ));
        }
        let want_values = [node_count as u64, n_outputs as u64, max_classes as u64];
        if values.shape != want_values {
            return Err(self.err(
                ctx,
                format!(
                    "values has shape {:?}, expected {:?}",
                    values.shape, want_values
                ),
            ));
        }
        if *values.dtype != Dtype::Simple("<f8".into()) {
            return Err(self.err(ctx, "values must be float64"));
        }
        let (Some(rl), Some(rr), Some(rf)) = (
            nodes.reader(Some("left_child")),
            nodes.reader(Some("right_child")),
            nodes.reader(Some("feature")),
        ) else {
            return Err(self.err(ctx, "node fields must be integers"));
        };
        for i in 0..node_count {
            let l = rl.at(i as u64).unwrap_or(i64::MIN);
            let r = rr.at(i as u64).unwrap_or(i64::MIN);
            if l == -1 && r == -1 {
                continue;
            }
            if l <= i || l >= node_count || r <= i || r >= node_count {
                return Err(self.err(ctx, format!(
                    "node {i} has children ({l}, {r}); each must be -1 (leaf) or in ({i}, {node_count})"
                )));
            }
            let f = rf.at(i as u64).unwrap_or(-1);
            if f < 0 || f >= n_features {
                return Err(self.err(
                    ctx,
                    format!("node {i} splits on feature {f}, outside [0, {n_features})"),
                ));
            }
        }
        Ok(())
    }

    fn hgb_predictor(
        &self,
        id: NodeId,
        state: Option<NodeId>,
        n_features: Option<i64>,
    ) -> Result<(), ValidationError> {
        let ctx = format!("HistGradientBoosting TreePredictor (node {id})");
        let ctx = ctx.as_str();
        let Some(state) = state else {
            return Err(self.err(ctx, "TreePredictor without state"));
        };
        let nodes = self.array(self.get(state, "nodes", ctx)?, ctx, "nodes")?;
        for f in ["left", "right", "feature_idx", "is_leaf"] {
            if !nodes.has_field(f) {
                return Err(self.err(ctx, format!("node records lack the field {f:?}")));
            }
        }
        let n = nodes.len0() as i64;
        let n_bitsets = match self.g.dict_get(state, "raw_left_cat_bitsets") {
            Some(b) => self.array(b, ctx, "raw_left_cat_bitsets")?.len0() as i64,
            None => 0,
        };
        let n_binned_bitsets = match self.g.dict_get(state, "binned_left_cat_bitsets") {
            Some(b) => self.array(b, ctx, "binned_left_cat_bitsets")?.len0() as i64,
            None => 0,
        };
        let (Some(r_leaf), Some(rl), Some(rr), Some(rf)) = (
            nodes.reader(Some("is_leaf")),
            nodes.reader(Some("left")),
            nodes.reader(Some("right")),
            nodes.reader(Some("feature_idx")),
        ) else {
            return Err(self.err(ctx, "node fields must be integers"));
        };
        let r_cat = nodes.reader(Some("is_categorical"));
        let r_bits = nodes.reader(Some("bitset_idx"));
        for i in 0..n {
            if r_leaf.at(i as u64).unwrap_or(1) != 0 {
                continue;
            }
            let l = rl.at(i as u64).unwrap_or(-1);
            let r = rr.at(i as u64).unwrap_or(-1);
            if l <= i || l >= n || r <= i || r >= n {
                return Err(self.err(
                    ctx,
                    format!("node {i} has children ({l}, {r}), outside ({i}, {n})"),
                ));
            }
            let f = rf.at(i as u64).unwrap_or(-1);
            if f < 0 || n_features.is_some_and(|nf| f >= nf) {
                return Err(self.err(
                    ctx,
                    format!(
                        "node {i} splits on feature {f}, outside [0, {})",
                        n_features.unwrap_or(i64::MAX)
                    ),
                ));
            }
            if r_cat.as_ref().and_then(|r| r.at(i as u64)).unwrap_or(0) != 0 {
                let b = r_bits.as_ref().and_then(|r| r.at(i as u64)).unwrap_or(-1);
                if b < 0 || b >= n_bitsets || (n_binned_bitsets > 0 && b >= n_binned_bitsets) {
                    return Err(self.err(
                        ctx,
                        format!("node {i} uses bitset {b}, outside [0, {n_bitsets})"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn binary_tree(&self, id: NodeId, state: Option<NodeId>) -> Result<(), ValidationError> {
        let ctx = format!("KDTree/BallTree (node {id})");
        let ctx = ctx.as_str();
        let Some(state) = state else {
            return Err(self.err(ctx, "tree without state"));
        };
        let st = match self.g.node(state) {
            Some(Node::Tuple(v)) if v.len() >= 11 => v.clone(),
            _ => return Err(self.err(ctx, "state must be a tuple of at least 11 fields")),
        };
        let data = self.array(st[0], ctx, "data")?;
        let idx = self.array(st[1], ctx, "idx_array")?;
        let node_data = self.array(st[2], ctx, "node_data")?;
        let bounds = self.array(st[3], ctx, "node_bounds")?;
        let n_nodes = self.int(Some(st[6]), ctx, "n_nodes")?;
        if data.shape.len() != 2 {
            return Err(self.err(ctx, "data must be 2-D"));
        }
        let n = data.shape[0] as i64;
        let d = data.shape[1];
        if idx.shape != [n as u64] {
            return Err(self.err(
                ctx,
                format!("idx_array has shape {:?}, expected ({n},)", idx.shape),
            ));
        }
        for k in 0..n as u64 {
            let v = idx
                .int_at(k)
                .ok_or_else(|| self.err(ctx, "idx_array must be integers"))?;
            if v < 0 || v >= n {
                return Err(self.err(ctx, format!("idx_array[{k}] = {v} outside [0, {n})")));
            }
        }
        if node_data.shape != [n_nodes as u64] || n_nodes < 1 {
            return Err(self.err(
                ctx,
                format!(
                    "node_data has shape {:?} but n_nodes is {n_nodes}",
                    node_data.shape
                ),
            ));
        }
        if bounds.shape.len() != 3 || bounds.shape[1] != n_nodes as u64 || bounds.shape[2] != d {
            return Err(self.err(ctx, format!("node_bounds has shape {:?}", bounds.shape)));
        }
        for i in 0..n_nodes {
            let s = node_data.field_int(i as u64, "idx_start").unwrap_or(-1);
            let e = node_data.field_int(i as u64, "idx_end").unwrap_or(-1);
            if s < 0 || s > e || e > n {
                return Err(self.err(ctx, format!("node {i} covers [{s}, {e}), outside [0, {n}]")));
            }
            let leaf = node_data.field_int(i as u64, "is_leaf").unwrap_or(1);
            if leaf == 0 && 2 * i + 2 >= n_nodes {
                return Err(self.err(
                    ctx,
                    format!(
                        "node {i} is not a leaf but its children would be beyond n_nodes={n_nodes}"
                    ),
                ));
            }
        }
        // sample_weight (field 12) must be None or one weight per sample.
        if let Some(&sw) = st.get(12) {
            if !matches!(self.g.node(sw), Some(Node::None)) {
                let w = self.array(sw, ctx, "sample_weight")?;
                if w.shape != [n as u64] {
                    return Err(self.err(
                        ctx,
                        format!("sample_weight has shape {:?}, expected ({n},)", w.shape),
                    ));
                }
            }
        }
        // The distance metric's weights/matrix must match the data dimension.
        if let Some(&m) = st.get(11) {
            self.metric(m, d, ctx)?;
        }
        Ok(())
    }

    fn metric(&self, m: NodeId, d: u64, ctx: &str) -> Result<(), ValidationError> {
        let Some(mn) = self.g.node(m) else {
            return Ok(());
        };
        let Some(class) = effective_class(self.g, mn) else {
            return Err(self.err(ctx, "dist_metric must be a DistanceMetric object"));
        };
        let Some(st) = state_of(mn) else {
            return Ok(());
        };
        let fields = match self.g.node(st) {
            Some(Node::Tuple(v)) if v.len() >= 3 => v.clone(),
            _ => return Err(self.err(ctx, "dist_metric state must be (p, vec, mat, ...)")),
        };
        let vec = self.array(fields[1], ctx, "dist_metric vec")?;
        let mat = self.array(fields[2], ctx, "dist_metric mat")?;
        let name = class.name.as_str();
        let uses_vec = name.starts_with("Minkowski")
            || name.starts_with("WMinkowski")
            || name.starts_with("SEuclidean");
        if uses_vec {
            let ok = vec.count() == d || (name.starts_with("Minkowski") && vec.count() == 0);
            if !ok {
                return Err(self.err(
                    ctx,
                    format!(
                        "{name} has {} weights for {d}-dimensional data",
                        vec.count()
                    ),
                ));
            }
        }
        if name.starts_with("Mahalanobis") && mat.shape != [d, d] {
            return Err(self.err(
                ctx,
                format!(
                    "{name} matrix has shape {:?}, expected ({d}, {d})",
                    mat.shape
                ),
            ));
        }
        Ok(())
    }

    /// MaskedArray state: (version, shape, dtype, is_fortran, data, mask, fill_value).
    /// numpy's `__setstate__` reads `data` as raw memory, so an object dtype must
    /// come with a list of items, never bytes, and byte lengths must match.
    fn masked(&self, id: NodeId, state: Option<NodeId>) -> Result<(), ValidationError> {
        let ctx = format!("numpy.ma.MaskedArray (node {id})");
        let ctx = ctx.as_str();
        let Some(state) = state else {
            return Err(self.err(ctx, "masked array without state"));
        };
        let st = match self.g.node(state) {
            Some(Node::Tuple(v)) if v.len() == 7 => v.clone(),
            _ => return Err(self.err(ctx, "state must be a 7-tuple")),
        };
        let count: u64 = match self.g.node(st[1]) {
            Some(Node::Tuple(dims)) => {
                let mut c = 1u64;
                for &d in dims {
                    let d = self
                        .g
                        .as_int(d)
                        .filter(|&x| x >= 0)
                        .ok_or_else(|| self.err(ctx, "bad shape"))?;
                    c = c
                        .checked_mul(d as u64)
                        .ok_or_else(|| self.err(ctx, "shape overflows"))?;
                }
                c
            }
            _ => return Err(self.err(ctx, "shape must be a tuple")),
        };
        let dtype = match self.g.node(st[2]) {
            Some(Node::Dtype(d)) => d,
            _ => return Err(self.err(ctx, "dtype missing")),
        };
        match self.g.node(st[4]) {
            Some(Node::List(items)) if dtype.has_object() && items.len() as u64 == count => {}
            Some(Node::Bytes(b))
                if !dtype.has_object()
                    && dtype.itemsize().and_then(|k| k.checked_mul(count))
                        == Some(b.len() as u64) => {}
            _ => return Err(self.err(
                ctx,
                "data does not match dtype and shape (object arrays must carry a list of items)",
            )),
        }
        match self.g.node(st[5]) {
            Some(Node::Bytes(m)) if m.len() as u64 == count => {}
            _ => return Err(self.err(ctx, "mask must hold one byte per element")),
        }
        Ok(())
    }

    fn sparse(
        &self,
        id: NodeId,
        class: &str,
        state: Option<NodeId>,
    ) -> Result<(), ValidationError> {
        let ctx = format!("scipy.sparse {class} (node {id})");
        let ctx = ctx.as_str();
        let Some(state) = state else {
            return Err(self.err(ctx, "sparse matrix without state"));
        };
        let shape: Vec<i64> = match self
            .g
            .dict_get(state, "_shape")
            .and_then(|s| self.g.node(s))
        {
            Some(Node::Tuple(v)) => v.iter().map(|&x| self.g.as_int(x).unwrap_or(-1)).collect(),
            _ => return Err(self.err(ctx, "state needs a _shape tuple")),
        };
        if shape.iter().any(|&d| d < 0) {
            return Err(self.err(ctx, "negative dimension"));
        }
        let is_csr = class.starts_with("csr") || class.starts_with("bsr");
        let is_csc = class.starts_with("csc");
        if is_csr || is_csc {
            if shape.len() != 2 && !(is_csr && shape.len() == 1) {
                return Err(self.err(ctx, format!("shape {shape:?} must be 2-D")));
            }
            let (major, minor) = if shape.len() == 1 {
                (1, shape[0])
            } else if is_csr {
                (shape[0], shape[1])
            } else {
                (shape[1], shape[0])
            };
            let indptr = self.array(self.get(state, "indptr", ctx)?, ctx, "indptr")?;
            let indices = self.array(self.get(state, "indices", ctx)?, ctx, "indices")?;
            let data = self.array(self.get(state, "data", ctx)?, ctx, "data")?;
            // BSR: data holds (nnz_blocks, R, C) blocks; indices/indptr count blocks.
            let (major, minor, data_items) = if class.starts_with("bsr") {
                let [nb, r, c] = data.shape else {
                    return Err(self.err(
                        ctx,
                        format!("bsr data has shape {:?}, expected 3-D blocks", data.shape),
                    ));
                };
                let (r, c) = (*r as i64, *c as i64);
                if r < 1 || c < 1 || shape.len() != 2 || shape[0] % r != 0 || shape[1] % c != 0 {
                    return Err(self.err(
                        ctx,
                        format!("blocks of {r}x{c} do not tile shape {shape:?}"),
                    ));
                }
                (shape[0] / r, shape[1] / c, *nb as i64)
            } else {
                (major, minor, data.count() as i64)
            };
            if Some(indptr.count() as i64) != major.checked_add(1) {
                return Err(self.err(
                    ctx,
                    format!(
                        "indptr has {} entries, expected {major} + 1",
                        indptr.count()
                    ),
                ));
            }
            let nnz = indices.count() as i64;
            if data_items != nnz {
                return Err(self.err(ctx, "data and indices differ in length"));
            }
            let mut prev = 0i64;
            for k in 0..indptr.count() {
                let p = indptr
                    .int_at(k)
                    .ok_or_else(|| self.err(ctx, "indptr must be integers"))?;
                if (k == 0 && p != 0) || p < prev || p > nnz {
                    return Err(self.err(
                        ctx,
                        format!(
                            "indptr[{k}] = {p} is not a valid non-decreasing offset in [0, {nnz}]"
                        ),
                    ));
                }
                prev = p;
            }
            if prev != nnz {
                return Err(self.err(
                    ctx,
                    format!("indptr ends at {prev}, but there are {nnz} entries"),
                ));
            }
            for k in 0..nnz as u64 {
                let v = indices
                    .int_at(k)
                    .ok_or_else(|| self.err(ctx, "indices must be integers"))?;
                if v < 0 || v >= minor {
                    return Err(self.err(ctx, format!("indices[{k}] = {v} outside [0, {minor})")));
                }
            }
        } else if class.starts_with("dia") {
            // data is (n_diagonals, L); offsets one per diagonal.
            let data = self.array(self.get(state, "data", ctx)?, ctx, "data")?;
            let offsets = self.array(self.get(state, "offsets", ctx)?, ctx, "offsets")?;
            if data.shape.len() != 2
                || offsets.shape.len() != 1
                || offsets.shape[0] != data.shape[0]
            {
                return Err(self.err(
                    ctx,
                    format!(
                        "offsets {:?} and data {:?} disagree on the number of diagonals",
                        offsets.shape, data.shape
                    ),
                ));
            }
            if offsets.reader(None).is_none() {
                return Err(self.err(ctx, "offsets must be integers"));
            }
        } else if class.starts_with("coo") {
            let coords: Vec<NodeId> = match self
                .g
                .dict_get(state, "coords")
                .and_then(|s| self.g.node(s))
            {
                Some(Node::Tuple(v)) => v.clone(),
                _ => {
                    let r = self.get(state, "row", ctx)?;
                    let c = self.get(state, "col", ctx)?;
                    vec![r, c]
                }
            };
            if coords.len() != shape.len() {
                return Err(self.err(ctx, "coords and shape differ in dimension"));
            }
            for (dim, &c) in coords.iter().enumerate() {
                let a = self.array(c, ctx, "coords")?;
                for k in 0..a.count() {
                    let v = a
                        .int_at(k)
                        .ok_or_else(|| self.err(ctx, "coords must be integers"))?;
                    if v < 0 || v >= shape[dim] {
                        return Err(self.err(
                            ctx,
                            format!(
                                "coordinate {v} outside [0, {}) in dimension {dim}",
                                shape[dim]
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

fn collect_objects(g: &Graph, from: NodeId, class_name: &str, out: &mut Vec<NodeId>) {
    let mut stack = vec![from];
    let mut seen = std::collections::HashSet::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let Some(n) = g.node(id) else { continue };
        if let Node::Object { class, .. } = n {
            if class.name == class_name {
                out.push(id);
                continue;
            }
        }
        stack.extend(n.children());
    }
}

/// Validate every index-bearing structure in the graph.
/// Longest chain of nested containers/objects from the roots (back edges of
/// cycles are not followed). Computed without recursion.
pub fn graph_depth(g: &Graph) -> usize {
    // 0 = unvisited, 1 = on the current path, 2 = done
    let n = g.nodes.len();
    let mut state = vec![0u8; n];
    let mut depth = vec![0usize; n];
    let mut best = 0usize;
    for root in [Some(g.root), g.probe].into_iter().flatten() {
        if (root as usize) >= n || state[root as usize] != 0 {
            continue;
        }
        // (node, its children, index of the next child to visit)
        let mut stack: Vec<(NodeId, Vec<NodeId>, usize)> =
            vec![(root, g.nodes[root as usize].children(), 0)];
        state[root as usize] = 1;
        while let Some((id, children, next)) = stack.last_mut() {
            if let Some(&c) = children.get(*next) {
                *next += 1;
                let ci = c as usize;
                if ci < n && state[ci] == 0 {
                    state[ci] = 1;
                    let cc = g.nodes[ci].children();
                    stack.push((c, cc, 0));
                }
                continue;
            }
            let d = 1 + children
                .iter()
                .filter(|&&c| (c as usize) < n && state[c as usize] == 2)
                .map(|&c| depth[c as usize])
                .max()
                .unwrap_or(0);
            let i = *id as usize;
            depth[i] = d;
            state[i] = 2;
            best = best.max(d);
            stack.pop();
        }
    }
    best
}

/// Deepest object graph accepted (the builder recurses this deep).
pub const MAX_GRAPH_DEPTH: usize = 150;

/// Refuse graphs nested deeper than [`MAX_GRAPH_DEPTH`] (a resource limit:
/// building them would exhaust the stack).
pub fn check_depth(g: &Graph) -> Result<(), String> {
    let depth = graph_depth(g);
    if depth > MAX_GRAPH_DEPTH {
        return Err(format!(
            "the object graph is nested {depth} levels deep (limit {MAX_GRAPH_DEPTH})"
        ));
    }
    Ok(())
}

/// The class an Object or Call node builds, when it is a class at all.
fn effective_class<'g>(g: &'g Graph, n: &'g Node) -> Option<&'g GlobalName> {
    match n {
        Node::Object { class, .. } => Some(class),
        Node::Call { func, args, .. } if func.name == "newObj" => {
            match args.first().and_then(|&a| g.node(a)) {
                Some(Node::Global(c)) => Some(c),
                _ => None,
            }
        }
        Node::Call { func, .. } => Some(func),
        _ => None,
    }
}

fn state_of(n: &Node) -> Option<NodeId> {
    match n {
        Node::Object { state, .. } | Node::Call { state, .. } => *state,
        _ => None,
    }
}

fn is_binary_tree(c: &GlobalName) -> bool {
    (c.module == "sklearn.neighbors._kd_tree" && c.name.starts_with("KDTree"))
        || (c.module == "sklearn.neighbors._ball_tree" && c.name.starts_with("BallTree"))
}

/// Ensembles whose predict passes already-validated X to their trees with
/// `check_input=False`: their trees must match the ensemble's input width.
fn trusts_tree_width(c: &GlobalName) -> bool {
    matches!(
        c.module.as_str(),
        "sklearn.ensemble._forest"
            | "sklearn.ensemble._gb"
            | "sklearn.ensemble._iforest"
            | "sklearn.ensemble._bagging"
    )
}

/// Items of a list, tuple or object array (one level).
fn items_of(g: &Graph, id: NodeId) -> Vec<NodeId> {
    match g.node(id) {
        Some(Node::List(v) | Node::Tuple(v)) => v.clone(),
        Some(Node::ObjectArray { items, .. }) => items.clone(),
        _ => Vec::new(),
    }
}

/// Validate every index-bearing structure in the graph.
pub fn validate<'a>(g: &Graph, bytes: &ArrayBytes<'a>) -> Result<(), ValidationError> {
    let table: Vec<Option<&'a [u8]>> = (0..g.arrays.len() as u32).map(bytes).collect();
    let lookup = |i: u32| table.get(i as usize).copied().flatten();
    let v = V { g, bytes: &lookup };
    // Trees are checked after the walk, in parallel: their node arrays are most
    // of a forest's bytes (a memory-bound scan).
    let mut trees: Vec<(NodeId, &[NodeId], Option<NodeId>)> = Vec::new();
    let live = g.reachable();
    let mut owned_trees = std::collections::HashSet::new();
    let mut checked_predictors = std::collections::HashSet::new();
    for (id, n) in g.nodes.iter().enumerate() {
        if !live[id] {
            continue;
        }
        let id = id as NodeId;
        let Some(class) = effective_class(g, n) else {
            continue;
        };
        let state = state_of(n);
        if let Node::Call { func, args, state } = n {
            if func.is("sklearn.tree._tree", "Tree") {
                trees.push((id, args, *state));
                continue;
            }
            if func.is("numpy.ma.core", "_mareconstruct") {
                v.masked(id, *state)?;
                continue;
            }
        }
        if is_binary_tree(class) {
            v.binary_tree(id, state)?;
        } else if class.module.starts_with("scipy.sparse.") {
            v.sparse(id, &class.name, state)?;
        }
        let Some(st) = state else { continue };
        // A fitted tree estimator: its Tree must match its input width.
        if let Some(t) = g.dict_get(st, "tree_") {
            if let Some(Node::Call { func, args, .. }) = g.node(t) {
                if func.is("sklearn.tree._tree", "Tree") {
                    let ctx = format!("{} (node {id})", class.dotted());
                    let nf = g.dict_get(st, "n_features_in_").and_then(|x| g.as_int(x));
                    let tree_nf = args.first().and_then(|&a| g.as_int(a));
                    match (nf, tree_nf) {
                        (Some(a), Some(b)) if a == b => {}
                        _ => {
                            return Err(ValidationError::new(
                                ctx,
                                format!("n_features_in_ {nf:?} does not match its tree's n_features {tree_nf:?}"),
                            ))
                        }
                    }
                    owned_trees.insert(t);
                }
            }
        }
        // Ensembles that skip input checks on their trees.
        if trusts_tree_width(class) {
            if let Some(ests) = g.dict_get(st, "estimators_") {
                let ctx = format!("{} (node {id})", class.dotted());
                let nf = g.dict_get(st, "n_features_in_").and_then(|x| g.as_int(x));
                let feats = g
                    .dict_get(st, "estimators_features_")
                    .map(|f| items_of(g, f));
                let mut members = items_of(g, ests);
                // GradientBoosting holds a 2-D object array; forests a list.
                if members
                    .iter()
                    .any(|&m| matches!(g.node(m), Some(Node::List(_) | Node::ObjectArray { .. })))
                {
                    members = members.iter().flat_map(|&m| items_of(g, m)).collect();
                }
                for (k, m) in members.iter().enumerate() {
                    let Some(mn) = g.node(*m) else { continue };
                    let Some(mst) = state_of(mn) else { continue };
                    if g.dict_get(mst, "tree_").is_none() {
                        continue;
                    }
                    let expected = match &feats {
                        Some(f) => match f.get(k).and_then(|&a| g.node(a)) {
                            Some(Node::Array(i)) => g
                                .arrays
                                .get(*i as usize)
                                .and_then(|s| s.count())
                                .map(|c| c as i64),
                            _ => None,
                        },
                        None => nf,
                    };
                    let got = g.dict_get(mst, "n_features_in_").and_then(|x| g.as_int(x));
                    if expected.is_none() || expected != got {
                        return Err(ValidationError::new(
                            ctx,
                            format!("estimator {k} expects {got:?} features but the ensemble passes it {expected:?}"),
                        ));
                    }
                }
            }
        }
        // HistGradientBoosting: predictors checked against n_features_in_.
        if class
            .module
            .starts_with("sklearn.ensemble._hist_gradient_boosting.gradient_boosting")
        {
            if let Some(p) = g.dict_get(st, "_predictors") {
                let nf = g.dict_get(st, "n_features_in_").and_then(|x| g.as_int(x));
                if nf.is_none() {
                    return Err(ValidationError::new(
                        format!("{} (node {id})", class.dotted()),
                        "fitted TreePredictor objects without n_features_in_ (their feature indices could not be bounded)",
                    ));
                }
                let mut preds = Vec::new();
                collect_objects(g, p, "TreePredictor", &mut preds);
                for pid in preds {
                    if let Some(pn) = g.node(pid) {
                        v.hgb_predictor(pid, state_of(pn), nf)?;
                        checked_predictors.insert(pid);
                    }
                }
            }
        }
    }
    // the first failing tree in graph order, as a sequential walk would report
    let checked: Vec<Result<(), ValidationError>> = if trees.len() > 4 {
        use rayon::prelude::*;
        trees
            .par_iter()
            .map(|&(id, args, state)| v.tree(id, args, state))
            .collect()
    } else {
        trees
            .iter()
            .map(|&(id, args, state)| v.tree(id, args, state))
            .collect()
    };
    checked.into_iter().collect::<Result<(), _>>()?;
    for (id, n) in g.nodes.iter().enumerate() {
        if !live[id] {
            continue;
        }
        match n {
            Node::Call { func, .. }
                if func.is("sklearn.tree._tree", "Tree")
                    && !owned_trees.contains(&(id as NodeId)) =>
            {
                return Err(ValidationError::new(
                    format!("sklearn.tree._tree.Tree (node {id})"),
                    "a Tree must belong to a fitted tree estimator (its tree_ attribute) with a matching n_features_in_",
                ));
            }
            _ => {}
        }
        if let Some(c) = effective_class(g, n) {
            if c.is(
                "sklearn.ensemble._hist_gradient_boosting.predictor",
                "TreePredictor",
            ) && !checked_predictors.contains(&(id as NodeId))
            {
                v.hgb_predictor(id as NodeId, state_of(n), None)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_decodes_every_int_width_and_order() {
        let d = Dtype::Simple("<i2".into());
        let data = [0xfe, 0xff, 0x02, 0x00];
        let v = ArrView {
            data: &data,
            dtype: &d,
            shape: &[2],
        };
        let r = v.reader(None).expect("int dtype");
        assert_eq!((r.at(0), r.at(1), r.at(2)), (Some(-2), Some(2), None));
        let d = Dtype::Simple(">u4".into());
        let data = [0x00, 0x00, 0x01, 0x00];
        let v = ArrView {
            data: &data,
            dtype: &d,
            shape: &[1],
        };
        assert_eq!(v.reader(None).and_then(|r| r.at(0)), Some(256));
        let d = Dtype::Struct {
            names: vec!["a".into(), "b".into()],
            formats: vec![Dtype::Simple("|u1".into()), Dtype::Simple("<i8".into())],
            offsets: vec![0, 8],
            itemsize: 16,
        };
        let mut data = vec![0u8; 32];
        data[8..16].copy_from_slice(&(-5i64).to_le_bytes());
        data[16] = 7;
        data[24..32].copy_from_slice(&(9i64).to_le_bytes());
        let v = ArrView {
            data: &data,
            dtype: &d,
            shape: &[2],
        };
        let b = v.reader(Some("b")).expect("field b");
        let a = v.reader(Some("a")).expect("field a");
        assert_eq!((b.at(0), b.at(1), a.at(1)), (Some(-5), Some(9), Some(7)));
        assert!(v.reader(Some("zz")).is_none());
        assert!(ArrView {
            data: &data,
            dtype: &Dtype::Simple("<f8".into()),
            shape: &[4]
        }
        .reader(None)
        .is_none());
    }
}
