//! The store's verbs: push, pull, list, show, verify and gc (aliases and
//! their history are in `aliases.rs`, the policy in `policy.rs`). Layout
//! (docs/STORE.md):
//!
//! ```text
//! skseal-store.json                          {"layout": 1}
//! blobs/<blake3 of the file>.skseal          file bytes, checked on read
//! models/<NAME>/versions/<N:012>.json        VersionRecord, created once
//! models/<NAME>/versions.head                hint: latest N (not trusted)
//! models/<NAME>/aliases/<ALIAS>/<S:012>.json AliasEntry, created once
//! models/<NAME>/aliases/<ALIAS>.head         hint: latest S (not trusted)
//! policy/<S:012>.json                        PolicyEntry, created once
//! ```

use std::collections::BTreeSet;

use serde_json::{json, Value};

use skseal_core::codec::Codec;
use skseal_core::container::{self, Container};
use skseal_core::graphjson::hex;
use skseal_core::keys;

use crate::backend::Backend;
use crate::records::{self, Actor, PolicyEntry, Signed, VersionRecord, LAYOUT};
use crate::StoreError;

const MARKER: &str = "skseal-store.json";
/// Attempts of an append racing other writers before giving up.
const MAX_RACES: u32 = 10_000;

/// A reference: `NAME`, `NAME@N` or `NAME@ALIAS`.
#[derive(Debug, Clone, PartialEq)]
pub enum Reference {
    Latest(String),
    Version(String, u64),
    Alias(String, String),
}

impl Reference {
    pub fn parse(s: &str) -> Result<Reference, StoreError> {
        let (name, r) = match s.split_once('@') {
            Some((n, r)) => (n, Some(r)),
            None => (s, None),
        };
        check_name(name, "model name")?;
        Ok(match r {
            None => Reference::Latest(name.into()),
            Some(r) if !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()) => {
                let v = r.parse::<u64>().map_err(|_| StoreError::BadName {
                    what: s.into(),
                    why: "version number too large".into(),
                })?;
                Reference::Version(name.into(), v)
            }
            Some(r) => {
                check_alias(r)?;
                Reference::Alias(name.into(), r.into())
            }
        })
    }

    pub fn name(&self) -> &str {
        match self {
            Reference::Latest(n) | Reference::Version(n, _) | Reference::Alias(n, _) => n,
        }
    }
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reference::Latest(n) => write!(f, "{n}"),
            Reference::Version(n, v) => write!(f, "{n}@{v}"),
            Reference::Alias(n, a) => write!(f, "{n}@{a}"),
        }
    }
}

/// Names and aliases: 1-100 of `[A-Za-z0-9._-]`, starting with a letter or digit.
pub fn check_name(s: &str, what: &str) -> Result<(), StoreError> {
    let ok = !s.is_empty()
        && s.len() <= 100
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadName {
            what: format!("{what} {s:?}"),
            why: "use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit"
                .into(),
        })
    }
}

pub(crate) fn check_alias(s: &str) -> Result<(), StoreError> {
    check_name(s, "alias")?;
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StoreError::BadName {
            what: format!("alias {s:?}"),
            why: "an alias cannot be a number (NAME@3 means version 3)".into(),
        });
    }
    Ok(())
}

pub(crate) fn seq_key(dir: &str, n: u64) -> String {
    format!("{dir}/{n:012}.json")
}

/// Options of a push.
#[derive(Default, Clone)]
pub struct PushOptions {
    pub message: String,
    pub alias: Option<String>,
    /// Secret key (Ed25519 seed) that signs the version record (and the file,
    /// when it is not signed yet).
    pub key: Option<[u8; 32]>,
    /// Names trusted beyond the default policy (for the pushed file's types).
    pub trusted: Vec<String>,
    pub max_decompressed: u64,
    /// Told each step of the push as it starts ("checking", "uploading",
    /// "recording"), for a progress display.
    pub progress: Option<Progress>,
}

