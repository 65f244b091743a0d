//! The Linux vdso in the guest (`crates/vdso-ppc64`, `crates/vdso-arm64`): the architecture's image
//! mapped read+execute at a page-aligned base (`AT_SYSINFO_EHDR`), its data page read-only right below
//! it, and the timekeeping the harness publishes there the way FreeBSD's kernel does
//! (`timehands_update()` in `kern_sharedpage.c`), so that `clock_gettime` & co. run in the guest
//! without a system call. What differs between the architectures (the image, the data header, the
//! timehands' machine-dependent words and algorithm, the counter frequency) is a [`VdsoSpec`] from
//! `crate::arch`; the counter arithmetic and the update protocol are here.
//!
//! # The counter
//!
//! Both vdsos read a free-running counter that the emulator derives from the host's `CLOCK_MONOTONIC`,
//! rounded down to a counter tick: on ppc64 the time base (`mfspr 268`; unicorn 2.1.5 as released
//! reads TBL as a plain SPR that never changes, `harness/unicorn/ppc64.patch` (item 5) makes it QEMU's
//! `cpu_ppc_load_tbl()` with `tb_offset` 0, `TB = ns * 512e6 / 1e9`), on arm64 `CNTVCT_EL0` (QEMU's
//! virtual clock, `ns / 16` at 62.5 MHz, unpatched). That is [`ticks_at`] with the spec's frequency.
//! The harness's `clock_gettime` system call answers with the host's clocks, so publishing
//! `th_offset = counter / frequency` exactly (at the counter value `th_offset_count`) and
//! `th_boottime = CLOCK_REALTIME - CLOCK_MONOTONIC` makes the vdso's CLOCK_MONOTONIC the host's rounded
//! down to a counter tick (< 2 ns on ppc64, < 16 ns on arm64), and its CLOCK_REALTIME agree to within
//! the two clock reads.
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

/// Timehands in FreeBSD's timekeep (`VDSO_TH_NUM`; the same in both vdsos).
const TH_NUM: u32 = 4;
/// `VDSO_TK_VER_1`.
const TK_VER_1: u32 = 1;
/// `tk_current`'s offset in `struct vdso_timekeep`.
const TK_CURRENT: u64 = 8;
/// `tk_enabled`'s offset.
const TK_ENABLED: u64 = 4;
/// `tk_th`'s offset.
const TK_TH: u64 = 16;
/// `th_gen`'s offset in a timehands.
const TH_GEN: u64 = 4;
/// The data area's size: one page below the image (both vdsos).
pub const DATA_SIZE: u64 = 0x1000;

/// The values of one timehands, before the architecture lays them out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimehandsValues {
    /// `th_scale`: 2^64 / counter frequency.
    pub scale: u64,
    /// `th_offset_count`: the low 32 bits of the counter at `offset`.
    pub offset_count: u32,
    /// `th_offset`: uptime at `offset_count`, as (seconds, binary fraction).
    pub offset: (i64, u64),
    /// `th_boottime`: realtime minus uptime.
    pub boottime: (i64, u64),
}

/// An architecture's vdso, as the harness maps and updates it.
#[derive(Debug)]
pub struct VdsoSpec {
    /// The ELF image, mapped as it is.
    pub image: &'static [u8],
    /// The image's size rounded up to pages.
    pub map_size: u64,
    /// Offset of the signal trampoline handlers return to (without `SA_RESTORER` on arm64).
    pub trampoline: u64,
    /// The data area's header (written at its start).
    pub header: Vec<u8>,
    /// Where `struct vdso_timekeep` lies in the data area.
    pub tk_offset: u64,
    /// Size of one timehands.
    pub th_size: u64,
    /// The counter's frequency in Hz.
    pub counter_freq: u64,
    /// Lays out a timehands (`th_gen` 0) in the guest's byte order, with the architecture's algorithm.
    pub timehands: fn(&TimehandsValues) -> Vec<u8>,
    /// The guest is big-endian (for the 32-bit words the update protocol writes).
    pub big_endian: bool,
}

