//! Linux/arm64 specifics against the arm64 headers: the arch-arm64 constant tables (HWCAP/HWCAP2 bits,
//! sigcontext magics, PSTATE bits, signal stack sizes), the signal frame structures field by field, the
//! generic tables arm64 shares, and the syscall table against `asm/unistd.h`.

use std::mem::{offset_of, size_of};

use abi_conformance::{constant, constants, layout, Conformance};
use arch_arm64::abi;
use arch_arm64::hwcap::{Cap, HWCAP_ROWS};
use arch_arm64::signal::{
    CtxHeader, EsrContext, ExtraContext, FpsimdContext, SigContext, SigStack, UContext, ESR_CONTEXT_SIZE,
    FPSIMD_CONTEXT_SIZE, FRAME_RESERVED, FRAME_UC, MIN_SIGSTKSZ, RT_SIGFRAME_SIZE,
};
use arch_arm64::syscall_table::{ARM64_NI_SYSCALLS, ARM64_SYSCALLS};
use zerocopy::LittleEndian;

const A: &str = "arm64";

fn check_layout(c: &mut Conformance, name: &str, ours: usize) {
    c.check(&format!("{A} {name}"), ours as i128, layout(A, name));
}

#[test]
fn arch_tables_match_the_headers() {
    let mut c = Conformance::new();
    c.check_table(A, abi::HWCAP_BITS);
    c.check_table(A, abi::HWCAP2_BITS);
    c.check_table(A, abi::SIGCONTEXT_MAGICS);
    c.check_table(A, arch_arm64::ptrace::PTRACE_VALUES);
    c.check_table(A, abi::PSR_BITS);
    c.check_table(A, abi::SIGNAL_SIZES);
    c.check_table(A, abi::AUXV_CONSTS);
    c.check_table(A, arch_arm64::consts::O_FLAGS);
    // The generic tables arm64 uses as they are.
    c.check_table(A, linux_core::auxv::AUXV_TYPES);
    c.check_table(A, linux_core::signal::LINUX_SIGNALS);
    c.check_table(A, linux_core::signal::SA_FLAGS);
    c.check_table(A, linux_core::errno::LINUX_ERRNOS);
    c.finish();
}

#[test]
fn every_hwcap_the_headers_define_is_in_our_tables() {
    // Nothing of Linux 6.1's asm/hwcap.h is missing from ours (the tables are checked for values above).
    let mut c = Conformance::new();
    for (name, value) in
        constants(A).iter().filter(|(n, _)| n.starts_with("HWCAP_") || n.starts_with("HWCAP2_"))
    {
        let ours = abi::HWCAP_BITS
            .iter()
            .chain(abi::HWCAP2_BITS)
            .find(|(n, _)| n == name)
            .map(|(_, v)| i128::from(*v));
        c.check(&format!("{A} {name} in arch_arm64::abi"), ours.unwrap_or(-1), Some(*value));
    }
    // And every hwcap row names a bit of its word.
    for r in HWCAP_ROWS {
        let (table, bit) = match r.cap {
            Cap::Hwcap(b) => (abi::HWCAP_BITS, b),
            Cap::Hwcap2(b) => (abi::HWCAP2_BITS, b),
        };
        c.check(&format!("{A} row {}", r.field), i128::from(table.iter().any(|(_, v)| *v == bit)), Some(1));
    }
    assert!(c.checked() > 60);
    c.finish();
}

