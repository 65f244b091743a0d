//! `cargo xtask`: project automation for the linux64 kernel module (see `cargo xtask --help`).
//!
//! Modules:
//! - [`cli`]: argument parsing and help;
//! - [`deps`]: Debian packages and the pinned kernel toolchain (rustc-web 1.96);
//! - [`kernel`]: the `-Zbuild-std` cross-build for `targets/*.json` into `target/kernel/`;
//! - [`kcheck`]: kernel-object checks (ELFv2/.opd, no FP/vector instructions) and their self-test;
//! - [`kmod`]: linking `linux64.ko` (generated syscall files, module C, `ld.lld -r`, localize, `-Bshareable`);
//! - [`checkkld`]: `check-kld`, the loadability checks of a module, and their self-test;
//! - [`testrun`]: the steps of `cargo xtask test`;
//! - [`panics`]: what panic/formatting machinery the module's entry points can reach;
//! - [`fuzz`]: the libFuzzer targets of `fuzz/` (`cargo xtask fuzz`, and a smoke run in the tests);
//! - [`bench`]: `cargo xtask bench`, the cost measurements written to `BENCHMARKS.md`.
//!
//! Errors are one line on stderr (`error: ...`), exit status 1 (2 for usage errors).

mod arch;
mod bench;
mod checkkld;
mod cli;
mod deps;
mod fuzz;
mod harness;
mod kcheck;
mod kernel;
mod kmod;
mod panics;
mod selftest;
mod testrun;
mod util;

use arch::Arch;
use cli::Cmd;
use std::process::ExitCode;
use util::Result;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cmd = match cli::parse(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cmd {
        Cmd::Help(None) => {
            print!("{}", cli::tool_help());
            Ok(true)
        }
        Cmd::Help(Some(c)) => {
            println!("{}", cli::command_help(c).unwrap_or_default());
            Ok(true)
        }
        Cmd::Build { arches, sysdir } => build(&arches, sysdir.as_deref()),
        Cmd::CheckKld { arch, file } => check_kld(arch, &file),
        Cmd::Install { arch } => install(arch),
        Cmd::Test => test(),
        Cmd::CheckObjects { arch, files } => check_objects(arch, &files),
        Cmd::Fuzz(args) => fuzz::run(&args),
        Cmd::Bench => bench::run(),
        Cmd::Run { arch, sysroot, strace, host_fs, program } => {
            match harness::run_program(arch, sysroot, strace, host_fs, &program) {
                Ok(code) => std::process::exit(code),
                Err(e) => Err(e),
            }
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask build`: Ok(false) if a build or a check failed (already reported).
fn build(arches: &[Arch], sysdir: Option<&std::path::Path>) -> Result<bool> {
    let tools = deps::ensure()?;
    let sysdir = kmod::find_sysdir(sysdir);
    if let Some(s) = &sysdir {
        // freebsd-sys's build script reads it (bindings from the source tree instead of ziglang's headers).
        std::env::set_var("FREEBSD_SYSDIR", s);
    }
    let results = kernel::build(&tools, arches);
    let mut ok = true;
    for (arch, r) in results {
        match r.and_then(|lib| Ok((kcheck::check_file(&lib, arch, &tools)?, lib))) {
            Ok((report, lib)) => {
                report.print(&format!("{arch} {}", lib.display()), 50);
                if report.ok() {
                    println!("xtask: {arch}: {}", lib.display());
                    ok &= kmod::build_and_check(&tools, arch, &lib, sysdir.as_deref());
                } else {
                    println!("xtask: {arch}: {} FAILED the kernel-object checks", lib.display());
                    ok = false;
                }
            }
            Err(e) => {
                eprintln!("error: {arch}: {e}");
                ok = false;
            }
        }
    }
    Ok(ok)
}

/// `cargo xtask test`.
fn test() -> Result<bool> {
    let tools = deps::ensure()?;
    let total = testrun::run_all(tools);
    println!("xtask test: {} passed, {} failed", total.passed, total.failed);
    Ok(total.failed == 0)
}

/// `cargo xtask check-kld`.
fn check_kld(arch: Option<Arch>, file: &std::path::Path) -> Result<bool> {
    let tools = deps::Tools::find()?;
    let (arch, findings) = checkkld::check_file(file, arch, &[], &tools)?;
    Ok(checkkld::report(file, arch, &findings))
}

/// `cargo xtask install`: copies the built module to /boot/modules on FreeBSD; refuses elsewhere.
fn install(arch: Option<Arch>) -> Result<bool> {
    if !cfg!(target_os = "freebsd") {
        return Err(util::Error(
            "install only works on FreeBSD (it copies linux64.ko to /boot/modules); copy target/kernel/<arch>/linux64.ko there yourself".into(),
        ));
    }
    let arch = arch.unwrap_or(match std::env::consts::ARCH {
        "aarch64" => Arch::Arm64,
        _ if cfg!(target_endian = "little") => Arch::Ppc64le,
        _ => Arch::Ppc64,
    });
    let ko = kmod::ko_path(arch);
    if !ko.is_file() {
        return Err(util::Error(format!(
            "{} not built; run `cargo xtask build --arch {arch}` first",
            ko.display()
        )));
    }
    let dest = std::path::Path::new("/boot/modules").join(format!("{}.ko", kmod::MODULE));
    std::fs::copy(&ko, &dest)
        .map_err(|e| util::Error(format!("cannot copy {} to {}: {e}", ko.display(), dest.display())))?;
    println!("xtask: installed {}; load it with `kldload linux64` (see docs/INSTALL.md)", dest.display());
    Ok(true)
}

/// `cargo xtask check-objects`.
fn check_objects(arch: Arch, files: &[std::path::PathBuf]) -> Result<bool> {
    let tools = deps::ensure()?;
    let mut ok = true;
    for f in files {
        let report = kcheck::check_file(f, arch, &tools)?;
        report.print(&format!("{arch} {}", f.display()), 50);
        ok &= report.ok();
    }
    Ok(ok)
}
