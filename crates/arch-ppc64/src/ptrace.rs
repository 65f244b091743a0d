//! ptrace register access with the Linux/powerpc64 layouts (Linux `arch/powerpc/kernel/ptrace/`):
//! `PTRACE_GETREGS`/`SETREGS` (`pt_regs`), `PEEKUSR`/`POKEUSR` by `PT_*` offsets, `GETFPREGS`/`SETFPREGS`,
//! `GETVRREGS`/`SETVRREGS`, `GETVSRREGS`/`SETVSRREGS`, and `GETREGSET`/`SETREGSET` for `NT_PRSTATUS`,
//! `NT_PRFPREG`, `NT_PPC_VMX` and `NT_PPC_VSX`.
//!
//! A tracer can change only what Linux lets it: the GPRs, NIP, orig_gpr3, CTR, LR, XER, CR, the trap
//! number's low bits, the FP/vector registers, and of the MSR only the trace bits (SE, BE). A write is
//! built on a copy and applied whole.

use crate::abi::*;
use crate::frame::{Ppc64Thread, UnitsUsed};
use linux_core::errno::LinuxErrno;
use zerocopy::byteorder::{ByteOrder, U128, U32, U64};
use zerocopy::{FromBytes, IntoBytes};

/// MSR bits a tracer may change (Linux `MSR_DEBUGCHANGE`: single-step and branch trace).
pub const MSR_DEBUGCHANGE: u64 = 0x400 | 0x200;
/// The last `pt_regs` index `POKEUSR`/`SETREGS` may write (`PT_MAX_PUT_REG` = `PT_CCR` on ppc64).
pub const PT_MAX_PUT_REG: usize = PT_CCR;

macro_rules! named_ptrace {
    ($($name:ident = $val:expr),* $(,)?) => {
        $(
            #[doc = concat!("`", stringify!($name), "`.")]
            pub const $name: u64 = $val;
        )*
        /// The request and note numbers as (name, value), for the conformance tests.
        pub const PTRACE_VALUES: &[(&str, u64)] = &[$((stringify!($name), $val)),*];
    };
}

named_ptrace! {
    PTRACE_PEEKUSR = 3, PTRACE_POKEUSR = 6, PTRACE_GETREGS = 12, PTRACE_SETREGS = 13,
    PTRACE_GETFPREGS = 14, PTRACE_SETFPREGS = 15, PTRACE_GETVRREGS = 18, PTRACE_SETVRREGS = 19,
    PTRACE_GETVSRREGS = 27, PTRACE_SETVSRREGS = 28, PTRACE_GETREGSET = 0x4204, PTRACE_SETREGSET = 0x4205,
    NT_PRSTATUS = 1, NT_PRFPREG = 2, NT_PPC_VMX = 0x100, NT_PPC_VSX = 0x102,
}

/// A register set, as `PTRACE_GETREGSET` names them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Regset {
    /// `NT_PRSTATUS`: `pt_regs` padded to `ELF_NGREG` words (384 bytes).
    Prstatus,
    /// `NT_PRFPREG`: FPR0..31 and FPSCR (264 bytes).
    Prfpreg,
    /// `NT_PPC_VMX`: VR0..31, VSCR, VRSAVE (34 quadwords, 544 bytes).
    Vmx,
    /// `NT_PPC_VSX`: doubleword 1 of VSR0..31 (256 bytes).
    Vsx,
}

impl Regset {
    /// The set a note type names, `EINVAL` for any other.
    pub fn from_note(note: u64) -> Result<Regset, LinuxErrno> {
        match note {
            NT_PRSTATUS => Ok(Regset::Prstatus),
            NT_PRFPREG => Ok(Regset::Prfpreg),
            NT_PPC_VMX => Ok(Regset::Vmx),
            NT_PPC_VSX => Ok(Regset::Vsx),
            _ => Err(LinuxErrno::EINVAL),
        }
    }

    /// Size in bytes.
    pub const fn size(self) -> usize {
        match self {
            Regset::Prstatus => ELF_NGREG * 8,
            Regset::Prfpreg => ELF_NFPREG * 8,
            Regset::Vmx => ELF_NVRREG * 16,
            Regset::Vsx => ELF_NVSRHALFREG * 8,
        }
    }
}

/// `pt_regs[index]` as a tracer reads it, for `index < PT_REGS_COUNT`.
fn get_reg(t: &Ppc64Thread, index: usize) -> Option<u64> {
    let f = &t.frame;
    Some(match index {
        0..=31 => *f.fixreg.get(index)?,
        PT_NIP => f.srr0,
        PT_MSR => f.srr1,
        PT_ORIG_R3 => t.orig_gpr3,
        PT_CTR => f.ctr,
        PT_LNK => f.lr,
        PT_XER => f.xer,
        PT_CCR => f.cr,
        PT_SOFTE => 1,
        PT_TRAP => f.exc,
        PT_DAR => f.dar,
        PT_DSISR => f.dsisr,
        PT_RESULT => 0,
        _ => return None,
    })
}

