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
 * taken is the data area's, PC-relatively from __ehdr_start. The reader is vdso-support's vdso_time.h
 * with the counter of FreeBSD's lib/libc/aarch64/sys/__vdso_gettc.c (VDSO_TH_ALGO_ARM_GENTIM: `isb`,
 * then CNTVCT_EL0, or CNTPCT_EL0 when th_physical; the counter is its low 32 bits).
 *
 * NR_* come from build.rs (-D); arch-arm64's tests check them against its header-verified table.
 */
#include "data.h"

#define VDSO_TH_ALGO VDSO_TH_ALGO_ARM_GENTIM

/* The generic timer's count, after every earlier instruction (FreeBSD's __vdso_gettc). */
static inline __attribute__((always_inline)) vdso_u64 vdso_read_count(const volatile struct vdso_timehands *th)
{
	vdso_u32 physical = th->th_physical;
	vdso_u64 c;

	__asm__ __volatile__("isb" : : : "memory");
	if (physical)
		__asm__ __volatile__("mrs %0, cntpct_el0" : "=r"(c) : : "memory");
	else
		__asm__ __volatile__("mrs %0, cntvct_el0" : "=r"(c) : : "memory");
	return c;
}

#include "vdso_time.h"

HIDDEN int __vdso_clock_gettime(int clk, struct linux_timespec *ts, const struct vdso_data *d)
{
	return vdso_clock_gettime(clk, ts, d);
}

HIDDEN int __vdso_clock_getres(int clk, struct linux_timespec *res, const struct vdso_data *d)
{
	return vdso_clock_getres(clk, res, d);
}

HIDDEN int __vdso_gettimeofday(struct linux_timeval *tv, struct linux_timezone *tz, const struct vdso_data *d)
{
	return vdso_gettimeofday(tv, tz, d);
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
