//! One guest process image: the engine, the ABI hooks of its brand, its memory layout and signal
//! state, its threads (`crate::thread`), and the loop that schedules them and enters the "kernel" on
//! every system call, fault and signal. It is written once for every architecture ([`GuestArch`]).
//!
//! The scheduler is deterministic and round-robin: the current thread runs until it blocks (futex
//! wait, nanosleep, pause, sigsuspend), yields, exits or, when another thread is runnable, for
//! [`TIME_SLICE`] instructions. A vdso tick that stops the engine mid-slice does not switch threads
//! but starts a fresh slice (unicorn does not say how many instructions ran), so slice ends are
//! deterministic only up to those ticks. System calls that block on the host (read of an empty pipe,
//! poll, wait4, ...) block every thread of the process: only futexes, sleeps and signal waits are
//! waits of one guest thread.

use crate::arch::{is_big_endian, GuestArch, Trap};
use crate::cpu::{self, Stop, Uc, UcMem};
use crate::fdtable::FdTable;
use crate::hostsig;
use crate::loader::{self, ExecError, ExecPlan, STACK_SIZE};
use crate::thread::{Blocked, Deadline, GuestThread, IoTimeout, OnSignal, ThreadSignals, Tid, Wait};
use crate::vdso::Vdso;
use crate::vfs::Vfs;
use crate::vm::{page_up, PROT_READ, PROT_WRITE};
use linux_core::errno::LinuxErrno;
use linux_core::exec::{copyout_initial_stack, ExecArgs, ExecImageInfo, StackLimits};
use linux_core::hooks::{ArchState, ExecEntry, ExecHooks, SignalDelivery, SignalHooks, SyscallHooks};
use linux_core::signal::{si_code, AltStack, LinuxSignal, LinuxSigset, SaFlags, SigInfo, SigInfoFields};
use linux_core::syscall::{SyscallOutcome, SyscallRequest};
use linux_core::uaccess::{UserAddr, UserMemory};
use std::collections::BTreeMap;

/// Options of the whole run.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Print every syscall to stderr.
    pub strace: bool,
    /// Print the unimplemented-syscall report at exit.
    pub report: bool,
}

/// A guest `sigaction` (handler, flags, restorer, mask: the same layout on powerpc64 and arm64).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Action {
    /// `sa_handler` (0 = SIG_DFL, 1 = SIG_IGN).
    pub handler: u64,
    /// `sa_flags`.
    pub flags: u64,
    /// `sa_restorer` (arm64 returns through it with `SA_RESTORER`; powerpc only reports it back).
    pub restorer: u64,
    /// `sa_mask`.
    pub mask: u64,
}

/// The process-wide signal state: the actions and the process-directed pending signals (each
/// thread's mask, own pending set and alternate stack are in its [`ThreadSignals`]).
#[derive(Clone, Debug)]
pub struct Signals {
    /// Actions, index = signal number.
    pub actions: [Action; 65],
    /// Signals sent to the process (kill, the host): any thread that does not block one takes it.
    pub pending: u64,
    /// The siginfo of each signal in `pending`.
    pub info: [SigInfo; 65],
}

impl Default for Signals {
    fn default() -> Self {
        Signals { actions: [Action::default(); 65], pending: 0, info: [SigInfo::default(); 65] }
    }
}

/// Instructions a thread runs before the scheduler switches to the next runnable one.
pub const TIME_SLICE: usize = 20_000;

/// The first tid given to a new thread: Linux's largest `pid_max` is 2^22, so no host process id
/// (which the harness's processes use as their pid and main thread's tid) can equal a thread's.
pub const FIRST_THREAD_TID: Tid = 1 << 22;

/// Counters for the end-of-run report.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Syscalls that returned ENOSYS because the backend lacks them, by name.
    pub unimplemented: BTreeMap<String, u64>,
    /// ioctl requests the backend does not know, by number.
    pub unknown_ioctls: BTreeMap<u64, u64>,
    /// Syscalls handled.
    pub handled: u64,
    /// Syscalls entered, by name (numbers outside the table as `?`), for the report file.
    pub calls: BTreeMap<&'static str, u64>,
    /// futex operations, by name (`FUTEX_WAKE_OP`, ...), for the report file.
    pub futex_ops: BTreeMap<&'static str, u64>,
    /// Threads created by clone.
    pub threads_created: u64,
}

/// What survives an exec.
pub struct Carry {
    /// File system view.
    pub vfs: Vfs,
    /// Process signal state (handlers reset by exec).
    pub signals: Signals,
    /// The exec'ing thread's mask and pending signals (its alternate stack is dropped).
    pub thread: ThreadSignals,
    /// Report counters.
    pub stats: Stats,
    /// Options.
    pub opts: Options,
    /// The descriptors the harness gives a meaning of its own (signalfd, eventfd, timerfd).
    pub fds: FdTable,
    /// `personality(2)`'s persona.
    pub personality: u32,
}

/// How a process image ended.
pub enum End {
    /// exit/exit_group with this status.
    Exit(i32),
    /// Killed by this signal.
    Signal(u8),
    /// Replaced by another image.
    Exec(Box<ExecPlan>, Carry),
}

