//! `cargo xtask bench`: what the Linuxulator costs per system call, per signal, per exec and per clock
//! read, next to lower bounds, in one run; the results go to `BENCHMARKS.md` and `bench/results.json`.
//!
//! How each number is measured:
//! 1. **Guest instructions** of ppc64 code on the harness's emulated POWER9, counted by
//!    `harness/src/bin/ppc64-bench.rs` (a unicorn code hook on every address: one count per executed
//!    instruction, exact and repeatable). The code is the kernel-target build of the hooks (the self test,
//!    `crates/kernel-selftest`, built like the module: release, `-Zbuild-std=core,alloc`,
//!    `targets/*.json`), run as `selftest-<arch> bench`: each measured function runs N times between
//!    two marker system calls, and the loop's own cost, measured the same way around an empty function at
//!    two iteration counts, is subtracted. See `crates/kernel-selftest/src/bench.rs` for what each
//!    function does and the lower bound next to it.
//! 2. The vdso's `__kernel_clock_gettime` (the image `crates/vdso-ppc64` builds) called by the runner
//!    with CLOCK_MONOTONIC over FreeBSD timehands it fills: instructions from its first to its return,
//!    and the `sc` it makes (none on the fast path; one with timekeeping disabled, the forced fallback).
//! 3. **Host time** only for the harness's speed: the same CPU-bound program (`selftest-ppc64 spin K`)
//!    under `ppc64-harness` and under `qemu-ppc64-static`, best of several runs, startup removed by a
//!    K = 0 run; guest instructions per second = (instructions per round, counted as in 1) × K / time.
//! 4. **Sizes** from section headers: the module's Rust part is `liblinux64_kmod.a` linked with
//!    `ld.lld -r --gc-sections` from its `linux64_*` symbols; the .ko and the vdso images as built.

use crate::arch::Arch;
use crate::deps::Tools;
use crate::util::{display_cmd, find_tool, repo_root, run_status, scrub_cargo_run_env, Result};
use crate::{err, harness, kernel, kmod, selftest};
use object::{Object, ObjectSection, ObjectSymbol, SectionFlags, SectionKind};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The arches measured (those whose code the emulator runs).
const ARCHES: [Arch; 2] = [Arch::Ppc64, Arch::Ppc64le];
/// Calls of the vdso function per measurement.
const VDSO_CALLS: u64 = 1000;
/// Rounds of the CPU-bound workload for the speed comparison (about 3.5e8 instructions).
const SPIN_ROUNDS: u64 = 10_000;
/// Successful timed runs per configuration (the best counts).
const TIMED_RUNS: usize = 3;
/// Attempts per configuration before giving up.
const TIMED_ATTEMPTS: usize = 8;

/// The goals of the issue.
const GOAL_SYSCALL_RATIO: f64 = 1.5;
const GOAL_SIGNAL_RATIO: f64 = 2.0;
const GOAL_VDSO_INSNS: f64 = 60.0;
const GOAL_EXEC_LINEARITY: f64 = 1.2;

/// One `mark` record of the runner.
#[derive(Clone, Copy, Debug)]
struct Mark {
    iters: u64,
    param: u64,
    insns: u64,
}

/// The marks of one guest run, with the loop calibration.
struct Marks(BTreeMap<String, Mark>);

impl Marks {
    fn get(&self, name: &str) -> Result<Mark> {
        self.0.get(name).copied().ok_or_else(|| err!("the bench program reported no `{name}`"))
    }

    /// Instructions of one call of the function measured as `name`, the loop's cost removed: the loop
    /// costs `fixed + per_iter * iters`, known from `loop.10` and `loop.1000`.
    fn per_call(&self, name: &str) -> Result<f64> {
        let (a, b) = (self.get("loop.10")?, self.get("loop.1000")?);
        let per_iter = (b.insns as f64 - a.insns as f64) / (b.iters - a.iters) as f64;
        let fixed = a.insns as f64 - per_iter * a.iters as f64;
        let m = self.get(name)?;
        Ok((m.insns as f64 - fixed) / m.iters as f64 - per_iter)
    }
}

/// Everything measured for one arch.
struct ArchResult {
    arch: Arch,
    marks: Marks,
    /// Instructions per round of `spin`.
    spin_round: f64,
    /// vdso: (instructions per call, syscalls per call) of the fast path and of the forced fallback.
    vdso: Option<((f64, f64), (f64, f64))>,
    vdso_error: Option<String>,
}

/// Host-time comparison of the harness with qemu-user.
struct Speed {
    rounds: u64,
    insns: f64,
    harness_s: f64,
    qemu_s: f64,
    harness_failures: usize,
}

/// Section sizes of one file.
#[derive(Default, Clone, Copy)]
struct Size {
    text: u64,
    rodata: u64,
    data: u64,
    bss: u64,
    file: u64,
}

