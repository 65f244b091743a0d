//! The machine state the arm64 hooks work on.
//!
//! [`TrapFrame`] has exactly the layout of FreeBSD/arm64's `struct trapframe` (`machine/frame.h`: 288
//! bytes, x30 kept apart as `tf_lr`), so the kernel glue can hand `td->td_frame` to the hooks as it is.
//! [`FpSimdState`] is the FP/SIMD register file as values (the glue converts from and to FreeBSD's
//! `struct vfpstate` in the pcb, whose `vfp_fpcr` comes before `vfp_fpsr`).

use crate::abi::{esr, USER_VA_END};

/// FreeBSD/arm64 `struct trapframe` (288 bytes).
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct TrapFrame {
    /// SP_EL0: the user stack pointer.
    pub tf_sp: u64,
    /// x30, the link register.
    pub tf_lr: u64,
    /// ELR_EL1: the user PC to return to.
    pub tf_elr: u64,
    /// SPSR_EL1: the user PSTATE to return with.
    pub tf_spsr: u64,
    /// ESR_EL1 of the exception that entered the kernel.
    pub tf_esr: u64,
    /// FAR_EL1 of the exception that entered the kernel.
    pub tf_far: u64,
    /// x0..x29.
    pub tf_x: [u64; 30],
}

impl TrapFrame {
    /// General register `n` (x0..x30, x30 being `tf_lr`); 0 for any other `n`.
    pub fn x(&self, n: usize) -> u64 {
        if n == 30 {
            self.tf_lr
        } else {
            self.tf_x.get(n).copied().unwrap_or(0)
        }
    }

    /// Sets general register `n` (x0..x30); any other `n` is ignored.
    pub fn set_x(&mut self, n: usize, v: u64) {
        if n == 30 {
            self.tf_lr = v;
        } else if let Some(r) = self.tf_x.get_mut(n) {
            *r = v;
        }
    }
}

/// The FP/SIMD register file: V0..V31, FPSR, FPCR.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct FpSimdState {
    /// V0..V31 as 128-bit values.
    pub vregs: [u128; 32],
    /// FPSR.
    pub fpsr: u32,
    /// FPCR.
    pub fpcr: u32,
    /// Whether the thread has used the FP/SIMD unit (FreeBSD `PCB_FP_STARTED`): when clear the values
    /// are not live, and a signal frame records the initial (all-zero) state.
    pub used: bool,
}

/// Everything a signal frame saves and restores for one thread, plus what Linux keeps in
/// `thread_struct` about the last fault.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Arm64Thread {
    /// The trap frame.
    pub frame: TrapFrame,
    /// FP/SIMD state.
    pub fpsimd: FpSimdState,
    /// The address of the last fault delivered as a signal (Linux `thread.fault_address`): every
    /// signal frame reports it in `sigcontext.fault_address`.
    pub fault_address: u64,
    /// The sanitized ESR of the last fault delivered as a signal (Linux `thread.fault_code`): while it is
    /// non-zero every signal frame carries an `esr_context` record, as on Linux.
    pub fault_code: u64,
    /// TPIDR_EL0, the thread pointer (kept in FreeBSD's pcb, not the trap frame).
    pub tpidr_el0: u64,
}

impl Arm64Thread {
    /// Records a fault that is about to be delivered as a signal (Linux `set_thread_esr`): the address,
    /// and the ESR as a program may see it. For a kernel (TTBR1) address the ESR is sanitized into a
    /// level-0 translation fault, keeping only what the program already knows (class, length, and for a
    /// data abort cache-maintenance and write bits); an ESR that is neither an instruction nor a data
    /// abort from EL0 is then dropped (no `esr_context`). Tag bits (63..56) do not make an address a
    /// kernel one.
    pub fn record_fault(&mut self, address: u64, esr_value: u64) {
        self.fault_address = address;
        let untagged = address & !(0xff << 56);
        let code = if untagged < USER_VA_END {
            esr_value
        } else {
            match (esr_value & esr::EC_MASK) >> esr::EC_SHIFT {
                esr::EC_DABT_LOW => {
                    (esr_value & (esr::EC_MASK | esr::IL | esr::CM | esr::WNR)) | esr::FSC_FAULT
                }
                esr::EC_IABT_LOW => (esr_value & (esr::EC_MASK | esr::IL)) | esr::FSC_FAULT,
                _ => 0,
            }
        };
        self.fault_code = code;
    }
}
