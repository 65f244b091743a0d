//! `cargo xtask check-kld FILE`: is this kernel module something FreeBSD's kld linker will load?
//!
//! - ELF header: 64-bit, the arch's machine and byte order, `ET_DYN`, `EI_OSABI` FreeBSD; on PowerPC
//!   ELFv2 (`e_flags & 3 == 2`) and no `.opd` section (also in every input object when called by the
//!   build);
//! - relocations: only the types the arch's kld relocator accepts (powerpc64 `elf_machdep.c`: NONE,
//!   ADDR64, RELATIVE, JMP_SLOT; arm64: NONE, ABS64, GLOB_DAT, JUMP_SLOT, RELATIVE, IRELATIVE);
//! - no FP/vector instruction ([`crate::kcheck`]);
//! - the module metadata and SYSINIT linker sets (`set_modmetadata_set`, `set_sysinit_set` sections, and
//!   their `__start_set_*`/`__stop_set_*` bounds exported, which is how the kld linker finds them);
//! - every undefined symbol is a FreeBSD kernel export (`crates/freebsd-sys/kpi.txt`, each name checked
//!   against the headers by freebsd-sys's build) or an MI Linuxulator symbol (the generated
//!   `linux_proto.h` and `linux64_mi.h`).
//!
//! [`self_test`] builds modules that must be refused (an ELFv1 input, a TLS relocation, an unknown symbol,
//! no linker sets) and checks each is, for the reason expected.

use crate::arch::Arch;
use crate::deps::Tools;
use crate::err;
use crate::kmod;
use crate::util::{find_tool, repo_root, run, Result, TempDir};
use object::elf;
use object::read::elf::{ElfFile64, FileHeader, SectionHeader};
use object::{Endianness, Object, ObjectSymbol};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// One thing wrong with a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Short kind (tests match on it): `header`, `not-elfv2`, `opd`, `relocation`, `fp-vector-insn`,
    /// `no-modmetadata`, `no-sysinit`, `unknown-symbol`, ...
    pub kind: &'static str,
    /// What exactly.
    pub detail: String,
}

/// The relocation types the kld linker of `arch` accepts (ELF psABI numbers), with names.
pub fn allowed_relocations(arch: Arch) -> &'static [(u32, &'static str)] {
    match arch {
        Arch::Ppc64 | Arch::Ppc64le => {
            &[(0, "R_PPC64_NONE"), (38, "R_PPC64_ADDR64"), (22, "R_PPC64_RELATIVE"), (21, "R_PPC64_JMP_SLOT")]
        }
        Arch::Arm64 => &[
            (0, "R_AARCH64_NONE"),
            (257, "R_AARCH64_ABS64"),
            (1025, "R_AARCH64_GLOB_DAT"),
            (1026, "R_AARCH64_JUMP_SLOT"),
            (1027, "R_AARCH64_RELATIVE"),
            (1032, "R_AARCH64_IRELATIVE"),
        ],
    }
}

/// The kernel exports of `arch` the module may use: `crates/freebsd-sys/kpi.txt`.
pub fn kpi_names(arch: Arch) -> Result<BTreeSet<String>> {
    let p = repo_root().join("crates/freebsd-sys/kpi.txt");
    let text = std::fs::read_to_string(&p).map_err(|e| err!("cannot read {}: {e}", p.display()))?;
    let fbsd = if arch.is_ppc() { "powerpc64" } else { "aarch64" };
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let name = w.next()?;
            match w.next() {
                Some(only) if only != "macro" && !fbsd.starts_with(only) => None,
                _ => Some(name.to_string()),
            }
        })
        .collect())
}

/// The MI Linuxulator symbols of `arch` (from the generated headers).
pub fn mi_names(arch: Arch) -> Result<BTreeSet<String>> {
    let tmp = TempDir::new("checkkld-gen")?;
    for (name, text) in kmod::generate(arch) {
        std::fs::write(tmp.path().join(name), text).map_err(|e| err!("{e}"))?;
    }
    Ok(kmod::mi_symbols(tmp.path())?.into_iter().collect())
}

