//! Kernel-object checks, run on every kernel build.
//!
//! For each object (a plain `.o`, or every member of a `.a`):
//! - ELF header: right machine and byte order; on PowerPC ELFv2 (`e_flags & 3 == 2`) and no `.opd`
//!   section (lld silently links ELFv1 objects into an ELFv2 module that then crashes);
//! - disassembly (`llvm-objdump -d` with every FP/vector extension enabled so such instructions
//!   decode): no floating-point, AltiVec/VSX/SPE/DFP (PowerPC) or FP/NEON/SVE/SME (arm64)
//!   instruction, and no undecodable non-zero word. Kernel code must not touch FP/vector state.
//!
//! [`self_test`] proves the checker can fail: it assembles known-bad objects with clang and
//! requires each to be refused for the expected reason.

use crate::arch::Arch;
use crate::deps::Tools;
use crate::err;
use crate::util::{output, run, Result, TempDir};
use object::{Object, ObjectSection};
use std::fmt;
use std::path::Path;
use std::process::Command;

/// What is wrong with an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Not an ELF object we can parse.
    NotElf(String),
    /// Wrong ELF machine or byte order.
    WrongArch(String),
    /// PowerPC object not marked ELFv2.
    NotElfv2 {
        /// The object's e_flags.
        e_flags: u32,
    },
    /// PowerPC object with an `.opd` section (ELFv1 function descriptors).
    HasOpd,
    /// A forbidden instruction.
    Forbidden {
        /// Function (symbol) containing it.
        function: String,
        /// Offset in its section.
        address: u64,
        /// The instruction text.
        insn: String,
        /// Why it is forbidden.
        class: &'static str,
    },
    /// A non-zero word the disassembler could not decode.
    Undecodable {
        /// Function (symbol) containing it.
        function: String,
        /// Offset in its section.
        address: u64,
        /// The raw bytes.
        bytes: String,
    },
}

impl Problem {
    /// Short name of the kind of problem (for tests and summaries).
    pub fn kind(&self) -> &'static str {
        match self {
            Problem::NotElf(_) => "not-elf",
            Problem::WrongArch(_) => "wrong-arch",
            Problem::NotElfv2 { .. } => "not-elfv2",
            Problem::HasOpd => "opd",
            Problem::Forbidden { .. } => "fp-vector-insn",
            Problem::Undecodable { .. } => "undecodable",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::NotElf(e) => write!(f, "not a parsable ELF object: {e}"),
            Problem::WrongArch(e) => write!(f, "wrong architecture: {e}"),
            Problem::NotElfv2 { e_flags } => {
                write!(f, "not ELFv2: e_flags = {e_flags:#x} (e_flags & 3 must be 2)")
            }
            Problem::HasOpd => write!(f, "has an .opd section (ELFv1 function descriptors)"),
            Problem::Forbidden { function, address, insn, class } => {
                write!(f, "<{function}> at {address:#x}: `{insn}` ({class})")
            }
            Problem::Undecodable { function, address, bytes } => {
                write!(f, "<{function}> at {address:#x}: undecodable word {bytes}")
            }
        }
    }
}

/// A problem in a named object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Object (archive member) name.
    pub object: String,
    /// What is wrong.
    pub problem: Problem,
}

/// Result of checking one file.
#[derive(Debug, Default)]
pub struct Report {
    /// Objects checked.
    pub objects: usize,
    /// Instructions checked.
    pub instructions: usize,
    /// Everything wrong.
    pub findings: Vec<Finding>,
}

impl Report {
    /// True if nothing is wrong.
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }

    /// Prints the findings (at most `limit`) and a summary line for `what`.
    pub fn print(&self, what: &str, limit: usize) {
        for f in self.findings.iter().take(limit) {
            println!("  {}: {}", f.object, f.problem);
        }
        if self.findings.len() > limit {
            println!("  ... and {} more", self.findings.len() - limit);
        }
        println!(
            "kcheck: {what}: {} objects, {} instructions checked: {}",
            self.objects,
            self.instructions,
            if self.ok() {
                "ok (ELF flags fine, no FP/vector instructions)".to_string()
            } else {
                format!("{} problems", self.findings.len())
            }
        );
    }
}

