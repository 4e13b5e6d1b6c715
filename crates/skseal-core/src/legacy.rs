//! Legacy files: whole-file compression as joblib writes it (zlib, gzip, bz2,
//! lzma, xz, lz4), sniffed by magic and decompressed as a stream with an
//! output cap, so a compression bomb fails as soon as it passes the cap.

use std::io::Write;

use crate::error::PickleError;

/// A whole-file compression format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileCodec {
    Zlib,
    Gzip,
    Bz2,
    Xz,
    Lzma,
    Lz4,
}

impl FileCodec {
    pub fn name(self) -> &'static str {
        match self {
            FileCodec::Zlib => "zlib",
            FileCodec::Gzip => "gzip",
            FileCodec::Bz2 => "bz2",
            FileCodec::Xz => "xz",
            FileCodec::Lzma => "lzma",
            FileCodec::Lz4 => "lz4",
        }
    }
}

/// Which compression, if any, `data` starts with.
pub fn sniff(data: &[u8]) -> Option<FileCodec> {
    match data {
        [0x1f, 0x8b, ..] => Some(FileCodec::Gzip),
        [b'B', b'Z', b'h', b'1'..=b'9', ..] => Some(FileCodec::Bz2),
        [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Some(FileCodec::Xz),
        [0x04, 0x22, 0x4d, 0x18, ..] => Some(FileCodec::Lz4),
        // joblib's lzma files are LZMA_ALONE streams: properties byte 0x5d.
        [0x5d, 0x00, ..] => Some(FileCodec::Lzma),
        [0x78, b, ..] if (0x78u16 * 256 + *b as u16).is_multiple_of(31) => Some(FileCodec::Zlib),
        _ => None,
    }
}

/// A writer that refuses to grow past `limit` bytes, and reports an
/// allocation failure as an error instead of aborting the process.
struct Capped {
    out: Vec<u8>,
    limit: u64,
    /// The memory figure that lowered the limit, for the message.
    available: Option<u64>,
}

impl Capped {
    fn over(&self) -> String {
        match self.available {
            Some(avail) => format!(
                "decompressed data exceeds the limit of {} bytes (a quarter of the {avail} bytes \
                 of memory this process can still use). Free memory or raise the process's \
                 memory limit to read it",
                self.limit
            ),
            None => format!(
                "decompressed data exceeds the limit of {} bytes; set {} to a larger byte \
                 count if the file is trusted to be that large",
                self.limit,
                crate::resources::MAX_DECOMPRESSED_VAR
            ),
        }
    }
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len() as u64 + buf.len() as u64 > self.limit {
            return Err(std::io::Error::other(self.over()));
        }
        self.out.try_reserve(buf.len()).map_err(|_| {
            std::io::Error::other(format!(
                "cannot allocate {} bytes for the decompressed data",
                self.out.len() + buf.len()
            ))
        })?;
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// lzma-rs 0.3's error after a complete xz stream followed by more bytes.
const XZ_MORE_DATA: &str = "Unexpected data after last XZ block";

/// lzma-rs 0.3's error for an LZMA_ALONE stream followed by more bytes.
const LZMA_MORE_DATA: &str = "more bytes are available";

/// Decode one stream of `codec` from the front of `input` into `w`,
/// advancing `input` past exactly the bytes the stream used.
fn one_stream(codec: FileCodec, input: &mut &[u8], w: &mut Capped) -> std::io::Result<()> {
    match codec {
        FileCodec::Zlib => {
            let mut d = flate2::bufread::ZlibDecoder::new(&mut *input);
            std::io::copy(&mut d, w).map(|_| ())
        }
        FileCodec::Gzip => {
            let mut d = flate2::bufread::GzDecoder::new(&mut *input);
            std::io::copy(&mut d, w).map(|_| ())
        }
        FileCodec::Bz2 => {
            let mut d = bzip2::bufread::BzDecoder::new(&mut *input);
            std::io::copy(&mut d, w).map(|_| ())
        }
        FileCodec::Lz4 => {
            let mut d = lz4_flex::frame::FrameDecoder::new(&mut *input);
            std::io::copy(&mut d, w).map(|_| ())
        }
        FileCodec::Xz => match lzma_rs::xz_decompress(input, w) {
            Ok(()) => Ok(()),
            // lzma-rs reads one stream completely (footer checked), then
            // refuses what follows; `input` then starts at the next stream.
            Err(lzma_rs::error::Error::XzError(m)) if m == XZ_MORE_DATA => Ok(()),
            Err(e) => Err(std::io::Error::other(e.to_string())),
        },
        FileCodec::Lzma => {
            lzma_rs::lzma_decompress(input, w).map_err(|e| std::io::Error::other(e.to_string()))
        }
    }
}

/// Decompress a whole file exactly as joblib reads it; at most `cap` bytes
/// of output (lowered to a quarter of the memory available) are produced.
///
/// - zlib and gzip: joblib's `BinaryZlibFile` reads ONE stream (one gzip
///   member) and never finishes a file with bytes after it (it feeds them to
///   the ended decompressor forever), so such bytes are refused.
/// - bz2, xz, lzma: Python's `BZ2File`/`LZMAFile` read every stream of a
///   multi-stream file (for xz and lzma, each later stream may be either
///   format); skseal reads bz2 and xz streams the same way, and an
///   LZMA_ALONE stream only as the last stream (data after one is refused:
///   the decoder cannot tell where such a stream ends). Python ignores
///   trailing bytes that fail to start a stream; skseal refuses them.
/// - lz4: the frame decoder reads concatenated frames.
pub fn decompress(data: &[u8], codec: FileCodec, cap: u64) -> Result<Vec<u8>, PickleError> {
    let err = |why: String| PickleError::Decompress {
        codec: codec.name(),
        why,
    };
    let (limit, available) = crate::resources::decompress_limit(cap);
    let mut w = Capped {
        out: Vec::new(),
        limit,
        available,
    };
    let mut input: &[u8] = data;
    let mut streams = 0usize;
    loop {
        let this = match (codec, streams) {
            (_, 0) => codec,
            (FileCodec::Xz | FileCodec::Lzma, _) if sniff(input) == Some(FileCodec::Xz) => {
                FileCodec::Xz
            }
            (FileCodec::Xz | FileCodec::Lzma, _) => FileCodec::Lzma,
            _ => codec,
        };
        let before = input.len();
        one_stream(this, &mut input, &mut w).map_err(|e| {
            let at = data.len() - before;
            if this == FileCodec::Lzma && e.to_string().contains(LZMA_MORE_DATA) {
                err(format!(
                    "data follows the lzma (LZMA_ALONE) stream that starts at byte {at}: \
                     Python's LZMAFile would read it as a further stream, but skseal reads an \
                     LZMA_ALONE stream only as the last one of a file, so the file is refused. \
                     Re-compress it as one stream"
                ))
            } else if streams == 0 {
                err(e.to_string())
            } else {
                err(format!(
                    "{} byte(s) after stream {streams} (at byte {at}) are not a complete {} \
                     stream ({e}); Python would skip or fail on them, skseal refuses the file",
                    before,
                    this.name()
                ))
            }
        })?;
        streams += 1;
        if input.is_empty() {
            break;
        }
        if input.len() == before {
            return Err(err("the decoder made no progress".to_string()));
        }
        let at = data.len() - input.len();
        if this == FileCodec::Lzma {
            return Err(err(format!(
                "data follows an lzma (LZMA_ALONE) stream at byte {at}: Python's LZMAFile \
                 would read it as a further stream, but skseal reads an LZMA_ALONE stream only \
                 as the last one of a file, so the file is refused. Re-compress it as one stream"
            )));
        }
        match codec {
            FileCodec::Zlib | FileCodec::Gzip => {
                return Err(err(format!(
                    "{} byte(s) after the end of the {} stream at byte {at}: joblib never \
                     finishes reading such a file (and gzip tools would read them as another \
                     member), so the file is refused",
                    input.len(),
                    codec.name()
                )))
            }
            FileCodec::Lz4 => {
                return Err(err(format!(
                    "{} byte(s) after the lz4 frames at byte {at} are refused",
                    input.len()
                )))
            }
            FileCodec::Bz2 | FileCodec::Xz | FileCodec::Lzma => {}
        }
    }
    Ok(w.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_and_roundtrip_zlib_gzip_lz4() {
        let payload: Vec<u8> = b"\x80\x04N.".repeat(1000);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&payload).expect("write");
        let z = z.finish().expect("finish");
        assert_eq!(sniff(&z), Some(FileCodec::Zlib));
        assert_eq!(
            decompress(&z, FileCodec::Zlib, 1 << 20).expect("zlib"),
            payload
        );
        let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        g.write_all(&payload).expect("write");
        let g = g.finish().expect("finish");
        assert_eq!(sniff(&g), Some(FileCodec::Gzip));
        assert_eq!(
            decompress(&g, FileCodec::Gzip, 1 << 20).expect("gzip"),
            payload
        );
        let mut l = lz4_flex::frame::FrameEncoder::new(Vec::new());
        l.write_all(&payload).expect("write");
        let l = l.finish().expect("finish");
        assert_eq!(sniff(&l), Some(FileCodec::Lz4));
        assert_eq!(
            decompress(&l, FileCodec::Lz4, 1 << 20).expect("lz4"),
            payload
        );
        assert_eq!(sniff(b"\x80\x04N."), None);
    }

    #[test]
    fn a_compression_bomb_stops_at_the_cap() {
        let zeros = vec![0u8; 50 << 20];
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&zeros).expect("write");
        let z = z.finish().expect("finish");
        assert!(z.len() < 200_000, "bomb is small: {}", z.len());
        match decompress(&z, FileCodec::Zlib, 1 << 20) {
            Err(PickleError::Decompress { why, .. }) => assert!(why.contains("limit"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}

/// Default cap on the decompressed size of a legacy file.
pub const DEFAULT_MAX_DECOMPRESSED: u64 = crate::resources::DEFAULT_MAX_DECOMPRESSED;

/// What reading a legacy file found besides the graph.
#[derive(Debug, Clone, Default)]
pub struct LegacyInfo {
    /// Whole-file compression, if any.
    pub codec: Option<FileCodec>,
    /// (offset, length) of joblib arrays stepped over, in the decompressed stream.
    pub joblib_arrays: Vec<(usize, usize)>,
    /// (node, byte offset in the decompressed stream) of every named global.
    pub global_offsets: Vec<(crate::ir::NodeId, usize)>,
}

/// Read a pickle or joblib file (optionally compressed) into a graph with
/// the same VM used everywhere else. Nothing is executed.
pub fn parse_file(
    data: &[u8],
    max_decompressed: u64,
) -> Result<(crate::ir::Graph, LegacyInfo), PickleError> {
    let codec = sniff(data);
    let owned;
    let stream = match codec {
        Some(c) => {
            owned = decompress(data, c, max_decompressed)?;
            &owned[..]
        }
        None => data,
    };
    let opts = crate::vm::VmOptions {
        strict_end: true,
        ..Default::default()
    };
    let (g, report) = crate::vm::parse_report(stream, &opts)?;
    Ok((
        g,
        LegacyInfo {
            codec,
            joblib_arrays: report.joblib_arrays,
            global_offsets: report.global_offsets,
        },
    ))
}
