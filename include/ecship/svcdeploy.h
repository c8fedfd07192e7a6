/*
 * svcdeploy.h: ECS's own record of a deployment (the service deployments API:
 * DescribeServiceDeployments) and the one table that turns its status into ecship's outcome.
 * Where the API is missing, waits fall back to deployments[] of DescribeServices (rollout.h).
 */
#ifndef ECSHIP_SVCDEPLOY_H
#define ECSHIP_SVCDEPLOY_H

#include <jansson.h>

#include "ecship/aws.h"
#include "ecship/rollout.h"

enum ship_sdep_outcome {
	SHIP_SDEP_WAITING,     /* still under way (PENDING, IN_PROGRESS, an unknown status) */
	SHIP_SDEP_COMPLETED,   /* SUCCESSFUL */
	SHIP_SDEP_ROLLED_BACK, /* it failed and ECS rolls (or rolled) it back: ROLLBACK_* */
	SHIP_SDEP_STOPPED,     /* STOPPED, STOP_REQUESTED: replaced by a newer one, or stopped */
};

/* One row of the table (docs/waiting.md, "ECS's own deployment record"). */
struct ship_sdep_rule {
	const char *status;
	enum ship_sdep_outcome outcome;
	const char *words; /* what it means for the user */
};
/* The row of a status; an unknown status is WAITING (a state ECS may add later). */
const struct ship_sdep_rule *ship_sdep_rule_of(const char *status);

struct ship_sdep_view {
	char arn[SHIP_ECS_SERVICE_ARN_MAX + 64];
	char status[32];
	char reason[512];
	char target_revision[SHIP_ECS_SERVICE_ARN_MAX + 64];
	char rollback_revision[SHIP_ECS_SERVICE_ARN_MAX + 64]; /* "" unless rolled back */
	char breaker[32]; /* deploymentCircuitBreaker.status: TRIGGERED, MONITORING, ... ("") */
};
/* Reads one element of DescribeServiceDeployments' "serviceDeployments". */
int ship_sdep_parse(json_t *sd, struct ship_sdep_view *out, struct ship_err *err);

/* DescribeServiceDeployments for one ARN: 0 and *out filled, 1 when ECS does not know the ARN,
 * -1 on an error (err filled). */
int ship_ecs_describe_sdep(struct ship_aws *aws, const char *arn, const struct ship_call_opts *call,
			   struct ship_sdep_view *out, struct ship_err *err);

/* DescribeServiceDeployments takes at most 20 ARNs per call (ECS API Reference,
 * API_DescribeServiceDeployments, "serviceDeploymentArns"). */
#define SHIP_SDEP_BATCH 20
/* A wait that sees nothing change in deployments[] still reads ECS's record this often (s). */
#define SHIP_SDEP_RECHECK 60.0

/*
 * Following one service deployment during a DescribeServices wait. The wait loop
 * (ship_ecs_wait_many, item.sdep) reads ECS's record for every followed deployment that wants a
 * look (ship_sdep_wants_look), up to 20 ARNs per DescribeServiceDeployments call, before it asks
 * the items' done functions. No client is kept here: the record is read on the wait's client
 * (ship_sdep_look_many), whichever thread's client started the deployment.
 */
struct ship_sdep_follow {
	char arn[SHIP_ECS_SERVICE_ARN_MAX + 64];
	/* out */
	int looked;  /* ECS answered for arn at least once */
	int missing; /* the API is missing or refused (a non-transient error): deployments[]
			decides (docs/waiting.md) */
	int unknown; /* ECS does not know arn (failures: MISSING) */
	enum ship_sdep_outcome outcome;
	struct ship_sdep_view last;
	int failed; /* a call failed for good: err says why (ship_wait_sdep_done only) */
	struct ship_err err;
	long calls;	   /* DescribeServiceDeployments calls that asked for it */
	double looked_at;  /* client clock of the last look */
	unsigned long sig; /* deployments[] (ids, statuses, rollout states) at the last poll */
};
void ship_sdep_follow_init(struct ship_sdep_follow *f, const char *arn);
/* Whether f should read ECS's record on this poll: never read yet; deployments[] (or the
 * service's currentServiceDeployment) changed since the last look; the record is not final and
 * deployments[] show the PRIMARY at an end (COMPLETED, FAILED: ECS's record follows within a
 * poll or two); or SHIP_SDEP_RECHECK seconds passed. Never when the record is final, the API
 * missing or the ARN unknown. */
