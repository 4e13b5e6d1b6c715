//! The metadata of a `.skseal` file (docs/FORMAT.md §6), built in one place
//! for every writer. Python's `dump` gathers the facts only a live object has
//! (library versions, the estimator's methods and fitted attributes, the
//! user's dict) and passes them as they are; `convert` (Python, the CLI, the
//! store) reads the same attributes from the legacy file's graph, without
//! running anything. Both render values with one rule ([`float_value`],
//! [`big_int`]), and [`assemble`] checks, stamps and orders the fields.

use serde_json::{json, Map, Value};

use crate::ir::{Dtype, Graph, Node, NodeId};
use crate::legacy::LegacyInfo;

/// The fitted attributes recorded of an estimator, each with its key under
/// `estimator` (`n_features_in_` -> `n_features_in`). Python reads them from
/// the live object (`_native.ESTIMATOR_ATTRIBUTES`), `convert` from the root
/// object's state.
pub const ESTIMATOR_ATTRIBUTES: [(&str, &str); 3] = [
    ("n_features_in_", "n_features_in"),
    ("feature_names_in_", "feature_names_in"),
    ("classes_", "classes"),
];

/// The `probe` member of a converted file whose probe native inference
/// computed (`skseal.convert(src, dst, probe=X)`).
pub const NATIVE_PROBE: &str = "skseal.native";

/// Metadata that cannot be stored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetadataError {
    /// A part that must be a JSON object is not.
    #[error("metadata must be a dict (a JSON object), got {found}")]
    NotAnObject {
        part: &'static str,
        found: &'static str,
    },
    /// The user's metadata is not JSON text.
    #[error("metadata is not JSON: {0}")]
    NotJson(String),
    /// A field of the estimator's description has the wrong type.
    #[error("metadata: estimator.{field} must be {expected}, got {found}")]
    BadField {
        field: &'static str,
        expected: &'static str,
        found: &'static str,
    },
    /// A key of the estimator's description that the metadata does not have.
    #[error("metadata: estimator.{0} is not a field of the metadata")]
    UnknownField(String),
    /// An integer that JSON numbers cannot hold (beyond a double's range).
    #[error("metadata: the integer {digits} is out of the range of a JSON number")]
    IntOutOfRange { digits: String },
}

/// The JSON type of a value, in Python's words (for messages).
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "None",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// The user's own metadata as stored, from the JSON text Python's `json`
/// module wrote of the `metadata=` dict: an object (`null` is an empty one).
/// The one reader of user metadata for `dump` and `convert`.
pub fn user_from_json(text: &str) -> Result<Map<String, Value>, MetadataError> {
    let v: Value = serde_json::from_str(text).map_err(|e| MetadataError::NotJson(e.to_string()))?;
    user_object(v)
}

/// The user's own metadata as stored: an object (`null` is an empty one).
pub fn user_object(user: Value) -> Result<Map<String, Value>, MetadataError> {
    match user {
        Value::Null => Ok(Map::new()),
        Value::Object(m) => Ok(m),
        other => Err(MetadataError::NotAnObject {
            part: "user",
            found: kind(&other),
        }),
    }
}

/// A float as the metadata records it: finite floats as JSON numbers (the
/// same double, serde_json's shortest text), NaN and infinities as Python's
/// `str()` of them (`"nan"`, `"inf"`, `"-inf"`), since JSON has no such
/// numbers.
pub fn float_value(f: f64) -> Value {
    match serde_json::Number::from_f64(f) {
        Some(n) => Value::Number(n),
        None if f.is_nan() => json!("nan"),
        None if f > 0.0 => json!("inf"),
        None => json!("-inf"),
    }
}

/// An integer given as decimal digits (outside i64/u64): the JSON number
/// serde_json reads from those digits (a double beyond u64), as it reads the
/// digits Python's `json` writes.
pub fn big_int(digits: &str) -> Result<Value, MetadataError> {
    match serde_json::from_str::<Value>(digits) {
        Ok(v @ Value::Number(_)) => Ok(v),
        _ => Err(MetadataError::IntOutOfRange {
            digits: digits.to_string(),
        }),
    }
}

