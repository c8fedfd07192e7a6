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
#include "ecship/tasks.h"
#include "private/deploy.h"
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
	int ctrl_c_on_register; /* the client's cancellation flag goes up once a register was sent
				 */
};

/* The client's cancellation callback (the CLI's: a Ctrl-C was pressed). */
static int env_cancelled(void *ctx)
{
	struct env *e = ctx;
	return e->ctrl_c_on_register && fx_ecs_count(&e->fx, "RegisterTaskDefinition") > 0;
}

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
	ao.cancelled = env_cancelled;
	ao.cancel_ctx = e;
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

/* ---- retries of the non-idempotent register (docs/retries.md) ------------------------------ */

static void ctrl_c_ends_a_register_retry(void **state)
{
	(void)state;
	struct env *e = env_new();
	before(e, 1);
	e->fx.register_fail = 1000; /* HTTP 500 to every attempt: the deploy would retry until its
				       timeout */
	e->ctrl_c_on_register = 1;  /* Ctrl-C while the first attempt is on its way */
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), -1);
	assert_int_equal(e->err.code, SHIP_ERR_INTERRUPTED);
	assert_non_null(strstr(e->err.message, "RegisterTaskDefinition"));
	assert_int_equal(fx_ecs_count(&e->fx, "RegisterTaskDefinition"), 1);
	assert_int_equal(fx_ecs_count(&e->fx, "UpdateService"), 0);
	assert_true(e->clock.slept < 1.0); /* ended at once, not after backing off */
	env_destroy(e);
}

static void a_lost_register_answer_is_not_registered_twice(void **state)
{
	(void)state;
	struct env *e = env_new();
	before(e, 1);
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY COMPLETED " TD_NEW " 2 0 2 0", NULL));
	e->fx.register_fail = 1; /* answered 500, but it did register the revision */
	e->fx.register_lost = 1;
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_COMPLETED);
	assert_string_equal(e->res.taskdef_arn, TD_NEW);
	assert_true(e->res.registered);
	assert_int_equal(fx_ecs_count(&e->fx, "RegisterTaskDefinition"), 1);
	/* the latest revision was read before registering and once more after the failure */
	assert_int_equal(fx_ecs_count(&e->fx, "DescribeTaskDefinition"), 2);
	env_destroy(e);
}

static void a_failed_register_is_retried_like_every_call(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct ship_aws_stats st;
	before(e, 1);
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY COMPLETED " TD_NEW " 2 0 2 0", NULL));
	e->fx.register_fail = 1; /* answered 500 and did not register it: it is sent again */
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_COMPLETED);
	assert_int_equal(fx_ecs_count(&e->fx, "RegisterTaskDefinition"), 2);
	ship_aws_stats(e->aws, &st);
	assert_int_equal(st.retries, 1); /* one retry of the client's, not a loop of its own */
	env_destroy(e);

	/* the client's backoff (full jitter, base 1 s, cap 20 s) and its retry quota */
	e = env_new();
	before(e, 1);
	e->fx.register_fail = 1000;
	e->o.timeout = 30;
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), -1);
	assert_string_equal(e->err.aws_code, "ServerException");
	int n = fx_ecs_count(&e->fx, "RegisterTaskDefinition");
	/* random 0.5: 0.5, 1, 2, 4, 8, 10, 10 ... s; gives up when the next wait passes 30 s */
	assert_int_equal(n, 7);
	assert_true(e->clock.slept > 25.4 && e->clock.slept < 25.6);
	/* each retry took 5 tokens; each check of the latest revision, answered at once, gave 1 */
	assert_int_equal(ship_aws_retry_quota(e->aws), 500 - 5 * (n - 1) + (n - 1));
	assert_int_equal(fx_ecs_count(&e->fx, "UpdateService"), 0);
	env_destroy(e);
}

/* ---- the three stages of a start, each on its own, from tables ---------------------------------
 */

#define BUSY OLD " PRIMARY IN_PROGRESS " TD_OLD " 2 1 1 0"
#define STEADY OLD " PRIMARY COMPLETED " TD_OLD " 2 0 2 0"
#define GONE_ "gone" /* a snapshot of a service that is MISSING */

