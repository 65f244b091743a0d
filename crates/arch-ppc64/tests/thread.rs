//! fork and clone on powerpc64: what the child sees.

use arch_ppc64::frame::{Ppc64Thread, CR0_SO};
use arch_ppc64::{FuncAbi, Ppc64, Ppc64Cpu};
use linux_core::hooks::ThreadHooks;
use zerocopy::BigEndian;

fn parent() -> Ppc64Thread {
    let mut t = Ppc64Thread::default();
    for (i, r) in t.frame.fixreg.iter_mut().enumerate() {
        *r = 0x100 + i as u64;
    }
    t.frame.cr = CR0_SO | 0x2000_0000;
    t
}

#[test]
fn fork_child_returns_zero_with_so_clear() {
    let ppc = Ppc64::<BigEndian>::new(FuncAbi::ElfV1, Ppc64Cpu::POWER9);
    let mut child = parent();
    ppc.set_fork_retval(&mut child.frame);
    assert_eq!(child.frame.fixreg[3], 0);
    assert_eq!(child.frame.cr, 0x2000_0000, "only SO is cleared");
    assert_eq!(child.frame.fixreg[4..], parent().frame.fixreg[4..]);
}

#[test]
fn clone_puts_the_stack_in_r1_and_the_tls_value_in_r13_unchanged() {
    let ppc = Ppc64::<BigEndian>::new(FuncAbi::ElfV2, Ppc64Cpu::POWER9);
    let mut child = parent();
    ppc.clone_setregs(&mut child, Some(0x7000_0000), Some(0x1234_7010));
    assert_eq!(child.frame.fixreg[1], 0x7000_0000);
    assert_eq!(child.frame.fixreg[13], 0x1234_7010, "no FreeBSD-style 0x7010 bias is added");
    assert_eq!(ppc.thread_pointer(&child), 0x1234_7010);
    // Without a new stack or CLONE_SETTLS the child keeps the parent's.
    let mut same = parent();
    ppc.clone_setregs(&mut same, None, None);
    assert_eq!(same, parent());
}
