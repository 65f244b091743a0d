//! Builds the powerpc64 vdso, big- and little-endian, from `vdso/` with clang and ld.lld into OUT_DIR, and
//! generates `images.rs` (the `VDSO_BE` / `VDSO_LE` statics: image bytes and symbol offsets).
//!
//! Per byte order: `entry.S` and `sigtramp.S` assembled, `time.c` compiled (freestanding, integer-only,
//! ELFv2 even for big-endian: no function descriptors, no TOC), linked with `vdso.lds` into a shared object.
//! The resulting image is checked for what the kernel relies on before it is embedded; the tests in
//! `tests/` check it thoroughly. The steps every arch shares are `vdso_support::build`'s.

use std::fmt::Write as _;
use std::process::ExitCode;
use vdso_support::build::{Elf, ImageSpec};

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

/// Sections a powerpc64 image must not have: descriptors, TOC, GOT/PLT, writable data.
const FORBIDDEN: [&str; 8] = [".got", ".toc", ".plt", ".opd", ".glink", ".data", ".bss", ".branch_lt"];

/// (tag, clang target, static name, doc, little-endian). clang's powerpc64 Linux default is ELFv1; the
/// vdso is ELFv2-style code on both byte orders.
const ORDERS: [(&str, &[&str], &str, &str, bool); 2] = [
    ("be", &["--target=powerpc64-linux-gnu", "-mabi=elfv2"], "VDSO_BE", "big-endian", false),
    ("le", &["--target=powerpc64le-linux-gnu"], "VDSO_LE", "little-endian", true),
];

fn generate(build: &vdso_support::build::Build) -> Result<String, String> {
    let names: Vec<_> =
        ORDERS.iter().map(|(tag, ..)| (format!("vdso-{tag}"), format!("vdso64-{tag}.so"))).collect();
    let specs: Vec<_> = ORDERS
        .iter()
        .zip(&names)
        .map(|((_, target, ..), (objdir, file))| ImageSpec {
            objdir,
            file,
            target,
            defines: &[],
            sources: &["entry.S", "sigtramp.S", "time.c"],
            cflags: &CFLAGS,
            soname: "linux-vdso64.so.1",
            hash_style: "both",
        })
        .collect();
    let mut s = vdso_support::build::images_rs_header();
    for (path, (_, _, name, doc, little)) in build.images(&specs)?.iter().zip(ORDERS) {
        let elf = Elf::read(path)?;
        elf.check(&FORBIDDEN)?;
        let (start, _) = elf.symbol(SIGTRAMP_START)?;
        let (tramp, _) = elf.symbol("__kernel_sigtramp_rt64")?;
        if tramp != start + 4 {
            return Err(format!(
                "__kernel_sigtramp_rt64 ({tramp:#x}) does not follow the bctrl ({start:#x})"
            ));
        }
        let _ = writeln!(s, "/// The {doc} vdso ({} bytes).", elf.bytes().len());
        let _ = writeln!(s, "pub static {name}: VdsoImage = VdsoImage {{");
        let _ = writeln!(s, "    bytes: include_bytes!({:?}),", path.display().to_string());
        let _ = writeln!(s, "    little_endian: {little},");
        let _ = writeln!(s, "    sigtramp_start: {start:#x},");
        let _ = writeln!(s, "    sigtramp: {tramp:#x},");
        let _ = writeln!(s, "    data_offset: -(data::DATA_SIZE as i64),");
        let _ = writeln!(s, "    data_size: data::DATA_SIZE,");
        s += &elf.symbols_field(&EXPORTS)?;
        let _ = writeln!(s, "}};\n");
    }
    Ok(s)
}

fn main() -> ExitCode {
    vdso_support::build::main("vdso-ppc64", &INPUTS, generate)
}
