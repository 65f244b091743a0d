//! The Linux vdso for powerpc64 (signal trampoline and time functions) and its linker script.
//!
//! Not written yet: it belongs to the vdso issue. Until then this crate is empty on purpose, and the
//! signal code takes the trampoline address as a parameter.
#![no_std]
