//! Exec on arm64: the bytes of the initial stack, the registers a new program starts with, the brand,
//! and AT_HWCAP/AT_HWCAP2 from the ID registers.

use arch_arm64::abi::*;
use arch_arm64::frame::{Arm64Thread, FpSimdState, TrapFrame};
use arch_arm64::hwcap::{linux_hwcaps, HWCAP_ROWS};
use arch_arm64::signal::MIN_SIGSTKSZ;
use arch_arm64::{Arm64, Arm64Cpu, BRANDS, BRAND_ARM64};
use linux_core::auxv::*;
use linux_core::elf::{select_brand, Elf64Header, Endian, EM_AARCH64, EM_PPC64};
use linux_core::errno::LinuxErrno;
use linux_core::exec::{
    copyout_initial_stack, parse_initial_stack, ExecArgs, ExecImageInfo, InitialStack, StackLimits,
};
use linux_core::hooks::{ExecEntry, ExecHooks, LinuxAbi};
use linux_core::sim::{Prot, SimUserMemory};
use zerocopy::{BigEndian, ByteOrder, LittleEndian};

const TOP: u64 = 0x1_0000_0000;
const RANDOM: [u8; 16] = *b"0123456789abcdef";
const N1_HWCAP: u64 = 0x1011_9fff;

fn info() -> ExecImageInfo {
    ExecImageInfo {
        phdr: 0x40_0040,
        phent: 56,
        phnum: 10,
        interp_base: 0xffff_b7fc_0000,
        entry: 0x40_0580,
        flags: 0,
        uid: 1001,
        euid: 1002,
        gid: 1003,
        egid: 1004,
        secure: false,
        page_size: 4096,
        clock_ticks: 100,
        vdso_base: Some(0xffff_b7ff_e000),
    }
}

fn stack_mem() -> SimUserMemory {
    let mut m = SimUserMemory::new();
    m.map(TOP - 0x10000, 0x10000, Prot::READ | Prot::WRITE);
    m
}

fn word<E: ByteOrder>(v: u64) -> [u8; 8] {
    let mut b = [0u8; 8];
    linux_core::bytes::FieldWriter::<E>::new(&mut b).u64(0, v);
    b
}

