//! Benchmarks of the hook code in its kernel-target build, next to hand-written lower bounds.
//!
//! The self-test program runs them when started as `selftest-<arch> bench`; `cargo xtask bench` runs it
//! on the emulated POWER9 of `harness/src/bin/ppc64-bench.rs`, which counts guest instructions between
//! two marker system calls ([`MARK_BEGIN`], [`MARK_END`]) around each measured loop. Instruction counts
//! are exact and repeatable, unlike host time. `selftest-<arch> spin K` runs a fixed CPU-bound mix K times
//! without markers: the workload that compares the harness's speed with qemu-user's.
//!
//! Every measured function is `#[inline(never)]`, takes one `&mut` context and is called through a
//! [`black_box`]ed function pointer from the same generic loop ([`measure`]); the loop's own cost is
//! measured with an empty function at two iteration counts (`loop.10`, `loop.1000`: the markers' fixed
//! cost and the cost per iteration) and subtracted by `cargo xtask bench` (`xtask/src/bench.rs`), so a
//! per-call count is the function's body, prologue and epilogue included.
//!
//! | name                      | what one call does                                                        |
//! |---------------------------|---------------------------------------------------------------------------|
//! | `syscall.{success,error}.hooks` | what the module runs per system call: `fetch_syscall_args` (into the C side's `SyscallArgs`), the table lookup, `SyscallOutcome::from_freebsd` and `set_syscall_retval`, each hook behind its own call as in `linux64-kmod/src/ppc64.rs` |
//! | `syscall.{success,error}.bound` | the least the `sc` convention needs: load r0 and r3..r8, bounds-checked table load, store r3 and set or clear CR0.SO (error: the errno map load), with ERESTART/EJUSTRETURN branches |
//! | `signal.{elfv2,elfv1}.hooks` | `sendsig` then `sigreturn` of the frame it built (all register files live: GPRs, FP, VMX, VSX) |
//! | `signal.bound`            | copy_out of the frame's bytes (without the red-zone gap) and copy_in of the same bytes |
//! | `signal.elfv2.sendsig`, `signal.reset` | the thread reset to its state before the signal, then `sendsig`; the reset alone (the difference is sendsig's cost) |
//! | `exec.<n>.hooks`          | `ExecArgs::new` + `copyout_initial_stack` for `n` bytes of argv+envp strings (10-byte strings) |
//!
//! User memory is [`FlatMem`], a bounds-checked memcpy over one buffer: the model of FreeBSD's
//! `copyin`/`copyout` (whose cost here is that of a memcpy, as in the kernel without faults).

use alloc::vec;
use alloc::vec::Vec;
use arch_ppc64::abi::USER_REDZONE_SIZE;
use arch_ppc64::frame::{Ppc64Thread, TrapFrame, CR0_SO};
use arch_ppc64::signal::RT_SIGFRAME_SIZE;
use arch_ppc64::syscall_table::PPC64_SYSCALLS;
use arch_ppc64::{FuncAbi, Ppc64, Ppc64Cpu};
use core::fmt::Write;
use core::hint::black_box;
use linux_core::errno::{FreeBsdErrno, FreeBsdStatus, LinuxErrno};
use linux_core::exec::{copyout_initial_stack, ExecArgs, ExecImageInfo, StackLimits};
use linux_core::hooks::{SignalDelivery, SignalHooks, SyscallHooks};
use linux_core::signal::{si_code, AltStack, LinuxSignal, LinuxSigset, SaFlags, SigInfo, SigInfoFields};
use linux_core::syscall::{SyscallOutcome, SyscallRequest, SyscallTable};
use linux_core::sysno::Sys;
use linux_core::uaccess::{UserAddr, UserMemory};
use zerocopy::NativeEndian;

/// Marker system call: "start counting" (r3/r4 = name, r5 = iterations, r6 = parameter). Outside
/// Linux's numbers, so under qemu-user or the harness it is just `ENOSYS`.
pub const MARK_BEGIN: u64 = 0x7b00_0001;
/// Marker system call: "stop counting" (same arguments as the matching [`MARK_BEGIN`]).
pub const MARK_END: u64 = 0x7b00_0002;

