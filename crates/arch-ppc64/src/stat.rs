//! Linux/powerpc64 `struct stat` (144 bytes; `asm/stat.h`): `st_nlink` is 64-bit and comes before
//! `st_mode`, unlike the generic layout.

use linux_core::stat::FileStat;
use zerocopy::byteorder::{ByteOrder, I64, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// Linux/powerpc64 `struct stat`, as `stat`, `fstat`, `lstat` and `newfstatat` write it.
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug)]
#[allow(missing_docs)]
pub struct Stat<E: ByteOrder> {
    pub st_dev: U64<E>,
    pub st_ino: U64<E>,
    pub st_nlink: U64<E>,
    pub st_mode: U32<E>,
    pub st_uid: U32<E>,
    pub st_gid: U32<E>,
    pub pad: U32<E>,
    pub st_rdev: U64<E>,
    pub st_size: I64<E>,
    pub st_blksize: U64<E>,
    pub st_blocks: U64<E>,
    pub st_atime: U64<E>,
    pub st_atime_nsec: U64<E>,
    pub st_mtime: U64<E>,
    pub st_mtime_nsec: U64<E>,
    pub st_ctime: U64<E>,
    pub st_ctime_nsec: U64<E>,
    pub unused: [U64<E>; 3],
}

impl<E: ByteOrder> Stat<E> {
    /// Lays out `s`; padding and unused words are zero.
    pub fn new(s: &FileStat) -> Self {
        Stat {
            st_dev: U64::new(s.dev),
            st_ino: U64::new(s.ino),
            st_nlink: U64::new(s.nlink),
            st_mode: U32::new(s.mode),
            st_uid: U32::new(s.uid),
            st_gid: U32::new(s.gid),
            pad: U32::ZERO,
            st_rdev: U64::new(s.rdev),
            st_size: I64::new(s.size),
            st_blksize: U64::new(s.blksize),
            st_blocks: U64::new(s.blocks),
            st_atime: U64::new(s.atime.sec as u64),
            st_atime_nsec: U64::new(s.atime.nsec as u64),
            st_mtime: U64::new(s.mtime.sec as u64),
            st_mtime_nsec: U64::new(s.mtime.nsec as u64),
            st_ctime: U64::new(s.ctime.sec as u64),
            st_ctime_nsec: U64::new(s.ctime.nsec as u64),
            unused: [U64::ZERO; 3],
        }
    }
}
