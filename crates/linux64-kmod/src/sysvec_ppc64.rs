//! The Linux/powerpc64 `struct sysentvec` instances and ELF brands, wired to the [`crate::ppc64`] entry
//! points, and their registration.
//!
//! | ABI (kernel byte order)     | sysentvec                      | brands (interpreter)                                  |
//! |-----------------------------|--------------------------------|-------------------------------------------------------|
//! | ELFv1, big-endian           | `linux64_sysvec_ppc64_elfv1`   | `/lib64/ld64.so.1`                                    |
//! | ELFv2, big-endian           | `linux64_sysvec_ppc64_elfv2`   | `/lib/ld-musl-powerpc64.so.1`, `/lib64/ld64.so.2`     |
//! | ELFv2, little-endian        | `linux64_sysvec_ppc64le`       | `/lib64/ld64.so.2`, `/lib/ld-musl-powerpc64le.so.1`   |
//!
//! A big-endian kernel registers the first two, a little-endian one the third (FreeBSD's ELF loader
//! refuses images of the other byte order before brands are looked at); the host (tests) has all three.
//! `c/linux64_module.c` runs `exec_sysvec_init` on them (`INIT_SYSENTVEC`).
//!
//! Hook members implemented here (`sv_fetch_syscall_args`, `sv_set_syscall_retval`, `sv_setregs`,
//! `sv_sendsig`, `sv_set_fork_retval`, `sv_fixup`, `sv_onexec`, and `linux_rt_sigreturn` for the syscall
//! table) convert between FreeBSD's thread state and [`Ppc64Thread`] and call the entry points; the others
//! are FreeBSD's (`elf64_coredump`) or the MI Linuxulator's ([`crate::kpi`]).

use crate::kpi::sys::kconst as k;
use crate::kpi::sys::{
    __sigset, image_params, ksiginfo, pcb, proc_, sigset_t, stack_t, sysentvec, thread, Elf64_Auxinfo,
    Elf64_Brandinfo, Elf64_Ehdr,
};
use crate::kpi::*;
use crate::ppc64::{
    linux64_ppc64_exec_setregs, linux64_ppc64_fetch_syscall_args, linux64_ppc64_sendsig,
    linux64_ppc64_set_syscall_retval, linux64_ppc64_sigreturn, SignalArgs, SigreturnResult, SyscallArgs,
};
use crate::sysvec::*;
use arch_ppc64::frame::{Ppc64Thread, TrapFrame, UnitsUsed, VectorState};
use arch_ppc64::Ppc64Cpu;
use core::ffi::{c_int, c_void};
use core::ptr::{addr_of, addr_of_mut, null, null_mut};

/// `abi` argument of the entry points: function descriptors.
pub const ABI_ELFV1: c_int = 1;
/// `abi` argument of the entry points: ELFv2.
pub const ABI_ELFV2: c_int = 2;

/// `LINUX_SYS_MAXSYSCALL`: the table covers every number of the Linux 6.1 ppc64 table.
pub const LINUX_SYS_MAXSYSCALL: c_int = arch_ppc64::syscall_table::PPC64_NR_MAX as c_int + 1;
/// Linux `MINSIGSTKSZ` on powerpc64.
pub const LINUX_MINSIGSTKSZ: c_int = 8192;

/// `AT_HWCAP`/`AT_HWCAP2` the sysentvecs report (set at MOD_LOAD from the arch hooks).
static mut LINUX_HWCAP: u64 = 0;
static mut LINUX_HWCAP2: u64 = 0;
/// The CPU description the auxiliary vector reports (set at MOD_LOAD).
static mut LINUX_CPU: Ppc64Cpu = Ppc64Cpu::POWER9;
/// Size of the signal code in the shared page: none (the trampoline lives in the vdso).
static mut LINUX_SZSIGCODE: c_int = 0;

macro_rules! sysvec {
    ($abi:expr, $name:expr) => {
        linux_sysentvec! {
            name: $name,
            size: LINUX_SYS_MAXSYSCALL,
            minsigstksz: LINUX_MINSIGSTKSZ,
            sendsig: sendsig::<{ $abi }>,
            setregs: exec_setregs::<{ $abi }>,
            fetch_syscall_args: fetch_syscall_args::<{ $abi }>,
            set_syscall_retval: set_syscall_retval::<{ $abi }>,
            set_fork_retval: set_fork_retval::<{ $abi }>,
            szsigcode: addr_of_mut!(LINUX_SZSIGCODE),
            hwcap: addr_of_mut!(LINUX_HWCAP).cast(),
            hwcap2: addr_of_mut!(LINUX_HWCAP2).cast(),
        }
    };
}

/// The sysentvec of big-endian ELFv1 programs.
#[cfg(any(not(target_os = "freebsd"), target_endian = "big"))]
#[no_mangle]
pub static mut linux64_sysvec_ppc64_elfv1: sysentvec = sysvec!(ABI_ELFV1, c"Linux ELF64 ppc64 ELFv1");
/// The sysentvec of big-endian ELFv2 programs.
#[cfg(any(not(target_os = "freebsd"), target_endian = "big"))]
#[no_mangle]
pub static mut linux64_sysvec_ppc64_elfv2: sysentvec = sysvec!(ABI_ELFV2, c"Linux ELF64 ppc64 ELFv2");
/// The sysentvec of little-endian (ELFv2) programs.
#[cfg(any(not(target_os = "freebsd"), target_endian = "little"))]
#[no_mangle]
pub static mut linux64_sysvec_ppc64le: sysentvec = sysvec!(ABI_ELFV2, c"Linux ELF64 ppc64le");

