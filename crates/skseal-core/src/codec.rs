//! Per-array codecs: none, lz4 (block), zstd; optional byte-shuffle filter;
//! chunking so one large array compresses and decompresses on all cores.

use rayon::prelude::*;

/// Why a chunk could not be compressed or decoded. Decoding errors mean the
/// stored bytes are damaged (or crafted); the container adds which array.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CodecError {
    /// The compression library refused the data (its own words).
    #[error("{0}")]
    Library(String),
    /// A stored chunk without compression is not the size it decodes to.
    #[error("stored {stored} bytes, expected {expected}")]
    StoredSize { stored: usize, expected: usize },
    /// A chunk decoded to another size than its array says.
    #[error("decoded to {decoded} bytes, expected {expected}")]
    DecodedSize { decoded: usize, expected: usize },
    /// The array table lists another number of chunks than its size needs.
    #[error("{stored} chunks stored, {expected} expected")]
    ChunkCount { stored: usize, expected: usize },
    /// An error in one chunk of an array.
    #[error("chunk {chunk}: {source}")]
    InChunk {
        chunk: usize,
        source: Box<CodecError>,
    },
    /// This thread's compression context is in use or could not be made.
    #[error("zstd context: {0}")]
    Context(String),
}

fn lib(e: impl std::fmt::Display) -> CodecError {
    CodecError::Library(e.to_string())
}

/// Raw bytes per chunk (rounded down to a multiple of the item size).
pub const CHUNK_BYTES: usize = 4 << 20;

/// The zstd level of "zstd" without a level (Python `compress=True` and
/// `compress="zstd"`, CLI `--compress zstd`). Chosen by benchmark: on a
/// 200-tree forest level 2 compresses 6-7% faster than level 3 for a file
/// 0.2% larger (both 0.96x joblib compress=3's size; docs/BENCHMARKS_SCALE.md).
pub const DEFAULT_ZSTD_LEVEL: i32 = 2;

/// The zstd levels a dump may ask for (Python `compress=N`, `("zstd", N)`,
/// CLI `--compress zstd:N`). zstd's negative "fast" levels are left out: on
/// model arrays they compress less than lz4 for no speed gain.
pub const ZSTD_LEVELS: std::ops::RangeInclusive<i32> = 1..=22;

/// A compression request that names no codec skseal has, or a level outside
/// [`ZSTD_LEVELS`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecSpecError {
    #[error("unknown codec {0:?}: use none, lz4 or zstd")]
    UnknownCodec(String),
    #[error("zstd level {0} is outside {min}..{max}", min = ZSTD_LEVELS.start(), max = ZSTD_LEVELS.end())]
    Level(i32),
    #[error("level {0:?} is not an integer")]
    BadLevel(String),
    #[error("{0} takes no level")]
    NoLevel(&'static str),
}

/// A codec name as written in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    None,
    Lz4,
    Zstd(i32),
}

impl Codec {
    /// The one parser of a compression request: a codec name and an
    /// optional level (zstd only; its default is [`DEFAULT_ZSTD_LEVEL`]).
    /// Python's `compress=` and the CLI's `--compress` both end here.
    pub fn from_parts(name: &str, level: Option<i32>) -> Result<Codec, CodecSpecError> {
        match (name, level) {
            ("none", None) => Ok(Codec::None),
            ("lz4", None) => Ok(Codec::Lz4),
            ("none", Some(_)) => Err(CodecSpecError::NoLevel("none")),
            ("lz4", Some(_)) => Err(CodecSpecError::NoLevel("lz4")),
            ("zstd", None) => Ok(Codec::Zstd(DEFAULT_ZSTD_LEVEL)),
            ("zstd", Some(l)) if ZSTD_LEVELS.contains(&l) => Ok(Codec::Zstd(l)),
            ("zstd", Some(l)) => Err(CodecSpecError::Level(l)),
            (other, _) => Err(CodecSpecError::UnknownCodec(other.to_string())),
        }
    }

    /// `none`, `lz4`, `zstd` or `zstd:LEVEL` (the CLI's `--compress`).
    pub fn parse_spec(spec: &str) -> Result<Codec, CodecSpecError> {
        match spec.split_once(':') {
            Some((name, l)) => {
                let level = l
                    .trim()
                    .parse::<i32>()
                    .map_err(|_| CodecSpecError::BadLevel(l.to_string()))?;
                Codec::from_parts(name.trim(), Some(level))
            }
            None => Codec::from_parts(spec.trim(), None),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Codec::None => "none",
            Codec::Lz4 => "lz4",
            Codec::Zstd(_) => "zstd",
        }
    }
}

