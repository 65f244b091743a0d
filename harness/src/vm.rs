//! The guest address space as the harness's "kernel" sees it: a list of areas (Linux VMAs) with
//! their protections. The emulator's memory (unicorn regions) mirrors it; fault-checked user copies
//! ([`crate::cpu::UcMem`]) check against it, so a copyout to a read-only or unmapped page is `EFAULT`
//! exactly as in the kernel, even though unicorn's host-side writes would ignore protections.

use std::collections::BTreeMap;

/// Linux `PROT_READ`.
pub const PROT_READ: u32 = 1;
/// Linux `PROT_WRITE`.
pub const PROT_WRITE: u32 = 2;
/// Linux `PROT_EXEC`.
pub const PROT_EXEC: u32 = 4;

/// The page size the harness gives guests (unicorn's ppc64 page size).
pub const PAGE: u64 = 4096;

/// Rounds down to a page.
pub fn page_down(a: u64) -> u64 {
    a & !(PAGE - 1)
}

/// Rounds up to a page, `None` on overflow.
pub fn page_up(a: u64) -> Option<u64> {
    a.checked_add(PAGE - 1).map(page_down)
}

/// One mapped area `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Area {
    /// End (exclusive).
    pub end: u64,
    /// `PROT_*` bits.
    pub prot: u32,
}

/// The areas of one address space, by start address; areas never overlap.
#[derive(Clone, Debug, Default)]
pub struct VmMap {
    areas: BTreeMap<u64, Area>,
}

impl VmMap {
    /// The area containing `addr`.
    pub fn find(&self, addr: u64) -> Option<(u64, Area)> {
        self.areas.range(..=addr).next_back().filter(|(_, a)| a.end > addr).map(|(s, a)| (*s, *a))
    }

    /// Whether every byte of `[addr, addr + len)` is mapped with all of `need`. Zero length is fine.
    pub fn check(&self, addr: u64, len: u64, need: u32) -> bool {
        if len == 0 {
            return true;
        }
        let Some(end) = addr.checked_add(len) else { return false };
        let mut at = addr;
        while at < end {
            match self.find(at) {
                Some((_, a)) if a.prot & need == need => at = a.end,
                _ => return false,
            }
        }
        true
    }

    /// Whether no byte of `[start, end)` is mapped.
    pub fn is_free(&self, start: u64, end: u64) -> bool {
        if self.find(start).is_some() {
            return false;
        }
        self.areas.range(start..end).next().is_none()
    }

    /// Splits the area containing `at` (if any) so that an area starts at `at`.
    fn split_at(&mut self, at: u64) {
        if let Some((s, a)) = self.find(at) {
            if s < at {
                self.areas.insert(s, Area { end: at, prot: a.prot });
                self.areas.insert(at, a);
            }
        }
    }

    /// Removes `[start, end)`; returns the pieces that were mapped (to unmap from the emulator).
    pub fn remove(&mut self, start: u64, end: u64) -> Vec<(u64, u64)> {
        self.split_at(start);
        self.split_at(end);
        let keys: Vec<u64> = self.areas.range(start..end).map(|(k, _)| *k).collect();
        keys.into_iter().filter_map(|k| self.areas.remove(&k).map(|a| (k, a.end))).collect()
    }

    /// Adds `[start, end)` with `prot`; the range must be free (callers remove first).
    pub fn insert(&mut self, start: u64, end: u64, prot: u32) {
        self.areas.insert(start, Area { end, prot });
    }

    /// Changes the protection of `[start, end)`; `None` (Linux: `ENOMEM`) if part of it is unmapped,
    /// else the pieces changed.
    pub fn protect(&mut self, start: u64, end: u64, prot: u32) -> Option<Vec<(u64, u64)>> {
        if !self.covered(start, end) {
            return None;
        }
        self.split_at(start);
        self.split_at(end);
        let mut pieces = Vec::new();
        for (s, a) in self.areas.range_mut(start..end) {
            a.prot = prot;
            pieces.push((*s, a.end));
        }
        Some(pieces)
    }

    /// Whether `[start, end)` is entirely mapped (any protection).
    pub fn covered(&self, start: u64, end: u64) -> bool {
        let mut at = start;
        while at < end {
            match self.find(at) {
                Some((_, a)) => at = a.end,
                None => return false,
            }
        }
        true
    }

    /// The pieces of `[start, end)` that are mapped, with their protections.
    pub fn pieces(&self, start: u64, end: u64) -> Vec<(u64, u64, u32)> {
        let mut out = Vec::new();
        let first = self.find(start).map(|(s, _)| s).unwrap_or(start);
        for (s, a) in self.areas.range(first..end) {
            let lo = (*s).max(start);
            let hi = a.end.min(end);
            if lo < hi {
                out.push((lo, hi, a.prot));
            }
        }
        out
    }

    /// The highest free range of `len` bytes ending at or below `top` and starting at or above
    /// `bottom` (Linux's top-down `get_unmapped_area`).
    pub fn find_free_below(&self, len: u64, top: u64, bottom: u64) -> Option<u64> {
        let mut hi = top;
        for (s, a) in self.areas.range(..top).rev() {
            if a.end <= hi && hi - a.end >= len {
                return Some(hi - len).filter(|&x| x >= bottom);
            }
            hi = hi.min(*s);
            if hi < bottom {
                return None;
            }
        }
        hi.checked_sub(len).filter(|&x| x >= bottom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_protect_remove_and_free_search() {
        let mut m = VmMap::default();
        m.insert(0x10000, 0x20000, PROT_READ | PROT_WRITE);
        assert!(m.check(0x10000, 0x10000, PROT_READ));
        assert!(!m.check(0x1f000, 0x2000, PROT_READ));
        assert_eq!(m.protect(0x12000, 0x13000, PROT_READ), Some(vec![(0x12000, 0x13000)]));
        assert!(!m.check(0x12000, 1, PROT_WRITE));
        assert!(m.check(0x13000, 1, PROT_WRITE));
        assert_eq!(
            m.remove(0x11000, 0x14000),
            vec![(0x11000, 0x12000), (0x12000, 0x13000), (0x13000, 0x14000)]
        );
        assert!(m.is_free(0x11000, 0x14000));
        assert_eq!(m.protect(0x10000, 0x15000, PROT_READ), None);
        assert_eq!(m.find_free_below(0x1000, 0x20000, 0), Some(0x13000));
        assert_eq!(m.find_free_below(0x4000, 0x20000, 0), Some(0xc000));
    }
}
