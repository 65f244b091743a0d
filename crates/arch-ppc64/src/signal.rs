//! Signal delivery (`rt_sigframe`) and `rt_sigreturn` for powerpc64, after Linux's
//! `arch/powerpc/kernel/signal_64.c` (no transactional memory: HTM is never advertised).
//!
//! Frame on the user stack, from the handler's stack pointer up:
//!
//! ```text
//! newsp           back chain (the interrupted r1) + 120 bytes: the handler's caller frame
//! newsp + 128     struct rt_sigframe  (16-aligned)
//!                   uc            ucontext: flags, link, uc_stack, uc_sigmask, sigcontext (mcontext)
//!                   _unused[2], tramp[7]
//!                   pinfo, puc    user addresses of info and uc
//!                   info          siginfo
//!                   abigap[512]   not written: it covers the interrupted code's red zone
//! interrupted sp (or the top of the alternate stack)
//! ```
//!
//! The handler is entered through the vdso trampoline (`bctrl` to CTR, then `rt_sigreturn`), with r1 =
//! newsp, r3 = signal, and with SA_SIGINFO r4 = &info, r5 = &uc, r6 = frame; else r4 = &uc.uc_mcontext.

use crate::abi::{
    __SIGNAL_FRAMESIZE, ELF_NGREG, PT_CCR, PT_CTR, PT_DAR, PT_DSISR, PT_LNK, PT_MSR, PT_NIP, PT_ORIG_R3,
    PT_RESULT, PT_SOFTE, PT_TRAP, PT_XER, USER_REDZONE_SIZE,
};
use crate::frame::{msr, Ppc64Thread, UnitsUsed, VectorState};
use crate::FuncAbi;
use linux_core::errno::LinuxErrno;
use linux_core::hooks::{SignalDelivery, SigreturnOutcome};
use linux_core::signal::{LinuxSigset, SaFlags, SigInfo, StackT};
use linux_core::uaccess::{UserAddr, UserMemory};
use zerocopy::byteorder::{ByteOrder, I32, U128, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

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

/// Linux/powerpc64 `struct sigcontext` (1528 bytes).
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug)]
pub struct SigContext<E: ByteOrder> {
    /// `_unused[4]`.
    pub unused: [U64<E>; 4],
    /// `signal`.
    pub signal: I32<E>,
    /// `_pad0`.
    pub pad0: I32<E>,
    /// `handler`.
    pub handler: U64<E>,
    /// `oldmask`.
    pub oldmask: U64<E>,
    /// `regs`: user address of `gp_regs`.
    pub regs: U64<E>,
    /// `gp_regs[ELF_NGREG]`, in `pt_regs` order.
    pub gp_regs: [U64<E>; ELF_NGREG],
    /// `fp_regs[ELF_NFPREG]`: FPR0..31 and FPSCR.
    pub fp_regs: [U64<E>; 33],
    /// `v_regs`: user address of the 16-aligned vector area inside `vmx_reserve`, or 0.
    pub v_regs: U64<E>,
    /// `vmx_reserve[101]`: VR0..31, VSCR, VRSAVE, then the VSX low doublewords.
    pub vmx_reserve: [U64<E>; 101],
}

/// Linux/powerpc64 `struct ucontext` (1696 bytes).
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
    /// `__unused[15]`: room for sigmask growth.
    pub unused: [U64<E>; 15],
    /// `uc_mcontext`.
    pub uc_mcontext: SigContext<E>,
}

/// Linux/powerpc64 `struct rt_sigframe` without transactional memory (2400 bytes, 16-aligned).
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug)]
pub struct RtSigFrame<E: ByteOrder> {
    /// `uc`: first, so that rt_sigreturn finds it at r1.
    pub uc: UContext<E>,
    /// `_unused[2]`.
    pub unused: [U64<E>; 2],
    /// `tramp[7]`: unused, the trampoline lives in the vdso.
    pub tramp: [U32<E>; 7],
    /// Padding before `pinfo`.
    pub pad: U32<E>,
    /// `pinfo`: user address of `info`.
    pub pinfo: U64<E>,
    /// `puc`: user address of `uc`.
    pub puc: U64<E>,
    /// `info`.
    pub info: [u8; SigInfo::SIZE],
    /// `abigap`: the red zone of the interrupted code.
    pub abigap: [u8; USER_REDZONE_SIZE as usize],
}

