//! Process, signal, file and memory system calls beyond the basics of `crate::syscalls`: prctl,
//! personality, waitid, rt_sigtimedwait, rt_(tg)sigqueueinfo, close_range, memfd_create,
//! copy_file_range, preadv/pwritev(2), the *at file calls (links, device nodes, owners), statfs64,
//! the mlock family, msync, mincore, membarrier, the set*id calls, capget/capset and the scheduler
//! queries. Host calls with the guest's structures translated; the harness's own state (thread names,
//! the persona, the guest's memory map, its signal queues) where the emulated process owns it.

use crate::arch::GuestArch;
use crate::fdtable::FdKind;
use crate::process::{hret, Act, Proc};
use crate::syscalls::{cbytes, cpath};
use crate::thread::{Deadline, OnSignal, Wait};
use crate::vm::{page_up, PAGE};
use linux_core::errno::LinuxErrno;
use linux_core::signal::{si_code, LinuxSignal, LinuxSigset, SigInfo, SigInfoFields};
use std::ffi::CString;

type R = Result<u64, LinuxErrno>;

const AT_FDCWD: i32 = -100;
const AT_EMPTY_PATH: u64 = 0x1000;
const AT_SYMLINK_NOFOLLOW: u64 = 0x100;

/// The `membarrier` commands the harness performs: guest threads run one at a time on one engine and
/// every system call is a full barrier between them, so each is satisfied by construction.
const MEMBARRIER_SUPPORTED: u64 = 0x7f;
/// `MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED` and its `_SYNC_CORE` twin, and the commands needing them.
const MEMBARRIER_PRIVATE: u64 = 8;
const MEMBARRIER_REGISTER_PRIVATE: u64 = 16;
const MEMBARRIER_PRIVATE_SYNC_CORE: u64 = 32;
const MEMBARRIER_REGISTER_PRIVATE_SYNC_CORE: u64 = 64;

impl<A: GuestArch> Proc<A> {
    /// A path argument as a host `*at` pair: a relative path on a real directory descriptor goes to the
    /// host as it is; anything else through the layers (`write`: in the scratch layer, copying an
    /// existing file up when `copy_up`).
    fn at_target(
        &mut self,
        dirfd: u64,
        path: u64,
        write: bool,
        copy_up: bool,
    ) -> Result<(i32, CString), LinuxErrno> {
        let (p, dir) = self.at_path(dirfd, path)?;
        if let Some(d) = dir {
            return Ok((d, cbytes(&p)?));
        }
        let host = if write { self.vfs.resolve_write(&p, copy_up)? } else { self.vfs.resolve(&p)? };
        Ok((AT_FDCWD, cpath(&host)?))
    }

    // --- process ---

