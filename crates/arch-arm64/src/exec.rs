//! Exec on arm64: the registers of a new image (Linux `start_thread` + `ELF_PLAT_INIT`) and the arm64
//! entries of the auxiliary vector (Linux `ARCH_DLINFO`). `AT_HWCAP`/`AT_HWCAP2` are in [`crate::hwcap`].

use crate::abi::PSR_MODE_EL0t;
use crate::frame::{Arm64Thread, FpSimdState, TrapFrame};
use crate::signal::MIN_SIGSTKSZ;
use linux_core::auxv::{AuxvBuilder, AT_MINSIGSTKSZ, AT_SYSINFO_EHDR};
use linux_core::errno::LinuxErrno;
use linux_core::exec::{ExecImageInfo, InitialStack};
use linux_core::hooks::ExecEntry;

/// Linux `ARCH_DLINFO` for arm64: `AT_SYSINFO_EHDR` (the vdso, when one is mapped), then
/// `AT_MINSIGSTKSZ` ([`MIN_SIGSTKSZ`]).
pub(crate) fn arch_dlinfo(info: &ExecImageInfo, aux: &mut AuxvBuilder) -> Result<(), LinuxErrno> {
    if let Some(vdso) = info.vdso_base {
        aux.push(AT_SYSINFO_EHDR, vdso)?;
    }
    aux.push(AT_MINSIGSTKSZ, MIN_SIGSTKSZ)
}

/// The registers of a new image: x0..x30 zero (Linux `ELF_PLAT_INIT` zeroes x0, `start_thread` the
/// rest), sp = the new stack, pc = the entry point (arm64 has no function descriptors: `reloc_base`
/// is unused), PSTATE = EL0t with D, A, I, F clear (0), no fault recorded, and a clean FP/SIMD state
/// (zero registers, FPSR and FPCR, not yet used). The trap frame's ESR/FAR are cleared with the rest,
/// as FreeBSD's own `exec_setregs` does. A stack pointer that is not 16-aligned is `EINVAL`, and nothing
/// changes.
pub(crate) fn exec_setregs(
    t: &mut Arm64Thread,
    entry: &ExecEntry,
    stack: &InitialStack,
) -> Result<(), LinuxErrno> {
    if stack.sp & 15 != 0 {
        return Err(LinuxErrno::EINVAL);
    }
    t.frame =
        TrapFrame { tf_sp: stack.sp, tf_elr: entry.entry, tf_spsr: PSR_MODE_EL0t, ..TrapFrame::default() };
    t.fpsimd = FpSimdState::default();
    t.fault_address = 0;
    t.fault_code = 0;
    t.tpidr_el0 = 0;
    Ok(())
}
