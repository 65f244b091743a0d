//! ptrace register access in the Linux/ppc64 layouts: what a debugger reads and what it may write.

use arch_ppc64::abi::*;
use arch_ppc64::frame::{msr, Ppc64Thread, UnitsUsed};
use arch_ppc64::ptrace::*;
use linux_core::errno::LinuxErrno;
use zerocopy::{BigEndian, ByteOrder, LittleEndian};

fn thread() -> Ppc64Thread {
    let mut t = Ppc64Thread::default();
    for (i, r) in t.frame.fixreg.iter_mut().enumerate() {
        *r = 0x1000 + i as u64;
    }
    t.frame.srr0 = 0x1000_0abc;
    t.frame.srr1 = msr::SF | msr::PR | msr::EE | msr::FP;
    t.frame.ctr = 0xc7;
    t.frame.lr = 0x1e;
    t.frame.xer = 0x2000_0000;
    t.frame.cr = 0x4400_0000;
    t.frame.exc = 0xc00;
    t.frame.dar = 0xda;
    t.frame.dsisr = 0x4200_0000;
    t.orig_gpr3 = 0x0123;
    for i in 0..32 {
        t.vector.fpr[i] = 0xf000 + i as u64;
        t.vector.vsr_low[i] = 0xd000 + i as u64;
        t.vector.vr[i] = 0xa000_0000_0000_0000_0000_0000_0000_0000 + i as u128;
    }
    t.vector.fpscr = 0x8200_0000;
    t.vector.vscr = 0x1_0000;
    t.vector.vrsave = 0xffff_ffff;
    t.vector.used = UnitsUsed::all();
    t
}

fn regs_round_trip<E: ByteOrder>() {
    let before = thread();
    for set in [Regset::Prstatus, Regset::Prfpreg, Regset::Vmx, Regset::Vsx] {
        let mut buf = vec![0u8; set.size()];
        assert_eq!(get_regset::<E>(&before, set, &mut buf), set.size());
        let mut t = before;
        set_regset::<E>(&mut t, set, &buf).unwrap();
        assert_eq!(t, before, "{set:?}: GET then SET preserves every register");
    }
}

#[test]
fn get_then_set_preserves_every_register_both_byte_orders() {
    regs_round_trip::<BigEndian>();
    regs_round_trip::<LittleEndian>();
}

#[test]
fn getregs_is_pt_regs_in_pt_order() {
    let t = thread();
    let mut buf = vec![0u8; Regset::Prstatus.size()];
    get_regset::<BigEndian>(&t, Regset::Prstatus, &mut buf);
    let w = |i: usize| u64::from_be_bytes(buf[i * 8..i * 8 + 8].try_into().unwrap());
    assert_eq!(w(5), 0x1005);
    assert_eq!(w(PT_NIP), 0x1000_0abc);
    assert_eq!(w(PT_MSR), t.frame.srr1);
    assert_eq!(w(PT_ORIG_R3), 0x0123);
    assert_eq!((w(PT_CTR), w(PT_LNK), w(PT_XER), w(PT_CCR)), (0xc7, 0x1e, 0x2000_0000, 0x4400_0000));
    assert_eq!((w(PT_SOFTE), w(PT_TRAP), w(PT_DAR), w(PT_DSISR)), (1, 0xc00, 0xda, 0x4200_0000));
    assert!((PT_REGS_COUNT..ELF_NGREG).all(|i| w(i) == 0), "padding to ELF_NGREG is zero");
    // A short iovec gets a prefix.
    let mut short = [0u8; 20];
    assert_eq!(get_regset::<BigEndian>(&t, Regset::Prstatus, &mut short), 20);
    assert_eq!(&short[..8], &0x1000u64.to_be_bytes());
}

