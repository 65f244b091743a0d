//! arm64 guests through `arch_arm64`: its hooks (with `AT_HWCAP`/`AT_HWCAP2` computed from the emulated
//! CPU's ID registers), `vdso_arm64` with the timekeeping over `CNTVCT_EL0`, and the arm64 ABI where it
//! is not the host's generic one: `struct stat` is asm-generic's (128 bytes, unlike x86-64's), and four
//! open flags have arm32's values. termios and the ioctl numbers are generic: the host's.

use super::arm64_cpu::{self, CNTFRQ, EXCP_BKPT, EXCP_DATA_ABORT, EXCP_PREFETCH_ABORT, EXCP_SWI, EXCP_UDEF};
use super::{CloneArgs, GuestArch, Layout, Trap};
use crate::cpu::{self, Uc};
use crate::loader::ExecPlan;
use crate::process::Action;
use crate::vdso::{host_res_ns, TimehandsValues, Vdso, VdsoSpec};
use arch_arm64::frame::{Arm64Thread, TrapFrame};
use arch_arm64::Arm64;
use linux_core::consts as g;
use linux_core::elf::ElfBrand;
use linux_core::signal::{si_code, LinuxSignal, SaFlags};
use linux_core::stat::FileStat;
use linux_core::sysno::Sys;
use linux_core::termios::{KTermios, Termios};
use vdso_arm64::data::{Bintime, Timehands, VdsoData, TH_ALGO_ARM_GENTIM, TK_DEFAULT_OFFSET};
use zerocopy::byteorder::{LittleEndian, I64, U32, U64};
use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout, Unaligned};

/// Every Linux/arm64 program is little-endian.
type Le = LittleEndian;

/// An arm64 guest.
#[derive(Debug)]
pub struct Arm64Guest;

/// The open flags whose arm64 values (`arch/arm64/include/uapi/asm/fcntl.h`, arm32's) are not the
/// generic ones the host uses: (arm64, generic).
pub const OPEN_FLAGS_THAT_DIFFER: [(u32, u32); 4] = [
    (0o40000, g::O_DIRECTORY),
    (0o100000, g::O_NOFOLLOW),
    (0o200000, g::O_DIRECT),
    (0o400000, g::O_LARGEFILE),
];

/// Moves each bit of `OPEN_FLAGS_THAT_DIFFER` from one column to the other; other bits stay.
fn permute_open_flags(f: u32, to_generic: bool) -> u32 {
    let all = OPEN_FLAGS_THAT_DIFFER.iter().fold(0, |m, &(a, b)| m | if to_generic { a } else { b });
    OPEN_FLAGS_THAT_DIFFER.iter().fold(f & !all, |out, &(arm, gen)| {
        let (from, to) = if to_generic { (arm, gen) } else { (gen, arm) };
        if f & from != 0 {
            out | to
        } else {
            out
        }
    })
}

/// Linux's asm-generic `struct stat` (128 bytes), what arm64's `fstat`/`newfstatat` write: `st_nlink`
/// is 32-bit after `st_mode`, `st_blksize` 32-bit, with padding words (x86-64's is another layout).
#[repr(C)]
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Unaligned, Clone, Copy, Debug)]
#[allow(missing_docs)]
pub struct GenericStat {
    pub st_dev: U64<Le>,
    pub st_ino: U64<Le>,
    pub st_mode: U32<Le>,
    pub st_nlink: U32<Le>,
    pub st_uid: U32<Le>,
    pub st_gid: U32<Le>,
    pub st_rdev: U64<Le>,
    pub pad1: U64<Le>,
    pub st_size: I64<Le>,
    pub st_blksize: U32<Le>,
    pub pad2: U32<Le>,
    pub st_blocks: U64<Le>,
    pub st_atime: U64<Le>,
    pub st_atime_nsec: U64<Le>,
    pub st_mtime: U64<Le>,
    pub st_mtime_nsec: U64<Le>,
    pub st_ctime: U64<Le>,
    pub st_ctime_nsec: U64<Le>,
    pub unused: [U32<Le>; 2],
}

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<GenericStat>() == 128);
    assert!(offset_of!(GenericStat, st_nlink) == 20);
    assert!(offset_of!(GenericStat, st_size) == 48);
    assert!(offset_of!(GenericStat, st_blksize) == 56);
    assert!(offset_of!(GenericStat, st_blocks) == 64);
    assert!(offset_of!(GenericStat, st_atime) == 72);
};

