//! What the Linux sysentvecs of every architecture share: the GNU ABI note and its osrel, brand
//! registration at MOD_LOAD/MOD_UNLOAD, the FreeBSD-to-Linux translation of what a signal carries
//! (`si_code`, `ss_flags`), and the members that do nothing per architecture (`sv_fixup`).
//! The per-architecture files (`sysvec_ppc64.rs`, `sysvec_arm64.rs`) hold the hooks themselves.

use crate::kpi::sys::kconst as k;
use crate::kpi::sys::{
    image_params, proc_, thread, Elf64_Auxinfo, Elf64_Auxinfo__bindgen_ty_1, Elf64_Brandinfo, Elf_Brandnote,
    Elf_Note,
};
use crate::kpi::*;
use core::ffi::{c_char, c_int, CStr};
use core::ptr::addr_of_mut;
use linux_core::syscall::SyscallRequest;

/// `sv_psstrings`: FreeBSD's `struct ps_strings` sits right below the vdso mapping (the stack top).
/// Evaluated at compile time, so an underflow fails the build.
#[allow(clippy::arithmetic_side_effects, reason = "const evaluation: an overflow is a build error")]
pub const PS_STRINGS: u64 =
    crate::vdso::MAP_BASE - core::mem::size_of::<crate::kpi::sys::ps_strings>() as u64;

/// `.note.ABI-tag` of GNU/Linux binaries: name "GNU", 16 bytes of descriptor, NT_GNU_ABI_TAG.
#[no_mangle]
pub static mut linux64_brandnote: Elf_Brandnote = Elf_Brandnote {
    hdr: Elf_Note { n_namesz: 4, n_descsz: 16, n_type: k::NT_GNU_ABI_TAG as u32 },
    vendor: c"GNU".as_ptr(),
    flags: k::BN_TRANSLATE_OSREL as c_int,
    trans_osrel: Some(trans_osrel),
};

/// `sv_fixup`: nothing to do (the auxiliary vector is written by `sv_copyout_auxargs`).
///
/// # Safety
/// Called by the kernel during exec.
pub unsafe extern "C" fn fixup(_stack_base: *mut usize, _imgp: *mut image_params) -> c_int {
    0
}

/// Linux `si_code` of a FreeBSD one (the SI_* values differ; fault codes are the same numbers).
pub fn linux_si_code(code: c_int) -> c_int {
    match i64::from(code) {
        c if c == k::SI_USER => 0,
        c if c == k::SI_QUEUE => -1,
        c if c == k::SI_TIMER => -2,
        c if c == k::SI_MESGQ => -3,
        c if c == k::SI_ASYNCIO => -4,
        c if c == k::SI_LWP => -6,
        c if c == k::SI_KERNEL => 0x80,
        _ => code,
    }
}

/// Linux `ss_flags` of FreeBSD ones (SS_ONSTACK 1 on both; SS_DISABLE 4 -> 2).
pub fn linux_ss_flags(flags: c_int) -> c_int {
    let f = i64::from(flags);
    (if f & k::SS_ONSTACK != 0 { 1 } else { 0 }) | (if f & k::SS_DISABLE != 0 { 2 } else { 0 })
}

/// FreeBSD `ss_flags` for a Linux `uc_stack.ss_flags` being set: SS_DISABLE (2) -> SS_DISABLE (4);
/// SS_ONSTACK (1, a state, not a request) and SS_AUTODISARM (1 << 31, which FreeBSD lacks) are dropped.
pub fn bsd_ss_flags(linux_flags: c_int) -> c_int {
    if linux_flags & 2 != 0 {
        k::SS_DISABLE as c_int
    } else {
        0
    }
}

/// Reads GNU `.note.ABI-tag`: OS 0 (Linux) and the kernel version `a.b.c` as osrel `a*1000000+b*1000+c`.
///
/// # Safety
/// `note` must point to a note header followed by its 4-byte name and 16-byte descriptor (FreeBSD checks
/// the sizes against `linux64_ppc64_brandnote.hdr` first); `osrel` must be writable.
pub unsafe extern "C" fn trans_osrel(note: *const Elf_Note, osrel: *mut i32) -> bool {
    // SAFETY: the caller guarantees the note and its name/descriptor are readable.
    unsafe {
        let n = &*note;
        if n.n_namesz != 4 || n.n_descsz < 16 {
            return false;
        }
        // The descriptor follows the header and the 4-byte name ("GNU\0").
        let desc = note.cast::<u8>().add(core::mem::size_of::<Elf_Note>()).add(4).cast::<u32>();
        let word = |i| desc.add(i).read_unaligned();
        if word(0) != 0 {
            return false;
        }
        // Cannot overflow: each word is below 2^32, so the sum stays below 2^53.
        let v = u64::from(word(1))
            .saturating_mul(1_000_000)
            .saturating_add(u64::from(word(2)).saturating_mul(1000))
            .saturating_add(u64::from(word(3)));
        *osrel = i32::try_from(v).unwrap_or(i32::MAX);
    }
    true
}

