/*
 * Support for the freestanding vdso test program (ELFv2, either byte order): the entry point, raw system
 * calls, and vcall(), which calls a vdso function the way glibc does and checks what it preserved.
 */
#include "regs.h"

	.abiversion 2
	.text

/* _start: r12 = _start (ELFv2 entry); set up the TOC and a frame, call main, exit_group(its result). */
	.globl	_start
	.type	_start, @function
_start:
	addis	r2, r12, (.TOC. - _start)@ha
	addi	r2, r2, (.TOC. - _start)@l
	clrrdi	r1, r1, 4
	li	r0, 0
	stdu	r0, -128(r1)
	bl	main
	nop
	li	r0, 234			/* exit_group */
	sc
	b	.

/* long sys6(long nr, long a, b, c, d, e, f): a system call; returns -errno on error. */
	.globl	sys6
	.type	sys6, @function
sys6:
	mr	r0, r3
	mr	r3, r4
	mr	r4, r5
	mr	r5, r6
	mr	r6, r7
	mr	r7, r8
	mr	r8, r9
	sc
	bnslr
	neg	r3, r3
	blr

/*
 * long vcall(void *fn, long a0, long a1, long a2, struct vcall_ctx *ctx)
 *
 * Calls fn like glibc's INTERNAL_VSYSCALL_CALL_TYPE (mtctr/bctrl; fn in r0, r12 garbage), with the
 * sentinels of ctx in r2, r13..r31, f0..f31 and CR2..CR4 (what glibc's asm does not list as clobbered),
 * then records r3, CR, and masks of the GPRs and FPRs that did not keep their sentinel. Bit 1 of the GPR
 * mask (r1 is never a sentinel) means the LR save doubleword at 16(r1) was written, bit 0 (r0 is
 * volatile) that the red zone (the 288 bytes below r1) was: glibc calls the vdso from functions without
 * a frame of their own, whose return address is in that doubleword and saved registers in that zone.
 * ctx: u64 gpr[32] @0, u64 fpr[32] @256 (bit patterns), u64 cr_in @512, u64 cr_out @520,
 *      u64 gpr_bad @528, u64 r3 @536, u64 tmp @544, u64 fpr_bad @552.
 */
#define FRAME	352
	.globl	vcall
	.type	vcall, @function
vcall:
	mflr	r0
	std	r0, 16(r1)
	mfcr	r12
	stw	r12, 8(r1)
	stdu	r1, -FRAME(r1)
	std	r2, 32(r1)
	std	r13, 40(r1)
	.irp n, 14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	std	\n, 48 + (\n - 14) * 8(r1)
	.endr
	.irp n, 14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	stfd	\n, 192 + (\n - 14) * 8(r1)
	.endr
	std	r7, 336(r1)

	mtctr	r3
	mr	r0, r3
	mr	r3, r4
	mr	r4, r5
	mr	r5, r6
	mr	r11, r7
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	lfd	\n, 256 + \n * 8(r11)
	.endr
	ld	r12, 512(r11)
	mtcrf	0x38, r12
	ld	r2, 2 * 8(r11)
	ld	r13, 13 * 8(r11)
	.irp n, 14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld	\n, \n * 8(r11)
	.endr
	std	r11, 16(r1)		/* the sentinel of the LR save doubleword: ctx */
	.irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36
	std	r11, -\n * 8(r1)	/* and of the red zone */
	.endr
	li	r12, 0x1212
	bctrl

	mfcr	r0
	ld	r11, 336(r1)
	std	r3, 536(r11)
	clrldi	r0, r0, 32
	std	r0, 520(r11)
	li	r12, 0
	.irp n, 2,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld	r10, \n * 8(r11)
	cmpd	\n, r10
	beq	1f
	li	r9, 1
	sldi	r9, r9, \n
	or	r12, r12, r9
1:
	.endr
	ld	r10, 16(r1)
	cmpd	r10, r11
	beq	1f
	ori	r12, r12, 2
1:
	.irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36
	ld	r10, -\n * 8(r1)
	cmpd	r10, r11
	beq	1f
	ori	r12, r12, 1
1:
	.endr
	std	r12, 528(r11)
	li	r12, 0
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	stfd	\n, 544(r11)
	ld	r10, 544(r11)
	ld	r9, 256 + \n * 8(r11)
	cmpd	r10, r9
	beq	1f
	li	r9, 1
	sldi	r9, r9, \n
	or	r12, r12, r9
1:
	.endr
	std	r12, 552(r11)

	ld	r2, 32(r1)
	ld	r13, 40(r1)
	.irp n, 14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld	\n, 48 + (\n - 14) * 8(r1)
	.endr
	.irp n, 14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	lfd	\n, 192 + (\n - 14) * 8(r1)
	.endr
	addi	r1, r1, FRAME
	ld	r0, 16(r1)
	mtlr	r0
	lwz	r12, 8(r1)
	mtcrf	0x38, r12
	blr

/* u64 read_counter(void): the timebase, as the vdso reads it. */
	.globl	read_counter
	.type	read_counter, @function
read_counter:
	mfspr	r3, 268
	blr

	.section .note.GNU-stack, "", @progbits
