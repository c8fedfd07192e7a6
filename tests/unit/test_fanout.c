/*
 * test_fanout.c: a client forked for another thread (ship_aws_fork) draws on its parent's ECS
 * token buckets (RegisterTaskDefinition: 20, then 1 a second, like ECS's request throttling,
 * "Request throttling for the Amazon ECS API" in the developer guide), so that the threads of a
 * deploy spend ECS's rate once; its requests count in the parent's stats; a client with an
 * injected transport is not forked. And the worker pool of lib/ecs/fanout.c: every item runs
 * once, an item waiting on another runs after it, and an item asking to stop stops the rest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecship/aws.h"
#include "private/fanout.h"
#include "testutil.h"

/* A clock that only moves when slept on, for any thread (the test's calls are in one thread). */
struct fclock {
	struct ship_clock clock;
	double now, slept;
};
static double fc_now(void *ctx)
{
	return ((struct fclock *)ctx)->now;
}
static void fc_sleep(void *ctx, double s)
{
	struct fclock *c = ctx;
	if (s > 0) {
		c->now += s;
		c->slept += s;
	}
}
static double fc_random(void *ctx)
{
	(void)ctx;
	return 0.5;
}

static struct ship_aws *client(struct fclock *fc)
{
	struct ship_aws_options o;
	struct ship_err e = SHIP_ERR_INIT;
	memset(&o, 0, sizeof(o));
	fc->clock.now = fc_now;
	fc->clock.sleep = fc_sleep;
	fc->clock.random = fc_random;
	fc->clock.ctx = fc;
	o.region = "us-east-1";
	o.endpoint_url = "http://127.0.0.1:1"; /* nothing listens: each attempt fails at once */
	o.clock = &fc->clock;
	o.max_attempts = 1;
	struct ship_aws *aws = ship_aws_new(&o, &e);
	if (!aws)
		fail_msg("ship_aws_new: %s", e.message);
	return aws;
}

static void register_once(struct ship_aws *aws)
{
	struct ship_err e = SHIP_ERR_INIT;
	json_t *out = NULL, *req = json_pack("{s:s}", "family", "f");
	assert_int_equal(
	    ship_aws_json(aws, SHIP_SVC_ECS, "RegisterTaskDefinition", req, &out, NULL, &e), -1);
	json_decref(req);
	json_decref(out);
}

/* 25 registrations, alternating between the parent and its fork: one bucket of 20, so the last
 * five wait a second each; with a bucket each (13 and 12 calls) none would wait. */
static void test_fork_shares_buckets(void **state)
{
	(void)state;
	struct fclock fc = {{0}, 1000, 0};
	struct ship_err e = SHIP_ERR_INIT;
	setenv("AWS_ACCESS_KEY_ID", "AKIAECSHIPTEST000000", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "not-a-secret", 1);
	struct ship_aws *aws = client(&fc);
	struct ship_aws *fork = ship_aws_fork(aws, &e);
	if (!fork)
		fail_msg("ship_aws_fork: %s", e.message);
	for (int i = 0; i < 25; i++)
		register_once(i % 2 ? fork : aws);
	assert_true(fc.slept > 4.9 && fc.slept < 5.1);
	struct ship_aws_stats st;
	ship_aws_destroy(fork);
	ship_aws_stats(aws, &st);
	assert_int_equal(st.calls, 25); /* the fork's 12 were added when it ended */
	assert_int_equal(st.rate_waits, 5);
	ship_aws_destroy(aws);
}

static int fake_transport(void *ctx, const struct ship_http_request *req,
			  struct ship_http_response *resp, struct ship_err *err)
{
	(void)ctx;
	(void)req;
	(void)resp;
	return ship_err_set(err, SHIP_ERR_NETWORK, "no network in this test");
}

static void test_injected_transport_is_not_forked(void **state)
{
	(void)state;
	struct ship_aws_options o;
	struct ship_err e = SHIP_ERR_INIT;
	memset(&o, 0, sizeof(o));
	o.region = "us-east-1";
	o.transport = fake_transport;
	struct ship_aws *aws = ship_aws_new(&o, &e);
	assert_non_null(aws);
	assert_null(ship_aws_fork(aws, &e));
	assert_int_equal(e.code, SHIP_ERR_INPUT);
	ship_aws_destroy(aws);
}

/* ---- the pool ---- */

struct order {
	int seq[64];
	int runs[64];
	int next;
	int stop_at; /* the item that asks to stop (-1: none) */
};

static int work(void *ctx, size_t i, struct ship_aws *aws)
{
	struct order *o = ctx;
	(void)aws;
	ship_fanout_lock();
	o->seq[i] = o->next++;
	o->runs[i]++;
	ship_fanout_unlock();
	return (int)i == o->stop_at;
}

static void test_pool_runs_each_once_after_its_leader(void **state)
{
	(void)state;
	struct fclock fc = {{0}, 1000, 0};
	struct ship_aws *aws = client(&fc);
	struct order o;
	size_t after[40];
	unsigned char ran[40];
	memset(&o, 0, sizeof(o));
	o.stop_at = -1;
	for (size_t i = 0; i < 40; i++)
		after[i] = i >= 10 && i < 20 ? 3 : i; /* items 10-19 wait for item 3 */
	struct ship_fanout f = {40, after, NULL, NULL, 4, ran, 0};
	assert_int_equal(ship_fanout_run(aws, &f, work, &o), 0);
	assert_int_equal(f.threads, 4);
	for (size_t i = 0; i < 40; i++) {
		assert_int_equal(ran[i], 1);
		assert_int_equal(o.runs[i], 1);
		if (i >= 10 && i < 20)
			assert_true(o.seq[i] > o.seq[3]);
	}
	ship_aws_destroy(aws);
}

static void test_pool_stops_starting_after_a_stop(void **state)
{
	(void)state;
	struct fclock fc = {{0}, 1000, 0};
	struct ship_aws *aws = client(&fc);
	struct order o;
	unsigned char ran[40];
	memset(&o, 0, sizeof(o));
	o.stop_at = 0;
	/* in turn (workers 1): item 0 stops the rest, none of which runs */
	struct ship_fanout f = {40, NULL, NULL, NULL, 1, ran, 0};
	ship_fanout_run(aws, &f, work, &o);
	assert_int_equal(ran[0], 1);
	for (size_t i = 1; i < 40; i++)
		assert_int_equal(ran[i], 0);
	/* four threads: at most the three other items in flight finish, no new one starts */
	memset(&o, 0, sizeof(o));
	o.stop_at = 0;
	struct ship_fanout g = {40, NULL, NULL, NULL, 4, ran, 0};
	ship_fanout_run(aws, &g, work, &o);
	int n = 0;
	for (size_t i = 0; i < 40; i++)
		n += ran[i];
	assert_true(n >= 1 && n <= 4);
	ship_aws_destroy(aws);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(test_fork_shares_buckets),
	    TU_TEST(test_injected_transport_is_not_forked),
	    TU_TEST(test_pool_runs_each_once_after_its_leader),
	    TU_TEST(test_pool_stops_starting_after_a_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
