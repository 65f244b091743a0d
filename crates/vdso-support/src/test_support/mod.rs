//! The test half every vdso crate shares (feature `test-support`, host only): an ELF reader and the
//! structure checks every image passes ([`elf`]), the qemu-user test program's build and run, the
//! reference computation and the checks of the time functions ([`qemu`]), and the evaluation of the
//! trampolines' CFI ([`cfi`]). An arch's tests keep what is its own: its exports, trampoline bytes,
//! instruction decoders, signal frames and register numbers.
//!
//! Test code: it reports a failure by panicking, so the kernel crates' bans are lifted here.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

pub mod cfi;
pub mod elf;
pub mod qemu;
