//! Linux signal numbers, signal sets, `sigaction` flags, the alternate signal stack rules, and the
//! conversion between FreeBSD and Linux signal numbers and sets.
//!
//! Every architecture this project supports (powerpc64, arm64) uses the generic Linux numbering; the
//! conformance tests check [`LINUX_SIGNALS`] and [`SA_FLAGS`] against each architecture's headers.

use crate::errno::LinuxErrno;

/// A Linux signal number, `1..=64`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Hash)]
pub struct LinuxSignal(u8);

macro_rules! linux_signals {
    ($($name:ident = $val:expr),* $(,)?) => {
        impl LinuxSignal {
            $(
                #[doc = concat!("Linux `", stringify!($name), "`.")]
                pub const $name: LinuxSignal = LinuxSignal($val);
            )*
        }
        /// Every named Linux signal as (name, number), for the conformance tests.
        pub const LINUX_SIGNALS: &[(&str, u8)] = &[$((stringify!($name), $val)),*];
    };
}

linux_signals! {
    SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7, SIGFPE = 8,
    SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15,
    SIGSTKFLT = 16, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22,
    SIGURG = 23, SIGXCPU = 24, SIGXFSZ = 25, SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28, SIGIO = 29,
    SIGPWR = 30, SIGSYS = 31, SIGRTMIN = 32,
}

impl LinuxSignal {
    /// The number of signals (`_NSIG`).
    pub const NSIG: u8 = 64;

    /// The signal for a raw number, or `None` outside `1..=64`.
    pub const fn new(signo: u64) -> Option<LinuxSignal> {
        if signo >= 1 && signo <= Self::NSIG as u64 {
            Some(LinuxSignal(signo as u8))
        } else {
            None
        }
    }

    /// The raw number.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// The bit of this signal in a [`LinuxSigset`].
    pub const fn mask(self) -> u64 {
        1u64 << (self.0.wrapping_sub(1) & 63)
    }
}

/// Linux's kernel `sigset_t`: 64 bits, bit `n-1` for signal `n`, stored as one native `unsigned long`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub struct LinuxSigset(pub u64);

impl LinuxSigset {
    /// Signals that can never be blocked.
    pub const UNBLOCKABLE: u64 = LinuxSignal::SIGKILL.mask() | LinuxSignal::SIGSTOP.mask();

    /// Whether `sig` is in the set.
    pub const fn contains(self, sig: LinuxSignal) -> bool {
        self.0 & sig.mask() != 0
    }

    /// The set with SIGKILL and SIGSTOP removed, as every mask the kernel installs must be.
    pub const fn blockable(self) -> LinuxSigset {
        LinuxSigset(self.0 & !Self::UNBLOCKABLE)
    }
}

/// FreeBSD's first realtime signal (`SIGRTMIN`).
pub const FREEBSD_SIGRTMIN: u32 = 65;
/// FreeBSD's last realtime signal (`SIGRTMAX`).
pub const FREEBSD_SIGRTMAX: u32 = 126;

/// Linux signal number for each FreeBSD signal 1..=31 (index = FreeBSD number), as FreeBSD's
/// `linux_to_bsd_signal`/`bsd_to_linux_signal` pair defines them. 0 marks a FreeBSD signal Linux lacks.
const FREEBSD_TO_LINUX: [u8; 32] = [
    0,  // 0
    1,  // SIGHUP
    2,  // SIGINT
    3,  // SIGQUIT
    4,  // SIGILL
    5,  // SIGTRAP
    6,  // SIGABRT
    0,  // SIGEMT: no Linux twin
    8,  // SIGFPE
    9,  // SIGKILL
    7,  // SIGBUS
    11, // SIGSEGV
    31, // SIGSYS
    13, // SIGPIPE
    14, // SIGALRM
    15, // SIGTERM
    23, // SIGURG
    19, // SIGSTOP
    20, // SIGTSTP
    18, // SIGCONT
    17, // SIGCHLD
    21, // SIGTTIN
    22, // SIGTTOU
    29, // SIGIO
    24, // SIGXCPU
    25, // SIGXFSZ
    26, // SIGVTALRM
    27, // SIGPROF
    28, // SIGWINCH
    0,  // SIGINFO: no Linux twin
    10, // SIGUSR1
    12, // SIGUSR2
];

