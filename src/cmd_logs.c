/*
 * cmd_logs.c: `ecship logs [--follow] [--since DUR] [--filter P] [--task ID]`: the service's
 * awslogs output (group, region and stream prefix from its task definition), every task's
 * stream merged in time order and prefixed by task, like `aws logs tail`. --follow polls with
 * backoff (1 s, growing to 5 s while quiet) and ends cleanly on Ctrl-C. Reading is logs.h's.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ecship/ecs.h"
#include "ecship/rollout.h"

static struct {
	const char *service, *filter, *task, *container;
	double since;
	int follow;
} s_args;

static const struct cli_option s_options[] = {
    CLI_FLAG("follow", &s_args.follow, "keep printing new events until Ctrl-C"),
    CLI_DURATION("since", &s_args.since, "start DUR ago (default 10m)"),
    CLI_STRING("filter", "PATTERN", &s_args.filter, "only events matching a CloudWatch Logs filter pattern"),
    CLI_STRING("task", "ID", &s_args.task, "only this task's stream (id or ARN)"),
    CLI_STRING("container", "NAME", &s_args.container, "the container whose log to read (default: the load-balanced or only one)"),
    CLI_STRING("service", "NAME", &s_args.service, "the service of the config (default: the first)"),
    CLI_OPTIONS_END,
};

/* The task definition the service runs (a new reference), or NULL with the reason printed. */
static json_t *service_taskdef(struct ship_aws *aws, struct cli_project *proj,
			       const struct ship_config_service *cs, json_t **svc, int *rc)
{
	struct ship_err err = SHIP_ERR_INIT;
	json_t *td = NULL;
	if (ship_ecs_describe_service(aws, proj->cfg->cluster, cs->name, svc, &err)) {
		*rc = cli_report(_("cannot describe the service"), &err);
		return NULL;
	}
	if (!*svc) {
		/* no service yet (one-off tasks may still have written): the local definition */
		struct ship_rendered rend = {0};
		if ((*rc = cli_project_render(proj, cs, NULL, NULL, 1, &rend)))
			return NULL;
		td = json_incref(rend.task_definition);
		ship_rendered_release(&rend);
		return td;
	}
	const char *arn = json_string_value(json_object_get(*svc, "taskDefinition"));
	if (ship_ecs_describe_taskdef(aws, arn, &td, &err))
		*rc = cli_report(_("cannot read the service's task definition"), &err);
	return td;
}

/* A client for the log group's region when it is not the client's own. */
static struct ship_aws *logs_client(struct cli_ctx *ctx, struct ship_aws *aws, const char *region,
				    struct ship_aws **owned)
{
	struct ship_err err = SHIP_ERR_INIT;
	const char *mine = ship_aws_region(aws);
	*owned = NULL;
	if (!region[0] || (mine && !strcmp(mine, region)))
		return aws;
	struct ship_aws_options o = {0};
	o.region = region;
	o.profile = ctx->g.profile;
	o.endpoint_url = ctx->g.endpoint_url;
	*owned = ship_aws_new(&o, &err);
	if (!*owned) {
		cli_warn(_("cannot make a client for region %s (%s); reading in %s"), region,
			 err.message, mine ? mine : "the default region");
		return aws;
	}
	return *owned;
}

