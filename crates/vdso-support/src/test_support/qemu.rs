//! Running an image's functions under qemu-user: the freestanding test program (the arch's
//! `tests/<arch>/vdso_test.c` and `support.S`, the image linked in, and the vdso's own `time.c` built
//! with `-DVDSO_TEST_HOOK`) is built with clang and ld.lld and run; it prints one line per case,
//! `case=NAME key=value ...`, with the timehands and the counter read just before and after each call.
//! Here those lines are parsed and compared with a reference computed on the host from the printed
//! values ([`check_time_cases`]: the cases every arch's program runs); the arch checks the rest.

use crate::VdsoSymbol;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The first of `names` in `PATH`; panics naming the Debian `package` to install.
pub fn find(names: &[&str], package: &str) -> PathBuf {
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

/// Runs a command, panicking with its output when it fails.
pub fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The test program of one image.
pub struct Program<'a> {
    /// The crate (`env!("CARGO_MANIFEST_DIR")`): its `vdso/` has time.c and data.h.
    pub crate_dir: &'a Path,
    /// The program's sources under the crate: `vdso_test.c` and `support.S`.
    pub sources: &'a str,
    /// Build directory (under `env!("CARGO_TARGET_TMPDIR")`).
    pub dir: PathBuf,
    /// clang's target options.
    pub target: &'a [&'a str],
    /// Options for the C files (the arch's integer-only flags).
    pub cflags: &'a [&'a str],
    /// The image and its exported symbols (passed as `-DSYM_<name>=<offset>`).
    pub image: &'a [u8],
    /// See `image`.
    pub symbols: &'a [VdsoSymbol],
    /// The assembler's section type prefix (`@` on powerpc, `%` on arm64).
    pub type_prefix: char,
}

impl Program<'_> {
    /// Builds the program; returns its path.
    pub fn build(&self) -> PathBuf {
        let vdso_src = self.crate_dir.join("vdso");
        let prog_src = self.crate_dir.join(self.sources);
        let dir = &self.dir;
        std::fs::create_dir_all(dir).unwrap();
        let clang = find(&crate::CLANG, "clang");
        let lld = find(&crate::LLD, "lld");
        let image = dir.join("vdso.so");
        std::fs::write(&image, self.image).unwrap();
        let image_s = dir.join("image.S");
        std::fs::write(
            &image_s,
            format!(
                ".section .rodata\n.balign 16\n.globl vdso_image\nvdso_image:\n.incbin {:?}\n\
                 .globl vdso_image_end\nvdso_image_end:\n.section .note.GNU-stack,\"\",{}progbits\n",
                image.display().to_string(),
                self.type_prefix
            ),
        )
        .unwrap();
        let includes = [format!("-I{}", vdso_src.display()), format!("-I{}", crate::C_INCLUDE_DIR)];
        let syms: Vec<String> =
            self.symbols.iter().map(|s| format!("-DSYM_{}={:#x}", s.name, s.offset)).collect();
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
            cmd.args(self.target).args(&includes).args(&extra);
            if src.extension().is_some_and(|e| e == "c") {
                cmd.args(["-O2", "-ffreestanding", "-fno-builtin", "-nostdinc", "-fno-stack-protector"])
                    .args(self.cflags)
                    .args(["-Wall", "-Wextra"]);
            }
            run(cmd.arg("-c").arg(&src).arg("-o").arg(&obj));
            objects.push(obj);
        }
        let prog = dir.join("vdso_test");
        run(Command::new(&lld).args(["-static", "-e", "_start", "-o"]).arg(&prog).args(&objects));
        prog
    }
}