/// `cargo xtask bench`.
pub fn run() -> Result<bool> {
    let tools = crate::deps::ensure()?;
    let started = Instant::now();
    println!("xtask bench: building the kernel-target self test (the measured code)");
    selftest::build_all(&tools)?;
    let mut programs = BTreeMap::new();
    for arch in ARCHES {
        programs.insert(arch, selftest::link(arch)?);
    }
    println!("xtask bench: building the emulator runner");
    harness::prepare_unicorn()?;
    let runner = build_harness_bin("ppc64-bench")?;
    let images = vdso_images()?;

    let mut results = Vec::new();
    for arch in ARCHES {
        let (exe, _) = &programs[&arch];
        println!("xtask bench: {arch}: counting instructions");
        let marks = Marks(run_guest(&runner, exe, &["bench"])?.0);
        let (_, base) = run_guest(&runner, exe, &["spin", "0"])?;
        let (_, four) = run_guest(&runner, exe, &["spin", "4"])?;
        let spin_round = (four as f64 - base as f64) / 4.0;
        let little = arch == Arch::Ppc64le;
        let (vdso, vdso_error) = match images.iter().find(|i| i.0 == little) {
            Some((_, image)) => match measure_vdso(&runner, image) {
                Ok(v) => (Some(v), None),
                Err(e) => (None, Some(e.0)),
            },
            None => (None, Some("no vdso image built".into())),
        };
        results.push(ArchResult { arch, marks, spin_round, vdso, vdso_error });
    }

    println!("xtask bench: harness vs qemu-user speed (host time, {SPIN_ROUNDS} rounds)");
    let speed = measure_speed(&programs[&Arch::Ppc64], results[0].spin_round);
    if let Err(e) = &speed {
        println!("xtask bench: speed: {e}");
    }

    println!("xtask bench: sizes");
    let sizes = measure_sizes(&tools, &images);

    let date = Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"]).output().ok();
    let date = date.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
    let host = host_description();
    let goals = goals(&results);
    let md = render_markdown(&date, &host, &results, &speed, &sizes, &goals);
    let json = render_json(&date, &host, &results, &speed, &sizes, &goals);
    let root = repo_root();
    std::fs::write(root.join("BENCHMARKS.md"), md).map_err(|e| err!("cannot write BENCHMARKS.md: {e}"))?;
    std::fs::create_dir_all(root.join("bench")).map_err(|e| err!("cannot create bench/: {e}"))?;
    std::fs::write(root.join("bench/results.json"), json)
        .map_err(|e| err!("cannot write bench/results.json: {e}"))?;
    for g in &goals {
        println!(
            "xtask bench: goal {}: {} {} (goal {}): {}",
            g.id,
            g.arch,
            g.shown,
            g.limit_shown,
            if g.met { "met" } else { "MISSED" }
        );
    }
    println!(
        "xtask bench: wrote BENCHMARKS.md and bench/results.json in {:.0} s ({} of {} goals met)",
        started.elapsed().as_secs_f64(),
        goals.iter().filter(|g| g.met).count(),
        goals.len()
    );
    Ok(true)
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    scrub_cargo_run_env(&mut c);
    c
}

/// Builds one binary of the harness workspace into `target/harness` (its `.cargo/config.toml`
/// directory, given explicitly so that the working directory does not matter).
fn build_harness_bin(bin: &str) -> Result<PathBuf> {
    let root = repo_root();
    let dir = crate::harness::target_dir();
    let mut cmd = cargo();
    cmd.current_dir(root.join("harness"))
        .args(["build", "--quiet", "--bin", bin, "--manifest-path"])
        .arg(root.join("harness/Cargo.toml"))
        .arg("--target-dir")
        .arg(&dir);
    if !run_status(&mut cmd)?.success() {
        return Err(err!("`{}` failed", display_cmd(&cmd)));
    }
    Ok(dir.join("debug").join(bin))
}

/// The vdso images (little-endian?, path) from the vdso-ppc64 build script's output directory.
fn vdso_images() -> Result<Vec<(bool, PathBuf)>> {
    let mut cmd = cargo();
    cmd.current_dir(repo_root()).args([
        "build",
        "--quiet",
        "--package",
        "vdso-ppc64",
        "--message-format=json",
    ]);
    let out =
        cmd.stderr(Stdio::inherit()).output().map_err(|e| err!("cannot run {}: {e}", display_cmd(&cmd)))?;
    if !out.status.success() {
        return Err(err!("`{}` failed", display_cmd(&cmd)));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let dir = text
        .lines()
        .filter(|l| l.contains("\"reason\":\"build-script-executed\"") && l.contains("vdso-ppc64"))
        .filter_map(|l| l.split("\"out_dir\":\"").nth(1)?.split('"').next().map(PathBuf::from))
        .next_back()
        .ok_or_else(|| err!("cargo did not report the vdso-ppc64 build script's output directory"))?;
    Ok(vec![(false, dir.join("vdso64-be.so")), (true, dir.join("vdso64-le.so"))])
}

/// Runs the bench runner on a guest program; its marks and total instruction count.
fn run_guest(runner: &Path, exe: &Path, args: &[&str]) -> Result<(BTreeMap<String, Mark>, u64)> {
    let mut cmd = Command::new(runner);
    cmd.arg("guest").arg(exe).args(args);
    let out =
        cmd.stderr(Stdio::piped()).output().map_err(|e| err!("cannot run {}: {e}", display_cmd(&cmd)))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(err!("`{}` failed: {}", display_cmd(&cmd), stderr.trim()));
    }
    let mut marks = BTreeMap::new();
    let mut total = None;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let num = |i: usize| f.get(i).and_then(|s| s.parse::<u64>().ok());
        match f.first() {
            Some(&"mark") => {
                if let (Some(name), Some(iters), Some(param), Some(insns)) =
                    (f.get(1), num(2), num(3), num(4))
                {
                    marks.insert(name.to_string(), Mark { iters, param, insns });
                }
            }
            Some(&"total") => total = num(1),
            _ => {}
        }
    }
    let total = total.ok_or_else(|| err!("`{}` printed no total", display_cmd(&cmd)))?;
    Ok((marks, total))
}

