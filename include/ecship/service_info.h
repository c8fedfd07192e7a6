/*
 * service_info.h: what `status` and `rollback` read about a service beyond DescribeServices:
 * the revisions of a family and the newest of the service's deployments (the recorded previous
 * revision is read by ship_deploy_recorded_previous in deploy.h, a revision by
 * ship_ecs_describe_taskdef in ecs.h).
 * Over ship_aws_json; never prints.
 */
#ifndef ECSHIP_SERVICE_INFO_H
#define ECSHIP_SERVICE_INFO_H

#include <jansson.h>

#include "ecship/aws.h"
#include "ecship/rollout.h"

/*
 * The revision numbers of FAMILY that exist (ListTaskDefinitions, ACTIVE ones, every page),
 * ascending, at most max of the newest; *n how many were written.
 */
int ship_taskdef_revisions(struct ship_aws *aws, const char *family, long *revs, size_t max,
			   size_t *n, struct ship_err *err);

/* The service's newest deployment (the latest createdAt) in v, or NULL when it has none. */
const struct ship_deployment_view *ship_service_newest(const struct ship_service_view *v);

/* One entry of ListServiceDeployments (the service deployments API). */
struct ship_service_deployment_brief {
	char id[128];	  /* the last part of serviceDeploymentArn */
	char status[32];  /* PENDING, IN_PROGRESS, SUCCESSFUL, STOPPED, ROLLBACK_SUCCESSFUL, ... */
	char reason[512]; /* statusReason, "" when none */
	char target[600]; /* targetServiceRevisionArn */
	double created, started, finished; /* 0 when absent */
};

/*
 * The service's newest service deployment (largest createdAt over every page of
 * ListServiceDeployments). *found is 0 when the service has none. An error (an account or
 * emulator without the API, AccessDenied) is returned as -1 with err filled; callers fall back to
 * DescribeServices' deployments.
 */
int ship_service_deployment_newest(struct ship_aws *aws, const char *cluster, const char *service,
				   struct ship_service_deployment_brief *out, int *found,
				   struct ship_err *err);

/*
 * Whether the deployment the service runs now is ECS's circuit-breaker rollback: the service
 * events (DescribeServices' "events", newest first) say "(service S) rolling back to deployment
 * ID." no earlier than the PRIMARY deployment was created, and, posted with it (within 5 s, or
 * the event right before it when untimed), "(service S) (deployment ID) deployment failed: ...",
 * the breaker's own event. A rollback someone requested (StopServiceDeployment ROLLBACK, a
 * ROLLBACK answer to a PAUSE hook) posts "rolling back" alone and is not the breaker's. Then out
 * gets what failed and where it went back to, e.g. "deployment ecs-svc/2 failed: tasks failed to
 * start; rolled back to deployment ecs-svc/1", and 1 is returned; 0 otherwise.
 */
int ship_service_breaker_rollback(const json_t *service, const struct ship_service_view *v,
				  char *out, size_t n);

/*
 * Whether a service deployment's statusReason says someone asked for its rollback:
 * StopServiceDeployment ROLLBACK ("Service deployment rolled back because of a user request.")
 * or a ROLLBACK answer to a PAUSE lifecycle hook (ContinueServiceDeployment: "... because of a
 * ROLLBACK action on the lifecycle hook ..."). 1 or 0.
 */
int ship_sdep_rollback_requested(const char *reason);

/*
 * Whether ECS rolled the service's last deployment back by itself: the events say so
 * (ship_service_breaker_rollback), or the newest service deployment (may be NULL) ended
 * ROLLBACK_SUCCESSFUL for a reason other than a request ("... because of a user request.",
 * "... because of a ROLLBACK action on the lifecycle hook ..."): the events rotate away (ECS
 * keeps 100), and a failed lifecycle hook rolls back without the breaker's event. out gets the
 * evidence; 1 or 0.
 */
int ship_service_rolled_back_by_ecs(const json_t *service, const struct ship_service_view *v,
				    const struct ship_service_deployment_brief *newest, char *out,
				    size_t n);

#endif
