//! Generic Linux flag values (`asm-generic/fcntl.h`, `asm-generic/mman*.h`, `linux/mman.h`,
//! `asm-generic/socket.h`) as data, and the data types an architecture uses to translate its own
//! values to these: [`FlagMap`] for flag words (bits and multi-bit fields), [`ValueMap`] for
//! enumerations. The machine-independent code only ever sees the generic values.
//!
//! Every table is compared by name with Linux's headers by the conformance tests (`tests/`); arm64
//! uses `asm-generic` for all of these except four `O_*` flags (see [`O_FLAGS`]).

/// Defines one `pub const` per `NAME = value` and a table `TABLE: &[(&str, T)]` of them by name.
///
/// ```
/// linux_core::named_consts! {
///     /// Two values.
///     EXAMPLE: u32 { FOO = 1, BAR = FOO << 1 }
/// }
/// assert_eq!(EXAMPLE, &[("FOO", 1), ("BAR", 2)]);
/// ```
#[macro_export]
macro_rules! named_consts {
    ($(#[$m:meta])* $table:ident: $ty:ty { $($name:ident = $val:expr),* $(,)? }) => {
        $(
            #[doc = concat!("`", stringify!($name), "`.")]
            #[allow(non_upper_case_globals)]
            pub const $name: $ty = $val;
        )*
        $(#[$m])*
        pub const $table: &[(&str, $ty)] = &[$((stringify!($name), $name)),*];
    };
}

/// `[(NAME, NAME, g::NAME), ...]`: the [`Pair`]s of names that exist on both sides, the
/// architecture's constant in scope and the generic one in module `g`.
#[macro_export]
macro_rules! name_pairs {
    ($g:ident; $($name:ident),* $(,)?) => {
        &[$((stringify!($name), $name, $g::$name)),*]
    };
}

/// One Linux name with its value on an architecture and its generic value: `(name, arch, generic)`.
pub type Pair<T> = (&'static str, T, T);

/// A flag word translated to the other side, and the input bits that have no counterpart there.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Translated {
    /// The translated flags (bits without a counterpart dropped).
    pub value: u32,
    /// Bits of the input with no counterpart: unknown bits, or a field value with no translation.
    pub unknown: u32,
}

impl Translated {
    /// The translated value if every input bit had a counterpart.
    pub fn exact(self) -> Option<u32> {
        if self.unknown == 0 {
            Some(self.value)
        } else {
            None
        }
    }
}

/// A multi-bit field of a flag word (`CBAUD`, `CSIZE`, `TABDLY`, `MAP_TYPE` ...), translated by value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FieldMap {
    /// The field's name (`"CSIZE"`).
    pub name: &'static str,
    /// The field's mask on the architecture.
    pub arch_mask: u32,
    /// The field's mask in the generic values.
    pub generic_mask: u32,
    /// How far [`FieldMap::values`] are shifted within both masks (`IBSHIFT` for `CIBAUD`, else 0).
    pub shift: u32,
    /// `(name, arch value, generic value)`, unshifted. Either direction takes the first match, so a
    /// lossy entry (powerpc `NL2` -> generic `NL1`) goes after the exact one.
    pub values: &'static [Pair<u32>],
}

impl FieldMap {
    fn mask(&self, to_generic: bool) -> (u32, u32) {
        if to_generic {
            (self.arch_mask, self.generic_mask)
        } else {
            (self.generic_mask, self.arch_mask)
        }
    }

    /// The translation of the field's bits of `flags` (already placed under the output mask), or
    /// `None` when the value is not listed.
    fn translate(&self, flags: u32, to_generic: bool) -> Option<u32> {
        let (from_mask, to_mask) = self.mask(to_generic);
        let value = (flags & from_mask).checked_shr(self.shift).unwrap_or(0);
        self.values
            .iter()
            .find(|&&(_, a, g)| if to_generic { a == value } else { g == value })
            .map(|&(_, a, g)| if to_generic { g } else { a })
            .map(|v| v.checked_shl(self.shift).unwrap_or(0) & to_mask)
    }
}

/// How one Linux flag word differs between an architecture and the generic values: bits that keep
/// their position, single bits that move, and multi-bit fields translated by value. Bits of neither
/// kind have no counterpart: they are dropped and reported in [`Translated::unknown`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FlagMap {
    /// Bits with the same meaning at the same position on both sides (fields like `MAP_HUGE_*`).
    pub same: u32,
    /// Single bits, by name: `(name, arch bit, generic bit)`.
    pub bits: &'static [Pair<u32>],
    /// Multi-bit fields.
    pub fields: &'static [FieldMap],
}

impl FlagMap {
    /// Translates architecture flags to the generic values.
    pub fn to_generic(&self, flags: u32) -> Translated {
        self.translate(flags, true)
    }

