/*
 * cmd_wait.c: `ecship wait`: waits for the service's current deployment (the PRIMARY one) to
 * end, with the same rules and progress as deploy: COMPLETED is success, FAILED is exit 1, the
 * timeout exit 4. For a deploy started with --no-wait, or one whose terminal went away.
 */
#include <string.h>

#include "cli.h"
#include "ecship/ecs.h"

static struct {
	const char *service;
	double timeout;
} s_args;

static const struct cli_option s_options[] = {
    CLI_STRING("service", "NAME", &s_args.service, "the service of the config (default: the first)"),
    CLI_DURATION("timeout", &s_args.timeout, "give up after DUR (default: config 'timeout', else 10m)"),
    CLI_OPTIONS_END,
};

static int cmd_wait(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_project *proj = ctx->proj;
	struct ship_err err = SHIP_ERR_INIT;
	struct cli_progress prog;
	json_t *svc = NULL;
	int rc;

	if (argc > 0) {
		cli_error("'wait' takes no arguments, got '%s'", argv[0]);
		return CLI_EXIT_USAGE;
	}
	const struct ship_config_service *cs = ctx->svc;
	struct ship_service_view v;
	if ((rc = cli_live_service(ctx, &svc, &v)))
		goto cleanup;
	struct ship_aws *aws = ctx->aws;
	const struct ship_deployment_view *p = ship_service_primary(&v);
	if (!p) {
		cli_error("service '%s' has no primary deployment to wait for", cs->name);
		rc = CLI_EXIT_FAILED;
		goto cleanup;
	}
	struct ship_rollout ro;
	struct ship_event_cursor cur;
	memset(&cur, 0, sizeof(cur));
	ship_event_cursor_feed(&cur, json_object_get(svc, "events"), 1, NULL, NULL);
	ship_rollout_init(&ro, p->id, p->taskdef);
	cli_progress_init(&prog, ctx);
	cli_progress_note(&prog, "waiting for deployment");
	struct ship_wait_opts wo = {s_args.timeout > 0 ? s_args.timeout : proj->cfg->timeout,
				    cli_progress_snapshot,
				    cli_progress_event,
				    cli_cancelled_cb,
				    &prog,
				    &cur,
				    0,
				    NULL};
	enum ship_wait_end end;
	struct ship_service_view last;
	if (ship_ecs_wait(aws, proj->cfg->cluster, cs->name, ship_wait_rollout_done, &ro, &wo, &end,
			  &last, NULL, &err)) {
		cli_progress_done(&prog);
		rc = cli_report("cannot follow the deployment", &err);
		goto cleanup;
	}
	cli_progress_done(&prog);
	switch (end) {
	case SHIP_WAIT_DONE:
		if (ro.phase == SHIP_ROLLOUT_COMPLETED) {
			if (ctx->json) {
				json_t *o = json_pack("{s:s, s:s, s:s}", "deployment_id", ro.deployment_id,
						      "outcome", "completed", "task_definition_arn",
						      ro.taskdef);
				cli_print_json(o);
				json_decref(o);
			} else {
				printf("deployment %s completed\n", cli_safe(ro.deployment_id));
			}
			rc = CLI_EXIT_OK;
		} else {
			cli_error("deployment %s %s: %s", ro.deployment_id,
				  ro.phase == SHIP_ROLLOUT_REPLACED ? "was replaced" : "failed",
				  ro.reason);
			rc = CLI_EXIT_FAILED;
		}
		break;
	case SHIP_WAIT_TIMEOUT:
		cli_error("deployment %s did not end within the timeout", ro.deployment_id);
		cli_hint("it goes on in ECS: run 'ecship wait' again, or 'ecship rollback'");
		rc = CLI_EXIT_TIMEOUT;
		break;
	case SHIP_WAIT_INTERRUPTED:
		cli_error("interrupted; deployment %s goes on in ECS, nothing was changed",
			  ro.deployment_id);
		rc = CLI_EXIT_INTERRUPTED;
		break;
	case SHIP_WAIT_GONE:
		cli_error("service '%s' was deleted while waiting", cs->name);
		rc = CLI_EXIT_FAILED;
		break;
	}
cleanup:
	json_decref(svc);
	return rc;
}

const struct cli_command cmd_wait_def = {
    "wait",
    cmd_wait,
    CLI_NEED_CLUSTER | CLI_NEED_SERVICE | CLI_NEED_REGION,
    NULL,
    "wait for the service's current deployment to complete or fail",
    "Follows the service's PRIMARY deployment with the same rules as deploy: exit 0 when it\n"
    "completes, 1 when it fails or another deployment replaces it, 4 on the timeout.\n"
    "It never changes the service.",
    s_options,
};
