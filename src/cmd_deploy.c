/*
 * cmd_deploy.c: `ecship deploy`: render and validate the definitions, then the library's deploy
 * (register or reuse, create or update, wait for our deployment, roll back), with progress on
 * stderr, the result on stdout, and GitHub Actions outputs. Exit codes per the outcome.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ecship/deploy.h"
#include "ecship/strategy.h"

static struct {
	const char *image, *tag;
	struct cli_list service; /* --service, repeatable: names, comma-separated, globs */
	const char *pre_run;	 /* --pre-run (cmd_run.c) */
	int no_wait, no_rollback, force_new, dry_run, refuse_if_busy, no_fail_fast, wait_approval;
	double timeout;
	long desired_count; /* --desired-count; -1 when not given */
} s_args = {.desired_count = -1};

static const struct cli_option s_options[] = {
    CLI_STRING("image", "URI", &s_args.image,
	       "deploy this image (replaces the load-balanced or only container's image)"),
    CLI_STRING_ALT("tag", "TAG", &s_args.tag,
		   "deploy this tag of the container's image (replaces only the tag)"),
    CLI_LIST("service", "NAMES", &s_args.service,
	     "deploy only these services of the config: repeatable, comma-separated, globs such as "
	     "'web-*' (default: all it names)"),
    CLI_FLAG("no-wait", &s_args.no_wait, "return once the deployment has started"),
    CLI_DURATION("timeout", &s_args.timeout,
		 "give up waiting after DUR and roll back (default: config 'timeout', else 10m)"),
    CLI_FLAG("no-rollback", &s_args.no_rollback, "leave a failed or timed-out deployment as it is"),
    CLI_FLAG("no-fail-fast", &s_args.no_fail_fast,
	     "wait for ECS's circuit breaker or the timeout even when stopped tasks already prove "
	     "the deployment cannot succeed (default: config 'fail_fast', on)"),
    CLI_INT("desired-count", "N", &s_args.desired_count, 0, 5000, "run N tasks (default: the service definition's when creating; an existing service keeps its live count)"),
    CLI_FLAG("force-new-deployment", &s_args.force_new,
	     "start a deployment even when the task definition is unchanged"),
    CLI_FLAG("dry-run", &s_args.dry_run,
	     "change nothing: render, validate, compare and print what would be done"),
    CLI_FLAG("refuse-if-busy", &s_args.refuse_if_busy,
	     "exit 1 when a deployment is in progress instead of waiting for it"),
    CLI_FLAG("wait-approval", &s_args.wait_approval,
	     "blue/green, linear, canary: keep waiting at a PAUSE lifecycle hook until it is "
	     "approved, aborted or times out (default: exit 5 there)"),
    CLI_STRING("pre-run", "CMD", &s_args.pre_run,
	       "run CMD in a one-off task of the new revision first; if it fails, the service is "
	       "not changed"),
    CLI_OPTIONS_END,
};

int cli_deploy_exit(enum ship_deploy_outcome oc)
{
	switch (oc) {
	case SHIP_DEPLOY_COMPLETED:
	case SHIP_DEPLOY_STARTED:
	case SHIP_DEPLOY_UNCHANGED:
	case SHIP_DEPLOY_DRY_RUN:
		return CLI_EXIT_OK;
	case SHIP_DEPLOY_TIMEOUT:
		return CLI_EXIT_TIMEOUT;
	case SHIP_DEPLOY_PAUSED:
		return CLI_EXIT_PAUSED;
	case SHIP_DEPLOY_INTERRUPTED:
		return CLI_EXIT_INTERRUPTED;
	case SHIP_DEPLOY_NONE: /* not deployed: never a success */
	case SHIP_DEPLOY_FAILED:
	case SHIP_DEPLOY_REPLACED:
	case SHIP_DEPLOY_REFUSED:
		break;
	}
	return CLI_EXIT_FAILED;
}

/* A deploy of several services writes one step-summary table of all of them (group_summary)
 * instead of a table per service. */
static int s_group_summary;

/* The step outputs (action.yml lists them), on failure too: whatever is known is written. */
static int s_outputs_written; /* by this process: a failure before any result still writes them */

