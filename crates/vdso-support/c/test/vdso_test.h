/*
 * What every arch's freestanding vdso test program (tests/<arch>/vdso_test.c, run under qemu-user by
 * vdso_support::test_support::qemu) shares: the output (`case=NAME key=value ...` lines), the image
 * mapped below a fake data page, the FreeBSD timehands it fills, the hook of the instrumented reader
 * (time.c built with -DVDSO_TEST_HOOK), the SIGALRM handler that publishes timehands while the vdso
 * spins on th_gen == 0, and run_time_cases(): the cases every arch runs, which check_time_cases() checks.
 * Included once, by the program's only C file.
 *
 * The arch's vdso_test.c includes its data.h, then defines before including this file:
 *	struct vcall_ctx, ctx	what its support.S's vcall() takes: the sentinels and the register check
 *	NR_write, NR_mmap, NR_rt_sigaction, NR_setitimer	its system call numbers
 * and after it the hooks declared below (arch_*). Its support.S provides _start, sys6(), vcall() and
 * read_counter() (the counter the vdso reads: the timebase, the generic timer's virtual count).
 */
#ifndef VDSO_TEST_H
#define VDSO_TEST_H

typedef unsigned long u64;
typedef long i64;
typedef unsigned int u32;

struct linux_timespec { i64 sec, nsec; };
struct linux_timeval { i64 sec, usec; };
struct linux_timezone { int minuteswest, dsttime; };
struct k_sigaction { u64 handler, flags, restorer, mask; };

long sys6(long nr, long a, long b, long c, long d, long e, long f);
u64 read_counter(void);

extern const unsigned char vdso_image[], vdso_image_end[];

#define SIGALRM 14

/* The image's symbol offsets come from the test (-DSYM_<name>=offset). */
#define SYM(n) ((u64)image + SYM_##n)

/* ---- the arch's hooks ---- */
/* Calls the vdso function fn(a0, a1) through vcall() with the sentinels of ctx; returns its result register. */
static long arch_vcall(u64 fn, long a0, long a1);
/* Prints the result of the register check of the last call (ctx; all zero after hooked_case). */
static void arch_head(void);
/* Sets the timehands' th_algo, th_scale and machine-dependent words. */
static void arch_init_th(struct vdso_timehands *th);
/* Calls the instrumented reader's clock_gettime on the data page; returns its result. */
static int arch_hooked_gettime(int clk, struct linux_timespec *ts);
/* Prints what else the instrumented reader returned, after the iterations. */
static void arch_hooked_print(void);

static unsigned char *image;
static struct vdso_data *data;
static struct vdso_timekeep *tk;

void *memset(void *p, int c, unsigned long n);
void *memcpy(void *to, const void *from, unsigned long n);

/* ---- output ---- */
static char outbuf[256];
static unsigned outlen;

static void flush(void)
{
	sys6(NR_write, 1, (long)outbuf, outlen, 0, 0, 0);
	outlen = 0;
}
static void put(const char *s)
{
	while (*s) {
		if (outlen == sizeof(outbuf))
			flush();
		outbuf[outlen++] = *s++;
	}
}
static void put_u(u64 v)
{
	char b[24];
	int i = 23;
	b[i] = 0;
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(b + i);
}
static void put_i(i64 v)
{
	if (v < 0) {
		put("-");
		put_u((u64)0 - (u64)v);
	} else {
		put_u((u64)v);
	}
}
static void kv(const char *k, u64 v)
{
	put(" ");
	put(k);
	put("=");
	put_u(v);
}
static void kvi(const char *k, i64 v)
{
	put(" ");
	put(k);
	put("=");
	put_i(v);
}
static void end_line(void)
{
	put("\n");
	flush();
}

/* ---- calling the vdso ---- */
static u64 last_cnt0, last_cnt1;

/* Calls a vdso function through vcall(), reading the counter just before and after. */
static long call(u64 fn, long a0, long a1)
{
	last_cnt0 = read_counter();
	long r = arch_vcall(fn, a0, a1);
	last_cnt1 = read_counter();
	return r;
}

