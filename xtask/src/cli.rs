//! Command-line parsing (hand-rolled) and help texts.
//!
//! To add a command: a [`CommandInfo`] in [`COMMANDS`], a [`Cmd`] variant, a match arm in
//! [`parse`], and its implementation in `main.rs`.

use crate::arch::Arch;

/// A parsed command line.
#[derive(Debug, PartialEq, Eq)]
pub enum Cmd {
    /// Print help (for one command, or the tool).
    Help(Option<&'static str>),
    /// Cross-build the kernel crates and check the objects.
    Build {
        /// Arches to build (deduplicated, in [`Arch::ALL`] order).
        arches: Vec<Arch>,
        /// A FreeBSD `sys/` source tree (`--sysdir`), for the bindings and the MI objects.
        sysdir: Option<std::path::PathBuf>,
    },
    /// Check a kernel module for loadability.
    CheckKld {
        /// The arch, if given (else from the ELF header).
        arch: Option<Arch>,
        /// The module.
        file: std::path::PathBuf,
    },
    /// Install the module (FreeBSD only).
    Install {
        /// The arch whose module to install (default: the host's).
        arch: Option<Arch>,
    },
    /// Run every test step.
    Test,
    /// Run a Linux powerpc64 program under the CPU-emulator harness.
    Run {
        /// ppc64, ppc64le or arm64.
        arch: Arch,
        /// Sysroot for the interpreter and libraries (default: Debian's cross sysroot of the arch).
        sysroot: Option<std::path::PathBuf>,
        /// Print every syscall and the unimplemented-syscall report.
        strace: bool,
        /// Let guest paths fall back to the host's files (the harness's `--host-fs`, its default).
        host_fs: bool,
        /// The program and its arguments.
        program: Vec<String>,
    },
    /// Build and run the libFuzzer targets of fuzz/.
    Fuzz(crate::fuzz::FuzzArgs),
    /// Measure what the Linuxulator costs; write BENCHMARKS.md and bench/results.json.
    Bench,
    /// Run the kernel-object checks on given files.
    CheckObjects {
        /// Arch the objects are for.
        arch: Arch,
        /// Object files or static archives.
        files: Vec<std::path::PathBuf>,
    },
}

/// Name, one-line summary and full help of a command.
pub struct CommandInfo {
    /// Command name.
    pub name: &'static str,
    /// One line for the tool's help.
    pub summary: &'static str,
    /// Full help.
    pub help: &'static str,
}

/// All commands.
pub const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "build",
        summary: "cross-build the kernel crates for FreeBSD and check the objects",
        help: "\
usage: cargo xtask build [--arch <ppc64|ppc64le|arm64|all>]... [--sysdir <FreeBSD sys/ tree>]

Installs missing dependencies (Debian packages; needs root or sudo), then builds the kernel-side
crates (linux64-kmod and what it depends on) with Debian's rustc 1.96 and -Zbuild-std=core,alloc
for targets/<arch>-unknown-freebsd-kernel.json into target/kernel/, then checks every object of
liblinux64_kmod.a: ELFv2 and no .opd (ppc), no FP/vector instructions (llvm-objdump). Then links
target/kernel/<arch>/linux64.ko as kmod.mk does (ld.lld -r, localize, -Bshareable) and runs
check-kld on it. FreeBSD headers: the --sysdir tree (else SYSDIR, else /usr/src/sys on FreeBSD),
else those of the PyPI package ziglang (installed into target/). Without a source tree the
module lacks the MI Linuxulator objects, and the build says so.

options:
  --arch <arch>   ppc64, ppc64le, arm64, or all (default: all); may be repeated.
                  Several arches are built in one cargo run.
  --sysdir <dir>  a FreeBSD sys/ source tree
  -h, --help      this help

environment:
  XTASK_NO_INSTALL=1   never run apt-get; fail with the command to run instead",
    },
    CommandInfo {
        name: "test",
        summary: "run all tests: host cargo test, kernel builds + object checks, checker self-test",
        help: "\
usage: cargo xtask test

Installs missing dependencies, then runs these steps (all of them, even after a failure):
  1. cargo test --workspace (host, the toolchain `cargo xtask` runs with)
  2. kernel build + object checks for ppc64, ppc64le, arm64 (one check each; one cargo run)
  3. kernel-object checker self-test (known-bad objects must be refused)
and ends with the line `xtask test: N passed, M failed` (N, M: test counts from cargo test plus
one per xtask check). Exits non-zero if anything failed.

options:
  -h, --help   this help",
    },
    CommandInfo {
        name: "run",
        summary: "run a Linux powerpc64 or arm64 program on the emulated CPU through the module's hooks",
        help: "\
usage: cargo xtask run --arch <ppc64|ppc64le|arm64> [--sysroot DIR] [--strace] [--no-host-fs] -- PROGRAM [ARGS...]

Builds the CPU-emulator harness (harness/: unicorn 2.1.5 patched by harness/unicorn/ppc64.patch,
prepared in target/unicorn-patched/; the first build takes a few minutes) and runs PROGRAM on it.
Every kernel entry goes through the arch crate's hooks (arch-ppc64 on an emulated POWER9, arch-arm64
on unicorn's AArch64 CPU): syscall fetch/return, exec registers and linux-core's initial stack,
signal frames, clone and TLS. Static and dynamic ELFv1 BE, ELFv2 BE, ppc64le and arm64 programs run,
with threads. Exits with the program's status (128 + N if it was killed by signal N).

options:
  --arch <arch>    ppc64, ppc64le or arm64 (must match the program)
  --sysroot DIR    where the interpreter and libraries are (default: /usr/powerpc64-linux-gnu,
                   /usr/powerpc64le-linux-gnu or /usr/aarch64-linux-gnu); guest paths are looked up in a scratch directory,
                   then DIR, then the host
  --strace         print every syscall and, at exit, the syscalls the harness does not implement
  --no-host-fs     guest paths see only the scratch directory, the sysroot and PROGRAM (no fallback
                   to the host's files; /dev and /proc are always the host's)
  -h, --help       this help",
    },
    CommandInfo {
        name: "check-kld",
        summary: "check that a kernel module is loadable by FreeBSD's kld linker",
        help: "\
usage: cargo xtask check-kld [--arch <ppc64|ppc64le|arm64>] <file.ko>

Checks the ELF header (class, byte order, machine, ET_DYN, FreeBSD OSABI, ELFv2 and no .opd
on ppc), that every relocation is of a type the kld linker accepts, that there are no FP/vector
instructions, that the module metadata and SYSINIT linker sets are there, and that every
undefined symbol is a FreeBSD kernel export (crates/freebsd-sys/kpi.txt) or an MI Linuxulator
symbol (the generated linux_proto.h). Also run by every `cargo xtask build`.

options:
  --arch <arch>   the module's arch (default: from its ELF header)
  -h, --help      this help",
    },
    CommandInfo {
        name: "install",
        summary: "copy linux64.ko to /boot/modules (FreeBSD only)",
        help: "\
usage: cargo xtask install [--arch <ppc64|ppc64le|arm64>]

On FreeBSD, copies target/kernel/<arch>/linux64.ko (built by `cargo xtask build`) to
/boot/modules, where kldload finds it. Elsewhere it refuses. See docs/INSTALL.md.

options:
  --arch <arch>   which build to install (default: the host's arch)
  -h, --help      this help",
    },
    CommandInfo {
        name: "check-objects",
        summary: "run the kernel-object checks on given .o/.a files",
        help: "\
usage: cargo xtask check-objects --arch <ppc64|ppc64le|arm64> <file.o|file.a>...

Runs the checks `cargo xtask build` applies to liblinux64_kmod.a on any objects or static
archives (e.g. C objects of the module): ELFv2 and no .opd (ppc), right machine and byte order,
no FP/vector instructions. Exits non-zero if any check fails.

options:
  --arch <arch>   ppc64, ppc64le or arm64 (required)
  -h, --help      this help",
    },
    CommandInfo {
        name: "fuzz",
        summary: "build and run the libFuzzer targets of fuzz/ (hostile input to the hooks)",
        help: "\
usage: cargo xtask fuzz [--time SECONDS] [--runs N] [--target NAME]... [--update-corpus]

Builds fuzz/ (its own workspace and target dir) with the stable toolchain and the sanitizer-coverage
flags cargo-fuzz passes, then runs each target on a scratch corpus (fuzz/target/work/<target>)
seeded from fuzz/corpus/<target>. A target checks the invariants of docs/RELIABILITY.md on every
input; a violation or panic is a finding: its input goes to fuzz/artifacts/<target>/ and the
command exits non-zero. Targets: sigreturn_ppc64, sigreturn_arm64, sendsig_ppc64, sendsig_arm64,
exec_stack, syscall, ioctl_termios, ptrace_ppc64, ptrace_arm64, futex.

options:
  --time SECONDS    stop each target after this long (default 60 unless --runs is given)
  --runs N          stop each target after N executions
  --target NAME     run only this target (may be repeated)
  --update-corpus   merge inputs with new coverage into fuzz/corpus/<target> (libFuzzer -merge=1)
  -h, --help        this help",
    },
    CommandInfo {
        name: "bench",
        summary: "measure the cost per syscall, signal, exec and clock read; write BENCHMARKS.md",
        help: "\
usage: cargo xtask bench

Counts guest instructions on the emulated POWER9 (harness/src/bin/ppc64-bench.rs) of the hooks
as built for the FreeBSD kernel targets, next to hand-written lower bounds: the syscall path,
the signal round trip, the vdso's clock_gettime, the initial stack of an exec; times the harness
against qemu-user on one CPU-bound program; measures the module's and the vdso's sizes. Writes
BENCHMARKS.md (with the goals met or missed) and bench/results.json. Not part of `test`.

options:
  -h, --help   this help",
    },
];

