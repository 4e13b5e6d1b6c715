//! The `.skseal` container, format version 1 (see docs/FORMAT.md).
//!
//! ```text
//! offset 0   magic       8 bytes  89 53 4B 53 0D 0A 1A 0A  ("\x89SKS\r\n\x1a\n")
//! offset 8   version     u32 LE   1
//! offset 12  flags       u32 LE   bit 0: header is zstd-compressed; bit 1: signature trailer; bit 2: packs; other bits reserved (refused)
//! offset 16  header_len  u64 LE   stored length of the header
//! offset 24  header_hash 32 bytes BLAKE3 of the stored header bytes
//! offset 56  header      header_len bytes: UTF-8 JSON (zstd frame if flag bit 0)
//!            zero padding to a multiple of 64
//! data_start array blobs, each at data_start + offset (offset a multiple of 64
//!            for blobs of 4096 bytes or more, of 16 for smaller ones),
//!            zero padding between blobs; the file ends at the end of the last blob
//! ```

use std::io::Write;
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value;
#[cfg(test)]
use serde_json::{json, Map};

use crate::codec::{self, Codec};
use crate::error::ContainerError;
use crate::graphjson::{self, dtype_from_json, dtype_to_json, hex, unhex};
use crate::ir::{ArraySource, ArraySpec, Dtype, Graph, Order};
use crate::pack::{self, PackCache, PackEntry};

pub const MAGIC: [u8; 8] = *b"\x89SKS\r\n\x1a\n";
pub const VERSION: u32 = 1;
pub const PREAMBLE: usize = 56;
pub const ALIGN: u64 = 64;
/// Largest header a reader accepts.
pub const MAX_HEADER: u64 = 256 << 20;
/// Largest number of arrays a reader accepts.
pub const MAX_ARRAYS: usize = 1 << 20;

/// Flag bit 0: the stored header is one zstd frame holding the JSON.
pub const FLAG_HEADER_ZSTD: u32 = 1;
/// Flag bit 1: the file ends with an Ed25519 signature trailer.
pub const FLAG_SIGNED: u32 = 2;
/// Flag bit 2: the header has a non-empty `packs` list and the data region
/// starts with the packs' blobs (small arrays stored together, see
/// [`crate::pack`]). Readers that predate packs refuse the file by this bit.
pub const FLAG_PACKS: u32 = 4;
/// Magic of the signature trailer.
pub const SIG_MAGIC: [u8; 8] = *b"SKSIG\x001\x00";
/// Trailer: magic (8) + public key (32) + signature (64).
pub const SIG_TRAILER: u64 = 104;
/// An embedded signature: (Ed25519 public key, signature).
pub type Signature = ([u8; 32], [u8; 64]);

/// Domain-separation prefix of the signed message.
const SIG_DOMAIN: &[u8] = b"skseal signature v1\0";

/// The message an Ed25519 signature signs: a fixed prefix and the BLAKE3 of
/// the stored header. The header holds every array's digest and the content
/// fingerprint, so the signature covers the header and every array.
pub fn signed_message(header_hash: &[u8; 32]) -> Vec<u8> {
    let mut m = SIG_DOMAIN.to_vec();
    m.extend_from_slice(header_hash);
    m
}

fn trailer(signer: &ed25519_dalek::SigningKey, header_hash: &[u8; 32]) -> Vec<u8> {
    use ed25519_dalek::Signer;
    let sig = signer.sign(&signed_message(header_hash));
    let mut t = SIG_MAGIC.to_vec();
    t.extend_from_slice(signer.verifying_key().as_bytes());
    t.extend_from_slice(&sig.to_bytes());
    t
}
/// Largest decompressed header a reader accepts.
pub const MAX_HEADER_JSON: u64 = 512 << 20;
/// Blobs at least this long start at a multiple of [`ALIGN`]; smaller ones at a multiple of 16.
pub const LARGE_BLOB: u64 = 4096;

fn align(x: u64) -> u64 {
    x.div_ceil(ALIGN) * ALIGN
}

/// Where a blob of `length` bytes starts when the previous one ended at `cursor`.
pub fn blob_offset(cursor: u64, length: u64) -> u64 {
    let a = if length >= LARGE_BLOB { ALIGN } else { 16 };
    cursor.div_ceil(a).saturating_mul(a)
}

/// Compression requested for a dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compression {
    pub codec: Codec,
    /// Apply the byte-shuffle filter to numeric arrays.
    pub shuffle: bool,
}

impl Compression {
    pub fn none() -> Self {
        Compression {
            codec: Codec::None,
            shuffle: false,
        }
    }
}

/// Below this many array bytes a dump runs on the calling thread only.
const PARALLEL_MIN_BYTES: usize = 1 << 20;

/// Arrays smaller than this are never compressed (the codec would not pay off).
const MIN_COMPRESS: usize = 256;

/// One entry of the array table.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrayEntry {
    pub dtype: Dtype,
    pub shape: Vec<u64>,
    pub order: Order,
    /// Axis permutation applied after a C-order reshape (numpy order "K").
    pub axes: Option<Vec<u64>>,
    /// Offset of the blob from the start of the data region.
    pub offset: u64,
    /// Stored length in bytes.
    pub length: u64,
    /// Decoded length in bytes (= product(shape) * itemsize).
    pub nbytes: u64,
    pub codec: Codec,
    pub shuffle: bool,
    /// Decoded bytes per chunk (compressed codecs only).
    pub chunk: u64,
    /// Stored length of each chunk (compressed codecs only).
    pub chunks: Vec<u64>,
    /// BLAKE3 of the decoded bytes.
    pub digest: [u8; 32],
    /// (pack, offset in its decoded bytes) of an array stored in a pack (see
    /// [`crate::pack`]); its own offset, length and chunks are then unused (0).
    pub pack: Option<(u32, u64)>,
}

/// `v` as JSON numbers separated by commas.
fn push_u64s(t: &mut Vec<u8>, v: &[u64]) {
    for (k, x) in v.iter().enumerate() {
        if k > 0 {
            t.push(b',');
        }
        t.extend_from_slice(x.to_string().as_bytes());
    }
}

impl ArrayEntry {
    /// Append this entry as compact JSON with sorted keys, byte for byte what
    /// serde_json writes for [`ArrayEntry::to_json`]; `dtype` is the dtype's
    /// JSON text.
    fn write_json(&self, t: &mut Vec<u8>, dtype: &[u8]) {
        use std::io::Write as _;
        t.push(b'{');
        if let Some(ax) = &self.axes {
            t.extend_from_slice(b"\"axes\":[");
            push_u64s(t, ax);
            t.extend_from_slice(b"],");
        }
        let _ = write!(t, "\"blake3\":\"{}\",", hex(&self.digest));
        let packed = self.pack.is_some();
        if self.codec != Codec::None && !packed {
            let _ = write!(t, "\"chunk\":{},\"chunks\":[", self.chunk);
            push_u64s(t, &self.chunks);
            t.extend_from_slice(b"],");
        }
        let _ = write!(t, "\"codec\":\"{}\",\"dtype\":", self.codec.name());
        t.extend_from_slice(dtype);
        if !packed {
            let _ = write!(t, ",\"length\":{}", self.length);
        }
        let _ = write!(t, ",\"nbytes\":{}", self.nbytes);
        if !packed {
            let _ = write!(t, ",\"offset\":{}", self.offset);
        }
        let _ = write!(t, ",\"order\":\"{}\"", self.order.as_str());
        if let Some((p, off)) = self.pack {
            let _ = write!(t, ",\"pack\":[{p},{off}]");
        }
        t.extend_from_slice(b",\"shape\":[");
        push_u64s(t, &self.shape);
        t.push(b']');
        if self.codec != Codec::None && !packed {
            let _ = write!(t, ",\"shuffle\":{}", self.shuffle);
        }
        t.push(b'}');
    }

