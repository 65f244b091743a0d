//! Linux and FreeBSD errno values, kept as two distinct types, and the one place that converts between them.
//!
//! The Linux values are the generic ones of `asm-generic/errno-base.h` and `asm-generic/errno.h`, shared by
//! every architecture this project supports; an architecture that differs (powerpc's `EDEADLOCK`) defines the
//! exception in its own crate. The conformance tests compare every row of [`LINUX_ERRNOS`] with the Debian
//! cross headers of each architecture.

use core::fmt;

/// A Linux errno value: always in `1..=LINUX_ELAST` (never 0, never negative).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinuxErrno(u16);

/// A FreeBSD errno value as the FreeBSD kernel returns it: positive errnos, plus the kernel-internal
/// negative pseudo-errnos `ERESTART` (-1) and `EJUSTRETURN` (-2).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct FreeBsdErrno(pub i32);

macro_rules! linux_errnos {
    ($($name:ident = $val:expr),* $(,)?) => {
        impl LinuxErrno {
            $(
                #[doc = concat!("Linux `", stringify!($name), "`.")]
                pub const $name: LinuxErrno = LinuxErrno($val);
            )*
        }
        /// Every generic Linux errno as (name, value): data for the conformance tests and for `name()`.
        pub const LINUX_ERRNOS: &[(&str, u16)] = &[$((stringify!($name), $val)),*];
    };
}

linux_errnos! {
    EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7, ENOEXEC = 8, EBADF = 9,
    ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, ENOTBLK = 15, EBUSY = 16, EEXIST = 17,
    EXDEV = 18, ENODEV = 19, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOTTY = 25,
    ETXTBSY = 26, EFBIG = 27, ENOSPC = 28, ESPIPE = 29, EROFS = 30, EMLINK = 31, EPIPE = 32, EDOM = 33,
    ERANGE = 34, EDEADLK = 35, ENAMETOOLONG = 36, ENOLCK = 37, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40,
    ENOMSG = 42, EIDRM = 43, ECHRNG = 44, EL2NSYNC = 45, EL3HLT = 46, EL3RST = 47, ELNRNG = 48,
    EUNATCH = 49, ENOCSI = 50, EL2HLT = 51, EBADE = 52, EBADR = 53, EXFULL = 54, ENOANO = 55, EBADRQC = 56,
    EBADSLT = 57, EBFONT = 59, ENOSTR = 60, ENODATA = 61, ETIME = 62, ENOSR = 63, ENONET = 64, ENOPKG = 65,
    EREMOTE = 66, ENOLINK = 67, EADV = 68, ESRMNT = 69, ECOMM = 70, EPROTO = 71, EMULTIHOP = 72,
    EDOTDOT = 73, EBADMSG = 74, EOVERFLOW = 75, ENOTUNIQ = 76, EBADFD = 77, EREMCHG = 78, ELIBACC = 79,
    ELIBBAD = 80, ELIBSCN = 81, ELIBMAX = 82, ELIBEXEC = 83, EILSEQ = 84, ERESTART = 85, ESTRPIPE = 86,
    EUSERS = 87, ENOTSOCK = 88, EDESTADDRREQ = 89, EMSGSIZE = 90, EPROTOTYPE = 91, ENOPROTOOPT = 92,
    EPROTONOSUPPORT = 93, ESOCKTNOSUPPORT = 94, EOPNOTSUPP = 95, EPFNOSUPPORT = 96, EAFNOSUPPORT = 97,
    EADDRINUSE = 98, EADDRNOTAVAIL = 99, ENETDOWN = 100, ENETUNREACH = 101, ENETRESET = 102,
    ECONNABORTED = 103, ECONNRESET = 104, ENOBUFS = 105, EISCONN = 106, ENOTCONN = 107, ESHUTDOWN = 108,
    ETOOMANYREFS = 109, ETIMEDOUT = 110, ECONNREFUSED = 111, EHOSTDOWN = 112, EHOSTUNREACH = 113,
    EALREADY = 114, EINPROGRESS = 115, ESTALE = 116, EUCLEAN = 117, ENOTNAM = 118, ENAVAIL = 119,
    EISNAM = 120, EREMOTEIO = 121, EDQUOT = 122, ENOMEDIUM = 123, EMEDIUMTYPE = 124, ECANCELED = 125,
    ENOKEY = 126, EKEYEXPIRED = 127, EKEYREVOKED = 128, EKEYREJECTED = 129, EOWNERDEAD = 130,
    ENOTRECOVERABLE = 131, ERFKILL = 132, EHWPOISON = 133,
}

