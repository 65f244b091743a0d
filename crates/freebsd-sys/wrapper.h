/*
 * The FreeBSD kernel headers freebsd-sys is generated from (bindgen) and whose layouts it checks
 * (build.rs compiles sizeof/offsetof constants of the same headers with the target compiler).
 * Compiled with -D_KERNEL -DKLD_MODULE -ffreestanding -nostdinc, like a kernel module.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/malloc.h>
#include <sys/module.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/sysent.h>
#include <sys/imgact.h>
#include <sys/imgact_elf.h>
#include <sys/signalvar.h>
#include <sys/syscallsubr.h>
#include <sys/elf_common.h>
#include <sys/errno.h>
#include <vm/vm.h>
#include <machine/vmparam.h>
#include <sys/vdso.h>
#include <sys/linker.h>
#include <sys/exec.h>
#include <machine/frame.h>
#include <machine/pcb.h>
#if defined(__powerpc__)
#include <machine/fpu.h>
#include <machine/altivec.h>
#include <machine/cpu.h>
#include <machine/md_var.h>
#endif
#if defined(__aarch64__)
#include <machine/armreg.h>
#include <machine/cpu.h>
#include <machine/md_var.h>
#include <machine/vfp.h>
#endif
