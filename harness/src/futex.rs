//! `futex(2)` between the guest threads of a process: wait queues on guest memory words, kept as the
//! [`Wait::Futex`] state of blocked threads (in arrival order), with WAIT, WAKE, WAIT_BITSET,
//! WAKE_BITSET, REQUEUE, CMP_REQUEUE and WAKE_OP. WAKE_OP's operation word is decoded and applied by
//! linux-core's `futex` module (the code the kernel module uses), on [`UcMem`]'s compare-and-swap.
//!
//! A private (`FUTEX_PRIVATE_FLAG`) and a shared futex on the same word are different futexes, as in
//! Linux (whose keys differ by `FUT_OFF_MMSHARED`): a shared wake does not wake a private waiter. Shared
//! futexes are shared only among the threads of one process here: the harness's processes (host
//! forks) share no writable memory.

use crate::arch::GuestArch;
use crate::cpu::UcMem;
use crate::process::{Act, Proc};
use crate::thread::{Deadline, OnSignal, Wait, BITSET_ANY};
use linux_core::errno::LinuxErrno;
use linux_core::futex::{futex_atomic_op, WakeOp};
use linux_core::syscall::SyscallOutcome;
use linux_core::uaccess::UserAddr;

const FUTEX_WAIT: u64 = 0;
const FUTEX_WAKE: u64 = 1;
const FUTEX_REQUEUE: u64 = 3;
const FUTEX_CMP_REQUEUE: u64 = 4;
const FUTEX_WAKE_OP: u64 = 5;
const FUTEX_WAIT_BITSET: u64 = 9;
const FUTEX_WAKE_BITSET: u64 = 10;
const FUTEX_PRIVATE_FLAG: u64 = 128;
const FUTEX_CLOCK_REALTIME: u64 = 256;

/// The name of a futex command, for the report.
fn op_name(cmd: u64) -> &'static str {
    match cmd {
        FUTEX_WAIT => "FUTEX_WAIT",
        FUTEX_WAKE => "FUTEX_WAKE",
        FUTEX_REQUEUE => "FUTEX_REQUEUE",
        FUTEX_CMP_REQUEUE => "FUTEX_CMP_REQUEUE",
        FUTEX_WAKE_OP => "FUTEX_WAKE_OP",
        FUTEX_WAIT_BITSET => "FUTEX_WAIT_BITSET",
        FUTEX_WAKE_BITSET => "FUTEX_WAKE_BITSET",
        _ => "other",
    }
}

impl<A: GuestArch> Proc<A> {
    /// `futex(uaddr, op, val, timeout_or_val2, uaddr2, val3)`.
    pub fn futex(&mut self, a: [u64; 6]) -> Act {
        let (uaddr, op, val, utime, uaddr2, val3) = (a[0], a[1], a[2] as u32, a[3], a[4], a[5] as u32);
        let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
        let realtime = op & FUTEX_CLOCK_REALTIME != 0;
        let private = op & FUTEX_PRIVATE_FLAG != 0;
        *self.stats.futex_ops.entry(op_name(cmd)).or_default() += 1;
        // As Linux's do_futex: the realtime clock only for the waits that take an absolute time.
        if realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET {
            return Act::Ret(Err(LinuxErrno::ENOSYS));
        }
        // The second count of REQUEUE, CMP_REQUEUE and WAKE_OP travels in the timeout argument.
        let val2 = utime as u32;
        let r = match cmd {
            FUTEX_WAIT => return self.futex_wait(uaddr, private, val, utime, BITSET_ANY, false, realtime),
            FUTEX_WAIT_BITSET => return self.futex_wait(uaddr, private, val, utime, val3, true, realtime),
            FUTEX_WAKE => self.futex_wake_checked(uaddr, private, val, BITSET_ANY),
            FUTEX_WAKE_BITSET => self.futex_wake_checked(uaddr, private, val, val3),
            FUTEX_REQUEUE => self.futex_requeue(uaddr, uaddr2, private, val, val2, None),
            FUTEX_CMP_REQUEUE => self.futex_requeue(uaddr, uaddr2, private, val, val2, Some(val3)),
            FUTEX_WAKE_OP => self.futex_wake_op(uaddr, uaddr2, private, val, val2, val3),
            _ => {
                *self.stats.unimplemented.entry(format!("futex op {cmd}")).or_default() += 1;
                Err(LinuxErrno::ENOSYS)
            }
        };
        Act::Ret(r)
    }

    /// FUTEX_WAIT / FUTEX_WAIT_BITSET: EAGAIN when the word no longer holds `val`, else block until
    /// woken (0), timed out (ETIMEDOUT) or interrupted by a signal. The timeout is relative on the
    /// monotonic clock for FUTEX_WAIT, absolute for FUTEX_WAIT_BITSET (on the realtime clock with
    /// FUTEX_CLOCK_REALTIME).
    #[allow(clippy::too_many_arguments)]
    fn futex_wait(
        &mut self,
        uaddr: u64,
        private: bool,
        val: u32,
        utime: u64,
        bitset: u32,
        absolute: bool,
        realtime: bool,
    ) -> Act {
        if uaddr % 4 != 0 || bitset == 0 {
            return Act::Ret(Err(LinuxErrno::EINVAL));
        }
        let deadline = if utime == 0 {
            None
        } else {
            let ts = match self.read(utime, 16) {
                Ok(b) => (self.u64_from(&b[0..8]) as i64, self.u64_from(&b[8..16]) as i64),
                Err(e) => return Act::Ret(Err(e)),
            };
            if ts.0 < 0 || !(0..1_000_000_000).contains(&ts.1) {
                return Act::Ret(Err(LinuxErrno::EINVAL));
            }
            let ns = i128::from(ts.0) * 1_000_000_000 + i128::from(ts.1);
            Some(if absolute {
                Deadline { clock: if realtime { libc::CLOCK_REALTIME } else { libc::CLOCK_MONOTONIC }, ns }
            } else {
                Deadline::after(ns)
            })
        };
        match self.read_u32(uaddr) {
            Err(e) => return Act::Ret(Err(e)),
            Ok(v) if v != val => return Act::Ret(Err(LinuxErrno::EAGAIN)),
            Ok(_) => {}
        }
        if deadline.is_some_and(|d| d.remaining_ns() == 0) {
            return Act::Ret(Err(LinuxErrno::ETIMEDOUT));
        }
        // Linux: -ERESTARTSYS without a timeout, -ERESTART_RESTARTBLOCK (EINTR for a handler) with one.
        let on_signal = if deadline.is_none() { OnSignal::Restart } else { OnSignal::Eintr };
        Act::Block { wait: Wait::Futex { addr: uaddr, private, bitset }, deadline, on_signal }
    }