void cli_deploy_github_outputs(const struct ship_deploy_result *r, const char *outcome)
{
	char rev[32] = "";
	s_outputs_written = 1;
	if (r->revision > 0)
		snprintf(rev, sizeof(rev), "%ld", r->revision);
	cli_github_output("task_definition_arn", r->taskdef_arn);
	cli_github_output("revision", rev);
	cli_github_output("deployment_id", r->deployment_id);
	cli_github_output("service_deployment_arn", r->service_deployment_arn);
	cli_github_output("outcome", outcome);
	cli_github_output("rolled_back", r->rolled_back ? "true" : "false");
	cli_github_output("previous_task_definition_arn", r->previous_taskdef);
}

void cli_deploy_not_run(struct cli_ctx *ctx, int rc)
{
	struct ship_deploy_result none;
	if (ctx->cmd != &cmd_deploy_def || !ctx->github || s_outputs_written)
		return;
	memset(&none, 0, sizeof(none));
	cli_deploy_github_outputs(&none, rc == CLI_EXIT_USAGE ? "invalid" : "error");
}

void cli_deploy_print_result(struct cli_ctx *ctx, const char *service,
			     const struct ship_deploy_result *r)
{
	const char *oc = ship_deploy_outcome_name(r->outcome);
	if (ctx->json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:b, s:b, s:b, s:s, s:f, s:I}",
				      "service", service, "outcome", oc, "task_definition_arn",
				      r->taskdef_arn, "revision", (json_int_t)r->revision,
				      "previous_task_definition_arn", r->previous_taskdef,
				      "deployment_id", r->deployment_id, "registered", r->registered,
				      "created", r->created, "rolled_back", r->rolled_back, "reason",
				      r->reason, "seconds", r->seconds, "polls",
				      (json_int_t)r->wait.polls);
		if (o)
			json_object_set_new(o, "service_deployment_arn",
					    json_string(r->service_deployment_arn));
		if (o && r->fail_fast[0])
			json_object_set_new(o, "fail_fast", json_string(r->fail_fast));
		if (o && r->first_failure > 0)
			json_object_set_new(o, "first_failed_task_at", json_real(r->first_failure));
		if (o && r->fail_fast_reads)
			json_object_set_new(o, "fail_fast_requests",
					    json_integer(r->fail_fast_requests));
		if (o)
			cli_print_json(o);
		json_decref(o);
	} else {
		switch (r->outcome) {
		case SHIP_DEPLOY_COMPLETED:
			printf(_("deployed %s to service '%s' (deployment %s, %.1f s)\n"),
			       cli_safe(ship_taskdef_short(r->taskdef_arn)), cli_safe(service),
			       cli_safe(r->deployment_id), r->seconds);
			break;
		case SHIP_DEPLOY_STARTED:
			printf("%s\n", cli_safe(r->reason));
			cli_hint(_("follow it: ecship wait --deployment %s"),
				 r->service_deployment_arn[0] ? r->service_deployment_arn
							      : r->deployment_id);
			break;
		case SHIP_DEPLOY_UNCHANGED:
		case SHIP_DEPLOY_DRY_RUN:
			printf("%s\n", cli_safe(r->reason));
			break;
		case SHIP_DEPLOY_PAUSED:
			printf("%s\n", cli_safe(r->reason));
			cli_hint(_("approve it to go on: %s"), cli_ecship(ctx, "approve"));
			cli_hint(_("or roll it back: %s"), cli_ecship(ctx, "abort"));
			break;
		case SHIP_DEPLOY_NONE:
			cli_note(_("service '%s' was not deployed%s%s"), service,
				 r->reason[0] ? ": " : "", r->reason[0] ? r->reason : "");
			break;
		default:
			break;
		}
	}
	if (r->outcome == SHIP_DEPLOY_FAILED || r->outcome == SHIP_DEPLOY_TIMEOUT ||
	    r->outcome == SHIP_DEPLOY_REPLACED || r->outcome == SHIP_DEPLOY_REFUSED ||
	    r->outcome == SHIP_DEPLOY_INTERRUPTED) {
		/* a failure or timeout is annotated with its diagnosis (cli_github_failure) */
		int diagnosed = r->outcome == SHIP_DEPLOY_FAILED || r->outcome == SHIP_DEPLOY_TIMEOUT;
		if (r->outcome == SHIP_DEPLOY_TIMEOUT)
			cli_error_local(_("deploy of service '%s' timed out: %s"), service, r->reason);
		else if (diagnosed)
			cli_error_local(_("deploy of service '%s' failed: %s"), service, r->reason);
		else
			cli_error(_("deploy of service '%s' %s: %s"), service, oc, r->reason);
		if (r->rolled_back)
			cli_note(r->rollback_by_ecs && r->lifecycle
				     ? _("the service is back on %s (ECS moved the traffic back to it)")
				 : r->rollback_by_ecs
				     ? _("the service is back on %s (rolled back by the ECS circuit breaker)")
				     : _("the service is back on %s"),
				 ship_taskdef_short(r->previous_taskdef));
		else if (r->outcome == SHIP_DEPLOY_FAILED || r->outcome == SHIP_DEPLOY_TIMEOUT)
			cli_note("%s", _("the service was NOT rolled back"));
		if (r->outcome == SHIP_DEPLOY_REFUSED)
			cli_hint("%s", _("wait for it ('ecship wait') or deploy without --refuse-if-busy"));
		if (r->outcome == SHIP_DEPLOY_REPLACED)
			cli_hint("%s", _("another deploy or a person changed the service; 'ecship "
					 "status' shows what runs now"));
	}
	if (ctx->github)
		cli_deploy_github_outputs(r, oc);
	if (ctx->github && r->taskdef_arn[0] && !s_group_summary) {
		char md[2048];
		/* i18n: not translated (the step summary's Markdown table, as cli_summary.c's) */
		snprintf(
		    md, sizeof(md),
		    "### ecship deploy: %s\n\n| service | outcome | task definition | previous | "
		    "deployment | seconds |\n|---|---|---|---|---|---|\n| %s | %s | %s | %s | "
		    "%s | %.1f |\n\n",
		    service, service, oc, cli_safe(ship_taskdef_short(r->taskdef_arn)),
		    cli_safe(r->previous_taskdef[0] ? ship_taskdef_short(r->previous_taskdef)
						    : "-"),
		    cli_safe(r->deployment_id[0] ? r->deployment_id : "-"), r->seconds);
		cli_github_summary(md);
	}
}

