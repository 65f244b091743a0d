//! Exec on powerpc64: the registers of a new image (Linux `start_thread` + `ELF_PLAT_INIT`) and the
//! powerpc entries of the auxiliary vector (Linux `ARCH_DLINFO`).

use crate::abi::*;
use crate::frame::{msr, Ppc64Thread, VectorState};
use crate::signal::{is_little, MIN_SIGFRAME_SIZE};
use crate::{FuncAbi, Ppc64Cpu};
use linux_core::auxv::{AuxvBuilder, AT_MINSIGSTKSZ, AT_SYSINFO_EHDR};
use linux_core::errno::LinuxErrno;
use linux_core::exec::{ExecImageInfo, InitialStack};
use linux_core::hooks::ExecEntry;
use linux_core::uaccess::{UserAddr, UserMemory};
use zerocopy::byteorder::{ByteOrder, U64};

/// Linux `ARCH_DLINFO` for powerpc64: AT_IGNOREPPC twice, the cache block sizes, the vdso, the cache
/// geometry, AT_MINSIGSTKSZ.
pub(crate) fn arch_dlinfo(
    cpu: &Ppc64Cpu,
    info: &ExecImageInfo,
    aux: &mut AuxvBuilder,
) -> Result<(), LinuxErrno> {
    aux.push(AT_IGNOREPPC, AT_IGNOREPPC)?;
    aux.push(AT_IGNOREPPC, AT_IGNOREPPC)?;
    aux.push(AT_DCACHEBSIZE, cpu.dcache_block_size)?;
    aux.push(AT_ICACHEBSIZE, cpu.icache_block_size)?;
    aux.push(AT_UCACHEBSIZE, 0)?;
    if let Some(vdso) = info.vdso_base {
        aux.push(AT_SYSINFO_EHDR, vdso)?;
    }
    let c = &cpu.caches;
    for (size_key, geometry_key, level) in [
        (AT_L1I_CACHESIZE, AT_L1I_CACHEGEOMETRY, &c.l1i),
        (AT_L1D_CACHESIZE, AT_L1D_CACHEGEOMETRY, &c.l1d),
        (AT_L2_CACHESIZE, AT_L2_CACHEGEOMETRY, &c.l2),
        (AT_L3_CACHESIZE, AT_L3_CACHEGEOMETRY, &c.l3),
    ] {
        aux.push(size_key, level.size)?;
        aux.push(geometry_key, level.geometry())?;
    }
    aux.push(AT_MINSIGSTKSZ, MIN_SIGFRAME_SIZE)?;
    Ok(())
}

/// The registers of a new image. ELFv1: NIP and r2 from the entry function descriptor (read from user
/// memory, relocated by the load bias); ELFv2: NIP = r12 = entry. Every other register is zero, r1 is
/// the new stack pointer, the MSR is the kernel's user MSR in the process's byte order, and the FP and
/// vector state starts clean.
pub(crate) fn exec_setregs<E: ByteOrder, M: UserMemory + ?Sized>(
    abi: FuncAbi,
    cpu: &Ppc64Cpu,
    t: &mut Ppc64Thread,
    mem: &M,
    entry: &ExecEntry,
    stack: &InitialStack,
) -> Result<(), LinuxErrno> {
    if stack.sp % 16 != 0 {
        return Err(LinuxErrno::EINVAL);
    }
    let (nip, toc) = match abi {
        FuncAbi::ElfV2 => (entry.entry, None),
        FuncAbi::ElfV1 => {
            let desc: [U64<E>; 2] = mem.read_value(UserAddr(entry.entry))?;
            (desc[0].get().wrapping_add(entry.reloc_base), Some(desc[1].get().wrapping_add(entry.reloc_base)))
        }
    };
    let f = &mut t.frame;
    f.fixreg = [0; 32];
    f.lr = 0;
    f.cr = 0;
    f.xer = 0;
    f.ctr = 0;
    f.fixreg[1] = stack.sp;
    match toc {
        Some(toc) => f.fixreg[2] = toc,
        None => f.fixreg[12] = nip,
    }
    f.srr0 = nip;
    f.srr1 = (cpu.user_msr & !msr::LE) | if is_little::<E>() { msr::LE } else { 0 };
    t.vector = VectorState::default();
    t.orig_gpr3 = 0;
    Ok(())
}

/// AT_HWCAP from the CPU's features: the PPC_FEATURE bits are the same on FreeBSD and Linux.
pub(crate) fn hwcap(cpu: &Ppc64Cpu) -> u64 {
    cpu.features & 0xffff_ffff
}

/// AT_HWCAP2 from the CPU's features, without what the Linuxulator cannot honour (HTM, SCV, EBB).
pub(crate) fn hwcap2(cpu: &Ppc64Cpu) -> u64 {
    cpu.features2 & 0xffff_ffff & !HWCAP2_MASKED
}