macro_rules! brand {
    ($sv:ident, $interp:expr, $idx:literal) => {
        Elf64_Brandinfo {
            brand: k::ELFOSABI_LINUX as c_int,
            machine: k::EM_PPC64 as c_int,
            compat_3_brand: c"Linux".as_ptr(),
            interp_path: $interp.as_ptr(),
            sysvec: addr_of_mut!($sv),
            interp_newpath: null(),
            flags: (k::BI_CAN_EXEC_DYN | k::BI_BRAND_NOTE) as c_int,
            brand_note: addr_of_mut!(linux64_brandnote),
            header_supported: Some(header_supported::<$idx>),
        }
    };
}

/// Brands of the big-endian kernel: (brand, index into `arch_ppc64::BRANDS`).
#[cfg(any(not(target_os = "freebsd"), target_endian = "big"))]
pub static mut BRANDS_BE: [Elf64_Brandinfo; 3] = [
    brand!(linux64_sysvec_ppc64_elfv1, c"/lib64/ld64.so.1", 0),
    brand!(linux64_sysvec_ppc64_elfv2, c"/lib/ld-musl-powerpc64.so.1", 1),
    brand!(linux64_sysvec_ppc64_elfv2, c"/lib64/ld64.so.2", 1),
];
/// Brands of the little-endian kernel.
#[cfg(any(not(target_os = "freebsd"), target_endian = "little"))]
pub static mut BRANDS_LE: [Elf64_Brandinfo; 2] = [
    brand!(linux64_sysvec_ppc64le, c"/lib64/ld64.so.2", 2),
    brand!(linux64_sysvec_ppc64le, c"/lib/ld-musl-powerpc64le.so.1", 2),
];

/// The brands this kernel registers.
pub fn brands() -> &'static mut [Elf64_Brandinfo] {
    #[cfg(all(target_os = "freebsd", target_endian = "big"))]
    // SAFETY: the brand table is touched only by MOD_LOAD/MOD_UNLOAD, which the kernel serializes.
    return unsafe { &mut *addr_of_mut!(BRANDS_BE) };
    #[cfg(all(target_os = "freebsd", target_endian = "little"))]
    // SAFETY: as above.
    return unsafe { &mut *addr_of_mut!(BRANDS_LE) };
    #[cfg(not(target_os = "freebsd"))]
    // SAFETY: host tests are the only users (one test at a time touches the brands).
    return unsafe { &mut *addr_of_mut!(BRANDS_BE) };
}

/// The CPU this kernel runs on, as Linux would describe it to a program (from FreeBSD's
/// `cpu_features`, `cpu_features2`, `cacheline_size` and the PVR).
pub fn kernel_cpu() -> Ppc64Cpu {
    let (mut features, mut features2, mut cacheline, mut pvr) = (0u64, 0u64, 0 as c_int, 0u32);
    // SAFETY: four writable locals; the accessor only reads kernel globals and the PVR.
    unsafe { linux64_ppc64_cpu_info(&mut features, &mut features2, &mut cacheline, &mut pvr) };
    Ppc64Cpu::from_kernel(features, features2, u64::try_from(cacheline).unwrap_or(0), pvr)
}

/// FreeBSD's timekeeping relative to the vdso data page, from the first sysentvec this kernel registers
/// (all share one shared page and one timekeep).
pub fn timekeep_offset() -> Option<i64> {
    let sv = brands().first()?.sysvec;
    // SAFETY: a static sysentvec, set up by exec_sysvec_init before MOD_LOAD; only read.
    crate::vdso::timekeep_offset(unsafe { &*sv })
}

/// MOD_LOAD: fills AT_HWCAP/AT_HWCAP2 and the CPU description from `cpu`, and inserts the brands; on
/// failure nothing stays registered.
pub fn load(cpu: Ppc64Cpu) -> c_int {
    use linux_core::hooks::ExecHooks;
    let hooks = arch_ppc64::Ppc64::<zerocopy::NativeEndian>::new(arch_ppc64::FuncAbi::ElfV2, cpu);
    // SAFETY: MOD_LOAD runs before any process can use these sysentvecs.
    unsafe {
        LINUX_HWCAP = hooks.hwcap();
        LINUX_HWCAP2 = hooks.hwcap2().unwrap_or(0);
        LINUX_CPU = cpu;
    }
    register_brands(brands(), c"linux64: could not register the Linux/powerpc64 ELF brands\n")
}

/// MOD_UNLOAD: EBUSY while a process still runs under one of the brands, else removes them all.
pub fn unload() -> c_int {
    unregister_brands(brands())
}

/// The entry-point `abi` of the process `p` (ELFv1 only for the ELFv1 sysentvec).
///
/// # Safety
/// `p` must be a live process.
unsafe fn abi_of(p: *mut proc_) -> c_int {
    #[cfg(any(not(target_os = "freebsd"), target_endian = "big"))]
    {
        // SAFETY: the caller guarantees `p`; only the pointer value is compared.
        if unsafe { linux64_p_sysent(p) } == addr_of_mut!(linux64_sysvec_ppc64_elfv1) {
            return ABI_ELFV1;
        }
    }
    let _ = p;
    ABI_ELFV2
}

/// The 16 bytes of a pcb FP/VSX slot or vector register (four native words), in memory order.
fn bytes16(w: [u32; 4]) -> [u8; 16] {
    zerocopy::transmute!(w)
}

/// The four native words of 16 bytes in memory order (the inverse of [`bytes16`]).
fn words4(b: [u8; 16]) -> [u32; 4] {
    zerocopy::transmute!(b)
}

/// A VSX slot's two doublewords in memory order: (doubleword 0 = the FPR, doubleword 1).
fn split(b: [u8; 16]) -> (u64, u64) {
    let [hi, lo]: [u64; 2] = zerocopy::transmute!(b);
    (hi, lo)
}

