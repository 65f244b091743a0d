/* Event and timer descriptors: epoll over a pipe, an eventfd and a timerfd (64-bit user data round
 * trips, level-triggered and one-shot events, MOD/DEL), eventfd counters and semaphore mode, timerfd
 * expirations and settings, signalfd (signals queued for a descriptor instead of a handler: kill,
 * sigqueue, SIGCHLD from a child, a blocking read woken by a thread), ppoll with a signal mask,
 * and rt_sigtimedwait. Times are printed only as comparisons. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
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
    case EAGAIN:
        return "EAGAIN";
    case EINTR:
        return "EINTR";
    case EINVAL:
        return "EINVAL";
    case EBADF:
        return "EBADF";
    default:
        return "other";
    }
}

static void epoll_pipe_eventfd(void) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0);
    printf("epoll cloexec: %d\n", (fcntl(ep, F_GETFD) & FD_CLOEXEC) != 0);
    int p[2];
    CHECK(pipe2(p, O_NONBLOCK) == 0);
    int ev = eventfd(0, EFD_NONBLOCK);
    CHECK(ev >= 0);
    struct epoll_event e = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ULL};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e) == 0);
    e.events = EPOLLIN | EPOLLONESHOT;
    e.data.u64 = 0xfeedULL << 32 | 7;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e) == 0);
    errno = 0;
    printf("add twice: %d %s\n", epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e), errno == EEXIST ? "EEXIST" : "other");
    struct epoll_event out[4];
    printf("nothing ready: %d\n", epoll_wait(ep, out, 4, 0));
    CHECK(write(p[1], "x", 1) == 1);
    int n = epoll_wait(ep, out, 4, 1000);
    printf("pipe ready: %d events=%#x data=%#llx\n", n, out[0].events, (unsigned long long)out[0].data.u64);
    uint64_t v = 5;
    CHECK(write(ev, &v, 8) == 8);
    v = 37;
    CHECK(write(ev, &v, 8) == 8);
    n = epoll_wait(ep, out, 4, 1000);
    printf("both ready: %d\n", n);
    for (int i = 0; i < n; i++)
        printf("  event %#x data=%#llx\n", out[i].events, (unsigned long long)out[i].data.u64);
    /* One-shot: the eventfd is disarmed until modified. */
    n = epoll_wait(ep, out, 4, 0);
    printf("after one-shot: %d data=%#llx\n", n, (unsigned long long)out[0].data.u64);
    e.events = EPOLLIN;
    e.data.u64 = 99;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, ev, &e) == 0);
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0);
    n = epoll_wait(ep, out, 4, 0);
    printf("after mod/del: %d data=%llu\n", n, (unsigned long long)out[0].data.u64);
    v = 0;
    CHECK(read(ev, &v, 8) == 8);
    printf("eventfd counter: %llu\n", (unsigned long long)v);
    errno = 0;
    printf("eventfd empty: %zd %s\n", read(ev, &v, 8), ename(errno));
    errno = 0;
    printf("eventfd short read: %zd %s\n", read(ev, &v, 4), ename(errno));
    sigset_t none;
    sigemptyset(&none);
    printf("epoll_pwait timeout: %d\n", epoll_pwait(ep, out, 4, 10, &none));
    close(ev);
    close(p[0]);
    close(p[1]);
    close(ep);

    int sem = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
    int reads = 0;
    while (read(sem, &v, 8) == 8) {
        reads++;
        printf("semaphore read %d: %llu\n", reads, (unsigned long long)v);
    }
    close(sem);
}

static void timers(void) {
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    CHECK(t >= 0);
    struct itimerspec its = {.it_interval = {0, 20000000}, .it_value = {0, 20000000}}, cur;
    CHECK(timerfd_settime(t, 0, &its, NULL) == 0);
    CHECK(timerfd_gettime(t, &cur) == 0);
    printf("timerfd interval: %ld.%09ld value armed: %d\n", (long)cur.it_interval.tv_sec,
           (long)cur.it_interval.tv_nsec, cur.it_value.tv_sec != 0 || cur.it_value.tv_nsec != 0);
    uint64_t exp = 0;
    CHECK(read(t, &exp, 8) == 8);
    printf("timerfd blocking read: expirations >= 1: %d, < 1000: %d\n", exp >= 1, exp < 1000);
    int ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN, .data.fd = t}, out;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, t, &e) == 0);
    printf("timerfd via epoll: %d fd matches %d\n", epoll_wait(ep, &out, 1, 2000), out.data.fd == t);
    CHECK(read(t, &exp, 8) == 8);
    printf("expirations again >= 1: %d\n", exp >= 1);
    struct itimerspec zero = {{0, 0}, {0, 0}}, old;
    CHECK(timerfd_settime(t, 0, &zero, &old) == 0);
    printf("old interval: %ld.%09ld\n", (long)old.it_interval.tv_sec, (long)old.it_interval.tv_nsec);
    CHECK(timerfd_gettime(t, &cur) == 0);
    printf("disarmed: %ld %ld\n", (long)cur.it_value.tv_sec, (long)cur.it_value.tv_nsec);
    /* An absolute expiry in the past fires at once. */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct itimerspec abs = {{0, 0}, {now.tv_sec - 1, 0}};
    int nb = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    CHECK(timerfd_settime(nb, TFD_TIMER_ABSTIME, &abs, NULL) == 0);
    struct pollfd pf = {.fd = nb, .events = POLLIN};
    printf("absolute past: poll=%d read=%zd exp=%llu\n", poll(&pf, 1, 1000), read(nb, &exp, 8),
           (unsigned long long)exp);
    errno = 0;
    printf("nonblocking timerfd empty: %zd %s\n", read(nb, &exp, 8), ename(errno));
    close(nb);
    close(ep);
    close(t);
}