/// A host clock in nanoseconds.
fn host_ns(clock: libc::clockid_t) -> i128 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec)
}

/// A host clock's resolution in nanoseconds (0 if the host does not say): what the data header's
/// `hres_ns`/`coarse_ns` publish, as the harness's `clock_getres` system call answers with the host's.
pub fn host_res_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec.
    if unsafe { libc::clock_getres(clock, &mut ts) } != 0 || ts.tv_sec != 0 {
        return 0;
    }
    ts.tv_nsec as u64
}

/// The counter a guest reads at host CLOCK_MONOTONIC `mono_ns` when it counts at `freq` Hz from the
/// host's boot (QEMU's `cpu_ppc_get_tb`, and `gt_get_countervalue` when 1e9 is a multiple of `freq`).
pub fn ticks_at(mono_ns: i128, freq: u64) -> u64 {
    (mono_ns.max(0) as u128 * u128::from(freq) / 1_000_000_000) as u64
}

/// `th_scale` for a counter at `freq` Hz: 2^64 / `freq`, the fraction of a second per tick (rounded
/// down, as FreeBSD's).
pub fn scale_of(freq: u64) -> u64 {
    ((1u128 << 64) / u128::from(freq)) as u64
}

/// A counter value as a `bintime`: seconds and the fraction `(ticks % freq) * scale`, which is what the
/// vdso computes from any earlier timehands, so consecutive timehands never step back.
pub fn ticks_bintime(ticks: u64, freq: u64) -> (i64, u64) {
    ((ticks / freq) as i64, (ticks % freq) * scale_of(freq))
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
    /// What the architecture's vdso is.
    spec: VdsoSpec,
    /// The data page's memory.
    page: DataPage,
    /// FreeBSD's `sv_timekeep_gen`: the generation of the last update (never 0).
    gen: u32,
    /// FreeBSD's `sv_timekeep_curr`: the timehands last filled.
    curr: u32,
}

impl Vdso {
    /// Maps the image and its data page in the highest free range below `top` (above `bottom`), fills
    /// the data header and the first timehands.
    pub fn map(uc: &mut Uc, spec: VdsoSpec, top: u64, bottom: u64) -> Result<Vdso, LinuxErrno> {
        let below = DATA_SIZE;
        let size = spec.map_size;
        let start = uc.get_data().vm.find_free_below(below + size, top, bottom).ok_or(LinuxErrno::ENOMEM)?;
        let base = start + below;
        let mut page = DataPage::new();
        // SAFETY: the page is DATA_SIZE bytes, page-aligned, and outlives the engine (DataPage's
        // contract); `start..base` is one free, page-aligned page.
        unsafe { uc.mem_map_ptr(start, below, cpu::uc_prot(PROT_READ), page.0.as_ptr().cast()) }
            .map_err(|_| LinuxErrno::ENOMEM)?;
        uc.get_data_mut().vm.insert(start, base, PROT_READ);
        cpu::map(uc, base, base + size, PROT_READ | PROT_EXEC)?;
        uc.mem_write(base, spec.image).map_err(|_| LinuxErrno::EFAULT)?;
        page.write(0, &spec.header);
        let mut v = Vdso { base, spec, page, gen: 0, curr: TH_NUM - 1 };
        v.write_u32(v.spec.tk_offset, TK_VER_1);
        v.publish();
        Ok(v)
    }

    /// The address of the vdso's signal trampoline.
    pub fn trampoline(&self) -> u64 {
        self.base + self.spec.trampoline
    }

    fn write_u32(&mut self, offset: u64, v: u32) {
        let b = if self.spec.big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
        self.page.write(offset, &b);
    }

