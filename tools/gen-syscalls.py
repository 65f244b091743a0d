#!/usr/bin/env python3
"""Generate the Linux system call tables of the Linuxulator from the data in tools/syscalls/.

Inputs (plain text, one row a line, '#' starts a comment):
  tools/syscalls/ppc64.tbl   <number> <name> <sys|ni> <release>   Linux powerpc64, 64-bit ABI
  tools/syscalls/arm64.tbl   <number> <name> <sys|ni> <release>   Linux arm64 (asm-generic)
  tools/syscalls/nargs.tbl   <name> <nargs>                        kernel entry point arity

Outputs:
  crates/linux-core/src/sysno.rs             enum Sys: one handler id per Linux syscall name
  crates/arch-ppc64/src/syscall_table.rs     PPC64_SYSCALLS: [Option<Sys>; N] by number
  crates/arch-arm64/src/syscall_table.rs     ARM64_SYSCALLS: [Option<Sys>; N] by number

Rows whose release is BASELINE form the main tables (exactly the numbers of the Linux 6.1 uapi
headers); rows of later releases go to a separate *_NEWER_SYSCALLS list.

Usage:
  python3 tools/gen-syscalls.py                   write the three .rs files
  python3 tools/gen-syscalls.py --check           exit 1 if a committed .rs file differs
  python3 tools/gen-syscalls.py --verify-headers  compare the baseline rows with the installed
                                                  Debian cross headers (exit 1 on mismatch,
                                                  2 if no header is installed)
Python 3 standard library only.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tools", "syscalls")
BASELINE = "6.1"
GENERATOR = "tools/gen-syscalls.py"

OUT_SYSNO = "crates/linux-core/src/sysno.rs"
OUT_PPC64 = "crates/arch-ppc64/src/syscall_table.rs"
OUT_ARM64 = "crates/arch-arm64/src/syscall_table.rs"

PPC64_HEADERS = [
    "/usr/powerpc64-linux-gnu/include/asm/unistd_64.h",
    "/usr/powerpc64le-linux-gnu/include/asm/unistd_64.h",
]
ARM64_INCLUDE = "/usr/aarch64-linux-gnu/include"


class DataError(Exception):
    pass


def strip_comment(line):
    return line.split("#", 1)[0].strip()


def release_key(rel):
    return tuple(int(p) for p in rel.split("."))


def read_arch(path):
    """[(nr, name, kind, release)] in file order, validated."""
    rows = []
    seen_names = {}
    last_nr = -1
    last_rel = None
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = strip_comment(raw)
            if not line:
                continue
            where = "%s:%d" % (os.path.relpath(path, ROOT), lineno)
            cols = line.split()
            if len(cols) != 4:
                raise DataError("%s: expected 4 columns, got %r" % (where, line))
            nr_s, name, kind, rel = cols
            if not nr_s.isdigit():
                raise DataError("%s: bad number %r" % (where, nr_s))
            nr = int(nr_s)
            if nr <= last_nr:
                raise DataError("%s: numbers must be strictly increasing" % where)
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
                raise DataError("%s: bad name %r" % (where, name))
            if name in seen_names:
                raise DataError("%s: %s already at line %d" % (where, name, seen_names[name]))
            if kind not in ("sys", "ni"):
                raise DataError("%s: kind must be sys or ni, got %r" % (where, kind))
            if not re.fullmatch(r"\d+\.\d+", rel):
                raise DataError("%s: bad release %r" % (where, rel))
            if release_key(rel) < release_key(BASELINE):
                raise DataError("%s: release older than the baseline %s" % (where, BASELINE))
            if last_rel is not None and release_key(rel) < release_key(last_rel):
                raise DataError("%s: releases must not decrease along the table" % where)
            seen_names[name] = lineno
            last_nr, last_rel = nr, rel
            rows.append((nr, name, kind, rel))
    return rows


def read_nargs(path):
    nargs = {}
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = strip_comment(raw)
            if not line:
                continue
            where = "%s:%d" % (os.path.relpath(path, ROOT), lineno)
            cols = line.split()
            if len(cols) != 2 or not cols[1].isdigit():
                raise DataError("%s: expected <name> <nargs>, got %r" % (where, line))
            name, n = cols[0], int(cols[1])
            if name in nargs:
                raise DataError("%s: duplicate %s" % (where, name))
            if n > 6:
                raise DataError("%s: %s has %d > 6 arguments" % (where, name, n))
            nargs[name] = n
    return nargs


def camel(name):
    ident = "".join(p[:1].upper() + p[1:] for p in name.split("_") if p)
    if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", ident):
        raise DataError("cannot make a Rust identifier of %r" % name)
    return ident


class Model:
    def __init__(self):
        self.ppc64 = read_arch(os.path.join(DATA, "ppc64.tbl"))
        self.arm64 = read_arch(os.path.join(DATA, "arm64.tbl"))
        self.nargs = read_nargs(os.path.join(DATA, "nargs.tbl"))
        names = set()
        for rows in (self.ppc64, self.arm64):
            names.update(name for _, name, kind, _ in rows if kind == "sys")
        missing = sorted(names - set(self.nargs))
        if missing:
            raise DataError("nargs.tbl lacks: %s" % " ".join(missing))
        unused = sorted(set(self.nargs) - names)
        if unused:
            raise DataError("nargs.tbl has names no table uses: %s" % " ".join(unused))
        # Enum order = byte order of the Linux names, so ALL is sorted by name().
        self.names = sorted(names, key=lambda s: s.encode())
        self.ident = {}
        by_ident = {}
        for n in self.names:
            i = camel(n)
            if i in by_ident:
                raise DataError("%s and %s both give the variant %s" % (by_ident[i], n, i))
            by_ident[i] = n
            self.ident[n] = i
        self.numbers = {}  # name -> {arch: nr}
        for arch, rows in (("ppc64", self.ppc64), ("arm64", self.arm64)):
            for nr, name, kind, _ in rows:
                if kind == "sys":
                    self.numbers.setdefault(name, {})[arch] = nr


def header(what):
    return (
        "// @generated by %s from tools/syscalls/*.tbl: do not edit by hand.\n"
        "// Regenerate: `python3 %s`; verify: `python3 %s --check`.\n"
        "\n" % (GENERATOR, GENERATOR, GENERATOR)
    ) + what


def gen_sysno(m):
    o = []
    o.append(header(
        "//! Arch-neutral Linux system call identifiers: one [`Sys`] per distinct Linux system call\n"
        "//! name of the 64-bit ABIs this project supports (powerpc64 and arm64).\n"
        "//!\n"
        "//! A [`Sys`] is the handler id the machine-independent dispatcher matches on; each\n"
        "//! architecture's table maps its syscall numbers to these ids. A number whose 64-bit kernel\n"
        "//! entry is `sys_ni_syscall` has no [`Sys`] at all: the tables give `None` (`ENOSYS`).\n"
        "//! [`Sys::nargs`] is the argument count of the kernel entry point (`SYSCALL_DEFINEn`).\n"
        "\n"))
    o.append("/// A Linux system call, by its userspace name (`__NR_<name>`), independent of architecture.\n")
    o.append("///\n")
    o.append("/// Variants are in byte order of the Linux names, so [`Sys::ALL`] is sorted by [`Sys::name`].\n")
    o.append("#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]\n")
    o.append("#[repr(u16)]\n")
    o.append("pub enum Sys {\n")
    for n in m.names:
        nums = m.numbers.get(n, {})
        where = ", ".join("%s %d" % (a, nums[a]) for a in ("ppc64", "arm64") if a in nums)
        k = m.nargs[n]
        o.append("    /// `%s`: %d argument%s; %s.\n" % (n, k, "" if k == 1 else "s", where))
        o.append("    %s,\n" % m.ident[n])
    o.append("}\n\n")
    o.append("/// Every [`Sys`], in declaration order (sorted by name).\n")
    o.append("pub const ALL: &[Sys] = Sys::ALL;\n\n")
    o.append("impl Sys {\n")
    o.append("    /// Every [`Sys`], in declaration order (sorted by name).\n")
    o.append("    pub const ALL: &'static [Sys] = &[\n")
    for n in m.names:
        o.append("        Sys::%s,\n" % m.ident[n])
    o.append("    ];\n\n")
    o.append("    /// How many [`Sys`] there are.\n")
    o.append("    pub const COUNT: usize = %d;\n\n" % len(m.names))
    o.append("    /// The Linux name, without the `sys_` prefix (`\"rt_sigreturn\"`).\n")
    o.append("    pub const fn name(self) -> &'static str {\n")
    o.append("        match self {\n")
    for n in m.names:
        o.append("            Sys::%s => \"%s\",\n" % (m.ident[n], n))
    o.append("        }\n")
    o.append("    }\n\n")
    o.append("    /// The number of arguments of the kernel entry point (0 to 6).\n")
    o.append("    pub const fn nargs(self) -> u8 {\n")
    o.append("        match self {\n")
    by_count = {}
    for n in m.names:
        by_count.setdefault(m.nargs[n], []).append(n)
    for k in sorted(by_count):
        o.append("            Sys::%s" % m.ident[by_count[k][0]])
        for n in by_count[k][1:]:
            o.append("\n            | Sys::%s" % m.ident[n])
        o.append(" => %d,\n" % k)
    o.append("        }\n")
    o.append("    }\n\n")
    o.append("    /// The [`Sys`] of a Linux name (`\"rt_sigreturn\"`), `None` if there is none.\n")
    o.append("    pub fn from_name(name: &str) -> Option<Sys> {\n")
    o.append("        Sys::ALL\n")
    o.append("            .binary_search_by(|s| s.name().cmp(name))\n")
    o.append("            .ok()\n")
    o.append("            .and_then(|i| Sys::ALL.get(i).copied())\n")
    o.append("    }\n")
    o.append("}\n\n")
    o.append(SYSNO_TESTS)
    return "".join(o)


SYSNO_TESTS = """#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_complete_and_in_declaration_order() {
        assert_eq!(Sys::ALL.len(), Sys::COUNT);
        assert_eq!(ALL.len(), Sys::COUNT);
        for (i, s) in Sys::ALL.iter().enumerate() {
            assert_eq!(*s as usize, i, "{:?}", s);
        }
    }

    #[test]
    fn names_are_non_empty_sorted_and_unique() {
        for s in Sys::ALL {
            assert!(!s.name().is_empty(), "{:?}", s);
            assert!(!s.name().starts_with("sys_"), "{:?}", s);
        }
        for w in Sys::ALL.windows(2) {
            assert!(w[0].name() < w[1].name(), "{:?} {:?}", w[0], w[1]);
            assert!(w[0] < w[1]);
        }
    }

    #[test]
    fn nargs_at_most_six() {
        for s in Sys::ALL {
            assert!(s.nargs() <= 6, "{:?}", s);
        }
    }

    #[test]
    fn from_name_round_trips() {
        for s in Sys::ALL {
            assert_eq!(Sys::from_name(s.name()), Some(*s));
        }
        assert_eq!(Sys::from_name(""), None);
        assert_eq!(Sys::from_name("sys_read"), None);
        assert_eq!(Sys::from_name("nfsservctl"), None);
        assert_eq!(Sys::from_name("no_such_syscall"), None);
    }

    #[test]
    fn well_known_entries() {
        assert_eq!(Sys::RtSigreturn.name(), "rt_sigreturn");
        assert_eq!(Sys::Newfstatat.name(), "newfstatat");
        assert_eq!(Sys::Llseek.name(), "_llseek");
        assert_eq!(Sys::Read.nargs(), 3);
        assert_eq!(Sys::Mmap.nargs(), 6);
        assert_eq!(Sys::Clone.nargs(), 5);
        assert_eq!(Sys::RtSigreturn.nargs(), 0);
        assert_eq!(Sys::ExitGroup.nargs(), 1);
        assert_eq!(Sys::Swapcontext.nargs(), 3);
        assert_eq!(Sys::SwitchEndian.nargs(), 0);
        assert_eq!(Sys::Preadv.nargs(), 5);
    }
}
"""


def gen_table(m, arch):
    rows = m.ppc64 if arch == "ppc64" else m.arm64
    A = arch.upper()
    base = [r for r in rows if r[3] == BASELINE]
    newer = [r for r in rows if r[3] != BASELINE]
    nr_max = base[-1][0]
    n = nr_max + 1
    slots = {nr: (name, kind) for nr, name, kind, _ in base}
    o = []
    if arch == "ppc64":
        doc = (
            "//! The Linux powerpc64 system call table, as a 64-bit process (ELFv1 or ELFv2, big or little\n"
            "//! endian) sees it: every row of Linux `arch/powerpc/kernel/syscalls/syscall.tbl` whose ABI is\n"
            "//! `common`, `64` or `nospu`, numbered as in Linux 6.1 `asm/unistd_64.h`.\n")
    else:
        doc = (
            "//! The Linux arm64 system call table: `include/uapi/asm-generic/unistd.h` as arm64 uses it\n"
            "//! (`__ARCH_WANT_RENAMEAT`, `__ARCH_WANT_NEW_STAT`, `__ARCH_WANT_SET_GET_RLIMIT`,\n"
            "//! `__ARCH_WANT_TIME32_SYSCALLS`, `__ARCH_WANT_SYS_CLONE3`, `__ARCH_WANT_MEMFD_SECRET`),\n"
            "//! numbered as in Linux 6.1 `asm/unistd.h`.\n")
    doc += (
        "//!\n"
        "//! [`%s_SYSCALLS`] maps each number to its handler id; `None` (`ENOSYS`) for a number that is\n"
        "//! unused, 32-bit-only or whose 64-bit entry is `sys_ni_syscall` (those are listed, with their\n"
        "//! names, in [`%s_NI_SYSCALLS`]). Rows Linux added after %s are kept apart in\n"
        "//! [`%s_NEWER_SYSCALLS`].\n"
        "\n" % (A, A, BASELINE, A))
    o.append(header(doc))
    o.append("use linux_core::sysno::Sys;\n\n")
    o.append("/// The highest syscall number of the Linux %s %s table.\n" % (BASELINE, arch))
    o.append("pub const %s_NR_MAX: u32 = %d;\n\n" % (A, nr_max))
    o.append("/// Handler ids indexed by syscall number (`%s_NR_MAX + 1` slots); `None` gives `ENOSYS`.\n" % A)
    o.append("#[rustfmt::skip]\n")
    o.append("pub const %s_SYSCALLS: [Option<Sys>; %d] = [\n" % (A, n))
    for nr in range(n):
        if nr in slots and slots[nr][1] == "sys":
            o.append("    Some(Sys::%s), // %d\n" % (m.ident[slots[nr][0]], nr))
        elif nr in slots:
            o.append("    None, // %d %s: sys_ni_syscall\n" % (nr, slots[nr][0]))
        else:
            o.append("    None, // %d\n" % nr)
    o.append("];\n\n")
    ni = [(nr, name) for nr, name, kind, _ in base if kind == "ni"]
    o.append("/// Numbers the Linux %s %s headers define whose 64-bit entry is `sys_ni_syscall` (`ENOSYS`).\n"
             % (BASELINE, arch))
    o.append("#[rustfmt::skip]\n")
    o.append("pub const %s_NI_SYSCALLS: &[(u32, &str)] = &[\n" % A)
    for nr, name in ni:
        o.append("    (%d, \"%s\"),\n" % (nr, name))
    o.append("];\n\n")
    o.append("/// Rows Linux added to the %s table after %s: (number, name, handler id), `None` where the\n"
             % (arch, BASELINE))
    o.append("/// entry is `sys_ni_syscall`. Not in [`%s_SYSCALLS`], which matches the %s headers.\n"
             % (A, BASELINE))
    o.append("#[rustfmt::skip]\n")
    o.append("pub const %s_NEWER_SYSCALLS: &[(u32, &str, Option<Sys>)] = &[\n" % A)
    for nr, name, kind, rel in newer:
        h = "Some(Sys::%s)" % m.ident[name] if kind == "sys" else "None"
        o.append("    (%d, \"%s\", %s), // Linux %s\n" % (nr, name, h, rel))
    o.append("];\n\n")
    o.append("/// The handler id of syscall `nr` in [`%s_SYSCALLS`], `None` for `ENOSYS`.\n" % A)
    o.append("pub const fn lookup(nr: u64) -> Option<Sys> {\n")
    o.append("    if nr <= %s_NR_MAX as u64 {\n" % A)
    o.append("        %s_SYSCALLS[nr as usize]\n" % A)
    o.append("    } else {\n")
    o.append("        None\n")
    o.append("    }\n")
    o.append("}\n\n")
    o.append("/// The Linux name of syscall `nr` (including `sys_ni_syscall` rows), `None` if the %s\n" % BASELINE)
    o.append("/// headers do not define `nr`.\n")
    o.append("pub fn name_of(nr: u64) -> Option<&'static str> {\n")
    o.append("    match lookup(nr) {\n")
    o.append("        Some(sys) => Some(sys.name()),\n")
    o.append("        None => %s_NI_SYSCALLS\n" % A)
    o.append("            .iter()\n")
    o.append("            .find(|(n, _)| u64::from(*n) == nr)\n")
    o.append("            .map(|(_, name)| *name),\n")
    o.append("    }\n")
    o.append("}\n\n")
    o.append("/// The number of `sys` in [`%s_SYSCALLS`], `None` if this architecture lacks it.\n" % A)
    o.append("pub fn number_of(sys: Sys) -> Option<u32> {\n")
    o.append("    (0..=%s_NR_MAX).find(|&n| lookup(u64::from(n)) == Some(sys))\n" % A)
    o.append("}\n\n")
    o.append(table_tests(m, arch, A, base, n))
    return "".join(o)


PPC64_EXPECT = [
    ("read", 3), ("write", 4), ("execve", 11), ("mmap", 90), ("clone", 120), ("rt_sigreturn", 172),
    ("exit_group", 234), ("swapcontext", 249), ("openat", 286), ("newfstatat", 291),
    ("switch_endian", 363), ("clone3", 435), ("exit", 1), ("restart_syscall", 0),
]
PPC64_NONE = [
    (18, "oldstat: sys_ni_syscall on 64-bit"),
    (119, "sigreturn: 32-bit only"),
    (192, "mmap2: 32-bit only"),
    (204, "fcntl64: 32-bit only"),
    (224, "unused"),
    (226, "sendfile64: 32-bit only"),
    (254, "fadvise64_64: 32-bit only"),
    (256, "sys_debug_setcontext: sys_ni_syscall on 64-bit"),
    (257, "reserved for vserver"),
    (366, "unused"),
    (403, "clock_gettime64: 32-bit only"),
    (447, "memfd_secret: not on powerpc"),
]
ARM64_EXPECT = [
    ("read", 63), ("write", 64), ("openat", 56), ("execve", 221), ("rt_sigreturn", 139),
    ("clone", 220), ("exit_group", 94), ("mmap", 222), ("newfstatat", 79), ("fstat", 80),
    ("renameat", 38), ("getrlimit", 163), ("clone3", 435), ("memfd_secret", 447),
    ("sync_file_range", 84), ("fadvise64", 223), ("io_setup", 0),
]
ARM64_NONE = [
    (42, "nfsservctl: sys_ni_syscall"),
    (244, "arch-specific range, unused on arm64"),
    (259, "arch-specific range, unused on arm64"),
]


def table_tests(m, arch, A, base, n):
    expect = PPC64_EXPECT if arch == "ppc64" else ARM64_EXPECT
    nones = PPC64_NONE if arch == "ppc64" else ARM64_NONE
    slots = {nr: (name, kind) for nr, name, kind, _ in base}
    for name, nr in expect:
        if slots.get(nr) != (name, "sys"):
            raise DataError("%s test expectation %s=%d contradicts the table" % (arch, name, nr))
    for nr, why in nones:
        if nr in slots and slots[nr][1] == "sys":
            raise DataError("%s test expectation: %d should be None" % (arch, nr))
    o = []
    o.append("#[cfg(test)]\n")
    o.append("mod tests {\n")
    o.append("    use super::*;\n\n")
    o.append("    #[test]\n")
    o.append("    fn well_known_numbers() {\n")
    for name, nr in expect:
        o.append("        assert_eq!(lookup(%d), Some(Sys::%s));\n" % (nr, m.ident[name]))
    o.append("    }\n\n")
    o.append("    #[test]\n")
    o.append("    fn enosys_numbers() {\n")
    for nr, why in nones:
        o.append("        assert_eq!(lookup(%d), None); // %s\n" % (nr, why))
    o.append("        assert_eq!(lookup(%d), None);\n" % n)
    o.append("        assert_eq!(lookup(u64::MAX), None);\n")
    o.append("        assert_eq!(lookup(1 << 32), None);\n")
    o.append("    }\n\n")
    o.append("    #[test]\n")
    o.append("    fn shape() {\n")
    o.append("        assert_eq!(%s_SYSCALLS.len() as u32, %s_NR_MAX + 1);\n" % (A, A))
    o.append("        assert!(%s_SYSCALLS[%s_NR_MAX as usize].is_some());\n" % (A, A))
    o.append("        let handlers = %s_SYSCALLS.iter().filter(|e| e.is_some()).count();\n" % A)
    o.append("        assert_eq!(handlers, %d);\n" % sum(1 for r in base if r[2] == "sys"))
    o.append("        assert_eq!(handlers + %s_NI_SYSCALLS.len(), %d);\n" % (A, len(base)))
    o.append("    }\n\n")
    o.append("    #[test]\n")
    o.append("    fn each_handler_appears_once() {\n")
    o.append("        for (nr, e) in %s_SYSCALLS.iter().enumerate() {\n" % A)
    o.append("            if let Some(sys) = e {\n")
    o.append("                assert_eq!(number_of(*sys), Some(nr as u32), \"{:?}\", sys);\n")
    o.append("            }\n")
    o.append("        }\n")
    o.append("    }\n\n")
    o.append("    #[test]\n")
    o.append("    fn ni_rows_have_no_handler() {\n")
    o.append("        for (nr, name) in %s_NI_SYSCALLS {\n" % A)
    o.append("            assert_eq!(lookup(u64::from(*nr)), None, \"{}\", name);\n")
    o.append("            assert_eq!(name_of(u64::from(*nr)), Some(*name));\n")
    o.append("        }\n")
    o.append("    }\n\n")
    o.append("    #[test]\n")
    o.append("    fn newer_rows_are_past_the_table() {\n")
    o.append("        let mut last = %s_NR_MAX;\n" % A)
    o.append("        for (nr, name, sys) in %s_NEWER_SYSCALLS {\n" % A)
    o.append("            assert!(*nr > last, \"{}\", name);\n")
    o.append("            last = *nr;\n")
    o.append("            if let Some(sys) = sys {\n")
    o.append("                assert_eq!(sys.name(), *name);\n")
    o.append("                assert_eq!(number_of(*sys), None);\n")
    o.append("            }\n")
    o.append("        }\n")
    o.append("    }\n\n")
    o.append("    #[test]\n")
    o.append("    fn names() {\n")
    if arch == "ppc64":
        o.append("        assert_eq!(name_of(3), Some(\"read\"));\n")
        o.append("        assert_eq!(name_of(17), Some(\"break\"));\n")
        o.append("        assert_eq!(name_of(140), Some(\"_llseek\"));\n")
        o.append("        assert_eq!(name_of(192), None);\n")
    else:
        o.append("        assert_eq!(name_of(63), Some(\"read\"));\n")
        o.append("        assert_eq!(name_of(42), Some(\"nfsservctl\"));\n")
        o.append("        assert_eq!(name_of(244), None);\n")
    o.append("    }\n")
    if arch == "ppc64":
        o.append(PPC64_HEADER_TEST)
    o.append("}\n")
    return "".join(o)


PPC64_HEADER_TEST = """
    /// Every `__NR_*` of the Debian cross headers (Linux 6.1), when installed, is in the table.
    #[test]
    fn matches_installed_uapi_headers() {
        extern crate std;
        for path in [
            "/usr/powerpc64-linux-gnu/include/asm/unistd_64.h",
            "/usr/powerpc64le-linux-gnu/include/asm/unistd_64.h",
        ] {
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let mut count = 0;
            for line in text.lines() {
                let mut words = line.split_whitespace();
                if words.next() != Some("#define") {
                    continue;
                }
                let (Some(macro_name), Some(value)) = (words.next(), words.next()) else {
                    continue;
                };
                let Some(name) = macro_name.strip_prefix("__NR_") else {
                    continue;
                };
                // A non-numeric value is not counted, so the count check below fails.
                let Ok(nr) = value.parse::<u64>() else {
                    continue;
                };
                assert_eq!(name_of(nr), Some(name), "{}", path);
                count += 1;
            }
            let handlers = PPC64_SYSCALLS.iter().filter(|e| e.is_some()).count();
            assert_eq!(count, handlers + PPC64_NI_SYSCALLS.len(), "{}", path);
        }
    }
