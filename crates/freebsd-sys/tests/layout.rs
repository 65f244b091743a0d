//! The bindgen types against the C compiler: for every field the module touches, `offsetof` and
//! `sizeof` as clang computes them for the target from the same headers (`C_LAYOUTS`) must equal what
//! Rust computes on the generated types (`RUST_LAYOUTS`). And `arch_ppc64::frame::TrapFrame`, which the
//! glue hands `td->td_frame` as, must be FreeBSD/powerpc64's `struct trapframe` field for field.

use arch_ppc64::frame::TrapFrame;
use core::mem::{offset_of, size_of};

fn check(arch: &str, c: &[(&str, u64)], rust: &[(&str, usize)]) {
    assert_eq!(c.len(), rust.len(), "{arch}: tables differ in length");
    let mut bad = Vec::new();
    for ((cn, cv), (rn, rv)) in c.iter().zip(rust) {
        assert_eq!(cn, rn, "{arch}: tables out of order");
        if *cv != *rv as u64 {
            bad.push(format!("{cn}: C {cv}, Rust {rv}"));
        }
    }
    assert!(bad.is_empty(), "{arch}: layout mismatches:\n{}", bad.join("\n"));
    assert!(c.len() > 150, "{arch}: only {} layout values", c.len());
}

fn c_value(table: &[(&str, u64)], name: &str) -> u64 {
    table.iter().find(|(n, _)| *n == name).map(|(_, v)| *v).unwrap_or_else(|| panic!("{name} not measured"))
}

#[test]
fn powerpc64_bindings_match_the_c_compiler() {
    use freebsd_sys::powerpc64::layout::{C_LAYOUTS, RUST_LAYOUTS};
    check("powerpc64", C_LAYOUTS, RUST_LAYOUTS);
}

#[test]
fn powerpc64le_bindings_match_the_c_compiler() {
    use freebsd_sys::powerpc64le::layout::{C_LAYOUTS, RUST_LAYOUTS};
    check("powerpc64le", C_LAYOUTS, RUST_LAYOUTS);
}

#[test]
fn aarch64_bindings_match_the_c_compiler() {
    use freebsd_sys::aarch64::layout::{C_LAYOUTS, RUST_LAYOUTS};
    check("aarch64", C_LAYOUTS, RUST_LAYOUTS);
}

/// The sizes the reference notes measured for these headers (FreeBSD 15: sysentvec has sv_hwcap3/4).
#[test]
fn known_sizes() {
    for (arch, t, trapframe) in [
        ("powerpc64", freebsd_sys::powerpc64::layout::C_LAYOUTS, 336),
        ("powerpc64le", freebsd_sys::powerpc64le::layout::C_LAYOUTS, 336),
        ("aarch64", freebsd_sys::aarch64::layout::C_LAYOUTS, 288),
    ] {
        let v = |n: &str| c_value(t, n);
        assert_eq!(v("sizeof(struct sysentvec)"), 416, "{arch}");
        assert_eq!(v("sizeof(struct image_params)"), 232, "{arch}");
        assert_eq!(v("sizeof(Elf64_Brandinfo)"), 64, "{arch}");
        assert_eq!(v("sizeof(struct trapframe)"), trapframe, "{arch}");
    }
}

/// `TrapFrame` is `struct trapframe` of powerpc64 (both byte orders): size and every field offset.
#[test]
fn trapframe_is_freebsds() {
    for t in [freebsd_sys::powerpc64::layout::C_LAYOUTS, freebsd_sys::powerpc64le::layout::C_LAYOUTS] {
        let v = |n: &str| c_value(t, n) as usize;
        assert_eq!(size_of::<TrapFrame>(), v("sizeof(struct trapframe)"));
        assert_eq!(size_of::<TrapFrame>(), 336);
        assert_eq!(offset_of!(TrapFrame, fixreg), v("offsetof(struct trapframe, fixreg)"));
        assert_eq!(size_of::<[u64; 32]>(), v("sizeof(struct trapframe.fixreg)"));
        assert_eq!(offset_of!(TrapFrame, lr), v("offsetof(struct trapframe, lr)"));
        assert_eq!(offset_of!(TrapFrame, cr), v("offsetof(struct trapframe, cr)"));
        assert_eq!(offset_of!(TrapFrame, xer), v("offsetof(struct trapframe, xer)"));
        assert_eq!(offset_of!(TrapFrame, ctr), v("offsetof(struct trapframe, ctr)"));
        assert_eq!(offset_of!(TrapFrame, srr0), v("offsetof(struct trapframe, srr0)"));
        assert_eq!(offset_of!(TrapFrame, srr1), v("offsetof(struct trapframe, srr1)"));
        assert_eq!(offset_of!(TrapFrame, exc), v("offsetof(struct trapframe, exc)"));
        assert_eq!(offset_of!(TrapFrame, dar), v("offsetof(struct trapframe, dar)"));
        assert_eq!(offset_of!(TrapFrame, dsisr), v("offsetof(struct trapframe, cpu.aim.dsisr)"));
        assert_eq!(offset_of!(TrapFrame, booke_dbcr0), v("offsetof(struct trapframe, cpu.booke.dbcr0)"));
        for f in ["lr", "cr", "xer", "ctr", "srr0", "srr1", "exc", "dar", "cpu.aim.dsisr", "cpu.booke.dbcr0"]
        {
            assert_eq!(v(&format!("sizeof(struct trapframe.{f})")), 8, "{f}");
        }
    }
    // And bindgen's own trapframe agrees with ours (the glue casts between the two).
    assert_eq!(size_of::<freebsd_sys::powerpc64::trapframe>(), size_of::<TrapFrame>());
}

#[test]
fn release_is_stated() {
    assert!(freebsd_sys::FREEBSD_VERSION >= 1_400_000, "{}", freebsd_sys::FREEBSD_VERSION);
    assert!(!freebsd_sys::FREEBSD_RELEASE.is_empty());
    assert!(!freebsd_sys::HEADERS.is_empty());
}
