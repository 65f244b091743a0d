//! Sockets: host sockets with the guest's structures translated field by field.
//!
//! - `struct sockaddr`: `sa_family` is in the guest's byte order; AF_INET's port and address and
//!   AF_INET6's port, flow label and address are in network order (copied), AF_INET6's `sin6_scope_id`
//!   and AF_NETLINK's `nl_pid`/`nl_groups` in the guest's. An AF_UNIX path name is a guest path: it
//!   goes through the file-system layers (`crate::vfs`: a bound socket lands in the scratch directory)
//!   and comes back as the guest path; abstract names (leading NUL) are passed unchanged.
//! - `struct msghdr` (56 bytes), `struct iovec` (16), `struct cmsghdr` (16, data 8-aligned) and
//!   `struct mmsghdr` (64) are the same shape on every 64-bit Linux; SCM_RIGHTS descriptors and
//!   SCM_CREDENTIALS are swapped per field. Guest descriptors are host descriptors, so passing them
//!   needs nothing else.
//! - Socket options: the option number through the architecture (`GuestArch::sockopt_to_host`:
//!   powerpc's `SO_*` table in arch-ppc64), the value by its type (int, `struct linger`, `struct
//!   timeval`, `struct ucred`, bytes). Options whose value the harness does not know are refused with
//!   ENOPROTOOPT and counted in the report.
//! - `socketcall(2)` (powerpc64): the multiplexer over the same calls.
//!
//! A call that would block while other guest threads exist waits as a guest thread
//! (`Proc::would_block`).

use crate::arch::GuestArch;
use crate::process::{hret, Act, Proc};
use linux_core::consts as g;
use linux_core::errno::LinuxErrno;
use std::os::unix::ffi::OsStrExt;

type R = Result<u64, LinuxErrno>;

const AF_UNIX: u16 = 1;
const AF_INET: u16 = 2;
const AF_INET6: u16 = 10;
const AF_NETLINK: u16 = 16;
/// `sizeof(struct sockaddr_storage)`.
const SOCKADDR_MAX: usize = 128;
/// `sizeof(sun_path)`.
const UNIX_PATH_MAX: usize = 108;
const SOL_SOCKET: i32 = 1;
const SCM_RIGHTS: i32 = 1;
const SCM_CREDENTIALS: i32 = 2;
const IPPROTO_IP: i32 = 0;
const IPPROTO_TCP: i32 = 6;
const IPPROTO_UDP: i32 = 17;
const IPPROTO_IPV6: i32 = 41;
const MSG_DONTWAIT: u64 = 0x40;
const MSG_WAITFORONE: u64 = 0x10000;
/// `UIO_MAXIOV`.
const IOV_MAX: u64 = 1024;
/// The most a single send or receive moves (a stream socket's call returns a short count beyond it).
const IO_CAP: usize = 4 << 20;
/// `struct msghdr` and `struct mmsghdr`.
const MSGHDR: u64 = 56;
const MMSGHDR: u64 = 64;

/// How a socket option's value is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OptValue {
    /// An `int` (shorter values, e.g. a one-byte `IP_MULTICAST_TTL`, are bytes).
    Int,
    /// `struct linger`: two ints.
    Linger,
    /// `struct timeval`: two longs.
    Timeval,
    /// `struct ucred`: three u32.
    Ucred,
    /// Bytes without byte order (names, addresses in network order, strings).
    Bytes,
    /// A u64 (`SO_COOKIE`, `SO_NETNS_COOKIE`).
    U64,
    /// An address in network order followed by an `int` interface index (`ip_mreqn`, `ipv6_mreq`):
    /// the last four bytes are swapped.
    TrailingInt,
}

