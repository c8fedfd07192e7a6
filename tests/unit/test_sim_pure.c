/*
 * test_sim_pure.c: the simulator's pure logic (sim/pure.c): Django ALLOWED_HOSTS matching,
 * Fargate cpu/memory combinations, behaviour names, circuit-breaker and rollout arithmetic. The
 * documented rules run from tests/data/ecs-rules.tsv, the table test_ecs_rules.c runs on the
 * library. sim/ objects are not linked into unit tests, so the one pure file is compiled in here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim/pure.c"
#include "rules_table.h"
#include "testutil.h"

/* the shared table of documented cases (tests/data/ecs-rules.tsv), run on the sim's own rules */
static int django_row(void *ctx, const struct rules_row *r)
{
	(void)ctx;
	return sim_django_host_allowed(r->a, r->b, r->c[0] == '1') != r->want;
}

static void django_hosts(void **state)
{
	(void)state;
	rules_table_run("django", django_row, NULL);
}

static void django_message(void **state)
{
	(void)state;
	struct ship_buf b = SHIP_BUF_INIT(0);
	sim_django_reject_message("10.0.1.23:8000", &b);
	assert_string_equal(b.data,
			    "Invalid HTTP_HOST header: '10.0.1.23:8000'. You may need to add "
			    "'10.0.1.23' to ALLOWED_HOSTS.");
	ship_buf_reset(&b);
	sim_django_reject_message("bad_host", &b);
	assert_non_null(strstr(b.data, "not valid according to RFC 1034/1035"));
	ship_buf_release(&b);
}

static int fargate_row(void *ctx, const struct rules_row *r)
{
	(void)ctx;
	long c, m;
	int got = sim_parse_cpu(r->a, &c) == 0 && sim_parse_memory(r->b, &m) == 0 &&
		  sim_fargate_combo_ok(c, m);
	return got != r->want;
}

static void fargate_sizes(void **state)
{
	(void)state;
	rules_table_run("fargate", fargate_row, NULL);
	long v;
	assert_int_equal(sim_parse_cpu("abc", &v), -1);
	assert_int_equal(sim_parse_cpu("1.5", &v), -1);
	assert_int_equal(sim_parse_memory("-1", &v), -1);
	assert_int_equal(sim_parse_memory("512 MB", &v), -1);
}

static void behaviors(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int ok;
		enum sim_behavior_kind kind;
		int code;
		const char *canon;
	} cases[] = {
	    {"ok", 1, SIM_B_OK, 0, "ok"},
	    {"exit", 1, SIM_B_EXIT, 1, "exit:1"},
	    {"exit:3", 1, SIM_B_EXIT, 3, "exit:3"},
	    {"unhealthy", 1, SIM_B_UNHEALTHY, 503, "unhealthy:503"},
	    {"unhealthy:500", 1, SIM_B_UNHEALTHY, 500, "unhealthy:500"},
	    {"pull-error", 1, SIM_B_PULL_ERROR, 0, "pull-error"},
	    {"slow-start", 1, SIM_B_SLOW_START, 90, "slow-start:90"},
	    {"DJANGO", 1, SIM_B_DJANGO, 0, "django"},
	    {"pull-denied", 1, SIM_B_PULL_DENIED, 0, "pull-denied"},
	    {"secret-error", 1, SIM_B_SECRET_ERROR, 0, "secret-error"},
	    {"no-log-group", 1, SIM_B_NO_LOG_GROUP, 0, "no-log-group"},
	    {"fail-after", 1, SIM_B_FAIL_AFTER, 120, "fail-after:120"},
	    {"fail-after:30", 1, SIM_B_FAIL_AFTER, 30, "fail-after:30"},
	    {"exit:x", 0, SIM_B_OK, 0, NULL},
	    {"exit:256", 0, SIM_B_OK, 0, NULL},
	    {"unhealthy:99", 0, SIM_B_OK, 0, NULL},
	    {"ok:1", 0, SIM_B_OK, 0, NULL},
	    {"explode", 0, SIM_B_OK, 0, NULL},
	    {"", 0, SIM_B_OK, 0, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sim_behavior b;
		int rc = sim_behavior_parse(cases[i].in, &b);
		if ((rc == 0) != cases[i].ok)
			fail_msg("case %zu '%s': rc %d", i, cases[i].in, rc);
		if (rc == 0) {
			char buf[32];
			assert_int_equal(b.kind, cases[i].kind);
			assert_int_equal(b.code, cases[i].code);
			assert_string_equal(sim_behavior_format(&b, buf, sizeof(buf)),
					    cases[i].canon);
		}
	}
}