/// Writes `pt_regs[index]` as Linux `ptrace_put_reg` allows; `EIO` for a read-only index.
fn put_reg(t: &mut Ppc64Thread, index: usize, v: u64) -> Result<(), LinuxErrno> {
    let f = &mut t.frame;
    match index {
        0..=31 => {
            if let Some(r) = f.fixreg.get_mut(index) {
                *r = v;
            }
        }
        PT_NIP => f.srr0 = v,
        PT_MSR => f.srr1 = (f.srr1 & !MSR_DEBUGCHANGE) | (v & MSR_DEBUGCHANGE),
        PT_ORIG_R3 => t.orig_gpr3 = v,
        PT_CTR => f.ctr = v,
        PT_LNK => f.lr = v,
        PT_XER => f.xer = v,
        PT_CCR => f.cr = v & 0xffff_ffff,
        PT_TRAP => f.exc = v & 0xfff0,
        _ => return Err(LinuxErrno::EIO),
    }
    Ok(())
}

/// `PTRACE_PEEKUSR`: the word at byte offset `offset` of the user area (`pt_regs`, then the FP
/// registers from `PT_FPR0`). `EIO` for a misaligned or out-of-range offset.
pub fn peek_user(t: &Ppc64Thread, offset: u64) -> Result<u64, LinuxErrno> {
    if offset % 8 != 0 {
        return Err(LinuxErrno::EIO);
    }
    let index = usize::try_from(offset / 8).map_err(|_| LinuxErrno::EIO)?;
    match index {
        i if i < PT_REGS_COUNT => get_reg(t, i).ok_or(LinuxErrno::EIO),
        i if (PT_FPR0..PT_FPSCR).contains(&i) => {
            t.vector.fpr.get(i.wrapping_sub(PT_FPR0)).copied().ok_or(LinuxErrno::EIO)
        }
        PT_FPSCR => Ok(t.vector.fpscr),
        _ => Err(LinuxErrno::EIO),
    }
}

/// `PTRACE_POKEUSR`: writes the word at byte offset `offset`, as Linux allows; `EIO` otherwise.
pub fn poke_user(t: &mut Ppc64Thread, offset: u64, value: u64) -> Result<(), LinuxErrno> {
    if offset % 8 != 0 {
        return Err(LinuxErrno::EIO);
    }
    let index = usize::try_from(offset / 8).map_err(|_| LinuxErrno::EIO)?;
    match index {
        i if i <= PT_MAX_PUT_REG || i == PT_TRAP => put_reg(t, i, value),
        i if (PT_FPR0..PT_FPSCR).contains(&i) => {
            let r = t.vector.fpr.get_mut(i.wrapping_sub(PT_FPR0)).ok_or(LinuxErrno::EIO)?;
            *r = value;
            t.vector.used |= UnitsUsed::FP;
            Ok(())
        }
        PT_FPSCR => {
            t.vector.fpscr = value;
            Ok(())
        }
        _ => Err(LinuxErrno::EIO),
    }
}

/// Writes register set `set` into `out` in byte order `E`; returns the bytes written: the set's size,
/// or less when `out` is shorter (`PTRACE_GETREGSET` with a short iovec).
pub fn get_regset<E: ByteOrder>(t: &Ppc64Thread, set: Regset, out: &mut [u8]) -> usize {
    let mut image = [0u8; ELF_NVRREG * 16];
    match set {
        Regset::Prstatus => {
            for i in 0..PT_REGS_COUNT {
                let v = get_reg(t, i).unwrap_or(0);
                if let Some(d) = image.get_mut(slot(i, 8)) {
                    d.copy_from_slice(U64::<E>::new(v).as_bytes());
                }
            }
        }
        Regset::Prfpreg => {
            for (i, v) in t.vector.fpr.iter().chain(core::iter::once(&t.vector.fpscr)).enumerate() {
                if let Some(d) = image.get_mut(slot(i, 8)) {
                    d.copy_from_slice(U64::<E>::new(*v).as_bytes());
                }
            }
        }
        Regset::Vmx => {
            for (i, v) in t.vector.vr.iter().chain(core::iter::once(&u128::from(t.vector.vscr))).enumerate() {
                if let Some(d) = image.get_mut(slot(i, 16)) {
                    d.copy_from_slice(U128::<E>::new(*v).as_bytes());
                }
            }
            if let Some(d) = image.get_mut(33 * 16..33 * 16 + 4) {
                d.copy_from_slice(U32::<E>::new(t.vector.vrsave).as_bytes());
            }
        }
        Regset::Vsx => {
            for (i, v) in t.vector.vsr_low.iter().enumerate() {
                if let Some(d) = image.get_mut(slot(i, 8)) {
                    d.copy_from_slice(U64::<E>::new(*v).as_bytes());
                }
            }
        }
    }
    let n = out.len().min(set.size());
    if let (Some(dst), Some(src)) = (out.get_mut(..n), image.get(..n)) {
        dst.copy_from_slice(src);
    }
    n
}

