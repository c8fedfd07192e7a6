/*
 * cmd_wait.c: `ecship wait`: waits for one deployment to end, with the same rules and progress as
 * deploy, and exits 0 only when *that* deployment completed. It follows the deployment given with
 * --deployment (an id ecs-svc/N or a service deployment ARN), else the service's newest service
 * deployment (currentServiceDeployment), else, where ECS does not answer the service deployments
 * API, the newest of deployments[]. A deployment ECS rolled back is a failure (exit 1), also
 * while the rollback still runs. For a deploy started with --no-wait, or one whose terminal went
 * away. See docs/waiting.md.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ecship/ecs.h"
#include "ecship/service_info.h"
#include "ecship/strategy.h"
#include "ecship/svcdeploy.h"

static struct {
	const char *service;
	const char *deployment;
	double timeout;
	int wait_approval;
} s_args;

static const struct cli_option s_options[] = {
    CLI_STRING("service", "NAME", &s_args.service,
	       "the service of the config (default: the first)"),
    CLI_STRING(
	"deployment", "ID|ARN", &s_args.deployment,
	"the deployment to follow: an id (ecs-svc/N, as deploy --no-wait prints) or a service "
	"deployment ARN (default: the service's newest deployment)"),
    CLI_FLAG("wait-approval", &s_args.wait_approval,
	     "blue/green, linear, canary: keep waiting at a PAUSE lifecycle hook until it is "
	     "approved, aborted or times out (default: exit 5 there)"),
    CLI_DURATION("timeout", &s_args.timeout,
		 "give up after DUR (default: config 'timeout', else 10m)"),
    CLI_OPTIONS_END,
};

static void print_completed(struct cli_ctx *ctx, const char *id, const char *sdep_arn,
			    const char *taskdef)
{
	if (ctx->json) {
		json_t *o =
		    json_pack("{s:s, s:s, s:s, s:s}", "deployment_id", id, "outcome", "completed",
			      "task_definition_arn", taskdef, "service_deployment_arn", sdep_arn);
		cli_print_json(o);
		json_decref(o);
	} else {
		printf(_("deployment %s completed\n"), cli_safe(id));
	}
}

static int cmd_wait(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_project *proj = ctx->proj;
	struct ship_err err = SHIP_ERR_INIT;
	struct cli_progress prog;
	json_t *svc = NULL;
	int rc;

	if (argc > 0) {
		cli_error(_("'wait' takes no arguments, got '%s'"), argv[0]);
		return CLI_EXIT_USAGE;
	}
	const struct ship_config_service *cs = ctx->svc;
	struct ship_service_view v;
	if ((rc = cli_live_service(ctx, &svc, &v)))
		goto cleanup;
	struct ship_aws *aws = ctx->aws;
	const char *want = s_args.deployment;
	struct ship_sdep_follow fol;
	int by_sdep = 0;
	const char *sdep_arn = NULL;
	if (want && !strncmp(want, "arn:", 4))
		sdep_arn = want;
	else if (!want && v.current_sdep[0])
		sdep_arn = v.current_sdep;
	if (sdep_arn) {
		/* ask once before waiting: where the API is missing, fall back to deployments[] */
		struct ship_sdep_view first;
		struct ship_err e = SHIP_ERR_INIT;
		int r = ship_ecs_describe_sdep(aws, sdep_arn, NULL, &first, &e);
		if (r == 0 || ship_err_is_transient(&e)) {
			by_sdep = 1;
		} else if (want) {
			if (r > 0)
				cli_error(_("ECS knows no service deployment %s"), want);
			else
				rc = cli_report(_("cannot read the service deployment"), &e);
			rc = r > 0 ? CLI_EXIT_USAGE : rc;
			goto cleanup;
		}
	}
	const struct ship_deployment_view *d =
	    want && !sdep_arn ? ship_service_deployment(&v, want) : ship_service_newest(&v);
	if (!by_sdep && !d && !want) {
		cli_error(_("service '%s' has no deployment to wait for"), cs->name);
		rc = CLI_EXIT_FAILED;
		goto cleanup;
	}
	struct ship_rollout ro;
	struct ship_event_cursor cur;
	memset(&cur, 0, sizeof(cur));
	ship_event_cursor_feed(&cur, json_object_get(svc, "events"), 1, NULL, NULL);
	ship_rollout_init(&ro, d ? d->id : want, d ? d->taskdef : "");
	const char *what = by_sdep ? sdep_arn : ro.deployment_id;
	if (by_sdep)
		ship_sdep_follow_init(&fol, sdep_arn);
	cli_progress_init(&prog, ctx);
	{
		char msg[800];
		snprintf(msg, sizeof(msg), _("waiting for deployment %s"), what);
		cli_progress_note(&prog, msg);
	}
	/* blue/green, linear, canary: the lifecycle followed around the record (strategy.h) */
	struct ship_lifecycle_watch lw;
	int watched = 0;
	if (by_sdep) {
		json_t *rec = NULL;
		struct ship_err le = SHIP_ERR_INIT;
		struct ship_sdep_stage st0;
		if (ship_ecs_sdep_raw(aws, sdep_arn, NULL, &rec, &le) == 0) {
			ship_sdep_stage_parse(rec, &st0);
			watched = ship_strategy_shifts_traffic(st0.strategy);
		}
		json_decref(rec);
		if (watched) {
			ship_lifecycle_watch_init(&lw, aws, NULL, sdep_arn, ship_wait_sdep_done,
						  &fol);
			lw.wait_approval = s_args.wait_approval;
			lw.on_note = cli_progress_note;
			lw.note_ctx = &prog;
		}
	}
	struct ship_wait_opts wo = {s_args.timeout > 0 ? s_args.timeout : proj->cfg->timeout,
				    cli_progress_snapshot,
				    cli_progress_event,
				    cli_cancelled_cb,
				    &prog,
				    &cur,
				    0,
				    NULL,
				    by_sdep ? &fol : NULL};
	enum ship_wait_end end;
	struct ship_service_view last;
	if (ship_ecs_wait(aws, proj->cfg->cluster, cs->name,
			  watched   ? ship_wait_lifecycle_done
			  : by_sdep ? ship_wait_sdep_done
				    : ship_wait_rollout_done,
			  watched   ? (void *)&lw
			  : by_sdep ? (void *)&fol
				    : (void *)&ro,
			  &wo, &end, &last, NULL, &err)) {
		cli_progress_done(&prog);
		rc = cli_report(_("cannot follow the deployment"), &err);
		goto cleanup;
	}
	cli_progress_done(&prog);
	switch (end) {
	case SHIP_WAIT_DONE:
		if (watched && lw.paused) {
			printf(_("deployment %s is paused at stage %s: lifecycle hook %s awaits an "
				 "answer\n"),
			       cli_safe(fol.arn), cli_safe(lw.last.stage),
			       cli_safe(lw.last.hook.id));
			cli_hint(_("approve it to go on: %s"), cli_ecship(ctx, "approve"));
			cli_hint(_("or roll it back: %s"), cli_ecship(ctx, "abort"));
			rc = CLI_EXIT_PAUSED;
		} else if (by_sdep && fol.failed) {
			rc = cli_report(_("cannot follow the service deployment"), &fol.err);
		} else if (by_sdep) {
			/* the lifecycle watch read ECS's record last (its end is the record's) */
			const char *status = watched && lw.final ? lw.status : fol.last.status;
			const char *why = watched && lw.final ? lw.reason : fol.last.reason;
			const struct ship_sdep_rule *rule = ship_sdep_rule_of(status);
			const struct ship_deployment_view *p = ship_service_primary(&last);
			if (rule->outcome == SHIP_SDEP_COMPLETED) {
				print_completed(ctx, p ? p->id : "", fol.arn, p ? p->taskdef : "");
				rc = CLI_EXIT_OK;
			} else {
				cli_error(_("deployment %s %s (%s)%s%s"), fol.arn, rule->words,
					  status, why[0] ? ": " : "", why);
				if (watched && lw.where[0])
					cli_note(_("it ended at lifecycle stage %s%s%s"), lw.where,
						 lw.alarm_reason[0] ? "; " : "", lw.alarm_reason);
				rc = CLI_EXIT_FAILED;
			}
		} else if (ro.phase == SHIP_ROLLOUT_COMPLETED) {
			print_completed(ctx, ro.deployment_id, "", ro.taskdef);
			rc = CLI_EXIT_OK;
		} else {
			cli_error(_("deployment %s %s: %s"), ro.deployment_id,
				  ro.phase == SHIP_ROLLOUT_REPLACED ? "was replaced" : "failed",
				  ro.reason);
			rc = CLI_EXIT_FAILED;
		}
		break;
	case SHIP_WAIT_TIMEOUT:
		cli_error(_("deployment %s did not end within the timeout"), what);
		cli_hint(_("it goes on in ECS: run 'ecship wait --deployment %s' again, or 'ecship "
			   "rollback'"),
			 what);
		rc = CLI_EXIT_TIMEOUT;
		break;
	case SHIP_WAIT_INTERRUPTED:
		cli_error(_("interrupted; deployment %s goes on in ECS, nothing was changed"),
			  what);
		rc = CLI_EXIT_INTERRUPTED;
		break;
	case SHIP_WAIT_GONE:
		cli_error(_("service '%s' was deleted while waiting"), cs->name);
		rc = CLI_EXIT_FAILED;
		break;
	}
cleanup:
	json_decref(svc);
	return rc;
}

const struct cli_command cmd_wait_def = {
    "wait",
    cmd_wait,
    CLI_NEED_CLUSTER | CLI_NEED_SERVICE | CLI_NEED_REGION,
    NULL,
    "wait for a deployment to complete or fail",
    "Follows one deployment with the same rules as deploy: --deployment ID|ARN, else the\n"
    "service's newest deployment. Exit 0 only when that deployment completes; 1 when it fails,\n"
    "ECS rolls it back (also while the rollback still runs), it is stopped or another\n"
    "deployment replaces it; 4 on the timeout. It never changes the service. A blue/green,\n"
    "linear or canary deployment is followed stage by stage, and at a PAUSE lifecycle hook\n"
    "wait exits 5 (unless --wait-approval), as deploy does.",
    s_options,
};
