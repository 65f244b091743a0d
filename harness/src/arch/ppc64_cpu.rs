//! The emulated POWER9: a unicorn POWER9 in 64-bit real mode with MSR[HV] (translation off, so guest
//! addresses are emulator "physical" addresses), and the moves between its registers and the arch-ppc64
//! [`Ppc64Thread`] the hooks work on.
//!
//! `sc` arrives as interrupt 8 with the PC already past it; illegal instructions as 96 (the CPU runs
//! hypervisor state), traps as 6, alignment as 5. (Also compiled into `ppc64-bench`.)

use crate::cpu::{self, reg, reg128, set, set128, Uc};
use arch_ppc64::frame::{msr, Ppc64Thread, TrapFrame, UnitsUsed};
use arch_ppc64::Ppc64Cpu;
use linux_core::errno::LinuxErrno;
use unicorn_engine::{Arch, Mode, Ppc64CpuModel, Prot, RegisterPPC};

/// Interrupt number of `sc`.
pub const INTR_SC: u32 = 8;
/// Alignment interrupt.
pub const INTR_ALIGN: u32 = 5;
/// Program interrupt (trap instructions).
pub const INTR_PROGRAM: u32 = 6;
/// Hypervisor emulation assistance (illegal instruction with MSR[HV]).
pub const INTR_HV_EMU: u32 = 96;

/// The MSR the emulator runs with: 64-bit, hypervisor real mode, FP/VMX/VSX enabled. PR and IR/DR stay
/// off (PR would turn on translation); only LE follows the guest.
const RUN_MSR: u64 = msr::SF | msr::HV | msr::ME | msr::FP | msr::VEC | msr::VSX;

/// Creates a POWER9 engine with the hooks installed and the MSR set for the byte order.
pub fn new_engine(little_endian: bool) -> Result<Uc, String> {
    let mut uc = cpu::new_engine(
        Arch::PPC,
        Mode::PPC64 | Mode::BIG_ENDIAN,
        Ppc64CpuModel::POWER9_V2_0 as i32,
        RegisterPPC::PC as i32,
        "POWER9 (is target/unicorn-patched patched?)",
    )?;
    set_msr(&mut uc, little_endian);
    Ok(uc)
}

/// Sets the run MSR with MSR[LE] as given.
pub fn set_msr(uc: &mut Uc, little_endian: bool) {
    let _ = uc.reg_write(RegisterPPC::MSR, RUN_MSR | if little_endian { msr::LE } else { 0 });
}

const R0: i32 = RegisterPPC::R0 as i32;
const VSR0: i32 = RegisterPPC::VSR0 as i32;

/// The trap frame as the kernel would have saved it on entry.
pub fn read_frame(uc: &Uc) -> TrapFrame {
    let mut f = TrapFrame::default();
    for (i, r) in f.fixreg.iter_mut().enumerate() {
        *r = reg(uc, R0 + i as i32);
    }
    f.lr = reg(uc, RegisterPPC::LR as i32);
    f.ctr = reg(uc, RegisterPPC::CTR as i32);
    f.xer = reg(uc, RegisterPPC::XER as i32) & 0xffff_ffff;
    f.cr = reg(uc, RegisterPPC::CR as i32) & 0xffff_ffff;
    f.srr0 = reg(uc, RegisterPPC::PC as i32);
    let m = reg(uc, RegisterPPC::MSR as i32);
    f.srr1 = Ppc64Cpu::POWER9.user_msr | msr::FP | (m & msr::LE);
    f.exc = arch_ppc64::abi::EXC_SC;
    f
}

/// Writes back the registers of `new` that differ from `old` (cheap after a syscall).
pub fn write_frame_delta(uc: &mut Uc, old: &TrapFrame, new: &TrapFrame) {
    for i in 0..32 {
        if old.fixreg[i] != new.fixreg[i] {
            set(uc, R0 + i as i32, new.fixreg[i]);
        }
    }
    if old.lr != new.lr {
        set(uc, RegisterPPC::LR as i32, new.lr);
    }
    if old.ctr != new.ctr {
        set(uc, RegisterPPC::CTR as i32, new.ctr);
    }
    if old.xer != new.xer {
        set(uc, RegisterPPC::XER as i32, new.xer & 0xffff_ffff);
    }
    if old.cr != new.cr {
        set(uc, RegisterPPC::CR as i32, new.cr & 0xffff_ffff);
    }
    if old.srr0 != new.srr0 {
        set(uc, RegisterPPC::PC as i32, new.srr0);
    }
    if (old.srr1 ^ new.srr1) & msr::LE != 0 {
        set_msr(uc, new.srr1 & msr::LE != 0);
    }
}

