/*
 * clock.c: the real and the fake ship_clock (see clock.h). Depends on libc only.
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "ecship/clock.h"

static uint64_t s_rng_state;

static double sys_now(void *ctx)
{
	struct timespec ts;
	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sys_sleep(void *ctx, double seconds)
{
	struct timespec ts;
	(void)ctx;
	if (seconds <= 0)
		return;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL); /* a signal ends the sleep early; callers re-check their state */
}

/* splitmix64: small, good enough for jitter; not for secrets. */
static double sys_random(void *ctx)
{
	(void)ctx;
	if (!__atomic_load_n(&s_rng_state, __ATOMIC_RELAXED)) {
		struct timespec ts;
		uint64_t zero = 0;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		__atomic_compare_exchange_n(&s_rng_state, &zero,
					    ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
						((uint64_t)getpid() << 40),
					    0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
	/* atomic: forked clients (ship_aws_fork) draw jitter from several threads */
	uint64_t z = __atomic_add_fetch(&s_rng_state, 0x9E3779B97F4A7C15ull, __ATOMIC_RELAXED);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0;
}

static const struct ship_clock s_system = {sys_now, sys_sleep, sys_random, NULL};

const struct ship_clock *ship_clock_system(void) { return &s_system; }

static double fake_now(void *ctx) { return ((struct ship_fake_clock *)ctx)->now; }

static void fake_sleep(void *ctx, double seconds)
{
	struct ship_fake_clock *fc = ctx;
	if (seconds < 0)
		seconds = 0;
	fc->now += seconds;
	fc->slept += seconds;
	fc->last_sleep = seconds;
	fc->sleeps++;
}

static double fake_random(void *ctx) { return ((struct ship_fake_clock *)ctx)->rand_value; }

void ship_fake_clock_init(struct ship_fake_clock *fc, double start)
{
	fc->clock.now = fake_now;
	fc->clock.sleep = fake_sleep;
	fc->clock.random = fake_random;
	fc->clock.ctx = fc;
	fc->now = start;
	fc->slept = 0;
	fc->last_sleep = 0;
	fc->sleeps = 0;
	fc->rand_value = 0.5;
}