/// The value type of option `name` (the host's number) at `level`, if the harness knows it.
fn opt_value(level: i32, name: i32) -> Option<OptValue> {
    use OptValue::*;
    Some(match level {
        SOL_SOCKET => match name {
            g::SO_DEBUG
            | g::SO_REUSEADDR
            | g::SO_TYPE
            | g::SO_ERROR
            | g::SO_DONTROUTE
            | g::SO_BROADCAST
            | g::SO_SNDBUF
            | g::SO_RCVBUF
            | g::SO_SNDBUFFORCE
            | g::SO_RCVBUFFORCE
            | g::SO_KEEPALIVE
            | g::SO_OOBINLINE
            | g::SO_NO_CHECK
            | g::SO_PRIORITY
            | g::SO_BSDCOMPAT
            | g::SO_REUSEPORT
            | g::SO_PASSCRED
            | g::SO_RCVLOWAT
            | g::SO_SNDLOWAT
            | g::SO_TIMESTAMP_OLD
            | g::SO_TIMESTAMPNS_OLD
            | g::SO_TIMESTAMPING_OLD
            | g::SO_ACCEPTCONN
            | g::SO_PASSSEC
            | g::SO_MARK
            | g::SO_PROTOCOL
            | g::SO_DOMAIN
            | g::SO_RXQ_OVFL
            | g::SO_WIFI_STATUS
            | g::SO_PEEK_OFF
            | g::SO_NOFCS
            | g::SO_LOCK_FILTER
            | g::SO_SELECT_ERR_QUEUE
            | g::SO_BUSY_POLL
            | g::SO_INCOMING_CPU
            | g::SO_INCOMING_NAPI_ID
            | g::SO_ZEROCOPY
            | g::SO_BINDTOIFINDEX
            | g::SO_PREFER_BUSY_POLL
            | g::SO_BUSY_POLL_BUDGET
            | g::SO_BUF_LOCK
            | g::SO_RESERVE_MEM
            | g::SO_TXREHASH
            | g::SO_RCVMARK => Int,
            g::SO_LINGER => Linger,
            g::SO_RCVTIMEO_OLD | g::SO_SNDTIMEO_OLD => Timeval,
            g::SO_PEERCRED => Ucred,
            g::SO_BINDTODEVICE | g::SO_PEERSEC | g::SO_PEERNAME => Bytes,
            g::SO_COOKIE | g::SO_NETNS_COOKIE => U64,
            _ => return None,
        },
        // linux/in.h: the same numbers on every architecture.
        IPPROTO_IP => match name {
            // IP_TOS, IP_TTL, IP_HDRINCL, IP_RECVOPTS, IP_RETOPTS, IP_PKTINFO, IP_MTU_DISCOVER,
            // IP_RECVERR, IP_RECVTTL, IP_RECVTOS, IP_MTU, IP_FREEBIND, IP_PASSSEC, IP_TRANSPARENT,
            // IP_NODEFRAG, IP_BIND_ADDRESS_NO_PORT, IP_RECVFRAGSIZE, IP_MULTICAST_TTL,
            // IP_MULTICAST_LOOP, IP_MULTICAST_ALL.
            1 | 2 | 3 | 6 | 7 | 8 | 10 | 11 | 12 | 13 | 14 | 15 | 18 | 19 | 22 | 24 | 25 | 33 | 34 | 49 => {
                Int
            }
            // IP_OPTIONS.
            4 => Bytes,
            // IP_MULTICAST_IF, IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP: in_addr / ip_mreq (network
            // order) or ip_mreqn (a trailing ifindex).
            32 | 35 | 36 => TrailingInt,
            _ => return None,
        },
        // linux/in6.h.
        IPPROTO_IPV6 => match name {
            // IPV6_ADDRFORM, IPV6_UNICAST_HOPS, IPV6_MULTICAST_IF, IPV6_MULTICAST_HOPS,
            // IPV6_MULTICAST_LOOP, IPV6_MTU_DISCOVER, IPV6_MTU, IPV6_RECVERR, IPV6_V6ONLY,
            // IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS, IPV6_TCLASS, IPV6_FREEBIND.
            1 | 16 | 17 | 18 | 19 | 23 | 24 | 25 | 26 | 49 | 51 | 66 | 67 | 78 => Int,
            // IPV6_ADD_MEMBERSHIP, IPV6_DROP_MEMBERSHIP: struct ipv6_mreq.
            20 | 21 => TrailingInt,
            _ => return None,
        },
        // linux/tcp.h.
        IPPROTO_TCP => match name {
            // TCP_NODELAY, TCP_MAXSEG, TCP_CORK, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT,
            // TCP_SYNCNT, TCP_LINGER2, TCP_DEFER_ACCEPT, TCP_WINDOW_CLAMP, TCP_QUICKACK,
            // TCP_THIN_LINEAR_TIMEOUTS, TCP_THIN_DUPACK, TCP_USER_TIMEOUT, TCP_FASTOPEN,
            // TCP_NOTSENT_LOWAT, TCP_FASTOPEN_CONNECT.
            1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 12 | 16 | 17 | 18 | 23 | 25 | 30 => Int,
            // TCP_CONGESTION: a name.
            13 => Bytes,
            _ => return None,
        },
        // linux/udp.h: UDP_CORK, UDP_SEGMENT, UDP_GRO.
        IPPROTO_UDP => match name {
            1 | 103 | 104 => Int,
            _ => return None,
        },
        _ => return None,
    })
}

/// The number of arguments of each `socketcall` call (Linux's `nargs`, in longs).
const SOCKETCALL_NARGS: [usize; 21] = [0, 3, 3, 3, 2, 3, 3, 3, 4, 4, 4, 6, 6, 2, 5, 5, 3, 3, 4, 5, 4];

