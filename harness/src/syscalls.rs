//! The syscall backend: one arm per `linux_core::sysno::Sys` the harness implements, mostly by calling
//! the host's Linux with converted arguments. Anything else returns ENOSYS and is counted for the report.
//! Guest file descriptors are host descriptors (as in qemu-user).

use crate::arch::GuestArch;
use crate::conv::{self, layout, swap_fields, swap_words};
use crate::cpu;
use crate::loader;
use crate::process::{hret, Act, Action, End, Proc};
use crate::thread::{Deadline, GuestThread, IoTimeout, OnSignal, Wait};
use crate::vm::{page_down, page_up, PAGE, PROT_EXEC, PROT_READ, PROT_WRITE};
use linux_core::errno::LinuxErrno;
use linux_core::hooks::{ArchState, SignalHooks, ThreadHooks};
use linux_core::signal::{
    check_altstack_size, si_code, ss_flags, AltStack, LinuxSignal, SigInfo, SigInfoFields,
};
use linux_core::sysno::Sys;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use zerocopy::{FromZeros, IntoBytes};

type R = Result<u64, LinuxErrno>;

const AT_FDCWD: i64 = -100;
/// `F_SETSIG`/`F_GETSIG` (asm-generic/fcntl.h, also powerpc's).
const F_SETSIG: i32 = 10;
const F_GETSIG: i32 = 11;
const MAP_SHARED: u64 = 0x01;
const MAP_FIXED: u64 = 0x10;
const MAP_ANONYMOUS: u64 = 0x20;
const MAP_FIXED_NOREPLACE: u64 = 0x10_0000;
const CLONE_VM: u64 = 0x100;
const CLONE_VFORK: u64 = 0x4000;
const CLONE_THREAD: u64 = 0x10000;
const CLONE_SETTLS: u64 = 0x80000;

/// Syscalls the backend implements (for the coverage report).
pub const IMPLEMENTED: &[Sys] = &[
    Sys::Read,
    Sys::Write,
    Sys::Llseek,
    Sys::Readv,
    Sys::Writev,
    Sys::Pread64,
    Sys::Pwrite64,
    Sys::Lseek,
    Sys::Open,
    Sys::Openat,
    Sys::Close,
    Sys::Dup,
    Sys::Dup2,
    Sys::Dup3,
    Sys::Fcntl,
    Sys::Pipe,
    Sys::Pipe2,
    Sys::Ioctl,
    Sys::Stat,
    Sys::Lstat,
    Sys::Fstat,
    Sys::Newfstatat,
    Sys::Statx,
    Sys::Access,
    Sys::Faccessat,
    Sys::Faccessat2,
    Sys::Getdents64,
    Sys::Getcwd,
    Sys::Chdir,
    Sys::Fchdir,
    Sys::Mkdir,
    Sys::Mkdirat,
    Sys::Unlink,
    Sys::Unlinkat,
    Sys::Rmdir,
    Sys::Rename,
    Sys::Renameat,
    Sys::Renameat2,
    Sys::Readlink,
    Sys::Readlinkat,
    Sys::Chmod,
    Sys::Fchmod,
    Sys::Fchmodat,
    Sys::Ftruncate,
    Sys::Fsync,
    Sys::Fdatasync,
    Sys::Poll,
    Sys::Ppoll,
    Sys::Sendfile,
    Sys::Statfs,
    Sys::Fstatfs,
    Sys::Umask,
    Sys::Brk,
    Sys::Mmap,
    Sys::Munmap,
    Sys::Mprotect,
    Sys::Madvise,
    Sys::Mremap,
    Sys::Getpid,
    Sys::Getppid,
    Sys::Gettid,
    Sys::Getuid,
    Sys::Geteuid,
    Sys::Getgid,
    Sys::Getegid,
    Sys::Getresuid,
    Sys::Getresgid,
    Sys::Getgroups,
    Sys::Getpgid,
    Sys::Getpgrp,
    Sys::Setpgid,
    Sys::Getsid,
    Sys::Setsid,
    Sys::SetTidAddress,
    Sys::SetRobustList,
    Sys::Uname,
    Sys::Prlimit64,
    Sys::Getrlimit,
    Sys::Ugetrlimit,
    Sys::Setrlimit,
    Sys::Sysinfo,
    Sys::Getrandom,
    Sys::ClockGettime,
    Sys::ClockGetres,
    Sys::Gettimeofday,
    Sys::Time,
    Sys::Nanosleep,
    Sys::ClockNanosleep,
    Sys::Times,
    Sys::Getrusage,
    Sys::Alarm,
    Sys::Setitimer,
    Sys::Getitimer,
    Sys::RtSigaction,
    Sys::RtSigprocmask,
    Sys::RtSigpending,
    Sys::RtSigsuspend,
    Sys::RtSigreturn,
    Sys::Sigaltstack,
    Sys::Kill,
    Sys::Tkill,
    Sys::Tgkill,
    Sys::Pause,
    Sys::Exit,
    Sys::ExitGroup,
    Sys::Execve,
    Sys::Clone,
    Sys::Fork,
    Sys::Vfork,
    Sys::Wait4,
    Sys::SchedGetaffinity,
    Sys::SchedYield,
    Sys::Futex,
    Sys::Utimensat,
    Sys::Newselect,
    Sys::Pselect6,
    Sys::Symlink,
    Sys::Link,
    Sys::Getpriority,
    // Sockets (crate::net).
    Sys::Socket,
    Sys::Socketpair,
    Sys::Bind,
    Sys::Connect,
    Sys::Listen,
    Sys::Accept,
    Sys::Accept4,
    Sys::Getsockname,
    Sys::Getpeername,
    Sys::Sendto,
    Sys::Recvfrom,
    Sys::Send,
    Sys::Recv,
    Sys::Sendmsg,
    Sys::Recvmsg,
    Sys::Sendmmsg,
    Sys::Recvmmsg,
    Sys::Shutdown,
    Sys::Setsockopt,
    Sys::Getsockopt,
    Sys::Socketcall,
    // Event and timer descriptors (crate::events).
    Sys::EpollCreate,
    Sys::EpollCreate1,
    Sys::EpollCtl,
    Sys::EpollWait,
    Sys::EpollPwait,
    Sys::EpollPwait2,
    Sys::Eventfd,
    Sys::Eventfd2,
    Sys::TimerfdCreate,
    Sys::TimerfdSettime,
    Sys::TimerfdGettime,
    Sys::Signalfd,
    Sys::Signalfd4,
    // Process, signals, files, memory (crate::misc).
    Sys::Prctl,
    Sys::Personality,
    Sys::Setpriority,
    Sys::SchedGetparam,
    Sys::SchedSetparam,
    Sys::SchedGetscheduler,
    Sys::SchedSetscheduler,
    Sys::SchedGetPriorityMin,
    Sys::SchedGetPriorityMax,
    Sys::SchedRrGetInterval,
    Sys::SchedSetaffinity,
    Sys::Getcpu,
    Sys::Waitid,
    Sys::Waitpid,
    Sys::RtSigtimedwait,
    Sys::RtSigqueueinfo,
    Sys::RtTgsigqueueinfo,
    Sys::CloseRange,
    Sys::MemfdCreate,
    Sys::CopyFileRange,
    Sys::Preadv,
    Sys::Pwritev,
    Sys::Preadv2,
    Sys::Pwritev2,
    Sys::Fallocate,
    Sys::Fadvise64,
    Sys::Readahead,
    Sys::Flock,
    Sys::Chown,
    Sys::Lchown,
    Sys::Fchown,
    Sys::Fchownat,
    Sys::Linkat,
    Sys::Symlinkat,
    Sys::Mknod,
    Sys::Mknodat,
    Sys::Sync,
    Sys::Syncfs,
    Sys::SyncFileRange,
    Sys::SyncFileRange2,
    Sys::Statfs64,
    Sys::Fstatfs64,
    Sys::Truncate,
    Sys::Creat,
    Sys::Mlock,
    Sys::Mlock2,
    Sys::Munlock,
    Sys::Mlockall,
    Sys::Munlockall,
    Sys::Msync,
    Sys::Mincore,
    Sys::Membarrier,
    Sys::Setuid,
    Sys::Setgid,
    Sys::Setreuid,
    Sys::Setregid,
    Sys::Setresuid,
    Sys::Setresgid,
    Sys::Setfsuid,
    Sys::Setfsgid,
    Sys::Setgroups,
    Sys::Capget,
    Sys::Capset,
];

pub(crate) fn cpath(p: &std::path::Path) -> Result<CString, LinuxErrno> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| LinuxErrno::EINVAL)
}

pub(crate) fn cbytes(p: &[u8]) -> Result<CString, LinuxErrno> {
    CString::new(p).map_err(|_| LinuxErrno::EINVAL)
}

