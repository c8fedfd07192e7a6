/*
 * cmd_status.c: `ecship status`: the service at a glance: its task definition, counts,
 * deployments with their rollout states, the recorded previous revision and recent events.
 */
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ecship/ecs.h"

static struct {
	const char *service;
	long events;
} s_args = {NULL, 5};

static const struct cli_option s_options[] = {
    CLI_STRING("service", "NAME", &s_args.service, "the service of the config (default: the first)"),
    CLI_INT("events", "N", &s_args.events, 0, 100, "show the N most recent service events (default 5)"),
    CLI_OPTIONS_END,
};


static void when(double t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M:%SZ", &tm);
}

static int cmd_status(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_project proj;
	json_t *svc = NULL;
	int rc;

	if (argc > 0) {
		cli_error("'status' takes no arguments, got '%s'", argv[0]);
		return CLI_EXIT_USAGE;
	}
	const struct ship_config_service *cs = NULL;
	struct ship_service_view v;
	if ((rc = cli_project_live(ctx, &proj, s_args.service, &cs, &svc, &v)))
		goto cleanup;
	if (ctx->json) {
		json_t *events = json_object_get(svc, "events");
		while (json_array_size(events) > (size_t)s_args.events)
			json_array_remove(events, json_array_size(events) - 1);
		json_t *o = json_pack("{s:s, s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}",
				      "cluster", proj.cfg->cluster, "service", cs->name, "status",
				      json_object_get(svc, "status"), "task_definition",
				      json_object_get(svc, "taskDefinition"), "desired",
				      json_object_get(svc, "desiredCount"), "running",
				      json_object_get(svc, "runningCount"), "pending",
				      json_object_get(svc, "pendingCount"), "deployments",
				      json_object_get(svc, "deployments"), "events", events);
		cli_print_json(o);
		json_decref(o);
		rc = CLI_EXIT_OK;
		goto cleanup;
	}
	printf("service      %s (%s) in cluster %s\n", cli_safe(v.name), cli_safe(v.status),
	       cli_safe(proj.cfg->cluster));
	printf("revision     %s\n", cli_safe(ship_taskdef_short(v.taskdef)));
	printf("tasks        desired %ld, running %ld, pending %ld\n", v.desired, v.running,
	       v.pending);
	printf("breaker      %s\n", v.breaker_enable ? (v.breaker_rollback ? "on, rolls back" : "on, no rollback") : "off");
	printf("deployments\n");
	for (size_t i = 0; i < v.ndep; i++) {
		const struct ship_deployment_view *d = &v.dep[i];
		char ts[32];
		when(d->created, ts, sizeof(ts));
		printf("  %-7s %-11s %s %s  desired %ld, running %ld, pending %ld, failed %ld  "
		       "(since %s)\n",
		       cli_safe(d->status), cli_safe(d->rollout_state[0] ? d->rollout_state : "-"),
		       cli_safe(d->id), cli_safe(ship_taskdef_short(d->taskdef)), d->desired,
		       d->running, d->pending, d->failed, ts);
		if (d->reason[0])
			printf("          %s\n", cli_safe(d->reason));
	}
	json_t *events = json_object_get(svc, "events"), *e;
	size_t i;
	if (s_args.events > 0 && json_array_size(events))
		printf("events\n");
	json_array_foreach(events, i, e) {
		if (i >= (size_t)s_args.events)
			break;
		json_t *c = json_object_get(e, "createdAt");
		char ts[32];
		when(json_is_number(c) ? json_number_value(c) : 0, ts, sizeof(ts));
		printf("  %s  %s\n", ts,
		       cli_safe(json_string_value(json_object_get(e, "message"))));
	}
	rc = CLI_EXIT_OK;
cleanup:
	json_decref(svc);
	cli_project_release(&proj);
	return rc;
}

const struct cli_command cmd_status_def = {
    "status",
    cmd_status,
    0,
    NULL,
    "show the service: revision, counts, deployments and recent events",
    NULL,
    s_options,
};