/// The tool's help.
pub fn tool_help() -> String {
    let mut s = String::from(
        "usage: cargo xtask <command> [options]\n\nProject automation for the linux64 FreeBSD/powerpc64 kernel module.\n\ncommands:\n",
    );
    for c in COMMANDS {
        s.push_str(&format!("  {:8} {}\n", c.name, c.summary));
    }
    s.push_str("  help     show help for a command (also: cargo xtask <command> --help)\n");
    s
}

/// Help of `command`.
pub fn command_help(command: &str) -> Option<&'static str> {
    COMMANDS.iter().find(|c| c.name == command).map(|c| c.help)
}

fn command_names() -> String {
    COMMANDS.iter().map(|c| c.name).chain(["help"]).collect::<Vec<_>>().join(", ")
}

fn find_command(name: &str) -> Result<&'static str, String> {
    COMMANDS
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.name)
        .ok_or_else(|| format!("unknown command '{name}'; expected one of: {}", command_names()))
}

/// Parses the arguments after the program name. The error is one line for the user.
pub fn parse(args: &[String]) -> Result<Cmd, String> {
    let Some((first, rest)) = args.split_first() else {
        return Err("no command given; run `cargo xtask --help` for the list".into());
    };
    match first.as_str() {
        "-h" | "--help" => return Ok(Cmd::Help(None)),
        "help" => {
            return match rest {
                [] => Ok(Cmd::Help(None)),
                [c] => find_command(c).map(|c| Cmd::Help(Some(c))),
                _ => Err("usage: cargo xtask help [command]".into()),
            }
        }
        _ => {}
    }
    let name = find_command(first)?;
    if rest.iter().any(|a| a == "-h" || a == "--help") {
        return Ok(Cmd::Help(Some(name)));
    }
    match name {
        "build" => parse_build(rest),
        "test" => match rest.first() {
            None => Ok(Cmd::Test),
            Some(a) => Err(format!("unexpected argument '{a}' for test; see `cargo xtask test --help`")),
        },
        "check-objects" => parse_check_objects(rest),
        "check-kld" => parse_check_kld(rest),
        "install" => parse_install(rest),
        "run" => parse_run(rest),
        "fuzz" => crate::fuzz::parse(rest).map(Cmd::Fuzz),
        "bench" => match rest.first() {
            None => Ok(Cmd::Bench),
            Some(a) => Err(format!("unexpected argument '{a}' for bench; see `cargo xtask bench --help`")),
        },
        _ => unreachable!("command {name} listed but not parsed"),
    }
}

