//! The vdso's functions running: a freestanding test program (`tests/aarch64/`) maps the image below a
//! fake data page, fills FreeBSD timehands, calls every function as a C caller does under
//! qemu-aarch64, and prints the results with the timehands and the generic timer's count read just
//! before and after each call. Here the results are compared with a reference computed on the host from
//! those values: a counter-based clock must lie between the reference at the two counter readings;
//! coarse clocks, getres and the rest must match exactly. Every call also proves that the function
//! preserved x18..x29 and sp, and did not change any of v0..v31 (no FP/SIMD use at all).
//!
//! The generation protocol: the program's own copy of time.c built with -DVDSO_TEST_HOOK changes the
//! timehands in the middle of a read (new generation, new tk_current, th_gen 0 then set), and the real
//! image spins on th_gen == 0 until a SIGALRM handler publishes new timehands. The all-zero data page
//! (what the kernel module maps today) makes every call the system call. A SIGUSR1 handler installed
//! with SA_RESTORER = the image's `__kernel_rt_sigreturn` returns through it (qemu-user builds Linux's
//! rt_sigframe, so this runs the trampoline on a real frame).
//!
//! Needs clang, ld.lld and qemu-user-static (Debian packages clang, lld, qemu-user-static; `cargo xtask`
//! installs them). `th_physical` (CNTPCT_EL0) cannot run here: qemu-user, like Linux, traps EL0 reads of
//! the physical counter; the structure test checks that code exists.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use vdso_arm64::{VdsoImage, VDSO};

