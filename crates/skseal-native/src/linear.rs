//! (being written)

use crate::access::{Ctx, Obj};
use crate::error::Result;
use crate::model::Estimator;

/// The implementation of `est` when this module has it.
pub fn build(
    _ctx: &Ctx<'_>,
    _est: &Obj<'_, '_>,
    _path: &str,
) -> Option<Result<Box<dyn Estimator>>> {
    None
}