/// The interpreter path of a brand, for tests.
pub fn interp_of(b: &Elf64_Brandinfo) -> &'static CStr {
    // SAFETY: every brand's interp_path is a static C string literal.
    unsafe { CStr::from_ptr(b.interp_path as *const c_char) }
}

/// A Linux `struct sysentvec`: every member is the same on every architecture but the syscall table size,
/// the name, `MINSIGSTKSZ`, the hooks and the hwcap/sigcode-size words, which each `sysvec_<arch>.rs`
/// passes in. The stack ends below the vdso mapping, FreeBSD's shared page (with its timekeeping,
/// `SV_TIMEKEEP`) is mapped above it, and the MI Linuxulator supplies the members it implements.
macro_rules! linux_sysentvec {
    (
        name: $name:expr,
        size: $size:expr,
        minsigstksz: $minsigstksz:expr,
        sendsig: $sendsig:expr,
        setregs: $setregs:expr,
        fetch_syscall_args: $fetch:expr,
        set_syscall_retval: $retval:expr,
        set_fork_retval: $fork:expr,
        szsigcode: $szsigcode:expr,
        hwcap: $hwcap:expr,
        hwcap2: $hwcap2:expr $(,)?
    ) => {
        $crate::kpi::sys::sysentvec {
            sv_size: $size,
            sv_table: core::ptr::addr_of_mut!($crate::kpi::linux_sysent).cast(),
            sv_fixup: Some($crate::sysvec::fixup),
            sv_sendsig: Some($sendsig),
            sv_sigcode: core::ptr::null(),
            sv_szsigcode: $szsigcode,
            sv_sigcodeoff: 0,
            sv_name: $name.as_ptr().cast_mut(),
            sv_coredump: Some($crate::kpi::elf64_coredump),
            sv_elf_core_osabi: $crate::kpi::sys::kconst::ELFOSABI_NONE as core::ffi::c_int,
            sv_elf_core_abi_vendor: c"GNU".as_ptr(),
            sv_elf_core_prepare_notes: Some($crate::kpi::linux64_prepare_notes),
            sv_copyout_auxargs: Some($crate::kpi::linux64_copyout_auxargs),
            sv_minsigstksz: $minsigstksz,
            sv_minuser: $crate::kpi::sys::kconst::VM_MIN_ADDRESS as u64 as _,
            sv_maxuser: $crate::kpi::sys::kconst::VM_MAXUSER_ADDRESS as u64 as _,
            sv_usrstack: $crate::vdso::MAP_BASE as _,
            sv_psstrings: $crate::sysvec::PS_STRINGS as _,
            sv_psstringssz: core::mem::size_of::<$crate::kpi::sys::ps_strings>(),
            sv_stackprot: ($crate::kpi::sys::kconst::VM_PROT_READ | $crate::kpi::sys::kconst::VM_PROT_WRITE)
                as core::ffi::c_int,
            sv_copyout_strings: Some($crate::kpi::linux64_copyout_strings),
            sv_setregs: Some($setregs),
            sv_fixlimit: None,
            sv_maxssiz: core::ptr::null_mut(),
            sv_flags: $crate::sysvec::LINUX_SV_FLAGS,
            sv_set_syscall_retval: Some($retval),
            sv_fetch_syscall_args: Some($fetch),
            sv_syscallnames: core::ptr::addr_of_mut!($crate::kpi::linux_syscallnames).cast(),
            sv_timekeep_offset: 0,
            sv_shared_page_base: $crate::kpi::sys::kconst::SHAREDPAGE as u64 as _,
            sv_shared_page_len: $crate::kpi::sys::kconst::PAGE_SIZE as u64 as _,
            sv_sigcode_offset: 0,
            sv_shared_page_obj: core::ptr::null_mut(),
            sv_vdso_offset: 0,
            sv_schedtail: Some($crate::kpi::linux_schedtail),
            sv_thread_detach: Some($crate::kpi::linux_thread_detach),
            sv_trap: None,
            sv_hwcap: $hwcap,
            sv_hwcap2: $hwcap2,
            sv_hwcap3: core::ptr::null_mut(),
            sv_hwcap4: core::ptr::null_mut(),
            sv_machine_arch: None,
            sv_fxrng_gen_offset: 0,
            sv_onexec_old: None,
            sv_onexec: Some($crate::sysvec::onexec),
            sv_protect: None,
            sv_onexit: Some($crate::kpi::linux_on_exit),
            sv_ontdexit: Some($crate::kpi::linux_thread_dtor),
            sv_setid_allowed: Some($crate::kpi::linux_setid_allowed_query),
            sv_set_fork_retval: Some($fork),
            sv_regset_begin: core::ptr::null_mut(),
            sv_regset_end: core::ptr::null_mut(),
        }
    };
}
pub(crate) use linux_sysentvec;

