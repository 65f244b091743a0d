//! The invariants every target checks, shared.

use crate::mem::Recorder;
use linux_core::errno::LinuxErrno;
use std::collections::HashSet;
use zerocopy::byteorder::{ByteOrder, U64};

/// A Linux errno, as a system call may return it: `1..=133` (41 and 58 have no generic name, but 58 is
/// powerpc's `EDEADLOCK`).
pub fn assert_errno(e: LinuxErrno, what: &str) {
    assert!((1..=133).contains(&e.get()), "{what}: {e:?} is not a Linux errno");
}

/// The value of 8 bytes in byte order `E`.
pub fn word<E: ByteOrder>(b: [u8; 8]) -> u64 {
    U64::<E>::from_bytes(b).get()
}

/// A 32-bit value followed (at the next higher address) by 32 zero bits, or the other way round, read
/// as one 64-bit word in either byte order: the four ways a 32-bit field next to padding can appear.
pub fn half_words(v: u32) -> [u64; 2] {
    [u64::from(v), u64::from(v) << 32]
}

/// The words allowed in the bytes a hook wrote to user memory.
#[derive(Default)]
pub struct Provenance {
    /// Values taken from the hook's inputs (thread state, delivery, constants of the format).
    pub values: HashSet<u64>,
    /// User addresses the hook computes (inclusive bounds): anything inside the frame it builds.
    pub addresses: Vec<(u64, u64)>,
}

impl Provenance {
    /// Allows `v`.
    pub fn allow(&mut self, v: u64) {
        self.values.insert(v);
    }

    /// Allows each of `vs`.
    pub fn allow_all(&mut self, vs: impl IntoIterator<Item = u64>) {
        self.values.extend(vs);
    }

    /// Allows the two 64-bit halves of a 128-bit register, as either byte order stores them.
    pub fn allow_u128(&mut self, v: u128) {
        self.allow(v as u64);
        self.allow((v >> 64) as u64);
    }

    /// Allows every 8-byte word of `bytes` read in order `E` (a block the format copies as it is).
    pub fn allow_block<E: ByteOrder>(&mut self, bytes: &[u8]) {
        for c in bytes.chunks_exact(8) {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.allow(word::<E>(b));
        }
    }

    /// Panics unless every naturally aligned 8-byte word of every successful write is zero, an allowed
    /// value, or an allowed address, read in the guest byte order `E`. (A word written twice is checked
    /// in both versions: stricter than checking what is left.)
    pub fn assert_explains<E: ByteOrder>(&self, m: &Recorder, what: &str) {
        for (at, bytes, ok) in &m.writes {
            if !*ok {
                continue;
            }
            let first = at.wrapping_add(7) & !7;
            let mut off = first.wrapping_sub(*at) as usize;
            while off + 8 <= bytes.len() {
                let mut b = [0u8; 8];
                b.copy_from_slice(&bytes[off..off + 8]);
                let w = word::<E>(b);
                let ok = w == 0
                    || self.values.contains(&w)
                    || self.addresses.iter().any(|&(lo, hi)| lo <= w && w <= hi);
                assert!(
                    ok,
                    "{what}: the word {w:#018x} written at {:#x} comes from nowhere the hook may take it from",
                    at.wrapping_add(off as u64)
                );
                off += 8;
            }
        }
    }
}
