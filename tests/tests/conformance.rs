//! Our constants and layouts against Linux's uapi headers, for ppc64, ppc64le and arm64.
//!
//! Each test runs one group of checks over every architecture and fails once, listing every mismatch as
//! `<arch> <NAME>: ours = X, Linux = Y`. To cover a new table, add one `c.check_table(arch, TABLE)` line to
//! [`check_common`], [`check_ppc64`] or [`check_arm64`].

use std::mem::{offset_of, size_of};
use std::panic::{catch_unwind, AssertUnwindSafe};

use abi_conformance::linux::{arm64, ppc64, ppc64le};
use abi_conformance::{bindgen_layouts, constant, constants, layout, layouts, Conformance, ARCHES};
use linux_core::auxv::AUXV_TYPES;
use linux_core::errno::LINUX_ERRNOS;
use linux_core::signal::{si_code, ss_flags, LINUX_SIGNALS, SA_FLAGS};

/// `ss_flags` of `stack_t`. Linux defines `SS_AUTODISARM` as `(1U << 31)`: compare the bit pattern of
/// our `int` values as the `unsigned int` the header uses.
const SS_FLAGS: &[(&str, u32)] = &[
    ("SS_ONSTACK", ss_flags::SS_ONSTACK as u32),
    ("SS_DISABLE", ss_flags::SS_DISABLE as u32),
    ("SS_AUTODISARM", ss_flags::SS_AUTODISARM as u32),
];

/// `si_code` values (`asm-generic/siginfo.h`).
const SI_CODES: &[(&str, i32)] = &[
    ("SI_USER", si_code::SI_USER),
    ("SI_KERNEL", si_code::SI_KERNEL),
    ("SI_QUEUE", si_code::SI_QUEUE),
    ("SI_TKILL", si_code::SI_TKILL),
    ("SEGV_MAPERR", si_code::SEGV_MAPERR),
    ("SEGV_ACCERR", si_code::SEGV_ACCERR),
    ("BUS_ADRALN", si_code::BUS_ADRALN),
    ("ILL_ILLOPC", si_code::ILL_ILLOPC),
    ("ILL_PRVOPC", si_code::ILL_PRVOPC),
    ("TRAP_BRKPT", si_code::TRAP_BRKPT),
    ("FPE_INTDIV", si_code::FPE_INTDIV),
];

/// Tables every architecture must match.
fn check_common(c: &mut Conformance, arch: &str) {
    c.check_table(arch, LINUX_ERRNOS);
    c.check_table(arch, LINUX_SIGNALS);
    c.check_table(arch, SA_FLAGS);
    c.check_table(arch, AUXV_TYPES);
    c.check_table(arch, SS_FLAGS);
    c.check_table(arch, SI_CODES);
    c.check_table(arch, linux_core::futex::FUTEX_OP_VALUES);
}

/// Tables of Linux/powerpc64 (`arch` is "ppc64" or "ppc64le"). Add `arch_ppc64::abi` tables here, e.g.
/// `c.check_table(arch, arch_ppc64::abi::AUXV_TYPES);`.
fn check_ppc64(c: &mut Conformance, arch: &str) {
    c.check_const(arch, "EDEADLOCK", 58u16);
}

/// Tables of Linux/arm64. Add `arch_arm64::abi` tables here.
fn check_arm64(c: &mut Conformance, arch: &str) {
    c.check_const(arch, "EDEADLOCK", 35u16);
}

/// Runs `f` for every architecture and fails with all mismatches at once.
#[track_caller]
fn for_each_arch(f: impl Fn(&mut Conformance, &str)) {
    let mut c = Conformance::new();
    for arch in ARCHES {
        f(&mut c, arch);
    }
    assert!(c.checked() > 0);
    c.finish();
}

// ---- the comparer itself ----------------------------------------------------------------------------