    /// The timehands for now: the counter the guest would read now, its uptime, and the boot time.
    fn timehands(&self) -> Vec<u8> {
        let freq = self.spec.counter_freq;
        let mono = host_ns(libc::CLOCK_MONOTONIC);
        let real = host_ns(libc::CLOCK_REALTIME);
        let ticks = ticks_at(mono, freq);
        let values = TimehandsValues {
            scale: scale_of(freq),
            offset_count: ticks as u32,
            offset: ticks_bintime(ticks, freq),
            boottime: ns_bintime(real - mono),
        };
        (self.spec.timehands)(&values)
    }

    /// Publishes the current time (FreeBSD's `timehands_update()`): the next timehands slot is marked
    /// as being updated (`th_gen` 0), filled, given the next generation, and made current. The writes go
    /// to the harness's own memory behind the guest's read-only mapping, as the kernel's do (if the
    /// guest unmapped the page, nobody reads them).
    pub fn publish(&mut self) {
        let th = self.timehands();
        let idx = (self.curr + 1) % TH_NUM;
        self.curr = idx;
        self.gen = self.gen.wrapping_add(1).max(1);
        let tk = self.spec.tk_offset;
        let slot = tk + TK_TH + u64::from(idx) * self.spec.th_size;
        self.write_u32(slot + TH_GEN, 0);
        self.page.write(slot, &th);
        self.write_u32(slot + TH_GEN, self.gen);
        self.write_u32(tk + TK_CURRENT, idx);
        self.write_u32(tk + TK_ENABLED, 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the vdso computes (time.c's read_bintime for CLK_UPTIME) from a timehands at a counter value.
    fn vdso_uptime(offset: (i64, u64), count: u32, tb: u64, freq: u64) -> (i64, u64) {
        let delta = (tb as u32).wrapping_sub(count);
        let x = u128::from(scale_of(freq)) * u128::from(delta);
        let (frac, carry) = offset.1.overflowing_add(x as u64);
        (offset.0 + (x >> 64) as i64 + i64::from(carry), frac)
    }

    /// For both counters (ppc64's 512 MHz time base, arm64's 62.5 MHz generic timer): the time the vdso
    /// computes from freshly published timehands is the host's monotonic clock rounded down to a tick, and
    /// older timehands extrapolated to a later counter value are never ahead of newer ones.
    #[test]
    fn the_vdso_reads_the_host_monotonic_clock_rounded_down_and_never_steps_back() {
        let to_ns = |(s, f): (i64, u64)| {
            i128::from(s) * 1_000_000_000 + ((u128::from(f) * 1_000_000_000) >> 64) as i128
        };
        for (freq, tick_ns) in [(512_000_000u64, 2i128), (62_500_000, 16)] {
            let mut last = 0i128;
            let mut prev_th: Option<((i64, u64), u32)> = None;
            for mono in (0..40).map(|i| 1_000_000_000i128 * 3000 + i * 987_654_321 + i * i * 7) {
                let tb = ticks_at(mono, freq);
                let th = (ticks_bintime(tb, freq), tb as u32);
                let now = to_ns(vdso_uptime(th.0, th.1, tb, freq));
                assert!(now <= mono && mono - now <= tick_ns, "{freq} Hz: {now} vs {mono}");
                if let Some(p) = prev_th {
                    let old = vdso_uptime(p.0, p.1, tb, freq);
                    assert!(old <= vdso_uptime(th.0, th.1, tb, freq));
                }
                assert!(now >= last);
                last = now;
                prev_th = Some(th);
            }
        }
        // arm64: QEMU's CNTVCT_EL0 is the monotonic ns divided by 16, which ticks_at reproduces.
        for mono in [0i128, 15, 16, 17, 1_234_567_891_234] {
            assert_eq!(ticks_at(mono, 62_500_000), (mono / 16) as u64);
        }
        assert_eq!(ns_bintime(-1), (-1, ns_bintime(999_999_999).1));
        assert_eq!(ns_bintime(1_500_000_000), (1, 1u64 << 63));
    }
}
