//! The Linux/powerpc terminal interface (`asm/termbits.h`, `asm/termios.h`,
//! `asm-generic/termbits-common.h`): flag values and `c_cc` indices as data, the user structures
//! `struct termios` (44 bytes: `c_line` after `c_cc`, then the speeds) and `struct termio` (20 bytes),
//! and their conversion to and from [`KTermios`], the generic settings the machine-independent code
//! keeps.
//!
//! Almost every flag differs from the generic value. The conversion goes by name: single bits move,
//! multi-bit fields (`CBAUD`, `CIBAUD`, `CSIZE`, `NLDLY`, `CRDLY`, `TABDLY`, `BSDLY`, `VTDLY`,
//! `FFDLY`) are translated by value, control characters move by index name, `c_line` and the speeds
//! are copied. Bits without a name on either side are dropped; the one lossy case is powerpc's
//! `NL2`/`NL3`, which the generic `NLDLY` (one bit) cannot hold: they become `NL1`.

use core::mem::{offset_of, size_of};
use linux_core::consts::{FieldMap, FlagMap, Pair};
use linux_core::termios::{self as g, KTermios, WinSize, NCCS_LEN};
use linux_core::{name_pairs, named_consts};
use zerocopy::byteorder::{ByteOrder, U16, U32};
use zerocopy::{BigEndian, FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

named_consts! {
    /// `c_cc` indices (`asm/termbits.h`); 17 and 18 are unused.
    CC_INDICES: u32 {
        VINTR = 0, VQUIT = 1, VERASE = 2, VKILL = 3, VEOF = 4, VMIN = 5, VEOL = 6, VTIME = 7,
        VEOL2 = 8, VSWTC = 9, VWERASE = 10, VREPRINT = 11, VSUSP = 12, VSTART = 13, VSTOP = 14,
        VLNEXT = 15, VDISCARD = 16,
    }
}

named_consts! {
    /// `struct termio` `c_cc` indices (`asm/termios.h`): the first ten of [`CC_INDICES`].
    TERMIO_CC_INDICES: u32 {
        _VINTR = 0, _VQUIT = 1, _VERASE = 2, _VKILL = 3, _VEOF = 4, _VMIN = 5, _VEOL = 6, _VTIME = 7,
        _VEOL2 = 8, _VSWTC = 9,
    }
}

named_consts! {
    /// `c_iflag` bits.
    IFLAG_BITS: u32 {
        IGNBRK = 0x001, BRKINT = 0x002, IGNPAR = 0x004, PARMRK = 0x008, INPCK = 0x010, ISTRIP = 0x020,
        INLCR = 0x040, IGNCR = 0x080, ICRNL = 0x100, IXON = 0x0200, IXOFF = 0x0400, IXANY = 0x800,
        IUCLC = 0x1000, IMAXBEL = 0x2000, IUTF8 = 0x4000,
    }
}

named_consts! {
    /// `c_oflag` bits, the delay fields and their values (`NLDLY` has four values here, two generically).
    OFLAG_BITS: u32 {
        OPOST = 0x01, ONLCR = 0x00002, OLCUC = 0x00004, OCRNL = 0x08, ONOCR = 0x10, ONLRET = 0x20,
        OFILL = 0x40, OFDEL = 0x80,
        NLDLY = 0x00300, NL0 = 0x00000, NL1 = 0x00100, NL2 = 0x00200, NL3 = 0x00300,
        TABDLY = 0x00c00, TAB0 = 0x00000, TAB1 = 0x00400, TAB2 = 0x00800, TAB3 = 0x00c00, XTABS = 0x00c00,
        CRDLY = 0x03000, CR0 = 0x00000, CR1 = 0x01000, CR2 = 0x02000, CR3 = 0x03000,
        FFDLY = 0x04000, FF0 = 0x00000, FF1 = 0x04000,
        BSDLY = 0x08000, BS0 = 0x00000, BS1 = 0x08000,
        VTDLY = 0x10000, VT0 = 0x00000, VT1 = 0x10000,
    }
}

named_consts! {
    /// `c_cflag` bits, the `CBAUD`/`CIBAUD`/`CSIZE` fields and their values. `CBAUDEX` is 0: the
    /// extended rates are plain `CBAUD` values, and `BOTHER` is one of them.
    CFLAG_BITS: u32 {
        CBAUD = 0x000000ff, CBAUDEX = 0x00000000, BOTHER = 0x0000001f,
        B0 = 0x00000000, B50 = 0x00000001, B75 = 0x00000002, B110 = 0x00000003, B134 = 0x00000004,
        B150 = 0x00000005, B200 = 0x00000006, B300 = 0x00000007, B600 = 0x00000008, B1200 = 0x00000009,
        B1800 = 0x0000000a, B2400 = 0x0000000b, B4800 = 0x0000000c, B9600 = 0x0000000d,
        B19200 = 0x0000000e, B38400 = 0x0000000f, EXTA = B19200, EXTB = B38400,
        B57600 = 0x00000010, B115200 = 0x00000011, B230400 = 0x00000012, B460800 = 0x00000013,
        B500000 = 0x00000014, B576000 = 0x00000015, B921600 = 0x00000016, B1000000 = 0x00000017,
        B1152000 = 0x00000018, B1500000 = 0x00000019, B2000000 = 0x0000001a, B2500000 = 0x0000001b,
        B3000000 = 0x0000001c, B3500000 = 0x0000001d, B4000000 = 0x0000001e,
        CSIZE = 0x00000300, CS5 = 0x00000000, CS6 = 0x00000100, CS7 = 0x00000200, CS8 = 0x00000300,
        CSTOPB = 0x00000400, CREAD = 0x00000800, PARENB = 0x00001000, PARODD = 0x00002000,
        HUPCL = 0x00004000, CLOCAL = 0x00008000, CIBAUD = 0x00ff0000,
        ADDRB = 0x20000000, CMSPAR = 0x40000000, CRTSCTS = 0x80000000,
    }
}

named_consts! {
    /// `c_lflag` bits.
    LFLAG_BITS: u32 {
        ISIG = 0x00000080, ICANON = 0x00000100, XCASE = 0x00004000, ECHO = 0x00000008,
        ECHOE = 0x00000002, ECHOK = 0x00000004, ECHONL = 0x00000010, NOFLSH = 0x80000000,
        TOSTOP = 0x00400000, ECHOCTL = 0x00000040, ECHOPRT = 0x00000020, ECHOKE = 0x00000001,
        FLUSHO = 0x00800000, PENDIN = 0x20000000, IEXTEN = 0x00000400, EXTPROC = 0x10000000,
    }
}

named_consts! {
    /// Array sizes, the `CBAUD` -> `CIBAUD` shift, and the `tcsetattr`/`tcflow`/`tcflush` arguments.
    TERMIOS_MISC: u32 {
        NCCS = 19, NCC = 10, IBSHIFT = 16, TCSANOW = 0, TCSADRAIN = 1, TCSAFLUSH = 2,
        TCOOFF = 0, TCOON = 1, TCIOFF = 2, TCION = 3, TCIFLUSH = 0, TCOFLUSH = 1, TCIOFLUSH = 2,
    }
}

/// `NCC` as an array length.
pub const NCC_LEN: usize = NCC as usize;

/// Linux/powerpc user `struct termios` (= `struct ktermios`, 44 bytes): `TCGETS`/`TCSETS*`.
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Termios<E: ByteOrder> {
    /// Input modes ([`IFLAG_BITS`]).
    pub c_iflag: U32<E>,
    /// Output modes ([`OFLAG_BITS`]).
    pub c_oflag: U32<E>,
    /// Control modes ([`CFLAG_BITS`]).
    pub c_cflag: U32<E>,
    /// Local modes ([`LFLAG_BITS`]).
    pub c_lflag: U32<E>,
    /// Control characters, by [`CC_INDICES`].
    pub c_cc: [u8; NCCS_LEN],
    /// Line discipline (after `c_cc`, unlike the generic layout).
    pub c_line: u8,
    /// Input speed (bits per second, used with `BOTHER`).
    pub c_ispeed: U32<E>,
    /// Output speed.
    pub c_ospeed: U32<E>,
}

/// Linux/powerpc `struct termio` (20 bytes): `TCGETA`/`TCSETA*`.
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Termio<E: ByteOrder> {
    /// Input modes (low half).
    pub c_iflag: U16<E>,
    /// Output modes (low half).
    pub c_oflag: U16<E>,
    /// Control modes (low half).
    pub c_cflag: U16<E>,
    /// Local modes (low half).
    pub c_lflag: U16<E>,
    /// Line discipline.
    pub c_line: u8,
    /// Control characters, by [`TERMIO_CC_INDICES`].
    pub c_cc: [u8; NCC_LEN],
    /// Tail padding of the C structure.
    pub pad: u8,
}

/// The layout of the structures above as Linux's headers name it (`sizeof(struct termios)`,
/// `offsetof(struct termios, c_line)` ...), for the conformance tests; the same for both byte orders.
pub const LAYOUTS: &[(&str, usize)] = &[
    ("sizeof(struct termios)", size_of::<Termios<BigEndian>>()),
    ("offsetof(struct termios, c_iflag)", offset_of!(Termios<BigEndian>, c_iflag)),
    ("offsetof(struct termios, c_oflag)", offset_of!(Termios<BigEndian>, c_oflag)),
    ("offsetof(struct termios, c_cflag)", offset_of!(Termios<BigEndian>, c_cflag)),
    ("offsetof(struct termios, c_lflag)", offset_of!(Termios<BigEndian>, c_lflag)),
    ("offsetof(struct termios, c_cc)", offset_of!(Termios<BigEndian>, c_cc)),
    ("offsetof(struct termios, c_line)", offset_of!(Termios<BigEndian>, c_line)),
    ("offsetof(struct termios, c_ispeed)", offset_of!(Termios<BigEndian>, c_ispeed)),
    ("offsetof(struct termios, c_ospeed)", offset_of!(Termios<BigEndian>, c_ospeed)),
    ("sizeof(struct termios.c_cc)", NCCS_LEN),
    ("sizeof(struct termio)", size_of::<Termio<BigEndian>>()),
    ("offsetof(struct termio, c_iflag)", offset_of!(Termio<BigEndian>, c_iflag)),
    ("offsetof(struct termio, c_oflag)", offset_of!(Termio<BigEndian>, c_oflag)),
    ("offsetof(struct termio, c_cflag)", offset_of!(Termio<BigEndian>, c_cflag)),
    ("offsetof(struct termio, c_lflag)", offset_of!(Termio<BigEndian>, c_lflag)),
    ("offsetof(struct termio, c_line)", offset_of!(Termio<BigEndian>, c_line)),
    ("offsetof(struct termio, c_cc)", offset_of!(Termio<BigEndian>, c_cc)),
    ("sizeof(struct termio.c_cc)", NCC_LEN),
    ("sizeof(struct winsize)", size_of::<WinSize<BigEndian>>()),
];

/// `c_cc` indices by name: `(name, powerpc index, generic index)`.
pub const CC_MAP: &[Pair<u32>] = name_pairs!(g;
    VINTR, VQUIT, VERASE, VKILL, VEOF, VMIN, VEOL, VTIME, VEOL2, VSWTC, VWERASE, VREPRINT, VSUSP, VSTART,
    VSTOP, VLNEXT, VDISCARD,
);

/// A field whose values sit at the bottom of its masks.
const fn field(
    name: &'static str,
    arch_mask: u32,
    generic_mask: u32,
    values: &'static [Pair<u32>],
) -> FieldMap {
    FieldMap { name, arch_mask, generic_mask, shift: 0, values }
}

/// `c_iflag`: single bits only.
pub const IFLAG_MAP: FlagMap = FlagMap {
    same: 0,
    bits: name_pairs!(g; IGNBRK, BRKINT, IGNPAR, PARMRK, INPCK, ISTRIP, INLCR, IGNCR, ICRNL, IUCLC, IXON,
        IXANY, IXOFF, IMAXBEL, IUTF8),
    fields: &[],
};

/// Powerpc's `NL2` and `NL3` have no generic value (generic `NLDLY` is one bit): both become `NL1`.
const NL2_LOSSY: Pair<u32> = ("NL2", NL2, g::NL1);
/// See [`NL2_LOSSY`].
const NL3_LOSSY: Pair<u32> = ("NL3", NL3, g::NL1);

/// `c_oflag`: single bits and the six delay fields.
pub const OFLAG_MAP: FlagMap = FlagMap {
    same: 0,
    bits: name_pairs!(g; OPOST, OLCUC, ONLCR, OCRNL, ONOCR, ONLRET, OFILL, OFDEL),
    fields: &[
        field("NLDLY", NLDLY, g::NLDLY, &[("NL0", NL0, g::NL0), ("NL1", NL1, g::NL1), NL2_LOSSY, NL3_LOSSY]),
        field("CRDLY", CRDLY, g::CRDLY, name_pairs!(g; CR0, CR1, CR2, CR3)),
        field("TABDLY", TABDLY, g::TABDLY, name_pairs!(g; TAB0, TAB1, TAB2, TAB3)),
        field("BSDLY", BSDLY, g::BSDLY, name_pairs!(g; BS0, BS1)),
        field("VTDLY", VTDLY, g::VTDLY, name_pairs!(g; VT0, VT1)),
        field("FFDLY", FFDLY, g::FFDLY, name_pairs!(g; FF0, FF1)),
    ],
};

/// Every `CBAUD` value by name (`BOTHER` included); `CIBAUD` holds the same values `IBSHIFT` up.
pub const BAUD_RATES: &[Pair<u32>] = name_pairs!(g;
    B0, B50, B75, B110, B134, B150, B200, B300, B600, B1200, B1800, B2400, B4800, B9600, B19200, B38400,
    B57600, B115200, B230400, B460800, B500000, B576000, B921600, B1000000, B1152000, B1500000, B2000000,
    B2500000, B3000000, B3500000, B4000000, BOTHER,
);

/// `c_cflag`: single bits and the `CBAUD`, `CIBAUD` and `CSIZE` fields. A `CBAUD` value powerpc does
/// not define (0x20 ..= 0xff) has no translation (it reads as `B0`, as Linux's baud table does).
pub const CFLAG_MAP: FlagMap = FlagMap {
    same: 0,
    bits: name_pairs!(g; CSTOPB, CREAD, PARENB, PARODD, HUPCL, CLOCAL, ADDRB, CMSPAR, CRTSCTS),
    fields: &[
        field("CBAUD", CBAUD, g::CBAUD, BAUD_RATES),
        FieldMap {
            name: "CIBAUD",
            arch_mask: CIBAUD,
            generic_mask: g::CIBAUD,
            shift: IBSHIFT,
            values: BAUD_RATES,
        },
        field("CSIZE", CSIZE, g::CSIZE, name_pairs!(g; CS5, CS6, CS7, CS8)),
    ],
};

/// `c_lflag`: single bits only.
pub const LFLAG_MAP: FlagMap = FlagMap {
    same: 0,
    bits: name_pairs!(g; ISIG, ICANON, XCASE, ECHO, ECHOE, ECHOK, ECHONL, NOFLSH, TOSTOP, ECHOCTL, ECHOPRT,
        ECHOKE, FLUSHO, PENDIN, IEXTEN, EXTPROC),
    fields: &[],
};

/// Whether `c_cc` index `i` has a name on either side (17 and 18 have none on both).
fn cc_named(i: usize) -> bool {
    CC_MAP.iter().any(|&(_, a, gi)| a as usize == i || gi as usize == i)
}

/// Moves control characters between the powerpc and generic index orders; unnamed slots stay put.
fn move_cc(src: &[u8; NCCS_LEN], to_generic: bool) -> [u8; NCCS_LEN] {
    let mut dst = [0u8; NCCS_LEN];
    for &(_, a, gi) in CC_MAP {
        let (from, to) = if to_generic { (a, gi) } else { (gi, a) };
        if let (Some(d), Some(s)) = (dst.get_mut(to as usize), src.get(from as usize)) {
            *d = *s;
        }
    }
    for (i, (d, s)) in dst.iter_mut().zip(src.iter()).enumerate() {
        if !cc_named(i) {
            *d = *s;
        }
    }
    dst
}

/// Translates the flag words and control characters of `t` (speeds and `c_line` are copied): the
/// same shape holds powerpc values on one side and generic values on the other.
fn convert(t: &KTermios, to_generic: bool) -> KTermios {
    let tr =
        |map: &FlagMap, v: u32| if to_generic { map.to_generic(v).value } else { map.from_generic(v).value };
    KTermios {
        c_iflag: tr(&IFLAG_MAP, t.c_iflag),
        c_oflag: tr(&OFLAG_MAP, t.c_oflag),
        c_cflag: tr(&CFLAG_MAP, t.c_cflag),
        c_lflag: tr(&LFLAG_MAP, t.c_lflag),
        c_cc: move_cc(&t.c_cc, to_generic),
        ..*t
    }
}

/// The fields of a powerpc `struct termios`, still in powerpc values.
fn unwire<E: ByteOrder>(t: &Termios<E>) -> KTermios {
    KTermios {
        c_iflag: t.c_iflag.get(),
        c_oflag: t.c_oflag.get(),
        c_cflag: t.c_cflag.get(),
        c_lflag: t.c_lflag.get(),
        c_line: t.c_line,
        c_cc: t.c_cc,
        c_ispeed: t.c_ispeed.get(),
        c_ospeed: t.c_ospeed.get(),
    }
}

/// A powerpc `struct termios` of fields already in powerpc values.
fn wire<E: ByteOrder>(p: &KTermios) -> Termios<E> {
    Termios {
        c_iflag: U32::new(p.c_iflag),
        c_oflag: U32::new(p.c_oflag),
        c_cflag: U32::new(p.c_cflag),
        c_lflag: U32::new(p.c_lflag),
        c_cc: p.c_cc,
        c_line: p.c_line,
        c_ispeed: U32::new(p.c_ispeed),
        c_ospeed: U32::new(p.c_ospeed),
    }
}

/// The generic settings a powerpc `struct termios` describes (`TCSETS*`).
pub fn to_generic<E: ByteOrder>(t: &Termios<E>) -> KTermios {
    convert(&unwire(t), true)
}

/// The powerpc `struct termios` of generic settings (`TCGETS`).
pub fn from_generic<E: ByteOrder>(k: &KTermios) -> Termios<E> {
    wire(&convert(k, false))
}

/// `TCSETA*`: the settings after merging a powerpc `struct termio` into `current` as Linux/powerpc
/// does, in powerpc values: the low 16 bits of each flag word, `c_line` and the first [`NCC`]
/// control characters are replaced, the rest is kept.
pub fn apply_termio<E: ByteOrder>(current: &KTermios, t: &Termio<E>) -> KTermios {
    let mut p = convert(current, false);
    let low = |word: u32, half: U16<E>| (word & 0xffff_0000) | u32::from(half.get());
    p.c_iflag = low(p.c_iflag, t.c_iflag);
    p.c_oflag = low(p.c_oflag, t.c_oflag);
    p.c_cflag = low(p.c_cflag, t.c_cflag);
    p.c_lflag = low(p.c_lflag, t.c_lflag);
    p.c_line = t.c_line;
    for (dst, src) in p.c_cc.iter_mut().zip(t.c_cc.iter()) {
        *dst = *src;
    }
    convert(&p, true)
}

/// The powerpc `struct termio` of generic settings (`TCGETA`).
pub fn termio_from_generic<E: ByteOrder>(k: &KTermios) -> Termio<E> {
    let p = convert(k, false);
    let half = |word: u32| U16::new((word & 0xffff) as u16);
    let mut c_cc = [0u8; NCC_LEN];
    for (dst, src) in c_cc.iter_mut().zip(p.c_cc.iter()) {
        *dst = *src;
    }
    Termio {
        c_iflag: half(p.c_iflag),
        c_oflag: half(p.c_oflag),
        c_cflag: half(p.c_cflag),
        c_lflag: half(p.c_lflag),
        c_line: p.c_line,
        c_cc,
        pad: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linux_core::consts::Translated;
    use std::vec::Vec;
    use zerocopy::LittleEndian;

    type Table = &'static [(&'static str, u32)];

    const MAPS: [(&str, &FlagMap, Table, Table); 4] = [
        ("c_iflag", &IFLAG_MAP, IFLAG_BITS, g::IFLAG_BITS),
        ("c_oflag", &OFLAG_MAP, OFLAG_BITS, g::OFLAG_BITS),
        ("c_cflag", &CFLAG_MAP, CFLAG_BITS, g::CFLAG_BITS),
        ("c_lflag", &LFLAG_MAP, LFLAG_BITS, g::LFLAG_BITS),
    ];

    fn lookup(table: &[(&str, u32)], name: &str) -> Option<u32> {
        table.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
    }

    #[test]
    fn layout() {
        assert_eq!(size_of::<Termios<BigEndian>>(), 44);
        assert_eq!(offset_of!(Termios<BigEndian>, c_cc), 16);
        assert_eq!(offset_of!(Termios<BigEndian>, c_line), 35);
        assert_eq!(offset_of!(Termios<BigEndian>, c_ispeed), 36);
        assert_eq!(size_of::<Termio<BigEndian>>(), 20);
        assert_eq!(offset_of!(Termio<BigEndian>, c_cc), 9);
        assert_eq!(size_of::<Termios<LittleEndian>>(), 44);
        assert_eq!(offset_of!(Termios<LittleEndian>, c_ospeed), 40);
        assert_eq!(size_of::<Termio<LittleEndian>>(), 20);
    }

    /// Every name in a map is a name of both tables with the listed values; masks do not overlap on
    /// either side; every table name is covered (aliases and the zero `CBAUDEX` aside).
    #[test]
    fn maps_agree_with_the_tables() {
        for (word, map, ppc, generic) in MAPS {
            let mut seen = Vec::new();
            for &(name, a, gv) in map.bits {
                assert_eq!(lookup(ppc, name), Some(a), "{word} {name}");
                assert_eq!(lookup(generic, name), Some(gv), "{word} {name}");
                assert!(a.is_power_of_two() && gv.is_power_of_two(), "{word} {name}");
                seen.push(name);
            }
            let (mut arch_used, mut gen_used) = (0u32, 0u32);
            for &(_, a, gv) in map.bits {
                assert_eq!(arch_used & a, 0, "{word}");
                assert_eq!(gen_used & gv, 0, "{word}");
                arch_used |= a;
                gen_used |= gv;
            }
            for f in map.fields {
                assert_eq!(lookup(ppc, f.name), Some(f.arch_mask), "{word} {}", f.name);
                assert_eq!(lookup(generic, f.name), Some(f.generic_mask), "{word} {}", f.name);
                assert_eq!(arch_used & f.arch_mask, 0, "{word} {}", f.name);
                assert_eq!(gen_used & f.generic_mask, 0, "{word} {}", f.name);
                arch_used |= f.arch_mask;
                gen_used |= f.generic_mask;
                seen.push(f.name);
                for &(name, a, gv) in f.values {
                    assert_eq!(lookup(ppc, name), Some(a), "{word} {name}");
                    assert_eq!((a << f.shift) & !f.arch_mask, 0, "{word} {name}");
                    assert_eq!((gv << f.shift) & !f.generic_mask, 0, "{word} {name}");
                    if name != "NL2" && name != "NL3" {
                        assert_eq!(lookup(generic, name), Some(gv), "{word} {name}");
                    }
                    seen.push(name);
                }
            }
            for (name, _) in ppc.iter().chain(generic.iter()) {
                let alias = ["XTABS", "EXTA", "EXTB", "CBAUDEX"].contains(name);
                assert!(alias || seen.contains(name), "{word} {name} is not translated");
            }
        }
    }

    #[test]
    fn cc_map_agrees_with_the_tables() {
        assert_eq!(CC_MAP.len(), CC_INDICES.len());
        assert_eq!(CC_MAP.len(), g::CC_INDICES.len());
        for &(name, a, gi) in CC_MAP {
            assert_eq!(lookup(CC_INDICES, name), Some(a));
            assert_eq!(lookup(g::CC_INDICES, name), Some(gi));
        }
        for (i, &(name, v)) in TERMIO_CC_INDICES.iter().enumerate() {
            assert_eq!(u32::try_from(i).ok(), Some(v));
            assert_eq!(lookup(CC_INDICES, name.trim_start_matches('_')), Some(v));
        }
    }

    fn round_trip(map: &FlagMap, v: u32) {
        let generic = map.to_generic(v);
        assert_eq!(generic.unknown, 0, "{v:#x}");
        assert_eq!(map.from_generic(generic.value), Translated { value: v, unknown: 0 }, "{v:#x}");
    }

    /// Every combination of the single bits, and every value of every field (the fields' cartesian
    /// product too), round-trips powerpc -> generic -> powerpc.
    #[test]
    fn flag_round_trips() {
        for (_, map, _, _) in MAPS {
            let bits: Vec<u32> = map.bits.iter().map(|b| b.1).collect();
            for subset in 0u32..(1 << bits.len()) {
                let v = bits
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| subset & (1 << i) != 0)
                    .fold(0, |m, (_, b)| m | b);
                round_trip(map, v);
            }
            let all_bits = bits.iter().fold(0, |m, b| m | b);
            // The cartesian product of the field values (NL2/NL3 excluded: not representable).
            let mut combos: Vec<u32> = std::vec![all_bits];
            for f in map.fields {
                let values: Vec<u32> = f
                    .values
                    .iter()
                    .filter(|v| v.0 != "NL2" && v.0 != "NL3")
                    .map(|v| v.1 << f.shift)
                    .collect();
                combos = combos.iter().flat_map(|c| values.iter().map(move |v| c | v)).collect();
            }
            for c in combos {
                round_trip(map, c);
            }
        }
    }

    #[test]
    fn nl2_and_nl3_become_nl1() {
        assert_eq!(OFLAG_MAP.to_generic(NL2 | OPOST).value, g::NL1 | g::OPOST);
        assert_eq!(OFLAG_MAP.to_generic(NL3).value, g::NL1);
        assert_eq!(OFLAG_MAP.from_generic(g::NL1).value, NL1);
    }

    #[test]
    fn undefined_baud_values_read_as_b0_and_are_reported() {
        let t = CFLAG_MAP.to_generic(0x20 | CS8 | CREAD);
        assert_eq!(t.value, g::B0 | g::CS8 | g::CREAD);
        assert_eq!(t.unknown, 0x20);
        assert_eq!(
            CFLAG_MAP.to_generic(BOTHER | (BOTHER << IBSHIFT)).value,
            g::BOTHER | (g::BOTHER << g::IBSHIFT)
        );
        assert_eq!(CFLAG_MAP.to_generic(B4000000 | (B57600 << IBSHIFT)).value, g::B4000000 | g::B57600 << 16);
    }

    /// Linux's `tty_std_termios` on powerpc, with powerpc's `INIT_C_CC` order.
    fn ppc_sane<E: ByteOrder>() -> Termios<E> {
        let mut c_cc = [0u8; NCCS_LEN];
        for (i, c) in [
            (VINTR, 3),
            (VQUIT, 0x1c),
            (VERASE, 0x7f),
            (VKILL, 0x15),
            (VEOF, 4),
            (VMIN, 1),
            (VTIME, 0),
            (VSTART, 0x11),
            (VSTOP, 0x13),
            (VSUSP, 0x1a),
            (VREPRINT, 0x12),
            (VDISCARD, 0x0f),
            (VWERASE, 0x17),
            (VLNEXT, 0x16),
        ] {
            if let Some(slot) = c_cc.get_mut(i as usize) {
                *slot = c;
            }
        }
        Termios {
            c_iflag: U32::new(0x300),  // ICRNL | IXON
            c_oflag: U32::new(0x3),    // OPOST | ONLCR
            c_cflag: U32::new(0x4b0f), // B38400 | CS8 | CREAD | HUPCL
            c_lflag: U32::new(0x5cf),  // ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN
            c_cc,
            c_line: 0,
            c_ispeed: U32::new(38400),
            c_ospeed: U32::new(38400),
        }
    }

    /// The generic `INIT_C_CC`: ^C ^\ DEL ^U ^D, VTIME 0, VMIN 1, VSWTC 0, ^Q ^S ^Z, VEOL 0, ^R ^O ^W ^V.
    const GENERIC_INIT_C_CC: [u8; NCCS_LEN] =
        [3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0, 0, 0];

    #[test]
    fn sane_termios_converts_to_the_generic_defaults() {
        let k = to_generic(&ppc_sane::<BigEndian>());
        // The generic `tty_std_termios`: ICRNL|IXON, OPOST|ONLCR, B38400|CS8|CREAD|HUPCL, and
        // ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN (`stty -g`: 500:5:4bf:8a3b).
        assert_eq!((k.c_iflag, k.c_oflag, k.c_cflag, k.c_lflag), (0x500, 0x5, 0x4bf, 0x8a3b));
        assert_eq!(k.c_cc, GENERIC_INIT_C_CC);
        assert_eq!((k.c_ispeed, k.c_ospeed, k.c_line), (38400, 38400, 0));
        assert_eq!(from_generic::<BigEndian>(&k), ppc_sane());
        assert_eq!(to_generic(&ppc_sane::<LittleEndian>()), k);
    }

    /// glibc `cfmakeraw` on the sane settings, done in powerpc values, gives the generic raw mode.
    #[test]
    fn cfmakeraw_converts_to_the_generic_raw_mode() {
        let mut t = ppc_sane::<BigEndian>();
        t.c_iflag.set(t.c_iflag.get() & !(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON));
        t.c_oflag.set(t.c_oflag.get() & !OPOST);
        t.c_lflag.set(t.c_lflag.get() & !(ECHO | ECHONL | ICANON | ISIG | IEXTEN));
        t.c_cflag.set((t.c_cflag.get() & !(CSIZE | PARENB)) | CS8);
        if let Some(c) = t.c_cc.get_mut(VMIN as usize) {
            *c = 1;
        }
        if let Some(c) = t.c_cc.get_mut(VTIME as usize) {
            *c = 0;
        }
        assert_eq!(
            (t.c_iflag.get(), t.c_oflag.get(), t.c_cflag.get(), t.c_lflag.get()),
            (0, 0x2, 0x4b0f, 0x47)
        );
        let k = to_generic(&t);
        assert_eq!((k.c_iflag, k.c_oflag, k.c_cflag, k.c_lflag), (0, 0x4, 0x4bf, 0xa30));
        assert_eq!(k.c_cc.get(g::VMIN as usize), Some(&1));
        assert_eq!(k.c_cc.get(g::VTIME as usize), Some(&0));
        assert_eq!(from_generic::<BigEndian>(&k), t);
    }

    #[test]
    fn control_characters_move_by_name_and_spares_stay() {
        let mut t = ppc_sane::<BigEndian>();
        t.c_cc = core::array::from_fn(|i| 100 + i as u8);
        t.c_line = 7;
        let k = to_generic(&t);
        for &(name, a, gi) in CC_MAP {
            assert_eq!(k.c_cc.get(gi as usize), Some(&(100 + a as u8)), "{name}");
        }
        assert_eq!((k.c_cc[17], k.c_cc[18], k.c_line), (117, 118, 7));
        assert_eq!(from_generic::<BigEndian>(&k), t);
    }

    #[test]
    fn byte_order_is_a_parameter() {
        let be = ppc_sane::<BigEndian>();
        assert_eq!(be.as_bytes().get(8..12), Some(&[0, 0, 0x4b, 0x0f][..]));
        let le = Termios::<LittleEndian>::read_from_bytes(be.as_bytes());
        assert!(le.is_ok());
        let back = from_generic::<LittleEndian>(&to_generic(&ppc_sane::<LittleEndian>()));
        assert_eq!(back.as_bytes().get(8..12), Some(&[0x0f, 0x4b, 0, 0][..]));
    }

    #[test]
    fn termio_merges_low_halves_in_powerpc_values() {
        let mut current = to_generic(&ppc_sane::<BigEndian>());
        current.c_lflag |= g::TOSTOP | g::NOFLSH; // powerpc: above bit 16, kept by TCSETA
        let t: Termio<BigEndian> = Termio {
            c_iflag: U16::new(ICRNL as u16),
            c_oflag: U16::new(0),
            c_cflag: U16::new((B9600 | CS7 | CREAD | PARENB) as u16),
            c_lflag: U16::new((ISIG | ICANON) as u16),
            c_line: 2,
            c_cc: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            pad: 0,
        };
        let k = apply_termio(&current, &t);
        assert_eq!(k.c_iflag, g::ICRNL);
        assert_eq!(k.c_oflag, 0);
        assert_eq!(k.c_cflag, g::B9600 | g::CS7 | g::CREAD | g::PARENB);
        assert_eq!(k.c_lflag, g::ISIG | g::ICANON | g::TOSTOP | g::NOFLSH);
        assert_eq!(k.c_line, 2);
        assert_eq!(k.c_cc.get(g::VMIN as usize), Some(&6));
        assert_eq!(k.c_cc.get(g::VEOL as usize), Some(&7));
        assert_eq!(k.c_cc.get(g::VEOL2 as usize), Some(&9));
        assert_eq!(k.c_cc.get(g::VWERASE as usize), Some(&0x17), "beyond NCC: kept");
        assert_eq!(termio_from_generic::<BigEndian>(&k), t);
    }
}
