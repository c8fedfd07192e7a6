/*
 * clock.h: time, sleep and chance behind one injectable struct, so retry, credential refresh and
 * polling logic can be tested without waiting. Depends on libc only.
 */
#ifndef ECSHIP_CLOCK_H
#define ECSHIP_CLOCK_H

struct ship_clock {
	double (*now)(void *ctx);                 /* wall-clock seconds since the epoch */
	void (*sleep)(void *ctx, double seconds); /* may return early on a signal */
	double (*random)(void *ctx);              /* uniform in [0, 1) */
	void *ctx;
};

/* The real clock: CLOCK_REALTIME, nanosleep, a per-process seeded PRNG. */
const struct ship_clock *ship_clock_system(void);

/* A fake clock for tests: now() starts at `start`, sleep() advances it and records the total. */
struct ship_fake_clock {
	struct ship_clock clock;
	double now;
	double slept;    /* sum of all sleeps */
	double last_sleep;
	int sleeps;      /* number of sleep calls */
	double rand_value; /* random() returns this (default 0.5) */
};
void ship_fake_clock_init(struct ship_fake_clock *fc, double start);

#endif
