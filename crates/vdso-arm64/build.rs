//! Builds the arm64 vdso from `vdso/` with clang and ld.lld into OUT_DIR, and generates `images.rs`
//! (the `VDSO` static: image bytes and symbol offsets, and the numbers the code was built with).
//!
//! `sigreturn.S` and `note.S` assembled, `time.c` compiled (freestanding, PIC, `-mgeneral-regs-only`),
//! linked with `vdso.lds` into a shared object. The numbers the code depends on (system call numbers,
//! the offsets of the rt_sigframe the trampoline's CFI describes) are defined here once, passed to the
//! compiler with `-D` and exported to Rust, where tests and arch-arm64 check them against the Linux
//! headers and the frame arch-arm64 builds. The resulting image is checked for what the kernel relies on
//! before it is embedded; the tests in `tests/` check it thoroughly.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The Linux version the image's "Linux" note announces (glibc may read it instead of calling uname).
const LINUX_VERSION: (u32, u32, u32) = (5, 15, 0);

/// Everything the image is built from.
const INPUTS: [&str; 5] = ["vdso/sigreturn.S", "vdso/note.S", "vdso/time.c", "vdso/data.h", "vdso/vdso.lds"];

/// The symbols the image exports (version LINUX_2.6.39), as Linux/arm64's vdso.
const EXPORTS: [&str; 4] =
    ["__kernel_rt_sigreturn", "__kernel_gettimeofday", "__kernel_clock_gettime", "__kernel_clock_getres"];

/// System call numbers the code uses (asm-generic `unistd.h`, arm64), as (macro, value, doc).
const SYSCALLS: [(&str, u32, &str); 4] = [
    ("NR_rt_sigreturn", 139, "`__NR_rt_sigreturn`: the trampoline's `mov x8, #139`."),
    ("NR_clock_gettime", 113, "`__NR_clock_gettime`: `__kernel_clock_gettime`'s fallback."),
    ("NR_clock_getres", 114, "`__NR_clock_getres`: `__kernel_clock_getres`'s fallback."),
    ("NR_gettimeofday", 169, "`__NR_gettimeofday`: `__kernel_gettimeofday`'s fallback."),
];

/// Offsets in Linux/arm64's `struct rt_sigframe` the trampoline's CFI uses, as (macro, field, value,
/// doc): siginfo (128 bytes), then `struct ucontext`, whose `uc_mcontext` is at 176.
const FRAME: [(&str, &str, u64, &str); 6] = [
    ("FRAME_SC", "sigcontext", 128 + 176, "`uc.uc_mcontext` (`struct sigcontext`) from the frame start."),
    ("SC_REGS", "regs", 8, "`sigcontext.regs[31]` (x0..x30) from the sigcontext."),
    ("SC_SP", "sp", 256, "`sigcontext.sp` from the sigcontext."),
    ("SC_PC", "pc", 264, "`sigcontext.pc` from the sigcontext."),
    ("SC_RESERVED", "reserved", 288, "`sigcontext.__reserved` (the record list) from the sigcontext."),
    ("FPSIMD_VREGS", "fpsimd_vregs", 16, "`fpsimd_context.vregs` from the record, which is the first one."),
];

/// Flags for time.c: freestanding, position-independent, integer-only, x18 untouched (the platform
/// register: Android's shadow call stack), no tables in .rodata.
const CFLAGS: [&str; 17] = [
    "-O2",
    "-fPIC",
    "-ffreestanding",
    "-fno-builtin",
    "-nostdinc",
    "-mgeneral-regs-only",
    "-ffixed-x18",
    "-mbranch-protection=none",
    "-fno-stack-protector",
    "-fno-jump-tables",
    "-fno-common",
    "-funwind-tables",
    "-fasynchronous-unwind-tables",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-std=gnu11",
];

const TARGET: &str = "--target=aarch64-linux-gnu";

struct Tools {
    clang: PathBuf,
    lld: PathBuf,
}

