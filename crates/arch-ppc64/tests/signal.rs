//! Signal delivery and rt_sigreturn on powerpc64: the frame on the user stack, the registers the
//! handler starts with, a round trip that restores every register, a handler's edits honoured, and
//! hostile frames refused with the thread unchanged.

use arch_ppc64::abi::{PT_CCR, PT_MSR, PT_NIP};
use arch_ppc64::frame::{msr, Ppc64Thread, UnitsUsed};
use arch_ppc64::signal::{RtSigFrame, UContext, MIN_SIGFRAME_SIZE, RT_SIGFRAME_SIZE};
use arch_ppc64::{FuncAbi, Ppc64, Ppc64Cpu};
use linux_core::errno::LinuxErrno;
use linux_core::hooks::{SignalDelivery, SignalHooks};
use linux_core::signal::*;
use linux_core::sim::{Prot, SimUserMemory};
use linux_core::uaccess::UserAddr;
use std::mem::offset_of;
use zerocopy::{BigEndian, ByteOrder, FromBytes, LittleEndian};

const STACK_TOP: u64 = 0x7fff_0000;
const SP: u64 = 0x7ffe_f000;
const TRAMP: u64 = 0x7fff_f000_0000;
const HANDLER: u64 = 0x1000_2000;
const ALT: u64 = 0x5000_0000;

/// A deterministic pseudo-random sequence, so the round trip covers every register with odd values.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn thread(seed: u64, little: bool) -> Ppc64Thread {
    let mut r = Rng(seed);
    let mut t = Ppc64Thread::default();
    for g in t.frame.fixreg.iter_mut() {
        *g = r.next();
    }
    t.frame.fixreg[1] = SP;
    t.frame.lr = r.next();
    t.frame.ctr = r.next();
    t.frame.xer = r.next() & 0xffff_ffff;
    t.frame.cr = r.next() & 0xffff_ffff;
    t.frame.srr0 = 0x1000_0000 + (r.next() & 0xfffc);
    t.frame.srr1 = Ppc64Cpu::POWER9.user_msr | msr::FP | msr::VEC | msr::VSX | u64::from(little);
    t.frame.exc = 0x900;
    t.frame.dar = r.next();
    t.frame.dsisr = r.next() & 0xffff_ffff;
    for i in 0..32 {
        t.vector.fpr[i] = r.next();
        t.vector.vsr_low[i] = r.next();
        t.vector.vr[i] = (u128::from(r.next()) << 64) | u128::from(r.next());
    }
    t.vector.fpscr = r.next() & 0xffff_ffff;
    t.vector.vscr = 0x0001_0000;
    t.vector.vrsave = 0xffff_0000;
    t.vector.used = UnitsUsed::all();
    t.orig_gpr3 = r.next();
    t
}

fn memory() -> SimUserMemory {
    let mut m = SimUserMemory::new();
    m.map(STACK_TOP - 0x10000, 0x10000, Prot::READ | Prot::WRITE);
    // Fill the stack with a pattern so untouched bytes (the red zone) can be told apart.
    m.poke(STACK_TOP - 0x10000, &vec![0xaa; 0x10000]);
    m.map(ALT, 0x4000, Prot::READ | Prot::WRITE);
    m
}

fn delivery(flags: SaFlags) -> SignalDelivery {
    SignalDelivery {
        signal: LinuxSignal::SIGUSR1,
        info: SigInfo {
            signo: 10,
            errno: 0,
            code: si_code::SI_TKILL,
            fields: SigInfoFields::Kill { pid: 42, uid: 1000 },
        },
        handler: HANDLER,
        flags,
        saved_mask: LinuxSigset(LinuxSignal::SIGUSR2.mask() | LinuxSignal::SIGINT.mask()),
        altstack: AltStack::default(),
        trampoline: TRAMP,
    }
}

fn read_frame<E: ByteOrder>(mem: &SimUserMemory, at: u64) -> RtSigFrame<E> {
    RtSigFrame::<E>::read_from_bytes(&mem.peek(at, RT_SIGFRAME_SIZE as usize).unwrap()).unwrap()
}