/// What a syscall handler asks the return path to do.
pub enum Act {
    /// Return this.
    Ret(Result<u64, LinuxErrno>),
    /// A blocking host call was interrupted by a signal: restart or EINTR depending on the handler.
    Interrupted,
    /// Registers were set by the handler (sigreturn).
    Just,
    /// The calling thread blocks; the scheduler writes the result when the wait ends.
    Block {
        /// What ends the wait.
        wait: Wait,
        /// When it times out.
        deadline: Option<Deadline>,
        /// How a signal ends it.
        on_signal: OnSignal,
    },
    /// The calling thread exited (other threads remain).
    ThreadExit,
    /// The image ends.
    End(End),
}

impl From<Result<u64, LinuxErrno>> for Act {
    fn from(r: Result<u64, LinuxErrno>) -> Act {
        Act::Ret(r)
    }
}

/// A running image.
pub struct Proc<A: GuestArch> {
    /// The engine.
    pub uc: Uc,
    /// The hooks of the brand.
    pub abi: A::Abi,
    /// File system view.
    pub vfs: Vfs,
    /// Process-wide signal state.
    pub sig: Signals,
    /// The threads, in round-robin order.
    pub threads: Vec<GuestThread<A::Thread>>,
    /// Index in `threads` of the current thread (the one on the CPU, or the last one that was).
    pub cur: usize,
    /// Whether the engine holds the registers of `threads[cur]`.
    pub on_cpu: bool,
    /// The tid of the next thread created.
    pub next_tid: Tid,
    /// Arrival counter of blocking waits (futex wake order).
    pub wait_seq: u64,
    /// The current thread gives up the CPU after this system call (sched_yield).
    pub resched: bool,
    /// Counters.
    pub stats: Stats,
    /// Options.
    pub opts: Options,
    /// The descriptors the harness gives a meaning of its own (signalfd, eventfd, timerfd).
    pub fds: FdTable,
    /// `personality(2)`'s persona (kept across exec, as Linux keeps it).
    pub personality: u32,
    /// `membarrier` registrations (`MEMBARRIER_CMD_REGISTER_*` bits).
    pub membarrier: u32,
    /// Start of the heap.
    pub brk_start: u64,
    /// Current break.
    pub brk: u64,
    /// The vdso and the timekeeping it reads (declared after `uc`: the engine that maps its data page
    /// is dropped first).
    pub vdso: Vdso,
}

fn host_errno() -> LinuxErrno {
    let e = std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EINVAL);
    LinuxErrno::new(e as u16).unwrap_or(LinuxErrno::EINVAL)
}

/// A host call's return value as a syscall result.
pub fn hret(r: i64) -> Result<u64, LinuxErrno> {
    if r < 0 {
        Err(host_errno())
    } else {
        Ok(r as u64)
    }
}

