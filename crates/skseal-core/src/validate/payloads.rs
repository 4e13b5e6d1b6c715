//! Payloads that a library's compiled code parses when its object is built:
//! LightGBM's model text, XGBoost's serialized booster, CatBoost's model
//! blob. Each is parsed and checked by [`crate::boosters`] before anything is
//! built, whichever way the class was trusted (a profile or its exact name).

use crate::boosters::{catboost, lightgbm, xgboost, BoosterError};
use crate::error::ValidationError;
use crate::ir::{GlobalName, Graph, Node, NodeId};
use crate::policy::profiles;

/// The classes whose state carries a payload, and how it is checked.
pub(super) fn check(
    g: &Graph,
    id: NodeId,
    class: &GlobalName,
    state: Option<NodeId>,
) -> Result<(), ValidationError> {
    let ctx = || format!("{} (node {id})", class.dotted());
    let wrap = |key: &str, e: BoosterError| {
        ValidationError::new(
            format!("{} state {key:?}", ctx()),
            format!("{e}; the payload was refused before {} saw it", e.library),
        )
    };
    if class.is("lightgbm.basic", "Booster") {
        // LightGBM's __setstate__ reads "_handle", else "handle"
        let Some(st) = state else { return Ok(()) };
        for key in ["_handle", "handle"] {
            match g.dict_get(st, key).and_then(|v| g.node(v)) {
                None | Some(Node::None) => {}
                Some(Node::Str(s)) => {
                    lightgbm::parse(s.as_bytes()).map_err(|e| wrap(key, e))?;
                }
                Some(n) => {
                    return Err(ValidationError::new(
                        ctx(),
                        format!(
                            "state {key:?} must be LightGBM's model text (str), found {}",
                            n.kind_name()
                        ),
                    ))
                }
            }
        }
        return Ok(());
    }
    if class.is("xgboost.core", "Booster") {
        let Some(st) = state else { return Ok(()) };
        match g.dict_get(st, "handle").and_then(|v| g.node(v)) {
            None | Some(Node::None) => {}
            Some(Node::ByteArray(b)) => {
                xgboost::parse(b).map_err(|e| wrap("handle", e))?;
            }
            Some(n) => {
                return Err(ValidationError::new(
                    ctx(),
                    format!(
                    "state \"handle\" must be XGBoost's serialized booster (bytearray), found {}",
                    n.kind_name()
                ),
                ))
            }
        }
        return Ok(());
    }
    if class.module == "catboost.core" {
        let Some(st) = state else { return Ok(()) };
        let Some(Node::Dict(kv)) = g.node(st) else {
            return Err(ValidationError::new(
                ctx(),
                "CatBoost's state must be a dict of its parameters",
            ));
        };
        let allowed: Vec<&str> = profiles::get("catboost")
            .map(|p| p.meta("state_keys").split(' ').collect())
            .unwrap_or_default();
        for &(k, v) in kv {
            let Some(Node::Str(key)) = g.node(k) else {
                return Err(ValidationError::new(ctx(), "a state key is not a str"));
            };
            if !allowed.contains(&key.as_str()) {
                return Err(ValidationError::new(
                    ctx(),
                    format!(
                        "state key {key:?} is not a CatBoost parameter nor a key its __getstate__ \
                         writes (the catboost profile lists them)"
                    ),
                ));
            }
            if key == "__model" {
                match g.node(v) {
                    Some(Node::Bytes(b)) => {
                        catboost::check(b).map_err(|e| wrap("__model", e))?;
                    }
                    Some(n) => {
                        return Err(ValidationError::new(
                            ctx(),
                            format!(
                                "state \"__model\" must be CatBoost's model blob (bytes), found {}",
                                n.kind_name()
                            ),
                        ))
                    }
                    None => {}
                }
            }
        }
    }
    Ok(())
}
