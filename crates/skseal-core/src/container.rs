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

mod fileio;
pub(crate) mod format;
mod read;
mod sign;
mod write;

pub(crate) use fileio::read_at;
pub use fileio::write_atomic;
pub use format::{
    blob_offset, max_decoded, ArrayEntry, Compression, Signature, ALIGN, FLAG_HEADER_ZSTD,
    FLAG_PACKS, FLAG_SIGNED, LARGE_BLOB, MAGIC, MAX_ARRAYS, MAX_HEADER, MAX_HEADER_JSON, PREAMBLE,
    SIG_MAGIC, SIG_TRAILER, VERSION,
};
pub use read::{decode_stored, read_header, read_preamble, Container, Header};
pub use sign::{parse_trailer, sign_bytes, signed_message};
pub use write::{
    fingerprint_of, write, write_file, write_seekable, PIPELINE_MIN_BYTES, STREAM_MIN_BYTES,
};
