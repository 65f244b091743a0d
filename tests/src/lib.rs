//! ABI conformance: Linux's own uapi headers, per architecture, and a comparer that checks our constants
//! and struct layouts against them.
//!
//! `build.rs` extracts, from the Debian cross headers of each architecture (`linux-libc-dev-ppc64-cross`,
//! `linux-libc-dev-ppc64el-cross`, `linux-libc-dev-arm64-cross`):
//!
//! * [`linux::ppc64::CONSTANTS`] (and `ppc64le`, `arm64`): every integer-valued object-like macro of the
//!   uapi headers listed in `wrappers/linux_*.h`, evaluated by `clang --target=<triple>`, so ioctl numbers
//!   carry the target's `sizeof` and `_IOC` layout;
//! * `LAYOUTS`: `sizeof(T)`, `alignof(T)`, `offsetof(T, f)` and `sizeof(T.f)` of the types listed in
//!   `build.rs`, by the target compiler;
//! * `types`: bindgen's Rust translation of those types, and `bindgen_layouts()`, the same names measured
//!   on the Rust types, so the two routes cross-check each other.
//!
//! [`Conformance`] accumulates mismatches and [`Conformance::finish`] fails with one message listing each
//! as `<arch> <NAME>: ours = X, Linux = Y`.

use std::fmt;

/// Linux's ABI as the uapi headers of each architecture define it.
pub mod linux {
    /// Linux/powerpc64, big-endian (`powerpc64-linux-gnu`).
    pub mod ppc64 {
        include!(concat!(env!("OUT_DIR"), "/consts_ppc64.rs"));
        include!(concat!(env!("OUT_DIR"), "/bindings_ppc64.rs"));
    }
    /// Linux/powerpc64, little-endian (`powerpc64le-linux-gnu`).
    pub mod ppc64le {
        include!(concat!(env!("OUT_DIR"), "/consts_ppc64le.rs"));
        include!(concat!(env!("OUT_DIR"), "/bindings_ppc64le.rs"));
    }
    /// Linux/arm64 (`aarch64-linux-gnu`).
    pub mod arm64 {
        include!(concat!(env!("OUT_DIR"), "/consts_arm64.rs"));
        include!(concat!(env!("OUT_DIR"), "/bindings_arm64.rs"));
    }
}

/// The architectures covered, by the names the tables and messages use.
pub const ARCHES: [&str; 3] = ["ppc64", "ppc64le", "arm64"];

/// The constant table of `arch` (`"ppc64"`, `"ppc64le"` or `"arm64"`).
///
/// # Panics
/// On an unknown architecture name.
pub fn constants(arch: &str) -> &'static [(&'static str, i128)] {
    match arch {
        "ppc64" => linux::ppc64::CONSTANTS,
        "ppc64le" => linux::ppc64le::CONSTANTS,
        "arm64" => linux::arm64::CONSTANTS,
        _ => panic!("unknown architecture {arch:?} (expected one of {ARCHES:?})"),
    }
}

/// The layout table of `arch`: names like `sizeof(struct pt_regs)`, `alignof(stack_t)`,
/// `offsetof(struct pt_regs, nip)`, `sizeof(struct pt_regs.nip)`.
///
/// # Panics
/// On an unknown architecture name.
pub fn layouts(arch: &str) -> &'static [(&'static str, i128)] {
    match arch {
        "ppc64" => linux::ppc64::LAYOUTS,
        "ppc64le" => linux::ppc64le::LAYOUTS,
        "arm64" => linux::arm64::LAYOUTS,
        _ => panic!("unknown architecture {arch:?} (expected one of {ARCHES:?})"),
    }
}

/// The same layout names as [`layouts`], measured on bindgen's Rust types.
///
/// # Panics
/// On an unknown architecture name.
pub fn bindgen_layouts(arch: &str) -> Vec<(&'static str, usize)> {
    match arch {
        "ppc64" => linux::ppc64::bindgen_layouts(),
        "ppc64le" => linux::ppc64le::bindgen_layouts(),
        "arm64" => linux::arm64::bindgen_layouts(),
        _ => panic!("unknown architecture {arch:?} (expected one of {ARCHES:?})"),
    }
}

