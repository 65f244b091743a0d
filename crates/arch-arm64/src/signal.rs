//! Signal delivery (`rt_sigframe`) and `rt_sigreturn` for arm64, after Linux 6.1's
//! `arch/arm64/kernel/signal.c` on a system without SVE and SME (neither is advertised:
//! [`crate::abi::HWCAP_MASKED`]).
//!
//! Frame on the user stack, from the handler's stack pointer up:
//!
//! ```text
//! sp = frame        struct rt_sigframe (16-aligned, 4688 bytes)
//!                     info      siginfo (written only with SA_SIGINFO; zero otherwise)
//!                     uc        ucontext: flags, link, uc_stack, uc_sigmask, sigcontext
//!                                 sigcontext: fault_address, x0..x30, sp, pc, pstate,
//!                                 __reserved[4096]: fpsimd_context (magic 0x46508001, 528 bytes)
//!                                                   esr_context (0x45535201, 16) if fault_code != 0
//!                                                   end marker (0, 0); the rest zero
//! x29 = frame+4688  struct frame_record { fp = interrupted x29, lr = interrupted x30 }
//! interrupted sp (or the top of the alternate stack), rounded down to 16
//! ```
//!
//! The handler starts with x0 = signal, and with SA_SIGINFO x1 = &info, x2 = &uc (without it x1 and
//! x2 keep their interrupted values, as on Linux), sp = frame, x29 = &frame_record, lr = the
//! trampoline, pc = handler, PSTATE as interrupted with TCO cleared. The FP/SIMD registers are left as
//! they were.
//!
//! The trampoline is [`SignalDelivery::trampoline`], which [`return_trampoline`] computes as Linux's
//! `setup_return` does: the program's `sa_restorer` when it set `SA_RESTORER` (musl does; Linux/arm64
//! honours it), else the vdso's `__kernel_rt_sigreturn`, whose offset comes from the `vdso-arm64` image.
//! That trampoline's unwind information describes this module's frame; the offsets it was assembled with
//! ([`vdso_arm64::SIGFRAME`]) are asserted here at compile time.

use crate::abi::{
    PSR_MODE_EL0t, ESR_MAGIC, EXTRA_MAGIC, FPSIMD_MAGIC, PSR_DAIF, PSR_MODE32_BIT, PSR_MODE_MASK, PSR_SS_BIT,
    PSR_TCO_BIT, SPSR_EL1_AARCH64_RES0_BITS,
};
use crate::frame::{Arm64Thread, FpSimdState};
use core::mem::{offset_of, size_of};
use linux_core::errno::LinuxErrno;
use linux_core::hooks::{SignalDelivery, SigreturnOutcome};
use linux_core::signal::{LinuxSigset, SaFlags, SigInfo, StackT};
use linux_core::uaccess::{UserAddr, UserMemory};
use zerocopy::byteorder::{ByteOrder, I32, U128, U32, U64};
use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout, Unaligned};

/// Linux `stack_t` (24 bytes).
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug)]
pub struct SigStack<E: ByteOrder> {
    /// `ss_sp`.
    pub ss_sp: U64<E>,
    /// `ss_flags`.
    pub ss_flags: I32<E>,
    /// Padding before `ss_size`.
    pub pad: U32<E>,
    /// `ss_size`.
    pub ss_size: U64<E>,
}

/// Size of `sigcontext.__reserved`.
pub const RESERVED_SIZE: usize = 4096;

/// Linux/arm64 `struct sigcontext` (4384 bytes, 16-aligned `__reserved` at 288).
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug)]
pub struct SigContext<E: ByteOrder> {
    /// `fault_address`.
    pub fault_address: U64<E>,
    /// `regs[31]`: x0..x30.
    pub regs: [U64<E>; 31],
    /// `sp`.
    pub sp: U64<E>,
    /// `pc`.
    pub pc: U64<E>,
    /// `pstate`.
    pub pstate: U64<E>,
    /// Padding that 16-aligns `__reserved`.
    pub pad: [u8; 8],
    /// `__reserved[4096]`: the record list.
    pub reserved: [u8; RESERVED_SIZE],
}