/// A guest `struct msghdr`.
struct Msg {
    name: u64,
    namelen: u32,
    iov: Vec<(u64, u64)>,
    control: u64,
    controllen: u64,
}

fn align8(n: usize) -> usize {
    (n + 7) & !7
}

impl<A: GuestArch> Proc<A> {
    /// Swaps each `size`-byte field of `b` between guest and host order (a no-op on little-endian
    /// guests).
    fn swap_each(&self, b: &mut [u8], size: usize) {
        crate::conv::swap_words(b, size, self.be());
    }

    /// The host's `struct sockaddr` for the guest's at `addr` (`len` bytes). `bind`: an AF_UNIX path
    /// name is created in the scratch layer; otherwise it must exist in some layer.
    fn sockaddr_in(&mut self, addr: u64, len: u64, bind: bool) -> Result<Vec<u8>, LinuxErrno> {
        if len as usize > SOCKADDR_MAX || (len as i32) < 0 {
            return Err(LinuxErrno::EINVAL);
        }
        if len == 0 {
            return Ok(Vec::new());
        }
        let mut b = self.read(addr, len as usize)?;
        if b.len() < 2 {
            return Ok(b);
        }
        let family = u16::from_ne_bytes(if self.be() { [b[1], b[0]] } else { [b[0], b[1]] });
        b[0..2].copy_from_slice(&family.to_ne_bytes());
        match family {
            AF_UNIX if b.len() > 2 && b[2] != 0 => {
                let path = &b[2..];
                let path = &path[..path.iter().position(|&c| c == 0).unwrap_or(path.len())];
                let host =
                    if bind { self.vfs.resolve_write(path, false)? } else { self.vfs.resolve(path)? };
                let hp = host.as_os_str().as_bytes();
                if hp.len() >= UNIX_PATH_MAX {
                    return Err(LinuxErrno::ENAMETOOLONG);
                }
                let mut out = family.to_ne_bytes().to_vec();
                out.extend_from_slice(hp);
                out.push(0);
                Ok(out)
            }
            // Port and address in network order: copied.
            AF_INET => Ok(b),
            AF_INET6 if b.len() >= 28 => {
                self.swap_each(&mut b[24..28], 4);
                Ok(b)
            }
            AF_NETLINK if b.len() >= 12 => {
                self.swap_each(&mut b[4..12], 4);
                Ok(b)
            }
            _ => Ok(b),
        }
    }

    /// Writes the host's `struct sockaddr` `host` as the guest's at `addr`, truncated to the length
    /// at `lenp`, and stores the full length there (Linux's move_addr_to_user).
    fn sockaddr_out(&mut self, host: &[u8], addr: u64, lenp: u64) -> Result<(), LinuxErrno> {
        if addr == 0 || lenp == 0 {
            return Ok(());
        }
        let room = self.read_u32(lenp)? as i32;
        if room < 0 {
            return Err(LinuxErrno::EINVAL);
        }
        let g = self.sockaddr_guest(host);
        let n = g.len().min(room as usize);
        self.write(addr, &g[..n])?;
        self.write_u32(lenp, g.len() as u32)
    }

    /// The guest's bytes of the host's `struct sockaddr`.
    fn sockaddr_guest(&self, host: &[u8]) -> Vec<u8> {
        if host.len() < 2 {
            return host.to_vec();
        }
        let family = u16::from_ne_bytes([host[0], host[1]]);
        let fam = |v: u16| if self.be() { v.to_be_bytes() } else { v.to_le_bytes() };
        let mut b = host.to_vec();
        b[0..2].copy_from_slice(&fam(family));
        match family {
            AF_UNIX if host.len() > 2 && host[2] != 0 => {
                let p = &host[2..];
                let p = &p[..p.iter().position(|&c| c == 0).unwrap_or(p.len())];
                let guest = self.vfs.guest_path_of(p);
                let mut out = fam(family).to_vec();
                out.extend_from_slice(&guest[..guest.len().min(UNIX_PATH_MAX - 1)]);
                out.push(0);
                out
            }
            AF_INET6 if b.len() >= 28 => {
                self.swap_each(&mut b[24..28], 4);
                b
            }
            AF_NETLINK if b.len() >= 12 => {
                self.swap_each(&mut b[4..12], 4);
                b
            }
            _ => b,
        }
    }

    /// socket(domain, type, protocol): `SOCK_NONBLOCK`/`SOCK_CLOEXEC` are the open flags.
    pub fn socket(&mut self, domain: u64, ty: u64, proto: u64) -> R {
        let (flags, rest) = Self::nb_cloexec(ty);
        // SAFETY: plain host call with integer arguments.
        hret(i64::from(unsafe { libc::socket(domain as i32, rest as i32 | flags, proto as i32) }))
    }