fn lookup(table: &[(&str, i128)], name: &str) -> Option<i128> {
    table.binary_search_by(|(k, _)| (*k).cmp(name)).ok().map(|i| table[i].1)
}

/// Linux's value of the macro `name` on `arch`, or `None` when that architecture's headers do not define
/// it as an integer.
pub fn constant(arch: &str, name: &str) -> Option<i128> {
    lookup(constants(arch), name)
}

/// Linux's value of a layout name (see [`layouts`]) on `arch`.
pub fn layout(arch: &str, name: &str) -> Option<i128> {
    lookup(layouts(arch), name)
}

/// One disagreement between our value and Linux's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// Architecture, or empty for a check made without one.
    pub arch: String,
    /// The constant or layout name.
    pub name: String,
    /// Our value.
    pub ours: i128,
    /// Linux's value; `None` when Linux's headers do not define the name.
    pub linux: Option<i128>,
}

fn both(v: i128) -> String {
    if v < 0 {
        format!("{v} (-{:#x})", v.unsigned_abs())
    } else {
        format!("{v} ({v:#x})")
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.arch.is_empty() {
            write!(f, "{} ", self.arch)?;
        }
        write!(f, "{}: ours = {}, Linux = ", self.name, both(self.ours))?;
        match self.linux {
            Some(v) => f.write_str(&both(v)),
            None => f.write_str("not defined by this architecture's uapi headers"),
        }
    }
}

/// Accumulates the results of many checks and reports every mismatch at once.
#[derive(Default, Debug)]
pub struct Conformance {
    mismatches: Vec<Mismatch>,
    checked: usize,
}

impl Conformance {
    /// An empty set of results.
    pub fn new() -> Self {
        Self::default()
    }

    /// Compares `ours` with Linux's value `linux` (`None`: Linux lacks the name, also a mismatch).
    /// `name` is reported as is. Returns whether they agree.
    pub fn check(&mut self, name: &str, ours: impl Into<i128>, linux: Option<i128>) -> bool {
        self.record("", name, ours.into(), linux)
    }

    fn record(&mut self, arch: &str, name: &str, ours: i128, linux: Option<i128>) -> bool {
        self.checked += 1;
        let ok = linux == Some(ours);
        if !ok {
            self.mismatches.push(Mismatch { arch: arch.to_owned(), name: name.to_owned(), ours, linux });
        }
        ok
    }

    /// Compares our value of the macro `name` with `arch`'s headers.
    pub fn check_const(&mut self, arch: &str, name: &str, ours: impl Into<i128>) -> bool {
        self.record(arch, name, ours.into(), constant(arch, name))
    }

    /// Compares every `(NAME, value)` row of one of our tables with `arch`'s headers.
    pub fn check_table<V: Copy + Into<i128>>(&mut self, arch: &str, table: &[(&str, V)]) {
        for &(name, value) in table {
            self.check_const(arch, name, value);
        }
    }

    /// Compares one of our layout numbers (a size, alignment or offset) with `arch`'s, e.g.
    /// `check_layout("ppc64", "offsetof(struct pt_regs, nip)", offset_of!(PtRegs, nip))`.
    pub fn check_layout(&mut self, arch: &str, name: &str, ours: usize) -> bool {
        self.record(arch, name, ours as i128, layout(arch, name))
    }

    /// How many comparisons were made.
    pub fn checked(&self) -> usize {
        self.checked
    }

    /// The mismatches found so far.
    pub fn mismatches(&self) -> &[Mismatch] {
        &self.mismatches
    }

    /// Whether every comparison agreed.
    pub fn is_ok(&self) -> bool {
        self.mismatches.is_empty()
    }

    /// The failure message: one line per mismatch.
    pub fn report(&self) -> String {
        let mut s = format!(
            "{} of {} ABI checks disagree with Linux's uapi headers:\n",
            self.mismatches.len(),
            self.checked
        );
        for m in &self.mismatches {
            s.push_str("  ");
            s.push_str(&m.to_string());
            s.push('\n');
        }
        s
    }

    /// Panics with [`Conformance::report`] if any comparison disagreed.
    #[track_caller]
    pub fn finish(self) {
        if !self.is_ok() {
            panic!("{}", self.report());
        }
    }
}