    /// Translates generic flags to the architecture's values.
    pub fn from_generic(&self, flags: u32) -> Translated {
        self.translate(flags, false)
    }

    /// Every bit the architecture side gives a meaning to (`same`, bits and field masks).
    pub fn arch_known(&self) -> u32 {
        self.known(true)
    }

    /// Every bit the generic side gives a meaning to.
    pub fn generic_known(&self) -> u32 {
        self.known(false)
    }

    fn known(&self, arch: bool) -> u32 {
        let bits = self.bits.iter().fold(0, |m, &(_, a, g)| m | if arch { a } else { g });
        let fields = self.fields.iter().fold(0, |m, f| m | if arch { f.arch_mask } else { f.generic_mask });
        self.same | bits | fields
    }

    fn translate(&self, flags: u32, to_generic: bool) -> Translated {
        let mut value = flags & self.same;
        let mut unknown = flags & !self.known(to_generic);
        for &(_, a, g) in self.bits {
            let (from, to) = if to_generic { (a, g) } else { (g, a) };
            if flags & from != 0 {
                value |= to;
            }
        }
        for field in self.fields {
            match field.translate(flags, to_generic) {
                Some(v) => value |= v,
                None => unknown |= flags & field.mask(to_generic).0,
            }
        }
        Translated { value, unknown }
    }
}

/// An enumeration (socket option names) whose values partly differ: the listed values are swapped,
/// every other value means the same on both sides. The listed architecture values and generic values
/// must be the same set (a permutation), which the tests check.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ValueMap<T: 'static> {
    /// `(name, arch value, generic value)` of the values that differ.
    pub entries: &'static [Pair<T>],
}

impl<T: Copy + PartialEq> ValueMap<T> {
    /// The generic value of an architecture value.
    pub fn to_generic(&self, value: T) -> T {
        self.entries.iter().find(|e| e.1 == value).map_or(value, |e| e.2)
    }

    /// The architecture value of a generic value.
    pub fn from_generic(&self, value: T) -> T {
        self.entries.iter().find(|e| e.2 == value).map_or(value, |e| e.1)
    }
}

named_consts! {
    /// Open and file-status flags (`asm-generic/fcntl.h`), with the composites `O_SYNC`, `O_TMPFILE`,
    /// `O_TMPFILE_MASK` and the aliases `O_NDELAY`, `FASYNC` (`O_ASYNC`). arm64 overrides `O_DIRECTORY`,
    /// `O_NOFOLLOW`, `O_DIRECT` and `O_LARGEFILE` (and so `O_TMPFILE*`) with the arm32 values.
    O_FLAGS: u32 {
        O_ACCMODE = 0o3, O_RDONLY = 0o0, O_WRONLY = 0o1, O_RDWR = 0o2,
        O_CREAT = 0o100, O_EXCL = 0o200, O_NOCTTY = 0o400, O_TRUNC = 0o1000, O_APPEND = 0o2000,
        O_NONBLOCK = 0o4000, O_DSYNC = 0o10000, FASYNC = 0o20000, O_DIRECT = 0o40000,
        O_LARGEFILE = 0o100000, O_DIRECTORY = 0o200000, O_NOFOLLOW = 0o400000, O_NOATIME = 0o1000000,
        O_CLOEXEC = 0o2000000, __O_SYNC = 0o4000000, O_SYNC = __O_SYNC | O_DSYNC, O_PATH = 0o10000000,
        __O_TMPFILE = 0o20000000, O_TMPFILE = __O_TMPFILE | O_DIRECTORY,
        O_TMPFILE_MASK = __O_TMPFILE | O_DIRECTORY | O_CREAT, O_NDELAY = O_NONBLOCK,
    }
}

