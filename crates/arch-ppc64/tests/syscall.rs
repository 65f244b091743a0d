//! The `sc` convention: what a Linux/ppc64 program sees in r3 and CR0.SO after a system call.

use arch_ppc64::frame::{TrapFrame, CR0_SO};
use arch_ppc64::{FuncAbi, Ppc64, Ppc64Cpu};
use linux_core::errno::{FreeBsdErrno, LinuxErrno};
use linux_core::hooks::SyscallHooks;
use linux_core::syscall::SyscallOutcome;
use linux_core::sysno::Sys;
use zerocopy::BigEndian;

fn ppc() -> Ppc64<BigEndian> {
    Ppc64::new(FuncAbi::ElfV1, Ppc64Cpu::POWER9)
}

fn frame_for(nr: u64, args: [u64; 6]) -> TrapFrame {
    let mut f = TrapFrame::default();
    f.fixreg[0] = nr;
    f.fixreg[3..9].copy_from_slice(&args);
    for (i, r) in f.fixreg.iter_mut().enumerate().skip(9) {
        *r = 0x1111 * i as u64;
    }
    f.srr0 = 0x1000_0104; // after the sc at 0x1000_0100
    f.cr = 0x2400_0482; // CR0 = EQ, other fields set
    f
}

#[test]
fn arguments_come_from_r0_and_r3_to_r8() {
    let f = frame_for(4, [1, 0x7fff_0000, 12, 4, 5, 6]);
    let req = ppc().fetch_syscall_args(&f);
    assert_eq!(req.number, 4);
    assert_eq!(req.args, [1, 0x7fff_0000, 12, 4, 5, 6]);
    assert_eq!(ppc().syscall_table().lookup(req.number), Ok(Sys::Write));
}

#[test]
fn success_clears_so_and_keeps_everything_else() {
    let mut f = frame_for(3, [0; 6]);
    f.cr |= CR0_SO; // left over from an earlier failed call
    let before = f;
    let req = ppc().fetch_syscall_args(&f);
    ppc().set_syscall_retval(&mut f, &req, SyscallOutcome::Success(42));
    assert_eq!(f.fixreg[3], 42);
    assert_eq!(f.cr & CR0_SO, 0);
    assert_eq!(f.cr, before.cr & !CR0_SO, "other CR bits untouched");
    assert_eq!(f.fixreg[4..], before.fixreg[4..]);
    assert_eq!(f.srr0, before.srr0);
}

#[test]
fn failure_sets_so_with_a_positive_errno() {
    let mut f = frame_for(5, [0xdead, 0, 0, 0, 0, 0]);
    let req = ppc().fetch_syscall_args(&f);
    let out = SyscallOutcome::from_freebsd(FreeBsdErrno(2), 0); // FreeBSD ENOENT
    ppc().set_syscall_retval(&mut f, &req, out);
    assert_eq!(f.fixreg[3], 2);
    assert_ne!(f.cr & CR0_SO, 0);
    // FreeBSD's EAGAIN (35) becomes Linux's (11).
    ppc().set_syscall_retval(&mut f, &req, SyscallOutcome::from_freebsd(FreeBsdErrno(35), 0));
    assert_eq!(f.fixreg[3], u64::from(LinuxErrno::EAGAIN.get()));
    // And the next successful call clears SO again.
    ppc().set_syscall_retval(&mut f, &req, SyscallOutcome::Success(0));
    assert_eq!((f.fixreg[3], f.cr & CR0_SO), (0, 0));
}

#[test]
fn restart_rewinds_to_the_sc_and_restores_r3() {
    let mut f = frame_for(162, [0x7fff_1000, 0, 0, 0, 0, 0]);
    let req = ppc().fetch_syscall_args(&f);
    f.fixreg[3] = 0xffff; // clobbered while the call ran
    let cr = f.cr;
    ppc().set_syscall_retval(&mut f, &req, SyscallOutcome::Restart);
    assert_eq!(f.srr0, 0x1000_0100);
    assert_eq!(f.fixreg[3], 0x7fff_1000);
    assert_eq!(f.fixreg[0], 162, "the number is still in r0");
    assert_eq!(f.cr, cr);
}

#[test]
fn just_return_leaves_the_frame_alone() {
    let mut f = frame_for(172, [1, 2, 3, 4, 5, 6]);
    let req = ppc().fetch_syscall_args(&f);
    let before = f;
    ppc().set_syscall_retval(&mut f, &req, SyscallOutcome::JustReturn);
    assert_eq!(f, before);
}

#[test]
fn unknown_and_32_bit_only_numbers_are_enosys() {
    let t = ppc().syscall_table();
    for nr in [192u64 /* mmap2 */, 195 /* stat64 */, 204 /* fcntl64 */, 9999, u64::MAX] {
        assert_eq!(t.lookup(nr), Err(LinuxErrno::ENOSYS), "{nr}");
    }
    assert_eq!(t.lookup(90), Ok(Sys::Mmap));
    assert_eq!(t.lookup(172), Ok(Sys::RtSigreturn));
    assert_eq!(t.lookup(249), Ok(Sys::Swapcontext));
}
