//! Read-only arrays of plain values that either own their memory or lie in
//! a mapped `.skseal` file ([`FileMap`]), so that a mapped load uses the
//! file's page-cache pages in place instead of copying them into fresh
//! memory (a fresh process pays a page fault per 4 KiB it fills: most of a
//! large forest's load time).
//!
//! Mapped bytes may change after they were checked (another process
//! rewriting the file in place): users index a slab only through bounds
//! fixed when it was made (its length), never through its contents alone.

use std::sync::Arc;

use bytemuck::Pod;
use skseal_core::filecontainer::FileMap;

enum Keep<T> {
    Owned(Vec<T>),
    Mapped(#[allow(dead_code)] Arc<FileMap>),
}

/// A read-only slice of `T` that owns its memory or borrows it from a
/// mapping it keeps alive.
pub struct Slab<T: Pod> {
    ptr: *const T,
    len: usize,
    keep: Keep<T>,
}

// SAFETY: a Slab is a read-only view of memory it keeps alive (its own Vec,
// whose heap buffer never moves while owned here, or the mapping held by
// the Arc); nothing writes through `ptr` except `to_mut`, which takes
// `&mut self`. Sharing or sending it is as safe as sharing `&[T]` / `Vec<T>`
// with `T: Pod` (plain values, themselves Send + Sync).
unsafe impl<T: Pod + Send> Send for Slab<T> {}
// SAFETY: see `Send` above: `&Slab<T>` only hands out `&[T]`.
unsafe impl<T: Pod + Sync> Sync for Slab<T> {}

impl<T: Pod> Slab<T> {
    /// The elements of a mapped array: `None` when the bytes are not a
    /// whole number of aligned `T`s (the caller then copies them).
    pub fn mapped(map: &Arc<FileMap>, bytes: &[u8]) -> Option<Slab<T>> {
        let inside = {
            let whole = map.bytes().as_ptr_range();
            let part = bytes.as_ptr_range();
            whole.start <= part.start && part.end <= whole.end
        };
        if !inside {
            return None;
        }
        let items: &[T] = bytemuck::try_cast_slice(bytes).ok()?;
        Some(Slab {
            ptr: items.as_ptr(),
            len: items.len(),
            keep: Keep::Mapped(Arc::clone(map)),
        })
    }

    /// Does this slab lie in a mapped file?
    pub fn is_mapped(&self) -> bool {
        matches!(self.keep, Keep::Mapped(_))
    }

    /// The elements, writable: a mapped slab is copied into memory of its
    /// own first.
    pub fn to_mut(&mut self) -> &mut [T] {
        if let Keep::Mapped(_) = self.keep {
            *self = Slab::from(self.to_vec());
        }
        match &mut self.keep {
            Keep::Owned(v) => v.as_mut_slice(),
            Keep::Mapped(_) => &mut [],
        }
    }
}

impl<T: Pod> From<Vec<T>> for Slab<T> {
    fn from(v: Vec<T>) -> Slab<T> {
        Slab {
            ptr: v.as_ptr(),
            len: v.len(),
            keep: Keep::Owned(v),
        }
    }
}

impl<T: Pod> std::ops::Deref for Slab<T> {
    type Target = [T];

    #[inline(always)]
    fn deref(&self) -> &[T] {
        // SAFETY: `ptr` and `len` describe `len` initialised, aligned `T`s
        // that `keep` keeps alive and unmoved: the Vec's heap buffer
        // (`from`; `to_mut` never grows it), or a checked cast of bytes
        // inside the mapping held by the Arc (`mapped`). An empty Vec's
        // dangling pointer is valid for a zero-length slice.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl<T: Pod> Clone for Slab<T> {
    fn clone(&self) -> Slab<T> {
        match &self.keep {
            Keep::Owned(v) => Slab::from(v.clone()),
            Keep::Mapped(m) => Slab {
                ptr: self.ptr,
                len: self.len,
                keep: Keep::Mapped(Arc::clone(m)),
            },
        }
    }
}

impl<T: Pod + std::fmt::Debug> std::fmt::Debug for Slab<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slab")
            .field("len", &self.len)
            .field("mapped", &self.is_mapped())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_slab_reads_writes_and_clones_its_own_memory() {
        let mut s = Slab::from(vec![1.0f64, 2.0, 3.0]);
        assert_eq!(&s[..], &[1.0, 2.0, 3.0]);
        let c = s.clone();
        s.to_mut()[1] = 5.0;
        assert_eq!(&s[..], &[1.0, 5.0, 3.0]);
        assert_eq!(&c[..], &[1.0, 2.0, 3.0]);
        assert!(!s.is_mapped());
        let e: Slab<u32> = Slab::from(Vec::new());
        assert!(e.is_empty());
        // moving the slab keeps the view valid (the heap buffer stays)
        let moved = Box::new(s);
        assert_eq!(&moved[..], &[1.0, 5.0, 3.0]);
    }

    #[test]
    fn mapped_slab_views_the_file_and_copies_before_writing() {
        let dir = std::env::temp_dir().join(format!("skseal-slab-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let path = dir.join("values.bin");
        let vals: Vec<f64> = (0..1000).map(|i| i as f64 * 0.5).collect();
        std::fs::write(&path, bytemuck::cast_slice::<f64, u8>(&vals))
            .unwrap_or_else(|e| panic!("{e}"));
        let map = Arc::new(FileMap::open(&path).unwrap_or_else(|e| panic!("{e}")));
        let bytes = &map.bytes()[80..8000];
        let mut s: Slab<f64> = Slab::mapped(&map, bytes).unwrap_or_else(|| panic!("aligned"));
        assert!(s.is_mapped());
        assert_eq!(&s[..], &vals[10..1000]);
        let c = s.clone();
        assert!(c.is_mapped());
        // misaligned or partial items are refused (the caller copies)
        assert!(Slab::<f64>::mapped(&map, &map.bytes()[4..84]).is_none());
        assert!(Slab::<f64>::mapped(&map, &map.bytes()[8..13]).is_none());
        // bytes outside the mapping are refused
        let other = vec![0u8; 64];
        assert!(Slab::<u8>::mapped(&map, &other).is_none());
        s.to_mut()[0] = -1.0;
        assert!(!s.is_mapped());
        assert_eq!(s[0], -1.0);
        assert_eq!(c[0], 5.0);
        drop(map);
        // the clone keeps the mapping alive
        assert_eq!(&c[..], &vals[10..1000]);
        std::fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    }
}