/// FP/VMX/VSX state from the pcb save areas (`pcb_fpu`: VSR0..31 with the FPR in doubleword 0;
/// `pcb_vec`: VR0..31, VRSAVE, VSCR).
pub fn vector_from_pcb(p: &pcb) -> VectorState {
    let mut v = VectorState::default();
    let fp_slots = p.pcb_fpu.fpr.iter().zip(v.fpr.iter_mut().zip(v.vsr_low.iter_mut()));
    for (slot, (fpr, vsr_low)) in fp_slots {
        // SAFETY: both union members are plain words; `vsr` covers all 16 bytes.
        (*fpr, *vsr_low) = split(bytes16(unsafe { slot.vsr }));
    }
    for (saved, vr) in p.pcb_vec.vr.iter().zip(v.vr.iter_mut()) {
        *vr = u128::from_ne_bytes(bytes16(*saved));
    }
    // SAFETY: the FPSCR slot is 8 bytes inside `p`; read as bits, never as a double (no FP instruction).
    v.fpscr = unsafe { addr_of!(p.pcb_fpu.fpscr).cast::<u64>().read() };
    v.vscr = p.pcb_vec.vscr;
    v.vrsave = p.pcb_vec.vrsave;
    let f = i64::from(p.pcb_flags);
    v.used.set(UnitsUsed::FP, f & (k::PCB_FPU | k::PCB_FPREGS) != 0);
    v.used.set(UnitsUsed::VEC, f & (k::PCB_VEC | k::PCB_VECREGS) != 0);
    v.used.set(UnitsUsed::VSX, f & k::PCB_VSX != 0);
    v
}

/// Writes `v` into the pcb save areas (the inverse of [`vector_from_pcb`], flags aside).
pub fn vector_to_pcb(v: &VectorState, p: &mut pcb) {
    for (slot, (fpr, vsr_low)) in p.pcb_fpu.fpr.iter_mut().zip(v.fpr.iter().zip(v.vsr_low.iter())) {
        slot.vsr = zerocopy::transmute!([*fpr, *vsr_low]);
    }
    for (saved, vr) in p.pcb_vec.vr.iter_mut().zip(v.vr.iter()) {
        *saved = words4(vr.to_ne_bytes());
    }
    // SAFETY: as in vector_from_pcb, the 8-byte FPSCR slot written as bits.
    unsafe { addr_of_mut!(p.pcb_fpu.fpscr).cast::<u64>().write(v.fpscr) };
    p.pcb_vec.vscr = v.vscr;
    p.pcb_vec.vrsave = v.vrsave;
}

/// The thread's state as the hooks want it: the trap frame, FP/vector state (flushed from the CPU) and
/// `orig_gpr3` (r3 at the last syscall entry, kept in `td_sa.args[0]`).
///
/// # Safety
/// `td` must be the current thread.
unsafe fn load_thread(td: *mut thread) -> Ppc64Thread {
    // SAFETY: the accessors return td's own frame, pcb and syscall arguments; TrapFrame is struct
    // trapframe (tests/layout.rs in freebsd-sys).
    unsafe {
        linux64_ppc64_fpvec_save(td);
        Ppc64Thread {
            frame: *linux64_td_frame(td).cast::<TrapFrame>(),
            vector: vector_from_pcb(&*linux64_td_pcb(td)),
            orig_gpr3: (*linux64_td_sa(td)).args[0] as u64,
        }
    }
}

/// Writes back what the hooks changed.
///
/// # Safety
/// `td` must be the current thread, `before` what [`load_thread`] returned.
unsafe fn store_thread(td: *mut thread, before: &Ppc64Thread, after: &Ppc64Thread) {
    // SAFETY: as in load_thread.
    unsafe {
        *linux64_td_frame(td).cast::<TrapFrame>() = after.frame;
        if after.vector != before.vector {
            vector_to_pcb(&after.vector, &mut *linux64_td_pcb(td));
            linux64_ppc64_fpvec_reload(
                td,
                c_int::from(after.vector.used.contains(UnitsUsed::FP)),
                c_int::from(after.vector.used.contains(UnitsUsed::VEC)),
            );
        }
    }
}

/// `sv_fetch_syscall_args`: number and arguments into `td_sa`, `callp` from the sysentvec's table.
///
/// # Safety
/// Called by the kernel for the current thread of a process under this sysentvec.
pub unsafe extern "C" fn fetch_syscall_args<const ABI: c_int>(td: *mut thread) -> c_int {
    // SAFETY: the accessors return td's own frame, syscall_args, retval and sysentvec.
    unsafe {
        let frame = linux64_td_frame(td).cast::<TrapFrame>();
        let mut a = SyscallArgs::default();
        linux64_ppc64_fetch_syscall_args(ABI, frame, &mut a);
        enter_syscall(td, a.code, a.args, (*frame).fixreg[4]);
    }
    0
}

/// `sv_set_syscall_retval`: `error` is FreeBSD's (0, ERESTART, EJUSTRETURN, errno), the value
/// `td_retval[0]`.
///
/// # Safety
/// Called by the kernel for the current thread after a system call.
pub unsafe extern "C" fn set_syscall_retval<const ABI: c_int>(td: *mut thread, error: c_int) {
    // SAFETY: the accessors return td's own frame, syscall_args and retval.
    unsafe {
        let (req, retval) = stored_syscall(td);
        let args = SyscallArgs { code: req.number, args: req.args };
        linux64_ppc64_set_syscall_retval(ABI, linux64_td_frame(td).cast(), &args, error, retval);
    }
}

/// `sv_set_fork_retval`: the child sees 0 and CR0.SO clear.
///
/// # Safety
/// Called by the kernel for the new thread of a forked process.
pub unsafe extern "C" fn set_fork_retval<const ABI: c_int>(td: *mut thread) {
    let args = SyscallArgs::default();
    // SAFETY: td's own frame.
    unsafe { linux64_ppc64_set_syscall_retval(ABI, linux64_td_frame(td).cast(), &args, 0, 0) };
}

