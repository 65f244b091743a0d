//! The arch-neutral view of a system call: the request fetched from registers, the outcome to write
//! back, and per-architecture tables from syscall number to handler id ([`Sys`]).

use crate::errno::{FreeBsdErrno, FreeBsdStatus, LinuxErrno};
use crate::sysno::Sys;

/// A system call as fetched from the trap frame: number and the six argument registers.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct SyscallRequest {
    /// The Linux syscall number, as the program passed it (not yet validated).
    pub number: u64,
    /// The six argument registers, in order.
    pub args: [u64; 6],
}

/// What the return path writes back into the registers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SyscallOutcome {
    /// Success with this value.
    Success(u64),
    /// Failure with this Linux errno.
    Error(LinuxErrno),
    /// Re-execute the system call instruction with the original arguments.
    Restart,
    /// The handler already set every register (rt_sigreturn, exec): write nothing.
    JustReturn,
}

impl SyscallOutcome {
    /// The outcome of a FreeBSD syscall handler: its status and `td_retval[0]`.
    // Inlined across crates into the kernel entry points (the kernel build has no LTO): on every
    // system call; see BENCHMARKS.md, goal 1.
    #[inline]
    pub fn from_freebsd(status: FreeBsdErrno, retval: u64) -> SyscallOutcome {
        match status.to_linux() {
            FreeBsdStatus::Success => SyscallOutcome::Success(retval),
            FreeBsdStatus::Restart => SyscallOutcome::Restart,
            FreeBsdStatus::JustReturn => SyscallOutcome::JustReturn,
            FreeBsdStatus::Error(e) => SyscallOutcome::Error(e),
        }
    }
}

/// One architecture's syscall table: handler ids indexed by syscall number.
#[derive(Clone, Copy, Debug)]
pub struct SyscallTable {
    /// `entries[n]` is the handler of syscall `n`, `None` for a number this ABI does not have.
    pub entries: &'static [Option<Sys>],
}

impl SyscallTable {
    /// The handler for `number`, or `ENOSYS` for an unknown, 32-bit-only or out-of-range number.
    pub fn lookup(&self, number: u64) -> Result<Sys, LinuxErrno> {
        usize::try_from(number)
            .ok()
            .and_then(|n| self.entries.get(n))
            .copied()
            .flatten()
            .ok_or(LinuxErrno::ENOSYS)
    }

    /// The number of a handler in this table (the first, if it has several).
    pub fn number_of(&self, sys: Sys) -> Option<u64> {
        self.entries.iter().position(|e| *e == Some(sys)).map(|n| n as u64)
    }

    /// How many numbers have a handler.
    pub fn len(&self) -> usize {
        self.entries.iter().filter(|e| e.is_some()).count()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static TABLE: [Option<Sys>; 4] = [None, Some(Sys::Exit), None, Some(Sys::Read)];

    #[test]
    fn lookup_gives_enosys_for_holes_and_huge_numbers() {
        let t = SyscallTable { entries: &TABLE };
        assert_eq!(t.lookup(1), Ok(Sys::Exit));
        assert_eq!(t.lookup(3), Ok(Sys::Read));
        assert_eq!(t.lookup(0), Err(LinuxErrno::ENOSYS));
        assert_eq!(t.lookup(4), Err(LinuxErrno::ENOSYS));
        assert_eq!(t.lookup(u64::MAX), Err(LinuxErrno::ENOSYS));
        assert_eq!(t.number_of(Sys::Read), Some(3));
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn freebsd_status_becomes_the_linux_outcome() {
        assert_eq!(SyscallOutcome::from_freebsd(FreeBsdErrno(0), 42), SyscallOutcome::Success(42));
        assert_eq!(SyscallOutcome::from_freebsd(FreeBsdErrno::ERESTART, 0), SyscallOutcome::Restart);
        assert_eq!(SyscallOutcome::from_freebsd(FreeBsdErrno::EJUSTRETURN, 0), SyscallOutcome::JustReturn);
        assert_eq!(
            SyscallOutcome::from_freebsd(FreeBsdErrno(35), 0),
            SyscallOutcome::Error(LinuxErrno::EAGAIN)
        );
    }
}
