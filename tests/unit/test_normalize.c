/*
 * test_normalize.c: submitted vs DescribeTaskDefinition output compare equal after normalizing
 * ECS defaults away (no revision sprawl), real changes do not; service normalization; the
 * unified diff.
 */
#include <stdio.h>
#include <string.h>

#include "ecship/taskdef.h"
#include "testutil.h"

static json_t *parse(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, JSON_DECODE_ANY, &e);
	if (!j)
		fail_msg("bad test JSON: line %d: %s", e.line, e.text);
	return j;
}

/* The runbook's definition as rendered, then as DescribeTaskDefinition returns it. */
static const char s_submitted[] =
    "{\"family\": \"django-app-staging\", \"networkMode\": \"awsvpc\","
    " \"requiresCompatibilities\": [\"FARGATE\"], \"cpu\": \"256\", \"memory\": \"512\","
    " \"executionRoleArn\": \"arn:aws:iam::123456789012:role/ecsTaskExecutionRole\","
    " \"containerDefinitions\": [{\"name\": \"django-app\","
    "  \"image\": \"123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/django-ecs-app:abc\","
    "  \"portMappings\": [{\"containerPort\": 8000, \"protocol\": \"tcp\"}],"
    "  \"environment\": [{\"name\": \"DEBUG\", \"value\": \"0\"},"
    "   {\"name\": \"ALLOWED_HOSTS\", \"value\": \"*.elb.amazonaws.com,staging.grape-app.jp\"}],"
    "  \"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {"
    "   \"awslogs-group\": \"/ecs/django-app-staging\", \"awslogs-region\": \"ap-northeast-1\","
    "   \"awslogs-stream-prefix\": \"ecs\"}}}]}";

static const char s_described[] =
    "{\"taskDefinition\": {"
    " \"taskDefinitionArn\": \"arn:aws:ecs:ap-northeast-1:123456789012:task-definition/"
    "django-app-staging:7\","
    " \"containerDefinitions\": [{\"name\": \"django-app\","
    "  \"image\": \"123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/django-ecs-app:abc\","
    "  \"cpu\": 0,"
    "  \"portMappings\": [{\"containerPort\": 8000, \"hostPort\": 8000, \"protocol\": \"tcp\"}],"
    "  \"essential\": true,"
    "  \"environment\": [{\"name\": \"ALLOWED_HOSTS\", \"value\": "
    "\"*.elb.amazonaws.com,staging.grape-app.jp\"}, {\"name\": \"DEBUG\", \"value\": \"0\"}],"
    "  \"mountPoints\": [], \"volumesFrom\": [],"
    "  \"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {"
    "   \"awslogs-group\": \"/ecs/django-app-staging\", \"awslogs-region\": \"ap-northeast-1\","
    "   \"awslogs-stream-prefix\": \"ecs\"}, \"secretOptions\": []},"
    "  \"systemControls\": []}],"
    " \"family\": \"django-app-staging\","
    " \"executionRoleArn\": \"arn:aws:iam::123456789012:role/ecsTaskExecutionRole\","
    " \"networkMode\": \"awsvpc\", \"revision\": 7, \"volumes\": [], \"status\": \"ACTIVE\","
    " \"requiresAttributes\": [{\"name\": \"com.amazonaws.ecs.capability.logging-driver.awslogs\"},"
    "  {\"name\": \"ecs.capability.execution-role-awslogs\"},"
    "  {\"name\": \"com.amazonaws.ecs.capability.ecr-auth\"},"
    "  {\"name\": \"ecs.capability.task-eni\"}],"
    " \"placementConstraints\": [], \"compatibilities\": [\"EC2\", \"FARGATE\"],"
    " \"requiresCompatibilities\": [\"FARGATE\"], \"cpu\": \"256\", \"memory\": \"512\","
    " \"registeredAt\": \"2024-06-19T10:00:00.000000+09:00\","
    " \"registeredBy\": \"arn:aws:sts::123456789012:assumed-role/deploy/gh\","
    " \"enableFaultInjection\": false},"
    " \"tags\": []}";

/* Applies a change to the submitted definition: path to a container field and a JSON value. */
static void set_container(json_t *td, const char *key, const char *json)
{
	json_t *c = json_array_get(json_object_get(td, "containerDefinitions"), 0);
	json_object_set_new(c, key, parse(json));
}