/// `linux_set_upcall`, called by the MI clone code (linux_fork.c) on a new thread or a forked child
/// whose frame is a copy of the parent's at the `sc`: it returns 0 with CR0.SO clear (Linux
/// `copy_thread`), on `stack` when one is given.
///
/// # Safety
/// `td` must be the new thread, not yet running.
#[no_mangle]
pub unsafe extern "C" fn linux_set_upcall(td: *mut thread, stack: u64) -> c_int {
    use linux_core::hooks::ThreadHooks;
    let hooks =
        arch_ppc64::Ppc64::<zerocopy::NativeEndian>::new(arch_ppc64::FuncAbi::ElfV2, Ppc64Cpu::POWER9);
    // SAFETY: the caller guarantees td; its frame is its own and it does not run yet.
    let frame = unsafe { &mut *linux64_td_frame(td).cast::<TrapFrame>() };
    let mut t = Ppc64Thread { frame: *frame, ..Ppc64Thread::default() };
    hooks.set_fork_retval(&mut t.frame);
    hooks.clone_setregs(&mut t, (stack != 0).then_some(stack), None);
    *frame = t.frame;
    0
}

/// `linux_set_cloned_tls` (CLONE_SETTLS), called by the MI clone code: the TLS pointer goes into r13
/// as it is, as Linux does. FreeBSD's own `cpu_set_user_tls` adds its ABI's 0x7010 bias, which a Linux
/// program does not expect, so it is not used. Any value is accepted (r13 is a user register).
///
/// # Safety
/// `td` must be the new thread, not yet running.
#[no_mangle]
pub unsafe extern "C" fn linux_set_cloned_tls(td: *mut thread, desc: *mut c_void) -> c_int {
    use linux_core::hooks::ThreadHooks;
    let hooks =
        arch_ppc64::Ppc64::<zerocopy::NativeEndian>::new(arch_ppc64::FuncAbi::ElfV2, Ppc64Cpu::POWER9);
    // SAFETY: as in linux_set_upcall.
    let frame = unsafe { &mut *linux64_td_frame(td).cast::<TrapFrame>() };
    let mut t = Ppc64Thread { frame: *frame, ..Ppc64Thread::default() };
    hooks.clone_setregs(&mut t, None, Some(desc as u64));
    *frame = t.frame;
    0
}

/// `sv_setregs`: the registers of a new image; an unreadable ELFv1 entry descriptor kills the process.
///
/// # Safety
/// Called by the kernel during exec of the current thread.
pub unsafe extern "C" fn exec_setregs<const ABI: c_int>(
    td: *mut thread,
    imgp: *mut image_params,
    stack: usize,
) {
    // SAFETY: td is the exec'ing thread, imgp its image.
    unsafe {
        let before = load_thread(td);
        let mut t = before;
        let img = &*imgp;
        let r = linux64_ppc64_exec_setregs(ABI, &mut t, img.entry_addr, img.reloc_base, stack as u64);
        if r != 0 {
            linux64_sigexit(td, k::SIGSEGV as c_int);
        }
        store_thread(td, &before, &t);
    }
}

/// `sv_sendsig`: entered with the proc lock and ps_mtx held; drops both around the frame copyout.
///
/// # Safety
/// Called by the kernel for the current thread with a valid ksiginfo and mask.
pub unsafe extern "C" fn sendsig<const ABI: c_int>(
    catcher: Option<unsafe extern "C" fn(c_int)>,
    ksi: *mut ksiginfo,
    mask: *mut __sigset,
) {
    // SAFETY: the kernel passes valid pointers and runs this on the current thread.
    unsafe {
        let td = linux64_curthread();
        let info = &(*ksi).ksi_info;
        let bsd_sig = info.si_signo;
        let fault = [k::SIGSEGV, k::SIGBUS, k::SIGILL, k::SIGFPE, k::SIGTRAP].contains(&i64::from(bsd_sig));
        let mut lmask = l_sigset_t::default();
        bsd_to_linux_sigset(mask.cast::<sigset_t>(), &mut lmask);
        let ss = &*linux64_td_sigstk(td);
        let s = SignalArgs {
            signal: bsd_to_linux_signal(bsd_sig) as u32,
            code: linux_si_code(info.si_code),
            errno: info.si_errno,
            addr: if fault { info.si_addr as u64 } else { 0 },
            pid: info.si_pid,
            uid: info.si_uid,
            handler: catcher.map_or(0, |f| f as usize as u64),
            flags: linux64_sig_flags(td, bsd_sig),
            saved_mask: lmask.mask,
            ss_sp: ss.ss_sp as u64,
            ss_size: ss.ss_size,
            ss_flags: linux_ss_flags(ss.ss_flags),
            pad: 0,
            trampoline: crate::vdso::sigtramp(linux64_td_proc(td)),
        };
        let abi = abi_of(linux64_td_proc(td));
        debug_assert_eq!(abi, ABI);
        linux64_sendsig_unlock(td);
        let before = load_thread(td);
        let mut t = before;
        if linux64_ppc64_sendsig(abi, &mut t, &s) != 0 {
            linux64_sigexit(td, k::SIGILL as c_int);
        }
        store_thread(td, &before, &t);
        linux64_sendsig_lock(td);
    }
}