impl<A: GuestArch> Proc<A> {
    /// Dispatches one syscall.
    pub fn dispatch(&mut self, sys: Sys, a: [u64; 6]) -> Act {
        let r: R = match sys {
            Sys::Read => return self.rw(a, false),
            Sys::Write => return self.rw(a, true),
            Sys::Pread64 | Sys::Pwrite64 => self.prw(sys == Sys::Pwrite64, a),
            Sys::Readv | Sys::Writev => return self.rwv(sys == Sys::Writev, a),
            // SAFETY: plain host call with integer arguments.
            Sys::Lseek => hret(unsafe { libc::lseek(a[0] as i32, a[1] as i64, a[2] as i32) }),
            Sys::Llseek => {
                let off = ((a[1] << 32) | (a[2] & 0xffff_ffff)) as i64;
                // SAFETY: plain host call with integer arguments.
                hret(unsafe { libc::lseek(a[0] as i32, off, a[4] as i32) })
                    .and_then(|r| self.write_u64(a[3], r).map(|_| 0))
            }
            Sys::Open => self.openat(AT_FDCWD as u64, a[0], a[1], a[2]),
            Sys::Openat => self.openat(a[0], a[1], a[2], a[3]),
            // SAFETY: closing a descriptor is always memory-safe.
            Sys::Close => {
                hret(i64::from(unsafe { libc::close(a[0] as i32) })).inspect(|_| self.fds.close(a[0] as i32))
            }
            // SAFETY: plain host calls with integer arguments.
            Sys::Dup => hret(i64::from(unsafe { libc::dup(a[0] as i32) }))
                .inspect(|&n| self.fds.dup(a[0] as i32, n as i32)),
            Sys::Dup2 => hret(i64::from(unsafe { libc::dup2(a[0] as i32, a[1] as i32) })).inspect(|&n| {
                if n != a[0] {
                    self.fds.dup(a[0] as i32, n as i32)
                }
            }),
            Sys::Dup3 => hret(i64::from(unsafe {
                libc::dup3(a[0] as i32, a[1] as i32, A::open_flags_to_host(a[2] as u32))
            }))
            .inspect(|&n| self.fds.dup(a[0] as i32, n as i32)),
            Sys::Fcntl => self.fcntl(a),
            Sys::Pipe | Sys::Pipe2 => self.pipe(a[0], if sys == Sys::Pipe2 { a[1] } else { 0 }),
            Sys::Ioctl => self.ioctl(a),
            Sys::Stat | Sys::Lstat => {
                self.fstatat(AT_FDCWD as u64, a[0], a[1], if sys == Sys::Lstat { 0x100 } else { 0 })
            }
            Sys::Fstat => self.fstatat(a[0], 0, a[1], 0x1000),
            Sys::Newfstatat => self.fstatat(a[0], a[1], a[2], a[3]),
            Sys::Statx => self.statx(a),
            Sys::Access => self.faccessat(AT_FDCWD as u64, a[0], a[1]),
            Sys::Faccessat | Sys::Faccessat2 => self.faccessat(a[0], a[1], a[2]),
            Sys::Getdents64 => self.getdents64(a),
            Sys::Getcwd => {
                let mut cwd = self.vfs.cwd.clone();
                cwd.push(0);
                if (a[1] as usize) < cwd.len() {
                    Err(LinuxErrno::ERANGE)
                } else {
                    self.write(a[0], &cwd).map(|_| cwd.len() as u64)
                }
            }
            Sys::Chdir => self.chdir(a[0]),
            Sys::Fchdir => self.fchdir(a[0]),
            Sys::Mkdir => self.path_op(AT_FDCWD as u64, a[0], |d, p| unsafe_mkdir(d, p, a[1])),
            Sys::Mkdirat => self.path_op(a[0], a[1], |d, p| unsafe_mkdir(d, p, a[2])),
            Sys::Unlink => self.remove(AT_FDCWD as u64, a[0], 0),
            Sys::Unlinkat => self.remove(a[0], a[1], a[2]),
            Sys::Rmdir => self.remove(AT_FDCWD as u64, a[0], 0x200),
            Sys::Rename => self.rename(AT_FDCWD as u64, a[0], AT_FDCWD as u64, a[1]),
            Sys::Renameat | Sys::Renameat2 => self.rename(a[0], a[1], a[2], a[3]),
            Sys::Readlink => self.readlinkat(AT_FDCWD as u64, a[0], a[1], a[2]),
            Sys::Readlinkat => self.readlinkat(a[0], a[1], a[2], a[3]),
            Sys::Symlink => self.symlink(a[0], a[1]),
            Sys::Link => self.linkat([AT_FDCWD as u64, a[0], AT_FDCWD as u64, a[1], 0, 0]),
            Sys::Linkat => self.linkat(a),
            Sys::Symlinkat => self.symlinkat(a[0], a[1], a[2]),
            Sys::Mknod => self.mknodat(AT_FDCWD as u64, a[0], a[1], a[2]),
            Sys::Mknodat => self.mknodat(a[0], a[1], a[2], a[3]),
            Sys::Chown => self.chownat(AT_FDCWD as u64, a[0], a[1], a[2], 0),
            Sys::Lchown => self.chownat(AT_FDCWD as u64, a[0], a[1], a[2], 0x100),
            Sys::Fchownat => self.chownat(a[0], a[1], a[2], a[3], a[4]),
            // SAFETY: plain host call with integer arguments.
            Sys::Fchown => hret(i64::from(unsafe { libc::fchown(a[0] as i32, a[1] as u32, a[2] as u32) })),
            Sys::Truncate => self.truncate(a[0], a[1]),
            Sys::Creat => {
                let f = A::open_flags_to_guest(libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC);
                self.openat(AT_FDCWD as u64, a[0], u64::from(f), a[1])
            }
            // SAFETY: plain host calls with integer arguments (FALLOC_FL_*, POSIX_FADV_*, LOCK_* and
            // SYNC_FILE_RANGE_* are the same on every architecture here).
            Sys::Fallocate => hret(i64::from(unsafe {
                libc::fallocate(a[0] as i32, a[1] as i32, a[2] as i64, a[3] as i64)
            })),
            Sys::Fadvise64 => hret(unsafe {
                libc::syscall(libc::SYS_fadvise64, a[0] as i32, a[1] as i64, a[2] as i64, a[3] as i32)
            }),
            Sys::Readahead => {
                hret(unsafe { libc::syscall(libc::SYS_readahead, a[0] as i32, a[1] as i64, a[2] as usize) })
            }
            Sys::Flock => return self.blocking(i64::from(unsafe { libc::flock(a[0] as i32, a[1] as i32) })),
            Sys::Sync => {
                // SAFETY: no arguments.
                unsafe { libc::sync() };
                Ok(0)
            }
            Sys::Syncfs => hret(i64::from(unsafe { libc::syncfs(a[0] as i32) })),
            Sys::SyncFileRange => hret(i64::from(unsafe {
                libc::sync_file_range(a[0] as i32, a[1] as i64, a[2] as i64, a[3] as u32)
            })),
            // powerpc's argument order: fd, flags, offset, nbytes.
            Sys::SyncFileRange2 => hret(i64::from(unsafe {
                libc::sync_file_range(a[0] as i32, a[2] as i64, a[3] as i64, a[1] as u32)
            })),
            Sys::CloseRange => self.close_range(a[0], a[1], a[2]),
            Sys::MemfdCreate => self.memfd_create(a[0], a[1]),
            Sys::CopyFileRange => self.copy_file_range(a),
            Sys::Preadv | Sys::Pwritev => return self.prwv(sys == Sys::Pwritev, a, false),
            Sys::Preadv2 | Sys::Pwritev2 => return self.prwv(sys == Sys::Pwritev2, a, true),
            Sys::Statfs64 => Self::statfs64_size(a[1]).and_then(|_| self.statfs(Some(a[0]), 0, a[2])),
            Sys::Fstatfs64 => Self::statfs64_size(a[1]).and_then(|_| self.statfs(None, a[0], a[2])),
            // Sockets.
            Sys::Socket => self.socket(a[0], a[1], a[2]),
            Sys::Socketpair => self.socketpair(a[0], a[1], a[2], a[3]),
            Sys::Bind => return self.bind_connect(a[0], a[1], a[2], true),
            Sys::Connect => return self.bind_connect(a[0], a[1], a[2], false),
            Sys::Listen => self.listen(a[0], a[1]),
            Sys::Accept => return self.accept(a[0], a[1], a[2], 0),
            Sys::Accept4 => return self.accept(a[0], a[1], a[2], a[3]),
            Sys::Getsockname => self.sockname(a[0], a[1], a[2], false),
            Sys::Getpeername => self.sockname(a[0], a[1], a[2], true),
            Sys::Sendto => return self.sendto(a),
            Sys::Recvfrom => return self.recvfrom(a),
            Sys::Send => return self.sendto([a[0], a[1], a[2], a[3], 0, 0]),
            Sys::Recv => return self.recvfrom([a[0], a[1], a[2], a[3], 0, 0]),
            Sys::Sendmsg => return self.sendmsg(a[0], a[1], a[2]),
            Sys::Recvmsg => return self.recvmsg(a[0], a[1], a[2]),
            Sys::Sendmmsg => return self.sendmmsg(a[0], a[1], a[2], a[3]),
            Sys::Recvmmsg => return self.recvmmsg(a[0], a[1], a[2], a[3]),
            Sys::Shutdown => self.shutdown(a[0], a[1]),
            Sys::Setsockopt => self.setsockopt(a),
            Sys::Getsockopt => self.getsockopt(a),
            Sys::Socketcall => return self.socketcall(a[0], a[1]),
            // Event and timer descriptors.
            Sys::EpollCreate => {
                if (a[0] as i32) <= 0 {
                    Err(LinuxErrno::EINVAL)
                } else {
                    self.epoll_create(0)
                }
            }
            Sys::EpollCreate1 => self.epoll_create(a[0]),
            Sys::EpollCtl => self.epoll_ctl(a[0], a[1], a[2], a[3]),
            Sys::EpollWait => return self.epoll_wait(a[0], a[1], a[2], a[3] as i32 as i64, (0, 0)),
            Sys::EpollPwait => return self.epoll_wait(a[0], a[1], a[2], a[3] as i32 as i64, (a[4], a[5])),
            Sys::EpollPwait2 => {
                let t = match self.timeout_ms(a[3]) {
                    Ok(t) => t,
                    Err(e) => return Act::Ret(Err(e)),
                };
                return self.epoll_wait(a[0], a[1], a[2], t, (a[4], a[5]));
            }
            Sys::Eventfd => self.eventfd(a[0], 0),
            Sys::Eventfd2 => self.eventfd(a[0], a[1]),
            Sys::TimerfdCreate => self.timerfd_create(a[0], a[1]),
            Sys::TimerfdSettime => self.timerfd_settime(a[0], a[1], a[2], a[3]),
            Sys::TimerfdGettime => self.timerfd_gettime(a[0], a[1]),
            Sys::Signalfd => self.signalfd(a[0], a[1], a[2], 0),
            Sys::Signalfd4 => self.signalfd(a[0], a[1], a[2], a[3]),
            // Process.
            Sys::Prctl => self.prctl(a),
            Sys::Personality => self.personality(a[0]),
            Sys::Setpriority => {
                hret(i64::from(unsafe { libc::setpriority(a[0] as u32, a[1] as u32, a[2] as i32) }))
            }
            Sys::SchedGetparam => {
                let mut p = libc::sched_param { sched_priority: 0 };
                // SAFETY: a valid sched_param.
                hret(i64::from(unsafe { libc::sched_getparam(a[0] as i32, &mut p) }))
                    .and_then(|_| self.write_u32(a[1], p.sched_priority as u32).map(|_| 0))
            }
            Sys::SchedSetparam | Sys::SchedSetscheduler => (|| -> R {
                let at = if sys == Sys::SchedSetparam { a[1] } else { a[2] };
                let p = libc::sched_param { sched_priority: self.read_u32(at)? as i32 };
                // SAFETY: a valid sched_param.
                hret(i64::from(unsafe {
                    if sys == Sys::SchedSetparam {
                        libc::sched_setparam(a[0] as i32, &p)
                    } else {
                        libc::sched_setscheduler(a[0] as i32, a[1] as i32, &p)
                    }
                }))
            })(),
            Sys::SchedGetscheduler => hret(i64::from(unsafe { libc::sched_getscheduler(a[0] as i32) })),
            Sys::SchedGetPriorityMin => hret(i64::from(unsafe { libc::sched_get_priority_min(a[0] as i32) })),
            Sys::SchedGetPriorityMax => hret(i64::from(unsafe { libc::sched_get_priority_max(a[0] as i32) })),
            Sys::SchedRrGetInterval => {
                let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
                // SAFETY: a valid timespec.
                hret(i64::from(unsafe { libc::sched_rr_get_interval(a[0] as i32, &mut ts) }))
                    .and_then(|_| self.write_ts(a[1], ts.tv_sec, ts.tv_nsec).map(|_| 0))
            }
            Sys::SchedSetaffinity => self.sched_setaffinity(a[0], a[1], a[2]),
            Sys::Getcpu => self.getcpu(a[0], a[1]),
            Sys::Waitid => return self.waitid(a),
            Sys::Waitpid => return self.wait4([a[0], a[1], a[2], 0, 0, 0]),
            Sys::RtSigtimedwait => return self.sigtimedwait(a),
            Sys::RtSigqueueinfo => self.sigqueueinfo(a[0] as i32, None, a[1], a[2]),
            Sys::RtTgsigqueueinfo => self.sigqueueinfo(a[0] as i32, Some(a[1] as i32), a[2], a[3]),
            // Memory.
            Sys::Mlock | Sys::Munlock => self.mlock(a[0], a[1], 0),
            Sys::Mlock2 => self.mlock(a[0], a[1], a[2]),
            Sys::Mlockall => self.mlockall(a[0]),
            Sys::Munlockall => Ok(0),
            Sys::Msync => self.msync(a[0], a[1], a[2]),
            Sys::Mincore => self.mincore(a[0], a[1], a[2]),
            Sys::Membarrier => self.membarrier(a[0], a[1]),
            // Credentials: the host's rules (EPERM unless privileged).
            Sys::Setuid => hret(unsafe { libc::syscall(libc::SYS_setuid, a[0] as u32) }),
            Sys::Setgid => hret(unsafe { libc::syscall(libc::SYS_setgid, a[0] as u32) }),
            Sys::Setreuid => hret(unsafe { libc::syscall(libc::SYS_setreuid, a[0] as u32, a[1] as u32) }),
            Sys::Setregid => hret(unsafe { libc::syscall(libc::SYS_setregid, a[0] as u32, a[1] as u32) }),
            Sys::Setresuid => {
                hret(unsafe { libc::syscall(libc::SYS_setresuid, a[0] as u32, a[1] as u32, a[2] as u32) })
            }
            Sys::Setresgid => {
                hret(unsafe { libc::syscall(libc::SYS_setresgid, a[0] as u32, a[1] as u32, a[2] as u32) })
            }
            Sys::Setfsuid => hret(unsafe { libc::syscall(libc::SYS_setfsuid, a[0] as u32) }),
            Sys::Setfsgid => hret(unsafe { libc::syscall(libc::SYS_setfsgid, a[0] as u32) }),
            Sys::Setgroups => self.setgroups(a[0], a[1]),
            Sys::Capget => self.capget_set(a[0], a[1], false),
            Sys::Capset => self.capget_set(a[0], a[1], true),
            Sys::Chmod => self.path_op(AT_FDCWD as u64, a[0], |d, p| chmod(d, p, a[1])),
            Sys::Fchmodat => self.path_op(a[0], a[1], |d, p| chmod(d, p, a[2])),
            // SAFETY: plain host calls with integer arguments.
            Sys::Fchmod => hret(i64::from(unsafe { libc::fchmod(a[0] as i32, a[1] as u32) })),
            Sys::Ftruncate => hret(i64::from(unsafe { libc::ftruncate(a[0] as i32, a[1] as i64) })),
            Sys::Fsync => hret(i64::from(unsafe { libc::fsync(a[0] as i32) })),
            Sys::Fdatasync => hret(i64::from(unsafe { libc::fdatasync(a[0] as i32) })),
            Sys::Umask => Ok(u64::from(unsafe { libc::umask(a[0] as u32) })),
            Sys::Poll => return self.poll(a[0], a[1], a[2] as i32 as i64),
            Sys::Ppoll => {
                let t = match self.timeout_ms(a[2]) {
                    Ok(t) => t,
                    Err(e) => return Act::Ret(Err(e)),
                };
                match self.temp_sigmask(a[3], a[4]) {
                    Ok(true) => return Act::Ret(Err(LinuxErrno::EINTR)),
                    Ok(false) => {}
                    Err(e) => return Act::Ret(Err(e)),
                }
                return self.poll(a[0], a[1], t);
            }
            Sys::Newselect => return self.select(a[0], [a[1], a[2], a[3]], a[4], false),
            Sys::Pselect6 => {
                // The sixth argument points at { const sigset_t *ss; size_t ss_len; }.
                if a[5] != 0 {
                    let r = self.read(a[5], 16).and_then(|b| {
                        let (set, len) = (self.u64_from(&b[0..8]), self.u64_from(&b[8..16]));
                        self.temp_sigmask(set, len)
                    });
                    match r {
                        Ok(true) => return Act::Ret(Err(LinuxErrno::EINTR)),
                        Ok(false) => {}
                        Err(e) => return Act::Ret(Err(e)),
                    }
                }
                return self.select(a[0], [a[1], a[2], a[3]], a[4], true);
            }
            Sys::Sendfile => self.sendfile(a),
            Sys::Statfs => self.statfs(Some(a[0]), 0, a[1]),
            Sys::Fstatfs => self.statfs(None, a[0], a[1]),
            Sys::Utimensat => self.utimensat(a),
            Sys::Brk => Ok(self.do_brk(a[0])),
            Sys::Mmap => self.mmap(a),
            Sys::Munmap => self.munmap(a[0], a[1]),
            Sys::Mprotect => self.mprotect(a[0], a[1], a[2]),
            Sys::Madvise => self.madvise(a[0], a[1], a[2]),
            Sys::Mremap => self.mremap(a),
            // SAFETY: plain host getters.
            Sys::Getpid => Ok(unsafe { libc::getpid() } as u64),
            Sys::Gettid => Ok(self.thr().tid as u64),
            Sys::Getppid => Ok(unsafe { libc::getppid() } as u64),
            Sys::Getuid => Ok(u64::from(unsafe { libc::getuid() })),
            Sys::Geteuid => Ok(u64::from(unsafe { libc::geteuid() })),
            Sys::Getgid => Ok(u64::from(unsafe { libc::getgid() })),
            Sys::Getegid => Ok(u64::from(unsafe { libc::getegid() })),
            Sys::Getresuid | Sys::Getresgid => {
                let mut ids = [0u32; 3];
                let [r, e, s] = &mut ids;
                // SAFETY: three writable ids.
                let rc = unsafe {
                    if sys == Sys::Getresuid {
                        libc::getresuid(r, e, s)
                    } else {
                        libc::getresgid(r, e, s)
                    }
                };
                if rc < 0 {
                    return Act::Ret(hret(i64::from(rc)));
                }
                ids.iter().zip(&a[..3]).try_for_each(|(id, p)| self.write_u32(*p, *id)).map(|_| 0)
            }
            Sys::Getgroups => {
                let mut g = vec![0 as libc::gid_t; 256];
                // SAFETY: `g` has room for 256 entries.
                let n = unsafe { libc::getgroups(256, g.as_mut_ptr()) };
                if n < 0 {
                    Err(LinuxErrno::EINVAL)
                } else if a[0] == 0 {
                    Ok(n as u64)
                } else if (a[0] as i64) < i64::from(n) {
                    Err(LinuxErrno::EINVAL)
                } else {
                    (0..n as usize)
                        .try_for_each(|i| self.write_u32(a[1] + 4 * i as u64, g[i]))
                        .map(|_| n as u64)
                }
            }
            // SAFETY: plain host calls with integer arguments.
            Sys::Getpgid => hret(i64::from(unsafe { libc::getpgid(a[0] as i32) })),
            Sys::Getpgrp => hret(i64::from(unsafe { libc::getpgrp() })),
            Sys::Setpgid => hret(i64::from(unsafe { libc::setpgid(a[0] as i32, a[1] as i32) })),
            Sys::Getsid => hret(i64::from(unsafe { libc::getsid(a[0] as i32) })),
            Sys::Setsid => hret(i64::from(unsafe { libc::setsid() })),
            Sys::Getpriority => hret(i64::from(unsafe { libc::getpriority(a[0] as u32, a[1] as u32) }))
                .map(|v| (20 - v as i64) as u64),
            Sys::SetTidAddress => {
                self.thr_mut().clear_tid = a[0];
                Ok(self.thr().tid as u64)
            }
            Sys::SetRobustList => {
                if a[1] != 24 {
                    Err(LinuxErrno::EINVAL)
                } else {
                    self.thr_mut().robust = (a[0], a[1]);
                    Ok(0)
                }
            }
            Sys::Uname => self.uname(a[0]),
            Sys::Prlimit64 => self.prlimit(a[0], a[1], a[2], a[3]),
            Sys::Getrlimit | Sys::Ugetrlimit => self.prlimit(0, a[0], 0, a[1]),
            Sys::Setrlimit => self.prlimit(0, a[0], a[1], 0),
            Sys::Sysinfo => {
                let mut b = [0u8; 112];
                // SAFETY: struct sysinfo is 112 bytes on 64-bit Linux; `b` is that big.
                let r = unsafe { libc::sysinfo(b.as_mut_ptr().cast()) };
                swap_fields(&mut b, layout::SYSINFO, self.be());
                hret(i64::from(r)).and_then(|_| self.write(a[0], &b).map(|_| 0))
            }
            Sys::Getrandom => {
                let n = (a[1] as usize).min(1 << 20);
                let mut b = vec![0u8; n];
                // SAFETY: `b` has `n` writable bytes.
                let r = unsafe { libc::getrandom(b.as_mut_ptr().cast(), n, a[2] as u32) };
                hret(r as i64).and_then(|got| self.write(a[0], &b[..got as usize]).map(|_| got))
            }
            Sys::ClockGettime | Sys::ClockGetres => {
                let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
                // CLOCK_MONOTONIC_RAW (4) and CLOCK_BOOTTIME (7) are the monotonic clock, as FreeBSD's
                // Linuxulator answers (FreeBSD has neither) and as the vdso computes them.
                let clock = match a[0] as i32 {
                    4 | 7 => libc::CLOCK_MONOTONIC,
                    c => c,
                };
                // SAFETY: `ts` is a valid timespec.
                let r = unsafe {
                    if sys == Sys::ClockGettime {
                        libc::clock_gettime(clock, &mut ts)
                    } else {
                        libc::clock_getres(clock, &mut ts)
                    }
                };
                hret(i64::from(r)).and_then(|_| {
                    if a[1] == 0 {
                        Ok(0)
                    } else {
                        self.write_ts(a[1], ts.tv_sec, ts.tv_nsec).map(|_| 0)
                    }
                })
            }
            Sys::Gettimeofday => {
                let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
                // SAFETY: `ts` is a valid timespec.
                unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) };
                if a[0] != 0 {
                    self.write_ts(a[0], ts.tv_sec, ts.tv_nsec / 1000).map(|_| 0)
                } else {
                    Ok(0)
                }
            }
            Sys::Time => {
                // SAFETY: null argument allowed.
                let t = unsafe { libc::time(std::ptr::null_mut()) };
                if a[0] != 0 {
                    self.write_u64(a[0], t as u64).map(|_| t as u64)
                } else {
                    Ok(t as u64)
                }
            }
            Sys::Nanosleep => return self.nanosleep(libc::CLOCK_MONOTONIC, 0, a[0], a[1]),
            Sys::ClockNanosleep => return self.nanosleep(a[0] as i32, a[1] as i32, a[2], a[3]),
            Sys::Times => {
                let mut t: libc::tms = libc::tms { tms_utime: 0, tms_stime: 0, tms_cutime: 0, tms_cstime: 0 };
                // SAFETY: `t` is a valid tms.
                let r = unsafe { libc::times(&mut t) };
                let words = [t.tms_utime, t.tms_stime, t.tms_cutime, t.tms_cstime];
                let mut b = Vec::new();
                for w in words {
                    b.extend_from_slice(&self.g64(w as u64));
                }
                if a[0] != 0 {
                    self.write(a[0], &b).map(|_| r as u64)
                } else {
                    Ok(r as u64)
                }
            }
            Sys::Getrusage => {
                let mut b = [0u8; 144];
                // SAFETY: struct rusage is 144 bytes on 64-bit Linux.
                let r = unsafe { libc::getrusage(a[0] as i32, b.as_mut_ptr().cast()) };
                swap_words(&mut b, 8, self.be());
                hret(i64::from(r)).and_then(|_| self.write(a[1], &b).map(|_| 0))
            }
            Sys::Setitimer | Sys::Getitimer => (|| -> R {
                let mut new = [0i64; 4];
                if sys == Sys::Setitimer && a[1] != 0 {
                    let b = self.read(a[1], 32)?;
                    for (i, w) in new.iter_mut().enumerate() {
                        *w = self.u64_from(&b[i * 8..]) as i64;
                    }
                }
                let mut old = [0i64; 4];
                // SAFETY: struct itimerval is four longs; both buffers are that big.
                let r = unsafe {
                    if sys == Sys::Setitimer {
                        libc::syscall(libc::SYS_setitimer, a[0] as i64, new.as_ptr(), old.as_mut_ptr())
                    } else {
                        libc::syscall(libc::SYS_getitimer, a[0] as i64, old.as_mut_ptr())
                    }
                };
                let out = if sys == Sys::Setitimer { a[2] } else { a[1] };
                hret(r).and_then(|_| {
                    if out == 0 {
                        return Ok(0);
                    }
                    let b: Vec<u8> = old.iter().flat_map(|w| self.g64(*w as u64)).collect();
                    self.write(out, &b).map(|_| 0)
                })
            })(),
            // SAFETY: plain host call.
            Sys::Alarm => Ok(u64::from(unsafe { libc::alarm(a[0] as u32) })),
            Sys::RtSigaction => self.sigaction(a),
            Sys::RtSigprocmask => self.sigprocmask(a),
            Sys::RtSigpending => {
                let t = &self.thr().sig;
                let p = (t.pending | self.sig.pending) & t.mask;
                if a[1] != 8 {
                    Err(LinuxErrno::EINVAL)
                } else {
                    self.write_u64(a[0], p).map(|_| 0)
                }
            }
            Sys::RtSigsuspend => return self.sigsuspend(a[0], a[1]),
            Sys::Pause => return self.wait_for_signal(),
            Sys::RtSigreturn => return self.sigreturn(),
            Sys::Sigaltstack => self.sigaltstack(a[0], a[1]),
            Sys::Kill => self.kill(a[0] as i32, a[1], false),
            Sys::Tkill => self.tgkill(None, a[0] as i32, a[1]),
            Sys::Tgkill => self.tgkill(Some(a[0] as i32), a[1] as i32, a[2]),
            Sys::Exit => return self.exit_thread(a[0] as i32 & 0xff),
            Sys::ExitGroup => return Act::End(End::Exit(a[0] as i32 & 0xff)),
            Sys::Execve => return self.execve(a[0], a[1], a[2]),
            Sys::Fork | Sys::Vfork => self.fork(0, 0, 0, 0),
            Sys::Clone => self.clone(a),
            Sys::Wait4 => return self.wait4(a),
            Sys::SchedGetaffinity => {
                let n = (a[1] as usize).min(128);
                let mut b = vec![0u8; n];
                // SAFETY: `b` has `n` bytes.
                let r = unsafe { libc::sched_getaffinity(0, n, b.as_mut_ptr().cast()) };
                swap_words(&mut b, 8, self.be());
                hret(i64::from(r)).and_then(|_| self.write(a[2], &b).map(|_| n as u64))
            }
            Sys::SchedYield => {
                self.resched = true;
                Ok(0)
            }
            Sys::Futex => return self.futex(a),
            _ => {
                *self.stats.unimplemented.entry(sys.name().to_string()).or_default() += 1;
                Err(LinuxErrno::ENOSYS)
            }
        };
        Act::Ret(r)
    }

    /// A guest `struct timespec` timeout in milliseconds (rounded up), -1 for a null pointer.
    pub(crate) fn timeout_ms(&mut self, addr: u64) -> Result<i64, LinuxErrno> {
        if addr == 0 {
            return Ok(-1);
        }
        let b = self.read(addr, 16)?;
        let (s, ns) = (self.u64_from(&b[0..8]) as i64, self.u64_from(&b[8..16]) as i64);
        if s < 0 || !(0..1_000_000_000).contains(&ns) {
            return Err(LinuxErrno::EINVAL);
        }
        Ok(s.saturating_mul(1000).saturating_add((ns + 999_999) / 1_000_000))
    }

    pub(crate) fn write_ts(&mut self, addr: u64, s: i64, ns: i64) -> Result<(), LinuxErrno> {
        let mut b = self.g64(s as u64).to_vec();
        b.extend_from_slice(&self.g64(ns as u64));
        self.write(addr, &b)
    }

    fn rw(&mut self, a: [u64; 6], write: bool) -> Act {
        let len = (a[2] as usize).min(1 << 20);
        let fd = a[0] as i32;
        if let Some(crate::fdtable::FdKind::Signalfd { mask, .. }) = self.fds.get(fd) {
            if !write {
                return self.signalfd_read(fd, mask, a[1], a[2]);
            }
            return Act::Ret(Err(LinuxErrno::EINVAL));
        }
        if let Some(w) = self.would_block(fd, if write { libc::POLLOUT } else { libc::POLLIN }, false) {
            return w;
        }
        // An eventfd's or timerfd's counter is a u64 in the guest's byte order.
        let counter = len >= 8 && self.be() && self.counter_fd(fd);
        if write {
            let mut b = match self.read(a[1], len) {
                Ok(b) => b,
                Err(e) => return Act::Ret(Err(e)),
            };
            if counter {
                b[..8].reverse();
            }
            // SAFETY: `b` holds `len` bytes.
            let r = unsafe { libc::write(fd, b.as_ptr().cast(), b.len()) };
            return self.blocking(r as i64);
        }
        if !self.uc.get_data().vm.check(a[1], len as u64, PROT_WRITE) {
            return Act::Ret(Err(LinuxErrno::EFAULT));
        }
        let mut b = vec![0u8; len];
        // SAFETY: `b` has `len` writable bytes.
        let r = unsafe { libc::read(fd, b.as_mut_ptr().cast(), len) };
        if r >= 8 && counter {
            b[..8].reverse();
        }
        if r > 0 {
            if let Err(e) = self.write(a[1], &b[..r as usize]) {
                return Act::Ret(Err(e));
            }
        }
        self.blocking(r as i64)
    }

    /// The result of a host call that may block: EINTR becomes "interrupted" (restart or EINTR).
    pub(crate) fn blocking(&self, r: i64) -> Act {
        if r < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            Act::Interrupted
        } else {
            Act::Ret(hret(r))
        }
    }

    fn prw(&mut self, write: bool, a: [u64; 6]) -> R {
        let len = (a[2] as usize).min(1 << 20);
        if write {
            let b = self.read(a[1], len)?;
            // SAFETY: `b` holds `len` bytes.
            hret(unsafe { libc::pwrite(a[0] as i32, b.as_ptr().cast(), len, a[3] as i64) } as i64)
        } else {
            let mut b = vec![0u8; len];
            // SAFETY: `b` has `len` writable bytes.
            let n =
                hret(unsafe { libc::pread(a[0] as i32, b.as_mut_ptr().cast(), len, a[3] as i64) } as i64)?;
            self.write(a[1], &b[..n as usize])?;
            Ok(n)
        }
    }

    pub(crate) fn rwv(&mut self, write: bool, a: [u64; 6]) -> Act {
        let cnt = a[2].min(1024);
        let mut total = 0u64;
        for i in 0..cnt {
            let iov = match self.read(a[1] + i * 16, 16) {
                Ok(b) => b,
                Err(e) => return Act::Ret(Err(e)),
            };
            let (base, len) = (self.u64_from(&iov[0..8]), self.u64_from(&iov[8..16]));
            if len == 0 {
                continue;
            }
            match self.rw([a[0], base, len, 0, 0, 0], write) {
                Act::Ret(Ok(n)) => {
                    total += n;
                    if n < len {
                        break;
                    }
                }
                other if total == 0 => return other,
                _ => break,
            }
        }
        Act::Ret(Ok(total))
    }

    /// Resolves `dirfd` + guest path to a host path for reading, or `None` for a relative path on a
    /// real directory descriptor (the host resolves it).
    pub(crate) fn at_path(&mut self, dirfd: u64, path: u64) -> Result<(Vec<u8>, Option<i32>), LinuxErrno> {
        let p = self.read_cstr(path)?;
        if p.starts_with(b"/") || dirfd as i64 as i32 == AT_FDCWD as i32 {
            Ok((p, None))
        } else {
            Ok((p, Some(dirfd as i32)))
        }
    }

    fn openat(&mut self, dirfd: u64, path: u64, flags: u64, mode: u64) -> R {
        let (p, dir) = self.at_path(dirfd, path)?;
        let hflags = A::open_flags_to_host(flags as u32);
        let cs = match dir {
            Some(_) => cbytes(&p)?,
            None => {
                let wants_write =
                    hflags & (libc::O_WRONLY | libc::O_RDWR | libc::O_CREAT | libc::O_TRUNC) != 0;
                let host = if wants_write {
                    self.vfs.resolve_write(&p, hflags & libc::O_TRUNC == 0)?
                } else {
                    self.vfs.resolve(&p)?
                };
                cpath(&host)?
            }
        };
        // SAFETY: `cs` is a NUL-terminated path.
        let r = unsafe { libc::openat(dir.unwrap_or(libc::AT_FDCWD), cs.as_ptr(), hflags, mode as u32) };
        hret(i64::from(r))
    }

    /// A path operation that creates or modifies: `f(dirfd, path)` on the host, with a relative path on
    /// a real directory descriptor as it is, anything else in the scratch layer (copied up).
    fn path_op(&mut self, dirfd: u64, path: u64, f: impl FnOnce(i32, &CString) -> i64) -> R {
        let (p, dir) = self.at_path(dirfd, path)?;
        if let Some(d) = dir {
            return hret(f(d, &cbytes(&p)?));
        }
        let host = self.vfs.resolve_write(&p, true)?;
        hret(f(libc::AT_FDCWD, &cpath(&host)?))
    }

    fn remove(&mut self, dirfd: u64, path: u64, flags: u64) -> R {
        let (p, dir) = self.at_path(dirfd, path)?;
        if let Some(d) = dir {
            let c = cbytes(&p)?;
            // SAFETY: NUL-terminated path; AT_REMOVEDIR (0x200) is the same everywhere.
            return hret(i64::from(unsafe { libc::unlinkat(d, c.as_ptr(), (flags & 0x200) as i32) }));
        }
        if self.vfs.only_read_only(&p) {
            return Err(LinuxErrno::EROFS);
        }
        let host = cpath(&self.vfs.resolve(&p)?)?;
        // SAFETY: `host` is a NUL-terminated path.
        let r = unsafe {
            if flags & 0x200 != 0 {
                libc::rmdir(host.as_ptr())
            } else {
                libc::unlink(host.as_ptr())
            }
        };
        hret(i64::from(r))
    }

    fn rename(&mut self, d1: u64, p1: u64, d2: u64, p2: u64) -> R {
        let (a, da) = self.at_path(d1, p1)?;
        let (b, db) = self.at_path(d2, p2)?;
        if da.is_some() || db.is_some() {
            let ha = match da {
                Some(_) => cbytes(&a)?,
                None => cpath(&self.vfs.resolve(&a)?)?,
            };
            let hb = match db {
                Some(_) => cbytes(&b)?,
                None => cpath(&self.vfs.resolve_write(&b, false)?)?,
            };
            let (fa, fb) = (da.unwrap_or(libc::AT_FDCWD), db.unwrap_or(libc::AT_FDCWD));
            // SAFETY: NUL-terminated paths.
            return hret(i64::from(unsafe { libc::renameat(fa, ha.as_ptr(), fb, hb.as_ptr()) }));
        }
        if self.vfs.only_read_only(&a) {
            return Err(LinuxErrno::EROFS);
        }
        let ha = cpath(&self.vfs.resolve(&a)?)?;
        let hb = cpath(&self.vfs.resolve_write(&b, false)?)?;
        // SAFETY: NUL-terminated paths.
        hret(i64::from(unsafe { libc::rename(ha.as_ptr(), hb.as_ptr()) }))
    }

    fn symlink(&mut self, target: u64, path: u64) -> R {
        let t = cbytes(&self.read_cstr(target)?)?;
        let p = self.read_cstr(path)?;
        let h = cpath(&self.vfs.resolve_write(&p, false)?)?;
        // SAFETY: NUL-terminated paths.
        hret(i64::from(unsafe { libc::symlink(t.as_ptr(), h.as_ptr()) }))
    }

    fn readlinkat(&mut self, dirfd: u64, path: u64, buf: u64, size: u64) -> R {
        let (p, dir) = self.at_path(dirfd, path)?;
        let abs = self.vfs.abs(&p);
        let target = if dir.is_none() && abs == b"/proc/self/exe" {
            self.vfs.exe.as_bytes().to_vec()
        } else {
            let host = match dir {
                Some(d) => {
                    let c = cbytes(&p)?;
                    let mut b = vec![0u8; 4096];
                    // SAFETY: NUL-terminated path, `b` has 4096 writable bytes.
                    let n = hret(
                        unsafe { libc::readlinkat(d, c.as_ptr(), b.as_mut_ptr().cast(), b.len()) } as i64
                    )?;
                    b.truncate(n as usize);
                    let n = b.len().min(size as usize);
                    self.write(buf, &b[..n])?;
                    return Ok(n as u64);
                }
                None => self.vfs.resolve(&p)?,
            };
            std::fs::read_link(&host)
                .map_err(|e| {
                    LinuxErrno::new(e.raw_os_error().unwrap_or(22) as u16).unwrap_or(LinuxErrno::EINVAL)
                })?
                .as_os_str()
                .as_bytes()
                .to_vec()
        };
        let n = target.len().min(size as usize);
        self.write(buf, &target[..n])?;
        Ok(n as u64)
    }

    fn chdir(&mut self, path: u64) -> R {
        let p = self.read_cstr(path)?;
        let host = self.vfs.resolve(&p)?;
        if !host.is_dir() {
            return Err(LinuxErrno::ENOTDIR);
        }
        self.vfs.cwd = self.vfs.abs(&p);
        Ok(0)
    }

    fn fchdir(&mut self, fd: u64) -> R {
        let link = std::fs::read_link(format!("/proc/self/fd/{fd}")).map_err(|_| LinuxErrno::EBADF)?;
        let l = link.as_os_str().as_bytes();
        // Map a host path back into the guest view: strip the scratch or sysroot prefix.
        let mut guest = l.to_vec();
        for root in [Some(self.vfs.scratch.clone()), self.vfs.sysroot.clone()].into_iter().flatten() {
            if let Ok(rest) = link.strip_prefix(&root) {
                guest = [b"/".as_slice(), rest.as_os_str().as_bytes()].concat();
                break;
            }
        }
        self.vfs.cwd = crate::vfs::normalize(&guest);
        Ok(0)
    }

    fn fcntl(&mut self, a: [u64; 6]) -> R {
        let (fd, cmd) = (a[0] as i32, a[1] as i32);
        match cmd {
            // SAFETY: integer-argument fcntl commands.
            libc::F_GETFL => hret(i64::from(unsafe { libc::fcntl(fd, cmd) }))
                .map(|f| u64::from(A::open_flags_to_guest(f as i32))),
            libc::F_SETFL => {
                hret(i64::from(unsafe { libc::fcntl(fd, cmd, A::open_flags_to_host(a[2] as u32)) }))
            }
            libc::F_DUPFD | libc::F_DUPFD_CLOEXEC => {
                hret(i64::from(unsafe { libc::fcntl(fd, cmd, a[2] as i32) }))
                    .inspect(|&n| self.fds.dup(fd, n as i32))
            }
            // Integer arguments, the same numbers on every architecture here.
            libc::F_GETFD
            | libc::F_SETFD
            | libc::F_GETOWN
            | libc::F_SETOWN
            | F_SETSIG
            | F_GETSIG
            | libc::F_SETLEASE
            | libc::F_GETLEASE
            | libc::F_NOTIFY
            | libc::F_SETPIPE_SZ
            | libc::F_GETPIPE_SZ
            | libc::F_ADD_SEALS
            | libc::F_GET_SEALS => hret(i64::from(unsafe { libc::fcntl(fd, cmd, a[2] as i32) })),
            libc::F_GETLK | libc::F_SETLK | libc::F_OFD_GETLK | libc::F_OFD_SETLK => {
                self.fcntl_lock(fd, cmd, a[2])
            }
            libc::F_SETLKW | libc::F_OFD_SETLKW => match self.fcntl_lock(fd, cmd, a[2]) {
                Err(LinuxErrno::EINTR) => Err(LinuxErrno::EINTR),
                r => r,
            },
            _ => {
                *self.stats.unimplemented.entry(format!("fcntl cmd {cmd}")).or_default() += 1;
                Err(LinuxErrno::EINVAL)
            }
        }
    }

    fn pipe(&mut self, addr: u64, flags: u64) -> R {
        let mut fds = [0i32; 2];
        // SAFETY: `fds` has room for two descriptors.
        hret(i64::from(unsafe { libc::pipe2(fds.as_mut_ptr(), A::open_flags_to_host(flags as u32)) }))?;
        let mut b = [0u8; 8];
        b[0..4].copy_from_slice(&self.g32(fds[0] as u32));
        b[4..8].copy_from_slice(&self.g32(fds[1] as u32));
        if let Err(e) = self.write(addr, &b) {
            // SAFETY: closing our own new descriptors.
            unsafe {
                libc::close(fds[0]);
                libc::close(fds[1]);
            }
            return Err(e);
        }
        Ok(0)
    }

    /// ioctl: the guest's number goes through the architecture's translation (the module's own,
    /// `arch_ppc64::ioctl::to_generic`, on powerpc; none on arm64) to the generic number the
    /// machine-independent code knows (and the host, a generic-numbering Linux, understands); termios
    /// structures through the architecture's layout and linux-core's `KTermios`, as the module converts
    /// them.
    fn ioctl(&mut self, a: [u64; 6]) -> R {
        use linux_core::ioctl as g;
        let (fd, guest_cmd, arg) = (a[0] as i32, a[1] as u32, a[2]);
        let be = self.be();
        let Some(cmd) = A::ioctl_to_generic(guest_cmd) else {
            // A generic number powerpc defines differently (0x5401): not a powerpc ioctl.
            *self.stats.unknown_ioctls.entry(u64::from(guest_cmd)).or_default() += 1;
            return Err(LinuxErrno::ENOTTY);
        };
        match cmd {
            g::TCGETS => {
                let mut host = linux_core::termios::Termios::<zerocopy::NativeEndian>::new_zeroed();
                // SAFETY: TCGETS writes a 36-byte struct termios, the size of `host`.
                hret(i64::from(unsafe { libc::ioctl(fd, libc::TCGETS, host.as_mut_bytes().as_mut_ptr()) }))?;
                let mut k = linux_core::termios::KTermios::default();
                k.apply_termios(&host);
                self.write(arg, &A::termios_to_guest(&k)).map(|_| 0)
            }
            g::TCSETS | g::TCSETSW | g::TCSETSF => {
                let b = self.read(arg, A::TERMIOS_SIZE)?;
                let k = A::termios_from_guest(&b).ok_or(LinuxErrno::EFAULT)?;
                let host = k.to_termios::<zerocopy::NativeEndian>();
                let req = match cmd {
                    g::TCSETS => libc::TCSETS,
                    g::TCSETSW => libc::TCSETSW,
                    _ => libc::TCSETSF,
                };
                // SAFETY: TCSETS* read a 36-byte struct termios, the size of `host`.
                hret(i64::from(unsafe { libc::ioctl(fd, req, host.as_bytes().as_ptr()) }))
            }
            g::TIOCGWINSZ => {
                let mut b = [0u8; 8];
                // SAFETY: TIOCGWINSZ writes an 8-byte struct winsize.
                hret(i64::from(unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, b.as_mut_ptr()) }))?;
                swap_fields(&mut b, layout::WINSIZE, be);
                self.write(arg, &b).map(|_| 0)
            }
            g::TIOCSWINSZ => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&self.read(arg, 8)?);
                swap_fields(&mut b, layout::WINSIZE, be);
                // SAFETY: TIOCSWINSZ reads an 8-byte struct winsize.
                hret(i64::from(unsafe { libc::ioctl(fd, libc::TIOCSWINSZ, b.as_ptr()) }))
            }
            g::FIONREAD | g::TIOCGPGRP | g::TIOCOUTQ => {
                let req = match cmd {
                    g::FIONREAD => libc::FIONREAD,
                    g::TIOCGPGRP => libc::TIOCGPGRP,
                    _ => libc::TIOCOUTQ,
                };
                let mut v: i32 = 0;
                // SAFETY: these requests write one int.
                hret(i64::from(unsafe { libc::ioctl(fd, req, &mut v) }))?;
                self.write_u32(arg, v as u32).map(|_| 0)
            }
            g::FIONBIO | g::TIOCSPGRP => {
                let v = self.read_u32(arg)? as i32;
                let req = if cmd == g::FIONBIO { libc::FIONBIO } else { libc::TIOCSPGRP };
                // SAFETY: these requests read one int.
                hret(i64::from(unsafe { libc::ioctl(fd, req, &v) }))
            }
            g::TIOCGPTN => {
                let mut v: u32 = 0;
                // SAFETY: TIOCGPTN writes one unsigned int.
                hret(i64::from(unsafe { libc::ioctl(fd, libc::TIOCGPTN, &mut v) }))?;
                self.write_u32(arg, v).map(|_| 0)
            }
            g::TIOCSPTLCK => {
                let v = self.read_u32(arg)? as i32;
                // SAFETY: TIOCSPTLCK reads one int.
                hret(i64::from(unsafe { libc::ioctl(fd, libc::TIOCSPTLCK, &v) }))
            }
            // SAFETY: FIOCLEX/FIONCLEX take no argument.
            g::FIOCLEX => hret(i64::from(unsafe { libc::ioctl(fd, libc::FIOCLEX) })),
            // SAFETY: as above.
            g::FIONCLEX => hret(i64::from(unsafe { libc::ioctl(fd, libc::FIONCLEX) })),
            _ => {
                *self.stats.unknown_ioctls.entry(u64::from(guest_cmd)).or_default() += 1;
                Err(LinuxErrno::ENOTTY)
            }
        }
    }

    /// stat, lstat, fstat, newfstatat: the host's `struct stat` as values, laid out as the
    /// architecture's `struct stat`.
    fn fstatat(&mut self, dirfd: u64, path: u64, buf: u64, flags: u64) -> R {
        const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
        const AT_EMPTY_PATH: u64 = 0x1000;
        // SAFETY: struct stat is plain data the calls below fill.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        let r = if path == 0 && flags & AT_EMPTY_PATH != 0 {
            // SAFETY: `st` is a writable struct stat.
            unsafe { libc::fstat(dirfd as i32, &mut st) }
        } else {
            let (p, dir) = self.at_path(dirfd, path)?;
            if p.is_empty() && flags & AT_EMPTY_PATH != 0 {
                // SAFETY: as above.
                unsafe { libc::fstat(dirfd as i32, &mut st) }
            } else {
                let c = match dir {
                    Some(_) => cbytes(&p)?,
                    None => cpath(&self.vfs.resolve(&p)?)?,
                };
                let hflags = (flags & AT_SYMLINK_NOFOLLOW) as i32;
                // SAFETY: NUL-terminated path, writable struct stat.
                unsafe { libc::fstatat(dir.unwrap_or(libc::AT_FDCWD), c.as_ptr(), &mut st, hflags) }
            }
        };
        hret(i64::from(r))?;
        self.write(buf, &A::stat_to_guest(&conv::file_stat(&st))).map(|_| 0)
    }

    fn statx(&mut self, a: [u64; 6]) -> R {
        let (p, dir) = self.at_path(a[0], a[1])?;
        let c = if p.is_empty() || dir.is_some() { cbytes(&p)? } else { cpath(&self.vfs.resolve(&p)?)? };
        let mut b = [0u8; 256];
        // SAFETY: NUL-terminated path, 256-byte struct statx buffer.
        let r = unsafe {
            libc::syscall(
                libc::SYS_statx,
                dir.map_or(if p.is_empty() { a[0] as i64 } else { libc::AT_FDCWD as i64 }, i64::from),
                c.as_ptr(),
                a[2] as i64,
                a[3] as i64,
                b.as_mut_ptr(),
            )
        };
        hret(r)?;
        swap_fields(&mut b, layout::STATX, self.be());
        self.write(a[4], &b).map(|_| 0)
    }

    fn statfs(&mut self, path: Option<u64>, fd: u64, buf: u64) -> R {
        let mut b = [0u8; 120];
        let r = match path {
            Some(p) => {
                let p = self.read_cstr(p)?;
                let c = cpath(&self.vfs.resolve(&p)?)?;
                // SAFETY: NUL-terminated path, 120-byte struct statfs.
                unsafe { libc::statfs(c.as_ptr(), b.as_mut_ptr().cast()) }
            }
            // SAFETY: 120-byte struct statfs.
            None => unsafe { libc::fstatfs(fd as i32, b.as_mut_ptr().cast()) },
        };
        hret(i64::from(r))?;
        swap_fields(&mut b, layout::STATFS, self.be());
        self.write(buf, &b).map(|_| 0)
    }

    fn faccessat(&mut self, dirfd: u64, path: u64, mode: u64) -> R {
        let (p, dir) = self.at_path(dirfd, path)?;
        let c = match dir {
            Some(_) => cbytes(&p)?,
            None => cpath(&self.vfs.resolve(&p)?)?,
        };
        // SAFETY: NUL-terminated path.
        hret(i64::from(unsafe { libc::faccessat(dir.unwrap_or(libc::AT_FDCWD), c.as_ptr(), mode as i32, 0) }))
    }

    fn utimensat(&mut self, a: [u64; 6]) -> R {
        // A null path is futimens on the descriptor itself.
        let (d, c) = if a[1] == 0 {
            (a[0] as i32, None)
        } else {
            let (p, dir) = self.at_path(a[0], a[1])?;
            match dir {
                Some(d) => (d, Some(cbytes(&p)?)),
                None => (libc::AT_FDCWD, Some(cpath(&self.vfs.resolve_write(&p, true)?)?)),
            }
        };
        let mut ts = [libc::timespec { tv_sec: 0, tv_nsec: libc::UTIME_NOW }; 2];
        if a[2] != 0 {
            let b = self.read(a[2], 32)?;
            for (i, t) in ts.iter_mut().enumerate() {
                t.tv_sec = self.u64_from(&b[i * 16..]) as i64;
                t.tv_nsec = self.u64_from(&b[i * 16 + 8..]) as i64;
            }
        }
        let cp = c.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
        // SAFETY: a NUL-terminated path or null (the descriptor itself), two timespecs.
        hret(unsafe { libc::syscall(libc::SYS_utimensat, d, cp, ts.as_ptr(), a[3] as i32) })
    }

    fn getdents64(&mut self, a: [u64; 6]) -> R {
        let n = (a[2] as usize).min(1 << 16);
        let mut b = vec![0u8; n];
        // SAFETY: `b` has `n` writable bytes.
        let got =
            hret(unsafe { libc::syscall(libc::SYS_getdents64, a[0] as i64, b.as_mut_ptr(), n) })? as usize;
        if self.be() {
            let mut off = 0;
            while off + 19 <= got {
                let reclen = u16::from_ne_bytes([b[off + 16], b[off + 17]]) as usize;
                b[off..off + 8].reverse();
                b[off + 8..off + 16].reverse();
                b[off + 16..off + 18].reverse();
                if reclen == 0 {
                    break;
                }
                off += reclen;
            }
        }
        self.write(a[1], &b[..got])?;
        Ok(got as u64)
    }

    fn poll(&mut self, fds: u64, n: u64, timeout_ms: i64) -> Act {
        let n = n.min(4096) as usize;
        let mut b = match self.read(fds, n * 8) {
            Ok(b) => b,
            Err(e) => return Act::Ret(Err(e)),
        };
        for c in b.chunks_exact_mut(8) {
            swap_fields(c, layout::POLLFD, self.be());
        }
        // With other guest threads, a poll that would wait waits as a guest thread (Wait::Io).
        let threaded = self.threads.len() > 1 && timeout_ms != 0;
        let t = if threaded { 0 } else { timeout_ms.clamp(-1, i64::from(i32::MAX)) as i32 };
        // SAFETY: `b` holds `n` struct pollfd.
        let r = unsafe { libc::poll(b.as_mut_ptr().cast(), n as u64, t) };
        if r == 0 && threaded {
            let fds: Vec<(i32, i16)> = b
                .chunks_exact(8)
                .map(|c| (i32::from_ne_bytes([c[0], c[1], c[2], c[3]]), i16::from_ne_bytes([c[4], c[5]])))
                .filter(|&(fd, _)| fd >= 0)
                .collect();
            let deadline = (timeout_ms > 0).then(|| Deadline::after(i128::from(timeout_ms) * 1_000_000));
            return self.io_wait(fds, deadline, IoTimeout::Zero, OnSignal::Eintr);
        }
        for c in b.chunks_exact_mut(8) {
            swap_fields(c, layout::POLLFD, self.be());
        }
        if r >= 0 {
            if let Err(e) = self.write(fds, &b) {
                return Act::Ret(Err(e));
            }
        }
        self.blocking(i64::from(r))
    }

    fn select(&mut self, n: u64, sets: [u64; 3], tmo: u64, pselect: bool) -> Act {
        let n = n.min(1024);
        let words = n.div_ceil(64) as usize;
        let mut host: [libc::fd_set; 3] = unsafe { std::mem::zeroed() };
        for (i, &s) in sets.iter().enumerate() {
            if s == 0 {
                continue;
            }
            for w in 0..words {
                let v = match self.read_u64(s + 8 * w as u64) {
                    Ok(v) => v,
                    Err(e) => return Act::Ret(Err(e)),
                };
                for bit in 0..64 {
                    if v & (1 << bit) != 0 && ((w * 64 + bit) as u64) < n {
                        // SAFETY: the fd is below FD_SETSIZE (n <= 1024).
                        unsafe { libc::FD_SET((w * 64 + bit) as i32, &mut host[i]) };
                    }
                }
            }
        }
        let mut tv = libc::timeval { tv_sec: 0, tv_usec: 0 };
        let tvp = if tmo == 0 {
            std::ptr::null_mut()
        } else {
            let b = match self.read(tmo, 16) {
                Ok(b) => b,
                Err(e) => return Act::Ret(Err(e)),
            };
            tv.tv_sec = self.u64_from(&b[0..8]) as i64;
            let sub = self.u64_from(&b[8..16]) as i64;
            tv.tv_usec = if pselect { sub / 1000 } else { sub };
            &mut tv as *mut libc::timeval
        };
        let ptr = |i: usize, h: &mut [libc::fd_set; 3]| {
            if sets[i] == 0 {
                std::ptr::null_mut()
            } else {
                &mut h[i] as *mut libc::fd_set
            }
        };
        // With other guest threads, a select that would wait waits as a guest thread (Wait::Io).
        let waits = tvp.is_null() || tv.tv_sec != 0 || tv.tv_usec != 0;
        if self.threads.len() > 1 && waits {
            let mut probe = host;
            let mut zero = libc::timeval { tv_sec: 0, tv_usec: 0 };
            let (q0, q1, q2) = (ptr(0, &mut probe), ptr(1, &mut probe), ptr(2, &mut probe));
            // SAFETY: the sets and the timeval are valid or null.
            let r = unsafe { libc::select(n as i32, q0, q1, q2, &mut zero) };
            if r == 0 {
                let mut fds = Vec::new();
                for fd in 0..n as i32 {
                    let mut ev = 0;
                    for (i, e) in [libc::POLLIN, libc::POLLOUT, libc::POLLPRI].into_iter().enumerate() {
                        // SAFETY: fd below FD_SETSIZE.
                        if sets[i] != 0 && unsafe { libc::FD_ISSET(fd, &host[i]) } {
                            ev |= e;
                        }
                    }
                    if ev != 0 {
                        fds.push((fd, ev));
                    }
                }
                let deadline = (!tvp.is_null()).then(|| {
                    Deadline::after(i128::from(tv.tv_sec) * 1_000_000_000 + i128::from(tv.tv_usec) * 1000)
                });
                return self.io_wait(fds, deadline, IoTimeout::Zero, OnSignal::Eintr);
            }
        }
        let (p0, p1, p2) = (ptr(0, &mut host), ptr(1, &mut host), ptr(2, &mut host));
        // SAFETY: the sets and the timeval are valid or null.
        let r = unsafe { libc::select(n as i32, p0, p1, p2, tvp) };
        if r >= 0 {
            for (i, &s) in sets.iter().enumerate() {
                if s == 0 {
                    continue;
                }
                for w in 0..words {
                    let mut v = 0u64;
                    for bit in 0..64 {
                        let fd = (w * 64 + bit) as i32;
                        // SAFETY: fd below FD_SETSIZE.
                        if (fd as u64) < n && unsafe { libc::FD_ISSET(fd, &host[i]) } {
                            v |= 1 << bit;
                        }
                    }
                    if let Err(e) = self.write_u64(s + 8 * w as u64, v) {
                        return Act::Ret(Err(e));
                    }
                }
            }
        }
        self.blocking(i64::from(r))
    }

    fn sendfile(&mut self, a: [u64; 6]) -> R {
        let mut off: i64 = 0;
        if a[2] != 0 {
            off = self.read_u64(a[2])? as i64;
        }
        let offp = if a[2] == 0 { std::ptr::null_mut() } else { &mut off as *mut i64 };
        // SAFETY: `offp` is null or points at `off`.
        let r = hret(unsafe { libc::sendfile(a[0] as i32, a[1] as i32, offp, a[3] as usize) } as i64)?;
        if a[2] != 0 {
            self.write_u64(a[2], off as u64)?;
        }
        Ok(r)
    }

    fn uname(&mut self, addr: u64) -> R {
        // SAFETY: utsname is plain data filled by uname.
        let mut u: libc::utsname = unsafe { std::mem::zeroed() };
        // SAFETY: `u` is a valid utsname.
        unsafe { libc::uname(&mut u) };
        let mut b = vec![0u8; 6 * 65];
        let field = |f: &[libc::c_char]| f.iter().map(|&c| c as u8).collect::<Vec<u8>>();
        let machine = A::uname_machine();
        let fields = [
            b"Linux".to_vec(),
            field(&u.nodename),
            field(&u.release),
            field(&u.version),
            machine.to_vec(),
            field(&u.domainname),
        ];
        for (i, f) in fields.iter().enumerate() {
            let n = f.iter().position(|&c| c == 0).unwrap_or(f.len()).min(64);
            b[i * 65..i * 65 + n].copy_from_slice(&f[..n]);
        }
        self.write(addr, &b).map(|_| 0)
    }

    fn prlimit(&mut self, pid: u64, res: u64, new: u64, old: u64) -> R {
        let mut n = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        let mut o = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if new != 0 {
            let b = self.read(new, 16)?;
            n.rlim_cur = self.u64_from(&b[0..8]);
            n.rlim_max = self.u64_from(&b[8..16]);
        }
        // SAFETY: valid or null rlimit pointers.
        let r = unsafe {
            libc::prlimit(
                pid as i32,
                res as u32 as _,
                if new == 0 { std::ptr::null() } else { &n },
                if old == 0 { std::ptr::null_mut() } else { &mut o },
            )
        };
        hret(i64::from(r))?;
        if old != 0 {
            let mut b = self.g64(o.rlim_cur).to_vec();
            b.extend_from_slice(&self.g64(o.rlim_max));
            self.write(old, &b)?;
        }
        Ok(0)
    }

    /// nanosleep / clock_nanosleep: the thread blocks until the deadline (relative on `clock`, or
    /// absolute with TIMER_ABSTIME) while the others run. A handled signal ends it with EINTR (and the
    /// time left in `rem` for a relative sleep) even with SA_RESTART: Linux restarts it through
    /// restart_syscall with the remaining time, returning EINTR with `rem` is what a non-restarting
    /// kernel does. Ignored signals do not interrupt it.
    fn nanosleep(&mut self, clock: i32, flags: i32, req: u64, rem: u64) -> Act {
        const TIMER_ABSTIME: i32 = 1;
        let b = match self.read(req, 16) {
            Ok(b) => b,
            Err(e) => return Act::Ret(Err(e)),
        };
        let (sec, nsec) = (self.u64_from(&b[0..8]) as i64, self.u64_from(&b[8..16]) as i64);
        if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
            return Act::Ret(Err(LinuxErrno::EINVAL));
        }
        // CLOCK_MONOTONIC_RAW (4) and CLOCK_BOOTTIME (7) count as the monotonic clock, as in clock_gettime.
        let host_clock = match clock {
            libc::CLOCK_REALTIME => libc::CLOCK_REALTIME,
            libc::CLOCK_MONOTONIC | 4 | 7 => libc::CLOCK_MONOTONIC,
            _ => return Act::Ret(Err(LinuxErrno::EINVAL)),
        };
        let ns = i128::from(sec) * 1_000_000_000 + i128::from(nsec);
        let absolute = flags & TIMER_ABSTIME != 0;
        let deadline = if absolute {
            Deadline { clock: host_clock, ns }
        } else {
            Deadline { clock: host_clock, ns: crate::thread::now_ns(host_clock).saturating_add(ns) }
        };
        let rem = (!absolute && rem != 0).then_some(rem);
        Act::Block { wait: Wait::Sleep { rem }, deadline: Some(deadline), on_signal: OnSignal::Eintr }
    }

    // --- memory ---

    fn do_brk(&mut self, want: u64) -> u64 {
        if want < self.brk_start {
            return self.brk;
        }
        let old_end = page_up(self.brk).unwrap_or(self.brk);
        let Some(new_end) = page_up(want) else { return self.brk };
        if new_end > old_end {
            if !self.uc.get_data().vm.is_free(old_end, new_end)
                || new_end > A::LAYOUT.mmap_bottom.max(self.brk_start + (1 << 36))
            {
                return self.brk;
            }
            if cpu::map(&mut self.uc, old_end, new_end, PROT_READ | PROT_WRITE).is_err() {
                return self.brk;
            }
        } else if new_end < old_end {
            cpu::unmap(&mut self.uc, new_end, old_end);
        }
        self.brk = want;
        want
    }

    fn mmap(&mut self, a: [u64; 6]) -> R {
        let (addr, len, prot, flags, fd, off) = (a[0], a[1], a[2] as u32 & 7, a[3], a[4] as i32, a[5]);
        if len == 0 || off % PAGE != 0 {
            return Err(LinuxErrno::EINVAL);
        }
        let size = page_up(len).ok_or(LinuxErrno::ENOMEM)?;
        let start = if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0 {
            if addr % PAGE != 0 {
                return Err(LinuxErrno::EINVAL);
            }
            if flags & MAP_FIXED_NOREPLACE != 0
                && !self.uc.get_data().vm.is_free(addr, addr.saturating_add(size))
            {
                return Err(LinuxErrno::EEXIST);
            }
            addr
        } else {
            let hint = page_down(addr);
            let layout = A::LAYOUT;
            if hint >= layout.mmap_bottom
                && hint.checked_add(size).is_some_and(|e| e <= layout.mmap_top)
                && self.uc.get_data().vm.is_free(hint, hint + size)
            {
                hint
            } else {
                self.uc
                    .get_data()
                    .vm
                    .find_free_below(size, layout.mmap_top, layout.mmap_bottom)
                    .ok_or(LinuxErrno::ENOMEM)?
            }
        };
        let end = start.checked_add(size).ok_or(LinuxErrno::ENOMEM)?;
        let data = if flags & MAP_ANONYMOUS == 0 {
            let mut b = vec![0u8; size as usize];
            // SAFETY: `b` has `size` writable bytes.
            let n =
                hret(unsafe { libc::pread(fd, b.as_mut_ptr().cast(), size as usize, off as i64) } as i64)?;
            b.truncate(n as usize);
            if flags & MAP_SHARED != 0 && prot & PROT_WRITE != 0 {
                *self
                    .stats
                    .unimplemented
                    .entry("mmap MAP_SHARED|PROT_WRITE file (mapped private)".into())
                    .or_default() += 1;
            }
            Some(b)
        } else {
            None
        };
        self.map_anon(start, end, prot)?;
        if let Some(d) = data {
            self.uc.mem_write(start, &d).map_err(|_| LinuxErrno::ENOMEM)?;
        }
        Ok(start)
    }

    fn munmap(&mut self, addr: u64, len: u64) -> R {
        if addr % PAGE != 0 || len == 0 {
            return Err(LinuxErrno::EINVAL);
        }
        let end = addr.checked_add(page_up(len).ok_or(LinuxErrno::EINVAL)?).ok_or(LinuxErrno::EINVAL)?;
        cpu::unmap(&mut self.uc, addr, end);
        Ok(0)
    }

    fn mprotect(&mut self, addr: u64, len: u64, prot: u64) -> R {
        if addr % PAGE != 0 {
            return Err(LinuxErrno::EINVAL);
        }
        let end = addr.checked_add(page_up(len).ok_or(LinuxErrno::ENOMEM)?).ok_or(LinuxErrno::ENOMEM)?;
        cpu::protect(&mut self.uc, addr, end, prot as u32 & (PROT_READ | PROT_WRITE | PROT_EXEC)).map(|_| 0)
    }

    fn madvise(&mut self, addr: u64, len: u64, advice: u64) -> R {
        const MADV_DONTNEED: u64 = 4;
        if addr % PAGE != 0 {
            return Err(LinuxErrno::EINVAL);
        }
        if advice == MADV_DONTNEED {
            let end = addr.saturating_add(page_up(len).unwrap_or(len));
            if !self.uc.get_data().vm.covered(addr, end) {
                return Err(LinuxErrno::ENOMEM);
            }
            // Private anonymous memory reads back as zeros after MADV_DONTNEED.
            let zeros = vec![0u8; (end - addr) as usize];
            let _ = self.uc.mem_write(addr, &zeros);
        }
        Ok(0)
    }

    fn mremap(&mut self, a: [u64; 6]) -> R {
        const MREMAP_MAYMOVE: u64 = 1;
        let (old, old_len, new_len, flags) = (a[0], a[1], a[2], a[3]);
        if old % PAGE != 0 || flags & !MREMAP_MAYMOVE != 0 {
            return Err(LinuxErrno::EINVAL);
        }
        let old_size = page_up(old_len).ok_or(LinuxErrno::EINVAL)?;
        let new_size = page_up(new_len).ok_or(LinuxErrno::EINVAL)?;
        let (_, area) = self.uc.get_data().vm.find(old).ok_or(LinuxErrno::EFAULT)?;
        if new_size <= old_size {
            cpu::unmap(&mut self.uc, old + new_size, old + old_size);
            return Ok(old);
        }
        if self.uc.get_data().vm.is_free(old + old_size, old + new_size) {
            cpu::map(&mut self.uc, old + old_size, old + new_size, area.prot)?;
            return Ok(old);
        }
        if flags & MREMAP_MAYMOVE == 0 {
            return Err(LinuxErrno::ENOMEM);
        }
        let data = self.uc.mem_read_as_vec(old, old_size as usize).map_err(|_| LinuxErrno::EFAULT)?;
        let start = self
            .uc
            .get_data()
            .vm
            .find_free_below(new_size, A::LAYOUT.mmap_top, A::LAYOUT.mmap_bottom)
            .ok_or(LinuxErrno::ENOMEM)?;
        cpu::map(&mut self.uc, start, start + new_size, area.prot)?;
        let _ = self.uc.mem_write(start, &data);
        cpu::unmap(&mut self.uc, old, old + old_size);
        Ok(start)
    }

    // --- signals ---

    fn sigaction(&mut self, a: [u64; 6]) -> R {
        let (signo, act, old, size) = (a[0], a[1], a[2], a[3]);
        let sig = LinuxSignal::new(signo).ok_or(LinuxErrno::EINVAL)?;
        if size != 8 {
            return Err(LinuxErrno::EINVAL);
        }
        let n = usize::from(sig.get());
        let prev = self.sig.actions[n];
        if act != 0 {
            if sig == LinuxSignal::SIGKILL || sig.get() == 19 {
                return Err(LinuxErrno::EINVAL);
            }
            let b = self.read(act, 32)?;
            let new = Action {
                handler: self.u64_from(&b[0..8]),
                flags: self.u64_from(&b[8..16]),
                restorer: self.u64_from(&b[16..24]),
                mask: self.u64_from(&b[24..32]) & linux_core::signal::LinuxSigset(u64::MAX).blockable().0,
            };
            self.sig.actions[n] = new;
            // Setting SIG_IGN discards a pending instance (Linux sigaction semantics).
            if new.handler == 1 || (new.handler == 0 && crate::process::default_ignored(sig)) {
                self.sig.pending &= !sig.mask();
                for t in &mut self.threads {
                    t.sig.pending &= !sig.mask();
                }
            }
        }
        if old != 0 {
            let mut b = Vec::new();
            for w in [prev.handler, prev.flags, prev.restorer, prev.mask] {
                b.extend_from_slice(&self.g64(w));
            }
            self.write(old, &b)?;
        }
        Ok(0)
    }

    fn sigprocmask(&mut self, a: [u64; 6]) -> R {
        let (how, set, old, size) = (a[0], a[1], a[2], a[3]);
        if size != 8 {
            return Err(LinuxErrno::EINVAL);
        }
        let prev = self.thr().sig.mask;
        if set != 0 {
            let s = self.read_u64(set)?;
            let mask = match how {
                0 => prev | s,
                1 => prev & !s,
                2 => s,
                _ => return Err(LinuxErrno::EINVAL),
            };
            self.thr_mut().sig.mask = linux_core::signal::LinuxSigset(mask).blockable().0;
        }
        if old != 0 {
            self.write_u64(old, prev)?;
        }
        Ok(0)
    }

    /// rt_sigsuspend: the thread waits with the temporary mask until a signal is delivered; the
    /// handler runs with that mask, and its frame saves the mask from before, which sigreturn restores
    /// (Linux's set_restore_sigmask).
    fn sigsuspend(&mut self, set: u64, size: u64) -> Act {
        if size != 8 {
            return Act::Ret(Err(LinuxErrno::EINVAL));
        }
        let s = match self.read_u64(set) {
            Ok(s) => s,
            Err(e) => return Act::Ret(Err(e)),
        };
        let t = self.thr_mut();
        t.suspend_saved = Some(t.sig.mask);
        t.sig.mask = linux_core::signal::LinuxSigset(s).blockable().0;
        Act::Block { wait: Wait::Signal, deadline: None, on_signal: OnSignal::Eintr }
    }

    /// pause: the thread waits until a signal is delivered to it.
    fn wait_for_signal(&mut self) -> Act {
        Act::Block { wait: Wait::Signal, deadline: None, on_signal: OnSignal::Eintr }
    }

    fn sigaltstack(&mut self, new: u64, old: u64) -> R {
        let sp = A::sp(&A::read_frame(&self.uc));
        let cur = self.thr().sig.altstack;
        if new != 0 {
            if cur.contains(sp) && cur.size != 0 {
                return Err(LinuxErrno::EPERM);
            }
            let b = self.read(new, 24)?;
            let ss_sp = self.u64_from(&b[0..8]);
            let flags = linux_core::bytes::read_u32::<A::E>(&b, 8).unwrap_or(0) as i32;
            let size = self.u64_from(&b[16..24]);
            if flags & ss_flags::SS_DISABLE != 0 {
                self.thr_mut().sig.altstack = AltStack::default();
            } else {
                if flags & !(ss_flags::SS_AUTODISARM | ss_flags::SS_ONSTACK) != 0 {
                    return Err(LinuxErrno::EINVAL);
                }
                check_altstack_size(size, self.abi.min_sigstack_size())?;
                self.thr_mut().sig.altstack =
                    AltStack { sp: ss_sp, size, flags: flags & ss_flags::SS_AUTODISARM };
            }
        }
        if old != 0 {
            let st = cur.saved(sp);
            let mut b = [0u8; 24];
            b[0..8].copy_from_slice(&self.g64(st.sp));
            b[8..12].copy_from_slice(&self.g32(st.flags as u32));
            b[16..24].copy_from_slice(&self.g64(st.size));
            self.write(old, &b)?;
        }
        Ok(0)
    }

    /// tgkill(tgid, tid, sig) and tkill(tid, sig) (`tgid` None): a signal to one thread of this
    /// process, queued on it and delivered when it runs (a blocked thread is interrupted). A tid that
    /// is not one of this process's threads is passed to the host (another process's main thread).
    fn tgkill(&mut self, tgid: Option<i32>, tid: i32, signo: u64) -> R {
        // SAFETY: plain host getters.
        let (me, uid) = unsafe { (libc::getpid(), libc::getuid()) };
        if signo > 64 || tid <= 0 || tgid.is_some_and(|g| g <= 0) {
            return Err(LinuxErrno::EINVAL);
        }
        let Some(i) = self.thread_index(tid).filter(|_| tgid.is_none_or(|g| g == me)) else {
            if tgid.is_some_and(|g| g == me) {
                return Err(LinuxErrno::ESRCH);
            }
            return self.kill(tid, signo, true);
        };
        if let Some(sig) = LinuxSignal::new(signo) {
            let info = SigInfo {
                signo: signo as i32,
                errno: 0,
                code: si_code::SI_TKILL,
                fields: SigInfoFields::Kill { pid: me, uid },
            };
            self.post_thread(i, sig, info);
        }
        Ok(0)
    }

    fn kill(&mut self, pid: i32, signo: u64, thread: bool) -> R {
        // SAFETY: plain host getters.
        let (me, uid) = unsafe { (libc::getpid(), libc::getuid()) };
        if signo > 64 {
            return Err(LinuxErrno::EINVAL);
        }
        if pid == me || (pid == 0 && !thread) {
            if let Some(sig) = LinuxSignal::new(signo) {
                let code = if thread { si_code::SI_TKILL } else { si_code::SI_USER };
                self.post(
                    sig,
                    SigInfo {
                        signo: signo as i32,
                        errno: 0,
                        code,
                        fields: SigInfoFields::Kill { pid: me, uid },
                    },
                );
            }
            if pid == 0 && signo != 0 {
                // Also the rest of the process group.
                // SAFETY: plain host calls.
                unsafe {
                    let old = crate::hostsig::block_all();
                    let mut sa: libc::sigaction = std::mem::zeroed();
                    libc::sigaction(signo as i32, std::ptr::null(), &mut sa);
                    let mut ign: libc::sigaction = std::mem::zeroed();
                    ign.sa_sigaction = libc::SIG_IGN;
                    libc::sigaction(signo as i32, &ign, std::ptr::null_mut());
                    libc::kill(0, signo as i32);
                    libc::sigaction(signo as i32, &sa, std::ptr::null_mut());
                    crate::hostsig::restore(&old);
                }
            }
            return Ok(0);
        }
        // SAFETY: plain host call.
        hret(i64::from(unsafe { libc::kill(pid, signo as i32) }))
    }

    // --- processes ---

    fn fork(&mut self, flags: u64, newsp: u64, ptid: u64, ctid: u64) -> R {
        const CLONE_PARENT_SETTID: u64 = 0x0010_0000;
        const CLONE_CHILD_SETTID: u64 = 0x0100_0000;
        const CLONE_CHILD_CLEARTID: u64 = 0x0020_0000;
        // SAFETY: the harness is single-threaded (unicorn starts no threads without a timeout; guest
        // threads are not host threads), so the child may continue running Rust code.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(LinuxErrno::EAGAIN);
        }
        if pid == 0 {
            // Host timers are not inherited: the child starts its own vdso tick.
            crate::hostsig::start_tick(crate::vdso::tick_period_ns());
            // SAFETY: plain host getter.
            let me = unsafe { libc::getpid() };
            // The child is a copy of the calling thread only, whose tid is the new pid; its pending
            // signals are not inherited.
            let cur = self.cur;
            self.threads.swap(0, cur);
            self.threads.truncate(1);
            self.cur = 0;
            let t = self.thr_mut();
            t.tid = me;
            t.sig.pending = 0;
            self.sig.pending = 0;
            if newsp != 0 {
                let mut t = A::read_thread(&self.uc, self.thr().orig_arg0);
                self.abi.clone_setregs(&mut t, Some(newsp), None);
                A::write_thread(&mut self.uc, &t);
            }
            if flags & CLONE_CHILD_SETTID != 0 {
                let _ = self.write_u32(ctid, me as u32);
            }
            if flags & CLONE_CHILD_CLEARTID != 0 {
                self.thr_mut().clear_tid = ctid;
            }
            return Ok(0);
        }
        if flags & CLONE_PARENT_SETTID != 0 {
            let _ = self.write_u32(ptid, pid as u32);
        }
        Ok(pid as u64)
    }

    fn clone(&mut self, a: [u64; 6]) -> R {
        let crate::arch::CloneArgs { flags, newsp, ptid, ctid, tls } = A::clone_args(a);
        if flags & CLONE_THREAD != 0 {
            return self.clone_thread(flags, newsp, ptid, tls, ctid);
        }
        if (flags & CLONE_VM != 0 && flags & CLONE_VFORK == 0) || flags & CLONE_SETTLS != 0 {
            // A new process sharing this one's memory: the host fork behind processes cannot.
            *self.stats.unimplemented.entry("clone (CLONE_VM process)".into()).or_default() += 1;
            return Err(LinuxErrno::ENOSYS);
        }
        self.fork(flags, newsp, ptid, ctid)
    }

    /// clone with CLONE_THREAD: a new guest thread of this process. Its registers are the caller's
    /// at the system call, then the arch crate's `set_fork_retval` (ppc64: r3 = 0, CR0.SO clear;
    /// arm64: x0 = 0) and `clone_setregs` (the new stack pointer, the CLONE_SETTLS pointer straight into
    /// r13 / TPIDR_EL0), as the kernel module sets a new thread up. It inherits the signal mask; its pending set and alternate stack start empty.
    fn clone_thread(&mut self, flags: u64, newsp: u64, ptid: u64, tls: u64, ctid: u64) -> R {
        const CLONE_SIGHAND: u64 = 0x800;
        const CLONE_PARENT_SETTID: u64 = 0x0010_0000;
        const CLONE_CHILD_SETTID: u64 = 0x0100_0000;
        const CLONE_CHILD_CLEARTID: u64 = 0x0020_0000;
        // Linux's copy_process: threads share signal handlers, and handlers need shared memory.
        if flags & CLONE_SIGHAND == 0 || flags & CLONE_VM == 0 {
            return Err(LinuxErrno::EINVAL);
        }
        let tid = self.next_tid;
        let mut child = A::read_thread(&self.uc, self.thr().orig_arg0);
        self.abi.set_fork_retval(A::Abi::frame_mut(&mut child));
        let stack = (newsp != 0).then_some(newsp);
        let tp = (flags & CLONE_SETTLS != 0).then_some(tls);
        self.abi.clone_setregs(&mut child, stack, tp);
        if flags & CLONE_PARENT_SETTID != 0 {
            self.write_u32(ptid, tid as u32)?;
        }
        if flags & CLONE_CHILD_SETTID != 0 {
            self.write_u32(ctid, tid as u32)?;
        }
        let sig = crate::thread::ThreadSignals { mask: self.thr().sig.mask, ..Default::default() };
        let mut thread = GuestThread::new(tid, sig);
        thread.ctx = Some(Box::new(child));
        // A new thread starts with its creator's name (Linux copies `comm` in copy_process).
        thread.comm = self.thr().comm;
        if flags & CLONE_CHILD_CLEARTID != 0 {
            thread.clear_tid = ctid;
        }
        self.threads.push(thread);
        self.next_tid += 1;
        self.stats.threads_created += 1;
        Ok(tid as u64)
    }

    fn wait4(&mut self, a: [u64; 6]) -> Act {
        let mut status = 0i32;
        let mut ru = [0u8; 144];
        // SAFETY: `status` and `ru` (struct rusage, 144 bytes) are valid.
        let r = unsafe { libc::wait4(a[0] as i32, &mut status, a[2] as i32, ru.as_mut_ptr().cast()) };
        if r < 0 {
            return self.blocking(i64::from(r));
        }
        if a[1] != 0 && r > 0 {
            if let Err(e) = self.write_u32(a[1], status as u32) {
                return Act::Ret(Err(e));
            }
        }
        if a[3] != 0 {
            swap_words(&mut ru, 8, self.be());
            if let Err(e) = self.write(a[3], &ru) {
                return Act::Ret(Err(e));
            }
        }
        Act::Ret(Ok(r as u64))
    }

    fn execve(&mut self, path: u64, argv: u64, envp: u64) -> Act {
        let r = (|| -> Result<(Vec<u8>, Vec<Vec<u8>>, Vec<Vec<u8>>), LinuxErrno> {
            Ok((self.read_cstr(path)?, self.read_strv(argv)?, self.read_strv(envp)?))
        })();
        let (p, argv, envp) = match r {
            Ok(v) => v,
            Err(e) => return Act::Ret(Err(e)),
        };
        match loader::prepare(&self.vfs, &p, argv, envp, &[A::BRANDS]) {
            Ok(plan) => {
                close_on_exec_fds();
                self.fds.prune_closed();
                Act::End(End::Exec(Box::new(plan), self.carry()))
            }
            Err(e) => {
                if self.opts.strace {
                    eprintln!("ppc64-harness: execve: {}", e.msg);
                }
                Act::Ret(Err(e.errno))
            }
        }
    }
}

fn unsafe_mkdir(d: i32, p: &CString, mode: u64) -> i64 {
    // SAFETY: NUL-terminated path.
    i64::from(unsafe { libc::mkdirat(d, p.as_ptr(), mode as u32) })
}

fn chmod(d: i32, p: &CString, mode: u64) -> i64 {
    // SAFETY: NUL-terminated path.
    i64::from(unsafe { libc::fchmodat(d, p.as_ptr(), mode as u32, 0) })
}

/// Closes descriptors marked close-on-exec (the guest's exec does not exec the host process).
fn close_on_exec_fds() {
    if let Ok(dir) = std::fs::read_dir("/proc/self/fd") {
        let fds: Vec<i32> = dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect();
        for fd in fds {
            // SAFETY: F_GETFD/close on descriptors of this process.
            unsafe {
                let f = libc::fcntl(fd, libc::F_GETFD);
                if f >= 0 && f & libc::FD_CLOEXEC != 0 {
                    libc::close(fd);
                }
            }
        }
    }
}
