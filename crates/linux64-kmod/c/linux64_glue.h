/*
 * The C side of the linux64 module and the Rust side share these declarations.
 *
 * Accessors: the fields of struct thread and struct proc (whose layout depends on kernel options) are
 * reached only here, compiled against the same headers as the kernel, never through offsets guessed in
 * Rust. Rust declares the same functions in src/kpi.rs.
 */
#ifndef _LINUX64_GLUE_H_
#define _LINUX64_GLUE_H_

struct thread;
struct proc;
struct trapframe;
struct syscall_args;
struct sysentvec;
struct pcb;
struct sigaltstack;

struct thread		*linux64_curthread(void);
struct proc		*linux64_td_proc(struct thread *td);
struct trapframe	*linux64_td_frame(struct thread *td);
struct syscall_args	*linux64_td_sa(struct thread *td);
register_t		*linux64_td_retval(struct thread *td);
struct sigaltstack	*linux64_td_sigstk(struct thread *td);
struct pcb		*linux64_td_pcb(struct thread *td);
struct sysentvec	*linux64_p_sysent(struct proc *p);
void			 linux64_p_set_osrel(struct proc *p, int osrel);
uint64_t		 linux64_sig_flags(struct thread *td, int sig);
void			 linux64_sendsig_unlock(struct thread *td);
void			 linux64_sendsig_lock(struct thread *td);
void			 linux64_sigexit(struct thread *td, int sig) __dead2;
#if defined(__powerpc__)
void			 linux64_ppc64_fpvec_save(struct thread *td);
void			 linux64_ppc64_fpvec_reload(struct thread *td, int fp_valid, int vec_valid);
void			 linux64_ppc64_cpu_info(uint64_t *features, uint64_t *features2, int *cacheline,
			    uint32_t *pvr);
#endif

#if defined(__aarch64__)
/*
 * A thread's FP/SIMD registers as the Rust side exchanges them (src/kpi.rs `Arm64FpSimd`, same layout,
 * checked on both sides): V0..V31, FPSR, FPCR, whether the thread has used the unit.
 */
struct linux64_fpsimd {
	__uint128_t	vregs[32];
	uint32_t	fpsr;
	uint32_t	fpcr;
	int32_t		used;
	uint32_t	pad;
};
_Static_assert(sizeof(struct linux64_fpsimd) == 528, "linux64_fpsimd size");
_Static_assert(__offsetof(struct linux64_fpsimd, fpsr) == 512, "linux64_fpsimd fpsr");
_Static_assert(__offsetof(struct linux64_fpsimd, used) == 520, "linux64_fpsimd used");

/* The system-wide ID register values Linux derives AT_HWCAP/AT_HWCAP2 from (src/kpi.rs `Arm64IdRegs`). */
struct linux64_arm64_idregs {
	uint64_t	midr;
	uint64_t	pfr0, pfr1;
	uint64_t	isar0, isar1, isar2;
	uint64_t	mmfr0, mmfr1, mmfr2;
	uint64_t	zfr0, smfr0;
	uint64_t	event_stream;
};
_Static_assert(sizeof(struct linux64_arm64_idregs) == 12 * 8, "linux64_arm64_idregs size");

int		 linux64_arm64_fpsimd_get(struct thread *td, struct linux64_fpsimd *out);
void		 linux64_arm64_fpsimd_set(struct thread *td, const struct linux64_fpsimd *in);
uint64_t	 linux64_arm64_tpidr(struct thread *td);
void		 linux64_arm64_idregs(struct linux64_arm64_idregs *out);
#endif

/* Rust (src/lib.rs): module events. */
int	linux64_rust_load(void);
int	linux64_rust_unload(void);

#endif /* !_LINUX64_GLUE_H_ */
