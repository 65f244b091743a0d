//! The Linux vdso in the guest (`crates/vdso-ppc64`): the image of the guest's byte order mapped
//! read+execute at a page-aligned base (`AT_SYSINFO_EHDR`), its data page read-only right below it, and
//! the timekeeping the harness publishes there the way FreeBSD's kernel does (`timehands_update()` in
//! `kern_sharedpage.c`), so that `clock_gettime` & co. run in the guest without a system call.
//!
//! # The counter
//!
//! The vdso reads the time base (`mfspr 268`) and the timehands say what it means
//! ([`vdso_ppc64::data::TH_ALGO_PPC_TB`]). Unicorn 2.1.5 as released reads TBL as a plain SPR that never
//! changes (mftb is always 0); `harness/unicorn/ppc64.patch` (item 5) makes it QEMU's
//! `cpu_ppc_load_tbl()` with `tb_offset` 0, i.e. `TB = host CLOCK_MONOTONIC ns * 512e6 / 1e9` (rounded
//! down) at every read. The harness's `clock_gettime` system call answers with the host's clocks, so
//! publishing `th_offset = TB / 512 MHz` exactly (at the counter value `th_offset_count`) and
//! `th_boottime = CLOCK_REALTIME - CLOCK_MONOTONIC` makes the vdso's CLOCK_MONOTONIC the host's rounded
//! down to a time-base tick (< 2 ns), and its CLOCK_REALTIME agree to within the two clock reads.
//!
//! # Updates
//!
//! The counter in the timehands is 32 bits (FreeBSD's), which wrap every 2^32 / 512 MHz = 8.4 s, and the
//! coarse clocks are `th_offset` itself; so [`Vdso::publish`] runs before every return to the guest
//! (after each system call, fault, signal delivery), and a CPU-time tick ([`crate::hostsig::start_tick`],
//! one coarse-clock resolution of harness CPU time) stops a guest that makes no system call, so that the
//! timehands are never older than the coarse resolution of running time. Each update fills the next of
//! the [`TH_NUM`] timehands with `th_gen` 0, then its new generation, then `tk_current`, as FreeBSD does:
//! a guest stopped in the middle of a read sees the generation or the index change and reads again.
//!
//! The data page is the harness's own memory mapped into the engine (`uc_mem_map_ptr`), written
//! directly: `uc_mem_write` to a page the guest may not write toggles its protection and flushes the
//! TLB, which made every system call ~50 times slower.

use crate::cpu::{self, Uc};
use crate::vm::{PROT_EXEC, PROT_READ};
use core::ptr::NonNull;
use linux_core::errno::LinuxErrno;
use vdso_ppc64::data::{
    Bintime, Timehands, Timekeep, VdsoData, DATA_SIZE, TH_ALGO_PPC_TB, TH_NUM, TK_DEFAULT_OFFSET, TK_VER_1,
};
use vdso_ppc64::VdsoImage;
use zerocopy::byteorder::{ByteOrder, I32, I64, U32, U64};
use zerocopy::{FromZeros, IntoBytes};

/// The guest's time-base frequency: POWER9's 512 MHz, the `tb_freq` the unicorn patch gives `mftb`.
pub const TB_FREQ: u64 = 512_000_000;

/// `th_scale`: 2^64 / [`TB_FREQ`], the fraction of a second per tick (rounded down, as FreeBSD's).
pub const TB_SCALE: u64 = ((1u128 << 64) / TB_FREQ as u128) as u64;

/// `tk_current`'s offset in `struct vdso_timekeep`.
const TK_CURRENT: u64 = 8;
/// `tk_enabled`'s offset.
const TK_ENABLED: u64 = 4;
/// `tk_th`'s offset.
const TK_TH: u64 = 16;
/// `th_gen`'s offset in a timehands.
const TH_GEN: u64 = 4;

/// A host clock in nanoseconds.
fn host_ns(clock: libc::clockid_t) -> i128 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec)
}

/// A host clock's resolution in nanoseconds (0 if the host does not say).
fn host_res_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec.
    if unsafe { libc::clock_getres(clock, &mut ts) } != 0 || ts.tv_sec != 0 {
        return 0;
    }
    ts.tv_nsec as u64
}

/// The time base the guest reads at host CLOCK_MONOTONIC `mono_ns` (QEMU's `cpu_ppc_get_tb`).
pub fn tb_at(mono_ns: i128) -> u64 {
    (mono_ns.max(0) as u128 * u128::from(TB_FREQ) / 1_000_000_000) as u64
}

/// A time base value as a `bintime`: seconds and the fraction `(tb % TB_FREQ) * TB_SCALE`, which is what
/// the vdso computes from any earlier timehands, so consecutive timehands never step back.
pub fn tb_bintime(tb: u64) -> (i64, u64) {
    ((tb / TB_FREQ) as i64, (tb % TB_FREQ) * TB_SCALE)
}