    /// socketpair(domain, type, protocol, sv).
    pub fn socketpair(&mut self, domain: u64, ty: u64, proto: u64, sv: u64) -> R {
        let (flags, rest) = Self::nb_cloexec(ty);
        let mut fds = [0i32; 2];
        // SAFETY: `fds` has room for two descriptors.
        hret(i64::from(unsafe {
            libc::socketpair(domain as i32, rest as i32 | flags, proto as i32, fds.as_mut_ptr())
        }))?;
        let mut b = self.g32(fds[0] as u32).to_vec();
        b.extend_from_slice(&self.g32(fds[1] as u32));
        if let Err(e) = self.write(sv, &b) {
            // SAFETY: closing our own new descriptors.
            unsafe {
                libc::close(fds[0]);
                libc::close(fds[1]);
            }
            return Err(e);
        }
        Ok(0)
    }

    /// bind(fd, addr, len) and connect(fd, addr, len).
    pub fn bind_connect(&mut self, fd: u64, addr: u64, len: u64, bind: bool) -> Act {
        let sa = match self.sockaddr_in(addr, len, bind) {
            Ok(s) => s,
            Err(e) => return Act::Ret(Err(e)),
        };
        // SAFETY: `sa` holds `sa.len()` bytes of a sockaddr.
        let r = unsafe {
            if bind {
                libc::bind(fd as i32, sa.as_ptr().cast(), sa.len() as u32)
            } else {
                libc::connect(fd as i32, sa.as_ptr().cast(), sa.len() as u32)
            }
        };
        self.blocking(i64::from(r))
    }

    /// accept4(fd, addr, lenp, flags) (accept: flags 0).
    pub fn accept(&mut self, fd: u64, addr: u64, lenp: u64, flags: u64) -> Act {
        let (hflags, rest) = Self::nb_cloexec(flags);
        if rest != 0 {
            return Act::Ret(Err(LinuxErrno::EINVAL));
        }
        if let Some(w) = self.would_block(fd as i32, libc::POLLIN, false) {
            return w;
        }
        let mut sa = [0u8; SOCKADDR_MAX];
        let mut len = SOCKADDR_MAX as u32;
        // SAFETY: `sa` has `len` writable bytes.
        let r = unsafe { libc::accept4(fd as i32, sa.as_mut_ptr().cast(), &mut len, hflags) };
        if r >= 0 {
            if let Err(e) = self.sockaddr_out(&sa[..(len as usize).min(SOCKADDR_MAX)], addr, lenp) {
                // SAFETY: our own new descriptor.
                unsafe { libc::close(r) };
                return Act::Ret(Err(e));
            }
        }
        self.blocking(i64::from(r))
    }

    /// getsockname / getpeername.
    pub fn sockname(&mut self, fd: u64, addr: u64, lenp: u64, peer: bool) -> R {
        let mut sa = [0u8; SOCKADDR_MAX];
        let mut len = SOCKADDR_MAX as u32;
        // SAFETY: `sa` has `len` writable bytes.
        hret(i64::from(unsafe {
            if peer {
                libc::getpeername(fd as i32, sa.as_mut_ptr().cast(), &mut len)
            } else {
                libc::getsockname(fd as i32, sa.as_mut_ptr().cast(), &mut len)
            }
        }))?;
        self.sockaddr_out(&sa[..(len as usize).min(SOCKADDR_MAX)], addr, lenp).map(|_| 0)
    }

    /// sendto(fd, buf, len, flags, addr, alen) (send: no address).
    pub fn sendto(&mut self, a: [u64; 6]) -> Act {
        let (fd, buf, len, flags, addr, alen) = (a[0] as i32, a[1], a[2], a[3], a[4], a[5]);
        if let Some(w) = self.would_block(fd, libc::POLLOUT, flags & MSG_DONTWAIT != 0) {
            return w;
        }
        let r = (|| -> Result<i64, LinuxErrno> {
            let data = self.read(buf, (len as usize).min(IO_CAP))?;
            let sa = if addr != 0 { self.sockaddr_in(addr, alen, false)? } else { Vec::new() };
            let (sp, sl) = if sa.is_empty() { (std::ptr::null(), 0) } else { (sa.as_ptr(), sa.len()) };
            // SAFETY: `data` and `sa` are valid for their lengths.
            Ok(unsafe {
                libc::sendto(fd, data.as_ptr().cast(), data.len(), flags as i32, sp.cast(), sl as u32)
            } as i64)
        })();
        match r {
            Ok(r) => self.blocking(r),
            Err(e) => Act::Ret(Err(e)),
        }
    }

