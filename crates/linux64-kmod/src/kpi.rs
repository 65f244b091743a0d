//! Everything the module glue calls outside itself, in one place:
//!
//! - the FreeBSD KPI, from `freebsd-sys` (bindgen over the kernel headers; [`sys`]);
//! - the accessors of `c/linux64_accessors.c`, which reach `struct thread`/`struct proc` fields
//!   (their layout depends on kernel options, so Rust never computes their offsets);
//! - the machine-independent Linuxulator (`sys/compat/linux`, module `linux_common` and the MI objects
//!   linked into linux64.ko when a FreeBSD source tree is available): signal-number and sigset translation
//!   and the sysentvec members FreeBSD implements in MI code.
//!
//! On the host (tests) the same names are Rust fakes over a [`host::FakeThread`], so the sysentvec
//! hooks can be called exactly as the kernel calls them.

#![allow(non_camel_case_types, non_upper_case_globals)]

/// The KPI types and functions of the architecture the glue is built for (host: powerpc64).
#[cfg(target_os = "freebsd")]
pub use freebsd_sys::native as sys;
/// The KPI types and functions of the architecture the glue is built for (host: powerpc64).
#[cfg(not(target_os = "freebsd"))]
pub use freebsd_sys::powerpc64 as sys;

use core::ffi::{c_char, c_int};
use sys::{image_params, proc_, sysent, thread};

/// Linux `l_sigset_t` on 64-bit arches (`LINUX_NSIG` = 64: one word).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct l_sigset_t {
    /// Bit n-1 = signal n.
    pub mask: u64,
}

/// `struct linux64_fpsimd` of c/linux64_glue.h: a thread's FP/SIMD registers as the arm64 accessors
/// exchange them (the C side asserts the same size and offsets).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Arm64FpSimd {
    /// V0..V31.
    pub vregs: [u128; 32],
    /// FPSR.
    pub fpsr: u32,
    /// FPCR.
    pub fpcr: u32,
    /// Nonzero when the thread has used the unit (`PCB_FP_STARTED`).
    pub used: i32,
    /// Padding.
    pub pad: u32,
}
const _: () = assert!(core::mem::size_of::<Arm64FpSimd>() == 528);
const _: () = assert!(core::mem::offset_of!(Arm64FpSimd, fpsr) == 512);
const _: () = assert!(core::mem::offset_of!(Arm64FpSimd, used) == 520);

/// `struct linux64_arm64_idregs` of c/linux64_glue.h: the sanitized ID registers AT_HWCAP comes from.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Arm64IdRegs {
    /// `MIDR_EL1`.
    pub midr: u64,
    /// `ID_AA64PFR0_EL1`, `ID_AA64PFR1_EL1`.
    pub pfr: [u64; 2],
    /// `ID_AA64ISAR0_EL1` .. `ID_AA64ISAR2_EL1`.
    pub isar: [u64; 3],
    /// `ID_AA64MMFR0_EL1` .. `ID_AA64MMFR2_EL1`.
    pub mmfr: [u64; 3],
    /// `ID_AA64ZFR0_EL1`.
    pub zfr0: u64,
    /// `ID_AA64SMFR0_EL1` (0: FreeBSD does not expose SME).
    pub smfr0: u64,
    /// Nonzero when the timer event stream is on (FreeBSD `elf_hwcap & HWCAP_EVTSTRM`).
    pub event_stream: u64,
}
const _: () = assert!(core::mem::size_of::<Arm64IdRegs>() == 12 * 8);

#[cfg(target_os = "freebsd")]
pub use kernel_side::*;

#[cfg(target_os = "freebsd")]
mod kernel_side {
    use super::*;
    use sys::{pcb, stack_t, syscall_args, sysentvec, trapframe};

    pub use sys::{
        cpu_set_user_tls, elf64_brand_inuse, elf64_insert_brand_entry, elf64_remove_brand_entry, free,
        kern_sigaltstack, kern_sigprocmask, malloc, malloc_aligned, malloc_type, nosys_sysent, printf,
    };

    /// Prints a fixed message on the console (`printf(9)`).
    pub fn kprint(msg: &core::ffi::CStr) {
        // black_box: LLVM would otherwise turn printf("%s", "...\n") into puts(), which the kernel lacks.
        let fmt = core::hint::black_box(c"%s".as_ptr());
        // SAFETY: "%s" with one NUL-terminated string is a valid printf(9) call.
        unsafe { printf(fmt, msg.as_ptr()) };
    }

