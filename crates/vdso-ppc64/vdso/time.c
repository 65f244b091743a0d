/*
 * The time functions of the powerpc64 vdso, computed from FreeBSD's published timekeeping.
 *
 * Each function here is called by an entry point in entry.S with the address of the data area as third
 * argument and a slot for the return value as fourth, and returns 0 when it produced the result, or
 * VDSO_FALLBACK when the entry point must make the real system call instead (a clock the timekeeping
 * cannot serve, timekeeping disabled or of an unknown version or algorithm, a NULL result pointer).
 *
 * Integer-only, freestanding, no globals (hence no TOC): built with -ffreestanding -fPIC -mno-altivec
 * -mno-vsx -msoft-float -fno-jump-tables. The reader is vdso-support's vdso_time.h with the PPC timebase
 * counter (VDSO_TH_ALGO_PPC_TB: the counter is the low 32 bits of mftb).
 */
#include "data.h"

#define VDSO_TH_ALGO VDSO_TH_ALGO_PPC_TB

static inline __attribute__((always_inline)) vdso_u64 vdso_read_count(const volatile struct vdso_timehands *th)
{
	vdso_u64 tb;

	(void)th;
	__asm__ __volatile__("mfspr %0, 268" : "=r"(tb) : : "memory");
	return tb;
}

#include "vdso_time.h"

HIDDEN int __vdso_clock_gettime(int clk, struct linux_timespec *ts, const struct vdso_data *d,
    vdso_u64 *ret)
{
	if (vdso_clock_gettime(clk, ts, d) != 0)
		return VDSO_FALLBACK;
	*ret = 0;
	return 0;
}

HIDDEN int __vdso_clock_getres(int clk, struct linux_timespec *res, const struct vdso_data *d,
    vdso_u64 *ret)
{
	if (vdso_clock_getres(clk, res, d) != 0)
		return VDSO_FALLBACK;
	*ret = 0;
	return 0;
}

HIDDEN int __vdso_gettimeofday(struct linux_timeval *tv, struct linux_timezone *tz,
    const struct vdso_data *d, vdso_u64 *ret)
{
	if (vdso_gettimeofday(tv, tz, d) != 0)
		return VDSO_FALLBACK;
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