/// What a writer knows of the object it writes, before [`assemble`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// Library versions (`python`, `numpy`, `scikit-learn`...).
    pub environment: Map<String, Value>,
    /// Versions of the libraries of the profiles a dump trusted; they join
    /// `environment` (and win over a version of the same name there).
    pub libraries: Map<String, Value>,
    /// `class`, `methods` and the [`ESTIMATOR_ATTRIBUTES`] known.
    pub estimator: Map<String, Value>,
    /// The user's own metadata.
    pub user: Map<String, Value>,
    /// The legacy file a converted file came from.
    pub source: Option<Value>,
    /// Who computed the stored probe, when the metadata says it
    /// ([`NATIVE_PROBE`]).
    pub probe: Option<&'static str>,
}

/// The estimator's description, checked: `class` a string, `methods` a list
/// of strings, no other keys than those and the [`ESTIMATOR_ATTRIBUTES`]'.
fn check_estimator(est: &Map<String, Value>) -> Result<(), MetadataError> {
    let bad = |field: &'static str, expected: &'static str, v: &Value| {
        Err(MetadataError::BadField {
            field,
            expected,
            found: kind(v),
        })
    };
    for (k, v) in est {
        match k.as_str() {
            "class" if !v.is_string() => return bad("class", "a str", v),
            "methods" => match v {
                Value::Array(ms) if ms.iter().all(Value::is_string) => {}
                _ => return bad("methods", "a list of str", v),
            },
            "class" => {}
            k if ESTIMATOR_ATTRIBUTES.iter().any(|(_, key)| *key == k) => {}
            other => return Err(MetadataError::UnknownField(other.to_string())),
        }
    }
    Ok(())
}

