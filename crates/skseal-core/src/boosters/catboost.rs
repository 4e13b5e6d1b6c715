//! CatBoost's model blob (`CatBoost._serialize_model()`, kept in the pickled
//! state as `__model`): the CBM framing is checked here. The blob is the
//! magic `CBM1`, the little-endian u32 size of a flatbuffer (`TModelCore`),
//! that flatbuffer, then optional trailing parts (CTR tables, embeddings).
//!
//! What is checked: the magic, the declared size against the blob, and the
//! flatbuffer's root table and vtable lying inside it. What is not: the
//! flatbuffer's fields (trees, splits, leaf values) and the trailing parts,
//! which CatBoost's own loader parses; skseal has no schema-level reader of
//! them (docs/SECURITY.md, the catboost profile).

use super::{BoosterError, MAX_PAYLOAD};

const LIB: &str = "CatBoost";

/// The checked framing of a CBM blob.
#[derive(Debug, Clone, PartialEq)]
pub struct CbmFraming {
    /// Size of the `TModelCore` flatbuffer.
    pub core_size: usize,
    /// Bytes after the flatbuffer (CTR data and other parts).
    pub trailing: usize,
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

/// Check a CBM blob's framing.
pub fn check(blob: &[u8]) -> Result<CbmFraming, BoosterError> {
    let err = |at: String, why: String| BoosterError::new(LIB, at, why);
    if blob.len() > MAX_PAYLOAD {
        return Err(err(
            "blob".into(),
            format!("{} bytes, over the {MAX_PAYLOAD}-byte limit", blob.len()),
        ));
    }
    if blob.get(..4) != Some(b"CBM1".as_slice()) {
        return Err(err(
            "byte 0".into(),
            "does not start with CatBoost's CBM1 magic".into(),
        ));
    }
    let size = u32_at(blob, 4)
        .ok_or_else(|| err("byte 4".into(), "the blob ends before its core size".into()))?
        as usize;
    let core = blob.get(8..8 + size).ok_or_else(|| {
        err(
            "byte 4 (core size)".into(),
            format!(
                "declares a {size}-byte model core but only {} bytes follow",
                blob.len().saturating_sub(8)
            ),
        )
    })?;
    // flatbuffer: u32 offset of the root table; the table starts with an
    // i32 offset back to its vtable; the vtable holds its own size and the
    // table's size as u16s.
    let root = u32_at(core, 0)
        .ok_or_else(|| err("core byte 0".into(), "no root table offset".into()))?
        as usize;
    if root < 4 || root.checked_add(4).is_none_or(|e| e > core.len()) {
        return Err(err(
            "core byte 0 (root offset)".into(),
            format!("root table at {root}, outside the {size}-byte core"),
        ));
    }
    let soff = u32_at(core, root).unwrap_or(0) as i32 as i64;
    let vt = root as i64 - soff;
    if vt < 0 || vt as usize + 4 > core.len() {
        return Err(err(
            format!("core byte {root} (vtable offset)"),
            format!("vtable at {vt}, outside the {size}-byte core"),
        ));
    }
    let vt = vt as usize;
    let vt_size = u16_at(core, vt).unwrap_or(0) as usize;
    let table_size = u16_at(core, vt + 2).unwrap_or(0) as usize;
    if vt_size < 4 || !vt_size.is_multiple_of(2) || vt + vt_size > core.len() {
        return Err(err(
            format!("core byte {vt} (vtable)"),
            format!("vtable of {vt_size} bytes does not fit the core"),
        ));
    }
    if root + table_size > core.len() {
        return Err(err(
            format!("core byte {vt} (table size)"),
            format!("root table of {table_size} bytes at {root} does not fit the core"),
        ));
    }
    Ok(CbmFraming {
        core_size: size,
        trailing: blob.len() - 8 - size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob() -> Vec<u8> {
        // a minimal flatbuffer: root offset 8, vtable at 4 (size 4, table 8),
        // table at 8 whose soffset points back 4 bytes
        let mut core = Vec::new();
        core.extend_from_slice(&8u32.to_le_bytes());
        core.extend_from_slice(&4u16.to_le_bytes());
        core.extend_from_slice(&8u16.to_le_bytes());
        core.extend_from_slice(&4i32.to_le_bytes());
        core.extend_from_slice(&[0; 4]);
        let mut b = b"CBM1".to_vec();
        b.extend_from_slice(&(core.len() as u32).to_le_bytes());
        b.extend_from_slice(&core);
        b
    }

    #[test]
    fn framing() {
        let ok = check(&blob()).unwrap();
        assert_eq!(ok.core_size, 16);
        let mut b = blob();
        b[0] = b'X';
        assert!(check(&b).unwrap_err().at.contains("byte 0"));
        let mut b = blob();
        b[4] = 200;
        assert!(check(&b).unwrap_err().at.contains("core size"));
        let mut b = blob();
        b[8] = 200;
        assert!(check(&b).unwrap_err().at.contains("root offset"));
        let mut b = blob();
        b[16] = 100;
        assert!(check(&b).unwrap_err().at.contains("vtable"));
        for cut in 0..blob().len() {
            assert!(check(&blob()[..cut]).is_err(), "cut {cut}");
        }
    }
}
