/*
 * The rt signal trampoline of the arm64 vdso and its unwind information.
 *
 * Linux's arch/arm64/kernel/vdso/sigreturn.S: a `nop`, then __kernel_rt_sigreturn, `mov x8,
 * #__NR_rt_sigreturn; svc #0`, exactly these two instructions (libgcc's aarch64_fallback_frame_state,
 * gdb's aarch64_linux_rt_sigframe and LLVM libunwind recognise a signal frame by them). A handler is
 * entered with x30 = __kernel_rt_sigreturn (crates/arch-arm64/src/signal.rs) and returns with sp where
 * the kernel left it, at the struct rt_sigframe:
 *
 *   sp                            struct rt_sigframe: siginfo, then struct ucontext
 *   sp + FRAME_SC                 uc.uc_mcontext (struct sigcontext)
 *   sp + FRAME_SC + SC_REGS       regs[31]: x0..x30
 *   sp + FRAME_SC + SC_SP         sp, then pc
 *   sp + FRAME_SC + SC_RESERVED   __reserved: the fpsimd_context record first (always, as on Linux),
 *                                 its vregs[32] at FPSIMD_VREGS
 *
 * The offsets come from build.rs (-D), which exports the same numbers to Rust; arch-arm64 asserts at
 * compile time that they are its rt_sigframe's, whose layout the conformance tests check against
 * Linux's uapi headers.
 *
 * The CFI. Linux 5.8 had `.cfi_signal_frame` with CFA = x29 and x29/x30 in the frame record only; that
 * was too little for libgcc (which then could not restore the callee-saved registers when unwinding a
 * thread cancellation out of a handler), and Linux since commented the directives out, falling back on
 * the unwinders' instruction matching. This FDE is the comprehensive description Linux's comment asks
 * for, the one libgcc's fallback computes: the 'S' (signal frame) augmentation; CFA = the interrupted sp
 * (sigcontext.sp); x0..x30 and the low halves of v0..v31 where the frame holds them; the interrupted pc
 * (sigcontext.pc) in column 96, the return-address column libgcc uses for signal frames
 * (DWARF_ALT_FRAME_RETURN_COLUMN, AARCH64_DWARF_V0 + 32: column 32, AADWARF64's PC, has no register size
 * in libgcc's table, which would abort). The FDE starts at the `nop`, so that an unwinder looking up the
 * handler's return address minus one (the handler's frame is not a signal frame) finds it: that is what
 * the "mysterious NOP" is for. sp does not change in the trampoline: one row covers it.
 */

/* DWARF */
#define DW_CFA_def_cfa		0x0c
#define DW_CFA_def_cfa_expression 0x0f
#define DW_CFA_expression	0x10
#define DW_OP_breg31		0x8f	/* sp + sleb128 */
#define DW_OP_deref		0x06
#define DW_REG_SP		31
#define DW_REG_V0		64
#define DW_REG_RA		96	/* the interrupted pc */

	.text
	.balign	16
.Lsigreturn_start:
	nop				/* the mysterious NOP */
	.globl	__kernel_rt_sigreturn
	.type	__kernel_rt_sigreturn, %function
__kernel_rt_sigreturn:
	mov	x8, #NR_rt_sigreturn
	svc	#0
.Lsigreturn_end:
	.size	__kernel_rt_sigreturn, . - __kernel_rt_sigreturn

/* Register \reg is saved at sp + \ofs. */
.macro SAVED_AT reg, ofs
	.byte	DW_CFA_expression
	.uleb128 \reg
	.uleb128 2f - 1f
1:	.byte	DW_OP_breg31
	.sleb128 \ofs
2:
.endm

	.section .eh_frame, "a", %progbits
.Lcie:
	.long	.Lcie_end - .Lcie_start
.Lcie_start:
	.long	0				/* CIE id */
	.byte	1				/* version */
	.asciz	"zRS"				/* augmentation: data length, FDE encoding, signal frame */
	.uleb128 4				/* code alignment factor */
	.sleb128 -8				/* data alignment factor */
	.byte	DW_REG_RA			/* return address column */
	.uleb128 1				/* augmentation data length */
	.byte	0x1b				/* FDE pointers: DW_EH_PE_pcrel | DW_EH_PE_sdata4 */
	.byte	DW_CFA_def_cfa, DW_REG_SP, 0	/* sp + 0, replaced by the FDE */
	.balign	8				/* padding: DW_CFA_nop */
.Lcie_end:

	.long	.Lfde_end - .Lfde_start
.Lfde_start:
	.long	.Lfde_start - .Lcie		/* CIE pointer */
	.long	.Lsigreturn_start - .		/* initial location: the nop */
	.long	.Lsigreturn_end - .Lsigreturn_start	/* address range: nop, mov, svc */
	.uleb128 0				/* augmentation data length */
	/* CFA = the interrupted sp = *(sp + FRAME_SC + SC_SP) */
	.byte	DW_CFA_def_cfa_expression
	.uleb128 2f - 1f
1:	.byte	DW_OP_breg31
	.sleb128 FRAME_SC + SC_SP
	.byte	DW_OP_deref
2:
	/* x0..x30 (sp is the CFA) */
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30
	SAVED_AT \n, FRAME_SC + SC_REGS + \n * 8
	.endr
	SAVED_AT DW_REG_RA, FRAME_SC + SC_PC
	/* v0..v31: the low 64 bits (d0..d31), first in each little-endian 16-byte slot */
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	SAVED_AT DW_REG_V0 + \n, FRAME_SC + SC_RESERVED + FPSIMD_VREGS + \n * 16
	.endr
	.balign	8
.Lfde_end:

	.section .note.GNU-stack, "", %progbits
