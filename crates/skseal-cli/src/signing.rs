//! Keys and signatures: `skseal keygen`, `skseal sign`, and the key files
//! every verb that takes `--key` reads.

use std::path::Path;

use skseal_core::container;
use skseal_core::keys;

use crate::out::outln;

/// A key file for `kind`; a legacy file (no kind) is read with a note on stderr.
pub fn read_key_as(path: &Path, kind: keys::KeyKind) -> Result<[u8; 32], String> {
    let data =
        std::fs::read(path).map_err(|e| format!("cannot read key {}: {e}", path.display()))?;
    let name = path.display().to_string();
    let (k, note) = match kind {
        keys::KeyKind::Secret => keys::secret(&data, &name),
        keys::KeyKind::Public => keys::public(&data, &name),
    }
    .map_err(|e| e.to_string())?;
    if let Some(n) = note {
        eprintln!("note: {n}");
    }
    Ok(k)
}

/// A public key file (KEY.pub).
pub fn read_key(path: &Path) -> Result<[u8; 32], String> {
    read_key_as(path, keys::KeyKind::Public)
}

pub fn keygen(path: &Path) -> Result<(), String> {
    let id = keys::write_pair(path).map_err(|e| e.to_string())?;
    outln!(
        "private key: {} (keep it secret)\npublic key:  {}.pub\nkey ID:      {id}",
        path.display(),
        path.display()
    );
    Ok(())
}

pub fn sign(file: &Path, key: &Path) -> Result<(), String> {
    let seed = read_key_as(key, keys::KeyKind::Secret)?;
    let data = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let signed = container::sign_bytes(&data, &keys::signing_key(&seed))
        .map_err(|e| format!("{}: {e}", file.display()))?;
    container::write_atomic(file, |w| {
        use std::io::Write as _;
        w.write_all(&signed)?;
        container::Container::parse(&signed)
            .map(|c| c.header)
            .map_err(std::io::Error::other)
    })
    .map_err(|e: std::io::Error| format!("{}: {e}", file.display()))?;
    outln!(
        "signed {} with key ID {}",
        file.display(),
        keys::key_id(&keys::public_of(&seed))
    );
    Ok(())
}
