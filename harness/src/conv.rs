//! Conversions between the host's Linux (x86-64 generic values, host byte order) and the guest's (guest
//! byte order): the byte order of structures whose layout is the same on every 64-bit Linux, and the
//! host's `struct stat` as values (each architecture lays those out itself: `crate::arch`).

/// Field layouts `(offset, size)` of structures identical on x86-64, powerpc64 and arm64 Linux but for the
/// byte order: converting is swapping each field on a big-endian guest.
pub mod layout {
    /// `struct statx` (256 bytes).
    pub const STATX: &[(usize, usize)] = &[
        (0, 4),
        (4, 4),
        (8, 8),
        (16, 4),
        (20, 4),
        (24, 4),
        (28, 2),
        (32, 8),
        (40, 8),
        (48, 8),
        (56, 8),
        (64, 8),
        (72, 4),
        (80, 8),
        (88, 4),
        (96, 8),
        (104, 4),
        (112, 8),
        (120, 4),
        (128, 4),
        (132, 4),
        (136, 4),
        (140, 4),
        (144, 8),
        (152, 4),
        (156, 4),
    ];
    /// `struct statfs` (120 bytes).
    pub const STATFS: &[(usize, usize)] = &[
        (0, 8),
        (8, 8),
        (16, 8),
        (24, 8),
        (32, 8),
        (40, 8),
        (48, 8),
        (56, 4),
        (60, 4),
        (64, 8),
        (72, 8),
        (80, 8),
        (88, 8),
        (96, 8),
        (104, 8),
        (112, 8),
    ];
    /// `struct pollfd` (8 bytes).
    pub const POLLFD: &[(usize, usize)] = &[(0, 4), (4, 2), (6, 2)];
    /// `struct winsize` (8 bytes).
    pub const WINSIZE: &[(usize, usize)] = &[(0, 2), (2, 2), (4, 2), (6, 2)];
    /// `struct sysinfo` (112 bytes).
    pub const SYSINFO: &[(usize, usize)] = &[
        (0, 8),
        (8, 8),
        (16, 8),
        (24, 8),
        (32, 8),
        (40, 8),
        (48, 8),
        (56, 8),
        (64, 8),
        (72, 8),
        (80, 2),
        (82, 2),
        (88, 8),
        (96, 8),
        (104, 4),
    ];
}

/// Reverses each field of `buf` in place (a no-op for a little-endian guest on a little-endian host).
pub fn swap_fields(buf: &mut [u8], fields: &[(usize, usize)], big_endian_guest: bool) {
    if !big_endian_guest {
        return;
    }
    for &(off, size) in fields {
        if let Some(f) = buf.get_mut(off..off + size) {
            f.reverse();
        }
    }
}

/// Reverses every `size`-byte word of `buf` (arrays of longs, timespecs, rusage).
pub fn swap_words(buf: &mut [u8], size: usize, big_endian_guest: bool) {
    if big_endian_guest {
        for w in buf.chunks_exact_mut(size) {
            w.reverse();
        }
    }
}

/// The host's `struct stat` as values.
pub fn file_stat(st: &libc::stat) -> linux_core::stat::FileStat {
    use linux_core::stat::{FileStat, Timespec};
    FileStat {
        dev: st.st_dev,
        ino: st.st_ino,
        mode: st.st_mode,
        nlink: st.st_nlink,
        uid: st.st_uid,
        gid: st.st_gid,
        rdev: st.st_rdev,
        size: st.st_size,
        blksize: st.st_blksize as u64,
        blocks: st.st_blocks as u64,
        atime: Timespec { sec: st.st_atime, nsec: st.st_atime_nsec },
        mtime: Timespec { sec: st.st_mtime, nsec: st.st_mtime_nsec },
        ctime: Timespec { sec: st.st_ctime, nsec: st.st_ctime_nsec },
    }
}
