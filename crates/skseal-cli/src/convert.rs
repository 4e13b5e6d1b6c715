//! `skseal convert`: a legacy .pkl/.joblib file to .skseal, without running it.

use std::path::Path;

use serde_json::json;

use skseal_core::codec::Codec;
use skseal_core::container::{self, Compression};
use skseal_core::policy::Policy;

use crate::files::{legacy_error, max_decompressed};
use crate::inspect::human;
use crate::progress;

fn parse_compress(s: &str) -> Result<Compression, String> {
    let codec = Codec::parse_spec(s)
        .map_err(|e| format!("--compress {s:?}: {e} (use none, lz4, zstd or zstd:LEVEL)"))?;
    Ok(Compression {
        codec,
        shuffle: codec != Codec::None,
    })
}

pub fn convert(
    src: &Path,
    dst: &Path,
    trusted: Vec<String>,
    compress: &str,
    quiet: bool,
) -> Result<String, String> {
    let comp = parse_compress(compress)?;
    let pb = progress::spinner(quiet);
    pb.set_message(format!("reading {}", src.display()));
    let data = std::fs::read(src).map_err(|e| format!("cannot read {}: {e}", src.display()))?;
    pb.set_message(format!(
        "checking {} ({}) without running it",
        src.display(),
        human(data.len() as u64)
    ));
    let policy = Policy::new(trusted);
    let (g, info) = skseal_core::convert::read_checked(&data, &policy, max_decompressed()?)
        .map_err(|e| match e {
            skseal_core::CoreError::Untrusted(u) => format!(
                "{}: refers to names that are not trusted: {} ({}); nothing was run. {}",
                src.display(),
                u.names.join(", "),
                u.details.join("; "),
                trust_hint(&u)
            ),
            skseal_core::CoreError::Pickle(e) => {
                format!("{}: {}", src.display(), legacy_error(&data, &e))
            }
            other => format!("{}: {other}", src.display()),
        })?;
    let name = src
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let meta = skseal_core::convert::metadata(&g, &info, &name, &data, json!({}));
    pb.set_message(format!("writing {}", dst.display()));
    let h = container::write_atomic(dst, |w| skseal_core::convert::write(w, &g, &meta, comp))
        .map_err(|e| format!("{}: {e}", dst.display()))?;
    pb.finish_and_clear();
    Ok(h.fingerprint)
}

/// What `--trust` would accept the names of a refusal: profiles first, then
/// exact names; never a name that no trust setting loads.
pub fn trust_hint(u: &skseal_core::UntrustedError) -> String {
    let trustable: Vec<String> = u
        .names
        .iter()
        .zip(&u.details)
        .filter(|(_, d)| !d.contains("never allowed"))
        .map(|(n, _)| n.clone())
        .collect();
    if trustable.is_empty() {
        return "These names are never allowed; no trust setting loads them".into();
    }
    use skseal_core::policy::profiles;
    let pandas = trustable.iter().any(|n| profiles::is_pandas_internal(n));
    let others: Vec<String> = trustable
        .into_iter()
        .filter(|n| !profiles::is_pandas_internal(n))
        .collect();
    let (profs, rest) = profiles::covering(&others);
    let flags: Vec<String> = profs
        .iter()
        .map(|p| p.name.to_string())
        .chain(rest)
        .map(|n| format!("--trust {n}"))
        .collect();
    let mut h = if flags.is_empty() {
        String::new()
    } else {
        format!("If you trust the source, add {}", flags.join(" "))
    };
    if pandas {
        if !h.is_empty() {
            h.push_str(". ");
        }
        h.push_str(profiles::PANDAS_WAY_OUT);
    }
    h
}
