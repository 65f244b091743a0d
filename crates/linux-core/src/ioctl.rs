//! Generic Linux ioctl numbers: the `_IOC` encoding of `asm-generic/ioctl.h` (2 direction bits, 14
//! size bits) and the tty and file ioctls of `asm-generic/ioctls.h`. These are the numbers the
//! machine-independent code dispatches on; an architecture whose numbers differ (powerpc) translates
//! its numbers to these first.

use crate::named_consts;
use crate::termios::Termios2;
use core::mem::size_of;
use zerocopy::BigEndian;

named_consts! {
    /// The `_IOC` encoding parameters.
    IOC_ENCODING: u32 {
        _IOC_NRBITS = 8, _IOC_TYPEBITS = 8, _IOC_SIZEBITS = 14, _IOC_DIRBITS = 2,
        _IOC_NRMASK = (1 << _IOC_NRBITS) - 1, _IOC_TYPEMASK = (1 << _IOC_TYPEBITS) - 1,
        _IOC_SIZEMASK = (1 << _IOC_SIZEBITS) - 1, _IOC_DIRMASK = (1 << _IOC_DIRBITS) - 1,
        _IOC_NRSHIFT = 0, _IOC_TYPESHIFT = _IOC_NRSHIFT + _IOC_NRBITS,
        _IOC_SIZESHIFT = _IOC_TYPESHIFT + _IOC_TYPEBITS, _IOC_DIRSHIFT = _IOC_SIZESHIFT + _IOC_SIZEBITS,
        _IOC_NONE = 0, _IOC_WRITE = 1, _IOC_READ = 2,
        IOC_IN = _IOC_WRITE << _IOC_DIRSHIFT, IOC_OUT = _IOC_READ << _IOC_DIRSHIFT,
        IOC_INOUT = (_IOC_WRITE | _IOC_READ) << _IOC_DIRSHIFT,
        IOCSIZE_MASK = _IOC_SIZEMASK << _IOC_SIZESHIFT, IOCSIZE_SHIFT = _IOC_SIZESHIFT,
    }
}

/// An `_IOC` encoding: the widths of the size and direction fields and the direction values. The
/// asm-generic one is [`GENERIC_IOC`]; an architecture with its own `asm/ioctl.h` (powerpc) defines
/// another from its header's constants. Number and type are 8 bits each everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IocEncoding {
    /// `_IOC_SIZEBITS`.
    pub size_bits: u32,
    /// `_IOC_DIRBITS`.
    pub dir_bits: u32,
    /// `_IOC_NONE`.
    pub none: u32,
    /// `_IOC_READ`.
    pub read: u32,
    /// `_IOC_WRITE`.
    pub write: u32,
}

/// The asm-generic encoding (2 direction bits, 14 size bits).
pub const GENERIC_IOC: IocEncoding = IocEncoding {
    size_bits: _IOC_SIZEBITS,
    dir_bits: _IOC_DIRBITS,
    none: _IOC_NONE,
    read: _IOC_READ,
    write: _IOC_WRITE,
};

impl IocEncoding {
    // Wrapping shifts and sums: a nonsensical encoding (fields wider than 32 bits in all) gives wrong
    // numbers, never a panic. Every real one (2 + 14 or 3 + 13 bits above 16) fits exactly.
    const fn size_mask(&self) -> u32 {
        1u32.wrapping_shl(self.size_bits).wrapping_sub(1)
    }

    const fn dir_mask(&self) -> u32 {
        1u32.wrapping_shl(self.dir_bits).wrapping_sub(1)
    }

    const fn dir_shift(&self) -> u32 {
        _IOC_SIZESHIFT.wrapping_add(self.size_bits)
    }

    /// `_IOC(dir, type, nr, size)`; each argument is cut to its field's width.
    pub const fn ioc(&self, dir: u32, ty: u32, nr: u32, size: u32) -> u32 {
        (dir & self.dir_mask()).wrapping_shl(self.dir_shift())
            | ((ty & _IOC_TYPEMASK) << _IOC_TYPESHIFT)
            | ((nr & _IOC_NRMASK) << _IOC_NRSHIFT)
            | ((size & self.size_mask()) << _IOC_SIZESHIFT)
    }

    /// `_IO(type, nr)`.
    pub const fn io(&self, ty: u32, nr: u32) -> u32 {
        self.ioc(self.none, ty, nr, 0)
    }

    /// `_IOR(type, nr, size)`: the kernel writes `size` bytes to user memory.
    pub const fn ior(&self, ty: u32, nr: u32, size: u32) -> u32 {
        self.ioc(self.read, ty, nr, size)
    }

    /// `_IOW(type, nr, size)`: the kernel reads `size` bytes from user memory.
    pub const fn iow(&self, ty: u32, nr: u32, size: u32) -> u32 {
        self.ioc(self.write, ty, nr, size)
    }

