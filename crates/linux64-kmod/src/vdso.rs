//! The vdso: where the signal trampoline is in a process, and installing the image at load.
//!
//! HOOK(vdso-ppc64): `crates/vdso-ppc64` (being written separately) will expose the big- and
//! little-endian images with their symbol offsets (`VdsoImage::{bytes, sigtramp_start, symbols}`). Until it
//! lands and is added as a dependency of this crate, [`sigtramp`] returns 0 (a handler's return then
//! faults) and [`install`] only says so. To wire it:
//! 1. add `vdso-ppc64.workspace = true` to this crate's dependencies;
//! 2. in [`install`], copy `VdsoImage::for_order(cfg!(target_endian = "little")).bytes` into the shared
//!    page the MI code allocates (`linux_shared_page_init` / `linux_vdso_install` of sys/compat/linux),
//!    store the base in the sysentvecs' `sv_vdso_offset` and patch the timekeeping offset;
//! 3. in [`sigtramp`], return the process's vdso base + `sigtramp_start`.

use crate::kpi::sys::proc_;

/// Whether the vdso image is part of this build.
pub const VDSO_BUILT_IN: bool = false;

/// Address of the signal trampoline in process `p` (`__kernel_start_sigtramp_rt64`), 0 without a vdso.
pub fn sigtramp(_p: *mut proc_) -> u64 {
    0
}

/// Installs the vdso image in the shared page (MOD_LOAD). Returns whether an image was installed.
pub fn install() -> bool {
    crate::kpi::kprint(
        c"linux64: no vdso image in this build (signal handlers cannot return yet)\n",
    );
    VDSO_BUILT_IN
}