"""


def outputs(m):
    return {
        OUT_SYSNO: gen_sysno(m),
        OUT_PPC64: gen_table(m, "ppc64"),
        OUT_ARM64: gen_table(m, "arm64"),
    }


# ---- header verification -------------------------------------------------------------------

def parse_ppc64_header(path):
    rows = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            mm = re.match(r"#define __NR_(\w+)\s+(\d+)\s*$", line)
            if mm:
                rows[int(mm.group(2))] = mm.group(1)
    return rows


def arm64_header_rows():
    cc = None
    for cand in ("aarch64-linux-gnu-gcc", "aarch64-linux-gnu-cpp"):
        if shutil.which(cand):
            cc = [cand, "-E", "-dM", "-x", "c", "-"]
            break
    if cc is None and shutil.which("clang"):
        cc = ["clang", "--target=aarch64-linux-gnu", "-nostdinc", "-I", ARM64_INCLUDE,
              "-E", "-dM", "-x", "c", "-"]
    if cc is None or not os.path.exists(os.path.join(ARM64_INCLUDE, "asm", "unistd.h")):
        return None
    out = subprocess.run(cc, input="#include <asm/unistd.h>\n", capture_output=True,
                         text=True, check=True).stdout
    defs = {}
    for line in out.splitlines():
        mm = re.match(r"#define (__NR\w*) (.*)$", line)
        if mm:
            defs[mm.group(1)] = mm.group(2).strip()

    def value(v, depth=0):
        v = v.strip()
        while v.startswith("(") and v.endswith(")"):
            v = v[1:-1].strip()
        if v.isdigit():
            return int(v)
        if v in defs and depth < 16:
            return value(defs[v], depth + 1)
        return None

    rows = {}
    for k, v in defs.items():
        if not k.startswith("__NR_"):
            continue
        name = k[len("__NR_"):]
        if name in ("syscalls", "arch_specific_syscall"):
            continue
        nr = value(v)
        if nr is None:
            raise DataError("cannot evaluate %s = %s" % (k, v))
        if nr in rows:
            raise DataError("arm64 headers: %d is both %s and %s" % (nr, rows[nr], name))
        rows[nr] = name
    return rows


def compare(label, header_rows, table_rows):
    base = {nr: name for nr, name, _, rel in table_rows if rel == BASELINE}
    bad = 0
    for nr in sorted(set(header_rows) | set(base)):
        h, t = header_rows.get(nr), base.get(nr)
        if h != t:
            print("%s: %d: headers %r, table %r" % (label, nr, h, t))
            bad += 1
    print("%s: %d numbers compared, %d mismatches" % (label, len(header_rows), bad))
    return bad


def verify_headers(m):
    checked = 0
    bad = 0
    for path in PPC64_HEADERS:
        if os.path.exists(path):
            bad += compare(path, parse_ppc64_header(path), m.ppc64)
            checked += 1
    arm = arm64_header_rows()
    if arm is not None:
        bad += compare("arm64 " + ARM64_INCLUDE, arm, m.arm64)
        checked += 1
    if checked == 0:
        print("no cross headers installed (linux-libc-dev-{ppc64,ppc64el,arm64}-cross)")
        return 2
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if the committed .rs files differ from the generated ones")
    ap.add_argument("--verify-headers", action="store_true",
                    help="compare the baseline rows with the installed Debian cross headers")
    args = ap.parse_args()
    try:
        m = Model()
        if args.verify_headers:
            return verify_headers(m)
        outs = outputs(m)
    except DataError as e:
        print("gen-syscalls: %s" % e, file=sys.stderr)
        return 1
    stale = []
    for rel, text in outs.items():
        path = os.path.join(ROOT, rel)
        try:
            with open(path, encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current == text:
            continue
        if args.check:
            stale.append(rel)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            print("wrote %s" % rel)
    if stale:
        for rel in stale:
            print("gen-syscalls: %s is not what %s generates" % (rel, GENERATOR), file=sys.stderr)
        print("gen-syscalls: run `python3 %s` and commit the result" % GENERATOR, file=sys.stderr)
        return 1
    if args.check:
        print("gen-syscalls: %d files up to date" % len(outs))
    print("Sys variants: %d; ppc64: %d handlers, NR_MAX %d; arm64: %d handlers, NR_MAX %d" % (
        len(m.names),
        sum(1 for r in m.ppc64 if r[3] == BASELINE and r[2] == "sys"),
        max(r[0] for r in m.ppc64 if r[3] == BASELINE),
        sum(1 for r in m.arm64 if r[3] == BASELINE and r[2] == "sys"),
        max(r[0] for r in m.arm64 if r[3] == BASELINE)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
