//! The atomic operations on user memory that `FUTEX_WAKE_OP` needs (glibc's condition variables use it),
//! built as compare-and-swap loops on [`UserAtomics`], and the decoding of the `FUTEX_OP` word, after
//! Linux's `futex_atomic_op_inuser`.

use crate::errno::LinuxErrno;
use crate::uaccess::{CasOutcome, UserAddr, UserAtomics};
use zerocopy::byteorder::{ByteOrder, U32};
use zerocopy::IntoBytes;

/// The operation of a `FUTEX_OP` (`FUTEX_OP_SET` .. `FUTEX_OP_XOR`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FutexOp {
    /// `*uaddr = oparg`.
    Set,
    /// `*uaddr += oparg`.
    Add,
    /// `*uaddr |= oparg`.
    Or,
    /// `*uaddr &= ~oparg`.
    AndNot,
    /// `*uaddr ^= oparg`.
    Xor,
}

/// The comparison of a `FUTEX_OP` (`FUTEX_OP_CMP_EQ` .. `FUTEX_OP_CMP_GE`), on signed values.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FutexCmp {
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

/// `FUTEX_OP_*` values as (name, value), for the conformance tests.
pub const FUTEX_OP_VALUES: &[(&str, u32)] = &[
    ("FUTEX_OP_SET", 0),
    ("FUTEX_OP_ADD", 1),
    ("FUTEX_OP_OR", 2),
    ("FUTEX_OP_ANDN", 3),
    ("FUTEX_OP_XOR", 4),
    ("FUTEX_OP_OPARG_SHIFT", 8),
    ("FUTEX_OP_CMP_EQ", 0),
    ("FUTEX_OP_CMP_NE", 1),
    ("FUTEX_OP_CMP_LT", 2),
    ("FUTEX_OP_CMP_LE", 3),
    ("FUTEX_OP_CMP_GT", 4),
    ("FUTEX_OP_CMP_GE", 5),
];

/// A decoded `FUTEX_WAKE_OP` operation word (`val3`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct WakeOp {
    /// The operation.
    pub op: FutexOp,
    /// Its operand (already `1 << oparg` when `FUTEX_OP_OPARG_SHIFT` was given).
    pub oparg: i32,
    /// The comparison.
    pub cmp: FutexCmp,
    /// Its operand.
    pub cmparg: i32,
}

fn sign_extend12(v: u32) -> i32 {
    ((v << 20) as i32) >> 20
}

impl WakeOp {
    /// Decodes `val3` as Linux does: an unknown operation or comparison is `ENOSYS`; a shift operand
    /// outside 0..=31 is reduced modulo 32 (Linux prints a warning and does the same).
    pub fn decode(encoded: u32) -> Result<WakeOp, LinuxErrno> {
        let op = match (encoded >> 28) & 7 {
            0 => FutexOp::Set,
            1 => FutexOp::Add,
            2 => FutexOp::Or,
            3 => FutexOp::AndNot,
            4 => FutexOp::Xor,
            _ => return Err(LinuxErrno::ENOSYS),
        };
        let cmp = match (encoded >> 24) & 0xf {
            0 => FutexCmp::Eq,
            1 => FutexCmp::Ne,
            2 => FutexCmp::Lt,
            3 => FutexCmp::Le,
            4 => FutexCmp::Gt,
            5 => FutexCmp::Ge,
            _ => return Err(LinuxErrno::ENOSYS),
        };
        let mut oparg = sign_extend12((encoded >> 12) & 0xfff);
        let cmparg = sign_extend12(encoded & 0xfff);
        if encoded & (8 << 28) != 0 {
            oparg = 1i32.wrapping_shl((oparg & 31) as u32);
        }
        Ok(WakeOp { op, oparg, cmp, cmparg })
    }

    /// Whether the old value satisfies the comparison.
    pub fn compare(&self, old: u32) -> bool {
        let old = old as i32;
        match self.cmp {
            FutexCmp::Eq => old == self.cmparg,
            FutexCmp::Ne => old != self.cmparg,
            FutexCmp::Lt => old < self.cmparg,
            FutexCmp::Le => old <= self.cmparg,
            FutexCmp::Gt => old > self.cmparg,
            FutexCmp::Ge => old >= self.cmparg,
        }
    }
}

/// How many times a compare-and-swap may lose to other writers before the operation gives up with
/// `EAGAIN` (only a program hammering its own futex word from other threads can get there).
pub const CAS_RETRIES: u32 = 1 << 16;

/// Applies `op` with `oparg` to the 32-bit user word at `addr` atomically; returns the old value.
/// `EFAULT` for an unmapped or read-only word, `EINVAL` for a misaligned one.
pub fn futex_atomic_op<E: ByteOrder, M: UserAtomics + ?Sized>(
    mem: &mut M,
    op: FutexOp,
    oparg: i32,
    addr: UserAddr,
) -> Result<u32, LinuxErrno> {
    if !addr.is_aligned(4) {
        return Err(LinuxErrno::EINVAL);
    }
    let arg = oparg as u32;
    let mut current = mem.read_value::<U32<E>>(addr)?.get();
    for _ in 0..CAS_RETRIES {
        let new = match op {
            FutexOp::Set => arg,
            FutexOp::Add => current.wrapping_add(arg),
            FutexOp::Or => current | arg,
            FutexOp::AndNot => current & !arg,
            FutexOp::Xor => current ^ arg,
        };
        let expected = U32::<E>::new(current);
        let desired = U32::<E>::new(new);
        let mut e = [0u8; 4];
        e.copy_from_slice(expected.as_bytes());
        let mut d = [0u8; 4];
        d.copy_from_slice(desired.as_bytes());
        match mem.cas_u32(addr, e, d)? {
            CasOutcome::Swapped => return Ok(current),
            CasOutcome::Changed(now) => current = U32::<E>::from_bytes(now).get(),
        }
    }
    Err(LinuxErrno::EAGAIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_like_linux() {
        // FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_GT, 1): glibc's pthread_cond_signal wake-op.
        let w = WakeOp::decode((0 << 28) | (4 << 24) | (0 << 12) | 1).unwrap();
        assert_eq!(w, WakeOp { op: FutexOp::Set, oparg: 0, cmp: FutexCmp::Gt, cmparg: 1 });
        // Negative 12-bit operands are sign-extended.
        let w = WakeOp::decode((1 << 28) | (2 << 24) | (0xfff << 12) | 0x800).unwrap();
        assert_eq!((w.op, w.oparg, w.cmp, w.cmparg), (FutexOp::Add, -1, FutexCmp::Lt, -2048));
        // OPARG_SHIFT: 1 << oparg, a bad shift reduced modulo 32.
        assert_eq!(WakeOp::decode((8 | 2) << 28 | (5 << 12)).unwrap().oparg, 32);
        assert_eq!(WakeOp::decode((8 | 2) << 28 | (33 << 12)).unwrap().oparg, 2);
        assert_eq!(WakeOp::decode(5 << 28), Err(LinuxErrno::ENOSYS));
        assert_eq!(WakeOp::decode(6 << 24), Err(LinuxErrno::ENOSYS));
        assert!(WakeOp::decode((4 << 24) | 1).unwrap().compare(2));
        assert!(!WakeOp::decode((4 << 24) | 1).unwrap().compare(1));
        assert!(WakeOp::decode((2 << 24) | 0).unwrap().compare(u32::MAX), "signed: -1 < 0");
    }
}
