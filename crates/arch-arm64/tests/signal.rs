//! Signal delivery and rt_sigreturn on arm64: the frame on the user stack byte for byte, the registers
//! the handler starts with, a round trip that restores every register over many random states, a
//! handler's edits honoured, and hostile frames refused with the thread unchanged.

use arch_arm64::abi::*;
use arch_arm64::frame::{Arm64Thread, FpSimdState};
use arch_arm64::signal::*;
use arch_arm64::{Arm64, Arm64Cpu};
use linux_core::bytes::{read_u32, read_u64, FieldWriter};
use linux_core::errno::LinuxErrno;
use linux_core::hooks::{SignalDelivery, SignalHooks};
use linux_core::signal::*;
use linux_core::sim::{Prot, SimUserMemory};
use std::mem::{offset_of, size_of};
use zerocopy::{BigEndian, ByteOrder, LittleEndian};

const STACK_TOP: u64 = 0x7fff_0000;
/// An 8-aligned interrupted sp: the frame record goes at (SP - 16) & !15.
const SP: u64 = 0x7ffe_f0f8;
const RECORD: u64 = 0x7ffe_f0e0;
const FRAME: u64 = RECORD - 4688;
/// Where the vdso is mapped in these tests, and the handler's return address: its
/// `__kernel_rt_sigreturn`, at the offset the vdso-arm64 image has.
const VDSO_BASE: u64 = 0xffff_b7ff_e000;
const TRAMP: u64 = VDSO_BASE + vdso_arm64::VDSO.sigreturn;
const HANDLER: u64 = 0x40_1230;
const ALT: u64 = 0x5000_0000;

// Offsets in the frame, computed by hand from the Linux structures: siginfo (128), then ucontext with
// uc_stack at +16, uc_sigmask at +40, uc_mcontext at +176; in sigcontext, regs at +8, sp +256,
// pc +264, pstate +272, __reserved +288.
const UC: u64 = 128;
const MC: u64 = UC + 176;
const RESERVED: u64 = MC + 288;

/// A deterministic pseudo-random sequence.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A thread in a random but valid user state: every general register, V register, FPSR and FPCR odd
/// values; PSTATE EL0t with random NZCV and user-settable bits; a fault code on half the seeds.
fn thread(seed: u64) -> Arm64Thread {
    let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut t = Arm64Thread::default();
    for x in t.frame.tf_x.iter_mut() {
        *x = r.next();
    }
    t.frame.tf_lr = r.next();
    t.frame.tf_sp = SP;
    t.frame.tf_elr = 0x40_0000 + (r.next() & 0xfffc);
    let user_bits = PSR_NZCV | PSR_SSBS_BIT | PSR_DIT_BIT | PSR_TCO_BIT | PSR_BTYPE_MASK;
    t.frame.tf_spsr = r.next() & user_bits;
    t.frame.tf_esr = r.next();
    t.frame.tf_far = r.next();
    for v in t.fpsimd.vregs.iter_mut() {
        *v = (u128::from(r.next()) << 64) | u128::from(r.next());
    }
    t.fpsimd.fpsr = r.next() as u32;
    t.fpsimd.fpcr = r.next() as u32;
    t.fpsimd.used = true;
    t.fault_address = r.next();
    t.fault_code = if seed & 1 == 0 { 0x9200_0000 | (r.next() & 0xffff) } else { 0 };
    t
}

