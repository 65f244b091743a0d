//! What differs between the guest architectures, behind one trait: [`GuestArch`]. The process, the
//! scheduler, the signal and futex code and the system calls (`crate::process`, `crate::syscalls`,
//! `crate::futex`) are written once over it; an architecture supplies its CPU (unicorn model, register
//! moves, what each exception number means), its arch crate's hooks (exec, syscall, signal, thread), its
//! address-space layout and vdso, and the few ABI structures and numbers that are not the host's.
//!
//! - [`ppc64::Ppc64Guest`]: powerpc64, big-endian (ELFv1, ELFv2 musl) and little-endian (ELFv2), on
//!   unicorn's POWER9 through `arch_ppc64`.
//! - [`arm64::Arm64Guest`]: AArch64 (little-endian), on unicorn's `max` CPU through `arch_arm64`.

pub mod arm64;
pub mod arm64_cpu;
pub mod ppc64;
pub mod ppc64_cpu;

use crate::cpu::Uc;
use crate::loader::ExecPlan;
use crate::process::Action;
use crate::vdso::{Vdso, VdsoSpec};
use linux_core::elf::ElfBrand;
use linux_core::hooks::{ArchState, ExecHooks, SignalHooks, SyscallHooks, ThreadHooks};
use linux_core::signal::LinuxSignal;
use linux_core::stat::FileStat;
use linux_core::sysno::Sys;
use linux_core::termios::KTermios;
use zerocopy::byteorder::ByteOrder;

/// Where a process image's pieces go in the guest address space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Top of the initial stack area.
    pub stack_end: u64,
    /// Where `mmap` without a hint allocates (top-down from here), and the interpreter and vdso go.
    pub mmap_top: u64,
    /// Lowest address `mmap` allocates at (the heap may grow up to it).
    pub mmap_bottom: u64,
    /// Load address of position-independent programs (Linux's `ELF_ET_DYN_BASE`).
    pub et_dyn_base: u64,
}

/// What a CPU exception means for the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trap {
    /// A system call (the PC is past the instruction, as the kernel's return address).
    Syscall,
    /// A synchronous signal (the PC has been set to the faulting instruction, as Linux reports it).
    Signal {
        /// The signal.
        sig: LinuxSignal,
        /// Its `si_code`.
        code: i32,
        /// Its `si_addr`.
        addr: u64,
    },
    /// An exception the harness does not expect from a user program.
    Unexpected,
}

/// `clone`'s arguments, whatever order the architecture's system call takes them in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CloneArgs {
    /// `CLONE_*` flags and the exit signal.
    pub flags: u64,
    /// The new stack pointer (0: the caller's).
    pub newsp: u64,
    /// `CLONE_PARENT_SETTID` pointer.
    pub ptid: u64,
    /// `CLONE_CHILD_SETTID` / `CLONE_CHILD_CLEARTID` pointer.
    pub ctid: u64,
    /// `CLONE_SETTLS` value.
    pub tls: u64,
}

/// One guest architecture (and byte order).
pub trait GuestArch: Sized + 'static {
    /// The guest's byte order.
    type E: ByteOrder;
    /// The arch crate's trap frame.
    type Frame: Copy + core::fmt::Debug;
    /// The arch crate's whole thread state (frame plus FP/vector registers, TLS).
    type Thread: Clone + core::fmt::Debug + Default;
    /// The arch crate's hooks, as the kernel module instantiates them.
    type Abi: ArchState<Order = Self::E, Frame = Self::Frame, Thread = Self::Thread>
        + ExecHooks
        + SyscallHooks
        + SignalHooks
        + ThreadHooks;

    /// The ELF brands this architecture runs (for the loader, and what `execve` accepts).
    const BRANDS: &'static [ElfBrand];
    /// Where things go in the address space.
    const LAYOUT: Layout;
    /// The arch crate's syscall table (number -> handler), for the coverage report.
    const SYSCALLS: &'static [Option<Sys>];
    /// Size of the architecture's `struct termios` (what `TCSETS*` read).
    const TERMIOS_SIZE: usize;

    /// A fresh CPU with the hooks installed, in the state user code runs in.
    fn new_engine(plan: &ExecPlan) -> Result<Uc, String>;
    /// The hooks for a program of `plan`'s brand on the CPU of `uc`.
    fn abi(plan: &ExecPlan, uc: &Uc) -> Self::Abi;
    /// The vdso to map for `abi`.
    fn vdso(abi: &Self::Abi) -> VdsoSpec;
    /// Where a handler installed with `action` returns to (`SignalDelivery::trampoline`).
    fn handler_return(vdso: &Vdso, action: &Action) -> u64;
    /// `uname -m`.
    fn uname_machine() -> &'static [u8];

    /// The trap frame at a system call.
    fn read_frame(uc: &Uc) -> Self::Frame;
    /// Writes back what changed between `old` and `new`.
    fn write_frame_delta(uc: &mut Uc, old: &Self::Frame, new: &Self::Frame);
    /// The whole thread state; `orig_arg0` is the first argument of the thread's last system call.
    fn read_thread(uc: &Uc, orig_arg0: u64) -> Self::Thread;
    /// Loads a whole thread state.
    fn write_thread(uc: &mut Uc, t: &Self::Thread);
    /// The first system call argument a thread state remembers (ppc64's `orig_gpr3` after sigreturn).
    fn orig_arg0(t: &Self::Thread) -> Option<u64>;
    /// The stack pointer of a frame.
    fn sp(f: &Self::Frame) -> u64;
    /// What the CPU exception `intno` is (and the PC fixed up to Linux's report of it).
    fn trap(uc: &mut Uc, intno: u32) -> Trap;
    /// What a context switch does to the CPU besides loading registers (drop the reservation / clear
    /// the exclusive monitor).
    fn context_switch(uc: &mut Uc);

    /// `clone`'s arguments from the system call's.
    fn clone_args(a: [u64; 6]) -> CloneArgs;
    /// Guest open flags to the host's (generic numbering).
    fn open_flags_to_host(f: u32) -> i32;
    /// Host open flags (`F_GETFL`) to the guest's.
    fn open_flags_to_guest(f: i32) -> u32;
    /// A guest ioctl number as the generic number (the host's); `None` if it is not one of the
    /// architecture's.
    fn ioctl_to_generic(cmd: u32) -> Option<u32>;
    /// The architecture's `struct termios` for `k`.
    fn termios_to_guest(k: &KTermios) -> Vec<u8>;
    /// The kernel termios from the architecture's `struct termios` ([`Self::TERMIOS_SIZE`] bytes).
    fn termios_from_guest(b: &[u8]) -> Option<KTermios>;
    /// The architecture's `struct stat` for `s`.
    fn stat_to_guest(s: &FileStat) -> Vec<u8>;
    /// A guest socket option name (or `SOL_SOCKET` control-message type) at `level` as the host's
    /// generic number (powerpc permutes `SO_RCVLOWAT` ... `SO_PEERCRED`).
    fn sockopt_to_host(level: i32, name: i32) -> i32;
    /// A host (generic) socket option name or control-message type at `level` as the guest's.
    fn sockopt_to_guest(level: i32, name: i32) -> i32;
    /// `mlockall` flags as the host's, `None` if a bit has no generic counterpart (powerpc's `MCL_*`
    /// are other bits).
    fn mlockall_flags_to_host(f: u32) -> Option<u32>;
}

/// Whether `E` is big-endian.
pub fn is_big_endian<E: ByteOrder>() -> bool {
    zerocopy::byteorder::U16::<E>::new(1).to_bytes()[0] == 0
}
