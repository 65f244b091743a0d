//! Property tests of the powerpc64 round trips, over arbitrary register values:
//! - signal delivery then `rt_sigreturn` restores every register, in ELFv1 BE, ELFv2 BE and ppc64le;
//! - ptrace: `set_regset(get_regset(t))` changes nothing, and `poke_user` then `peek_user` reads back
//!   what a tracer may write;
//! - the ioctl translation: `from_generic(to_generic(n)) == n` for every table number.

use arch_ppc64::frame::{msr, Ppc64Thread, UnitsUsed, VectorState};
use arch_ppc64::ioctl::{from_generic, to_generic, PPC64_TTY_IOCTLS};
use arch_ppc64::ptrace::{get_regset, peek_user, poke_user, set_regset, Regset};
use arch_ppc64::{FuncAbi, Ppc64, Ppc64Cpu};
use linux_core::hooks::{SignalDelivery, SignalHooks};
use linux_core::signal::{AltStack, LinuxSignal, LinuxSigset, SaFlags, SigInfo};
use linux_core::sim::{Prot, SimUserMemory};
use proptest::prelude::*;
use zerocopy::{BigEndian, ByteOrder, LittleEndian};

const SP: u64 = 0x7ffe_f000;
const HANDLER: u64 = 0x1000_2000;

/// A thread as a signal frame can hold it: CR 32 bits, the FP unit in use (sigreturn marks it so),
/// vector state only in the units marked used, any MSR bits but the ones delivery sets.
fn thread() -> impl Strategy<Value = Ppc64Thread> {
    (
        prop::array::uniform32(any::<u64>()),
        prop::array::uniform32(any::<u64>()),
        prop::array::uniform32(any::<u64>()),
        prop::array::uniform32(any::<u128>()),
        prop::array::uniform8(any::<u64>()),
        (any::<u32>(), any::<u32>(), 0u8..8, any::<bool>()),
    )
        .prop_map(|(gpr, fpr, vsr, vr, misc, (vscr, vrsave, used, le))| {
            let mut t = Ppc64Thread::default();
            t.frame.fixreg = gpr;
            t.frame.fixreg[1] = SP;
            t.frame.lr = misc[0];
            t.frame.ctr = misc[1];
            t.frame.xer = misc[2];
            t.frame.cr = misc[3] & 0xffff_ffff;
            t.frame.srr0 = misc[4];
            t.frame.srr1 = Ppc64Cpu::POWER9.user_msr | msr::FP | u64::from(le);
            t.frame.dar = misc[5];
            t.frame.dsisr = misc[6];
            t.orig_gpr3 = misc[7];
            let used = UnitsUsed::from_bits_truncate(used) | UnitsUsed::FP;
            t.vector = VectorState {
                fpr,
                vsr_low: if used.contains(UnitsUsed::VSX) { vsr } else { [0; 32] },
                fpscr: misc[0] ^ misc[7],
                vr: if used.contains(UnitsUsed::VEC) { vr } else { [0; 32] },
                vscr: if used.contains(UnitsUsed::VEC) { vscr } else { 0 },
                vrsave,
                used,
            };
            t
        })
}

fn round_trip<E: ByteOrder>(
    abi: FuncAbi,
    t: Ppc64Thread,
    signal: u8,
    mask: u64,
    siginfo: bool,
) -> Result<(), TestCaseError> {
    let hooks = Ppc64::<E>::new(abi, Ppc64Cpu::POWER9);
    let mut m = SimUserMemory::new();
    m.map(SP - 0x4000, 0x5000, Prot::READ | Prot::WRITE);
    m.map(HANDLER, 0x1000, Prot::READ);
    let d = SignalDelivery {
        signal: LinuxSignal::new(u64::from(signal)).unwrap(),
        info: SigInfo::default(),
        handler: HANDLER,
        flags: if siginfo { SaFlags::SA_SIGINFO } else { SaFlags::empty() },
        saved_mask: LinuxSigset(mask),
        altstack: AltStack::default(),
        trampoline: 0x7fff_f000_0000,
    };
    let mut run = t;
    hooks.sendsig(&mut run, &mut m, &d).map_err(|e| TestCaseError::fail(format!("sendsig: {e:?}")))?;
    // The vdso trampoline: r1 back to the frame, then rt_sigreturn.
    run.frame.fixreg[1] += 128;
    let out = hooks.sigreturn(&mut run, &m).map_err(|e| TestCaseError::fail(format!("sigreturn: {e:?}")))?;
    prop_assert_eq!(run, t);
    prop_assert_eq!(out.mask, LinuxSigset(mask).blockable());
    Ok(())
}

proptest! {
    #[test]
    fn deliver_then_return_restores_every_register(
        t in thread(),
        abi in 0u8..3,
        signal in 1u8..=64,
        mask in any::<u64>(),
        siginfo in any::<bool>(),
    ) {
        match abi {
            0 => round_trip::<BigEndian>(FuncAbi::ElfV1, t, signal, mask, siginfo)?,
            1 => round_trip::<BigEndian>(FuncAbi::ElfV2, t, signal, mask, siginfo)?,
            _ => {
                let mut t = t;
                t.frame.srr1 |= msr::LE;
                round_trip::<LittleEndian>(FuncAbi::ElfV2, t, signal, mask, siginfo)?
            }
        }
    }

    #[test]
    fn ptrace_get_then_set_changes_nothing(mut t in thread(), exc in any::<u64>(), le in any::<bool>()) {
        t.frame.exc = exc & 0xfff0;
        for set in [Regset::Prstatus, Regset::Prfpreg, Regset::Vmx, Regset::Vsx] {
            let mut image = vec![0u8; set.size()];
            let mut back = t;
            if le {
                get_regset::<LittleEndian>(&t, set, &mut image);
                set_regset::<LittleEndian>(&mut back, set, &image).unwrap();
            } else {
                get_regset::<BigEndian>(&t, set, &mut image);
                set_regset::<BigEndian>(&mut back, set, &image).unwrap();
            }
            back.vector.used = t.vector.used;
            prop_assert_eq!(back, t, "{:?}", set);
        }
    }

    #[test]
    fn poke_then_peek_reads_back(mut t in thread(), index in 0usize..81, value in any::<u64>()) {
        let offset = 8 * index as u64;
        let before = t;
        match poke_user(&mut t, offset, value) {
            Ok(()) => {
                let want = match index {
                    33 => (before.frame.srr1 & !0x600) | (value & 0x600), // MSR: only SE, BE
                    38 => value & 0xffff_ffff,                            // CCR
                    40 => value & 0xfff0,                                 // TRAP
                    _ => value,
                };
                prop_assert_eq!(peek_user(&t, offset), Ok(want));
            }
            Err(_) => prop_assert_eq!(t, before),
        }
    }

    #[test]
    fn ioctl_table_numbers_round_trip(entry in prop::sample::select(PPC64_TTY_IOCTLS)) {
        let (name, ppc) = entry;
        prop_assert_eq!(to_generic(ppc).and_then(from_generic), Some(ppc), "{}", name);
    }
}
