//! The powerpc64 system call convention (`sc`): number in r0, arguments in r3..r8, result in r3 with
//! CR0.SO clear, or a positive errno in r3 with CR0.SO set.

use crate::frame::{TrapFrame, CR0_SO};
use linux_core::syscall::{SyscallOutcome, SyscallRequest};

/// Reads the number and the six arguments.
// Inlined across crates into the kernel entry points (the kernel build has no LTO): on every
// system call; see BENCHMARKS.md, goal 1.
#[inline]
pub(crate) fn fetch_syscall_args(f: &TrapFrame) -> SyscallRequest {
    let mut args = [0u64; 6];
    args.copy_from_slice(&f.fixreg[3..9]);
    SyscallRequest { number: f.fixreg[0], args }
}

/// Writes the outcome: success clears CR0.SO, an error sets it with the positive errno in r3, a restart
/// rewinds NIP to the `sc` and puts the original first argument back in r3.
// Inlined across crates into the kernel entry points (the kernel build has no LTO): on every
// system call; see BENCHMARKS.md, goal 1.
#[inline]
pub(crate) fn set_syscall_retval(f: &mut TrapFrame, request: &SyscallRequest, outcome: SyscallOutcome) {
    match outcome {
        SyscallOutcome::Success(v) => {
            f.fixreg[3] = v;
            f.cr &= !CR0_SO;
        }
        SyscallOutcome::Error(e) => {
            f.fixreg[3] = u64::from(e.get());
            f.cr |= CR0_SO;
        }
        SyscallOutcome::Restart => {
            f.srr0 = f.srr0.wrapping_sub(4);
            f.fixreg[3] = request.args[0];
        }
        SyscallOutcome::JustReturn => {}
    }
}
