//! ptrace register sets in the Linux/arm64 layouts.

use arch_arm64::frame::Arm64Thread;
use arch_arm64::ptrace::*;
use linux_core::errno::LinuxErrno;
use zerocopy::LittleEndian;

fn thread() -> Arm64Thread {
    let mut t = Arm64Thread::default();
    for n in 0..31 {
        t.frame.set_x(n, 0x100 + n as u64);
    }
    t.frame.tf_sp = 0x7fff_0000;
    t.frame.tf_elr = 0x40_0000;
    t.frame.tf_spsr = 0x2000_0000; // EL0t with C set
    for (i, v) in t.fpsimd.vregs.iter_mut().enumerate() {
        *v = 0xabcd_0000_0000_0000_0000_0000_0000_0000 | i as u128;
    }
    t.fpsimd.fpsr = 0x10;
    t.fpsimd.fpcr = 0x0300_0000;
    t.fpsimd.used = true;
    t
}

#[test]
fn get_then_set_preserves_every_register() {
    let before = thread();
    for set in [Regset::Prstatus, Regset::Prfpreg] {
        let mut buf = vec![0u8; set.size()];
        assert_eq!(get_regset::<LittleEndian>(&before, set, &mut buf), set.size());
        let mut t = before;
        set_regset::<LittleEndian>(&mut t, set, &buf).unwrap();
        assert_eq!(t, before, "{set:?}");
    }
    let mut buf = vec![0u8; 272];
    get_regset::<LittleEndian>(&before, Regset::Prstatus, &mut buf);
    assert_eq!(&buf[30 * 8..31 * 8], &0x11eu64.to_le_bytes(), "x30 = lr");
    assert_eq!(&buf[32 * 8..33 * 8], &0x40_0000u64.to_le_bytes(), "pc");
}

#[test]
fn a_privileged_pstate_is_refused_with_nothing_changed() {
    let before = thread();
    for bad in [
        0x3c5u64, /* EL1h, DAIF */
        0x5,      /* EL1h */
        0x10,     /* AArch32 */
        0x80,     /* I masked */
    ] {
        let mut buf = vec![0u8; 272];
        get_regset::<LittleEndian>(&before, Regset::Prstatus, &mut buf);
        buf[33 * 8..34 * 8].copy_from_slice(&bad.to_le_bytes());
        buf[0..8].copy_from_slice(&7u64.to_le_bytes());
        let mut t = before;
        assert_eq!(
            set_regset::<LittleEndian>(&mut t, Regset::Prstatus, &buf),
            Err(LinuxErrno::EINVAL),
            "{bad:#x}"
        );
        assert_eq!(t, before);
    }
    let mut t = before;
    assert_eq!(set_regset::<LittleEndian>(&mut t, Regset::Prfpreg, &[0; 529]), Err(LinuxErrno::EINVAL));
    assert_eq!(Regset::from_note(3), Err(LinuxErrno::EINVAL));
}
