/* futex(2) called directly, each operation with an outcome that does not depend on the interleaving:
 * a waker repeats its wake until it reports a woken waiter, so the waiter is known to have been blocked.
 * WAIT/WAKE, the value check (EAGAIN), relative and absolute timeouts (CLOCK_MONOTONIC and
 * FUTEX_CLOCK_REALTIME), WAIT_BITSET/WAKE_BITSET, REQUEUE, CMP_REQUEUE, WAKE_OP (operation, comparison,
 * OPARG_SHIFT, the wake of both words), private and shared futexes being different futexes, EINTR for a
 * waiter that takes a signal, argument errors. The waiters wait with FUTEX_PRIVATE_FLAG. */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts, uint32_t *uaddr2, uint32_t val3) {
    return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

/* FUTEX_WAKE_OP's val2 travels in the timeout argument. */
static long futex_val2(uint32_t *uaddr, int op, uint32_t val, uintptr_t val2, uint32_t *uaddr2, uint32_t val3) {
    return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

static const char *err(long r) {
    return r < 0 ? strerror(errno) : "ok";
}

static void pause_a_little(void) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
}

/* A waiter blocked in FUTEX_WAIT(_BITSET) on `word` with `bitset`, recording its result. */
struct waiter {
    pthread_t t;
    uint32_t *word;
    uint32_t bitset;
    long result;
    int error;
    volatile int done;
};

static void *wait_thread(void *arg) {
    struct waiter *w = arg;
    long r = futex(w->word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, *w->word, NULL, NULL, w->bitset);
    w->result = r;
    w->error = r < 0 ? errno : 0;
    w->done = 1;
    return NULL;
}

static void start(struct waiter *w, uint32_t *word, uint32_t bitset) {
    w->word = word;
    w->bitset = bitset;
    w->done = 0;
    pthread_create(&w->t, NULL, wait_thread, w);
}

static void finish(const char *what, struct waiter *w) {
    pthread_join(w->t, NULL);
    printf("  %s: result=%ld %s\n", what, w->result, w->result < 0 ? strerror(w->error) : "ok");
}

/* Repeats `op` until it reports at least one waiter woken (or moved). */
#define UNTIL_ONE(expr)                                                                                            \
    ({                                                                                                             \
        long r_;                                                                                                   \
        while ((r_ = (expr)) == 0)                                                                                 \
            pause_a_little();                                                                                      \
        r_;                                                                                                        \
    })

static void single_thread(void) {
    uint32_t word = 5;
    struct timespec rel = {0, 20000000}, abs_ts;
    printf("single thread:\n");
    long r = futex(&word, FUTEX_WAIT, 4, NULL, NULL, 0);
    printf("  wait on a changed value: %ld %s\n", r, err(r));
    r = futex(&word, FUTEX_WAIT_PRIVATE, 5, &rel, NULL, 0);
    printf("  wait 20ms relative: %ld %s\n", r, err(r));
    clock_gettime(CLOCK_MONOTONIC, &abs_ts);
    abs_ts.tv_nsec += 20000000;
    if (abs_ts.tv_nsec >= 1000000000) {
        abs_ts.tv_sec++;
        abs_ts.tv_nsec -= 1000000000;
    }
    r = futex(&word, FUTEX_WAIT_BITSET, 5, &abs_ts, NULL, FUTEX_BITSET_MATCH_ANY);
    printf("  wait_bitset until monotonic+20ms: %ld %s\n", r, err(r));
    clock_gettime(CLOCK_REALTIME, &abs_ts);
    abs_ts.tv_sec -= 1;
    r = futex(&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 5, &abs_ts, NULL, FUTEX_BITSET_MATCH_ANY);
    printf("  wait_bitset until realtime-1s: %ld %s\n", r, err(r));
    r = futex(&word, FUTEX_WAKE, 10, NULL, NULL, 0);
    printf("  wake without waiters: %ld\n", r);
    r = futex(&word, FUTEX_WAIT_BITSET, 5, NULL, NULL, 0);
    printf("  wait_bitset with bitset 0: %ld %s\n", r, err(r));
    r = futex((uint32_t *)((char *)&word + 1), FUTEX_WAKE, 1, NULL, NULL, 0);
    printf("  misaligned wake: %ld %s\n", r, err(r));
    r = futex(&word, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0);
    printf("  wake with FUTEX_CLOCK_REALTIME: %ld %s\n", r, err(r));
    r = futex(&word, 99, 1, NULL, NULL, 0);
    printf("  unknown operation: %ld %s\n", r, err(r));
    r = futex(&word, FUTEX_CMP_REQUEUE, 1, NULL, &word, 6);
    printf("  cmp_requeue on a changed value: %ld %s\n", r, err(r));

    uint32_t a = 0, b = 10;
    r = futex_val2(&a, FUTEX_WAKE_OP, 1, 1, &b, FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 10));
    printf("  wake_op add 5 (old == 10): %ld b=%u\n", r, b);
    r = futex_val2(&a, FUTEX_WAKE_OP, 1, 1, &b, FUTEX_OP(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 4, FUTEX_OP_CMP_LT, 0));
    printf("  wake_op or 1<<4: %ld b=%u\n", r, b);
    r = futex_val2(&a, FUTEX_WAKE_OP, 1, 1, &b, FUTEX_OP(FUTEX_OP_ANDN, 1, FUTEX_OP_CMP_GT, 0));
    printf("  wake_op andn 1: %ld b=%u\n", r, b);
    r = futex_val2(&a, FUTEX_WAKE_OP, 1, 1, &b, FUTEX_OP(FUTEX_OP_XOR, 0x7ff, FUTEX_OP_CMP_NE, 0));
    printf("  wake_op xor 0x7ff: %ld b=%u\n", r, b);
    r = futex_val2(&a, FUTEX_WAKE_OP, 1, 1, &b, FUTEX_OP(FUTEX_OP_SET, -1, FUTEX_OP_CMP_GE, 0));
    printf("  wake_op set -1: %ld b=%d\n", r, (int)b);
    r = futex_val2(&a, FUTEX_WAKE_OP, 1, 1, &b, (7u << 28));
    printf("  wake_op bad operation: %ld %s b=%d\n", r, err(r), (int)b);
    r = futex_val2(&a, FUTEX_WAKE_OP, 1, 1, NULL, FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0));
    printf("  wake_op on NULL: %ld %s\n", r, err(r));
}

