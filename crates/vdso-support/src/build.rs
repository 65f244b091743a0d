//! The build-script half every vdso crate shares (feature `build`, host only): finding clang and
//! ld.lld, compiling an arch's `vdso/` sources (with `c/` on the include path) and linking them with its
//! linker script, the little ELF64 reader that takes the symbols out of the result, the checks every
//! image passes before it is embedded, and the common parts of the generated `images.rs`.
//!
//! An arch's `build.rs` keeps what is its own: the sources, target flags, compiler flags and defines, the
//! soname and hash style, its trampoline check, and the Rust statics it generates (written out in it).
//!
//! Host code run by cargo: an error is reported as a build failure, so the kernel crates' bans on
//! indexing and unchecked arithmetic are relaxed here (every index is into a file the script just built).
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The Linux version the images' "Linux" note announces (glibc may read it instead of calling uname).
pub const LINUX_VERSION: (u32, u32, u32) = (5, 15, 0);

/// [`LINUX_VERSION`] as `LINUX_VERSION_CODE` (`KERNEL_VERSION(a, b, c)`).
pub const fn linux_version_code() -> u32 {
    let (major, minor, patch) = LINUX_VERSION;
    (major << 16) | (minor << 8) | patch
}

/// The shared C headers every image and test program may include.
pub const C_HEADERS: [&str; 2] = ["vdso_timekeep.h", "vdso_time.h"];

/// The first of `names` found in a `PATH` directory.
pub fn find_in_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file()))
}

/// Runs a command; its output in the error when it fails.
pub fn run(cmd: &mut Command) -> Result<(), String> {
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

/// One image to build: what differs between arches and byte orders.
pub struct ImageSpec<'a> {
    /// Directory (under OUT_DIR) for the objects.
    pub objdir: &'a str,
    /// File name of the linked image (under OUT_DIR).
    pub file: &'a str,
    /// clang's target options.
    pub target: &'a [&'a str],
    /// `-D` options for every source, besides `LINUX_VERSION_CODE`.
    pub defines: &'a [String],
    /// Sources in `vdso/`, in link order; `.c` files get `cflags`.
    pub sources: &'a [&'a str],
    /// Options for the C sources.
    pub cflags: &'a [&'a str],
    /// `DT_SONAME`.
    pub soname: &'a str,
    /// ld.lld's `--hash-style` (Linux: `both` on powerpc, `sysv` on arm64).
    pub hash_style: &'a str,
}

/// A build script's context: the tools, the crate's `vdso/` directory and OUT_DIR.
pub struct Build {
    /// clang.
    pub clang: PathBuf,
    /// ld.lld.
    pub lld: PathBuf,
    /// The crate's `vdso/` directory.
    pub src: PathBuf,
    /// OUT_DIR.
    pub out: PathBuf,
}

