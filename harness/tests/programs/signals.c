/* Signals as Linux/powerpc64 and Linux/arm64 deliver them: siginfo fields, ucontext contents, a handler
 * editing the saved registers, FP/vector state (powerpc FP/VMX/VSX, arm64 FP/SIMD) preserved across a
 * handler, nested signals, sigaltstack, SA_RESTART, siglongjmp out of a handler, SA_RESETHAND, sigsuspend.
 * The register-level parts (the trap, the illegal instruction, executing data) are written for each
 * architecture; the rest is shared.
 * Prints only values that are the same on every correct Linux (no addresses, no pids): the harness
 * test compares this output with qemu-user's. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__powerpc64__)
#define PT_R9 9
#define PT_NIP 32
#define PT_MSR 33
#elif defined(__aarch64__)
#include <asm/sigcontext.h>
#else
#error "powerpc64 or aarch64"
#endif

static volatile int order[16];
static volatile int norder;
static volatile siginfo_t last_info;
static volatile int info_ok;

static void note(int v) { order[norder++] = v; }

static void info_handler(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    last_info = *si;
#if defined(__powerpc64__)
    info_ok = si->si_signo == sig && uc->uc_link == 0 &&
              (void *)uc->uc_mcontext.regs == (void *)&uc->uc_mcontext.gp_regs;
#else
    /* The record list starts with the FP/SIMD context. */
    info_ok = si->si_signo == sig && uc->uc_link == 0 &&
              ((struct _aarch64_ctx *)uc->uc_mcontext.__reserved)->magic == FPSIMD_MAGIC;
#endif
}

#if defined(__powerpc64__)
/* SIGTRAP from `tw 31,0,0`: check the ucontext, edit the saved r9 and skip the trap; clobber volatile
 * GPR/FPR/VR/VSR state so that only sigreturn can bring the interrupted values back. */
static volatile uint64_t trap_nip, saved_msr_le, vregs_aligned;
static void trap_handler(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    (void)sig;
    trap_nip = uc->uc_mcontext.gp_regs[PT_NIP];
    saved_msr_le = uc->uc_mcontext.gp_regs[PT_MSR] & 1;
    vregs_aligned = uc->uc_mcontext.v_regs != 0 && ((uintptr_t)uc->uc_mcontext.v_regs & 15) == 0;
    last_info = *si;
    uc->uc_mcontext.gp_regs[PT_R9] = 42;
    uc->uc_mcontext.gp_regs[PT_NIP] += 4;
    __asm__ volatile("li 10,0\n\txxlxor 0,0,0\n\txxlxor 32,32,32\n\txxlxor 33,33,33\n\tfsub 1,1,1\n\tmtctr 10"
                     ::: "r10", "fr0", "fr1", "vs0", "vs1", "vs32", "vs33", "v0", "v1", "ctr");
}

static void trap_test(void) {
    struct sigaction sa = {0};
    sa.sa_sigaction = trap_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGTRAP, &sa, 0);
    static double fin[2] __attribute__((aligned(16))) = {1.5, -2.25};
    static uint64_t vin[2] __attribute__((aligned(16))) = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};
    static uint64_t vsin[2] __attribute__((aligned(16))) = {0x1111222233334444ULL, 0x5555666677778888ULL};
    static double fout[2] __attribute__((aligned(16)));
    static uint64_t vout[2] __attribute__((aligned(16))), vsout[2] __attribute__((aligned(16)));
    uint64_t r9 = 0, ctr = 0, trap_addr = 0;
    __asm__ volatile(
        "lfd 1,0(%[fin])\n\t"
        "lvx 1,0,%[vin]\n\t"
        "lxvd2x 0,0,%[vsin]\n\t"
        "li 9,7\n\t"
        "li 10,99\n\t"
        "mtctr 10\n\t"
        "bl 1f\n"
        "1:\tmflr %[ta]\n\t"
        "addi %[ta],%[ta],8\n\t"
        "tw 31,0,0\n\t"
        "mr %[r9],9\n\t"
        "mfctr %[ctr]\n\t"
        "stfd 1,0(%[fout])\n\t"
        "stvx 1,0,%[vout]\n\t"
        "stxvd2x 0,0,%[vsout]\n\t"
        : [r9] "=&r"(r9), [ctr] "=&r"(ctr), [ta] "=&b"(trap_addr)
        : [fin] "b"(fin), [vin] "b"(vin), [vsin] "b"(vsin), [fout] "b"(fout), [vout] "b"(vout), [vsout] "b"(vsout)
        : "r9", "r10", "fr0", "fr1", "vs0", "vs1", "vs32", "vs33", "v0", "v1", "ctr", "lr", "memory");
    printf("trap: signo=%d code=%d addr_is_trap=%d nip_is_trap=%d msr_le=%d v_regs_aligned=%d\n",
           last_info.si_signo, last_info.si_code, (uint64_t)last_info.si_addr == trap_addr,
           trap_nip == trap_addr, (int)saved_msr_le, (int)vregs_aligned);
    printf("trap: edited r9=%lu ctr=%lu fpr=%g vr_ok=%d vsx_ok=%d\n", (unsigned long)r9, (unsigned long)ctr, fout[0],
           memcmp(vout, vin, 16) == 0, memcmp(vsout, vsin, 16) == 0);
}
#else
/* SIGTRAP from `brk #0`: check the ucontext (pc, the FP/SIMD record holding the interrupted q2), edit
 * the saved x9 and skip the brk; clobber x10, d1 and v2 so that only sigreturn can bring the interrupted
 * values back. */
