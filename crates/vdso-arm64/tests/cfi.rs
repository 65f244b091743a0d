//! The trampoline's unwind information against a real signal frame: arch-arm64's `sendsig` builds a
//! frame in simulated memory from a thread whose every register holds a distinct value, and evaluating
//! the `.eh_frame` rules (with gimli) at each instruction of the trampoline, the `nop` included, must find
//! the interrupted sp as the CFA, the interrupted pc in the return-address column (96, libgcc's signal
//! frame column) and x0..x30 and d0..d31 where the frame holds them. The FDE must also be reachable
//! through `.eh_frame_hdr`, as unwinders find it, from the handler's return address minus one.

use arch_arm64::frame::Arm64Thread;
use arch_arm64::signal::return_trampoline;
use arch_arm64::{Arm64, Arm64Cpu};
use gimli::{CfaRule, Register, RegisterRule, UnwindContext};
use linux_core::hooks::{SignalDelivery, SignalHooks};
use linux_core::signal::{si_code, AltStack, LinuxSignal, LinuxSigset, SaFlags, SigInfo, SigInfoFields};
use linux_core::sim::{Prot, SimUserMemory};
use vdso_arm64::VDSO;
use vdso_support::test_support::cfi::{evaluate, uint, Rng, Unwind};
use zerocopy::LittleEndian;

const STACK_TOP: u64 = 0x7fff_0000;
/// An interrupted sp that is not 16-aligned: the frame sits below it, rounded.
const SP: u64 = 0x7ffe_f0f8;
const VDSO_BASE: u64 = 0xffff_b7ff_e000;
const HANDLER: u64 = 0x40_2000;
/// libgcc's DWARF_ALT_FRAME_RETURN_COLUMN on aarch64 (AARCH64_DWARF_V0 + 32).
const RA_COLUMN: u16 = 96;

/// A thread interrupted at some point, every register distinct.
fn interrupted() -> Arm64Thread {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let mut t = Arm64Thread::default();
    for x in t.frame.tf_x.iter_mut() {
        *x = r.next_u64();
    }
    t.frame.tf_lr = r.next_u64();
    t.frame.tf_sp = SP;
    t.frame.tf_elr = 0x40_0000 + (r.next_u64() & 0xfffc);
    t.frame.tf_spsr = 0x6000_0000; // EL0t, Z and C
    for v in t.fpsimd.vregs.iter_mut() {
        *v = (u128::from(r.next_u64()) << 64) | u128::from(r.next_u64());
    }
    t.fpsimd.fpsr = 0x10;
    t.fpsimd.fpcr = 0x0300_0000;
    t.fpsimd.used = true;
    t
}

/// Delivers a signal the way the kernel will; returns (the interrupted thread, the handler's sp, memory).
fn deliver() -> (Arm64Thread, u64, SimUserMemory) {
    let arm = Arm64::<LittleEndian>::new(Arm64Cpu::NEOVERSE_N1);
    let mut mem = SimUserMemory::new();
    mem.map(STACK_TOP - 0x10000, 0x10000, Prot::READ | Prot::WRITE);
    let before = interrupted();
    let mut t = before;
    let flags = SaFlags::SA_SIGINFO;
    let d = SignalDelivery {
        signal: LinuxSignal::SIGUSR1,
        info: SigInfo {
            signo: 10,
            errno: 0,
            code: si_code::SI_TKILL,
            fields: SigInfoFields::Kill { pid: 1, uid: 0 },
        },
        handler: HANDLER,
        flags,
        saved_mask: LinuxSigset(0),
        altstack: AltStack::default(),
        trampoline: return_trampoline(flags, 0, Some(VDSO_BASE)).expect("the vdso trampoline"),
    };
    arm.sendsig(&mut t, &mut mem, &d).expect("sendsig");
    assert_eq!(t.frame.tf_lr, VDSO_BASE + VDSO.sigreturn, "the handler returns to __kernel_rt_sigreturn");
    (before, t.frame.tf_sp, mem)
}

fn read(mem: &SimUserMemory, at: u64, len: usize) -> u128 {
    uint(&mem.peek(at, len).unwrap_or_else(|| panic!("unmapped {at:#x}")), true)
}

/// The stack pointer's DWARF number.
const SP_REG: u16 = 31;

#[test]
fn trampoline_cfi_finds_every_register_of_the_interrupted_function() {
    let unwind = Unwind::new(VDSO.bytes);
    let (eh_frame, bases) = (&unwind.eh_frame, &unwind.bases);

    let nop = VDSO.sigreturn - 4;
    let fde = unwind.fde(nop);
    assert_eq!((fde.initial_address(), fde.len()), (nop, 12), "the FDE covers nop, mov, svc");
    let cie = fde.cie();
    assert!(cie.is_signal_trampoline(), "'S' augmentation");
    assert_eq!(cie.return_address_register(), Register(RA_COLUMN), "libgcc's signal return column");
    assert_eq!((cie.code_alignment_factor(), cie.data_alignment_factor()), (4, -8));

    // Unwinders find the FDE through the binary search table of .eh_frame_hdr; from the handler's
    // frame they look up its return address minus one, which is in the nop.
    let pcs = [nop, VDSO.sigreturn - 1, VDSO.sigreturn, VDSO.sigreturn + 4, VDSO.sigreturn + 7];
    unwind.check_hdr_lookup("arm64", &pcs, nop);

    let (before, sp, mem) = deliver();
    let enc = cie.encoding();
    let mut ctx = UnwindContext::new();
    // sp is the frame at every instruction: the handler returned with it, mov and svc keep it.
    for pc in [nop, VDSO.sigreturn, VDSO.sigreturn + 4] {
        let row = fde.unwind_info_for_address(eh_frame, bases, &mut ctx, pc).expect("row").clone();
        let CfaRule::Expression(cfa) = row.cfa() else { panic!("pc {pc:#x}: CFA is an expression") };
        let cfa =
            evaluate(cfa.get(eh_frame).expect("cfa expr"), enc, SP_REG, sp, |a| read(&mem, a, 8) as u64);
        assert_eq!(cfa, SP, "pc {pc:#x}: CFA = the interrupted sp");

        let saved = |reg: u16, len: usize| -> u128 {
            let RegisterRule::Expression(e) = row.register(Register(reg)) else {
                panic!("pc {pc:#x}: register {reg} not described")
            };
            let at = evaluate(e.get(eh_frame).expect("expr"), enc, SP_REG, sp, |a| read(&mem, a, 8) as u64);
            read(&mem, at, len)
        };
        let f = &before.frame;
        for n in 0..31u16 {
            assert_eq!(saved(n, 8), u128::from(f.x(usize::from(n))), "pc {pc:#x}: x{n}");
        }
        assert_eq!(saved(RA_COLUMN, 8), u128::from(f.tf_elr), "pc {pc:#x}: the interrupted pc");
        for n in 0..32u16 {
            let low = before.fpsimd.vregs[usize::from(n)] & u128::from(u64::MAX);
            assert_eq!(saved(64 + n, 8), low, "pc {pc:#x}: d{n} (the low half of v{n})");
        }
        assert!(!matches!(row.register(Register(31)), RegisterRule::Expression(_)), "sp is the CFA");
    }
}

#[test]
fn the_c_functions_have_cfi_too() {
    Unwind::new(VDSO.bytes).check_every_function_has_cfi("arm64", VDSO.symbols);
}