/// Checks an object file or a static archive of objects built for `arch`.
pub fn check_file(path: &Path, arch: Arch, tools: &Tools) -> Result<Report> {
    let data = std::fs::read(path).map_err(|e| err!("cannot read {}: {e}", path.display()))?;
    let mut report = Report::default();
    if data.starts_with(b"!<arch>\n") {
        let archive = object::read::archive::ArchiveFile::parse(&*data)
            .map_err(|e| err!("{}: bad archive: {e}", path.display()))?;
        for member in archive.members() {
            let member = member.map_err(|e| err!("{}: bad archive member: {e}", path.display()))?;
            let name = String::from_utf8_lossy(member.name()).into_owned();
            let bytes = member.data(&*data).map_err(|e| err!("{}({name}): {e}", path.display()))?;
            report.objects += 1;
            check_header(&name, bytes, arch, &mut report.findings);
        }
    } else {
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        report.objects += 1;
        check_header(&name, &data, arch, &mut report.findings);
    }
    let listing = output(
        Command::new(&tools.objdump).arg("-d").arg(format!("--mattr={}", arch.objdump_mattr())).arg(path),
    )?;
    let (n, findings) = scan_disassembly(&listing, arch);
    report.instructions = n;
    report.findings.extend(findings);
    Ok(report)
}

/// ELF header checks of one object.
pub fn check_header(name: &str, data: &[u8], arch: Arch, out: &mut Vec<Finding>) {
    let mut push = |problem| out.push(Finding { object: name.to_string(), problem });
    let file = match object::File::parse(data) {
        Ok(f) => f,
        Err(e) => return push(Problem::NotElf(e.to_string())),
    };
    if file.format() != object::BinaryFormat::Elf || !file.is_64() {
        return push(Problem::NotElf(format!("{:?}", file.format())));
    }
    if file.architecture() != arch.object_arch() || file.endianness() != arch.endianness() {
        push(Problem::WrongArch(format!(
            "{:?} {:?}, expected {:?} {:?} for {arch}",
            file.architecture(),
            file.endianness(),
            arch.object_arch(),
            arch.endianness()
        )));
    }
    if arch.is_ppc() {
        if let object::FileFlags::Elf { e_flags, .. } = file.flags() {
            let e_flags = e_flags.0;
            if e_flags & 3 != 2 {
                push(Problem::NotElfv2 { e_flags });
            }
        }
        if file.sections().any(|s| s.name() == Ok(".opd")) {
            push(Problem::HasOpd);
        }
    }
}

/// Scans `llvm-objdump -d` output (with raw bytes shown); returns the number of instructions and
/// the forbidden/undecodable ones.
pub fn scan_disassembly(listing: &str, arch: Arch) -> (usize, Vec<Finding>) {
    let mut object = String::new();
    let mut function = String::new();
    let mut count = 0;
    let mut findings = Vec::new();
    for line in listing.lines() {
        if let Some(head) =
            line.strip_suffix(|c: char| c.is_whitespace()).unwrap_or(line).split_once(":\tfile format ")
        {
            // "path/lib.a(member.o):\tfile format elf64-powerpc" or "x.o:\tfile format ..."
            let head = head.0;
            object = match (head.rfind('('), head.ends_with(')')) {
                (Some(i), true) => head[i + 1..head.len() - 1].to_string(),
                _ => Path::new(head).file_name().map_or(head.into(), |n| n.to_string_lossy().into()),
            };
            continue;
        }
        if let Some(sym) = parse_label(line) {
            function = sym.to_string();
            continue;
        }
        let Some((address, bytes, insn)) = parse_insn_line(line) else {
            continue;
        };
        count += 1;
        let problem = if insn.starts_with("<unknown>") {
            (!bytes.split_whitespace().all(|b| b == "00")).then(|| Problem::Undecodable {
                function: function.clone(),
                address,
                bytes: bytes.trim().to_string(),
            })
        } else {
            forbidden_class(arch, insn).map(|class| Problem::Forbidden {
                function: function.clone(),
                address,
                insn: insn.split_whitespace().collect::<Vec<_>>().join(" "),
                class,
            })
        };
        if let Some(problem) = problem {
            findings.push(Finding { object: object.clone(), problem });
        }
    }
    (count, findings)
}

