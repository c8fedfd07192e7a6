/*
 * test_scaffold.c: a live service and task definition as the files `ecship init --from-service`
 * writes (lib/ecs/scaffold.c): read-only fields and ECS defaults left out, CreateService's fields
 * kept (desiredCount included), every "${" escaped as "$${", on the leak-counting allocator.
 * Fields: API reference, DescribeServices / CreateService and DescribeTaskDefinition /
 * RegisterTaskDefinition.
 */
#include <string.h>

#include "ecship/scaffold.h"
#include "testutil.h"

static json_t *load(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, 0, &je);
	if (!v)
		fail_msg("bad test JSON: %s", je.text);
	return v;
}

static void taskdef_read_only_fields_dropped_and_escaped(void **state)
{
	(void)state;
	json_t *live = load(
	    "{\"taskDefinitionArn\": \"arn:aws:ecs:ap-northeast-1:1:task-definition/web:7\","
	    " \"family\": \"web\", \"revision\": 7, \"status\": \"ACTIVE\","
	    " \"requiresAttributes\": [{\"name\": \"ecs.capability.execution-role-awslogs\"}],"
	    " \"compatibilities\": [\"EC2\", \"FARGATE\"], \"registeredAt\": 1700000000.0,"
	    " \"registeredBy\": \"arn:aws:iam::1:user/x\", \"networkMode\": \"awsvpc\","
	    " \"requiresCompatibilities\": [\"FARGATE\"], \"cpu\": \"256\", \"memory\": \"512\","
	    " \"containerDefinitions\": [{\"name\": \"web\", \"image\": \"repo/web:v1\","
	    "   \"essential\": true, \"command\": [\"sh\", \"-c\", \"run :${PORT} $HOME\"],"
	    "   \"portMappings\": [{\"containerPort\": 8000, \"hostPort\": 8000, \"protocol\": "
	    "\"tcp\"}],"
	    "   \"environment\": [], \"mountPoints\": [], \"volumesFrom\": []}],"
	    " \"volumes\": [], \"placementConstraints\": []}");
	json_t *td = ship_scaffold_taskdef(live);
	assert_non_null(td);
	const char *gone[] = {"taskDefinitionArn",  "revision",	       "status",
			      "requiresAttributes", "compatibilities", "registeredAt",
			      "registeredBy",	    "volumes",	       NULL};
	for (size_t i = 0; gone[i]; i++)
		assert_null(json_object_get(td, gone[i]));
	assert_string_equal(json_string_value(json_object_get(td, "family")), "web");
	json_t *c = json_array_get(json_object_get(td, "containerDefinitions"), 0);
	assert_string_equal(json_string_value(json_array_get(json_object_get(c, "command"), 2)),
			    "run :$${PORT} $HOME");
	assert_string_equal(json_string_value(json_object_get(c, "image")), "repo/web:v1");
	json_decref(td);
	json_decref(live);
}

static void servicedef_create_fields_only(void **state)
{
	(void)state;
	json_t *live = load(
	    "{\"serviceArn\": \"arn:aws:ecs:ap-northeast-1:1:service/c/web\", \"serviceName\": "
	    "\"web\","
	    " \"clusterArn\": \"arn:aws:ecs:ap-northeast-1:1:cluster/c\", \"status\": \"ACTIVE\","
	    " \"desiredCount\": 3, \"runningCount\": 3, \"pendingCount\": 0, \"launchType\": "
	    "\"FARGATE\","
	    " \"platformVersion\": \"LATEST\", \"platformFamily\": \"Linux\","
	    " \"taskDefinition\": \"arn:aws:ecs:ap-northeast-1:1:task-definition/web:7\","
	    " \"deploymentConfiguration\": {\"deploymentCircuitBreaker\": {\"enable\": true, "
	    "\"rollback\": true},"
	    "   \"maximumPercent\": 200, \"minimumHealthyPercent\": 100},"
	    " \"deployments\": [{\"id\": \"ecs-svc/1\"}], \"events\": [{\"message\": \"m\"}],"
	    " \"roleArn\": "
	    "\"arn:aws:iam::1:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS\","
	    " \"createdAt\": 1700000000.0, \"createdBy\": \"arn:aws:iam::1:user/x\","
	    " \"loadBalancers\": [{\"targetGroupArn\": \"arn:tg/${x}\", \"containerName\": "
	    "\"web\", \"containerPort\": 8000}],"
	    " \"networkConfiguration\": {\"awsvpcConfiguration\": {\"subnets\": [\"subnet-a\"],"
	    "   \"securityGroups\": [\"sg-1\"], \"assignPublicIp\": \"DISABLED\"}},"
	    " \"healthCheckGracePeriodSeconds\": 30, \"schedulingStrategy\": \"REPLICA\","
	    " \"enableECSManagedTags\": false, \"propagateTags\": \"NONE\", "
	    "\"enableExecuteCommand\": false}");
	json_t *sd = ship_scaffold_servicedef(live);
	assert_non_null(sd);
	const char *gone[] = {
	    "serviceArn",	  "clusterArn",	 "status",	   "runningCount",
	    "pendingCount",	  "deployments", "events",	   "roleArn",
	    "createdAt",	  "createdBy",	 "platformFamily", "platformVersion",
	    "schedulingStrategy", NULL};
	for (size_t i = 0; gone[i]; i++)
		if (json_object_get(sd, gone[i]))
			fail_msg("'%s' should not be in the CreateService input", gone[i]);
	assert_string_equal(json_string_value(json_object_get(sd, "serviceName")), "web");
	assert_int_equal(json_integer_value(json_object_get(sd, "desiredCount")), 3);
	assert_string_equal(json_string_value(json_object_get(sd, "taskDefinition")), "web");
	assert_int_equal(json_integer_value(json_object_get(sd, "healthCheckGracePeriodSeconds")),
			 30);
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(sd, "loadBalancers"), 0), "targetGroupArn")),
	    "arn:tg/$${x}");
	assert_true(json_is_true(
	    json_object_get(json_object_get(json_object_get(sd, "deploymentConfiguration"),
					    "deploymentCircuitBreaker"),
			    "rollback")));
	json_decref(sd);
	json_decref(live);
}

static void not_objects(void **state)
{
	(void)state;
	json_t *s = json_string("x");
	assert_null(ship_scaffold_taskdef(s));
	assert_null(ship_scaffold_servicedef(s));
	assert_null(ship_scaffold_taskdef(NULL));
	json_decref(s);
	ship_scaffold_release(NULL);
}

static void allocation_failures(void **state)
{
	(void)state;
	json_t *live = load("{\"serviceName\": \"web\", \"desiredCount\": 1, \"loadBalancers\": "
			    "[{\"targetGroupArn\": \"a${b}c${d}\"}]}");
	for (long n = 1; n < 200; n++) {
		tu_alloc_fail_at(n);
		json_t *sd = ship_scaffold_servicedef(live);
		tu_alloc_fail_at(0);
		json_decref(sd);
	}
	json_decref(live);
}

int main(void)
{
	tu_alloc_install();
	const struct CMUnitTest tests[] = {
	    TU_TEST(taskdef_read_only_fields_dropped_and_escaped),
	    TU_TEST(servicedef_create_fields_only),
	    TU_TEST(not_objects),
	    TU_TEST(allocation_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
