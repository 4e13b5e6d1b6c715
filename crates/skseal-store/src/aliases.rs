//! Aliases: `NAME@ALIAS` moves appended to a per-alias history
//! (`models/<NAME>/aliases/<ALIAS>/<S:012>.json`), each entry chained to the
//! one before it and checked against the policy on every read.

use std::collections::{BTreeMap, BTreeSet};

use skseal_core::graphjson::hex;
use skseal_core::keys;

use crate::ops::{check_alias, check_name, seq_key, Store};
use crate::records::{self, Actor, AliasEntry, Signed, LAYOUT};
use crate::StoreError;

impl Store {
    fn aliases_dir(name: &str, alias: &str) -> String {
        format!("models/{name}/aliases/{alias}")
    }

    /// Aliases of `name` and where each points now.
    pub fn aliases(&self, name: &str) -> Result<BTreeMap<String, u64>, StoreError> {
        let pre = format!("models/{name}/aliases/");
        let mut names = BTreeSet::new();
        for k in self.backend.list(&format!("models/{name}/aliases"))? {
            if let Some((a, _)) = k.strip_prefix(&pre).and_then(|r| r.split_once('/')) {
                names.insert(a.to_string());
            }
        }
        let mut out = BTreeMap::new();
        for a in names {
            out.insert(a.clone(), self.alias_head(name, &a)?.to);
        }
        Ok(out)
    }

    /// Move `alias` of `name` to `version` (appended to its history).
    pub fn move_alias(
        &self,
        name: &str,
        alias: &str,
        version: u64,
        key: Option<&[u8; 32]>,
        message: &str,
    ) -> Result<AliasEntry, StoreError> {
        check_name(name, "model name")?;
        check_alias(alias)?;
        let policy = self.policy()?;
        if let Some(p) = &policy {
            let Some(k) = key else {
                return Err(StoreError::Policy(
                    "this store has a policy: move aliases with --key (a secret key allowed to move aliases)".into(),
                ));
            };
            let me = hex(&keys::public_of(k));
            if !p.alias.contains(&me) {
                return Err(StoreError::Policy(format!(
                    "key ID {} is not allowed to move aliases in this store",
                    records::id_of(&me)
                )));
            }
        }
        // the target exists and passes the policy: an alias never points nowhere
        self.record_under(&policy, name, version)?;
        let mut made = None;
        self.append(&Self::aliases_dir(name, alias), |n, prev| {
            let from = match prev {
                Some(b) => Some(records::from_bytes::<AliasEntry>(b, "previous alias entry")?.to),
                None => None,
            };
            let mut e = AliasEntry {
                layout: LAYOUT,
                name: name.into(),
                alias: alias.into(),
                seq: n,
                from,
                to: version,
                prev: prev.map(|b| blake3::hash(b).to_hex().to_string()),
                at: skseal_core::metadata::utc_now(),
                by: Actor {
                    user: records::current_user(),
                    public_key: None,
                },
                message: message.into(),
                signature: None,
            };
            if let Some(k) = key {
                records::sign(&mut e, k)?;
            }
            made = Some(e.clone());
            records::to_bytes(&e)
        })?;
        made.ok_or_else(|| StoreError::Internal("alias entry not built".into()))
    }

    fn entry(&self, dir: &str, n: u64) -> Result<(AliasEntry, Vec<u8>), StoreError> {
        let key = seq_key(dir, n);
        let bytes = self
            .backend
            .get(&key)?
            .ok_or_else(|| StoreError::NotFound(key.clone()))?;
        Ok((records::from_bytes(&bytes, &key)?, bytes))
    }

    /// The latest move of an alias, checked: signature and policy, its place
    /// in the chain (it links to the entry before it).
    pub(crate) fn alias_head(&self, name: &str, alias: &str) -> Result<AliasEntry, StoreError> {
        let dir = Self::aliases_dir(name, alias);
        let n = self.latest(&dir)?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("{name}@{alias}")));
        }
        let (e, _) = self.entry(&dir, n)?;
        let prev = if n > 1 {
            Some(self.entry(&dir, n - 1)?)
        } else {
            None
        };
        let policy = self.policy()?;
        if let Some((p, _)) = &prev {
            // a changed predecessor is named as such, not as a broken link
            Self::authorize(&policy, p, "move aliases")?;
        }
        Self::authorize(&policy, &e, "move aliases")?;
        Self::check_link(&e, n, name, alias, prev.as_ref())?;
        Ok(e)
    }

    fn check_link(
        e: &AliasEntry,
        n: u64,
        name: &str,
        alias: &str,
        prev: Option<&(AliasEntry, Vec<u8>)>,
    ) -> Result<(), StoreError> {
        let forged = |why: String| StoreError::Forged {
            what: e.what(),
            why,
        };
        if e.seq != n || e.name != name || e.alias != alias {
            return Err(forged(format!(
                "it is stored as entry {n} of {name}@{alias}"
            )));
        }
        match prev {
            None if e.prev.is_some() || e.from.is_some() => {
                Err(forged("the first entry cannot have a predecessor".into()))
            }
            Some((p, pb)) => {
                let want = blake3::hash(pb).to_hex().to_string();
                if e.prev.as_deref() != Some(want.as_str()) {
                    Err(forged(
                        "it does not chain to the entry before it (a history entry was replaced)"
                            .into(),
                    ))
                } else if e.from != Some(p.to) {
                    Err(forged(format!(
                        "it says the alias was at version {:?}, but the entry before moved it to {}",
                        e.from, p.to
                    )))
                } else {
                    Ok(())
                }
            }
            None => Ok(()),
        }
    }

    /// The whole history of an alias, every link and signature checked.
    pub fn history(&self, name: &str, alias: &str) -> Result<Vec<AliasEntry>, StoreError> {
        check_name(name, "model name")?;
        check_alias(alias)?;
        let policy = self.policy()?;
        let dir = Self::aliases_dir(name, alias);
        let mut out: Vec<AliasEntry> = Vec::new();
        let mut prev: Option<(AliasEntry, Vec<u8>)> = None;
        for (i, (n, _)) in self.seq_keys(&dir)?.into_iter().enumerate() {
            if n != i as u64 + 1 {
                return Err(StoreError::Forged {
                    what: format!("history of {name}@{alias}"),
                    why: format!("entry {} is missing", i + 1),
                });
            }
            let cur = self.entry(&dir, n)?;
            Self::authorize(&policy, &cur.0, "move aliases")?;
            Self::check_link(&cur.0, n, name, alias, prev.as_ref())?;
            out.push(cur.0.clone());
            prev = Some(cur);
        }
        if out.is_empty() {
            return Err(StoreError::NotFound(format!("{name}@{alias}")));
        }
        Ok(out)
    }

    /// The histories of every alias of `name`, alias after alias (in name
    /// order), each checked as `history` checks it; empty when `name` has no
    /// alias.
    pub fn histories(&self, name: &str) -> Result<Vec<AliasEntry>, StoreError> {
        check_name(name, "model name")?;
        let mut out = Vec::new();
        for a in self.alias_names(name)? {
            out.extend(self.history(name, &a)?);
        }
        Ok(out)
    }

    /// Every alias name of `name`.
    pub fn alias_names(&self, name: &str) -> Result<Vec<String>, StoreError> {
        Ok(self.aliases(name)?.into_keys().collect())
    }
}
