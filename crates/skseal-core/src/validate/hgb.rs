//! HistGradientBoosting `TreePredictor` nodes (the compiled predictor follows
//! `left`/`right` and reads `X[:, feature_idx]` unchecked).

use super::V;
use crate::error::ValidationError;
use crate::ir::NodeId;

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
}