impl<A: GuestArch> Proc<A> {
    /// Loads `plan` into a fresh engine (the exec point of no return has passed when this is called,
    /// but every check that can fail for a valid plan happens in `loader::prepare`).
    pub fn start(plan: &ExecPlan, carry: Carry) -> Result<Proc<A>, ExecError> {
        let err = |m: String| ExecError { errno: LinuxErrno::ENOMEM, msg: m };
        let layout = A::LAYOUT;
        let mut uc = A::new_engine(plan).map_err(err)?;
        let abi = A::abi(plan, &uc);
        let main_bias = if plan.main.hdr.e_type == 3 { layout.et_dyn_base } else { 0 };
        let placed = loader::place(&mut uc, &plan.main, main_bias)?;
        let brk_start = page_up(placed.end).unwrap_or(placed.end);
        let (mut entry, mut reloc) = (plan.main.hdr.entry.wrapping_add(main_bias), main_bias);
        let mut interp_base = 0;
        if let Some(i) = &plan.interp {
            let (lo, size) = loader::span(i);
            let base = uc
                .get_data()
                .vm
                .find_free_below(size, layout.mmap_top, layout.mmap_bottom)
                .ok_or_else(|| err(format!("{}: no room for the interpreter", i.guest_path)))?;
            let bias = base.wrapping_sub(lo);
            loader::place(&mut uc, i, bias)?;
            entry = i.hdr.entry.wrapping_add(bias);
            reloc = bias;
            interp_base = bias;
        }
        let stack_bottom = layout.stack_end - STACK_SIZE;
        cpu::map(&mut uc, stack_bottom, layout.stack_end, PROT_READ | PROT_WRITE)
            .map_err(|_| err("cannot map the stack".into()))?;
        // The vdso (and its data page below it) after the interpreter, top-down in the mmap area as Linux's
        // arch_setup_additional_pages; signal handlers return through its trampoline.
        let vdso = Vdso::map(&mut uc, A::vdso(&abi), layout.mmap_top, layout.mmap_bottom)
            .map_err(|e| ExecError { errno: e, msg: format!("cannot map the vdso: {e:?}") })?;

        let mut strings = Vec::new();
        for s in plan.argv.iter().chain(plan.envp.iter()) {
            strings.extend_from_slice(s);
            strings.push(0);
        }
        let args = ExecArgs::new(&strings, plan.argv.len() as u64, plan.envp.len() as u64)
            .map_err(|e| ExecError { errno: e, msg: "bad argument strings".into() })?;
        // SAFETY: plain libc getters without arguments.
        let (uid, euid, gid, egid) =
            unsafe { (libc::getuid(), libc::geteuid(), libc::getgid(), libc::getegid()) };
        let info = ExecImageInfo {
            phdr: loader::phdr_addr(&plan.main, main_bias),
            phent: 56,
            phnum: u64::from(plan.main.hdr.phnum),
            interp_base,
            entry: plan.main.hdr.entry.wrapping_add(main_bias),
            flags: 0,
            uid: u64::from(uid),
            euid: u64::from(euid),
            gid: u64::from(gid),
            egid: u64::from(egid),
            secure: false,
            page_size: crate::vm::PAGE,
            clock_ticks: 100,
            vdso_base: Some(vdso.base),
        };
        let mut random = [0u8; 16];
        // SAFETY: `random` is 16 writable bytes.
        unsafe { libc::getrandom(random.as_mut_ptr().cast(), 16, 0) };
        let limits = StackLimits { max_args_bytes: STACK_SIZE / 4, stack_bottom };
        let execfn = plan.execfn.clone();
        let stack = copyout_initial_stack(
            &abi,
            &mut UcMem(&mut uc),
            layout.stack_end,
            &args,
            &execfn,
            &info,
            &random,
            &limits,
        )
        .map_err(|e| ExecError { errno: e, msg: format!("cannot build the initial stack: {e:?}") })?;
        let mut thread = A::Thread::default();
        abi.exec_setregs(&mut thread, &UcMem(&mut uc), &ExecEntry { entry, reloc_base: reloc }, &stack)
            .map_err(|e| ExecError {
                errno: e,
                msg: format!("{}: bad entry point: {e:?}", plan.main.guest_path),
            })?;
        A::write_thread(&mut uc, &thread);

        let mut vfs = carry.vfs;
        vfs.exe = plan.exe.clone();
        // Exec resets handled signals to SIG_DFL; ignored ones stay ignored; the alternate stack goes.
        let mut sig = carry.signals;
        for a in sig.actions.iter_mut() {
            if a.handler != 1 {
                *a = Action::default();
            }
        }
        let mut main_thread = carry.thread;
        main_thread.altstack = AltStack::default();
        // SAFETY: plain libc getter.
        let pid = unsafe { libc::getpid() };
        let mut first = GuestThread::new(pid, main_thread);
        // Linux's begin_new_exec: the thread's name is the last component of the executed path.
        let base = plan.exe.rsplit('/').next().unwrap_or("").as_bytes();
        let n = base.len().min(15);
        first.comm[..n].copy_from_slice(&base[..n]);
        Ok(Proc {
            uc,
            abi,
            vfs,
            sig,
            threads: vec![first],
            cur: 0,
            on_cpu: true,
            next_tid: FIRST_THREAD_TID,
            wait_seq: 0,
            resched: false,
            stats: carry.stats,
            opts: carry.opts,
            fds: carry.fds,
            personality: carry.personality,
            membarrier: 0,
            brk_start,
            brk: brk_start,
            vdso,
        })
    }

    /// Runs the image until it exits, dies or execs; also returns the counters for the report.
    pub fn run(mut self) -> (End, Stats) {
        let end = self.run_inner();
        let stats = std::mem::take(&mut self.stats);
        (end, stats)
    }

    fn run_inner(&mut self) -> End {
        // Whether the next pick starts after the current thread (its slice ended or it yielded).
        let mut rotate = false;
        loop {
            // The guest may read the clocks in the vdso before it enters the kernel again.
            self.vdso.publish();
            self.collect_host();
            self.sync_signalfds();
            self.wake_timed_out();
            self.wake_ready();
            self.wake_signalled();
            let Some(next) = self.pick(rotate) else {
                if let Some(end) = self.idle() {
                    return end;
                }
                continue;
            };
            rotate = false;
            self.switch_to(next);
            if let Some(end) = self.deliver() {
                return end;
            }
            // Only a thread that shares the CPU gets a bounded slice (counting slows the emulator).
            let runnable = self.threads.iter().filter(|t| t.blocked.is_none()).count();
            let slice = if runnable > 1 { TIME_SLICE } else { 0 };
            let ticks = hostsig::ticks();
            hostsig::set_engine(self.uc.get_handle());
            let stop = if hostsig::any() { Stop::Async } else { cpu::run_for(&mut self.uc, slice) };
            hostsig::set_engine(std::ptr::null_mut());
            match stop {
                Stop::Interrupt(n) => match A::trap(&mut self.uc, n) {
                    Trap::Syscall => {
                        if let Some(end) = self.syscall() {
                            return end;
                        }
                    }
                    Trap::Signal { sig, code, addr } => self.fault(sig, code, addr),
                    Trap::Unexpected => {
                        if self.opts.strace {
                            eprintln!(
                                "ppc64-harness: unexpected CPU exception {n} at {:#x}",
                                cpu::pc(&self.uc)
                            );
                        }
                        self.fault(LinuxSignal::SIGILL, si_code::ILL_ILLOPC, cpu::pc(&self.uc))
                    }
                },
                Stop::MemFault { kind, addr } => {
                    use unicorn_engine::MemType;
                    let code = match kind {
                        MemType::READ_UNMAPPED | MemType::WRITE_UNMAPPED | MemType::FETCH_UNMAPPED => {
                            si_code::SEGV_MAPERR
                        }
                        _ => si_code::SEGV_ACCERR,
                    };
                    if self.opts.strace {
                        eprintln!("--- fault {kind:?} at {addr:#x}, pc {:#x}", cpu::pc(&self.uc));
                    }
                    self.fault(LinuxSignal::SIGSEGV, code, addr)
                }
                // The slice ran out (not a vdso tick, not a host signal): the next thread's turn.
                Stop::Async => rotate = slice != 0 && !hostsig::any() && hostsig::ticks() == ticks,
                Stop::Error(e) => {
                    eprintln!("ppc64-harness: emulator error {e:?} at pc {:#x}", cpu::pc(&self.uc));
                    self.fault(LinuxSignal::SIGILL, si_code::ILL_ILLOPC, cpu::pc(&self.uc))
                }
            }
            if std::mem::take(&mut self.resched) {
                rotate = true;
            }
        }
    }