/// FreeBSD signal number for a Linux signal. Linux SIGSTKFLT and SIGPWR have no FreeBSD twin and
/// map to `None`; Linux realtime signals 32..=64 map to FreeBSD's realtime range from `SIGRTMIN`.
pub fn linux_to_freebsd_signal(sig: LinuxSignal) -> Option<u32> {
    let n = sig.get();
    if n >= LinuxSignal::SIGRTMIN.get() {
        return FREEBSD_SIGRTMIN.checked_add(u32::from(n.wrapping_sub(LinuxSignal::SIGRTMIN.get())));
    }
    (1u32..32).find(|&b| FREEBSD_TO_LINUX.get(b as usize).copied() == Some(n))
}

/// Linux signal number for a FreeBSD signal, or `None` when Linux has no such signal
/// (SIGEMT, SIGINFO, SIGTHR, SIGLIBRT, realtime signals past Linux's range).
pub fn freebsd_to_linux_signal(sig: u32) -> Option<LinuxSignal> {
    match sig {
        1..=31 => FREEBSD_TO_LINUX.get(sig as usize).and_then(|&l| LinuxSignal::new(u64::from(l))),
        FREEBSD_SIGRTMIN..=FREEBSD_SIGRTMAX => LinuxSignal::new(
            u64::from(sig.wrapping_sub(FREEBSD_SIGRTMIN))
                .wrapping_add(u64::from(LinuxSignal::SIGRTMIN.get())),
        ),
        _ => None,
    }
}

/// FreeBSD's `sigset_t`: 128 bits as four 32-bit words, bit `(n-1) % 32` of word `(n-1) / 32`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct FreeBsdSigset(pub [u32; 4]);

impl FreeBsdSigset {
    fn set(&mut self, sig: u32) {
        if (1..=128).contains(&sig) {
            let i = sig.wrapping_sub(1) as usize;
            if let Some(w) = self.0.get_mut(i / 32) {
                *w |= 1 << (i % 32);
            }
        }
    }

    fn has(&self, sig: u32) -> bool {
        if !(1..=128).contains(&sig) {
            return false;
        }
        let i = sig.wrapping_sub(1) as usize;
        self.0.get(i / 32).is_some_and(|w| w & (1 << (i % 32)) != 0)
    }
}

/// Converts a Linux signal set to FreeBSD's. Linux signals without a FreeBSD twin are dropped.
pub fn linux_to_freebsd_sigset(set: LinuxSigset) -> FreeBsdSigset {
    let mut out = FreeBsdSigset::default();
    for n in 1..=LinuxSignal::NSIG {
        if let Some(sig) = LinuxSignal::new(u64::from(n)) {
            if set.contains(sig) {
                if let Some(b) = linux_to_freebsd_signal(sig) {
                    out.set(b);
                }
            }
        }
    }
    out
}

/// Converts a FreeBSD signal set to Linux's. FreeBSD signals without a Linux twin are dropped.
pub fn freebsd_to_linux_sigset(set: &FreeBsdSigset) -> LinuxSigset {
    let mut out = 0u64;
    for b in 1..=128u32 {
        if set.has(b) {
            if let Some(l) = freebsd_to_linux_signal(b) {
                out |= l.mask();
            }
        }
    }
    LinuxSigset(out)
}

/// FreeBSD's own internal signals, SIGTHR (32) and SIGLIBRT (33): never visible to Linux programs.
pub const FREEBSD_INTERNAL_SIGNALS: [u32; 2] = [32, 33];

bitflags::bitflags! {
    /// Linux `sa_flags` (`asm-generic/signal.h`; the same on powerpc and arm64).
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub struct SaFlags: u64 {
        /// Do not send SIGCHLD when children stop.
        const SA_NOCLDSTOP = 0x0000_0001;
        /// Do not create zombies.
        const SA_NOCLDWAIT = 0x0000_0002;
        /// The handler takes (sig, siginfo, ucontext).
        const SA_SIGINFO = 0x0000_0004;
        /// Run the handler on the alternate stack.
        const SA_ONSTACK = 0x0800_0000;
        /// Restart interrupted system calls.
        const SA_RESTART = 0x1000_0000;
        /// Do not block the signal in its own handler.
        const SA_NODEFER = 0x4000_0000;
        /// Reset the handler to SIG_DFL on delivery.
        const SA_RESETHAND = 0x8000_0000;
        /// `sa_restorer` is valid (x86 libcs; ignored where the vdso provides the trampoline).
        const SA_RESTORER = 0x0400_0000;
    }
}