/// The marker callback: the runtime's `sc` on the kernel targets, anything (or nothing) on the host.
pub type Marker<'a> = &'a mut dyn FnMut(u64, &str, u64, u64);

/// Base of the simulated user memory.
const USER_BASE: u64 = 0x7ff0_0000;
/// Size of the simulated user memory: room for a 100,000-byte argument area and its pointers.
const USER_SIZE: usize = 1 << 20;
/// Top of the user stack in it.
const USER_TOP: u64 = USER_BASE + USER_SIZE as u64;
/// The interrupted stack pointer of the signal benchmarks.
const SIG_SP: u64 = USER_TOP - 0x1_0000;
/// Where an ELFv1 handler's descriptor is.
const DESCRIPTOR: u64 = USER_BASE + 0x100;

/// Flat user memory: `[base, base + len)` is readable and writable, everything else faults. Backed by
/// 8-byte words so that, as with real user pages, a user address's alignment is its host address's
/// (a byte buffer at an arbitrary address would make every aligned copy a shifting one).
pub struct FlatMem {
    base: u64,
    words: Vec<u64>,
}

impl FlatMem {
    /// `len` zero bytes at `base` (rounded up to whole words).
    pub fn new(base: u64, len: usize) -> Self {
        Self { base, words: vec![0; len.div_ceil(8)] }
    }

    fn bytes(&self) -> &[u8] {
        zerocopy::IntoBytes::as_bytes(self.words.as_slice())
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        zerocopy::IntoBytes::as_mut_bytes(self.words.as_mut_slice())
    }

    fn range(&self, at: UserAddr, len: usize) -> Result<core::ops::Range<usize>, LinuxErrno> {
        let off = usize::try_from(at.0.checked_sub(self.base).ok_or(LinuxErrno::EFAULT)?)
            .map_err(|_| LinuxErrno::EFAULT)?;
        let end = off.checked_add(len).ok_or(LinuxErrno::EFAULT)?;
        if end > self.bytes().len() {
            return Err(LinuxErrno::EFAULT);
        }
        Ok(off..end)
    }
}

impl UserMemory for FlatMem {
    fn copy_in(&self, src: UserAddr, dst: &mut [u8]) -> Result<(), LinuxErrno> {
        let r = self.range(src, dst.len())?;
        dst.copy_from_slice(self.bytes().get(r).ok_or(LinuxErrno::EFAULT)?);
        Ok(())
    }

    fn copy_out(&mut self, dst: UserAddr, src: &[u8]) -> Result<(), LinuxErrno> {
        let r = self.range(dst, src.len())?;
        self.bytes_mut().get_mut(r).ok_or(LinuxErrno::EFAULT)?.copy_from_slice(src);
        Ok(())
    }
}

/// Runs `f(ctx)` `iters` times between a begin and an end marker.
#[inline(never)]
fn measure<C>(marker: Marker<'_>, name: &str, iters: u64, param: u64, ctx: &mut C, f: fn(&mut C)) {
    marker(MARK_BEGIN, name, iters, param);
    for _ in 0..iters {
        black_box(f)(black_box(&mut *ctx));
    }
    marker(MARK_END, name, iters, param);
}

/// The empty function the loop overhead is measured with.
#[inline(never)]
fn noop<C>(ctx: &mut C) {
    black_box(ctx);
}

// ---------------------------------------------------------------------------------------------------
// System calls.

/// What the C side keeps of a system call between entry and exit: the number, the arguments and the
/// handler the table gave (FreeBSD's `struct syscall_args`, as `linux64-kmod`'s glue fills it).
#[derive(Clone, Copy, Default)]
pub struct SaArgs {
    /// The syscall number.
    pub code: u64,
    /// The handler (here: the `Sys` id; 0 for ENOSYS).
    pub callp: u16,
    /// The arguments.
    pub args: [u64; 6],
}

/// The state of the system call benchmarks.
pub struct SyscallCtx {
    /// `abi` as the sysentvec passes it (2: ELFv2).
    pub abi: i32,
    /// The trap frame.
    pub frame: TrapFrame,
    /// What entry fetched.
    pub sa: SaArgs,
    /// The FreeBSD status the handler "returned".
    pub error: i32,
    /// `td_retval[0]`.
    pub retval: u64,
    /// The FreeBSD-to-Linux errno map, built once (the lower bound's table).
    pub errmap: [u16; 98],
}

