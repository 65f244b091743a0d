//! The machine-dependent futex atomics FreeBSD's machine-independent `linux_futex.c` calls for
//! `FUTEX_WAKE_OP` (`futex_xchgl`, `futex_addl`, `futex_orl`, `futex_andl`, `futex_xorl`): each is
//! `linux_core::futex::futex_atomic_op` over `casueword32(9)`. They return 0 with the old value in
//! `*oldval`, or EFAULT (a FreeBSD errno, as the MI code expects) for a bad word.
//!
//! The MI code passes the operand of `FUTEX_OP_ANDN` already inverted, so `futex_andl` is a plain AND.

use crate::kernel::KernelUserMemory;
use core::ffi::c_int;
use linux_core::futex::{futex_atomic_op, FutexOp};
use linux_core::uaccess::UserAddr;
use zerocopy::NativeEndian;

/// FreeBSD's EFAULT.
const EFAULT: c_int = 14;
/// FreeBSD's EINVAL.
const EINVAL: c_int = 22;
/// FreeBSD's EAGAIN.
const EAGAIN: c_int = 35;

fn run(op: FutexOp, oparg: c_int, uaddr: *mut u32, oldval: *mut c_int) -> c_int {
    match futex_atomic_op::<NativeEndian, _>(&mut KernelUserMemory, op, oparg, UserAddr(uaddr as u64)) {
        Ok(old) => {
            if !oldval.is_null() {
                // SAFETY: the MI caller passes a pointer to a kernel int (checked non-null).
                unsafe { *oldval = old as c_int };
            }
            0
        }
        Err(linux_core::LinuxErrno::EINVAL) => EINVAL,
        Err(linux_core::LinuxErrno::EAGAIN) => EAGAIN,
        Err(_) => EFAULT,
    }
}

/// `*uaddr = oparg`.
///
/// # Safety
/// `oldval` is null or a valid kernel int; `uaddr` is a user address (checked by casueword32).
#[no_mangle]
pub unsafe extern "C" fn futex_xchgl(oparg: c_int, uaddr: *mut u32, oldval: *mut c_int) -> c_int {
    run(FutexOp::Set, oparg, uaddr, oldval)
}

/// `*uaddr += oparg`.
///
/// # Safety
/// As [`futex_xchgl`].
#[no_mangle]
pub unsafe extern "C" fn futex_addl(oparg: c_int, uaddr: *mut u32, oldval: *mut c_int) -> c_int {
    run(FutexOp::Add, oparg, uaddr, oldval)
}

/// `*uaddr |= oparg`.
///
/// # Safety
/// As [`futex_xchgl`].
#[no_mangle]
pub unsafe extern "C" fn futex_orl(oparg: c_int, uaddr: *mut u32, oldval: *mut c_int) -> c_int {
    run(FutexOp::Or, oparg, uaddr, oldval)
}

/// `*uaddr &= oparg` (the MI code inverted the operand of FUTEX_OP_ANDN).
///
/// # Safety
/// As [`futex_xchgl`].
#[no_mangle]
pub unsafe extern "C" fn futex_andl(oparg: c_int, uaddr: *mut u32, oldval: *mut c_int) -> c_int {
    run(FutexOp::AndNot, !oparg, uaddr, oldval)
}

/// `*uaddr ^= oparg`.
///
/// # Safety
/// As [`futex_xchgl`].
#[no_mangle]
pub unsafe extern "C" fn futex_xorl(oparg: c_int, uaddr: *mut u32, oldval: *mut c_int) -> c_int {
    run(FutexOp::Xor, oparg, uaddr, oldval)
}

#[cfg(all(test, not(target_os = "freebsd")))]
mod tests {
    use super::*;
    use crate::kernel::host::USER;
    use linux_core::sim::Prot;
    use linux_core::uaccess::UserMemory;

    fn word() -> u32 {
        let mut b = [0u8; 4];
        USER.with(|m| m.borrow().copy_in(UserAddr(0x4000), &mut b)).unwrap();
        u32::from_ne_bytes(b)
    }

    #[test]
    fn the_mi_entry_points_update_the_user_word() {
        USER.with(|m| {
            let mut m = m.borrow_mut();
            m.map(0x4000, 0x1000, Prot::READ | Prot::WRITE);
            m.copy_out(UserAddr(0x4000), &0xf0u32.to_ne_bytes()).unwrap();
        });
        let w = 0x4000 as *mut u32;
        let mut old = 0;
        // SAFETY: host fakes over the simulated address space; `old` is a live local.
        unsafe {
            assert_eq!(futex_addl(1, w, &mut old), 0);
            assert_eq!((old, word()), (0xf0, 0xf1));
            assert_eq!(futex_orl(0x100, w, &mut old), 0);
            assert_eq!(word(), 0x1f1);
            assert_eq!(futex_andl(!0x0f, w, &mut old), 0, "the MI code passes ~oparg for ANDN");
            assert_eq!(word(), 0x1f0);
            assert_eq!(futex_xorl(0x1, w, &mut old), 0);
            assert_eq!(word(), 0x1f1);
            assert_eq!(futex_xchgl(7, w, &mut old), 0);
            assert_eq!((old, word()), (0x1f1, 7));
            assert_eq!(futex_addl(1, 0x9000 as *mut u32, &mut old), EFAULT);
            assert_eq!(futex_addl(1, 0x4002 as *mut u32, &mut old), EINVAL);
        }
    }
}
