/*
 * test_deploy.c: the deploy orchestration (lib/ecs/deploy.c, wait.c) against a scripted fake ECS
 * on the real client, with a fake clock: success only when our deployment completes, the
 * breaker's rollback is not a success, our own rollback when the breaker is off, no revision
 * sprawl, timeouts, a deployment in progress, replacement, throttled polls, the poll cadence.
 */
#include <stdlib.h>
#include <string.h>

#include "ecs_fixtures.h"
#include "ecship/deploy.h"
#include "testutil.h"

#define OURS FX_OURS
#define OLD FX_OLD
#define OTHER FX_OTHER
#define TD_NEW FX_TD_NEW
#define TD_OLD FX_TD_OLD

struct env {
	struct fx_ecs fx;
	struct ship_fake_clock clock;
	struct ship_aws *aws;
	json_t *taskdef;
	struct ship_deploy_opts o;
	struct ship_deploy_result res;
	struct ship_err err;
};

static struct env *env_new(void)
{
	struct env *e = ship_calloc(1, sizeof(*e));
	struct ship_err err = SHIP_ERR_INIT;
	setenv("AWS_ACCESS_KEY_ID", "AKIAECSHIPTEST000000", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "test/secret", 1);
	unsetenv("AWS_SESSION_TOKEN");
	fx_ecs_init(&e->fx);
	ship_fake_clock_init(&e->clock, 1700000000.0);
	struct ship_aws_options ao = {0};
	ao.region = "ap-northeast-1";
	ao.endpoint_url = "http://127.0.0.1:9";
	ao.clock = &e->clock.clock;
	ao.transport = fx_ecs_transport;
	ao.transport_ctx = &e->fx;
	ao.max_attempts = 3;
	e->aws = ship_aws_new(&ao, &err);
	if (!e->aws)
		fail_msg("ship_aws_new: %s", err.message);
	e->taskdef = json_pack("{s:s, s:[{s:s, s:s}]}", "family", "app", "containerDefinitions",
			       "name", "web", "image", "repo/app:v2");
	e->o.cluster = "c";
	e->o.service = "web";
	e->o.taskdef = e->taskdef;
	e->o.timeout = 600;
	e->fx.update_service = fx_service(1, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 0 0 0",
					  OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0");
	e->fx.latest_td = json_pack("{s:s, s:i, s:s, s:[{s:s, s:s}]}", "taskDefinitionArn", TD_OLD,
				    "revision", 7, "family", "app", "containerDefinitions", "name",
				    "web", "image", "repo/app:v1");
	ship_err_clear(&e->err);
	return e;
}

static void env_destroy(struct env *e)
{
	ship_aws_destroy(e->aws);
	json_decref(e->taskdef);
	fx_ecs_release(&e->fx);
	ship_free(e);
}

/* The service before the deploy: steady on the old revision. */
static void before(struct env *e, int breaker)
{
	fx_ecs_push(&e->fx, fx_service(breaker, OLD " PRIMARY COMPLETED " TD_OLD " 2 0 2 0", NULL));
}

static const char *update_td(struct env *e, int nth)
{
	json_t *b = fx_ecs_body(&e->fx, "UpdateService", nth);
	return b ? json_string_value(json_object_get(b, "taskDefinition")) : NULL;
}

static void completes_when_our_deployment_completes(void **state)
{
	(void)state;
	struct env *e = env_new();
	before(e, 1);
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 1 1 0",
				       OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0"));
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 0 2 0",
				       OLD " ACTIVE COMPLETED " TD_OLD " 2 0 1 0"));
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY COMPLETED " TD_NEW " 2 0 2 0", NULL));
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_COMPLETED);
	assert_true(e->res.registered);
	assert_string_equal(e->res.taskdef_arn, TD_NEW);
	assert_string_equal(e->res.previous_taskdef, TD_OLD);
	assert_string_equal(e->res.deployment_id, OURS);
	assert_int_equal(fx_ecs_count(&e->fx, "RegisterTaskDefinition"), 1);
	assert_int_equal(fx_ecs_count(&e->fx, "UpdateService"), 1);
	assert_string_equal(update_td(e, 0), TD_NEW);
	/* the previous revision is recorded on the service */
	json_t *tag = fx_ecs_body(&e->fx, "TagResource", 0);
	assert_non_null(tag);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(tag, "tags"), 0), "value")),
			    TD_OLD);
	/* the UpdateService answer was the first look: the first poll 1 s later, then 3 polls
	 * 1 s apart because each answer changed something */
	assert_int_equal(e->res.wait.polls, 3);
	assert_true(e->clock.slept == 3.0);
	env_destroy(e);
}