static void fill_opts(struct ship_deploy_opts *o, const struct cli_project *proj,
		      const struct ship_config_service *svc, const struct ship_rendered *r,
		      struct cli_progress *prog)
{
	memset(o, 0, sizeof(*o));
	o->cluster = proj->cfg->cluster;
	o->service = svc->name;
	o->taskdef = r->task_definition;
	o->service_def = r->service_definition;
	o->timeout = s_args.timeout > 0 ? s_args.timeout : proj->cfg->timeout;
	o->no_wait = s_args.no_wait;
	o->no_rollback = s_args.no_rollback;
	o->no_fail_fast = s_args.no_fail_fast || !proj->cfg->fail_fast;
	o->fail_fast_same_exit = proj->cfg->fail_fast_same_exit;
	o->fail_fast_failed_health = proj->cfg->fail_fast_failed_health;
	o->force_new = s_args.force_new;
	o->set_desired = s_args.desired_count >= 0;
	o->desired_count = s_args.desired_count;
	o->dry_run = s_args.dry_run;
	o->refuse_if_busy = s_args.refuse_if_busy;
	o->wait_approval = s_args.wait_approval;
	o->autoscaling = &svc->autoscaling;
	o->on_note = cli_progress_note;
	o->on_snapshot = cli_progress_snapshot;
	o->on_event = cli_progress_event;
	o->cancelled = cli_cancelled_cb;
	o->ctx = prog;
}

/*
 * Blue/green, linear and canary (and alarms): what ECS needs outside ECS exists (target groups,
 * listener rules of one load balancer, the infrastructure role, the alarms), checked before any
 * change (strategy.h). Prints every problem; an enum cli_exit.
 */