fn parse_arch_list(value: &str, arches: &mut Vec<Arch>) -> Result<(), String> {
    if value == "all" {
        arches.extend(Arch::ALL);
        return Ok(());
    }
    arches.push(Arch::parse(value)?);
    Ok(())
}

fn parse_build(args: &[String]) -> Result<Cmd, String> {
    let mut arches = Vec::new();
    let mut sysdir = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--sysdir" {
            sysdir = Some(it.next().ok_or("--sysdir needs a FreeBSD sys/ directory")?.into());
        } else if let Some(v) = a.strip_prefix("--sysdir=") {
            sysdir = Some(v.into());
        } else if a == "--arch" {
            let v = it.next().ok_or("--arch needs a value: ppc64, ppc64le, arm64 or all")?;
            parse_arch_list(v, &mut arches)?;
        } else if let Some(v) = a.strip_prefix("--arch=") {
            parse_arch_list(v, &mut arches)?;
        } else {
            return Err(format!("unexpected argument '{a}' for build; see `cargo xtask build --help`"));
        }
    }
    if arches.is_empty() {
        arches.extend(Arch::ALL);
    }
    arches.sort();
    arches.dedup();
    Ok(Cmd::Build { arches, sysdir })
}

/// `--arch <a>` / `--arch=<a>` at `a`, or None if `a` is not that option.
fn arch_option<'a>(a: &'a str, it: &mut std::slice::Iter<'a, String>) -> Option<Result<Arch, String>> {
    let v = if a == "--arch" {
        match it.next() {
            Some(v) => v.as_str(),
            None => return Some(Err("--arch needs a value: ppc64, ppc64le or arm64".into())),
        }
    } else {
        a.strip_prefix("--arch=")?
    };
    Some(Arch::parse(v))
}

