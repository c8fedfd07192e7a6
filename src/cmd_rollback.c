/*
 * cmd_rollback.c: `ecship rollback`: moves the service back to the revision the last deploy
 * recorded (the service tag ecship:previous-task-definition) or to --to REVISION, waits until it
 * has settled there, and with --deregister retires the revision it rolled back from.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ecship/deploy.h"

static struct {
	const char *service, *to;
	int no_wait, deregister;
	double timeout;
} s_args;

static const struct cli_option s_options[] = {
    CLI_STRING("to", "REVISION", &s_args.to, "roll back to this revision: N, FAMILY:N or an ARN (default: the recorded previous one)"),
    CLI_STRING("service", "NAME", &s_args.service, "the service of the config (default: the first)"),
    CLI_FLAG("no-wait", &s_args.no_wait, "return once the rollback has started"),
    CLI_DURATION("timeout", &s_args.timeout, "give up waiting after DUR (default: config 'timeout', else 10m)"),
    CLI_FLAG("deregister", &s_args.deregister, "deregister the revision rolled back from, once the rollback has settled"),
    CLI_OPTIONS_END,
};


/* The recorded previous revision: the service's tag, "" when there is none. */
static int recorded_previous(struct ship_aws *aws, const char *service_arn, char *out, size_t n,
			     struct ship_err *err)
{
	json_t *resp = NULL, *req = json_pack("{s:s}", "resourceArn", service_arn), *t;
	size_t i;
	out[0] = '\0';
	if (ship_aws_json(aws, SHIP_SVC_ECS, "ListTagsForResource", req, &resp, NULL, err)) {
		json_decref(req);
		return -1;
	}
	json_array_foreach(json_object_get(resp, "tags"), i, t) {
		const char *k = json_string_value(json_object_get(t, "key"));
		const char *v = json_string_value(json_object_get(t, "value"));
		if (k && v && !strcmp(k, SHIP_TAG_PREVIOUS))
			snprintf(out, n, "%s", v);
	}
	json_decref(req);
	json_decref(resp);
	return 0;
}

/* --to N | FAMILY:N | ARN -> the ARN of an existing revision. */
static int resolve_to(struct ship_aws *aws, const char *to, const char *current, char *out,
		      size_t n, struct ship_err *err)
{
	char ref[600];
	long rev;
	if (!ship_parse_long(to, 1, 10000000, &rev)) {
		/* a bare number: a revision of the family the service runs */
		const char *name = ship_taskdef_short(current), *colon = strrchr(name, ':');
		int flen = colon ? (int)(colon - name) : (int)strlen(name);
		snprintf(ref, sizeof(ref), "%.*s:%ld", flen, name, rev);
	} else {
		snprintf(ref, sizeof(ref), "%s", to);
	}
	json_t *resp = NULL, *req = json_pack("{s:s}", "taskDefinition", ref);
	int r = ship_aws_json(aws, SHIP_SVC_ECS, "DescribeTaskDefinition", req, &resp, NULL, err);
	json_decref(req);
	if (r)
		return ship_err_prefix(err, "cannot find revision '%s'", ref);
	json_t *td = json_object_get(resp, "taskDefinition");
	const char *arn = json_string_value(json_object_get(td, "taskDefinitionArn"));
	snprintf(out, n, "%s", arn ? arn : "");
	json_decref(resp);
	return 0;
}

