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
    let quoted: Vec<String> = e.names.iter().map(|n| format!("{n:?}")).collect();
    let details = e.details.join("; ");
    let (cls, msg) = if saving {
        (
            "UnsupportedObjectError",
            format!(
                "cannot save this object safely: it contains types that skseal does not load by default: {names} ({details}). \
                 If these are your own classes, pass trusted=[{}] to dump and to load",
                quoted.join(", ")
            ),
        )
    } else {
        (
            "UntrustedTypeError",
            format!(
                "the file refers to types that are not trusted: {names} ({details}). \
                 Nothing was imported or run. If you trust the file's source, load it with trusted=[{}]",
                quoted.join(", ")
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
