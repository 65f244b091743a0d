//! `ppc64-harness`: runs an unmodified Linux powerpc64 program (ELFv1 BE, ELFv2 BE, ppc64le; static or
//! dynamic) on unicorn's POWER9, or a Linux arm64 program on unicorn's AArch64, with the Linuxulator's
//! own arch hooks (arch-ppc64, arch-arm64) handling every kernel entry: `fetch_syscall_args`/
//! `set_syscall_retval` for each system call, `exec_setregs` and linux-core's `copyout_initial_stack`
//! for exec, `sendsig`/`sigreturn` for signals, `set_fork_retval`/`clone_setregs` for threads. The
//! architecture is the program's (`e_machine`), or the one `--arch` insists on. (The name is from when
//! powerpc64 was the only one.)
//!
//! ```text
//! ppc64-harness [--arch ppc64|arm64] [--sysroot DIR] [--scratch DIR] [--host-fs|--no-host-fs]
//!               [--strace] [--report] [--coverage] -- PROGRAM [ARGS...]
//! ```
//! Guest paths resolve in layers (`crate::vfs`, `--help`): the scratch directory, then the sysroot,
//! then (unless `--no-host-fs`) the host's own file system.
//! The exit status is the program's; a program killed by a signal kills the harness with that signal.
//! `--coverage` lists the system calls of the architecture's table (`--arch`, ppc64 by default) that the
//! backend lacks.
//!
//! With `PPC64_HARNESS_REPORT=FILE` in its environment (not passed to the guest) the harness appends, at
//! exit, one line per unimplemented syscall (`NAME COUNT`), unknown ioctl (`ioctl-0xN COUNT`) and syscall
//! entered (`syscall NAME COUNT`: every `sc`, so a test can tell that the vdso served the clocks), futex
//! operation performed (`futex FUTEX_WAKE_OP COUNT`) and the number of threads clone created
//! (`threads-created N`).

mod arch;
mod conv;
mod cpu;
mod events;
mod fdtable;
mod futex;
mod hostsig;
mod loader;
mod misc;
mod net;
mod process;
mod syscalls;
mod thread;
mod vdso;
mod vfs;
mod vm;

use arch::arm64::Arm64Guest;
use arch::ppc64::Ppc64Guest;
use arch::GuestArch;
use linux_core::elf::{ElfBrand, Endian, EM_AARCH64};
use loader::ExecPlan;
use process::{Carry, End, Options, Proc, Signals, Stats};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use zerocopy::{BigEndian, LittleEndian};

const USAGE: &str = "usage: ppc64-harness [--arch ppc64|arm64] [--sysroot DIR] [--scratch DIR] [--host-fs|--no-host-fs] [--strace] [--report] [--coverage] -- PROGRAM [ARGS...]";

const HELP: &str = "\
Runs a Linux powerpc64 (ELFv1/ELFv2, either byte order) or arm64 program on an emulated CPU, every
kernel entry through the Linuxulator's arch hooks.