/// The `sa_flags` bits as (name, value), for the conformance tests.
pub const SA_FLAGS: &[(&str, u64)] = &[
    ("SA_NOCLDSTOP", SaFlags::SA_NOCLDSTOP.bits()),
    ("SA_NOCLDWAIT", SaFlags::SA_NOCLDWAIT.bits()),
    ("SA_SIGINFO", SaFlags::SA_SIGINFO.bits()),
    ("SA_ONSTACK", SaFlags::SA_ONSTACK.bits()),
    ("SA_RESTART", SaFlags::SA_RESTART.bits()),
    ("SA_NODEFER", SaFlags::SA_NODEFER.bits()),
    ("SA_RESETHAND", SaFlags::SA_RESETHAND.bits()),
    ("SA_RESTORER", SaFlags::SA_RESTORER.bits()),
];

/// `ss_flags` values of `stack_t` (`SS_ONSTACK`, `SS_DISABLE`, `SS_AUTODISARM`).
pub mod ss_flags {
    /// The thread is running on the alternate stack.
    pub const SS_ONSTACK: i32 = 1;
    /// The alternate stack is disabled.
    pub const SS_DISABLE: i32 = 2;
    /// Disarm the alternate stack while a handler runs on it.
    pub const SS_AUTODISARM: i32 = 1 << 31;
}

/// The thread's alternate signal stack, as `sigaltstack(2)` set it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct AltStack {
    /// Lowest address of the stack (`ss_sp`).
    pub sp: u64,
    /// Size in bytes (`ss_size`); 0 when none is set.
    pub size: u64,
    /// `SS_AUTODISARM` when requested; `SS_DISABLE` is represented by `size == 0`.
    pub flags: i32,
}

/// The `stack_t` a signal frame saves in `uc_stack` (what `sigaltstack(NULL, &old)` would report).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct StackT {
    /// `ss_sp`.
    pub sp: u64,
    /// `ss_flags`.
    pub flags: i32,
    /// `ss_size`.
    pub size: u64,
}

impl AltStack {
    /// Whether `sp` lies on this alternate stack (Linux `on_sig_stack`). An auto-disarmed stack never
    /// counts as "on", so a nested signal may use it again.
    pub fn contains(&self, sp: u64) -> bool {
        if self.flags & ss_flags::SS_AUTODISARM != 0 {
            return false;
        }
        sp > self.sp && sp.wrapping_sub(self.sp) <= self.size
    }

    /// The `ss_flags` seen for a thread whose stack pointer is `sp` (Linux `sas_ss_flags`).
    pub fn flags_at(&self, sp: u64) -> i32 {
        if self.size == 0 {
            ss_flags::SS_DISABLE
        } else if self.contains(sp) {
            ss_flags::SS_ONSTACK
        } else {
            0
        }
    }

    /// The stack pointer a signal frame is built below (Linux `sigsp`): the top of the alternate stack
    /// when the handler asked for it, one is set, and the thread is not already on it; else `sp`.
    pub fn frame_top(&self, sp: u64, flags: SaFlags) -> u64 {
        if flags.contains(SaFlags::SA_ONSTACK) && self.flags_at(sp) == 0 {
            self.sp.wrapping_add(self.size)
        } else {
            sp
        }
    }

    /// What the frame's `uc_stack` records (Linux `__save_altstack`).
    pub fn saved(&self, sp: u64) -> StackT {
        StackT {
            sp: self.sp,
            flags: self.flags_at(sp) | (self.flags & ss_flags::SS_AUTODISARM),
            size: self.size,
        }
    }

    /// The alternate stack after a signal frame was built: disarmed when `SS_AUTODISARM` was set.
    pub fn after_delivery(&self) -> AltStack {
        if self.flags & ss_flags::SS_AUTODISARM != 0 {
            AltStack::default()
        } else {
            *self
        }
    }
}

