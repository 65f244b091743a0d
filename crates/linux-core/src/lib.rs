//! The arch-neutral core of the Linuxulator.
//!
//! - [`hooks`]: the traits each architecture implements (exec, syscalls, signals), one per concern.
//! - [`uaccess`]: fault-checked user memory with forward-only cursors; [`sim`] simulates it for tests.
//! - [`errno`], [`signal`]: Linux values and the single FreeBSD-to-Linux conversion of each.
//! - [`exec`], [`auxv`], [`elf`]: the initial stack, the auxiliary vector, ELF brands.
//! - [`syscall`], [`sysno`]: syscall requests, outcomes and the arch-neutral handler ids.
//!
//! Nothing here panics on a path reachable from user input: every failure is a [`errno::LinuxErrno`].
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::arithmetic_side_effects, clippy::unreachable, clippy::todo, clippy::unimplemented))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod auxv;
pub mod bytes;
pub mod consts;
pub mod elf;
pub mod errno;
pub mod exec;
pub mod futex;
pub mod hooks;
pub mod ioctl;
pub mod signal;
#[cfg(feature = "sim")]
pub mod sim;
pub mod stat;
pub mod syscall;
pub mod sysno;
pub mod termios;
pub mod uaccess;

pub use errno::LinuxErrno;
pub use uaccess::{UserAddr, UserMemory};
