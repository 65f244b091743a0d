//! Thread states and signal deliveries drawn from the fuzz input.

use crate::input::Input;
use arch_arm64::frame::{Arm64Thread, FpSimdState, TrapFrame as ArmFrame};
use arch_ppc64::frame::{msr, Ppc64Thread, TrapFrame as PpcFrame, UnitsUsed, VectorState};
use arch_ppc64::Ppc64Cpu;
use linux_core::hooks::SignalDelivery;
use linux_core::signal::{ss_flags, AltStack, LinuxSignal, LinuxSigset, SaFlags, SigInfo, SigInfoFields};

/// A register value: from the input, or (in pattern mode) a distinct, recognisable value per register,
/// so that the provenance check can tell every register from every other and from zero.
pub struct Values<'i, 'a> {
    inp: &'i mut Input<'a>,
    pattern: bool,
    next: u64,
}

impl<'i, 'a> Values<'i, 'a> {
    /// Values from `inp`; the input's next byte chooses pattern mode.
    pub fn new(inp: &'i mut Input<'a>) -> Self {
        let pattern = inp.u8() & 1 != 0;
        Self { inp, pattern, next: 0 }
    }

    /// The next 64-bit value.
    pub fn u64(&mut self) -> u64 {
        self.next += 1;
        if self.pattern {
            0x5a5a_0000_0000_0000 | (self.next << 20) | 0x0000_0000_000b_eef0 | (self.next & 0xf)
        } else {
            self.inp.u64()
        }
    }

    /// The next 32-bit value.
    pub fn u32(&mut self) -> u32 {
        self.next += 1;
        if self.pattern {
            0x3c00_0000 | ((self.next as u32) << 8) | 0x5a
        } else {
            self.inp.u32()
        }
    }

    /// The next 128-bit value.
    pub fn u128(&mut self) -> u128 {
        (u128::from(self.u64()) << 64) | u128::from(self.u64())
    }

    /// The input behind the values.
    pub fn input(&mut self) -> &mut Input<'a> {
        self.inp
    }
}

/// A powerpc64 thread: registers from the input (or the pattern), an MSR that is the kernel's user MSR
/// in either byte order plus input bits, and input-chosen units in use.
pub fn ppc_thread(inp: &mut Input<'_>) -> Ppc64Thread {
    let mut v = Values::new(inp);
    let mut f = PpcFrame::default();
    for r in f.fixreg.iter_mut() {
        *r = v.u64();
    }
    f.lr = v.u64();
    f.cr = v.u64();
    f.xer = v.u64();
    f.ctr = v.u64();
    f.srr0 = v.u64();
    f.exc = v.u64();
    f.dar = v.u64();
    f.dsisr = v.u64();
    f.booke_dbcr0 = v.u64();
    let mut vec = VectorState::default();
    for r in vec.fpr.iter_mut() {
        *r = v.u64();
    }
    for r in vec.vsr_low.iter_mut() {
        *r = v.u64();
    }
    vec.fpscr = v.u64();
    for r in vec.vr.iter_mut() {
        *r = v.u128();
    }
    vec.vscr = v.u32();
    vec.vrsave = v.u32();
    let orig_gpr3 = v.u64();
    let inp = v.input();
    let msr_mode = inp.u8();
    f.srr1 = match msr_mode & 3 {
        0 => Ppc64Cpu::POWER9.user_msr,
        1 => Ppc64Cpu::POWER9.user_msr | msr::LE,
        2 => Ppc64Cpu::POWER9.user_msr | msr::FP | msr::VEC | msr::VSX | (u64::from(msr_mode >> 7) * msr::LE),
        _ => inp.u64(),
    };
    vec.used = UnitsUsed::from_bits_truncate(inp.u8());
    Ppc64Thread { frame: f, vector: vec, orig_gpr3 }
}

