//! `skseal store ...`: the model store from the command line (docs/STORE.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::out::outln;
use crate::progress;
use skseal_core::keys::{self, KeyKind};
use skseal_store::records::{AliasEntry, VersionRecord};
use skseal_store::{PushOptions, Reference, Store};

#[derive(Args)]
pub struct StoreArgs {
    /// Store location: a folder, file:///PATH or s3://BUCKET[/PREFIX]
    /// (S3 endpoint and credentials from AWS_* variables). Default:
    /// $SKSEAL_STORE, else ~/.local/share/skseal/store.
    #[arg(long, global = true)]
    store: Option<String>,
    /// Require the store's policy to be rooted in this admin public key
    /// (KEY.pub; default $SKSEAL_STORE_ADMIN_KEY).
    #[arg(long, global = true)]
    admin_key: Option<PathBuf>,
    /// Machine-readable output (failures too).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    cmd: StoreCmd,
}

#[derive(Subcommand)]
enum StoreCmd {
    /// Add a file as the next immutable version of NAME (.pkl/.joblib files
    /// are converted first, without running them).
    Push {
        file: PathBuf,
        name: String,
        #[arg(long, short, default_value = "")]
        message: String,
        /// Also move this alias to the new version.
        #[arg(long)]
        alias: Option<String>,
        /// Secret key that signs the version (required by a store policy).
        #[arg(long)]
        key: Option<PathBuf>,
        /// Exact names (module.qualname) or library profiles (lightgbm, xgboost,
        /// catboost, imblearn, category_encoders, feature_engine) to trust.
        #[arg(long = "trust", value_parser = crate::args::trust_entry)]
        trusted: Vec<String>,
    },
    /// Write NAME@VERSION, NAME@ALIAS or NAME (latest) to a file, after
    /// checking digests, signatures and the policy.
    Pull {
        reference: String,
        /// Output path (default: NAME_vN_YYYY-MM-DD.skseal here; "-" for stdout).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Models, or the versions of NAME.
    List { name: Option<String> },
    /// A version's record, metadata, metrics, features and signer.
    Show { reference: String },
    /// Differences between two versions: metadata, metrics,
    /// hyperparameters, structure, changed arrays.
    Diff { a: String, b: String },
    /// Check every digest, signature and history (of NAME, or everything).
    Verify { name: Option<String> },
    /// Remove blobs no version refers to.
    Gc {
        /// Keep unreferenced blobs younger than this (a push in flight).
        #[arg(long, default_value_t = 3600)]
        grace_secs: u64,
        #[arg(long)]
        dry_run: bool,
    },
    /// Move ALIAS of NAME to VERSION (recorded in the alias's history).
    Alias {
        name: String,
        alias: String,
        version: u64,
        #[arg(long)]
        key: Option<PathBuf>,
        #[arg(long, short, default_value = "")]
        message: String,
    },
    /// Every move of NAME's aliases (or of one): who, when, from, to, why.
    History {
        name: String,
        #[arg(long)]
        alias: Option<String>,
    },
    /// Show or set who may push and move aliases.
    Policy {
        #[command(subcommand)]
        cmd: PolicyCmd,
    },
}

impl StoreCmd {
    /// The `command` of this verb's `--json` document ("store show", ...).
    fn command(&self) -> &'static str {
        match self {
            StoreCmd::Push { .. } => "store push",
            StoreCmd::Pull { .. } => "store pull",
            StoreCmd::List { .. } => "store list",
            StoreCmd::Show { .. } => "store show",
            StoreCmd::Diff { .. } => "store diff",
            StoreCmd::Verify { .. } => "store verify",
            StoreCmd::Gc { .. } => "store gc",
            StoreCmd::Alias { .. } => "store alias",
            StoreCmd::History { .. } => "store history",
            StoreCmd::Policy {
                cmd: PolicyCmd::Show,
            } => "store policy show",
            StoreCmd::Policy {
                cmd: PolicyCmd::Set { .. },
            } => "store policy set",
        }
    }
}