/// The smallest alternate stack `sigaltstack` accepts, given the architecture's `AT_MINSIGSTKSZ`-style
/// constant: `ENOMEM` below it, as Linux's `do_sigaltstack`.
pub fn check_altstack_size(size: u64, minsigstksz: u64) -> Result<(), LinuxErrno> {
    if size < minsigstksz {
        Err(LinuxErrno::ENOMEM)
    } else {
        Ok(())
    }
}

/// `si_code` values used by the kernel when it builds a siginfo.
pub mod si_code {
    /// Sent by kill(2).
    pub const SI_USER: i32 = 0;
    /// Sent by the kernel.
    pub const SI_KERNEL: i32 = 0x80;
    /// Sent by sigqueue(2).
    pub const SI_QUEUE: i32 = -1;
    /// Sent by tkill/tgkill.
    pub const SI_TKILL: i32 = -6;
    /// SIGSEGV: address not mapped.
    pub const SEGV_MAPERR: i32 = 1;
    /// SIGSEGV: invalid permissions for a mapped object.
    pub const SEGV_ACCERR: i32 = 2;
    /// SIGBUS: invalid address alignment.
    pub const BUS_ADRALN: i32 = 1;
    /// SIGILL: illegal opcode.
    pub const ILL_ILLOPC: i32 = 1;
    /// SIGILL: privileged opcode.
    pub const ILL_PRVOPC: i32 = 5;
    /// SIGTRAP: breakpoint.
    pub const TRAP_BRKPT: i32 = 1;
    /// SIGFPE: integer divide by zero.
    pub const FPE_INTDIV: i32 = 1;
}

/// What a signal frame carries as `siginfo_t` (the 128-byte generic 64-bit Linux layout).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct SigInfo {
    /// `si_signo`.
    pub signo: i32,
    /// `si_errno`.
    pub errno: i32,
    /// `si_code`.
    pub code: i32,
    /// The union that follows, by the fields the sender filled.
    pub fields: SigInfoFields,
}

/// The union part of `siginfo_t`, as the sender filled it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum SigInfoFields {
    /// Nothing beyond signo/errno/code.
    #[default]
    None,
    /// kill/tkill: `si_pid`, `si_uid`.
    Kill {
        /// `si_pid`.
        pid: i32,
        /// `si_uid`.
        uid: u32,
    },
    /// sigqueue/timers: `si_pid`, `si_uid`, `si_value`.
    Rt {
        /// `si_pid`.
        pid: i32,
        /// `si_uid`.
        uid: u32,
        /// `si_value`.
        value: u64,
    },
    /// SIGCHLD: `si_pid`, `si_uid`, `si_status`, `si_utime`, `si_stime`.
    Child {
        /// `si_pid`.
        pid: i32,
        /// `si_uid`.
        uid: u32,
        /// `si_status`.
        status: i32,
        /// `si_utime`.
        utime: i64,
        /// `si_stime`.
        stime: i64,
    },
    /// SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGTRAP: `si_addr`.
    Fault {
        /// `si_addr`.
        addr: u64,
    },
    /// SIGIO: `si_band`, `si_fd`.
    Poll {
        /// `si_band`.
        band: i64,
        /// `si_fd`.
        fd: i32,
    },
}

impl SigInfo {
    /// Size of `siginfo_t` on every 64-bit Linux architecture.
    pub const SIZE: usize = 128;