/// Linux/arm64 `struct ucontext` (4560 bytes, `uc_mcontext` at 176).
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug)]
pub struct UContext<E: ByteOrder> {
    /// `uc_flags`.
    pub uc_flags: U64<E>,
    /// `uc_link`.
    pub uc_link: U64<E>,
    /// `uc_stack`.
    pub uc_stack: SigStack<E>,
    /// `uc_sigmask`.
    pub uc_sigmask: U64<E>,
    /// `__unused[120]`: glibc's 1024-bit `sigset_t`.
    pub unused: [u8; 120],
    /// Padding that 16-aligns `uc_mcontext`.
    pub pad: [u8; 8],
    /// `uc_mcontext`.
    pub uc_mcontext: SigContext<E>,
}

/// Linux/arm64 `struct rt_sigframe` (kernel-internal: siginfo then ucontext, 4688 bytes).
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug)]
pub struct RtSigFrame<E: ByteOrder> {
    /// `info`.
    pub info: [u8; SigInfo::SIZE],
    /// `uc`.
    pub uc: UContext<E>,
}

/// Linux/arm64 `struct frame_record` (kernel-internal): the AAPCS64 frame record the handler's x29
/// points at, so unwinders walk from the handler into the interrupted code.
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug)]
pub struct FrameRecord<E: ByteOrder> {
    /// The interrupted x29.
    pub fp: U64<E>,
    /// The interrupted x30.
    pub lr: U64<E>,
}

/// Everything delivery writes, in one piece: the frame and, right above it, the frame record.
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug)]
pub struct SignalFrame<E: ByteOrder> {
    /// The `rt_sigframe`.
    pub frame: RtSigFrame<E>,
    /// The frame record.
    pub record: FrameRecord<E>,
}

/// `struct _aarch64_ctx`: the header of every `__reserved` record.
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug)]
pub struct CtxHeader<E: ByteOrder> {
    /// `magic`.
    pub magic: U32<E>,
    /// `size`, header included.
    pub size: U32<E>,
}

/// `struct fpsimd_context` (528 bytes).
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug)]
pub struct FpsimdContext<E: ByteOrder> {
    /// `head`: [`FPSIMD_MAGIC`], 528.
    pub head: CtxHeader<E>,
    /// `fpsr`.
    pub fpsr: U32<E>,
    /// `fpcr`.
    pub fpcr: U32<E>,
    /// `vregs[32]`.
    pub vregs: [U128<E>; 32],
}

/// `struct esr_context` (16 bytes).
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug)]
pub struct EsrContext<E: ByteOrder> {
    /// `head`: [`ESR_MAGIC`], 16.
    pub head: CtxHeader<E>,
    /// `esr`.
    pub esr: U64<E>,
}

/// `struct extra_context` (32 bytes): points at more records beyond `__reserved`.
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug)]
pub struct ExtraContext<E: ByteOrder> {
    /// `head`: [`EXTRA_MAGIC`], 32.
    pub head: CtxHeader<E>,
    /// `datap`: user address of the extra records, 16-aligned.
    pub datap: U64<E>,
    /// `size` of the extra area, a multiple of 16.
    pub size: U32<E>,
    /// `__reserved[3]`.
    pub reserved: [U32<E>; 3],
}

type Le = zerocopy::LittleEndian;

/// Size of `rt_sigframe`.
pub const RT_SIGFRAME_SIZE: u64 = size_of::<RtSigFrame<Le>>() as u64;
/// Size of the frame record.
pub const FRAME_RECORD_SIZE: u64 = size_of::<FrameRecord<Le>>() as u64;
/// Size of `fpsimd_context`.
pub const FPSIMD_CONTEXT_SIZE: u32 = size_of::<FpsimdContext<Le>>() as u32;
/// Size of `esr_context`.
pub const ESR_CONTEXT_SIZE: u32 = size_of::<EsrContext<Le>>() as u32;
/// Size of `extra_context`.
pub const EXTRA_CONTEXT_SIZE: u32 = size_of::<ExtraContext<Le>>() as u32;
/// Room a record list terminator takes (Linux `TERMINATOR_SIZE`: the 8-byte header rounded to 16).
const TERMINATOR_SIZE: u64 = round16(size_of::<CtxHeader<Le>>() as u64);
/// Linux `SIGFRAME_MAXSZ`: how far past the frame an `extra_context` may reach.
const SIGFRAME_MAXSZ: u64 = 64 * 1024;

