/*
 * test_fanout.c: a client forked for another thread (ship_aws_fork) draws on its parent's ECS
 * token buckets (RegisterTaskDefinition: 20, then 1 a second, like ECS's request throttling,
 * "Request throttling for the Amazon ECS API" in the developer guide), so that the threads of a
 * deploy spend ECS's rate once; its requests count in the parent's stats; a client with an
 * injected transport is not forked. And the worker pool of lib/ecs/fanout.c: every item runs
 * once, an item waiting on another runs after it, and an item asking to stop stops the rest.
 * And the wait over many services: once the services left need fewer DescribeServices calls
 * than the first poll made, they are polled more often in the same proportion (issue 14).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecship/aws.h"
#include "ecship/ecs.h"
#include "ecs_fixtures.h"
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

/* ---- the wait over many services ---- */

/* A fake ECS for ship_ecs_wait_many: service sNN's deployment is COMPLETED from done_at[NN] on
 * the fake clock, IN_PROGRESS before; records when each DescribeServices came. */
struct many {
	struct fclock *fc;
	double done_at[40];
	double at[64];
	int names[64]; /* services asked in each call */
	int ncalls;
};

static int many_transport(void *ctx, const struct ship_http_request *req,
			  struct ship_http_response *resp, struct ship_err *err)
{
	struct many *m = ctx;
	json_t *in = json_loadb(req->body.p, req->body.len, 0, NULL), *out = json_array(), *name;
	size_t i;
	(void)err;
	assert_non_null(in);
	assert_true(m->ncalls < 64);
	m->at[m->ncalls] = m->fc->now;
	m->names[m->ncalls++] = (int)json_array_size(json_object_get(in, "services"));
	json_array_foreach(json_object_get(in, "services"), i, name)
	{
		int k = atoi(json_string_value(name) + 1);
		int done = m->fc->now >= m->done_at[k];
		json_array_append_new(
		    out, fx_service_named(json_string_value(name), 1,
					  done ? FX_OURS " PRIMARY COMPLETED " FX_TD_NEW " 1 0 1 0"
					       : FX_OURS " PRIMARY IN_PROGRESS " FX_TD_NEW " 1 1 0 0",
					  done ? NULL : FX_OLD " ACTIVE COMPLETED " FX_TD_OLD " 1 0 1 0"));
	}
	json_t *body = json_pack("{s:o, s:[]}", "services", out, "failures");
	char *text = json_dumps(body, 0);
	json_decref(body);
	json_decref(in);
	resp->status = 200;
	ship_headers_add(&resp->headers, "Content-Type", "application/x-amz-json-1.1");
	ship_headers_add(&resp->headers, "x-amzn-RequestId", "many");
	ship_buf_adds(&resp->body, text);
	ship_free(text);
	return 0;
}

static int completed(void *ctx, const struct ship_service_view *v)
{
	(void)ctx;
	const struct ship_deployment_view *p = ship_service_primary(v);
	return p && !strcmp(p->rollout_state, "COMPLETED");
}

/* Waits for n services (sNN) of which the last `late` complete at late_at, the others at 1 s;
 * returns the wait's end on the fake clock. */
static double wait_for(struct many *m, size_t n, size_t late, double late_at)
{
	struct fclock fc = {{0}, 0, 0};
	struct ship_aws_options o;
	struct ship_err e = SHIP_ERR_INIT;
	struct ship_wait_item items[40];
	char names[40][8];
	memset(&o, 0, sizeof(o));
	memset(items, 0, sizeof(items));
	memset(m, 0, sizeof(*m));
	m->fc = &fc;
	fc.clock.now = fc_now;
	fc.clock.sleep = fc_sleep;
	fc.clock.random = fc_random;
	fc.clock.ctx = &fc;
	o.region = "us-east-1";
	o.clock = &fc.clock;
	o.transport = many_transport;
	o.transport_ctx = m;
	setenv("AWS_ACCESS_KEY_ID", "AKIAECSHIPTEST000000", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "not-a-secret", 1);
	struct ship_aws *aws = ship_aws_new(&o, &e);
	if (!aws)
		fail_msg("ship_aws_new: %s", e.message);
	for (size_t i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "s%02u", (unsigned)(i % 100));
		items[i].service = names[i];
		items[i].done = completed;
		m->done_at[i] = i >= n - late ? late_at : 1.0;
	}
	struct ship_wait_opts wo = {600, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL};
	if (ship_ecs_wait_many(aws, "c", items, n, &wo, NULL, &e))
		fail_msg("wait: %s", e.message);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(items[i].end, SHIP_WAIT_DONE);
	ship_aws_destroy(aws);
	return fc.now;
}

/* 30 services, three DescribeServices a poll; 25 complete at 1 s, the last 5 at 1.5 s. Polls at
 * 0 and 1 s (three calls each); then one call covers the five left: the pause is a third of the
 * interval (1/3 s, then 1.5/3 s), so the wait ends at 1.83 s, not at 2 s (the next whole poll),
 * and never asks more than three calls a second. */
static void test_wait_polls_the_tail_within_the_first_polls_calls(void **state)
{
	(void)state;
	struct many m;
	double end = wait_for(&m, 30, 5, 1.5);
	assert_int_equal(m.ncalls, 3 + 3 + 1 + 1);
	assert_true(m.at[6] > 1.33 && m.at[6] < 1.34);
	assert_int_equal(m.names[6], 5);
	assert_true(m.at[7] > 1.83 && m.at[7] < 1.84);
	assert_true(end > 1.83 && end < 1.84);
	assert_true(ship_poll_share(1.0, 1, 20, 0) == SHIP_POLL_TAIL_MIN); /* never below */
	assert_true(ship_poll_share(2.0, 1, 3, 1) == 2.0);		  /* not when throttled */
	assert_true(ship_poll_share(1.0, 3, 3, 0) == 1.0);
}

/* Ten services or fewer: one call a poll from the start, so the schedule is the single
 * service's (docs/waiting.md): polls at 0, 1 and 2 s. */
static void test_wait_of_ten_keeps_the_schedule(void **state)
{
	(void)state;
	struct many m;
	double end = wait_for(&m, 10, 5, 1.5);
	assert_int_equal(m.ncalls, 3);
	assert_true(end > 1.99 && end < 2.01);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(test_fork_shares_buckets),
	    TU_TEST(test_injected_transport_is_not_forked),
	    TU_TEST(test_pool_runs_each_once_after_its_leader),
	    TU_TEST(test_pool_stops_starting_after_a_stop),
	    TU_TEST(test_wait_polls_the_tail_within_the_first_polls_calls),
	    TU_TEST(test_wait_of_ten_keeps_the_schedule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
