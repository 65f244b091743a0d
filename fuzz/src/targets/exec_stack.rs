//! Exec: the initial stack (`copyout_initial_stack`) with arbitrary argument and environment strings,
//! counts, execfn, image info, limits and stack tops over read-write, read-only or unmapped pages, then
//! `exec_setregs` with the resulting (or an arbitrary) stack and an arbitrary entry, for ppc64 ELFv1 BE,
//! ELFv2 BE, ppc64le and arm64.
//!
//! Checked on every input:
//! - `ExecArgs::new` and `copyout_initial_stack` fail only with a Linux errno; `E2BIG` and `EINVAL`
//!   write nothing; every write (also before an `EFAULT`) lies in `[stack_bottom, stack_top & !7)`;
//! - on `Ok`: sp is 16-aligned and not below `stack_bottom`; the stack parses back
//!   (`parse_initial_stack`) to exactly the argv and envp that went in; the auxv holds the arch's
//!   entries and the image info, AT_RANDOM points at the 16 random bytes, AT_EXECFN at execfn, and
//!   AT_PLATFORM/AT_BASE_PLATFORM at the arch's strings; every byte written lies in the tables, the
//!   random bytes, the strings or the top zero word: padding is never written, so nothing but what
//!   went in reaches the stack;
//! - `exec_setregs`: on `Err` the thread is unchanged; on `Ok` the MSR is exactly the kernel's user MSR in
//!   the process's byte order (ppc64) / PSTATE is EL0t with DAIF clear (arm64), sp is the stack's, and
//!   every other register is zero but the entry registers.

use crate::check::assert_errno;
use crate::input::Input;
use crate::mem::{map_region, poke_mapped, Recorder};
use crate::state::{arm_thread, layout::*, ppc_thread};
use arch_arm64::abi::PSR_MODE_EL0t;
use arch_arm64::frame::TrapFrame as ArmFrame;
use arch_arm64::{Arm64, Arm64Cpu};
use arch_ppc64::frame::{msr, VectorState};
use arch_ppc64::{FuncAbi, Ppc64, Ppc64Cpu};
use linux_core::auxv::*;
use linux_core::errno::LinuxErrno;
use linux_core::exec::{
    copyout_initial_stack, parse_initial_stack, ExecArgs, ExecImageInfo, InitialStack, StackLimits,
};
use linux_core::hooks::{ExecEntry, ExecHooks};
use zerocopy::byteorder::{ByteOrder, U64};
use zerocopy::{BigEndian, IntoBytes, LittleEndian};

pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    match inp.u8() % 4 {
        0 => ppc::<BigEndian>(FuncAbi::ElfV1, &mut inp),
        1 => ppc::<BigEndian>(FuncAbi::ElfV2, &mut inp),
        2 => ppc::<LittleEndian>(FuncAbi::ElfV2, &mut inp),
        _ => arm(&mut inp),
    }
}

fn ppc<E: ByteOrder>(abi: FuncAbi, inp: &mut Input<'_>) {
    let hooks = Ppc64::<E>::new(abi, Ppc64Cpu::POWER9);
    let (mut m, st) = stack(&hooks, inp);
    let mut t = ppc_thread(inp);
    let before = t;
    let entry = ExecEntry {
        entry: if inp.bool() { CODE + u64::from(inp.u16() % 4096) } else { inp.u64() },
        reloc_base: inp.u64(),
    };
    let desc = [U64::<E>::new(inp.u64()), U64::<E>::new(inp.u64())];
    map_region(&mut m.sim, CODE, 1, 0, 0);
    poke_mapped(&mut m.sim, entry.entry, desc.as_bytes());
    match hooks.exec_setregs(&mut t, &m, &entry, &st) {
        Err(e) => {
            assert_errno(e, "exec_setregs");
            assert_eq!(t, before, "exec_setregs failed but changed the thread");
        }
        Ok(()) => {
            let le = if crate::targets::sendsig_ppc64::little::<E>() { msr::LE } else { 0 };
            assert_eq!(
                t.frame.srr1,
                (Ppc64Cpu::POWER9.user_msr & !msr::LE) | le,
                "exec_setregs: not the user MSR"
            );
            assert_eq!(t.frame.fixreg[1], st.sp);
            let (nip, r2, r12) = match abi {
                FuncAbi::ElfV2 => (entry.entry, 0, entry.entry),
                FuncAbi::ElfV1 => (
                    desc[0].get().wrapping_add(entry.reloc_base),
                    desc[1].get().wrapping_add(entry.reloc_base),
                    0,
                ),
            };
            assert_eq!((t.frame.srr0, t.frame.fixreg[2], t.frame.fixreg[12]), (nip, r2, r12));
            for (i, r) in t.frame.fixreg.iter().enumerate() {
                assert!(matches!(i, 1 | 2 | 12) || *r == 0, "exec_setregs left r{i} = {r:#x}");
            }
            assert_eq!((t.frame.lr, t.frame.cr, t.frame.xer, t.frame.ctr, t.orig_gpr3), (0, 0, 0, 0, 0));
            assert_eq!(t.vector, VectorState::default());
        }
    }
}