struct observe_case {
	const char *name;
	const char *snaps[3]; /* successive DescribeServices answers (GONE_: MISSING) */
	int refuse_if_busy, dry_run;
	double timeout;
	/* expected */
	int rc;
	enum ship_deploy_outcome outcome;
	const char *previous;
	int exists, describes;
	const char *reason; /* a substring, or NULL */
	int no_def;	    /* no service definition (else one to create the service from) */
	const char *error;  /* a substring of the error (rc -1), or NULL */
};

static const struct observe_case s_observe[] = {
    {"a missing service", {GONE_}, 0, 0, 600, 0, SHIP_DEPLOY_NONE, "", 0, 1, NULL, 0, NULL},
    /* nothing can create it: refused here, before any registration (a user trial saw a deploy
     * of 30 services register revisions and start services, then exit 2 "nothing changed") */
    {"a missing service without a definition",
     {GONE_},
     0,
     0,
     600,
     -1,
     SHIP_DEPLOY_NONE,
     "",
     0,
     1,
     NULL,
     1,
     "service_definition: FILE"},
    {"a steady service", {STEADY}, 0, 0, 600, 0, SHIP_DEPLOY_NONE, TD_OLD, 1, 1, NULL, 0, NULL},
    {"busy, --refuse-if-busy", {BUSY}, 1, 0, 600, 1, SHIP_DEPLOY_REFUSED, "", 1, 1, "in progress", 0, NULL},
    {"busy, --dry-run only notes it", {BUSY}, 0, 1, 600, 0, SHIP_DEPLOY_NONE, TD_OLD, 1, 1, NULL, 0, NULL},
    {"busy, waited for", {BUSY, STEADY}, 0, 0, 600, 0, SHIP_DEPLOY_NONE, TD_OLD, 1, 3, NULL, 0, NULL},
    {"busy, deleted while waiting",
     {BUSY, GONE_},
     0,
     0,
     600,
     1,
     SHIP_DEPLOY_FAILED,
     "",
     1,
     2,
     "was deleted",
     0,
     NULL},
    {"busy, outlasts the timeout",
     {BUSY},
     0,
     0,
     20,
     1,
     SHIP_DEPLOY_TIMEOUT,
     "",
     1,
     -1,
     "did not finish in time",
     0,
     NULL},
};

static void observe_stage_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(s_observe) / sizeof(s_observe[0]); i++) {
		const struct observe_case *c = &s_observe[i];
		struct env *e = env_new();
		struct ship_deploy_start st;
		struct ship_call_opts call = {0};
		memset(&st, 0, sizeof(st));
		for (int k = 0; k < 3 && c->snaps[k]; k++)
			fx_ecs_push(&e->fx, strcmp(c->snaps[k], GONE_)
						? fx_service(1, c->snaps[k], NULL)
						: NULL);
		e->o.refuse_if_busy = c->refuse_if_busy;
		e->o.dry_run = c->dry_run;
		e->o.timeout = c->timeout;
		/* a missing service is created from a definition (the live one's checks are others') */
		json_t *def = c->no_def || strcmp(c->snaps[0], GONE_)
				  ? NULL
				  : json_pack("{s:s}", "launchType", "FARGATE");
		e->o.service_def = def;
		int rc = ship_deploy_observe(e->aws, &call, &e->o, &st, &e->res, &e->err);
		print_message("case: %s\n", c->name);
		assert_int_equal(rc, c->rc);
		if (c->error)
			assert_non_null(strstr(e->err.message, c->error));
		assert_int_equal(e->res.outcome, c->outcome);
		if (!c->rc) {
			assert_string_equal(e->res.previous_taskdef, c->previous);
			assert_int_equal(st.svc != NULL, c->exists);
			assert_true(st.cur.primed);
		}
		if (c->describes >= 0)
			assert_int_equal(fx_ecs_count(&e->fx, "DescribeServices"), c->describes);
		if (c->reason)
			assert_non_null(strstr(e->res.reason, c->reason));
		assert_true(call.persist_until == 0); /* nothing changed yet */
		assert_int_equal(fx_ecs_count(&e->fx, "RegisterTaskDefinition") +
				     fx_ecs_count(&e->fx, "UpdateService"),
				 0);
		ship_deploy_start_release(&st);
		json_decref(def);
		env_destroy(e);
	}
}

enum latest { LATEST_NONE, LATEST_SAME, LATEST_OTHER };

struct revision_case {
	const char *name;
	enum latest latest;
	int dry_run, no_family;
	/* expected */
	int rc, registered, same, registers;
	const char *arn;
};

