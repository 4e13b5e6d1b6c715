//! Reading: the preamble, the header (inflated and checked), and
//! [`Container`], a whole file in memory with its verify and decode methods.

use rayon::prelude::*;
use serde_json::Value;

use super::format::{
    align, blob_offset, max_decoded, ArrayEntry, Signature, FLAG_HEADER_ZSTD, FLAG_NATIVE,
    FLAG_PACKS, FLAG_SIGNED, MAGIC, MAX_ARRAYS, MAX_HEADER, MAX_HEADER_JSON, PARALLEL_MIN_BYTES,
    PREAMBLE, SIG_TRAILER, VERSION,
};
use super::sign::parse_trailer;
use super::write::fingerprint_of;
use crate::codec::{self, Codec};
use crate::error::{Blob, ContainerError, Damage, HeaderJsonError, SizeOverflow};
use crate::graphjson::{self, dtype_from_json, hex, unhex};
use crate::ir::{ArraySource, ArraySpec, Dtype, Graph, Order};
use crate::pack::{PackCache, PackEntry};

impl ArrayEntry {
    fn from_de(i: usize, a: &ArrayDe, dtypes: &mut DtypeCache) -> Result<Self, ContainerError> {
        let err = |why: &str| ContainerError::ArrayEntry {
            index: i,
            why: why.to_string(),
        };
        let dtype = dtypes.parse(a.dtype.get()).map_err(|e| err(&e))?;
        if dtype.has_object() {
            return Err(err("object dtype cannot be stored as raw bytes"));
        }
        let shape = a.shape.clone();
        if shape.len() > 64 {
            return Err(err("more than 64 dimensions"));
        }
        let order = match a.order.as_ref() {
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
        let codec = match a.codec.as_ref() {
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
    #[serde(borrow)]
    order: std::borrow::Cow<'a, str>,
    #[serde(default)]
    axes: Option<Vec<u64>>,
    #[serde(default)]
    offset: Option<u64>,
    #[serde(default)]
    length: Option<u64>,
    nbytes: u64,
    #[serde(borrow)]
    codec: std::borrow::Cow<'a, str>,
    #[serde(default)]
    pack: Option<(u32, u64)>,
    #[serde(default)]
    shuffle: bool,
    #[serde(default)]
    chunk: Option<u64>,
    #[serde(default)]
    chunks: Option<Vec<u64>>,
    #[serde(borrow)]
    blake3: std::borrow::Cow<'a, str>,
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
) -> impl Iterator<Item = (Blob, u64, u64)> + 'h {
    packs
        .iter()
        .enumerate()
        .map(|(p, e)| (Blob::Pack(p), e.offset, e.length))
        .chain(
            arrays
                .iter()
                .enumerate()
                .filter(|(_, a)| a.pack.is_none())
                .map(|(i, a)| (Blob::Array(i), a.offset, a.length)),
        )
}

/// Read the fixed preamble; returns (header_len, header_hash, flags).
pub fn read_preamble(data: &[u8]) -> Result<(u64, [u8; 32], u32), ContainerError> {
    if data.len() < 8 || data[..8] != MAGIC {
        use crate::sniff::{file_kind, FileKind};
        let looks = match file_kind(data) {
            FileKind::DamagedSkseal => return Err(ContainerError::NotSkseal(
                "the magic number is damaged (a text-mode transfer changes \\r\\n and \\x1a bytes)"
                    .into(),
            )),
            FileKind::Foreign(what) => format!(" (it looks {what})"),
            FileKind::Compressed(c) => {
                format!(" (it looks {}-compressed, e.g. a joblib file)", c.name())
            }
            FileKind::Pickle if data.first() == Some(&0x80) => {
                " (it looks like a pickle; open it with skseal.load, which reads pickles safely)"
                    .to_string()
            }
            _ => String::new(),
        };
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
    if flags & !(FLAG_HEADER_ZSTD | FLAG_SIGNED | FLAG_PACKS | FLAG_NATIVE) != 0 {
        return Err(ContainerError::UnknownFlags { flags });
    }
    let mut l = [0u8; 8];
    l.copy_from_slice(&data[16..24]);
    let header_len = u64::from_le_bytes(l);
    if header_len > MAX_HEADER {
        return Err(ContainerError::HeaderLimit {
            what: "the header's size in bytes",
            found: header_len,
            limit: MAX_HEADER,
        });
    }
    let mut h = [0u8; 32];
    h.copy_from_slice(&data[24..56]);
    Ok((header_len, h, flags))
}

/// Decompress a zstd header, streaming, refusing more than [`MAX_HEADER_JSON`] bytes
/// (a compression bomb fails fast instead of filling memory).
fn inflate_header(stored: &[u8]) -> Result<Vec<u8>, ContainerError> {
    use std::io::Read;
    // Fast path: the frame declares its size (skseal writes it); decode in one
    // call with a reused context. Frames without a declared size stream.
    if let Ok(Some(n)) = zstd::zstd_safe::get_frame_content_size(stored) {
        if n > MAX_HEADER_JSON {
            return Err(ContainerError::HeaderLimit {
                what: "the compressed header's declared size in bytes",
                found: n,
                limit: MAX_HEADER_JSON,
            });
        }
        let mut out = Vec::with_capacity(n as usize);
        let got = codec::with_dctx(|d| {
            d.decompress_to_buffer(stored, &mut out)
                .map_err(|e| codec::CodecError::Library(e.to_string()))
        })
        .map_err(ContainerError::CompressedHeader)?;
        if got as u64 != n {
            return Err(ContainerError::CompressedHeader(
                codec::CodecError::DecodedSize {
                    decoded: got,
                    expected: n as usize,
                },
            ));
        }
        return Ok(out);
    }
    let dec = zstd::stream::read::Decoder::new(stored)
        .map_err(|e| ContainerError::CompressedHeader(codec::CodecError::Context(e.to_string())))?;
    let mut out = Vec::new();
    dec.take(MAX_HEADER_JSON + 1)
        .read_to_end(&mut out)
        .map_err(|e| ContainerError::CompressedHeader(codec::CodecError::Library(e.to_string())))?;
    if out.len() as u64 > MAX_HEADER_JSON {
        return Err(ContainerError::HeaderLimit {
            what: "the decompressed header's size in bytes",
            found: out.len() as u64,
            limit: MAX_HEADER_JSON,
        });
    }
    Ok(out)
}

/// The array table of a header, checked: its entries, packs and blob
/// layout against the file's length; and whether the content fingerprint
/// matches (reported after the graph's own errors).
struct Table {
    arrays: Vec<ArrayEntry>,
    packs: Vec<PackEntry>,
    data_start: u64,
    signed: bool,
    expected_len: u64,
    fingerprint_ok: bool,
}

fn read_table(
    hd: &HeaderDe<'_>,
    end: u64,
    flags: u32,
    file_len: u64,
) -> Result<Table, ContainerError> {
    let mut dtypes = DtypeCache::default();
    let arrays: Vec<ArrayEntry> = hd
        .arrays
        .iter()
        .enumerate()
        .map(|(i, v)| ArrayEntry::from_de(i, v, &mut dtypes))
        .collect::<Result<_, _>>()?;
    if hd.packs.len() > crate::pack::MAX_PACKS {
        return Err(ContainerError::HeaderLimit {
            what: "the number of packs",
            found: hd.packs.len() as u64,
            limit: crate::pack::MAX_PACKS as u64,
        });
    }
    let packs: Vec<PackEntry> = hd
        .packs
        .iter()
        .enumerate()
        .map(|(p, d)| d.entry(p))
        .collect::<Result<_, _>>()?;
    if packs.is_empty() == (flags & FLAG_PACKS != 0) {
        return Err(HeaderJsonError::PacksFlag {
            flag_set: flags & FLAG_PACKS != 0,
            packs: packs.len(),
        }
        .into());
    }
    crate::pack::check_members(&arrays, &packs)?;
    let data_start = align(end);
    // Blobs in order (packs, then unpacked arrays), aligned, no overlap, no
    // holes beyond alignment padding.
    let mut cursor = 0u64;
    for (blob, offset, length) in blob_layout(&packs, &arrays) {
        let expected = blob_offset(cursor, length);
        if offset != expected {
            return Err(ContainerError::Misplaced {
                blob,
                offset,
                expected,
            });
        }
        cursor = offset
            .checked_add(length)
            .ok_or(ContainerError::Overflow(SizeOverflow::BlobEnd(blob)))?;
    }
    let signed = flags & FLAG_SIGNED != 0;
    let expected_len = data_start
        .checked_add(cursor)
        .and_then(|l| l.checked_add(if signed { SIG_TRAILER } else { 0 }))
        .ok_or(ContainerError::Overflow(SizeOverflow::TableEnd))?;
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
    let fingerprint_ok = hd.fingerprint == fingerprint_of(hd.graph.get().as_bytes(), &arrays);
    Ok(Table {
        arrays,
        packs,
        data_start,
        signed,
        expected_len,
        fingerprint_ok,
    })
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
        return Err(ContainerError::HeaderLimit {
            what: "the header JSON's nesting depth",
            found: depth as u64,
            limit: graphjson::MAX_JSON_DEPTH as u64,
        });
    }
    if hbytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(HeaderJsonError::NotAnObject.into());
    }
    let mut de = serde_json::Deserializer::from_slice(hbytes);
    de.disable_recursion_limit();
    let hd = <HeaderDe as serde::Deserialize>::deserialize(&mut de)
        .and_then(|h| de.end().map(|()| h))
        .map_err(|e| HeaderJsonError::Invalid {
            version: VERSION,
            why: e.to_string(),
        })?;
    if hd.format != "skseal" || hd.version != VERSION {
        return Err(HeaderJsonError::Identity.into());
    }
    if hd.arrays.len() > MAX_ARRAYS {
        return Err(ContainerError::HeaderLimit {
            what: "the number of arrays",
            found: hd.arrays.len() as u64,
            limit: MAX_ARRAYS as u64,
        });
    }
    // The array table and the graph are independent until the graph names
    // the table's arrays: read them side by side (a 200-tree forest's
    // header is 1,001 entries and 164 KB of graph). A damaged table is
    // reported before a damaged graph, as when they were read in turn.
    let (table, graph) = rayon::join(
        || read_table(&hd, end, flags, file_len),
        || graphjson::decode_text(hd.graph.get(), hd.arrays.len()),
    );
    let t = table?;
    let mut graph = graph.map_err(ContainerError::Graph)?;
    if !t.fingerprint_ok {
        return Err(ContainerError::Integrity(
            "the content fingerprint does not match the graph and array table".into(),
        ));
    }
    graph.arrays = t
        .arrays
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
    if graph.native.is_empty() == (flags & FLAG_NATIVE != 0) {
        return Err(HeaderJsonError::NativeFlag {
            flag_set: flags & FLAG_NATIVE != 0,
        }
        .into());
    }
    crate::layout::check_table(&graph).map_err(ContainerError::Graph)?;
    let metadata_text = hd
        .metadata
        .map(|r| r.get().to_string())
        .unwrap_or_else(|| "null".into());
    let fingerprint = hd.fingerprint;
    let text = std::str::from_utf8(hbytes)
        .map_err(|_| ContainerError::from(HeaderJsonError::NotUtf8))?
        .to_owned();
    Ok(Header {
        version: VERSION,
        metadata_text,
        fingerprint,
        graph,
        arrays: t.arrays,
        packs: t.packs,
        data_start: t.data_start,
        file_len: t.expected_len,
        header_hash: hex(&want),
        text,
        signature: None,
        signed: t.signed,
    })
}

impl Header {
    /// Array-table entry `i`.
    pub fn entry(&self, i: usize) -> Result<&ArrayEntry, ContainerError> {
        self.arrays
            .get(i)
            .ok_or_else(|| ContainerError::ArrayEntry {
                index: i,
                why: format!(
                    "not in the array table (it has {} arrays)",
                    self.arrays.len()
                ),
            })
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
        return Err(ContainerError::ArrayData {
            array: i,
            why: "buffer of the wrong size",
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
        .map_err(|why| ContainerError::Undecodable {
            array: i,
            label: crate::ir::array_label(i, &a.dtype, &a.shape),
            why: Damage::Chunks(why),
        })?;
    }
    if blake3::hash(out).as_bytes() != &a.digest {
        return Err(ContainerError::Digest {
            array: i,
            label: crate::ir::array_label(i, &a.dtype, &a.shape),
        });
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
            return Err(ContainerError::ArrayEntry {
                index: i,
                why: format!("stored in pack {p}, not on its own"),
            });
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
        self.check_raw(i).map_err(|e| e.locate(&self.header.graph))
    }

    fn check_raw(&self, i: usize) -> Result<(), ContainerError> {
        let s = self.stored(i)?;
        let a = &self.header.arrays[i];
        if blake3::hash(s).as_bytes() != &a.digest {
            return Err(ContainerError::Digest {
                array: i,
                label: crate::ir::array_label(i, &a.dtype, &a.shape),
            });
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
        self.decode(i, out)
            .map_err(|e| e.locate(&self.header.graph))
    }

    fn decode(&self, i: usize, out: &mut [u8]) -> Result<(), ContainerError> {
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