fn u64_at<E: ByteOrder>(mem: &SimUserMemory, at: u64) -> u64 {
    linux_core::bytes::read_u64::<E>(&mem.peek(at, 8).unwrap(), 0).unwrap()
}

#[test]
fn layouts_match_linux_sizes() {
    assert_eq!(RT_SIGFRAME_SIZE, 2400);
    assert_eq!(MIN_SIGFRAME_SIZE, 2528);
    assert_eq!(size_of::<UContext<BigEndian>>(), 1696);
    assert_eq!(offset_of!(UContext<BigEndian>, uc_mcontext), 168);
    assert_eq!(offset_of!(RtSigFrame<BigEndian>, tramp), 1712);
    assert_eq!(offset_of!(RtSigFrame<BigEndian>, pinfo), 1744);
    assert_eq!(offset_of!(RtSigFrame<BigEndian>, puc), 1752);
    assert_eq!(offset_of!(RtSigFrame<BigEndian>, info), 1760);
    assert_eq!(offset_of!(RtSigFrame<BigEndian>, abigap), 1888);
}

fn siginfo_delivery<E: ByteOrder>(abi: FuncAbi, little: bool) {
    let ppc = Ppc64::<E>::new(abi, Ppc64Cpu::POWER9);
    let mut mem = memory();
    if abi == FuncAbi::ElfV1 {
        mem.map(0x1002_0000, 0x1000, Prot::READ);
        let mut desc = [0u8; 16];
        linux_core::bytes::FieldWriter::<E>::new(&mut desc).u64(0, 0x1000_3000);
        linux_core::bytes::FieldWriter::<E>::new(&mut desc).u64(8, 0x1002_8000);
        mem.poke(0x1002_0000, &desc);
    }
    let before = thread(1, little);
    let mut t = before;
    let mut d = delivery(SaFlags::SA_SIGINFO);
    if abi == FuncAbi::ElfV1 {
        d.handler = 0x1002_0000;
    }
    ppc.sendsig(&mut t, &mut mem, &d).unwrap();

    // The frame: below the 512-byte red zone, 16-aligned, with the 128-byte caller frame under it.
    let frame = (SP - 2400) & !15;
    let newsp = frame - 128;
    let f = &t.frame;
    assert_eq!(f.fixreg[1], newsp);
    assert_eq!(u64_at::<E>(&mem, newsp), SP, "back chain");
    assert_eq!(f.srr0, TRAMP);
    assert_eq!((f.fixreg[3], f.fixreg[4], f.fixreg[5], f.fixreg[6]), (10, frame + 1760, frame, frame));
    match abi {
        FuncAbi::ElfV2 => {
            assert_eq!((f.ctr, f.fixreg[12]), (HANDLER, HANDLER));
            assert_eq!(f.fixreg[2], before.frame.fixreg[2]);
        }
        FuncAbi::ElfV1 => {
            assert_eq!((f.ctr, f.fixreg[2]), (0x1000_3000, 0x1002_8000));
            assert_eq!(f.fixreg[12], before.frame.fixreg[12]);
        }
    }
    assert_eq!(f.srr1 & msr::LE != 0, little);
    assert_eq!(t.vector.fpscr, 0, "the handler starts without pending FP exceptions");

    let fr = read_frame::<E>(&mem, frame);
    assert_eq!(fr.pinfo.get(), frame + 1760);
    assert_eq!(fr.puc.get(), frame);
    assert_eq!(&fr.info[..], &d.info.encode::<E>()[..]);
    assert_eq!(fr.uc.uc_flags.get(), 0);
    assert_eq!(fr.uc.uc_link.get(), 0);
    assert_eq!(fr.uc.uc_sigmask.get(), d.saved_mask.0);
    assert_eq!(fr.uc.uc_stack.ss_flags.get(), ss_flags::SS_DISABLE);
    let sc = &fr.uc.uc_mcontext;
    assert_eq!(sc.signal.get(), 10);
    assert_eq!(sc.handler.get(), d.handler);
    assert_eq!(sc.oldmask.get(), d.saved_mask.0);
    assert_eq!(sc.regs.get(), frame + 168 + 64, "regs points at the user copy of gp_regs");
    // Unwinders find the registers through *(r1 + 128 + 168 + 56) once the trampoline runs.
    assert_eq!(u64_at::<E>(&mem, newsp + 352), frame + 232);
    for i in 0..32 {
        assert_eq!(sc.gp_regs[i].get(), before.frame.fixreg[i], "r{i}");
    }
    assert_eq!(sc.gp_regs[PT_NIP].get(), before.frame.srr0);
    assert_eq!(sc.gp_regs[PT_MSR].get() & (msr::VEC | msr::VSX), msr::VEC | msr::VSX);
    assert_eq!(sc.gp_regs[PT_CCR].get(), before.frame.cr);
    assert_eq!(sc.v_regs.get() % 16, 0);
    assert_eq!(sc.v_regs.get(), frame + 168 + 720 + 8);
    assert_eq!(sc.fp_regs[5].get(), before.vector.fpr[5]);
    assert_eq!(sc.fp_regs[32].get(), before.vector.fpscr);
    // The abigap (the interrupted code's red zone) is left as it was.
    let gap = mem.peek(frame + 1888, (SP - frame - 1888) as usize).unwrap();
    assert!(gap.iter().all(|&b| b == 0xaa), "red zone overwritten");
}

