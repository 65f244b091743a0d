//! powerpc64 `rt_sigreturn` with arbitrary frame bytes and stack pointers, in all three ABIs: either raw
//! input bytes as the frame, or a frame built by `sendsig` from an input thread and then corrupted at
//! input-chosen offsets (an unpatched one must round-trip).
//!
//! Checked on every input:
//! - on `Err`: a Linux errno, the thread exactly as it was (nothing half-applied);
//! - on `Ok`: the MSR differs at most in `MSR_LE`; the kernel-only `exc` and `booke_dbcr0` are
//!   unchanged; every register the frame holds was applied (GPRs, NIP, CTR, LR, XER, CR, DAR, DSISR,
//!   orig_gpr3, FPRs, FPSCR); CR is 32 bits; FP counts as used and VMX state not in use is zero; the
//!   mask to restore has neither SIGKILL nor SIGSTOP;
//! - a frame `sendsig` built and nobody touched restores the interrupted thread bit for bit (after the
//!   normalisation Linux applies too), with the delivery's mask and alternate stack.

use super::expected_frame_top;
use super::sendsig_ppc64::little;
use crate::check::assert_errno;
use crate::input::Input;
use crate::mem::{map_region, poke_mapped, Recorder};
use crate::state::{delivery, layout::*, ppc_thread};
use arch_ppc64::abi::{
    __SIGNAL_FRAMESIZE, PT_CCR, PT_CTR, PT_DAR, PT_DSISR, PT_LNK, PT_NIP, PT_ORIG_R3, PT_XER,
};
use arch_ppc64::frame::{msr, Ppc64Thread, UnitsUsed};
use arch_ppc64::signal::{SigContext, UContext};
use arch_ppc64::{FuncAbi, Ppc64, Ppc64Cpu};
use core::mem::{offset_of, size_of};
use linux_core::errno::LinuxErrno;
use linux_core::hooks::{SignalHooks, SigreturnOutcome};
use linux_core::signal::LinuxSigset;
use linux_core::uaccess::{UserAddr, UserMemory};
use zerocopy::byteorder::{ByteOrder, U64};
use zerocopy::{BigEndian, IntoBytes, LittleEndian};

type B = BigEndian;
const UC_SIZE: usize = size_of::<UContext<B>>();
const UC_MCONTEXT: usize = offset_of!(UContext<B>, uc_mcontext);
const V_REGS_FIELD: usize = UC_MCONTEXT + offset_of!(SigContext<B>, v_regs);
const MSR_FIELD: usize = UC_MCONTEXT + offset_of!(SigContext<B>, gp_regs) + 8 * arch_ppc64::abi::PT_MSR;
/// Where sendsig puts the vector area: the 16-aligned start of `vmx_reserve`.
const V_REGS_OFFSET: u64 = ((UC_MCONTEXT + offset_of!(SigContext<B>, vmx_reserve)) as u64 + 15) & !15;

pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    match inp.u8() % 3 {
        0 => go::<BigEndian>(FuncAbi::ElfV1, &mut inp),
        1 => go::<BigEndian>(FuncAbi::ElfV2, &mut inp),
        _ => go::<LittleEndian>(FuncAbi::ElfV2, &mut inp),
    }
}