/// The initial stack for `prog -x` with `A=1`, checked byte for byte against a layout computed by hand
/// from Linux's `create_elf_tables`.
fn exact_initial_stack<E: ByteOrder>(platform: &[u8]) {
    let arm = Arm64::<E>::new(Arm64Cpu::NEOVERSE_N1);
    let mut mem = stack_mem();
    let args = ExecArgs::new(b"prog\0-x\0A=1\0", 2, 1).unwrap();
    let st = copyout_initial_stack(
        &arm,
        &mut mem,
        TOP,
        &args,
        b"/bin/prog",
        &info(),
        &RANDOM,
        &StackLimits::default(),
    )
    .unwrap();

    // Zero word at top-8, "/bin/prog\0" (10) below it at 0xFFFF_FFEE, the 12 bytes of strings at
    // 0xFFFF_FFE2; rounded down to 0xFFFF_FFE0, then the platform string ("aarch64\0" = 8 bytes, or
    // "aarch64_be\0" = 11), no base platform, the random bytes; 21 auxv pairs and 6 words of
    // argc/argv/envp below, rounded down to 16.
    let plat = 0xFFFF_FFE0 - (platform.len() as u64 + 1);
    let random = plat - 16;
    let sp = (random - 48 * 8) & !15;
    assert_eq!(st.execfn, 0xFFFF_FFEE);
    assert_eq!(st.platform, Some(plat));
    assert_eq!(st.base_platform, None);
    assert_eq!(st.random, random);
    assert_eq!(st.sp, sp);
    assert_eq!((st.argv, st.envp, st.auxv, st.auxv_len), (sp + 8, sp + 32, sp + 48, 21));
    if platform == b"aarch64" {
        assert_eq!((plat, random, sp), (0xFFFF_FFD8, 0xFFFF_FFC8, 0xFFFF_FE40));
    }

    let strings_at = 0xFFFF_FFE2u64;
    let mut expect: Vec<u8> = Vec::new();
    for w in [2, strings_at, strings_at + 5, 0, strings_at + 8, 0] {
        expect.extend(word::<E>(w));
    }
    let i = info();
    let auxv: [(u64, u64); 21] = [
        (AT_SYSINFO_EHDR, 0xffff_b7ff_e000),
        (AT_MINSIGSTKSZ, 4720),
        (AT_HWCAP, N1_HWCAP),
        (AT_PAGESZ, 4096),
        (AT_CLKTCK, 100),
        (AT_PHDR, i.phdr),
        (AT_PHENT, 56),
        (AT_PHNUM, 10),
        (AT_BASE, i.interp_base),
        (AT_FLAGS, 0),
        (AT_ENTRY, i.entry),
        (AT_UID, 1001),
        (AT_EUID, 1002),
        (AT_GID, 1003),
        (AT_EGID, 1004),
        (AT_SECURE, 0),
        (AT_RANDOM, random),
        (AT_HWCAP2, 0),
        (AT_EXECFN, 0xFFFF_FFEE),
        (AT_PLATFORM, plat),
        (AT_NULL, 0),
    ];
    for (k, v) in auxv {
        expect.extend(word::<E>(k));
        expect.extend(word::<E>(v));
    }
    // Padding between the end of auxv and the random bytes.
    let auxv_end = sp + 48 + 21 * 16;
    expect.extend(vec![0u8; (random - auxv_end) as usize]);
    expect.extend(RANDOM);
    expect.extend(platform);
    expect.push(0);
    expect.extend([0u8; 2]); // rounding gap between the strings and the platform string
    expect.extend(b"prog\0-x\0A=1\0/bin/prog\0");
    expect.extend([0u8; 8]);
    assert_eq!(expect.len() as u64, TOP - st.sp);
    assert_eq!(mem.peek(st.sp, expect.len()).unwrap(), expect);

    // And a C runtime reads it back.
    let parsed = parse_initial_stack::<E, _>(&mem, st.sp).unwrap();
    assert_eq!(parsed.argv, vec![b"prog".to_vec(), b"-x".to_vec()]);
    assert_eq!(parsed.auxv.len(), 20);
}

#[test]
fn exact_initial_stack_little_endian() {
    exact_initial_stack::<LittleEndian>(b"aarch64");
}

#[test]
fn exact_initial_stack_big_endian() {
    exact_initial_stack::<BigEndian>(b"aarch64_be");
}

#[test]
fn no_vdso_means_no_at_sysinfo_ehdr() {
    let arm = Arm64::<LittleEndian>::new(Arm64Cpu::NEOVERSE_N1);
    let mut mem = stack_mem();
    let args = ExecArgs::new(b"a\0", 1, 0).unwrap();
    let i = ExecImageInfo { vdso_base: None, ..info() };
    let st = copyout_initial_stack(&arm, &mut mem, TOP, &args, b"/a", &i, &RANDOM, &StackLimits::default())
        .unwrap();
    let p = parse_initial_stack::<LittleEndian, _>(&mem, st.sp).unwrap();
    assert_eq!(p.auxv[0], (AT_MINSIGSTKSZ, MIN_SIGSTKSZ));
    assert!(p.auxv.iter().all(|(k, _)| *k != AT_SYSINFO_EHDR && *k != AT_BASE_PLATFORM));
}

