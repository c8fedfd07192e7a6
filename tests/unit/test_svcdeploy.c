/*
 * test_svcdeploy.c: ECS's service deployment record (lib/ecs/svcdeploy.c): each recorded
 * DescribeServiceDeployments answer in tests/data/service-deployments/ (one scenario a file, its
 * "expect" the outcome) is parsed and mapped through the status table; every status of botocore's
 * ServiceDeploymentStatus has a row, and a rolled-back deployment is never success. Statuses and
 * their meaning: ECS API Reference, API_ServiceDeployment.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/svcdeploy.h"
#include "testutil.h"

#define DIR_ "tests/data/service-deployments"

static const char *outcome_name(enum ship_sdep_outcome o)
{
	switch (o) {
	case SHIP_SDEP_WAITING:
		return "waiting";
	case SHIP_SDEP_COMPLETED:
		return "completed";
	case SHIP_SDEP_ROLLED_BACK:
		return "rolled_back";
	case SHIP_SDEP_STOPPED:
		return "stopped";
	}
	return "?";
}

static void maps_to_its_outcome(const char *name, json_t *doc, void *ctx)
{
	(void)ctx;
	const char *expect = json_string_value(json_object_get(doc, "expect"));
	json_t *sd = json_array_get(
	    json_object_get(json_object_get(doc, "answer"), "serviceDeployments"), 0);
	struct ship_sdep_view v;
	struct ship_err err = SHIP_ERR_INIT;
	assert_int_equal(ship_sdep_parse(sd, &v, &err), 0);
	assert_string_equal(v.arn, json_string_value(json_object_get(sd, "serviceDeploymentArn")));
	assert_string_equal(v.target_revision,
			    json_string_value(json_object_get(
				json_object_get(sd, "targetServiceRevision"), "arn")));
	const char *got = outcome_name(ship_sdep_rule_of(v.status)->outcome);
	if (!expect || strcmp(got, expect))
		fail_msg("%s: status %s gives %s, expected %s", name, v.status, got,
			 expect ? expect : "(none)");
	if (json_object_get(sd, "rollback"))
		assert_true(v.rollback_revision[0] != '\0');
}

static void recorded_answers_map_to_their_outcome(void **state)
{
	(void)state;
	assert_true(tu_json_each(DIR_, maps_to_its_outcome, NULL) >= 10);
}

static void every_status_of_the_model_has_its_row(void **state)
{
	(void)state;
	/* botocore ecs/2014-11-13 service-2.json, ServiceDeploymentStatus */
	static const char *const all[] = {"PENDING",
					  "SUCCESSFUL",
					  "STOPPED",
					  "STOP_REQUESTED",
					  "IN_PROGRESS",
					  "ROLLBACK_REQUESTED",
					  "ROLLBACK_IN_PROGRESS",
					  "ROLLBACK_SUCCESSFUL",
					  "ROLLBACK_FAILED"};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const struct ship_sdep_rule *r = ship_sdep_rule_of(all[i]);
		assert_string_equal(r->status, all[i]);
		if (!strncmp(all[i], "ROLLBACK_", 9))
			assert_int_equal(r->outcome, SHIP_SDEP_ROLLED_BACK);
	}
	assert_int_equal(ship_sdep_rule_of("SUCCESSFUL")->outcome, SHIP_SDEP_COMPLETED);
	/* only SUCCESSFUL is success */
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(all[i], "SUCCESSFUL"))
			assert_int_not_equal(ship_sdep_rule_of(all[i])->outcome,
					     SHIP_SDEP_COMPLETED);
	assert_int_equal(ship_sdep_rule_of(NULL)->outcome, SHIP_SDEP_WAITING);
}

static void an_answer_without_status_is_refused(void **state)
{
	(void)state;
	struct ship_sdep_view v;
	struct ship_err err = SHIP_ERR_INIT;
	json_t *sd = json_pack("{s:s}", "serviceDeploymentArn", "arn:x");
	assert_int_equal(ship_sdep_parse(sd, &v, &err), -1);
	assert_int_equal(err.code, SHIP_ERR_PROTOCOL);
	json_decref(sd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(recorded_answers_map_to_their_outcome),
	    cmocka_unit_test(every_status_of_the_model_has_its_row),
	    cmocka_unit_test(an_answer_without_status_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
