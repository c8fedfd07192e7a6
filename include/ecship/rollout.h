/*
 * rollout.h: deciding how one ECS deployment ends, from DescribeServices snapshots. Success is
 * *our* deployment (tracked by id) reaching COMPLETED — never merely "the service is stable",
 * which is also true after the circuit breaker rolled back. Pure logic: no I/O, no clock.
 */
#ifndef ECSHIP_ROLLOUT_H
#define ECSHIP_ROLLOUT_H

#include <jansson.h>

#include "ecship/err.h"
#include "ecship/limits.h"

#define SHIP_MAX_DEPLOYMENTS 8

struct ship_deployment_view {
	char id[80];            /* ecs-svc/1234567890123456789 */
	char status[16];        /* PRIMARY, ACTIVE, INACTIVE */
	char rollout_state[16]; /* IN_PROGRESS, COMPLETED, FAILED; "" when absent */
	char reason[512];	/* rolloutStateReason (a longer one is cut, ending in "...") */
	char taskdef[SHIP_ECS_TASKDEF_ARN_MAX + 1]; /* task definition ARN */
	long desired, pending, running, failed;
	double created, updated;
};

/* The parts of one element of DescribeServices' "services" that deploys look at. */
struct ship_service_view {
	char name[SHIP_ECS_NAME_MAX + 1];
	char arn[SHIP_ECS_SERVICE_ARN_MAX + 1];
	char status[16]; /* ACTIVE, DRAINING, INACTIVE */
	char taskdef[SHIP_ECS_TASKDEF_ARN_MAX + 1];
	long desired, running, pending;
	int breaker_enable, breaker_rollback;
	long min_healthy, max_percent;
	struct ship_deployment_view dep[SHIP_MAX_DEPLOYMENTS];
	size_t ndep;
	/* currentServiceDeployment: the newest service deployment's ARN ("" where ECS does not
	 * answer the service deployments API, e.g. older emulators) */
	char current_sdep[SHIP_ECS_SERVICE_ARN_MAX + 64];
};

/* Fills *out (caller's storage, about 10 KB: pass it by pointer). An identifier longer than its
 * field (limits.h) is an error (SHIP_ERR_PROTOCOL), never cut short. */
int ship_service_view_parse(json_t *service, struct ship_service_view *out, struct ship_err *err);
/* The PRIMARY deployment, or NULL. */
const struct ship_deployment_view *ship_service_primary(const struct ship_service_view *v);
const struct ship_deployment_view *ship_service_deployment(const struct ship_service_view *v,
							   const char *id);
/* Whether a deployment other than a COMPLETED primary is still running (a deploy in progress).
 * A PRIMARY that failed for good (ship_service_failed_primary) is final, not in progress. */
int ship_service_busy(const struct ship_service_view *v);
/* The PRIMARY deployment when it has failed for good: rolloutState FAILED (the breaker without
 * rollback, or nothing to roll back to), or, with the breaker off, failedTasks at the breaker's
 * threshold (ecship's failure rule, threshold_min as in struct ship_rollout); else NULL. A new
 * deployment supersedes it at once. */
const struct ship_deployment_view *ship_service_failed_primary(const struct ship_service_view *v,
							       long threshold_min);

/* Whether deployments[] show that `taskdef` ran: a deployment of it with rolloutState COMPLETED
 * (the PRIMARY, or an older one still draining), or, without rollout states (older APIs,
 * emulators), a steady PRIMARY of it or an older deployment of it with tasks running. A
 * deployment IN_PROGRESS or FAILED does not count: a crashing task is RUNNING for a while. */
int ship_service_revision_ran(const struct ship_service_view *v, const char *taskdef);

/* "family:revision" from a task definition ARN (the part after the last '/'); never NULL. */
const char *ship_taskdef_short(const char *arn);

/* The circuit breaker's failure threshold: ceil(0.5 x desired) clamped to [min, 200]. */
long ship_breaker_threshold(long desired, long min);