static int check_prereqs(struct cli_ctx *ctx, const struct ship_config_service *svc,
			 const struct ship_rendered *r)
{
	const json_t *sd = r->service_definition;
	const json_t *dc = json_object_get(sd, "deploymentConfiguration");
	if (!sd || (!ship_strategy_shifts_traffic(ship_strategy_of(sd)) &&
		    !json_is_true(json_object_get(json_object_get(dc, "alarms"), "enable"))))
		return CLI_EXIT_OK;
	struct ship_diags d = SHIP_DIAGS_INIT;
	struct ship_err err = SHIP_ERR_INIT;
	int n = ship_strategy_check_prereqs(ctx->aws, sd, svc->service_definition, &d, &err);
	int rc = CLI_EXIT_OK;
	if (n >= 0 && d.n)
		cli_print_diags(&d); /* the problems, and the checks the deployer may not make */
	if (n < 0) {
		rc = cli_report(_("cannot check the deployment strategy's resources"), &err);
	} else if (n > 0) {
		cli_error(
		    _("service '%s': the %s deployment's resources are not ready; nothing was "
		      "changed"),
		    svc->name, ship_strategy_of(sd));
		rc = CLI_EXIT_USAGE;
	}
	ship_diags_release(&d);
	return rc;
}

/* The worse of two exit codes for a multi-service deploy. */
static int worse(int a, int b)
{
	static const int rank[] = {CLI_EXIT_OK,	   CLI_EXIT_PAUSED, CLI_EXIT_TIMEOUT,
				   CLI_EXIT_FAILED, CLI_EXIT_AWS,    CLI_EXIT_USAGE,
				   CLI_EXIT_INTERRUPTED};
	int ra = 0, rb = 0;
	for (int i = 0; i < 7; i++) {
		if (rank[i] == a)
			ra = i;
		if (rank[i] == b)
			rb = i;
	}
	return ra >= rb ? a : b;
}

/*
 * The services --service picks, in the order of the config, each once: every value is a list of
 * names or globs separated by commas, each of which must match a service. Returns the count, or
 * 0 after printing why (usage).
 */
static size_t pick_services(const struct ship_config *cfg, const struct ship_config_service **out)
{
	size_t n = 0, i, k;
	unsigned char *on = ship_calloc(cfg->n_services ? cfg->n_services : 1, 1);
	if (!on) {
		cli_error(_("out of memory"));
		return 0;
	}
	for (k = 0; k < s_args.service.n; k++) {
		const char *p = s_args.service.v[k];
		for (;;) {
			const char *e = strchr(p, ',');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			char pat[SHIP_ECS_NAME_MAX + 1];
			int hit = 0;
			if (len == 0 || len >= sizeof(pat)) {
				cli_error(
				    _("invalid --service '%s': expected service names or globs "
				      "separated by commas"),
				    s_args.service.v[k]);
				goto fail;
			}
			memcpy(pat, p, len);
			pat[len] = 0;
			for (i = 0; i < cfg->n_services; i++)
				if (cfg->services[i].name &&
				    !fnmatch(pat, cfg->services[i].name, 0))
					on[i] = hit = 1;
			if (!hit) {
				cli_error(_("'%s' names no service matching '%s'"), cfg->path, pat);
				cli_hint(
				    _("name a service listed under 'services:' there; a glob such "
				      "as 'web-*' picks several"));
				goto fail;
			}
			if (!e)
				break;
			p = e + 1;
		}
	}
	for (i = 0; i < cfg->n_services; i++)
		if (on[i])
			out[n++] = &cfg->services[i];
	ship_free(on);
	return n;
fail:
	ship_free(on);
	return 0;
}

/* A deploy of several services ends on a table of them (stderr; not with --quiet), and, when
 * one failed and the others were rolled back with it, a line that says which. */
static void summary_table(const struct cli_ctx *ctx, const struct ship_config_service **svcs,
			  const struct ship_deploy_result *res, size_t n)
{
	const char **names;
	if (n < 2 || !(names = ship_calloc(n, sizeof(*names))))
		return;
	for (size_t i = 0; i < n; i++)
		names[i] = svcs[i]->name;
	if (!ctx->g.quiet) {
		fputc('\n', stderr);
		cli_deploy_summary_table(stderr, names, res, n);
	}
	size_t with = 0, own = 0, first = n;
	for (size_t i = 0; i < n; i++) {
		if (cli_deploy_failed_with(names, res, n, i) >= 0)
			with++;
		else if (res[i].outcome == SHIP_DEPLOY_FAILED ||
			 res[i].outcome == SHIP_DEPLOY_TIMEOUT) {
			if (!own++)
				first = i;
		}
	}
	if (with && own == 1)
		cli_error_local(_("service '%s' failed; every other service of this deploy (%zu) "
				  "was rolled back with it"),
				names[first], with);
	else if (with && own > 1)
		cli_error_local(
		    _("%zu services failed (the first: '%s'); the others of this deploy "
		      "(%zu) were rolled back with them"),
		    own, names[first], with);
	ship_free(names);
}