#[test]
fn oversized_and_unmapped_stacks_fail_cleanly() {
    let arm = Arm64::<LittleEndian>::new(Arm64Cpu::NEOVERSE_N1);
    let many: Vec<u8> =
        std::iter::repeat_n(b"0123456789abcdef\0".as_slice(), 4096).flatten().copied().collect();
    let args = ExecArgs::new(&many, 4096, 0).unwrap();
    let mut mem = stack_mem();
    let limits = StackLimits { max_args_bytes: 64 * 1024, stack_bottom: 0 };
    let err =
        copyout_initial_stack(&arm, &mut mem, TOP, &args, b"/p", &info(), &RANDOM, &limits).unwrap_err();
    assert_eq!(err, LinuxErrno::E2BIG);
    assert_eq!(mem.copy_out_calls, 0, "nothing may be written before the size check");
    let mut small = SimUserMemory::new();
    small.map(TOP - 0x1000, 0x1000, Prot::READ | Prot::WRITE);
    let strings: Vec<u8> = std::iter::repeat_n(b"x\0".as_slice(), 600).flatten().copied().collect();
    let args = ExecArgs::new(&strings, 600, 0).unwrap();
    let err =
        copyout_initial_stack(&arm, &mut small, TOP, &args, b"/p", &info(), &RANDOM, &StackLimits::default());
    assert_eq!(err.unwrap_err(), LinuxErrno::EFAULT);
}

fn dirty_thread() -> Arm64Thread {
    let mut t = Arm64Thread::default();
    for (i, r) in t.frame.tf_x.iter_mut().enumerate() {
        *r = 0xdead_0000 + i as u64;
    }
    t.frame.tf_lr = 0x1234;
    t.frame.tf_sp = 0x7777_0000;
    t.frame.tf_elr = 0x4242;
    t.frame.tf_spsr = PSR_MODE_EL1h | PSR_DAIF | PSR_N_BIT;
    t.frame.tf_esr = 0x5600_0000;
    t.frame.tf_far = 0x99;
    t.fpsimd = FpSimdState { vregs: [u128::MAX; 32], fpsr: 0x1f, fpcr: 0x0400_0000, used: true };
    t.fault_address = 0x10;
    t.fault_code = 0x9200_0007;
    t
}

fn stack_at(sp: u64) -> InitialStack {
    InitialStack { sp, ..InitialStack::default() }
}

#[test]
fn registers_after_exec() {
    let arm = Arm64::<LittleEndian>::new(Arm64Cpu::NEOVERSE_N1);
    let mut t = dirty_thread();
    let entry = ExecEntry { entry: 0xffff_b7fd_1c40, reloc_base: 0xffff_b7fc_0000 };
    arm.exec_setregs(&mut t, &SimUserMemory::new(), &entry, &stack_at(0xffff_ffff_e3d0)).unwrap();
    let expect = TrapFrame { tf_sp: 0xffff_ffff_e3d0, tf_elr: 0xffff_b7fd_1c40, ..TrapFrame::default() };
    assert_eq!(t.frame, expect, "x0..x30 zero, sp, pc = entry (no descriptor, no relocation), PSTATE 0");
    assert_eq!(t.frame.tf_spsr, PSR_MODE_EL0t);
    assert_eq!(t.fpsimd, FpSimdState::default());
    assert_eq!((t.fault_address, t.fault_code), (0, 0));
}

#[test]
fn a_misaligned_stack_pointer_is_refused() {
    let arm = Arm64::<LittleEndian>::new(Arm64Cpu::NEOVERSE_N1);
    let before = dirty_thread();
    let mut t = before;
    let r = arm.exec_setregs(&mut t, &SimUserMemory::new(), &ExecEntry::default(), &stack_at(0x7fff_0008));
    assert_eq!(r, Err(LinuxErrno::EINVAL));
    assert_eq!(t, before);
}

fn elf_header(machine: u16, endian: Endian, flags: u32) -> [u8; 64] {
    let mut h = [0u8; 64];
    h[..4].copy_from_slice(b"\x7fELF");
    h[4] = 2;
    h[5] = if endian == Endian::Little { 1 } else { 2 };
    h[6] = 1;
    let put = |h: &mut [u8; 64], off: usize, v: u64, n: usize| {
        for i in 0..n {
            let at = if endian == Endian::Little { off + i } else { off + n - 1 - i };
            h[at] = (v >> (8 * i)) as u8;
        }
    };
    put(&mut h, 16, 3, 2);
    put(&mut h, 18, u64::from(machine), 2);
    put(&mut h, 20, 1, 4);
    put(&mut h, 48, u64::from(flags), 4);
    put(&mut h, 52, 64, 2);
    put(&mut h, 54, 56, 2);
    h
}