    /// recvfrom(fd, buf, len, flags, addr, alenp) (recv: no address).
    pub fn recvfrom(&mut self, a: [u64; 6]) -> Act {
        let (fd, buf, len, flags, addr, alenp) = (a[0] as i32, a[1], a[2], a[3], a[4], a[5]);
        let len = (len as usize).min(IO_CAP);
        if !self.uc.get_data().vm.check(buf, len as u64, crate::vm::PROT_WRITE) {
            return Act::Ret(Err(LinuxErrno::EFAULT));
        }
        if let Some(w) = self.would_block(fd, libc::POLLIN, flags & MSG_DONTWAIT != 0) {
            return w;
        }
        let mut data = vec![0u8; len];
        let mut sa = [0u8; SOCKADDR_MAX];
        let mut sl = SOCKADDR_MAX as u32;
        // SAFETY: `data` and `sa` have the lengths passed.
        let r = unsafe {
            libc::recvfrom(fd, data.as_mut_ptr().cast(), len, flags as i32, sa.as_mut_ptr().cast(), &mut sl)
        } as i64;
        if r >= 0 {
            let got = (r as usize).min(len);
            if let Err(e) = self.write(buf, &data[..got]) {
                return Act::Ret(Err(e));
            }
            if addr != 0 && sl > 0 {
                if let Err(e) = self.sockaddr_out(&sa[..(sl as usize).min(SOCKADDR_MAX)], addr, alenp) {
                    return Act::Ret(Err(e));
                }
            } else if addr != 0 && alenp != 0 {
                if let Err(e) = self.write_u32(alenp, 0) {
                    return Act::Ret(Err(e));
                }
            }
        }
        self.blocking(r)
    }

    /// shutdown(fd, how).
    pub fn shutdown(&mut self, fd: u64, how: u64) -> R {
        // SAFETY: plain host call with integer arguments.
        hret(i64::from(unsafe { libc::shutdown(fd as i32, how as i32) }))
    }

    /// The host's value bytes of option `kind` from the guest's.
    fn optval_to_host(&self, kind: OptValue, mut b: Vec<u8>) -> Vec<u8> {
        match kind {
            OptValue::Int | OptValue::Linger | OptValue::Ucred if b.len() >= 4 => {
                let n = b.len() / 4 * 4;
                self.swap_each(&mut b[..n], 4);
            }
            OptValue::Timeval | OptValue::U64 if b.len() >= 8 => {
                let n = b.len() / 8 * 8;
                self.swap_each(&mut b[..n], 8);
            }
            OptValue::TrailingInt if b.len() >= 12 => {
                let n = b.len();
                self.swap_each(&mut b[n - 4..], 4);
            }
            _ => {}
        }
        b
    }

    /// setsockopt(fd, level, name, value, len).
    pub fn setsockopt(&mut self, a: [u64; 6]) -> R {
        let (fd, level, name, val, len) = (a[0] as i32, a[1] as i32, a[2] as i32, a[3], a[4] as i32);
        if len < 0 {
            return Err(LinuxErrno::EINVAL);
        }
        let hname = A::sockopt_to_host(level, name);
        let Some(kind) = opt_value(level, hname) else {
            *self
                .stats
                .unimplemented
                .entry(format!("setsockopt level {level} option {name}"))
                .or_default() += 1;
            return Err(LinuxErrno::ENOPROTOOPT);
        };
        let b = if val == 0 { Vec::new() } else { self.read(val, (len as usize).min(4096))? };
        let host = self.optval_to_host(kind, b);
        let p = if val == 0 { std::ptr::null() } else { host.as_ptr() };
        // SAFETY: `host` holds the value's bytes (or null with its length, which the host refuses).
        hret(i64::from(unsafe { libc::setsockopt(fd, level, hname, p.cast(), len as u32) }))
    }

    /// getsockopt(fd, level, name, value, lenp).
    pub fn getsockopt(&mut self, a: [u64; 6]) -> R {
        let (fd, level, name, val, lenp) = (a[0] as i32, a[1] as i32, a[2] as i32, a[3], a[4]);
        let room = self.read_u32(lenp)? as i32;
        if room < 0 {
            return Err(LinuxErrno::EINVAL);
        }
        let hname = A::sockopt_to_host(level, name);
        let Some(kind) = opt_value(level, hname) else {
            *self
                .stats
                .unimplemented
                .entry(format!("getsockopt level {level} option {name}"))
                .or_default() += 1;
            return Err(LinuxErrno::ENOPROTOOPT);
        };
        let mut b = vec![0u8; (room as usize).min(4096)];
        let mut len = b.len() as u32;
        // SAFETY: `b` has `len` writable bytes.
        hret(i64::from(unsafe { libc::getsockopt(fd, level, hname, b.as_mut_ptr().cast(), &mut len) }))?;
        b.truncate((len as usize).min(b.len()));
        // The conversion is its own inverse.
        let out = self.optval_to_host(kind, b);
        self.write(val, &out)?;
        self.write_u32(lenp, len)?;
        Ok(0)
    }

