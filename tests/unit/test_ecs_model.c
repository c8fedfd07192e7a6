/*
 * test_ecs_model.c: requests checked against botocore's ECS model (lib/project/model.c, from
 * scripts/gen-ecs-model): types, enum values and required members at any depth, each problem
 * naming the member's path; a good request has none. Issue 11, item 3.
 */
#include <string.h>

#include "ecship/taskdef.h"
#include "testutil.h"

static size_t problems(const char *op, const char *text, const char *want)
{
	json_t *req = json_loads(text, 0, NULL);
	struct ship_diags d = SHIP_DIAGS_INIT;
	assert_non_null(req);
	size_t n = ship_ecs_model_check(op, req, "f.json", &d);
	int found = !want;
	for (size_t i = 0; i < d.n; i++) {
		assert_non_null(d.v[i].hint);
		if (want && strstr(d.v[i].message, want))
			found = 1;
	}
	if (!found)
		fail_msg("%s: no problem mentions '%s' (%zu problems)", op, want, n);
	ship_diags_release(&d);
	json_decref(req);
	return n;
}

static void model_table(void **state)
{
	(void)state;
	assert_int_equal(problems("RegisterTaskDefinition",
				  "{\"family\": \"a\", \"networkMode\": \"awsvpc\", \"cpu\": \"256\", "
				  "\"containerDefinitions\": [{\"name\": \"x\", \"image\": \"i\", "
				  "\"memory\": 256, \"essential\": true, \"portMappings\": "
				  "[{\"containerPort\": 80, \"protocol\": \"tcp\"}]}]}",
				  NULL),
			 0);
	assert_int_equal(problems("RegisterTaskDefinition",
				  "{\"family\": \"a\", \"containerDefinitions\": [{\"name\": \"x\", "
				  "\"image\": \"i\", \"memory\": \"256\"}]}",
				  "containerDefinitions[0].memory must be a number, not a string"),
			 1);
	assert_int_equal(problems("RegisterTaskDefinition", "{\"family\": \"a\"}",
				  "lacks the required member 'containerDefinitions'"),
			 1);
	assert_int_equal(problems("CreateService",
				  "{\"serviceName\": \"web\", \"launchType\": \"FARGAT\"}",
				  "launchType 'FARGAT' is not one of its values"),
			 1);
	assert_int_equal(problems("CreateService",
				  "{\"serviceName\": \"web\", \"propagateTags\": \"TASK\", "
				  "\"deploymentConfiguration\": {\"maximumPercent\": \"200\", "
				  "\"deploymentCircuitBreaker\": {\"enable\": \"true\", \"rollback\": "
				  "true}}}",
				  "deploymentConfiguration.deploymentCircuitBreaker.enable must be true "
				  "or false"),
			 3);
	assert_int_equal(problems("UpdateService", "{\"cluster\": \"c\"}",
				  "lacks the required member 'service'"),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(model_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
