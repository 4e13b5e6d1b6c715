//! Reading a `.skseal` file piece by piece with positioned reads, instead of
//! whole into one buffer: each array goes straight into the memory that will
//! hold it, so an array the loader copies elsewhere (a Tree's node array)
//! can be freed on its own and the file is never held twice. Positioned
//! reads take `&File`, so arrays are read on several threads at once.

use std::borrow::Cow;
use std::fs::File;

use crate::container::{
    decode_stored, parse_trailer, read_at, read_header, read_preamble, Header, PREAMBLE,
    SIG_TRAILER,
};
use crate::error::ContainerError;
use crate::pack::PackCache;

fn io(what: &str, e: std::io::Error) -> ContainerError {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        ContainerError::Truncated(format!("{what}: the file ends early"))
    } else {
        ContainerError::FileIo {
            what: what.to_string(),
            source: e,
        }
    }
}

/// Are the digests of arrays that a load maps (uses in place, not read) to
/// be checked? Mapping exists so that a load does not read every page of the
/// file, which hashing would; but a load that asks for a signature checks
/// every byte the signature covers. The one rule of `skseal.load(mmap_mode=)`
/// (Python asks it through `_native.mapped_digests_checked`) and of native
/// mapped loads (docs/SECURITY.md §7).
pub fn mapped_digests_checked(key_given: bool) -> bool {
    key_given
}

/// A read-only, private mapping of a whole `.skseal` file, whose
/// uncompressed arrays are used in place ([`FileContainer::mapped_array`]).
///
/// The bytes are the file's page-cache pages, so a load maps them instead of
/// copying them into fresh memory. What the mapping cannot stop: another
/// process that rewrites the file in place changes what is mapped (readers
/// must stay memory-safe whatever the bytes become after their checks), and
/// one that truncates it makes a read of the lost pages raise SIGBUS. Files
/// replaced by a rename (atomic writes, `skseal` itself, the model store)
/// leave a mapping of the old file intact.
pub struct FileMap {
    map: memmap2::Mmap,
}

impl FileMap {
    /// Map `file` whole, read-only and private.
    pub fn of(file: &File) -> Result<FileMap, ContainerError> {
        // SAFETY: memmap2 marks mapping a file unsafe because the file can
        // change while mapped. The mapping is private and read-only (nothing
        // here writes through it), and the file's bytes are treated as
        // untrusted input that may change after any check: users of a mapped
        // array (native trees) bound every index they read by a length fixed
        // when it was mapped, never by the bytes. Truncation (SIGBUS) is the
        // documented limit of mapped loads (docs/SECURITY.md §7).
        let map = unsafe { memmap2::MmapOptions::new().map_copy_read_only(file) }
            .map_err(|e| io("a memory mapping of the file", e))?;
        Ok(FileMap { map })
    }

    /// Map the file at `path` (see [`FileMap::of`]).
    pub fn open(path: &std::path::Path) -> Result<FileMap, ContainerError> {
        let file = File::open(path).map_err(|e| io("the file", e))?;
        FileMap::of(&file)
    }

    /// The mapped bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// Map the pages of `part` (bytes of this mapping) now, in one call,
    /// instead of a page fault per few pages on first use
    /// (`MADV_POPULATE_READ`; best effort: kernels before 5.14 ignore it).
    pub fn populate(&self, part: &[u8]) {
        let base = self.map.as_ptr() as usize;
        let start = part.as_ptr() as usize;
        if start >= base && start + part.len() <= base + self.map.len() && !part.is_empty() {
            #[cfg(target_os = "linux")]
            let _ = self
                .map
                .advise_range(memmap2::Advice::PopulateRead, start - base, part.len());
        }
    }
}

/// The blob region of a small file, read at once.
pub struct Blobs {
    data: Vec<u8>,
}

/// An open `.skseal` file with its parsed header (and signature trailer).
pub struct FileContainer {
    file: File,
    pub header: Header,
    header_len: u64,
    packs: PackCache,
}

impl FileContainer {
    /// Read and check the preamble, header and signature trailer.
    pub fn open(file: File) -> Result<FileContainer, ContainerError> {
        let len = file
            .metadata()
            .map_err(|e| ContainerError::FileIo {
                what: "the file's metadata (its length)".into(),
                source: e,
            })?
            .len();
        let mut pre = vec![0u8; (PREAMBLE as u64).min(len) as usize];
        read_at(&file, &mut pre, 0).map_err(|e| io("the preamble", e))?;
        let (header_len, _, _) = read_preamble(&pre)?;
        let want = (PREAMBLE as u64)
            .checked_add(header_len)
            .filter(|&n| n <= len)
            .ok_or_else(|| {
                ContainerError::Truncated(format!(
                    "the header ({header_len} bytes) extends beyond the end of the {len}-byte file"
                ))
            })?;
        let mut prefix = vec![0u8; want as usize];
        read_at(&file, &mut prefix, 0).map_err(|e| io("the header", e))?;
        let mut header = read_header(&prefix, len)?;
        if header.signed {
            let start = len
                .checked_sub(SIG_TRAILER)
                .ok_or_else(|| ContainerError::Truncated("signature trailer missing".into()))?;
            let mut t = vec![0u8; SIG_TRAILER as usize];
            read_at(&file, &mut t, start).map_err(|e| io("the signature trailer", e))?;
            header.signature = Some(parse_trailer(&t)?);
        }
        let packs = PackCache::new(header.packs.len());
        Ok(FileContainer {
            file,
            header,
            header_len,
            packs,
        })
    }