/// A callback told the step a long operation is starting.
pub type Progress = std::sync::Arc<dyn Fn(&str) + Send + Sync>;

/// A pulled version: its record and the checked file bytes.
pub struct PullResult {
    pub record: VersionRecord,
    pub bytes: Vec<u8>,
}

/// What `verify` found.
#[derive(Default, Debug)]
pub struct VerifyReport {
    pub checked_versions: u64,
    pub checked_moves: u64,
    pub problems: Vec<String>,
}

/// What `gc` removed.
#[derive(Default, Debug)]
pub struct GcReport {
    pub kept: u64,
    pub removed: Vec<String>,
    pub skipped_recent: u64,
}

/// What `Store::before_record` calls.
#[cfg(test)]
pub(crate) type Hook = Box<dyn Fn(&Store) + Send + Sync>;

pub struct Store {
    pub(crate) backend: Backend,
    /// An admin key the policy's first entry must be signed by (pinned out
    /// of band: a writer could otherwise replace the whole policy).
    pub(crate) admin_pin: Option<[u8; 32]>,
    /// Called by `push` between writing the blob and writing the record (a
    /// test's way to run a concurrent `gc` exactly there).
    #[cfg(test)]
    pub(crate) before_record: Option<Hook>,
}

impl Store {
    /// Open a store (a folder is created when missing).
    pub fn open(uri: &str) -> Result<Store, StoreError> {
        let backend = Backend::open(uri)?;
        if let Some(m) = backend.get(MARKER)? {
            let v: Value = records::from_bytes(&m, MARKER)?;
            if v.get("layout") != Some(&json!(LAYOUT)) {
                return Err(StoreError::Corrupt {
                    key: MARKER.into(),
                    why: format!(
                        "store layout {} is not understood by this skseal (layout {LAYOUT}); upgrade skseal",
                        v.get("layout").unwrap_or(&Value::Null)
                    ),
                });
            }
        }
        Ok(Store {
            backend,
            admin_pin: None,
            #[cfg(test)]
            before_record: None,
        })
    }

    /// Require the policy to be rooted in this admin key.
    pub fn pin_admin(&mut self, pk: [u8; 32]) {
        self.admin_pin = Some(pk);
    }

    pub fn uri(&self) -> &str {
        &self.backend.uri
    }

    pub(crate) fn mark(&self) -> Result<(), StoreError> {
        if !self.backend.exists(MARKER)? {
            self.backend
                .create(MARKER, records::to_bytes(&json!({ "layout": LAYOUT }))?)?;
        }
        Ok(())
    }

    // ---- append-only sequences --------------------------------------------

    fn hint_key(dir: &str) -> String {
        format!("{dir}.head")
    }

    /// The highest sequence number in `dir` (0 when empty): the hint, checked
    /// and probed forward, else a listing.
    pub(crate) fn latest(&self, dir: &str) -> Result<u64, StoreError> {
        let hint = self
            .backend
            .get(&Self::hint_key(dir))?
            .and_then(|b| std::str::from_utf8(&b).ok()?.trim().parse::<u64>().ok())
            .unwrap_or(0);
        let mut n = hint;
        if n > 0 && !self.backend.exists(&seq_key(dir, n))? {
            n = self.latest_listed(dir)?;
        }
        while self.backend.exists(&seq_key(dir, n + 1))? {
            n += 1;
        }
        Ok(n)
    }

    fn latest_listed(&self, dir: &str) -> Result<u64, StoreError> {
        Ok(self
            .seq_keys(dir)?
            .into_iter()
            .map(|(n, _)| n)
            .max()
            .unwrap_or(0))
    }

    /// Every `(n, key)` of `dir`, ascending.
    pub(crate) fn seq_keys(&self, dir: &str) -> Result<Vec<(u64, String)>, StoreError> {
        let pre = format!("{dir}/");
        let mut out: Vec<(u64, String)> = self
            .backend
            .list(dir)?
            .into_iter()
            .filter_map(|k| {
                let n = k.strip_prefix(&pre)?.strip_suffix(".json")?;
                (n.len() == 12 && n.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| n.parse::<u64>().ok())
                    .flatten()
                    .map(|n| (n, k.clone()))
            })
            .collect();
        out.sort();
        Ok(out)
    }