/// The whole thread state: frame, FP, VMX and VSX registers. The emulator cannot tell which units the
/// program used, so all are reported used (the frame then always carries the vector state).
pub fn read_thread(uc: &Uc, orig_gpr3: u64) -> Ppc64Thread {
    let mut t = Ppc64Thread { frame: read_frame(uc), orig_gpr3, ..Ppc64Thread::default() };
    let v = &mut t.vector;
    for i in 0..32 {
        let [hi, lo] = reg128(uc, VSR0 + i as i32);
        v.fpr[i] = hi;
        v.vsr_low[i] = lo;
        let [hi, lo] = reg128(uc, VSR0 + 32 + i as i32);
        v.vr[i] = (u128::from(hi) << 64) | u128::from(lo);
    }
    v.fpscr = reg(uc, RegisterPPC::FPSCR as i32) & 0xffff_ffff;
    v.vscr = reg(uc, RegisterPPC::VSCR as i32) as u32;
    v.vrsave = reg(uc, RegisterPPC::VRSAVE as i32) as u32;
    v.used = UnitsUsed::all();
    t
}

/// Loads a whole thread state into the CPU.
pub fn write_thread(uc: &mut Uc, t: &Ppc64Thread) {
    let f = &t.frame;
    for i in 0..32 {
        set(uc, R0 + i as i32, f.fixreg[i]);
    }
    set(uc, RegisterPPC::LR as i32, f.lr);
    set(uc, RegisterPPC::CTR as i32, f.ctr);
    set(uc, RegisterPPC::XER as i32, f.xer & 0xffff_ffff);
    set(uc, RegisterPPC::CR as i32, f.cr & 0xffff_ffff);
    set(uc, RegisterPPC::PC as i32, f.srr0);
    set_msr(uc, f.srr1 & msr::LE != 0);
    let v = &t.vector;
    for i in 0..32 {
        set128(uc, VSR0 + i as i32, [v.fpr[i], v.vsr_low[i]]);
        set128(uc, VSR0 + 32 + i as i32, [(v.vr[i] >> 64) as u64, v.vr[i] as u64]);
    }
    set(uc, RegisterPPC::FPSCR as i32, v.fpscr & 0xffff_ffff);
    set(uc, RegisterPPC::VSCR as i32, u64::from(v.vscr));
    set(uc, RegisterPPC::VRSAVE as i32, u64::from(v.vrsave));
}

/// Where [`clear_reservation`] executes its `stwcx.`: one harness-private page, mapped in the engine
/// but not in the guest's [`VmMap`] (no system call sees it), above the user address space.
const RESERVATION_PAGE: u64 = 0x7fff_fff0_0000;
/// `stwcx. r3,0,r3`, big-endian.
const STWCX_R3_0_R3: u32 = 0x7c60_192d;
/// A word-aligned address no guest can hold a reservation on (nothing is mapped there); the failing
/// `stwcx.` never accesses memory.
const NO_RESERVATION_ADDR: u64 = 0xffff_ffff_ffff_fff0;

/// Maps the page [`clear_reservation`] runs from (once per engine).
pub fn map_reservation_clearer(uc: &mut Uc) -> Result<(), LinuxErrno> {
    uc.mem_map(RESERVATION_PAGE, crate::vm::PAGE, Prot::READ | Prot::EXEC).map_err(|_| LinuxErrno::ENOMEM)?;
    uc.mem_write(RESERVATION_PAGE, &STWCX_R3_0_R3.to_be_bytes()).map_err(|_| LinuxErrno::ENOMEM)
}

/// Drops the CPU's `lwarx` reservation, as Linux does on every context switch (a `stdcx.` in
/// `_switch`): a thread preempted between its `lwarx` and `stwcx.` must see its `stwcx.` fail when it
/// runs again, or it could store over another thread's update. Unicorn exposes no register for the
/// reservation, so this runs one failing `stwcx.` on the private page; it clobbers r3, CR0, PC and the
/// MSR's byte order, which the caller then overwrites with the next thread's registers.
pub fn clear_reservation(uc: &mut Uc) {
    set_msr(uc, false);
    set(uc, R0 + 3, NO_RESERVATION_ADDR);
    let _ = cpu::run_from(uc, RESERVATION_PAGE, RESERVATION_PAGE + 4, 0);
}
