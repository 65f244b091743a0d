//! Runs the C programs of `tests/programs/` (and Debian's ppc64el and arm64 busybox) under the harness
//! and under qemu-user (the reference Linux ABI implementation) and compares stdout and exit status.
//! Programs are built here with `powerpc64-linux-gnu-gcc` (ELFv1 BE glibc, static and dynamic),
//! `powerpc64le-linux-gnu-gcc` (ppc64le glibc, static and dynamic), `zig cc -target
//! powerpc64-linux-musl` (ELFv2 BE musl; zig from `target/zig`, installed by `cargo xtask`) and
//! `aarch64-linux-gnu-gcc` (arm64 glibc, static and dynamic).
//! Legitimate differences are normalised explicitly, each with its reason, in [`normalise`].

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn out_dir() -> PathBuf {
    let d = repo().join("target/harness-tests");
    std::fs::create_dir_all(&d).expect("create target/harness-tests");
    d
}

/// A build of a test program.
#[derive(Clone, Copy, Debug)]
struct Variant {
    name: &'static str,
    compiler: &'static str,
    args: &'static [&'static str],
    qemu: &'static str,
    sysroot: &'static str,
}

const VARIANTS: &[Variant] = &[
    Variant {
        name: "be-static",
        compiler: "powerpc64-linux-gnu-gcc",
        args: &["-static"],
        qemu: "qemu-ppc64-static",
        sysroot: "/usr/powerpc64-linux-gnu",
    },
    Variant {
        name: "be-dynamic",
        compiler: "powerpc64-linux-gnu-gcc",
        args: &[],
        qemu: "qemu-ppc64-static",
        sysroot: "/usr/powerpc64-linux-gnu",
    },
    Variant {
        name: "le-static",
        compiler: "powerpc64le-linux-gnu-gcc",
        args: &["-static"],
        qemu: "qemu-ppc64le-static",
        sysroot: "/usr/powerpc64le-linux-gnu",
    },
    Variant {
        name: "le-dynamic",
        compiler: "powerpc64le-linux-gnu-gcc",
        args: &[],
        qemu: "qemu-ppc64le-static",
        sysroot: "/usr/powerpc64le-linux-gnu",
    },
    Variant {
        name: "elfv2-musl",
        compiler: "zig",
        args: &["cc", "-target", "powerpc64-linux-musl", "-static"],
        qemu: "qemu-ppc64-static",
        sysroot: "/usr/powerpc64-linux-gnu",
    },
    Variant {
        name: "arm64-static",
        compiler: "aarch64-linux-gnu-gcc",
        args: &["-static"],
        qemu: "qemu-aarch64-static",
        sysroot: "/usr/aarch64-linux-gnu",
    },
    Variant {
        name: "arm64-dynamic",
        compiler: "aarch64-linux-gnu-gcc",
        args: &[],
        qemu: "qemu-aarch64-static",
        sysroot: "/usr/aarch64-linux-gnu",
    },
];

impl Variant {
    /// An arm64 build (the rest are powerpc64).
    fn arm64(&self) -> bool {
        self.qemu == "qemu-aarch64-static"
    }
}

fn zig() -> Option<PathBuf> {
    let z = repo().join("target/zig/ziglang/zig");
    z.exists().then_some(z)
}

fn build(src: &str, v: &Variant) -> Option<PathBuf> {
    build_with(src, v, "", &[])
}

/// Builds with extra compiler flags (after the default `-O1`), into `{src}{tag}-{variant}`.
fn build_with(src: &str, v: &Variant, tag: &str, flags: &[&str]) -> Option<PathBuf> {
    let out = out_dir().join(format!("{src}{tag}-{}", v.name));
    let source = repo().join("harness/tests/programs").join(format!("{src}.c"));
    let mut cmd = if v.compiler == "zig" {
        let Some(z) = zig() else {
            eprintln!("SKIP {src}-{}: zig not installed (cargo xtask installs it into target/zig)", v.name);
            return None;
        };
        let mut c = Command::new(z);
        c.env("ZIG_GLOBAL_CACHE_DIR", repo().join("target/zig-cache"));
        c
    } else {
        Command::new(v.compiler)
    };
    cmd.args(v.args).arg("-O1").args(flags).arg("-o").arg(&out).arg(&source);
    let st = cmd.status().unwrap_or_else(|e| panic!("cannot run {}: {e}", v.compiler));
    assert!(st.success(), "building {src} for {} failed", v.name);
    Some(out)
}

