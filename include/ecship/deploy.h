/*
 * deploy.h: the Option B application deploy as one library call: record the revision in use,
 * register the rendered task definition only when it differs from the latest ACTIVE revision,
 * create the service the first time or update it, wait for *our* deployment, and roll back to
 * the recorded revision when it fails or times out. Rendering and validation happen before
 * (taskdef.h); this file only talks to ECS. Never prints: progress goes through callbacks.
 *
 * Ownership (the library's one rule, README "Ownership"): the caller owns every struct it passes
 * (options, results: pass them by pointer, a result is about 13 KB); json_t values in the options
 * are borrowed for the call; results hold no pointers, so there is nothing to free.
 */
#ifndef ECSHIP_DEPLOY_H
#define ECSHIP_DEPLOY_H

#include <jansson.h>

#include "ecship/aws.h"
#include "ecship/ecs.h"

/* The service tag under which ecship records the task definition a deploy replaced. */
#define SHIP_TAG_PREVIOUS "ecship:previous-task-definition"
/* The service settings a deploy changed, as they were before it (UpdateService members,
 * base64 JSON over this tag and "-2", "-3"... ones): a rollback sends them back. */
#define SHIP_TAG_PREVIOUS_SERVICE "ecship:previous-service"
/*
 * The revision recorded under that tag on the service (ListTagsForResource), copied to out;
 * "" when none is recorded. 0 or -1 with err.
 */
int ship_deploy_recorded_previous(struct ship_aws *aws, const char *service_arn, char *out,
				  size_t n, struct ship_err *err);

typedef void (*ship_note_fn)(void *ctx, const char *message);

struct ship_deploy_opts {
	const char *cluster;
	const char *service;
	json_t *taskdef;     /* RegisterTaskDefinition input, rendered and validated (borrowed) */
	json_t *service_def; /* CreateService input; on an existing service, the members that differ
				go into the UpdateService (ship_servicedef_update) */
	double timeout;      /* seconds for our deployment; the rollback gets as long again */
	int no_wait;         /* return once the deployment has started */
	int no_rollback;     /* leave a failed deployment as it is */
	int force_new;       /* start a deployment even when the task definition is unchanged */
	int set_desired;     /* --desired-count: send desired_count (else created with the file's,
				updated leaving the live count to whoever owns it) */
	long desired_count;
	int dry_run;         /* read only: describe what would be done */
	int refuse_if_busy;  /* a deployment in progress: refuse instead of waiting for it */
	long breaker_min;    /* the breaker threshold's minimum (0: 3) */
	int wait_approval;   /* blue/green, linear, canary: keep waiting at a PAUSE lifecycle hook
				(else the deploy ends there as SHIP_DEPLOY_PAUSED) */
	/* ecship.yml's `autoscaling:` (NULL or unset: scaling is left as it is live); applied once
	 * the service exists (ship_autoscaling_apply) */
	const struct ship_config_autoscaling *autoscaling;
	/* fail-fast (failfast.h): on unless no_fail_fast; a threshold of 0 takes the default */
	int no_fail_fast;
	long fail_fast_same_exit, fail_fast_failed_health;
	/* progress */
	ship_note_fn on_note;
	ship_wait_snapshot_fn on_snapshot;
	ship_event_fn on_event;
	int (*cancelled)(void *ctx);
	void *ctx;
	/* `deploy --pre-run`: called with the revision once it is registered or reused, before
	 * CreateService/UpdateService (not on dry runs or when nothing changes), and the deploy's
	 * call options (its retry persistence) for the calls it makes. Non-zero stops the deploy,
	 * err filled, with the service untouched. May be NULL. */
	int (*before_update)(void *ctx, const char *taskdef_arn, const struct ship_call_opts *call,
			     struct ship_err *err);
	void *before_update_ctx;
};

enum ship_deploy_outcome {
	SHIP_DEPLOY_NONE,	 /* not deployed (a zeroed result: never read as a success) */
	SHIP_DEPLOY_COMPLETED,	 /* our deployment completed */
	SHIP_DEPLOY_STARTED,	 /* --no-wait: started, not waited for */
	SHIP_DEPLOY_UNCHANGED,	 /* nothing to do: same task definition, service already on it */
	SHIP_DEPLOY_DRY_RUN,	 /* --dry-run: nothing changed */
	SHIP_DEPLOY_FAILED,	 /* failed; see rolled_back */
	SHIP_DEPLOY_TIMEOUT,	 /* the deadline passed; see rolled_back */
	SHIP_DEPLOY_REPLACED,	 /* another deployment took over before ours completed */
	SHIP_DEPLOY_INTERRUPTED, /* cancelled while waiting */
	SHIP_DEPLOY_REFUSED,	 /* refuse_if_busy and a deployment was in progress */
	SHIP_DEPLOY_PAUSED,	 /* stopped at a PAUSE lifecycle hook: approve or abort answers it */
};

