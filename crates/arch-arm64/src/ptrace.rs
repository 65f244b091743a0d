//! ptrace register sets with the Linux/arm64 layouts (Linux `arch/arm64/kernel/ptrace.c`):
//! `NT_PRSTATUS` (`struct user_pt_regs`: x0..x30, sp, pc, pstate) and `NT_PRFPREG`
//! (`struct user_fpsimd_state`: V0..V31, FPSR, FPCR). A write is checked whole and applied whole; a
//! PSTATE that is not a user-mode value is refused with `EINVAL`, as Linux's `valid_user_regs` does.

use crate::frame::Arm64Thread;
use crate::signal::valid_user_pstate;
use linux_core::errno::LinuxErrno;
use zerocopy::byteorder::{ByteOrder, U128, U32, U64};
use zerocopy::{FromBytes, IntoBytes};

/// `NT_PRSTATUS`.
pub const NT_PRSTATUS: u64 = 1;
/// `NT_PRFPREG`.
pub const NT_PRFPREG: u64 = 2;
/// `PTRACE_GETREGSET`.
pub const PTRACE_GETREGSET: u64 = 0x4204;
/// `PTRACE_SETREGSET`.
pub const PTRACE_SETREGSET: u64 = 0x4205;

/// The numbers as (name, value), for the conformance tests.
pub const PTRACE_VALUES: &[(&str, u64)] = &[
    ("NT_PRSTATUS", NT_PRSTATUS),
    ("NT_PRFPREG", NT_PRFPREG),
    ("PTRACE_GETREGSET", PTRACE_GETREGSET),
    ("PTRACE_SETREGSET", PTRACE_SETREGSET),
];

/// A register set.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Regset {
    /// `struct user_pt_regs` (272 bytes).
    Prstatus,
    /// `struct user_fpsimd_state` (528 bytes).
    Prfpreg,
}

impl Regset {
    /// The set a note type names, `EINVAL` for any other.
    pub fn from_note(note: u64) -> Result<Regset, LinuxErrno> {
        match note {
            NT_PRSTATUS => Ok(Regset::Prstatus),
            NT_PRFPREG => Ok(Regset::Prfpreg),
            _ => Err(LinuxErrno::EINVAL),
        }
    }

    /// Size in bytes.
    pub const fn size(self) -> usize {
        match self {
            Regset::Prstatus => 34 * 8,
            Regset::Prfpreg => 32 * 16 + 16,
        }
    }
}

/// The byte range of register `i` of `size` bytes (saturating: an impossible index gives a range no
/// buffer has).
fn slot(i: usize, size: usize) -> core::ops::Range<usize> {
    let start = i.saturating_mul(size);
    start..start.saturating_add(size)
}

/// Writes set `set` into `out` in byte order `E`; returns the bytes written (less than the set's size
/// when `out` is shorter).
pub fn get_regset<E: ByteOrder>(t: &Arm64Thread, set: Regset, out: &mut [u8]) -> usize {
    let mut image = [0u8; 32 * 16 + 16];
    let f = &t.frame;
    match set {
        Regset::Prstatus => {
            let regs = (0..31).map(|n| f.x(n)).chain([f.tf_sp, f.tf_elr, f.tf_spsr]);
            for (i, v) in regs.enumerate() {
                if let Some(d) = image.get_mut(slot(i, 8)) {
                    d.copy_from_slice(U64::<E>::new(v).as_bytes());
                }
            }
        }
        Regset::Prfpreg => {
            for (i, v) in t.fpsimd.vregs.iter().enumerate() {
                if let Some(d) = image.get_mut(slot(i, 16)) {
                    d.copy_from_slice(U128::<E>::new(*v).as_bytes());
                }
            }
            if let Some(d) = image.get_mut(512..516) {
                d.copy_from_slice(U32::<E>::new(t.fpsimd.fpsr).as_bytes());
            }
            if let Some(d) = image.get_mut(516..520) {
                d.copy_from_slice(U32::<E>::new(t.fpsimd.fpcr).as_bytes());
            }
        }
    }
    let n = out.len().min(set.size());
    if let (Some(dst), Some(src)) = (out.get_mut(..n), image.get(..n)) {
        dst.copy_from_slice(src);
    }
    n
}

/// Applies a whole register set (Linux requires the full `user_pt_regs` for `NT_PRSTATUS` from a short
/// write too: the missing part keeps its value). `EINVAL` for a bad size or a PSTATE that is not user
/// mode; on error nothing changes.
pub fn set_regset<E: ByteOrder>(t: &mut Arm64Thread, set: Regset, data: &[u8]) -> Result<(), LinuxErrno> {
    if data.len() > set.size() {
        return Err(LinuxErrno::EINVAL);
    }
    let mut image = [0u8; 32 * 16 + 16];
    get_regset::<E>(t, set, &mut image);
    if let Some(dst) = image.get_mut(..data.len()) {
        dst.copy_from_slice(data);
    }
    let word =
        |i: usize| image.get(slot(i, 8)).and_then(|b| U64::<E>::read_from_bytes(b).ok()).map(|v| v.get());
    let mut new = *t;
    match set {
        Regset::Prstatus => {
            for n in 0..31 {
                new.frame.set_x(n, word(n).ok_or(LinuxErrno::EINVAL)?);
            }
            new.frame.tf_sp = word(31).ok_or(LinuxErrno::EINVAL)?;
            new.frame.tf_elr = word(32).ok_or(LinuxErrno::EINVAL)?;
            new.frame.tf_spsr =
                valid_user_pstate(word(33).ok_or(LinuxErrno::EINVAL)?).ok_or(LinuxErrno::EINVAL)?;
        }
        Regset::Prfpreg => {
            for (i, v) in new.fpsimd.vregs.iter_mut().enumerate() {
                let q = image.get(slot(i, 16)).ok_or(LinuxErrno::EINVAL)?;
                *v = U128::<E>::read_from_bytes(q).map_err(|_| LinuxErrno::EINVAL)?.get();
            }
            let w = |at: usize| {
                image
                    .get(at..at.saturating_add(4))
                    .and_then(|b| U32::<E>::read_from_bytes(b).ok())
                    .map(|v| v.get())
            };
            new.fpsimd.fpsr = w(512).ok_or(LinuxErrno::EINVAL)?;
            new.fpsimd.fpcr = w(516).ok_or(LinuxErrno::EINVAL)?;
            new.fpsimd.used = true;
        }
    }
    *t = new;
    Ok(())
}