/// The file's metadata: skseal's version and the time of writing (both
/// stamped here), the environment's library versions, the estimator's
/// description, the legacy `source` of a converted file, the probe's origin,
/// and the user's own; keys in sorted order (serde_json's map), as every
/// file since 0.1.0 has them.
pub fn assemble(facts: Facts) -> Result<Value, MetadataError> {
    let Facts {
        mut environment,
        libraries,
        estimator,
        user,
        source,
        probe,
    } = facts;
    check_estimator(&estimator)?;
    environment.extend(libraries);
    let mut m = Map::new();
    m.insert("skseal".into(), json!(env!("CARGO_PKG_VERSION")));
    m.insert("created_utc".into(), json!(utc_now()));
    m.insert("environment".into(), Value::Object(environment));
    m.insert("estimator".into(), Value::Object(estimator));
    if let Some(s) = source {
        m.insert("source".into(), s);
    }
    if let Some(p) = probe {
        m.insert("probe".into(), json!(p));
    }
    m.insert("user".into(), Value::Object(user));
    Ok(Value::Object(m))
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

/// How deep [`graph_value`] follows nested lists.
const MAX_VALUE_DEPTH: u32 = 32;

/// A graph value as the metadata records the same value of a live object
/// (Python's `tolist()` of numpy values, the rule of [`float_value`]);
/// `None` for a value it cannot say without running anything (an object, a
/// multi-dimensional object array, bytes, an unknown dtype).
fn graph_value(g: &Graph, id: NodeId, depth: u32) -> Option<Value> {
    if depth > MAX_VALUE_DEPTH {
        return None;
    }
    let list = |items: &[NodeId]| {
        items
            .iter()
            .map(|&i| graph_value(g, i, depth + 1))
            .collect::<Option<Vec<_>>>()
            .map(Value::Array)
    };
    match g.node(id)? {
        Node::None => Some(Value::Null),
        Node::Bool(b) => Some(json!(b)),
        Node::Int(i) => Some(json!(i)),
        Node::BigInt(digits) => big_int(digits).ok(),
        Node::Float(f) => Some(float_value(*f)),
        Node::Str(s) => Some(json!(s)),
        Node::List(items) | Node::Tuple(items) => list(items),
        Node::ObjectArray { shape, items, .. } if shape.len() == 1 => list(items),
        Node::Array(i) => array_value(g, *i as usize),
        Node::Scalar { dtype, data } => element(dtype, data),
        _ => None,
    }
}

/// A one-dimensional array with its bytes in the graph, as a list (a
/// zero-dimensional one as its element).
fn array_value(g: &Graph, i: usize) -> Option<Value> {
    let spec = g.arrays.get(i)?;
    let crate::ir::ArraySource::Inline(data) = &spec.source else {
        return None;
    };
    if spec.shape.len() > 1 || spec.nbytes()? != data.len() as u64 {
        return None;
    }
    let size = usize::try_from(spec.dtype.itemsize()?).ok()?;
    if spec.shape.is_empty() {
        return element(&spec.dtype, data);
    }
    if size == 0 {
        return None;
    }
    data.chunks_exact(size)
        .map(|e| element(&spec.dtype, e))
        .collect::<Option<Vec<_>>>()
        .map(Value::Array)
}

/// One numpy element (bool, integers, float32/64, unicode strings).
fn element(dtype: &Dtype, data: &[u8]) -> Option<Value> {
    let Dtype::Simple(s) = dtype else { return None };
    let big = s.starts_with('>');
    let code = s.trim_start_matches(['<', '>', '|', '=']);
    macro_rules! num {
        ($t:ty) => {{
            let b = <[u8; std::mem::size_of::<$t>()]>::try_from(data).ok()?;
            if big {
                <$t>::from_be_bytes(b)
            } else {
                <$t>::from_le_bytes(b)
            }
        }};
    }
    Some(match code {
        "b1" => json!(*data.first()? != 0),
        "i1" => json!(num!(i8)),
        "i2" => json!(num!(i16)),
        "i4" => json!(num!(i32)),
        "i8" => json!(num!(i64)),
        "u1" => json!(num!(u8)),
        "u2" => json!(num!(u16)),
        "u4" => json!(num!(u32)),
        "u8" => json!(num!(u64)),
        "f4" => float_value(f64::from(num!(f32))),
        "f8" => float_value(num!(f64)),
        c if c.starts_with('U') => {
            // UTF-32 code points; numpy's tolist() drops trailing NULs
            let mut text = data
                .chunks_exact(4)
                .map(|c| {
                    let b = <[u8; 4]>::try_from(c).ok()?;
                    char::from_u32(if big {
                        u32::from_be_bytes(b)
                    } else {
                        u32::from_le_bytes(b)
                    })
                })
                .collect::<Option<String>>()?;
            text.truncate(text.trim_end_matches('\0').len());
            json!(text)
        }
        _ => return None,
    })
}

/// The class of the root as `type(obj)` names it in Python: an object's
/// class, the builtin containers and scalars, numpy arrays.
fn root_class(g: &Graph) -> Option<String> {
    let builtin = |name: &str| Some(format!("builtins.{name}"));
    match g.node(g.root)? {
        Node::Object { class, .. } => Some(class.dotted()),
        Node::None => builtin("NoneType"),
        Node::Bool(_) => builtin("bool"),
        Node::Int(_) | Node::BigInt(_) => builtin("int"),
        Node::Float(_) => builtin("float"),
        Node::Str(_) => builtin("str"),
        Node::Bytes(_) => builtin("bytes"),
        Node::ByteArray(_) => builtin("bytearray"),
        Node::List(_) => builtin("list"),
        Node::Tuple(_) => builtin("tuple"),
        Node::Dict(_) => builtin("dict"),
        Node::Set(_) => builtin("set"),
        Node::FrozenSet(_) => builtin("frozenset"),
        Node::Array(_) | Node::ObjectArray { .. } => Some("numpy.ndarray".into()),
        _ => None,
    }
}

/// The estimator's description a legacy file gives without running
/// anything: its class and the [`ESTIMATOR_ATTRIBUTES`] of the root
/// object's state that are not None. `methods` needs the live object
/// (`hasattr` runs properties), so a converted file has none.
fn estimator_from_graph(g: &Graph) -> Map<String, Value> {
    let mut est = Map::new();
    if let Some(class) = root_class(g) {
        est.insert("class".into(), json!(class));
    }
    if let Some(Node::Object { state: Some(s), .. }) = g.node(g.root) {
        for (attr, key) in ESTIMATOR_ATTRIBUTES {
            let v = g.dict_get(*s, attr).and_then(|v| graph_value(g, v, 0));
            if let Some(v) = v.filter(|v| !v.is_null()) {
                est.insert(key.into(), v);
            }
        }
    }
    est
}

/// What a converted file records of its legacy source.
pub struct Source<'a> {
    /// The file's name, without directories.
    pub name: &'a str,
    /// The file's bytes as stored.
    pub data: &'a [u8],
    pub info: &'a LegacyInfo,
}