/// `rt_sigreturn` (172), the machine-dependent entry of the syscall table: restores the frame the
/// handler ran on, the signal mask, and returns EJUSTRETURN; a bad frame kills the process (SIGSEGV).
///
/// # Safety
/// Called by the syscall dispatcher for the current thread.
#[no_mangle]
pub unsafe extern "C" fn linux_rt_sigreturn(td: *mut thread, _args: *mut c_void) -> c_int {
    // SAFETY: td is the current thread.
    unsafe {
        let before = load_thread(td);
        let mut t = before;
        let mut out = SigreturnResult::default();
        if linux64_ppc64_sigreturn(abi_of(linux64_td_proc(td)), &mut t, &mut out) != 0 {
            linux64_sigexit(td, k::SIGSEGV as c_int);
        }
        store_thread(td, &before, &t);
        let mut l = l_sigset_t { mask: out.mask };
        let mut b: sigset_t = core::mem::zeroed();
        linux_to_bsd_sigset(&mut l, &mut b);
        kern_sigprocmask(td, k::SIG_SETMASK as c_int, &mut b, null_mut(), 0);
        // uc_stack becomes the alternate stack again, as Linux's restore_altstack does. Its errors are
        // ignored as Linux ignores all but EFAULT (the frame was read already): EPERM while still on
        // the stack, ENOMEM below MINSIGSTKSZ, EINVAL for unknown flags leave the old stack in place.
        let mut ss: stack_t = core::mem::zeroed();
        ss.ss_sp = out.ss_sp as usize as *mut c_void;
        ss.ss_size = out.ss_size;
        ss.ss_flags = bsd_ss_flags(out.ss_flags);
        let _ = kern_sigaltstack(td, &mut ss, null_mut());
    }
    k::EJUSTRETURN as c_int
}

/// Most entries [`linux64_arch_copyout_auxargs`] adds: ARCH_DLINFO's 14 (AT_IGNOREPPC twice, three cache
/// block sizes, AT_SYSINFO_EHDR, eight cache geometry entries), AT_HWCAP, AT_HWCAP2, AT_PLATFORM and
/// AT_BASE_PLATFORM.
pub const MD_AUXV_ENTRIES: usize = 18;
/// Entries the MI `linux64_copyout_auxargs` adds after the MD ones (AT_CLKTCK .. AT_MINSIGSTKSZ, AT_NULL).
pub const MI_AUXV_ENTRIES: usize = 18;
/// `LINUX_AT_COUNT`, the size of the array the MI code allocates (the generated `linux64_mi.h` defines it
/// for the MD `linux.h`).
pub const LINUX_AT_COUNT: usize = MD_AUXV_ENTRIES + MI_AUXV_ENTRIES;

/// The powerpc64 entries of the auxiliary vector, written at `*pos` (advanced past them): Linux's
/// `ARCH_DLINFO` (without AT_MINSIGSTKSZ, which the MI code adds from `sv_minsigstksz`), AT_HWCAP,
/// AT_HWCAP2, and AT_PLATFORM/AT_BASE_PLATFORM pointing at the CPU's name in the vdso data page. The MI
/// `linux64_copyout_auxargs` calls this first, into a kernel array of [`LINUX_AT_COUNT`] entries.
///
/// # Safety
/// `*pos` must point at [`MD_AUXV_ENTRIES`] writable `Elf64_Auxinfo` entries.
#[no_mangle]
pub unsafe extern "C" fn linux64_arch_copyout_auxargs(
    _imgp: *mut image_params,
    pos: *mut *mut Elf64_Auxinfo,
) {
    use linux_core::auxv::{AuxvBuilder, AT_BASE_PLATFORM, AT_HWCAP, AT_HWCAP2, AT_PLATFORM};
    use linux_core::exec::ExecImageInfo;
    use linux_core::hooks::ExecHooks;
    // SAFETY: written only at MOD_LOAD, before any exec under these sysentvecs.
    let (cpu, hwcap, hwcap2) = unsafe { (LINUX_CPU, LINUX_HWCAP, LINUX_HWCAP2) };
    let hooks = arch_ppc64::Ppc64::<zerocopy::NativeEndian>::new(arch_ppc64::FuncAbi::ElfV2, cpu);
    let info = ExecImageInfo { vdso_base: Some(crate::vdso::VDSO_BASE), ..ExecImageInfo::default() };
    let mut aux = AuxvBuilder::new();
    // A fixed number of entries into a builder with room for far more: cannot fail.
    let _ = hooks.arch_dlinfo(&info, &mut aux);
    let platform = crate::vdso::PLATFORM_ADDR;
    let extra =
        [(AT_HWCAP, hwcap), (AT_HWCAP2, hwcap2), (AT_PLATFORM, platform), (AT_BASE_PLATFORM, platform)];
    // SAFETY: the caller guarantees MD_AUXV_ENTRIES writable entries at *pos.
    unsafe { put_md_auxargs(pos, &aux, &extra, MD_AUXV_ENTRIES) };
}

/// `header_supported` of brand `IDX` of `arch_ppc64::BRANDS`: its e_flags rule (ELFv1 vs ELFv2).
///
/// # Safety
/// `imgp` must be an image being activated (its `image_header` holds the ELF header).
pub unsafe extern "C" fn header_supported<const IDX: usize>(
    imgp: *const image_params,
    _osrel: *const i32,
    _fctl0: *const u32,
) -> bool {
    let Some(brand) = arch_ppc64::BRANDS.get(IDX) else {
        return false;
    };
    // SAFETY: the image header is mapped while brands are looked at; read_unaligned for the field.
    let e_flags = unsafe {
        let hdr = (*imgp).image_header.cast::<Elf64_Ehdr>();
        if hdr.is_null() {
            return false;
        }
        addr_of!((*hdr).e_flags).read_unaligned()
    };
    brand.eflags.matches(e_flags)
}

#[cfg(all(test, not(target_os = "freebsd")))]
mod tests {
    use super::*;
    use crate::kpi::host::{FakeThread, BRANDS, CURTHREAD};
    use arch_ppc64::frame::CR0_SO;