    /// prctl(option, arg2, arg3, arg4, arg5): the options common programs use; others EINVAL, as Linux
    /// answers an option it does not know.
    pub fn prctl(&mut self, a: [u64; 6]) -> R {
        const PR_SET_PDEATHSIG: u64 = 1;
        const PR_GET_PDEATHSIG: u64 = 2;
        const PR_GET_DUMPABLE: u64 = 3;
        const PR_SET_DUMPABLE: u64 = 4;
        const PR_GET_KEEPCAPS: u64 = 7;
        const PR_SET_KEEPCAPS: u64 = 8;
        const PR_SET_NAME: u64 = 15;
        const PR_GET_NAME: u64 = 16;
        const PR_CAPBSET_READ: u64 = 23;
        const PR_SET_TIMERSLACK: u64 = 29;
        const PR_GET_TIMERSLACK: u64 = 30;
        const PR_SET_CHILD_SUBREAPER: u64 = 36;
        const PR_GET_CHILD_SUBREAPER: u64 = 37;
        const PR_SET_NO_NEW_PRIVS: u64 = 38;
        const PR_GET_NO_NEW_PRIVS: u64 = 39;
        const PR_GET_TID_ADDRESS: u64 = 40;
        let host = |opt: i32, v: u64| -> R {
            // SAFETY: options whose second argument is an integer.
            hret(i64::from(unsafe {
                libc::prctl(
                    opt,
                    v as libc::c_ulong,
                    0 as libc::c_ulong,
                    0 as libc::c_ulong,
                    0 as libc::c_ulong,
                )
            }))
        };
        match a[0] {
            PR_SET_NAME => {
                let mut name = [0u8; 16];
                let b = self.read_cstr(a[1]).or_else(|e| {
                    // A name may end at the end of its page without a NUL: Linux copies 15 bytes.
                    self.read(a[1], 15).map_err(|_| e)
                })?;
                let n = b.len().min(15);
                name[..n].copy_from_slice(&b[..n]);
                self.thr_mut().comm = name;
                Ok(0)
            }
            PR_GET_NAME => {
                let c = self.thr().comm;
                self.write(a[1], &c).map(|_| 0)
            }
            PR_SET_PDEATHSIG => {
                if a[1] > 64 {
                    return Err(LinuxErrno::EINVAL);
                }
                host(libc::PR_SET_PDEATHSIG, a[1])
            }
            PR_GET_PDEATHSIG | PR_GET_CHILD_SUBREAPER => {
                let mut v: i32 = 0;
                let opt = if a[0] == PR_GET_PDEATHSIG {
                    libc::PR_GET_PDEATHSIG
                } else {
                    libc::PR_GET_CHILD_SUBREAPER
                };
                // SAFETY: these options write one int.
                hret(i64::from(unsafe { libc::prctl(opt, &mut v as *mut i32) }))?;
                self.write_u32(a[1], v as u32).map(|_| 0)
            }
            PR_GET_DUMPABLE => host(libc::PR_GET_DUMPABLE, 0),
            PR_SET_DUMPABLE => host(libc::PR_SET_DUMPABLE, a[1]),
            PR_GET_KEEPCAPS => host(libc::PR_GET_KEEPCAPS, 0),
            PR_SET_KEEPCAPS => host(libc::PR_SET_KEEPCAPS, a[1]),
            PR_CAPBSET_READ => host(libc::PR_CAPBSET_READ, a[1]),
            PR_SET_TIMERSLACK => host(libc::PR_SET_TIMERSLACK, a[1]),
            PR_GET_TIMERSLACK => host(libc::PR_GET_TIMERSLACK, 0),
            PR_SET_CHILD_SUBREAPER => host(libc::PR_SET_CHILD_SUBREAPER, a[1]),
            PR_SET_NO_NEW_PRIVS => {
                if a[1] != 1 || a[2] != 0 || a[3] != 0 || a[4] != 0 {
                    return Err(LinuxErrno::EINVAL);
                }
                host(libc::PR_SET_NO_NEW_PRIVS, 1)
            }
            PR_GET_NO_NEW_PRIVS => host(libc::PR_GET_NO_NEW_PRIVS, 0),
            PR_GET_TID_ADDRESS => {
                let t = self.thr().clear_tid;
                self.write_u64(a[1], t).map(|_| 0)
            }
            other => {
                *self.stats.unimplemented.entry(format!("prctl option {other}")).or_default() += 1;
                Err(LinuxErrno::EINVAL)
            }
        }
    }

    /// personality(persona): 0xffffffff only asks; the persona is the emulated process's own.
    pub fn personality(&mut self, p: u64) -> R {
        let old = self.personality;
        if p as u32 != 0xffff_ffff {
            self.personality = p as u32;
        }
        Ok(u64::from(old))
    }

