//! powerpc64 signal delivery (`sendsig`) with any register state, alternate stack, handler and
//! siginfo, onto stacks whose pages are read-write, read-only or unmapped, in all three ABIs.
//!
//! Checked on every input:
//! - noninterference: a second delivery with a different `booke_dbcr0` (the one trap-frame field that is
//!   kernel-only) onto memory pre-filled with other bytes makes exactly the same writes, result and
//!   registers: nothing kernel-only and nothing the user memory held before reaches the frame;
//! - on `Err`: a Linux errno, the thread exactly as it was;
//! - on `Ok`: the registers are the input's except exactly those Linux's `handle_rt_signal64` sets;
//!   the MSR differs at most in `MSR_LE`, which is the process's byte order; the writes stay within the
//!   frame and the back chain (never in the 512-byte red zone above it, never above the frame top);
//!   every 8-byte word written is zero, a value of the thread or the delivery, a constant of the frame
//!   format, or an address inside the frame.

use super::{expected_frame_top, ss_flags_words};
use crate::check::{assert_errno, half_words, Provenance};
use crate::input::Input;
use crate::mem::{map_region, poke_mapped, Recorder};
use crate::state::{delivery, layout::*, ppc_thread};
use arch_ppc64::abi::{__SIGNAL_FRAMESIZE, USER_REDZONE_SIZE};
use arch_ppc64::frame::{msr, Ppc64Thread};
use arch_ppc64::signal::{RtSigFrame, UContext, RT_SIGFRAME_SIZE};
use arch_ppc64::{FuncAbi, Ppc64, Ppc64Cpu};
use core::mem::offset_of;
use linux_core::hooks::{SignalDelivery, SignalHooks};
use linux_core::signal::SaFlags;
use zerocopy::byteorder::{ByteOrder, U64};
use zerocopy::{BigEndian, IntoBytes, LittleEndian};

type B = BigEndian;
const UC_MCONTEXT: u64 = offset_of!(UContext<B>, uc_mcontext) as u64;
const FRAME_INFO: u64 = offset_of!(RtSigFrame<B>, info) as u64;

/// Whether `E` is little-endian.
pub fn little<E: ByteOrder>() -> bool {
    U64::<E>::new(1).as_bytes()[0] == 1
}

/// The memory of one run: stack, alternate stack and code pages, pre-filled with `fill`, the ELFv1
/// descriptor at the handler.
struct Setup {
    prot_stack: u64,
    prot_alt: u64,
    code_mapped: bool,
    descriptor: [u64; 2],
}

impl Setup {
    fn memory<E: ByteOrder>(&self, fill: u8, handler: u64) -> Recorder {
        let mut m = Recorder::default();
        map_region(&mut m.sim, STACK, STACK_PAGES, self.prot_stack, fill);
        map_region(&mut m.sim, ALT, ALT_PAGES, self.prot_alt, fill);
        map_region(&mut m.sim, CODE, 1, if self.code_mapped { 0 } else { 2 }, fill);
        let desc = [U64::<E>::new(self.descriptor[0]), U64::<E>::new(self.descriptor[1])];
        poke_mapped(&mut m.sim, handler, desc.as_bytes());
        m
    }
}

pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    match inp.u8() % 3 {
        0 => go::<BigEndian>(FuncAbi::ElfV1, &mut inp),
        1 => go::<BigEndian>(FuncAbi::ElfV2, &mut inp),
        _ => go::<LittleEndian>(FuncAbi::ElfV2, &mut inp),
    }
}