    #[cfg(test)]
    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("dtype".into(), dtype_to_json(&self.dtype));
        m.insert("shape".into(), json!(self.shape));
        m.insert("order".into(), json!(self.order.as_str()));
        if let Some(ax) = &self.axes {
            m.insert("axes".into(), json!(ax));
        }
        m.insert("nbytes".into(), json!(self.nbytes));
        m.insert("codec".into(), json!(self.codec.name()));
        if let Some((p, off)) = self.pack {
            m.insert("pack".into(), json!([p, off]));
            m.insert("blake3".into(), json!(hex(&self.digest)));
            return Value::Object(m);
        }
        m.insert("offset".into(), json!(self.offset));
        m.insert("length".into(), json!(self.length));
        if self.codec != Codec::None {
            m.insert("shuffle".into(), json!(self.shuffle));
            m.insert("chunk".into(), json!(self.chunk));
            m.insert("chunks".into(), json!(self.chunks));
        }
        m.insert("blake3".into(), json!(hex(&self.digest)));
        Value::Object(m)
    }

    fn from_de(i: usize, a: &ArrayDe, dtypes: &mut DtypeCache) -> Result<Self, ContainerError> {
        let err = |why: &str| ContainerError::Header(format!("array {i}: {why}"));
        let dtype = dtypes.parse(a.dtype.get()).map_err(|e| err(&e))?;
        if dtype.has_object() {
            return Err(err("object dtype cannot be stored as raw bytes"));
        }
        let shape = a.shape.clone();
        if shape.len() > 64 {
            return Err(err("more than 64 dimensions"));
        }
        let order = match a.order.as_str() {
            "C" => Order::C,
            "F" => Order::F,
            _ => return Err(err("order must be \"C\" or \"F\"")),
        };
        let axes = match &a.axes {
            None => None,
            Some(ax) => {
                let mut sorted = ax.clone();
                sorted.sort_unstable();
                if sorted != (0..shape.len() as u64).collect::<Vec<_>>() {
                    return Err(err("axes must be a permutation of the dimensions"));
                }
                Some(ax.clone())
            }
        };
        let nbytes = a.nbytes;
        let spec_bytes = shape
            .iter()
            .try_fold(1u64, |acc, &d| acc.checked_mul(d))
            .and_then(|c| c.checked_mul(dtype.itemsize()?))
            .ok_or_else(|| err("shape x itemsize overflows"))?;
        if spec_bytes != nbytes {
            return Err(err(&format!(
                "nbytes {nbytes} does not match shape x itemsize = {spec_bytes}"
            )));
        }
        let codec = match a.codec.as_str() {
            "none" => Codec::None,
            "lz4" => Codec::Lz4,
            "zstd" => Codec::Zstd(0),
            c => return Err(err(&format!("unknown codec {c:?}"))),
        };
        let digest: [u8; 32] = unhex(&a.blake3)
            .and_then(|v| v.try_into().ok())
            .ok_or_else(|| err("blake3 must be 64 hex digits"))?;
        if let Some(pack) = a.pack {
            // stored in a pack: no blob of its own (checked against the
            // packs list by pack::check_members)
            if codec == Codec::None || nbytes == 0 {
                return Err(err("a packed array must be compressed and not empty"));
            }
            if a.offset.is_some() || a.length.is_some() || a.chunk.is_some() || a.chunks.is_some() {
                return Err(err(
                    "a packed array has no offset, length or chunks of its own",
                ));
            }
            return Ok(ArrayEntry {
                dtype,
                shape,
                order,
                axes,
                offset: 0,
                length: 0,
                nbytes,
                codec,
                shuffle: false,
                chunk: 0,
                chunks: Vec::new(),
                digest,
                pack: Some(pack),
            });
        }
        let offset = a.offset.ok_or_else(|| err("missing offset"))?;
        let length = a.length.ok_or_else(|| err("missing length"))?;
        let (shuffle, chunk, chunks) = if codec == Codec::None {
            if length != nbytes {
                return Err(err("uncompressed blob length differs from nbytes"));
            }
            (false, 0, Vec::new())
        } else {
            let chunk = a.chunk.ok_or_else(|| err("missing chunk"))?;
            if chunk == 0 && nbytes > 0 {
                return Err(err("chunk size 0"));
            }
            let chunks = a.chunks.clone().ok_or_else(|| err("missing chunks"))?;
            let expected = if nbytes == 0 {
                0
            } else {
                nbytes.div_ceil(chunk)
            };
            if chunks.len() as u64 != expected {
                return Err(err(&format!(
                    "{} chunks listed, {expected} expected",
                    chunks.len()
                )));
            }
            let total = chunks.iter().try_fold(0u64, |acc, &c| acc.checked_add(c));
            if total != Some(length) {
                return Err(err("chunk lengths do not add up to the stored length"));
            }
            // No allocation the file does not back: a chunk can only decode to
            // what its codec can expand its stored bytes to, so a small file
            // cannot declare a huge array and have it allocated before the
            // lie is found.
            for (k, &stored) in chunks.iter().enumerate() {
                let decoded = chunk.min(nbytes - (k as u64) * chunk);
                if decoded > max_decoded(codec, stored) {
                    return Err(err(&format!(
                        "chunk {k} declares {decoded} decoded bytes from {stored} stored bytes, \
                         more than {} can expand to",
                        codec.name()
                    )));
                }
            }
            (a.shuffle, chunk, chunks)
        };
        Ok(ArrayEntry {
            dtype,
            shape,
            order,
            axes,
            offset,
            length,
            nbytes,
            codec,
            shuffle,
            chunk,
            chunks,
            digest,
            pack: None,
        })
    }
}

/// A parsed header.
#[derive(Debug, Clone)]
pub struct Header {
    pub version: u32,
    /// The `metadata` member as JSON text (parsed on demand: see [`Header::metadata`]).
    pub metadata_text: String,
    pub fingerprint: String,
    pub graph: Graph,
    pub arrays: Vec<ArrayEntry>,
    /// Packs of small compressed arrays (see [`crate::pack`]); blobs of packs
    /// come first in the data region, then those of unpacked arrays.
    pub packs: Vec<PackEntry>,
    /// Offset of the data region from the start of the file.
    pub data_start: u64,
    /// Total length the file must have.
    pub file_len: u64,
    /// BLAKE3 of the header bytes (hex).
    pub header_hash: String,
    /// The whole header as JSON text (decompressed).
    pub text: String,
    /// (public key, signature) of an embedded Ed25519 signature (read by
    /// [`Container::parse`], which sees the end of the file).
    pub signature: Option<Signature>,
    /// Flag bit 1: the file carries a signature trailer.
    pub signed: bool,
}

impl Header {
    /// The metadata object.
    pub fn metadata(&self) -> Value {
        serde_json::from_str(&self.metadata_text).unwrap_or(Value::Null)
    }
    /// The whole header as a JSON value.
    pub fn json(&self) -> Value {
        graphjson::parse_json(self.text.as_bytes()).unwrap_or(Value::Null)
    }
    /// The scikit-learn version recorded at save time, without parsing the rest.
    pub fn saved_sklearn(&self) -> Option<String> {
        #[derive(serde::Deserialize)]
        struct Env {
            #[serde(rename = "scikit-learn")]
            sklearn: Option<String>,
        }
        #[derive(serde::Deserialize)]
        struct Meta {
            environment: Option<Env>,
        }
        serde_json::from_str::<Meta>(&self.metadata_text)
            .ok()
            .and_then(|m| m.environment)
            .and_then(|e| e.sklearn)
    }
}

/// One array-table entry as written in the header.
#[derive(serde::Deserialize)]
struct ArrayDe<'a> {
    #[serde(borrow)]
    dtype: &'a serde_json::value::RawValue,
    shape: Vec<u64>,
    order: String,
    #[serde(default)]
    axes: Option<Vec<u64>>,
    #[serde(default)]
    offset: Option<u64>,
    #[serde(default)]
    length: Option<u64>,
    nbytes: u64,
    codec: String,
    #[serde(default)]
    pack: Option<(u32, u64)>,
    #[serde(default)]
    shuffle: bool,
    #[serde(default)]
    chunk: Option<u64>,
    #[serde(default)]
    chunks: Option<Vec<u64>>,
    blake3: String,
}

/// Dtypes already parsed from the array table, by their JSON text: a model
/// with many arrays of one structured dtype (tree nodes) parses it once.
#[derive(Default)]
struct DtypeCache {
    seen: Vec<(String, Dtype)>,
}

impl DtypeCache {
    fn parse(&mut self, text: &str) -> Result<Dtype, String> {
        if let Some((_, d)) = self.seen.iter().find(|(t, _)| t == text) {
            return Ok(d.clone());
        }
        let v: Value = serde_json::from_str(text).map_err(|e| format!("dtype: {e}"))?;
        let d = dtype_from_json(&v, 0)?;
        if self.seen.len() < 16 {
            self.seen.push((text.to_string(), d.clone()));
        }
        Ok(d)
    }
}

/// The header's top level: metadata is kept as raw text, only the array
/// table and the graph are parsed.
#[derive(serde::Deserialize)]
struct HeaderDe<'a> {
    format: String,
    version: u32,
    #[serde(default)]
    fingerprint: String,
    #[serde(borrow)]
    metadata: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow)]
    arrays: Vec<ArrayDe<'a>>,
    #[serde(default)]
    packs: Vec<crate::pack::PackDe>,
    #[serde(borrow)]
    graph: &'a serde_json::value::RawValue,
}

