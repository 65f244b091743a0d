//! Event and timer descriptors: epoll, eventfd and timerfd are the host's objects with the guest's
//! structures translated field by field (`struct epoll_event` is packed on the x86-64 host, 12 bytes,
//! and naturally aligned on powerpc64 and arm64, 16 bytes: `events` at 0, `data` at 8; `struct
//! itimerspec` is four longs; the counters are u64 in the guest's byte order). signalfd is emulated
//! over the harness's own signal queues (`crate::fdtable`).
//!
//! Also here: how a call that would block waits without blocking the other guest threads
//! ([`Wait::Io`]), and the temporary signal mask of ppoll/pselect6/epoll_pwait.

use crate::arch::GuestArch;
use crate::fdtable::FdKind;
use crate::process::{hret, Act, Proc};
use crate::thread::{Deadline, IoTimeout, OnSignal, Wait};
use linux_core::errno::LinuxErrno;
use linux_core::signal::{LinuxSigset, SigInfo, SigInfoFields};

type R = Result<u64, LinuxErrno>;

/// Size of `struct signalfd_siginfo`.
const SIGNALFD_SIGINFO: usize = 128;
/// Size of the guest's `struct epoll_event` (powerpc64, arm64: not packed).
const GUEST_EPOLL_EVENT: usize = 16;

impl<A: GuestArch> Proc<A> {
    /// The guest's `O_NONBLOCK | O_CLOEXEC` bits of `flags` as the host's, and the other bits unchanged
    /// (the `SOCK_*`/`EFD_*`/`TFD_*`/`SFD_*`/`EPOLL_CLOEXEC` flags are these two open flags).
    pub fn nb_cloexec(flags: u64) -> (i32, u64) {
        let both = u64::from(A::open_flags_to_guest(libc::O_NONBLOCK | libc::O_CLOEXEC));
        (A::open_flags_to_host((flags & both) as u32), flags & !both)
    }

    /// For a call on `fd` that may block: when other guest threads exist and the call would block
    /// (a blocking descriptor that `poll` says is not ready for `events`), the calling thread waits
    /// for the descriptor as a guest thread ([`Wait::Io`]) and the call is restarted when it is ready.
    /// `None`: go ahead with the host call.
    pub fn would_block(&mut self, fd: i32, events: i16, dontwait: bool) -> Option<Act> {
        if self.threads.len() <= 1 || dontwait {
            return None;
        }
        // SAFETY: F_GETFL and a zero-timeout poll of one pollfd.
        let ready = unsafe {
            let fl = libc::fcntl(fd, libc::F_GETFL);
            if fl < 0 || fl & libc::O_NONBLOCK != 0 {
                return None;
            }
            let mut p = libc::pollfd { fd, events, revents: 0 };
            libc::poll(&mut p, 1, 0) != 0
        };
        if ready {
            return None;
        }
        Some(self.io_wait(vec![(fd, events)], None, IoTimeout::Error(LinuxErrno::EAGAIN), OnSignal::Restart))
    }

    /// The calling thread waits for `fds` (see [`Wait::Io`]).
    pub fn io_wait(
        &mut self,
        fds: Vec<(i32, i16)>,
        deadline: Option<Deadline>,
        on_timeout: IoTimeout,
        on_signal: OnSignal,
    ) -> Act {
        self.thr_mut().io = fds;
        Act::Block { wait: Wait::Io { on_timeout }, deadline, on_signal }
    }

    /// ppoll/pselect6/epoll_pwait's signal mask: installed for the duration of the call (the mask
    /// from before is restored when it returns, or saved in the frame of a handler that interrupts it,
    /// as rt_sigsuspend). Returns whether a signal is deliverable under it at once (the call then
    /// fails with EINTR without waiting).
    pub fn temp_sigmask(&mut self, set: u64, size: u64) -> Result<bool, LinuxErrno> {
        if set == 0 {
            return Ok(false);
        }
        if size != 8 {
            return Err(LinuxErrno::EINVAL);
        }
        let s = self.read_u64(set)?;
        let t = self.thr_mut();
        if t.suspend_saved.is_none() {
            t.suspend_saved = Some(t.sig.mask);
        }
        t.sig.mask = LinuxSigset(s).blockable().0;
        Ok(self.next_deliverable().is_some())
    }

