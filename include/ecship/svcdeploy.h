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
};
/* Reads one element of DescribeServiceDeployments' "serviceDeployments". */
int ship_sdep_parse(json_t *sd, struct ship_sdep_view *out, struct ship_err *err);

/* DescribeServiceDeployments for one ARN: 0 and *out filled, 1 when ECS does not know the ARN,
 * -1 on an error (err filled). */
int ship_ecs_describe_sdep(struct ship_aws *aws, const char *arn, const struct ship_call_opts *call,
			   struct ship_sdep_view *out, struct ship_err *err);

/* Following one service deployment during a DescribeServices wait (ship_wait_sdep_done). */
struct ship_sdep_follow {
	struct ship_aws *aws;
	const struct ship_call_opts *call;
	char arn[SHIP_ECS_SERVICE_ARN_MAX + 64];
	/* out */
	enum ship_sdep_outcome outcome;
	struct ship_sdep_view last;
	int failed; /* a call failed for good: err says why */
	struct ship_err err;
};
void ship_sdep_follow_init(struct ship_sdep_follow *f, struct ship_aws *aws,
			   const struct ship_call_opts *call, const char *arn);
/* ship_wait_done_fn (ctx: struct ship_sdep_follow *): asks DescribeServiceDeployments at each
 * poll; done once the status's outcome is not WAITING or a call failed for good (transient errors
 * keep the wait going). */
int ship_wait_sdep_done(void *ctx, const struct ship_service_view *v);

#endif
