//! Linux/powerpc64 ABI constants that differ from the generic ones, as data. Every table here is
//! compared with the Debian `linux-libc-dev-ppc64-cross` / `-ppc64el-cross` headers by the conformance
//! tests (`tests/`), by name.

macro_rules! named_consts {
    ($(#[$m:meta])* $table:ident: $ty:ty { $($name:ident = $val:expr),* $(,)? }) => {
        $(
            #[doc = concat!("`", stringify!($name), "`.")]
            #[allow(non_upper_case_globals)]
            pub const $name: $ty = $val;
        )*
        $(#[$m])*
        pub const $table: &[(&str, $ty)] = &[$((stringify!($name), $val)),*];
    };
}

named_consts! {
    /// powerpc-only auxiliary vector types (`asm/auxvec.h`).
    AUXV_TYPES: u64 {
        AT_DCACHEBSIZE = 19, AT_ICACHEBSIZE = 20, AT_UCACHEBSIZE = 21, AT_IGNOREPPC = 22,
        AT_L1I_CACHESIZE = 40, AT_L1I_CACHEGEOMETRY = 41, AT_L1D_CACHESIZE = 42, AT_L1D_CACHEGEOMETRY = 43,
        AT_L2_CACHESIZE = 44, AT_L2_CACHEGEOMETRY = 45, AT_L3_CACHESIZE = 46, AT_L3_CACHEGEOMETRY = 47,
    }
}

named_consts! {
    /// `AT_HWCAP` bits (`asm/cputable.h`). FreeBSD's `PPC_FEATURE_*` values are the same.
    HWCAP_BITS: u64 {
        PPC_FEATURE_32 = 0x8000_0000, PPC_FEATURE_64 = 0x4000_0000, PPC_FEATURE_601_INSTR = 0x2000_0000,
        PPC_FEATURE_HAS_ALTIVEC = 0x1000_0000, PPC_FEATURE_HAS_FPU = 0x0800_0000,
        PPC_FEATURE_HAS_MMU = 0x0400_0000, PPC_FEATURE_HAS_4xxMAC = 0x0200_0000,
        PPC_FEATURE_UNIFIED_CACHE = 0x0100_0000, PPC_FEATURE_HAS_SPE = 0x0080_0000,
        PPC_FEATURE_HAS_EFP_SINGLE = 0x0040_0000, PPC_FEATURE_HAS_EFP_DOUBLE = 0x0020_0000,
        PPC_FEATURE_NO_TB = 0x0010_0000, PPC_FEATURE_POWER4 = 0x0008_0000, PPC_FEATURE_POWER5 = 0x0004_0000,
        PPC_FEATURE_POWER5_PLUS = 0x0002_0000, PPC_FEATURE_CELL = 0x0001_0000, PPC_FEATURE_BOOKE = 0x0000_8000,
        PPC_FEATURE_SMT = 0x0000_4000, PPC_FEATURE_ICACHE_SNOOP = 0x0000_2000, PPC_FEATURE_ARCH_2_05 = 0x0000_1000,
        PPC_FEATURE_PA6T = 0x0000_0800, PPC_FEATURE_HAS_DFP = 0x0000_0400, PPC_FEATURE_POWER6_EXT = 0x0000_0200,
        PPC_FEATURE_ARCH_2_06 = 0x0000_0100, PPC_FEATURE_HAS_VSX = 0x0000_0080,
        PPC_FEATURE_PSERIES_PERFMON_COMPAT = 0x0000_0040, PPC_FEATURE_TRUE_LE = 0x0000_0002,
        PPC_FEATURE_PPC_LE = 0x0000_0001,
    }
}

named_consts! {
    /// `AT_HWCAP2` bits (`asm/cputable.h`).
    HWCAP2_BITS: u64 {
        PPC_FEATURE2_ARCH_2_07 = 0x8000_0000, PPC_FEATURE2_HTM = 0x4000_0000, PPC_FEATURE2_DSCR = 0x2000_0000,
        PPC_FEATURE2_EBB = 0x1000_0000, PPC_FEATURE2_ISEL = 0x0800_0000, PPC_FEATURE2_TAR = 0x0400_0000,
        PPC_FEATURE2_VEC_CRYPTO = 0x0200_0000, PPC_FEATURE2_HTM_NOSC = 0x0100_0000,
        PPC_FEATURE2_ARCH_3_00 = 0x0080_0000, PPC_FEATURE2_HAS_IEEE128 = 0x0040_0000,
        PPC_FEATURE2_DARN = 0x0020_0000, PPC_FEATURE2_SCV = 0x0010_0000,
        PPC_FEATURE2_HTM_NO_SUSPEND = 0x0008_0000, PPC_FEATURE2_ARCH_3_1 = 0x0004_0000,
        PPC_FEATURE2_MMA = 0x0002_0000,
    }
}

/// FreeBSD's `PPC_FEATURE2_HTM_NOSUSPEND` (a different bit from Linux's `PPC_FEATURE2_HTM_NO_SUSPEND`).
pub const FREEBSD_PPC_FEATURE2_HTM_NOSUSPEND: u64 = 0x0100_0000;

/// AT_HWCAP2 bits never advertised to Linux programs: transactional memory (the kernel does not
/// checkpoint it), `scv` (FreeBSD enters through `sc` only), event-based branches, and FreeBSD's
/// differently numbered HTM_NOSUSPEND.
pub const HWCAP2_MASKED: u64 = PPC_FEATURE2_HTM
    | PPC_FEATURE2_HTM_NOSC
    | PPC_FEATURE2_HTM_NO_SUSPEND
    | PPC_FEATURE2_SCV
    | PPC_FEATURE2_EBB
    | FREEBSD_PPC_FEATURE2_HTM_NOSUSPEND;

named_consts! {
    /// `pt_regs` word indices (`asm/ptrace.h`), used by `sigcontext.gp_regs` and PTRACE_PEEKUSR.
    PT_INDICES: usize {
        PT_R0 = 0, PT_R1 = 1, PT_R2 = 2, PT_R3 = 3, PT_R12 = 12, PT_R13 = 13, PT_R31 = 31,
        PT_NIP = 32, PT_MSR = 33, PT_ORIG_R3 = 34, PT_CTR = 35, PT_LNK = 36, PT_XER = 37, PT_CCR = 38,
        PT_SOFTE = 39, PT_TRAP = 40, PT_DAR = 41, PT_DSISR = 42, PT_RESULT = 43, PT_DSCR = 44,
        PT_REGS_COUNT = 44, PT_FPR0 = 48, PT_FPSCR = 80, PT_VR0 = 82, PT_VSCR = 147, PT_VRSAVE = 148,
        PT_VSR0 = 150, ELF_NGREG = 48, ELF_NFPREG = 33, ELF_NVRREG = 34, ELF_NVSRHALFREG = 32,
    }
}

named_consts! {
    /// Signal stack sizes of `asm/signal.h`.
    SIGNAL_SIZES: u64 {
        MINSIGSTKSZ = 8192, SIGSTKSZ = 32768,
    }
}

/// The caller frame below a signal frame (`__SIGNAL_FRAMESIZE`, kernel-internal `asm/ptrace.h`, not in
/// the uapi headers: the signal tests check the handler's r1 against it).
pub const __SIGNAL_FRAMESIZE: u64 = 128;

/// The one errno whose number differs on powerpc (`asm/errno.h`): 58, not an alias of `EDEADLK`.
pub const EDEADLOCK: u16 = 58;

/// Errno values that differ from the generic table, by name.
pub const ERRNO_OVERRIDES: &[(&str, u16)] = &[("EDEADLOCK", EDEADLOCK)];

/// Bytes below the stack pointer that a leaf function may use without moving it (ELFv2 ABI red zone
/// is 288; Linux reserves 512 for both ABIs), skipped by signal frames.
pub const USER_REDZONE_SIZE: u64 = 512;

/// The interrupt vector FreeBSD records in `tf->exc` for `sc`.
pub const EXC_SC: u64 = 0xc00;
