/*
 * The rt signal trampoline and its unwind information.
 *
 * The kernel delivers a signal with NIP = __kernel_start_sigtramp_rt64, CTR = the handler's entry,
 * r1 = newsp, and the struct rt_sigframe at newsp + 128 (crates/arch-ppc64/src/signal.rs):
 *
 *   newsp + 128             ucontext (the frame starts with it)
 *   newsp + 128 + 168       uc_mcontext (struct sigcontext)
 *   newsp + 128 + 168 + 56  sigcontext.regs: the address of gp_regs (pt_regs order), at sigcontext + 64
 *   gp_regs + 48*8          fp_regs[32], FPSCR (= sigcontext + 448)
 *   gp_regs + 648           v_regs: the address of the vector area (= sigcontext + 712)
 *   *v_regs                 VR0..31 (16 bytes each), VSCR (low word of a quadword), VRSAVE (at 33*16)
 *
 * `bctrl` calls the handler, which returns to __kernel_sigtramp_rt64 (glibc's backtrace() recognises a
 * signal frame by that return address); `addi r1,r1,128` points r1 at the ucontext and rt_sigreturn
 * restores the interrupted context.
 *
 * The CFI describes the interrupted function's registers in the frame. It covers the trampoline from the
 * `bctrl`, one instruction before the return address, because unwinders look up a caller's return address
 * minus one. Until the `addi` has executed r1 = newsp and the regs pointer is at r1 + 352; after it,
 * at r1 + 224: two rows. The CIE carries the "S" (signal frame) augmentation, and the return address
 * column is 67 ("ap"), which is set to the interrupted NIP. The kernel always points v_regs into the frame
 * (as Linux does), so the vector registers are described unconditionally: when the thread never used
 * AltiVec the saved values are zeros, which is what the registers hold.
 */
#include "regs.h"

#define NR_rt_sigreturn		172
#define SIGNAL_FRAMESIZE	128
#define UC_MCONTEXT		168	/* offsetof(struct ucontext, uc_mcontext) */
#define SC_REGS			56	/* offsetof(struct sigcontext, regs) */
#define PTREGS_BEFORE_ADDI	(SIGNAL_FRAMESIZE + UC_MCONTEXT + SC_REGS)
#define PTREGS_AFTER_ADDI	(UC_MCONTEXT + SC_REGS)
#define GPR_SIZE		8
#define FPREGS			(48 * GPR_SIZE)	/* fp_regs relative to gp_regs */
#define VREGS_PTR		(FPREGS + 33 * 8)	/* v_regs relative to gp_regs: 648 */
#define PT_NIP			32
#define PT_CTR			35
#define PT_LNK			36
#define PT_CCR			38
#ifdef __LITTLE_ENDIAN__
#define CR_WORD			0	/* the 32-bit CR in its 64-bit slot */
#define VSCR_WORD		0	/* the 32-bit VSCR in its quadword */
#else
#define CR_WORD			4
#define VSCR_WORD		12
#endif

/* DWARF */
#define DW_CFA_advance_loc	0x40
#define DW_CFA_def_cfa		0x0c
#define DW_CFA_def_cfa_expression 0x0f
#define DW_CFA_expression	0x10
#define DW_OP_breg1		0x71
#define DW_OP_deref		0x06
#define DW_OP_plus_uconst	0x23
#define DW_REG_CR2		70
#define DW_REG_VR0		77
#define DW_REG_VRSAVE		109
#define DW_REG_VSCR		110

	.abiversion 2
	.text
	.balign	32
	.globl	__kernel_start_sigtramp_rt64
	.type	__kernel_start_sigtramp_rt64, @function
__kernel_start_sigtramp_rt64:
.Lsigtramp_start:
	bctrl					/* the handler */
	.size	__kernel_start_sigtramp_rt64, . - __kernel_start_sigtramp_rt64
	.globl	__kernel_sigtramp_rt64
	.type	__kernel_sigtramp_rt64, @function
__kernel_sigtramp_rt64:
	addi	r1, r1, SIGNAL_FRAMESIZE	/* r1 = the ucontext */
.Lsigtramp_after_addi:
	li	r0, NR_rt_sigreturn
	sc
.Lsigtramp_end:
	.size	__kernel_sigtramp_rt64, . - __kernel_sigtramp_rt64

