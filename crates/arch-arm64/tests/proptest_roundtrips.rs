//! Property tests of the arm64 round trips, over arbitrary register values: signal delivery then
//! `rt_sigreturn` restores every register (and a user PSTATE), and ptrace `set_regset(get_regset(t))`
//! changes nothing.

use arch_arm64::abi::PSR_TCO_BIT;
use arch_arm64::frame::{Arm64Thread, FpSimdState};
use arch_arm64::ptrace::{get_regset, set_regset, Regset};
use arch_arm64::{Arm64, Arm64Cpu};
use linux_core::hooks::{SignalDelivery, SignalHooks};
use linux_core::signal::{AltStack, LinuxSignal, LinuxSigset, SaFlags, SigInfo};
use linux_core::sim::{Prot, SimUserMemory};
use proptest::prelude::*;
use zerocopy::LittleEndian;

const SP: u64 = 0x7ffe_f000;

/// A user thread: any registers, a PSTATE of EL0t with any NZCV/SSBS/DIT/BTYPE bits (TCO clear, as
/// delivery clears it), FP/SIMD in use, any fault record.
fn thread() -> impl Strategy<Value = Arm64Thread> {
    (
        prop::array::uniform30(any::<u64>()),
        prop::array::uniform32(any::<u128>()),
        prop::array::uniform8(any::<u64>()),
        (any::<u32>(), any::<u32>()),
    )
        .prop_map(|(x, v, misc, (fpsr, fpcr))| {
            let mut t = Arm64Thread::default();
            t.frame.tf_x = x;
            t.frame.tf_lr = misc[0];
            t.frame.tf_sp = SP;
            t.frame.tf_elr = misc[1];
            t.frame.tf_spsr = misc[2] & 0xf100_1c00 & !PSR_TCO_BIT;
            t.frame.tf_esr = misc[3];
            t.frame.tf_far = misc[4];
            t.fpsimd = FpSimdState { vregs: v, fpsr, fpcr, used: true };
            (t.fault_address, t.fault_code) = if misc[5] & 1 != 0 { (misc[5], misc[6]) } else { (0, 0) };
            t.tpidr_el0 = misc[7];
            t
        })
}

proptest! {
    #[test]
    fn deliver_then_return_restores_every_register(
        t in thread(),
        signal in 1u8..=64,
        mask in any::<u64>(),
        siginfo in any::<bool>(),
    ) {
        let hooks = Arm64::<LittleEndian>::new(Arm64Cpu::NEOVERSE_N1);
        let mut m = SimUserMemory::new();
        m.map(SP - 0x4000, 0x5000, Prot::READ | Prot::WRITE);
        let d = SignalDelivery {
            signal: LinuxSignal::new(u64::from(signal)).unwrap(),
            info: SigInfo::default(),
            handler: 0x40_0000,
            flags: if siginfo { SaFlags::SA_SIGINFO } else { SaFlags::empty() },
            saved_mask: LinuxSigset(mask),
            altstack: AltStack::default(),
            trampoline: 0x7fff_f000_0000,
        };
        let mut run = t;
        hooks.sendsig(&mut run, &mut m, &d).unwrap();
        let out = hooks.sigreturn(&mut run, &m).unwrap();
        prop_assert_eq!(run, t);
        prop_assert_eq!(out.mask, LinuxSigset(mask).blockable());
    }

    #[test]
    fn ptrace_get_then_set_changes_nothing(t in thread()) {
        for set in [Regset::Prstatus, Regset::Prfpreg] {
            let mut image = vec![0u8; set.size()];
            get_regset::<LittleEndian>(&t, set, &mut image);
            let mut back = t;
            set_regset::<LittleEndian>(&mut back, set, &image).unwrap();
            prop_assert_eq!(back, t, "{:?}", set);
        }
    }
}
