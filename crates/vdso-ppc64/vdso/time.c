/*
 * The time functions of the powerpc64 vdso, computed from FreeBSD's published timekeeping.
 *
 * Each function here is called by an entry point in entry.S with the address of the data area as third
 * argument and a slot for the return value as fourth, and returns 0 when it produced the result, or
 * VDSO_FALLBACK when the entry point must make the real system call instead (a clock the timekeeping
 * cannot serve, timekeeping disabled or of an unknown version or algorithm, a NULL result pointer).
 *
 * Integer-only, freestanding, no globals (hence no TOC): built with -ffreestanding -fPIC -mno-altivec
 * -mno-vsx -msoft-float -fno-jump-tables. The reader follows FreeBSD's lib/libc/sys/__vdso_gettimeofday.c
 * (the generation protocol) with the PPC timebase counter (VDSO_TH_ALGO_PPC_TB: the counter is the low
 * 32 bits of mftb), but multiplies th_scale by the delta 64x64->128 bits, so a delta of more than a
 * second cannot overflow.
 */
#include "data.h"

struct linux_timespec {
	vdso_i64 tv_sec;
	vdso_i64 tv_nsec;
};

struct linux_timeval {
	vdso_i64 tv_sec;
	vdso_i64 tv_usec;
};

struct linux_timezone {
	vdso_i32 tz_minuteswest;
	vdso_i32 tz_dsttime;
};

#define VDSO_FALLBACK 1
#define HIDDEN __attribute__((visibility("hidden")))

/* How a clock is computed. */
#define CLK_UPTIME	0u	/* th_offset + counter delta */
#define CLK_ABS		1u	/* ... + th_boottime */
#define CLK_COARSE	2u	/* th_offset only, no counter read (the time of the last tick) */

#ifdef VDSO_TEST_HOOK
/* Test builds only: called once per read attempt, after the timehands were read and before they are
 * validated, so a test can change them in the middle of a read. */
void vdso_test_hook(const volatile struct vdso_timekeep *tk, vdso_u32 curr, unsigned iteration);
#endif

static inline vdso_u64 mulhdu(vdso_u64 a, vdso_u64 b)
{
	return (vdso_u64)(((unsigned __int128)a * b) >> 64);
}

static inline vdso_u64 read_timebase(void)
{
	vdso_u64 tb;

	__asm__ __volatile__("mfspr %0, 268" : "=r"(tb) : : "memory");
	return tb;
}

static inline __attribute__((always_inline)) int clock_kind(int clk, unsigned *how)
{
	switch (clk) {
	case LINUX_CLOCK_REALTIME:
		*how = CLK_ABS;
		return 0;
	case LINUX_CLOCK_MONOTONIC:
	case LINUX_CLOCK_MONOTONIC_RAW:
	case LINUX_CLOCK_BOOTTIME:
		*how = CLK_UPTIME;
		return 0;
	case LINUX_CLOCK_REALTIME_COARSE:
		*how = CLK_ABS | CLK_COARSE;
		return 0;
	case LINUX_CLOCK_MONOTONIC_COARSE:
		*how = CLK_COARSE;
		return 0;
	default:
		return VDSO_FALLBACK;
	}
}

/*
 * Reads the current timehands consistently: retries while the kernel updates them (th_gen 0), or when
 * the generation or the current index changed during the read. Inlined into its callers: a function that
 * calls another one gets a TOC-setting global entry point, and the entry points have no TOC to give.
 */
