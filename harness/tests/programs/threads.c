/* POSIX threads on the guest: a mutex + condition variable ping-pong, __thread variables, pthread_cancel
 * of threads blocked in pthread_cond_wait and in nanosleep with cleanup handlers, pthread_kill to one
 * thread, join values and pthread_exit, exit() from a thread ending the process, and atomic increments
 * (lwarx/stwcx.) from threads preempted anywhere.
 * The output depends only on the synchronisation, never on the interleaving: no addresses, no tids.
 * With the argument "deadlock" it deadlocks on purpose (for the harness's deadlock detection). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* --- ping-pong --- */

#define ROUNDS 300

static pthread_mutex_t pp_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pp_cond = PTHREAD_COND_INITIALIZER;
static int pp_turn;      /* 0: ping's turn, 1: pong's turn */
static int pp_count;     /* incremented by both, strictly alternating */
static int pp_order_ok = 1;

static void *pinger(void *arg) {
    int me = (int)(intptr_t)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&pp_lock);
        while (pp_turn != me)
            pthread_cond_wait(&pp_cond, &pp_lock);
        if (pp_count % 2 != me)
            pp_order_ok = 0;
        pp_count++;
        pp_turn = !me;
        pthread_cond_signal(&pp_cond);
        pthread_mutex_unlock(&pp_lock);
    }
    return (void *)(intptr_t)(100 + me);
}

static void ping_pong(void) {
    pthread_t a, b;
    void *ra, *rb;
    pthread_create(&a, NULL, pinger, (void *)0);
    pthread_create(&b, NULL, pinger, (void *)1);
    pthread_join(a, &ra);
    pthread_join(b, &rb);
    printf("ping-pong: count=%d alternated=%d returns=%ld,%ld\n", pp_count, pp_order_ok, (long)(intptr_t)ra,
           (long)(intptr_t)rb);
}

/* --- lwarx/stwcx. atomics under preemption: no increment may be lost --- */

#define NATOMIC 4
#define INCREMENTS 100000
static unsigned long atomic_counter;
static unsigned long locked_counter;
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;

static void *incrementer(void *arg) {
    (void)arg;
    for (int i = 0; i < INCREMENTS; i++) {
        __atomic_fetch_add(&atomic_counter, 1, __ATOMIC_RELAXED);
        if (i % 64 == 0) {
            pthread_mutex_lock(&counter_lock);
            locked_counter++;
            pthread_mutex_unlock(&counter_lock);
        }
    }
    return NULL;
}

static void atomics(void) {
    pthread_t t[NATOMIC];
    for (int i = 0; i < NATOMIC; i++)
        pthread_create(&t[i], NULL, incrementer, NULL);
    for (int i = 0; i < NATOMIC; i++)
        pthread_join(t[i], NULL);
    printf("atomics: %lu of %d, under the mutex: %lu of %d\n", atomic_counter, NATOMIC * INCREMENTS, locked_counter,
           NATOMIC * ((INCREMENTS + 63) / 64));
}

/* --- __thread --- */

#define NTLS 4
static __thread int tls_value = 7;
static __thread char tls_name[16] = "initial";
static pthread_barrier_t tls_barrier;

static void *tls_worker(void *arg) {
    int id = (int)(intptr_t)arg;
    int initial_ok = tls_value == 7 && strcmp(tls_name, "initial") == 0;
    tls_value = 1000 + id;
    snprintf(tls_name, sizeof tls_name, "worker-%d", id);
    /* Everyone has written its copy before anyone checks. */
    pthread_barrier_wait(&tls_barrier);
    for (int i = 0; i < 50; i++)
        sched_yield();
    char want[16];
    snprintf(want, sizeof want, "worker-%d", id);
    int ok = initial_ok && tls_value == 1000 + id && strcmp(tls_name, want) == 0;
    return (void *)(intptr_t)ok;
}

static void tls_test(void) {
    pthread_t t[NTLS];
    tls_value = 1;
    strcpy(tls_name, "main");
    pthread_barrier_init(&tls_barrier, NULL, NTLS);
    for (int i = 0; i < NTLS; i++)
        pthread_create(&t[i], NULL, tls_worker, (void *)(intptr_t)i);
    int good = 0;
    for (int i = 0; i < NTLS; i++) {
        void *r;
        pthread_join(t[i], &r);
        good += (int)(intptr_t)r;
    }
    printf("__thread: %d/%d workers saw only their own copy; main's copy: %d %s\n", good, NTLS, tls_value, tls_name);
}

/* --- pthread_cancel --- */

static pthread_mutex_t c_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c_cond = PTHREAD_COND_INITIALIZER;
static int c_ready;

static void say(void *what) {
    printf("  cleanup: %s\n", (const char *)what);
}

static void unlock_and_say(void *m) {
    pthread_mutex_unlock((pthread_mutex_t *)m);
    printf("  cleanup: mutex unlocked\n");
}

static void *cond_waiter(void *arg) {
    (void)arg;
    pthread_cleanup_push(say, "outer handler");
    pthread_mutex_lock(&c_lock);
    pthread_cleanup_push(unlock_and_say, &c_lock);
    c_ready = 1;
    pthread_cond_broadcast(&c_cond);
    for (;;) /* never signalled for this predicate */
        pthread_cond_wait(&c_cond, &c_lock);
    pthread_cleanup_pop(1);
    pthread_cleanup_pop(1);
    return NULL;
}