    /// Read array `i` into `out` (exactly its `nbytes`), decoding it if it is
    /// compressed, and check its digest. A compressed array's stored bytes
    /// pass through one temporary buffer of their (compressed) size.
    pub fn read_array(&self, i: usize, out: &mut [u8]) -> Result<(), ContainerError> {
        self.read_checked(i, out)
            .map_err(|e| e.locate(&self.header.graph))
    }

    fn read_checked(&self, i: usize, out: &mut [u8]) -> Result<(), ContainerError> {
        let a = self.header.entry(i)?;
        if a.pack.is_some() {
            return self.packs.copy_out(&self.header.packs, a, i, out, |p, e| {
                let mut s = vec![0u8; e.length as usize];
                read_at(&self.file, &mut s, self.header.data_start + e.offset)
                    .map_err(|e| io(&format!("pack {p}"), e))?;
                Ok(Cow::Owned(s))
            });
        }
        let at = self.header.data_start + a.offset;
        if a.codec == crate::codec::Codec::None {
            if out.len() as u64 != a.nbytes {
                return Err(ContainerError::ArrayData {
                    array: i,
                    why: "output buffer has the wrong size",
                });
            }
            read_at(&self.file, out, at).map_err(|e| io(&format!("array {i}"), e))?;
            if blake3::hash(out).as_bytes() != &a.digest {
                return Err(ContainerError::Digest {
                    array: i,
                    label: crate::ir::array_label(i, &a.dtype, &a.shape),
                });
            }
            return Ok(());
        }
        let mut stored = vec![0u8; a.length as usize];
        read_at(&self.file, &mut stored, at).map_err(|e| io(&format!("array {i}"), e))?;
        decode_stored(a, i, &stored, out)
    }

    /// Map the whole file read-only (see [`FileMap`]).
    pub fn map(&self) -> Result<FileMap, ContainerError> {
        FileMap::of(&self.file)
    }

    /// The bytes of array `i` in `map` when they are stored as they are
    /// used (uncompressed, outside any pack, inside the file); `None` when it
    /// must be read and decoded ([`read_array`](Self::read_array)). The
    /// digest is checked when `check_digest`
    /// ([`mapped_digests_checked`]).
    pub fn mapped_array<'m>(
        &self,
        map: &'m FileMap,
        i: usize,
        check_digest: bool,
    ) -> Result<Option<&'m [u8]>, ContainerError> {
        let a = self.header.entry(i)?;
        if a.pack.is_some() || a.codec != crate::codec::Codec::None {
            return Ok(None);
        }
        let at = self.header.data_start.checked_add(a.offset);
        let end = at.and_then(|s| s.checked_add(a.nbytes));
        let bytes = match (at, end) {
            (Some(s), Some(e)) if a.length == a.nbytes => {
                usize::try_from(s).ok().zip(usize::try_from(e).ok())
            }
            _ => None,
        }
        .and_then(|(s, e)| map.bytes().get(s..e));
        let Some(bytes) = bytes else {
            return Err(ContainerError::Truncated(format!(
                "array {i}: its {} bytes lie beyond the end of the file",
                a.nbytes
            ))
            .locate(&self.header.graph));
        };
        if check_digest && blake3::hash(bytes).as_bytes() != &a.digest {
            return Err(ContainerError::Digest {
                array: i,
                label: crate::ir::array_label(i, &a.dtype, &a.shape),
            }
            .locate(&self.header.graph));
        }
        Ok(Some(bytes))
    }

    /// The whole blob region (every array's stored bytes, padding included)
    /// in one read, when it is at most `limit` bytes: for small files one
    /// read is cheaper than one positioned read per array. `None` when larger.
    pub fn blobs_if_small(&self, limit: u64) -> Result<Option<Blobs>, ContainerError> {
        let start = self.header.data_start;
        let len = self.header.data_len();
        if len > limit {
            return Ok(None);
        }
        let mut data = vec![0u8; len as usize];
        read_at(&self.file, &mut data, start).map_err(|e| io("the arrays", e))?;
        Ok(Some(Blobs { data }))
    }

    /// Like [`read_array`](Self::read_array), from the blob region read by
    /// [`blobs_if_small`](Self::blobs_if_small).
    pub fn array_from(
        &self,
        blobs: &Blobs,
        i: usize,
        out: &mut [u8],
    ) -> Result<(), ContainerError> {
        self.read_from_blobs(blobs, i, out)
            .map_err(|e| e.locate(&self.header.graph))
    }

    fn read_from_blobs(
        &self,
        blobs: &Blobs,
        i: usize,
        out: &mut [u8],
    ) -> Result<(), ContainerError> {
        let a = self.header.entry(i)?;
        if a.pack.is_some() {
            return self.packs.copy_out(&self.header.packs, a, i, out, |p, e| {
                blobs
                    .data
                    .get(e.offset as usize..(e.offset + e.length) as usize)
                    .map(Cow::Borrowed)
                    .ok_or_else(|| {
                        ContainerError::Truncated(format!("pack {p} lies beyond the blob region"))
                    })
            });
        }
        let stored = blobs
            .data
            .get(a.offset as usize..(a.offset + a.length) as usize)
            .ok_or_else(|| {
                ContainerError::Truncated(format!("array {i} lies beyond the blob region"))
            })?;
        decode_stored(a, i, stored, out)
    }

    /// Check that the padding between header and blobs is zero.
    pub fn verify_padding(&self) -> Result<(), ContainerError> {
        for (s, e) in self.header.padding_gaps(self.header_len) {
            if e <= s {
                continue;
            }
            let mut b = vec![0u8; (e - s) as usize];
            read_at(&self.file, &mut b, s).map_err(|e| io("the padding", e))?;
            if b.iter().any(|&x| x != 0) {
                return Err(ContainerError::Integrity(format!(
                    "non-zero padding between bytes {s} and {e}"
                )));
            }
        }
        Ok(())
    }
}