/// The arch a module is for, from its header.
pub fn arch_of(data: &[u8]) -> Option<Arch> {
    let f = object::File::parse(data).ok()?;
    match (f.architecture(), f.endianness()) {
        (object::Architecture::PowerPc64, Endianness::Big) => Some(Arch::Ppc64),
        (object::Architecture::PowerPc64, Endianness::Little) => Some(Arch::Ppc64le),
        (object::Architecture::Aarch64, _) => Some(Arch::Arm64),
        _ => None,
    }
}

/// Checks the structure of a module image (everything but the disassembly).
pub fn check_image(data: &[u8], arch: Arch, kpi: &BTreeSet<String>, mi: &BTreeSet<String>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |kind, detail: String| out.push(Finding { kind, detail });
    let file = match ElfFile64::<Endianness>::parse(data) {
        Ok(f) => f,
        Err(e) => {
            push("header", format!("not a 64-bit ELF file: {e}"));
            return out;
        }
    };
    let hdr = file.elf_header();
    let e = file.endian();
    if file.architecture() != arch.object_arch() || file.endianness() != arch.endianness() {
        push(
            "header",
            format!(
                "{:?} {:?}, expected {:?} {:?}",
                file.architecture(),
                file.endianness(),
                arch.object_arch(),
                arch.endianness()
            ),
        );
    }
    if hdr.e_type(e) != elf::ET_DYN {
        push("header", format!("e_type {} is not ET_DYN (a -Bshareable module)", hdr.e_type(e)));
    }
    if hdr.e_ident().os_abi != elf::ELFOSABI_FREEBSD {
        push(
            "header",
            format!("EI_OSABI {} is not FreeBSD (link with -m <emulation>_fbsd)", hdr.e_ident().os_abi),
        );
    }
    if arch.is_ppc() {
        let flags = hdr.e_flags(e).0;
        if flags & 3 != 2 {
            push("not-elfv2", format!("e_flags {flags:#x}: not ELFv2"));
        }
        if file.section_by_name(".opd").is_some() {
            push("opd", "has an .opd section (ELFv1 function descriptors were linked in)".into());
        }
    }
    // Relocations (a shared object carries only dynamic ones; look at every REL/RELA section).
    let allowed = allowed_relocations(arch);
    let mut bad = std::collections::BTreeMap::<u32, usize>::new();
    if let Ok(sections) = hdr.sections(e, data) {
        for s in sections.iter() {
            if s.sh_type(e) != elf::SHT_RELA {
                continue;
            }
            if let Ok(Some((relas, _))) = s.rela(e, data) {
                for r in relas {
                    let ty = r.r_type(e, false).0;
                    if !allowed.iter().any(|(t, _)| *t == ty) {
                        *bad.entry(ty).or_default() += 1;
                    }
                }
            }
        }
    }
    for (ty, n) in bad {
        push(
            "relocation",
            format!(
                "{n} relocation(s) of type {ty}, which the kld linker does not accept (only {})",
                allowed.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
            ),
        );
    }
    // Linker sets.
    for (set, kind) in [("set_modmetadata_set", "no-modmetadata"), ("set_sysinit_set", "no-sysinit")] {
        if file.section_by_name(set).is_none() {
            push(kind, format!("no {set} section"));
            continue;
        }
        for bound in ["__start_", "__stop_"] {
            let name = format!("{bound}{set}");
            let exported = file.dynamic_symbols().any(|s| s.name() == Ok(name.as_str()) && !s.is_undefined());
            if !exported {
                push(
                    kind,
                    format!("{name} is not an exported symbol (the kld linker looks the set up by it)"),
                );
            }
        }
    }
    // Undefined symbols.
    for s in file.dynamic_symbols() {
        let Ok(name) = s.name() else { continue };
        if !s.is_undefined() || name.is_empty() {
            continue;
        }
        // Weak references to the bounds of a linker set the module has no entries in (sys/pcpu.h's
        // set_pcpu): they resolve to 0, as linker_set.h intends.
        if s.is_weak() && (name.starts_with("__start_set_") || name.starts_with("__stop_set_")) {
            continue;
        }
        if !kpi.contains(name) && !mi.contains(name) {
            push("unknown-symbol", format!("undefined symbol `{name}` is neither a FreeBSD kernel export (kpi.txt) nor an MI Linuxulator symbol"));
        }
    }
    out
}