impl GenericStat {
    /// Lays out `s`; padding and unused words are zero.
    pub fn new(s: &FileStat) -> GenericStat {
        GenericStat {
            st_dev: U64::new(s.dev),
            st_ino: U64::new(s.ino),
            st_mode: U32::new(s.mode),
            st_nlink: U32::new(s.nlink.min(u64::from(u32::MAX)) as u32),
            st_uid: U32::new(s.uid),
            st_gid: U32::new(s.gid),
            st_rdev: U64::new(s.rdev),
            pad1: U64::ZERO,
            st_size: I64::new(s.size),
            st_blksize: U32::new(s.blksize as u32),
            pad2: U32::ZERO,
            st_blocks: U64::new(s.blocks),
            st_atime: U64::new(s.atime.sec as u64),
            st_atime_nsec: U64::new(s.atime.nsec as u64),
            st_mtime: U64::new(s.mtime.sec as u64),
            st_mtime_nsec: U64::new(s.mtime.nsec as u64),
            st_ctime: U64::new(s.ctime.sec as u64),
            st_ctime_nsec: U64::new(s.ctime.nsec as u64),
            unused: [U32::ZERO; 2],
        }
    }
}

impl GuestArch for Arm64Guest {
    type E = Le;
    type Frame = TrapFrame;
    type Thread = Arm64Thread;
    type Abi = Arm64<Le>;

    const BRANDS: &'static [ElfBrand] = &arch_arm64::BRANDS;
    /// Linux/arm64's layout with 39-bit virtual addresses (a kernel configuration Linux supports): the
    /// stack below 2^39, PIE programs at 2/3 of it (`ELF_ET_DYN_BASE`, aligned to the 64 KiB segment
    /// alignment of Debian's binaries). 48-bit addresses would not fit the emulated CPU's 44-bit
    /// physical address range (see `arm64_cpu`).
    const LAYOUT: Layout = Layout {
        stack_end: 0x7f_ff00_0000,
        mmap_top: 0x7f_f000_0000,
        mmap_bottom: 0x1000_0000,
        et_dyn_base: 0x55_5555_0000,
    };
    const SYSCALLS: &'static [Option<Sys>] = &arch_arm64::syscall_table::ARM64_SYSCALLS;
    const TERMIOS_SIZE: usize = core::mem::size_of::<Termios<Le>>();

    fn new_engine(_plan: &ExecPlan) -> Result<Uc, String> {
        arm64_cpu::new_engine()
    }

    fn abi(_plan: &ExecPlan, uc: &Uc) -> Arm64<Le> {
        Arm64::new(arm64_cpu::describe(uc))
    }

    fn vdso(_abi: &Arm64<Le>) -> VdsoSpec {
        let image = &vdso_arm64::VDSO;
        let mut hdr = VdsoData::<Le>::new_zeroed();
        hdr.tk_offset = I64::new(TK_DEFAULT_OFFSET as i64);
        // clock_getres() answers as the harness's system call does: the host's.
        hdr.hres_ns = U64::new(host_res_ns(libc::CLOCK_MONOTONIC));
        hdr.coarse_ns = U64::new(host_res_ns(libc::CLOCK_MONOTONIC_COARSE));
        VdsoSpec {
            image: image.bytes,
            map_size: image.map_size(crate::vm::PAGE),
            trampoline: image.sigreturn,
            header: hdr.as_bytes().to_vec(),
            tk_offset: TK_DEFAULT_OFFSET,
            th_size: core::mem::size_of::<Timehands<Le>>() as u64,
            counter_freq: CNTFRQ,
            timehands,
            big_endian: false,
        }
    }

    /// As Linux/arm64's `setup_return`: the program's `sa_restorer` with `SA_RESTORER`, else the vdso's
    /// `__kernel_rt_sigreturn` (arch-arm64's `return_trampoline`).
    fn handler_return(vdso: &Vdso, action: &Action) -> u64 {
        let flags = SaFlags::from_bits_truncate(action.flags);
        arch_arm64::signal::return_trampoline(flags, action.restorer, Some(vdso.base))
            .unwrap_or_else(|| vdso.trampoline())
    }