/// "0000000000000000 <symbol>:" -> "symbol".
fn parse_label(line: &str) -> Option<&str> {
    let (addr, rest) = line.split_once(' ')?;
    if addr.is_empty() || !addr.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    rest.strip_prefix('<')?.strip_suffix(">:")
}

/// "      2c: 7c 03 26 98  \tlxvd2x 0, 3, 4" -> (0x2c, "7c 03 26 98", "lxvd2x 0, 3, 4").
fn parse_insn_line(line: &str) -> Option<(u64, &str, &str)> {
    let (addr, rest) = line.split_once(':')?;
    let addr = addr.trim_start();
    if addr.is_empty() || !addr.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let address = u64::from_str_radix(addr, 16).ok()?;
    let (bytes, insn) = rest.split_once('\t')?;
    let insn = insn.trim();
    if insn.is_empty()
        || !bytes.split_whitespace().all(|b| b.len() == 2 && b.bytes().all(|c| c.is_ascii_hexdigit()))
    {
        return None;
    }
    Some((address, bytes, insn))
}

/// If `insn` (mnemonic and operands as llvm-objdump prints them) is FP/vector, the kind.
pub fn forbidden_class(arch: Arch, insn: &str) -> Option<&'static str> {
    // Drop branch targets "<sym+0x10>" and comments, so symbol names never match.
    let insn = insn.split(['<']).next().unwrap_or("");
    let insn = insn.split("//").next().unwrap_or("");
    let mut parts = insn.split_whitespace();
    let mnemonic = parts.next()?;
    let operands: Vec<&str> = parts.collect();
    match arch {
        Arch::Ppc64 | Arch::Ppc64le => ppc_class(mnemonic),
        Arch::Arm64 => arm64_class(mnemonic, &operands.join(" ")),
    }
}

