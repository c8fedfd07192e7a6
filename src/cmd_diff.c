/*
 * cmd_diff.c: `ecship diff`: what a deploy would change: the rendered task and service
 * definitions against the live ones, as unified diffs with ECS's defaults normalized away (so
 * only real differences show).
 */
#include <string.h>

#include "cli.h"
#include "ecship/autoscaling.h"
#include "ecship/ecs.h"
#include "ecship/taskdef.h"

static struct {
	const char *image, *tag, *service;
	int exit_code;
} s_args;

static const struct cli_option s_options[] = {
    CLI_STRING("image", "URI", &s_args.image, "compare as if deploying this image"),
    CLI_STRING_ALT("tag", "TAG", &s_args.tag, "compare as if deploying this tag"),
    CLI_STRING("service", "NAME", &s_args.service, "the service of the config (default: the first)"),
    CLI_FLAG("exit-code", &s_args.exit_code, "exit 1 when there are differences (for CI checks)"),
    CLI_OPTIONS_END,
};

/* Prints the diff of two normalized documents; returns 1 when they differ, 0 when not, -1 on error. */
static int show(const json_t *live, const json_t *local, const char *la, const char *lb,
		int normalize_td)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_buf out = SHIP_BUF_INIT(0);
	json_t *a = normalize_td ? ship_taskdef_normalize(live) : ship_servicedef_normalize(live);
	/* the service as ecship would send it (with the breaker it adds), not the bare file */
	json_t *req = normalize_td ? NULL : ship_servicedef_request(local);
	json_t *b = normalize_td ? ship_taskdef_normalize(local) : ship_servicedef_normalize(req);
	json_decref(req);
	if (!normalize_td) {
		/* deploy sets the service's task definition itself: not a difference */
		json_object_del(a, "taskDefinition");
		json_object_del(b, "taskDefinition");
	}
	int r = (a && b) ? ship_json_diff(a, b, la, lb, &out, &err) : -1;
	if (r < 0)
		cli_error(_("cannot compare the definitions: %s"),
			  err.message[0] ? err.message : "out of memory");
	else if (r > 0)
		cli_put_lines(stdout, out.data); /* live strings are remote text */
	json_decref(a);
	json_decref(b);
	ship_buf_release(&out);
	return r;
}

/* What deploy would do to the service: the UpdateService members it would send (or why it would
 * refuse), and desiredCount, which it leaves as it is live. 1 when deploy would change it. */
static int show_update(const json_t *live, const json_t *local)
{
	struct ship_err err = SHIP_ERR_INIT;
	json_t *upd = NULL;
	int r = 0;
	json_t *ld = json_object_get(live, "desiredCount"), *fd = json_object_get(local, "desiredCount");
	if (json_is_integer(ld) && json_is_integer(fd) &&
	    json_integer_value(ld) != json_integer_value(fd))
		cli_note(_("desiredCount: %lld live, %lld in the service definition: deploy leaves "
			   "the live "
			   "count (Application Auto Scaling or a person owns it); 'ecship deploy "
			   "--desired-count N' sets it"),
			 (long long)json_integer_value(ld), (long long)json_integer_value(fd));
	if (ship_servicedef_update(local, live, &upd, &err)) {
		cli_error(_("deploy would refuse: %s"), err.message);
		return 1;
	}
	if (json_object_size(upd)) {
		char *txt = json_dumps(upd, JSON_SORT_KEYS | JSON_INDENT(2));
		printf(_("deploy would send UpdateService with:\n"));
		cli_put_lines(stdout, txt ? txt : "(out of memory)");
		printf("\n");
		ship_free(txt);
		r = 1;
	}
	json_decref(upd);
	return r;
}

/* ecship.yml's autoscaling against the live scalable target and policy: 1 when a deploy would
 * change them, 0 when not (or none is declared), -1 on an error (reported). */
