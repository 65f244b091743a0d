//! Linux/arm64 flag values that differ from the generic ones of [`linux_core::consts`], as data, and
//! their translation to the generic values the machine-independent code uses.
//!
//! arm64 takes `asm-generic` for everything but four `O_*` flags: its `asm/fcntl.h` keeps arm32's
//! `O_DIRECTORY`, `O_NOFOLLOW`, `O_DIRECT` and `O_LARGEFILE` (the conformance tests check every value
//! against the arm64 headers).

use linux_core::consts::{self as g, FlagMap, Translated};
use linux_core::{name_pairs, named_consts};

named_consts! {
    /// Open and file-status flags (`asm/fcntl.h` over `asm-generic/fcntl.h`).
    O_FLAGS: u32 {
        O_ACCMODE = 0o3, O_RDONLY = 0o0, O_WRONLY = 0o1, O_RDWR = 0o2,
        O_CREAT = 0o100, O_EXCL = 0o200, O_NOCTTY = 0o400, O_TRUNC = 0o1000, O_APPEND = 0o2000,
        O_NONBLOCK = 0o4000, O_DSYNC = 0o10000, FASYNC = 0o20000, O_DIRECTORY = 0o40000,
        O_NOFOLLOW = 0o100000, O_DIRECT = 0o200000, O_LARGEFILE = 0o400000, O_NOATIME = 0o1000000,
        O_CLOEXEC = 0o2000000, __O_SYNC = 0o4000000, O_SYNC = __O_SYNC | O_DSYNC, O_PATH = 0o10000000,
        __O_TMPFILE = 0o20000000, O_TMPFILE = __O_TMPFILE | O_DIRECTORY,
        O_TMPFILE_MASK = __O_TMPFILE | O_DIRECTORY | O_CREAT, O_NDELAY = O_NONBLOCK,
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

/// `open`/`fcntl(F_SETFL)` flags to generic. Linux ignores unknown open flags (`openat2` refuses them).
pub fn open_flags_to_generic(flags: u32) -> Translated {
    O_FLAG_MAP.to_generic(flags)
}

/// Generic file-status flags to arm64 (`fcntl(F_GETFL)`).
pub fn open_flags_from_generic(flags: u32) -> Translated {
    O_FLAG_MAP.from_generic(flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_arm32_flags_move_and_nothing_else() {
        let moved = [
            (O_DIRECTORY, g::O_DIRECTORY),
            (O_NOFOLLOW, g::O_NOFOLLOW),
            (O_DIRECT, g::O_DIRECT),
            (O_LARGEFILE, g::O_LARGEFILE),
        ];
        for (arm, generic) in moved {
            assert_ne!(arm, generic);
            assert_eq!(open_flags_to_generic(arm), Translated { value: generic, unknown: 0 });
            assert_eq!(open_flags_from_generic(generic), Translated { value: arm, unknown: 0 });
        }
        let plain = O_RDWR | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_NONBLOCK | O_CLOEXEC | O_PATH;
        assert_eq!(open_flags_to_generic(plain).value, plain, "the generic bits are the same numbers");
        let all = O_FLAGS.iter().fold(0, |m, (_, v)| m | v);
        assert_eq!(open_flags_from_generic(open_flags_to_generic(all).value).value, all, "round trip");
    }
}
