/*
 * Entry points of the powerpc64 vdso, except the signal trampoline (sigtramp.S).
 *
 * Calling convention (Linux's, which glibc relies on): arguments in r3.., result in r3; on error CR0.SO
 * is set and r3 holds a positive errno, exactly as after `sc`, so a function that cannot serve a call
 * simply makes the system call with the caller's arguments. glibc calls these through
 * INTERNAL_VSYSCALL_CALL_TYPE, which treats only r0, r3-r12, CR0, CR1, CR5-7, XER, LR and CTR as
 * clobbered: nothing here or in time.c touches r2 (no TOC), r13-r31, CR2-4, FPRs or vector registers.
 * There are no function descriptors, even on big-endian ELFv1 systems (glibc makes its own).
 */
#include "data.h"
#include "regs.h"

#define NR_time			13
#define NR_gettimeofday		78
#define NR_clock_gettime	246
#define NR_clock_getres		247
#define NR_getcpu		302

	.abiversion 2
	.text

/* \reg = the data area: VDSO_DATA_SIZE bytes below the ELF header, found PC-relatively. Clobbers LR. */
.macro GET_DATA reg
	bcl	20, 31, 9f
9:	mflr	\reg
	addis	\reg, \reg, (__ehdr_start - VDSO_DATA_SIZE - 9b)@ha
	addi	\reg, \reg, (__ehdr_start - VDSO_DATA_SIZE - 9b)@l
.endm

.macro FUNC_START name
	.balign	16
	.globl	\name
	.type	\name, @function
\name:
	.cfi_startproc
.endm

.macro FUNC_END name
	.cfi_endproc
	.size	\name, . - \name
.endm

/*
 * An entry point backed by a C function of time.c:
 *   int cfunc(arg0, arg1, const struct vdso_data *data, u64 *result)
 * returning 0 with the result stored, or nonzero for "make system call \nr with arg0, arg1".
 *
 * Two stack frames, as Linux's cvdso_call: the caller need not have a frame of its own. glibc calls
 * from functions that made none (the call is an asm statement to the compiler), which keep their
 * return address in the LR save doubleword at 16(r1) and save registers in their red zone, the 288
 * bytes below r1: neither may be written. The outer frame spans the red zone plus ELFv2's minimum
 * 32 bytes and takes our LR in its LR save doubleword; the inner 64-byte one is the C function's
 * caller frame.
 */
#define RED_ZONE	288
#define C_OUTER	(RED_ZONE + 32)
#define C_INNER	64
.macro C_ENTRY name, cfunc, nr
FUNC_START \name
	stdu	r1, -C_OUTER(r1)
	.cfi_def_cfa_offset C_OUTER
	mflr	r0
	stdu	r1, -C_INNER(r1)
	.cfi_def_cfa_offset C_OUTER + C_INNER
	std	r0, C_INNER + 16(r1)
	.cfi_offset DW_LR, 16 - C_OUTER
	std	r3, 32(r1)
	std	r4, 40(r1)
	GET_DATA r5
	addi	r6, r1, 48
	bl	\cfunc
	ld	r0, C_INNER + 16(r1)
	mtlr	r0
	.cfi_restore DW_LR
	cmpdi	r3, 0
	bne-	1f
	ld	r3, 48(r1)
	.cfi_remember_state
	addi	r1, r1, C_OUTER + C_INNER
	.cfi_def_cfa_offset 0
	crclr	4*cr0+so
	blr
	.cfi_restore_state
1:	ld	r3, 32(r1)
	ld	r4, 40(r1)
	addi	r1, r1, C_OUTER + C_INNER
	.cfi_def_cfa_offset 0
	li	r0, \nr
	sc
	blr
FUNC_END \name
.endm

