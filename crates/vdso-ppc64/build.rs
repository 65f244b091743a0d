//! Builds the powerpc64 vdso, big- and little-endian, from `vdso/` with clang and ld.lld into OUT_DIR, and
//! generates `images.rs` (the `VDSO_BE` / `VDSO_LE` statics: image bytes and symbol offsets).
//!
//! Per byte order: `entry.S` and `sigtramp.S` assembled, `time.c` compiled (freestanding, integer-only,
//! ELFv2 even for big-endian: no function descriptors, no TOC), linked with `vdso.lds` into a shared object.
//! The resulting image is checked for what the kernel relies on before it is embedded; the tests in
//! `tests/` check it thoroughly.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The Linux version the image's "Linux" note announces (glibc may read it instead of calling uname).
const LINUX_VERSION: (u32, u32, u32) = (5, 15, 0);

/// Everything the images are built from.
const INPUTS: [&str; 6] =
    ["vdso/entry.S", "vdso/sigtramp.S", "vdso/time.c", "vdso/data.h", "vdso/regs.h", "vdso/vdso.lds"];

/// The symbols the image exports (version LINUX_2.6.15), plus the trampoline entry, which it does not.
const EXPORTS: [&str; 9] = [
    "__kernel_clock_gettime",
    "__kernel_clock_getres",
    "__kernel_gettimeofday",
    "__kernel_time",
    "__kernel_get_tbfreq",
    "__kernel_getcpu",
    "__kernel_get_syscall_map",
    "__kernel_sync_dicache",
    "__kernel_sigtramp_rt64",
];
const SIGTRAMP_START: &str = "__kernel_start_sigtramp_rt64";

/// Flags for time.c: freestanding, position-independent, integer-only, no TOC-using constructs.
const CFLAGS: [&str; 16] = [
    "-O2",
    "-fPIC",
    "-ffreestanding",
    "-fno-builtin",
    "-nostdinc",
    "-mno-altivec",
    "-mno-vsx",
    "-msoft-float",
    "-fno-stack-protector",
    "-fno-jump-tables",
    "-fno-common",
    "-funwind-tables",
    "-fasynchronous-unwind-tables",
    "-Wall",
    "-Wextra",
    "-std=gnu11",
];

#[derive(Clone, Copy)]
enum Order {
    Big,
    Little,
}

impl Order {
    fn tag(self) -> &'static str {
        match self {
            Order::Big => "be",
            Order::Little => "le",
        }
    }
    fn target(self) -> &'static [&'static str] {
        match self {
            // clang's powerpc64 Linux default is ELFv1; the vdso is ELFv2-style code on both byte orders.
            Order::Big => &["--target=powerpc64-linux-gnu", "-mabi=elfv2"],
            Order::Little => &["--target=powerpc64le-linux-gnu"],
        }
    }
}

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