    extern "C" {
        // c/linux64_accessors.c
        /// `curthread`.
        pub fn linux64_curthread() -> *mut thread;
        /// `td->td_proc`.
        pub fn linux64_td_proc(td: *mut thread) -> *mut proc_;
        /// `td->td_frame`.
        pub fn linux64_td_frame(td: *mut thread) -> *mut trapframe;
        /// `&td->td_sa`.
        pub fn linux64_td_sa(td: *mut thread) -> *mut syscall_args;
        /// `td->td_retval` (two words).
        pub fn linux64_td_retval(td: *mut thread) -> *mut u64;
        /// `&td->td_sigstk`.
        pub fn linux64_td_sigstk(td: *mut thread) -> *mut stack_t;
        /// `td->td_pcb`.
        pub fn linux64_td_pcb(td: *mut thread) -> *mut pcb;
        /// `p->p_sysent`.
        pub fn linux64_p_sysent(p: *mut proc_) -> *mut sysentvec;
        /// `p->p_osrel = osrel`.
        pub fn linux64_p_set_osrel(p: *mut proc_, osrel: c_int);
        /// Linux `sa_flags` of the handler of BSD signal `sig` (ps_mtx held).
        pub fn linux64_sig_flags(td: *mut thread, sig: c_int) -> u64;
        /// Drops the proc lock and ps_mtx (sendsig is entered with both).
        pub fn linux64_sendsig_unlock(td: *mut thread);
        /// Takes them back.
        pub fn linux64_sendsig_lock(td: *mut thread);
        /// `PROC_LOCK; sigexit(td, sig)`.
        pub fn linux64_sigexit(td: *mut thread, sig: c_int) -> !;
        /// Flushes the live FP/vector registers into the pcb.
        #[cfg(target_arch = "powerpc64")]
        pub fn linux64_ppc64_fpvec_save(td: *mut thread);
        /// Makes the next FP/vector use load the pcb contents.
        #[cfg(target_arch = "powerpc64")]
        pub fn linux64_ppc64_fpvec_reload(td: *mut thread, fp_valid: c_int, vec_valid: c_int);
        /// The FP/SIMD registers of the current thread, flushed from the CPU; returns `out.used`.
        #[cfg(target_arch = "aarch64")]
        pub fn linux64_arm64_fpsimd_get(td: *mut thread, out: *mut Arm64FpSimd) -> c_int;
        /// Makes `regs` the thread's FP/SIMD state (the CPU copy discarded).
        #[cfg(target_arch = "aarch64")]
        pub fn linux64_arm64_fpsimd_set(td: *mut thread, regs: *const Arm64FpSimd);
        /// `td->td_pcb->pcb_tpidr_el0`.
        #[cfg(target_arch = "aarch64")]
        pub fn linux64_arm64_tpidr(td: *mut thread) -> u64;
        /// The sanitized ID registers (`get_kernel_reg`).
        #[cfg(target_arch = "aarch64")]
        pub fn linux64_arm64_idregs(out: *mut Arm64IdRegs);
        /// `cpu_features`, `cpu_features2`, `cacheline_size` and the PVR.
        #[cfg(target_arch = "powerpc64")]
        pub fn linux64_ppc64_cpu_info(
            features: *mut u64,
            features2: *mut u64,
            cacheline: *mut c_int,
            pvr: *mut u32,
        );

        // The MI Linuxulator (sys/compat/linux).
        /// BSD signal number to Linux.
        pub fn bsd_to_linux_signal(sig: c_int) -> c_int;
        /// BSD sigset to Linux.
        pub fn bsd_to_linux_sigset(bss: *mut sys::sigset_t, lss: *mut l_sigset_t);
        /// Linux sigset to BSD.
        pub fn linux_to_bsd_sigset(lss: *mut l_sigset_t, bss: *mut sys::sigset_t);
        /// `sv_copyout_auxargs` (linux_elf.c; calls the MD `linux64_arch_copyout_auxargs`).
        pub fn linux64_copyout_auxargs(imgp: *mut image_params, base: usize) -> c_int;
        /// `sv_copyout_strings` (linux_elf.c).
        pub fn linux64_copyout_strings(imgp: *mut image_params, stack_base: *mut usize) -> c_int;
        /// `sv_elf_core_prepare_notes` (linux_elf.c).
        pub fn linux64_prepare_notes(td: *mut thread, list: *mut sys::note_info_list, sizep: *mut usize);
        /// `sv_schedtail` (linux_fork.c).
        pub fn linux_schedtail(td: *mut thread);
        /// `sv_thread_detach` (linux_fork.c).
        pub fn linux_thread_detach(td: *mut thread);
        /// `sv_onexec` helper (linux_emul.c).
        pub fn linux_on_exec(p: *mut proc_, imgp: *mut image_params) -> c_int;
        /// A pageable shared object of `size` bytes, mapped in kernel space at `*mapping` (linux_vdso.c).
        pub fn elf64_linux_shared_page_init(mapping: *mut *mut c_char, size: usize) -> *mut sys::vm_object;
        /// Maps `obj` read + execute at `base` in `p` (linux_vdso.c).
        pub fn linux_map_vdso(
            p: *mut proc_,
            obj: *mut sys::vm_object,
            base: usize,
            size: usize,
            imgp: *mut image_params,
        ) -> c_int;
        /// `sv_onexit` (linux_emul.c).
        pub fn linux_on_exit(p: *mut proc_);
        /// `sv_ontdexit` (linux_emul.c).
        pub fn linux_thread_dtor(td: *mut thread);
        /// `sv_setid_allowed` (linux_misc.c).
        pub fn linux_setid_allowed_query(td: *mut thread, imgp: *mut image_params) -> c_int;
        /// The syscall table (generated linux_sysent.c).
        pub static mut linux_sysent: [sysent; 0];
        /// The syscall names (generated linux_syscalls.c).
        pub static mut linux_syscallnames: [*const c_char; 0];
        /// `elf64_coredump` (FreeBSD).
        pub fn elf64_coredump(
            td: *mut thread,
            cw: *mut sys::coredump_writer,
            limit: sys::off_t,
            flags: c_int,
        ) -> c_int;
    }
}