fn find(names: &[&str], package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in names {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!("none of {names:?} found: install the Debian package {package}");
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Builds the test program; returns its path.
fn build_program(img: &VdsoImage) -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let vdso_src = crate_dir.join("vdso");
    let prog_src = crate_dir.join("tests/aarch64");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("vdso-arm64-qemu");
    std::fs::create_dir_all(&dir).unwrap();
    let clang = find(&["clang", "clang-14", "clang-15", "clang-16", "clang-19"], "clang");
    let lld = find(&["ld.lld", "ld.lld-14", "ld.lld-15", "ld.lld-16", "ld.lld-19"], "lld");
    let target = "--target=aarch64-linux-gnu";
    let image = dir.join("vdso.so");
    std::fs::write(&image, img.bytes).unwrap();
    let image_s = dir.join("image.S");
    std::fs::write(
        &image_s,
        format!(
            ".section .rodata\n.balign 16\n.globl vdso_image\nvdso_image:\n.incbin {:?}\n\
             .globl vdso_image_end\nvdso_image_end:\n.section .note.GNU-stack,\"\",%progbits\n",
            image.display().to_string()
        ),
    )
    .unwrap();
    let cflags = [
        "-O2",
        "-ffreestanding",
        "-fno-builtin",
        "-nostdinc",
        "-mgeneral-regs-only",
        "-fno-stack-protector",
        "-Wall",
        "-Wextra",
    ];
    let include = format!("-I{}", vdso_src.display());
    let syms: Vec<String> = img.symbols.iter().map(|s| format!("-DSYM_{}={:#x}", s.name, s.offset)).collect();
    let jobs: [(PathBuf, Vec<String>, &str); 4] = [
        (image_s, vec![], "image.o"),
        (prog_src.join("support.S"), vec![], "support.o"),
        (prog_src.join("vdso_test.c"), syms, "test.o"),
        // The vdso's own reader, instrumented.
        (vdso_src.join("time.c"), vec!["-DVDSO_TEST_HOOK".into(), "-fno-jump-tables".into()], "hooked.o"),
    ];
    let mut objects = Vec::new();
    for (src, extra, obj) in jobs {
        let obj = dir.join(obj);
        let mut cmd = Command::new(&clang);
        cmd.arg(target).arg(&include).arg(format!("-I{}", vdso_support::C_INCLUDE_DIR)).args(&extra);
        if src.extension().is_some_and(|e| e == "c") {
            cmd.args(cflags);
        }
        run(cmd.arg("-c").arg(&src).arg("-o").arg(&obj));
        objects.push(obj);
    }
    let prog = dir.join("vdso_test");
    run(Command::new(&lld).args(["-static", "-e", "_start", "-o"]).arg(&prog).args(&objects));
    prog
}

/// Runs the program under qemu-user (killed after two minutes); returns its output.
fn run_program(prog: &Path) -> String {
    let qemu = find(&["qemu-aarch64-static", "qemu-aarch64"], "qemu-user-static");
    let mut child = Command::new(&qemu)
        .arg(prog)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", qemu.display()));
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(_status) = child.try_wait().unwrap() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{} did not finish in two minutes", prog.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && stdout.lines().any(|l| l == "done"),
        "{} failed ({}):\n{stdout}\n{}",
        prog.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// One printed line: `case=NAME key=value ...`.
struct Case {
    name: String,
    v: HashMap<String, i128>,
}

impl Case {
    fn get(&self, k: &str) -> i128 {
        *self.v.get(k).unwrap_or_else(|| panic!("{}: no {k}", self.name))
    }
    fn th(&self) -> Th {
        Th {
            scale: self.get("scale") as u64,
            oc: self.get("oc") as u32,
            mask: self.get("mask") as u32,
            osec: self.get("osec") as i64,
            ofrac: self.get("ofrac") as u64,
            bsec: self.get("bsec") as i64,
            bfrac: self.get("bfrac") as u64,
        }
    }
}

fn parse(out: &str) -> HashMap<String, Case> {
    let mut cases = HashMap::new();
    for line in out.lines().filter(|l| l.starts_with("case=")) {
        let mut v = HashMap::new();
        let mut name = String::new();
        for kv in line.split_whitespace() {
            let (k, val) = kv.split_once('=').unwrap();
            if k == "case" {
                name = val.to_string();
            } else {
                v.insert(k.to_string(), val.parse::<i128>().unwrap_or_else(|_| panic!("{line}")));
            }
        }
        cases.insert(name.clone(), Case { name, v });
    }
    cases
}

/// FreeBSD vdso_timehands, as printed.
#[derive(Clone, Copy, Debug)]
struct Th {
    scale: u64,
    oc: u32,
    mask: u32,
    osec: i64,
    ofrac: u64,
    bsec: i64,
    bfrac: u64,
}

/// The reference: FreeBSD's binuptime/bintime with a 128-bit scale * delta, from a counter delta.
fn bintime(th: &Th, delta: u32, abs: bool, coarse: bool) -> (i64, u64) {
    let (mut sec, mut frac) = (th.osec, th.ofrac);
    if !coarse {
        let x = u128::from(th.scale) * u128::from(delta);
        let (f, carry) = frac.overflowing_add(x as u64);
        frac = f;
        sec += (x >> 64) as i64 + i64::from(carry);
    }
    if abs {
        let (f, carry) = frac.overflowing_add(th.bfrac);
        frac = f;
        sec += th.bsec + i64::from(carry);
    }
    (sec, frac)
}

fn delta(th: &Th, tb: i128) -> u32 {
    (tb as u64 as u32).wrapping_sub(th.oc) & th.mask
}

fn sub_second(frac: u64, unit: u64) -> i64 {
    ((u128::from(frac) * u128::from(unit)) >> 64) as i64
}

/// The clock of a counter-based case must lie between the reference at the counter before and after
/// the call (if the timehands were published during the call, from their own counter value on).
fn check_between(errors: &mut Vec<String>, c: &Case, sub: &str, unit: u64, abs: bool) {
    let th = c.th();
    let (d0, d1) = (delta(&th, c.get("tb0")), delta(&th, c.get("tb1")));
    let d0 = if d0 <= d1 { d0 } else { 0 };
    let lo = bintime(&th, d0, abs, false);
    let hi = bintime(&th, d1, abs, false);
    let got = (c.get("s") as i64, c.get(sub) as i64);
    let (lo, hi) = ((lo.0, sub_second(lo.1, unit)), (hi.0, sub_second(hi.1, unit)));
    if !(lo <= got && got <= hi) {
        errors.push(format!("{}: {got:?} not within {lo:?}..={hi:?} ({th:?})", c.name));
    }
}

fn check(
    errors: &mut Vec<String>,
    cases: &HashMap<String, Case>,
    name: &str,
    f: impl FnOnce(&mut Vec<String>, &Case),
) {
    match cases.get(name) {
        Some(c) => f(errors, c),
        None => errors.push(format!("case {name} missing")),
    }
}

fn expect(errors: &mut Vec<String>, c: &Case, key: &str, want: i128) {
    let got = c.get(key);
    if got != want {
        errors.push(format!("{}: {key} = {got}, want {want}", c.name));
    }
}

/// x0 of a successful call.
fn expect_ok(errors: &mut Vec<String>, c: &Case, rc: i128) {
    expect(errors, c, "rc", rc);
}

const EINVAL: i128 = 22;
const EFAULT: i128 = 14;

#[test]
fn vdso_under_qemu() {
    let out = run_program(&build_program(&VDSO));
    let cases = parse(&out);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i128;
    let mut errors = Vec::new();
    let e = &mut errors;

    // Every call through vcall kept what a caller expects kept, and touched no FP/SIMD register.
    for c in cases.values().filter(|c| c.v.contains_key("gpr_bad")) {
        for k in ["gpr_bad", "vreg_bad", "sp_bad"] {
            expect(e, c, k, 0);
        }
    }

    // The all-zero data page: the system call answers (host time).
    check(e, &cases, "zero_page", |e, c| {
        expect_ok(e, c, 0);
        if (c.get("s") - now).abs() > 600 {
            e.push(format!("zero_page: {} is not the host's time {now}", c.get("s")));
        }
    });
    check(e, &cases, "zero_page_res", |e, c| {
        expect_ok(e, c, 0);
        expect(e, c, "s", 0);
        if !(1..1_000_000_000).contains(&c.get("ns")) {
            e.push(format!("zero_page_res: the host's resolution {}", c.get("ns")));
        }
    });

    // clock_gettime from the timekeeping.
    for (name, abs) in
        [("realtime", true), ("monotonic", false), ("monotonic_raw", false), ("boottime", false)]
    {
        check(e, &cases, name, |e, c| {
            expect_ok(e, c, 0);
            check_between(e, c, "ns", 1_000_000_000, abs);
        });
    }
    for (name, abs) in [("realtime_coarse", true), ("monotonic_coarse", false)] {
        check(e, &cases, name, |e, c| {
            expect_ok(e, c, 0);
            let (s, frac) = bintime(&c.th(), 0, abs, true);
            expect(e, c, "s", i128::from(s));
            expect(e, c, "ns", i128::from(sub_second(frac, 1_000_000_000)));
        });
    }
    // The 32-bit counter wrapped since th_offset_count (the 128-bit product may carry into the seconds).
    check(e, &cases, "wrap", |e, c| {
        expect_ok(e, c, 0);
        let th = c.th();
        if (c.get("tb0") as u64 as u32) >= th.oc {
            e.push(format!(
                "wrap: the counter did not wrap ({:#x} >= {:#x})",
                c.get("tb0") as u64 as u32,
                th.oc
            ));
        }
        if c.get("s") < i128::from(th.osec) + 2 {
            e.push(format!("wrap: no carry into the seconds: {}", c.get("s")));
        }
        check_between(e, c, "ns", 1_000_000_000, false);
    });
    check(e, &cases, "mask28", |e, c| {
        expect_ok(e, c, 0);
        check_between(e, c, "ns", 1_000_000_000, true);
    });
    check(e, &cases, "current1", |e, c| {
        expect_ok(e, c, 0);
        expect(e, c, "osec", 1100);
        check_between(e, c, "ns", 1_000_000_000, false);
    });

    // The system call answers what the timekeeping cannot: host time, not the fake 2001.
    for name in ["disabled", "bad_version", "bad_algo", "bad_current"] {
        check(e, &cases, name, |e, c| {
            expect_ok(e, c, 0);
            if (c.get("s") - now).abs() > 600 {
                e.push(format!("{name}: {} is not the host's time {now}", c.get("s")));
            }
        });
    }
    check(e, &cases, "cputime", |e, c| {
        expect_ok(e, c, 0);
        if !(0..100).contains(&c.get("s")) || !(0..1_000_000_000).contains(&c.get("ns")) {
            e.push(format!("cputime: {}.{}", c.get("s"), c.get("ns")));
        }
    });
    // Errors as the system call returns them: -errno in x0.
    check(e, &cases, "bad_clock", |e, c| expect(e, c, "rc", -EINVAL));
    check(e, &cases, "null_ts", |e, c| expect(e, c, "rc", -EFAULT));

    // Generation protocol.
    check(e, &cases, "gen_zero_signal", |e, c| {
        expect_ok(e, c, 0);
        expect(e, c, "gen", 7);
        expect(e, c, "osec", 5000);
        check_between(e, c, "ns", 1_000_000_000, false);
    });
    check(e, &cases, "alarm", |e, c| {
        expect(e, c, "setup", 0);
        expect(e, c, "fired", 1);
    });
    for (name, iters, osec, abs) in [
        ("hook_none", 1, 1000, false),
        ("hook_bump_gen", 2, 2000, false),
        ("hook_switch", 2, 1100, true),
        ("hook_gen_zero", 3, 1000, false),
    ] {
        check(e, &cases, name, |e, c| {
            expect(e, c, "rc", 0);
            expect(e, c, "iters", iters);
            expect(e, c, "osec", osec);
            check_between(e, c, "ns", 1_000_000_000, abs);
        });
    }

    // gettimeofday, getres.
    check(e, &cases, "gettimeofday", |e, c| {
        expect_ok(e, c, 0);
        check_between(e, c, "us", 1_000_000, true);
        expect(e, c, "tzw", -60);
        expect(e, c, "tzd", 1);
    });
    check(e, &cases, "gettimeofday_null", |e, c| expect_ok(e, c, 0));
    for (name, ns) in [
        ("res_realtime", 1),
        ("res_monotonic", 1),
        ("res_monotonic_raw", 1),
        ("res_boottime", 1),
        ("res_realtime_coarse", 1_000_000),
        ("res_monotonic_coarse", 1_000_000),
    ] {
        check(e, &cases, name, |e, c| {
            expect_ok(e, c, 0);
            expect(e, c, "s", 0);
            expect(e, c, "ns", ns);
        });
    }
    check(e, &cases, "res_cputime", |e, c| {
        expect_ok(e, c, 0);
        expect(e, c, "s", 0);
    });
    check(e, &cases, "res_bad", |e, c| expect(e, c, "rc", -EINVAL));
    check(e, &cases, "res_null", |e, c| expect_ok(e, c, 0));

    // The trampoline on a real frame.
    check(e, &cases, "sigreturn", |e, c| {
        expect(e, c, "setup", 0);
        expect(e, c, "sig", 10);
        expect(e, c, "info_signo", 10);
        expect(e, c, "lr_is_tramp", 1);
    });

    assert!(errors.is_empty(), "the vdso under qemu:\n  {}\n\noutput:\n{out}", errors.join("\n  "));
}