fn arm(inp: &mut Input<'_>) {
    let hooks = Arm64::<LittleEndian>::new(Arm64Cpu::NEOVERSE_N1);
    let (m, st) = stack(&hooks, inp);
    let mut t = arm_thread(inp);
    let before = t;
    let entry = ExecEntry { entry: inp.u64(), reloc_base: inp.u64() };
    match hooks.exec_setregs(&mut t, &m, &entry, &st) {
        Err(e) => {
            assert_errno(e, "exec_setregs");
            assert_eq!(t, before, "exec_setregs failed but changed the thread");
        }
        Ok(()) => {
            let want =
                ArmFrame { tf_sp: st.sp, tf_elr: entry.entry, tf_spsr: PSR_MODE_EL0t, ..ArmFrame::default() };
            assert_eq!(t.frame, want, "exec_setregs: registers");
            assert!(!t.fpsimd.used && t.fpsimd.vregs == [0; 32]);
            assert_eq!((t.fault_address, t.fault_code, t.tpidr_el0), (0, 0, 0));
        }
    }
}

/// Builds (or fails to build) the initial stack; returns the memory and the stack to start with: the
/// built one, or an arbitrary one when the build failed.
fn stack<A: ExecHooks>(arch: &A, inp: &mut Input<'_>) -> (Recorder, InitialStack) {
    let mut m = Recorder::default();
    map_region(&mut m.sim, STACK, STACK_PAGES, u64::from(inp.u16()), 0);
    let flags = inp.u8();
    let nstr = usize::from(inp.u16() % 640);
    let strings = inp.bytes(nstr).to_vec();
    let nuls = strings.iter().filter(|&&b| b == 0).count() as u64;
    let (argc, envc) = if flags & 1 != 0 {
        (inp.u64(), inp.u64())
    } else {
        let argc = u64::from(inp.u8()).min(nuls);
        (argc, nuls - argc)
    };
    let nexec = usize::from(inp.u8());
    let execfn = inp.bytes(nexec).to_vec();
    let info = ExecImageInfo {
        phdr: inp.u64(),
        phent: inp.u64(),
        phnum: inp.u64(),
        interp_base: inp.u64(),
        entry: inp.u64(),
        flags: inp.u64(),
        uid: inp.u64(),
        euid: inp.u64(),
        gid: inp.u64(),
        egid: inp.u64(),
        secure: flags & 2 != 0,
        page_size: inp.u64(),
        clock_ticks: inp.u64(),
        vdso_base: if flags & 4 != 0 { Some(inp.u64()) } else { None },
    };
    let mut random = [0u8; 16];
    random.copy_from_slice(&{
        let mut r = inp.bytes(16).to_vec();
        r.resize(16, 0);
        r
    });
    let limits = StackLimits {
        max_args_bytes: if flags & 8 != 0 {
            u64::from(inp.u32())
        } else {
            StackLimits::default().max_args_bytes
        },
        stack_bottom: if flags & 16 != 0 { inp.u64() } else { STACK + u64::from(inp.u16()) },
    };
    let stack_top =
        if flags & 32 != 0 { inp.u64() } else { STACK + STACK_PAGES * 4096 - u64::from(inp.u16() % 512) };

    let args = match ExecArgs::new(&strings, argc, envc) {
        Ok(a) => a,
        Err(e) => {
            assert!(e == LinuxErrno::EINVAL || e == LinuxErrno::E2BIG, "ExecArgs::new: {e:?}");
            return (m, arbitrary_stack(inp));
        }
    };
    let r = copyout_initial_stack(arch, &mut m, stack_top, &args, &execfn, &info, &random, &limits);
    let top_end = stack_top & !7;
    m.assert_writes_within(
        &[(u128::from(limits.stack_bottom), u128::from(top_end))],
        "copyout_initial_stack",
    );
    let st = match r {
        Err(e) => {
            assert_errno(e, "copyout_initial_stack");
            if e != LinuxErrno::EFAULT {
                assert!(m.writes.is_empty(), "copyout_initial_stack wrote before failing with {e:?}");
            }
            return (m, arbitrary_stack(inp));
        }
        Ok(st) => st,
    };
    assert!(st.sp % 16 == 0 && st.sp >= limits.stack_bottom, "sp {:#x}", st.sp);
    let parsed = parse_initial_stack::<A::Order, _>(&m, st.sp).expect("the stack does not parse back");
    let all: Vec<Vec<u8>> = args.iter().map(|s| s[..s.len() - 1].to_vec()).collect();
    let (want_argv, want_envp) = all.split_at(argc as usize);
    assert_eq!(parsed.argv, want_argv, "argv");
    assert_eq!(parsed.envp, want_envp, "envp");
    assert_eq!(parsed.auxv.len() as u64 + 1, st.auxv_len);
    let get = |k: u64| parsed.auxv.iter().find(|(kk, _)| *kk == k).map(|(_, v)| *v);
    for (k, v) in [
        (AT_PHDR, info.phdr),
        (AT_PHENT, info.phent),
        (AT_PHNUM, info.phnum),
        (AT_BASE, info.interp_base),
        (AT_ENTRY, info.entry),
        (AT_FLAGS, info.flags),
        (AT_UID, info.uid),
        (AT_EUID, info.euid),
        (AT_GID, info.gid),
        (AT_EGID, info.egid),
        (AT_SECURE, u64::from(info.secure)),
        (AT_PAGESZ, info.page_size),
        (AT_CLKTCK, info.clock_ticks),
        (AT_HWCAP, arch.hwcap()),
    ] {
        assert_eq!(get(k), Some(v), "auxv {k}");
    }
    assert_eq!(get(AT_HWCAP2), arch.hwcap2());
    assert_eq!(get(AT_SYSINFO_EHDR), info.vdso_base);
    let random_at = get(AT_RANDOM).expect("AT_RANDOM");
    assert_eq!(m.sim.peek(random_at, 16).as_deref(), Some(&random[..]));
    let mut ranges = vec![
        (u128::from(st.sp), u128::from(st.auxv) + 16 * u128::from(st.auxv_len)),
        (u128::from(random_at), u128::from(random_at) + 16),
    ];
    let mut string_at = |addr: Option<u64>, want: Option<&[u8]>, what: &str| {
        assert_eq!(addr.is_some(), want.is_some(), "{what}");
        if let (Some(a), Some(w)) = (addr, want) {
            let mut z = w.to_vec();
            z.push(0);
            assert_eq!(m.sim.peek(a, z.len()), Some(z.clone()), "{what}");
            ranges.push((u128::from(a), u128::from(a) + z.len() as u128));
        }
    };
    string_at(get(AT_EXECFN), Some(&execfn), "AT_EXECFN");
    string_at(get(AT_PLATFORM), arch.platform(), "AT_PLATFORM");
    string_at(get(AT_BASE_PLATFORM), arch.base_platform(), "AT_BASE_PLATFORM");
    // The argument and environment strings, execfn and the zero word: one block below the top.
    let strings_at = st.execfn - strings.len() as u64;
    ranges.push((u128::from(strings_at), u128::from(top_end)));
    m.assert_writes_within(&ranges, "copyout_initial_stack (padding must not be written)");
    if let Some(zero) = m.sim.peek(top_end - 8, 8) {
        assert_eq!(zero, [0; 8], "the top word");
    }
    (m, st)
}

fn arbitrary_stack(inp: &mut Input<'_>) -> InitialStack {
    InitialStack { sp: inp.u64(), ..InitialStack::default() }
}
