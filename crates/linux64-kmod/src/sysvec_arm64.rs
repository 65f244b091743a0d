//! The Linux/arm64 `struct sysentvec` and ELF brand, wired straight to the arch-arm64 hooks, and their
//! registration: the second architecture of the module, in one file.
//!
//! | ABI             | sysentvec               | brands (interpreter)                                        |
//! |-----------------|-------------------------|-------------------------------------------------------------|
//! | arm64 (little)  | `linux64_sysvec_arm64`  | `/lib/ld-linux-aarch64.so.1`, `/lib/ld-musl-aarch64.so.1`   |
//!
//! Each hook loads the thread's state ([`load_thread`]: the trap frame, which has FreeBSD's layout, the
//! FP/SIMD registers and TPIDR_EL0 through the C accessors), runs the arch-arm64 hook on it, and writes
//! back what changed ([`store_thread`]). The MD functions the MI Linuxulator calls (`linux_rt_sigreturn`,
//! `linux_set_upcall`, `linux_set_cloned_tls`, `linux64_arch_copyout_auxargs`) are exported under their C
//! names only in the arm64 kernel build; on the host they are tested as plain functions (the host build
//! exports the powerpc64 ones).
//!
//! FreeBSD's MI `sigaction` does not keep a Linux `sa_restorer`, so signal handlers always return through
//! the vdso's `__kernel_rt_sigreturn` (as FreeBSD's own arm64 Linuxulator does).

use crate::kernel::KernelUserMemory;
use crate::kpi::sys::kconst as k;
use crate::kpi::sys::{
    __sigset, image_params, ksiginfo, sigset_t, stack_t, sysentvec, thread, Elf64_Auxinfo, Elf64_Brandinfo,
};
use crate::kpi::*;
use crate::sysvec::*;
use arch_arm64::frame::{Arm64Thread, FpSimdState, TrapFrame};
use arch_arm64::{Arm64, Arm64Cpu};
use core::ffi::{c_int, c_void};
use core::ptr::{addr_of_mut, null, null_mut};
use linux_core::errno::FreeBsdErrno;
use linux_core::hooks::{ExecEntry, ExecHooks, SignalDelivery, SignalHooks, SyscallHooks, ThreadHooks};
use linux_core::signal::{AltStack, LinuxSignal, LinuxSigset, SaFlags, SigInfo, SigInfoFields};
use linux_core::syscall::SyscallOutcome;
use zerocopy::NativeEndian;

/// `LINUX_SYS_MAXSYSCALL`: the table covers every number of the Linux arm64 (asm-generic) table.
pub const LINUX_SYS_MAXSYSCALL: c_int = arch_arm64::syscall_table::ARM64_NR_MAX as c_int + 1;
/// Linux `MINSIGSTKSZ` on arm64 as the kernel enforces it (the frame arch-arm64 builds, rounded).
pub const LINUX_MINSIGSTKSZ: c_int = arch_arm64::signal::MIN_SIGSTKSZ as c_int;

/// `AT_HWCAP`/`AT_HWCAP2` the sysentvec reports (set at MOD_LOAD from the ID registers).
static mut LINUX_HWCAP: u64 = 0;
static mut LINUX_HWCAP2: u64 = 0;
/// The CPU the hooks describe (set at MOD_LOAD).
static mut LINUX_CPU: Arm64Cpu = Arm64Cpu::NEOVERSE_N1;
/// Size of the signal code in the shared page: none (the trampoline lives in the vdso).
static mut LINUX_SZSIGCODE: c_int = 0;

/// The hooks for the CPU found at MOD_LOAD.
fn hooks() -> Arm64<NativeEndian> {
    // SAFETY: written only at MOD_LOAD, before any process runs under this sysentvec.
    Arm64::new(unsafe { LINUX_CPU })
}

/// The sysentvec of Linux/arm64 programs (a C name: the module's C side declares it).
#[allow(non_upper_case_globals)]
#[cfg_attr(all(target_os = "freebsd", target_arch = "aarch64"), no_mangle)]
pub static mut linux64_sysvec_arm64: sysentvec = linux_sysentvec! {
    name: c"Linux ELF64 arm64",
    size: LINUX_SYS_MAXSYSCALL,
    minsigstksz: LINUX_MINSIGSTKSZ,
    sendsig: sendsig,
    setregs: exec_setregs,
    fetch_syscall_args: fetch_syscall_args,
    set_syscall_retval: set_syscall_retval,
    set_fork_retval: set_fork_retval,
    szsigcode: addr_of_mut!(LINUX_SZSIGCODE),
    hwcap: addr_of_mut!(LINUX_HWCAP).cast(),
    hwcap2: addr_of_mut!(LINUX_HWCAP2).cast(),
};

