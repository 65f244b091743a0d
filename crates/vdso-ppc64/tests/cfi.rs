//! The trampoline's unwind information against real signal frames: arch-ppc64's `sendsig` builds a frame
//! in simulated memory from a thread whose every register holds a distinct value, and evaluating the
//! `.eh_frame` rules (with gimli) at each instruction of the trampoline must find the interrupted r1 as
//! the CFA and every GPR, NIP (the return-address column), LR, CTR, CR field, FPR, VR, VSCR and VRSAVE
//! where the frame holds it. The FDE must also be reachable through `.eh_frame_hdr`, as unwinders find it.

use arch_ppc64::frame::{msr, Ppc64Thread, UnitsUsed};
use arch_ppc64::{FuncAbi, Ppc64, Ppc64Cpu};
use gimli::{CfaRule, Register, RegisterRule, UnwindContext};
use linux_core::hooks::{SignalDelivery, SignalHooks};
use linux_core::signal::{si_code, AltStack, LinuxSignal, LinuxSigset, SaFlags, SigInfo, SigInfoFields};
use linux_core::sim::{Prot, SimUserMemory};
use vdso_ppc64::{VdsoImage, VDSO_BE, VDSO_LE};
use vdso_support::test_support::cfi::{evaluate, uint, Rng, Unwind};
use zerocopy::{BigEndian, ByteOrder, LittleEndian};

const STACK_TOP: u64 = 0x7fff_0000;
const SP: u64 = 0x7ffe_f000;
const VDSO_BASE: u64 = 0x7fff_f000_0000;
const HANDLER: u64 = 0x1000_2000;

/// A thread interrupted at some point, every register distinct.
fn interrupted(little: bool) -> Ppc64Thread {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let mut t = Ppc64Thread::default();
    for g in t.frame.fixreg.iter_mut() {
        *g = r.next_u64();
    }
    t.frame.fixreg[1] = SP;
    t.frame.lr = r.next_u64();
    t.frame.ctr = r.next_u64();
    t.frame.xer = r.next_u64() & 0xffff_ffff;
    t.frame.cr = r.next_u64() & 0xffff_ffff;
    t.frame.srr0 = 0x1000_0000 + (r.next_u64() & 0xfffc);
    t.frame.srr1 = Ppc64Cpu::POWER9.user_msr | msr::FP | msr::VEC | msr::VSX | u64::from(little);
    for i in 0..32 {
        t.vector.fpr[i] = r.next_u64();
        t.vector.vsr_low[i] = r.next_u64();
        t.vector.vr[i] = (u128::from(r.next_u64()) << 64) | u128::from(r.next_u64());
    }
    t.vector.fpscr = r.next_u64() & 0xffff_ffff;
    t.vector.vscr = 0x0001_0001;
    t.vector.vrsave = 0xfff0_0f0f;
    t.vector.used = UnitsUsed::all();
    t
}

/// Delivers a signal the way the kernel will; returns (the interrupted thread, the handler's r1, memory).
fn deliver<E: ByteOrder>(img: &VdsoImage) -> (Ppc64Thread, u64, SimUserMemory) {
    let ppc = Ppc64::<E>::new(FuncAbi::ElfV2, Ppc64Cpu::POWER9);
    let mut mem = SimUserMemory::new();
    mem.map(STACK_TOP - 0x10000, 0x10000, Prot::READ | Prot::WRITE);
    let before = interrupted(img.little_endian);
    let mut t = before;
    let d = SignalDelivery {
        signal: LinuxSignal::SIGUSR1,
        info: SigInfo {
            signo: 10,
            errno: 0,
            code: si_code::SI_TKILL,
            fields: SigInfoFields::Kill { pid: 1, uid: 0 },
        },
        handler: HANDLER,
        flags: SaFlags::SA_SIGINFO,
        saved_mask: LinuxSigset(0),
        altstack: AltStack::default(),
        trampoline: VDSO_BASE + img.sigtramp_start,
    };
    ppc.sendsig(&mut t, &mut mem, &d).expect("sendsig");
    assert_eq!(t.frame.srr0, VDSO_BASE + img.sigtramp_start);
    (before, t.frame.fixreg[1], mem)
}

fn read(mem: &SimUserMemory, at: u64, len: usize, little: bool) -> u128 {
    uint(&mem.peek(at, len).unwrap_or_else(|| panic!("unmapped {at:#x}")), little)
}

