//! Builds the arm64 vdso from `vdso/` with clang and ld.lld into OUT_DIR, and generates `images.rs`
//! (the `VDSO` static: image bytes and symbol offsets, and the numbers the code was built with).
//!
//! `sigreturn.S` and `note.S` assembled, `time.c` compiled (freestanding, PIC, `-mgeneral-regs-only`),
//! linked with `vdso.lds` into a shared object. The numbers the code depends on (system call numbers,
//! the offsets of the rt_sigframe the trampoline's CFI describes) are defined here once, passed to the
//! compiler with `-D` and exported to Rust, where tests and arch-arm64 check them against the Linux
//! headers and the frame arch-arm64 builds. The resulting image is checked for what the kernel relies on
//! before it is embedded; the tests in `tests/` check it thoroughly. The steps every arch shares are
//! `vdso_support::build`'s.

use std::fmt::Write as _;
use std::process::ExitCode;
use vdso_support::build::{Build, Elf, ImageSpec};

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

/// Sections an arm64 image must not have: GOT/PLT, data, and no .rodata (no tables: -fno-jump-tables).
const FORBIDDEN: [&str; 5] = [".got", ".plt", ".data", ".bss", ".rodata"];

/// The `-D` definitions every source is built with (besides `LINUX_VERSION_CODE`).
fn defines() -> Vec<String> {
    let mut d: Vec<String> = SYSCALLS.iter().map(|(name, nr, _)| format!("-D{name}={nr}")).collect();
    d.extend(FRAME.iter().map(|(name, _, v, _)| format!("-D{name}={v}")));
    d
}

/// The trampoline Linux has: `nop; mov x8, #139; svc #0`, `__kernel_rt_sigreturn` at the `mov`.
fn check_trampoline(elf: &Elf) -> Result<(), String> {
    if elf.big_endian() {
        return Err("the arm64 image is not little-endian".into());
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

fn generate(build: &Build) -> Result<String, String> {
    let defines = defines();
    let path = build.image(&ImageSpec {
        objdir: "vdso-arm64",
        file: "vdso-arm64.so",
        target: &["--target=aarch64-linux-gnu"],
        defines: &defines,
        sources: &["sigreturn.S", "note.S", "time.c"],
        cflags: &CFLAGS,
        // Linux's arm64 vdso link: -shared -soname=linux-vdso.so.1 --hash-style=sysv -Bsymbolic --build-id.
        soname: "linux-vdso.so.1",
        hash_style: "sysv",
    })?;
    let mut s = vdso_support::build::images_rs_header();
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

    let elf = Elf::read(&path)?;
    elf.check(&FORBIDDEN)?;
    check_trampoline(&elf).map_err(|e| format!("{}: {e}", path.display()))?;
    let (tramp, _) = elf.symbol("__kernel_rt_sigreturn")?;
    let _ = writeln!(s, "/// The arm64 vdso ({} bytes).", elf.bytes().len());
    let _ = writeln!(s, "pub static VDSO: VdsoImage = VdsoImage {{");
    let _ = writeln!(s, "    bytes: include_bytes!({:?}),", path.display().to_string());
    let _ = writeln!(s, "    sigreturn: {tramp:#x},");
    let _ = writeln!(s, "    data_offset: -(data::DATA_SIZE as i64),");
    let _ = writeln!(s, "    data_size: data::DATA_SIZE,");
    s += &elf.symbols_field(&EXPORTS)?;
    let _ = writeln!(s, "}};");
    Ok(s)
}

fn main() -> ExitCode {
    vdso_support::build::main("vdso-arm64", &INPUTS, generate)
}