    /// waitid(idtype, id, infop, options, rusage): the host's siginfo as the guest's SIGCHLD siginfo.
    pub fn waitid(&mut self, a: [u64; 6]) -> Act {
        let mut si = [0u8; 128];
        let mut ru = [0u8; 144];
        // SAFETY: a 128-byte siginfo and a 144-byte rusage buffer.
        let r = unsafe {
            libc::syscall(
                libc::SYS_waitid,
                a[0] as i64,
                a[1] as i64,
                si.as_mut_ptr(),
                a[3] as i64,
                ru.as_mut_ptr(),
            )
        };
        if r < 0 {
            return self.blocking(r);
        }
        let word = |o: usize| i32::from_ne_bytes([si[o], si[o + 1], si[o + 2], si[o + 3]]);
        let long = |o: usize| i64::from_ne_bytes(si[o..o + 8].try_into().unwrap_or([0; 8]));
        let info = SigInfo {
            signo: word(0),
            errno: word(4),
            code: word(8),
            fields: SigInfoFields::Child {
                pid: word(16),
                uid: word(20) as u32,
                status: word(24),
                utime: long(32),
                stime: long(40),
            },
        };
        if a[2] != 0 {
            if let Err(e) = self.write(a[2], &info.encode::<A::E>()) {
                return Act::Ret(Err(e));
            }
        }
        if a[4] != 0 {
            crate::conv::swap_words(&mut ru, 8, self.be());
            if let Err(e) = self.write(a[4], &ru) {
                return Act::Ret(Err(e));
            }
        }
        Act::Ret(Ok(0))
    }

    /// Takes the lowest pending signal of `set`: the thread's own first, then the process's.
    pub fn dequeue_signal(&mut self, set: u64) -> Option<SigInfo> {
        let own = self.thr().sig.pending & set;
        if own != 0 {
            let n = own.trailing_zeros() as usize + 1;
            self.thr_mut().sig.pending &= !(1u64 << (n - 1));
            return Some(self.thr().sig.info[n]);
        }
        let shared = self.sig.pending & set;
        if shared == 0 {
            return None;
        }
        let n = shared.trailing_zeros() as usize + 1;
        self.sig.pending &= !(1u64 << (n - 1));
        Some(self.sig.info[n])
    }

    /// rt_sigtimedwait(set, info, timeout, sigsetsize): takes a pending signal of `set` (blocked or
    /// not), or waits for one until the timeout (EAGAIN); a handled signal outside the set ends the
    /// wait with EINTR.
    pub fn sigtimedwait(&mut self, a: [u64; 6]) -> Act {
        let r = (|| -> Result<Result<u64, Option<Deadline>>, LinuxErrno> {
            if a[3] != 8 {
                return Err(LinuxErrno::EINVAL);
            }
            let set = LinuxSigset(self.read_u64(a[0])?).blockable().0;
            if let Some(info) = self.dequeue_signal(set) {
                if a[1] != 0 {
                    self.write(a[1], &info.encode::<A::E>())?;
                }
                return Ok(Ok(info.signo as u64));
            }
            if a[2] == 0 {
                return Ok(Err(None));
            }
            let b = self.read(a[2], 16)?;
            let (s, ns) = (self.u64_from(&b[0..8]) as i64, self.u64_from(&b[8..16]) as i64);
            if s < 0 || !(0..1_000_000_000).contains(&ns) {
                return Err(LinuxErrno::EINVAL);
            }
            if s == 0 && ns == 0 {
                return Err(LinuxErrno::EAGAIN);
            }
            Ok(Err(Some(Deadline::after(i128::from(s) * 1_000_000_000 + i128::from(ns)))))
        })();
        match r {
            Ok(Ok(v)) => Act::Ret(Ok(v)),
            Err(e) => Act::Ret(Err(e)),
            Ok(Err(deadline)) => {
                let set = self.read_u64(a[0]).map(|s| LinuxSigset(s).blockable().0).unwrap_or(0);
                Act::Block { wait: Wait::SigSet { set }, deadline, on_signal: OnSignal::Eintr }
            }
        }
    }