macro_rules! brand {
    ($interp:expr) => {
        Elf64_Brandinfo {
            brand: k::ELFOSABI_LINUX as c_int,
            machine: k::EM_AARCH64 as c_int,
            compat_3_brand: c"Linux".as_ptr(),
            interp_path: $interp.as_ptr(),
            sysvec: addr_of_mut!(linux64_sysvec_arm64),
            interp_newpath: null(),
            flags: (k::BI_CAN_EXEC_DYN | k::BI_BRAND_NOTE) as c_int,
            brand_note: addr_of_mut!(linux64_brandnote),
            header_supported: None,
        }
    };
}

/// The brands: glibc's and musl's interpreter (`arch_arm64::BRAND_ARM64`; any `e_flags`).
pub static mut BRANDS_ARM64: [Elf64_Brandinfo; 2] =
    [brand!(c"/lib/ld-linux-aarch64.so.1"), brand!(c"/lib/ld-musl-aarch64.so.1")];

/// The brands this module registers on arm64.
pub fn brands() -> &'static mut [Elf64_Brandinfo] {
    // SAFETY: the brand table is touched only by MOD_LOAD/MOD_UNLOAD, which the kernel serializes (and on
    // the host by one test at a time).
    unsafe { &mut *addr_of_mut!(BRANDS_ARM64) }
}

/// The CPU this kernel runs on, from the sanitized ID registers (what Linux derives AT_HWCAP from).
/// FreeBSD emulates EL0 `mrs` reads of them (`HWCAP_CPUID`).
pub fn kernel_cpu() -> Arm64Cpu {
    let mut r = Arm64IdRegs::default();
    // SAFETY: a writable local; the accessor reads only ID registers and a kernel global.
    unsafe { linux64_arm64_idregs(&mut r) };
    let [pfr0, pfr1] = r.pfr;
    let [isar0, isar1, isar2] = r.isar;
    let [mmfr0, mmfr1, mmfr2] = r.mmfr;
    Arm64Cpu {
        midr: r.midr,
        id_aa64pfr0: pfr0,
        id_aa64pfr1: pfr1,
        id_aa64isar0: isar0,
        id_aa64isar1: isar1,
        id_aa64isar2: isar2,
        id_aa64mmfr0: mmfr0,
        id_aa64mmfr1: mmfr1,
        id_aa64mmfr2: mmfr2,
        id_aa64zfr0: r.zfr0,
        id_aa64smfr0: r.smfr0,
        event_stream: r.event_stream != 0,
        mrs_emulation: true,
    }
}

/// MOD_LOAD: AT_HWCAP/AT_HWCAP2 from `cpu`, the vdso, the brands; on failure nothing stays registered.
pub fn load(cpu: Arm64Cpu) -> c_int {
    // SAFETY: MOD_LOAD runs before any process can use this sysentvec.
    unsafe { LINUX_CPU = cpu };
    let h = hooks();
    // SAFETY: as above.
    unsafe {
        LINUX_HWCAP = h.hwcap();
        LINUX_HWCAP2 = h.hwcap2().unwrap_or(0);
    }
    // SAFETY: exec_sysvec_init (SI_ORDER_FIRST) has set the sysentvec up; only read here.
    let timekeep = crate::vdso::timekeep_offset(unsafe { &*core::ptr::addr_of!(linux64_sysvec_arm64) });
    if !crate::vdso::install(&crate::vdso::arm64_data_page(timekeep)) {
        kprint(c"linux64: arm64 signal handlers will not be able to return (no vdso)\n");
    }
    register_brands(brands(), c"linux64: could not register the Linux/arm64 ELF brands\n")
}

/// MOD_UNLOAD: EBUSY while a process still runs under one of the brands, else removes them.
pub fn unload() -> c_int {
    unregister_brands(brands())
}

/// The thread's state as the hooks want it: the trap frame (FreeBSD's layout is arch-arm64's
/// `TrapFrame`), the FP/SIMD registers flushed from the CPU, and TPIDR_EL0.
///
/// # Safety
/// `td` must be the current thread (or a new one that does not run yet).
unsafe fn load_thread(td: *mut thread) -> Arm64Thread {
    let mut fp = Arm64FpSimd::default();
    // SAFETY: the accessors return td's own frame and pcb state; TrapFrame is struct trapframe (asserted
    // below against freebsd-sys's aarch64 layout).
    unsafe {
        linux64_arm64_fpsimd_get(td, &mut fp);
        Arm64Thread {
            frame: *linux64_td_frame(td).cast::<TrapFrame>(),
            fpsimd: FpSimdState { vregs: fp.vregs, fpsr: fp.fpsr, fpcr: fp.fpcr, used: fp.used != 0 },
            tpidr_el0: linux64_arm64_tpidr(td),
            ..Arm64Thread::default()
        }
    }
}

