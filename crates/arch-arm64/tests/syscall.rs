//! The `svc #0` convention: what a Linux/arm64 program sees in x0 after a system call.

use arch_arm64::frame::TrapFrame;
use arch_arm64::{Arm64, Arm64Cpu};
use linux_core::errno::{FreeBsdErrno, LinuxErrno};
use linux_core::hooks::SyscallHooks;
use linux_core::syscall::SyscallOutcome;
use linux_core::sysno::Sys;
use zerocopy::LittleEndian;

fn arm() -> Arm64<LittleEndian> {
    Arm64::new(Arm64Cpu::NEOVERSE_N1)
}

fn frame_for(nr: u64, args: [u64; 6]) -> TrapFrame {
    let mut f = TrapFrame::default();
    f.tf_x[..6].copy_from_slice(&args);
    for (i, r) in f.tf_x.iter_mut().enumerate().skip(6) {
        *r = 0x1111 * i as u64;
    }
    f.tf_x[8] = nr;
    f.tf_lr = 0x40_0123;
    f.tf_sp = 0xffff_ffff_e000;
    f.tf_elr = 0x40_0604; // after the svc at 0x40_0600
    f.tf_spsr = 0x6000_0000; // Z and C set
    f.tf_esr = 0x5600_0000; // EC = SVC64
    f
}

#[test]
fn arguments_come_from_x8_and_x0_to_x5() {
    let f = frame_for(64, [1, 0xffff_ffff_e100, 12, 4, 5, 6]);
    let req = arm().fetch_syscall_args(&f);
    assert_eq!(req.number, 64);
    assert_eq!(req.args, [1, 0xffff_ffff_e100, 12, 4, 5, 6]);
    assert_eq!(arm().syscall_table().lookup(req.number), Ok(Sys::Write));
}

#[test]
fn success_writes_x0_and_nothing_else() {
    let mut f = frame_for(63, [3, 0x1000, 10, 0, 0, 0]);
    let before = f;
    let req = arm().fetch_syscall_args(&f);
    arm().set_syscall_retval(&mut f, &req, SyscallOutcome::Success(42));
    assert_eq!(f.tf_x[0], 42);
    assert_eq!(f.tf_x[1..], before.tf_x[1..]);
    assert_eq!(
        (f.tf_elr, f.tf_spsr, f.tf_lr, f.tf_sp),
        (before.tf_elr, before.tf_spsr, before.tf_lr, before.tf_sp)
    );
    // Large values (mmap addresses) are returned as they are.
    arm().set_syscall_retval(&mut f, &req, SyscallOutcome::Success(0xffff_b7fc_0000));
    assert_eq!(f.tf_x[0], 0xffff_b7fc_0000);
}

#[test]
fn failure_is_minus_errno_in_x0() {
    let mut f = frame_for(56, [0xdead, 0, 0, 0, 0, 0]);
    let before = f;
    let req = arm().fetch_syscall_args(&f);
    arm().set_syscall_retval(&mut f, &req, SyscallOutcome::from_freebsd(FreeBsdErrno(2), 0)); // ENOENT
    assert_eq!(f.tf_x[0], (-2i64) as u64);
    // FreeBSD's EAGAIN (35) becomes Linux's -11.
    arm().set_syscall_retval(&mut f, &req, SyscallOutcome::from_freebsd(FreeBsdErrno(35), 0));
    assert_eq!(f.tf_x[0] as i64, -i64::from(LinuxErrno::EAGAIN.get()));
    assert_eq!(f.tf_spsr, before.tf_spsr, "no flag carries the error on arm64");
    assert_eq!(f.tf_x[1..], before.tf_x[1..]);
}

#[test]
fn restart_rewinds_to_the_svc_and_restores_x0() {
    let mut f = frame_for(101, [0xffff_ffff_e200, 0xffff_ffff_e210, 0, 0, 0, 0]); // nanosleep
    let req = arm().fetch_syscall_args(&f);
    f.tf_x[0] = (-4i64) as u64; // clobbered while the call ran
    let before = f;
    arm().set_syscall_retval(&mut f, &req, SyscallOutcome::Restart);
    assert_eq!(f.tf_elr, 0x40_0600);
    assert_eq!(f.tf_x[0], 0xffff_ffff_e200);
    assert_eq!(f.tf_x[8], 101, "the number is still in x8");
    assert_eq!(f.tf_x[1..], before.tf_x[1..]);
    assert_eq!(f.tf_spsr, before.tf_spsr);
}

#[test]
fn just_return_leaves_the_frame_alone() {
    let mut f = frame_for(139, [1, 2, 3, 4, 5, 6]);
    let req = arm().fetch_syscall_args(&f);
    let before = f;
    arm().set_syscall_retval(&mut f, &req, SyscallOutcome::JustReturn);
    assert_eq!(f, before);
}

#[test]
fn unknown_numbers_are_enosys_and_the_generic_ones_are_there() {
    let t = arm().syscall_table();
    for nr in [42u64 /* nfsservctl */, 244 /* arch_specific_syscall */, 451, 9999, u64::MAX] {
        assert_eq!(t.lookup(nr), Err(LinuxErrno::ENOSYS), "{nr}");
    }
    assert_eq!(t.lookup(222), Ok(Sys::Mmap));
    assert_eq!(t.lookup(139), Ok(Sys::RtSigreturn));
    assert_eq!(t.lookup(93), Ok(Sys::Exit));
    assert_eq!(t.lookup(56), Ok(Sys::Openat));
    assert_eq!(t.number_of(Sys::Open), None, "arm64 has no open(2), only openat");
}