static void same_definition_table(void **state)
{
	(void)state;
	static const struct {
		const char *where; /* "task" or "container" */
		const char *key, *value;
		int same;
	} cases[] = {
	    {NULL, NULL, NULL, 1},
	    {"task", "cpu", "\"0.25 vCPU\"", 1},
	    {"task", "memory", "\"0.5 GB\"", 1},
	    {"task", "requiresCompatibilities", "[\"FARGATE\"]", 1},
	    {"task", "volumes", "[]", 1},
	    {"task", "tags", "[{\"key\": \"a\", \"value\": \"b\"}]", 1},
	    {"container", "essential", "true", 1},
	    {"container", "mountPoints", "[]", 1},
	    {"container", "secrets", "[]", 1},
	    {"container", "cpu", "0", 1},
	    {"container", "portMappings", "[{\"containerPort\": 8000}]", 1},
	    {"container", "portMappings", "[{\"containerPort\": 8000, \"hostPort\": 8000}]", 1},
	    {"container", "image", "\"123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/x:def\"", 0},
	    {"container", "environment", "[{\"name\": \"DEBUG\", \"value\": \"1\"}]", 0},
	    {"container", "essential", "false", 0},
	    {"container", "portMappings", "[{\"containerPort\": 8001}]", 0},
	    {"container", "portMappings", "[{\"containerPort\": 8000, \"protocol\": \"udp\"}]", 0},
	    {"task", "cpu", "\"512\"", 0},
	    {"task", "taskRoleArn", "\"arn:aws:iam::1:role/app\"", 0},
	    {"container", "healthCheck", "{\"command\": [\"CMD\", \"true\"]}", 0},
	};
	json_t *described = parse(s_described);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *td = parse(s_submitted);
		if (cases[i].where && strcmp(cases[i].where, "task") == 0)
			json_object_set_new(td, cases[i].key, parse(cases[i].value));
		else if (cases[i].where)
			set_container(td, cases[i].key, cases[i].value);
		int same = ship_taskdef_same(td, described);
		if (same != cases[i].same) {
			struct ship_buf b = SHIP_BUF_INIT(0);
			struct ship_err err = SHIP_ERR_INIT;
			json_t *a = ship_taskdef_normalize(td), *c = ship_taskdef_normalize(described);
			ship_json_diff(c, a, "live", "local", &b, &err);
			fprintf(stderr, "%s", b.data);
			ship_buf_release(&b);
			json_decref(a);
			json_decref(c);
			fail_msg("case %zu (%s): same=%d", i, cases[i].key ? cases[i].key : "-", same);
		}
		json_decref(td);
	}
	json_decref(described);
}

static void health_check_defaults(void **state)
{
	(void)state;
	json_t *a = parse("{\"family\": \"f\", \"containerDefinitions\": [{\"name\": \"x\", \"image\": "
			  "\"i\", \"healthCheck\": {\"command\": [\"CMD\", \"true\"]}}]}");
	json_t *b = parse("{\"family\": \"f\", \"networkMode\": \"bridge\", \"containerDefinitions\":"
			  " [{\"name\": \"x\", \"image\": \"i\", \"healthCheck\": {\"command\": "
			  "[\"CMD\", \"true\"], \"interval\": 30, \"timeout\": 5, \"retries\": 3, "
			  "\"startPeriod\": 0}}]}");
	assert_int_equal(ship_taskdef_same(a, b), 1);
	/* under bridge, hostPort is meaningful */
	json_t *c = parse("{\"family\": \"f\", \"containerDefinitions\": [{\"name\": \"x\", \"image\":"
			  " \"i\", \"portMappings\": [{\"containerPort\": 80, \"hostPort\": 80}]}]}");
	json_t *d = parse("{\"family\": \"f\", \"containerDefinitions\": [{\"name\": \"x\", \"image\":"
			  " \"i\", \"portMappings\": [{\"containerPort\": 80, \"hostPort\": 0}]}]}");
	assert_int_equal(ship_taskdef_same(c, d), 0);
	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(d);
}

