//! Conversions between the host's Linux (x86-64/arm64 generic values, host byte order) and the
//! guest's Linux/powerpc64 (powerpc flag values, guest byte order): open flags, termios, and the byte
//! order of structures whose layout is the same on every 64-bit Linux.

/// Field layouts `(offset, size)` of structures identical on x86-64 and powerpc64 Linux but for the
/// byte order: converting is swapping each field on a big-endian guest.
pub mod layout {
    /// `struct stat` (144 bytes).
    pub const STAT: &[(usize, usize)] = &[
        (0, 8), (8, 8), (16, 8), (24, 4), (28, 4), (32, 4), (36, 4), (40, 8), (48, 8), (56, 8), (64, 8),
        (72, 8), (80, 8), (88, 8), (96, 8), (104, 8), (112, 8), (120, 8), (128, 8), (136, 8),
    ];
    /// `struct statx` (256 bytes).
    pub const STATX: &[(usize, usize)] = &[
        (0, 4), (4, 4), (8, 8), (16, 4), (20, 4), (24, 4), (28, 2), (32, 8), (40, 8), (48, 8), (56, 8),
        (64, 8), (72, 4), (80, 8), (88, 4), (96, 8), (104, 4), (112, 8), (120, 4), (128, 4), (132, 4),
        (136, 4), (140, 4), (144, 8), (152, 4), (156, 4),
    ];
    /// `struct statfs` (120 bytes).
    pub const STATFS: &[(usize, usize)] = &[
        (0, 8), (8, 8), (16, 8), (24, 8), (32, 8), (40, 8), (48, 8), (56, 4), (60, 4), (64, 8), (72, 8),
        (80, 8), (88, 8), (96, 8), (104, 8), (112, 8),
    ];
    /// `struct pollfd` (8 bytes).
    pub const POLLFD: &[(usize, usize)] = &[(0, 4), (4, 2), (6, 2)];
    /// `struct winsize` (8 bytes).
    pub const WINSIZE: &[(usize, usize)] = &[(0, 2), (2, 2), (4, 2), (6, 2)];
    /// `struct sysinfo` (112 bytes).
    pub const SYSINFO: &[(usize, usize)] = &[
        (0, 8), (8, 8), (16, 8), (24, 8), (32, 8), (40, 8), (48, 8), (56, 8), (64, 8), (72, 8), (80, 2),
        (82, 2), (88, 8), (96, 8), (104, 4),
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

/// `O_*` bits that differ: (powerpc, host x86-64/generic).
const O_DIFF: &[(u32, u32)] = &[
    (0o40000, 0o200000),   // O_DIRECTORY
    (0o100000, 0o400000),  // O_NOFOLLOW
    (0o200000, 0o100000),  // O_LARGEFILE
    (0o400000, 0o40000),   // O_DIRECT
];

/// Guest (powerpc) open flags to host flags.
pub fn open_flags_to_host(f: u32) -> i32 {
    let mut same = f;
    let mut out = 0u32;
    for &(ppc, host) in O_DIFF {
        same &= !ppc;
        if f & ppc != 0 {
            out |= host;
        }
    }
    (same | out) as i32
}

/// Host open flags (as `F_GETFL` reports them) to guest flags.
pub fn open_flags_to_guest(f: i32) -> u32 {
    let f = f as u32;
    let mut same = f;
    let mut out = 0u32;
    for &(ppc, host) in O_DIFF {
        same &= !host;
        if f & host != 0 {
            out |= ppc;
        }
    }
    same | out
}

/// `(generic, powerpc)` bit pairs of one termios flag word.
type BitMap = &'static [(u32, u32)];

const IFLAG: BitMap = &[
    (0x1, 0x1), (0x2, 0x2), (0x4, 0x4), (0x8, 0x8), (0x10, 0x10), (0x20, 0x20), (0x40, 0x40), (0x80, 0x80),
    (0x100, 0x100), (0x200, 0x1000), (0x400, 0x200), (0x800, 0x800), (0x1000, 0x400), (0x2000, 0x2000),
    (0x4000, 0x4000),
];
const OFLAG: BitMap = &[
    (0x1, 0x1), (0x2, 0x4), (0x4, 0x2), (0x8, 0x8), (0x10, 0x10), (0x20, 0x20), (0x40, 0x40), (0x80, 0x80),
    (0x100, 0x100), (0x200, 0x1000), (0x400, 0x2000), (0x800, 0x400), (0x1000, 0x800), (0x2000, 0x8000),
    (0x4000, 0x10000), (0x8000, 0x4000),
];
const CFLAG: BitMap = &[
    (0x10, 0x100), (0x20, 0x200), (0x40, 0x400), (0x80, 0x800), (0x100, 0x1000), (0x200, 0x2000),
    (0x400, 0x4000), (0x800, 0x8000), (0x2000_0000, 0x2000_0000), (0x4000_0000, 0x4000_0000),
    (0x8000_0000, 0x8000_0000),
];
const LFLAG: BitMap = &[
    (0x1, 0x80), (0x2, 0x100), (0x4, 0x4000), (0x8, 0x8), (0x10, 0x2), (0x20, 0x4), (0x40, 0x10),
    (0x80, 0x8000_0000), (0x100, 0x40_0000), (0x200, 0x40), (0x400, 0x20), (0x800, 0x1), (0x1000, 0x80_0000),
    (0x4000, 0x2000_0000), (0x8000, 0x400), (0x10000, 0x1000_0000),
];
/// `c_cc` index pairs (generic, powerpc).
const CC: &[(usize, usize)] = &[
    (0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 7), (6, 5), (7, 9), (8, 13), (9, 14), (10, 12), (11, 6),
    (12, 11), (13, 16), (14, 10), (15, 15), (16, 8),
];

fn map_bits(v: u32, map: BitMap, to_ppc: bool) -> u32 {
    let mut out = 0;
    for &(g, p) in map {
        let (from, to) = if to_ppc { (g, p) } else { (p, g) };
        if v & from != 0 {
            out |= to;
        }
    }
    out
}

/// Generic `CBAUD` field value to powerpc's (the high speeds are `0x1001..` generic, `0x10..` ppc).
fn baud_to_ppc(b: u32) -> u32 {
    match b {
        0x1000 => 0x1f,
        0x1001..=0x100f => b - 0x1001 + 0x10,
        b => b & 0xf,
    }
}

fn baud_to_generic(b: u32) -> u32 {
    match b {
        0x1f => 0x1000,
        0x10..=0x1e => b - 0x10 + 0x1001,
        b => b & 0xf,
    }
}

/// The generic kernel termios (`struct termios`, 36 bytes) as the host's `TCGETS` fills it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostTermios {
    /// `c_iflag`.
    pub iflag: u32,
    /// `c_oflag`.
    pub oflag: u32,
    /// `c_cflag`.
    pub cflag: u32,
    /// `c_lflag`.
    pub lflag: u32,
    /// `c_line`.
    pub line: u8,
    /// `c_cc[19]`.
    pub cc: [u8; 19],
}

impl HostTermios {
    /// Parses the host's 36-byte structure (host byte order).
    pub fn from_host(b: &[u8; 36]) -> Self {
        let w = |i: usize| u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let mut cc = [0u8; 19];
        cc.copy_from_slice(&b[17..36]);
        HostTermios { iflag: w(0), oflag: w(4), cflag: w(8), lflag: w(12), line: b[16], cc }
    }