    /// Reads a guest `struct msghdr` and its iovec array.
    fn read_msg(&mut self, addr: u64) -> Result<Msg, LinuxErrno> {
        let b = self.read(addr, MSGHDR as usize)?;
        let name = self.u64_from(&b[0..8]);
        let namelen = linux_core::bytes::read_u32::<A::E>(&b, 8).unwrap_or(0);
        let iov_addr = self.u64_from(&b[16..24]);
        let iovlen = self.u64_from(&b[24..32]);
        if iovlen > IOV_MAX {
            return Err(LinuxErrno::EMSGSIZE);
        }
        let mut iov = Vec::with_capacity(iovlen as usize);
        if iovlen > 0 {
            let v = self.read(iov_addr, iovlen as usize * 16)?;
            for c in v.chunks_exact(16) {
                iov.push((self.u64_from(&c[0..8]), self.u64_from(&c[8..16])));
            }
        }
        Ok(Msg {
            name,
            namelen,
            iov,
            control: self.u64_from(&b[32..40]),
            controllen: self.u64_from(&b[40..48]),
        })
    }

    /// Converts the control messages between guest and host layouts (`to_host`: guest bytes in, host
    /// bytes out; otherwise the reverse). Both are 64-bit: the same sizes and alignment.
    fn convert_cmsgs(&mut self, b: &[u8], to_host: bool) -> Result<Vec<u8>, LinuxErrno> {
        let mut out = Vec::with_capacity(b.len());
        let mut off = 0;
        let be = self.be();
        let rd64 = |x: &[u8], guest: bool| {
            let a: [u8; 8] = x[..8].try_into().unwrap_or([0; 8]);
            if guest && be {
                u64::from_be_bytes(a)
            } else {
                u64::from_ne_bytes(a)
            }
        };
        let rd32 = |x: &[u8], guest: bool| {
            let a: [u8; 4] = x[..4].try_into().unwrap_or([0; 4]);
            if guest && be {
                u32::from_be_bytes(a)
            } else {
                u32::from_ne_bytes(a)
            }
        };
        while off + 16 <= b.len() {
            let len = rd64(&b[off..], to_host) as usize;
            if len < 16 || off + len > b.len() {
                if to_host {
                    return Err(LinuxErrno::EINVAL);
                }
                break;
            }
            let level = rd32(&b[off + 8..], to_host) as i32;
            let ty = rd32(&b[off + 12..], to_host) as i32;
            let mut data = b[off + 16..off + len].to_vec();
            let out_ty = if level == SOL_SOCKET {
                if to_host {
                    A::sockopt_to_host(level, ty)
                } else {
                    A::sockopt_to_guest(level, ty)
                }
            } else {
                ty
            };
            let host_ty = if to_host { out_ty } else { ty };
            match (level, host_ty) {
                (SOL_SOCKET, SCM_RIGHTS) | (SOL_SOCKET, SCM_CREDENTIALS) => {
                    let n = data.len() / 4 * 4;
                    self.swap_each(&mut data[..n], 4);
                }
                _ => {
                    *self
                        .stats
                        .unimplemented
                        .entry(format!("control message level {level} type {ty} (passed unchanged)"))
                        .or_default() += 1;
                }
            }
            let w64 = |v: u64| if !to_host && be { v.to_be_bytes() } else { v.to_ne_bytes() };
            let w32 = |v: u32| if !to_host && be { v.to_be_bytes() } else { v.to_ne_bytes() };
            out.extend_from_slice(&w64(len as u64));
            out.extend_from_slice(&w32(level as u32));
            out.extend_from_slice(&w32(out_ty as u32));
            out.extend_from_slice(&data);
            let padded = align8(len).min(b.len() - off);
            out.resize(out.len() + (padded - len), 0);
            off += align8(len);
        }
        Ok(out)
    }

    /// sendmsg(fd, msg, flags): the iovecs gathered into one host buffer (one message).
    pub fn sendmsg(&mut self, fd: u64, msg: u64, flags: u64) -> Act {
        if let Some(w) = self.would_block(fd as i32, libc::POLLOUT, flags & MSG_DONTWAIT != 0) {
            return w;
        }
        match self.sendmsg_now(fd as i32, msg, flags) {
            Ok(r) => self.blocking(r),
            Err(e) => Act::Ret(Err(e)),
        }
    }