    /// `_IOWR(type, nr, size)`.
    pub const fn iowr(&self, ty: u32, nr: u32, size: u32) -> u32 {
        self.ioc(self.read | self.write, ty, nr, size)
    }

    /// `_IOC_DIR(cmd)`.
    pub const fn ioc_dir(&self, cmd: u32) -> u32 {
        cmd.wrapping_shr(self.dir_shift()) & self.dir_mask()
    }

    /// `_IOC_TYPE(cmd)`.
    pub const fn ioc_type(&self, cmd: u32) -> u32 {
        (cmd >> _IOC_TYPESHIFT) & _IOC_TYPEMASK
    }

    /// `_IOC_NR(cmd)`.
    pub const fn ioc_nr(&self, cmd: u32) -> u32 {
        (cmd >> _IOC_NRSHIFT) & _IOC_NRMASK
    }

    /// `_IOC_SIZE(cmd)`.
    pub const fn ioc_size(&self, cmd: u32) -> u32 {
        (cmd >> _IOC_SIZESHIFT) & self.size_mask()
    }
}

/// `_IOC` in the generic encoding ([`IocEncoding::ioc`]).
pub const fn ioc(dir: u32, ty: u32, nr: u32, size: u32) -> u32 {
    GENERIC_IOC.ioc(dir, ty, nr, size)
}

/// `_IO` in the generic encoding.
pub const fn io(ty: u32, nr: u32) -> u32 {
    GENERIC_IOC.io(ty, nr)
}

/// `_IOR` in the generic encoding.
pub const fn ior(ty: u32, nr: u32, size: u32) -> u32 {
    GENERIC_IOC.ior(ty, nr, size)
}

/// `_IOW` in the generic encoding.
pub const fn iow(ty: u32, nr: u32, size: u32) -> u32 {
    GENERIC_IOC.iow(ty, nr, size)
}

/// `_IOWR` in the generic encoding.
pub const fn iowr(ty: u32, nr: u32, size: u32) -> u32 {
    GENERIC_IOC.iowr(ty, nr, size)
}

/// `_IOC_DIR` in the generic encoding.
pub const fn ioc_dir(cmd: u32) -> u32 {
    GENERIC_IOC.ioc_dir(cmd)
}

/// `_IOC_TYPE`.
pub const fn ioc_type(cmd: u32) -> u32 {
    GENERIC_IOC.ioc_type(cmd)
}

/// `_IOC_NR`.
pub const fn ioc_nr(cmd: u32) -> u32 {
    GENERIC_IOC.ioc_nr(cmd)
}

/// `_IOC_SIZE` in the generic encoding.
pub const fn ioc_size(cmd: u32) -> u32 {
    GENERIC_IOC.ioc_size(cmd)
}

/// `sizeof(struct termios2)`.
const TERMIOS2_SIZE: u32 = size_of::<Termios2<BigEndian>>() as u32;
/// `sizeof(unsigned int)`, `sizeof(int)`.
const INT_SIZE: u32 = 4;
/// `sizeof(struct serial_iso7816)` (`linux/serial.h`: ten `__u32`, `flags` ... `reserved[5]`).
pub const SERIAL_ISO7816_SIZE: u32 = 40;

const T: u32 = b'T' as u32;

