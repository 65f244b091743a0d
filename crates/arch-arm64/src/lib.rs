//! The Linux/arm64 machine-dependent layer: one implementation of the `linux-core` hooks for AArch64
//! Linux programs (little-endian in practice; the byte order stays a type parameter, as on powerpc64,
//! so the kernel instantiates the native one).
//!
//! Where each hook lives:
//! - [`frame`]: the trap frame (FreeBSD's layout), the FP/SIMD state, the thread.
//! - [`exec`]: registers of a new image, the arm64 auxv entries; [`hwcap`]: AT_HWCAP/AT_HWCAP2 from the
//!   ID registers, as a table.
//! - [`syscall`]: syscall argument fetch and return; [`syscall_table`]: number -> handler.
//! - [`signal`]: `rt_sigframe` delivery and `rt_sigreturn`.
//! - [`abi`]: arm64 constants as data checked against Linux's headers.
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::arithmetic_side_effects, clippy::unreachable, clippy::todo, clippy::unimplemented))]

#[cfg(test)]
extern crate std;

pub mod abi;
pub mod exec;
pub mod frame;
pub mod hwcap;
pub mod ptrace;
pub mod signal;
pub mod syscall;
pub mod thread;
#[expect(clippy::indexing_slicing, reason = "generated; its one index (`lookup`) is checked against `ARM64_NR_MAX` just before, and a generated test checks the table has `ARM64_NR_MAX + 1` rows")]
pub mod syscall_table;

use core::marker::PhantomData;
use frame::{Arm64Thread, TrapFrame};
use linux_core::auxv::AuxvBuilder;
use linux_core::elf::{EflagsRule, ElfBrand, Endian, EM_AARCH64};
use linux_core::errno::LinuxErrno;
use linux_core::exec::{ExecImageInfo, InitialStack};
use linux_core::hooks::{
    ArchState, ExecEntry, ExecHooks, LinuxAbi, SignalDelivery, SignalHooks, SigreturnOutcome, SyscallHooks,
    ThreadHooks,
};
use linux_core::syscall::{SyscallOutcome, SyscallRequest, SyscallTable};
use linux_core::uaccess::UserMemory;
use zerocopy::byteorder::{ByteOrder, U32};
use zerocopy::IntoBytes;

/// What the kernel knows about the CPU, for the auxiliary vector: the system-wide (sanitized) values of
/// the ID registers the hwcaps come from, and the two capabilities that are kernel choices.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Arm64Cpu {
    /// `MIDR_EL1` (implementer, part, revision): not used for hwcaps, kept for errata decisions.
    pub midr: u64,
    /// `ID_AA64PFR0_EL1`.
    pub id_aa64pfr0: u64,
    /// `ID_AA64PFR1_EL1`.
    pub id_aa64pfr1: u64,
    /// `ID_AA64ISAR0_EL1`.
    pub id_aa64isar0: u64,
    /// `ID_AA64ISAR1_EL1`.
    pub id_aa64isar1: u64,
    /// `ID_AA64ISAR2_EL1`.
    pub id_aa64isar2: u64,
    /// `ID_AA64MMFR0_EL1`.
    pub id_aa64mmfr0: u64,
    /// `ID_AA64MMFR1_EL1`.
    pub id_aa64mmfr1: u64,
    /// `ID_AA64MMFR2_EL1`.
    pub id_aa64mmfr2: u64,
    /// `ID_AA64ZFR0_EL1` (SVE features).
    pub id_aa64zfr0: u64,
    /// `ID_AA64SMFR0_EL1` (SME features).
    pub id_aa64smfr0: u64,
    /// The generic timer's event stream is enabled for EL0 (`HWCAP_EVTSTRM`).
    pub event_stream: bool,
    /// The kernel emulates EL0 `mrs` reads of the ID registers (`HWCAP_CPUID`; FreeBSD's
    /// `user_mrs_handler` does).
    pub mrs_emulation: bool,
}

impl Arm64Cpu {
    /// An Arm Neoverse N1 r3p1 (Armv8.2 with LRCPC, dot product and SSBS; AWS Graviton2), what the tests
    /// assume. Linux reports `fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid
    /// asimdrdm lrcpc dcpop asimddp ssbs` for it.
    pub const NEOVERSE_N1: Arm64Cpu = Arm64Cpu {
        midr: 0x413f_d0c1,
        id_aa64pfr0: 0x1100_0000_1011_1112,
        id_aa64pfr1: 0x20,
        id_aa64isar0: 0x0000_1000_1021_1120,
        id_aa64isar1: 0x0000_0000_0010_0001,
        id_aa64isar2: 0,
        id_aa64mmfr0: 0x0000_0000_0010_1125,
        id_aa64mmfr1: 0x0000_0000_1012_2122,
        id_aa64mmfr2: 0x0000_0000_0000_1011,
        id_aa64zfr0: 0,
        id_aa64smfr0: 0,
        event_stream: true,
        mrs_emulation: true,
    };
}

