/*
 * test_strategy.c: blue/green, linear and canary deployments (strategy.h): the service
 * definition's strategy checked before any change (limits: botocore's ECS model and the API
 * reference pages API_DeploymentConfiguration, API_LinearConfiguration, API_CanaryConfiguration,
 * API_DeploymentLifecycleHook, API_AdvancedConfiguration; resources: developer guide
 * deployment-type-blue-green.html), what recorded DescribeServiceDeployments answers
 * (tests/data/strategy-deployments/, each with its "expect") say about stage, traffic split,
 * a PAUSE hook (API_DeploymentLifecycleHookDetail: AWAITING_ACTION, hookId for
 * ContinueServiceDeployment) and triggered alarms, and the ContinueServiceDeployment request.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ecship/strategy.h"
#include "testutil.h"

#define DIR_ "tests/data/strategy-deployments"

#define TG                                                                                         \
	"arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/web-blue/"           \
	"0123456789abcdef"
#define TG2                                                                                        \
	"arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/web-green/"          \
	"fedcba9876543210"
#define RULE                                                                                       \
	"arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:listener-rule/app/alb/"          \
	"50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"
#define ROLE "arn:aws:iam::123456789012:role/ecsInfrastructureRole"
#define ADV                                                                                        \
	"\"advancedConfiguration\": {\"alternateTargetGroupArn\": \"" TG2                          \
	"\", \"productionListenerRule\": \"" RULE "\", \"roleArn\": \"" ROLE "\"}"
#define LB(adv)                                                                                    \
	"\"loadBalancers\": [{\"targetGroupArn\": \"" TG                                           \
	"\", \"containerName\": \"web\", \"containerPort\": 8000" adv "}]"

static json_t *parse(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);
	if (!j)
		fail_msg("bad test JSON: %s: %s", e.text, s);
	return j;
}

static void validation_table(void **state)
{
	(void)state;
	static const struct {
		const char *svc;
		size_t errors;
		const char *want; /* in some message */
	} cases[] = {
	    /* rolling, nothing special: nothing to say */
	    {"{\"deploymentConfiguration\": {\"maximumPercent\": 200}}", 0, NULL},
	    /* a complete blue/green service */
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", "
			      "\"bakeTimeInMinutes\": 15}}",
	     0, NULL},
	    {"{" LB("") ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\"}}", 1,
	     "has no advancedConfiguration"},
	    {"{" LB(", \"advancedConfiguration\": {\"alternateTargetGroupArn\": \"" TG
		    "\"}") ", "
			   "\"deploymentConfiguration\": {\"strategy\": \"CANARY\"}}",
	     3, "alternateTargetGroupArn is the production target group"},
	    {"{" LB(", \"advancedConfiguration\": {\"alternateTargetGroupArn\": \"" TG2
		    "\"}") ", "
			   "\"deploymentConfiguration\": {\"strategy\": \"LINEAR\"}}",
	     2, "has no roleArn"},
	    {"{" LB(", \"advancedConfiguration\": {\"alternateTargetGroupArn\": \"" TG2
		    "\", \"productionListenerRule\": \"" RULE "\", \"testListenerRule\": \"" RULE
		    "\", \"roleArn\": \"" ROLE
		    "\"}") ", "
			   "\"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\"}}",
	     1, "testListenerRule is the production listener rule"},
	    {"{" LB(", " ADV) ", \"deploymentController\": {\"type\": \"CODE_DEPLOY\"}, "
			      "\"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\"}}",
	     1, "needs the ECS deployment controller, not CODE_DEPLOY"},
	    {"{\"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\"}}", 1,
	     "needs a load balancer or Service Connect"},
	    {"{\"serviceConnectConfiguration\": {\"enabled\": true}, \"deploymentConfiguration\": "
	     "{\"strategy\": \"BLUE_GREEN\"}}",
	     0, NULL},
	    /* bake times: 0 to 1440 minutes */
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", "
			      "\"bakeTimeInMinutes\": 1441}}",
	     1, "bakeTimeInMinutes must be 0 to 1440"},
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", "
			      "\"bakeTimeInMinutes\": 1440}}",
	     0, NULL},
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", "
			      "\"bakeTimeInMinutes\": -1}}",
	     1, "bakeTimeInMinutes must be 0 to 1440"},
	    /* linear: steps 3.0..100.0 in tenths */
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"LINEAR\", "
			      "\"linearConfiguration\": {\"stepPercent\": 3.0, "
			      "\"stepBakeTimeInMinutes\": 0}}}",
	     0, NULL},
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"LINEAR\", "
			      "\"linearConfiguration\": {\"stepPercent\": 2.9}}}",
	     1, "stepPercent must be a multiple of 0.1 from 3.0 to 100.0"},
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"LINEAR\", "
			      "\"linearConfiguration\": {\"stepPercent\": 12.25}}}",
	     1, "stepPercent must be a multiple of 0.1"},
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"LINEAR\", "
			      "\"linearConfiguration\": {\"stepPercent\": 10.0, "
			      "\"stepBakeTimeInMinutes\": 2000}}}",
	     1, "stepBakeTimeInMinutes must be 0 to 1440"},
	    /* canary: 0.1..100.0 in tenths */
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"CANARY\", "
			      "\"canaryConfiguration\": {\"canaryPercent\": 0.1, "
			      "\"canaryBakeTimeInMinutes\": 10}}}",
	     0, NULL},
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"CANARY\", "
			      "\"canaryConfiguration\": {\"canaryPercent\": 100.1}}}",
	     1, "canaryPercent must be a multiple of 0.1 from 0.1 to 100.0"},
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", "
			      "\"canaryConfiguration\": {\"canaryPercent\": 5.0}}}",
	     1, "canaryConfiguration is only for strategy CANARY, not BLUE_GREEN"},
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"CANARY\", "
			      "\"linearConfiguration\": {\"stepPercent\": 5.0}}}",
	     1, "linearConfiguration is only for strategy LINEAR, not CANARY"},
	    /* lifecycle hooks */
	    {"{" LB(
		 ", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", "
			   "\"lifecycleHooks\": [{\"targetType\": \"PAUSE\", \"lifecycleStages\": "
			   "[\"POST_TEST_TRAFFIC_SHIFT\"], \"timeoutConfiguration\": "
			   "{\"timeoutInMinutes\": "
			   "20160, \"action\": \"ROLLBACK\"}}]}}",
	     0, NULL},
	    {"{" LB(
		 ", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", "
			   "\"lifecycleHooks\": [{\"targetType\": \"PAUSE\", \"lifecycleStages\": "
			   "[\"POST_TEST_TRAFFIC_SHIFT\"], \"timeoutConfiguration\": "
			   "{\"timeoutInMinutes\": 0}}]}}",
	     1, "timeoutInMinutes must be 1 to 20160"},
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", "
			      "\"lifecycleHooks\": [{\"lifecycleStages\": [\"PRE_SCALE_UP\"]}]}}",
	     2, "Lambda hook without hookTargetArn"},
	    {"{" LB(", " ADV) ", \"deploymentConfiguration\": {\"strategy\": \"BLUE_GREEN\", "
			      "\"lifecycleHooks\": [{\"targetType\": \"PAUSE\"}]}}",
	     1, "names no lifecycleStages"},
	    {"{\"deploymentConfiguration\": {\"lifecycleHooks\": [{\"targetType\": \"PAUSE\", "
	     "\"lifecycleStages\": [\"PRE_SCALE_UP\"]}]}}",
	     1, "lifecycleHooks run only in blue/green, linear and canary deployments"},
	    /* alarms */
	    {"{\"deploymentConfiguration\": {\"alarms\": {\"enable\": true, \"rollback\": true, "
	     "\"alarmNames\": []}}}",
	     1, "alarms is enabled but names no alarm"},
	    {"{\"deploymentConfiguration\": {\"alarms\": {\"enable\": true, \"rollback\": true, "
	     "\"alarmNames\": [\"web-5xx\"]}}}",
	     0, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *svc = parse(cases[i].svc);
		struct ship_diags d = SHIP_DIAGS_INIT;
		size_t n = ship_strategy_validate(svc, "svc.json", &d);
		int found = cases[i].want == NULL;
		for (size_t k = 0; k < d.n; k++)
			if (cases[i].want && strstr(d.v[k].message, cases[i].want))
				found = 1;
		if (n != cases[i].errors || !found) {
			for (size_t k = 0; k < d.n; k++)
				print_message("  %s\n", d.v[k].message);
			fail_msg("case %zu: %zu errors (want %zu), '%s' %s", i, n, cases[i].errors,
				 cases[i].want ? cases[i].want : "", found ? "found" : "missing");
		}
		for (size_t k = 0; k < d.n; k++)
			assert_non_null(d.v[k].hint); /* every problem says what to do */
		ship_diags_release(&d);
		json_decref(svc);
	}
}