/// Writes back what the hooks changed (the frame always; FP/SIMD only when it changed).
///
/// # Safety
/// As [`load_thread`]; `before` is what it returned.
unsafe fn store_thread(td: *mut thread, before: &Arm64Thread, after: &Arm64Thread) {
    // SAFETY: as in load_thread.
    unsafe {
        *linux64_td_frame(td).cast::<TrapFrame>() = after.frame;
        if after.fpsimd != before.fpsimd {
            let f = &after.fpsimd;
            let regs =
                Arm64FpSimd { vregs: f.vregs, fpsr: f.fpsr, fpcr: f.fpcr, used: c_int::from(f.used), pad: 0 };
            linux64_arm64_fpsimd_set(td, &regs);
        }
    }
}

// FreeBSD/arm64's `struct trapframe` is arch-arm64's `TrapFrame`, field for field.
const _: () = {
    use core::mem::{offset_of, size_of};
    type B = freebsd_sys::aarch64::trapframe;
    assert!(size_of::<B>() == size_of::<TrapFrame>());
    assert!(offset_of!(B, tf_sp) == offset_of!(TrapFrame, tf_sp));
    assert!(offset_of!(B, tf_lr) == offset_of!(TrapFrame, tf_lr));
    assert!(offset_of!(B, tf_elr) == offset_of!(TrapFrame, tf_elr));
    assert!(offset_of!(B, tf_spsr) == offset_of!(TrapFrame, tf_spsr));
    assert!(offset_of!(B, tf_esr) == offset_of!(TrapFrame, tf_esr));
    assert!(offset_of!(B, tf_far) == offset_of!(TrapFrame, tf_far));
    assert!(offset_of!(B, tf_x) == offset_of!(TrapFrame, tf_x));
};

/// `sv_fetch_syscall_args`: the number from x8, the arguments from x0..x5, `callp` from the table.
///
/// # Safety
/// Called by the kernel for the current thread of a process under this sysentvec.
pub unsafe extern "C" fn fetch_syscall_args(td: *mut thread) -> c_int {
    // SAFETY: the accessors return td's own frame, syscall_args, retval and sysentvec.
    unsafe {
        let frame = &*linux64_td_frame(td).cast::<TrapFrame>();
        let req = hooks().fetch_syscall_args(frame);
        enter_syscall(td, req.number, req.args, frame.tf_x[1]);
    }
    0
}

/// `sv_set_syscall_retval`: x0 = the value or `-errno`; ERESTART backs the PC up to the `svc` with x0
/// as it was at entry (kept in `td_sa.args[0]`); EJUSTRETURN leaves the frame alone.
///
/// # Safety
/// Called by the kernel for the current thread after a system call.
pub unsafe extern "C" fn set_syscall_retval(td: *mut thread, error: c_int) {
    // SAFETY: the accessors return td's own frame, syscall_args and retval.
    unsafe {
        let (req, retval) = stored_syscall(td);
        let frame = &mut *linux64_td_frame(td).cast::<TrapFrame>();
        hooks().set_syscall_retval(frame, &req, SyscallOutcome::from_freebsd(FreeBsdErrno(error), retval));
    }
}

/// `sv_set_fork_retval`: the child of fork/vfork sees 0 in x0.
///
/// # Safety
/// Called by the kernel for the new thread of a forked process.
pub unsafe extern "C" fn set_fork_retval(td: *mut thread) {
    // SAFETY: td's own frame; the thread does not run yet.
    unsafe { hooks().set_fork_retval(&mut *linux64_td_frame(td).cast::<TrapFrame>()) };
}

/// `sv_setregs`: the registers of a new image (x0..x30 zero, sp, pc = entry, EL0 PSTATE, clean FP/SIMD);
/// a stack the hook refuses kills the process.
///
/// # Safety
/// Called by the kernel during exec of the current thread.
pub unsafe extern "C" fn exec_setregs(td: *mut thread, imgp: *mut image_params, stack: usize) {
    // SAFETY: td is the exec'ing thread, imgp its image.
    unsafe {
        let before = load_thread(td);
        let mut t = before;
        let img = &*imgp;
        let entry = ExecEntry { entry: img.entry_addr, reloc_base: img.reloc_base };
        let stack = linux_core::exec::InitialStack { sp: stack as u64, ..Default::default() };
        if hooks().exec_setregs(&mut t, &KernelUserMemory, &entry, &stack).is_err() {
            linux64_sigexit(td, k::SIGSEGV as c_int);
        }
        store_thread(td, &before, &t);
    }
}

