//! `sklearn.tree._tree.Tree`: node and value arrays that `Tree.predict`,
//! `apply` and `decision_path` index without bounds checks.

use super::V;
use crate::error::ValidationError;
use crate::ir::{Dtype, NodeId};

impl V<'_, '_> {
    pub(super) fn tree(
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
}
