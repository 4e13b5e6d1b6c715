//! skseal-card: a model card for a `.skseal` (or pickle/joblib) file, made
//! from what the file records and what reading it natively shows, without
//! Python: a self-contained HTML page (inline CSS, inline SVG plots, no
//! external assets, every string from the file escaped) and a Markdown card
//! with Hugging Face Hub metadata front matter. docs/CARD.md describes it.
//!
//! The file is read once, by skseal-native's checked reader (the checks of
//! `skseal.load`); the card then shows identity, environment, user metadata,
//! features and classes, the probe re-run natively, what a scan finds,
//! hyperparameters, tree statistics, feature importances and, with labelled
//! data, an evaluation computed with native inference.

pub mod eval;
pub mod graph;
mod render;
pub mod svg;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use skseal_core::policy::{self, Policy};
use skseal_native::{LoadOptions, Model, ProbeReport};

use crate::eval::Evaluation;
use crate::graph::{Importances, TreeStats};

/// Why a card could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    /// The model file could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    /// The model file did not pass the checks of loading.
    #[error("{path}: {source}")]
    Model {
        path: String,
        source: skseal_native::NativeError,
    },
    /// The evaluation data could not be read or used.
    #[error("evaluation data: {0}")]
    Data(String),
    /// Options that do not go together.
    #[error("{0}")]
    Usage(String),
}

/// What to put on the card.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Labelled data (CSV with a header) to evaluate the model on.
    pub data: Option<PathBuf>,
    /// The column of `data` that holds the true values.
    pub target: Option<String>,
    /// Names (module.qualname) to trust beyond the default allow-list.
    pub trusted: Vec<String>,
    /// Decompression cap for compressed pickle/joblib files.
    pub max_decompressed: Option<u64>,
    /// How to name the data on the card (default: the file name of `data`).
    pub data_name: Option<String>,
    /// The field separator of `data` (default: tab for a `.tsv` file, else
    /// a comma, as for `skseal predict`).
    pub delimiter: Option<u8>,
    /// `data` has no header row: its columns are numbered from 0 and
    /// `target` is a column number.
    pub no_header: bool,
}

/// A finished card.
#[derive(Debug, Clone)]
pub struct Card {
    /// The self-contained HTML page.
    pub html: String,
    /// The Markdown card (Hugging Face Hub front matter first).
    pub markdown: String,
    /// The facts and numbers shown, as JSON (for programs and tests).
    pub summary: Value,
    /// What the caller should be told (also on the card and in the
    /// summary's `warnings`): evaluation data whose column names a model
    /// fitted without feature names cannot check.
    pub warnings: Vec<String>,
}

/// The probe as read and re-run natively.
pub(crate) struct ProbeFacts {
    pub rows: usize,
    pub cols: usize,
    pub methods: Vec<String>,
    pub report: String,
    pub passed: bool,
    pub checked: bool,
}

/// Everything the card shows.
pub(crate) struct Facts {
    pub name: String,
    pub file_name: String,
    pub file_size: u64,
    pub format: String,
    pub fingerprint: Option<String>,
    /// Key ID (first 8 bytes of the public key, hex) of a valid embedded signature.
    pub signer: Option<String>,
    /// The `signature` object of the JSON documents (docs/CLI.md); `None`
    /// for a legacy file.
    pub signature: Option<serde_json::Value>,
    pub metadata: Value,
    pub class: String,
    pub final_class: Option<String>,
    pub methods: Vec<String>,
    pub features: Option<Vec<String>>,
    pub n_features: Option<usize>,
    pub classes: Option<Vec<String>>,
    /// Why native inference cannot run this model, if it cannot.
    pub native_error: Option<String>,
    pub probe: Option<ProbeFacts>,
    /// Why the probe could not be read natively.
    pub probe_note: Option<String>,
    /// (name, roles, verdict) of every name the file refers to.
    pub scan: Vec<(String, Vec<String>, String)>,
    pub trusted: Vec<String>,
    pub params: Vec<(String, String)>,
    pub trees: Option<TreeStats>,
    pub importances: Option<Importances>,
    pub graph_note: Option<String>,
    pub outline: String,
    pub eval: Option<Evaluation>,
    pub data_name: Option<String>,
    pub target: Option<String>,
    /// Shown on the card, in the summary and to the caller.
    pub warnings: Vec<String>,
}