#[test]
fn setregs_cannot_raise_privilege() {
    let before = thread();
    let mut buf = vec![0u8; Regset::Prstatus.size()];
    get_regset::<BigEndian>(&before, Regset::Prstatus, &mut buf);
    let hostile = (msr::HV | msr::SF | 0x400) & !msr::PR;
    buf[PT_MSR * 8..PT_MSR * 8 + 8].copy_from_slice(&hostile.to_be_bytes());
    buf[PT_DAR * 8..PT_DAR * 8 + 8].copy_from_slice(&7u64.to_be_bytes());
    let mut t = before;
    set_regset::<BigEndian>(&mut t, Regset::Prstatus, &buf).unwrap();
    assert_eq!(t.frame.srr1, before.frame.srr1 | 0x400, "only the single-step bit changed");
    assert_eq!(t.frame.dar, before.frame.dar, "DAR is not writable");
    // POKEUSR of the MSR: same rule.
    let mut t = before;
    poke_user(&mut t, (PT_MSR * 8) as u64, msr::HV).unwrap();
    assert_eq!(t.frame.srr1, before.frame.srr1);
    poke_user(&mut t, (PT_MSR * 8) as u64, 0x200).unwrap();
    assert_eq!(t.frame.srr1, before.frame.srr1 | 0x200);
}

#[test]
fn peek_and_poke_by_pt_offsets() {
    let mut t = thread();
    assert_eq!(peek_user(&t, 3 * 8), Ok(0x1003));
    assert_eq!(peek_user(&t, (PT_NIP * 8) as u64), Ok(0x1000_0abc));
    assert_eq!(peek_user(&t, (PT_FPR0 * 8 + 16) as u64), Ok(0xf002));
    assert_eq!(peek_user(&t, (PT_FPSCR * 8) as u64), Ok(0x8200_0000));
    assert_eq!(peek_user(&t, 4), Err(LinuxErrno::EIO), "misaligned");
    assert_eq!(peek_user(&t, (PT_DSCR * 8) as u64), Err(LinuxErrno::EIO));
    assert_eq!(peek_user(&t, (PT_VR0 * 8) as u64), Err(LinuxErrno::EIO));
    assert_eq!(peek_user(&t, u64::MAX & !7), Err(LinuxErrno::EIO));
    poke_user(&mut t, 31 * 8, 0x31).unwrap();
    poke_user(&mut t, (PT_FPR0 * 8) as u64, 0x99).unwrap();
    poke_user(&mut t, (PT_TRAP * 8) as u64, 0xc01).unwrap();
    assert_eq!((t.frame.fixreg[31], t.vector.fpr[0], t.frame.exc), (0x31, 0x99, 0xc00));
    let before = t;
    assert_eq!(poke_user(&mut t, (PT_DAR * 8) as u64, 1), Err(LinuxErrno::EIO));
    assert_eq!(poke_user(&mut t, (PT_SOFTE * 8) as u64, 0), Err(LinuxErrno::EIO));
    assert_eq!(t, before);
}

#[test]
fn regset_numbers_and_bad_writes() {
    assert_eq!(Regset::from_note(NT_PRSTATUS), Ok(Regset::Prstatus));
    assert_eq!(Regset::from_note(NT_PPC_VSX), Ok(Regset::Vsx));
    assert_eq!(Regset::from_note(0x999), Err(LinuxErrno::EINVAL));
    assert_eq!(
        (Regset::Prstatus.size(), Regset::Prfpreg.size(), Regset::Vmx.size(), Regset::Vsx.size()),
        (384, 264, 544, 256)
    );
    assert_eq!(fixed_request(PTRACE_GETREGS), Some((Regset::Prstatus, 352, false)));
    let before = thread();
    let mut t = before;
    assert_eq!(set_regset::<BigEndian>(&mut t, Regset::Vsx, &[0; 257]), Err(LinuxErrno::EINVAL));
    assert_eq!(set_regset::<BigEndian>(&mut t, Regset::Vmx, &[0; 24]), Err(LinuxErrno::EINVAL));
    assert_eq!(t, before);
    // A prefix writes only the registers it covers.
    set_regset::<BigEndian>(&mut t, Regset::Prfpreg, &0x77u64.to_be_bytes()).unwrap();
    assert_eq!((t.vector.fpr[0], t.vector.fpr[1]), (0x77, before.vector.fpr[1]));
}
