//! Linux/powerpc ioctl numbers: the powerpc `_IOC` encoding (`asm/ioctl.h`: 3 direction bits at bit
//! 29, 13 size bits, `NONE` = 1, `READ` = 2, `WRITE` = 4), the numbers of `asm/ioctls.h` (the
//! termios `'t'` and file `'f'` groups are `_IOC` numbers here, legacy `0x54xx` numbers elsewhere), and
//! [`to_generic`], the translation to the numbers of [`linux_core::ioctl`] that the
//! machine-independent code dispatches on.
//!
//! Note that a powerpc `_IOR` has the bit pattern of a generic `_IOW` (bit 30): numbers must be
//! decoded with this encoding, never with the generic one.

use crate::termios::{Termio, Termios};
use core::mem::size_of;
use linux_core::consts::Pair;
use linux_core::ioctl::{self as g, IocEncoding};
use linux_core::termios::WinSize;
use linux_core::{name_pairs, named_consts};
use zerocopy::BigEndian;

named_consts! {
    /// The powerpc `_IOC` encoding parameters (`asm/ioctl.h` over `asm-generic/ioctl.h`).
    IOC_ENCODING: u32 {
        _IOC_NRBITS = 8, _IOC_TYPEBITS = 8, _IOC_SIZEBITS = 13, _IOC_DIRBITS = 3,
        _IOC_NRMASK = (1 << _IOC_NRBITS) - 1, _IOC_TYPEMASK = (1 << _IOC_TYPEBITS) - 1,
        _IOC_SIZEMASK = (1 << _IOC_SIZEBITS) - 1, _IOC_DIRMASK = (1 << _IOC_DIRBITS) - 1,
        _IOC_NRSHIFT = 0, _IOC_TYPESHIFT = _IOC_NRSHIFT + _IOC_NRBITS,
        _IOC_SIZESHIFT = _IOC_TYPESHIFT + _IOC_TYPEBITS, _IOC_DIRSHIFT = _IOC_SIZESHIFT + _IOC_SIZEBITS,
        _IOC_NONE = 1, _IOC_READ = 2, _IOC_WRITE = 4,
        IOC_IN = _IOC_WRITE << _IOC_DIRSHIFT, IOC_OUT = _IOC_READ << _IOC_DIRSHIFT,
        IOC_INOUT = (_IOC_WRITE | _IOC_READ) << _IOC_DIRSHIFT,
        IOCSIZE_MASK = _IOC_SIZEMASK << _IOC_SIZESHIFT, IOCSIZE_SHIFT = _IOC_SIZESHIFT,
    }
}

/// The powerpc `_IOC` encoding, from the constants above (which the conformance tests check against
/// `asm/ioctl.h`): `PPC_IOC.ior(...)` is powerpc's `_IOR(...)`.
pub const PPC_IOC: IocEncoding = IocEncoding {
    size_bits: _IOC_SIZEBITS,
    dir_bits: _IOC_DIRBITS,
    none: _IOC_NONE,
    read: _IOC_READ,
    write: _IOC_WRITE,
};

/// `sizeof(struct termios)` on powerpc (44: it has the speed fields).
pub const TERMIOS_SIZE: u32 = size_of::<Termios<BigEndian>>() as u32;
/// `sizeof(struct termio)` on powerpc (20: ten control characters and tail padding).
pub const TERMIO_SIZE: u32 = size_of::<Termio<BigEndian>>() as u32;
/// `sizeof(struct winsize)`.
pub const WINSIZE_SIZE: u32 = size_of::<WinSize<BigEndian>>() as u32;
/// `sizeof(struct sgttyb)` (`asm/termios.h`: four chars and a short).
pub const SGTTYB_SIZE: u32 = 6;
/// `sizeof(struct tchars)` (six chars).
pub const TCHARS_SIZE: u32 = 6;
/// `sizeof(struct ltchars)` (six chars).
pub const LTCHARS_SIZE: u32 = 6;
/// `sizeof(int)`, `sizeof(unsigned int)`.
const INT_SIZE: u32 = 4;
/// `sizeof(loff_t)`.
const LOFF_T_SIZE: u32 = 8;

const F: u32 = b'f' as u32;
const LT: u32 = b't' as u32;
const T: u32 = b'T' as u32;

