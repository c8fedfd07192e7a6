/*
 * cmd_run.c: `ecship run -- CMD ARGS...`: the service's task definition (a new revision only
 * with --image/--tag) run once with the service's network and the command replaced, its log
 * streamed, ending with the container's exit code. Also `deploy --pre-run`, the same run of the
 * new revision before the service is updated. The work is the library's (run.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ecship/ecs.h"
#include "ecship/profile.h"

static struct {
	const char *image, *tag, *service, *container;
	double timeout;
	int no_logs;
} s_args;

static const struct cli_option s_options[] = {
    CLI_STRING("image", "URI", &s_args.image, "run this image (registers a revision with it unless the latest is the same)"),
    CLI_STRING_ALT("tag", "TAG", &s_args.tag, "run this tag of the container's image"),
    CLI_STRING("service", "NAME", &s_args.service, "the service of the config whose task definition and network to use (default: the first)"),
    CLI_STRING("container", "NAME", &s_args.container, "the container whose command is replaced (default: the load-balanced or only one)"),
    CLI_DURATION("timeout", &s_args.timeout, "stop the task when it runs longer than DUR (default: no limit)"),
    CLI_FLAG("no-logs", &s_args.no_logs, "do not stream the task's log"),
    CLI_OPTIONS_END,
};

struct runner {
	struct cli_task_logs logs;
	FILE *out;
	int stream;
	char status[24];
};

static void on_started(void *ctx, const struct ship_task_info *t)
{
	struct runner *r = ctx;
	cli_note(_("started task %s (%s)"), t->id, ship_arn_tail(t->taskdef));
	snprintf(r->status, sizeof(r->status), "%s", t->last_status);
}

static void on_poll(void *ctx, const struct ship_task_info *t)
{
	struct runner *r = ctx;
	if (strcmp(r->status, t->last_status)) {
		cli_note(_("task %s is %s"), t->id, t->last_status);
		snprintf(r->status, sizeof(r->status), "%s", t->last_status);
	}
	if (r->stream && t->started > 0)
		cli_task_logs_poll(&r->logs, t->id, r->out);
}

/* Runs one task and streams its log to out; the result says how it ended. */
static int run_one(struct ship_aws *aws, const char *cluster, const json_t *service,
		   const json_t *taskdef, const char *arn, const char *container, char **cmd,
		   size_t ncmd, double timeout, int stream, FILE *out,
		   const struct ship_call_opts *call, struct ship_run_result *res,
		   struct ship_err *err)
{
	struct runner r;
	struct ship_run_opts o = {0};
	memset(&r, 0, sizeof(r));
	r.out = out;
	r.stream = stream;
	cli_task_logs_init(&r.logs, aws, taskdef, container);
	if (stream && !r.logs.ok)
		cli_note(_("not streaming the log: %s"), r.logs.why);
	o.cluster = cluster;
	o.taskdef = arn;
	o.container = container;
	o.command = (const char *const *)cmd;
	o.ncommand = ncmd;
	ship_run_use_service(&o, service);
	o.timeout = timeout;
	o.on_started = on_started;
	o.on_poll = on_poll;
	o.cancelled = cli_cancelled_cb;
	o.ctx = &r;
	o.call = call;
	if (ship_run_task(aws, &o, res, err))
		return -1;
	if (stream && res->task.started > 0)
		cli_task_logs_poll(&r.logs, res->task.id, out); /* lines written just before it stopped */
	return 0;
}

static int run_exit(const struct ship_run_result *res)
{
	switch (res->end) {
	case SHIP_RUN_EXITED:
		return ship_run_exit_status(res);
	case SHIP_RUN_TIMEOUT:
		return CLI_EXIT_TIMEOUT;
	case SHIP_RUN_INTERRUPTED:
		return CLI_EXIT_INTERRUPTED;
	case SHIP_RUN_NOT_STARTED:
		break;
	}
	return CLI_EXIT_FAILED;
}