/// Chunk size for an array of the given item size.
pub fn chunk_size(itemsize: usize) -> usize {
    let k = itemsize.max(1);
    ((CHUNK_BYTES / k).max(1)) * k
}

/// Byte-shuffle: gather byte j of every item together.
pub fn shuffle(src: &[u8], itemsize: usize, dst: &mut [u8]) {
    let n = src.len() / itemsize;
    for (i, item) in src.chunks_exact(itemsize).enumerate() {
        for (j, b) in item.iter().enumerate() {
            dst[j * n + i] = *b;
        }
    }
    let tail = n * itemsize;
    dst[tail..].copy_from_slice(&src[tail..]);
}

/// Inverse of [`shuffle`].
pub fn unshuffle(src: &[u8], itemsize: usize, dst: &mut [u8]) {
    let n = src.len() / itemsize;
    for (i, item) in dst.chunks_exact_mut(itemsize).enumerate() {
        for (j, b) in item.iter_mut().enumerate() {
            *b = src[j * n + i];
        }
    }
    let tail = n * itemsize;
    dst[tail..].copy_from_slice(&src[tail..]);
}

/// Compress one chunk.
pub fn compress_chunk(
    raw: &[u8],
    codec: Codec,
    shuffle_item: Option<usize>,
) -> Result<Vec<u8>, CodecError> {
    let shuffled;
    let input = match shuffle_item {
        Some(k) if k > 1 => {
            let mut buf = vec![0u8; raw.len()];
            shuffle(raw, k, &mut buf);
            shuffled = buf;
            &shuffled[..]
        }
        _ => raw,
    };
    match codec {
        Codec::None => Ok(input.to_vec()),
        Codec::Lz4 => Ok(lz4_flex::block::compress(input)),
        Codec::Zstd(level) => zstd_compress(input, level),
    }
}