static void with_threads(void) {
    static uint32_t w1, w2;
    struct waiter x, y;
    long r;
    printf("threads:\n");

    start(&x, &w1, FUTEX_BITSET_MATCH_ANY);
    r = UNTIL_ONE(futex(&w1, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
    printf("  wake: %ld\n", r);
    finish("waiter", &x);

    start(&x, &w1, 1);
    start(&y, &w1, 2);
    r = UNTIL_ONE(futex(&w1, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, 5, NULL, NULL, 2));
    pthread_join(y.t, NULL);
    printf("  wake_bitset 2: %ld; bitset-1 waiter still waiting: %d\n", r, !x.done);
    /* A shared wake is another futex than the private one x waits on. */
    r = futex(&w1, FUTEX_WAKE, 5, NULL, NULL, 0);
    printf("  shared wake of private waiters: %ld, still waiting: %d\n", r, !x.done);
    r = UNTIL_ONE(futex(&w1, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, 5, NULL, NULL, 1));
    printf("  wake_bitset 1: %ld\n", r);
    finish("bitset-1 waiter", &x);
    printf("  bitset-2 waiter: result=%ld\n", y.result);

    start(&x, &w1, FUTEX_BITSET_MATCH_ANY);
    r = UNTIL_ONE(futex_val2(&w1, FUTEX_CMP_REQUEUE_PRIVATE, 0, 1, &w2, w1));
    printf("  cmp_requeue 0 woken, 1 moved: %ld\n", r);
    r = futex(&w1, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    printf("  wake on the old word: %ld, waiter done: %d\n", r, x.done);
    r = futex(&w2, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    printf("  wake on the new word: %ld\n", r);
    finish("requeued waiter", &x);

    start(&x, &w1, FUTEX_BITSET_MATCH_ANY);
    r = UNTIL_ONE(futex_val2(&w1, FUTEX_REQUEUE_PRIVATE, 1, 0, &w2, 0));
    printf("  requeue 1 woken: %ld\n", r);
    finish("waiter", &x);

    /* WAKE_OP: one waiter on each word; the comparison decides whether the second wakes. The values here
     * are 0 so that they read the same in either byte order: qemu-user 7.2 applies WAKE_OP's operation to
     * a big-endian guest's word in host byte order, and a w2 changed under a late waiter would make it
     * return EAGAIN and leave the loop below waiting forever (the single-thread cases above check the
     * operations' values). */
    w2 = 0;
    start(&y, &w2, FUTEX_BITSET_MATCH_ANY);
    /* A WAKE_OP that wakes nobody on w1 and whose comparison fails leaves y waiting; SET keeps w2 == 0 so
     * y's value check still holds when it arrives late. */
    r = futex_val2(&w1, FUTEX_WAKE_OP_PRIVATE, 1, 1, &w2, FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_NE, 0));
    printf("  wake_op, comparison false: %ld w2=%u\n", r, w2);
    r = UNTIL_ONE(futex_val2(&w1, FUTEX_WAKE_OP_PRIVATE, 1, 1, &w2, FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_EQ, 0)));
    printf("  wake_op, comparison true: %ld w2=%u\n", r, w2);
    finish("w2 waiter", &y);
    start(&x, &w1, FUTEX_BITSET_MATCH_ANY);
    r = UNTIL_ONE(futex_val2(&w1, FUTEX_WAKE_OP_PRIVATE, 1, 1, &w2, FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 100)));
    printf("  wake_op waking w1: %ld\n", r);
    finish("w1 waiter", &x);
    printf("  w2 after the adds: %s\n", w2 != 0 ? "grew" : "unchanged");
}

/* EINTR: a waiter without a timeout, and a handler without SA_RESTART. */
static volatile int handled;
static void on_usr1(int sig) {
    (void)sig;
    handled++;
}

static void eintr(void) {
    static uint32_t word;
    struct waiter x;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    start(&x, &word, FUTEX_BITSET_MATCH_ANY);
    while (!x.done) {
        pthread_kill(x.t, SIGUSR1);
        pause_a_little();
    }
    finish("signalled waiter", &x);
    printf("  handler ran: %d\n", handled > 0);
}

int main(void) {
    single_thread();
    with_threads();
    eintr();
    return 0;
}