#[test]
fn siginfo_delivery_elfv1_big_endian() {
    siginfo_delivery::<BigEndian>(FuncAbi::ElfV1, false);
}

#[test]
fn siginfo_delivery_elfv2_big_endian() {
    siginfo_delivery::<BigEndian>(FuncAbi::ElfV2, false);
}

#[test]
fn siginfo_delivery_elfv2_little_endian() {
    siginfo_delivery::<LittleEndian>(FuncAbi::ElfV2, true);
}

#[test]
fn plain_handler_gets_the_mcontext_in_r4() {
    let ppc = Ppc64::<BigEndian>::new(FuncAbi::ElfV2, Ppc64Cpu::POWER9);
    let mut mem = memory();
    let before = thread(2, false);
    let mut t = before;
    ppc.sendsig(&mut t, &mut mem, &delivery(SaFlags::empty())).unwrap();
    let frame = (SP - 2400) & !15;
    assert_eq!(t.frame.fixreg[4], frame + 168);
    assert_eq!(t.frame.fixreg[5], before.frame.fixreg[5]);
}

#[test]
fn alternate_stack_is_used_once_and_recorded() {
    let ppc = Ppc64::<BigEndian>::new(FuncAbi::ElfV2, Ppc64Cpu::POWER9);
    let mut mem = memory();
    let mut d = delivery(SaFlags::SA_SIGINFO | SaFlags::SA_ONSTACK);
    d.altstack = AltStack { sp: ALT, size: 0x4000, flags: 0 };
    let mut t = thread(3, false);
    ppc.sendsig(&mut t, &mut mem, &d).unwrap();
    let frame = (ALT + 0x4000 - 2400) & !15;
    assert_eq!(t.frame.fixreg[1], frame - 128);
    let fr = read_frame::<BigEndian>(&mem, frame);
    assert_eq!((fr.uc.uc_stack.ss_sp.get(), fr.uc.uc_stack.ss_size.get()), (ALT, 0x4000));
    assert_eq!(fr.uc.uc_stack.ss_flags.get(), 0);
    // A nested signal while on the alternate stack stays below the current frame.
    let mut t2 = t;
    ppc.sendsig(&mut t2, &mut mem, &d).unwrap();
    let nested = (t.frame.fixreg[1] - 2400) & !15;
    assert_eq!(t2.frame.fixreg[1], nested - 128);
    let fr2 = read_frame::<BigEndian>(&mem, nested);
    assert_eq!(fr2.uc.uc_stack.ss_flags.get(), ss_flags::SS_ONSTACK);
}

