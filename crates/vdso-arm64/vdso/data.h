/*
 * The data area the kernel maps immediately below the arm64 vdso image, and FreeBSD's published
 * timekeeping (sys/sys/vdso.h, arm64 machine/vdso.h) that it points at.
 *
 * src/data.rs holds the same layout for the kernel side; the _Static_asserts below and the Rust const
 * assertions there pin both to the table in that module's documentation. The header keeps the offsets
 * vdso-ppc64's header has for the fields both share (tk_offset, the resolutions, the timezone), so the
 * kernel fills them the same way for both architectures; the powerpc-only fields are reserved here.
 */
#ifndef VDSO_ARM64_DATA_H
#define VDSO_ARM64_DATA_H

#ifndef __ASSEMBLER__

typedef unsigned int vdso_u32;
typedef int vdso_i32;
typedef unsigned long vdso_u64;
typedef long vdso_i64;

/* FreeBSD struct bintime: seconds and a 64-bit binary fraction of a second. */
struct vdso_bintime {
	vdso_i64 sec;
	vdso_u64 frac;
};

/* FreeBSD/arm64 struct vdso_timehands (88 bytes): VDSO_TIMEHANDS_MD is th_physical, th_res[7]. */
struct vdso_timehands {
	vdso_u32 th_algo;
	vdso_u32 th_gen;
	vdso_u64 th_scale;
	vdso_u32 th_offset_count;
	vdso_u32 th_counter_mask;
	struct vdso_bintime th_offset;
	struct vdso_bintime th_boottime;
	vdso_u32 th_physical;	/* read CNTPCT_EL0 instead of CNTVCT_EL0 */
	vdso_u32 th_res[7];
};

/* FreeBSD struct vdso_timekeep: a header and VDSO_TH_NUM timehands. */
struct vdso_timekeep {
	vdso_u32 tk_ver;
	vdso_u32 tk_enabled;
	vdso_u32 tk_current;
	vdso_u32 tk_pad;
	struct vdso_timehands tk_th[];
};

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

#define VDSO_OFFSETOF(t, f) __builtin_offsetof(t, f)
_Static_assert(sizeof(struct vdso_bintime) == 16, "bintime");
_Static_assert(VDSO_OFFSETOF(struct vdso_timehands, th_scale) == 8, "th_scale");
_Static_assert(VDSO_OFFSETOF(struct vdso_timehands, th_offset_count) == 16, "th_offset_count");
_Static_assert(VDSO_OFFSETOF(struct vdso_timehands, th_offset) == 24, "th_offset");
_Static_assert(VDSO_OFFSETOF(struct vdso_timehands, th_boottime) == 40, "th_boottime");
_Static_assert(VDSO_OFFSETOF(struct vdso_timehands, th_physical) == 56, "th_physical");
_Static_assert(sizeof(struct vdso_timehands) == 88, "vdso_timehands");
_Static_assert(VDSO_OFFSETOF(struct vdso_timekeep, tk_th) == 16, "tk_th");
_Static_assert(VDSO_OFFSETOF(struct vdso_data, tk_offset) == 0x08, "tk_offset");
_Static_assert(VDSO_OFFSETOF(struct vdso_data, hres_ns) == 0x10, "hres_ns");
_Static_assert(VDSO_OFFSETOF(struct vdso_data, coarse_ns) == 0x18, "coarse_ns");
_Static_assert(VDSO_OFFSETOF(struct vdso_data, tz_minuteswest) == 0x20, "tz");
_Static_assert(sizeof(struct vdso_data) == 0x40, "vdso_data");

#endif /* !__ASSEMBLER__ */

/* Size of the data area: one page, mapped read-only immediately below the vdso image. */
#define VDSO_DATA_SIZE		0x1000
/* Where the kernel puts struct vdso_timekeep when it keeps it inside the data page. */
#define VDSO_DATA_TK_DEFAULT	0x200

/* FreeBSD's constants. */
#define VDSO_TK_VER_1		1
#define VDSO_TH_ALGO_ARM_GENTIM	1
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

#endif /* VDSO_ARM64_DATA_H */
