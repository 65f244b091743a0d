//! The emulated arm64 CPU: unicorn's AArch64 `max` model (QEMU 5's "as many features as the emulation
//! supports": Armv8.4 with LSE atomics, CRC32, AES/SHA, dot product, RCPC, ...), and the moves between
//! its registers and the arch-arm64 [`Arm64Thread`] the hooks work on.
//!
//! The guest runs at EL1 with the MMU off (unicorn resets the CPU there), so guest addresses are
//! emulator "physical" addresses: they must stay below the model's 44-bit physical address range
//! (`ID_AA64MMFR0_EL1.PARange` = 4), or accesses take an address size fault; `crate::arch::arm64`'s
//! layout does. EL1 also means the program's `mrs` of ID registers, `CNTVCT_EL0` and `TPIDR_EL0` just
//! work; FP/SIMD needs `CPACR_EL1.FPEN` set, which reset leaves clear (every FP/SIMD instruction would
//! be undefined).
//!
//! Exceptions arrive through the interrupt hook by QEMU's numbers: `svc` as [`EXCP_SWI`] with the PC
//! past it (Linux's ELR), undefined instructions as [`EXCP_UDEF`] and `brk` as [`EXCP_BKPT`] with the PC
//! at the instruction.
//!
//! # The counter
//!
//! `CNTVCT_EL0` reads QEMU's virtual clock, which unicorn takes from the host's `CLOCK_MONOTONIC`, in
//! ticks of [`GTIMER_PERIOD_NS`] ns (QEMU's `GTIMER_SCALE`; `CNTFRQ_EL0` = 62.5 MHz), rounded down:
//! `CNTVCT = monotonic ns / 16`. The vdso timekeeping (`crate::vdso`) is computed for exactly that.

use crate::cpu::{self, reg, reg128, set, set128, Uc};
use arch_arm64::abi::{esr, PSR_NZCV};
use arch_arm64::frame::{Arm64Thread, FpSimdState, TrapFrame};
use arch_arm64::Arm64Cpu;
use unicorn_engine::{Arch, Arm64CpuModel, Mode, Prot, RegisterARM64, RegisterARM64CP};

/// QEMU's `EXCP_UDEF`: an undefined instruction (also an FP/SIMD access trap).
pub const EXCP_UDEF: u32 = 1;
/// QEMU's `EXCP_SWI`: `svc`.
pub const EXCP_SWI: u32 = 2;
/// QEMU's `EXCP_PREFETCH_ABORT`: an instruction abort the memory hooks did not see.
pub const EXCP_PREFETCH_ABORT: u32 = 3;
/// QEMU's `EXCP_DATA_ABORT`: a data abort the memory hooks did not see (alignment, address size).
pub const EXCP_DATA_ABORT: u32 = 4;
/// QEMU's `EXCP_BKPT`: `brk`.
pub const EXCP_BKPT: u32 = 7;

/// The generic timer's tick in ns (QEMU's `GTIMER_SCALE`): `CNTFRQ_EL0` = 1e9 / 16 = 62.5 MHz.
pub const GTIMER_PERIOD_NS: u64 = 16;
/// The generic timer's frequency (`CNTFRQ_EL0`).
pub const CNTFRQ: u64 = 1_000_000_000 / GTIMER_PERIOD_NS;

/// `CPACR_EL1.FPEN` = 0b11: no FP/SIMD trap at EL0 or EL1.
const CPACR_FPEN: u64 = 3 << 20;

/// Where [`clear_exclusive`] executes its `clrex`: one harness-private page, mapped in the engine but not
/// in the guest's `VmMap` (no system call sees it), above every guest mapping and below 2^44.
const CLREX_PAGE: u64 = 0x0fff_fff0_0000;
/// `clrex` (`CLREX #15`).
const CLREX: u32 = 0xd503_305f;

const X0: i32 = RegisterARM64::X0 as i32;
const V0: i32 = RegisterARM64::V0 as i32;

/// A system register by its encoding (`op0, op1, CRn, CRm, op2`).
fn sysreg(op0: u32, op1: u32, crn: u32, crm: u32, op2: u32) -> RegisterARM64CP {
    RegisterARM64CP { crn, crm, op0, op1, op2, val: 0 }
}

/// Reads a system register (0 if the model does not have it).
fn read_sysreg(uc: &Uc, mut r: RegisterARM64CP) -> u64 {
    match uc.reg_read_arm64_coproc(&mut r) {
        Ok(()) => r.val,
        Err(_) => 0,
    }
}

/// Creates the engine: the `max` CPU, the hooks, FP/SIMD enabled, and the private `clrex` page.
pub fn new_engine() -> Result<Uc, String> {
    let mut uc = cpu::new_engine(
        Arch::ARM64,
        Mode::ARM,
        Arm64CpuModel::MAX as i32,
        RegisterARM64::PC as i32,
        "AArch64 max",
    )?;
    // Through the system-register interface rather than UC_ARM64_REG_CPACR_EL1: that path rebuilds the
    // cached translation flags, where the FP enable lives.
    let cpacr = sysreg(3, 0, 1, 0, 2);
    let mut r = cpacr;
    r.val = read_sysreg(&uc, cpacr) | CPACR_FPEN;
    uc.reg_write_arm64_coproc(&r).map_err(|e| format!("cannot enable FP/SIMD (CPACR_EL1): {e:?}"))?;
    uc.mem_map(CLREX_PAGE, crate::vm::PAGE, Prot::READ | Prot::EXEC)
        .map_err(|e| format!("cannot map the clrex page: {e:?}"))?;
    uc.mem_write(CLREX_PAGE, &CLREX.to_le_bytes())
        .map_err(|e| format!("cannot write the clrex page: {e:?}"))?;
    Ok(uc)
}