static const struct revision_case s_revision[] = {
    {"a new family is registered", LATEST_NONE, 0, 0, 0, 1, 0, 1, TD_NEW},
    {"the same definition is reused", LATEST_SAME, 0, 0, 0, 0, 1, 0, TD_NEW},
    {"a changed definition is registered", LATEST_OTHER, 0, 0, 0, 1, 0, 1, TD_NEW},
    {"a dry run registers nothing", LATEST_OTHER, 1, 0, 0, 0, 0, 0, ""},
    {"a definition without family", LATEST_OTHER, 0, 1, -1, 0, 0, 0, ""},
};

static void ensure_revision_stage_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(s_revision) / sizeof(s_revision[0]); i++) {
		const struct revision_case *c = &s_revision[i];
		struct env *e = env_new();
		struct ship_deploy_start st;
		struct ship_call_opts call = {0};
		memset(&st, 0, sizeof(st));
		json_decref(e->fx.latest_td);
		e->fx.latest_td = NULL;
		if (c->latest == LATEST_SAME)
			e->fx.latest_td = json_pack("{s:s, s:i, s:s, s:[{s:s, s:s}]}",
						    "taskDefinitionArn", TD_NEW, "revision", 8,
						    "family", "app", "containerDefinitions", "name",
						    "web", "image", "repo/app:v2");
		else if (c->latest == LATEST_OTHER)
			e->fx.latest_td = json_pack("{s:s, s:i, s:s, s:[{s:s, s:s}]}",
						    "taskDefinitionArn", TD_OLD, "revision", 7,
						    "family", "app", "containerDefinitions", "name",
						    "web", "image", "repo/app:v1");
		if (c->no_family)
			json_object_del(e->taskdef, "family");
		e->o.dry_run = c->dry_run;
		int rc = ship_deploy_ensure_revision(e->aws, &call, &e->o, &st, &e->res, &e->err);
		print_message("case: %s\n", c->name);
		assert_int_equal(rc, c->rc);
		assert_int_equal(e->res.registered, c->registered);
		assert_int_equal(st.same, c->same);
		assert_int_equal(fx_ecs_count(&e->fx, "RegisterTaskDefinition"), c->registers);
		assert_string_equal(e->res.taskdef_arn, c->arn);
		/* registering is the first change: from then on the deploy persists (retries.md) */
		assert_int_equal(call.persist_until > 0, c->registers > 0);
		assert_int_equal(e->res.outcome, SHIP_DEPLOY_NONE);
		env_destroy(e);
	}
}

struct apply_case {
	const char *name;
	int exists, same, force_new, dry_run, with_def;
	const char *answer; /* the UpdateService/CreateService answer's first deployment */
	/* expected */
	int rc;
	enum ship_deploy_outcome outcome;
	const char *op; /* the call that changed the service, or NULL */
	int created;
	const char *reason;
};

#define STARTED_ OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 0 0 0"
static const struct apply_case s_apply[] = {
    {"unchanged", 1, 1, 0, 0, 0, STARTED_, 1, SHIP_DEPLOY_UNCHANGED, NULL, 0, "already runs"},
    {"unchanged, forced", 1, 1, 1, 0, 0, STARTED_, 1, SHIP_DEPLOY_STARTED, "UpdateService", 0,
     "started"},
    {"an update", 1, 0, 0, 0, 0, STARTED_, 1, SHIP_DEPLOY_STARTED, "UpdateService", 0, "started"},
    {"a dry-run update", 1, 0, 0, 1, 0, STARTED_, 1, SHIP_DEPLOY_DRY_RUN, NULL, 0,
     "would update service 'web' from app:7 to app:8"},
    {"a dry-run creation", 0, 0, 0, 1, 1, STARTED_, 1, SHIP_DEPLOY_DRY_RUN, NULL, 0,
     "would create service 'web'"},
    {"a creation", 0, 0, 0, 0, 1, STARTED_, 1, SHIP_DEPLOY_STARTED, "CreateService", 1, "started"},
    {"no service and no definition", 0, 0, 0, 0, 0, STARTED_, -1, SHIP_DEPLOY_NONE, NULL, 0, NULL},
    {"an answer without PRIMARY", 1, 0, 0, 0, 0, OURS " ACTIVE IN_PROGRESS " TD_NEW " 2 0 0 0", -1,
     SHIP_DEPLOY_NONE, "UpdateService", 0, NULL},
};

