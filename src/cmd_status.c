/*
 * cmd_status.c: `ecship status`: the service at a glance: its task definition and the image its
 * main container runs, the recorded previous revision, counts, the newest deployment and every
 * deployment with its rollout state, and recent events.
 */
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ecship/autoscaling.h"
#include "ecship/ecs.h"
#include "ecship/run.h"
#include "ecship/service_info.h"
#include "ecship/strategy.h"

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

static json_t *lifecycle_json(const struct ship_service_view *v, const struct ship_sdep_stage *l)
{
	json_t *o = json_pack("{s:s, s:s, s:s?}", "service_deployment_arn", v->current_sdep,
			      "strategy", l->strategy[0] ? l->strategy : "ROLLING", "stage",
			      l->stage[0] ? l->stage : NULL);
	if (!o)
		return json_null();
	json_object_set_new(o, "production_traffic_percent",
			    l->prod_weight >= 0 ? json_real(l->prod_weight) : json_null());
	json_object_set_new(o, "test_traffic_percent",
			    l->test_weight >= 0 ? json_real(l->test_weight) : json_null());
	json_object_set_new(
	    o, "paused",
	    l->paused ? json_pack("{s:s, s:s, s:f, s:s?}", "hook_id", l->hook.id, "type",
				  l->hook.type, "expires_at", l->hook.expires_at, "timeout_action",
				  l->hook.timeout_action[0] ? l->hook.timeout_action : NULL)
		      : json_null());
	json_object_set_new(o, "triggered_alarms",
			    l->triggered[0] ? json_string(l->triggered) : json_null());
	return o;
}

/* "strategy ...", "paused ..." lines of a blue/green, linear or canary deployment */
static void print_lifecycle(const struct ship_sdep_stage *l)
{
	const char *words = ship_sdep_stage_words(l->stage);
	printf(_("strategy     %s"), cli_safe(l->strategy[0] ? l->strategy : "ROLLING"));
	if (l->stage[0])
		printf(_(", stage %s%s%s%s"), cli_safe(l->stage), words ? " (" : "",
		       words ? _(words) : "", words ? ")" : "");
	printf("\n");
	if (l->prod_weight >= 0 || l->test_weight >= 0)
		printf(_("traffic      new revision: production %.1f%%, test %.1f%%\n"),
		       l->prod_weight >= 0 ? l->prod_weight : 0.0,
		       l->test_weight >= 0 ? l->test_weight : 0.0);
	if (l->paused) {
		char ts[32] = "-";
		if (l->hook.expires_at > 0)
			when(l->hook.expires_at, ts, sizeof(ts));
		char line[1024];
		snprintf(line, sizeof(line),
			 _("paused       at lifecycle hook %s until %s, then %s; 'ecship approve' "
			   "continues, 'ecship abort' rolls back\n"),
			 cli_safe(l->hook.id), ts,
			 l->hook.timeout_action[0] ? cli_safe(l->hook.timeout_action) : "ROLLBACK");
		fputs(cli_aim(line), stdout); /* the commands act on this service (--service) */
	}
	if (l->triggered[0])
		printf(_("alarms       in ALARM during the deployment: %s\n"),
		       cli_safe(l->triggered));
}

/* A policy in a few words: its type, and what a target-tracking one follows at what value. */
static json_t *policy_brief(const json_t *p)
{
	const json_t *c = json_object_get(p, "TargetTrackingScalingPolicyConfiguration");
	const json_t *spec = json_object_get(c, "PredefinedMetricSpecification");
	const char *metric = json_string_value(json_object_get(spec, "PredefinedMetricType"));
	if (c && !metric)
		metric = json_object_get(c, "CustomizedMetricSpecification") ? "custom" : NULL;
	return json_pack("{s:O?, s:O?, s:s?, s:O?}", "name", json_object_get(p, "PolicyName"),
			 "type", json_object_get(p, "PolicyType"), "metric", metric, "target",
			 json_object_get(c, "TargetValue"));
}