/// Counts of the undefined symbols by class: (kernel exports, MI symbols).
pub fn undefined_classes(data: &[u8], kpi: &BTreeSet<String>, mi: &BTreeSet<String>) -> (usize, usize) {
    let Ok(file) = object::File::parse(data) else {
        return (0, 0);
    };
    let undef: Vec<String> = file
        .dynamic_symbols()
        .filter(|s| s.is_undefined())
        .filter_map(|s| s.name().ok().map(str::to_string))
        .filter(|n| !n.is_empty())
        .collect();
    (undef.iter().filter(|n| kpi.contains(*n)).count(), undef.iter().filter(|n| mi.contains(*n)).count())
}

/// Every check on a module file, plus the ELF checks of its input objects.
pub fn check_file(
    path: &Path,
    arch: Option<Arch>,
    inputs: &[&Path],
    tools: &Tools,
) -> Result<(Arch, Vec<Finding>)> {
    let data = std::fs::read(path).map_err(|e| err!("cannot read {}: {e}", path.display()))?;
    let arch = match arch.or_else(|| arch_of(&data)) {
        Some(a) => a,
        None => return Err(err!("{}: not a powerpc64/ppc64le/arm64 ELF file", path.display())),
    };
    let mut findings = check_image(&data, arch, &kpi_names(arch)?, &mi_names(arch)?);
    let report = crate::kcheck::check_file(path, arch, tools)?;
    for f in report.findings {
        // The header checks are done above in more detail; keep the instruction findings.
        // lld's `.glink` (the PLT resolver stub) ends in data words, not instructions.
        if matches!(&f.problem, crate::kcheck::Problem::Undecodable { function, .. } if function == ".glink")
        {
            continue;
        }
        if matches!(f.problem.kind(), "fp-vector-insn" | "undecodable") {
            findings.push(Finding { kind: f.problem.kind(), detail: f.problem.to_string() });
        }
    }
    for input in inputs {
        let bytes = std::fs::read(input).map_err(|e| err!("cannot read {}: {e}", input.display()))?;
        let mut fs = Vec::new();
        crate::kcheck::check_header(&input.display().to_string(), &bytes, arch, &mut fs);
        for f in fs {
            findings.push(Finding {
                kind: f.problem.kind(),
                detail: format!("input {}: {}", f.object, f.problem),
            });
        }
    }
    Ok((arch, findings))
}

/// Prints findings and a summary line; true if there are none.
pub fn report(path: &Path, arch: Arch, findings: &[Finding]) -> bool {
    for f in findings.iter().take(50) {
        println!("  {}: {}", f.kind, f.detail);
    }
    if findings.len() > 50 {
        println!("  ... and {} more", findings.len() - 50);
    }
    println!(
        "check-kld: {arch} {}: {}",
        path.display(),
        if findings.is_empty() {
            "ok (ELF header, relocations, linker sets, symbols, no FP/vector)".to_string()
        } else {
            format!("{} problems", findings.len())
        }
    );
    findings.is_empty()
}

/// A self-test case: C source linked into a module for ppc64, and the finding kinds it must produce.
struct Case {
    name: &'static str,
    /// clang target of the object (a versionless powerpc64 FreeBSD triple gives ELFv1).
    target: &'static str,
    source: &'static str,
    expect: &'static [&'static str],
}

/// Linker sets as FreeBSD's linker_set.h makes them (weak references to the bounds, one entry).
const SETS: &str = "static int md; static void (*si)(void);\n\
    __asm__(\".weak __start_set_modmetadata_set\\n.weak __stop_set_modmetadata_set\\n\
    .weak __start_set_sysinit_set\\n.weak __stop_set_sysinit_set\");\n\
    __attribute__((section(\"set_modmetadata_set\"), used)) static const void *m_ent = &md;\n\
    __attribute__((section(\"set_sysinit_set\"), used)) static const void *s_ent = &si;\n";

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "clean module",
            target: "powerpc64-unknown-freebsd15.0",
            source: "extern int printf(const char *, ...);\nint f(void) { return printf(\"x\"); }\n",
            expect: &[],
        },
        Case {
            name: "ELFv1 input object",
            target: "powerpc64-unknown-freebsd",
            source: "int f(int a) { return a + 1; }\n",
            expect: &["opd"],
        },
        Case {
            name: "TLS relocation",
            target: "powerpc64-unknown-freebsd15.0",
            source: "static __thread int t;\nint *f(void) { return &t; }\n",
            expect: &["relocation"],
        },
        Case {
            name: "unknown symbol",
            target: "powerpc64-unknown-freebsd15.0",
            source: "extern int bogus_function(void);\nint f(void) { return bogus_function(); }\n",
            expect: &["unknown-symbol"],
        },
        Case {
            name: "no linker sets",
            target: "powerpc64-unknown-freebsd15.0",
            source: "NOSETS int f(void) { return 1; }\n",
            expect: &["no-modmetadata", "no-sysinit"],
        },
    ]
}