/// Nanoseconds (possibly negative) as a `bintime` with a fraction rounded to the nearest 2^-64 s.
pub fn ns_bintime(ns: i128) -> (i64, u64) {
    let sec = ns.div_euclid(1_000_000_000);
    let rem = ns.rem_euclid(1_000_000_000) as u128;
    let frac = ((rem << 64) + 500_000_000) / 1_000_000_000;
    (sec as i64, frac.min(u128::from(u64::MAX)) as u64)
}

/// The period of the vdso tick ([`crate::hostsig::start_tick`]): the host's coarse-clock resolution (a
/// kernel tick), between 1 and 10 ms.
pub fn tick_period_ns() -> u64 {
    host_res_ns(libc::CLOCK_MONOTONIC_COARSE).clamp(1_000_000, 10_000_000)
}

/// One page of host memory, page-aligned as unicorn wants for `uc_mem_map_ptr`.
#[repr(C, align(4096))]
struct Page([u8; DATA_SIZE as usize]);

/// The data page's host memory: owned here, mapped into the engine. The engine must be closed (or the
/// page unmapped) before this is dropped: [`crate::process::Proc`] declares its engine before its
/// [`Vdso`], so the engine is dropped first.
#[derive(Debug)]
struct DataPage(NonNull<Page>);

impl DataPage {
    fn new() -> DataPage {
        DataPage(NonNull::from(Box::leak(Box::new(Page([0; DATA_SIZE as usize])))))
    }

    /// Copies `bytes` to `offset` (nothing if they would not fit).
    fn write(&mut self, offset: u64, bytes: &[u8]) {
        let Some(end) = (offset as usize).checked_add(bytes.len()) else { return };
        if end > DATA_SIZE as usize {
            return;
        }
        // SAFETY: the page is DATA_SIZE bytes owned by `self` and `offset..end` lies inside it; no Rust
        // reference to it exists, and the engine reads it only while it runs, never during this copy
        // (the harness is single-threaded).
        unsafe {
            core::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                self.0.as_ptr().cast::<u8>().add(offset as usize),
                bytes.len(),
            )
        }
    }
}