#[test]
fn the_brand_takes_little_endian_aarch64_with_any_flags() {
    for flags in [0, 1, 0xffff_ffff] {
        let h = Elf64Header::parse(&elf_header(EM_AARCH64, Endian::Little, flags)).unwrap();
        assert_eq!(select_brand(&BRANDS, &h, None).unwrap().name, BRAND_ARM64.name);
        for interp in [b"/lib/ld-linux-aarch64.so.1".as_slice(), b"/lib/ld-musl-aarch64.so.1"] {
            assert_eq!(select_brand(&BRANDS, &h, Some(interp)).unwrap().name, "Linux arm64");
        }
        assert_eq!(select_brand(&BRANDS, &h, Some(b"/lib64/ld64.so.2")), Err(LinuxErrno::ENOEXEC));
    }
    let be = Elf64Header::parse(&elf_header(EM_AARCH64, Endian::Big, 0)).unwrap();
    assert_eq!(select_brand(&BRANDS, &be, None), Err(LinuxErrno::ENOEXEC));
    let ppc = Elf64Header::parse(&elf_header(EM_PPC64, Endian::Little, 2)).unwrap();
    assert_eq!(select_brand(&BRANDS, &ppc, None), Err(LinuxErrno::ENOEXEC));
    assert_eq!(Arm64::<LittleEndian>::new(Arm64Cpu::NEOVERSE_N1).name(), "arm64");
}

#[test]
fn neoverse_n1_hwcaps_are_what_linux_reports() {
    let arm = Arm64::<LittleEndian>::new(Arm64Cpu::NEOVERSE_N1);
    let names = [
        HWCAP_FP,
        HWCAP_ASIMD,
        HWCAP_EVTSTRM,
        HWCAP_AES,
        HWCAP_PMULL,
        HWCAP_SHA1,
        HWCAP_SHA2,
        HWCAP_CRC32,
        HWCAP_ATOMICS,
        HWCAP_FPHP,
        HWCAP_ASIMDHP,
        HWCAP_CPUID,
        HWCAP_ASIMDRDM,
        HWCAP_LRCPC,
        HWCAP_DCPOP,
        HWCAP_ASIMDDP,
        HWCAP_SSBS,
    ];
    assert_eq!(names.iter().fold(0, |a, b| a | b), N1_HWCAP);
    assert_eq!(arm.hwcap(), N1_HWCAP);
    assert_eq!(arm.hwcap2(), Some(0));
    // Without the event stream or MRS emulation those two bits go.
    let cpu = Arm64Cpu { event_stream: false, mrs_emulation: false, ..Arm64Cpu::NEOVERSE_N1 };
    assert_eq!(Arm64::<LittleEndian>::new(cpu).hwcap(), N1_HWCAP & !(HWCAP_EVTSTRM | HWCAP_CPUID));
}

