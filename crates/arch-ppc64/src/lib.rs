//! The Linux/powerpc64 machine-dependent layer: one implementation of the `linux-core` hooks for the
//! three powerpc64 ABIs (ELFv1 big-endian, ELFv2 big-endian, ELFv2 little-endian).
//!
//! Where each hook lives:
//! - [`frame`]: the trap frame (FreeBSD's layout) and FP/vector state.
//! - [`exec`]: registers of a new image, the powerpc auxv entries, AT_HWCAP/AT_HWCAP2.
//! - [`syscall`]: syscall argument fetch and return; [`syscall_table`]: number -> handler.
//! - [`signal`]: `rt_sigframe` delivery and `rt_sigreturn`.
//! - [`ptrace`]: register access for debuggers in the Linux layouts.
//! - [`thread`]: fork and clone (return value, stack, TLS in r13).
//! - [`abi`]: constants that differ on powerpc, as data checked against Linux's headers.
//!
//! The byte order is a type parameter (`zerocopy::BigEndian` / `LittleEndian`): the kernel instantiates
//! the native one, host tests and the emulator harness whichever the guest uses.
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::arithmetic_side_effects, clippy::unreachable, clippy::todo, clippy::unimplemented))]

#[cfg(test)]
extern crate std;

pub mod abi;
pub mod consts;
pub mod exec;
pub mod frame;
pub mod ioctl;
pub mod ptrace;
pub mod signal;
pub mod stat;
pub mod syscall;
#[expect(clippy::indexing_slicing, reason = "generated; its one index (`lookup`) is checked against `PPC64_NR_MAX` just before, and a generated test checks the table has `PPC64_NR_MAX + 1` rows")]
pub mod syscall_table;
pub mod thread;
pub mod termios;

use core::marker::PhantomData;
use frame::{Ppc64Thread, TrapFrame};
use linux_core::auxv::AuxvBuilder;
use linux_core::elf::{EflagsRule, ElfBrand, Endian, EM_PPC64};
use linux_core::errno::LinuxErrno;
use linux_core::exec::{ExecImageInfo, InitialStack};
use linux_core::hooks::{
    ArchState, ExecEntry, ExecHooks, LinuxAbi, SignalDelivery, SignalHooks, SigreturnOutcome, SyscallHooks,
    ThreadHooks,
};
use linux_core::syscall::{SyscallOutcome, SyscallRequest, SyscallTable};
use linux_core::uaccess::UserMemory;
use zerocopy::byteorder::ByteOrder;

/// How functions are called: through descriptors (ELFv1) or directly with r12 = entry (ELFv2).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FuncAbi {
    /// ELFv1: `e_entry` and handler addresses point at `{entry, toc, env}` descriptors.
    ElfV1,
    /// ELFv2: addresses are code; the callee's global entry point wants its own address in r12.
    ElfV2,
}

/// One level of cache as `AT_L*_CACHE*` reports it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct CacheLevel {
    /// Size in bytes.
    pub size: u64,
    /// Associativity (0 = unknown, 0xffff = fully associative).
    pub assoc: u64,
    /// Line size in bytes.
    pub line_size: u64,
}

impl CacheLevel {
    /// Linux `get_cache_geometry`: associativity in bits 16.., line size below.
    pub fn geometry(&self) -> u64 {
        (self.assoc << 16) | self.line_size
    }
}

/// Cache geometry of the four levels Linux reports.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct CacheGeometry {
    /// L1 instruction cache.
    pub l1i: CacheLevel,
    /// L1 data cache.
    pub l1d: CacheLevel,
    /// L2.
    pub l2: CacheLevel,
    /// L3.
    pub l3: CacheLevel,
}

