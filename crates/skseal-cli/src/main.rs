//! `skseal`: inspect, scan, convert, sign, verify and serve skseal files without Python.

// Standard output goes through `out::line` (a closed pipe ends quietly).
#![deny(clippy::print_stdout)]

mod card;
mod out;
mod predict;
mod progress;
mod store;

use out::outln;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_json::{json, Value};

use skseal_core::codec::Codec;
use skseal_core::container::{self, Compression, PREAMBLE};
use skseal_core::inspect;
use skseal_core::ir::Node;
use skseal_core::keys;
use skseal_core::legacy;
use skseal_core::policy::{self, Policy};

#[derive(Parser)]
#[command(
    name = "skseal",
    version,
    about = "Safe persistence for scikit-learn models"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Scan pickle, joblib and skseal files (or directories, recursively) for
    /// globals that would run code. Exit 0: all clean; 1: an unknown or
    /// dangerous global; 2: unreadable input.
    Scan {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
        /// Names (module.qualname) to treat as trusted.
        #[arg(long = "trust")]
        trusted: Vec<String>,
        /// No progress bar (it is drawn on a terminal only).
        #[arg(long, short)]
        quiet: bool,
    },
    /// Make an Ed25519 key pair: KEY (private, mode 0600) and KEY.pub.
    Keygen { key: PathBuf },
    /// Sign a .skseal file in place (atomically) with a private key.
    Sign {
        file: PathBuf,
        #[arg(long)]
        key: PathBuf,
    },
    /// Check every digest, the padding and, with --key (or an embedded
    /// signature), the signature. Exit 0: intact; 1: damaged; 2: unreadable.
    Verify {
        file: PathBuf,
        /// Public key (KEY.pub) the file must be signed by.
        #[arg(long)]
        key: Option<PathBuf>,
        /// Machine-readable output (docs/CLI.md: the schema).
        #[arg(long)]
        json: bool,
    },
    /// Convert a legacy .pkl/.joblib file to .skseal without executing it.
    Convert {
        src: PathBuf,
        dst: PathBuf,
        /// Names (module.qualname) to trust beyond the default allow-list.
        #[arg(long = "trust")]
        trusted: Vec<String>,
        /// none, lz4, zstd or zstd:LEVEL.
        #[arg(long, default_value = "none")]
        compress: String,
        /// No progress display (it is drawn on a terminal only).
        #[arg(long, short)]
        quiet: bool,
    },
    /// Serve models over HTTP with native inference (Open Inference Protocol
    /// v2, MLflow's /invocations, Prometheus /metrics); no Python. Reloads a
    /// model when its file is replaced; SIGTERM/SIGINT drain and stop.
    Serve {
        /// .skseal files, folders of them, or NAME=PATH (name: the file
        /// stem); with --store, NAME@ALIAS, NAME@N or NAME from the store
        /// (alias moves are followed).
        #[arg(required = true)]
        models: Vec<String>,
        /// Model store for NAME@ALIAS references (default $SKSEAL_STORE).
        #[arg(long)]
        store: Option<String>,
        /// Pin the store policy's admin key (KEY.pub; default $SKSEAL_STORE_ADMIN_KEY).
        #[arg(long)]
        admin_key: Option<PathBuf>,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Port (0: any free port; the chosen one is logged).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Refuse any model not signed by this public key (KEY.pub), at start and reload.
        #[arg(long)]
        require_key: Option<PathBuf>,
        /// Names (module.qualname) to trust beyond the default allow-list.
        #[arg(long = "trust")]
        trusted: Vec<String>,
        /// Largest request body in bytes (413 beyond).
        #[arg(long, default_value_t = 64 << 20)]
        max_body_bytes: usize,
        /// Most rows in one request (413 beyond).
        #[arg(long, default_value_t = 1_000_000)]
        max_rows: usize,
        /// Longest a request may compute, in milliseconds (504 beyond).
        #[arg(long, default_value_t = 30_000)]
        timeout_ms: u64,
        /// How often model files are checked for replacement, in milliseconds.
        #[arg(long, default_value_t = 1_000)]
        reload_ms: u64,
    },
    /// Compute a model's predictions on CSV or JSON-lines input (native
    /// inference, bit-identical to scikit-learn; no Python).
    Predict {
        /// A .skseal, .pkl or .joblib model file.
        model: PathBuf,
        /// Input rows: CSV with a header, or JSON lines ("-" for stdin).
        #[arg(long)]
        input: PathBuf,
        /// The CSV input has no header row: columns are taken by position
        /// (a header made only of numbers is refused without this flag).
        #[arg(long)]
        no_header: bool,
        /// CSV field separator, of the input and of CSV output (one character,
        /// or "tab"; default: ',' or tab for a .tsv file).
        #[arg(long)]
        delimiter: Option<String>,
        /// Pass this input column through to the output (an id), without
        /// giving it to the model; repeatable. A column number from 0 when
        /// the input has no column names.
        #[arg(long = "keep", value_name = "COLUMN")]
        keep: Vec<String>,
        /// predict, predict_proba, predict_log_proba, decision_function,
        /// transform or score_samples.
        #[arg(long, default_value = "predict")]
        method: String,
        /// Output file (default: stdout), written atomically.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Input format: csv or jsonl (default: from the file name, else
        /// from its first character: '{' or '[' is JSON lines).
        #[arg(long, visible_alias = "format")]
        input_format: Option<String>,
        /// Output format: csv or jsonl (default: from --output's name, else the input's).
        #[arg(long)]
        output_format: Option<String>,
        /// Names (module.qualname) to trust beyond the default allow-list.
        #[arg(long = "trust")]
        trusted: Vec<String>,
        /// Require a signature by this public key (KEY.pub).
        #[arg(long)]
        key: Option<PathBuf>,
        /// Say on stderr whether the results are bit-identical to
        /// scikit-learn's on this machine or within a bound (docs/NATIVE.md).
        #[arg(long)]
        explain: bool,
    },
    /// The model store: versions, aliases with history, a signed policy, on
    /// a folder or S3 (docs/STORE.md).
    Store(store::StoreArgs),
    /// Make a model card: a self-contained HTML page (plots as inline SVG)
    /// and, with --markdown, a Markdown card with Hugging Face Hub metadata.
    /// With --data and --target, evaluates the model natively (docs/CARD.md).
    Card(card::Args),
    /// Describe a .skseal file from its header alone (no array data is
    /// read), or a legacy .pkl/.joblib file without running it.
    Inspect {
        file: PathBuf,
        /// Print the full description as JSON (docs/CLI.md: the schema).
        #[arg(long)]
        json: bool,
        /// Only the header block (no outline of the object).
        #[arg(long)]
        summary: bool,
    },
    /// Print a shell completion script: `skseal completions bash >
    /// ~/.local/share/bash-completion/completions/skseal` (zsh: a file
    /// `_skseal` on $fpath; fish: ~/.config/fish/completions/skseal.fish).
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