/* Under GitHub Actions, the step summary of a deploy of several services: one table, a row per
 * service, whose outcome tells the one that failed from those rolled back with it. */
static void group_summary(const struct cli_ctx *ctx, const char **names,
			  const struct ship_deploy_result *res, size_t n)
{
	struct ship_buf md = SHIP_BUF_INIT(SHIP_BUF_MAX_DEFAULT);
	if (!ctx->github || !names)
		return;
	ship_buf_addf(&md,
		      "### ecship deploy: %zu services\n\n| service | outcome | task definition | "
		      "previous | deployment | seconds |\n|---|---|---|---|---|---|\n",
		      n);
	for (size_t i = 0; i < n; i++) {
		const struct ship_deploy_result *r = &res[i];
		long with = cli_deploy_failed_with(names, res, n, i);
		char oc[SHIP_ECS_NAME_MAX + 64];
		if (with >= 0)
			snprintf(oc, sizeof(oc), _("rolled back (%s failed)"), names[with]);
		else
			snprintf(oc, sizeof(oc), "%s", ship_deploy_outcome_name(r->outcome));
		ship_buf_addf(
		    &md, "| %s | %s | %s | %s | %s | %.1f |\n", cli_safe(names[i]), cli_safe(oc),
		    cli_safe(r->taskdef_arn[0] ? ship_taskdef_short(r->taskdef_arn) : "-"),
		    cli_safe(r->previous_taskdef[0] ? ship_taskdef_short(r->previous_taskdef)
						    : "-"),
		    cli_safe(r->deployment_id[0] ? r->deployment_id : "-"), r->seconds);
	}
	ship_buf_adds(&md, "\n");
	if (!md.failed)
		cli_github_summary(md.data);
	ship_buf_release(&md);
}

/*
 * The step outputs of a deploy of several services: each service wrote its own under the same
 * keys, and GitHub keeps the last; written once more last, they are those of the service that
 * decided the exit code (the first with the worst one that failed on its own, not one rolled
 * back with it), else of the last service.
 */
static void group_outputs(const struct cli_ctx *ctx, const char **names,
			  const struct ship_deploy_result *res, size_t n)
{
	size_t k = n - 1;
	int rc = CLI_EXIT_OK;
	if (!ctx->github || !names || n < 2)
		return;
	for (size_t i = 0; i < n; i++) {
		int e = cli_deploy_exit(res[i].outcome);
		if (e != rc && worse(rc, e) == e && cli_deploy_failed_with(names, res, n, i) < 0) {
			rc = e;
			k = i;
		}
	}
	cli_deploy_github_outputs(&res[k], ship_deploy_outcome_name(res[k].outcome));
}

/* A service of a deploy of several that was rolled back because another one failed: one line
 * (its own tasks were fine; the failed service's diagnosis says why). */
static void print_rolled_back_with(struct cli_ctx *ctx, const char *service, const char *failed,
				   const struct ship_deploy_result *r)
{
	if (ctx->json) {
		cli_deploy_print_result(ctx, service, r);
		return;
	}
	if (r->rolled_back && r->moved_before)
		cli_note(_("service '%s' was rolled back to %s because service '%s' failed (an "
			   "interrupted run of this deploy had moved it to %s)"),
			 service, ship_taskdef_short(r->previous_taskdef), failed,
			 ship_taskdef_short(r->taskdef_arn));
	else if (r->rolled_back)
		cli_note(_("service '%s' was rolled back to %s because service '%s' failed"),
			 service, ship_taskdef_short(r->previous_taskdef), failed);
	else
		cli_error_local(_("deploy of service '%s' failed: %s"), service, r->reason);
	if (ctx->github)
		cli_deploy_github_outputs(r, ship_deploy_outcome_name(r->outcome));
}

