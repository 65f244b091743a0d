//! Linux/powerpc flag values that differ from the generic ones of [`linux_core::consts`], as data,
//! and their translation to the generic values the machine-independent code uses:
//!
//! - `O_*` (`asm/fcntl.h`): `O_DIRECTORY`, `O_NOFOLLOW`, `O_LARGEFILE` and `O_DIRECT` move;
//! - `MAP_*`, `PROT_*`, `MCL_*`, `PKEY_*` (`asm/mman.h`): `MAP_NORESERVE` and `MAP_LOCKED` move,
//!   `MCL_*` are different bits, `PROT_SAO` and `PKEY_DISABLE_EXECUTE` exist only here;
//! - `SO_*` (`asm/socket.h`): `SO_RCVLOWAT` ... `SO_PEERCRED` (16 ..= 21) are permuted.
//!
//! The errno that differs (`EDEADLOCK`) is in [`crate::abi`].

use linux_core::consts::{self as g, FieldMap, FlagMap, Translated, ValueMap};
use linux_core::{name_pairs, named_consts};

named_consts! {
    /// Open and file-status flags (`asm/fcntl.h` over `asm-generic/fcntl.h`).
    O_FLAGS: u32 {
        O_ACCMODE = 0o3, O_RDONLY = 0o0, O_WRONLY = 0o1, O_RDWR = 0o2,
        O_CREAT = 0o100, O_EXCL = 0o200, O_NOCTTY = 0o400, O_TRUNC = 0o1000, O_APPEND = 0o2000,
        O_NONBLOCK = 0o4000, O_DSYNC = 0o10000, FASYNC = 0o20000, O_DIRECTORY = 0o40000,
        O_NOFOLLOW = 0o100000, O_LARGEFILE = 0o200000, O_DIRECT = 0o400000, O_NOATIME = 0o1000000,
        O_CLOEXEC = 0o2000000, __O_SYNC = 0o4000000, O_SYNC = __O_SYNC | O_DSYNC, O_PATH = 0o10000000,
        __O_TMPFILE = 0o20000000, O_TMPFILE = __O_TMPFILE | O_DIRECTORY,
        O_TMPFILE_MASK = __O_TMPFILE | O_DIRECTORY | O_CREAT, O_NDELAY = O_NONBLOCK,
    }
}

