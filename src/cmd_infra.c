/*
 * cmd_infra.c: `ecship infra deploy|status|outputs|diff|delete`: the base stack of runbook
 * section 1, created once and then only updated through a change set with a fixed name; the
 * VPC quota preflight of section 6.1; delete in the FAQ's order. Parses arguments and prints;
 * the work is in lib/infra (infra.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ecship/ecs.h"
#include "ecship/infra.h"

#define TEMPLATE_BODY_MAX 51200 /* CloudFormation's limit for TemplateBody */
#define DEFAULT_TEMPLATE "cloudformation/ecs-cluster.yml"

static struct {
	const char *stack;
	const char *template_path;
	double timeout;
	int no_wait;
	int force;
	int allow_replacement;
	long events;
} s_args;

static const struct cli_option s_options[] = {
    CLI_STRING("stack", "NAME", &s_args.stack, "the stack (default: 'stack' in the config)"),
    CLI_STRING("template", "FILE", &s_args.template_path,
	       "the template (default: 'infra.template', else " DEFAULT_TEMPLATE ")"),
    CLI_DURATION("timeout", &s_args.timeout,
		 "give up waiting after DUR (default: config 'timeout', else 10m); exit 4"),
    CLI_FLAG("no-wait", &s_args.no_wait, "deploy, delete: start the change and return"),
    CLI_FLAG("force", &s_args.force, "delete: even while services still run in the cluster"),
    CLI_FLAG("allow-replacement", &s_args.allow_replacement, "deploy: execute a change set that replaces or deletes the VPC, a subnet, the load balancer or the cluster"),
    CLI_INT("events", "N", &s_args.events, 0, 1000, "status: show the last N stack events (10)"),
    CLI_OPTIONS_END,
};

/* Everything a subcommand needs: the stack, its template and parameters, the client. */
struct infra {
	struct cli_ctx *ctx;
	const struct ship_config *cfg; /* ecship.yml when there is one, else NULL */
	const char *stack;
	const char *template_path;
	struct ship_buf body;
	struct ship_kvs params;
	struct ship_aws *aws;
	double timeout;
};

static void infra_release(struct infra *in)
{
	ship_buf_release(&in->body);
	ship_kvs_release(&in->params);
}

/*
 * The stack (--stack, else the config's), the parameters (config, then KEY=VALUE arguments)
 * and, when need_template, the template text. main has loaded ecship.yml when there is one
 * (CLI_WANT_CONFIG: infra needs none of its service keys) and made the client.
 */
static int infra_load(struct cli_ctx *ctx, struct infra *in, int argc, char **argv,
		      int allow_params, int need_template)
{
	struct ship_err err = SHIP_ERR_INIT;

	memset(in, 0, sizeof(*in));
	in->ctx = ctx;
	ship_buf_init(&in->body, TEMPLATE_BODY_MAX + 1);
	const struct ship_config *cfg = ctx->proj ? ctx->proj->cfg : NULL;
	in->cfg = cfg;
	in->aws = ctx->aws;
	in->stack = s_args.stack ? s_args.stack : cfg ? cfg->stack : NULL;
	if (!in->stack && !cfg) {
		cli_error(
		    _("no stack to work on: there is no ecship.yml here and --stack is not given"));
		cli_hint(_("run ecship in the directory of ecship.yml, give --config FILE, or give "
			 "--stack NAME"));
		return CLI_EXIT_USAGE;
	}
	if (!in->stack) {
		cli_error(_("no stack to work on: '%s' has no 'stack'"), cfg->path);
		cli_hint(
		    _("add 'stack: django-ecs-cluster-${ENVIRONMENT}' to it, or give --stack NAME"));
		return CLI_EXIT_USAGE;
	}
	in->template_path = s_args.template_path	 ? s_args.template_path
			    : cfg && cfg->infra_template ? cfg->infra_template
							 : DEFAULT_TEMPLATE;
	in->timeout = s_args.timeout > 0 ? s_args.timeout
		      : cfg		 ? cfg->timeout
					 : SHIP_CONFIG_TIMEOUT_DEFAULT;
	for (size_t i = 0; cfg && i < cfg->n_infra_parameters; i++)
		if (ship_kvs_set(&in->params, cfg->infra_parameters[i].key,
				 cfg->infra_parameters[i].value)) {
			cli_error(_("out of memory"));
			return CLI_EXIT_FAILED;
		}
	for (int i = 0; i < argc; i++) {
		if (!allow_params) {
			cli_error(_("'infra %s' takes no arguments, got '%s'"), ctx->cmd->name,
				  argv[i]);
			return CLI_EXIT_USAGE;
		}
		if (ship_kvs_set_arg(&in->params, argv[i], &err)) {
			cli_report(_("invalid argument"), &err);
			return CLI_EXIT_USAGE;
		}
	}
	if (need_template) {
		if (ship_read_regular_file(in->template_path, &in->body)) {
			if (in->body.failed) {
				cli_error(_("template '%s' is larger than %d bytes, CloudFormation's "
					  "limit for a template sent inline"),
					  in->template_path, TEMPLATE_BODY_MAX);
				cli_hint(_("shorten it (comments count too)"));
			} else {
				cli_error(_("cannot read template '%s': %s"), in->template_path,
					  ship_read_strerror(errno));
				cli_hint(
				    _("give the path in 'infra.template' of the config or --template "
				    "FILE"));
			}
			return CLI_EXIT_USAGE;
		}
		char missing[256];
		if (ship_infra_missing_subnet_params(&in->params, missing, sizeof(missing))) {
			cli_error(_("ExistingVpcId is given without %s"), missing);
			cli_hint(
			    _("an existing VPC needs two public subnets (load balancer) and two "
			    "subnets for the tasks, each pair in two AZs; 'ecship infra deploy' "
			    "prints them when the VPC quota is reached"));
			return CLI_EXIT_USAGE;
		}
	}
	return CLI_EXIT_OK;
}

