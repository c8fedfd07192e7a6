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

/*
 * Whether the deployment the service runs now is ECS's circuit-breaker rollback: the service
 * events (DescribeServices' "events", newest first) say "(service S) rolling back to deployment
 * ID." no earlier than the PRIMARY deployment was created. Then out gets what failed and where it
 * went back to, e.g. "deployment ecs-svc/2 failed: tasks failed to start; rolled back to
 * deployment ecs-svc/1", and 1 is returned; 0 otherwise.
 */
int ship_service_breaker_rollback(const json_t *service, const struct ship_service_view *v,
				  char *out, size_t n);

#endif
