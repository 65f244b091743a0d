//! A simulated user address space for host tests and the emulator harness: 4 KiB pages with read, write
//! and execute permissions, unmapped holes, and counters of what the hooks copied.

extern crate alloc;

use crate::errno::LinuxErrno;
use crate::uaccess::{CasOutcome, UserAddr, UserAtomics, UserMemory};
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::cell::Cell;

/// Page size of the simulation.
pub const SIM_PAGE: u64 = 4096;

bitflags::bitflags! {
    /// Page permissions.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct Prot: u8 {
        /// Readable.
        const READ = 1;
        /// Writable.
        const WRITE = 2;
        /// Executable.
        const EXEC = 4;
    }
}

struct Page {
    data: Box<[u8; SIM_PAGE as usize]>,
    prot: Prot,
}

/// A user address space made of pages. Addresses outside any mapped page fault.
#[derive(Default)]
pub struct SimUserMemory {
    pages: BTreeMap<u64, Page>,
    /// Calls of `copy_in` that succeeded.
    pub copy_in_calls: Cell<u64>,
    /// Calls of `copy_out` that succeeded.
    pub copy_out_calls: u64,
    /// Bytes copied in by successful calls.
    pub bytes_in: Cell<u64>,
    /// Bytes copied out by successful calls.
    pub bytes_out: u64,
}

impl SimUserMemory {
    /// An empty address space.
    pub fn new() -> Self {
        Self::default()
    }

    /// Maps zero-filled pages covering `[addr, addr + len)` with `prot` (existing pages keep their data
    /// and take the new permissions).
    pub fn map(&mut self, addr: u64, len: u64, prot: Prot) {
        let first = addr & !(SIM_PAGE - 1);
        let end = addr.saturating_add(len);
        let mut p = first;
        while p < end {
            self.pages
                .entry(p)
                .and_modify(|pg| pg.prot = prot)
                .or_insert_with(|| Page { data: Box::new([0; SIM_PAGE as usize]), prot });
            match p.checked_add(SIM_PAGE) {
                Some(n) => p = n,
                None => break,
            }
        }
    }

    /// Removes the pages covering `[addr, addr + len)`.
    pub fn unmap(&mut self, addr: u64, len: u64) {
        let first = addr & !(SIM_PAGE - 1);
        let end = addr.saturating_add(len);
        let keys: Vec<u64> = self.pages.range(first..end).map(|(k, _)| *k).collect();
        for k in keys {
            self.pages.remove(&k);
        }
    }

    /// Changes the permissions of the mapped pages covering `[addr, addr + len)`.
    pub fn protect(&mut self, addr: u64, len: u64, prot: Prot) {
        let first = addr & !(SIM_PAGE - 1);
        let end = addr.saturating_add(len);
        for (_, pg) in self.pages.range_mut(first..end) {
            pg.prot = prot;
        }
    }

    /// The permissions of the page holding `addr`, or `None` when unmapped.
    pub fn prot_at(&self, addr: u64) -> Option<Prot> {
        self.pages.get(&(addr & !(SIM_PAGE - 1))).map(|p| p.prot)
    }

    fn access(&self, addr: u64, len: usize, need: Prot) -> Result<(), LinuxErrno> {
        if len == 0 {
            return Ok(());
        }
        let last = addr.checked_add((len as u64).wrapping_sub(1)).ok_or(LinuxErrno::EFAULT)?;
        let mut p = addr & !(SIM_PAGE - 1);
        loop {
            match self.pages.get(&p) {
                Some(pg) if pg.prot.contains(need) => {}
                _ => return Err(LinuxErrno::EFAULT),
            }
            if p >= (last & !(SIM_PAGE - 1)) {
                return Ok(());
            }
            p = p.checked_add(SIM_PAGE).ok_or(LinuxErrno::EFAULT)?;
        }
    }

    /// The chunks of `[addr, addr + len)` that stay within one page: (page, offset in the page, offset
    /// in the range, length). Addresses wrap (callers check the range first).
    fn chunks(addr: u64, len: usize) -> impl Iterator<Item = (u64, usize, usize, usize)> {
        let mut done = 0usize;
        core::iter::from_fn(move || {
            if done >= len {
                return None;
            }
            let a = addr.wrapping_add(done as u64);
            let page = a & !(SIM_PAGE - 1);
            let off = (a & (SIM_PAGE - 1)) as usize;
            let n = core::cmp::min((SIM_PAGE as usize).wrapping_sub(off), len.wrapping_sub(done));
            let chunk = (page, off, done, n);
            done = done.wrapping_add(n);
            Some(chunk)
        })
    }

    fn for_each_chunk(&mut self, addr: u64, len: usize, mut f: impl FnMut(&mut [u8], usize)) {
        for (page, off, done, n) in Self::chunks(addr, len) {
            if let Some(dst) =
                self.pages.get_mut(&page).and_then(|pg| pg.data.get_mut(off..off.wrapping_add(n)))
            {
                f(dst, done);
            }
        }
    }

    /// Reads memory regardless of permissions (for test assertions). `None` if any byte is unmapped.
    pub fn peek(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        let last = addr.checked_add((len as u64).saturating_sub(1))?;
        let mut p = addr & !(SIM_PAGE - 1);
        while p <= last {
            self.pages.get(&p)?;
            p = p.checked_add(SIM_PAGE)?;
        }
        let mut out = Vec::with_capacity(len);
        for (page, off, _, n) in Self::chunks(addr, len) {
            out.extend_from_slice(self.pages.get(&page)?.data.get(off..off.wrapping_add(n))?);
        }
        Some(out)
    }