static void breaker_rollback_is_a_failure_not_a_success(void **state)
{
	(void)state;
	struct env *e = env_new();
	before(e, 1);
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 2 0 2",
				       OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0"));
	fx_ecs_push(&e->fx, fx_service(1, OTHER " PRIMARY IN_PROGRESS " TD_OLD " 2 0 2 0",
				       OURS " ACTIVE FAILED " TD_NEW " 0 0 0 3"));
	fx_ecs_push(&e->fx, fx_service(1, OTHER " PRIMARY COMPLETED " TD_OLD " 2 0 2 0", NULL));
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_FAILED);
	assert_true(e->res.rolled_back);
	assert_true(e->res.rollback_by_ecs);
	assert_int_equal(fx_ecs_count(&e->fx, "UpdateService"), 1); /* ECS rolled back, not us */
	assert_string_equal(e->res.final.taskdef, TD_OLD);
	env_destroy(e);
}

static void breaker_off_ecship_rolls_back_itself(void **state)
{
	(void)state;
	struct env *e = env_new();
	before(e, 0);
	json_decref(e->fx.update_service);
	e->fx.update_service = fx_service(0, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 0 0 0",
					  OLD " ACTIVE - " TD_OLD " 2 0 2 0");
	fx_ecs_push(&e->fx, fx_service(0, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 2 0 1",
				       OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0"));
	fx_ecs_push(&e->fx, fx_service(0, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 2 0 3",
				       OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0"));
	/* after our rollback UpdateService: its own deployment (OTHER) rolls to the old revision */
	e->fx.update_service2 = fx_service(0, OTHER " PRIMARY IN_PROGRESS " TD_OLD " 2 0 0 0",
					   OURS " ACTIVE IN_PROGRESS " TD_NEW " 2 2 0 3");
	fx_ecs_push(&e->fx, fx_service(0, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 2 0 3",
				       OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0"));
	fx_ecs_push(&e->fx, fx_service(0, OTHER " PRIMARY IN_PROGRESS " TD_OLD " 2 0 2 0",
				       OURS " ACTIVE IN_PROGRESS " TD_NEW " 0 0 0 3"));
	fx_ecs_push(&e->fx, fx_service(0, OTHER " PRIMARY COMPLETED " TD_OLD " 2 0 2 0", NULL));
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_FAILED);
	assert_true(e->res.rolled_back);
	assert_false(e->res.rollback_by_ecs);
	assert_int_equal(fx_ecs_count(&e->fx, "UpdateService"), 2);
	assert_string_equal(update_td(e, 1), TD_OLD);
	env_destroy(e);
}

static void no_rollback_leaves_it(void **state)
{
	(void)state;
	struct env *e = env_new();
	before(e, 0);
	fx_ecs_push(&e->fx, fx_service(0, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 2 0 3",
				       OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0"));
	e->o.no_rollback = 1;
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_FAILED);
	assert_false(e->res.rolled_back);
	assert_int_equal(fx_ecs_count(&e->fx, "UpdateService"), 1);
	assert_non_null(strstr(e->res.reason, "--no-rollback"));
	env_destroy(e);
}

static void unchanged_definition_registers_nothing(void **state)
{
	(void)state;
	struct env *e = env_new();
	json_decref(e->fx.latest_td);
	e->fx.latest_td = json_pack("{s:s, s:i, s:s, s:s, s:[{s:s, s:s, s:b}]}",
				    "taskDefinitionArn", TD_NEW, "revision", 8, "family", "app",
				    "status", "ACTIVE", "containerDefinitions", "name", "web",
				    "image", "repo/app:v2", "essential", 1);
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY COMPLETED " TD_NEW " 2 0 2 0", NULL));
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_UNCHANGED);
	assert_false(e->res.registered);
	assert_int_equal(fx_ecs_count(&e->fx, "RegisterTaskDefinition"), 0);
	assert_int_equal(fx_ecs_count(&e->fx, "UpdateService"), 0);
	env_destroy(e);
}

static void timeout_rolls_back_and_says_so(void **state)
{
	(void)state;
	struct env *e = env_new();
	before(e, 1);
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 2 0 0",
				       OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0"));
	e->o.timeout = 30;
	e->fx.update_service2 = fx_service(1, OTHER " PRIMARY IN_PROGRESS " TD_OLD " 2 0 0 0",
					   OURS " ACTIVE IN_PROGRESS " TD_NEW " 2 2 0 0");
	/* the answer never changes: polls slow down to 5 s, never slower */
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_TIMEOUT);
	assert_int_equal(fx_ecs_count(&e->fx, "UpdateService"), 2);
	assert_string_equal(update_td(e, 1), TD_OLD);
	assert_true(e->clock.slept >= 30.0);
	assert_false(e->res.rolled_back); /* the snapshots never show the rollback completing */
	env_destroy(e);
}

static void replaced_by_another_deploy_is_not_success(void **state)
{
	(void)state;
	struct env *e = env_new();
	before(e, 1);
	fx_ecs_push(&e->fx, fx_service(1, OTHER " PRIMARY IN_PROGRESS "
					     "arn:aws:ecs:ap-northeast-1:123456789012:task-definition/app:9"
					     " 2 0 0 0",
				       OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0"));
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_REPLACED);
	assert_int_equal(fx_ecs_count(&e->fx, "UpdateService"), 1); /* no rollback over theirs */
	env_destroy(e);
}

static void waits_for_a_deployment_in_progress_first(void **state)
{
	(void)state;
	struct env *e = env_new();
	fx_ecs_push(&e->fx, fx_service(1, OLD " PRIMARY IN_PROGRESS " TD_OLD " 2 1 1 0",
				       "ecs-svc/0 ACTIVE COMPLETED app:6 2 0 1 0"));
	fx_ecs_push(&e->fx, fx_service(1, OLD " PRIMARY COMPLETED " TD_OLD " 2 0 2 0", NULL));
	fx_ecs_push(&e->fx, fx_service(1, OLD " PRIMARY COMPLETED " TD_OLD " 2 0 2 0", NULL));
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY COMPLETED " TD_NEW " 2 0 2 0", NULL));
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_COMPLETED);
	assert_string_equal(e->res.previous_taskdef, TD_OLD);
	env_destroy(e);

	e = env_new();
	fx_ecs_push(&e->fx, fx_service(1, OLD " PRIMARY IN_PROGRESS " TD_OLD " 2 1 1 0", NULL));
	e->o.refuse_if_busy = 1;
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_REFUSED);
	assert_int_equal(fx_ecs_count(&e->fx, "RegisterTaskDefinition"), 0);
	assert_non_null(strstr(e->res.reason, "in progress"));
	env_destroy(e);
}

static void first_deploy_creates_with_the_breaker_on(void **state)
{
	(void)state;
	struct env *e = env_new();
	fx_ecs_push(&e->fx, NULL); /* MISSING */
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY COMPLETED " TD_NEW " 2 0 2 0", NULL));
	json_decref(e->fx.latest_td);
	e->fx.latest_td = NULL;
	json_t *sd = json_pack("{s:s, s:s, s:i}", "serviceName", "web", "launchType", "FARGATE",
			       "desiredCount", 2);
	e->o.service_def = sd;
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_COMPLETED);
	assert_true(e->res.created);
	json_t *b = fx_ecs_body(&e->fx, "CreateService", 0);
	assert_non_null(b);
	json_t *cb = json_object_get(json_object_get(b, "deploymentConfiguration"),
				     "deploymentCircuitBreaker");
	assert_true(json_is_true(json_object_get(cb, "enable")));
	assert_true(json_is_true(json_object_get(cb, "rollback")));
	assert_string_equal(json_string_value(json_object_get(b, "taskDefinition")), TD_NEW);
	json_decref(sd);
	env_destroy(e);
}

static void throttled_polls_back_off_and_go_on(void **state)
{
	(void)state;
	struct env *e = env_new();
	before(e, 1);
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 1 1 0",
				       OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0"));
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY COMPLETED " TD_NEW " 2 0 2 0", NULL));
	e->fx.throttle_every = 2; /* every other call is throttled */
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_COMPLETED);
	assert_true(e->res.wait.throttled_polls > 0);
	env_destroy(e);
}

static void throttled_before_the_change_persists_unreachable_fails_fast(void **state)
{
	(void)state;
	struct env *e = env_new();
	before(e, 1);
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY COMPLETED " TD_NEW " 2 0 2 0", NULL));
	e->fx.throttle_first = 7; /* DescribeServices throttled 7 times before anything changed */
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_COMPLETED);
	env_destroy(e);

	e = env_new();
	before(e, 1);
	e->fx.refuse_first = 100; /* a wrong endpoint: no answer at all */
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), -1);
	assert_int_equal(e->err.code, SHIP_ERR_NETWORK);
	assert_int_equal(e->fx.calls, 3); /* the normal attempts, then it gives up */
	assert_int_equal(fx_ecs_count(&e->fx, "RegisterTaskDefinition"), 0);
	env_destroy(e);
}