/// Offset of `uc` in the frame.
pub const FRAME_UC: u64 = offset_of!(RtSigFrame<Le>, uc) as u64;
/// Offset of `sigcontext.__reserved` in the frame (Linux: where `init_user_layout` starts allocating).
pub const FRAME_RESERVED: u64 =
    FRAME_UC + (offset_of!(UContext<Le>, uc_mcontext) + offset_of!(SigContext<Le>, reserved)) as u64;

const fn round16(v: u64) -> u64 {
    v.saturating_add(15) & !15
}

const fn max(a: u64, b: u64) -> u64 {
    if a > b {
        a
    } else {
        b
    }
}

/// Linux `sigframe_size` for a record list of `records` bytes (each record rounded to 16), the
/// terminator included.
const fn sigframe_size(records: u64) -> u64 {
    round16(max(FRAME_RESERVED.saturating_add(records).saturating_add(TERMINATOR_SIZE), RT_SIGFRAME_SIZE))
}

/// `AT_MINSIGSTKSZ` (Linux `minsigstksz_setup`): the largest frame this kernel builds (the fpsimd and
/// esr records, no SVE or ZA), the frame record, and 16 bytes of alignment padding:
/// 4688 + 16 + 16 = 4720.
pub const MIN_SIGSTKSZ: u64 =
    sigframe_size(round16(FPSIMD_CONTEXT_SIZE as u64) + round16(ESR_CONTEXT_SIZE as u64))
        + round16(FRAME_RECORD_SIZE)
        + 16;

// The vdso's CFI finds the interrupted registers at these offsets from the handler's sp: they must be
// this frame's (whose layout the conformance tests check against Linux's uapi headers).
const _: () = {
    let v = vdso_arm64::SIGFRAME;
    assert!(v.sigcontext == FRAME_UC + offset_of!(UContext<Le>, uc_mcontext) as u64);
    assert!(v.regs == offset_of!(SigContext<Le>, regs) as u64);
    assert!(v.sp == offset_of!(SigContext<Le>, sp) as u64);
    assert!(v.pc == offset_of!(SigContext<Le>, pc) as u64);
    assert!(v.reserved == offset_of!(SigContext<Le>, reserved) as u64);
    assert!(v.fpsimd_vregs == offset_of!(FpsimdContext<Le>, vregs) as u64);
    // `sendsig` writes the fpsimd record first in `__reserved`, where the CFI expects it.
};

/// Where a handler returns to (Linux/arm64 `setup_return`): `restorer` if the program set
/// `SA_RESTORER`, else `__kernel_rt_sigreturn` in the vdso mapped at `vdso_base` (the offset is the
/// `vdso-arm64` image's). `None` when there is neither (no vdso mapped, no restorer) or the address
/// would wrap: the caller cannot deliver the signal and must treat it as a failed delivery (SIGSEGV),
/// as Linux does for a frame it cannot set up.
pub fn return_trampoline(flags: SaFlags, restorer: u64, vdso_base: Option<u64>) -> Option<u64> {
    if flags.contains(SaFlags::SA_RESTORER) {
        return Some(restorer);
    }
    vdso_base?.checked_add(vdso_arm64::VDSO.sigreturn)
}