fn read_header(path: &Path) -> Result<container::Header, String> {
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
    container::read_header(&pre, len).map_err(|e| format!("{}: {e}", path.display()))
}

/// The version of the JSON documents `inspect`, `scan` and `verify` print
/// with `--json` (docs/CLI.md); raised when a field changes meaning or goes.
const SCHEMA_VERSION: u32 = 1;

/// A `--json` document: the schema version and the command, then `body`'s fields.
fn document(command: &str, body: Value) -> Value {
    let mut m = match body {
        Value::Object(m) => m,
        other => {
            let mut m = serde_json::Map::new();
            m.insert("value".into(), other);
            m
        }
    };
    m.insert("schema_version".into(), json!(SCHEMA_VERSION));
    m.insert("command".into(), json!(command));
    Value::Object(m)
}

fn print_json(d: &Value) {
    outln!("{}", serde_json::to_string_pretty(d).unwrap_or_default());
}

/// Report a failure and return exit code 2: on stderr, or as a JSON document
/// on stdout with `--json` (so a script reading stdout always gets JSON).
fn fail(command: &str, as_json: bool, path: &Path, message: &str) -> ExitCode {
    if as_json {
        print_json(&document(
            command,
            json!({
                "path": path.display().to_string(),
                "status": "error",
                "error": message,
            }),
        ));
    } else {
        eprintln!("skseal: error: {message}");
    }
    ExitCode::from(2)
}