/// PowerPC mnemonic prefixes that name FP/vector instructions, with their kind.
const PPC_PREFIXES: &[(&str, &str)] = &[
    // Floating point: every mnemonic starting with 'f' (fadd, fmr, fcmpu, fctidz, ...).
    ("f", "floating-point"),
    ("lf", "floating-point load"),
    ("stf", "floating-point store"),
    ("plf", "floating-point load"),
    ("pstf", "floating-point store"),
    ("mffs", "FPSCR access"),
    ("mtfs", "FPSCR access"),
    ("mcrfs", "FPSCR access"),
    ("mffpr", "FPR move"),
    ("mtfpr", "FPR move"),
    // Decimal floating point (operates on FPRs).
    ("dadd", "decimal floating-point"),
    ("dsub", "decimal floating-point"),
    ("dmul", "decimal floating-point"),
    ("ddiv", "decimal floating-point"),
    ("dcmp", "decimal floating-point"),
    ("dtst", "decimal floating-point"),
    ("dqua", "decimal floating-point"),
    ("drrnd", "decimal floating-point"),
    ("drint", "decimal floating-point"),
    ("dctdp", "decimal floating-point"),
    ("dctqpq", "decimal floating-point"),
    ("dctfix", "decimal floating-point"),
    ("dcffix", "decimal floating-point"),
    ("drsp", "decimal floating-point"),
    ("drdpq", "decimal floating-point"),
    ("ddedpd", "decimal floating-point"),
    ("denbcd", "decimal floating-point"),
    ("dxex", "decimal floating-point"),
    ("diex", "decimal floating-point"),
    ("dscli", "decimal floating-point"),
    ("dscri", "decimal floating-point"),
    // AltiVec: every mnemonic starting with 'v', vector loads/stores, VSCR/VRSAVE, streams, BCD.
    ("v", "AltiVec"),
    ("lv", "AltiVec load"),
    ("stv", "AltiVec store"),
    ("mfvscr", "AltiVec VSCR access"),
    ("mtvscr", "AltiVec VSCR access"),
    ("mfvr", "AltiVec register move"),
    ("mtvr", "AltiVec register move"),
    ("dss", "AltiVec data stream"),
    ("dst", "AltiVec data stream"),
    ("bcd", "AltiVec BCD"),
    // VSX (+ MMA, paired and prefixed forms).
    ("xs", "VSX"),
    ("xv", "VSX"),
    ("xx", "VSX"),
    ("lx", "VSX load"),
    ("stx", "VSX store"),
    ("plx", "VSX load"),
    ("pstx", "VSX store"),
    ("pmx", "MMA"),
    ("mfvsr", "VSX register move"),
    ("mtvsr", "VSX register move"),
    // SPE (e500): FP in GPRs, not for ppc64, but never in our code either.
    ("ev", "SPE"),
    ("efs", "SPE floating-point"),
    ("efd", "SPE floating-point"),
];

fn ppc_class(mnemonic: &str) -> Option<&'static str> {
    let m = mnemonic.trim_end_matches(['.', '+', '-']);
    // Longest matching prefix wins (only matters for the message).
    PPC_PREFIXES
        .iter()
        .filter(|(p, _)| m.starts_with(p))
        .max_by_key(|(p, _)| p.len())
        .map(|&(_, class)| class)
}

fn arm64_class(mnemonic: &str, operands: &str) -> Option<&'static str> {
    if mnemonic.starts_with('f') {
        return Some("floating-point");
    }
    if matches!(mnemonic, "smstart" | "smstop") {
        return Some("SME");
    }
    for tok in operands.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if let Some(class) = arm64_register_class(tok) {
            return Some(class);
        }
    }
    None
}

/// FP/SIMD/SVE/SME register names: v0-31, q/d/s/h/b0-31, z0-31, p0-15, za*, fpcr/fpsr.
fn arm64_register_class(tok: &str) -> Option<&'static str> {
    if matches!(tok, "fpcr" | "fpsr" | "fpmr") {
        return Some("FP control register");
    }
    if tok == "za" || (tok.starts_with("za") && tok[2..].starts_with(|c: char| c.is_ascii_digit())) {
        return Some("SME register");
    }
    let mut chars = tok.chars();
    let first = chars.next()?;
    let num = chars.as_str();
    if num.is_empty() || num.len() > 2 || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u32 = num.parse().ok()?;
    match first {
        'v' | 'q' | 'd' | 's' | 'h' | 'b' if n <= 31 => Some("FP/SIMD register"),
        'z' if n <= 31 => Some("SVE register"),
        'p' if n <= 15 => Some("SVE predicate register"),
        _ => None,
    }
}

/// One self-test case: an object that must be refused with every kind in `expect`, or pass when
/// `expect` is empty.
struct Case {
    name: &'static str,
    arch: Arch,
    /// clang `--target`.
    target: &'static str,
    /// "s" (assembly) or "c".
    lang: &'static str,
    source: &'static str,
    expect: &'static [&'static str],
}

const PPC_V2: &str = "\t.abiversion 2\n\t.text\n\t.globl f\n\t.type f,@function\nf:\n";
const A64: &str = "\t.text\n\t.globl f\n\t.type f,@function\nf:\n";