/// Outcome of one self-test case.
#[derive(Debug)]
pub struct CaseResult {
    /// Case name.
    pub name: &'static str,
    /// Whether check-kld judged as expected.
    pub ok: bool,
    /// What happened.
    pub detail: String,
}

/// Builds the crafted modules and checks each is judged as expected.
pub fn self_test(tools: &Tools) -> Result<Vec<CaseResult>> {
    let lld = find_tool(&["ld.lld", "ld.lld-14"], "lld")?;
    let tmp = TempDir::new("checkkld-selftest")?;
    let kpi = kpi_names(Arch::Ppc64)?;
    let mi = mi_names(Arch::Ppc64)?;
    let mut results = Vec::new();
    for (i, c) in cases().into_iter().enumerate() {
        let src = tmp.path().join(format!("case{i}.c"));
        let obj = tmp.path().join(format!("case{i}.o"));
        let ko = tmp.path().join(format!("case{i}.ko"));
        let text = match c.source.strip_prefix("NOSETS ") {
            Some(s) => s.to_string(),
            None => format!("{SETS}{}", c.source),
        };
        std::fs::write(&src, text).map_err(|e| err!("{e}"))?;
        run(Command::new(&tools.clang)
            .arg(format!("--target={}", c.target))
            .args(["-O2", "-fPIC", "-ffreestanding", "-c"])
            .arg(&src)
            .arg("-o")
            .arg(&obj))?;
        run(Command::new(&lld)
            .args(["-m", "elf64ppc_fbsd", "-Bshareable", "-znotext", "-znorelro", "--build-id=sha1", "-o"])
            .arg(&ko)
            .arg(&obj))?;
        let data = std::fs::read(&ko).map_err(|e| err!("{e}"))?;
        let found = check_image(&data, Arch::Ppc64, &kpi, &mi);
        let kinds: Vec<&str> = found.iter().map(|f| f.kind).collect();
        let ok =
            if c.expect.is_empty() { found.is_empty() } else { c.expect.iter().all(|k| kinds.contains(k)) };
        let detail = if found.is_empty() {
            "accepted".to_string()
        } else {
            found.iter().map(|f| format!("{}: {}", f.kind, f.detail)).collect::<Vec<_>>().join("; ")
        };
        results.push(CaseResult { name: c.name, ok, detail });
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kpi_list_is_per_arch() {
        let ppc = kpi_names(Arch::Ppc64).unwrap();
        let arm = kpi_names(Arch::Arm64).unwrap();
        assert!(ppc.contains("copyin") && arm.contains("copyin"));
        assert!(ppc.contains("save_fpu") && !arm.contains("save_fpu"));
    }

    #[test]
    fn relocation_lists() {
        let names: Vec<&str> = allowed_relocations(Arch::Ppc64).iter().map(|(_, n)| *n).collect();
        assert_eq!(names, ["R_PPC64_NONE", "R_PPC64_ADDR64", "R_PPC64_RELATIVE", "R_PPC64_JMP_SLOT"]);
        assert_eq!(allowed_relocations(Arch::Ppc64)[1].0, 38);
        assert!(allowed_relocations(Arch::Arm64).iter().any(|(t, _)| *t == 1027));
    }

    /// The crafted modules (needs clang and lld from `cargo xtask` deps).
    #[test]
    fn self_test_refuses_each_bad_module() {
        let tools = Tools::find().expect("tools");
        let r = self_test(&tools).expect("self-test ran");
        let failed: Vec<_> = r.iter().filter(|c| !c.ok).collect();
        assert!(failed.is_empty(), "{failed:#?}");
        assert_eq!(r.len(), 5);
    }
}
