//! The store's records (docs/STORE.md): version records, alias-history
//! entries and policy entries, each a JSON object written once, optionally
//! signed with Ed25519.
//!
//! A signature covers the record's JSON as serde writes it with `signature`
//! set to null (fields in declaration order), behind a domain prefix per
//! record kind, so a version signature can never be replayed as an alias move.

use ed25519_dalek::{Signer, Verifier};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use skseal_core::graphjson::{hex, unhex};
use skseal_core::keys;

use crate::StoreError;

/// Layout version of every record (and of the store marker).
pub const LAYOUT: u32 = 1;

/// Who did something: a user name (SKSEAL_USER, else USER) and, when signed,
/// the key.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Actor {
    pub user: String,
    /// Hex Ed25519 public key, when the record is signed.
    pub public_key: Option<String>,
}

impl Actor {
    pub fn key_id(&self) -> Option<String> {
        self.public_key
            .as_ref()
            .map(|k| k.chars().take(16).collect())
    }
}

/// One immutable version of a model.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct VersionRecord {
    pub layout: u32,
    pub name: String,
    pub version: u64,
    /// BLAKE3 of the file's bytes: the blob's key.
    pub blob: String,
    pub size: u64,
    /// The file's content fingerprint (same model whatever compression or metadata).
    pub fingerprint: String,
    pub pushed_at: String,
    pub pushed_by: Actor,
    pub message: String,
    /// The pushed file's name; for a converted pickle/joblib, its format too.
    pub source: Value,
    /// The file's metadata (estimator, environment, user metadata and metrics).
    pub metadata: Value,
    pub signature: Option<String>,
}

/// One move of an alias, in an append-only chain per alias.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct AliasEntry {
    pub layout: u32,
    pub name: String,
    pub alias: String,
    /// 1, 2, 3... per alias; the entry's key.
    pub seq: u64,
    /// The version the alias pointed to before (None for the first move).
    pub from: Option<u64>,
    pub to: u64,
    /// BLAKE3 of the previous entry's bytes (None for seq 1): a forged or
    /// replaced entry breaks the chain.
    pub prev: Option<String>,
    pub at: String,
    pub by: Actor,
    pub message: String,
    pub signature: Option<String>,
}

/// Who may push and move aliases. Entry 1 is signed by one of its admins;
/// entry n+1 by an admin of entry n.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PolicyEntry {
    pub layout: u32,
    pub seq: u64,
    /// Hex public keys that may change the policy.
    pub admins: Vec<String>,
    /// Hex public keys that may push versions.
    pub push: Vec<String>,
    /// Hex public keys that may move aliases.
    pub alias: Vec<String>,
    pub prev: Option<String>,
    pub at: String,
    pub by: Actor,
    pub signature: Option<String>,
}

/// A record that can be signed.
pub trait Signed: Serialize + Clone {
    const DOMAIN: &'static [u8];
    fn signature_mut(&mut self) -> &mut Option<String>;
    fn signer(&self) -> &Actor;
    fn signer_mut(&mut self) -> &mut Actor;
    /// Where the record lives, for messages.
    fn what(&self) -> String;
}

/// `Signed` for a record type: its domain prefix, its signer field, and
/// how it is named in messages.
macro_rules! signed {
    ($t:ty, $domain:literal, $signer:ident, |$r:ident| $what:expr) => {
        impl Signed for $t {
            const DOMAIN: &'static [u8] = $domain;
            fn signature_mut(&mut self) -> &mut Option<String> {
                &mut self.signature
            }
            fn signer(&self) -> &Actor {
                &self.$signer
            }
            fn signer_mut(&mut self) -> &mut Actor {
                &mut self.$signer
            }
            fn what(&self) -> String {
                let $r = self;
                $what
            }
        }
    };
}

signed!(
    VersionRecord,
    b"skseal store version v1\0",
    pushed_by,
    |r| format!("{}@{}", r.name, r.version)
);
signed!(AliasEntry, b"skseal store alias v1\0", by, |r| format!(
    "history entry {} of {}@{}",
    r.seq, r.name, r.alias
));
signed!(PolicyEntry, b"skseal store policy v1\0", by, |r| format!(
    "policy entry {}",
    r.seq
));

fn message<T: Signed>(r: &T) -> Result<Vec<u8>, StoreError> {
    let mut unsigned = r.clone();
    *unsigned.signature_mut() = None;
    let mut m = T::DOMAIN.to_vec();
    m.extend(serde_json::to_vec(&unsigned).map_err(|e| StoreError::Internal(e.to_string()))?);
    Ok(m)
}

/// Sign `r` with `seed`, recording the key as the signer's.
pub fn sign<T: Signed>(r: &mut T, seed: &[u8; 32]) -> Result<(), StoreError> {
    let sk = keys::signing_key(seed);
    r.signer_mut().public_key = Some(hex(sk.verifying_key().as_bytes()));
    let sig = sk.sign(&message(r)?);
    *r.signature_mut() = Some(hex(&sig.to_bytes()));
    Ok(())
}

