/* Process and file system calls common programs make: prctl, getrandom, uname, sysinfo, times,
 * getrusage, priorities and the scheduler queries, getcpu, personality, umask, waitid, memfd_create
 * with copy_file_range, flock and fcntl record locks (seen from a child), symlink/readlink, links,
 * FIFOs, preadv/pwritev(2), fallocate, fadvise, truncate, statfs, mlock/msync/mincore, membarrier,
 * the set*id calls, capget, close_range. Only stable facts are printed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(x)                                                                                         \
    do {                                                                                                 \
        if (!(x)) {                                                                                      \
            printf("FAILED %s at line %d (errno %d)\n", #x, __LINE__, errno);                            \
            exit(1);                                                                                     \
        }                                                                                                \
    } while (0)

static const char *ename(int e) {
    switch (e) {
    case 0:
        return "0";
    case EAGAIN:
        return "EAGAIN";
    case EINVAL:
        return "EINVAL";
    case EBADF:
        return "EBADF";
    case ENOMEM:
        return "ENOMEM";
    case EPERM:
        return "EPERM";
    case ECHILD:
        return "ECHILD";
    case EEXIST:
        return "EEXIST";
    default:
        return "other";
    }
}

static char dir[64];

static void path(char *out, const char *name) {
    snprintf(out, 128, "%s/%s", dir, name);
}

static void process(void) {
    char name[16] = {0};
    CHECK(prctl(PR_SET_NAME, "worker-thread-name-long") == 0);
    CHECK(prctl(PR_GET_NAME, name) == 0);
    printf("prctl name: %s\n", name);
    printf("prctl dumpable: %d\n", prctl(PR_GET_DUMPABLE));
    CHECK(prctl(PR_SET_PDEATHSIG, SIGTERM) == 0);
    int sig = 0;
    CHECK(prctl(PR_GET_PDEATHSIG, &sig) == 0);
    printf("prctl pdeathsig: %d\n", sig);
    CHECK(prctl(PR_SET_PDEATHSIG, 0) == 0);
    errno = 0;
    printf("prctl unknown: %d %s\n", prctl(0x7fff1234, 0, 0, 0, 0), ename(errno));
    printf("no_new_privs: %d", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    printf(" -> %d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));

    unsigned char rnd[40];
    printf("getrandom: %zd\n", getrandom(rnd, sizeof rnd, 0));
    printf("getrandom nonblock: %zd\n", getrandom(rnd, 8, GRND_NONBLOCK));

    struct utsname u;
    CHECK(uname(&u) == 0);
    printf("uname: %s %s\n", u.sysname, u.machine);

    struct sysinfo si;
    CHECK(sysinfo(&si) == 0);
    printf("sysinfo sane: uptime %d ram %d free<=total %d procs %d unit %d\n", si.uptime > 0, si.totalram > 0,
           si.freeram <= si.totalram, si.procs > 0, si.mem_unit >= 1);
    struct tms t;
    printf("times: %d\n", times(&t) != (clock_t)-1);
    struct rusage ru;
    CHECK(getrusage(RUSAGE_SELF, &ru) == 0);
    printf("getrusage: maxrss>0 %d\n", ru.ru_maxrss > 0);

    CHECK(setpriority(PRIO_PROCESS, 0, 5) == 0);
    errno = 0;
    printf("priority: %d %s\n", getpriority(PRIO_PROCESS, 0), ename(errno));
    /* Direct system calls: musl's sched_getscheduler/sched_getparam are ENOSYS stubs. */
    printf("scheduler: %ld fifo %d..%d\n", syscall(SYS_sched_getscheduler, 0), sched_get_priority_min(SCHED_FIFO),
           sched_get_priority_max(SCHED_FIFO));
    struct sched_param sp = {.sched_priority = 7};
    CHECK(syscall(SYS_sched_getparam, 0, &sp) == 0);
    printf("sched_getparam: %d\n", sp.sched_priority);
    cpu_set_t cs;
    CPU_ZERO(&cs);
    CHECK(sched_getaffinity(0, sizeof cs, &cs) == 0);
    printf("affinity set again: %d\n", sched_setaffinity(0, sizeof cs, &cs));
    unsigned cpu = 9999, node = 9999;
    printf("getcpu: %d cpu in affinity %d\n", (int)syscall(SYS_getcpu, &cpu, &node, NULL), CPU_ISSET(cpu, &cs) != 0);
    printf("personality: %#x\n", personality(0xffffffff));
    umask(022);
    printf("umask: %03o\n", umask(077));
    umask(022);

    pid_t c = fork();
    if (c == 0)
        _exit(7);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    CHECK(waitid(P_PID, c, &info, WEXITED) == 0);
    printf("waitid: signo=%d code=%d status=%d pid matches %d\n", info.si_signo, info.si_code, info.si_status,
           info.si_pid == c);
    errno = 0;
    printf("waitid no child: %d %s\n", waitid(P_ALL, 0, &info, WEXITED | WNOHANG), ename(errno));
}