named_consts! {
    /// `mmap` flags (`linux/mman.h`, `asm-generic/mman-common.h`, `asm-generic/mman.h`).
    /// `MAP_UNINITIALIZED` shares bit 26 with the `MAP_HUGE_*` size field.
    MAP_FLAGS: u32 {
        MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_SHARED_VALIDATE = 0x03, MAP_TYPE = 0x0f,
        MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_GROWSDOWN = 0x0100, MAP_DENYWRITE = 0x0800,
        MAP_EXECUTABLE = 0x1000, MAP_LOCKED = 0x2000, MAP_NORESERVE = 0x4000, MAP_POPULATE = 0x008000,
        MAP_NONBLOCK = 0x010000, MAP_STACK = 0x020000, MAP_HUGETLB = 0x040000, MAP_SYNC = 0x080000,
        MAP_FIXED_NOREPLACE = 0x100000, MAP_UNINITIALIZED = 0x4000000, MAP_FILE = 0,
        MAP_HUGE_SHIFT = 26, MAP_HUGE_MASK = 0x3f,
        MAP_HUGE_16KB = 14 << MAP_HUGE_SHIFT, MAP_HUGE_64KB = 16 << MAP_HUGE_SHIFT,
        MAP_HUGE_512KB = 19 << MAP_HUGE_SHIFT, MAP_HUGE_1MB = 20 << MAP_HUGE_SHIFT,
        MAP_HUGE_2MB = 21 << MAP_HUGE_SHIFT, MAP_HUGE_8MB = 23 << MAP_HUGE_SHIFT,
        MAP_HUGE_16MB = 24 << MAP_HUGE_SHIFT, MAP_HUGE_32MB = 25 << MAP_HUGE_SHIFT,
        MAP_HUGE_256MB = 28 << MAP_HUGE_SHIFT, MAP_HUGE_512MB = 29 << MAP_HUGE_SHIFT,
        MAP_HUGE_1GB = 30 << MAP_HUGE_SHIFT, MAP_HUGE_2GB = 31 << MAP_HUGE_SHIFT,
        MAP_HUGE_16GB = 34 << MAP_HUGE_SHIFT,
    }
}

named_consts! {
    /// `mmap`/`mprotect` protections (`asm-generic/mman-common.h`).
    PROT_FLAGS: u32 {
        PROT_NONE = 0x0, PROT_READ = 0x1, PROT_WRITE = 0x2, PROT_EXEC = 0x4, PROT_SEM = 0x8,
        PROT_GROWSDOWN = 0x01000000, PROT_GROWSUP = 0x02000000,
    }
}

named_consts! {
    /// `mlockall` flags (`asm-generic/mman.h`).
    MCL_FLAGS: u32 { MCL_CURRENT = 1, MCL_FUTURE = 2, MCL_ONFAULT = 4 }
}

named_consts! {
    /// `pkey_alloc` access rights (`asm-generic/mman-common.h`).
    PKEY_FLAGS: u32 {
        PKEY_DISABLE_ACCESS = 0x1, PKEY_DISABLE_WRITE = 0x2,
        PKEY_ACCESS_MASK = PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE,
    }
}

