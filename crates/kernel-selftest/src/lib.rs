//! Hook scenarios whose results are printed as a transcript.
//!
//! The same scenarios run twice: in the host build (`host-transcript`, checked against hand-computed
//! expectations by the arch-ppc64 tests) and in the build for the FreeBSD kernel targets, linked into a
//! freestanding Linux program ([`rt`]) and run under `qemu-ppc64-static` / `qemu-ppc64le-static`. Equal
//! transcripts mean the code that ships, with the kernel's code generation (soft-float, no AltiVec,
//! ELFv2, PIC) and real big- and little-endian loads and stores, computes exactly what the tests verified.
//! Each scenario also checks its own invariants in place ("round trip equal", "thread unchanged").
//!
//! The same program also carries the benchmarks ([`bench`]): started as `selftest-<arch> bench` or
//! `selftest-<arch> spin K` instead of without arguments.
#![no_std]
#![cfg_attr(target_os = "freebsd", no_main)]

extern crate alloc;
// The host build (transcript binary, staticlib on the host) takes its allocator and panic handler from std.
#[cfg(not(target_os = "freebsd"))]
extern crate std;

pub mod bench;
#[cfg(target_os = "freebsd")]
mod rt;

use alloc::vec::Vec;
use arch_ppc64::frame::{msr, Ppc64Thread, TrapFrame, UnitsUsed};
use arch_ppc64::{FuncAbi, Ppc64, Ppc64Cpu};
use core::fmt::Write;
use linux_core::errno::{FreeBsdErrno, FreeBsdStatus};
use linux_core::exec::{copyout_initial_stack, ExecArgs, ExecImageInfo, InitialStack, StackLimits};
use linux_core::hooks::{ExecEntry, ExecHooks, SignalDelivery, SignalHooks, SyscallHooks};
use linux_core::signal::*;
use linux_core::sim::{Prot, SimUserMemory};
use linux_core::syscall::SyscallOutcome;
use zerocopy::ByteOrder;

const TOP: u64 = 0x1_0000_0000;
const SP: u64 = 0x7ffe_f000;
const STACK: u64 = 0x7fff_0000;

struct Transcript<'w> {
    out: &'w mut dyn Write,
    failures: u32,
}

impl Transcript<'_> {
    fn line(&mut self, args: core::fmt::Arguments<'_>) {
        let _ = self.out.write_fmt(args);
        let _ = self.out.write_str("\n");
    }

    fn bytes(&mut self, label: &str, data: &[u8]) {
        let _ = write!(self.out, "{label} {}:", data.len());
        for (i, b) in data.iter().enumerate() {
            if i % 32 == 0 {
                let _ = self.out.write_str("\n ");
            }
            let _ = write!(self.out, "{b:02x}");
        }
        let _ = self.out.write_str("\n");
    }

    fn frame(&mut self, label: &str, f: &TrapFrame) {
        self.line(format_args!("{label} gpr {:x?}", f.fixreg));
        self.line(format_args!(
            "{label} lr {:x} cr {:x} xer {:x} ctr {:x} srr0 {:x} srr1 {:x} exc {:x} dar {:x} dsisr {:x}",
            f.lr, f.cr, f.xer, f.ctr, f.srr0, f.srr1, f.exc, f.dar, f.dsisr
        ));
    }

    fn check(&mut self, what: &str, ok: bool) {
        self.line(format_args!("check {what}: {}", if ok { "ok" } else { "FAILED" }));
        if !ok {
            self.failures += 1;
        }
    }
}

/// Runs every scenario for byte order `E`, writing the transcript to `out`; returns the number of
/// failed in-place checks.
pub fn run<E: ByteOrder>(out: &mut dyn Write) -> u32 {
    let mut t = Transcript { out, failures: 0 };
    t.line(format_args!(
        "kernel-selftest transcript, {} endian",
        if is_le::<E>() { "little" } else { "big" }
    ));
    errno_and_signal_maps(&mut t);
    initial_stack::<E>(&mut t);
    exec_registers::<E>(&mut t);
    syscalls::<E>(&mut t);
    signals::<E>(&mut t);
    t.failures
}