static struct ship_stack_input stack_input(const struct infra *in)
{
	struct ship_stack_input si;
	si.stack = in->stack;
	si.template_body = ship_buf_str(&in->body);
	si.params = &in->params;
	si.capabilities = ship_infra_capabilities(si.template_body);
	return si;
}

/* ---- printing ------------------------------------------------------------------------------ */

static void print_event(void *vctx, const struct ship_stack_event *e)
{
	const char *ts = e->timestamp && strlen(e->timestamp) >= 19 ? e->timestamp + 11 : "";
	(void)vctx;
	cli_group_begin(_("stack events"));
	cli_note("  %.8s  %-36s %-44s %s%s%s", ts, e->logical_id ? e->logical_id : "",
		 e->type ? e->type : "", e->status ? e->status : "",
		 e->reason && *e->reason ? "  " : "", e->reason ? e->reason : "");
}

static void print_failures(const struct ship_stack_events *failed, const struct ship_stack *st)
{
	if (st->status_reason && *st->status_reason)
		cli_error(_("stack '%s' is %s: %s"), st->name ? st->name : "", st->status,
			  st->status_reason);
	else
		cli_error(_("stack '%s' is %s"), st->name ? st->name : "", st->status);
	for (size_t i = 0; i < failed->n; i++) {
		const struct ship_stack_event *e = &failed->v[i];
		if (e->type && !strcmp(e->type, "AWS::CloudFormation::Stack"))
			continue;
		fprintf(stderr, "  %s (%s) %s: %s\n", cli_safe(e->logical_id ? e->logical_id : "?"),
			cli_safe(e->type ? e->type : "?"), cli_safe(e->status),
			cli_safe(e->reason));
	}
}

static json_t *outputs_json(const struct ship_stack *st)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < st->n_outputs; i++)
		if (st->outputs[i].key)
			json_object_set_new(
			    o, st->outputs[i].key,
			    json_string(st->outputs[i].value ? st->outputs[i].value : ""));
	return o;
}

static void print_outputs_table(FILE *f, const struct ship_stack *st)
{
	int w = 10;
	for (size_t i = 0; i < st->n_outputs; i++)
		if (st->outputs[i].key && (int)strlen(st->outputs[i].key) > w)
			w = (int)strlen(st->outputs[i].key);
	for (size_t i = 0; i < st->n_outputs; i++)
		fprintf(f, "%-*s  %s\n", w, cli_safe(st->outputs[i].key ? st->outputs[i].key : ""),
			cli_safe(st->outputs[i].value ? st->outputs[i].value : ""));
}

static void print_changes(const struct ship_changeset *cs)
{
	if (!cs->n_changes) {
		cli_note(_("change set %s: no resource changes listed (parameters or outputs only)"),
			 cs->name);
		return;
	}
	cli_note(_("change set %s:"), cs->name);
	for (size_t i = 0; i < cs->n_changes; i++) {
		const struct ship_change *c = &cs->changes[i];
		const char *repl = c->action && !strcmp(c->action, "Remove") ? "  (deleted)"
				   : c->replacement && !strcmp(c->replacement, "True")
				       ? "  (replaced)"
				   : c->replacement && !strcmp(c->replacement, "Conditional")
				       ? "  (may be replaced)"
				       : "";
		cli_note("  %-8s %-36s %s%s", c->action ? c->action : "?",
			 c->logical_id ? c->logical_id : "?", c->type ? c->type : "", repl);
	}
}

static json_t *changes_json(const struct ship_changeset *cs)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < cs->n_changes; i++) {
		const struct ship_change *c = &cs->changes[i];
		json_array_append_new(a, json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?}", "action",
						   c->action, "logical_id", c->logical_id,
						   "physical_id", c->physical_id, "type", c->type,
						   "replacement", c->replacement));
	}
	return a;
}

/* ---- the VPC quota preflight ----------------------------------------------------------------- */