/// r1's DWARF number.
const SP_REG: u16 = 1;

fn check_image<E: ByteOrder>(name: &str, img: &VdsoImage) {
    let little = img.little_endian;
    let unwind = Unwind::new(img.bytes);
    let (eh_frame, bases) = (&unwind.eh_frame, &unwind.bases);

    let start = img.sigtramp_start;
    let fde = unwind.fde(start);
    assert_eq!((fde.initial_address(), fde.len()), (start, 16), "{name}: the FDE covers bctrl..sc");
    let cie = fde.cie();
    assert!(cie.is_signal_trampoline(), "{name}: 'S' augmentation");
    assert_eq!(cie.return_address_register(), Register(67), "{name}: NIP column");
    assert_eq!((cie.code_alignment_factor(), cie.data_alignment_factor()), (4, -8), "{name}");

    // Unwinders find the FDE through the binary search table of .eh_frame_hdr.
    unwind.check_hdr_lookup(name, &[start, start + 3, start + 4, start + 12], start);

    let (before, newsp, mem) = deliver::<E>(img);
    let enc = cie.encoding();
    let mut ctx = UnwindContext::new();
    // (pc, r1 there): bctrl and addi run with r1 = newsp, li and sc after the addi.
    for (pc, r1) in [(start, newsp), (start + 4, newsp), (start + 8, newsp + 128), (start + 12, newsp + 128)]
    {
        let row = fde.unwind_info_for_address(eh_frame, bases, &mut ctx, pc).expect("row").clone();
        let CfaRule::Expression(cfa) = row.cfa() else { panic!("{name}: CFA is an expression") };
        let cfa = evaluate(cfa.get(eh_frame).expect("cfa expr"), enc, SP_REG, r1, |a| {
            read(&mem, a, 8, little) as u64
        });
        assert_eq!(cfa, SP, "{name} pc {pc:#x}: CFA = the interrupted r1");

        let saved = |reg: u16, len: usize| -> u128 {
            let RegisterRule::Expression(e) = row.register(Register(reg)) else {
                panic!("{name} pc {pc:#x}: register {reg} not described")
            };
            let at = evaluate(e.get(eh_frame).expect("expr"), enc, SP_REG, r1, |a| {
                read(&mem, a, 8, little) as u64
            });
            read(&mem, at, len, little)
        };
        let f = &before.frame;
        let v = &before.vector;
        for n in (0..32u16).filter(|&n| n != 1) {
            assert_eq!(saved(n, 8), u128::from(f.fixreg[usize::from(n)]), "{name} pc {pc:#x}: r{n}");
        }
        assert_eq!(saved(67, 8), u128::from(f.srr0), "{name} pc {pc:#x}: NIP");
        assert_eq!(saved(65, 8), u128::from(f.lr), "{name} pc {pc:#x}: LR");
        assert_eq!(saved(66, 8), u128::from(f.ctr), "{name} pc {pc:#x}: CTR");
        for n in 68..76 {
            assert_eq!(saved(n, 4), u128::from(f.cr), "{name} pc {pc:#x}: CR field {}", n - 68);
        }
        for n in 0..32u16 {
            assert_eq!(saved(32 + n, 8), u128::from(v.fpr[usize::from(n)]), "{name} pc {pc:#x}: f{n}");
            assert_eq!(saved(77 + n, 16), v.vr[usize::from(n)], "{name} pc {pc:#x}: v{n}");
        }
        assert_eq!(saved(110, 4), u128::from(v.vscr), "{name} pc {pc:#x}: VSCR");
        assert_eq!(saved(109, 4), u128::from(v.vrsave), "{name} pc {pc:#x}: VRSAVE");
        assert!(!matches!(row.register(Register(1)), RegisterRule::Expression(_)), "r1 is the CFA");
    }
}

const IMAGES: [(&str, &VdsoImage); 2] = [("big-endian", &VDSO_BE), ("little-endian", &VDSO_LE)];

#[test]
fn trampoline_cfi_finds_every_register_of_the_interrupted_function() {
    for (name, img) in IMAGES {
        if img.little_endian {
            check_image::<LittleEndian>(name, img);
        } else {
            check_image::<BigEndian>(name, img);
        }
    }
}

#[test]
fn the_c_functions_have_cfi_too() {
    for (name, img) in IMAGES {
        Unwind::new(img.bytes).check_every_function_has_cfi(name, img.symbols);
    }
}
