//! Ed25519 key files that say what they are.
//!
//! A key file is text: optional `#` comment lines, then one line
//! `skseal-secret-key-v1 <64 hex digits>` (the private seed) or
//! `skseal-public-key-v1 <64 hex digits>`. Signing with a public key file or
//! verifying with a secret key file is refused with a message naming the
//! file. Files written before kinds existed (bare 64 hex digits or 32 raw
//! bytes) are still read, with a deprecation note, and guarded by what can be
//! told without a kind: a `.pub` file never signs, and a secret seed whose
//! public key signed the file is recognised when given to verify.
//!
//! A key ID is the first 8 bytes of the public key in hex (16 digits): what
//! `verify`, `inspect` and the store print.

use crate::graphjson::{hex, unhex};
use thiserror::Error;

/// First word of a secret key file's key line.
pub const SECRET_TAG: &str = "skseal-secret-key-v1";
/// First word of a public key file's key line.
pub const PUBLIC_TAG: &str = "skseal-public-key-v1";

/// What a key file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Secret,
    Public,
}

impl KeyKind {
    fn noun(self) -> &'static str {
        match self {
            KeyKind::Secret => "secret (private) key",
            KeyKind::Public => "public key",
        }
    }
}

/// A key file that cannot be used for what it was given for.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum KeyError {
    #[error("{source_name}: {why}")]
    Malformed { source_name: String, why: String },
    #[error(
        "{source_name} is a {found}, but a {wanted} is needed here: {hint}",
        found = .found.noun(), wanted = .wanted.noun()
    )]
    WrongKind {
        source_name: String,
        found: KeyKind,
        wanted: KeyKind,
        hint: String,
    },
    #[error("{path}: {why}")]
    Write { path: String, why: String },
}

/// A parsed key: its kind when the file states it (None: a legacy file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFile {
    pub kind: Option<KeyKind>,
    pub bytes: [u8; 32],
}

/// A new random key pair: (private seed, public key).
pub fn generate() -> ([u8; 32], [u8; 32]) {
    let k = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
    (k.to_bytes(), k.verifying_key().to_bytes())
}

/// The signing key of a private seed.
pub fn signing_key(seed: &[u8; 32]) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(seed)
}

/// The public key of a private seed.
pub fn public_of(seed: &[u8; 32]) -> [u8; 32] {
    signing_key(seed).verifying_key().to_bytes()
}

/// A public key's ID: its first 8 bytes in hex.
pub fn key_id(pk: &[u8; 32]) -> String {
    hex(&pk[..8])
}

/// The text of a key file of `kind`.
pub fn to_text(kind: KeyKind, k: &[u8; 32]) -> String {
    match kind {
        KeyKind::Secret => format!(
            "# skseal Ed25519 secret key: keep it private. Key ID {}\n{SECRET_TAG} {}\n",
            key_id(&public_of(k)),
            hex(k)
        ),
        KeyKind::Public => format!(
            "# skseal Ed25519 public key. Key ID {}\n{PUBLIC_TAG} {}\n",
            key_id(k),
            hex(k)
        ),
    }
}

/// Write a new key pair: `path` (the secret key, created with mode 0600,
/// never overwritten) and `path.pub`. Returns the key ID.
pub fn write_pair(path: &std::path::Path) -> Result<String, KeyError> {
    use std::io::Write as _;
    let pub_path = std::path::PathBuf::from(format!("{}.pub", path.display()));
    let err = |p: &std::path::Path, why: String| KeyError::Write {
        path: p.display().to_string(),
        why,
    };
    for p in [path, pub_path.as_path()] {
        if p.exists() {
            return Err(err(p, "exists; refusing to overwrite a key".into()));
        }
    }
    let (seed, pk) = generate();
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| err(path, e.to_string()))?;
    f.write_all(to_text(KeyKind::Secret, &seed).as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| err(path, e.to_string()))?;
    std::fs::write(&pub_path, to_text(KeyKind::Public, &pk))
        .map_err(|e| err(&pub_path, e.to_string()))?;
    Ok(key_id(&pk))
}

fn hex32(text: &str) -> Option<[u8; 32]> {
    unhex(text).and_then(|v| v.try_into().ok())
}

/// Parse a key file's bytes; `source_name` (a path, or a description) is
/// named in errors.
pub fn parse(data: &[u8], source_name: &str) -> Result<KeyFile, KeyError> {
    let bad = |why: &str| KeyError::Malformed {
        source_name: source_name.to_string(),
        why: why.to_string(),
    };
    // 32 bytes cannot hold a key line (64 hex digits): raw key bytes.
    if data.len() == 32 {
        let mut k = [0u8; 32];
        k.copy_from_slice(data);
        return Ok(KeyFile {
            kind: None,
            bytes: k,
        });
    }
    let text = std::str::from_utf8(data)
        .map_err(|_| bad("not a key file: a key file is text (see `skseal keygen`)"))?;
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let line = lines
        .next()
        .ok_or_else(|| bad("empty key file (see `skseal keygen`)"))?;
    if lines.next().is_some() {
        return Err(bad("a key file holds exactly one key line"));
    }
    let (kind, digits) = match line.split_once(char::is_whitespace) {
        Some((SECRET_TAG, rest)) => (Some(KeyKind::Secret), rest.trim()),
        Some((PUBLIC_TAG, rest)) => (Some(KeyKind::Public), rest.trim()),
        Some((tag, _)) => {
            return Err(bad(&format!(
                "unknown key kind {tag:?}: expected {SECRET_TAG} or {PUBLIC_TAG}"
            )))
        }
        None => (None, line),
    };
    let bytes = hex32(digits).ok_or_else(|| bad("the key must be 64 hex digits"))?;
    Ok(KeyFile { kind, bytes })
}

