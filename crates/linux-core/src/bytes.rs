//! Reading and writing fixed-offset fields of a byte buffer in a guest byte order, without panics.

use core::marker::PhantomData;
use zerocopy::byteorder::{ByteOrder, I32, U16, U32, U64};
use zerocopy::IntoBytes;

/// Writes fields at fixed offsets into a buffer in byte order `E`. A write past the end is dropped and
/// remembered, so the caller can turn it into an error instead of a panic.
pub struct FieldWriter<'a, E: ByteOrder> {
    buf: &'a mut [u8],
    overflowed: bool,
    _order: PhantomData<E>,
}

impl<'a, E: ByteOrder> FieldWriter<'a, E> {
    /// A writer over `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        Self { buf, overflowed: false, _order: PhantomData }
    }

    /// Copies `bytes` at `off`.
    pub fn bytes(&mut self, off: usize, bytes: &[u8]) {
        match off.checked_add(bytes.len()).and_then(|end| self.buf.get_mut(off..end)) {
            Some(dst) => dst.copy_from_slice(bytes),
            None => self.overflowed = true,
        }
    }

    /// Writes a 64-bit value.
    pub fn u64(&mut self, off: usize, v: u64) {
        self.bytes(off, U64::<E>::new(v).as_bytes());
    }

    /// Writes a 32-bit value.
    pub fn u32(&mut self, off: usize, v: u32) {
        self.bytes(off, U32::<E>::new(v).as_bytes());
    }

    /// Writes a signed 32-bit value.
    pub fn i32(&mut self, off: usize, v: i32) {
        self.bytes(off, I32::<E>::new(v).as_bytes());
    }

    /// Writes a 16-bit value.
    pub fn u16(&mut self, off: usize, v: u16) {
        self.bytes(off, U16::<E>::new(v).as_bytes());
    }

    /// Whether every write fitted.
    pub fn ok(&self) -> bool {
        !self.overflowed
    }
}

/// Reads a 64-bit value in byte order `E` at `off`, or `None` past the end.
pub fn read_u64<E: ByteOrder>(buf: &[u8], off: usize) -> Option<u64> {
    let b: [u8; 8] = buf.get(off..off.checked_add(8)?)?.try_into().ok()?;
    Some(U64::<E>::from_bytes(b).get())
}

/// Reads a 32-bit value in byte order `E` at `off`, or `None` past the end.
pub fn read_u32<E: ByteOrder>(buf: &[u8], off: usize) -> Option<u32> {
    let b: [u8; 4] = buf.get(off..off.checked_add(4)?)?.try_into().ok()?;
    Some(U32::<E>::from_bytes(b).get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use zerocopy::{BigEndian, LittleEndian};

    #[test]
    fn writes_in_order_and_refuses_overflow() {
        let mut b = [0u8; 12];
        let mut w = FieldWriter::<BigEndian>::new(&mut b);
        w.u64(0, 0x0102_0304_0506_0708);
        w.u32(8, 0x0a0b_0c0d);
        assert!(w.ok());
        w.u32(10, 1);
        assert!(!w.ok());
        w.u64(usize::MAX - 2, 1);
        assert_eq!(b, [1, 2, 3, 4, 5, 6, 7, 8, 0xa, 0xb, 0xc, 0xd]);
        assert_eq!(read_u64::<BigEndian>(&b, 0), Some(0x0102_0304_0506_0708));
        assert_eq!(read_u64::<LittleEndian>(&b, 0), Some(0x0807_0605_0403_0201));
        assert_eq!(read_u32::<BigEndian>(&b, 8), Some(0x0a0b_0c0d));
        assert_eq!(read_u32::<BigEndian>(&b, 9), None);
        assert_eq!(read_u64::<BigEndian>(&b, usize::MAX), None);
    }
}