/// What the kernel knows about the CPU, for the auxiliary vector and the user MSR.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Ppc64Cpu {
    /// FreeBSD `cpu_features` (PPC_FEATURE_* bits).
    pub features: u64,
    /// FreeBSD `cpu_features2` (PPC_FEATURE2_* bits).
    pub features2: u64,
    /// Data cache block size (AT_DCACHEBSIZE).
    pub dcache_block_size: u64,
    /// Instruction cache block size (AT_ICACHEBSIZE).
    pub icache_block_size: u64,
    /// Cache geometry.
    pub caches: CacheGeometry,
    /// AT_PLATFORM ("power9").
    pub platform: &'static str,
    /// AT_BASE_PLATFORM.
    pub base_platform: &'static str,
    /// The MSR user threads run with (FreeBSD `psl_userset`); the LE bit is set per process.
    pub user_msr: u64,
}

impl Ppc64Cpu {
    /// A POWER9 as Linux describes it (what the emulator harness runs and what the tests assume):
    /// 128-byte cache blocks, 32 KiB 8-way L1s, 512 KiB L2, 10 MiB L3.
    pub const POWER9: Ppc64Cpu = Ppc64Cpu {
        features: 0xdc00_65c0,
        features2: 0xbee0_0000,
        dcache_block_size: 128,
        icache_block_size: 128,
        caches: CacheGeometry {
            l1i: CacheLevel { size: 32 * 1024, assoc: 8, line_size: 128 },
            l1d: CacheLevel { size: 32 * 1024, assoc: 8, line_size: 128 },
            l2: CacheLevel { size: 512 * 1024, assoc: 8, line_size: 128 },
            l3: CacheLevel { size: 10 * 1024 * 1024, assoc: 20, line_size: 128 },
        },
        platform: "power9",
        base_platform: "power9",
        user_msr: frame::msr::SF | frame::msr::EE | frame::msr::PR | frame::msr::ME
            | frame::msr::IR | frame::msr::DR | frame::msr::RI,
    };
}

/// The ABI a brand selects: byte order (type parameter) and calling convention (value).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Ppc64<E: ByteOrder> {
    /// Function descriptors or not.
    pub abi: FuncAbi,
    /// The CPU.
    pub cpu: Ppc64Cpu,
    _order: PhantomData<E>,
}

impl<E: ByteOrder> Ppc64<E> {
    /// The hooks for one ABI on one CPU.
    pub const fn new(abi: FuncAbi, cpu: Ppc64Cpu) -> Self {
        Self { abi, cpu, _order: PhantomData }
    }
}

/// e_flags & 3 == 2 marks ELFv2 objects.
const ELFV2_RULE: EflagsRule = EflagsRule { mask: 3, value: 2, negate: false };

/// Linux ELFv1 big-endian (glibc's `/lib64/ld64.so.1`: what Debian's powerpc64 gcc emits).
pub const BRAND_ELFV1_BE: ElfBrand = ElfBrand {
    name: "Linux ppc64 ELFv1",
    machine: EM_PPC64,
    endian: Endian::Big,
    interpreter: "/lib64/ld64.so.1",
    alt_interpreters: &[],
    eflags: EflagsRule { negate: true, ..ELFV2_RULE },
};

/// Linux ELFv2 big-endian (musl; glibc's ELFv2 BE loader name is `/lib64/ld64.so.2` too).
pub const BRAND_ELFV2_BE: ElfBrand = ElfBrand {
    name: "Linux ppc64 ELFv2",
    machine: EM_PPC64,
    endian: Endian::Big,
    interpreter: "/lib/ld-musl-powerpc64.so.1",
    alt_interpreters: &["/lib64/ld64.so.2"],
    eflags: ELFV2_RULE,
};

/// Linux ELFv2 little-endian (ppc64le: glibc `/lib64/ld64.so.2`, musl `/lib/ld-musl-powerpc64le.so.1`).
pub const BRAND_ELFV2_LE: ElfBrand = ElfBrand {
    name: "Linux ppc64le",
    machine: EM_PPC64,
    endian: Endian::Little,
    interpreter: "/lib64/ld64.so.2",
    alt_interpreters: &["/lib/ld-musl-powerpc64le.so.1"],
    eflags: ELFV2_RULE,
};

/// Every powerpc64 brand, in the order they are tried.
pub const BRANDS: [ElfBrand; 3] = [BRAND_ELFV1_BE, BRAND_ELFV2_BE, BRAND_ELFV2_LE];