    fn sendmsg_now(&mut self, fd: i32, msg: u64, flags: u64) -> Result<i64, LinuxErrno> {
        let m = self.read_msg(msg)?;
        let mut data = Vec::new();
        for &(base, len) in &m.iov {
            let take = (len as usize).min(IO_CAP.saturating_sub(data.len()));
            data.extend_from_slice(&self.read(base, take)?);
        }
        let sa = if m.name != 0 && m.namelen != 0 {
            self.sockaddr_in(m.name, u64::from(m.namelen), false)?
        } else {
            Vec::new()
        };
        let control = if m.control != 0 && m.controllen != 0 {
            let b = self.read(m.control, (m.controllen as usize).min(1 << 16))?;
            self.convert_cmsgs(&b, true)?
        } else {
            Vec::new()
        };
        // 8-aligned storage for the control messages.
        let mut cbuf = vec![0u64; control.len().div_ceil(8)];
        zerocopy::IntoBytes::as_mut_bytes(cbuf.as_mut_slice())[..control.len()].copy_from_slice(&control);
        let mut iov = libc::iovec { iov_base: data.as_mut_ptr().cast(), iov_len: data.len() };
        // SAFETY: msghdr is plain data; every pointer below is valid for its length.
        let mut h: libc::msghdr = unsafe { std::mem::zeroed() };
        if !sa.is_empty() {
            h.msg_name = sa.as_ptr() as *mut libc::c_void;
            h.msg_namelen = sa.len() as u32;
        }
        h.msg_iov = &mut iov;
        h.msg_iovlen = 1;
        if !control.is_empty() {
            h.msg_control = cbuf.as_mut_ptr().cast();
            h.msg_controllen = control.len();
        }
        // SAFETY: `h` describes valid buffers.
        Ok(unsafe { libc::sendmsg(fd, &h, flags as i32) } as i64)
    }

    /// recvmsg(fd, msg, flags): one host buffer scattered into the guest's iovecs.
    pub fn recvmsg(&mut self, fd: u64, msg: u64, flags: u64) -> Act {
        if let Some(w) = self.would_block(fd as i32, libc::POLLIN, flags & MSG_DONTWAIT != 0) {
            return w;
        }
        match self.recvmsg_now(fd as i32, msg, flags) {
            Ok(r) => self.blocking(r),
            Err(e) => Act::Ret(Err(e)),
        }
    }

    fn recvmsg_now(&mut self, fd: i32, msg: u64, flags: u64) -> Result<i64, LinuxErrno> {
        let m = self.read_msg(msg)?;
        let total = m.iov.iter().fold(0usize, |t, &(_, l)| t.saturating_add(l as usize)).min(IO_CAP);
        for &(base, len) in &m.iov {
            if !self.uc.get_data().vm.check(base, len.min(IO_CAP as u64), crate::vm::PROT_WRITE) {
                return Err(LinuxErrno::EFAULT);
            }
        }
        let mut data = vec![0u8; total];
        let mut sa = [0u8; SOCKADDR_MAX];
        let clen = (m.controllen as usize).min(1 << 16);
        let mut cbuf = vec![0u64; clen.div_ceil(8)];
        let mut iov = libc::iovec { iov_base: data.as_mut_ptr().cast(), iov_len: total };
        // SAFETY: msghdr is plain data; every pointer below is valid for its length.
        let mut h: libc::msghdr = unsafe { std::mem::zeroed() };
        if m.name != 0 {
            h.msg_name = sa.as_mut_ptr().cast();
            h.msg_namelen = SOCKADDR_MAX as u32;
        }
        h.msg_iov = &mut iov;
        h.msg_iovlen = 1;
        if m.control != 0 && clen != 0 {
            h.msg_control = cbuf.as_mut_ptr().cast();
            h.msg_controllen = clen;
        }
        // SAFETY: `h` describes valid buffers.
        let r = unsafe { libc::recvmsg(fd, &mut h, flags as i32) } as i64;
        if r < 0 {
            return Ok(r);
        }
        let mut left = &data[..(r as usize).min(total)];
        for &(base, len) in &m.iov {
            if left.is_empty() {
                break;
            }
            let n = (len as usize).min(left.len());
            self.write(base, &left[..n])?;
            left = &left[n..];
        }
        if m.name != 0 {
            let g = self.sockaddr_guest(&sa[..(h.msg_namelen as usize).min(SOCKADDR_MAX)]);
            let g = if h.msg_namelen == 0 { Vec::new() } else { g };
            let n = g.len().min(m.namelen as usize);
            self.write(m.name, &g[..n])?;
            self.write_u32(msg + 8, g.len() as u32)?;
        }
        let mut ctl = Vec::new();
        if h.msg_controllen > 0 {
            let hb = zerocopy::IntoBytes::as_bytes(cbuf.as_slice())[..h.msg_controllen.min(clen)].to_vec();
            ctl = self.convert_cmsgs(&hb, false)?;
            self.write(m.control, &ctl[..ctl.len().min(clen)])?;
        }
        self.write_u64(msg + 40, ctl.len().min(clen) as u64)?;
        self.write_u32(msg + 48, h.msg_flags as u32)?;
        Ok(r)
    }