named_consts! {
    /// Every ioctl number of powerpc's `asm/ioctls.h` (`TIOCINQ` is an alias of `FIONREAD`).
    PPC64_TTY_IOCTLS: u32 {
        FIOCLEX = PPC_IOC.io(F, 1), FIONCLEX = PPC_IOC.io(F, 2), FIOASYNC = PPC_IOC.iow(F, 125, INT_SIZE),
        FIONBIO = PPC_IOC.iow(F, 126, INT_SIZE), FIONREAD = PPC_IOC.ior(F, 127, INT_SIZE), TIOCINQ = FIONREAD,
        FIOQSIZE = PPC_IOC.ior(F, 128, LOFF_T_SIZE),
        TIOCGETP = PPC_IOC.ior(LT, 8, SGTTYB_SIZE), TIOCSETP = PPC_IOC.iow(LT, 9, SGTTYB_SIZE),
        TIOCSETN = PPC_IOC.iow(LT, 10, SGTTYB_SIZE), TIOCSETC = PPC_IOC.iow(LT, 17, TCHARS_SIZE),
        TIOCGETC = PPC_IOC.ior(LT, 18, TCHARS_SIZE),
        TCGETS = PPC_IOC.ior(LT, 19, TERMIOS_SIZE), TCSETS = PPC_IOC.iow(LT, 20, TERMIOS_SIZE),
        TCSETSW = PPC_IOC.iow(LT, 21, TERMIOS_SIZE), TCSETSF = PPC_IOC.iow(LT, 22, TERMIOS_SIZE),
        TCGETA = PPC_IOC.ior(LT, 23, TERMIO_SIZE), TCSETA = PPC_IOC.iow(LT, 24, TERMIO_SIZE),
        TCSETAW = PPC_IOC.iow(LT, 25, TERMIO_SIZE), TCSETAF = PPC_IOC.iow(LT, 28, TERMIO_SIZE),
        TCSBRK = PPC_IOC.io(LT, 29), TCXONC = PPC_IOC.io(LT, 30), TCFLSH = PPC_IOC.io(LT, 31),
        TIOCSWINSZ = PPC_IOC.iow(LT, 103, WINSIZE_SIZE), TIOCGWINSZ = PPC_IOC.ior(LT, 104, WINSIZE_SIZE),
        TIOCSTART = PPC_IOC.io(LT, 110), TIOCSTOP = PPC_IOC.io(LT, 111), TIOCOUTQ = PPC_IOC.ior(LT, 115, INT_SIZE),
        TIOCGLTC = PPC_IOC.ior(LT, 116, LTCHARS_SIZE), TIOCSLTC = PPC_IOC.iow(LT, 117, LTCHARS_SIZE),
        TIOCSPGRP = PPC_IOC.iow(LT, 118, INT_SIZE), TIOCGPGRP = PPC_IOC.ior(LT, 119, INT_SIZE),
        TIOCEXCL = 0x540C, TIOCNXCL = 0x540D, TIOCSCTTY = 0x540E, TIOCSTI = 0x5412, TIOCMGET = 0x5415,
        TIOCMBIS = 0x5416, TIOCMBIC = 0x5417, TIOCMSET = 0x5418, TIOCGSOFTCAR = 0x5419,
        TIOCSSOFTCAR = 0x541A, TIOCLINUX = 0x541C, TIOCCONS = 0x541D, TIOCGSERIAL = 0x541E,
        TIOCSSERIAL = 0x541F, TIOCPKT = 0x5420, TIOCNOTTY = 0x5422, TIOCSETD = 0x5423,
        TIOCGETD = 0x5424, TCSBRKP = 0x5425, TIOCSBRK = 0x5427, TIOCCBRK = 0x5428, TIOCGSID = 0x5429,
        TIOCGRS485 = 0x542e, TIOCSRS485 = 0x542f,
        TIOCGPTN = PPC_IOC.ior(T, 0x30, INT_SIZE), TIOCSPTLCK = PPC_IOC.iow(T, 0x31, INT_SIZE),
        TIOCGDEV = PPC_IOC.ior(T, 0x32, INT_SIZE), TIOCSIG = PPC_IOC.iow(T, 0x36, INT_SIZE), TIOCVHANGUP = 0x5437,
        TIOCGPKT = PPC_IOC.ior(T, 0x38, INT_SIZE), TIOCGPTLCK = PPC_IOC.ior(T, 0x39, INT_SIZE),
        TIOCGEXCL = PPC_IOC.ior(T, 0x40, INT_SIZE), TIOCGPTPEER = PPC_IOC.io(T, 0x41),
        TIOCGISO7816 = PPC_IOC.ior(T, 0x42, g::SERIAL_ISO7816_SIZE),
        TIOCSISO7816 = PPC_IOC.iowr(T, 0x43, g::SERIAL_ISO7816_SIZE),
        TIOCSERCONFIG = 0x5453, TIOCSERGWILD = 0x5454, TIOCSERSWILD = 0x5455, TIOCGLCKTRMIOS = 0x5456,
        TIOCSLCKTRMIOS = 0x5457, TIOCSERGSTRUCT = 0x5458, TIOCSERGETLSR = 0x5459,
        TIOCSERGETMULTI = 0x545A, TIOCSERSETMULTI = 0x545B, TIOCMIWAIT = 0x545C, TIOCGICOUNT = 0x545D,
    }
}