/// What `sendsig` writes of an [`RtSigFrame`]: every field below `abigap`, the same layout (asserted
/// below). Built in place in a zeroed buffer of exactly this size, so no byte of the gap is touched
/// and the frame is never moved.
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned)]
struct FrameBody<E: ByteOrder> {
    uc: UContext<E>,
    unused: [U64<E>; 2],
    tramp: [U32<E>; 7],
    pad: U32<E>,
    pinfo: U64<E>,
    puc: U64<E>,
    info: [u8; SigInfo::SIZE],
}

const _: () = {
    use core::mem::{offset_of, size_of};
    type F = RtSigFrame<zerocopy::BigEndian>;
    type B = FrameBody<zerocopy::BigEndian>;
    assert!(size_of::<B>() == offset_of!(F, abigap));
    assert!(offset_of!(B, tramp) == offset_of!(F, tramp));
    assert!(offset_of!(B, pinfo) == offset_of!(F, pinfo));
    assert!(offset_of!(B, puc) == offset_of!(F, puc));
    assert!(offset_of!(B, info) == offset_of!(F, info));
};

/// `FrameBody` in 8-byte words: the zeroed buffer it is built in.
const FRAME_BODY_WORDS: usize = core::mem::size_of::<FrameBody<zerocopy::BigEndian>>() / 8;
const _: () = assert!(FRAME_BODY_WORDS * 8 == core::mem::size_of::<FrameBody<zerocopy::BigEndian>>());

/// Offsets within the frame, for the user addresses the frame stores.
const UC_MCONTEXT: u64 = core::mem::offset_of!(UContext<zerocopy::BigEndian>, uc_mcontext) as u64;
const SC_GP_REGS: u64 = core::mem::offset_of!(SigContext<zerocopy::BigEndian>, gp_regs) as u64;
const SC_VMX_RESERVE: u64 = core::mem::offset_of!(SigContext<zerocopy::BigEndian>, vmx_reserve) as u64;
const FRAME_INFO: u64 = core::mem::offset_of!(RtSigFrame<zerocopy::BigEndian>, info) as u64;
/// Size of the frame.
pub const RT_SIGFRAME_SIZE: u64 = core::mem::size_of::<RtSigFrame<zerocopy::BigEndian>>() as u64;
/// `AT_MINSIGSTKSZ`: the frame plus the handler's caller frame (Linux `get_min_sigframe_size_64`).
pub const MIN_SIGFRAME_SIZE: u64 = RT_SIGFRAME_SIZE + __SIGNAL_FRAMESIZE;
/// Bytes of vector state at `v_regs`: 32 VRs, VSCR, VRSAVE (34 quadwords).
const VMX_AREA: u64 = 34 * 16;
/// Bytes of VSX low doublewords after the VMX area.
const VSX_AREA: u64 = 32 * 8;

/// Offset of the 16-aligned vector area within a 16-aligned frame (Linux `sigcontext_vmx_regs`).
const fn v_regs_offset() -> u64 {
    let reserve = UC_MCONTEXT + SC_VMX_RESERVE;
    (reserve + 15) & !15
}

