//! The arm64 system call convention (`svc #0`): number in x8, arguments in x0..x5, result in x0, an
//! error as `-errno` in x0.

use crate::frame::TrapFrame;
use linux_core::syscall::{SyscallOutcome, SyscallRequest};

/// Reads the number and the six arguments.
pub(crate) fn fetch_syscall_args(f: &TrapFrame) -> SyscallRequest {
    let mut args = [0u64; 6];
    for (i, a) in args.iter_mut().enumerate() {
        *a = f.x(i);
    }
    SyscallRequest { number: f.x(8), args }
}

/// Writes the outcome: a value or `-errno` in x0; a restart rewinds the PC to the `svc` (4 bytes back)
/// and puts the original x0 back (Linux `orig_x0`), x8 still holding the number.
pub(crate) fn set_syscall_retval(f: &mut TrapFrame, request: &SyscallRequest, outcome: SyscallOutcome) {
    match outcome {
        SyscallOutcome::Success(v) => f.set_x(0, v),
        SyscallOutcome::Error(e) => f.set_x(0, 0u64.wrapping_sub(u64::from(e.get()))),
        SyscallOutcome::Restart => {
            f.tf_elr = f.tf_elr.wrapping_sub(4);
            f.set_x(0, request.args[0]);
        }
        SyscallOutcome::JustReturn => {}
    }
}