#[test]
fn signal_frame_structures_match_the_headers() {
    type Sc = SigContext<LittleEndian>;
    type Uc = UContext<LittleEndian>;
    type St = SigStack<LittleEndian>;
    type Fp = FpsimdContext<LittleEndian>;
    type Esr = EsrContext<LittleEndian>;
    type Ex = ExtraContext<LittleEndian>;
    type Hd = CtxHeader<LittleEndian>;
    let mut c = Conformance::new();
    let l = &mut c;
    check_layout(l, "sizeof(struct sigcontext)", size_of::<Sc>());
    check_layout(l, "offsetof(struct sigcontext, fault_address)", offset_of!(Sc, fault_address));
    check_layout(l, "offsetof(struct sigcontext, regs)", offset_of!(Sc, regs));
    check_layout(l, "sizeof(struct sigcontext.regs)", size_of::<[u64; 31]>());
    check_layout(l, "offsetof(struct sigcontext, sp)", offset_of!(Sc, sp));
    check_layout(l, "offsetof(struct sigcontext, pc)", offset_of!(Sc, pc));
    check_layout(l, "offsetof(struct sigcontext, pstate)", offset_of!(Sc, pstate));
    check_layout(l, "offsetof(struct sigcontext, __reserved)", offset_of!(Sc, reserved));
    check_layout(l, "sizeof(struct sigcontext.__reserved)", arch_arm64::signal::RESERVED_SIZE);
    check_layout(l, "sizeof(struct ucontext)", size_of::<Uc>());
    check_layout(l, "offsetof(struct ucontext, uc_flags)", offset_of!(Uc, uc_flags));
    check_layout(l, "offsetof(struct ucontext, uc_link)", offset_of!(Uc, uc_link));
    check_layout(l, "offsetof(struct ucontext, uc_stack)", offset_of!(Uc, uc_stack));
    check_layout(l, "offsetof(struct ucontext, uc_sigmask)", offset_of!(Uc, uc_sigmask));
    check_layout(l, "offsetof(struct ucontext, __unused)", offset_of!(Uc, unused));
    check_layout(l, "sizeof(struct ucontext.__unused)", size_of::<[u8; 120]>());
    check_layout(l, "offsetof(struct ucontext, uc_mcontext)", offset_of!(Uc, uc_mcontext));
    check_layout(l, "sizeof(stack_t)", size_of::<St>());
    check_layout(l, "offsetof(stack_t, ss_sp)", offset_of!(St, ss_sp));
    check_layout(l, "offsetof(stack_t, ss_flags)", offset_of!(St, ss_flags));
    check_layout(l, "offsetof(stack_t, ss_size)", offset_of!(St, ss_size));
    check_layout(l, "sizeof(struct _aarch64_ctx)", size_of::<Hd>());
    check_layout(l, "offsetof(struct _aarch64_ctx, magic)", offset_of!(Hd, magic));
    check_layout(l, "offsetof(struct _aarch64_ctx, size)", offset_of!(Hd, size));
    check_layout(l, "sizeof(struct fpsimd_context)", size_of::<Fp>());
    check_layout(l, "sizeof(struct fpsimd_context)", FPSIMD_CONTEXT_SIZE as usize);
    check_layout(l, "offsetof(struct fpsimd_context, head)", offset_of!(Fp, head));
    check_layout(l, "offsetof(struct fpsimd_context, fpsr)", offset_of!(Fp, fpsr));
    check_layout(l, "offsetof(struct fpsimd_context, fpcr)", offset_of!(Fp, fpcr));
    check_layout(l, "offsetof(struct fpsimd_context, vregs)", offset_of!(Fp, vregs));
    check_layout(l, "sizeof(struct esr_context)", size_of::<Esr>());
    check_layout(l, "sizeof(struct esr_context)", ESR_CONTEXT_SIZE as usize);
    check_layout(l, "offsetof(struct esr_context, esr)", offset_of!(Esr, esr));
    check_layout(l, "sizeof(struct extra_context)", size_of::<Ex>());
    check_layout(l, "offsetof(struct extra_context, datap)", offset_of!(Ex, datap));
    check_layout(l, "offsetof(struct extra_context, size)", offset_of!(Ex, size));
    check_layout(l, "offsetof(struct extra_context, __reserved)", offset_of!(Ex, reserved));
    check_layout(l, "sizeof(siginfo_t)", linux_core::signal::SigInfo::SIZE);
    // rt_sigframe and frame_record are kernel-internal (arch/arm64/kernel/signal.c): siginfo then
    // ucontext, a 16-byte {fp, lr} record above; their parts are uapi types.
    let siginfo = layout(A, "sizeof(siginfo_t)").unwrap_or(0);
    let uc = layout(A, "sizeof(struct ucontext)").unwrap_or(0);
    let mc = layout(A, "offsetof(struct ucontext, uc_mcontext)").unwrap_or(0);
    let reserved = layout(A, "offsetof(struct sigcontext, __reserved)").unwrap_or(0);
    l.check("arm64 sizeof(struct rt_sigframe)", i128::from(RT_SIGFRAME_SIZE as u32), Some(siginfo + uc));
    l.check("arm64 offsetof(struct rt_sigframe, uc)", i128::from(FRAME_UC as u32), Some(siginfo));
    l.check(
        "arm64 offsetof(struct rt_sigframe, uc.uc_mcontext.__reserved)",
        i128::from(FRAME_RESERVED as u32),
        Some(siginfo + mc + reserved),
    );
    // AT_MINSIGSTKSZ as Linux's minsigstksz_setup computes it without SVE/SME: round_up(max(frame
    // with fpsimd + esr + terminator, rt_sigframe), 16) + round_up(frame_record, 16) + 16.
    let fpsimd = layout(A, "sizeof(struct fpsimd_context)").unwrap_or(0);
    let esr = layout(A, "sizeof(struct esr_context)").unwrap_or(0);
    let r16 = |v: i128| (v + 15) & !15;
    let records = siginfo + mc + reserved + r16(fpsimd) + r16(esr) + 16;
    let linux = r16(records.max(siginfo + uc)) + 16 + 16;
    l.check("arm64 AT_MINSIGSTKSZ", i128::from(MIN_SIGSTKSZ as u32), Some(linux));
    c.finish();
}

