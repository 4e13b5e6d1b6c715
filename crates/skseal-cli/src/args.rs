//! The command line: every verb and flag (clap), parsed in `main`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::{card, store};

#[derive(Parser)]
#[command(
    name = "skseal",
    version,
    about = "Safe persistence for scikit-learn models"
)]
pub struct Cli {
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand)]
pub enum Cmd {
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
        /// Exact names (module.qualname) or library profiles (lightgbm, xgboost,
        /// catboost, imblearn, category_encoders, feature_engine) to trust.
        #[arg(long = "trust", value_parser = crate::args::trust_entry)]
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
        /// Exact names (module.qualname) or library profiles (lightgbm, xgboost,
        /// catboost, imblearn, category_encoders, feature_engine) to trust.
        #[arg(long = "trust", value_parser = crate::args::trust_entry)]
        trusted: Vec<String>,
        /// none, lz4, zstd or zstd:LEVEL.
        #[arg(long, default_value = "none")]
        compress: String,
        /// Also store every decision tree in the layout native inference
        /// walks (docs/FORMAT.md §5.6): `skseal serve` and `predict` then
        /// load forests without reading or converting scikit-learn's node
        /// records; the file grows by about a fifth.
        #[arg(long)]
        native_layout: bool,
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
        /// Exact names (module.qualname) or library profiles (lightgbm, xgboost,
        /// catboost, imblearn, category_encoders, feature_engine) to trust.
        #[arg(long = "trust", value_parser = crate::args::trust_entry)]
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
        /// Micro-batching: small concurrent requests for the same model and
        /// method wait up to this many microseconds for company and are
        /// computed together (models whose rows are independent only; 0: off).
        #[arg(long, default_value_t = 0)]
        batch_wait_us: u64,
        /// Micro-batching: a batch is computed as soon as it has this many rows.
        #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        max_batch_rows: u64,
        /// Use trees stored in their native layout (dump(native_layout=True),
        /// convert --native-layout) in place, in a read-only mapping of the
        /// model file: faster start, memory shared with other processes
        /// mapping the file. Replace model files by a rename, never rewrite
        /// or truncate them in place (a truncated mapped file stops the server).
        #[arg(long)]
        mmap: bool,
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
        /// transform, score_samples or predict_raw (LightGBM / XGBoost /
        /// CatBoost raw scores).
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
        /// Exact names (module.qualname) or library profiles (lightgbm, xgboost,
        /// catboost, imblearn, category_encoders, feature_engine) to trust.
        #[arg(long = "trust", value_parser = crate::args::trust_entry)]
        trusted: Vec<String>,
        /// Require a signature by this public key (KEY.pub).
        #[arg(long)]
        key: Option<PathBuf>,
        /// Say on stderr whether the results are bit-identical to
        /// scikit-learn's on this machine or within a bound (docs/NATIVE.md).
        #[arg(long)]
        explain: bool,
        /// Use trees stored in their native layout in place, in a read-only
        /// mapping of the model file, instead of copying them (a faster start
        /// for large forests; the file must not be truncated meanwhile).
        #[arg(long)]
        mmap: bool,
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

/// A `--trust` value: an exact dotted name or a library profile (the rule of
/// `policy::profiles::check_trust_entry`, shared with Python's `trusted=`).
pub fn trust_entry(s: &str) -> Result<String, String> {
    skseal_core::policy::profiles::check_trust_entry(s)?;
    Ok(s.trim().to_string())
}