static void polls_stay_fast_when_completion_is_near(void **state)
{
	(void)state;
	struct env *e = env_new();
	before(e, 1);
	/* all new tasks run, the old ones drain for a while with nothing else changing */
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 0 2 0",
				       OLD " ACTIVE COMPLETED " TD_OLD " 0 0 2 0"));
	for (int i = 0; i < 8; i++)
		fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 0 2 0",
					       OLD " ACTIVE COMPLETED " TD_OLD " 0 0 2 0"));
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY COMPLETED " TD_NEW " 2 0 2 0", NULL));
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_COMPLETED);
	/* 10 polls, each 1 s apart (no backing off while completion is near), after the first 1 s */
	assert_int_equal(e->res.wait.polls, 10);
	assert_true(e->clock.slept == 10.0);
	env_destroy(e);
}

static void quiet_deployments_back_off_to_5_s(void **state)
{
	(void)state;
	struct env *e = env_new();
	before(e, 1);
	/* new tasks still pending: nothing changes for a long time */
	for (int i = 0; i < 12; i++)
		fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 2 0 0",
					       OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0"));
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY COMPLETED " TD_NEW " 2 0 2 0", NULL));
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_COMPLETED);
	assert_int_equal(e->res.wait.polls, 13);
	/* 1 s to the first poll, then 1, 1.5, 2.25, 3.375 and 5 s eight times (12 pauses) */
	assert_true(e->clock.last_sleep == 5.0);
	assert_true(e->clock.slept > 1 + 1 + 1.5 + 2.25 + 3.375 + 5 * 8 - 0.01);
	assert_true(e->clock.slept < 1 + 1 + 1.5 + 2.25 + 3.375 + 5 * 8 + 0.01);
	env_destroy(e);
}