    /// Append to `dir`: `build(n, previous entry bytes)` makes entry `n`;
    /// a writer that loses the race rebuilds on the winner's entry.
    pub(crate) fn append(
        &self,
        dir: &str,
        mut build: impl FnMut(u64, Option<&[u8]>) -> Result<Vec<u8>, StoreError>,
    ) -> Result<(u64, Vec<u8>), StoreError> {
        let mut n = self.latest(dir)?;
        for _ in 0..MAX_RACES {
            let prev = if n > 0 {
                Some(
                    self.backend
                        .get(&seq_key(dir, n))?
                        .ok_or_else(|| StoreError::NotFound(seq_key(dir, n)))?,
                )
            } else {
                None
            };
            let bytes = build(n + 1, prev.as_deref())?;
            if self.backend.create(&seq_key(dir, n + 1), bytes.clone())? {
                // best effort: a stale hint only costs a probe
                let _ = self
                    .backend
                    .put(&Self::hint_key(dir), format!("{}\n", n + 1).into_bytes());
                return Ok((n + 1, bytes));
            }
            n += 1;
            while self.backend.exists(&seq_key(dir, n + 1))? {
                n += 1;
            }
        }
        Err(StoreError::Contention(MAX_RACES))
    }

    // ---- versions ------------------------------------------------------------

    fn versions_dir(name: &str) -> String {
        format!("models/{name}/versions")
    }

    fn blob_key(hash: &str) -> String {
        format!("blobs/{hash}.skseal")
    }

    /// Push a file (`.skseal`, or a pickle/joblib file converted without
    /// running it) as the next version of `name`.
    pub fn push(
        &self,
        data: &[u8],
        file_name: &str,
        name: &str,
        opts: &PushOptions,
    ) -> Result<VersionRecord, StoreError> {
        check_name(name, "model name")?;
        if let Some(a) = &opts.alias {
            check_alias(a)?;
        }
        let policy = self.policy()?;
        if let Some(p) = &policy {
            let Some(k) = &opts.key else {
                return Err(StoreError::Policy(
                    "this store has a policy: push with --key (a secret key allowed to push)"
                        .into(),
                ));
            };
            let me = hex(&keys::public_of(k));
            if !p.push.contains(&me) {
                return Err(StoreError::Policy(format!(
                    "key ID {} is not allowed to push to this store",
                    records::id_of(&me)
                )));
            }
        }
        let step = |what: &str| {
            if let Some(p) = &opts.progress {
                p(what)
            }
        };
        step("checking");
        let (mut bytes, source) = crate::diff::to_skseal(data, file_name, opts)?;
        if let Some(k) = &opts.key {
            let c = Container::parse(&bytes).map_err(|e| bad_model(file_name, e))?;
            if c.header.signature.is_none() {
                bytes = container::sign_bytes(&bytes, &keys::signing_key(k))
                    .map_err(|e| bad_model(file_name, e))?;
            }
        }
        let header = check_file(&bytes, file_name, opts.max_decompressed)?;
        let blob = blake3::hash(&bytes).to_hex().to_string();
        self.mark()?;
        step("uploading");
        let bkey = Self::blob_key(&blob);
        // A blob already there may be old and unreferenced, so that a
        // concurrent gc could remove it before the record below refers to it:
        // write it again (the same bytes, replaced atomically) so its fresh
        // timestamp puts it inside gc's grace period.
        if !self.backend.create(&bkey, bytes.clone())? {
            self.backend.put(&bkey, bytes.clone())?;
        }
        #[cfg(test)]
        if let Some(hook) = &self.before_record {
            hook(self);
        }
        step("recording");
        let size = bytes.len() as u64;
        let metadata = header.metadata();
        let mut made = None;
        self.append(&Self::versions_dir(name), |n, _| {
            let mut r = VersionRecord {
                layout: LAYOUT,
                name: name.into(),
                version: n,
                blob: blob.clone(),
                size,
                fingerprint: header.fingerprint.clone(),
                pushed_at: skseal_core::metadata::utc_now(),
                pushed_by: Actor {
                    user: records::current_user(),
                    public_key: None,
                },
                message: opts.message.clone(),
                source: source.clone(),
                metadata: metadata.clone(),
                signature: None,
            };
            if let Some(k) = &opts.key {
                records::sign(&mut r, k)?;
            }
            made = Some(r.clone());
            records::to_bytes(&r)
        })?;
        let rec = made.ok_or_else(|| StoreError::Internal("version not built".into()))?;
        // A gc that read the records before this one was written (and ran with
        // a grace period shorter than this push) may have removed the blob:
        // the record is written, so put the blob back.
        if !self.backend.exists(&bkey)? {
            self.backend.create(&bkey, bytes)?;
        }
        if let Some(a) = &opts.alias {
            self.move_alias(name, a, rec.version, opts.key.as_ref(), &opts.message)?;
        }
        Ok(rec)
    }