impl LinuxErrno {
    /// The largest Linux errno (`EHWPOISON`).
    pub const LAST: u16 = 133;
    /// `EWOULDBLOCK` is an alias of `EAGAIN` on Linux.
    pub const EWOULDBLOCK: LinuxErrno = LinuxErrno::EAGAIN;

    /// The errno for a raw positive value, or `None` when it is not a Linux errno.
    pub const fn new(value: u16) -> Option<LinuxErrno> {
        if value == 0 || value > Self::LAST {
            None
        } else {
            Some(LinuxErrno(value))
        }
    }

    /// The positive value, as Linux/ppc64 puts it in r3 with CR0.SO set.
    pub const fn get(self) -> u16 {
        self.0
    }

    /// The value as the generic Linux convention returns it in the result register: `-errno`.
    pub const fn as_negative_return(self) -> u64 {
        0u64.wrapping_sub(self.0 as u64)
    }

    /// Decodes a register value in the generic `-errno` convention (`-4095..=-1`), as libc does.
    pub const fn from_negative_return(value: u64) -> Option<LinuxErrno> {
        let v = value as i64;
        if v < 0 && v >= -4095 {
            Self::new(v.unsigned_abs() as u16)
        } else {
            None
        }
    }

    /// The symbolic name (`"EFAULT"`), or `None` for a value without a generic name.
    pub fn name(self) -> Option<&'static str> {
        LINUX_ERRNOS.iter().find(|(_, v)| *v == self.0).map(|(n, _)| *n)
    }
}

impl fmt::Debug for LinuxErrno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n}({})", self.0),
            None => write!(f, "LinuxErrno({})", self.0),
        }
    }
}

impl fmt::Display for LinuxErrno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// FreeBSD errno values (`sys/sys/errno.h`) the translation table needs.
#[allow(missing_docs)]
impl FreeBsdErrno {
    pub const ERESTART: FreeBsdErrno = FreeBsdErrno(-1);
    pub const EJUSTRETURN: FreeBsdErrno = FreeBsdErrno(-2);
    pub const EPERM: FreeBsdErrno = FreeBsdErrno(1);
    pub const ENOENT: FreeBsdErrno = FreeBsdErrno(2);
    pub const E2BIG: FreeBsdErrno = FreeBsdErrno(7);
    pub const ENOEXEC: FreeBsdErrno = FreeBsdErrno(8);
    pub const ENOMEM: FreeBsdErrno = FreeBsdErrno(12);
    pub const EFAULT: FreeBsdErrno = FreeBsdErrno(14);
    pub const EINVAL: FreeBsdErrno = FreeBsdErrno(22);
    pub const EAGAIN: FreeBsdErrno = FreeBsdErrno(35);
    pub const ENOSYS: FreeBsdErrno = FreeBsdErrno(78);
    /// The largest FreeBSD errno (`EINTEGRITY`).
    pub const ELAST: i32 = 97;
}

