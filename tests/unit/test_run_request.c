/*
 * test_run_request.c: RunTask's input for `ecship run` and `deploy --pre-run` (issue 11, item 6):
 * with neither a launch type nor a capacity provider strategy on the service, neither is sent,
 * so the cluster's default capacity provider strategy applies (API_RunTask,
 * "capacityProviderStrategy": "If neither is specified, the defaultCapacityProviderStrategy for
 * the cluster is used"); a strategy is passed through unchanged; a launch type is kept.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/run.h"
#include "testutil.h"

static json_t *request_for(const char *service)
{
	json_t *svc = json_loads(service, 0, NULL);
	assert_non_null(svc);
	struct ship_run_opts o = {0};
	o.cluster = "c";
	o.taskdef = "app:3";
	ship_run_use_service(&o, svc);
	json_t *req = ship_run_request(&o);
	assert_non_null(req);
	json_decref(svc);
	return req;
}

static void neither_named_sends_neither(void **state)
{
	(void)state;
	json_t *req = request_for("{\"serviceName\": \"web\", \"networkConfiguration\": "
				  "{\"awsvpcConfiguration\": {\"subnets\": [\"subnet-0a1b2c3d\"]}}}");
	assert_null(json_object_get(req, "launchType"));
	assert_null(json_object_get(req, "capacityProviderStrategy"));
	assert_non_null(json_object_get(req, "networkConfiguration"));
	json_decref(req);
}

static void a_strategy_passes_through_unchanged(void **state)
{
	(void)state;
	static const char strat[] = "[{\"capacityProvider\": \"FARGATE_SPOT\", \"weight\": 3, "
				    "\"base\": 1}, {\"capacityProvider\": \"FARGATE\", \"weight\": 1}]";
	char svc[512];
	snprintf(svc, sizeof(svc), "{\"capacityProviderStrategy\": %s}", strat);
	json_t *req = request_for(svc), *want = json_loads(strat, 0, NULL);
	assert_true(json_equal(json_object_get(req, "capacityProviderStrategy"), want));
	assert_null(json_object_get(req, "launchType"));
	json_decref(want);
	json_decref(req);
}

static void a_launch_type_is_kept(void **state)
{
	(void)state;
	json_t *req = request_for("{\"launchType\": \"EC2\"}");
	assert_string_equal(json_string_value(json_object_get(req, "launchType")), "EC2");
	json_decref(req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(neither_named_sends_neither),
	    TU_TEST(a_strategy_passes_through_unchanged),
	    TU_TEST(a_launch_type_is_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