/// Check `r`'s signature: Ok(Some(public key)) when signed and valid,
/// Ok(None) when unsigned, Err when the signature does not hold.
pub fn check<T: Signed>(r: &T) -> Result<Option<[u8; 32]>, StoreError> {
    let mut copy = r.clone();
    let sig = copy.signature_mut().clone();
    let pk = r.signer().public_key.clone();
    let (sig, pk) = match (sig, pk) {
        (None, None) => return Ok(None),
        (Some(s), Some(p)) => (s, p),
        _ => {
            return Err(StoreError::Forged {
                what: r.what(),
                why: "a signature without a key, or a key without a signature".into(),
            })
        }
    };
    let bad = |why: &str| StoreError::Forged {
        what: r.what(),
        why: why.to_string(),
    };
    let pk: [u8; 32] = unhex(&pk)
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| bad("the signer's key is not 64 hex digits"))?;
    let sig: [u8; 64] = unhex(&sig)
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| bad("the signature is not 128 hex digits"))?;
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&pk)
        .map_err(|_| bad("the signer's key is not a valid Ed25519 key"))?;
    vk.verify(&message(r)?, &ed25519_dalek::Signature::from_bytes(&sig))
        .map_err(|_| {
            bad("the signature does not match the record: it was changed after signing")
        })?;
    Ok(Some(pk))
}

/// A record's bytes as stored (pretty JSON, newline-terminated).
pub fn to_bytes<T: Serialize>(r: &T) -> Result<Vec<u8>, StoreError> {
    let mut v = serde_json::to_vec_pretty(r).map_err(|e| StoreError::Internal(e.to_string()))?;
    v.push(b'\n');
    Ok(v)
}

/// Parse a stored record; `key` names it in errors.
pub fn from_bytes<T: for<'de> Deserialize<'de>>(data: &[u8], key: &str) -> Result<T, StoreError> {
    serde_json::from_slice(data).map_err(|e| StoreError::Corrupt {
        key: key.to_string(),
        why: format!("not a valid record: {e}"),
    })
}

/// The user name recorded as "who".
pub fn current_user() -> String {
    std::env::var("SKSEAL_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".into())
}

/// A key ID from a hex public key.
pub fn id_of(hex_key: &str) -> String {
    hex_key.chars().take(16).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> AliasEntry {
        AliasEntry {
            layout: LAYOUT,
            name: "m".into(),
            alias: "production".into(),
            seq: 2,
            from: Some(1),
            to: 2,
            prev: Some("00".into()),
            at: "2026-01-01T00:00:00Z".into(),
            by: Actor {
                user: "ci".into(),
                public_key: None,
            },
            message: "promote".into(),
            signature: None,
        }
    }

    #[test]
    fn signatures_cover_every_field_and_kind() {
        let (seed, pk) = keys::generate();
        let mut e = entry();
        assert_eq!(check(&e).unwrap(), None);
        sign(&mut e, &seed).unwrap();
        assert_eq!(check(&e).unwrap(), Some(pk));
        // survives a round trip through the stored bytes
        let back: AliasEntry = from_bytes(&to_bytes(&e).unwrap(), "k").unwrap();
        assert_eq!(check(&back).unwrap(), Some(pk));
        for change in [
            |e: &mut AliasEntry| e.to = 1,
            |e: &mut AliasEntry| e.message.push('!'),
            |e: &mut AliasEntry| e.prev = None,
            |e: &mut AliasEntry| e.by.user = "someone".into(),
        ] {
            let mut f = e.clone();
            change(&mut f);
            let err = check(&f).unwrap_err().to_string();
            assert!(err.contains("changed after signing"), "{err}");
        }
        // a signature without its key, or the key of another signer
        let mut f = e.clone();
        f.by.public_key = Some(hex(&keys::generate().1));
        assert!(check(&f).is_err());
        let mut f = e.clone();
        f.by.public_key = None;
        assert!(check(&f).is_err());
    }

    #[test]
    fn a_signature_of_one_kind_is_not_valid_for_another() {
        let (seed, _) = keys::generate();
        let mut p = PolicyEntry {
            layout: LAYOUT,
            seq: 2,
            admins: vec![],
            push: vec![],
            alias: vec![],
            prev: None,
            at: String::new(),
            by: Actor {
                user: String::new(),
                public_key: None,
            },
            signature: None,
        };
        sign(&mut p, &seed).unwrap();
        // the same signature over the same bytes under another domain fails
        let mut m = AliasEntry::DOMAIN.to_vec();
        let mut unsigned = p.clone();
        unsigned.signature = None;
        m.extend(serde_json::to_vec(&unsigned).unwrap());
        let vk = keys::signing_key(&seed).verifying_key();
        let sig: [u8; 64] = unhex(p.signature.as_ref().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        assert!(vk
            .verify(&m, &ed25519_dalek::Signature::from_bytes(&sig))
            .is_err());
    }
}
