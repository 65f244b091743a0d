//! The guest descriptors the harness gives a meaning of its own. Guest descriptors are host descriptors
//! (as in qemu-user); most need nothing more, but these do:
//! - an eventfd or a timerfd is read (and an eventfd written) as one 64-bit counter in the guest's
//!   byte order, while the host's is little-endian;
//! - a signalfd is the harness's own: guest signals are queued in the harness, not on the host. Its
//!   descriptor is a host eventfd that the harness makes readable while a signal of its mask is pending
//!   (so poll, select and epoll see it), and reading it dequeues the guest's signals.
//!
//! The table follows `close`, `dup*`, `fcntl(F_DUPFD*)` and `close_range`; it survives exec (without
//! the close-on-exec descriptors) and fork.

use std::collections::BTreeMap;

/// What a descriptor is, when the harness needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FdKind {
    /// eventfd2: reads and writes one u64.
    Eventfd,
    /// timerfd_create: reads one u64 (the expiration count).
    Timerfd,
    /// signalfd4: the guest signals of `mask`.
    Signalfd {
        /// The signals it takes, bit `n-1` for signal `n`.
        mask: u64,
        /// Whether the host eventfd behind it is currently readable.
        ready: bool,
    },
}

/// Descriptor -> kind.
#[derive(Clone, Debug, Default)]
pub struct FdTable {
    kinds: BTreeMap<i32, FdKind>,
}

impl FdTable {
    /// The kind of `fd`, if the harness tracks it.
    pub fn get(&self, fd: i32) -> Option<FdKind> {
        self.kinds.get(&fd).copied()
    }

    /// Records `fd` as `kind`.
    pub fn set(&mut self, fd: i32, kind: FdKind) {
        self.kinds.insert(fd, kind);
    }

    /// `fd` was closed (or replaced by dup2).
    pub fn close(&mut self, fd: i32) {
        self.kinds.remove(&fd);
    }

    /// `to` is now a duplicate of `from`.
    pub fn dup(&mut self, from: i32, to: i32) {
        match self.kinds.get(&from).copied() {
            Some(k) => {
                self.kinds.insert(to, k);
            }
            None => {
                self.kinds.remove(&to);
            }
        }
    }

    /// Descriptors `first..=last` were closed.
    pub fn close_range(&mut self, first: i32, last: i32) {
        self.kinds.retain(|&fd, _| fd < first || fd > last);
    }

    /// Drops the entries whose descriptor is no longer open on the host (after exec's close-on-exec).
    pub fn prune_closed(&mut self) {
        // SAFETY: F_GETFD on any number is harmless.
        self.kinds.retain(|&fd, _| unsafe { libc::fcntl(fd, libc::F_GETFD) } >= 0);
    }

    /// The signalfds, with their masks and readiness.
    pub fn signalfds(&self) -> Vec<(i32, u64, bool)> {
        self.kinds
            .iter()
            .filter_map(|(&fd, k)| match *k {
                FdKind::Signalfd { mask, ready } => Some((fd, mask, ready)),
                _ => None,
            })
            .collect()
    }
}
