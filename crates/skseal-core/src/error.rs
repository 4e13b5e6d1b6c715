//! Error types of the core crate. Every variant says what is wrong, where, and
//! (where it helps) how to fix it.

use thiserror::Error;

/// Errors raised while reading a pickle stream into the IR.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum PickleError {
    #[error("pickle stream truncated at byte {offset}: {what} needs {needed} more byte(s)")]
    Truncated {
        offset: usize,
        what: &'static str,
        needed: usize,
    },
    #[error("unknown pickle opcode 0x{opcode:02x} at byte {offset}")]
    UnknownOpcode { opcode: u8, offset: usize },
    #[error("pickle opcode {opcode} at byte {offset} is refused: {why}")]
    Refused {
        opcode: &'static str,
        offset: usize,
        why: String,
    },
    #[error("malformed pickle at byte {offset} ({opcode}): {why}")]
    Malformed {
        opcode: &'static str,
        offset: usize,
        why: String,
    },
    #[error("pickle stream exceeds a resource limit at byte {offset}: {why}")]
    Limit { offset: usize, why: String },
    #[error("pickle stream has {extra} byte(s) of data after STOP at byte {offset}")]
    TrailingData { offset: usize, extra: usize },
    #[error("pickle stream ended without STOP")]
    NoStop,
    #[error("unsupported numpy construct at byte {offset}: {why}")]
    Numpy { offset: usize, why: String },
    #[error("{codec}-compressed input: {why}")]
    Decompress { codec: &'static str, why: String },
    #[error("configuration: {0}")]
    Config(String),
}

/// Errors raised by the container reader/writer.
#[derive(Debug, Error)]
pub enum ContainerError {
    #[error("not a skseal file: {0}")]
    NotSkseal(String),
    #[error(
        "unsupported skseal format version {found}; this reader understands version {supported}. \
         Upgrade skseal to read this file"
    )]
    UnknownVersion { found: u32, supported: u32 },
    #[error("truncated skseal file: {0}")]
    Truncated(String),
    #[error("malformed skseal header: {0}")]
    Header(String),
    #[error("integrity check failed: {0}")]
    Integrity(String),
    #[error("codec error in array {array}: {why}")]
    Codec { array: usize, why: String },
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

/// A graph that is refused by the policy: names from the file that are not trusted.
#[derive(Debug, Error, Clone, PartialEq)]
#[error("untrusted types: {}", names.join(", "))]
pub struct UntrustedError {
    /// Every untrusted name ("module.qualname"), sorted, deduplicated.
    pub names: Vec<String>,
    /// Per name, why (role mismatch, dangerous, unknown).
    pub details: Vec<String>,
}

/// Structurally hostile or inconsistent values in a trusted type.
#[derive(Debug, Error, Clone, PartialEq)]
#[error("{context}: {why}")]
pub struct ValidationError {
    pub context: String,
    pub why: String,
}

impl ValidationError {
    pub fn new(context: impl Into<String>, why: impl Into<String>) -> Self {
        ValidationError {
            context: context.into(),
            why: why.into(),
        }
    }
}

/// Any error of the core crate.
#[derive(Debug, Error)]
pub enum CoreError {
    #[error(transparent)]
    Pickle(#[from] PickleError),
    #[error(transparent)]
    Container(#[from] ContainerError),
    #[error(transparent)]
    Untrusted(#[from] UntrustedError),
    #[error(transparent)]
    Validation(#[from] ValidationError),
}

impl From<std::io::Error> for CoreError {
    fn from(e: std::io::Error) -> Self {
        CoreError::Container(ContainerError::Io(e))
    }
}
