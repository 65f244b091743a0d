//! Exec on powerpc64: the bytes of the initial stack and the registers a new program starts with.

use arch_ppc64::frame::{msr, Ppc64Thread, UnitsUsed};
use arch_ppc64::{FuncAbi, Ppc64, Ppc64Cpu};
use linux_core::auxv::*;
use linux_core::errno::LinuxErrno;
use linux_core::exec::{copyout_initial_stack, ExecArgs, ExecImageInfo, InitialStack, StackLimits};
use linux_core::hooks::{ExecEntry, ExecHooks};
use linux_core::sim::{Prot, SimUserMemory};
use zerocopy::{BigEndian, ByteOrder, LittleEndian};

const TOP: u64 = 0x1_0000_0000;
const RANDOM: [u8; 16] = *b"0123456789abcdef";

fn info() -> ExecImageInfo {
    ExecImageInfo {
        phdr: 0x1000_0040,
        phent: 56,
        phnum: 9,
        interp_base: 0x7fff_b000_0000,
        entry: 0x1000_0400,
        flags: 0,
        uid: 1001,
        euid: 1002,
        gid: 1003,
        egid: 1004,
        secure: false,
        page_size: 65536,
        clock_ticks: 100,
        vdso_base: Some(0x7fff_f000_0000),
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
fn exact_initial_stack<E: ByteOrder>() {
    let ppc = Ppc64::<E>::new(FuncAbi::ElfV2, Ppc64Cpu::POWER9);
    let mut mem = stack_mem();
    let args = ExecArgs::new(b"prog\0-x\0A=1\0", 2, 1).unwrap();
    let st = copyout_initial_stack(
        &ppc,
        &mut mem,
        TOP,
        &args,
        b"/bin/prog",
        &info(),
        &RANDOM,
        &StackLimits::default(),
    )
    .unwrap();

    // Hand-computed addresses: zero word at top-8, "/bin/prog\0" below it, the 12 bytes of strings
    // below that, then (after rounding to 16) "power9\0" twice and the random bytes; 35 auxv pairs and
    // 6 words of argc/argv/envp, rounded down to 16.
    assert_eq!(st.execfn, 0xFFFF_FFEE);
    assert_eq!(st.platform, Some(0xFFFF_FFD9));
    assert_eq!(st.base_platform, Some(0xFFFF_FFD2));
    assert_eq!(st.random, 0xFFFF_FFC2);
    assert_eq!(st.sp, 0xFFFF_FD60);
    assert_eq!((st.argv, st.envp, st.auxv, st.auxv_len), (0xFFFF_FD68, 0xFFFF_FD80, 0xFFFF_FD90, 35));

    let strings_at = 0xFFFF_FFE2u64;
    let mut expect: Vec<u8> = Vec::new();
    for w in [2, strings_at, strings_at + 5, 0, strings_at + 8, 0] {
        expect.extend(word::<E>(w));
    }
    let i = info();
    let hwcap2 = 0xbee0_0000u64 & !0x5010_0000; // POWER9 without HTM, EBB, SCV
    let auxv: [(u64, u64); 35] = [
        (22, 22),
        (22, 22),
        (19, 128),
        (20, 128),
        (21, 0),
        (33, 0x7fff_f000_0000),
        (40, 32768),
        (41, (8 << 16) | 128),
        (42, 32768),
        (43, (8 << 16) | 128),
        (44, 524288),
        (45, (8 << 16) | 128),
        (46, 10 << 20),
        (47, (20 << 16) | 128),
        (51, 2528),
        (AT_HWCAP, 0xdc00_65c0),
        (AT_PAGESZ, 65536),
        (AT_CLKTCK, 100),
        (AT_PHDR, i.phdr),
        (AT_PHENT, 56),
        (AT_PHNUM, 9),
        (AT_BASE, i.interp_base),
        (AT_FLAGS, 0),
        (AT_ENTRY, i.entry),
        (AT_UID, 1001),
        (AT_EUID, 1002),
        (AT_GID, 1003),
        (AT_EGID, 1004),
        (AT_SECURE, 0),
        (AT_RANDOM, 0xFFFF_FFC2),
        (AT_HWCAP2, hwcap2),
        (AT_EXECFN, 0xFFFF_FFEE),
        (AT_PLATFORM, 0xFFFF_FFD9),
        (AT_BASE_PLATFORM, 0xFFFF_FFD2),
        (AT_NULL, 0),
    ];
    for (k, v) in auxv {
        expect.extend(word::<E>(k));
        expect.extend(word::<E>(v));
    }
    // Padding between the end of auxv (0xFFFF_FFC0) and the random bytes.
    expect.extend([0u8; 2]);
    expect.extend(RANDOM);
    expect.extend(b"power9\0power9\0");
    expect.extend([0u8; 2]); // rounding gap between the strings and the platform strings
    expect.extend(b"prog\0-x\0A=1\0/bin/prog\0");
    expect.extend([0u8; 8]);
    assert_eq!(expect.len() as u64, TOP - st.sp);
    assert_eq!(mem.peek(st.sp, expect.len()).unwrap(), expect);
}

#[test]
fn exact_initial_stack_big_endian() {
    exact_initial_stack::<BigEndian>();
}

#[test]
fn exact_initial_stack_little_endian() {
    exact_initial_stack::<LittleEndian>();
}

#[test]
fn oversized_arguments_are_e2big_and_write_nothing() {
    let ppc = Ppc64::<BigEndian>::new(FuncAbi::ElfV1, Ppc64Cpu::POWER9);
    let mut mem = stack_mem();
    let mut big = vec![b'a'; 200_000];
    big.push(0);
    // One string over MAX_ARG_STRLEN.
    assert_eq!(ExecArgs::new(&big, 1, 0).unwrap_err(), LinuxErrno::E2BIG);
    // Many strings over the total limit.
    let many: Vec<u8> =
        std::iter::repeat_n(b"0123456789abcdef\0".as_slice(), 4096).flatten().copied().collect();
    let args = ExecArgs::new(&many, 4096, 0).unwrap();
    let limits = StackLimits { max_args_bytes: 64 * 1024, stack_bottom: 0 };
    let err =
        copyout_initial_stack(&ppc, &mut mem, TOP, &args, b"/p", &info(), &RANDOM, &limits).unwrap_err();
    assert_eq!(err, LinuxErrno::E2BIG);
    assert_eq!(mem.copy_out_calls, 0, "nothing may be written before the size check");
    // Below the stack's lowest address.
    let limits = StackLimits { max_args_bytes: 1 << 30, stack_bottom: TOP - 0x1000 };
    let err =
        copyout_initial_stack(&ppc, &mut mem, TOP, &args, b"/p", &info(), &RANDOM, &limits).unwrap_err();
    assert_eq!(err, LinuxErrno::E2BIG);
    // A malformed buffer (count mismatch, missing NUL) is EINVAL.
    assert_eq!(ExecArgs::new(b"a\0b\0", 3, 0).unwrap_err(), LinuxErrno::EINVAL);
    assert_eq!(ExecArgs::new(b"a\0b", 2, 0).unwrap_err(), LinuxErrno::EINVAL);
}

#[test]
fn unmapped_stack_is_efault() {
    let ppc = Ppc64::<BigEndian>::new(FuncAbi::ElfV1, Ppc64Cpu::POWER9);
    let mut mem = SimUserMemory::new();
    mem.map(TOP - 0x1000, 0x1000, Prot::READ | Prot::WRITE);
    let strings: Vec<u8> = std::iter::repeat_n(b"x\0".as_slice(), 600).flatten().copied().collect();
    let args = ExecArgs::new(&strings, 600, 0).unwrap();
    let err =
        copyout_initial_stack(&ppc, &mut mem, TOP, &args, b"/p", &info(), &RANDOM, &StackLimits::default());
    assert_eq!(err.unwrap_err(), LinuxErrno::EFAULT);
}

fn dirty_thread() -> Ppc64Thread {
    let mut t = Ppc64Thread::default();
    for (i, r) in t.frame.fixreg.iter_mut().enumerate() {
        *r = 0xdead_0000 + i as u64;
    }
    t.frame.lr = 1;
    t.frame.ctr = 2;
    t.frame.xer = 3;
    t.frame.cr = 0xffff_ffff;
    t.frame.srr1 = msr::HV | msr::FP;
    t.vector.fpr[3] = 7;
    t.vector.used = UnitsUsed::all();
    t.orig_gpr3 = 9;
    t
}

fn stack_at(sp: u64) -> InitialStack {
    InitialStack { sp, ..InitialStack::default() }
}

fn descriptor_mem<E: ByteOrder>(at: u64, entry: u64, toc: u64) -> SimUserMemory {
    let mut m = SimUserMemory::new();
    m.map(at & !0xfff, 0x1000, Prot::READ);
    let mut d = Vec::new();
    d.extend(word::<E>(entry));
    d.extend(word::<E>(toc));
    d.extend(word::<E>(0));
    assert!(m.poke(at, &d));
    m
}

#[test]
fn elfv1_static_program_enters_through_its_descriptor() {
    let ppc = Ppc64::<BigEndian>::new(FuncAbi::ElfV1, Ppc64Cpu::POWER9);
    let mem = descriptor_mem::<BigEndian>(0x1002_0000, 0x1000_0100, 0x1002_8000);
    let mut t = dirty_thread();
    ppc.exec_setregs(&mut t, &mem, &ExecEntry { entry: 0x1002_0000, reloc_base: 0 }, &stack_at(0x7fff_0000))
        .unwrap();
    assert_eq!(t.frame.srr0, 0x1000_0100);
    let mut expect = [0u64; 32];
    expect[1] = 0x7fff_0000;
    expect[2] = 0x1002_8000;
    assert_eq!(t.frame.fixreg, expect);
    assert_eq!((t.frame.lr, t.frame.ctr, t.frame.xer, t.frame.cr), (0, 0, 0, 0));
    assert_eq!(t.frame.srr1, Ppc64Cpu::POWER9.user_msr);
    assert_eq!(t.frame.srr1 & msr::LE, 0);
    assert_eq!(t.vector, Default::default());
    assert_eq!(t.orig_gpr3, 0);
}

#[test]
fn elfv1_dynamic_program_enters_the_relocated_interpreter() {
    let ppc = Ppc64::<BigEndian>::new(FuncAbi::ElfV1, Ppc64Cpu::POWER9);
    let bias = 0x7fff_b000_0000;
    // ld64.so.1's descriptor holds link-time (unrelocated) values.
    let mem = descriptor_mem::<BigEndian>(bias + 0x3_0000, 0x1_2340, 0x3_8000);
    let mut t = dirty_thread();
    let entry = ExecEntry { entry: bias + 0x3_0000, reloc_base: bias };
    ppc.exec_setregs(&mut t, &mem, &entry, &stack_at(0x7fff_0000)).unwrap();
    assert_eq!(t.frame.srr0, bias + 0x1_2340);
    assert_eq!(t.frame.fixreg[2], bias + 0x3_8000);
    assert_eq!(t.frame.fixreg[12], 0);
}

#[test]
fn elfv1_unreadable_descriptor_is_efault_and_changes_nothing() {
    let ppc = Ppc64::<BigEndian>::new(FuncAbi::ElfV1, Ppc64Cpu::POWER9);
    let mem = descriptor_mem::<BigEndian>(0x1002_0000, 1, 2);
    let before = dirty_thread();
    let mut t = before;
    // The descriptor straddles the end of the mapping.
    let err = ppc.exec_setregs(
        &mut t,
        &mem,
        &ExecEntry { entry: 0x1002_0ffc, reloc_base: 0 },
        &stack_at(0x7fff_0000),
    );
    assert_eq!(err, Err(LinuxErrno::EFAULT));
    assert_eq!(t, before);
    let err = ppc.exec_setregs(
        &mut t,
        &mem,
        &ExecEntry { entry: 0x5000_0000, reloc_base: 0 },
        &stack_at(0x7fff_0000),
    );
    assert_eq!(err, Err(LinuxErrno::EFAULT));
    assert_eq!(t, before);
}

#[test]
fn elfv2_programs_get_r12_equal_to_the_entry_in_their_byte_order() {
    for little in [false, true] {
        let mut t = dirty_thread();
        let mem = SimUserMemory::new();
        let entry = ExecEntry { entry: 0x1000_0680, reloc_base: 0 };
        if little {
            Ppc64::<LittleEndian>::new(FuncAbi::ElfV2, Ppc64Cpu::POWER9)
                .exec_setregs(&mut t, &mem, &entry, &stack_at(0x7fff_ff00))
                .unwrap();
        } else {
            Ppc64::<BigEndian>::new(FuncAbi::ElfV2, Ppc64Cpu::POWER9)
                .exec_setregs(&mut t, &mem, &entry, &stack_at(0x7fff_ff00))
                .unwrap();
        }
        let mut expect = [0u64; 32];
        expect[1] = 0x7fff_ff00;
        expect[12] = 0x1000_0680;
        assert_eq!(t.frame.fixreg, expect);
        assert_eq!(t.frame.srr0, 0x1000_0680);
        assert_eq!(t.frame.srr1 & msr::LE != 0, little);
        assert_eq!(t.frame.srr1 & msr::HV, 0, "no privileged bit survives exec");
    }
}

#[test]
fn a_misaligned_stack_pointer_is_refused() {
    let ppc = Ppc64::<BigEndian>::new(FuncAbi::ElfV2, Ppc64Cpu::POWER9);
    let before = dirty_thread();
    let mut t = before;
    let r = ppc.exec_setregs(&mut t, &SimUserMemory::new(), &ExecEntry::default(), &stack_at(0x7fff_0008));
    assert_eq!(r, Err(LinuxErrno::EINVAL));
    assert_eq!(t, before);
}

#[test]
fn hwcap2_never_advertises_htm_scv_or_ebb() {
    let mut cpu = Ppc64Cpu::POWER9;
    cpu.features2 = u64::from(u32::MAX);
    let ppc = Ppc64::<BigEndian>::new(FuncAbi::ElfV1, cpu);
    let h2 = ppc.hwcap2().unwrap();
    for bit in [0x4000_0000u64, 0x0100_0000, 0x0008_0000, 0x0010_0000, 0x1000_0000] {
        assert_eq!(h2 & bit, 0, "{bit:#x}");
    }
    assert_ne!(h2 & 0x8000_0000, 0, "ARCH_2_07 stays");
    assert_eq!(ppc.hwcap(), 0xdc00_65c0);
}