/// What a FreeBSD signal becomes for the arm64 hooks: the Linux number, siginfo, handler, flags, the mask
/// to restore and the alternate stack; `None` for a signal Linux does not have.
///
/// # Safety
/// `td` is the current thread with ps_mtx held; `ksi` and `mask` are the kernel's.
unsafe fn delivery(
    td: *mut thread,
    catcher: Option<unsafe extern "C" fn(c_int)>,
    ksi: *mut ksiginfo,
    mask: *mut __sigset,
) -> Option<SignalDelivery> {
    // SAFETY: the kernel passes valid pointers; td_sigstk is td's own.
    unsafe {
        let info = &(*ksi).ksi_info;
        let bsd_sig = info.si_signo;
        let signal = LinuxSignal::new(u64::try_from(bsd_to_linux_signal(bsd_sig)).ok()?)?;
        let fault = [k::SIGSEGV, k::SIGBUS, k::SIGILL, k::SIGFPE, k::SIGTRAP].contains(&i64::from(bsd_sig));
        let fields = if fault {
            SigInfoFields::Fault { addr: info.si_addr as u64 }
        } else {
            SigInfoFields::Kill { pid: info.si_pid, uid: info.si_uid }
        };
        let mut lmask = l_sigset_t::default();
        bsd_to_linux_sigset(mask.cast::<sigset_t>(), &mut lmask);
        let ss = &*linux64_td_sigstk(td);
        Some(SignalDelivery {
            signal,
            info: SigInfo {
                signo: i32::from(signal.get()),
                errno: info.si_errno,
                code: linux_si_code(info.si_code),
                fields,
            },
            handler: catcher.map_or(0, |f| f as usize as u64),
            // SA_RESTORER never: FreeBSD does not keep the restorer (see the module comment).
            flags: SaFlags::from_bits_retain(linux64_sig_flags(td, bsd_sig)).difference(SaFlags::SA_RESTORER),
            saved_mask: LinuxSigset(lmask.mask),
            altstack: AltStack { sp: ss.ss_sp as u64, size: ss.ss_size, flags: linux_ss_flags(ss.ss_flags) },
            trampoline: crate::vdso::sigtramp(linux64_td_proc(td)),
        })
    }
}

/// `sv_sendsig`: entered with the proc lock and ps_mtx held; drops both around the frame copyout. A
/// frame that cannot be written kills the process with SIGILL, as Linux's `force_sigsegv` path does
/// for an unwritable stack (FreeBSD's own sendsig uses SIGILL).
///
/// # Safety
/// Called by the kernel for the current thread with a valid ksiginfo and mask.
pub unsafe extern "C" fn sendsig(
    catcher: Option<unsafe extern "C" fn(c_int)>,
    ksi: *mut ksiginfo,
    mask: *mut __sigset,
) {
    // SAFETY: the kernel passes valid pointers and runs this on the current thread.
    unsafe {
        let td = linux64_curthread();
        let Some(d) = delivery(td, catcher, ksi, mask) else {
            linux64_sigexit(td, k::SIGILL as c_int);
        };
        linux64_sendsig_unlock(td);
        let before = load_thread(td);
        let mut t = before;
        if hooks().sendsig(&mut t, &mut KernelUserMemory, &d).is_err() {
            linux64_sigexit(td, k::SIGILL as c_int);
        }
        store_thread(td, &before, &t);
        linux64_sendsig_lock(td);
    }
}

/// `rt_sigreturn` (139): restores the frame the handler ran on after validating its record list and
/// PSTATE (user mode only), the signal mask and the alternate stack, and returns EJUSTRETURN; a bad
/// frame kills the process with SIGSEGV and changes nothing.
///
/// # Safety
/// Called by the syscall dispatcher for the current thread.
#[cfg_attr(all(target_os = "freebsd", target_arch = "aarch64"), no_mangle)]
pub unsafe extern "C" fn linux_rt_sigreturn(td: *mut thread, _args: *mut c_void) -> c_int {
    // SAFETY: td is the current thread.
    if unsafe { sigreturn(td) }.is_err() {
        // SAFETY: as above.
        unsafe { linux64_sigexit(td, k::SIGSEGV as c_int) };
    }
    k::EJUSTRETURN as c_int
}

