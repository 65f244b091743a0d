//! Conversions between the host's Linux (x86-64/arm64 generic values, host byte order) and the
//! guest's Linux/powerpc64 (guest byte order): open flags (through arch-ppc64's table) and the byte
//! order of structures whose layout is the same on every 64-bit Linux.

/// Field layouts `(offset, size)` of structures identical on x86-64 and powerpc64 Linux but for the
/// byte order: converting is swapping each field on a big-endian guest.
pub mod layout {
    /// `struct stat` (144 bytes).
    pub const STAT: &[(usize, usize)] = &[
        (0, 8),
        (8, 8),
        (16, 8),
        (24, 4),
        (28, 4),
        (32, 4),
        (36, 4),
        (40, 8),
        (48, 8),
        (56, 8),
        (64, 8),
        (72, 8),
        (80, 8),
        (88, 8),
        (96, 8),
        (104, 8),
        (112, 8),
        (120, 8),
        (128, 8),
        (136, 8),
    ];
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

/// Guest (powerpc) open flags to host flags, through the module's own table
/// (`arch_ppc64::consts::open_flags_to_generic`; the host numbers its flags the generic way).
pub fn open_flags_to_host(f: u32) -> i32 {
    arch_ppc64::consts::open_flags_to_generic(f).value as i32
}

/// Host open flags (as `F_GETFL` reports them) to guest flags.
pub fn open_flags_to_guest(f: i32) -> u32 {
    arch_ppc64::consts::open_flags_from_generic(f as u32).value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_flags() {
        assert_eq!(open_flags_to_host(0o40000 | 0o101), 0o200000 | 0o101);
        assert_eq!(open_flags_to_guest(0o200000 | 0o2), 0o40000 | 0o2);
    }
}