struct ship_deploy_result {
	enum ship_deploy_outcome outcome;
	int created;               /* the service was created by this deploy */
	int registered;            /* a new revision was registered (0: an existing one reused) */
	char taskdef_arn[SHIP_ECS_TASKDEF_ARN_MAX + 1]; /* the revision deployed */
	long revision;
	char previous_taskdef[SHIP_ECS_TASKDEF_ARN_MAX + 1]; /* what the service ran before ("" on
								creation) */
	char deployment_id[80];
	/* ECS's service deployment ARN for it (the answer's currentServiceDeployment; "" where the
	 * service deployments API is missing): `ecship wait --deployment` follows either */
	char service_deployment_arn[SHIP_ECS_SERVICE_ARN_MAX + 64];
	int previous_ran;          /* a deployment of previous_taskdef completed (deployments[]
				      show it): only then is it a rollback target */
	/* the service settings this deploy changed, as they were before (compact JSON of
	 * UpdateService members; "" when it changed none): its rollback sends them back */
	char previous_service[2048];
	int rolled_back;           /* the service is back on previous_taskdef */
	/* unchanged by this run: an interrupted run of the same deploy had moved it to
	 * taskdef_arn, so it went back with the group (ship_deploy_many) */
	int moved_before;
	int rollback_by_ecs;       /* ECS's circuit breaker did the rollback (with lifecycle: ECS's
				      blue/green, linear or canary rollback) */
	int lifecycle;             /* followed through ECS's lifecycle stages (strategy.h) */
	/* with lifecycle, a failure ECS decided without a failing task: the alarm in ALARM with
	 * CloudWatch's reason, else the record's statusReason (a hook, a timeout); "" otherwise */
	char lifecycle_cause[1024];
	int lifecycle_alarm; /* lifecycle_cause is an alarm's */
	int rollback_failed;       /* the rollback's own deployment failed (rollback_reason says
				      how, and where ECS then brought the service) */
	char rollback_reason[1536];
	char reason[2048];	   /* why it ended, for the user (a longer one ends in "...") */
	struct ship_service_view final;
	struct ship_wait_stats wait;
	/* fail-fast: the rule that decided ("" when it did not: ECS, the timeout or nothing did),
	 * when ECS stopped the first failed task of ours (stoppingAt, else stoppedAt; epoch s;
	 * 0: none seen), and the
	 * stopped-task reads it made with their requests (ListTasks + DescribeTasks) */
	char fail_fast[16];
	double first_failure;
	long fail_fast_reads, fail_fast_requests;
	double seconds; /* from the deploy's start until this service's part ended: its start, its
			   wait, or its rollback's wait (services are started and followed
			   together, so these overlap) */
};

/*
 * The deploy engine, for 1 to SHIP_DEPLOY_MAX_SERVICES services of one cluster (a web service and
 * a worker sharing an image). Each service starts in three stages: observe (the service as it
 * is, waiting for a deployment in progress), ensure the revision (reuse the latest or register),
 * apply the change (create or update). The services are observed, then started, concurrently
 * (private/fanout.h: SHIP_FANOUT_WORKERS threads, ECSHIP_DEPLOY_PARALLEL, each with a client
 * forked from aws that shares its ECS token buckets; in turn when aws has an injected transport
 * or --pre-run's hook is set); services with an identical definition share one registration,
 * the first registering and the others starting after it. All are then waited for with one
 * DescribeServices per ten services per poll, and when any fails, times out, cannot start or
 * disappears, every service this deploy changed is rolled back to its previous revision: the
 * rollbacks are issued concurrently and followed together. res has n entries, each with its
 * outcome (SHIP_DEPLOY_NONE for a service not deployed because an earlier one could not start).
 * Returns 0 when the deploy ran to outcomes (which may be failures), -1 when an AWS call failed
 * outright (err filled; res still says how far each service got).
 */
int ship_deploy_many(struct ship_aws *aws, const struct ship_deploy_opts *opts, size_t n,
		     struct ship_deploy_result *res, struct ship_err *err);

/* ship_deploy_many for one service. */
int ship_deploy_run(struct ship_aws *aws, const struct ship_deploy_opts *o,
		    struct ship_deploy_result *res, struct ship_err *err);

/* The fail-fast rules of a deploy's options (failfast.h), and its figures into a result. */
struct ship_failfast_rules;
struct ship_failfast_watch;
void ship_deploy_failfast_rules(const struct ship_deploy_opts *o, struct ship_failfast_rules *r);
void ship_deploy_failfast_result(const struct ship_failfast_watch *w,
				 struct ship_deploy_result *res);

/* Outcome name for JSON results: "completed", "failed", ... */
const char *ship_deploy_outcome_name(enum ship_deploy_outcome oc);

/*
 * Moves the service back to `taskdef` and, unless no_wait, waits until it has settled there.
 * Shared by failed deploys and `ecship rollback`. A deployment in progress away from a COMPLETED
 * one on `taskdef` is rolled back by ECS (StopServiceDeployment ROLLBACK: the previous service
 * revision, task definition, network and load balancers), and the recorded service settings
 * outside the revision (SHIP_TAG_PREVIOUS_SERVICE, when `taskdef` is the recorded previous
 * revision) are sent back with UpdateService; otherwise, or where ECS cannot, one UpdateService
 * sends the revision and every recorded setting.
 */
int ship_deploy_rollback_to(struct ship_aws *aws, const struct ship_deploy_opts *o,
			    const char *taskdef, int no_wait, struct ship_deploy_result *res,
			    struct ship_err *err);
/*
 * For a service already back on `taskdef` (ECS's own rollback, e.g. after `deploy
 * --no-rollback`): when `taskdef` is the recorded previous revision, the recorded settings a
 * service revision does not hold that differ live (the grace period, ...) are sent back with one
 * UpdateService, which starts no deployment. names gets "a, b" of those sent ("" when none).
 * 0, or -1 with err.
 */
int ship_deploy_restore_settings(struct ship_aws *aws, const struct ship_deploy_opts *o,
				 const char *taskdef, char *names, size_t n, struct ship_err *err);

#endif
