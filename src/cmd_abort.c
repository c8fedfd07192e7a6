/*
 * cmd_abort.c: `ecship abort`: rolls back a blue/green, linear or canary deployment that a
 * PAUSE lifecycle hook stopped (ContinueServiceDeployment, action ROLLBACK): ECS moves the
 * traffic back to the blue revision. The twin of `ecship approve` (cmd_approve.c); both share
 * their options and the answer (cli_pause.c). See docs/strategies.md.
 */
#include "cli.h"

static int cmd_abort(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_answer_pause(ctx, "abort", "ROLLBACK", argc, argv);
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
    cli_pause_options,
};
