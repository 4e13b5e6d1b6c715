//! `skseal scan`: the globals of pickle, joblib and skseal files (or of
//! directories, recursively), judged by the policy without running anything.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{json, Value};

use skseal_core::container;
use skseal_core::ir::Node;
use skseal_core::legacy;
use skseal_core::policy::{self, Policy, Verdict};

use crate::files::{legacy_error, max_decompressed};
use crate::out::outln;
use crate::progress;
use crate::report::{document, print_json};

/// Extensions scanned when walking a directory.
const MODEL_EXTENSIONS: &[&str] = &[
    "pkl", "pickle", "joblib", "jbl", "skseal", "sav", "p", "pck", "pcl",
];

fn collect(paths: &[PathBuf], out: &mut Vec<PathBuf>) {
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = match std::fs::read_dir(p) {
                Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
                Err(_) => {
                    out.push(p.clone());
                    continue;
                }
            };
            entries.sort();
            let (dirs, files): (Vec<PathBuf>, Vec<PathBuf>) =
                entries.into_iter().partition(|e| e.is_dir());
            for f in files {
                let ext = f
                    .extension()
                    .and_then(|e| e.to_str())
                    .unwrap_or("")
                    .to_ascii_lowercase();
                if MODEL_EXTENSIONS.contains(&ext.as_str()) {
                    out.push(f);
                }
            }
            collect(&dirs, out);
        } else {
            out.push(p.clone());
        }
    }
}

/// Scan one file: Ok(report) or Err(message) when unreadable.
fn scan_file(path: &Path, policy: &Policy) -> Result<Value, String> {
    let data =
        std::fs::read(path).map_err(|e| crate::report::plain(&format!("cannot read: {e}")))?;
    let (graph, format, compression, arrays, offsets) =
        if skseal_core::sniff::file_kind(&data).is_skseal() {
            let h = container::read_header(&data, data.len() as u64).map_err(|e| e.to_string())?;
            (h.graph, "skseal", None, Vec::new(), Vec::new())
        } else {
            let parsed = legacy::parse_file(&data, max_decompressed()?);
            let (g, info) = match parsed {
                Ok(v) => v,
                Err(e) => return scan_refused(path, &data, policy, e),
            };
            let fmt = if info.joblib_arrays.is_empty() {
                "pickle"
            } else {
                "joblib"
            };
            (
                g,
                fmt,
                info.codec.map(|c| c.name()),
                info.joblib_arrays,
                info.global_offsets,
            )
        };
    let mut first_offset: std::collections::HashMap<String, usize> = Default::default();
    for (id, off) in &offsets {
        let name = match graph.node(*id) {
            Some(Node::Global(g)) => g.dotted(),
            Some(Node::Object { class, .. }) => class.dotted(),
            Some(Node::Call { func, .. }) => func.dotted(),
            _ => continue,
        };
        first_offset.entry(name).or_insert(*off);
    }
    let globals: Vec<Value> = policy::survey(&graph, policy)
        .into_iter()
        .map(|(name, uses, verdict)| {
            let dotted = name.dotted();
            json!({
                "name": dotted,
                "roles": uses.iter().map(|u| u.as_str()).collect::<Vec<_>>(),
                "verdict": verdict.as_str(),
                "offset": first_offset.get(&dotted),
            })
        })
        .collect();
    let flagged = globals
        .iter()
        .any(|g| g["verdict"] == "unknown" || g["verdict"] == "dangerous");
    Ok(json!({
        "path": path.display().to_string(),
        "format": format,
        "compression": compression,
        "status": if flagged { "flagged" } else { "clean" },
        "globals": globals,
        "joblib_arrays": arrays.iter().map(|(o, l)| json!({"offset": o, "bytes": l})).collect::<Vec<_>>(),
    }))
}