    // --- eventfd, timerfd ---

    /// eventfd2(initval, flags) (and eventfd(initval) with no flags).
    pub fn eventfd(&mut self, initval: u64, flags: u64) -> R {
        const EFD_SEMAPHORE: u64 = 1;
        let (host, rest) = Self::nb_cloexec(flags);
        if rest & !EFD_SEMAPHORE != 0 {
            return Err(LinuxErrno::EINVAL);
        }
        // SAFETY: plain host call with integer arguments.
        let fd = hret(i64::from(unsafe {
            libc::eventfd(initval as u32, host | if rest != 0 { libc::EFD_SEMAPHORE } else { 0 })
        }))?;
        self.fds.set(fd as i32, FdKind::Eventfd);
        Ok(fd)
    }

    /// timerfd_create(clockid, flags): the clock ids are the same on every Linux.
    pub fn timerfd_create(&mut self, clock: u64, flags: u64) -> R {
        let (host, rest) = Self::nb_cloexec(flags);
        if rest != 0 {
            return Err(LinuxErrno::EINVAL);
        }
        // SAFETY: plain host call with integer arguments.
        let fd = hret(i64::from(unsafe { libc::timerfd_create(clock as i32, host) }))?;
        self.fds.set(fd as i32, FdKind::Timerfd);
        Ok(fd)
    }

    /// A guest `struct itimerspec` (interval, value; each a timespec of two longs).
    fn read_itimerspec(&mut self, addr: u64) -> Result<libc::itimerspec, LinuxErrno> {
        let b = self.read(addr, 32)?;
        let w = |i: usize| self.u64_from(&b[i * 8..]) as i64;
        Ok(libc::itimerspec {
            it_interval: libc::timespec { tv_sec: w(0), tv_nsec: w(1) },
            it_value: libc::timespec { tv_sec: w(2), tv_nsec: w(3) },
        })
    }

    fn write_itimerspec(&mut self, addr: u64, t: &libc::itimerspec) -> Result<(), LinuxErrno> {
        let mut b = Vec::with_capacity(32);
        for w in [t.it_interval.tv_sec, t.it_interval.tv_nsec, t.it_value.tv_sec, t.it_value.tv_nsec] {
            b.extend_from_slice(&self.g64(w as u64));
        }
        self.write(addr, &b)
    }

    /// timerfd_settime(fd, flags, new, old): `TFD_TIMER_ABSTIME` (1) and `TFD_TIMER_CANCEL_ON_SET` (2)
    /// are the same everywhere.
    pub fn timerfd_settime(&mut self, fd: u64, flags: u64, new: u64, old: u64) -> R {
        let n = self.read_itimerspec(new)?;
        let mut o: libc::itimerspec = unsafe { std::mem::zeroed() };
        // SAFETY: valid itimerspecs.
        hret(i64::from(unsafe { libc::timerfd_settime(fd as i32, flags as i32, &n, &mut o) }))?;
        if old != 0 {
            self.write_itimerspec(old, &o)?;
        }
        Ok(0)
    }

    /// timerfd_gettime(fd, cur).
    pub fn timerfd_gettime(&mut self, fd: u64, cur: u64) -> R {
        let mut o: libc::itimerspec = unsafe { std::mem::zeroed() };
        // SAFETY: a valid itimerspec.
        hret(i64::from(unsafe { libc::timerfd_gettime(fd as i32, &mut o) }))?;
        self.write_itimerspec(cur, &o).map(|_| 0)
    }

    // --- epoll ---

    /// epoll_create1(flags) (`EPOLL_CLOEXEC` is `O_CLOEXEC`).
    pub fn epoll_create(&mut self, flags: u64) -> R {
        let (host, rest) = Self::nb_cloexec(flags);
        if rest != 0 || host & libc::O_NONBLOCK != 0 {
            return Err(LinuxErrno::EINVAL);
        }
        // SAFETY: plain host call with an integer argument.
        hret(i64::from(unsafe { libc::epoll_create1(host) }))
    }

