//! The kernel architectures we build for, and everything per-arch the other modules need.

use std::fmt;

/// A FreeBSD kernel architecture the module is built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arch {
    /// powerpc64, big-endian, ELFv2.
    Ppc64,
    /// powerpc64le (ELFv2).
    Ppc64le,
    /// aarch64.
    Arm64,
}

impl Arch {
    /// Every arch, in the order builds and tests run.
    pub const ALL: [Arch; 3] = [Arch::Ppc64, Arch::Ppc64le, Arch::Arm64];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Arch::Ppc64 => "ppc64",
            Arch::Ppc64le => "ppc64le",
            Arch::Arm64 => "arm64",
        }
    }

    /// Parses a command-line arch name.
    pub fn parse(s: &str) -> Result<Arch, String> {
        Arch::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| format!("unknown arch '{s}'; expected one of: {}", Arch::names().join(", ")))
    }

    /// All command-line names.
    pub fn names() -> Vec<&'static str> {
        Arch::ALL.iter().map(|a| a.name()).collect()
    }

    /// Custom target name = file stem of `targets/<name>.json` = the directory cargo puts output in.
    pub fn kernel_target(self) -> &'static str {
        match self {
            Arch::Ppc64 => "powerpc64-unknown-freebsd-kernel",
            Arch::Ppc64le => "powerpc64le-unknown-freebsd-kernel",
            Arch::Arm64 => "aarch64-unknown-freebsd-kernel",
        }
    }

    /// clang `--target` producing objects of the kind the kernel wants (ELFv2 on ppc:
    /// a versionless powerpc64 FreeBSD triple gives ELFv1 in clang 14).
    pub fn clang_target(self) -> &'static str {
        match self {
            Arch::Ppc64 => "powerpc64-unknown-freebsd13.0",
            Arch::Ppc64le => "powerpc64le-unknown-freebsd13.0",
            Arch::Arm64 => "aarch64-unknown-freebsd13.0",
        }
    }

    /// True for the PowerPC arches (ELFv2 / `.opd` checks apply).
    pub fn is_ppc(self) -> bool {
        matches!(self, Arch::Ppc64 | Arch::Ppc64le)
    }

    /// The ELF architecture objects must have.
    pub fn object_arch(self) -> object::Architecture {
        match self {
            Arch::Ppc64 | Arch::Ppc64le => object::Architecture::PowerPc64,
            Arch::Arm64 => object::Architecture::Aarch64,
        }
    }

    /// The byte order objects must have.
    pub fn endianness(self) -> object::Endianness {
        match self {
            Arch::Ppc64 => object::Endianness::Big,
            Arch::Ppc64le | Arch::Arm64 => object::Endianness::Little,
        }
    }

    /// `llvm-objdump --mattr`: turn on every FP/vector extension so such instructions decode
    /// (and are then caught) instead of showing as `<unknown>`.
    pub fn objdump_mattr(self) -> &'static str {
        match self {
            Arch::Ppc64 | Arch::Ppc64le => {
                "+hard-float,+altivec,+vsx,+power8-altivec,+power8-vector,+power9-altivec,\
                 +power9-vector,+power10-vector,+direct-move,+crypto,+htm,+float128,+mma,\
                 +paired-vector-memops,+prefix-instrs,+isa-v31-instructions"
            }
            Arch::Arm64 => {
                "+v8.5a,+fp-armv8,+neon,+fullfp16,+fp16fml,+bf16,+complxnum,+jsconv,+dotprod,\
                 +rdm,+i8mm,+f32mm,+f64mm,+sve,+sve2,+sme"
            }
        }
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