/* The scalable target and its policies as `--output json` shows them; null when none. */
static json_t *autoscaling_json(const struct ship_as_live *as)
{
	if (!as->registered)
		return json_null();
	json_t *pols = json_array(), *p;
	size_t i;
	json_array_foreach(as->policies, i, p) json_array_append_new(pols, policy_brief(p));
	return json_pack("{s:I, s:I, s:o}", "min", (json_int_t)as->min, "max", (json_int_t)as->max,
			 "policies", pols);
}

static void print_autoscaling(const struct ship_as_live *as)
{
	if (!as->registered) {
		printf(_("autoscaling  none (the desired count is set by deploys and by hand)\n"));
		return;
	}
	printf(_("autoscaling  min %ld, max %ld (Application Auto Scaling sets the desired count; "
		 "deploys leave it)\n"),
	       as->min, as->max);
	json_t *p;
	size_t i;
	json_array_foreach(as->policies, i, p)
	{
		json_t *b = policy_brief(p);
		const json_t *t = json_object_get(b, "target");
		printf(_("  policy %s %s"), cli_safe(json_string_value(json_object_get(b, "name"))),
		       cli_safe(json_string_value(json_object_get(b, "type"))));
		if (json_string_value(json_object_get(b, "metric")))
			printf(" %s", cli_safe(json_string_value(json_object_get(b, "metric"))));
		if (json_is_number(t))
			printf(_(" target %g"), json_number_value(t));
		printf("\n");
		json_decref(b);
	}
}

