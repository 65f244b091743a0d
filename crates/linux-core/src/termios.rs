//! The generic Linux terminal interface (`asm-generic/termbits.h`, `asm-generic/termbits-common.h`,
//! `asm-generic/termios.h`): flag values and `c_cc` indices as data, the user structures
//! `struct termios` (36 bytes), `struct termios2` (44), `struct termio` (18) and `struct winsize`, and
//! [`KTermios`], the settings of one terminal as the machine-independent code keeps them (the kernel's
//! `struct ktermios` in generic values). An architecture whose values differ (powerpc) converts its
//! structures to and from [`KTermios`].

use crate::named_consts;
use core::mem::{offset_of, size_of};
use zerocopy::byteorder::{ByteOrder, U16, U32};
use zerocopy::{BigEndian, FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

named_consts! {
    /// `c_cc` indices.
    CC_INDICES: u32 {
        VINTR = 0, VQUIT = 1, VERASE = 2, VKILL = 3, VEOF = 4, VTIME = 5, VMIN = 6, VSWTC = 7,
        VSTART = 8, VSTOP = 9, VSUSP = 10, VEOL = 11, VREPRINT = 12, VDISCARD = 13, VWERASE = 14,
        VLNEXT = 15, VEOL2 = 16,
    }
}

named_consts! {
    /// `c_iflag` bits.
    IFLAG_BITS: u32 {
        IGNBRK = 0x001, BRKINT = 0x002, IGNPAR = 0x004, PARMRK = 0x008, INPCK = 0x010, ISTRIP = 0x020,
        INLCR = 0x040, IGNCR = 0x080, ICRNL = 0x100, IUCLC = 0x0200, IXON = 0x0400, IXANY = 0x800,
        IXOFF = 0x1000, IMAXBEL = 0x2000, IUTF8 = 0x4000,
    }
}

named_consts! {
    /// `c_oflag` bits, the delay fields (`NLDLY` ... `FFDLY`) and their values.
    OFLAG_BITS: u32 {
        OPOST = 0x01, OLCUC = 0x00002, ONLCR = 0x00004, OCRNL = 0x08, ONOCR = 0x10, ONLRET = 0x20,
        OFILL = 0x40, OFDEL = 0x80,
        NLDLY = 0x00100, NL0 = 0x00000, NL1 = 0x00100,
        CRDLY = 0x00600, CR0 = 0x00000, CR1 = 0x00200, CR2 = 0x00400, CR3 = 0x00600,
        TABDLY = 0x01800, TAB0 = 0x00000, TAB1 = 0x00800, TAB2 = 0x01000, TAB3 = 0x01800, XTABS = 0x01800,
        BSDLY = 0x02000, BS0 = 0x00000, BS1 = 0x02000,
        VTDLY = 0x04000, VT0 = 0x00000, VT1 = 0x04000,
        FFDLY = 0x08000, FF0 = 0x00000, FF1 = 0x08000,
    }
}

named_consts! {
    /// `c_cflag` bits, the `CBAUD`/`CIBAUD`/`CSIZE` fields and their values.
    CFLAG_BITS: u32 {
        CBAUD = 0x0000100f,
        B0 = 0x00000000, B50 = 0x00000001, B75 = 0x00000002, B110 = 0x00000003, B134 = 0x00000004,
        B150 = 0x00000005, B200 = 0x00000006, B300 = 0x00000007, B600 = 0x00000008, B1200 = 0x00000009,
        B1800 = 0x0000000a, B2400 = 0x0000000b, B4800 = 0x0000000c, B9600 = 0x0000000d,
        B19200 = 0x0000000e, B38400 = 0x0000000f, EXTA = B19200, EXTB = B38400,
        CSIZE = 0x00000030, CS5 = 0x00000000, CS6 = 0x00000010, CS7 = 0x00000020, CS8 = 0x00000030,
        CSTOPB = 0x00000040, CREAD = 0x00000080, PARENB = 0x00000100, PARODD = 0x00000200,
        HUPCL = 0x00000400, CLOCAL = 0x00000800, CBAUDEX = 0x00001000, BOTHER = 0x00001000,
        B57600 = 0x00001001, B115200 = 0x00001002, B230400 = 0x00001003, B460800 = 0x00001004,
        B500000 = 0x00001005, B576000 = 0x00001006, B921600 = 0x00001007, B1000000 = 0x00001008,
        B1152000 = 0x00001009, B1500000 = 0x0000100a, B2000000 = 0x0000100b, B2500000 = 0x0000100c,
        B3000000 = 0x0000100d, B3500000 = 0x0000100e, B4000000 = 0x0000100f,
        CIBAUD = 0x100f0000, ADDRB = 0x20000000, CMSPAR = 0x40000000, CRTSCTS = 0x80000000,
    }
}

named_consts! {
    /// `c_lflag` bits.
    LFLAG_BITS: u32 {
        ISIG = 0x00001, ICANON = 0x00002, XCASE = 0x00004, ECHO = 0x00008, ECHOE = 0x00010,
        ECHOK = 0x00020, ECHONL = 0x00040, NOFLSH = 0x00080, TOSTOP = 0x00100, ECHOCTL = 0x00200,
        ECHOPRT = 0x00400, ECHOKE = 0x00800, FLUSHO = 0x01000, PENDIN = 0x04000, IEXTEN = 0x08000,
        EXTPROC = 0x10000,
    }
}

named_consts! {
    /// Array sizes, the `CBAUD` -> `CIBAUD` shift, and the `tcsetattr`/`tcflow`/`tcflush` arguments.
    TERMIOS_MISC: u32 {
        NCCS = 19, NCC = 8, IBSHIFT = 16, TCSANOW = 0, TCSADRAIN = 1, TCSAFLUSH = 2,
        TCOOFF = 0, TCOON = 1, TCIOFF = 2, TCION = 3, TCIFLUSH = 0, TCOFLUSH = 1, TCIOFLUSH = 2,
    }
}

/// `NCCS` as an array length.
pub const NCCS_LEN: usize = NCCS as usize;
/// `NCC` (the `struct termio` `c_cc` length) as an array length.
pub const NCC_LEN: usize = NCC as usize;

/// The generic user `struct termios` (`TCGETS`/`TCSETS*`, 36 bytes): no speed fields.
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Termios<E: ByteOrder> {
    /// Input modes.
    pub c_iflag: U32<E>,
    /// Output modes.
    pub c_oflag: U32<E>,
    /// Control modes.
    pub c_cflag: U32<E>,
    /// Local modes.
    pub c_lflag: U32<E>,
    /// Line discipline.
    pub c_line: u8,
    /// Control characters, by [`CC_INDICES`].
    pub c_cc: [u8; NCCS_LEN],
}

/// The generic user `struct termios2` (`TCGETS2`/`TCSETS2*`, 44 bytes): [`Termios`] with speeds.
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Termios2<E: ByteOrder> {
    /// Input modes.
    pub c_iflag: U32<E>,
    /// Output modes.
    pub c_oflag: U32<E>,
    /// Control modes.
    pub c_cflag: U32<E>,
    /// Local modes.
    pub c_lflag: U32<E>,
    /// Line discipline.
    pub c_line: u8,
    /// Control characters, by [`CC_INDICES`].
    pub c_cc: [u8; NCCS_LEN],
    /// Input speed in bits per second (used with `BOTHER`).
    pub c_ispeed: U32<E>,
    /// Output speed in bits per second (used with `BOTHER`).
    pub c_ospeed: U32<E>,
}

/// The generic SysV `struct termio` (`TCGETA`/`TCSETA*`, 18 bytes): the low 16 bits of each flag word.
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
    /// The first [`NCC`] control characters.
    pub c_cc: [u8; NCC_LEN],
    /// Tail padding of the C structure.
    pub pad: u8,
}