/// (fast path, forced fallback) of the vdso's clock_gettime: (instructions, syscalls) per call.
fn measure_vdso(runner: &Path, image: &Path) -> Result<((f64, f64), (f64, f64))> {
    let bytes = std::fs::read(image).map_err(|e| err!("{}: {e}", image.display()))?;
    let file = object::File::parse(&*bytes).map_err(|e| err!("{}: {e}", image.display()))?;
    let offset = file
        .symbols()
        .chain(file.dynamic_symbols())
        .find(|s| s.name() == Ok("__kernel_clock_gettime"))
        .map(|s| s.address())
        .ok_or_else(|| err!("{}: no __kernel_clock_gettime", image.display()))?;
    let one = |fallback: bool| -> Result<(f64, f64)> {
        let mut cmd = Command::new(runner);
        cmd.arg("vdso").arg(image).arg(format!("{offset:x}")).arg(VDSO_CALLS.to_string());
        if fallback {
            cmd.arg("fallback");
        }
        let out =
            cmd.stderr(Stdio::piped()).output().map_err(|e| err!("cannot run {}: {e}", display_cmd(&cmd)))?;
        if !out.status.success() {
            return Err(err!(
                "`{}` failed: {}",
                display_cmd(&cmd),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let f: Vec<u64> = text.trim().split('\t').skip(1).filter_map(|s| s.parse().ok()).collect();
        match f[..] {
            [calls, insns, syscalls] if calls > 0 => {
                Ok((insns as f64 / calls as f64, syscalls as f64 / calls as f64))
            }
            _ => Err(err!("`{}` printed {text:?}", display_cmd(&cmd))),
        }
    };
    Ok((one(false)?, one(true)?))
}

/// Wall time of a successful run of `cmd` (output discarded), or None if it failed.
fn timed(mut cmd: Command) -> Option<f64> {
    let t = Instant::now();
    let ok = cmd.stdout(Stdio::null()).stderr(Stdio::null()).status().map(|s| s.success()).unwrap_or(false);
    ok.then(|| t.elapsed().as_secs_f64())
}

/// Best of [`TIMED_RUNS`] successful runs; the failed attempts.
fn best_time(make: &dyn Fn() -> Command) -> (Option<f64>, usize) {
    let (mut best, mut ok, mut failed) = (None::<f64>, 0, 0);
    for _ in 0..TIMED_ATTEMPTS {
        match timed(make()) {
            Some(t) => {
                best = Some(best.map_or(t, |b| b.min(t)));
                ok += 1;
            }
            None => failed += 1,
        }
        if ok == TIMED_RUNS {
            break;
        }
    }
    (best, failed)
}

fn measure_speed(program: &(PathBuf, PathBuf), spin_round: f64) -> Result<Speed> {
    let harness_bin = build_harness_bin("ppc64-harness")?;
    let (exe, qemu) = program;
    let under = |harness: bool, rounds: u64| {
        let (exe, qemu, hb) = (exe.clone(), qemu.clone(), harness_bin.clone());
        move || {
            let mut c = Command::new(if harness { &hb } else { &qemu });
            if harness {
                c.arg("--");
            }
            c.arg(&exe).args(["spin", &rounds.to_string()]);
            c
        }
    };
    let (h0, f0) = best_time(&under(true, 0));
    let (h1, f1) = best_time(&under(true, SPIN_ROUNDS));
    let (q0, _) = best_time(&under(false, 0));
    let (q1, _) = best_time(&under(false, SPIN_ROUNDS));
    let (Some(h0), Some(h1), Some(q0), Some(q1)) = (h0, h1, q0, q1) else {
        return Err(err!(
            "the spin workload did not complete under the harness ({} failed runs) or qemu-user",
            f0 + f1
        ));
    };
    Ok(Speed {
        rounds: SPIN_ROUNDS,
        insns: spin_round * SPIN_ROUNDS as f64,
        harness_s: (h1 - h0).max(1e-6),
        qemu_s: (q1 - q0).max(1e-6),
        harness_failures: f0 + f1,
    })
}

/// Section sizes of an ELF file: text = executable, rodata = other allocated read-only, data =
/// allocated writable with contents, bss = without.
fn section_sizes(path: &Path) -> Result<Size> {
    let bytes = std::fs::read(path).map_err(|e| err!("{}: {e}", path.display()))?;
    let file = object::File::parse(&*bytes).map_err(|e| err!("{}: {e}", path.display()))?;
    let mut s = Size { file: bytes.len() as u64, ..Size::default() };
    for sec in file.sections() {
        let SectionFlags::Elf { sh_flags, .. } = sec.flags() else { continue };
        let sh_flags = sh_flags.0;
        const ALLOC: u64 = 2;
        const WRITE: u64 = 1;
        const EXEC: u64 = 4;
        if sh_flags & ALLOC == 0 {
            continue;
        }
        let n = sec.size();
        if sh_flags & EXEC != 0 {
            s.text += n;
        } else if matches!(sec.kind(), SectionKind::UninitializedData | SectionKind::UninitializedTls) {
            s.bss += n;
        } else if sh_flags & WRITE != 0 {
            s.data += n;
        } else {
            s.rodata += n;
        }
    }
    Ok(s)
}

/// The `linux64_*` symbols the staticlib defines: the roots of the module's Rust part.
fn entry_points(lib: &Path) -> Result<Vec<String>> {
    let bytes = std::fs::read(lib).map_err(|e| err!("{}: {e}", lib.display()))?;
    let archive =
        object::read::archive::ArchiveFile::parse(&*bytes).map_err(|e| err!("{}: {e}", lib.display()))?;
    let mut names = Vec::new();
    for member in archive.members() {
        let Ok(member) = member else { continue };
        let Ok(data) = member.data(&*bytes) else { continue };
        let Ok(obj) = object::File::parse(data) else { continue };
        for sym in obj.symbols() {
            if sym.is_global() && sym.is_definition() {
                if let Ok(name) = sym.name() {
                    if name.starts_with("linux64_") {
                        names.push(name.to_string());
                    }
                }
            }
        }
    }
    names.sort();
    names.dedup();
    Ok(names)
}

/// Rows of the size table: (what, sizes or why not).
fn measure_sizes(
    tools: &Tools,
    images: &[(bool, PathBuf)],
) -> Vec<(String, std::result::Result<Size, String>)> {
    let mut rows = Vec::new();
    let built = kernel::build(tools, &ARCHES);
    let lld = find_tool(&["ld.lld", "ld.lld-14"], "lld");
    for arch in ARCHES {
        let lib = kernel::staticlib_path(arch);
        let note = match built.get(&arch) {
            Some(Ok(_)) => "",
            _ => " (build failed: the last built library)",
        };
        let rust = (|| -> Result<Size> {
            let lld = lld.clone()?;
            let roots = entry_points(&lib)?;
            if roots.is_empty() {
                return Err(err!("{} defines no linux64_* symbol", lib.display()));
            }
            let out = repo_root().join("target/bench").join(format!("linux64-rust-{arch}.o"));
            std::fs::create_dir_all(out.parent().unwrap_or(Path::new("."))).map_err(|e| err!("{e}"))?;
            let emulation = if arch == Arch::Ppc64 { "elf64ppc" } else { "elf64lppc" };
            let mut cmd = Command::new(lld);
            cmd.args(["-m", emulation, "-r", "--gc-sections", "-o"]).arg(&out);
            for r in &roots {
                cmd.args(["-u", r]);
            }
            cmd.arg(&lib);
            if !run_status(&mut cmd)?.success() {
                return Err(err!("ld.lld -r --gc-sections of {} failed", lib.display()));
            }
            section_sizes(&out)
        })();
        rows.push((format!("{arch}: Rust part (`liblinux64_kmod.a`, `ld.lld -r --gc-sections` from its `linux64_*` symbols){note}"), rust.map_err(|e| e.0)));
        let ko = kmod::build(tools, arch, &lib, None).map(|l| l.ko).or_else(|e| {
            let ko = kmod::ko_path(arch);
            if ko.exists() {
                Ok(ko)
            } else {
                Err(e)
            }
        });
        let ko_size = ko.and_then(|k| section_sizes(&k));
        rows.push((
            format!("{arch}: `linux64.ko` (module C and Rust, without the MI Linuxulator sources)"),
            ko_size.map_err(|e| e.0),
        ));
    }
    for (little, image) in images {
        rows.push((
            format!("vdso image, {}", if *little { "little-endian" } else { "big-endian" }),
            section_sizes(image).map_err(|e| e.0),
        ));
    }
    rows
}

fn host_description() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let first_line = |cmd: &mut Command| {
        cmd.output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).lines().next().map(str::to_string))
            .unwrap_or_default()
    };
    let qemu = first_line(Command::new("qemu-ppc64-static").arg("--version"));
    let rustc = first_line(Command::new(crate::deps::KERNEL_RUSTC).arg("--version"));
    format!("{cpu}, {cpus} CPUs; {qemu}; kernel-target {rustc}")
}