    fn uname_machine() -> &'static [u8] {
        b"aarch64"
    }

    fn read_frame(uc: &Uc) -> TrapFrame {
        arm64_cpu::read_frame(uc)
    }

    fn write_frame_delta(uc: &mut Uc, old: &TrapFrame, new: &TrapFrame) {
        arm64_cpu::write_frame_delta(uc, old, new)
    }

    /// arm64 keeps the restart argument in the syscall request (`SyscallRequest::args[0]`), not in the
    /// thread state.
    fn read_thread(uc: &Uc, _orig_arg0: u64) -> Arm64Thread {
        arm64_cpu::read_thread(uc)
    }

    fn write_thread(uc: &mut Uc, t: &Arm64Thread) {
        arm64_cpu::write_thread(uc, t)
    }

    fn orig_arg0(_t: &Arm64Thread) -> Option<u64> {
        None
    }

    fn sp(f: &TrapFrame) -> u64 {
        f.tf_sp
    }

    /// Unicorn leaves the PC at the instruction for `udf`/undefined and `brk`, past it for `svc`. A
    /// data or instruction abort the memory hooks did not report (an address beyond the physical range)
    /// carries no fault address unicorn exposes: SIGSEGV with the PC.
    fn trap(uc: &mut Uc, intno: u32) -> Trap {
        let pc = cpu::pc(uc);
        match intno {
            EXCP_SWI => Trap::Syscall,
            EXCP_UDEF => Trap::Signal { sig: LinuxSignal::SIGILL, code: si_code::ILL_ILLOPC, addr: pc },
            EXCP_BKPT => Trap::Signal { sig: LinuxSignal::SIGTRAP, code: si_code::TRAP_BRKPT, addr: pc },
            EXCP_DATA_ABORT | EXCP_PREFETCH_ABORT => {
                Trap::Signal { sig: LinuxSignal::SIGSEGV, code: si_code::SEGV_MAPERR, addr: pc }
            }
            _ => Trap::Unexpected,
        }
    }

    fn context_switch(uc: &mut Uc) {
        arm64_cpu::clear_exclusive(uc)
    }

    /// arm64 selects `CLONE_BACKWARDS`, as powerpc does: clone(flags, newsp, parent_tid, tls,
    /// child_tid) (glibc's `clone.S` passes them so).
    fn clone_args(a: [u64; 6]) -> CloneArgs {
        CloneArgs { flags: a[0], newsp: a[1], ptid: a[2], tls: a[3], ctid: a[4] }
    }

    fn open_flags_to_host(f: u32) -> i32 {
        permute_open_flags(f, true) as i32
    }

    fn open_flags_to_guest(f: i32) -> u32 {
        permute_open_flags(f as u32, false)
    }

    /// arm64 uses the generic numbers.
    fn ioctl_to_generic(cmd: u32) -> Option<u32> {
        Some(cmd)
    }

    fn termios_to_guest(k: &KTermios) -> Vec<u8> {
        k.to_termios::<Le>().as_bytes().to_vec()
    }

    fn termios_from_guest(b: &[u8]) -> Option<KTermios> {
        let t = Termios::<Le>::read_from_bytes(b).ok()?;
        let mut k = KTermios::default();
        k.apply_termios(&t);
        Some(k)
    }

    fn stat_to_guest(s: &FileStat) -> Vec<u8> {
        GenericStat::new(s).as_bytes().to_vec()
    }

    /// arm64 uses the generic socket option numbers.
    fn sockopt_to_host(_level: i32, name: i32) -> i32 {
        name
    }

    fn sockopt_to_guest(_level: i32, name: i32) -> i32 {
        name
    }

    /// arm64 uses the generic `MCL_*` bits.
    fn mlockall_flags_to_host(f: u32) -> Option<u32> {
        (f & !(g::MCL_CURRENT | g::MCL_FUTURE | g::MCL_ONFAULT) == 0).then_some(f)
    }
}

/// An arm64 timehands: `VDSO_TH_ALGO_ARM_GENTIM` over the low 32 bits of `CNTVCT_EL0` (`th_physical` 0).
fn timehands(v: &TimehandsValues) -> Vec<u8> {
    let mut th = Timehands::<Le>::new_zeroed();
    th.algo = U32::new(TH_ALGO_ARM_GENTIM);
    th.scale = U64::new(v.scale);
    th.offset_count = U32::new(v.offset_count);
    th.counter_mask = U32::new(u32::MAX);
    th.offset = Bintime { sec: I64::new(v.offset.0), frac: U64::new(v.offset.1) };
    th.boottime = Bintime { sec: I64::new(v.boottime.0), frac: U64::new(v.boottime.1) };
    th.as_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The arm64 values against the cross headers' `asm/fcntl.h` when they are installed, and the
    /// permutation round trip.
    #[test]
    fn open_flags_are_arm64s() {
        if let Ok(h) = std::fs::read_to_string("/usr/aarch64-linux-gnu/include/asm/fcntl.h") {
            for (name, (arm, _)) in
                ["O_DIRECTORY", "O_NOFOLLOW", "O_DIRECT", "O_LARGEFILE"].iter().zip(OPEN_FLAGS_THAT_DIFFER)
            {
                let words = h.lines().map(|l| l.split_whitespace().collect::<Vec<_>>());
                let line = words.into_iter().find(|w| w.len() >= 3 && w[0] == "#define" && w[1] == *name);
                let value = line.expect(name)[2];
                assert_eq!(u32::from_str_radix(value.trim_start_matches('0'), 8), Ok(arm), "{name}");
            }
        }
        let guest = 0o40000 | 0o400000 | 0o2 | 0o100 | 0o2000000;
        let host = Arm64Guest::open_flags_to_host(guest);
        // x86-64's kernel values (the libc crate's O_LARGEFILE is glibc's 0).
        assert_eq!(host, 0o200000 | 0o100000 | 0o2 | 0o100 | 0o2000000);
        assert_eq!(Arm64Guest::open_flags_to_guest(host), guest);
    }
}
