/*
 * The data area the kernel maps immediately below the vdso text, and FreeBSD's published timekeeping
 * (sys/sys/vdso.h, powerpc machine/vdso.h) that it points at.
 *
 * Everything here is in the guest's byte order, which is the kernel's. src/data.rs holds the same layout
 * for the kernel side; the _Static_asserts below and the Rust const assertions there pin both to the
 * table in that module's documentation.
 */
#ifndef VDSO_PPC64_DATA_H
#define VDSO_PPC64_DATA_H

#ifndef __ASSEMBLER__

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

/* FreeBSD struct vdso_timehands (88 bytes on powerpc64). */
struct vdso_timehands {
	vdso_u32 th_algo;
	vdso_u32 th_gen;
	vdso_u64 th_scale;
	vdso_u32 th_offset_count;
	vdso_u32 th_counter_mask;
	struct vdso_bintime th_offset;
	struct vdso_bintime th_boottime;
	vdso_u32 th_res[8];
};

/* FreeBSD struct vdso_timekeep: a header and VDSO_TH_NUM timehands. */
struct vdso_timekeep {
	vdso_u32 tk_ver;
	vdso_u32 tk_enabled;
	vdso_u32 tk_current;
	vdso_u32 tk_pad;
	struct vdso_timehands tk_th[];
};

/* The header of the data area (see VDSO_DATA_* offsets below). */
struct vdso_data {
	vdso_u64 tb_freq;
	vdso_i64 tk_offset;
	vdso_u64 hres_ns;
	vdso_u64 coarse_ns;
	vdso_i32 tz_minuteswest;
	vdso_i32 tz_dsttime;
	vdso_u32 dcache_block;
	vdso_u32 icache_block;
	vdso_u32 syscall_count;
	vdso_u32 reserved0;
	vdso_u64 reserved1;
	vdso_u32 syscall_map[32];
};

#define VDSO_OFFSETOF(t, f) __builtin_offsetof(t, f)
_Static_assert(sizeof(struct vdso_bintime) == 16, "bintime");
_Static_assert(VDSO_OFFSETOF(struct vdso_timehands, th_scale) == 8, "th_scale");
_Static_assert(VDSO_OFFSETOF(struct vdso_timehands, th_offset_count) == 16, "th_offset_count");
_Static_assert(VDSO_OFFSETOF(struct vdso_timehands, th_offset) == 24, "th_offset");
_Static_assert(VDSO_OFFSETOF(struct vdso_timehands, th_boottime) == 40, "th_boottime");
_Static_assert(sizeof(struct vdso_timehands) == 88, "vdso_timehands");
_Static_assert(VDSO_OFFSETOF(struct vdso_timekeep, tk_th) == 16, "tk_th");
_Static_assert(VDSO_OFFSETOF(struct vdso_data, tk_offset) == 0x08, "tk_offset");
_Static_assert(VDSO_OFFSETOF(struct vdso_data, hres_ns) == 0x10, "hres_ns");
_Static_assert(VDSO_OFFSETOF(struct vdso_data, coarse_ns) == 0x18, "coarse_ns");
_Static_assert(VDSO_OFFSETOF(struct vdso_data, tz_minuteswest) == 0x20, "tz");
_Static_assert(VDSO_OFFSETOF(struct vdso_data, dcache_block) == 0x28, "dcache_block");
_Static_assert(VDSO_OFFSETOF(struct vdso_data, icache_block) == 0x2c, "icache_block");
_Static_assert(VDSO_OFFSETOF(struct vdso_data, syscall_count) == 0x30, "syscall_count");
_Static_assert(VDSO_OFFSETOF(struct vdso_data, syscall_map) == 0x40, "syscall_map");
_Static_assert(sizeof(struct vdso_data) == 0xc0, "vdso_data");

#endif /* !__ASSEMBLER__ */

/* Size of the data area: one page, mapped read-only immediately below the vdso image. */
#define VDSO_DATA_SIZE		0x1000
/* Offsets of the header fields (for assembly). */
#define VDSO_DATA_TB_FREQ	0x00
#define VDSO_DATA_TK_OFFSET	0x08
#define VDSO_DATA_HRES_NS	0x10
#define VDSO_DATA_COARSE_NS	0x18
#define VDSO_DATA_TZ		0x20
#define VDSO_DATA_DCACHE_BLOCK	0x28
#define VDSO_DATA_ICACHE_BLOCK	0x2c
#define VDSO_DATA_SYSCALL_COUNT	0x30
#define VDSO_DATA_SYSCALL_MAP	0x40
/* Where the kernel puts struct vdso_timekeep when it keeps it inside the data page. */
#define VDSO_DATA_TK_DEFAULT	0x200

/* FreeBSD's constants. */
#define VDSO_TK_VER_1		1
#define VDSO_TH_ALGO_PPC_TB	1
#define VDSO_TH_NUM		4

/* Linux clock ids. */
#define LINUX_CLOCK_REALTIME		0
#define LINUX_CLOCK_MONOTONIC		1
#define LINUX_CLOCK_PROCESS_CPUTIME_ID	2
#define LINUX_CLOCK_THREAD_CPUTIME_ID	3
#define LINUX_CLOCK_MONOTONIC_RAW	4
#define LINUX_CLOCK_REALTIME_COARSE	5
#define LINUX_CLOCK_MONOTONIC_COARSE	6
#define LINUX_CLOCK_BOOTTIME		7

#endif /* VDSO_PPC64_DATA_H */