/// FreeBSD errno `i` (index) translated to Linux, as FreeBSD's `linux_errtbl` does (values with no Linux
/// twin get the closest Linux meaning). Index 0 is unused.
const FREEBSD_TO_LINUX: [u16; 98] = [
    0, // 0
    1, 2, 3, 4, 5, 6, 7, 8, 9, // EPERM..EBADF: same numbers
    10, 35, 12, 13, 14, 15, 16, 17, 18, 19, // ECHILD, EDEADLK(11)->35, ENOMEM..ENODEV
    20, 21, 22, 23, 24, 25, 26, 27, 28, 29, // ENOTDIR..ESPIPE
    30, 31, 32, 33, 34,  // EROFS..ERANGE
    11,  // 35 EAGAIN
    115, // 36 EINPROGRESS
    114, // 37 EALREADY
    88,  // 38 ENOTSOCK
    89,  // 39 EDESTADDRREQ
    90,  // 40 EMSGSIZE
    91,  // 41 EPROTOTYPE
    92,  // 42 ENOPROTOOPT
    93,  // 43 EPROTONOSUPPORT
    94,  // 44 ESOCKTNOSUPPORT
    95,  // 45 EOPNOTSUPP
    96,  // 46 EPFNOSUPPORT
    97,  // 47 EAFNOSUPPORT
    98,  // 48 EADDRINUSE
    99,  // 49 EADDRNOTAVAIL
    100, // 50 ENETDOWN
    101, // 51 ENETUNREACH
    102, // 52 ENETRESET
    103, // 53 ECONNABORTED
    104, // 54 ECONNRESET
    105, // 55 ENOBUFS
    106, // 56 EISCONN
    107, // 57 ENOTCONN
    108, // 58 ESHUTDOWN
    109, // 59 ETOOMANYREFS
    110, // 60 ETIMEDOUT
    111, // 61 ECONNREFUSED
    40,  // 62 ELOOP
    36,  // 63 ENAMETOOLONG
    112, // 64 EHOSTDOWN
    113, // 65 EHOSTUNREACH
    39,  // 66 ENOTEMPTY
    11,  // 67 EPROCLIM -> EAGAIN
    87,  // 68 EUSERS
    122, // 69 EDQUOT
    116, // 70 ESTALE
    66,  // 71 EREMOTE
    6,   // 72 EBADRPC -> ENXIO
    6,   // 73 ERPCMISMATCH -> ENXIO
    6,   // 74 EPROGUNAVAIL -> ENXIO
    6,   // 75 EPROGMISMATCH -> ENXIO
    6,   // 76 EPROCUNAVAIL -> ENXIO
    37,  // 77 ENOLCK
    38,  // 78 ENOSYS
    9,   // 79 EFTYPE -> EBADF
    6,   // 80 EAUTH -> ENXIO
    6,   // 81 ENEEDAUTH -> ENXIO
    43,  // 82 EIDRM
    42,  // 83 ENOMSG
    75,  // 84 EOVERFLOW
    125, // 85 ECANCELED
    84,  // 86 EILSEQ
    61,  // 87 ENOATTR -> ENODATA
    22,  // 88 EDOOFUS -> EINVAL
    74,  // 89 EBADMSG
    72,  // 90 EMULTIHOP
    67,  // 91 ENOLINK
    71,  // 92 EPROTO
    1,   // 93 ENOTCAPABLE -> EPERM
    1,   // 94 ECAPMODE -> EPERM
    131, // 95 ENOTRECOVERABLE
    130, // 96 EOWNERDEAD
    22,  // 97 EINTEGRITY -> EINVAL
];

/// What a FreeBSD syscall status means for the Linux return path.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FreeBsdStatus {
    /// `0`: success.
    Success,
    /// `ERESTART`: re-execute the system call instruction.
    Restart,
    /// `EJUSTRETURN`: the handler set every register itself (sigreturn, exec); touch nothing.
    JustReturn,
    /// A real error, already in Linux terms.
    Error(LinuxErrno),
}