static int cmd_status(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *cluster = ctx->proj->cfg->cluster;
	json_t *svc = NULL, *td = NULL;
	struct ship_as_live as = {0};
	int rc;

	if (argc > 0) {
		cli_error(_("'status' takes no arguments, got '%s'"), argv[0]);
		return CLI_EXIT_USAGE;
	}
	const struct ship_config_service *cs = ctx->svc;
	struct ship_service_view v;
	if ((rc = cli_live_service(ctx, &svc, &v)))
		goto cleanup;
	/* what runs (the main container's image), where a rollback goes, the newest deployment;
	 * best effort: a failed read is a warning, the rest is still shown */
	struct ship_err err = SHIP_ERR_INIT;
	char previous[512] = "", image[1024] = "", container[256] = "";
	if (ship_deploy_recorded_previous(ctx->aws, v.arn, previous, sizeof(previous), &err))
		cli_warn(_("cannot read the recorded previous revision: %s"), err.message);
	if (ship_ecs_describe_taskdef(ctx->aws, v.taskdef, &td, &err) == 0) {
		const char *main = ship_run_main_container(td, svc);
		json_t *c, *cdefs = json_object_get(td, "containerDefinitions");
		size_t k;
		json_array_foreach(cdefs, k, c)
		{
			const char *name = json_string_value(json_object_get(c, "name"));
			if (main && name && !strcmp(name, main)) {
				snprintf(container, sizeof(container), "%s", name);
				snprintf(image, sizeof(image), "%s",
					 json_string_value(json_object_get(c, "image"))
					     ? json_string_value(json_object_get(c, "image"))
					     : "");
			}
		}
	} else {
		cli_warn(_("cannot read the running task definition: %s"), err.message);
	}
	const struct ship_deployment_view *newest = ship_service_newest(&v);
	/* the service deployments API's newest entry (its status says e.g. ROLLBACK_SUCCESSFUL);
	 * without the API (or the permission) the deployments of DescribeServices still show */
	struct ship_service_deployment_brief sdep;
	int have_sdep = 0;
	struct ship_err sderr = SHIP_ERR_INIT;
	if (ship_service_deployment_newest(ctx->aws, cluster, cs->name, &sdep, &have_sdep, &sderr))
		have_sdep = 0;
	/* blue/green, linear, canary: where the current service deployment is in its lifecycle
	 * and whether a PAUSE hook holds it (best effort, as above) */
	struct ship_sdep_stage life;
	int have_life = 0;
	if (v.current_sdep[0]) {
		json_t *rec = NULL;
		struct ship_err lerr = SHIP_ERR_INIT;
		if (ship_ecs_sdep_raw(ctx->aws, v.current_sdep, NULL, &rec, &lerr) == 0) {
			ship_sdep_stage_parse(rec, &life);
			have_life = life.stage[0] || life.paused ||
				    ship_strategy_shifts_traffic(life.strategy);
		}
		json_decref(rec);
	}
	/* who owns the desired count: Application Auto Scaling's target (best effort) */
	struct ship_err aserr = SHIP_ERR_INIT;
	int have_as = !ship_autoscaling_describe(ctx->aws, NULL, cluster, cs->name, &as, &aserr);
	if (!have_as)
		cli_warn(_("cannot read the service's autoscaling: %s"), aserr.message);
	if (ctx->json) {
		json_t *events = json_object_get(svc, "events");
		while (json_array_size(events) > (size_t)s_args.events)
			json_array_remove(events, json_array_size(events) - 1);
		json_t *o = json_pack("{s:s, s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}",
				      "cluster", cluster, "service", cs->name, "status",
				      json_object_get(svc, "status"), "task_definition",
				      json_object_get(svc, "taskDefinition"), "desired",
				      json_object_get(svc, "desiredCount"), "running",
				      json_object_get(svc, "runningCount"), "pending",
				      json_object_get(svc, "pendingCount"), "deployments",
				      json_object_get(svc, "deployments"), "events", events);
		json_object_set_new(o, "image", image[0] ? json_string(image) : json_null());
		json_object_set_new(o, "container", container[0] ? json_string(container) : json_null());
		json_object_set_new(o, "previous_task_definition",
				    previous[0] ? json_string(previous) : json_null());
		json_object_set_new(o, "autoscaling",
				    have_as ? autoscaling_json(&as) : json_null());
		json_object_set_new(o, "newest_deployment",
				    newest ? json_string(newest->id) : json_null());
		json_object_set_new(
		    o, "newest_service_deployment",
		    have_sdep
			? json_pack("{s:s, s:s, s:s?, s:s, s:f, s:f, s:o}", "id", sdep.id, "status",
				    sdep.status, "reason", sdep.reason[0] ? sdep.reason : NULL,
				    "target_revision", sdep.target, "created", sdep.created,
				    "started", sdep.started, "finished",
				    sdep.finished > 0 ? json_real(sdep.finished) : json_null())
			: json_null());
		json_object_set_new(o, "lifecycle",
				    have_life ? lifecycle_json(&v, &life) : json_null());
		cli_print_json(o);
		json_decref(o);
		rc = CLI_EXIT_OK;
		goto cleanup;
	}
	printf(_("service      %s (%s) in cluster %s\n"), cli_safe(v.name), cli_safe(v.status),
	       cli_safe(cluster));
	printf(_("revision     %s\n"), cli_safe(ship_taskdef_short(v.taskdef)));
	if (image[0])
		printf(_("image        %s (container %s)\n"), cli_safe(image), cli_safe(container));
	char line[1024];
	if (previous[0] && !strcmp(previous, v.taskdef)) {
		/* the last deploy failed and the service is back on what it replaced: a rollback
		 * has nowhere to go without --to */
		snprintf(line, sizeof(line),
			 _("previous     %s, which it runs again (the last deploy was rolled back; "
			   "'ecship rollback --to N' goes further back)\n"),
			 cli_safe(ship_taskdef_short(previous)));
		fputs(cli_aim(line), stdout); /* aimed at this service (--config, --service) */
	} else if (previous[0]) {
		snprintf(
		    line, sizeof(line),
		    _("previous     %s (recorded by the last deploy; 'ecship rollback' returns to "
		      "it)\n"),
		    cli_safe(ship_taskdef_short(previous)));
		fputs(cli_aim(line), stdout);
	} else
		printf(
		    _("previous     none recorded (a deploy records the revision it replaces)\n"));
	if (newest) {
		char ts[32];
		when(newest->created, ts, sizeof(ts));
		printf(_("newest       %s %s %s %s (since %s)%s"), cli_safe(newest->id),
		       cli_safe(ship_taskdef_short(newest->taskdef)), cli_safe(newest->status),
		       newest->rollout_state[0] ? cli_safe(newest->rollout_state) : "-", ts,
		       newest->reason[0] ? ": " : "");
		printf("%s\n", cli_safe(newest->reason));
	}
	if (have_sdep) {
		char ts[32], fin[48] = "";
		when(sdep.created, ts, sizeof(ts));
		if (sdep.finished > 0) {
			char f[32];
			when(sdep.finished, f, sizeof(f));
			snprintf(fin, sizeof(fin), _(", finished %s"), f);
		}
		printf(_("last change  service deployment %s %s (since %s%s)%s"), cli_safe(sdep.id),
		       cli_safe(sdep.status), ts, fin, sdep.reason[0] ? ": " : "");
		printf("%s\n", cli_safe(sdep.reason));
	}
	if (have_life)
		print_lifecycle(&life);
	char rolled[1024];
	if (ship_service_breaker_rollback(svc, &v, rolled, sizeof(rolled)))
		printf(_("rollback     by ECS's circuit breaker: %s\n"), cli_safe(rolled));
	printf(_("tasks        desired %ld, running %ld, pending %ld\n"), v.desired, v.running,
	       v.pending);
	if (have_as)
		print_autoscaling(&as);
	printf(_("breaker      %s\n"),
	       v.breaker_enable ? (v.breaker_rollback ? _("on, rolls back") : _("on, no rollback"))
				: _("off"));
	printf(_("deployments\n"));
	for (size_t i = 0; i < v.ndep; i++) {
		const struct ship_deployment_view *d = &v.dep[i];
		char ts[32];
		when(d->created, ts, sizeof(ts));
		printf(_("  %-7s %-11s %s %s  desired %ld, running %ld, pending %ld, failed %ld  "
			 "(since %s)\n"),
		       cli_safe(d->status), cli_safe(d->rollout_state[0] ? d->rollout_state : "-"),
		       cli_safe(d->id), cli_safe(ship_taskdef_short(d->taskdef)), d->desired,
		       d->running, d->pending, d->failed, ts);
		if (d->reason[0])
			printf("          %s\n", cli_safe(d->reason));
	}
	json_t *events = json_object_get(svc, "events"), *e;
	size_t i;
	if (s_args.events > 0 && json_array_size(events))
		printf(_("events\n"));
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
	ship_as_live_release(&as);
	json_decref(svc);
	json_decref(td);
	return rc;
}

const struct cli_command cmd_status_def = {
    "status",
    cmd_status,
    CLI_NEED_CLUSTER | CLI_NEED_SERVICE | CLI_NEED_REGION,
    NULL,
    "show the service: revision, image, previous revision, deployments and recent events",
    "Shows the revision the service runs and its main container's image, the revision\n"
    "recorded as the previous one (where 'ecship rollback' goes), the task counts, the newest\n"
    "deployment (with ECS's reason, e.g. a circuit-breaker rollback) and the newest entry of\n"
    "the service deployments API (e.g. ROLLBACK_SUCCESSFUL; left out when the API or the\n"
    "permission ecs:ListServiceDeployments is missing), every deployment with its rollout\n"
    "state, and the N most recent service events. For a blue/green, linear or canary\n"
    "deployment: its lifecycle stage, the traffic on the new revision, and a PAUSE hook that\n"
    "holds it with the time its timeout expires ('ecship approve' or 'ecship abort' answer it).",
    s_options,
};