/// One goal's outcome.
struct Goal {
    id: &'static str,
    arch: String,
    value: f64,
    limit: f64,
    met: bool,
    shown: String,
    limit_shown: &'static str,
}

fn goals(results: &[ArchResult]) -> Vec<Goal> {
    let mut v = Vec::new();
    for r in results {
        let m = &r.marks;
        let arch = r.arch.to_string();
        for tag in ["success", "error"] {
            if let (Ok(h), Ok(b)) =
                (m.per_call(&format!("syscall.{tag}.hooks")), m.per_call(&format!("syscall.{tag}.bound")))
            {
                let ratio = h / b;
                v.push(Goal {
                    id: if tag == "success" { "1 syscall (success)" } else { "1 syscall (error)" },
                    arch: arch.clone(),
                    value: ratio,
                    limit: GOAL_SYSCALL_RATIO,
                    met: ratio <= GOAL_SYSCALL_RATIO,
                    shown: format!("{ratio:.2}x ({h:.0} / {b:.0} instructions)"),
                    limit_shown: "≤ 1.5x the lower bound",
                });
            }
        }
        if let (Ok(h), Ok(b)) = (m.per_call("signal.elfv2.hooks"), m.per_call("signal.bound")) {
            let ratio = h / b;
            v.push(Goal {
                id: "2 signal round trip",
                arch: arch.clone(),
                value: ratio,
                limit: GOAL_SIGNAL_RATIO,
                met: ratio <= GOAL_SIGNAL_RATIO,
                shown: format!("{ratio:.2}x ({h:.0} / {b:.0} instructions)"),
                limit_shown: "≤ 2x the frame memcpy",
            });
        }
        if let Some(((insns, sc), _)) = r.vdso {
            v.push(Goal {
                id: "3 vdso clock_gettime",
                arch: arch.clone(),
                value: insns,
                limit: GOAL_VDSO_INSNS,
                met: insns <= GOAL_VDSO_INSNS && sc == 0.0,
                shown: format!("{insns:.0} instructions, {sc:.0} syscalls"),
                limit_shown: "≤ 60 instructions, 0 syscalls",
            });
        }
        if let Ok(per_byte) = exec_per_byte(m) {
            let (small, large) = (per_byte[0].1, per_byte[per_byte.len() - 1].1);
            let ratio = small.max(large) / small.min(large);
            v.push(Goal {
                id: "4 exec linearity",
                arch,
                value: ratio,
                limit: GOAL_EXEC_LINEARITY,
                met: ratio <= GOAL_EXEC_LINEARITY,
                shown: format!("{ratio:.2} ({small:.1} vs {large:.1} instructions per byte)"),
                limit_shown: "≤ 1.2",
            });
        }
    }
    v
}