fn round_trip<E: ByteOrder>(abi: FuncAbi, little: bool) {
    let ppc = Ppc64::<E>::new(abi, Ppc64Cpu::POWER9);
    for seed in 1..20 {
        let mut mem = memory();
        mem.map(0x1002_0000, 0x1000, Prot::READ);
        let before = thread(seed, little);
        let mut t = before;
        let mut d = delivery(SaFlags::SA_SIGINFO);
        d.handler = 0x1002_0000;
        ppc.sendsig(&mut t, &mut mem, &d).unwrap();
        // The handler returns into the trampoline: addi r1,r1,128; li r0,172; sc.
        t.frame.fixreg[1] += 128;
        t.frame.fixreg[0] = 172;
        let out = ppc.sigreturn(&mut t, &mem).unwrap();
        assert_eq!(t, before, "seed {seed}: every register restored bit for bit");
        assert_eq!(out.mask, d.saved_mask);
        assert_eq!(out.altstack.flags, ss_flags::SS_DISABLE);
    }
}

#[test]
fn round_trip_restores_every_register_elfv1_be() {
    round_trip::<BigEndian>(FuncAbi::ElfV1, false);
}

#[test]
fn round_trip_restores_every_register_elfv2_be() {
    round_trip::<BigEndian>(FuncAbi::ElfV2, false);
}

#[test]
fn round_trip_restores_every_register_ppc64le() {
    round_trip::<LittleEndian>(FuncAbi::ElfV2, true);
}

/// Delivers a signal and returns the thread as the trampoline enters rt_sigreturn.
fn delivered(mem: &mut SimUserMemory) -> (Ppc64Thread, Ppc64Thread, u64) {
    let ppc = Ppc64::<BigEndian>::new(FuncAbi::ElfV2, Ppc64Cpu::POWER9);
    let before = thread(7, false);
    let mut t = before;
    ppc.sendsig(&mut t, mem, &delivery(SaFlags::SA_SIGINFO)).unwrap();
    t.frame.fixreg[1] += 128;
    let frame = t.frame.fixreg[1];
    (before, t, frame)
}

fn gp_addr(frame: u64, index: usize) -> u64 {
    frame + 168 + 64 + 8 * index as u64
}

#[test]
fn handler_edits_to_the_saved_registers_are_honoured() {
    let ppc = Ppc64::<BigEndian>::new(FuncAbi::ElfV2, Ppc64Cpu::POWER9);
    let mut mem = memory();
    let (before, mut t, frame) = delivered(&mut mem);
    mem.poke(gp_addr(frame, PT_NIP), &0x1000_4444u64.to_be_bytes());
    mem.poke(gp_addr(frame, 5), &0x5555u64.to_be_bytes());
    // A handler that unblocks SIGUSR2 and tries to block SIGKILL.
    mem.poke(frame + 40, &(LinuxSignal::SIGKILL.mask() | LinuxSignal::SIGHUP.mask()).to_be_bytes());
    let out = ppc.sigreturn(&mut t, &mem).unwrap();
    assert_eq!(t.frame.srr0, 0x1000_4444);
    assert_eq!(t.frame.fixreg[5], 0x5555);
    assert_eq!(t.frame.fixreg[6], before.frame.fixreg[6]);
    assert_eq!(out.mask, LinuxSigset(LinuxSignal::SIGHUP.mask()), "SIGKILL can never be blocked");
}

#[test]
fn privileged_msr_bits_in_a_frame_never_reach_the_thread() {
    let ppc = Ppc64::<BigEndian>::new(FuncAbi::ElfV2, Ppc64Cpu::POWER9);
    let mut mem = memory();
    let (_, mut t, frame) = delivered(&mut mem);
    let kernel_msr = t.frame.srr1;
    // Hypervisor on, problem state off, 32-bit mode, and little-endian.
    let hostile = (msr::HV | msr::ME | msr::LE) & !msr::PR & !msr::SF;
    mem.poke(gp_addr(frame, PT_MSR), &hostile.to_be_bytes());
    ppc.sigreturn(&mut t, &mem).unwrap();
    assert_eq!(t.frame.srr1, kernel_msr | msr::LE, "only MSR_LE comes from the frame");
    assert_ne!(t.frame.srr1 & msr::PR, 0);
    assert_eq!(t.frame.srr1 & msr::HV, 0);
}