static void strategy_names(void **state)
{
	(void)state;
	json_t *a = parse("{}"),
	       *b = parse("{\"deploymentConfiguration\": {\"strategy\": \"LINEAR\"}}");
	assert_string_equal(ship_strategy_of(a), "ROLLING");
	assert_string_equal(ship_strategy_of(b), "LINEAR");
	assert_false(ship_strategy_shifts_traffic("ROLLING"));
	assert_true(ship_strategy_shifts_traffic("BLUE_GREEN"));
	assert_true(ship_strategy_shifts_traffic("CANARY"));
	json_decref(a);
	json_decref(b);
}

/* every ServiceDeploymentLifecycleStage of botocore's ECS model has words */
static void every_stage_has_words(void **state)
{
	(void)state;
	static const char *const stages[] = {"RECONCILE_SERVICE",
					     "PRE_SCALE_UP",
					     "SCALE_UP",
					     "POST_SCALE_UP",
					     "TEST_TRAFFIC_SHIFT",
					     "POST_TEST_TRAFFIC_SHIFT",
					     "PRODUCTION_TRAFFIC_SHIFT",
					     "POST_PRODUCTION_TRAFFIC_SHIFT",
					     "BAKE_TIME",
					     "CLEAN_UP"};
	for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]); i++)
		assert_non_null(ship_sdep_stage_words(stages[i]));
	assert_null(ship_sdep_stage_words("SOME_FUTURE_STAGE"));
	assert_null(ship_sdep_stage_words(NULL));
}