    /// The threads waiting on the private or shared futex `uaddr` with a bitset that meets `bitset`,
    /// oldest first.
    fn futex_waiters(&self, uaddr: u64, private: bool, bitset: u32) -> Vec<usize> {
        let mut w: Vec<(u64, usize)> = self
            .threads
            .iter()
            .enumerate()
            .filter_map(|(i, t)| {
                let b = t.blocked?;
                match b.wait {
                    Wait::Futex { addr, private: p, bitset: mine }
                        if addr == uaddr && p == private && mine & bitset != 0 =>
                    {
                        Some((b.seq, i))
                    }
                    _ => None,
                }
            })
            .collect();
        w.sort_unstable();
        w.into_iter().map(|(_, i)| i).collect()
    }

    /// Wakes up to `nr` waiters on the private or shared futex `uaddr` whose bitset meets `bitset`;
    /// returns how many.
    pub fn futex_wake(&mut self, uaddr: u64, private: bool, nr: u32, bitset: u32) -> u64 {
        let waiters = self.futex_waiters(uaddr, private, bitset);
        let n = waiters.len().min(nr as usize);
        for &i in &waiters[..n] {
            self.finish_wait(i, SyscallOutcome::Success(0));
        }
        n as u64
    }

    /// FUTEX_WAKE / FUTEX_WAKE_BITSET with Linux's argument checks.
    fn futex_wake_checked(
        &mut self,
        uaddr: u64,
        private: bool,
        nr: u32,
        bitset: u32,
    ) -> Result<u64, LinuxErrno> {
        if uaddr % 4 != 0 || bitset == 0 {
            return Err(LinuxErrno::EINVAL);
        }
        Ok(self.futex_wake(uaddr, private, (nr as i32).max(0) as u32, bitset))
    }

    /// FUTEX_REQUEUE / FUTEX_CMP_REQUEUE: (CMP: EAGAIN unless `*uaddr == cmp`) wakes up to `nr_wake`
    /// waiters of `uaddr` and moves up to `nr_requeue` of the rest to `uaddr2`, behind its own
    /// waiters; returns the number woken plus the number moved.
    fn futex_requeue(
        &mut self,
        uaddr: u64,
        uaddr2: u64,
        private: bool,
        nr_wake: u32,
        nr_requeue: u32,
        cmp: Option<u32>,
    ) -> Result<u64, LinuxErrno> {
        if uaddr % 4 != 0 || uaddr2 % 4 != 0 {
            return Err(LinuxErrno::EINVAL);
        }
        if cmp.is_some() && ((nr_wake as i32) < 0 || (nr_requeue as i32) < 0) {
            return Err(LinuxErrno::EINVAL);
        }
        if let Some(expected) = cmp {
            if self.read_u32(uaddr)? != expected {
                return Err(LinuxErrno::EAGAIN);
            }
        }
        let waiters = self.futex_waiters(uaddr, private, BITSET_ANY);
        let woken = waiters.len().min(nr_wake as usize);
        for &i in &waiters[..woken] {
            self.finish_wait(i, SyscallOutcome::Success(0));
        }
        let moved = (waiters.len() - woken).min(nr_requeue as usize);
        for &i in &waiters[woken..woken + moved] {
            let seq = self.wait_seq;
            self.wait_seq += 1;
            if let Some(b) = self.threads[i].blocked.as_mut() {
                if let Wait::Futex { bitset, .. } = b.wait {
                    b.wait = Wait::Futex { addr: uaddr2, private, bitset };
                    b.seq = seq;
                }
            }
        }
        Ok((woken + moved) as u64)
    }

    /// FUTEX_WAKE_OP: atomically applies the operation of `encoded` to `*uaddr2` (linux-core's
    /// `futex_atomic_op`), wakes up to `nr_wake` waiters of `uaddr`, and, when the old value of
    /// `*uaddr2` satisfies the comparison, up to `nr_wake2` waiters of `uaddr2`; returns how many woke.
    fn futex_wake_op(
        &mut self,
        uaddr: u64,
        uaddr2: u64,
        private: bool,
        nr_wake: u32,
        nr_wake2: u32,
        encoded: u32,
    ) -> Result<u64, LinuxErrno> {
        if uaddr % 4 != 0 {
            return Err(LinuxErrno::EINVAL);
        }
        let op = WakeOp::decode(encoded)?;
        let old = futex_atomic_op::<A::E, _>(&mut UcMem(&mut self.uc), op.op, op.oparg, UserAddr(uaddr2))?;
        let mut woken = self.futex_wake(uaddr, private, nr_wake, BITSET_ANY);
        if op.compare(old) {
            woken += self.futex_wake(uaddr2, private, nr_wake2, BITSET_ANY);
        }
        Ok(woken)
    }
}