/* CFA = the interrupted r1 = gp_regs[1] = *(*(r1 + ptregs) + 8). */
.macro CFA_RULE ptregs
	.byte	DW_CFA_def_cfa_expression
	.uleb128 2f - 1f
1:	.byte	DW_OP_breg1
	.sleb128 \ptregs
	.byte	DW_OP_deref
	.byte	DW_OP_plus_uconst
	.uleb128 8
	.byte	DW_OP_deref
2:
.endm

/* Register \reg is saved at *(r1 + ptregs) + \ofs. */
.macro SAVED_AT reg, ptregs, ofs
	.byte	DW_CFA_expression
	.uleb128 \reg
	.uleb128 2f - 1f
1:	.byte	DW_OP_breg1
	.sleb128 \ptregs
	.byte	DW_OP_deref
	.byte	DW_OP_plus_uconst
	.uleb128 \ofs
2:
.endm

/* Vector register \reg is saved at *(*(r1 + ptregs) + VREGS_PTR) + \ofs. */
.macro VEC_SAVED_AT reg, ptregs, ofs
	.byte	DW_CFA_expression
	.uleb128 \reg
	.uleb128 2f - 1f
1:	.byte	DW_OP_breg1
	.sleb128 \ptregs
	.byte	DW_OP_deref
	.byte	DW_OP_plus_uconst
	.uleb128 VREGS_PTR
	.byte	DW_OP_deref
	.byte	DW_OP_plus_uconst
	.uleb128 \ofs
2:
.endm

.macro FRAME_RULES ptregs
	CFA_RULE \ptregs
	/* r0, r2..r31 (r1 is the CFA) */
	.irp n, 0,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	SAVED_AT \n, \ptregs, \n * GPR_SIZE
	.endr
	SAVED_AT DW_NIP, \ptregs, PT_NIP * GPR_SIZE
	SAVED_AT DW_LR, \ptregs, PT_LNK * GPR_SIZE
	SAVED_AT DW_CTR, \ptregs, PT_CTR * GPR_SIZE
	/* CR0..CR7 all live in the one 32-bit CR image */
	.irp n, 0,1,2,3,4,5,6,7
	SAVED_AT 68 + \n, \ptregs, PT_CCR * GPR_SIZE + CR_WORD
	.endr
	/* f0..f31 */
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	SAVED_AT 32 + \n, \ptregs, FPREGS + \n * 8
	.endr
	/* v0..v31, VSCR, VRSAVE */
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	VEC_SAVED_AT DW_REG_VR0 + \n, \ptregs, \n * 16
	.endr
	VEC_SAVED_AT DW_REG_VSCR, \ptregs, 32 * 16 + VSCR_WORD
	VEC_SAVED_AT DW_REG_VRSAVE, \ptregs, 33 * 16
.endm

	.section .eh_frame, "a", @progbits
.Lcie:
	.long	.Lcie_end - .Lcie_start
.Lcie_start:
	.long	0				/* CIE id */
	.byte	1				/* version */
	.asciz	"zRS"				/* augmentation: data length, FDE encoding, signal frame */
	.uleb128 4				/* code alignment factor */
	.sleb128 -8				/* data alignment factor */
	.byte	DW_NIP				/* return address column */
	.uleb128 1				/* augmentation data length */
	.byte	0x1b				/* FDE pointers: DW_EH_PE_pcrel | DW_EH_PE_sdata4 */
	.byte	DW_CFA_def_cfa, 1, 0		/* r1 + 0, replaced by each FDE */
	.balign	8				/* padding: DW_CFA_nop */
.Lcie_end:

	.long	.Lfde_end - .Lfde_start
.Lfde_start:
	.long	.Lfde_start - .Lcie		/* CIE pointer */
	.long	.Lsigtramp_start - .		/* initial location */
	.long	.Lsigtramp_end - .Lsigtramp_start	/* address range */
	.uleb128 0				/* augmentation data length */
	FRAME_RULES PTREGS_BEFORE_ADDI		/* at the bctrl and the addi */
	.byte	DW_CFA_advance_loc | ((.Lsigtramp_after_addi - .Lsigtramp_start) / 4)
	FRAME_RULES PTREGS_AFTER_ADDI		/* at the li and the sc */
	.balign	8
.Lfde_end:

	.section .note.GNU-stack, "", @progbits