    fn sv_v1() -> *mut sysentvec {
        addr_of_mut!(linux64_sysvec_ppc64_elfv1)
    }

    /// Each hook member of the three sysentvecs is the function that calls the arch-ppc64 entry point
    /// with the sysentvec's ABI, and each FreeBSD/MI member is the expected symbol.
    #[test]
    fn sysentvec_members_are_wired() {
        // SAFETY: reading the statics' function pointers; no test writes them.
        let (v1, v2, le) = unsafe {
            (
                &*addr_of!(linux64_sysvec_ppc64_elfv1),
                &*addr_of!(linux64_sysvec_ppc64_elfv2),
                &*addr_of!(linux64_sysvec_ppc64le),
            )
        };
        // Hook slots and functions are compared by address (fn pointers cast to data pointers).
        macro_rules! slot {
            ($slot:expr) => {
                $slot.map(|f| f as *const ())
            };
        }
        macro_rules! func {
            ($f:expr) => {
                Some($f as *const ())
            };
        }
        assert_eq!(slot!(v1.sv_fetch_syscall_args), func!(fetch_syscall_args::<ABI_ELFV1>));
        assert_eq!(slot!(v2.sv_fetch_syscall_args), func!(fetch_syscall_args::<ABI_ELFV2>));
        assert_eq!(slot!(le.sv_fetch_syscall_args), func!(fetch_syscall_args::<ABI_ELFV2>));
        assert_eq!(slot!(v1.sv_set_syscall_retval), func!(set_syscall_retval::<ABI_ELFV1>));
        assert_eq!(slot!(v2.sv_set_syscall_retval), func!(set_syscall_retval::<ABI_ELFV2>));
        for (sv, abi) in [(v1, ABI_ELFV1), (v2, ABI_ELFV2), (le, ABI_ELFV2)] {
            let (setregs, sendsig_fn) = if abi == ABI_ELFV1 {
                (func!(exec_setregs::<ABI_ELFV1>), func!(sendsig::<ABI_ELFV1>))
            } else {
                (func!(exec_setregs::<ABI_ELFV2>), func!(sendsig::<ABI_ELFV2>))
            };
            assert_eq!(slot!(sv.sv_setregs), setregs);
            assert_eq!(slot!(sv.sv_sendsig), sendsig_fn);
            assert_eq!(slot!(sv.sv_copyout_auxargs), func!(linux64_copyout_auxargs));
            assert_eq!(slot!(sv.sv_copyout_strings), func!(linux64_copyout_strings));
            assert_eq!(slot!(sv.sv_onexit), func!(linux_on_exit));
            assert_eq!(slot!(sv.sv_ontdexit), func!(linux_thread_dtor));
            assert_eq!(slot!(sv.sv_coredump), func!(elf64_coredump));
            assert_eq!(sv.sv_table, addr_of_mut!(linux_sysent).cast());
            assert_eq!(sv.sv_size, 451);
            assert_eq!(sv.sv_flags as i64 & 0xff, k::SV_ABI_LINUX);
            // The stack starts below the vdso mapping, which ends where FreeBSD's shared page begins.
            assert_eq!(sv.sv_usrstack, crate::vdso::MAP_BASE);
            assert_eq!(crate::vdso::MAP_BASE + crate::vdso::MAP_SIZE, k::SHAREDPAGE as u64);
            assert_eq!(sv.sv_psstrings, crate::vdso::MAP_BASE - 32);
            assert!(!sv.sv_hwcap.is_null() && !sv.sv_hwcap2.is_null());
        }
    }

    /// Calling through the table reaches arch-ppc64: r0/r3.. land in td_sa, the result in r3/CR0.SO.
    #[test]
    fn syscall_hooks_reach_the_arch_code() {
        let mut t = FakeThread::new(sv_v1());
        t.frame.fixreg[0] = 4; // write
        t.frame.fixreg[3] = 1;
        t.frame.fixreg[4] = 0x1000;
        t.frame.fixreg[5] = 5;
        t.frame.srr0 = 0x1000_0104;
        // SAFETY: the static's pointers are valid functions; `t` is a live fake thread.
        let sv = unsafe { &*addr_of!(linux64_sysvec_ppc64_elfv1) };
        // SAFETY: as above.
        unsafe {
            assert_eq!(sv.sv_fetch_syscall_args.unwrap()(t.td()), 0);
        }
        assert_eq!((t.sa.code, t.sa.args[0], t.sa.args[1], t.sa.args[2]), (4, 1, 0x1000, 5));
        // SAFETY: only the address is computed.
        assert_eq!(t.sa.callp, unsafe { sv.sv_table.add(4) });
        // A number past the table: nosys.
        t.frame.fixreg[0] = 9999;
        // SAFETY: as above.
        unsafe { sv.sv_fetch_syscall_args.unwrap()(t.td()) };
        assert_eq!(t.sa.callp, addr_of_mut!(crate::kpi::nosys_sysent));
        t.frame.fixreg[0] = 4;
        // SAFETY: as above.
        unsafe { sv.sv_fetch_syscall_args.unwrap()(t.td()) };
        t.retval[0] = 5;
        // SAFETY: as above.
        unsafe { sv.sv_set_syscall_retval.unwrap()(t.td(), 0) };
        assert_eq!((t.frame.fixreg[3], t.frame.cr as u64 & CR0_SO), (5, 0));
        // FreeBSD ENOENT (2) -> Linux ENOENT with CR0.SO set.
        // SAFETY: as above.
        unsafe { sv.sv_set_syscall_retval.unwrap()(t.td(), 2) };
        assert_eq!((t.frame.fixreg[3], t.frame.cr as u64 & CR0_SO), (2, CR0_SO));
        // Fork child: 0 and SO clear.
        // SAFETY: as above.
        unsafe { sv.sv_set_fork_retval.unwrap()(t.td()) };
        assert_eq!((t.frame.fixreg[3], t.frame.cr as u64 & CR0_SO), (0, 0));
    }