#[test]
fn fields_are_compared_with_their_signedness_and_minimum() {
    let none = Arm64Cpu::default();
    // FP and AdvSIMD read 0 ("implemented"): FP and ASIMD, but not the half-precision bits.
    assert_eq!(linux_hwcaps(&none), (HWCAP_FP | HWCAP_ASIMD, 0));
    // 0xf is -1, "not implemented".
    let no_fp = Arm64Cpu { id_aa64pfr0: 0xff << 16, ..none };
    assert_eq!(linux_hwcaps(&no_fp), (0, 0));
    // AES = 1: AES without PMULL; AES = 2: both.
    assert_eq!(linux_hwcaps(&Arm64Cpu { id_aa64isar0: 1 << 4, ..no_fp }).0, HWCAP_AES);
    assert_eq!(linux_hwcaps(&Arm64Cpu { id_aa64isar0: 2 << 4, ..no_fp }).0, HWCAP_AES | HWCAP_PMULL);
    // ATOMIC = 1 is not LSE: ATOMICS needs 2.
    assert_eq!(linux_hwcaps(&Arm64Cpu { id_aa64isar0: 1 << 20, ..no_fp }).0, 0);
    // A larger value still matches (>=), and BF16 = 2 gives BF16 and EBF16.
    assert_eq!(linux_hwcaps(&Arm64Cpu { id_aa64isar1: 2 << 44, ..no_fp }).1, HWCAP2_BF16 | HWCAP2_EBF16);
    // Pointer authentication: any of APA, APA3, API gives PACA.
    for (isar1, isar2) in [(1 << 4, 0), (0, 1 << 12), (1 << 8, 0)] {
        let c = Arm64Cpu { id_aa64isar1: isar1, id_aa64isar2: isar2, ..no_fp };
        assert_eq!(linux_hwcaps(&c).0, HWCAP_PACA, "{isar1:#x} {isar2:#x}");
    }
    // The SME I16I64 field needs all four bits.
    let c = Arm64Cpu { id_aa64smfr0: 0x7 << 52, ..no_fp };
    assert_eq!(linux_hwcaps(&c).1, 0);
    let c = Arm64Cpu { id_aa64smfr0: 0xf << 52, ..no_fp };
    assert_eq!(linux_hwcaps(&c).1, HWCAP2_SME_I16I64);
}

#[test]
fn every_linux_hwcap_bit_has_a_row_and_unsupported_ones_are_masked() {
    for (name, bit) in HWCAP_BITS.iter().chain(HWCAP2_BITS) {
        let by_row = HWCAP_ROWS.iter().any(|r| match r.cap {
            arch_arm64::hwcap::Cap::Hwcap(b) => HWCAP_BITS.iter().any(|(n, v)| n == name && *v == b),
            arch_arm64::hwcap::Cap::Hwcap2(b) => HWCAP2_BITS.iter().any(|(n, v)| n == name && *v == b),
        });
        assert!(by_row || *bit == HWCAP_CPUID || *bit == HWCAP_EVTSTRM, "{name} has no row");
    }
    // A CPU with every field at its maximum: Linux would report everything; we never report SVE, SME,
    // MTE or BTI.
    let all = Arm64Cpu {
        midr: 0,
        // FP, AdvSIMD and DIT are signed: 7 is their largest "implemented" value; SVE is unsigned.
        id_aa64pfr0: (0x7 << 48) | (0xf << 32) | (0x7 << 20) | (0x7 << 16),
        id_aa64pfr1: u64::MAX,
        id_aa64isar0: u64::MAX,
        id_aa64isar1: u64::MAX,
        id_aa64isar2: u64::MAX,
        id_aa64mmfr0: u64::MAX,
        id_aa64mmfr1: u64::MAX,
        id_aa64mmfr2: u64::MAX,
        id_aa64zfr0: u64::MAX,
        id_aa64smfr0: u64::MAX,
        event_stream: true,
        mrs_emulation: true,
    };
    let (h, h2) = linux_hwcaps(&all);
    assert_eq!(h, HWCAP_BITS.iter().fold(0, |a, (_, b)| a | b), "Linux: every AT_HWCAP bit");
    assert_eq!(h2, HWCAP2_BITS.iter().fold(0, |a, (_, b)| a | b), "Linux: every AT_HWCAP2 bit");
    let arm = Arm64::<LittleEndian>::new(all);
    assert_eq!(arm.hwcap(), h & !HWCAP_SVE);
    let h2 = arm.hwcap2().unwrap();
    for (name, bit) in HWCAP2_BITS {
        let masked =
            name.contains("SVE") || name.contains("SME") || name.contains("MTE") || *name == "HWCAP2_BTI";
        assert_eq!(h2 & bit == 0, masked, "{name}");
    }
}
