//! What every arch's data page shares: its size and fixed offsets, FreeBSD's `struct bintime`, and
//! [`freebsd_timekeeping!`](crate::freebsd_timekeeping), which defines the arch's `struct
//! vdso_timehands` and `struct vdso_timekeep` (FreeBSD `sys/vdso.h`) from its `VDSO_TIMEHANDS_MD` words.
//!
//! Each arch's `data.rs` keeps its own header struct (`VdsoData`: the fields differ, the shared ones sit
//! at the same offsets: `tk_offset` 0x08, `hres_ns` 0x10, `coarse_ns` 0x18, the timezone 0x20) and its
//! own algorithm constant; `c/vdso_timekeep.h` is the C side of the same layout.

use zerocopy::byteorder::{ByteOrder, I64, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// Size of the data area: one page below the image.
pub const DATA_SIZE: u64 = 0x1000;
/// Where the kernel puts `struct vdso_timekeep` when it keeps it inside the data area.
pub const TK_DEFAULT_OFFSET: u64 = 0x200;
/// Where the kernel writes the platform name `AT_PLATFORM` (and on ppc64 `AT_BASE_PLATFORM`) point at
/// (Linux copies it to the stack; here it is in the read-only data page every process maps).
pub const PLATFORM_OFFSET: u64 = 0xf00;
/// Room for the platform name, its NUL included.
pub const PLATFORM_SIZE: u64 = DATA_SIZE - PLATFORM_OFFSET;
/// Timehands in FreeBSD's timekeep (`VDSO_TH_NUM`).
pub const TH_NUM: usize = 4;
/// `VDSO_TK_VER_1`.
pub const TK_VER_1: u32 = 1;

/// FreeBSD `struct bintime`.
#[repr(C)]
#[derive(
    FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct Bintime<E: ByteOrder> {
    /// Seconds.
    pub sec: I64<E>,
    /// Binary fraction of a second.
    pub frac: U64<E>,
}

/// Defines `Timehands<E>` (FreeBSD `struct vdso_timehands`, 88 bytes: the machine-independent fields,
/// then the arch's `VDSO_TIMEHANDS_MD` words given here) and `Timekeep<E>` (`struct vdso_timekeep` with
/// [`TH_NUM`] of them) in the calling module, with their layout asserted. The caller depends on
/// `zerocopy` (the derives name it) and writes the MD fields as it would in the struct, e.g. powerpc's
/// `/// th_res[8] pub res: [U32<E>; 8],`.
#[macro_export]
macro_rules! freebsd_timekeeping {
    (
        $(#[$th_meta:meta])*
        timehands { $($(#[$md_meta:meta])* pub $md:ident: $md_ty:ty,)+ }
    ) => {
        $(#[$th_meta])*
        #[repr(C)]
        #[derive(
            ::zerocopy::FromBytes,
            ::zerocopy::IntoBytes,
            ::zerocopy::Immutable,
            ::zerocopy::KnownLayout,
            ::zerocopy::Unaligned,
            Clone,
            Copy,
            Debug
        )]
        pub struct Timehands<E: ::zerocopy::ByteOrder> {
            /// `th_algo`: the counter the timehands are for.
            pub algo: ::zerocopy::byteorder::U32<E>,
            /// `th_gen`: 0 while being updated.
            pub gen: ::zerocopy::byteorder::U32<E>,
            /// `th_scale`: 2^64 / counter frequency (fraction of a second per count).
            pub scale: ::zerocopy::byteorder::U64<E>,
            /// `th_offset_count`: counter value at `offset`.
            pub offset_count: ::zerocopy::byteorder::U32<E>,
            /// `th_counter_mask`.
            pub counter_mask: ::zerocopy::byteorder::U32<E>,
            /// `th_offset`: uptime at `offset_count`.
            pub offset: $crate::data::Bintime<E>,
            /// `th_boottime`: realtime minus uptime.
            pub boottime: $crate::data::Bintime<E>,
            $($(#[$md_meta])* pub $md: $md_ty,)+
        }

        /// FreeBSD `struct vdso_timekeep` with its `TH_NUM` timehands.
        #[repr(C)]
        #[derive(
            ::zerocopy::FromBytes,
            ::zerocopy::IntoBytes,
            ::zerocopy::Immutable,
            ::zerocopy::KnownLayout,
            ::zerocopy::Unaligned,
            Clone,
            Copy,
            Debug
        )]
        pub struct Timekeep<E: ::zerocopy::ByteOrder> {
            /// `tk_ver`: `TK_VER_1`.
            pub ver: ::zerocopy::byteorder::U32<E>,
            /// `tk_enabled`.
            pub enabled: ::zerocopy::byteorder::U32<E>,
            /// `tk_current`: index of the current timehands.
            pub current: ::zerocopy::byteorder::U32<E>,
            /// Padding to the 8-aligned array.
            pub pad: ::zerocopy::byteorder::U32<E>,
            /// `tk_th`.
            pub th: [Timehands<E>; $crate::data::TH_NUM],
        }

        const _: () = {
            use ::core::mem::{offset_of, size_of};
            type T = Timehands<::zerocopy::LittleEndian>;
            type K = Timekeep<::zerocopy::LittleEndian>;
            use $crate::data::{PLATFORM_OFFSET, TK_DEFAULT_OFFSET};
            assert!(offset_of!(T, scale) == 8);
            assert!(offset_of!(T, offset_count) == 16);
            assert!(offset_of!(T, counter_mask) == 20);
            assert!(offset_of!(T, offset) == 24);
            assert!(offset_of!(T, boottime) == 40);
            assert!(size_of::<T>() == 88, "VDSO_TIMEHANDS_MD is 32 bytes on every arch");
            assert!(offset_of!(K, th) == 16);
            assert!((TK_DEFAULT_OFFSET as usize).saturating_add(size_of::<K>()) <= PLATFORM_OFFSET as usize);
        };
    };
}

const _: () = assert!(core::mem::size_of::<Bintime<zerocopy::BigEndian>>() == 16);

#[cfg(test)]
mod tests {
    use zerocopy::byteorder::U32;

    mod example {
        use super::U32;
        crate::freebsd_timekeeping! {
            /// An arch with eight reserved words.
            timehands {
                /// `th_res[8]`.
                pub res: [U32<E>; 8],
            }
        }
    }

    #[test]
    fn the_macro_defines_freebsds_layout() {
        use example::{Timehands, Timekeep};
        use zerocopy::{BigEndian, FromZeros, IntoBytes};
        assert_eq!(core::mem::size_of::<Timekeep<BigEndian>>(), 16 + 4 * 88);
        let mut th = Timehands::<BigEndian>::new_zeroed();
        th.gen.set(7);
        th.res[7].set(1);
        assert_eq!(&th.as_bytes()[4..8], &[0, 0, 0, 7]);
        assert_eq!(&th.as_bytes()[84..88], &[0, 0, 0, 1]);
    }
}