    /// sendsig drops and retakes the locks, writes a frame through copyout and points NIP at the
    /// trampoline; rt_sigreturn restores the frame and the mask.
    #[test]
    fn signal_hooks_round_trip() {
        use crate::kernel::host::USER;
        use linux_core::sim::Prot;
        USER.with(|m| m.borrow_mut().map(0x7fff_0000 - 0x10000, 0x10000, Prot::READ | Prot::WRITE));
        let mut t = FakeThread::new(addr_of_mut!(linux64_sysvec_ppc64_elfv2));
        t.frame.fixreg[1] = 0x7ffe_f000;
        t.frame.fixreg[9] = 99;
        t.frame.srr0 = 0x1000_0000;
        t.sig_flags = 4; // SA_SIGINFO
                         // An alternate stack is set up but the handler is not SA_ONSTACK: the frame goes on r1's stack
                         // and uc_stack records the alternate stack, which sigreturn sets again.
        t.sigstk.ss_sp = 0x5000_0000usize as *mut c_void;
        t.sigstk.ss_size = 0x8000;
        t.sigstk.ss_flags = 0;
        let before = t.frame;
        CURTHREAD.with(|c| c.set(&mut *t));
        // SAFETY: all-zero ksiginfo/sigset are valid.
        let mut ksi: ksiginfo = unsafe { core::mem::zeroed() };
        ksi.ksi_info.si_signo = 10;
        ksi.ksi_info.si_code = k::SI_USER as c_int;
        // SAFETY: as above.
        let mut mask: __sigset = unsafe { core::mem::zeroed() };
        mask.__bits[0] = 0x5;
        unsafe extern "C" fn handler(_: c_int) {}
        // SAFETY: the static's function pointer with valid arguments; curthread is `t`.
        unsafe {
            (*addr_of!(linux64_sysvec_ppc64_elfv2)).sv_sendsig.unwrap()(Some(handler), &mut ksi, &mut mask)
        };
        assert!(t.locked, "sendsig must return with the locks held again");
        assert_eq!(t.frame.fixreg[3], 10, "r3 = the Linux signal number");
        assert_eq!(t.frame.fixreg[12] as u64, handler as *const () as u64, "ELFv2: r12 = handler");
        assert_ne!(t.frame.fixreg[1], before.fixreg[1]);
        // The handler returns through the trampoline (`addi r1,r1,128; li r0,172; sc`).
        t.frame.fixreg[9] = 0;
        t.frame.fixreg[1] += 128;
        // SAFETY: `t` is live.
        assert_eq!(unsafe { linux_rt_sigreturn(t.td(), null_mut()) }, k::EJUSTRETURN as c_int);
        assert_eq!(t.frame.fixreg[9], 99);
        assert_eq!(t.frame.srr0, before.srr0);
        assert_eq!(t.sigmask, Some(0x5));
        assert_eq!(t.altstack, Some((0x5000_0000, 0x8000, 0)), "uc_stack restored as the alternate stack");
        CURTHREAD.with(|c| c.set(null_mut()));
    }

    /// A cloned thread returns 0 with CR0.SO clear on its own stack, its TLS pointer in r13 unbiased
    /// (not FreeBSD's +0x7010); everything else is the parent's frame.
    #[test]
    fn clone_upcall_and_tls_follow_linux() {
        let mut t = FakeThread::new(addr_of_mut!(linux64_sysvec_ppc64_elfv2));
        t.frame.fixreg[3] = 0x1234;
        t.frame.fixreg[1] = 0x7fff_0000;
        t.frame.fixreg[13] = 0x1111;
        t.frame.fixreg[20] = 20;
        t.frame.cr = CR0_SO as _;
        t.frame.srr0 = 0x1000_0abc;
        // SAFETY: `t` is live and not running.
        unsafe {
            assert_eq!(linux_set_upcall(t.td(), 0x6000_0000), 0);
            assert_eq!(linux_set_cloned_tls(t.td(), 0x7000_8000usize as *mut c_void), 0);
        }
        assert_eq!(t.frame.fixreg[3], 0);
        assert_eq!(t.frame.cr as u64 & CR0_SO, 0);
        assert_eq!(t.frame.fixreg[1], 0x6000_0000);
        assert_eq!(t.frame.fixreg[13], 0x7000_8000);
        assert_eq!((t.frame.fixreg[20], t.frame.srr0), (20, 0x1000_0abc));
        // No new stack: the parent's stack pointer stays.
        // SAFETY: as above.
        unsafe { linux_set_upcall(t.td(), 0) };
        assert_eq!(t.frame.fixreg[1], 0x6000_0000);
    }