/// (bytes, marginal instructions per byte over the empty exec) for every measured size but 0.
fn exec_per_byte(m: &Marks) -> Result<Vec<(u64, f64)>> {
    let base = m.per_call("exec.0.hooks")?;
    let mut v = Vec::new();
    for (name, mark) in &m.0 {
        if name.starts_with("exec.") && mark.param > 0 {
            v.push((mark.param, (m.per_call(name)? - base) / mark.param as f64));
        }
    }
    v.sort_by_key(|p| p.0);
    if v.is_empty() {
        return Err(err!("no exec measurements"));
    }
    Ok(v)
}

/// (sendsig, sigreturn) of the ELFv2 round trip: sendsig from its own loop (minus the thread reset it
/// needs), sigreturn the rest of the round trip.
fn sendsig_split(m: &Marks) -> Option<(f64, f64)> {
    let send = m.per_call("signal.elfv2.sendsig").ok()? - m.per_call("signal.reset").ok()?;
    Some((send, m.per_call("signal.elfv2.hooks").ok()? - send))
}

fn per_call_or_dash(m: &Marks, name: &str) -> String {
    m.per_call(name).map(|v| format!("{v:.0}")).unwrap_or_else(|_| "—".into())
}

fn ratio_or_dash(m: &Marks, a: &str, b: &str) -> String {
    match (m.per_call(a), m.per_call(b)) {
        (Ok(a), Ok(b)) => format!("{:.2}x", a / b),
        _ => "—".into(),
    }
}

