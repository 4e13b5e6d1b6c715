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
    /// A header over one of the reader's limits, refused before it is
    /// parsed further (a crafted file, or one from a newer writer).
    #[error("malformed skseal header: {what} is {found}, over the limit of {limit}")]
    HeaderLimit {
        what: &'static str,
        found: u64,
        limit: u64,
    },
    #[error("integrity check failed: {0}")]
    Integrity(String),
    /// The embedded signature does not hold, or not for the key asked.
    #[error("integrity check failed: {0}")]
    Signature(#[from] SignatureError),
    /// A chunk of an array that does not compress or decode.
    #[error("codec error in array {array}: {source}")]
    Codec {
        array: usize,
        source: crate::codec::CodecError,
    },
    /// Array bytes handed to the writer or reader that do not fit the array.
    #[error("codec error in array {array}: {why}")]
    ArrayData { array: usize, why: &'static str },
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

/// Why a file's signature is refused (`Header::verify_signature`): callers
/// tell "not signed" from "signed by another key" from "modified" by variant.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SignatureError {
    /// The trailer is not a signature trailer of the right size.
    #[error("the signature trailer is damaged")]
    TrailerDamaged,
    /// A public key was asked for but the file carries no signature.
    #[error("the file is not signed, but a public key was given: refusing it")]
    NotSigned,
    /// The key given is the signer's secret key, not its public key.
    #[error("{0}")]
    SecretKeyGiven(String),
    /// Signed, but by a key other than the one asked for (key IDs).
    #[error("the file is signed by another key (key ID {found}), not by key ID {wanted}")]
    OtherKey { found: String, wanted: String },
    /// The embedded public key is not a valid Ed25519 point.
    #[error("the signature's public key is invalid")]
    InvalidKey,
    /// The signature does not verify over the header's digest.
    #[error("the signature does not match the content: the file was modified after it was signed")]
    Modified,
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