    /// rt_sigqueueinfo(tgid, sig, info) and rt_tgsigqueueinfo(tgid, tid, sig, info): the caller's
    /// siginfo (si_code must be negative unless sent to itself, as Linux requires) queued on this
    /// process or one of its threads; another process gets it through the host.
    pub fn sigqueueinfo(&mut self, tgid: i32, tid: Option<i32>, signo: u64, uinfo: u64) -> R {
        // SAFETY: plain host getter.
        let me = unsafe { libc::getpid() };
        if signo > 64 {
            return Err(LinuxErrno::EINVAL);
        }
        let b = self.read(uinfo, SigInfo::SIZE)?;
        let w = |o: usize| linux_core::bytes::read_u32::<A::E>(&b, o).unwrap_or(0);
        let code = w(8) as i32;
        if (code >= 0 || code == si_code::SI_TKILL) && tgid != me {
            return Err(LinuxErrno::EPERM);
        }
        let info = SigInfo {
            signo: signo as i32,
            errno: w(4) as i32,
            code,
            fields: SigInfoFields::Rt { pid: w(16) as i32, uid: w(20), value: self.u64_from(&b[24..32]) },
        };
        if tgid == me {
            let target = match tid {
                Some(t) => Some(self.thread_index(t).ok_or(LinuxErrno::ESRCH)?),
                None => None,
            };
            if let Some(sig) = LinuxSignal::new(signo) {
                match target {
                    Some(i) => self.post_thread(i, sig, info),
                    None => self.post(sig, info),
                }
            }
            return Ok(0);
        }
        // Another process: the host's siginfo (its value does not survive the other harness's host
        // handler, which only records si_code, si_pid and si_uid).
        let mut hsi = [0u8; 128];
        hsi[0..4].copy_from_slice(&(signo as i32).to_ne_bytes());
        hsi[8..12].copy_from_slice(&code.to_ne_bytes());
        hsi[16..20].copy_from_slice(&(w(16) as i32).to_ne_bytes());
        hsi[20..24].copy_from_slice(&w(20).to_ne_bytes());
        hsi[24..32].copy_from_slice(&self.u64_from(&b[24..32]).to_ne_bytes());
        // SAFETY: a 128-byte host siginfo.
        hret(unsafe {
            match tid {
                Some(t) => libc::syscall(libc::SYS_rt_tgsigqueueinfo, tgid, t, signo as i32, hsi.as_ptr()),
                None => libc::syscall(libc::SYS_rt_sigqueueinfo, tgid, signo as i32, hsi.as_ptr()),
            }
        })
    }

    // --- descriptors and files ---

    /// close_range(first, last, flags): `CLOSE_RANGE_UNSHARE` (2) and `CLOSE_RANGE_CLOEXEC` (4) are the
    /// same everywhere.
    pub fn close_range(&mut self, first: u64, last: u64, flags: u64) -> R {
        const CLOSE_RANGE_CLOEXEC: u64 = 4;
        let (f, l) = (first as u32, last as u32);
        // SAFETY: plain host call with integer arguments.
        let r = hret(unsafe { libc::syscall(libc::SYS_close_range, f, l, flags as u32) })?;
        if flags & CLOSE_RANGE_CLOEXEC == 0 {
            self.fds.close_range(f.min(i32::MAX as u32) as i32, l.min(i32::MAX as u32) as i32);
        }
        Ok(r)
    }

    /// memfd_create(name, flags): `MFD_*` are the same everywhere.
    pub fn memfd_create(&mut self, name: u64, flags: u64) -> R {
        let n = self.read_cstr(name)?;
        if n.len() > 249 {
            return Err(LinuxErrno::EINVAL);
        }
        let c = cbytes(&n)?;
        // SAFETY: NUL-terminated name.
        hret(i64::from(unsafe { libc::memfd_create(c.as_ptr(), flags as u32) }))
    }

    /// copy_file_range(fd_in, off_in, fd_out, off_out, len, flags): the offsets are guest loff_t.
    pub fn copy_file_range(&mut self, a: [u64; 6]) -> R {
        let mut offs = [0i64; 2];
        for (i, p) in [a[1], a[3]].into_iter().enumerate() {
            if p != 0 {
                offs[i] = self.read_u64(p)? as i64;
            }
        }
        let ptr = |p: u64, o: &mut i64| if p == 0 { std::ptr::null_mut() } else { o as *mut i64 };
        let (o0, o1) = offs.split_at_mut(1);
        // SAFETY: the offset pointers are null or point at `offs`.
        let r = hret(unsafe {
            libc::copy_file_range(
                a[0] as i32,
                ptr(a[1], &mut o0[0]),
                a[2] as i32,
                ptr(a[3], &mut o1[0]),
                a[4] as usize,
                a[5] as u32,
            )
        } as i64)?;
        for (i, p) in [a[1], a[3]].into_iter().enumerate() {
            if p != 0 {
                self.write_u64(p, offs[i] as u64)?;
            }
        }
        Ok(r)
    }

