//! Linux/powerpc ioctl numbers translated to the generic ones the machine-independent code knows:
//! the tty and file ioctls that powerpc encodes with `_IOC`, legacy numbers passed through, driver
//! ioctls re-encoded, and a round trip for every number of `asm/ioctls.h`.

use arch_ppc64::ioctl::{self as ppc, from_generic, to_generic, PPC64_TTY_IOCTLS};
use linux_core::ioctl::{self as generic, GENERIC_TTY_IOCTLS};
use std::collections::BTreeMap;

fn generic_value(name: &str) -> Option<u32> {
    GENERIC_TTY_IOCTLS.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

/// `(name, powerpc number, generic number)`, the numbers written out as Linux's headers evaluate them.
const KNOWN: &[(&str, u32, u32)] = &[
    ("TCGETS", 0x402c_7413, 0x5401),
    ("TCSETS", 0x802c_7414, 0x5402),
    ("TCSETSW", 0x802c_7415, 0x5403),
    ("TCSETSF", 0x802c_7416, 0x5404),
    ("TCGETA", 0x4014_7417, 0x5405),
    ("TIOCGWINSZ", 0x4008_7468, 0x5413),
    ("TIOCSWINSZ", 0x8008_7467, 0x5414),
    ("FIONREAD", 0x4004_667f, 0x541b),
    ("TIOCINQ", 0x4004_667f, 0x541b),
    ("FIONBIO", 0x8004_667e, 0x5421),
    ("FIOCLEX", 0x2000_6601, 0x5451),
    ("FIONCLEX", 0x2000_6602, 0x5450),
    ("FIOASYNC", 0x8004_667d, 0x5452),
    ("FIOQSIZE", 0x4008_6680, 0x5460),
    ("TIOCGPGRP", 0x4004_7477, 0x540f),
    ("TIOCSPGRP", 0x8004_7476, 0x5410),
    ("TIOCOUTQ", 0x4004_7473, 0x5411),
    ("TCSBRK", 0x2000_741d, 0x5409),
    ("TCFLSH", 0x2000_741f, 0x540b),
    ("TIOCGPTN", 0x4004_5430, 0x8004_5430),
    ("TIOCSPTLCK", 0x8004_5431, 0x4004_5431),
    ("TIOCGPTPEER", 0x2000_5441, 0x5441),
    ("TIOCGISO7816", 0x4028_5442, 0x8028_5442),
];

#[test]
fn tty_and_file_ioctls_map_to_the_generic_numbers() {
    for &(name, p, g) in KNOWN {
        assert_eq!(ppc::ppc64_ioctl(name), Some(p), "{name} (powerpc table)");
        assert_eq!(generic_value(name), Some(g), "{name} (generic table)");
        assert_eq!(to_generic(p), Some(g), "{name}");
        assert_eq!(from_generic(g), Some(p), "{name}");
    }
}

#[test]
fn legacy_numbers_pass_through() {
    for (name, number) in
        [("TIOCSCTTY", 0x540e), ("TIOCNOTTY", 0x5422), ("TIOCSTI", 0x5412), ("TIOCMGET", 0x5415)]
    {
        assert_eq!(ppc::ppc64_ioctl(name), Some(number), "{name}");
        assert_eq!(to_generic(number), Some(number), "{name}");
        assert_eq!(from_generic(number), Some(number), "{name}");
    }
    // Not a powerpc number at all (powerpc's TCGETS is _IOR): Linux/powerpc answers ENOTTY.
    assert_eq!(to_generic(0x5401), None);
    assert_eq!(to_generic(0x541b), None, "generic FIONREAD");
}

/// A driver ioctl of neither table keeps its type, number and size; its direction is re-encoded.
#[test]
fn driver_ioctls_are_re_encoded() {
    let d = u32::from(b'd');
    let cases = [
        (ppc::PPC_IOC.iowr(d, 5, 24), generic::iowr(d, 5, 24), 0xc018_6405, 0xc018_6405),
        (ppc::PPC_IOC.ior(d, 5, 24), generic::ior(d, 5, 24), 0x4018_6405, 0x8018_6405),
        (ppc::PPC_IOC.iow(d, 5, 24), generic::iow(d, 5, 24), 0x8018_6405, 0x4018_6405),
        (ppc::PPC_IOC.ior(d, 6, 0x1fff), generic::ior(d, 6, 0x1fff), 0x5fff_6406, 0x9fff_6406),
    ];
    for (p, g, p_literal, g_literal) in cases {
        assert_eq!((p, g), (p_literal, g_literal));
        assert_eq!(to_generic(p), Some(g), "{p:#x}");
        assert_eq!(from_generic(g), Some(p), "{g:#x}");
        assert_eq!(
            (generic::ioc_type(g), generic::ioc_nr(g), generic::ioc_size(g)),
            (ppc::PPC_IOC.ioc_type(p), ppc::PPC_IOC.ioc_nr(p), ppc::PPC_IOC.ioc_size(p))
        );
    }
    // A generic _IO number is indistinguishable from a legacy number: backwards it stays as it is.
    assert_eq!((ppc::PPC_IOC.io(d, 5), generic::io(d, 5)), (0x2000_6405, 0x6405));
    assert_eq!(to_generic(0x2000_6405), Some(0x6405));
    assert_eq!(from_generic(0x6405), Some(0x6405));
    // Generic sizes above powerpc's 13 bits have no powerpc number.
    assert_eq!(from_generic(generic::ior(d, 7, 0x2000)), None);
}

/// Every number of `asm/ioctls.h` translates to the generic number of the same name where one
/// exists, to a re-encoding of itself otherwise, and back.
#[test]
fn every_table_entry_round_trips() {
    for &(name, p) in PPC64_TTY_IOCTLS {
        let g = to_generic(p).unwrap_or_else(|| panic!("{name}: {p:#x} is a powerpc number"));
        assert_eq!(from_generic(g), Some(p), "{name}: {p:#x} -> {g:#x}");
        match generic_value(name) {
            Some(expected) => assert_eq!(g, expected, "{name}"),
            None => {
                assert_ne!(ppc::PPC_IOC.ioc_dir(p), 0, "{name}: a powerpc-only number is an _IOC number");
                assert_eq!(generic::ioc_size(g), ppc::PPC_IOC.ioc_size(p), "{name}");
                assert_eq!(generic::ioc_nr(g) | generic::ioc_type(g) << 8, p & 0xffff, "{name}");
            }
        }
    }
    for &(name, g) in GENERIC_TTY_IOCTLS {
        if let Some(p) = ppc::ppc64_ioctl(name) {
            assert_eq!(from_generic(g), Some(p), "{name}");
        }
    }
}

/// Distinct powerpc numbers stay distinct (aliases share a number on both sides).
#[test]
fn translation_is_injective_on_the_table() {
    let mut seen: BTreeMap<u32, u32> = BTreeMap::new();
    for &(name, p) in PPC64_TTY_IOCTLS {
        if let Some(previous) = seen.insert(to_generic(p).unwrap_or_default(), p) {
            assert_eq!(previous, p, "{name} collides");
        }
    }
}

/// The names powerpc defines and the generic header does not, and vice versa.
#[test]
fn table_differences() {
    let only_ppc: Vec<&str> =
        PPC64_TTY_IOCTLS.iter().filter(|(n, _)| generic_value(n).is_none()).map(|(n, _)| *n).collect();
    assert_eq!(
        only_ppc,
        [
            "TIOCGETP",
            "TIOCSETP",
            "TIOCSETN",
            "TIOCSETC",
            "TIOCGETC",
            "TIOCSTART",
            "TIOCSTOP",
            "TIOCGLTC",
            "TIOCSLTC"
        ]
    );
    let only_generic: Vec<&str> =
        GENERIC_TTY_IOCTLS.iter().filter(|(n, _)| ppc::ppc64_ioctl(n).is_none()).map(|(n, _)| *n).collect();
    assert_eq!(
        only_generic,
        ["TCGETS2", "TCSETS2", "TCSETSW2", "TCSETSF2", "TCGETX", "TCSETX", "TCSETXF", "TCSETXW"]
    );
}