/// The byte range of register `i` of `size` bytes (saturating: an impossible index gives a range
/// no buffer has).
fn slot(i: usize, size: usize) -> core::ops::Range<usize> {
    let start = i.saturating_mul(size);
    start..start.saturating_add(size)
}

fn word<E: ByteOrder>(data: &[u8], i: usize) -> Option<u64> {
    U64::<E>::read_from_bytes(data.get(slot(i, 8))?).ok().map(|v| v.get())
}

/// Applies `data` (a prefix of register set `set`, in byte order `E`) as Linux's `*_set` regset
/// functions do. `EINVAL` when `data` is longer than the set or not a whole number of registers; on
/// error nothing changes.
pub fn set_regset<E: ByteOrder>(t: &mut Ppc64Thread, set: Regset, data: &[u8]) -> Result<(), LinuxErrno> {
    let unit_mask = if set == Regset::Vmx { 15 } else { 7 };
    if data.len() > set.size() || data.len() & unit_mask != 0 {
        return Err(LinuxErrno::EINVAL);
    }
    let mut new = *t;
    match set {
        Regset::Prstatus => {
            for i in 0..data.len() / 8 {
                let v = word::<E>(data, i).ok_or(LinuxErrno::EINVAL)?;
                if i <= PT_MAX_PUT_REG || i == PT_TRAP {
                    put_reg(&mut new, i, v)?;
                }
                // softe, dar, dsisr, result and the padding are ignored, as on Linux.
            }
        }
        Regset::Prfpreg => {
            for i in 0..data.len() / 8 {
                let v = word::<E>(data, i).ok_or(LinuxErrno::EINVAL)?;
                match new.vector.fpr.get_mut(i) {
                    Some(r) => *r = v,
                    None => new.vector.fpscr = v,
                }
            }
            new.vector.used |= UnitsUsed::FP;
        }
        Regset::Vmx => {
            for i in 0..data.len() / 16 {
                let q = data.get(slot(i, 16)).ok_or(LinuxErrno::EINVAL)?;
                let v = U128::<E>::read_from_bytes(q).map_err(|_| LinuxErrno::EINVAL)?.get();
                match i {
                    0..=31 => {
                        if let Some(r) = new.vector.vr.get_mut(i) {
                            *r = v;
                        }
                    }
                    32 => new.vector.vscr = v as u32,
                    _ => {
                        let w = q.get(..4).ok_or(LinuxErrno::EINVAL)?;
                        new.vector.vrsave =
                            U32::<E>::read_from_bytes(w).map_err(|_| LinuxErrno::EINVAL)?.get();
                    }
                }
            }
            new.vector.used |= UnitsUsed::VEC;
        }
        Regset::Vsx => {
            for i in 0..data.len() / 8 {
                let v = word::<E>(data, i).ok_or(LinuxErrno::EINVAL)?;
                if let Some(r) = new.vector.vsr_low.get_mut(i) {
                    *r = v;
                }
            }
            new.vector.used |= UnitsUsed::VSX;
        }
    }
    *t = new;
    Ok(())
}

/// The register set and byte count of the fixed-size requests (`GETREGS` reads `pt_regs` only).
pub fn fixed_request(request: u64) -> Option<(Regset, usize, bool)> {
    Some(match request {
        PTRACE_GETREGS => (Regset::Prstatus, PT_REGS_COUNT * 8, false),
        PTRACE_SETREGS => (Regset::Prstatus, PT_REGS_COUNT * 8, true),
        PTRACE_GETFPREGS => (Regset::Prfpreg, Regset::Prfpreg.size(), false),
        PTRACE_SETFPREGS => (Regset::Prfpreg, Regset::Prfpreg.size(), true),
        PTRACE_GETVRREGS => (Regset::Vmx, Regset::Vmx.size(), false),
        PTRACE_SETVRREGS => (Regset::Vmx, Regset::Vmx.size(), true),
        PTRACE_GETVSRREGS => (Regset::Vsx, Regset::Vsx.size(), false),
        PTRACE_SETVSRREGS => (Regset::Vsx, Regset::Vsx.size(), true),
        _ => return None,
    })
}
