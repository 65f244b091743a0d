//! The vdso's functions running: a freestanding test program (`tests/ppc/`) maps each image below a fake
//! data page, fills FreeBSD timehands, calls every function the way glibc does under qemu-user, and prints
//! the results with the timehands and the timebase read just before and after each call. Here the
//! results are compared with a reference computed on the host from those values: a counter-based clock
//! must lie between the reference at the two timebase readings; coarse clocks, time(), getres and the
//! rest must match exactly. Every call also proves that the function preserved r2, r13-r31, all FPRs and
//! CR2-4 (what glibc's inline-asm call does not declare clobbered).
//!
//! The generation protocol: the program's own copy of time.c built with -DVDSO_TEST_HOOK changes the
//! timehands in the middle of a read (new generation, new tk_current, th_gen 0 then set), and the real
//! image spins on th_gen == 0 until a SIGALRM handler publishes new timehands.
//!
//! Needs clang, ld.lld and qemu-user-static (Debian packages clang, lld, qemu-user-static; `cargo xtask`
//! installs them). The build, the run and the checks every arch shares are `vdso_support::test_support::qemu`'s.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};
use vdso_ppc64::{VdsoImage, VDSO_BE, VDSO_LE};
use vdso_support::test_support::qemu::{
    bintime, check, check_time_cases, expect, parse, run_program, Case, Program, Returns,
};

/// rc and CR0.SO of a successful call.
fn expect_ok(errors: &mut Vec<String>, c: &Case, rc: i128) {
    expect(errors, c, "so", 0);
    expect(errors, c, "rc", rc);
}

/// A failed call: CR0.SO set, the positive errno in r3 (as after `sc`).
fn expect_err(errors: &mut Vec<String>, c: &Case, errno: i128) {
    expect(errors, c, "so", 1);
    expect(errors, c, "rc", errno);
}

fn run_image(tag: &str, img: &VdsoImage) {
    let target: &[&str] = if img.little_endian {
        &["--target=powerpc64le-linux-gnu"]
    } else {
        &["--target=powerpc64-linux-gnu", "-mabi=elfv2"]
    };
    let prog = Program {
        crate_dir: Path::new(env!("CARGO_MANIFEST_DIR")),
        sources: "tests/ppc",
        dir: Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("vdso-qemu-{tag}")),
        target,
        cflags: &["-mno-altivec", "-mno-vsx", "-msoft-float"],
        image: img.bytes,
        symbols: img.symbols,
        type_prefix: '@',
    }
    .build();
    let qemu: &[&str] = if img.little_endian {
        &["qemu-ppc64le-static", "qemu-ppc64le"]
    } else {
        &["qemu-ppc64-static", "qemu-ppc64"]
    };
    let out = run_program(&prog, qemu);
    let cases = parse(&out);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i128;
    let mut errors = Vec::new();
    let e = &mut errors;

    // Every call through vcall kept what glibc expects kept.
    for c in cases.values().filter(|c| c.v.contains_key("gpr_bad")) {
        for k in ["gpr_bad", "fpr_bad", "cr234"] {
            expect(e, c, k, 0);
        }
    }

    check_time_cases(e, &cases, now, &Returns { ok: expect_ok, err: expect_err });
    // The instrumented reader's return slot.
    for name in ["hook_none", "hook_bump_gen", "hook_switch", "hook_gen_zero"] {
        check(e, &cases, name, |e, c| expect(e, c, "ret", 0));
    }

    // time().
    for name in ["time", "time_null"] {
        check(e, &cases, name, |e, c| {
            let secs = bintime(&c.th(), 0, true, true).0;
            expect_ok(e, c, i128::from(secs));
            if name == "time" {
                expect(e, c, "t", i128::from(secs));
            }
        });
    }
    // The rest.
    check(e, &cases, "tbfreq", |e, c| expect_ok(e, c, 512_000_000));
    check(e, &cases, "getcpu", |e, c| {
        expect_ok(e, c, 0);
        if !(0..4096).contains(&c.get("cpu")) {
            e.push(format!("getcpu: cpu {}", c.get("cpu")));
        }
    });
    check(e, &cases, "syscall_map", |e, c| {
        expect(e, c, "so", 0);
        expect(e, c, "at_data", 1);
        expect(e, c, "count", 463);
        expect(e, c, "word0", 0x8000_0000 >> 3);
    });
    check(e, &cases, "syscall_map_null", |e, c| {
        expect(e, c, "so", 0);
        expect(e, c, "at_data", 1);
    });
    check(e, &cases, "dicache", |e, c| {
        expect_ok(e, c, 0);
        expect(e, c, "first", 42);
        expect(e, c, "second", 43);
    });

    assert!(errors.is_empty(), "{tag} vdso under qemu:\n  {}\n\noutput:\n{out}", errors.join("\n  "));
}

#[test]
fn big_endian_vdso_under_qemu() {
    assert!(!VDSO_BE.little_endian);
    run_image("big-endian", &VDSO_BE);
}

#[test]
fn little_endian_vdso_under_qemu() {
    assert!(VDSO_LE.little_endian);
    run_image("little-endian", &VDSO_LE);
}
