//! The vdso in the module: the image of the kernel's architecture and byte order (`crates/vdso-ppc64`
//! or `crates/vdso-arm64`, embedded at build time), installed at MOD_LOAD into a shared object the machine-independent code allocates, mapped into
//! every Linux process at exec, and the signal trampoline address resolved from the image's symbols (as
//! FreeBSD's Linuxulator resolves vdso symbols into kernel variables).
//!
//! Layout in a process, like FreeBSD/arm64's Linux ABI (`LINUX_VDSOPAGE` below the shared page, the
//! stack below that):
//!
//! ```text
//! SHAREDPAGE                       FreeBSD's shared page (not mapped for Linux processes)
//! SHAREDPAGE - MAP_SIZE + PAGE     the vdso image (AT_SYSINFO_EHDR), read + execute
//! SHAREDPAGE - MAP_SIZE            its data page (the vdso crates' data.rs: FreeBSD timekeep, platform name)
//!                                  the user stack grows down from here (sv_usrstack)
//! ```

use crate::kpi;
use crate::kpi::sys::kconst as k;
use crate::kpi::sys::{image_params, proc_};
use core::ffi::c_int;
use core::sync::atomic::{AtomicPtr, Ordering};

/// Whether the vdso image is part of this build.
pub const VDSO_BUILT_IN: bool = true;

/// Page size of the kernel.
const PAGE: u64 = k::PAGE_SIZE as u64;

/// What the module needs of a vdso image, whichever crate built it.
#[derive(Clone, Copy, Debug)]
pub struct Image {
    /// The image, copied as it is.
    pub bytes: &'static [u8],
    /// Offset of the signal return trampoline (ppc64 `__kernel_start_sigtramp_rt64`, arm64
    /// `__kernel_rt_sigreturn`).
    pub sigtramp: u64,
    /// Where the image expects its data page, relative to its start.
    pub data_offset: i64,
}

/// The powerpc64 image of one byte order.
pub fn ppc64_image(little_endian: bool) -> Image {
    let img = if little_endian { &vdso_ppc64::VDSO_LE } else { &vdso_ppc64::VDSO_BE };
    Image { bytes: img.bytes, sigtramp: img.sigtramp_start, data_offset: img.data_offset }
}

/// The arm64 image.
pub fn arm64_image() -> Image {
    let img = &vdso_arm64::VDSO;
    Image { bytes: img.bytes, sigtramp: img.sigreturn, data_offset: img.data_offset }
}

/// The image of the kernel's architecture and byte order (host: big-endian powerpc64).
pub fn image() -> Image {
    if cfg!(target_arch = "aarch64") {
        arm64_image()
    } else {
        ppc64_image(cfg!(target_endian = "little"))
    }
}

/// Bytes of the mapping: the data page and the image rounded up to pages (a const, so the sysentvecs can
/// use it; both images fit in two pages, which a test checks).
pub const MAP_SIZE: u64 = PAGE + 2 * PAGE;

/// Start of the mapping in every Linux process, and the top of its user stack.
pub const MAP_BASE: u64 = k::SHAREDPAGE as u64 - MAP_SIZE;

/// Where the image starts in a process (`AT_SYSINFO_EHDR`).
pub const VDSO_BASE: u64 = MAP_BASE + PAGE;

/// Where `AT_PLATFORM` (and on ppc64 `AT_BASE_PLATFORM`) point: the CPU's name in the data page, at the
/// same offset in both vdso crates' layouts.
pub const PLATFORM_ADDR: u64 = MAP_BASE + vdso_ppc64::data::PLATFORM_OFFSET;
const _: () = assert!(vdso_ppc64::data::PLATFORM_OFFSET == vdso_arm64::data::PLATFORM_OFFSET);
const _: () = assert!(vdso_ppc64::data::PLATFORM_SIZE == vdso_arm64::data::PLATFORM_SIZE);

/// Room for the image after the data page.
const IMAGE_ROOM: u64 = MAP_SIZE - PAGE;

/// Where the data page is relative to the image: the page right before it.
const DATA_OFFSET: i64 = -(PAGE as i64);

/// The shared object holding the data page and the image, once installed.
static VDSO_OBJECT: AtomicPtr<kpi::sys::vm_object> = AtomicPtr::new(core::ptr::null_mut());