named_consts! {
    /// Every ioctl number of `asm-generic/ioctls.h` (`TIOCINQ` is an alias of `FIONREAD`).
    GENERIC_TTY_IOCTLS: u32 {
        TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TCGETA = 0x5405,
        TCSETA = 0x5406, TCSETAW = 0x5407, TCSETAF = 0x5408, TCSBRK = 0x5409, TCXONC = 0x540A,
        TCFLSH = 0x540B, TIOCEXCL = 0x540C, TIOCNXCL = 0x540D, TIOCSCTTY = 0x540E, TIOCGPGRP = 0x540F,
        TIOCSPGRP = 0x5410, TIOCOUTQ = 0x5411, TIOCSTI = 0x5412, TIOCGWINSZ = 0x5413,
        TIOCSWINSZ = 0x5414, TIOCMGET = 0x5415, TIOCMBIS = 0x5416, TIOCMBIC = 0x5417, TIOCMSET = 0x5418,
        TIOCGSOFTCAR = 0x5419, TIOCSSOFTCAR = 0x541A, FIONREAD = 0x541B, TIOCINQ = FIONREAD,
        TIOCLINUX = 0x541C, TIOCCONS = 0x541D, TIOCGSERIAL = 0x541E, TIOCSSERIAL = 0x541F,
        TIOCPKT = 0x5420, FIONBIO = 0x5421, TIOCNOTTY = 0x5422, TIOCSETD = 0x5423, TIOCGETD = 0x5424,
        TCSBRKP = 0x5425, TIOCSBRK = 0x5427, TIOCCBRK = 0x5428, TIOCGSID = 0x5429,
        TCGETS2 = ior(T, 0x2A, TERMIOS2_SIZE), TCSETS2 = iow(T, 0x2B, TERMIOS2_SIZE),
        TCSETSW2 = iow(T, 0x2C, TERMIOS2_SIZE), TCSETSF2 = iow(T, 0x2D, TERMIOS2_SIZE),
        TIOCGRS485 = 0x542E, TIOCSRS485 = 0x542F, TIOCGPTN = ior(T, 0x30, INT_SIZE),
        TIOCSPTLCK = iow(T, 0x31, INT_SIZE), TIOCGDEV = ior(T, 0x32, INT_SIZE), TCGETX = 0x5432,
        TCSETX = 0x5433, TCSETXF = 0x5434, TCSETXW = 0x5435, TIOCSIG = iow(T, 0x36, INT_SIZE),
        TIOCVHANGUP = 0x5437, TIOCGPKT = ior(T, 0x38, INT_SIZE), TIOCGPTLCK = ior(T, 0x39, INT_SIZE),
        TIOCGEXCL = ior(T, 0x40, INT_SIZE), TIOCGPTPEER = io(T, 0x41),
        TIOCGISO7816 = ior(T, 0x42, SERIAL_ISO7816_SIZE), TIOCSISO7816 = iowr(T, 0x43, SERIAL_ISO7816_SIZE),
        FIONCLEX = 0x5450, FIOCLEX = 0x5451, FIOASYNC = 0x5452, TIOCSERCONFIG = 0x5453,
        TIOCSERGWILD = 0x5454, TIOCSERSWILD = 0x5455, TIOCGLCKTRMIOS = 0x5456, TIOCSLCKTRMIOS = 0x5457,
        TIOCSERGSTRUCT = 0x5458, TIOCSERGETLSR = 0x5459, TIOCSERGETMULTI = 0x545A,
        TIOCSERSETMULTI = 0x545B, TIOCMIWAIT = 0x545C, TIOCGICOUNT = 0x545D, FIOQSIZE = 0x5460,
    }
}

named_consts! {
    /// Argument values of the tty ioctls: `TIOCPKT` packet-mode bits and `TIOCSERGETLSR`
    /// (`asm-generic/ioctls.h`), `TIOCM*` modem lines (`asm-generic/termios.h`).
    TTY_IOCTL_ARGS: u32 {
        TIOCPKT_DATA = 0, TIOCPKT_FLUSHREAD = 1, TIOCPKT_FLUSHWRITE = 2, TIOCPKT_STOP = 4,
        TIOCPKT_START = 8, TIOCPKT_NOSTOP = 16, TIOCPKT_DOSTOP = 32, TIOCPKT_IOCTL = 64,
        TIOCSER_TEMT = 0x01,
        TIOCM_LE = 0x001, TIOCM_DTR = 0x002, TIOCM_RTS = 0x004, TIOCM_ST = 0x008, TIOCM_SR = 0x010,
        TIOCM_CTS = 0x020, TIOCM_CAR = 0x040, TIOCM_RNG = 0x080, TIOCM_DSR = 0x100,
        TIOCM_CD = TIOCM_CAR, TIOCM_RI = TIOCM_RNG, TIOCM_OUT1 = 0x2000, TIOCM_OUT2 = 0x4000,
        TIOCM_LOOP = 0x8000,
    }
}

/// The ioctl number called `name` in [`GENERIC_TTY_IOCTLS`].
pub fn generic_ioctl(name: &str) -> Option<u32> {
    GENERIC_TTY_IOCTLS.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding() {
        assert_eq!(TCGETS2, 0x802c_542a);
        assert_eq!(TCSETS2, 0x402c_542b);
        assert_eq!(TIOCGPTN, 0x8004_5430);
        assert_eq!(TIOCSPTLCK, 0x4004_5431);
        assert_eq!(TIOCGPTPEER, 0x5441);
        assert_eq!(TIOCSISO7816, 0xc028_5443);
        let cmd = iowr(u32::from(b'd'), 5, 24);
        assert_eq!((ioc_dir(cmd), ioc_type(cmd), ioc_nr(cmd), ioc_size(cmd)), (3, 0x64, 5, 24));
        assert_eq!(ioc(_IOC_READ, 0x1ff, 0x1ff, 0x1_ffff), 0xbfff_ffff, "fields are cut to width");
        assert_eq!(generic_ioctl("TIOCINQ"), Some(0x541b));
        assert_eq!(generic_ioctl("TIOCGETP"), None);
    }
}
