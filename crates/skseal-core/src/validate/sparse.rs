//! scipy.sparse index arrays and numpy masked-array states.

use super::V;
use crate::error::ValidationError;
use crate::ir::{Node, NodeId};

impl V<'_, '_> {
    /// MaskedArray state: (version, shape, dtype, is_fortran, data, mask, fill_value).
    /// numpy's `__setstate__` reads `data` as raw memory, so an object dtype must
    /// come with a list of items, never bytes, and byte lengths must match.
    pub(super) fn masked(&self, id: NodeId, state: Option<NodeId>) -> Result<(), ValidationError> {
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

    pub(super) fn sparse(
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