enum ship_rollout_phase {
	SHIP_ROLLOUT_WAITING,   /* our deployment is still in progress */
	SHIP_ROLLOUT_COMPLETED, /* our deployment reached COMPLETED */
	SHIP_ROLLOUT_FAILED,    /* ECS marked it FAILED, or (breaker off) its tasks failed as often
				   as the breaker's threshold allows */
	SHIP_ROLLOUT_REPLACED,  /* another deployment of a different task definition (not a
				   rollback of ours) took over first; one of the same task
				   definition is followed instead (followed_from) */
};

struct ship_rollout {
	char deployment_id[80];     /* ours, from the UpdateService/CreateService answer */
	char taskdef[512];          /* ours */
	char previous_taskdef[512]; /* what the service ran before ours ("" when unknown) */
	long threshold_min;         /* the breaker's minimum, 3 unless configured */
	enum ship_rollout_phase phase;
	int by_breaker;             /* the failure was decided by ECS's circuit breaker */
	char reason[1024];          /* why it ended, in words for the user */
	char replaced_by[80];       /* REPLACED: the deployment that took over */
	char followed_from[80];     /* ours, when a deployment of the same task definition took
				       over and deployment_id now names that one ("" otherwise) */
	int ecs_rolls_back;         /* FAILED, and ECS rolls it back (its record says ROLLBACK_*,
				       or the breaker with rollback marked it FAILED) */
	char sdep_status[32];       /* ECS's record's status when it decided ("" when
				       deployments[] did: svcdeploy.h, ship_follow_evaluate) */
};

void ship_rollout_init(struct ship_rollout *r, const char *deployment_id, const char *taskdef);
/* Evaluates one snapshot and returns the (sticky once not WAITING) phase. */
enum ship_rollout_phase ship_rollout_evaluate(struct ship_rollout *r,
					      const struct ship_service_view *v);

/* Whether the service has come back to `taskdef` after a failure: its PRIMARY runs that task
 * definition and is COMPLETED (or, without rollout states, steady at the desired count). */
int ship_rollout_settled_on(const struct ship_service_view *v, const char *taskdef);

/* ---- polling ------------------------------------------------------------------------------- */

/*
 * Adaptive poll interval: 1 s while anything changes, growing by half each quiet poll up to 5 s,
 * doubling on throttling (still capped at 5 s). See docs/waiting.md.
 */
struct ship_poll {
	double interval;
	double min, max;
};
#define SHIP_POLL_MIN 1.0
#define SHIP_POLL_MAX 5.0
void ship_poll_init(struct ship_poll *p);
double ship_poll_next(struct ship_poll *p, int changed, int throttled);
/*
 * A wait over many services (ship_ecs_wait_many) spends at most the calls a second of its first
 * poll (one DescribeServices per SHIP_DESCRIBE_BATCH services): once fewer calls cover the
 * services left, the pause is cut in the same proportion (calls_left / calls_first), never
 * below SHIP_POLL_TAIL_MIN; not after a throttled poll. One to ten services: unchanged.
 */
#define SHIP_POLL_TAIL_MIN 0.25
double ship_poll_share(double pause, size_t calls_left, size_t calls_first, int throttled);

/* ---- events -------------------------------------------------------------------------------- */

/* Remembers which service events were already shown (ECS lists them newest first). */
struct ship_event_cursor {
	char last_id[128];
	double last_time;
	int primed;
};
/*
 * Calls fn for each event of `events` (DescribeServices' "events" array) newer than the cursor,
 * oldest first, then advances the cursor. When prime_only, just advances (events from before the
 * deploy are not news). Returns the number of new events.
 */
typedef void (*ship_event_fn)(void *ctx, double created, const char *message);
int ship_event_cursor_feed(struct ship_event_cursor *c, json_t *events, int prime_only,
			   ship_event_fn fn, void *ctx);

#endif