/// Runs the program under the first of `qemu` found (killed after two minutes); returns its output,
/// which must end in a line `done`.
pub fn run_program(prog: &Path, qemu: &[&str]) -> String {
    let qemu = find(qemu, "qemu-user-static");
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
pub struct Case {
    pub name: String,
    pub v: HashMap<String, i128>,
}

impl Case {
    /// The value of `k`; panics if the line has none.
    pub fn get(&self, k: &str) -> i128 {
        *self.v.get(k).unwrap_or_else(|| panic!("{}: no {k}", self.name))
    }
    /// The timehands printed with the case.
    pub fn th(&self) -> Th {
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

/// The cases of the program's output, by name.
pub fn parse(out: &str) -> HashMap<String, Case> {
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
pub struct Th {
    pub scale: u64,
    pub oc: u32,
    pub mask: u32,
    pub osec: i64,
    pub ofrac: u64,
    pub bsec: i64,
    pub bfrac: u64,
}

/// The reference: FreeBSD's binuptime/bintime with a 128-bit scale * delta, from a counter delta.
pub fn bintime(th: &Th, delta: u32, abs: bool, coarse: bool) -> (i64, u64) {
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

/// The counter delta the vdso computes from a counter value (the low 32 bits, masked).
pub fn delta(th: &Th, count: i128) -> u32 {
    (count as u64 as u32).wrapping_sub(th.oc) & th.mask
}

/// A binary fraction of a second in `unit`s (1e9: ns, 1e6: us).
pub fn sub_second(frac: u64, unit: u64) -> i64 {
    ((u128::from(frac) * u128::from(unit)) >> 64) as i64
}

/// The clock of a counter-based case must lie between the reference at the counter before (`tb0`) and
/// after (`tb1`) the call (if the timehands were published during the call, from their own counter value
/// on).
pub fn check_between(errors: &mut Vec<String>, c: &Case, sub: &str, unit: u64, abs: bool) {
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

/// Runs `f` on the case `name`, or records that it is missing.
pub fn check(
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

/// Records an error unless `key` is `want`.
pub fn expect(errors: &mut Vec<String>, c: &Case, key: &str, want: i128) {
    let got = c.get(key);
    if got != want {
        errors.push(format!("{}: {key} = {got}, want {want}", c.name));
    }
}

/// How an arch's vdso functions return, as the program prints it.
pub struct Returns {
    /// Success with the value `rc` (powerpc: `rc` and CR0.SO clear; arm64: x0 = `rc`).
    pub ok: fn(&mut Vec<String>, &Case, i128),
    /// Failure with `errno` (powerpc: `rc` = errno and CR0.SO set; arm64: x0 = -errno).
    pub err: fn(&mut Vec<String>, &Case, i128),
}

const EINVAL: i128 = 22;
const EFAULT: i128 = 14;

/// The cases every arch's program runs (`c/test/vdso_test.h`'s `run_time_cases`): clock_gettime of
/// every clock from the timekeeping, the counter wrap and mask, tk_current, the timekeeping the vdso must
/// not use (the system call answers: host time `now`, not the fake 2001), the errors, the generation
/// protocol (a signal publishing timehands, the instrumented reader), gettimeofday and clock_getres.
pub fn check_time_cases(e: &mut Vec<String>, cases: &HashMap<String, Case>, now: i128, r: &Returns) {
    let (ok, err) = (r.ok, r.err);
    for (name, abs) in
        [("realtime", true), ("monotonic", false), ("monotonic_raw", false), ("boottime", false)]
    {
        check(e, cases, name, |e, c| {
            ok(e, c, 0);
            check_between(e, c, "ns", 1_000_000_000, abs);
        });
    }
    for (name, abs) in [("realtime_coarse", true), ("monotonic_coarse", false)] {
        check(e, cases, name, |e, c| {
            ok(e, c, 0);
            let (s, frac) = bintime(&c.th(), 0, abs, true);
            expect(e, c, "s", i128::from(s));
            expect(e, c, "ns", i128::from(sub_second(frac, 1_000_000_000)));
        });
    }
    // The 32-bit counter wrapped since th_offset_count (the 128-bit product may carry into the seconds).
    check(e, cases, "wrap", |e, c| {
        ok(e, c, 0);
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
    check(e, cases, "mask28", |e, c| {
        ok(e, c, 0);
        check_between(e, c, "ns", 1_000_000_000, true);
    });
    check(e, cases, "current1", |e, c| {
        ok(e, c, 0);
        expect(e, c, "osec", 1100);
        check_between(e, c, "ns", 1_000_000_000, false);
    });

    for name in ["disabled", "bad_version", "bad_algo", "bad_current"] {
        check(e, cases, name, |e, c| {
            ok(e, c, 0);
            if (c.get("s") - now).abs() > 600 {
                e.push(format!("{name}: {} is not the host's time {now}", c.get("s")));
            }
        });
    }
    check(e, cases, "cputime", |e, c| {
        ok(e, c, 0);
        if !(0..100).contains(&c.get("s")) || !(0..1_000_000_000).contains(&c.get("ns")) {
            e.push(format!("cputime: {}.{}", c.get("s"), c.get("ns")));
        }
    });
    check(e, cases, "bad_clock", |e, c| err(e, c, EINVAL));
    check(e, cases, "null_ts", |e, c| err(e, c, EFAULT));

    // Generation protocol.
    check(e, cases, "gen_zero_signal", |e, c| {
        ok(e, c, 0);
        expect(e, c, "gen", 7);
        expect(e, c, "osec", 5000);
        check_between(e, c, "ns", 1_000_000_000, false);
    });
    check(e, cases, "alarm", |e, c| {
        expect(e, c, "setup", 0);
        expect(e, c, "fired", 1);
    });
    for (name, iters, osec, abs) in [
        ("hook_none", 1, 1000, false),
        ("hook_bump_gen", 2, 2000, false),
        ("hook_switch", 2, 1100, true),
        ("hook_gen_zero", 3, 1000, false),
    ] {
        check(e, cases, name, |e, c| {
            expect(e, c, "rc", 0);
            expect(e, c, "iters", iters);
            expect(e, c, "osec", osec);
            check_between(e, c, "ns", 1_000_000_000, abs);
        });
    }

    // gettimeofday, getres.
    check(e, cases, "gettimeofday", |e, c| {
        ok(e, c, 0);
        check_between(e, c, "us", 1_000_000, true);
        expect(e, c, "tzw", -60);
        expect(e, c, "tzd", 1);
    });
    check(e, cases, "gettimeofday_null", |e, c| ok(e, c, 0));
    for (name, ns) in [
        ("res_realtime", 1),
        ("res_monotonic", 1),
        ("res_monotonic_raw", 1),
        ("res_boottime", 1),
        ("res_realtime_coarse", 1_000_000),
        ("res_monotonic_coarse", 1_000_000),
    ] {
        check(e, cases, name, |e, c| {
            ok(e, c, 0);
            expect(e, c, "s", 0);
            expect(e, c, "ns", ns);
        });
    }
    check(e, cases, "res_cputime", |e, c| {
        ok(e, c, 0);
        expect(e, c, "s", 0);
    });
    check(e, cases, "res_bad", |e, c| err(e, c, EINVAL));
    check(e, cases, "res_null", |e, c| ok(e, c, 0));
}