static void service_normalization(void **state)
{
	(void)state;
	json_t *local = parse(
	    "{\"serviceName\": \"s\", \"taskDefinition\": \"django-app-staging\","
	    " \"loadBalancers\": [{\"targetGroupArn\": \"tg\", \"containerName\": \"django-app\","
	    " \"containerPort\": 8000}], \"desiredCount\": 2, \"launchType\": \"FARGATE\","
	    " \"networkConfiguration\": {\"awsvpcConfiguration\": {\"subnets\": [\"b\", \"a\"],"
	    " \"securityGroups\": [\"sg\"], \"assignPublicIp\": \"DISABLED\"}},"
	    " \"healthCheckGracePeriodSeconds\": 60}");
	json_t *live = parse(
	    "{\"services\": [{\"serviceArn\": \"arn:aws:ecs:r:1:service/c/s\", \"serviceName\": \"s\","
	    " \"clusterArn\": \"arn:aws:ecs:r:1:cluster/c\", \"loadBalancers\": [{\"targetGroupArn\":"
	    " \"tg\", \"containerName\": \"django-app\", \"containerPort\": 8000}],"
	    " \"serviceRegistries\": [], \"status\": \"ACTIVE\", \"desiredCount\": 3,"
	    " \"runningCount\": 3, \"pendingCount\": 0, \"launchType\": \"FARGATE\","
	    " \"platformVersion\": \"LATEST\", \"platformFamily\": \"Linux\","
	    " \"taskDefinition\": \"arn:aws:ecs:r:1:task-definition/django-app-staging:7\","
	    " \"deploymentConfiguration\": {\"deploymentCircuitBreaker\": {\"enable\": false,"
	    " \"rollback\": false}, \"maximumPercent\": 200, \"minimumHealthyPercent\": 100},"
	    " \"deployments\": [{\"id\": \"ecs-svc/1\"}], \"roleArn\": \"arn:role\", \"events\": [],"
	    " \"createdAt\": 1.0, \"placementConstraints\": [], \"placementStrategy\": [],"
	    " \"networkConfiguration\": {\"awsvpcConfiguration\": {\"subnets\": [\"a\", \"b\"],"
	    " \"securityGroups\": [\"sg\"], \"assignPublicIp\": \"DISABLED\"}},"
	    " \"healthCheckGracePeriodSeconds\": 60, \"schedulingStrategy\": \"REPLICA\","
	    " \"deploymentController\": {\"type\": \"ECS\"}, \"createdBy\": \"arn:x\","
	    " \"enableECSManagedTags\": false, \"propagateTags\": \"NONE\","
	    " \"enableExecuteCommand\": false}], \"failures\": []}");
	json_t *a = ship_servicedef_normalize(local), *b = ship_servicedef_normalize(live);
	assert_non_null(a);
	assert_non_null(b);
	if (!json_equal(a, b)) {
		struct ship_buf out = SHIP_BUF_INIT(0);
		struct ship_err err = SHIP_ERR_INIT;
		ship_json_diff(b, a, "live", "local", &out, &err);
		fail_msg("service differs:\n%s", out.data);
	}
	json_decref(a);
	json_decref(b);
	json_decref(local);
	json_decref(live);
}

static void unified_diff(void **state)
{
	(void)state;
	static const struct {
		const char *a, *b, *want;
	} cases[] = {
	    {"a\nb\nc\n", "a\nb\nc\n", ""},
	    {"a\nb\nc\n", "a\nB\nc\n", "--- L\n+++ R\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"},
	    {"", "x\n", "--- L\n+++ R\n@@ -0,0 +1 @@\n+x\n"},
	    {"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n",
	     "1\n2x\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15x\n16\n",
	     "--- L\n+++ R\n@@ -1,5 +1,5 @@\n 1\n-2\n+2x\n 3\n 4\n 5\n"
	     "@@ -12,5 +12,5 @@\n 12\n 13\n 14\n-15\n+15x\n 16\n"},
	    {"1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2x\n3\n4\n5\n6\n7x\n8\n",
	     "--- L\n+++ R\n@@ -1,8 +1,8 @@\n 1\n-2\n+2x\n 3\n 4\n 5\n 6\n-7\n+7x\n 8\n"},
	    {"a\nb\n", "b\nc\n", "--- L\n+++ R\n@@ -1,2 +1,2 @@\n-a\n b\n+c\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ship_buf out = SHIP_BUF_INIT(0);
		struct ship_err err = SHIP_ERR_INIT;
		int r = ship_text_diff(ship_str_c(cases[i].a), ship_str_c(cases[i].b), "L", "R", &out,
				       &err);
		assert_int_equal(r, cases[i].want[0] ? 1 : 0);
		if (strcmp(out.data, cases[i].want) != 0)
			fail_msg("case %zu:\n%s\nwant:\n%s", i, out.data, cases[i].want);
		ship_buf_release(&out);
	}
	json_t *a = parse("{\"b\": 1, \"a\": [1, 2]}"), *b = parse("{\"a\": [1, 3], \"b\": 1}");
	struct ship_buf out = SHIP_BUF_INIT(0);
	struct ship_err err = SHIP_ERR_INIT;
	assert_int_equal(ship_json_diff(a, b, "live", "local", &out, &err), 1);
	assert_string_equal(out.data, "--- live\n+++ local\n@@ -1,7 +1,7 @@\n {\n   \"a\": [\n     1,\n"
				      "-    2\n+    3\n   ],\n   \"b\": 1\n }\n");
	ship_buf_release(&out);
	json_decref(a);
	json_decref(b);
	for (long n = 1; n < 40; n++) {
		a = parse(s_submitted);
		b = parse(s_described);
		tu_alloc_fail_at(n);
		json_t *na = ship_taskdef_normalize(a), *nb = ship_taskdef_normalize(b);
		int r = na && nb ? ship_json_diff(nb, na, "l", "r", &out, &err) : -1;
		tu_alloc_fail_at(0);
		assert_true(r == 0 || r == -1);
		json_decref(na);
		json_decref(nb);
		json_decref(a);
		json_decref(b);
		ship_buf_release(&out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(same_definition_table),
	    TU_TEST(health_check_defaults),
	    TU_TEST(service_normalization),
	    TU_TEST(unified_diff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
