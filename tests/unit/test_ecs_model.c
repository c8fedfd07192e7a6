/*
 * test_ecs_model.c: requests checked against botocore's ECS model (lib/project/model.c, from
 * scripts/gen-ecs-model): types, enum values and required members at any depth, each problem
 * naming the member's path; a good request has none. Issue 11, item 3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecship/render.h"
#include "ecship/taskdef.h"
#include "testutil.h"

static const struct ship_ecs_model *s_model; /* NULL: each check parses its own */

static size_t problems(const char *op, const char *text, const char *want)
{
	json_t *req = json_loads(text, 0, NULL);
	struct ship_diags d = SHIP_DIAGS_INIT;
	assert_non_null(req);
	size_t n = s_model ? ship_ecs_model_check_in(s_model, op, req, "f.json", &d)
			   : ship_ecs_model_check(op, req, "f.json", &d);
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

/* Issue 14: the same table against a model parsed once (ship_ecs_model_new), as a render of
 * many services uses it; a check against it does not parse the model again (it allocates a
 * small fraction of what one parse does). */
static void model_parsed_once(void **state)
{
	(void)state;
	struct ship_ecs_model *m = ship_ecs_model_new();
	json_t *req = json_loads("{\"family\": \"a\", \"containerDefinitions\": [{\"name\": \"x\", "
				 "\"image\": \"i\", \"memory\": 256}]}",
				 0, NULL);
	struct ship_diags d = SHIP_DIAGS_INIT;
	long before, parse, check;
	assert_non_null(m);
	assert_non_null(req);
	before = tu_alloc_count();
	ship_ecs_model_destroy(ship_ecs_model_new());
	parse = tu_alloc_count() - before;
	before = tu_alloc_count();
	assert_int_equal(ship_ecs_model_check_in(m, "RegisterTaskDefinition", req, "f.json", &d), 0);
	check = tu_alloc_count() - before;
	assert_true(parse > 1000);
	assert_true(check * 20 < parse);
	s_model = m;
	model_table(NULL);
	s_model = NULL;
	ship_diags_release(&d);
	json_decref(req);
	ship_ecs_model_destroy(m);
	ship_ecs_model_destroy(NULL);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* ship_render_service checks against the model its options carry (render_options.model): a
 * render of one service with it allocates less than parsing the model alone does; without it,
 * more. The diagnostics are the same either way (here: one bad enum value). */
static void render_uses_given_model(void **state)
{
	(void)state;
	char dir[] = "/tmp/ecship-model-XXXXXX", td[64], sd[64], yml[1024];
	assert_non_null(mkdtemp(dir));
	snprintf(td, sizeof(td), "%s/td.json", dir);
	snprintf(sd, sizeof(sd), "%s/sd.json", dir);
	write_file(td, "{\"family\": \"web\", \"networkMode\": \"awsvpc\", \"cpu\": \"256\", "
		       "\"memory\": \"512\", \"requiresCompatibilities\": [\"FARGATE\"], "
		       "\"containerDefinitions\": [{\"name\": \"web\", \"image\": \"nginx:1\", "
		       "\"essential\": true}]}");
	write_file(sd, "{\"launchType\": \"FARGAT\", \"desiredCount\": 1}");
	snprintf(yml, sizeof(yml),
		 "region: ap-northeast-1\ncluster: c\nservices:\n  - name: web\n"
		 "    task_definition: %s\n    service_definition: %s\n",
		 td, sd);
	struct ship_ecs_model *m = ship_ecs_model_new();
	assert_non_null(m);
	long counts[2], n_errors[2];
	for (int with = 0; with < 2; with++) {
		struct ship_vars v;
		struct ship_diags d = SHIP_DIAGS_INIT;
		struct ship_err err = SHIP_ERR_INIT;
		struct ship_rendered out = {NULL, NULL};
		struct ship_render_options ro = {NULL, NULL, 0, with ? m : NULL};
		ship_vars_init(&v);
		struct ship_config *c = ship_config_parse("ecship.yml", ship_str_c(yml), &v, &d, &err);
		if (!c)
			fail_msg("%s", err.message);
		long before = tu_alloc_count();
		assert_int_equal(ship_render_service(c, &c->services[0], &ro, &v, &d, &out, &err), -1);
		counts[with] = tu_alloc_count() - before;
		n_errors[with] = (long)d.counts[SHIP_SEV_ERROR];
		ship_rendered_release(&out);
		ship_config_destroy(c);
		ship_diags_release(&d);
		ship_vars_release(&v);
	}
	long before = tu_alloc_count();
	ship_ecs_model_destroy(ship_ecs_model_new());
	long parse = tu_alloc_count() - before;
	assert_int_equal(n_errors[0], 1);
	assert_int_equal(n_errors[1], 1);
	assert_true(counts[0] > parse);
	assert_true(counts[1] < parse);
	ship_ecs_model_destroy(m);
	unlink(td);
	unlink(sd);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(model_table),
	    TU_TEST(model_parsed_once),
	    TU_TEST(render_uses_given_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
