//! A bounds-checked reader of FlatBuffers tables, the container format of `.tflite` files.
//!
//! Only what a TFLite model uses is here: tables with a vtable, scalars, strings, offsets to
//! tables, and vectors of scalars or of tables. Every read checks that it stays inside the buffer,
//! so a damaged file gives an error, never a panic or a read out of bounds.

/// What went wrong reading the buffer: a description of the bad offset.
pub(crate) type Result<T> = std::result::Result<T, String>;

fn slice(buf: &[u8], pos: usize, len: usize) -> Result<&[u8]> {
    pos.checked_add(len)
        .and_then(|end| buf.get(pos..end))
        .ok_or_else(|| {
            format!(
                "offset {pos} + {len} is past the end of the {}-byte file",
                buf.len()
            )
        })
}

fn read_u16(buf: &[u8], pos: usize) -> Result<u16> {
    Ok(u16::from_le_bytes(
        slice(buf, pos, 2)?.try_into().expect("2 bytes"),
    ))
}

fn read_u32(buf: &[u8], pos: usize) -> Result<u32> {
    Ok(u32::from_le_bytes(
        slice(buf, pos, 4)?.try_into().expect("4 bytes"),
    ))
}

/// The position an unsigned offset stored at `pos` points to.
fn follow(buf: &[u8], pos: usize) -> Result<usize> {
    let offset = read_u32(buf, pos)? as usize;
    pos.checked_add(offset)
        .filter(|&target| target < buf.len())
        .ok_or_else(|| format!("offset at {pos} points past the end of the file"))
}

