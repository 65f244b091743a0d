//! powerpc64 guests (`Ppc64Guest<BigEndian>`: ELFv1 glibc and ELFv2 musl; `Ppc64Guest<LittleEndian>`:
//! ppc64le) through `arch_ppc64`: its hooks, the POWER9 it describes, its ioctl numbers, termios,
//! `struct stat` and open flags, and `vdso_ppc64`.

use super::ppc64_cpu::{self, INTR_ALIGN, INTR_HV_EMU, INTR_PROGRAM, INTR_SC};
use super::{is_big_endian, CloneArgs, GuestArch, Layout, Trap};
use crate::cpu::{self, Uc};
use crate::loader::ExecPlan;
use crate::process::Action;
use crate::vdso::{host_res_ns, TimehandsValues, Vdso, VdsoSpec};
use arch_ppc64::frame::{Ppc64Thread, TrapFrame};
use arch_ppc64::{func_abi_of, Ppc64, Ppc64Cpu};
use core::marker::PhantomData;
use linux_core::elf::ElfBrand;
use linux_core::signal::{si_code, LinuxSignal};
use linux_core::stat::FileStat;
use linux_core::sysno::Sys;
use linux_core::termios::KTermios;
use vdso_ppc64::data::{Bintime, Timehands, VdsoData, TH_ALGO_PPC_TB, TK_DEFAULT_OFFSET};
use vdso_ppc64::VdsoImage;
use zerocopy::byteorder::{ByteOrder, I32, I64, U32, U64};
use zerocopy::{FromBytes, FromZeros, IntoBytes};

/// The guest's time-base frequency: POWER9's 512 MHz, the `tb_freq` the unicorn patch gives `mftb`.
pub const TB_FREQ: u64 = 512_000_000;

/// A powerpc64 guest of byte order `E`.
#[derive(Debug)]
pub struct Ppc64Guest<E>(PhantomData<E>);

