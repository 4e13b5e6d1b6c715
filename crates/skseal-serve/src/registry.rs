//! The served models: each name holds its current native model behind an
//! atomic pointer. A reload builds and checks the replacement aside (same
//! checks as the first load, the signature and the probe included) and
//! swaps it in; requests in flight keep the model they started with. A
//! replacement that fails any check leaves the old model serving.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwapOption;
use skseal_native::{LoadOptions, Model};

use crate::log::log_event;
use crate::metrics::Metrics;

/// A model as served: the native model and what was checked when it loaded.
pub struct Loaded {
    pub model: Model,
    /// The file version (or store version) it was loaded from.
    pub stamp: Stamp,
    /// Seconds the load (read, checks, build, probe) took.
    pub load_seconds: f64,
    /// The native probe check ("no probe", "predict: bitwise equal; ...").
    pub probe: String,
}

/// What identifies one version of a file on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStamp {
    pub len: u64,
    pub modified: Option<SystemTime>,
    pub inode: u64,
}

impl FileStamp {
    pub fn of(path: &Path) -> std::io::Result<FileStamp> {
        let m = std::fs::metadata(path)?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&m);
        #[cfg(not(unix))]
        let inode = 0;
        Ok(FileStamp {
            len: m.len(),
            modified: m.modified().ok(),
            inode,
        })
    }
}

/// Where a served model comes from.
#[derive(Clone)]
pub enum Source {
    File(PathBuf),
    /// `NAME@ALIAS` (or `NAME@N`, `NAME`) in a model store: the alias's moves
    /// are followed like a replaced file.
    Store {
        store: Arc<skseal_store::Store>,
        reference: skseal_store::Reference,
    },
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Source {
    pub fn describe(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Store { store, reference } => format!("{reference} in {}", store.uri()),
        }
    }

    /// What identifies the version this source holds now.
    pub fn stamp(&self) -> Result<Stamp, String> {
        match self {
            Source::File(p) => FileStamp::of(p)
                .map(Stamp::File)
                .map_err(|e| format!("{}: {e}", p.display())),
            Source::Store { store, reference } => store
                .resolve(reference)
                .map(Stamp::Store)
                .map_err(|e| e.to_string()),
        }
    }
}

/// A version of a source: a file's identity, or a store version number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stamp {
    File(FileStamp),
    Store(u64),
}

/// One served name.
pub struct Slot {
    pub name: String,
    pub source: Source,
    pub current: ArcSwapOption<Loaded>,
    /// The version last refused at reload (not retried until it changes).
    refused: Mutex<Option<Stamp>>,
}

impl Slot {
    fn refused(&self) -> Option<Stamp> {
        self.refused.lock().map(|g| g.clone()).unwrap_or(None)
    }
    fn set_refused(&self, s: Option<Stamp>) {
        if let Ok(mut g) = self.refused.lock() {
            *g = s;
        }
    }
}

/// Every served model.
pub struct Registry {
    pub slots: Vec<Arc<Slot>>,
    pub opts: LoadOptions,
    pub metrics: Arc<Metrics>,
    ready: AtomicBool,
}

/// Load a model from its source, with every check; Err says why not.
pub fn load_one(source: &Source, opts: &LoadOptions) -> Result<Loaded, String> {
    let t = Instant::now();
    let what = source.describe();
    let (model, stamp) = match source {
        Source::File(path) => {
            let stamp = source.stamp()?;
            let model = skseal_native::load_path(path, opts)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            (model, stamp)
        }
        Source::Store { store, reference } => {
            // resolve once: the stamp is the version whose bytes are loaded
            let v = store.resolve(reference).map_err(|e| e.to_string())?;
            let pinned = skseal_store::Reference::Version(reference.name().to_string(), v);
            let pulled = store.pull(&pinned).map_err(|e| e.to_string())?;
            let model = skseal_native::load_bytes(&pulled.bytes, opts)
                .map_err(|e| format!("{what} (version {v}): {e}"))?;
            (model, Stamp::Store(v))
        }
    };
    let report = model.check_probe();
    if !report.passed() {
        return Err(format!(
            "{what}: the stored probe is not reproduced: {}",
            report.describe()
        ));
    }
    Ok(Loaded {
        model,
        stamp,
        load_seconds: t.elapsed().as_secs_f64(),
        probe: report.describe(),
    })
}

