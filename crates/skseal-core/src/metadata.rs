//! The metadata of a `.skseal` file (docs/FORMAT.md, "metadata"), assembled
//! in one place for every writer: Python's `dump` (which gathers the facts
//! only a live object has: library versions, the estimator's methods and
//! classes) and `convert` in Python, the CLI and the store (which know what
//! the legacy file's graph says, without running anything).

use serde_json::{json, Map, Value};

use crate::ir::{Graph, Node};
use crate::legacy::LegacyInfo;

/// Metadata that cannot be stored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetadataError {
    /// A part that must be a JSON object is not.
    #[error("metadata must be a dict (a JSON object), got {found}")]
    NotAnObject {
        part: &'static str,
        found: &'static str,
    },
    /// The facts a writer passed are not JSON.
    #[error("metadata is not JSON: {0}")]
    NotJson(String),
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "None",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// The user's own metadata as stored: an object (`null` is an empty one).
pub fn user_object(user: Value) -> Result<Map<String, Value>, MetadataError> {
    object("user", user)
}

fn object(part: &'static str, v: Value) -> Result<Map<String, Value>, MetadataError> {
    match v {
        Value::Null => Ok(Map::new()),
        Value::Object(m) => Ok(m),
        other => Err(MetadataError::NotAnObject {
            part,
            found: kind(&other),
        }),
    }
}

/// The file's metadata: skseal's version and the time of writing (both
/// stamped here), the environment's library versions, the estimator's
/// description, the legacy `source` of a converted file, and the user's own.
pub fn assemble(
    environment: Map<String, Value>,
    estimator: Map<String, Value>,
    user: Map<String, Value>,
    source: Option<Value>,
) -> Value {
    let mut m = Map::new();
    m.insert("skseal".into(), json!(env!("CARGO_PKG_VERSION")));
    m.insert("created_utc".into(), json!(utc_now()));
    m.insert("environment".into(), Value::Object(environment));
    m.insert("estimator".into(), Value::Object(estimator));
    if let Some(s) = source {
        m.insert("source".into(), s);
    }
    m.insert("user".into(), Value::Object(user));
    Value::Object(m)
}

/// The metadata of a dump from the facts Python gathered from the live
/// object: a JSON object `{"environment": {...}, "estimator": {...},
/// "user": {...} | null}`.
pub fn for_dump(facts_json: &str) -> Result<Value, MetadataError> {
    let mut facts: Map<String, Value> =
        serde_json::from_str(facts_json).map_err(|e| MetadataError::NotJson(e.to_string()))?;
    let mut take = |k: &'static str| object(k, facts.remove(k).unwrap_or(Value::Null));
    let (env, est, user) = (take("environment")?, take("estimator")?, take("user")?);
    Ok(assemble(env, est, user, None))
}

/// UTC time as "YYYY-MM-DDTHH:MM:SSZ" (SOURCE_DATE_EPOCH when set).
pub fn utc_now() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // civil-from-days (proleptic Gregorian calendar)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The scikit-learn version recorded in the first estimator state found.
fn sklearn_version(g: &Graph) -> Option<String> {
    g.nodes.iter().find_map(|n| match n {
        Node::Object { state: Some(s), .. } => {
            match g.dict_get(*s, "_sklearn_version").and_then(|v| g.node(v)) {
                Some(Node::Str(v)) => Some(v.clone()),
                _ => None,
            }
        }
        _ => None,
    })
}

/// Metadata for a converted file: what can be known without running anything.
pub fn for_convert(
    g: &Graph,
    info: &LegacyInfo,
    source_name: &str,
    source: &[u8],
    user: Map<String, Value>,
) -> Value {
    let mut est = Map::new();
    if let Some(Node::Object { class, state, .. }) = g.node(g.root) {
        est.insert("class".into(), json!(class.dotted()));
        if let Some(n) = state
            .and_then(|s| g.dict_get(s, "n_features_in_"))
            .and_then(|v| g.as_int(v))
        {
            est.insert("n_features_in".into(), json!(n));
        }
    }
    let source = json!({
            "name": source_name,
            "format": if info.joblib_arrays.is_empty() { "pickle" } else { "joblib" },
            "compression": info.codec.map(|c| c.name()),
            "blake3": blake3::hash(source).to_hex().to_string(),
            "bytes": source.len(),
    });
    let mut env = Map::new();
    env.insert("scikit-learn".into(), json!(sklearn_version(g)));
    assemble(env, est, user, Some(source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_builder_stamps_version_and_time_and_checks_parts() {
        let m =
            for_dump(r#"{"environment":{"numpy":"2"},"estimator":{"class":"a.B"},"user":null}"#)
                .unwrap();
        assert_eq!(m["skseal"], env!("CARGO_PKG_VERSION"));
        assert_eq!(m["user"], json!({}));
        assert_eq!(m["environment"]["numpy"], "2");
        assert!(m["created_utc"].as_str().is_some_and(|t| t.ends_with('Z')));
        assert!(m.get("source").is_none());
        let keys: Vec<&String> = m.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["created_utc", "environment", "estimator", "skseal", "user"]
        );
        assert_eq!(
            for_dump(r#"{"environment":{},"estimator":{},"user":[1]}"#),
            Err(MetadataError::NotAnObject {
                part: "user",
                found: "list"
            })
        );
        assert!(matches!(for_dump("[1]"), Err(MetadataError::NotJson(_))));
        // floats keep the text serde_json gives them, as the writer stores it
        let m = for_dump(r#"{"environment":{},"estimator":{},"user":{"lr":1e-05,"n":3}}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&m["user"]).unwrap(),
            r#"{"lr":0.00001,"n":3}"#
        );
    }
}