impl Build {
    /// Compiles and links one image; returns its path.
    pub fn image(&self, spec: &ImageSpec) -> Result<PathBuf, String> {
        let dir = self.out.join(spec.objdir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let includes = [format!("-I{}", self.src.display()), format!("-I{}", crate::C_INCLUDE_DIR)];
        let version = format!("-DLINUX_VERSION_CODE={}", linux_version_code());
        let mut objects = Vec::new();
        for file in spec.sources {
            let obj = dir.join(format!("{file}.o"));
            let mut cmd = Command::new(&self.clang);
            cmd.args(spec.target).args(&includes).arg(&version).args(spec.defines);
            if file.ends_with(".c") {
                cmd.args(spec.cflags);
            }
            run(cmd.arg("-c").arg(self.src.join(file)).arg("-o").arg(&obj))?;
            objects.push(obj);
        }
        let image = self.out.join(spec.file);
        let mut link = Command::new(&self.lld);
        link.args(["-shared", "-soname", spec.soname])
            .arg(format!("--hash-style={}", spec.hash_style))
            .args(["--eh-frame-hdr", "--build-id=sha1", "-z", "rodynamic", "-z", "max-page-size=4096"])
            .args(["-Bsymbolic", "--no-undefined", "-T"])
            .arg(self.src.join("vdso.lds"))
            .arg("-o")
            .arg(&image)
            .args(&objects);
        run(&mut link)?;
        Ok(image)
    }

    /// Builds several images at once (one thread each); their paths, in order.
    pub fn images(&self, specs: &[ImageSpec]) -> Result<Vec<PathBuf>, String> {
        std::thread::scope(|scope| {
            let jobs: Vec<_> = specs.iter().map(|spec| scope.spawn(move || self.image(spec))).collect();
            jobs.into_iter()
                .map(|j| j.join().unwrap_or_else(|_| Err("build thread panicked".into())))
                .collect()
        })
    }
}

/// A build script's `main`: declares `inputs` (relative to the crate) and the shared headers as what the
/// build depends on, finds the tools, runs `generate` and writes what it returns to OUT_DIR/images.rs.
pub fn main(
    krate: &str,
    inputs: &[&str],
    generate: impl FnOnce(&Build) -> Result<String, String>,
) -> ExitCode {
    for input in inputs {
        println!("cargo:rerun-if-changed={input}");
    }
    for header in C_HEADERS {
        println!("cargo:rerun-if-changed={}/{header}", crate::C_INCLUDE_DIR);
    }
    println!("cargo:rerun-if-changed=build.rs");
    let (Some(clang), Some(lld)) = (find_in_path(&crate::CLANG), find_in_path(&crate::LLD)) else {
        eprintln!(
            "error: {krate} needs clang and ld.lld to build the vdso: install the Debian packages clang and lld \
             (cargo xtask build does)"
        );
        return ExitCode::FAILURE;
    };
    let (Some(manifest), Some(out)) = (std::env::var_os("CARGO_MANIFEST_DIR"), std::env::var_os("OUT_DIR"))
    else {
        eprintln!("error: CARGO_MANIFEST_DIR/OUT_DIR not set: run through cargo");
        return ExitCode::FAILURE;
    };
    let build = Build { clang, lld, src: PathBuf::from(manifest).join("vdso"), out: PathBuf::from(out) };
    let result = generate(&build).and_then(|code| {
        let path = build.out.join("images.rs");
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

/// A section header, as far as the build needs it.
pub struct Section<'a> {
    /// Name.
    pub name: &'a str,
    /// `sh_type`.
    pub typ: u64,
    /// `sh_flags`.
    pub flags: u64,
    /// `sh_offset`.
    pub offset: u64,
    /// `sh_size`.
    pub size: u64,
    /// `sh_link`.
    pub link: u64,
}

/// A built image, read (the little of ELF64 the build needs, either byte order).
pub struct Elf {
    bytes: Vec<u8>,
    big: bool,
    path: PathBuf,
}

impl Elf {
    /// Reads the image at `path`.
    pub fn read(path: &Path) -> Result<Self, String> {
        let b = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if b.len() < 64 || &b[..4] != b"\x7fELF" || b[4] != 2 {
            return Err(format!("{}: not an ELF64 file", path.display()));
        }
        Ok(Elf { big: b[5] == 2, bytes: b, path: path.to_path_buf() })
    }
    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// Where it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// Whether it is big-endian.
    pub fn big_endian(&self) -> bool {
        self.big
    }
    /// An unsigned integer of `len` bytes at `at`, in the file's byte order.
    pub fn uint(&self, at: usize, len: usize) -> Result<u64, String> {
        let s = self.bytes.get(at..at + len).ok_or("truncated ELF file")?;
        let fold = |v: u64, &byte: &u8| (v << 8) | u64::from(byte);
        Ok(if self.big { s.iter().fold(0, fold) } else { s.iter().rev().fold(0, fold) })
    }
    fn cstr(&self, at: usize) -> Result<&str, String> {
        let rest = self.bytes.get(at..).ok_or("bad string offset")?;
        let end = rest.iter().position(|&c| c == 0).ok_or("unterminated string")?;
        std::str::from_utf8(&rest[..end]).map_err(|_| "non-UTF-8 name".into())
    }
    /// Every section header.
    pub fn sections(&self) -> Result<Vec<Section<'_>>, String> {
        let shoff = self.uint(0x28, 8)? as usize;
        let shnum = self.uint(0x3c, 2)? as usize;
        let shstrndx = self.uint(0x3e, 2)? as usize;
        let sh = |i: usize, f: usize, n: usize| self.uint(shoff + i * 64 + f, n);
        let strtab = sh(shstrndx, 0x18, 8)? as usize;
        (0..shnum)
            .map(|i| {
                Ok(Section {
                    name: self.cstr(strtab + sh(i, 0, 4)? as usize)?,
                    typ: sh(i, 4, 4)?,
                    flags: sh(i, 8, 8)?,
                    offset: sh(i, 0x18, 8)?,
                    size: sh(i, 0x20, 8)?,
                    link: sh(i, 0x28, 4)?,
                })
            })
            .collect()
    }
    /// (p_type, p_flags) of every program header.
    pub fn segments(&self) -> Result<Vec<(u64, u64)>, String> {
        let phoff = self.uint(0x20, 8)? as usize;
        let phnum = self.uint(0x38, 2)? as usize;
        (0..phnum).map(|i| Ok((self.uint(phoff + i * 56, 4)?, self.uint(phoff + i * 56 + 4, 4)?))).collect()
    }
    /// (value, size) of a symbol of .symtab.
    pub fn symbol(&self, want: &str) -> Result<(u64, u64), String> {
        let secs = self.sections()?;
        let symtab = secs.iter().find(|s| s.typ == 2).ok_or("no .symtab")?;
        let stroff = secs.get(symtab.link as usize).ok_or("bad .symtab link")?.offset as usize;
        for i in 0..(symtab.size / 24) as usize {
            let at = symtab.offset as usize + i * 24;
            if self.cstr(stroff + self.uint(at, 4)? as usize)? == want {
                return Ok((self.uint(at + 8, 8)?, self.uint(at + 16, 8)?));
            }
        }
        Err(format!("{}: symbol {want} missing", self.path.display()))
    }

    /// What the kernel relies on in every image: one R+X PT_LOAD, nothing writable, nothing to relocate,
    /// none of the `forbidden` sections (the arch's GOT, PLT, TOC, data...).
    pub fn check(&self, forbidden: &[&str]) -> Result<(), String> {
        const SHF_WRITE: u64 = 1;
        const SHF_ALLOC: u64 = 2;
        const SHT_RELA: u64 = 4;
        const SHT_REL: u64 = 9;
        let fail = |what: String| Err(format!("{}: {what}", self.path.display()));
        for s in self.sections()? {
            let name = s.name;
            if forbidden.contains(&name) {
                return fail(format!("the image has a {name} section"));
            }
            if s.typ == SHT_RELA || s.typ == SHT_REL {
                return fail(format!("the image has relocations ({name})"));
            }
            if s.flags & (SHF_WRITE | SHF_ALLOC) == SHF_WRITE | SHF_ALLOC {
                return fail(format!("section {name} is writable"));
            }
        }
        let loads: Vec<_> = self.segments()?.into_iter().filter(|s| s.0 == 1).collect();
        if loads != [(1, 5)] {
            return fail(format!("expected one PT_LOAD R+X, found (type, flags) {loads:?}"));
        }
        Ok(())
    }

    /// The generated `symbols: &[VdsoSymbol { .. }, ..],` field of a `VdsoImage` literal: the `exports`,
    /// in that order, with their offsets and sizes.
    pub fn symbols_field(&self, exports: &[&str]) -> Result<String, String> {
        let mut s = String::from("    symbols: &[\n");
        for sym in exports {
            let (value, size) = self.symbol(sym)?;
            let _ = writeln!(s, "        VdsoSymbol {{ name: {sym:?}, offset: {value:#x}, size: {size} }},");
        }
        s.push_str("    ],\n");
        Ok(s)
    }
}

/// The start of every `images.rs`: the origin and `LINUX_VERSION_CODE`.
pub fn images_rs_header() -> String {
    let (major, minor, patch) = LINUX_VERSION;
    format!(
        "// Generated by build.rs.\n\n/// The kernel version the images' \"Linux\" note announces \
         ({major}.{minor}.{patch}).\npub const LINUX_VERSION_CODE: u32 = {:#x};\n\n",
        linux_version_code()
    )
}