/// The calling convention of a brand.
pub fn func_abi_of(brand: &ElfBrand) -> FuncAbi {
    if brand.eflags == ELFV2_RULE {
        FuncAbi::ElfV2
    } else {
        FuncAbi::ElfV1
    }
}

impl<E: ByteOrder> ArchState for Ppc64<E> {
    type Order = E;
    type Frame = TrapFrame;
    type Thread = Ppc64Thread;

    fn frame(thread: &Ppc64Thread) -> &TrapFrame {
        &thread.frame
    }

    fn frame_mut(thread: &mut Ppc64Thread) -> &mut TrapFrame {
        &mut thread.frame
    }
}

impl<E: ByteOrder> ExecHooks for Ppc64<E> {
    fn hwcap(&self) -> u64 {
        exec::hwcap(&self.cpu)
    }

    fn hwcap2(&self) -> Option<u64> {
        Some(exec::hwcap2(&self.cpu))
    }

    fn platform(&self) -> Option<&[u8]> {
        Some(self.cpu.platform.as_bytes())
    }

    fn base_platform(&self) -> Option<&[u8]> {
        Some(self.cpu.base_platform.as_bytes())
    }

    fn arch_dlinfo(&self, info: &ExecImageInfo, aux: &mut AuxvBuilder) -> Result<(), LinuxErrno> {
        exec::arch_dlinfo(&self.cpu, info, aux)
    }

    fn exec_setregs<M: UserMemory + ?Sized>(
        &self,
        thread: &mut Ppc64Thread,
        mem: &M,
        entry: &ExecEntry,
        stack: &InitialStack,
    ) -> Result<(), LinuxErrno> {
        exec::exec_setregs::<E, M>(self.abi, &self.cpu, thread, mem, entry, stack)
    }
}

impl<E: ByteOrder> SyscallHooks for Ppc64<E> {
    fn syscall_table(&self) -> SyscallTable {
        SyscallTable { entries: &syscall_table::PPC64_SYSCALLS }
    }

    fn fetch_syscall_args(&self, frame: &TrapFrame) -> SyscallRequest {
        syscall::fetch_syscall_args(frame)
    }

    fn set_syscall_retval(&self, frame: &mut TrapFrame, request: &SyscallRequest, outcome: SyscallOutcome) {
        syscall::set_syscall_retval(frame, request, outcome)
    }
}

impl<E: ByteOrder> SignalHooks for Ppc64<E> {
    fn min_sigstack_size(&self) -> u64 {
        signal::MIN_SIGFRAME_SIZE
    }

    fn sendsig<M: UserMemory + ?Sized>(
        &self,
        thread: &mut Ppc64Thread,
        mem: &mut M,
        delivery: &SignalDelivery,
    ) -> Result<(), LinuxErrno> {
        signal::sendsig::<E, M>(self.abi, thread, mem, delivery)
    }

    fn sigreturn<M: UserMemory + ?Sized>(
        &self,
        thread: &mut Ppc64Thread,
        mem: &M,
    ) -> Result<SigreturnOutcome, LinuxErrno> {
        signal::sigreturn::<E, M>(thread, mem)
    }
}

impl<E: ByteOrder> ThreadHooks for Ppc64<E> {
    fn set_fork_retval(&self, child: &mut TrapFrame) {
        thread::set_fork_retval(child)
    }

    fn clone_setregs(&self, child: &mut Ppc64Thread, stack: Option<u64>, tls: Option<u64>) {
        thread::clone_setregs(child, stack, tls)
    }

    fn thread_pointer(&self, thread: &Ppc64Thread) -> u64 {
        thread.frame.fixreg[13]
    }
}

impl<E: ByteOrder> LinuxAbi for Ppc64<E> {
    fn name(&self) -> &'static str {
        match (self.abi, signal::is_little::<E>()) {
            (FuncAbi::ElfV1, false) => "ppc64-elfv1",
            (FuncAbi::ElfV2, false) => "ppc64-elfv2",
            (FuncAbi::ElfV2, true) => "ppc64le",
            (FuncAbi::ElfV1, true) => "ppc64le-elfv1",
        }
    }
}