    /// The record of `name@version`, with its signature checked against the policy.
    pub fn record(&self, name: &str, version: u64) -> Result<VersionRecord, StoreError> {
        self.record_under(&self.policy()?, name, version)
    }

    pub(crate) fn record_under(
        &self,
        policy: &Option<PolicyEntry>,
        name: &str,
        version: u64,
    ) -> Result<VersionRecord, StoreError> {
        let key = seq_key(&Self::versions_dir(name), version);
        let bytes = self
            .backend
            .get(&key)?
            .ok_or_else(|| StoreError::NotFound(format!("{name}@{version}")))?;
        let r: VersionRecord = records::from_bytes(&bytes, &key)?;
        if r.name != name || r.version != version {
            return Err(StoreError::Forged {
                what: format!("{name}@{version}"),
                why: format!("its record says it is {}@{}", r.name, r.version),
            });
        }
        Self::authorize(policy, &r, "push")?;
        Ok(r)
    }

    /// The version a reference points to.
    pub fn resolve(&self, r: &Reference) -> Result<u64, StoreError> {
        match r {
            Reference::Version(_, v) => Ok(*v),
            Reference::Latest(name) => match self.latest(&Self::versions_dir(name))? {
                0 => Err(StoreError::NotFound(name.clone())),
                v => Ok(v),
            },
            Reference::Alias(name, alias) => Ok(self.alias_head(name, alias)?.to),
        }
    }

    /// Pull a version: record and blob checked (signature, policy, BLAKE3 of
    /// the bytes, every array digest and the file's own signature) before any
    /// byte is returned.
    pub fn pull(&self, r: &Reference) -> Result<PullResult, StoreError> {
        self.pull_observed(r, &|_, _| ())
    }

    /// `pull`, telling `step(record, what)` each step as it starts
    /// ("downloading", "checking"), for a progress display.
    pub fn pull_observed(
        &self,
        r: &Reference,
        step: &dyn Fn(&VersionRecord, &str),
    ) -> Result<PullResult, StoreError> {
        let v = self.resolve(r)?;
        let record = self.record(r.name(), v)?;
        let bytes = self.blob_observed(&record, step)?;
        Ok(PullResult { record, bytes })
    }

    fn blob(&self, record: &VersionRecord) -> Result<Vec<u8>, StoreError> {
        self.blob_observed(record, &|_, _| ())
    }