/// The work of [`linux_rt_sigreturn`]: the thread's state is replaced only when the whole frame is
/// valid; otherwise the error, with nothing changed.
///
/// # Safety
/// `td` must be the current thread.
unsafe fn sigreturn(td: *mut thread) -> Result<(), linux_core::LinuxErrno> {
    // SAFETY: td is the current thread.
    unsafe {
        let before = load_thread(td);
        let mut t = before;
        let out = hooks().sigreturn(&mut t, &KernelUserMemory)?;
        store_thread(td, &before, &t);
        let mut l = l_sigset_t { mask: out.mask.0 };
        let mut b: sigset_t = core::mem::zeroed();
        linux_to_bsd_sigset(&mut l, &mut b);
        kern_sigprocmask(td, k::SIG_SETMASK as c_int, &mut b, null_mut(), 0);
        // uc_stack becomes the alternate stack again; errors ignored as Linux's restore_altstack does.
        let mut ss: stack_t = core::mem::zeroed();
        ss.ss_sp = out.altstack.sp as usize as *mut c_void;
        ss.ss_size = out.altstack.size;
        ss.ss_flags = bsd_ss_flags(out.altstack.flags);
        let _ = kern_sigaltstack(td, &mut ss, null_mut());
    }
    Ok(())
}

/// `linux_set_upcall` (MI clone code): the new thread or child returns 0 in x0, on `stack` if given.
///
/// # Safety
/// `td` must be the new thread, not yet running.
#[cfg_attr(all(target_os = "freebsd", target_arch = "aarch64"), no_mangle)]
pub unsafe extern "C" fn linux_set_upcall(td: *mut thread, stack: u64) -> c_int {
    let h = hooks();
    // SAFETY: td's own frame; it does not run yet.
    let frame = unsafe { &mut *linux64_td_frame(td).cast::<TrapFrame>() };
    let mut t = Arm64Thread { frame: *frame, ..Arm64Thread::default() };
    h.set_fork_retval(&mut t.frame);
    h.clone_setregs(&mut t, (stack != 0).then_some(stack), None);
    *frame = t.frame;
    0
}

/// `linux_set_cloned_tls` (CLONE_SETTLS): TPIDR_EL0 = `desc` through FreeBSD's `cpu_set_user_tls`
/// (arm64 has no bias); a kernel address is EPERM, as FreeBSD's own arm64 Linuxulator answers.
///
/// # Safety
/// `td` must be the new thread, not yet running.
#[cfg_attr(all(target_os = "freebsd", target_arch = "aarch64"), no_mangle)]
pub unsafe extern "C" fn linux_set_cloned_tls(td: *mut thread, desc: *mut c_void) -> c_int {
    if desc as u64 >= k::VM_MAXUSER_ADDRESS as u64 {
        return k::EPERM as c_int;
    }
    // SAFETY: td is the new thread; cpu_set_user_tls writes its pcb (and the register if it is curthread).
    unsafe { cpu_set_user_tls(td, desc, 0) }
}

/// Most entries [`linux64_arch_copyout_auxargs`] adds: AT_SYSINFO_EHDR, AT_HWCAP, AT_HWCAP2,
/// AT_PLATFORM.
pub const MD_AUXV_ENTRIES: usize = 4;

/// The arm64 entries of the auxiliary vector at `*pos` (advanced past them): Linux's `ARCH_DLINFO`
/// (AT_SYSINFO_EHDR; AT_MINSIGSTKSZ is the MI code's), AT_HWCAP, AT_HWCAP2 and AT_PLATFORM ("aarch64"
/// in the vdso data page).
///
/// # Safety
/// `*pos` must point at [`MD_AUXV_ENTRIES`] writable `Elf64_Auxinfo` entries.
#[cfg_attr(all(target_os = "freebsd", target_arch = "aarch64"), no_mangle)]
pub unsafe extern "C" fn linux64_arch_copyout_auxargs(
    _imgp: *mut image_params,
    pos: *mut *mut Elf64_Auxinfo,
) {
    use linux_core::auxv::{AuxvBuilder, AT_HWCAP, AT_HWCAP2, AT_PLATFORM};
    use linux_core::exec::ExecImageInfo;
    // SAFETY: written only at MOD_LOAD.
    let (hwcap, hwcap2) = unsafe { (LINUX_HWCAP, LINUX_HWCAP2) };
    let info = ExecImageInfo { vdso_base: Some(crate::vdso::VDSO_BASE), ..ExecImageInfo::default() };
    let mut aux = AuxvBuilder::new();
    // A fixed number of entries into a builder with room for far more: cannot fail.
    let _ = hooks().arch_dlinfo(&info, &mut aux);
    let extra = [(AT_HWCAP, hwcap), (AT_HWCAP2, hwcap2), (AT_PLATFORM, crate::vdso::PLATFORM_ADDR)];
    // SAFETY: the caller guarantees MD_AUXV_ENTRIES writable entries at *pos.
    unsafe { put_md_auxargs(pos, &aux, &extra, MD_AUXV_ENTRIES) };
}