    /// preadv/pwritev(fd, iov, iovcnt, pos_l, pos_h) and preadv2/pwritev2 (`flags` in the sixth
    /// argument, offset -1 = the file position): the iovecs gathered into (or scattered from) one host
    /// buffer. On a 64-bit kernel the offset is `pos_l`.
    pub fn prwv(&mut self, write: bool, a: [u64; 6], v2: bool) -> Act {
        let r = (|| -> Result<i64, LinuxErrno> {
            if a[2] > 1024 {
                return Err(LinuxErrno::EINVAL);
            }
            let mut iov = Vec::new();
            if a[2] > 0 {
                let v = self.read(a[1], a[2] as usize * 16)?;
                for c in v.chunks_exact(16) {
                    iov.push((self.u64_from(&c[0..8]), self.u64_from(&c[8..16])));
                }
            }
            let total = iov.iter().fold(0usize, |t, &(_, l)| t.saturating_add(l as usize)).min(1 << 24);
            let mut buf = Vec::with_capacity(total);
            if write {
                for &(base, len) in &iov {
                    let take = (len as usize).min(total - buf.len());
                    buf.extend_from_slice(&self.read(base, take)?);
                }
            } else {
                for &(base, len) in &iov {
                    if !self.uc.get_data().vm.check(base, len.min(total as u64), crate::vm::PROT_WRITE) {
                        return Err(LinuxErrno::EFAULT);
                    }
                }
                buf.resize(total, 0);
            }
            let h = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
            let nr = match (write, v2) {
                (false, false) => libc::SYS_preadv,
                (true, false) => libc::SYS_pwritev,
                (false, true) => libc::SYS_preadv2,
                (true, true) => libc::SYS_pwritev2,
            };
            // SAFETY: one iovec over `buf`.
            let r = unsafe { libc::syscall(nr, a[0] as i32, &h, 1, a[3] as i64, 0i64, a[5] as i32) };
            if r > 0 && !write {
                let mut left = &buf[..r as usize];
                for &(base, len) in &iov {
                    if left.is_empty() {
                        break;
                    }
                    let n = (len as usize).min(left.len());
                    self.write(base, &left[..n])?;
                    left = &left[n..];
                }
            }
            Ok(r)
        })();
        match r {
            Ok(r) => self.blocking(r),
            Err(e) => Act::Ret(Err(e)),
        }
    }

    /// chown/lchown/fchownat (`fchownat` flags: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH); the host decides
    /// (EPERM unless privileged).
    pub fn chownat(&mut self, dirfd: u64, path: u64, uid: u64, gid: u64, flags: u64) -> R {
        let (u, g) = (uid as u32, gid as u32);
        if flags & AT_EMPTY_PATH != 0 && self.read_cstr(path)?.is_empty() {
            // SAFETY: plain host call with integer arguments.
            return hret(i64::from(unsafe { libc::fchown(dirfd as i32, u, g) }));
        }
        let (d, c) = self.at_target(dirfd, path, true, true)?;
        let hf = if flags & AT_SYMLINK_NOFOLLOW != 0 { libc::AT_SYMLINK_NOFOLLOW } else { 0 };
        // SAFETY: NUL-terminated path.
        hret(i64::from(unsafe { libc::fchownat(d, c.as_ptr(), u, g, hf) }))
    }