#[cfg(not(target_os = "freebsd"))]
pub use host::*;

/// Host fakes of the accessors, the KPI and the MI functions the glue calls: one [`FakeThread`]
/// stands for `struct thread` and `struct proc` (a pointer to it is passed as either).
#[cfg(not(target_os = "freebsd"))]
#[allow(
    clippy::missing_safety_doc,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "host test doubles of the kernel functions: a panic here is the test's failure"
)]
pub mod host {
    extern crate std;
    use super::*;
    use std::cell::{Cell, RefCell};
    use std::vec::Vec;
    use sys::{pcb, stack_t, syscall_args, sysentvec, trapframe, Elf_Brandinfo};

    /// What a thread and its process look like to the glue in tests.
    #[repr(C)]
    pub struct FakeThread {
        /// `td_frame`.
        pub frame: trapframe,
        /// `td_sa`.
        pub sa: syscall_args,
        /// `td_retval`.
        pub retval: [u64; 2],
        /// `td_sigstk`.
        pub sigstk: stack_t,
        /// `td_pcb`.
        pub pcb: pcb,
        /// `p_sysent`.
        pub sysent: *mut sysentvec,
        /// `p_osrel`.
        pub osrel: c_int,
        /// Linux sa_flags `linux64_sig_flags` reports.
        pub sig_flags: u64,
        /// True while the proc lock / ps_mtx are held (sendsig is entered locked).
        pub locked: bool,
        /// Set by `kern_sigprocmask(SIG_SETMASK)`.
        pub sigmask: Option<u64>,
        /// Set by `kern_sigaltstack`: (ss_sp, ss_size, FreeBSD ss_flags).
        pub altstack: Option<(u64, u64, c_int)>,
        /// Set by `linux64_ppc64_fpvec_reload`.
        pub reloaded: Option<(c_int, c_int)>,
        /// The arm64 FP/SIMD state (`pcb_fpustate` and `PCB_FP_STARTED`).
        pub fpsimd: Arm64FpSimd,
        /// `pcb_tpidr_el0`.
        pub tpidr_el0: u64,
    }

    impl FakeThread {
        /// A zeroed thread of a process running under `sysent`.
        pub fn new(sysent: *mut sysentvec) -> std::boxed::Box<FakeThread> {
            // SAFETY: every field is plain data or a raw pointer: all-zero is a valid value.
            let mut t: std::boxed::Box<FakeThread> = std::boxed::Box::new(unsafe { core::mem::zeroed() });
            t.sysent = sysent;
            t.locked = true;
            t
        }

        /// `self` as the `struct thread *` the hooks take.
        pub fn td(&mut self) -> *mut thread {
            (self as *mut FakeThread).cast()
        }
    }