fn size_cell(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn render_markdown(
    date: &str,
    host: &str,
    results: &[ArchResult],
    speed: &Result<Speed>,
    sizes: &[(String, std::result::Result<Size, String>)],
    goals: &[Goal],
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Benchmarks\n");
    let _ = writeln!(
        s,
        "The latest run of `cargo xtask bench` ({date}; {host}). Run that command to measure again: it rewrites \
         this file and `bench/results.json` (the same numbers, machine-readable). It is not part of `cargo xtask test`.\n"
    );
    let _ = writeln!(
        s,
        "Counts are **guest instructions** executed on the harness's emulated POWER9 (unicorn, one count per \
         instruction): exact and the same on every machine, but instructions, not cycles. The measured code is the \
         hooks as built for the FreeBSD kernel targets (release, `-Zbuild-std`, `targets/*.json`: soft-float, no \
         AltiVec/VSX, ELFv2, PIC), run as the self-test program `selftest-<arch> bench` \
         (`crates/kernel-selftest/src/bench.rs`). Host time appears only in the emulator-speed comparison, as a ratio \
         within one run.\n"
    );
    let _ = writeln!(s, "## Goals\n");
    let _ = writeln!(s, "| goal | arch | measured | target | met |");
    let _ = writeln!(s, "|---|---|---|---|---|");
    for g in goals {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            g.id,
            g.arch,
            g.shown,
            g.limit_shown,
            if g.met { "yes" } else { "**no**" }
        );
    }
    match speed {
        Ok(sp) => {
            let (h, q) = (sp.insns / sp.harness_s, sp.insns / sp.qemu_s);
            let _ = writeln!(
                s,
                "| 5 harness speed | ppc64 | {:.0} M instructions/s vs qemu-user {:.0} M/s: {:.2}x | reported | — |",
                h / 1e6,
                q / 1e6,
                h / q
            );
        }
        Err(e) => {
            let _ = writeln!(s, "| 5 harness speed | ppc64 | not measured: {e} | reported | — |");
        }
    }
    let _ = writeln!(s, "| 6 size | both | see [Size](#6-size) | reported | — |\n");

    let _ = writeln!(s, "## 1. System call path\n");
    let _ = writeln!(
        s,
        "Instructions per system call: entry (`fetch_syscall_args` into the C side's arguments, the table lookup) \
         plus exit (`SyscallOutcome::from_freebsd`, `set_syscall_retval`), each a call of its own as in \
         `crates/linux64-kmod/src/ppc64.rs`. The lower bound is a hand-written pair of Rust functions compiled the \
         same way that does only what the `sc` convention needs: load r0 and r3..r8, a bounds-checked table load, \
         store r3 and clear or set CR0.SO (an errno map load on error), with the ERESTART/EJUSTRETURN branches.\n"
    );
    let _ = writeln!(s, "| arch | success: hooks | bound | ratio | error: hooks | bound | ratio |");
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    for r in results {
        let m = &r.marks;
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.arch,
            per_call_or_dash(m, "syscall.success.hooks"),
            per_call_or_dash(m, "syscall.success.bound"),
            ratio_or_dash(m, "syscall.success.hooks", "syscall.success.bound"),
            per_call_or_dash(m, "syscall.error.hooks"),
            per_call_or_dash(m, "syscall.error.bound"),
            ratio_or_dash(m, "syscall.error.hooks", "syscall.error.bound"),
        );
    }
    let _ = writeln!(s, "\n## 2. Signal round trip\n");
    let frame = results.first().and_then(|r| r.marks.get("signal.bound").ok()).map_or(0, |m| m.param);
    let _ = writeln!(
        s,
        "Instructions per signal: `sendsig` (frame built in kernel memory, copied out, back chain) then `sigreturn` \
         of that frame (copied in, validated, committed), with every register file live (GPRs, FP, VMX, VSX), as \
         the harness reports threads. The bound copies the frame's {frame} bytes (all but the red-zone gap) out and \
         back in through the same user-memory primitives (a bounds check and a memcpy each, the model of \
         copyout/copyin).\n"
    );
    let _ = writeln!(
        s,
        "| arch | ELFv2 hooks | of which sendsig | sigreturn | ELFv1 hooks (descriptor read) | bound (memcpy out + in) | ratio (ELFv2) |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    for r in results {
        let m = &r.marks;
        let (send, ret) = match sendsig_split(m) {
            Some((a, b)) => (format!("{a:.0}"), format!("{b:.0}")),
            None => ("—".into(), "—".into()),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {send} | {ret} | {} | {} | {} |",
            r.arch,
            per_call_or_dash(m, "signal.elfv2.hooks"),
            per_call_or_dash(m, "signal.elfv1.hooks"),
            per_call_or_dash(m, "signal.bound"),
            ratio_or_dash(m, "signal.elfv2.hooks", "signal.bound"),
        );
    }
    let _ = writeln!(s, "\n## 3. vdso `clock_gettime(CLOCK_MONOTONIC)`\n");
    let _ = writeln!(
        s,
        "Instructions per call of the vdso's `__kernel_clock_gettime`, from its first instruction to its return, \
         over FreeBSD timehands (the PPC timebase algorithm) in the data page, and the `sc` it made. Forced through \
         `sc`: the same call with timekeeping disabled (`tk_enabled` 0), so the vdso makes the system call; its \
         user-side instructions are shown, plus what the Linuxulator adds in the kernel (the syscall path of 1, \
         success). FreeBSD's own trap entry/exit and `kern_clock_gettime` cannot be counted here (no FreeBSD \
         kernel), so the `sc` column is a lower bound of that path.\n"
    );
    let _ = writeln!(s, "| arch | vdso: instructions | syscalls | forced through `sc`: user instructions | + Linuxulator hooks | syscalls |");
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for r in results {
        match (&r.vdso, &r.vdso_error) {
            (Some(((fi, fs), (si, ss))), _) => {
                let _ = writeln!(
                    s,
                    "| {} | {fi:.0} | {fs:.0} | {si:.0} | {} | {ss:.0} |",
                    r.arch,
                    per_call_or_dash(&r.marks, "syscall.success.hooks")
                );
            }
            (None, e) => {
                let _ = writeln!(s, "| {} | not measured: {} | | | | |", r.arch, e.as_deref().unwrap_or("?"));
            }
        }
    }
    let _ = writeln!(s, "\n## 4. Exec: the initial stack\n");
    let _ = writeln!(
        s,
        "Instructions of `ExecArgs::new` (validation) plus `copyout_initial_stack` (strings, platform strings, \
         random bytes, argv/envp pointers, auxv) for argv+envp of n bytes in 10-byte strings, half arguments, half \
         environment. Per byte = (cost(n) − cost(0)) / n: the cost the strings add over an exec without any.\n"
    );
    let _ = writeln!(s, "| arch | n bytes | instructions | per byte over n = 0 |");
    let _ = writeln!(s, "|---|---|---|---|");
    for r in results {
        let m = &r.marks;
        let _ = writeln!(s, "| {} | 0 | {} | — |", r.arch, per_call_or_dash(m, "exec.0.hooks"));
        if let Ok(v) = exec_per_byte(m) {
            for (n, pb) in v {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {pb:.2} |",
                    r.arch,
                    size_cell(n),
                    per_call_or_dash(m, &format!("exec.{n}.hooks"))
                );
            }
        }
    }
    let _ = writeln!(s, "\n## 5. Harness speed\n");
    match speed {
        Ok(sp) => {
            let _ = writeln!(
                s,
                "The same CPU-bound program, `selftest-ppc64 spin {}` (rounds of two system-call paths, a signal round \
                 trip and a 1,000-byte exec through the kernel-target hooks: {:.0} guest instructions per round, counted \
                 as above, {:.2e} in all), under `ppc64-harness` and under `qemu-ppc64-static`. Time is the best of {TIMED_RUNS} \
                 runs minus the best run of `spin 0` (startup).\n",
                sp.rounds,
                sp.insns / sp.rounds as f64,
                sp.insns
            );
            let _ = writeln!(s, "| runner | seconds | guest instructions / s |");
            let _ = writeln!(s, "|---|---|---|");
            let _ = writeln!(
                s,
                "| ppc64-harness (unicorn) | {:.2} | {:.0} M |",
                sp.harness_s,
                sp.insns / sp.harness_s / 1e6
            );
            let _ =
                writeln!(s, "| qemu-ppc64-static | {:.2} | {:.0} M |", sp.qemu_s, sp.insns / sp.qemu_s / 1e6);
            let _ = writeln!(s, "| ratio harness / qemu-user | | {:.2}x |", sp.qemu_s / sp.harness_s);
            if sp.harness_failures > 0 {
                let _ = writeln!(
                    s,
                    "\nHarness runs that did not complete (the guest was killed) and were repeated: {}. The same \
                     program never failed under qemu-user or the bench runner.",
                    sp.harness_failures
                );
            }
        }
        Err(e) => {
            let _ = writeln!(s, "Not measured: {e}");
        }
    }
    let _ = writeln!(s, "\n## 6. Size\n");
    let _ = writeln!(s, "Bytes by section kind: text = executable, rodata = other allocated read-only, data = writable, bss = zero-filled.\n");
    let _ = writeln!(s, "| what | text | rodata | data | bss | file |");
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for (what, size) in sizes {
        match size {
            Ok(z) => {
                let _ = writeln!(
                    s,
                    "| {what} | {} | {} | {} | {} | {} |",
                    size_cell(z.text),
                    size_cell(z.rodata),
                    size_cell(z.data),
                    size_cell(z.bss),
                    size_cell(z.file)
                );
            }
            Err(e) => {
                let _ = writeln!(s, "| {what} | not measured: {e} | | | | |");
            }
        }
    }
    let missed: Vec<&Goal> = goals.iter().filter(|g| !g.met).collect();
    if !missed.is_empty() {
        let _ = writeln!(s, "\n## What would close the missed goals\n");
        let mut seen = Vec::new();
        for g in missed {
            let key = g.id.split(' ').next().unwrap_or("");
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let _ = writeln!(s, "- **{}**: {}", g.id, closing_note(key));
        }
    }
    s
}