/// A note for a legacy key file (no kind), to show the user once.
pub fn legacy_note(source_name: &str, kind: KeyKind) -> String {
    format!(
        "{source_name}: key file without a kind (written before skseal 0.2); it is read as a {}. \
         Rewrite it with `skseal keygen` or add the line prefix `{}`",
        kind.noun(),
        match kind {
            KeyKind::Secret => SECRET_TAG,
            KeyKind::Public => PUBLIC_TAG,
        }
    )
}

fn looks_public(source_name: &str) -> bool {
    source_name.ends_with(".pub")
}

/// The private seed to sign with, and a deprecation note for a legacy file.
pub fn secret(data: &[u8], source_name: &str) -> Result<([u8; 32], Option<String>), KeyError> {
    let k = parse(data, source_name)?;
    match k.kind {
        Some(KeyKind::Secret) => Ok((k.bytes, None)),
        Some(KeyKind::Public) => Err(KeyError::WrongKind {
            source_name: source_name.to_string(),
            found: KeyKind::Public,
            wanted: KeyKind::Secret,
            hint: "sign with the private key file (the one without .pub); \
                   give the .pub file to whoever verifies"
                .into(),
        }),
        None if looks_public(source_name) => Err(KeyError::WrongKind {
            source_name: source_name.to_string(),
            found: KeyKind::Public,
            wanted: KeyKind::Secret,
            hint: "a .pub file holds a public key; sign with the private key file".into(),
        }),
        None => Ok((k.bytes, Some(legacy_note(source_name, KeyKind::Secret)))),
    }
}

/// The public key to verify with, and a deprecation note for a legacy file.
pub fn public(data: &[u8], source_name: &str) -> Result<([u8; 32], Option<String>), KeyError> {
    let k = parse(data, source_name)?;
    match k.kind {
        Some(KeyKind::Public) => Ok((k.bytes, None)),
        Some(KeyKind::Secret) => Err(KeyError::WrongKind {
            source_name: source_name.to_string(),
            found: KeyKind::Secret,
            wanted: KeyKind::Public,
            hint: "verify with the public key file (KEY.pub); the private key never leaves \
                   the signer"
                .into(),
        }),
        None => Ok((k.bytes, Some(legacy_note(source_name, KeyKind::Public)))),
    }
}

/// For a legacy key given as public that did not match the signer: when it is
/// in fact the signer's private seed, say so.
pub fn misused_secret(given: &[u8; 32], signer: &[u8; 32], source_name: &str) -> Option<KeyError> {
    (public_of(given) == *signer).then(|| KeyError::WrongKind {
        source_name: source_name.to_string(),
        found: KeyKind::Secret,
        wanted: KeyKind::Public,
        hint: format!(
            "it is the private key of the signer (key ID {}); verify with its public key file",
            key_id(signer)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_cannot_be_confused() {
        let (seed, pk) = generate();
        let s = to_text(KeyKind::Secret, &seed);
        let p = to_text(KeyKind::Public, &pk);
        assert_eq!(secret(s.as_bytes(), "k").unwrap(), (seed, None));
        assert_eq!(public(p.as_bytes(), "k.pub").unwrap(), (pk, None));
        let e = secret(p.as_bytes(), "team.key.pub")
            .unwrap_err()
            .to_string();
        assert!(e.contains("team.key.pub is a public key"), "{e}");
        let e = public(s.as_bytes(), "team.key").unwrap_err().to_string();
        assert!(e.contains("team.key is a secret (private) key"), "{e}");
        assert!(s.contains(&key_id(&pk)));
    }

    #[test]
    fn legacy_files_are_read_with_a_note() {
        let (seed, pk) = generate();
        let legacy = format!("{}\n", hex(&seed));
        let (k, note) = secret(legacy.as_bytes(), "old.key").unwrap();
        assert_eq!(k, seed);
        assert!(note.unwrap().contains("without a kind"));
        assert!(secret(legacy.as_bytes(), "old.key.pub").is_err());
        assert!(matches!(
            misused_secret(&seed, &pk, "old.key"),
            Some(KeyError::WrongKind { .. })
        ));
        assert!(misused_secret(&pk, &pk, "x").is_none());
        // raw bytes (binary) are accepted as legacy
        let raw = [b'a'; 32];
        assert_eq!(parse(&raw, "raw").unwrap().kind, None);
    }

    #[test]
    fn malformed_files_say_why() {
        for (data, want) in [
            (&b""[..], "empty key file"),
            (b"skseal-secret-key-v1 abcd", "64 hex digits"),
            (b"skseal-other-v1 00", "unknown key kind"),
            (b"\xff\xfe", "a key file is text"),
        ] {
            let e = parse(data, "f").unwrap_err().to_string();
            assert!(e.contains(want), "{e}");
        }
    }
}