#[cfg(all(test, not(target_os = "freebsd")))]
mod tests {
    use super::*;
    use crate::kernel::host::USER;
    use crate::kpi::host::{FakeThread, BRANDS, CURTHREAD};
    use linux_core::sim::Prot;

    /// The host FakeThread's frame storage is powerpc64's trapframe; the arm64 hooks see its first 288
    /// bytes as FreeBSD/arm64's, which fits.
    fn arm(t: &mut FakeThread) -> &mut TrapFrame {
        const { assert!(core::mem::size_of::<crate::kpi::sys::trapframe>() >= core::mem::size_of::<TrapFrame>()) };
        // SAFETY: large enough (above), 8-aligned plain words, owned by `t`.
        unsafe { &mut *core::ptr::addr_of_mut!(t.frame).cast::<TrapFrame>() }
    }

    fn sv() -> *mut sysentvec {
        addr_of_mut!(linux64_sysvec_arm64)
    }

    #[test]
    fn sysentvec_members_are_wired() {
        // SAFETY: reading the static; no test writes it.
        let v = unsafe { &*core::ptr::addr_of!(linux64_sysvec_arm64) };
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
        assert_eq!(slot!(v.sv_fetch_syscall_args), func!(fetch_syscall_args));
        assert_eq!(slot!(v.sv_set_syscall_retval), func!(set_syscall_retval));
        assert_eq!(slot!(v.sv_setregs), func!(exec_setregs));
        assert_eq!(slot!(v.sv_sendsig), func!(sendsig));
        assert_eq!(slot!(v.sv_set_fork_retval), func!(set_fork_retval));
        assert_eq!(slot!(v.sv_onexec), func!(onexec));
        assert_eq!(slot!(v.sv_copyout_auxargs), func!(linux64_copyout_auxargs));
        assert_eq!(v.sv_size, 451, "every asm-generic number up to 450");
        assert_eq!(v.sv_minsigstksz, LINUX_MINSIGSTKSZ);
        assert_eq!(v.sv_flags as i64 & 0xff, k::SV_ABI_LINUX);
        assert_eq!(v.sv_usrstack, crate::vdso::MAP_BASE);
        for b in brands().iter() {
            assert_eq!(b.machine, k::EM_AARCH64 as c_int);
            assert_eq!(b.sysvec, sv());
        }
        let interps: std::vec::Vec<_> = brands().iter().map(|b| interp_of(b).to_str().unwrap()).collect();
        let brand = &arch_arm64::BRANDS[0];
        let expected: std::vec::Vec<_> =
            core::iter::once(brand.interpreter).chain(brand.alt_interpreters.iter().copied()).collect();
        assert_eq!(interps, expected);
    }

    /// x8 is the number, x0..x5 the arguments; the result goes to x0 as a value or -errno; ERESTART backs
    /// the PC up to the `svc` with x0 as it was at entry.
    #[test]
    fn syscall_hooks_follow_the_svc_convention() {
        let mut t = FakeThread::new(sv());
        {
            let f = arm(&mut t);
            f.tf_x[8] = 63; // read
            f.tf_x[..6].copy_from_slice(&[3, 0x1000, 64, 4, 5, 6]);
            f.tf_elr = 0x40_0104;
        }
        // SAFETY: `t` is live.
        assert_eq!(unsafe { fetch_syscall_args(t.td()) }, 0);
        assert_eq!(t.sa.code, 63);
        assert_eq!(&t.sa.args[..6], &[3, 0x1000, 64, 4, 5, 6]);
        t.retval[0] = 17;
        // SAFETY: as above.
        unsafe { set_syscall_retval(t.td(), 0) };
        assert_eq!(arm(&mut t).tf_x[0], 17);
        // SAFETY: as above.
        unsafe { set_syscall_retval(t.td(), k::EINVAL as c_int) };
        assert_eq!(arm(&mut t).tf_x[0] as i64, -22);
        arm(&mut t).tf_x[0] = 99;
        // SAFETY: as above.
        unsafe { set_syscall_retval(t.td(), k::ERESTART as c_int) };
        assert_eq!(
            (arm(&mut t).tf_x[0], arm(&mut t).tf_elr),
            (3, 0x40_0100),
            "restart: x0 from entry, pc at svc"
        );
        // SAFETY: as above.
        unsafe { set_fork_retval(t.td()) };
        assert_eq!(arm(&mut t).tf_x[0], 0);
    }