/// `struct winsize` (`TIOCGWINSZ`/`TIOCSWINSZ`, 8 bytes; the same on every architecture).
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug, PartialEq, Eq)]
pub struct WinSize<E: ByteOrder> {
    /// Rows.
    pub ws_row: U16<E>,
    /// Columns.
    pub ws_col: U16<E>,
    /// Width in pixels.
    pub ws_xpixel: U16<E>,
    /// Height in pixels.
    pub ws_ypixel: U16<E>,
}

/// The layout of the structures above as Linux's headers name it (`sizeof(struct termios2)`,
/// `offsetof(struct termios, c_cc)` ...), for the conformance tests; the same for both byte orders.
pub const LAYOUTS: &[(&str, usize)] = &[
    ("sizeof(struct termios)", size_of::<Termios<BigEndian>>()),
    ("offsetof(struct termios, c_iflag)", offset_of!(Termios<BigEndian>, c_iflag)),
    ("offsetof(struct termios, c_oflag)", offset_of!(Termios<BigEndian>, c_oflag)),
    ("offsetof(struct termios, c_cflag)", offset_of!(Termios<BigEndian>, c_cflag)),
    ("offsetof(struct termios, c_lflag)", offset_of!(Termios<BigEndian>, c_lflag)),
    ("offsetof(struct termios, c_line)", offset_of!(Termios<BigEndian>, c_line)),
    ("offsetof(struct termios, c_cc)", offset_of!(Termios<BigEndian>, c_cc)),
    ("sizeof(struct termios.c_cc)", NCCS_LEN),
    ("sizeof(struct termios2)", size_of::<Termios2<BigEndian>>()),
    ("offsetof(struct termios2, c_line)", offset_of!(Termios2<BigEndian>, c_line)),
    ("offsetof(struct termios2, c_cc)", offset_of!(Termios2<BigEndian>, c_cc)),
    ("offsetof(struct termios2, c_ispeed)", offset_of!(Termios2<BigEndian>, c_ispeed)),
    ("offsetof(struct termios2, c_ospeed)", offset_of!(Termios2<BigEndian>, c_ospeed)),
    ("sizeof(struct termio)", size_of::<Termio<BigEndian>>()),
    ("offsetof(struct termio, c_line)", offset_of!(Termio<BigEndian>, c_line)),
    ("offsetof(struct termio, c_cc)", offset_of!(Termio<BigEndian>, c_cc)),
    ("sizeof(struct termio.c_cc)", NCC_LEN),
    ("sizeof(struct winsize)", size_of::<WinSize<BigEndian>>()),
    ("offsetof(struct winsize, ws_row)", offset_of!(WinSize<BigEndian>, ws_row)),
    ("offsetof(struct winsize, ws_col)", offset_of!(WinSize<BigEndian>, ws_col)),
    ("offsetof(struct winsize, ws_xpixel)", offset_of!(WinSize<BigEndian>, ws_xpixel)),
    ("offsetof(struct winsize, ws_ypixel)", offset_of!(WinSize<BigEndian>, ws_ypixel)),
];

