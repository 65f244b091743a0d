//! The Linux vdso for powerpc64: the signal trampoline and the time functions, as a big-endian and a
//! little-endian shared object the kernel maps into every Linux process (`AT_SYSINFO_EHDR`).
//!
//! The images are built by `build.rs` from `vdso/` (assembly, freestanding C and a linker script) with
//! clang and ld.lld and embedded here with their symbol offsets: [`VDSO_BE`], [`VDSO_LE`].
//!
//! # What the kernel maps
//!
//! ```text
//! base - DATA_SIZE   the data area (one page, read-only for the process): the data::VdsoData header,
//!                    and FreeBSD's struct vdso_timekeep wherever the header's tk_offset says (by
//!                    default at data::TK_DEFAULT_OFFSET into the page)
//! base               the image (`bytes`, rounded up to pages), read+execute; AT_SYSINFO_EHDR = base
//! ```
//!
//! The code finds the data area PC-relatively (`DATA_SIZE` bytes below its ELF header), so the image needs
//! no relocation and no patching: copy [`VdsoImage::bytes`] as they are.
//!
//! # Signals
//!
//! Deliver with NIP = base + [`VdsoImage::sigtramp_start`] (a `bctrl` to the handler in CTR), followed by
//! `__kernel_sigtramp_rt64` at base + [`VdsoImage::sigtramp`] (`addi r1,r1,128; li r0,172; sc`), the
//! return address glibc's `backtrace()` recognises. The trampoline's CFI expects the frame layout of
//! `arch_ppc64::signal` (the regs pointer at `*(r1 + 352)` while r1 is the handler's stack pointer).
//!
//! # ABI choices
//!
//! Both images are ELFv2 (`e_flags` 2): plain function symbols, no `.opd`, code that never uses r2. That
//! is the shape Linux's vdso64 has on both byte orders; glibc on big-endian ELFv1 does not look at the
//! vdso's `e_flags` and wraps the plain addresses in its own descriptors (`VDSO_IFUNC_RET`). Functions
//! return like a system call: CR0.SO clear and the result in r3, or CR0.SO set and a positive errno; when
//! a clock cannot be served from the timekeeping they make the system call themselves.
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

/// One built vdso image and what the kernel needs to know about it.
#[derive(Clone, Copy, Debug)]
pub struct VdsoImage {
    /// The ELF shared object, to be mapped as it is at a page-aligned base.
    pub bytes: &'static [u8],
    /// Whether this is the little-endian image.
    pub little_endian: bool,
    /// Offset of `__kernel_start_sigtramp_rt64`, the `bctrl` a signal handler is entered through
    /// (`linux_core::hooks::SignalDelivery::trampoline` = base + this).
    pub sigtramp_start: u64,
    /// Offset of `__kernel_sigtramp_rt64`, the handler's return address (`sigtramp_start + 4`).
    pub sigtramp: u64,
    /// Where the data area starts relative to the image base (negative: it lies below).
    pub data_offset: i64,
    /// Size of the data area in bytes.
    pub data_size: u64,
    /// The exported functions (version `LINUX_2.6.15`) and their offsets.
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

    /// The image for a byte order.
    pub fn for_order(little_endian: bool) -> &'static VdsoImage {
        if little_endian {
            &VDSO_LE
        } else {
            &VDSO_BE
        }
    }
}

include!(concat!(env!("OUT_DIR"), "/images.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_know_their_byte_order_and_trampoline() {
        for little in [false, true] {
            let img = VdsoImage::for_order(little);
            assert_eq!(img.little_endian, little);
            assert_eq!(img.bytes[5], if little { 1 } else { 2 }, "EI_DATA");
            assert_eq!(img.sigtramp, img.sigtramp_start + 4);
            assert_eq!(img.symbol("__kernel_sigtramp_rt64"), Some(img.sigtramp));
            assert_eq!(img.symbol("__kernel_start_sigtramp_rt64"), None, "not exported");
            assert_eq!(img.data_offset, -(data::DATA_SIZE as i64));
            let size = img.map_size(4096);
            assert!(
                size & 4095 == 0 && size >= img.bytes.len() as u64 && size < img.bytes.len() as u64 + 4096
            );
        }
    }
}