/// `inspect`'s description of a .skseal file (from its header) or of a
/// legacy pickle/joblib file (parsed, never run).
fn describe_file(path: &Path) -> Result<Value, String> {
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
    let mut d = if head[..n].starts_with(&container::MAGIC) {
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

/// Why a file that is not a .skseal file could not be read as a pickle: a
/// file that does not look like one at all is named for what it is.
fn legacy_error(data: &[u8], e: &skseal_core::PickleError) -> String {
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
    if !compressed && data[0] != 0x80 && !data[0].is_ascii_graphic() {
        return format!(
            "not a skseal, pickle or joblib file (it starts with bytes {}); nothing was run",
            data.iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
    }
    let pickle_like = data[0] == 0x80 || compressed || !unparsable;
    if !pickle_like && looks_like_text(data) {
        return "not a skseal, pickle or joblib file (it looks like text); nothing was run".into();
    }
    if !pickle_like {
        return format!(
            "not a skseal, pickle or joblib file (it starts with bytes {}); nothing was run",
            data.iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
    }
    format!("pickle refused, nothing was run: {e}")
}

/// A message about "array N (...)" of a .skseal file also names the
/// array's place in the model: "array 459 at estimators_[114].tree_.nodes (...)".
fn name_array_place(msg: &str, file: &Path) -> String {
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

fn human(n: u64) -> String {
    skseal_core::inspect::human_bytes(n)
}

fn print_text(d: &Value, summary: bool) {
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

/// The decompression cap: `SKSEAL_MAX_DECOMPRESSED` (parsed by skseal-core,
/// the same parser the Python module uses), else 8 GiB.
fn max_decompressed() -> Result<u64, String> {
    skseal_core::resources::configured_max_decompressed().map_err(|e| e.to_string())
}

/// Scan one file: Ok(report) or Err(message) when unreadable.
fn scan_file(path: &Path, policy: &Policy) -> Result<Value, String> {
    let data = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let (graph, format, compression, arrays, offsets) = if data.starts_with(&container::MAGIC) {
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
        let verdict = if policy::is_dangerous(&g) {
            "dangerous"
        } else if policy::default_roles(&g).is_empty() && !policy.trusts(&g) {
            "unknown"
        } else {
            "allowed"
        };
        seen.entry(g.dotted()).or_insert((verdict, off));
    }
    let refused = matches!(
        err,
        skseal_core::PickleError::Refused { .. } | skseal_core::PickleError::TrailingData { .. }
    );
    let bad = seen.values().any(|(v, _)| *v != "allowed");
    if !refused && !bad {
        return Err(legacy_error(data, &err));
    }
    Ok(json!({
        "path": path.display().to_string(),
        "format": "pickle",
        "compression": legacy::sniff(data).map(|c| c.name()),
        "status": "flagged",
        "refused": err.to_string(),
        "globals": seen.iter().map(|(n, (v, off))| json!({"name": n, "roles": [], "verdict": v, "offset": off})).collect::<Vec<_>>(),
        "joblib_arrays": [],
    }))
}

fn scan(paths: &[PathBuf], as_json: bool, trusted: Vec<String>, quiet: bool) -> ExitCode {
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

fn parse_compress(s: &str) -> Result<Compression, String> {
    let (name, level) = match s.split_once(':') {
        Some((n, l)) => (n, l.parse::<i32>().map_err(|_| format!("bad level {l:?}"))?),
        None => (s, skseal_core::codec::DEFAULT_ZSTD_LEVEL),
    };
    let codec = match name {
        "none" => Codec::None,
        "lz4" => Codec::Lz4,
        "zstd" if (1..=22).contains(&level) => Codec::Zstd(level),
        _ => {
            return Err(format!(
                "--compress {s:?}: use none, lz4, zstd or zstd:1..22"
            ))
        }
    };
    Ok(Compression {
        codec,
        shuffle: codec != Codec::None,
    })
}

fn convert(
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
    let (g, info) = skseal_core::convert::read_checked(&data, &policy, max_decompressed()?).map_err(|e| match e {
        skseal_core::CoreError::Untrusted(u) => format!(
            "{}: refers to names that are not trusted: {} ({}); nothing was run. If you trust the source, add --trust NAME for each",
            src.display(),
            u.names.join(", "),
            u.details.join("; ")
        ),
        skseal_core::CoreError::Pickle(e) => format!("{}: {}", src.display(), legacy_error(&data, &e)),
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

/// A key file for `kind`; a legacy file (no kind) is read with a note on stderr.
fn read_key_as(path: &Path, kind: keys::KeyKind) -> Result<[u8; 32], String> {
    let data =
        std::fs::read(path).map_err(|e| format!("cannot read key {}: {e}", path.display()))?;
    let name = path.display().to_string();
    let (k, note) = match kind {
        keys::KeyKind::Secret => keys::secret(&data, &name),
        keys::KeyKind::Public => keys::public(&data, &name),
    }
    .map_err(|e| e.to_string())?;
    if let Some(n) = note {
        eprintln!("note: {n}");
    }
    Ok(k)
}

/// A public key file (KEY.pub).
fn read_key(path: &Path) -> Result<[u8; 32], String> {
    read_key_as(path, keys::KeyKind::Public)
}

fn keygen(path: &Path) -> Result<(), String> {
    let id = keys::write_pair(path).map_err(|e| e.to_string())?;
    outln!(
        "private key: {} (keep it secret)\npublic key:  {}.pub\nkey ID:      {id}",
        path.display(),
        path.display()
    );
    Ok(())
}

fn sign(file: &Path, key: &Path) -> Result<(), String> {
    let seed = read_key_as(key, keys::KeyKind::Secret)?;
    let data = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let signed = container::sign_bytes(&data, &keys::signing_key(&seed))
        .map_err(|e| format!("{}: {e}", file.display()))?;
    container::write_atomic(file, |w| {
        use std::io::Write as _;
        w.write_all(&signed)?;
        container::Container::parse(&signed)
            .map(|c| c.header)
            .map_err(std::io::Error::other)
    })
    .map_err(|e: std::io::Error| format!("{}: {e}", file.display()))?;
    outln!(
        "signed {} with key ID {}",
        file.display(),
        keys::key_id(&keys::public_of(&seed))
    );
    Ok(())
}

/// Ok(true) when intact, Ok(false) when something is wrong (reported), Err when unreadable.
fn verify(file: &Path, key: Option<&Path>, as_json: bool) -> Result<bool, String> {
    let want = key.map(read_key).transpose()?;
    let data = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let c = container::Container::parse(&data).map_err(|e| format!("{}: {e}", file.display()))?;
    let say = |line: String| {
        if !as_json {
            outln!("{line}");
        }
    };
    say(format!(
        "{}: header digest and content fingerprint OK",
        file.display()
    ));
    let paths = inspect::array_paths(&c.header.graph);
    let place = |i: usize| {
        paths
            .get(i)
            .cloned()
            .flatten()
            .unwrap_or_else(|| format!("array {i}"))
    };
    // One report per damaged region: an array stored on its own, or a pack
    // (one compressed frame of many small arrays, all lost together).
    let mut damage: Vec<(String, Vec<usize>, String)> = Vec::new();
    let mut region_of_pack: std::collections::HashMap<u32, usize> = Default::default();
    for (i, a) in c.header.arrays.iter().enumerate() {
        let r = if a.codec == Codec::None {
            c.verify_raw(i)
        } else {
            match usize::try_from(a.nbytes) {
                Ok(n) => {
                    let mut buf = vec![0u8; n];
                    c.decode_into(i, &mut buf)
                }
                Err(_) => Err(skseal_core::ContainerError::Header(
                    "array too large".into(),
                )),
            }
        };
        let Err(e) = r else { continue };
        match a.pack {
            Some((p, _)) => match region_of_pack.get(&p) {
                Some(&k) => damage[k].1.push(i),
                None => {
                    region_of_pack.insert(p, damage.len());
                    damage.push((format!("pack {p}"), vec![i], e.to_string()));
                }
            },
            None => damage.push((format!("array {i}"), vec![i], e.to_string())),
        }
    }
    let mut ok = damage.is_empty();
    for (region, arrays, why) in &damage {
        if arrays.len() == 1 && region.starts_with("array") {
            say(format!("  {}: DAMAGED: {why}", place(arrays[0])));
        } else {
            let shown: Vec<String> = arrays.iter().take(3).map(|&i| place(i)).collect();
            let more = arrays.len().saturating_sub(shown.len());
            say(format!(
                "  {region} ({} damaged array(s): {}{}): DAMAGED: {why}",
                arrays.len(),
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
        }
    }
    if ok {
        say(format!("  {} array digest(s) OK", c.header.arrays.len()));
    } else {
        let n: usize = damage.iter().map(|d| d.1.len()).sum();
        say(format!(
            "  {n} of {} array(s) damaged, in {} region(s)",
            c.header.arrays.len(),
            damage.len()
        ));
    }
    let padding = c.verify_padding().err().map(|e| e.to_string());
    if let Some(e) = &padding {
        ok = false;
        say(format!("  padding: {e}"));
    }
    let signature = match c.verify_signature(want.as_ref()) {
        Ok(()) => match (&c.header.signature, &want) {
            (Some((pk, _)), Some(_)) => {
                say(format!(
                    "  signature OK: signed by the trusted key (key ID {})",
                    keys::key_id(pk)
                ));
                json!({"status": "valid", "key_id": keys::key_id(pk), "trusted_key_checked": true})
            }
            (Some((pk, _)), None) => {
                say(format!(
                    "  signed by key ID {}; the signature is valid over the header and its \
                     digests{}, but it was NOT checked against a trusted key (pass --key \
                     KEY.pub to require the signer)",
                    keys::key_id(pk),
                    if ok {
                        ""
                    } else {
                        " (the arrays above do not match them)"
                    }
                ));
                json!({"status": "valid", "key_id": keys::key_id(pk), "trusted_key_checked": false})
            }
            (None, _) => {
                say("  not signed".into());
                json!({"status": "not signed"})
            }
        },
        Err(e) => {
            ok = false;
            say(format!("  signature: {e}"));
            json!({"status": "invalid", "error": e.to_string()})
        }
    };
    if as_json {
        print_json(&document(
            "verify",
            json!({
                "path": file.display().to_string(),
                "format": "skseal",
                "status": if ok { "intact" } else { "damaged" },
                "fingerprint": c.header.fingerprint,
                "arrays": c.header.arrays.len(),
                "damage": damage.iter().map(|(region, arrays, why)| json!({
                    "region": region,
                    "arrays": arrays,
                    "paths": arrays.iter().map(|&i| place(i)).collect::<Vec<_>>(),
                    "error": why,
                })).collect::<Vec<_>>(),
                "padding": padding,
                "signature": signature,
            }),
        ));
    }
    Ok(ok)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A panic is a bug, never an answer: report it in one line and exit 2
    // (not 101 with a backtrace hint), like every other error.
    let location = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let loc = location.clone();
    std::panic::set_hook(Box::new(move |info| {
        if let (Some(l), Ok(mut s)) = (info.location(), loc.lock()) {
            *s = format!("{}:{}", l.file(), l.line());
        }
    }));
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli))) {
        Ok(code) => code,
        Err(payload) => {
            let at = location.lock().map(|s| s.clone()).unwrap_or_default();
            eprintln!(
                "skseal: internal error: {} (at {at}). This is a bug in skseal, not in your \
                 command: please report it with the file that triggers it",
                skseal_native::panic_message(payload.as_ref())
            );
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> ExitCode {
    match cli.cmd {
        Cmd::Keygen { key } => match keygen(&key) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("skseal: error: {e}");
                ExitCode::from(2)
            }
        },
        Cmd::Sign { file, key } => match sign(&file, &key) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("skseal: error: {e}");
                ExitCode::from(2)
            }
        },
        Cmd::Verify { file, key, json } => match verify(&file, key.as_deref(), json) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(e) => fail("verify", json, &file, &e),
        },
        Cmd::Scan {
            paths,
            json,
            trusted,
            quiet,
        } => scan(&paths, json, trusted, quiet),
        Cmd::Convert {
            src,
            dst,
            trusted,
            compress,
            quiet,
        } => match convert(&src, &dst, trusted, &compress, quiet) {
            Ok(fp) => {
                outln!("wrote {} (fingerprint {fp})", dst.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("skseal: error: {e}");
                ExitCode::from(2)
            }
        },
        Cmd::Serve {
            models,
            store,
            admin_key,
            host,
            port,
            require_key,
            trusted,
            max_body_bytes,
            max_rows,
            timeout_ms,
            reload_ms,
        } => {
            let res = (|| {
                let store = match store
                    .or_else(|| std::env::var("SKSEAL_STORE").ok().filter(|s| !s.is_empty()))
                {
                    Some(uri) => Some(std::sync::Arc::new(store::open(Some(uri), admin_key)?)),
                    None => None,
                };
                let models = skseal_serve::model_list(&models, store.as_ref())?;
                let ip: std::net::IpAddr = host
                    .parse()
                    .map_err(|e| format!("--host {host:?}: {e} (give an IP address)"))?;
                let load = skseal_native::LoadOptions {
                    trusted,
                    public_key: require_key.as_deref().map(read_key).transpose()?,
                    max_decompressed: skseal_core::resources::configured_max_decompressed()
                        .map_err(|e| e.to_string())?,
                    blas: None,
                };
                skseal_serve::serve_blocking(skseal_serve::Config {
                    models,
                    addr: std::net::SocketAddr::new(ip, port),
                    load,
                    max_body_bytes,
                    max_rows,
                    timeout: std::time::Duration::from_millis(timeout_ms),
                    reload_every: std::time::Duration::from_millis(reload_ms.max(10)),
                })
                .map_err(|e| e.to_string())
            })();
            match res {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("skseal: error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Cmd::Predict {
            model,
            input,
            no_header,
            delimiter,
            keep,
            method,
            output,
            input_format,
            output_format,
            trusted,
            key,
            explain,
        } => {
            let res = (|| {
                let fi = input_format
                    .as_deref()
                    .map(predict::Format::parse)
                    .transpose()?;
                let fo = output_format
                    .as_deref()
                    .map(predict::Format::parse)
                    .transpose()?;
                let key = key.as_deref().map(read_key).transpose()?;
                let delimiter = delimiter
                    .as_deref()
                    .map(predict::parse_delimiter)
                    .transpose()?
                    .unwrap_or(b',');
                predict::run(predict::Args {
                    options: predict::InputOptions {
                        no_header,
                        delimiter,
                        keep,
                    },
                    model: &model,
                    input: &input,
                    output: output.as_deref(),
                    method: &method,
                    input_format: fi,
                    output_format: fo,
                    trusted,
                    key,
                    explain,
                })
            })();
            match res {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("skseal: error: {}", name_array_place(&e, &model));
                    ExitCode::from(2)
                }
            }
        }
        Cmd::Store(a) => store::run(a),
        Cmd::Card(args) => card::run(args),
        Cmd::Inspect {
            file,
            json,
            summary,
        } => match describe_file(&file) {
            Ok(d) => {
                if json {
                    print_json(&d);
                } else {
                    print_text(&d, summary);
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail("inspect", json, &file, &e),
        },
        Cmd::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "skseal", &mut buf);
            outln!("{}", String::from_utf8_lossy(&buf).trim_end());
            ExitCode::SUCCESS
        }
    }
}
