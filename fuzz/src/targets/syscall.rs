//! System call entry and exit with arbitrary register values, syscall numbers and outcomes (ppc64 and
//! arm64), the syscall tables, and the errno conversions behind every return.
//!
//! Checked on every input:
//! - fetch reads exactly the number and argument registers;
//! - set_syscall_retval changes only the result register, CR0.SO (ppc64) and, for a restart, the PC
//!   (and the first argument register); never the MSR / PSTATE; an error puts a Linux errno there
//!   (ppc64: 1..=133 with CR0.SO set; arm64: -errno, which decodes back);
//! - a table lookup is a handler or ENOSYS, and a handler's number looks up to the same handler;
//! - every FreeBSD status becomes success, restart, just-return or a Linux errno.

use crate::check::assert_errno;
use crate::input::Input;
use arch_arm64::frame::TrapFrame as ArmFrame;
use arch_arm64::{Arm64, Arm64Cpu};
use arch_ppc64::frame::{TrapFrame as PpcFrame, CR0_SO};
use arch_ppc64::{FuncAbi, Ppc64, Ppc64Cpu};
use linux_core::errno::{FreeBsdErrno, FreeBsdStatus, LinuxErrno};
use linux_core::hooks::SyscallHooks;
use linux_core::syscall::{SyscallOutcome, SyscallTable};
use zerocopy::{BigEndian, LittleEndian};

fn outcome(inp: &mut Input<'_>) -> SyscallOutcome {
    match inp.u8() % 5 {
        0 => SyscallOutcome::Success(inp.u64()),
        1 => SyscallOutcome::Restart,
        2 => SyscallOutcome::JustReturn,
        3 => SyscallOutcome::from_freebsd(FreeBsdErrno(inp.u32() as i32), inp.u64()),
        _ => match LinuxErrno::new(inp.u16()) {
            Some(e) => SyscallOutcome::Error(e),
            None => SyscallOutcome::Success(0),
        },
    }
}

fn table(t: SyscallTable, number: u64) {
    match t.lookup(number) {
        Ok(sys) => {
            let n = t.number_of(sys).expect("a handler without a number");
            assert_eq!(t.lookup(n), Ok(sys));
        }
        Err(e) => assert_eq!(e, LinuxErrno::ENOSYS),
    }
}

pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    let sel = inp.u8();
    let status = FreeBsdErrno(inp.u32() as i32);
    if let FreeBsdStatus::Error(e) = status.to_linux() {
        assert_errno(e, "FreeBsdErrno::to_linux");
    }
    let raw = inp.u64();
    if let Some(e) = LinuxErrno::from_negative_return(raw) {
        assert_errno(e, "from_negative_return");
        assert_eq!(e.as_negative_return(), raw);
    }
    if sel & 1 == 0 {
        let mut f = PpcFrame::default();
        for r in f.fixreg.iter_mut() {
            *r = inp.u64();
        }
        (f.lr, f.cr, f.xer, f.ctr, f.srr0, f.srr1, f.exc) =
            (inp.u64(), inp.u64(), inp.u64(), inp.u64(), inp.u64(), inp.u64(), inp.u64());
        let hooks = Ppc64::<BigEndian>::new(FuncAbi::ElfV1, Ppc64Cpu::POWER9);
        let hooks_le = Ppc64::<LittleEndian>::new(FuncAbi::ElfV2, Ppc64Cpu::POWER9);
        let req = hooks.fetch_syscall_args(&f);
        assert_eq!(req, hooks_le.fetch_syscall_args(&f));
        assert_eq!(req.number, f.fixreg[0]);
        assert_eq!(req.args[..], f.fixreg[3..9]);
        table(hooks.syscall_table(), req.number);
        let out = outcome(&mut inp);
        let before = f;
        hooks.set_syscall_retval(&mut f, &req, out);
        let mut exp = before;
        match out {
            SyscallOutcome::Success(v) => {
                exp.fixreg[3] = v;
                exp.cr &= !CR0_SO;
            }
            SyscallOutcome::Error(e) => {
                assert_errno(e, "set_syscall_retval");
                exp.fixreg[3] = u64::from(e.get());
                exp.cr |= CR0_SO;
            }
            SyscallOutcome::Restart => {
                exp.srr0 = before.srr0.wrapping_sub(4);
                exp.fixreg[3] = req.args[0];
            }
            SyscallOutcome::JustReturn => {}
        }
        assert_eq!(f, exp, "set_syscall_retval changed more than the return registers");
        assert_eq!(f.srr1, before.srr1, "set_syscall_retval changed the MSR");
    } else {
        let mut f = ArmFrame::default();
        for r in f.tf_x.iter_mut() {
            *r = inp.u64();
        }
        (f.tf_lr, f.tf_sp, f.tf_elr, f.tf_spsr, f.tf_esr, f.tf_far) =
            (inp.u64(), inp.u64(), inp.u64(), inp.u64(), inp.u64(), inp.u64());
        let hooks = Arm64::<LittleEndian>::new(Arm64Cpu::NEOVERSE_N1);
        let req = hooks.fetch_syscall_args(&f);
        assert_eq!(req.number, f.tf_x[8]);
        assert_eq!(req.args[..], f.tf_x[..6]);
        table(hooks.syscall_table(), req.number);
        let out = outcome(&mut inp);
        let before = f;
        hooks.set_syscall_retval(&mut f, &req, out);
        let mut exp = before;
        match out {
            SyscallOutcome::Success(v) => exp.tf_x[0] = v,
            SyscallOutcome::Error(e) => {
                assert_errno(e, "set_syscall_retval");
                exp.tf_x[0] = e.as_negative_return();
                assert_eq!(LinuxErrno::from_negative_return(f.tf_x[0]), Some(e));
            }
            SyscallOutcome::Restart => {
                exp.tf_elr = before.tf_elr.wrapping_sub(4);
                exp.tf_x[0] = req.args[0];
            }
            SyscallOutcome::JustReturn => {}
        }
        assert_eq!(f, exp, "set_syscall_retval changed more than the return registers");
    }
}