named_consts! {
    /// `mmap` flags (`asm/mman.h`, `asm-generic/mman-common.h`, `linux/mman.h`).
    MAP_FLAGS: u32 {
        MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_SHARED_VALIDATE = 0x03, MAP_TYPE = 0x0f,
        MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_RENAME = MAP_ANONYMOUS, MAP_NORESERVE = 0x40,
        MAP_LOCKED = 0x80, MAP_GROWSDOWN = 0x0100, MAP_DENYWRITE = 0x0800, MAP_EXECUTABLE = 0x1000,
        MAP_POPULATE = 0x008000, MAP_NONBLOCK = 0x010000, MAP_STACK = 0x020000, MAP_HUGETLB = 0x040000,
        MAP_SYNC = 0x080000, MAP_FIXED_NOREPLACE = 0x100000, MAP_UNINITIALIZED = 0x4000000, MAP_FILE = 0,
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
    /// `mmap`/`mprotect` protections; `PROT_SAO` (strong access ordering) is powerpc's own.
    PROT_FLAGS: u32 {
        PROT_NONE = 0x0, PROT_READ = 0x1, PROT_WRITE = 0x2, PROT_EXEC = 0x4, PROT_SEM = 0x8,
        PROT_SAO = 0x10, PROT_GROWSDOWN = 0x01000000, PROT_GROWSUP = 0x02000000,
    }
}

named_consts! {
    /// `mlockall` flags.
    MCL_FLAGS: u32 { MCL_CURRENT = 0x2000, MCL_FUTURE = 0x4000, MCL_ONFAULT = 0x8000 }
}

named_consts! {
    /// `pkey_alloc` access rights; `PKEY_DISABLE_EXECUTE` is powerpc's own.
    PKEY_FLAGS: u32 {
        PKEY_DISABLE_ACCESS = 0x1, PKEY_DISABLE_WRITE = 0x2, PKEY_DISABLE_EXECUTE = 0x4,
        PKEY_ACCESS_MASK = PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE | PKEY_DISABLE_EXECUTE,
    }
}

named_consts! {
    /// `SOL_SOCKET` and its option names (`asm/socket.h` over `asm-generic/socket.h`, 64-bit), with
    /// the `SCM_*` control-message types.
    SOCKET_OPTIONS: i32 {
        SOL_SOCKET = 1,
        SO_DEBUG = 1, SO_REUSEADDR = 2, SO_TYPE = 3, SO_ERROR = 4, SO_DONTROUTE = 5, SO_BROADCAST = 6,
        SO_SNDBUF = 7, SO_RCVBUF = 8, SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33, SO_KEEPALIVE = 9,
        SO_OOBINLINE = 10, SO_NO_CHECK = 11, SO_PRIORITY = 12, SO_LINGER = 13, SO_BSDCOMPAT = 14,
        SO_REUSEPORT = 15, SO_RCVLOWAT = 16, SO_SNDLOWAT = 17, SO_RCVTIMEO_OLD = 18, SO_SNDTIMEO_OLD = 19,
        SO_PASSCRED = 20, SO_PEERCRED = 21, SO_SECURITY_AUTHENTICATION = 22,
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

/// Open and file-status flags: every single bit by name (`O_ACCMODE`'s two bits included).
pub const O_FLAG_MAP: FlagMap = FlagMap {
    same: 0,
    bits: name_pairs!(g; O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC, O_APPEND, O_NONBLOCK, O_DSYNC,
        FASYNC, O_DIRECT, O_LARGEFILE, O_DIRECTORY, O_NOFOLLOW, O_NOATIME, O_CLOEXEC, __O_SYNC, O_PATH,
        __O_TMPFILE),
    fields: &[],
};

/// `mmap` flags: `MAP_TYPE` by value, the `MAP_HUGE_*` size field (which `MAP_UNINITIALIZED`
/// shares) in place, the other bits by name.
pub const MAP_FLAG_MAP: FlagMap = FlagMap {
    same: MAP_HUGE_MASK << MAP_HUGE_SHIFT,
    bits: name_pairs!(g; MAP_FIXED, MAP_ANONYMOUS, MAP_NORESERVE, MAP_LOCKED, MAP_GROWSDOWN, MAP_DENYWRITE,
        MAP_EXECUTABLE, MAP_POPULATE, MAP_NONBLOCK, MAP_STACK, MAP_HUGETLB, MAP_SYNC, MAP_FIXED_NOREPLACE),
    fields: &[FieldMap {
        name: "MAP_TYPE",
        arch_mask: MAP_TYPE,
        generic_mask: g::MAP_TYPE,
        shift: 0,
        values: name_pairs!(g; MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE),
    }],
};

/// Protections; `PROT_SAO` has no generic counterpart (reported as unknown).
pub const PROT_FLAG_MAP: FlagMap = FlagMap {
    same: 0,
    bits: name_pairs!(g; PROT_READ, PROT_WRITE, PROT_EXEC, PROT_SEM, PROT_GROWSDOWN, PROT_GROWSUP),
    fields: &[],
};

/// `mlockall` flags.
pub const MCL_FLAG_MAP: FlagMap =
    FlagMap { same: 0, bits: name_pairs!(g; MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT), fields: &[] };

/// `pkey_alloc` rights; `PKEY_DISABLE_EXECUTE` has no generic counterpart (reported as unknown).
pub const PKEY_FLAG_MAP: FlagMap =
    FlagMap { same: 0, bits: name_pairs!(g; PKEY_DISABLE_ACCESS, PKEY_DISABLE_WRITE), fields: &[] };

/// The `SOL_SOCKET` option names whose numbers differ (a permutation of 16 ..= 21).
pub const SO_MAP: ValueMap<i32> = ValueMap {
    entries: name_pairs!(g; SO_RCVLOWAT, SO_SNDLOWAT, SO_RCVTIMEO_OLD, SO_SNDTIMEO_OLD, SO_PASSCRED,
        SO_PEERCRED),
};

/// `open`/`fcntl(F_SETFL)` flags to generic. Linux ignores unknown open flags (`openat2` refuses them).
pub fn open_flags_to_generic(flags: u32) -> Translated {
    O_FLAG_MAP.to_generic(flags)
}

/// Generic file-status flags to powerpc (`fcntl(F_GETFL)`).
pub fn open_flags_from_generic(flags: u32) -> Translated {
    O_FLAG_MAP.from_generic(flags)
}

/// `mmap` flags to generic. An unlisted `MAP_TYPE` value is reported as unknown (Linux: `EINVAL`).
pub fn mmap_flags_to_generic(flags: u32) -> Translated {
    MAP_FLAG_MAP.to_generic(flags)
}

/// `mmap`/`mprotect` protections to generic.
pub fn prot_to_generic(prot: u32) -> Translated {
    PROT_FLAG_MAP.to_generic(prot)
}

/// `mlockall` flags to generic.
pub fn mlockall_flags_to_generic(flags: u32) -> Translated {
    MCL_FLAG_MAP.to_generic(flags)
}

/// `pkey_alloc` access rights to generic.
pub fn pkey_rights_to_generic(rights: u32) -> Translated {
    PKEY_FLAG_MAP.to_generic(rights)
}

/// A `SOL_SOCKET` option name to generic (only meaningful at level `SOL_SOCKET`).
pub fn sockopt_to_generic(optname: i32) -> i32 {
    SO_MAP.to_generic(optname)
}

/// A generic `SOL_SOCKET` option name to powerpc.
pub fn sockopt_from_generic(optname: i32) -> i32 {
    SO_MAP.from_generic(optname)
}

/// A table of named values.
#[cfg(test)]
type Table = &'static [(&'static str, u32)];

/// Each table with its translation and generic table, for the tests.
#[cfg(test)]
const FLAG_TABLES: [(Table, &FlagMap, Table); 5] = [
    (O_FLAGS, &O_FLAG_MAP, g::O_FLAGS),
    (MAP_FLAGS, &MAP_FLAG_MAP, g::MAP_FLAGS),
    (PROT_FLAGS, &PROT_FLAG_MAP, g::PROT_FLAGS),
    (MCL_FLAGS, &MCL_FLAG_MAP, g::MCL_FLAGS),
    (PKEY_FLAGS, &PKEY_FLAG_MAP, g::PKEY_FLAGS),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<T: Copy>(table: &[(&str, T)], name: &str) -> Option<T> {
        table.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
    }

    /// Names that are not flag values: masks, shifts.
    const NOT_FLAGS: [&str; 3] = ["MAP_TYPE", "MAP_HUGE_SHIFT", "MAP_HUGE_MASK"];

    #[test]
    fn maps_agree_with_the_tables() {
        for (ppc, map, generic) in FLAG_TABLES {
            let (mut a_used, mut g_used) = (map.same, map.same);
            for &(name, a, gv) in map.bits {
                assert_eq!(lookup(ppc, name), Some(a), "{name}");
                assert_eq!(lookup(generic, name), Some(gv), "{name}");
                assert!(a.is_power_of_two() && gv.is_power_of_two(), "{name}");
                assert_eq!(a_used & a, 0, "{name}");
                assert_eq!(g_used & gv, 0, "{name}");
                a_used |= a;
                g_used |= gv;
            }
            for f in map.fields {
                assert_eq!(a_used & f.arch_mask, 0, "{}", f.name);
                assert_eq!(g_used & f.generic_mask, 0, "{}", f.name);
                for &(name, a, gv) in f.values {
                    assert_eq!((lookup(ppc, name), lookup(generic, name)), (Some(a), Some(gv)), "{name}");
                }
            }
        }
    }

    /// Every flag name of both headers translates to the generic value of the same name, and back
    /// (except `PKEY_ACCESS_MASK`, which includes powerpc's own `PKEY_DISABLE_EXECUTE`).
    #[test]
    fn every_shared_name_translates_to_its_generic_value() {
        for (ppc, map, generic) in FLAG_TABLES {
            for &(name, a) in ppc {
                let Some(gv) = lookup(generic, name) else { continue };
                if NOT_FLAGS.contains(&name) {
                    continue;
                }
                assert_eq!(map.to_generic(a).value, gv, "{name}");
                if name != "PKEY_ACCESS_MASK" {
                    assert_eq!(map.from_generic(gv), Translated { value: a, unknown: 0 }, "{name}");
                }
            }
        }
    }

    #[test]
    fn powerpc_only_values() {
        assert_eq!(
            prot_to_generic(PROT_READ | PROT_SAO),
            Translated { value: g::PROT_READ, unknown: PROT_SAO }
        );
        assert_eq!(pkey_rights_to_generic(PKEY_ACCESS_MASK).unknown, PKEY_DISABLE_EXECUTE);
        assert_eq!(mmap_flags_to_generic(MAP_RENAME | MAP_PRIVATE).exact(), Some(0x22));
        assert_eq!(mmap_flags_to_generic(0x5).unknown, 0x5, "MAP_TYPE 5 does not exist");
        assert_eq!(mmap_flags_to_generic(0).unknown, 0, "MAP_TYPE 0 has no bits to report");
        assert_eq!(mlockall_flags_to_generic(0x1).unknown, 0x1);
    }

    #[test]
    fn known_translations() {
        let o = O_RDWR | O_CREAT | O_DIRECTORY | O_NOFOLLOW | O_LARGEFILE | O_DIRECT | O_CLOEXEC;
        let generic = 0o2 | 0o100 | 0o200000 | 0o400000 | 0o100000 | 0o40000 | 0o2000000;
        assert_eq!(open_flags_to_generic(o).exact(), Some(generic));
        assert_eq!(open_flags_to_generic(O_TMPFILE | O_RDWR).exact(), Some(g::O_TMPFILE | g::O_RDWR));
        assert_eq!(open_flags_from_generic(g::O_LARGEFILE | g::O_ACCMODE).exact(), Some(0x10003));
        let m = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_LOCKED | MAP_HUGETLB | MAP_HUGE_2MB;
        assert_eq!(
            mmap_flags_to_generic(m).exact(),
            Some(0x2 | 0x20 | 0x4000 | 0x2000 | 0x40000 | (21 << 26))
        );
        assert_eq!(mlockall_flags_to_generic(MCL_CURRENT | MCL_FUTURE).exact(), Some(3));
        assert_eq!(sockopt_to_generic(SO_PEERCRED), 17);
        assert_eq!(sockopt_to_generic(SO_RCVTIMEO), 20);
        assert_eq!(sockopt_to_generic(SO_REUSEADDR), 2);
        assert_eq!(sockopt_from_generic(g::SO_PASSCRED), 20);
    }

    /// `SO_MAP` lists exactly the names whose numbers differ, and they form a permutation.
    #[test]
    fn so_map_is_the_differing_permutation() {
        let mut differing: std::vec::Vec<&str> = SOCKET_OPTIONS
            .iter()
            .filter(|(n, v)| !n.ends_with("TIMEO") && lookup(g::SOCKET_OPTIONS, n) != Some(*v))
            .map(|(n, _)| *n)
            .collect();
        let mut listed: std::vec::Vec<&str> = SO_MAP.entries.iter().map(|e| e.0).collect();
        differing.sort_unstable();
        listed.sort_unstable();
        assert_eq!(listed, differing);
        let mut a: std::vec::Vec<i32> = SO_MAP.entries.iter().map(|e| e.1).collect();
        let mut b: std::vec::Vec<i32> = SO_MAP.entries.iter().map(|e| e.2).collect();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
        for &(name, v) in SOCKET_OPTIONS {
            if name != "SOL_SOCKET" {
                assert_eq!(Some(sockopt_to_generic(v)), lookup(g::SOCKET_OPTIONS, name), "{name}");
            }
        }
    }

    /// Every `PPC64`/generic name pair in each table set is the same set of names, powerpc extras aside.
    #[test]
    fn same_names_as_generic() {
        let extras = ["MAP_RENAME", "PROT_SAO", "PKEY_DISABLE_EXECUTE"];
        for (ppc, _, generic) in FLAG_TABLES {
            for (n, _) in ppc {
                assert!(extras.contains(n) || lookup(generic, n).is_some(), "{n}");
            }
            for (n, _) in generic {
                assert!(lookup(ppc, n).is_some(), "{n}");
            }
        }
        for (n, _) in g::SOCKET_OPTIONS {
            assert!(lookup(SOCKET_OPTIONS, n).is_some(), "{n}");
        }
        assert_eq!(SOCKET_OPTIONS.len(), g::SOCKET_OPTIONS.len());
    }
}
