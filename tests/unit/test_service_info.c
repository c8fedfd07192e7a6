/*
 * test_service_info.c: what `status` and `rollback` conclude from a service without calling AWS
 * (lib/ecs/service_info.c): the newest deployment, and whether ECS rolled the last deployment
 * back by itself, from the service events ("(deployment ID) deployment failed: ..." then
 * "rolling back to deployment ID.", no older than the PRIMARY deployment) or, when those events
 * have rotated away (ECS keeps 100), from the newest service deployment's ROLLBACK_SUCCESSFUL.
 * Events:
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
 * Statuses: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html
 */
#include <string.h>

#include "ecship/service_info.h"
#include "testutil.h"

/* A service whose PRIMARY deployment (created at t=1000) is the rollback to ecs-svc/1 after
 * ecs-svc/2 failed; `events` replaces the events array when not NULL. */
static json_t *service(const char *events)
{
	char text[4096];
	snprintf(
	    text, sizeof(text),
	    "{\"serviceName\": \"web\", \"serviceArn\": \"arn:aws:ecs:r:1:service/c/web\","
	    " \"status\": \"ACTIVE\", \"taskDefinition\": "
	    "\"arn:aws:ecs:r:1:task-definition/web:1\","
	    " \"desiredCount\": 2, \"runningCount\": 2, \"pendingCount\": 0,"
	    " \"deployments\": ["
	    "  {\"id\": \"ecs-svc/3\", \"status\": \"PRIMARY\", \"rolloutState\": \"COMPLETED\","
	    "   \"taskDefinition\": \"arn:aws:ecs:r:1:task-definition/web:1\", \"createdAt\": 1000,"
	    "   \"updatedAt\": 1100, \"desiredCount\": 2, \"runningCount\": 2, \"pendingCount\": 0,"
	    "   \"failedTasks\": 0},"
	    "  {\"id\": \"ecs-svc/4\", \"status\": \"ACTIVE\", \"rolloutState\": \"IN_PROGRESS\","
	    "   \"taskDefinition\": \"arn:aws:ecs:r:1:task-definition/web:2\", \"createdAt\": 1200,"
	    "   \"updatedAt\": 1200, \"desiredCount\": 0, \"runningCount\": 0, \"pendingCount\": 0,"
	    "   \"failedTasks\": 0}],"
	    " \"events\": %s}",
	    events ? events
		   : "[{\"createdAt\": 1100, \"message\": \"(service web) has reached a steady "
		     "state.\"},"
		     " {\"createdAt\": 1000, \"message\": \"(service web) rolling back to "
		     "deployment ecs-svc/1.\"},"
		     " {\"createdAt\": 999, \"message\": \"(service web) (deployment ecs-svc/2) "
		     "deployment failed: tasks failed to start.\"}]");
	json_error_t je;
	json_t *v = json_loads(text, 0, &je);
	if (!v)
		fail_msg("bad fixture: %s", je.text);
	return v;
}

static void parse(json_t *svc, struct ship_service_view *v)
{
	struct ship_err err = SHIP_ERR_INIT;
	assert_int_equal(ship_service_view_parse(svc, v, &err), 0);
}

static void newest_deployment_by_creation(void **state)
{
	(void)state;
	json_t *svc = service(NULL);
	struct ship_service_view v;
	parse(svc, &v);
	const struct ship_deployment_view *d = ship_service_newest(&v);
	assert_non_null(d);
	assert_string_equal(d->id, "ecs-svc/4"); /* not the PRIMARY: the newest */
	v.ndep = 0;
	assert_null(ship_service_newest(&v));
	json_decref(svc);
}

static void breaker_rollback_from_events(void **state)
{
	(void)state;
	json_t *svc = service(NULL);
	struct ship_service_view v;
	char out[512];
	parse(svc, &v);
	assert_int_equal(ship_service_rolled_back_by_ecs(svc, &v, NULL, out, sizeof(out)), 1);
	assert_string_equal(out, "deployment ecs-svc/2 deployment failed: tasks failed to start; "
				 "rolled back to deployment ecs-svc/1");
	json_decref(svc);
}