named_consts! {
    /// Argument values of the tty ioctls defined by powerpc's `asm/ioctls.h` (the same as generic).
    TTY_IOCTL_ARGS: u32 {
        TIOCM_LE = 0x001, TIOCM_DTR = 0x002, TIOCM_RTS = 0x004, TIOCM_ST = 0x008, TIOCM_SR = 0x010,
        TIOCM_CTS = 0x020, TIOCM_CAR = 0x040, TIOCM_RNG = 0x080, TIOCM_DSR = 0x100,
        TIOCM_CD = TIOCM_CAR, TIOCM_RI = TIOCM_RNG, TIOCM_OUT1 = 0x2000, TIOCM_OUT2 = 0x4000,
        TIOCM_LOOP = 0x8000,
        TIOCPKT_DATA = 0, TIOCPKT_FLUSHREAD = 1, TIOCPKT_FLUSHWRITE = 2, TIOCPKT_STOP = 4,
        TIOCPKT_START = 8, TIOCPKT_NOSTOP = 16, TIOCPKT_DOSTOP = 32, TIOCPKT_IOCTL = 64,
        TIOCSER_TEMT = 0x01,
    }
}

/// The names defined by both `asm/ioctls.h` and `asm-generic/ioctls.h` with different numbers:
/// `(name, powerpc number, generic number)`. The tests check that this is exactly that set.
pub const DIFFERING_IOCTLS: &[Pair<u32>] = name_pairs!(g;
    FIOCLEX, FIONCLEX, FIOASYNC, FIONBIO, FIONREAD, TIOCINQ, FIOQSIZE, TCGETS, TCSETS, TCSETSW, TCSETSF,
    TCGETA, TCSETA, TCSETAW, TCSETAF, TCSBRK, TCXONC, TCFLSH, TIOCSWINSZ, TIOCGWINSZ, TIOCOUTQ,
    TIOCSPGRP, TIOCGPGRP, TIOCGPTN, TIOCSPTLCK, TIOCGDEV, TIOCSIG, TIOCGPKT, TIOCGPTLCK, TIOCGEXCL,
    TIOCGPTPEER, TIOCGISO7816,
);

/// The generic direction bits of powerpc direction bits, or `None` for a combination powerpc's
/// `_IOC` never produces (`NONE` with `READ` or `WRITE`).
const fn dir_to_generic(dir: u32) -> Option<u32> {
    match dir {
        _IOC_NONE => Some(g::_IOC_NONE),
        _IOC_READ => Some(g::_IOC_READ),
        _IOC_WRITE => Some(g::_IOC_WRITE),
        d if d == _IOC_READ | _IOC_WRITE => Some(g::_IOC_READ | g::_IOC_WRITE),
        _ => None,
    }
}

/// The powerpc direction bits of generic direction bits (every generic combination has one).
const fn dir_from_generic(dir: u32) -> u32 {
    let mut d = 0;
    if dir & g::_IOC_READ != 0 {
        d |= _IOC_READ;
    }
    if dir & g::_IOC_WRITE != 0 {
        d |= _IOC_WRITE;
    }
    if d == 0 {
        _IOC_NONE
    } else {
        d
    }
}