/* The VPC to suggest for reuse: one with two AZs, preferring public+private, then non-default. */
static const struct ship_vpc_info *best_vpc(const struct ship_vpc_list *l, const char *ids[4])
{
	const struct ship_vpc_info *best = NULL;
	int best_score = -1;
	for (size_t i = 0; i < l->n; i++) {
		const char *t[4];
		if (ship_vpc_pick_subnets(&l->v[i], t))
			continue;
		int has_pub = 0, has_priv = 0;
		for (size_t j = 0; j < l->v[i].n_subnets; j++) {
			has_pub |= l->v[i].subnets[j].is_public;
			has_priv |= !l->v[i].subnets[j].is_public;
		}
		int score = 2 * (has_pub && has_priv) + !l->v[i].is_default;
		if (score > best_score) {
			best_score = score;
			best = &l->v[i];
			memcpy(ids, t, sizeof(t));
		}
	}
	return best;
}

/* 0: room for a VPC; CLI_EXIT_FAILED after printing the three choices; other exit codes. */
static int vpc_preflight(struct infra *in)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_vpc_quota q;
	struct ship_vpc_list l;
	const char *region = ship_aws_region(in->aws);

	if (ship_vpc_quota_get(in->aws, &q, &err))
		return cli_report(_("cannot check the VPC quota"), &err);
	if (in->ctx->g.verbose) {
		if (q.from_api)
			cli_note(_("VPC quota: %ld of %.0f VPCs in %s (Service Quotas %s)"), q.count,
				 q.quota, region, SHIP_VPC_QUOTA_CODE);
		else
			cli_note(_("VPC quota: %ld of %.0f VPCs in %s (AWS's default: Service Quotas "
				 "did not answer: %s)"),
				 q.count, q.quota, region, q.why_default);
	}
	if (!ship_vpc_quota_full(q.count, q.quota))
		return 0;

	cli_error(_("cannot create stack '%s': region %s has %ld VPCs and its VPC quota is %.0f%s"),
		  in->stack, region, q.count, q.quota, q.from_api ? "" : " (AWS's default)");
	cli_hint(_("CloudFormation would fail with \"The maximum number of VPCs has been reached\"; "
		 "nothing was changed. Choose one of:"));
	memset(&l, 0, sizeof(l));
	if (ship_vpc_list(in->aws, &l, &err)) {
		cli_report(_("cannot list the VPCs to suggest one"), &err);
		ship_err_clear(&err);
	}
	const char *ids[4] = {NULL, NULL, NULL, NULL};
	const struct ship_vpc_info *v = best_vpc(&l, ids);
	fprintf(stderr, _("\n  1. reuse an existing VPC: no VPC is created when the template's "
			  "existing-VPC parameters are set.\n"));
	if (v) {
		/* only this environment's base stack: under environments.<env> unless the
		 * environment is the default one (then the top-level infra: applies to it) */
		const char *envname = in->ctx->g.env && *in->ctx->g.env ? in->ctx->g.env
				      : getenv("ENVIRONMENT") && *getenv("ENVIRONMENT")
					  ? getenv("ENVIRONMENT")
					  : NULL;
		const char *ind = envname ? "    " : "";
		fprintf(stderr, _("     In %s, for environment '%s':\n\n"),
			in->cfg ? in->cfg->path : "ecship.yml", envname ? envname : "staging");
		if (envname)
			/* i18n: not translated (YAML to paste into ecship.yml) */
			fprintf(stderr, "       environments:\n         %s:\n", cli_safe(envname));
		/* i18n: not translated (YAML to paste into ecship.yml) */
		fprintf(stderr, "       %sinfra:\n       %s  template: %s\n       %s  parameters:\n",
			ind, ind, in->template_path, ind);
		for (size_t i = 0; i < in->params.n; i++)
			if (strncmp(in->params.v[i].key, "Existing", 8))
				fprintf(stderr, "       %s    %s: \"%s\"\n", ind, in->params.v[i].key,
					in->params.v[i].value);
		fprintf(stderr, "       %s    %s: %s\n", ind, SHIP_INFRA_EXISTING_VPC,
			cli_safe(v->id));
		for (size_t i = 0; i < 4; i++)
			fprintf(stderr, "       %s    %s: %s\n", ind,
				ship_infra_existing_subnet_params[i], cli_safe(ids[i]));
		fprintf(stderr, _("\n     or once: %s %s=%s"), cli_ecship(in->ctx, "infra deploy"),
			SHIP_INFRA_EXISTING_VPC, cli_safe(v->id));
		for (size_t i = 0; i < 4; i++)
			fprintf(stderr, " %s=%s", ship_infra_existing_subnet_params[i],
				cli_safe(ids[i]));
		/* i18n: not translated (a VPC's id, name and CIDR) */
		fprintf(stderr, "\n     (VPC %s%s%s%s, %s)\n", cli_safe(v->id), v->name ? " '" : "",
			cli_safe(v->name ? v->name : ""), v->name ? "'" : "",
			cli_safe(v->cidr ? v->cidr : ""));
	} else {
		fprintf(stderr,
			_("     No VPC in %s has subnets in two availability zones to "
			  "suggest; set %s and the four Existing*SubnetId parameters.\n"),
			region, SHIP_INFRA_EXISTING_VPC);
	}
	if (l.n) {
		fprintf(stderr, _("     The VPCs in %s:\n"), region);
		for (size_t i = 0; i < l.n; i++) {
			size_t pub = 0;
			for (size_t j = 0; j < l.v[i].n_subnets; j++)
				pub += (size_t)l.v[i].subnets[j].is_public;
			fprintf(stderr, _("       %-24s %-18s %zu subnets (%zu public)%s%s%s\n"),
				cli_safe(l.v[i].id), cli_safe(l.v[i].cidr ? l.v[i].cidr : ""),
				l.v[i].n_subnets, pub, l.v[i].is_default ? _("  default") : "",
				l.v[i].name ? "  " : "", cli_safe(l.v[i].name ? l.v[i].name : ""));
		}
	}
	fprintf(
	    stderr,
	    _("\n  2. delete a VPC nothing uses any more: first what is in it (ECS services, load "
	      "balancers, NAT gateways, endpoints),\n     then e.g. 'aws ec2 delete-vpc --vpc-id "
	      "VPC_ID --region %s', or '%s' for an ecship stack.\n"),
	    region, cli_ecship(in->ctx, "infra delete"));
	fprintf(stderr,
		_("\n  3. ask AWS for a higher quota:\n       aws service-quotas "
		  "request-service-quota-increase --service-code vpc --quota-code %s "
		  "--desired-value %.0f --region %s\n\n"),
		SHIP_VPC_QUOTA_CODE, q.quota + 5, region);
	ship_vpc_list_release(&l);
	return CLI_EXIT_FAILED;
}