static void report_run(const struct ship_run_result *res, const char *what)
{
	switch (res->end) {
	case SHIP_RUN_EXITED:
		if (res->exit_code)
			cli_error("%s: %s", what, res->reason);
		else
			cli_note(_("task %s exited with code 0"), res->task.id);
		break;
	case SHIP_RUN_NOT_STARTED:
		cli_error(_("%s: the task did not run: %s"), what, res->reason);
		cli_hint(
		    _("'ecship doctor' checks the image, execution role, log group and network"));
		break;
	case SHIP_RUN_TIMEOUT:
	case SHIP_RUN_INTERRUPTED:
		cli_error("%s: %s", what, res->reason);
		break;
	}
}

/* The live service, or NULL when it does not exist (err set only on a failed call). */
static int live_service(struct ship_aws *aws, const char *cluster, const char *name, json_t **svc,
			struct ship_err *err)
{
	if (ship_ecs_describe_service(aws, cluster, name, svc, err))
		return ship_err_prefix(err, "cannot describe service '%s'", name);
	return 0;
}

static int cmd_run(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_project *proj = ctx->proj;
	const struct ship_config_service *cs = ctx->svc;
	struct ship_aws *aws = ctx->aws;
	struct ship_rendered rend = {0};
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_run_result res;
	json_t *svc = NULL, *resp = NULL;
	const json_t *td = NULL;
	char arn[512];
	int rc;

	if (argc == 0) {
		cli_error(_("'run' needs the command to run"));
		cli_hint(_("ecship run -- python manage.py migrate"));
		return CLI_EXIT_USAGE;
	}
	if (live_service(aws, proj->cfg->cluster, cs->name, &svc, &err)) {
		rc = cli_report(_("cannot run the task"), &err);
		goto cleanup;
	}
	if (svc && !ctx->image && !ctx->tag) {
		/* what the service runs now */
		const char *cur = json_string_value(json_object_get(svc, "taskDefinition"));
		if (ship_ecs_describe_taskdef(aws, cur, &resp, &err)) {
			rc = cli_report(_("cannot read the service's task definition"), &err);
			goto cleanup;
		}
		td = resp;
		snprintf(arn, sizeof(arn), "%s", cur);
	} else {
		int registered = 0;
		if ((rc = cli_project_render(proj, cs, ctx->image, ctx->tag, 0, &rend)))
			goto cleanup;
		td = rend.task_definition;
		if (ship_run_register(aws, td, arn, sizeof(arn), &registered, &err)) {
			rc = cli_report(_("cannot run the task"), &err);
			goto cleanup;
		}
		cli_note("%s %s", registered ? "registered" : "using", ship_arn_tail(arn));
	}
	const json_t *net_from = svc ? svc : rend.service_definition;
	const char *container = s_args.container ? s_args.container
						 : ship_run_main_container(td, net_from);
	if (!container) {
		cli_error(_("cannot tell which container to run the command in"));
		cli_hint(_("name it with --container"));
		rc = CLI_EXIT_USAGE;
		goto cleanup;
	}
	if (run_one(aws, proj->cfg->cluster, net_from, td, arn, container, argv, (size_t)argc,
		    s_args.timeout, !s_args.no_logs, stdout, NULL, &res, &err)) {
		rc = cli_report(_("cannot run the task"), &err);
		goto cleanup;
	}
	if (ctx->json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:i, s:s?}", "task", res.task.id,
				      "task_definition_arn", arn, "end",
				      res.end == SHIP_RUN_EXITED ? "exited" :
				      res.end == SHIP_RUN_TIMEOUT ? "timeout" :
				      res.end == SHIP_RUN_INTERRUPTED ? "interrupted" : "not-started",
				      "exit_code",
				      res.end == SHIP_RUN_EXITED ? json_integer(res.exit_code) : json_null(),
				      "exit_status", run_exit(&res), "reason",
				      res.reason[0] ? res.reason : NULL);
		if (o)
			cli_print_json(o);
		json_decref(o);
	}
	report_run(&res, "the one-off task failed");
	rc = run_exit(&res);
cleanup:
	json_decref(svc);
	json_decref(resp);
	ship_rendered_release(&rend);
	return rc;
}

/* ---- deploy --pre-run -------------------------------------------------------------------------- */