/// The generic ioctl number of a Linux/powerpc one, for the machine-independent code:
///
/// 1. a number of [`DIFFERING_IOCTLS`] becomes the generic number of the same name
///    (`TCGETS` `0x402c7413` -> `0x5401`, `FIONREAD` -> `0x541b`);
/// 2. any other number with powerpc `_IOC` direction bits is re-encoded generically with the same
///    type, number and size (sizes never exceed powerpc's 13 bits, so they fit in 14);
/// 3. the generic number of a name powerpc defines differently (`0x5401`, generic `TCGETS`) is not a
///    powerpc ioctl at all: `None`, which the caller answers with `ENOTTY` as Linux/powerpc does;
/// 4. everything else (the legacy `0x54xx` numbers both encodings share, and direction bits powerpc
///    never produces) is returned unchanged.
pub fn to_generic(cmd: u32) -> Option<u32> {
    if let Some(&(_, _, generic)) = DIFFERING_IOCTLS.iter().find(|e| e.1 == cmd) {
        return Some(generic);
    }
    if DIFFERING_IOCTLS.iter().any(|e| e.2 == cmd) {
        return None;
    }
    let dir = PPC_IOC.ioc_dir(cmd);
    if dir == 0 {
        return Some(cmd);
    }
    Some(match dir_to_generic(dir) {
        Some(gdir) => g::ioc(gdir, PPC_IOC.ioc_type(cmd), PPC_IOC.ioc_nr(cmd), PPC_IOC.ioc_size(cmd)),
        None => cmd,
    })
}

/// The Linux/powerpc number of a generic ioctl number, the inverse of [`to_generic`] for every
/// number of [`PPC64_TTY_IOCTLS`]: [`DIFFERING_IOCTLS`] by name, powerpc's own `_IO` numbers
/// (`TIOCSTART`, `TIOCSTOP`) by their generic encoding, other generic numbers with direction bits
/// re-encoded, the rest unchanged. A generic `_IO(type, nr)` is the legacy number `type << 8 | nr`,
/// so one outside the table is returned unchanged, read as a legacy number both encodings share.
/// `None` for a generic number whose size needs the 14th size bit, which powerpc cannot encode.
pub fn from_generic(cmd: u32) -> Option<u32> {
    if let Some(&(_, ppc, _)) = DIFFERING_IOCTLS.iter().find(|e| e.2 == cmd) {
        return Some(ppc);
    }
    let dir = g::ioc_dir(cmd);
    if dir == g::_IOC_NONE {
        let own_io = PPC64_TTY_IOCTLS
            .iter()
            .find(|&&(_, p)| PPC_IOC.ioc_dir(p) == _IOC_NONE && to_generic(p) == Some(cmd));
        return Some(own_io.map_or(cmd, |&(_, p)| p));
    }
    let size = g::ioc_size(cmd);
    if size > _IOC_SIZEMASK {
        return None;
    }
    Some(PPC_IOC.ioc(dir_from_generic(dir), g::ioc_type(cmd), g::ioc_nr(cmd), size))
}

/// The number called `name` in [`PPC64_TTY_IOCTLS`].
pub fn ppc64_ioctl(name: &str) -> Option<u32> {
    PPC64_TTY_IOCTLS.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn differing_is_exactly_the_names_whose_numbers_differ() {
        let expected: BTreeSet<&str> = PPC64_TTY_IOCTLS
            .iter()
            .filter(|(n, v)| g::generic_ioctl(n).is_some_and(|gv| gv != *v))
            .map(|(n, _)| *n)
            .collect();
        let listed: BTreeSet<&str> = DIFFERING_IOCTLS.iter().map(|e| e.0).collect();
        assert_eq!(listed, expected);
    }

    #[test]
    fn sizes() {
        assert_eq!((TERMIOS_SIZE, TERMIO_SIZE, WINSIZE_SIZE), (44, 20, 8));
        assert_eq!(TCGETS, 0x402c_7413);
        assert_eq!(TIOCGPTPEER, 0x2000_5441);
    }

    #[test]
    fn invalid_direction_combinations_pass_through() {
        for dir in [3u32, 5, 7] {
            let cmd = (dir << 29) | 0x0004_7401;
            assert_eq!(to_generic(cmd), Some(cmd));
        }
    }

    #[test]
    fn generic_sizes_beyond_13_bits_have_no_ppc_number() {
        assert_eq!(from_generic(g::ior(u32::from(b'x'), 1, 0x2000)), None);
        assert_eq!(
            from_generic(g::ior(u32::from(b'x'), 1, 0x1fff)),
            Some(PPC_IOC.ior(u32::from(b'x'), 1, 0x1fff))
        );
    }
}
