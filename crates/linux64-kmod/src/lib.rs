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

#[cfg(not(target_os = "freebsd"))]
extern crate std;

pub mod kernel;
pub mod ppc64;

// Link arm64 too, so the kernel-object checks cover its code.
use arch_arm64 as _;

/// Kernel panic handler: hands the message to FreeBSD's `panic(9)`, which never returns.
#[cfg(all(target_os = "freebsd", not(test)))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    kernel::kernel_panic(c"linux64: Rust panic")
}