/// Metadata for a converted file: what can be known without running
/// anything. `probe` says who computed a probe attached to the graph.
pub fn for_convert(
    g: &Graph,
    source: Source<'_>,
    user: Map<String, Value>,
    probe: Option<&'static str>,
) -> Result<Value, MetadataError> {
    let info = source.info;
    let source = json!({
            "name": source.name,
            "format": if info.joblib_arrays.is_empty() { "pickle" } else { "joblib" },
            "compression": info.codec.map(|c| c.name()),
            "blake3": blake3::hash(source.data).to_hex().to_string(),
            "bytes": source.data.len(),
    });
    let mut environment = Map::new();
    environment.insert("scikit-learn".into(), json!(sklearn_version(g)));
    assemble(Facts {
        environment,
        estimator: estimator_from_graph(g),
        user,
        source: Some(source),
        probe,
        ..Facts::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{ArraySource, ArraySpec, GlobalName, Order};

    fn keys(m: &Value) -> Vec<&str> {
        m.as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    #[test]
    fn one_builder_stamps_version_and_time_merges_and_orders() {
        let mut environment = Map::new();
        environment.insert("numpy".into(), json!("2"));
        environment.insert("lightgbm".into(), json!("old"));
        let mut libraries = Map::new();
        libraries.insert("lightgbm".into(), json!("4.6.0"));
        let mut estimator = Map::new();
        estimator.insert("class".into(), json!("a.B"));
        estimator.insert("methods".into(), json!(["predict"]));
        let m = assemble(Facts {
            environment,
            libraries,
            estimator,
            ..Facts::default()
        })
        .unwrap();
        assert_eq!(m["skseal"], env!("CARGO_PKG_VERSION"));
        assert_eq!(m["user"], json!({}));
        assert_eq!(m["environment"], json!({"lightgbm": "4.6.0", "numpy": "2"}));
        assert!(m["created_utc"].as_str().is_some_and(|t| t.ends_with('Z')));
        assert_eq!(
            keys(&m),
            ["created_utc", "environment", "estimator", "skseal", "user"]
        );
        let m = assemble(Facts {
            source: Some(json!({})),
            probe: Some(NATIVE_PROBE),
            ..Facts::default()
        })
        .unwrap();
        assert_eq!(
            keys(&m),
            [
                "created_utc",
                "environment",
                "estimator",
                "probe",
                "skseal",
                "source",
                "user"
            ]
        );
    }

    #[test]
    fn the_estimator_is_checked() {
        let with = |k: &str, v: Value| {
            let mut estimator = Map::new();
            estimator.insert(k.into(), v);
            assemble(Facts {
                estimator,
                ..Facts::default()
            })
        };
        assert_eq!(
            with("class", json!(1)),
            Err(MetadataError::BadField {
                field: "class",
                expected: "a str",
                found: "number"
            })
        );
        assert!(with("methods", json!(["predict", 1])).is_err());
        assert_eq!(
            with("colour", json!("red")),
            Err(MetadataError::UnknownField("colour".into()))
        );
        for (_, key) in ESTIMATOR_ATTRIBUTES {
            assert!(with(key, json!(["anything", 1.5, null])).is_ok());
        }
    }

    #[test]
    fn user_metadata_keeps_its_values() {
        assert_eq!(
            user_from_json("[1]"),
            Err(MetadataError::NotAnObject {
                part: "user",
                found: "list"
            })
        );
        assert_eq!(user_from_json("null"), Ok(Map::new()));
        assert!(matches!(
            user_from_json("{"),
            Err(MetadataError::NotJson(_))
        ));
        // floats keep the text serde_json gives them, as the writer stores it
        let u =
            user_from_json(r#"{"n":3,"lr":1e-05,"big":123456789012345678901234567890}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&u).unwrap(),
            r#"{"big":1.2345678901234568e+29,"lr":0.00001,"n":3}"#
        );
    }

    #[test]
    fn values_render_as_python_renders_them() {
        assert_eq!(float_value(f64::NAN), json!("nan"));
        assert_eq!(float_value(f64::INFINITY), json!("inf"));
        assert_eq!(float_value(f64::NEG_INFINITY), json!("-inf"));
        assert_eq!(float_value(0.1).to_string(), "0.1");
        assert_eq!(
            big_int("18446744073709551616").unwrap().to_string(),
            "1.8446744073709552e+19"
        );
        assert!(big_int(&"9".repeat(400)).is_err());
        let d = |s: &str| Dtype::Simple(s.into());
        assert_eq!(
            element(&d("<U3"), b"a\0\0\0\xe9\0\0\0\0\0\0\0"),
            Some(json!("a\u{e9}"))
        );
        assert_eq!(
            element(&d(">i4"), &[0xff, 0xff, 0xff, 0xfe]),
            Some(json!(-2))
        );
        assert_eq!(
            element(&d("<f4"), &0.1f32.to_le_bytes()),
            Some(json!(f64::from(0.1f32)))
        );
        assert_eq!(element(&d("|b1"), &[1]), Some(json!(true)));
        assert_eq!(element(&d("<c16"), &[0; 16]), None);
        assert_eq!(element(&d("<i8"), &[0; 4]), None);
    }

    #[test]
    fn converted_estimators_are_read_from_the_state() {
        let classes: Vec<u8> = [0i64, 1, 2].iter().flat_map(|v| v.to_le_bytes()).collect();
        let g = Graph {
            nodes: vec![
                Node::Object {
                    class: GlobalName::new("sklearn.tree._classes", "DecisionTreeClassifier"),
                    args: vec![],
                    state: Some(1),
                    items: vec![],
                },
                Node::Dict(vec![(2, 3), (4, 5), (6, 7), (8, 9), (10, 11)]),
                Node::Str("n_features_in_".into()),
                Node::Int(2),
                Node::Str("feature_names_in_".into()),
                Node::ObjectArray {
                    shape: vec![2],
                    order: Order::C,
                    items: vec![12, 13],
                },
                Node::Str("classes_".into()),
                Node::Array(0),
                Node::Str("_sklearn_version".into()),
                Node::Str("1.9.0".into()),
                Node::Str("max_depth".into()),
                Node::None,
                Node::Str("a".into()),
                Node::Str("b".into()),
            ],
            arrays: vec![ArraySpec {
                dtype: Dtype::Simple("<i8".into()),
                shape: vec![3],
                order: Order::C,
                axes: None,
                source: ArraySource::Inline(classes),
            }],
            root: 0,
            probe: None,
            native: Vec::new(),
        };
        let info = LegacyInfo::default();
        let source = Source {
            name: "m.pkl",
            data: b"x",
            info: &info,
        };
        let m = for_convert(&g, source, Map::new(), None).unwrap();
        assert_eq!(
            m["estimator"],
            json!({"class": "sklearn.tree._classes.DecisionTreeClassifier",
                   "n_features_in": 2, "feature_names_in": ["a", "b"], "classes": [0, 1, 2]})
        );
        assert_eq!(m["environment"], json!({"scikit-learn": "1.9.0"}));
        assert_eq!(m["source"]["format"], "pickle");
        assert!(m.get("probe").is_none());
    }
}
