//! The data area the kernel maps immediately below the vdso image (little-endian, the only byte order of
//! Linux/arm64 programs; the types keep the byte order a parameter like the rest of the arm64 code). The
//! same layout as `vdso/data.h`, which the vdso code is compiled against; both are pinned by assertions.
//!
//! | offset  | field            | meaning                                                               |
//! |---------|------------------|-----------------------------------------------------------------------|
//! | 0x000   | `reserved0`      | zero (vdso-ppc64: `tb_freq`)                                          |
//! | 0x008   | `tk_offset`      | offset of FreeBSD's `struct vdso_timekeep` from the start of the area (signed; default [`TK_DEFAULT_OFFSET`]) |
//! | 0x010   | `hres_ns`        | `clock_getres()` of the counter-based clocks, ns (0: ask the kernel)  |
//! | 0x018   | `coarse_ns`      | `clock_getres()` of the `*_COARSE` clocks, ns: a tick (0: ask the kernel) |
//! | 0x020   | `tz_minuteswest`, `tz_dsttime` | `gettimeofday()`'s `struct timezone`                    |
//! | 0x028   |                  | reserved, zero                                                         |
//! | 0x200   | `vdso_timekeep`  | FreeBSD's timekeeping (`sys/vdso.h`), [`TH_NUM`] timehands, when the kernel keeps it here |
//! | 0xf00   | platform name    | [`PLATFORM_OFFSET`]: the NUL-terminated `AT_PLATFORM` string ("aarch64"), as on ppc64; not read by the vdso code |
//!
//! # What is shared with vdso-ppc64
//!
//! The page is the same kind and the shared fields sit at the same offsets (so the kernel fills both the
//! same way): the page constants, `Bintime` and the machine-independent part of the timehands come from
//! `vdso_support::data`. The header here is arm64's own: vdso-ppc64's has powerpc-only fields (`tb_freq`,
//! the cache block sizes of `__kernel_sync_dicache`, the `__kernel_get_syscall_map` bitmap, which
//! Linux/arm64 has no entry points for); so are the timehands' machine-dependent words (FreeBSD/arm64's
//! `th_physical, th_res[7]` where powerpc has `th_res[8]`) and the algorithm constant.
//!
//! The time functions follow FreeBSD's reader: `tk_ver` must be [`TK_VER_1`] and `tk_enabled` nonzero,
//! `tk_current` picks the timehands, whose `th_algo` must be [`TH_ALGO_ARM_GENTIM`] (the counter is the
//! low 32 bits of CNTVCT_EL0, or of CNTPCT_EL0 when `th_physical` is nonzero); `th_gen` 0 means "being
//! updated" and a changed `th_gen` or `tk_current` means "read again". Otherwise, or for any other clock,
//! they make the system call. An all-zero page (what the kernel module maps today) makes every call a
//! system call.

use zerocopy::byteorder::{ByteOrder, I32, I64, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

pub use vdso_support::data::{
    Bintime, DATA_SIZE, PLATFORM_OFFSET, PLATFORM_SIZE, TH_NUM, TK_DEFAULT_OFFSET, TK_VER_1,
};

/// `VDSO_TH_ALGO_ARM_GENTIM` (`VDSO_TH_ALGO_1`): the ARM generic timer.
pub const TH_ALGO_ARM_GENTIM: u32 = 1;

vdso_support::freebsd_timekeeping! {
    /// FreeBSD/arm64 `struct vdso_timehands` (88 bytes); `th_algo` is [`TH_ALGO_ARM_GENTIM`].
    timehands {
        /// `th_physical`: nonzero to read CNTPCT_EL0 instead of CNTVCT_EL0 (`VDSO_TIMEHANDS_MD`).
        pub physical: U32<E>,
        /// `th_res[7]`.
        pub res: [U32<E>; 7],
    }
}

/// The header of the data area.
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug)]
pub struct VdsoData<E: ByteOrder> {
    /// Zero (vdso-ppc64's `tb_freq`).
    pub reserved0: U64<E>,
    /// Offset of `struct vdso_timekeep` from the start of the data area.
    pub tk_offset: I64<E>,
    /// Resolution of the counter-based clocks in ns.
    pub hres_ns: U64<E>,
    /// Resolution of the coarse clocks in ns.
    pub coarse_ns: U64<E>,
    /// `tz_minuteswest`.
    pub tz_minuteswest: I32<E>,
    /// `tz_dsttime`.
    pub tz_dsttime: I32<E>,
    /// Zero.
    pub reserved1: [U64<E>; 3],
}

const _: () = {
    use core::mem::{offset_of, size_of};
    type D = VdsoData<zerocopy::LittleEndian>;
    type T = Timehands<zerocopy::LittleEndian>;
    assert!(offset_of!(D, tk_offset) == 0x08);
    assert!(offset_of!(D, hres_ns) == 0x10);
    assert!(offset_of!(D, coarse_ns) == 0x18);
    assert!(offset_of!(D, tz_minuteswest) == 0x20);
    assert!(offset_of!(D, tz_dsttime) == 0x24);
    assert!(size_of::<D>() == 0x40);
    assert!(offset_of!(T, physical) == 56);
    assert!(offset_of!(T, res) == 60);
    assert!(size_of::<D>() <= TK_DEFAULT_OFFSET as usize);
};

#[cfg(test)]
mod tests {
    use super::*;
    use zerocopy::LittleEndian;

    #[test]
    fn timekeep_fits_the_data_page_at_its_default_offset() {
        assert_eq!(core::mem::size_of::<Timekeep<LittleEndian>>(), 16 + 4 * 88);
    }
}