/* ---- waiting ------------------------------------------------------------------------------- */

/* Waits for the stack and prints the outcome; returns the exit code. */
static int wait_stack(struct infra *in, const char *stack_ref, const char *since, const char *doing,
		      int deleting)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_stack st;
	struct ship_stack_events failed = {NULL, 0};
	enum ship_stack_wait_end end;
	int rc;

	struct ship_stack_wait_opts wo = {in->timeout,	    0,	  print_event,
					  cli_cancelled_cb, NULL, since};
	const char *iv = getenv("ECSHIP_STACK_POLL_SECONDS"); /* tests: poll faster */
	double ivs;
	if (iv && !ship_parse_duration(iv, &ivs) && ivs > 0)
		wo.interval = ivs;
	cli_note(_("waiting for stack '%s' (%s)"), in->stack, doing);
	int waited = ship_stack_wait(in->aws, stack_ref, &wo, &end, &st, &failed, &err);
	cli_group_end();
	if (waited) {
		rc = cli_report(_("cannot follow the stack"), &err);
		goto cleanup;
	}
	switch (end) {
	case SHIP_STACK_WAIT_GONE:
		rc = deleting ? CLI_EXIT_OK : CLI_EXIT_FAILED;
		if (!deleting)
			cli_error(_("stack '%s' disappeared while %s"), in->stack, doing);
		break;
	case SHIP_STACK_WAIT_DONE: {
		enum ship_stack_class c = ship_stack_classify(st.status);
		if (c == SHIP_STACK_CLASS_OK && !deleting) {
			rc = CLI_EXIT_OK;
		} else {
			print_failures(&failed, &st);
			if (c == SHIP_STACK_CLASS_ROLLED_BACK)
				cli_hint(
				    _("the update was rolled back: the stack is as before; fix the "
				      "cause above and run '%s' again"),
				    cli_ecship(in->ctx, "infra deploy"));
			else if (st.status && !strcmp(st.status, "ROLLBACK_COMPLETE"))
				cli_hint(_("a stack whose creation failed cannot be updated: fix the "
					 "cause, '%s', then deploy again"),
					 cli_ecship(in->ctx, "infra delete"));
			else if (deleting)
				cli_hint(_("delete what keeps the resources above in use (the FAQ's "
					 "order: ECS services, then the stack), then run '%s' again"),
					 cli_ecship(in->ctx, "infra delete"));
			rc = CLI_EXIT_FAILED;
		}
		break;
	}
	case SHIP_STACK_WAIT_TIMEOUT:
		cli_error(_("stack '%s' is still %s after %.0f s"), in->stack,
			  st.status ? st.status : "in progress", in->timeout);
		cli_hint(_("CloudFormation goes on: '%s' shows where it is"),
			 cli_ecship(in->ctx, "infra status"));
		rc = CLI_EXIT_TIMEOUT;
		break;
	case SHIP_STACK_WAIT_INTERRUPTED:
	default:
		cli_error(_("interrupted while %s; stack '%s' is %s and CloudFormation goes on"),
			  doing, in->stack, st.status ? st.status : "in progress");
		cli_hint(_("'%s' shows where it is"), cli_ecship(in->ctx, "infra status"));
		rc = CLI_EXIT_INTERRUPTED;
		break;
	}
cleanup:
	ship_stack_release(&st);
	ship_stack_events_release(&failed);
	return rc;
}