named_consts! {
    /// `SOL_SOCKET` and its option names (`asm-generic/socket.h`, 64-bit: `SO_TIMESTAMP*` and
    /// `SO_RCVTIMEO`/`SO_SNDTIMEO` are the `_OLD` ones), with the `SCM_*` control-message types.
    SOCKET_OPTIONS: i32 {
        SOL_SOCKET = 1,
        SO_DEBUG = 1, SO_REUSEADDR = 2, SO_TYPE = 3, SO_ERROR = 4, SO_DONTROUTE = 5, SO_BROADCAST = 6,
        SO_SNDBUF = 7, SO_RCVBUF = 8, SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33, SO_KEEPALIVE = 9,
        SO_OOBINLINE = 10, SO_NO_CHECK = 11, SO_PRIORITY = 12, SO_LINGER = 13, SO_BSDCOMPAT = 14,
        SO_REUSEPORT = 15, SO_PASSCRED = 16, SO_PEERCRED = 17, SO_RCVLOWAT = 18, SO_SNDLOWAT = 19,
        SO_RCVTIMEO_OLD = 20, SO_SNDTIMEO_OLD = 21, SO_SECURITY_AUTHENTICATION = 22,
        SO_SECURITY_ENCRYPTION_TRANSPORT = 23, SO_SECURITY_ENCRYPTION_NETWORK = 24, SO_BINDTODEVICE = 25,
        SO_ATTACH_FILTER = 26, SO_DETACH_FILTER = 27, SO_GET_FILTER = SO_ATTACH_FILTER, SO_PEERNAME = 28,
        SO_ACCEPTCONN = 30, SO_PEERSEC = 31, SO_PASSSEC = 34, SO_MARK = 36, SO_PROTOCOL = 38,
        SO_DOMAIN = 39, SO_RXQ_OVFL = 40, SO_WIFI_STATUS = 41, SCM_WIFI_STATUS = SO_WIFI_STATUS,
        SO_PEEK_OFF = 42, SO_NOFCS = 43, SO_LOCK_FILTER = 44, SO_SELECT_ERR_QUEUE = 45,
        SO_BUSY_POLL = 46, SO_MAX_PACING_RATE = 47, SO_BPF_EXTENSIONS = 48, SO_INCOMING_CPU = 49,
        SO_ATTACH_BPF = 50, SO_DETACH_BPF = SO_DETACH_FILTER, SO_ATTACH_REUSEPORT_CBPF = 51,
        SO_ATTACH_REUSEPORT_EBPF = 52, SO_CNX_ADVICE = 53, SCM_TIMESTAMPING_OPT_STATS = 54,
        SO_MEMINFO = 55, SO_INCOMING_NAPI_ID = 56, SO_COOKIE = 57, SCM_TIMESTAMPING_PKTINFO = 58,
        SO_PEERGROUPS = 59, SO_ZEROCOPY = 60, SO_TXTIME = 61, SCM_TXTIME = SO_TXTIME,
        SO_BINDTOIFINDEX = 62, SO_TIMESTAMP_OLD = 29, SO_TIMESTAMPNS_OLD = 35, SO_TIMESTAMPING_OLD = 37,
        SO_TIMESTAMP_NEW = 63, SO_TIMESTAMPNS_NEW = 64, SO_TIMESTAMPING_NEW = 65, SO_RCVTIMEO_NEW = 66,
        SO_SNDTIMEO_NEW = 67, SO_DETACH_REUSEPORT_BPF = 68, SO_PREFER_BUSY_POLL = 69,
        SO_BUSY_POLL_BUDGET = 70, SO_NETNS_COOKIE = 71, SO_BUF_LOCK = 72, SO_RESERVE_MEM = 73,
        SO_TXREHASH = 74, SO_RCVMARK = 75,
        SO_TIMESTAMP = SO_TIMESTAMP_OLD, SO_TIMESTAMPNS = SO_TIMESTAMPNS_OLD,
        SO_TIMESTAMPING = SO_TIMESTAMPING_OLD, SO_RCVTIMEO = SO_RCVTIMEO_OLD, SO_SNDTIMEO = SO_SNDTIMEO_OLD,
        SCM_TIMESTAMP = SO_TIMESTAMP, SCM_TIMESTAMPNS = SO_TIMESTAMPNS, SCM_TIMESTAMPING = SO_TIMESTAMPING,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2-bit field at bits 4..6 on both sides; arch value 3 has no exact generic counterpart.
    const FIELD: FieldMap = FieldMap {
        name: "A",
        arch_mask: 0x30,
        generic_mask: 0x30,
        shift: 4,
        values: &[("A0", 0, 0), ("A1", 1, 2), ("A2", 2, 1), ("A3", 3, 1)],
    };
    const MAP: FlagMap =
        FlagMap { same: 0xf000_0000, bits: &[("X", 0x1, 0x100), ("Y", 0x2, 0x1)], fields: &[FIELD] };

    #[test]
    fn flag_map_translates_bits_fields_and_same() {
        assert_eq!(MAP.to_generic(0x1000_0011), Translated { value: 0x1000_0120, unknown: 0 });
        assert_eq!(MAP.to_generic(0x3), Translated { value: 0x101, unknown: 0 });
        assert_eq!(MAP.to_generic(0x8), Translated { value: 0, unknown: 0x8 });
        assert_eq!(MAP.from_generic(0x101), Translated { value: 0x3, unknown: 0 });
        assert_eq!(MAP.arch_known(), 0xf000_0033);
        assert_eq!(MAP.generic_known(), 0xf000_0131);
    }

    #[test]
    fn fields_first_match_and_unlisted_values() {
        assert_eq!(MAP.to_generic(0x30).value, 0x10, "A3 -> generic 1");
        assert_eq!(MAP.from_generic(0x10).value, 0x20, "generic 1 -> A2, the first match");
        let partial =
            FlagMap { same: 0, bits: &[], fields: &[FieldMap { values: &[("A0", 0, 0)], ..FIELD }] };
        assert_eq!(partial.to_generic(0x30), Translated { value: 0, unknown: 0x30 });
        assert_eq!(partial.to_generic(0x30).exact(), None);
        assert_eq!(partial.to_generic(0).exact(), Some(0));
    }

    #[test]
    fn value_map_swaps_listed_values_only() {
        const M: ValueMap<i32> = ValueMap { entries: &[("A", 1, 2), ("B", 2, 1)] };
        assert_eq!(M.to_generic(1), 2);
        assert_eq!(M.to_generic(2), 1);
        assert_eq!(M.to_generic(7), 7);
        assert_eq!(M.from_generic(2), 1);
    }

    #[test]
    fn composites() {
        assert_eq!(O_SYNC, 0x101000);
        assert_eq!(O_TMPFILE, 0x410000);
        // asm-generic values arm64 overrides (so the conformance tests cannot compare them); evaluated
        // by clang from asm-generic/fcntl.h.
        assert_eq!((O_DIRECT, O_DIRECTORY, O_LARGEFILE, O_NOFOLLOW), (0x4000, 0x10000, 0x8000, 0x20000));
        assert_eq!(O_TMPFILE_MASK, 0x410040);
        assert_eq!(MAP_HUGE_16GB, 0x8800_0000);
        assert_eq!(SO_RCVTIMEO, 20);
    }
}