    /// sendsig writes the arm64 rt_sigframe through copyout and enters the handler with the vdso
    /// trampoline in x30; rt_sigreturn gives back every register, the FP/SIMD state, the mask and the
    /// alternate stack.
    #[test]
    fn signal_hooks_round_trip() {
        USER.with(|m| m.borrow_mut().map(0x7fff_0000 - 0x20000, 0x20000, Prot::READ | Prot::WRITE));
        let mut t = FakeThread::new(sv());
        {
            let f = arm(&mut t);
            for (i, x) in f.tf_x.iter_mut().enumerate() {
                *x = 0x1000 + i as u64;
            }
            f.tf_lr = 0x4242;
            f.tf_sp = 0x7ffe_f000;
            f.tf_elr = 0x40_0abc;
            f.tf_spsr = 0x2000_0000; // EL0t, C flag
        }
        t.fpsimd.vregs[7] = 0x7777_0000_0000_0000_0000_0000_0000_0007;
        t.fpsimd.fpcr = 0x0300_0000;
        t.fpsimd.used = 1;
        t.sig_flags = 4; // SA_SIGINFO
        t.sigstk.ss_sp = 0x5000_0000usize as *mut c_void;
        t.sigstk.ss_size = 0x8000;
        let before = *arm(&mut t);
        let fp_before = t.fpsimd;
        CURTHREAD.with(|c| c.set(&mut *t));
        // SAFETY: all-zero ksiginfo/sigset are valid.
        let mut ksi: ksiginfo = unsafe { core::mem::zeroed() };
        ksi.ksi_info.si_signo = 10;
        ksi.ksi_info.si_code = k::SI_USER as c_int;
        // SAFETY: as above.
        let mut mask: __sigset = unsafe { core::mem::zeroed() };
        mask.__bits[0] = 0x5;
        unsafe extern "C" fn handler(_: c_int) {}
        // SAFETY: curthread is `t`; valid arguments.
        unsafe { sendsig(Some(handler), &mut ksi, &mut mask) };
        assert!(t.locked, "sendsig returns with the locks held again");
        let f = *arm(&mut t);
        assert_eq!(f.tf_x[0], 10, "x0 = the Linux signal number");
        assert_eq!(f.tf_elr, handler as *const () as u64);
        assert_eq!(
            f.tf_lr,
            crate::vdso::VDSO_BASE + crate::vdso::image().sigtramp,
            "returns through the vdso"
        );
        assert_eq!(f.tf_sp % 16, 0);
        assert!(f.tf_sp < before.tf_sp);
        // The handler scribbles on registers; sigreturn (sp unchanged, as the trampoline runs) restores.
        arm(&mut t).tf_x[5] = 0xdead;
        t.fpsimd.vregs[7] = 0;
        // SAFETY: `t` is live.
        assert_eq!(unsafe { linux_rt_sigreturn(t.td(), null_mut()) }, k::EJUSTRETURN as c_int);
        assert_eq!(*arm(&mut t), TrapFrame { tf_esr: 0, tf_far: 0, ..before });
        assert_eq!(t.fpsimd, fp_before);
        assert_eq!(t.sigmask, Some(0x5));
        assert_eq!(t.altstack, Some((0x5000_0000, 0x8000, 0)));
        CURTHREAD.with(|c| c.set(null_mut()));
    }

