/*
 * deploy.h (private): the three stages that start one service's deploy (lib/ecs/deploy.c), for
 * the engine and for the tests that run each stage on its own over a scripted ECS. Each stage
 * returns -1 on an AWS error (err filled), 1 when the deploy of this service ends here
 * (res->outcome set), 0 to go on to the next stage.
 */
#ifndef ECSHIP_PRIVATE_DEPLOY_H
#define ECSHIP_PRIVATE_DEPLOY_H

#include "ecship/deploy.h"

/* What the stages hand on; zero it before the first stage, release it after the last. */
struct ship_deploy_start {
	json_t *svc;		       /* the service as observed; NULL when it does not exist */
	struct ship_service_view view; /* svc parsed */
	struct ship_event_cursor cur;  /* primed with the events from before our change */
	int same;		       /* the family's latest revision is the rendered definition */
	json_t *update;		       /* UpdateService members the service definition changes */
	int superseding;	       /* the PRIMARY failed for good: ours replaces it, also on the
					  same revision (forceNewDeployment) */
};
void ship_deploy_start_release(struct ship_deploy_start *s);

/*
 * `call` holds the deploy's retry persistence (docs/retries.md): the stages that change AWS
 * extend it (persist_until) from the first change on, so it is not const.
 */

/* 1. DescribeServices; a deployment in progress is waited for (or refused, or noted on a dry
 * run) and the service described again. res->previous_taskdef is what it runs. */
int ship_deploy_observe(struct ship_aws *aws, struct ship_call_opts *call,
			const struct ship_deploy_opts *o, struct ship_deploy_start *s,
			struct ship_deploy_result *res, struct ship_err *err);
/* 2. The revision: the family's latest when it is the same, else registered (not on a dry run).
 * Sets res->taskdef_arn, revision, registered and s->same. */
int ship_deploy_ensure_revision(struct ship_aws *aws, struct ship_call_opts *call,
				const struct ship_deploy_opts *o, struct ship_deploy_start *s,
				struct ship_deploy_result *res, struct ship_err *err);
/* 3. Nothing to do (UNCHANGED), a dry run (DRY_RUN), or the pre-run hook, then CreateService or
 * UpdateService (recording the previous revision): STARTED with res->deployment_id. Always
 * ends the start (returns 1 or -1). */
int ship_deploy_apply(struct ship_aws *aws, struct ship_call_opts *call,
		      const struct ship_deploy_opts *o, struct ship_deploy_start *s,
		      struct ship_deploy_result *res, struct ship_err *err);

/* ---- restore.c: the service settings a rollback restores besides the revision ---------------- */

/* The live service's values (DescribeServices) of the members `update` changes: what a rollback
 * sends back (new reference; NULL when update is empty, or out of memory). */
json_t *ship_restore_config_before(const json_t *live, const json_t *update);
/* The members of config that a service revision does not hold, which ECS's own rollback leaves
 * as they are (new reference; NULL when there are none). */
json_t *ship_restore_outside_revision(const json_t *config);
/* Appends to tags (a TagResource "tags" array) the tags recording config under
 * SHIP_TAG_PREVIOUS_SERVICE; NULL or empty config records "nothing changed". -1 when config is
 * too long to record (nothing appended) or out of memory. */
int ship_restore_config_tags(const json_t *config, json_t *tags);
/* The config those tags record (new reference), NULL when none is recorded. */
json_t *ship_restore_config_from_tags(const json_t *tags);
/* StopServiceDeployment ROLLBACK of sdep_arn: 1 when ECS rolls it back, 0 when ECS cannot here
 * (no such action, the deployment finished or is unknown: the caller rolls back itself), -1 with
 * err on any other error. */
int ship_restore_stop_rollback(struct ship_aws *aws, const struct ship_call_opts *call,
			       const char *sdep_arn, struct ship_err *err);
/* UpdateService of cluster/service with members. 0 or -1 with err. */
int ship_restore_update(struct ship_aws *aws, const struct ship_call_opts *call,
			const char *cluster, const char *service, const json_t *members,
			struct ship_err *err);
/* "a, b, c": the member names, for notes. */
void ship_restore_names(const json_t *members, char *out, size_t n);

#endif
