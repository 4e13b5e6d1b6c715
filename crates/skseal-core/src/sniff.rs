//! What a file is, from its first bytes: the one sniffer the Python module,
//! the CLI and the container reader share (`skseal._native.file_kind`).

use crate::container::MAGIC;
use crate::legacy::{self, FileCodec};

/// Well-known formats that are neither skseal nor pickle, with the words the
/// error uses ("the data looks {what}").
const FOREIGN: &[(&[u8], &str)] = &[
    (
        b"PK\x03\x04",
        "a zip archive (a skops file, or a zipped model)",
    ),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed"),
    (b"\x93NUMPY", "a numpy .npy file"),
];

/// The kind of a file, judged from its first bytes (8 are enough).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// No bytes at all.
    Empty,
    /// Starts with the skseal magic number.
    Skseal,
    /// `SKS` at bytes 1..4 but a different magic: a skseal file damaged in
    /// transfer (text mode changes `\r\n` and `\x1a`, a 7-bit channel the
    /// high bit).
    DamagedSkseal,
    /// A format skseal does not read, described for the message.
    Foreign(&'static str),
    /// A compressed joblib file (zlib, gzip, bz2, xz, lzma, lz4).
    Compressed(FileCodec),
    /// Anything else is read as a pickle stream (which may then refuse it).
    Pickle,
}

impl FileKind {
    /// The name Python and JSON output use.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Empty => "empty",
            FileKind::Skseal => "skseal",
            FileKind::DamagedSkseal => "damaged",
            FileKind::Foreign(_) => "foreign",
            FileKind::Compressed(_) => "compressed",
            FileKind::Pickle => "pickle",
        }
    }

    /// True for files the container reader handles (intact or damaged).
    pub fn is_skseal(self) -> bool {
        matches!(self, FileKind::Skseal | FileKind::DamagedSkseal)
    }
}

/// Judge a file from its first bytes.
pub fn file_kind(head: &[u8]) -> FileKind {
    if head.is_empty() {
        return FileKind::Empty;
    }
    if head.starts_with(&MAGIC) {
        return FileKind::Skseal;
    }
    if head.len() >= 4 && head[1..4] == *b"SKS" {
        return FileKind::DamagedSkseal;
    }
    if let Some((_, what)) = FOREIGN.iter().find(|(m, _)| head.starts_with(m)) {
        return FileKind::Foreign(what);
    }
    match legacy::sniff(head) {
        Some(c) => FileKind::Compressed(c),
        None => FileKind::Pickle,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(file_kind(b""), FileKind::Empty);
        assert_eq!(file_kind(&MAGIC), FileKind::Skseal);
        assert_eq!(file_kind(b"\x09SKS\n\x1a\n\x00"), FileKind::DamagedSkseal);
        assert!(matches!(file_kind(b"PK\x03\x04rest"), FileKind::Foreign(w) if w.contains("zip")));
        assert!(
            matches!(file_kind(b"\x93NUMPY\x01\x00"), FileKind::Foreign(w) if w.contains("npy"))
        );
        assert_eq!(
            file_kind(b"\x1f\x8b\x08\x00"),
            FileKind::Compressed(FileCodec::Gzip)
        );
        assert_eq!(file_kind(b"\x80\x05\x95"), FileKind::Pickle);
        assert_eq!(file_kind(b"GIF89a"), FileKind::Pickle);
    }
}