static void a_started_deploy_persists_through_throttling(void **state)
{
	(void)state;
	struct env *e = env_new();
	before(e, 1);
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY COMPLETED " TD_NEW " 2 0 2 0", NULL));
	e->fx.throttle_after_register = 7; /* more than the client's 3 attempts, twice over */
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_COMPLETED);
	assert_int_equal(fx_ecs_count(&e->fx, "RegisterTaskDefinition"), 1);
	/* outside a deploy the same throttling ends the call after 3 attempts */
	json_t *svc = NULL;
	e->fx.calls = 0;
	e->fx.throttle_first = 3;
	assert_int_equal(ship_ecs_describe_service(e->aws, "c", "web", &svc, &e->err), -1);
	assert_string_equal(e->err.aws_code, "ThrottlingException");
	assert_null(svc);
	env_destroy(e);
}

static void dry_run_changes_nothing(void **state)
{
	(void)state;
	struct env *e = env_new();
	before(e, 1);
	e->o.dry_run = 1;
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_DRY_RUN);
	assert_int_equal(fx_ecs_count(&e->fx, "RegisterTaskDefinition"), 0);
	assert_int_equal(fx_ecs_count(&e->fx, "UpdateService"), 0);
	assert_int_equal(fx_ecs_count(&e->fx, "TagResource"), 0);
	assert_non_null(strstr(e->res.reason, "would update"));
	env_destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TU_TEST(completes_when_our_deployment_completes),
	    TU_TEST(breaker_rollback_is_a_failure_not_a_success),
	    TU_TEST(breaker_off_ecship_rolls_back_itself),
	    TU_TEST(no_rollback_leaves_it),
	    TU_TEST(unchanged_definition_registers_nothing),
	    TU_TEST(timeout_rolls_back_and_says_so),
	    TU_TEST(replaced_by_another_deploy_is_not_success),
	    TU_TEST(waits_for_a_deployment_in_progress_first),
	    TU_TEST(first_deploy_creates_with_the_breaker_on),
	    TU_TEST(throttled_polls_back_off_and_go_on),
	    TU_TEST(dry_run_changes_nothing),
	    TU_TEST(a_started_deploy_persists_through_throttling),
	    TU_TEST(polls_stay_fast_when_completion_is_near),
	    TU_TEST(throttled_before_the_change_persists_unreachable_fails_fast),
	    TU_TEST(quiet_deployments_back_off_to_5_s),
	};
	return cmocka_run_group_tests_name("deploy", tests, NULL, NULL);
}
