/*
 * cmd_tasks.c: `ecship tasks [--stopped | --all]`: the service's tasks, newest first, with
 * status, health, times, stopCode, stoppedReason, each container's exit code and reason, and
 * the private IP (runbook 6.3's describe-tasks, answered). The reading is tasks.h's.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ecship/tasks.h"

static struct {
	const char *service;
	int stopped, all;
	long max;
} s_args = {NULL, 0, 0, 20};

static const struct cli_option s_options[] = {
    CLI_FLAG("stopped", &s_args.stopped, "the stopped tasks (ECS keeps them about an hour) instead of the running ones"),
    CLI_FLAG_ALT("all", &s_args.all, "running and stopped tasks"),
    CLI_STRING("service", "NAME", &s_args.service, "the service of the config (default: the first)"),
    CLI_INT("max", "N", &s_args.max, 1, 1000, "show at most N tasks (default 20)"),
    CLI_OPTIONS_END,
};

static int cmd_tasks(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *cluster = ctx->proj->cfg->cluster;
	const struct ship_config_service *cs = ctx->svc;
	struct ship_task_list tl = {0};
	struct ship_err err = SHIP_ERR_INIT;
	int rc;

	if (argc > 0) {
		cli_error(_("'tasks' takes no arguments, got '%s'"), argv[0]);
		return CLI_EXIT_USAGE;
	}
	unsigned which = s_args.all ? SHIP_TASKS_RUNNING | SHIP_TASKS_STOPPED
			 : s_args.stopped ? SHIP_TASKS_STOPPED
					  : SHIP_TASKS_RUNNING;
	rc = CLI_EXIT_OK;
	if (ship_tasks_list(ctx->aws, cluster, cs->name, which, (size_t)s_args.max, &tl, &err)) {
		rc = cli_report(_("cannot list the tasks"), &err);
		if (!strcmp(err.aws_code, "ServiceNotFoundException"))
			cli_hint(_("'ecship deploy' creates service '%s'"), cs->name);
		goto cleanup;
	}
	if (ctx->json) {
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < tl.n; i++)
			json_array_append_new(arr, ship_task_info_json(&tl.v[i]));
		json_t *o = json_pack("{s:s, s:s, s:o}", "cluster", cluster, "service", cs->name,
				      "tasks", arr);
		if (!o || cli_print_json(o))
			rc = CLI_EXIT_FAILED;
		json_decref(o);
	} else if (!tl.n) {
		cli_note(_("service '%s' has no %s tasks"), cs->name,
			 s_args.all	  ? ""
			 : s_args.stopped ? "stopped"
					  : "running");
	} else {
		for (size_t i = 0; i < tl.n; i++)
			cli_print_task(stdout, &tl.v[i]);
	}
cleanup:
	ship_task_list_release(&tl);
	return rc;
}

const struct cli_command cmd_tasks_def = {
    "tasks",
    cmd_tasks,
    CLI_NEED_CLUSTER | CLI_NEED_SERVICE | CLI_NEED_REGION,
    NULL,
    "list the service's tasks: status, health, stop code and reason, exit codes, IP",
    "Lists the service's tasks, newest first: id, revision, last and desired status, health,\n"
    "start and stop times, stopCode and stoppedReason, each container's exit code and reason,\n"
    "and the private IP. --stopped shows the tasks ECS stopped (kept about an hour), which\n"
    "say why a deployment failed; --output json gives the same as data.",
    s_options,
};
