//! The hooks every architecture implements: what FreeBSD's `struct sysentvec` asks of machine-dependent
//! code, shaped so that an arch crate is data plus a handful of functions, and so that the same code runs
//! in the FreeBSD kernel (over the real trap frame and copyin/copyout) and in host tests (over a model of
//! the registers and [`crate::sim::SimUserMemory`]).
//!
//! | sysentvec member          | hook                                   |
//! |---------------------------|----------------------------------------|
//! | `sv_setregs`              | [`ExecHooks::exec_setregs`]            |
//! | `sv_copyout_auxargs`      | [`ExecHooks::arch_dlinfo`] + hwcaps    |
//! | `sv_copyout_strings`      | [`crate::exec::copyout_initial_stack`] |
//! | `sv_fetch_syscall_args`   | [`SyscallHooks::fetch_syscall_args`]   |
//! | `sv_set_syscall_retval`   | [`SyscallHooks::set_syscall_retval`]   |
//! | `sv_table`                | [`SyscallHooks::syscall_table`]        |
//! | `sv_sendsig`              | [`SignalHooks::sendsig`]               |
//! | `sys_rt_sigreturn`        | [`SignalHooks::sigreturn`]             |
//! | `sv_set_fork_retval`      | [`ThreadHooks::set_fork_retval`]       |
//! | `cpu_set_upcall`/clone    | [`ThreadHooks::clone_setregs`]         |

use crate::auxv::AuxvBuilder;
use crate::errno::LinuxErrno;
use crate::exec::{ExecImageInfo, InitialStack};
use crate::signal::{AltStack, LinuxSignal, LinuxSigset, SaFlags, SigInfo, StackT};
use crate::syscall::{SyscallOutcome, SyscallRequest, SyscallTable};
use crate::uaccess::UserMemory;

/// The machine state types of an architecture.
pub trait ArchState {
    /// The guest byte order (`zerocopy::BigEndian` or `LittleEndian`; in the kernel, the native order).
    type Order: zerocopy::ByteOrder;
    /// The trap frame the kernel saved on entry (FreeBSD's `struct trapframe`, with the same layout).
    type Frame;
    /// Everything a signal frame saves: the trap frame plus floating-point and vector state.
    type Thread;

    /// The trap frame within a thread's state.
    fn frame(thread: &Self::Thread) -> &Self::Frame;
    /// The trap frame within a thread's state, mutably.
    fn frame_mut(thread: &mut Self::Thread) -> &mut Self::Frame;
}

/// Where execution starts in a new image.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ExecEntry {
    /// The relocated `e_entry` of the program, or of its interpreter for a dynamic program (FreeBSD's
    /// `imgp->entry_addr`). On ELFv1 powerpc64 this is the address of a function descriptor.
    pub entry: u64,
    /// The load bias of the object `entry` belongs to (FreeBSD's `imgp->reloc_base`): descriptor
    /// contents are relocated by it.
    pub reloc_base: u64,
}

/// Exec: registers and the architecture's share of the initial stack.
pub trait ExecHooks: ArchState {
    /// `AT_HWCAP`.
    fn hwcap(&self) -> u64;
    /// `AT_HWCAP2`, if the architecture reports one.
    fn hwcap2(&self) -> Option<u64>;
    /// `AT_PLATFORM` string (without NUL), if the architecture reports one.
    fn platform(&self) -> Option<&[u8]>;
    /// `AT_BASE_PLATFORM` string (without NUL), if the architecture reports one.
    fn base_platform(&self) -> Option<&[u8]>;
    /// The entries Linux's `ARCH_DLINFO` emits before the generic ones.
    fn arch_dlinfo(&self, info: &ExecImageInfo, aux: &mut AuxvBuilder) -> Result<(), LinuxErrno>;
    /// Sets the registers of a freshly exec'd thread (Linux `start_thread` and `ELF_PLAT_INIT`). Reads of
    /// user memory come first; on error nothing has been changed.
    fn exec_setregs<M: UserMemory + ?Sized>(
        &self,
        thread: &mut Self::Thread,
        mem: &M,
        entry: &ExecEntry,
        stack: &InitialStack,
    ) -> Result<(), LinuxErrno>;
}

