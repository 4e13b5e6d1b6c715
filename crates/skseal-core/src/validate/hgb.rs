//! HistGradientBoosting `TreePredictor` nodes (the compiled predictor follows
//! `left`/`right` and reads `X[:, feature_idx]` unchecked).

use super::V;
use crate::error::ValidationError;
use crate::ir::{Dtype, NodeId};

/// `sklearn.ensemble._hist_gradient_boosting.common.PREDICTOR_RECORD_DTYPE`
/// (64-bit little-endian, packed).
pub(super) fn predictor_node_dtype() -> Dtype {
    let f = |s: &str| Dtype::Simple(s.into());
    Dtype::Struct {
        names: [
            "value",
            "count",
            "feature_idx",
            "num_threshold",
            "missing_go_to_left",
            "left",
            "right",
            "gain",
            "depth",
            "is_leaf",
            "bin_threshold",
            "is_categorical",
            "bitset_idx",
        ]
        .map(String::from)
        .to_vec(),
        formats: [
            "<f8", "<u4", "<i8", "<f8", "|u1", "<u4", "<u4", "<f8", "<u4", "|u1", "|u1", "|u1",
            "<u4",
        ]
        .map(f)
        .to_vec(),
        offsets: vec![0, 8, 12, 20, 28, 29, 33, 37, 45, 49, 50, 51, 52],
        itemsize: 56,
    }
}

impl V<'_, '_> {
    pub(super) fn hgb_predictor(
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
        // TreePredictor.__setstate__ casts any other layout with
        // astype(casting="same_kind") after validation (a <u2 is_leaf of 256
        // becomes 0): only the exact layout is validated as it is built.
        self.exact_dtype(&nodes, &[predictor_node_dtype()], ctx, "nodes")?;
        if nodes.shape.len() != 1 || nodes.len0() < 1 {
            return Err(self.err(
                ctx,
                format!(
                    "nodes has shape {:?}: a predictor has at least one node",
                    nodes.shape
                ),
            ));
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
}
