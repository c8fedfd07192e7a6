/*
 * ecs.h: the ECS calls a deploy makes and the waits between them, over ship_aws_json. The
 * waits poll DescribeServices adaptively (rollout.h) on the client's clock and report through
 * callbacks; they never print.
 */
#ifndef ECSHIP_ECS_H
#define ECSHIP_ECS_H

#include <jansson.h>

#include "ecship/aws.h"
#include "ecship/rollout.h"

struct ship_sdep_follow; /* svcdeploy.h */

/*
 * DescribeServices for one service. *service is a new reference, or NULL when ECS reports the
 * service MISSING or it is INACTIVE (deleted). ClusterNotFoundException is an error.
 */
int ship_ecs_describe_service(struct ship_aws *aws, const char *cluster, const char *service,
			      json_t **service_out, struct ship_err *err);
/* The same with per-call options (retry persistence during a deploy; NULL: none). */
int ship_ecs_describe_service_opts(struct ship_aws *aws, const char *cluster, const char *service,
				   const struct ship_call_opts *call, json_t **service_out,
				   struct ship_err *err);

/*
 * RegisterTaskDefinition of `taskdef` (borrowed), which is not idempotent: an attempt whose
 * answer was lost (reset, 5xx, timeout) may have registered a revision anyway. The client
 * retries throttling as usual; after any other transient failure it backs off as for every call
 * (same backoff, retry quota, Ctrl-C, `call`'s persistence) and then reads the family's latest
 * revision: when that is this definition, the lost attempt registered it and it is used, never
 * registered twice. *td_out: the registered taskDefinition object (new reference, caller
 * json_decref).
 */
int ship_ecs_register_taskdef(struct ship_aws *aws, json_t *taskdef,
			      const struct ship_call_opts *call, json_t **td_out,
			      struct ship_err *err);
/* The family's latest ACTIVE revision (*td_out new reference), or NULL when it has none. */
int ship_ecs_latest_taskdef(struct ship_aws *aws, const char *family,
			    const struct ship_call_opts *call, json_t **td_out,
			    struct ship_err *err);

/*
 * DescribeTaskDefinition: ref is a family (its latest ACTIVE revision), FAMILY:REVISION or an
 * ARN. *taskdef is a new reference to the answer's taskDefinition (caller json_decref). A
 * revision that does not exist (ECS's ClientException) is a SHIP_ERR_INPUT error.
 */
int ship_ecs_describe_taskdef(struct ship_aws *aws, const char *ref, json_t **taskdef,
			      struct ship_err *err);
/* The same with the caller's call options (a deploy's retry persistence). */
int ship_ecs_describe_taskdef_call(struct ship_aws *aws, const char *ref,
				   const struct ship_call_opts *call, json_t **taskdef,
				   struct ship_err *err);
/* DeregisterTaskDefinition of one revision (FAMILY:REVISION or an ARN). */
int ship_ecs_deregister_taskdef(struct ship_aws *aws, const char *arn, struct ship_err *err);

/*
 * The cluster's services: ListServices, every page, each described with DescribeServices.
 * *services is a new JSON array of the service objects DescribeServices answers (any status);
 * empty when the cluster does not exist.
 */
int ship_ecs_list_services(struct ship_aws *aws, const char *cluster, json_t **services,
			   struct ship_err *err);

/* A predicate over snapshots for ship_ecs_wait: non-zero when the wait is over. */
typedef int (*ship_wait_done_fn)(void *ctx, const struct ship_service_view *v);
typedef void (*ship_wait_snapshot_fn)(void *ctx, const struct ship_service_view *v,
				      double elapsed, int changed);

enum ship_wait_end {
	SHIP_WAIT_DONE,	       /* the predicate said so */
	SHIP_WAIT_TIMEOUT,     /* the deadline passed first */
	SHIP_WAIT_INTERRUPTED, /* cancelled() said so */
	SHIP_WAIT_GONE, /* the service disappeared (MISSING, or DRAINING/INACTIVE: deleted) */
};

struct ship_wait_opts {
	double timeout;                    /* seconds from the start of the wait */
	ship_wait_snapshot_fn on_snapshot; /* each DescribeServices answer (may be NULL) */
	ship_event_fn on_event;            /* each new service event, oldest first (may be NULL) */
	int (*cancelled)(void *ctx);       /* polled between calls (may be NULL) */
	void *ctx;
	struct ship_event_cursor *events;  /* primed by the caller before it changed the service */
	double first_poll_after;           /* seconds before the first poll (0: at once); a deploy
					      has just seen the service in its UpdateService answer */
	const struct ship_call_opts *call; /* options of each DescribeServices (may be NULL) */
	struct ship_sdep_follow *sdep;     /* ship_ecs_wait: ECS's record to read along (item.sdep) */
};

struct ship_wait_stats {
	long polls;
	long throttled_polls;
	double elapsed;
	long sdep_calls; /* DescribeServiceDeployments calls made along (item.sdep) */
};

/*
 * Polls DescribeServices until done(), the timeout, cancellation or the service disappearing.
 * Throttling and transient errors that outlast the client's retries do not end the wait: it backs
 * off and polls again until the deadline. Other errors end it with -1. `last` receives the last
 * snapshot (may be NULL).
 */
int ship_ecs_wait(struct ship_aws *aws, const char *cluster, const char *service,
		  ship_wait_done_fn done, void *done_ctx, const struct ship_wait_opts *o,
		  enum ship_wait_end *end, struct ship_service_view *last,
		  struct ship_wait_stats *stats, struct ship_err *err);

/* One service of a multi-service wait. */
struct ship_wait_item {
	const char *service;
	ship_wait_done_fn done;
	void *done_ctx;
	struct ship_event_cursor *events; /* may be NULL */
	/* ECS's record of the followed deployment (svcdeploy.h), read by the loop when it wants a
	 * look, before done() is asked; NULL: deployments[] only */
	struct ship_sdep_follow *sdep;
	/* out */
	int finished;
	enum ship_wait_end end;
	double elapsed; /* seconds from the wait's start until it finished (or the wait ended) */
	struct ship_service_view last; /* zeroed until a first snapshot; written once, at the end
					  (polls parse into the wait's own buffers, not copies) */
};

/*
 * Waits for several services of one cluster at once with one DescribeServices call per ten
 * services per poll, so polling and throttling backoff are shared. Ends when every item has
 * finished (done, gone) or on the timeout or cancellation, which end every unfinished item.
 */
int ship_ecs_wait_many(struct ship_aws *aws, const char *cluster, struct ship_wait_item *items,
		       size_t n, const struct ship_wait_opts *o, struct ship_wait_stats *stats,
		       struct ship_err *err);
/* DescribeServices takes at most 10 services per call (ECS API Reference, DescribeServices). */
#define SHIP_DESCRIBE_BATCH 10
/* A sanity cap on the services of one deploy or wait (each costs about 60 KB while waiting);
 * ECS's own default quota is 5,000 services per cluster. */
#define SHIP_DEPLOY_MAX_SERVICES 1000
#define SHIP_WAIT_MAX_SERVICES SHIP_DEPLOY_MAX_SERVICES

/* ship_wait_done_fn adapters: our deployment has ended (ctx: struct ship_rollout *), and the
 * service has settled on a task definition ARN (ctx: const char *). */
int ship_wait_rollout_done(void *ctx, const struct ship_service_view *v);
int ship_wait_settled_done(void *ctx, const struct ship_service_view *v);

#endif