/// Builds one image; returns its path.
fn build(tools: &Tools, src: &Path, out: &Path, order: Order) -> Result<PathBuf, String> {
    let dir = out.join(format!("vdso-{}", order.tag()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (major, minor, patch) = LINUX_VERSION;
    let version = format!("-DLINUX_VERSION_CODE={}", (major << 16) | (minor << 8) | patch);
    let include = format!("-I{}", src.display());
    let mut objects = Vec::new();
    for (file, is_c) in [("entry.S", false), ("sigtramp.S", false), ("time.c", true)] {
        let obj = dir.join(format!("{file}.o"));
        let mut cmd = Command::new(&tools.clang);
        cmd.args(order.target()).arg(&include).arg(&version);
        if is_c {
            cmd.args(CFLAGS);
        }
        cmd.arg("-c").arg(src.join(file)).arg("-o").arg(&obj);
        run(&mut cmd)?;
        objects.push(obj);
    }
    let image = out.join(format!("vdso64-{}.so", order.tag()));
    let mut link = Command::new(&tools.lld);
    link.args(["-shared", "-soname", "linux-vdso64.so.1", "--hash-style=both", "--eh-frame-hdr"])
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

/// The little of ELF64 this script needs.
struct Elf<'a> {
    b: &'a [u8],
    big: bool,
}

impl<'a> Elf<'a> {
    fn new(b: &'a [u8]) -> Result<Self, String> {
        if b.len() < 64 || &b[..4] != b"\x7fELF" || b[4] != 2 {
            return Err("not an ELF64 file".into());
        }
        Ok(Elf { b, big: b[5] == 2 })
    }
    fn uint(&self, at: usize, len: usize) -> Result<u64, String> {
        let s = self.b.get(at..at + len).ok_or("truncated ELF file")?;
        let mut v = 0u64;
        for i in 0..len {
            let byte = if self.big { s[i] } else { s[len - 1 - i] };
            v = (v << 8) | u64::from(byte);
        }
        Ok(v)
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

/// What the kernel relies on: one R+X PT_LOAD, nothing writable, nothing to relocate, no descriptors.
fn check(elf: &Elf) -> Result<(), String> {
    const SHF_WRITE: u64 = 1;
    const SHF_ALLOC: u64 = 2;
    const SHT_RELA: u64 = 4;
    const SHT_REL: u64 = 9;
    for s in elf.sections()? {
        let name = s.name;
        if [".got", ".toc", ".plt", ".opd", ".glink", ".data", ".bss", ".branch_lt"].contains(&name) {
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
    Ok(())
}

fn generate(images: &[(Order, PathBuf)]) -> Result<String, String> {
    let mut s = String::from("// Generated by build.rs.\n\n");
    let (major, minor, patch) = LINUX_VERSION;
    let _ = writeln!(
        s,
        "/// The kernel version the images' \"Linux\" note announces ({major}.{minor}.{patch}).\n\
         pub const LINUX_VERSION_CODE: u32 = {:#x};\n",
        (major << 16) | (minor << 8) | patch
    );
    for (order, path) in images {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let elf = Elf::new(&bytes)?;
        check(&elf).map_err(|e| format!("{}: {e}", path.display()))?;
        let (start, _) = elf.symbol(SIGTRAMP_START)?;
        let (tramp, _) = elf.symbol("__kernel_sigtramp_rt64")?;
        if tramp != start + 4 {
            return Err(format!(
                "__kernel_sigtramp_rt64 ({tramp:#x}) does not follow the bctrl ({start:#x})"
            ));
        }
        let (name, doc, little) = match order {
            Order::Big => ("VDSO_BE", "big-endian", false),
            Order::Little => ("VDSO_LE", "little-endian", true),
        };
        let _ = writeln!(s, "/// The {doc} vdso ({} bytes).", bytes.len());
        let _ = writeln!(s, "pub static {name}: VdsoImage = VdsoImage {{");
        let _ = writeln!(s, "    bytes: include_bytes!({:?}),", path.display().to_string());
        let _ = writeln!(s, "    little_endian: {little},");
        let _ = writeln!(s, "    sigtramp_start: {start:#x},");
        let _ = writeln!(s, "    sigtramp: {tramp:#x},");
        let _ = writeln!(s, "    data_offset: -(data::DATA_SIZE as i64),");
        let _ = writeln!(s, "    data_size: data::DATA_SIZE,");
        let _ = writeln!(s, "    symbols: &[");
        for sym in EXPORTS {
            let (value, size) = elf.symbol(sym)?;
            let _ = writeln!(s, "        VdsoSymbol {{ name: {sym:?}, offset: {value:#x}, size: {size} }},");
        }
        let _ = writeln!(s, "    ],\n}};\n");
    }
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
            "error: vdso-ppc64 needs clang and ld.lld to build the vdso: install the Debian packages clang and lld \
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
    let built: Vec<Result<(Order, PathBuf), String>> = std::thread::scope(|scope| {
        let jobs: Vec<_> = [Order::Big, Order::Little]
            .into_iter()
            .map(|order| {
                let (tools, src, out) = (&tools, &src, &out);
                scope.spawn(move || build(tools, src, out, order).map(|p| (order, p)))
            })
            .collect();
        jobs.into_iter().map(|j| j.join().unwrap_or_else(|_| Err("build thread panicked".into()))).collect()
    });
    let result =
        built.into_iter().collect::<Result<Vec<_>, _>>().and_then(|images| generate(&images)).and_then(
            |code| {
                let path = out.join("images.rs");
                std::fs::write(&path, code).map_err(|e| format!("{}: {e}", path.display()))
            },
        );
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: building the vdso: {e}");
            ExitCode::FAILURE
        }
    }
}