#[derive(Subcommand)]
enum PolicyCmd {
    Show,
    /// Replace the policy, signed by an admin's secret key.
    Set {
        /// Secret key of an admin (of the current policy, or listed in the first one).
        #[arg(long)]
        key: PathBuf,
        /// Public keys (KEY.pub) that may change the policy.
        #[arg(long = "admin")]
        admins: Vec<PathBuf>,
        /// Public keys that may push.
        #[arg(long = "push")]
        push: Vec<PathBuf>,
        /// Public keys that may move aliases.
        #[arg(long = "alias")]
        alias: Vec<PathBuf>,
    },
}

use crate::signing::read_key_as as read_kind;

/// The store URI: --store, $SKSEAL_STORE, else the per-user folder.
pub fn store_uri(given: Option<String>) -> String {
    given
        .or_else(|| std::env::var("SKSEAL_STORE").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| {
            let home = std::env::var("HOME").unwrap_or_else(|_| ".".into());
            format!("{home}/.local/share/skseal/store")
        })
}

/// Open the store with the pinned admin key, if any.
pub fn open(given: Option<String>, admin_key: Option<PathBuf>) -> Result<Store, String> {
    let mut s = Store::open(&store_uri(given)).map_err(|e| e.to_string())?;
    let pin = admin_key.or_else(|| {
        std::env::var("SKSEAL_STORE_ADMIN_KEY")
            .ok()
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
    });
    if let Some(p) = pin {
        s.pin_admin(read_kind(&p, KeyKind::Public)?);
    }
    Ok(s)
}

fn record_json(r: &VersionRecord) -> Value {
    json!({
        "name": r.name, "version": r.version, "fingerprint": r.fingerprint,
        "size": r.size, "pushed_at": r.pushed_at,
        "pushed_by": {"user": r.pushed_by.user, "key_id": r.pushed_by.key_id()},
        "message": r.message, "source": r.source,
        "estimator": r.metadata.pointer("/estimator/class"),
    })
}

fn entry_json(e: &AliasEntry) -> Value {
    json!({
        "alias": e.alias, "seq": e.seq, "from": e.from, "to": e.to, "at": e.at,
        "by": {"user": e.by.user, "key_id": e.by.key_id()}, "message": e.message,
    })
}

fn date_of(ts: &str) -> &str {
    ts.get(..10).unwrap_or("undated")
}

/// Run a store verb; prints text or JSON (docs/CLI.md: the shared schema).
pub fn run(a: StoreArgs) -> ExitCode {
    let json_out = a.json;
    let command = a.cmd.command();
    match run_inner(a) {
        Ok((v, text, ok)) => {
            if json_out {
                if !v.is_null() {
                    crate::report::print_json(&crate::report::document(command, v));
                }
            } else if !text.is_empty() {
                outln!("{}", text.trim_end_matches('\n'));
            }
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            if json_out {
                crate::report::print_json(&crate::report::document(
                    command,
                    json!({"status": "error", "error": crate::report::plain(&e.to_string())}),
                ));
            } else {
                crate::report::error(e);
            }
            ExitCode::from(2)
        }
    }
}

type Out = (Value, String, bool);

