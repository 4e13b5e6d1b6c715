//! Legacy files: whole-file compression as joblib writes it (zlib, gzip, bz2,
//! lzma, xz, lz4), sniffed by magic and decompressed as a stream with an
//! output cap, so a compression bomb fails as soon as it passes the cap.

use std::io::{Read, Write};

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

/// A writer that refuses to grow past `limit` bytes.
struct Capped {
    out: Vec<u8>,
    limit: u64,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len() as u64 + buf.len() as u64 > self.limit {
            return Err(std::io::Error::other(format!(
                "decompressed data exceeds the limit of {} bytes",
                self.limit
            )));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn read_capped(mut r: impl Read, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut w = Capped {
        out: Vec::new(),
        limit,
    };
    std::io::copy(&mut r, &mut w)?;
    Ok(w.out)
}

/// Decompress a whole file; at most `limit` bytes of output are produced.
pub fn decompress(data: &[u8], codec: FileCodec, limit: u64) -> Result<Vec<u8>, PickleError> {
    let err = |why: String| PickleError::Decompress {
        codec: codec.name(),
        why,
    };
    let out = match codec {
        FileCodec::Zlib => read_capped(flate2::read::ZlibDecoder::new(data), limit),
        FileCodec::Gzip => read_capped(flate2::read::MultiGzDecoder::new(data), limit),
        FileCodec::Bz2 => read_capped(bzip2::read::MultiBzDecoder::new(data), limit),
        FileCodec::Lz4 => read_capped(lz4_flex::frame::FrameDecoder::new(data), limit),
        FileCodec::Xz | FileCodec::Lzma => {
            let mut w = Capped {
                out: Vec::new(),
                limit,
            };
            let mut input = std::io::BufReader::new(data);
            let r = if codec == FileCodec::Xz {
                lzma_rs::xz_decompress(&mut input, &mut w)
            } else {
                lzma_rs::lzma_decompress(&mut input, &mut w)
            };
            r.map(|()| w.out)
                .map_err(|e| std::io::Error::other(e.to_string()))
        }
    };
    out.map_err(|e| err(e.to_string()))
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
pub const DEFAULT_MAX_DECOMPRESSED: u64 = 8 << 30;

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
