//! Reading model files for the verbs: a .skseal header from the file, the
//! decompression cap, and what to say about a file that is not a model.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use skseal_core::container::{self, PREAMBLE};

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

/// Why a file that is not a .skseal file could not be read as a pickle:
/// skseal-core's one rule (`sniff::not_a_model`), else the VM's refusal.
pub fn legacy_error(data: &[u8], e: &skseal_core::PickleError) -> String {
    skseal_core::sniff::not_a_model(data, e)
        .unwrap_or_else(|| format!("pickle refused, nothing was run: {e}"))
}

/// The decompression cap: `SKSEAL_MAX_DECOMPRESSED` (parsed by skseal-core,
/// the same parser the Python module uses), else 8 GiB.
pub fn max_decompressed() -> Result<u64, String> {
    skseal_core::resources::configured_max_decompressed().map_err(|e| e.to_string())
}
