//! Guest threads: what each thread of a process owns (its saved CPU context, tid, signal mask, pending
//! set and alternate stack, `set_tid_address` pointer, and what it waits for when blocked), and the
//! time arithmetic of blocking waits. The process-wide state (memory, descriptors, signal actions,
//! process-directed pending signals) stays in [`crate::process::Proc`], which also runs the scheduler.
//!
//! All guest threads of a process run on one unicorn engine, one at a time: a thread on the CPU has its
//! registers in the engine, every other thread has them saved here as its arch crate's thread state `T`
//! (`crate::arch::GuestArch::Thread`: the state a signal frame saves; ppc64's GPRs, LR, CTR, XER, CR, NIP,
//! MSR[LE], FPRs, VRs, VSRs, FPSCR, VSCR, VRSAVE; arm64's x0..x30, sp, pc, flags, V0..V31, FPSR, FPCR,
//! TPIDR_EL0).

use linux_core::signal::{AltStack, SigInfo};
use linux_core::syscall::SyscallRequest;

/// A Linux thread id.
pub type Tid = i32;

/// `FUTEX_BITSET_MATCH_ANY`: the bitset of FUTEX_WAIT and FUTEX_WAKE.
pub const BITSET_ANY: u32 = u32::MAX;

/// The per-thread half of the signal state (the actions and process-directed signals are
/// process-wide, in [`crate::process::Signals`]).
#[derive(Clone, Debug)]
pub struct ThreadSignals {
    /// Blocked set.
    pub mask: u64,
    /// Signals sent to this thread (tgkill, tkill, faults), bit `n-1` for signal `n`.
    pub pending: u64,
    /// The siginfo of each signal in `pending`.
    pub info: [SigInfo; 65],
    /// The alternate signal stack.
    pub altstack: AltStack,
}

impl Default for ThreadSignals {
    fn default() -> Self {
        ThreadSignals { mask: 0, pending: 0, info: [SigInfo::default(); 65], altstack: AltStack::default() }
    }
}

/// What a blocked thread waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// `FUTEX_WAIT*` on the 32-bit word at `addr`: ended by a `FUTEX_WAKE*` on the same word, of the
    /// same kind (private or shared: Linux keys them differently), whose bitset intersects `bitset`
    /// (`FUTEX_REQUEUE` may move the wait to another word).
    Futex {
        /// The futex word.
        addr: u64,
        /// Waited for with `FUTEX_PRIVATE_FLAG`.
        private: bool,
        /// The waiter's bitset (`BITSET_ANY` for FUTEX_WAIT).
        bitset: u32,
    },
    /// nanosleep / clock_nanosleep: only the deadline or a signal ends it. `rem` is where an
    /// interrupted relative sleep stores the time left.
    Sleep {
        /// The `rem` pointer of a relative sleep.
        rem: Option<u64>,
    },
    /// pause / rt_sigsuspend: any signal that is delivered to the thread.
    Signal,
    /// A system call that would block on host descriptors (read of an empty pipe, accept, recv, poll,
    /// epoll_wait, a signalfd read) while other guest threads could make progress: the descriptors and
    /// events are the thread's [`GuestThread::io`]; when one is ready the call is restarted (it runs
    /// again from the start, as after `-ERESTARTSYS`), so no host call ever blocks the whole process.
    Io {
        /// What the call returns when its deadline passes.
        on_timeout: IoTimeout,
    },
    /// rt_sigtimedwait: one of these signals (blocked ones included) becomes pending; the call is
    /// restarted and takes it.
    SigSet {
        /// The awaited set, bit `n-1` for signal `n`.
        set: u64,
    },
}

/// The result of an [`Wait::Io`] wait whose deadline passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoTimeout {
    /// Success with 0 (poll, epoll_wait: no descriptor ready).
    Zero,
    /// This error (a socket's SO_RCVTIMEO: EAGAIN).
    Error(linux_core::errno::LinuxErrno),
}