int ship_sdep_wants_look(const struct ship_sdep_follow *f, const struct ship_service_view *v,
			 double now);
/* Reads ECS's record for fs[0..n) with one DescribeServiceDeployments per 20 ARNs. A transient
 * error leaves them as they were (the wait goes on); a non-transient one (the API missing,
 * access denied) marks every one `missing`. Returns the number of calls made. */
long ship_sdep_look_many(struct ship_aws *aws, struct ship_sdep_follow **fs, size_t n,
			 const struct ship_call_opts *call, double now);
/* ship_wait_done_fn (ctx: struct ship_sdep_follow *, given to the wait as item.sdep too, which
 * reads the record): done once the record's outcome is not WAITING, or the ARN is unknown or the
 * API missing (failed). */
int ship_wait_sdep_done(void *ctx, const struct ship_service_view *v);

/*
 * What ECS's record says about whether a deployment of `taskdef` completed on the service: 1 a
 * SUCCESSFUL service deployment went to a revision of it; 0 the record holds service deployments
 * to it and none succeeded (it never ran); -1 unknown (the API missing or refused, or no
 * deployment of it among the newest 100). Reads ListServiceDeployments (one page of 100) and
 * DescribeServiceRevisions (20 ARNs per call, API_DescribeServiceRevisions). Best effort: errors
 * are "unknown".
 */
int ship_sdep_revision_ran(struct ship_aws *aws, const char *cluster, const char *service,
			   const char *taskdef);

/*
 * A deploy's or rollback's own deployment: ECS's record (sd) where the service deployments API
 * answers, deployments[] (ro, ship_rollout_evaluate) where it is missing. The one decision for
 * deploy, rollback and wait: ship_follow_evaluate.
 */
struct ship_follow {
	struct ship_rollout ro;
	struct ship_sdep_follow sd; /* sd.arn "" when the CreateService/UpdateService answer named
				       no service deployment */
};
/* ro from deployment_id/taskdef; sd from sdep_arn (may be "" or NULL). */
void ship_follow_init(struct ship_follow *f, const char *deployment_id, const char *taskdef,
		      const char *sdep_arn);
/* Whether ECS's record decides (else deployments[] does). */
int ship_follow_by_record(const struct ship_follow *f);
/*
 * Decides from one snapshot and the record as last read (pure: no I/O). With the record, its
 * status's row of the table decides: COMPLETED is SHIP_ROLLOUT_COMPLETED; ROLLED_BACK is FAILED
 * with ro.ecs_rolls_back; STOPPED is REPLACED when a newer service deployment of another task
 * definition is current, followed when it is of ours (ro.followed_from, sd.arn the new one),
 * else FAILED (the breaker without rollback, StopServiceDeployment ABORT). Sticky once not
 * WAITING, like ship_rollout_evaluate.
 */
enum ship_rollout_phase ship_follow_evaluate(struct ship_follow *f,
					     const struct ship_service_view *v);
/* ship_wait_done_fn (ctx: struct ship_follow *; give &f->sd to the wait as item.sdep). */
int ship_wait_follow_done(void *ctx, const struct ship_service_view *v);
/* ship_wait_done_fn while ECS rolls our deployment back (ctx: struct ship_follow *): done once
 * the record is ROLLBACK_SUCCESSFUL or ROLLBACK_FAILED (or no longer a rollback). */
int ship_wait_ecs_rollback_done(void *ctx, const struct ship_service_view *v);

#endif
