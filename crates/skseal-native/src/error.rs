//! Errors of native inference.

use thiserror::Error;

/// Everything that can go wrong building or running a native model.
#[derive(Debug, Error)]
pub enum NativeError {
    /// The file could not be read, checked or validated (same errors as loading).
    #[error(transparent)]
    Core(#[from] skseal_core::CoreError),
    /// An estimator (or a setting of one) native inference does not implement.
    #[error("native inference does not support {what} (at {path}). {hint}")]
    Unsupported {
        what: String,
        path: String,
        hint: String,
    },
    /// The fitted state is not what the estimator's class needs.
    #[error("malformed fitted state at {path}: {why}")]
    Malformed { path: String, why: String },
    /// The method is not available for this model.
    #[error("{model} has no method {method}{hint}")]
    NoMethod {
        model: String,
        method: String,
        hint: String,
    },
    /// The input does not fit the model.
    #[error("bad input: {0}")]
    Input(String),
}

pub type Result<T> = std::result::Result<T, NativeError>;

pub(crate) fn malformed(path: &str, why: impl Into<String>) -> NativeError {
    NativeError::Malformed {
        path: path.to_string(),
        why: why.into(),
    }
}

pub(crate) fn input(why: impl Into<String>) -> NativeError {
    NativeError::Input(why.into())
}