/// The hooks of one ABI, as `linux64-kmod`'s entry points construct them per call.
fn hooks(abi: i32) -> Ppc64<NativeEndian> {
    Ppc64::new(if abi == 1 { FuncAbi::ElfV1 } else { FuncAbi::ElfV2 }, Ppc64Cpu::POWER9)
}

/// `sv_fetch_syscall_args`: the hook, then the table lookup.
#[inline(never)]
pub fn hooks_syscall_entry(abi: i32, frame: &TrapFrame, sa: &mut SaArgs) {
    let h = hooks(abi);
    let req = h.fetch_syscall_args(frame);
    let table: SyscallTable = h.syscall_table();
    sa.code = req.number;
    sa.args = req.args;
    sa.callp = table.lookup(req.number).map_or(0, |s| s as u16);
}

/// `sv_set_syscall_retval`: FreeBSD status to outcome, then the hook.
#[inline(never)]
pub fn hooks_syscall_exit(abi: i32, frame: &mut TrapFrame, sa: &SaArgs, error: i32, retval: u64) {
    let req = SyscallRequest { number: sa.code, args: sa.args };
    hooks(abi).set_syscall_retval(frame, &req, SyscallOutcome::from_freebsd(FreeBsdErrno(error), retval));
}

/// One system call through the hooks: entry, then exit.
fn hooks_syscall(c: &mut SyscallCtx) {
    hooks_syscall_entry(c.abi, &c.frame, &mut c.sa);
    hooks_syscall_exit(c.abi, &mut c.frame, &c.sa, c.error, c.retval);
}

/// The lower bound of entry: r0, bounds-checked table load, r3..r8.
#[inline(never)]
pub fn bound_syscall_entry(frame: &TrapFrame, sa: &mut SaArgs) {
    let code = frame.fixreg[0];
    sa.code = code;
    sa.callp = match PPC64_SYSCALLS.get(code as usize) {
        Some(Some(s)) => *s as u16,
        _ => 0,
    };
    sa.args = [
        frame.fixreg[3],
        frame.fixreg[4],
        frame.fixreg[5],
        frame.fixreg[6],
        frame.fixreg[7],
        frame.fixreg[8],
    ];
}

/// The lower bound of exit: r3 and CR0.SO (the errno map load on error), restart and just-return.
#[inline(never)]
pub fn bound_syscall_exit(frame: &mut TrapFrame, sa: &SaArgs, error: i32, retval: u64, errmap: &[u16; 98]) {
    if error == 0 {
        frame.fixreg[3] = retval;
        frame.cr &= !CR0_SO;
    } else if error > 0 {
        frame.fixreg[3] = u64::from(*errmap.get(error as usize).unwrap_or(&22));
        frame.cr |= CR0_SO;
    } else if error == -1 {
        frame.srr0 = frame.srr0.wrapping_sub(4);
        frame.fixreg[3] = sa.args[0];
    }
}

/// One system call at the lower bound.
fn bound_syscall(c: &mut SyscallCtx) {
    bound_syscall_entry(&c.frame, &mut c.sa);
    bound_syscall_exit(&mut c.frame, &c.sa, c.error, c.retval, &c.errmap);
}

fn syscall_ctx(error: i32) -> SyscallCtx {
    let mut errmap = [22u16; 98];
    for (e, slot) in errmap.iter_mut().enumerate() {
        if let FreeBsdStatus::Error(l) = FreeBsdErrno(e as i32).to_linux() {
            *slot = l.get();
        }
    }
    let mut frame = TrapFrame::default();
    frame.fixreg[0] = 3; // read
    for (i, r) in frame.fixreg[3..9].iter_mut().enumerate() {
        *r = 0x1000 + i as u64;
    }
    frame.srr0 = 0x1000_0104;
    frame.cr = 0x2200_0000;
    SyscallCtx { abi: 2, frame, sa: SaArgs::default(), error, retval: 42, errmap }
}

// ---------------------------------------------------------------------------------------------------
// Signals.

