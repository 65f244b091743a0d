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
//! the physical counter; the structure test checks that code exists. The build, the run and the checks
//! every arch shares are `vdso_support::test_support::qemu`'s.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};
use vdso_arm64::VDSO;
use vdso_support::test_support::qemu::{
    check, check_time_cases, expect, parse, run_program, Case, Program, Returns,
};

/// x0 of a successful call.
fn expect_ok(errors: &mut Vec<String>, c: &Case, rc: i128) {
    expect(errors, c, "rc", rc);
}

/// A failed call: -errno in x0, as the system call returns it.
fn expect_err(errors: &mut Vec<String>, c: &Case, errno: i128) {
    expect(errors, c, "rc", -errno);
}

#[test]
fn vdso_under_qemu() {
    let prog = Program {
        crate_dir: Path::new(env!("CARGO_MANIFEST_DIR")),
        sources: "tests/aarch64",
        dir: Path::new(env!("CARGO_TARGET_TMPDIR")).join("vdso-arm64-qemu"),
        target: &["--target=aarch64-linux-gnu"],
        cflags: &["-mgeneral-regs-only"],
        image: VDSO.bytes,
        symbols: VDSO.symbols,
        type_prefix: '%',
    }
    .build();
    let out = run_program(&prog, &["qemu-aarch64-static", "qemu-aarch64"]);
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

    check_time_cases(e, &cases, now, &Returns { ok: expect_ok, err: expect_err });

    // The trampoline on a real frame.
    check(e, &cases, "sigreturn", |e, c| {
        expect(e, c, "setup", 0);
        expect(e, c, "sig", 10);
        expect(e, c, "info_signo", 10);
        expect(e, c, "lr_is_tramp", 1);
    });

    assert!(errors.is_empty(), "the vdso under qemu:\n  {}\n\noutput:\n{out}", errors.join("\n  "));
}
