//! The data area the kernel maps immediately below the vdso image, in the guest's byte order (the same
//! layout as `vdso/data.h`, which the vdso code is compiled against; both are pinned by assertions).
//!
//! | offset  | field            | meaning                                                               |
//! |---------|------------------|-----------------------------------------------------------------------|
//! | 0x000   | `tb_freq`        | timebase ticks per second (`__kernel_get_tbfreq`)                     |
//! | 0x008   | `tk_offset`      | offset of FreeBSD's `struct vdso_timekeep` from the start of the area (signed; default [`TK_DEFAULT_OFFSET`]) |
//! | 0x010   | `hres_ns`        | `clock_getres()` of the counter-based clocks, ns (0: ask the kernel)  |
//! | 0x018   | `coarse_ns`      | `clock_getres()` of the `*_COARSE` clocks, ns: a tick (0: ask the kernel) |
//! | 0x020   | `tz_minuteswest`, `tz_dsttime` | `gettimeofday()`'s `struct timezone`                    |
//! | 0x028   | `dcache_block`, `icache_block` | cache block sizes in bytes for `__kernel_sync_dicache` (powers of two; below 32 means 32) |
//! | 0x030   | `syscall_count`  | number of system calls `syscall_map` covers                           |
//! | 0x040   | `syscall_map`    | 32 words: call n implemented iff word n/32 has bit `0x8000_0000 >> n%32` |
//! | 0x0c0   |                  | reserved, zero                                                         |
//! | 0x200   | `vdso_timekeep`  | FreeBSD's timekeeping (`sys/vdso.h`), [`TH_NUM`] timehands, when the kernel keeps it here |
//! | 0xf00   | platform name    | [`PLATFORM_OFFSET`]: the NUL-terminated string `AT_PLATFORM` and `AT_BASE_PLATFORM` point at ("power9"); not read by the vdso code |
//!
//! The time functions follow FreeBSD's reader: `tk_ver` must be [`TK_VER_1`] and `tk_enabled` nonzero,
//! `tk_current` picks the timehands, whose `th_algo` must be [`TH_ALGO_PPC_TB`] (the counter is the low
//! 32 bits of the timebase); `th_gen` 0 means "being updated" and a changed `th_gen` or `tk_current` means
//! "read again". Otherwise, or for any other clock, they make the system call.

use zerocopy::byteorder::{ByteOrder, I32, I64, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

pub use vdso_support::data::{
    Bintime, DATA_SIZE, PLATFORM_OFFSET, PLATFORM_SIZE, TH_NUM, TK_DEFAULT_OFFSET, TK_VER_1,
};

/// `VDSO_TH_ALGO_PPC_TB` (`VDSO_TH_ALGO_1`).
pub const TH_ALGO_PPC_TB: u32 = 1;
/// Bits in the syscall map.
pub const SYSCALL_MAP_BITS: u32 = 32 * 32;

vdso_support::freebsd_timekeeping! {
    /// FreeBSD/powerpc64 `struct vdso_timehands` (88 bytes); `th_algo` is [`TH_ALGO_PPC_TB`].
    timehands {
        /// `th_res[8]` (`VDSO_TIMEHANDS_MD`).
        pub res: [U32<E>; 8],
    }
}

/// The header of the data area.
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug)]
pub struct VdsoData<E: ByteOrder> {
    /// Timebase frequency in Hz.
    pub tb_freq: U64<E>,
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
    /// Data cache block size in bytes.
    pub dcache_block: U32<E>,
    /// Instruction cache block size in bytes.
    pub icache_block: U32<E>,
    /// Number of system calls the map covers.
    pub syscall_count: U32<E>,
    /// Zero.
    pub reserved0: U32<E>,
    /// Zero.
    pub reserved1: U64<E>,
    /// Implemented system calls, MSB first in each word (Linux's layout).
    pub syscall_map: [U32<E>; 32],
}

impl<E: ByteOrder> VdsoData<E> {
    /// Marks system call `nr` as implemented; false if the map has no bit for it.
    pub fn set_syscall(&mut self, nr: u32) -> bool {
        let Some(word) = self.syscall_map.get_mut((nr / 32) as usize) else {
            return false;
        };
        *word = U32::new(word.get() | (0x8000_0000 >> (nr % 32)));
        true
    }
}

const _: () = {
    use core::mem::{offset_of, size_of};
    type D = VdsoData<zerocopy::BigEndian>;
    assert!(offset_of!(D, tk_offset) == 0x08);
    assert!(offset_of!(D, hres_ns) == 0x10);
    assert!(offset_of!(D, coarse_ns) == 0x18);
    assert!(offset_of!(D, tz_minuteswest) == 0x20);
    assert!(offset_of!(D, dcache_block) == 0x28);
    assert!(offset_of!(D, icache_block) == 0x2c);
    assert!(offset_of!(D, syscall_count) == 0x30);
    assert!(offset_of!(D, syscall_map) == 0x40);
    assert!(size_of::<D>() == 0xc0);
    assert!(offset_of!(Timehands<zerocopy::BigEndian>, res) == 56);
    assert!(size_of::<D>() <= TK_DEFAULT_OFFSET as usize);
};

#[cfg(test)]
mod tests {
    use super::*;
    use zerocopy::{BigEndian, FromZeros, LittleEndian};

    #[test]
    fn syscall_map_is_msb_first_like_linux() {
        let mut d = VdsoData::<BigEndian>::new_zeroed();
        assert!(d.set_syscall(0));
        assert!(d.set_syscall(33));
        assert!(d.set_syscall(SYSCALL_MAP_BITS - 1));
        assert!(!d.set_syscall(SYSCALL_MAP_BITS));
        assert_eq!(d.syscall_map[0].get(), 0x8000_0000);
        assert_eq!(d.syscall_map[1].get(), 0x4000_0000);
        assert_eq!(d.syscall_map[31].get(), 1);
        let mut le = VdsoData::<LittleEndian>::new_zeroed();
        le.set_syscall(3);
        assert_eq!(&le.as_bytes()[0x40..0x44], &[0, 0, 0, 0x10]);
    }

    #[test]
    fn timekeep_fits_the_data_page_at_its_default_offset() {
        assert_eq!(core::mem::size_of::<Timekeep<BigEndian>>(), 16 + 4 * 88);
    }
}
