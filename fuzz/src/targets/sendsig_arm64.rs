//! arm64 signal delivery (`sendsig`) with any register state (PSTATE included), fault record,
//! alternate stack, handler and siginfo, onto stacks whose pages are read-write, read-only or unmapped.
//!
//! Checked on every input:
//! - noninterference: a second delivery with different kernel-only state (`tf_esr`, `tf_far`: the
//!   exception that entered the kernel, which Linux never shows; `tpidr_el0`, which the frame does not
//!   hold) onto memory pre-filled with other bytes makes exactly the same writes, result and registers;
//! - on `Err`: a Linux errno, the thread exactly as it was;
//! - on `Ok`: the registers are the input's except exactly those Linux's `setup_return` sets; PSTATE
//!   differs at most by TCO cleared (so a user PSTATE stays EL0t with D, A, I, F clear); the writes are
//!   exactly the frame and the frame record below the (16-aligned) frame top; every 8-byte word written
//!   is zero, a value of the thread or the delivery, or a constant of the record format.

use super::{expected_frame_top, ss_flags_words};
use crate::check::{assert_errno, half_words, Provenance};
use crate::input::Input;
use crate::mem::{map_region, Recorder};
use crate::state::{arm_thread, delivery, layout::*};
use arch_arm64::abi::{ESR_MAGIC, FPSIMD_MAGIC, PSR_TCO_BIT};
use arch_arm64::frame::Arm64Thread;
use arch_arm64::signal::{
    ESR_CONTEXT_SIZE, FPSIMD_CONTEXT_SIZE, FRAME_RECORD_SIZE, FRAME_UC, RT_SIGFRAME_SIZE,
};
use arch_arm64::{Arm64, Arm64Cpu};
use linux_core::hooks::{SignalDelivery, SignalHooks};
use linux_core::signal::SaFlags;
use zerocopy::byteorder::ByteOrder;
use zerocopy::{BigEndian, LittleEndian};

pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    // Linux/arm64 programs are little-endian; the big-endian instantiation is exercised too.
    if inp.u8() & 0x0f == 0x0f {
        go::<BigEndian>(&mut inp)
    } else {
        go::<LittleEndian>(&mut inp)
    }
}

fn memory(prot_stack: u64, prot_alt: u64, fill: u8) -> Recorder {
    let mut m = Recorder::default();
    map_region(&mut m.sim, STACK, STACK_PAGES, prot_stack, fill);
    map_region(&mut m.sim, ALT, ALT_PAGES, prot_alt, fill);
    m
}

fn go<E: ByteOrder>(inp: &mut Input<'_>) {
    let prot_stack = u64::from(inp.u16());
    let prot_alt = u64::from(inp.u8());
    let sp_mode = inp.u8();
    let mut before = arm_thread(inp);
    before.frame.tf_sp = match sp_mode & 3 {
        3 => inp.u64(),
        _ => STACK + STACK_PAGES * 4096 - u64::from(inp.u16() % 0x5000),
    };
    let d = delivery(inp);
    let hooks = Arm64::<E>::new(Arm64Cpu::NEOVERSE_N1);

    let mut t1 = before;
    let mut m1 = memory(prot_stack, prot_alt, 0);
    let r1 = hooks.sendsig(&mut t1, &mut m1, &d);

    let mut before2 = before;
    before2.frame.tf_esr = !before.frame.tf_esr;
    before2.frame.tf_far = before.frame.tf_far ^ 0xffff_0000_dead_beef;
    before2.tpidr_el0 = before.tpidr_el0.rotate_left(17) ^ 0x5555;
    let mut t2 = before2;
    let mut m2 = memory(prot_stack, prot_alt, 0xa5);
    let r2 = hooks.sendsig(&mut t2, &mut m2, &d);
    assert_eq!(r1, r2, "sendsig: the result depends on kernel-only state or old memory contents");
    assert!(
        m1.writes == m2.writes,
        "sendsig: the bytes written depend on kernel-only state or old memory contents"
    );
    assert_eq!(
        (t2.frame.tf_esr, t2.frame.tf_far, t2.tpidr_el0),
        (before2.frame.tf_esr, before2.frame.tf_far, before2.tpidr_el0),
        "sendsig changed kernel-only state"
    );
    (t2.frame.tf_esr, t2.frame.tf_far, t2.tpidr_el0) =
        (before.frame.tf_esr, before.frame.tf_far, before.tpidr_el0);
    assert_eq!(t1, t2, "sendsig: the registers depend on kernel-only state or old memory contents");

    match r1 {
        Err(e) => {
            assert_errno(e, "sendsig");
            assert_eq!(t1, before, "sendsig failed ({e:?}) but changed the thread");
        }
        Ok(()) => check_delivered::<E>(&before, &t1, &m1, &d),
    }
}

fn check_delivered<E: ByteOrder>(
    before: &Arm64Thread,
    after: &Arm64Thread,
    m: &Recorder,
    d: &SignalDelivery,
) {
    let sp = before.frame.tf_sp;
    let top = expected_frame_top(sp, d);
    let record_at = (top - FRAME_RECORD_SIZE) & !15;
    let frame_at = record_at - RT_SIGFRAME_SIZE;

    let mut exp = *before;
    let f = &mut exp.frame;
    f.tf_x[0] = u64::from(d.signal.get());
    if d.flags.contains(SaFlags::SA_SIGINFO) {
        f.tf_x[1] = frame_at;
        f.tf_x[2] = frame_at + FRAME_UC;
    }
    f.tf_sp = frame_at;
    f.tf_x[29] = record_at;
    f.tf_elr = d.handler;
    f.tf_spsr = before.frame.tf_spsr & !PSR_TCO_BIT;
    f.tf_lr = d.trampoline;
    assert_eq!(*after, exp, "sendsig: registers other than the handler's entry state changed");

    m.assert_writes_within(&[(u128::from(frame_at), u128::from(record_at) + 16)], "sendsig");

    let t = before;
    let mut p = Provenance::default();
    p.allow_all(t.frame.tf_x);
    p.allow_all([t.frame.tf_lr, sp, t.frame.tf_elr, t.frame.tf_spsr, t.fault_address, t.fault_code]);
    if t.fpsimd.used {
        for v in t.fpsimd.vregs {
            p.allow_u128(v);
        }
        p.allow(u64::from(t.fpsimd.fpsr) | u64::from(t.fpsimd.fpcr) << 32);
        p.allow(u64::from(t.fpsimd.fpsr) << 32 | u64::from(t.fpsimd.fpcr));
    }
    for (magic, size) in [(FPSIMD_MAGIC, FPSIMD_CONTEXT_SIZE), (ESR_MAGIC, ESR_CONTEXT_SIZE)] {
        p.allow(u64::from(magic) | u64::from(size) << 32);
        p.allow(u64::from(magic) << 32 | u64::from(size));
    }
    p.allow_all([d.saved_mask.0, d.altstack.sp, d.altstack.size]);
    p.allow_all(ss_flags_words());
    p.allow_all(half_words(0));
    if d.flags.contains(SaFlags::SA_SIGINFO) {
        p.allow_block::<E>(&d.info.encode::<E>());
    }
    p.assert_explains::<E>(m, "sendsig");
}
