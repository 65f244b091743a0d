//! Linux/powerpc64 specifics against the ppc64 and ppc64le headers: the arch-ppc64 constant tables, the
//! signal frame structures field by field, the pt_regs indices, the siginfo offsets our encoder writes,
//! and the syscall table against `asm/unistd_64.h`.

use std::mem::{offset_of, size_of};

use abi_conformance::{constants, layout, Conformance};
use arch_ppc64::abi;
use arch_ppc64::signal::{RtSigFrame, SigContext, SigStack, UContext, RT_SIGFRAME_SIZE};
use arch_ppc64::stat::Stat;
use arch_ppc64::syscall_table::{PPC64_NI_SYSCALLS, PPC64_SYSCALLS};
use zerocopy::BigEndian;

const PPC: [&str; 2] = ["ppc64", "ppc64le"];

fn check_layout(c: &mut Conformance, arch: &str, name: &str, ours: usize) {
    c.check(&format!("{arch} {name}"), ours as i128, layout(arch, name));
}

#[test]
fn arch_tables_match_the_headers() {
    let mut c = Conformance::new();
    for arch in PPC {
        c.check_table(arch, abi::AUXV_TYPES);
        c.check_table(arch, abi::HWCAP_BITS);
        c.check_table(arch, abi::HWCAP2_BITS);
        let pt: Vec<(&str, u64)> = abi::PT_INDICES.iter().map(|(n, v)| (*n, *v as u64)).collect();
        c.check_table(arch, &pt);
        c.check_table(arch, abi::SIGNAL_SIZES);
        c.check_table(arch, abi::ERRNO_OVERRIDES);
        c.check_table(arch, arch_ppc64::ptrace::PTRACE_VALUES);
    }
    c.finish();
}

#[test]
fn signal_frame_structures_match_the_headers() {
    type Sc = SigContext<BigEndian>;
    type Uc = UContext<BigEndian>;
    type St = SigStack<BigEndian>;
    let mut c = Conformance::new();
    for arch in PPC {
        let l = &mut c;
        check_layout(l, arch, "sizeof(struct sigcontext)", size_of::<Sc>());
        check_layout(l, arch, "offsetof(struct sigcontext, _unused)", offset_of!(Sc, unused));
        check_layout(l, arch, "offsetof(struct sigcontext, signal)", offset_of!(Sc, signal));
        check_layout(l, arch, "offsetof(struct sigcontext, _pad0)", offset_of!(Sc, pad0));
        check_layout(l, arch, "offsetof(struct sigcontext, handler)", offset_of!(Sc, handler));
        check_layout(l, arch, "offsetof(struct sigcontext, oldmask)", offset_of!(Sc, oldmask));
        check_layout(l, arch, "offsetof(struct sigcontext, regs)", offset_of!(Sc, regs));
        check_layout(l, arch, "offsetof(struct sigcontext, gp_regs)", offset_of!(Sc, gp_regs));
        check_layout(l, arch, "offsetof(struct sigcontext, fp_regs)", offset_of!(Sc, fp_regs));
        check_layout(l, arch, "offsetof(struct sigcontext, v_regs)", offset_of!(Sc, v_regs));
        check_layout(l, arch, "offsetof(struct sigcontext, vmx_reserve)", offset_of!(Sc, vmx_reserve));
        check_layout(l, arch, "sizeof(struct sigcontext.vmx_reserve)", size_of::<[u64; 101]>());
        check_layout(l, arch, "sizeof(struct ucontext)", size_of::<Uc>());
        check_layout(l, arch, "offsetof(struct ucontext, uc_flags)", offset_of!(Uc, uc_flags));
        check_layout(l, arch, "offsetof(struct ucontext, uc_link)", offset_of!(Uc, uc_link));
        check_layout(l, arch, "offsetof(struct ucontext, uc_stack)", offset_of!(Uc, uc_stack));
        check_layout(l, arch, "offsetof(struct ucontext, uc_sigmask)", offset_of!(Uc, uc_sigmask));
        check_layout(l, arch, "offsetof(struct ucontext, uc_mcontext)", offset_of!(Uc, uc_mcontext));
        check_layout(l, arch, "sizeof(stack_t)", size_of::<St>());
        check_layout(l, arch, "offsetof(stack_t, ss_sp)", offset_of!(St, ss_sp));
        check_layout(l, arch, "offsetof(stack_t, ss_flags)", offset_of!(St, ss_flags));
        check_layout(l, arch, "offsetof(stack_t, ss_size)", offset_of!(St, ss_size));
        check_layout(l, arch, "sizeof(siginfo_t)", linux_core::signal::SigInfo::SIZE);
        // rt_sigframe is kernel-internal (arch/powerpc/kernel/signal_64.c): its parts are uapi types.
        let siginfo = layout(arch, "sizeof(siginfo_t)").unwrap_or(0) as usize;
        let uc = layout(arch, "sizeof(struct ucontext)").unwrap_or(0) as usize;
        let expect = uc + 2 * 8 + 7 * 4 + 4 + 2 * 8 + siginfo + abi::USER_REDZONE_SIZE as usize;
        l.check(
            &format!("{arch} sizeof(struct rt_sigframe)"),
            RT_SIGFRAME_SIZE as i128,
            Some(expect as i128),
        );
        l.check(
            &format!("{arch} offsetof(struct rt_sigframe, info)"),
            offset_of!(RtSigFrame<BigEndian>, info) as i128,
            Some((uc + 16 + 32 + 16) as i128),
        );
    }
    c.finish();
}

