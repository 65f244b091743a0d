//! The emulated CPU: a unicorn POWER9 in 64-bit real mode with MSR[HV] (translation off, so guest
//! addresses are emulator "physical" addresses), plus the moves between its registers and the
//! arch-ppc64 [`Ppc64Thread`] the hooks work on, and [`UcMem`], the fault-checked `UserMemory` over it.
//!
//! Every entry into the "kernel" stops the emulator: `sc` arrives as interrupt 8 with the PC already past
//! it; illegal instructions as 96 (the CPU runs hypervisor state), traps as 6, alignment as 5; a bad
//! memory access through the invalid-memory hook with its address.

use crate::vm::{VmMap, PROT_EXEC, PROT_READ, PROT_WRITE};
use arch_ppc64::frame::{msr, Ppc64Thread, TrapFrame, UnitsUsed};
use arch_ppc64::Ppc64Cpu;
use linux_core::errno::LinuxErrno;
use linux_core::uaccess::{CasOutcome, UserAddr, UserAtomics, UserMemory};
use unicorn_engine::{Arch, HookType, MemType, Mode, Ppc64CpuModel, Prot, RegisterPPC, Unicorn};

/// Why the emulator stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// A CPU interrupt (`sc` = 8).
    Interrupt(u32),
    /// An access to unmapped or protected memory.
    MemFault {
        /// Read, write or fetch; unmapped or protection.
        kind: MemType,
        /// The faulting address.
        addr: u64,
    },
    /// Stopped from outside (a host signal arrived).
    Async,
    /// Unicorn reported another error.
    Error(unicorn_engine::uc_error),
}

/// The per-engine data: the address space and what the hooks saw.
#[derive(Default)]
pub struct Guest {
    /// The guest address space (mirrored into unicorn regions).
    pub vm: VmMap,
    intr: Option<u32>,
    fault: Option<(MemType, u64)>,
}

/// The emulator.
pub type Uc = Unicorn<'static, Guest>;

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

/// Unicorn's access bits for Linux `PROT_*` bits. Data stays non-executable (faster stores, and
/// executing it faults as on real hardware).
pub fn uc_prot(prot: u32) -> Prot {
    let mut p = Prot::NONE;
    if prot & (PROT_READ | PROT_WRITE | PROT_EXEC) != 0 {
        p |= Prot::READ;
    }
    if prot & PROT_WRITE != 0 {
        p |= Prot::WRITE;
    }
    if prot & PROT_EXEC != 0 {
        p |= Prot::EXEC;
    }
    p
}

/// Creates a POWER9 engine with the hooks installed and the MSR set for the byte order.
pub fn new_engine(little_endian: bool) -> Result<Uc, String> {
    let mut uc = Unicorn::new_with_data(Arch::PPC, Mode::PPC64 | Mode::BIG_ENDIAN, Guest::default())
        .map_err(|e| format!("cannot create the unicorn engine: {e:?}"))?;
    uc.ctl_set_cpu_model(Ppc64CpuModel::POWER9_V2_0 as i32).map_err(|e| {
        format!("unicorn refuses the POWER9 model: {e:?} (is target/unicorn-patched patched?)")
    })?;
    uc.add_intr_hook(|uc, intno| {
        uc.get_data_mut().intr = Some(intno);
        let _ = uc.emu_stop();
    })
    .map_err(|e| format!("cannot add the interrupt hook: {e:?}"))?;
    uc.add_mem_hook(HookType::MEM_INVALID, 1, 0, |uc, kind, addr, _size, _value| {
        uc.get_data_mut().fault = Some((kind, addr));
        false
    })
    .map_err(|e| format!("cannot add the memory hook: {e:?}"))?;
    set_msr(&mut uc, little_endian);
    Ok(uc)
}

/// Sets the run MSR with MSR[LE] as given.
pub fn set_msr(uc: &mut Uc, little_endian: bool) {
    let _ = uc.reg_write(RegisterPPC::MSR, RUN_MSR | if little_endian { msr::LE } else { 0 });
}

/// Runs the guest from its current PC until something needs the kernel or, when `count` is not 0,
/// until `count` instructions have run (then [`Stop::Async`], the PC at the next instruction): the
/// time slice of a guest thread. Unicorn counts through a code hook that it keeps once installed, so
/// a program pays for counting only after it first has two runnable threads.
pub fn run_for(uc: &mut Uc, count: usize) -> Stop {
    let pc = reg(uc, RegisterPPC::PC as i32);
    {
        let d = uc.get_data_mut();
        d.intr = None;
        d.fault = None;
    }
    let r = uc.emu_start(pc, u64::MAX, 0, count);
    let d = uc.get_data_mut();
    if let Some((kind, addr)) = d.fault.take() {
        return Stop::MemFault { kind, addr };
    }
    if let Some(n) = d.intr.take() {
        return Stop::Interrupt(n);
    }
    match r {
        Ok(()) => Stop::Async,
        Err(e) => Stop::Error(e),
    }
}

