//! Entry points of the powerpc64 sysentvecs. The byte order is the kernel's own (`NativeEndian`); the
//! calling convention is chosen per sysentvec (`abi`: 1 = ELFv1, 2 = ELFv2).
//!
//! | C caller (sysentvec member)  | entry point                        |
//! |------------------------------|------------------------------------|
//! | `sv_fetch_syscall_args`      | [`linux64_ppc64_fetch_syscall_args`] |
//! | `sv_set_syscall_retval`      | [`linux64_ppc64_set_syscall_retval`] |
//! | `sv_setregs`                 | [`linux64_ppc64_exec_setregs`]       |
//! | `sv_sendsig`                 | [`linux64_ppc64_sendsig`]            |
//! | `linux_rt_sigreturn`         | [`linux64_ppc64_sigreturn`]          |

use crate::kernel::KernelUserMemory;
use arch_ppc64::frame::{Ppc64Thread, TrapFrame};
use arch_ppc64::{FuncAbi, Ppc64, Ppc64Cpu};
use core::ffi::c_int;
use linux_core::errno::FreeBsdErrno;
use linux_core::exec::InitialStack;
use linux_core::hooks::{ExecEntry, ExecHooks, SignalDelivery, SignalHooks, SyscallHooks};
use linux_core::signal::{AltStack, LinuxSignal, LinuxSigset, SaFlags, SigInfo};
use linux_core::syscall::{SyscallOutcome, SyscallRequest};
use zerocopy::NativeEndian;

/// `struct syscall_args` as the C side hands it over: the number and the six arguments.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyscallArgs {
    /// The Linux syscall number (r0).
    pub code: u64,
    /// r3..r8 as they were at entry.
    pub args: [u64; 6],
}

/// What the C side decided about a signal (already translated to Linux numbers).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SignalArgs {
    /// Linux signal number.
    pub signal: u32,
    /// Linux `si_code`.
    pub code: i32,
    /// `si_errno`.
    pub errno: i32,
    /// `si_addr` for faults, else 0.
    pub addr: u64,
    /// `si_pid` for kill/tkill, else 0.
    pub pid: i32,
    /// `si_uid` for kill/tkill.
    pub uid: u32,
    /// `sa_handler`.
    pub handler: u64,
    /// `sa_flags` (Linux).
    pub flags: u64,
    /// The mask to restore at sigreturn (Linux).
    pub saved_mask: u64,
    /// `ss_sp`, `ss_size`, `ss_flags` of the thread's alternate stack.
    pub ss_sp: u64,
    /// `ss_size`.
    pub ss_size: u64,
    /// `ss_flags`.
    pub ss_flags: i32,
    /// Padding.
    pub pad: u32,
    /// The vdso trampoline address in this process.
    pub trampoline: u64,
}

/// What sigreturn hands back for the C side to apply.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigreturnResult {
    /// The Linux signal mask to install.
    pub mask: u64,
    /// `uc_stack.ss_sp`.
    pub ss_sp: u64,
    /// `uc_stack.ss_size`.
    pub ss_size: u64,
    /// `uc_stack.ss_flags`.
    pub ss_flags: i32,
    /// Padding.
    pub pad: u32,
}

fn hooks(abi: c_int) -> Ppc64<NativeEndian> {
    let abi = if abi == 1 { FuncAbi::ElfV1 } else { FuncAbi::ElfV2 };
    Ppc64::new(abi, Ppc64Cpu::POWER9)
}

/// `sv_fetch_syscall_args`.
///
/// # Safety
/// `frame` must point to the current thread's trap frame and `out` to writable `SyscallArgs`.
#[no_mangle]
pub unsafe extern "C" fn linux64_ppc64_fetch_syscall_args(
    abi: c_int,
    frame: *const TrapFrame,
    out: *mut SyscallArgs,
) {
    // SAFETY: the caller guarantees both pointers are valid and not aliased.
    let (frame, out) = unsafe { (&*frame, &mut *out) };
    let req = hooks(abi).fetch_syscall_args(frame);
    *out = SyscallArgs { code: req.number, args: req.args };
}

/// `sv_set_syscall_retval`: `error` is the FreeBSD status (0, ERESTART, EJUSTRETURN or an errno) and
/// `retval` `td_retval[0]`.
///
/// # Safety
/// `frame` must point to the current thread's trap frame and `args` to what fetch filled in.
#[no_mangle]
pub unsafe extern "C" fn linux64_ppc64_set_syscall_retval(
    abi: c_int,
    frame: *mut TrapFrame,
    args: *const SyscallArgs,
    error: c_int,
    retval: u64,
) {
    // SAFETY: the caller guarantees both pointers are valid and not aliased.
    let (frame, args) = unsafe { (&mut *frame, &*args) };
    let req = SyscallRequest { number: args.code, args: args.args };
    hooks(abi).set_syscall_retval(frame, &req, SyscallOutcome::from_freebsd(FreeBsdErrno(error), retval));
}

/// `sv_setregs`: returns 0 or a Linux errno (EFAULT for an unreadable ELFv1 entry descriptor), in which
/// case the thread is unchanged.
///
/// # Safety
/// `thread` must point to the thread's state.
#[no_mangle]
pub unsafe extern "C" fn linux64_ppc64_exec_setregs(
    abi: c_int,
    thread: *mut Ppc64Thread,
    entry: u64,
    reloc_base: u64,
    stack: u64,
) -> c_int {
    // SAFETY: the caller guarantees the pointer is valid and exclusive.
    let thread = unsafe { &mut *thread };
    let stack = InitialStack { sp: stack, ..InitialStack::default() };
    match hooks(abi).exec_setregs(thread, &KernelUserMemory, &ExecEntry { entry, reloc_base }, &stack) {
        Ok(()) => 0,
        Err(e) => c_int::from(e.get()),
    }
}

