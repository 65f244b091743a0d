//! The emulator, whatever the guest CPU: the unicorn engine with the hooks every architecture installs
//! (an interrupt hook and an invalid-memory hook that stop it), the run loop step [`run_for`], the
//! guest's memory map mirrored into unicorn regions ([`map`], [`unmap`], [`protect`]), [`UcMem`] (the
//! fault-checked `UserMemory` over it) and register access helpers. The CPU models and the moves
//! between their registers and the arch crates' thread state are in `crate::arch`.
//!
//! Every entry into the "kernel" stops the emulator: a system call or a CPU exception arrives through
//! the interrupt hook with the architecture's interrupt number (`crate::arch::GuestArch::trap` says what
//! it means); a bad memory access through the invalid-memory hook with its address.

use crate::vm::{VmMap, PROT_EXEC, PROT_READ, PROT_WRITE};
use linux_core::errno::LinuxErrno;
use linux_core::uaccess::{CasOutcome, UserAddr, UserAtomics, UserMemory};
use unicorn_engine::{Arch, HookType, MemType, Mode, Prot, Unicorn};

/// Why the emulator stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// A CPU interrupt or exception, by the architecture's number (ppc64 `sc` = 8, arm64 `svc` = 2).
    Interrupt(u32),
    /// An access to unmapped or protected memory.
    MemFault {
        /// Read, write or fetch; unmapped or protection.
        kind: MemType,
        /// The faulting address.
        addr: u64,
    },
    /// Stopped from outside (a host signal arrived) or the time slice ran out.
    Async,
    /// Unicorn reported another error.
    Error(unicorn_engine::uc_error),
}

/// The per-engine data: the address space and what the hooks saw.
#[derive(Default)]
pub struct Guest {
    /// The guest address space (mirrored into unicorn regions).
    pub vm: VmMap,
    /// Unicorn's id of the PC register (`Unicorn::pc_read` asks unicorn for the mode, which it refuses
    /// for PPC64 big-endian).
    pc_reg: i32,
    intr: Option<u32>,
    fault: Option<(MemType, u64)>,
}

/// The emulator.
pub type Uc = Unicorn<'static, Guest>;

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

/// Creates an engine of `arch`/`mode` and CPU `model` (set before anything initialises the CPU) whose
/// interrupt and invalid-memory hooks record what happened and stop it. `pc_reg` is the PC's register
/// id; `what` names the model for the error message.
pub fn new_engine(arch: Arch, mode: Mode, model: i32, pc_reg: i32, what: &str) -> Result<Uc, String> {
    let guest = Guest { pc_reg, ..Guest::default() };
    let mut uc = Unicorn::new_with_data(arch, mode, guest)
        .map_err(|e| format!("cannot create the unicorn engine: {e:?}"))?;
    uc.ctl_set_cpu_model(model).map_err(|e| format!("unicorn refuses the {what} model: {e:?}"))?;
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
    Ok(uc)
}

/// Runs the guest from its current PC until something needs the kernel or, when `count` is not 0,
/// until `count` instructions have run (then [`Stop::Async`], the PC at the next instruction): the
/// time slice of a guest thread. Unicorn counts through a code hook that it keeps once installed, so
/// a program pays for counting only after it first has two runnable threads.
pub fn run_for(uc: &mut Uc, count: usize) -> Stop {
    let pc = pc(uc);
    run_from(uc, pc, u64::MAX, count)
}

/// Runs from `pc` until `until` (exclusive), a stop, or `count` instructions (0: no limit).
pub fn run_from(uc: &mut Uc, pc: u64, until: u64, count: usize) -> Stop {
    {
        let d = uc.get_data_mut();
        d.intr = None;
        d.fault = None;
    }
    let r = uc.emu_start(pc, until, 0, count);
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

/// A register up to 64 bits (0 if unicorn refuses it).
pub fn reg(uc: &Uc, id: i32) -> u64 {
    uc.reg_read(id).unwrap_or(0)
}

/// Sets a register up to 64 bits.
pub fn set(uc: &mut Uc, id: i32, v: u64) {
    let _ = uc.reg_write(id, v);
}

/// A 128-bit register as the two 64-bit words unicorn stores for it, in its order (ppc64 VSRs: the
/// most significant doubleword first; arm64 V registers: the least significant first).
pub fn reg128(uc: &Uc, id: i32) -> [u64; 2] {
    let mut v = [0u64; 2];
    // SAFETY: unicorn writes exactly 16 bytes (two uint64_t) for the 128-bit register ids the callers
    // pass (UC_PPC_REG_VSR*, UC_ARM64_REG_V*), and `v` is 16 writable bytes for the duration of the call.
    let r = unsafe { unicorn_engine_sys::uc_reg_read(uc.get_handle(), id, v.as_mut_ptr().cast()) };
    if r != unicorn_engine::uc_error::OK {
        return [0; 2];
    }
    v
}

/// Sets a 128-bit register from two 64-bit words in unicorn's order (see [`reg128`]).
pub fn set128(uc: &mut Uc, id: i32, v: [u64; 2]) {
    // SAFETY: unicorn reads exactly 16 bytes (two uint64_t) for the 128-bit register ids the callers
    // pass, and `v` lives for the duration of the call.
    let _ = unsafe { unicorn_engine_sys::uc_reg_write(uc.get_handle(), id, v.as_ptr().cast()) };
}

/// The current PC.
pub fn pc(uc: &Uc) -> u64 {
    reg(uc, uc.get_data().pc_reg)
}

/// Sets the PC.
pub fn set_pc(uc: &mut Uc, pc: u64) {
    let id = uc.get_data().pc_reg;
    set(uc, id, pc);
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
