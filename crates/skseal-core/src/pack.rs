//! Packs: small arrays of a compressed file stored together in one
//! compressed frame.
//!
//! Compressed one by one, arrays of a few KiB (the node arrays of a
//! gradient-boosting model, one per tree) compress poorly: each starts with
//! an empty window, and similar trees cannot share matches. A pack
//! concatenates consecutive small arrays (in array-table order) into one
//! frame of at most [`PACK_MAX`] decoded bytes. Each member keeps its own
//! digest (checked after it is copied out), so every decoded byte of a pack
//! is covered by a digest, and the content fingerprint does not depend on
//! packing. Readers decode a pack once ([`PackCache`]) and copy its members
//! out; packs decode in parallel with each other and with large arrays.

use std::borrow::Cow;
use std::sync::OnceLock;

#[cfg(test)]
use serde_json::{json, Value};

use crate::codec::{self, Codec};
use crate::container::format::{max_decoded, ArrayEntry};
use crate::error::{ContainerError, Damage};

/// Arrays below this many bytes go into packs when compression is on.
pub const PACK_ARRAY_MAX: u64 = 64 << 10;
/// Decoded bytes of one pack, at most (also a reader limit).
pub const PACK_MAX: u64 = 4 << 20;
/// At most this many packs (reader limit).
pub const MAX_PACKS: usize = 1 << 20;

/// One entry of the header's `packs` list.
#[derive(Debug, Clone, PartialEq)]
pub struct PackEntry {
    /// Offset of the pack's blob from the start of the data region.
    pub offset: u64,
    /// Stored (compressed) length in bytes.
    pub length: u64,
    /// Decoded length: the sum of its members' `nbytes`.
    pub nbytes: u64,
    pub codec: Codec,
}

impl PackEntry {
    /// This entry as the header writes it (fields in key order, as
    /// serde_json writes [`PackEntry::to_json`]).
    pub(crate) fn json(&self) -> PackJson {
        PackJson {
            codec: self.codec.name(),
            length: self.length,
            nbytes: self.nbytes,
            offset: self.offset,
        }
    }

    #[cfg(test)]
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "codec": self.codec.name(),
            "offset": self.offset,
            "length": self.length,
            "nbytes": self.nbytes,
        })
    }
}

/// A pack as the header holds it, fields in key order.
#[derive(serde::Serialize)]
pub(crate) struct PackJson {
    codec: &'static str,
    length: u64,
    nbytes: u64,
    offset: u64,
}

/// A pack as written in the header.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackDe {
    codec: String,
    offset: u64,
    length: u64,
    nbytes: u64,
}

impl PackDe {
    pub(crate) fn entry(&self, p: usize) -> Result<PackEntry, ContainerError> {
        let err = |why: String| ContainerError::Pack { pack: p, why };
        let codec = match self.codec.as_str() {
            "lz4" => Codec::Lz4,
            "zstd" => Codec::Zstd(0),
            c => return Err(err(format!("codec must be \"zstd\" or \"lz4\", not {c:?}"))),
        };
        if self.nbytes == 0 || self.nbytes > PACK_MAX {
            return Err(err(format!(
                "{} decoded bytes; a pack holds 1 to {PACK_MAX}",
                self.nbytes
            )));
        }
        if self.nbytes > max_decoded(codec, self.length) {
            return Err(err(format!(
                "declares {} decoded bytes from {} stored bytes, more than {} can expand to",
                self.nbytes,
                self.length,
                codec.name()
            )));
        }
        Ok(PackEntry {
            offset: self.offset,
            length: self.length,
            nbytes: self.nbytes,
            codec,
        })
    }
}

/// Check that the packed arrays tile their packs exactly: each pack's members,
/// in table order, start at 0 and follow each other without gaps up to the
/// pack's `nbytes`, with the pack's codec. Every pack has a member.
pub(crate) fn check_members(
    arrays: &[ArrayEntry],
    packs: &[PackEntry],
) -> Result<(), ContainerError> {
    let mut filled = vec![0u64; packs.len()];
    for (i, a) in arrays.iter().enumerate() {
        let Some((p, off)) = a.pack else { continue };
        let err = |why: String| ContainerError::ArrayEntry { index: i, why };
        let pe = packs
            .get(p as usize)
            .ok_or(ContainerError::MissingPack { array: i, pack: p })?;
        if pe.codec.name() != a.codec.name() {
            return Err(err(format!("codec differs from pack {p}'s")));
        }
        if off != filled[p as usize] {
            return Err(err(format!(
                "starts at byte {off} of pack {p}, but its members before it end at {}",
                filled[p as usize]
            )));
        }
        filled[p as usize] = off
            .checked_add(a.nbytes)
            .filter(|&end| end <= pe.nbytes)
            .ok_or_else(|| err(format!("extends beyond the end of pack {p}")))?;
    }
    for (p, (pe, &f)) in packs.iter().zip(&filled).enumerate() {
        if f != pe.nbytes {
            return Err(ContainerError::Pack {
                pack: p,
                why: format!("its members cover {f} of its {} bytes", pe.nbytes),
            });
        }
    }
    Ok(())
}