/// `sv_sendsig`: 0, or a Linux errno after which the C side must kill the process with SIGSEGV; the
/// thread is unchanged then.
///
/// # Safety
/// `thread` must point to the thread's state and `sig` to a filled `SignalArgs`.
#[no_mangle]
pub unsafe extern "C" fn linux64_ppc64_sendsig(
    abi: c_int,
    thread: *mut Ppc64Thread,
    sig: *const SignalArgs,
) -> c_int {
    // SAFETY: the caller guarantees both pointers are valid and not aliased.
    let (thread, s) = unsafe { (&mut *thread, &*sig) };
    let Some(signal) = LinuxSignal::new(u64::from(s.signal)) else {
        return c_int::from(linux_core::LinuxErrno::EINVAL.get());
    };
    let fields = if s.addr != 0 {
        linux_core::signal::SigInfoFields::Fault { addr: s.addr }
    } else {
        linux_core::signal::SigInfoFields::Kill { pid: s.pid, uid: s.uid }
    };
    let d = SignalDelivery {
        signal,
        info: SigInfo { signo: i32::from(signal.get()), errno: s.errno, code: s.code, fields },
        handler: s.handler,
        flags: SaFlags::from_bits_retain(s.flags),
        saved_mask: LinuxSigset(s.saved_mask),
        altstack: AltStack { sp: s.ss_sp, size: s.ss_size, flags: s.ss_flags },
        trampoline: s.trampoline,
    };
    match hooks(abi).sendsig(thread, &mut KernelUserMemory, &d) {
        Ok(()) => 0,
        Err(e) => c_int::from(e.get()),
    }
}

/// `rt_sigreturn`: 0 with `out` filled, or a Linux errno (the C side sends SIGSEGV; the thread is
/// unchanged).
///
/// # Safety
/// `thread` must point to the thread's state and `out` to writable memory.
#[no_mangle]
pub unsafe extern "C" fn linux64_ppc64_sigreturn(
    abi: c_int,
    thread: *mut Ppc64Thread,
    out: *mut SigreturnResult,
) -> c_int {
    // SAFETY: the caller guarantees both pointers are valid and not aliased.
    let (thread, out) = unsafe { (&mut *thread, &mut *out) };
    match hooks(abi).sigreturn(thread, &KernelUserMemory) {
        Ok(r) => {
            *out = SigreturnResult {
                mask: r.mask.0,
                ss_sp: r.altstack.sp,
                ss_size: r.altstack.size,
                ss_flags: r.altstack.flags,
                pad: 0,
            };
            0
        }
        Err(e) => c_int::from(e.get()),
    }
}

#[cfg(all(test, not(target_os = "freebsd")))]
mod tests {
    use super::*;
    use crate::kernel::host::USER;
    use arch_ppc64::frame::CR0_SO;
    use linux_core::sim::Prot;

    #[test]
    fn syscall_entry_points_follow_the_sc_convention() {
        let mut f = TrapFrame::default();
        f.fixreg[0] = 5;
        f.fixreg[3] = 0x1234;
        f.srr0 = 0x1000_0104;
        let mut a = SyscallArgs::default();
        // SAFETY: pointers to live locals.
        unsafe { linux64_ppc64_fetch_syscall_args(1, &f, &mut a) };
        assert_eq!((a.code, a.args[0]), (5, 0x1234));
        // SAFETY: pointers to live locals.
        unsafe { linux64_ppc64_set_syscall_retval(1, &mut f, &a, 2, 0) };
        assert_eq!((f.fixreg[3], f.cr & CR0_SO), (2, CR0_SO));
        // SAFETY: pointers to live locals.
        unsafe { linux64_ppc64_set_syscall_retval(1, &mut f, &a, -1, 0) };
        assert_eq!((f.srr0, f.fixreg[3]), (0x1000_0100, 0x1234));
    }

    #[test]
    fn signal_entry_points_round_trip_through_copyin_and_copyout() {
        USER.with(|m| m.borrow_mut().map(0x7fff_0000 - 0x10000, 0x10000, Prot::READ | Prot::WRITE));
        let mut t = Ppc64Thread::default();
        t.frame.fixreg[1] = 0x7ffe_f000;
        t.frame.fixreg[7] = 77;
        t.frame.srr0 = 0x1000_0000;
        let before = t;
        let s = SignalArgs {
            signal: 10,
            handler: 0x1000_2000,
            flags: 4,
            trampoline: 0x7fff_f000_0000,
            ..Default::default()
        };
        // SAFETY: pointers to live locals.
        assert_eq!(unsafe { linux64_ppc64_sendsig(2, &mut t, &s) }, 0);
        assert_eq!(t.frame.srr0, 0x7fff_f000_0000);
        t.frame.fixreg[1] += 128;
        let mut out = SigreturnResult::default();
        // SAFETY: pointers to live locals.
        assert_eq!(unsafe { linux64_ppc64_sigreturn(2, &mut t, &mut out) }, 0);
        assert_eq!(t.frame, before.frame);
        // An unmapped stack: EFAULT, the thread unchanged.
        let mut bad = before;
        bad.frame.fixreg[1] = 0x100;
        let snapshot = bad;
        // SAFETY: pointers to live locals.
        assert_eq!(unsafe { linux64_ppc64_sendsig(2, &mut bad, &s) }, 14);
        assert_eq!(bad, snapshot);
        // An invalid signal number is refused.
        let s0 = SignalArgs { signal: 65, ..s };
        // SAFETY: pointers to live locals.
        assert_eq!(unsafe { linux64_ppc64_sendsig(2, &mut bad, &s0) }, 22);
    }
}
