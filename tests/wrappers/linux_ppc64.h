/* Linux/powerpc64 uapi headers (used for both ppc64 big-endian and ppc64le). */
#include "linux_common.h"
#include <asm/elf.h>
#include <asm/cputable.h>
#include <asm/tm.h>