/// The arm64 ABI in byte order `E` (`zerocopy::LittleEndian` for every Linux/arm64 program this layer
/// brands; the kernel uses `NativeEndian`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Arm64<E: ByteOrder> {
    /// The CPU.
    pub cpu: Arm64Cpu,
    _order: PhantomData<E>,
}

impl<E: ByteOrder> Arm64<E> {
    /// The hooks for one CPU.
    pub const fn new(cpu: Arm64Cpu) -> Self {
        Self { cpu, _order: PhantomData }
    }
}

/// Linux/arm64 (glibc's `/lib/ld-linux-aarch64.so.1`, musl's `/lib/ld-musl-aarch64.so.1`): `EM_AARCH64`,
/// little-endian, any `e_flags`.
pub const BRAND_ARM64: ElfBrand = ElfBrand {
    name: "Linux arm64",
    machine: EM_AARCH64,
    endian: Endian::Little,
    interpreter: "/lib/ld-linux-aarch64.so.1",
    alt_interpreters: &["/lib/ld-musl-aarch64.so.1"],
    eflags: EflagsRule::ANY,
};

/// Every arm64 brand, in the order they are tried.
pub const BRANDS: [ElfBrand; 1] = [BRAND_ARM64];

/// Whether `E` is little-endian.
pub(crate) fn is_little<E: ByteOrder>() -> bool {
    U32::<E>::new(1).as_bytes().first() == Some(&1)
}

impl<E: ByteOrder> ArchState for Arm64<E> {
    type Order = E;
    type Frame = TrapFrame;
    type Thread = Arm64Thread;

    fn frame(thread: &Arm64Thread) -> &TrapFrame {
        &thread.frame
    }

    fn frame_mut(thread: &mut Arm64Thread) -> &mut TrapFrame {
        &mut thread.frame
    }
}

impl<E: ByteOrder> ExecHooks for Arm64<E> {
    fn hwcap(&self) -> u64 {
        hwcap::hwcap(&self.cpu)
    }

    fn hwcap2(&self) -> Option<u64> {
        Some(hwcap::hwcap2(&self.cpu))
    }

    /// `"aarch64"`, or `"aarch64_be"` in big-endian (Linux `ELF_PLATFORM`).
    fn platform(&self) -> Option<&[u8]> {
        Some(if is_little::<E>() { b"aarch64" } else { b"aarch64_be" })
    }

    /// None: arm64 has no `AT_BASE_PLATFORM`.
    fn base_platform(&self) -> Option<&[u8]> {
        None
    }

    fn arch_dlinfo(&self, info: &ExecImageInfo, aux: &mut AuxvBuilder) -> Result<(), LinuxErrno> {
        exec::arch_dlinfo(info, aux)
    }

    fn exec_setregs<M: UserMemory + ?Sized>(
        &self,
        thread: &mut Arm64Thread,
        _mem: &M,
        entry: &ExecEntry,
        stack: &InitialStack,
    ) -> Result<(), LinuxErrno> {
        exec::exec_setregs(thread, entry, stack)
    }
}

impl<E: ByteOrder> SyscallHooks for Arm64<E> {
    fn syscall_table(&self) -> SyscallTable {
        SyscallTable { entries: &syscall_table::ARM64_SYSCALLS }
    }

    fn fetch_syscall_args(&self, frame: &TrapFrame) -> SyscallRequest {
        syscall::fetch_syscall_args(frame)
    }

    fn set_syscall_retval(&self, frame: &mut TrapFrame, request: &SyscallRequest, outcome: SyscallOutcome) {
        syscall::set_syscall_retval(frame, request, outcome)
    }
}

impl<E: ByteOrder> SignalHooks for Arm64<E> {
    fn min_sigstack_size(&self) -> u64 {
        signal::MIN_SIGSTKSZ
    }

    fn sendsig<M: UserMemory + ?Sized>(
        &self,
        thread: &mut Arm64Thread,
        mem: &mut M,
        delivery: &SignalDelivery,
    ) -> Result<(), LinuxErrno> {
        signal::sendsig::<E, M>(thread, mem, delivery)
    }

    fn sigreturn<M: UserMemory + ?Sized>(
        &self,
        thread: &mut Arm64Thread,
        mem: &M,
    ) -> Result<SigreturnOutcome, LinuxErrno> {
        signal::sigreturn::<E, M>(thread, mem)
    }
}

impl<E: ByteOrder> ThreadHooks for Arm64<E> {
    fn set_fork_retval(&self, child: &mut TrapFrame) {
        thread::set_fork_retval(child)
    }

    fn clone_setregs(&self, child: &mut Arm64Thread, stack: Option<u64>, tls: Option<u64>) {
        thread::clone_setregs(child, stack, tls)
    }

    fn thread_pointer(&self, thread: &Arm64Thread) -> u64 {
        thread.tpidr_el0
    }
}

impl<E: ByteOrder> LinuxAbi for Arm64<E> {
    fn name(&self) -> &'static str {
        if is_little::<E>() {
            "arm64"
        } else {
            "arm64be"
        }
    }
}