    // --- threads and the scheduler ---

    /// The current thread.
    pub fn thr(&self) -> &GuestThread<A::Thread> {
        &self.threads[self.cur]
    }

    /// The current thread, mutably.
    pub fn thr_mut(&mut self) -> &mut GuestThread<A::Thread> {
        &mut self.threads[self.cur]
    }

    /// The index of the thread with `tid`.
    pub fn thread_index(&self, tid: Tid) -> Option<usize> {
        self.threads.iter().position(|t| t.tid == tid)
    }

    /// The next thread to run, round-robin: the current one (or, when `rotate`, the one after it) if
    /// runnable, else the first runnable one after it. `None` when every thread is blocked.
    fn pick(&self, rotate: bool) -> Option<usize> {
        let n = self.threads.len();
        let start = self.cur + usize::from(rotate);
        (0..n).map(|i| (start + i) % n).find(|&i| self.threads[i].blocked.is_none())
    }

    /// Saves the registers of the thread on the CPU into it.
    fn park(&mut self) {
        if self.on_cpu {
            let orig = self.thr().orig_arg0;
            let ctx = A::read_thread(&self.uc, orig);
            self.thr_mut().ctx = Some(Box::new(ctx));
            self.on_cpu = false;
        }
    }

    /// Puts thread `next` on the CPU (a no-op when it is there already).
    fn switch_to(&mut self, next: usize) {
        if self.on_cpu && next == self.cur {
            return;
        }
        self.park();
        A::context_switch(&mut self.uc);
        self.cur = next;
        if let Some(ctx) = self.thr_mut().ctx.take() {
            A::write_thread(&mut self.uc, &ctx);
        }
        self.on_cpu = true;
    }

    /// Blocks the current thread in the system call `req` (its registers are saved; the result is
    /// written into them when the wait ends).
    fn block_current(
        &mut self,
        wait: Wait,
        deadline: Option<Deadline>,
        on_signal: OnSignal,
        req: SyscallRequest,
    ) {
        self.park();
        let seq = self.wait_seq;
        self.wait_seq += 1;
        self.thr_mut().blocked = Some(Blocked { wait, deadline, on_signal, req, seq });
    }

    /// Ends the wait of blocked thread `i` with `outcome`, written through the arch hook into its
    /// saved registers.
    pub fn finish_wait(&mut self, i: usize, outcome: SyscallOutcome) {
        let t = &mut self.threads[i];
        let Some(b) = t.blocked.take() else { return };
        if let Some(ctx) = t.ctx.as_mut() {
            self.abi.set_syscall_retval(A::Abi::frame_mut(ctx), &b.req, outcome);
        }
    }

    /// Ends every wait whose deadline has passed: futex waits with ETIMEDOUT, sleeps with success.
    fn wake_timed_out(&mut self) {
        for i in 0..self.threads.len() {
            let Some(b) = self.threads[i].blocked else { continue };
            let Some(d) = b.deadline else { continue };
            if d.remaining_ns() > 0 {
                continue;
            }
            let outcome = match b.wait {
                Wait::Futex { .. } => SyscallOutcome::Error(LinuxErrno::ETIMEDOUT),
                Wait::Sleep { .. } => SyscallOutcome::Success(0),
                Wait::Signal | Wait::SigSet { .. } => SyscallOutcome::Error(LinuxErrno::EAGAIN),
                Wait::Io { on_timeout: IoTimeout::Zero } => SyscallOutcome::Success(0),
                Wait::Io { on_timeout: IoTimeout::Error(e) } => SyscallOutcome::Error(e),
            };
            self.finish_wait(i, outcome);
        }
    }