/// The state of the signal benchmarks.
pub struct SignalCtx {
    /// The ELFv2 hooks.
    pub v2: Ppc64<NativeEndian>,
    /// The ELFv1 hooks (handler through a descriptor).
    pub v1: Ppc64<NativeEndian>,
    /// The interrupted thread.
    pub thread: Ppc64Thread,
    /// The thread as it was before any signal (what the sendsig-only loop starts from).
    pub before: Ppc64Thread,
    /// User memory.
    pub mem: FlatMem,
    /// The delivery.
    pub delivery: SignalDelivery,
    /// Round trips that failed or did not restore the thread.
    pub failures: u32,
    /// The lower bound's kernel copy of the frame (8-byte words: a kernel buffer is aligned).
    pub kbuf: [u64; RT_SIGFRAME_SIZE as usize / 8],
}

/// Bytes of the frame that are copied (everything but the red-zone gap).
const FRAME_BYTES: usize = (RT_SIGFRAME_SIZE - USER_REDZONE_SIZE) as usize;

fn round_trip(h: Ppc64<NativeEndian>, c: &mut SignalCtx) {
    if h.sendsig(&mut c.thread, &mut c.mem, &c.delivery).is_err() {
        c.failures += 1;
    }
    // The vdso trampoline's `addi r1, r1, 128` before `sc`.
    c.thread.frame.fixreg[1] += 128;
    if h.sigreturn(&mut c.thread, &c.mem).is_err() {
        c.failures += 1;
    }
}

/// sendsig + sigreturn, ELFv2.
#[inline(never)]
fn hooks_signal_v2(c: &mut SignalCtx) {
    round_trip(c.v2, c);
}

/// sendsig + sigreturn, ELFv1 (the handler descriptor is read from user memory).
#[inline(never)]
fn hooks_signal_v1(c: &mut SignalCtx) {
    round_trip(c.v1, c);
}

/// Resets the thread to its state before the signal (the sendsig-only loop's own overhead).
#[inline(never)]
fn reset_thread(c: &mut SignalCtx) {
    c.thread = black_box(c.before);
}

/// sendsig alone, ELFv2, from the reset thread (minus [`reset_thread`]: the cost of sendsig).
#[inline(never)]
fn hooks_sendsig_v2(c: &mut SignalCtx) {
    c.thread = black_box(c.before);
    if c.v2.sendsig(&mut c.thread, &mut c.mem, &c.delivery).is_err() {
        c.failures += 1;
    }
}

/// The frame's bytes out and back in, through the same user-memory primitives.
#[inline(never)]
fn bound_signal(c: &mut SignalCtx) {
    let at = UserAddr((SIG_SP - RT_SIGFRAME_SIZE) & !15);
    if c.mem.copy_out(at, &zerocopy::IntoBytes::as_bytes(&c.kbuf)[..FRAME_BYTES]).is_err()
        || c.mem.copy_in(at, &mut zerocopy::IntoBytes::as_mut_bytes(&mut c.kbuf)[..FRAME_BYTES]).is_err()
    {
        c.failures += 1;
    }
}

/// The interrupted thread of the signal benchmarks: the self test's dirty thread (every unit live) on
/// the benchmark's stack, interrupted by a program check.
fn signal_thread() -> Ppc64Thread {
    let mut t = crate::dirty_thread_at(0x9e37_79b9_7f4a_7c15, cfg!(target_endian = "little"), SIG_SP);
    t.frame.exc = 0x900;
    t
}

fn signal_ctx() -> SignalCtx {
    let mut mem = FlatMem::new(USER_BASE, USER_SIZE);
    let mut desc = [0u8; 16];
    desc[..8].copy_from_slice(&0x1000_2000u64.to_ne_bytes());
    desc[8..].copy_from_slice(&0x1003_8000u64.to_ne_bytes());
    let _ = mem.copy_out(UserAddr(DESCRIPTOR), &desc);
    SignalCtx {
        v2: Ppc64::new(FuncAbi::ElfV2, Ppc64Cpu::POWER9),
        v1: Ppc64::new(FuncAbi::ElfV1, Ppc64Cpu::POWER9),
        thread: signal_thread(),
        before: signal_thread(),
        mem,
        delivery: SignalDelivery {
            signal: LinuxSignal::SIGSEGV,
            info: SigInfo {
                signo: 11,
                errno: 0,
                code: si_code::SEGV_MAPERR,
                fields: SigInfoFields::Fault { addr: 0xbad0 },
            },
            handler: DESCRIPTOR,
            flags: SaFlags::SA_SIGINFO,
            saved_mask: LinuxSigset(0x8000_0000_0000_0201),
            altstack: AltStack::default(),
            trampoline: 0x7fff_f000_0900,
        },
        failures: 0,
        kbuf: [0x5a5a_5a5a_5a5a_5a5a; RT_SIGFRAME_SIZE as usize / 8],
    }
}

