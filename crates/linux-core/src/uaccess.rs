//! User memory: the only way hook code touches a process's address space.
//!
//! [`UserMemory`] is the pair of fault-checked primitives. In the FreeBSD kernel it is backed by
//! `copyin(9)`/`copyout(9)`; in host tests and the emulator harness by [`crate::sim::SimUserMemory`], a
//! simulated address space with unmapped holes and read-only pages. Every failure is `EFAULT`, never a
//! panic.
//!
//! [`UserReader`] and [`UserWriter`] are cursors over a user range that only move forward, in the manner of
//! Rust-for-Linux's `UserSliceReader`: a value is fetched once and then lives in kernel memory, so a
//! check-then-use race on user memory (a double fetch) cannot be written with them.

use crate::errno::LinuxErrno;
use zerocopy::{FromBytes, Immutable, IntoBytes};

/// A user virtual address. Arithmetic on it is checked: an address range that wraps is `EFAULT`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Hash, Default)]
pub struct UserAddr(pub u64);

impl UserAddr {
    /// `self + off`, or `EFAULT` when it wraps.
    pub fn offset(self, off: u64) -> Result<UserAddr, LinuxErrno> {
        self.0.checked_add(off).map(UserAddr).ok_or(LinuxErrno::EFAULT)
    }

    /// `self - off`, or `EFAULT` when it wraps below zero.
    pub fn below(self, off: u64) -> Result<UserAddr, LinuxErrno> {
        self.0.checked_sub(off).map(UserAddr).ok_or(LinuxErrno::EFAULT)
    }

    /// Rounds down to a multiple of `align` (a power of two).
    pub fn align_down(self, align: u64) -> UserAddr {
        UserAddr(self.0 & !(align.wrapping_sub(1)))
    }

    /// Whether the address is a multiple of `align` (a power of two).
    pub fn is_aligned(self, align: u64) -> bool {
        self.0 & align.wrapping_sub(1) == 0
    }
}

/// Fault-checked access to one process's user memory.
pub trait UserMemory {
    /// Copies `dst.len()` bytes from user address `src`. `EFAULT` when any byte is not readable (or the
    /// range wraps); `dst` may then hold a partial copy, which callers must discard.
    fn copy_in(&self, src: UserAddr, dst: &mut [u8]) -> Result<(), LinuxErrno>;

    /// Copies `src` to user address `dst`. `EFAULT` when any byte is not writable (or the range wraps);
    /// the bytes before the fault may have been written, as with FreeBSD's `copyout(9)`.
    fn copy_out(&mut self, dst: UserAddr, src: &[u8]) -> Result<(), LinuxErrno>;

    /// Reads one plain value.
    fn read_value<T: FromBytes + IntoBytes>(&self, src: UserAddr) -> Result<T, LinuxErrno> {
        let mut v = T::new_zeroed();
        self.copy_in(src, v.as_mut_bytes())?;
        Ok(v)
    }

    /// Writes one plain value.
    fn write_value<T: IntoBytes + Immutable>(&mut self, dst: UserAddr, v: &T) -> Result<(), LinuxErrno> {
        self.copy_out(dst, v.as_bytes())
    }
}

/// A cursor that reads a user range front to back, each byte at most once.
pub struct UserReader<'m, M: UserMemory + ?Sized> {
    mem: &'m M,
    next: UserAddr,
    remaining: u64,
}

impl<'m, M: UserMemory + ?Sized> UserReader<'m, M> {
    /// A reader over `len` bytes at `start`. `EFAULT` if the range wraps.
    pub fn new(mem: &'m M, start: UserAddr, len: u64) -> Result<Self, LinuxErrno> {
        start.offset(len)?;
        Ok(Self { mem, next: start, remaining: len })
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Fills `out` from the cursor and moves past it. On failure the cursor does not move.
    pub fn read_bytes(&mut self, out: &mut [u8]) -> Result<(), LinuxErrno> {
        let n = out.len() as u64;
        if n > self.remaining {
            return Err(LinuxErrno::EFAULT);
        }
        self.mem.copy_in(self.next, out)?;
        self.next = self.next.offset(n)?;
        self.remaining = self.remaining.wrapping_sub(n);
        Ok(())
    }

    /// Reads one plain value and moves past it.
    pub fn read<T: FromBytes + IntoBytes>(&mut self) -> Result<T, LinuxErrno> {
        let mut v = T::new_zeroed();
        self.read_bytes(v.as_mut_bytes())?;
        Ok(v)
    }

    /// Moves past `n` bytes without reading them.
    pub fn skip(&mut self, n: u64) -> Result<(), LinuxErrno> {
        if n > self.remaining {
            return Err(LinuxErrno::EFAULT);
        }
        self.next = self.next.offset(n)?;
        self.remaining = self.remaining.wrapping_sub(n); // n <= remaining, checked above
        Ok(())
    }
}

/// A cursor that writes a user range front to back.
pub struct UserWriter<'m, M: UserMemory + ?Sized> {
    mem: &'m mut M,
    next: UserAddr,
    remaining: u64,
}

impl<'m, M: UserMemory + ?Sized> UserWriter<'m, M> {
    /// A writer over `len` bytes at `start`. `EFAULT` if the range wraps.
    pub fn new(mem: &'m mut M, start: UserAddr, len: u64) -> Result<Self, LinuxErrno> {
        start.offset(len)?;
        Ok(Self { mem, next: start, remaining: len })
    }

    /// Room left.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// The address the next byte goes to.
    pub fn position(&self) -> UserAddr {
        self.next
    }

    /// Writes `data` at the cursor and moves past it.
    pub fn write_bytes(&mut self, data: &[u8]) -> Result<(), LinuxErrno> {
        let n = data.len() as u64;
        if n > self.remaining {
            return Err(LinuxErrno::EFAULT);
        }
        self.mem.copy_out(self.next, data)?;
        self.next = self.next.offset(n)?;
        self.remaining = self.remaining.wrapping_sub(n); // n <= remaining, checked above
        Ok(())
    }

    /// Writes one plain value and moves past it.
    pub fn write<T: IntoBytes + Immutable>(&mut self, v: &T) -> Result<(), LinuxErrno> {
        self.write_bytes(v.as_bytes())
    }
}

/// What a compare-and-swap on a user word found.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CasOutcome {
    /// The word held the expected value and now holds the new one.
    Swapped,
    /// The word held another value (these bytes); nothing was stored. FreeBSD's `casueword32` may also
    /// report this spuriously on load-linked/store-conditional machines, with the current value.
    Changed([u8; 4]),
}

/// Atomic access to 32-bit user words, for futexes. Values are the word's bytes as they sit in memory;
/// the caller interprets them in the guest byte order. In the kernel: `casueword32(9)`.
pub trait UserAtomics: UserMemory {
    /// Atomically replaces the word at `addr` with `new` if it holds `expected`. `EFAULT` when the word is
    /// not mapped writable; `EINVAL` when `addr` is not 4-byte aligned.
    fn cas_u32(&mut self, addr: UserAddr, expected: [u8; 4], new: [u8; 4]) -> Result<CasOutcome, LinuxErrno>;
}