/// Fills the sigcontext from the thread (Linux `setup_sigcontext`), `sc_addr` being its user address.
fn fill_sigcontext<E: ByteOrder>(
    sc: &mut SigContext<E>,
    t: &Ppc64Thread,
    sc_addr: u64,
    v_regs_addr: u64,
    signal: i32,
    handler: u64,
    oldmask: u64,
) {
    let f = &t.frame;
    let v = &t.vector;
    sc.signal = I32::new(signal);
    sc.handler = U64::new(handler);
    sc.oldmask = U64::new(oldmask);
    sc.regs = U64::new(sc_addr.wrapping_add(SC_GP_REGS));
    let mut msr_saved = f.srr1 & !(msr::VEC | msr::VSX);
    if v.used.contains(UnitsUsed::VEC) {
        msr_saved |= msr::VEC;
    }
    if v.used.contains(UnitsUsed::VSX) {
        msr_saved |= msr::VSX;
    }
    let mut gp = [0u64; ELF_NGREG];
    gp[..32].copy_from_slice(&f.fixreg);
    gp[PT_NIP] = f.srr0;
    gp[PT_MSR] = msr_saved;
    gp[PT_ORIG_R3] = t.orig_gpr3;
    gp[PT_CTR] = f.ctr;
    gp[PT_LNK] = f.lr;
    gp[PT_XER] = f.xer;
    gp[PT_CCR] = f.cr;
    gp[PT_SOFTE] = 1;
    gp[PT_TRAP] = f.exc;
    gp[PT_DAR] = f.dar;
    gp[PT_DSISR] = f.dsisr;
    gp[PT_RESULT] = 0;
    for (dst, src) in sc.gp_regs.iter_mut().zip(gp) {
        *dst = U64::new(src);
    }
    for (dst, src) in sc.fp_regs.iter_mut().zip(v.fpr.iter().chain(core::iter::once(&v.fpscr))) {
        *dst = U64::new(*src);
    }
    sc.v_regs = U64::new(v_regs_addr);

    // The vector area, written in place inside vmx_reserve (which is zero): VR0..31 and VSCR (as the low
    // word of a quadword) when AltiVec was used, VRSAVE always, the VSX low doublewords when VSX was used.
    let area_end = AREA_IN_RESERVE.saturating_add((VMX_AREA + VSX_AREA) as usize);
    let Some(area) = sc.vmx_reserve.as_mut_bytes().get_mut(AREA_IN_RESERVE..area_end) else {
        return;
    };
    let (vmx, vsx) = area.split_at_mut(VMX_AREA as usize);
    if v.used.contains(UnitsUsed::VEC) {
        for (quad, vr) in vmx.chunks_exact_mut(16).zip(v.vr.iter()) {
            quad.copy_from_slice(U128::<E>::new(*vr).as_bytes());
        }
        put(vmx, VSCR_AT, U128::<E>::new(u128::from(v.vscr)).as_bytes());
    }
    put(vmx, VRSAVE_AT, U32::<E>::new(v.vrsave).as_bytes());
    if v.used.contains(UnitsUsed::VSX) {
        for (dw, d) in vsx.chunks_exact_mut(8).zip(v.vsr_low.iter()) {
            dw.copy_from_slice(U64::<E>::new(*d).as_bytes());
        }
    }
}

/// Offset of VSCR (a quadword) in the VMX area.
const VSCR_AT: usize = 32 * 16;
/// Offset of VRSAVE (the first word of a quadword) in the VMX area.
const VRSAVE_AT: usize = 33 * 16;
/// Offset of the vector area within `vmx_reserve`.
const AREA_IN_RESERVE: usize = (v_regs_offset() - UC_MCONTEXT - SC_VMX_RESERVE) as usize;

/// Copies `bytes` to `buf` at `at`. Every call site writes a fixed-size field inside a fixed-size
/// buffer, so the copy always happens; were that ever not so, the bytes would stay zero (no panic).
fn put(buf: &mut [u8], at: usize, bytes: &[u8]) {
    // `checked_add`, not `saturating_add`: with a saturated end the compiler cannot prove the lengths
    // equal and keeps copy_from_slice's panic path in the kernel build.
    if let Some(dst) = at.checked_add(bytes.len()).and_then(|end| buf.get_mut(at..end)) {
        dst.copy_from_slice(bytes);
    }
}

