//! KD-tree and Ball-tree arrays, and the distance metric they hold.

use super::{effective_class, state_of, V};
use crate::error::ValidationError;
use crate::ir::{Node, NodeId};

impl V<'_, '_> {
    pub(super) fn binary_tree(
        &self,
        id: NodeId,
        state: Option<NodeId>,
    ) -> Result<(), ValidationError> {
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
            self.metric(m, Some(d), ctx)?;
        }
        Ok(())
    }

    /// A distance metric's state `(p, vec, mat, ...)`: within a KD/Ball
    /// tree of `d`-dimensional data (`d` given) its weights and matrix
    /// must fit `d`; anywhere, a Mahalanobis matrix must be square, since
    /// `__setstate__` takes its size from the matrix's rows and the
    /// compiled distance reads `mat[i, j]` for every `i, j < size` without
    /// bounds checks.
    pub(super) fn metric(
        &self,
        m: NodeId,
        d: Option<u64>,
        ctx: &str,
    ) -> Result<(), ValidationError> {
        let Some(mn) = self.g.node(m) else {
            return Ok(());
        };
        let Some(class) = effective_class(self.g, mn) else {
            return Err(self.err(ctx, "dist_metric must be a DistanceMetric object"));
        };
        let name = class.name.as_str();
        // without a state `__setstate__` never runs, and a Mahalanobis
        // metric's buffer is never allocated (its distance then writes
        // through a null pointer); scikit-learn always saves the state
        let Some(st) = state_of(mn) else {
            return Err(self.err(
                ctx,
                format!("{name} has no state (p, vec, mat); scikit-learn always saves one"),
            ));
        };
        let fields = match self.g.node(st) {
            Some(Node::Tuple(v)) if v.len() >= 3 => v.clone(),
            _ => return Err(self.err(ctx, "dist_metric state must be (p, vec, mat, ...)")),
        };
        let vec = self.array(fields[1], ctx, "dist_metric vec")?;
        let mat = self.array(fields[2], ctx, "dist_metric mat")?;
        let uses_vec = name.starts_with("Minkowski")
            || name.starts_with("WMinkowski")
            || name.starts_with("SEuclidean");
        if let (true, Some(d)) = (uses_vec, d) {
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
        let square = mat.shape.len() == 2 && mat.shape[0] == mat.shape[1];
        if name.starts_with("Mahalanobis") && (!square || d.is_some_and(|d| mat.shape[0] != d)) {
            return Err(self.err(
                ctx,
                format!(
                    "{name} matrix has shape {:?}, expected a square matrix{}",
                    mat.shape,
                    d.map(|d| format!(" ({d}, {d})")).unwrap_or_default()
                ),
            ));
        }
        Ok(())
    }
}