/// The blobs of the data region in file order: (what, offset, length) of
/// every pack, then of every array that is not packed.
fn blob_layout<'h>(
    packs: &'h [PackEntry],
    arrays: &'h [ArrayEntry],
) -> impl Iterator<Item = (BlobName, u64, u64)> + 'h {
    packs
        .iter()
        .enumerate()
        .map(|(p, e)| (BlobName::Pack(p), e.offset, e.length))
        .chain(
            arrays
                .iter()
                .enumerate()
                .filter(|(_, a)| a.pack.is_none())
                .map(|(i, a)| (BlobName::Array(i), a.offset, a.length)),
        )
}

/// A blob, for messages.
enum BlobName {
    Pack(usize),
    Array(usize),
}

impl std::fmt::Display for BlobName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlobName::Pack(p) => write!(f, "pack {p}"),
            BlobName::Array(i) => write!(f, "array {i}"),
        }
    }
}

/// Read the fixed preamble; returns (header_len, header_hash, flags).
/// The most bytes `stored` compressed bytes can decode to. zstd's densest
/// encoding is a 128 KiB RLE block in 4 bytes (3-byte block header, 1 byte of
/// content): 32,768x. An lz4 block spends at least one byte per 255 bytes of
/// match length: under 256x, plus a few literal bytes.
pub fn max_decoded(codec: Codec, stored: u64) -> u64 {
    let ratio = match codec {
        Codec::None => 1,
        Codec::Lz4 => 256,
        Codec::Zstd(_) => 32_768,
    };
    stored.saturating_mul(ratio).saturating_add(64)
}

pub fn read_preamble(data: &[u8]) -> Result<(u64, [u8; 32], u32), ContainerError> {
    if data.len() < 8 || data[..8] != MAGIC {
        let looks = if data.first() == Some(&0x80) {
            " (it looks like a pickle; open it with skseal.load, which reads pickles safely)"
        } else if data.starts_with(b"PK") {
            " (it looks like a zip archive, e.g. a skops file)"
        } else {
            ""
        };
        if data.len() >= 8 && data[1..4] == *b"SKS" {
            return Err(ContainerError::NotSkseal(
                "the magic number is damaged (a text-mode transfer changes \\r\\n and \\x1a bytes)"
                    .into(),
            ));
        }
        return Err(ContainerError::NotSkseal(format!(
            "the file does not start with the skseal magic number{looks}"
        )));
    }
    if data.len() < PREAMBLE {
        return Err(ContainerError::Truncated(format!(
            "{} bytes, shorter than the {PREAMBLE}-byte preamble",
            data.len()
        )));
    }
    let version = u32::from_le_bytes([data[8], data[9], data[10], data[11]]);
    if version != VERSION {
        return Err(ContainerError::UnknownVersion {
            found: version,
            supported: VERSION,
        });
    }
    let flags = u32::from_le_bytes([data[12], data[13], data[14], data[15]]);
    if flags & !(FLAG_HEADER_ZSTD | FLAG_SIGNED | FLAG_PACKS) != 0 {
        return Err(ContainerError::Header(format!(
            "unknown flags 0x{flags:08x}; written by a newer skseal?"
        )));
    }
    let mut l = [0u8; 8];
    l.copy_from_slice(&data[16..24]);
    let header_len = u64::from_le_bytes(l);
    if header_len > MAX_HEADER {
        return Err(ContainerError::Header(format!(
            "header of {header_len} bytes exceeds the {MAX_HEADER}-byte limit"
        )));
    }
    let mut h = [0u8; 32];
    h.copy_from_slice(&data[24..56]);
    Ok((header_len, h, flags))
}

thread_local! {
    static HEADER_CCTX: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// Compress a header with a reused per-thread context (level 3).
fn deflate_header(json: &[u8]) -> Result<Vec<u8>, ContainerError> {
    HEADER_CCTX.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            *c = Some(
                zstd::bulk::Compressor::new(3)
                    .map_err(|e| ContainerError::Header(format!("compressing the header: {e}")))?,
            );
        }
        match c.as_mut() {
            Some(c) => c
                .compress(json)
                .map_err(|e| ContainerError::Header(format!("compressing the header: {e}"))),
            None => Err(ContainerError::Header("no compression context".into())),
        }
    })
}

/// Decompress a zstd header, streaming, refusing more than [`MAX_HEADER_JSON`] bytes
/// (a compression bomb fails fast instead of filling memory).
fn inflate_header(stored: &[u8]) -> Result<Vec<u8>, ContainerError> {
    use std::io::Read;
    // Fast path: the frame declares its size (skseal writes it); decode in one
    // call with a reused context. Frames without a declared size stream.
    if let Ok(Some(n)) = zstd::zstd_safe::get_frame_content_size(stored) {
        if n > MAX_HEADER_JSON {
            return Err(ContainerError::Header(format!(
                "header declares {n} bytes, more than the {MAX_HEADER_JSON}-byte limit"
            )));
        }
        let mut out = Vec::with_capacity(n as usize);
        let got = codec::with_dctx(|d| {
            d.decompress_to_buffer(stored, &mut out)
                .map_err(|e| e.to_string())
        })
        .map_err(|e| ContainerError::Header(format!("compressed header is damaged: {e}")))?;
        if got as u64 != n {
            return Err(ContainerError::Header(
                "compressed header size mismatch".into(),
            ));
        }
        return Ok(out);
    }
    let dec = zstd::stream::read::Decoder::new(stored)
        .map_err(|e| ContainerError::Header(format!("compressed header: {e}")))?;
    let mut out = Vec::new();
    dec.take(MAX_HEADER_JSON + 1)
        .read_to_end(&mut out)
        .map_err(|e| ContainerError::Header(format!("compressed header is damaged: {e}")))?;
    if out.len() as u64 > MAX_HEADER_JSON {
        return Err(ContainerError::Header(format!(
            "header decompresses to more than {MAX_HEADER_JSON} bytes"
        )));
    }
    Ok(out)
}

