//! A bounds-checked reader of the flatbuffer tables in a CBM blob. Every
//! offset is read as an unsigned or signed little-endian integer, added with
//! checked arithmetic and checked against the buffer before anything at it
//! is read; vector lengths are checked against the bytes that remain, so a
//! count never allocates more than the buffer could hold.

use super::super::BoosterError;

const LIB: &str = "CatBoost";

pub(super) fn err(at: impl Into<String>, why: impl Into<String>) -> BoosterError {
    BoosterError::new(LIB, at, why)
}

/// The flatbuffer (`TModelCore`) bytes.
#[derive(Clone, Copy)]
pub(super) struct Buf<'a> {
    pub b: &'a [u8],
}

/// A table: its position and its vtable's field offsets.
#[derive(Clone, Copy)]
pub(super) struct Table<'a> {
    buf: Buf<'a>,
    pos: usize,
    /// field offsets (relative to `pos`), from the vtable
    vt: &'a [u8],
    /// the table's size from its vtable
    size: usize,
    /// where it is (for messages)
    pub name: &'static str,
}

impl<'a> Buf<'a> {
    fn bytes(&self, at: usize, n: usize, what: &str) -> Result<&'a [u8], BoosterError> {
        at.checked_add(n)
            .and_then(|e| self.b.get(at..e))
            .ok_or_else(|| {
                err(
                    format!("core byte {at}"),
                    format!(
                        "{what}: {n} bytes do not fit the {}-byte model core",
                        self.b.len()
                    ),
                )
            })
    }
    pub fn u32(&self, at: usize, what: &str) -> Result<u32, BoosterError> {
        let s = self.bytes(at, 4, what)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn u16(&self, at: usize, what: &str) -> Result<u16, BoosterError> {
        let s = self.bytes(at, 2, what)?;
        Ok(u16::from_le_bytes([s[0], s[1]]))
    }
    /// The target of the `uoffset_t` stored at `at`.
    fn follow(&self, at: usize, what: &str) -> Result<usize, BoosterError> {
        let off = self.u32(at, what)? as usize;
        let to = at.checked_add(off).filter(|&t| t < self.b.len());
        to.ok_or_else(|| {
            err(
                format!("core byte {at}"),
                format!(
                    "{what}: offset {off} points outside the {}-byte model core",
                    self.b.len()
                ),
            )
        })
    }
    /// The table at `pos`.
    pub fn table(&self, pos: usize, name: &'static str) -> Result<Table<'a>, BoosterError> {
        let soff = self.u32(pos, name)? as i32 as i64;
        let vt = pos as i64 - soff;
        if vt < 0 || vt as usize >= self.b.len() {
            return Err(err(
                format!("core byte {pos} ({name})"),
                format!(
                    "vtable at {vt}, outside the {}-byte model core",
                    self.b.len()
                ),
            ));
        }
        let vt = vt as usize;
        let vt_size = self.u16(vt, name)? as usize;
        let size = self.u16(vt + 2, name)? as usize;
        if vt_size < 4 || !vt_size.is_multiple_of(2) {
            return Err(err(
                format!("core byte {vt} ({name} vtable)"),
                format!("vtable size {vt_size} is not an even count of at least 4 bytes"),
            ));
        }
        let fields = self.bytes(vt, vt_size, name)?;
        self.bytes(pos, size.max(4), name)?;
        Ok(Table {
            buf: *self,
            pos,
            vt: fields.get(4..).unwrap_or(&[]),
            size: size.max(4),
            name,
        })
    }
    /// The root table.
    pub fn root(&self, name: &'static str) -> Result<Table<'a>, BoosterError> {
        let pos = self
            .follow(0, "root table offset")
            .map_err(|e| err("core byte 0 (root offset)", e.why))?;
        self.table(pos, name)
    }
}

/// A vector's elements: where they start and how many.
#[derive(Clone, Copy)]
pub(super) struct Vector<'a> {
    buf: Buf<'a>,
    start: usize,
    pub len: usize,
}

impl<'a> Table<'a> {
    /// The offset (from the table) of field `i`, 0 when absent.
    fn field(&self, i: usize, width: usize, what: &str) -> Result<Option<usize>, BoosterError> {
        let Some(s) = self.vt.get(2 * i..2 * i + 2) else {
            return Ok(None);
        };
        let off = u16::from_le_bytes([s[0], s[1]]) as usize;
        if off == 0 {
            return Ok(None);
        }
        if off + width > self.size {
            return Err(err(
                format!("core byte {} ({}.{what})", self.pos, self.name),
                format!(
                    "field at {off} ({width} bytes) lies outside its {}-byte table",
                    self.size
                ),
            ));
        }
        Ok(Some(self.pos + off))
    }
    fn scalar<const N: usize>(
        &self,
        i: usize,
        what: &str,
    ) -> Result<Option<[u8; N]>, BoosterError> {
        let Some(at) = self.field(i, N, what)? else {
            return Ok(None);
        };
        let s = self.buf.bytes(at, N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(Some(a))
    }
    pub fn i32(&self, i: usize, what: &str, default: i32) -> Result<i32, BoosterError> {
        Ok(self
            .scalar::<4>(i, what)?
            .map(i32::from_le_bytes)
            .unwrap_or(default))
    }
    pub fn u8(&self, i: usize, what: &str, default: u8) -> Result<u8, BoosterError> {
        Ok(self.scalar::<1>(i, what)?.map(|a| a[0]).unwrap_or(default))
    }
    pub fn f32(&self, i: usize, what: &str, default: f32) -> Result<f32, BoosterError> {
        Ok(self
            .scalar::<4>(i, what)?
            .map(f32::from_le_bytes)
            .unwrap_or(default))
    }
    pub fn f64(&self, i: usize, what: &str, default: f64) -> Result<f64, BoosterError> {
        Ok(self
            .scalar::<8>(i, what)?
            .map(f64::from_le_bytes)
            .unwrap_or(default))
    }
    /// Sub-table field.
    pub fn table(&self, i: usize, name: &'static str) -> Result<Option<Table<'a>>, BoosterError> {
        let Some(at) = self.field(i, 4, name)? else {
            return Ok(None);
        };
        let pos = self.buf.follow(at, name)?;
        self.buf.table(pos, name).map(Some)
    }
    /// Vector field of `elem`-byte elements.
    pub fn vector(
        &self,
        i: usize,
        elem: usize,
        what: &str,
    ) -> Result<Option<Vector<'a>>, BoosterError> {
        let Some(at) = self.field(i, 4, what)? else {
            return Ok(None);
        };
        let pos = self.buf.follow(at, what)?;
        let len = self.buf.u32(pos, what)? as usize;
        let start = pos + 4;
        let room = self.buf.b.len().saturating_sub(start) / elem.max(1);
        if len > room {
            return Err(err(
                format!("core byte {pos} ({}.{what})", self.name),
                format!("{len} elements of {elem} bytes do not fit the model core"),
            ));
        }
        Ok(Some(Vector {
            buf: self.buf,
            start,
            len,
        }))
    }
    pub fn string(&self, i: usize, what: &str) -> Result<Option<String>, BoosterError> {
        match self.vector(i, 1, what)? {
            Some(v) => v.string(what).map(Some),
            None => Ok(None),
        }
    }
}

impl<'a> Vector<'a> {
    fn raw(&self, elem: usize) -> &'a [u8] {
        // `Table::vector` checked that `len * elem` bytes follow `start`
        self.buf
            .b
            .get(self.start..self.start + self.len * elem)
            .unwrap_or(&[])
    }
    pub fn i32s(&self) -> Vec<i32> {
        self.raw(4)
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }
    pub fn u32s(&self) -> Vec<u32> {
        self.raw(4)
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }
    pub fn f32s(&self) -> Vec<f32> {
        self.raw(4)
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }
    pub fn f64s(&self) -> Vec<f64> {
        self.raw(8)
            .chunks_exact(8)
            .map(|c| {
                let mut a = [0u8; 8];
                a.copy_from_slice(c);
                f64::from_le_bytes(a)
            })
            .collect()
    }
    /// The raw bytes of a `[ubyte]` vector.
    pub fn bytes(&self) -> &'a [u8] {
        self.raw(1)
    }
    /// Structs of `n` bytes, each as its bytes.
    pub fn structs(&self, n: usize) -> Vec<&'a [u8]> {
        self.raw(n).chunks_exact(n.max(1)).collect()
    }
    pub fn string(&self, what: &str) -> Result<String, BoosterError> {
        String::from_utf8(self.raw(1).to_vec()).map_err(|_| {
            err(
                format!("core byte {} ({what})", self.start),
                "a string that is not UTF-8",
            )
        })
    }
    /// Element `k` of a vector of tables.
    pub fn table(&self, k: usize, name: &'static str) -> Result<Table<'a>, BoosterError> {
        let at = self.start + 4 * k;
        let pos = self.buf.follow(at, name)?;
        self.buf.table(pos, name)
    }
    /// Element `k` of a vector of strings.
    pub fn string_at(&self, k: usize, what: &str) -> Result<String, BoosterError> {
        let at = self.start + 4 * k;
        let pos = self.buf.follow(at, what)?;
        let len = self.buf.u32(pos, what)? as usize;
        let s = self.buf.bytes(pos + 4, len, what)?;
        String::from_utf8(s.to_vec()).map_err(|_| {
            err(
                format!("core byte {pos} ({what})"),
                "a string that is not UTF-8",
            )
        })
    }
}
