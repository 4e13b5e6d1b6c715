//! XGBoost's serialized Booster (`XGBoosterSerializeToBuffer`: UBJSON or
//! JSON `{"Config": ..., "Model": ...}`), parsed and checked.
//! (To be written: see boosters/mod.rs.)

use super::BoosterError;

/// A parsed XGBoost model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct XgbModel {}

/// Parse and check an XGBoost serialized buffer.
pub fn parse(buf: &[u8]) -> Result<XgbModel, BoosterError> {
    let _ = buf;
    Err(BoosterError::new(
        "XGBoost",
        "start",
        "parser not written yet",
    ))
}