// ---------------------------------------------------------------------------------------------------
// Exec.

/// The state of the exec benchmarks.
pub struct ExecCtx {
    /// The hooks.
    pub ppc: Ppc64<NativeEndian>,
    /// User memory holding the stack.
    pub mem: FlatMem,
    /// argv then envp strings, NUL-terminated.
    pub strings: Vec<u8>,
    /// Number of arguments.
    pub argc: u64,
    /// Number of environment strings.
    pub envc: u64,
    /// Builds that failed.
    pub failures: u32,
}

/// Bytes of one argument or environment string, NUL included.
pub const EXEC_STRING: usize = 10;

/// Validates the strings and builds the whole initial stack.
#[inline(never)]
fn hooks_exec(c: &mut ExecCtx) {
    let info = ExecImageInfo {
        phdr: 0x1000_0040,
        phent: 56,
        phnum: 9,
        interp_base: 0x7fff_b000_0000,
        entry: 0x1000_0400,
        page_size: 65536,
        clock_ticks: 100,
        vdso_base: Some(0x7fff_f000_0000),
        ..ExecImageInfo::default()
    };
    let r = ExecArgs::new(&c.strings, c.argc, c.envc).and_then(|args| {
        copyout_initial_stack(
            &c.ppc,
            &mut c.mem,
            USER_TOP,
            &args,
            b"/bin/prog",
            &info,
            &[7; 16],
            &StackLimits::default(),
        )
    });
    if r.is_err() {
        c.failures += 1;
    }
}

/// An exec of `bytes` bytes of strings (a multiple of [`EXEC_STRING`]), half arguments, half
/// environment.
fn exec_ctx(bytes: usize) -> ExecCtx {
    let n = bytes / EXEC_STRING;
    let mut strings = Vec::with_capacity(bytes);
    for i in 0..n {
        let mut s = *b"ARG=00000\0";
        let mut v = i;
        for d in s[4..9].iter_mut().rev() {
            *d = b'0' + (v % 10) as u8;
            v /= 10;
        }
        strings.extend_from_slice(&s);
    }
    let argc = n.div_ceil(2) as u64;
    ExecCtx {
        ppc: Ppc64::new(FuncAbi::ElfV2, Ppc64Cpu::POWER9),
        mem: FlatMem::new(USER_BASE, USER_SIZE),
        strings,
        argc,
        envc: n as u64 - argc,
        failures: 0,
    }
}

/// The argv+envp sizes of the exec benchmark (0 is the fixed cost the others are compared to).
pub const EXEC_SIZES: [usize; 4] = [0, 10, 1_000, 100_000];

// ---------------------------------------------------------------------------------------------------

/// Checks that each benchmark does what it should (outside any measurement); the failures.
fn sanity(out: &mut dyn Write) -> u32 {
    let mut failures = 0;
    let mut fail = |what: &str| {
        let _ = writeln!(out, "bench: FAILED {what}");
        failures += 1;
    };
    for (error, r3, so) in [(0, 42, false), (35, 11, true)] {
        let (mut a, mut b) = (syscall_ctx(error), syscall_ctx(error));
        hooks_syscall(&mut a);
        bound_syscall(&mut b);
        if a.frame != b.frame
            || a.frame.fixreg[3] != r3
            || (a.frame.cr & CR0_SO != 0) != so
            || a.sa.callp != b.sa.callp
        {
            fail("syscall: hooks and lower bound disagree");
        }
        if a.sa.callp != Sys::Read as u16 {
            fail("syscall: table lookup");
        }
    }
    let mut c = signal_ctx();
    let before = c.thread;
    hooks_signal_v2(&mut c);
    hooks_signal_v1(&mut c);
    bound_signal(&mut c);
    if c.failures != 0 || c.thread != before {
        fail("signal round trip does not restore the thread");
    }
    for bytes in EXEC_SIZES {
        let mut c = exec_ctx(bytes);
        hooks_exec(&mut c);
        if c.failures != 0 || c.strings.len() != bytes {
            fail("exec: initial stack");
        }
    }
    failures
}