impl Facts {
    /// User metadata (`metadata["user"]`), an empty object when absent.
    pub fn user(&self) -> serde_json::Map<String, Value> {
        self.metadata["user"]
            .as_object()
            .cloned()
            .unwrap_or_default()
    }
    /// Metrics recorded by the user: numbers at the top of the user metadata
    /// or under its `metrics` key.
    pub fn user_metrics(&self) -> Vec<(String, f64)> {
        let u = self.user();
        let mut out: Vec<(String, f64)> = u
            .iter()
            .filter_map(|(k, v)| v.as_f64().filter(|_| v.is_number()).map(|x| (k.clone(), x)))
            .collect();
        if let Some(m) = u.get("metrics").and_then(Value::as_object) {
            out.extend(
                m.iter()
                    .filter_map(|(k, v)| v.as_f64().map(|x| (k.clone(), x))),
            );
        }
        out
    }
    pub fn is_classifier(&self) -> bool {
        self.classes.is_some()
    }
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array().map(|a| {
        a.iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| x.to_string())
            })
            .collect()
    })
}

/// Make the card of the model at `path`.
pub fn make(path: &Path, opts: &Options) -> Result<Card, CardError> {
    let facts = gather(path, opts)?;
    Ok(Card {
        html: render::html(&facts),
        markdown: render::markdown(&facts),
        summary: render::summary(&facts),
        warnings: facts.warnings,
    })
}