fn go<E: ByteOrder>(abi: FuncAbi, inp: &mut Input<'_>) {
    let setup = Setup {
        prot_stack: u64::from(inp.u16()),
        prot_alt: u64::from(inp.u8()),
        code_mapped: inp.u8() & 7 != 0,
        descriptor: [inp.u64(), inp.u64()],
    };
    let sp_mode = inp.u8();
    let mut before = ppc_thread(inp);
    before.frame.fixreg[1] = match sp_mode & 3 {
        3 => inp.u64(),
        _ => STACK + STACK_PAGES * 4096 - u64::from(inp.u16() % 0x5000),
    };
    let d = delivery(inp);
    let hooks = Ppc64::<E>::new(abi, Ppc64Cpu::POWER9);

    let mut t1 = before;
    let mut m1 = setup.memory::<E>(0, d.handler);
    let r1 = hooks.sendsig(&mut t1, &mut m1, &d);

    // Noninterference: other kernel-only state, other prior memory contents.
    let mut before2 = before;
    before2.frame.booke_dbcr0 = !before.frame.booke_dbcr0 ^ 0x0123_4567_89ab_cdef;
    let mut t2 = before2;
    let mut m2 = setup.memory::<E>(0xa5, d.handler);
    let r2 = hooks.sendsig(&mut t2, &mut m2, &d);
    assert_eq!(r1, r2, "sendsig: the result depends on kernel-only state or old memory contents");
    assert!(
        m1.writes == m2.writes,
        "sendsig: the bytes written depend on kernel-only state or old memory contents"
    );
    assert_eq!(t2.frame.booke_dbcr0, before2.frame.booke_dbcr0, "sendsig changed booke_dbcr0");
    t2.frame.booke_dbcr0 = before.frame.booke_dbcr0;
    assert_eq!(t1, t2, "sendsig: the registers depend on kernel-only state or old memory contents");

    match r1 {
        Err(e) => {
            assert_errno(e, "sendsig");
            assert_eq!(t1, before, "sendsig failed ({e:?}) but changed the thread");
        }
        Ok(()) => check_delivered::<E>(abi, &before, &t1, &m1, &d, setup.descriptor),
    }
}

fn check_delivered<E: ByteOrder>(
    abi: FuncAbi,
    before: &Ppc64Thread,
    after: &Ppc64Thread,
    m: &Recorder,
    d: &SignalDelivery,
    descriptor: [u64; 2],
) {
    let sp = before.frame.fixreg[1];
    let top = expected_frame_top(sp, d);
    let frame_addr = (top - RT_SIGFRAME_SIZE) & !15;
    let newsp = frame_addr - __SIGNAL_FRAMESIZE;

    // Registers: exactly what handle_rt_signal64 sets.
    let mut exp = *before;
    let f = &mut exp.frame;
    f.srr0 = d.trampoline;
    match abi {
        FuncAbi::ElfV2 => {
            f.ctr = d.handler;
            f.fixreg[12] = d.handler;
        }
        FuncAbi::ElfV1 => {
            f.ctr = descriptor[0];
            f.fixreg[2] = descriptor[1];
        }
    }
    f.srr1 = (before.frame.srr1 & !msr::LE) | if little::<E>() { msr::LE } else { 0 };
    f.fixreg[1] = newsp;
    f.fixreg[3] = u64::from(d.signal.get());
    if d.flags.contains(SaFlags::SA_SIGINFO) {
        f.fixreg[4] = frame_addr + FRAME_INFO;
        f.fixreg[5] = frame_addr;
        f.fixreg[6] = frame_addr;
    } else {
        f.fixreg[4] = frame_addr + UC_MCONTEXT;
    }
    exp.vector.fpscr = 0;
    assert_eq!(*after, exp, "sendsig: registers other than the handler's entry state changed");
    assert_eq!((after.frame.srr1 ^ before.frame.srr1) & !msr::LE, 0, "sendsig changed a privileged MSR bit");

    // Writes: the frame below the red zone, and the back chain.
    let body_end = frame_addr + RT_SIGFRAME_SIZE - USER_REDZONE_SIZE;
    m.assert_writes_within(
        &[(u128::from(newsp), u128::from(newsp) + 8), (u128::from(frame_addr), u128::from(body_end))],
        "sendsig",
    );

    // Provenance of every written word.
    let t = before;
    let mut p = Provenance::default();
    p.allow_all(t.frame.fixreg);
    p.allow_all([
        t.frame.lr,
        t.frame.cr,
        t.frame.xer,
        t.frame.ctr,
        t.frame.srr0,
        t.frame.exc,
        t.frame.dar,
        t.frame.dsisr,
    ]);
    let base_msr = t.frame.srr1 & !(msr::VEC | msr::VSX);
    p.allow_all([base_msr, base_msr | msr::VEC, base_msr | msr::VSX, base_msr | msr::VEC | msr::VSX]);
    p.allow(t.orig_gpr3);
    p.allow_all(t.vector.fpr);
    p.allow_all(t.vector.vsr_low);
    p.allow(t.vector.fpscr);
    for v in t.vector.vr {
        p.allow_u128(v);
    }
    p.allow(u64::from(t.vector.vscr));
    p.allow_all(half_words(t.vector.vrsave));
    p.allow(1); // softe
    p.allow_all(half_words(u32::from(d.signal.get())));
    p.allow_all([d.handler, d.saved_mask.0, d.altstack.sp, d.altstack.size]);
    p.allow_all(ss_flags_words());
    p.allow_block::<E>(&d.info.encode::<E>());
    p.addresses.push((newsp, top));
    p.assert_explains::<E>(m, "sendsig");
}