static void recorded_answers(void **state)
{
	(void)state;
	DIR *d = opendir(DIR_);
	assert_non_null(d);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", DIR_, e->d_name);
		json_error_t je;
		json_t *doc = json_load_file(path, 0, &je);
		if (!doc)
			fail_msg("%s: %s", path, je.text);
		json_t *want = json_object_get(doc, "expect");
		json_t *sd = json_array_get(
		    json_object_get(json_object_get(doc, "answer"), "serviceDeployments"), 0);
		struct ship_sdep_stage st;
		ship_sdep_stage_parse(sd, &st);
		if (strcmp(st.stage, json_string_value(json_object_get(want, "stage"))))
			fail_msg("%s: stage '%s'", path, st.stage);
		assert_true(
		    fabs(st.prod_weight - json_number_value(json_object_get(want, "prod"))) < 1e-9);
		assert_true(
		    fabs(st.test_weight - json_number_value(json_object_get(want, "test"))) < 1e-9);
		assert_string_equal(st.triggered,
				    json_string_value(json_object_get(want, "triggered")));
		const char *hook = json_string_value(json_object_get(want, "paused"));
		struct ship_sdep_hook h;
		struct ship_err err = SHIP_ERR_INIT;
		int r = ship_sdep_find_pause(sd, &h, &err);
		if (hook) {
			assert_true(st.paused);
			assert_int_equal(r, 0);
			assert_string_equal(h.id, hook);
			assert_string_equal(h.type, "PAUSE");
			assert_string_equal(h.timeout_action, json_string_value(json_object_get(
								  want, "timeout_action")));
			assert_true(h.expires_at ==
				    json_number_value(json_object_get(want, "expires_at")));
		} else {
			assert_false(st.paused);
			assert_int_equal(r, 1);
			/* says why: the status (and the stage, when there is one) */
			const char *status = json_string_value(json_object_get(sd, "status"));
			assert_non_null(strstr(err.message, status));
			assert_non_null(strstr(err.message, st.stage));
		}
		n++;
		json_decref(doc);
	}
	closedir(d);
	assert_true(n >= 6);
}

static void find_pause_refuses_junk(void **state)
{
	(void)state;
	struct ship_sdep_hook h;
	struct ship_err err = SHIP_ERR_INIT;
	json_t *x = parse("{\"status\": \"IN_PROGRESS\"}");
	assert_int_equal(ship_sdep_find_pause(x, &h, &err), -1);
	assert_int_equal(ship_sdep_find_pause(NULL, &h, &err), -1);
	json_decref(x);
}

static void continue_request(void **state)
{
	(void)state;
	static const char *const actions[] = {"CONTINUE", "ROLLBACK"};
	for (int i = 0; i < 2; i++) {
		json_t *r = ship_sdep_continue_request("arn:aws:ecs:r:1:service-deployment/c/s/x",
						       "hook-1", actions[i]);
		assert_non_null(r);
		char *s = json_dumps(r, JSON_SORT_KEYS | JSON_COMPACT);
		char want[256];
		snprintf(want, sizeof(want),
			 "{\"action\":\"%s\",\"hookId\":\"hook-1\",\"serviceDeploymentArn\":\"arn:"
			 "aws:ecs:r:1:service-deployment/c/s/x\"}",
			 actions[i]);
		assert_string_equal(s, want);
		free(s);
		json_decref(r);
	}
	/* the model's DeploymentLifecycleHookAction has no other value */
	assert_null(ship_sdep_continue_request("arn", "hook-1", "ABORT"));
	assert_null(ship_sdep_continue_request("arn", NULL, "CONTINUE"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(validation_table),	       cmocka_unit_test(strategy_names),
	    cmocka_unit_test(every_stage_has_words),   cmocka_unit_test(recorded_answers),
	    cmocka_unit_test(find_pause_refuses_junk), cmocka_unit_test(continue_request),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
