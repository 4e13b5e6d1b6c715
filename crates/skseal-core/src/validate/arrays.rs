//! Typed reads of array bytes: integer fields of structured arrays and items
//! of plain integer arrays, in any byte order, never out of bounds.

use crate::ir::Dtype;

/// A typed view of a 1-D or N-D numeric array.
pub(super) struct ArrView<'a> {
    pub(super) data: &'a [u8],
    pub(super) dtype: &'a Dtype,
    pub(super) shape: &'a [u64],
}

fn read_int(b: &[u8], ty: &str) -> Option<i64> {
    let little = !ty.starts_with('>');
    let body = ty.trim_start_matches(['<', '>', '|', '=']);
    let v = |n: usize| -> Option<[u8; 8]> {
        let src = b.get(..n)?;
        let mut a = [0u8; 8];
        if little {
            a[..n].copy_from_slice(src);
        } else {
            for (k, x) in src.iter().rev().enumerate() {
                a[k] = *x;
            }
        }
        Some(a)
    };
    Some(match body {
        "i1" => b.first().map(|&x| x as i8 as i64)?,
        "u1" | "b1" => b.first().map(|&x| x as i64)?,
        "i2" => i16::from_le_bytes(v(2)?[..2].try_into().ok()?) as i64,
        "u2" => u16::from_le_bytes(v(2)?[..2].try_into().ok()?) as i64,
        "i4" => i32::from_le_bytes(v(4)?[..4].try_into().ok()?) as i64,
        "u4" => u32::from_le_bytes(v(4)?[..4].try_into().ok()?) as i64,
        "i8" => i64::from_le_bytes(v(8)?),
        "u8" => i64::try_from(u64::from_le_bytes(v(8)?)).unwrap_or(i64::MAX),
        _ => return None,
    })
}

/// A precomputed reader of one integer field (or of the items of an integer array).
pub(super) struct Reader<'a> {
    data: &'a [u8],
    stride: usize,
    off: usize,
    size: usize,
    signed: bool,
    little: bool,
}

impl Reader<'_> {
    #[inline]
    pub(super) fn at(&self, i: u64) -> Option<i64> {
        let start = (i as usize)
            .checked_mul(self.stride)?
            .checked_add(self.off)?;
        if self.size == 8 && self.little {
            // the common case (tree node fields are <i8): one load
            let b: [u8; 8] = self
                .data
                .get(start..start.checked_add(8)?)?
                .try_into()
                .ok()?;
            return Some(if self.signed {
                i64::from_le_bytes(b)
            } else {
                i64::try_from(u64::from_le_bytes(b)).unwrap_or(i64::MAX)
            });
        }
        let b = self.data.get(start..start.checked_add(self.size)?)?;
        let mut a = [0u8; 8];
        if self.little {
            a[..self.size].copy_from_slice(b);
        } else {
            for (k, x) in b.iter().rev().enumerate() {
                a[k] = *x;
            }
        }
        let u = u64::from_le_bytes(a);
        Some(if self.signed {
            let shift = 64 - 8 * self.size as u32;
            ((u << shift) as i64) >> shift
        } else {
            i64::try_from(u).unwrap_or(i64::MAX)
        })
    }
}

fn int_type(ty: &str) -> Option<(usize, bool, bool)> {
    let little = !ty.starts_with('>');
    let body = ty.trim_start_matches(['<', '>', '|', '=']);
    let (size, signed) = match body {
        "i1" => (1, true),
        "u1" | "b1" => (1, false),
        "i2" => (2, true),
        "u2" => (2, false),
        "i4" => (4, true),
        "u4" => (4, false),
        "i8" => (8, true),
        "u8" => (8, false),
        _ => return None,
    };
    Some((size, signed, little))
}

impl<'a> ArrView<'a> {
    /// Reader of integer field `name` of a structured array, or of the items
    /// of a plain integer array when `name` is None.
    pub(super) fn reader(&self, name: Option<&str>) -> Option<Reader<'a>> {
        let stride = self.dtype.itemsize()? as usize;
        let (ty, off) = match name {
            Some(n) => {
                let (fd, off) = self.dtype.field(n)?;
                match fd {
                    Dtype::Simple(s) => (s.as_str(), off as usize),
                    Dtype::Struct { .. } => return None,
                }
            }
            None => match self.dtype {
                Dtype::Simple(s) => (s.as_str(), 0),
                Dtype::Struct { .. } => return None,
            },
        };
        let (size, signed, little) = int_type(ty)?;
        Some(Reader {
            data: self.data,
            stride,
            off,
            size,
            signed,
            little,
        })
    }

    pub(super) fn len0(&self) -> u64 {
        self.shape.first().copied().unwrap_or(1)
    }
    pub(super) fn count(&self) -> u64 {
        self.shape.iter().product()
    }
    /// Integer element `i` of a plain integer array.
    pub(super) fn int_at(&self, i: u64) -> Option<i64> {
        let Dtype::Simple(s) = self.dtype else {
            return None;
        };
        let k = self.dtype.itemsize()? as usize;
        read_int(self.data.get(i as usize * k..)?, s)
    }
    /// Integer field `name` of record `i` of a structured array.
    pub(super) fn field_int(&self, i: u64, name: &str) -> Option<i64> {
        let (fd, off) = self.dtype.field(name)?;
        let Dtype::Simple(s) = fd else { return None };
        let k = self.dtype.itemsize()? as usize;
        read_int(self.data.get(i as usize * k + off as usize..)?, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_decodes_every_int_width_and_order() {
        let d = Dtype::Simple("<i2".into());
        let data = [0xfe, 0xff, 0x02, 0x00];
        let v = ArrView {
            data: &data,
            dtype: &d,
            shape: &[2],
        };
        let r = v.reader(None).expect("int dtype");
        assert_eq!((r.at(0), r.at(1), r.at(2)), (Some(-2), Some(2), None));
        let d = Dtype::Simple(">u4".into());
        let data = [0x00, 0x00, 0x01, 0x00];
        let v = ArrView {
            data: &data,
            dtype: &d,
            shape: &[1],
        };
        assert_eq!(v.reader(None).and_then(|r| r.at(0)), Some(256));
        let d = Dtype::Struct {
            names: vec!["a".into(), "b".into()],
            formats: vec![Dtype::Simple("|u1".into()), Dtype::Simple("<i8".into())],
            offsets: vec![0, 8],
            itemsize: 16,
        };
        let mut data = vec![0u8; 32];
        data[8..16].copy_from_slice(&(-5i64).to_le_bytes());
        data[16] = 7;
        data[24..32].copy_from_slice(&(9i64).to_le_bytes());
        let v = ArrView {
            data: &data,
            dtype: &d,
            shape: &[2],
        };
        let b = v.reader(Some("b")).expect("field b");
        let a = v.reader(Some("a")).expect("field a");
        assert_eq!((b.at(0), b.at(1), a.at(1)), (Some(-5), Some(9), Some(7)));
        assert!(v.reader(Some("zz")).is_none());
        assert!(ArrView {
            data: &data,
            dtype: &Dtype::Simple("<f8".into()),
            shape: &[4]
        }
        .reader(None)
        .is_none());
    }
}