    /// Restarts the system calls of threads whose descriptors became ready ([`Wait::Io`]) or whose
    /// awaited signal is pending ([`Wait::SigSet`]).
    fn wake_ready(&mut self) {
        let mut polled: Vec<libc::pollfd> = Vec::new();
        for t in &self.threads {
            if matches!(t.blocked, Some(Blocked { wait: Wait::Io { .. }, .. })) {
                polled.extend(t.io.iter().map(|&(fd, events)| libc::pollfd { fd, events, revents: 0 }));
            }
        }
        if !polled.is_empty() {
            // SAFETY: `polled` holds that many pollfds; a zero timeout never blocks.
            unsafe { libc::poll(polled.as_mut_ptr(), polled.len() as libc::nfds_t, 0) };
        }
        let mut at = 0;
        let shared = self.sig.pending;
        for i in 0..self.threads.len() {
            let Some(b) = self.threads[i].blocked else { continue };
            match b.wait {
                Wait::Io { .. } => {
                    let n = self.threads[i].io.len();
                    let ready = polled[at..at + n].iter().any(|p| p.revents != 0);
                    at += n;
                    if ready {
                        self.finish_wait(i, SyscallOutcome::Restart);
                    }
                }
                Wait::SigSet { set } => {
                    if (self.threads[i].sig.pending | shared) & set != 0 {
                        self.finish_wait(i, SyscallOutcome::Restart);
                    }
                }
                _ => {}
            }
        }
    }

    /// The signals whose delivery would do something now: run a handler or kill the process.
    fn acting(&self) -> u64 {
        (1..=64u8)
            .filter(|&n| {
                let a = self.sig.actions[usize::from(n)];
                let sig = LinuxSignal::new(u64::from(n));
                a.handler > 1 || (a.handler == 0 && sig.is_some_and(|s| !default_ignored(s) && !is_stop(s)))
            })
            .fold(0, |m, n| m | (1u64 << (n - 1)))
    }

    /// Interrupts blocked threads that have a signal to take: one sent to the thread, or one sent to
    /// the process that no running thread can take (Linux's `complete_signal` picks one thread).
    fn wake_signalled(&mut self) {
        let acting = self.acting();
        for i in 0..self.threads.len() {
            let t = &self.threads[i];
            if t.blocked.is_none() {
                continue;
            }
            let own = t.sig.pending & !t.sig.mask & acting;
            if own != 0 {
                self.interrupt(i, own);
            }
        }
        let shared = self.sig.pending & acting;
        for n in 0..64 {
            let bit = 1u64 << n;
            if shared & bit == 0 || self.threads.iter().any(|t| t.blocked.is_none() && t.sig.mask & bit == 0)
            {
                continue;
            }
            if let Some(i) = self.threads.iter().position(|t| t.blocked.is_some() && t.sig.mask & bit == 0) {
                self.interrupt(i, bit);
            }
        }
    }

    /// Ends the wait of blocked thread `i` because of the lowest signal in `set`.
    fn interrupt(&mut self, i: usize, set: u64) {
        let Some(b) = self.threads[i].blocked else { return };
        let Some(sig) = LinuxSignal::new(u64::from(set.trailing_zeros()) + 1) else { return };
        let outcome = match (b.wait, b.on_signal) {
            (Wait::Sleep { rem: Some(rem) }, _) => {
                let left = b.deadline.map_or(0, |d| d.remaining_ns());
                let (s, ns) = ((left / 1_000_000_000) as u64, (left % 1_000_000_000) as u64);
                let mut ts = self.g64(s).to_vec();
                ts.extend_from_slice(&self.g64(ns));
                let _ = self.write(rem, &ts);
                SyscallOutcome::Error(LinuxErrno::EINTR)
            }
            (_, OnSignal::Restart) if !self.interrupts(sig) => SyscallOutcome::Restart,
            _ => SyscallOutcome::Error(LinuxErrno::EINTR),
        };
        self.finish_wait(i, outcome);
    }

    /// Every thread is blocked: waits on the host for the earliest deadline or a host signal, or ends
    /// the run when nothing can ever wake a thread (no deadline, no thread waiting for a signal, no
    /// real-time timer armed).
    fn idle(&mut self) -> Option<End> {
        let earliest =
            self.threads.iter().filter_map(|t| t.blocked?.deadline).map(|d| d.remaining_ns()).min();
        let signal_wait = self.threads.iter().any(|t| {
            t.blocked.is_some_and(|b| matches!(b.wait, Wait::Signal | Wait::SigSet { .. } | Wait::Io { .. }))
        });
        if earliest.is_none() && !signal_wait && !real_timer_armed() {
            let waits: Vec<String> =
                self.threads.iter().map(|t| format!("tid {}: {}", t.tid, t.describe_wait())).collect();
            eprintln!(
                "ppc64-harness: deadlock: all {} threads are blocked and nothing can wake them ({}); killing the process",
                self.threads.len(),
                waits.join("; ")
            );
            return Some(End::Signal(LinuxSignal::SIGKILL.get()));
        }
        // Descriptors some thread waits for end the host wait too.
        let mut fds: Vec<libc::pollfd> = self
            .threads
            .iter()
            .filter(|t| matches!(t.blocked, Some(Blocked { wait: Wait::Io { .. }, .. })))
            .flat_map(|t| t.io.iter().map(|&(fd, events)| libc::pollfd { fd, events, revents: 0 }))
            .collect();
        hostsig::wait(
            earliest.map(|ns| std::time::Duration::from_nanos(ns.min(i128::from(u64::MAX)) as u64)),
            &mut fds,
        );
        None
    }

