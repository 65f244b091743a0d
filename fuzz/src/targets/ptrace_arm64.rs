//! arm64 ptrace register writes: `set_regset` with any set, length and bytes, `get_regset` into short
//! buffers.
//!
//! Checked on every input:
//! - on `Err`: a Linux errno, the thread exactly as it was;
//! - on `Ok`: PSTATE is EL0t, AArch64, D, A, I, F clear; `tf_esr`, `tf_far`, the fault record and
//!   TPIDR_EL0 are unchanged;
//! - writing back what `get_regset` read changes nothing (for a user PSTATE).

use crate::check::assert_errno;
use crate::input::Input;
use crate::state::arm_thread;
use arch_arm64::abi::{PSR_DAIF, PSR_MODE32_BIT, PSR_MODE_MASK};
use arch_arm64::ptrace::{get_regset, set_regset, Regset};
use arch_arm64::signal::valid_user_pstate;
use linux_core::errno::LinuxErrno;
use zerocopy::LittleEndian;

type E = LittleEndian;

pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    let mut t = arm_thread(&mut inp);
    for _ in 0..4 {
        if inp.is_empty() {
            break;
        }
        let before = t;
        let op = inp.u8();
        let set = if op & 2 == 0 { Regset::Prstatus } else { Regset::Prfpreg };
        if op & 1 == 0 {
            let n = usize::from(inp.u16() % 600);
            let data = inp.bytes(n);
            let r = set_regset::<E>(&mut t, set, data);
            match r {
                Err(e) => {
                    assert_errno(e, "set_regset");
                    assert_eq!(e, LinuxErrno::EINVAL);
                    assert_eq!(t, before, "set_regset failed but changed the thread");
                }
                Ok(()) => {
                    let p = t.frame.tf_spsr;
                    if set == Regset::Prstatus || p != before.frame.tf_spsr {
                        assert!(
                            p & (PSR_MODE_MASK | PSR_MODE32_BIT | PSR_DAIF) == 0,
                            "set_regset installed PSTATE {p:#x}"
                        );
                    }
                    assert_eq!(
                        (t.frame.tf_esr, t.frame.tf_far, t.fault_address, t.fault_code, t.tpidr_el0),
                        (
                            before.frame.tf_esr,
                            before.frame.tf_far,
                            before.fault_address,
                            before.fault_code,
                            before.tpidr_el0
                        ),
                        "set_regset changed kernel-only state"
                    );
                }
            }
        } else {
            let mut out = vec![0u8; usize::from(inp.u16() % 600)];
            let n = get_regset::<E>(&t, set, &mut out);
            assert_eq!(n, out.len().min(set.size()));
            let mut full = vec![0u8; set.size()];
            get_regset::<E>(&t, set, &mut full);
            let r = set_regset::<E>(&mut t, set, &full);
            let user = valid_user_pstate(before.frame.tf_spsr).is_some();
            if set == Regset::Prfpreg || user {
                r.expect("writing back what was read");
                let mut norm = before;
                if set == Regset::Prfpreg {
                    norm.fpsimd.used = true;
                } else {
                    norm.frame.tf_spsr = valid_user_pstate(before.frame.tf_spsr).unwrap_or(0);
                }
                assert_eq!(t, norm, "set_regset(get_regset) is not the identity");
            } else {
                assert_eq!(r, Err(LinuxErrno::EINVAL));
                assert_eq!(t, before);
            }
        }
    }
}
