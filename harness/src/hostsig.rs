//! Host signals: the harness catches the signals a guest may receive from outside (terminal, children,
//! timers, other processes), records them, and stops the emulator so they are delivered at the next
//! instruction boundary through the arch crate's `sendsig`.

use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicU32, AtomicU64, Ordering};

/// Signals that arrived and are not yet taken by the guest, bit `n-1` for signal `n`.
static PENDING: AtomicU64 = AtomicU64::new(0);
/// How many vdso ticks have fired: a stop of the engine with no tick and no host signal is the end
/// of a thread's time slice.
static TICKS: AtomicU64 = AtomicU64::new(0);
/// The running engine, stopped by the handler so the signal is seen promptly.
static ENGINE: AtomicPtr<unicorn_engine_sys::uc_engine> = AtomicPtr::new(std::ptr::null_mut());

/// The sender's view of the last arrival of each signal: (si_code, si_pid, si_uid, si_status).
struct Info {
    code: AtomicI32,
    pid: AtomicI32,
    uid: AtomicU32,
    status: AtomicI32,
}

#[allow(clippy::declare_interior_mutable_const)]
const INFO_INIT: Info = Info {
    code: AtomicI32::new(0),
    pid: AtomicI32::new(0),
    uid: AtomicU32::new(0),
    status: AtomicI32::new(0),
};
static INFO: [Info; 65] = [INFO_INIT; 65];

/// Signals caught on the host on the guest's behalf. Synchronous faults (SEGV, BUS, ILL, FPE, TRAP)
/// are the harness's own and keep their default action; SIGKILL/SIGSTOP cannot be caught.
pub const CAUGHT: &[i32] = &[
    libc::SIGHUP,
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGPIPE,
    libc::SIGALRM,
    libc::SIGTERM,
    libc::SIGCHLD,
    libc::SIGCONT,
    libc::SIGWINCH,
    libc::SIGURG,
    libc::SIGIO,
    libc::SIGPROF,
    libc::SIGVTALRM,
    libc::SIGXCPU,
    libc::SIGXFSZ,
    libc::SIGPWR,
    libc::SIGTSTP,
    libc::SIGTTIN,
    libc::SIGTTOU,
];

extern "C" fn handler(sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    if !(1..=64).contains(&sig) {
        return;
    }
    if !info.is_null() {
        // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler; only plain fields are read.
        unsafe {
            let i = &*info;
            let slot = &INFO[sig as usize];
            slot.code.store(i.si_code, Ordering::Relaxed);
            slot.pid.store(i.si_pid(), Ordering::Relaxed);
            slot.uid.store(i.si_uid(), Ordering::Relaxed);
            if sig == libc::SIGCHLD {
                slot.status.store(i.si_status(), Ordering::Relaxed);
            }
        }
    }
    PENDING.fetch_or(1u64 << (sig - 1), Ordering::SeqCst);
    let uc = ENGINE.load(Ordering::SeqCst);
    if !uc.is_null() {
        // SAFETY: `uc` is the live engine registered by `set_engine` (cleared before it is freed);
        // uc_emu_stop_async (harness/unicorn/ppc64.patch) only stores flags. Not uc_emu_stop: it can
        // stop right after a memory access inside a block and make that instruction run again.
        unsafe {
            unicorn_engine_sys::uc_emu_stop_async(uc);
        }
    }
}