/// Parse the header from a prefix of the file (at least preamble + header).
/// `file_len` is the real length of the file, checked against the array table.
pub fn read_header(prefix: &[u8], file_len: u64) -> Result<Header, ContainerError> {
    let (header_len, want, flags) = read_preamble(prefix)?;
    let end = PREAMBLE as u64 + header_len;
    if (prefix.len() as u64) < end || file_len < end {
        return Err(ContainerError::Truncated(format!(
            "the header needs {end} bytes but the file has {file_len}"
        )));
    }
    let hbytes = &prefix[PREAMBLE..end as usize];
    let got = blake3::hash(hbytes);
    if got.as_bytes() != &want {
        return Err(ContainerError::Integrity(
            "the header's BLAKE3 digest does not match: the header was modified or damaged".into(),
        ));
    }
    let inflated;
    let hbytes = if flags & FLAG_HEADER_ZSTD != 0 {
        inflated = inflate_header(hbytes)?;
        &inflated[..]
    } else {
        hbytes
    };
    let depth = graphjson::text_depth(hbytes);
    if depth > graphjson::MAX_JSON_DEPTH {
        return Err(ContainerError::Header(format!(
            "header JSON nested {depth} levels deep (limit {})",
            graphjson::MAX_JSON_DEPTH
        )));
    }
    if hbytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ContainerError::Header(
            "the header must be a JSON object".into(),
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(hbytes);
    de.disable_recursion_limit();
    let hd = <HeaderDe as serde::Deserialize>::deserialize(&mut de)
        .and_then(|h| de.end().map(|()| h))
        .map_err(|e| {
            ContainerError::Header(format!("header is not valid JSON for format v1: {e}"))
        })?;
    if hd.format != "skseal" || hd.version != VERSION {
        return Err(ContainerError::Header(
            "header.format must be \"skseal\" and header.version must match the preamble".into(),
        ));
    }
    let arrays_json = &hd.arrays;
    if arrays_json.len() > MAX_ARRAYS {
        return Err(ContainerError::Header(format!(
            "{} arrays exceed the limit of {MAX_ARRAYS}",
            arrays_json.len()
        )));
    }
    let mut dtypes = DtypeCache::default();
    let arrays: Vec<ArrayEntry> = arrays_json
        .iter()
        .enumerate()
        .map(|(i, v)| ArrayEntry::from_de(i, v, &mut dtypes))
        .collect::<Result<_, _>>()?;
    if hd.packs.len() > crate::pack::MAX_PACKS {
        return Err(ContainerError::Header(format!(
            "{} packs exceed the limit of {}",
            hd.packs.len(),
            crate::pack::MAX_PACKS
        )));
    }
    let packs: Vec<PackEntry> = hd
        .packs
        .iter()
        .enumerate()
        .map(|(p, d)| d.entry(p))
        .collect::<Result<_, _>>()?;
    if packs.is_empty() == (flags & FLAG_PACKS != 0) {
        return Err(ContainerError::Header(
            "flag bit 2 (packs) must be set exactly when the header lists packs".into(),
        ));
    }
    crate::pack::check_members(&arrays, &packs)?;
    let data_start = align(end);
    // Blobs in order (packs, then unpacked arrays), aligned, no overlap, no
    // holes beyond alignment padding.
    let mut cursor = 0u64;
    for (what, offset, length) in blob_layout(&packs, &arrays) {
        if offset != blob_offset(cursor, length) {
            return Err(ContainerError::Header(format!(
                "{what} starts at {offset} but the layout puts it at {}",
                blob_offset(cursor, length)
            )));
        }
        cursor = offset
            .checked_add(length)
            .ok_or_else(|| ContainerError::Header("offset overflow".into()))?;
    }
    let signed = flags & FLAG_SIGNED != 0;
    let expected_len = data_start
        .checked_add(cursor)
        .and_then(|l| l.checked_add(if signed { SIG_TRAILER } else { 0 }))
        .ok_or_else(|| ContainerError::Header("array table overflows".into()))?;
    if file_len < expected_len {
        return Err(ContainerError::Truncated(format!(
            "the array table needs {expected_len} bytes but the file has {file_len}"
        )));
    }
    if file_len > expected_len {
        return Err(ContainerError::Integrity(format!(
            "{} unexpected byte(s) after the last array",
            file_len - expected_len
        )));
    }
    let mut graph = graphjson::decode_text(hd.graph.get(), arrays.len())
        .map_err(|e| ContainerError::Header(format!("graph: {e}")))?;
    graph.arrays = arrays
        .iter()
        .enumerate()
        .map(|(i, a)| ArraySpec {
            dtype: a.dtype.clone(),
            shape: a.shape.clone(),
            order: a.order,
            axes: a.axes.clone(),
            source: ArraySource::Table(i as u32),
        })
        .collect();
    let metadata_text = hd
        .metadata
        .map(|r| r.get().to_string())
        .unwrap_or_else(|| "null".into());
    let fingerprint = hd.fingerprint;
    if fingerprint != fingerprint_of(hd.graph.get().as_bytes(), &arrays) {
        return Err(ContainerError::Integrity(
            "the content fingerprint does not match the graph and array table".into(),
        ));
    }
    let text = std::str::from_utf8(hbytes)
        .map_err(|_| ContainerError::Header("the header is not UTF-8".into()))?
        .to_owned();
    Ok(Header {
        version: VERSION,
        metadata_text,
        fingerprint,
        graph,
        arrays,
        packs,
        data_start,
        file_len: expected_len,
        header_hash: hex(&want),
        text,
        signature: None,
        signed,
    })
}

/// The public key and signature of a signature trailer.
pub fn parse_trailer(t: &[u8]) -> Result<([u8; 32], [u8; 64]), ContainerError> {
    if t.len() != SIG_TRAILER as usize || t[..8] != SIG_MAGIC {
        return Err(ContainerError::Integrity(
            "the signature trailer is damaged".into(),
        ));
    }
    let mut pk = [0u8; 32];
    pk.copy_from_slice(&t[8..40]);
    let mut sig = [0u8; 64];
    sig.copy_from_slice(&t[40..104]);
    Ok((pk, sig))
}

impl Header {
    /// Check the embedded signature. With `expected`, the file must be signed
    /// by exactly that public key; without, any embedded signature must hold.
    pub fn verify_signature(&self, expected: Option<&[u8; 32]>) -> Result<(), ContainerError> {
        use ed25519_dalek::{Signature, Verifier, VerifyingKey};
        let Some((pk, sig)) = &self.signature else {
            return match expected {
                Some(_) => Err(ContainerError::Integrity(
                    "the file is not signed, but a public key was given: refusing it".into(),
                )),
                None => Ok(()),
            };
        };
        if let Some(want) = expected {
            if want != pk {
                if let Some(e) = crate::keys::misused_secret(want, pk, "the key given") {
                    return Err(ContainerError::Integrity(e.to_string()));
                }
                return Err(ContainerError::Integrity(format!(
                    "the file is signed by another key (key ID {}), not by key ID {}",
                    crate::keys::key_id(pk),
                    crate::keys::key_id(want)
                )));
            }
        }
        let key = VerifyingKey::from_bytes(pk).map_err(|_| {
            ContainerError::Integrity("the signature's public key is invalid".into())
        })?;
        let mut hh = [0u8; 32];
        let raw = unhex(&self.header_hash).unwrap_or_default();
        if raw.len() == 32 {
            hh.copy_from_slice(&raw);
        }
        key.verify(&signed_message(&hh), &Signature::from_bytes(sig)).map_err(|_| {
            ContainerError::Integrity(
                "the signature does not match the content: the file was modified after it was signed".into(),
            )
        })
    }

    /// Array-table entry `i`.
    pub fn entry(&self, i: usize) -> Result<&ArrayEntry, ContainerError> {
        self.arrays
            .get(i)
            .ok_or_else(|| ContainerError::Header(format!("no array {i}")))
    }

    /// Length of the data region (every blob and the padding between them).
    pub fn data_len(&self) -> u64 {
        let trailer = if self.signed { SIG_TRAILER } else { 0 };
        self.file_len.saturating_sub(self.data_start + trailer)
    }

    /// (start, end) file offsets of every gap that must hold zero bytes:
    /// after the header, and between blobs.
    pub fn padding_gaps(&self, header_len: u64) -> Vec<(u64, u64)> {
        let hend = PREAMBLE as u64 + header_len;
        let mut gaps = vec![(hend, self.data_start)];
        let mut cursor = 0u64;
        for (_, offset, length) in blob_layout(&self.packs, &self.arrays) {
            gaps.push((self.data_start + cursor, self.data_start + offset));
            cursor = offset + length;
        }
        gaps
    }
}

/// Decode the stored bytes `s` of array `i` (entry `a`) into `out` (exactly
/// `nbytes` long) and check its digest.
pub fn decode_stored(
    a: &ArrayEntry,
    i: usize,
    s: &[u8],
    out: &mut [u8],
) -> Result<(), ContainerError> {
    if out.len() as u64 != a.nbytes || s.len() as u64 != a.length {
        return Err(ContainerError::Codec {
            array: i,
            why: "buffer of the wrong size".into(),
        });
    }
    if a.codec == Codec::None {
        out.copy_from_slice(s);
    } else {
        let mut parts = Vec::with_capacity(a.chunks.len());
        let mut pos = 0usize;
        for &c in &a.chunks {
            parts.push(&s[pos..pos + c as usize]);
            pos += c as usize;
        }
        let item = a.dtype.itemsize().unwrap_or(1) as usize;
        codec::decompress_array(
            &parts,
            a.codec,
            a.shuffle.then_some(item),
            a.chunk as usize,
            out,
        )
        .map_err(|why| {
            ContainerError::Integrity(format!(
                "{}: compressed data is damaged: {why}",
                crate::ir::array_label(i, &a.dtype, &a.shape)
            ))
        })?;
    }
    if blake3::hash(out).as_bytes() != &a.digest {
        return Err(ContainerError::Integrity(format!(
            "{}: BLAKE3 digest mismatch",
            crate::ir::array_label(i, &a.dtype, &a.shape)
        )));
    }
    Ok(())
}

/// A whole file in memory (or mapped), with its parsed header.
pub struct Container<'a> {
    pub data: &'a [u8],
    pub header: Header,
    packs: PackCache,
}