    /// epoll_ctl(epfd, op, fd, event): the guest's 16-byte event as the host's packed one.
    pub fn epoll_ctl(&mut self, epfd: u64, op: u64, fd: u64, event: u64) -> R {
        let mut ev = libc::epoll_event { events: 0, u64: 0 };
        let evp = if op == libc::EPOLL_CTL_DEL as u64 && event == 0 {
            std::ptr::null_mut()
        } else {
            let b = self.read(event, GUEST_EPOLL_EVENT)?;
            ev.events = linux_core::bytes::read_u32::<A::E>(&b, 0).unwrap_or(0);
            ev.u64 = self.u64_from(&b[8..16]);
            &mut ev as *mut libc::epoll_event
        };
        // SAFETY: `evp` is null or points at `ev`.
        hret(i64::from(unsafe { libc::epoll_ctl(epfd as i32, op as i32, fd as i32, evp) }))
    }

    /// epoll_wait / epoll_pwait / epoll_pwait2: the host's events written back as the guest's.
    /// `timeout_ms` < 0 waits forever.
    pub fn epoll_wait(&mut self, epfd: u64, events: u64, max: u64, timeout_ms: i64, mask: (u64, u64)) -> Act {
        let max = max as i32;
        if max <= 0 || max as usize > i32::MAX as usize / GUEST_EPOLL_EVENT {
            return Act::Ret(Err(LinuxErrno::EINVAL));
        }
        let n = (max as usize).min(4096);
        if !self.uc.get_data().vm.check(events, (n * GUEST_EPOLL_EVENT) as u64, crate::vm::PROT_WRITE) {
            return Act::Ret(Err(LinuxErrno::EFAULT));
        }
        match self.temp_sigmask(mask.0, mask.1) {
            Ok(true) => return Act::Ret(Err(LinuxErrno::EINTR)),
            Ok(false) => {}
            Err(e) => return Act::Ret(Err(e)),
        }
        let mut host = vec![libc::epoll_event { events: 0, u64: 0 }; n];
        let threaded = self.threads.len() > 1 && timeout_ms != 0;
        let t = if threaded { 0 } else { timeout_ms.clamp(-1, i64::from(i32::MAX)) as i32 };
        // SAFETY: `host` holds `n` events.
        let r = unsafe { libc::epoll_wait(epfd as i32, host.as_mut_ptr(), n as i32, t) };
        if r == 0 && threaded {
            let deadline = (timeout_ms > 0).then(|| Deadline::after(i128::from(timeout_ms) * 1_000_000));
            return self.io_wait(
                vec![(epfd as i32, libc::POLLIN)],
                deadline,
                IoTimeout::Zero,
                OnSignal::Eintr,
            );
        }
        if r > 0 {
            let mut b = vec![0u8; r as usize * GUEST_EPOLL_EVENT];
            for (i, e) in host.iter().take(r as usize).enumerate() {
                let (ev, data) = (e.events, e.u64);
                b[i * 16..i * 16 + 4].copy_from_slice(&self.g32(ev));
                b[i * 16 + 8..i * 16 + 16].copy_from_slice(&self.g64(data));
            }
            if let Err(e) = self.write(events, &b) {
                return Act::Ret(Err(e));
            }
        }
        self.blocking(i64::from(r))
    }

    // --- signalfd ---

    /// signalfd4(fd, mask, sizemask, flags): a new signalfd (fd = -1) or a new mask for one.
    pub fn signalfd(&mut self, fd: u64, mask: u64, size: u64, flags: u64) -> R {
        if size != 8 {
            return Err(LinuxErrno::EINVAL);
        }
        let (host, rest) = Self::nb_cloexec(flags);
        if rest != 0 {
            return Err(LinuxErrno::EINVAL);
        }
        // SIGKILL and SIGSTOP are never taken by a signalfd.
        let m = LinuxSigset(self.read_u64(mask)?).blockable().0;
        let fd = fd as i32;
        if fd != -1 {
            return match self.fds.get(fd) {
                Some(FdKind::Signalfd { ready, .. }) => {
                    self.fds.set(fd, FdKind::Signalfd { mask: m, ready });
                    Ok(fd as u64)
                }
                _ => Err(LinuxErrno::EINVAL),
            };
        }
        // SAFETY: plain host call with integer arguments.
        let new = hret(i64::from(unsafe { libc::eventfd(0, host) }))? as i32;
        self.fds.set(new, FdKind::Signalfd { mask: m, ready: false });
        self.sync_signalfds();
        Ok(new as u64)
    }

