//! The machine state the powerpc64 hooks work on.
//!
//! [`TrapFrame`] has exactly the layout of FreeBSD/powerpc64's `struct trapframe` (`machine/frame.h`), so
//! the kernel glue can hand `td->td_frame` to the hooks as it is; the freebsd-sys layout tests compare
//! the two. [`VectorState`] is the floating-point, AltiVec and VSX state as register values (the glue
//! converts from and to the `pcb_fpu`/`pcb_vec` save areas).

/// FreeBSD/powerpc64 `struct trapframe` (336 bytes).
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct TrapFrame {
    /// r0..r31.
    pub fixreg: [u64; 32],
    /// Link register.
    pub lr: u64,
    /// Condition register (low 32 bits).
    pub cr: u64,
    /// Fixed-point exception register.
    pub xer: u64,
    /// Count register.
    pub ctr: u64,
    /// SRR0: the user NIP to return to.
    pub srr0: u64,
    /// SRR1: the user MSR to return with.
    pub srr1: u64,
    /// The exception vector that entered the kernel (0xc00 for `sc`).
    pub exc: u64,
    /// DAR, filled on a data storage interrupt.
    pub dar: u64,
    /// DSISR, filled on a data storage interrupt (`cpu.aim.dsisr`).
    pub dsisr: u64,
    /// The rest of the `cpu` union (`booke.dbcr0`), unused on server CPUs.
    pub booke_dbcr0: u64,
}

/// MSR bits the hooks care about (FreeBSD `machine/psl.h`; the same bits as Linux `asm/reg.h`).
pub mod msr {
    /// Little-endian mode: the only bit a signal frame may change.
    pub const LE: u64 = 0x0000_0000_0000_0001;
    /// Problem state (user mode).
    pub const PR: u64 = 0x0000_0000_0000_4000;
    /// Floating point available.
    pub const FP: u64 = 0x0000_0000_0000_2000;
    /// External interrupts enabled.
    pub const EE: u64 = 0x0000_0000_0000_8000;
    /// Machine check enable.
    pub const ME: u64 = 0x0000_0000_0000_1000;
    /// FP exception mode 0.
    pub const FE0: u64 = 0x0000_0000_0000_0800;
    /// FP exception mode 1.
    pub const FE1: u64 = 0x0000_0000_0000_0100;
    /// Instruction relocation.
    pub const IR: u64 = 0x0000_0000_0000_0020;
    /// Data relocation.
    pub const DR: u64 = 0x0000_0000_0000_0010;
    /// Recoverable interrupt.
    pub const RI: u64 = 0x0000_0000_0000_0002;
    /// AltiVec available; in a signal frame, "v_regs holds valid VMX state".
    pub const VEC: u64 = 0x0000_0000_0200_0000;
    /// VSX available; in a signal frame, "the VSX low doublewords are valid".
    pub const VSX: u64 = 0x0000_0000_0080_0000;
    /// 64-bit mode.
    pub const SF: u64 = 0x8000_0000_0000_0000;
    /// Hypervisor state.
    pub const HV: u64 = 0x1000_0000_0000_0000;
}

/// CR0's summary-overflow bit: set on a failed system call.
pub const CR0_SO: u64 = 0x1000_0000;

bitflags::bitflags! {
    /// Which register files the thread has used (FreeBSD `PCB_FPU`, `PCB_VEC`, `PCB_VSX`).
    #[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
    pub struct UnitsUsed: u8 {
        /// Floating point.
        const FP = 1;
        /// AltiVec.
        const VEC = 2;
        /// VSX.
        const VSX = 4;
    }
}

/// Floating-point, AltiVec and VSX registers as values.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct VectorState {
    /// FPR0..31 (doubleword 0 of VSR0..31).
    pub fpr: [u64; 32],
    /// Doubleword 1 of VSR0..31.
    pub vsr_low: [u64; 32],
    /// FPSCR.
    pub fpscr: u64,
    /// VR0..31 (VSR32..63), as 128-bit register values.
    pub vr: [u128; 32],
    /// VSCR.
    pub vscr: u32,
    /// VRSAVE.
    pub vrsave: u32,
    /// Which parts hold live state.
    pub used: UnitsUsed,
}

/// Everything a signal frame saves and restores for one thread.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Ppc64Thread {
    /// The trap frame.
    pub frame: TrapFrame,
    /// FP/vector state.
    pub vector: VectorState,
    /// r3 as it was when the current (or last) system call was entered: Linux's `orig_gpr3`.
    pub orig_gpr3: u64,
}
