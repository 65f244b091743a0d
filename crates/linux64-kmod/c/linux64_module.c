/*
 * Module declaration of linux64: name and version, the dependency on linux_common, the malloc type of
 * the Rust allocator, and the sysentvecs' SYSINITs. The sysentvecs and brands themselves are Rust statics
 * (src/sysvec_ppc64.rs, src/sysvec_arm64.rs); registering and removing the brands is done by linux64_rust_load/unload.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/malloc.h>
#include <sys/module.h>
#include <sys/sysent.h>

#include "linux64_glue.h"

MALLOC_DEFINE(M_LINUX64, "linux64", "linux64 module (Rust allocations)");

/*
 * INIT_SYSENTVEC, but at SI_ORDER_FIRST: exec_sysvec_init() must have run (giving the sysentvecs the
 * shared page and the offset of FreeBSD's timekeeping in it, SV_TIMEKEEP) before MOD_LOAD (SI_SUB_EXEC,
 * SI_ORDER_ANY) writes that offset into the vdso data page.
 */
#define	LINUX64_INIT_SYSENTVEC(name, sv)					\
    SYSINIT(name, SI_SUB_EXEC, SI_ORDER_FIRST,				\
	(sysinit_cfunc_t)exec_sysvec_init, sv)

#if defined(__powerpc__)
#if BYTE_ORDER == BIG_ENDIAN
extern struct sysentvec linux64_sysvec_ppc64_elfv1;
extern struct sysentvec linux64_sysvec_ppc64_elfv2;
LINUX64_INIT_SYSENTVEC(linux64_elfv1_sysvec, &linux64_sysvec_ppc64_elfv1);
LINUX64_INIT_SYSENTVEC(linux64_elfv2_sysvec, &linux64_sysvec_ppc64_elfv2);
#else
extern struct sysentvec linux64_sysvec_ppc64le;
LINUX64_INIT_SYSENTVEC(linux64_le_sysvec, &linux64_sysvec_ppc64le);
#endif
#endif
#if defined(__aarch64__)
extern struct sysentvec linux64_sysvec_arm64;
LINUX64_INIT_SYSENTVEC(linux64_arm64_sysvec, &linux64_sysvec_arm64);
#endif

static int
linux64_modevent(module_t mod __unused, int type, void *data __unused)
{
	switch (type) {
	case MOD_LOAD:
		return (linux64_rust_load());
	case MOD_UNLOAD:
		return (linux64_rust_unload());
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t linux64_mod = {
	"linux64",
	linux64_modevent,
	0
};

/*
 * Not DECLARE_MODULE_TIED: an out-of-tree module must not demand the exact __FreeBSD_version of the
 * kernel; DECLARE_MODULE accepts any kernel of the same major release.
 */
DECLARE_MODULE(linux64, linux64_mod, SI_SUB_EXEC, SI_ORDER_ANY);
MODULE_DEPEND(linux64, linux_common, 1, 1, 1);
MODULE_VERSION(linux64, 1);