/// The settings of one terminal in generic values (Linux's `struct ktermios`): what `TCGETS2` reports.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct KTermios {
    /// Input modes ([`IFLAG_BITS`]).
    pub c_iflag: u32,
    /// Output modes ([`OFLAG_BITS`]).
    pub c_oflag: u32,
    /// Control modes ([`CFLAG_BITS`]).
    pub c_cflag: u32,
    /// Local modes ([`LFLAG_BITS`]).
    pub c_lflag: u32,
    /// Line discipline.
    pub c_line: u8,
    /// Control characters, by [`CC_INDICES`].
    pub c_cc: [u8; NCCS_LEN],
    /// Input speed (bits per second).
    pub c_ispeed: u32,
    /// Output speed (bits per second).
    pub c_ospeed: u32,
}

/// Replaces the low 16 bits of `word`, as `TCSETA` does.
fn set_low_half(word: u32, low: u16) -> u32 {
    (word & 0xffff_0000) | u32::from(low)
}

/// The low 16 bits of `word` (`struct termio` keeps only those).
fn low_half(word: u32) -> u16 {
    (word & 0xffff) as u16
}

impl KTermios {
    /// The settings a `struct termios2` describes (`TCSETS2`).
    pub fn from_termios2<E: ByteOrder>(t: &Termios2<E>) -> Self {
        Self {
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

    /// `struct termios2` for `TCGETS2`.
    pub fn to_termios2<E: ByteOrder>(&self) -> Termios2<E> {
        Termios2 {
            c_iflag: U32::new(self.c_iflag),
            c_oflag: U32::new(self.c_oflag),
            c_cflag: U32::new(self.c_cflag),
            c_lflag: U32::new(self.c_lflag),
            c_line: self.c_line,
            c_cc: self.c_cc,
            c_ispeed: U32::new(self.c_ispeed),
            c_ospeed: U32::new(self.c_ospeed),
        }
    }

    /// `TCSETS*`: takes everything a `struct termios` holds; the speeds stay as they were.
    pub fn apply_termios<E: ByteOrder>(&mut self, t: &Termios<E>) {
        self.c_iflag = t.c_iflag.get();
        self.c_oflag = t.c_oflag.get();
        self.c_cflag = t.c_cflag.get();
        self.c_lflag = t.c_lflag.get();
        self.c_line = t.c_line;
        self.c_cc = t.c_cc;
    }

    /// `struct termios` for `TCGETS`.
    pub fn to_termios<E: ByteOrder>(&self) -> Termios<E> {
        Termios {
            c_iflag: U32::new(self.c_iflag),
            c_oflag: U32::new(self.c_oflag),
            c_cflag: U32::new(self.c_cflag),
            c_lflag: U32::new(self.c_lflag),
            c_line: self.c_line,
            c_cc: self.c_cc,
        }
    }

    /// `TCSETA*` (Linux `user_termio_to_kernel_termios`): replaces the low 16 bits of each flag word,
    /// the line discipline and the first [`NCC`] control characters.
    pub fn apply_termio<E: ByteOrder>(&mut self, t: &Termio<E>) {
        self.c_iflag = set_low_half(self.c_iflag, t.c_iflag.get());
        self.c_oflag = set_low_half(self.c_oflag, t.c_oflag.get());
        self.c_cflag = set_low_half(self.c_cflag, t.c_cflag.get());
        self.c_lflag = set_low_half(self.c_lflag, t.c_lflag.get());
        self.c_line = t.c_line;
        for (dst, src) in self.c_cc.iter_mut().zip(t.c_cc.iter()) {
            *dst = *src;
        }
    }

    /// `struct termio` for `TCGETA` (Linux `kernel_termios_to_user_termio`).
    pub fn to_termio<E: ByteOrder>(&self) -> Termio<E> {
        let mut c_cc = [0u8; NCC_LEN];
        for (dst, src) in c_cc.iter_mut().zip(self.c_cc.iter()) {
            *dst = *src;
        }
        Termio {
            c_iflag: U16::new(low_half(self.c_iflag)),
            c_oflag: U16::new(low_half(self.c_oflag)),
            c_cflag: U16::new(low_half(self.c_cflag)),
            c_lflag: U16::new(low_half(self.c_lflag)),
            c_line: self.c_line,
            c_cc,
            pad: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zerocopy::LittleEndian;

    #[test]
    fn sizes() {
        assert_eq!(size_of::<Termios<BigEndian>>(), 36);
        assert_eq!(size_of::<Termios2<LittleEndian>>(), 44);
        assert_eq!(size_of::<Termio<BigEndian>>(), 18);
        assert_eq!(size_of::<WinSize<BigEndian>>(), 8);
    }

    #[test]
    fn termio_touches_only_low_halves_and_first_cc() {
        let mut k = KTermios {
            c_iflag: 0xaaaa_5555,
            c_oflag: 0x1_0005,
            c_cflag: 0x100f_00bf,
            c_lflag: 0x1_8a3b,
            c_line: 3,
            c_cc: [9; NCCS_LEN],
            c_ispeed: 38400,
            c_ospeed: 38400,
        };
        let t: Termio<BigEndian> = Termio {
            c_iflag: U16::new(0x100),
            c_oflag: U16::new(0),
            c_cflag: U16::new(0xbd),
            c_lflag: U16::new(0),
            c_line: 0,
            c_cc: [1, 2, 3, 4, 5, 6, 7, 8],
            pad: 0,
        };
        k.apply_termio(&t);
        assert_eq!(
            (k.c_iflag, k.c_oflag, k.c_cflag, k.c_lflag),
            (0xaaaa_0100, 0x1_0000, 0x100f_00bd, 0x1_0000)
        );
        assert_eq!(k.c_cc, [1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]);
        assert_eq!(k.c_line, 0);
        assert_eq!(k.to_termio::<BigEndian>(), t);
    }

    #[test]
    fn termios_keeps_speeds() {
        let mut k = KTermios { c_ispeed: 9600, c_ospeed: 4800, ..KTermios::default() };
        let new = KTermios { c_iflag: 1, c_oflag: 2, c_cflag: 3, c_lflag: 4, c_line: 5, ..k };
        let t = new.to_termios::<LittleEndian>();
        k.apply_termios(&t);
        assert_eq!((k.c_iflag, k.c_oflag, k.c_cflag, k.c_lflag, k.c_line), (1, 2, 3, 4, 5));
        assert_eq!((k.c_ispeed, k.c_ospeed), (9600, 4800));
        assert_eq!(KTermios::from_termios2(&k.to_termios2::<BigEndian>()), k);
    }
}
