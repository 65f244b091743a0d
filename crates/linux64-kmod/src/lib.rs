//! The Rust part of the `linux64` FreeBSD kernel module (placeholder, to be filled in).
//!
//! Built two ways:
//! - for the kernel, by `cargo xtask build`, with the `targets/*-freebsd-kernel.json` targets
//!   (`target_os = "freebsd"`, `-Zbuild-std=core,alloc`, panic = abort): this crate supplies the
//!   `#[panic_handler]`;
//! - for the host, by `cargo test --workspace` (Linux): `std` is linked and supplies the panic
//!   handler, so the `staticlib` crate type still links.
#![no_std]

#[cfg(not(target_os = "freebsd"))]
extern crate std;

/// Kernel panic handler (placeholder: will call FreeBSD's `panic(9)`).
#[cfg(all(target_os = "freebsd", not(test)))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