static int show_autoscaling(struct cli_ctx *ctx, const struct ship_config_service *cs,
			    const json_t *local, const json_t *live)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_buf out = SHIP_BUF_INIT(0);
	struct ship_as_apply a = {
	    ctx->proj->cfg->cluster, cs->name, &cs->autoscaling, local, live, 1, NULL, NULL};
	int r = ship_autoscaling_plan(ctx->aws, NULL, &a, &out, &err);
	if (r < 0)
		cli_report(_("cannot compare the autoscaling"), &err);
	else if (r > 0) {
		/* i18n: not translated (a unified diff's header, as diff tools read it) */
		printf("--- live autoscaling of %s\n+++ ecship.yml autoscaling\n",
		       cli_safe(cs->name));
		cli_put_lines(stdout, out.data);
	}
	ship_buf_release(&out);
	return r;
}

static int cmd_diff(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_project *proj = ctx->proj;
	const struct ship_config_service *cs = ctx->svc;
	struct ship_aws *aws = ctx->aws;
	struct ship_rendered rend = {0};
	struct ship_err err = SHIP_ERR_INIT;
	json_t *svc = NULL, *resp = NULL;
	int rc, differs = 0;
	char la[600], lb[600];

	if (argc > 0) {
		cli_error(_("'diff' takes no arguments, got '%s'"), argv[0]);
		return CLI_EXIT_USAGE;
	}
	if ((rc = cli_project_render(proj, cs, ctx->image, ctx->tag, 1, &rend)))
		goto cleanup;
	if (ship_ecs_describe_service(aws, proj->cfg->cluster, cs->name, &svc, &err)) {
		rc = cli_report(_("cannot describe the service"), &err);
		goto cleanup;
	}
	if (!svc) {
		printf(_("service '%s' does not exist in cluster '%s': a deploy creates it\n"),
		       cs->name, proj->cfg->cluster);
		rc = s_args.exit_code ? CLI_EXIT_FAILED : CLI_EXIT_OK;
		goto cleanup;
	}
	const char *live_td = json_string_value(json_object_get(svc, "taskDefinition"));
	if (ship_ecs_describe_taskdef(aws, live_td, &resp, &err)) {
		rc = cli_report(_("cannot describe the live task definition"), &err);
		goto cleanup;
	}
	const char *short_td = live_td && strrchr(live_td, '/') ? strrchr(live_td, '/') + 1 : live_td;
	/* the labels of the unified diff's ---/+++ header lines, as diff tools read them */
	/* i18n: not translated (diff header labels) */
	snprintf(la, sizeof(la), "live %s", short_td ? short_td : "?");
	/* i18n: not translated (diff header labels) */
	snprintf(lb, sizeof(lb), "local %s", cs->task_definition);
	int d1 = show(resp, rend.task_definition, la, lb, 1);
	int d2 = 0;
	if (rend.service_definition) {
		/* i18n: not translated (diff header labels, as above) */
		snprintf(la, sizeof(la), "live service %s", cs->name);
		/* i18n: not translated (diff header labels, as above) */
		snprintf(lb, sizeof(lb), "local %s", cs->service_definition);
		d2 = show(svc, rend.service_definition, la, lb, 0);
		if (d2 >= 0)
			d2 |= show_update(svc, rend.service_definition);
	}
	int d3 = show_autoscaling(ctx, cs, rend.service_definition, svc);
	if (d1 < 0 || d2 < 0 || d3 < 0) {
		rc = CLI_EXIT_FAILED;
		goto cleanup;
	}
	differs = d1 > 0 || d2 > 0 || d3 > 0;
	if (!differs)
		cli_note(_("no differences: a deploy would register nothing and change nothing"));
	rc = differs && s_args.exit_code ? CLI_EXIT_FAILED : CLI_EXIT_OK;
cleanup:
	json_decref(svc);
	json_decref(resp);
	ship_rendered_release(&rend);
	return rc;
}

const struct cli_command cmd_diff_def = {
    "diff",
    cmd_diff,
    CLI_NEED_CLUSTER | CLI_NEED_TASKDEF | CLI_NEED_REGION | CLI_IMAGE_OR_TAG,
    NULL,
    "show how the local definitions differ from the live service and task definition",
    "Renders the definitions as deploy would and prints unified diffs against what ECS runs\n"
    "now, with ECS's defaults (essential, tcp, hostPort, EFS rootDirectory, empty lists, ...;\n"
    "one table, data/ecs-defaults.tsv) normalized away. The service definition is compared as\n"
    "deploy sends it (with the circuit breaker ecship adds) on the fields CreateService takes.",
    s_options,
};