/* int __kernel_clock_gettime(clockid_t, struct timespec *) */
C_ENTRY __kernel_clock_gettime, __vdso_clock_gettime, NR_clock_gettime
/* int __kernel_clock_getres(clockid_t, struct timespec *) */
C_ENTRY __kernel_clock_getres, __vdso_clock_getres, NR_clock_getres
/* int __kernel_gettimeofday(struct timeval *, struct timezone *) */
C_ENTRY __kernel_gettimeofday, __vdso_gettimeofday, NR_gettimeofday
/* time_t __kernel_time(time_t *) */
C_ENTRY __kernel_time, __vdso_time, NR_time

/* u64 __kernel_get_tbfreq(void): the timebase frequency the kernel published. */
FUNC_START __kernel_get_tbfreq
	mflr	r12
	.cfi_register DW_LR, 12
	GET_DATA r3
	mtlr	r12
	.cfi_restore DW_LR
	ld	r3, VDSO_DATA_TB_FREQ(r3)
	crclr	4*cr0+so
	blr
FUNC_END __kernel_get_tbfreq

/*
 * u32 *__kernel_get_syscall_map(unsigned int *count): the map of implemented system calls (bit
 * 0x80000000 >> (n % 32) of word n / 32 for call n, as Linux); stores the number of calls the map covers
 * in *count when count is not NULL.
 */
FUNC_START __kernel_get_syscall_map
	mflr	r12
	.cfi_register DW_LR, 12
	mr	r4, r3
	GET_DATA r3
	mtlr	r12
	.cfi_restore DW_LR
	cmpdi	r4, 0
	beq	1f
	lwz	r0, VDSO_DATA_SYSCALL_COUNT(r3)
	stw	r0, 0(r4)
1:	addi	r3, r3, VDSO_DATA_SYSCALL_MAP
	crclr	4*cr0+so
	blr
FUNC_END __kernel_get_syscall_map

/*
 * int __kernel_getcpu(unsigned *cpu, unsigned *node, void *unused): FreeBSD gives user mode no CPU
 * number to read, so this is the system call.
 */
FUNC_START __kernel_getcpu
	li	r5, 0
	li	r0, NR_getcpu
	sc
	blr
FUNC_END __kernel_getcpu

/*
 * int __kernel_sync_dicache(void *start, unsigned long size): makes stores to [start, start + size)
 * visible to instruction fetch: dcbst every data cache block, sync, icbi every instruction cache block,
 * isync. Block sizes come from the data area (powers of two; less than 32 or unset means 32).
 */
.macro CACHE_LOOP op, sizeoff
	lwz	r7, \sizeoff(r10)
	cmplwi	r7, 32
	bge	1f
	li	r7, 32
1:	addi	r5, r7, -1
	andc	r6, r3, r5		/* first block */
	subf	r8, r6, r3
	add	r8, r8, r4		/* bytes from the first block to the end */
	add	r8, r8, r5
	cntlzw	r9, r7
	subfic	r9, r9, 31		/* log2(block) */
	srd.	r8, r8, r9		/* blocks */
	beq	3f
	mtctr	r8
2:	\op	0, r6
	add	r6, r6, r7
	bdnz	2b
3:
.endm

FUNC_START __kernel_sync_dicache
	mflr	r12
	.cfi_register DW_LR, 12
	GET_DATA r10
	mtlr	r12
	.cfi_restore DW_LR
	CACHE_LOOP dcbst, VDSO_DATA_DCACHE_BLOCK
	sync
	CACHE_LOOP icbi, VDSO_DATA_ICACHE_BLOCK
	isync
	li	r3, 0
	crclr	4*cr0+so
	blr
FUNC_END __kernel_sync_dicache

/* The kernel version note glibc may read instead of calling uname. */
	.section .note.Linux, "a", @note
	.balign	4
	.long	6			/* name size */
	.long	4			/* descriptor size */
	.long	0			/* type */
	.asciz	"Linux"
	.balign	4
	.long	LINUX_VERSION_CODE

	.section .note.GNU-stack, "", @progbits
