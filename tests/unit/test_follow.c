/*
 * test_follow.c: the one decision of deploy, rollback and wait (lib/ecs/svcdeploy.c,
 * ship_follow_evaluate): ECS's own record of our service deployment decides where the service
 * deployments API answers, deployments[] of DescribeServices where it is missing. Each file of
 * tests/data/follow/ is one scenario: successive (DescribeServices service,
 * DescribeServiceDeployments record) pairs as ECS answered them, and the expected end. Statuses:
 * ECS API Reference, API_ServiceDeployment; the breaker: DG deployment-circuit-breaker.html.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/svcdeploy.h"
#include "testutil.h"

#define DIR_ "tests/data/follow"

static const char *phase_name(enum ship_rollout_phase p)
{
	switch (p) {
	case SHIP_ROLLOUT_WAITING:
		return "waiting";
	case SHIP_ROLLOUT_COMPLETED:
		return "completed";
	case SHIP_ROLLOUT_FAILED:
		return "failed";
	case SHIP_ROLLOUT_REPLACED:
		return "replaced";
	}
	return "?";
}

static void expect_flag(const char *file, json_t *expect, const char *key, int got)
{
	json_t *v = json_object_get(expect, key);
	if (v && json_is_true(v) != !!got)
		fail_msg("%s: %s is %d, expected %d", file, key, got, json_is_true(v));
}

static void expect_str(const char *file, json_t *expect, const char *key, const char *got)
{
	const char *want = json_string_value(json_object_get(expect, key));
	if (want && strcmp(want, got))
		fail_msg("%s: %s is '%s', expected '%s'", file, key, got, want);
}

/* Runs one scenario file: it has steps, and ends as it expects. */
static void run_scenario(const char *name, json_t *doc, void *ctx)
{
	json_t *step;
	(void)ctx;
	struct ship_follow f;
	struct ship_service_view *v = ship_calloc(1, sizeof(*v));
	struct ship_err err = SHIP_ERR_INIT;
	enum ship_rollout_phase ph = SHIP_ROLLOUT_WAITING;
	size_t i;
	assert_non_null(v);
	ship_follow_init(&f, json_string_value(json_object_get(doc, "deployment_id")),
			 json_string_value(json_object_get(doc, "taskdef")),
			 json_string_value(json_object_get(doc, "sdep_arn")));
	snprintf(f.ro.previous_taskdef, sizeof(f.ro.previous_taskdef), "%s",
		 json_string_value(json_object_get(doc, "previous_taskdef")));
	f.sd.missing = json_is_true(json_object_get(doc, "missing"));
	json_array_foreach(json_object_get(doc, "steps"), i, step)
	{
		if (ship_service_view_parse(json_object_get(step, "service"), v, &err))
			fail_msg("%s: step %zu: %s", name, i, err.message);
		json_t *rec = json_object_get(step, "record");
		if (json_is_object(rec)) {
			/* what the wait loop's look (ship_sdep_look_many) leaves behind */
			if (ship_sdep_parse(rec, &f.sd.last, &err))
				fail_msg("%s: step %zu: %s", name, i, err.message);
			if (!strcmp(f.sd.last.arn, f.sd.arn)) {
				f.sd.looked = 1;
				f.sd.outcome = ship_sdep_rule_of(f.sd.last.status)->outcome;
			}
		}
		ph = ship_follow_evaluate(&f, v);
	}
	json_t *expect = json_object_get(doc, "expect");
	const char *want = json_string_value(json_object_get(expect, "phase"));
	if (!want || strcmp(want, phase_name(ph)))
		fail_msg("%s: ends %s, expected %s (%s)", name, phase_name(ph), want ? want : "?",
			 f.ro.reason);
	expect_flag(name, expect, "ecs_rolls_back", f.ro.ecs_rolls_back);
	expect_flag(name, expect, "by_breaker", f.ro.by_breaker);
	expect_str(name, expect, "sdep_status", f.ro.sdep_status);
	expect_str(name, expect, "followed_from", f.ro.followed_from);
	expect_str(name, expect, "deployment_id", f.ro.deployment_id);
	expect_str(name, expect, "sdep_arn", f.sd.arn);
	/* only SUCCESSFUL (or, without the record, COMPLETED) is success */
	if (ph == SHIP_ROLLOUT_COMPLETED && f.ro.sdep_status[0])
		assert_string_equal(f.ro.sdep_status, "SUCCESSFUL");
	assert_true(json_array_size(json_object_get(doc, "steps")) > 0);
	ship_free(v);
}

static void recorded_sequences_end_as_expected(void **state)
{
	(void)state;
	assert_true(tu_json_each(DIR_, run_scenario, NULL) >= 12);
}

/* The loop reads the record only when something may have changed (docs/waiting.md). */
static void the_record_is_read_only_when_it_may_have_changed(void **state)
{
	(void)state;
	struct ship_sdep_follow f;
	struct ship_service_view *v = ship_calloc(1, sizeof(*v));
	assert_non_null(v);
	ship_sdep_follow_init(&f, "arn:aws:ecs:r:1:service-deployment/c/s/x");
	v->ndep = 2;
	snprintf(v->dep[0].id, sizeof(v->dep[0].id), "ecs-svc/2");
	snprintf(v->dep[0].status, sizeof(v->dep[0].status), "PRIMARY");
	snprintf(v->dep[0].rollout_state, sizeof(v->dep[0].rollout_state), "IN_PROGRESS");
	snprintf(v->dep[1].id, sizeof(v->dep[1].id), "ecs-svc/1");
	snprintf(v->dep[1].status, sizeof(v->dep[1].status), "ACTIVE");
	snprintf(v->dep[1].rollout_state, sizeof(v->dep[1].rollout_state), "COMPLETED");
	assert_true(ship_sdep_wants_look(&f, v, 100)); /* never read */
	f.looked = 1;
	f.looked_at = 100;
	snprintf(f.last.status, sizeof(f.last.status), "IN_PROGRESS");
	assert_int_equal(ship_wait_sdep_done(&f, v), 0); /* the loop read it: notes the view */
	assert_false(ship_sdep_wants_look(&f, v, 101));	 /* nothing changed */
	v->dep[0].running = 1;				 /* counts are not a change of state */
	assert_false(ship_sdep_wants_look(&f, v, 102));
	assert_true(ship_sdep_wants_look(&f, v, 100 + SHIP_SDEP_RECHECK)); /* the safety net */
	v->ndep = 1; /* the old deployment is gone */
	assert_true(ship_sdep_wants_look(&f, v, 103));
	assert_int_equal(ship_wait_sdep_done(&f, v), 0);
	snprintf(v->dep[0].rollout_state, sizeof(v->dep[0].rollout_state), "COMPLETED");
	assert_true(ship_sdep_wants_look(&f, v, 104));
	assert_int_equal(ship_wait_sdep_done(&f, v), 0);
	/* still IN_PROGRESS in the record while deployments[] show an end: read at each poll */
	assert_true(ship_sdep_wants_look(&f, v, 105));
	snprintf(f.last.status, sizeof(f.last.status), "SUCCESSFUL");
	f.outcome = SHIP_SDEP_COMPLETED;
	assert_false(ship_sdep_wants_look(&f, v, 106)); /* final */
	f.last.status[0] = '\0';
	f.missing = 1;
	assert_false(ship_sdep_wants_look(&f, v, 107)); /* the API is missing */
	ship_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(recorded_sequences_end_as_expected),
	    cmocka_unit_test(the_record_is_read_only_when_it_may_have_changed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
