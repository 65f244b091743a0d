/* argv/envp/auxv as the initial stack delivers them, errno values of failing calls, terminal ioctls on
 * a pseudo-terminal, and fork/wait. Addresses and ids are printed only as relations ("ok"), so the
 * output is the same on every correct Linux/powerpc64; lines starting with "hw:" differ legitimately
 * between kernels (qemu-user reports its own AT_HWCAP/AT_PLATFORM) and are normalised by the test. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

extern char **environ;

static void check(const char *what, int r) {
    printf("%s: r=%d errno=%s\n", what, r, r < 0 ? strerror(errno) : "-");
}

int main(int argc, char **argv, char **envp) {
    setvbuf(stdout, 0, _IONBF, 0);
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
    printf("argv[argc]=%p\n", (void *)argv[argc]);
    printf("envp follows argv: %d\n", envp == argv + argc + 1);
    printf("HARNESS_TEST=%s\n", getenv("HARNESS_TEST") ? getenv("HARNESS_TEST") : "(unset)");
    char **e = envp;
    while (*e) e++;
    Elf64_auxv_t *aux = (Elf64_auxv_t *)(e + 1);
    int n = 0, seen_random = 0, seen_null = 0;
    for (; aux[n].a_type != AT_NULL; n++)
        if (aux[n].a_type == AT_RANDOM) seen_random = 1;
    seen_null = aux[n].a_type == AT_NULL;
    printf("auxv: follows envp, AT_RANDOM present=%d, AT_NULL terminated=%d\n", seen_random, seen_null);
    printf("AT_PAGESZ ok=%d AT_PHENT=%lu AT_SECURE=%lu AT_UID ok=%d AT_GID ok=%d\n",
           getauxval(AT_PAGESZ) == (unsigned long)sysconf(_SC_PAGESIZE), getauxval(AT_PHENT), getauxval(AT_SECURE),
           getauxval(AT_UID) == getuid(), getauxval(AT_GID) == getgid());
    printf("AT_EXECFN=%s\n", (char *)getauxval(AT_EXECFN));
    printf("AT_ENTRY nonzero=%d AT_PHDR nonzero=%d\n", getauxval(AT_ENTRY) != 0, getauxval(AT_PHDR) != 0);
    printf("hw: AT_HWCAP=%#lx AT_HWCAP2=%#lx AT_PLATFORM=%s\n", getauxval(AT_HWCAP), getauxval(AT_HWCAP2),
           getauxval(AT_PLATFORM) ? (char *)getauxval(AT_PLATFORM) : "-");
    printf("PPC_FEATURE_64=%d HAS_ALTIVEC=%d HAS_VSX=%d\n", !!(getauxval(AT_HWCAP) & 0x40000000),
           !!(getauxval(AT_HWCAP) & 0x10000000), !!(getauxval(AT_HWCAP) & 0x80));
    char exe[4096];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    printf("/proc/self/exe absolute=%d\n", l > 0 && exe[0] == '/');
    struct utsname u;
    uname(&u);
    printf("uname: %s %s\n", u.sysname, u.machine);

    /* errno values */
    check("open missing", open("/nonexistent/x", O_RDONLY));
    check("close -1", close(-1));
    void *volatile bad = (void *)1;
    check("read bad buffer", (int)read(0, bad, 10));
    check("mkdir /", mkdir("/", 0755));
    check("open dir O_WRONLY", open("/", O_WRONLY));
    check("open file O_DIRECTORY", open("/proc/self/exe", O_RDONLY | O_DIRECTORY));
    check("munmap unaligned", munmap((void *)0x1001, 10));
    check("kill bad signal", kill(getpid(), 99));
    check("ioctl TCGETS on a pipe", ({ int p[2]; pipe(p); struct termios t; tcgetattr(p[0], &t); }));
    int p[2];
    pipe(p);
    printf("O_NONBLOCK via fcntl: %d\n", fcntl(p[0], F_SETFL, O_NONBLOCK) == 0 && (fcntl(p[0], F_GETFL) & O_NONBLOCK));
    char c;
    check("read empty nonblocking pipe", (int)read(p[0], &c, 1));

    /* A pseudo-terminal: termios in powerpc values, window size, FIONREAD. */
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0) {
        int s = open(ptsname(m), O_RDWR | O_NOCTTY);
        struct termios t;
        printf("tty: isatty=%d tcgetattr=%d\n", isatty(s), tcgetattr(s, &t));
        printf("tty: default ICANON=%d ECHO=%d ISIG=%d ONLCR=%d VMIN=%d\n", !!(t.c_lflag & ICANON),
               !!(t.c_lflag & ECHO), !!(t.c_lflag & ISIG), !!(t.c_oflag & ONLCR), t.c_cc[VMIN]);
        cfmakeraw(&t);
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        tcsetattr(s, TCSANOW, &t);
        struct termios t2;
        tcgetattr(s, &t2);
        printf("tty: raw ICANON=%d ECHO=%d ISIG=%d CS8=%d VMIN=%d\n", !!(t2.c_lflag & ICANON), !!(t2.c_lflag & ECHO),
               !!(t2.c_lflag & ISIG), (t2.c_cflag & CSIZE) == CS8, t2.c_cc[VMIN]);
        struct winsize ws = {.ws_row = 33, .ws_col = 101}, ws2;
        ioctl(s, TIOCSWINSZ, &ws);
        ioctl(m, TIOCGWINSZ, &ws2);
        printf("tty: winsize %dx%d\n", ws2.ws_row, ws2.ws_col);
        write(m, "abc", 3);
        usleep(20000);
        int avail = -1;
        ioctl(s, FIONREAD, &avail);
        printf("tty: FIONREAD=%d\n", avail);
    } else {
        printf("tty: no pty\n");
    }

    /* fork, exit status, signal status */
    pid_t pid = fork();
    if (pid == 0) _exit(7);
    int st;
    waitpid(pid, &st, 0);
    printf("child exit: exited=%d status=%d\n", WIFEXITED(st), WEXITSTATUS(st));
    pid = fork();
    if (pid == 0) {
        *(volatile int *)0 = 1;
        _exit(0);
    }
    waitpid(pid, &st, 0);
    printf("child segv: signaled=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));
    return 5;
}