static void apply_stage_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(s_apply) / sizeof(s_apply[0]); i++) {
		const struct apply_case *c = &s_apply[i];
		struct env *e = env_new();
		struct ship_deploy_start st;
		struct ship_call_opts call = {0};
		json_t *def = json_pack("{s:s, s:i}", "launchType", "FARGATE", "desiredCount", 2);
		memset(&st, 0, sizeof(st));
		if (c->exists) {
			st.svc = fx_service(1, STEADY, NULL);
			assert_int_equal(ship_service_view_parse(st.svc, &st.view, &e->err), 0);
			snprintf(e->res.previous_taskdef, sizeof(e->res.previous_taskdef), "%s",
				 TD_OLD);
		}
		st.same = c->same;
		snprintf(e->res.taskdef_arn, sizeof(e->res.taskdef_arn), "%s",
			 c->same ? TD_OLD : TD_NEW);
		e->o.force_new = c->force_new;
		e->o.dry_run = c->dry_run;
		e->o.service_def = c->with_def ? def : NULL;
		json_decref(e->fx.update_service);
		e->fx.update_service = fx_service(1, c->answer, NULL);
		int rc = ship_deploy_apply(e->aws, &call, &e->o, &st, &e->res, &e->err);
		print_message("case: %s\n", c->name);
		assert_int_equal(rc, c->rc);
		assert_int_equal(e->res.outcome, c->outcome);
		assert_int_equal(e->res.created, c->created);
		assert_int_equal(fx_ecs_count(&e->fx, "UpdateService"),
				 c->op && !strcmp(c->op, "UpdateService"));
		assert_int_equal(fx_ecs_count(&e->fx, "CreateService"),
				 c->op && !strcmp(c->op, "CreateService"));
		/* an update records the revision it replaces first */
		assert_int_equal(fx_ecs_count(&e->fx, "TagResource"),
				 c->op && !strcmp(c->op, "UpdateService"));
		if (c->op && !strcmp(c->op, "UpdateService"))
			assert_int_equal(
			    json_is_true(json_object_get(fx_ecs_body(&e->fx, "UpdateService", 0),
							 "forceNewDeployment")),
			    c->force_new);
		if (c->outcome == SHIP_DEPLOY_STARTED)
			assert_string_equal(e->res.deployment_id, OURS);
		if (c->reason)
			assert_non_null(strstr(e->res.reason, c->reason));
		assert_int_equal(call.persist_until > 0, c->op != NULL);
		json_decref(def);
		ship_deploy_start_release(&st);
		env_destroy(e);
	}
}

static void a_zeroed_result_is_not_a_success(void **state)
{
	(void)state;
	struct ship_deploy_result r;
	memset(&r, 0, sizeof(r));
	assert_int_equal(r.outcome, SHIP_DEPLOY_NONE);
	assert_int_not_equal(r.outcome, SHIP_DEPLOY_COMPLETED);
	assert_string_equal(ship_deploy_outcome_name(r.outcome), "none");
}

/* ---- one engine for one or many services ------------------------------------------------------
 */

/* Two services of cluster "c", "web" and "worker", deployed together. */
static void two_services(struct env *e, struct ship_deploy_opts opts[2])
{
	opts[0] = e->o;
	opts[1] = e->o;
	opts[1].service = "worker";
}

/*
 * A service deleted during the deploy (DeleteService while our deployment runs; DescribeServices
 * then reports it MISSING, and UpdateService answers ServiceNotActiveException: "The specified
 * service isn't active. You can't update a service that's inactive." — ECS API Reference,
 * UpdateService errors): alone and in a group it is the same outcome, "failed", with results for
 * every service; it is not rolled back (nothing is left), the others are.
 */
