//! One module per fuzz target; each has `pub fn run(data: &[u8])`.

pub mod exec_stack;
pub mod futex;
pub mod ioctl_termios;
pub mod ptrace_arm64;
pub mod ptrace_ppc64;
pub mod sendsig_arm64;
pub mod sendsig_ppc64;
pub mod sigreturn_arm64;
pub mod sigreturn_ppc64;
pub mod syscall;

use linux_core::hooks::SignalDelivery;
use linux_core::signal::{ss_flags, SaFlags};

/// Where Linux builds a signal frame (`sigsp`), computed here independently of linux-core: the top of
/// the alternate stack when the handler asked for it, one is set, and the thread is not on it (an
/// auto-disarmed stack never counts as "on"); else the interrupted stack pointer.
pub fn expected_frame_top(sp: u64, d: &SignalDelivery) -> u64 {
    let alt = &d.altstack;
    let on_alt = alt.flags & ss_flags::SS_AUTODISARM == 0 && sp > alt.sp && sp - alt.sp <= alt.size;
    if d.flags.contains(SaFlags::SA_ONSTACK) && alt.size != 0 && !on_alt {
        alt.sp.wrapping_add(alt.size)
    } else {
        sp
    }
}

/// Every `ss_flags` word a frame's `uc_stack` may hold (with its padding), in either byte order.
pub fn ss_flags_words() -> Vec<u64> {
    let mut v = Vec::new();
    for base in [0, ss_flags::SS_ONSTACK, ss_flags::SS_DISABLE] {
        for auto in [0, ss_flags::SS_AUTODISARM] {
            v.extend(crate::check::half_words((base | auto) as u32));
        }
    }
    v
}