/// What would close a missed goal, from reading the generated code.
fn closing_note(goal: &str) -> &'static str {
    match goal {
        "1" => {
            "the hooks do what the bound does; what costs more is how they are called. The kernel build has no LTO, \
             so `arch_ppc64::syscall::fetch_syscall_args`/`set_syscall_retval`, `SyscallOutcome::from_freebsd` and \
             `FreeBsdErrno::to_linux` carry `#[inline]`: without it each is a call frame of its own and \
             `SyscallRequest` travels through a stack temporary (2.05x before they had it). Check the \
             disassembly of `hooks_syscall_entry`/`hooks_syscall_exit` in the self test for a `bl` to any of them."
        }
        "2" => {
            "`sendsig` builds the frame in place in one zeroed buffer the size of what is copied out (no gap, no \
             scratch area, no move of the frame) and `sigreturn` reads it back once. What is left over the bound, by \
             profile (`PPC64_BENCH_PROFILE=signal.elfv2.sendsig ppc64-bench guest selftest-ppc64 bench`, minus \
             `signal.reset`; addresses named with `llvm-addr2line`): the zero-fill of that buffer (~1,000), most of \
             whose words are overwritten by the register images; the field code (~550); and in `sigreturn` the \
             validation and the unpacking of ~1,700 bytes of frame into the thread (~700). Building the register \
             images with `core::array::from_fn` straight into the parts that are copied out, zeroing only the gaps, \
             would save most of the zero-fill; 2x of an aligned memcpy out and in is below what any frame \
             conversion in both directions costs here."
        }
        "3" => {
            "the C entry (`C_ENTRY` in vdso/entry.S) costs about 20 instructions (frame, spills of r3/r4, `GET_DATA`, \
             the result slot and its reload) before `__vdso_clock_gettime` starts; the C function's clock-id switch, \
             generation loop with two fences and two 128-bit multiplications are the other ~85. A leaf fast path in \
             assembly for the counter-based clocks (no frame, the data address from `bcl`, the timespec stored \
             directly, `mulld`/`mulhdu` pairs) needs about 55–60 by count of the loads, checks and fences FreeBSD's \
             generation protocol requires."
        }
        "4" => {
            "the per-byte cost differs between small and large argument areas: per string, `ExecArgs::new` splits \
             and measures it and `copyout_initial_stack` splits it again for the pointer; one pass that records the \
             offsets would make the cost per string constant."
        }
        _ => "see the details above.",
    }
}