    /// `exit` of the current thread: the process ends with the last one. Otherwise the thread's
    /// `clear_tid` word is zeroed and futex-woken (pthread_join waits on it) and the thread is gone.
    pub fn exit_thread(&mut self, code: i32) -> Act {
        if self.threads.len() == 1 {
            return Act::End(End::Exit(code));
        }
        // Linux's mm_release: a shared-futex wake (glibc's pthread_join waits on it as shared).
        let clear = self.thr().clear_tid;
        if clear != 0 && self.write_u32(clear, 0).is_ok() {
            self.futex_wake(clear, false, 1, crate::thread::BITSET_ANY);
        }
        self.threads.remove(self.cur);
        self.on_cpu = false;
        if self.cur >= self.threads.len() {
            self.cur = 0;
        }
        Act::ThreadExit
    }

    /// A synchronous fault: forced on the thread (unblocked, and reset to the default action when
    /// blocked or ignored, as Linux's `force_sig_fault`).
    fn fault(&mut self, sig: LinuxSignal, code: i32, addr: u64) {
        let n = usize::from(sig.get());
        if self.thr().sig.mask & sig.mask() != 0 || self.sig.actions[n].handler == 1 {
            self.sig.actions[n] = Action::default();
            self.thr_mut().sig.mask &= !sig.mask();
        }
        let t = &mut self.thr_mut().sig;
        t.info[n] =
            SigInfo { signo: i32::from(sig.get()), errno: 0, code, fields: SigInfoFields::Fault { addr } };
        t.pending |= sig.mask();
    }

    /// Queues a signal sent to the process (kill, the host).
    pub fn post(&mut self, sig: LinuxSignal, info: SigInfo) {
        let n = usize::from(sig.get());
        if self.sig.pending & sig.mask() == 0 {
            self.sig.info[n] = info;
        }
        self.sig.pending |= sig.mask();
    }

    /// Queues a signal sent to thread `i` (tgkill, tkill).
    pub fn post_thread(&mut self, i: usize, sig: LinuxSignal, info: SigInfo) {
        let n = usize::from(sig.get());
        let t = &mut self.threads[i].sig;
        if t.pending & sig.mask() == 0 {
            t.info[n] = info;
        }
        t.pending |= sig.mask();
    }

    /// Moves host-arrived signals into the pending set.
    fn collect_host(&mut self) {
        let bits = hostsig::take();
        for n in 1..=64u8 {
            if bits & (1u64 << (n - 1)) == 0 {
                continue;
            }
            let Some(sig) = LinuxSignal::new(u64::from(n)) else { continue };
            let (code, pid, uid, status) = hostsig::info(n);
            let fields = if n == LinuxSignal::SIGCHLD.get() {
                SigInfoFields::Child { pid, uid, status, utime: 0, stime: 0 }
            } else if code <= 0 {
                SigInfoFields::Kill { pid, uid }
            } else {
                SigInfoFields::None
            };
            self.post(sig, SigInfo { signo: i32::from(n), errno: 0, code, fields });
        }
    }

    /// The signal the current thread would take next, if any: its own first, then the process's.
    pub fn next_deliverable(&mut self) -> Option<LinuxSignal> {
        self.collect_host();
        let t = &self.thr().sig;
        let unblocked = !(t.mask & LinuxSigset(u64::MAX).blockable().0);
        let ready =
            if t.pending & unblocked != 0 { t.pending & unblocked } else { self.sig.pending & unblocked };
        if ready == 0 {
            return None;
        }
        LinuxSignal::new(u64::from(ready.trailing_zeros()) + 1)
    }

    /// Whether `sig` with its current action would interrupt a restartable syscall for good (a
    /// handler without SA_RESTART), rather than let it restart.
    fn interrupts(&self, sig: LinuxSignal) -> bool {
        let a = &self.sig.actions[usize::from(sig.get())];
        match a.handler {
            0 => !default_ignored(sig),
            1 => false,
            _ => a.flags & SaFlags::SA_RESTART.bits() == 0,
        }
    }

    /// Delivers every deliverable signal of the current thread (each handler frame nests on the
    /// previous one, as Linux does).
    fn deliver(&mut self) -> Option<End> {
        while let Some(sig) = self.next_deliverable() {
            let n = usize::from(sig.get());
            let info = if self.thr().sig.pending & sig.mask() != 0 {
                self.thr_mut().sig.pending &= !sig.mask();
                self.thr().sig.info[n]
            } else {
                self.sig.pending &= !sig.mask();
                self.sig.info[n]
            };
            let act = self.sig.actions[n];
            match act.handler {
                1 => continue,
                0 => {
                    if default_ignored(sig) || is_stop(sig) {
                        continue;
                    }
                    return Some(End::Signal(sig.get()));
                }
                handler => {
                    let mut thread = A::read_thread(&self.uc, self.thr().orig_arg0);
                    let saved_mask = self.thr_mut().suspend_saved.take().unwrap_or(self.thr().sig.mask);
                    let d = SignalDelivery {
                        signal: sig,
                        info,
                        handler,
                        flags: SaFlags::from_bits_truncate(act.flags),
                        saved_mask: LinuxSigset(saved_mask),
                        altstack: self.thr().sig.altstack,
                        trampoline: A::handler_return(&self.vdso, &act),
                    };
                    if self.opts.strace {
                        eprintln!(
                            "--- {} {{si_code={}}} -> handler {handler:#x}",
                            signame(sig.get()),
                            info.code
                        );
                    }
                    if self.abi.sendsig(&mut thread, &mut UcMem(&mut self.uc), &d).is_err() {
                        // Linux force_sigsegv: no room for the frame.
                        return Some(End::Signal(LinuxSignal::SIGSEGV.get()));
                    }
                    A::write_thread(&mut self.uc, &thread);
                    let t = &mut self.thr_mut().sig;
                    t.mask |= act.mask;
                    if act.flags & SaFlags::SA_NODEFER.bits() == 0 {
                        t.mask |= sig.mask();
                    }
                    t.mask = LinuxSigset(t.mask).blockable().0;
                    t.altstack = t.altstack.after_delivery();
                    if act.flags & SaFlags::SA_RESETHAND.bits() != 0 {
                        self.sig.actions[n] = Action::default();
                    }
                }
            }
        }
        if let Some(m) = self.thr_mut().suspend_saved.take() {
            self.thr_mut().sig.mask = m;
        }
        None
    }