/// Builds the frame and points the thread at the handler (Linux `setup_rt_frame`). On error the
/// thread is unchanged.
pub(crate) fn sendsig<E: ByteOrder, M: UserMemory + ?Sized>(
    t: &mut Arm64Thread,
    mem: &mut M,
    d: &SignalDelivery,
) -> Result<(), LinuxErrno> {
    let f = &t.frame;
    let sp = f.tf_sp;

    // Layout (Linux `get_sigframe`): the frame record just below the (16-aligned) top, the frame below it.
    let records = u64::from(FPSIMD_CONTEXT_SIZE).saturating_add(if t.fault_code != 0 {
        u64::from(ESR_CONTEXT_SIZE)
    } else {
        0
    });
    let size = sigframe_size(records);
    let top = d.altstack.frame_top(sp, d.flags);
    let record_at = top.checked_sub(FRAME_RECORD_SIZE).ok_or(LinuxErrno::EFAULT)? & !15;
    let frame_at = record_at.checked_sub(size).ok_or(LinuxErrno::EFAULT)?;
    // The frame is contiguous with the record only when it has its base size, which it always has
    // without SVE: refuse rather than write a wrong layout if that ever changes.
    if size != RT_SIGFRAME_SIZE {
        return Err(LinuxErrno::EFAULT);
    }

    let mut out = SignalFrame::<E>::new_zeroed();
    out.record = FrameRecord { fp: U64::new(f.x(29)), lr: U64::new(f.tf_lr) };
    let fr = &mut out.frame;
    if d.flags.contains(SaFlags::SA_SIGINFO) {
        fr.info = d.info.encode::<E>();
    }
    let saved: StackT = d.altstack.saved(sp);
    fr.uc.uc_stack = SigStack {
        ss_sp: U64::new(saved.sp),
        ss_flags: I32::new(saved.flags),
        pad: U32::ZERO,
        ss_size: U64::new(saved.size),
    };
    fr.uc.uc_sigmask = U64::new(d.saved_mask.0);
    let sc = &mut fr.uc.uc_mcontext;
    sc.fault_address = U64::new(t.fault_address);
    for (i, r) in sc.regs.iter_mut().enumerate() {
        *r = U64::new(f.x(i));
    }
    sc.sp = U64::new(sp);
    sc.pc = U64::new(f.tf_elr);
    sc.pstate = U64::new(f.tf_spsr);

    // The record list: fpsimd, esr when there is a fault code, then the end marker (already zero).
    let fp = &t.fpsimd;
    let mut fpsimd = FpsimdContext::<E>::new_zeroed();
    fpsimd.head = CtxHeader { magic: U32::new(FPSIMD_MAGIC), size: U32::new(FPSIMD_CONTEXT_SIZE) };
    if fp.used {
        fpsimd.fpsr = U32::new(fp.fpsr);
        fpsimd.fpcr = U32::new(fp.fpcr);
        for (dst, src) in fpsimd.vregs.iter_mut().zip(fp.vregs) {
            *dst = U128::new(src);
        }
    }
    let mut at = 0usize;
    put(&mut sc.reserved, &mut at, fpsimd.as_bytes())?;
    if t.fault_code != 0 {
        let esr = EsrContext::<E> {
            head: CtxHeader { magic: U32::new(ESR_MAGIC), size: U32::new(ESR_CONTEXT_SIZE) },
            esr: U64::new(t.fault_code),
        };
        put(&mut sc.reserved, &mut at, esr.as_bytes())?;
    }

    mem.copy_out(UserAddr(frame_at), out.as_bytes())?;

    // Only now change the thread (Linux `setup_return`).
    let f = &mut t.frame;
    f.set_x(0, u64::from(d.signal.get()));
    if d.flags.contains(SaFlags::SA_SIGINFO) {
        f.set_x(1, frame_at);
        f.set_x(2, frame_at.wrapping_add(FRAME_UC)); // inside the frame, below the top: no wrap
    }
    f.tf_sp = frame_at;
    f.set_x(29, record_at);
    f.tf_elr = d.handler;
    f.tf_spsr &= !PSR_TCO_BIT;
    f.tf_lr = d.trampoline;
    Ok(())
}