impl Registry {
    pub fn new(models: Vec<(String, Source)>, opts: LoadOptions, metrics: Arc<Metrics>) -> Self {
        Registry {
            slots: models
                .into_iter()
                .map(|(name, source)| {
                    Arc::new(Slot {
                        name,
                        source,
                        current: ArcSwapOption::empty(),
                        refused: Mutex::new(None),
                    })
                })
                .collect(),
            opts,
            metrics,
            ready: AtomicBool::new(false),
        }
    }

    pub fn get(&self, name: &str) -> Option<&Arc<Slot>> {
        self.slots.iter().find(|s| s.name == name)
    }

    /// Ready once every model has loaded and passed its probe.
    pub fn ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Load every model (on the blocking pool); the first failure is returned.
    pub async fn load_all(self: &Arc<Self>) -> Result<(), String> {
        for slot in &self.slots {
            let (source, opts) = (slot.source.clone(), self.opts.clone());
            let loaded = tokio::task::spawn_blocking(move || load_one(&source, &opts))
                .await
                .map_err(|e| format!("loading {}: {e}", slot.name))??;
            self.metrics.loaded(&slot.name, loaded.load_seconds);
            log_event(&[
                ("event", "loaded".into()),
                ("model", slot.name.clone().into()),
                ("path", slot.source.describe().into()),
                ("load_ms", (loaded.load_seconds * 1e3).into()),
                ("probe", loaded.probe.clone().into()),
            ]);
            slot.current.store(Some(Arc::new(loaded)));
        }
        self.ready.store(true, Ordering::Release);
        Ok(())
    }

    /// Watch the files; reload a model whose file changed (replaced, rewritten).
    pub async fn watch(self: Arc<Self>, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            for slot in &self.slots {
                let Some(cur) = slot.current.load_full() else {
                    continue;
                };
                let src = slot.source.clone();
                let Ok(Ok(now)) = tokio::task::spawn_blocking(move || src.stamp()).await else {
                    continue; // being replaced, or the store is unreachable: the old model serves
                };
                if now == cur.stamp || slot.refused().as_ref() == Some(&now) {
                    continue;
                }
                let (source, opts) = (slot.source.clone(), self.opts.clone());
                let res = tokio::task::spawn_blocking(move || load_one(&source, &opts)).await;
                match res {
                    Ok(Ok(loaded)) => {
                        self.metrics.reloaded(&slot.name, true);
                        self.metrics.loaded(&slot.name, loaded.load_seconds);
                        log_event(&[
                            ("event", "reloaded".into()),
                            ("model", slot.name.clone().into()),
                            ("path", slot.source.describe().into()),
                            ("load_ms", (loaded.load_seconds * 1e3).into()),
                            ("probe", loaded.probe.clone().into()),
                        ]);
                        slot.current.store(Some(Arc::new(loaded)));
                        slot.set_refused(None);
                    }
                    Ok(Err(why)) => {
                        self.metrics.reloaded(&slot.name, false);
                        log_event(&[
                            ("event", "reload_refused".into()),
                            ("model", slot.name.clone().into()),
                            ("error", why.into()),
                        ]);
                        // the old model keeps serving; this file is not retried until it changes
                        slot.set_refused(Some(now));
                    }
                    Err(e) => {
                        self.metrics.reloaded(&slot.name, false);
                        log_event(&[
                            ("event", "reload_refused".into()),
                            ("model", slot.name.clone().into()),
                            ("error", e.to_string().into()),
                        ]);
                    }
                }
            }
        }
    }
}