#[test]
fn pt_regs_indices_are_the_field_offsets() {
    let mut c = Conformance::new();
    for arch in PPC {
        for (field, index) in [
            ("nip", abi::PT_NIP),
            ("msr", abi::PT_MSR),
            ("orig_gpr3", abi::PT_ORIG_R3),
            ("ctr", abi::PT_CTR),
            ("link", abi::PT_LNK),
            ("xer", abi::PT_XER),
            ("ccr", abi::PT_CCR),
            ("softe", abi::PT_SOFTE),
            ("trap", abi::PT_TRAP),
            ("dar", abi::PT_DAR),
            ("dsisr", abi::PT_DSISR),
            ("result", abi::PT_RESULT),
        ] {
            let name = format!("offsetof(struct pt_regs, {field})");
            c.check(&format!("{arch} {name}"), (index * 8) as i128, layout(arch, &name));
        }
        check_layout(&mut c, arch, "sizeof(struct pt_regs)", abi::PT_REGS_COUNT * 8);
    }
    c.finish();
}

#[test]
fn siginfo_encoder_writes_at_the_header_offsets() {
    let mut c = Conformance::new();
    for arch in PPC.into_iter().chain(["arm64"]) {
        for (field, ours) in [
            ("si_signo", 0),
            ("si_errno", 4),
            ("si_code", 8),
            ("_sifields._kill._pid", 16),
            ("_sifields._kill._uid", 20),
            ("_sifields._rt._sigval", 24),
            ("_sifields._sigchld._status", 24),
            ("_sifields._sigchld._utime", 32),
            ("_sifields._sigchld._stime", 40),
            ("_sifields._sigfault._addr", 16),
            ("_sifields._sigpoll._band", 16),
            ("_sifields._sigpoll._fd", 24),
        ] {
            check_layout(&mut c, arch, &format!("offsetof(siginfo_t, {field})"), ours);
        }
    }
    c.finish();
}

#[test]
fn syscall_table_matches_unistd_64() {
    for arch in PPC {
        let mut c = Conformance::new();
        let mut seen = 0;
        for (name, value) in constants(arch).iter().filter(|(n, _)| n.starts_with("__NR_")) {
            let sys = &name[5..];
            let nr = *value as usize;
            let ours = PPC64_SYSCALLS.get(nr).copied().flatten();
            let ni = PPC64_NI_SYSCALLS.iter().any(|(n, s)| *n as usize == nr && *s == sys);
            let ok = ours.is_some_and(|s| s.name() == sys) || ni;
            c.check(&format!("{arch} {name} handled as {sys}"), i128::from(ok), Some(1));
            seen += 1;
        }
        // And every entry of ours is a number the header defines under the same name.
        for (nr, entry) in PPC64_SYSCALLS.iter().enumerate() {
            if let Some(sys) = entry {
                let name = format!("__NR_{}", sys.name());
                c.check(&format!("{arch} {name}"), nr as i128, abi_conformance::constant(arch, &name));
            }
        }
        assert!(seen > 350, "{arch}: only {seen} __NR_ constants evaluated");
        c.finish();
    }
}

#[test]
fn struct_stat_matches_the_headers() {
    type S = Stat<BigEndian>;
    let mut c = Conformance::new();
    for arch in PPC {
        check_layout(&mut c, arch, "sizeof(struct stat)", size_of::<S>());
        for (field, ours) in [
            ("st_dev", offset_of!(S, st_dev)),
            ("st_ino", offset_of!(S, st_ino)),
            ("st_nlink", offset_of!(S, st_nlink)),
            ("st_mode", offset_of!(S, st_mode)),
            ("st_uid", offset_of!(S, st_uid)),
            ("st_gid", offset_of!(S, st_gid)),
            ("st_rdev", offset_of!(S, st_rdev)),
            ("st_size", offset_of!(S, st_size)),
            ("st_blksize", offset_of!(S, st_blksize)),
            ("st_blocks", offset_of!(S, st_blocks)),
            ("st_atime", offset_of!(S, st_atime)),
            ("st_atime_nsec", offset_of!(S, st_atime_nsec)),
            ("st_mtime", offset_of!(S, st_mtime)),
            ("st_mtime_nsec", offset_of!(S, st_mtime_nsec)),
            ("st_ctime", offset_of!(S, st_ctime)),
            ("st_ctime_nsec", offset_of!(S, st_ctime_nsec)),
        ] {
            check_layout(&mut c, arch, &format!("offsetof(struct stat, {field})"), ours);
        }
    }
    c.finish();
}