/// Builds the frame and points the thread at the handler (Linux `handle_rt_signal64`).
pub(crate) fn sendsig<E: ByteOrder, M: UserMemory + ?Sized>(
    abi: FuncAbi,
    t: &mut Ppc64Thread,
    mem: &mut M,
    d: &SignalDelivery,
) -> Result<(), LinuxErrno> {
    let sp = t.frame.fixreg[1];
    let top = d.altstack.frame_top(sp, d.flags);
    let frame_addr = top.checked_sub(RT_SIGFRAME_SIZE).ok_or(LinuxErrno::EFAULT)? & !15;
    let newsp = frame_addr.checked_sub(__SIGNAL_FRAMESIZE).ok_or(LinuxErrno::EFAULT)?;

    // ELFv1 handlers are function descriptors: read (entry, toc) before anything is written.
    let (entry, toc) = match abi {
        FuncAbi::ElfV2 => (d.handler, None),
        FuncAbi::ElfV1 => {
            let desc: [U64<E>; 2] = mem.read_value(UserAddr(d.handler))?;
            (desc[0].get(), Some(desc[1].get()))
        }
    };

    let mut words = [0u64; FRAME_BODY_WORDS];
    let frame = FrameBody::<E>::mut_from_bytes(words.as_mut_bytes()).map_err(|_| LinuxErrno::EFAULT)?;
    let saved: StackT = d.altstack.saved(sp);
    frame.uc.uc_stack = SigStack {
        ss_sp: U64::new(saved.sp),
        ss_flags: I32::new(saved.flags),
        pad: U32::ZERO,
        ss_size: U64::new(saved.size),
    };
    frame.uc.uc_sigmask = U64::new(d.saved_mask.0);
    // User addresses inside the frame, which lies below `top`: they cannot wrap.
    let sc_addr = frame_addr.wrapping_add(UC_MCONTEXT);
    let v_regs_addr = frame_addr.wrapping_add(v_regs_offset());
    fill_sigcontext(
        &mut frame.uc.uc_mcontext,
        t,
        sc_addr,
        v_regs_addr,
        i32::from(d.signal.get()),
        d.handler,
        d.saved_mask.0,
    );
    let info_addr = frame_addr.wrapping_add(FRAME_INFO);
    frame.pinfo = U64::new(info_addr);
    frame.puc = U64::new(frame_addr);
    frame.info = d.info.encode::<E>();

    // Copy out everything but the abigap, then the back chain.
    mem.copy_out(UserAddr(frame_addr), frame.as_bytes())?;
    mem.write_value(UserAddr(newsp), &U64::<E>::new(sp))?;

    // Only now change the thread.
    let f = &mut t.frame;
    f.srr0 = d.trampoline;
    f.ctr = entry;
    match toc {
        Some(toc) => f.fixreg[2] = toc,
        None => f.fixreg[12] = entry,
    }
    // Handlers run in the process's own byte order.
    f.srr1 = (f.srr1 & !msr::LE) | if is_little::<E>() { msr::LE } else { 0 };
    f.fixreg[1] = newsp;
    f.fixreg[3] = u64::from(d.signal.get());
    if d.flags.contains(SaFlags::SA_SIGINFO) {
        f.fixreg[4] = info_addr;
        f.fixreg[5] = frame_addr;
        f.fixreg[6] = frame_addr;
    } else {
        f.fixreg[4] = sc_addr;
    }
    // No spurious FP exceptions in the handler.
    t.vector.fpscr = 0;
    Ok(())
}

pub(crate) fn is_little<E: ByteOrder>() -> bool {
    U32::<E>::new(1).as_bytes().first() == Some(&1)
}