static void files(void) {
    char a[128], b[128], l[128];
    /* memfd + copy_file_range */
    int m = memfd_create("harness-test", MFD_CLOEXEC);
    CHECK(m >= 0);
    CHECK(write(m, "0123456789abcdef", 16) == 16);
    /* Both on the same file system (copy_file_range across file systems is EXDEV). */
    int m2 = memfd_create("harness-copy", 0);
    loff_t in = 4, out = 2;
    ssize_t n = copy_file_range(m, &in, m2, &out, 6, 0);
    printf("copy_file_range: %zd offsets %lld %lld\n", n, (long long)in, (long long)out);
    char buf[64] = {0};
    CHECK(pread(m2, buf, sizeof buf, 0) == 8);
    printf("copied: [%c%c%s]\n", buf[0] ? buf[0] : '.', buf[1] ? buf[1] : '.', buf + 2);
    printf("memfd cloexec: %d %d\n", (fcntl(m, F_GETFD) & FD_CLOEXEC) != 0, (fcntl(m2, F_GETFD) & FD_CLOEXEC) != 0);
    close(m2);
    path(a, "copy");
    int f = open(a, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(f >= 0);
    CHECK(write(f, "xy0123", 6) == 6);

    /* preadv/pwritev */
    struct iovec w[3] = {{"AB", 2}, {"CDE", 3}, {"F", 1}};
    printf("pwritev: %zd\n", pwritev(f, w, 3, 10));
    char r1[3] = {0}, r2[8] = {0};
    struct iovec r[2] = {{r1, 2}, {r2, 7}};
    printf("preadv: %zd [%s] [%s]\n", preadv(f, r, 2, 10), r1, r2);
    CHECK(lseek(f, 11, SEEK_SET) == 11);
    memset(r1, 0, sizeof r1);
    memset(r2, 0, sizeof r2);
    printf("preadv2 at the file position: %zd [%s] [%s] pos=%ld\n", preadv2(f, r, 2, -1, 0), r1, r2,
           (long)lseek(f, 0, SEEK_CUR));
    printf("pwritev2: %zd\n", pwritev2(f, w, 1, 0, 0));
    printf("fallocate: %d\n", fallocate(f, 0, 0, 4096) == 0 || errno == EOPNOTSUPP);
    struct stat st;
    CHECK(fstat(f, &st) == 0);
    printf("size after fallocate: %lld\n", (long long)st.st_size);
    printf("fadvise: %d\n", posix_fadvise(f, 0, 0, POSIX_FADV_SEQUENTIAL));
    printf("fsync %d fdatasync %d syncfs %d\n", fsync(f), fdatasync(f), syncfs(f));
    sync();
    CHECK(truncate(a, 3) == 0);
    CHECK(stat(a, &st) == 0);
    printf("truncate: %lld\n", (long long)st.st_size);
    printf("fchown to myself: %d\n", fchown(f, getuid(), getgid()));
    printf("lchown to myself: %d\n", lchown(a, getuid(), getgid()));

    /* flock and record locks */
    int g = open(a, O_RDWR);
    printf("flock ex: %d\n", flock(f, LOCK_EX | LOCK_NB));
    errno = 0;
    printf("flock second: %d %s\n", flock(g, LOCK_EX | LOCK_NB), errno == EWOULDBLOCK ? "EWOULDBLOCK" : "other");
    printf("flock un: %d\n", flock(f, LOCK_UN));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 1, .l_len = 10};
    CHECK(fcntl(f, F_SETLK, &fl) == 0);
    pid_t me = getpid();
    pid_t c = fork();
    if (c == 0) {
        struct flock q = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 5};
        int h = open(a, O_RDWR);
        if (fcntl(h, F_GETLK, &q) != 0)
            _exit(1);
        printf("child F_GETLK: type=%s start=%lld len=%lld pid is parent %d\n", q.l_type == F_WRLCK ? "F_WRLCK" : "?",
               (long long)q.l_start, (long long)q.l_len, q.l_pid == me);
        errno = 0;
        q.l_type = F_WRLCK;
        printf("child F_SETLK: %d %s\n", fcntl(h, F_SETLK, &q), errno == EAGAIN || errno == EACCES ? "refused" : "?");
        _exit(0);
    }
    int status;
    CHECK(waitpid(c, &status, 0) == c);
    printf("child exit: %d\n", WEXITSTATUS(status));
    close(g);
    close(f);
    close(m);

    /* symlink, readlink, link, FIFO */
    path(l, "link");
    CHECK(symlink("copy", l) == 0);
    char t[64] = {0};
    printf("readlink: %zd %s\n", readlink(l, t, sizeof t), t);
    CHECK(lstat(l, &st) == 0);
    printf("lstat: symlink %d\n", S_ISLNK(st.st_mode));
    path(b, "hard");
    printf("link: %d", link(a, b));
    CHECK(stat(a, &st) == 0);
    printf(" nlink=%ld\n", (long)st.st_nlink);
    int d = open(dir, O_RDONLY | O_DIRECTORY);
    printf("symlinkat: %d\n", symlinkat("hard", d, "link2"));
    memset(t, 0, sizeof t);
    printf("readlinkat: %zd %s\n", readlinkat(d, "link2", t, sizeof t), t);
    printf("linkat: %d\n", linkat(d, "hard", d, "hard2", 0));
    printf("mknodat fifo: %d\n", mknodat(d, "fifo", S_IFIFO | 0600, 0));
    CHECK(fstatat(d, "fifo", &st, 0) == 0);
    printf("fifo: %d\n", S_ISFIFO(st.st_mode));
    errno = 0;
    printf("mkfifo again: %d %s\n", mkfifo(b, 0600), ename(errno));
    close(d);

    struct statfs sf;
    CHECK(statfs(dir, &sf) == 0);
    printf("statfs: bsize>0 %d\n", sf.f_bsize > 0);

    /* close_range */
    int x = open("/dev/null", O_RDONLY), y = dup(x);
    printf("close_range: %ld\n", syscall(SYS_close_range, x, y, 0));
    errno = 0;
    printf("closed: %d %s\n", fcntl(y, F_GETFD), ename(errno));
}