fn parse_check_kld(args: &[String]) -> Result<Cmd, String> {
    let (mut arch, mut file) = (None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match arch_option(a, &mut it) {
            Some(r) => arch = Some(r?),
            None if a.starts_with('-') => {
                return Err(format!(
                    "unexpected option '{a}' for check-kld; see `cargo xtask check-kld --help`"
                ))
            }
            None if file.is_some() => return Err("check-kld takes one module file".into()),
            None => file = Some(a.into()),
        }
    }
    let file = file.ok_or("check-kld needs a module file (.ko)")?;
    Ok(Cmd::CheckKld { arch, file })
}

fn parse_install(args: &[String]) -> Result<Cmd, String> {
    let mut arch = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match arch_option(a, &mut it) {
            Some(r) => arch = Some(r?),
            None => {
                return Err(format!(
                    "unexpected argument '{a}' for install; see `cargo xtask install --help`"
                ))
            }
        }
    }
    Ok(Cmd::Install { arch })
}

fn parse_run(args: &[String]) -> Result<Cmd, String> {
    let mut arch = None;
    let mut sysroot = None;
    let mut strace = false;
    let mut host_fs = true;
    let mut it = args.iter();
    let mut program = Vec::new();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--arch" => {
                arch = Some(Arch::parse(it.next().ok_or("--arch needs a value: ppc64, ppc64le or arm64")?)?)
            }
            "--sysroot" => {
                sysroot = Some(std::path::PathBuf::from(it.next().ok_or("--sysroot needs a directory")?))
            }
            "--strace" => strace = true,
            "--no-host-fs" => host_fs = false,
            "--" => {
                program = it.cloned().collect();
                break;
            }
            s if s.starts_with("--arch=") => arch = Some(Arch::parse(&s["--arch=".len()..])?),
            s if s.starts_with("--sysroot=") => {
                sysroot = Some(std::path::PathBuf::from(&s["--sysroot=".len()..]))
            }
            s => {
                return Err(format!(
                "unexpected argument '{s}' for run (put the program after --); see `cargo xtask run --help`"
            ))
            }
        }
    }
    let arch = arch.ok_or("run needs --arch ppc64, --arch ppc64le or --arch arm64")?;
    if program.is_empty() {
        return Err("run needs a program after --; see `cargo xtask run --help`".into());
    }
    Ok(Cmd::Run { arch, sysroot, strace, host_fs, program })
}