static void a_deleted_service_fails_alike_alone_and_in_a_group(void **state)
{
	(void)state;
	struct env *e = env_new();
	before(e, 1);
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 1 1 0",
				       OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0"));
	fx_ecs_push(&e->fx, NULL); /* deleted */
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_FAILED);
	assert_non_null(strstr(e->res.reason, "was deleted"));
	assert_int_equal(fx_ecs_count(&e->fx, "UpdateService"), 1); /* no rollback attempted */
	env_destroy(e);

	e = env_new();
	struct ship_deploy_opts opts[2];
	struct ship_deploy_result res[2];
	two_services(e, opts);
	before(e, 1); /* web: steady, then our deployment completes */
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 1 1 0",
				       OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0"));
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY COMPLETED " TD_NEW " 2 0 2 0", NULL));
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY COMPLETED " TD_NEW " 2 0 2 0", NULL));
	/* web's rollback: its own deployment back to the old revision */
	e->fx.update_service2 = fx_service(1, OTHER " PRIMARY IN_PROGRESS " TD_OLD " 2 0 0 0",
					   OURS " ACTIVE COMPLETED " TD_NEW " 2 0 2 0");
	fx_ecs_push(&e->fx, fx_service(1, OTHER " PRIMARY COMPLETED " TD_OLD " 2 0 2 0", NULL));
	/* worker: steady, then deleted */
	fx_ecs_push_worker(&e->fx, fx_service_named("worker", 1, STEADY, NULL));
	fx_ecs_push_worker(&e->fx, NULL);
	assert_int_equal(ship_deploy_many(e->aws, opts, 2, res, &e->err), 0);
	assert_int_equal(res[1].outcome, SHIP_DEPLOY_FAILED);
	assert_non_null(strstr(res[1].reason, "service 'worker' was deleted while deployment"));
	assert_false(res[1].rolled_back);
	assert_int_equal(res[0].outcome, SHIP_DEPLOY_FAILED);
	assert_non_null(strstr(res[0].reason, "rolled back because service 'worker' failed"));
	assert_true(res[0].rolled_back);
	/* web, worker, then web's rollback; never an UpdateService of the deleted worker again */
	assert_int_equal(fx_ecs_count(&e->fx, "UpdateService"), 3);
	assert_string_equal(update_td(e, 2), TD_OLD);
	env_destroy(e);
}

/*
 * A service that does not exist and has no service definition to create it from stops a deploy of
 * several before anything changes in AWS: no revision registered, no service updated (a user
 * trial: 30 services, exit 2 "nothing was changed" after eight RegisterTaskDefinition calls).
 */
static void a_service_that_cannot_be_created_stops_the_group_first(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct ship_deploy_opts opts[2];
	struct ship_deploy_result res[2];
	two_services(e, opts);
	before(e, 1);
	fx_ecs_push_worker(&e->fx, NULL); /* missing, and no service definition to create it */
	assert_int_equal(ship_deploy_many(e->aws, opts, 2, res, &e->err), -1);
	assert_int_equal(e->err.code, SHIP_ERR_INPUT);
	assert_non_null(strstr(e->err.message, "service 'worker'"));
	assert_non_null(strstr(e->err.message, "service_definition: FILE"));
	assert_int_equal(res[1].outcome, SHIP_DEPLOY_NONE);
	assert_non_null(strstr(res[1].reason, "does not exist"));
	assert_int_equal(res[0].outcome, SHIP_DEPLOY_NONE);
	assert_non_null(strstr(res[0].reason, "service 'worker' did not start"));
	assert_int_equal(fx_ecs_count(&e->fx, "RegisterTaskDefinition"), 0);
	assert_int_equal(fx_ecs_count(&e->fx, "UpdateService"), 0);
	env_destroy(e);
}

/* ---- ECS's own record of our service deployment (lib/ecs/svcdeploy.c) --------------------------
 */

#define SDEP_WEB "arn:aws:ecs:ap-northeast-1:123456789012:service-deployment/c/web/AAAAAAAAAAAAAAAAAAAAAA"
#define SDEP_WORKER                                                                                \
	"arn:aws:ecs:ap-northeast-1:123456789012:service-deployment/c/worker/BBBBBBBBBBBBBBBBBBBBBB"

/* The UpdateService answer names our service deployment; records[arn] its successive statuses. */
static void with_record(struct env *e, const char *arn, json_t *statuses)
{
	json_object_set_new(e->fx.update_service, "currentServiceDeployment", json_string(arn));
	if (!e->fx.records)
		e->fx.records = json_object();
	json_object_set_new(e->fx.records, arn, statuses);
}