    /// sendmmsg(fd, vec, vlen, flags): sendmsg per `struct mmsghdr`, its `msg_len` set.
    pub fn sendmmsg(&mut self, fd: u64, vec: u64, vlen: u64, flags: u64) -> Act {
        self.mmsg(fd, vec, vlen, flags, true)
    }

    /// recvmmsg(fd, vec, vlen, flags, timeout): recvmsg per `struct mmsghdr` (the timeout is not
    /// applied: it is checked only between messages in Linux too, and the harness returns when a
    /// message would block after the first).
    pub fn recvmmsg(&mut self, fd: u64, vec: u64, vlen: u64, flags: u64) -> Act {
        self.mmsg(fd, vec, vlen, flags, false)
    }

    fn mmsg(&mut self, fd: u64, vec: u64, vlen: u64, flags: u64, send: bool) -> Act {
        let vlen = vlen.min(IOV_MAX);
        let mut done = 0u64;
        let ev = if send { libc::POLLOUT } else { libc::POLLIN };
        while done < vlen {
            let f =
                if done > 0 && (send || flags & MSG_WAITFORONE != 0) { flags | MSG_DONTWAIT } else { flags };
            if let Some(w) = self.would_block(fd as i32, ev, f & MSG_DONTWAIT != 0) {
                if done == 0 {
                    return w;
                }
                break;
            }
            let hdr = vec + done * MMSGHDR;
            let r = if send {
                self.sendmsg_now(fd as i32, hdr, f & !MSG_WAITFORONE)
            } else {
                self.recvmsg_now(fd as i32, hdr, f & !MSG_WAITFORONE)
            };
            match r {
                Ok(n) if n >= 0 => {
                    if let Err(e) = self.write_u32(hdr + MSGHDR, n as u32) {
                        return Act::Ret(if done > 0 { Ok(done) } else { Err(e) });
                    }
                    done += 1;
                }
                Ok(n) => {
                    if done > 0 {
                        break;
                    }
                    return self.blocking(n);
                }
                Err(e) => {
                    if done > 0 {
                        break;
                    }
                    return Act::Ret(Err(e));
                }
            }
        }
        Act::Ret(Ok(done))
    }

    /// socketcall(call, args): the powerpc64 multiplexer (`args` is an array of longs).
    pub fn socketcall(&mut self, call: u64, args: u64) -> Act {
        let Some(&n) = SOCKETCALL_NARGS.get(call as usize).filter(|_| call >= 1) else {
            return Act::Ret(Err(LinuxErrno::EINVAL));
        };
        let mut a = [0u64; 6];
        for (i, slot) in a.iter_mut().enumerate().take(n) {
            match self.read_u64(args + 8 * i as u64) {
                Ok(v) => *slot = v,
                Err(e) => return Act::Ret(Err(e)),
            }
        }
        match call {
            1 => self.socket(a[0], a[1], a[2]).into(),
            2 => self.bind_connect(a[0], a[1], a[2], true),
            3 => self.bind_connect(a[0], a[1], a[2], false),
            4 => self.listen(a[0], a[1]).into(),
            5 => self.accept(a[0], a[1], a[2], 0),
            6 => self.sockname(a[0], a[1], a[2], false).into(),
            7 => self.sockname(a[0], a[1], a[2], true).into(),
            8 => self.socketpair(a[0], a[1], a[2], a[3]).into(),
            9 => self.sendto([a[0], a[1], a[2], a[3], 0, 0]),
            10 => self.recvfrom([a[0], a[1], a[2], a[3], 0, 0]),
            11 => self.sendto(a),
            12 => self.recvfrom(a),
            13 => self.shutdown(a[0], a[1]).into(),
            14 => self.setsockopt(a).into(),
            15 => self.getsockopt(a).into(),
            16 => self.sendmsg(a[0], a[1], a[2]),
            17 => self.recvmsg(a[0], a[1], a[2]),
            18 => self.accept(a[0], a[1], a[2], a[3]),
            19 => self.recvmmsg(a[0], a[1], a[2], a[3]),
            _ => self.sendmmsg(a[0], a[1], a[2], a[3]),
        }
    }

    /// listen(fd, backlog).
    pub fn listen(&mut self, fd: u64, backlog: u64) -> R {
        // SAFETY: plain host call with integer arguments.
        hret(i64::from(unsafe { libc::listen(fd as i32, backlog as i32) }))
    }
}