fn cases() -> Vec<Case> {
    let ppc = |name, arch, body: &'static str, expect| Case {
        name,
        arch,
        target: arch.clang_target(),
        lang: "s",
        source: body,
        expect,
    };
    let a64 = |name, body: &'static str, expect| Case {
        name,
        arch: Arch::Arm64,
        target: Arch::Arm64.clang_target(),
        lang: "s",
        source: body,
        expect,
    };
    vec![
        ppc("ppc64 clean", Arch::Ppc64, "add 3,3,4\n\tld 5,0(3)\n\tblr\n", &[]),
        ppc("ppc64 fadd", Arch::Ppc64, "fadd 1,2,3\n\tblr\n", &["fp-vector-insn"]),
        ppc("ppc64 lfd", Arch::Ppc64, "lfd 1,0(3)\n\tblr\n", &["fp-vector-insn"]),
        ppc("ppc64 lxvd2x (VSX)", Arch::Ppc64, "lxvd2x 0,3,4\n\tblr\n", &["fp-vector-insn"]),
        ppc("ppc64le vaddubm (AltiVec)", Arch::Ppc64le, "vaddubm 2,3,4\n\tblr\n", &["fp-vector-insn"]),
        ppc("ppc64le xxlor (VSX)", Arch::Ppc64le, "xxlor 0,1,1\n\tblr\n", &["fp-vector-insn"]),
        Case {
            name: "ppc64 ELFv1 object (versionless triple)",
            arch: Arch::Ppc64,
            target: "powerpc64-unknown-freebsd",
            lang: "c",
            source: "long f(long a) { return a + 1; }\n",
            expect: &["not-elfv2", "opd"],
        },
        a64("arm64 clean", "add x0, x0, x1\n\tldr x2, [x0]\n\tret\n", &[]),
        a64("arm64 fadd d0,d1,d2", "fadd d0, d1, d2\n\tret\n", &["fp-vector-insn"]),
        a64("arm64 add v0.4s (NEON)", "add v0.4s, v1.4s, v2.4s\n\tret\n", &["fp-vector-insn"]),
        a64("arm64 ldr q0 (SIMD load)", "ldr q0, [x0]\n\tret\n", &["fp-vector-insn"]),
        a64("arm64 umov w0, v1.s[0]", "mov w0, v1.s[0]\n\tret\n", &["fp-vector-insn"]),
    ]
}

/// Outcome of one self-test case.
#[derive(Debug)]
pub struct CaseResult {
    /// Case name.
    pub name: &'static str,
    /// Whether the checker behaved as expected.
    pub ok: bool,
    /// What happened.
    pub detail: String,
}

/// Builds the self-test objects (and an archive mixing a clean and a bad one) and checks that the
/// checker accepts exactly the clean ones.
pub fn self_test(tools: &Tools) -> Result<Vec<CaseResult>> {
    let tmp = TempDir::new("kcheck-selftest")?;
    let mut results = Vec::new();
    let mut objects = Vec::new();
    for (i, case) in cases().into_iter().enumerate() {
        let src = tmp.path().join(format!("case{i}.{}", case.lang));
        let obj = tmp.path().join(format!("case{i}.o"));
        let text = if case.lang == "s" {
            let head = if case.arch == Arch::Arm64 { A64 } else { PPC_V2 };
            format!("{head}\t{}", case.source)
        } else {
            case.source.to_string()
        };
        std::fs::write(&src, text).map_err(|e| err!("cannot write {}: {e}", src.display()))?;
        let mut clang = Command::new(&tools.clang);
        clang.arg(format!("--target={}", case.target)).arg("-c");
        if case.lang == "c" {
            clang.args(["-O2", "-ffreestanding"]);
        }
        run(clang.arg(&src).arg("-o").arg(&obj))?;
        let report = check_file(&obj, case.arch, tools)?;
        results.push(judge(case.name, case.expect, &report));
        objects.push((case, obj));
    }
    // Archive path: a clean ppc64 object plus a bad one must name the bad member.
    let clean = objects.iter().find(|(c, _)| c.name == "ppc64 clean").map(|(_, o)| o.clone());
    let bad = objects.iter().find(|(c, _)| c.name == "ppc64 lxvd2x (VSX)").map(|(_, o)| o.clone());
    if let (Some(clean), Some(bad)) = (clean, bad) {
        let a = tmp.path().join("mixed.a");
        run(Command::new(&tools.llvm_ar).arg("rcs").arg(&a).arg(&clean).arg(&bad))?;
        let report = check_file(&a, Arch::Ppc64, tools)?;
        let bad_name = bad.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let mut r = judge("ppc64 archive with one VSX member", &["fp-vector-insn"], &report);
        if r.ok && !(report.objects == 2 && report.findings.iter().all(|f| f.object == bad_name)) {
            r.ok = false;
            r.detail = format!("expected 2 objects and findings only in {bad_name}: {report:?}");
        }
        results.push(r);
    }
    Ok(results)
}