/// How a signal ends a wait, after Linux's return codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnSignal {
    /// `-ERESTARTSYS`: restarted when the handler has SA_RESTART (or no handler runs), else EINTR.
    Restart,
    /// `-EINTR` (or `-ERESTART_RESTARTBLOCK`/`-ERESTARTNOHAND`, which are EINTR whenever a handler runs).
    Eintr,
}

/// An absolute point in time on a host clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    /// `CLOCK_MONOTONIC` or `CLOCK_REALTIME`.
    pub clock: libc::clockid_t,
    /// Nanoseconds since the clock's epoch.
    pub ns: i128,
}

/// The current time of a host clock in nanoseconds.
pub fn now_ns(clock: libc::clockid_t) -> i128 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid timespec.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec)
}

impl Deadline {
    /// `ns` nanoseconds from now on the monotonic clock (a relative timeout).
    pub fn after(ns: i128) -> Deadline {
        Deadline { clock: libc::CLOCK_MONOTONIC, ns: now_ns(libc::CLOCK_MONOTONIC).saturating_add(ns) }
    }

    /// Nanoseconds until the deadline (0 when it has passed).
    pub fn remaining_ns(&self) -> i128 {
        (self.ns - now_ns(self.clock)).max(0)
    }
}

/// A thread blocked in a system call.
#[derive(Clone, Copy, Debug)]
pub struct Blocked {
    /// What ends the wait.
    pub wait: Wait,
    /// When the wait times out (ETIMEDOUT for futexes, success for sleeps).
    pub deadline: Option<Deadline>,
    /// How a signal ends it.
    pub on_signal: OnSignal,
    /// The system call, for writing its result (or restarting it) through the arch hook.
    pub req: SyscallRequest,
    /// Order of arrival among waiters: futex wakes go to the oldest waiters first.
    pub seq: u64,
}

/// One guest thread, whose saved registers are a `T`.
#[derive(Clone, Debug)]
pub struct GuestThread<T> {
    /// Its id (the process id for the first thread).
    pub tid: Tid,
    /// Its registers while it is not on the CPU.
    pub ctx: Option<Box<T>>,
    /// The first argument of its current or last system call (ppc64's `orig_gpr3`, which its
    /// restart and signal frames need; arm64 keeps it in the syscall request).
    pub orig_arg0: u64,
    /// Its signal mask, pending signals and alternate stack.
    pub sig: ThreadSignals,
    /// `set_tid_address` / `CLONE_CHILD_CLEARTID`: zeroed and futex-woken when the thread exits.
    pub clear_tid: u64,
    /// `set_robust_list` head and length.
    pub robust: (u64, u64),
    /// The mask to save in the next signal frame instead of the current one (after `rt_sigsuspend`).
    pub suspend_saved: Option<u64>,
    /// Set while the thread waits in a system call.
    pub blocked: Option<Blocked>,
    /// The host descriptors and poll events of a [`Wait::Io`] wait.
    pub io: Vec<(i32, i16)>,
    /// Its name (`PR_SET_NAME`/`PR_GET_NAME`, Linux's `comm`), NUL-padded.
    pub comm: [u8; 16],
}

impl<T> GuestThread<T> {
    /// A thread with `tid` and `sig`, not blocked, with no saved context.
    pub fn new(tid: Tid, sig: ThreadSignals) -> GuestThread<T> {
        GuestThread {
            tid,
            ctx: None,
            orig_arg0: 0,
            sig,
            clear_tid: 0,
            robust: (0, 0),
            suspend_saved: None,
            blocked: None,
            io: Vec::new(),
            comm: [0; 16],
        }
    }

    /// A short description of what the thread waits for (for the deadlock message).
    pub fn describe_wait(&self) -> String {
        match self.blocked.map(|b| b.wait) {
            None => "runnable".into(),
            Some(Wait::Futex { addr, .. }) => format!("futex wait on {addr:#x}"),
            Some(Wait::Sleep { .. }) => "sleeping".into(),
            Some(Wait::Signal) => "waiting for a signal".into(),
            Some(Wait::Io { .. }) => format!("waiting for descriptors {:?}", self.io),
            Some(Wait::SigSet { set }) => format!("rt_sigtimedwait for {set:#x}"),
        }
    }
}