/* The result on stdout: what happened, the stack's status and outputs. */
static int print_result(struct infra *in, const char *action, const struct ship_changeset *cs)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_stack st;
	int found = ship_stack_describe(in->aws, in->stack, &st, &err);
	if (found < 0)
		return cli_report(_("cannot describe the stack"), &err);
	if (in->ctx->json) {
		json_t *o = json_pack("{s:s, s:s?, s:s, s:s?, s:s?}", "stack", in->stack,
				      "stack_id", found ? st.id : NULL, "action", action, "status",
				      found ? st.status : NULL, "change_set", cs ? cs->name : NULL);
		if (o && cs)
			json_object_set_new(o, "changes", changes_json(cs));
		if (o && found)
			json_object_set_new(o, "outputs", outputs_json(&st));
		int r = o ? cli_print_json(o) : -1;
		json_decref(o);
		ship_stack_release(&st);
		return r ? CLI_EXIT_FAILED : CLI_EXIT_OK;
	}
	printf(_("stack %s %s (%s)\n"), in->stack, action, cli_safe(found ? st.status : "gone"));
	if (found && st.n_outputs && strcmp(action, "deleted"))
		print_outputs_table(stdout, &st);
	ship_stack_release(&st);
	return CLI_EXIT_OK;
}

/* ---- subcommands --------------------------------------------------------------------------- */

static int infra_deploy(struct infra *in)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_stack st;
	struct ship_changeset cs;
	struct ship_stack_input si = stack_input(in);
	char since[256] = "", id[512] = "";
	int rc;

	memset(&cs, 0, sizeof(cs));
	int found = ship_stack_describe(in->aws, in->stack, &st, &err);
	if (found < 0)
		return cli_report(_("cannot describe the stack"), &err);
	enum ship_stack_class c = found ? ship_stack_classify(st.status) : SHIP_STACK_CLASS_DELETED;
	switch (c) {
	case SHIP_STACK_CLASS_DELETED: /* create */
		if (ship_infra_creates_vpc(si.template_body, &in->params) &&
		    (rc = vpc_preflight(in)))
			goto cleanup;
		cli_note(_("creating stack '%s' from %s"), in->stack, in->template_path);
		if (ship_stack_create(in->aws, &si, id, sizeof(id), &err)) {
			rc = cli_report(_("cannot create the stack"), &err);
			goto cleanup;
		}
		if (in->ctx->g.verbose)
			cli_note(_("stack id %s"), id);
		if (s_args.no_wait) {
			rc = print_result(in, "creation started", NULL);
			goto cleanup;
		}
		rc = wait_stack(in, *id ? id : in->stack, "", "creating", 0);
		if (!rc)
			rc = print_result(in, "created", NULL);
		goto cleanup;
	case SHIP_STACK_CLASS_OK:
	case SHIP_STACK_CLASS_ROLLED_BACK:
		break;
	case SHIP_STACK_CLASS_BUSY:
		cli_error(_("stack '%s' is %s: another change is under way"), in->stack, st.status);
		cli_hint(_("wait for it ('%s'), then deploy again"), cli_ecship(in->ctx, "infra status"));
		rc = CLI_EXIT_FAILED;
		goto cleanup;
	case SHIP_STACK_CLASS_DEAD:
	case SHIP_STACK_CLASS_REVIEW:
	case SHIP_STACK_CLASS_UNKNOWN:
	default:
		cli_error(_("stack '%s' is %s%s%s and cannot be updated"), in->stack, st.status,
			  st.status_reason ? ": " : "", st.status_reason ? st.status_reason : "");
		cli_hint(_("'%s' removes it (nothing of a failed creation is kept), then deploy again"),
			 cli_ecship(in->ctx, "infra delete"));
		rc = CLI_EXIT_FAILED;
		goto cleanup;
	}
	/* an update that switches from an existing VPC to a new one needs room for it */
	const char *old_vpc = ship_kvs_get(&st.params, SHIP_INFRA_EXISTING_VPC);
	if (old_vpc && *old_vpc && ship_infra_creates_vpc(si.template_body, &in->params) &&
	    (rc = vpc_preflight(in)))
		goto cleanup;
	if (ship_stack_last_event(in->aws, in->stack, since, sizeof(since), &err)) {
		rc = cli_report(_("cannot read the stack events"), &err);
		goto cleanup;
	}
	struct ship_changeset_opts co = {in->timeout, cli_cancelled_cb, NULL};
	if (ship_stack_changeset(in->aws, &si, &co, &cs, &err)) {
		rc = cli_report(_("cannot prepare the update"), &err);
		if (err.code == SHIP_ERR_INPUT)
			cli_hint(_("nothing was changed; fix the template or the parameters"));
		goto cleanup;
	}
	if (cs.no_changes) {
		cli_note(_("stack '%s' is up to date: no changes"), in->stack);
		rc = print_result(in, "unchanged", &cs);
		goto cleanup;
	}
	print_changes(&cs);
	size_t ndestroy = 0;
	for (size_t i = 0; i < cs.n_changes; i++) {
		const char *how = ship_change_destroys(&cs.changes[i]);
		if (!how)
			continue;
		if (!ndestroy++ && !s_args.allow_replacement)
			cli_error(
			    _("the update of stack '%s' would take down what every service runs "
			      "on:"),
			    in->stack);
		(s_args.allow_replacement ? cli_warn : cli_error)(
		    "  it %s %s (%s)", how,
		    cs.changes[i].logical_id ? cs.changes[i].logical_id : "?", cs.changes[i].type);
	}
	if (ndestroy && !s_args.allow_replacement) {
		cli_hint(
		    _("nothing was changed; check the template and parameters (a changed CIDR, AZ "
		      "or name replaces the resource), or run '%s' if that is what you want"),
		    cli_ecship(in->ctx, "infra deploy --allow-replacement"));
		rc = CLI_EXIT_USAGE;
		goto cleanup;
	}
	if (ship_stack_changeset_execute(in->aws, in->stack, &cs, &err)) {
		rc = cli_report(_("cannot execute the change set"), &err);
		goto cleanup;
	}
	if (s_args.no_wait) {
		rc = print_result(in, "update started", &cs);
		goto cleanup;
	}
	rc = wait_stack(in, st.id ? st.id : in->stack, since, "updating", 0);
	if (!rc)
		rc = print_result(in, "updated", &cs);
