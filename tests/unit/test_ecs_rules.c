/*
 * test_ecs_rules.c: the library's rules (Fargate sizes in taskdef.h, the circuit-breaker
 * threshold in rollout.h, Django's host matching in django.h) against the documented cases of
 * tests/data/ecs-rules.tsv, and the limits of blue/green, linear and canary deployments
 * (strategy.h's ship_strategy_validate). test_sim_pure.c runs the simulator's own rules over the
 * same rows.
 */
#include <stdlib.h>
#include <string.h>

#include "ecship/django.h"
#include "ecship/rollout.h"
#include "ecship/strategy.h"
#include "ecship/taskdef.h"
#include "rules_table.h"
#include "testutil.h"

static int fargate_row(void *ctx, const struct rules_row *r)
{
	(void)ctx;
	long c, m;
	int got = ship_parse_cpu(r->a, &c) == 0 && ship_parse_memory(r->b, &m) == 0 &&
		  ship_fargate_size_ok(c, m);
	return got != r->want;
}

static int breaker_row(void *ctx, const struct rules_row *r)
{
	(void)ctx;
	return ship_breaker_threshold(strtol(r->a, NULL, 10), 3) != r->want;
}

static int django_row(void *ctx, const struct rules_row *r)
{
	(void)ctx;
	int got = ship_django_host_allowed(r->a, r->b, r->c[0] == '1', NULL, 0);
	return got != r->want;
}

/* A service definition whose only possible problem is field a = b (a JSON number): BLUE_GREEN
 * for bakeTimeInMinutes and a PAUSE hook's timeoutInMinutes, LINEAR and CANARY for their
 * configurations; ship_strategy_validate accepts it exactly when ECS does. */
static int deploylimit_row(void *ctx, const struct rules_row *r)
{
	(void)ctx;
	json_t *v = json_loads(r->b, JSON_DECODE_ANY, NULL);
	json_t *svc = json_pack(
	    "{s:[{s:s, s:s, s:i, s:{s:s, s:s, s:s}}], s:{s:s, s:i}}", "loadBalancers",
	    "targetGroupArn",
	    "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/b/"
	    "0123456789abcdef",
	    "containerName", "web", "containerPort", 8000, "advancedConfiguration",
	    "alternateTargetGroupArn",
	    "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/g/"
	    "fedcba9876543210",
	    "productionListenerRule",
	    "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:listener-rule/app/a/1/2/3",
	    "roleArn", "arn:aws:iam::123456789012:role/ecsInfrastructureRole",
	    "deploymentConfiguration", "strategy", "BLUE_GREEN", "bakeTimeInMinutes", 5);
	json_t *dc = json_object_get(svc, "deploymentConfiguration");
	const char *f = v && svc ? r->a : ""; /* a field this test does not know: a failure */
	int known = 1;
	if (!strcmp(f, "bakeTimeInMinutes")) {
		json_object_set(dc, "bakeTimeInMinutes", v);
	} else if (!strcmp(f, "stepPercent") || !strcmp(f, "stepBakeTimeInMinutes")) {
		json_object_set_new(dc, "strategy", json_string("LINEAR"));
		json_object_set_new(dc, "linearConfiguration", json_pack("{s:O}", f, v));
	} else if (!strcmp(f, "canaryPercent") || !strcmp(f, "canaryBakeTimeInMinutes")) {
		json_object_set_new(dc, "strategy", json_string("CANARY"));
		json_object_set_new(dc, "canaryConfiguration", json_pack("{s:O}", f, v));
	} else if (!strcmp(f, "timeoutInMinutes")) {
		json_object_set_new(dc, "lifecycleHooks",
				    json_pack("[{s:s, s:[s], s:{s:O, s:s}}]", "targetType", "PAUSE",
					      "lifecycleStages", "POST_TEST_TRAFFIC_SHIFT",
					      "timeoutConfiguration", "timeoutInMinutes", v,
					      "action", "ROLLBACK"));
	} else {
		known = 0;
	}
	struct ship_diags d = SHIP_DIAGS_INIT;
	int got = known && ship_strategy_validate(svc, "svc.json", &d) == 0;
	ship_diags_release(&d);
	json_decref(v);
	json_decref(svc);
	return !known || got != r->want;
}

static void fargate_sizes(void **state)
{
	(void)state;
	rules_table_run("fargate", fargate_row, NULL);
}

static void breaker_threshold(void **state)
{
	(void)state;
	rules_table_run("breaker", breaker_row, NULL);
}

static void deploy_limits(void **state)
{
	(void)state;
	rules_table_run("deploylimit", deploylimit_row, NULL);
}

static void django_hosts(void **state)
{
	(void)state;
	rules_table_run("django", django_row, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(fargate_sizes),
	    TU_TEST(breaker_threshold),
	    TU_TEST(django_hosts),
	    TU_TEST(deploy_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