impl Drop for DataPage {
    fn drop(&mut self) {
        // SAFETY: the pointer came from Box::leak in `new` and is freed only here; the engine that
        // mapped it is gone (see the type's documentation).
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

/// The vdso of one process image and its timekeeping state.
#[derive(Debug)]
pub struct Vdso {
    /// The image's base (`AT_SYSINFO_EHDR`); the data page is the page below it.
    pub base: u64,
    /// The image mapped.
    pub image: &'static VdsoImage,
    /// The data page's memory.
    page: DataPage,
    /// FreeBSD's `sv_timekeep_gen`: the generation of the last update (never 0).
    gen: u32,
    /// FreeBSD's `sv_timekeep_curr`: the timehands last filled.
    curr: u32,
}

impl Vdso {
    /// Maps the image of the byte order and its data page in the highest free range below `top` (above
    /// `bottom`), fills the data header and the first timehands. The trampoline signal handlers enter
    /// through is [`Vdso::trampoline`].
    pub fn map<E: ByteOrder>(
        uc: &mut Uc,
        little: bool,
        top: u64,
        bottom: u64,
        cpu_model: &arch_ppc64::Ppc64Cpu,
    ) -> Result<Vdso, LinuxErrno> {
        let image = VdsoImage::for_order(little);
        let below = image.data_offset.unsigned_abs();
        if below != DATA_SIZE {
            return Err(LinuxErrno::ENOEXEC);
        }
        let size = image.map_size(crate::vm::PAGE);
        let start = uc.get_data().vm.find_free_below(below + size, top, bottom).ok_or(LinuxErrno::ENOMEM)?;
        let base = start + below;
        let mut page = DataPage::new();
        // SAFETY: the page is DATA_SIZE bytes, page-aligned, and outlives the engine (DataPage's
        // contract); `start..base` is one free, page-aligned page.
        unsafe { uc.mem_map_ptr(start, below, cpu::uc_prot(PROT_READ), page.0.as_ptr().cast()) }
            .map_err(|_| LinuxErrno::ENOMEM)?;
        uc.get_data_mut().vm.insert(start, base, PROT_READ);
        cpu::map(uc, base, base + size, PROT_READ | PROT_EXEC)?;
        uc.mem_write(base, image.bytes).map_err(|_| LinuxErrno::EFAULT)?;

        let mut hdr = VdsoData::<E>::new_zeroed();
        hdr.tb_freq = U64::new(TB_FREQ);
        hdr.tk_offset = I64::new(TK_DEFAULT_OFFSET as i64);
        // clock_getres() answers as the harness's system call does: the host's.
        hdr.hres_ns = U64::new(host_res_ns(libc::CLOCK_MONOTONIC));
        hdr.coarse_ns = U64::new(host_res_ns(libc::CLOCK_MONOTONIC_COARSE));
        hdr.tz_minuteswest = I32::new(0);
        hdr.tz_dsttime = I32::new(0);
        hdr.dcache_block = U32::new(cpu_model.dcache_block_size as u32);
        hdr.icache_block = U32::new(cpu_model.icache_block_size as u32);
        let table = &arch_ppc64::syscall_table::PPC64_SYSCALLS;
        hdr.syscall_count = U32::new(table.len() as u32);
        for (nr, sys) in table.iter().enumerate() {
            if sys.is_some_and(|s| crate::syscalls::IMPLEMENTED.contains(&s)) {
                hdr.set_syscall(nr as u32);
            }
        }
        page.write(0, hdr.as_bytes());
        let mut tk = Timekeep::<E>::new_zeroed();
        tk.ver = U32::new(TK_VER_1);
        page.write(TK_DEFAULT_OFFSET, tk.as_bytes());
        let mut v = Vdso { base, image, page, gen: 0, curr: TH_NUM as u32 - 1 };
        v.publish::<E>();
        Ok(v)
    }

    /// `SignalDelivery::trampoline`: `__kernel_start_sigtramp_rt64`.
    pub fn trampoline(&self) -> u64 {
        self.base + self.image.sigtramp_start
    }

    /// The timehands for now: the time base the guest would read now, its uptime, and the boot time.
    fn timehands<E: ByteOrder>() -> Timehands<E> {
        let mono = host_ns(libc::CLOCK_MONOTONIC);
        let real = host_ns(libc::CLOCK_REALTIME);
        let tb = tb_at(mono);
        let (sec, frac) = tb_bintime(tb);
        let (bsec, bfrac) = ns_bintime(real - mono);
        let mut th = Timehands::<E>::new_zeroed();
        th.algo = U32::new(TH_ALGO_PPC_TB);
        th.scale = U64::new(TB_SCALE);
        th.offset_count = U32::new(tb as u32);
        th.counter_mask = U32::new(u32::MAX);
        th.offset = Bintime { sec: I64::new(sec), frac: U64::new(frac) };
        th.boottime = Bintime { sec: I64::new(bsec), frac: U64::new(bfrac) };
        th
    }

    /// Publishes the current time (FreeBSD's `timehands_update()`): the next timehands slot is marked
    /// as being updated (`th_gen` 0), filled, given the next generation, and made current. The writes go
    /// to the harness's own memory behind the guest's read-only mapping, as the kernel's do (if the
    /// guest unmapped the page, nobody reads them).
    pub fn publish<E: ByteOrder>(&mut self) {
        let th = Self::timehands::<E>();
        let idx = (self.curr + 1) % TH_NUM as u32;
        self.curr = idx;
        self.gen = self.gen.wrapping_add(1).max(1);
        let tk = TK_DEFAULT_OFFSET;
        let slot = tk + TK_TH + u64::from(idx) * core::mem::size_of::<Timehands<E>>() as u64;
        self.page.write(slot + TH_GEN, U32::<E>::new(0).as_bytes());
        self.page.write(slot, th.as_bytes());
        self.page.write(slot + TH_GEN, U32::<E>::new(self.gen).as_bytes());
        self.page.write(tk + TK_CURRENT, U32::<E>::new(idx).as_bytes());
        self.page.write(tk + TK_ENABLED, U32::<E>::new(1).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the vdso computes (time.c's read_bintime for CLK_UPTIME) from a timehands at a counter value.
    fn vdso_uptime(offset: (i64, u64), count: u32, tb: u64) -> (i64, u64) {
        let delta = (tb as u32).wrapping_sub(count);
        let x = u128::from(TB_SCALE) * u128::from(delta);
        let (frac, carry) = offset.1.overflowing_add(x as u64);
        (offset.0 + (x >> 64) as i64 + i64::from(carry), frac)
    }

    #[test]
    fn the_vdso_reads_the_host_monotonic_clock_rounded_down_and_never_steps_back() {
        let to_ns = |(s, f): (i64, u64)| {
            i128::from(s) * 1_000_000_000 + ((u128::from(f) * 1_000_000_000) >> 64) as i128
        };
        let mut last = 0i128;
        let mut prev_th: Option<((i64, u64), u32)> = None;
        for mono in (0..40).map(|i| 1_000_000_000i128 * 3000 + i * 987_654_321 + i * i * 7) {
            let tb = tb_at(mono);
            let th = (tb_bintime(tb), tb as u32);
            let now = to_ns(vdso_uptime(th.0, th.1, tb));
            assert!(now <= mono && mono - now <= 2, "{now} vs {mono}");
            if let Some(p) = prev_th {
                // The old timehands extrapolated to the new counter value are never ahead of the new ones.
                let old = vdso_uptime(p.0, p.1, tb);
                assert!(old <= vdso_uptime(th.0, th.1, tb));
            }
            assert!(now >= last);
            last = now;
            prev_th = Some(th);
        }
        assert_eq!(ns_bintime(-1), (-1, ns_bintime(999_999_999).1));
        assert_eq!(ns_bintime(1_500_000_000), (1, 1u64 << 63));
    }
}