/// Appends `bytes` to a record area at `*at`.
fn put(area: &mut [u8], at: &mut usize, bytes: &[u8]) -> Result<(), LinuxErrno> {
    let end = at.checked_add(bytes.len()).ok_or(LinuxErrno::EFAULT)?;
    area.get_mut(*at..end).ok_or(LinuxErrno::EFAULT)?.copy_from_slice(bytes);
    *at = end;
    Ok(())
}

/// The PSTATE a frame may restore (Linux `valid_native_regs` after `user_regs_reset_single_step`): the
/// RES0 bits and SS are cleared; then it must be EL0t, AArch64, with D, A, I and F clear, else `None`.
pub fn valid_user_pstate(pstate: u64) -> Option<u64> {
    let p = pstate & !SPSR_EL1_AARCH64_RES0_BITS & !PSR_SS_BIT;
    let ok = p & PSR_MODE_MASK == PSR_MODE_EL0t && p & PSR_MODE32_BIT == 0 && p & PSR_DAIF == 0;
    ok.then_some(p)
}

/// Where the records being parsed live: the kernel copy of `__reserved`, or the extra area in user
/// memory that an `extra_context` designates.
enum Area<'a> {
    Reserved(&'a [u8]),
    Extra(u64),
}

impl Area<'_> {
    fn read<T: FromBytes + IntoBytes, M: UserMemory + ?Sized>(
        &self,
        mem: &M,
        offset: u64,
    ) -> Result<T, LinuxErrno> {
        match self {
            Area::Reserved(bytes) => {
                let start = usize::try_from(offset).map_err(|_| LinuxErrno::EINVAL)?;
                let b = bytes.get(start..).ok_or(LinuxErrno::EINVAL)?;
                T::read_from_prefix(b).map(|(v, _)| v).map_err(|_| LinuxErrno::EINVAL)
            }
            Area::Extra(base) => mem.read_value(UserAddr(*base).offset(offset)?),
        }
    }
}

/// Walks the record list (Linux `parse_user_sigframe`, no SVE/SME) and returns the fpsimd record.
/// `EINVAL` for an invalid list: a record misaligned or past the area, an unknown magic (SVE and ZA
/// included), a second fpsimd or extra record, an fpsimd record that is not exactly 528 bytes, no
/// fpsimd record, a non-zero end marker size, or a malformed `extra_context`. `EFAULT` when user memory
/// it designates is unreadable. Duplicate or oversized `esr_context` records are ignored, as on Linux.
fn parse_records<E: ByteOrder, M: UserMemory + ?Sized>(
    reserved: &[u8],
    frame_at: u64,
    mem: &M,
) -> Result<FpsimdContext<E>, LinuxErrno> {
    let header = size_of::<CtxHeader<E>>() as u64;
    let mut area = Area::Reserved(reserved);
    let mut area_addr = frame_at.checked_add(FRAME_RESERVED).ok_or(LinuxErrno::EFAULT)?;
    let mut offset = 0u64;
    let mut limit = reserved.len() as u64;
    let mut fpsimd: Option<FpsimdContext<E>> = None;
    let mut have_extra = false;
    // Every pass moves `offset` forward by at least 16 or enters the extra area (once): the loop ends.
    loop {
        // `offset <= limit` always (it only moves by a size that fitted); checked all the same.
        let room = limit.checked_sub(offset).ok_or(LinuxErrno::EINVAL)?;
        if room < header || offset & 15 != 0 {
            return Err(LinuxErrno::EINVAL);
        }
        let head: CtxHeader<E> = area.read(mem, offset)?;
        let (magic, size) = (head.magic.get(), u64::from(head.size.get()));
        let end_at = offset.checked_add(size).ok_or(LinuxErrno::EINVAL)?;
        if room < size {
            return Err(LinuxErrno::EINVAL);
        }
        match magic {
            0 if size == 0 => break,
            FPSIMD_MAGIC => {
                if fpsimd.is_some() || size != u64::from(FPSIMD_CONTEXT_SIZE) {
                    return Err(LinuxErrno::EINVAL);
                }
                fpsimd = Some(area.read(mem, offset)?);
            }
            ESR_MAGIC => {}
            EXTRA_MAGIC => {
                if have_extra || size < u64::from(EXTRA_CONTEXT_SIZE) {
                    return Err(LinuxErrno::EINVAL);
                }
                let extra: ExtraContext<E> = area.read(mem, offset)?;
                // A terminator must follow the extra_context in this area.
                if room.checked_sub(size).ok_or(LinuxErrno::EINVAL)? < TERMINATOR_SIZE {
                    return Err(LinuxErrno::EINVAL);
                }
                let end: CtxHeader<E> = area.read(mem, end_at)?;
                if end.magic.get() != 0 || end.size.get() != 0 {
                    return Err(LinuxErrno::EINVAL);
                }
                have_extra = true;
                // The extra records start right after that terminator, 16-aligned, within 64 KiB of the frame.
                let userp = area_addr
                    .checked_add(end_at)
                    .and_then(|a| a.checked_add(TERMINATOR_SIZE))
                    .ok_or(LinuxErrno::EINVAL)?;
                let (datap, extra_size) = (extra.datap.get(), u64::from(extra.size.get()));
                let reach = u128::from(frame_at)
                    .wrapping_add(u128::from(SIGFRAME_MAXSZ)) // two u64 values: no u128 overflow
                    .checked_sub(u128::from(userp))
                    .ok_or(LinuxErrno::EINVAL)?;
                if datap & 15 != 0 || extra_size & 15 != 0 || datap != userp || u128::from(extra_size) > reach
                {
                    return Err(LinuxErrno::EINVAL);
                }
                UserAddr(datap).offset(extra_size)?;
                area = Area::Extra(datap);
                area_addr = datap;
                offset = 0;
                limit = extra_size;
                continue;
            }
            _ => return Err(LinuxErrno::EINVAL),
        }
        if size < header {
            return Err(LinuxErrno::EINVAL);
        }
        offset = end_at;
    }
    fpsimd.ok_or(LinuxErrno::EINVAL)
}