/// `sv_flags` of every Linux sysentvec: the Linux ABI, LP64, FreeBSD's shared page with its timekeeping
/// (which the vdso reads), and the signal behaviours Linux has (SIGCHLD discarded when ignored, no
/// queueing of a pending signal's duplicate while it waits).
pub const LINUX_SV_FLAGS: u32 =
    (k::SV_ABI_LINUX | k::SV_LP64 | k::SV_SHP | k::SV_TIMEKEEP | k::SV_SIG_DISCIGN | k::SV_SIG_WAITNDQ)
        as u32;

/// `sv_onexec`: maps the vdso, then the MI per-process state.
///
/// # Safety
/// Called by the kernel during exec.
pub unsafe extern "C" fn onexec(p: *mut proc_, imgp: *mut image_params) -> c_int {
    // SAFETY: forwarded as received.
    let error = unsafe { crate::vdso::map_into(p, imgp) };
    if error != 0 {
        return error;
    }
    // SAFETY: forwarded as received.
    unsafe { linux_on_exec(p, imgp) }
}

/// The FreeBSD side of `sv_fetch_syscall_args`, the same on every arch: the Linux `number` and `args`
/// the arch hook decoded go into `td_sa` (`callp` from the process's sysentvec, `nosys` outside it), and
/// `td_retval` starts as (0, `second`), the register the arch's return path leaves in the second slot.
///
/// # Safety
/// `td` must be the current thread, in a process under a sysentvec of this module.
pub unsafe fn enter_syscall(td: *mut thread, number: u64, args: [u64; 6], second: u64) {
    // SAFETY: the accessors return td's own syscall_args, retval and its process's sysentvec.
    unsafe {
        let sa = &mut *linux64_td_sa(td);
        let sv = &*linux64_p_sysent(linux64_td_proc(td));
        sa.code = u32::try_from(number).unwrap_or(u32::MAX);
        sa.original_code = sa.code;
        sa.args = [0; 8];
        for (d, s) in sa.args.iter_mut().zip(args) {
            *d = s as _;
        }
        let in_table =
            !sv.sv_table.is_null() && (sa.code as usize) < usize::try_from(sv.sv_size).unwrap_or(0);
        sa.callp = if in_table { sv.sv_table.add(sa.code as usize) } else { addr_of_mut!(nosys_sysent) };
        let rv = linux64_td_retval(td);
        *rv = 0;
        *rv.add(1) = second;
    }
}

/// What [`enter_syscall`] stored, for `sv_set_syscall_retval`: the request and `td_retval[0]`.
///
/// # Safety
/// `td` must be the current thread, after a system call.
pub unsafe fn stored_syscall(td: *mut thread) -> (SyscallRequest, u64) {
    // SAFETY: the accessors return td's own syscall_args and retval.
    unsafe {
        let sa = &*linux64_td_sa(td);
        let mut req = SyscallRequest { number: u64::from(sa.code), args: [0; 6] };
        for (d, s) in req.args.iter_mut().zip(sa.args) {
            *d = s as u64;
        }
        (req, *linux64_td_retval(td))
    }
}

