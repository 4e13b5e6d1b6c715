//! `skseal inspect`: a .skseal file described from its header alone, or a
//! legacy pickle/joblib file parsed without running it.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde_json::{json, Value};

use skseal_core::inspect;
use skseal_core::legacy;

use crate::files::{legacy_error, max_decompressed, read_header};
use crate::out::outln;
use crate::report::document;

/// `inspect`'s description of a .skseal file (from its header) or of a
/// legacy pickle/joblib file (parsed, never run).
pub fn describe_file(path: &Path) -> Result<Value, String> {
    let mut head = [0u8; 8];
    let n = {
        let mut f = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let mut n = 0;
        while n < head.len() {
            match f.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
            }
        }
        n
    };
    let mut d = if skseal_core::sniff::file_kind(&head[..n]).is_skseal() {
        inspect::describe(&read_header(path)?)
    } else {
        let data =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let (g, info) = legacy::parse_file(&data, max_decompressed()?)
            .map_err(|e| format!("{}: {}", path.display(), legacy_error(&data, &e)))?;
        inspect::describe_legacy(&g, &info, data.len() as u64)
    };
    if let Value::Object(m) = &mut d {
        m.insert("path".into(), json!(path.display().to_string()));
    }
    Ok(document("inspect", d))
}

pub fn human(n: u64) -> String {
    skseal_core::inspect::human_bytes(n)
}

pub fn print_text(d: &Value, summary: bool) {
    let s = |v: &Value| {
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string())
    };
    if d["format"] != "skseal" {
        return print_legacy(d, summary);
    }
    let m = &d["metadata"];
    outln!(
        "skseal format v{}  {}",
        d["format_version"],
        human(d["file_size"].as_u64().unwrap_or(0))
    );
    outln!("fingerprint  {}", s(&d["fingerprint"]));
    outln!("estimator    {}", s(&m["estimator"]["class"]));
    if let Some(methods) = m["estimator"]["methods"].as_array() {
        let ms: Vec<String> = methods.iter().map(s).collect();
        outln!("methods      {}", ms.join(", "));
    }
    for (k, label) in [
        ("n_features_in", "n_features"),
        ("feature_names_in", "features"),
        ("classes", "classes"),
    ] {
        if !m["estimator"][k].is_null() {
            outln!("{label:<12} {}", m["estimator"][k]);
        }
    }
    outln!("created      {}", s(&m["created_utc"]));
    if let Some(env) = m["environment"].as_object() {
        let parts: Vec<String> = env.iter().map(|(k, v)| format!("{k} {}", s(v))).collect();
        outln!("environment  {}", parts.join(", "));
    }
    if m["user"].as_object().is_some_and(|u| !u.is_empty()) {
        outln!("user         {}", m["user"]);
    }
    let arrays = d["arrays"].as_array().map(Vec::len).unwrap_or(0);
    outln!(
        "arrays       {arrays}, {} in memory, {} stored",
        human(d["arrays_nbytes"].as_u64().unwrap_or(0)),
        human(d["arrays_stored"].as_u64().unwrap_or(0))
    );
    if let Some(n) = d["native_layout_trees"].as_u64().filter(|&n| n > 0) {
        outln!(
            "layout       {n} trees also stored as native inference walks them (FORMAT.md §5.6)"
        );
    }
    print_globals(d);
    if !summary {
        outln!("\n{}", s(&d["outline"]).trim_end());
    }
}

fn print_globals(d: &Value) {
    let s = |v: &Value| {
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string())
    };
    if let Some(gs) = d["globals"].as_array() {
        let bad: Vec<String> = gs
            .iter()
            .filter(|g| g["verdict"] != "allowed")
            .map(|g| format!("{} ({})", s(&g["name"]), s(&g["verdict"])))
            .collect();
        outln!(
            "globals      {} names, {}",
            gs.len(),
            if bad.is_empty() {
                "all allowed by default".into()
            } else {
                format!("NOT trusted by default: {}", bad.join(", "))
            }
        );
    }
}

/// A legacy pickle or joblib file: what the VM read, without running it.
fn print_legacy(d: &Value, summary: bool) {
    let fmt = d["format"].as_str().unwrap_or("pickle");
    let comp = d["compression"]
        .as_str()
        .map(|c| format!(", {c}-compressed"))
        .unwrap_or_default();
    outln!(
        "{fmt} file{comp}  {}",
        human(d["file_size"].as_u64().unwrap_or(0))
    );
    outln!("note         not a .skseal file: no metadata, digests or signature (`skseal convert` makes one)");
    if let Some(a) = d["joblib_arrays"].as_array().filter(|a| !a.is_empty()) {
        let total: u64 = a.iter().filter_map(|x| x["bytes"].as_u64()).sum();
        outln!("arrays       {} joblib array(s), {}", a.len(), human(total));
    }
    print_globals(d);
    if !summary {
        outln!("\n{}", d["outline"].as_str().unwrap_or("").trim_end());
    }
}