fn judge(name: &'static str, expect: &[&str], report: &Report) -> CaseResult {
    let kinds: Vec<&str> = report.findings.iter().map(|f| f.problem.kind()).collect();
    let all: Vec<String> = report.findings.iter().map(|f| f.problem.to_string()).collect();
    if expect.is_empty() {
        let ok = report.ok() && report.instructions > 0;
        let detail = if ok {
            format!("accepted ({} instructions)", report.instructions)
        } else {
            format!("clean object refused or empty: {all:?} ({} instructions)", report.instructions)
        };
        return CaseResult { name, ok, detail };
    }
    if expect.iter().all(|w| kinds.contains(w)) {
        CaseResult { name, ok: true, detail: format!("refused: {}", all.join("; ")) }
    } else {
        CaseResult {
            name,
            ok: false,
            detail: format!(
                "expected findings {expect:?}, got {kinds:?} ({} instructions)",
                report.instructions
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ppc_classes() {
        for bad in [
            "fadd 1, 2, 3",
            "fmr. 1, 2",
            "lfd 1, 8(3)",
            "lfsux 1, 3, 4",
            "stfd 1, 8(1)",
            "stfiwx 0, 3, 4",
            "mffs 0",
            "mtfsf 255, 0",
            "mtfsb1 31",
            "lvx 2, 3, 4",
            "stvx 2, 3, 4",
            "lvsl 2, 3, 4",
            "lvewx 2, 3, 4",
            "stvebx 2, 3, 4",
            "mfvscr 2",
            "mtvscr 2",
            "vaddubm 2, 3, 4",
            "vperm 2, 3, 4, 5",
            "xxlor 0, 1, 1",
            "xvadddp 0, 1, 2",
            "xscvdpsp 0, 1",
            "lxvd2x 0, 3, 4",
            "stxvd2x 0, 3, 4",
            "lxsdx 0, 3, 4",
            "stxsiwx 0, 3, 4",
            "lxv 0, 16(3)",
            "mfvsrd 3, 0",
            "mtvsrwz 0, 3",
            "mffprd 3, 1",
            "dadd 1, 2, 3",
            "dss 0",
            "dcbt 0, 3 < not a symbol fadd >",
        ] {
            let is_bad = forbidden_class(Arch::Ppc64, bad).is_some();
            let expect = !bad.starts_with("dcbt");
            assert_eq!(is_bad, expect, "{bad}");
        }
        for good in [
            "add 3, 3, 4",
            "ld 3, 0(1)",
            "stdu 1, -32(1)",
            "xor 3, 3, 4",
            "xori 3, 3, 1",
            "mflr 0",
            "mtctr 5",
            "mfocrf 12, 32",
            "bl 0x10 <fadd_wrapper+0x10>",
            "bdnz 0x24 <vmul_thing>",
            "bcctrl",
            "dcbz 0, 3",
            "divdu 3, 4, 5",
            "extsw 3, 3",
            "lwz 3, 0(4)",
            "stwx 3, 4, 5",
            "isellt 3, 4, 5",
            "crxor 6, 6, 6",
            "popcntd 3, 4",
        ] {
            assert_eq!(forbidden_class(Arch::Ppc64, good), None, "{good}");
        }
    }

    #[test]
    fn arm64_classes() {
        for bad in [
            "fadd d0, d1, d2",
            "fmov x0, d0",
            "add v0.4s, v1.4s, v2.4s",
            "ldr q0, [x0]",
            "str d8, [sp, #8]",
            "ldp q0, q1, [x1]",
            "stp d8, d9, [sp, #-16]!",
            "mov w0, v1.s[0]",
            "umov w0, v1.b[3]",
            "ld1 { v0.16b }, [x0]",
            "scvtf d0, x1",
            "ldr s3, [x0]",
            "ldr h3, [x0]",
            "ldr b3, [x0]",
            "mrs x0, fpcr",
            "ld1d { z0.d }, p0/z, [x0]",
            "smstart",
            "zero {za}",
        ] {
            assert!(forbidden_class(Arch::Arm64, bad).is_some(), "{bad}");
        }
        for good in [
            "add x0, x0, x1",
            "ldr x0, [sp, #16]",
            "stp x29, x30, [sp, #-16]!",
            "b.ne 0x40 <_ZN4core3fmt9Formatter3pad17h0e5b1d3d0f6f1a2bE+0x40>",
            "bl 0x0 <v0_function>",
            "adrp x8, 0x0 <d0>",
            "tbz w0, #3, 0x1b0 <s1+0x10>",
            "mov x0, #0x1b0",
            "csel x0, x1, x2, hs",
            "msr s3_0_c1_c0_0, x0",
            "ldxp x0, x1, [x2]",
            "mrs x0, tpidr_el1",
            "dmb ish",
            "prfm pldl1keep, [x0]",
            "ret",
            "udiv x0, x1, x2",
        ] {
            assert_eq!(forbidden_class(Arch::Arm64, good), None, "{good}");
        }
    }

    #[test]
    fn scan_listing() {
        let listing = "\n/x/liblinux64_kmod.a(foo.o):\tfile format elf64-powerpc\n\n\
            Disassembly of section .text.f:\n\n\
            0000000000000000 <f>:\n\
            \x20      0: 7c 63 22 14  \tadd 3, 3, 4\n\
            \x20      4: fc 22 18 2a  \tfadd 1, 2, 3\n\
            \x20      8: 00 00 00 00  \t<unknown>\n\
            \x20      c: 12 34 56 78  \t<unknown>\n\
            \t\t...\n\
            \n/x/liblinux64_kmod.a(bar.o):\tfile format elf64-powerpc\n\
            0000000000000000 <g>:\n\
            \x20     10: 4e 80 00 20  \tblr\n";
        let (n, f) = scan_disassembly(listing, Arch::Ppc64);
        assert_eq!(n, 5);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].object, "foo.o");
        assert_eq!(
            f[0].problem,
            Problem::Forbidden {
                function: "f".into(),
                address: 4,
                insn: "fadd 1, 2, 3".into(),
                class: "floating-point"
            }
        );
        assert_eq!(f[1].problem.kind(), "undecodable");
    }

    /// The self-test, one assertion per case (needs clang and llvm from `cargo xtask` deps).
    #[test]
    fn checker_refuses_bad_objects_and_accepts_clean_ones() {
        let tools = Tools::find().expect("tools (run `cargo xtask test` once to install them)");
        let results = self_test(&tools).expect("self-test ran");
        assert!(results.len() >= 13);
        let failed: Vec<_> = results.iter().filter(|r| !r.ok).collect();
        assert!(failed.is_empty(), "{failed:#?}");
    }
}