/// Address of the signal trampoline in process `p`.
pub fn sigtramp(_p: *mut proc_) -> u64 {
    // The image is at most two pages (checked at install), so this cannot wrap; saturating keeps it so.
    VDSO_BASE.saturating_add(image().sigtramp)
}

/// A data page: the arch's `header` at its start, `name` NUL-terminated at the platform offset (cut to
/// fit), zero elsewhere.
fn data_page(header: &[u8], name: &[u8]) -> [u8; PAGE as usize] {
    use vdso_ppc64::data::{PLATFORM_OFFSET, PLATFORM_SIZE};
    let mut page = [0u8; PAGE as usize];
    if let Some(dst) = page.get_mut(..header.len()) {
        dst.copy_from_slice(header);
    }
    let room = (PLATFORM_SIZE as usize).saturating_sub(1);
    let name = name.get(..room).unwrap_or(name);
    let start = PLATFORM_OFFSET as usize;
    if let Some(dst) = page.get_mut(start..start.saturating_add(name.len())) {
        dst.copy_from_slice(name);
    }
    if let Some(nul) = page.get_mut(start.saturating_add(name.len())) {
        *nul = 0;
    }
    page
}

/// Where FreeBSD's `struct vdso_timekeep` is, relative to the data page, for a sysentvec that
/// `exec_sysvec_init` has set up with `SV_TIMEKEEP`: in FreeBSD's shared page, which every process maps
/// at `sv_shared_page_base` right above the vdso mapping, at `sv_timekeep_offset`. `None` when there is
/// none (the vdso time functions then make the system call).
pub fn timekeep_offset(sv: &kpi::sys::sysentvec) -> Option<i64> {
    if sv.sv_timekeep_offset == 0 || sv.sv_shared_page_base != MAP_BASE.checked_add(MAP_SIZE)? {
        return None;
    }
    i64::try_from(MAP_SIZE).ok()?.checked_add(i64::try_from(sv.sv_timekeep_offset).ok()?)
}

/// The arm64 data page: `tk_offset` pointing at FreeBSD's timekeeping ([`timekeep_offset`]; zero
/// without it, and the time functions make the system call) and the platform name `"aarch64"` (Linux
/// `ELF_PLATFORM`).
pub fn arm64_data_page(timekeep: Option<i64>) -> [u8; PAGE as usize] {
    use vdso_arm64::data::VdsoData;
    use zerocopy::{FromZeros, IntoBytes};
    let mut header = VdsoData::<zerocopy::NativeEndian>::new_zeroed();
    header.tk_offset.set(timekeep.unwrap_or(0));
    data_page(header.as_bytes(), b"aarch64")
}

/// The powerpc64 data page for `cpu`: `tk_offset` pointing at FreeBSD's timekeeping
/// ([`timekeep_offset`]; zero without it, and the time functions make the system call), the cache block
/// sizes `__kernel_sync_dicache` uses, and the platform
/// name at [`vdso_ppc64::data::PLATFORM_OFFSET`] (truncated to fit, always NUL-terminated).
pub fn ppc64_data_page(cpu: &arch_ppc64::Ppc64Cpu, timekeep: Option<i64>) -> [u8; PAGE as usize] {
    use vdso_ppc64::data::VdsoData;
    use zerocopy::{FromZeros, IntoBytes};
    let mut header = VdsoData::<zerocopy::NativeEndian>::new_zeroed();
    header.tk_offset.set(timekeep.unwrap_or(0));
    header.dcache_block.set(u32::try_from(cpu.dcache_block_size).unwrap_or(0));
    header.icache_block.set(u32::try_from(cpu.icache_block_size).unwrap_or(0));
    data_page(header.as_bytes(), cpu.platform.as_bytes())
}

