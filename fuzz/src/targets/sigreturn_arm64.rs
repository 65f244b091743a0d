//! arm64 `rt_sigreturn` with arbitrary frames and stack pointers: raw input bytes as the frame, a frame
//! whose `__reserved` record list is assembled from input-chosen records (fpsimd, esr, extra_context
//! pointing at an input-chosen area, unknown magics, bad sizes), or a frame built by `sendsig` and then
//! corrupted at input-chosen offsets (an unpatched one must round-trip).
//!
//! Checked on every input:
//! - on `Err`: a Linux errno, the thread exactly as it was;
//! - on `Ok`: PSTATE is EL0t, AArch64, with D, A, I, F, SS and every RES0 bit clear, and otherwise the
//!   frame's; x0..x30, sp and pc are the frame's (applied entirely); the kernel-only `tf_esr`,
//!   `tf_far`, the fault record and TPIDR_EL0 are unchanged; FP/SIMD counts as used; the mask to
//!   restore has neither SIGKILL nor SIGSTOP;
//! - a frame `sendsig` built from a user PSTATE and nobody touched restores the interrupted thread.

use crate::check::assert_errno;
use crate::input::Input;
use crate::mem::{map_region, poke_mapped, Recorder};
use crate::state::{arm_thread, delivery, layout::*};
use arch_arm64::abi::{
    ESR_MAGIC, EXTRA_MAGIC, FPSIMD_MAGIC, PSR_DAIF, PSR_MODE32_BIT, PSR_MODE_MASK, PSR_SS_BIT,
    SPSR_EL1_AARCH64_RES0_BITS,
};
use arch_arm64::frame::{Arm64Thread, FpSimdState};
use arch_arm64::signal::{
    valid_user_pstate, RtSigFrame, FPSIMD_CONTEXT_SIZE, FRAME_RESERVED, RT_SIGFRAME_SIZE,
};
use arch_arm64::{Arm64, Arm64Cpu};
use linux_core::errno::LinuxErrno;
use linux_core::hooks::{SignalHooks, SigreturnOutcome};
use linux_core::signal::LinuxSigset;
use linux_core::uaccess::{UserAddr, UserMemory};
use zerocopy::byteorder::{U32, U64};
use zerocopy::{IntoBytes, LittleEndian};

type E = LittleEndian;

pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    let hooks = Arm64::<E>::new(Arm64Cpu::NEOVERSE_N1);
    let mode = inp.u8();
    let mut m = Recorder::default();
    map_region(&mut m.sim, STACK, STACK_PAGES, u64::from(inp.u16()), 0);
    match mode % 3 {
        0 | 1 => {
            let mut t = arm_thread(&mut inp);
            let sp = if mode & 0x80 != 0 {
                inp.u64()
            } else {
                STACK + (u64::from(inp.u16()) % (STACK_PAGES * 4096))
            };
            t.frame.tf_sp = sp;
            let mut frame = vec![0u8; RT_SIGFRAME_SIZE as usize];
            if mode % 3 == 0 {
                let raw = inp.bytes(RT_SIGFRAME_SIZE as usize);
                frame[..raw.len()].copy_from_slice(raw);
            } else {
                // Registers and PSTATE from the input, then a record list.
                let head = inp.bytes(FRAME_RESERVED as usize);
                frame[..head.len()].copy_from_slice(head);
                let extra = records(&mut inp, &mut frame, sp, &mut m);
                if let Some((at, bytes)) = extra {
                    poke_mapped(&mut m.sim, at, &bytes);
                }
            }
            poke_mapped(&mut m.sim, sp, &frame);
            let before = t;
            let r = hooks.sigreturn(&mut t, &m);
            check(&before, &t, &m, r);
        }
        _ => {
            let mut interrupted = arm_thread(&mut inp);
            interrupted.frame.tf_sp = STACK + STACK_PAGES * 4096 - u64::from(inp.u16() % 0x3000);
            let d = delivery(&mut inp);
            map_region(&mut m.sim, ALT, ALT_PAGES, 0, 0);
            let mut t = interrupted;
            if hooks.sendsig(&mut t, &mut m, &d).is_err() {
                return;
            }
            let frame_at = t.frame.tf_sp;
            let mut patched = false;
            while !inp.is_empty() {
                let off = u64::from(inp.u16()) % (RT_SIGFRAME_SIZE + 16);
                let x = inp.u8();
                if let Some(b) = m.sim.peek(frame_at + off, 1) {
                    m.sim.poke(frame_at + off, &[b[0] ^ x]);
                    patched |= x != 0;
                }
            }
            let before = t;
            let r = hooks.sigreturn(&mut t, &m);
            check(&before, &t, &m, r);
            if !patched {
                match valid_user_pstate(interrupted.frame.tf_spsr) {
                    None => assert_eq!(
                        r.map(|_| ()),
                        Err(LinuxErrno::EINVAL),
                        "a frame with a kernel PSTATE was accepted"
                    ),
                    Some(pstate) => {
                        let out = r.unwrap_or_else(|e| panic!("sigreturn refused an untouched frame: {e:?}"));
                        let mut exp = interrupted;
                        exp.frame.tf_spsr = pstate;
                        exp.fpsimd =
                            if interrupted.fpsimd.used { interrupted.fpsimd } else { FpSimdState::default() };
                        exp.fpsimd.used = true;
                        assert_eq!(t, exp, "deliver then return did not restore the interrupted thread");
                        assert_eq!(out.mask, d.saved_mask.blockable());
                        assert_eq!((out.altstack.sp, out.altstack.size), (d.altstack.sp, d.altstack.size));
                    }
                }
            }
        }
    }
}