    /// The MD auxv entries the MI copyout_auxargs asks for: ARCH_DLINFO as Linux/ppc64 writes it for
    /// the kernel's CPU, the hwcaps set at MOD_LOAD, AT_PLATFORM at the name in the data page, and no
    /// AT_MINSIGSTKSZ (the MI code adds it); never more than MD_AUXV_ENTRIES.
    #[test]
    fn arch_copyout_auxargs_writes_the_powerpc_entries() {
        use linux_core::auxv::*;
        let cpu = kernel_cpu();
        BRANDS.with(|b| b.borrow_mut().clear());
        assert_eq!(load(cpu), 0);
        // SAFETY: all-zero auxinfo entries are valid.
        let mut array: [Elf64_Auxinfo; LINUX_AT_COUNT] = unsafe { core::mem::zeroed() };
        let mut pos = array.as_mut_ptr();
        // SAFETY: LINUX_AT_COUNT >= MD_AUXV_ENTRIES writable entries.
        unsafe { linux64_arch_copyout_auxargs(null_mut(), &mut pos) };
        // SAFETY: both pointers are into `array`.
        let n = unsafe { pos.offset_from(array.as_ptr()) } as usize;
        assert_eq!(n, MD_AUXV_ENTRIES, "every MD entry fits, none beyond");
        // SAFETY: a_val is the integer view of every entry.
        let got: std::vec::Vec<(u64, u64)> =
            array[..n].iter().map(|e| (e.a_type as u64, unsafe { e.a_un.a_val } as u64)).collect();
        let get = |k: u64| got.iter().find(|e| e.0 == k).map(|e| e.1);
        let ignore = arch_ppc64::abi::AT_IGNOREPPC;
        assert_eq!(&got[..2], &[(ignore, ignore), (ignore, ignore)], "AT_IGNOREPPC twice first, as Linux");
        assert_eq!(get(arch_ppc64::abi::AT_DCACHEBSIZE), Some(128));
        assert_eq!(get(AT_SYSINFO_EHDR), Some(crate::vdso::VDSO_BASE));
        assert_eq!(get(AT_PLATFORM), Some(crate::vdso::PLATFORM_ADDR));
        assert_eq!(get(AT_BASE_PLATFORM), Some(crate::vdso::PLATFORM_ADDR));
        // SAFETY: set by load above.
        let (hwcap, hwcap2) = unsafe { (LINUX_HWCAP, LINUX_HWCAP2) };
        assert_eq!(get(AT_HWCAP), Some(hwcap));
        assert_eq!(get(AT_HWCAP2), Some(hwcap2));
        assert_eq!(hwcap2 & 0x4000_0000, 0, "no HTM advertised");
        assert_eq!(get(AT_MINSIGSTKSZ), None);
        assert_eq!(get(arch_ppc64::abi::AT_L1D_CACHESIZE), Some(32 * 1024), "AT_L1D_CACHESIZE of a POWER9");
        assert!(array[n..].iter().all(|e| e.a_type == 0), "nothing written past the MD entries");
        assert_eq!(unload(), 0);
    }

    #[test]
    fn brands_register_and_unload_refuses_while_in_use() {
        BRANDS.with(|b| b.borrow_mut().clear());
        assert_eq!(load(kernel_cpu()), 0);
        let interps: std::vec::Vec<_> = brands().iter().map(|b| interp_of(b).to_str().unwrap()).collect();
        assert_eq!(interps, ["/lib64/ld64.so.1", "/lib/ld-musl-powerpc64.so.1", "/lib64/ld64.so.2"]);
        // Every interpreter of the BE brands of arch_ppc64::BRANDS is covered, and LE's too.
        for b in &arch_ppc64::BRANDS[..2] {
            for i in core::iter::once(b.interpreter).chain(b.alt_interpreters.iter().copied()) {
                assert!(interps.contains(&i), "{i}");
            }
        }
        // SAFETY: reading the LE brand statics.
        let le: std::vec::Vec<_> =
            unsafe { (*addr_of!(BRANDS_LE)).iter().map(|b| interp_of(b).to_str().unwrap()).collect() };
        assert_eq!(le, ["/lib64/ld64.so.2", "/lib/ld-musl-powerpc64le.so.1"]);
        // SAFETY: reading AT_HWCAP after load; no other test writes it concurrently.
        let hwcap = unsafe { LINUX_HWCAP };
        assert_eq!(hwcap & 0x8000_0000, 0x8000_0000, "PPC_FEATURE_32 in AT_HWCAP? {hwcap:#x}");
        BRANDS.with(|b| b.borrow_mut()[1].1 = true);
        assert_eq!(unload(), k::EBUSY as c_int);
        BRANDS.with(|b| b.borrow_mut()[1].1 = false);
        assert_eq!(unload(), 0);
        assert!(BRANDS.with(|b| b.borrow().is_empty()));
    }

    #[test]
    fn header_supported_tells_elfv1_from_elfv2() {
        let mut ehdr = [0u8; 64];
        // SAFETY: all-zero image_params is valid.
        let mut img: image_params = unsafe { core::mem::zeroed() };
        img.image_header = ehdr.as_ptr().cast();
        for (flags, v1, v2) in [(0u32, true, false), (1, true, false), (2, false, true)] {
            ehdr[48..52].copy_from_slice(&flags.to_ne_bytes());
            img.image_header = ehdr.as_ptr().cast();
            // SAFETY: `img` points at a 64-byte header.
            let (a, b) = unsafe {
                (header_supported::<0>(&img, null(), null()), header_supported::<1>(&img, null(), null()))
            };
            assert_eq!((a, b), (v1, v2), "e_flags {flags}");
        }
    }

    #[test]
    fn pcb_conversion_round_trips() {
        // SAFETY: all-zero pcb is valid.
        let mut p: pcb = unsafe { core::mem::zeroed() };
        let mut v = VectorState::default();
        for i in 0..32 {
            v.fpr[i] = 0x1111_0000 + i as u64;
            v.vsr_low[i] = 0x2222_0000 + i as u64;
            v.vr[i] = 0x3333_0000_0000_0000_0000_0000_0000_0000 + i as u128;
        }
        v.fpscr = 0xfe;
        v.vscr = 0x10000;
        v.vrsave = 0xffff_ffff;
        vector_to_pcb(&v, &mut p);
        p.pcb_flags = (k::PCB_FPU | k::PCB_VEC | k::PCB_VSX) as c_int;
        v.used = UnitsUsed::FP | UnitsUsed::VEC | UnitsUsed::VSX;
        assert_eq!(vector_from_pcb(&p), v);
    }
}