fn is_le<E: ByteOrder>() -> bool {
    zerocopy::byteorder::U16::<E>::new(1).get() == 1
        && zerocopy::IntoBytes::as_bytes(&zerocopy::byteorder::U16::<E>::new(1))[0] == 1
}

fn errno_and_signal_maps(t: &mut Transcript<'_>) {
    let mut line = Vec::new();
    for e in -3..=100 {
        line.push(match FreeBsdErrno(e).to_linux() {
            FreeBsdStatus::Success => 0i32,
            FreeBsdStatus::Restart => -1,
            FreeBsdStatus::JustReturn => -2,
            FreeBsdStatus::Error(l) => i32::from(l.get()),
        });
    }
    t.line(format_args!("errno map {line:?}"));
    let mut sigs = Vec::new();
    for s in 1..=64 {
        sigs.push(LinuxSignal::new(s).and_then(linux_to_freebsd_signal).unwrap_or(0));
    }
    t.line(format_args!("signal map {sigs:?}"));
}

fn exec_info() -> ExecImageInfo {
    ExecImageInfo {
        phdr: 0x1000_0040,
        phent: 56,
        phnum: 9,
        interp_base: 0x7fff_b000_0000,
        entry: 0x1000_0400,
        uid: 1001,
        euid: 1002,
        gid: 1003,
        egid: 1004,
        page_size: 65536,
        clock_ticks: 100,
        vdso_base: Some(0x7fff_f000_0000),
        ..ExecImageInfo::default()
    }
}

fn initial_stack<E: ByteOrder>(t: &mut Transcript<'_>) {
    let ppc = Ppc64::<E>::new(FuncAbi::ElfV2, Ppc64Cpu::POWER9);
    for (strings, argc, envc) in
        [(&b"prog\0-x\0A=1\0"[..], 2, 1), (&b"sh\0-c\0echo hi\0HOME=/\0PATH=/bin\0TERM=vt100\0"[..], 3, 3)]
    {
        let mut mem = SimUserMemory::new();
        mem.map(TOP - 0x10000, 0x10000, Prot::READ | Prot::WRITE);
        let Ok(args) = ExecArgs::new(strings, argc, envc) else {
            t.check("exec args accepted", false);
            return;
        };
        let r = copyout_initial_stack(
            &ppc,
            &mut mem,
            TOP,
            &args,
            b"/bin/prog",
            &exec_info(),
            b"0123456789abcdef",
            &StackLimits::default(),
        );
        match r {
            Ok(st) => {
                t.line(format_args!("stack {st:x?}"));
                let image = mem.peek(st.sp, (TOP - st.sp) as usize).unwrap_or_default();
                t.bytes("stack image", &image);
            }
            Err(e) => t.line(format_args!("stack error {e:?}")),
        }
    }
    let mut mem = SimUserMemory::new();
    mem.map(TOP - 0x1000, 0x1000, Prot::READ | Prot::WRITE);
    let big: Vec<u8> = core::iter::repeat_n(&b"0123456789\0"[..], 400).flatten().copied().collect();
    let r = ExecArgs::new(&big, 400, 0).and_then(|a| {
        copyout_initial_stack(&ppc, &mut mem, TOP, &a, b"/p", &exec_info(), &[0; 16], &StackLimits::default())
    });
    t.line(format_args!("stack overflow {:?}", r.err()));
}

fn dirty_thread(seed: u64, le: bool) -> Ppc64Thread {
    dirty_thread_at(seed, le, SP)
}