    /// A frame whose saved PSTATE would return to EL1, or with no valid record list, is refused and the
    /// thread keeps its registers, FP/SIMD state, mask and alternate stack.
    #[test]
    fn sigreturn_refuses_a_bad_frame_and_changes_nothing() {
        USER.with(|m| m.borrow_mut().map(0x6ffe_0000, 0x20000, Prot::READ | Prot::WRITE));
        let mut t = FakeThread::new(sv());
        arm(&mut t).tf_sp = 0x6fff_8000;
        arm(&mut t).tf_x[3] = 3;
        t.fpsimd.vregs[1] = 1;
        t.fpsimd.used = 1;
        CURTHREAD.with(|c| c.set(&mut *t));
        // SAFETY: all-zero ksiginfo/sigset are valid.
        let mut ksi: ksiginfo = unsafe { core::mem::zeroed() };
        ksi.ksi_info.si_signo = 10;
        // SAFETY: as above.
        let mut mask: __sigset = unsafe { core::mem::zeroed() };
        unsafe extern "C" fn handler(_: c_int) {}
        // SAFETY: curthread is `t`.
        unsafe { sendsig(Some(handler), &mut ksi, &mut mask) };
        let frame_sp = arm(&mut t).tf_sp;
        let pstate = frame_sp + vdso_arm64::SIGFRAME.sigcontext + vdso_arm64::SIGFRAME.pc + 8;
        // The first record of __reserved is the fpsimd one: zeroing its header breaks the record list.
        let first_record = frame_sp + vdso_arm64::SIGFRAME.sigcontext + vdso_arm64::SIGFRAME.reserved;
        for (what, addr, bytes) in
            [("EL1h PSTATE", pstate, 5u64.to_le_bytes()), ("no record list", first_record, [0; 8])]
        {
            let original = USER.with(|m| m.borrow().peek(addr, 8)).unwrap();
            assert!(USER.with(|m| m.borrow_mut().poke(addr, &bytes)));
            let before = *arm(&mut t);
            let fp_before = t.fpsimd;
            t.sigmask = None;
            t.altstack = None;
            // SAFETY: `t` is live.
            assert!(unsafe { sigreturn(t.td()) }.is_err(), "{what} refused");
            assert_eq!(*arm(&mut t), before, "{what}: registers unchanged");
            assert_eq!(t.fpsimd, fp_before, "{what}: FP/SIMD unchanged");
            assert_eq!((t.sigmask, t.altstack), (None, None), "{what}: mask and altstack unchanged");
            assert!(USER.with(|m| m.borrow_mut().poke(addr, &original)));
        }
        // The control: the same frame, repaired, is accepted.
        // SAFETY: `t` is live.
        assert!(unsafe { sigreturn(t.td()) }.is_ok());
        assert_eq!((arm(&mut t).tf_x[3], t.fpsimd.vregs[1]), (3, 1));
        CURTHREAD.with(|c| c.set(null_mut()));
    }

    #[test]
    fn clone_upcall_and_tls() {
        let mut t = FakeThread::new(sv());
        arm(&mut t).tf_x[0] = 0x55;
        arm(&mut t).tf_sp = 0x7000_0000;
        // SAFETY: `t` is live and not running.
        unsafe {
            assert_eq!(linux_set_upcall(t.td(), 0x6000_0000), 0);
            assert_eq!(linux_set_cloned_tls(t.td(), 0x7000_8000usize as *mut c_void), 0);
            assert_eq!(
                linux_set_cloned_tls(t.td(), usize::MAX as *mut c_void),
                k::EPERM as c_int,
                "a kernel address is refused"
            );
        }
        assert_eq!((arm(&mut t).tf_x[0], arm(&mut t).tf_sp), (0, 0x6000_0000));
        assert_eq!(t.tpidr_el0, 0x7000_8000);
    }

    #[test]
    fn load_describes_the_cpu_and_auxargs_report_it() {
        use linux_core::auxv::{AT_HWCAP, AT_HWCAP2, AT_PLATFORM, AT_SYSINFO_EHDR};
        let cpu = kernel_cpu();
        assert_eq!(cpu, Arm64Cpu::NEOVERSE_N1, "the host fake's ID registers are a Neoverse N1's");
        BRANDS.with(|b| b.borrow_mut().clear());
        assert_eq!(load(cpu), 0);
        // SAFETY: set by load.
        let (hwcap, hwcap2) = unsafe { (LINUX_HWCAP, LINUX_HWCAP2) };
        assert_eq!(hwcap, Arm64::<NativeEndian>::new(Arm64Cpu::NEOVERSE_N1).hwcap());
        // SAFETY: all-zero entries are valid.
        let mut array: [Elf64_Auxinfo; 8] = unsafe { core::mem::zeroed() };
        let mut pos = array.as_mut_ptr();
        // SAFETY: 8 >= MD_AUXV_ENTRIES writable entries.
        unsafe { linux64_arch_copyout_auxargs(null_mut(), &mut pos) };
        // SAFETY: both in `array`.
        let n = unsafe { pos.offset_from(array.as_ptr()) } as usize;
        assert_eq!(n, MD_AUXV_ENTRIES);
        // SAFETY: a_val is the integer view of every entry.
        let got: std::vec::Vec<(u64, u64)> =
            array[..n].iter().map(|e| (e.a_type as u64, unsafe { e.a_un.a_val } as u64)).collect();
        assert_eq!(
            got,
            [
                (AT_SYSINFO_EHDR, crate::vdso::VDSO_BASE),
                (AT_HWCAP, hwcap),
                (AT_HWCAP2, hwcap2),
                (AT_PLATFORM, crate::vdso::PLATFORM_ADDR)
            ]
        );
        BRANDS.with(|b| b.borrow_mut()[0].1 = true);
        assert_eq!(unload(), k::EBUSY as c_int);
        BRANDS.with(|b| b.borrow_mut()[0].1 = false);
        assert_eq!(unload(), 0);
    }
}
