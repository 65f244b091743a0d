//! What every architecture's Linux vdso crate (`vdso-ppc64`, `vdso-arm64`) shares, so that a new
//! architecture's vdso is only its assembly (signal trampoline, counter read, system call fallback), its
//! linker script and its constants.
//!
//! | where | what | used by |
//! |---|---|---|
//! | [`VdsoSymbol`], [`find_symbol`], [`map_size`] | an embedded image's exported symbols | the kernel (`no_std`) |
//! | [`data`] | the data page's constants, FreeBSD's `struct bintime`, and [`freebsd_timekeeping!`], which defines an arch's `vdso_timehands`/`vdso_timekeep` from its machine-dependent words | the kernel (`no_std`) |
//! | `c/vdso_timekeep.h` | the same structures for the vdso's C code, the Linux clock ids | each arch's `vdso/data.h` |
//! | `c/vdso_time.h` | FreeBSD's timehands reader (the generation protocol, the bintime arithmetic) and the clock_gettime/getres/gettimeofday bodies, over two arch hooks: `vdso_read_count()` and `VDSO_TH_ALGO` | each arch's `vdso/time.c` |
//! | `build` (feature `build`) | finding clang and ld.lld, compiling and linking an image, reading its symbols, the checks every image passes, writing `images.rs` | each arch's `build.rs` |
//! | `test_support` (feature `test-support`) | an ELF reader and the structure checks every image passes, the qemu-user test program's build and run, the reference computation and the checks of the time functions, CFI evaluation | each arch's `tests/` |
//!
//! Without features the crate is `no_std` and denies the panicking constructs like every kernel crate;
//! the `build` and `test-support` features are for host-side build scripts and tests only
//! (build-dependencies and dev-dependencies do not share features with the kernel's normal dependencies).
#![cfg_attr(not(any(feature = "build", feature = "test-support")), no_std)]
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

#[cfg(feature = "build")]
pub mod build;

#[cfg(feature = "test-support")]
pub mod test_support;

/// The directory of the shared C headers (`vdso_timekeep.h`, `vdso_time.h`), for `-I` (host paths: for build scripts and tests).
pub const C_INCLUDE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/c");

/// clang under the names Debian gives it (for build scripts and tests).
pub const CLANG: [&str; 5] = ["clang", "clang-14", "clang-15", "clang-16", "clang-19"];
/// ld.lld under the names Debian gives it (for build scripts and tests).
pub const LLD: [&str; 5] = ["ld.lld", "ld.lld-14", "ld.lld-15", "ld.lld-16", "ld.lld-19"];

/// A symbol of an image: the function's offset from the image start and its size in bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct VdsoSymbol {
    /// The symbol name.
    pub name: &'static str,
    /// Offset from the start of the image (the ELF header).
    pub offset: u64,
    /// Size in bytes.
    pub size: u64,
}

/// The offset of the symbol `name` among `symbols`.
pub fn find_symbol(symbols: &[VdsoSymbol], name: &str) -> Option<u64> {
    symbols.iter().find(|s| s.name == name).map(|s| s.offset)
}

/// Bytes to map for an image of `bytes`, rounded up to `page_size` (a power of two).
pub fn map_size(bytes: &[u8], page_size: u64) -> u64 {
    let mask = page_size.saturating_sub(1);
    (bytes.len() as u64).saturating_add(mask) & !mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_found_by_name_and_sizes_round_up_to_pages() {
        let syms =
            [VdsoSymbol { name: "a", offset: 8, size: 4 }, VdsoSymbol { name: "b", offset: 16, size: 4 }];
        assert_eq!(find_symbol(&syms, "b"), Some(16));
        assert_eq!(find_symbol(&syms, "c"), None);
        assert_eq!(map_size(&[0; 4097], 4096), 8192);
        assert_eq!(map_size(&[0; 4096], 4096), 4096);
        assert_eq!(map_size(&[], 4096), 0);
    }
}