fn find_in_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for name in names {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    let out = cmd.output().map_err(|e| format!("cannot run {shown}: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "{shown} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

/// The `-D` definitions every source is built with.
fn defines() -> Vec<String> {
    let (major, minor, patch) = LINUX_VERSION;
    let mut d = vec![format!("-DLINUX_VERSION_CODE={}", (major << 16) | (minor << 8) | patch)];
    d.extend(SYSCALLS.iter().map(|(name, nr, _)| format!("-D{name}={nr}")));
    d.extend(FRAME.iter().map(|(name, _, v, _)| format!("-D{name}={v}")));
    d
}

/// Builds the image; returns its path.
fn build(tools: &Tools, src: &Path, out: &Path) -> Result<PathBuf, String> {
    let dir = out.join("vdso-arm64");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let include = format!("-I{}", src.display());
    let mut objects = Vec::new();
    for (file, is_c) in [("sigreturn.S", false), ("note.S", false), ("time.c", true)] {
        let obj = dir.join(format!("{file}.o"));
        let mut cmd = Command::new(&tools.clang);
        cmd.arg(TARGET).arg(&include).args(defines());
        if is_c {
            cmd.args(CFLAGS);
        }
        cmd.arg("-c").arg(src.join(file)).arg("-o").arg(&obj);
        run(&mut cmd)?;
        objects.push(obj);
    }
    let image = out.join("vdso-arm64.so");
    let mut link = Command::new(&tools.lld);
    // Linux's arm64 vdso link: -shared -soname=linux-vdso.so.1 --hash-style=sysv -Bsymbolic --build-id.
    link.args(["-shared", "-soname", "linux-vdso.so.1", "--hash-style=sysv", "--eh-frame-hdr"])
        .args([
            "--build-id=sha1",
            "-z",
            "rodynamic",
            "-z",
            "max-page-size=4096",
            "-Bsymbolic",
            "--no-undefined",
        ])
        .arg("-T")
        .arg(src.join("vdso.lds"))
        .arg("-o")
        .arg(&image)
        .args(&objects);
    run(&mut link)?;
    Ok(image)
}

/// A section header, as far as this script needs it.
struct Section<'a> {
    name: &'a str,
    typ: u64,
    flags: u64,
    offset: u64,
    size: u64,
    link: u64,
}

/// The little of little-endian ELF64 this script needs.
struct Elf<'a> {
    b: &'a [u8],
}

impl<'a> Elf<'a> {
    fn new(b: &'a [u8]) -> Result<Self, String> {
        if b.len() < 64 || &b[..4] != b"\x7fELF" || b[4] != 2 || b[5] != 1 {
            return Err("not a little-endian ELF64 file".into());
        }
        Ok(Elf { b })
    }
    fn uint(&self, at: usize, len: usize) -> Result<u64, String> {
        let s = self.b.get(at..at + len).ok_or("truncated ELF file")?;
        Ok(s.iter().rev().fold(0u64, |v, &byte| (v << 8) | u64::from(byte)))
    }
    fn cstr(&self, at: usize) -> Result<&'a str, String> {
        let rest = self.b.get(at..).ok_or("bad string offset")?;
        let end = rest.iter().position(|&c| c == 0).ok_or("unterminated string")?;
        std::str::from_utf8(&rest[..end]).map_err(|_| "non-UTF-8 name".into())
    }
    /// Every section header.
    fn sections(&self) -> Result<Vec<Section<'a>>, String> {
        let shoff = self.uint(0x28, 8)? as usize;
        let shnum = self.uint(0x3c, 2)? as usize;
        let shstrndx = self.uint(0x3e, 2)? as usize;
        let sh = |i: usize, f: usize, n: usize| self.uint(shoff + i * 64 + f, n);
        let strtab = sh(shstrndx, 0x18, 8)? as usize;
        let mut v = Vec::new();
        for i in 0..shnum {
            let name = self.cstr(strtab + sh(i, 0, 4)? as usize)?;
            v.push(Section {
                name,
                typ: sh(i, 4, 4)?,
                flags: sh(i, 8, 8)?,
                offset: sh(i, 0x18, 8)?,
                size: sh(i, 0x20, 8)?,
                link: sh(i, 0x28, 4)?,
            });
        }
        Ok(v)
    }
    /// (p_type, p_flags) of every program header.
    fn segments(&self) -> Result<Vec<(u64, u64)>, String> {
        let phoff = self.uint(0x20, 8)? as usize;
        let phnum = self.uint(0x38, 2)? as usize;
        (0..phnum).map(|i| Ok((self.uint(phoff + i * 56, 4)?, self.uint(phoff + i * 56 + 4, 4)?))).collect()
    }
    /// (value, size) of a symbol of .symtab.
    fn symbol(&self, want: &str) -> Result<(u64, u64), String> {
        let secs = self.sections()?;
        let symtab = secs.iter().find(|s| s.typ == 2).ok_or("no .symtab")?;
        let stroff = secs.get(symtab.link as usize).ok_or("bad .symtab link")?.offset as usize;
        for i in 0..(symtab.size / 24) as usize {
            let at = symtab.offset as usize + i * 24;
            if self.cstr(stroff + self.uint(at, 4)? as usize)? == want {
                return Ok((self.uint(at + 8, 8)?, self.uint(at + 16, 8)?));
            }
        }
        Err(format!("symbol {want} missing"))
    }
}

