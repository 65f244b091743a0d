/*
 * Support for the freestanding vdso test program: the entry point, raw system calls, the counter, and
 * vcall(), which calls a vdso function as a C caller does and checks what it preserved.
 */
	.text

/* _start: a 16-aligned sp, call main, exit_group(its result). */
	.globl	_start
	.type	_start, %function
_start:
	mov	x29, #0
	mov	x30, #0
	mov	x9, sp
	and	sp, x9, #~15
	bl	main
	mov	x8, #94			/* exit_group */
	svc	#0
	b	.

/* long sys6(long nr, long a, b, c, d, e, f): a system call; returns -errno on error. */
	.globl	sys6
	.type	sys6, %function
sys6:
	mov	x8, x0
	mov	x0, x1
	mov	x1, x2
	mov	x2, x3
	mov	x3, x4
	mov	x4, x5
	mov	x5, x6
	svc	#0
	ret

/* u64 read_counter(void): the virtual count, as the vdso reads it. */
	.globl	read_counter
	.type	read_counter, %function
read_counter:
	isb
	mrs	x0, cntvct_el0
	ret

/* u64 read_cntfrq(void) */
	.globl	read_cntfrq
	.type	read_cntfrq, %function
read_cntfrq:
	mrs	x0, cntfrq_el0
	ret

/*
 * long vcall(void *fn, long a0, long a1, struct vcall_ctx *ctx)
 *
 * Calls fn(a0, a1) with the sentinels of ctx in x18..x29 (the callee-saved registers, and x18, which
 * the vdso is built not to touch) and in all of v0..v31 (the vdso must touch no FP/SIMD register at
 * all), x8, x16 and x17 garbage; then records x0 and masks of the registers that did not keep their
 * sentinel, and whether sp came back unchanged.
 * ctx: u64 gpr[32] @0, u128 vreg[32] @256, u64 gpr_bad @768, u64 vreg_bad @776, u64 ret @784,
 *      u64 sp_bad @792, u64 sp @800.
 */
#define FRAME	176
	.globl	vcall
	.type	vcall, %function
vcall:
	stp	x29, x30, [sp, #-FRAME]!
	mov	x29, sp
	stp	x19, x20, [sp, #16]
	stp	x21, x22, [sp, #32]
	stp	x23, x24, [sp, #48]
	stp	x25, x26, [sp, #64]
	stp	x27, x28, [sp, #80]
	stp	d8, d9, [sp, #96]
	stp	d10, d11, [sp, #112]
	stp	d12, d13, [sp, #128]
	stp	d14, d15, [sp, #144]
	stp	x3, x18, [sp, #160]	/* ctx, and the caller's x18 */
	mov	x9, sp
	str	x9, [x3, #800]

	mov	x16, x0
	mov	x0, x1
	mov	x1, x2
	add	x15, x3, #256
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ldr	q\n, [x15, #\n * 16]
	.endr
	.irp n, 18,19,20,21,22,23,24,25,26,27,28,29
	ldr	x\n, [x3, #\n * 8]
	.endr
	mov	x8, #0x1212
	mov	x17, #0x3434
	blr	x16

	ldr	x17, [sp, #160]
	str	x0, [x17, #784]
	mov	x9, sp
	ldr	x10, [x17, #800]
	cmp	x9, x10
	cset	x11, ne
	str	x11, [x17, #792]
	mov	x12, #0
	.irp n, 18,19,20,21,22,23,24,25,26,27,28,29
	ldr	x10, [x17, #\n * 8]
	cmp	x10, x\n
	b.eq	1f
	mov	x11, #1
	lsl	x11, x11, #\n
	orr	x12, x12, x11
1:
	.endr
	str	x12, [x17, #768]
	mov	x12, #0
	add	x15, x17, #256
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fmov	x10, d\n
	mov	x11, v\n\().d[1]
	ldp	x13, x14, [x15, #\n * 16]
	cmp	x10, x13
	ccmp	x11, x14, #0, eq
	b.eq	1f
	mov	x13, #1
	lsl	x13, x13, #\n
	orr	x12, x12, x13
1:
	.endr
	str	x12, [x17, #776]

	ldr	x0, [x17, #784]
	ldr	x18, [sp, #168]
	ldp	d14, d15, [sp, #144]
	ldp	d12, d13, [sp, #128]
	ldp	d10, d11, [sp, #112]
	ldp	d8, d9, [sp, #96]
	ldp	x27, x28, [sp, #80]
	ldp	x25, x26, [sp, #64]
	ldp	x23, x24, [sp, #48]
	ldp	x21, x22, [sp, #32]
	ldp	x19, x20, [sp, #16]
	ldp	x29, x30, [sp], #FRAME
	ret

	.section .note.GNU-stack, "", %progbits