static volatile uint64_t trap_pc, fpsimd_ok;
static const uint64_t vin[2] __attribute__((aligned(16))) = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};
static void trap_handler(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    struct fpsimd_context *fp = (struct fpsimd_context *)uc->uc_mcontext.__reserved;
    (void)sig;
    trap_pc = uc->uc_mcontext.pc;
    fpsimd_ok = fp->head.magic == FPSIMD_MAGIC && fp->head.size == sizeof *fp &&
                memcmp(&fp->vregs[2], vin, 16) == 0;
    last_info = *si;
    uc->uc_mcontext.regs[9] = 42;
    uc->uc_mcontext.pc += 4;
    __asm__ volatile("mov x10, #0\n\tmovi v1.16b, #0\n\tmovi v2.16b, #0" ::: "x10", "v1", "v2");
}

static void trap_test(void) {
    struct sigaction sa = {0};
    sa.sa_sigaction = trap_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGTRAP, &sa, 0);
    static double fin[2] __attribute__((aligned(16))) = {1.5, -2.25};
    static double fout[2] __attribute__((aligned(16)));
    static uint64_t vout[2] __attribute__((aligned(16)));
    uint64_t r9 = 0, x10 = 0, trap_addr = 0;
    __asm__ volatile(
        "ldr d1, [%[fin]]\n\t"
        "ldr q2, [%[vin]]\n\t"
        "mov x9, #7\n\t"
        "mov x10, #99\n\t"
        "adr %[ta], 1f\n"
        "1:\tbrk #0\n\t"
        "mov %[r9], x9\n\t"
        "mov %[x10], x10\n\t"
        "str d1, [%[fout]]\n\t"
        "str q2, [%[vout]]\n\t"
        : [r9] "=&r"(r9), [x10] "=&r"(x10), [ta] "=&r"(trap_addr)
        : [fin] "r"(fin), [vin] "r"(vin), [fout] "r"(fout), [vout] "r"(vout)
        : "x9", "x10", "v1", "v2", "memory");
    printf("trap: signo=%d code=%d addr_is_trap=%d pc_is_trap=%d fpsimd_record_ok=%d\n", last_info.si_signo,
           last_info.si_code, (uint64_t)last_info.si_addr == trap_addr, trap_pc == trap_addr, (int)fpsimd_ok);
    printf("trap: edited x9=%lu x10=%lu fpr=%g vr_ok=%d\n", (unsigned long)r9, (unsigned long)x10, fout[0],
           memcmp(vout, vin, 16) == 0);
}
#endif

static sigjmp_buf jb;
static void segv_jump(int sig, siginfo_t *si, void *ctx) {
    (void)ctx;
    last_info = *si;
    siglongjmp(jb, sig);
}

static void fault_tests(void) {
    struct sigaction sa = {0};
    sa.sa_sigaction = segv_jump;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, 0);
    sigaction(SIGILL, &sa, 0);
    if (sigsetjmp(jb, 1) == 0) {
        *(volatile int *)0x1000 = 1;
    }
    printf("segv unmapped: signo=%d code=%d addr=%#lx\n", last_info.si_signo, last_info.si_code,
           (unsigned long)last_info.si_addr);
    char *ro = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sigsetjmp(jb, 1) == 0) {
        ro[8] = 1;
    }
    printf("segv read-only: signo=%d code=%d addr_ok=%d\n", last_info.si_signo, last_info.si_code,
           last_info.si_addr == ro + 8);
    /* Data is not executable. */
#if defined(__powerpc64__)
    static uint32_t code[4] __attribute__((aligned(16))) = {0x4e800020}; /* blr */
#else
    static uint32_t code[4] __attribute__((aligned(16))) = {0xd65f03c0}; /* ret */
#endif
    if (sigsetjmp(jb, 1) == 0) {
#if defined(__aarch64__) || (defined(_CALL_ELF) && _CALL_ELF == 2)
        ((void (*)(void))code)();
#else
        static uint64_t desc[3];
        desc[0] = (uint64_t)code;
        ((void (*)(void))desc)();
#endif
    }
    printf("exec data: signo=%d code=%d addr_ok=%d\n", last_info.si_signo, last_info.si_code,
           last_info.si_addr == (void *)code);
    static volatile uint64_t ill_addr;
    if (sigsetjmp(jb, 1) == 0) {
        uint64_t a;
#if defined(__powerpc64__)
        __asm__ volatile("bl 1f\n1:\tmflr %0\n\taddi %0,%0,12\n\tstd %0,0(%1)\n\t.long 0" : "=&b"(a) : "b"(&ill_addr) : "lr", "memory");
#else
        __asm__ volatile("adr %0, 1f\n\tstr %0, [%1]\n1:\t.inst 0x00000000" : "=&r"(a) : "r"(&ill_addr) : "memory");
#endif
    }
    printf("illegal: signo=%d code=%d addr_ok=%d\n", last_info.si_signo, last_info.si_code,
           (uint64_t)last_info.si_addr == ill_addr);
    sigset_t cur;
    sigprocmask(SIG_BLOCK, 0, &cur);
    printf("after siglongjmp: SIGSEGV blocked=%d SIGILL blocked=%d\n", sigismember(&cur, SIGSEGV),
           sigismember(&cur, SIGILL));
}