/// Runs every benchmark, marking each loop; prints a summary line and returns the number of failures
/// (of the sanity checks and of any measured call).
pub fn measure_all(out: &mut dyn Write, marker: Marker<'_>) -> u32 {
    let mut failures = sanity(out);
    if failures != 0 {
        return failures;
    }
    let mut unit = 0u8;
    // The loop calibration: cost = fixed (markers) + per iteration, from two iteration counts.
    measure(marker, "loop.10", 10, 0, &mut unit, noop::<u8>);
    measure(marker, "loop.1000", 1000, 0, &mut unit, noop::<u8>);

    for (error, tag) in [(0, "success"), (35, "error")] {
        let mut c = syscall_ctx(error);
        measure(marker, &alloc::format!("syscall.{tag}.hooks"), 1000, 0, &mut c, hooks_syscall);
        measure(marker, &alloc::format!("syscall.{tag}.bound"), 1000, 0, &mut c, bound_syscall);
    }

    let mut c = signal_ctx();
    measure(marker, "signal.elfv2.hooks", 200, FRAME_BYTES as u64, &mut c, hooks_signal_v2);
    measure(marker, "signal.elfv1.hooks", 200, FRAME_BYTES as u64, &mut c, hooks_signal_v1);
    measure(marker, "signal.bound", 200, FRAME_BYTES as u64, &mut c, bound_signal);
    measure(marker, "signal.reset", 200, 0, &mut c, reset_thread);
    measure(marker, "signal.elfv2.sendsig", 200, 0, &mut c, hooks_sendsig_v2);
    // Leave the thread as the round trips need it.
    c.thread = c.before;
    failures += c.failures;

    for bytes in EXEC_SIZES {
        let mut c = exec_ctx(bytes);
        let iters = if bytes >= 100_000 { 3 } else { 100 };
        measure(marker, &alloc::format!("exec.{bytes}.hooks"), iters, bytes as u64, &mut c, hooks_exec);
        failures += c.failures;
    }
    let _ = writeln!(out, "bench: done, {failures} failures");
    failures
}

/// The CPU-bound workload for the emulator speed comparison: `k` rounds of two system calls, a signal
/// round trip and a 1,000-byte exec. Returns the failures.
pub fn spin(k: u64) -> u32 {
    let (mut ok, mut err) = (syscall_ctx(0), syscall_ctx(35));
    let mut sig = signal_ctx();
    let mut exec = exec_ctx(1_000);
    for _ in 0..k {
        black_box(hooks_syscall as fn(&mut SyscallCtx))(black_box(&mut ok));
        black_box(hooks_syscall as fn(&mut SyscallCtx))(black_box(&mut err));
        black_box(hooks_signal_v2 as fn(&mut SignalCtx))(black_box(&mut sig));
        black_box(hooks_exec as fn(&mut ExecCtx))(black_box(&mut exec));
    }
    sig.failures + exec.failures
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    #[test]
    fn every_benchmark_runs_and_marks_pairs() {
        let mut out = String::new();
        let mut marks = Vec::new();
        let mut rec = |kind: u64, name: &str, iters: u64, param: u64| {
            marks.push((kind, String::from(name), iters, param))
        };
        assert_eq!(measure_all(&mut out, &mut rec), 0, "{out}");
        assert!(marks.chunks(2).all(|p| p[0].0 == MARK_BEGIN && p[1].0 == MARK_END && p[0].1 == p[1].1));
        assert!(marks.iter().any(|m| m.1 == "exec.100000.hooks" && m.3 == 100_000));
        assert_eq!(spin(3), 0);
    }
}