fn memory() -> SimUserMemory {
    let mut m = SimUserMemory::new();
    m.map(STACK_TOP - 0x10000, 0x10000, Prot::READ | Prot::WRITE);
    // A pattern, so that bytes the kernel does not write can be told apart.
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

fn arm<E: ByteOrder>() -> Arm64<E> {
    Arm64::new(Arm64Cpu::NEOVERSE_N1)
}

fn u64_at<E: ByteOrder>(mem: &SimUserMemory, at: u64) -> u64 {
    read_u64::<E>(&mem.peek(at, 8).unwrap(), 0).unwrap()
}

fn little<E: ByteOrder>() -> bool {
    let mut b = [0u8; 4];
    FieldWriter::<E>::new(&mut b).u32(0, 1);
    b[0] == 1
}

fn poke_u32<E: ByteOrder>(mem: &mut SimUserMemory, at: u64, v: u32) {
    let mut b = [0u8; 4];
    FieldWriter::<E>::new(&mut b).u32(0, v);
    assert!(mem.poke(at, &b));
}

fn poke_u64<E: ByteOrder>(mem: &mut SimUserMemory, at: u64, v: u64) {
    let mut b = [0u8; 8];
    FieldWriter::<E>::new(&mut b).u64(0, v);
    assert!(mem.poke(at, &b));
}

#[test]
fn layouts_match_linux_sizes() {
    type Sc = SigContext<LittleEndian>;
    type Uc = UContext<LittleEndian>;
    assert_eq!(RT_SIGFRAME_SIZE, 4688);
    assert_eq!(size_of::<Sc>(), 4384);
    assert_eq!(offset_of!(Sc, reserved), 288);
    assert_eq!(offset_of!(Sc, sp), 256);
    assert_eq!(size_of::<Uc>(), 4560);
    assert_eq!(offset_of!(Uc, uc_mcontext), 176);
    assert_eq!(offset_of!(Uc, uc_sigmask), 40);
    assert_eq!(FPSIMD_CONTEXT_SIZE, 528);
    assert_eq!(ESR_CONTEXT_SIZE, 16);
    assert_eq!(EXTRA_CONTEXT_SIZE, 32);
    assert_eq!(FRAME_RECORD_SIZE, 16);
    assert_eq!(FRAME_RESERVED, RESERVED);
    assert_eq!(size_of::<SignalFrame<LittleEndian>>(), 4704);
    // Linux minsigstksz_setup without SVE/SME: sigframe_size 4688 + frame record 16 + padding 16.
    assert_eq!(MIN_SIGSTKSZ, 4720);
    assert_eq!(arm::<LittleEndian>().min_sigstack_size(), 4720);
}

/// The frame Linux would build for `before`, byte for byte (every byte Linux leaves unwritten is zero
/// here), including the frame record above it.
fn expected_frame<E: ByteOrder>(before: &Arm64Thread, d: &SignalDelivery, saved: StackT) -> Vec<u8> {
    let mut b = vec![0u8; 4704];
    let mut w = FieldWriter::<E>::new(&mut b);
    if d.flags.contains(SaFlags::SA_SIGINFO) {
        w.bytes(0, &d.info.encode::<E>());
    }
    w.u64(UC as usize + 16, saved.sp);
    w.i32(UC as usize + 24, saved.flags);
    w.u64(UC as usize + 32, saved.size);
    w.u64(UC as usize + 40, d.saved_mask.0);
    let mc = MC as usize;
    w.u64(mc, before.fault_address);
    for i in 0..30 {
        w.u64(mc + 8 + 8 * i, before.frame.tf_x[i]);
    }
    w.u64(mc + 8 + 8 * 30, before.frame.tf_lr);
    w.u64(mc + 256, before.frame.tf_sp);
    w.u64(mc + 264, before.frame.tf_elr);
    w.u64(mc + 272, before.frame.tf_spsr);
    let r = RESERVED as usize;
    w.u32(r, 0x4650_8001);
    w.u32(r + 4, 528);
    if before.fpsimd.used {
        w.u32(r + 8, before.fpsimd.fpsr);
        w.u32(r + 12, before.fpsimd.fpcr);
        for (i, v) in before.fpsimd.vregs.iter().enumerate() {
            w.bytes(r + 16 + 16 * i, &if little::<E>() { v.to_le_bytes() } else { v.to_be_bytes() });
        }
    }
    if before.fault_code != 0 {
        w.u32(r + 528, 0x4553_5201);
        w.u32(r + 532, 16);
        w.u64(r + 536, before.fault_code);
    }
    // The end marker is the zero header after the last record; the frame record follows the frame.
    w.u64(4688, before.frame.tf_x[29]);
    w.u64(4696, before.frame.tf_lr);
    assert!(w.ok());
    b
}

fn siginfo_delivery<E: ByteOrder>() {
    for seed in [2u64, 3] {
        let mut mem = memory();
        let before = thread(seed);
        let mut t = before;
        let d = delivery(SaFlags::SA_SIGINFO);
        arm::<E>().sendsig(&mut t, &mut mem, &d).unwrap();

        let f = &t.frame;
        assert_eq!(f.tf_sp, FRAME);
        assert_eq!(f.tf_x[0], 10);
        assert_eq!((f.tf_x[1], f.tf_x[2]), (FRAME, FRAME + UC), "x1 = &info, x2 = &uc");
        assert_eq!(f.tf_x[29], RECORD, "x29 = the frame record");
        assert_eq!(f.tf_lr, TRAMP);
        assert_eq!(f.tf_elr, HANDLER);
        assert_eq!(f.tf_spsr, before.frame.tf_spsr & !PSR_TCO_BIT, "PSTATE as interrupted, TCO clear");
        assert_eq!(f.tf_x[3..29], before.frame.tf_x[3..29]);
        assert_eq!((f.tf_esr, f.tf_far), (before.frame.tf_esr, before.frame.tf_far));
        assert_eq!(t.fpsimd, before.fpsimd, "FP/SIMD registers are left to the handler as they were");
        assert_eq!((t.fault_address, t.fault_code), (before.fault_address, before.fault_code));

        let saved = StackT { sp: 0, flags: ss_flags::SS_DISABLE, size: 0 };
        assert_eq!(mem.peek(FRAME, 4704).unwrap(), expected_frame::<E>(&before, &d, saved), "seed {seed}");
        // Nothing below the frame or above the record was touched.
        assert!(mem.peek(FRAME - 64, 64).unwrap().iter().all(|&b| b == 0xaa));
        assert!(mem.peek(RECORD + 16, (SP - RECORD - 16) as usize).unwrap().iter().all(|&b| b == 0xaa));
        // The esr record is there exactly when the thread has a fault code.
        let second = read_u32::<E>(&mem.peek(FRAME + RESERVED + 528, 4).unwrap(), 0).unwrap();
        assert_eq!(second == ESR_MAGIC, before.fault_code != 0);
    }
}

#[test]
fn siginfo_delivery_little_endian() {
    siginfo_delivery::<LittleEndian>();
}

#[test]
fn siginfo_delivery_big_endian() {
    siginfo_delivery::<BigEndian>();
}

#[test]
fn plain_handler_keeps_x1_x2_and_gets_no_siginfo() {
    let mut mem = memory();
    let before = thread(4);
    let mut t = before;
    let d = delivery(SaFlags::empty());
    arm::<LittleEndian>().sendsig(&mut t, &mut mem, &d).unwrap();
    assert_eq!(t.frame.tf_x[0], 10);
    assert_eq!((t.frame.tf_x[1], t.frame.tf_x[2]), (before.frame.tf_x[1], before.frame.tf_x[2]));
    let saved = StackT { sp: 0, flags: ss_flags::SS_DISABLE, size: 0 };
    assert_eq!(mem.peek(FRAME, 4704).unwrap(), expected_frame::<LittleEndian>(&before, &d, saved));
    assert!(mem.peek(FRAME, 128).unwrap().iter().all(|&b| b == 0));
}

#[test]
fn unused_fp_state_is_recorded_as_zero() {
    let mut mem = memory();
    let mut before = thread(5);
    before.fpsimd.used = false;
    let mut t = before;
    arm::<LittleEndian>().sendsig(&mut t, &mut mem, &delivery(SaFlags::SA_SIGINFO)).unwrap();
    let rec = mem.peek(FRAME + RESERVED, 528).unwrap();
    assert_eq!(read_u32::<LittleEndian>(&rec, 0), Some(FPSIMD_MAGIC));
    assert!(rec[8..].iter().all(|&b| b == 0));
    // Returning loads that (initial) state and marks the unit used.
    let out = arm::<LittleEndian>().sigreturn(&mut t, &mem);
    assert!(out.is_ok());
    assert_eq!(t.fpsimd, FpSimdState { used: true, ..FpSimdState::default() });
}

#[test]
fn alternate_stack_is_used_once_and_recorded() {
    let mut mem = memory();
    let mut d = delivery(SaFlags::SA_SIGINFO | SaFlags::SA_ONSTACK);
    d.altstack = AltStack { sp: ALT, size: 0x4000, flags: 0 };
    let mut t = thread(6);
    arm::<LittleEndian>().sendsig(&mut t, &mut mem, &d).unwrap();
    let record = ALT + 0x4000 - 16;
    let frame = record - 4688;
    assert_eq!((t.frame.tf_sp, t.frame.tf_x[29]), (frame, record));
    assert_eq!(u64_at::<LittleEndian>(&mem, frame + UC + 16), ALT);
    assert_eq!(u64_at::<LittleEndian>(&mem, frame + UC + 32), 0x4000);
    assert_eq!(mem.peek(frame + UC + 24, 4).unwrap(), 0i32.to_le_bytes());
    // A nested signal while on the alternate stack stays below the current frame.
    let mut t2 = t;
    arm::<LittleEndian>().sendsig(&mut t2, &mut mem, &d).unwrap();
    let nested_record = (frame - 16) & !15;
    assert_eq!(t2.frame.tf_sp, nested_record - 4688);
    let flags = mem.peek(nested_record - 4688 + UC + 24, 4).unwrap();
    assert_eq!(flags, ss_flags::SS_ONSTACK.to_le_bytes());
}

#[test]
fn an_alternate_stack_of_at_minsigstksz_always_fits() {
    for misalign in 0..16u64 {
        let mut mem = memory();
        let mut d = delivery(SaFlags::SA_SIGINFO | SaFlags::SA_ONSTACK);
        d.altstack = AltStack { sp: ALT + misalign, size: MIN_SIGSTKSZ, flags: 0 };
        mem.protect(ALT, 0x1000, Prot::READ);
        let mut t = thread(7);
        let base = ALT + 0x1000 + misalign;
        d.altstack.sp = base;
        arm::<LittleEndian>().sendsig(&mut t, &mut mem, &d).unwrap();
        assert!(t.frame.tf_sp >= base, "frame below the alternate stack at misalignment {misalign}");
    }
}

fn round_trip<E: ByteOrder>() {
    for seed in 1..200 {
        let mut mem = memory();
        let before = thread(seed);
        let mut t = before;
        let d = delivery(if seed % 3 == 0 { SaFlags::empty() } else { SaFlags::SA_SIGINFO });
        arm::<E>().sendsig(&mut t, &mut mem, &d).unwrap();
        // The handler returns into the trampoline with sp at the frame: mov x8, #139; svc #0.
        t.frame.tf_x[8] = u64::from(vdso_arm64::NR_RT_SIGRETURN);
        let out = arm::<E>().sigreturn(&mut t, &mem).unwrap();
        assert_eq!(t, before, "seed {seed}: every register restored bit for bit");
        assert_eq!(out.mask, d.saved_mask);
        assert_eq!(out.altstack, StackT { sp: 0, flags: ss_flags::SS_DISABLE, size: 0 });
    }
}

#[test]
fn round_trip_restores_every_register_little_endian() {
    round_trip::<LittleEndian>();
}

#[test]
fn round_trip_restores_every_register_big_endian() {
    round_trip::<BigEndian>();
}

/// Delivers a signal and returns (thread before, thread as the trampoline enters rt_sigreturn).
fn delivered(mem: &mut SimUserMemory) -> (Arm64Thread, Arm64Thread) {
    let before = thread(8);
    let mut t = before;
    arm::<LittleEndian>().sendsig(&mut t, mem, &delivery(SaFlags::SA_SIGINFO)).unwrap();
    (before, t)
}

fn sigreturn(mem: &SimUserMemory, t: &mut Arm64Thread) -> Result<SigreturnOutcome, LinuxErrno> {
    arm::<LittleEndian>().sigreturn(t, mem)
}

use linux_core::hooks::SigreturnOutcome;

#[test]
fn handler_edits_to_the_saved_state_are_honoured() {
    let mut mem = memory();
    let (before, mut t) = delivered(&mut mem);
    let mc = FRAME + MC;
    poke_u64::<LittleEndian>(&mut mem, mc + 264, 0x40_4444); // pc
    poke_u64::<LittleEndian>(&mut mem, mc + 8 + 5 * 8, 0x5555); // x5
    poke_u64::<LittleEndian>(&mut mem, mc + 8 + 30 * 8, 0x3030); // x30
    poke_u64::<LittleEndian>(&mut mem, mc + 256, 0x7ffe_8000); // sp
    poke_u64::<LittleEndian>(&mut mem, mc + 272, PSR_N_BIT | PSR_C_BIT); // pstate
    poke_u32::<LittleEndian>(&mut mem, FRAME + RESERVED + 12, 0x0300_0000); // fpcr
    poke_u64::<LittleEndian>(&mut mem, FRAME + RESERVED + 16 + 7 * 16, 0x77); // v7, low half
                                                                              // A handler that unblocks SIGUSR2 and tries to block SIGKILL.
    poke_u64::<LittleEndian>(
        &mut mem,
        FRAME + UC + 40,
        LinuxSignal::SIGKILL.mask() | LinuxSignal::SIGHUP.mask(),
    );
    let out = sigreturn(&mem, &mut t).unwrap();
    assert_eq!(t.frame.tf_elr, 0x40_4444);
    assert_eq!(t.frame.tf_x[5], 0x5555);
    assert_eq!(t.frame.tf_lr, 0x3030);
    assert_eq!(t.frame.tf_sp, 0x7ffe_8000);
    assert_eq!(t.frame.tf_spsr, PSR_N_BIT | PSR_C_BIT);
    assert_eq!(t.frame.tf_x[6], before.frame.tf_x[6]);
    assert_eq!(t.fpsimd.fpcr, 0x0300_0000);
    assert_eq!(t.fpsimd.vregs[7], (before.fpsimd.vregs[7] >> 64 << 64) | 0x77);
    assert_eq!(out.mask, LinuxSigset(LinuxSignal::SIGHUP.mask()), "SIGKILL can never be blocked");
}

#[test]
fn reserved_pstate_bits_are_cleared_like_linux() {
    for extra in
        [1u64 << 32, 1 << 63, PSR_IL_BIT, PSR_SS_BIT, PSR_PAN_BIT, PSR_UAO_BIT, 1 << 5, 1 << 13, 1 << 26]
    {
        let mut mem = memory();
        let (_, mut t) = delivered(&mut mem);
        let kept = PSR_Z_BIT | PSR_TCO_BIT | PSR_DIT_BIT | PSR_SSBS_BIT | PSR_BTYPE_MASK;
        poke_u64::<LittleEndian>(&mut mem, FRAME + MC + 272, kept | extra);
        sigreturn(&mem, &mut t).unwrap();
        assert_eq!(t.frame.tf_spsr, kept, "{extra:#x} must be cleared");
    }
    assert_eq!(valid_user_pstate(0), Some(0));
    assert_eq!(valid_user_pstate(PSR_MODE_EL1h), None);
}

fn refused(mem: &SimUserMemory, mut t: Arm64Thread, want: LinuxErrno, what: &str) {
    let before = t;
    assert_eq!(sigreturn(mem, &mut t).map(|_| ()), Err(want), "{what}");
    assert_eq!(t, before, "{what}: a refused frame changes nothing");
}

/// A delivered frame, edited by `edit`, must be refused with `want`.
fn hostile(what: &str, want: LinuxErrno, edit: impl FnOnce(&mut SimUserMemory)) {
    let mut mem = memory();
    let (_, t) = delivered(&mut mem);
    edit(&mut mem);
    refused(&mem, t, want, what);
}

const R: u64 = FRAME + RESERVED;

#[test]
fn hostile_stack_pointers_are_refused() {
    let mut mem = memory();
    let (_, t) = delivered(&mut mem);
    for (sp, want, what) in [
        (FRAME + 8, LinuxErrno::EFAULT, "misaligned sp"),
        (0x9000_0000, LinuxErrno::EFAULT, "unmapped sp"),
        (STACK_TOP - 0x1000, LinuxErrno::EFAULT, "frame running off the mapping"),
        (!15u64, LinuxErrno::EFAULT, "frame wrapping the address space"),
    ] {
        let mut bad = t;
        bad.frame.tf_sp = sp;
        refused(&mem, bad, want, what);
    }
    // A frame on a page that became unreadable.
    hostile("unreadable page", LinuxErrno::EFAULT, |m| m.protect(FRAME + 2048, 1, Prot::empty()));
}

#[test]
fn hostile_pstates_are_refused() {
    for (pstate, what) in [
        (PSR_MODE_EL1h, "EL1h"),
        (PSR_MODE_EL1t, "EL1t"),
        (PSR_MODE_EL2h, "EL2h"),
        (PSR_MODE32_BIT, "AArch32"),
        (PSR_D_BIT, "D masked"),
        (PSR_A_BIT, "A masked"),
        (PSR_I_BIT, "I masked"),
        (PSR_F_BIT, "F masked"),
        (PSR_MODE_EL1h | PSR_DAIF | PSR_IL_BIT, "everything"),
    ] {
        hostile(what, LinuxErrno::EINVAL, |m| poke_u64::<LittleEndian>(m, FRAME + MC + 272, pstate));
    }
}

#[test]
fn hostile_record_lists_are_refused() {
    let e = LinuxErrno::EINVAL;
    let le32 = poke_u32::<LittleEndian>;
    hostile("bad fpsimd magic", e, |m| le32(m, R, 0x4650_8002));
    hostile("SVE record (SVE is not supported)", e, |m| le32(m, R, SVE_MAGIC));
    hostile("ZA record (SME is not supported)", e, |m| le32(m, R, ZA_MAGIC));
    hostile("fpsimd record too short", e, |m| le32(m, R + 4, 512));
    hostile("fpsimd record too long", e, |m| le32(m, R + 4, 544));
    hostile("record past __reserved", e, |m| le32(m, R + 4, 4112));
    hostile("record size not a multiple of 16", e, |m| {
        le32(m, R, ESR_MAGIC);
        le32(m, R + 4, 24);
    });
    hostile("record smaller than its header", e, |m| {
        le32(m, R, ESR_MAGIC);
        le32(m, R + 4, 0);
    });
    hostile("unknown record after fpsimd", e, |m| le32(m, R + 528, 0x1234_5678));
    hostile("end marker with a size", e, |m| {
        le32(m, R + 528, 0);
        le32(m, R + 532, 16);
    });
    hostile("no end marker", e, |m| {
        // fpsimd, then an esr record filling the rest of __reserved: the list runs off the end.
        le32(m, R + 528, ESR_MAGIC);
        le32(m, R + 532, 4096 - 528);
    });
    hostile("missing fpsimd", e, |m| {
        le32(m, R, ESR_MAGIC);
        le32(m, R + 4, 16);
        le32(m, R + 16, 0);
        le32(m, R + 20, 0);
    });
    hostile("duplicate fpsimd", e, |m| {
        let rec = m.peek(R, 528).unwrap();
        assert!(m.poke(R + 528, &rec));
        assert!(m.poke(R + 1056, &[0u8; 16]));
    });
}

/// Rewrites the record list so that the fpsimd record lives in an extra area designated by an
/// `extra_context`: extra_context at 0, its terminator at 32, the extra area at 48 (fpsimd, end).
fn move_fpsimd_to_extra(m: &mut SimUserMemory, datap: u64, size: u32) {
    let fpsimd = m.peek(R, 528).unwrap();
    assert!(m.poke(R, &[0u8; 1024]));
    poke_u32::<LittleEndian>(m, R, EXTRA_MAGIC);
    poke_u32::<LittleEndian>(m, R + 4, 32);
    poke_u64::<LittleEndian>(m, R + 8, datap);
    poke_u32::<LittleEndian>(m, R + 16, size);
    assert!(m.poke(R + 48, &fpsimd));
}

#[test]
fn an_extra_context_is_followed_like_linux() {
    let mut mem = memory();
    let (before, mut t) = delivered(&mut mem);
    move_fpsimd_to_extra(&mut mem, R + 48, 528 + 16);
    sigreturn(&mem, &mut t).unwrap();
    assert_eq!(t, before);

    let e = LinuxErrno::EINVAL;
    hostile("extra datap not right after the terminator", e, |m| move_fpsimd_to_extra(m, R + 64, 544));
    hostile("extra datap misaligned", e, |m| move_fpsimd_to_extra(m, R + 56, 544));
    hostile("extra size misaligned", e, |m| move_fpsimd_to_extra(m, R + 48, 540));
    hostile("extra area without its end marker", e, |m| move_fpsimd_to_extra(m, R + 48, 528));
    hostile("extra area beyond 64 KiB", e, |m| move_fpsimd_to_extra(m, R + 48, 0x10000));
    hostile("terminator after extra_context not zero", e, |m| {
        move_fpsimd_to_extra(m, R + 48, 544);
        poke_u32::<LittleEndian>(m, R + 36, 16);
    });
    hostile("a second extra_context", e, |m| {
        move_fpsimd_to_extra(m, R + 48, 544 + 48);
        let extra = m.peek(R, 32).unwrap();
        // Put the fpsimd record's end marker later and a second extra_context after the fpsimd record.
        assert!(m.poke(R + 48 + 528, &extra));
    });
    // An extra area that runs into an unmapped page: EFAULT.
    let mut m = SimUserMemory::new();
    m.map(STACK_TOP - 0x2000, 0x2000, Prot::READ | Prot::WRITE);
    let mut t = thread(9);
    t.frame.tf_sp = STACK_TOP - 16;
    arm::<LittleEndian>().sendsig(&mut t, &mut m, &delivery(SaFlags::SA_SIGINFO)).unwrap();
    let frame = t.frame.tf_sp;
    let r = frame + RESERVED;
    let fpsimd = m.peek(r, 528).unwrap();
    assert!(m.poke(r, &[0u8; 64]));
    poke_u32::<LittleEndian>(&mut m, r, EXTRA_MAGIC);
    poke_u32::<LittleEndian>(&mut m, r + 4, 32);
    poke_u64::<LittleEndian>(&mut m, r + 8, r + 48);
    poke_u32::<LittleEndian>(&mut m, r + 16, 0x4000);
    // Leave a plausible list at the start of the extra area, so the walk reaches the hole.
    assert!(m.poke(r + 48, &fpsimd));
    let mut esr = [0u8; 8];
    FieldWriter::<LittleEndian>::new(&mut esr).u32(0, ESR_MAGIC);
    FieldWriter::<LittleEndian>::new(&mut esr).u32(4, (STACK_TOP - (r + 48 + 528)) as u32);
    assert!(m.poke(r + 48 + 528, &esr));
    refused(&m, t, LinuxErrno::EFAULT, "extra area past the mapping");
}

#[test]
fn duplicate_and_long_esr_records_are_ignored_like_linux() {
    let mut mem = memory();
    let (before, mut t) = delivered(&mut mem);
    for (i, size) in [(0u64, 16u32), (1, 32), (3, 16)] {
        let at = R + 528 + 16 * i;
        poke_u32::<LittleEndian>(&mut mem, at, ESR_MAGIC);
        poke_u32::<LittleEndian>(&mut mem, at + 4, size);
    }
    assert!(mem.poke(R + 528 + 64, &[0u8; 8]));
    sigreturn(&mem, &mut t).unwrap();
    assert_eq!(t, before);
}

#[test]
fn delivery_onto_an_unwritable_stack_fails_and_changes_nothing() {
    let mut mem = memory();
    mem.protect(STACK_TOP - 0x10000, 0x10000, Prot::READ);
    let before = thread(10);
    let mut t = before;
    let r = arm::<LittleEndian>().sendsig(&mut t, &mut mem, &delivery(SaFlags::SA_SIGINFO));
    assert_eq!(r, Err(LinuxErrno::EFAULT));
    assert_eq!(t, before);
    // A stack pointer so low that the frame would wrap below zero.
    let mut low = before;
    low.frame.tf_sp = 100;
    let snapshot = low;
    let r = arm::<LittleEndian>().sendsig(&mut low, &mut mem, &delivery(SaFlags::empty()));
    assert_eq!(r, Err(LinuxErrno::EFAULT));
    assert_eq!(low, snapshot);
}

#[test]
fn faults_are_recorded_as_linux_set_thread_esr_does() {
    let dabt = (esr::EC_DABT_LOW << esr::EC_SHIFT) | esr::IL | (1 << 24) | esr::WNR | 0x07; // ISV, level 3
    let iabt = (esr::EC_IABT_LOW << esr::EC_SHIFT) | esr::IL | 0x0f;
    let mut t = Arm64Thread::default();
    // A user address: the ESR as it is.
    t.record_fault(0x40_1000, dabt);
    assert_eq!((t.fault_address, t.fault_code), (0x40_1000, dabt));
    // A tagged user address is still a user address.
    t.record_fault(0x2a00_0000_0040_1000, dabt);
    assert_eq!(t.fault_code, dabt);
    // A kernel address: a level-0 translation fault keeping only the class, IL, CM and WnR.
    t.record_fault(0xffff_0000_0000_1000, dabt | esr::CM);
    assert_eq!(
        t.fault_code,
        (esr::EC_DABT_LOW << esr::EC_SHIFT) | esr::IL | esr::CM | esr::WNR | esr::FSC_FAULT
    );
    t.record_fault(0xffff_0000_0000_1000, iabt);
    assert_eq!(t.fault_code, (esr::EC_IABT_LOW << esr::EC_SHIFT) | esr::IL | esr::FSC_FAULT);
    // Anything else for a kernel address: no ESR at all, so no esr_context.
    t.record_fault(0xffff_0000_0000_1000, esr::EC_SVC64 << esr::EC_SHIFT);
    assert_eq!(t.fault_code, 0);
}

#[test]
fn the_handler_returns_to_sa_restorer_else_to_the_vdso_trampoline() {
    let restorer = 0x40_0f00;
    let vdso = Some(VDSO_BASE);
    // Linux/arm64 `setup_return`: SA_RESTORER wins over the vdso.
    assert_eq!(return_trampoline(SaFlags::SA_RESTORER | SaFlags::SA_SIGINFO, restorer, vdso), Some(restorer));
    assert_eq!(return_trampoline(SaFlags::SA_RESTORER, restorer, None), Some(restorer));
    // Without it, __kernel_rt_sigreturn of the mapped image.
    let tramp = return_trampoline(SaFlags::SA_SIGINFO, restorer, vdso);
    assert_eq!(tramp, Some(VDSO_BASE + vdso_arm64::VDSO.symbol("__kernel_rt_sigreturn").unwrap()));
    assert_eq!(tramp, Some(TRAMP));
    // Neither: nowhere to return to; an address that would wrap is none either.
    assert_eq!(return_trampoline(SaFlags::empty(), restorer, None), None);
    assert_eq!(return_trampoline(SaFlags::empty(), 0, Some(u64::MAX - 4)), None);
}

#[test]
fn the_vdso_trampoline_is_the_rt_sigreturn_this_layer_implements() {
    // mov x8, #NR_rt_sigreturn; svc #0 at the offset the trampoline address is computed from, and that
    // number is rt_sigreturn in the (header-checked) syscall table.
    let img = &vdso_arm64::VDSO;
    let at = img.sigreturn as usize;
    let word = |i: usize| u32::from_le_bytes(img.bytes[i..i + 4].try_into().unwrap());
    let nr = vdso_arm64::NR_RT_SIGRETURN;
    assert_eq!([word(at - 4), word(at), word(at + 4)], [0xd503_201f, 0xd280_0008 | (nr << 5), 0xd400_0001]);
    use linux_core::sysno::Sys;
    assert_eq!(arch_arm64::syscall_table::lookup(u64::from(nr)), Some(Sys::RtSigreturn));
    for (nr, sys) in [
        (vdso_arm64::NR_CLOCK_GETTIME, Sys::ClockGettime),
        (vdso_arm64::NR_CLOCK_GETRES, Sys::ClockGetres),
        (vdso_arm64::NR_GETTIMEOFDAY, Sys::Gettimeofday),
    ] {
        assert_eq!(arch_arm64::syscall_table::lookup(u64::from(nr)), Some(sys), "the vdso's fallback {nr}");
    }
}