/// How long one run of a program (under the harness or qemu-user) may take before it is killed and the
/// test fails: a hang must never stall CI.
const RUN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// `cmd.output()` with [`RUN_TIMEOUT`]: the child runs in a process group of its own, which is killed
/// (children included, so that no grandchild keeps the pipes open) when the time is up, and the test
/// fails saying which command hung.
fn output_with_timeout(cmd: &mut Command) -> std::process::Output {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0);
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let reader = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut v);
            }
            v
        })
    };
    let out = reader(child.stdout.take().map(|r| Box::new(r) as Box<dyn Read + Send>));
    let err = reader(child.stderr.take().map(|r| Box::new(r) as Box<dyn Read + Send>));
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if start.elapsed() > RUN_TIMEOUT {
            // SAFETY: kill(2) of the child's own process group (its pid, set by process_group(0)).
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            let _ = child.wait();
            let stderr = err.join().unwrap_or_default();
            panic!(
                "timed out after {} s, killed: {cmd:?}\nstderr so far: {}",
                RUN_TIMEOUT.as_secs(),
                String::from_utf8_lossy(&stderr)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    // The group may still hold the pipes through a background grandchild: end it too.
    // SAFETY: as above.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
    std::process::Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// stdout and the exit status as "exit N" / "signal N".
fn run(cmd: Command) -> (String, String, String) {
    run_env(cmd, &[])
}

/// [`run`] with extra environment variables.
fn run_env(mut cmd: Command, env: &[(&str, &std::ffi::OsStr)]) -> (String, String, String) {
    cmd.env_clear().env("HARNESS_TEST", "yes").env("PATH", "/usr/bin:/bin").env("LANG", "C");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = output_with_timeout(&mut cmd);
    let status = match out.status.code() {
        Some(c) => format!("exit {c}"),
        None => format!("signal {}", out.status.signal().unwrap_or(0)),
    };
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn harness(v: &Variant, prog: &Path, args: &[&str]) -> (String, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ppc64-harness"));
    c.arg("--sysroot").arg(v.sysroot).arg("--").arg(prog).args(args);
    run(c)
}

/// As [`harness`], plus the harness's syscall counts (`PPC64_HARNESS_REPORT`: `syscall NAME COUNT` lines).
fn harness_counted(
    v: &Variant,
    prog: &Path,
    args: &[&str],
) -> (String, String, String, BTreeMap<String, u64>) {
    let report =
        out_dir().join(format!("{}.report", prog.file_name().and_then(|n| n.to_str()).unwrap_or("prog")));
    let _ = std::fs::remove_file(&report);
    let mut c = Command::new(env!("CARGO_BIN_EXE_ppc64-harness"));
    c.arg("--sysroot").arg(v.sysroot).arg("--").arg(prog).args(args);
    let (o, s, e) = run_env(c, &[("PPC64_HARNESS_REPORT", report.as_os_str())]);
    let text = std::fs::read_to_string(&report).unwrap_or_default();
    let counts = text
        .lines()
        .filter_map(|l| l.strip_prefix("syscall "))
        .filter_map(|l| l.split_once(' '))
        .map(|(name, n)| (name.to_string(), n.trim().parse().unwrap_or(0)))
        .collect();
    (o, s, e, counts)
}

fn qemu(v: &Variant, prog: &Path, args: &[&str]) -> (String, String, String) {
    let mut c = Command::new(v.qemu);
    c.arg("-L").arg(v.sysroot).arg(prog).args(args);
    run(c)
}

/// The explicit normalisations, applied to both outputs after checking the harness's line.
fn normalise(v: &Variant, text: &str, harness: bool) -> String {
    let mut out = Vec::new();
    for line in text.lines() {
        // An undefined instruction on arm64: Linux's do_undefinstr reports ILL_ILLOPC (1); qemu-user 7.2
        // reports ILL_ILLOPN (2). The harness must give Linux's answer.
        if v.arm64() && line.starts_with("illegal:") {
            if harness {
                assert_eq!(
                    line, "illegal: signo=4 code=1 addr_ok=1",
                    "harness must report Linux's ILL_ILLOPC"
                );
            }
            out.push("illegal: (normalised)".to_string());
            continue;
        }
        // AT_HWCAP/AT_HWCAP2/AT_PLATFORM: the harness reports the POWER9 of arch-ppc64's Ppc64Cpu, qemu-user
        // its own CPU model; both are legitimate kernels' answers.
        if line.starts_with("hw:") {
            continue;
        }
        // qemu-user reports protection faults as SEGV_MAPERR and gives no faulting address for an
        // instruction fetch from a non-executable page; Linux reports SEGV_ACCERR (2) with the address.
        // The harness must give Linux's answer.
        if line.starts_with("segv read-only:") || line.starts_with("exec data:") {
            if harness {
                let want = if line.starts_with("segv") {
                    "segv read-only: signo=11 code=2 addr_ok=1"
                } else {
                    "exec data: signo=11 code=2 addr_ok=1"
                };
                assert_eq!(line, want, "harness must report Linux's SEGV_ACCERR");
            }
            out.push(line.split(':').next().unwrap_or("").to_string() + ": (normalised)");
            continue;
        }
        // qemu-user 7.2 answers 0 for powerpc's SO_SNDLOWAT (17, the generic SO_PEERCRED); Linux's
        // sock_getsockopt answers 1. The harness must give Linux's answer.
        if !v.arm64() && line.starts_with("SO_SNDLOWAT:") {
            if harness {
                assert_eq!(line, "SO_SNDLOWAT: r=0 v=1 len=4", "harness must report Linux's SO_SNDLOWAT");
            }
            out.push("SO_SNDLOWAT: (normalised)".to_string());
            continue;
        }
        // qemu-user 7.2 refuses socket option levels it does not know with EOPNOTSUPP; Linux's
        // ip_getsockopt says ENOPROTOOPT. The harness must give Linux's answer.
        if line.starts_with("unknown level:") {
            if harness {
                assert_eq!(line, "unknown level: -1 ENOPROTOOPT", "harness must report Linux's ENOPROTOOPT");
            }
            out.push("unknown level: (normalised)".to_string());
            continue;
        }
        out.push(line.to_string());
    }
    out.join("\n")
}

fn compare(src: &str, args: &[&str]) {
    compare_with(src, args, &[]);
}

/// [`compare`] of a program built with extra compiler flags.
fn compare_with(src: &str, args: &[&str], flags: &[&str]) {
    let mut ran = 0;
    for v in VARIANTS {
        // The musl build exercises the ELFv2 BE brand with the programs that need no glibc specifics.
        let Some(prog) = build_with(src, v, "", flags) else { continue };
        let (ho, hs, he) = harness(v, &prog, args);
        let (qo, qs, _) = qemu(v, &prog, args);
        assert_eq!(
            normalise(v, &ho, true),
            normalise(v, &qo, false),
            "{src} {}: stdout differs (harness stderr: {he})",
            v.name
        );
        assert_eq!(hs, qs, "{src} {}: exit status differs (harness stderr: {he})", v.name);
        println!("{src} {}: same output and {hs}", v.name);
        ran += 1;
    }
    assert!(ran >= 4, "{src}: too few variants ran");
}

#[test]
fn hello() {
    compare("hello", &["a", "b c"]);
}

#[test]
fn basics() {
    compare("basics", &["one", "two words"]);
}

#[test]
fn signals() {
    compare("signals", &[]);
}

/// Sockets (`net.c`): AF_UNIX socketpairs with SCM_RIGHTS/SCM_CREDENTIALS and scatter/gather, a bound
/// AF_UNIX path (through the scratch layer), a TCP echo over 127.0.0.1 between two guest threads (the
/// server waits in accept/recv as a guest thread), UDP and sendmmsg/recvmmsg, IPv6 when the host has
/// it, and socket options by name, including powerpc's permuted `SO_*` numbers.
#[test]
fn net() {
    compare_with("net", &[], &["-pthread"]);
}

/// Event and timer descriptors (`events.c`): epoll over a pipe, an eventfd, a timerfd and a signalfd;
/// eventfd counters in the guest's byte order; timerfd settings; signalfd reads of kill, sigqueue and
/// SIGCHLD, a blocking signalfd read woken by another thread; ppoll's signal mask; rt_sigtimedwait.
#[test]
fn events() {
    compare_with("events", &[], &["-pthread"]);
}

/// Process and file calls (`misc.c`): prctl, getrandom, uname, sysinfo, scheduler queries, waitid,
/// memfd_create and copy_file_range, flock and record locks, links and FIFOs, preadv/pwritev(2),
/// mlock/msync/mincore, membarrier, set*id, capget, close_range.
#[test]
fn misc() {
    compare("misc", &[]);
}

/// Debian's static busybox for ppc64el and arm64 (fetched by `cargo xtask` into target/busybox and
/// target/busybox-arm64): shell loops, arithmetic, redirections, a pipeline, and ls/cat/wc/sort on the
/// sysroot.
#[test]
fn busybox() {
    for (dir, debian_arch, v) in
        [("busybox", "ppc64el", &VARIANTS[2]), ("busybox-arm64", "arm64", &VARIANTS[6])]
    {
        let bb = repo().join("target").join(dir).join("root/bin/busybox");
        if !bb.exists() {
            panic!(
                "{} missing: run `cargo xtask test` (it downloads busybox-static:{debian_arch})",
                bb.display()
            );
        }
        let sysroot = v.sysroot;
        let scripts = [
            "i=0; s=0; while [ $i -lt 50 ]; do s=$((s + i * i)); i=$((i + 1)); done; echo sum=$s".to_string(),
            "for w in one two three; do echo $w; done > /tmp/bb-words; cat /tmp/bb-words | sort -r | wc -l; cat /tmp/bb-words".to_string(),
            format!("ls {sysroot}/lib | sort | head -5; ls {sysroot}/lib | wc -l"),
            "echo b a c | tr ' ' '\\n' | sort; x=$(echo nested); echo \"[$x]\"; false || echo or-ok; exit 3".to_string(),
            format!("cat {sysroot}/include/stdio.h | wc -l; kill -USR1 $$; echo not reached"),
        ];
        for s in &scripts {
            let (ho, hs, he) = harness(v, &bb, &["sh", "-c", s]);
            let (qo, qs, _) = qemu(v, &bb, &["sh", "-c", s]);
            assert_eq!(ho, qo, "{debian_arch} busybox sh -c {s:?}: stdout differs (harness stderr: {he})");
            assert_eq!(hs, qs, "{debian_arch} busybox sh -c {s:?}: status differs");
            println!("{debian_arch} busybox sh -c {s:?}: same output and {hs}");
        }
    }
}

/// The clocks through the vdso (`vdso_clock.c`): the same output as under qemu-user (which maps no vdso
/// for powerpc64, so glibc makes system calls there), and under the harness glibc makes no
/// clock_gettime, clock_getres, gettimeofday or time system call of its own: the 1000-call loop and every
/// library call is served by the vdso from the timekeeping the harness publishes. musl does not use the
/// vdso on powerpc64 (its `syscall_arch.h` defines no `VDSO_CGT_SYM` there), so its calls are system
/// calls, which the test checks too.
#[test]
fn vdso_clock() {
    let mut ran = 0;
    for v in VARIANTS {
        let Some(prog) = build("vdso_clock", v) else { continue };
        let (ho, hs, he, counts) = harness_counted(v, &prog, &[]);
        let (qo, qs, _) = qemu(v, &prog, &[]);
        assert_eq!(
            normalise(v, &ho, true),
            normalise(v, &qo, false),
            "vdso_clock {}: stdout differs (harness stderr: {he})",
            v.name
        );
        assert_eq!(hs, qs, "vdso_clock {}: exit status differs (harness stderr: {he})", v.name);
        assert!(!ho.contains("WRONG"), "vdso_clock {}: {ho}", v.name);
        assert!(
            he.contains("AT_SYSINFO_EHDR: set"),
            "vdso_clock {}: no vdso announced (stderr: {he})",
            v.name
        );
        let explicit: u64 = he
            .lines()
            .find_map(|l| l.strip_prefix("clock_gettime syscalls with a vdso: "))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("vdso_clock {}: no count of expected syscalls in {he}", v.name));
        let count = |name: &str| counts.get(name).copied().unwrap_or(0);
        let made = count("clock_gettime");
        if v.compiler == "zig" {
            assert!(
                made >= 1000 + explicit,
                "vdso_clock {}: musl should make system calls, made {made}",
                v.name
            );
        } else {
            assert_eq!(
                made, explicit,
                "vdso_clock {}: glibc's clock_gettime calls entered the kernel (counts {counts:?})",
                v.name
            );
            for name in ["clock_getres", "gettimeofday", "time"] {
                assert_eq!(
                    count(name),
                    0,
                    "vdso_clock {}: {name} entered the kernel (counts {counts:?})",
                    v.name
                );
            }
        }
        println!("vdso_clock {}: same output and {hs}; clock_gettime system calls: {made} (with a vdso: {explicit})", v.name);
        ran += 1;
    }
    assert!(ran >= 4, "vdso_clock: too few variants ran");
}

/// `backtrace()` and libgcc's `_Unwind_Backtrace` in a SIGSEGV handler (`sigbacktrace.c`, glibc, dynamic,
/// `-rdynamic -fno-omit-frame-pointer -O0`) name the interrupted function after the vdso's signal
/// trampoline (powerpc64 `__kernel_sigtramp_rt64` in `linux-vdso64.so.1`, arm64 `__kernel_rt_sigreturn`
/// in `linux-vdso.so.1`), and libgcc finds the trampoline's FDE (the vdso's CFI) through dl_iterate_phdr.
/// qemu-user 7.2 maps no vdso for powerpc64 and its trampolines (on the stack for powerpc64, a page of
/// its own without symbols for aarch64) are not the kernel's, so only its exit status is compared. On
/// arm64 libgcc names the trampoline frame "?": it looks up the return address minus one, the `nop`
/// before the symbol that the CFI covers (Linux's vdso is laid out the same way).
#[test]
fn signal_backtrace() {
    for v in VARIANTS.iter().filter(|v| v.compiler != "zig" && !v.args.contains(&"-static")) {
        let prog = build_with("sigbacktrace", v, "-O0", &["-rdynamic", "-fno-omit-frame-pointer", "-O0"])
            .expect("build");
        let (ho, hs, he) = harness(v, &prog, &[]);
        let (qo, qs, _) = qemu(v, &prog, &[]);
        assert_eq!(hs, "exit 11", "sigbacktrace {}: {ho} {he}", v.name);
        assert_eq!(hs, qs, "sigbacktrace {}: exit status differs", v.name);
        let line = |prefix: &str| {
            ho.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no {prefix} line in {ho}"))
        };
        let (soname, tramp) = if v.arm64() {
            ("linux-vdso.so.1", "__kernel_rt_sigreturn")
        } else {
            ("linux-vdso64.so.1", "__kernel_sigtramp_rt64")
        };
        let bt = line("backtrace:");
        assert!(
            bt.contains(&format!("handler > {tramp} > victim_function > caller_function > main")),
            "{}: {bt}",
            v.name
        );
        let unwind = line("_Unwind_Backtrace:");
        assert!(unwind.contains(" > victim_function > caller_function > main"), "{}: {unwind}", v.name);
        assert_eq!(
            line("FDE for the handler's return address:"),
            "FDE for the handler's return address: found",
            "{}",
            v.name
        );
        let fd: Vec<&str> = ho.lines().filter(|l| l.contains('[')).collect();
        let at = fd
            .iter()
            .position(|l| l.starts_with(&format!("{soname}({tramp}+")))
            .unwrap_or_else(|| panic!("{}: {ho}", v.name));
        assert!(fd.get(at + 1).is_some_and(|l| l.contains("(victim_function")), "{}: {ho}", v.name);
        println!("sigbacktrace {}: {bt}\n  {unwind}\n  {}\n  {}", v.name, fd[at], fd[at + 1]);
        println!("  (qemu-user: {})", qo.lines().next().unwrap_or(""));
    }
}

/// A truncated ELF, a wrong-architecture ELF and a missing interpreter each give one clear line.
#[test]
fn bad_programs() {
    let v = &VARIANTS[1];
    let good = build("hello", v).expect("build");
    let bytes = std::fs::read(&good).expect("read");
    let truncated = out_dir().join("truncated");
    std::fs::write(&truncated, &bytes[..200]).expect("write");
    let _ = Command::new("chmod").arg("+x").arg(&truncated).status();
    let cases: [(&Path, &[&str], &str); 4] = [
        (&truncated, &["--sysroot", v.sysroot], "truncated ELF"),
        (Path::new("/bin/true"), &[], "not a Linux powerpc64 or arm64 program"),
        (Path::new("/bin/true"), &["--arch", "arm64"], "not a Linux arm64 program"),
        (&good, &["--sysroot", "/nonexistent-sysroot"], "interpreter /lib64/ld64.so.1 not found"),
    ];
    for (prog, opts, want) in cases {
        let out = output_with_timeout(
            Command::new(env!("CARGO_BIN_EXE_ppc64-harness")).args(opts).arg("--").arg(prog),
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "one line expected, got {err:?}");
        assert!(err.contains(want), "{err:?} should say {want:?}");
        assert!(!out.status.success());
        println!("{}: {}", prog.display(), err.trim());
    }
}

/// Builds `src` with `-pthread` for `v`.
fn build_threaded(src: &str, v: &Variant) -> Option<PathBuf> {
    build_with(src, v, "", &["-pthread"])
}

/// A counter of the harness's report (`syscall NAME`, `futex NAME` or `threads-created` lines).
fn report_counts(prog: &Path, v: &Variant, args: &[&str]) -> (String, String, String, BTreeMap<String, u64>) {
    let report =
        out_dir().join(format!("{}.report", prog.file_name().and_then(|n| n.to_str()).unwrap_or("prog")));
    let _ = std::fs::remove_file(&report);
    let mut c = Command::new(env!("CARGO_BIN_EXE_ppc64-harness"));
    c.arg("--sysroot").arg(v.sysroot).arg("--").arg(prog).args(args);
    let (o, s, e) = run_env(c, &[("PPC64_HARNESS_REPORT", report.as_os_str())]);
    let text = std::fs::read_to_string(&report).unwrap_or_default();
    let counts = text
        .lines()
        .filter_map(|l| l.rsplit_once(' '))
        .map(|(name, n)| (name.to_string(), n.trim().parse().unwrap_or(0)))
        .collect();
    (o, s, e, counts)
}

/// POSIX threads (`threads.c`) on real guest threads: a mutex/condvar ping-pong, `__thread`
/// variables, pthread_cancel in pthread_cond_wait and in nanosleep with cleanup handlers (glibc unwinds
/// through the vdso's signal trampoline, with libgcc_s from the sysroot when dynamic; musl redirects
/// the cancelled system call), pthread_kill to one thread, join values, and exit() from a thread. Same
/// output and exit status as qemu-user (which runs real host threads), and the harness really made
/// threads and blocked them on futexes.
#[test]
fn threads() {
    let mut ran = 0;
    for v in VARIANTS {
        let Some(prog) = build_threaded("threads", v) else { continue };
        let (ho, hs, he, counts) = report_counts(&prog, v, &[]);
        let (qo, qs, _) = qemu(v, &prog, &[]);
        assert_eq!(ho, qo, "threads {}: stdout differs (harness stderr: {he})", v.name);
        assert_eq!(hs, qs, "threads {}: exit status differs (harness stderr: {he})", v.name);
        assert_eq!(hs, "exit 5", "threads {}: {ho}", v.name);
        let count = |k: &str| counts.get(k).copied().unwrap_or(0);
        assert!(count("threads-created") >= 17, "threads {}: too few threads created ({counts:?})", v.name);
        let waits = count("futex FUTEX_WAIT") + count("futex FUTEX_WAIT_BITSET");
        assert!(waits >= 10, "threads {}: threads hardly ever blocked on a futex ({counts:?})", v.name);
        assert!(
            count("syscall tgkill") + count("syscall tkill") >= 3,
            "threads {}: no tgkill/tkill ({counts:?})",
            v.name
        );
        println!(
            "threads {}: same output and {hs}; {} threads, {waits} futex waits",
            v.name,
            count("threads-created")
        );
        ran += 1;
    }
    assert!(ran >= 4, "threads: too few variants ran");
}

/// A program whose threads all wait on futexes forever ends with a clear message instead of hanging
/// (qemu-user would hang: not compared).
#[test]
fn threads_deadlock() {
    for v in VARIANTS {
        let Some(prog) = build_threaded("threads", v) else { continue };
        let mut child = Command::new(env!("CARGO_BIN_EXE_ppc64-harness"))
            .arg("--sysroot")
            .arg(v.sysroot)
            .arg("--")
            .arg(&prog)
            .arg("deadlock")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run");
        let start = std::time::Instant::now();
        while child.try_wait().expect("wait").is_none() {
            if start.elapsed() > std::time::Duration::from_secs(60) {
                let _ = child.kill();
                panic!("threads deadlock {}: the harness hangs", v.name);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let out = child.wait_with_output().expect("output");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(String::from_utf8_lossy(&out.stdout), "waiting forever\n", "{}", v.name);
        assert!(err.contains("deadlock: all 2 threads are blocked"), "threads deadlock {}: {err}", v.name);
        assert_eq!(out.status.signal(), Some(9), "threads deadlock {}: {err}", v.name);
        println!("threads deadlock {}: {}", v.name, err.trim());
    }
}

/// `futex.c`: the futex operations called directly (WAIT/WAKE, EAGAIN, timeouts on both clocks,
/// bitsets, REQUEUE, CMP_REQUEUE, WAKE_OP, private vs shared, EINTR), compared with qemu-user.
/// qemu-user 7.2 hands FUTEX_WAKE_OP to the host kernel unchanged, which applies the operation to a
/// big-endian guest's word in little-endian order (10 + 5 becomes 0x0500000a): on big-endian guests
/// the lines showing a word after WAKE_OP are checked against Linux's values instead.
#[test]
fn futex() {
    const WAKE_OP_WORDS: &[&str] = &[
        "  wake_op add 5 (old == 10): 0 b=15",
        "  wake_op or 1<<4: 0 b=31",
        "  wake_op andn 1: 0 b=30",
        "  wake_op xor 0x7ff: 0 b=2017",
        "  wake_op set -1: 0 b=-1",
    ];
    let mut ran = 0;
    for v in VARIANTS {
        let Some(prog) = build_threaded("futex", v) else { continue };
        let (ho, hs, he, counts) = report_counts(&prog, v, &[]);
        let (qo, qs, _) = qemu(v, &prog, &[]);
        for line in WAKE_OP_WORDS
            .iter()
            .chain(&["  wake_op, comparison false: 0 w2=0", "  wake_op, comparison true: 1 w2=0"])
        {
            assert!(ho.lines().any(|l| l == *line), "futex {}: no {line:?} in\n{ho}", v.name);
        }
        let big_endian = v.qemu == "qemu-ppc64-static";
        let comparable = |text: &str| -> String {
            text.lines()
                .filter(|l| {
                    !(big_endian && WAKE_OP_WORDS.iter().any(|w| w.split(':').next() == l.split(':').next()))
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(
            comparable(&ho),
            comparable(&qo),
            "futex {}: stdout differs (harness stderr: {he})",
            v.name
        );
        assert_eq!(hs, qs, "futex {}: exit status differs (harness stderr: {he})", v.name);
        let count = |k: &str| counts.get(k).copied().unwrap_or(0);
        for op in
            ["FUTEX_WAKE_OP", "FUTEX_CMP_REQUEUE", "FUTEX_REQUEUE", "FUTEX_WAKE_BITSET", "FUTEX_WAIT_BITSET"]
        {
            assert!(
                count(&format!("futex {op}")) >= 1,
                "futex {}: {op} never reached the harness ({counts:?})",
                v.name
            );
        }
        println!("futex {}: same output and {hs}; WAKE_OP x{}", v.name, count("futex FUTEX_WAKE_OP"));
        ran += 1;
    }
    assert!(ran >= 4, "futex: too few variants ran");
}
