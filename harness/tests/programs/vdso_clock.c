/* The clocks as a program sees them, through whatever the C library uses (glibc: the vdso's
 * __kernel_clock_gettime & co. when the kernel maps one; musl on powerpc64: system calls), checked
 * against the clock_gettime system call itself. Prints only what every correct Linux prints, so the
 * harness test compares this output with qemu-user's (which maps no vdso for powerpc64).
 *
 * stderr gets the details: whether AT_SYSINFO_EHDR is set, the values, and how many clock_gettime
 * system calls the program expects to make with a vdso ("clock_gettime syscalls with a vdso: N": its own
 * syscall() calls and the two clocks a vdso does not serve): the harness test checks with the harness's
 * syscall counts that, under glibc, the 1000 calls of the loop made none. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int explicit_calls;

static int64_t ns(struct timespec t) { return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }

/* The clock_gettime system call, bypassing the C library. */
static struct timespec sys_clock(clockid_t c) {
    struct timespec t = {0, 0};
    explicit_calls++;
    syscall(SYS_clock_gettime, c, &t);
    return t;
}

static const char *verdict(int ok) { return ok ? "ok" : "WRONG"; }

int main(void) {
    fprintf(stderr, "AT_SYSINFO_EHDR: %s\n", getauxval(AT_SYSINFO_EHDR) ? "set" : "unset");

    /* 1000 calls: monotonic, each a valid timespec, and within the system call's before/after values. */
    struct timespec before = sys_clock(CLOCK_MONOTONIC), prev, t;
    int calls_ok = 0, decreasing = 0, invalid = 0;
    clock_gettime(CLOCK_MONOTONIC, &prev);
    for (int i = 0; i < 1000; i++) {
        calls_ok += clock_gettime(CLOCK_MONOTONIC, &t) == 0;
        invalid += t.tv_nsec < 0 || t.tv_nsec >= 1000000000;
        decreasing += ns(t) < ns(prev);
        prev = t;
    }
    struct timespec after = sys_clock(CLOCK_MONOTONIC);
    printf("CLOCK_MONOTONIC x1000: %d succeeded, %d invalid, %d decreasing\n", calls_ok, invalid, decreasing);
    /* The vdso rounds down to a counter tick (powerpc64's time base: 2 ns at 512 MHz; arm64's generic
     * timer as the emulator runs it: 16 ns at 62.5 MHz); allow that much before `before`. */
#if defined(__aarch64__)
    const int64_t tick_ns = 16;
#else
    const int64_t tick_ns = 2;
#endif
    printf("CLOCK_MONOTONIC within the syscall's before/after: %s\n",
           verdict(ns(prev) + tick_ns >= ns(before) && ns(prev) <= ns(after)));
    fprintf(stderr, "monotonic: syscall %lld, library %lld, syscall %lld\n", (long long)ns(before), (long long)ns(prev),
            (long long)ns(after));

    /* Every clock the vdso serves, against the system call. */
    static const struct { clockid_t id; const char *name; int64_t tolerance; } clocks[] = {
        {CLOCK_REALTIME, "CLOCK_REALTIME", 1000000000},
        {CLOCK_MONOTONIC, "CLOCK_MONOTONIC", 1000000000},
        {CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW", 1000000000},
        {CLOCK_BOOTTIME, "CLOCK_BOOTTIME", 1000000000},
        {CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE", 1000000000},
        {CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE", 1000000000},
    };
    for (unsigned i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
        struct timespec lib, res;
        int rc = clock_gettime(clocks[i].id, &lib);
        struct timespec sys = sys_clock(clocks[i].id);
        int64_t d = ns(sys) - ns(lib);
        int rrc = clock_getres(clocks[i].id, &res);
        printf("%s: rc %d, within 1 s of the syscall: %s; getres rc %d, resolution in (0, 1 s): %s\n", clocks[i].name, rc,
               verdict(d > -clocks[i].tolerance && d < clocks[i].tolerance), rrc,
               verdict(res.tv_sec == 0 && res.tv_nsec > 0));
        fprintf(stderr, "%s: library %lld, syscall %lld, resolution %ld ns\n", clocks[i].name, (long long)ns(lib),
                (long long)ns(sys), (long)res.tv_nsec);
    }
    /* Clocks the vdso does not serve: it makes the system call (two of them). */
    struct timespec cpu;
    int unserved = 2;
    printf("CLOCK_PROCESS_CPUTIME_ID: rc %d\n", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu));
    printf("clock_gettime(-1): rc %d\n", clock_gettime((clockid_t)-1, &cpu));

    struct timeval tv;
    struct timezone tz = {-1, -1};
    int rc = gettimeofday(&tv, &tz);
    struct timespec real = sys_clock(CLOCK_REALTIME);
    int64_t d = ns(real) / 1000 - ((int64_t)tv.tv_sec * 1000000 + tv.tv_usec);
    printf("gettimeofday: rc %d, within 1 s: %s, usec valid: %s, tz %d/%d\n", rc, verdict(d > -1000000 && d < 1000000),
           verdict(tv.tv_usec >= 0 && tv.tv_usec < 1000000), tz.tz_minuteswest, tz.tz_dsttime);
    time_t t1, t0 = time(&t1);
    real = sys_clock(CLOCK_REALTIME);
    printf("time: same value returned and stored: %s, within 1 s: %s\n", verdict(t0 == t1),
           verdict(real.tv_sec - t0 >= -1 && real.tv_sec - t0 <= 1));
    fprintf(stderr, "clock_gettime syscalls with a vdso: %d\n", explicit_calls + unserved);
    return 0;
}