    /// The host's 36-byte structure.
    pub fn to_host(&self) -> [u8; 36] {
        let mut b = [0u8; 36];
        b[0..4].copy_from_slice(&self.iflag.to_ne_bytes());
        b[4..8].copy_from_slice(&self.oflag.to_ne_bytes());
        b[8..12].copy_from_slice(&self.cflag.to_ne_bytes());
        b[12..16].copy_from_slice(&self.lflag.to_ne_bytes());
        b[16] = self.line;
        b[17..36].copy_from_slice(&self.cc);
        b
    }

    /// The powerpc `struct termios` (44 bytes: flags, c_cc[19], c_line, c_ispeed, c_ospeed).
    pub fn to_ppc(&self, big_endian: bool) -> [u8; 44] {
        let cflag = map_bits(self.cflag, CFLAG, true)
            | baud_to_ppc(self.cflag & 0x100f)
            | (baud_to_ppc((self.cflag >> 16) & 0x100f) << 16);
        let words = [
            map_bits(self.iflag, IFLAG, true),
            map_bits(self.oflag, OFLAG, true),
            cflag,
            map_bits(self.lflag, LFLAG, true),
        ];
        let mut b = [0u8; 44];
        let put = |b: &mut [u8; 44], off: usize, v: u32| {
            let bytes = if big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
            b[off..off + 4].copy_from_slice(&bytes);
        };
        for (i, w) in words.iter().enumerate() {
            put(&mut b, i * 4, *w);
        }
        for &(g, p) in CC {
            b[16 + p] = self.cc[g];
        }
        b[35] = self.line;
        let speed = baud_speed(self.cflag & 0x100f);
        put(&mut b, 36, speed);
        put(&mut b, 40, speed);
        b
    }