/// A thread with every register of every unit holding a pseudo-random value from `seed` (xorshift), its
/// stack pointer at `sp`, a user MSR of byte order `le`, and every unit marked used.
pub(crate) fn dirty_thread_at(seed: u64, le: bool, sp: u64) -> Ppc64Thread {
    let mut x = seed;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut th = Ppc64Thread::default();
    for g in th.frame.fixreg.iter_mut() {
        *g = next();
    }
    th.frame.fixreg[1] = sp;
    th.frame.lr = next();
    th.frame.ctr = next();
    th.frame.xer = next() & 0xffff_ffff;
    th.frame.cr = next() & 0xffff_ffff;
    th.frame.srr0 = 0x1000_0000 + (next() & 0xfffc);
    th.frame.srr1 = Ppc64Cpu::POWER9.user_msr | msr::FP | u64::from(le);
    th.frame.exc = 0xc00;
    th.frame.dar = next();
    th.frame.dsisr = next() & 0xffff_ffff;
    for i in 0..32 {
        th.vector.fpr[i] = next();
        th.vector.vsr_low[i] = next();
        th.vector.vr[i] = (u128::from(next()) << 64) | u128::from(next());
    }
    th.vector.fpscr = next() & 0xffff_ffff;
    th.vector.vscr = 0x1_0000;
    th.vector.vrsave = 0xffff_0000;
    th.vector.used = UnitsUsed::all();
    th.orig_gpr3 = next();
    th
}

fn descriptor_memory<E: ByteOrder>() -> SimUserMemory {
    let mut mem = SimUserMemory::new();
    mem.map(STACK - 0x10000, 0x10000, Prot::READ | Prot::WRITE);
    mem.map(0x1002_0000, 0x1000, Prot::READ);
    let mut d = [0u8; 24];
    let mut w = linux_core::bytes::FieldWriter::<E>::new(&mut d);
    w.u64(0, 0x1_2340);
    w.u64(8, 0x3_8000);
    mem.poke(0x1002_0000, &d);
    mem
}

fn exec_registers<E: ByteOrder>(t: &mut Transcript<'_>) {
    let le = is_le::<E>();
    for abi in [FuncAbi::ElfV1, FuncAbi::ElfV2] {
        let ppc = Ppc64::<E>::new(abi, Ppc64Cpu::POWER9);
        let mem = descriptor_memory::<E>();
        let mut th = dirty_thread(5, le);
        let stack = InitialStack { sp: 0x7ffe_ff00, ..InitialStack::default() };
        let r = ppc.exec_setregs(
            &mut th,
            &mem,
            &ExecEntry { entry: 0x1002_0000, reloc_base: 0x7fff_0000_0000 },
            &stack,
        );
        t.line(format_args!("setregs {abi:?} {r:?}"));
        t.frame("setregs", &th.frame);
        let before = th;
        let r = ppc.exec_setregs(&mut th, &mem, &ExecEntry { entry: 0x5000_0000, reloc_base: 0 }, &stack);
        t.line(format_args!("setregs unmapped entry {abi:?} {r:?}"));
        // Only ELFv1 reads the entry (its descriptor); ELFv2 jumps to it.
        let refused = r.is_err() && th == before;
        t.check(
            "setregs reads ELFv1 descriptors only, and a failure changes nothing",
            refused == (abi == FuncAbi::ElfV1),
        );
    }
}

fn syscalls<E: ByteOrder>(t: &mut Transcript<'_>) {
    let ppc = Ppc64::<E>::new(FuncAbi::ElfV2, Ppc64Cpu::POWER9);
    let table = ppc.syscall_table();
    let mut sum = 0u64;
    for nr in 0..600u64 {
        if let Ok(sys) = table.lookup(nr) {
            sum = sum.wrapping_mul(31).wrapping_add(nr * 1000 + sys as u64 + u64::from(sys.nargs()));
        }
    }
    t.line(format_args!("syscall table entries {} digest {sum:x}", table.len()));
    let outcomes = [
        SyscallOutcome::Success(0x7fff_1234),
        SyscallOutcome::from_freebsd(FreeBsdErrno(35), 0),
        SyscallOutcome::Restart,
        SyscallOutcome::JustReturn,
        SyscallOutcome::Success(u64::MAX),
    ];
    let mut f = dirty_thread(11, false).frame;
    f.srr0 = 0x1000_0104;
    for o in outcomes {
        let req = ppc.fetch_syscall_args(&f);
        f.fixreg[3] = 0xdead;
        ppc.set_syscall_retval(&mut f, &req, o);
        t.line(format_args!(
            "syscall {o:?} r3 {:x} cr {:x} srr0 {:x} args {:x?}",
            f.fixreg[3], f.cr, f.srr0, req.args
        ));
    }
}