static void memory(void) {
    long pg = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    p[0] = 1;
    p[pg] = 2;
    printf("mlock: %d munlock: %d\n", mlock(p, 2 * pg), munlock(p, 2 * pg));
    printf("munlockall: %d\n", munlockall());
    printf("msync: %d\n", msync(p, pg, MS_SYNC));
    errno = 0;
    printf("msync unaligned: %d %s\n", msync(p + 1, pg, MS_SYNC), ename(errno));
    errno = 0;
    printf("msync both: %d %s\n", msync(p, pg, MS_SYNC | MS_ASYNC), ename(errno));
    unsigned char vec[2] = {9, 9};
    printf("mincore: %d %d %d\n", mincore(p, 2 * pg, vec), vec[0] & 1, vec[1] & 1);
    CHECK(munmap(p + pg, pg) == 0);
    errno = 0;
    printf("mincore unmapped: %d %s\n", mincore(p, 2 * pg, vec), ename(errno));
    errno = 0;
    printf("mlock unmapped: %d %s\n", mlock(p + pg, pg), ename(errno));
    long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    printf("membarrier query: has private expedited %d\n", q > 0 && (q & MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0);
    if (q > 0 && (q & MEMBARRIER_CMD_PRIVATE_EXPEDITED)) {
        errno = 0;
        printf("membarrier unregistered: %ld %s\n", syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0),
               ename(errno));
        printf("membarrier register: %ld\n",
               syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0));
        printf("membarrier: %ld\n", syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0));
    }
}

static void creds(void) {
    printf("setuid self: %d setgid self: %d\n", setuid(getuid()), setgid(getgid()));
    printf("setresuid keep: %d setresgid keep: %d\n", setresuid(-1, -1, -1), setresgid(-1, -1, -1));
    uid_t r, e, s;
    CHECK(getresuid(&r, &e, &s) == 0);
    printf("getresuid consistent: %d\n", r == getuid() && e == geteuid());
    gid_t groups[64];
    int n = getgroups(64, groups);
    printf("getgroups: %d\n", n >= 0);
    if (geteuid() == 0)
        printf("setgroups same: %d\n", setgroups(n, groups));
    else
        printf("setgroups same: 0\n");
    struct __user_cap_header_struct h = {.version = 0, .pid = 0};
    int rc = syscall(SYS_capget, &h, NULL);
    printf("capget version query: %d version=%#x\n", rc, h.version);
    struct __user_cap_data_struct data[2];
    h.version = _LINUX_CAPABILITY_VERSION_3;
    printf("capget: %ld\n", syscall(SYS_capget, &h, data));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(dir, sizeof dir, "/tmp/harness-misc-%d", (int)getpid());
    CHECK(mkdir(dir, 0755) == 0);
    process();
    files();
    memory();
    creds();
    const char *names[] = {"copy", "link", "hard", "link2", "hard2", "fifo"};
    for (int i = 0; i < 6; i++) {
        char p[128];
        path(p, names[i]);
        unlink(p);
    }
    printf("rmdir: %d\n", rmdir(dir));
    printf("done\n");
    return 0;
}