/// A JSON value, rendered by hand (xtask has no serde).
enum J {
    N(f64),
    S(String),
    B(bool),
    A(Vec<J>),
    O(Vec<(&'static str, J)>),
    Null,
}

impl J {
    fn render(&self, out: &mut String, indent: usize) {
        let pad = "  ".repeat(indent + 1);
        match self {
            J::N(n) if n.is_finite() => {
                let _ = if n.fract() == 0.0 && n.abs() < 1e15 {
                    write!(out, "{}", *n as i64)
                } else {
                    write!(out, "{n:.3}")
                };
            }
            J::N(_) | J::Null => out.push_str("null"),
            J::B(b) => out.push_str(if *b { "true" } else { "false" }),
            J::S(s) => {
                out.push('"');
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        c if (c as u32) < 0x20 => {
                            let _ = write!(out, "\\u{:04x}", c as u32);
                        }
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            J::A(v) => {
                out.push('[');
                for (i, x) in v.iter().enumerate() {
                    out.push_str(if i == 0 { "\n" } else { ",\n" });
                    out.push_str(&pad);
                    x.render(out, indent + 1);
                }
                if !v.is_empty() {
                    let _ = write!(out, "\n{}", "  ".repeat(indent));
                }
                out.push(']');
            }
            J::O(v) => {
                out.push('{');
                for (i, (k, x)) in v.iter().enumerate() {
                    out.push_str(if i == 0 { "\n" } else { ",\n" });
                    let _ = write!(out, "{pad}\"{k}\": ");
                    x.render(out, indent + 1);
                }
                if !v.is_empty() {
                    let _ = write!(out, "\n{}", "  ".repeat(indent));
                }
                out.push('}');
            }
        }
    }
}

fn render_json(
    date: &str,
    host: &str,
    results: &[ArchResult],
    speed: &Result<Speed>,
    sizes: &[(String, std::result::Result<Size, String>)],
    goals: &[Goal],
) -> String {
    let arches = results
        .iter()
        .map(|r| {
            let m = &r.marks;
            let per_call =
                m.0.iter()
                    .filter(|(k, _)| !k.starts_with("loop."))
                    .map(|(k, v)| {
                        J::O(vec![
                            ("name", J::S(k.clone())),
                            ("iterations", J::N(v.iters as f64)),
                            ("param", J::N(v.param as f64)),
                            ("raw_instructions", J::N(v.insns as f64)),
                            ("instructions_per_call", m.per_call(k).map_or(J::Null, J::N)),
                        ])
                    })
                    .collect();
            let loops = ["loop.10", "loop.1000"]
                .iter()
                .filter_map(|k| {
                    m.0.get(*k).map(|v| {
                        J::O(vec![
                            ("name", J::S(k.to_string())),
                            ("iterations", J::N(v.iters as f64)),
                            ("raw_instructions", J::N(v.insns as f64)),
                        ])
                    })
                })
                .collect();
            let vdso = match &r.vdso {
                Some(((fi, fs), (si, ss))) => J::O(vec![
                    ("calls", J::N(VDSO_CALLS as f64)),
                    ("instructions_per_call", J::N(*fi)),
                    ("syscalls_per_call", J::N(*fs)),
                    ("forced_sc_user_instructions_per_call", J::N(*si)),
                    ("forced_sc_syscalls_per_call", J::N(*ss)),
                ]),
                None => J::O(vec![("error", J::S(r.vdso_error.clone().unwrap_or_default()))]),
            };
            J::O(vec![
                ("arch", J::S(r.arch.to_string())),
                ("measurements", J::A(per_call)),
                ("loop_calibration", J::A(loops)),
                (
                    "exec_per_byte",
                    J::A(
                        exec_per_byte(m)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(n, pb)| {
                                J::O(vec![("bytes", J::N(n as f64)), ("instructions_per_byte", J::N(pb))])
                            })
                            .collect(),
                    ),
                ),
                ("vdso_clock_gettime_monotonic", vdso),
                (
                    "signal_elfv2_split",
                    sendsig_split(m)
                        .map_or(J::Null, |(a, b)| J::O(vec![("sendsig", J::N(a)), ("sigreturn", J::N(b))])),
                ),
                ("spin_round_instructions", J::N(r.spin_round)),
            ])
        })
        .collect();
    let speed = match speed {
        Ok(sp) => J::O(vec![
            ("program", J::S(format!("selftest-ppc64 spin {}", sp.rounds))),
            ("guest_instructions", J::N(sp.insns)),
            ("harness_seconds", J::N(sp.harness_s)),
            ("qemu_seconds", J::N(sp.qemu_s)),
            ("harness_instructions_per_second", J::N(sp.insns / sp.harness_s)),
            ("qemu_instructions_per_second", J::N(sp.insns / sp.qemu_s)),
            ("harness_over_qemu", J::N(sp.qemu_s / sp.harness_s)),
            ("harness_failed_runs", J::N(sp.harness_failures as f64)),
        ]),
        Err(e) => J::O(vec![("error", J::S(e.0.clone()))]),
    };
    let sizes = sizes
        .iter()
        .map(|(what, s)| match s {
            Ok(z) => J::O(vec![
                ("what", J::S(what.clone())),
                ("text", J::N(z.text as f64)),
                ("rodata", J::N(z.rodata as f64)),
                ("data", J::N(z.data as f64)),
                ("bss", J::N(z.bss as f64)),
                ("file", J::N(z.file as f64)),
            ]),
            Err(e) => J::O(vec![("what", J::S(what.clone())), ("error", J::S(e.clone()))]),
        })
        .collect();
    let goals = goals
        .iter()
        .map(|g| {
            J::O(vec![
                ("goal", J::S(g.id.to_string())),
                ("arch", J::S(g.arch.clone())),
                ("value", J::N(g.value)),
                ("limit", J::N(g.limit)),
                ("met", J::B(g.met)),
            ])
        })
        .collect();
    let doc = J::O(vec![
        ("command", J::S("cargo xtask bench".into())),
        ("date", J::S(date.to_string())),
        ("host", J::S(host.to_string())),
        ("unit", J::S("guest instructions on the emulated POWER9 unless named otherwise".into())),
        ("goals", J::A(goals)),
        ("arches", J::A(arches)),
        ("harness_speed", speed),
        ("sizes", J::A(sizes)),
    ]);
    let mut out = String::new();
    doc.render(&mut out, 0);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(list: &[(&str, u64, u64)]) -> Marks {
        Marks(list.iter().map(|(n, i, c)| (n.to_string(), Mark { iters: *i, param: 0, insns: *c })).collect())
    }

    #[test]
    fn per_call_removes_the_loop_and_marker_costs() {
        // Markers cost 20, an iteration 15, the function 100.
        let m = marks(&[("loop.10", 10, 20 + 150), ("loop.1000", 1000, 20 + 15_000), ("f", 7, 20 + 7 * 115)]);
        assert!((m.per_call("f").unwrap() - 100.0).abs() < 1e-9);
        assert!(m.per_call("g").is_err());
    }

    #[test]
    fn json_is_escaped_and_numbers_are_plain() {
        let mut s = String::new();
        J::O(vec![("a", J::S("x\"\n".into())), ("b", J::N(3.0)), ("c", J::N(0.5)), ("d", J::A(vec![]))])
            .render(&mut s, 0);
        assert_eq!(s, "{\n  \"a\": \"x\\\"\\n\",\n  \"b\": 3,\n  \"c\": 0.500,\n  \"d\": []\n}");
        assert_eq!(size_cell(1234567), "1,234,567");
    }
}