    fn blob_observed(
        &self,
        record: &VersionRecord,
        step: &dyn Fn(&VersionRecord, &str),
    ) -> Result<Vec<u8>, StoreError> {
        let key = Self::blob_key(&record.blob);
        step(record, "downloading");
        let bytes = self.backend.get(&key)?.ok_or_else(|| StoreError::Corrupt {
            key: key.clone(),
            why: format!("the bytes of {} are missing", record.what()),
        })?;
        step(record, "checking");
        let got = blake3::hash(&bytes).to_hex().to_string();
        if got != record.blob {
            return Err(StoreError::Corrupt {
                key,
                why: format!(
                    "its BLAKE3 is {got}, but {} records {}: the blob was changed",
                    record.what(),
                    record.blob
                ),
            });
        }
        let h = check_file(&bytes, &key, u64::MAX)?;
        if h.fingerprint != record.fingerprint {
            return Err(StoreError::Corrupt {
                key,
                why: "its content fingerprint differs from the record's".into(),
            });
        }
        Ok(bytes)
    }

    /// Every model name.
    pub fn names(&self) -> Result<Vec<String>, StoreError> {
        let mut out = BTreeSet::new();
        for k in self.backend.list("models")? {
            if let Some(rest) = k.strip_prefix("models/") {
                if let Some((n, _)) = rest.split_once('/') {
                    out.insert(n.to_string());
                }
            }
        }
        Ok(out.into_iter().collect())
    }

    /// Every version record of `name`, ascending (signatures checked).
    pub fn versions(&self, name: &str) -> Result<Vec<VersionRecord>, StoreError> {
        check_name(name, "model name")?;
        let policy = self.policy()?;
        let mut out = Vec::new();
        for (n, key) in self.seq_keys(&Self::versions_dir(name))? {
            let bytes = self
                .backend
                .get(&key)?
                .ok_or_else(|| StoreError::NotFound(key.clone()))?;
            let r: VersionRecord = records::from_bytes(&bytes, &key)?;
            if r.version != n || r.name != name {
                return Err(StoreError::Forged {
                    what: key,
                    why: format!("its record says it is {}@{}", r.name, r.version),
                });
            }
            Self::authorize(&policy, &r, "push")?;
            out.push(r);
        }
        Ok(out)
    }

    // ---- maintenance -----------------------------------------------------------

    /// Check every version (record, signature, policy, blob, array digests)
    /// and every alias history of `name` (or of every model).
    pub fn verify(&self, name: Option<&str>) -> Result<VerifyReport, StoreError> {
        let mut rep = VerifyReport::default();
        if let Err(e) = self.policy() {
            rep.problems.push(format!("policy: {e}"));
        }
        let names = match name {
            Some(n) => vec![n.to_string()],
            None => self.names()?,
        };
        for n in names {
            match self.versions(&n) {
                Ok(vs) => {
                    for r in vs {
                        rep.checked_versions += 1;
                        if let Err(e) = self.blob(&r) {
                            rep.problems.push(format!("{}: {e}", r.what()));
                        }
                    }
                }
                Err(e) => rep.problems.push(format!("{n}: {e}")),
            }
            let pre = format!("models/{n}/aliases/");
            let mut aliases = BTreeSet::new();
            for k in self.backend.list(&format!("models/{n}/aliases"))? {
                if let Some((a, _)) = k.strip_prefix(&pre).and_then(|r| r.split_once('/')) {
                    aliases.insert(a.to_string());
                }
            }
            for a in aliases {
                match self.history(&n, &a) {
                    Ok(h) => {
                        rep.checked_moves += h.len() as u64;
                        for e in h {
                            if let Err(err) = self.record(&n, e.to) {
                                rep.problems.push(format!("{n}@{a} entry {}: {err}", e.seq));
                            }
                        }
                    }
                    Err(e) => rep.problems.push(format!("{n}@{a}: {e}")),
                }
            }
        }
        Ok(rep)
    }