/*
 * ECS's record is the truth (issue 12, item 1): deployments[] show ours COMPLETED, but the
 * record says ECS rolls it back (ROLLBACK_IN_PROGRESS; ECS API Reference, API_ServiceDeployment):
 * the deploy failed, ECS's rollback is waited for until ROLLBACK_SUCCESSFUL, and ecship sends no
 * rollback of its own. deployments[] alone would have called it a success.
 */
static void the_record_decides_not_deployments(void **state)
{
	(void)state;
	struct env *e = env_new();
	before(e, 1);
	with_record(e, SDEP_WEB,
		    json_pack("[s, s, s, s]", "IN_PROGRESS", "ROLLBACK_IN_PROGRESS",
			      "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL"));
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 1 1 0",
				       OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0"));
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY COMPLETED " TD_NEW " 2 0 2 0", NULL));
	fx_ecs_push(&e->fx, fx_service(1, OLD " PRIMARY IN_PROGRESS " TD_OLD " 2 0 2 0",
				       OURS " ACTIVE COMPLETED " TD_NEW " 2 0 2 0"));
	fx_ecs_push(&e->fx, fx_service(1, OLD " PRIMARY COMPLETED " TD_OLD " 2 0 2 0", NULL));
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_FAILED);
	assert_non_null(strstr(e->res.reason, "(ECS: ROLLBACK_IN_PROGRESS)"));
	assert_true(e->res.rolled_back);
	assert_true(e->res.rollback_by_ecs);
	assert_int_equal(fx_ecs_count(&e->fx, "UpdateService"), 1); /* ECS rolled back, not us */
	assert_true(e->res.wait.sdep_calls >= 2);
	assert_int_equal(fx_ecs_count(&e->fx, "DescribeServiceDeployments"),
			 (int)e->res.wait.sdep_calls);
	env_destroy(e);
}

/*
 * Several services: one DescribeServiceDeployments asks for both records (the API takes up to
 * 20 ARNs: API_DescribeServiceDeployments), and only on the polls where something may have
 * changed, not on every poll.
 */
static void two_services_share_each_record_call(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct ship_deploy_opts opts[2];
	struct ship_deploy_result res[2];
	two_services(e, opts);
	before(e, 1);
	with_record(e, SDEP_WEB, json_pack("[s, s]", "IN_PROGRESS", "SUCCESSFUL"));
	e->fx.worker_update = json_deep_copy(e->fx.update_service);
	json_object_set_new(e->fx.worker_update, "currentServiceDeployment",
			    json_string(SDEP_WORKER));
	json_object_set_new(e->fx.records, SDEP_WORKER,
			    json_pack("[s, s]", "IN_PROGRESS", "SUCCESSFUL"));
	const char *seq[] = {OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 1 1 0",
			     OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 0 2 0",
			     OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 0 2 0",
			     OURS " PRIMARY COMPLETED " TD_NEW " 2 0 2 0"};
	fx_ecs_push_worker(&e->fx, fx_service_named("worker", 1, STEADY, NULL));
	for (size_t i = 0; i < 4; i++) {
		const char *old = i < 3 ? OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0" : NULL;
		fx_ecs_push(&e->fx, fx_service(1, seq[i], old));
		fx_ecs_push_worker(&e->fx, fx_service_named("worker", 1, seq[i], old));
	}
	assert_int_equal(ship_deploy_many(e->aws, opts, 2, res, &e->err), 0);
	assert_int_equal(res[0].outcome, SHIP_DEPLOY_COMPLETED);
	assert_int_equal(res[1].outcome, SHIP_DEPLOY_COMPLETED);
	assert_non_null(strstr(res[1].reason, "(ECS: SUCCESSFUL)"));
	int calls = fx_ecs_count(&e->fx, "DescribeServiceDeployments");
	json_t *first = fx_ecs_body(&e->fx, "DescribeServiceDeployments", 0);
	assert_int_equal(json_array_size(json_object_get(first, "serviceDeploymentArns")), 2);
	/* the first poll and the poll where deployments[] changed: 2 calls for 4 polls */
	assert_int_equal(calls, 2);
	assert_true(res[0].wait.polls >= 4);
	env_destroy(e);
}

/* Where the API is missing (an UnknownOperationException, as emulators answer), deployments[]
 * decide, and the record is not asked again. */