    /// Writes memory regardless of permissions (for test setup). `false` if any byte is unmapped.
    pub fn poke(&mut self, addr: u64, data: &[u8]) -> bool {
        if self.peek(addr, data.len()).is_none() {
            return false;
        }
        self.for_each_chunk(addr, data.len(), |dst, done| {
            if let Some(src) = data.get(done..done.wrapping_add(dst.len())) {
                dst.copy_from_slice(src);
            }
        });
        true
    }
}

impl UserMemory for SimUserMemory {
    fn copy_in(&self, src: UserAddr, dst: &mut [u8]) -> Result<(), LinuxErrno> {
        self.access(src.0, dst.len(), Prot::READ)?;
        for (page, off, done, n) in Self::chunks(src.0, dst.len()) {
            let pg = self.pages.get(&page).ok_or(LinuxErrno::EFAULT)?;
            let from = pg.data.get(off..off.wrapping_add(n)).ok_or(LinuxErrno::EFAULT)?;
            dst.get_mut(done..done.wrapping_add(n)).ok_or(LinuxErrno::EFAULT)?.copy_from_slice(from);
        }
        self.copy_in_calls.set(self.copy_in_calls.get().wrapping_add(1));
        self.bytes_in.set(self.bytes_in.get().wrapping_add(dst.len() as u64));
        Ok(())
    }

    fn copy_out(&mut self, dst: UserAddr, src: &[u8]) -> Result<(), LinuxErrno> {
        self.access(dst.0, src.len(), Prot::WRITE)?;
        self.for_each_chunk(dst.0, src.len(), |d, done| {
            if let Some(s) = src.get(done..done.wrapping_add(d.len())) {
                d.copy_from_slice(s);
            }
        });
        self.copy_out_calls = self.copy_out_calls.wrapping_add(1);
        self.bytes_out = self.bytes_out.wrapping_add(src.len() as u64);
        Ok(())
    }
}

impl UserAtomics for SimUserMemory {
    fn cas_u32(&mut self, addr: UserAddr, expected: [u8; 4], new: [u8; 4]) -> Result<CasOutcome, LinuxErrno> {
        if !addr.is_aligned(4) {
            return Err(LinuxErrno::EINVAL);
        }
        // Like casueword32: the word must be writable even when the comparison fails.
        self.access(addr.0, 4, Prot::READ | Prot::WRITE)?;
        let mut now = [0u8; 4];
        self.copy_in(addr, &mut now)?;
        if now != expected {
            return Ok(CasOutcome::Changed(now));
        }
        self.copy_out(addr, &new)?;
        Ok(CasOutcome::Swapped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    #[test]
    fn unmapped_and_read_only_pages_fault_with_efault() {
        let mut m = SimUserMemory::new();
        m.map(0x10000, 0x2000, Prot::READ | Prot::WRITE);
        m.map(0x13000, 0x1000, Prot::READ);
        let mut b = [0u8; 16];
        assert_eq!(m.copy_in(UserAddr(0x10ff8), &mut b), Ok(()));
        // Crosses into the hole at 0x12000.
        assert_eq!(m.copy_in(UserAddr(0x11ff8), &mut b), Err(LinuxErrno::EFAULT));
        assert_eq!(m.copy_out(UserAddr(0x11ff8), &b), Err(LinuxErrno::EFAULT));
        // Read-only page.
        assert_eq!(m.copy_in(UserAddr(0x13000), &mut b), Ok(()));
        assert_eq!(m.copy_out(UserAddr(0x13000), &b), Err(LinuxErrno::EFAULT));
        // Wrapping ranges and address zero.
        assert_eq!(m.copy_in(UserAddr(u64::MAX - 4), &mut b), Err(LinuxErrno::EFAULT));
        assert_eq!(m.copy_in(UserAddr(0), &mut b), Err(LinuxErrno::EFAULT));
        // Zero-length copies never fault.
        assert_eq!(m.copy_in(UserAddr(0), &mut []), Ok(()));
    }

    #[test]
    fn data_crosses_page_boundaries_and_unmap_protect_work() {
        let mut m = SimUserMemory::new();
        m.map(0x20000, 0x3000, Prot::READ | Prot::WRITE);
        let data: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        m.copy_out(UserAddr(0x20ff0), &data).unwrap();
        let mut back = vec![0u8; 5000];
        m.copy_in(UserAddr(0x20ff0), &mut back).unwrap();
        assert_eq!(back, data);
        assert_eq!(m.bytes_in.get(), 5000);
        assert_eq!(m.copy_out_calls, 1);
        assert_eq!(m.bytes_out, 5000);
        m.protect(0x21000, 1, Prot::READ);
        assert_eq!(m.copy_out(UserAddr(0x21000), &[1]), Err(LinuxErrno::EFAULT));
        assert_eq!(m.prot_at(0x21000), Some(Prot::READ));
        m.unmap(0x21000, 0x1000);
        assert_eq!(m.prot_at(0x21000), None);
        assert!(m.peek(0x20ff0, 32).is_none());
        assert!(m.poke(0x22000, &[7, 7]));
        assert!(!m.poke(0x21fff, &[7, 7]));
    }
}