/// Assembles a `__reserved` record list from the input into `frame`; returns the bytes of an extra area
/// to place in memory, if an `extra_context` wants one.
fn records(inp: &mut Input<'_>, frame: &mut [u8], sp: u64, _m: &mut Recorder) -> Option<(u64, Vec<u8>)> {
    let reserved = FRAME_RESERVED as usize;
    let mut at = reserved;
    let end = frame.len();
    let mut extra = None;
    let put = |frame: &mut [u8], at: &mut usize, bytes: &[u8]| {
        let n = bytes.len().min(end.saturating_sub(*at));
        frame[*at..*at + n].copy_from_slice(&bytes[..n]);
        *at += n;
    };
    for _ in 0..6 {
        let kind = inp.u8();
        let tweak = inp.u8();
        let mut rec = Vec::new();
        match kind % 6 {
            0 => {
                rec.extend_from_slice(U32::<E>::new(FPSIMD_MAGIC).as_bytes());
                rec.extend_from_slice(U32::<E>::new(FPSIMD_CONTEXT_SIZE).as_bytes());
                let body = inp.bytes(FPSIMD_CONTEXT_SIZE as usize - 8);
                rec.extend_from_slice(body);
                rec.resize(FPSIMD_CONTEXT_SIZE as usize, 0);
            }
            1 => {
                rec.extend_from_slice(U32::<E>::new(ESR_MAGIC).as_bytes());
                rec.extend_from_slice(U32::<E>::new(16).as_bytes());
                rec.extend_from_slice(U64::<E>::new(inp.u64()).as_bytes());
            }
            2 => {
                // extra_context; datap right after the terminator that must follow it (or anything).
                let rec_at = at as u64;
                let userp = sp.wrapping_add(rec_at + 32 + 16);
                let datap = if tweak & 0x80 != 0 { inp.u64() } else { userp };
                let size = if tweak & 0x40 != 0 { inp.u32() } else { 16 * u32::from(inp.u8() % 40) };
                rec.extend_from_slice(U32::<E>::new(EXTRA_MAGIC).as_bytes());
                rec.extend_from_slice(U32::<E>::new(32).as_bytes());
                rec.extend_from_slice(U64::<E>::new(datap).as_bytes());
                rec.extend_from_slice(U32::<E>::new(size).as_bytes());
                rec.resize(32, 0);
                rec.resize(48, 0); // the terminator
                                   // The extra area: more records from the input.
                let n = (size as usize).min(1024);
                let mut area = inp.bytes(n).to_vec();
                if tweak & 0x20 != 0 && area.len() >= 8 {
                    area[..4].copy_from_slice(U32::<E>::new(FPSIMD_MAGIC).as_bytes());
                    area[4..8].copy_from_slice(U32::<E>::new(FPSIMD_CONTEXT_SIZE).as_bytes());
                }
                extra = Some((datap, area));
            }
            3 => {
                // A record with an input magic and size.
                rec.extend_from_slice(U32::<E>::new(inp.u32()).as_bytes());
                rec.extend_from_slice(U32::<E>::new(u32::from(inp.u16())).as_bytes());
                rec.resize(16, 0);
            }
            4 => {
                // The terminator, possibly with a size.
                rec.extend_from_slice(&[0; 4]);
                rec.extend_from_slice(U32::<E>::new(u32::from(tweak & 0x10)).as_bytes());
                put(frame, &mut at, &rec);
                break;
            }
            _ => {
                let n = usize::from(tweak % 64);
                rec.extend_from_slice(inp.bytes(n));
            }
        }
        if tweak & 0x0f == 0x0f && rec.len() >= 8 {
            rec[4] ^= inp.u8();
        }
        put(frame, &mut at, &rec);
    }
    extra
}

fn check(before: &Arm64Thread, after: &Arm64Thread, m: &Recorder, r: Result<SigreturnOutcome, LinuxErrno>) {
    match r {
        Err(e) => {
            assert_errno(e, "sigreturn");
            assert_eq!(after, before, "sigreturn failed ({e:?}) but changed the thread");
        }
        Ok(out) => {
            let p = after.frame.tf_spsr;
            assert!(
                p & PSR_MODE_MASK == 0
                    && p & (PSR_MODE32_BIT | PSR_DAIF | PSR_SS_BIT | SPSR_EL1_AARCH64_RES0_BITS) == 0,
                "sigreturn installed a non-user PSTATE {p:#x}"
            );
            assert_eq!(
                (
                    after.frame.tf_esr,
                    after.frame.tf_far,
                    after.fault_address,
                    after.fault_code,
                    after.tpidr_el0
                ),
                (
                    before.frame.tf_esr,
                    before.frame.tf_far,
                    before.fault_address,
                    before.fault_code,
                    before.tpidr_el0
                ),
                "sigreturn changed kernel-only state"
            );
            assert_eq!(out.mask.0 & LinuxSigset::UNBLOCKABLE, 0);
            assert!(after.fpsimd.used);
            let frame: RtSigFrame<E> = m
                .read_value(UserAddr(before.frame.tf_sp))
                .expect("sigreturn succeeded on an unreadable frame");
            let sc = &frame.uc.uc_mcontext;
            for n in 0..31 {
                assert_eq!(after.frame.x(n), sc.regs[n].get(), "x{n} not restored");
            }
            assert_eq!((after.frame.tf_sp, after.frame.tf_elr), (sc.sp.get(), sc.pc.get()));
            assert_eq!(p, sc.pstate.get() & !SPSR_EL1_AARCH64_RES0_BITS & !PSR_SS_BIT);
        }
    }
}