static void *sleeper(void *arg) {
    (void)arg;
    pthread_cleanup_push(say, "sleeper handler");
    pthread_mutex_lock(&c_lock);
    c_ready = 2;
    pthread_cond_broadcast(&c_cond);
    pthread_mutex_unlock(&c_lock);
    struct timespec ts = {1000, 0};
    nanosleep(&ts, NULL);
    printf("  sleeper: not cancelled?\n");
    pthread_cleanup_pop(0);
    return NULL;
}

static void cancel_one(const char *name, void *(*fn)(void *), int ready_value) {
    pthread_t t;
    void *r;
    pthread_mutex_lock(&c_lock);
    c_ready = 0;
    pthread_mutex_unlock(&c_lock);
    pthread_create(&t, NULL, fn, NULL);
    pthread_mutex_lock(&c_lock);
    while (c_ready != ready_value)
        pthread_cond_wait(&c_cond, &c_lock);
    pthread_mutex_unlock(&c_lock);
    printf("cancel %s:\n", name);
    fflush(stdout);
    int rc = pthread_cancel(t);
    int jc = pthread_join(t, &r);
    printf("  cancel=%d join=%d result=%s\n", rc, jc, r == PTHREAD_CANCELED ? "PTHREAD_CANCELED" : "other");
    /* The mutex is usable again (the first thread's cleanup released it). */
    int lk = pthread_mutex_trylock(&c_lock);
    printf("  mutex free afterwards: %d\n", lk == 0);
    if (lk == 0)
        pthread_mutex_unlock(&c_lock);
}

/* --- pthread_kill --- */

static __thread volatile sig_atomic_t got_usr1;
static volatile int usr1_count;
static volatile int usr1_in_target;
static pthread_t usr1_target;
static pthread_mutex_t k_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t k_cond = PTHREAD_COND_INITIALIZER;
static int k_ready;

static void on_usr1(int sig) {
    (void)sig;
    got_usr1 = 1;
    usr1_count++;
    usr1_in_target = pthread_equal(pthread_self(), usr1_target);
}

static void *usr1_waiter(void *arg) {
    (void)arg;
    sigset_t block, none;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &block, NULL);
    pthread_mutex_lock(&k_lock);
    k_ready = 1;
    pthread_cond_broadcast(&k_cond);
    pthread_mutex_unlock(&k_lock);
    sigemptyset(&none);
    while (!got_usr1)
        sigsuspend(&none);
    return (void *)(intptr_t)got_usr1;
}

static void kill_test(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    pthread_create(&usr1_target, NULL, usr1_waiter, NULL);
    pthread_mutex_lock(&k_lock);
    while (!k_ready)
        pthread_cond_wait(&k_cond, &k_lock);
    pthread_mutex_unlock(&k_lock);
    int rc = pthread_kill(usr1_target, SIGUSR1);
    void *r;
    pthread_join(usr1_target, &r);
    printf("pthread_kill: rc=%d handled once=%d in the target=%d target's flag=%ld main's flag=%d\n", rc,
           usr1_count == 1, usr1_in_target, (long)(intptr_t)r, (int)got_usr1);
    printf("pthread_kill(self, 0): %d\n", pthread_kill(pthread_self(), 0));
}

/* --- join values, pthread_exit, detached threads --- */

static void *exiter(void *arg) {
    int id = (int)(intptr_t)arg;
    if (id % 2)
        pthread_exit((void *)(intptr_t)(id * 11));
    return (void *)(intptr_t)(id * 10);
}

static volatile int detached_ran;
static void *detached(void *arg) {
    (void)arg;
    detached_ran = 1;
    return NULL;
}

static void join_test(void) {
    pthread_t t[6];
    for (int i = 0; i < 6; i++)
        pthread_create(&t[i], NULL, exiter, (void *)(intptr_t)i);
    printf("join:");
    for (int i = 5; i >= 0; i--) {
        void *r;
        int rc = pthread_join(t[i], &r);
        printf(" %d:%ld", rc, (long)(intptr_t)r);
    }
    printf("\n");
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t d;
    pthread_create(&d, &attr, detached, NULL);
    while (!detached_ran)
        sched_yield();
    printf("detached thread ran: %d\n", detached_ran);
}

/* --- exit() from a thread while main waits in pthread_join --- */

static void *ender(void *arg) {
    (void)arg;
    printf("ender: calling exit(5)\n");
    fflush(stdout);
    exit(5);
}

/* --- deadlock on purpose: main holds a mutex the thread needs and joins the thread --- */

static pthread_mutex_t dl_lock = PTHREAD_MUTEX_INITIALIZER;

static void *dl_locker(void *arg) {
    (void)arg;
    pthread_mutex_lock(&dl_lock);
    return NULL;
}

static void deadlock(void) {
    pthread_t t;
    pthread_mutex_lock(&dl_lock);
    printf("waiting forever\n");
    fflush(stdout);
    pthread_create(&t, NULL, dl_locker, NULL);
    pthread_join(t, NULL);
    printf("joined?\n");
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "deadlock") == 0) {
        deadlock();
        return 1;
    }
    ping_pong();
    atomics();
    tls_test();
    cancel_one("in pthread_cond_wait", cond_waiter, 1);
    cancel_one("in nanosleep", sleeper, 2);
    kill_test();
    join_test();
    pthread_t e;
    pthread_create(&e, NULL, ender, NULL);
    pthread_join(e, NULL);
    printf("not reached\n");
    return 0;
}
