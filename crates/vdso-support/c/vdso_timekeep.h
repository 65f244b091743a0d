/*
 * What every arch's vdso data.h shares: fixed-size integer types, FreeBSD's published timekeeping
 * (sys/sys/vdso.h: struct bintime, struct vdso_timehands, struct vdso_timekeep), the data page's fixed
 * offsets and the Linux clock ids. src/data.rs (freebsd_timekeeping!) is the Rust side of the same layout.
 *
 * Before including it, an arch's data.h defines VDSO_TIMEHANDS_MD, the machine-dependent words that end
 * FreeBSD's struct vdso_timehands on that arch (32 bytes on every arch, as FreeBSD's machine/vdso.h
 * does), e.g. powerpc's `vdso_u32 th_res[8];`. After it, the arch defines its own struct vdso_data (the
 * header of the data page) and its VDSO_TH_ALGO_* constant.
 */
#ifndef VDSO_TIMEKEEP_H
#define VDSO_TIMEKEEP_H

#ifndef __ASSEMBLER__

#ifndef VDSO_TIMEHANDS_MD
#error "define VDSO_TIMEHANDS_MD (the arch's machine-dependent timehands words) before including vdso_timekeep.h"
#endif

typedef unsigned char vdso_u8;
typedef unsigned int vdso_u32;
typedef int vdso_i32;
typedef unsigned long vdso_u64;
typedef long vdso_i64;

/* FreeBSD struct bintime: seconds and a 64-bit binary fraction of a second. */
struct vdso_bintime {
	vdso_i64 sec;
	vdso_u64 frac;
};

/* FreeBSD struct vdso_timehands (88 bytes): the machine-independent fields, then VDSO_TIMEHANDS_MD. */
struct vdso_timehands {
	vdso_u32 th_algo;
	vdso_u32 th_gen;
	vdso_u64 th_scale;
	vdso_u32 th_offset_count;
	vdso_u32 th_counter_mask;
	struct vdso_bintime th_offset;
	struct vdso_bintime th_boottime;
	VDSO_TIMEHANDS_MD
};

/* FreeBSD struct vdso_timekeep: a header and VDSO_TH_NUM timehands. */
struct vdso_timekeep {
	vdso_u32 tk_ver;
	vdso_u32 tk_enabled;
	vdso_u32 tk_current;
	vdso_u32 tk_pad;
	struct vdso_timehands tk_th[];
};

#define VDSO_OFFSETOF(t, f) __builtin_offsetof(t, f)
_Static_assert(sizeof(struct vdso_bintime) == 16, "bintime");
_Static_assert(VDSO_OFFSETOF(struct vdso_timehands, th_scale) == 8, "th_scale");
_Static_assert(VDSO_OFFSETOF(struct vdso_timehands, th_offset_count) == 16, "th_offset_count");
_Static_assert(VDSO_OFFSETOF(struct vdso_timehands, th_offset) == 24, "th_offset");
_Static_assert(VDSO_OFFSETOF(struct vdso_timehands, th_boottime) == 40, "th_boottime");
_Static_assert(sizeof(struct vdso_timehands) == 88, "vdso_timehands");
_Static_assert(VDSO_OFFSETOF(struct vdso_timekeep, tk_th) == 16, "tk_th");

#endif /* !__ASSEMBLER__ */

/* Size of the data area: one page, mapped read-only immediately below the vdso image. */
#define VDSO_DATA_SIZE		0x1000
/* Offsets of the header fields every arch has at the same place (for assembly). */
#define VDSO_DATA_TK_OFFSET	0x08
#define VDSO_DATA_HRES_NS	0x10
#define VDSO_DATA_COARSE_NS	0x18
#define VDSO_DATA_TZ		0x20
/* Where the kernel puts struct vdso_timekeep when it keeps it inside the data page. */
#define VDSO_DATA_TK_DEFAULT	0x200

/* FreeBSD's constants. */
#define VDSO_TK_VER_1		1
#define VDSO_TH_NUM		4

/* Linux clock ids (uapi linux/time.h). */
#define LINUX_CLOCK_REALTIME		0
#define LINUX_CLOCK_MONOTONIC		1
#define LINUX_CLOCK_PROCESS_CPUTIME_ID	2
#define LINUX_CLOCK_THREAD_CPUTIME_ID	3
#define LINUX_CLOCK_MONOTONIC_RAW	4
#define LINUX_CLOCK_REALTIME_COARSE	5
#define LINUX_CLOCK_MONOTONIC_COARSE	6
#define LINUX_CLOCK_BOOTTIME		7

/*
 * The header fields every arch's struct vdso_data has at those offsets (call after defining it; an arch
 * adds the asserts of its own fields).
 */
#define VDSO_DATA_COMMON_ASSERTS()								\
	_Static_assert(VDSO_OFFSETOF(struct vdso_data, tk_offset) == VDSO_DATA_TK_OFFSET, "tk_offset");	\
	_Static_assert(VDSO_OFFSETOF(struct vdso_data, hres_ns) == VDSO_DATA_HRES_NS, "hres_ns");	\
	_Static_assert(VDSO_OFFSETOF(struct vdso_data, coarse_ns) == VDSO_DATA_COARSE_NS, "coarse_ns");	\
	_Static_assert(VDSO_OFFSETOF(struct vdso_data, tz_minuteswest) == VDSO_DATA_TZ, "tz");	\
	_Static_assert(VDSO_OFFSETOF(struct vdso_data, tz_dsttime) == VDSO_DATA_TZ + 4, "tz_dsttime")

#endif /* VDSO_TIMEKEEP_H */