    std::thread_local! {
        /// `curthread` of this test thread.
        pub static CURTHREAD: Cell<*mut FakeThread> = const { Cell::new(core::ptr::null_mut()) };
        /// Brands registered with the fake `elf64_insert_brand_entry`, and which of them are "in use".
        pub static BRANDS: RefCell<Vec<(*mut Elf_Brandinfo, bool)>> = const { RefCell::new(Vec::new()) };
    }

    fn fake<'a>(td: *mut thread) -> &'a mut FakeThread {
        // SAFETY: on the host every `struct thread *`/`struct proc *` the glue sees is a live FakeThread
        // owned by the test that called the hook.
        unsafe { &mut *td.cast::<FakeThread>() }
    }

    /// `curthread`.
    pub unsafe fn linux64_curthread() -> *mut thread {
        CURTHREAD.with(|c| c.get().cast())
    }
    /// `td->td_proc` (the same fake).
    pub unsafe fn linux64_td_proc(td: *mut thread) -> *mut proc_ {
        td.cast()
    }
    /// `td->td_frame`.
    pub unsafe fn linux64_td_frame(td: *mut thread) -> *mut trapframe {
        &mut fake(td).frame
    }
    /// `&td->td_sa`.
    pub unsafe fn linux64_td_sa(td: *mut thread) -> *mut syscall_args {
        &mut fake(td).sa
    }
    /// `td->td_retval`.
    pub unsafe fn linux64_td_retval(td: *mut thread) -> *mut u64 {
        fake(td).retval.as_mut_ptr()
    }
    /// `&td->td_sigstk`.
    pub unsafe fn linux64_td_sigstk(td: *mut thread) -> *mut stack_t {
        &mut fake(td).sigstk
    }
    /// `td->td_pcb`.
    pub unsafe fn linux64_td_pcb(td: *mut thread) -> *mut pcb {
        &mut fake(td).pcb
    }
    /// `p->p_sysent`.
    pub unsafe fn linux64_p_sysent(p: *mut proc_) -> *mut sysentvec {
        fake(p.cast()).sysent
    }
    /// `p->p_osrel = osrel`.
    pub unsafe fn linux64_p_set_osrel(p: *mut proc_, osrel: c_int) {
        fake(p.cast()).osrel = osrel;
    }
    /// Linux sa_flags of the handler.
    pub unsafe fn linux64_sig_flags(td: *mut thread, _sig: c_int) -> u64 {
        assert!(fake(td).locked, "sig_flags needs ps_mtx");
        fake(td).sig_flags
    }
    /// Drops the locks.
    pub unsafe fn linux64_sendsig_unlock(td: *mut thread) {
        assert!(fake(td).locked, "unlock of an unlocked proc");
        fake(td).locked = false;
    }
    /// Takes the locks.
    pub unsafe fn linux64_sendsig_lock(td: *mut thread) {
        assert!(!fake(td).locked, "lock of a locked proc");
        fake(td).locked = true;
    }
    /// `sigexit`: a test failure unless the test expects it (catch_unwind).
    pub unsafe fn linux64_sigexit(_td: *mut thread, sig: c_int) -> ! {
        std::panic!("sigexit({sig})")
    }
    /// The saved FP/SIMD state.
    pub unsafe fn linux64_arm64_fpsimd_get(td: *mut thread, out: *mut Arm64FpSimd) -> c_int {
        // SAFETY: the caller passes a writable struct.
        unsafe { *out = fake(td).fpsimd };
        fake(td).fpsimd.used
    }
    /// Stores the FP/SIMD state.
    pub unsafe fn linux64_arm64_fpsimd_set(td: *mut thread, regs: *const Arm64FpSimd) {
        // SAFETY: the caller passes a readable struct.
        fake(td).fpsimd = unsafe { *regs };
    }
    /// `pcb_tpidr_el0`.
    pub unsafe fn linux64_arm64_tpidr(td: *mut thread) -> u64 {
        fake(td).tpidr_el0
    }
    /// The host "kernel" runs on a Neoverse N1 with the event stream on.
    pub unsafe fn linux64_arm64_idregs(out: *mut Arm64IdRegs) {
        let n1 = arch_arm64::Arm64Cpu::NEOVERSE_N1;
        // SAFETY: the caller passes a writable struct.
        unsafe {
            *out = Arm64IdRegs {
                midr: n1.midr,
                pfr: [n1.id_aa64pfr0, n1.id_aa64pfr1],
                isar: [n1.id_aa64isar0, n1.id_aa64isar1, n1.id_aa64isar2],
                mmfr: [n1.id_aa64mmfr0, n1.id_aa64mmfr1, n1.id_aa64mmfr2],
                zfr0: n1.id_aa64zfr0,
                smfr0: n1.id_aa64smfr0,
                event_stream: 1,
            }
        };
    }
    /// The host "kernel" runs on a POWER9 (PVR 0x004e1202, DD2.2), with the features Linux reports for it.
    pub unsafe fn linux64_ppc64_cpu_info(
        features: *mut u64,
        features2: *mut u64,
        cacheline: *mut c_int,
        pvr: *mut u32,
    ) {
        let p9 = arch_ppc64::Ppc64Cpu::POWER9;
        // SAFETY: the caller passes writable pointers.
        unsafe {
            *features = p9.features;
            *features2 = p9.features2;
            *cacheline = 128;
            *pvr = 0x004e_1202;
        }
    }
    /// Nothing is live on the host.
    pub unsafe fn linux64_ppc64_fpvec_save(_td: *mut thread) {}
    /// Records the hand-over.
    pub unsafe fn linux64_ppc64_fpvec_reload(td: *mut thread, fp: c_int, vec: c_int) {
        fake(td).reloaded = Some((fp, vec));
    }
    /// Signal numbers 1..=31 are the same on FreeBSD and Linux/powerpc for the ones tests use.
    pub unsafe fn bsd_to_linux_signal(sig: c_int) -> c_int {
        sig
    }
    /// Word 0 of the BSD set is the Linux mask on the host.
    pub unsafe fn bsd_to_linux_sigset(bss: *mut sys::sigset_t, lss: *mut l_sigset_t) {
        // SAFETY: the caller passes valid pointers.
        unsafe { (*lss).mask = u64::from((*bss).__bits[0]) | (u64::from((*bss).__bits[1]) << 32) };
    }
    /// The inverse of [`bsd_to_linux_sigset`].
    pub unsafe fn linux_to_bsd_sigset(lss: *mut l_sigset_t, bss: *mut sys::sigset_t) {
        // SAFETY: the caller passes valid pointers.
        unsafe {
            (*bss).__bits = [(*lss).mask as u32, ((*lss).mask >> 32) as u32, 0, 0];
        }
    }
    /// Records the mask.
    pub unsafe fn kern_sigprocmask(
        td: *mut thread,
        _how: c_int,
        set: *mut sys::sigset_t,
        _oset: *mut sys::sigset_t,
        _flags: c_int,
    ) -> c_int {
        let mut l = l_sigset_t::default();
        // SAFETY: `set` is the caller's valid sigset.
        unsafe { bsd_to_linux_sigset(set, &mut l) };
        fake(td).sigmask = Some(l.mask);
        0
    }
    /// The thread pointer: arm64's TPIDR_EL0 (the only arch whose glue calls it).
    pub unsafe fn cpu_set_user_tls(
        td: *mut thread,
        tls_base: *mut core::ffi::c_void,
        _flags: c_int,
    ) -> c_int {
        fake(td).tpidr_el0 = tls_base as u64;
        0
    }
    /// Records the new alternate stack (FreeBSD's checks are not modelled).
    pub unsafe fn kern_sigaltstack(td: *mut thread, ss: *mut sys::stack_t, _oss: *mut sys::stack_t) -> c_int {
        // SAFETY: `ss` is the caller's valid stack_t.
        let ss = unsafe { &*ss };
        fake(td).altstack = Some((ss.ss_sp as u64, ss.ss_size, ss.ss_flags));
        0
    }
    /// Registers a brand (at most 8, like FreeBSD's MAX_BRANDS).
    pub unsafe fn elf64_insert_brand_entry(entry: *mut Elf_Brandinfo) -> c_int {
        BRANDS.with(|b| {
            let mut b = b.borrow_mut();
            if b.len() >= 8 || b.iter().any(|(e, _)| *e == entry) {
                return 22;
            }
            b.push((entry, false));
            0
        })
    }
    /// Removes a brand.
    pub unsafe fn elf64_remove_brand_entry(entry: *mut Elf_Brandinfo) -> c_int {
        BRANDS.with(|b| {
            let mut b = b.borrow_mut();
            let before = b.len();
            b.retain(|(e, _)| *e != entry);
            if b.len() == before {
                22
            } else {
                0
            }
        })
    }
    /// Whether a process still runs under the brand (tests set the flag).
    pub unsafe fn elf64_brand_inuse(entry: *mut Elf_Brandinfo) -> bool {
        BRANDS.with(|b| b.borrow().iter().any(|(e, used)| *e == entry && *used))
    }