static void without_the_api_deployments_decide(void **state)
{
	(void)state;
	struct env *e = env_new();
	before(e, 1);
	with_record(e, SDEP_WEB, json_pack("[s]", "IN_PROGRESS"));
	e->fx.records_missing = 1;
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 1 1 0",
				       OLD " ACTIVE COMPLETED " TD_OLD " 2 0 2 0"));
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY IN_PROGRESS " TD_NEW " 2 0 2 0", NULL));
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY COMPLETED " TD_NEW " 2 0 2 0", NULL));
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_COMPLETED);
	assert_null(strstr(e->res.reason, "ECS: "));
	assert_int_equal(fx_ecs_count(&e->fx, "DescribeServiceDeployments"), 1);
	env_destroy(e);
}

/* ---- identifiers as long as ECS allows, never truncated (include/ecship/limits.h) ---------------
 */

static void identifiers_as_long_as_ecs_allows_fit_longer_ones_are_errors(void **state)
{
	(void)state;
	char name[256], arn[1024];
	struct ship_service_view v;
	struct ship_err err = SHIP_ERR_INIT;
	/* "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens" (ECS API
	 * Reference, CreateCluster.clusterName and CreateService.serviceName) */
	memset(name, 'n', 255);
	name[255] = '\0';
	snprintf(arn, sizeof(arn), "arn:aws-us-gov:ecs:us-gov-west-1:123456789012:service/%s/%s",
		 name, name);
	json_t *svc = fx_service(1, STEADY, NULL);
	json_object_set_new(svc, "serviceName", json_string(name));
	json_object_set_new(svc, "serviceArn", json_string(arn));
	assert_int_equal(ship_service_view_parse(svc, &v, &err), 0);
	assert_string_equal(v.arn, arn); /* 580 characters, whole */
	assert_string_equal(v.name, name);
	/* longer than any ECS ARN can be: an error, not a cut */
	memset(arn, 'a', 800);
	arn[800] = '\0';
	json_object_set_new(svc, "serviceArn", json_string(arn));
	assert_int_equal(ship_service_view_parse(svc, &v, &err), -1);
	assert_int_equal(err.code, SHIP_ERR_PROTOCOL);
	assert_non_null(strstr(err.message, "service ARN of 800 characters"));
	json_decref(svc);

	/* a task of such a service: its group "service:NAME" is 263 characters */
	struct ship_task_info t;
	char group[300];
	snprintf(group, sizeof(group), "service:%s", name);
	json_t *task = json_pack(
	    "{s:s, s:s, s:s}", "taskArn",
	    "arn:aws:ecs:ap-northeast-1:123456789012:task/c/0123456789abcdef0123456789abcdef",
	    "taskDefinitionArn", TD_NEW, "group", group);
	assert_int_equal(ship_task_parse(task, &t), 0);
	assert_string_equal(t.group, group);
	json_object_set_new(task, "taskDefinitionArn", json_string(arn));
	assert_int_equal(ship_task_parse(task, &t), -1);
	json_decref(task);
}

/* `deploy --pre-run` makes its calls with the deploy's retry persistence, as the deploy's own. */
static int seen_hook(void *ctx, const char *arn, const struct ship_call_opts *call,
		     struct ship_err *err)
{
	struct ship_call_opts *seen = ctx;
	(void)err;
	assert_string_equal(arn, TD_NEW);
	*seen = *call;
	return 0;
}

static void the_pre_run_hook_gets_the_deploys_call_options(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct ship_call_opts seen;
	memset(&seen, 0, sizeof(seen));
	before(e, 1);
	fx_ecs_push(&e->fx, fx_service(1, OURS " PRIMARY COMPLETED " TD_NEW " 2 0 2 0", NULL));
	e->o.before_update = seen_hook;
	e->o.before_update_ctx = &seen;
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	assert_int_equal(e->res.outcome, SHIP_DEPLOY_COMPLETED);
	/* registering was the first change: persist until the deploy's timeout from then */
	assert_true(seen.persist_until >= 1700000000.0 + 600);
	assert_true(seen.persist_answered_until >= 1700000000.0 + 600);
	assert_null(seen.took_effect);
	env_destroy(e);
}

/* Issue 11: the service definition's changes go into the same UpdateService as the revision
 * (the members of UpdateServiceRequest in botocore's ECS model); desiredCount stays live. */
