//! The store's policy: who may push, who may move aliases, who are the
//! admins. An append-only chain of signed entries (`policy/<S:012>.json`),
//! rooted in an admin key (pinned out of band when given), checked whole on
//! every read; `authorize` checks a record's signer against it.

use skseal_core::graphjson::hex;
use skseal_core::keys;

use crate::ops::Store;
use crate::records::{self, Actor, PolicyEntry, Signed, LAYOUT};
use crate::StoreError;

impl Store {
    /// The policy in force (None: an open store), after checking its chain.
    pub fn policy(&self) -> Result<Option<PolicyEntry>, StoreError> {
        let entries = self.seq_keys("policy")?;
        if entries.is_empty() {
            if let Some(pin) = &self.admin_pin {
                return Err(StoreError::Policy(format!(
                    "the store has no policy, but admin key ID {} was pinned: the policy was removed or this is the wrong store",
                    keys::key_id(pin)
                )));
            }
            return Ok(None);
        }
        let mut cur: Option<(PolicyEntry, Vec<u8>)> = None;
        for (i, (n, key)) in entries.iter().enumerate() {
            if *n != i as u64 + 1 {
                return Err(StoreError::Corrupt {
                    key: key.clone(),
                    why: format!("policy entry {} is missing", i + 1),
                });
            }
            let bytes = self
                .backend
                .get(key)?
                .ok_or_else(|| StoreError::NotFound(key.clone()))?;
            let p: PolicyEntry = records::from_bytes(&bytes, key)?;
            let signer = records::check(&p)?.ok_or_else(|| StoreError::Forged {
                what: p.what(),
                why: "a policy entry must be signed by an admin".into(),
            })?;
            let signer_hex = hex(&signer);
            if p.seq != *n {
                return Err(StoreError::Forged {
                    what: p.what(),
                    why: format!("it is stored as entry {n}"),
                });
            }
            match &cur {
                None => {
                    if !p.admins.contains(&signer_hex) {
                        return Err(StoreError::Forged {
                            what: p.what(),
                            why: "the first policy must be signed by one of its own admins".into(),
                        });
                    }
                    if let Some(pin) = &self.admin_pin {
                        if *pin != signer {
                            return Err(StoreError::Policy(format!(
                                "the store's policy is rooted in key ID {}, not in the pinned admin key ID {}",
                                keys::key_id(&signer),
                                keys::key_id(pin)
                            )));
                        }
                    }
                }
                Some((prev, prev_bytes)) => {
                    if !prev.admins.contains(&signer_hex) {
                        return Err(StoreError::Forged {
                            what: p.what(),
                            why: format!(
                                "signed by key ID {}, which is not an admin of policy entry {}",
                                keys::key_id(&signer),
                                prev.seq
                            ),
                        });
                    }
                    let want = blake3::hash(prev_bytes).to_hex().to_string();
                    if p.prev.as_deref() != Some(want.as_str()) {
                        return Err(StoreError::Forged {
                            what: p.what(),
                            why: "it does not chain to the previous policy entry".into(),
                        });
                    }
                }
            }
            cur = Some((p, bytes));
        }
        Ok(cur.map(|(p, _)| p))
    }

    /// Set the policy (signed by `admin`, who must be an admin of the current
    /// policy, or of the new one when there is none). Keys are hex public keys.
    pub fn set_policy(
        &self,
        admin: &[u8; 32],
        admins: Vec<String>,
        push: Vec<String>,
        alias: Vec<String>,
    ) -> Result<PolicyEntry, StoreError> {
        let me = hex(&keys::public_of(admin));
        for k in admins.iter().chain(&push).chain(&alias) {
            if skseal_core::graphjson::unhex(k).map(|v| v.len()) != Some(32) {
                return Err(StoreError::BadName {
                    what: format!("policy key {k:?}"),
                    why: "a public key is 64 hex digits".into(),
                });
            }
        }
        let current = self.policy()?;
        match &current {
            Some(c) if !c.admins.contains(&me) => {
                return Err(StoreError::Policy(format!(
                    "key ID {} is not an admin of the current policy",
                    records::id_of(&me)
                )))
            }
            None if !admins.contains(&me) => {
                return Err(StoreError::Policy(
                    "the first policy must list the signing key among its admins".into(),
                ))
            }
            _ => {}
        }
        if admins.is_empty() {
            return Err(StoreError::Policy(
                "a policy needs at least one admin".into(),
            ));
        }
        self.mark()?;
        let mut made = None;
        self.append("policy", |n, prev| {
            let mut p = PolicyEntry {
                layout: LAYOUT,
                seq: n,
                admins: admins.clone(),
                push: push.clone(),
                alias: alias.clone(),
                prev: prev.map(|b| blake3::hash(b).to_hex().to_string()),
                at: skseal_core::metadata::utc_now(),
                by: Actor {
                    user: records::current_user(),
                    public_key: None,
                },
                signature: None,
            };
            records::sign(&mut p, admin)?;
            made = Some(p.clone());
            records::to_bytes(&p)
        })?;
        made.ok_or_else(|| StoreError::Internal("policy entry not built".into()))
    }

    /// Check a record's signature against the policy's list for `role`.
    pub(crate) fn authorize<T: Signed>(
        policy: &Option<PolicyEntry>,
        r: &T,
        role: &str,
    ) -> Result<(), StoreError> {
        let signer = records::check(r)?;
        let Some(p) = policy else { return Ok(()) };
        let allowed = if role == "push" { &p.push } else { &p.alias };
        match signer {
            None => Err(StoreError::Policy(format!(
                "{} is not signed, and the store requires a signature by a key allowed to {role}",
                r.what()
            ))),
            Some(k) if !allowed.contains(&hex(&k)) => Err(StoreError::Policy(format!(
                "{} is signed by key ID {}, which the store policy does not allow to {role}",
                r.what(),
                keys::key_id(&k)
            ))),
            Some(_) => Ok(()),
        }
    }
}