static int breaker_row(void *ctx, const struct rules_row *r)
{
	(void)ctx;
	return sim_breaker_threshold((int)strtol(r->a, NULL, 10), 3) != r->want;
}

static void breaker_threshold(void **state)
{
	(void)state;
	rules_table_run("breaker", breaker_row, NULL);
	/* the sim's --breaker-min moves the lower bound (a test knob, not ECS's rule) */
	static const int cases[][3] = {{10, 1, 5}, {1, 1, 1}, {4, 10, 10}, {1000, 1, 200}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(sim_breaker_threshold(cases[i][0], cases[i][1]), cases[i][2]);
}

static int deploylimit_row(void *ctx, const struct rules_row *r)
{
	(void)ctx;
	return sim_deploy_limit_ok(r->a, strtod(r->b, NULL)) != r->want;
}

/* bake times, linear and canary steps, hook timeouts: the documented limits */
static void deploy_limits(void **state)
{
	(void)state;
	rules_table_run("deploylimit", deploylimit_row, NULL);
	assert_int_equal(sim_deploy_limit_ok("maximumPercent", 200), -1);
}

static void rollout_plan(void **state)
{
	(void)state;
	static const struct {
		int desired, min, max, old_h, old_u, new_a, new_h, launch;
		int stop_u, stop_h, start;
	} cases[] = {
	    /* 100/200, 2 tasks: start 2 new first, stop nothing */
	    {2, 100, 200, 2, 0, 0, 0, 1, 0, 0, 2},
	    /* one new healthy: one old may go */
	    {2, 100, 200, 2, 0, 2, 1, 1, 0, 1, 0},
	    {2, 100, 200, 1, 0, 2, 2, 1, 0, 1, 0},
	    /* 50/100, 2 tasks: stop one old, start one new */
	    {2, 50, 100, 2, 0, 0, 0, 1, 0, 1, 1},
	    {2, 50, 100, 1, 0, 1, 0, 1, 0, 0, 0},
	    {2, 50, 100, 1, 0, 1, 1, 1, 0, 1, 1},
	    /* 100/200, 1 task */
	    {1, 100, 200, 1, 0, 0, 0, 1, 0, 0, 1},
	    {1, 100, 200, 1, 0, 1, 1, 1, 0, 1, 0},
	    /* 10 tasks at 100/150: five at a time */
	    {10, 100, 150, 10, 0, 0, 0, 1, 0, 0, 5},
	    /* unhealthy old tasks always go; launching suppressed by the breaker */
	    {2, 100, 200, 0, 2, 0, 0, 0, 2, 0, 0},
	    /* fresh service: nothing old */
	    {3, 100, 200, 0, 0, 0, 0, 1, 0, 0, 3},
	    /* scale to zero */
	    {0, 100, 200, 0, 0, 0, 0, 1, 0, 0, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sim_rollout_step s;
		sim_rollout_plan(cases[i].desired, cases[i].min, cases[i].max, cases[i].old_h,
				 cases[i].old_u, cases[i].new_a, cases[i].new_h, cases[i].launch,
				 &s);
		if (s.stop_unhealthy_old != cases[i].stop_u ||
		    s.stop_healthy_old != cases[i].stop_h || s.start_new != cases[i].start)
			fail_msg("case %zu: got stop_u %d stop_h %d start %d", i,
				 s.stop_unhealthy_old, s.stop_healthy_old, s.start_new);
	}
	assert_int_equal(sim_rollout_max_tasks(3, 150), 4);
	assert_int_equal(sim_rollout_min_healthy(3, 50), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(django_hosts), TU_TEST(django_message),    TU_TEST(fargate_sizes),
	    TU_TEST(behaviors),	   TU_TEST(breaker_threshold), TU_TEST(rollout_plan),
	    TU_TEST(deploy_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