static void print_th(const struct vdso_timehands *th)
{
	kv("algo", th->th_algo);
	kv("gen", th->th_gen);
	kv("scale", th->th_scale);
	kv("oc", th->th_offset_count);
	kv("mask", th->th_counter_mask);
	kvi("osec", th->th_offset.sec);
	kv("ofrac", th->th_offset.frac);
	kvi("bsec", th->th_boottime.sec);
	kv("bfrac", th->th_boottime.frac);
}

/* One line for a call: name, the result register, the register check, the counter around the call. */
static void head(const char *name, long rc)
{
	put("case=");
	put(name);
	kvi("rc", rc);
	arch_head();
	kv("tb0", last_cnt0);
	kv("tb1", last_cnt1);
}

static struct linux_timespec ts;

static void gettime_case(const char *name, int clk)
{
	ts.sec = ts.nsec = -1;
	long r = call(SYM(__kernel_clock_gettime), clk, (long)&ts);
	head(name, r);
	kv("clk", (u64)clk);
	kvi("s", ts.sec);
	kvi("ns", ts.nsec);
	if (tk != 0)	/* 0 while the data page is all zero */
		print_th(&tk->tk_th[tk->tk_current < VDSO_TH_NUM ? tk->tk_current : 0]);
	end_line();
}

static void reset_timekeep(void)
{
	memset(tk, 0, sizeof(*tk) + VDSO_TH_NUM * sizeof(struct vdso_timehands));
	tk->tk_ver = VDSO_TK_VER_1;
	tk->tk_enabled = 1;
	tk->tk_current = 0;
	for (int i = 0; i < VDSO_TH_NUM; i++) {
		struct vdso_timehands *th = &tk->tk_th[i];
		th->th_gen = 1 + (u32)i;
		th->th_offset_count = (u32)read_counter() - 1000u * (u32)(i + 1);
		th->th_counter_mask = 0xffffffffu;
		th->th_offset.sec = 1000 + 100 * i;
		th->th_offset.frac = 0x8000000000000000ul;
		th->th_boottime.sec = 1000000000;	/* 2001: tells a vdso result from a system call's */
		th->th_boottime.frac = 0xc000000000000000ul;
		arch_init_th(th);
	}
}

/* ---- the hook of the instrumented reader ---- */
enum { HOOK_NONE, HOOK_BUMP_GEN, HOOK_SWITCH, HOOK_GEN_ZERO_THEN_SET };
static int hook_mode;
static unsigned hook_calls;

void vdso_test_hook(const volatile struct vdso_timekeep *ctk, u32 curr, unsigned iteration)
{
	struct vdso_timekeep *w = (struct vdso_timekeep *)ctk;
	hook_calls = iteration + 1;
	if (hook_mode == HOOK_BUMP_GEN && iteration == 0) {
		w->tk_th[curr].th_offset.sec += 1000;	/* the kernel updated the timehands ... */
		w->tk_th[curr].th_gen++;		/* ... and published a new generation */
	} else if (hook_mode == HOOK_SWITCH && iteration == 0) {
		w->tk_current = 1;
	} else if (hook_mode == HOOK_GEN_ZERO_THEN_SET && iteration == 1) {
		w->tk_th[curr].th_gen = 3;
	}
}

static void hooked_case(const char *name, int mode, int clk)
{
	hook_mode = mode;
	hook_calls = 0;
	ts.sec = ts.nsec = -1;
	last_cnt0 = read_counter();
	int r = arch_hooked_gettime(clk, &ts);
	last_cnt1 = read_counter();
	memset(&ctx, 0, sizeof(ctx));	/* not a vcall: no register check */
	head(name, r);
	kv("iters", hook_calls);
	arch_hooked_print();
	kv("clk", (u64)clk);
	kvi("s", ts.sec);
	kvi("ns", ts.nsec);
	print_th(&tk->tk_th[tk->tk_current]);
	end_line();
	hook_mode = HOOK_NONE;
}

/* ---- SIGALRM: publishes timehands 2 while the vdso spins on th_gen == 0 ---- */
static volatile int alarm_fired;