fn gather(path: &Path, opts: &Options) -> Result<Facts, CardError> {
    if opts.data.is_some() != opts.target.is_some() {
        return Err(CardError::Usage(
            "evaluation needs both the data (--data FILE) and the target column (--target COLUMN)"
                .into(),
        ));
    }
    let data = std::fs::read(path).map_err(|source| CardError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let load = LoadOptions {
        trusted: opts.trusted.clone(),
        public_key: None,
        max_decompressed: opts
            .max_decompressed
            .unwrap_or(skseal_core::legacy::DEFAULT_MAX_DECOMPRESSED),
        blas: None,
        mmap: false,
    };
    let policy = Policy::new(opts.trusted.clone());
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let (mut facts, model) = skseal_native::with_checked_graph(&data, &load, |ctx, header| {
        let model = Model::from_graph(ctx);
        let metadata = header.map(|h| h.metadata()).unwrap_or(Value::Null);
        let root_class = match ctx.g.node(ctx.g.root) {
            Some(skseal_core::ir::Node::Object { class, .. }) => class.dotted(),
            Some(skseal_core::ir::Node::Call { func, .. }) => func.dotted(),
            Some(n) => n.kind_name().to_string(),
            None => "?".into(),
        };
        let class = metadata["estimator"]["class"]
            .as_str()
            .map(str::to_string)
            .unwrap_or(root_class);
        let final_class = graph::final_estimator(ctx)
            .ok()
            .filter(|(_, p)| p != "model")
            .map(|(o, _)| o.class.dotted());
        let (trees, importances, graph_note) = match graph::tree_facts(ctx) {
            Ok((t, i)) => (t, i, None),
            Err(e) => (None, None, Some(e.to_string())),
        };
        let scan = policy::survey(ctx.g, &policy)
            .into_iter()
            .map(|(name, uses, verdict)| {
                (
                    name.dotted(),
                    uses.iter().map(|u| u.as_str().to_string()).collect(),
                    verdict.as_str().to_string(),
                )
            })
            .collect();
        let user_name = metadata["user"]["name"].as_str().map(str::to_string);
        let stem = path
            .file_stem()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let facts = Facts {
            name: user_name.unwrap_or(stem),
            file_name: file_name.clone(),
            file_size: data.len() as u64,
            format: match header {
                Some(h) => format!("skseal v{}", h.version),
                None => "pickle / joblib (legacy: no recorded metadata, cannot be signed)".into(),
            },
            fingerprint: header.map(|h| h.fingerprint.clone()),
            signer: header.and_then(|h| {
                h.signature
                    .as_ref()
                    .map(|(pk, _)| skseal_core::keys::key_id(pk))
            }),
            signature: header.map(|h| skseal_core::inspect::signature_json(h, None)),
            class,
            final_class,
            methods: Vec::new(),
            features: strings(&metadata["estimator"]["feature_names_in"]),
            n_features: metadata["estimator"]["n_features_in"]
                .as_u64()
                .map(|n| n as usize),
            classes: strings(&metadata["estimator"]["classes"]),
            metadata,
            native_error: None,
            probe: None,
            probe_note: None,
            scan,
            trusted: opts.trusted.clone(),
            params: graph::params(ctx),
            trees,
            importances,
            graph_note,
            outline: graph::outline(ctx),
            eval: None,
            data_name: None,
            target: None,
            warnings: Vec::new(),
        };
        Ok((facts, model))
    })
    .map_err(|source| CardError::Model {
        path: path.display().to_string(),
        source,
    })?;
    match model {
        Ok(m) => {
            facts.methods = m
                .methods()
                .into_iter()
                .map(|x| x.name().to_string())
                .collect();
            if let Some(c) = m.classes() {
                facts.classes = Some((0..c.len()).map(|i| c.text(i)).collect());
            }
            if let Some(f) = m.feature_names_in() {
                facts.features = Some(f.to_vec());
            }
            facts.n_features = m.n_features_in().or(facts.n_features);
            match m.probe() {
                None => {}
                Some(Err(why)) => facts.probe_note = Some(why.clone()),
                Some(Ok(p)) => {
                    let report = m.check_probe();
                    facts.probe = Some(ProbeFacts {
                        rows: p.input.rows(),
                        cols: p.input.cols(),
                        methods: p
                            .outputs
                            .iter()
                            .map(|(k, _)| k.name().to_string())
                            .collect(),
                        passed: report.passed(),
                        checked: matches!(report, ProbeReport::Checked(_)),
                        report: report.describe(),
                    });
                }
            }
            if let (Some(d), Some(t)) = (&opts.data, &opts.target) {
                let delimiter = opts
                    .delimiter
                    .unwrap_or_else(|| skseal_native::input::default_delimiter(d));
                let (x, y) = eval::read_csv(d, t, delimiter, !opts.no_header)?;
                let (x, warning) = eval::for_model(&m, x, !opts.no_header)?;
                facts.eval = Some(eval::evaluate(&m, x, &y)?);
                let name = opts.data_name.clone().unwrap_or_else(|| {
                    d.file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default()
                });
                facts
                    .warnings
                    .extend(warning.map(|w| format!("evaluation data {name}: {w}")));
                facts.data_name = Some(name);
                facts.target = Some(t.clone());
            }
        }
        Err(e) => {
            if let Some(m) = facts.metadata["estimator"]["methods"].as_array() {
                facts.methods = m
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
            }
            if opts.data.is_some() {
                return Err(CardError::Data(format!(
                    "native inference cannot run this model, so it cannot be evaluated here: {e}"
                )));
            }
            facts.native_error = Some(e.to_string());
        }
    }
    Ok(facts)
}

/// Write `text` to `path` with the one whole-file writer
/// ([`skseal_core::container::write_atomic`]): no partial file, and a device
/// or a link is written through, never replaced.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), String> {
    skseal_core::container::write_atomic(path, |w| {
        use std::io::Write as _;
        w.write_all(text.as_bytes())
    })
    .map_err(|e: std::io::Error| format!("{}: {e}", path.display()))
}

/// The summary's JSON number (null when not finite).
pub(crate) fn num(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

pub(crate) fn probe_json(p: &Option<ProbeFacts>, note: &Option<String>) -> Value {
    match p {
        Some(p) => json!({
            "rows": p.rows, "columns": p.cols, "methods": p.methods,
            "checked": p.checked, "passed": p.passed, "report": p.report,
        }),
        None => {
            json!({"rows": 0, "checked": false, "report": note.clone().unwrap_or_else(|| "no probe".into())})
        }
    }
}