    /// Remove blobs no version refers to, except those written in the last
    /// `grace_secs` (a push in flight writes its blob before its record).
    pub fn gc(&self, grace_secs: u64, dry_run: bool) -> Result<GcReport, StoreError> {
        let mut referenced = BTreeSet::new();
        for n in self.names()? {
            for (_, key) in self.seq_keys(&Self::versions_dir(&n))? {
                if let Some(b) = self.backend.get(&key)? {
                    let r: VersionRecord = records::from_bytes(&b, &key)?;
                    referenced.insert(Self::blob_key(&r.blob));
                }
            }
        }
        let mut rep = GcReport::default();
        for (key, age) in self.backend.list_ages("blobs")? {
            if referenced.contains(&key) {
                rep.kept += 1;
            } else if age < grace_secs {
                rep.skipped_recent += 1;
            } else {
                if !dry_run {
                    // a push may have rewritten it since the listing (it is
                    // about to refer to it): its age is looked up again
                    match self.backend.age(&key)? {
                        None => continue,
                        Some(a) if a < grace_secs => {
                            rep.skipped_recent += 1;
                            continue;
                        }
                        Some(_) => self.backend.delete(&key)?,
                    }
                }
                rep.removed.push(key);
            }
        }
        Ok(rep)
    }

    /// `show`: the record, aliases pointing at it, and the file's description.
    pub fn show(&self, r: &Reference) -> Result<Value, StoreError> {
        let pulled = self.pull(r)?;
        let rec = &pulled.record;
        let aliases: Vec<String> = self
            .aliases(&rec.name)?
            .into_iter()
            .filter(|(_, v)| *v == rec.version)
            .map(|(a, _)| a)
            .collect();
        let c = Container::parse(&pulled.bytes).map_err(|e| bad_model(&rec.what(), e))?;
        Ok(json!({
            "name": rec.name,
            "version": rec.version,
            "reference": r.to_string(),
            "aliases": aliases,
            "fingerprint": rec.fingerprint,
            "blob": rec.blob,
            "size": rec.size,
            "pushed_at": rec.pushed_at,
            "pushed_by": {"user": rec.pushed_by.user, "key_id": rec.pushed_by.key_id()},
            "message": rec.message,
            "source": rec.source,
            "signature": skseal_core::inspect::signature_json(&c.header, None),
            "metadata": rec.metadata,
            "globals": skseal_core::inspect::globals_json(&c.header.graph),
        }))
    }

    /// `diff`: metadata, metrics, hyperparameters and arrays of two versions.
    pub fn diff(&self, a: &Reference, b: &Reference) -> Result<Value, StoreError> {
        let pa = self.pull(a)?;
        let pb = self.pull(b)?;
        crate::diff::diff(&pa, &pb)
    }
}

fn bad_model(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::BadModel {
        what: what.to_string(),
        why: e.to_string(),
    }
}