static inline __attribute__((always_inline)) int read_bintime(const struct vdso_data *d, unsigned how, struct vdso_bintime *out)
{
	const volatile struct vdso_timekeep *tk =
	    (const volatile struct vdso_timekeep *)((const char *)d + d->tk_offset);
#ifdef VDSO_TEST_HOOK
	unsigned iteration = 0;
#endif

	for (;;) {
		if (tk->tk_ver != VDSO_TK_VER_1 || tk->tk_enabled == 0)
			return VDSO_FALLBACK;
		vdso_u32 curr = __atomic_load_n(&tk->tk_current, __ATOMIC_ACQUIRE);
		if (curr >= VDSO_TH_NUM)
			return VDSO_FALLBACK;
		const volatile struct vdso_timehands *th = &tk->tk_th[curr];
		vdso_u32 gen = __atomic_load_n(&th->th_gen, __ATOMIC_ACQUIRE);
		vdso_u32 algo = th->th_algo;
		vdso_i64 sec = th->th_offset.sec;
		vdso_u64 frac = th->th_offset.frac;

		if ((how & CLK_COARSE) == 0) {
			vdso_u32 delta = ((vdso_u32)read_timebase() - th->th_offset_count) & th->th_counter_mask;
			unsigned __int128 x = (unsigned __int128)th->th_scale * delta;
			vdso_u64 lo = (vdso_u64)x;

			frac += lo;
			sec += (vdso_i64)(vdso_u64)(x >> 64) + (frac < lo);
		}
		if (how & CLK_ABS) {
			vdso_u64 bfrac = th->th_boottime.frac;

			frac += bfrac;
			sec += th->th_boottime.sec + (frac < bfrac);
		}
#ifdef VDSO_TEST_HOOK
		vdso_test_hook(tk, curr, iteration++);
#endif
		/* The loads above complete before th_gen and tk_current are read again. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (curr == tk->tk_current && gen != 0 && gen == th->th_gen) {
			if (algo != VDSO_TH_ALGO_PPC_TB)
				return VDSO_FALLBACK;
			out->sec = sec;
			out->frac = frac;
			return 0;
		}
	}
}

HIDDEN int __vdso_clock_gettime(int clk, struct linux_timespec *ts, const struct vdso_data *d,
    vdso_u64 *ret)
{
	struct vdso_bintime bt;
	unsigned how;

	if (ts == 0 || clock_kind(clk, &how) != 0 || read_bintime(d, how, &bt) != 0)
		return VDSO_FALLBACK;
	ts->tv_sec = bt.sec;
	ts->tv_nsec = (vdso_i64)mulhdu(bt.frac, 1000000000u);
	*ret = 0;
	return 0;
}

HIDDEN int __vdso_clock_getres(int clk, struct linux_timespec *res, const struct vdso_data *d,
    vdso_u64 *ret)
{
	unsigned how;
	vdso_u64 ns;

	if (clock_kind(clk, &how) != 0)
		return VDSO_FALLBACK;
	ns = (how & CLK_COARSE) ? d->coarse_ns : d->hres_ns;
	if (ns == 0 || ns >= 1000000000u)
		return VDSO_FALLBACK;
	if (res != 0) {
		res->tv_sec = 0;
		res->tv_nsec = (vdso_i64)ns;
	}
	*ret = 0;
	return 0;
}

HIDDEN int __vdso_gettimeofday(struct linux_timeval *tv, struct linux_timezone *tz,
    const struct vdso_data *d, vdso_u64 *ret)
{
	struct vdso_bintime bt;

	if (tv != 0) {
		if (read_bintime(d, CLK_ABS, &bt) != 0)
			return VDSO_FALLBACK;
		tv->tv_sec = bt.sec;
		tv->tv_usec = (vdso_i64)mulhdu(bt.frac, 1000000u);
	}
	if (tz != 0) {
		tz->tz_minuteswest = d->tz_minuteswest;
		tz->tz_dsttime = d->tz_dsttime;
	}
	*ret = 0;
	return 0;
}

/* time(): the seconds of CLOCK_REALTIME_COARSE, as Linux's vdso returns. */
HIDDEN int __vdso_time(vdso_i64 *t, vdso_u64 unused, const struct vdso_data *d, vdso_u64 *ret)
{
	struct vdso_bintime bt;

	(void)unused;
	if (read_bintime(d, CLK_ABS | CLK_COARSE, &bt) != 0)
		return VDSO_FALLBACK;
	if (t != 0)
		*t = bt.sec;
	*ret = (vdso_u64)bt.sec;
	return 0;
}