/// Installs the handlers (without SA_RESTART: blocking host calls return EINTR so the guest's signal
/// is delivered; the syscall layer restarts them as Linux would).
pub fn install() {
    for &sig in CAUGHT {
        // SAFETY: a zeroed sigaction with a valid handler address and an empty mask is a valid argument.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = handler as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// The tick's handler: stops the running engine so that the run loop publishes fresh vdso timehands
/// (`crate::vdso`); nothing is delivered to the guest.
extern "C" fn tick(_sig: libc::c_int) {
    TICKS.fetch_add(1, Ordering::SeqCst);
    let uc = ENGINE.load(Ordering::SeqCst);
    if !uc.is_null() {
        // SAFETY: as in `handler`: the live engine registered by `set_engine`; uc_emu_stop_async only
        // stores flags.
        unsafe {
            unicorn_engine_sys::uc_emu_stop_async(uc);
        }
    }
}

/// Starts the vdso tick: a host timer on this process's CPU time that fires every `period_ns` of
/// running time (so never while the harness blocks) with the host's `SIGRTMAX`, which only stops the
/// engine (the guest's real-time signals are not host signals). Timers are not inherited by fork: the
/// child calls this again. Returns false when the host refuses the timer (the vdso then stays exact
/// only across system calls).
pub fn start_tick(period_ns: u64) -> bool {
    let period = libc::timespec {
        tv_sec: (period_ns / 1_000_000_000) as libc::time_t,
        tv_nsec: (period_ns % 1_000_000_000) as libc::c_long,
    };
    // SAFETY: a zeroed sigaction with a valid handler and an empty mask, a zeroed sigevent filled with
    // SIGEV_SIGNAL, and a timer id written by timer_create are valid arguments.
    unsafe {
        let sig = libc::SIGRTMAX();
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = tick as *const () as usize;
        sa.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut sa.sa_mask);
        if libc::sigaction(sig, &sa, std::ptr::null_mut()) != 0 {
            return false;
        }
        let mut ev: libc::sigevent = std::mem::zeroed();
        ev.sigev_notify = libc::SIGEV_SIGNAL;
        ev.sigev_signo = sig;
        let mut id: libc::timer_t = std::ptr::null_mut();
        if libc::timer_create(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ev, &mut id) != 0 {
            return false;
        }
        let spec = libc::itimerspec { it_interval: period, it_value: period };
        libc::timer_settime(id, 0, &spec, std::ptr::null_mut()) == 0
    }
}

/// Registers the engine the handler stops (null to clear).
pub fn set_engine(uc: *mut unicorn_engine_sys::uc_engine) {
    ENGINE.store(uc, Ordering::SeqCst);
}

/// Takes the pending host signals.
pub fn take() -> u64 {
    PENDING.swap(0, Ordering::SeqCst)
}

/// Whether any host signal is pending.
pub fn any() -> bool {
    PENDING.load(Ordering::SeqCst) != 0
}

/// The sender info of the last arrival of `sig`: (code, pid, uid, status).
pub fn info(sig: u8) -> (i32, i32, u32, i32) {
    let s = &INFO[usize::from(sig).min(64)];
    (
        s.code.load(Ordering::Relaxed),
        s.pid.load(Ordering::Relaxed),
        s.uid.load(Ordering::Relaxed),
        s.status.load(Ordering::Relaxed),
    )
}

/// Blocks all caught signals; returns the previous mask.
pub fn block_all() -> libc::sigset_t {
    // SAFETY: sigset_t values are plain data initialised by sigfillset/sigprocmask.
    unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::sigprocmask(libc::SIG_BLOCK, &all, &mut old);
        old
    }
}

/// Restores a mask from [`block_all`].
pub fn restore(old: &libc::sigset_t) {
    // SAFETY: `old` came from sigprocmask.
    unsafe {
        libc::sigprocmask(libc::SIG_SETMASK, old, std::ptr::null_mut());
    }
}

/// The number of vdso ticks so far (see [`start_tick`]).
pub fn ticks() -> u64 {
    TICKS.load(Ordering::SeqCst)
}

/// Waits until a host signal arrives, one of `fds` is ready or `timeout` passes (forever when `None`);
/// returns at once when a signal is already pending. Used when every guest thread is blocked.
pub fn wait(timeout: Option<std::time::Duration>, fds: &mut [libc::pollfd]) {
    let old = block_all();
    if !any() {
        let ts = timeout.map(|d| libc::timespec {
            tv_sec: d.as_secs().min(i64::MAX as u64) as libc::time_t,
            tv_nsec: libc::c_long::from(d.subsec_nanos() as i32),
        });
        // SAFETY: `fds` holds that many pollfds, a valid or null timespec and an empty mask: ppoll
        // atomically unblocks every signal and returns after a handler ran, when a descriptor is ready
        // or when the timeout passed.
        unsafe {
            let mut empty: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut empty);
            libc::ppoll(
                fds.as_mut_ptr(),
                fds.len() as libc::nfds_t,
                ts.as_ref().map_or(std::ptr::null(), |t| t as *const _),
                &empty,
            );
        }
    }
    restore(&old);
}

/// Terminates the harness by `sig` with the default action, as the guest would have died; falls back
/// to exit status 128 + sig.
pub fn die_by(sig: i32) -> ! {
    // SAFETY: resetting a disposition, unblocking and raising are valid for any signal number 1..=64.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = libc::SIG_DFL;
        libc::sigaction(sig, &sa, std::ptr::null_mut());
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        // No core files from the emulator: the guest's core would not be a guest core anyway.
        let lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        libc::setrlimit(libc::RLIMIT_CORE, &lim);
        libc::raise(sig);
    }
    std::process::exit(128 + sig)
}
