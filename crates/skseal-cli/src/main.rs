//! `skseal`: inspect skseal files without Python.

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_json::Value;

use skseal_core::container::{self, PREAMBLE};
use skseal_core::inspect;

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
    /// Describe a .skseal file from its header alone (no array data is read).
    Inspect {
        file: PathBuf,
        /// Print the full description as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn read_header(path: &PathBuf) -> Result<container::Header, String> {
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
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
