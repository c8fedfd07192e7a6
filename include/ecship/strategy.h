/*
 * strategy.h: ECS's own blue/green, linear and canary deployments (deploymentConfiguration
 * .strategy BLUE_GREEN, LINEAR, CANARY): the service definition's strategy checked before any
 * change (limits from botocore's ECS model and the API reference), the prerequisites that live in
 * other services (ELBv2 target groups and listener rules, the IAM infrastructure role, CloudWatch
 * alarms), and what a service deployment says about its lifecycle (stage, traffic split, a PAUSE
 * hook waiting for ContinueServiceDeployment, triggered alarms). Never prints.
 */
#ifndef ECSHIP_STRATEGY_H
#define ECSHIP_STRATEGY_H

#include <jansson.h>

#include "ecship/aws.h"
#include "ecship/diag.h"

/* ---- the definition (lib/project/strategy.c) ----------------------------------------------- */

/*
 * Checks deploymentConfiguration's strategy fields of a CreateService/UpdateService input (the
 * service definition after rendering) and adds one diagnostic per problem, each with a fix:
 * - BLUE_GREEN, LINEAR and CANARY need the ECS deployment controller, and each load balancer an
 *   advancedConfiguration with alternateTargetGroupArn (not the production target group),
 *   productionListenerRule and roleArn (the infrastructure role), or, without load balancers,
 *   Service Connect;
 * - bakeTimeInMinutes, linearConfiguration.stepBakeTimeInMinutes and
 *   canaryConfiguration.canaryBakeTimeInMinutes are 0 to 1440 (BLUE_GREEN names
 *   bakeTimeInMinutes, as API_DeploymentConfiguration requires); stepPercent is 3.0 to 100.0 and
 *   canaryPercent 0.1 to 100.0, both in steps of 0.1 (API_LinearConfiguration,
 *   API_CanaryConfiguration); linearConfiguration only with LINEAR, canaryConfiguration only
 *   with CANARY;
 * - lifecycleHooks only with those strategies; each names lifecycleStages; an AWS_LAMBDA hook
 *   (the default targetType) names hookTargetArn and roleArn, a PAUSE hook no hookTargetArn;
 *   timeoutConfiguration.timeoutInMinutes is 1 to 20160 (DeploymentLifecycleHookDuration);
 * - alarms enabled name at least one alarm.
 * Returns the number of errors added (warnings are not counted). file names the definition.
 */
size_t ship_strategy_validate(const json_t *svc, const char *file, struct ship_diags *d);

/* deploymentConfiguration.strategy of a service definition or a DescribeServices service:
 * "ROLLING" when absent. Borrowed from the JSON. */
const char *ship_strategy_of(const json_t *svc);
/* 1 for BLUE_GREEN, LINEAR and CANARY (ECS shifts traffic between two revisions). */
int ship_strategy_shifts_traffic(const char *strategy);

/* ---- prerequisites in other services (lib/ecs/strategy.c) ----------------------------------- */

/*
 * For each load balancer of the service definition with an advancedConfiguration: the
 * production and alternate target groups exist (ELBv2 DescribeTargetGroups), the production and
 * test listener rules exist (DescribeRules) and their listeners (DescribeListeners) belong to the
 * load balancer the target groups are attached to; the roleArn exists (IAM GetRole). For
 * deploymentConfiguration.alarms with enable true: every alarm exists (CloudWatch
 * DescribeAlarms). Each missing or mismatched thing is one error diagnostic with a fix; a call
 * the deployer may not make (AccessDenied) skips that check with a warning; another AWS error
 * ends the check with -1 (err filled). Returns the number of errors.
 */
int ship_strategy_check_prereqs(struct ship_aws *aws, const json_t *svc, const char *file,
				struct ship_diags *d, struct ship_err *err);

/* ---- what a service deployment says about its lifecycle ------------------------------------- */

/* One lifecycle hook of a service deployment (ServiceDeployment.lifecycleHookDetails). */
struct ship_sdep_hook {
	char id[128];
	char type[16];		 /* AWS_LAMBDA or PAUSE */
	char status[24];	 /* AWAITING_ACTION, IN_PROGRESS, SUCCEEDED, FAILED, TIMED_OUT */
	char timeout_action[16]; /* CONTINUE or ROLLBACK, "" when not given */
	double expires_at;	 /* seconds since the epoch, 0 when not given */
};

struct ship_sdep_stage {
	char strategy[16];  /* the deployment's deploymentConfiguration.strategy ("" = ROLLING) */
	char stage[32];	    /* lifecycleStage, "" when ECS gives none */
	double prod_weight; /* the target revision's requestedProductionTrafficWeight, or -1 */
	double test_weight; /* its requestedTestTrafficWeight, or -1 */
	long bake_minutes;  /* deploymentConfiguration.bakeTimeInMinutes, or -1 */
	int paused;	    /* a PAUSE hook is AWAITING_ACTION: hook is that hook */
	struct ship_sdep_hook hook;
	char alarms_status[24]; /* alarms.status (TRIGGERED, MONITORING, ...), "" when absent */
	char triggered[512];	/* alarms.triggeredAlarmNames joined with ", ", "" when none */
};

/* Reads one element of DescribeServiceDeployments' "serviceDeployments" (never fails: what is
 * missing stays empty or -1). */
void ship_sdep_stage_parse(const json_t *sd, struct ship_sdep_stage *out);