/// An arm64 thread: registers from the input (or the pattern), a PSTATE that is a user one (EL0t with
/// input flags) or anything, and an input-chosen fault record.
pub fn arm_thread(inp: &mut Input<'_>) -> Arm64Thread {
    let mut v = Values::new(inp);
    let mut f = ArmFrame::default();
    for r in f.tf_x.iter_mut() {
        *r = v.u64();
    }
    f.tf_lr = v.u64();
    f.tf_sp = v.u64();
    f.tf_elr = v.u64();
    f.tf_esr = v.u64();
    f.tf_far = v.u64();
    let mut fp = FpSimdState::default();
    for r in fp.vregs.iter_mut() {
        *r = v.u128();
    }
    fp.fpsr = v.u32();
    fp.fpcr = v.u32();
    let fault_address = v.u64();
    let fault_code = v.u64();
    let tpidr_el0 = v.u64();
    let inp = v.input();
    let mode = inp.u8();
    f.tf_spsr = match mode & 3 {
        // NZCV, SSBS, TCO, DIT and BTYPE in any combination: a PSTATE EL0 code can have.
        0 | 1 => u64::from(inp.u32()) & 0xf300_1c00,
        2 => 0,
        _ => inp.u64(),
    };
    fp.used = mode & 4 != 0;
    let (fault_address, fault_code) = if mode & 8 != 0 { (fault_address, fault_code) } else { (0, 0) };
    Arm64Thread { frame: f, fpsimd: fp, fault_address, fault_code, tpidr_el0 }
}

/// Where the targets put things in the simulated address space.
pub mod layout {
    /// The main stack: [`STACK`, `STACK + STACK_PAGES * 4096`).
    pub const STACK: u64 = 0x7fff_f000_0000;
    /// Pages of the main stack.
    pub const STACK_PAGES: u64 = 5;
    /// The alternate signal stack region.
    pub const ALT: u64 = 0x7ffe_0000_0000;
    /// Pages of the alternate stack region.
    pub const ALT_PAGES: u64 = 2;
    /// A page holding ELFv1 function descriptors.
    pub const CODE: u64 = 0x1000_0000;
}

/// A signal delivery drawn from the input: any signal, siginfo, flags and mask; a handler and an
/// alternate stack that are either plausible (inside the mapped regions) or anything.
pub fn delivery(inp: &mut Input<'_>) -> SignalDelivery {
    let signal = LinuxSignal::new(1 + u64::from(inp.u8() % 64)).unwrap_or(LinuxSignal::SIGSEGV);
    let kind = inp.u8();
    let (signo, errno, code) = (inp.u32() as i32, inp.u32() as i32, inp.u32() as i32);
    let fields = match kind % 7 {
        0 => SigInfoFields::None,
        1 => SigInfoFields::Kill { pid: inp.u32() as i32, uid: inp.u32() },
        2 => SigInfoFields::Rt { pid: inp.u32() as i32, uid: inp.u32(), value: inp.u64() },
        3 => SigInfoFields::Child {
            pid: inp.u32() as i32,
            uid: inp.u32(),
            status: inp.u32() as i32,
            utime: inp.u64() as i64,
            stime: inp.u64() as i64,
        },
        4 => SigInfoFields::Fault { addr: inp.u64() },
        _ => SigInfoFields::Poll { band: inp.u64() as i64, fd: inp.u32() as i32 },
    };
    let info = SigInfo { signo, errno, code, fields };
    let handler = if kind & 0x80 != 0 { inp.u64() } else { layout::CODE + u64::from(inp.u16() % 4096) };
    let flags = SaFlags::from_bits_retain(u64::from(inp.u32()));
    let saved_mask = LinuxSigset(inp.u64());
    let alt_mode = inp.u8();
    let altstack = match alt_mode & 3 {
        0 => AltStack::default(),
        1 | 2 => AltStack {
            sp: layout::ALT + u64::from(inp.u16() % 64) * 16,
            size: u64::from(inp.u16()) % (layout::ALT_PAGES * 4096 + 1),
            flags: if alt_mode & 4 != 0 { ss_flags::SS_AUTODISARM } else { 0 },
        },
        _ => AltStack { sp: inp.u64(), size: inp.u64(), flags: inp.u32() as i32 },
    };
    let trampoline = inp.u64();
    SignalDelivery { signal, info, handler, flags, saved_mask, altstack, trampoline }
}