    /// From the powerpc `struct termios`.
    pub fn from_ppc(b: &[u8; 44], big_endian: bool) -> Self {
        let w = |i: usize| {
            let a = [b[i], b[i + 1], b[i + 2], b[i + 3]];
            if big_endian { u32::from_be_bytes(a) } else { u32::from_le_bytes(a) }
        };
        let c = w(8);
        let cflag = map_bits(c, CFLAG, false) | baud_to_generic(c & 0xff) | (baud_to_generic((c >> 16) & 0xff) << 16);
        let mut cc = [0u8; 19];
        for &(g, p) in CC {
            cc[g] = b[16 + p];
        }
        HostTermios {
            iflag: map_bits(w(0), IFLAG, false),
            oflag: map_bits(w(4), OFLAG, false),
            cflag,
            lflag: map_bits(w(12), LFLAG, false),
            line: b[35],
            cc,
        }
    }
}

/// Bits per second of a generic `CBAUD` value (what Linux puts in `c_ispeed`/`c_ospeed`).
fn baud_speed(b: u32) -> u32 {
    const LOW: [u32; 16] = [0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400];
    const HIGH: [u32; 15] = [
        57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000,
        3000000, 3500000, 4000000,
    ];
    match b {
        0..=15 => LOW[b as usize],
        0x1001..=0x100f => HIGH[(b - 0x1001) as usize],
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn termios_round_trips_and_uses_ppc_values() {
        let t = HostTermios {
            iflag: 0x500 | 0x4000,
            oflag: 0x5,
            cflag: 0xbf | 0x1002,
            lflag: 0x8a3b,
            line: 0,
            cc: core::array::from_fn(|i| if i < 17 { i as u8 + 1 } else { 0 }),
        };
        let p = t.to_ppc(true);
        // ICANON is 0x100 and ECHO 0x8 on powerpc; VMIN is c_cc[5].
        let lflag = u32::from_be_bytes([p[12], p[13], p[14], p[15]]);
        assert_eq!(lflag & 0x108, 0x108);
        assert_eq!(p[16 + 5], t.cc[6]);
        assert_eq!(HostTermios::from_ppc(&p, true), t);
        assert_eq!(HostTermios::from_ppc(&t.to_ppc(false), false), t);
    }

    #[test]
    fn open_flags() {
        assert_eq!(open_flags_to_host(0o40000 | 0o101), 0o200000 | 0o101);
        assert_eq!(open_flags_to_guest(0o200000 | 0o2), 0o40000 | 0o2);
    }
}
