/*
 * The data area the kernel maps immediately below the vdso text, and FreeBSD's published timekeeping
 * (sys/sys/vdso.h, powerpc machine/vdso.h) that it points at.
 *
 * Everything here is in the guest's byte order, which is the kernel's. src/data.rs holds the same layout
 * for the kernel side; the _Static_asserts below and the Rust const assertions there pin both to the
 * table in that module's documentation. What every arch shares (the timekeeping structures, the page's
 * fixed offsets, the clock ids) is vdso-support's c/vdso_timekeep.h; here is powerpc's part.
 */
#ifndef VDSO_PPC64_DATA_H
#define VDSO_PPC64_DATA_H

/* FreeBSD/powerpc's VDSO_TIMEHANDS_MD. */
#define VDSO_TIMEHANDS_MD	vdso_u32 th_res[8];
#include "vdso_timekeep.h"

/* Offsets of powerpc's own header fields (for assembly). */
#define VDSO_DATA_TB_FREQ	0x00
#define VDSO_DATA_DCACHE_BLOCK	0x28
#define VDSO_DATA_ICACHE_BLOCK	0x2c
#define VDSO_DATA_SYSCALL_COUNT	0x30
#define VDSO_DATA_SYSCALL_MAP	0x40

#ifndef __ASSEMBLER__

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

VDSO_DATA_COMMON_ASSERTS();
_Static_assert(VDSO_OFFSETOF(struct vdso_data, tb_freq) == VDSO_DATA_TB_FREQ, "tb_freq");
_Static_assert(VDSO_OFFSETOF(struct vdso_data, dcache_block) == VDSO_DATA_DCACHE_BLOCK, "dcache_block");
_Static_assert(VDSO_OFFSETOF(struct vdso_data, icache_block) == VDSO_DATA_ICACHE_BLOCK, "icache_block");
_Static_assert(VDSO_OFFSETOF(struct vdso_data, syscall_count) == VDSO_DATA_SYSCALL_COUNT, "syscall_count");
_Static_assert(VDSO_OFFSETOF(struct vdso_data, syscall_map) == VDSO_DATA_SYSCALL_MAP, "syscall_map");
_Static_assert(sizeof(struct vdso_data) == 0xc0, "vdso_data");

#endif /* !__ASSEMBLER__ */

/* FreeBSD's algorithm of the powerpc timebase. */
#define VDSO_TH_ALGO_PPC_TB	1

#endif /* VDSO_PPC64_DATA_H */
