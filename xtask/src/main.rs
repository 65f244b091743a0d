//! `cargo xtask`: project automation for the linux64 kernel module (see `cargo xtask --help`).
//!
//! Modules:
//! - [`cli`]: argument parsing and help;
//! - [`deps`]: Debian packages and the pinned kernel toolchain (rustc-web 1.96);
//! - [`kernel`]: the `-Zbuild-std` cross-build for `targets/*.json` into `target/kernel/`;
//! - [`kcheck`]: kernel-object checks (ELFv2/.opd, no FP/vector instructions) and their self-test;
//! - [`testrun`]: the steps of `cargo xtask test`.
//!
//! Errors are one line on stderr (`error: ...`), exit status 1 (2 for usage errors).

mod arch;
mod cli;
mod deps;
mod harness;
mod kcheck;
mod kernel;
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
        Cmd::Build { arches } => build(&arches),
        Cmd::Test => test(),
        Cmd::CheckObjects { arch, files } => check_objects(arch, &files),
        Cmd::Run { arch, sysroot, strace, program } => match harness::run_program(arch, sysroot, strace, &program) {
            Ok(code) => std::process::exit(code),
            Err(e) => Err(e),
        },
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
fn build(arches: &[Arch]) -> Result<bool> {
    let tools = deps::ensure()?;
    let results = kernel::build(&tools, arches);
    let mut ok = true;
    for (arch, r) in results {
        match r.and_then(|lib| Ok((kcheck::check_file(&lib, arch, &tools)?, lib))) {
            Ok((report, lib)) => {
                report.print(&format!("{arch} {}", lib.display()), 50);
                if report.ok() {
                    println!("xtask: {arch}: {}", lib.display());
                } else {
                    println!(
                        "xtask: {arch}: {} FAILED the kernel-object checks",
                        lib.display()
                    );
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
    println!(
        "xtask test: {} passed, {} failed",
        total.passed, total.failed
    );
    Ok(total.failed == 0)
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
