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
    /// The file version it was loaded from.
    pub stamp: FileStamp,
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

/// One served name.
pub struct Slot {
    pub name: String,
    pub path: PathBuf,
    pub current: ArcSwapOption<Loaded>,
    /// The file version last refused at reload (not retried until it changes).
    refused: Mutex<Option<FileStamp>>,
}

impl Slot {
    fn refused(&self) -> Option<FileStamp> {
        self.refused.lock().map(|g| g.clone()).unwrap_or(None)
    }
    fn set_refused(&self, s: Option<FileStamp>) {
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

/// Why a model file could not be (re)loaded.
pub fn load_one(path: &Path, opts: &LoadOptions) -> Result<Loaded, String> {
    let t = Instant::now();
    let stamp = FileStamp::of(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let model =
        skseal_native::load_path(path, opts).map_err(|e| format!("{}: {e}", path.display()))?;
    let report = model.check_probe();
    if !report.passed() {
        return Err(format!(
            "{}: the stored probe is not reproduced: {}",
            path.display(),
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
    pub fn new(models: Vec<(String, PathBuf)>, opts: LoadOptions, metrics: Arc<Metrics>) -> Self {
        Registry {
            slots: models
                .into_iter()
                .map(|(name, path)| {
                    Arc::new(Slot {
                        name,
                        path,
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
            let (path, opts) = (slot.path.clone(), self.opts.clone());
            let loaded = tokio::task::spawn_blocking(move || load_one(&path, &opts))
                .await
                .map_err(|e| format!("loading {}: {e}", slot.name))??;
            self.metrics.loaded(&slot.name, loaded.load_seconds);
            log_event(&[
                ("event", "loaded".into()),
                ("model", slot.name.clone().into()),
                ("path", slot.path.display().to_string().into()),
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
                let Ok(now) = FileStamp::of(&slot.path) else {
                    continue; // being replaced; the old model serves
                };
                if now == cur.stamp || slot.refused().as_ref() == Some(&now) {
                    continue;
                }
                let (path, opts) = (slot.path.clone(), self.opts.clone());
                let res = tokio::task::spawn_blocking(move || load_one(&path, &opts)).await;
                match res {
                    Ok(Ok(loaded)) => {
                        self.metrics.reloaded(&slot.name, true);
                        self.metrics.loaded(&slot.name, loaded.load_seconds);
                        log_event(&[
                            ("event", "reloaded".into()),
                            ("model", slot.name.clone().into()),
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
