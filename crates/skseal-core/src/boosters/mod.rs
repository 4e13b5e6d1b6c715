//! Parsers of the model payloads that gradient-boosting libraries keep in
//! their pickled state (LightGBM's model text, XGBoost's serialized
//! UBJSON/JSON buffer, CatBoost's CBM blob). A library profile
//! (`policy::profiles`) lets the library's own C++ read these bytes when the
//! object is built; before that, the payload is parsed here with limits and
//! every index the library's predictor follows is checked. The parsed models
//! are the one reading of these payloads: validation and native inference
//! share them.

pub mod catboost;
pub mod lightgbm;
pub mod ubjson;
pub mod xgboost;

use thiserror::Error;

/// A payload refused before the library sees it. `at` names the place
/// (a line of LightGBM's text, a JSON path of XGBoost's model, a byte
/// offset), `why` what is wrong.
#[derive(Debug, Error, Clone, PartialEq)]
#[error("{library} model payload, {at}: {why}")]
pub struct BoosterError {
    pub library: &'static str,
    pub at: String,
    pub why: String,
}

impl BoosterError {
    pub fn new(library: &'static str, at: impl Into<String>, why: impl Into<String>) -> Self {
        BoosterError {
            library,
            at: at.into(),
            why: why.into(),
        }
    }
}

/// Largest payload parsed (a model bigger than this is refused with the
/// limit named; the limit is the container's decompression cap order).
pub const MAX_PAYLOAD: usize = 4 << 30;
