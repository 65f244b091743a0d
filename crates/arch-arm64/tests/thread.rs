//! fork and clone on arm64: what the child sees.

use arch_arm64::frame::Arm64Thread;
use arch_arm64::{Arm64, Arm64Cpu};
use linux_core::hooks::ThreadHooks;
use zerocopy::LittleEndian;

#[test]
fn fork_and_clone_registers() {
    let arm = Arm64::<LittleEndian>::new(Arm64Cpu::NEOVERSE_N1);
    let mut t = Arm64Thread::default();
    t.frame.tf_x[0] = 99;
    t.frame.tf_x[1] = 7;
    t.frame.tf_sp = 0x1000;
    arm.set_fork_retval(&mut t.frame);
    assert_eq!((t.frame.tf_x[0], t.frame.tf_x[1]), (0, 7));
    arm.clone_setregs(&mut t, Some(0x7f00_0000), Some(0x5555_0000));
    assert_eq!(t.frame.tf_sp, 0x7f00_0000);
    assert_eq!(arm.thread_pointer(&t), 0x5555_0000);
    arm.clone_setregs(&mut t, None, None);
    assert_eq!((t.frame.tf_sp, t.tpidr_el0), (0x7f00_0000, 0x5555_0000));
}
