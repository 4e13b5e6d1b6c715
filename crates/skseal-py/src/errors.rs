//! Mapping core errors to the exception classes of `skseal.errors`.

use pyo3::prelude::*;
use pyo3::types::PyList;

use skseal_core::{ContainerError, CoreError, UntrustedError};

/// Every exception class the extension raises: the classes of
/// `skseal.errors`, then the Python builtins. A name that does not exist is
/// a compile error here, and `tests/test_api.py` checks that each name is a
/// class of `skseal.errors` or `builtins` (`_native.exception_names()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exc {
    SkSeal,
    Format,
    Integrity,
    UntrustedType,
    Validation,
    UnsupportedObject,
    UnsupportedModel,
    VersionMismatch,
    Internal,
    Store,
    StorePolicy,
    ModelNotFound,
    Value,
    Type,
    Attribute,
    Os,
}

impl Exc {
    pub const ALL: [Exc; 16] = [
        Exc::SkSeal,
        Exc::Format,
        Exc::Integrity,
        Exc::UntrustedType,
        Exc::Validation,
        Exc::UnsupportedObject,
        Exc::UnsupportedModel,
        Exc::VersionMismatch,
        Exc::Internal,
        Exc::Store,
        Exc::StorePolicy,
        Exc::ModelNotFound,
        Exc::Value,
        Exc::Type,
        Exc::Attribute,
        Exc::Os,
    ];

    /// The class name, in `skseal.errors` or (the last four) in `builtins`.
    pub fn name(self) -> &'static str {
        match self {
            Exc::SkSeal => "SkSealError",
            Exc::Format => "FormatError",
            Exc::Integrity => "IntegrityError",
            Exc::UntrustedType => "UntrustedTypeError",
            Exc::Validation => "ValidationError",
            Exc::UnsupportedObject => "UnsupportedObjectError",
            Exc::UnsupportedModel => "UnsupportedModelError",
            Exc::VersionMismatch => "VersionMismatchError",
            Exc::Internal => "InternalError",
            Exc::Store => "StoreError",
            Exc::StorePolicy => "StorePolicyError",
            Exc::ModelNotFound => "ModelNotFoundError",
            Exc::Value => "ValueError",
            Exc::Type => "TypeError",
            Exc::Attribute => "AttributeError",
            Exc::Os => "OSError",
        }
    }

    fn module(self) -> &'static str {
        match self {
            Exc::Value | Exc::Type | Exc::Attribute | Exc::Os => "builtins",
            _ => "skseal.errors",
        }
    }
}

/// Build an exception of class `exc` with message `msg`.
pub fn raise(py: Python<'_>, exc: Exc, msg: &str) -> PyErr {
    let cls = py.import(exc.module()).and_then(|m| m.getattr(exc.name()));
    match cls.and_then(|c| c.call1((msg,))) {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// (module, class name) of every exception the extension raises.
#[pyfunction]
pub fn exception_names() -> Vec<(&'static str, &'static str)> {
    Exc::ALL.iter().map(|e| (e.module(), e.name())).collect()
}

/// Run an entry point, turning a Rust panic below it into
/// `skseal.errors.InternalError` (an `Exception`, unlike PyO3's
/// `PanicException`): a bug must never look like a crash to callers.
pub fn guard<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => Err(raise(
            py,
            Exc::Internal,
            &format!(
                "skseal hit an internal error ({}); nothing was returned. This is a bug in skseal, \
                 not in your call: please report it with the file that triggers it",
                skseal_native::panic_message(payload.as_ref())
            ),
        )),
    }
}

pub fn to_pyerr(py: Python<'_>, e: CoreError) -> PyErr {
    match e {
        CoreError::Pickle(p) => raise(py, Exc::Format, &format!("{p}")),
        CoreError::Container(c) => match c {
            ContainerError::Integrity(_)
            | ContainerError::Signature(_)
            | ContainerError::Undecodable { .. }
            | ContainerError::Digest { .. }
            | ContainerError::Codec { .. }
            | ContainerError::ArrayData { .. } => raise(py, Exc::Integrity, &c.to_string()),
            ContainerError::Io(io) => PyErr::from(io),
            // A file that is not a readable .skseal file of this format
            // version, a header the writer could not make, or a read of
            // part of the file that failed: FormatError, as before these
            // were told apart (no `_` arm: a new variant must choose).
            ContainerError::NotSkseal(_)
            | ContainerError::UnknownVersion { .. }
            | ContainerError::Truncated(_)
            | ContainerError::UnknownFlags { .. }
            | ContainerError::CompressedHeader(_)
            | ContainerError::HeaderJson(_)
            | ContainerError::ArrayEntry { .. }
            | ContainerError::Pack { .. }
            | ContainerError::MissingPack { .. }
            | ContainerError::Misplaced { .. }
            | ContainerError::Overflow(_)
            | ContainerError::Graph(_)
            | ContainerError::HeaderLimit { .. }
            | ContainerError::Encode(_)
            | ContainerError::FileIo { .. } => raise(py, Exc::Format, &c.to_string()),
        },
        CoreError::Untrusted(u) => untrusted_error(py, &u, false),
        CoreError::Validation(v) => raise(
            py,
            Exc::Validation,
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
    // Known gadgets can never be trusted, pandas' helpers are not to be:
    // neither is suggested (one rule: policy::profiles::trust_hint)
    use skseal_core::policy::profiles;
    let h = profiles::trust_hint(&e.names, &e.details);
    let hint = |verb: &str| {
        if h.hopeless {
            return "These names are never allowed (code execution, file access or deserialisation); no trust setting loads them".to_string();
        }
        let mut out = Vec::new();
        if !h.entries.is_empty() {
            let quoted: Vec<String> = h.entries.iter().map(|n| format!("{n:?}")).collect();
            out.push(format!(
                "If you trust the source, pass trusted=[{}] to {verb}",
                quoted.join(", ")
            ));
        }
        if h.pandas {
            out.push(profiles::PANDAS_WAY_OUT.to_string());
        }
        out.join(". ")
    };
    let details = e.details.join("; ");
    let (cls, msg) = if saving {
        (
            Exc::UnsupportedObject,
            format!(
                "cannot save this object safely: it contains names that skseal does not load by default: {names} ({details}). {}",
                hint("dump and to load")
            ),
        )
    } else {
        (
            Exc::UntrustedType,
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
