/*
 * cmd_rollback.c: `ecship rollback`: moves the service back to the revision the last deploy
 * recorded (the service tag ecship:previous-task-definition) or to --to REVISION, waits until it
 * has settled there, and with --deregister retires the revision it rolled back from.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ecship/deploy.h"
#include "ecship/limits.h"
#include "ecship/service_info.h"
#include "ecship/svcdeploy.h"

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

/* The family of a task definition reference: "arn:...:task-definition/fam:3" or "fam:3". */
static void family_of(const char *ref, char *out, size_t n)
{
	const char *name = ship_taskdef_short(ref), *colon = strrchr(name, ':');
	int flen = colon ? (int)(colon - name) : (int)strlen(name);
	snprintf(out, n, "%.*s", flen, name);
}

/*
 * --to N | FAMILY:N | ARN -> the ARN of an existing revision. A revision that does not exist is
 * a usage error (exit 2) that lists the revisions that do.
 */
static int resolve_to(struct ship_aws *aws, const char *to, const char *current, char *out,
		      size_t n)
{
	struct ship_err err = SHIP_ERR_INIT;
	char ref[SHIP_ECS_TASKDEF_ARN_MAX + 24], family[SHIP_ECS_TASKDEF_ARN_MAX + 1];
	long rev;
	json_t *td = NULL;
	if (!ship_parse_long(to, 1, 10000000, &rev)) {
		/* a bare number: a revision of the family the service runs */
		family_of(current, family, sizeof(family));
		snprintf(ref, sizeof(ref), "%s:%ld", family, rev);
	} else {
		snprintf(ref, sizeof(ref), "%s", to);
		family_of(to, family, sizeof(family));
	}
	if (ship_ecs_describe_taskdef(aws, ref, &td, &err) == 0) {
		const char *arn = json_string_value(json_object_get(td, "taskDefinitionArn"));
		int fits = snprintf(out, n, "%s", arn ? arn : "") < (int)n;
		json_decref(td);
		if (!fits) {
			ship_err_set(&err, SHIP_ERR_PROTOCOL,
				     "DescribeTaskDefinition answered an ARN longer than AWS allows");
			return cli_report(_("cannot roll back"), &err);
		}
		return 0;
	}
	if (err.code != SHIP_ERR_INPUT)
		return cli_report(_("cannot roll back"), &err);
	long revs[2000];
	size_t nrev = 0;
	struct ship_err e2 = SHIP_ERR_INIT;
	cli_error(_("revision '%s' does not exist; nothing was changed"), ship_taskdef_short(ref));
	if (ship_taskdef_revisions(aws, family, revs, sizeof(revs) / sizeof(revs[0]), &nrev, &e2))
		cli_hint(_("'aws ecs list-task-definitions --family-prefix %s' lists the revisions"),
			 family);
	else if (nrev == 0)
		cli_hint(_("task definition family '%s' has no active revision"), family);
	else {
		char list[4096] = "";
		size_t len = 0, first = nrev > 30 ? nrev - 30 : 0;
		for (size_t i = first; i < nrev && len + 24 < sizeof(list); i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%ld",
						i > first ? ", " : "", revs[i]);
		cli_hint(_("revisions of '%s' that exist: %s%s; e.g. --to %ld"), family,
			 first ? "... " : "", list, revs[nrev - 1]);
	}
	return CLI_EXIT_USAGE;
}

/* ECS's own rollback restores the service revision, not the service settings the deploy
 * changed (the grace period, ...): the recorded ones go back (issue 12, item 6). */
static int restore_settings(struct cli_ctx *ctx, const char *target)
{
	struct ship_deploy_opts o = {0};
	struct ship_err err = SHIP_ERR_INIT;
	char names[512];
	o.cluster = ctx->proj->cfg->cluster;
	o.service = ctx->svc->name;
	o.timeout = s_args.timeout > 0 ? s_args.timeout : ctx->proj->cfg->timeout;
	if (ship_deploy_restore_settings(ctx->aws, &o, target, names, sizeof(names), &err))
		return cli_report(_("cannot restore the service settings"), &err);
	if (names[0])
		printf(_("service '%s' has its settings from before the last deploy back: %s\n"),
		       cli_safe(o.service), cli_safe(names));
	return CLI_EXIT_OK;
}

