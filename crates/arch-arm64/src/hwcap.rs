//! `AT_HWCAP` and `AT_HWCAP2` from the CPU's ID registers, the way Linux 6.1 computes them
//! (`arch/arm64/kernel/cpufeature.c`, `arm64_elf_hwcaps[]` and `setup_elf_hwcaps`): one row per
//! (register, field, minimum value) -> bit, a bit being set when any of its rows matches. Signed fields
//! (FP, AdvSIMD, DIT) hold -1 (0xf) for "not implemented", so "FP >= 0" means FP is present.
//!
//! The field positions are the architectural ones (Arm ARM; the same as FreeBSD's `machine/armreg.h`
//! `ID_AA64*_SHIFT`). The register values are the system-wide sanitized ones (FreeBSD's
//! `user_cpu_desc` / Linux's `read_sanitised_ftr_reg`).
//!
//! Two bits do not come from ID registers: `HWCAP_CPUID` (the kernel emulates EL0 reads of the ID
//! registers) and `HWCAP_EVTSTRM` (the generic timer's event stream is on); [`Arm64Cpu`] says whether
//! each holds. What the Linuxulator cannot honour is then masked ([`crate::abi::HWCAP_MASKED`],
//! [`crate::abi::HWCAP2_MASKED`]).

use crate::abi::*;
use crate::Arm64Cpu;

/// The ID registers the table reads.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IdReg {
    /// `ID_AA64PFR0_EL1`.
    Pfr0,
    /// `ID_AA64PFR1_EL1`.
    Pfr1,
    /// `ID_AA64ISAR0_EL1`.
    Isar0,
    /// `ID_AA64ISAR1_EL1`.
    Isar1,
    /// `ID_AA64ISAR2_EL1`.
    Isar2,
    /// `ID_AA64MMFR0_EL1`.
    Mmfr0,
    /// `ID_AA64MMFR1_EL1`.
    Mmfr1,
    /// `ID_AA64MMFR2_EL1`.
    Mmfr2,
    /// `ID_AA64ZFR0_EL1`.
    Zfr0,
    /// `ID_AA64SMFR0_EL1`.
    Smfr0,
}

impl IdReg {
    /// The register's value on `cpu`.
    pub fn value(self, cpu: &Arm64Cpu) -> u64 {
        match self {
            IdReg::Pfr0 => cpu.id_aa64pfr0,
            IdReg::Pfr1 => cpu.id_aa64pfr1,
            IdReg::Isar0 => cpu.id_aa64isar0,
            IdReg::Isar1 => cpu.id_aa64isar1,
            IdReg::Isar2 => cpu.id_aa64isar2,
            IdReg::Mmfr0 => cpu.id_aa64mmfr0,
            IdReg::Mmfr1 => cpu.id_aa64mmfr1,
            IdReg::Mmfr2 => cpu.id_aa64mmfr2,
            IdReg::Zfr0 => cpu.id_aa64zfr0,
            IdReg::Smfr0 => cpu.id_aa64smfr0,
        }
    }
}

/// Which auxiliary vector word a capability goes to, and its bit there.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Cap {
    /// An `AT_HWCAP` bit.
    Hwcap(u64),
    /// An `AT_HWCAP2` bit.
    Hwcap2(u64),
}

/// One row of Linux's `arm64_elf_hwcaps[]`: the capability is present when the field, read with its
/// signedness, is at least `min`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct HwcapRow {
    /// The register.
    pub reg: IdReg,
    /// The field's architectural name (for messages and the tests).
    pub field: &'static str,
    /// The field's lowest bit.
    pub shift: u32,
    /// The field's width in bits (4, or 1 for the single-bit SME fields).
    pub width: u32,
    /// Whether the field is signed (`FTR_SIGNED`).
    pub signed: bool,
    /// The minimum value (`min_field_value`).
    pub min: i64,
    /// The capability.
    pub cap: Cap,
}

impl HwcapRow {
    /// The field's value in `reg`, sign-extended when the field is signed (Linux
    /// `cpuid_feature_extract_field_width`).
    pub fn field_value(&self, reg: u64) -> i64 {
        let width = self.width.clamp(1, 63);
        let raw = (reg.checked_shr(self.shift).unwrap_or(0) & (1u64 << width).wrapping_sub(1)) as i64;
        // Two's complement sign extension of a `width`-bit field: wrapping by definition.
        if self.signed && raw & (1 << width.wrapping_sub(1)) != 0 {
            raw.wrapping_sub(1 << width)
        } else {
            raw
        }
    }

    /// Whether the row matches `cpu` (Linux `has_cpuid_feature` / `feature_matches`).
    pub fn matches(&self, cpu: &Arm64Cpu) -> bool {
        self.field_value(self.reg.value(cpu)) >= self.min
    }
}

const fn row(reg: IdReg, field: &'static str, shift: u32, signed: bool, min: i64, cap: Cap) -> HwcapRow {
    HwcapRow { reg, field, shift, width: 4, signed, min, cap }
}

