//! `sklearn.tree._tree.Tree`: node and value arrays that `Tree.predict`,
//! `apply` and `decision_path` index without bounds checks.

use super::V;
use crate::error::ValidationError;
use crate::ir::{Dtype, NodeId};

/// The node layouts scikit-learn writes on 64-bit little-endian machines:
/// `sklearn.tree._tree.NODE_DTYPE` of scikit-learn >= 1.3, and the layout of
/// earlier releases (the same first seven fields, without
/// `missing_go_to_left`), which `Tree.__setstate__` upgrades by adding that
/// field as 0: the fields validation reads keep their values.
pub(super) fn tree_node_dtypes() -> [Dtype; 2] {
    let now = tree_node_dtype();
    let Dtype::Struct {
        names,
        formats,
        offsets,
        ..
    } = &now
    else {
        return [now.clone(), now];
    };
    let before_1_3 = Dtype::Struct {
        names: names[..7].to_vec(),
        formats: formats[..7].to_vec(),
        offsets: offsets[..7].to_vec(),
        itemsize: 56,
    };
    [now, before_1_3]
}

/// `sklearn.tree._tree.NODE_DTYPE` (scikit-learn >= 1.3 on 64-bit little-endian).
pub(super) fn tree_node_dtype() -> Dtype {
    let f = |s: &str| Dtype::Simple(s.into());
    Dtype::Struct {
        names: [
            "left_child",
            "right_child",
            "feature",
            "threshold",
            "impurity",
            "n_node_samples",
            "weighted_n_node_samples",
            "missing_go_to_left",
        ]
        .map(String::from)
        .to_vec(),
        formats: ["<i8", "<i8", "<i8", "<f8", "<f8", "<i8", "<f8", "|u1"]
            .map(f)
            .to_vec(),
        offsets: vec![0, 8, 16, 24, 32, 40, 48, 56],
        itemsize: 64,
    }
}

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
        let max_depth = self.int(self.g.dict_get(state, "max_depth"), ctx, "max_depth")?;
        let nodes = self.array(self.get(state, "nodes", ctx)?, ctx, "nodes")?;
        let values = self.array(self.get(state, "values", ctx)?, ctx, "values")?;
        // Tree.__setstate__ casts other layouts with astype(casting="same_kind"),
        // after validation: only the exact layout is validated as it is built.
        self.exact_dtype(&nodes, &tree_node_dtypes(), ctx, "nodes")?;
        if node_count < 1 {
            return Err(self.err(
                ctx,
                format!("node_count is {node_count}: a fitted tree has at least one node (predict would never reach a leaf)"),
            ));
        }
        if nodes.shape.len() != 1 || nodes.len0() as i64 != node_count {
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
        // `exact_dtype` above admits only the layouts of `tree_node_dtypes`:
        // little-endian 8-byte `left_child`, `right_child` and `feature` at
        // offsets 0, 8 and 16 of each record, read where they lie.
        let item = nodes.dtype.itemsize().unwrap_or(0) as usize;
        let count = node_count as usize;
        if item < 24 || Some(nodes.data.len()) != item.checked_mul(count) {
            return Err(self.err(
                ctx,
                format!(
                    "nodes holds {} bytes, not {node_count} records of {item} bytes",
                    nodes.data.len()
                ),
            ));
        }
        let word = |rec: &[u8], at: usize| -> i64 {
            rec.get(at..at + 8)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map_or(i64::MIN, i64::from_le_bytes)
        };
        // depth of each node: children come after their parent, so one pass
        let mut depth = vec![0u32; count];
        let mut deepest = 0u32;
        for (i, rec) in nodes.data.chunks_exact(item).enumerate() {
            let (l, r) = (word(rec, 0), word(rec, 8));
            if l == -1 && r == -1 {
                continue;
            }
            let i = i as i64;
            if l <= i || l >= node_count || r <= i || r >= node_count {
                return Err(self.err(ctx, format!(
                    "nodes[{i}] has children ({l}, {r}); each must be -1 (leaf) or in ({i}, {node_count})"
                )));
            }
            let d = depth
                .get(i as usize)
                .copied()
                .unwrap_or(0)
                .saturating_add(1);
            for c in [l, r] {
                if let Some(x) = depth.get_mut(c as usize) {
                    *x = (*x).max(d);
                }
            }
            deepest = deepest.max(d);
            let f = word(rec, 16);
            if f < 0 || f >= n_features {
                return Err(self.err(
                    ctx,
                    format!("nodes[{i}].feature = {f}, outside [0, {n_features})"),
                ));
            }
        }
        // decision_path allocates n_samples * (1 + max_depth) entries and
        // writes one per node on each path: max_depth bounds the real depth.
        if max_depth < i64::from(deepest) || max_depth >= node_count {
            return Err(self.err(
                ctx,
                format!("max_depth is {max_depth} but the nodes form a tree of depth {deepest} (node_count {node_count}); it must be at least the depth and below node_count"),
            ));
        }
        Ok(())
    }
}
