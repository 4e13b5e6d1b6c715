//! `skseal`: inspect, scan, convert, sign, verify and serve skseal files without Python.

mod card;
mod predict;

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
    },
    /// Serve models over HTTP with native inference (Open Inference Protocol
    /// v2, MLflow's /invocations, Prometheus /metrics); no Python. Reloads a
    /// model when its file is replaced; SIGTERM/SIGINT drain and stop.
    Serve {
        /// .skseal files, folders of them, or NAME=PATH (name: the file stem).
        #[arg(required = true)]
        models: Vec<String>,
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
        /// predict, predict_proba, predict_log_proba, decision_function,
        /// transform or score_samples.
        #[arg(long, default_value = "predict")]
        method: String,
        /// Output file (default: stdout), written atomically.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Input format: csv or jsonl (default: from the file name, else csv).
        #[arg(long)]
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
    /// Make a model card: a self-contained HTML page (plots as inline SVG)
    /// and, with --markdown, a Markdown card with Hugging Face Hub metadata.
    /// With --data and --target, evaluates the model natively (docs/CARD.md).
    Card(card::Args),
    /// Describe a .skseal file from its header alone (no array data is read).
    Inspect {
        file: PathBuf,
        /// Print the full description as JSON.
        #[arg(long)]
        json: bool,
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

fn human(n: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < units.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

fn print_text(d: &Value) {
    let s = |v: &Value| {
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string())
    };
    let m = &d["metadata"];
    println!(
        "skseal format v{}  {}",
        d["format_version"],
        human(d["file_size"].as_u64().unwrap_or(0))
    );
    println!("fingerprint  {}", s(&d["fingerprint"]));
    println!("estimator    {}", s(&m["estimator"]["class"]));
    if let Some(methods) = m["estimator"]["methods"].as_array() {
        let ms: Vec<String> = methods.iter().map(s).collect();
        println!("methods      {}", ms.join(", "));
    }
    for (k, label) in [
        ("n_features_in", "n_features"),
        ("feature_names_in", "features"),
        ("classes", "classes"),
    ] {
        if !m["estimator"][k].is_null() {
            println!("{label:<12} {}", m["estimator"][k]);
        }
    }
    println!("created      {}", s(&m["created_utc"]));
    if let Some(env) = m["environment"].as_object() {
        let parts: Vec<String> = env.iter().map(|(k, v)| format!("{k} {}", s(v))).collect();
        println!("environment  {}", parts.join(", "));
    }
    if m["user"].as_object().is_some_and(|u| !u.is_empty()) {
        println!("user         {}", m["user"]);
    }
    let arrays = d["arrays"].as_array().map(Vec::len).unwrap_or(0);
    println!(
        "arrays       {arrays}, {} in memory, {} stored",
        human(d["arrays_nbytes"].as_u64().unwrap_or(0)),
        human(d["arrays_stored"].as_u64().unwrap_or(0))
    );
    if let Some(gs) = d["globals"].as_array() {
        let bad: Vec<String> = gs
            .iter()
            .filter(|g| g["verdict"] != "allowed")
            .map(|g| format!("{} ({})", s(&g["name"]), s(&g["verdict"])))
            .collect();
        println!(
            "globals      {} names, {}",
            gs.len(),
            if bad.is_empty() {
                "all allowed by default".into()
            } else {
                format!("NOT trusted by default: {}", bad.join(", "))
            }
        );
    }
    println!("\n{}", s(&d["outline"]).trim_end());
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
        return Err(err.to_string());
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

fn scan(paths: &[PathBuf], as_json: bool, trusted: Vec<String>) -> ExitCode {
    let policy = Policy::new(trusted);
    let mut files = Vec::new();
    collect(paths, &mut files);
    let mut worst = 0u8;
    let mut reports = Vec::new();
    for f in &files {
        match scan_file(f, &policy) {
            Ok(r) => {
                if r["status"] == "flagged" {
                    worst = worst.max(1);
                }
                if !as_json {
                    println!(
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
                        println!(
                            "  {:<9} {} [{}]{off}",
                            g["verdict"].as_str().unwrap_or(""),
                            g["name"].as_str().unwrap_or(""),
                            roles.join(",")
                        );
                    }
                    if let Some(why) = r["refused"].as_str() {
                        println!("  refused   {why}");
                    }
                    if let Some(a) = r["joblib_arrays"].as_array().filter(|a| !a.is_empty()) {
                        let total: u64 = a.iter().filter_map(|x| x["bytes"].as_u64()).sum();
                        println!("  stepped over {} joblib array(s), {total} bytes", a.len());
                    }
                }
                reports.push(r);
            }
            Err(e) => {
                worst = 2;
                if !as_json {
                    println!("{}: unreadable: {e}", f.display());
                }
                reports.push(
                    json!({"path": f.display().to_string(), "status": "unreadable", "error": e}),
                );
            }
        }
    }
    if as_json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({"files": reports})).unwrap_or_default()
        );
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

fn convert(src: &Path, dst: &Path, trusted: Vec<String>, compress: &str) -> Result<String, String> {
    let comp = parse_compress(compress)?;
    let data = std::fs::read(src).map_err(|e| format!("cannot read {}: {e}", src.display()))?;
    let policy = Policy::new(trusted);
    let (g, info) = skseal_core::convert::read_checked(&data, &policy, max_decompressed()?).map_err(|e| match e {
        skseal_core::CoreError::Untrusted(u) => format!(
            "{}: refers to names that are not trusted: {} ({}); nothing was run. If you trust the source, add --trust NAME for each",
            src.display(),
            u.names.join(", "),
            u.details.join("; ")
        ),
        other => format!("{}: {other}", src.display()),
    })?;
    let name = src
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let meta = skseal_core::convert::metadata(&g, &info, &name, &data, json!({}));
    let h = container::write_atomic(dst, |w| skseal_core::convert::write(w, &g, &meta, comp))
        .map_err(|e| format!("{}: {e}", dst.display()))?;
    Ok(h.fingerprint)
}

fn read_key(path: &Path) -> Result<[u8; 32], String> {
    let data =
        std::fs::read(path).map_err(|e| format!("cannot read key {}: {e}", path.display()))?;
    container::keys::parse(&data).map_err(|e| format!("{}: {e}", path.display()))
}

fn keygen(path: &Path) -> Result<(), String> {
    use std::io::Write as _;
    let (seed, pk) = container::keys::generate();
    let pub_path = PathBuf::from(format!("{}.pub", path.display()));
    if path.exists() {
        return Err(format!(
            "{} exists; refusing to overwrite a key",
            path.display()
        ));
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(container::keys::to_text(&seed).as_bytes())
        .map_err(|e| e.to_string())?;
    std::fs::write(&pub_path, container::keys::to_text(&pk))
        .map_err(|e| format!("{}: {e}", pub_path.display()))?;
    println!(
        "private key: {} (keep it secret)\npublic key:  {}",
        path.display(),
        pub_path.display()
    );
    Ok(())
}

fn sign(file: &Path, key: &Path) -> Result<(), String> {
    let seed = read_key(key)?;
    let data = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let signed = container::sign_bytes(&data, &container::keys::signing_key(&seed))
        .map_err(|e| format!("{}: {e}", file.display()))?;
    container::write_atomic(file, |w| {
        use std::io::Write as _;
        w.write_all(&signed)?;
        container::Container::parse(&signed)
            .map(|c| c.header)
            .map_err(std::io::Error::other)
    })
    .map_err(|e: std::io::Error| format!("{}: {e}", file.display()))?;
    println!("signed {}", file.display());
    Ok(())
}

/// Ok(true) when intact, Ok(false) when something is wrong (reported), Err when unreadable.
fn verify(file: &Path, key: Option<&Path>) -> Result<bool, String> {
    let want = key.map(read_key).transpose()?;
    let data = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let c = container::Container::parse(&data).map_err(|e| e.to_string())?;
    println!(
        "{}: header digest and content fingerprint OK",
        file.display()
    );
    let mut ok = true;
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
        if let Err(e) = r {
            ok = false;
            println!("  array {i}: DAMAGED: {e}");
        }
    }
    if ok {
        println!("  {} array digest(s) OK", c.header.arrays.len());
    }
    if let Err(e) = c.verify_padding() {
        ok = false;
        println!("  padding: {e}");
    }
    match c.verify_signature(want.as_ref()) {
        Ok(()) if c.header.signature.is_some() => println!("  signature OK"),
        Ok(()) => println!("  not signed"),
        Err(e) => {
            ok = false;
            println!("  signature: {e}");
        }
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
        Cmd::Verify { file, key } => match verify(&file, key.as_deref()) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(e) => {
                eprintln!("skseal: error: {}: {e}", file.display());
                ExitCode::from(2)
            }
        },
        Cmd::Scan {
            paths,
            json,
            trusted,
        } => scan(&paths, json, trusted),
        Cmd::Convert {
            src,
            dst,
            trusted,
            compress,
        } => match convert(&src, &dst, trusted, &compress) {
            Ok(fp) => {
                println!("wrote {} (fingerprint {fp})", dst.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("skseal: error: {e}");
                ExitCode::from(2)
            }
        },
        Cmd::Serve {
            models,
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
                let models = skseal_serve::model_list(&models)?;
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
                predict::run(predict::Args {
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
                    eprintln!("skseal: error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Cmd::Card(args) => card::run(args),
        Cmd::Inspect { file, json } => match read_header(&file) {
            Ok(h) => {
                let d = inspect::describe(&h);
                if json {
                    println!("{}", serde_json::to_string_pretty(&d).unwrap_or_default());
                } else {
                    print_text(&d);
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("skseal: error: {e}");
                ExitCode::from(2)
            }
        },
    }
}