static int cmd_deploy(struct cli_ctx *ctx, int argc, char **argv)
{
	struct cli_project *proj = ctx->proj;
	size_t cap = proj->cfg->n_services ? proj->cfg->n_services : 1;
	struct ship_rendered *rend = ship_calloc(cap, sizeof(*rend));
	struct ship_deploy_result *res = ship_calloc(cap, sizeof(*res));
	struct ship_deploy_opts *opts = ship_calloc(cap, sizeof(*opts));
	const struct ship_config_service **svcs = ship_calloc(cap, sizeof(*svcs));
	const char **names = NULL; /* several services: their names, as the summary reads them */
	struct ship_err err = SHIP_ERR_INIT;
	struct cli_progress prog;
	struct cli_prerun pre; /* --pre-run (cmd_run.c) */
	size_t n = 0, i;
	int rc = CLI_EXIT_USAGE;

	memset(&prog, 0, sizeof(prog)); /* released at cleanup, however far this got */
	if (!rend || !res || !opts || !svcs) {
		cli_error(_("out of memory"));
		rc = CLI_EXIT_FAILED;
		goto cleanup;
	}
	if (argc > 0) {
		cli_error(_("'%s' takes no arguments, got '%s'"), "deploy", argv[0]);
		goto cleanup;
	}
	/* --service's picks, or every service of the config */
	if (s_args.service.n) {
		if (!(n = pick_services(proj->cfg, svcs)))
			goto cleanup;
	} else if (proj->cfg->n_services <= 1) {
		svcs[0] = ctx->svc;
		n = 1;
	} else {
		for (n = 0; n < proj->cfg->n_services; n++)
			svcs[n] = &proj->cfg->services[n];
	}
	if (n > SHIP_DEPLOY_MAX_SERVICES) {
		cli_error(_("'%s' names %zu services; one deploy takes at most %d"),
			  proj->cfg->path, n, SHIP_DEPLOY_MAX_SERVICES);
		cli_hint(
		    _("deploy them in groups: --service takes names and globs such as 'web-*'"));
		goto cleanup;
	}
	/* render and validate everything before any call that changes AWS */
	for (i = 0; i < n; i++)
		if ((rc = cli_project_render(proj, svcs[i], ctx->image, ctx->tag, 0, &rend[i])))
			goto cleanup;
	for (i = 0; i < n; i++)
		if ((rc = check_prereqs(ctx, svcs[i], &rend[i])))
			goto cleanup;
	/* Application Auto Scaling keeps the count between min and max: a count outside would
	 * be undone by it at once (docs/config.md#autoscaling) */
	for (i = 0; i < n && s_args.desired_count >= 0; i++) {
		const struct ship_config_autoscaling *as = &svcs[i]->autoscaling;
		if (as->set && (s_args.desired_count < as->min || s_args.desired_count > as->max)) {
			cli_error(
			    _("--desired-count %ld is outside the autoscaling range %ld..%ld of "
			      "service '%s'"),
			    s_args.desired_count, as->min, as->max, svcs[i]->name);
			cli_hint(
			    _("Application Auto Scaling owns the desired count: give a count "
			      "within min and max, or change them under 'autoscaling' in '%s'"),
			    proj->cfg->path);
			rc = CLI_EXIT_USAGE;
			goto cleanup;
		}
	}
	struct ship_aws *aws = ctx->aws;
	if (n == 1 && proj->cfg->n_services > 1) /* what it suggests acts on the one picked */
		cli_output_set_service(svcs[0]->name);
	cli_progress_init(&prog, ctx);
	prog.expect = n; /* several: one status line each */
	for (i = 0; i < n; i++)
		fill_opts(&opts[i], proj, svcs[i], &rend[i], &prog);
	cli_prerun_attach(&pre, ctx, aws, s_args.pre_run, &opts[0], rend[0].task_definition,
			  rend[0].service_definition); /* --pre-run: once, before the first update */
	int r = ship_deploy_many(aws, opts, n, res, &err); /* one engine, n >= 1 */
	cli_progress_done(&prog);
	if (r) {
		/* what each service reached before the error: a zeroed result reads "none" */
		for (i = 0; i < n; i++)
			if (n > 1 || res[i].outcome != SHIP_DEPLOY_NONE) {
				if (proj->cfg->n_services > 1)
					cli_output_set_service(svcs[i]->name);
				cli_deploy_print_result(ctx, svcs[i]->name, &res[i]);
			}
		cli_output_set_service(NULL);
		rc = cli_report(_("deploy failed"), &err);
		if (pre.rc)
			rc = pre.rc; /* --pre-run's task failed (1), timed out (4) or was interrupted */
		for (i = 0; i < n; i++)
			if (res[i].taskdef_arn[0] && !res[i].deployment_id[0])
				cli_note(_("registered %s, but service '%s' was not changed"),
					 ship_taskdef_short(res[i].taskdef_arn), svcs[i]->name);
		summary_table(ctx, svcs, res, n);
		goto cleanup;
	}
	rc = CLI_EXIT_OK;
	s_group_summary = n > 1; /* one step-summary table (group_summary) */
	names = n > 1 ? ship_calloc(n, sizeof(*names)) : NULL;
	for (i = 0; names && i < n; i++)
		names[i] = svcs[i]->name;
	for (i = 0; i < n; i++) {
		if (proj->cfg->n_services > 1) /* its hints act on it (cli_output_set_service) */
			cli_output_set_service(svcs[i]->name);
		cli_progress_result(&prog, svcs[i]->name, &res[i]);
		rc = worse(rc, cli_deploy_exit(res[i].outcome));
		if (n > 1 && names) {
			long with = cli_deploy_failed_with(names, res, n, i);
			if (with >= 0) {
				print_rolled_back_with(ctx, svcs[i]->name, names[with], &res[i]);
				continue;
			}
		}
		cli_deploy_print_result(ctx, svcs[i]->name, &res[i]);
		cli_diagnose_failure(ctx, aws, proj->cfg->cluster, svcs[i]->name,
				     &res[i]); /* failures only */
	}
	cli_output_set_service(NULL);
	summary_table(ctx, svcs, res, n);
	group_summary(ctx, names, res, n);
	group_outputs(ctx, names, res, n);
	cli_github_timeline(ctx, &prog);
cleanup:
	cli_progress_release(&prog);
	/* no result (bad input, an AWS error): the outputs say so, with what got done */
	if (ctx->github && !s_outputs_written && res)
		cli_deploy_github_outputs(&res[0], rc == CLI_EXIT_USAGE ? "invalid" : "error");
	for (i = 0; rend && i < cap; i++)
		ship_rendered_release(&rend[i]);
	ship_free(rend);
	ship_free(res);
	ship_free(opts);
	ship_free(svcs);
	ship_free(names);
	return rc;
}