impl<E: ByteOrder + 'static> GuestArch for Ppc64Guest<E> {
    type E = E;
    type Frame = TrapFrame;
    type Thread = Ppc64Thread;
    type Abi = Ppc64<E>;

    const BRANDS: &'static [ElfBrand] = &arch_ppc64::BRANDS;
    /// The stack near the top of a 47-bit address space, the mmap area below it, PIE programs at 4 GiB
    /// (Linux/powerpc64's `ELF_ET_DYN_BASE`).
    const LAYOUT: Layout = Layout {
        stack_end: 0x7fff_ff00_0000,
        mmap_top: 0x7fff_f000_0000,
        mmap_bottom: 0x1000_0000,
        et_dyn_base: 0x1_0000_0000,
    };
    const SYSCALLS: &'static [Option<Sys>] = &arch_ppc64::syscall_table::PPC64_SYSCALLS;
    const TERMIOS_SIZE: usize = core::mem::size_of::<arch_ppc64::termios::Termios<E>>();

    fn new_engine(_plan: &ExecPlan) -> Result<Uc, String> {
        let mut uc = ppc64_cpu::new_engine(!is_big_endian::<E>())?;
        ppc64_cpu::map_reservation_clearer(&mut uc)
            .map_err(|_| "cannot map the reservation page".to_string())?;
        Ok(uc)
    }

    fn abi(plan: &ExecPlan, _uc: &Uc) -> Ppc64<E> {
        let mut cpu_model = Ppc64Cpu::POWER9;
        if !is_big_endian::<E>() {
            cpu_model.features |= arch_ppc64::abi::PPC_FEATURE_TRUE_LE;
        }
        Ppc64::<E>::new(func_abi_of(plan.brand), cpu_model)
    }

    fn vdso(abi: &Ppc64<E>) -> VdsoSpec {
        let image = VdsoImage::for_order(!is_big_endian::<E>());
        let mut hdr = VdsoData::<E>::new_zeroed();
        hdr.tb_freq = U64::new(TB_FREQ);
        hdr.tk_offset = I64::new(TK_DEFAULT_OFFSET as i64);
        // clock_getres() answers as the harness's system call does: the host's.
        hdr.hres_ns = U64::new(host_res_ns(libc::CLOCK_MONOTONIC));
        hdr.coarse_ns = U64::new(host_res_ns(libc::CLOCK_MONOTONIC_COARSE));
        hdr.tz_minuteswest = I32::new(0);
        hdr.tz_dsttime = I32::new(0);
        hdr.dcache_block = U32::new(abi.cpu.dcache_block_size as u32);
        hdr.icache_block = U32::new(abi.cpu.icache_block_size as u32);
        let table = &arch_ppc64::syscall_table::PPC64_SYSCALLS;
        hdr.syscall_count = U32::new(table.len() as u32);
        for (nr, sys) in table.iter().enumerate() {
            if sys.is_some_and(|s| crate::syscalls::IMPLEMENTED.contains(&s)) {
                hdr.set_syscall(nr as u32);
            }
        }
        VdsoSpec {
            image: image.bytes,
            map_size: image.map_size(crate::vm::PAGE),
            trampoline: image.sigtramp_start,
            header: hdr.as_bytes().to_vec(),
            tk_offset: TK_DEFAULT_OFFSET,
            th_size: core::mem::size_of::<Timehands<E>>() as u64,
            counter_freq: TB_FREQ,
            timehands: timehands::<E>,
            big_endian: is_big_endian::<E>(),
        }
    }

    /// `__kernel_start_sigtramp_rt64`: Linux/powerpc ignores `SA_RESTORER`.
    fn handler_return(vdso: &Vdso, _action: &Action) -> u64 {
        vdso.trampoline()
    }

    fn uname_machine() -> &'static [u8] {
        if is_big_endian::<E>() {
            b"ppc64"
        } else {
            b"ppc64le"
        }
    }

    fn read_frame(uc: &Uc) -> TrapFrame {
        ppc64_cpu::read_frame(uc)
    }

    fn write_frame_delta(uc: &mut Uc, old: &TrapFrame, new: &TrapFrame) {
        ppc64_cpu::write_frame_delta(uc, old, new)
    }

    fn read_thread(uc: &Uc, orig_arg0: u64) -> Ppc64Thread {
        ppc64_cpu::read_thread(uc, orig_arg0)
    }

    fn write_thread(uc: &mut Uc, t: &Ppc64Thread) {
        ppc64_cpu::write_thread(uc, t)
    }

    fn orig_arg0(t: &Ppc64Thread) -> Option<u64> {
        Some(t.orig_gpr3)
    }

    fn sp(f: &TrapFrame) -> u64 {
        f.fixreg[1]
    }

    fn trap(uc: &mut Uc, intno: u32) -> Trap {
        let at_insn = |uc: &mut Uc| {
            // Unicorn reports these with the PC past the instruction; Linux's SRR0 is the instruction.
            let pc = cpu::pc(uc).wrapping_sub(4);
            cpu::set_pc(uc, pc);
            pc
        };
        match intno {
            INTR_SC => Trap::Syscall,
            INTR_HV_EMU => {
                Trap::Signal { sig: LinuxSignal::SIGILL, code: si_code::ILL_ILLOPC, addr: at_insn(uc) }
            }
            INTR_PROGRAM => {
                Trap::Signal { sig: LinuxSignal::SIGTRAP, code: si_code::TRAP_BRKPT, addr: at_insn(uc) }
            }
            INTR_ALIGN => {
                Trap::Signal { sig: LinuxSignal::SIGBUS, code: si_code::BUS_ADRALN, addr: cpu::pc(uc) }
            }
            _ => Trap::Unexpected,
        }
    }

    fn context_switch(uc: &mut Uc) {
        ppc64_cpu::clear_reservation(uc)
    }

    /// powerpc has `CLONE_BACKWARDS`: clone(flags, newsp, parent_tid, tls, child_tid).
    fn clone_args(a: [u64; 6]) -> CloneArgs {
        CloneArgs { flags: a[0], newsp: a[1], ptid: a[2], tls: a[3], ctid: a[4] }
    }

    /// Through the module's own table (`arch_ppc64::consts::open_flags_to_generic`).
    fn open_flags_to_host(f: u32) -> i32 {
        arch_ppc64::consts::open_flags_to_generic(f).value as i32
    }

    fn open_flags_to_guest(f: i32) -> u32 {
        arch_ppc64::consts::open_flags_from_generic(f as u32).value
    }

    /// The module's own translation (`arch_ppc64::ioctl::to_generic`).
    fn ioctl_to_generic(cmd: u32) -> Option<u32> {
        arch_ppc64::ioctl::to_generic(cmd)
    }

    fn termios_to_guest(k: &KTermios) -> Vec<u8> {
        arch_ppc64::termios::from_generic::<E>(k).as_bytes().to_vec()
    }

    fn termios_from_guest(b: &[u8]) -> Option<KTermios> {
        let t = arch_ppc64::termios::Termios::<E>::read_from_bytes(b).ok()?;
        Some(arch_ppc64::termios::to_generic(&t))
    }

    fn stat_to_guest(s: &FileStat) -> Vec<u8> {
        arch_ppc64::stat::Stat::<E>::new(s).as_bytes().to_vec()
    }

    /// Through the module's own table (`arch_ppc64::consts::sockopt_to_generic`, `SO_MAP`).
    fn sockopt_to_host(level: i32, name: i32) -> i32 {
        if level == linux_core::consts::SOL_SOCKET {
            arch_ppc64::consts::sockopt_to_generic(name)
        } else {
            name
        }
    }

    fn sockopt_to_guest(level: i32, name: i32) -> i32 {
        if level == linux_core::consts::SOL_SOCKET {
            arch_ppc64::consts::sockopt_from_generic(name)
        } else {
            name
        }
    }

    /// Through the module's own table (`arch_ppc64::consts::mlockall_flags_to_generic`).
    fn mlockall_flags_to_host(f: u32) -> Option<u32> {
        arch_ppc64::consts::mlockall_flags_to_generic(f).exact()
    }
}

/// A powerpc timehands: `VDSO_TH_ALGO_PPC_TB` over the whole 32-bit time base.
fn timehands<E: ByteOrder>(v: &TimehandsValues) -> Vec<u8> {
    let mut th = Timehands::<E>::new_zeroed();
    th.algo = U32::new(TH_ALGO_PPC_TB);
    th.scale = U64::new(v.scale);
    th.offset_count = U32::new(v.offset_count);
    th.counter_mask = U32::new(u32::MAX);
    th.offset = Bintime { sec: I64::new(v.offset.0), frac: U64::new(v.offset.1) };
    th.boottime = Bintime { sec: I64::new(v.boottime.0), frac: U64::new(v.boottime.1) };
    th.as_bytes().to_vec()
}
