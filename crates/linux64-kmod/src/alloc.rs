//! The Rust global allocator of the kernel module: malloc(9) with the module's malloc type `M_LINUX64`
//! (`MALLOC_DEFINE` in c/linux64_module.c), `M_NOWAIT` (callers may hold locks; a failed allocation is
//! reported as null and becomes Rust's allocation-error panic, i.e. panic(9)).
//!
//! Alignment: malloc(9) only promises pointer alignment, so any larger alignment goes through
//! `malloc_aligned(9)`; `free(9)` releases both.

use core::alloc::Layout;

/// The largest alignment plain malloc(9) is relied on for.
pub const MALLOC_ALIGN: usize = core::mem::align_of::<u64>();

/// Whether `layout` needs `malloc_aligned(9)`.
pub fn needs_aligned(layout: Layout) -> bool {
    layout.align() > MALLOC_ALIGN
}

#[cfg(target_os = "freebsd")]
mod kernel_alloc {
    use super::needs_aligned;
    use crate::kpi::sys::kconst::{M_NOWAIT, M_ZERO};
    use crate::kpi::{free, malloc, malloc_aligned, malloc_type};
    use core::alloc::{GlobalAlloc, Layout};
    use core::ffi::c_int;
    use core::ptr::addr_of_mut;

    extern "C" {
        /// `MALLOC_DEFINE(M_LINUX64, ...)` in c/linux64_module.c.
        static mut M_LINUX64: [malloc_type; 1];
    }

    /// malloc(9) as Rust's allocator.
    pub struct KernelAllocator;

    fn alloc_with(layout: Layout, flags: c_int) -> *mut u8 {
        let ty = addr_of_mut!(M_LINUX64).cast::<malloc_type>();
        // SAFETY: M_LINUX64 is initialized by its SYSINIT before the module's code runs; size is non-zero
        // (GlobalAlloc is never asked for zero bytes) and the alignment a power of two.
        unsafe {
            if needs_aligned(layout) {
                malloc_aligned(layout.size(), layout.align(), ty, flags).cast()
            } else {
                malloc(layout.size(), ty, flags).cast()
            }
        }
    }

    // SAFETY: malloc/malloc_aligned return memory of at least the size and alignment asked for, or null;
    // free(9) accepts what either returned.
    unsafe impl GlobalAlloc for KernelAllocator {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            alloc_with(layout, M_NOWAIT as c_int)
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            alloc_with(layout, (M_NOWAIT | M_ZERO) as c_int)
        }

        unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
            // SAFETY: `ptr` came from alloc/alloc_zeroed with the same malloc type.
            unsafe { free(ptr.cast(), addr_of_mut!(M_LINUX64).cast()) }
        }
    }

    #[global_allocator]
    static ALLOCATOR: KernelAllocator = KernelAllocator;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alignment_choice() {
        for (size, align, aligned) in
            [(1, 1, false), (24, 8, false), (16, 16, true), (64, 64, true), (4096, 4096, true)]
        {
            let l = Layout::from_size_align(size, align).unwrap();
            assert_eq!(needs_aligned(l), aligned, "{size}/{align}");
        }
    }
}
