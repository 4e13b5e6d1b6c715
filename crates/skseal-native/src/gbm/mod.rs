//! Gradient-boosting libraries (loaded with their profiles), computed from
//! the payloads `skseal_core::boosters` parsed and checked: `lightgbm.rs`,
//! `xgboost.rs`, `catboost.rs`. Dispatched by `model::build` before the scikit-learn
//! families.

mod catboost;
mod lightgbm;
mod xgboost;

use crate::access::{Ctx, Obj};
use crate::data::{Data, Mat, Method};
use crate::error::Result;
use crate::estimator::{check_finite, check_width, Estimator, Info};

/// The methods of the boosters' scikit-learn models: `predict`, and
/// `predict_proba` for classifiers.
fn supports(classifier: bool, m: Method) -> bool {
    m == Method::Predict || (classifier && m == Method::PredictProba)
}

/// Input as the library takes it: numbers of the right width, NaN allowed,
/// infinities allowed when `infinities` (LightGBM) and refused otherwise.
fn input(info: &Info, x: Data, infinities: bool) -> Result<Mat> {
    let x = x.into_dense(&info.class)?;
    check_width(info, &x)?;
    if !infinities {
        check_finite(&x, true, &info.class)?;
    }
    Ok(x)
}

/// The implementation of `est` when a library module has it.
pub fn build(ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str) -> Option<Result<Box<dyn Estimator>>> {
    lightgbm::build(ctx, est, path)
        .or_else(|| xgboost::build(ctx, est, path))
        .or_else(|| catboost::build(ctx, est, path))
}
