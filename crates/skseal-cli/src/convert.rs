//! `skseal convert`: a legacy .pkl/.joblib file to .skseal, without running it.

use std::path::Path;

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
    native_layout: bool,
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
    let (mut g, info) = skseal_core::convert::read_checked(&data, &policy, max_decompressed()?)
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
    let source = skseal_core::metadata::Source {
        name: &name,
        data: &data,
        info: &info,
    };
    let meta = skseal_core::metadata::for_convert(&g, source, Default::default(), None)
        .map_err(|e| format!("{}: {e}", src.display()))?;
    if native_layout {
        skseal_core::convert::add_native_layout(&mut g);
    }
    pb.set_message(format!("writing {}", dst.display()));
    let h = container::write_atomic(dst, |w| skseal_core::convert::write(w, &g, &meta, comp))
        .map_err(|e| format!("{}: {e}", dst.display()))?;
    pb.finish_and_clear();
    Ok(h.fingerprint)
}

/// What `--trust` would accept the names of a refusal: profiles first, then
/// exact names; never a name that no trust setting loads.
pub fn trust_hint(u: &skseal_core::UntrustedError) -> String {
    use skseal_core::policy::profiles;
    let h = profiles::trust_hint(&u.names, &u.details);
    if h.hopeless {
        return "These names are never allowed; no trust setting loads them".into();
    }
    let mut out = Vec::new();
    if !h.entries.is_empty() {
        let flags: Vec<String> = h.entries.iter().map(|n| format!("--trust {n}")).collect();
        out.push(format!("If you trust the source, add {}", flags.join(" ")));
    }
    if h.pandas {
        out.push(profiles::PANDAS_WAY_OUT.to_string());
    }
    out.join(". ")
}
