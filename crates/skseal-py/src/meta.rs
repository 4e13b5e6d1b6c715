//! The facts Python gathers for a dump's metadata, rendered into JSON values
//! by the same rules as `convert`'s (`skseal_core::metadata`), and the one
//! reader of the user's metadata for `save` and `convert`.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Value};

use skseal_core::metadata::{self, Facts, MetadataError};

use crate::errors::{raise, Exc};

/// How deep nested facts are followed.
const MAX_DEPTH: u32 = 64;

/// A metadata error as Python sees it: a value of the wrong type is a
/// TypeError, anything else a ValueError.
pub fn to_pyerr(py: Python<'_>, e: &MetadataError) -> PyErr {
    let kind = match e {
        MetadataError::NotAnObject { .. }
        | MetadataError::BadField { .. }
        | MetadataError::UnknownField(_) => Exc::Type,
        MetadataError::NotJson(_) | MetadataError::IntOutOfRange { .. } => Exc::Value,
    };
    raise(py, kind, &e.to_string())
}

/// A Python value of the live object as metadata: numpy values through their
/// `tolist()`, dict keys as `str(key)`, lists and tuples as lists, floats by
/// `metadata::float_value` (NaN and infinities as text), integers beyond
/// 64 bits by `metadata::big_int`, other objects as their `str()`.
fn py_value(obj: &Bound<'_, PyAny>, depth: u32) -> PyResult<Value> {
    let py = obj.py();
    if depth > MAX_DEPTH {
        return Err(raise(
            py,
            Exc::Value,
            "metadata: a value is nested too deeply",
        ));
    }
    if obj.hasattr("tolist")? {
        return py_value(&obj.call_method0("tolist")?, depth + 1);
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut m = Map::new();
        for (k, v) in d.iter() {
            m.insert(k.str()?.to_string(), py_value(&v, depth + 1)?);
        }
        return Ok(Value::Object(m));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        return obj
            .try_iter()?
            .map(|v| py_value(&v?, depth + 1))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array);
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(metadata::float_value(f.value()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        let digits = obj.str()?.to_string();
        return metadata::big_int(&digits).map_err(|e| to_pyerr(py, &e));
    }
    if obj.is_instance_of::<PyString>() {
        return Ok(Value::String(obj.extract::<String>()?));
    }
    Ok(Value::String(obj.str()?.to_string()))
}

/// One part of the facts (`environment`, `libraries`, `estimator`): a dict.
fn part(facts: &Bound<'_, PyDict>, name: &'static str) -> PyResult<Map<String, Value>> {
    let py = facts.py();
    let v = match facts.get_item(name)? {
        Some(v) => py_value(&v, 0)?,
        None => Value::Null,
    };
    match v {
        Value::Null => Ok(Map::new()),
        Value::Object(m) => Ok(m),
        other => Err(to_pyerr(
            py,
            &MetadataError::NotAnObject {
                part: name,
                found: metadata::kind(&other),
            },
        )),
    }
}

/// The user's metadata from the JSON text Python's `json` wrote of it.
pub fn user(py: Python<'_>, user_json: &str) -> PyResult<Map<String, Value>> {
    metadata::user_from_json(user_json).map_err(|e| to_pyerr(py, &e))
}

/// A dump's metadata: `facts` is `{"environment": {...}, "libraries":
/// {...}, "estimator": {...}}` as `skseal._meta.facts` gathers them, with
/// the user's metadata as JSON text; `skseal_core::metadata::assemble`
/// builds the rest.
pub fn for_dump(facts: &Bound<'_, PyDict>, user_json: &str) -> PyResult<Value> {
    let py = facts.py();
    for k in facts.keys() {
        let k = k.str()?.to_string();
        if !matches!(k.as_str(), "environment" | "libraries" | "estimator") {
            return Err(raise(
                py,
                Exc::Value,
                &format!("metadata facts: unknown part {k:?}"),
            ));
        }
    }
    metadata::assemble(Facts {
        environment: part(facts, "environment")?,
        libraries: part(facts, "libraries")?,
        estimator: part(facts, "estimator")?,
        user: user(py, user_json)?,
        ..Facts::default()
    })
    .map_err(|e| to_pyerr(py, &e))
}