static int cmd_logs(struct cli_ctx *ctx, int argc, char **argv)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_log_events ev = {0};
	struct ship_aws *owned = NULL;
	json_t *svc = NULL, *td = NULL;
	struct ship_awslogs al;
	char stream[900]; /* PREFIX/CONTAINER/TASK-ID: at most 801 (logs.h) */
	char prefix[sizeof(al.prefix) + sizeof(al.container) + 1];
	const char *streams[1] = {stream};
	int rc = CLI_EXIT_OK;

	if (argc > 0) {
		cli_error(_("'logs' takes no arguments, got '%s'"), argv[0]);
		return CLI_EXIT_USAGE;
	}
	struct ship_aws *aws = ctx->aws;
	if (!(td = service_taskdef(aws, ctx->proj, ctx->svc, &svc, &rc)))
		goto cleanup;
	const char *container = s_args.container ? s_args.container
						 : ship_run_main_container(td, svc ? svc : NULL);
	if (ship_awslogs_of(td, container, &al, &err)) {
		rc = cli_report(_("cannot read the service's logs"), &err);
		goto cleanup;
	}
	struct ship_logs_query q = {0};
	q.group = al.group;
	if (s_args.task) {
		if (ship_awslogs_stream(&al, ship_arn_tail(s_args.task), stream, sizeof(stream))) {
			cli_error(
			    _("container '%s' has no awslogs-stream-prefix, so a task's stream "
			      "cannot be named"),
			    al.container);
			cli_hint(_("add \"awslogs-stream-prefix\": \"ecs\" to its logConfiguration "
				   "options"));
			rc = CLI_EXIT_USAGE;
			goto cleanup;
		}
		q.streams = streams;
		q.nstreams = 1;
	} else if (al.prefix[0]) {
		snprintf(prefix, sizeof(prefix), "%s/%s/", al.prefix, al.container);
		q.stream_prefix = prefix;
	}
	q.filter = s_args.filter;
	struct ship_aws *laws = logs_client(ctx, aws, al.region, &owned);
	const struct ship_clock *clk = ship_aws_clock(laws);
	struct ship_logs_follow cur;
	ship_logs_follow_init(&cur, clk->now(clk->ctx) - (s_args.since > 0 ? s_args.since : 600));
	struct ship_poll poll;
	ship_poll_init(&poll);
	cli_note(_("log group %s, streams %s"), al.group,
		 q.nstreams  ? stream
		 : prefix[0] ? prefix
			     : "(all)");
	rc = CLI_EXIT_OK;
	for (;;) {
		q.start = cur.since;
		if (ship_logs_filter(laws, &q, &ev, &err)) {
			if (!s_args.follow || !ship_err_is_transient(&err)) {
				rc = cli_report(_("cannot read the logs"), &err);
				if (!strcmp(err.aws_code, "ResourceNotFoundException"))
					cli_hint(
					    _("the log group does not exist yet: 'ecship doctor' "
					      "checks it"));
				break;
			}
		}
		if (q.nstreams && !s_args.follow && ev.n == 0) {
			/* nothing printed: say so when the task's stream is not there at all */
			int exists = 1;
			if (ship_logs_stream_exists(laws, al.group, stream, &exists, &err)) {
				rc = cli_report(_("cannot read the logs"), &err);
				break;
			}
			if (!exists) {
				cli_error(
				    _("no log stream '%s' in log group '%s': task '%s' is not one "
				      "of the service's, or it has written no logs yet"),
				    stream, al.group, s_args.task);
				cli_hint(_("'ecship tasks --stopped' lists the service's tasks"));
				rc = CLI_EXIT_USAGE;
				break;
			}
		}
		size_t n = ship_logs_follow_take(&cur, &ev);
		for (size_t i = 0; i < ev.n; i++)
			cli_print_log_event(stdout, &ev.v[i], 1);
		fflush(stdout);
		if (ev.dropped)
			cli_note(
			    _("(%zu more events not shown; narrow it with --since or --filter)"),
			    ev.dropped);
		ship_log_events_release(&ev);
		if (!s_args.follow || cli_interrupted())
			break;
		clk->sleep(clk->ctx, ship_poll_next(&poll, n > 0, err.throttled));
		ship_err_clear(&err);
		if (cli_interrupted())
			break; /* Ctrl-C ends --follow: a normal end */
	}
cleanup:
	ship_log_events_release(&ev);
	ship_aws_destroy(owned);
	json_decref(td);
	json_decref(svc);
	return rc;
}

const struct cli_command cmd_logs_def = {
    "logs",
    cmd_logs,
    CLI_NEED_CLUSTER | CLI_NEED_SERVICE | CLI_NEED_REGION,
    NULL,
    "print the service's CloudWatch Logs, all tasks merged in time order",
    "Reads the awslogs group, region and stream prefix of the task definition the service runs\n"
    "and prints its tasks' events merged in time order, each prefixed by its task id, like\n"
    "'aws logs tail'. --follow keeps polling (every second while events arrive, backing off\n"
    "to every 5 s) until Ctrl-C, which ends it with exit 0.",
    s_options,
};