    /// linkat(olddirfd, old, newdirfd, new, flags): the existing file is copied up into the scratch
    /// layer first when it is only in a read-only layer (the link must not reach into the sysroot).
    pub fn linkat(&mut self, a: [u64; 6]) -> R {
        let (d1, c1) = self.at_target(a[0], a[1], true, true)?;
        let (d2, c2) = self.at_target(a[2], a[3], true, false)?;
        // AT_SYMLINK_FOLLOW (0x400) and AT_EMPTY_PATH are the same everywhere.
        // SAFETY: NUL-terminated paths.
        hret(i64::from(unsafe { libc::linkat(d1, c1.as_ptr(), d2, c2.as_ptr(), a[4] as i32) }))
    }

    /// symlinkat(target, newdirfd, linkpath): the target is stored as the guest wrote it.
    pub fn symlinkat(&mut self, target: u64, dirfd: u64, path: u64) -> R {
        let t = cbytes(&self.read_cstr(target)?)?;
        let (d, c) = self.at_target(dirfd, path, true, false)?;
        // SAFETY: NUL-terminated paths.
        hret(i64::from(unsafe { libc::symlinkat(t.as_ptr(), d, c.as_ptr()) }))
    }

    /// mknodat(dirfd, path, mode, dev): FIFOs, sockets and regular files in the scratch layer; device
    /// nodes as the host allows.
    pub fn mknodat(&mut self, dirfd: u64, path: u64, mode: u64, dev: u64) -> R {
        let (d, c) = self.at_target(dirfd, path, true, false)?;
        // The 32-bit dev_t encoding (new_decode_dev) is the same everywhere.
        let (major, minor) = ((dev >> 8) & 0xfff, (dev & 0xff) | ((dev >> 12) & 0xfff00));
        // SAFETY: NUL-terminated path.
        hret(i64::from(unsafe {
            libc::mknodat(d, c.as_ptr(), mode as u32, libc::makedev(major as u32, minor as u32))
        }))
    }

    /// truncate(path, length): in the scratch layer (copied up).
    pub fn truncate(&mut self, path: u64, len: u64) -> R {
        let (d, c) = self.at_target(AT_FDCWD as u64, path, true, true)?;
        debug_assert_eq!(d, AT_FDCWD);
        // SAFETY: NUL-terminated path.
        hret(i64::from(unsafe { libc::truncate(c.as_ptr(), len as i64) }))
    }

    /// statfs64(path, size, buf) / fstatfs64(fd, size, buf): `struct statfs64` is `struct statfs` on
    /// 64-bit (120 bytes).
    pub fn statfs64_size(size: u64) -> Result<(), LinuxErrno> {
        if size == 120 {
            Ok(())
        } else {
            Err(LinuxErrno::EINVAL)
        }
    }

    /// fcntl's record locks (`struct flock`: short type, short whence, long start, long len, int pid;
    /// 32 bytes on 64-bit, the `F_*LK` numbers and lock types the same on every 64-bit Linux here).
    pub fn fcntl_lock(&mut self, fd: i32, cmd: i32, arg: u64) -> R {
        let b = self.read(arg, 32)?;
        let h16 = |o: usize| zerocopy::byteorder::U16::<A::E>::from_bytes([b[o], b[o + 1]]).get() as i16;
        // SAFETY: struct flock is plain data.
        let mut fl: libc::flock = unsafe { std::mem::zeroed() };
        fl.l_type = h16(0);
        fl.l_whence = h16(2);
        fl.l_start = self.u64_from(&b[8..16]) as i64;
        fl.l_len = self.u64_from(&b[16..24]) as i64;
        fl.l_pid = linux_core::bytes::read_u32::<A::E>(&b, 24).unwrap_or(0) as i32;
        // SAFETY: `fl` is a valid struct flock.
        let r = unsafe { libc::fcntl(fd, cmd, &mut fl) };
        if r < 0 {
            return hret(i64::from(r));
        }
        let mut out = [0u8; 32];
        out[0..2].copy_from_slice(&zerocopy::byteorder::U16::<A::E>::new(fl.l_type as u16).to_bytes());
        out[2..4].copy_from_slice(&zerocopy::byteorder::U16::<A::E>::new(fl.l_whence as u16).to_bytes());
        out[8..16].copy_from_slice(&self.g64(fl.l_start as u64));
        out[16..24].copy_from_slice(&self.g64(fl.l_len as u64));
        out[24..28].copy_from_slice(&self.g32(fl.l_pid as u32));
        self.write(arg, &out)?;
        Ok(r as u64)
    }