/// What the kernel relies on: one R+X PT_LOAD, nothing writable, nothing to relocate, the trampoline
/// Linux has (`nop; mov x8, #139; svc #0`).
fn check(elf: &Elf) -> Result<(), String> {
    const SHF_WRITE: u64 = 1;
    const SHF_ALLOC: u64 = 2;
    const SHT_RELA: u64 = 4;
    const SHT_REL: u64 = 9;
    for s in elf.sections()? {
        let name = s.name;
        if [".got", ".plt", ".data", ".bss", ".rodata"].contains(&name) {
            return Err(format!("the image has a {name} section"));
        }
        if s.typ == SHT_RELA || s.typ == SHT_REL {
            return Err(format!("the image has relocations ({name})"));
        }
        if s.flags & (SHF_WRITE | SHF_ALLOC) == SHF_WRITE | SHF_ALLOC {
            return Err(format!("section {name} is writable"));
        }
    }
    let loads: Vec<_> = elf.segments()?.into_iter().filter(|s| s.0 == 1).collect();
    if loads != [(1, 5)] {
        return Err(format!("expected one PT_LOAD R+X, found (type, flags) {loads:?}"));
    }
    let (tramp, size) = elf.symbol("__kernel_rt_sigreturn")?;
    let word = |at: u64| elf.uint(at as usize, 4);
    let nr = u64::from(SYSCALLS[0].1);
    let mov_x8 = 0xd280_0008 | (nr << 5); // movz x8, #nr
    if size != 8
        || tramp < 4
        || [word(tramp - 4)?, word(tramp)?, word(tramp + 4)?] != [0xd503_201f, mov_x8, 0xd400_0001]
    {
        return Err(format!("__kernel_rt_sigreturn at {tramp:#x} is not nop; mov x8, #{nr}; svc #0"));
    }
    Ok(())
}

fn generate(path: &Path) -> Result<String, String> {
    let mut s = String::from("// Generated by build.rs.\n\n");
    let (major, minor, patch) = LINUX_VERSION;
    let _ = writeln!(
        s,
        "/// The kernel version the image's \"Linux\" note announces ({major}.{minor}.{patch}).\n\
         pub const LINUX_VERSION_CODE: u32 = {:#x};\n",
        (major << 16) | (minor << 8) | patch
    );
    for (name, nr, doc) in SYSCALLS {
        let _ = writeln!(s, "/// {doc}\npub const {}: u32 = {nr};", name.to_uppercase());
    }
    let _ = writeln!(
        s,
        "\n/// The `rt_sigframe` offsets the trampoline's CFI was assembled with (arch-arm64 asserts they are \
         its frame's).\npub const SIGFRAME: SigframeOffsets = SigframeOffsets {{"
    );
    for (_, field, value, _) in FRAME {
        let _ = writeln!(s, "    {field}: {value},");
    }
    let _ = writeln!(s, "}};\n");

    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let elf = Elf::new(&bytes)?;
    check(&elf).map_err(|e| format!("{}: {e}", path.display()))?;
    let (tramp, _) = elf.symbol("__kernel_rt_sigreturn")?;
    let _ = writeln!(s, "/// The arm64 vdso ({} bytes).", bytes.len());
    let _ = writeln!(s, "pub static VDSO: VdsoImage = VdsoImage {{");
    let _ = writeln!(s, "    bytes: include_bytes!({:?}),", path.display().to_string());
    let _ = writeln!(s, "    sigreturn: {tramp:#x},");
    let _ = writeln!(s, "    data_offset: -(data::DATA_SIZE as i64),");
    let _ = writeln!(s, "    data_size: data::DATA_SIZE,");
    let _ = writeln!(s, "    symbols: &[");
    for sym in EXPORTS {
        let (value, size) = elf.symbol(sym)?;
        let _ = writeln!(s, "        VdsoSymbol {{ name: {sym:?}, offset: {value:#x}, size: {size} }},");
    }
    let _ = writeln!(s, "    ],\n}};");
    Ok(s)
}

fn main() -> ExitCode {
    for input in INPUTS {
        println!("cargo:rerun-if-changed={input}");
    }
    println!("cargo:rerun-if-changed=build.rs");
    let (Some(clang), Some(lld)) = (
        find_in_path(&["clang", "clang-14", "clang-15", "clang-16", "clang-19"]),
        find_in_path(&["ld.lld", "ld.lld-14", "ld.lld-15", "ld.lld-16", "ld.lld-19"]),
    ) else {
        eprintln!(
            "error: vdso-arm64 needs clang and ld.lld to build the vdso: install the Debian packages clang and lld \
             (cargo xtask build does)"
        );
        return ExitCode::FAILURE;
    };
    let tools = Tools { clang, lld };
    let (Some(manifest), Some(out)) = (std::env::var_os("CARGO_MANIFEST_DIR"), std::env::var_os("OUT_DIR"))
    else {
        eprintln!("error: CARGO_MANIFEST_DIR/OUT_DIR not set: run through cargo");
        return ExitCode::FAILURE;
    };
    let src = PathBuf::from(manifest).join("vdso");
    let out = PathBuf::from(out);
    let result = build(&tools, &src, &out).and_then(|image| generate(&image)).and_then(|code| {
        let path = out.join("images.rs");
        std::fs::write(&path, code).map_err(|e| format!("{}: {e}", path.display()))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: building the vdso: {e}");
            ExitCode::FAILURE
        }
    }
}