/// What the kernel knows about the emulated CPU: its ID registers, read from the model as FreeBSD reads
/// them at boot, so that `AT_HWCAP`/`AT_HWCAP2` (arch-arm64's `hwcap` table) advertise exactly what the
/// emulation implements. No timer event stream is generated (`HWCAP_EVTSTRM` off); ID register reads
/// by the program work (it runs at EL1), which is what `HWCAP_CPUID` promises.
pub fn describe(uc: &Uc) -> Arm64Cpu {
    let id = |crm, op2| read_sysreg(uc, sysreg(3, 0, 0, crm, op2));
    Arm64Cpu {
        midr: id(0, 0),
        id_aa64pfr0: id(4, 0),
        id_aa64pfr1: id(4, 1),
        id_aa64zfr0: id(4, 4),
        id_aa64smfr0: id(4, 5),
        id_aa64isar0: id(6, 0),
        id_aa64isar1: id(6, 1),
        id_aa64isar2: id(6, 2),
        id_aa64mmfr0: id(7, 0),
        id_aa64mmfr1: id(7, 1),
        id_aa64mmfr2: id(7, 2),
        event_stream: false,
        mrs_emulation: true,
    }
}

/// The trap frame as the kernel would have saved it at an `svc`: x0..x30, sp, the return address
/// (past the `svc`), the user PSTATE (EL0t with the condition flags) and the `svc`'s syndrome.
pub fn read_frame(uc: &Uc) -> TrapFrame {
    let mut f = TrapFrame::default();
    for (i, r) in f.tf_x.iter_mut().enumerate().take(29) {
        *r = reg(uc, X0 + i as i32);
    }
    f.tf_x[29] = reg(uc, RegisterARM64::X29 as i32);
    f.tf_lr = reg(uc, RegisterARM64::X30 as i32);
    f.tf_sp = reg(uc, RegisterARM64::SP as i32);
    f.tf_elr = reg(uc, RegisterARM64::PC as i32);
    f.tf_spsr = reg(uc, RegisterARM64::NZCV as i32) & PSR_NZCV;
    f.tf_esr = (esr::EC_SVC64 << esr::EC_SHIFT) | esr::IL;
    f
}

/// x`n` for n in 0..=30.
fn x_id(n: usize) -> i32 {
    match n {
        29 => RegisterARM64::X29 as i32,
        30 => RegisterARM64::X30 as i32,
        _ => X0 + n as i32,
    }
}

/// Writes back the registers of `new` that differ from `old` (cheap after a syscall). Only the
/// condition flags of the PSTATE are the program's; the CPU keeps running at EL1.
pub fn write_frame_delta(uc: &mut Uc, old: &TrapFrame, new: &TrapFrame) {
    for n in 0..=30 {
        if old.x(n) != new.x(n) {
            set(uc, x_id(n), new.x(n));
        }
    }
    if old.tf_sp != new.tf_sp {
        set(uc, RegisterARM64::SP as i32, new.tf_sp);
    }
    if old.tf_elr != new.tf_elr {
        set(uc, RegisterARM64::PC as i32, new.tf_elr);
    }
    if (old.tf_spsr ^ new.tf_spsr) & PSR_NZCV != 0 {
        set(uc, RegisterARM64::NZCV as i32, new.tf_spsr & PSR_NZCV);
    }
}

/// The whole thread state: frame, the 32 V registers, FPSR, FPCR and TPIDR_EL0. The emulator cannot
/// tell whether the program used FP/SIMD, so it is reported used (signal frames then always carry it).
pub fn read_thread(uc: &Uc) -> Arm64Thread {
    let mut fpsimd = FpSimdState {
        fpsr: reg(uc, RegisterARM64::FPSR as i32) as u32,
        fpcr: reg(uc, RegisterARM64::FPCR as i32) as u32,
        used: true,
        ..FpSimdState::default()
    };
    for (i, v) in fpsimd.vregs.iter_mut().enumerate() {
        let [lo, hi] = reg128(uc, V0 + i as i32);
        *v = (u128::from(hi) << 64) | u128::from(lo);
    }
    Arm64Thread {
        frame: read_frame(uc),
        fpsimd,
        tpidr_el0: reg(uc, RegisterARM64::TPIDR_EL0 as i32),
        ..Arm64Thread::default()
    }
}

/// Loads a whole thread state into the CPU.
pub fn write_thread(uc: &mut Uc, t: &Arm64Thread) {
    let f = &t.frame;
    for n in 0..=30 {
        set(uc, x_id(n), f.x(n));
    }
    set(uc, RegisterARM64::SP as i32, f.tf_sp);
    set(uc, RegisterARM64::PC as i32, f.tf_elr);
    set(uc, RegisterARM64::NZCV as i32, f.tf_spsr & PSR_NZCV);
    for (i, v) in t.fpsimd.vregs.iter().enumerate() {
        set128(uc, V0 + i as i32, [*v as u64, (*v >> 64) as u64]);
    }
    set(uc, RegisterARM64::FPSR as i32, u64::from(t.fpsimd.fpsr));
    set(uc, RegisterARM64::FPCR as i32, u64::from(t.fpsimd.fpcr));
    set(uc, RegisterARM64::TPIDR_EL0 as i32, t.tpidr_el0);
}

/// Clears the exclusive monitor, as an exception return does on every context switch: a thread
/// preempted between its `ldxr` and `stxr` must see its `stxr` fail when it runs again. Unicorn exposes
/// no register for the monitor, so this runs one `clrex` on the private page; it clobbers the PC, which
/// the caller then overwrites with the next thread's registers.
pub fn clear_exclusive(uc: &mut Uc) {
    let _ = cpu::run_from(uc, CLREX_PAGE, CLREX_PAGE + 4, 0);
}