    /// Handles one system call: fetch through the arch hook, dispatch, write back through the arch hook.
    fn syscall(&mut self) -> Option<End> {
        let frame = A::read_frame(&self.uc);
        let req: SyscallRequest = self.abi.fetch_syscall_args(&frame);
        self.thr_mut().orig_arg0 = req.args[0];
        let sys = self.abi.syscall_table().lookup(req.number);
        self.stats.handled += 1;
        *self.stats.calls.entry(sys.map_or("?", |s| s.name())).or_default() += 1;
        let tid = self.thr().tid;
        let act = match sys {
            Ok(s) => self.dispatch(s, req.args),
            Err(e) => {
                *self.stats.unimplemented.entry(format!("#{}", req.number)).or_default() += 1;
                Act::Ret(Err(e))
            }
        };
        let outcome = match act {
            Act::Ret(Ok(v)) => SyscallOutcome::Success(v),
            Act::Ret(Err(e)) => SyscallOutcome::Error(e),
            Act::Interrupted => match self.next_deliverable() {
                Some(sig) if self.interrupts(sig) => SyscallOutcome::Error(LinuxErrno::EINTR),
                _ => SyscallOutcome::Restart,
            },
            Act::Just => SyscallOutcome::JustReturn,
            Act::End(end) => return Some(end),
            Act::Block { wait, deadline, on_signal } => {
                if self.opts.strace {
                    self.strace_line(tid, sys.ok(), &req, "? (blocked)");
                }
                self.block_current(wait, deadline, on_signal, req);
                return None;
            }
            Act::ThreadExit => {
                if self.opts.strace {
                    self.strace_line(tid, sys.ok(), &req, "? (thread exited)");
                }
                return None;
            }
        };
        if self.opts.strace {
            let result = match outcome {
                SyscallOutcome::Success(v) => format!("{v:#x}"),
                SyscallOutcome::Error(e) => format!("-1 {}", e.name().unwrap_or("?")),
                SyscallOutcome::Restart => "? (restart)".into(),
                SyscallOutcome::JustReturn => "(just return)".into(),
            };
            self.strace_line(tid, sys.ok(), &req, &result);
        }
        if outcome != SyscallOutcome::JustReturn {
            let mut new = frame;
            self.abi.set_syscall_retval(&mut new, &req, outcome);
            A::write_frame_delta(&mut self.uc, &frame, &new);
        }
        None
    }

    /// One `--strace` line: the thread, the call and its first four arguments, the result.
    fn strace_line(&self, tid: Tid, sys: Option<linux_core::sysno::Sys>, req: &SyscallRequest, result: &str) {
        let a = req.args;
        eprintln!(
            "{tid} {}({:#x}, {:#x}, {:#x}, {:#x}) = {result}",
            sys.map_or("?", |s| s.name()),
            a[0],
            a[1],
            a[2],
            a[3]
        );
    }

    /// Delivery-time handling of `rt_sigreturn`.
    pub fn sigreturn(&mut self) -> Act {
        let mut thread = A::read_thread(&self.uc, self.thr().orig_arg0);
        match self.abi.sigreturn(&mut thread, &UcMem(&mut self.uc)) {
            Ok(out) => {
                A::write_thread(&mut self.uc, &thread);
                let sp = A::sp(A::Abi::frame(&thread));
                let t = self.thr_mut();
                if let Some(orig) = A::orig_arg0(&thread) {
                    t.orig_arg0 = orig;
                }
                t.sig.mask = out.mask.0;
                // restore_altstack: errors are ignored, as Linux does.
                let st = out.altstack;
                if st.flags & linux_core::signal::ss_flags::SS_DISABLE != 0 {
                    t.sig.altstack = AltStack::default();
                } else if st.size != 0 && !t.sig.altstack.contains(sp) {
                    t.sig.altstack = AltStack {
                        sp: st.sp,
                        size: st.size,
                        flags: st.flags & linux_core::signal::ss_flags::SS_AUTODISARM,
                    };
                }
                Act::Just
            }
            Err(_) => {
                self.fault(LinuxSignal::SIGSEGV, si_code::SI_KERNEL, 0);
                Act::Just
            }
        }
    }