const fn bit(reg: IdReg, field: &'static str, shift: u32, cap: Cap) -> HwcapRow {
    HwcapRow { reg, field, shift, width: 1, signed: false, min: 1, cap }
}

const U: bool = false;
const S: bool = true;
use Cap::{Hwcap as H, Hwcap2 as H2};
use IdReg::*;

/// Linux 6.1 `arm64_elf_hwcaps[]`, in Linux's order, with `CONFIG_ARM64_SVE`, `CONFIG_ARM64_BTI`,
/// `CONFIG_ARM64_PTR_AUTH`, `CONFIG_ARM64_MTE` and `CONFIG_ARM64_SME` all on (the masks then remove
/// what the Linuxulator cannot honour). The pointer-authentication capabilities are
/// `HWCAP_MULTI_CAP`s: any of their three rows (QARMA5 `APA`/`GPA`, QARMA3 `APA3`/`GPA3`,
/// implementation-defined `API`/`GPI`) sets the bit.
#[rustfmt::skip]
pub const HWCAP_ROWS: &[HwcapRow] = &[
    row(Isar0, "AES", 4, U, 2, H(HWCAP_PMULL)),
    row(Isar0, "AES", 4, U, 1, H(HWCAP_AES)),
    row(Isar0, "SHA1", 8, U, 1, H(HWCAP_SHA1)),
    row(Isar0, "SHA2", 12, U, 1, H(HWCAP_SHA2)),
    row(Isar0, "SHA2", 12, U, 2, H(HWCAP_SHA512)),
    row(Isar0, "CRC32", 16, U, 1, H(HWCAP_CRC32)),
    row(Isar0, "ATOMIC", 20, U, 2, H(HWCAP_ATOMICS)),
    row(Isar0, "RDM", 28, U, 1, H(HWCAP_ASIMDRDM)),
    row(Isar0, "SHA3", 32, U, 1, H(HWCAP_SHA3)),
    row(Isar0, "SM3", 36, U, 1, H(HWCAP_SM3)),
    row(Isar0, "SM4", 40, U, 1, H(HWCAP_SM4)),
    row(Isar0, "DP", 44, U, 1, H(HWCAP_ASIMDDP)),
    row(Isar0, "FHM", 48, U, 1, H(HWCAP_ASIMDFHM)),
    row(Isar0, "TS", 52, U, 1, H(HWCAP_FLAGM)),
    row(Isar0, "TS", 52, U, 2, H2(HWCAP2_FLAGM2)),
    row(Isar0, "RNDR", 60, U, 1, H2(HWCAP2_RNG)),
    row(Pfr0, "FP", 16, S, 0, H(HWCAP_FP)),
    row(Pfr0, "FP", 16, S, 1, H(HWCAP_FPHP)),
    row(Pfr0, "AdvSIMD", 20, S, 0, H(HWCAP_ASIMD)),
    row(Pfr0, "AdvSIMD", 20, S, 1, H(HWCAP_ASIMDHP)),
    row(Pfr0, "DIT", 48, S, 1, H(HWCAP_DIT)),
    row(Isar1, "DPB", 0, U, 1, H(HWCAP_DCPOP)),
    row(Isar1, "DPB", 0, U, 2, H2(HWCAP2_DCPODP)),
    row(Isar1, "JSCVT", 12, U, 1, H(HWCAP_JSCVT)),
    row(Isar1, "FCMA", 16, U, 1, H(HWCAP_FCMA)),
    row(Isar1, "LRCPC", 20, U, 1, H(HWCAP_LRCPC)),
    row(Isar1, "LRCPC", 20, U, 2, H(HWCAP_ILRCPC)),
    row(Isar1, "FRINTTS", 32, U, 1, H2(HWCAP2_FRINT)),
    row(Isar1, "SB", 36, U, 1, H(HWCAP_SB)),
    row(Isar1, "BF16", 44, U, 1, H2(HWCAP2_BF16)),
    row(Isar1, "BF16", 44, U, 2, H2(HWCAP2_EBF16)),
    row(Isar1, "DGH", 48, U, 1, H2(HWCAP2_DGH)),
    row(Isar1, "I8MM", 52, U, 1, H2(HWCAP2_I8MM)),
    row(Mmfr2, "AT", 32, U, 1, H(HWCAP_USCAT)),
    row(Pfr0, "SVE", 32, U, 1, H(HWCAP_SVE)),
    row(Zfr0, "SVEver", 0, U, 1, H2(HWCAP2_SVE2)),
    row(Zfr0, "AES", 4, U, 1, H2(HWCAP2_SVEAES)),
    row(Zfr0, "AES", 4, U, 2, H2(HWCAP2_SVEPMULL)),
    row(Zfr0, "BitPerm", 16, U, 1, H2(HWCAP2_SVEBITPERM)),
    row(Zfr0, "BF16", 20, U, 1, H2(HWCAP2_SVEBF16)),
    row(Zfr0, "BF16", 20, U, 2, H2(HWCAP2_SVE_EBF16)),
    row(Zfr0, "SHA3", 32, U, 1, H2(HWCAP2_SVESHA3)),
    row(Zfr0, "SM4", 40, U, 1, H2(HWCAP2_SVESM4)),
    row(Zfr0, "I8MM", 44, U, 1, H2(HWCAP2_SVEI8MM)),
    row(Zfr0, "F32MM", 52, U, 1, H2(HWCAP2_SVEF32MM)),
    row(Zfr0, "F64MM", 56, U, 1, H2(HWCAP2_SVEF64MM)),
    row(Pfr1, "SSBS", 4, U, 2, H(HWCAP_SSBS)),
    row(Pfr1, "BT", 0, U, 1, H2(HWCAP2_BTI)),
    row(Isar1, "APA", 4, U, 1, H(HWCAP_PACA)),
    row(Isar2, "APA3", 12, U, 1, H(HWCAP_PACA)),
    row(Isar1, "API", 8, U, 1, H(HWCAP_PACA)),
    row(Isar1, "GPA", 24, U, 1, H(HWCAP_PACG)),
    row(Isar2, "GPA3", 8, U, 1, H(HWCAP_PACG)),
    row(Isar1, "GPI", 28, U, 1, H(HWCAP_PACG)),
    row(Pfr1, "MTE", 8, U, 2, H2(HWCAP2_MTE)),
    row(Pfr1, "MTE", 8, U, 3, H2(HWCAP2_MTE3)),
    row(Mmfr0, "ECV", 60, U, 1, H2(HWCAP2_ECV)),
    row(Mmfr1, "AFP", 44, U, 1, H2(HWCAP2_AFP)),
    row(Isar2, "RPRES", 4, U, 1, H2(HWCAP2_RPRES)),
    row(Isar2, "WFxT", 0, U, 2, H2(HWCAP2_WFXT)),
    row(Pfr1, "SME", 24, U, 1, H2(HWCAP2_SME)),
    bit(Smfr0, "FA64", 63, H2(HWCAP2_SME_FA64)),
    row(Smfr0, "I16I64", 52, U, 0xf, H2(HWCAP2_SME_I16I64)),
    bit(Smfr0, "F64F64", 48, H2(HWCAP2_SME_F64F64)),
    row(Smfr0, "I8I32", 36, U, 0xf, H2(HWCAP2_SME_I8I32)),
    bit(Smfr0, "F16F32", 35, H2(HWCAP2_SME_F16F32)),
    bit(Smfr0, "B16F32", 34, H2(HWCAP2_SME_B16F32)),
    bit(Smfr0, "F32F32", 32, H2(HWCAP2_SME_F32F32)),
];

