//! Linux/arm64 ABI constants, as data. Every `named_consts!` table here is compared by name with the
//! Debian `linux-libc-dev-arm64-cross` headers (Linux 6.1 uapi: `asm/hwcap.h`, `asm/sigcontext.h`,
//! `asm/ptrace.h`, `asm/signal.h`, `asm/auxvec.h`) by the conformance tests (`tests/tests/arm64_abi.rs`).
//! The few kernel-internal values that no uapi header carries are plain constants below the tables,
//! each with its Linux source.

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

named_consts! {
    /// `AT_HWCAP` bits (`asm/hwcap.h`).
    HWCAP_BITS: u64 {
        HWCAP_FP = 1 << 0, HWCAP_ASIMD = 1 << 1, HWCAP_EVTSTRM = 1 << 2, HWCAP_AES = 1 << 3,
        HWCAP_PMULL = 1 << 4, HWCAP_SHA1 = 1 << 5, HWCAP_SHA2 = 1 << 6, HWCAP_CRC32 = 1 << 7,
        HWCAP_ATOMICS = 1 << 8, HWCAP_FPHP = 1 << 9, HWCAP_ASIMDHP = 1 << 10, HWCAP_CPUID = 1 << 11,
        HWCAP_ASIMDRDM = 1 << 12, HWCAP_JSCVT = 1 << 13, HWCAP_FCMA = 1 << 14, HWCAP_LRCPC = 1 << 15,
        HWCAP_DCPOP = 1 << 16, HWCAP_SHA3 = 1 << 17, HWCAP_SM3 = 1 << 18, HWCAP_SM4 = 1 << 19,
        HWCAP_ASIMDDP = 1 << 20, HWCAP_SHA512 = 1 << 21, HWCAP_SVE = 1 << 22, HWCAP_ASIMDFHM = 1 << 23,
        HWCAP_DIT = 1 << 24, HWCAP_USCAT = 1 << 25, HWCAP_ILRCPC = 1 << 26, HWCAP_FLAGM = 1 << 27,
        HWCAP_SSBS = 1 << 28, HWCAP_SB = 1 << 29, HWCAP_PACA = 1 << 30, HWCAP_PACG = 1 << 31,
    }
}

named_consts! {
    /// `AT_HWCAP2` bits (`asm/hwcap.h`, Linux 6.1).
    HWCAP2_BITS: u64 {
        HWCAP2_DCPODP = 1 << 0, HWCAP2_SVE2 = 1 << 1, HWCAP2_SVEAES = 1 << 2, HWCAP2_SVEPMULL = 1 << 3,
        HWCAP2_SVEBITPERM = 1 << 4, HWCAP2_SVESHA3 = 1 << 5, HWCAP2_SVESM4 = 1 << 6, HWCAP2_FLAGM2 = 1 << 7,
        HWCAP2_FRINT = 1 << 8, HWCAP2_SVEI8MM = 1 << 9, HWCAP2_SVEF32MM = 1 << 10, HWCAP2_SVEF64MM = 1 << 11,
        HWCAP2_SVEBF16 = 1 << 12, HWCAP2_I8MM = 1 << 13, HWCAP2_BF16 = 1 << 14, HWCAP2_DGH = 1 << 15,
        HWCAP2_RNG = 1 << 16, HWCAP2_BTI = 1 << 17, HWCAP2_MTE = 1 << 18, HWCAP2_ECV = 1 << 19,
        HWCAP2_AFP = 1 << 20, HWCAP2_RPRES = 1 << 21, HWCAP2_MTE3 = 1 << 22, HWCAP2_SME = 1 << 23,
        HWCAP2_SME_I16I64 = 1 << 24, HWCAP2_SME_F64F64 = 1 << 25, HWCAP2_SME_I8I32 = 1 << 26,
        HWCAP2_SME_F16F32 = 1 << 27, HWCAP2_SME_B16F32 = 1 << 28, HWCAP2_SME_F32F32 = 1 << 29,
        HWCAP2_SME_FA64 = 1 << 30, HWCAP2_WFXT = 1 << 31, HWCAP2_EBF16 = 1 << 32, HWCAP2_SVE_EBF16 = 1 << 33,
    }
}

/// `AT_HWCAP` bits never advertised to Linux programs, whatever the CPU has: SVE (the thread state and
/// the signal frame hold only the 128-bit V registers, so the Z/P/FFR state would be lost across a
/// signal, and `prctl(PR_SVE_*)` does not exist here).
pub const HWCAP_MASKED: u64 = HWCAP_SVE;

/// `AT_HWCAP2` bits never advertised: every SVE2/SVE extension (see [`HWCAP_MASKED`]), SME (no ZA or
/// streaming-mode state in the frame), MTE (no `PROT_MTE`, no tagged-address `prctl`) and BTI (no
/// `PROT_BTI`, and signal delivery does not set PSTATE.BTYPE).
pub const HWCAP2_MASKED: u64 = HWCAP2_SVE2
    | HWCAP2_SVEAES
    | HWCAP2_SVEPMULL
    | HWCAP2_SVEBITPERM
    | HWCAP2_SVESHA3
    | HWCAP2_SVESM4
    | HWCAP2_SVEI8MM
    | HWCAP2_SVEF32MM
    | HWCAP2_SVEF64MM
    | HWCAP2_SVEBF16
    | HWCAP2_SVE_EBF16
    | HWCAP2_SME
    | HWCAP2_SME_I16I64
    | HWCAP2_SME_F64F64
    | HWCAP2_SME_I8I32
    | HWCAP2_SME_F16F32
    | HWCAP2_SME_B16F32
    | HWCAP2_SME_F32F32
    | HWCAP2_SME_FA64
    | HWCAP2_MTE
    | HWCAP2_MTE3
    | HWCAP2_BTI;

