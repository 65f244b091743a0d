//! The ioctl, termios, fcntl, mman and socket tables of `arch-ppc64` against the ppc64 and ppc64le
//! headers, the generic tables of `linux-core` against arm64's (asm-generic) headers, and the
//! translation tables' names and values against both.

use abi_conformance::{constant, Conformance};
use arch_ppc64::{consts as ppc_consts, ioctl as ppc_ioctl, termios as ppc_termios};
use linux_core::consts::{self as g_consts, FlagMap, Pair};
use linux_core::{ioctl as g_ioctl, termios as g_termios};

const PPC: [&str; 2] = ["ppc64", "ppc64le"];
const GENERIC: &str = "arm64";

/// arm64's `asm/fcntl.h` overrides these `asm-generic/fcntl.h` values with the arm32 ones
/// (`O_TMPFILE*` include `O_DIRECTORY`).
const ARM64_FCNTL_OVERRIDES: [&str; 6] =
    ["O_DIRECT", "O_DIRECTORY", "O_LARGEFILE", "O_NOFOLLOW", "O_TMPFILE", "O_TMPFILE_MASK"];

#[track_caller]
fn run(f: impl Fn(&mut Conformance)) {
    let mut c = Conformance::new();
    f(&mut c);
    assert!(c.checked() > 0);
    c.finish();
}