/// Installs the image (MOD_LOAD): a shared object of [`MAP_SIZE`] from the MI code, `data` as its data
/// page ([`ppc64_data_page`], [`arm64_data_page`]), the image copied after it. Returns whether it was
/// installed.
pub fn install(data: &[u8; PAGE as usize]) -> bool {
    let img = image();
    if img.bytes.len() as u64 > IMAGE_ROOM || img.data_offset != DATA_OFFSET {
        kpi::kprint(c"linux64: the vdso image does not fit its mapping; signal handlers cannot return\n");
        return false;
    }
    let mut mapping: *mut core::ffi::c_char = core::ptr::null_mut();
    // SAFETY: the MI function allocates a pageable object of MAP_SIZE bytes and maps it in kernel space,
    // storing the kernel address in `mapping`.
    let obj = unsafe { kpi::elf64_linux_shared_page_init(&mut mapping, MAP_SIZE as usize) };
    if obj.is_null() || mapping.is_null() {
        kpi::kprint(c"linux64: no shared object for the vdso; signal handlers cannot return\n");
        return false;
    }
    // SAFETY: `mapping` points at MAP_SIZE writable kernel bytes just allocated; the image is shorter
    // than MAP_SIZE - PAGE (checked above) and does not overlap them.
    unsafe {
        core::ptr::write_bytes(mapping.cast::<u8>(), 0, MAP_SIZE as usize);
        core::ptr::copy_nonoverlapping(data.as_ptr(), mapping.cast::<u8>(), data.len());
        core::ptr::copy_nonoverlapping(
            img.bytes.as_ptr(),
            mapping.cast::<u8>().add(PAGE as usize),
            img.bytes.len(),
        );
    }
    VDSO_OBJECT.store(obj, Ordering::Release);
    true
}

/// Maps the vdso into a process being exec'd (from `sv_onexec`). 0 or an errno.
///
/// # Safety
/// `p` and `imgp` are the process and image of the exec in progress.
pub unsafe fn map_into(p: *mut proc_, imgp: *mut image_params) -> c_int {
    let obj = VDSO_OBJECT.load(Ordering::Acquire);
    if obj.is_null() {
        return 0;
    }
    // SAFETY: `obj` is the installed object of MAP_SIZE bytes; the MI function maps it read + execute at
    // the fixed address, taking its own reference.
    unsafe { kpi::linux_map_vdso(p, obj, MAP_BASE as usize, MAP_SIZE as usize, imgp) }
}

#[cfg(all(test, not(target_os = "freebsd")))]
mod tests {
    use super::*;

    /// The vdso crates read FreeBSD's `struct vdso_timekeep`/`vdso_timehands` through their own
    /// definitions: each must match the kernel headers' layout (freebsd-sys's bindgen output, itself
    /// checked against clang) field for field.
    #[test]
    fn vdso_timekeeping_layouts_are_freebsds() {
        use core::mem::{offset_of, size_of};
        use zerocopy::NativeEndian as N;
        macro_rules! same {
            ($ours:ty, $bsd:ty, $($o:ident = $b:ident),+) => {
                $(assert_eq!(offset_of!($ours, $o), offset_of!($bsd, $b), concat!(stringify!($bsd), ".", stringify!($b)));)+
            };
        }
        {
            use freebsd_sys::powerpc64::{vdso_timehands as H, vdso_timekeep as K};
            use vdso_ppc64::data::{Timehands, Timekeep};
            same!(
                Timehands<N>,
                H,
                algo = th_algo,
                gen = th_gen,
                scale = th_scale,
                offset_count = th_offset_count,
                counter_mask = th_counter_mask,
                offset = th_offset,
                boottime = th_boottime,
                res = th_res
            );
            assert_eq!(size_of::<Timehands<N>>(), size_of::<H>());
            same!(Timekeep<N>, K, ver = tk_ver, enabled = tk_enabled, current = tk_current, th = tk_th);
        }
        {
            use freebsd_sys::aarch64::{vdso_timehands as H, vdso_timekeep as K};
            use vdso_arm64::data::{Timehands, Timekeep};
            same!(
                Timehands<N>,
                H,
                algo = th_algo,
                gen = th_gen,
                scale = th_scale,
                offset_count = th_offset_count,
                counter_mask = th_counter_mask,
                offset = th_offset,
                boottime = th_boottime,
                physical = th_physical,
                res = th_res
            );
            assert_eq!(size_of::<Timehands<N>>(), size_of::<H>());
            same!(Timekeep<N>, K, ver = tk_ver, enabled = tk_enabled, current = tk_current, th = tk_th);
        }
    }