/// Restores the thread from the frame at r1 (Linux `sys_rt_sigreturn` + `restore_sigcontext`). Reads and
/// checks everything first; on error the thread is untouched.
pub(crate) fn sigreturn<E: ByteOrder, M: UserMemory + ?Sized>(
    t: &mut Ppc64Thread,
    mem: &M,
) -> Result<SigreturnOutcome, LinuxErrno> {
    let uc_addr = t.frame.fixreg[1];
    if uc_addr % 8 != 0 {
        return Err(LinuxErrno::EFAULT);
    }
    let uc: UContext<E> = mem.read_value(UserAddr(uc_addr))?;
    let sc = &uc.uc_mcontext;
    let gp = |i: usize| sc.gp_regs.get(i).map_or(0, |r| r.get());
    let frame_msr = gp(PT_MSR);
    let v_regs = sc.v_regs.get();

    // The vector area lives wherever v_regs says (normally inside the frame): fetch it once.
    let mut vector = VectorState { used: t.vector.used, ..VectorState::default() };
    if v_regs != 0 {
        if v_regs % 16 != 0 {
            return Err(LinuxErrno::EFAULT);
        }
        let mut vmx = [0u8; VMX_AREA as usize];
        if frame_msr & msr::VEC != 0 {
            mem.copy_in(UserAddr(v_regs), &mut vmx)?;
            for (vr, quad) in vector.vr.iter_mut().zip(vmx.chunks_exact(16)) {
                *vr = U128::<E>::read_from_bytes(quad).map_or(0, |v| v.get());
            }
            let vscr = vmx
                .get(VSCR_AT..VRSAVE_AT)
                .and_then(|q| U128::<E>::read_from_bytes(q).ok())
                .map_or(0, |v| v.get());
            vector.vscr = vscr as u32;
            vector.used |= UnitsUsed::VEC;
        } else {
            let at = UserAddr(v_regs).offset(33 * 16)?;
            mem.copy_in(at, &mut vmx[33 * 16..33 * 16 + 4])?;
        }
        vector.vrsave = U32::<E>::read_from_bytes(&vmx[33 * 16..33 * 16 + 4]).map_or(0, |v| v.get());
    }
    if frame_msr & msr::VSX != 0 {
        if v_regs == 0 {
            return Err(LinuxErrno::EFAULT);
        }
        let mut vsx = [U64::<E>::ZERO; 32];
        mem.copy_in(UserAddr(v_regs).offset(VMX_AREA)?, vsx.as_mut_bytes())?;
        for (dst, src) in vector.vsr_low.iter_mut().zip(vsx) {
            *dst = src.get();
        }
        vector.used |= UnitsUsed::VSX;
    }
    for (dst, src) in vector.fpr.iter_mut().zip(sc.fp_regs.iter()) {
        *dst = src.get();
    }
    vector.fpscr = sc.fp_regs.get(32).map_or(0, |r| r.get());
    if !vector.used.contains(UnitsUsed::VEC) {
        vector.vr = [0; 32];
        vector.vscr = 0;
    }

    // Everything is in kernel memory and valid: commit.
    let f = &mut t.frame;
    for (i, r) in f.fixreg.iter_mut().enumerate() {
        *r = gp(i);
    }
    f.srr0 = gp(PT_NIP);
    // Only the endianness comes from user data; every other MSR bit stays the kernel's.
    f.srr1 = (f.srr1 & !msr::LE) | (frame_msr & msr::LE);
    f.ctr = gp(PT_CTR);
    f.lr = gp(PT_LNK);
    f.xer = gp(PT_XER);
    f.cr = gp(PT_CCR) & 0xffff_ffff;
    f.dar = gp(PT_DAR);
    f.dsisr = gp(PT_DSISR);
    t.orig_gpr3 = gp(PT_ORIG_R3);
    vector.used |= UnitsUsed::FP;
    t.vector = vector;

    let stack = &uc.uc_stack;
    Ok(SigreturnOutcome {
        mask: LinuxSigset(uc.uc_sigmask.get()).blockable(),
        altstack: StackT { sp: stack.ss_sp.get(), flags: stack.ss_flags.get(), size: stack.ss_size.get() },
    })
}
