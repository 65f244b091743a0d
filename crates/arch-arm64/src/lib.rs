//! The Linux/arm64 machine-dependent layer.
//!
//! For now only the syscall table (the asm-generic numbering arm64 uses); the hooks come with the arm64
//! issue.
#![no_std]
#![forbid(unsafe_code)]

pub mod syscall_table;