/// Parse a `.skseal` file and check every array digest, the padding and the
/// file's signature; the header on success.
pub(crate) fn check_file(
    bytes: &[u8],
    what: &str,
    max_nbytes: u64,
) -> Result<container::Header, StoreError> {
    let c = Container::parse(bytes).map_err(|e| bad_model(what, e))?;
    for (i, a) in c.header.arrays.iter().enumerate() {
        let r = if a.codec == Codec::None && a.pack.is_none() {
            c.verify_raw(i)
        } else {
            if a.nbytes > max_nbytes {
                return Err(bad_model(
                    what,
                    format!("array {i} decodes to {} bytes, over the limit", a.nbytes),
                ));
            }
            let n = usize::try_from(a.nbytes)
                .map_err(|_| bad_model(what, format!("array {i} is too large")))?;
            let mut buf = vec![0u8; n];
            c.decode_into(i, &mut buf)
        };
        r.map_err(|e| bad_model(what, e))?;
    }
    c.verify_padding().map_err(|e| bad_model(what, e))?;
    c.verify_signature(None).map_err(|e| bad_model(what, e))?;
    Ok(c.header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_names() {
        assert_eq!(
            Reference::parse("m").unwrap(),
            Reference::Latest("m".into())
        );
        assert_eq!(
            Reference::parse("m@12").unwrap(),
            Reference::Version("m".into(), 12)
        );
        assert_eq!(
            Reference::parse("m@prod-1").unwrap(),
            Reference::Alias("m".into(), "prod-1".into())
        );
        for bad in [
            "",
            "@x",
            "m@",
            "../m",
            "m/x@1",
            "m@a/b",
            ".hidden",
            "m@99999999999999999999999",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
        assert!(check_alias("123").is_err());
    }

    const MODEL: &[u8] = include_bytes!("../../../fuzz/corpus/container/logreg.skseal");

    /// A folder store holding MODEL's blob, unreferenced and two hours old.
    fn old_unreferenced_blob(tag: &str) -> (std::path::PathBuf, Store, PushOptions) {
        let dir =
            std::env::temp_dir().join(format!("skseal-store-gc-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let s = Store::open(&dir.display().to_string()).unwrap();
        let opts = PushOptions {
            max_decompressed: u64::MAX,
            ..Default::default()
        };
        let r = s.push(MODEL, "logreg.skseal", "old", &opts).unwrap();
        s.backend
            .delete(&seq_key(&Store::versions_dir("old"), 1))
            .unwrap();
        let f = std::fs::File::options()
            .write(true)
            .open(dir.join(Store::blob_key(&r.blob)))
            .unwrap();
        f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(7200))
            .unwrap();
        assert_eq!(s.gc(3600, true).unwrap().removed.len(), 1);
        (dir, s, opts)
    }

    #[test]
    fn a_push_reusing_an_old_blob_refreshes_it_for_gcs_grace_period() {
        let (dir, mut s, opts) = old_unreferenced_blob("refresh");
        // a gc between the blob and the record spares the blob: it is recent again
        s.before_record = Some(Box::new(|st: &Store| {
            let g = st.gc(3600, false).unwrap();
            assert!(g.removed.is_empty(), "{g:?}");
            assert_eq!(g.skipped_recent, 1);
        }));
        s.push(MODEL, "logreg.skseal", "new", &opts).unwrap();
        s.before_record = None;
        let p = s.pull(&Reference::Version("new".into(), 1)).unwrap();
        assert_eq!(p.bytes, MODEL);
        assert!(s.verify(None).unwrap().problems.is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_push_puts_back_a_blob_removed_before_its_record_was_written() {
        let (dir, mut s, opts) = old_unreferenced_blob("putback");
        // a gc without grace removes the blob between the blob and the record
        s.before_record = Some(Box::new(|st: &Store| {
            assert_eq!(st.gc(0, false).unwrap().removed.len(), 1);
        }));
        s.push(MODEL, "logreg.skseal", "new", &opts).unwrap();
        s.before_record = None;
        let p = s.pull(&Reference::Version("new".into(), 1)).unwrap();
        assert_eq!(p.bytes, MODEL);
        assert!(s.verify(None).unwrap().problems.is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn concurrent_appends_on_a_folder_lose_nothing() {
        let dir = std::env::temp_dir().join(format!("skseal-store-test-{}", std::process::id()));
        let uri = dir.display().to_string();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let uri = uri.clone();
                std::thread::spawn(move || {
                    let s = Store::open(&uri).unwrap();
                    for i in 0..25 {
                        s.append("seq/x", |n, prev| {
                            // the number of the entry this one was built on
                            let p = prev.map(|b| {
                                String::from_utf8_lossy(b)
                                    .split(' ')
                                    .next()
                                    .unwrap_or("")
                                    .to_string()
                            });
                            Ok(format!("{n} {t}-{i} after {p:?}").into_bytes())
                        })
                        .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let s = Store::open(&uri).unwrap();
        let keys = s.seq_keys("seq/x").unwrap();
        assert_eq!(
            keys.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            (1..=100).collect::<Vec<u64>>()
        );
        // each entry was built on the one before it
        for (n, k) in keys.iter().skip(1) {
            let b = String::from_utf8(s.backend.get(k).unwrap().unwrap()).unwrap();
            assert!(b.starts_with(&format!("{n} ")), "{b}");
            assert!(b.ends_with(&format!("after Some(\"{}\")", n - 1)), "{b}");
        }
        assert_eq!(s.latest("seq/x").unwrap(), 100);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