#[test]
fn user_pt_regs_is_the_sigcontext_register_block() {
    // sigcontext.regs/sp/pc/pstate have user_pt_regs' layout, one word further on.
    type Sc = SigContext<LittleEndian>;
    let mut c = Conformance::new();
    for (field, ours) in [
        ("regs", offset_of!(Sc, regs)),
        ("sp", offset_of!(Sc, sp)),
        ("pc", offset_of!(Sc, pc)),
        ("pstate", offset_of!(Sc, pstate)),
    ] {
        let name = format!("offsetof(struct user_pt_regs, {field})");
        c.check(&format!("{A} {name} + 8"), (ours) as i128, layout(A, &name).map(|v| v + 8));
    }
    check_layout(&mut c, "sizeof(struct user_pt_regs)", offset_of!(Sc, pstate) + 8 - offset_of!(Sc, regs));
    check_layout(&mut c, "sizeof(struct user_fpsimd_state.vregs)", size_of::<[u128; 32]>());
    c.finish();
}

#[test]
fn syscall_table_matches_unistd() {
    let mut c = Conformance::new();
    let mut seen = 0;
    for (name, value) in constants(A).iter().filter(|(n, _)| n.starts_with("__NR_")) {
        let sys = &name[5..];
        // Not syscalls: the table size and the base of the (empty on arm64) arch-specific range.
        if sys == "syscalls" || sys == "arch_specific_syscall" {
            continue;
        }
        let nr = *value as usize;
        let ours = ARM64_SYSCALLS.get(nr).copied().flatten();
        let ni = ARM64_NI_SYSCALLS.iter().any(|(n, s)| *n as usize == nr && *s == sys);
        let ok = ours.is_some_and(|s| s.name() == sys) || ni;
        c.check(&format!("{A} {name} handled as {sys}"), i128::from(ok), Some(1));
        seen += 1;
    }
    // And every entry of ours is a number the header defines under the same name.
    for (nr, entry) in ARM64_SYSCALLS.iter().enumerate() {
        if let Some(sys) = entry {
            let name = format!("__NR_{}", sys.name());
            c.check(&format!("{A} {name}"), nr as i128, constant(A, &name));
        }
    }
    assert!(seen > 290, "only {seen} __NR_ constants evaluated");
    assert_eq!(constant(A, "__NR_syscalls"), Some(ARM64_SYSCALLS.len() as i128));
    c.finish();
}