static void on_alarm(int sig)
{
	(void)sig;
	struct vdso_timehands *th = &tk->tk_th[2];
	th->th_gen = 0;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	th->th_offset.sec = 5000;
	th->th_offset_count = (u32)read_counter();
	__atomic_store_n(&th->th_gen, 7, __ATOMIC_RELEASE);
	__atomic_store_n(&tk->tk_current, 2, __ATOMIC_RELEASE);
	alarm_fired = 1;
}

/* The compiler may turn loops and struct copies into these. */
void *memset(void *p, int c, unsigned long n)
{
	unsigned char *d = p;
	while (n--)
		*d++ = (unsigned char)c;
	return p;
}

void *memcpy(void *to, const void *from, unsigned long n)
{
	unsigned char *d = to;
	const unsigned char *s = from;
	while (n--)
		*d++ = *s++;
	return to;
}

/*
 * Maps the image one data page above an all-zero data area (data, image) and copies it there; prints
 * why and returns nonzero when it cannot.
 */
static int map_image(void)
{
	u64 image_len = (u64)(vdso_image_end - vdso_image);
	u64 map_len = VDSO_DATA_SIZE + ((image_len + 4095) & ~4095ul);
	long m = sys6(NR_mmap, 0, (long)map_len, 7 /* RWX */, 0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0);
	if (m < 0 && m > -4096) {
		put("mmap failed");
		end_line();
		return 1;
	}
	data = (struct vdso_data *)m;
	image = (unsigned char *)m + VDSO_DATA_SIZE;
	for (u64 i = 0; i < image_len; i++)
		image[i] = vdso_image[i];
	return 0;
}

/* The data area every arch's vdso reads (the arch sets its own words), and fresh timekeeping. */
static void setup_data(void)
{
	data->tk_offset = VDSO_DATA_TK_DEFAULT;
	data->hres_ns = 1;
	data->coarse_ns = 1000000;
	data->tz_minuteswest = -60;
	data->tz_dsttime = 1;
	tk = (struct vdso_timekeep *)((char *)data + VDSO_DATA_TK_DEFAULT);
	reset_timekeep();
}

/*
 * The cases every arch runs, on the data area of setup_data(): clock_gettime of every clock, the counter
 * wrap and mask, tk_current, the timekeeping the vdso must not use, the errors, the generation protocol,
 * gettimeofday, then after_gettimeofday() (if any: the arch's own cases) and clock_getres.
 */
