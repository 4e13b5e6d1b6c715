//! Format types and constants of the container: the preamble, flag bits,
//! blob layout, [`ArrayEntry`] and [`Compression`]. A leaf: it uses nothing
//! else of the container (nor [`crate::pack`], which builds on it).

#[cfg(test)]
use serde_json::{json, Map, Value};

use crate::codec::Codec;
#[cfg(test)]
use crate::graphjson::dtype_to_json;
use crate::graphjson::hex;
use crate::ir::{Dtype, Order};

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
/// Flag bit 3: the graph has a `native` member, stored native layouts of
/// trees (FORMAT.md §5.6, [`crate::layout`]). Readers that predate it
/// refuse the file by this bit.
pub const FLAG_NATIVE: u32 = 8;
/// Magic of the signature trailer.
pub const SIG_MAGIC: [u8; 8] = *b"SKSIG\x001\x00";
/// Trailer: magic (8) + public key (32) + signature (64).
pub const SIG_TRAILER: u64 = 104;
/// An embedded signature: (Ed25519 public key, signature).
pub type Signature = ([u8; 32], [u8; 64]);
/// Largest decompressed header a reader accepts.
pub const MAX_HEADER_JSON: u64 = 512 << 20;
/// Blobs at least this long start at a multiple of [`ALIGN`]; smaller ones at a multiple of 16.
pub const LARGE_BLOB: u64 = 4096;

pub(super) fn align(x: u64) -> u64 {
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
pub(super) const PARALLEL_MIN_BYTES: usize = 1 << 20;

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

/// An array-table entry as the header holds it. serde writes a struct's
/// fields in declaration order, so they are declared in key order: the text
/// is what serde_json writes for the same map (compact, keys sorted), without
/// building one per entry (the array table of a forest is most of a large
/// header). Absent fields are skipped.
#[derive(serde::Serialize)]
pub(super) struct EntryJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    axes: Option<&'a [u64]>,
    blake3: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    chunk: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    chunks: Option<&'a [u64]>,
    codec: &'static str,
    dtype: &'a serde_json::value::RawValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    length: Option<u64>,
    nbytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    offset: Option<u64>,
    order: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pack: Option<(u32, u64)>,
    shape: &'a [u64],
    #[serde(skip_serializing_if = "Option::is_none")]
    shuffle: Option<bool>,
}

impl ArrayEntry {
    /// This entry as the header writes it; `dtype` is the dtype's JSON.
    pub(super) fn json<'a>(&'a self, dtype: &'a serde_json::value::RawValue) -> EntryJson<'a> {
        let packed = self.pack.is_some();
        let chunked = self.codec != Codec::None && !packed;
        EntryJson {
            axes: self.axes.as_deref(),
            blake3: hex(&self.digest),
            chunk: chunked.then_some(self.chunk),
            chunks: chunked.then_some(self.chunks.as_slice()),
            codec: self.codec.name(),
            dtype,
            length: (!packed).then_some(self.length),
            nbytes: self.nbytes,
            offset: (!packed).then_some(self.offset),
            order: self.order.as_str(),
            pack: self.pack,
            shape: &self.shape,
            shuffle: chunked.then_some(self.shuffle),
        }
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
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::PackEntry;

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
            let dtype = serde_json::value::to_raw_value(&dtype_to_json(&e.dtype)).expect("json");
            let t = serde_json::to_string(&e.json(&dtype)).expect("json");
            let want = serde_json::to_string(&e.to_json()).expect("json");
            assert_eq!(t, want);
        }
        let p = PackEntry {
            offset: 64,
            length: 5,
            nbytes: 4 << 20,
            codec: Codec::Lz4,
        };
        let t = serde_json::to_vec(&p.json()).expect("json");
        assert_eq!(t, serde_json::to_vec(&p.to_json()).expect("json"));
    }
}