    /// With SV_TIMEKEEP set up, the data page points the vdso at FreeBSD's timekeeping in the shared page
    /// above the mapping; without it (or with a shared page elsewhere) it stays zero.
    #[test]
    fn data_page_points_at_freebsd_timekeeping() {
        use zerocopy::FromBytes;
        // SAFETY: an all-zero sysentvec is valid (null pointers, no hooks).
        let mut sv: kpi::sys::sysentvec = unsafe { core::mem::zeroed() };
        sv.sv_shared_page_base = (MAP_BASE + MAP_SIZE) as _;
        assert_eq!(timekeep_offset(&sv), None, "exec_sysvec_init has not run");
        sv.sv_timekeep_offset = 0x80;
        let off = timekeep_offset(&sv).unwrap();
        assert_eq!(MAP_BASE as i64 + off, k::SHAREDPAGE + 0x80);
        let page = ppc64_data_page(&arch_ppc64::Ppc64Cpu::POWER9, Some(off));
        let (d, _) = vdso_ppc64::data::VdsoData::<zerocopy::NativeEndian>::read_from_prefix(&page).unwrap();
        assert_eq!(d.tk_offset.get(), off);
        let page = arm64_data_page(Some(off));
        let (d, _) = vdso_arm64::data::VdsoData::<zerocopy::NativeEndian>::read_from_prefix(&page).unwrap();
        assert_eq!(d.tk_offset.get(), off);
        sv.sv_shared_page_base = 0x1000;
        assert_eq!(timekeep_offset(&sv), None, "a shared page elsewhere is not reachable this way");
    }

    /// The data page holds what the vdso reads (time fields zero: the system call is made) and the
    /// platform name, as the vdso-ppc64 layout places them.
    #[test]
    fn data_page_has_cache_blocks_and_the_platform_name() {
        use vdso_ppc64::data::{VdsoData, PLATFORM_OFFSET, PLATFORM_SIZE};
        use zerocopy::FromBytes;
        let page = ppc64_data_page(&arch_ppc64::Ppc64Cpu::POWER9, None);
        let (header, _) = VdsoData::<zerocopy::NativeEndian>::read_from_prefix(&page).unwrap();
        assert_eq!((header.dcache_block.get(), header.icache_block.get()), (128, 128));
        assert_eq!(header.tk_offset.get(), 0);
        assert_eq!(header.tb_freq.get(), 0, "no timekeeping yet: the vdso time functions make the syscall");
        let at = PLATFORM_OFFSET as usize;
        assert_eq!(&page[at..at + 7], b"power9\0");
        assert_eq!(PLATFORM_ADDR - MAP_BASE, PLATFORM_OFFSET);
        // An over-long name is cut and still NUL-terminated.
        let long = arch_ppc64::Ppc64Cpu { platform: "x".repeat(300).leak(), ..arch_ppc64::Ppc64Cpu::POWER9 };
        let page = ppc64_data_page(&long, None);
        assert_eq!(page[PAGE as usize - 1], 0);
        assert_eq!(
            page[at..PAGE as usize - 1].iter().filter(|&&b| b == b'x').count(),
            PLATFORM_SIZE as usize - 1
        );
    }

    #[test]
    fn both_images_fit_and_the_trampoline_is_resolved_from_the_image() {
        for img in [ppc64_image(false), ppc64_image(true), arm64_image()] {
            assert!(img.bytes.len() as u64 <= MAP_SIZE - PAGE);
            assert_eq!(img.data_offset, -(PAGE as i64));
            assert!(img.sigtramp < img.bytes.len() as u64);
        }
        assert_eq!(arm64_image().sigtramp, vdso_arm64::VDSO.symbol("__kernel_rt_sigreturn").unwrap());
        let arm = arm64_data_page(None);
        let at = vdso_arm64::data::PLATFORM_OFFSET as usize;
        assert_eq!(&arm[at..at + 8], b"aarch64\0");
        assert!(arm[..at].iter().all(|&b| b == 0), "no timekeeping: the arm64 vdso makes the syscall");
        assert_eq!(sigtramp(core::ptr::null_mut()), VDSO_BASE + vdso_ppc64::VDSO_BE.sigtramp_start);
        assert_eq!(VDSO_BASE % PAGE, 0);
        let cpu = arch_ppc64::Ppc64Cpu::POWER9;
        assert!(install(&ppc64_data_page(&cpu, None)));
        let installed = kpi::host::shared_page_copy().unwrap();
        assert_eq!(&installed[PAGE as usize..PAGE as usize + image().bytes.len()], image().bytes);
        assert_eq!(&installed[..PAGE as usize], &ppc64_data_page(&cpu, None)[..]);
        // SAFETY: host fakes; null process/image are not dereferenced.
        assert_eq!(unsafe { map_into(core::ptr::null_mut(), core::ptr::null_mut()) }, 0);
        assert_eq!(kpi::host::vdso_maps(), std::vec![(MAP_BASE, MAP_SIZE)]);
    }
}
