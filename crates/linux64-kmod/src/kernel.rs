//! The FreeBSD kernel services the Rust code uses, and user memory over them.
//!
//! On the host (tests), `copyin`/`copyout` are provided by [`host`] over a simulated address space, so
//! the entry points can be exercised exactly as the kernel calls them.

use core::ffi::{c_void, CStr};
use linux_core::errno::LinuxErrno;
use linux_core::uaccess::{CasOutcome, UserAddr, UserAtomics, UserMemory};

/// `copyin(9)`, `copyout(9)` (0 or EFAULT) and `panic(9)`, as freebsd-sys declares them from the headers.
#[cfg(target_os = "freebsd")]
use freebsd_sys::native::{casueword32, copyin, copyout, panic};

#[cfg(not(target_os = "freebsd"))]
use host::{casueword32, copyin, copyout};

/// Calls `panic(9)` with a fixed message.
#[cfg(target_os = "freebsd")]
pub fn kernel_panic(msg: &CStr) -> ! {
    // SAFETY: "%s" with one NUL-terminated string argument is a valid panic(9) call; it never returns.
    unsafe { panic(c"%s".as_ptr(), msg.as_ptr()) }
}

/// On the host a kernel panic is a test failure.
#[cfg(not(target_os = "freebsd"))]
#[allow(clippy::panic, reason = "host build only: the test harness turns the panic into a failure")]
pub fn kernel_panic(msg: &CStr) -> ! {
    panic!("{msg:?}")
}

/// The current process's user memory, through `copyin(9)`/`copyout(9)`, which fault-check every byte.
pub struct KernelUserMemory;

impl UserMemory for KernelUserMemory {
    fn copy_in(&self, src: UserAddr, dst: &mut [u8]) -> Result<(), LinuxErrno> {
        src.offset(dst.len() as u64)?;
        // SAFETY: `dst` is a valid kernel buffer of `dst.len()` bytes; copyin checks the user range and
        // returns EFAULT instead of faulting.
        let r = unsafe { copyin(src.0 as *const c_void, dst.as_mut_ptr().cast(), dst.len()) };
        if r == 0 {
            Ok(())
        } else {
            Err(LinuxErrno::EFAULT)
        }
    }

    fn copy_out(&mut self, dst: UserAddr, src: &[u8]) -> Result<(), LinuxErrno> {
        dst.offset(src.len() as u64)?;
        // SAFETY: `src` is a valid kernel buffer of `src.len()` bytes; copyout checks the user range and
        // returns EFAULT instead of faulting.
        let r = unsafe { copyout(src.as_ptr().cast(), dst.0 as *mut c_void, src.len()) };
        if r == 0 {
            Ok(())
        } else {
            Err(LinuxErrno::EFAULT)
        }
    }
}

impl UserAtomics for KernelUserMemory {
    fn cas_u32(&mut self, addr: UserAddr, expected: [u8; 4], new: [u8; 4]) -> Result<CasOutcome, LinuxErrno> {
        if !addr.is_aligned(4) {
            return Err(LinuxErrno::EINVAL);
        }
        let mut current = 0u32;
        // SAFETY: casueword32(9) fault-checks the user word (-1 on a fault), compares it with `oldval`,
        // stores `newval` when equal, and always reports the value it saw through `oldvalp`, a valid
        // kernel pointer; the values are native, as the word sits in user memory.
        let r = unsafe {
            casueword32(
                addr.0 as *mut u32,
                u32::from_ne_bytes(expected),
                &mut current,
                u32::from_ne_bytes(new),
            )
        };
        match r {
            0 => Ok(CasOutcome::Swapped),
            1 => Ok(CasOutcome::Changed(current.to_ne_bytes())),
            _ => Err(LinuxErrno::EFAULT),
        }
    }
}

/// Host stand-ins for `copyin(9)`/`copyout(9)` over a per-thread simulated address space.
#[cfg(not(target_os = "freebsd"))]
pub mod host {
    extern crate std;
    use core::ffi::{c_int, c_void};
    use linux_core::sim::SimUserMemory;
    use linux_core::uaccess::{UserAddr, UserMemory};
    use std::cell::RefCell;

    /// # Safety
    /// `oldvalp` must be valid for a write.
    pub unsafe fn casueword32(base: *mut u32, oldval: u32, oldvalp: *mut u32, newval: u32) -> c_int {
        use linux_core::uaccess::{CasOutcome, UserAtomics};
        USER.with(|m| {
            match m.borrow_mut().cas_u32(UserAddr(base as u64), oldval.to_ne_bytes(), newval.to_ne_bytes()) {
                Ok(CasOutcome::Swapped) => {
                    // SAFETY: the caller guarantees `oldvalp` is writable.
                    unsafe { *oldvalp = oldval };
                    0
                }
                Ok(CasOutcome::Changed(now)) => {
                    // SAFETY: as above.
                    unsafe { *oldvalp = u32::from_ne_bytes(now) };
                    1
                }
                Err(_) => -1,
            }
        })
    }

    std::thread_local! {
        /// The address space `copyin`/`copyout` see in this test thread.
        pub static USER: RefCell<SimUserMemory> = RefCell::new(SimUserMemory::new());
    }

    /// # Safety
    /// `kaddr` must be valid for `len` bytes of writes.
    pub unsafe fn copyin(udaddr: *const c_void, kaddr: *mut c_void, len: usize) -> c_int {
        // SAFETY: the caller guarantees `kaddr` is valid for `len` bytes.
        let dst = unsafe { core::slice::from_raw_parts_mut(kaddr.cast::<u8>(), len) };
        USER.with(|m| if m.borrow().copy_in(UserAddr(udaddr as u64), dst).is_ok() { 0 } else { 14 })
    }

    /// # Safety
    /// `kaddr` must be valid for `len` bytes of reads.
    pub unsafe fn copyout(kaddr: *const c_void, udaddr: *mut c_void, len: usize) -> c_int {
        // SAFETY: the caller guarantees `kaddr` is valid for `len` bytes.
        let src = unsafe { core::slice::from_raw_parts(kaddr.cast::<u8>(), len) };
        USER.with(|m| if m.borrow_mut().copy_out(UserAddr(udaddr as u64), src).is_ok() { 0 } else { 14 })
    }
}
