//! Writing: arrays encoded and laid out, the header text and its
//! fingerprint, and the writers ([`write`], [`write_seekable`], [`write_file`]).

use std::io::Write;
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::value::RawValue;
use serde_json::Value;

use super::fileio::{read_at, write_at};
use super::format::{
    align, blob_offset, ArrayEntry, Compression, EntryJson, Signature, ALIGN, FLAG_HEADER_ZSTD,
    FLAG_NATIVE, FLAG_PACKS, FLAG_SIGNED, MAGIC, PARALLEL_MIN_BYTES, PREAMBLE, VERSION,
};
use super::read::Header;
use super::sign::{append_signature, with_signature};
use crate::codec::{self, Codec};
use crate::error::{ContainerError, EncodeError};
use crate::graphjson::{self, dtype_to_json};
use crate::ir::{ArraySource, ArraySpec, Dtype, Graph};
use crate::pack::{self, PackEntry, PackJson};

/// Arrays smaller than this are never compressed (the codec would not pay off).
const MIN_COMPRESS: usize = 256;

thread_local! {
    static HEADER_CCTX: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

fn compress_error(e: std::io::Error) -> ContainerError {
    ContainerError::Encode(EncodeError::Compress(e))
}

/// A graph or header that serde_json could not write (`what`: which).
fn json_error(what: &'static str) -> impl Fn(serde_json::Error) -> ContainerError {
    move |source| ContainerError::Encode(EncodeError::Json { what, source })
}

/// Compress a header with a reused per-thread context (level 3).
fn deflate_header(json: &[u8]) -> Result<Vec<u8>, ContainerError> {
    HEADER_CCTX.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            *c = Some(zstd::bulk::Compressor::new(3).map_err(compress_error)?);
        }
        match c.as_mut() {
            Some(c) => c.compress(json).map_err(compress_error),
            None => Err(ContainerError::Encode(EncodeError::Internal(
                "no compression context",
            ))),
        }
    })
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
    let raw = data_of(i).ok_or(ContainerError::ArrayData {
        array: i,
        why: "array data missing",
    })?;
    let nbytes = raw.len() as u64;
    if spec.nbytes() != Some(nbytes) {
        return Err(ContainerError::ArrayData {
            array: i,
            why: "data length does not match shape x itemsize",
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
            .map_err(|source| ContainerError::Codec { array: i, source })?;
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

/// [`fingerprint_of`] with each entry's dtype JSON already made.
fn fingerprint_with(graph_text: &[u8], entries: &[ArrayEntry], dtypes: &[Arc<RawValue>]) -> String {
    use std::fmt::Write as _;
    let mut fp = blake3::Hasher::new();
    fp.update(graph_text);
    let mut line = String::new();
    for (e, dt) in entries.iter().zip(dtypes) {
        fp.update(dt.get().as_bytes());
        line.clear();
        let _ = write!(line, "{:?}{}{:?}", e.shape, e.order.as_str(), e.axes);
        fp.update(line.as_bytes());
        fp.update(&e.digest);
    }
    fp.finalize().to_hex().to_string()
}

/// The compact JSON of every entry's dtype, made once per distinct dtype
/// (the node arrays of a forest share one structured dtype; up to 16
/// distinct ones are remembered, the others are made again).
fn dtype_texts(entries: &[ArrayEntry]) -> Vec<Arc<RawValue>> {
    let mut seen: Vec<(&Dtype, Arc<RawValue>)> = Vec::new();
    entries
        .iter()
        .map(|e| {
            if let Some((_, t)) = seen.iter().find(|(d, _)| **d == e.dtype) {
                return t.clone();
            }
            let t: Arc<RawValue> = match serde_json::value::to_raw_value(&dtype_to_json(&e.dtype)) {
                Ok(b) => Arc::from(b),
                // a Value always serializes; `null` keeps the types simple
                Err(_) => Arc::from(RawValue::NULL.to_owned()),
            };
            if seen.len() < 16 {
                seen.push((&e.dtype, t.clone()));
            }
            t
        })
        .collect()
}

/// The header as it is written: fields in key order (serde writes a struct's
/// fields in declaration order), so the text is what serde_json writes for
/// the same map, compact with sorted keys.
#[derive(serde::Serialize)]
struct HeaderJson<'a> {
    arrays: Vec<EntryJson<'a>>,
    fingerprint: &'a str,
    format: &'static str,
    graph: &'a RawValue,
    metadata: &'a Value,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    packs: Vec<PackJson>,
    version: u32,
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
    let too_deep = |depth: usize| {
        ContainerError::Encode(EncodeError::TooDeep {
            depth,
            limit: graphjson::MAX_JSON_DEPTH,
        })
    };
    // the graph's depth is checked before it is read (the header's below)
    let depth = graphjson::text_depth(graph_text);
    if depth > graphjson::MAX_JSON_DEPTH {
        return Err(too_deep(depth));
    }
    let mut de = serde_json::Deserializer::from_slice(graph_text);
    de.disable_recursion_limit();
    let graph = <&RawValue as serde::Deserialize>::deserialize(&mut de)
        .map_err(json_error("the graph JSON, read back"))?;
    let header = HeaderJson {
        arrays: entries
            .iter()
            .zip(&dtypes)
            .map(|(e, dt)| e.json(dt))
            .collect(),
        fingerprint: &fingerprint,
        format: "skseal",
        graph,
        metadata,
        packs: packs.iter().map(PackEntry::json).collect(),
        version: VERSION,
    };
    let json_text = serde_json::to_vec(&header).map_err(json_error("the header JSON"))?;
    let depth = graphjson::text_depth(&json_text);
    if depth > graphjson::MAX_JSON_DEPTH {
        return Err(too_deep(depth));
    }
    let stored = if compress {
        deflate_header(&json_text)?
    } else {
        json_text.clone()
    };
    Ok((json_text, stored, fingerprint))
}

/// The flag bits that say what the header and data region hold: packs
/// (bit 2) and stored native layouts (bit 3).
fn layout_flags(packed: bool, graph: &Graph) -> u32 {
    (if packed { FLAG_PACKS } else { 0 })
        | if graph.native.is_empty() {
            0
        } else {
            FLAG_NATIVE
        }
}

fn write_front<W: Write>(
    out: &mut W,
    stored: &[u8],
    compressed: bool,
    signed: bool,
    layout: u32,
) -> Result<u64, ContainerError> {
    let hhash = blake3::hash(stored);
    let hend = PREAMBLE as u64 + stored.len() as u64;
    let data_start = align(hend);
    out.write_all(&MAGIC)?;
    out.write_all(&VERSION.to_le_bytes())?;
    let flags = if compressed { FLAG_HEADER_ZSTD } else { 0 }
        | if signed { FLAG_SIGNED } else { 0 }
        | layout;
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
    let graph_text = serde_json::to_vec(&graph_json).map_err(json_error("the graph JSON"))?;
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
        layout_flags(!p.packs.is_empty(), graph),
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
    let graph_text = serde_json::to_vec(&graph_json).map_err(json_error("the graph JSON"))?;
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
        return Err(ContainerError::Encode(EncodeError::Internal(
            "the header's length changed while writing",
        )));
    }
    out.seek(SeekFrom::Start(0))?;
    let start = write_front(
        out,
        &stored,
        false,
        signer.is_some(),
        layout_flags(!p.packs.is_empty(), graph),
    )?;
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
    let graph_text = serde_json::to_vec(&graph_json).map_err(json_error("the graph JSON"))?;
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
        return Err(ContainerError::Encode(EncodeError::Internal(
            "the header outgrew its reserved space",
        )));
    }
    // The header in front, then the blobs moved down (front to back: every
    // read is at or ahead of the write before it).
    let mut front = Vec::with_capacity(data_start as usize);
    write_front(
        &mut front,
        &stored,
        true,
        signer.is_some(),
        layout_flags(!packs.is_empty(), graph),
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
