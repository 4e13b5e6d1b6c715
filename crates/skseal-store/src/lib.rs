//! skseal-store: a model store for teams on a folder or S3-compatible
//! object storage (docs/STORE.md).
//!
//! Everything that decides something is written once with a conditional
//! create (versions, alias moves, policy entries), so concurrent writers
//! never overwrite each other; blobs are keyed by the BLAKE3 of their bytes
//! and checked on every read. Modules: [`backend`] (object storage),
//! [`records`] (record types and signatures), `ops` (the verbs), `aliases`
//! (alias moves and histories), `policy` (the signed policy chain), [`diff`].

mod aliases;
pub mod backend;
pub mod diff;
mod ops;
mod policy;
pub mod records;

use thiserror::Error;

pub use ops::{GcReport, Progress, PullResult, PushOptions, Reference, Store, VerifyReport};

/// What can go wrong in a store; every message names the store and the object.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("store {uri}: cannot {what}: {why}")]
    Backend {
        uri: String,
        what: String,
        why: String,
    },
    #[error("{uri}: not a store location: {why}")]
    BadUri { uri: String, why: String },
    #[error("{what}: {why}")]
    BadName { what: String, why: String },
    #[error("{0}: not found in the store")]
    NotFound(String),
    #[error("store object {key} is damaged: {why}")]
    Corrupt { key: String, why: String },
    #[error("{what} is refused: {why}")]
    Forged { what: String, why: String },
    #[error("refused by the store policy: {0}")]
    Policy(String),
    #[error("{what}: {why}")]
    BadModel { what: String, why: String },
    #[error("gave up after {0} conflicting concurrent writes; try again")]
    Contention(u32),
    #[error("internal error: {0}")]
    Internal(String),
}