impl FreeBsdErrno {
    /// Translates a FreeBSD syscall status into Linux terms. This is the only FreeBSD-to-Linux errno
    /// conversion in the project. A value outside FreeBSD's range (a bug elsewhere in the kernel) becomes
    /// `EINVAL` rather than garbage in the user's errno.
    // Inlined across crates into the kernel entry points (the kernel build has no LTO): on every
    // system call; see BENCHMARKS.md, goal 1.
    #[inline]
    pub fn to_linux(self) -> FreeBsdStatus {
        match self.0 {
            0 => FreeBsdStatus::Success,
            -1 => FreeBsdStatus::Restart,
            -2 => FreeBsdStatus::JustReturn,
            e if e > 0 && e <= Self::ELAST => {
                // The index is in 1..=97, within the 98-entry table.
                let v = FREEBSD_TO_LINUX.get(e as usize).copied().unwrap_or(LinuxErrno::EINVAL.0);
                FreeBsdStatus::Error(LinuxErrno(v))
            }
            _ => FreeBsdStatus::Error(LinuxErrno::EINVAL),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_freebsd_errno_maps_to_a_valid_linux_errno() {
        for e in 1..=FreeBsdErrno::ELAST {
            match FreeBsdErrno(e).to_linux() {
                FreeBsdStatus::Error(l) => assert!(l.name().is_some(), "FreeBSD {e} -> {l:?} has no name"),
                other => panic!("FreeBSD {e} -> {other:?}"),
            }
        }
    }

    #[test]
    fn pseudo_errnos_and_out_of_range_values() {
        assert_eq!(FreeBsdErrno(0).to_linux(), FreeBsdStatus::Success);
        assert_eq!(FreeBsdErrno::ERESTART.to_linux(), FreeBsdStatus::Restart);
        assert_eq!(FreeBsdErrno::EJUSTRETURN.to_linux(), FreeBsdStatus::JustReturn);
        // Unknown values (ENOIOCTL -3, beyond ELAST) never reach the user as garbage.
        assert_eq!(FreeBsdErrno(-3).to_linux(), FreeBsdStatus::Error(LinuxErrno::EINVAL));
        assert_eq!(FreeBsdErrno(98).to_linux(), FreeBsdStatus::Error(LinuxErrno::EINVAL));
        assert_eq!(FreeBsdErrno(i32::MAX).to_linux(), FreeBsdStatus::Error(LinuxErrno::EINVAL));
        assert_eq!(FreeBsdErrno(i32::MIN).to_linux(), FreeBsdStatus::Error(LinuxErrno::EINVAL));
    }

    #[test]
    fn numbers_that_differ_between_the_systems_are_translated() {
        let linux = |e| match FreeBsdErrno(e).to_linux() {
            FreeBsdStatus::Error(l) => l,
            other => panic!("{other:?}"),
        };
        assert_eq!(linux(35), LinuxErrno::EAGAIN); // FreeBSD EAGAIN
        assert_eq!(linux(11), LinuxErrno::EDEADLK); // FreeBSD EDEADLK
        assert_eq!(linux(78), LinuxErrno::ENOSYS);
        assert_eq!(linux(62), LinuxErrno::ELOOP);
        assert_eq!(linux(87), LinuxErrno::ENODATA); // ENOATTR
        assert_eq!(linux(14), LinuxErrno::EFAULT);
    }

    #[test]
    fn names_are_unique_and_values_in_range() {
        for (i, (n, v)) in LINUX_ERRNOS.iter().enumerate() {
            assert!(*v >= 1 && *v <= LinuxErrno::LAST);
            assert!(LINUX_ERRNOS[i + 1..].iter().all(|(n2, v2)| n2 != n && v2 != v), "{n}");
        }
        assert_eq!(LinuxErrno::new(0), None);
        assert_eq!(LinuxErrno::new(134), None);
        assert_eq!(LinuxErrno::new(14), Some(LinuxErrno::EFAULT));
    }

    #[test]
    fn negative_return_convention_round_trips() {
        for (_, v) in LINUX_ERRNOS {
            let e = LinuxErrno::new(*v).unwrap();
            assert_eq!(LinuxErrno::from_negative_return(e.as_negative_return()), Some(e));
        }
        assert_eq!(LinuxErrno::from_negative_return(0), None);
        assert_eq!(LinuxErrno::from_negative_return((-4096i64) as u64), None);
        assert_eq!(LinuxErrno::from_negative_return(u64::MAX), Some(LinuxErrno::EPERM));
    }
}