static void usr2(int s) { (void)s; note(2); }
static void usr1(int s) {
    (void)s;
    note(1);
    raise(SIGUSR2);
    note(3);
}

static void nested_tests(void) {
    struct sigaction sa = {0};
    sa.sa_handler = usr2;
    sigaction(SIGUSR2, &sa, 0);
    sa.sa_handler = usr1;
    sigaction(SIGUSR1, &sa, 0);
    norder = 0;
    raise(SIGUSR1);
    printf("nested:");
    for (int i = 0; i < norder; i++) printf(" %d", order[i]);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGUSR1, &sa, 0);
    norder = 0;
    raise(SIGUSR1);
    printf("; masked:");
    for (int i = 0; i < norder; i++) printf(" %d", order[i]);
    printf("\n");
}

static char altstack[65536];
static volatile int on_alt, alt_flags;
static void alt_handler(int s) {
    int local;
    stack_t st;
    (void)s;
    on_alt = (char *)&local > altstack && (char *)&local < altstack + sizeof altstack;
    sigaltstack(0, &st);
    alt_flags = st.ss_flags;
}

static void altstack_tests(void) {
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    printf("sigaltstack tiny: %d errno=%d\n", sigaltstack(&(stack_t){.ss_sp = altstack, .ss_size = 100}, 0), errno);
    sigaltstack(&ss, 0);
    struct sigaction sa = {0};
    sa.sa_handler = alt_handler;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, 0);
    raise(SIGUSR1);
    stack_t now;
    sigaltstack(0, &now);
    printf("altstack: on_alt=%d flags_in_handler=%d flags_after=%d\n", on_alt, alt_flags, now.ss_flags);
}

static volatile int alarms;
static void on_alarm(int s) { (void)s; alarms++; }

static void restart_test(int restart) {
    int p[2];
    pipe(p);
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGALRM, &sa, 0);
    alarms = 0;
    pid_t child = fork();
    if (child == 0) {
        usleep(600000);
        write(p[1], "x", 1);
        _exit(0);
    }
    struct itimerval it = {.it_value = {0, 200000}};
    setitimer(ITIMER_REAL, &it, 0);
    char c;
    ssize_t n = read(p[0], &c, 1);
    int e = errno;
    int st;
    waitpid(child, &st, 0);
    printf("SA_RESTART=%d: read=%zd errno=%s alarms=%d child=%d\n", restart, n, n < 0 ? strerror(e) : "-", alarms,
           WEXITSTATUS(st));
    close(p[0]);
    close(p[1]);
}

static void kill_info_tests(void) {
    struct sigaction sa = {0};
    sa.sa_sigaction = info_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
    sigaction(SIGUSR1, &sa, 0);
    kill(getpid(), SIGUSR1);
    printf("kill: signo=%d code=%d pid_ok=%d uid_ok=%d ctx_ok=%d\n", last_info.si_signo, last_info.si_code,
           last_info.si_pid == getpid(), last_info.si_uid == getuid(), info_ok);
    sigaction(SIGUSR1, 0, &sa);
    printf("SA_RESETHAND: handler is SIG_DFL=%d\n", sa.sa_handler == SIG_DFL);
    sa.sa_sigaction = info_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR2, &sa, 0);
    raise(SIGUSR2);
    printf("raise: signo=%d code=%d\n", last_info.si_signo, last_info.si_code);
    /* A blocked signal stays pending until sigsuspend lets it in. */
    sigset_t block, old, pend;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, &old);
    raise(SIGUSR2);
    sigpending(&pend);
    last_info.si_signo = 0;
    printf("pending while blocked: %d delivered=%d\n", sigismember(&pend, SIGUSR2), last_info.si_signo);
    sigset_t none;
    sigemptyset(&none);
    int r = sigsuspend(&none);
    sigset_t after;
    sigprocmask(SIG_SETMASK, 0, &after);
    printf("sigsuspend: r=%d errno=%s delivered=%d still blocked after=%d\n", r, strerror(errno), last_info.si_signo,
           sigismember(&after, SIGUSR2));
    sigprocmask(SIG_SETMASK, &old, 0);
}

int main(void) {
    setvbuf(stdout, 0, _IONBF, 0);
    kill_info_tests();
    trap_test();
    fault_tests();
    nested_tests();
    altstack_tests();
    restart_test(1);
    restart_test(0);
    /* Death by a signal: the exit status must say SIGABRT. */
    signal(SIGABRT, SIG_DFL);
    abort();
}
