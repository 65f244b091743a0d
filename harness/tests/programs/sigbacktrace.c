/* Backtraces taken in a signal handler must name the interrupted function: glibc's backtrace()
 * (on powerpc64 a back-chain walk that recognises the vdso's __kernel_sigtramp_rt64 return address and
 * reads the interrupted NIP from the frame) and libgcc's _Unwind_Backtrace (the DWARF unwinder, which
 * finds the vdso's CFI for the trampoline through dl_iterate_phdr). Built with -rdynamic
 * -fno-omit-frame-pointer -O0 so that the program's functions have names and frames.
 *
 * victim_function stores through a null pointer; the SIGSEGV handler prints both backtraces as function
 * names ("backtrace: a > b > ..."), glibc's backtrace_symbols_fd lines, whether libgcc found an FDE for
 * the handler's return address, and exits. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <unwind.h>

/* libgcc's lookup of the FDE for an address (exported by libgcc_s, declared in unwind-dw2-fde.h). */
struct dwarf_eh_bases {
    void *tbase, *dbase, *func;
};
extern const void *_Unwind_Find_FDE(void *pc, struct dwarf_eh_bases *bases);

static void print_name(const char *sep, void *addr) {
    Dl_info info;
    if (dladdr(addr, &info) && info.dli_sname)
        printf("%s%s", sep, info.dli_sname);
    else
        printf("%s?", sep);
}

static _Unwind_Reason_Code step(struct _Unwind_Context *ctx, void *arg) {
    int *n = arg;
    int before;
    uintptr_t ip = _Unwind_GetIPInfo(ctx, &before);
    if (ip == 0)
        return _URC_END_OF_STACK;
    /* A caller's return address points after its call: name the call (ip - 1); a signal frame's
     * "return address" is the interrupted instruction itself. */
    print_name(*n ? " > " : "", (void *)(before ? ip : ip - 1));
    return ++*n < 16 ? _URC_NO_REASON : _URC_END_OF_STACK;
}

void handler(int sig) {
    void *frames[16];
    int n = backtrace(frames, 16);
    printf("backtrace:");
    for (int i = 0; i < n; i++)
        print_name(i ? " > " : " ", frames[i]);
    printf("\n_Unwind_Backtrace: ");
    int count = 0;
    _Unwind_Backtrace(step, &count);
    struct dwarf_eh_bases bases;
    /* frames[1] is the handler's return address, the vdso's __kernel_sigtramp_rt64. */
    printf("\nFDE for the handler's return address: %s\n",
           n > 1 && _Unwind_Find_FDE((char *)frames[1] - 1, &bases) ? "found" : "none");
    fflush(stdout);
    backtrace_symbols_fd(frames, n, 1);
    _exit(sig);
}

__attribute__((noinline)) void victim_function(volatile int *p) {
    *p = 42;
}

__attribute__((noinline)) void caller_function(void) {
    victim_function(0);
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigaction(SIGSEGV, &sa, 0);
    caller_function();
    return 1;
}