    // --- memory ---

    /// The page range of `[addr, addr + len)`, EINVAL when `addr` is not page-aligned, ENOMEM when
    /// part of it is not mapped in the guest.
    fn mapped_range(&self, addr: u64, len: u64) -> Result<(u64, u64), LinuxErrno> {
        if addr % PAGE != 0 {
            return Err(LinuxErrno::EINVAL);
        }
        let end = addr.checked_add(page_up(len).ok_or(LinuxErrno::ENOMEM)?).ok_or(LinuxErrno::ENOMEM)?;
        if end > addr && !self.uc.get_data().vm.covered(addr, end) {
            return Err(LinuxErrno::ENOMEM);
        }
        Ok((addr, end))
    }

    /// mlock/munlock/mlock2: the guest's memory is the emulator's and never paged out; the range must
    /// be mapped (ENOMEM otherwise, as Linux). `addr` is rounded down first, as Linux does.
    pub fn mlock(&mut self, addr: u64, len: u64, flags: u64) -> R {
        const MLOCK_ONFAULT: u64 = 1;
        if flags & !MLOCK_ONFAULT != 0 {
            return Err(LinuxErrno::EINVAL);
        }
        let start = addr & !(PAGE - 1);
        self.mapped_range(start, len + (addr - start)).map(|_| 0)
    }

    /// mlockall(flags): the flags through the architecture (powerpc's `MCL_*` are other bits); EINVAL
    /// for unknown or empty flags and for MCL_ONFAULT alone, as Linux.
    pub fn mlockall(&mut self, flags: u64) -> R {
        let f = A::mlockall_flags_to_host(flags as u32).ok_or(LinuxErrno::EINVAL)?;
        if f == 0 || f == libc::MCL_ONFAULT as u32 || flags >> 32 != 0 {
            return Err(LinuxErrno::EINVAL);
        }
        Ok(0)
    }

    /// msync(addr, len, flags): `MS_ASYNC` 1, `MS_INVALIDATE` 2, `MS_SYNC` 4 (the same everywhere).
    /// File mappings are private copies in the harness, so there is nothing to write back.
    pub fn msync(&mut self, addr: u64, len: u64, flags: u64) -> R {
        if flags & !7 != 0 || (flags & 1 != 0 && flags & 4 != 0) {
            return Err(LinuxErrno::EINVAL);
        }
        self.mapped_range(addr, len).map(|_| 0)
    }

    /// mincore(addr, len, vec): every mapped guest page is resident (the emulator's memory).
    pub fn mincore(&mut self, addr: u64, len: u64, vec: u64) -> R {
        let (start, end) = self.mapped_range(addr, len)?;
        let pages = ((end - start) / PAGE) as usize;
        self.write(vec, &vec![1u8; pages]).map(|_| 0)
    }

    /// membarrier(cmd, flags, cpu_id): see [`MEMBARRIER_SUPPORTED`]; the query answers what both the
    /// host and the harness support (the host's answer is what the guest's threads would get).
    pub fn membarrier(&mut self, cmd: u64, flags: u64) -> R {
        if cmd == 0 {
            if flags != 0 {
                return Err(LinuxErrno::EINVAL);
            }
            // SAFETY: MEMBARRIER_CMD_QUERY has no side effect.
            let host = hret(unsafe { libc::syscall(libc::SYS_membarrier, 0, 0, 0) })?;
            return Ok(host & MEMBARRIER_SUPPORTED);
        }
        if cmd & (cmd - 1) != 0 || cmd & MEMBARRIER_SUPPORTED == 0 || flags != 0 {
            return Err(LinuxErrno::EINVAL);
        }
        match cmd {
            MEMBARRIER_PRIVATE if self.membarrier as u64 & MEMBARRIER_REGISTER_PRIVATE == 0 => {
                Err(LinuxErrno::EPERM)
            }
            MEMBARRIER_PRIVATE_SYNC_CORE
                if self.membarrier as u64 & MEMBARRIER_REGISTER_PRIVATE_SYNC_CORE == 0 =>
            {
                Err(LinuxErrno::EPERM)
            }
            c if c & (4 | MEMBARRIER_REGISTER_PRIVATE | MEMBARRIER_REGISTER_PRIVATE_SYNC_CORE) != 0 => {
                self.membarrier |= c as u32;
                Ok(0)
            }
            _ => Ok(0),
        }
    }