/// The rows of `table` not named in `except`.
fn without<T: Copy>(table: &[(&'static str, T)], except: &[&str]) -> Vec<(&'static str, T)> {
    table.iter().filter(|(n, _)| !except.contains(n)).copied().collect()
}

/// Each pair's powerpc value against powerpc's headers and its generic value against arm64's
/// (except names in `skip_generic`).
fn check_pairs<T: Copy + Into<i128>>(c: &mut Conformance, pairs: &[Pair<T>], skip_generic: &[&str]) {
    for &(name, ppc, generic) in pairs {
        for arch in PPC {
            c.check_const(arch, name, ppc);
        }
        if !skip_generic.contains(&name) {
            c.check_const(GENERIC, name, generic);
        }
    }
}

fn check_flag_map(c: &mut Conformance, map: &FlagMap, skip_generic: &[&str]) {
    check_pairs(c, map.bits, skip_generic);
    for f in map.fields {
        check_pairs(c, &[(f.name, f.arch_mask, f.generic_mask)], skip_generic);
        // NL2/NL3 translate to NL1: only the powerpc name exists on both sides' value lists.
        let exact: Vec<Pair<u32>> =
            f.values.iter().filter(|v| v.0 != "NL2" && v.0 != "NL3").copied().collect();
        check_pairs(c, &exact, skip_generic);
    }
}

#[test]
fn ppc64_ioctl_tables() {
    run(|c| {
        for arch in PPC {
            c.check_table(arch, ppc_ioctl::IOC_ENCODING);
            c.check_table(arch, ppc_ioctl::PPC64_TTY_IOCTLS);
            c.check_table(arch, ppc_ioctl::TTY_IOCTL_ARGS);
        }
    });
}

#[test]
fn ppc64_termios_tables_and_layouts() {
    run(|c| {
        for arch in PPC {
            for table in [
                ppc_termios::CC_INDICES,
                ppc_termios::TERMIO_CC_INDICES,
                ppc_termios::IFLAG_BITS,
                ppc_termios::OFLAG_BITS,
                ppc_termios::CFLAG_BITS,
                ppc_termios::LFLAG_BITS,
                ppc_termios::TERMIOS_MISC,
            ] {
                c.check_table(arch, table);
            }
            for &(name, value) in ppc_termios::LAYOUTS {
                c.check_layout(arch, name, value);
            }
        }
    });
}

#[test]
fn ppc64_fcntl_mman_socket_tables() {
    run(|c| {
        for arch in PPC {
            c.check_table(arch, ppc_consts::O_FLAGS);
            c.check_table(arch, ppc_consts::MAP_FLAGS);
            c.check_table(arch, ppc_consts::PROT_FLAGS);
            c.check_table(arch, ppc_consts::MCL_FLAGS);
            c.check_table(arch, ppc_consts::PKEY_FLAGS);
            c.check_table(arch, ppc_consts::SOCKET_OPTIONS);
        }
    });
}

/// The generic tables against arm64, which uses the asm-generic headers for all of them (the
/// `O_*` overrides aside, checked separately below).
#[test]
fn generic_tables_match_arm64() {
    run(|c| {
        c.check_table(GENERIC, g_ioctl::IOC_ENCODING);
        c.check_table(GENERIC, g_ioctl::GENERIC_TTY_IOCTLS);
        c.check_table(GENERIC, g_ioctl::TTY_IOCTL_ARGS);
        for table in [
            g_termios::CC_INDICES,
            g_termios::IFLAG_BITS,
            g_termios::OFLAG_BITS,
            g_termios::CFLAG_BITS,
            g_termios::LFLAG_BITS,
            g_termios::TERMIOS_MISC,
        ] {
            c.check_table(GENERIC, table);
        }
        c.check_table(GENERIC, &without(g_consts::O_FLAGS, &ARM64_FCNTL_OVERRIDES));
        c.check_table(GENERIC, g_consts::MAP_FLAGS);
        c.check_table(GENERIC, g_consts::PROT_FLAGS);
        c.check_table(GENERIC, g_consts::MCL_FLAGS);
        c.check_table(GENERIC, g_consts::PKEY_FLAGS);
        c.check_table(GENERIC, g_consts::SOCKET_OPTIONS);

        for &(name, value) in g_termios::LAYOUTS {
            c.check_layout(GENERIC, name, value);
        }
    });
}

/// arm64 differs from our asm-generic `O_*` table in exactly the names its `asm/fcntl.h` overrides,
/// and there it has powerpc's `O_DIRECTORY`/`O_NOFOLLOW` but not its `O_DIRECT`/`O_LARGEFILE`.
#[test]
fn arm64_fcntl_overrides_are_the_known_ones() {
    let differing: Vec<&str> = g_consts::O_FLAGS
        .iter()
        .filter(|&&(n, v)| constant(GENERIC, n) != Some(i128::from(v)))
        .map(|&(n, _)| n)
        .collect();
    let mut expected = ARM64_FCNTL_OVERRIDES.to_vec();
    expected.sort_unstable();
    let mut differing_sorted = differing.clone();
    differing_sorted.sort_unstable();
    assert_eq!(differing_sorted, expected);
    assert_eq!(constant(GENERIC, "O_DIRECTORY"), Some(i128::from(ppc_consts::O_DIRECTORY)));
    assert_eq!(constant(GENERIC, "O_NOFOLLOW"), Some(i128::from(ppc_consts::O_NOFOLLOW)));
    assert_ne!(constant(GENERIC, "O_DIRECT"), Some(i128::from(ppc_consts::O_DIRECT)));
}

/// Every `(name, powerpc, generic)` row of the translation tables names a constant of both headers
/// with those values.
#[test]
fn translation_tables_match_both_headers() {
    run(|c| {
        check_pairs(c, ppc_ioctl::DIFFERING_IOCTLS, &[]);
        check_pairs(c, ppc_termios::CC_MAP, &[]);
        check_pairs(c, ppc_termios::BAUD_RATES, &[]);
        use ppc_termios::{CFLAG_MAP, IFLAG_MAP, LFLAG_MAP, OFLAG_MAP};
        for map in [&IFLAG_MAP, &OFLAG_MAP, &CFLAG_MAP, &LFLAG_MAP] {
            check_flag_map(c, map, &[]);
        }
        check_flag_map(c, &ppc_consts::O_FLAG_MAP, &ARM64_FCNTL_OVERRIDES);
        use ppc_consts::{MAP_FLAG_MAP, MCL_FLAG_MAP, PKEY_FLAG_MAP, PROT_FLAG_MAP};
        for map in [&MAP_FLAG_MAP, &PROT_FLAG_MAP, &MCL_FLAG_MAP, &PKEY_FLAG_MAP] {
            check_flag_map(c, map, &[]);
        }
        check_pairs(c, ppc_consts::SO_MAP.entries, &[]);
    });
}

/// Every ioctl name both headers define either has the same number on both or is translated by
/// name; every other powerpc number is an `_IOC` number that [`ppc_ioctl::to_generic`] re-encodes.
#[test]
fn ioctl_translation_covers_the_headers() {
    for arch in PPC {
        for &(name, ppc) in ppc_ioctl::PPC64_TTY_IOCTLS {
            let header = constant(arch, name);
            assert_eq!(header, Some(i128::from(ppc)), "{arch} {name}");
            let generic = constant(GENERIC, name).and_then(|v| u32::try_from(v).ok());
            match generic {
                Some(g) => assert_eq!(ppc_ioctl::to_generic(ppc), Some(g), "{arch} {name}"),
                None => assert_ne!(ppc_ioctl::PPC_IOC.ioc_dir(ppc), 0, "{arch} {name}"),
            }
        }
    }
}