fn refused(mem: &SimUserMemory, mut t: Ppc64Thread) {
    let ppc = Ppc64::<BigEndian>::new(FuncAbi::ElfV2, Ppc64Cpu::POWER9);
    let before = t;
    assert_eq!(ppc.sigreturn(&mut t, mem).unwrap_err(), LinuxErrno::EFAULT);
    assert_eq!(t, before, "a refused frame changes nothing");
}

#[test]
fn hostile_frames_are_refused_with_the_thread_unchanged() {
    let mut mem = memory();
    let (_, t, frame) = delivered(&mut mem);
    let v_regs_at = frame + 168 + 712;

    // r1 unmapped, misaligned, or the frame running off the end of the mapping.
    let mut bad = t;
    bad.frame.fixreg[1] = 0x9000_0000;
    refused(&mem, bad);
    bad.frame.fixreg[1] = frame + 4;
    refused(&mem, bad);
    bad.frame.fixreg[1] = STACK_TOP - 1000;
    refused(&mem, bad);

    // v_regs misaligned, or pointing at unmapped memory, while the frame claims vector state.
    let mut m2 = memory();
    let (_, t2, f2) = delivered(&mut m2);
    m2.poke(f2 + 168 + 712, &(0x7ffe_0008u64).to_be_bytes());
    refused(&m2, t2);
    let mut m3 = memory();
    let (_, t3, f3) = delivered(&mut m3);
    m3.poke(f3 + 168 + 712, &(0x9000_0000u64).to_be_bytes());
    refused(&m3, t3);
    // VSX claimed without a vector area.
    let mut m4 = memory();
    let (_, t4, f4) = delivered(&mut m4);
    m4.poke(f4 + 168 + 712, &0u64.to_be_bytes());
    refused(&m4, t4);
    let _ = v_regs_at;

    // A frame on a page that became unreadable.
    let mut m5 = memory();
    let (_, t5, f5) = delivered(&mut m5);
    m5.protect(f5 + 1024, 1, Prot::empty());
    refused(&m5, t5);
}

#[test]
fn delivery_onto_an_unwritable_stack_fails_and_changes_nothing() {
    let ppc = Ppc64::<BigEndian>::new(FuncAbi::ElfV2, Ppc64Cpu::POWER9);
    let mut mem = memory();
    mem.protect(STACK_TOP - 0x10000, 0x10000, Prot::READ);
    let before = thread(9, false);
    let mut t = before;
    assert_eq!(ppc.sendsig(&mut t, &mut mem, &delivery(SaFlags::SA_SIGINFO)), Err(LinuxErrno::EFAULT));
    assert_eq!(t, before);
    // ELFv1 handler whose descriptor is unreadable.
    let ppc1 = Ppc64::<BigEndian>::new(FuncAbi::ElfV1, Ppc64Cpu::POWER9);
    let mut mem = memory();
    let mut d = delivery(SaFlags::SA_SIGINFO);
    d.handler = 0x6666_0000;
    assert_eq!(ppc1.sendsig(&mut t, &mut mem, &d), Err(LinuxErrno::EFAULT));
    assert_eq!(t, before);
    assert_eq!(mem.copy_out_calls, 0, "nothing written before the descriptor was read");
    // A stack pointer so low the frame would wrap below zero.
    let mut low = before;
    low.frame.fixreg[1] = 100;
    let snapshot = low;
    assert_eq!(ppc.sendsig(&mut low, &mut mem, &delivery(SaFlags::empty())), Err(LinuxErrno::EFAULT));
    assert_eq!(low, snapshot);
    let _ = UserAddr(0);
}
