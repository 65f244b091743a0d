//! fork and clone on arm64 (Linux `copy_thread`): the child returns 0 in x0; a clone's stack pointer
//! goes in sp and its TLS pointer in TPIDR_EL0.

use crate::frame::{Arm64Thread, TrapFrame};

/// The child's return value: x0 = 0.
pub(crate) fn set_fork_retval(f: &mut TrapFrame) {
    f.tf_x[0] = 0;
}

/// A new thread's stack and thread pointer.
pub(crate) fn clone_setregs(t: &mut Arm64Thread, stack: Option<u64>, tls: Option<u64>) {
    if let Some(sp) = stack {
        t.frame.tf_sp = sp;
    }
    if let Some(tp) = tls {
        t.tpidr_el0 = tp;
    }
}
