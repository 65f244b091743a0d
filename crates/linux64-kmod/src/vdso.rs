//! The vdso in the module: the image of the kernel's byte order (`crates/vdso-ppc64`, embedded at build
//! time), installed at MOD_LOAD into a shared object the machine-independent code allocates, mapped into
//! every Linux process at exec, and the signal trampoline address resolved from the image's symbols (as
//! FreeBSD's Linuxulator resolves vdso symbols into kernel variables).
//!
//! Layout in a process, like FreeBSD/arm64's Linux ABI (`LINUX_VDSOPAGE` below the shared page, the
//! stack below that):
//!
//! ```text
//! SHAREDPAGE                       FreeBSD's shared page (not mapped for Linux processes)
//! SHAREDPAGE - MAP_SIZE + PAGE     the vdso image (AT_SYSINFO_EHDR), read + execute
//! SHAREDPAGE - MAP_SIZE            its data page (vdso-ppc64's data.rs: tb frequency, FreeBSD timekeep)
//!                                  the user stack grows down from here (sv_usrstack)
//! ```

use crate::kpi;
use crate::kpi::sys::kconst as k;
use crate::kpi::sys::{image_params, proc_};
use core::ffi::c_int;
use core::sync::atomic::{AtomicPtr, Ordering};
use vdso_ppc64::VdsoImage;

/// Whether the vdso image is part of this build.
pub const VDSO_BUILT_IN: bool = true;

/// Page size of the kernel.
const PAGE: u64 = k::PAGE_SIZE as u64;

/// The image of the kernel's byte order.
pub fn image() -> &'static VdsoImage {
    if cfg!(target_endian = "little") {
        &vdso_ppc64::VDSO_LE
    } else {
        &vdso_ppc64::VDSO_BE
    }
}

/// Bytes of the mapping: the data page and the image rounded up to pages (a const, so the sysentvecs can
/// use it; both images fit in two pages, which a test checks).
pub const MAP_SIZE: u64 = PAGE + 2 * PAGE;

/// Start of the mapping in every Linux process, and the top of its user stack.
pub const MAP_BASE: u64 = k::SHAREDPAGE as u64 - MAP_SIZE;

/// Where the image starts in a process (`AT_SYSINFO_EHDR`).
pub const VDSO_BASE: u64 = MAP_BASE + PAGE;

/// Room for the image after the data page.
const IMAGE_ROOM: u64 = MAP_SIZE - PAGE;

/// Where the data page is relative to the image: the page right before it.
const DATA_OFFSET: i64 = -(PAGE as i64);

/// The shared object holding the data page and the image, once installed.
static VDSO_OBJECT: AtomicPtr<kpi::sys::vm_object> = AtomicPtr::new(core::ptr::null_mut());

/// Address of the signal trampoline in process `p` (`__kernel_start_sigtramp_rt64`).
pub fn sigtramp(_p: *mut proc_) -> u64 {
    // The image is at most two pages (checked at install), so this cannot wrap; saturating keeps it so.
    VDSO_BASE.saturating_add(image().sigtramp_start)
}

/// Installs the image (MOD_LOAD): a shared object of [`MAP_SIZE`] from the MI code, the data page
/// cleared, the image copied after it. Returns whether it was installed.
pub fn install() -> bool {
    let img = image();
    if img.bytes.len() as u64 > IMAGE_ROOM || img.data_offset != DATA_OFFSET {
        kpi::kprint(c"linux64: the vdso image does not fit its mapping; signal handlers cannot return\n");
        return false;
    }
    let mut mapping: *mut core::ffi::c_char = core::ptr::null_mut();
    // SAFETY: the MI function allocates a pageable object of MAP_SIZE bytes and maps it in kernel space,
    // storing the kernel address in `mapping`.
    let obj = unsafe { kpi::elf64_linux_shared_page_init(&mut mapping, MAP_SIZE as usize) };
    if obj.is_null() || mapping.is_null() {
        kpi::kprint(c"linux64: no shared object for the vdso; signal handlers cannot return\n");
        return false;
    }
    // SAFETY: `mapping` points at MAP_SIZE writable kernel bytes just allocated; the image is shorter
    // than MAP_SIZE - PAGE (checked above) and does not overlap them.
    unsafe {
        core::ptr::write_bytes(mapping.cast::<u8>(), 0, MAP_SIZE as usize);
        core::ptr::copy_nonoverlapping(
            img.bytes.as_ptr(),
            mapping.cast::<u8>().add(PAGE as usize),
            img.bytes.len(),
        );
    }
    VDSO_OBJECT.store(obj, Ordering::Release);
    true
}

/// Maps the vdso into a process being exec'd (from `sv_onexec`). 0 or an errno.
///
/// # Safety
/// `p` and `imgp` are the process and image of the exec in progress.
pub unsafe fn map_into(p: *mut proc_, imgp: *mut image_params) -> c_int {
    let obj = VDSO_OBJECT.load(Ordering::Acquire);
    if obj.is_null() {
        return 0;
    }
    // SAFETY: `obj` is the installed object of MAP_SIZE bytes; the MI function maps it read + execute at
    // the fixed address, taking its own reference.
    unsafe { kpi::linux_map_vdso(p, obj, MAP_BASE as usize, MAP_SIZE as usize, imgp) }
}

#[cfg(all(test, not(target_os = "freebsd")))]
mod tests {
    use super::*;

    #[test]
    fn both_images_fit_and_the_trampoline_is_resolved_from_the_image() {
        for img in [&vdso_ppc64::VDSO_BE, &vdso_ppc64::VDSO_LE] {
            assert!(img.bytes.len() as u64 <= MAP_SIZE - PAGE);
            assert_eq!(img.data_offset, -(PAGE as i64));
        }
        assert_eq!(sigtramp(core::ptr::null_mut()), VDSO_BASE + image().sigtramp_start);
        assert_eq!(VDSO_BASE % PAGE, 0);
        assert!(install());
        let installed = kpi::host::shared_page_copy().unwrap();
        assert_eq!(&installed[PAGE as usize..PAGE as usize + image().bytes.len()], image().bytes);
        assert!(installed[..PAGE as usize].iter().all(|&b| b == 0));
        // SAFETY: host fakes; null process/image are not dereferenced.
        assert_eq!(unsafe { map_into(core::ptr::null_mut(), core::ptr::null_mut()) }, 0);
        assert_eq!(kpi::host::vdso_maps(), std::vec![(MAP_BASE, MAP_SIZE)]);
    }
}
