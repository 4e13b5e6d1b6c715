//! Mapping core errors to the exception classes of `skseal.errors`.

use pyo3::prelude::*;
use pyo3::types::PyList;

use skseal_core::{ContainerError, CoreError, UntrustedError};

/// Build an exception of class `name` from `skseal.errors` (or builtins).
pub fn raise(py: Python<'_>, name: &str, msg: &str) -> PyErr {
    let cls = py
        .import("skseal.errors")
        .and_then(|m| m.getattr(name))
        .or_else(|_| py.import("builtins").and_then(|m| m.getattr(name)));
    match cls.and_then(|c| c.call1((msg,))) {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

pub fn to_pyerr(py: Python<'_>, e: CoreError) -> PyErr {
    match e {
        CoreError::Pickle(p) => raise(py, "FormatError", &format!("{p}")),
        CoreError::Container(c) => match c {
            ContainerError::Integrity(_) | ContainerError::Codec { .. } => {
                raise(py, "IntegrityError", &c.to_string())
            }
            ContainerError::Io(io) => PyErr::from(io),
            other => raise(py, "FormatError", &other.to_string()),
        },
        CoreError::Untrusted(u) => untrusted_error(py, &u, false),
        CoreError::Validation(v) => raise(
            py,
            "ValidationError",
            &format!(
                "{v}. The file is malformed or crafted; it was refused before any object was built"
            ),
        ),
    }
}

/// UntrustedTypeError (load) or UnsupportedObjectError (save), listing every
/// name and the `trusted=` argument that would accept them.
pub fn untrusted_error(py: Python<'_>, e: &UntrustedError, saving: bool) -> PyErr {
    let names = e.names.join(", ");
    // Known gadgets can never be trusted: do not suggest it.
    let quoted: Vec<String> = e
        .names
        .iter()
        .zip(&e.details)
        .filter(|(_, d)| !d.contains("never allowed"))
        .map(|(n, _)| format!("{n:?}"))
        .collect();
    let hint = |verb: &str| {
        if quoted.is_empty() {
            "These names are known code-execution gadgets; no trust setting loads them".to_string()
        } else {
            format!(
                "If you trust the source, pass trusted=[{}] to {verb}",
                quoted.join(", ")
            )
        }
    };
    let details = e.details.join("; ");
    let (cls, msg) = if saving {
        (
            "UnsupportedObjectError",
            format!(
                "cannot save this object safely: it contains names that skseal does not load by default: {names} ({details}). {}",
                hint("dump and to load")
            ),
        )
    } else {
        (
            "UntrustedTypeError",
            format!(
                "the file refers to names that are not trusted: {names} ({details}). Nothing was imported or run. {}",
                hint("load")
            ),
        )
    };
    let err = raise(py, cls, &msg);
    let value = err.value(py);
    if let Ok(list) = PyList::new(py, &e.names) {
        let _ = value.setattr("types", list);
    }
    err
}