/// Which arrays go into which pack, for arrays of the given sizes: arrays
/// below [`PACK_ARRAY_MAX`] (not empty), in table order, filling each pack up
/// to [`PACK_MAX`]. Empty when `codec` is `None`.
pub fn group(sizes: &[u64], codec: Codec) -> Vec<Vec<usize>> {
    let mut packs: Vec<Vec<usize>> = Vec::new();
    if codec == Codec::None {
        return packs;
    }
    let mut cur: Vec<usize> = Vec::new();
    let mut cur_bytes = 0u64;
    for (i, &n) in sizes.iter().enumerate() {
        if n == 0 || n >= PACK_ARRAY_MAX {
            continue;
        }
        if cur_bytes + n > PACK_MAX {
            packs.push(std::mem::take(&mut cur));
            cur_bytes = 0;
        }
        cur.push(i);
        cur_bytes += n;
    }
    if !cur.is_empty() {
        packs.push(cur);
    }
    packs
}

/// The compressed frame of one pack: its members' bytes, concatenated.
pub fn compress<'a>(
    members: &[usize],
    data_of: &(dyn Fn(usize) -> Option<&'a [u8]> + Sync),
    codec: Codec,
) -> Result<(Vec<u8>, u64), ContainerError> {
    let mut raw = Vec::new();
    for &i in members {
        let d = data_of(i).ok_or(ContainerError::ArrayData {
            array: i,
            why: "array data missing",
        })?;
        raw.extend_from_slice(d);
    }
    let stored =
        codec::compress_chunk(&raw, codec, None).map_err(|source| ContainerError::Codec {
            array: members.first().copied().unwrap_or(0),
            source,
        })?;
    Ok((stored, raw.len() as u64))
}

/// Decoded packs of one open file, each decoded at most once, on first use
/// (threads asking for the same pack wait for the one decoding it).
pub struct PackCache {
    slots: Vec<OnceLock<Result<Vec<u8>, Damage>>>,
}

impl PackCache {
    pub fn new(n: usize) -> Self {
        PackCache {
            slots: (0..n).map(|_| OnceLock::new()).collect(),
        }
    }

    /// Copy packed array `i` (entry `a`) out of its pack into `out` and check
    /// its digest. `stored(p, entry)` gives pack `p`'s stored bytes (borrowed
    /// from a buffer, or read into a new one), called only on first use.
    pub fn copy_out<'s>(
        &self,
        packs: &[PackEntry],
        a: &ArrayEntry,
        i: usize,
        out: &mut [u8],
        stored: impl FnOnce(usize, &PackEntry) -> Result<Cow<'s, [u8]>, ContainerError>,
    ) -> Result<(), ContainerError> {
        let damaged = |why: Damage| ContainerError::Undecodable {
            array: i,
            label: crate::ir::array_label(i, &a.dtype, &a.shape),
            why,
        };
        let (pack, off) = a.pack.ok_or_else(|| ContainerError::ArrayEntry {
            index: i,
            why: "not packed".into(),
        })?;
        let p = pack as usize;
        let (pe, slot) = packs
            .get(p)
            .zip(self.slots.get(p))
            .ok_or(ContainerError::MissingPack { array: i, pack })?;
        let decoded = slot.get_or_init(|| {
            let s = stored(p, pe).map_err(|e| Damage::PackUnread {
                pack: p,
                why: e.to_string(),
            })?;
            let mut d = vec![0u8; pe.nbytes as usize];
            codec::decompress_chunk(&s, pe.codec, None, &mut d)
                .map_err(|source| Damage::Pack { pack: p, source })?;
            Ok(d)
        });
        let decoded = decoded.as_ref().map_err(|why| damaged(why.clone()))?;
        let src = usize::try_from(off)
            .ok()
            .and_then(|o| decoded.get(o..o.checked_add(out.len())?))
            .ok_or_else(|| damaged(Damage::OutsidePack(p)))?;
        if out.len() as u64 != a.nbytes {
            return Err(ContainerError::ArrayData {
                array: i,
                why: "buffer of the wrong size",
            });
        }
        out.copy_from_slice(src);
        if blake3::hash(out).as_bytes() != &a.digest {
            return Err(ContainerError::Digest {
                array: i,
                label: crate::ir::array_label(i, &a.dtype, &a.shape),
            });
        }
        Ok(())
    }
}