    // --- credentials ---

    /// setgroups(size, list): the guest's gid_t array as the host's.
    pub fn setgroups(&mut self, size: u64, list: u64) -> R {
        if size > 65536 {
            return Err(LinuxErrno::EINVAL);
        }
        let mut g = Vec::with_capacity(size as usize);
        for i in 0..size {
            g.push(self.read_u32(list + 4 * i)?);
        }
        // SAFETY: `g` holds `size` gids.
        hret(unsafe { libc::syscall(libc::SYS_setgroups, size as usize, g.as_ptr()) })
    }

    /// capget(header, data) / capset: the header (u32 version, int pid) and the data structures (one
    /// for `_LINUX_CAPABILITY_VERSION_1`, two after) swapped per u32. The host validates the version
    /// and writes its preferred one back into the header.
    pub fn capget_set(&mut self, hdr: u64, data: u64, set: bool) -> R {
        let hb = self.read(hdr, 8)?;
        let version = linux_core::bytes::read_u32::<A::E>(&hb, 0).unwrap_or(0);
        let pid = linux_core::bytes::read_u32::<A::E>(&hb, 4).unwrap_or(0);
        let mut h = [version, pid];
        let words = if version == 0x1998_0330 { 3 } else { 6 };
        let mut d = [0u32; 6];
        if set && data != 0 {
            for (i, w) in d.iter_mut().enumerate().take(words) {
                *w = self.read_u32(data + 4 * i as u64)?;
            }
        }
        let dp = if data == 0 { std::ptr::null_mut() } else { d.as_mut_ptr() };
        let nr = if set { libc::SYS_capset } else { libc::SYS_capget };
        // SAFETY: an 8-byte header and room for two data structures.
        let r = unsafe { libc::syscall(nr, h.as_mut_ptr(), dp) };
        let err = hret(r);
        if !set {
            self.write_u32(hdr, h[0])?;
        }
        err?;
        if !set && data != 0 {
            for (i, w) in d.iter().enumerate().take(words) {
                self.write_u32(data + 4 * i as u64, *w)?;
            }
        }
        Ok(0)
    }

    // --- scheduler ---

    /// sched_setaffinity(pid, len, mask): the guest's array of longs as the host's.
    pub fn sched_setaffinity(&mut self, pid: u64, len: u64, mask: u64) -> R {
        let n = (len as usize).min(1024) / 8 * 8;
        let mut b = self.read(mask, n)?;
        crate::conv::swap_words(&mut b, 8, self.be());
        // SAFETY: `b` holds `n` bytes.
        hret(i64::from(unsafe { libc::sched_setaffinity(pid as i32, n, b.as_ptr().cast()) }))
    }

    /// getcpu(cpu, node, cache): the host CPU and node the harness runs on.
    pub fn getcpu(&mut self, cpu: u64, node: u64) -> R {
        let (mut c, mut n) = (0u32, 0u32);
        // SAFETY: two writable u32s; the cache argument is unused since Linux 2.6.24.
        hret(unsafe { libc::syscall(libc::SYS_getcpu, &mut c, &mut n, 0usize) })?;
        if cpu != 0 {
            self.write_u32(cpu, c)?;
        }
        if node != 0 {
            self.write_u32(node, n)?;
        }
        Ok(0)
    }

    /// eventfd and timerfd counters are u64s in the guest's byte order.
    pub fn counter_fd(&self, fd: i32) -> bool {
        matches!(self.fds.get(fd), Some(FdKind::Eventfd | FdKind::Timerfd))
    }
}