cleanup:
	ship_changeset_release(&cs);
	ship_stack_release(&st);
	return rc;
}

static int missing_stack(const struct infra *in)
{
	cli_error(_("stack '%s' does not exist in %s"), in->stack, ship_aws_region(in->aws));
	cli_hint(_("'%s' creates it (check --env and --region if it should exist)"),
		 cli_ecship(in->ctx, "infra deploy"));
	return CLI_EXIT_FAILED;
}

static int infra_status(struct infra *in)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_stack st;
	struct ship_stack_events evs = {NULL, 0};
	int rc = CLI_EXIT_OK;
	long n = s_args.events > 0 ? s_args.events : 10;

	int found = ship_stack_describe(in->aws, in->stack, &st, &err);
	if (found < 0)
		return cli_report(_("cannot describe the stack"), &err);
	if (!found)
		return missing_stack(in);
	/* the last events, newest first; shown oldest first */
	if (ship_stack_events_recent(in->aws, in->stack, (size_t)n, &evs, &err)) {
		rc = cli_report(_("cannot read the stack events"), &err);
		goto cleanup;
	}
	size_t k = evs.n;
	enum ship_stack_class c = ship_stack_classify(st.status);
	if (in->ctx->json) {
		json_t *o = json_pack("{s:s, s:s?, s:s, s:s?, s:i}", "stack", in->stack, "stack_id",
				      st.id, "status", st.status, "status_reason", st.status_reason,
				      "outputs_count", (int)st.n_outputs);
		json_t *ev = json_array();
		for (size_t i = k; i-- > 0;) {
			const struct ship_stack_event *e = &evs.v[i];
			json_array_append_new(
			    ev, json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?}", "timestamp",
					  e->timestamp, "logical_id", e->logical_id, "type",
					  e->type, "status", e->status, "reason", e->reason));
		}
		json_object_set_new(o, "events", ev);
		json_object_set_new(o, "parameters", json_object());
		for (size_t i = 0; i < st.params.n; i++)
			json_object_set_new(json_object_get(o, "parameters"), st.params.v[i].key,
					    json_string(st.params.v[i].value));
		if (cli_print_json(o))
			rc = CLI_EXIT_FAILED;
		json_decref(o);
	} else {
		printf(_("stack      %s\n"), in->stack);
		printf(_("status     %s%s%s\n"), cli_safe(st.status), st.status_reason ? "  " : "",
		       cli_safe(st.status_reason ? st.status_reason : ""));
		printf(_("region     %s\n"), ship_aws_region(in->aws));
		printf(_("outputs    %zu ('%s' lists them)\n"), st.n_outputs,
		       cli_ecship(in->ctx, "infra outputs"));
		const char *vpc = ship_kvs_get(&st.params, SHIP_INFRA_EXISTING_VPC);
		if (vpc && *vpc)
			printf(_("vpc        existing %s\n"), cli_safe(vpc));
		if (k)
			printf(_("events     (last %zu, oldest first)\n"), k);
		for (size_t i = k; i-- > 0;) {
			const struct ship_stack_event *e = &evs.v[i];
			printf("  %.19s  %-36s %s%s", e->timestamp ? cli_safe(e->timestamp) : "",
			       e->logical_id ? cli_safe(e->logical_id) : "", e->status ? cli_safe(e->status) : "",
			       e->reason && *e->reason ? "  " : "");
			printf("%s\n", e->reason ? cli_safe(e->reason) : "");
		}
	}
	if (c == SHIP_STACK_CLASS_DEAD || c == SHIP_STACK_CLASS_ROLLED_BACK)
		cli_warn(_("stack '%s' is %s: its last change failed"), in->stack, st.status);
cleanup:
	ship_stack_events_release(&evs);
	ship_stack_release(&st);
	return rc;
}

static int infra_outputs(struct infra *in)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_stack st;
	int rc = CLI_EXIT_OK;
	int found = ship_stack_describe(in->aws, in->stack, &st, &err);
	if (found < 0)
		return cli_report(_("cannot describe the stack"), &err);
	if (!found)
		return missing_stack(in);
	if (in->ctx->json) {
		json_t *o = outputs_json(&st);
		if (!o || cli_print_json(o))
			rc = CLI_EXIT_FAILED;
		json_decref(o);
	} else {
		if (!st.n_outputs)
			cli_note(_("stack '%s' has no outputs (status %s)"), in->stack, st.status);
		print_outputs_table(stdout, &st);
	}
	ship_stack_release(&st);
	return rc;
}

