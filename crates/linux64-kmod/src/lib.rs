//! The Rust part of the `linux64` FreeBSD kernel module: `extern "C"` entry points that the module's C
//! side (the `struct sysentvec` instances, registered at MOD_LOAD) calls for each machine-dependent hook.
//!
//! Every entry point takes FreeBSD's own structures (the trap frame, the thread's saved FP/vector state)
//! by pointer, and user memory only through `copyin(9)`/`copyout(9)` ([`kernel::KernelUserMemory`]).
//!
//! Built two ways:
//! - for the kernel, by `cargo xtask build`, with the `targets/*-freebsd-kernel.json` targets
//!   (`target_os = "freebsd"`, `-Zbuild-std=core,alloc`, panic = abort): this crate supplies the
//!   `#[panic_handler]`, which calls `panic(9)`;
//! - for the host, by `cargo test --workspace` (Linux): `std` is linked and supplies the panic
//!   handler, so the `staticlib` crate type still links, and the entry points are tested over a
//!   simulated address space.
#![no_std]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
        clippy::undocumented_unsafe_blocks,
        clippy::missing_safety_doc
    )
)]

#[cfg(not(target_os = "freebsd"))]
extern crate std;

pub mod alloc;
pub mod futex;
pub mod kernel;
pub mod kpi;
pub mod ppc64;
pub mod sysvec;
#[cfg(any(not(target_os = "freebsd"), target_arch = "aarch64"))]
pub mod sysvec_arm64;
#[cfg(any(not(target_os = "freebsd"), target_arch = "powerpc64"))]
pub mod sysvec_ppc64;
pub mod vdso;

use core::ffi::c_int;

/// MOD_LOAD of the module (called by `linux64_modevent` in c/linux64_module.c): describes the CPU,
/// installs the vdso and registers the brands of this architecture (the host build: powerpc64's).
#[no_mangle]
pub extern "C" fn linux64_rust_load() -> c_int {
    kpi::kprint(build_banner());
    #[cfg(all(target_os = "freebsd", target_arch = "aarch64"))]
    return sysvec_arm64::load(sysvec_arm64::kernel_cpu());
    #[cfg(any(not(target_os = "freebsd"), target_arch = "powerpc64"))]
    {
        let cpu = sysvec_ppc64::kernel_cpu();
        let _ = vdso::install(&vdso::ppc64_data_page(&cpu, sysvec_ppc64::timekeep_offset()));
        sysvec_ppc64::load(cpu)
    }
}

/// MOD_UNLOAD: EBUSY while a Linux process still runs under one of the module's brands.
#[no_mangle]
pub extern "C" fn linux64_rust_unload() -> c_int {
    #[cfg(all(target_os = "freebsd", target_arch = "aarch64"))]
    return sysvec_arm64::unload();
    #[cfg(any(not(target_os = "freebsd"), target_arch = "powerpc64"))]
    return sysvec_ppc64::unload();
}

/// The line printed at load: module, release of the headers it was compiled against.
pub fn build_banner() -> &'static core::ffi::CStr {
    // The numbers come from freebsd-sys; keep the text static (no formatting in the kernel).
    let arm64 = cfg!(all(target_os = "freebsd", target_arch = "aarch64"));
    match (arm64, freebsd_sys::FREEBSD_VERSION / 100_000) {
        (false, 15) => c"linux64: Linux/powerpc64 ABI module, built for FreeBSD 15 (freebsd-sys headers)\n",
        (false, 14) => c"linux64: Linux/powerpc64 ABI module, built for FreeBSD 14 (freebsd-sys headers)\n",
        (false, _) => c"linux64: Linux/powerpc64 ABI module (freebsd-sys headers)\n",
        (true, 15) => c"linux64: Linux/arm64 ABI module, built for FreeBSD 15 (freebsd-sys headers)\n",
        (true, 14) => c"linux64: Linux/arm64 ABI module, built for FreeBSD 14 (freebsd-sys headers)\n",
        (true, _) => c"linux64: Linux/arm64 ABI module (freebsd-sys headers)\n",
    }
}

/// Kernel panic handler: hands the message to FreeBSD's `panic(9)`, which never returns.
#[cfg(all(target_os = "freebsd", not(test)))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    kernel::kernel_panic(c"linux64: Rust panic")
}
