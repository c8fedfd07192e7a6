/*
 * cli_pause.c: what `ecship approve` (cmd_approve.c) and `ecship abort` (cmd_abort.c) share:
 * their options (one args struct, one table) and the answer to the PAUSE lifecycle hook a
 * blue/green, linear or canary deployment waits at (ContinueServiceDeployment, action CONTINUE
 * or ROLLBACK). The command files keep only their name, action and help. See docs/strategies.md.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ecship/ecs.h"
#include "ecship/strategy.h"

static struct {
	const char *service;
	const char *deployment;
	const char *hook;
} s_args;

const struct cli_option cli_pause_options[] = {
    CLI_STRING("service", "NAME", &s_args.service,
	       "the service of the config (default: the first)"),
    CLI_STRING("deployment", "ARN", &s_args.deployment,
	       "the paused service deployment (default: the service's current one)"),
    CLI_STRING("hook", "ID", &s_args.hook,
	       "answer only if this is the hook waiting (default: the PAUSE hook awaiting action)"),
    CLI_OPTIONS_END,
};

int cli_answer_pause(struct cli_ctx *ctx, const char *cmd, const char *action, int argc,
		     char **argv)
{
	const char *deployment = s_args.deployment, *hook = s_args.hook;
	json_t *svc = NULL;
	struct ship_service_view v;
	struct ship_sdep_stage st;
	struct ship_err err = SHIP_ERR_INIT;
	int rc;

	if (argc > 0) {
		cli_error(_("'%s' takes no arguments, got '%s'"), cmd, argv[0]);
		return CLI_EXIT_USAGE;
	}
	if ((rc = cli_live_service(ctx, &svc, &v)))
		goto cleanup;
	const char *arn = deployment ? deployment : v.current_sdep;
	if (!arn || !arn[0]) {
		cli_error(_("service '%s' has no current service deployment to %s"), v.name, cmd);
		cli_hint("%s", _("'ecship status' shows the service's deployments"));
		rc = CLI_EXIT_FAILED;
		goto cleanup;
	}
	int r = ship_ecs_sdep_answer_pause(ctx->aws, arn, hook, action, &st, &err);
	if (r < 0) {
		rc = cli_report(!strcmp(action, "CONTINUE") ? _("cannot continue the deployment")
							    : _("cannot roll back the deployment"),
				&err);
		goto cleanup;
	}
	if (r > 0) {
		cli_error("%s", err.message);
		cli_hint("%s",
			 _("only a deployment stopped at a PAUSE lifecycle hook can be answered; "
			   "'ecship status' shows where it is; 'ecship rollback' returns to "
			   "the previous revision"));
		rc = CLI_EXIT_FAILED;
		goto cleanup;
	}
	if (ctx->json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "service", v.name,
				      "service_deployment_arn", arn, "hook_id", st.hook.id, "stage",
				      st.stage, "action", action);
		cli_print_json(o);
		json_decref(o);
	} else if (!strcmp(action, "CONTINUE")) {
		printf(_("approved: deployment %s continues from stage %s (hook %s)\n"),
		       cli_safe(arn), cli_safe(st.stage[0] ? st.stage : "-"), cli_safe(st.hook.id));
	} else {
		printf(_("aborted: ECS rolls deployment %s back from stage %s (hook %s)\n"),
		       cli_safe(arn), cli_safe(st.stage[0] ? st.stage : "-"), cli_safe(st.hook.id));
	}
	cli_hint(_("follow it: %s"), cli_ecship(ctx, "wait"));
	rc = CLI_EXIT_OK;
cleanup:
	json_decref(svc);
	return rc;
}