impl<'a> Container<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Self, ContainerError> {
        let mut header = read_header(data, data.len() as u64)?;
        if header.signed {
            let t = data
                .len()
                .checked_sub(SIG_TRAILER as usize)
                .and_then(|s| data.get(s..))
                .ok_or_else(|| ContainerError::Truncated("signature trailer missing".into()))?;
            header.signature = Some(parse_trailer(t)?);
        }
        let packs = PackCache::new(header.packs.len());
        Ok(Container {
            data,
            header,
            packs,
        })
    }

    /// Check the embedded signature (see [`Header::verify_signature`]).
    pub fn verify_signature(&self, expected: Option<&[u8; 32]>) -> Result<(), ContainerError> {
        self.header.verify_signature(expected)
    }

    /// The stored bytes of array `i`.
    pub fn stored(&self, i: usize) -> Result<&'a [u8], ContainerError> {
        let a = self.header.entry(i)?;
        if let Some((p, _)) = a.pack {
            return Err(ContainerError::Header(format!(
                "array {i} is stored in pack {p}, not on its own"
            )));
        }
        let start = self.header.data_start + a.offset;
        let end = start + a.length;
        self.data.get(start as usize..end as usize).ok_or_else(|| {
            ContainerError::Truncated(format!("array {i} lies beyond the end of the file"))
        })
    }

    /// Absolute file offset of an uncompressed array (for zero-copy views).
    pub fn raw_offset(&self, i: usize) -> Option<u64> {
        let a = self.header.arrays.get(i)?;
        (a.codec == Codec::None).then_some(self.header.data_start + a.offset)
    }

    /// Check the digest of an uncompressed array in place.
    pub fn verify_raw(&self, i: usize) -> Result<(), ContainerError> {
        let s = self.stored(i)?;
        let a = &self.header.arrays[i];
        if blake3::hash(s).as_bytes() != &a.digest {
            return Err(ContainerError::Integrity(format!(
                "{}: BLAKE3 digest mismatch",
                crate::ir::array_label(i, &a.dtype, &a.shape)
            )));
        }
        Ok(())
    }

    /// Check the digests of every uncompressed array, on all cores when the
    /// data is large (compressed arrays are checked as they are decoded).
    pub fn verify_raw_all(&self) -> Result<(), ContainerError> {
        let raw: Vec<usize> = (0..self.header.arrays.len())
            .filter(|&i| self.header.arrays[i].codec == Codec::None)
            .collect();
        let total: u64 = raw.iter().map(|&i| self.header.arrays[i].nbytes).sum();
        if total >= PARALLEL_MIN_BYTES as u64 {
            raw.par_iter().try_for_each(|&i| self.verify_raw(i))
        } else {
            raw.iter().try_for_each(|&i| self.verify_raw(i))
        }
    }

    /// Decode array `i` into `out` (exactly `nbytes` long) and check its digest.
    pub fn decode_into(&self, i: usize, out: &mut [u8]) -> Result<(), ContainerError> {
        let a = self.header.entry(i)?;
        if a.pack.is_some() {
            return self.packs.copy_out(&self.header.packs, a, i, out, |p, e| {
                let start = self.header.data_start + e.offset;
                self.data
                    .get(start as usize..(start + e.length) as usize)
                    .map(std::borrow::Cow::Borrowed)
                    .ok_or_else(|| {
                        ContainerError::Truncated(format!(
                            "pack {p} lies beyond the end of the file"
                        ))
                    })
            });
        }
        decode_stored(a, i, self.stored(i)?, out)
    }

    /// Check that padding bytes between blobs are zero.
    pub fn verify_padding(&self) -> Result<(), ContainerError> {
        for (s, e) in self.header.padding_gaps(self.header_len()) {
            if let Some(b) = self.data.get(s as usize..e as usize) {
                if b.iter().any(|&x| x != 0) {
                    return Err(ContainerError::Integrity(format!(
                        "non-zero padding between bytes {s} and {e}"
                    )));
                }
            }
        }
        Ok(())
    }

    fn header_len(&self) -> u64 {
        let mut l = [0u8; 8];
        l.copy_from_slice(&self.data[16..24]);
        u64::from_le_bytes(l)
    }
}

/// Prepared blobs of one array: either borrowed raw bytes or compressed chunks.
enum Blob<'a> {
    Raw(&'a [u8]),
    Chunks(Vec<Vec<u8>>),
}

/// Uncompressed dumps with at least this many array bytes keep a plain JSON
/// header, so a seekable writer can hash and write the arrays at the same time.
pub const PIPELINE_MIN_BYTES: u64 = 16 << 20;

/// Arrays encoded for writing, with their table entries (digests may still be
/// zero when `hash` was false).
struct Plan<'a> {
    /// Packs (entry, stored frame), laid out before the unpacked arrays.
    packs: Vec<(PackEntry, Vec<u8>)>,
    blobs: Vec<Blob<'a>>,
    entries: Vec<ArrayEntry>,
    raws: Vec<&'a [u8]>,
    compress_header: bool,
}

/// Digest and encode one array: its blob and its table entry (offset 0).
#[allow(clippy::type_complexity)]
fn prepare_array<'a>(
    i: usize,
    spec: &ArraySpec,
    data_of: &(dyn Fn(usize) -> Option<&'a [u8]> + Sync),
    compression: Compression,
    hash: bool,
    packed: Option<(u32, u64)>,
) -> Result<(Blob<'a>, &'a [u8], ArrayEntry), ContainerError> {
    let raw = data_of(i).ok_or_else(|| ContainerError::Codec {
        array: i,
        why: "array data missing".into(),
    })?;
    let nbytes = raw.len() as u64;
    if spec.nbytes() != Some(nbytes) {
        return Err(ContainerError::Codec {
            array: i,
            why: "data length does not match shape x itemsize".into(),
        });
    }
    let digest = if hash {
        *blake3::hash(raw).as_bytes()
    } else {
        [0u8; 32]
    };
    if packed.is_some() {
        // its bytes go into a pack (compressed there); only the entry here
        let entry = ArrayEntry {
            dtype: spec.dtype.clone(),
            shape: spec.shape.clone(),
            order: spec.order,
            axes: spec.axes.clone(),
            offset: 0,
            length: 0,
            nbytes,
            codec: compression.codec,
            shuffle: false,
            chunk: 0,
            chunks: Vec::new(),
            digest,
            pack: packed,
        };
        return Ok((Blob::Raw(&[]), raw, entry));
    }
    let item = spec.dtype.itemsize().unwrap_or(1) as usize;
    // Shuffle plain numeric arrays only: on structured records (tree nodes)
    // it splits each field's bytes apart and compresses worse (measured).
    let numeric = matches!(spec.dtype, Dtype::Simple(_))
        && matches!(spec.dtype.kind(), 'i' | 'u' | 'f' | 'c')
        && item > 1;
    let use_codec = if raw.len() >= MIN_COMPRESS {
        compression.codec
    } else {
        Codec::None
    };
    let (blob, codec, shuffle, chunk, chunks, length) = if use_codec == Codec::None {
        (Blob::Raw(raw), Codec::None, false, 0, Vec::new(), nbytes)
    } else {
        let shuffle = compression.shuffle && numeric && codec::shuffle_pays(raw, use_codec, item);
        let chunk = codec::chunk_size(item);
        let parts = codec::compress_array(raw, use_codec, shuffle.then_some(item), chunk)
            .map_err(|why| ContainerError::Codec { array: i, why })?;
        let lens: Vec<u64> = parts.iter().map(|p| p.len() as u64).collect();
        let total = lens.iter().sum();
        (
            Blob::Chunks(parts),
            use_codec,
            shuffle,
            chunk as u64,
            lens,
            total,
        )
    };
    let entry = ArrayEntry {
        dtype: spec.dtype.clone(),
        shape: spec.shape.clone(),
        order: spec.order,
        axes: spec.axes.clone(),
        offset: 0,
        length,
        nbytes,
        codec,
        shuffle,
        chunk,
        chunks,
        digest,
        pack: None,
    };
    Ok((blob, raw, entry))
}

fn plan<'a>(
    graph: &Graph,
    data_of: &(dyn Fn(usize) -> Option<&'a [u8]> + Sync),
    compression: Compression,
    hash: bool,
) -> Result<Plan<'a>, ContainerError> {
    // Digest + encode every array, in parallel when there is enough work to
    // pay for waking the thread pool.
    let sizes: Vec<u64> = (0..graph.arrays.len())
        .map(|i| data_of(i).map_or(0, |d| d.len() as u64))
        .collect();
    let groups = pack::group(&sizes, compression.codec);
    let place = pack_places(&groups, &sizes);
    let prepare = |(i, spec): (usize, &ArraySpec)| {
        prepare_array(i, spec, data_of, compression, hash, place[i])
    };
    let total = sizes.iter().sum::<u64>() as usize;
    let compress_pack = |m: &Vec<usize>| pack::compress(m, data_of, compression.codec);
    let frames: Vec<(Vec<u8>, u64)> = if total >= PARALLEL_MIN_BYTES {
        groups
            .par_iter()
            .map(compress_pack)
            .collect::<Result<_, _>>()?
    } else {
        groups.iter().map(compress_pack).collect::<Result<_, _>>()?
    };
    let prepared: Vec<(Blob<'a>, &'a [u8], ArrayEntry)> = if total >= PARALLEL_MIN_BYTES {
        graph
            .arrays
            .par_iter()
            .enumerate()
            .map(prepare)
            .collect::<Result<_, ContainerError>>()?
    } else {
        graph
            .arrays
            .iter()
            .enumerate()
            .map(prepare)
            .collect::<Result<_, ContainerError>>()?
    };
    // Layout: each blob at its aligned offset, packs first.
    let mut cursor = 0u64;
    let mut packs = Vec::with_capacity(frames.len());
    for (frame, nbytes) in frames {
        let offset = blob_offset(cursor, frame.len() as u64);
        cursor = offset + frame.len() as u64;
        let e = PackEntry {
            offset,
            length: frame.len() as u64,
            nbytes,
            codec: compression.codec,
        };
        packs.push((e, frame));
    }
    let mut blobs = Vec::with_capacity(prepared.len());
    let mut entries = Vec::with_capacity(prepared.len());
    let mut raws = Vec::with_capacity(prepared.len());
    for (blob, raw, mut e) in prepared {
        if e.pack.is_none() {
            e.offset = blob_offset(cursor, e.length);
            cursor = e.offset + e.length;
        }
        blobs.push(blob);
        entries.push(e);
        raws.push(raw);
    }
    let compress_header = !(compression.codec == Codec::None && total as u64 >= PIPELINE_MIN_BYTES);
    Ok(Plan {
        packs,
        blobs,
        entries,
        raws,
        compress_header,
    })
}

