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
    /// Flag bits this reader does not know (a newer writer, or damage).
    #[error("malformed skseal header: unknown flags 0x{flags:08x}; written by a newer skseal?")]
    UnknownFlags { flags: u32 },
    /// The zstd-compressed header does not decode (damaged or crafted).
    #[error("malformed skseal header: compressed header is damaged: {0}")]
    CompressedHeader(crate::codec::CodecError),
    /// The header's JSON is not what its format version defines, or
    /// disagrees with the preamble.
    #[error("malformed skseal header: {0}")]
    HeaderJson(#[from] HeaderJsonError),
    /// An array-table entry that is invalid, or an array the table does not
    /// hold the way it was asked for.
    #[error("malformed skseal header: array {index}: {why}")]
    ArrayEntry { index: usize, why: String },
    /// A pack entry that is invalid, or whose members do not tile it.
    #[error("malformed skseal header: pack {pack}: {why}")]
    Pack { pack: usize, why: String },
    /// An array placed in a pack the header does not list.
    #[error("malformed skseal header: array {array}: pack {pack} does not exist")]
    MissingPack { array: usize, pack: u32 },
    /// A blob not where the layout rule (blobs in order, aligned, no
    /// holes) puts it.
    #[error(
        "malformed skseal header: {blob} starts at {offset} but the layout puts it at {expected}"
    )]
    Misplaced {
        blob: Blob,
        offset: u64,
        expected: u64,
    },
    /// Offsets or sizes of the header that overflow 64 bits, or an array
    /// larger than this machine can address.
    #[error("malformed skseal header: {0}")]
    Overflow(SizeOverflow),
    /// The header's graph member does not decode into a graph.
    #[error("malformed skseal header: graph: {0}")]
    Graph(String),
    /// The writer could not produce a header for this graph.
    #[error("{0}")]
    Encode(EncodeError),
    /// Reading part of a file failed (other than the file ending early,
    /// which is [`ContainerError::Truncated`]).
    #[error("i/o error reading {what}: {source}")]
    FileIo {
        what: String,
        source: std::io::Error,
    },
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
    /// Compressed bytes of an array, or of the pack holding it, that do not
    /// decode (damaged or crafted). `label` names the array for messages.
    #[error("integrity check failed: {label}: compressed data is damaged: {why}")]
    Undecodable {
        array: usize,
        label: Box<crate::ir::ArrayLabel>,
        why: Damage,
    },
    /// An array's bytes whose BLAKE3 digest is not the one in the header.
    #[error("integrity check failed: {label}: BLAKE3 digest mismatch")]
    Digest {
        array: usize,
        label: Box<crate::ir::ArrayLabel>,
    },
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

impl ContainerError {
    /// Name the damaged array's place in the model (`estimators_[114].tree_.nodes`)
    /// from the file's object graph, where this error labels an array.
    pub fn locate(mut self, g: &crate::ir::Graph) -> Self {
        if let ContainerError::Undecodable { array, label, .. }
        | ContainerError::Digest { array, label } = &mut self
        {
            if label.place.is_none() {
                label.place = crate::inspect::array_paths(g)
                    .get(*array)
                    .cloned()
                    .flatten()
                    .filter(|p| !p.is_empty());
            }
        }
        self
    }
}

/// Why a header's JSON is refused (see [`ContainerError::HeaderJson`]).
#[derive(Debug, Error, Clone, PartialEq)]
pub enum HeaderJsonError {
    /// The header is not a JSON object (an array, a number, ...).
    #[error("the header must be a JSON object")]
    NotAnObject,
    /// Not JSON, or JSON without the members (or with members of the wrong
    /// type) that format version `version` defines; serde's words.
    #[error("header is not valid JSON for format v{version}: {why}")]
    Invalid { version: u32, why: String },
    /// `format` is not "skseal", or `version` differs from the preamble's.
    #[error("header.format must be \"skseal\" and header.version must match the preamble")]
    Identity,
    /// Flag bit 2 (packs) disagrees with the header's list of packs.
    #[error(
        "flag bit 2 (packs) must be set exactly when the header lists packs \
         (the bit is {}, the header lists {packs} pack(s))",
        if *flag_set { "set" } else { "clear" }
    )]
    PacksFlag { flag_set: bool, packs: usize },
    /// Flag bit 3 (native layouts) disagrees with the graph's `native` member.
    #[error(
        "flag bit 3 (native layouts) must be set exactly when the graph has a native member \
         (the bit is {}, the member is {})",
        if *flag_set { "set" } else { "clear" },
        if *flag_set { "absent" } else { "present" }
    )]
    NativeFlag { flag_set: bool },
    /// The header bytes are not UTF-8.
    #[error("the header is not UTF-8")]
    NotUtf8,
}

/// Why an array's compressed bytes do not decode (see
/// [`ContainerError::Undecodable`]).
#[derive(Debug, Error, Clone, PartialEq)]
pub enum Damage {
    /// The array's own chunks.
    #[error("{0}")]
    Chunks(crate::codec::CodecError),
    /// The pack the array is stored in (every member of it is lost).
    #[error("pack {pack}: {source}")]
    Pack {
        pack: usize,
        source: crate::codec::CodecError,
    },
    /// The pack's stored bytes could not be read (the reader's words).
    #[error("{why}")]
    PackUnread { pack: usize, why: String },
    /// The array's bytes lie outside its decoded pack.
    #[error("outside pack {0}")]
    OutsidePack(usize),
}

/// A blob of a file's data region, for messages and matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blob {
    Pack(usize),
    Array(usize),
}

impl std::fmt::Display for Blob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Blob::Pack(p) => write!(f, "pack {p}"),
            Blob::Array(i) => write!(f, "array {i}"),
        }
    }
}

/// Which offset or size overflows (see [`ContainerError::Overflow`]).
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SizeOverflow {
    /// The end of a blob (offset + length) overflows 64 bits.
    #[error("the end of {0} overflows a 64-bit offset")]
    BlobEnd(Blob),
    /// The file length the array table implies overflows 64 bits.
    #[error("the array table's total length overflows a 64-bit offset")]
    TableEnd,
    /// An array larger than this machine's address space.
    #[error("array {array} holds {nbytes} bytes, more than this machine can address")]
    ArraySize { array: usize, nbytes: u64 },
}

/// Why the writer could not produce a header (see [`ContainerError::Encode`]).
#[derive(Debug, Error)]
pub enum EncodeError {
    /// The object's graph is nested deeper than a header may be.
    #[error("the object is nested too deeply to store ({depth} JSON levels, limit {limit})")]
    TooDeep { depth: usize, limit: usize },
    /// The graph or header could not be serialised as JSON.
    #[error("cannot write the skseal header: {what}: {source}")]
    Json {
        what: &'static str,
        source: serde_json::Error,
    },
    /// zstd could not compress the header.
    #[error("cannot write the skseal header: compressing it: {0}")]
    Compress(std::io::Error),
    /// A writer invariant that failed (a bug in skseal).
    #[error(
        "internal error writing the skseal header: {0}; this is a bug in skseal, please report it"
    )]
    Internal(&'static str),
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