fn parse_check_objects(args: &[String]) -> Result<Cmd, String> {
    let mut arch = None;
    let mut files = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = if a == "--arch" {
            Some(it.next().ok_or("--arch needs a value: ppc64, ppc64le or arm64")?.as_str())
        } else {
            a.strip_prefix("--arch=")
        };
        match v {
            Some(v) => arch = Some(Arch::parse(v)?),
            None if a.starts_with('-') => {
                return Err(format!(
                    "unexpected option '{a}' for check-objects; see `cargo xtask check-objects --help`"
                ))
            }
            None => files.push(a.into()),
        }
    }
    let arch = arch.ok_or("check-objects needs --arch <ppc64|ppc64le|arm64>")?;
    if files.is_empty() {
        return Err("check-objects needs at least one .o or .a file".into());
    }
    Ok(Cmd::CheckObjects { arch, files })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Cmd, String> {
        parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn build_args() {
        assert_eq!(
            p(&["build", "--arch", "ppc64"]),
            Ok(Cmd::Build { arches: vec![Arch::Ppc64], sysdir: None })
        );
        assert_eq!(p(&["build", "--arch=arm64"]), Ok(Cmd::Build { arches: vec![Arch::Arm64], sysdir: None }));
        assert_eq!(p(&["build"]), Ok(Cmd::Build { arches: Arch::ALL.to_vec(), sysdir: None }));
        assert_eq!(
            p(&["build", "--arch", "all"]),
            Ok(Cmd::Build { arches: Arch::ALL.to_vec(), sysdir: None })
        );
        assert_eq!(
            p(&["build", "--arch", "arm64", "--arch", "ppc64le", "--arch=arm64"]),
            Ok(Cmd::Build { arches: vec![Arch::Ppc64le, Arch::Arm64], sysdir: None })
        );
    }

    #[test]
    fn kld_and_install_args() {
        assert_eq!(p(&["check-kld", "m.ko"]), Ok(Cmd::CheckKld { arch: None, file: "m.ko".into() }));
        assert_eq!(
            p(&["check-kld", "--arch", "arm64", "m.ko"]),
            Ok(Cmd::CheckKld { arch: Some(Arch::Arm64), file: "m.ko".into() })
        );
        assert!(p(&["check-kld"]).is_err());
        assert_eq!(p(&["install"]), Ok(Cmd::Install { arch: None }));
        assert_eq!(
            p(&["build", "--arch", "ppc64", "--sysdir", "/usr/src/sys"]),
            Ok(Cmd::Build { arches: vec![Arch::Ppc64], sysdir: Some("/usr/src/sys".into()) })
        );
    }

    #[test]
    fn check_objects_args() {
        assert_eq!(
            p(&["check-objects", "a.o", "--arch=ppc64le", "b.a"]),
            Ok(Cmd::CheckObjects { arch: Arch::Ppc64le, files: vec!["a.o".into(), "b.a".into()] })
        );
    }

    #[test]
    fn errors_are_one_line() {
        for (args, want) in [
            (
                &["build", "--arch", "mips"][..],
                "unknown arch 'mips'; expected one of: ppc64, ppc64le, arm64",
            ),
            (&["build", "--arch"][..], "--arch needs a value"),
            (&["build", "--fast"][..], "unexpected argument '--fast'"),
            (
                &["frobnicate"][..],
                "unknown command 'frobnicate'; expected one of: build, test, run, check-kld, install, check-objects, fuzz, bench, help",
            ),
            (&["check-objects", "x.o"][..], "check-objects needs --arch"),
            (
                &["check-objects", "--arch", "ppc64"][..],
                "check-objects needs at least one",
            ),
            (
                &["check-objects", "--arch", "sparc", "x.o"][..],
                "unknown arch 'sparc'",
            ),
            (&["test", "x"][..], "unexpected argument 'x' for test"),
            (&[][..], "no command given"),
        ] {
            let e = p(args).unwrap_err();
            assert!(e.starts_with(want), "{args:?}: {e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn help() {
        assert_eq!(p(&["--help"]), Ok(Cmd::Help(None)));
        assert_eq!(p(&["-h"]), Ok(Cmd::Help(None)));
        assert_eq!(p(&["help"]), Ok(Cmd::Help(None)));
        assert_eq!(p(&["help", "build"]), Ok(Cmd::Help(Some("build"))));
        assert_eq!(p(&["build", "--help"]), Ok(Cmd::Help(Some("build"))));
        assert_eq!(p(&["build", "--arch", "mips", "-h"]), Ok(Cmd::Help(Some("build"))));
        assert_eq!(p(&["test", "--help"]), Ok(Cmd::Help(Some("test"))));
        assert!(p(&["help", "nope"]).is_err());
        for c in COMMANDS {
            assert!(tool_help().contains(c.name));
            assert!(command_help(c.name).is_some_and(|h| h.starts_with("usage: cargo xtask")));
        }
    }

    #[test]
    fn arch_names() {
        for a in Arch::ALL {
            assert_eq!(Arch::parse(a.name()), Ok(a));
        }
        assert_eq!(
            Arch::parse("ppc64el").unwrap_err(),
            "unknown arch 'ppc64el'; expected one of: ppc64, ppc64le, arm64"
        );
    }
}