    /// Guest memory access helpers.
    pub fn mem(&mut self) -> UcMem<'_> {
        UcMem(&mut self.uc)
    }

    /// Reads `len` bytes.
    pub fn read(&mut self, addr: u64, len: usize) -> Result<Vec<u8>, LinuxErrno> {
        let mut v = vec![0u8; len];
        self.mem().copy_in(UserAddr(addr), &mut v)?;
        Ok(v)
    }

    /// Writes bytes.
    pub fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), LinuxErrno> {
        self.mem().copy_out(UserAddr(addr), data)
    }

    /// Reads a NUL-terminated string (at most 4096 bytes).
    pub fn read_cstr(&mut self, addr: u64) -> Result<Vec<u8>, LinuxErrno> {
        let mut out = Vec::new();
        let mut at = addr;
        loop {
            let chunk = (4096 - (at & 4095)) as usize;
            let b = self.read(at, chunk)?;
            if let Some(i) = b.iter().position(|&c| c == 0) {
                out.extend_from_slice(&b[..i]);
                return Ok(out);
            }
            out.extend_from_slice(&b);
            if out.len() >= 4096 {
                return Err(LinuxErrno::ENAMETOOLONG);
            }
            at += chunk as u64;
        }
    }

    /// Reads a guest u64.
    pub fn read_u64(&mut self, addr: u64) -> Result<u64, LinuxErrno> {
        let b = self.read(addr, 8)?;
        Ok(self.u64_from(&b))
    }

    /// Reads a guest u32.
    pub fn read_u32(&mut self, addr: u64) -> Result<u32, LinuxErrno> {
        let b = self.read(addr, 4)?;
        Ok(linux_core::bytes::read_u32::<A::E>(&b, 0).unwrap_or(0))
    }

    /// A guest-order u64 from bytes.
    pub fn u64_from(&self, b: &[u8]) -> u64 {
        linux_core::bytes::read_u64::<A::E>(b, 0).unwrap_or(0)
    }

    /// Writes a guest u64.
    pub fn write_u64(&mut self, addr: u64, v: u64) -> Result<(), LinuxErrno> {
        self.write(addr, zerocopy::IntoBytes::as_bytes(&zerocopy::byteorder::U64::<A::E>::new(v)))
    }

    /// Writes a guest u32.
    pub fn write_u32(&mut self, addr: u64, v: u32) -> Result<(), LinuxErrno> {
        self.write(addr, zerocopy::IntoBytes::as_bytes(&zerocopy::byteorder::U32::<A::E>::new(v)))
    }

    /// A u64 in guest order.
    pub fn g64(&self, v: u64) -> [u8; 8] {
        zerocopy::byteorder::U64::<A::E>::new(v).to_bytes()
    }

    /// A u32 in guest order.
    pub fn g32(&self, v: u32) -> [u8; 4] {
        zerocopy::byteorder::U32::<A::E>::new(v).to_bytes()
    }

    /// Reads a NULL-terminated array of string pointers (argv, envp).
    pub fn read_strv(&mut self, addr: u64) -> Result<Vec<Vec<u8>>, LinuxErrno> {
        let mut out = Vec::new();
        if addr == 0 {
            return Ok(out);
        }
        for i in 0..0x10000u64 {
            let p = self.read_u64(addr + i * 8)?;
            if p == 0 {
                return Ok(out);
            }
            out.push(self.read_cstr(p)?);
        }
        Err(LinuxErrno::E2BIG)
    }

    /// Whether the guest is big-endian.
    pub fn be(&self) -> bool {
        is_big_endian::<A::E>()
    }

    /// The state an exec carries over.
    pub fn carry(&self) -> Carry {
        Carry {
            vfs: self.vfs.clone(),
            signals: self.sig.clone(),
            thread: self.thr().sig.clone(),
            stats: self.stats.clone(),
            opts: self.opts.clone(),
            fds: self.fds.clone(),
            personality: self.personality,
        }
    }

    /// Maps anonymous memory for brk/mmap (data never executable unless asked).
    pub fn map_anon(&mut self, start: u64, end: u64, prot: u32) -> Result<(), LinuxErrno> {
        cpu::unmap(&mut self.uc, start, end);
        cpu::map(&mut self.uc, start, end, prot)
    }
}

/// Whether a real-time interval timer (alarm, setitimer ITIMER_REAL) is armed: its SIGALRM can still
/// wake a blocked thread.
fn real_timer_armed() -> bool {
    let mut it = libc::itimerval {
        it_interval: libc::timeval { tv_sec: 0, tv_usec: 0 },
        it_value: libc::timeval { tv_sec: 0, tv_usec: 0 },
    };
    // SAFETY: `it` is a valid itimerval.
    unsafe {
        libc::getitimer(libc::ITIMER_REAL, &mut it) == 0
            && (it.it_value.tv_sec != 0 || it.it_value.tv_usec != 0)
    }
}

/// Signals whose default action is to ignore them.
pub fn default_ignored(sig: LinuxSignal) -> bool {
    matches!(sig.get(), 17 | 18 | 23 | 28)
}

/// Signals whose default action is to stop (the harness ignores them: no job control).
pub fn is_stop(sig: LinuxSignal) -> bool {
    matches!(sig.get(), 19..=22)
}

/// A short name for a signal number.
pub fn signame(n: u8) -> String {
    linux_core::signal::LINUX_SIGNALS
        .iter()
        .find(|(_, v)| *v == n)
        .map_or_else(|| format!("SIG{n}"), |(name, _)| (*name).to_string())
}
