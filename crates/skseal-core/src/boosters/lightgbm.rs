//! LightGBM's model text (`Booster.model_to_string()`), parsed and checked.
//! (To be written: see boosters/mod.rs.)

use super::BoosterError;

/// A parsed LightGBM model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LgbModel {}

/// Parse and check a LightGBM model text.
pub fn parse(text: &[u8]) -> Result<LgbModel, BoosterError> {
    let _ = text;
    Err(BoosterError::new(
        "LightGBM",
        "start",
        "parser not written yet",
    ))
}
