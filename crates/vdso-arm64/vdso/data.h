/*
 * The data area the kernel maps immediately below the arm64 vdso image, and FreeBSD's published
 * timekeeping (sys/sys/vdso.h, arm64 machine/vdso.h) that it points at.
 *
 * src/data.rs holds the same layout for the kernel side; the _Static_asserts below and the Rust const
 * assertions there pin both to the table in that module's documentation. What every arch shares (the
 * timekeeping structures, the page's fixed offsets, the clock ids) is vdso-support's c/vdso_timekeep.h;
 * the header keeps the offsets vdso-ppc64's header has for the fields both use, so the kernel fills them
 * the same way for both architectures; the powerpc-only fields are reserved here.
 */
#ifndef VDSO_ARM64_DATA_H
#define VDSO_ARM64_DATA_H

/* FreeBSD/arm64's VDSO_TIMEHANDS_MD: th_physical reads CNTPCT_EL0 instead of CNTVCT_EL0. */
#define VDSO_TIMEHANDS_MD	vdso_u32 th_physical; vdso_u32 th_res[7];
#include "vdso_timekeep.h"

#ifndef __ASSEMBLER__

/* The header of the data area. */
struct vdso_data {
	vdso_u64 reserved0;	/* vdso-ppc64: tb_freq */
	vdso_i64 tk_offset;
	vdso_u64 hres_ns;
	vdso_u64 coarse_ns;
	vdso_i32 tz_minuteswest;
	vdso_i32 tz_dsttime;
	vdso_u64 reserved1[3];
};

VDSO_DATA_COMMON_ASSERTS();
_Static_assert(VDSO_OFFSETOF(struct vdso_timehands, th_physical) == 56, "th_physical");
_Static_assert(sizeof(struct vdso_data) == 0x40, "vdso_data");

#endif /* !__ASSEMBLER__ */

/* FreeBSD's algorithm of the ARM generic timer. */
#define VDSO_TH_ALGO_ARM_GENTIM	1

#endif /* VDSO_ARM64_DATA_H */