named_consts! {
    /// Magic numbers of the `sigcontext.__reserved` records (`asm/sigcontext.h`).
    SIGCONTEXT_MAGICS: u32 {
        FPSIMD_MAGIC = 0x4650_8001, ESR_MAGIC = 0x4553_5201, EXTRA_MAGIC = 0x4558_5401,
        SVE_MAGIC = 0x5356_4501, ZA_MAGIC = 0x5436_6345,
    }
}

named_consts! {
    /// PSTATE (SPSR_EL1) bits (`asm/ptrace.h`).
    PSR_BITS: u64 {
        PSR_MODE_EL0t = 0x0, PSR_MODE_EL1t = 0x4, PSR_MODE_EL1h = 0x5, PSR_MODE_EL2t = 0x8,
        PSR_MODE_EL2h = 0x9, PSR_MODE_EL3t = 0xc, PSR_MODE_EL3h = 0xd, PSR_MODE_MASK = 0xf,
        PSR_MODE32_BIT = 0x10, PSR_F_BIT = 0x40, PSR_I_BIT = 0x80, PSR_A_BIT = 0x100, PSR_D_BIT = 0x200,
        PSR_BTYPE_MASK = 0xc00, PSR_SSBS_BIT = 0x1000, PSR_PAN_BIT = 0x40_0000, PSR_UAO_BIT = 0x80_0000,
        PSR_DIT_BIT = 0x100_0000, PSR_TCO_BIT = 0x200_0000, PSR_V_BIT = 0x1000_0000,
        PSR_C_BIT = 0x2000_0000, PSR_Z_BIT = 0x4000_0000, PSR_N_BIT = 0x8000_0000,
        PSR_BTYPE_SHIFT = 10,
    }
}

named_consts! {
    /// Signal stack sizes of `asm/signal.h` (what `<signal.h>` calls `MINSIGSTKSZ`; the kernel's own
    /// minimum, `AT_MINSIGSTKSZ`, is computed from the frame: [`crate::signal::MIN_SIGSTKSZ`]).
    SIGNAL_SIZES: u64 {
        MINSIGSTKSZ = 5120, SIGSTKSZ = 16384,
    }
}

named_consts! {
    /// arm64 auxiliary vector constants (`asm/auxvec.h`): `ARCH_DLINFO` emits this many entries.
    AUXV_CONSTS: u64 {
        AT_VECTOR_SIZE_ARCH = 2,
    }
}

/// PSTATE.IL, illegal execution state (kernel-internal `asm/ptrace.h`: in the RES0 set below).
pub const PSR_IL_BIT: u64 = 1 << 20;

/// PSTATE.SS, software step (kernel-internal `DBG_SPSR_SS`): cleared on sigreturn, as Linux's
/// `user_regs_reset_single_step` does for a thread that is not being single-stepped.
pub const PSR_SS_BIT: u64 = 1 << 21;

/// The PSTATE bits Linux clears from a user-supplied AArch64 PSTATE before validating it (kernel-internal
/// `SPSR_EL1_AARCH64_RES0_BITS`, `arch/arm64/kernel/ptrace.c`, Linux 6.1): bits 63..32, 27..26
/// (TCO at 25 and DIT at 24 are kept), PAN and UAO (23..22), 20..13 (IL included), and bit 5.
pub const SPSR_EL1_AARCH64_RES0_BITS: u64 =
    genmask(63, 32) | genmask(27, 26) | genmask(23, 22) | genmask(20, 13) | genmask(5, 5);

/// The exception mask bits D, A, I, F: a user PSTATE must have them all clear.
pub const PSR_DAIF: u64 = PSR_D_BIT | PSR_A_BIT | PSR_I_BIT | PSR_F_BIT;

/// The condition flags N, Z, C, V.
pub const PSR_NZCV: u64 = PSR_N_BIT | PSR_Z_BIT | PSR_C_BIT | PSR_V_BIT;

/// Linux's `GENMASK_ULL(h, l)`.
pub const fn genmask(h: u32, l: u32) -> u64 {
    u64::MAX.wrapping_shr(63u32.wrapping_sub(h)) & u64::MAX.wrapping_shl(l)
}

/// ESR_ELx encoding (kernel-internal `asm/esr.h`), for [`crate::frame::Arm64Thread::record_fault`].
pub mod esr {
    /// Exception class position.
    pub const EC_SHIFT: u32 = 26;
    /// Exception class field.
    pub const EC_MASK: u64 = 0x3f << EC_SHIFT;
    /// Instruction length bit.
    pub const IL: u64 = 1 << 25;
    /// Data abort: cache maintenance.
    pub const CM: u64 = 1 << 8;
    /// Data abort: write, not read.
    pub const WNR: u64 = 1 << 6;
    /// Fault status code of a level-0 translation fault (`ESR_ELx_FSC_FAULT`).
    pub const FSC_FAULT: u64 = 0x04;
    /// Exception class: instruction abort from a lower exception level.
    pub const EC_IABT_LOW: u64 = 0x20;
    /// Exception class: data abort from a lower exception level.
    pub const EC_DABT_LOW: u64 = 0x24;
    /// Exception class: `svc` from AArch64.
    pub const EC_SVC64: u64 = 0x15;
}

/// The first address past the user half of the address space: a fault address at or above it is a
/// kernel (TTBR1) address, whose ESR is sanitized before a program sees it (Linux `is_ttbr0_addr` with
/// 48-bit user VAs, FreeBSD's `VM_MAXUSER_ADDRESS`).
pub const USER_VA_END: u64 = 1 << 48;
