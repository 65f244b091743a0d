/* Linux uapi headers shared by every architecture the conformance tests cover.
 * Only kernel uapi headers (no libc): compiled with -nostdinc against the Debian cross include dir.
 * Add headers here when a later issue needs their constants; keep the set mutually compatible. */
#include <linux/types.h>
/* Types some ioctl numbers name (BLKBSZGET, FIOQSIZE) that uapi leaves to libc. */
typedef __kernel_size_t size_t;
typedef __kernel_loff_t loff_t;
#include <linux/version.h>
#include <linux/errno.h>
#include <linux/signal.h>
#include <asm/ptrace.h>
#include <asm/sigcontext.h>
#include <asm/ucontext.h>
#include <asm/auxvec.h>
#include <linux/auxvec.h>
#include <asm/termbits.h>
#include <asm/termios.h>
#include <asm/ioctl.h>
#include <asm/ioctls.h>
#include <linux/fcntl.h>
#include <asm/mman.h>
#include <linux/mman.h>
#include <asm/socket.h>
#include <asm/sockios.h>
#include <asm/unistd.h>
#include <asm/stat.h>
#include <linux/stat.h>
#include <asm/statfs.h>
#include <asm/poll.h>
#include <asm/resource.h>
#include <linux/elf.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <linux/time.h>
#include <linux/time_types.h>
#include <linux/times.h>
#include <linux/ptrace.h>
#include <linux/wait.h>
#include <linux/resource.h>
#include <linux/prctl.h>
#include <linux/personality.h>
#include <linux/utsname.h>
#include <linux/poll.h>
#include <linux/eventpoll.h>
#include <linux/limits.h>
#include <linux/fs.h>
#include <linux/fiemap.h>
#include <linux/blktrace_api.h>
#include <linux/random.h>
#include <linux/net.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <linux/signalfd.h>
#include <linux/inotify.h>
#include <linux/memfd.h>
#include <linux/sysinfo.h>
#include <linux/uio.h>
#include <linux/serial.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <linux/membarrier.h>
#include <linux/rseq.h>
#include <linux/kcmp.h>
