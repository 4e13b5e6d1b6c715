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

/// What to say about a file that failed to parse as a pickle and does not
/// look like one at all: empty, text, or bytes no pickle starts with (the
/// CLI, and Python's `load` and `inspect`, say the same). `None` when it
/// looks like a pickle (protocol 2+, compressed, or parsed past its first
/// opcodes): then the VM's own error says why it was refused.
pub fn not_a_model(data: &[u8], e: &crate::PickleError) -> Option<String> {
    use crate::PickleError as P;
    let Some(&first) = data.first() else {
        return Some("the file is empty: not a skseal, pickle or joblib file".into());
    };
    // A protocol 0/1 pickle is text too: only a stream the VM could not make
    // sense of is called "not a pickle"; refusals say why.
    let unparsable = matches!(
        e,
        P::Malformed { .. } | P::UnknownOpcode { .. } | P::Truncated { .. } | P::NoStop
    );
    let compressed = legacy::sniff(data).is_some();
    // protocol 2+ starts with PROTO (0x80); protocols 0 and 1 with an ASCII opcode
    let starts_with = || {
        format!(
            "not a skseal, pickle or joblib file (it starts with bytes {}); nothing was run",
            data.iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        )
    };
    if !compressed && first != 0x80 && !first.is_ascii_graphic() {
        return Some(starts_with());
    }
    if first == 0x80 || compressed || !unparsable {
        return None;
    }
    if looks_like_text(data) {
        // protocols 0 and 1 are text too: a stream whose first opcodes were
        // read is a broken pickle, and the VM's error says where it broke
        let at_start = match e {
            P::Malformed { offset, .. }
            | P::UnknownOpcode { offset, .. }
            | P::Truncated { offset, .. } => *offset == 0,
            _ => true,
        };
        if !at_start {
            return None;
        }
        return Some(
            "not a skseal, pickle or joblib file (it looks like text); nothing was run".into(),
        );
    }
    Some(starts_with())
}

/// Mostly printable UTF-8 in its first KiB.
fn looks_like_text(data: &[u8]) -> bool {
    let head = &data[..data.len().min(1024)];
    let s = match std::str::from_utf8(head) {
        Ok(s) => s,
        // a multi-byte character cut at the end of the window
        Err(e) if e.valid_up_to() + 4 >= head.len() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or("")
        }
        Err(_) => return false,
    };
    !s.is_empty()
        && s.chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
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

    #[test]
    fn a_broken_text_pickle_is_a_pickle_and_text_is_not() {
        let why = |data: &[u8]| {
            let e = crate::vm::parse(data, &crate::vm::VmOptions::default()).expect_err("refused");
            not_a_model(data, &e)
        };
        // protocol 1, broken after GLOBAL and MARK: the VM's error is the answer
        assert_eq!(why(b"cbuiltins\nexec\n(X>\n f = open('f', 'a')tRX."), None);
        let text = why(b"hello world\n").unwrap_or_default();
        assert!(text.contains("looks like text"), "{text}");
        let gif = why(b"GIF89a\x01\x00\x01\x00\x80\x00\x00").unwrap_or_default();
        assert!(gif.contains("starts with bytes 474946"), "{gif}");
    }
}