/// A table: a position in the buffer with a vtable that says where each field is.
#[derive(Clone, Copy)]
pub(crate) struct Table<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Table<'a> {
    /// The root table of a buffer.
    pub(crate) fn root(buf: &'a [u8]) -> Result<Self> {
        Ok(Table {
            buf,
            pos: follow(buf, 0)?,
        })
    }

    /// Where field `slot` is stored, or `None` when the table leaves it out.
    fn field(&self, slot: usize) -> Result<Option<usize>> {
        let soffset = i32::from_le_bytes(slice(self.buf, self.pos, 4)?.try_into().expect("4 bytes"));
        let vtable = (self.pos as i64 - soffset as i64)
            .try_into()
            .map_err(|_| format!("table at {} has a vtable before the file's start", self.pos))?;
        let vtable_len = read_u16(self.buf, vtable)? as usize;
        let entry = 4 + 2 * slot;
        if entry + 2 > vtable_len {
            return Ok(None);
        }
        match read_u16(self.buf, vtable + entry)? {
            0 => Ok(None),
            offset => Ok(Some(self.pos + offset as usize)),
        }
    }

    /// A scalar field of `N` little-endian bytes.
    fn scalar<const N: usize>(&self, slot: usize) -> Result<Option<[u8; N]>> {
        match self.field(slot)? {
            None => Ok(None),
            Some(pos) => Ok(Some(slice(self.buf, pos, N)?.try_into().expect("N bytes"))),
        }
    }

    /// A `ubyte` or `byte`-sized enum field.
    pub(crate) fn u8(&self, slot: usize, default: u8) -> Result<u8> {
        Ok(self.scalar::<1>(slot)?.map_or(default, |b| b[0]))
    }

    /// A `bool` field.
    pub(crate) fn bool(&self, slot: usize) -> Result<bool> {
        Ok(self.u8(slot, 0)? != 0)
    }

    /// An `int` field.
    pub(crate) fn i32(&self, slot: usize, default: i32) -> Result<i32> {
        Ok(self.scalar::<4>(slot)?.map_or(default, i32::from_le_bytes))
    }

    /// A `uint` field.
    pub(crate) fn u32(&self, slot: usize, default: u32) -> Result<u32> {
        Ok(self.scalar::<4>(slot)?.map_or(default, u32::from_le_bytes))
    }

    /// A `ulong` field.
    pub(crate) fn u64(&self, slot: usize) -> Result<u64> {
        Ok(self.scalar::<8>(slot)?.map_or(0, u64::from_le_bytes))
    }

    /// A sub-table field.
    pub(crate) fn table(&self, slot: usize) -> Result<Option<Table<'a>>> {
        match self.field(slot)? {
            None => Ok(None),
            Some(pos) => Ok(Some(Table {
                buf: self.buf,
                pos: follow(self.buf, pos)?,
            })),
        }
    }

    /// A vector field: its first element's position and its length, elements of `size` bytes.
    fn vector(&self, slot: usize, size: usize) -> Result<Option<(usize, usize)>> {
        let Some(pos) = self.field(slot)? else {
            return Ok(None);
        };
        let start = follow(self.buf, pos)?;
        let len = read_u32(self.buf, start)? as usize;
        let bytes = len
            .checked_mul(size)
            .ok_or_else(|| format!("vector at {start} claims {len} elements"))?;
        slice(self.buf, start + 4, bytes)?;
        Ok(Some((start + 4, len)))
    }

    /// A `[ubyte]` field, or an empty slice when absent.
    pub(crate) fn bytes(&self, slot: usize) -> Result<&'a [u8]> {
        match self.vector(slot, 1)? {
            None => Ok(&[]),
            Some((pos, len)) => slice(self.buf, pos, len),
        }
    }

    /// A `string` field, or `""` when absent.
    pub(crate) fn str(&self, slot: usize) -> Result<&'a str> {
        std::str::from_utf8(self.bytes(slot)?).map_err(|_| "a string is not UTF-8".to_string())
    }

    /// An `[int]` field, or an empty vector when absent.
    pub(crate) fn i32s(&self, slot: usize) -> Result<Vec<i32>> {
        self.scalars::<4>(slot)
            .map(|v| v.into_iter().map(i32::from_le_bytes).collect())
    }

    /// A `[ushort]` field.
    pub(crate) fn u16s(&self, slot: usize) -> Result<Vec<u16>> {
        self.scalars::<2>(slot)
            .map(|v| v.into_iter().map(u16::from_le_bytes).collect())
    }

    fn scalars<const N: usize>(&self, slot: usize) -> Result<Vec<[u8; N]>> {
        match self.vector(slot, N)? {
            None => Ok(Vec::new()),
            Some((pos, len)) => Ok(slice(self.buf, pos, len * N)?
                .chunks_exact(N)
                .map(|c| c.try_into().expect("N bytes"))
                .collect()),
        }
    }

    /// A vector-of-tables field, or an empty vector when absent.
    pub(crate) fn tables(&self, slot: usize) -> Result<Vec<Table<'a>>> {
        match self.vector(slot, 4)? {
            None => Ok(Vec::new()),
            Some((pos, len)) => (0..len)
                .map(|i| {
                    Ok(Table {
                        buf: self.buf,
                        pos: follow(self.buf, pos + 4 * i)?,
                    })
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A buffer holding one table with an `int` field (slot 0, value 7), an absent slot 1, and a
    /// `[ubyte]` field (slot 2, `[1, 2, 3]`), laid out by hand as the format describes.
    fn sample() -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&16u32.to_le_bytes()); // root offset -> table at 16
        // vtable at 4: length 10, table size 12, slot 0 at +4, slot 1 absent, slot 2 at +8
        for v in [10u16, 12, 4, 0, 8] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&[0, 0]); // padding to 16
        b.extend_from_slice(&12i32.to_le_bytes()); // table at 16: soffset 12 -> vtable at 4
        b.extend_from_slice(&7i32.to_le_bytes()); // slot 0 at 20
        b.extend_from_slice(&4u32.to_le_bytes()); // slot 2 at 24 -> vector at 28
        b.extend_from_slice(&3u32.to_le_bytes());
        b.extend_from_slice(&[1, 2, 3]);
        b
    }

    #[test]
    fn reads_fields_and_defaults() {
        let buf = sample();
        let t = Table::root(&buf).unwrap();
        assert_eq!(t.i32(0, -1).unwrap(), 7);
        assert_eq!(t.i32(1, -1).unwrap(), -1);
        assert_eq!(t.bytes(2).unwrap(), &[1, 2, 3]);
        assert_eq!(t.i32(9, 5).unwrap(), 5, "slots past the vtable read as defaults");
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let buf = sample();
        for len in 0..buf.len() {
            let cut = &buf[..len];
            let read = Table::root(cut).and_then(|t| Ok((t.i32(0, 0)?, t.bytes(2)?.len())));
            assert!(read.is_err(), "a file cut at {len} bytes read as {read:?}");
        }
    }
}