/// System call entry and exit.
pub trait SyscallHooks: ArchState {
    /// The table from syscall number to handler.
    fn syscall_table(&self) -> SyscallTable;
    /// Reads the number and arguments from the trap frame.
    fn fetch_syscall_args(&self, frame: &Self::Frame) -> SyscallRequest;
    /// Writes the outcome back. `request` is what [`SyscallHooks::fetch_syscall_args`] returned for this
    /// call: a restart needs the original arguments.
    fn set_syscall_retval(&self, frame: &mut Self::Frame, request: &SyscallRequest, outcome: SyscallOutcome);
}

/// Everything the machine-independent code decided about a signal before the frame is built.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SignalDelivery {
    /// The Linux signal number.
    pub signal: LinuxSignal,
    /// The siginfo to store in the frame.
    pub info: SigInfo,
    /// The handler (`sa_handler`), a user address; on ELFv1 powerpc64, of a function descriptor.
    pub handler: u64,
    /// `sa_flags`.
    pub flags: SaFlags,
    /// The mask to restore at sigreturn (the thread's mask before the handler's mask was applied).
    pub saved_mask: LinuxSigset,
    /// The thread's alternate stack.
    pub altstack: AltStack,
    /// Where the handler returns to: the signal return trampoline in the vdso, or `sa_restorer` on an
    /// architecture whose Linux honours `SA_RESTORER` (arm64) when the handler set it. The
    /// machine-independent code chooses; the hooks only use the address.
    pub trampoline: u64,
}

/// What sigreturn found in the frame, for the machine-independent code to apply after the registers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SigreturnOutcome {
    /// The signal mask to restore (already without SIGKILL and SIGSTOP).
    pub mask: LinuxSigset,
    /// The `uc_stack` of the frame, for `restore_altstack`.
    pub altstack: StackT,
}

/// Signal delivery and return.
pub trait SignalHooks: ArchState {
    /// The smallest stack a signal frame fits in (`AT_MINSIGSTKSZ`).
    fn min_sigstack_size(&self) -> u64;
    /// Builds the signal frame on the user stack and points the thread at the handler. On `Err` the
    /// machine-independent code must kill the process with SIGSEGV (as Linux's `force_sigsegv`); the
    /// thread's registers are unchanged.
    fn sendsig<M: UserMemory + ?Sized>(
        &self,
        thread: &mut Self::Thread,
        mem: &mut M,
        delivery: &SignalDelivery,
    ) -> Result<(), LinuxErrno>;
    /// Restores the thread from the signal frame the stack pointer designates. The whole frame is read and
    /// validated before anything changes: on `Err` the thread is exactly as it was, and the caller sends
    /// SIGSEGV.
    fn sigreturn<M: UserMemory + ?Sized>(
        &self,
        thread: &mut Self::Thread,
        mem: &M,
    ) -> Result<SigreturnOutcome, LinuxErrno>;
}

/// fork, vfork and clone: the registers of the new process or thread.
pub trait ThreadHooks: ArchState {
    /// The child of fork, vfork or clone returns 0 from the system call (FreeBSD `sv_set_fork_retval`).
    fn set_fork_retval(&self, child: &mut Self::Frame);
    /// A thread made by clone: its stack pointer when clone was given one, and its thread pointer for
    /// `CLONE_SETTLS`, set the way Linux does on this architecture.
    fn clone_setregs(&self, child: &mut Self::Thread, stack: Option<u64>, tls: Option<u64>);
    /// The thread pointer (TLS register) of a thread.
    fn thread_pointer(&self, thread: &Self::Thread) -> u64;
}

/// A complete Linux ABI for one architecture.
pub trait LinuxAbi: ExecHooks + SyscallHooks + SignalHooks + ThreadHooks {
    /// A short name ("ppc64-elfv1").
    fn name(&self) -> &'static str;
}