fn reg(uc: &Uc, id: i32) -> u64 {
    uc.reg_read(id).unwrap_or(0)
}

fn set(uc: &mut Uc, id: i32, v: u64) {
    let _ = uc.reg_write(id, v);
}

/// A 128-bit register (VSR) as its two doublewords, most significant first.
fn reg128(uc: &Uc, id: i32) -> [u64; 2] {
    let mut v = [0u64; 2];
    // SAFETY: the patched unicorn writes exactly 16 bytes (two uint64_t) for UC_PPC_REG_VSR*, and `v`
    // is 16 writable bytes for the duration of the call.
    let r = unsafe { unicorn_engine_sys::uc_reg_read(uc.get_handle(), id, v.as_mut_ptr().cast()) };
    if r != unicorn_engine::uc_error::OK {
        return [0; 2];
    }
    v
}

fn set128(uc: &mut Uc, id: i32, v: [u64; 2]) {
    // SAFETY: the patched unicorn reads exactly 16 bytes (two uint64_t) for UC_PPC_REG_VSR*, and `v`
    // lives for the duration of the call.
    let _ = unsafe { unicorn_engine_sys::uc_reg_write(uc.get_handle(), id, v.as_ptr().cast()) };
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

/// The current PC.
pub fn pc(uc: &Uc) -> u64 {
    reg(uc, RegisterPPC::PC as i32)
}

/// Sets the PC.
pub fn set_pc(uc: &mut Uc, pc: u64) {
    set(uc, RegisterPPC::PC as i32, pc);
}

/// Fault-checked user memory over the emulator: checks the [`VmMap`] protections, then copies.
pub struct UcMem<'u>(pub &'u mut Uc);

impl UserMemory for UcMem<'_> {
    fn copy_in(&self, src: UserAddr, dst: &mut [u8]) -> Result<(), LinuxErrno> {
        if !self.0.get_data().vm.check(src.0, dst.len() as u64, PROT_READ) {
            return Err(LinuxErrno::EFAULT);
        }
        if dst.is_empty() {
            return Ok(());
        }
        self.0.mem_read(src.0, dst).map_err(|_| LinuxErrno::EFAULT)
    }

    fn copy_out(&mut self, dst: UserAddr, src: &[u8]) -> Result<(), LinuxErrno> {
        if !self.0.get_data().vm.check(dst.0, src.len() as u64, PROT_WRITE) {
            return Err(LinuxErrno::EFAULT);
        }
        if src.is_empty() {
            return Ok(());
        }
        self.0.mem_write(dst.0, src).map_err(|_| LinuxErrno::EFAULT)
    }
}

/// A single host thread runs every guest thread, so a read-compare-write is atomic with respect to
/// the guest (linux-core's `futex_atomic_op` builds `FUTEX_WAKE_OP` on it).
impl UserAtomics for UcMem<'_> {
    fn cas_u32(&mut self, addr: UserAddr, expected: [u8; 4], new: [u8; 4]) -> Result<CasOutcome, LinuxErrno> {
        if !addr.is_aligned(4) {
            return Err(LinuxErrno::EINVAL);
        }
        if !self.0.get_data().vm.check(addr.0, 4, PROT_READ | PROT_WRITE) {
            return Err(LinuxErrno::EFAULT);
        }
        let mut now = [0u8; 4];
        self.0.mem_read(addr.0, &mut now).map_err(|_| LinuxErrno::EFAULT)?;
        if now != expected {
            return Ok(CasOutcome::Changed(now));
        }
        self.0.mem_write(addr.0, &new).map_err(|_| LinuxErrno::EFAULT)?;
        Ok(CasOutcome::Swapped)
    }
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
    let _ = uc.emu_start(RESERVATION_PAGE, RESERVATION_PAGE + 4, 0, 0);
    let d = uc.get_data_mut();
    d.intr = None;
    d.fault = None;
}

/// Maps `[start, end)` with `prot` in both the address space and the emulator; the range must be free.
pub fn map(uc: &mut Uc, start: u64, end: u64, prot: u32) -> Result<(), LinuxErrno> {
    uc.mem_map(start, end - start, uc_prot(prot)).map_err(|_| LinuxErrno::ENOMEM)?;
    uc.get_data_mut().vm.insert(start, end, prot);
    Ok(())
}

/// Unmaps whatever is mapped in `[start, end)`.
pub fn unmap(uc: &mut Uc, start: u64, end: u64) {
    let pieces = uc.get_data_mut().vm.remove(start, end);
    for (s, e) in pieces {
        let _ = uc.mem_unmap(s, e - s);
    }
}

/// Changes protections of `[start, end)`; `ENOMEM` if part of it is unmapped.
pub fn protect(uc: &mut Uc, start: u64, end: u64, prot: u32) -> Result<(), LinuxErrno> {
    let pieces = uc.get_data_mut().vm.protect(start, end, prot).ok_or(LinuxErrno::ENOMEM)?;
    for (s, e) in pieces {
        let _ = uc.mem_protect(s, e - s, uc_prot(prot));
    }
    Ok(())
}