static void service_definition_changes_go_into_the_update(void **state)
{
	(void)state;
	struct env *e = env_new();
	json_t *def = json_pack("{s:i, s:i, s:{s:{s:[s]}}}", "desiredCount", 9,
				"healthCheckGracePeriodSeconds", 180, "networkConfiguration",
				"awsvpcConfiguration", "subnets", "subnet-0bbbbbbb");
	e->o.service_def = def;
	e->o.no_wait = 1;
	before(e, 1);
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	json_t *b = fx_ecs_body(&e->fx, "UpdateService", 0);
	assert_non_null(b);
	assert_int_equal(json_integer_value(json_object_get(b, "healthCheckGracePeriodSeconds")), 180);
	assert_non_null(json_object_get(b, "networkConfiguration"));
	assert_null(json_object_get(b, "desiredCount"));
	assert_string_equal(json_string_value(json_object_get(b, "taskDefinition")), TD_NEW);
	env_destroy(e);
	json_decref(def);

	/* --desired-count sets it */
	e = env_new();
	e->o.set_desired = 1;
	e->o.desired_count = 3;
	e->o.no_wait = 1;
	before(e, 1);
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), 0);
	b = fx_ecs_body(&e->fx, "UpdateService", 0);
	assert_int_equal(json_integer_value(json_object_get(b, "desiredCount")), 3);
	env_destroy(e);
}

/* Issue 11: what ECS cannot change in place, and a service on another deployment controller,
 * are input errors before anything is registered, alone and in a group. */
static void what_ecs_cannot_apply_is_refused_before_any_change(void **state)
{
	(void)state;
	struct env *e = env_new();
	json_t *svc = fx_service(1, OLD " PRIMARY COMPLETED " TD_OLD " 2 0 2 0", NULL);
	json_object_set_new(svc, "deploymentController", json_pack("{s:s}", "type", "CODE_DEPLOY"));
	fx_ecs_push(&e->fx, svc);
	assert_int_equal(ship_deploy_run(e->aws, &e->o, &e->res, &e->err), -1);
	assert_int_equal(e->err.code, SHIP_ERR_INPUT);
	assert_non_null(strstr(e->err.message, "CODE_DEPLOY deployment controller"));
	assert_int_equal(fx_ecs_count(&e->fx, "RegisterTaskDefinition"), 0);
	assert_int_equal(fx_ecs_count(&e->fx, "UpdateService"), 0);
	env_destroy(e);

	e = env_new();
	struct ship_deploy_opts opts[2];
	struct ship_deploy_result res[2];
	json_t *daemon = json_pack("{s:s}", "schedulingStrategy", "DAEMON");
	two_services(e, opts);
	opts[1].service_def = daemon;
	before(e, 1);
	fx_ecs_push_worker(&e->fx, fx_service_named("worker", 1, STEADY, NULL));
	assert_int_equal(ship_deploy_many(e->aws, opts, 2, res, &e->err), -1);
	assert_int_equal(e->err.code, SHIP_ERR_INPUT);
	assert_non_null(strstr(e->err.message, "'schedulingStrategy'"));
	assert_int_equal(fx_ecs_count(&e->fx, "RegisterTaskDefinition"), 0);
	assert_int_equal(fx_ecs_count(&e->fx, "UpdateService"), 0);
	env_destroy(e);
	json_decref(daemon);
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
	    TU_TEST(ctrl_c_ends_a_register_retry),
	    TU_TEST(a_lost_register_answer_is_not_registered_twice),
	    TU_TEST(a_failed_register_is_retried_like_every_call),
	    TU_TEST(observe_stage_table),
	    TU_TEST(ensure_revision_stage_table),
	    TU_TEST(apply_stage_table),
	    TU_TEST(service_definition_changes_go_into_the_update),
	    TU_TEST(what_ecs_cannot_apply_is_refused_before_any_change),
	    TU_TEST(a_zeroed_result_is_not_a_success),
	    TU_TEST(a_deleted_service_fails_alike_alone_and_in_a_group),
	    TU_TEST(a_service_that_cannot_be_created_stops_the_group_first),
	    TU_TEST(the_record_decides_not_deployments),
	    TU_TEST(two_services_share_each_record_call),
	    TU_TEST(without_the_api_deployments_decide),
	    TU_TEST(identifiers_as_long_as_ecs_allows_fit_longer_ones_are_errors),
	    TU_TEST(the_pre_run_hook_gets_the_deploys_call_options),
	};
	return cmocka_run_group_tests_name("deploy", tests, NULL, NULL);
}