fn signals<E: ByteOrder>(t: &mut Transcript<'_>) {
    let le = is_le::<E>();
    for abi in [FuncAbi::ElfV1, FuncAbi::ElfV2] {
        let ppc = Ppc64::<E>::new(abi, Ppc64Cpu::POWER9);
        for (i, flags) in [SaFlags::SA_SIGINFO, SaFlags::empty(), SaFlags::SA_SIGINFO | SaFlags::SA_ONSTACK]
            .into_iter()
            .enumerate()
        {
            let mut mem = descriptor_memory::<E>();
            mem.map(0x5000_0000, 0x4000, Prot::READ | Prot::WRITE);
            let before = dirty_thread(21 + i as u64, le);
            let mut th = before;
            let d = SignalDelivery {
                signal: LinuxSignal::SIGSEGV,
                info: SigInfo {
                    signo: 11,
                    errno: 0,
                    code: si_code::SEGV_MAPERR,
                    fields: SigInfoFields::Fault { addr: 0xbad0 },
                },
                handler: 0x1002_0000,
                flags,
                saved_mask: LinuxSigset(0x8000_0000_0000_0201),
                altstack: AltStack { sp: 0x5000_0000, size: 0x4000, flags: 0 },
                trampoline: 0x7fff_f000_0900,
            };
            let r = ppc.sendsig(&mut th, &mut mem, &d);
            t.line(format_args!("sendsig {abi:?} {flags:?} {r:?}"));
            t.frame("handler", &th.frame);
            let frame = th.frame.fixreg[1] + 128;
            t.bytes("sigframe", &mem.peek(frame, 1888).unwrap_or_default());
            th.frame.fixreg[1] += 128;
            let r = ppc.sigreturn(&mut th, &mem);
            t.line(format_args!("sigreturn {r:?}"));
            t.check("round trip restores every register", th == before);
        }
        // Hostile frames.
        let mut mem = descriptor_memory::<E>();
        let mut th = dirty_thread(40, le);
        let d = SignalDelivery {
            signal: LinuxSignal::SIGUSR1,
            info: SigInfo::default(),
            handler: 0x1002_0000,
            flags: SaFlags::SA_SIGINFO,
            saved_mask: LinuxSigset(0),
            altstack: AltStack::default(),
            trampoline: 0x7fff_f000_0900,
        };
        let _ = ppc.sendsig(&mut th, &mut mem, &d);
        th.frame.fixreg[1] += 128;
        let frame = th.frame.fixreg[1];
        let mut hostile_msr = [0u8; 8];
        linux_core::bytes::FieldWriter::<E>::new(&mut hostile_msr).u64(0, msr::HV | msr::LE);
        mem.poke(frame + 168 + 64 + 33 * 8, &hostile_msr);
        let kernel_msr = th.frame.srr1;
        let mut ok = th;
        let r = ppc.sigreturn(&mut ok, &mem);
        t.line(format_args!("sigreturn hostile msr {abi:?} {r:?} srr1 {:x}", ok.frame.srr1));
        t.check("privileged MSR bits refused", ok.frame.srr1 == (kernel_msr & !msr::LE) | msr::LE);
        for (what, sp) in
            [("unmapped", 0x9000_0000u64), ("misaligned", frame + 4), ("truncated", STACK - 100)]
        {
            let mut bad = th;
            bad.frame.fixreg[1] = sp;
            let before = bad;
            let r = ppc.sigreturn(&mut bad, &mem);
            t.line(format_args!("sigreturn {what} {r:?}"));
            t.check("refused frame leaves the thread unchanged", bad == before && r.is_err());
        }
    }
}