/* What a lifecycle stage means, in a few words ("green revision scaling up"; English, marked
 * for translation: the tool passes it through _()); NULL for a stage ECS may add later. Stages:
 * botocore's ServiceDeploymentLifecycleStage. */
const char *ship_sdep_stage_words(const char *stage);

/*
 * The service deployment's raw record (DescribeServiceDeployments for one ARN): 0 and *sd a new
 * reference (caller json_decref), 1 when ECS does not know the ARN, -1 on an error.
 */
int ship_ecs_sdep_raw(struct ship_aws *aws, const char *arn, const struct ship_call_opts *call,
		      json_t **sd, struct ship_err *err);

/*
 * Finds the PAUSE hook awaiting action in a service deployment record: 0 with *hook filled,
 * 1 when none waits (why in err's message: the deployment's status and stage), -1 when sd is not
 * a service deployment.
 */
int ship_sdep_find_pause(const json_t *sd, struct ship_sdep_hook *hook, struct ship_err *err);

/* The ContinueServiceDeployment request: {serviceDeploymentArn, hookId, action} with action
 * "CONTINUE" or "ROLLBACK". A new reference, NULL when out of memory or action is another. */
json_t *ship_sdep_continue_request(const char *arn, const char *hook_id, const char *action);

/* Sends it. 0, or -1 with err filled. */
int ship_ecs_sdep_continue(struct ship_aws *aws, const char *arn, const char *hook_id,
			   const char *action, struct ship_err *err);

/*
 * Answers the PAUSE hook the service deployment arn waits at: ContinueServiceDeployment with
 * action CONTINUE (approve) or ROLLBACK (abort). hook_id NULL: the hook found in the
 * deployment's record (ship_sdep_find_pause). 0: answered, *st the deployment as it was (stage,
 * hook); 1: nothing waits there (err says the status and stage); -1: an error (err filled).
 */
int ship_ecs_sdep_answer_pause(struct ship_aws *aws, const char *arn, const char *hook_id,
			       const char *action, struct ship_sdep_stage *st,
			       struct ship_err *err);

/* The state and reason of CloudWatch alarms (DescribeAlarms AlarmNames.member.N). */
struct ship_alarm_state {
	char name[256];
	char state[24];	   /* OK, ALARM, INSUFFICIENT_DATA; "" when the alarm does not exist */
	char reason[1024]; /* StateReason */
};
/* Fills out[0..n) for names[0..n) (n at most 100, DescribeAlarms' limit). 0 or -1. */
int ship_alarms_describe(struct ship_aws *aws, const char *const *names, size_t n,
			 struct ship_alarm_state *out, struct ship_err *err);

/* ---- following the lifecycle during a wait (lib/ecs/strategy.c) ---------------------------- */

#include "ecship/ecs.h"

typedef void (*ship_lifecycle_note_fn)(void *ctx, const char *message);

/*
 * Wraps a wait's done function (inner, e.g. the deploy's rollout decision) for a blue/green,
 * linear or canary deployment: at each poll it also reads ECS's record of service deployment
 * arn (DescribeServiceDeployments) and
 * - notes each new lifecycle stage and traffic split ("stage TEST_TRAFFIC_SHIFT (test traffic
 *   moving to green): production 0.0%, test 100.0% on the new revision"), and during BAKE_TIME
 *   the bake time left, at most once a minute (from bakeTimeInMinutes and when the stage was
 *   first seen, on the client's clock);
 * - ends the wait (paused = 1) when a PAUSE hook awaits action, unless wait_approval;
 * - when ECS names triggered alarms (or the deployment ends while an alarm of its
 *   configuration is in ALARM), reads their state and reason from CloudWatch into alarm_reason.
 * - holds the end the inner function sees until ECS's record is final (success is SUCCESSFUL,
 *   after the bake), and ends the wait once the record is final whatever the inner one says.
 * A transient error reading the record keeps the wait going (the inner function alone decides
 * while the record cannot be read).
 */
struct ship_lifecycle_watch {
	ship_wait_done_fn inner;
	void *inner_ctx;
	struct ship_aws *aws;
	const struct ship_call_opts *call;
	char arn[1024];
	int wait_approval;
	ship_lifecycle_note_fn on_note;
	void *note_ctx;
	/* out */
	struct ship_sdep_stage last; /* the record as last read */
	int seen;		     /* read at least once */
	int paused;		     /* the wait ended at a PAUSE hook (last.hook) */
	char status[32];	     /* the record's status as last read ("" before) */
	char reason[512];	     /* its statusReason */
	int final;		     /* the status is not PENDING or IN_PROGRESS */
	char stages[512];	     /* every stage seen, in order, joined with " > " */
	char where[32];		     /* the last stage seen while it was under way ("" none) */
	char alarm_reason[1536];     /* "alarm 'X' is in ALARM: REASON", "" when none */
	double bake_since, bake_noted;
	double prod_noted, test_noted;
};
void ship_lifecycle_watch_init(struct ship_lifecycle_watch *w, struct ship_aws *aws,
			       const struct ship_call_opts *call, const char *arn,
			       ship_wait_done_fn inner, void *inner_ctx);
/* ship_wait_done_fn (ctx: struct ship_lifecycle_watch *). */
int ship_wait_lifecycle_done(void *ctx, const struct ship_service_view *v);

#endif