    /// Makes each signalfd's host eventfd readable exactly while a signal of its mask is pending.
    pub fn sync_signalfds(&mut self) {
        let sfds = self.fds.signalfds();
        if sfds.is_empty() {
            return;
        }
        let pending = self.threads.iter().fold(self.sig.pending, |m, t| m | t.sig.pending);
        for (fd, mask, ready) in sfds {
            let want = pending & mask != 0;
            if want == ready {
                continue;
            }
            let mut v = 0u64;
            // SAFETY: an 8-byte counter write/read on an eventfd; the read only when poll says ready.
            unsafe {
                if want {
                    v = 1;
                    libc::write(fd, (&v as *const u64).cast(), 8);
                } else {
                    let mut p = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
                    if libc::poll(&mut p, 1, 0) == 1 {
                        libc::read(fd, (&mut v as *mut u64).cast(), 8);
                    }
                }
            }
            self.fds.set(fd, FdKind::Signalfd { mask, ready: want });
        }
    }

    /// read(2) of a signalfd: dequeues pending signals of its mask (the thread's own first, then the
    /// process's, lowest number first, as Linux's dequeue_signal) as `struct signalfd_siginfo`s.
    pub fn signalfd_read(&mut self, fd: i32, mask: u64, buf: u64, count: u64) -> Act {
        let max = count as usize / SIGNALFD_SIGINFO;
        if max == 0 {
            return Act::Ret(Err(LinuxErrno::EINVAL));
        }
        let mut out = Vec::new();
        while out.len() / SIGNALFD_SIGINFO < max {
            let Some(info) = self.dequeue_signal(mask) else { break };
            out.extend_from_slice(&self.signalfd_siginfo(&info));
        }
        self.sync_signalfds();
        if out.is_empty() {
            // SAFETY: F_GETFL on the host eventfd.
            if unsafe { libc::fcntl(fd, libc::F_GETFL) } & libc::O_NONBLOCK != 0 {
                return Act::Ret(Err(LinuxErrno::EAGAIN));
            }
            return self.io_wait(
                vec![(fd, libc::POLLIN)],
                None,
                IoTimeout::Error(LinuxErrno::EAGAIN),
                OnSignal::Restart,
            );
        }
        match self.write(buf, &out) {
            Ok(()) => Act::Ret(Ok(out.len() as u64)),
            Err(e) => Act::Ret(Err(e)),
        }
    }

    /// A `struct signalfd_siginfo` (128 bytes) in the guest's byte order.
    fn signalfd_siginfo(&self, i: &SigInfo) -> [u8; SIGNALFD_SIGINFO] {
        let mut b = [0u8; SIGNALFD_SIGINFO];
        let put32 = |b: &mut [u8; SIGNALFD_SIGINFO], off: usize, v: u32| {
            b[off..off + 4].copy_from_slice(&self.g32(v));
        };
        put32(&mut b, 0, i.signo as u32);
        put32(&mut b, 4, i.errno as u32);
        put32(&mut b, 8, i.code as u32);
        let put64 = |b: &mut [u8; SIGNALFD_SIGINFO], off: usize, v: u64| {
            b[off..off + 8].copy_from_slice(&self.g64(v));
        };
        match i.fields {
            SigInfoFields::None => {}
            SigInfoFields::Kill { pid, uid } => {
                put32(&mut b, 12, pid as u32);
                put32(&mut b, 16, uid);
            }
            SigInfoFields::Rt { pid, uid, value } => {
                put32(&mut b, 12, pid as u32);
                put32(&mut b, 16, uid);
                // ssi_int is the int member of the sigval union: its first four bytes.
                put32(&mut b, 44, if self.be() { (value >> 32) as u32 } else { value as u32 });
                put64(&mut b, 48, value);
            }
            SigInfoFields::Child { pid, uid, status, utime, stime } => {
                put32(&mut b, 12, pid as u32);
                put32(&mut b, 16, uid);
                put32(&mut b, 40, status as u32);
                put64(&mut b, 56, utime as u64);
                put64(&mut b, 64, stime as u64);
            }
            SigInfoFields::Fault { addr } => put64(&mut b, 72, addr),
            SigInfoFields::Poll { band, fd } => {
                put32(&mut b, 20, fd as u32);
                put32(&mut b, 28, band as u32);
            }
        }
        b
    }
}
