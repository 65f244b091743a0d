/* Linux/arm64 uapi headers. */
#include "linux_common.h"
#include <asm/hwcap.h>
#include <asm/sve_context.h>