/// For each array, its (pack, offset in the pack) if it is in one of `groups`.
fn pack_places(groups: &[Vec<usize>], sizes: &[u64]) -> Vec<Option<(u32, u64)>> {
    let mut place = vec![None; sizes.len()];
    for (p, members) in groups.iter().enumerate() {
        let mut off = 0u64;
        for &i in members {
            place[i] = Some((p as u32, off));
            off += sizes[i];
        }
    }
    place
}

/// The content fingerprint: BLAKE3 over the graph's JSON text and, per array,
/// its dtype, shape, order, axes and digest. Metadata is not included, so
/// the same model saved twice (or with another codec) has the same fingerprint.
pub fn fingerprint_of(graph_text: &[u8], entries: &[ArrayEntry]) -> String {
    fingerprint_with(graph_text, entries, &dtype_texts(entries))
}

/// [`fingerprint_of`] with each entry's dtype JSON text already made.
fn fingerprint_with(graph_text: &[u8], entries: &[ArrayEntry], dtypes: &[Arc<[u8]>]) -> String {
    use std::fmt::Write as _;
    let mut fp = blake3::Hasher::new();
    fp.update(graph_text);
    let mut line = String::new();
    for (e, dt) in entries.iter().zip(dtypes) {
        fp.update(dt);
        line.clear();
        let _ = write!(line, "{:?}{}{:?}", e.shape, e.order.as_str(), e.axes);
        fp.update(line.as_bytes());
        fp.update(&e.digest);
    }
    fp.finalize().to_hex().to_string()
}

/// The compact JSON text of every entry's dtype, made once per distinct dtype
/// (the node arrays of a forest share one structured dtype; up to 16
/// distinct ones are remembered, the others are made again).
fn dtype_texts(entries: &[ArrayEntry]) -> Vec<Arc<[u8]>> {
    let mut seen: Vec<(&Dtype, Arc<[u8]>)> = Vec::new();
    entries
        .iter()
        .map(|e| {
            if let Some((_, t)) = seen.iter().find(|(d, _)| **d == e.dtype) {
                return t.clone();
            }
            let t: Arc<[u8]> = serde_json::to_vec(&dtype_to_json(&e.dtype))
                .unwrap_or_default()
                .into();
            if seen.len() < 16 {
                seen.push((&e.dtype, t.clone()));
            }
            t
        })
        .collect()
}

/// The header text and its stored form for a plan whose digests are final.
fn header_for(
    graph_text: &[u8],
    entries: &[ArrayEntry],
    packs: &[PackEntry],
    metadata: &Value,
    compress: bool,
) -> Result<(Vec<u8>, Vec<u8>, String), ContainerError> {
    let dtypes = dtype_texts(entries);
    let fingerprint = fingerprint_with(graph_text, entries, &dtypes);
    // Written as text, exactly as serde_json writes the header object
    // (compact, keys sorted), without building it as a Value first: the
    // array table of a forest is most of a large header.
    let meta = serde_json::to_vec(metadata).map_err(|e| ContainerError::Header(e.to_string()))?;
    let mut t: Vec<u8> = Vec::with_capacity(graph_text.len() + meta.len() + entries.len() * 400);
    t.extend_from_slice(b"{\"arrays\":[");
    for (k, (e, dt)) in entries.iter().zip(&dtypes).enumerate() {
        if k > 0 {
            t.push(b',');
        }
        e.write_json(&mut t, dt);
    }
    t.extend_from_slice(b"],\"fingerprint\":\"");
    t.extend_from_slice(fingerprint.as_bytes());
    t.extend_from_slice(b"\",\"format\":\"skseal\",\"graph\":");
    t.extend_from_slice(graph_text);
    t.extend_from_slice(b",\"metadata\":");
    t.extend_from_slice(&meta);
    if !packs.is_empty() {
        t.extend_from_slice(b",\"packs\":[");
        for (k, p) in packs.iter().enumerate() {
            if k > 0 {
                t.push(b',');
            }
            p.write_json(&mut t);
        }
        t.push(b']');
    }
    t.extend_from_slice(format!(",\"version\":{VERSION}}}").as_bytes());
    let json_text = t;
    let depth = graphjson::text_depth(&json_text);
    if depth > graphjson::MAX_JSON_DEPTH {
        return Err(ContainerError::Header(format!(
            "the object is nested too deeply to store ({depth} JSON levels, limit {})",
            graphjson::MAX_JSON_DEPTH
        )));
    }
    let stored = if compress {
        deflate_header(&json_text)?
    } else {
        json_text.clone()
    };
    Ok((json_text, stored, fingerprint))
}

fn write_front<W: Write>(
    out: &mut W,
    stored: &[u8],
    compressed: bool,
    signed: bool,
    packed: bool,
) -> Result<u64, ContainerError> {
    let hhash = blake3::hash(stored);
    let hend = PREAMBLE as u64 + stored.len() as u64;
    let data_start = align(hend);
    out.write_all(&MAGIC)?;
    out.write_all(&VERSION.to_le_bytes())?;
    let flags = if compressed { FLAG_HEADER_ZSTD } else { 0 }
        | if signed { FLAG_SIGNED } else { 0 }
        | if packed { FLAG_PACKS } else { 0 };
    out.write_all(&flags.to_le_bytes())?;
    out.write_all(&(stored.len() as u64).to_le_bytes())?;
    out.write_all(hhash.as_bytes())?;
    out.write_all(stored)?;
    let zeros = [0u8; ALIGN as usize];
    out.write_all(&zeros[..(data_start - hend) as usize])?;
    Ok(data_start)
}