static int prerun_hook(void *vctx, const char *arn, const struct ship_call_opts *call,
		       struct ship_err *err)
{
	struct cli_prerun *pre = vctx;
	struct ship_run_result res;
	char **words = NULL;
	size_t nwords = 0;
	json_t *svc = NULL;
	int rc = -1;

	if (ship_shell_split(pre->command, &words, &nwords, err) || !nwords) {
		if (!nwords && !err->code)
			ship_err_set(err, SHIP_ERR_INPUT, "--pre-run is empty");
		ship_err_prefix(err, "invalid --pre-run '%s'", pre->command);
		goto cleanup;
	}
	if (live_service(pre->aws, pre->cluster, pre->service, &svc, err))
		goto cleanup;
	const json_t *net_from = svc ? svc : pre->service_def;
	const char *container = ship_run_main_container(pre->taskdef, net_from);
	cli_note(_("pre-run: '%s' in a one-off task of %s before service '%s' changes"),
		 pre->command, ship_arn_tail(arn), pre->service);
	if (run_one(pre->aws, pre->cluster, net_from, pre->taskdef, arn, container, words, nwords,
		    pre->timeout, 1, stderr, call, &res, err))
		goto cleanup;
	if (res.end == SHIP_RUN_EXITED && res.exit_code == 0) {
		cli_note(_("pre-run: task %s exited with code 0"), res.task.id);
		rc = 0;
		goto cleanup;
	}
	pre->rc = res.end == SHIP_RUN_INTERRUPTED ? CLI_EXIT_INTERRUPTED
		  : res.end == SHIP_RUN_TIMEOUT	   ? CLI_EXIT_TIMEOUT
						   : CLI_EXIT_FAILED;
	/* not an error of ecship's: the task failed; pre->rc carries the exit code */
	ship_err_set(err, SHIP_ERR_NONE, "--pre-run '%s' failed (task %s): %s; the service was not "
					 "changed",
		     pre->command, res.task.id[0] ? res.task.id : "-",
		     res.reason[0] ? res.reason : "no reason given");
cleanup:
	json_decref(svc);
	ship_shell_split_free(words);
	return rc;
}

void cli_prerun_attach(struct cli_prerun *pre, struct cli_ctx *ctx, struct ship_aws *aws,
		       const char *command, struct ship_deploy_opts *o, const json_t *taskdef,
		       const json_t *service_def)
{
	memset(pre, 0, sizeof(*pre));
	if (!command)
		return;
	pre->ctx = ctx;
	pre->aws = aws;
	pre->command = command;
	pre->cluster = o->cluster;
	pre->service = o->service;
	pre->taskdef = taskdef;
	pre->service_def = service_def;
	pre->timeout = o->timeout;
	o->before_update = prerun_hook;
	o->before_update_ctx = pre;
}

const struct cli_command cmd_run_def = {
    "run",
    cmd_run,
    CLI_NEED_CLUSTER | CLI_NEED_SERVICE | CLI_NEED_REGION | CLI_IMAGE_OR_TAG,
    "-- CMD ARGS...",
    "run a one-off task (e.g. migrations) from the service's task definition",
    "Runs the task definition the service runs now (or, with --image/--tag, the rendered one,\n"
    "registered only when it differs from the latest revision) once, with the service's\n"
    "network configuration and the container's command replaced by CMD ARGS. Streams the\n"
    "task's log to stdout, waits until it stops, and exits with the container's exit code.\n"
    "How the container's exit code maps to ecship's: 0-255 are passed through unchanged (so a\n"
    "container's 2, 3 or 4 looks like ecship's own 2, 3 or 4); a code outside 0-255 is 1; a\n"
    "task that could not start is 1 (with the reason); --timeout is 4 and Ctrl-C is 130 (the\n"
    "task is stopped in both cases). With --output json, 'exit_code' is the container's raw\n"
    "exit code (null when it did not exit), 'end' says how the task ended (exited, timeout,\n"
    "interrupted, not-started) and 'exit_status' is ecship's exit code. 'deploy --pre-run CMD'\n"
    "runs the same way after registering the new revision and before the service is updated.",
    s_options,
};
