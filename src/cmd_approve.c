/*
 * cmd_approve.c: `ecship approve`: continues a blue/green, linear or canary deployment that a
 * PAUSE lifecycle hook stopped (ContinueServiceDeployment, action CONTINUE). The deployment is
 * --deployment's, else the service's current service deployment; the hook is the one awaiting
 * action in its record (DescribeServiceDeployments). `ecship abort` (cmd_abort.c) is its twin;
 * both share their options and the answer (cli_pause.c). See docs/strategies.md.
 */
#include "cli.h"

static int cmd_approve(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_answer_pause(ctx, "approve", "CONTINUE", argc, argv);
}

const struct cli_command cmd_approve_def = {
    "approve",
    cmd_approve,
    CLI_NEED_CLUSTER | CLI_NEED_SERVICE | CLI_NEED_REGION,
    NULL,
    "continue a deployment paused at a PAUSE lifecycle hook",
    "Continues the service's blue/green, linear or canary deployment that a PAUSE lifecycle\n"
    "hook stopped (ContinueServiceDeployment, action CONTINUE): the deployment goes on to its\n"
    "next lifecycle stage. 'ecship deploy' exits 5 at such a pause and prints this command.\n"
    "Exit 0 when ECS took the answer ('ecship wait' follows the rest); 1 when the deployment\n"
    "waits at no PAUSE hook. 'ecship abort' rolls it back instead.",
    cli_pause_options,
};
