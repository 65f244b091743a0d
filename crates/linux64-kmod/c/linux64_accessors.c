/*
 * Accessors for the fields of struct thread and struct proc the Rust side needs, and the few operations
 * that are macros in the KPI (curthread, PROC_LOCK, mtx_lock, the FP/vector hand-over). Compiled with the
 * module's kernel flags against the same headers as freebsd-sys.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/signalvar.h>
#include <sys/sysent.h>
#include <machine/pcb.h>
#include <machine/frame.h>
#if defined(__powerpc__)
#include <machine/fpu.h>
#include <machine/altivec.h>
#include <machine/psl.h>
#include <machine/cpu.h>
#include <machine/cpufunc.h>
#include <machine/md_var.h>
#include <machine/spr.h>
#endif

#if defined(__aarch64__)
#include <machine/armreg.h>
#include <machine/cpu.h>
#include <machine/elf.h>
#include <machine/md_var.h>
#include <machine/vfp.h>
#endif

#include "linux64_glue.h"

/* Linux sa_flags (asm-generic/signal.h; the same on powerpc and arm64). */
#define	LINUX_SA_SIGINFO	0x00000004ULL
#define	LINUX_SA_ONSTACK	0x08000000ULL
#define	LINUX_SA_RESTART	0x10000000ULL
#define	LINUX_SA_NODEFER	0x40000000ULL
#define	LINUX_SA_RESETHAND	0x80000000ULL

struct thread *
linux64_curthread(void)
{
	return (curthread);
}

struct proc *
linux64_td_proc(struct thread *td)
{
	return (td->td_proc);
}

struct trapframe *
linux64_td_frame(struct thread *td)
{
	return (td->td_frame);
}

struct syscall_args *
linux64_td_sa(struct thread *td)
{
	return (&td->td_sa);
}

register_t *
linux64_td_retval(struct thread *td)
{
	return (td->td_retval);
}

struct sigaltstack *
linux64_td_sigstk(struct thread *td)
{
	return (&td->td_sigstk);
}

struct pcb *
linux64_td_pcb(struct thread *td)
{
	return (td->td_pcb);
}

struct sysentvec *
linux64_p_sysent(struct proc *p)
{
	return (p->p_sysent);
}

void
linux64_p_set_osrel(struct proc *p, int osrel)
{
	p->p_osrel = osrel;
}

/* The Linux sa_flags of the handler of (BSD) signal sig; ps_mtx is held by the caller (sendsig). */
uint64_t
linux64_sig_flags(struct thread *td, int sig)
{
	struct sigacts *psp = td->td_proc->p_sigacts;
	uint64_t f = 0;

	mtx_assert(&psp->ps_mtx, MA_OWNED);
	if (SIGISMEMBER(psp->ps_siginfo, sig))
		f |= LINUX_SA_SIGINFO;
	if (SIGISMEMBER(psp->ps_sigonstack, sig))
		f |= LINUX_SA_ONSTACK;
	if (!SIGISMEMBER(psp->ps_sigintr, sig))
		f |= LINUX_SA_RESTART;
	if (SIGISMEMBER(psp->ps_sigreset, sig))
		f |= LINUX_SA_RESETHAND;
	if (SIGISMEMBER(psp->ps_signodefer, sig))
		f |= LINUX_SA_NODEFER;
	return (f);
}

/* sendsig is called with the proc lock and ps_mtx held; copyout may sleep. */
void
linux64_sendsig_unlock(struct thread *td)
{
	struct proc *p = td->td_proc;

	mtx_unlock(&p->p_sigacts->ps_mtx);
	PROC_UNLOCK(p);
}

void
linux64_sendsig_lock(struct thread *td)
{
	struct proc *p = td->td_proc;

	PROC_LOCK(p);
	mtx_lock(&p->p_sigacts->ps_mtx);
}

/* Kills the process with sig (no handler runs): a signal frame could not be written or read back. */
void
linux64_sigexit(struct thread *td, int sig)
{
	PROC_LOCK(td->td_proc);
	sigexit(td, sig);
}

#if defined(__powerpc__)
/* Writes the live FP/vector registers of td into its pcb (what get_mcontext does). */
void
linux64_ppc64_fpvec_save(struct thread *td)
{
	struct pcb *pcb = td->td_pcb;

	critical_enter();
	if (pcb->pcb_flags & PCB_FPU)
		save_fpu(td);
	if (pcb->pcb_flags & PCB_VEC)
		save_vec(td);
	critical_exit();
}

