//! Object states: the attribute names a state may set.
//!
//! pickle applies a state without `__setstate__` as `obj.__dict__.update(d)`
//! and, for the slot part of a `(dict, slots)` state, `setattr(obj, k, v)`.
//! A slot state `{"__class__": X}` would turn an object that was validated as
//! one class into another after validation; other dunders (`__dict__`,
//! `__setstate__`, ...) change how the object behaves in the same way. No
//! fitted scikit-learn state sets one, so any dunder key is refused, in a dict
//! state and in a slot state alike, whatever the class.

use crate::error::ValidationError;
use crate::ir::{Dtype, GlobalName, Graph, Node, NodeId};

/// The text of a state key: a `str`, or a `numpy.str_` scalar (which the
/// builder passes to `setattr` as the `str` subclass it is).
pub(super) fn key_text(g: &Graph, k: NodeId) -> Option<String> {
    match g.node(k)? {
        Node::Str(s) => Some(s.clone()),
        Node::Scalar {
            dtype: Dtype::Simple(t),
            data,
        } if t.trim_start_matches(['<', '>', '|', '=']).starts_with('U') => {
            let big = t.starts_with('>');
            let mut out = String::new();
            for c in data.chunks_exact(4) {
                let b = [c[0], c[1], c[2], c[3]];
                let u = if big {
                    u32::from_be_bytes(b)
                } else {
                    u32::from_le_bytes(b)
                };
                if u == 0 {
                    break; // numpy strips trailing NULs
                }
                out.push(char::from_u32(u).unwrap_or('\u{fffd}'));
            }
            Some(out)
        }
        _ => None,
    }
}

fn is_dunder(k: &str) -> bool {
    k.len() > 4 && k.starts_with("__") && k.ends_with("__")
}

/// Refuse a state (dict, or `(dict, slots)`) that sets a dunder attribute.
pub(super) fn check_state_keys(
    g: &Graph,
    owner: &GlobalName,
    id: NodeId,
    state: NodeId,
) -> Result<(), ValidationError> {
    let parts: Vec<(NodeId, &str)> = match g.node(state) {
        Some(Node::Dict(_) | Node::Object { .. }) => vec![(state, "state")],
        Some(Node::Tuple(v)) if v.len() == 2 => vec![(v[0], "dict state"), (v[1], "slot state")],
        _ => return Ok(()),
    };
    for (part, what) in parts {
        // a dict, or a dict subclass (OrderedDict) the builder also accepts
        let kv = match g.node(part) {
            Some(Node::Dict(kv)) => kv,
            Some(Node::Object { items, .. }) => items,
            _ => continue,
        };
        for &(k, _) in kv {
            if let Some(name) = key_text(g, k) {
                if is_dunder(&name) {
                    return Err(ValidationError::new(
                        format!("{owner} (node {id})"),
                        format!(
                            "its {what} sets the attribute {name:?}; dunder attributes \
                             (__class__, __dict__, ...) are never restored from a file: \
                             they would change the object after it was validated"
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dunder_keys_are_found_as_str_and_numpy_str() {
        let mut g = Graph::default();
        g.nodes.push(Node::Str("__class__".into())); // 0
        g.nodes.push(Node::None); // 1
        let mut data = Vec::new();
        for c in "__dict__".chars() {
            data.extend((c as u32).to_le_bytes());
        }
        g.nodes.push(Node::Scalar {
            dtype: Dtype::Simple("<U8".into()),
            data,
        }); // 2
        g.nodes.push(Node::Dict(vec![(0, 1)])); // 3
        g.nodes.push(Node::Tuple(vec![1, 3])); // 4: (None, {"__class__": None})
        g.nodes.push(Node::Dict(vec![(2, 1)])); // 5: {np.str_("__dict__"): None}
        g.nodes.push(Node::Str("_sklearn_version".into())); // 6
        g.nodes.push(Node::Dict(vec![(6, 1)])); // 7
        let x = GlobalName::new("m", "X");
        let e = check_state_keys(&g, &x, 9, 4).expect_err("slot state");
        assert!(e.why.contains("slot state") && e.why.contains("__class__"));
        let e = check_state_keys(&g, &x, 9, 5).expect_err("numpy.str_ key");
        assert!(e.why.contains("__dict__"));
        assert!(check_state_keys(&g, &x, 9, 7).is_ok());
        assert!(!is_dunder("__") && !is_dunder("____") && is_dunder("__x__"));
    }
}