fn run_inner(a: StoreArgs) -> Result<Out, String> {
    let store = open(a.store, a.admin_key)?;
    let s = |e: skseal_store::StoreError| e.to_string();
    match a.cmd {
        StoreCmd::Push {
            file,
            name,
            message,
            alias,
            key,
            trusted,
        } => {
            let data =
                std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let key = key
                .as_deref()
                .map(|k| read_kind(k, KeyKind::Secret))
                .transpose()?;
            let opts = PushOptions {
                message,
                alias: alias.clone(),
                key,
                trusted,
                max_decompressed: skseal_core::resources::configured_max_decompressed()
                    .map_err(|e| e.to_string())?,
                progress: None,
            };
            let file_name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let pb = progress::transfer(data.len() as u64);
            let label = format!(
                "push {} ({}) to {name}",
                file.display(),
                progress::megabytes(data.len() as u64)
            );
            let shown = pb.clone();
            let opts = PushOptions {
                progress: Some(std::sync::Arc::new(move |step: &str| {
                    shown.set_message(format!("{label}: {step}"))
                })),
                ..opts
            };
            let pushed = store.push(&data, &file_name, &name, &opts);
            pb.finish_and_clear();
            let r = pushed.map_err(s)?;
            let mut text = format!(
                "pushed {} as {}@{} (fingerprint {})",
                file.display(),
                r.name,
                r.version,
                r.fingerprint
            );
            if let Some(id) = r.pushed_by.key_id() {
                text += &format!(", signed by key ID {id}");
            }
            if let Some(al) = &alias {
                text += &format!("; {}@{al} -> {}", r.name, r.version);
            }
            text.push('\n');
            Ok((record_json(&r), text, true))
        }
        StoreCmd::Pull { reference, output } => {
            let r = Reference::parse(&reference).map_err(s)?;
            let pb = std::cell::OnceCell::new();
            let pulled = store.pull_observed(&r, &|rec, step| {
                pb.get_or_init(|| progress::transfer(rec.size))
                    .set_message(format!(
                        "pull {}@{} ({}): {step}",
                        rec.name,
                        rec.version,
                        progress::megabytes(rec.size)
                    ))
            });
            let pb = pb
                .into_inner()
                .unwrap_or_else(indicatif::ProgressBar::hidden);
            // cleared before any output, whatever happens below
            let _clear = ClearOnDrop(pb.clone());
            let p = pulled.map_err(s)?;
            let rec = &p.record;
            if output.as_deref() == Some(Path::new("-")) {
                use std::io::Write as _;
                let mut out = crate::out::stdout();
                out.write_all(&p.bytes)
                    .and_then(|()| out.flush())
                    .map_err(|e| format!("stdout: {e}"))?;
                return Ok((Value::Null, String::new(), true));
            }
            pb.set_message(format!("pull {}@{}: writing", rec.name, rec.version));
            let path = output.unwrap_or_else(|| {
                PathBuf::from(format!(
                    "{}_v{}_{}.skseal",
                    rec.name,
                    rec.version,
                    date_of(&rec.pushed_at)
                ))
            });
            skseal_core::container::write_atomic(&path, |w| {
                use std::io::Write as _;
                w.write_all(&p.bytes)?;
                skseal_core::container::Container::parse(&p.bytes)
                    .map(|c| c.header)
                    .map_err(std::io::Error::other)
            })
            .map_err(|e: std::io::Error| format!("{}: {e}", path.display()))?;
            let mut v = record_json(rec);
            v["path"] = json!(path.display().to_string());
            let text = format!(
                "{reference} is {}@{}: wrote {} (digests and signatures checked)\n",
                rec.name,
                rec.version,
                path.display()
            );
            Ok((v, text, true))
        }
        StoreCmd::List { name: None } => {
            let mut rows = Vec::new();
            let mut text = String::new();
            for n in store.names().map_err(s)? {
                let latest = store.resolve(&Reference::Latest(n.clone())).ok();
                let aliases = store.aliases(&n).map_err(s)?;
                text += &format!(
                    "{n}\tlatest v{}\t{}\n",
                    latest.map(|v| v.to_string()).unwrap_or("-".into()),
                    aliases
                        .iter()
                        .map(|(a, v)| format!("{a}=v{v}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                rows.push(json!({"name": n, "latest": latest, "aliases": aliases}));
            }
            Ok((json!({"models": rows}), text, true))
        }
        StoreCmd::List { name: Some(n) } => {
            let vs = store.versions(&n).map_err(s)?;
            let aliases = store.aliases(&n).map_err(s)?;
            let mut text = String::new();
            for r in &vs {
                let here: Vec<&str> = aliases
                    .iter()
                    .filter(|(_, v)| **v == r.version)
                    .map(|(a, _)| a.as_str())
                    .collect();
                text += &format!(
                    "{}@{}\t{}\t{}\t{}\t{}{}\n",
                    r.name,
                    r.version,
                    r.pushed_at,
                    r.pushed_by.user,
                    &r.fingerprint.chars().take(16).collect::<String>(),
                    r.message,
                    if here.is_empty() {
                        String::new()
                    } else {
                        format!("\t[{}]", here.join(", "))
                    }
                );
            }
            let rows: Vec<Value> = vs.iter().map(record_json).collect();
            Ok((
                json!({"name": n, "versions": rows, "aliases": aliases}),
                text,
                true,
            ))
        }
        StoreCmd::Show { reference } => {
            let r = Reference::parse(&reference).map_err(s)?;
            let v = store.show(&r).map_err(s)?;
            let text = show_text(&v);
            Ok((v, text, true))
        }
        StoreCmd::Diff { a: ra, b: rb } => {
            let ra = Reference::parse(&ra).map_err(s)?;
            let rb = Reference::parse(&rb).map_err(s)?;
            let v = store.diff(&ra, &rb).map_err(s)?;
            let text = diff_text(&v);
            Ok((v, text, true))
        }
        StoreCmd::Verify { name } => {
            let rep = store.verify(name.as_deref()).map_err(s)?;
            let ok = rep.problems.is_empty();
            let mut text = format!(
                "{} version(s) and {} alias move(s) checked\n",
                rep.checked_versions, rep.checked_moves
            );
            for p in &rep.problems {
                text += &format!("  PROBLEM: {p}\n");
            }
            if ok {
                text += "  all digests, signatures and histories OK\n";
            }
            Ok((
                json!({"ok": ok, "versions": rep.checked_versions,
                       "moves": rep.checked_moves, "problems": rep.problems}),
                text,
                ok,
            ))
        }
        StoreCmd::Gc {
            grace_secs,
            dry_run,
        } => {
            let rep = store.gc(grace_secs, dry_run).map_err(s)?;
            let text = format!(
                "{} {} unreferenced blob(s); kept {}; {} recent unreferenced blob(s) left for later\n",
                if dry_run { "would remove" } else { "removed" },
                rep.removed.len(),
                rep.kept,
                rep.skipped_recent
            );
            Ok((
                json!({"removed": rep.removed, "kept": rep.kept,
                       "skipped_recent": rep.skipped_recent, "dry_run": dry_run}),
                text,
                true,
            ))
        }
        StoreCmd::Alias {
            name,
            alias,
            version,
            key,
            message,
        } => {
            let key = key
                .as_deref()
                .map(|k| read_kind(k, KeyKind::Secret))
                .transpose()?;
            let e = store
                .move_alias(&name, &alias, version, key.as_ref(), &message)
                .map_err(s)?;
            let text = format!(
                "{name}@{alias}: {} -> {} (history entry {})\n",
                e.from.map(|v| format!("v{v}")).unwrap_or("(new)".into()),
                e.to,
                e.seq
            );
            Ok((entry_json(&e), text, true))
        }
        StoreCmd::History { name, alias } => {
            let entries = match alias {
                Some(a) => store.history(&name, &a),
                None => store.histories(&name),
            }
            .map_err(s)?;
            let mut rows = Vec::new();
            let mut text = String::new();
            for e in entries {
                text += &format!(
                    "{name}@{}\t#{}\t{}\t{}{}\t{} -> {}\t{}\n",
                    e.alias,
                    e.seq,
                    e.at,
                    e.by.user,
                    e.by.key_id().map(|k| format!(" ({k})")).unwrap_or_default(),
                    e.from.map(|v| format!("v{v}")).unwrap_or("-".into()),
                    e.to,
                    e.message
                );
                rows.push(entry_json(&e));
            }
            Ok((json!({"name": name, "history": rows}), text, true))
        }
        StoreCmd::Policy {
            cmd: PolicyCmd::Show,
        } => {
            let p = store.policy().map_err(s)?;
            let text = match &p {
                None => {
                    "no policy: anyone with write access to the store may push and move aliases\n"
                        .to_string()
                }
                Some(p) => format!(
                    "policy entry {} ({} by {}):\n  admins: {}\n  push:   {}\n  alias:  {}\n",
                    p.seq,
                    p.at,
                    p.by.key_id().unwrap_or_default(),
                    ids(&p.admins),
                    ids(&p.push),
                    ids(&p.alias)
                ),
            };
            Ok((json!({"policy": p}), text, true))
        }
        StoreCmd::Policy {
            cmd:
                PolicyCmd::Set {
                    key,
                    admins,
                    push,
                    alias,
                },
        } => {
            let admin = read_kind(&key, KeyKind::Secret)?;
            let hexes = |v: &[PathBuf]| -> Result<Vec<String>, String> {
                v.iter()
                    .map(|p| read_kind(p, KeyKind::Public).map(|k| skseal_core::graphjson::hex(&k)))
                    .collect()
            };
            let mut admins = hexes(&admins)?;
            if admins.is_empty() {
                admins.push(skseal_core::graphjson::hex(&keys::public_of(&admin)));
            }
            let p = store
                .set_policy(&admin, admins, hexes(&push)?, hexes(&alias)?)
                .map_err(s)?;
            let text = format!(
                "policy entry {} written: {} admin(s), {} pusher(s), {} alias mover(s)\n",
                p.seq,
                p.admins.len(),
                p.push.len(),
                p.alias.len()
            );
            Ok((json!({"policy": p}), text, true))
        }
    }
}

/// Clears a progress display when dropped (every way out of a verb).
struct ClearOnDrop(indicatif::ProgressBar);

impl Drop for ClearOnDrop {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

fn ids(v: &[String]) -> String {
    if v.is_empty() {
        return "(nobody)".into();
    }
    v.iter()
        .map(|k| skseal_store::records::id_of(k))
        .collect::<Vec<_>>()
        .join(", ")
}

fn show_text(v: &Value) -> String {
    let g = |p: &str| v.pointer(p).cloned().unwrap_or(Value::Null);
    let mut t = format!(
        "{}@{}{}\n  fingerprint: {}\n  pushed:      {} by {}{}\n  message:     {}\n  file signed: {}\n",
        g("/name").as_str().unwrap_or(""),
        g("/version"),
        match g("/aliases").as_array() {
            Some(a) if !a.is_empty() => format!(
                " [{}]",
                a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(", ")
            ),
            _ => String::new(),
        },
        g("/fingerprint").as_str().unwrap_or(""),
        g("/pushed_at").as_str().unwrap_or(""),
        g("/pushed_by/user").as_str().unwrap_or(""),
        g("/pushed_by/key_id")
            .as_str()
            .map(|k| format!(" (key ID {k})"))
            .unwrap_or_default(),
        g("/message").as_str().unwrap_or(""),
        g("/signature/key_id").as_str().map(|k| format!("by key ID {k}")).unwrap_or("no".into()),
    );
    for (label, ptr) in [
        ("estimator", "/metadata/estimator"),
        ("environment", "/metadata/environment"),
        ("user metadata", "/metadata/user"),
    ] {
        let x = g(ptr);
        if !x.is_null() {
            t += &format!("  {label}: {}\n", x);
        }
    }
    t
}

fn diff_text(v: &Value) -> String {
    let mut t = format!(
        "{}@{} -> {}@{}{}\n",
        v["a"]["name"].as_str().unwrap_or(""),
        v["a"]["version"],
        v["b"]["name"].as_str().unwrap_or(""),
        v["b"]["version"],
        if v["same_content"] == json!(true) {
            " (same content fingerprint)"
        } else {
            ""
        }
    );
    for section in ["metrics", "hyperparameters", "metadata"] {
        if let Some(items) = v[section].as_array() {
            if !items.is_empty() {
                t += &format!("  {section}:\n");
                for c in items {
                    t += &format!(
                        "    {}: {} -> {}\n",
                        c["path"].as_str().unwrap_or(""),
                        c["a"],
                        c["b"]
                    );
                }
            }
        }
    }
    let changed = v["arrays"]["changed"]
        .as_array()
        .map(|a| a.len())
        .unwrap_or(0);
    t += &format!(
        "  arrays: {} changed, {} unchanged\n",
        changed, v["arrays"]["unchanged"]
    );
    if let Some(items) = v["arrays"]["changed"].as_array() {
        for c in items.iter().take(50) {
            t += &format!("    {}\n", c["path"].as_str().unwrap_or(""));
        }
        if items.len() > 50 {
            t += &format!("    ... {} more\n", items.len() - 50);
        }
    }
    t
}