/*
 * The pcb now holds the state to run with (what set_mcontext does): give up the units so the next use
 * traps and enable_fpu()/enable_vec() load the pcb contents.
 */
void
linux64_ppc64_fpvec_reload(struct thread *td, int fp_valid, int vec_valid)
{
	struct pcb *pcb = td->td_pcb;

	td->td_frame->srr1 &= ~(PSL_FP | PSL_VSX | PSL_VEC);
	pcb->pcb_flags &= ~(PCB_FPU | PCB_VSX | PCB_VEC);
	if (fp_valid)
		pcb->pcb_flags |= PCB_FPREGS;
	if (vec_valid)
		pcb->pcb_flags |= PCB_VECREGS;
}

/*
 * What the kernel knows about the CPU, for AT_HWCAP/AT_HWCAP2/AT_PLATFORM: FreeBSD's feature words (the
 * same PPC_FEATURE_* bits as Linux's), the cache line size and the processor version register.
 */
void
linux64_ppc64_cpu_info(uint64_t *features, uint64_t *features2, int *cacheline, uint32_t *pvr)
{
	*features = cpu_features;
	*features2 = cpu_features2;
	*cacheline = cacheline_size;
	*pvr = mfpvr();
}
#endif

#if defined(__aarch64__)
/*
 * The FP/SIMD registers of td (the current thread), flushed from the CPU first, as get_fpcontext()
 * does. Returns whether the thread has used the unit (PCB_FP_STARTED); the registers are copied either
 * way (zero for a thread that never used it).
 */
int
linux64_arm64_fpsimd_get(struct thread *td, struct linux64_fpsimd *out)
{
	struct pcb *pcb = td->td_pcb;

	critical_enter();
	if ((pcb->pcb_fpflags & PCB_FP_STARTED) != 0)
		vfp_save_state(td, pcb);
	critical_exit();
	memcpy(out->vregs, pcb->pcb_fpustate.vfp_regs, sizeof(out->vregs));
	out->fpsr = pcb->pcb_fpustate.vfp_fpsr;
	out->fpcr = pcb->pcb_fpustate.vfp_fpcr;
	out->used = (pcb->pcb_fpflags & PCB_FP_STARTED) != 0;
	out->pad = 0;
	return (out->used);
}

/*
 * Makes `in` the FP/SIMD state of td, as set_fpcontext() does: the CPU copy is discarded and the next
 * use loads the pcb.
 */
void
linux64_arm64_fpsimd_set(struct thread *td, const struct linux64_fpsimd *in)
{
	struct pcb *pcb = td->td_pcb;

	critical_enter();
	vfp_discard(td);
	memcpy(pcb->pcb_fpustate.vfp_regs, in->vregs, sizeof(in->vregs));
	pcb->pcb_fpustate.vfp_fpsr = in->fpsr;
	pcb->pcb_fpustate.vfp_fpcr = in->fpcr;
	if (in->used)
		pcb->pcb_fpflags |= PCB_FP_STARTED;
	critical_exit();
}

/* TPIDR_EL0 of td as its pcb keeps it (cpu_set_user_tls writes both). */
uint64_t
linux64_arm64_tpidr(struct thread *td)
{
	return (td->td_pcb->pcb_tpidr_el0);
}

/* The sanitized system-wide ID registers (what the kernel shows userland through mrs emulation). */
void
linux64_arm64_idregs(struct linux64_arm64_idregs *out)
{
	memset(out, 0, sizeof(*out));
	out->midr = READ_SPECIALREG(midr_el1);
	get_kernel_reg(ID_AA64PFR0_EL1, &out->pfr0);
	get_kernel_reg(ID_AA64PFR1_EL1, &out->pfr1);
	get_kernel_reg(ID_AA64ISAR0_EL1, &out->isar0);
	get_kernel_reg(ID_AA64ISAR1_EL1, &out->isar1);
	get_kernel_reg(ID_AA64ISAR2_EL1, &out->isar2);
	get_kernel_reg(ID_AA64MMFR0_EL1, &out->mmfr0);
	get_kernel_reg(ID_AA64MMFR1_EL1, &out->mmfr1);
	get_kernel_reg(ID_AA64MMFR2_EL1, &out->mmfr2);
	get_kernel_reg(ID_AA64ZFR0_EL1, &out->zfr0);
	/* FreeBSD does not expose SME (no ID_AA64SMFR0_EL1 in its ID register tables): smfr0 stays 0. */
	out->event_stream = (elf_hwcap & HWCAP_EVTSTRM) != 0;
}
#endif