    /// Encodes the siginfo in the guest's byte order `E`, with every unused byte zero (no kernel data
    /// reaches the user).
    pub fn encode<E: zerocopy::ByteOrder>(&self) -> [u8; Self::SIZE] {
        let mut b = [0u8; Self::SIZE];
        let mut w = crate::bytes::FieldWriter::<E>::new(&mut b);
        w.i32(0, self.signo);
        w.i32(4, self.errno);
        w.i32(8, self.code);
        match self.fields {
            SigInfoFields::None => {}
            SigInfoFields::Kill { pid, uid } => {
                w.i32(16, pid);
                w.u32(20, uid);
            }
            SigInfoFields::Rt { pid, uid, value } => {
                w.i32(16, pid);
                w.u32(20, uid);
                w.u64(24, value);
            }
            SigInfoFields::Child { pid, uid, status, utime, stime } => {
                w.i32(16, pid);
                w.u32(20, uid);
                w.i32(24, status);
                w.u64(32, utime as u64);
                w.u64(40, stime as u64);
            }
            SigInfoFields::Fault { addr } => w.u64(16, addr),
            SigInfoFields::Poll { band, fd } => {
                w.u64(16, band as u64);
                w.i32(24, fd);
            }
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FreeBSD signal numbers (`sys/sys/signal.h`) that differ from Linux's, and the realtime range.
    const FREEBSD_SIGBUS: u32 = 10;
    const FREEBSD_SIGSYS: u32 = 12;
    const FREEBSD_SIGURG: u32 = 16;
    const FREEBSD_SIGSTOP: u32 = 17;
    const FREEBSD_SIGTSTP: u32 = 18;
    const FREEBSD_SIGCONT: u32 = 19;
    const FREEBSD_SIGCHLD: u32 = 20;
    const FREEBSD_SIGIO: u32 = 23;
    const FREEBSD_SIGWINCH: u32 = 28;
    const FREEBSD_SIGUSR1: u32 = 30;
    const FREEBSD_SIGUSR2: u32 = 31;

    #[test]
    fn every_linux_signal_round_trips_through_freebsd_where_freebsd_has_it() {
        for n in 1..=64u64 {
            let sig = LinuxSignal::new(n).unwrap();
            match linux_to_freebsd_signal(sig) {
                Some(b) => assert_eq!(freebsd_to_linux_signal(b), Some(sig), "Linux {n} -> FreeBSD {b}"),
                None => assert!(sig == LinuxSignal::SIGSTKFLT || sig == LinuxSignal::SIGPWR, "{n}"),
            }
        }
    }

    #[test]
    fn numbers_that_differ_are_translated() {
        assert_eq!(linux_to_freebsd_signal(LinuxSignal::SIGBUS), Some(FREEBSD_SIGBUS));
        assert_eq!(linux_to_freebsd_signal(LinuxSignal::SIGUSR1), Some(FREEBSD_SIGUSR1));
        assert_eq!(linux_to_freebsd_signal(LinuxSignal::SIGUSR2), Some(FREEBSD_SIGUSR2));
        assert_eq!(linux_to_freebsd_signal(LinuxSignal::SIGCHLD), Some(FREEBSD_SIGCHLD));
        assert_eq!(linux_to_freebsd_signal(LinuxSignal::SIGSYS), Some(FREEBSD_SIGSYS));
        assert_eq!(linux_to_freebsd_signal(LinuxSignal::SIGURG), Some(FREEBSD_SIGURG));
        assert_eq!(linux_to_freebsd_signal(LinuxSignal::SIGSTOP), Some(FREEBSD_SIGSTOP));
        assert_eq!(linux_to_freebsd_signal(LinuxSignal::SIGTSTP), Some(FREEBSD_SIGTSTP));
        assert_eq!(linux_to_freebsd_signal(LinuxSignal::SIGCONT), Some(FREEBSD_SIGCONT));
        assert_eq!(linux_to_freebsd_signal(LinuxSignal::SIGIO), Some(FREEBSD_SIGIO));
        assert_eq!(linux_to_freebsd_signal(LinuxSignal::SIGWINCH), Some(FREEBSD_SIGWINCH));
        assert_eq!(linux_to_freebsd_signal(LinuxSignal::new(64).unwrap()), Some(FREEBSD_SIGRTMIN + 32));
        assert_eq!(freebsd_to_linux_signal(7), None); // SIGEMT
        assert_eq!(freebsd_to_linux_signal(29), None); // SIGINFO
        for s in FREEBSD_INTERNAL_SIGNALS {
            assert_eq!(freebsd_to_linux_signal(s), None);
        }
        assert_eq!(freebsd_to_linux_signal(0), None);
        assert_eq!(freebsd_to_linux_signal(FREEBSD_SIGRTMIN + 33), None);
        assert_eq!(LinuxSignal::new(0), None);
        assert_eq!(LinuxSignal::new(65), None);
    }

    #[test]
    fn sigsets_convert_both_ways() {
        let linux = LinuxSigset(
            LinuxSignal::SIGUSR1.mask() | LinuxSignal::SIGCHLD.mask() | LinuxSignal::new(40).unwrap().mask(),
        );
        let bsd = linux_to_freebsd_sigset(linux);
        assert!(bsd.has(FREEBSD_SIGUSR1) && bsd.has(FREEBSD_SIGCHLD) && bsd.has(FREEBSD_SIGRTMIN + 8));
        assert_eq!(freebsd_to_linux_sigset(&bsd), linux);
        // Every signal with a FreeBSD twin survives the round trip; the two without one are dropped.
        let all = LinuxSigset(u64::MAX);
        let back = freebsd_to_linux_sigset(&linux_to_freebsd_sigset(all));
        assert_eq!(back.0, u64::MAX & !LinuxSignal::SIGSTKFLT.mask() & !LinuxSignal::SIGPWR.mask());
        assert_eq!(LinuxSigset(u64::MAX).blockable().0 & LinuxSigset::UNBLOCKABLE, 0);
    }

    #[test]
    fn altstack_rules_follow_linux() {
        let alt = AltStack { sp: 0x1000, size: 0x2000, flags: 0 };
        assert_eq!(alt.frame_top(0x9000, SaFlags::SA_ONSTACK), 0x3000);
        assert_eq!(alt.frame_top(0x9000, SaFlags::empty()), 0x9000);
        // Already on the alternate stack: keep going down from the current sp.
        assert_eq!(alt.frame_top(0x2800, SaFlags::SA_ONSTACK), 0x2800);
        assert_eq!(alt.saved(0x2800).flags, ss_flags::SS_ONSTACK);
        assert_eq!(alt.saved(0x9000).flags, 0);
        // The boundaries: sp == ss_sp is not on the stack, sp == ss_sp + size is.
        assert!(!alt.contains(0x1000) && alt.contains(0x3000));
        let none = AltStack::default();
        assert_eq!(none.frame_top(0x9000, SaFlags::SA_ONSTACK), 0x9000);
        assert_eq!(none.saved(0x9000).flags, ss_flags::SS_DISABLE);
        let auto = AltStack { flags: ss_flags::SS_AUTODISARM, ..alt };
        assert_eq!(auto.frame_top(0x2800, SaFlags::SA_ONSTACK), 0x3000);
        assert_eq!(auto.saved(0x2800).flags, ss_flags::SS_AUTODISARM);
        assert_eq!(auto.after_delivery(), AltStack::default());
        assert_eq!(alt.after_delivery(), alt);
        assert_eq!(check_altstack_size(100, 2048), Err(LinuxErrno::ENOMEM));
        assert_eq!(check_altstack_size(4096, 2048), Ok(()));
    }

    #[test]
    fn siginfo_encodes_at_linux_offsets_in_both_byte_orders() {
        let info = SigInfo {
            signo: 11,
            errno: 0,
            code: si_code::SEGV_MAPERR,
            fields: SigInfoFields::Fault { addr: 0xdead_beef_0000 },
        };
        let be = info.encode::<zerocopy::BigEndian>();
        assert_eq!(&be[0..4], &[0, 0, 0, 11]);
        assert_eq!(&be[8..12], &[0, 0, 0, 1]);
        assert_eq!(&be[16..24], &0xdead_beef_0000u64.to_be_bytes());
        assert!(be[24..].iter().all(|&b| b == 0));
        let le = info.encode::<zerocopy::LittleEndian>();
        assert_eq!(&le[16..24], &0xdead_beef_0000u64.to_le_bytes());
        let chld = SigInfo {
            signo: 17,
            errno: 0,
            code: 1,
            fields: SigInfoFields::Child { pid: 7, uid: 1000, status: 3, utime: 5, stime: 6 },
        };
        let b = chld.encode::<zerocopy::LittleEndian>();
        assert_eq!(&b[16..20], &7i32.to_le_bytes());
        assert_eq!(&b[20..24], &1000u32.to_le_bytes());
        assert_eq!(&b[24..28], &3i32.to_le_bytes());
        assert_eq!(&b[32..40], &5i64.to_le_bytes());
        assert_eq!(&b[40..48], &6i64.to_le_bytes());
    }
}