fn write_blobs<W: Write>(
    out: &mut W,
    packs: &[(PackEntry, Vec<u8>)],
    blobs: &[Blob<'_>],
    entries: &[ArrayEntry],
) -> Result<u64, ContainerError> {
    let zeros = [0u8; ALIGN as usize];
    let mut pos = 0u64;
    for (e, frame) in packs {
        out.write_all(&zeros[..(e.offset - pos) as usize])?;
        out.write_all(frame)?;
        pos = e.offset + e.length;
    }
    for (blob, e) in blobs.iter().zip(entries) {
        if e.pack.is_some() {
            continue;
        }
        out.write_all(&zeros[..(e.offset - pos) as usize])?;
        match blob {
            Blob::Raw(r) => out.write_all(r)?,
            Blob::Chunks(parts) => {
                for p in parts {
                    out.write_all(p)?;
                }
            }
        }
        pos = e.offset + e.length;
    }
    Ok(pos)
}

#[allow(clippy::too_many_arguments)]
fn finished_header(
    graph: &Graph,
    metadata: &Value,
    entries: Vec<ArrayEntry>,
    packs: Vec<PackEntry>,
    json_text: &[u8],
    stored: &[u8],
    fingerprint: String,
    data_start: u64,
    data_len: u64,
    sig: Option<Signature>,
) -> Header {
    let mut g = graph.clone();
    g.arrays
        .iter_mut()
        .enumerate()
        .for_each(|(i, a)| a.source = ArraySource::Table(i as u32));
    let h = Header {
        version: VERSION,
        metadata_text: metadata.to_string(),
        fingerprint,
        graph: g,
        arrays: entries,
        packs,
        data_start,
        file_len: data_start + data_len,
        header_hash: blake3::hash(stored).to_hex().to_string(),
        text: String::from_utf8_lossy(json_text).into_owned(),
        signature: None,
        signed: false,
    };
    with_signature(h, sig)
}

/// Serialize a graph whose array data is given by `data_of(i)` for each array
/// of `graph.arrays`, front to back (any writer).
pub fn write<'a, W: Write>(
    out: &mut W,
    graph: &Graph,
    data_of: &(dyn Fn(usize) -> Option<&'a [u8]> + Sync),
    metadata: &Value,
    compression: Compression,
    signer: Option<&ed25519_dalek::SigningKey>,
) -> Result<Header, ContainerError> {
    let p = plan(graph, data_of, compression, true)?;
    let graph_json = graphjson::encode(graph);
    let graph_text =
        serde_json::to_vec(&graph_json).map_err(|e| ContainerError::Header(e.to_string()))?;
    let pack_entries: Vec<PackEntry> = p.packs.iter().map(|(e, _)| e.clone()).collect();
    let (json_text, stored, fingerprint) = header_for(
        &graph_text,
        &p.entries,
        &pack_entries,
        metadata,
        p.compress_header,
    )?;
    let data_start = write_front(
        out,
        &stored,
        p.compress_header,
        signer.is_some(),
        !p.packs.is_empty(),
    )?;
    let data_len = write_blobs(out, &p.packs, &p.blobs, &p.entries)?;
    let sig = append_signature(out, signer, &stored)?;
    out.flush()?;
    Ok(finished_header(
        graph,
        metadata,
        p.entries,
        pack_entries,
        &json_text,
        &stored,
        fingerprint,
        data_start,
        data_len,
        sig,
    ))
}

fn append_signature<W: Write>(
    out: &mut W,
    signer: Option<&ed25519_dalek::SigningKey>,
    stored: &[u8],
) -> Result<Option<Signature>, ContainerError> {
    let Some(k) = signer else { return Ok(None) };
    let t = trailer(k, blake3::hash(stored).as_bytes());
    out.write_all(&t)?;
    let mut pk = [0u8; 32];
    pk.copy_from_slice(&t[8..40]);
    let mut sig = [0u8; 64];
    sig.copy_from_slice(&t[40..104]);
    Ok(Some((pk, sig)))
}

fn with_signature(mut h: Header, sig: Option<Signature>) -> Header {
    if sig.is_some() {
        h.signed = true;
        h.file_len += SIG_TRAILER;
        h.signature = sig;
    }
    h
}

/// Like [`write`], with the same bytes, for seekable writers: a large
/// uncompressed dump writes its arrays while they are being hashed (on other
/// cores), then goes back to write the header.
pub fn write_seekable<'a, W: Write + std::io::Seek + Send>(
    out: &mut W,
    graph: &Graph,
    data_of: &(dyn Fn(usize) -> Option<&'a [u8]> + Sync),
    metadata: &Value,
    compression: Compression,
    signer: Option<&ed25519_dalek::SigningKey>,
) -> Result<Header, ContainerError> {
    use std::io::SeekFrom;
    let total: u64 = (0..graph.arrays.len())
        .map(|i| data_of(i).map_or(0, |d| d.len() as u64))
        .sum();
    if compression.codec != Codec::None || total < PIPELINE_MIN_BYTES {
        // A compressed header changes size with its content: nothing to
        // overlap, the front-to-back writer gives the same bytes.
        return write(out, graph, data_of, metadata, compression, signer);
    }
    let mut p = plan(graph, data_of, compression, false)?;
    let graph_json = graphjson::encode(graph);
    let graph_text =
        serde_json::to_vec(&graph_json).map_err(|e| ContainerError::Header(e.to_string()))?;
    // Plain JSON with fixed-width hex digests: its length does not depend on them.
    let pack_entries: Vec<PackEntry> = p.packs.iter().map(|(e, _)| e.clone()).collect();
    let plain_header =
        |entries: &[ArrayEntry]| header_for(&graph_text, entries, &pack_entries, metadata, false);
    let (_, placeholder, _) = plain_header(&p.entries)?;
    let data_start = align(PREAMBLE as u64 + placeholder.len() as u64);
    out.seek(SeekFrom::Start(data_start))?;
    let raws = &p.raws;
    let (written, digests) = rayon::join(
        || write_blobs(&mut *out, &p.packs, &p.blobs, &p.entries),
        || {
            raws.par_iter()
                .map(|r| *blake3::hash(r).as_bytes())
                .collect::<Vec<[u8; 32]>>()
        },
    );
    let data_len = written?;
    for (e, d) in p.entries.iter_mut().zip(digests) {
        e.digest = d;
    }
    let (json_text, stored, fingerprint) = plain_header(&p.entries)?;
    if stored.len() != placeholder.len() {
        return Err(ContainerError::Header(
            "internal: header length changed while writing".into(),
        ));
    }
    out.seek(SeekFrom::Start(0))?;
    let start = write_front(out, &stored, false, signer.is_some(), !p.packs.is_empty())?;
    debug_assert_eq!(start, data_start);
    out.seek(SeekFrom::Start(data_start + data_len))?;
    let sig = append_signature(out, signer, &stored)?;
    out.flush()?;
    Ok(finished_header(
        graph,
        metadata,
        p.entries,
        pack_entries,
        &json_text,
        &stored,
        fingerprint,
        data_start,
        data_len,
        sig,
    ))
}

/// Compressed dumps with at least this many array bytes stream their blobs
/// to the file (see [`write_file`]) instead of holding them all in memory.
pub const STREAM_MIN_BYTES: u64 = 32 << 20;

/// Raw bytes compressed at once (on all cores) by the streaming writer.
const STREAM_BATCH: u64 = 64 << 20;

#[cfg(unix)]
fn write_at(f: &std::fs::File, buf: &[u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    f.write_all_at(buf, offset)
}

#[cfg(windows)]
fn write_at(f: &std::fs::File, mut buf: &[u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = f.seek_write(buf, offset)?;
        buf = &buf[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(unix)]
pub(crate) fn read_at(f: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    f.read_exact_at(buf, offset)
}

#[cfg(windows)]
pub(crate) fn read_at(
    f: &std::fs::File,
    mut buf: &mut [u8],
    mut offset: u64,
) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match f.seek_read(buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// Like [`write_seekable`], with the same bytes, into a file. A large
/// compressed dump does not hold its compressed blobs: arrays are compressed
/// a batch at a time (on all cores) and written past a gap reserved for the
/// header (an upper bound of its size); the header is then written in front
/// and the blobs moved down to where the layout puts them. Memory: one batch
/// of compressed chunks, never the whole compressed model.
pub fn write_file<'a>(
    out: &mut std::io::BufWriter<&std::fs::File>,
    graph: &Graph,
    data_of: &(dyn Fn(usize) -> Option<&'a [u8]> + Sync),
    metadata: &Value,
    compression: Compression,
    signer: Option<&ed25519_dalek::SigningKey>,
) -> Result<Header, ContainerError> {
    use std::io::{Seek, SeekFrom};
    let sizes: Vec<u64> = (0..graph.arrays.len())
        .map(|i| data_of(i).map_or(0, |d| d.len() as u64))
        .collect();
    let total: u64 = sizes.iter().sum();
    if compression.codec == Codec::None || total < STREAM_MIN_BYTES {
        return write_seekable(out, graph, data_of, metadata, compression, signer);
    }
    out.flush()?;
    let f: &std::fs::File = out.get_ref();
    let start_pos = out.stream_position()?;
    let graph_json = graphjson::encode(graph);
    let graph_text =
        serde_json::to_vec(&graph_json).map_err(|e| ContainerError::Header(e.to_string()))?;
    let groups = pack::group(&sizes, compression.codec);
    let place = pack_places(&groups, &sizes);
    // An upper bound of the stored header: every number of the array table at
    // its widest, then zstd's worst case.
    let widest: Vec<ArrayEntry> = graph
        .arrays
        .iter()
        .zip(&sizes)
        .zip(&place)
        .map(|((spec, &n), at)| {
            let item = spec.dtype.itemsize().unwrap_or(1).max(1) as usize;
            let chunk = codec::chunk_size(item) as u64;
            let packed = at.is_some();
            ArrayEntry {
                dtype: spec.dtype.clone(),
                shape: spec.shape.clone(),
                order: spec.order,
                axes: spec.axes.clone(),
                offset: u64::MAX,
                length: u64::MAX,
                nbytes: u64::MAX,
                codec: compression.codec,
                shuffle: false,
                chunk: u64::MAX,
                chunks: if packed {
                    Vec::new()
                } else {
                    vec![u64::MAX; n.div_ceil(chunk.max(1)) as usize]
                },
                digest: [0xff; 32],
                pack: at.map(|_| (u32::MAX, u64::MAX)),
            }
        })
        .collect();
    let widest_packs = vec![
        PackEntry {
            offset: u64::MAX,
            length: u64::MAX,
            nbytes: u64::MAX,
            codec: compression.codec,
        };
        groups.len()
    ];
    let (widest_json, _, _) = header_for(&graph_text, &widest, &widest_packs, metadata, false)?;
    let bound = zstd::zstd_safe::compress_bound(widest_json.len() + 64) as u64;
    let gap_start = start_pos + align(PREAMBLE as u64 + bound);
    // Compress and write the blobs in order, one batch at a time: packs first.
    let mut entries: Vec<ArrayEntry> = Vec::with_capacity(graph.arrays.len());
    let mut packs: Vec<PackEntry> = Vec::with_capacity(groups.len());
    let mut cursor = 0u64;
    let zeros = [0u8; ALIGN as usize];
    let group_bytes = |g: &Vec<usize>| g.iter().map(|&k| sizes[k]).sum::<u64>();
    let mut i = 0usize;
    while i < groups.len() {
        let mut j = i;
        let mut batch = 0u64;
        while j < groups.len() && (j == i || batch + group_bytes(&groups[j]) <= STREAM_BATCH) {
            batch += group_bytes(&groups[j]);
            j += 1;
        }
        let frames = groups[i..j]
            .par_iter()
            .map(|m| pack::compress(m, data_of, compression.codec))
            .collect::<Result<Vec<_>, ContainerError>>()?;
        for (frame, nbytes) in frames {
            let offset = blob_offset(cursor, frame.len() as u64);
            write_at(f, &zeros[..(offset - cursor) as usize], gap_start + cursor)?;
            write_at(f, &frame, gap_start + offset)?;
            cursor = offset + frame.len() as u64;
            packs.push(PackEntry {
                offset,
                length: frame.len() as u64,
                nbytes,
                codec: compression.codec,
            });
        }
        i = j;
    }
    let mut i = 0usize;
    while i < graph.arrays.len() {
        let mut j = i;
        let mut batch = 0u64;
        while j < graph.arrays.len() && (j == i || batch + sizes[j] <= STREAM_BATCH) {
            batch += sizes[j];
            j += 1;
        }
        let prepared = (i..j)
            .into_par_iter()
            .map(|k| prepare_array(k, &graph.arrays[k], data_of, compression, true, place[k]))
            .collect::<Result<Vec<_>, ContainerError>>()?;
        for (blob, _, mut e) in prepared {
            if e.pack.is_some() {
                entries.push(e);
                continue;
            }
            e.offset = blob_offset(cursor, e.length);
            write_at(
                f,
                &zeros[..(e.offset - cursor) as usize],
                gap_start + cursor,
            )?;
            let mut at = gap_start + e.offset;
            match &blob {
                Blob::Raw(r) => write_at(f, r, at)?,
                Blob::Chunks(parts) => {
                    for p in parts {
                        write_at(f, p, at)?;
                        at += p.len() as u64;
                    }
                }
            }
            cursor = e.offset + e.length;
            entries.push(e);
        }
        i = j;
    }
    let data_len = cursor;
    let (json_text, stored, fingerprint) =
        header_for(&graph_text, &entries, &packs, metadata, true)?;
    let data_start = align(PREAMBLE as u64 + stored.len() as u64);
    if start_pos + data_start > gap_start {
        return Err(ContainerError::Header(
            "internal: the header outgrew its reserved space".into(),
        ));
    }
    // The header in front, then the blobs moved down (front to back: every
    // read is at or ahead of the write before it).
    let mut front = Vec::with_capacity(data_start as usize);
    write_front(
        &mut front,
        &stored,
        true,
        signer.is_some(),
        !packs.is_empty(),
    )?;
    write_at(f, &front, start_pos)?;
    let dst0 = start_pos + data_start;
    if dst0 != gap_start {
        let mut buf = vec![0u8; (4usize << 20).min(data_len as usize).max(1)];
        let mut done = 0u64;
        while done < data_len {
            let n = (data_len - done).min(buf.len() as u64) as usize;
            read_at(f, &mut buf[..n], gap_start + done)?;
            write_at(f, &buf[..n], dst0 + done)?;
            done += n as u64;
        }
    }
    f.set_len(dst0 + data_len)?;
    out.seek(SeekFrom::Start(dst0 + data_len))?;
    let sig = append_signature(out, signer, &stored)?;
    out.flush()?;
    Ok(finished_header(
        graph,
        metadata,
        entries,
        packs,
        &json_text,
        &stored,
        fingerprint,
        data_start,
        data_len,
        sig,
    ))
}

/// Write a file atomically: a temporary file in the same directory, fsync,
/// rename over `path`, fsync of the directory. On any error the temporary
/// file is removed and `path` is untouched.
pub fn write_atomic<E: From<std::io::Error>>(
    path: &std::path::Path,
    write: impl FnOnce(&mut std::io::BufWriter<&std::fs::File>) -> Result<Header, E>,
) -> Result<Header, E> {
    use std::fs::{self, File};
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "model".into());
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tmp = dir.join(format!(".{name}.{}.{nonce}.tmp", std::process::id()));
    let result = (|| -> Result<Header, E> {
        // readable too: the streaming writer moves blobs within the file
        let f = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        let header = {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, &f);
            let h = write(&mut w)?;
            w.flush()?;
            h
        };
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(header)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Sign an existing file: the same bytes with flag bit 1 set and a signature
/// trailer (replacing any previous signature). The header and every array
/// digest must check out first: a damaged file is never signed.
pub fn sign_bytes(
    data: &[u8],
    signer: &ed25519_dalek::SigningKey,
) -> Result<Vec<u8>, ContainerError> {
    let c = Container::parse(data)?;
    c.verify_raw_all()?;
    c.verify_padding()?;
    for (i, a) in c.header.arrays.iter().enumerate() {
        if a.codec != Codec::None {
            let mut buf = vec![
                0u8;
                usize::try_from(a.nbytes)
                    .map_err(|_| ContainerError::Header("array too large".into()))?
            ];
            c.decode_into(i, &mut buf)?;
        }
    }
    let body_len = (c.header.file_len - if c.header.signed { SIG_TRAILER } else { 0 }) as usize;
    let mut out = data[..body_len].to_vec();
    let flags = u32::from_le_bytes([out[12], out[13], out[14], out[15]]) | FLAG_SIGNED;
    out[12..16].copy_from_slice(&flags.to_le_bytes());
    let mut hh = [0u8; 32];
    hh.copy_from_slice(&data[24..56]);
    out.extend_from_slice(&trailer(signer, &hh));
    Ok(out)
}

/// Ed25519 keys as skseal stores them: 64 hex digits (a private key's seed, or
/// a public key), one per file.
#[cfg(test)]
mod tests {
    use super::*;

    /// The header writer emits the array table as text; it must be exactly
    /// what serde_json writes for the same entries as Values.
    #[test]
    fn array_entries_as_text_equal_serde_json() {
        let nodes = Dtype::Struct {
            names: vec!["a".into(), "b\"q".into()],
            formats: vec![Dtype::Simple("<i8".into()), Dtype::Simple("|u1".into())],
            offsets: vec![0, 8],
            itemsize: 16,
        };
        let base = ArrayEntry {
            dtype: Dtype::Simple("<f8".into()),
            shape: vec![3, 0, 7],
            order: Order::C,
            axes: None,
            offset: 123,
            length: 456,
            nbytes: 0,
            codec: Codec::None,
            shuffle: false,
            chunk: 0,
            chunks: Vec::new(),
            digest: [0xab; 32],
            pack: None,
        };
        let entries = vec![
            base.clone(),
            ArrayEntry {
                codec: Codec::Zstd(2),
                shuffle: true,
                chunk: 4 << 20,
                chunks: vec![1, 22, u64::MAX],
                axes: Some(vec![2, 0, 1]),
                order: Order::F,
                ..base.clone()
            },
            ArrayEntry {
                codec: Codec::Lz4,
                dtype: nodes.clone(),
                shape: vec![],
                ..base.clone()
            },
            ArrayEntry {
                codec: Codec::Zstd(0),
                pack: Some((7, 99)),
                dtype: nodes,
                offset: 0,
                length: 0,
                ..base
            },
        ];
        for e in &entries {
            let dtype = serde_json::to_vec(&dtype_to_json(&e.dtype)).expect("json");
            let mut t = Vec::new();
            e.write_json(&mut t, &dtype);
            let want = serde_json::to_vec(&e.to_json()).expect("json");
            assert_eq!(String::from_utf8_lossy(&t), String::from_utf8_lossy(&want));
        }
        let p = PackEntry {
            offset: 64,
            length: 5,
            nbytes: 4 << 20,
            codec: Codec::Lz4,
        };
        let mut t = Vec::new();
        p.write_json(&mut t);
        assert_eq!(t, serde_json::to_vec(&p.to_json()).expect("json"));
    }
}