static int infra_diff(struct infra *in)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_stack st;
	struct ship_changeset cs;
	struct ship_stack_input si = stack_input(in);
	int rc = CLI_EXIT_OK;

	memset(&cs, 0, sizeof(cs));
	int found = ship_stack_describe(in->aws, in->stack, &st, &err);
	if (found < 0)
		return cli_report(_("cannot describe the stack"), &err);
	if (!found || ship_stack_classify(st.status) == SHIP_STACK_CLASS_DELETED) {
		int vpc = ship_infra_creates_vpc(si.template_body, &in->params);
		if (in->ctx->json) {
			json_t *o = json_pack("{s:s, s:s, s:b}", "stack", in->stack, "action",
					      "create", "creates_vpc", vpc);
			cli_print_json(o);
			json_decref(o);
		} else {
			printf(_("stack %s does not exist: '%s' would create it from %s%s\n"),
			       in->stack, cli_ecship(in->ctx, "infra deploy"), in->template_path,
			       vpc ? _(" (with a new VPC)") : _(" (in an existing VPC)"));
		}
		goto cleanup;
	}
	struct ship_changeset_opts co = {in->timeout, cli_cancelled_cb, NULL};
	if (ship_stack_changeset(in->aws, &si, &co, &cs, &err)) {
		rc = cli_report(_("cannot compute the changes"), &err);
		goto cleanup;
	}
	if (!cs.no_changes) {
		/* diff only looks: leave no change set behind */
		if (ship_stack_changeset_delete(in->aws, in->stack, cs.name, &err)) {
			cli_warn(_("cannot delete change set '%s' (%s); the next deploy replaces it"),
				 cs.name, err.message);
			ship_err_clear(&err);
		}
	}
	if (in->ctx->json) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "stack", in->stack, "action",
				      cs.no_changes ? "none" : "update", "change_set", cs.name);
		json_object_set_new(o, "changes", changes_json(&cs));
		cli_print_json(o);
		json_decref(o);
	} else if (cs.no_changes) {
		printf(_("stack %s: no changes\n"), in->stack);
	} else {
		printf(_("stack %s: %zu resource change%s\n"), in->stack, cs.n_changes,
		       cs.n_changes == 1 ? "" : "s");
		for (size_t i = 0; i < cs.n_changes; i++) {
			const struct ship_change *c = &cs.changes[i];
			printf("  %-8s %-36s %-44s%s\n", cli_safe(c->action ? c->action : "?"),
			       cli_safe(c->logical_id ? c->logical_id : "?"),
			       cli_safe(c->type ? c->type : ""),
			       c->replacement && !strcmp(c->replacement, "True") ? _(" replaced")
										 : "");
		}
		if (!cs.n_changes)
			printf(_(
			    "  (parameters or outputs change; the endpoint listed no resource)\n"));
	}
cleanup:
	ship_changeset_release(&cs);
	ship_stack_release(&st);
	return rc;
}

/* The ACTIVE services of the cluster: "name (running R of D)" lines into out; -1 on error. */
static int active_services(struct infra *in, const char *cluster, struct ship_buf *out,
			   size_t *count, struct ship_err *err)
{
	json_t *svcs = NULL, *svc;
	size_t i;

	*count = 0;
	if (ship_ecs_list_services(in->aws, cluster, &svcs, err))
		return -1;
	json_array_foreach(svcs, i, svc)
	{
		const char *status = json_string_value(json_object_get(svc, "status"));
		if (status && strcmp(status, "ACTIVE") && strcmp(status, "DRAINING"))
			continue;
		ship_buf_addf(out, "  %s (%s, running %lld of %lld)\n",
			      json_string_value(json_object_get(svc, "serviceName")),
			      status ? status : "?",
			      json_integer_value(json_object_get(svc, "runningCount")),
			      json_integer_value(json_object_get(svc, "desiredCount")));
		(*count)++;
	}
	json_decref(svcs);
	return 0;
}