/// `(AT_HWCAP, AT_HWCAP2)` exactly as Linux 6.1 computes them for `cpu`, before masking.
pub fn linux_hwcaps(cpu: &Arm64Cpu) -> (u64, u64) {
    let mut hwcap = 0u64;
    let mut hwcap2 = 0u64;
    if cpu.mrs_emulation {
        hwcap |= HWCAP_CPUID;
    }
    if cpu.event_stream {
        hwcap |= HWCAP_EVTSTRM;
    }
    for r in HWCAP_ROWS.iter().filter(|r| r.matches(cpu)) {
        match r.cap {
            Cap::Hwcap(b) => hwcap |= b,
            Cap::Hwcap2(b) => hwcap2 |= b,
        }
    }
    (hwcap, hwcap2)
}

/// `AT_HWCAP` for Linux programs: Linux's value without [`HWCAP_MASKED`].
pub fn hwcap(cpu: &Arm64Cpu) -> u64 {
    linux_hwcaps(cpu).0 & !HWCAP_MASKED
}

/// `AT_HWCAP2` for Linux programs: Linux's value without [`HWCAP2_MASKED`].
pub fn hwcap2(cpu: &Arm64Cpu) -> u64 {
    linux_hwcaps(cpu).1 & !HWCAP2_MASKED
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_fields_sign_extend() {
        let fp = HWCAP_ROWS.iter().find(|r| r.field == "FP" && r.min == 0).unwrap();
        assert_eq!(fp.field_value(0xf << 16), -1);
        assert_eq!(fp.field_value(0x1 << 16), 1);
        let fa64 = HWCAP_ROWS.iter().find(|r| r.field == "FA64").unwrap();
        assert_eq!(fa64.field_value(1 << 63), 1);
        assert_eq!(fa64.field_value(!(1 << 63)), 0);
    }

    #[test]
    fn every_row_names_a_known_bit_and_stays_inside_its_register() {
        for r in HWCAP_ROWS {
            assert!(r.shift + r.width <= 64, "{}", r.field);
            let (table, b) = match r.cap {
                Cap::Hwcap(b) => (HWCAP_BITS, b),
                Cap::Hwcap2(b) => (HWCAP2_BITS, b),
            };
            assert!(table.iter().any(|(_, v)| *v == b), "{}", r.field);
        }
    }
}
