/*
 * FreeBSD's timehands reader, shared by every arch's vdso time.c: which clocks the published timekeeping
 * serves and how, the generation protocol, the bintime arithmetic, and the bodies of clock_gettime,
 * clock_getres and gettimeofday. Everything here is inlined into the arch's entry functions (always_inline:
 * on powerpc64 a function that calls another gets a TOC-setting global entry point, and the entry points
 * have no TOC to give).
 *
 * The reader follows FreeBSD's lib/libc/sys/__vdso_gettimeofday.c (the generation protocol), but
 * multiplies th_scale by the counter delta 64x64->128 bits, so a delta of more than a second cannot
 * overflow. Each function returns 0 when it produced the result, or VDSO_FALLBACK when the caller must
 * make the real system call (a clock the timekeeping cannot serve, timekeeping disabled or of an unknown
 * version or algorithm, a NULL result pointer, an unset resolution).
 *
 * The arch's time.c includes its data.h, then defines before including this file:
 *	VDSO_TH_ALGO		the th_algo its counter read serves (FreeBSD's VDSO_TH_ALGO_<arch>)
 *	vdso_read_count(th)	an always_inline function returning the counter FreeBSD's timecounter of
 *				that algorithm reads (its low 32 bits are used), given the timehands (for
 *				their machine-dependent words)
 *
 * Built with -DVDSO_TEST_HOOK (the test program's copy only), the reader calls vdso_test_hook() once per
 * read attempt, after the timehands were read and before they are validated, so a test can change them
 * in the middle of a read.
 */
#ifndef VDSO_TIME_H
#define VDSO_TIME_H

#ifndef VDSO_TH_ALGO
#error "define VDSO_TH_ALGO and vdso_read_count() before including vdso_time.h"
#endif

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
#define INLINE static inline __attribute__((always_inline))

/* How a clock is computed. */
#define CLK_UPTIME	0u	/* th_offset + counter delta */
#define CLK_ABS		1u	/* ... + th_boottime */
#define CLK_COARSE	2u	/* th_offset only, no counter read (the time of the last tick) */

#ifdef VDSO_TEST_HOOK
void vdso_test_hook(const volatile struct vdso_timekeep *tk, vdso_u32 curr, unsigned iteration);
#endif

INLINE vdso_u64 mulhdu(vdso_u64 a, vdso_u64 b)
{
	return (vdso_u64)(((unsigned __int128)a * b) >> 64);
}

INLINE int clock_kind(int clk, unsigned *how)
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
 * the generation or the current index changed during the read.
 */
INLINE int read_bintime(const struct vdso_data *d, unsigned how, struct vdso_bintime *out)
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
			vdso_u32 count = (vdso_u32)vdso_read_count(th);
			vdso_u32 delta = (count - th->th_offset_count) & th->th_counter_mask;
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
			if (algo != VDSO_TH_ALGO)
				return VDSO_FALLBACK;
			out->sec = sec;
			out->frac = frac;
			return 0;
		}
	}
}

/* clock_gettime(clk, ts) from the timekeeping. */
INLINE int vdso_clock_gettime(int clk, struct linux_timespec *ts, const struct vdso_data *d)
{
	struct vdso_bintime bt;
	unsigned how;

	if (ts == 0 || clock_kind(clk, &how) != 0 || read_bintime(d, how, &bt) != 0)
		return VDSO_FALLBACK;
	ts->tv_sec = bt.sec;
	ts->tv_nsec = (vdso_i64)mulhdu(bt.frac, 1000000000u);
	return 0;
}

/* clock_getres(clk, res) from the data page's resolutions. */
INLINE int vdso_clock_getres(int clk, struct linux_timespec *res, const struct vdso_data *d)
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
	return 0;
}

/* gettimeofday(tv, tz): CLOCK_REALTIME in microseconds, the data page's timezone. */
INLINE int vdso_gettimeofday(struct linux_timeval *tv, struct linux_timezone *tz, const struct vdso_data *d)
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
	return 0;
}

#endif /* VDSO_TIME_H */