static void events_older_than_the_primary_do_not_count(void **state)
{
	(void)state;
	/* a rollback long ago, then a good deploy (the PRIMARY, created at 1000) */
	json_t *svc = service("[{\"createdAt\": 1001, \"message\": \"(service web) has reached a "
			      "steady state.\"}, {\"createdAt\": 500, \"message\": \"(service web) "
			      "rolling back to deployment ecs-svc/0.\"}]");
	struct ship_service_view v;
	char out[512];
	parse(svc, &v);
	assert_int_equal(ship_service_rolled_back_by_ecs(svc, &v, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	json_decref(svc);
}

static void rotated_events_fall_back_to_the_service_deployment(void **state)
{
	(void)state;
	json_t *svc = service("[{\"createdAt\": 5000, \"message\": \"(service web) has reached a "
			      "steady state.\"}]");
	struct ship_service_view v;
	struct ship_service_deployment_brief b;
	char out[512];
	parse(svc, &v);
	memset(&b, 0, sizeof(b));
	snprintf(b.id, sizeof(b.id), "sd-42");
	snprintf(b.status, sizeof(b.status), "SUCCESSFUL");
	assert_int_equal(ship_service_rolled_back_by_ecs(svc, &v, &b, out, sizeof(out)), 0);
	snprintf(b.status, sizeof(b.status), "ROLLBACK_SUCCESSFUL");
	snprintf(b.reason, sizeof(b.reason), "circuit breaker");
	assert_int_equal(ship_service_rolled_back_by_ecs(svc, &v, &b, out, sizeof(out)), 1);
	assert_string_equal(out,
			    "service deployment sd-42 ended ROLLBACK_SUCCESSFUL: circuit breaker");
	b.reason[0] = '\0';
	assert_int_equal(ship_service_rolled_back_by_ecs(svc, &v, &b, out, sizeof(out)), 1);
	assert_string_equal(out, "service deployment sd-42 ended ROLLBACK_SUCCESSFUL");
	json_decref(svc);
}

/*
 * A rollback someone asked for (ecship's fail-fast StopServiceDeployment ROLLBACK, `ecship abort`,
 * a ROLLBACK answer to a PAUSE hook) is not the breaker's: ECS posts "rolling back to deployment"
 * for it too, but not the breaker's "(deployment ID) deployment failed: ..." event, and the
 * service deployment's record says why: "Service deployment rolled back because of a user
 * request." The record's rollback reason names who started it ("For example, the circuit breaker
 * initiated the rollback operation."),
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Rollback.html; stopping:
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stop-service-deployment.html;
 * circuitBreaker status TRIGGERED only when the breaker detects the failure:
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeploymentCircuitBreaker.html
 */
static void requested_rollback_is_not_the_breaker(void **state)
{
	(void)state;
	json_t *svc =
	    service("[{\"createdAt\": 1100, \"message\": \"(service web) has reached a "
		    "steady state.\"}, {\"createdAt\": 1000, \"message\": \"(service web) "
		    "rolling back to deployment ecs-svc/1.\"}, {\"createdAt\": 990, "
		    "\"message\": \"(service web) has started 1 tasks: (task abc).\"}]");
	struct ship_service_view v;
	struct ship_service_deployment_brief b;
	char out[512];
	parse(svc, &v);
	assert_int_equal(ship_service_breaker_rollback(svc, &v, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(ship_service_rolled_back_by_ecs(svc, &v, NULL, out, sizeof(out)), 0);
	memset(&b, 0, sizeof(b));
	snprintf(b.id, sizeof(b.id), "sd-42");
	snprintf(b.status, sizeof(b.status), "ROLLBACK_SUCCESSFUL");
	snprintf(b.reason, sizeof(b.reason),
		 "Service deployment rolled back because of a user request.");
	assert_int_equal(ship_service_rolled_back_by_ecs(svc, &v, &b, out, sizeof(out)), 0);
	snprintf(b.reason, sizeof(b.reason),
		 "Service deployment rolled back because of a ROLLBACK action on the lifecycle "
		 "hook h1 at PRE_SCALE_UP.");
	assert_int_equal(ship_service_rolled_back_by_ecs(svc, &v, &b, out, sizeof(out)), 0);
	/* a failed Lambda hook: ECS rolled back by itself, without the breaker's event */
	snprintf(b.reason, sizeof(b.reason),
		 "Service deployment rolled back because the lifecycle hook h1 failed.");
	assert_int_equal(ship_service_rolled_back_by_ecs(svc, &v, &b, out, sizeof(out)), 1);
	json_decref(svc);
	/* an earlier deployment's breaker failure, long before the requested rollback */
	svc = service("[{\"createdAt\": 1000, \"message\": \"(service web) rolling back to "
		      "deployment ecs-svc/1.\"}, {\"createdAt\": 400, \"message\": \"(service "
		      "web) (deployment ecs-svc/0) deployment failed: tasks failed to start.\"}]");
	parse(svc, &v);
	assert_int_equal(ship_service_breaker_rollback(svc, &v, out, sizeof(out)), 0);
	json_decref(svc);
	/* untimed events: only the one right before the rollback's */
	svc = service("[{\"message\": \"(service web) rolling back to deployment ecs-svc/1.\"},"
		      " {\"message\": \"(service web) has started 1 tasks.\"},"
		      " {\"message\": \"(service web) (deployment ecs-svc/0) deployment failed: "
		      "tasks failed to start.\"}]");
	parse(svc, &v);
	assert_int_equal(ship_service_breaker_rollback(svc, &v, out, sizeof(out)), 0);
	json_decref(svc);
}

int main(void)
{
	tu_alloc_install();
	const struct CMUnitTest tests[] = {
	    TU_TEST(newest_deployment_by_creation),
	    TU_TEST(breaker_rollback_from_events),
	    TU_TEST(events_older_than_the_primary_do_not_count),
	    TU_TEST(rotated_events_fall_back_to_the_service_deployment),
	    TU_TEST(requested_rollback_is_not_the_breaker),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
