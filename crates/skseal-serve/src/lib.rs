//! `skseal serve`: native inference over HTTP. No Python, no pickle: models
//! are read by skseal's one checked reader and computed by skseal-native.
//!
//! Endpoints: the Open Inference Protocol v2 (`/v2/health/live`,
//! `/v2/health/ready`, `/v2/models/{name}`, `/v2/models/{name}/ready`,
//! `/v2/models/{name}/infer`), MLflow's scoring protocol (`/invocations`,
//! `/models/{name}/invocations`; JSON or CSV), `/metrics` (Prometheus).
//! See docs/SERVING.md.

pub mod batch;
pub mod http;
pub mod log;
pub mod metrics;
pub mod protocol;
pub mod registry;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use skseal_native::LoadOptions;

pub use batch::BatchConfig;
use batch::Batcher;
pub use http::router;
use log::log_event;
use metrics::Metrics;
use registry::Registry;
pub use registry::Source;

/// How to serve.
#[derive(Debug, Clone)]
pub struct Config {
    /// (name, source) of every model.
    pub models: Vec<(String, Source)>,
    pub addr: SocketAddr,
    /// Names to trust beyond the default allow-list, and the signature key to require.
    pub load: LoadOptions,
    /// Largest request body accepted (413 beyond).
    pub max_body_bytes: usize,
    /// Most rows per request (413 beyond).
    pub max_rows: usize,
    /// Longest a request may compute (504 beyond).
    pub timeout: Duration,
    /// How often model files are checked for replacement.
    pub reload_every: Duration,
    /// Micro-batching of small concurrent requests (`None`: off).
    pub batch: Option<BatchConfig>,
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("model {0}")]
    Load(String),
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// Shared by every request.
pub struct State {
    pub registry: Arc<Registry>,
    pub metrics: Arc<Metrics>,
    pub max_rows: usize,
    pub timeout: Duration,
    /// The micro-batcher, when `--batch-wait-us` is given.
    pub batcher: Option<Batcher>,
}

/// Expand folders into their `.skseal` files (name = file stem) and parse
/// `NAME=PATH`; a plain file's name is its stem. With a store, an argument
/// that is not an existing path is a store reference (`NAME@ALIAS`,
/// `NAME@N`, `NAME`, or `SERVED=NAME@ALIAS`), served as NAME.
pub fn model_list(
    args: &[String],
    store: Option<&Arc<skseal_store::Store>>,
) -> Result<Vec<(String, Source)>, String> {
    let mut out: Vec<(String, Source)> = Vec::new();
    for a in args {
        let (name, path) = match a.split_once('=') {
            Some((n, p)) if !n.is_empty() && !n.contains('/') => {
                (Some(n.to_string()), PathBuf::from(p))
            }
            _ => (None, PathBuf::from(a)),
        };
        if let (Some(st), false) = (store, path.exists()) {
            let text = path.to_string_lossy();
            let reference = skseal_store::Reference::parse(&text).map_err(|e| e.to_string())?;
            let n = name.unwrap_or_else(|| reference.name().to_string());
            out.push((
                n,
                Source::Store {
                    store: st.clone(),
                    reference,
                },
            ));
            continue;
        }
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "skseal"))
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(format!(
                    "{}: no .skseal files in this folder",
                    path.display()
                ));
            }
            for f in files {
                let stem = stem(&f)?;
                out.push((stem, Source::File(f)));
            }
        } else {
            let n = match name {
                Some(n) => n,
                None => stem(&path)?,
            };
            out.push((n, Source::File(path)));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (n, p) in &out {
        if !seen.insert(n.clone()) {
            return Err(format!(
                "two models are named {n:?} ({}); name them with NAME=PATH",
                p.describe()
            ));
        }
    }
    if out.is_empty() {
        return Err("no model given: skseal serve MODEL.skseal [NAME=PATH ...]".into());
    }
    Ok(out)
}

fn stem(p: &std::path::Path) -> Result<String, String> {
    p.file_stem()
        .and_then(|s| s.to_str())
        .map(str::to_string)
        .ok_or_else(|| {
            format!(
                "{}: cannot name a model after this path; use NAME=PATH",
                p.display()
            )
        })
}

/// Serve until SIGTERM or SIGINT; in-flight requests are drained first.
pub async fn run(cfg: Config) -> Result<(), ServeError> {
    let metrics = Arc::new(Metrics::new());
    let registry = Arc::new(Registry::new(
        cfg.models.clone(),
        cfg.load.clone(),
        metrics.clone(),
    ));
    let listener = tokio::net::TcpListener::bind(cfg.addr)
        .await
        .map_err(|source| ServeError::Bind {
            addr: cfg.addr,
            source,
        })?;
    let local = listener.local_addr()?;
    log_event(&[
        ("event", "listening".into()),
        ("addr", local.to_string().into()),
        (
            "models",
            cfg.models
                .iter()
                .map(|(n, _)| n.clone())
                .collect::<Vec<_>>()
                .into(),
        ),
    ]);
    let state = Arc::new(State {
        registry: registry.clone(),
        batcher: cfg.batch.map(|b| Batcher::new(b, metrics.clone())),
        metrics,
        max_rows: cfg.max_rows,
        timeout: cfg.timeout,
    });
    let app = router(state, cfg.max_body_bytes);
    // load after binding: /v2/health/live answers at once, ready once loaded
    let loader = registry.clone();
    let every = cfg.reload_every;
    let (fail_tx, mut fail_rx) = tokio::sync::mpsc::channel::<String>(1);
    tokio::spawn(async move {
        match loader.load_all().await {
            Ok(()) => {
                log_event(&[("event", "ready".into())]);
                loader.watch(every).await;
            }
            Err(e) => {
                let _ = fail_tx.send(e).await;
            }
        }
    });
    let shutdown = async move {
        tokio::select! {
            _ = signal() => None,
            e = fail_rx.recv() => e,
        }
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<Option<String>>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        let why = shutdown.await;
        log_event(&[("event", "draining".into())]);
        let _ = stop_tx.send(why);
    });
    server.await?;
    match stop_rx.await {
        Ok(Some(e)) => Err(ServeError::Load(e)),
        _ => {
            log_event(&[("event", "stopped".into())]);
            Ok(())
        }
    }
}

async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut t), Ok(mut i)) => {
                tokio::select! {
                    _ = t.recv() => {}
                    _ = i.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Build a runtime on all cores and serve (for the CLI).
pub fn serve_blocking(cfg: Config) -> Result<(), ServeError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run(cfg))
}
