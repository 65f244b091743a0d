//! fork and clone on powerpc64 (Linux `copy_thread`): the child returns 0 with CR0.SO clear; a clone's
//! stack pointer goes in r1 and its TLS pointer straight into r13 (Linux puts the value there as it is;
//! FreeBSD's own ABI adds 0x7010, which must not be reused here).

use crate::frame::{Ppc64Thread, TrapFrame, CR0_SO};

/// The child's return value: r3 = 0, CR0.SO clear.
pub(crate) fn set_fork_retval(f: &mut TrapFrame) {
    f.fixreg[3] = 0;
    f.cr &= !CR0_SO;
}

/// A new thread's stack and thread pointer.
pub(crate) fn clone_setregs(t: &mut Ppc64Thread, stack: Option<u64>, tls: Option<u64>) {
    if let Some(sp) = stack {
        t.frame.fixreg[1] = sp;
    }
    if let Some(tp) = tls {
        t.frame.fixreg[13] = tp;
    }
}