/// The panic message of `f`, which must panic.
fn panic_message(f: impl FnOnce()) -> String {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a conformance failure");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

#[test]
fn comparer_reports_a_wrong_value_with_both_values() {
    let mut c = Conformance::new();
    // EDEADLK is 35 on every architecture: 36 is deliberately wrong.
    c.check_table("ppc64", &[("EPERM", 1u16), ("EDEADLK", 36), ("ENOENT", 2)]);
    assert_eq!(c.checked(), 3);
    assert_eq!(c.mismatches().len(), 1);
    let msg = panic_message(|| c.finish());
    assert!(msg.contains("1 of 3 ABI checks"), "{msg}");
    assert!(msg.contains("ppc64 EDEADLK: ours = 36 (0x24), Linux = 35 (0x23)"), "{msg}");
    assert!(!msg.contains("EPERM") && !msg.contains("ENOENT"), "{msg}");
}

#[test]
fn comparer_fails_when_one_row_of_a_real_table_changes() {
    // Take our real errno table, change one value, and check every architecture: exactly that row fails.
    let mut changed: Vec<(&str, u16)> = LINUX_ERRNOS.to_vec();
    let row = changed.iter_mut().find(|(n, _)| *n == "EAGAIN").expect("EAGAIN in LINUX_ERRNOS");
    row.1 += 1;
    let mut c = Conformance::new();
    for arch in ARCHES {
        c.check_table(arch, &changed);
    }
    let names: Vec<String> = c.mismatches().iter().map(|m| format!("{} {}", m.arch, m.name)).collect();
    assert_eq!(names, ["ppc64 EAGAIN", "ppc64le EAGAIN", "arm64 EAGAIN"]);
    let msg = panic_message(|| c.finish());
    assert!(msg.contains("arm64 EAGAIN: ours = 12 (0xc), Linux = 11 (0xb)"), "{msg}");
}

#[test]
fn comparer_reports_a_name_linux_lacks() {
    let mut c = Conformance::new();
    c.check_table("arm64", &[("SIGHUP", 1u8), ("SIGNOTALINUXSIGNAL", 99)]);
    let msg = panic_message(|| c.finish());
    assert!(
        msg.contains("arm64 SIGNOTALINUXSIGNAL: ours = 99 (0x63), Linux = not defined by this architecture's uapi headers"),
        "{msg}"
    );
}

#[test]
fn comparer_reports_negative_values_and_layouts() {
    let mut c = Conformance::new();
    assert!(c.check_const("ppc64le", "SI_QUEUE", -1));
    assert!(!c.check_const("ppc64le", "SI_TKILL", -5));
    assert!(c.check_layout("ppc64", "offsetof(struct pt_regs, nip)", 256));
    assert!(!c.check_layout("ppc64", "offsetof(struct pt_regs, msr)", 256));
    assert!(!c.check("free-form name", 1u8, None));
    let msg = panic_message(|| c.finish());
    assert!(msg.contains("ppc64le SI_TKILL: ours = -5 (-0x5), Linux = -6 (-0x6)"), "{msg}");
    assert!(
        msg.contains("ppc64 offsetof(struct pt_regs, msr): ours = 256 (0x100), Linux = 264 (0x108)"),
        "{msg}"
    );
    assert!(msg.contains("\n  free-form name: ours = 1 (0x1), Linux = not defined"), "{msg}");
}

#[test]
fn comparer_passes_a_correct_table() {
    let mut c = Conformance::new();
    c.check_table("arm64", &[("EPERM", 1u16), ("SIGKILL", 9), ("AT_PAGESZ", 6)]);
    c.check("ours vs theirs", 7u64, Some(7));
    assert!(c.is_ok(), "{}", c.report());
    assert_eq!(c.checked(), 4);
    c.finish();
}

// ---- the extracted tables ---------------------------------------------------------------------------

#[test]
fn tables_are_sorted_and_evaluated_by_the_target_compiler() {
    for arch in ARCHES {
        for table in [constants(arch), layouts(arch)] {
            assert!(table.len() > 500, "{arch}: only {} entries", table.len());
            assert!(table.windows(2).all(|w| w[0].0 < w[1].0), "{arch}: table not sorted");
        }
    }
    // _IOR('t', 19, struct termios): powerpc's _IOC layout and 44-byte termios; arm64's TCGETS is plain.
    assert_eq!(constant("ppc64", "TCGETS"), Some(0x402c_7413));
    assert_eq!(constant("ppc64le", "TCGETS"), Some(0x402c_7413));
    assert_eq!(constant("arm64", "TCGETS"), Some(0x5401));
    // Unsigned values above i64::MAX and negative ones come back exactly.
    assert_eq!(constant("ppc64", "RLIM_INFINITY"), Some(u64::MAX as i128));
    assert_eq!(constant("arm64", "SI_TKILL"), Some(-6));
    assert_eq!(constant("ppc64", "__NR_rt_sigreturn"), Some(172));
    assert_eq!(constant("arm64", "__NR_rt_sigreturn"), Some(139));
    assert_eq!(constant("ppc64", "NOT_A_LINUX_MACRO"), None);
}

// ---- the conformance checks -------------------------------------------------------------------------

#[test]
fn errno_values() {
    for_each_arch(|c, arch| c.check_table(arch, LINUX_ERRNOS));
}

#[test]
fn signal_numbers() {
    for_each_arch(|c, arch| c.check_table(arch, LINUX_SIGNALS));
}

#[test]
fn sigaction_flags() {
    for_each_arch(|c, arch| c.check_table(arch, SA_FLAGS));
}

#[test]
fn auxv_types() {
    for_each_arch(|c, arch| c.check_table(arch, AUXV_TYPES));
}

#[test]
fn sigaltstack_flags_and_si_codes() {
    for_each_arch(|c, arch| {
        c.check_table(arch, SS_FLAGS);
        c.check_table(arch, SI_CODES);
    });
}

#[test]
fn all_tables_per_arch() {
    for_each_arch(|c, arch| {
        check_common(c, arch);
        match arch {
            "ppc64" | "ppc64le" => check_ppc64(c, arch),
            "arm64" => check_arm64(c, arch),
            _ => unreachable!(),
        }
    });
}

#[test]
fn edeadlock_differs_on_powerpc() {
    assert_eq!(constant("ppc64", "EDEADLOCK"), Some(58));
    assert_eq!(constant("ppc64le", "EDEADLOCK"), Some(58));
    assert_eq!(constant("arm64", "EDEADLOCK"), Some(35));
    assert_eq!(constant("arm64", "EDEADLK"), Some(35));
}

// ---- layouts: bindgen and the target compiler must agree, and match the ABI notes -------------------

#[test]
fn bindgen_layouts_match_the_target_compiler() {
    for_each_arch(|c, arch| {
        for (name, value) in bindgen_layouts(arch) {
            c.check_layout(arch, name, value);
        }
    });
}

/// Asserts `sizeof`/`offsetof` `name` is `expected` by the target compiler and by bindgen (`rust`).
fn both_routes(arch: &str, name: &str, rust: usize, expected: usize) {
    assert_eq!(layout(arch, name), Some(expected as i128), "{arch} {name} by the target compiler");
    assert_eq!(rust, expected, "{arch} {name} by bindgen");
}

macro_rules! ppc64_smoke {
    ($arch:literal, $m:ident) => {{
        use $m::types::{pt_regs, sigcontext, siginfo_t, stack_t, termios, ucontext};
        both_routes($arch, "sizeof(struct pt_regs)", size_of::<pt_regs>(), 352);
        both_routes($arch, "offsetof(struct pt_regs, nip)", offset_of!(pt_regs, nip), 256);
        both_routes($arch, "offsetof(struct pt_regs, orig_gpr3)", offset_of!(pt_regs, orig_gpr3), 272);
        both_routes($arch, "offsetof(struct pt_regs, result)", offset_of!(pt_regs, result), 344);
        both_routes($arch, "sizeof(struct sigcontext)", size_of::<sigcontext>(), 1528);
        both_routes($arch, "offsetof(struct sigcontext, regs)", offset_of!(sigcontext, regs), 56);
        both_routes($arch, "offsetof(struct sigcontext, gp_regs)", offset_of!(sigcontext, gp_regs), 64);
        both_routes($arch, "offsetof(struct sigcontext, fp_regs)", offset_of!(sigcontext, fp_regs), 448);
        both_routes($arch, "offsetof(struct sigcontext, v_regs)", offset_of!(sigcontext, v_regs), 712);
        both_routes(
            $arch,
            "offsetof(struct sigcontext, vmx_reserve)",
            offset_of!(sigcontext, vmx_reserve),
            720,
        );
        both_routes($arch, "sizeof(struct ucontext)", size_of::<ucontext>(), 1696);
        both_routes($arch, "offsetof(struct ucontext, uc_stack)", offset_of!(ucontext, uc_stack), 16);
        both_routes($arch, "offsetof(struct ucontext, uc_sigmask)", offset_of!(ucontext, uc_sigmask), 40);
        both_routes($arch, "offsetof(struct ucontext, uc_mcontext)", offset_of!(ucontext, uc_mcontext), 168);
        both_routes($arch, "sizeof(stack_t)", size_of::<stack_t>(), 24);
        both_routes($arch, "sizeof(siginfo_t)", size_of::<siginfo_t>(), 128);
        both_routes($arch, "sizeof(struct termios)", size_of::<termios>(), 44);
        both_routes($arch, "offsetof(struct termios, c_line)", offset_of!(termios, c_line), 35);
    }};
}

#[test]
fn ppc64_layouts() {
    ppc64_smoke!("ppc64", ppc64);
    ppc64_smoke!("ppc64le", ppc64le);
    assert_eq!(constant("ppc64", "ELF_NGREG"), Some(48));
    assert_eq!(constant("ppc64", "ELF_NFPREG"), Some(33));
    assert_eq!(constant("ppc64", "ELF_NVRREG"), Some(34));
}

#[test]
fn arm64_layouts() {
    use arm64::types::{
        _aarch64_ctx, esr_context, fpsimd_context, sigcontext, stack_t, ucontext, user_fpsimd_state,
        user_pt_regs,
    };
    let a = "arm64";
    both_routes(a, "sizeof(struct sigcontext)", size_of::<sigcontext>(), 4384);
    both_routes(a, "offsetof(struct sigcontext, __reserved)", offset_of!(sigcontext, __reserved), 288);
    both_routes(a, "sizeof(struct ucontext)", size_of::<ucontext>(), 4560);
    both_routes(a, "offsetof(struct ucontext, uc_mcontext)", offset_of!(ucontext, uc_mcontext), 176);
    both_routes(a, "sizeof(struct user_pt_regs)", size_of::<user_pt_regs>(), 272);
    both_routes(a, "sizeof(struct user_fpsimd_state)", size_of::<user_fpsimd_state>(), 528);
    both_routes(a, "sizeof(struct _aarch64_ctx)", size_of::<_aarch64_ctx>(), 8);
    both_routes(a, "sizeof(struct fpsimd_context)", size_of::<fpsimd_context>(), 528);
    both_routes(a, "offsetof(struct fpsimd_context, vregs)", offset_of!(fpsimd_context, vregs), 16);
    both_routes(a, "sizeof(struct esr_context)", size_of::<esr_context>(), 16);
    both_routes(a, "sizeof(stack_t)", size_of::<stack_t>(), 24);
    assert_eq!(constant(a, "FPSIMD_MAGIC"), Some(0x4650_8001));
    assert_eq!(constant(a, "ESR_MAGIC"), Some(0x4553_5201));
}