static void run_time_cases(void (*after_gettimeofday)(void))
{
	/* Warm up: qemu translates each function once. */
	for (int i = 0; i < 3; i++) {
		call(SYM(__kernel_clock_gettime), LINUX_CLOCK_MONOTONIC, (long)&ts);
		call(SYM(__kernel_gettimeofday), (long)&ts, 0);
	}

	/* clock_gettime for every clock the timekeeping serves. */
	gettime_case("realtime", LINUX_CLOCK_REALTIME);
	gettime_case("monotonic", LINUX_CLOCK_MONOTONIC);
	gettime_case("monotonic_raw", LINUX_CLOCK_MONOTONIC_RAW);
	gettime_case("boottime", LINUX_CLOCK_BOOTTIME);
	gettime_case("realtime_coarse", LINUX_CLOCK_REALTIME_COARSE);
	gettime_case("monotonic_coarse", LINUX_CLOCK_MONOTONIC_COARSE);

	/* ... and the ones it does not: the real system call. */
	gettime_case("cputime", LINUX_CLOCK_PROCESS_CPUTIME_ID);
	gettime_case("bad_clock", 100);
	{
		long r = call(SYM(__kernel_clock_gettime), LINUX_CLOCK_MONOTONIC, 0);
		head("null_ts", r);
		end_line();
	}

	/* The counter's low word wrapped since th_offset_count: delta = 2^32 - 2^30 + elapsed. */
	while ((u32)read_counter() >= 0x80000000u)
		;
	tk->tk_th[0].th_offset_count = (u32)read_counter() + 0x40000000u;
	gettime_case("wrap", LINUX_CLOCK_MONOTONIC);
	/* A narrower (28-bit) counter: only the masked delta counts. */
	tk->tk_th[0].th_counter_mask = 0x0fffffffu;
	tk->tk_th[0].th_offset_count = (u32)read_counter() + 0x08000000u;
	gettime_case("mask28", LINUX_CLOCK_REALTIME);
	reset_timekeep();

	/* tk_current selects the timehands. */
	tk->tk_current = 1;
	gettime_case("current1", LINUX_CLOCK_MONOTONIC);
	reset_timekeep();

	/* Timekeeping the vdso must not use: the system call answers (host time, not the fake 2001). */
	tk->tk_enabled = 0;
	gettime_case("disabled", LINUX_CLOCK_REALTIME);
	reset_timekeep();
	tk->tk_ver = 2;
	gettime_case("bad_version", LINUX_CLOCK_REALTIME);
	reset_timekeep();
	tk->tk_th[0].th_algo = 2;
	gettime_case("bad_algo", LINUX_CLOCK_REALTIME);
	reset_timekeep();
	tk->tk_current = 9;
	gettime_case("bad_current", LINUX_CLOCK_REALTIME);
	reset_timekeep();

	/* The production reader spins while th_gen == 0 until a signal handler publishes timehands 2. */
	{
		struct k_sigaction sa = { (u64)on_alarm, 0, 0, 0 };
		long r = sys6(NR_rt_sigaction, SIGALRM, (long)&sa, 0, 8, 0, 0);
		struct { i64 isec, iusec, vsec, vusec; } it = { 0, 0, 0, 20000 };
		tk->tk_th[0].th_gen = 0;
		r |= sys6(NR_setitimer, 0, (long)&it, 0, 0, 0, 0);
		gettime_case("gen_zero_signal", LINUX_CLOCK_MONOTONIC);
		put("case=alarm");
		kvi("setup", r);
		kv("fired", (u64)alarm_fired);
		end_line();
		reset_timekeep();
	}

	/* The instrumented reader: generation changes in the middle of a read. */
	hooked_case("hook_none", HOOK_NONE, LINUX_CLOCK_MONOTONIC);
	hooked_case("hook_bump_gen", HOOK_BUMP_GEN, LINUX_CLOCK_MONOTONIC);
	reset_timekeep();
	hooked_case("hook_switch", HOOK_SWITCH, LINUX_CLOCK_REALTIME);
	reset_timekeep();
	tk->tk_th[0].th_gen = 0;
	hooked_case("hook_gen_zero", HOOK_GEN_ZERO_THEN_SET, LINUX_CLOCK_MONOTONIC);
	reset_timekeep();

	/* gettimeofday. */
	{
		struct linux_timeval tv = { -1, -1 };
		struct linux_timezone tz = { 7, 7 };
		long r = call(SYM(__kernel_gettimeofday), (long)&tv, (long)&tz);
		head("gettimeofday", r);
		kvi("s", tv.sec);
		kvi("us", tv.usec);
		kvi("tzw", tz.minuteswest);
		kvi("tzd", tz.dsttime);
		print_th(&tk->tk_th[0]);
		end_line();
		r = call(SYM(__kernel_gettimeofday), 0, 0);
		head("gettimeofday_null", r);
		end_line();
	}

	if (after_gettimeofday)
		after_gettimeofday();

	/* clock_getres. */
	{
		static const struct { const char *name; int clk; } res[] = {
			{ "res_realtime", LINUX_CLOCK_REALTIME },
			{ "res_monotonic", LINUX_CLOCK_MONOTONIC },
			{ "res_monotonic_raw", LINUX_CLOCK_MONOTONIC_RAW },
			{ "res_boottime", LINUX_CLOCK_BOOTTIME },
			{ "res_realtime_coarse", LINUX_CLOCK_REALTIME_COARSE },
			{ "res_monotonic_coarse", LINUX_CLOCK_MONOTONIC_COARSE },
			{ "res_cputime", LINUX_CLOCK_PROCESS_CPUTIME_ID },
			{ "res_bad", 100 },
		};
		long r;
		for (unsigned i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
			ts.sec = ts.nsec = -1;
			r = call(SYM(__kernel_clock_getres), res[i].clk, (long)&ts);
			head(res[i].name, r);
			kvi("s", ts.sec);
			kvi("ns", ts.nsec);
			end_line();
		}
		r = call(SYM(__kernel_clock_getres), LINUX_CLOCK_MONOTONIC, 0);
		head("res_null", r);
		end_line();
	}
}

#endif