fn go<E: ByteOrder>(abi: FuncAbi, inp: &mut Input<'_>) {
    let hooks = Ppc64::<E>::new(abi, Ppc64Cpu::POWER9);
    let mode = inp.u8();
    let mut m = Recorder::default();
    map_region(&mut m.sim, STACK, STACK_PAGES, u64::from(inp.u16()), 0);
    if mode & 1 == 0 {
        // Raw bytes at an input stack pointer.
        let mut t = ppc_thread(inp);
        let sp = if mode & 2 != 0 { inp.u64() } else { STACK + u64::from(inp.u16()) % (STACK_PAGES * 4096) };
        t.frame.fixreg[1] = sp;
        let mut frame = inp.bytes(UC_SIZE + 64).to_vec();
        if frame.len() < UC_SIZE {
            frame.resize(UC_SIZE, 0);
        }
        if mode & 4 != 0 {
            // Point v_regs where sendsig would, so that the vector paths are reached.
            frame[V_REGS_FIELD..V_REGS_FIELD + 8]
                .copy_from_slice(U64::<E>::new(sp.wrapping_add(V_REGS_OFFSET)).as_bytes());
        }
        if mode & 8 != 0 {
            let bits =
                if mode & 0x40 != 0 { msr::VEC } else { 0 } | if mode & 0x80 != 0 { msr::VSX } else { 0 };
            let mut w = [0u8; 8];
            w.copy_from_slice(&frame[MSR_FIELD..MSR_FIELD + 8]);
            let v = U64::<E>::from_bytes(w).get() | bits;
            frame[MSR_FIELD..MSR_FIELD + 8].copy_from_slice(U64::<E>::new(v).as_bytes());
        }
        poke_mapped(&mut m.sim, sp, &frame);
        let before = t;
        let r = hooks.sigreturn(&mut t, &m);
        check::<E>(&before, &t, &m, r);
    } else {
        // A frame sendsig built, then corrupted.
        let mut interrupted = ppc_thread(inp);
        interrupted.frame.fixreg[1] = STACK + STACK_PAGES * 4096 - u64::from(inp.u16() % 0x3000);
        let mut d = delivery(inp);
        d.handler = CODE;
        map_region(&mut m.sim, CODE, 1, 0, 0);
        map_region(&mut m.sim, ALT, ALT_PAGES, 0, 0);
        let mut t = interrupted;
        if hooks.sendsig(&mut t, &mut m, &d).is_err() {
            return;
        }
        let frame_addr = t.frame.fixreg[1] + __SIGNAL_FRAMESIZE;
        t.frame.fixreg[1] = frame_addr;
        let mut patched = false;
        while !inp.is_empty() {
            let off = u64::from(inp.u16()) % (UC_SIZE as u64 + 1024);
            let x = inp.u8();
            let at = frame_addr + off;
            if let Some(b) = m.sim.peek(at, 1) {
                m.sim.poke(at, &[b[0] ^ x]);
                patched |= x != 0;
            }
        }
        let before = t;
        let r = hooks.sigreturn(&mut t, &m);
        check::<E>(&before, &t, &m, r);
        if !patched {
            let out = r.unwrap_or_else(|e| panic!("sigreturn refused an untouched frame: {e:?}"));
            let mut exp = interrupted;
            exp.frame.cr &= 0xffff_ffff;
            exp.vector.used |= UnitsUsed::FP;
            if !exp.vector.used.contains(UnitsUsed::VEC) {
                exp.vector.vr = [0; 32];
                exp.vector.vscr = 0;
            }
            if !exp.vector.used.contains(UnitsUsed::VSX) {
                exp.vector.vsr_low = [0; 32];
            }
            assert_eq!(t, exp, "deliver then return did not restore the interrupted thread");
            assert_eq!(out.mask, d.saved_mask.blockable());
            let top = expected_frame_top(interrupted.frame.fixreg[1], &d);
            assert!(top >= frame_addr);
            assert_eq!((out.altstack.sp, out.altstack.size), (d.altstack.sp, d.altstack.size));
        }
    }
}

/// The invariants of any sigreturn.
fn check<E: ByteOrder>(
    before: &Ppc64Thread,
    after: &Ppc64Thread,
    m: &Recorder,
    r: Result<SigreturnOutcome, LinuxErrno>,
) {
    let _ = little::<E>();
    match r {
        Err(e) => {
            assert_errno(e, "sigreturn");
            assert_eq!(after, before, "sigreturn failed ({e:?}) but changed the thread");
        }
        Ok(out) => {
            assert_eq!(
                (after.frame.srr1 ^ before.frame.srr1) & !msr::LE,
                0,
                "sigreturn changed a privileged MSR bit"
            );
            assert_eq!(after.frame.exc, before.frame.exc, "sigreturn changed exc");
            assert_eq!(after.frame.booke_dbcr0, before.frame.booke_dbcr0, "sigreturn changed booke_dbcr0");
            assert_eq!(out.mask.0 & LinuxSigset::UNBLOCKABLE, 0, "sigreturn would block SIGKILL or SIGSTOP");
            assert!(after.frame.cr <= 0xffff_ffff, "CR has more than 32 bits");
            assert!(after.vector.used.contains(UnitsUsed::FP));
            if !after.vector.used.contains(UnitsUsed::VEC) {
                assert!(after.vector.vr == [0; 32] && after.vector.vscr == 0, "stale VMX state kept");
            }
            // Applied entirely: every register the frame holds is now the thread's.
            let uc: UContext<E> = m
                .read_value(UserAddr(before.frame.fixreg[1]))
                .expect("sigreturn succeeded on an unreadable frame");
            let sc = &uc.uc_mcontext;
            let gp = |i: usize| sc.gp_regs[i].get();
            for i in 0..32 {
                assert_eq!(after.frame.fixreg[i], gp(i), "r{i} not restored");
            }
            let f = &after.frame;
            assert_eq!(
                (f.srr0, f.ctr, f.lr, f.xer, f.cr, f.dar, f.dsisr, after.orig_gpr3),
                (
                    gp(PT_NIP),
                    gp(PT_CTR),
                    gp(PT_LNK),
                    gp(PT_XER),
                    gp(PT_CCR) & 0xffff_ffff,
                    gp(PT_DAR),
                    gp(PT_DSISR),
                    gp(PT_ORIG_R3)
                ),
                "special registers not restored"
            );
            for i in 0..32 {
                assert_eq!(after.vector.fpr[i], sc.fp_regs[i].get(), "f{i} not restored");
            }
            assert_eq!(after.vector.fpscr, sc.fp_regs[32].get());
            assert_eq!(out.altstack.sp, uc.uc_stack.ss_sp.get());
        }
    }
}