thread_local! {
    /// One zstd compression context per thread and level, reused: making a
    /// context costs more than compressing a few KiB (a model with hundreds
    /// of small arrays paid that once per array).
    static CCTX: std::cell::RefCell<Option<(i32, zstd::bulk::Compressor<'static>)>> =
        const { std::cell::RefCell::new(None) };
    /// One zstd decompression context per thread, reused likewise.
    static DCTX: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// Contexts of higher levels are not kept: their tables grow to tens of MiB
/// per thread for 4 MiB chunks, which a one-off strong compression should not
/// leave behind.
const MAX_CACHED_LEVEL: i32 = 5;

fn zstd_compress(input: &[u8], level: i32) -> Result<Vec<u8>, CodecError> {
    let ctx = |e: &dyn std::fmt::Display| CodecError::Context(e.to_string());
    if level > MAX_CACHED_LEVEL {
        return zstd::bulk::compress(input, level).map_err(lib);
    }
    CCTX.with(|c| {
        let mut c = c.try_borrow_mut().map_err(|e| ctx(&e))?;
        if c.as_ref().map(|(l, _)| *l) != Some(level) {
            *c = Some((
                level,
                zstd::bulk::Compressor::new(level).map_err(|e| ctx(&e))?,
            ));
        }
        match c.as_mut() {
            Some((_, z)) => z.compress(input).map_err(lib),
            None => Err(ctx(&"none")),
        }
    })
}

fn zstd_decompress(stored: &[u8], dst: &mut [u8]) -> Result<usize, CodecError> {
    with_dctx(|z| z.decompress_to_buffer(stored, dst).map_err(lib))
}

/// Run `f` with this thread's zstd decompression context (made on first use;
/// shared by array chunks, packs and the header).
pub(crate) fn with_dctx<R>(
    f: impl FnOnce(&mut zstd::bulk::Decompressor<'static>) -> Result<R, CodecError>,
) -> Result<R, CodecError> {
    let ctx = |e: &dyn std::fmt::Display| CodecError::Context(e.to_string());
    DCTX.with(|d| {
        let mut d = d.try_borrow_mut().map_err(|e| ctx(&e))?;
        if d.is_none() {
            *d = Some(zstd::bulk::Decompressor::new().map_err(|e| ctx(&e))?);
        }
        match d.as_mut() {
            Some(z) => f(z),
            None => Err(ctx(&"none")),
        }
    })
}

fn decode_raw(stored: &[u8], codec: Codec, dst: &mut [u8]) -> Result<(), CodecError> {
    let n = match codec {
        Codec::None => {
            if stored.len() != dst.len() {
                return Err(CodecError::StoredSize {
                    stored: stored.len(),
                    expected: dst.len(),
                });
            }
            dst.copy_from_slice(stored);
            stored.len()
        }
        Codec::Lz4 => lz4_flex::block::decompress_into(stored, dst).map_err(lib)?,
        Codec::Zstd(_) => zstd_decompress(stored, dst)?,
    };
    if n != dst.len() {
        return Err(CodecError::DecodedSize {
            decoded: n,
            expected: dst.len(),
        });
    }
    Ok(())
}

/// Decompress one chunk straight into `dst` (exactly `dst.len()` bytes expected).
/// With the shuffle filter, one chunk-sized scratch buffer is used.
pub fn decompress_chunk(
    stored: &[u8],
    codec: Codec,
    shuffle_item: Option<usize>,
    dst: &mut [u8],
) -> Result<(), CodecError> {
    match shuffle_item.filter(|&k| k > 1) {
        Some(k) => {
            let mut tmp = vec![0u8; dst.len()];
            decode_raw(stored, codec, &mut tmp)?;
            unshuffle(&tmp, k, dst);
            Ok(())
        }
        None => decode_raw(stored, codec, dst),
    }
}

/// Bytes of an array tried both ways to decide on the shuffle filter.
const SHUFFLE_SAMPLE: usize = 16 << 10;

/// Whether the byte-shuffle filter makes this array smaller:
/// [`SHUFFLE_SAMPLE`] bytes from the middle of the array are compressed with
/// and without it (zstd at level 1, the cheapest, whatever the level asked:
/// the trial only ranks the two layouts; a 64 KiB trial at the asked level
/// cost a forest's dump 10%). Smooth floats gain; arrays of repeated values
/// (tree leaf values, class counts) lose. Deterministic: the same bytes
/// always give the same answer.
pub fn shuffle_pays(raw: &[u8], codec: Codec, item: usize) -> bool {
    if item < 2 {
        return false;
    }
    let n = (raw.len().min(SHUFFLE_SAMPLE) / item) * item;
    if n == 0 {
        return false;
    }
    let start = ((raw.len() - n) / 2 / item) * item;
    let sample = &raw[start..start + n];
    let codec = match codec {
        Codec::Zstd(_) => Codec::Zstd(1),
        c => c,
    };
    match (
        compress_chunk(sample, codec, Some(item)),
        compress_chunk(sample, codec, None),
    ) {
        (Ok(with), Ok(without)) => with.len() < without.len(),
        _ => false,
    }
}

/// Compress a whole array in chunks, in parallel. Returns the stored chunks.
pub fn compress_array(
    raw: &[u8],
    codec: Codec,
    shuffle_item: Option<usize>,
    chunk: usize,
) -> Result<Vec<Vec<u8>>, CodecError> {
    if raw.is_empty() {
        return Ok(Vec::new());
    }
    if raw.len() <= chunk {
        // one chunk: no thread hand-off
        return Ok(vec![compress_chunk(raw, codec, shuffle_item)?]);
    }
    raw.par_chunks(chunk)
        .map(|c| compress_chunk(c, codec, shuffle_item))
        .collect()
}

/// Decompress chunks into `dst` in parallel. `chunks` are the stored slices.
pub fn decompress_array(
    chunks: &[&[u8]],
    codec: Codec,
    shuffle_item: Option<usize>,
    chunk: usize,
    dst: &mut [u8],
) -> Result<(), CodecError> {
    let expected = dst.len().div_ceil(chunk.max(1));
    if chunks.len() != expected {
        return Err(CodecError::ChunkCount {
            stored: chunks.len(),
            expected,
        });
    }
    let in_chunk = |chunk: usize| {
        move |e: CodecError| CodecError::InChunk {
            chunk,
            source: Box::new(e),
        }
    };
    if let [only] = chunks {
        return decompress_chunk(only, codec, shuffle_item, dst).map_err(in_chunk(0));
    }
    dst.par_chunks_mut(chunk.max(1))
        .zip(chunks.par_iter())
        .enumerate()
        .try_for_each(|(i, (d, s))| {
            decompress_chunk(s, codec, shuffle_item, d).map_err(in_chunk(i))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_parser_for_compression_requests() {
        assert_eq!(
            Codec::parse_spec("zstd"),
            Ok(Codec::Zstd(DEFAULT_ZSTD_LEVEL))
        );
        assert_eq!(Codec::parse_spec("zstd:22"), Ok(Codec::Zstd(22)));
        assert_eq!(Codec::parse_spec("lz4"), Ok(Codec::Lz4));
        assert_eq!(Codec::parse_spec("none"), Ok(Codec::None));
        assert_eq!(Codec::parse_spec("zstd:0"), Err(CodecSpecError::Level(0)));
        assert_eq!(Codec::parse_spec("zstd:-3"), Err(CodecSpecError::Level(-3)));
        assert_eq!(Codec::parse_spec("zstd:23"), Err(CodecSpecError::Level(23)));
        assert!(matches!(
            Codec::parse_spec("zstd:x"),
            Err(CodecSpecError::BadLevel(_))
        ));
        assert!(matches!(
            Codec::parse_spec("lz4:3"),
            Err(CodecSpecError::NoLevel("lz4"))
        ));
        assert!(matches!(
            Codec::parse_spec("gzip"),
            Err(CodecSpecError::UnknownCodec(_))
        ));
        assert_eq!(
            Codec::parse_spec("zstd:0").map_err(|e| e.to_string()),
            Err("zstd level 0 is outside 1..22".to_string())
        );
    }

    #[test]
    fn shuffle_is_chosen_only_where_it_pays() {
        let smooth: Vec<u8> = (0..50_000u32)
            .flat_map(|x| (x as f64 * 1e-3).sin().to_le_bytes())
            .collect();
        assert!(shuffle_pays(&smooth, Codec::Zstd(3), 8));
        let repeated: Vec<u8> = (0..50_000u32)
            .flat_map(|x| ((x % 3) as f64 / 3.0).to_le_bytes())
            .collect();
        assert!(!shuffle_pays(&repeated, Codec::Zstd(3), 8));
        assert!(!shuffle_pays(&smooth, Codec::Zstd(3), 1));
    }

    #[test]
    fn shuffle_roundtrip() {
        let src: Vec<u8> = (0..103u32).map(|x| (x * 7) as u8).collect();
        for k in [1, 2, 4, 8, 16] {
            let mut a = vec![0; src.len()];
            let mut b = vec![0; src.len()];
            shuffle(&src, k, &mut a);
            unshuffle(&a, k, &mut b);
            assert_eq!(b, src, "itemsize {k}");
        }
    }

    #[test]
    fn codecs_roundtrip_multi_chunk() {
        let src: Vec<u8> = (0..100_000u32)
            .flat_map(|x| (x as f64).sqrt().to_le_bytes())
            .collect();
        for codec in [Codec::None, Codec::Lz4, Codec::Zstd(3)] {
            for sh in [None, Some(8)] {
                let chunk = 64 * 1024;
                let stored = compress_array(&src, codec, sh, chunk).unwrap();
                assert_eq!(stored.len(), src.len().div_ceil(chunk));
                let refs: Vec<&[u8]> = stored.iter().map(|v| v.as_slice()).collect();
                let mut out = vec![0; src.len()];
                decompress_array(&refs, codec, sh, chunk, &mut out).unwrap();
                assert_eq!(out, src);
            }
        }
    }

    #[test]
    fn corrupt_chunk_is_an_error() {
        let src = vec![7u8; 10_000];
        let mut stored = compress_array(&src, Codec::Zstd(3), None, 4096).unwrap();
        // a truncated frame cannot decode: an error, never a short or padded output
        let half = stored[1].len() / 2;
        stored[1].truncate(half);
        let refs: Vec<&[u8]> = stored.iter().map(|v| v.as_slice()).collect();
        let mut out = vec![0; src.len()];
        assert!(matches!(
            decompress_array(&refs, Codec::Zstd(3), None, 4096, &mut out),
            Err(CodecError::InChunk { chunk: 1, source }) if matches!(*source, CodecError::Library(_))
        ));
        // a chunk that decodes to the wrong length is an error too
        let other = compress_array(&src[..100], Codec::Zstd(3), None, 4096).unwrap();
        let mut stored = compress_array(&src, Codec::Zstd(3), None, 4096).unwrap();
        stored[1] = other[0].clone();
        let refs: Vec<&[u8]> = stored.iter().map(|v| v.as_slice()).collect();
        let e = decompress_array(&refs, Codec::Zstd(3), None, 4096, &mut out).unwrap_err();
        assert!(matches!(&e, CodecError::InChunk { chunk: 1, .. }), "{e}");
        // one chunk too few
        assert_eq!(
            decompress_array(&refs[..2], Codec::Zstd(3), None, 4096, &mut out),
            Err(CodecError::ChunkCount {
                stored: 2,
                expected: 3
            })
        );
    }
}