const struct cli_command cmd_deploy_def = {
    "deploy",
    cmd_deploy,
    CLI_NEED_CLUSTER | CLI_NEED_TASKDEF | CLI_NEED_REGION | CLI_IMAGE_OR_TAG,
    NULL,
    "render, register and deploy the service; wait for it; roll back on failure",
    "Renders the task definition of ecship.yml (variables, --image or --tag), validates it,\n"
    "registers a new revision only when it differs from the latest one, creates the service\n"
    "the first time or updates it, and waits until the deployment this deploy started has\n"
    "completed. When it fails (the circuit breaker, or as many failed tasks as the breaker\n"
    "allows when it is off, or earlier, when its stopped tasks prove it cannot succeed: an\n"
    "image or tag that does not exist, the same crash twice, failing health checks twice;\n"
    "the error names that evidence; --no-fail-fast waits) or the timeout passes, the service\n"
    "is rolled back to the revision it ran before, which is also recorded as the tag\n"
    "'ecship:previous-task-definition'.\n"
    "With a 'services:' list in ecship.yml, all of them are deployed together and waited for\n"
    "at once; if one fails, every one of them is rolled back (--service picks some), also\n"
    "those an interrupted run of the same deploy had moved (tag 'ecship:deploy-pending').\n"
    "After Ctrl-C or SIGTERM no new change starts: the call in flight is finished and the\n"
    "deploy ends with 130, saying what was and was not changed.\n"
    "Blue/green, linear and canary deployments (deploymentConfiguration.strategy) are checked\n"
    "first (target groups, listener rules, infrastructure role, alarms) and followed stage by\n"
    "stage; at a PAUSE lifecycle hook the deploy stops and exits 5 unless --wait-approval\n"
    "(docs/strategies.md).\n"
    "Exit 0 on success, 1 on a failed (and rolled back) deployment, 4 on a timeout, 5 when\n"
    "paused for approval.",
    s_options,
};
