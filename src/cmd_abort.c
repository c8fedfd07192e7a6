/*
 * cmd_abort.c: `ecship abort`: rolls back a blue/green, linear or canary deployment that a
 * PAUSE lifecycle hook stopped (ContinueServiceDeployment, action ROLLBACK): ECS moves the
 * traffic back to the blue revision. The twin of `ecship approve` (cmd_approve.c, which holds
 * the shared cli_answer_pause). See docs/strategies.md.
 */
#include "cli.h"

static struct {
	const char *service;
	const char *deployment;
	const char *hook;
} s_args;

static const struct cli_option s_options[] = {
    CLI_STRING("service", "NAME", &s_args.service,
	       "the service of the config (default: the first)"),
    CLI_STRING("deployment", "ARN", &s_args.deployment,
	       "the paused service deployment (default: the service's current one)"),
    CLI_STRING("hook", "ID", &s_args.hook,
	       "answer only if this is the hook waiting (default: the PAUSE hook awaiting action)"),
    CLI_OPTIONS_END,
};

static int cmd_abort(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_answer_pause(ctx, "abort", "ROLLBACK", argc, argv, s_args.deployment,
				s_args.hook);
}

const struct cli_command cmd_abort_def = {
    "abort",
    cmd_abort,
    CLI_NEED_CLUSTER | CLI_NEED_SERVICE | CLI_NEED_REGION,
    NULL,
    "roll back a deployment paused at a PAUSE lifecycle hook",
    "Rolls back the service's blue/green, linear or canary deployment that a PAUSE lifecycle\n"
    "hook stopped (ContinueServiceDeployment, action ROLLBACK): ECS returns all traffic to the\n"
    "blue revision. Exit 0 when ECS took the answer ('ecship wait' then exits 1, the\n"
    "deployment having been rolled back); 1 when the deployment waits at no PAUSE hook.",
    s_options,
};