    macro_rules! mi_fakes {
        ($($name:ident($($a:ident: $t:ty),*) $(-> $r:ty)?;)*) => {$(
            /// Host stand-in for the MI Linuxulator function of the same name (never called by tests).
            pub unsafe extern "C" fn $name($($a: $t),*) $(-> $r)? {
                $(let _ = $a;)*
                std::panic!(concat!(stringify!($name), " is MI code, not on the host"))
            }
        )*};
    }
    mi_fakes! {
        linux64_copyout_auxargs(imgp: *mut image_params, base: usize) -> c_int;
        linux64_copyout_strings(imgp: *mut image_params, stack_base: *mut usize) -> c_int;
        linux64_prepare_notes(td: *mut thread, list: *mut sys::note_info_list, sizep: *mut usize);
        linux_schedtail(td: *mut thread);
        linux_thread_detach(td: *mut thread);
        linux_on_exit(p: *mut proc_);
        linux_thread_dtor(td: *mut thread);
        linux_setid_allowed_query(td: *mut thread, imgp: *mut image_params) -> c_int;
        elf64_coredump(td: *mut thread, cw: *mut sys::coredump_writer, limit: sys::off_t, flags: c_int) -> c_int;
    }
    /// Messages `kprint` printed in this test thread.
    pub fn printed() -> Vec<std::string::String> {
        PRINTED.with(|p| p.borrow().clone())
    }
    std::thread_local! {
        static PRINTED: RefCell<Vec<std::string::String>> = const { RefCell::new(Vec::new()) };
    }
    /// Records a console message.
    pub fn kprint(msg: &core::ffi::CStr) {
        PRINTED.with(|p| p.borrow_mut().push(msg.to_string_lossy().into_owned()));
    }
    /// `nosys_sysent` (FreeBSD's ENOSYS entry).
    pub static mut nosys_sysent: sysent = sysent {
        sy_call: None,
        sy_systrace_args_func: None,
        sy_narg: 0,
        sy_flags: 0,
        sy_auevent: 0,
        sy_entry: 0,
        sy_return: 0,
        sy_thrcnt: 0,
    };
    /// `linux_on_exec`: succeeds.
    pub unsafe fn linux_on_exec(_p: *mut proc_, _imgp: *mut image_params) -> c_int {
        0
    }
    std::thread_local! {
        static SHARED_PAGE: RefCell<Option<std::boxed::Box<[u8]>>> = const { RefCell::new(None) };
        static VDSO_MAPS: RefCell<Vec<(u64, u64)>> = const { RefCell::new(Vec::new()) };
    }
    /// `elf64_linux_shared_page_init`: a zeroed host buffer standing for the object and its mapping.
    pub unsafe fn elf64_linux_shared_page_init(
        mapping: *mut *mut c_char,
        size: usize,
    ) -> *mut sys::vm_object {
        SHARED_PAGE.with(|s| {
            let mut buf = std::vec![0xa5u8; size].into_boxed_slice();
            // SAFETY: the caller passes a valid out-pointer; the buffer lives in the thread-local until
            // the next call.
            unsafe { *mapping = buf.as_mut_ptr().cast() };
            *s.borrow_mut() = Some(buf);
        });
        core::ptr::NonNull::<sys::vm_object>::dangling().as_ptr()
    }
    /// What `elf64_linux_shared_page_init` handed out, as the module left it.
    pub fn shared_page_copy() -> Option<Vec<u8>> {
        SHARED_PAGE.with(|s| s.borrow().as_ref().map(|b| b.to_vec()))
    }
    /// `linux_map_vdso`: records the mapping.
    pub unsafe fn linux_map_vdso(
        _p: *mut proc_,
        _obj: *mut sys::vm_object,
        base: usize,
        size: usize,
        _imgp: *mut image_params,
    ) -> c_int {
        VDSO_MAPS.with(|m| m.borrow_mut().push((base as u64, size as u64)));
        0
    }
    /// The mappings `linux_map_vdso` made in this test thread.
    pub fn vdso_maps() -> Vec<(u64, u64)> {
        VDSO_MAPS.with(|m| m.borrow().clone())
    }
    /// The generated syscall table (empty on the host).
    pub static mut linux_sysent: [sysent; 0] = [];
    /// The generated syscall names (empty on the host).
    pub static mut linux_syscallnames: [*const c_char; 0] = [];
}
