/*
 * The time functions of the arm64 vdso, computed from FreeBSD's published timekeeping.
 *
 * Exported (version LINUX_2.6.39, Linux's arm64 set): __kernel_clock_gettime, __kernel_gettimeofday,
 * __kernel_clock_getres. They are ordinary AAPCS64 functions returning what the system call returns:
 * 0, or a negative errno in x0 (long, so the whole of x0 is defined whether the caller reads an int or a
 * long). When the data page cannot serve a call (a clock the timekeeping does not cover, timekeeping
 * disabled or of an unknown version or algorithm, a NULL result pointer, an unset resolution) they make
 * the system call (`svc #0`) with the caller's arguments: same semantics as vdso-ppc64's.
 *
 * Integer-only (-mgeneral-regs-only), freestanding, position-independent, no globals: the only address
 * taken is the data area's, PC-relatively from __ehdr_start. The reader follows FreeBSD's
 * lib/libc/sys/__vdso_gettimeofday.c (the generation protocol) and lib/libc/aarch64/sys/__vdso_gettc.c
 * (VDSO_TH_ALGO_ARM_GENTIM: `isb`, then CNTVCT_EL0, or CNTPCT_EL0 when th_physical; the counter is its
 * low 32 bits), but multiplies th_scale by the delta 64x64->128 bits, so a delta of more than a second
 * cannot overflow.
 *
 * NR_* come from build.rs (-D); arch-arm64's tests check them against its header-verified table.
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
#define INLINE static inline __attribute__((always_inline))

/* How a clock is computed. */
#define CLK_UPTIME	0u	/* th_offset + counter delta */
#define CLK_ABS		1u	/* ... + th_boottime */
#define CLK_COARSE	2u	/* th_offset only, no counter read (the time of the last tick) */

#ifdef VDSO_TEST_HOOK
/* Test builds only: called once per read attempt, after the timehands were read and before they are
 * validated, so a test can change them in the middle of a read. */
void vdso_test_hook(const volatile struct vdso_timekeep *tk, vdso_u32 curr, unsigned iteration);
#endif

INLINE vdso_u64 mulhdu(vdso_u64 a, vdso_u64 b)
{
	return (vdso_u64)(((unsigned __int128)a * b) >> 64);
}

/* The generic timer's count, after every earlier instruction (FreeBSD's __vdso_gettc). */
INLINE vdso_u64 read_counter(vdso_u32 physical)
{
	vdso_u64 c;

	__asm__ __volatile__("isb" : : : "memory");
	if (physical)
		__asm__ __volatile__("mrs %0, cntpct_el0" : "=r"(c) : : "memory");
	else
		__asm__ __volatile__("mrs %0, cntvct_el0" : "=r"(c) : : "memory");
	return c;
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
			vdso_u32 count = (vdso_u32)read_counter(th->th_physical);
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
			if (algo != VDSO_TH_ALGO_ARM_GENTIM)
				return VDSO_FALLBACK;
			out->sec = sec;
			out->frac = frac;
			return 0;
		}
	}
}

HIDDEN int __vdso_clock_gettime(int clk, struct linux_timespec *ts, const struct vdso_data *d)
{
	struct vdso_bintime bt;
	unsigned how;

	if (ts == 0 || clock_kind(clk, &how) != 0 || read_bintime(d, how, &bt) != 0)
		return VDSO_FALLBACK;
	ts->tv_sec = bt.sec;
	ts->tv_nsec = (vdso_i64)mulhdu(bt.frac, 1000000000u);
	return 0;
}

HIDDEN int __vdso_clock_getres(int clk, struct linux_timespec *res, const struct vdso_data *d)
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

HIDDEN int __vdso_gettimeofday(struct linux_timeval *tv, struct linux_timezone *tz, const struct vdso_data *d)
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

#ifndef VDSO_TEST_HOOK
/* The data area: VDSO_DATA_SIZE bytes below the ELF header, PC-relatively (hidden: no GOT entry). */
extern const char __ehdr_start[] HIDDEN;

INLINE const struct vdso_data *vdso_data(void)
{
	return (const struct vdso_data *)((unsigned long)__ehdr_start - VDSO_DATA_SIZE);
}

/* The system call, as Linux's vdso makes it (gettimeofday.h's *_fallback): x8 = number, x0/x1 in. */
INLINE long syscall2(long nr, long a0, long a1)
{
	register long x0 __asm__("x0") = a0;
	register long x1 __asm__("x1") = a1;
	register long x8 __asm__("x8") = nr;

	__asm__ __volatile__("svc #0" : "+r"(x0) : "r"(x1), "r"(x8) : "memory");
	return x0;
}

/* long __kernel_clock_gettime(clockid_t, struct __kernel_timespec *) */
long __kernel_clock_gettime(int clk, struct linux_timespec *ts)
{
	if (__vdso_clock_gettime(clk, ts, vdso_data()) == 0)
		return 0;
	return syscall2(NR_clock_gettime, clk, (long)ts);
}

/* long __kernel_gettimeofday(struct __kernel_old_timeval *, struct timezone *) */
long __kernel_gettimeofday(struct linux_timeval *tv, struct linux_timezone *tz)
{
	if (__vdso_gettimeofday(tv, tz, vdso_data()) == 0)
		return 0;
	return syscall2(NR_gettimeofday, (long)tv, (long)tz);
}

/* long __kernel_clock_getres(clockid_t, struct __kernel_timespec *) */
long __kernel_clock_getres(int clk, struct linux_timespec *res)
{
	if (__vdso_clock_getres(clk, res, vdso_data()) == 0)
		return 0;
	return syscall2(NR_clock_getres, clk, (long)res);
}
#endif