/// Restores the thread from the frame at sp (Linux `sys_rt_sigreturn` + `restore_sigframe`). Reads
/// and checks everything first; on error the thread is untouched. `EFAULT`: sp not 16-aligned, or the
/// frame (or the extra area it designates) unreadable; `EINVAL`: a PSTATE that is not a valid EL0t
/// AArch64 state ([`valid_user_pstate`]; RES0 bits, IL and SS are silently cleared, as Linux does) or
/// an invalid record list.
pub(crate) fn sigreturn<E: ByteOrder, M: UserMemory + ?Sized>(
    t: &mut Arm64Thread,
    mem: &M,
) -> Result<SigreturnOutcome, LinuxErrno> {
    let sp = t.frame.tf_sp;
    if sp & 15 != 0 {
        return Err(LinuxErrno::EFAULT);
    }
    let frame: RtSigFrame<E> = mem.read_value(UserAddr(sp))?;
    let sc = &frame.uc.uc_mcontext;
    let pstate = valid_user_pstate(sc.pstate.get()).ok_or(LinuxErrno::EINVAL)?;
    let fpsimd = parse_records::<E, M>(&sc.reserved, sp, mem)?;

    // Everything is in kernel memory and valid: commit.
    let f = &mut t.frame;
    for (i, r) in sc.regs.iter().enumerate() {
        f.set_x(i, r.get());
    }
    f.tf_sp = sc.sp.get();
    f.tf_elr = sc.pc.get();
    f.tf_spsr = pstate;
    let mut vregs = [0u128; 32];
    for (dst, src) in vregs.iter_mut().zip(fpsimd.vregs) {
        *dst = src.get();
    }
    t.fpsimd = FpSimdState { vregs, fpsr: fpsimd.fpsr.get(), fpcr: fpsimd.fpcr.get(), used: true };

    let stack = &frame.uc.uc_stack;
    Ok(SigreturnOutcome {
        mask: LinuxSigset(frame.uc.uc_sigmask.get()).blockable(),
        altstack: StackT { sp: stack.ss_sp.get(), flags: stack.ss_flags.get(), size: stack.ss_size.get() },
    })
}
