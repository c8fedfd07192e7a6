/*
 * test_rollout.c: how a deployment ends, decided from DescribeServices snapshots (lib/ecs/rollout.c):
 * success only when *our* deployment completes, the breaker's threshold, replacement by another
 * deploy, settling back on a revision, the poll interval and the event cursor.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/rollout.h"
#include "ecs_fixtures.h"
#include "testutil.h"

#define OURS FX_OURS
#define OLD FX_OLD
#define OTHER FX_OTHER
#define TD_NEW FX_TD_NEW
#define TD_OLD FX_TD_OLD
#define TD_OTHER "arn:aws:ecs:ap-northeast-1:123456789012:task-definition/app:9"
#define service fx_service

static void thresholds_follow_ecs(void **state)
{
	(void)state;
	static const long cases[][3] = {
	    /* desired, min, threshold */
	    {1, 3, 3}, {2, 3, 3}, {6, 3, 3}, {7, 3, 4}, {10, 3, 5}, {399, 3, 200}, {1000, 3, 200},
	    {10, 10, 10}, {4, 1, 2}, {0, 0, 3},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(ship_breaker_threshold(cases[i][0], cases[i][1]), cases[i][2]);
}

static void decisions_from_snapshots(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int breaker;
		const char *d1, *d2;
		enum ship_rollout_phase want;
		int by_breaker;
	} cases[] = {
	    {"in progress", 1, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 1 1 0",
	     OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0", SHIP_ROLLOUT_WAITING, 0},
	    {"ours completed", 1, OURS " PRIMARY COMPLETED " TD_NEW " 2 0 2 0", NULL,
	     SHIP_ROLLOUT_COMPLETED, 0},
	    /* the false success of other tools: the service is steady, but on the OLD revision */
	    {"breaker rolled back: service stable but ours FAILED", 1,
	     OLD " PRIMARY COMPLETED " TD_OLD " 2 0 2 0", OURS " ACTIVE FAILED " TD_NEW " 0 0 0 3",
	     SHIP_ROLLOUT_FAILED, 1},
	    {"breaker rollback under way", 1, OTHER " PRIMARY IN_PROGRESS " TD_OLD " 2 1 1 0",
	     OURS " ACTIVE FAILED " TD_NEW " 0 0 0 3", SHIP_ROLLOUT_FAILED, 1},
	    {"breaker off, failures under threshold", 0, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 2 0 2",
	     OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0", SHIP_ROLLOUT_WAITING, 0},
	    {"breaker off, failures reach threshold", 0, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 2 0 3",
	     OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0", SHIP_ROLLOUT_FAILED, 0},
	    {"breaker on, failures counted by ECS not by us", 1,
	     OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 2 0 5", OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0",
	     SHIP_ROLLOUT_WAITING, 0},
	    {"ours gone, ECS rolling back to the previous revision", 1,
	     OTHER " PRIMARY IN_PROGRESS " TD_OLD " 2 2 0 0", OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0",
	     SHIP_ROLLOUT_FAILED, 1},
	    {"replaced by a concurrent deploy of another revision", 1,
	     OTHER " PRIMARY IN_PROGRESS " TD_OTHER " 2 2 0 0",
	     OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0", SHIP_ROLLOUT_REPLACED, 0},
	    /* issue 12 item 3: a forced redeploy of our revision is followed, not "replaced" */
	    {"superseded by the same revision: followed, in progress", 1,
	     OTHER " PRIMARY IN_PROGRESS " TD_NEW " 2 2 0 0",
	     OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0", SHIP_ROLLOUT_WAITING, 0},
	    {"superseded by the same revision: followed to completion", 1,
	     OTHER " PRIMARY COMPLETED " TD_NEW " 2 0 2 0", NULL, SHIP_ROLLOUT_COMPLETED, 0},
	    {"superseded by the same revision, which failed", 1,
	     OTHER " PRIMARY FAILED " TD_NEW " 2 0 0 3", NULL, SHIP_ROLLOUT_FAILED, 1},
	    {"no rollout state (moto): steady primary", 1, OURS " PRIMARY - " TD_NEW " 2 0 2 0", NULL,
	     SHIP_ROLLOUT_COMPLETED, 0},
	    {"no rollout state: still two deployments", 1, OURS " PRIMARY - " TD_NEW " 2 0 2 0",
	     OLD " ACTIVE - " TD_OLD " 2 0 2 0", SHIP_ROLLOUT_WAITING, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ship_service_view v;
		struct ship_err err = SHIP_ERR_INIT;
		struct ship_rollout r;
		json_t *s = service(cases[i].breaker, cases[i].d1, cases[i].d2);
		assert_int_equal(ship_service_view_parse(s, &v, &err), 0);
		ship_rollout_init(&r, OURS, TD_NEW);
		snprintf(r.previous_taskdef, sizeof(r.previous_taskdef), "%s", TD_OLD);
		enum ship_rollout_phase got = ship_rollout_evaluate(&r, &v);
		if (got != cases[i].want || r.by_breaker != cases[i].by_breaker)
			fail_msg("%s: phase %d (want %d), by_breaker %d", cases[i].name, got,
				 cases[i].want, r.by_breaker);
		if (got != SHIP_ROLLOUT_WAITING && !r.reason[0])
			fail_msg("%s: no reason given", cases[i].name);
		json_decref(s);
	}
}

static void phase_is_sticky(void **state)
{
	(void)state;
	struct ship_service_view v;
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_rollout r;
	ship_rollout_init(&r, OURS, TD_NEW);
	json_t *s = service(1, OURS " PRIMARY FAILED " TD_NEW " 2 0 0 3", NULL);
	ship_service_view_parse(s, &v, &err);
	assert_int_equal(ship_rollout_evaluate(&r, &v), SHIP_ROLLOUT_FAILED);
	json_decref(s);
	s = service(1, OURS " PRIMARY COMPLETED " TD_NEW " 2 0 2 0", NULL);
	ship_service_view_parse(s, &v, &err);
	assert_int_equal(ship_rollout_evaluate(&r, &v), SHIP_ROLLOUT_FAILED);
	json_decref(s);
}

static void settling_back_on_the_old_revision(void **state)
{
	(void)state;
	struct ship_service_view v;
	struct ship_err err = SHIP_ERR_INIT;
	json_t *s = service(1, OTHER " PRIMARY IN_PROGRESS " TD_OLD " 2 1 1 0",
			    OURS " ACTIVE FAILED " TD_NEW " 0 0 0 3");
	ship_service_view_parse(s, &v, &err);
	assert_false(ship_rollout_settled_on(&v, TD_OLD));
	assert_true(ship_service_busy(&v));
	json_decref(s);
	s = service(1, OTHER " PRIMARY COMPLETED " TD_OLD " 2 0 2 0", NULL);
	ship_service_view_parse(s, &v, &err);
	assert_true(ship_rollout_settled_on(&v, TD_OLD));
	assert_false(ship_rollout_settled_on(&v, TD_NEW));
	assert_false(ship_service_busy(&v));
	json_decref(s);
}

static void view_rejects_non_objects(void **state)
{
	(void)state;
	struct ship_service_view v;
	struct ship_err err = SHIP_ERR_INIT;
	json_t *s = json_string("nope");
	assert_int_equal(ship_service_view_parse(s, &v, &err), -1);
	assert_int_equal(err.code, SHIP_ERR_PROTOCOL);
	json_decref(s);
}

static void poll_interval_adapts(void **state)
{
	(void)state;
	struct ship_poll p;
	ship_poll_init(&p);
	assert_true(p.interval == 1.0);
	assert_true(ship_poll_next(&p, 0, 0) == 1.5);
	assert_true(ship_poll_next(&p, 0, 0) == 2.25);
	for (int i = 0; i < 10; i++)
		ship_poll_next(&p, 0, 0);
	assert_true(p.interval == SHIP_POLL_MAX); /* never slower than every 5 s */
	assert_true(ship_poll_next(&p, 1, 0) == 1.0); /* any change: fast again */
	assert_true(ship_poll_next(&p, 1, 1) == 2.0); /* throttled: back off */
	assert_true(ship_poll_next(&p, 1, 1) == 4.0);
	assert_true(ship_poll_next(&p, 1, 1) == 5.0);
}

struct seen {
	char msgs[8][64];
	int n;
};

static void record(void *ctx, double created, const char *message)
{
	struct seen *s = ctx;
	(void)created;
	if (s->n < 8)
		snprintf(s->msgs[s->n++], sizeof(s->msgs[0]), "%s", message);
}

static json_t *events(const char *const *ids, int n)
{
	json_t *a = json_array(); /* newest first */
	for (int i = n - 1; i >= 0; i--)
		json_array_append_new(a, json_pack("{s:s, s:f, s:s}", "id", ids[i], "createdAt",
						   1700000000.0 + i, "message", ids[i]));
	return a;
}

static void event_cursor_shows_only_new_events_oldest_first(void **state)
{
	(void)state;
	static const char *const ids[] = {"e1", "e2", "e3", "e4", "e5"};
	struct ship_event_cursor c;
	struct seen s = {0};
	memset(&c, 0, sizeof(c));
	json_t *a = events(ids, 2);
	assert_int_equal(ship_event_cursor_feed(&c, a, 1, record, &s), 0); /* before the deploy */
	assert_int_equal(s.n, 0);
	json_decref(a);
	a = events(ids, 5);
	assert_int_equal(ship_event_cursor_feed(&c, a, 0, record, &s), 3);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.msgs[0], "e3");
	assert_string_equal(s.msgs[2], "e5");
	assert_int_equal(ship_event_cursor_feed(&c, a, 0, record, &s), 0); /* nothing new */
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(thresholds_follow_ecs),
	    TU_TEST(decisions_from_snapshots),
	    TU_TEST(phase_is_sticky),
	    TU_TEST(settling_back_on_the_old_revision),
	    TU_TEST(view_rejects_non_objects),
	    TU_TEST(poll_interval_adapts),
	    TU_TEST(event_cursor_shows_only_new_events_oldest_first),
	};
	return cmocka_run_group_tests_name("rollout", tests, NULL, NULL);
}