/// A stream the VM refused or could not finish: report the globals it named
/// before stopping. A refusal of a code-execution pattern, or any untrusted
/// name, flags the file; otherwise it is unreadable.
fn scan_refused(
    path: &Path,
    data: &[u8],
    policy: &Policy,
    err: skseal_core::PickleError,
) -> Result<Value, String> {
    let stream = match legacy::sniff(data) {
        Some(c) => legacy::decompress(data, c, max_decompressed()?).map_err(|e| e.to_string())?,
        None => data.to_vec(),
    };
    let opts = skseal_core::vm::VmOptions {
        strict_end: true,
        ..Default::default()
    };
    let (mut names, _) = skseal_core::vm::scan_globals(&stream, &opts);
    // Data after STOP: loaders that read several pickles from one file would
    // run the next one, so scan every stream that follows.
    let mut tail = match &err {
        skseal_core::PickleError::TrailingData { offset, .. } => Some(*offset),
        _ => None,
    };
    while let Some(start) = tail.take() {
        let (more, e) = skseal_core::vm::scan_globals(&stream[start..], &opts);
        names.extend(more.into_iter().map(|(g, off)| (g, off + start)));
        if let Some(skseal_core::PickleError::TrailingData { offset, .. }) = e {
            if offset > 0 && names.len() < 100_000 {
                tail = Some(start + offset);
            }
        }
    }
    let mut seen = std::collections::BTreeMap::new();
    for (g, off) in names {
        seen.entry(g.dotted())
            .or_insert((policy.judge_name(&g), off));
    }
    let refused = matches!(
        err,
        skseal_core::PickleError::Refused { .. } | skseal_core::PickleError::TrailingData { .. }
    );
    let bad = seen
        .values()
        .any(|(v, _)| matches!(v, Verdict::Unknown | Verdict::Dangerous));
    if !refused && !bad {
        return Err(legacy_error(data, &err));
    }
    Ok(json!({
        "path": path.display().to_string(),
        "format": "pickle",
        "compression": legacy::sniff(data).map(|c| c.name()),
        "status": "flagged",
        "refused": err.to_string(),
        "globals": seen.iter().map(|(n, (v, off))| json!({"name": n, "roles": [], "verdict": v.as_str(), "offset": off})).collect::<Vec<_>>(),
        "joblib_arrays": [],
    }))
}

pub fn scan(paths: &[PathBuf], as_json: bool, trusted: Vec<String>, quiet: bool) -> ExitCode {
    let policy = Policy::new(trusted);
    let mut files = Vec::new();
    collect(paths, &mut files);
    let mut worst = 0u8;
    let mut reports = Vec::new();
    let pb = progress::bar(files.len() as u64, quiet || files.len() < 2, "scan");
    for f in &files {
        pb.set_message(f.display().to_string());
        let scanned = scan_file(f, &policy);
        pb.inc(1);
        // lines are printed with the bar out of the way
        pb.suspend(|| match scanned {
            Ok(r) => {
                if r["status"] == "flagged" {
                    worst = worst.max(1);
                }
                if !as_json {
                    outln!(
                        "{}: {} ({}{})",
                        f.display(),
                        r["status"].as_str().unwrap_or(""),
                        r["format"].as_str().unwrap_or(""),
                        r["compression"]
                            .as_str()
                            .map(|c| format!(", {c}"))
                            .unwrap_or_default()
                    );
                    for g in r["globals"].as_array().into_iter().flatten() {
                        let off = g["offset"]
                            .as_u64()
                            .map(|o| format!(" @ byte {o}"))
                            .unwrap_or_default();
                        let roles: Vec<&str> = g["roles"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .collect();
                        outln!(
                            "  {:<9} {} [{}]{off}",
                            g["verdict"].as_str().unwrap_or(""),
                            g["name"].as_str().unwrap_or(""),
                            roles.join(",")
                        );
                    }
                    if let Some(why) = r["refused"].as_str() {
                        outln!("  refused   {why}");
                    }
                    if let Some(a) = r["joblib_arrays"].as_array().filter(|a| !a.is_empty()) {
                        let total: u64 = a.iter().filter_map(|x| x["bytes"].as_u64()).sum();
                        outln!("  stepped over {} joblib array(s), {total} bytes", a.len());
                    }
                }
                reports.push(r);
            }
            Err(e) => {
                worst = 2;
                if !as_json {
                    outln!("{}: unreadable: {e}", f.display());
                }
                reports.push(
                    json!({"path": f.display().to_string(), "status": "unreadable", "error": e}),
                );
            }
        });
    }
    pb.finish_and_clear();
    if as_json {
        print_json(&document("scan", json!({"files": reports})));
    }
    if files.is_empty() {
        eprintln!("skseal: no model files found");
        return ExitCode::from(2);
    }
    ExitCode::from(worst)
}