options:
  --arch ppc64|arm64   insist on an architecture (default: the program's)
  --sysroot DIR        the guest's read-only root for libraries and the interpreter
  --scratch DIR        where the guest's writes land (default: a temporary directory, removed at exit)
  --host-fs            (default) guest paths found in neither the scratch directory nor the sysroot
                       are looked up on the host, read-only, as qemu-user's -L does
  --no-host-fs         no host fallback: only the scratch directory and the sysroot (and the program
                       named on the command line) are visible; the scratch starts with an empty /tmp
  --strace             print every system call to stderr
  --report             print the system calls the backend lacks at exit
  --coverage           list the architecture's system calls the backend does not implement

path lookup, first match wins:
  1. the scratch directory (read-write: files the guest creates or changes are written here)
  2. the sysroot (read-only; absolute symlinks inside it are followed through the layers)
  3. the host file system (read-only), unless --no-host-fs
  /dev/* and /proc/* are always the host's; /proc/self/exe names the guest program.";

/// The architectures `--arch` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ArchChoice {
    /// powerpc64, either byte order.
    Ppc64,
    /// arm64.
    Arm64,
}

impl ArchChoice {
    fn parse(s: &str) -> Option<ArchChoice> {
        match s {
            "ppc64" | "ppc64le" | "powerpc64" => Some(ArchChoice::Ppc64),
            "arm64" | "aarch64" => Some(ArchChoice::Arm64),
            _ => None,
        }
    }

    /// The brands of the architecture.
    fn brands(self) -> &'static [ElfBrand] {
        match self {
            ArchChoice::Ppc64 => &arch_ppc64::BRANDS,
            ArchChoice::Arm64 => &arch_arm64::BRANDS,
        }
    }
}

struct Cli {
    arch: Option<ArchChoice>,
    sysroot: Option<PathBuf>,
    scratch: Option<PathBuf>,
    opts: Options,
    coverage: bool,
    host_fs: bool,
    program: Vec<String>,
}

fn parse(args: &[String]) -> Result<Cli, String> {
    let mut cli = Cli {
        arch: None,
        sysroot: None,
        scratch: None,
        opts: Options::default(),
        coverage: false,
        host_fs: true,
        program: Vec::new(),
    };
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let mut value = |name: &str| -> Result<String, String> {
            i += 1;
            args.get(i).cloned().ok_or_else(|| format!("{name} needs a value"))
        };
        match a.as_str() {
            "--arch" => {
                let v = value("--arch")?;
                cli.arch = Some(ArchChoice::parse(&v).ok_or_else(|| format!("unknown --arch {v}\n{USAGE}"))?);
            }
            "--sysroot" => cli.sysroot = Some(PathBuf::from(value("--sysroot")?)),
            "--scratch" => cli.scratch = Some(PathBuf::from(value("--scratch")?)),
            "--host-fs" => cli.host_fs = true,
            "--no-host-fs" => cli.host_fs = false,
            "--strace" => cli.opts.strace = true,
            "--report" => cli.opts.report = true,
            "--coverage" => cli.coverage = true,
            "-h" | "--help" => {
                println!("{USAGE}\n\n{HELP}");
                std::process::exit(0);
            }
            "--" => {
                cli.program = args[i + 1..].to_vec();
                break;
            }
            s if s.starts_with('-') => return Err(format!("unknown option {s}\n{USAGE}")),
            _ => {
                cli.program = args[i..].to_vec();
                break;
            }
        }
        i += 1;
    }
    Ok(cli)
}

fn coverage<A: GuestArch>(name: &str) {
    let mut distinct: Vec<linux_core::sysno::Sys> = A::SYSCALLS.iter().flatten().copied().collect();
    distinct.sort();
    distinct.dedup();
    let done = distinct.iter().filter(|s| syscalls::IMPLEMENTED.contains(s)).count();
    println!(
        "{name} syscall table: {} distinct syscalls; the harness backend implements {done}",
        distinct.len()
    );
    let missing: Vec<&str> =
        distinct.iter().filter(|s| !syscalls::IMPLEMENTED.contains(s)).map(|s| s.name()).collect();
    println!("not implemented (ENOSYS): {}", missing.join(" "));
}

fn report(stats: &Stats) {
    let mut parts: Vec<String> = stats.unimplemented.iter().map(|(k, v)| format!("{k} x{v}")).collect();
    parts.extend(stats.unknown_ioctls.iter().map(|(k, v)| format!("ioctl {k:#x} x{v}")));
    eprintln!(
        "ppc64-harness: pid {} {} syscalls; unimplemented: {}",
        std::process::id(),
        stats.handled,
        if parts.is_empty() { "none".to_string() } else { parts.join(", ") }
    );
    if let Ok(path) = std::env::var("PPC64_HARNESS_REPORT") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            for (k, v) in &stats.unimplemented {
                let _ = writeln!(f, "{k} {v}");
            }
            for (k, v) in &stats.unknown_ioctls {
                let _ = writeln!(f, "ioctl-{k:#x} {v}");
            }
            for (k, v) in &stats.calls {
                let _ = writeln!(f, "syscall {k} {v}");
            }
            for (k, v) in &stats.futex_ops {
                let _ = writeln!(f, "futex {k} {v}");
            }
            let _ = writeln!(f, "threads-created {}", stats.threads_created);
        }
    }
}

/// Runs one process image on the CPU of its brand's architecture, until it exits, dies or execs.
fn run_image(plan: &ExecPlan, carry: Carry) -> Result<(End, Stats), loader::ExecError> {
    fn go<A: GuestArch>(plan: &ExecPlan, carry: Carry) -> Result<(End, Stats), loader::ExecError> {
        Proc::<A>::start(plan, carry).map(Proc::run)
    }
    match (plan.brand.machine, plan.brand.endian) {
        (EM_AARCH64, _) => go::<Arm64Guest>(plan, carry),
        (_, Endian::Little) => go::<Ppc64Guest<LittleEndian>>(plan, carry),
        (_, Endian::Big) => go::<Ppc64Guest<BigEndian>>(plan, carry),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cli = match parse(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ppc64-harness: {e}");
            std::process::exit(2);
        }
    };
    if cli.coverage {
        match cli.arch {
            Some(ArchChoice::Arm64) => coverage::<Arm64Guest>("arm64"),
            _ => coverage::<Ppc64Guest<BigEndian>>("ppc64"),
        }
        return;
    }
    let Some(prog) = cli.program.first() else {
        eprintln!("ppc64-harness: no program given\n{USAGE}");
        std::process::exit(2);
    };
    let (scratch, temp) = match &cli.scratch {
        Some(s) => (s.clone(), false),
        None => (std::env::temp_dir().join(format!("ppc64-harness-{}", std::process::id())), true),
    };
    if let Err(e) = std::fs::create_dir_all(&scratch) {
        eprintln!("ppc64-harness: cannot create the scratch directory {}: {e}", scratch.display());
        std::process::exit(1);
    }
    let cwd =
        std::env::current_dir().map(|p| p.as_os_str().as_bytes().to_vec()).unwrap_or_else(|_| b"/".to_vec());
    let mut vfs = vfs::Vfs {
        sysroot: cli.sysroot.clone(),
        scratch: scratch.clone(),
        cwd,
        exe: String::new(),
        host_fs: cli.host_fs,
        host_allowed: Vec::new(),
    };
    if !cli.host_fs {
        // The program named on the command line is the one host file the guest may see; /tmp exists.
        vfs.host_allowed.push(vfs.abs(prog.as_bytes()));
        let _ = std::fs::create_dir_all(scratch.join("tmp"));
    }
    let argv: Vec<Vec<u8>> = cli.program.iter().map(|s| s.as_bytes().to_vec()).collect();
    let envp: Vec<Vec<u8>> = std::env::vars_os()
        .filter(|(k, _)| k != "PPC64_HARNESS_REPORT")
        .map(|(k, v)| [k.as_bytes(), b"=", v.as_bytes()].concat())
        .collect();
    let sets: Vec<&'static [ElfBrand]> = match cli.arch {
        Some(a) => vec![a.brands()],
        None => loader::ALL_BRANDS.to_vec(),
    };
    let plan = match loader::prepare(&vfs, prog.as_bytes(), argv, envp, &sets) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("ppc64-harness: {}", e.msg);
            std::process::exit(if e.errno == linux_core::errno::LinuxErrno::ENOENT { 127 } else { 126 });
        }
    };
    hostsig::install();
    hostsig::start_tick(vdso::tick_period_ns());
    let pid = std::process::id();
    let mut carry = Carry {
        vfs,
        signals: Signals::default(),
        thread: thread::ThreadSignals::default(),
        stats: Stats::default(),
        opts: cli.opts.clone(),
        fds: fdtable::FdTable::default(),
        personality: 0,
    };
    let mut plan = Box::new(plan);
    let mut stats = Stats::default();
    let end = loop {
        let end = run_image(&plan, carry);
        match end {
            Ok((End::Exec(p, c), _)) => {
                plan = p;
                carry = c;
            }
            Ok((other, s)) => {
                stats = s;
                break other;
            }
            Err(e) => {
                // Past the point of no return: Linux kills the process with SIGSEGV.
                eprintln!("ppc64-harness: {}", e.msg);
                break End::Signal(11);
            }
        }
    };
    if temp && std::process::id() == pid {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    if cli.opts.report || cli.opts.strace || std::env::var_os("PPC64_HARNESS_REPORT").is_some() {
        report(&stats);
    }
    match end {
        End::Exit(code) => std::process::exit(code),
        End::Signal(sig) => hostsig::die_by(i32::from(sig)),
        End::Exec(..) => std::process::exit(1),
    }
}
