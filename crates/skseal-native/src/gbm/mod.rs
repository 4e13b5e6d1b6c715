//! Gradient-boosting libraries (loaded with their profiles), computed from
//! the payloads `skseal_core::boosters` parsed and checked: `lightgbm.rs`,
//! `xgboost.rs`. Dispatched by `model::build` before the scikit-learn
//! families.

mod lightgbm;
mod xgboost;

use crate::access::{Ctx, Obj};
use crate::error::Result;
use crate::estimator::Estimator;

/// The implementation of `est` when a library module has it.
pub fn build(ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str) -> Option<Result<Box<dyn Estimator>>> {
    lightgbm::build(ctx, est, path).or_else(|| xgboost::build(ctx, est, path))
}