static int cmd_rollback(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_project *proj = ctx->proj;
	const struct ship_config_service *cs = ctx->svc;
	struct ship_aws *aws = ctx->aws;
	struct ship_err err = SHIP_ERR_INIT;
	struct cli_progress prog;
	struct ship_deploy_result res;
	json_t *svc = NULL;
	char target[SHIP_ECS_TASKDEF_ARN_MAX + 1] = "";
	int rc;

	if (argc > 0) {
		cli_error(_("'rollback' takes no arguments, got '%s'"), argv[0]);
		cli_hint(_("give the revision with --to, e.g. --to 7"));
		return CLI_EXIT_USAGE;
	}
	if (s_args.to && strlen(s_args.to) > SHIP_ECS_TASKDEF_ARN_MAX) {
		/* never cut short: a longer value cannot name a revision (limits.h) */
		cli_error(
		    _("--to '%.40s...' is %zu characters; a task definition ARN has at most %d"),
		    s_args.to, strlen(s_args.to), SHIP_ECS_TASKDEF_ARN_MAX);
		cli_hint(_("give N, FAMILY:N or the revision's ARN, e.g. --to 7"));
		return CLI_EXIT_USAGE;
	}
	struct ship_service_view v;
	if ((rc = cli_live_service(ctx, &svc, &v)))
		goto cleanup;
	if (s_args.to) {
		if ((rc = resolve_to(aws, s_args.to, v.taskdef, target, sizeof(target))))
			goto cleanup;
	} else {
		if (ship_deploy_recorded_previous(aws, v.arn, target, sizeof(target), &err)) {
			rc = cli_report(_("cannot read the recorded previous revision"), &err);
			goto cleanup;
		}
		if (!target[0]) {
			cli_error(_("no revision that ran is recorded for service '%s'"), cs->name);
			cli_hint(_("ecship records the revision a deploy replaces when a deployment of it "
				   "completed (tag '%s'); give one that ran with --to N ('ecship status' "
				   "shows the deployments)"),
				 SHIP_TAG_PREVIOUS);
			rc = CLI_EXIT_FAILED;
			goto cleanup;
		}
	}
	if (!s_args.to && strcmp(target, v.taskdef) &&
	    ship_sdep_revision_ran(aws, proj->cfg->cluster, cs->name, target) == 0) {
		/* recorded before ecship recorded only revisions that ran */
		cli_error(_("the recorded revision %s never completed a deployment on service '%s' "
			    "(ECS's record of its deployments); nothing was changed"),
			  ship_taskdef_short(target), cs->name);
		cli_hint(_("give a revision that ran with --to N ('ecship status' shows the "
			   "deployments)"));
		rc = CLI_EXIT_FAILED;
		goto cleanup;
	}
	if (!strcmp(target, v.taskdef) && !s_args.to) {
		/* typically right after a failed deploy that was rolled back automatically */
		/* the events rotate (ECS keeps 100); the service deployments keep the outcome */
		char breaker[1024];
		struct ship_service_deployment_brief sd;
		struct ship_err sderr = SHIP_ERR_INIT;
		int have_sd = 0;
		if (ship_service_deployment_newest(aws, proj->cfg->cluster, cs->name, &sd, &have_sd,
						   &sderr))
			have_sd = 0;
		int by_ecs = ship_service_rolled_back_by_ecs(svc, &v, have_sd ? &sd : NULL, breaker,
							     sizeof(breaker));
		printf(
		    _("service '%s' already runs %s, the recorded previous revision; nothing to roll "
		      "back\n"),
		    cli_safe(cs->name), cli_safe(ship_taskdef_short(target)));
		if ((rc = restore_settings(ctx, target)))
			goto cleanup;
		if (ship_service_busy(&v))
			cli_note(_("the service is still settling there; 'ecship wait' follows it"));
		if (by_ecs)
			cli_note(_("the last deploy was rolled back automatically by ECS: %s"),
				 breaker);
		else
			cli_note(_("the last deploy was rolled back to it already (ecship rolls back a "
				 "failed deploy itself), or it was rolled back by hand"));
		cli_hint(_("to go further back, give the revision: 'ecship rollback --to N' "
			 "('ecship status' shows the deployments)"));
		rc = CLI_EXIT_OK;
		goto cleanup;
	}
	if (!strcmp(target, v.taskdef) && !ship_service_busy(&v)) {
		printf(_("service '%s' already runs %s; nothing to roll back\n"), cli_safe(cs->name),
		       cli_safe(ship_taskdef_short(target)));
		rc = CLI_EXIT_OK;
		goto cleanup;
	}
	char from[512];
	snprintf(from, sizeof(from), "%s", v.taskdef);
	cli_progress_init(&prog, ctx);
	struct ship_deploy_opts o = {0};
	o.cluster = proj->cfg->cluster;
	o.service = cs->name;
	o.timeout = s_args.timeout > 0 ? s_args.timeout : proj->cfg->timeout;
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
		printf(_("rollback of service '%s' to %s started\n"), cli_safe(cs->name),
		       cli_safe(ship_taskdef_short(target)));
		rc = CLI_EXIT_OK;
		goto cleanup;
	}
	if (res.rollback_failed) {
		/* both fates: the rollback's deployment, and where ECS then brought the service */
		cli_error(_("the rollback of service '%s' to %s failed: %s"), cs->name,
			  ship_taskdef_short(target), res.rollback_reason);
		cli_hint(_("roll back to a revision that ran with 'ecship rollback --to N' ('ecship "
			   "status' shows the deployments), or deploy a fix"));
		rc = cli_interrupted() ? CLI_EXIT_INTERRUPTED : CLI_EXIT_FAILED;
		goto cleanup;
	}
	if (!res.rolled_back) {
		cli_error(_("service '%s' did not settle on %s in time"), cs->name, ship_taskdef_short(target));
		cli_hint(_("'ecship status' shows where it is; 'ecship wait' follows it"));
		rc = cli_interrupted() ? CLI_EXIT_INTERRUPTED : CLI_EXIT_TIMEOUT;
		goto cleanup;
	}
	if (s_args.deregister && strcmp(from, target)) {
		if (ship_ecs_deregister_taskdef(aws, from, &err))
			cli_report(_("rolled back, but cannot deregister the failed revision"), &err);
		else
			cli_note(_("deregistered %s"), ship_taskdef_short(from));
	}
	if (ctx->json) {
		json_t *out = json_pack("{s:s, s:s, s:s, s:f}", "service", cs->name, "from", from, "to",
					target, "seconds", res.wait.elapsed);
		cli_print_json(out);
		json_decref(out);
	} else {
		printf(_("rolled back service '%s' from %s to %s\n"), cli_safe(cs->name),
		       cli_safe(ship_taskdef_short(from)), cli_safe(ship_taskdef_short(target)));
	}
	rc = CLI_EXIT_OK;
cleanup:
	json_decref(svc);
	return rc;
}

const struct cli_command cmd_rollback_def = {
    "rollback",
    cmd_rollback,
    CLI_NEED_CLUSTER | CLI_NEED_SERVICE | CLI_NEED_REGION,
    NULL,
    "move the service back to the recorded previous (or a given) revision",
    "Without --to, rolls back to the revision the last deploy replaced, which ecship records\n"
    "on the service as the tag 'ecship:previous-task-definition' only when a deployment of it\n"
    "completed (never a guess), with the service settings that deploy changed (tag\n"
    "'ecship:previous-service'): those come back too. A deployment still in progress is rolled\n"
    "back by ECS (StopServiceDeployment ROLLBACK). Waits until the service has settled there:\n"
    "exit 1 when the rollback's deployment fails (with where ECS then brought the service), 4\n"
    "on the timeout.",
    s_options,
};