static int sfd_blocking;

static void *kicker(void *arg) {
    (void)arg;
    usleep(30000);
    /* To the process: the main thread blocks SIGUSR2, so only the signalfd takes it. */
    kill(getpid(), SIGUSR2);
    return NULL;
}

static void signalfds(void) {
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    sigaddset(&m, SIGUSR2);
    sigaddset(&m, SIGCHLD);
    CHECK(sigprocmask(SIG_BLOCK, &m, NULL) == 0);
    int s = signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC);
    CHECK(s >= 0);
    struct signalfd_siginfo si;
    errno = 0;
    printf("signalfd empty: %zd %s\n", read(s, &si, sizeof si), ename(errno));
    errno = 0;
    printf("signalfd short buffer: %zd %s\n", read(s, &si, 16), ename(errno));
    CHECK(kill(getpid(), SIGUSR1) == 0);
    struct pollfd pf = {.fd = s, .events = POLLIN};
    printf("poll after kill: %d revents=%#x\n", poll(&pf, 1, 1000), pf.revents);
    memset(&si, 0, sizeof si);
    printf("read: %zd signo=%u code=%d pid is mine %d uid is mine %d\n", read(s, &si, sizeof si), si.ssi_signo,
           si.ssi_code, si.ssi_pid == (uint32_t)getpid(), si.ssi_uid == getuid());
    union sigval val = {.sival_int = 42};
    CHECK(sigqueue(getpid(), SIGUSR2, val) == 0);
    CHECK(kill(getpid(), SIGUSR1) == 0);
    struct signalfd_siginfo two[2];
    memset(two, 0, sizeof two);
    ssize_t n = read(s, two, sizeof two);
    printf("two at once: %zd first=%u second=%u code=%d\n", n, two[0].ssi_signo, two[1].ssi_signo, two[1].ssi_code);
    pf.revents = 0;
    printf("drained: poll=%d\n", poll(&pf, 1, 0));

    /* SIGCHLD from a child, through epoll. */
    int ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN, .data.u32 = 1234}, out;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, s, &e) == 0);
    pid_t c = fork();
    if (c == 0)
        _exit(3);
    printf("epoll on signalfd: %d data=%u\n", epoll_wait(ep, &out, 1, 5000), out.data.u32);
    memset(&si, 0, sizeof si);
    printf("child: %zd signo=%u code=%d status=%d pid matches %d\n", read(s, &si, sizeof si), si.ssi_signo,
           si.ssi_code, si.ssi_status, si.ssi_pid == (uint32_t)c);
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    close(ep);

    /* A new mask for the same descriptor. */
    sigset_t only1;
    sigemptyset(&only1);
    sigaddset(&only1, SIGUSR1);
    printf("new mask: same fd %d\n", signalfd(s, &only1, 0) == s);
    CHECK(kill(getpid(), SIGUSR2) == 0);
    pf.revents = 0;
    printf("SIGUSR2 not in the mask: poll=%d\n", poll(&pf, 1, 0));
    sigset_t pend;
    sigpending(&pend);
    printf("SIGUSR2 still pending: %d\n", sigismember(&pend, SIGUSR2));
    /* rt_sigtimedwait takes it. */
    sigset_t w;
    sigemptyset(&w);
    sigaddset(&w, SIGUSR2);
    siginfo_t info;
    struct timespec ts = {1, 0};
    int r = sigtimedwait(&w, &info, &ts);
    printf("sigtimedwait: %d code=%d\n", r, info.si_code);
    ts.tv_sec = 0;
    ts.tv_nsec = 10000000;
    errno = 0;
    r = sigtimedwait(&w, &info, &ts);
    printf("sigtimedwait timeout: %d %s\n", r, ename(errno));
    close(s);

    /* A blocking signalfd read while another thread sends the signal. */
    sfd_blocking = signalfd(-1, &w, 0);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, kicker, NULL) == 0);
    memset(&si, 0, sizeof si);
    n = read(sfd_blocking, &si, sizeof si);
    printf("blocking signalfd read: %zd signo=%u\n", n, si.ssi_signo);
    pthread_join(t, NULL);
    close(sfd_blocking);
}

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig) {
    (void)sig;
    got_usr1++;
}

static void ppoll_mask(void) {
    /* SIGUSR1 is blocked (from signalfds) and pending; ppoll's mask unblocks it: the handler runs and
     * ppoll fails with EINTR. */
    struct sigaction sa = {.sa_handler = on_usr1};
    sigaction(SIGUSR1, &sa, NULL);
    CHECK(kill(getpid(), SIGUSR1) == 0);
    int p[2];
    CHECK(pipe(p) == 0);
    struct pollfd pf = {.fd = p[0], .events = POLLIN};
    sigset_t empty;
    sigemptyset(&empty);
    struct timespec ts = {2, 0};
    errno = 0;
    int r = ppoll(&pf, 1, &ts, &empty);
    printf("ppoll with mask: %d %s handler ran %d\n", r, ename(errno), (int)got_usr1);
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("mask restored: SIGUSR1 blocked %d\n", sigismember(&cur, SIGUSR1));
    close(p[0]);
    close(p[1]);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    epoll_pipe_eventfd();
    timers();
    signalfds();
    ppoll_mask();
    printf("done\n");
    return 0;
}
