//! The simulated user memory of the targets: [`SimUserMemory`] plus a record of every write the hook
//! attempted, so that the checks can say exactly which user bytes a hook produced.

use linux_core::errno::LinuxErrno;
use linux_core::sim::{Prot, SimUserMemory, SIM_PAGE};
use linux_core::uaccess::{CasOutcome, UserAddr, UserAtomics, UserMemory};
/// User memory that logs the writes made through [`UserMemory::copy_out`].
#[derive(Default)]
pub struct Recorder {
    /// The address space.
    pub sim: SimUserMemory,
    /// Every `copy_out` attempted: (address, bytes, whether it succeeded).
    pub writes: Vec<(u64, Vec<u8>, bool)>,
}

impl UserMemory for Recorder {
    fn copy_in(&self, src: UserAddr, dst: &mut [u8]) -> Result<(), LinuxErrno> {
        self.sim.copy_in(src, dst)
    }

    fn copy_out(&mut self, dst: UserAddr, src: &[u8]) -> Result<(), LinuxErrno> {
        let r = self.sim.copy_out(dst, src);
        self.writes.push((dst.0, src.to_vec(), r.is_ok()));
        r
    }
}

impl UserAtomics for Recorder {
    fn cas_u32(&mut self, addr: UserAddr, expected: [u8; 4], new: [u8; 4]) -> Result<CasOutcome, LinuxErrno> {
        self.sim.cas_u32(addr, expected, new)
    }
}

impl Recorder {
    /// Panics unless every byte of every attempted write lies in one of the half-open `ranges`.
    pub fn assert_writes_within(&self, ranges: &[(u128, u128)], what: &str) {
        for (at, bytes, _) in &self.writes {
            let lo = u128::from(*at);
            let hi = lo + bytes.len() as u128;
            let mut p = lo;
            // Walk the write through the ranges (they may be adjacent).
            while p < hi {
                match ranges.iter().find(|(a, b)| *a <= p && p < *b) {
                    Some((_, b)) => p = (*b).min(hi),
                    None => panic!(
                        "{what}: a write of {} bytes at {at:#x} touches {p:#x}, outside {:x?}",
                        bytes.len(),
                        ranges
                    ),
                }
            }
        }
    }
}

static FILL: [[u8; SIM_PAGE as usize]; 2] = [[0x5a; SIM_PAGE as usize], [0xa5; SIM_PAGE as usize]];

/// Maps `pages` pages at `base`, each with the permissions its two bits of `prot_bits` choose
/// (0, 3: read-write; 1: read-only; 2: unmapped), and fills the mapped ones with `fill` (0: zeros, odd: 0xa5 bytes, even: 0x5a bytes).
pub fn map_region(sim: &mut SimUserMemory, base: u64, pages: u64, prot_bits: u64, fill: u8) {
    for i in 0..pages {
        let at = base + i * SIM_PAGE;
        let prot = match (prot_bits >> ((2 * i) % 64)) & 3 {
            1 => Prot::READ,
            2 => continue,
            _ => Prot::READ | Prot::WRITE,
        };
        sim.map(at, SIM_PAGE, prot);
        if fill != 0 {
            sim.poke(at, &FILL[usize::from(fill & 1)]);
        }
    }
}

/// Writes `data` at `at` regardless of permissions, skipping the bytes that fall on unmapped pages.
pub fn poke_mapped(sim: &mut SimUserMemory, at: u64, data: &[u8]) {
    let mut done = 0usize;
    while done < data.len() {
        let a = at.wrapping_add(done as u64);
        let in_page = (SIM_PAGE - (a % SIM_PAGE)) as usize;
        let n = in_page.min(data.len() - done);
        if sim.prot_at(a).is_some() {
            sim.poke(a, &data[done..done + n]);
        }
        done += n;
    }
}