static int infra_delete(struct infra *in)
{
	struct ship_err err = SHIP_ERR_INIT;
	struct ship_stack st;
	struct ship_buf svcs = SHIP_BUF_INIT(1 << 16);
	char since[256] = "";
	size_t nsvc = 0;
	int rc;

	int found = ship_stack_describe(in->aws, in->stack, &st, &err);
	if (found < 0)
		return cli_report(_("cannot describe the stack"), &err);
	if (!found || ship_stack_classify(st.status) == SHIP_STACK_CLASS_DELETED) {
		cli_note(_("stack '%s' does not exist: nothing to delete"), in->stack);
		rc = print_result(in, "deleted", NULL);
		goto cleanup;
	}
	const char *cluster = ship_stack_output(&st, "ClusterName");
	if (!cluster && in->cfg)
		cluster = in->cfg->cluster;
	if (cluster && active_services(in, cluster, &svcs, &nsvc, &err)) {
		rc = cli_report(_("cannot list the services of the cluster"), &err);
		goto cleanup;
	}
	if (nsvc && !s_args.force) {
		cli_error(
		    _("refusing to delete stack '%s': %zu service%s still run%s in cluster '%s'"),
		    in->stack, nsvc, nsvc == 1 ? "" : "s", nsvc == 1 ? "s" : "", cluster);
		cli_put_lines(stderr, svcs.data);
		cli_hint(
		    _("the runbook's order (FAQ): first delete what runs inside the VPC, the ECS "
		    "services ('aws ecs delete-service --cluster %s --service NAME --force'), "
		    "then the stack, which takes the ALB, NAT gateway and VPC with it; "
		    "--force deletes the stack anyway"),
		    cluster);
		rc = CLI_EXIT_FAILED;
		goto cleanup;
	}
	if (nsvc)
		cli_warn(_("deleting stack '%s' while %zu service%s still run%s in cluster '%s' "
			 "(--force); the deletion fails where a service holds a resource"),
			 in->stack, nsvc, nsvc == 1 ? "" : "s", nsvc == 1 ? "s" : "", cluster);
	if (ship_stack_last_event(in->aws, in->stack, since, sizeof(since), &err)) {
		rc = cli_report(_("cannot read the stack events"), &err);
		goto cleanup;
	}
	cli_note(_("deleting stack '%s'"), in->stack);
	if (ship_stack_delete(in->aws, in->stack, &err)) {
		rc = cli_report(_("cannot delete the stack"), &err);
		goto cleanup;
	}
	if (s_args.no_wait) {
		rc = print_result(in, "deletion started", NULL);
		goto cleanup;
	}
	rc = wait_stack(in, st.id ? st.id : in->stack, since, "deleting", 1);
	if (!rc) {
		if (in->ctx->json) {
			json_t *o =
			    json_pack("{s:s, s:s}", "stack", in->stack, "action", "deleted");
			cli_print_json(o);
			json_decref(o);
		} else {
			printf(_("stack %s deleted\n"), in->stack);
		}
	}
cleanup:
	ship_buf_release(&svcs);
	ship_stack_release(&st);
	return rc;
}

static const struct {
	const char *name;
	int (*fn)(struct infra *in);
	int params;   /* accepts KEY=VALUE arguments */
	int template; /* reads the template */
} s_subs[] = {
    {"deploy", infra_deploy, 1, 1}, {"diff", infra_diff, 1, 1},
    {"status", infra_status, 0, 0}, {"outputs", infra_outputs, 0, 0},
    {"delete", infra_delete, 0, 0},
};

static int cmd_infra(struct cli_ctx *ctx, int argc, char **argv)
{
	struct infra in;
	size_t i;
	int rc;

	if (argc < 1) {
		cli_error(_("'infra' needs a subcommand: deploy, status, outputs, diff or delete"));
		cli_hint(_("'ecship infra --help' describes them"));
		return CLI_EXIT_USAGE;
	}
	for (i = 0; i < sizeof(s_subs) / sizeof(s_subs[0]); i++)
		if (!strcmp(argv[0], s_subs[i].name))
			break;
	if (i == sizeof(s_subs) / sizeof(s_subs[0])) {
		cli_error(_("unknown subcommand 'infra %s'"), argv[0]);
		cli_hint(_("use one of: deploy, status, outputs, diff, delete"));
		return CLI_EXIT_USAGE;
	}
	rc = infra_load(ctx, &in, argc - 1, argv + 1, s_subs[i].params, s_subs[i].template);
	if (!rc)
		rc = s_subs[i].fn(&in);
	infra_release(&in);
	return rc;
}

const struct cli_command cmd_infra_def = {
    "infra",
    cmd_infra,
    CLI_WANT_CONFIG | CLI_NEED_REGION,
    "deploy|diff [KEY=VALUE...] | status | outputs | delete",
    "create or update the base stack (VPC, ALB, cluster) once, safely",
    "The base infrastructure of one environment is a CloudFormation stack (config 'stack',\n"
    "template 'infra.template', parameters 'infra.parameters'; KEY=VALUE arguments override\n"
    "them) created once and then only updated in place.\n"
    "\n"
    "deploy   creates the stack when it is missing; otherwise computes a change set with a\n"
    "         fixed name (ecship-<stack>-<hash of template and parameters>), shows it, and\n"
    "         executes it only if it changes something: 'no changes' is success. Waits with\n"
    "         the stack events as progress; on failure prints each failed resource and why.\n"
    "         Before creating a VPC it checks the region's VPC quota (Service Quotas\n"
    "         L-F678F1CE, else AWS's default of 5) and, at the quota, stops with exit 1 and\n"
    "         the choices: reuse an existing VPC (the exact parameters), delete one, or ask for\n"
    "         more.\n"
    "diff     the change set deploy would execute, deleted again; nothing changes.\n"
    "status   the stack's status, reason and last events (--events N).\n"
    "outputs  the stack's outputs (the ${cfn:KEY} values), as a table or --output json.\n"
    "delete   deletes the stack; refuses while services still run in its cluster (delete\n"
    "         them first, as the runbook's FAQ says) unless --force.",
    s_options,
};
