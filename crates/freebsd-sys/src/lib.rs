//! Bindings to the FreeBSD kernel KPI the linux64 module uses.
//!
//! Not written yet: the bindgen step over a FreeBSD source tree or the FreeBSD headers of the `ziglang`
//! package belongs to the kernel-module issue. Until then this crate is empty on purpose, and nothing
//! in the workspace depends on it.
#![no_std]
