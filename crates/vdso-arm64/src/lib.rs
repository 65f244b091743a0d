//! The Linux vdso for arm64: the signal return trampoline and the time functions, as the little-endian
//! shared object the kernel maps into every Linux/arm64 process (`AT_SYSINFO_EHDR`).
//!
//! The image is built by `build.rs` from `vdso/` (assembly, freestanding C and a linker script) with
//! clang and ld.lld and embedded here with its symbol offsets: [`VDSO`]. It exports what Linux/arm64's
//! vdso exports, under version `LINUX_2.6.39`: `__kernel_rt_sigreturn`, `__kernel_clock_gettime`,
//! `__kernel_gettimeofday` and `__kernel_clock_getres`.
//!
//! # What the kernel maps
//!
//! ```text
//! base - DATA_SIZE   the data area (one page, read-only for the process): the data::VdsoData header,
//!                    and FreeBSD's struct vdso_timekeep wherever the header's tk_offset says (by
//!                    default at data::TK_DEFAULT_OFFSET into the page); all zero = "make the system call"
//! base               the image (`bytes`, rounded up to pages), read+execute; AT_SYSINFO_EHDR = base
//! ```
//!
//! The code finds the data area PC-relatively (`DATA_SIZE` bytes below its ELF header), so the image needs
//! no relocation and no patching: copy [`VdsoImage::bytes`] as they are. The layout is vdso-ppc64's: the
//! same page below the image, the same header offsets for the fields both use.
//!
//! # Signals
//!
//! Without `SA_RESTORER` a handler returns to base + [`VdsoImage::sigreturn`] (`__kernel_rt_sigreturn`:
//! `mov x8, #139; svc #0`, preceded by the `nop` Linux has): `arch_arm64::signal::return_trampoline`
//! computes that address from this crate's data. The trampoline's CFI expects the frame layout of
//! `arch_arm64::signal` at sp ([`SIGFRAME`]; arch-arm64 asserts it at compile time).
//!
//! # ABI
//!
//! The functions are AAPCS64 functions that return what the system call would (0 or `-errno`, in all
//! of x0); when the data page cannot serve a call they make the system call themselves. No FP/SIMD
//! register is touched (`-mgeneral-regs-only`), nor x18.
#![no_std]
#![forbid(unsafe_code)]
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
        clippy::unimplemented
    )
)]

pub mod data;

pub use vdso_support::VdsoSymbol;

/// The built vdso image and what the kernel needs to know about it.
#[derive(Clone, Copy, Debug)]
pub struct VdsoImage {
    /// The ELF shared object, to be mapped as it is at a page-aligned base.
    pub bytes: &'static [u8],
    /// Offset of `__kernel_rt_sigreturn`, the return address of a handler installed without
    /// `SA_RESTORER` (`linux_core::hooks::SignalDelivery::trampoline` = base + this).
    pub sigreturn: u64,
    /// Where the data area starts relative to the image base (negative: it lies below).
    pub data_offset: i64,
    /// Size of the data area in bytes.
    pub data_size: u64,
    /// The exported functions (version `LINUX_2.6.39`) and their offsets.
    pub symbols: &'static [VdsoSymbol],
}

impl VdsoImage {
    /// The offset of an exported symbol.
    pub fn symbol(&self, name: &str) -> Option<u64> {
        vdso_support::find_symbol(self.symbols, name)
    }

    /// Bytes to map for the image, rounded up to `page_size` (a power of two).
    pub fn map_size(&self, page_size: u64) -> u64 {
        vdso_support::map_size(self.bytes, page_size)
    }
}

/// Offsets in Linux/arm64's `struct rt_sigframe` that the trampoline's unwind information was assembled
/// with (build.rs passes the same numbers to the assembler).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SigframeOffsets {
    /// `uc.uc_mcontext` (`struct sigcontext`) from the start of the frame (the handler's sp).
    pub sigcontext: u64,
    /// `sigcontext.regs` (x0..x30) from the sigcontext.
    pub regs: u64,
    /// `sigcontext.sp` from the sigcontext.
    pub sp: u64,
    /// `sigcontext.pc` from the sigcontext.
    pub pc: u64,
    /// `sigcontext.__reserved` from the sigcontext.
    pub reserved: u64,
    /// `fpsimd_context.vregs` from the start of that record (the first of `__reserved`).
    pub fpsimd_vregs: u64,
}

include!(concat!(env!("OUT_DIR"), "/images.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_knows_its_trampoline_and_data_area() {
        let img = &VDSO;
        assert_eq!(img.bytes[5], 1, "EI_DATA: little-endian");
        assert_eq!(img.symbol("__kernel_rt_sigreturn"), Some(img.sigreturn));
        assert_eq!(img.symbols.len(), 4);
        assert_eq!(img.data_offset, -(data::DATA_SIZE as i64));
        let size = img.map_size(4096);
        assert!(size & 4095 == 0 && size >= img.bytes.len() as u64 && size < img.bytes.len() as u64 + 4096);
        // The nop before the trampoline, as Linux has it.
        let at = img.sigreturn as usize;
        assert_eq!(img.bytes[at - 4..at], 0xd503_201f_u32.to_le_bytes());
    }
}