/// Appends the MD auxiliary vector entries to the MI code's kernel array (`linux64_arch_copyout_auxargs`):
/// the arch's `ARCH_DLINFO` entries in `aux` (without AT_NULL, and without AT_MINSIGSTKSZ, which the MI
/// code adds from `sv_minsigstksz`), then `extra`, at most `max` in all; `*pos` advances past them.
///
/// # Safety
/// `*pos` must point at `max` writable `Elf64_Auxinfo` entries.
pub unsafe fn put_md_auxargs(
    pos: *mut *mut Elf64_Auxinfo,
    aux: &linux_core::auxv::AuxvBuilder,
    extra: &[(u64, u64)],
    max: usize,
) {
    use linux_core::auxv::AT_MINSIGSTKSZ;
    let entries = aux
        .entries()
        .iter()
        .copied()
        .filter(|&(key, _)| key != 0 && key != AT_MINSIGSTKSZ)
        .chain(extra.iter().copied())
        .take(max);
    // SAFETY: the caller guarantees `max` writable entries at *pos; `take` bounds the writes.
    unsafe {
        let mut p = *pos;
        for (key, value) in entries {
            p.write(Elf64_Auxinfo {
                a_type: key as _,
                a_un: Elf64_Auxinfo__bindgen_ty_1 { a_val: value as _ },
            });
            p = p.add(1);
        }
        *pos = p;
    }
}

/// Inserts every brand of `list` (MOD_LOAD); if one is refused, removes those inserted before it, prints
/// `failure` and returns EINVAL, so nothing stays registered.
pub fn register_brands(list: &mut [Elf64_Brandinfo], failure: &CStr) -> c_int {
    // SAFETY: each pointer is to a static brand, valid for the module's lifetime.
    let failed = list.iter_mut().position(|b| unsafe { elf64_insert_brand_entry(b) } != 0);
    if let Some(inserted) = failed {
        for b in list.iter_mut().take(inserted) {
            // SAFETY: removing what was inserted above.
            unsafe { elf64_remove_brand_entry(b) };
        }
        kprint(failure);
        return k::EINVAL as c_int;
    }
    0
}

/// MOD_UNLOAD: EBUSY while a process still runs under one of the brands of `list`, else removes them all.
pub fn unregister_brands(list: &mut [Elf64_Brandinfo]) -> c_int {
    // SAFETY: static brands; elf64_brand_inuse only reads the process list.
    if list.iter_mut().any(|b| unsafe { elf64_brand_inuse(b) }) {
        return k::EBUSY as c_int;
    }
    for b in list.iter_mut() {
        // SAFETY: the brand was inserted at MOD_LOAD.
        unsafe { elf64_remove_brand_entry(b) };
    }
    0
}

#[cfg(all(test, not(target_os = "freebsd")))]
mod tests {
    use super::*;

    #[test]
    fn uc_stack_flags_become_freebsd_requests() {
        assert_eq!(bsd_ss_flags(0), 0);
        assert_eq!(bsd_ss_flags(2), k::SS_DISABLE as c_int, "SS_DISABLE");
        assert_eq!(bsd_ss_flags(1), 0, "SS_ONSTACK is a state, not a request");
        assert_eq!(bsd_ss_flags(1 << 31), 0, "SS_AUTODISARM: FreeBSD has no equivalent");
        assert_eq!(bsd_ss_flags((1 << 31) | 2), k::SS_DISABLE as c_int);
    }

    #[test]
    fn abi_tag_note_gives_osrel() {
        let mut note = [0u32; 3 + 1 + 4];
        note[0] = 4;
        note[1] = 16;
        note[2] = 1;
        note[3] = u32::from_ne_bytes(*b"GNU\0");
        note[4..].copy_from_slice(&[0, 3, 2, 0]);
        let mut osrel = 0;
        // SAFETY: a complete note.
        assert!(unsafe { trans_osrel(note.as_ptr().cast(), &mut osrel) });
        assert_eq!(osrel, 3_002_000);
        note[4] = 1; // not Linux
                     // SAFETY: as above.
        assert!(!unsafe { trans_osrel(note.as_ptr().cast(), &mut osrel) });
    }

    #[test]
    fn signal_codes_and_stack_flags_are_linux_values() {
        assert_eq!(linux_si_code(k::SI_USER as c_int), 0);
        assert_eq!(linux_si_code(k::SI_QUEUE as c_int), -1);
        assert_eq!(linux_si_code(k::SI_KERNEL as c_int), 0x80);
        assert_eq!(linux_si_code(1), 1, "fault codes are the same numbers");
        assert_eq!(linux_ss_flags(k::SS_DISABLE as c_int), 2);
        assert_eq!(linux_ss_flags(k::SS_ONSTACK as c_int), 1);
        assert_eq!(linux_ss_flags(0), 0);
    }
}
