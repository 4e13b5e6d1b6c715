//! Reading model files for the verbs: a .skseal header from the file, the
//! decompression cap, and what to say about a file that is not a model.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use skseal_core::container::{self, PREAMBLE};
use skseal_core::inspect;
use skseal_core::legacy;

pub fn read_header(path: &Path) -> Result<container::Header, String> {
    let mut f = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let len = f.metadata().map_err(|e| e.to_string())?.len();
    let mut pre = vec![0u8; PREAMBLE.min(len as usize)];
    f.read_exact(&mut pre)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (hlen, _, _) =
        container::read_preamble(&pre).map_err(|e| format!("{}: {e}", path.display()))?;
    let want = (hlen as usize).min(len.saturating_sub(PREAMBLE as u64) as usize);
    let mut rest = vec![0u8; want];
    f.read_exact(&mut rest)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    pre.extend_from_slice(&rest);
    let mut h =
        container::read_header(&pre, len).map_err(|e| format!("{}: {e}", path.display()))?;
    // The signature trailer (the last bytes of the file), for `signature`.
    if h.signed && len >= container::SIG_TRAILER {
        use std::io::{Seek, SeekFrom};
        let mut t = vec![0u8; container::SIG_TRAILER as usize];
        f.seek(SeekFrom::Start(len - container::SIG_TRAILER))
            .and_then(|_| f.read_exact(&mut t))
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        // A damaged trailer is `verify`'s to report: here it stays unread.
        h.signature = container::parse_trailer(&t).ok();
    }
    Ok(h)
}

/// Why a file that is not a .skseal file could not be read as a pickle: a
/// file that does not look like one at all is named for what it is.
pub fn legacy_error(data: &[u8], e: &skseal_core::PickleError) -> String {
    if data.is_empty() {
        return "the file is empty: not a skseal, pickle or joblib file".into();
    }
    use skseal_core::PickleError as P;
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
    if !compressed && data[0] != 0x80 && !data[0].is_ascii_graphic() {
        return starts_with();
    }
    let pickle_like = data[0] == 0x80 || compressed || !unparsable;
    if !pickle_like && looks_like_text(data) {
        return "not a skseal, pickle or joblib file (it looks like text); nothing was run".into();
    }
    if !pickle_like {
        return starts_with();
    }
    format!("pickle refused, nothing was run: {e}")
}

/// A message about "array N (...)" of a .skseal file also names the
/// array's place in the model: "array 459 at estimators_[114].tree_.nodes (...)".
pub fn name_array_place(msg: &str, file: &Path) -> String {
    let Some(at) = msg.find("array ") else {
        return msg.to_string();
    };
    let rest = &msg[at + "array ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let (Ok(i), true) = (
        digits.parse::<usize>(),
        rest[digits.len()..].starts_with(" ("),
    ) else {
        return msg.to_string();
    };
    let place = read_header(file)
        .ok()
        .and_then(|h| inspect::array_paths(&h.graph).get(i).cloned().flatten());
    match place {
        Some(p) => format!("{}array {i} at {p}{}", &msg[..at], &rest[digits.len()..]),
        None => msg.to_string(),
    }
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

/// The decompression cap: `SKSEAL_MAX_DECOMPRESSED` (parsed by skseal-core,
/// the same parser the Python module uses), else 8 GiB.
pub fn max_decompressed() -> Result<u64, String> {
    skseal_core::resources::configured_max_decompressed().map_err(|e| e.to_string())
}