static int cmd_rollback(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_project proj;
	struct ship_err err = SHIP_ERR_INIT;
	struct cli_progress prog;
	struct ship_deploy_result res;
	json_t *svc = NULL;
	char target[512] = "";
	int rc;

	if (argc > 0) {
		cli_error(_("'rollback' takes no arguments, got '%s'"), argv[0]);
		cli_hint(_("give the revision with --to, e.g. --to 7"));
		return CLI_EXIT_USAGE;
	}
	const struct ship_config_service *cs = NULL;
	struct ship_service_view v;
	if ((rc = cli_project_live(ctx, &proj, s_args.service, &cs, &svc, &v)))
		goto cleanup;
	struct ship_aws *aws = ctx->aws;
	if (s_args.to) {
		if (resolve_to(aws, s_args.to, v.taskdef, target, sizeof(target), &err)) {
			rc = cli_report(_("cannot roll back"), &err);
			goto cleanup;
		}
	} else {
		if (recorded_previous(aws, v.arn, target, sizeof(target), &err)) {
			rc = cli_report(_("cannot read the recorded previous revision"), &err);
			goto cleanup;
		}
		if (!target[0]) {
			cli_error(_("no previous revision is recorded for service '%s'"), cs->name);
			cli_hint(_("ecship records it on each deploy (tag '%s'); give one with --to N"),
				 SHIP_TAG_PREVIOUS);
			rc = CLI_EXIT_FAILED;
			goto cleanup;
		}
	}
	if (!strcmp(target, v.taskdef) && !ship_service_busy(&v)) {
		printf(_("service '%s' already runs %s; nothing to roll back\n"), cs->name,
		       ship_taskdef_short(target));
		rc = CLI_EXIT_OK;
		goto cleanup;
	}
	char from[512];
	snprintf(from, sizeof(from), "%s", v.taskdef);
	cli_progress_init(&prog, ctx);
	struct ship_deploy_opts o = {0};
	o.cluster = proj.cfg->cluster;
	o.service = cs->name;
	o.timeout = s_args.timeout > 0 ? s_args.timeout : proj.cfg->timeout;
	o.on_note = cli_progress_note;
	o.on_snapshot = cli_progress_snapshot;
	o.on_event = cli_progress_event;
	o.cancelled = cli_cancelled_cb;
	o.ctx = &prog;
	memset(&res, 0, sizeof(res));
	if (ship_deploy_rollback_to(aws, &o, target, s_args.no_wait, &res, &err)) {
		cli_progress_done(&prog);
		rc = cli_report(_("rollback failed"), &err);
		goto cleanup;
	}
	cli_progress_done(&prog);
	if (s_args.no_wait) {
		printf(_("rollback of service '%s' to %s started\n"), cs->name, ship_taskdef_short(target));
		rc = CLI_EXIT_OK;
		goto cleanup;
	}
	if (!res.rolled_back) {
		cli_error(_("service '%s' did not settle on %s in time"), cs->name, ship_taskdef_short(target));
		cli_hint(_("'ecship status' shows where it is; 'ecship wait' follows it"));
		rc = cli_interrupted() ? CLI_EXIT_INTERRUPTED : CLI_EXIT_TIMEOUT;
		goto cleanup;
	}
	if (s_args.deregister && strcmp(from, target)) {
		json_t *resp = NULL, *req = json_pack("{s:s}", "taskDefinition", from);
		if (ship_aws_json(aws, SHIP_SVC_ECS, "DeregisterTaskDefinition", req, &resp, NULL,
				  &err))
			cli_report(_("rolled back, but cannot deregister the failed revision"), &err);
		else
			cli_note(_("deregistered %s"), ship_taskdef_short(from));
		json_decref(req);
		json_decref(resp);
	}
	if (ctx->json) {
		json_t *out = json_pack("{s:s, s:s, s:s, s:f}", "service", cs->name, "from", from, "to",
					target, "seconds", res.wait.elapsed);
		cli_print_json(out);
		json_decref(out);
	} else {
		printf(_("rolled back service '%s' from %s to %s\n"), cs->name, ship_taskdef_short(from),
		       ship_taskdef_short(target));
	}
	rc = CLI_EXIT_OK;
cleanup:
	json_decref(svc);
	cli_project_release(&proj);
	return rc;
}

const struct cli_command cmd_rollback_def = {
    "rollback",
    cmd_rollback,
    0,
    "[--to REVISION] [--no-wait] [--deregister]",
    "move the service back to the recorded previous (or a given) revision",
    "Without --to, rolls back to the revision the last deploy replaced, which ecship records\n"
    "on the service as the tag 'ecship:previous-task-definition' (never a guess). Waits until\n"
    "the service has settled there (exit 4 when it does not in time).",
    s_options,
};
